"""Session credits on a real node (issue 16): `chroom-wallet meeting credit` signs, with the
payer's key, credits for a meeting's host and participants that check out by
docs/CREDITS.md's rules alone (plain Python, BIP-340 from the BIP's reference code), carry
the meeting's node and the minutes asked; a person not in the meeting is refused."""

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
