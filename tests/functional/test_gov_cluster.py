"""Governance on four validators over the peer-to-peer network, with the genesis's short
periods (gov_params): a change of the transfer fee passes and the transfers after its block
pay the new fee while the earlier one paid the old, on every node; a proposal without quorum
is rejected and its deposits refunded (burn_no_quorum 0); a vetoed one burns them (the
supply's burned grows by them); a treasury spend pays its recipient; an upgrade proposal
passes and at its height the node built without the upgrade stops with the message naming
the release to run while the three built with it (-DCHROOM_TEST_UPGRADE) go on. The event
stream carries every status change and execution, the same on every node.

Layout: validators 0..2 run the upgrade build and validator 3 this build, so that 3 of the 4
(75% of the power, over two thirds) go on after the upgrade's height."""

import http.client
import json
import os
import time

import node
from node import check, eq, fail, random_address, run, run_ok, wallet_cmd
from test_consensus import testnet

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

FEE = 1000
NEW_FEE = 2000
MIN_DEPOSIT = 10 * 10**6
VOTING_MS = 61000
GOV = {"deposit_period_ms": 60000, "voting_period_ms": VOTING_MS,
       "expedited_voting_period_ms": 60000, "burn_no_quorum": 0, "burn_dropped": 0}
ENDED = ("passed", "rejected", "vetoed", "failed", "dropped")


def upgrade_chroomd():
    """chroomd built with -DCHROOM_TEST_UPGRADE (it knows "test-upgrade"), made with make in
    BUILD_DIR/upgrade: incremental, so quick once built."""
    out = os.path.join(os.path.abspath(node.BUILD_DIR), "upgrade")
    run_ok(["make", "-s", "-C", ROOT, "-j2", "BUILD=" + out,
            "CFLAGS=-O2 -g -DCHROOM_TEST_UPGRADE", os.path.join(out, "chroomd")], timeout=1200)
    return os.path.join(out, "chroomd")


def ok(n, *args, json_out=False):
    rc, out, err = run(wallet_cmd(*args, node=n.url, json_out=json_out, api_key=n.api_key))
    eq(rc, 0, "chroom-wallet %s (stderr %r)" % (" ".join(str(a) for a in args[:4]), err))
    return out


def wait_for(what, cond, timeout):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            fail("%s: not within %s s" % (what, timeout))
        time.sleep(0.2)


def proposal(n, pid):
    return n.get("/api/v1/gov/proposals/%d" % pid)["proposal"]


def gov_events(n, want_ended, timeout=30):
    """The governance events of n's chain from block 1, read from the event stream until
    want_ended proposals have ended (each with its id and data)."""
    conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=timeout)
    conn.request("GET", "/api/v1/events?from_height=1",
                 headers={"Authorization": "Bearer " + n.api_key})
    r = conn.getresponse()
    eq(r.status, 200, "the event stream")
    events, cur, blocks = [], {}, {}
    deadline = time.monotonic() + timeout
    while sum(e["event"] == "proposal_status" and e["data"]["status"] in ENDED
              for e in events) < want_ended:
        check(time.monotonic() < deadline, "the governance events within %s s" % timeout)
        line = r.fp.readline().decode().rstrip("\n")
        if line == "" and "event" in cur:
            data = json.loads(cur["data"])
            if cur["event"] == "block":
                blocks[int(data["height"])] = data["tx_count"]
            elif cur["event"].startswith("proposal_"):
                events.append({"id": cur["id"], "event": cur["event"], "data": data})
            cur = {}
        elif line and not line.startswith(":"):
            k, _, v = line.partition(": ")
            cur[k] = v
    conn.close()
    return events, blocks


