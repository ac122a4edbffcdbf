#!/bin/sh
# Writes a C file holding the bytes of the OpenAPI spec, for GET /api/v1/openapi.yaml
# (rpc/internal/openapi.h). Usage: embed.sh SPEC OUT. A missing SPEC gives an empty one,
# which the node answers with 404. Only POSIX sh and od.
set -eu
in=$1
out=$2
tmp="$out.tmp"
len=0
[ -f "$in" ] && len=$(wc -c <"$in" | tr -d ' ')
{
    echo "/* Generated from $in by rpc/embed.sh: do not edit. */"
    echo '#include "rpc/internal/openapi.h"'
    echo "const unsigned char rpc_openapi_yaml[] = {"
    if [ -f "$in" ]; then
        od -An -v -tx1 "$in" | sed -e 's/ *$//' -e '/^$/d' -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
    fi
    echo "0x00};"
    echo "const size_t rpc_openapi_yaml_len = $len;"
} >"$tmp"
mv "$tmp" "$out"
