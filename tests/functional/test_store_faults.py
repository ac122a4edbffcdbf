"""Storage failures, made for real rather than simulated: while another process holds every
reader slot of the node's LMDB environment (LMDB's MDB_READERS_FULL, what too many readers
of a store cause), every read of the chain is a 503 store_error with a JSON body, the
writer stops at its next block and GET /health says so with a 503, and nothing crashes.
Freeing the slots brings the reads back; the writer stays stopped until a restart, and
every submission meanwhile is refused with 503 not_writing (none is taken and lost).

The other process is this one: the test opens the node's environment read-only through
liblmdb (ctypes, standard library) and begins read transactions until LMDB refuses. The
node needs no hook for it: its store opens the environment with MDB_NOTLS, so every read
takes a reader slot of its own."""

import ctypes
import ctypes.util
import threading
import time

from node import assert_error, check, eq, fail, start_node, tx_hash

MDB_RDONLY = 0x20000
MDB_NOTLS = 0x200000
MDB_READERS_FULL = -30790


class ReaderHog:
    """Holds every free reader slot of the LMDB environment in `path`, and keeps taking
    slots that the node frees (its reads are short), until release()."""

    def __init__(self, path):
        name = ctypes.util.find_library("lmdb")
        if name is None:
            fail("liblmdb not found (the node links it: apt-get install liblmdb0)")
        lib = ctypes.CDLL(name)
        lib.mdb_strerror.restype = ctypes.c_char_p
        lib.mdb_env_set_mapsize.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.mdb_env_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                     ctypes.c_uint]
        lib.mdb_txn_begin.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint,
                                      ctypes.POINTER(ctypes.c_void_p)]
        lib.mdb_txn_abort.argtypes = [ctypes.c_void_p]
        lib.mdb_env_close.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.env = ctypes.c_void_p()
        self.txns = []
        self.stop = threading.Event()
        self.error = None
        self.full = threading.Event()
        self._check(lib.mdb_env_create(ctypes.byref(self.env)), "mdb_env_create")
        # A map at least as large as the node's, so that no read sees MDB_MAP_RESIZED.
        self._check(lib.mdb_env_set_mapsize(self.env, 1 << 34), "mdb_env_set_mapsize")
        self._check(lib.mdb_env_open(self.env, path.encode(), MDB_RDONLY | MDB_NOTLS, 0o600),
                    "mdb_env_open")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.full.wait(10):
            self.release()
            fail("the reader table never filled: %r" % self.error)

    def _check(self, rc, what):
        if rc != 0:
            fail("%s: %s" % (what, self.lib.mdb_strerror(rc).decode()))

    def _grab(self):
        while True:
            txn = ctypes.c_void_p()
            rc = self.lib.mdb_txn_begin(self.env, None, MDB_RDONLY, ctypes.byref(txn))
            if rc == MDB_READERS_FULL:
                return
            if rc != 0:
                raise RuntimeError(self.lib.mdb_strerror(rc).decode())
            self.txns.append(txn)

    def _run(self):
        try:
            while not self.stop.is_set():
                self._grab()
                self.full.set()
                time.sleep(0.002)
        except Exception as e:  # noqa: B902 - reported by the constructor or release
            self.error = e

    def release(self):
        self.stop.set()
        self.thread.join(5)
        for txn in self.txns:
            self.lib.mdb_txn_abort(txn)
        self.txns = []
        if self.env:
            self.lib.mdb_env_close(self.env)
            self.env = ctypes.c_void_p()
        check(self.error is None, "reader hog: %r" % self.error)


def test_store_read_failure_is_503_and_health_says_why(t):
    n = start_node(t, conf={"consensus": {"empty_block_interval_ms": 200}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    r = n.submit(c.sign(alice, bob, 5, 0)[0], wait=True)
    eq(r.status, 200, "a committed transfer first")
    h = r.json["hash"]
    n.wait_height(2)
    reads = ["/api/v1/accounts/" + bob.address, "/api/v1/accounts/%s/txs" % alice.address,
             "/api/v1/blocks", "/api/v1/blocks/1", "/api/v1/blocks/latest",
             "/api/v1/blocks/1/txs", "/api/v1/txs/" + h, "/api/v1/txs/" + "ab" * 32, "/metrics"]
    hog = ReaderHog(n.data_dir)
    try:
        # Every read of the chain is a 503; a hash the node cannot look up is not "unknown".
        for path in reads:
            r = n.request("GET", path)
            e = assert_error(r, 503, "store_error", "GET %s without a reader slot" % path)
            check(e["message"], "a message")
            check(r.headers.get("retry-after", "1").isdigit(), "Retry-After %r" % r.headers)
        # The writer meets the failure at its next block (one is due every 200 ms) and
        # stops; /health then answers 503 with the reason, and status shows it.
        deadline = time.monotonic() + 10
        while n.request("GET", "/health").status == 200:
            check(time.monotonic() < deadline, "/health stayed 200 without a readable store")
            time.sleep(0.05)
        r = n.request("GET", "/health")
        e = assert_error(r, 503, "store_error", "GET /health after the writer stopped")
        check("storage failure" in e["message"], "the reason: %r" % e["message"])
        eq(n.request("HEAD", "/health").status, 503, "HEAD /health")
        st = n.get("/api/v1/status")
        eq(st["healthy"], False, "status: healthy")
        height = int(st["latest_height"])
        r = n.submit(c.sign(alice, bob, 5, 1)[0])
        assert_error(r, 503, "not_writing", "a submission once the writer stopped")
        check(n.alive(), "chroomd is alive")
    finally:
        hog.release()
    # With the store readable again, the stopped writer still commits nothing: every
    # submission is refused (503 not_writing), never taken as pending and then lost.
    tx = c.sign(alice, bob, 5, 1)[0]
    for what, r in [("POST /txs", n.submit(tx)), ("POST /txs?wait=commit", n.submit(tx, True)),
                    ("POST /txs/batch", n.batch([tx])),
                    ("POST /txs/batch?wait=commit", n.batch([tx], True))]:
        e = assert_error(r, 503, "not_writing", what + " while the writer is stopped")
        check("stopped writing" in e["message"], "%s: the reason: %r" % (what, e["message"]))
    eq(n.get("/api/v1/txs/" + tx_hash(tx))["status"], "unknown", "the refused transfer")
    # Reads come back with the reader slots; the stopped writer stays stopped (and says so)
    # until the node restarts.
    eq(n.get("/api/v1/blocks/1")["height"], "1", "a read once the slots are free")
    eq(n.get("/api/v1/txs/" + h)["status"], "committed", "the transfer")
    eq(n.get("/api/v1/txs/" + "ab" * 32)["status"], "unknown", "an unknown hash again")
    assert_error(n.request("GET", "/health"), 503, "store_error", "/health until a restart")
    time.sleep(0.5)
    eq(n.height(), height, "no block while the writer is stopped")
    check("MDB_READERS_FULL" in n.log_text() or "readers" in n.log_text().lower(),
          "the log names LMDB's error: %s" % n.log_tail(5))
    n.restart()
    eq(n.request("GET", "/health").status, 200, "healthy after a restart")
    n.wait_height(height + 1)


test_store_read_failure_is_503_and_health_says_why.timeout = 90
