#!/bin/sh
# `make bench` (last part) and `make bench-state`: the state at scale (issue 12, "Speed and
# size"). For each state size it builds a one-validator chain whose blocks add the accounts
# directly (build/tests/statebuild add: 50,000 accounts a block, no transactions), then
# measures:
#   - the build's time;
#   - disk bytes per account: allocated size (du -B1) of data.mdb and index/data.mdb over N;
#   - restart time: from starting chroomd to GET /health answering 200 (several runs), and
#     chroomd's memory right after (VmRSS, VmHWM; RssAnon is the heap, RssFile mostly the
#     LMDB map's resident pages);
#   - proofs per second and their encoded size (statebuild prove, one thread and all cores);
#   - at the first size only: committed transfers/s with tests/bench/loadgen.c (2,000
#     funded senders, half the transfers to new accounts), chroomd's memory after them, and
#     disk bytes per committed transfer (allocated growth of each file over the run, with
#     the node stopped; pages the build freed are reused first, as in any store that has
#     run a while), and bytes written to the disk per committed transfer while they ran
#     (/proc/diskstats of the device under the data directory: I/O, not file growth;
#     every writer on that disk counts). With BENCH_STATE_BASE, the same transfers on
#     another build's chroomd (the in-memory trie of commit 2b9eec3), alternating with
#     this build's, BENCH_STATE_RUNS times each. That build reads neither this build's
#     genesis (it has no stakes) nor its store, so each build's runs then start from a
#     chain of its own, grown to the same size the same way: the funded senders'
#     transfers to N new accounts through its own chroomd (the base's genesis has the
#     same accounts and the validator with power 10, no stakes). statebuild's chain gives
#     the other figures.
# It prints figures and the issue's targets; it fails only when it cannot measure.
#
# Usage: sh tests/bench/state.sh [BUILD]      (BUILD defaults to build)
# Environment (all optional):
#   BENCH_STATE_SIZES="1000000"  state sizes in accounts, smallest first
#   BENCH_STATE_10M=1            also 10,000,000 accounts (opt-in: its build alone took 705 s
#                                and 5.4 GB of disk on 2 cores)
#   BENCH_STATE_TXS=100000       transfers per run (0: no transfer runs)
#   BENCH_STATE_RUNS=3           transfer runs per build, alternating
#   BENCH_STATE_RESTARTS=5       restarts measured per size
#   BENCH_STATE_BASE=DIR         another build directory (its chroomd) to compare against
#   BENCH_STATE_BASE_CHAIN=DIR   keep the base's grown chain in DIR and reuse it when it is
#                                there (the base does not change between runs)
#   BENCH_STATE_GROWN_CHAIN=DIR  the same for this build's grown chain (only while the
#                                store's layout stays the same)
#   BENCH_STATE_PERF=FILE        `perf record -g` of chroomd during the first transfer run
#                                (and of the base's chroomd into FILE.base)
#   BENCH_VERSIONS_KEPT=N        [store] state_versions_kept (default: the node's, 1); a
#                                build without that key (BENCH_STATE_BASE at 2b9eec3)
#                                refuses the config, so not with BENCH_STATE_BASE
#   BENCH_STATE_DBSTAT=1         with the disk figure, each database's pages and payload
#                                (build/tests/dbstat) before and after the first run
#   BENCH_KEEP=1                 keep the temporary directory
set -eu
BUILD=${1:-build}
SIZES=${BENCH_STATE_SIZES:-1000000}
if [ "${BENCH_STATE_10M:-0}" = 1 ]; then
    SIZES="$SIZES 10000000"
fi
TXS=${BENCH_STATE_TXS:-100000}
RUNS=${BENCH_STATE_RUNS:-3}
RESTARTS=${BENCH_STATE_RESTARTS:-5}
BASE=${BENCH_STATE_BASE:-}
SENDERS=2000
CHAIN=chroom-state
S="$BUILD/tests/statebuild"
L="$BUILD/tests/loadgen"
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
D="$BUILD/chroomd"
for b in "$S" "$L" "$W" "$G" "$D" ${BASE:+"$BASE/chroomd"}; do
    if [ ! -x "$b" ]; then
        echo "bench-state: $b is missing; run 'make bench-state'" >&2
        exit 1
    fi
done

