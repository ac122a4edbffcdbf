#!/bin/sh
# Writes a C file holding the dashboard's static files (rpc/internal/dashboard.h), for GET
# /dashboard/: each file's name, bytes and an ETag (its POSIX cksum CRC and size, which change
# with its bytes). Usage: embed_dash.sh DIR OUT. Only POSIX sh, od and cksum.
set -eu
dir=$1
out=$2
tmp="$out.tmp"
{
    echo "/* Generated from $dir by rpc/embed_dash.sh: do not edit. */"
    echo '#include "rpc/internal/dashboard.h"'
    i=0
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        echo "static const unsigned char file$i[] = {"
        od -An -v -tx1 "$f" | sed -e 's/ *$//' -e '/^$/d' -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
        echo "0x00};"
        i=$((i + 1))
    done
    echo "const rpc_dash_file rpc_dash_files[] = {"
    i=0
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        set -- $(cksum <"$f")
        echo "    {\"$(basename "$f")\", file$i, $2, \"\\\"$1-$2\\\"\"},"
        i=$((i + 1))
    done
    echo "    {0, 0, 0, 0}};"
    echo "const size_t rpc_dash_files_len = $i;"
} >"$tmp"
mv "$tmp" "$out"
