#!/bin/sh
# `make run`: a single-validator devnet in ./devnet. The first start creates its keys,
# genesis and chain.conf; later starts continue the same chain.
set -eu
BUILD=${1:-build}
DIR=${DEVNET_DIR:-devnet}
PORT=${DEVNET_PORT:-8080}
W="$BUILD/chroom-wallet"
G="$BUILD/chroom-genesis"
if [ ! -f "$DIR/chain.conf" ]; then
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    "$W" keygen --out "$DIR/validator.key" >/dev/null
    "$W" keygen --out "$DIR/dev-account.key" >/dev/null
    vpub=$("$W" --json address --key "$DIR/validator.key" | sed 's/.*"public_key":"\([0-9a-f]*\)".*/\1/')
    dev=$("$W" --json address --key "$DIR/dev-account.key" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/')
    "$G" --file "$DIR/genesis.json" init --chain-id chroom-devnet >/dev/null
    # 1,000,000,000 CHR for the development account (1 CHR = 10^6 units).
    "$G" --file "$DIR/genesis.json" add-account "$dev" 1000000000000000 >/dev/null
    "$G" --file "$DIR/genesis.json" add-validator "$vpub" 10 >/dev/null
    "$G" --file "$DIR/genesis.json" validate
    cat >"$DIR/chain.conf" <<CONF
# The devnet's configuration; every key is explained in chain.conf.example.
[node]
data_dir = data
genesis_file = genesis.json
validator_key_file = validator.key

[api]
listen = 127.0.0.1:$PORT
CONF
    echo "created a devnet in $DIR/"
fi
dev=$("$W" --json address --key "$DIR/dev-account.key" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/')
cat <<MSG

The development account is $dev
Its secret key is in $DIR/dev-account.key.

Try, in another terminal:
  $W status
  $W balance $dev
  $W keygen --out /tmp/alice.key
  $W send --key $DIR/dev-account.key --to <address printed by keygen> --amount 5000000 --wait
  curl -s http://127.0.0.1:$PORT/api/v1/blocks/latest

Stop the node with Ctrl-C; \`make run\` again continues the same chain.

MSG
exec "$BUILD/chroomd" --config "$DIR/chain.conf"
