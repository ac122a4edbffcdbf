#!/bin/sh
# `make bench` (its staking part) and `make bench-staking`: transfers/s must not fall with
# staking in the state (issue 13, "Speed"). Two one-node chains alike but for staking:
# "plain" (its validator and 2,000 funded senders) and "staked" (the same, plus 99 more
# genesis validators, and 10,000 delegations, 5 per sender over the 100 validators, made by
# delegate transactions before the measurement). The staked chain's validators_max is 1:
# the 99 are validators in the state (unbonded), not in the active set, whose members'
# nodes would have to run (a one-node chain needs a set of one; the per-block cost of 100
# signers is rewardbench's figure). Then the same transfers (tests/bench/loadgen.c, half to
# new accounts) on each, back to back, BENCH_STAKE_RUNS times alternating, and prints both
# figures and their ratio. It fails only when it cannot measure.
#
# Usage: sh tests/bench/staking.sh [BUILD]      (BUILD defaults to build)
# Environment (all optional):
#   BENCH_STAKE_TXS=50000   transfers per run
#   BENCH_STAKE_RUNS=2      runs per chain, alternating plain and staked
#   BENCH_INTERVAL_MS=100   [consensus] block_interval_ms
#   BENCH_KEEP=1            keep the temporary directory
set -eu
BUILD=${1:-build}
TXS=${BENCH_STAKE_TXS:-50000}
RUNS=${BENCH_STAKE_RUNS:-2}
INTERVAL=${BENCH_INTERVAL_MS:-100}
SENDERS=2000
EXTRA_VALIDATORS=99
DELEGATIONS=10000
CHAIN=chroom-stake
FEE=1000
L="$BUILD/tests/loadgen"
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
D="$BUILD/chroomd"
for b in "$L" "$W" "$G" "$D"; do
    if [ ! -x "$b" ]; then
        echo "bench-staking: $b is missing; run 'make bench-staking'" >&2
        exit 1
    fi
done

. "$(dirname "$0")/ports.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/chroom-stake.XXXXXX")
node_pid=""
cleanup() {
    if [ -n "$node_pid" ]; then
        kill "$node_pid" 2>/dev/null || true
        wait "$node_pid" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "bench-staking: kept $dir"
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The key files' address and public key (chroom-wallet --json address).
addr_of() { "$W" --json address --key "$1" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/'; }
pub_of() { "$W" --json address --key "$1" | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/'; }

# One genesis for both chains' common part: the senders and the validator (1,000 CHR).
"$W" keygen --out "$dir/validator.key" >/dev/null
vaddr=$(addr_of "$dir/validator.key")
"$G" --file "$dir/plain.json" init --chain-id "$CHAIN" >/dev/null
"$L" accounts --count "$SENDERS" --out "$dir" --genesis "$dir/plain.json" \
    --balance 1000000000000 >"$dir/senders.addr"
"$G" --file "$dir/plain.json" add-account "$vaddr" 1001000000 >/dev/null
"$G" --file "$dir/plain.json" add-validator "$vaddr" "$(pub_of "$dir/validator.key")" \
    1000000000 >/dev/null
cp "$dir/plain.json" "$dir/staked.json"
# The set stays the running validator (see above): the genesis file's parameter.
sed 's/"validators_max": [0-9]*/"validators_max": 1/' "$dir/staked.json" >"$dir/staked.tmp"
mv "$dir/staked.tmp" "$dir/staked.json"
echo "== staking: $EXTRA_VALIDATORS more genesis validators for the staked chain"
echo "$vaddr" >"$dir/validators.addr"
i=0
while [ "$i" -lt "$EXTRA_VALIDATORS" ]; do
    i=$((i + 1))
    "$W" keygen --out "$dir/v$i.key" >/dev/null
    a=$(addr_of "$dir/v$i.key")
    "$G" --file "$dir/staked.json" add-account "$a" 2000000 >/dev/null
    "$G" --file "$dir/staked.json" add-validator "$a" "$(pub_of "$dir/v$i.key")" 1000000 >/dev/null
    echo "$a" >>"$dir/validators.addr"
done
"$G" --file "$dir/plain.json" validate
"$G" --file "$dir/staked.json" validate

# A chain's directory: its config (the same for both but the genesis) and API key.
mempool=$((TXS > 100000 ? TXS : 100000))
for c in plain staked; do
    mkdir -p "$dir/$c"
    cp "$dir/validator.key" "$dir/$c/validator.key"
    cp "$dir/$c.json" "$dir/$c/genesis.json"
    cat >"$dir/$c/chain.conf" <<CONF
[node]
data_dir = data
genesis_file = genesis.json
validator_key_file = validator.key
log_level = warn

[api]
listen = 127.0.0.1:0
rate_limit_premium_per_min = 0

[consensus]
block_interval_ms = $INTERVAL

[mempool]
txs_max = $mempool
CONF
    (umask 077 && "$D" apikey create --config "$dir/$c/chain.conf" --tier premium \
        --scopes read,submit --label bench >"$dir/$c/api-key")
done

start_node() {
    "$D" --config "$dir/$1/chain.conf" 2>>"$dir/$1/node.log" &
    node_pid=$!
    wait_ports "$dir/$1/data" "$node_pid" "$dir/$1/node.log"
}

stop_node() {
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
}

# loadgen transfers against the running node of chain $1, more options after; its output
# in $dir/$1/last.out.
load() {
    c=$1
    shift
    if ! "$L" transfers --node "http://127.0.0.1:$api_port" --keys "$dir/senders.keys" \
        --chain-id "$CHAIN" --fee "$FEE" --batch 500 --conns 16 \
        --api-key-file "$dir/$c/api-key" "$@" >"$dir/$c/last.out"; then
        echo "bench-staking: loadgen failed on the $c chain; the node's log ends with:" >&2
        tail -20 "$dir/$c/node.log" >&2
        exit 1
    fi
}

echo "== staking: $DELEGATIONS delegations to the staked chain's 100 validators"
start_node staked
load staked --txs "$DELEGATIONS" --timeout 60 --amount 1 --delegate-to "$dir/validators.addr"
delegations=$(sed -n 's/^result: .* committed=\([0-9][0-9]*\) .*/\1/p' "$dir/staked/last.out")
if [ "$delegations" != "$DELEGATIONS" ]; then
    tail -20 "$dir/staked/node.log" >&2
    echo "bench-staking: $delegations of $DELEGATIONS delegations committed" >&2
    cat "$dir/staked/last.out" >&2
    exit 1
fi
stop_node

echo "== staking: $TXS transfers per run, plain and staked alternating, $RUNS runs each"
plain=""
staked=""
r=0
while [ "$r" -lt "$RUNS" ]; do
    r=$((r + 1))
    for c in plain staked; do
        start_node "$c"
        load "$c" --txs "$TXS"
        stop_node
        tps=$(sed -n 's/^result: committed_tps=\([0-9][0-9]*\) .*/\1/p' "$dir/$c/last.out")
        echo "run $r $c: $tps committed transfers/s"
        if [ "$c" = plain ]; then
            plain="$plain $tps"
        else
            staked="$staked $tps"
        fi
    done
done
median() { echo "$@" | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
p=$(median $plain)
s=$(median $staked)
cat <<SUMMARY

== staking bench summary ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))
transfers/s, plain state:         $p  (runs:$plain)
transfers/s, 100 validators and $DELEGATIONS delegations: $s  (runs:$staked)
staked / plain:                   $(awk -v a="$s" -v b="$p" 'BEGIN { printf "%.1f%%", (b > 0 ? 100 * a / b : 0) }')  (issue 13: must not fall)
SUMMARY
