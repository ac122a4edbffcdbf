#!/usr/bin/python3
"""Runs the functional tests: real chroomd, chroom-wallet and chroom-genesis processes.

usage: run.py BUILD_DIR [SUBSTRING...]

Discovers tests/functional/test_*.py and runs every function named test_* in each, in file
order, one at a time. Prints exactly one line per test on stdout, "PASS name" or
"FAIL name: reason", then "# functional: N passed, M failed"; details of failures (the
traceback, the tail of the node's log) go to stderr. Exits 1 if any test failed. With
SUBSTRINGs, runs only the tests whose name contains one of them.

Each test gets a node.Ctx (a temporary directory and the processes it starts); after the
test every process is killed and the directory removed, or kept and named in the FAIL line
when the test failed. A test may run at most its `timeout` attribute in seconds (default
60); then it fails with a timeout.
"""

import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import node  # noqa: E402
import openapi_check  # noqa: E402

TEST_TIMEOUT_S = 60


class TestTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise TestTimeout("test ran longer than its time limit")


def discover(filters):
    tests = []
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        modname = fname[:-3]
        spec = importlib.util.spec_from_file_location(modname, os.path.join(HERE, fname))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        fns = [v for k, v in vars(mod).items()
               if k.startswith("test_") and callable(v) and getattr(v, "__module__", "") == modname]
        fns.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in fns:
            name = "%s.%s" % (modname[len("test_"):], f.__name__[len("test_"):])
            if not filters or any(s in name for s in filters):
                tests.append((name, f))
    return tests


def reason_of(exc):
    if isinstance(exc, (node.TestFailure, TestTimeout)):
        return str(exc)
    return "%s: %s" % (type(exc).__name__, exc)


def run_one(name, fn):
    ctx = node.Ctx(name)
    failure = None
    limit = getattr(fn, "timeout", TEST_TIMEOUT_S)
    start = time.monotonic()
    signal.alarm(limit)
    openapi_check.reset()
    try:
        fn(ctx)
        # Every answer the test received must be as openapi.yaml says (openapi_check.py).
        if openapi_check.summary():
            raise node.TestFailure(openapi_check.summary())
    except BaseException as exc:  # noqa: B902 - a test's every failure is reported
        if isinstance(exc, KeyboardInterrupt):
            signal.alarm(0)
            ctx.close(failed=True)
            raise
        failure = exc
        sys.stderr.write("---- %s failed after %.1f s\n" % (name, time.monotonic() - start))
        sys.stderr.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        for n in ctx.nodes:
            sys.stderr.write("---- %s log (last lines):\n%s\n" % (
                n.name, "\n".join(n.log_text().splitlines()[-15:])))
    finally:
        signal.alarm(0)
        openapi_check.report(name, sys.stderr)
    kept = ctx.close(failed=failure is not None)
    elapsed = time.monotonic() - start
    if failure is None:
        print("PASS %s" % name, flush=True)
        sys.stderr.write("# %s: %.1f s\n" % (name, elapsed))
        return True
    reason = " ".join(reason_of(failure).split())[:400]
    print("FAIL %s: %s (kept %s)" % (name, reason, kept), flush=True)
    return False


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: run.py BUILD_DIR [SUBSTRING...]\n")
        return 2
    node.BUILD_DIR = os.path.abspath(argv[1])
    missing = [b for b in ("chroomd", "chroom-wallet", "chroom-genesis")
               if not os.access(node.binary(b), os.X_OK)]
    if missing:
        print("FAIL setup: %s missing in %s" % (", ".join(missing), node.BUILD_DIR))
        print("# functional: 0 passed, 1 failed")
        return 1
    signal.signal(signal.SIGALRM, on_alarm)
    start = time.monotonic()
    passed = failed = 0
    for name, fn in discover(argv[2:]):
        if run_one(name, fn):
            passed += 1
        else:
            failed += 1
    sys.stderr.write("# functional: %.1f s in all\n" % (time.monotonic() - start))
    if openapi_check.coverage():
        sys.stderr.write("# %s\n" % openapi_check.coverage())
    print("# functional: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
