#!/bin/sh
# The API's speed (issue 3, "Speed"; part of `make bench`). Measures requests/s and p50/p99
# latency of GET /api/v1/status and GET /api/v1/accounts/{address} with 2 client threads
# and 64 keep-alive connections (tests/bench/httpbench.c), beside a minimal libmicrohttpd
# server that answers a fixed 200-byte body (tests/bench/baseline_server.c) measured the
# same way in the same run, and prints a table with each rate as a share of the baseline's
# (the issue's target: at least 50%). It prints figures; it fails only when it cannot
# measure. Builds nothing: make did.
#
# The baseline is libmicrohttpd's fastest simple configuration (one epoll loop per core,
# MHD_USE_EPOLL_INTERNAL_THREAD with MHD_OPTION_THREAD_POOL_SIZE), the model chroomd uses
# too: the target compares chroomd with what libmicrohttpd can do on this machine.
# The baseline gets the very requests chroomd gets (same path and headers, the API key
# too, which it ignores). A second baseline row with a thread per connection
# (informational; chroomd's model before issue 3) shows what that threading model costs.
#
# Usage: sh tests/bench/http.sh BUILD [PORT KEY_FILE ADDRESS [NODE_PID]]
#   Without PORT: starts its own one-validator chroomd with one funded account and a
#   premium API key (read scope) whose tier has no rate limit (rate_limit_premium_per_min
#   = 0), every other setting as shipped.
#   With PORT: measures the chroomd on 127.0.0.1:PORT, with the API key in KEY_FILE (its
#   tier must have no limit, or the answers are 429s, counted as errors) and the account
#   ADDRESS; NODE_PID, when given, adds the node's CPU use.
# Environment (all optional):
#   HTTP_BENCH_SECONDS=5        measured seconds of each target
#   HTTP_BENCH_WARMUP=1         warm-up seconds before them
#   HTTP_BENCH_THREADS=2        client threads
#   HTTP_BENCH_CONNS=64         keep-alive connections in all
#   HTTP_BENCH_POOL=0           the baseline's threads (0: one per core)
#   HTTP_BENCH_TPC=1            0 skips the informational thread-per-connection baseline
#   HTTP_BENCH_PERF=PREFIX      `perf record` of chroomd during each of its targets, into
#                               PREFIX-status.data and PREFIX-account.data (perf slows the
#                               node: figures of such a run are not the node's)
#   HTTP_BENCH_PERF_ARGS="..."  perf record's options instead of "-F 499 --call-graph dwarf"
#                               (chroomd has no frame pointers, so -g alone loses callers)
#   HTTP_BENCH_KEEP=1           keep the temporary directory (node log, outputs)
set -eu
BUILD=${1:-build}
SECONDS_=${HTTP_BENCH_SECONDS:-5}
WARMUP=${HTTP_BENCH_WARMUP:-1}
THREADS=${HTTP_BENCH_THREADS:-2}
CONNS=${HTTP_BENCH_CONNS:-64}
POOL=${HTTP_BENCH_POOL:-0}
if [ "$POOL" = 0 ]; then
    POOL=$(nproc)
fi
H="$BUILD/tests/httpbench"
S="$BUILD/tests/baseline_server"
L="$BUILD/tests/loadgen"
D="$BUILD/chroomd"
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
for b in "$H" "$S" "$D"; do
    if [ ! -x "$b" ]; then
        echo "http bench: $b is missing; run 'make bench' (or make BUILD=$BUILD all $H $S)" >&2
        exit 1
    fi
done