def test_governance_on_four_validators(t):
    # Proves governance end to end on a four-validator network: each kind of outcome
    # (passed and executed, no quorum, veto, treasury spend, upgrade) is decided the same
    # on every node, takes effect at its block, moves the deposits as the parameters say,
    # is announced on the event stream with the same ids everywhere, and a build without a
    # passed upgrade stops at its height with a message while the others go on.
    up = upgrade_chroomd()
    chain, vals, nodes = testnet(t, accounts=("alice", "bob", "carol", "dave"), gov_params=GOV,
                                 binaries=[up, up, up])
    n0 = nodes[0]
    alice, bob, carol, dave = (chain[k] for k in ("alice", "bob", "carol", "dave"))
    for n in nodes:
        eq(n.get("/api/v1/gov/params")["gov"]["voting_period_ms"], str(VOTING_MS),
           "%s: the genesis's voting period" % n.name)

    # A transfer at the old fee, before any proposal.
    old = chain.sign(alice, bob, 5, 0, fee=FEE)[0]
    eq(n0.submit(old, wait=True).status, 200, "a transfer at the old fee")
    # The voters' fees: the genesis operators keep a single unit liquid.
    fund = [chain.sign(alice, vals[i].address, 10**8, 1 + i, fee=FEE)[0] for i in range(3)]
    eq(n0.batch(fund, wait=True).status, 200, "the voters funded")
    treasury = wait_for("a treasury", lambda: int(n0.supply_parts()["treasury"]), 30)

    # The upgrade's height: past the end of the vote (VOTING_MS after its submission, with
    # half again as many blocks to spare), at the pace the chain makes blocks now.
    h0, t0 = n0.height(), time.monotonic()
    wait_for("blocks", lambda: n0.height() >= h0 + 10, 30)
    rate = (n0.height() - h0) / (time.monotonic() - t0)
    up_height = n0.height() + int(rate * (VOTING_MS / 1000 + 20) * 1.5) + 20

    recipient = random_address()
    chain.addresses |= {recipient}
    raw = ["--raw", "--key", alice.path, "--wait"]
    ok(n0, "gov", "propose", "params", "fee_transfer=%d" % NEW_FEE, "--title", "fee x2",
       "--deposit", MIN_DEPOSIT, *raw)
    ok(n0, "gov", "propose", "text", "--title", "nobody cares", "--deposit", MIN_DEPOSIT // 2,
       "--raw", "--key", carol.path, "--wait")
    ok(nodes[1], "gov", "deposit", "2", "--amount", MIN_DEPOSIT // 2, "--raw", "--key",
       carol.path, "--wait")
    ok(n0, "gov", "propose", "text", "--title", "a bad idea", "--deposit", MIN_DEPOSIT, "--raw",
       "--key", dave.path, "--wait")
    ok(n0, "gov", "propose", "spend", recipient, treasury, "--title", "pay the auditors",
       "--deposit", MIN_DEPOSIT, *raw)
    ok(n0, "gov", "propose", "upgrade", "test-upgrade", up_height, "--title", "test upgrade",
       "--deposit", MIN_DEPOSIT, *raw)
    carol0, dave0 = n0.balance(carol.address), n0.balance(dave.address)
    eq(n0.supply_parts()["deposits"], 5 * MIN_DEPOSIT, "the deposits in escrow")
    burned0 = n0.supply_parts()["burned"]

    # Validators 0..2 pass 1, 4 and 5; only validator 0 votes on 2 (a quarter of the
    # power: no quorum); validators 0 and 1 veto 3.
    votes = [(0, 1, "yes"), (1, 1, "yes"), (2, 1, "yes"), (0, 2, "yes"), (0, 3, "veto"),
             (1, 3, "veto"), (2, 3, "yes")]
    votes += [(v, pid, "yes") for pid in (4, 5) for v in range(3)]
    for v, pid, option in votes:
        ok(nodes[v], "gov", "vote", pid, option, "--key", vals[v].path, "--wait")

    wait_for("the votes' end",
             lambda: all(proposal(n0, pid)["status"] in ENDED for pid in range(1, 6)),
             VOTING_MS / 1000 + 60)
    for n in nodes:
        got = [(proposal(n, pid)["status"], proposal(n, pid)["execution_error"])
               for pid in range(1, 6)]
        eq(got, [("passed", None), ("rejected", None), ("vetoed", None), ("passed", None),
                 ("passed", None)], "%s: the outcomes" % n.name)

    # The events, from each node the same: statuses in order and the executions.
    events, blocks = gov_events(n0, 5)
    for n in nodes[1:3]:
        eq(gov_events(n, 5)[0], events, "%s: the same governance events" % n.name)
    by_id = {}
    for e in events:
        by_id.setdefault(e["data"]["proposal_id"], []).append(
            (e["event"], e["data"].get("status") or e["data"]["result"]))
    eq(by_id["2"], [("proposal_status", "deposit_period"), ("proposal_status", "voting_period"),
                    ("proposal_status", "rejected")], "proposal 2's events")
    eq(by_id["1"], [("proposal_status", "voting_period"), ("proposal_status", "passed"),
                    ("proposal_execution", "executed")], "proposal 1's events")
    eq(by_id["3"][-1], ("proposal_status", "vetoed"), "proposal 3 ends vetoed")
    for e in events:
        h, _, k = e["id"].partition("-")
        check(int(k) >= blocks[int(h)] + 2, "event %s after its block's transactions" % e["id"])
    passed1 = [e for e in events if e["data"]["proposal_id"] == "1" and
               e["data"].get("status") == "passed"][0]
    executed_at = int(passed1["data"]["height"])

    # The fee: in force from the block after the execution, on every node.
    for n in nodes:
        eq(n.get("/api/v1/params")["params"]["fee_transfer"], str(NEW_FEE), "%s: fee" % n.name)
    nonce = n0.nonce(alice.address)
    r = n0.submit(chain.sign(alice, bob, 5, nonce, fee=FEE)[0], wait=True)
    check(r.status >= 400, "a transfer at the old fee is refused now: %r" % r)
    new = chain.sign(alice, bob, 5, nonce, fee=NEW_FEE)[0]
    eq(n0.submit(new, wait=True).status, 200, "a transfer at the new fee")
    for n in nodes:
        # Each node's index files a committed transaction within its commit interval.
        tx_old = n.wait_tx(node.tx_hash(old), timeout=30)
        tx_new = n.wait_tx(node.tx_hash(new), timeout=30)
        eq((tx_old["tx"]["fee"], tx_new["tx"]["fee"]), (str(FEE), str(NEW_FEE)),
           "%s: the fees paid" % n.name)
        check(int(tx_old["height"]) <= executed_at < int(tx_new["height"]),
              "%s: the old fee before block %d, the new after" % (n.name, executed_at))

    # Deposits: refunded without quorum, burned by the veto; the spend paid.
    for n in nodes:
        eq(n.balance(carol.address), carol0 + MIN_DEPOSIT, "%s: carol refunded" % n.name)
        eq(n.balance(dave.address), dave0, "%s: dave's deposit burned" % n.name)
        eq(n.balance(recipient), treasury, "%s: the spend paid its recipient" % n.name)
    s = n0.supply_parts()
    eq((s["deposits"], s["burned"] - burned0), (0, MIN_DEPOSIT), "escrow emptied, veto burned")
    eq(n0.total_balance(), chain.supply, "the supply is conserved")

    # The upgrade: validator 3 (this build) stops at its height, naming it; the others go on.
    eq(n0.get("/api/v1/gov/params")["upgrade_plan"]["name"], "test-upgrade", "the plan")
    v3 = nodes[3]
    wait_for("validator 3's stop", lambda: 'software upgrade "test-upgrade"' in v3.log_text(),
             (up_height - n0.height()) / max(rate, 1) * 2 + 60)
    check("run a release of chroomd that includes \"test-upgrade\"" in v3.log_text(),
          "the message says what to run")
    for n in nodes[:3]:
        n.wait_height(up_height + 3, timeout=60)
        eq(n.get("/api/v1/gov/params")["upgrade_plan"], None, "%s: the plan done" % n.name)
    eq(int(v3.status()["latest_height"]), up_height - 1, "validator 3 stopped below the height")
    eq(v3.request("GET", "/health").status, 503, "validator 3 is no longer healthy")


test_governance_on_four_validators.timeout = 1500
