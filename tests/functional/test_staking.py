"""Staking on a real node: the genesis validator is a bonded stake; a second account makes a
validator with chroom-wallet, another delegates, redelegates and undelegates with it (and
offline, tx build / tx sign / tx broadcast); the REST answers (validators, delegations,
entries, supply, params, transactions' staking fields) and a delegation's proof, checked
here from docs/PROTOCOL.md alone."""

import hashlib
import json
import time

from node import assert_error, check, eq, keygen, run, start_node, wallet_cmd
from test_events import open_stream, read_events
from test_light_client import proof_root
from test_state_objects import state_key

UNIT = 10**6


def w(n, *args, key=None, json_out=False):
    extra = ["--key-file", key.path] if key is not None else []
    return run(wallet_cmd(*args, *extra, node=n.url, json_out=json_out, api_key=n.api_key))


def ok(n, *args, key=None, json_out=False):
    rc, out, err = w(n, *args, key=key, json_out=json_out)
    eq(rc, 0, "chroom-wallet %s (stderr %r)" % (" ".join(map(str, args)), err))
    return json.loads(out) if json_out else out


def committed(out, what):
    check("committed" in out, "%s: %r" % (what, out))


def validator(n, addr):
    return n.get("/api/v1/staking/validators/%s" % addr)


def test_genesis_validator_is_bonded_stake(t):
    # Proves the genesis set is stake: the genesis validator is bonded with its self-bond
    # (10 power units, power 10), the consensus set shows the same power, its self-delegation
    # is there, the supply counts it bonded (liquid = the balances), the operator's account
    # was debited, and GET /api/v1/params lists every genesis parameter.
    n = start_node(t)
    c = n.chain
    v = validator(n, c.validator.address)
    eq((v["operator"], v["consensus_key"], v["stake"], v["power"], v["status"], v["jailed"],
        v["tombstoned"], v["created_height"]),
       (c.validator.address, c.validator.pubkey, str(10 * UNIT), "10", "bonded", False, False,
        "0"), "the genesis validator")
    eq(n.get("/api/v1/validators")["validators"][0]["power"], "10", "the consensus set")
    lst = n.get("/api/v1/staking/validators")
    eq(([x["operator"] for x in lst["validators"]], lst["next_cursor"]),
       ([c.validator.address], None), "the list")
    d = n.get("/api/v1/staking/validators/%s/delegations" % c.validator.address)
    eq(d["delegations"], [{"delegator": c.validator.address, "validator": c.validator.address,
                           "shares": str(10 * UNIT), "amount": str(10 * UNIT)}],
       "the self-delegation")
    s = n.get("/api/v1/supply")
    eq((s["total"], s["liquid"], s["bonded"], s["unbonding"], s["minted"], s["burned"]),
       (str(c.supply + c.bonded), str(c.supply), str(c.bonded), "0", "0", "0"), "the supply")
    eq(n.balance(c.validator.address), c.balances[c.validator.address], "the operator debited")
    with open(c.genesis) as f:
        eq(n.get("/api/v1/params")["params"], json.load(f)["params"], "params as in genesis")
    assert_error(n.request("GET", "/api/v1/staking/validators/%s" % c["alice"].address), 404,
                 "not_found", "not a validator")
    assert_error(n.request("GET", "/api/v1/staking/validators/chr1xyz"), 400,
                 "bad_address", "a bad address")


