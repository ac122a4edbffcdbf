#!/bin/sh
# The first `make run`, `make testnet`, `make bench` and `make test` on a machine without the
# Debian packages link working binaries. Such a make parses the Makefile, and runs
# pkg-config, before its `deps` installs the packages, so the build must happen in a make
# started after `deps` (a sub-make, or tests/run.sh's make).
#
# It plays a fresh machine in a scratch BUILD directory: a fake pkg-config fails, printing
# nothing, until a marker file exists, and DEPS_CMD (what `make deps` runs) only creates the
# marker. A fake `sh` records the script each target launches (devnet, testnet, benchmark,
# test runner) instead of running it; for tests/run.sh it runs what that script starts
# with, a new make that builds. Each target's binaries are deleted before it runs, so each
# is linked again. Also checks that `make -s` prints nothing and that a second `make run`
# links nothing. Prints "PASS name" / "FAIL name: why" lines.
set -u
cd "$(dirname "$0")/.." || exit 1
# A user's make, not a sub-make of the `make test` that may have started this script.
unset MAKEFLAGS MFLAGS MAKELEVEL
failed=0
fail() { # name: why
    echo "FAIL $1"
    failed=1
}
real_pc=$(command -v pkg-config) || {
    echo "FAIL fresh-make: no pkg-config on PATH"
    exit 1
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
B="$tmp/build"
mkdir -p "$tmp/bin"
cat >"$tmp/bin/pkg-config" <<EOF
#!/bin/sh
# Not installed until \`make deps\` ran: fails the way a missing pkg-config does.
[ -e "$tmp/installed" ] || exit 1
exec "$real_pc" "\$@"
EOF
cat >"$tmp/bin/sh" <<EOF
#!/bin/sh
# Records the script a target launches instead of running it; runs every other script.
case "\${1:-}" in
node/devnet.sh | node/testnet.sh | tests/bench/run.sh)
    echo "\$1" >>"$tmp/launched"
    exit 0
    ;;
tests/run.sh)
    echo "\$1" >>"$tmp/launched"
    # As tests/run.sh builds: its make's output goes to a log, shown when it fails.
    make -s -j2 all >"$tmp/test-build.log" 2>&1 || {
        cat "$tmp/test-build.log"
        exit 1
    }
    exit 0
    ;;
esac
exec /bin/sh "\$@"
EOF
chmod +x "$tmp/bin/pkg-config" "$tmp/bin/sh"

fresh_make() { # target: a make of it on a machine whose packages are not installed yet
    rm -f "$tmp/installed" "$tmp/launched"
    PATH="$tmp/bin:$PATH" timeout 600 make -s -j"${JOBS:-2}" BUILD="$B" \
        DEPS_CMD="touch $tmp/installed" "$1" >"$tmp/out" 2>&1
}

check() { # target, the script it launches, binaries it must link...
    target=$1
    script=$2
    shift 2
    for bin in "$@"; do
        rm -f "$B/$bin"
    done
    if ! fresh_make "$target"; then
        fail "fresh-make-$target: make $target failed on a fresh machine:"
        tail -15 "$tmp/out"
        return
    fi
    for bin in "$@"; do
        if [ ! -x "$B/$bin" ]; then
            fail "fresh-make-$target: make $target did not link $bin"
            return
        fi
    done
    if [ "$(cat "$tmp/launched" 2>/dev/null)" != "$script" ]; then
        fail "fresh-make-$target: make $target did not launch $script once"
        return
    fi
    if [ -s "$tmp/out" ]; then
        fail "fresh-make-$target: make -s $target printed:"
        head -15 "$tmp/out"
        return
    fi
    echo "PASS fresh-make-$target"
}

check run node/devnet.sh chroomd chroom-wallet chroom-genesis
check testnet node/testnet.sh chroomd chroom-wallet chroom-genesis
check bench tests/bench/run.sh chroomd tests/loadgen tests/httpbench tests/p2pbench
check test tests/run.sh chroomd chroom-wallet chroom-genesis

# A second `make run` starts the node again without linking anything anew.
touch "$tmp/stamp" "$tmp/installed"
if ! PATH="$tmp/bin:$PATH" timeout 600 make -s BUILD="$B" DEPS_CMD=true run >"$tmp/out" 2>&1; then
    fail "make-run-again: the second make run failed:"
    tail -15 "$tmp/out"
elif [ -n "$(find "$B" -type f -newer "$tmp/stamp")" ]; then
    fail "make-run-again: the second make run rebuilt: $(find "$B" -type f -newer "$tmp/stamp")"
else
    echo "PASS make-run-again"
fi
exit $failed
