#!/bin/sh
# Installs the Debian packages named in the arguments when some are missing: with apt-get
# when run as root, otherwise it names them and stops.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || exit 1
else
    echo "missing Debian packages:$missing"
    echo "install them with: sudo apt-get install$missing"
    exit 1
fi
