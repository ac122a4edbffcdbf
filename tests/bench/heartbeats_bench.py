"""`make bench`'s heartbeats part (issue 16, "Speed": heartbeats accepted per second on one
node), end to end through the API: one validator (a real chroomd), 100 media nodes registered
on chain through signed transactions (chroom-wallet media-node register, as
meetings_bench.py does), then signed heartbeats (ledger/heartbeat.h, docs/ANALYTICS.md)
POSTed to /api/v1/analytics/heartbeats over keep-alive connections for a fixed time by
httpbench --bodies (C, epoll, raw sockets). tests/bench/hbbench.c measures the same work
without HTTP and JSON; this is what one node accepts through its API.

The heartbeats are signed before the clock starts (loadgen heartbeats, on every core), one
meeting each: round by round, each node's times 1 ms apart, starting at the wall clock when
signing starts, so every time is newer than the node's last and within the node's clock
skew (2 min) while the run lasts. Each media node's heartbeats all go over one connection,
in order (httpbench gives connection i the lines 1 + k * CONNS + i; NODES is a multiple of
CONNS), so none arrives out of order. The rate limits are not what is measured: the
bench's chain.conf sets [analytics] interval_min_ms = 0 and heartbeats_per_min_per_address
= 0 (no limit), and the output says so.

Prints: heartbeats sent, accepted (200), refused by status and code, accepted per second,
chroomd's CPU per accepted heartbeat (utime + stime from /proc over the measured seconds),
httpbench's own CPU beside it (the client is not the bottleneck while it uses well under
the server's), latency p50/p99, and the load average. It fails only when it cannot
measure: the node or a tool fails, the pre-signed heartbeats run out (raise
BENCH_HB_RATE_MAX), or a heartbeat is refused for a reason that is not a rate limit.

Usage: python3 tests/bench/heartbeats_bench.py [BUILD]        (BUILD defaults to build)
Environment (all optional):
  BENCH_HB_NODES=100       media nodes registered (a multiple of BENCH_HB_CONNS)
  BENCH_HB_CONNS=20        keep-alive connections
  BENCH_HB_SECONDS=10      measured seconds (after 1 s of warm-up; at most 60)
  BENCH_HB_RATE_MAX=15000  heartbeats/s the pre-signed ones last for
  BENCH_KEEP=1             keep the temporary directory (node log, keys, heartbeats)
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functional"))

import node as harness  # noqa: E402  (the functional tests' process helpers)
from meetings_bench import BOND, OPERATORS, env_int, register_media_nodes  # noqa: E402

WARMUP_S = 1
# The bench's [analytics] section: no rate limit, so that the node's work is measured.
ANALYTICS_CONF = {"interval_min_ms": 0, "heartbeats_per_min_per_address": 0}


def say(msg):
    print("heartbeats: " + msg, flush=True)


def tool(name):
    return os.path.join(harness.BUILD_DIR, "tests", name)


def run_tool(args, what):
    """Runs a bench tool; its stdout, or a failure with its output."""
    p = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        harness.fail("%s failed (exit %d): %s%s" % (what, p.returncode, p.stdout, p.stderr))
    return p.stdout


def result_fields(out):
    """httpbench's `result:` line as a dict."""
    for line in out.splitlines():
        if line.startswith("result: "):
            return dict(kv.split("=", 1) for kv in line[len("result: "):].split())
    harness.fail("httpbench printed no result line: %s" % out)
    return {}


def refusals(field):
    """refused=STATUS:CODE:N,... as [(status, code, n)]."""
    if field == "-":
        return []
    return [(s, c, int(n)) for s, c, n in (e.split(":") for e in field.split(","))]


