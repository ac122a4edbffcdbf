"""Transfers through the REST API of one real node: balances, nonces, fees, the error
answers of every kind of refused transaction, reads of transactions, blocks and status."""

import re
import time

from node import (Chain, Node, assert_error, check, eq, fail, random_address, sign, start_node,
                  tx_hash)

HEX64 = re.compile(r"^[0-9a-f]{64}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ADDRESS = re.compile(r"^chr1[02-9ac-hj-np-z]{58}$")


def committed(r, what="tx"):
    """r is a 200 answer with status committed; returns (height, index)."""
    if r.status != 200 or r.json.get("status") != "committed":
        fail("%s: expected HTTP 200 committed, got %r" % (what, r))
    j = r.json
    check(HEX64.match(j["hash"] or ""), "%s: hash %r" % (what, j["hash"]))
    check(isinstance(j["height"], str) and j["height"].isdigit(), "height %r" % j["height"])
    check(isinstance(j["index"], int), "index %r" % j["index"])
    eq(j["error"], None, what + ": error")
    return int(j["height"]), j["index"]


def test_transfer_moves_amount_and_fee_exactly(t):
    n = start_node(t)
    c = n.chain
    alice, bob, val = c["alice"], c["bob"], c.validator.address
    fee = int(n.get("/api/v1/token")["params"]["fee_transfer"])
    eq(fee, 1000, "params.fee_transfer")
    eq(n.get("/api/v1/token")["total_supply"], str(c.supply + c.bonded),
       "total_supply: the liquid balances and the genesis stake")
    a0, b0 = n.balance(alice.address), n.balance(bob.address)
    v0 = n.balance(val)
    r0 = n.rewards_held()
    eq(v0, c.balances[val], "validator balance at genesis: what it keeps beside its stake")
    eq(n.account(alice.address)["nonce"], "0", "alice's nonce at genesis")

    r = n.submit(c.sign(alice, bob, 12345, 0, fee=1500)[0], wait=True)
    committed(r)
    acct = n.account(alice.address)
    eq(int(acct["balance"]), a0 - 12345 - 1500, "alice pays amount + fee")
    eq(acct["nonce"], "1", "alice's nonce")
    eq(acct["pending_nonce"], "1", "alice's pending_nonce")
    eq(n.balance(bob.address), b0 + 12345, "bob gets the amount")
    # A block's fees go to the rewards of the previous block's signers (docs/PROTOCOL.md,
    # "Rewards"); block 1, which has no previous signers, pays them to its proposer.
    eq(n.balance(val) - v0 + n.rewards_held() - r0, 1500, "the fee: to the proposer or rewards")
    eq(n.total_balance(), c.supply, "sum of balances")

    # Back the other way, and to a brand-new account.
    new = random_address()
    committed(n.submit(c.sign(bob, alice, 777, 0)[0], wait=True))
    committed(n.submit(c.sign(alice, new, 1, 1)[0], wait=True))
    eq(n.balance(alice.address), a0 - 12345 - 1500 + 777 - 1 - fee, "alice after three")
    eq(n.balance(bob.address), b0 + 12345 - 777 - fee, "bob after three")
    eq(n.account(new)["balance"], "1", "new account")
    eq(n.account(new)["nonce"], "0", "new account's nonce")
    eq(n.balance(val) - v0 + n.rewards_held() - r0, 1500 + 2 * fee,
       "the fees: to block 1's proposer or the rewards")
    eq(n.total_balance(), c.supply, "sum of balances")
    eq(n.status()["txs_total"], "3", "txs_total")


def test_pending_nonces_in_a_row_commit_in_order(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    committed(n.submit(c.sign(alice, bob, 1, 0)[0], wait=True))
    txs = c.sign(alice, bob, 10, 1, count=5)
    hashes = []
    for i, tx in enumerate(txs):
        r = n.submit(tx)
        check(r.status in (200, 202), "nonce %d: %r" % (i + 1, r))
        check(r.json["status"] in ("pending", "committed"), "nonce %d: %r" % (i + 1, r))
        eq(r.json["hash"], tx_hash(tx), "hash of nonce %d" % (i + 1))
        if r.status == 202:
            eq(r.json["status"], "pending", "202 means pending")
        hashes.append(r.json["hash"])
    places = []
    for h in hashes:
        j = n.wait_tx(h)
        eq(j["status"], "committed", "status of " + h[:16])
        places.append((int(j["height"]), j["index"]))
        eq(j["tx"]["nonce"], str(len(places)), "nonce of the committed tx")
    eq(places, sorted(places), "commit order (height, index) of nonces 1..5")
    eq(len(set(places)), 5, "distinct places")
    acct = n.account(alice.address)
    eq(acct["nonce"], "6", "alice's nonce")
    eq(n.balance(bob.address), 10**12 + 1 + 50, "bob's balance")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_gap_nonce_rejected(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    e = assert_error(n.submit(c.sign(alice, bob, 1, 3)[0]), 409, "nonce_mismatch", "gap at 0")
    eq(e["message"], "nonce: expected 0, got 3", "message")
    committed(n.submit(c.sign(alice, bob, 1, 0)[0], wait=True))
    e = assert_error(n.submit(c.sign(alice, bob, 1, 2)[0]), 409, "nonce_mismatch", "gap at 1")
    eq(e["message"], "nonce: expected 1, got 2", "message")
    # An old nonce (already committed) is a mismatch too.
    e = assert_error(n.submit(c.sign(alice, bob, 2, 0)[0]), 409, "nonce_mismatch", "old nonce")
    eq(e["message"], "nonce: expected 1, got 0", "message")
    eq(n.account(alice.address)["nonce"], "1", "nonce unchanged by refusals")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_same_nonce_different_tx_conflicts_while_pending(t):
    # No block for 30 s: the first transaction stays pending for the whole test.
    n = start_node(t, conf={"consensus": {"block_interval_ms": 30000}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    first = c.sign(alice, bob, 1, 0)[0]
    r = n.submit(first)
    eq(r.status, 202, "first submit status")
    eq(r.json["status"], "pending", "first submit")
    e = assert_error(n.submit(c.sign(alice, bob, 2, 0)[0]), 409, "nonce_conflict",
                     "same nonce, other amount")
    check("0" in e["message"], "message names the nonce: %r" % e["message"])
    # The same bytes again are not a conflict: same hash, still pending.
    r2 = n.submit(first)
    eq((r2.status, r2.json["hash"], r2.json["status"]), (202, tx_hash(first), "pending"),
       "resubmitting the pending tx")
    acct = n.account(alice.address)
    eq((acct["nonce"], acct["pending_nonce"]), ("0", "1"), "nonce, pending_nonce")
    eq(n.status()["mempool_txs"], 1, "mempool_txs")


def test_resubmit_same_tx_is_idempotent(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    tx = c.sign(alice, bob, 5, 0)[0]
    first = n.submit(tx, wait=True)
    place = committed(first, "first submit")
    for i in range(3):
        again = n.submit(tx)
        eq(again.status, 200, "resubmit %d status" % i)
        eq(again.json, first.json, "resubmit %d answer" % i)
        again = n.submit(tx, wait=True)
        eq(committed(again, "resubmit with wait"), place, "place")
    b = n.batch([tx, tx])
    eq(b.status, 200, "batch status")
    for res in b.json["results"]:
        eq((res["hash"], res["status"], res["height"]), (tx_hash(tx), "committed", str(place[0])),
           "batch result of the committed tx")
    eq(n.balance(bob.address), 10**12 + 5, "bob paid once")
    eq(n.account(alice.address)["nonce"], "1", "alice's nonce")
    eq(n.status()["txs_total"], "1", "txs_total")


def test_refused_transactions(t):
    n = start_node(t, accounts={"alice": 10**12, "bob": 10**12, "poor": 5000})
    c = n.chain
    alice, bob, poor = c["alice"], c["bob"], c["poor"]
    # Insufficient funds: 4001 + 1000 > 5000.
    e = assert_error(n.submit(c.sign(poor, bob, 4001, 0)[0]), 400, "insufficient_funds",
                     "insufficient funds")
    eq(e.get("field"), "amount", "field")
    # Exactly the balance is fine.
    committed(n.submit(c.sign(poor, bob, 4000, 0)[0], wait=True))
    eq(n.balance(poor.address), 0, "poor's balance")
    assert_error(n.submit(c.sign(poor, bob, 1, 1)[0]), 400, "insufficient_funds", "empty")
    # Fee below the minimum.
    e = assert_error(n.submit(c.sign(alice, bob, 1, 0, fee=999)[0]), 400, "fee_too_low", "fee")
    eq(e["message"], "fee: minimum 1000, got 999", "fee message")
    # Another chain's id.
    wrong = sign(alice, "some-other-chain", bob.address, 1, 0)[0]
    e = assert_error(n.submit(wrong), 400, "wrong_chain_id", "wrong chain id")
    check(c.chain_id in e["message"], "message names the chain: %r" % e["message"])
    # A flipped byte in the signature (the last 64 bytes).
    good = c.sign(alice, bob, 1, 0)[0]
    sig_at = len(good) - 128 + 10
    flipped = good[:sig_at] + "%02x" % (int(good[sig_at:sig_at + 2], 16) ^ 0x01) + good[sig_at + 2:]
    assert_error(n.submit(flipped), 400, "bad_signature", "flipped signature byte")
    # A flipped byte of the signed content (the amount) also breaks the signature.
    amt_at = len(good) - 128 - 2
    flipped = good[:amt_at] + "%02x" % (int(good[amt_at:amt_at + 2], 16) ^ 0x02) + good[amt_at + 2:]
    assert_error(n.submit(flipped), 400, "bad_signature", "flipped amount byte")
    # Amount + fee past 2^64 - 1.
    for amount, fee in ((18446744073709551615, 1000), (1, 18446744073709551615),
                        (2**63, 2**63)):
        assert_error(n.submit(c.sign(alice, bob, amount, 0, fee=fee)[0]), 400,
                     "insufficient_funds", "amount %d + fee %d" % (amount, fee))
    # To oneself, zero amount.
    assert_error(n.submit(c.sign(alice, alice, 1, 0)[0]), 400, "self_transfer", "self transfer")
    assert_error(n.submit(c.sign(alice, bob, 0, 0)[0]), 400, "bad_amount", "zero amount")
    # Nothing of that changed anything; the good one still goes through.
    eq(n.account(alice.address)["nonce"], "0", "alice's nonce after refusals")
    committed(n.submit(good, wait=True))
    eq(n.total_balance(), c.supply, "sum of balances")


def test_wait_commit_and_tx_reads(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    tx = c.sign(alice, bob, 42, 0, memo="invoice 7")[0]
    r = n.submit(tx, wait=True, timeout_ms=5000)
    height, index = committed(r)
    eq(r.json["hash"], tx_hash(tx), "hash")
    check(height >= 1, "height %d" % height)
    g = n.get("/api/v1/txs/" + r.json["hash"])
    eq((g["status"], g["height"], g["index"]), ("committed", str(height), index), "GET tx")
    want = {"hash": tx_hash(tx), "type": "transfer", "chain_id": c.chain_id,
            "from": alice.address, "to": bob.address, "amount": "42", "fee": "1000",
            "nonce": "0", "expiry_height": "0", "memo": "invoice 7", "signature": tx[-128:]}
    eq(g["tx"], want, "the committed tx object")
    # Upper-case hex of the same hash names the same transaction.
    eq(n.get("/api/v1/txs/" + r.json["hash"].upper())["status"], "committed", "upper-case hash")
    # A hash the node knows nothing of is an answer too: status "unknown", not a 404.
    r = n.request("GET", "/api/v1/txs/" + "AB" * 32)
    eq((r.status, r.json), (200, {"hash": "ab" * 32, "status": "unknown", "height": None,
                                  "index": None, "error": None}), "an unknown hash")
    assert_error(n.request("GET", "/api/v1/txs/" + "ab" * 31), 400, "invalid_argument", "short")
    assert_error(n.request("GET", "/api/v1/txs/" + "zz" * 32), 400, "invalid_argument", "not hex")
    # wait=commit's own arguments.
    tx2 = c.sign(alice, bob, 1, 1)[0]
    assert_error(n.request("POST", "/api/v1/txs?wait=yes", {"tx": tx2}), 400, "invalid_argument",
                 "wait=yes")
    for bad in ("0", "-1", "60001", "1e3", "abc", "010"):
        assert_error(n.request("POST", "/api/v1/txs?wait=commit&timeout_ms=" + bad, {"tx": tx2}),
                     400, "invalid_argument", "timeout_ms=" + bad)
    # Without wait: 202 pending, then committed.
    r = n.submit(tx2)
    check(r.status in (200, 202), "no wait: %r" % r)
    eq(n.wait_tx(r.json["hash"])["status"], "committed", "tx2")


def test_batch_gives_a_result_each(t):
    n = start_node(t, accounts={"alice": 10**12, "bob": 10**12, "poor": 1500})
    c = n.chain
    alice, bob, poor = c["alice"], c["bob"], c["poor"]
    valid = c.sign(alice, bob, 3, 0, count=2)
    txs = [
        valid[0],                                    # ok, nonce 0
        c.sign(alice, bob, 3, 0, fee=10)[0],         # fee too low
        valid[1],                                    # ok, nonce 1
        c.sign(alice, bob, 3, 5)[0],                 # gap
        sign(alice, "another-chain", bob.address, 3, 2)[0],  # wrong chain
        "deadbeef",                                  # not a transaction
        c.sign(poor, bob, 1000, 0)[0],               # insufficient funds
        valid[0],                                    # a repeat of the first
    ]
    r = n.batch(txs, wait=True, timeout_ms=5000)
    eq(r.status, 200, "batch status")
    res = r.json["results"]
    eq(len(res), len(txs), "one result per tx")
    for i in (0, 2, 7):
        eq(res[i]["status"], "committed", "results[%d].status" % i)
        eq(res[i]["hash"], tx_hash(txs[i]), "results[%d].hash" % i)
    eq(res[0]["height"], res[7]["height"], "the repeat has the first's height")
    want = {1: "fee_too_low", 3: "nonce_mismatch", 4: "wrong_chain_id", 6: "insufficient_funds"}
    for i, code in want.items():
        eq(res[i]["status"], "rejected", "results[%d].status" % i)
        eq(res[i]["error"]["code"], code, "results[%d].error.code" % i)
        check(isinstance(res[i]["error"]["message"], str), "results[%d] message" % i)
        eq(res[i]["hash"], tx_hash(txs[i]), "results[%d].hash" % i)
    eq(res[5]["status"], "rejected", "garbage's status")
    eq(res[5]["hash"], None, "garbage has no hash")
    check(res[5]["error"]["code"] in ("bad_version", "truncated"), "garbage code %r" % res[5])
    eq(n.account(alice.address)["nonce"], "2", "alice's nonce")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_blocks_and_status(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    st = n.status()
    eq(st["chain_id"], c.chain_id, "chain_id")
    eq(st["genesis_hash"], c.genesis_hash, "genesis_hash (as chroom-genesis hash prints it)")
    eq(st["latest_height"], "0", "latest_height at genesis")
    eq(st["latest_block_hash"], c.genesis_hash, "latest_block_hash at genesis")
    check(TIME.match(st["latest_block_time"]), "latest_block_time %r" % st["latest_block_time"])
    assert_error(n.request("GET", "/api/v1/blocks/latest"), 404, "not_found", "latest at 0")

    # Block 1 with one tx, block 2 with three.
    committed(n.submit(c.sign(alice, bob, 1, 0)[0], wait=True))
    r = n.batch(c.sign(alice, bob, 1, 1, count=3), wait=True)
    heights = {res["height"] for res in r.json["results"]}
    eq(heights, {"2"}, "the batch commits in block 2")

    b1 = n.get("/api/v1/blocks/1")
    b2 = n.get("/api/v1/blocks/2")
    latest = n.get("/api/v1/blocks/latest")
    eq(latest, b2, "latest is block 2")
    fields = {"height", "hash", "chain_id", "time", "prev_hash", "last_commit_hash", "tx_root",
              "tx_count", "evidence_root", "state_root", "validators_hash", "next_validators_hash",
              "proposer", "txs", "evidence", "last_commit"}
    empty_root = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for b in (b1, b2):
        eq(set(b), fields, "block fields")
        eq((b["evidence"], b["evidence_root"]), ([], empty_root), "no evidence in a lone chain")
        eq(b["chain_id"], c.chain_id, "block chain_id")
        eq(b["tx_count"], len(b["txs"]), "tx_count matches txs")
        eq(b["proposer"], c.validator.address, "proposer")
        check(TIME.match(b["time"]), "block time %r" % b["time"])
        for k in ("hash", "prev_hash", "tx_root", "state_root", "validators_hash",
                  "next_validators_hash"):
            check(HEX64.match(b[k]), "%s %r" % (k, b[k]))
        eq(b["next_validators_hash"], b["validators_hash"], "the genesis set signs the next block")
    eq((b1["height"], b1["tx_count"], b2["height"], b2["tx_count"]), ("1", 1, "2", 3), "counts")
    eq(b1["prev_hash"], c.genesis_hash, "block 1 follows the genesis")
    eq(b2["prev_hash"], b1["hash"], "block 2 follows block 1")
    eq(b1["last_commit"], None, "block 1 carries no commit")
    lc = b2["last_commit"]
    eq((lc["height"], lc["block_hash"]), ("1", b1["hash"]), "block 2 carries block 1's commit")
    eq([s["validator"] for s in lc["signatures"]], [c.validator.address], "commit signers")
    check(b2["time"] > b1["time"], "block times increase")
    eq([x["nonce"] for x in b2["txs"]], ["1", "2", "3"], "txs of block 2 in nonce order")
    st = n.status()
    eq((st["latest_height"], st["latest_block_hash"], st["latest_block_time"],
        st["latest_state_root"]), ("2", b2["hash"], b2["time"], b2["state_root"]), "status tip")
    eq(st["txs_total"], "4", "txs_total")
    for h in ("0", "3", "99999999", "18446744073709551615"):
        assert_error(n.request("GET", "/api/v1/blocks/" + h), 404, "not_found", "block " + h)
    for h in ("-1", "abc", "01", "1.0", "18446744073709551616", "%20"):
        assert_error(n.request("GET", "/api/v1/blocks/" + h), 400, "invalid_argument",
                     "block " + h)


def test_expired_tx_is_refused_with_code_expired(t):
    # A transaction whose expiry_height is below the next block's height can never be
    # included: admission refuses it (400, code "expired", field "expiry_height"), it
    # changes nothing, its nonce stays free, and an expiry at the next height still commits.
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    committed(n.submit(c.sign(alice, bob, 1, 0)[0], wait=True))
    committed(n.submit(c.sign(alice, bob, 1, 1)[0], wait=True))
    eq(n.height(), 2, "height")
    bal = n.balance(alice.address)
    tx = c.sign(alice, bob, 1, 2, expiry=2)[0]
    e = assert_error(n.submit(tx, wait=True, timeout_ms=5000), 400, "expired", "expired tx")
    eq(e.get("field"), "expiry_height", "error field")
    check("expiry_height" in e["message"], "message %r" % e["message"])
    assert_error(n.submit(tx), 400, "expired", "resubmitting the expired tx")
    acct = n.account(alice.address)
    eq((int(acct["balance"]), acct["nonce"], acct["pending_nonce"]), (bal, "2", "2"),
       "alice unchanged")
    eq(n.height(), 2, "no block for the expired tx")
    r = n.submit(c.sign(alice, bob, 1, 2, expiry=3)[0], wait=True)
    eq(committed(r)[0], 3, "commit height of a tx expiring at 3")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_node_reads_unknown_accounts_and_bad_addresses(t):
    n = start_node(t)
    addr = random_address()
    a = n.account(addr)
    eq(a, {"address": addr, "balance": "0", "nonce": "0", "pending_nonce": "0"}, "unknown account")
    for bad in ("chr1", "abc", addr[:-1] + ("q" if addr[-1] != "q" else "p"), addr.upper()[:-1],
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", addr + "q"):
        assert_error(n.request("GET", "/api/v1/accounts/" + bad), 400, "bad_address", bad)
    check(ADDRESS.match(addr), "address form")


def test_pending_tx_reads(t):
    n = start_node(t, conf={"consensus": {"block_interval_ms": 1000}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    committed(n.submit(c.sign(alice, bob, 1, 0)[0], wait=True))  # a block just now
    tx = c.sign(alice, bob, 1, 1)[0]
    r = n.submit(tx)
    eq((r.status, r.json["status"]), (202, "pending"), "submit")
    g = n.get("/api/v1/txs/" + tx_hash(tx))
    eq((g["status"], g["height"], g["index"], g["error"]), ("pending", None, None, None),
       "a pending tx")
    check("tx" not in g, "a pending tx has no tx object: %r" % g)
    st = n.status()
    check(st["mempool_txs"] == 1 and st["mempool_bytes"] == len(tx) // 2,
          "mempool in status: %r, %r" % (st["mempool_txs"], st["mempool_bytes"]))
    eq(n.account(alice.address)["pending_nonce"], "2", "pending_nonce")
    eq(n.wait_tx(tx_hash(tx))["status"], "committed", "later")
    st = n.status()
    eq((st["mempool_txs"], st["mempool_bytes"]), (0, 0), "mempool empty")


def test_blocks_fill_up_to_block_txs_max(t):
    # block_txs_max is a genesis parameter. Txs admitted in one batch before a block is due
    # fill each block up to it. Two cases (see the report): five txs of one account with a
    # limit of 2 take blocks of 2, 2 and 1; four txs of four accounts to four new ones with
    # a limit of 4 take one block.
    problems = []
    for limit, distinct, want in ((2, False, [2, 2, 1]), (4, True, [4])):
        accounts = {"s%d" % i: 10**9 for i in range(4)}
        n = Node(t, Chain(t, accounts, params={"block_txs_max": limit}),
                 name="limit%d" % limit, conf={"consensus": {"block_interval_ms": 200}}).start()
        c = n.chain
        eq(n.get("/api/v1/token")["params"]["block_txs_max"], limit, "params.block_txs_max")
        if distinct:
            txs = [c.sign(c["s%d" % i], random_address(), 1, 0)[0] for i in range(4)]
        else:
            txs = c.sign(c["s0"], c["s1"], 1, 0, count=5)
        r = n.batch(txs, wait=True)
        eq([x["status"] for x in r.json["results"]], ["committed"] * len(txs), "all committed")
        counts = [n.get("/api/v1/blocks/%d" % h)["tx_count"] for h in range(1, n.height() + 1)]
        check(max(counts) <= limit, "a block over block_txs_max: %r" % counts)
        eq(n.total_balance(), c.supply, "sum of balances")
        if counts != want:
            problems.append("block_txs_max %d, %s: txs per block %r, expected %r" % (
                limit, "distinct accounts" if distinct else "one account", counts, want))
        n.stop()
    check(not problems, "; ".join(problems))


def test_empty_blocks(t):
    n = start_node(t, conf={"consensus": {"block_interval_ms": 50,
                                          "empty_block_interval_ms": 200}})
    n.wait_height(3, timeout=5)
    b = n.get("/api/v1/blocks/2")
    eq((b["tx_count"], b["txs"]), (0, []), "an empty block")
    eq(b["prev_hash"], n.get("/api/v1/blocks/1")["hash"], "chained")
    c = n.chain
    r = n.submit(c.sign(c["alice"], c["bob"], 1, 0)[0], wait=True)
    committed(r)
    eq(n.total_balance(), c.supply, "sum of balances")
    # Without empty blocks (the default here) the height stands still with nothing to do.
    n2 = Node(t, Chain(t, {"x": 10}), name="quiet")
    n2.start()
    time.sleep(0.5)
    eq(n2.height(), 0, "height of a chain with nothing to do")
