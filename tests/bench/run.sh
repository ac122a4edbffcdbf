#!/bin/sh
# `make bench`: the chain core's throughput benchmark. Measures BIP-340 verifications per
# second on all cores, then the transfers per second one validator commits when clients
# send signed transfers in batches over HTTP, and prints both and their ratio (the
# chain-core issue's target: committed transfers/s at least 50% of the verification rate).
# It prints figures; it fails only when it cannot measure. Builds nothing: make did.
#
# Usage: sh tests/bench/run.sh [BUILD]      (BUILD defaults to build)
# Environment (all optional):
#   BENCH_TXS=100000       transfers sent
#   BENCH_ACCOUNTS=2000    funded sender accounts in the genesis
#   BENCH_BATCH=500        transfers per POST /api/v1/txs/batch
#   BENCH_CONNS=16         concurrent keep-alive connections: enough batches in flight that
#                          the verifiers never wait while the writer commits a block
#   BENCH_NEW_PCT=50       percent of transfers to new accounts (the rest: to other senders)
#   BENCH_INTERVAL_MS=100  [consensus] block_interval_ms
#   BENCH_VERIFY_S=3       seconds of each verification measurement
#   BENCH_VERIFIERS=0      [store] verifier_threads (0: one per core)
#   BENCH_VERSIONS_KEPT=1  [store] state_versions_kept (1: the tip only, 0: all)
#   BENCH_PERF=FILE        record `perf record -g` of chroomd during the transfers into FILE
#   BENCH_PERF_ARGS="..."  perf record's options instead of "-g -F 999" (e.g. --call-graph dwarf)
#   BENCH_KEEP=1           keep the temporary directory (node log, genesis, keys)
#   BENCH_TLS=1            serve the API over HTTPS (a self-signed certificate made with
#                          openssl) and measure only the transfers, over TLS
set -eu
BUILD=${1:-build}
TXS=${BENCH_TXS:-100000}
ACCOUNTS=${BENCH_ACCOUNTS:-2000}
BATCH=${BENCH_BATCH:-500}
CONNS=${BENCH_CONNS:-16}
NEW_PCT=${BENCH_NEW_PCT:-50}
INTERVAL=${BENCH_INTERVAL_MS:-100}
VERIFY_S=${BENCH_VERIFY_S:-3}
CHAIN=chroom-bench
FEE=1000
L="$BUILD/tests/loadgen"
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
D="$BUILD/chroomd"
for b in "$L" "$W" "$G" "$D"; do
    if [ ! -x "$b" ]; then
        echo "bench: $b is missing; run 'make bench' (or make BUILD=$BUILD all $L)" >&2
        exit 1
    fi
done

