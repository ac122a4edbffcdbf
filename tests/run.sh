#!/bin/sh
# Runs every test group and ends with one line "N passed, N failed"; exits non-zero on any
# failure. Each group prints "PASS name" / "FAIL name: why" lines, which are counted here.
# A binary that exits non-zero without printing a FAIL line counts as one failure.
set -u
cd "$(dirname "$0")/.." || exit 1
JOBS=${JOBS:-2}
out=build/test-results.txt
mkdir -p build
: >"$out"

record() { # name, command...: runs it, keeps its PASS/FAIL lines, adds a FAIL if it died
    name=$1
    shift
    log=build/test-$(echo "$name" | tr '/ ' '__').log
    "$@" >"$log" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL) ' "$log" | sed -E "s#^(PASS|FAIL) #\1 $name: #" >>"$out"
    grep -E '^FAIL ' "$log"
    if [ $rc -ne 0 ] && ! grep -qE '^FAIL ' "$log"; then
        echo "FAIL $name: exited with status $rc (see $log)" | tee -a "$out"
        tail -20 "$log"
    fi
}

echo "== build"
if ! make -s -j"$JOBS" testbins >build/test-build.log 2>&1; then
    cat build/test-build.log | tail -40
    echo "FAIL build" >>"$out"
fi
if ! make -s -j"$JOBS" BUILD=build/san SAN=address,undefined testbins >build/test-build-san.log 2>&1; then
    tail -40 build/test-build-san.log
    echo "FAIL build-san" >>"$out"
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== core purity"
record check-core sh -c 'make -s check-core && echo "PASS core-has-no-io"'
echo "== format"
record format-check sh -c 'make -s format-check && echo "PASS tree-in-house-style"'
echo "== make on a fresh machine"
# The first make run/testnet/bench/test, before the packages are installed, links (a scratch
# build in a temporary directory: about 25 s on 2 cores).
record fresh-make sh tests/fresh_make.sh

echo "== unit"
for t in build/tests/unit-*; do
    [ -x "$t" ] && record "$(basename "$t")" "$t"
done
echo "== unit under ASan+UBSan"
for t in build/san/tests/unit-*; do
    [ -x "$t" ] && record "san-$(basename "$t")" "$t"
done
echo "== consensus simulator"
# A few hundred seeds of the plain build in two processes, and a few under ASan+UBSan.
# A failing seed prints the command that replays it; `make sim SEEDS=100000` runs long.
record sim build/tests/sim --seeds 240 --first 1 --jobs "$JOBS"
record san-sim build/san/tests/sim --seeds 6 --first 100001
echo "== fuzz corpora under ASan+UBSan"
for t in build/san/tests/replay-*; do
    [ -x "$t" ] || continue
    n=${t##*/replay-}
    record "fuzz-$n" "$t" "tests/fuzz/corpus/$n"
done
echo "== functional"
if [ -d tests/functional ] && ls tests/functional/test_*.py >/dev/null 2>&1; then
    record functional /usr/bin/python3 tests/functional/run.py build
fi

passed=$(grep -c '^PASS ' "$out")
failed=$(grep -c '^FAIL ' "$out")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
