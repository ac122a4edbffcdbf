#!/bin/sh
# Consensus speed (issue 5, "Speed"; part of `make bench`, after tests/bench/run.sh's own
# figures). Four validators of equal power on 127.0.0.1, peers of each other:
#   1. sustained committed transfers/s when clients send batches of signed transfers to
#      all four APIs (each sender's transfers to one node: a node admits only an account's
#      next nonce), from the first submission until the last is committed, beside the
#      machine's verification rate divided by 4 (each validator verifies each transfer
#      once) and their ratio (the issue's target: at least 40%);
#   2. p50/p99 from submission to commit of a paced stream at half that rate (target: p99
#      under 1 s). A transfer's time starts when it is due by the schedule, not when it was
#      sent, so a client that falls behind cannot hide latency; its commit is when its
#      node's GET /api/v1/events shows it;
#   3. the blocks/s of a fresh full node syncing a chain of 10,000 empty blocks from one
#      validator (the chain is made first, by that validator alone).
# The client (loadgen) shares the cores with the nodes: its CPU time is printed beside
# theirs. It prints figures; it fails only when it cannot measure. Builds nothing: make did.
#
# Usage: sh tests/bench/consensus.sh [BUILD]     (BUILD defaults to build)
# Environment (all optional):
#   BENCH_CONS_TXS=60000          transfers of the throughput run
#   BENCH_CONS_ACCOUNTS=2000      funded sender accounts in the genesis
#   BENCH_CONS_BATCH=500          transfers per POST /api/v1/txs/batch
#   BENCH_CONS_CONNS=8            keep-alive connections, spread over the four nodes
#   BENCH_CONS_INTERVAL_MS=100    [consensus] block_interval_ms of the validators
#   BENCH_CONS_LATENCY_S=10       seconds of the paced stream
#   BENCH_CONS_LATENCY_RATE=0     its transfers/s (0: half the measured throughput)
#   BENCH_CONS_TICK_MS=5          the stream sends, every TICK ms, all transfers then due
#   BENCH_CONS_SYNC_BLOCKS=10000  blocks the full node syncs (0 skips the sync)
#   BENCH_CONS_SYNC_INTERVAL_MS=1 block_interval_ms of the validator that makes that chain
#   BENCH_CONS_SYNC_SHM=1         make that chain in /dev/shm (fsync costs nothing there;
#                                 the syncing node's data stays in TMPDIR either way)
#   BENCH_CONS_VERIFY_S=2         seconds of each verification measurement (the one-thread
#                                 rate once, the all-core rate three times: the best counts)
#   BENCH_CONS_VERIFIERS=0        [store] verifier_threads (0: one per core)
#   BENCH_CONS_PERF=PREFIX        `perf record` validator v0 during the throughput run
#                                 into PREFIX-v0.data (perf slows it: figures of such a
#                                 run are not the node's)
#   BENCH_CONS_LOG=warn           the nodes' log_level (debug logs every block's round)
#   BENCH_CONS_KEEP=1             keep the temporary directories (logs, configs, chains)
set -eu
BUILD=${1:-build}
N=4
TXS=${BENCH_CONS_TXS:-60000}
ACCOUNTS=${BENCH_CONS_ACCOUNTS:-2000}
BATCH=${BENCH_CONS_BATCH:-500}
CONNS=${BENCH_CONS_CONNS:-8}
INTERVAL=${BENCH_CONS_INTERVAL_MS:-100}
LAT_S=${BENCH_CONS_LATENCY_S:-10}
LAT_RATE=${BENCH_CONS_LATENCY_RATE:-0}
TICK=${BENCH_CONS_TICK_MS:-5}
SYNC_BLOCKS=${BENCH_CONS_SYNC_BLOCKS:-10000}
SYNC_INTERVAL=${BENCH_CONS_SYNC_INTERVAL_MS:-1}
VERIFY_S=${BENCH_CONS_VERIFY_S:-2}
CHAIN=chroom-bench-cons
FEE=1000
L="$BUILD/tests/loadgen"
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
D="$BUILD/chroomd"
for b in "$L" "$W" "$G" "$D"; do
    if [ ! -x "$b" ]; then
        echo "consensus bench: $b is missing; run 'make bench' (or make BUILD=$BUILD all $L)" >&2
        exit 1
    fi
done

