"""Staking on four real validators (issue 13): the validator set that signs each height
follows the stake. A fifth node joins by staking and signs from the first height of the set
that holds it; a validator that unbonds its self-stake leaves and stops signing; a
double-signer is slashed, jailed, tombstoned and removed for good; a validator frozen past
the signing window is jailed for downtime and, unjailed after the jail time, signs again;
a fresh full node syncs from genesis through the set changes (docs/PROTOCOL.md "Staking",
"End of block", "Slashing"); a light client that trusts the genesis follows the set through
a turnover by bisection (docs/PROTOCOL.md "Light client"). Small genesis parameters keep each case well under a minute."""

import datetime
import json
import os
import signal
import time

import bip340
from node import Node, check, eq, fail, run, wallet_cmd
from test_light_client import LyingProxy
from test_consensus import (FAST, block, committed_evidence, double_sign, full_node, same_chain,
                            testnet, wait_all)
from test_staking import committed, ok, validator, w

UNIT = 10**6
LIQUID = 100 * UNIT  # each operator's balance beside its stake: its staking transactions' fees

# Short unbonding, and a window so long that no validator is jailed for downtime by a slow
# start on a loaded machine (the downtime case sets its own).
PARAMS = {"unbonding_time_ms": "4000", "slash_double_sign_ppm": 100000,
          "signed_blocks_window": 100000, "downtime_jail_ms": "3000"}

SET_TIMEOUT_S = 60  # generous: a loaded 2-core machine may make a block a second

# A pause between heights long enough, on a loaded machine, for every live validator's
# precommit to join the commit (docs/CONSENSUS.md "Heights"), so that "signs" is checkable.
PACE = {"block_interval_ms": 250}


def cluster(t, params=None, accounts=("alice",)):
    """Four validators of power 10, each operator funded for fees, blocks coming."""
    p = dict(PARAMS)
    p.update(params or {})
    chain, vals, nodes = testnet(t, accounts=accounts, params=p, liquid=LIQUID, consensus=PACE)
    wait_all(nodes, 2)
    return chain, vals, nodes


def set_at(node, h):
    """The addresses and powers of the set that signs height h (GET /api/v1/validators)."""
    r = node.get("/api/v1/validators?height=%d" % h)
    eq(r["next_cursor"], None, "the set of height %d fits one page" % h)
    return {v["address"]: int(v["power"]) for v in r["validators"]}


def signers(node, h):
    """Who signed the commit of height h: block h + 1's last_commit."""
    node.wait_height(h + 1, timeout=SET_TIMEOUT_S)
    return {s["validator"] for s in block(node, h + 1)["last_commit"]["signatures"]}


def tx_height(node, out):
    """The height of the transaction whose hash a `--wait` wallet command printed first."""
    return int(node.get("/api/v1/txs/%s" % out.split()[0])["height"])


def wait_until(what, cond, timeout=SET_TIMEOUT_S):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            fail("%s: not within %d s" % (what, timeout))
        time.sleep(0.1)


def first_signed(node, addr, h, last):
    """The first height from h to last whose commit addr signed (waits for the blocks)."""
    for x in range(h, last + 1):
        if addr in signers(node, x):
            return x
    fail("%s signed no commit of heights %d..%d" % (addr[:16], h, last))


def keeps_signing(node, addr, first, what, span=40, n=10, least=8):
    """Within the span commits after height first, addr signs at least `least` of n
    commits in a row: a live validator's precommits join the commits (nearly all of them,
    after a catching-up node's first heights), not only those of the blocks it proposes
    itself (one in four or five, as when a commit held only the first quorum's)."""
    seen = []
    for x in range(first + 1, first + 1 + span):
        seen.append(addr in signers(node, x))
        if sum(seen[-n:]) >= least:
            return
    fail("%s: %s never signed %d of %d commits in a row after height %d: %s"
         % (what, addr[:16], least, n, first, "".join(str(int(b)) for b in seen)))


def never_signed(node, addr, lo, hi, what):
    for x in range(lo, hi + 1):
        check(addr not in signers(node, x), "%s: %s signed the commit of height %d"
              % (what, addr[:16], x))


