"""The paginated lists of one real node: an account's transactions (newest first, by
direction), blocks, a block's transactions, and the validator set (in key order). Paging
through a list gives every item exactly once, in order; a tampered cursor or a bad limit is
a 400."""

import re
import urllib.parse
from types import SimpleNamespace

from node import (Chain, Node, address_of_pubkey, assert_error, binary, bond_validator, check,
                  eq, fail, random_pubkey, run_ok, start_node)

HEX64 = re.compile(r"^[0-9a-f]{64}$")
CURSOR = re.compile(r"^[A-Za-z0-9_-]{24}$")
PAGES_MAX = 1000  # a cursor that never ends is a failure, not a hang


def pages(n, path, limit, **params):
    """Follows next_cursor from the first page to the last; returns the pages (their JSON).
    Every page but the last must be full."""
    out = []
    cursor = None
    key = None
    while True:
        q = dict(params, limit=limit)
        if cursor is not None:
            q["cursor"] = cursor
        j = n.get(path + "?" + urllib.parse.urlencode(q))
        key = key or next(k for k in ("txs", "blocks", "validators") if k in j)
        check(isinstance(j[key], list), "%s: %s is a list" % (path, key))
        out.append(j)
        cursor = j["next_cursor"]
        if cursor is None:
            return out
        check(isinstance(cursor, str) and CURSOR.match(cursor), "cursor %r" % cursor)
        eq(len(j[key]), limit, "%s: a page before the last is full" % path)
        check(len(out) < PAGES_MAX, "%s: more than %d pages" % (path, PAGES_MAX))


def items(page_list, key):
    return [it for p in page_list for it in p[key]]


def history_scenario(n):
    """Transfers among alice, bob and carol over four blocks; returns the hashes alice sent
    and received, with {hash: (height, index)} of all."""
    c = n.chain
    alice, bob, carol = c["alice"], c["bob"], c["carol"]
    sent, received = [], []
    batches = [
        (c.sign(alice, bob, 5, 0, count=12), sent),
        (c.sign(bob, alice, 7, 0, count=7) + c.sign(carol, alice, 9, 0, count=3), received),
        (c.sign(alice, carol, 11, 12, count=6), sent),
        (c.sign(alice, bob, 13, 18), sent),
    ]
    where = {}
    for txs, into in batches:
        r = n.batch(txs, wait=True)
        eq(r.status, 200, "batch")
        for res in r.json["results"]:
            eq(res["status"], "committed", "batch result")
            into.append(res["hash"])
            where[res["hash"]] = (int(res["height"]), res["index"])
    return sent, received, where


def check_history(page_list, expect, where, address, what):
    txs = items(page_list, "txs")
    hashes = [t["hash"] for t in txs]
    eq(len(hashes), len(set(hashes)), what + ": no transaction twice")
    eq(set(hashes), set(expect), what + ": every transaction")
    places = [(int(t["height"]), t["index"]) for t in txs]
    eq(places, sorted(places, reverse=True), what + ": newest first")
    for t in txs:
        eq((int(t["height"]), t["index"]), where[t["hash"]], what + ": height and index")
        check(HEX64.match(t["hash"]), "hash")
        d = t["direction"]
        check(d in ("sent", "received"), "direction %r" % d)
        eq(t["tx"]["hash"], t["hash"], what + ": the decoded tx's hash")
        eq(t["tx"]["from" if d == "sent" else "to"], address, what + ": the account's side")


def test_account_txs_pages_newest_first_each_once(t):
    n = start_node(t, accounts={"alice": 10**12, "bob": 10**12, "carol": 10**12})
    alice = n.chain["alice"].address
    sent, received, where = history_scenario(n)
    path = "/api/v1/accounts/%s/txs" % alice
    for limit in (1, 4, 7, 29, 100):
        check_history(pages(n, path, limit), sent + received, where, alice, "limit %d" % limit)
    # The default page is 20; the second page holds the rest.
    j = n.get(path)
    eq(len(j["txs"]), 20, "default limit")
    check(j["next_cursor"] is not None, "more after 20 of 29")
    # A new account has an empty list; an address with no history too.
    empty = n.get("/api/v1/accounts/%s/txs" % n.chain.validator.address)
    eq(empty, {"txs": [], "next_cursor": None}, "the validator sent and received nothing")