def measure(t, sizes):
    nodes, conns, seconds, rate_max = sizes
    accounts = {"op%d" % k: (nodes // OPERATORS + 1) * (BOND + 10**4) for k in range(OPERATORS)}
    chain = harness.Chain(t, accounts)
    conf = {"node": {"log_level": "warn"}, "analytics": ANALYTICS_CONF,
            "store": {"map_size_mb": 1024}}
    n = harness.Node(t, chain, conf=conf).start()
    keys_dir = t.path("media")
    pubkeys = run_tool([tool("loadgen"), "accounts", "--count", nodes, "--out", keys_dir,
                        "--print", "pubkey"], "loadgen accounts").split()
    t0 = time.monotonic()
    register_media_nodes(t, n, chain, nodes, pubkeys)
    say("%d media nodes registered on chain (signed transactions, %.1f s)"
        % (nodes, time.monotonic() - t0))
    rounds = (rate_max * (seconds + WARMUP_S) + nodes - 1) // nodes + 1
    bodies = t.path("heartbeats.jsonl")
    t0 = time.monotonic()
    run_tool([tool("loadgen"), "heartbeats", "--keys", os.path.join(keys_dir, "senders.keys"),
              "--chain-id", chain.chain_id, "--rounds", rounds, "--out", bodies],
             "loadgen heartbeats")
    say("%d heartbeats pre-signed (%d rounds of %d nodes, one meeting each, %.1f s)"
        % (rounds * nodes, rounds, nodes, time.monotonic() - t0))
    say("rate limits off in the bench's chain.conf: [analytics] %s"
        % ", ".join("%s = %s" % kv for kv in ANALYTICS_CONF.items()))
    out = subprocess.run([tool("httpbench"), "--url", n.url + "/api/v1/analytics/heartbeats",
                          "--bodies", bodies, "--threads", "1", "--conns", str(conns),
                          "--seconds", str(seconds), "--warmup", str(WARMUP_S),
                          "--server-pid", str(n.proc.pid), "--label", "heartbeats"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    for line in out.stdout.splitlines():
        if not line.startswith("result: "):
            print("  " + line)
    harness.check(n.alive(), "chroomd exited during the run: %s" % n.log_tail(10))
    harness.check(out.returncode == 0, "httpbench could not measure (exit %d)" % out.returncode)
    f = result_fields(out.stdout)
    refused = refusals(f["refused"])
    bad = [r for r in refused if r[1] != "rate_limited"]
    harness.check(not bad, "heartbeats refused for a reason that is not a rate limit: %s"
                  % ", ".join("%s x HTTP %s %s" % (k, s, c) for s, c, k in bad))
    return f, refused


def report(f, refused, sizes):
    nodes, conns, seconds, _ = sizes
    rps = float(f["rps"])
    server = float(f["server_cpu"]) if f["server_cpu"] != "-" else -1.0
    client = float(f["client_cpu"])
    refused_s = ", ".join("%d x HTTP %s %s" % (k, s, c) for s, c, k in refused) or "none"
    say("sent %s, accepted (200) %s, refused: %s (in the %d measured seconds)"
        % (f["sent"], f["ok"], refused_s, seconds))
    say("accepted per second: %.0f (%d media nodes, %d keep-alive connections, %d s after "
        "%d s of warm-up)" % (rps, nodes, conns, seconds, WARMUP_S))
    if server >= 0 and rps > 0:
        say("chroomd CPU: %.2f cores, %.1f us per accepted heartbeat (utime + stime, /proc)"
            % (server, 1e6 * server / rps))
        say("client CPU (httpbench): %.2f cores, %.0f%% of chroomd's%s"
            % (client, 100 * client / server if server > 0 else 0,
               "" if client < 0.5 * server else ": the client may limit the figure"))
    say("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; other processes %s cores"
        % (float(f["p50_us"]) / 1e3, float(f["p99_us"]) / 1e3, float(f["max_us"]) / 1e3,
           f["other_cpu"]))
    with open("/proc/loadavg") as la:
        say("load average %s" % " ".join(la.read().split()[:3]))


def main():
    harness.BUILD_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    sizes = (env_int("BENCH_HB_NODES", 100), env_int("BENCH_HB_CONNS", 20),
             env_int("BENCH_HB_SECONDS", 10), env_int("BENCH_HB_RATE_MAX", 15000))
    nodes, conns, seconds, rate_max = sizes
    if nodes < 1 or conns < 1 or nodes % conns != 0 or not 1 <= seconds <= 60 or rate_max < 1:
        sys.exit("heartbeats: BENCH_HB_NODES must be a multiple of BENCH_HB_CONNS, "
                 "BENCH_HB_SECONDS 1 to 60 (the heartbeats' times stay within the clock skew)")
    t = harness.Ctx("heartbeats-bench")
    ok = False
    try:
        f, refused = measure(t, sizes)
        report(f, refused, sizes)
        ok = True
    finally:
        for nd in t.nodes:
            nd.kill()
        if os.environ.get("BENCH_KEEP") == "1" or not ok:
            print("heartbeats: kept %s" % t.dir)
        else:
            shutil.rmtree(t.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
