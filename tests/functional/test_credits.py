"""Session credits on a real node (issue 16): `chroom-wallet meeting credit` signs, with the
payer's key, credits for a meeting's host and participants that check out by
docs/CREDITS.md's rules alone (plain Python, BIP-340 from the BIP's reference code), carry
the meeting's node and the minutes asked; a person not in the meeting is refused. The
operator's `meeting settle` with a receipt is paid at once and shows in the payments."""

import hashlib
import json
import struct
import time

import bip340
from node import check, eq, random_pubkey, run, start_node, wallet_cmd

BOND = 1000 * 10**6


def tagged_hash(tag, m):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + m).digest()


def parse(c):
    """docs/CREDITS.md, "Encoding": the fields of a credit."""
    i = 0
    f = {"version": c[0]}
    n = c[1]
    f["chain_id"] = c[2:2 + n].decode()
    i = 2 + n
    f["meeting_id"] = c[i:i + 12].hex()
    f["role"] = c[i + 12]
    n = c[i + 13]
    f["person"] = c[i + 14:i + 14 + n].decode()
    i += 14 + n
    f["has_key"] = c[i]
    i += 1 + (32 if f["has_key"] == 1 else 0)
    f["node_key"] = c[i:i + 32].hex()
    f["minutes_max"], f["not_before_ms"], f["expiry_ms"] = struct.unpack(">IQQ", c[i + 32:i + 52])
    eq(len(c), i + 52 + 64, "nothing after the signature")
    return f


def test_wallet_signs_credits(t):
    # Proves `meeting credit`: the host's and a participant's credits name the chain, the
    # meeting, the role, the person, the allocated node and the minutes, are valid now, and
    # verify for the payer's key by the page's rules (and not for another key); a person
    # outside the meeting and minutes over the duration are usage errors (exit 2).
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]

    def w(*args, json_out=False):
        return run(wallet_cmd(*args, node=n.url, json_out=json_out, api_key=n.api_key))

    node_key = random_pubkey()
    rc, _, err = w("media-node", "register", "--key", alice.path, "--node-key", node_key,
                   "--endpoint", "https://m.example.org", "--region", "eu", "--capacity", 10,
                   "--bond", BOND, "--raw", "--wait")
    eq(rc, 0, "register (stderr %r)" % err)
    rc, out, err = w("meeting", "create", "--key", bob.path, "--title", "Credits", "--host",
                     "alice-user", "--participants", "carol-user," + alice.address,
                     "--duration", 30, "--wait")
    eq(rc, 0, "create (stderr %r)" % err)
    mid = [x.split()[1] for x in out.splitlines() if x.startswith("meeting_id ")][0]
    now = int(time.time() * 1000)
    for person, role, minutes in (("alice-user", 1, 30), (alice.address, 2, 12)):
        args = ["meeting", "credit", mid, "--key", bob.path, "--person", person]
        if minutes != 30:
            args += ["--minutes", minutes]
        rc, out, err = w(*args, json_out=True)
        eq(rc, 0, "credit for %s (stderr %r)" % (person, err))
        j = json.loads(out)
        cred = bytes.fromhex(j["credit"])
        f = parse(cred)
        eq((f["version"], f["chain_id"], f["meeting_id"], f["role"], f["person"], f["node_key"],
            f["minutes_max"]), (1, c.chain_id, mid, role, person, node_key, minutes),
           "the credit's fields")
        eq(f["has_key"], 1 if person.startswith("chr1") else 0, "a key exactly for an address")
        check(f["not_before_ms"] <= now + 5000 < f["expiry_ms"], "valid now")
        msg = tagged_hash("CHROOM/credit", cred[:-64])
        check(bip340.verify(bytes.fromhex(bob.pubkey), msg, cred[-64:]), "signed by the payer")
        check(not bip340.verify(bytes.fromhex(alice.pubkey), msg, cred[-64:]), "by nobody else")
    rc, _, err = w("meeting", "credit", mid, "--key", bob.path, "--person", "mallory")
    eq(rc, 2, "a person outside the meeting (stderr %r)" % err)
    rc, _, err = w("meeting", "credit", mid, "--key", bob.path, "--person", "carol-user",
                   "--minutes", 31)
    eq(rc, 2, "more minutes than the meeting lasts (stderr %r)" % err)


