#!/bin/sh
# libmicrohttpd 1.0 or later for the API server. Debian 12's is 0.9.75, which misframes some
# hostile requests (a malformed Content-Length answered with its status line twice, a long
# chunk line answered 500): when the system's is older than 1.0, this builds Debian 13's
# libmicrohttpd 1.0.1 source, fetched from Debian's archive and checked against the SHA-256
# that Debian 13's source index lists for it, as a static library into .deps/ in this tree.
# The Makefile's pkg-config looks in .deps/ first. Nothing outside the tree is touched.
set -eu
cd "$(dirname "$0")/.."
prefix="$PWD/.deps"
version=1.0.1
tarball="libmicrohttpd_$version.orig.tar.gz"
url="http://deb.debian.org/debian/pool/main/libm/libmicrohttpd/$tarball"
sha256=a89e09fc9b4de34dde19f4fcb4faaa1ce10299b9908db1132bbfa1de47882b94

PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
if pkg-config --atleast-version=1.0.0 libmicrohttpd 2>/dev/null; then
    exit 0
fi
for tool in curl make cc tar; do
    command -v "$tool" >/dev/null || {
        echo "deps: libmicrohttpd $version: no $tool (make deps installs it as root)" >&2
        exit 1
    }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "deps: building libmicrohttpd $version (Debian 13's source) into .deps/"
curl -fsS --retry 3 -m 300 -o "$tmp/$tarball" "$url" || {
    echo "deps: libmicrohttpd $version: cannot fetch $url" >&2
    exit 1
}
echo "$sha256  $tmp/$tarball" | sha256sum -c --quiet - || {
    echo "deps: libmicrohttpd $version: $tarball does not match its SHA-256" >&2
    exit 1
}
tar -xzf "$tmp/$tarball" -C "$tmp"
(
    cd "$tmp/libmicrohttpd-$version"
    ./configure -q --prefix="$prefix" --disable-shared --enable-static --with-pic \
        --enable-https --disable-doc --disable-examples --disable-tools --disable-curl \
        >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; exit 1; }
    make -s -j2 >"$tmp/make.log" 2>&1 || { tail -50 "$tmp/make.log"; exit 1; }
    make -s install >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
)
# A build without GnuTLS would serve no HTTPS: refuse it rather than find out at start.
grep -q 'gnutls' "$prefix/lib/pkgconfig/libmicrohttpd.pc" || {
    echo "deps: libmicrohttpd $version was built without HTTPS (GnuTLS missing?)" >&2
    exit 1
}
pkg-config --atleast-version=1.0.0 libmicrohttpd
echo "deps: libmicrohttpd $(pkg-config --modversion libmicrohttpd) in .deps/"
