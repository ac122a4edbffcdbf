"""What is read from disk is checked against the hash that names it (docs/ARCHITECTURE.md,
"What is checked when"): one byte flipped at a time in a stopped node's store (a block's
header, a block's body, a transaction's index row), and every answer about that block or
transaction is refused with 500 store_error and an ERROR line naming the height and what
did not match, never a wrong answer; the blocks around it still answer as before. An index
of a previous row format is rebuilt once, with a log line.

The bytes are changed through liblmdb (ctypes, standard library) while the node is stopped,
so each test changes exactly the record it names."""

import ctypes
import ctypes.util
import time

from node import Chain, Node, assert_error, check, eq, fail, start_node

MDB_NOTFOUND = -30798


class MDBVal(ctypes.Structure):
    _fields_ = [("mv_size", ctypes.c_size_t), ("mv_data", ctypes.c_void_p)]


class Lmdb:
    """One write transaction on the LMDB environment in `path`: get, put, delete, commit."""

    def __init__(self, path):
        name = ctypes.util.find_library("lmdb")
        if name is None:
            fail("liblmdb not found (the node links it: apt-get install liblmdb0)")
        lib = ctypes.CDLL(name)
        lib.mdb_strerror.restype = ctypes.c_char_p
        lib.mdb_env_set_mapsize.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.mdb_env_set_maxdbs.argtypes = [ctypes.c_void_p, ctypes.c_uint]
        lib.mdb_env_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                     ctypes.c_uint]
        lib.mdb_txn_begin.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint,
                                      ctypes.POINTER(ctypes.c_void_p)]
        lib.mdb_dbi_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                     ctypes.POINTER(ctypes.c_uint)]
        for f in (lib.mdb_get, lib.mdb_put, lib.mdb_del):
            f.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.POINTER(MDBVal),
                          ctypes.POINTER(MDBVal)] + ([ctypes.c_uint] if f is lib.mdb_put else [])
        lib.mdb_txn_commit.argtypes = [ctypes.c_void_p]
        lib.mdb_env_close.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.env = ctypes.c_void_p()
        self.txn = ctypes.c_void_p()
        self._check(lib.mdb_env_create(ctypes.byref(self.env)), "mdb_env_create")
        self._check(lib.mdb_env_set_maxdbs(self.env, 16), "mdb_env_set_maxdbs")
        self._check(lib.mdb_env_set_mapsize(self.env, 1 << 34), "mdb_env_set_mapsize")
        self._check(lib.mdb_env_open(self.env, path.encode(), 0, 0o600), "mdb_env_open")
        self._check(lib.mdb_txn_begin(self.env, None, 0, ctypes.byref(self.txn)), "txn_begin")

    def _check(self, rc, what):
        if rc != 0:
            fail("%s: %s" % (what, self.lib.mdb_strerror(rc).decode()))

    def _dbi(self, db, flags=0):
        dbi = ctypes.c_uint()
        self._check(self.lib.mdb_dbi_open(self.txn, db.encode(), flags, ctypes.byref(dbi)), db)
        return dbi

    def drop(self, db):
        """Deletes db; a put into it afterwards makes it again, without duplicates."""
        self.lib.mdb_drop.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int]
        self._check(self.lib.mdb_drop(self.txn, self._dbi(db), 1), "drop " + db)

    @staticmethod
    def _val(b):
        buf = ctypes.create_string_buffer(b, len(b))
        return MDBVal(len(b), ctypes.cast(buf, ctypes.c_void_p)), buf

    def get(self, db, key):
        k, _kb = self._val(key)
        v = MDBVal()
        self._check(self.lib.mdb_get(self.txn, self._dbi(db), ctypes.byref(k), ctypes.byref(v)),
                    "get from " + db)
        return ctypes.string_at(v.mv_data, v.mv_size)

    def put(self, db, key, value, dup=False):
        """Puts key -> value into db, made (when it is not there) with fixed-size duplicates
        (MDB_DUPSORT | MDB_DUPFIXED) when dup is true."""
        k, _kb = self._val(key)
        v, _vb = self._val(value)
        flags = 0x40000 | (0x14 if dup else 0)
        self._check(self.lib.mdb_put(self.txn, self._dbi(db, flags), ctypes.byref(k),
                                     ctypes.byref(v), 0), "put into " + db)

    def delete(self, db, key):
        k, _kb = self._val(key)
        self._check(self.lib.mdb_del(self.txn, self._dbi(db), ctypes.byref(k), None),
                    "delete from " + db)

    def first(self, db):
        """The first row of db: (key, value)."""
        lib = self.lib
        lib.mdb_cursor_open.argtypes = [ctypes.c_void_p, ctypes.c_uint,
                                        ctypes.POINTER(ctypes.c_void_p)]
        lib.mdb_cursor_get.argtypes = [ctypes.c_void_p, ctypes.POINTER(MDBVal),
                                       ctypes.POINTER(MDBVal), ctypes.c_uint]
        lib.mdb_cursor_close.argtypes = [ctypes.c_void_p]
        cur = ctypes.c_void_p()
        self._check(lib.mdb_cursor_open(self.txn, self._dbi(db), ctypes.byref(cur)), "cursor")
        k = MDBVal()
        v = MDBVal()
        self._check(lib.mdb_cursor_get(cur, ctypes.byref(k), ctypes.byref(v), 0), "first")
        row = (ctypes.string_at(k.mv_data, k.mv_size), ctypes.string_at(v.mv_data, v.mv_size))
        lib.mdb_cursor_close(cur)
        return row

    def commit(self):
        self._check(self.lib.mdb_txn_commit(self.txn), "txn_commit")
        self.lib.mdb_env_close(self.env)


