#!/bin/sh
# Dependencies point inward (docs/ARCHITECTURE.md, "Modules"): each folder includes only
# the modules and libraries its row of the module table allows. Prints "check-layers: ok"
# or every include that breaks a rule, and fails.
set -u
cd "$(dirname "$0")/.." || exit 1
bad=0

# folder: the modules its files may include
modules() {
    case $1 in
    common) echo "common" ;;
    credit) echo "credit" ;;
    ledger) echo "common credit ledger" ;;
    consensus) echo "common ledger consensus" ;;
    genesis) echo "common ledger genesis" ;;
    rpc) echo "common credit ledger rpc" ;;
    wallet) echo "common credit ledger genesis wallet" ;;
    node) echo "common credit ledger consensus genesis rpc node" ;;
    media) echo "common credit ledger wallet media" ;;
    esac
}

for dir in common credit ledger consensus genesis rpc wallet node media; do
    allowed=$(modules "$dir")
    for f in $(ls "$dir"/*.c "$dir"/*.h "$dir"/internal/*.h 2>/dev/null); do
        for m in $(sed -n 's/^#include "\([a-z]*\)\/.*/\1/p' "$f" | sort -u); do
            case " $allowed " in
            *" $m "*) ;;
            *)
                echo "check-layers: $f includes $m/, which $dir/ may not use"
                bad=1
                ;;
            esac
        done
    done
done

# library header: the files that may include it (shell patterns)
lib_rule() {
    lib=$1
    shift
    for f in $(grep -l "#include <$lib" */*.c */*.h */internal/*.h 2>/dev/null); do
        ok=0
        for pat in "$@"; do
            # shellcheck disable=SC2254
            case $f in $pat) ok=1 ;; esac
        done
        if [ $ok -eq 0 ]; then
            echo "check-layers: $f includes <$lib>, allowed only in: $*"
            bad=1
        fi
    done
}
lib_rule lmdb.h 'common/lmdb_err.*' 'ledger/store*' 'ledger/internal/store.h' 'rpc/apikeys.c' \
    'rpc/analytics.c'
lib_rule nng/ 'consensus/p2p*' 'consensus/internal/p2p*'
lib_rule microhttpd.h 'rpc/*' 'media/server.c' 'media/cli.c'
lib_rule jansson.h 'rpc/*' 'genesis/*' 'wallet/*' 'node/*' 'media/*'
lib_rule curl/ 'wallet/*'
lib_rule secp256k1 'ledger/sig.c' 'wallet/*' 'credit/*'
lib_rule gnutls/ 'rpc/tls.c'

[ $bad -eq 0 ] && echo "check-layers: ok"
exit $bad