def conserved(node, chain):
    """liquid + bonded + unbonding + rewards + treasury = genesis supply + minted - burned,
    every account the test touched counted."""
    eq(node.total_balance(), chain.supply, "%s: the supply is conserved" % node.name)


def unjail_tx(chain, key, nonce):
    """An unjail transaction (type 0x16, docs/PROTOCOL.md "Staking transactions": the
    header, an empty body) signed here from the key file: the wallet has no command for it
    yet."""
    with open(key.path) as f:
        secret = bytes.fromhex(f.read().strip())
    cid = chain.chain_id.encode()
    unsigned = (bytes([1, 0x16, len(cid)]) + cid + bytes.fromhex(key.pubkey) +
                nonce.to_bytes(8, "big") + chain.fee.to_bytes(8, "big") + bytes(8) + bytes(2))
    sig = bip340.sign(secret, bip340.tagged_hash("CHROOM/tx", unsigned), os.urandom(32))
    return (unsigned + sig).hex()


def unjail(node, chain, key):
    """Submits key's unjail and waits for its block; returns the status answer."""
    r = node.submit(unjail_tx(chain, key, node.nonce(key.address)), wait=True)
    eq(r.status, 200, "unjail decided: %r" % r)
    return r.json


def ms_of(rfc3339):
    t = datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return int(t.timestamp() * 1000)


# ---- The set changes, each with its checks; the last case runs them on one chain. ----


def join(t, chain, nodes, key):
    """A node with key as its validator key syncs as a full node, then key stakes 10 CHR
    with create-validator (its consensus key its own); checks that the set decided in that
    block h signs from h + 2, that key signs no commit before and signs those of the new
    set from its first height (or soon after) on; returns the new node and h."""
    conf = {s: dict(kv) for s, kv in FAST.items()}
    conf["consensus"].update(PACE)
    conf["p2p"] = {"listen": "127.0.0.1:0"}
    n = Node(t, chain, name="joiner", conf=conf, peers=list(nodes))
    n.conf["node"]["validator_key_file"] = key.path
    n.start()
    n.wait_height(nodes[0].height(), timeout=SET_TIMEOUT_S)
    out = ok(n, "validator", "create", key.pubkey, "10", "--moniker", "fifth", "--wait", key=key)
    committed(out, "validator create")
    h = tx_height(n, out)
    before = set_at(nodes[0], h + 1)
    check(key.address not in before, "the joiner is not in the set of h + 1")
    after = set_at(nodes[0], h + 2)
    eq(after.get(key.address), 10, "the joiner's power in the set of h + 2")
    eq(set(after) - set(before), {key.address}, "the one member added")
    eq(validator(nodes[0], key.address)["status"], "bonded", "the joiner's status")
    never_signed(nodes[0], key.address, max(1, h - 2), h + 1, "before its first height")
    # A node still a step behind when its first height comes decides it from the others'
    # precommits without casting its own: its first signed commit is its first height or
    # soon after, never before; then it signs as the others do.
    first = first_signed(nodes[0], key.address, h + 2, h + 12)
    keeps_signing(nodes[0], key.address, first, "the joiner")
    return n, h


def unbond_out(node, chain, key):
    """key's operator undelegates its whole self-stake: jailed (under its min_self_bond), it
    leaves the set decided in that block h, which signs from h + 2; it signs no commit of
    those heights while the chain goes on; returns h."""
    out = ok(node, "unstake", key.address, "10", "--wait", key=key)
    committed(out, "unstake")
    h = tx_height(node, out)
    check(key.address in set_at(node, h + 1), "still in the set of h + 1 (its last height)")
    check(key.address not in set_at(node, h + 2), "gone from the set of h + 2")
    v = validator(node, key.address)
    eq((v["status"], v["stake"], v["jailed"], v["tombstoned"]), ("unbonding", "0", True, False),
       "the validator that unbonded")
    unb = node.get("/api/v1/accounts/%s/unbondings" % key.address)["unbondings"]
    eq([(u["validator"], u["amount"]) for u in unb], [(key.address, str(10 * UNIT))],
       "its self-stake unbonding")
    never_signed(node, key.address, h + 2, h + 8, "after leaving")
    return h