. "$(dirname "$0")/ports.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/chroom-state.XXXXXX")
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
        echo "bench-state: kept $dir"
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
summary="$dir/summary"
: >"$summary"
# A figure for the summary, shown as it comes.
say() {
    echo "$*" | tee -a "$summary"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# Allocated bytes of a file (0 when it does not exist).
# Sectors written so far to the block device that holds directory $1 (/proc/diskstats;
# empty when it cannot be told, e.g. a device-mapper or network filesystem).
sectors_written() {
    sw_dev=$(df --output=source "$1" 2>/dev/null | tail -1)
    sw_dev=${sw_dev#/dev/}
    awk -v d="$sw_dev" '$3 == d { print $10 }' /proc/diskstats 2>/dev/null
}

alloc() {
    if [ -e "$1" ]; then
        du -B1 "$1" | cut -f1
    else
        echo 0
    fi
}

# chroomd's memory in MB: "VmRSS VmHWM RssAnon RssFile".
node_mem() {
    awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ { m[$1] = $2 / 1024 }
         END { printf "%.0f %.0f %.0f %.0f",
                   m["VmRSS:"], m["VmHWM:"], m["RssAnon:"], m["RssFile:"] }' \
        "/proc/$node_pid/status"
}
mem_words() {
    # shellcheck disable=SC2086 # four numbers, split into $1..$4
    set -- $1
    echo "RSS $1 MB (peak $2 MB): anonymous $3 MB, file-backed (LMDB map) $4 MB"
}

# A chain in $1: validator key, genesis with the funded senders, config, API key.
setup_chain() {
    mkdir -p "$1"
    "$W" keygen --out "$1/validator.key" >/dev/null
    vpub=$("$W" --json address --key "$1/validator.key" |
        sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/')
    "$G" --file "$1/genesis.json" init --chain-id "$CHAIN" >/dev/null
    "$L" accounts --count "$SENDERS" --out "$1" --genesis "$1/genesis.json" \
        --balance 1000000000000 >"$1/senders.addr"
    # The validator is a stake of 10 CHR (power 10) from its own account.
    vaddr=$("$W" --json address --key "$1/validator.key" |
        sed 's/.*"address":"\([a-z0-9]*\)".*/\1/')
    "$G" --file "$1/genesis.json" add-account "$vaddr" 11000000 >/dev/null
    "$G" --file "$1/genesis.json" add-validator "$vaddr" "$vpub" 10000000 >/dev/null
    "$G" --file "$1/genesis.json" validate >/dev/null
    mempool=$((TXS > 100000 ? TXS : 100000))
    cat >"$1/chain.conf" <<CONF
[node]
data_dir = data
genesis_file = genesis.json
validator_key_file = validator.key
log_level = warn

[api]
listen = 127.0.0.1:0
rate_limit_premium_per_min = 0

[consensus]
block_interval_ms = 100

[mempool]
txs_max = $mempool
CONF
    if [ -n "${BENCH_VERSIONS_KEPT:-}" ]; then
        printf '\n[store]\nstate_versions_kept = %s\n' "$BENCH_VERSIONS_KEPT" >>"$1/chain.conf"
    fi
    (umask 077 && "$D" apikey create --config "$1/chain.conf" --tier premium \
        --scopes read,submit --label bench >"$1/api-key")
}

# The base's chain in $2, from the chain in $1 made by setup_chain: the same keys, senders and
# config, a genesis in the format of 2b9eec3 (no params of staking, no stakes; the validator
# with power 10 and its whole balance), and an API key of the base's own.
setup_base_chain() {
    mkdir -p "$2"
    cp "$1/validator.key" "$1/senders.keys" "$1/senders.addr" "$1/chain.conf" "$2/"
    /usr/bin/python3 - "$1/genesis.json" "$2/genesis.json" "$vpub" "$vaddr" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
accounts = [dict(a, balance="11000000") if a["address"] == sys.argv[4] else a
            for a in g["accounts"]]
base = {"chain_id": g["chain_id"], "genesis_time": g["genesis_time"],
        "params": {k: g["params"][k] for k in ("fee_transfer", "block_txs_max", "block_bytes_max")},
        "accounts": accounts, "validators": [{"pub_key": sys.argv[3], "power": "10"}]}
json.dump(base, open(sys.argv[2], "w"), indent=2)
PY
    (umask 077 && "$BASE/chroomd" apikey create --config "$2/chain.conf" --tier premium \
        --scopes read,submit --label bench >"$2/api-key")
}

# Grows the chain in $1 by $3 new accounts through chroomd $2: the senders' transfers to new
# accounts, as many as the accounts to add.
grow_chain() {
    start_node "$1" "$2"
    if ! "$L" transfers --node "http://127.0.0.1:$port" --keys "$1/senders.keys" \
        --chain-id "$CHAIN" --fee 1000 --txs "$3" --batch 500 --conns 16 --new-pct 100 \
        --timeout 900 --api-key-file "$1/api-key" >"$1/grow.out"; then
        echo "bench-state: growing the chain in $1 failed; the node's log ends with:" >&2
        tail -20 "$1/node.log" >&2
        exit 1
    fi
    stop_node
}

# Starts chroomd $2 on the chain in $1 and waits for GET /health to answer 200: sets
# node_pid, port and ready_ms (milliseconds from the start).
start_node() {
    t0=$(now_ms)
    "$2" --config "$1/chain.conf" 2>"$1/node.log" &
    node_pid=$!
    wait_ports "$1/data" "$node_pid" "$1/node.log"
    port=$api_port
    i=0
    while [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" != 200 ]; do
        i=$((i + 1))
        if [ "$i" -ge 2000 ] || ! kill -0 "$node_pid" 2>/dev/null; then
            echo "bench-state: chroomd never answered /health; its log ends with:" >&2
            tail -20 "$1/node.log" >&2
            exit 1
        fi
        sleep 0.005
    done
    ready_ms=$(($(now_ms) - t0))
}

stop_node() {
    kill "$node_pid"
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
}

# One transfer run of chroomd $2 on a fresh copy of the chain in $1: sets tps and mem (the
# node's memory after the run) and, with a file $3, writes the disk bytes per committed
# transfer there; with a file $4, records a profile of chroomd there.
transfer_run() {
    rm -rf "$dir/run"
    cp -a "$1" "$dir/run"
    # The copy's pages on disk before the clock starts: a gigabyte of them written back
    # during the run competed with the node's fdatasync (a commit once took 2.3 s), and
    # more so for the build that syncs more.
    sync
    if [ -n "$3" ] && [ "${BENCH_STATE_DBSTAT:-0}" = 1 ]; then
        "$BUILD/tests/dbstat" "$dir/run/data" >"$3.stat0"
        "$BUILD/tests/dbstat" "$dir/run/data/index" >>"$3.stat0"
    fi
    start_node "$dir/run" "$2"
    main0=$(alloc "$dir/run/data/data.mdb")
    index0=$(alloc "$dir/run/data/index/data.mdb")
    if [ -n "$4" ]; then
        perf record -g -F 999 -p "$node_pid" -o "$4" 2>"$dir/perf.log" &
        perf_pid=$!
    fi
    sectors0=$(sectors_written "$dir/run")
    if ! "$L" transfers --node "http://127.0.0.1:$port" --keys "$dir/run/senders.keys" \
        --chain-id "$CHAIN" --fee 1000 --txs "$TXS" --batch 500 --conns 16 --new-pct 50 \
        --api-key-file "$dir/run/api-key" >"$dir/transfers.out"; then
        echo "bench-state: loadgen transfers failed; the node's log ends with:" >&2
        tail -20 "$dir/run/node.log" >&2
        exit 1
    fi
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
        perf_pid=""
    fi
    tps=$(sed -n 's/^result: committed_tps=\([0-9][0-9]*\) .*/\1/p' "$dir/transfers.out")
    n=$(sed -n 's/^result: .* committed=\([0-9][0-9]*\) .*/\1/p' "$dir/transfers.out")
    # What the device took while the transfers ran (the node's pages and fdatasyncs, and
    # anything else writing to that disk then): the I/O each committed transfer costs.
    sectors1=$(sectors_written "$dir/run")
    written=""
    if [ -n "$sectors0" ] && [ -n "$sectors1" ] && [ "${n:-0}" -gt 0 ]; then
        written="; $(((sectors1 - sectors0) * 512 / n)) bytes written to the disk per transfer"
    fi
    mem=$(node_mem)
    stop_node
    if [ -n "$3" ]; then
        main1=$(alloc "$dir/run/data/data.mdb")
        index1=$(alloc "$dir/run/data/index/data.mdb")
        awk -v m0="$main0" -v m1="$main1" -v i0="$index0" -v i1="$index1" -v n="$n" 'BEGIN {
            printf "disk per committed transfer: %.0f bytes (main store %.0f, index %.0f; %d %s)\n",
                (m1 - m0 + i1 - i0) / n, (m1 - m0) / n, (i1 - i0) / n, n, "transfers" }' >"$3"
        if [ "${BENCH_STATE_DBSTAT:-0}" = 1 ]; then
            "$BUILD/tests/dbstat" "$dir/run/data" >"$3.stat1"
            "$BUILD/tests/dbstat" "$dir/run/data/index" >>"$3.stat1"
        fi
    fi
    rm -rf "$dir/run"
}

first=1
for n in $SIZES; do
    chain="$dir/n$n"
    say ""
    say "== state of $n accounts ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
    setup_chain "$chain"
    t0=$(now_ms)
    "$S" add --data "$chain/data" --genesis "$chain/genesis.json" \
        --key "$chain/validator.key" --count "$n" 2>"$chain/build.log" >"$chain/build.out"
    say "build:              $((($(now_ms) - t0) / 1000)) s ($(cat "$chain/build.out"))"
    main=$(alloc "$chain/data/data.mdb")
    index=$(alloc "$chain/data/index/data.mdb")
    say "$(awk -v m="$main" -v i="$index" -v n="$n" 'BEGIN {
        printf "disk per account:   %.0f bytes (main store %.0f MB, index %.0f MB)", (m + i) / n,
            m / 1e6, i / 1e6 }')"
    times=""
    for _ in $(seq "$RESTARTS"); do
        start_node "$chain" "$D"
        mem=$(node_mem)
        stop_node
        times="$times $ready_ms"
    done
    say "restart to /health: $(echo "$times" | awk '{ s = $1; lo = $1; hi = $1
        for (i = 2; i <= NF; i++) { s = s " " $i; lo = $i < lo ? $i : lo; hi = $i > hi ? $i : hi }
        printf "%s ms (min %d, max %d; target: under 1000 ms)", s, lo, hi }')"
    say "after start:        $(mem_words "$mem")"
    "$S" prove --data "$chain/data" --count "$n" >"$chain/prove.out"
    while read -r line; do
        say "proofs:             $line"
    done <"$chain/prove.out"
    if [ "$first" = 1 ] && [ "$TXS" -gt 0 ]; then
        say "transfers:          $TXS a run, $SENDERS senders, half to new accounts, batch 500,"
        say "                    16 connections; this build${BASE:+ and $BASE/chroomd}, alternating"
        runs_chain="$chain"
        base_chain="${BENCH_STATE_BASE_CHAIN:-$dir/base}"
        if [ -n "$BASE" ]; then
            # Each build on a chain of its own grown the same way (see the top).
            t0=$(now_ms)
            runs_chain="${BENCH_STATE_GROWN_CHAIN:-$dir/grown}"
            if [ ! -d "$runs_chain/data" ]; then
                rm -rf "$runs_chain"
                mkdir -p "$runs_chain"
                for f in validator.key senders.keys senders.addr chain.conf genesis.json; do
                    cp "$chain/$f" "$runs_chain/"
                done
                (umask 077 && "$D" apikey create --config "$runs_chain/chain.conf" \
                    --tier premium --scopes read,submit --label bench >"$runs_chain/api-key")
                grow_chain "$runs_chain" "$D" "$n"
                say "grown:              this build's chain by $n transfers to new accounts in $((($(now_ms) - t0) / 1000)) s"
            else
                say "grown:              this build's chain kept in $runs_chain"
            fi
            if [ ! -d "$base_chain/data" ]; then
                t0=$(now_ms)
                rm -rf "$base_chain"
                setup_base_chain "$chain" "$base_chain"
                grow_chain "$base_chain" "$BASE/chroomd" "$n"
                say "grown:              the base's chain in $((($(now_ms) - t0) / 1000)) s"
            else
                say "grown:              the base's chain kept in $base_chain"
            fi
        fi
        for r in $(seq "$RUNS"); do
            disk=""
            perf=""
            if [ "$r" = 1 ]; then
                disk="$dir/disk.out"
                perf=${BENCH_STATE_PERF:-}
            fi
            transfer_run "$runs_chain" "$D" "$disk" "$perf"
            say "  run $r this build: $tps committed transfers/s (load $(cut -d' ' -f1-3 /proc/loadavg))$written; after: $(mem_words "$mem")"
            if [ -n "$BASE" ]; then
                transfer_run "$base_chain" "$BASE/chroomd" "${disk:+$disk.base}" "${perf:+$perf.base}"
                say "  run $r base:       $tps committed transfers/s (load $(cut -d' ' -f1-3 /proc/loadavg))$written; after: $(mem_words "$mem")"
            fi
        done
        say "$(cat "$dir/disk.out") (target: under 300)"
        if [ -e "$dir/disk.out.stat0" ]; then
            say "databases before the first run:"
            say "$(cat "$dir/disk.out.stat0")"
            say "databases after it:"
            say "$(cat "$dir/disk.out.stat1")"
        fi
        if [ -n "$BASE" ]; then
            say "base $(cat "$dir/disk.out.base")"
        fi
        if [ -n "$BASE" ]; then
            times=""
            for _ in $(seq "$RESTARTS"); do
                rm -rf "$dir/run"
                cp -a "$base_chain" "$dir/run"
                start_node "$dir/run" "$BASE/chroomd"
                mem=$(node_mem)
                stop_node
                times="$times $ready_ms"
            done
            rm -rf "$dir/run"
            say "base restart:       $times ms; after start: $(mem_words "$mem")"
        fi
    fi
    first=0
    rm -rf "$chain"
done
echo ""
echo "== state bench summary (tests/bench/state.sh)"
cat "$summary"