def test_account_txs_direction_filter_fills_pages(t):
    n = start_node(t, accounts={"alice": 10**12, "bob": 10**12, "carol": 10**12})
    alice = n.chain["alice"].address
    sent, received, where = history_scenario(n)
    path = "/api/v1/accounts/%s/txs" % alice
    for direction, expect in (("sent", sent), ("received", received),
                              ("both", sent + received)):
        for limit in (1, 3, 5, 50):
            pl = pages(n, path, limit, direction=direction)
            what = "%s, limit %d" % (direction, limit)
            check_history(pl, expect, where, alice, what)
            if direction != "both":
                eq({t["direction"] for t in items(pl, "txs")}, {direction}, what)
    # Bob: received 12 + 1 from alice, sent 7.
    bob = n.chain["bob"].address
    bpath = "/api/v1/accounts/%s/txs" % bob
    eq(len(items(pages(n, bpath, 4, direction="received"), "txs")), 13, "bob received 13")
    eq(len(items(pages(n, bpath, 4, direction="sent"), "txs")), 7, "bob sent 7")
    r = n.request("GET", path + "?direction=incoming")
    eq(assert_error(r, 400, "invalid_argument")["field"], "direction", "field")
    r = n.request("GET", "/api/v1/accounts/chr1nope/txs")
    eq(assert_error(r, 400, "bad_address")["field"], "address", "field")