def double_signed_out(chain, node, key, stake):
    """key's validator (of stake units) double signs at height 2 (tests/tools/double_sign,
    evidence handed to node); checks that the block committing the evidence slashes
    slash_double_sign_ppm of its stake (burned), jails and tombstones it, that the set of
    two heights later drops it and that its unjail fails (tombstoned); returns that block's
    height."""
    burned0 = int(node.get("/api/v1/supply")["burned"])
    eq(double_sign(chain, key, node.p2p_port, 2), ["sent", "kept"], "evidence sent")
    evs = wait_until("the evidence committed", lambda: committed_evidence(node))
    eq([e["validator"] for e in evs], [key.address], "the offender")
    h = int(evs[0]["committed_height"])
    slash = stake * PARAMS["slash_double_sign_ppm"] // 10**6
    v = validator(node, key.address)
    eq((v["stake"], v["jailed"], v["tombstoned"], v["status"]),
       (str(stake - slash), True, True, "unbonding"), "the double-signer")
    eq(int(node.get("/api/v1/supply")["burned"]) - burned0, slash, "its slash burned")
    check(key.address in set_at(node, h + 1), "in the set of h + 1 (decided before)")
    check(key.address not in set_at(node, h + 2), "gone from the set of h + 2")
    never_signed(node, key.address, h + 2, h + 6, "after its removal")
    r = unjail(node, chain, key)
    eq((r["status"], (r["error"] or {}).get("code")), ("failed", "tombstoned"),
       "a tombstoned validator's unjail")
    check(validator(node, key.address)["tombstoned"], "still tombstoned")
    return h


# ---- The cases. ----


def test_fifth_validator_joins_by_staking(t):
    # Proves that a fifth node joins the four by staking: create-validator with its node's
    # key, decided in block h, puts it in the set of h + 2 (not h + 1), it signs commits
    # from then on and never before, and all five nodes keep one chain.
    chain, vals, nodes = cluster(t, accounts=("joiner",))
    joiner, h = join(t, chain, nodes, chain["joiner"])
    top = joiner.height()
    wait_all(nodes, top)
    same_chain(nodes + [joiner], top)
    conserved(nodes[0], chain)


test_fifth_validator_joins_by_staking.timeout = 120


def test_validator_unbonds_out_of_the_set(t):
    # Proves that a validator whose operator undelegates its self-stake leaves the set two
    # heights after the block that decided it and stops signing; the three others go on,
    # its node follows them, and the unbonded stake is paid back after unbonding_time_ms.
    chain, vals, nodes = cluster(t)
    v3 = vals[3]
    h = unbond_out(nodes[0], chain, v3)
    balance = nodes[0].balance(v3.address)  # its rewards were paid with the undelegation
    nodes[0].wait_height(h + 10, timeout=SET_TIMEOUT_S)
    wait_all(nodes, h + 10)
    same_chain(nodes, h + 10)
    # After the unbonding time (block time), the stake is liquid again.
    wait_until("the unbonding matured", lambda: not nodes[0].get(
        "/api/v1/accounts/%s/unbondings" % v3.address)["unbondings"])
    eq(nodes[0].balance(v3.address), balance + 10 * UNIT, "the stake paid back")
    conserved(nodes[0], chain)


test_validator_unbonds_out_of_the_set.timeout = 120


def test_double_signer_is_slashed_and_tombstoned(t):
    # Proves that a validator caught double signing (tests/tools/double_sign) loses
    # slash_double_sign_ppm of its stake to the burn, is jailed, tombstoned and removed
    # from the set from two heights after the evidence's block, can neither unjail nor be
    # delegated to, and the three others keep the chain going.
    chain, vals, nodes = cluster(t)
    v3 = vals[3]
    h = double_signed_out(chain, nodes[0], v3, 10 * UNIT)
    rc, out, err = w(nodes[1], "stake", v3.address, "1", "--wait", key=chain["alice"])
    eq(rc, 1, "a delegation to a tombstoned validator fails (stderr %r)" % err)
    check("tombstoned" in out + err, "the reason: %r %r" % (out, err))
    wait_all(nodes, h + 8)
    same_chain(nodes, h + 8)
    conserved(nodes[0], chain)


test_double_signer_is_slashed_and_tombstoned.timeout = 120