# Taken before anything starts: thread-per-connection servers under load raise it.
load0=$(cut -d' ' -f1-3 /proc/loadavg)
. "$(dirname "$0")/ports.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/chroom-httpbench.XXXXXX")
base_pid=""
node_pid=""
own_node=""
perf_pid=""
stop_pid() {
    if [ -n "$1" ]; then
        kill "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}
cleanup() {
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
    fi
    stop_pid "$base_pid"
    stop_pid "$own_node"
    if [ "${HTTP_BENCH_KEEP:-0}" = 1 ]; then
        echo "http bench: kept $dir"
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the baseline server with the given options; sets base_pid and base_port.
start_baseline() {
    "$S" "$@" >"$dir/server.out" 2>&1 &
    base_pid=$!
    base_port=""
    i=0
    while [ -z "$base_port" ] && [ $i -lt 50 ]; do
        sleep 0.1
        base_port=$(sed -n 's/^baseline_server: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$dir/server.out")
        i=$((i + 1))
    done
    if [ -z "$base_port" ]; then
        echo "http bench: the baseline server did not start:" >&2
        cat "$dir/server.out" >&2
        exit 1
    fi
}

# Starts a one-validator chroomd of its own; sets port, key, address and node_pid.
start_node() {
    if [ ! -x "$L" ] || [ ! -x "$W" ] || [ ! -x "$G" ]; then
        echo "http bench: $L, $W and $G are needed to start a node" >&2
        exit 1
    fi
    "$W" keygen --out "$dir/validator.key" >/dev/null
    "$W" keygen --out "$dir/account.key" >/dev/null
    vpub=$("$W" --json address --key "$dir/validator.key" | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/')
    address=$("$W" --json address --key "$dir/account.key" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/')
    "$G" --file "$dir/genesis.json" init --chain-id chroom-httpbench >/dev/null
    "$G" --file "$dir/genesis.json" add-account "$address" 1000000000000 >/dev/null
    # The validator is a stake of 10 CHR (power 10) bonded from the account.
    "$G" --file "$dir/genesis.json" add-validator "$address" "$vpub" 10000000 >/dev/null
    "$G" --file "$dir/genesis.json" validate >/dev/null
    cat >"$dir/chain.conf" <<CONF
[node]
data_dir = data
genesis_file = genesis.json
validator_key_file = validator.key
log_level = warn

[api]
listen = 127.0.0.1:0
# The bench's own key is premium; its tier has no limit, so that it measures the node,
# not the limiter (every response still carries the rate-limit headers).
rate_limit_premium_per_min = 0
CONF
    key="$dir/api-key"
    (umask 077 && "$D" apikey create --config "$dir/chain.conf" --tier premium --scopes read \
        --label http-bench >"$key" 2>"$dir/apikey.log")
    "$D" --config "$dir/chain.conf" 2>"$dir/node.log" &
    own_node=$!
    node_pid=$own_node
    wait_ports "$dir/data" "$node_pid" "$dir/node.log"
    port=$api_port
    i=0
    until CHROOM_API_KEY=$(cat "$key") "$W" --node "http://127.0.0.1:$port" status >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -ge 100 ] || ! kill -0 "$node_pid" 2>/dev/null; then
            echo "http bench: chroomd did not start; its log ends with:" >&2
            tail -20 "$dir/node.log" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# Runs httpbench: measure NAME URL [PID [httpbench options]]; the result line goes to
# $dir/NAME.out.
measure() {
    name=$1
    url=$2
    pid=${3:-}
    shift 3
    set -- --url "$url" --label "$name" --threads "$THREADS" --conns "$CONNS" \
        --seconds "$SECONDS_" --warmup "$WARMUP" ${pid:+--server-pid "$pid"} "$@"
    if ! "$H" "$@" >"$dir/$name.out" 2>&1; then
        cat "$dir/$name.out" >&2
        echo "http bench: httpbench could not measure $url" >&2
        exit 1
    fi
    grep -v '^result:' "$dir/$name.out" | sed 's/^/  /'
}

# measure_node NAME PATH: measures a chroomd route, under perf if asked.
measure_node() {
    if [ -n "${HTTP_BENCH_PERF:-}" ] && [ -n "$node_pid" ]; then
        # shellcheck disable=SC2086 # HTTP_BENCH_PERF_ARGS is a list of options
        perf record ${HTTP_BENCH_PERF_ARGS:--F 499 --call-graph dwarf} -p "$node_pid" \
            -o "$HTTP_BENCH_PERF-$1.data" 2>"$dir/perf-$1.log" &
        perf_pid=$!
    fi
    measure "$1" "http://127.0.0.1:$port$2" "$node_pid" --bearer-file "$key"
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
        perf_pid=""
        echo "  perf data of chroomd in $HTTP_BENCH_PERF-$1.data"
    fi
}

if [ $# -ge 4 ]; then
    port=$2
    key=$3
    address=$4
    node_pid=${5:-}
else
    start_node
fi

echo "== API speed: $THREADS client threads, $CONNS keep-alive connections, ${WARMUP} s warm-up, ${SECONDS_} s measured"
start_baseline --mode pool --threads "$POOL"
echo "-- baseline: $(sed -n 's/^baseline_server: //p' "$dir/server.out")"
measure baseline "http://127.0.0.1:$base_port/api/v1/status" "$base_pid" --bearer-file "$key"
stop_pid "$base_pid"
base_pid=""
if [ "${HTTP_BENCH_TPC:-1}" = 1 ]; then
    start_baseline --mode tpc
    echo "-- baseline: $(sed -n 's/^baseline_server: //p' "$dir/server.out")"
    measure baseline_tpc "http://127.0.0.1:$base_port/api/v1/status" "$base_pid" --bearer-file "$key"
    stop_pid "$base_pid"
    base_pid=""
fi
echo "-- chroomd: GET /api/v1/status"
measure_node status /api/v1/status
echo "-- chroomd: GET /api/v1/accounts/{address}"
measure_node account "/api/v1/accounts/$address"
# The baseline once more: the share is taken of the mean of both, so that a slow drift of
# the machine (other processes, a busy host) weighs on both sides alike.
start_baseline --mode pool --threads "$POOL"
echo "-- baseline again: $(sed -n 's/^baseline_server: //p' "$dir/server.out")"
measure baseline_after "http://127.0.0.1:$base_port/api/v1/status" "$base_pid" --bearer-file "$key"
stop_pid "$base_pid"
base_pid=""
if [ -n "$node_pid" ] && ! kill -0 "$node_pid" 2>/dev/null; then
    echo "http bench: chroomd exited during the run; its log ends with:" >&2
    tail -20 "$dir/node.log" >&2 || true
    exit 1
fi

# The table: one row per target from its result line.
row() {
    sed -n 's/^result: //p' "$dir/$2.out" | awk -v title="$1" -v base="$3" -v target="$4" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        ratio = base > 0 ? 100 * v["rps"] / base : 0
        verdict = target == "" ? "" : (ratio >= target ? "  meets the 50% target" : "  BELOW the 50% target")
        if (v["other_cpu"] != "-" && v["other_cpu"] > 0.1) verdict = verdict "  (noisy)"
        printf "%-35s %7d %7.3f %7.3f %6d %6s %6s %6s %6.1f %6.1f%%%s\n", title, v["rps"],
            v["p50_us"] / 1000, v["p99_us"] / 1000, v["errors"], v["client_cpu"], v["server_cpu"],
            v["other_cpu"],
            (v["server_cpu"] != "-" && v["rps"] > 0) ? 1e6 * v["server_cpu"] / v["rps"] : 0,
            ratio, verdict }'
}
rps_of() { sed -n 's/^result: .* rps=\([0-9]*\) .*/\1/p' "$dir/$1.out"; }
base_rps=$((($(rps_of baseline) + $(rps_of baseline_after)) / 2))
cat <<HEAD

== API speed summary ($(nproc) cores, load average before the run $load0)
The load generator (httpbench) shares the $(nproc) cores with the server it measures. CPU columns
are in cores over the measured seconds: "client" is httpbench's, "server" the server's, "other"
the rest of the machine's (other processes: over 0.1, the row is marked noisy);
us/req is the server's CPU time per request; "of base" is the share of the baseline's mean
rate ($base_rps requests/s, measured before and after chroomd).
target                                req/s  p50 ms  p99 ms errors client server  other us/req of base
HEAD
row "baseline: MHD epoll, $POOL threads" baseline "$base_rps" ""
row "baseline: the same, after chroomd" baseline_after "$base_rps" ""
if [ "${HTTP_BENCH_TPC:-1}" = 1 ]; then
    row "baseline: MHD thread/connection" baseline_tpc "$base_rps" ""
fi
row "chroomd GET /api/v1/status" status "$base_rps" 50
row "chroomd GET /api/v1/accounts/{addr}" account "$base_rps" 50
