"""`make bench`'s meetings part: meeting creations committed per second with 1,000 media
nodes registered, through signed transactions (POST /api/v1/txs/batch) and through the Open
API seed's endpoint (POST /api/meetings/create, sponsor-signed, each request waiting for its
commit), then the seed endpoint's p50/p99 answer time at half the rate it reached: first on
one validator, then on four validators of equal power (the functional tests' testnet, every
request sent to the first), and a table of both side by side. It prints figures; it fails
only when it cannot measure.

Usage: python3 tests/bench/meetings_bench.py [BUILD]        (BUILD defaults to build)
Environment (all optional):
  BENCH_MEDIA_NODES=1000  media nodes registered first (10 operators, 2 regions), per run
  BENCH_SIGNED=1000       meeting-creates signed offline and sent in batches of 250
  BENCH_SEED=600          seed-endpoint creations at full speed
  BENCH_SEED_CONNS=32     concurrent seed-endpoint requests at full speed
  BENCH_HALF_S=20         seconds at half the seed endpoint's rate
  BENCH_KEEP=1            keep the temporary directory (node log, keys)
"""

import concurrent.futures
import http.client
import json
import os
import shutil
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functional"))

import node as harness  # noqa: E402  (the functional tests' process helpers)
from test_consensus import testnet  # noqa: E402  (their four-validator network)

BOND = 1000 * 10**6
OPERATORS = 10
BATCH = 250


def env_int(name, default):
    return int(os.environ.get(name, default))