def flip(data, at):
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


def height_key(h):
    return h.to_bytes(8, "big")


def committed_chain(t):
    """A node with one transfer committed in block h, blocks past it, and the answers it
    gives while its store is intact; the node is stopped."""
    n = start_node(t, conf={"consensus": {"empty_block_interval_ms": 100}})
    c = n.chain
    tx = c.sign(c["alice"], c["bob"], 7, 0, memo="integrity")[0]
    r = n.submit(tx, wait=True)
    eq(r.status, 200, "the transfer commits")
    h = int(r.json["height"])
    n.wait_height(h + 3)
    good = {
        "block": n.get("/api/v1/blocks/%d" % h),
        "next": n.get("/api/v1/blocks/%d" % (h + 1)),
        "tx": n.get("/api/v1/txs/" + r.json["hash"]),
    }
    n.stop()
    return n, h, r.json["hash"], bytes.fromhex(tx), good


def errors_logged(n):
    return [ln for ln in n.log_text().splitlines() if " ERROR " in ln]


def refused(n, path, what):
    """GET path is 500 store_error with exactly one new ERROR line; returns that line."""
    before = len(errors_logged(n))
    assert_error(n.request("GET", path), 500, "store_error", "%s: GET %s" % (what, path))
    new = errors_logged(n)[before:]
    eq(len(new), 1, "%s: one ERROR line for GET %s: %r" % (what, path, new))
    return new[0]


def test_flipped_block_header_byte_is_refused(t):
    # A byte of block h's validators_hash flipped: the header no longer hashes to the block
    # hash stored for h, so every answer about block h (and its transactions) is refused.
    n, h, txh, _, good = committed_chain(t)
    db = Lmdb(n.data_dir)
    block = db.get("blocks", height_key(h))
    at = 1 + 1 + len(n.chain.chain_id) + 8 + 8 + 3 * 32 + 4 + 2 * 32 + 5
    db.put("blocks", height_key(h), flip(block, at))
    db.commit()
    n.start()
    line = refused(n, "/api/v1/blocks/%d" % h, "header")
    check("block %d is damaged" % h in line and "header" in line, "the line names it: " + line)
    refused(n, "/api/v1/blocks/%d/txs" % h, "header")
    refused(n, "/api/v1/txs/" + txh, "header")
    refused(n, "/api/v1/accounts/%s/txs" % n.chain["alice"].address, "header")
    assert_error(n.request("GET", "/api/v1/blocks?limit=100"), 500, "store_error", "the list")
    eq(n.get("/api/v1/blocks/%d" % (h + 1)), good["next"], "the next block is still served")
    eq(n.request("GET", "/health").status, 200, "the node still writes")