. "$(dirname "$0")/ports.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/chroom-bench-cons.XXXXXX")
sdir=""
pids=""
perf_pid=""
stop_nodes() {
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    for p in $pids; do
        wait "$p" 2>/dev/null || true
    done
    pids=""
}
cleanup() {
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
    fi
    stop_nodes
    if [ "${BENCH_CONS_KEEP:-0}" = 1 ]; then
        echo "consensus bench: kept $dir${sdir:+ and $sdir}"
    else
        rm -rf "$dir" ${sdir:+"$sdir"}
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$(date +%s)

pubkey() { "$W" --json address --key "$1" | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/'; }
address() { "$W" --json address --key "$1" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/'; }
# A process's CPU time (user + system) in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
node_pid() { echo "$pids" | awk -v i="$(($1 + 1))" '{ print $i }'; }
# "v0 1.23 v1 ..." of every validator's ticks now.
cpu_all() {
    i=0
    for p in $pids; do
        printf 'v%d %s ' "$i" "$(cpu_ticks "$p")"
        i=$((i + 1))
    done
}
# cpu_report BEFORE AFTER SECONDS LOADGEN_CPU_S: each validator's CPU seconds and share of
# one core over the run, with the client's, and all of it as a share of the machine.
cpu_report() {
    awk -v a="$1" -v b="$2" -v s="$3" -v lg="$4" -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" '
    BEGIN {
        na = split(a, x, " "); split(b, y, " "); total = lg; line = ""
        for (k = 1; k < na; k += 2) {
            c = (y[k + 1] - x[k + 1]) / hz; total += c
            line = line sprintf("%s %.1f s (%.0f%%), ", x[k], c, s > 0 ? 100 * c / s : 0)
        }
        printf "%sloadgen %.1f s (%.0f%%); all %.0f%% of %d cores over %.1f s", line, lg,
            (s > 0 ? 100 * lg / s : 0), (s > 0 ? 100 * total / (s * cores) : 0), cores, s
    }'
}
# node_conf NAME PEERS INTERVAL KEY_LINE: a chain.conf in $dir/NAME. Its listeners take any
# free port; start_node reads which (tests/bench/ports.sh).
node_conf() {
    mkdir -p "$dir/$1"
    cat >"$dir/$1/chain.conf" <<CONF
[node]
data_dir = ${NODE_DATA:-data}
genesis_file = ${NODE_GENESIS:-../genesis.json}
$4
log_level = ${BENCH_CONS_LOG:-warn}

[api]
listen = 127.0.0.1:0
# The bench's keys are premium, and premium has no rate limit here.
rate_limit_premium_per_min = 0

[consensus]
block_interval_ms = $3
# Short enough that a round without a proposal passes quickly, long enough that a big
# block is checked in time on a loaded machine.
timeout_propose_ms = 1000
timeout_propose_delta_ms = 500
timeout_prevote_ms = 300
timeout_prevote_delta_ms = 300
timeout_precommit_ms = 300
timeout_precommit_delta_ms = 300

[p2p]
listen = 127.0.0.1:0
peers = $2

[mempool]
txs_max = $mempool

[store]
verifier_threads = ${BENCH_CONS_VERIFIERS:-0}
CONF
    (umask 077 && "$D" apikey create --config "$dir/$1/chain.conf" --tier premium \
        --scopes read,submit --label bench >"$dir/$1/api-key")
}
start_node() { # NAME DATA_DIR: starts it and sets api_port and p2p_port to the ports it got
    "$D" --config "$dir/$1/chain.conf" 2>>"$dir/$1/node.log" &
    pids="$pids $!"
    wait_ports "$2" "$!" "$dir/$1/node.log"
}
field() { sed -n "s/^result: .*$1=\([0-9.][0-9.]*\).*/\1/p" "$2"; }
# Waits (at most 60 s) until the validators together use less than a quarter of a core:
# what a run left behind (gossip still being verified, say) must not slow the next one.
# Prints how long that took.
settle() {
    s0=$(date +%s)
    while :; do
        a=0
        for p in $pids; do a=$((a + $(cpu_ticks "$p"))); done
        sleep 1
        b=0
        for p in $pids; do b=$((b + $(cpu_ticks "$p"))); done
        if [ $((4 * (b - a))) -lt "$(getconf CLK_TCK)" ] || [ $(($(date +%s) - s0)) -ge 60 ]; then
            break
        fi
    done
    echo $(($(date +%s) - s0))
}

# ---- The four validators. ----
echo "== consensus: $N validators on 127.0.0.1, $ACCOUNTS funded senders, block interval $INTERVAL ms"
"$G" --file "$dir/genesis.json" init --chain-id "$CHAIN" >/dev/null
"$L" accounts --count "$ACCOUNTS" --out "$dir" --genesis "$dir/genesis.json" \
    --balance 1000000000000 >"$dir/senders.addr"
i=0
while [ "$i" -lt "$N" ]; do
    mkdir -p "$dir/v$i"
    "$W" keygen --out "$dir/v$i/validator.key" >/dev/null
    # Each validator is a stake of 10 CHR (power 10) from its own account.
    vaddr=$(address "$dir/v$i/validator.key")
    "$G" --file "$dir/genesis.json" add-account "$vaddr" 11000000 >/dev/null
    "$G" --file "$dir/genesis.json" add-validator "$vaddr" "$(pubkey "$dir/v$i/validator.key")" \
        10000000 >/dev/null
    i=$((i + 1))
done
"$G" --file "$dir/genesis.json" validate >/dev/null
# Every node's mempool gets every transfer (gossip), and must hold a whole run.
mempool=$((TXS > 100000 ? TXS : 100000))
i=0
while [ "$i" -lt "$N" ]; do
    # Its peers are set when it starts: the validators started before it.
    node_conf "v$i" "" "$INTERVAL" "validator_key_file = validator.key"
    keys="${keys:-}${keys:+,}$dir/v$i/api-key" # API keys are per node: one file per URL
    i=$((i + 1))
done

# Measured before the nodes start, so that nothing else competes for the cores.
echo "== signature verification (ledger_tx_verify)"
"$L" verify-rate --threads 1 --seconds "$VERIFY_S" | tee "$dir/verify1.out"
# The cores are shared with whatever else runs: the best of three is the machine's rate.
for _ in 1 2 3; do
    "$L" verify-rate --seconds "$VERIFY_S" | tee -a "$dir/verify.out"
done
verify1=$(sed -n 's/.* \([0-9][0-9]*\) verifications\/s.*/\1/p' "$dir/verify1.out")
verify=$(sed -n 's/.* \([0-9][0-9]*\) verifications\/s.*/\1/p' "$dir/verify.out" | sort -n | tail -n 1)
vthreads=$(sed -n 's/^verify: \([0-9][0-9]*\) thread.*/\1/p' "$dir/verify.out" | head -n 1)

# Each validator dials the ones started before it, whose ports it knows by then: one
# connection per pair.
urls=""
peers=""
i=0
while [ "$i" -lt "$N" ]; do
    sed -i "s/^peers = .*/peers = $peers/" "$dir/v$i/chain.conf"
    start_node "v$i" "$dir/v$i/data"
    urls="$urls${urls:+,}http://127.0.0.1:$api_port"
    peers="$peers${peers:+,}127.0.0.1:$p2p_port"
    i=$((i + 1))
done
# Blocks come: every validator is connected and voting.
i=0
for u in $(echo "$urls" | tr ',' ' '); do
    if ! "$L" wait-height --node "$u" --height 2 --timeout 60 \
        --api-key-file "$dir/v$i/api-key" >/dev/null; then
        echo "consensus bench: v$i made no blocks; its log ends with:" >&2
        tail -20 "$dir/v$i/node.log" >&2
        exit 1
    fi
    i=$((i + 1))
done

# ---- 1. Throughput. ----
echo "== throughput: $TXS transfers in batches of $BATCH over $CONNS connections to the $N validators"
if [ -n "${BENCH_CONS_PERF:-}" ]; then
    perf record -g -F 999 -p "$(node_pid 0)" -o "$BENCH_CONS_PERF-v0.data" 2>"$dir/perf.log" &
    perf_pid=$!
fi
c0=$(cpu_all)
t0=$(date +%s.%N)
if ! "$L" transfers --node "$urls" --keys "$dir/senders.keys" --chain-id "$CHAIN" \
    --fee "$FEE" --txs "$TXS" --batch "$BATCH" --conns "$CONNS" \
    --api-key-file "$keys" | tee "$dir/transfers.out"; then
    echo "consensus bench: loadgen transfers failed; v0's log ends with:" >&2
    tail -20 "$dir/v0/node.log" >&2
    exit 1
fi
t1=$(date +%s.%N)
c1=$(cpu_all)
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=""
    echo "consensus bench: perf data of v0 in $BENCH_CONS_PERF-v0.data"
fi
committed=$(field committed_tps "$dir/transfers.out")
tp_lg=$(sed -n 's/^cpu: loadgen used \([0-9.]*\) s.*/\1/p' "$dir/transfers.out")
tp_cpu=$(cpu_report "$c0" "$c1" "$(echo "$t1 $t0" | awk '{ print $1 - $2 }')" "${tp_lg:-0}")
# The validators' CPU per committed transfer, all four together, beside the N
# verifications it needs at least: a figure that other load on the machine barely moves.
ncommitted=$(field committed "$dir/transfers.out")
tp_per_tx=$(awk -v a="$c0" -v b="$c1" -v n="$ncommitted" -v v1="$verify1" -v nv="$N" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN {
    na = split(a, x, " "); split(b, y, " "); c = 0
    for (k = 2; k <= na; k += 2) c += (y[k] - x[k]) / hz
    us = n > 0 ? 1e6 * c / n : 0; vus = v1 > 0 ? nv * 1e6 / v1 : 0
    printf "%.0f us of the validators'"'"' CPU per transfer (%d verifications: %.0f us, %.0f%%)",
        us, nv, vus, (us > 0 ? 100 * vus / us : 0) }')

# ---- 2. Latency at half the throughput. ----
settled=$(settle)
echo "the validators were idle again ${settled} s after the last commit"
if [ "$LAT_RATE" = 0 ]; then
    LAT_RATE=$(awk -v c="$committed" 'BEGIN { r = int(c / 2); print (r > 0 ? r : 1) }')
fi
echo "== latency: $LAT_RATE transfers/s for $LAT_S s, spread over the $N validators"
c0=$(cpu_all)
t0=$(date +%s.%N)
if ! "$L" latency --node "$urls" --keys "$dir/senders.keys" --chain-id "$CHAIN" --fee "$FEE" \
    --rate "$LAT_RATE" --seconds "$LAT_S" --tick-ms "$TICK" \
    --api-key-file "$keys" | tee "$dir/latency.out"; then
    echo "consensus bench: loadgen latency failed; v0's log ends with:" >&2
    tail -20 "$dir/v0/node.log" >&2
    exit 1
fi
t1=$(date +%s.%N)
c1=$(cpu_all)
lat_lg=$(sed -n 's/^cpu: loadgen used \([0-9.]*\) s.*/\1/p' "$dir/latency.out")
lat_cpu=$(cpu_report "$c0" "$c1" "$(echo "$t1 $t0" | awk '{ print $1 - $2 }')" "${lat_lg:-0}")
for i in $(seq 0 $((N - 1))); do
    if ! kill -0 "$(node_pid "$i")" 2>/dev/null; then
        echo "consensus bench: v$i exited during the run; its log ends with:" >&2
        tail -20 "$dir/v$i/node.log" >&2
        exit 1
    fi
done
warnings=$(cat "$dir"/v*/node.log | grep -c . || true)
stop_nodes

# ---- 3. Sync. ----
sync_line="skipped (BENCH_CONS_SYNC_BLOCKS=0)"
if [ "$SYNC_BLOCKS" -gt 0 ]; then
    # The chain is made by one validator running consensus alone ([p2p] listen set, no
    # peers): blocks every SYNC_INTERVAL ms, empty or not. In /dev/shm its fsyncs cost
    # nothing, which only shortens the wait: the figure is the syncing node's.
    if [ "${BENCH_CONS_SYNC_SHM:-1}" = 1 ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
        sdir=$(mktemp -d /dev/shm/chroom-bench-sync.XXXXXX)
    else
        sdir="$dir/sync"
        mkdir -p "$sdir"
    fi
    echo "== sync: one validator makes $SYNC_BLOCKS empty blocks (in $sdir), then a fresh full node syncs them"
    "$W" keygen --out "$dir/sync.key" >/dev/null
    "$G" --file "$dir/sync-genesis.json" init --chain-id "$CHAIN-sync" >/dev/null
    "$G" --file "$dir/sync-genesis.json" add-account "$(address "$dir/sync.key")" 11000000 \
        >/dev/null
    "$G" --file "$dir/sync-genesis.json" add-validator "$(address "$dir/sync.key")" \
        "$(pubkey "$dir/sync.key")" 10000000 >/dev/null
    NODE_DATA="$sdir/data" NODE_GENESIS=../sync-genesis.json node_conf maker "" \
        "$SYNC_INTERVAL" "validator_key_file = ../sync.key"
    m0=$(date +%s.%N)
    start_node maker "$sdir/data"
    sapi=$api_port
    if ! "$L" wait-height --node "http://127.0.0.1:$sapi" --height "$SYNC_BLOCKS" --timeout 1200 \
        --api-key-file "$dir/maker/api-key" >"$dir/maker.out"; then
        echo "consensus bench: the chain did not reach $SYNC_BLOCKS blocks; the log ends with:" >&2
        tail -20 "$dir/maker/node.log" >&2
        exit 1
    fi
    m1=$(date +%s.%N)
    # Restarted with a long pause between blocks, so that the tip stays put while the full
    # node syncs (it makes one block at start, then waits a minute).
    stop_nodes
    sed -i 's/^block_interval_ms = .*/block_interval_ms = 60000/' "$dir/maker/chain.conf"
    start_node maker "$sdir/data"
    sapi=$api_port
    sp2p=$p2p_port
    "$L" wait-height --node "http://127.0.0.1:$sapi" --height "$((SYNC_BLOCKS + 1))" \
        --timeout 60 --api-key-file "$dir/maker/api-key" >/dev/null
    tip=$(curl -sf -H "Authorization: Bearer $(cat "$dir/maker/api-key")" \
        "http://127.0.0.1:$sapi/api/v1/status" |
        sed 's/.*"latest_height":"\([0-9]*\)".*/\1/')
    NODE_GENESIS=../sync-genesis.json node_conf full "127.0.0.1:$sp2p" 60000 \
        'validator_key_file = ""'
    maker_pid=$(node_pid 0)
    mc0=$(cpu_ticks "$maker_pid")
    start_node full "$dir/full/data"
    fapi=$api_port
    full_pid=$(node_pid 1)
    if ! "$L" wait-height --node "http://127.0.0.1:$fapi" --height "$tip" --timeout 1200 \
        --api-key-file "$dir/full/api-key" | tee "$dir/sync.out"; then
        echo "consensus bench: the full node did not sync; its log ends with:" >&2
        tail -20 "$dir/full/node.log" >&2
        exit 1
    fi
    sync_s=$(field seconds "$dir/sync.out")
    sync_cpu=$(awk -v f="$(cpu_ticks "$full_pid")" -v m0="$mc0" -v m1="$(cpu_ticks "$maker_pid")" \
        -v s="$sync_s" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        printf "full node %.1f s (%.0f%%), serving validator %.1f s (%.0f%%)",
            f / hz, (s > 0 ? 100 * f / hz / s : 0), (m1 - m0) / hz,
            (s > 0 ? 100 * (m1 - m0) / hz / s : 0) }')
    made=$(awk -v a="$m0" -v b="$m1" -v n="$SYNC_BLOCKS" 'BEGIN { printf "%.1f s, %.0f blocks/s", b - a, n / (b - a) }')
    sync_line="$(field blocks_per_s "$dir/sync.out") blocks/s  ($tip blocks in $sync_s s from the full node's start; CPU: $sync_cpu; the chain took $made to make)"
    stop_nodes
fi

# ---- Summary. ----
quarter=$(awk -v v="$verify" -v n="$N" 'BEGIN { printf "%.0f", v / n }')
ratio=$(awk -v c="$committed" -v q="$quarter" 'BEGIN { printf "%.1f", (q > 0 ? 100 * c / q : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 40 ? "meets" : "below") }')
p50=$(field p50_ms "$dir/latency.out")
p99=$(field p99_ms "$dir/latency.out")
lat_rate=$(field rate "$dir/latency.out")
lat_verdict=$(awk -v p="$p99" 'BEGIN { print (p < 1000 ? "meets" : "above") }')
busy=$(awk -v a="$verify1" -v b="$verify" -v n="$vthreads" 'BEGIN {
    if (n > 1 && b < 0.75 * n * a) printf "note: %d threads verified only %.1fx one thread: other processes share the cores, figures are noisy", n, b / a }')
cat <<SUMMARY

== consensus bench summary ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(($(date +%s) - started)) s)
verification, 1 thread:           $verify1 verifications/s
verification, $vthreads threads:          $verify verifications/s (best of 3); divided by $N validators: $quarter/s
committed transfers/s:            $committed  ($TXS transfers, $ACCOUNTS senders, batch $BATCH, $CONNS connections over $N validators, block interval $INTERVAL ms)
  CPU while transferring:         $tp_cpu
                                  $tp_per_tx
  after the last commit:          the validators were busy $settled s more (left-over gossip)
committed / (verification / $N):   $ratio%  ($verdict the issue's target of 40%)
latency at $lat_rate transfers/s:   p50 $p50 ms, p99 $p99 ms  ($lat_verdict the issue's target of p99 < 1000 ms; submission to commit on the node it was sent to)
  CPU while streaming:            $lat_cpu
full node sync:                   $sync_line
SUMMARY
if [ "$warnings" -gt 0 ]; then
    echo "note: the validators logged $warnings warning lines (kept with BENCH_CONS_KEEP=1)"
fi
if [ -n "$busy" ]; then
    echo "$busy"
fi
