"""GET /api/v1/events: Server-Sent Events of blocks and committed transactions, resumable
with Last-Event-ID without a gap, optionally for one account."""

import http.client
import time

from node import assert_error, check, eq, start_node, tx_hash


def open_stream(n, path="/api/v1/events", last_id=None, timeout=10):
    headers = {}
    key = getattr(n, "api_key", None)
    if key:
        headers["Authorization"] = "Bearer " + key
    if last_id:
        headers["Last-Event-ID"] = last_id
    conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=timeout)
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    return conn, r


def read_events(r, want, deadline_s=10):
    """Reads events until `want(events)` is true or the deadline; returns them as dicts with
    id, event and data (a string)."""
    import json
    events, cur = [], {}
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and not want(events):
        line = r.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\n")
        if line == "":
            if "event" in cur:
                cur["data"] = json.loads(cur["data"])
                events.append(cur)
            cur = {}
        elif line.startswith(":"):
            continue
        else:
            k, _, v = line.partition(": ")
            cur[k] = v
    return events


def test_stream_resume_and_filter(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    conn, r = open_stream(n)
    eq(r.status, 200, "events status")
    eq(r.getheader("Content-Type"), "text/event-stream", "content type")
    eq(r.msg.get_all("Cache-Control"), ["no-store"], "one Cache-Control, no-store")
    txs = c.sign(alice, bob, 5, 0, count=3)
    n.batch(txs, wait=True)
    got = read_events(r, lambda ev: sum(e["event"] == "tx" for e in ev) >= 3)
    conn.close()
    tx_events = [e for e in got if e["event"] == "tx"]
    eq([e["data"]["hash"] for e in tx_events], [tx_hash(x) for x in txs], "tx events in order")
    blocks = [e for e in got if e["event"] == "block"]
    check(blocks and blocks[0]["id"].endswith("-0"), "a block event first: %r" % got[:1])
    for e in tx_events:
        h = int(e["data"]["height"])
        eq(e["id"], "%d-%d" % (h, e["data"]["index"] + 1), "event id of a tx")
    # While disconnected, more transfers commit; resuming after the last seen id gives
    # exactly those, in order, without a gap or a repeat.
    more = c.sign(alice, bob, 5, 3, count=4) + c.sign(bob, alice, 7, 0, count=2)
    n.batch(more, wait=True)
    conn, r = open_stream(n, last_id=tx_events[-1]["id"])
    got2 = read_events(r, lambda ev: sum(e["event"] == "tx" for e in ev) >= 6)
    conn.close()
    eq([e["data"]["hash"] for e in got2 if e["event"] == "tx"], [tx_hash(x) for x in more],
       "resumed events")
    # From genesis, filtered to bob's sent transfers and receipts: only tx events of bob.
    conn, r = open_stream(n, "/api/v1/events?from_height=1&account=" + bob.address)
    got3 = read_events(r, lambda ev: len(ev) >= 9)
    conn.close()
    eq(len(got3), 9, "bob's events")
    check(all(e["event"] == "tx" for e in got3), "only transactions for an account stream")
    # Bad positions are refused.
    for bad in ("x", "5", "0-0", "99999-0", "1-99999999", "1-500"):
        conn, r = open_stream(n, last_id=bad)
        eq(r.status, 400, "Last-Event-ID %r" % bad)
        conn.close()
    assert_error(n.request("GET", "/api/v1/events?account=chr1bad"), 400, "bad_address", "account")
    assert_error(n.request("GET", "/api/v1/events?from_height=0"), 400, "invalid_argument", "h0")


def test_stream_ends_when_the_node_stops(t):
    n = start_node(t)
    conn, r = open_stream(n)
    eq(r.status, 200, "events status")
    t0 = time.monotonic()
    n.stop()
    data = r.read()  # returns once the server ends the stream
    check(time.monotonic() - t0 < 5, "the stream ended within 5 s of SIGTERM")
    check(b"chroom events" in data, "the stream had opened: %r" % data[:80])
    conn.close()