def post(port, key, path, body, timeout=60):
    """One POST on a fresh connection: (status, parsed body or None, seconds)."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Content-Type": "application/json",
                              "Authorization": "Bearer " + key})
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return resp.status, parsed, time.monotonic() - t0


def sign_all(jobs):
    """Runs the wallet for each argument list (offline signing, --out FILE), two at a time."""
    def one(args):
        rc, out, err = harness.run(harness.wallet_cmd(*args))
        if rc != 0:
            harness.fail("chroom-wallet %s: %s" % (" ".join(map(str, args[:2])), err))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(one, jobs))


def read_hex(paths):
    out = []
    for p in paths:
        with open(p) as f:
            out.append(f.read().strip())
    return out


def submit_batches(n, txs):
    for i in range(0, len(txs), BATCH):
        r = n.request("POST", "/api/v1/txs/batch", {"txs": txs[i:i + BATCH]})
        harness.check(r.status in (200, 202), "batch refused: %r" % (r.raw[:300],))


def wait_nonce(n, address, want, timeout=300):
    deadline = time.monotonic() + timeout
    while n.nonce(address) < want:
        harness.check(time.monotonic() < deadline, "%s never reached nonce %d" % (address, want))
        time.sleep(0.02)


def register_media_nodes(t, n, chain, count, node_keys=None):
    """Registers count media nodes over the operators op0..op9 of chain, through n: with the
    given x-only node keys (hex) when node_keys is a list, else random ones."""
    per = (count + OPERATORS - 1) // OPERATORS
    jobs, files = [], []
    for i in range(count):
        op = chain["op%d" % (i % OPERATORS)]
        f = t.path("reg%d.hex" % i)
        files.append(f)
        jobs.append(("media-node", "register", "--key", op.path, "--node-key",
                     node_keys[i] if node_keys else harness.random_pubkey(), "--endpoint", "https://m%d.example.org" % i,
                     "--region", "eu" if i % 2 else "us", "--capacity", 1000, "--bond", BOND,
                     "--raw", "--fee", 1000, "--nonce", i // OPERATORS, "--chain-id",
                     chain.chain_id, "--out", f))
    sign_all(jobs)
    submit_batches(n, read_hex(files))
    for k in range(OPERATORS):
        wait_nonce(n, chain["op%d" % k].address, per if k < count % OPERATORS or
                   count % OPERATORS == 0 else per - 1)


def signed_rate(t, n, chain, count):
    payer = chain["payer"]
    jobs, files = [], []
    for i in range(count):
        f = t.path("meet%d.hex" % i)
        files.append(f)
        jobs.append(("meeting", "create", "--key", payer.path, "--title", "Bench %d" % i,
                     "--host", "h", "--participants", "a,b,c", "--duration", 30, "--fee",
                     "0.001", "--nonce", i, "--chain-id", chain.chain_id, "--out", f))
    sign_all(jobs)
    txs = read_hex(files)
    t0 = time.monotonic()
    submit_batches(n, txs)
    wait_nonce(n, payer.address, count)
    return count / (time.monotonic() - t0)


SEED_BODY = {"title": "Bench", "host": "h", "participants": ["a", "b", "c"], "duration": 30}


def seed_full_rate(n, key, count, conns):
    lat, lock, left = [], threading.Lock(), [count]

    def worker():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            status, body, s = post(n.port, key, "/api/meetings/create", SEED_BODY)
            harness.check(status == 200, "seed endpoint: HTTP %d %r" % (status, body))
            with lock:
                lat.append(s)
    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return count / (time.monotonic() - t0), lat


def seed_paced(n, key, rate, seconds):
    """Open loop: a request every 1/rate s for `seconds`, each on its own thread."""
    lat, lock, statuses = [], threading.Lock(), {}

    def one():
        status, body, s = post(n.port, key, "/api/meetings/create", SEED_BODY)
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                lat.append(s)
    total = max(1, int(rate * seconds))
    threads = []
    t0 = time.monotonic()
    for i in range(total):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        th = threading.Thread(target=one)
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    return lat, statuses


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")


def measure(t, n, chain, label, sizes):
    """Registers the media nodes through n, then measures; prints each figure as it comes
    and returns them (a dict)."""
    media, signed, seed, conns, half_s = sizes
    f = {}
    t0 = time.monotonic()
    register_media_nodes(t, n, chain, media)
    print("meetings (%s): %d media nodes registered (%.1f s, signing included)"
          % (label, media, time.monotonic() - t0))
    f["signed"] = signed_rate(t, n, chain, signed)
    print("meetings (%s): signed meeting-creates: %.0f committed/s (%d, batches of %d)"
          % (label, f["signed"], signed, BATCH))
    f["seed"], lat = seed_full_rate(n, n.api_key, seed, conns)
    f["seed_p50"], f["seed_p99"] = pct(lat, 50) * 1e3, pct(lat, 99) * 1e3
    print("meetings (%s): POST /api/meetings/create: %.0f committed/s (%d, %d at once; "
          "p50 %.0f ms, p99 %.0f ms)" % (label, f["seed"], seed, conns, f["seed_p50"],
                                          f["seed_p99"]))
    f["half"] = f["seed"] / 2
    lat, statuses = seed_paced(n, n.api_key, f["half"], half_s)
    f["half_p50"], f["half_p99"] = pct(lat, 50) * 1e3, pct(lat, 99) * 1e3
    print("meetings (%s): POST /api/meetings/create at %.0f/s (half) for %d s: p50 %.0f ms, "
          "p99 %.0f ms (%d answered 200, statuses %s)"
          % (label, f["half"], half_s, f["half_p50"], f["half_p99"], len(lat),
             json.dumps(statuses, sort_keys=True)))
    return f


def node_conf(sponsor_path):
    return {"node": {"log_level": "warn"},
            "api": {"sponsor_key_file": sponsor_path, "rate_limit_premium_per_min": 0,
                    "wait_timeout_ms": 30000},
            "mempool": {"txs_max": 100000},
            "store": {"map_size_mb": 1024}}


def run(name, start, sizes):
    """Runs one setup (start(t, sizes) gives the node to use and its chain), measures, and
    stops its processes; keeps its directory when it failed or BENCH_KEEP=1."""
    t = harness.Ctx(name)
    ok = False
    try:
        n, chain = start(t, sizes)
        f = measure(t, n, chain, name, sizes)
        ok = True
        return f
    finally:
        for nd in t.nodes:
            nd.kill()
        if os.environ.get("BENCH_KEEP") == "1" or not ok:
            print("meetings (%s): kept %s" % (name, t.dir))
        else:
            shutil.rmtree(t.dir, ignore_errors=True)


def start_one(t, sizes):
    accounts = {"op%d" % k: (sizes[0] // OPERATORS + 1) * (BOND + 10**4)
                for k in range(OPERATORS)}
    accounts.update({"payer": 10**15, "sponsor": 10**15})
    chain = harness.Chain(t, accounts)
    conf = node_conf(chain["sponsor"].path)
    return harness.Node(t, chain, conf=conf).start(), chain


def start_four(t, sizes):
    """Four validators of equal power, peers of each other (the functional tests' testnet);
    every request goes to the first. testnet funds each account with 10**12 units, which
    covers 1,000 media nodes' bonds over 10 operators and every meeting's escrow."""
    names = ["op%d" % k for k in range(OPERATORS)] + ["payer", "sponsor"]
    harness.check((sizes[0] // OPERATORS + 1) * (BOND + 10**4) <= 10**12,
                  "too many media nodes for testnet's balances")
    # keygen names a key file after its account, so the sponsor's path is known before
    # testnet makes the key; checked below.
    conf = node_conf(t.path("sponsor.key"))
    api = conf.pop("api")
    chain, _, nodes = testnet(t, n=4, accounts=names, api=api, sections=conf)
    harness.eq(chain["sponsor"].path, api["sponsor_key_file"], "the sponsor's key file")
    return nodes[0], chain


def main():
    harness.BUILD_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    sizes = (env_int("BENCH_MEDIA_NODES", 1000), env_int("BENCH_SIGNED", 1000),
             env_int("BENCH_SEED", 600), env_int("BENCH_SEED_CONNS", 32),
             env_int("BENCH_HALF_S", 20))
    one = run("1 node", start_one, sizes)
    four = run("4 validators", start_four, sizes)
    rows = (("signed meeting-creates, committed/s", "signed", "%.0f"),
            ("POST /api/meetings/create, committed/s", "seed", "%.0f"),
            ("  its p50 / p99 at full speed, ms", ("seed_p50", "seed_p99"), "%.0f / %.0f"),
            ("  rate of the paced run (half), /s", "half", "%.0f"),
            ("  its p50 / p99 at half speed, ms", ("half_p50", "half_p99"), "%.0f / %.0f"))
    print("meetings: %-40s %14s %14s" % ("", "1 node", "4 validators"))
    for title, keys, fmt in rows:
        keys = keys if isinstance(keys, tuple) else (keys,)
        print("meetings: %-40s %14s %14s" % (title, fmt % tuple(one[k] for k in keys),
                                              fmt % tuple(four[k] for k in keys)))


if __name__ == "__main__":
    main()