def tamper(cursor):
    """Every one-character change of a cursor."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(cursor)):
        c = alphabet[(alphabet.index(cursor[i]) + 1) % len(alphabet)]
        yield cursor[:i] + c + cursor[i + 1:]


def test_cursor_tampering_and_limit_bounds(t):
    n = start_node(t, accounts={"alice": 10**12, "bob": 10**12, "carol": 10**12})
    alice = n.chain["alice"].address
    history_scenario(n)
    path = "/api/v1/accounts/%s/txs" % alice
    j = n.get(path + "?limit=2")
    cur = j["next_cursor"]
    check(CURSOR.match(cur or ""), "cursor %r" % cur)
    eq(len(n.get(path + "?limit=2&cursor=" + cur)["txs"]), 2, "the real cursor works")
    bad = list(tamper(cur)) + [cur[:-1], cur + "A", "", "abc", cur.upper(), "=" * 24,
                               cur[:20] + "%2B%2B%2F%2F", "%00" * 24]
    for b in bad:
        r = n.request("GET", path + "?cursor=" + b)
        e = assert_error(r, 400, "invalid_cursor", "cursor %r" % b)
        eq(e["field"], "cursor", "field of a bad cursor")
    # A cursor is bound to its kind of list.
    bcur = n.get("/api/v1/blocks?limit=1")["next_cursor"]
    check(bcur is not None, "blocks have a second page")
    assert_error(n.request("GET", path + "?cursor=" + bcur), 400, "invalid_cursor",
                 "a blocks cursor on an account's list")
    assert_error(n.request("GET", "/api/v1/blocks?cursor=" + cur), 400, "invalid_cursor",
                 "an account cursor on the blocks list")
    assert_error(n.request("GET", "/api/v1/validators?cursor=" + bcur), 400, "invalid_cursor",
                 "a blocks cursor on the validators list")
    for lim in ("0", "101", "-1", "abc", "01", "1.5", "", "18446744073709551617"):
        for p in (path, "/api/v1/blocks", "/api/v1/blocks/1/txs", "/api/v1/validators"):
            r = n.request("GET", p + "?limit=" + lim)
            e = assert_error(r, 400, "invalid_argument", "%s limit %r" % (p, lim))
            eq(e["field"], "limit", "field of a bad limit")
    eq(len(n.get(path + "?limit=100")["txs"]), 29, "limit 100")
    eq(len(n.get(path + "?limit=1")["txs"]), 1, "limit 1")


def test_blocks_list_pages_while_the_chain_grows(t):
    n = start_node(t, conf={"consensus": {"block_interval_ms": 50,
                                          "empty_block_interval_ms": 60}})
    n.wait_height(12)
    first = n.get("/api/v1/blocks?limit=1")
    top = int(first["blocks"][0]["height"])
    pl = pages(n, "/api/v1/blocks", 4)
    heights = [int(b["height"]) for b in items(pl, "blocks")]
    start = heights[0]
    check(start >= top, "the first page starts at the tip")
    eq(heights, list(range(start, 0, -1)), "every block once, newest first")
    # The chain went on growing; the pages did not shift under the cursor.
    check(n.height() >= start, "height")
    for b in items(pl, "blocks")[::5]:
        full = n.get("/api/v1/blocks/" + b["height"])
        del full["txs"], full["evidence"], full["last_commit"]
        eq(b, full, "header of block %s" % b["height"])
    n.wait_height(25)
    j = n.get("/api/v1/blocks")
    eq(len(j["blocks"]), 20, "default limit")
    cur = j["next_cursor"]
    page2 = n.get("/api/v1/blocks?limit=100&cursor=" + cur)
    eq(int(page2["blocks"][0]["height"]), int(j["blocks"][-1]["height"]) - 1,
       "the next page starts below the last one")


def test_block_txs_pages_in_block_order(t):
    n = start_node(t, conf={"consensus": {"block_interval_ms": 300}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    r = n.batch(c.sign(alice, bob, 3, 0, count=23), wait=True)
    eq(r.status, 200, "batch")
    heights = {res["height"] for res in r.json["results"]}
    eq(len(heights), 1, "one block holds the batch")
    h = heights.pop()
    block = n.get("/api/v1/blocks/" + h)
    path = "/api/v1/blocks/%s/txs" % h
    for limit in (1, 5, 23, 100):
        pl = pages(n, path, limit)
        txs = items(pl, "txs")
        eq([t["index"] for t in txs], list(range(23)), "limit %d: indexes in order" % limit)
        eq([dict(t, index=None) for t in txs], [dict(t, index=None) for t in block["txs"]],
           "limit %d: the block's transactions" % limit)
        for p in pl:
            eq(p["height"], h, "height")
            eq(p["tx_count"], 23, "tx_count")
    cur = n.get(path + "?limit=5")["next_cursor"]
    other = n.get("/api/v1/blocks?limit=1")["blocks"][0]["height"]
    if other == h:
        r = n.batch(c.sign(alice, bob, 3, 23), wait=True)
        other = r.json["results"][0]["height"]
    r = n.request("GET", "/api/v1/blocks/%s/txs?cursor=%s" % (other, cur))
    assert_error(r, 400, "invalid_cursor", "a cursor of another block")
    for bad, status in (("0", 404), ("99999", 404), ("latest", 400), ("abc", 400),
                        ("01", 400)):
        r = n.request("GET", "/api/v1/blocks/%s/txs" % bad)
        eq(assert_error(r, status, None, "height %r" % bad)["field"], "height", "field")


def test_validators(t):
    n = start_node(t)
    v = n.chain.validator
    j = n.get("/api/v1/validators")
    genesis_set = [{"address": v.address, "public_key": v.pubkey, "power": "10"}]
    eq(j, {"height": "1", "validators": genesis_set, "total_power": "10", "next_cursor": None},
       "the genesis validator set, which signs block 1")
    # A set by height: the genesis set up to the tip + 2, nothing decided beyond.
    eq(n.get("/api/v1/validators?height=2")["validators"], genesis_set, "the set of height 2")
    e = assert_error(n.request("GET", "/api/v1/validators?height=3"), 404, "not_found",
                     "height 3 at tip 0")
    for bad in ("0", "x", "-1", "18446744073709551616"):
        e = assert_error(n.request("GET", "/api/v1/validators?height=" + bad), 400,
                         "invalid_argument", "height %r" % bad)
        eq(e["field"], "height", "field")
    r = n.request("POST", "/api/v1/validators", {})
    assert_error(r, 405, "method_not_allowed")
    if "allow" not in r.headers:
        fail("405 without Allow")


def test_validators_pages_in_key_order(t):
    # 25 validators (the node then waits for consensus and makes no block, but serves): every
    # page size gives each once, in key order, with the whole set's total power on every page.
    c = Chain(t, {"alice": 10**12})
    want = {c.validator.pubkey: 10}
    for i in range(24):
        pk = random_pubkey()
        want[pk] = 1000 + i
        bond_validator(c.genesis, SimpleNamespace(address=address_of_pubkey(pk), pubkey=pk),
                       1000 + i, c.power_unit)
    n = Node(t, c).start()
    total = str(sum(want.values()))
    for limit in (1, 7, 24, 25, 100):
        pl = pages(n, "/api/v1/validators", limit)
        vs = items(pl, "validators")
        eq([v["public_key"] for v in vs], sorted(want), "limit %d: every key once, in order" % limit)
        eq({v["public_key"]: int(v["power"]) for v in vs}, want, "limit %d: powers" % limit)
        eq({p["total_power"] for p in pl}, {total}, "limit %d: total_power on every page" % limit)
    eq(len(n.get("/api/v1/validators")["validators"]), 20, "default limit")
    # A cursor names a position in key order: the one at twelve zero bytes (made by hand
    # as docs/API.md describes cursors) starts at the first key.
    j = n.get("/api/v1/validators?limit=2&cursor=AXYAAAAAAAAAAAAAAAAROnJN")
    eq([v["public_key"] for v in j["validators"]], sorted(want)[:2], "from position 0")
    # The cursor is bound to this list, and checked like every other.
    cur = n.get("/api/v1/validators?limit=3")["next_cursor"]
    check(CURSOR.match(cur or ""), "cursor %r" % cur)
    for b in list(tamper(cur))[:8] + [cur[:-1], "abc"]:
        e = assert_error(n.request("GET", "/api/v1/validators?cursor=" + b), 400,
                         "invalid_cursor", "cursor %r" % b)
        eq(e["field"], "cursor", "field")
    assert_error(n.request("GET", "/api/v1/blocks?cursor=" + cur), 400, "invalid_cursor",
                 "a validators cursor on the blocks list")
    assert_error(n.request("GET", "/api/v1/accounts/%s/txs?cursor=%s" % (c["alice"].address, cur)),
                 400, "invalid_cursor", "a validators cursor on an account's list")
