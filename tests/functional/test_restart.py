"""Stopping and restarting a node on the same data directory: after SIGTERM and after
SIGKILL in the middle of a stream of transfers, nothing the API reported committed is lost,
supply is conserved, and the chain goes on from where it was."""

import http.client
import os
import shutil
import threading
import time

from node import (assert_error, binary, bond_validator, check, eq, fail, random_address, run,
                  run_ok, start_node, tx_hash)


def snapshot(n, addresses):
    st = n.status()
    accounts = {a: n.account(a) for a in sorted(addresses)}
    return {
        "height": st["latest_height"], "hash": st["latest_block_hash"],
        "time": st["latest_block_time"], "state_root": st["latest_state_root"],
        "txs_total": st["txs_total"], "genesis_hash": st["genesis_hash"],
        "accounts": {a: (v["balance"], v["nonce"]) for a, v in accounts.items()},
    }


def check_continues(n, c, sender, to):
    """A new transfer commits in the next block, which follows the old tip."""
    st = n.status()
    h = int(st["latest_height"])
    nonce = n.nonce(sender.address)
    r = n.submit(c.sign(sender, to, 1, nonce)[0], wait=True)
    eq((r.status, r.json["status"]), (200, "committed"), "a transfer after the restart: %r" % r)
    eq(r.json["height"], str(h + 1), "height of the first block after the restart")
    b = n.get("/api/v1/blocks/%d" % (h + 1))
    eq(b["prev_hash"], st["latest_block_hash"], "the new block follows the old tip")
    if h >= 1:
        eq(b["last_commit"]["block_hash"], st["latest_block_hash"],
           "the new block carries the old tip's commit")


