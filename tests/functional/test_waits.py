"""Requests that wait for the chain hold no HTTP thread (docs/ARCHITECTURE.md, "Threads"):
with a single HTTP thread, event streams and ?wait=commit requests wait side by side while
every other request is answered at once, and each wait ends on its block, at its timeout,
or when the node stops."""

import http.client
import threading
import time

from node import assert_error, check, eq, start_node, tx_hash

SENDERS = ["a%d" % i for i in range(4)]


def open_stream(n):
    conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=20)
    conn.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + n.api_key})
    r = conn.getresponse()
    eq(r.status, 200, "events status")
    return conn, r


def read_stream_events(r, count, deadline_s=20):
    """The names of the first `count` events of an open stream (comments skipped)."""
    names = []
    deadline = time.monotonic() + deadline_s
    while len(names) < count and time.monotonic() < deadline:
        line = r.fp.readline()
        if not line:
            break
        if line.startswith(b"event: "):
            names.append(line[len(b"event: "):].decode().strip())
    return names


def submit_in_thread(n, tx, answers, key, timeout_ms=None):
    def run():
        try:
            answers[key] = n.submit(tx, wait=True, timeout_ms=timeout_ms)
        except (OSError, http.client.HTTPException) as e:
            answers[key] = e
    th = threading.Thread(target=run)
    th.start()
    return th


def quick_status(n, what):
    start = time.monotonic()
    st = n.status()
    took = time.monotonic() - start
    check(took < 1.0, "%s: GET /api/v1/status took %.2f s" % (what, took))
    return st


def test_waits_hold_no_http_thread(t):
    n = start_node(t, accounts={name: 10**12 for name in SENDERS + ["alice", "bob"]},
                   conf={"api": {"threads": 1, "wait_timeout_ms": 20000},
                         "consensus": {"block_interval_ms": 3000}})
    c = n.chain
    # A first block starts the interval, so that the next block is 3 s away.
    r = n.submit(c.sign(c["alice"], c["bob"], 1, 0)[0], wait=True)
    eq((r.status, r.json["status"]), (200, "committed"), "the first transfer")
    height = int(r.json["height"])
    streams = [open_stream(n) for _ in range(4)]
    txs = [c.sign(c[name], c["bob"], 5, 0)[0] for name in SENDERS]
    answers = {}
    threads = [submit_in_thread(n, tx, answers, i) for i, tx in enumerate(txs)]
    deadline = time.monotonic() + 10
    while quick_status(n, "while transfers wait")["mempool_txs"] < len(txs):
        check(time.monotonic() < deadline, "the transfers never became pending")
        time.sleep(0.02)
    # Every wait is parked: the one HTTP thread still answers everything else at once.
    if int(n.status()["latest_height"]) == height:
        check(not answers, "answers came before their block: %r" % answers)
    for _ in range(5):
        quick_status(n, "while streams and commits wait")
        eq(n.account(c["alice"].address)["nonce"], "1", "alice's nonce")
    for th in threads:
        th.join(20)
    for i, tx in enumerate(txs):
        r = answers.get(i)
        check(r is not None and not isinstance(r, Exception), "waiting transfer %d: %r" % (i, r))
        eq((r.status, r.json["status"], r.json["hash"]), (200, "committed", tx_hash(tx)),
           "waiting transfer %d" % i)
        eq(r.json["height"], str(height + 1), "waiting transfer %d's block" % i)
    for conn, resp in streams:
        eq(read_stream_events(resp, 1 + len(txs)), ["block"] + ["tx"] * len(txs),
           "a stream's events of the block")
        conn.close()


def test_wait_timeout_and_stop_end_waits(t):
    n = start_node(t, conf={"api": {"threads": 1, "wait_timeout_ms": 20000},
                            "consensus": {"block_interval_ms": 60000}})
    c = n.chain
    # No block comes: the wait ends at its timeout_ms with the transaction pending.
    start = time.monotonic()
    r = n.submit(c.sign(c["alice"], c["bob"], 1, 0)[0], wait=True, timeout_ms=400)
    took = time.monotonic() - start
    eq((r.status, r.json["status"]), (202, "pending"), "after timeout_ms")
    check(0.35 <= took < 3, "timeout_ms=400 answered after %.2f s" % took)
    # Streams and commit waits at once; the stop ends them all promptly.
    streams = [open_stream(n) for _ in range(3)]
    answers = {}
    txs = [c.sign(c["alice"], c["bob"], 1, 1)[0], c.sign(c["bob"], c["alice"], 1, 0)[0]]
    threads = [submit_in_thread(n, tx, answers, i) for i, tx in enumerate(txs)]
    deadline = time.monotonic() + 10
    while quick_status(n, "while waits are parked")["mempool_txs"] < 3:
        check(time.monotonic() < deadline, "the transfers never became pending")
        time.sleep(0.02)
    start = time.monotonic()
    eq(n.stop(timeout=10), 0, "exit status")
    took = time.monotonic() - start
    check(took < 5, "SIGTERM took %.1f s with parked waits" % took)
    for th in threads:
        th.join(10)
    for i in range(len(txs)):
        r = answers.get(i)
        check(r is not None and not isinstance(r, Exception), "waiting transfer %d: %r" % (i, r))
        check(r.status in (202, 503), "waiting transfer %d's answer: %r" % (i, r))
        if r.status == 503:
            assert_error(r, 503, "shutting_down", "waiting transfer %d" % i)
        else:
            eq(r.json["status"], "pending", "waiting transfer %d" % i)
    for conn, resp in streams:
        data = resp.read()  # returns once the node ends the stream
        check(b"chroom events" in data, "a stream had opened: %r" % data[:80])
        conn.close()