def test_settle_with_receipt(t):
    # Proves settlement on a real node: the operator's `meeting settle` with a participant's
    # credit (from the payer's wallet) and usage receipt (signed here in plain Python by
    # docs/CREDITS.md) is paid at once, the 5% protocol share kept apart, and the payments
    # route shows it; the same minutes again fail with bad_claim; a claim without a receipt
    # (the host's) waits as pending; a forged receipt is refused; the supply's escrowed
    # loses what the settle paid and every unit stays accounted for.
    from node import Chain, Node
    chain = Chain(t, {"alice": 10**13, "bob": 10**12, "carol": 10**9})
    n = Node(t, chain).start()
    alice, bob, carol = chain["alice"], chain["bob"], chain["carol"]

    def w(*args, json_out=False):
        return run(wallet_cmd(*args, node=n.url, json_out=json_out, api_key=n.api_key))

    node_key = random_pubkey()
    rc, _, err = w("media-node", "register", "--key", alice.path, "--node-key", node_key,
                   "--endpoint", "https://m.example.org", "--region", "eu", "--capacity", 10,
                   "--bond", BOND, "--raw", "--wait")
    eq(rc, 0, "register (stderr %r)" % err)
    rc, out, err = w("meeting", "create", "--key", bob.path, "--title", "Settle", "--host",
                     "host-user", "--participants", carol.address, "--duration", 30, "--wait")
    eq(rc, 0, "create (stderr %r)" % err)
    mid = [x.split()[1] for x in out.splitlines() if x.startswith("meeting_id ")][0]
    price = int(n.get("/api/v1/meetings/%s" % mid)["price_per_participant_minute"])

    def credit(person):
        rc, out, err = w("meeting", "credit", mid, "--key", bob.path, "--person", person,
                         json_out=True)
        eq(rc, 0, "credit (stderr %r)" % err)
        return json.loads(out)["credit"]

    with open(carol.path) as f:
        carol_sk = bytes.fromhex(f.read().strip())
    receipt = bytes([1, len(c_id := chain.chain_id)]) + c_id.encode() + bytes.fromhex(mid) + \
        bytes.fromhex(node_key) + struct.pack(">I", 10)
    sig = bip340.sign(carol_sk, tagged_hash("CHROOM/receipt", receipt)).hex()
    carol_credit = credit(carol.address)
    a0 = int(n.get("/api/v1/accounts/%s" % alice.address)["balance"])
    forged = sig[:-2] + ("00" if sig[-2:] != "00" else "01")
    rc, _, err = w("meeting", "settle", mid, "--key", alice.path, "--claims",
                   "1:10:%s:%s" % (carol_credit, forged), "--wait")
    check(rc != 0 and "bad_claim" in err + _, "a forged receipt is refused (%r)" % err)
    a1 = int(n.get("/api/v1/accounts/%s" % alice.address)["balance"])
    rc, _, err = w("meeting", "settle", mid, "--key", alice.path, "--claims",
                   "1:10:%s:%s" % (carol_credit, sig), "--wait")
    eq(rc, 0, "settle (stderr %r)" % err)
    amount = 10 * price
    share = amount * 50 // 1000
    eq(a1, a0, "the refused settle cost nothing")
    fee = 1000  # the devnet's fee_transfer, the wallet's default fee
    eq(int(n.get("/api/v1/accounts/%s" % alice.address)["balance"]), a1 - fee + amount - share,
       "the operator paid at once, less the share and its fee")
    p = n.get("/api/v1/meetings/%s/payments" % mid)
    eq((p["paid"], p["protocol_share"], p["refunded"], p["closed"]),
       (str(amount - share), str(share), "0", False), "the payments")
    eq(p["claims"], [{"index": 1, "person": carol.address, "final_minutes": 10,
                      "pending_minutes": 0}], "carol's claim is final")
    s = n.supply_parts()
    eq((s["escrowed"], s["media_bonded"]), (2 * 30 * price - amount, BOND),
       "the supply: the escrow less the payment, the node's bond")
    eq(n.total_balance(), chain.supply, "every unit accounted for")
    rc, _, err = w("meeting", "settle", mid, "--key", alice.path, "--claims",
                   "1:10:%s:%s" % (carol_credit, sig), "--wait")
    check(rc != 0 and "bad_claim" in err + _, "the same minutes twice fail (%r)" % err)
    rc, _, err = w("meeting", "settle", mid, "--key", alice.path, "--claims",
                   "0:7:%s" % credit("host-user"), "--wait")
    eq(rc, 0, "an unreceipted claim (stderr %r)" % err)
    p = n.get("/api/v1/meetings/%s/payments" % mid)
    eq(p["claims"][0], {"index": 0, "person": "host-user", "final_minutes": 0,
                        "pending_minutes": 7}, "the host's claim waits")
    eq(p["paid"], str(amount - share), "nothing more paid yet")


