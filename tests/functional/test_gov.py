"""Governance on a real node through the wallet and REST: a parameter change outside its
range refused at submission; proposals submitted with the wallet, in their deposit period
until the deposits reach the minimum (anyone deposits), then in their voting period; the
deposits leaving the depositors exactly; a vote without stake refused; the lists with their
status filter and cursor, one proposal with its deposits and tally (and its state proof),
votes, the parameters; the transactions rendered with their governance fields.

Not here: a proposal's end (the default voting period is two days, and a chain's genesis
cannot set the governance parameters yet); the unit tests (tests/unit/gov) hold the tally,
execution and upgrade rules."""

import json

from node import assert_error, check, eq, run, start_node, wallet_cmd

FEE = 1000
MIN_DEPOSIT = 10 * 10**6


def w(n, *args, json_out=False):
    return run(wallet_cmd(*args, node=n.url, json_out=json_out, api_key=n.api_key))


def ok(n, *args, json_out=False):
    rc, out, err = w(n, *args, json_out=json_out)
    eq(rc, 0, "chroom-wallet %s (stderr %r)" % (" ".join(str(a) for a in args[:3]), err))
    return out


def balance(n, key):
    return int(n.get("/api/v1/accounts/%s" % key.address)["balance"])


def test_proposals_deposits_votes_over_rest_and_wallet(t):
    # Proves the governance transactions and read routes end to end on one node: the
    # wallet's proposals, deposits and votes are committed (or refused with the documented
    # code), the deposits move exactly, and REST answers lists, filters, one proposal with
    # its proof, votes and parameters in the documented shapes.
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]

    params = n.get("/api/v1/gov/params")
    eq(params["chain"]["fee_transfer"], str(FEE), "the chain's fee as the state holds it")
    eq(params["gov"]["min_deposit"], str(MIN_DEPOSIT), "the default minimum deposit")
    eq(params["upgrade_plan"], None, "no upgrade scheduled")
    eq(params["treasury"], n.get("/api/v1/supply")["treasury"], "the treasury, as the supply")

    rc, _, err = w(n, "gov", "propose", "params", "fee_transfer=0", "--title", "free",
                   "--key", alice.path, "--wait")
    check(rc != 0 and "param_out_of_range" in err, "a zero fee is refused: %r" % err)
    rc, _, err = w(n, "gov", "propose", "spend", bob.address, "0", "--title", "pay bob",
                   "--key", alice.path, "--wait")
    check(rc != 0 and "amount" in err, "a spend of nothing is refused: %r" % err)
    eq(n.get("/api/v1/gov/proposals")["proposals"], [], "nothing was proposed")

    a0, b0 = balance(n, alice), balance(n, bob)
    ok(n, "gov", "propose", "params", "fee_transfer=2000", "--title", "fee x2",
       "--deposit", 4 * 10**6, "--raw", "--key", alice.path, "--wait")
    ok(n, "gov", "propose", "text", "--title", "hello", "--deposit", MIN_DEPOSIT, "--raw",
       "--key", alice.path, "--wait")
    eq(balance(n, alice), a0 - 4 * 10**6 - MIN_DEPOSIT - 2 * FEE, "deposits and fees left")
    p1 = n.get("/api/v1/gov/proposals/1")
    eq((p1["proposal"]["status"], p1["proposal"]["kind"], p1["proposal"]["total_deposit"]),
       ("deposit_period", "params", str(4 * 10**6)), "below the minimum: deposit period")
    eq(p1["proposal"]["content"]["changes"], [{"name": "fee_transfer", "value": "2000"}],
       "its change")
    eq(p1["deposits"], [{"depositor": alice.address, "amount": str(4 * 10**6)}], "deposits")
    eq(p1["tally"], None, "no tally before the vote")
    eq(n.get("/api/v1/gov/proposals/2")["proposal"]["status"], "voting_period",
       "the minimum at once opens the vote")

    ok(n, "gov", "deposit", "1", "--amount", 6 * 10**6, "--raw", "--key", bob.path, "--wait")
    eq(balance(n, bob), b0 - 6 * 10**6 - FEE, "bob's deposit left him exactly")
    p1 = n.get("/api/v1/gov/proposals/1?prove=true")
    eq(p1["proposal"]["status"], "voting_period", "the deposits reached the minimum")
    eq(p1["proposal"]["depositors"], 2, "two depositors")
    check(isinstance(p1.get("proof"), dict), "prove=true adds the proof")
    # The genesis validator's stake is bonded: no vote yet.
    eq(p1["tally"], {"yes": "0", "abstain": "0", "no": "0", "veto": "0",
                     "bonded": str(n.chain.bonded)}, "the tally so far")

    rc, _, err = w(n, "gov", "vote", "1", "yes", "--key", bob.path, "--wait")
    check(rc != 0 and "no_stake" in err, "a vote without stake fails: %r" % err)
    rc, _, err = w(n, "gov", "vote", "1", "maybe", "--key", bob.path)
    eq(rc, 2, "an unknown option is a usage error (%r)" % err)

    voting = n.get("/api/v1/gov/proposals?status=voting_period")["proposals"]
    eq([p["id"] for p in voting], ["1", "2"], "both voting")
    first = n.get("/api/v1/gov/proposals?limit=1")
    check(first["next_cursor"] is not None, "a cursor after a page of one")
    rest = n.get("/api/v1/gov/proposals?cursor=%s" % first["next_cursor"])
    eq([p["id"] for p in rest["proposals"]], ["2"], "the second page")
    eq(n.get("/api/v1/gov/proposals?status=passed")["proposals"], [], "none passed")
    eq(n.get("/api/v1/gov/proposals/1/votes"), {"votes": [], "next_cursor": None}, "no votes")
    assert_error(n.request("GET", "/api/v1/gov/proposals/1/votes/%s" % bob.address), 404,
                 "not_found", "bob did not vote")
    assert_error(n.request("GET", "/api/v1/gov/proposals/9"), 404, "not_found", "no such id")
    assert_error(n.request("GET", "/api/v1/gov/proposals/0"), 400, "invalid_argument", "id 0")
    assert_error(n.request("GET", "/api/v1/gov/proposals/1?prove=true&height=1"), 400,
                 "invalid_argument", "no past heights here")
    assert_error(n.request("GET", "/api/v1/gov/proposals?status=open"), 400, "invalid_argument",
                 "an unknown status")
    assert_error(n.request("GET", "/api/v1/gov/proposals/1/votes/chr1x"), 400,
                 "invalid_argument", "a bad voter")

    out = ok(n, "gov", "list", "--status", "voting_period", json_out=True)
    eq([p["title"] for p in json.loads(out)["proposals"]], ["fee x2", "hello"], "gov list")
    out = ok(n, "gov", "tally", "1", json_out=True)
    eq(json.loads(out)["bonded"], str(n.chain.bonded), "gov tally")
    out = ok(n, "gov", "show", "2")
    check("voting_period" in out, "gov show: %r" % out)

    # A transaction without a counterparty has a sent and a received row: one hash each.
    hashes = {x["hash"] for x in n.get("/api/v1/accounts/%s/txs" % bob.address)["txs"]}
    deposits = [n.get("/api/v1/txs/%s" % h)["tx"] for h in sorted(hashes)]
    deposits = [x for x in deposits if x["type"] == "deposit"]
    eq([(x["proposal_id"], x["amount"]) for x in deposits], [("1", str(6 * 10**6))],
       "bob's deposit in his history, rendered with its fields")

    # Signed offline: nothing contacts the node, the hex broadcasts later.
    nonce = n.nonce(alice.address)
    out_file = t.path("vote.hex")
    ok(n, "gov", "propose", "cancel-upgrade", "--title", "offline", "--key", alice.path,
       "--chain-id", c.chain_id, "--fee", FEE, "--raw", "--nonce", nonce, "--out", out_file)
    ok(n, "tx", "broadcast", out_file, "--wait")
    eq(n.get("/api/v1/gov/proposals/3")["proposal"]["kind"], "cancel_upgrade",
       "the offline-signed proposal is on chain")