# Downtime: jailed when more than 27 of the last 30 commits miss it (min_signed 10%), so a
# slow start (a few missed commits) never jails anyone; a 1% slash; a 3 s jail.
DOWNTIME = {"signed_blocks_window": 30, "min_signed_ppm": 100000, "slash_downtime_ppm": 10000,
            "downtime_jail_ms": "3000"}


def test_frozen_validator_is_jailed_then_unjailed(t):
    # Proves the downtime rule on real processes: a validator frozen with SIGSTOP past the
    # window is slashed slash_downtime_ppm and jailed and leaves the set; an unjail before
    # jailed_until fails (still_jailed); after SIGCONT and the jail time its unjail brings
    # it back into the set two heights later, it signs commits again, and a fresh full node
    # syncs from genesis through the jail and the return to the same state roots.
    chain, vals, nodes = cluster(t, params=DOWNTIME)
    v3 = vals[3]
    first_signed(nodes[0], v3.address, 1, 40)  # it is live before the freeze
    os.kill(nodes[3].proc.pid, signal.SIGSTOP)
    try:
        wait_until("the frozen validator jailed",
                   lambda: validator(nodes[0], v3.address)["jailed"], timeout=90)
        v = validator(nodes[0], v3.address)
        slash = 10 * UNIT * DOWNTIME["slash_downtime_ppm"] // 10**6
        eq((v["stake"], v["tombstoned"], v["power"]), (str(10 * UNIT - slash), False, "9"),
           "the jailed validator")
        eq(nodes[0].supply_parts()["burned"], slash, "the downtime slash burned")
        tip = nodes[0].height()
        check(v3.address not in set_at(nodes[0], tip + 2), "jailed out of the set")
        until = ms_of(v["jailed_until"])
        # An unjail at once: refused (still_jailed) while the block's time is before
        # jailed_until; a loaded machine may pass the jail time first, then its block's
        # time shows it.
        r = unjail(nodes[0], chain, v3)
        if r["status"] == "failed":
            eq(r["error"]["code"], "still_jailed", "an early unjail")
        else:
            eq(r["status"], "committed", "an unjail: %r" % r)
            check(ms_of(block(nodes[0], int(r["height"]))["time"]) >= until,
                  "an unjail committed after the jail time")
    finally:
        os.kill(nodes[3].proc.pid, signal.SIGCONT)
    wait_until("the thawed node caught up",
               lambda: nodes[3].height() >= nodes[0].height() - 1)
    wait_until("the jail time passed",
               lambda: ms_of(block(nodes[0], nodes[0].height())["time"]) >= until)
    if validator(nodes[0], v3.address)["jailed"]:
        r = unjail(nodes[0], chain, v3)
        eq(r["status"], "committed", "the unjail after the jail time: %r" % r)
    u = int(r["height"])
    eq(validator(nodes[0], v3.address)["jailed"], False, "unjailed")
    check(v3.address not in set_at(nodes[0], u + 1), "not yet in the set of u + 1")
    eq(set_at(nodes[0], u + 2).get(v3.address), 9, "back in the set of u + 2, slashed power")
    first = first_signed(nodes[0], v3.address, u + 2, u + 20)
    keeps_signing(nodes[0], v3.address, first, "the unjailed validator")
    full = full_node(t, nodes)
    top = nodes[0].height()
    full.wait_height(top, timeout=SET_TIMEOUT_S)
    same_chain([nodes[0], full, nodes[3]], top)
    conserved(full, chain)


test_frozen_validator_is_jailed_then_unjailed.timeout = 180


def test_full_node_syncs_through_set_changes(t):
    # Proves that block sync follows the stake: on one chain a fifth validator joins, one
    # unbonds out and one is tombstoned for double signing (each checked as in the cases
    # above); a fresh full node started afterwards syncs from genesis through every one of
    # those sets, each block's commit checked against its height's set, to the same block
    # hashes and state roots, and follows the chain on.
    chain, vals, nodes = cluster(t, accounts=("joiner",))
    joiner, _ = join(t, chain, nodes, chain["joiner"])
    unbond_out(nodes[0], chain, vals[2])
    double_signed_out(chain, nodes[0], vals[3], 10 * UNIT)
    full = full_node(t, nodes + [joiner])
    top = nodes[0].height()
    full.wait_height(top + 2, timeout=SET_TIMEOUT_S)
    same_chain([nodes[0], joiner, full], top + 2)
    eq(full.get("/api/v1/validators")["validators"],
       nodes[0].get("/api/v1/validators?height=%d" % (full.height() + 1))["validators"],
       "the full node's set of its next height")
    conserved(full, chain)


