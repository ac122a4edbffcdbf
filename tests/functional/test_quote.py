"""POST /api/v1/txs/quote on one real node: the fee, the nonce, the bytes to sign and the
BIP-340 message of an unsigned transfer. A transaction signed elsewhere from the quote
(chroom-wallet here, with the same fields) starts with the quote's sign_bytes, its
signature verifies over the quote's sighash (checked in plain Python), and it commits.
Every malformed request is a 400 naming its field, and a quote changes nothing."""

import json
import os

from bip340 import tagged_hash, verify
from node import (Chain, Key, Node, assert_error, binary, check, eq, run_ok, sign, start_node,
                  wallet_cmd)

QUOTE = "/api/v1/txs/quote"


def quote(n, body, want=200):
    r = n.request("POST", QUOTE, body)
    eq(r.status, want, "quote %r: %r" % (body, r))
    return r.json


def test_quote_then_sign_elsewhere_and_submit(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    body = {"type": "transfer", "from": alice.address, "to": bob.address, "amount": "1234",
            "memo": "invoice 7"}
    q = quote(n, body)
    eq(q["chain_id"], c.chain_id, "chain_id")
    eq(q["fee"], str(c.fee), "fee is the chain's minimum")
    eq(q["min_fee"], str(c.fee), "min_fee")
    eq(q["nonce"], "0", "first nonce")
    eq(q["expiry_height"], "0", "no expiry")
    eq((q["from"], q["to"], q["amount"], q["memo"]),
       (alice.address, bob.address, "1234", "invoice 7"), "the transfer echoed")
    eq(q["tx_template"]["signature_bytes"], 64, "signature length")
    sb = bytes.fromhex(q["sign_bytes"])
    eq(tagged_hash("CHROOM/tx", sb).hex(), q["sighash"], "sighash = tagged hash of sign_bytes")

    tx = sign(alice, c.chain_id, bob.address, 1234, int(q["nonce"]), fee=int(q["fee"]),
              memo="invoice 7")[0]
    check(tx.startswith(q["sign_bytes"]), "the signed tx starts with sign_bytes")
    eq(len(tx), len(q["sign_bytes"]) + 128, "then exactly a 64-byte signature")
    raw = bytes.fromhex(tx)
    check(verify(bytes.fromhex(alice.pubkey), bytes.fromhex(q["sighash"]), raw[-64:]),
          "the wallet's signature verifies over the quote's sighash")
    r = n.submit(tx, wait=True)
    eq((r.status, r.json["status"]), (200, "committed"), "submitted: %r" % r)

    # The next quote has the next nonce; a pending transaction counts.
    q2 = quote(n, dict(body, amount="5"))
    eq(q2["nonce"], "1", "nonce after one committed")
    pending = sign(alice, c.chain_id, bob.address, 5, 1)[0]
    eq(n.submit(pending).status in (200, 202), True, "second submitted")
    q3 = quote(n, dict(body, amount="6"))
    check(q3["nonce"] in ("2",), "pending nonce counted: %r" % q3["nonce"])


def test_quote_takes_given_fee_nonce_expiry(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    body = {"type": "transfer", "from": alice.address, "to": bob.address, "amount": "10"}
    q = quote(n, dict(body, fee="5000", nonce="0", expiry_height="900"))
    eq((q["fee"], q["nonce"], q["expiry_height"]), ("5000", "0", "900"), "given terms kept")
    eq(q["memo"], "", "no memo")
    tx = sign(alice, c.chain_id, bob.address, 10, 0, fee=5000, expiry=900)[0]
    check(tx.startswith(q["sign_bytes"]), "the wallet's tx starts with sign_bytes")
    # A higher fee still commits at once when the nonce is right.
    q = quote(n, dict(body, fee="2500"))
    tx = sign(alice, c.chain_id, bob.address, 10, int(q["nonce"]), fee=2500)[0]
    check(tx.startswith(q["sign_bytes"]), "fee 2500: starts with sign_bytes")
    eq(n.submit(tx, wait=True).json["status"], "committed", "fee 2500 commits")
    eq(n.account(alice.address)["balance"], str(10**12 - 2510), "alice paid 10 + 2500")
    e = assert_error(n.request("POST", QUOTE, dict(body, nonce="0")), 409, "nonce_mismatch")
    eq(e["field"], "nonce", "a used nonce")
    e = assert_error(n.request("POST", QUOTE, dict(body, fee="999")), 400, "fee_too_low")
    eq(e["field"], "fee", "fee below the minimum")
    n.wait_height(1)
    e = assert_error(n.request("POST", QUOTE, dict(body, expiry_height="1")), 400, "expired")
    eq(e["field"], "expiry_height", "an expiry already passed")


def test_quote_nonce_agrees_with_admission(t):
    # A quote refuses exactly the nonces a submission would, with the same code and message:
    # a gap and a committed nonce are nonce_mismatch, a pending transaction's nonce_conflict.
    n = start_node(t, conf={"consensus": {"block_interval_ms": 30000}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    body = {"type": "transfer", "from": alice.address, "to": bob.address, "amount": "10"}

    def both(nonce, status, code):
        qe = assert_error(n.request("POST", QUOTE, dict(body, nonce=str(nonce))), status, code,
                          "quote nonce %d" % nonce)
        se = assert_error(n.submit(c.sign(alice, bob, 10, nonce)[0]), status, code,
                          "submit nonce %d" % nonce)
        eq((qe["field"], qe["message"]), (se["field"], se["message"]), "quote as admission")

    both(3, 409, "nonce_mismatch")  # a gap over an account without pending transactions
    eq(quote(n, dict(body, nonce="0"))["nonce"], "0", "the next nonce is quoted")
    eq(n.submit(c.sign(alice, bob, 1, 0)[0]).status, 202, "nonce 0 pending")
    both(0, 409, "nonce_conflict")  # held by the pending transaction
    both(2, 409, "nonce_mismatch")  # a gap over the pending one
    eq(quote(n, dict(body, nonce="1"))["nonce"], "1", "the nonce after the pending one")
    eq(n.account(alice.address)["pending_nonce"], "1", "nothing admitted by the refusals")


def test_quote_refuses_malformed_requests(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    good = {"type": "transfer", "from": alice.address, "to": bob.address, "amount": "10"}
    cases = [
        (dict(good, extra="1"), "unknown_field", None),
        (dict(good, type="stake"), "bad_tx_type", "type"),
        (dict(good, type=1), "invalid_type", "type"),
        ({k: v for k, v in good.items() if k != "type"}, "invalid_argument", "type"),
        ({k: v for k, v in good.items() if k != "from"}, "invalid_argument", "from"),
        ({k: v for k, v in good.items() if k != "amount"}, "invalid_argument", "amount"),
        (dict(good, amount=10), "invalid_type", "amount"),
        (dict(good, amount="010"), "invalid_argument", "amount"),
        (dict(good, amount="-1"), "invalid_argument", "amount"),
        (dict(good, amount="1e3"), "invalid_argument", "amount"),
        (dict(good, amount="18446744073709551616"), "invalid_argument", "amount"),
        (dict(good, amount="0"), "bad_amount", "amount"),
        (dict(good, fee=1000), "invalid_type", "fee"),
        (dict(good, fee=""), "invalid_argument", "fee"),
        (dict(good, nonce=None), "invalid_type", "nonce"),
        (dict(good, expiry_height="x"), "invalid_argument", "expiry_height"),
        (dict(good, to="chr1qqqq"), "bad_address", "to"),
        (dict(good, to=["x"]), "invalid_type", "to"),
        (dict(good, from_="x"), "unknown_field", None),
        (dict(good, to=alice.address), "self_transfer", "to"),
        (dict(good, memo="x" * 257), "bad_memo", "memo"),
        (dict(good, memo=7), "invalid_type", "memo"),
    ]
    for body, code, field in cases:
        e = assert_error(n.request("POST", QUOTE, body), 400, code, "body %r" % body)
        eq(e.get("field"), field if field is not None else e.get("field"), "field of %r" % body)
    # A NUL inside the memo breaks the memo's rule: bad_memo naming the memo, and a
    # message about the memo, not about the JSON parser (assert_error checks no JSON_ flag).
    e = assert_error(n.request("POST", QUOTE, dict(good, memo="a\u0000b")), 400, "bad_memo")
    eq(e.get("field"), "memo", "field of a memo with NUL")
    check("NUL" in e["message"], "message says NUL: %r" % e["message"])
    # A NUL in any other string field gets that field's own code.
    e = assert_error(n.request("POST", QUOTE, dict(good, to=bob.address + "\u0000")), 400,
                     "bad_address")
    eq(e.get("field"), "to", "field of an address with NUL")
    e = assert_error(n.request("POST", QUOTE, dict(good, amount="1\u00000")), 400,
                     "invalid_argument")
    eq(e.get("field"), "amount", "field of an amount with NUL")
    assert_error(n.request("POST", QUOTE, dict(good, type="transfer\u0000")), 400, "bad_tx_type")
    # A memo of 256 bytes in two-byte UTF-8 characters is fine; 258 bytes are not.
    quote(n, dict(good, memo="\u00e9" * 128))
    assert_error(n.request("POST", QUOTE, dict(good, memo="\u00e9" * 129)), 400, "bad_memo")
    # Not JSON, duplicate keys, not an object, wrong content type, wrong method.
    assert_error(n.request("POST", QUOTE, "{"), 400, "bad_json")
    dup = '{"type":"transfer","type":"transfer","from":"%s","to":"%s","amount":"1"}' % (
        alice.address, bob.address)
    assert_error(n.request("POST", QUOTE, dup), 400, "bad_json")
    assert_error(n.request("POST", QUOTE, "[]"), 400, "bad_json")
    assert_error(n.request("POST", QUOTE, good, content_type="text/plain"), 415)
    assert_error(n.request("GET", QUOTE), 405, "method_not_allowed")
    # Nothing was admitted or committed by any of it.
    acct = n.account(alice.address)
    eq((acct["nonce"], acct["pending_nonce"]), ("0", "0"), "alice's nonces")
    eq(n.status()["mempool_txs"], 0, "mempool")


def test_quote_sign_bytes_match_the_protocol_vector(t):
    # docs/PROTOCOL.md's worked example: secret 11..11 sends 2,500,000 with fee 1000 and
    # nonce 7 on chain chroom-devnet, memo "invoice 42", to the key of secret 22..22.
    keys = {}
    for name, byte in (("k1", "11"), ("k2", "22")):
        path = t.path(name + ".key")
        with open(path, "w") as f:
            f.write(byte * 32 + "\n")
        os.chmod(path, 0o600)
        keys[name] = json.loads(run_ok(wallet_cmd("address", "--key", path, json_out=True)))
        keys[name]["path"] = path
    c = Chain(t, {"alice": 10**12}, chain_id="chroom-devnet")
    # The example's sender is funded, and its nonces 0 to 6 are pending before the quote of
    # nonce 7: a quote takes only the next nonce, as a submission does.
    k1 = Key(keys["k1"]["path"], keys["k1"]["address"], keys["k1"]["public_key"])
    g = [binary("chroom-genesis"), "--file", c.genesis]
    run_ok(g + ["add-account", k1.address, str(10**10)])
    c.genesis_hash = run_ok(g + ["hash"]).strip()
    c.balances[k1.address] = 10**10
    c.supply += 10**10
    c.addresses.add(k1.address)
    n = Node(t, c).start()
    eq(n.batch(sign(k1, c.chain_id, keys["k2"]["address"], 1, 0, count=7)).status, 200,
       "nonces 0 to 6")
    eq(n.account(k1.address)["pending_nonce"], "7", "the example's nonce is the next")
    body = {"type": "transfer", "from": keys["k1"]["address"], "to": keys["k2"]["address"],
            "amount": "2500000", "fee": "1000", "nonce": "7", "memo": "invoice 42"}
    q = quote(n, body)
    eq(q["from"], "chr1fu64hh9hes90w2808n8tjc2ajp5yhddjef0ctx4s7zmsgp6cwx4q4vqr28", "from")
    expect = ("01" "01" "0d" "6368726f6f6d2d6465766e6574"
              "4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"
              "0000000000000007" "00000000000003e8" "0000000000000000"
              "000a" "696e766f696365203432"
              "466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27"
              "00000000002625a0")
    eq(q["sign_bytes"], expect, "sign_bytes of docs/PROTOCOL.md's example")
    eq(q["sighash"], "94c9eedea806753c61720e490c7cfdeae7dc69afb6e023b99fa4ea701112a6e6",
       "the example's signing message")