def test_batch_settle_and_dispute_from_wallet(t):
    # Proves batching and disputes on a real node: one `meeting settle` carries a claim for
    # every person of the meeting (four, without receipts: all pending); the payer's
    # `meeting dispute`, signed offline (--chain-id, --fee, --nonce, --out -) and broadcast,
    # lowers the host's pending minutes, and the host's (its ID is carol's address), signed
    # online, drops a participant's claim to 0; a dispute by someone else (the operator:
    # not_owner) or not below the pending minutes (bad_claim) fails and costs nothing; a bad
    # --claim (index 128 and up: no such person) or a missing --minutes is a usage error
    # (exit 2), as is a `meeting create` of 128 participants.
    from node import Chain, Node
    chain = Chain(t, {"alice": 10**13, "bob": 10**12, "carol": 10**9})
    n = Node(t, chain).start()
    alice, bob, carol = chain["alice"], chain["bob"], chain["carol"]

    def w(*args, json_out=False):
        return run(wallet_cmd(*args, node=n.url, json_out=json_out, api_key=n.api_key))

    node_key = random_pubkey()
    rc, _, err = w("media-node", "register", "--key", alice.path, "--node-key", node_key,
                   "--endpoint", "https://m.example.org", "--region", "eu", "--capacity", 10,
                   "--bond", BOND, "--raw", "--wait")
    eq(rc, 0, "register (stderr %r)" % err)
    people = [carol.address, "dave-user", "erin-user", "frank-user"]
    rc, out, err = w("meeting", "create", "--key", bob.path, "--title", "Dispute", "--host",
                     people[0], "--participants", ",".join(people[1:]), "--duration", 30,
                     "--wait")
    eq(rc, 0, "create (stderr %r)" % err)
    mid = [x.split()[1] for x in out.splitlines() if x.startswith("meeting_id ")][0]
    claims = []
    for i, person in enumerate(people):
        rc, out, err = w("meeting", "credit", mid, "--key", bob.path, "--person", person,
                         json_out=True)
        eq(rc, 0, "credit (stderr %r)" % err)
        claims.append("%d:%d:%s" % (i, 20 - 4 * i, json.loads(out)["credit"]))
    rc, _, err = w("meeting", "settle", mid, "--key", alice.path, "--claims", ",".join(claims),
                   "--wait")
    eq(rc, 0, "one settle for every person (stderr %r)" % err)
    p = n.get("/api/v1/meetings/%s/payments" % mid)
    eq([(c["index"], c["final_minutes"], c["pending_minutes"]) for c in p["claims"]],
       [(0, 0, 20), (1, 0, 16), (2, 0, 12), (3, 0, 8)], "four claims pending")
    b0 = int(n.get("/api/v1/accounts/%s" % bob.address)["balance"])
    c0 = int(n.get("/api/v1/accounts/%s" % carol.address)["balance"])
    rc, out, err = w("meeting", "dispute", mid, "--key", alice.path, "--claim", 0, "--minutes", 5,
                     "--wait")
    check(rc != 0 and "not_owner" in out + err, "only the payer or host (%r)" % err)
    rc, out, err = w("meeting", "dispute", mid, "--key", bob.path, "--claim", 1, "--minutes", 16,
                     "--wait")
    check(rc != 0 and "bad_claim" in out + err, "not below the pending minutes (%r)" % err)
    eq(int(n.get("/api/v1/accounts/%s" % bob.address)["balance"]), b0, "refused: nothing paid")
    nonce = int(n.get("/api/v1/accounts/%s" % bob.address)["nonce"])
    rc, out, err = run(wallet_cmd("meeting", "dispute", mid, "--key", bob.path, "--claim", 0,
                                  "--minutes", 12, "--chain-id", chain.chain_id, "--fee", 1000,
                                  "--raw", "--nonce", nonce, "--out", "-"))
    eq(rc, 0, "an offline dispute (stderr %r)" % err)
    rc, _, err = w("broadcast", out.strip(), "--wait")
    eq(rc, 0, "the offline dispute broadcast (stderr %r)" % err)
    rc, _, err = w("meeting", "dispute", mid, "--key", carol.path, "--claim", 2, "--minutes", 0,
                   "--wait")
    eq(rc, 0, "the host's online dispute (stderr %r)" % err)
    p = n.get("/api/v1/meetings/%s/payments" % mid)
    got = {c["index"]: (c["final_minutes"], c["pending_minutes"]) for c in p["claims"]}
    eq((got[0], got[1], got.get(2, (0, 0)), got[3]), ((0, 12), (0, 16), (0, 0), (0, 8)),
       "the host's claim lowered, the second participant's dropped")
    eq(int(n.get("/api/v1/accounts/%s" % bob.address)["balance"]), b0 - 1000, "the payer's fee")
    eq(int(n.get("/api/v1/accounts/%s" % carol.address)["balance"]), c0 - 1000, "the host's fee")
    for args in (["--claim", 128, "--minutes", 1], ["--claim", "x", "--minutes", 1],
                 ["--claim", 0], ["--minutes", 1]):
        rc, _, err = w("meeting", "dispute", mid, "--key", bob.path, *args)
        eq(rc, 2, "usage error for %r (stderr %r)" % (args, err))
    # A meeting holds 128 people: the wallet refuses a 128th participant before signing.
    rc, _, err = w("meeting", "create", "--key", bob.path, "--title", "Too many", "--host",
                   "host-user", "--participants", ",".join("p%d" % i for i in range(128)),
                   "--duration", 30)
    eq(rc, 2, "128 participants is a usage error (stderr %r)" % err)
    check("at most 127" in err, "the limit named: %r" % err)