test_full_node_syncs_through_set_changes.timeout = 180


def test_light_client_bisects_through_a_turnover(t):
    # Proves the light client's bisection on real processes: a wallet trusting the genesis
    # (four validators of power 10) verifies a balance after three of them unbonded out of
    # the set, where the one left holds 1/4 of the trusted power (too little to skip to the
    # tip), by verifying headers in between fetched from the node; a node that forges the
    # commits or doctors the blocks on the way is refused with the trusted state unchanged;
    # then light update needs no bisection.
    chain, vals, nodes = cluster(t)
    n = nodes[0]
    home = t.path("home")

    def lw(*args, url=None, json_out=False):
        return run(wallet_cmd("--home", home, *args, node=url or n.url, json_out=json_out,
                              api_key=n.api_key))

    # The default trusting period is 2/3 of the genesis's unbonding time (4 s here): once
    # the validators that left have unbonded, the genesis set proves nothing, and a wallet
    # that trusts it is told so. Then a period longer than the run (for the test only: a
    # real one is under the unbonding time) lets the bisection be shown.
    rc, out, err = lw("light", "init", "--genesis", chain.genesis, json_out=True)
    eq(rc, 0, "light init --genesis (stderr %r)" % err)
    init = json.loads(out)
    eq(init["trusting_period_ms"], "2666", "2/3 of the unbonding time")
    last = 0
    for v in vals[1:]:
        out = ok(n, "unstake", v.address, "10", "--wait", key=v)
        committed(out, "unstake")
        last = tx_height(n, out)
    n.wait_height(last + 3, timeout=SET_TIMEOUT_S)
    eq(set_at(n, last + 2), {vals[0].address: 10}, "one validator of the four left")
    alice = chain["alice"].address
    time.sleep(max(0.0, int(init["trusted_until_ms"]) / 1000.0 + 0.1 - time.time()))
    rc, out, err = lw("balance", alice, "--verify")
    eq(rc, 1, "balance --verify from an expired trusted header (stderr %r)" % err)
    check("older than the trusting period" in err and "light init --trust-hash" in err,
          "says why and what to do: %r" % err)
    rc, out, err = lw("light", "init", "--genesis", chain.genesis, "--trusting-period-ms",
                      "3600000")
    eq(rc, 0, "light init --genesis --trusting-period-ms (stderr %r)" % err)
    proxy = LyingProxy(n)
    try:
        for mode in ["last_commit", "block"]:
            proxy.mode = mode
            rc, out, err = lw("balance", alice, "--verify", url=proxy.url)
            eq(rc, 1, "balance --verify through a proxy lying with %s (stderr %r)" % (mode, err))
            check("NOT VERIFIED" in err, "%s: says so: %r" % (mode, err))
            rc, out, err = lw("light", "status", json_out=True)
            eq(json.loads(out)["height"], "0", "%s: still trusting the genesis" % mode)
    finally:
        proxy.close()
    rc, out, err = lw("balance", alice, "--verify", json_out=True)
    eq(rc, 0, "balance --verify across the turnover (stderr %r)" % err)
    j = json.loads(out)
    eq((j["verified"], j["balance"]), (True, str(n.balance(alice))), "the verified balance")
    check(int(j["height"]) >= last + 2 and j["headers_fetched"] > 0,
          "verified by bisection: %r" % j)
    rc, out, err = lw("light", "status", json_out=True)
    s = json.loads(out)
    eq((s["height"], s["validators"], s["total_power"]), (j["height"], 1, "10"),
       "trusting the tip's set")
    rc, out, err = lw("light", "update", json_out=True)
    eq(rc, 0, "light update (stderr %r)" % err)
    eq(json.loads(out)["headers_fetched"], 0, "the same set: no bisection")


test_light_client_bisects_through_a_turnover.timeout = 120
