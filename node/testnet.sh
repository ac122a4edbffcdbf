#!/bin/sh
# `make testnet N=4`: N validators on 127.0.0.1 in ./testnet, each a chroomd process with
# its own key, data directory, API port and peer port, all peers of each other.
#   sh node/testnet.sh BUILD N          create (first time) and start the validators
#   sh node/testnet.sh BUILD stop       stop them
#   sh node/testnet.sh BUILD full NAME  add and start a full node that follows the chain
# Ports: API 8180 + i, peers 26656 + i (TESTNET_API_PORT, TESTNET_P2P_PORT change the bases).
set -eu
BUILD=${1:-build}
ARG=${2:-4}
DIR=${TESTNET_DIR:-testnet}
API=${TESTNET_API_PORT:-8180}
P2P=${TESTNET_P2P_PORT:-26656}
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
D="$BUILD/chroomd"

pubkey() { "$W" --json address --key-file "$1" | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/'; }
address() { "$W" --json address --key-file "$1" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/'; }

start() { # name: starts $DIR/name with its chain.conf, logging to $DIR/name/chroomd.log
    "$D" --config "$DIR/$1/chain.conf" 2>>"$DIR/$1/chroomd.log" &
    echo $! >"$DIR/$1/pid"
}

peers_except() { # i n: every validator's peer address but i's
    p=""
    j=0
    while [ "$j" -lt "$2" ]; do
        [ "$j" -ne "$1" ] && p="$p${p:+,}127.0.0.1:$((P2P + j))"
        j=$((j + 1))
    done
    echo "$p"
}

conf() { # name api_port p2p_port peers key_line
    cat >"$DIR/$1/chain.conf" <<CONF
# A testnet node; every key is explained in chain.conf.example.
[node]
data_dir = data
genesis_file = ../genesis.json
$5

[api]
listen = 127.0.0.1:$2

[consensus]
block_interval_ms = 500

[p2p]
listen = 127.0.0.1:$3
peers = $4
CONF
}

case "$ARG" in
stop)
    for p in "$DIR"/*/pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
        rm -f "$p"
    done
    echo "testnet stopped"
    exit 0
    ;;
full)
    NAME=${3:-full}
    n=$(cat "$DIR/validators")
    i=$(ls -d "$DIR"/*/ | wc -l)
    mkdir -p "$DIR/$NAME"
    [ -f "$DIR/$NAME/chain.conf" ] ||
        conf "$NAME" $((API + i)) $((P2P + i)) "$(peers_except -1 "$n")" 'validator_key_file = ""'
    start "$NAME"
    echo "full node $NAME: API http://127.0.0.1:$((API + i)), log $DIR/$NAME/chroomd.log"
    exit 0
    ;;
esac

N=$ARG
if [ ! -f "$DIR/genesis.json" ]; then
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    "$G" --file "$DIR/genesis.json" init --chain-id chroom-testnet >/dev/null
    "$W" keygen --out "$DIR/dev-account.key" >/dev/null
    "$G" --file "$DIR/genesis.json" add-account "$(address "$DIR/dev-account.key")" \
        1000000000000000 >/dev/null
    i=0
    while [ "$i" -lt "$N" ]; do
        mkdir -p "$DIR/v$i"
        "$W" keygen --out "$DIR/v$i/validator.key" >/dev/null
        # Each validator operates itself: 11 CHR, 10 of them bonded (power 10).
        vaddr=$(address "$DIR/v$i/validator.key")
        "$G" --file "$DIR/genesis.json" add-account "$vaddr" 11000000 >/dev/null
        "$G" --file "$DIR/genesis.json" add-validator "$vaddr" "$(pubkey "$DIR/v$i/validator.key")" \
            10000000 --moniker "v$i" >/dev/null
        conf "v$i" $((API + i)) $((P2P + i)) "$(peers_except "$i" "$N")" \
            "validator_key_file = validator.key"
        i=$((i + 1))
    done
    "$G" --file "$DIR/genesis.json" validate >/dev/null
    echo "$N" >"$DIR/validators"
    (umask 077 && "$D" apikey create --config "$DIR/v0/chain.conf" --tier premium \
        --scopes read,submit,admin --label testnet >"$DIR/api-key")
    echo "created a testnet of $N validators in $DIR/"
fi
N=$(cat "$DIR/validators")
i=0
while [ "$i" -lt "$N" ]; do
    start "v$i"
    i=$((i + 1))
done
cat <<MSG
$N validators started; logs in $DIR/v*/chroomd.log. Node i serves the API on
http://127.0.0.1:$((API))+i; the API key of node v0 is in $DIR/api-key (keys are per node:
\`chroomd apikey create --config $DIR/vI/chain.conf ...\` for the others).
  $W --node http://127.0.0.1:$API --api-key \$(cat $DIR/api-key) node status
  sh node/testnet.sh $BUILD full        # add a full node that syncs and follows
  make testnet-stop
MSG