def test_flipped_block_body_byte_is_refused(t):
    # A byte inside the transfer's bytes in block h: the header is intact, but the body's
    # tx_root no longer matches it, and the transaction no longer hashes to its hash.
    n, h, txh, tx, good = committed_chain(t)
    db = Lmdb(n.data_dir)
    block = db.get("blocks", height_key(h))
    at = block.find(tx)
    check(at > 0, "the transfer is in block %d" % h)
    db.put("blocks", height_key(h), flip(block, at + len(tx) // 2))
    db.commit()
    n.start()
    line = refused(n, "/api/v1/blocks/%d" % h, "body")
    check("block %d is damaged: its body does not match its header" % h in line, line)
    refused(n, "/api/v1/blocks/%d/txs" % h, "body")
    line = refused(n, "/api/v1/txs/" + txh, "body")
    check(txh in line and "block %d" % h in line, "the line names it: " + line)
    eq(n.get("/api/v1/blocks/%d" % (h + 1)), good["next"], "the next block is still served")


def test_flipped_index_row_bytes_are_refused(t):
    # The transfer's index row (the chain's only one in the set of transactions: its hash's
    # first 8 bytes, then 10 bytes of place) with its height's last byte flipped, then its
    # offset's: GET /txs/{hash} never answers another transaction, or another height, under
    # the hash.
    n, h, txh, _, good = committed_chain(t)
    key = bytes(1)
    for what, at in [("height", 8 + 4), ("offset", 8 + 9)]:
        db = Lmdb(n.data_dir + "/index")
        row = db.get("txs", key)
        eq((len(row), row[:8].hex()), (18, txh[:16]), "a row of format 4")
        db.delete("txs", key)
        db.put("txs", key, flip(row, at))
        db.commit()
        n.start()
        line = refused(n, "/api/v1/txs/" + txh, "index row " + what)
        check(txh in line, "the line names the transaction: " + line)
        eq(n.get("/api/v1/blocks/%d" % h), good["block"], "the block itself is intact")
        n.stop()
        db = Lmdb(n.data_dir + "/index")
        db.delete("txs", key)
        db.put("txs", key, row)
        db.commit()
    n.start()
    eq(n.get("/api/v1/txs/" + txh), good["tx"], "the repaired row answers as before")


def test_flipped_history_row_is_refused(t):
    # Alice's history row (under her address's first 8 bytes) with its height's last byte
    # flipped: her history is refused (503 store_error) with an ERROR line naming her,
    # never another transaction; repaired, it answers as before.
    n, h, txh, _, good = committed_chain(t)
    alice = n.chain["alice"]
    path = "/api/v1/accounts/%s/txs" % alice.address
    n.start()
    hist = n.get(path)
    eq([x["hash"] for x in hist["txs"]], [txh], "alice's history: the transfer")
    n.stop()
    key = bytes.fromhex(alice.pubkey)[:8]
    db = Lmdb(n.data_dir + "/index")
    row = db.get("history", key)
    db.delete("history", key)
    db.put("history", key, flip(row, 4))
    db.commit()
    n.start()
    before = len(errors_logged(n))
    assert_error(n.request("GET", path), 503, "store_error", "the damaged history row")
    new = errors_logged(n)[before:]
    eq(len(new), 1, "one ERROR line: %r" % new)
    check(alice.pubkey in new[0] and "history row" in new[0], "the line names her: " + new[0])
    n.stop()
    db = Lmdb(n.data_dir + "/index")
    db.delete("history", key)
    db.put("history", key, row)
    db.commit()
    n.start()
    eq(n.get(path), hist, "the repaired row answers as before")


def test_old_index_format_is_rebuilt_once(t):
    # An index without a format (the first layout's 12-byte rows) is rebuilt from the
    # blocks at start, with a log line, once; then the transaction is read by its place.
    n, h, txh, _, good = committed_chain(t)
    db = Lmdb(n.data_dir + "/index")
    db.drop("txs")
    db.put("txs", bytes.fromhex(txh), height_key(h) + bytes(4))
    db.delete("meta", b"format")
    db.commit()
    rebuilt_once(n, 1, txh, good, {})


def histories(n):
    """Alice's and Bob's histories, answered by the node (started and stopped here)."""
    n.start()
    hist = {a: n.get("/api/v1/accounts/%s/txs" % n.chain[a].address) for a in ("alice", "bob")}
    n.stop()
    return hist


def rebuilt_once(n, fmt, txh, good, hist):
    """Starts n over an index of format fmt: it is rebuilt once, with its log line, and the
    transfer and the histories in hist answer as before, also after a restart."""
    n.start()
    rebuilt = "the index is of format %d, not 4: rebuilding it from the blocks" % fmt
    eq(n.log_text().count(rebuilt), 1, "the rebuild is logged")
    eq(n.get("/api/v1/txs/" + txh), good["tx"], "the transfer, from the rebuilt index")
    for a in hist:
        eq(n.get("/api/v1/accounts/%s/txs" % n.chain[a].address), hist[a], "the history of " + a)
    n.restart()
    eq(n.log_text().count(rebuilt), 1, "not rebuilt a second time")
    eq(n.get("/api/v1/txs/" + txh), good["tx"], "the transfer after a restart")


def test_format_3_index_is_rebuilt(t):
    # A data directory whose index is of format 3 (13-byte rows: u48 height, u16 index << 1
    # | sent, u24 offset, u16 length, in tables of fixed-size duplicates) is rebuilt at
    # start once, with its log line; the transfer and both accounts' histories then answer
    # as before, from 10-byte rows.
    n, h, txh, tx, good = committed_chain(t)
    c = n.chain
    hist = histories(n)
    db = Lmdb(n.data_dir + "/index")
    row = db.get("txs", bytes(1))  # hash prefix, u40 height, u16 index << 1, u24 offset
    eq(len(row), 18, "a row of format 4")
    old = bytes(1) + row[8:18] + len(tx).to_bytes(2, "big")
    db.drop("txs")
    db.drop("history")
    db.put("txs", bytes(1), row[:8] + old, dup=True)
    for a, sent in (("alice", 1), ("bob", 0)):
        db.put("history", bytes.fromhex(c[a].pubkey)[:8], old[:7] + bytes([old[7] | sent]) +
               old[8:], dup=True)
    db.put("meta", b"format", (3).to_bytes(8, "big"))
    db.commit()
    rebuilt_once(n, 3, txh, good, hist)
    db = Lmdb(n.data_dir + "/index")
    eq(len(db.get("txs", bytes(1))), 18, "rows of format 4 again")
    db.commit()


def test_format_2_index_is_rebuilt(t):
    # A data directory whose index is of format 2 (rows keyed by the whole hash and the
    # whole address, made without duplicates) is rebuilt at start once, with its log line;
    # the transfer and both accounts' histories then answer as before.
    n, h, txh, tx, good = committed_chain(t)
    c = n.chain
    hist = histories(n)
    db = Lmdb(n.data_dir + "/index")
    row = db.get("txs", bytes(1))[8:]  # u40 height, u16 index << 1, u24 offset
    place = (bytes(3) + row[:5] + (int.from_bytes(row[5:7], "big") >> 1).to_bytes(4, "big") +
             bytes(1) + row[7:10] + len(tx).to_bytes(2, "big"))
    db.drop("txs")
    db.drop("history")
    db.put("txs", bytes.fromhex(txh), place)
    for a, sent in (("alice", 1), ("bob", 0)):
        key = bytes.fromhex(c[a].pubkey) + place[:12] + bytes([sent])
        db.put("history", key, bytes.fromhex(txh))
    db.put("meta", b"format", (2).to_bytes(8, "big"))
    db.commit()
    rebuilt_once(n, 2, txh, good, hist)


def test_damaged_block_is_not_served_to_a_syncing_peer(t):
    # A validator whose stored block 3 has a flipped header byte serves a syncing full node
    # blocks 1 and 2 and never block 3 (a peer would get a block that is not the chain's),
    # and its log says why; the full node stays at 2.
    chain = Chain(t, {"alice": 10**12, "bob": 10**12})
    p2p = {"listen": "127.0.0.1:0"}
    v = Node(t, chain, name="v", conf={"p2p": p2p}).start()
    v.wait_height(6)
    v.stop()
    db = Lmdb(v.data_dir)
    block = db.get("blocks", height_key(3))
    db.put("blocks", height_key(3), flip(block, 1 + 1 + len(chain.chain_id) + 8 + 8 + 3))
    db.commit()
    v.start()
    # Started by hand: a node behind its peer answers /health 503 syncing, which start()
    # would wait out.
    full = Node(t, chain, name="full", conf={"p2p": dict(p2p, peers="127.0.0.1:%d"
                                                          % v.p2p_port)}, validator=False)
    full.api_key = full.create_api_key(label="functional tests")
    full.spawn()
    full.wait_ports()
    deadline = time.monotonic() + 20
    while "block 3 is damaged" not in v.log_text():
        check(time.monotonic() < deadline, "the validator never refused block 3: %s"
              % v.log_tail(5))
        time.sleep(0.1)
    time.sleep(1.0)
    eq(full.height(), 2, "the full node has blocks 1 and 2, and not the damaged one")
    check(v.height() > 6, "the validator goes on")


def leaf_id(pubkey_hex):
    """A state trie leaf's row key: its band (2), the account's key, then the bit 256 (docs/ARCHITECTURE.md,
    "The state trie is persisted in LMDB as rows named by their place")."""
    return b"\x02" + bytes.fromhex(pubkey_hex) + (256).to_bytes(2, "big")


def test_flipped_trie_root_row_stops_the_start(t):
    # The trie's first row is its root: any flipped byte of it (its value) no longer hashes
    # to the last header's state root, and the node refuses to start, saying so.
    n, h, _, _, _ = committed_chain(t)
    db = Lmdb(n.data_dir)
    key, val = db.first("trie")
    eq(len(key), 35, "a trie row's key")
    db.put("trie", key, flip(val, len(val) // 2))
    db.commit()
    rc = n.spawn().wait(timeout=20)
    check(rc != 0, "chroomd started on a damaged state trie")
    check("state trie does not match the state root of block" in n.log_text(),
          "the log says why: %s" % n.log_tail(3))


def test_flipped_account_record_or_leaf_is_refused(t):
    # Alice's account record (kept in her state trie leaf row, after the leaf's value hash),
    # then (repaired) the leaf's value hash, one byte flipped: reading her account answers 500
    # store_error with an ERROR line, never a wrong balance; Bob's still reads. A transfer to
    # her then stops the writer rather than commit a block built on a damaged record:
    # submissions answer 503 not_writing, /health 503.
    n, h, _, _, _ = committed_chain(t)
    alice = n.chain["alice"]
    path = "/api/v1/accounts/" + alice.address
    bob_path = "/api/v1/accounts/" + n.chain["bob"].address
    key = leaf_id(alice.pubkey)
    for what in ["record", "value hash"]:
        db_name = "trie"
        db = Lmdb(n.data_dir)
        val = db.get(db_name, key)
        eq(len(val), 32 + 16, "an account's leaf row: value hash and record")
        db.put(db_name, key, flip(val, len(val) - 1 if what == "record" else 0))
        db.commit()
        n.start()
        line = refused(n, path, what)
        check(alice.pubkey in line, "the line names the account: " + line)
        eq(n.request("GET", bob_path).status, 200, "another account still reads")
        if what == "value hash":
            # Her own transfer is refused at admission (her record cannot be read).
            r = n.submit(n.chain.sign(alice, n.chain["bob"], 5, 1)[0])
            eq(r.status, 503, "a transfer from the damaged account: %r" % (r.json,))
            # One to her is admitted; the block that credits her would be built on a record
            # that does not match the trie: the writer stops instead.
            n.submit(n.chain.sign(n.chain["bob"], alice, 5, 0)[0])
            deadline = time.monotonic() + 10
            while n.request("GET", "/health").status == 200 and time.monotonic() < deadline:
                time.sleep(0.1)
            eq(n.request("GET", "/health").status, 503, "the writer stopped")
            assert_error(n.submit(n.chain.sign(n.chain["bob"], alice, 5, 1)[0]), 503,
                         "not_writing", "a submission after the writer stopped")
        n.stop()
        db = Lmdb(n.data_dir)
        db.put(db_name, key, val)
        db.commit()