def test_proposal_files_through_the_wallet(t):
    # Proves `gov propose --file`: a JSON document of each kind (params, spend, upgrade,
    # text, cancel-upgrade) is submitted with exactly its content, deposit and expedited
    # flag; bad documents are refused before signing with a message naming the file and key
    # and exit 4 (a usage mix exits 2); and a file, a deposit and a vote sign offline with
    # no node reachable.
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]

    def propose(doc, *extra):
        path = t.path(t.unique("proposal") + ".json")
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return w(n, "gov", "propose", "--file", path, "--key", alice.path, *extra)

    good = [
        ({"kind": "params", "title": "fee x3", "deposit": "10", "expedited": True,
          "params": {"fee_transfer": "3000", "unbonding_time_ms": 86400000}},
         {"changes": [{"name": "fee_transfer", "value": "3000"},
                      {"name": "unbonding_time_ms", "value": "86400000"}]}),
        ({"kind": "spend", "title": "pay bob", "recipient": bob.address, "amount": "2.5"},
         {"recipient": bob.address, "amount": "2500000"}),
        ({"kind": "upgrade", "title": "v2", "name": "v2.0-rc1", "height": 100000,
          "deposit": "1.25"}, {"name": "v2.0-rc1", "height": "100000"}),
        ({"kind": "text", "title": "hello, world"}, {}),
        ({"kind": "cancel-upgrade", "title": "never mind"}, {}),
    ]
    a0 = balance(n, alice)
    for i, (doc, content) in enumerate(good, 1):
        rc, _, err = propose(doc, "--wait")
        eq(rc, 0, "%s file submitted (stderr %r)" % (doc["kind"], err))
        p = n.get("/api/v1/gov/proposals/%d" % i)["proposal"]
        eq((p["kind"], p["title"], p["submitted_expedited"], p["content"]),
           (doc["kind"].replace("-", "_"), doc["title"], doc.get("expedited", False), content),
           "%s: the chain holds the file's content" % doc["kind"])
    eq(balance(n, alice), a0 - 10 * 10**6 - 1250000 - 5 * FEE, "the files' deposits and fees")

    bad = [
        ('{"kind": "text", "title": "t", "params": {"fee_transfer": 1}}', '"params": unknown key'),
        ('{"kind": "text", "title": "t", "titel": "typo"}', '"titel": unknown key'),
        ('{"kind": "text", "title": "a", "title": "b"}', "duplicate"),
        ('{"kind": "vote", "title": "t"}', '"kind": one of'),
        ('{"kind": "text"}', '"title" is required'),
        ('{"kind": "text", "title": "t", "expedited": 1}', '"expedited": true or false'),
        ('{"kind": "text", "title": "t", "deposit": 1.5}', '"deposit": a string'),
        ('{"kind": "params", "title": "t", "params": {}}', '"params": an object of 1 to 6'),
        ('{"kind": "params", "title": "t", "params": {"fee_transfer": -1}}', "fee_transfer"),
        ('{"kind": "spend", "title": "t", "recipient": "chr1nope", "amount": "1"}', "RECIPIENT"),
        ('{"kind": "upgrade", "title": "t", "name": "v2"}', "HEIGHT"),
        ('[{"kind": "text"}]', "a proposal is a JSON object"),
        ('{"kind": "text", "title": "t"', "not JSON"),
        ("{" + " " * (64 * 1024) + "}", "larger than"),
    ]
    for doc, why in bad:
        rc, out, err = propose(doc)
        check(rc == 4 and why in err and ".json" in err and out == "",
              "refused with exit 4 and %r: rc %d, %r" % (why, rc, err))
    rc, _, err = propose('{"kind": "params", "title": "t", "params": {"fee_transfer": 0}}',
                         "--wait")
    check(rc != 0 and "param_out_of_range" in err, "the chain's range check: %r" % err)
    rc, _, err = propose('{"kind": "text", "title": "t"}', "--title", "again")
    check(rc == 2 and "--file holds the whole proposal" in err, "a mix is usage: %r" % err)
    rc, _, err = w(n, "gov", "propose", "--file", t.path("missing.json"), "--key", alice.path)
    check(rc == 4 and "missing.json" in err, "a missing file: %r" % err)
    eq(len(n.get("/api/v1/gov/proposals")["proposals"]), len(good), "nothing else proposed")

    # Offline: the wallet is pointed at a port nobody listens on, so success proves it did
    # not need the node; the hex broadcasts later.
    out_file = t.path("offline.hex")
    path = t.path("offline.json")
    with open(path, "w") as f:
        json.dump({"kind": "spend", "title": "offline", "recipient": bob.address,
                   "amount": "1000", "deposit": "0"}, f)
    rc, _, err = run(wallet_cmd("gov", "propose", "--file", path, "--key", alice.path,
                                "--chain-id", c.chain_id, "--fee", FEE, "--raw",
                                "--nonce", n.nonce(alice.address), "--out", out_file,
                                node="http://127.0.0.1:1"))
    eq(rc, 0, "signed offline (stderr %r)" % err)
    ok(n, "tx", "broadcast", out_file, "--wait")
    p = n.get("/api/v1/gov/proposals/%d" % (len(good) + 1))["proposal"]
    eq((p["kind"], p["content"]["amount"]), ("spend", "1000"), "the offline file is on chain")

    # Deposits and votes sign offline too: the deposit lands; the vote is decoded and
    # executed by the chain (which refuses it: the proposal is still in its deposit period).
    pid = len(good) + 1
    for args in (["deposit", pid, "--amount", 7], ["vote", pid, "yes"]):
        hex_file = t.path(t.unique("offline") + ".hex")
        rc, _, err = run(wallet_cmd("gov", *args, "--key", alice.path, "--chain-id", c.chain_id,
                                    "--fee", FEE, "--raw", "--nonce", n.nonce(alice.address),
                                    "--out", hex_file, node="http://127.0.0.1:1"))
        eq(rc, 0, "gov %s signed offline (stderr %r)" % (args[0], err))
        rc, _, err = w(n, "tx", "broadcast", hex_file, "--wait")
        check((rc == 0) == (args[0] == "deposit") and (rc == 0 or "failed: wrong_state" in err),
              "gov %s broadcast: rc %d, %r" % (args[0], rc, err))
    eq(n.get("/api/v1/gov/proposals/%d" % pid)["proposal"]["total_deposit"], "7",
       "the offline deposit is on chain")