def test_sigterm_restart_keeps_everything(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    carol = random_address()
    first_batch = c.sign(alice, bob, 7, 0, count=5)
    r = n.batch(first_batch, wait=True)
    eq({x["status"] for x in r.json["results"]}, {"committed"}, "first batch")
    r = n.submit(c.sign(bob, carol, 1000, 0)[0], wait=True)
    eq(r.json["status"], "committed", "bob to carol")
    r = n.submit(c.sign(alice, carol, 5, 5)[0], wait=True)
    eq(r.json["status"], "committed", "alice to carol")
    before = snapshot(n, c.addresses)
    blocks = [n.get("/api/v1/blocks/%d" % h) for h in range(1, int(before["height"]) + 1)]
    hashes = [x["hash"] for b in blocks for x in b["txs"]]
    tx_answers = {h: n.get("/api/v1/txs/" + h) for h in hashes}

    eq(n.stop(), 0, "exit status after SIGTERM")
    check("stopping on signal 15" in n.log_text(), "the node logged its stop")
    n.start()
    after = snapshot(n, c.addresses)
    eq(after, before, "state after the restart")
    for b in blocks:
        eq(n.get("/api/v1/blocks/%s" % b["height"]), b, "block %s after the restart" % b["height"])
    for h, ans in tx_answers.items():
        eq(n.get("/api/v1/txs/" + h), ans, "tx %s after the restart" % h[:12])
    eq(n.total_balance(), c.supply, "sum of balances")

    # The chain goes on, and a second restart keeps that too.
    check_continues(n, c, alice, bob)
    check_continues(n, c, bob, carol)
    before = snapshot(n, c.addresses)
    eq(n.stop(), 0, "exit status after the second SIGTERM")
    n.start()
    eq(snapshot(n, c.addresses), before, "state after the second restart")
    # A tx that was already committed is still known as committed, not admitted again; a
    # new tx with an old nonce is refused.
    r = n.submit(first_batch[0])
    eq((r.status, r.json["status"], r.json["height"]), (200, "committed", "1"),
       "resubmitting a tx committed before the restarts")
    r = n.submit(c.sign(alice, bob, 7, 0)[0])
    eq((r.status, r.json["error"]["code"]), (409, "nonce_mismatch"), "an old nonce after restart")
    eq(n.total_balance(), c.supply, "sum of balances")

    # The index (<data_dir>/index: transactions by hash, account histories) is derived from
    # the blocks: deleted, it is rebuilt when the node starts, with the same answers.
    histories = {a: history(n, a) for a in (alice.address, bob.address, carol)}
    eq(n.stop(), 0, "exit status after the third SIGTERM")
    index = os.path.join(n.data_dir, "index")
    check(os.path.isdir(index), "the index lives in %s" % index)
    shutil.rmtree(index)
    n.start()
    check("store: indexing blocks 1.." in n.log_text(), "the start logged the rebuild")
    for h, ans in tx_answers.items():
        eq(n.get("/api/v1/txs/" + h), ans, "tx %s after the index was rebuilt" % h[:12])
    for a, hist in histories.items():
        eq(history(n, a), hist, "history of %s after the index was rebuilt" % a[:16])


def history(n, address):
    """An account's whole history, page by page: [(hash, height, index, direction)]."""
    out, cursor = [], None
    for _ in range(1000):
        path = "/api/v1/accounts/%s/txs?limit=100" % address
        j = n.get(path + ("&cursor=" + cursor if cursor else ""))
        out += [(x["hash"], x["height"], x["index"], x["direction"]) for x in j["txs"]]
        cursor = j["next_cursor"]
        if cursor is None:
            return out
    fail("history of %s: more than 1000 pages" % address)


def test_restart_with_another_genesis_is_refused(t):
    n = start_node(t)
    c = n.chain
    r = n.submit(c.sign(c["alice"], c["bob"], 1, 0)[0], wait=True)
    eq(r.json["status"], "committed", "one tx")
    eq(n.stop(), 0, "exit status")
    # Another genesis (another chain id) on the same data directory.
    other = t.path("other-genesis.json")
    g = [binary("chroom-genesis"), "--file", other]
    run_ok(g + ["init", "--chain-id", "other-chain"])
    bond_validator(other, c.validator, 10)
    n.conf["node"]["genesis_file"] = other
    n._write_conf()
    rc, out, err = run([binary("chroomd"), "--config", n.conf_path], timeout=10)
    eq(rc, 1, "exit status with another genesis")
    check("genesis" in err, "the refusal says why: %r" % err)
    # With the right genesis it starts again, unharmed.
    n.conf["node"]["genesis_file"] = c.genesis
    n.start()
    eq(n.height(), 1, "height")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_sigterm_while_a_request_waits(t):
    # A request waiting for a commit that cannot come (no block for 30 s) still gets an
    # answer when the node is stopped (docs/API.md: wait=commit answers; 503
    # shutting_down exists for this), and the node exits within the wait limit plus a
    # margin. The pending tx is not committed and is gone after the restart.
    n = start_node(t, conf={"consensus": {"block_interval_ms": 30000},
                            "api": {"wait_timeout_ms": 3000}})
    c = n.chain
    tx = c.sign(c["alice"], c["bob"], 1, 0)[0]
    answer = {}

    def waiter():
        try:
            answer["r"] = n.submit(tx, wait=True)
        except (OSError, http.client.HTTPException) as e:
            answer["e"] = e
        answer["at"] = time.monotonic()

    th = threading.Thread(target=waiter)
    th.start()
    deadline = time.monotonic() + 5
    while n.status()["mempool_txs"] != 1:
        check(time.monotonic() < deadline, "the tx never became pending")
        time.sleep(0.02)
    start = time.monotonic()
    eq(n.stop(timeout=10), 0, "exit status")
    took = time.monotonic() - start
    th.join(10)
    check(took < 3 + 2, "SIGTERM took %.1f s with a waiting request" % took)
    n.start()
    eq(n.height(), 0, "no block")
    eq(n.get("/api/v1/txs/" + tx_hash(tx))["status"], "unknown", "the pending tx is gone")
    r = n.submit(tx)
    eq(r.status, 202, "it can be submitted again")
    if "e" in answer:
        fail("the waiting request got no answer: %r %.1f s after SIGTERM (the node took "
             "%.1f s to exit)" % (answer["e"], answer["at"] - start, took))
    r = answer["r"]
    check(r.status in (202, 503), "the waiting request's answer: %r" % r)
    if r.status == 503:
        assert_error(r, 503, "shutting_down", "the waiting request")
    else:
        eq(r.json["status"], "pending", "the waiting request's answer")


def stream(n, txs, batch, record, errors, stop):
    """Submits txs in batches with wait=commit; records every hash the API reports committed
    as {hash: (height, index)}. Ends at the first connection error (the kill)."""
    for i in range(0, len(txs), batch):
        if stop.is_set():
            return
        try:
            r = n.batch(txs[i:i + batch], wait=True, timeout_ms=5000)
        except (OSError, http.client.HTTPException):
            return
        if r.status != 200:
            errors.append("batch at %d: %r" % (i, r))
            return
        for res in r.json["results"]:
            if res["status"] == "committed":
                record[res["hash"]] = (int(res["height"]), res["index"])
            elif res["status"] != "pending":
                errors.append("batch at %d: %r" % (i, res))
                return


def verify_after_kill(n, c, plan, per_sender, amount, recorded):
    """Every tx the API reported committed is committed at the same place; each sender's
    committed txs are exactly a prefix of its nonces and nothing after it is known (the
    mempool does not survive a kill); balances follow; supply is conserved."""
    top = max(h for h, _ in recorded.values())
    # A block decided before the kill may be committed from the WAL just after the start:
    # read once the height has stood still for a few block intervals.
    st = n.status()
    still = time.monotonic()
    while time.monotonic() - still < 0.3:
        time.sleep(0.05)
        again = n.status()
        if again["latest_height"] != st["latest_height"]:
            st, still = again, time.monotonic()
    check(int(st["latest_height"]) >= top, "height %s below a reported commit at %d" %
          (st["latest_height"], top))
    blocks = {}
    for h, (height, index) in sorted(recorded.items(), key=lambda kv: kv[1]):
        g = n.get("/api/v1/txs/" + h, want=None)
        eq((g.get("status"), g.get("height"), g.get("index")), ("committed", str(height), index),
           "tx %s reported committed at %d/%d" % (h[:12], height, index))
        if height not in blocks:
            blocks[height] = n.get("/api/v1/blocks/%d" % height)
        eq(blocks[height]["txs"][index]["hash"], h, "block %d index %d" % (height, index))
    total = 0
    for name, (to, txs) in plan.items():
        acct = n.account(c[name].address)
        nonce = int(acct["nonce"])
        eq(acct["pending_nonce"], acct["nonce"], "%s has nothing pending after the restart" % name)
        for i in range(per_sender):
            if tx_hash(txs[i]) in recorded:
                check(i < nonce, "%s: nonce %d reported committed, account nonce %d" %
                      (name, i, nonce))
        for i in (0, nonce - 1, nonce, per_sender - 1):
            if 0 <= i < per_sender:
                r = n.request("GET", "/api/v1/txs/" + tx_hash(txs[i]))
                want = "committed" if i < nonce else "unknown"
                got = r.json["status"] if r.status == 200 else r.status
                eq(got, want, "%s nonce %d (account nonce %d)" % (name, i, nonce))
        eq(int(acct["balance"]), 10**12 - nonce * (amount + c.fee), "%s's balance" % name)
        eq(n.balance(to), nonce * amount, "%s's recipient's balance" % name)
        # Its history holds every committed transfer once, newest first, whether the index
        # had written it before the kill or rebuilt it from the blocks at the start.
        hist = history(n, to)
        eq([x[0] for x in hist], [tx_hash(txs[i]) for i in range(nonce - 1, -1, -1)],
           "%s's recipient's history" % name)
        total += nonce
    eq(n.balance(c.validator.address) - c.balances[c.validator.address] + n.rewards_held(),
       total * c.fee, "the fees, to block 1's proposer or the rewards")
    eq(st["txs_total"], str(total), "txs_total")
    eq(n.total_balance(), c.supply, "sum of balances after the kill")
    return total


def test_sigkill_mid_stream_loses_nothing_committed(t):
    senders = {"s%d" % i: 10**12 for i in range(4)}
    n = start_node(t, accounts=senders, conf={"consensus": {"block_interval_ms": 30}})
    c = n.chain
    per_sender = 400
    amount = 3
    plan = {}  # sender name -> (recipient, [tx hex in nonce order])
    for name in senders:
        to = random_address()
        plan[name] = (to, c.sign(c[name], to, amount, 0, count=per_sender))
    record = {}
    total = 0
    # Three rounds: stream from where each sender's nonce stands, SIGKILL mid-stream (at a
    # slightly different moment each time), restart, check.
    for cycle, delay in enumerate((0.0, 0.013, 0.029)):
        errors = []
        stop = threading.Event()
        threads = []
        for name, (_, txs) in plan.items():
            nonce = n.nonce(c[name].address)
            threads.append(threading.Thread(target=stream, args=(
                n, txs[nonce:], 10, record, errors, stop)))
        goal = len(record) + 150
        for th in threads:
            th.start()
        try:
            deadline = time.monotonic() + 20
            while len(record) < goal and not errors:
                if time.monotonic() > deadline:
                    fail("round %d: only %d txs committed in 20 s" % (cycle, len(record)))
                if not any(th.is_alive() for th in threads):
                    fail("round %d: the stream ended before the kill" % cycle)
                time.sleep(0.005)
            time.sleep(delay)
            n.kill()  # SIGKILL, in the middle of the stream
        finally:
            stop.set()
            for th in threads:
                th.join(20)
        check(not errors, "round %d: errors in the stream: %s" % (cycle, errors[:3]))
        n.start()
        total = verify_after_kill(n, c, plan, per_sender, amount, dict(record))
    check(total < 4 * per_sender, "the stream ended before the last kill")

    # The chain goes on from its tip, and keeps going across a clean restart.
    for name in senders:
        check_continues(n, c, c[name], plan[name][0])
    eq(n.stop(), 0, "exit status")
    n.start()
    eq(n.total_balance(), c.supply, "sum of balances after the clean restart")
