"""Connection floods and bodies in flight (issue 17, "Availability" and "Memory"): real
bytes over real sockets, from many loopback source addresses (127.0.0.0/8 is all local on
Linux, and bind() picks the source). What matters is that a client with a key, and
/health, are still answered within a second while others hold connections open."""

import socket
import threading
import time

from node import check, eq, start_node

KEYED_SRC = "127.0.0.12"


def connect(n, src, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", n.port))
    return s


def read_answer(s):
    """Reads one answer with a Content-Length body; returns (status, head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        if not d:
            break
        data += d
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        return 0, b"", b""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        d = s.recv(65536)
        if not d:
            break
        body += d
    return int(head.split(b" ")[1]), head, body


def timed_get(n, path, src, key=None):
    """GET on a fresh connection from src: (status, seconds)."""
    start = time.monotonic()
    s = connect(n, src, timeout=5)
    try:
        auth = b"Authorization: Bearer %s\r\n" % key.encode() if key else b""
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                  % (path.encode(), auth))
        status, _, _ = read_answer(s)
    except OSError:
        status = 0
    finally:
        s.close()
    return status, time.monotonic() - start


class Slowloris:
    """count connections from srcs, each sending one more header byte a second, reopened
    when the server closes one (as a real attacker would)."""

    def __init__(self, n, srcs, count):
        self.n, self.srcs = n, srcs
        self.socks = [None] * count
        self.stop = threading.Event()
        self.reopened = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, i):
        try:
            s = connect(self.n, self.srcs[i % len(self.srcs)], timeout=2)
            s.setblocking(False)
            s.send(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n")
            self.socks[i] = s
        except OSError:
            self.socks[i] = None

    def run(self):
        while not self.stop.is_set():
            for i, s in enumerate(self.socks):
                if self.stop.is_set():
                    return
                try:
                    if s is None:
                        raise OSError("closed")
                    s.send(b"X")
                except OSError:
                    if s is not None:
                        s.close()
                        self.reopened += 1
                    self.open(i)
            self.stop.wait(1.0)

    def close(self):
        self.stop.set()
        self.thread.join(10)
        for s in self.socks:
            if s is not None:
                s.close()


def test_floods_leave_room_for_keyed_requests_and_health(t):
    # 300 slowloris connections from 10 addresses plus 300 idle keep-alive ones from 10
    # more, against 512 slots, do not keep a keyed request (from another address) or
    # /health from being answered within a second, while the flood goes on.
    n = start_node(t, conf={"api": {"connections_max": 512}})
    check("api: 512 connection slots" in n.log_text(), "the slots are logged: " + n.log_tail(5))
    loris = Slowloris(n, ["127.0.0.%d" % i for i in range(2, 12)], 300)
    for i in range(300):
        loris.open(i)
    loris.thread.start()
    idle = []
    try:
        for i in range(300):
            s = connect(n, "127.0.0.%d" % (13 + i % 10))
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, _ = read_answer(s)
            eq(status, 200, "an idle connection's first request")
            idle.append(s)
        time.sleep(1.0)
        for _ in range(5):
            status, took = timed_get(n, "/api/v1/status", KEYED_SRC, n.api_key)
            eq(status, 200, "a keyed request during the flood")
            check(took < 1.0, "a keyed request took %.2f s during the flood" % took)
            status, took = timed_get(n, "/health", "127.0.0.1")
            eq(status, 200, "/health during the flood")
            check(took < 1.0, "/health took %.2f s during the flood" % took)
            time.sleep(0.5)
        check(loris.reopened > 0, "no slowloris connection was ever closed")
        metrics = n.request("GET", "/metrics").raw.decode()
        check('chroom_api_connections_closed_total{reason="evicted"} 0' not in metrics,
              "evictions are counted: " + metrics[-600:])
    finally:
        loris.close()
        for s in idle:
            s.close()
    check(n.alive(), "chroomd died: " + n.log_tail(5))


test_floods_leave_room_for_keyed_requests_and_health.timeout = 60


def test_request_deadline_cuts_slow_headers(t):
    # A client sending its headers one byte at a time is cut at request_timeout_s from its
    # connection's start, although every byte would reset libmicrohttpd's idle timer.
    n = start_node(t, conf={"api": {"request_timeout_s": 2, "connection_timeout_s": 30}})
    s = connect(n, "127.0.0.2", timeout=10)
    start = time.monotonic()
    closed_after = None
    try:
        s.sendall(b"GET /health HTTP/1.1\r\n")
        for _ in range(8):
            time.sleep(0.5)
            s.sendall(b"X")
    except OSError:
        closed_after = time.monotonic() - start
    finally:
        s.close()
    check(closed_after is not None and closed_after < 3.5,
          "slow headers were not cut at the deadline (%r)" % closed_after)
    # An idle keep-alive connection is bounded by the same deadline.
    s = connect(n, "127.0.0.3", timeout=10)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    eq(read_answer(s)[0], 200, "first request")
    start = time.monotonic()
    eq(s.recv(10), b"", "an idle connection is closed")
    took = time.monotonic() - start
    check(1.5 < took < 3.5, "an idle connection lasted %.2f s" % took)
    s.close()


def test_clients_gone_mid_headers_free_their_slots(t):
    # 125 connections that each send part of a request and close (libmicrohttpd 0.9.75
    # misses such a FIN and would hold them in CLOSE-WAIT until connection_timeout_s):
    # their address still gets /health answered within a second of them leaving.
    n = start_node(t, conf={"api": {"connection_timeout_s": 30}})
    for _ in range(125):
        try:
            s = connect(n, "127.0.0.5")
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            s.close()
        except OSError:
            pass
    time.sleep(0.8)
    status, took = timed_get(n, "/health", "127.0.0.5")
    eq(status, 200, "/health from the same address")
    check(took < 1.0, "/health took %.2f s" % took)


def test_closed_event_streams_free_their_slots_at_once(t):
    # 300 event-stream clients (from 10 addresses) that disconnect free their slots at
    # once: half a second later, 300 new keep-alive connections against 400 slots (100
    # would be free if the streams held theirs) all get their answer, within 2 s.
    n = start_node(t, conf={"api": {"connections_max": 400}})
    streams = []
    for i in range(300):
        s = connect(n, "127.0.0.%d" % (2 + i % 10))
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                  % n.api_key.encode())
        streams.append(s)
    for s in streams:
        data = b""
        while b": chroom events" not in data:
            d = s.recv(4096)
            check(d, "a stream closed before it opened")
            data += d
        check(data.startswith(b"HTTP/1.1 200"), "stream status: %r" % data[:40])
    for s in streams:
        s.close()
    time.sleep(0.5)
    start = time.monotonic()
    held = []
    try:
        for i in range(300):
            s = connect(n, "127.0.0.%d" % (13 + i % 10), timeout=2)
            held.append(s)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                status = read_answer(s)[0]
            except OSError:
                status = 0
            eq(status, 200, "keep-alive request %d after the streams left" % i)
    finally:
        for s in held:
            s.close()
    took = time.monotonic() - start
    check(took < 2.0, "300 requests after the streams left took %.2f s" % took)


test_closed_event_streams_free_their_slots_at_once.timeout = 60


def test_body_budget(t):
    # Bodies in flight without a checked key share bodies_open_bytes_max: past it, a body
    # gets 503 overloaded with Retry-After, and one fits again once the first is done.
    n = start_node(t, conf={"api": {"body_bytes_max": 65536, "bodies_open_bytes_max": 100000}})
    body = b'{"tx": "' + b"a" * 60000 + b'"}'
    head = (b"POST /api/v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
            % (n.api_key.encode(), len(body)))
    hold = connect(n, "127.0.0.2", timeout=10)
    hold.sendall(head + body[:50000])
    time.sleep(0.3)
    s = connect(n, "127.0.0.3", timeout=10)
    s.sendall(head + body)
    status, h, _ = read_answer(s)
    s.close()
    eq(status, 503, "a body past the open budget")
    check(b"Retry-After: 1" in h, "Retry-After: %r" % h)
    hold.sendall(body[50000:])
    status = read_answer(hold)[0]
    check(400 <= status < 500, "the first body, once whole (not a transaction): %d" % status)
    hold.close()
    time.sleep(0.3)  # the answer is on its way before the server gives the bytes back
    s = connect(n, "127.0.0.3", timeout=10)
    s.sendall(head + body)
    status = read_answer(s)[0]
    check(400 <= status < 500, "a body once the budget is free again: %d" % status)
    s.close()
    check(n.alive(), "chroomd died: " + n.log_tail(5))
