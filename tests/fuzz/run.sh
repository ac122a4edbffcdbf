#!/bin/sh
# `make fuzz`: builds each libFuzzer target with clang (ASan+UBSan) and runs it for
# SECONDS on a copy of its checked-in corpus, then merges new inputs back into
# tests/fuzz/corpus/NAME. Usage: run.sh SECONDS NAME...
set -eu
seconds=$1
shift
command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
cd "$(dirname "$0")/../.."
out=build/fuzz
mkdir -p "$out"
# Every library source but the CLIs' mains: the linker keeps what a target uses.
srcs=$(ls common/*.c credit/*.c ledger/*.c consensus/*.c genesis/*.c node/*.c rpc/*.c wallet/*.c media/*.c | grep -v '/main\.c$')
# The embedded openapi.yaml that rpc/openapi.c serves (the Makefile's OPENAPI_C).
sh rpc/embed.sh openapi.yaml "$out/openapi_yaml.c"
srcs="$srcs $out/openapi_yaml.c"
# The embedded dashboard files that rpc/dashboard.c serves (the Makefile's DASH_C).
sh rpc/embed_dash.sh dashboard "$out/dashboard_files.c"
srcs="$srcs $out/dashboard_files.c"
libs="$(pkg-config --cflags --libs libsecp256k1 libsodium lmdb libmicrohttpd jansson libcurl gnutls) -lnng -lpthread"
for name in "$@"; do
    echo "== fuzz $name for ${seconds}s"
    # shellcheck disable=SC2086
    clang -std=c11 -D_GNU_SOURCE -g -O1 -I. -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all tests/fuzz/fuzz_"$name".c $srcs $libs -o "$out/fuzz_$name"
    work="$out/corpus-$name"
    rm -rf "$work"
    mkdir -p "$work" "tests/fuzz/corpus/$name"
    cp "tests/fuzz/corpus/$name"/* "$work"/ 2>/dev/null || true
    "$out/fuzz_$name" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 "$work"
    "$out/fuzz_$name" -merge=1 "tests/fuzz/corpus/$name" "$work" >/dev/null 2>&1
    echo "corpus $name: $(ls "tests/fuzz/corpus/$name" | wc -l) files"
done
