"""GET /api/v1/state/{kind}/{natural_key}: any state object by kind and natural key, with
?prove=true a proof checked here from docs/PROTOCOL.md alone ("State keys", "Object
leaves", "State proofs"), and every malformed request refused with the field named. Present
objects and their membership proofs are covered by test_staking.py (a delegation's proof)
and the unit tests (ledger/store_objects, ledger/objects_*)."""

import hashlib

from node import assert_error, check, eq, start_node
from test_light_client import proof_root, send_wait


def state_key(kind, natural):
    """docs/PROTOCOL.md, "State keys": SHA256(u8 kind || natural key) for every kind but
    accounts."""
    return hashlib.sha256(bytes([kind]) + natural).hexdigest()


def test_state_object_route(t):
    # Proves the route's answers: before the first block an absent object is 404 not_found
    # (and prove=true has no root to prove against); after a block, prove=true on an absent
    # validator, delegation and the empty key of a kind is a 404 whose proof, checked here,
    # leads from the key SHA256(kind || natural key) to the tip's state root with no leaf
    # for it, with the tip's header (hashing to its hash) and commit; kinds by name or
    # number; at an earlier kept height the proof is against that block's root; and the
    # refusals: an unknown kind, the account kind, bad or long hex, a bad prove, height
    # without prove, and a height not kept.
    n = start_node(t, conf={"store": {"state_versions_kept": 16}})
    c = n.chain
    op = c["alice"].pubkey
    r = n.request("GET", "/api/v1/state/validator/%s" % op)
    assert_error(r, 404, "not_found", "an absent object")
    r = n.request("GET", "/api/v1/state/validator/%s?prove=true" % op)
    assert_error(r, 404, "not_found", "prove before the first block")
    check("proof" not in r.json, "no proof without a block")

    send_wait(n, t.path("home"), c["alice"], c["bob"].address, 7)
    tip = n.get("/api/v1/blocks/latest")
    cases = [("validator", 2, op), ("2", 2, op), ("delegation", 3, op + c["bob"].pubkey),
             ("vote", 8, "-")]
    send_wait(n, t.path("home"), c["alice"], c["bob"].address, 8)
    for kind, byte, natural in cases:
        r = n.request("GET", "/api/v1/state/%s/%s?prove=true&height=%s" %
                      (kind, natural, tip["height"]))
        assert_error(r, 404, "not_found", "absent %s" % kind)
        p = r.json["proof"]
        key = state_key(byte, b"" if natural == "-" else bytes.fromhex(natural))
        eq((p["height"], p["state_root"], p["key"], p["value"]),
           (tip["height"], tip["state_root"], key, None), "%s: the proof's fields" % kind)
        root, present = proof_root(key, p["proof"])
        eq(root.hex(), tip["state_root"], "%s: the proof leads to the state root" % kind)
        check(not present, "%s: proved absent" % kind)
        eq(hashlib.sha256(bytes.fromhex(p["header"])).hexdigest(), tip["hash"],
           "%s: the header is that block's" % kind)
        eq(p["commit"][:16], "%016x" % int(tip["height"]), "%s: that block's commit" % kind)
    latest = n.get("/api/v1/blocks/latest")
    check(latest["state_root"] != tip["state_root"], "a later block with another root")
    r = n.request("GET", "/api/v1/state/validator/%s?prove=true" % op)
    assert_error(r, 404, "not_found", "at the tip")
    eq(r.json["proof"]["state_root"], latest["state_root"], "the tip's root")
    eq(proof_root(r.json["proof"]["key"], r.json["proof"]["proof"])[0].hex(),
       latest["state_root"], "the tip's proof leads to its root")
    r = n.request("GET", "/api/v1/state/validator/%s?prove=true&height=%d" %
                  (op, int(latest["height"]) + 1))
    assert_error(r, 404, "not_found", "a height past the tip")
    eq(r.json["error"].get("field"), "height", "names height")
    check("proof" not in r.json, "no proof without a state")

    refusals = [
        ("/api/v1/state/account/%s" % op, "kind"),
        ("/api/v1/state/1/%s" % op, "kind"),
        ("/api/v1/state/wallet/%s" % op, "kind"),
        ("/api/v1/state/0/%s" % op, "kind"),
        ("/api/v1/state/256/%s" % op, "kind"),
        ("/api/v1/state/validator/%s" % ("ab" * 97), "natural_key"),
        ("/api/v1/state/validator/abc", "natural_key"),
        ("/api/v1/state/validator/zz", "natural_key"),
        ("/api/v1/state/validator/%s?prove=yes" % op, "prove"),
        ("/api/v1/state/validator/%s?prove=true&height=0" % op, "height"),
        ("/api/v1/state/validator/%s?height=1" % op, "height"),
    ]
    for path, field in refusals:
        r = n.request("GET", path)
        check(r.status == 400, "%s: 400, got %d" % (path, r.status))
        eq(r.json["error"].get("field"), field, "%s: the field named" % path)
