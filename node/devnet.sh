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
    # The validator is a bonded stake of 10 CHR (power 10) from the development account.
    "$G" --file "$DIR/genesis.json" add-validator "$dev" "$vpub" 10000000 --moniker devnet >/dev/null
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
# One API key with every scope for the devnet's user (docs/API.md, "Access"), its meetings
# (POST /api/meetings/create) paid by the development account, with no daily limit; shown
# once by chroomd, so it is kept in a file only its owner reads.
if [ ! -s "$DIR/api-key" ]; then
    chmod 600 "$DIR/dev-account.key"
    if ! (umask 077 && "$BUILD/chroomd" apikey create --config "$DIR/chain.conf" \
        --tier premium --scopes read,submit,admin,meetings --label devnet \
        --sponsor-key-file "$DIR/dev-account.key" --spend-limit unlimited >"$DIR/api-key.tmp"); then
        echo "devnet: cannot create the API key" >&2
        exit 1
    fi
    mv "$DIR/api-key.tmp" "$DIR/api-key"
fi
dev=$("$W" --json address --key "$DIR/dev-account.key" | sed 's/.*"address":"\([a-z0-9]*\)".*/\1/')
cat <<MSG

The development account is $dev
Its secret key is in $DIR/dev-account.key.

The API key (every scope) is in $DIR/api-key; every /api/ request needs it. Its
meetings (POST /api/meetings/create) are paid by the development account, once a media
node is registered (chroom-media register, docs/MEDIA-AGENT.md).

Try, in another terminal:
  $W --api-key \$(cat $DIR/api-key) status
  export CHROOM_API_KEY=\$(cat $DIR/api-key)    # instead of --api-key on every call
  $W balance $dev
  $W key new alice                # prints alice's address and a mnemonic to write down
  $W send <alice's address> 5 --key-file $DIR/dev-account.key --wait    # 5 CHR
  curl -s -H "Authorization: Bearer \$(cat $DIR/api-key)" http://127.0.0.1:$PORT/api/v1/blocks/latest

Stop the node with Ctrl-C; \`make run\` again continues the same chain.

MSG
exec "$BUILD/chroomd" --config "$DIR/chain.conf"