def test_wallet_staking_flow(t):
    # Proves the wallet's staking commands on a live chain and the REST answers they lead
    # to: bob creates a validator (power 1, so the genesis validator keeps > 2/3), alice
    # stakes 3 CHR with it, redelegates 1 to the genesis validator, unstakes 0.5 from
    # there; each list and the supply follow; her delegation comes with a proof checked
    # here; a staking transaction renders its own fields; an edit changes the moniker; and
    # tx build / tx sign / tx broadcast sign a delegation offline.
    n = start_node(t, conf={"store": {"state_versions_kept": 16}})
    c = n.chain
    alice, bob, val0 = c["alice"], c["bob"], c.validator.address
    cons = keygen(t, "bob-consensus")
    out = ok(n, "validator", "create", cons.pubkey, "1", "--moniker", "bob's", "--commission",
             "50000", "--wait", key=bob)
    committed(out, "validator create")
    v = validator(n, bob.address)
    eq((v["consensus_key"], v["stake"], v["power"], v["moniker"], v["commission"]["rate_ppm"]),
       (cons.pubkey, str(UNIT), "1", "bob's", 50000), "bob's validator")
    eq(v["status"], "bonded", "bob's validator entered the set")
    eq(len(n.get("/api/v1/staking/validators")["validators"]), 2, "two validators")
    # The block that decided the new set has a validator_set event after its transactions.
    h = int(n.get("/api/v1/txs/%s" % out.split()[0])["height"])
    conn, r = open_stream(n, "/api/v1/events?from_height=%d" % h)
    evs = read_events(r, lambda e: any(x["event"] == "validator_set" for x in e))
    conn.close()
    sets = [x for x in evs if x["event"] == "validator_set"]
    check(sets, "a validator_set event: %r" % evs[:3])
    eq((sets[0]["id"], sets[0]["data"]["height"], sets[0]["data"]["from_height"],
        sets[0]["data"]["validators"], sets[0]["data"]["total_power"]),
       ("%d-2" % h, str(h), str(h + 2), 2, "11"), "the set event of bob's block")

    committed(ok(n, "stake", bob.address, "3", "--wait", key=alice), "stake")
    committed(ok(n, "redelegate", bob.address, val0, "1", "--wait", key=alice), "redelegate")
    committed(ok(n, "unstake", val0, "0.5", "--wait", key=alice), "unstake")
    mine = ok(n, "delegations", alice.address, json_out=True)
    eq(sorted((d["validator"], d["amount"]) for d in mine["delegations"]),
       sorted([(bob.address, str(2 * UNIT)), (val0, str(UNIT // 2))]), "alice's delegations")
    eq(mine["next_cursor"], None, "one page")
    page = n.get("/api/v1/accounts/%s/delegations?limit=1" % alice.address)
    eq(len(page["delegations"]), 1, "limit 1")
    rest = n.get("/api/v1/accounts/%s/delegations?cursor=%s" % (alice.address,
                                                                page["next_cursor"]))
    eq(len(rest["delegations"]) + 1, 2, "the cursor continues the list")
    of_bob = n.get("/api/v1/staking/validators/%s/delegations" % bob.address)["delegations"]
    eq(sorted(d["delegator"] for d in of_bob), sorted([alice.address, bob.address]),
       "bob's validator's delegators")
    unb = n.get("/api/v1/accounts/%s/unbondings" % alice.address)["unbondings"]
    eq([(u["validator"], u["amount"], u["initial"]) for u in unb],
       [(val0, str(UNIT // 2), str(UNIT // 2))], "alice's unbonding")
    red = n.get("/api/v1/accounts/%s/redelegations" % alice.address)["redelegations"]
    eq([(r["src_validator"], r["dst_validator"], r["amount"]) for r in red],
       [(bob.address, val0, str(UNIT))], "alice's redelegation")
    eq(n.get("/api/v1/accounts/%s/unbondings" % bob.address)["unbondings"], [], "none of bob's")
    s = n.get("/api/v1/supply")
    eq(int(s["liquid"]) + int(s["bonded"]) + int(s["unbonding"]) + int(s["rewards_pending"]) +
       int(s["treasury"]), int(s["total"]), "the parts")
    eq((s["bonded"], s["unbonding"]), (str(c.bonded + UNIT + 3 * UNIT - UNIT // 2),
                                       str(UNIT // 2)), "bonded and unbonding")

    # Her delegation with bob, proved against the tip's state root.
    r = n.get("/api/v1/accounts/%s/delegations/%s?prove=true" % (alice.address, bob.address))
    eq((r["delegator"], r["validator"], r["amount"]), (alice.address, bob.address,
                                                       str(2 * UNIT)), "the delegation")
    p = r["proof"]
    key = state_key(3, bytes.fromhex(alice.pubkey + bob.pubkey))
    eq(p["key"], key, "the delegation's state key")
    value = bytes.fromhex(p["value"])
    eq(int.from_bytes(value[:8], "big"), 2 * UNIT, "the value's shares")
    root, present = proof_root(key, p["proof"])
    check(present, "proved present")
    eq(root.hex(), p["state_root"], "the proof leads to the state root")
    leaf = bytes.fromhex(p["proof"])[34 + 32:34 + 64]
    eq(leaf, hashlib.sha256(value).digest(), "the leaf is the value's hash")
    blk = n.get("/api/v1/blocks/%s" % p["height"])
    eq(blk["state_root"], p["state_root"], "that block's root")
    eq(hashlib.sha256(bytes.fromhex(p["header"])).hexdigest(), blk["hash"], "its header")

    # Transactions render their own fields.
    hist = n.get("/api/v1/accounts/%s/txs" % alice.address)["txs"]
    by_type = {x["tx"]["type"]: x["tx"] for x in hist}
    eq(by_type["delegate"]["staking"], {"validator": bob.address, "amount": str(3 * UNIT)},
       "a delegation's fields")
    eq(by_type["redelegate"]["staking"], {"src_validator": bob.address, "dst_validator": val0,
                                          "amount": str(UNIT)}, "a redelegation's fields")

    committed(ok(n, "validator", "edit", "--moniker", "bob two", "--wait", key=bob), "edit")
    eq(validator(n, bob.address)["moniker"], "bob two", "the edit")
    shown = ok(n, "validator", "show", bob.address, json_out=True)
    eq(shown["moniker"], "bob two", "validator show --json")
    listed = ok(n, "validator", "list", "--limit", "1", json_out=True)
    check(len(listed["validators"]) == 1 and listed["next_cursor"], "validator list pages")

    # Offline: build, sign, broadcast a delegation.
    unsigned = t.path("delegate.json")
    signed = t.path("delegate.signed.json")
    acct = n.account(alice.address)
    ok(n, "tx", "build", "--type", "delegate", "--from", alice.address, "--validator",
       bob.address, "--amount", "0.25", "--chain-id", c.chain_id, "--fee", "0.001", "--nonce",
       acct["nonce"], "--out", unsigned)
    body = json.load(open(unsigned))
    eq((body["type"], body["validator"], body["amount"]), ("delegate", bob.address,
                                                          str(UNIT // 4)), "the file")
    ok(n, "tx", "sign", unsigned, "--out", signed, key=alice)
    committed(ok(n, "tx", "broadcast", signed, "--wait"), "broadcast")
    mine = n.get("/api/v1/accounts/%s/delegations/%s" % (alice.address, bob.address))
    eq(mine["amount"], str(2 * UNIT + UNIT // 4), "the offline delegation")


def test_staking_refusals(t):
    # Proves the wallet and the routes refuse what is wrong: staking with a non-validator
    # fails on the chain (no_validator), a redelegation to the same validator and a bad
    # consensus key are usage errors, a tampered key cursor is invalid_cursor.
    n = start_node(t)
    c = n.chain
    alice = c["alice"]
    rc, out, err = w(n, "stake", c["bob"].address, "1", "--wait", key=alice)
    eq(rc, 1, "stake with a non-validator (stderr %r, out %r)" % (err, out))
    rc, out, err = w(n, "redelegate", c.validator.address, c.validator.address, "1", key=alice)
    eq(rc, 2, "a redelegation to the same validator")
    rc, out, err = w(n, "validator", "create", "00" * 32, "1", "--moniker", "x", key=alice)
    eq(rc, 2, "an invalid consensus key")
    page = n.get("/api/v1/staking/validators?limit=1")
    eq(page["next_cursor"], None, "one validator, one page")
    for bad in ("abc", "A" * 52, "AgEA"):
        assert_error(n.request("GET", "/api/v1/staking/validators?cursor=" + bad), 400,
                     "invalid_cursor", "cursor %r" % bad)


def test_offline_signing_of_every_staking_type(t):
    # Proves tx build --type and tx sign work offline (no node: --chain-id, --fee and
    # --nonce given, an unreachable --node) for every staking type, that the files hold the
    # documented fields, that tx sign refuses an unknown field, and that the node commits
    # every signed one in turn (its decoding and signature check are the proof).
    n = start_node(t)
    c = n.chain
    alice, val0 = c["alice"], c.validator.address
    cons = keygen(t, "alice-consensus")
    common = ["--from", alice.address, "--chain-id", c.chain_id, "--fee", "0.001"]
    builds = [
        (["--type", "create_validator", "--consensus-key", cons.pubkey, "--amount", "2",
          "--moniker", "alice", "--website", "https://a.example", "--commission", "70000"],
         {"consensus_key": cons.pubkey, "amount": str(2 * UNIT), "moniker": "alice",
          "website": "https://a.example", "details": "", "commission_ppm": 70000,
          "commission_max_ppm": 200000, "commission_change_max_ppm": 10000,
          "min_self_bond": str(UNIT)}),
        (["--type", "edit_validator", "--details", "hello"], {"details": "hello"}),
        (["--type", "delegate", "--validator", val0, "--amount", "3"],
         {"validator": val0, "amount": str(3 * UNIT)}),
        (["--type", "redelegate", "--src", val0, "--dst", alice.address, "--amount", "1"],
         {"src_validator": val0, "dst_validator": alice.address, "amount": str(UNIT)}),
        (["--type", "undelegate", "--validator", alice.address, "--amount", "1"],
         {"validator": alice.address, "amount": str(UNIT)}),
    ]
    offline = "http://127.0.0.1:9"
    for nonce, (args, fields) in enumerate(builds):
        path = t.path("tx%d.json" % nonce)
        rc, out, err = run(wallet_cmd("tx", "build", *common, "--nonce", nonce, *args,
                                      "--out", path, node=offline))
        eq(rc, 0, "tx build %s offline (stderr %r)" % (args[1], err))
        body = json.load(open(path))
        eq({k: body[k] for k in fields}, fields, "%s: the file's fields" % args[1])
        eq((body["type"], body["from"], body["nonce"], body["fee"]),
           (args[1], alice.address, str(nonce), "1000"), "%s: the common fields" % args[1])
        signed = t.path("tx%d.signed.json" % nonce)
        rc, out, err = run(wallet_cmd("tx", "sign", path, "--out", signed, "--key-file",
                                      alice.path, node=offline))
        eq(rc, 0, "tx sign %s offline (stderr %r)" % (args[1], err))
        committed(ok(n, "tx", "broadcast", signed, "--wait"), "broadcast " + args[1])
    v = validator(n, alice.address)
    eq((v["moniker"], v["details"], v["website"]), ("alice", "hello", "https://a.example"),
       "created and edited offline")
    unb = n.get("/api/v1/accounts/%s/unbondings" % alice.address)["unbondings"]
    eq([u["amount"] for u in unb], [str(UNIT)], "the offline undelegation")
    bad = json.load(open(t.path("tx2.json")))
    bad["extra"] = "1"
    with open(t.path("bad.json"), "w") as f:
        json.dump(bad, f)
    rc, out, err = run(wallet_cmd("tx", "sign", t.path("bad.json"), "--key-file", alice.path,
                                  node=offline))
    eq(rc, 4, "an unknown field is refused (stderr %r)" % err)
    check("extra" in err, "the field is named: %r" % err)


def test_slash_and_jail_events(t):
    # Proves a double signing's slash reaches GET /api/v1/events from the state: the block
    # that committed the evidence has, after its transactions and its new set, a "slash"
    # (ids tx_count + 2) and a "jail" (+ 3) event of the offender, the same on two nodes and
    # again after a node restarts (read back from the stored record); resuming with the
    # slash's id as Last-Event-ID gives the jail next; the offender's account filter keeps
    # them; its validator row shows the jail, the tombstone and its missed-block window.
    from test_consensus import committed_evidence, double_sign, testnet, wait_all
    chain, vals, nodes = testnet(t)
    wait_all(nodes, 3)
    bad = vals[3].address
    eq(double_sign(chain, vals[3], nodes[0].p2p_port, 2), ["sent", "kept"], "evidence")
    deadline = time.monotonic() + 30
    while not validator(nodes[0], bad)["tombstoned"]:
        check(time.monotonic() < deadline, "the offender was never slashed")
        time.sleep(0.2)
    h = int(committed_evidence(nodes[0])[0]["committed_height"])
    txc = int(nodes[0].get("/api/v1/blocks/%d" % h)["tx_count"])
    v = validator(nodes[0], bad)
    window = nodes[0].get("/api/v1/params")["params"]["signed_blocks_window"]
    eq((v["jailed"], v["tombstoned"], v["stake"], v["signed_blocks_window"]),
       (True, True, str(10 * UNIT - 10 * UNIT * 5 // 100), window), "the offender's row")
    check(isinstance(v["missed_blocks"], int), "missed_blocks: %r" % v)
    check(0 <= v["missed_blocks"] <= v["window_counted"] <= window, "the window's counts: %r" % v)

    def staking_events(n, path, last_id=None):
        conn, r = open_stream(n, path, last_id=last_id)
        evs = read_events(r, lambda e: any(x["event"] == "jail" for x in e))
        conn.close()
        # Only the fields of an event (the raw reader may see chunked framing's lines).
        return [{k: x[k] for k in ("id", "event", "data")} for x in evs
                if x["event"] in ("slash", "jail")]

    want = [
        {"id": "%d-%d" % (h, txc + 2), "event": "slash",
         "data": {"height": str(h), "validator": bad, "reason": "double_sign",
                  "fraction_ppm": 50000, "burned": str(10 * UNIT * 5 // 100)}},
        {"id": "%d-%d" % (h, txc + 3), "event": "jail",
         "data": {"height": str(h), "validator": bad, "reason": "double_sign",
                  "jailed_until": None, "tombstoned": True}},
    ]
    # The record the events are read from, as any state object.
    rec = nodes[0].get("/api/v1/state/slash_record/%016x0000" % h)
    value = bytes.fromhex(rec["value"])
    eq((len(value), value[0], value[53], int.from_bytes(value[37:45], "big")),
       (54, 1, 1, 10 * UNIT * 5 // 100), "the slash record (docs/PROTOCOL.md)")
    path = "/api/v1/events?from_height=%d" % h
    eq(staking_events(nodes[0], path), want, "node 0's slash and jail")
    eq(staking_events(nodes[1], path), want, "node 1's, the same")
    eq(staking_events(nodes[1], "/api/v1/events?account=%s&from_height=%d" % (bad, h)), want,
       "the offender's stream")
    eq(staking_events(nodes[1], "/api/v1/events", last_id=want[0]["id"]), want[1:],
       "resumed after the slash")
    nodes[1].stop()
    nodes[1].start()
    eq(staking_events(nodes[1], path), want, "after a restart")


def test_rewards_withdraw_and_unjail(t):
    # Proves pending rewards end to end through the real wallet: after alice stakes with the
    # genesis validator and a fee is paid, `rewards --json` (the REST answer) shows what she
    # would be paid, the same as her delegation row's pending_rewards, and the operator's
    # answer its commission; `rewards withdraw` (no validator: every one) then pays exactly
    # that (her balance rises by it less the fee). tx build --type withdraw_rewards|unjail
    # write the documented files, which sign offline. A validator jailed for its self-bond
    # leaves jail with `validator unjail`, and that block has an unjail event.
    n = start_node(t)
    c = n.chain
    alice, bob, val0 = c["alice"], c["bob"], c.validator.address
    committed(ok(n, "stake", val0, "3", "--wait", key=alice), "stake")
    committed(ok(n, "send", bob.address, "1", "--wait", key=alice), "a fee to share")
    r = ok(n, "rewards", alice.address, json_out=True)
    eq(r, n.get("/api/v1/accounts/%s/rewards" % alice.address), "rewards --json is the answer")
    eq(([x["validator"] for x in r["rewards"]], r["commission"], r["next_cursor"],
        r["address"]), ([val0], None, None, alice.address), "one validator, not an operator")
    pending = int(r["rewards"][0]["pending"])
    check(pending > 0, "a reward is pending: %r" % r)
    eq(r["total"], str(pending), "the total")
    d = n.get("/api/v1/accounts/%s/delegations" % alice.address)["delegations"]
    eq(d[0]["pending_rewards"], str(pending), "the delegation's pending_rewards")
    op = n.get("/api/v1/accounts/%s/rewards" % val0)
    check(op["commission"] is not None and int(op["commission"]) > 0,
          "the operator's commission: %r" % op)
    before = n.balance(alice.address)
    out = ok(n, "rewards", "withdraw", "--wait", key=alice)
    committed(out, "rewards withdraw")
    fee = int(n.get("/api/v1/txs/%s" % out.split()[0])["tx"]["fee"])
    eq(n.balance(alice.address), before + pending - fee, "paid exactly what was pending")

    # Offline files of the two types.
    offline = "http://127.0.0.1:9"
    common = ["--from", alice.address, "--chain-id", c.chain_id, "--fee", "0.001", "--nonce", "7"]
    for args, fields in ((["--type", "withdraw_rewards"], {"validator": None}),
                         (["--type", "withdraw_rewards", "--validator", val0],
                          {"validator": val0}),
                         (["--type", "unjail"], {})):
        path = t.path("offline.json")
        rc, _, err = run(wallet_cmd("tx", "build", *common, *args, "--out", path, node=offline))
        eq(rc, 0, "tx build %s (stderr %r)" % (args, err))
        body = json.load(open(path))
        extra = set(body) - {"type", "chain_id", "from", "fee", "nonce", "expiry_height", "memo"}
        eq(({k: body[k] for k in extra}, body["type"]), (fields, args[1]), "%s's file" % args)
        rc, _, err = run(wallet_cmd("tx", "sign", path, "--out", t.path("offline.signed.json"),
                                    "--key-file", alice.path, node=offline))
        eq(rc, 0, "tx sign %s (stderr %r)" % (args, err))

    # Jailed for its self-bond, bob's validator comes back with validator unjail.
    cons = keygen(t, "bob-consensus")
    committed(ok(n, "validator", "create", cons.pubkey, "2", "--moniker", "bob", "--wait",
                 key=bob), "validator create")
    committed(ok(n, "unstake", bob.address, "1.5", "--wait", key=bob), "unstake")
    eq(validator(n, bob.address)["jailed"], True, "jailed under its min_self_bond")
    row = validator(n, bob.address)
    shown = ok(n, "validator", "show", bob.address)
    check("missed_blocks  %d of a %d-commit window" % (row["missed_blocks"],
                                                       row["signed_blocks_window"]) in shown,
          "validator show's liveness line: %r" % shown)
    committed(ok(n, "stake", bob.address, "1", "--wait", key=bob), "stake back")
    out = ok(n, "validator", "unjail", "--wait", key=bob)
    committed(out, "validator unjail")
    eq(validator(n, bob.address)["jailed"], False, "out of jail")
    tx = n.get("/api/v1/txs/%s" % out.split()[0])
    h, index = int(tx["height"]), tx["index"]
    txc = int(n.get("/api/v1/blocks/%d" % h)["tx_count"])
    conn, resp = open_stream(n, "/api/v1/events?from_height=%d" % h)
    evs = read_events(resp, lambda e: any(x["event"] == "unjail" for x in e))
    conn.close()
    got = [{k: x[k] for k in ("id", "event", "data")} for x in evs if x["event"] == "unjail"]
    eq(got, [{"id": "%d-%d" % (h, txc + 2), "event": "unjail",
              "data": {"height": str(h), "validator": bob.address, "tx": out.split()[0],
                       "index": index}}], "the unjail event")


def test_rewards_withdraw_all_within_the_ledgers_limit(t):
    # Proves `rewards withdraw` without a validator stays within the ledger's per-transaction
    # limit (3 validators): with 4 delegations it is a usage error (exit 2) naming the way
    # out, and nothing is signed or sent (the nonce stays); naming a validator then works.
    n = start_node(t)
    c = n.chain
    alice = c["alice"]
    vals = [c.validator.address]
    for i in range(3):
        k = keygen(t, "op%d" % i)
        committed(ok(n, "send", k.address, "3", "--wait", key=alice), "fund op%d" % i)
        cons = keygen(t, "op%d-consensus" % i)
        committed(ok(n, "validator", "create", cons.pubkey, "1", "--moniker", "op%d" % i,
                     "--wait", key=k), "validator op%d" % i)
        vals.append(k.address)
    for v in vals:
        committed(ok(n, "stake", v, "0.5", "--wait", key=alice), "stake with %s" % v)
    nonce = n.account(alice.address)["pending_nonce"]
    rc, out, err = w(n, "rewards", "withdraw", "--wait", key=alice)
    eq(rc, 2, "withdraw from every validator, over the limit (stderr %r)" % err)
    check("name one" in err, "the way out is named: %r" % err)
    eq(n.account(alice.address)["pending_nonce"], nonce, "nothing was sent")
    committed(ok(n, "rewards", "withdraw", vals[1], "--wait", key=alice), "withdraw from one")
