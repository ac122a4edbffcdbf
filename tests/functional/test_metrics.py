"""GET /metrics on one real node: Prometheus text format 0.0.4 that parses, with HELP and
TYPE for every family, and values that move as they should: height, committed
transactions, the mempool, rejections by reason, HTTP requests by route and status, the
latency histogram, and the LMDB map."""

import re
import time

from node import check, eq, fail, random_address, start_node

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,|$)')
FAMILIES = {
    "chroom_height": "gauge",
    "chroom_seconds_since_last_block": "gauge",
    "chroom_txs_committed_total": "counter",
    "chroom_mempool_txs": "gauge",
    "chroom_mempool_bytes": "gauge",
    "chroom_tx_rejections_total": "counter",
    "chroom_http_requests_total": "counter",
    "chroom_http_request_duration_seconds": "histogram",
    "chroom_rate_limited_total": "counter",
    "chroom_lmdb_map_size_bytes": "gauge",
    "chroom_lmdb_used_bytes": "gauge",
    "chroom_index_behind_blocks": "gauge",
}


def parse(text):
    """{(name, ((label, value), ...)): float} and {family: type}; fails on any line that
    is not a comment, a blank line or a sample."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            check(name not in types, "TYPE of %s twice" % name)
            types[name] = typ
        elif line.startswith("# HELP "):
            helps.add(line.split(" ", 3)[2])
        elif line.startswith("#") or not line:
            continue
        else:
            m = SAMPLE.match(line)
            check(m is not None, "not a sample line: %r" % line)
            labels = []
            if m.group(3):
                rest = m.group(3)
                for lm in LABEL.finditer(rest):
                    labels.append((lm.group(1), lm.group(2)))
                check(",".join('%s="%s"' % kv for kv in labels) == rest,
                      "labels of %r" % line)
            key = (m.group(1), tuple(sorted(labels)))
            check(key not in samples, "sample twice: %r" % line)
            samples[key] = float(m.group(4))
    check(types.keys() <= helps, "a family without HELP")
    return samples, types


def scrape(n):
    r = n.request("GET", "/metrics")
    eq(r.status, 200, "GET /metrics")
    ct = r.headers.get("content-type", "")
    check(ct.startswith("text/plain; version=0.0.4"), "Content-Type %r" % ct)
    samples, types = parse(r.raw.decode("utf-8"))
    for fam, typ in FAMILIES.items():
        eq(types.get(fam), typ, "TYPE of " + fam)
    return samples


def val(s, name, **labels):
    return s.get((name, tuple(sorted(labels.items()))), 0.0)


def check_histograms(s):
    """Buckets are cumulative, end in +Inf equal to _count, and every route has _sum."""
    name = "chroom_http_request_duration_seconds"
    routes = {dict(k[1])["route"] for k in s if k[0] == name + "_count"}
    check(routes, "a latency histogram for some route")
    for route in routes:
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in s.items()
                          if k[0] == name + "_bucket" and dict(k[1])["route"] == route))
        counts = [v for _, v in buckets]
        eq(counts, sorted(counts), route + ": buckets are cumulative")
        eq(buckets[-1][0], float("inf"), route + ": the last bucket is +Inf")
        eq(buckets[-1][1], val(s, name + "_count", route=route), route + ": +Inf is the count")
        check(val(s, name + "_sum", route=route) >= 0, route + ": _sum")
    return routes


def test_metrics_move_with_transfers(t):
    n = start_node(t, conf={"consensus": {"block_interval_ms": 4000}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    s0 = scrape(n)
    eq(val(s0, "chroom_height"), 0, "height at genesis")
    eq(val(s0, "chroom_txs_committed_total"), 0, "committed at genesis")
    eq(val(s0, "chroom_mempool_txs"), 0, "empty mempool")
    eq(val(s0, "chroom_rate_limited_total"), 0, "nothing rate limited")
    for reason in ("fee_too_low", "bad_signature", "nonce_mismatch", "insufficient_funds"):
        eq(val(s0, "chroom_tx_rejections_total", reason=reason), 0, reason + " listed at 0")
        check(("chroom_tx_rejections_total", (("reason", reason),)) in s0, reason + " present")
    map_size = val(s0, "chroom_lmdb_map_size_bytes")
    used = val(s0, "chroom_lmdb_used_bytes")
    check(0 < used <= map_size, "LMDB use %r within the map %r" % (used, map_size))
    eq(val(s0, "chroom_index_behind_blocks"), 0, "nothing committed, nothing to index")

    # Two transfers waiting in the mempool (a block is due only after 4 s, room for a slow
    # machine to sign and submit both first).
    txs = c.sign(alice, bob, 100, 0, count=2)
    for tx in txs:
        eq(n.submit(tx).status, 202, "pending")
    s1 = scrape(n)
    eq(val(s1, "chroom_mempool_txs"), 2, "two pending")
    eq(val(s1, "chroom_mempool_bytes"), sum(len(tx) // 2 for tx in txs), "their bytes")
    eq(val(s1, "chroom_http_requests_total", route="/api/v1/txs", status="202"), 2, "2 x 202")

    # A refused one, by its reason.
    low = c.sign(alice, bob, 100, 2, fee=1)[0]
    eq(n.submit(low).status, 400, "fee too low")
    n.wait_height(1, timeout=10)
    eq(n.submit(c.sign(bob, random_address(), 10**13, 0)[0]).status, 400, "no funds")
    s2 = scrape(n)
    eq(val(s2, "chroom_tx_rejections_total", reason="fee_too_low"), 1, "fee_too_low")
    eq(val(s2, "chroom_tx_rejections_total", reason="insufficient_funds"), 1, "no funds")
    eq(val(s2, "chroom_mempool_txs"), 0, "mempool emptied by the block")
    eq(val(s2, "chroom_mempool_bytes"), 0, "mempool bytes")
    check(val(s2, "chroom_height") >= 1, "a block")
    eq(val(s2, "chroom_txs_committed_total"), 2, "two committed")
    age = val(s2, "chroom_seconds_since_last_block")
    check(0 <= age < 30, "seconds since the last block %r" % age)
    eq(val(s2, "chroom_http_requests_total", route="/api/v1/txs", status="400"), 2, "2 x 400")
    check(val(s2, "chroom_http_requests_total", route="/metrics", status="200") >= 2,
          "scrapes are counted")


def test_metrics_http_counts_and_histogram(t):
    n = start_node(t)
    alice = n.chain["alice"].address
    for _ in range(3):
        n.get("/api/v1/accounts/" + alice)
    n.request("GET", "/api/v1/accounts/chr1bad")
    n.request("GET", "/no/such/route")
    n.request("GET", "/api/v1/accounts/%s/secret/../x" % alice)
    n.request("DELETE", "/api/v1/status")
    s = scrape(n)
    eq(val(s, "chroom_http_requests_total", route="/api/v1/accounts/{address}", status="200"),
       3, "accounts 200")
    eq(val(s, "chroom_http_requests_total", route="/api/v1/accounts/{address}", status="400"),
       1, "accounts 400")
    eq(val(s, "chroom_http_requests_total", route="unmatched", status="404"), 2,
       "paths no route answers share one label")
    eq(val(s, "chroom_http_requests_total", route="unmatched", status="405"), 1, "405")
    routes = check_histograms(s)
    check("/api/v1/accounts/{address}" in routes, "histogram of accounts")
    eq(val(s, "chroom_http_request_duration_seconds_count", route="/api/v1/accounts/{address}"),
       4, "histogram count")
    # Labels stay a bounded set: only table patterns and "unmatched".
    for (name, labels) in s:
        d = dict(labels)
        if "route" in d:
            check(d["route"] == "unmatched" or d["route"].startswith("/"), "route %r" % d)
            check("chr1" not in d["route"], "a client's path became a label: %r" % d)
    # Time moves on between blocks.
    a = val(scrape(n), "chroom_seconds_since_last_block")
    time.sleep(1.1)
    b = val(scrape(n), "chroom_seconds_since_last_block")
    if not b >= a + 1:
        fail("seconds since the last block went from %r to %r in 1.1 s" % (a, b))


def test_metrics_needs_admin_and_counts_rate_limits(t):
    n = start_node(t, conf={"api": {"rate_limit_standard_per_min": 3}})
    reader = n.create_api_key(tier="standard", scopes="read")
    hdr = {"Authorization": "Bearer " + reader}
    r = n.request("GET", "/metrics", auth=False)
    eq(r.status, 401, "no credential: %r" % r)
    r = n.request("GET", "/metrics", headers=hdr)
    eq(r.status, 403, "read scope only: %r" % r)
    eq(r.json["error"]["code"], "insufficient_scope", "code")
    # The key's 3 a minute run out within a few requests (whether the 403 spent one is the
    # limiter's business); the first 429 ends the loop.
    statuses = []
    while 429 not in statuses and len(statuses) < 5:
        statuses.append(n.request("GET", "/api/v1/validators", headers=hdr).status)
    eq(statuses[-1], 429, "past the standard tier's 3 a minute: %r" % statuses)
    check(set(statuses[:-1]) == {200}, "200s before the 429: %r" % statuses)
    s = scrape(n)
    eq(val(s, "chroom_rate_limited_total"), 1, "one request rate limited")
    eq(val(s, "chroom_http_requests_total", route="/api/v1/validators", status="429"), 1,
       "the 429 under its route")
    eq(val(s, "chroom_http_requests_total", route="/metrics", status="401"), 1, "401")
    eq(val(s, "chroom_http_requests_total", route="/metrics", status="403"), 1, "403")