. "$(dirname "$0")/ports.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/chroom-bench.XXXXXX")
node_pid=""
perf_pid=""
cleanup() {
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
    fi
    if [ -n "$node_pid" ]; then
        kill "$node_pid" 2>/dev/null || true
        wait "$node_pid" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "bench: kept $dir"
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$(date +%s)

# Session credits (issue 16): the verifier's rate against a raw BIP-340 verification.
if [ -x "$BUILD/tests/credit_bench" ]; then
    echo "== credits: one core, ${VERIFY_S} s each"
    "$BUILD/tests/credit_bench" "$VERIFY_S"
fi
# Settlement (issue 16): claims settled per second, full meeting-settles of 17 claims.
if [ -x "$BUILD/tests/settlebench" ]; then
    echo "== settlement: one core, meeting-settles of 17 claims, decode to state"
    "$BUILD/tests/settlebench"
fi
# Media-node heartbeats (issue 16): accepted per second, one core, without HTTP.
if [ -x "$BUILD/tests/hbbench" ]; then
    echo "== heartbeats: one core, decode + BIP-340 + the analytics store"
    "$BUILD/tests/hbbench"
fi

echo "== chain: $ACCOUNTS funded senders, one validator"
"$W" keygen --out "$dir/validator.key" >/dev/null
vpub=$("$W" --json address --key "$dir/validator.key" | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/')
"$G" --file "$dir/genesis.json" init --chain-id "$CHAIN" >/dev/null
# 10^12 units (10^6 CHR) per sender pays for any run's transfers and fees.
"$L" accounts --count "$ACCOUNTS" --out "$dir" --genesis "$dir/genesis.json" \
    --balance 1000000000000 >"$dir/senders.addr"
# The validator is a stake of 10 CHR (power 10) from its own account (docs/GENESIS.md).
vaddr=$("$W" --json address --key "$dir/validator.key" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/')
"$G" --file "$dir/genesis.json" add-account "$vaddr" 11000000 >/dev/null
"$G" --file "$dir/genesis.json" add-validator "$vaddr" "$vpub" 10000000 >/dev/null
"$G" --file "$dir/genesis.json" validate
scheme=http
tls_conf=""
if [ "${BENCH_TLS:-0}" = 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$dir/tls.key" -out "$dir/tls.pem" -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    chmod 600 "$dir/tls.key"
    tls_conf="tls_cert_file = $dir/tls.pem
tls_key_file = $dir/tls.key"
    scheme=https
    export LOADGEN_CA_FILE="$dir/tls.pem"
fi
# The mempool must hold a whole run, should the node admit faster than it commits.
mempool=$((TXS > 100000 ? TXS : 100000))
cat >"$dir/chain.conf" <<CONF
[node]
data_dir = data
genesis_file = genesis.json
validator_key_file = validator.key
log_level = warn

[api]
# Any free port: the node says which in data/ports (tests/bench/ports.sh).
listen = 127.0.0.1:0
# The bench's own key is premium, and premium has no rate limit here.
rate_limit_premium_per_min = 0
$tls_conf

[consensus]
block_interval_ms = $INTERVAL

[mempool]
txs_max = $mempool

[store]
verifier_threads = ${BENCH_VERIFIERS:-0}
state_versions_kept = ${BENCH_VERSIONS_KEPT:-1}
CONF
# Every /api/ request needs an API key (docs/API.md, "Access"); loadgen reads it from a file.
(umask 077 && "$D" apikey create --config "$dir/chain.conf" --tier premium --scopes read,submit \
    --label bench >"$dir/api-key")

# Measured before the node starts, so that nothing else competes for the cores.
echo "== signature verification (ledger_tx_verify)"
"$L" verify-rate --threads 1 --seconds "$VERIFY_S" | tee "$dir/verify1.out"
"$L" verify-rate --seconds "$VERIFY_S" | tee "$dir/verify.out"
verify1=$(sed -n 's/.* \([0-9][0-9]*\) verifications\/s.*/\1/p' "$dir/verify1.out")
verify=$(sed -n 's/.* \([0-9][0-9]*\) verifications\/s.*/\1/p' "$dir/verify.out")
vthreads=$(sed -n 's/^verify: \([0-9][0-9]*\) thread.*/\1/p' "$dir/verify.out")
echo "== rewards (ledger/distribution.h): the reward step, withdrawals (F1: equal within noise)"
if [ -x "$BUILD/tests/rewardbench" ]; then
    "$BUILD/tests/rewardbench"
fi
echo "== meetings (ledger/meetings.h): a media node's allocation, 100 vs 10,000 nodes"
if [ -x "$BUILD/tests/allocbench" ]; then
    "$BUILD/tests/allocbench"
fi

"$D" --config "$dir/chain.conf" 2>"$dir/node.log" &
node_pid=$!
wait_ports "$dir/data" "$node_pid" "$dir/node.log"
port=$api_port
echo "== transfers: $TXS in batches of $BATCH over $CONNS connections to chroomd on port $port"
# The node's CPU time (user + system, in clock ticks) from /proc, before and after.
node_cpu() { awk '{ print $14 + $15 }' "/proc/$node_pid/stat"; }
cpu0=$(node_cpu)
if [ -n "${BENCH_PERF:-}" ]; then
    # shellcheck disable=SC2086 # BENCH_PERF_ARGS is a list of options
    perf record ${BENCH_PERF_ARGS:--g -F 999} -p "$node_pid" -o "$BENCH_PERF" 2>"$dir/perf.log" &
    perf_pid=$!
fi
if ! "$L" transfers --node "$scheme://127.0.0.1:$port" --keys "$dir/senders.keys" \
    --chain-id "$CHAIN" --fee "$FEE" --txs "$TXS" --batch "$BATCH" --conns "$CONNS" \
    --new-pct "$NEW_PCT" --api-key-file "$dir/api-key" | tee "$dir/transfers.out"; then
    echo "bench: loadgen transfers failed; the node's log ends with:" >&2
    tail -20 "$dir/node.log" >&2
    exit 1
fi
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=""
    echo "bench: perf data of chroomd in $BENCH_PERF (perf report -i $BENCH_PERF)"
fi
if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "bench: chroomd exited during the run; its log ends with:" >&2
    tail -20 "$dir/node.log" >&2
    exit 1
fi
cpu1=$(node_cpu)
ncommitted=$(sed -n 's/^result: .* committed=\([0-9][0-9]*\) .*/\1/p' "$dir/transfers.out")
committed=$(sed -n 's/^result: committed_tps=\([0-9][0-9]*\) .*/\1/p' "$dir/transfers.out")
submitted=$(sed -n 's/^result: .* submit_tps=\([0-9][0-9]*\) .*/\1/p' "$dir/transfers.out")
if [ -s "$dir/node.log" ]; then
    echo "== chroomd warnings"
    tail -5 "$dir/node.log"
fi

# CPU per committed transfer, next to what one verification costs on one thread: the
# node's ceiling on this machine if it had every core to itself.
cpu_line=$(awk -v t0="$cpu0" -v t1="$cpu1" -v hz="$(getconf CLK_TCK)" -v n="$ncommitted" \
    -v v1="$verify1" -v cores="$(nproc)" 'BEGIN {
    s = (t1 - t0) / hz; us = n > 0 ? 1e6 * s / n : 0; vus = v1 > 0 ? 1e6 / v1 : 0
    printf "%.2f s, %.1f us per transfer (a verification: %.1f us, %.0f%%); ceiling on %d cores: %.0f transfers/s",
        s, us, vus, (us > 0 ? 100 * vus / us : 0), cores, (us > 0 ? cores * 1e6 / us : 0) }')
ratio=$(awk -v c="$committed" -v v="$verify" 'BEGIN { printf "%.1f", (v > 0 ? 100 * c / v : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 50 ? "meets" : "below") }')
# Other processes on the machine show up as threads that do not scale.
busy=$(awk -v a="$verify1" -v b="$verify" -v n="$vthreads" 'BEGIN {
    if (n > 1 && b < 0.75 * n * a) printf "note: %d threads verified only %.1fx one thread: other processes share the cores, figures are noisy", n, b / a }')
cat <<SUMMARY

== bench summary ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(($(date +%s) - started)) s)
verification, 1 thread:           $verify1 verifications/s
verification, $vthreads threads:          $verify verifications/s
submit rate:                      $submitted transfers/s
chroomd CPU while transferring:   $cpu_line
committed transfers/s:            $committed  ($TXS transfers over $scheme, $ACCOUNTS senders, batch $BATCH, $CONNS connections, block interval $INTERVAL ms)
committed / verification rate:    $ratio%  ($verdict the issue's target of 50%)
SUMMARY
if [ -n "$busy" ]; then
    echo "$busy"
fi
if [ "$scheme" = https ]; then
    echo "(BENCH_TLS=1: the transfers above went over HTTPS; the other benchmarks use plain HTTP)"
    exit 0
fi
sh tests/bench/http.sh "$BUILD" "$port" "$dir/api-key" "$(head -n 1 "$dir/senders.addr")" "$node_pid"
echo "== peer-to-peer transport: two nodes, one connection (consensus/p2p.h)"
"$BUILD/tests/p2pbench"
sh tests/bench/consensus.sh "$BUILD" # four validators: transfers/s, latency, sync (issue 5)
sh tests/bench/staking.sh "$BUILD" # transfers/s with 100 validators, 10,000 delegations
# The state at scale (issue 12): its node is gone by now (the trap above stops this one).
kill "$node_pid" 2>/dev/null || true
wait "$node_pid" 2>/dev/null || true
node_pid=""
sh tests/bench/state.sh "$BUILD"
# Meetings (issue 14): creations committed per second with 1,000 media nodes, signed and
# through the seed endpoint, and the seed endpoint's p50/p99 at half that rate, on one node
# and then on four validators.
echo "== meetings: creations/s with 1,000 media nodes, 1 node and 4 validators (tests/bench/meetings_bench.py)"
/usr/bin/python3 tests/bench/meetings_bench.py "$BUILD"
# Heartbeats (issue 16): accepted per second through POST /api/v1/analytics/heartbeats on
# one node, 100 media nodes registered on chain, rate limits off (hbbench above: no HTTP).
echo "== heartbeats over HTTP: accepted/s, one node, 100 media nodes (tests/bench/heartbeats_bench.py)"
/usr/bin/python3 tests/bench/heartbeats_bench.py "$BUILD"
