"""chroom-wallet's light client against a real node: trusted state from a genesis file or a
trusted header hash, `balance --verify` of present and never-seen accounts, and a lying
node (a proxy that doctors the ?prove=true answer) refused every time."""

import hashlib
import http.client
import http.server
import json
import os
import stat
import threading
import urllib.parse

from node import (assert_error, binary, check, eq, random_address, run, run_ok, start_node,
                  wallet_cmd)


def w(n, home, *args, url=None, json_out=False):
    return run(wallet_cmd("--home", home, *args, node=url or n.url, json_out=json_out,
                          api_key=n.api_key))


def send_wait(n, home, key, to, amount):
    rc, out, err = w(n, home, "send", to, str(amount), "--raw", "--key", key.path, "--wait")
    eq(rc, 0, "send --wait (stderr %r)" % err)


def trusting_node(t, amount):
    """A node, a wallet home trusting its genesis, and a block with a transfer to bob."""
    n = start_node(t)
    home = t.path("home")
    rc, out, err = w(n, home, "light", "init", "--genesis", n.chain.genesis)
    eq(rc, 0, "light init (stderr %r)" % err)
    send_wait(n, home, n.chain["alice"], n.chain["bob"].address, amount)
    return n, n.chain, home


def test_light_init_from_genesis_and_header(t):
    # Proves light init from a genesis file and from a trusted header hash (checked against
    # the node's block, validator set and the commit in the next block), light status, the state file's mode, and the
    # refusals: no trusted state, both or neither source, a hash the block does not have.
    n = start_node(t)
    home = t.path("home")
    rc, out, err = w(n, home, "light", "status")
    eq(rc, 4, "light status before init (stderr %r)" % err)
    check("light init" in err, "names light init: %r" % err)
    rc, out, err = w(n, home, "light", "init")
    eq(rc, 2, "light init with no source")
    rc, out, err = w(n, home, "light", "init", "--genesis", n.chain.genesis, "--trust-hash",
                     "00" * 32, "--trust-height", "1")
    eq(rc, 2, "light init with both sources")
    rc, out, err = w(n, home, "light", "init", "--genesis", n.chain.genesis)
    eq(rc, 0, "light init --genesis (stderr %r)" % err)
    mode = stat.S_IMODE(os.stat(os.path.join(home, "light.json")).st_mode)
    eq(mode, 0o600, "light.json's mode")
    rc, out, err = w(n, home, "light", "status", json_out=True)
    eq(rc, 0, "light status")
    j = json.loads(out)
    eq((j["chain_id"], j["height"], j["hash"], j["validators"]),
       (n.chain.chain_id, "0", n.chain.genesis_hash, 1), "light status --json")

    # Two blocks: block 2's last_commit is the commit that finalizes block 1.
    send_wait(n, home, n.chain["alice"], n.chain["bob"].address, 5)
    send_wait(n, home, n.chain["alice"], n.chain["bob"].address, 5)
    check(int(n.get("/api/v1/status")["latest_height"]) >= 2, "two blocks")
    b1 = n.get("/api/v1/blocks/1")
    rc, out, err = w(n, home, "light", "init", "--trust-hash", b1["hash"], "--trust-height", "1")
    eq(rc, 0, "light init --trust-hash (stderr %r)" % err)
    rc, out, err = w(n, home, "light", "status")
    check("trusted_height   1" in out and b1["hash"] in out, "status %r" % out)
    # A header trusted by hash is trusted for a week unless told otherwise; 0 and more than
    # a year are refused as usage errors.
    check("trusting_period  604800000 ms" in out, "the default trusting period: %r" % out)
    for bad in ["0", "31536000001", "x"]:
        rc, _, err = w(n, home, "light", "init", "--trust-hash", b1["hash"], "--trust-height",
                       "1", "--trusting-period-ms", bad)
        eq(rc, 2, "--trusting-period-ms %s (stderr %r)" % (bad, err))
    other = b1["hash"][:-1] + ("0" if b1["hash"][-1] != "0" else "1")
    rc, out, err = w(n, home, "light", "init", "--trust-hash", other, "--trust-height", "1")
    eq(rc, 1, "light init with a hash the block does not have (stderr %r)" % err)
    check("NOT VERIFIED" in err, "says so: %r" % err)
    # The tip: no next block yet, so its commit comes from a ?prove=true answer.
    tip = n.get("/api/v1/blocks/latest")
    rc, out, err = w(n, home, "light", "init", "--trust-hash", tip["hash"], "--trust-height",
                     tip["height"])
    eq(rc, 0, "light init --trust-hash of the tip (stderr %r)" % err)
    rc, out, err = w(n, home, "light", "init", "--trust-hash", b1["hash"], "--trust-height", "1")
    eq(rc, 0, "light init --trust-hash back to block 1 (stderr %r)" % err)
    proxy = LyingProxy(n)
    try:
        proxy.mode = "last_commit"
        rc, out, err = w(n, home, "light", "init", "--trust-hash", b1["hash"], "--trust-height",
                         "1", url=proxy.url)
        eq(rc, 1, "light init with a doctored commit (stderr %r)" % err)
        check("NOT VERIFIED" in err and "commit" in err, "says so: %r" % err)
    finally:
        proxy.close()
    rc, out, err = w(n, home, "light", "status")
    check(b1["hash"] in out, "a refused init keeps the trusted state: %r" % out)


def test_prove_flag_and_answer(t):
    # Proves the ?prove flag of GET /api/v1/accounts/{address}: exactly true or false (else
    # 400 invalid_argument naming prove), 404 before the first block, and the proof object's
    # fields: the tip's height and state root, the key, the account encoding (null when
    # absent), and the tip's header (hashing to the block's hash) and commit.
    n = start_node(t)
    c = n.chain
    bob = c["bob"]
    for bad in ["yes", "TRUE", "1", ""]:
        r = n.request("GET", "/api/v1/accounts/%s?prove=%s" % (bob.address, bad))
        assert_error(r, 400, "invalid_argument", "prove=%r" % bad)
        eq(r.json["error"].get("field"), "prove", "the field named")
    r = n.request("GET", "/api/v1/accounts/%s?prove=true" % bob.address)
    assert_error(r, 404, "not_found", "prove before the first block")
    eq(set(n.get("/api/v1/accounts/%s?prove=false" % bob.address)),
       {"address", "balance", "nonce", "pending_nonce"}, "prove=false: the plain answer")
    send_wait(n, t.path("home"), c["alice"], bob.address, 4)
    j = n.get("/api/v1/accounts/%s?prove=true" % bob.address)
    p = j["proof"]
    tip = n.get("/api/v1/blocks/latest")
    eq((p["height"], p["state_root"], p["key"]), (tip["height"], tip["state_root"], bob.pubkey),
       "proof height, root and key")
    eq(p["value"], "%016x%016x" % (int(j["balance"]), int(j["nonce"])), "account encoding")
    eq(hashlib.sha256(bytes.fromhex(p["header"])).hexdigest(), tip["hash"], "header hash")
    eq(p["commit"][:16], "%016x" % int(tip["height"]), "the commit's height")
    nobody = n.get("/api/v1/accounts/%s?prove=true" % random_address())
    eq((nobody["balance"], nobody["proof"]["value"]), ("0", None), "absent account")
    # By default only the latest state is kept: an earlier height is not found.
    send_wait(n, t.path("home"), c["alice"], bob.address, 1)
    tip = int(n.get("/api/v1/status")["latest_height"])
    r = n.request("GET", "/api/v1/accounts/%s?prove=true&height=%d" % (bob.address, tip - 1))
    assert_error(r, 404, "not_found", "an earlier height with state_versions_kept = 1")
    eq(r.json["error"].get("field"), "height", "the field named")


def test_balance_verify_from_node(t):
    # Proves balance --verify of a present and a never-seen account against a node it does
    # not trust: the balances are the node's, the trusted height moves forward, and light
    # update trusts the latest block.
    n, c, home = trusting_node(t, 7)
    rc, out, err = w(n, home, "balance", c["bob"].address, "--verify", json_out=True)
    eq(rc, 0, "balance --verify (stderr %r)" % err)
    j = json.loads(out)
    eq(j["balance"], str(n.balance(c["bob"].address)), "verified balance")
    eq(j["verified"], True, "verified flag")
    check(int(j["height"]) >= 1, "height %r" % j)
    nobody = random_address()
    rc, out, err = w(n, home, "balance", nobody, "--verify")
    eq(rc, 0, "balance --verify of a never-seen address (stderr %r)" % err)
    check("balance        0 units" in out and "verified" in out, "output %r" % out)
    send_wait(n, home, c["alice"], c["bob"].address, 1)
    rc, out, err = w(n, home, "light", "update")
    eq(rc, 0, "light update (stderr %r)" % err)
    eq(out.split("trusted_height")[1].split()[0], n.get("/api/v1/status")["latest_height"],
       "trusted height after update")


class LyingProxy:
    """Forwards requests to the node and doctors the ?prove=true answer as `mode` says (or,
    for the modes last_commit and block, every block it serves)."""

    def __init__(self, node):
        self.node = node
        self.mode = None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                conn = http.client.HTTPConnection("127.0.0.1", proxy.node.port, timeout=15)
                headers = {k: v for k, v in self.headers.items() if k.lower() == "authorization"}
                conn.request("GET", self.path, headers=headers)
                r = conn.getresponse()
                body = r.read()
                url = urllib.parse.urlparse(self.path)
                if r.status == 200 and "prove=true" in url.query:
                    body = proxy.doctor(json.loads(body))
                elif r.status == 200 and proxy.mode == "last_commit" and \
                        url.path.startswith("/api/v1/blocks/"):
                    j = json.loads(body)
                    if j.get("last_commit"):
                        sig = j["last_commit"]["signatures"][0]
                        sig["signature"] = proxy.flip(sig["signature"], 5)
                    body = json.dumps(j).encode()
                elif r.status == 200 and proxy.mode == "block" and \
                        url.path.startswith("/api/v1/blocks/"):
                    # Another state root in every block served: not the block its commit signed.
                    j = json.loads(body)
                    j["state_root"] = proxy.flip(j["state_root"], 3)
                    body = json.dumps(j).encode()
                self.send_response(r.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def flip(hex_str, at):
        b = bytearray(bytes.fromhex(hex_str))
        b[at % len(b)] ^= 0x01
        return b.hex()

    def doctor(self, j):
        p = j["proof"]
        m = self.mode
        if m == "balance":
            j["balance"] = str(int(j["balance"]) + 1000)
        elif m == "value":
            # A richer account, its encoding changed to match the balance shown.
            v = bytearray(bytes.fromhex(p["value"]))
            v[6] ^= 0x10
            p["value"] = v.hex()
            j["balance"] = str(int.from_bytes(v[:8], "big"))
        elif m == "proof":
            p["proof"] = self.flip(p["proof"], len(p["proof"]) // 2 - 3)
        elif m == "absent":
            p["value"] = None
            j["balance"] = "0"
        elif m == "header":
            p["header"] = self.flip(p["header"], len(p["header"]) // 2 - 40)
        elif m == "commit":
            p["commit"] = self.flip(p["commit"], len(p["commit"]) // 2 - 10)
        elif m == "state_root":
            p["state_root"] = self.flip(p["state_root"], 0)
        elif m == "height":
            p["height"] = str(int(p["height"]) + 1)
        return json.dumps(j).encode()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_balance_verify_refuses_a_lying_node(t):
    # Proves that balance --verify fails (exit 1, NOT VERIFIED, trusted state unchanged)
    # when anything in the answer is doctored between node and wallet: the balance, the
    # account value, the proof, a claim of absence, the header, the commit, the state root
    # or the height; and that the same proxy passing answers through verifies.
    n, c, home = trusting_node(t, 3)
    proxy = LyingProxy(n)
    try:
        rc, out, err = w(n, home, "balance", c["bob"].address, "--verify", url=proxy.url)
        eq(rc, 0, "an honest answer through the proxy (stderr %r)" % err)
        rc, before, err = w(n, home, "light", "status")
        for mode in ["balance", "value", "proof", "absent", "header", "commit", "state_root",
                     "height"]:
            proxy.mode = mode
            # A new block each time, so that a header lie is about a height not yet trusted.
            send_wait(n, home, c["alice"], c["bob"].address, 1)
            rc, out, err = w(n, home, "balance", c["bob"].address, "--verify", url=proxy.url)
            eq(rc, 1, "balance --verify through a proxy lying about %s (stdout %r, stderr %r)"
               % (mode, out, err))
            check("NOT VERIFIED" in err, "%s: says so: %r" % (mode, err))
            rc, after, err = w(n, home, "light", "status")
            eq(after, before, "%s: the trusted state stays as it was" % mode)
    finally:
        proxy.close()


def proof_root(key_hex, proof_hex):
    """The root a proof (docs/PROTOCOL.md, "State proofs") leads to for key, and whether the
    key is present; fails on a malformed proof."""
    b = bytes.fromhex(proof_hex)
    key = bytes.fromhex(key_hex)
    check(b[0] == 1 and b[1:33] == key and b[33] in (0, 1), "proof header")
    at = 34
    if b[33] == 0:
        check(b[at:] == b"\0\0", "empty-trie proof")
        return bytes(32), False
    leaf_key, leaf_value = b[at:at + 32], b[at + 32:at + 64]
    at += 64
    steps = int.from_bytes(b[at:at + 2], "big")
    at += 2
    check(len(b) == at + 34 * steps, "proof length")
    h = hashlib.sha256(b"\0" + leaf_key + leaf_value).digest()
    prev = 256
    for i in range(steps):
        bit = int.from_bytes(b[at:at + 2], "big")
        sib = b[at + 2:at + 34]
        at += 34
        side = (leaf_key[bit // 8] >> (7 - bit % 8)) & 1
        check(bit < prev and side == (key[bit // 8] >> (7 - bit % 8)) & 1, "step %d" % i)
        pair = sib + h if side else h + sib
        h = hashlib.sha256(b"\1" + bit.to_bytes(2, "big") + pair).digest()
        prev = bit
    return h, leaf_key == key


def check_past_proof(n, address, h, balance):
    """GET ?prove=true&height=h answers balance (a decimal string) at height h, with block
    h's header and a proof that leads from the account's leaf to block h's state root."""
    j = n.get("/api/v1/accounts/%s?prove=true&height=%d" % (address, h))
    p = j["proof"]
    block = n.get("/api/v1/blocks/%d" % h)
    eq((int(p["height"]), j["balance"]), (h, balance), "the account at height %d" % h)
    eq(p["state_root"], block["state_root"], "the block's state root")
    eq(hashlib.sha256(bytes.fromhex(p["header"])).hexdigest(), block["hash"], "its header")
    root, present = proof_root(p["key"], p["proof"])
    eq((root.hex(), present), (block["state_root"], True), "the proof leads to the root")
    eq(hashlib.sha256(bytes.fromhex(p["value"])).digest(), bytes.fromhex(p["proof"])[66:98],
       "the value is the leaf's")


def test_prove_at_a_past_height(t):
    # Proves ?prove=true&height=H: after several blocks that changed bob's balance, a proof
    # at each earlier height answers bob's balance as it was then, against that block's
    # state root, with that block's header; height without prove, height 0 and a height
    # past the tip are 400/400/404 naming the field.
    n = start_node(t, conf={"store": {"state_versions_kept": 16}})
    c = n.chain
    bob = c["bob"]
    home = t.path("home")
    seen = []
    for amount in [3, 5, 8]:
        send_wait(n, home, c["alice"], bob.address, amount)
        j = n.get("/api/v1/accounts/%s?prove=true" % bob.address)
        seen.append((int(j["proof"]["height"]), j["balance"]))
    for h, balance in seen:
        check_past_proof(n, bob.address, h, balance)
    tip = int(n.get("/api/v1/status")["latest_height"])
    for q, status in [("height=%d" % seen[0][0], 400), ("prove=true&height=0", 400),
                      ("prove=true&height=%d" % (tip + 1000), 404)]:
        r = n.request("GET", "/api/v1/accounts/%s?%s" % (bob.address, q))
        eq(r.status, status, q)
        eq(r.json["error"].get("field"), "height", "the field named for %s" % q)


def test_archive_proves_far_below_the_tip(t):
    # Proves an archive node (state_versions_kept = 0) answers ?prove=true&height=H for an H
    # more than 1,000 blocks below the latest: bob's balance as it was then, with a proof
    # that leads to block H's state root and block H's header, while the same account at
    # the tip has moved on. The chain is grown by statebuild (one account a block, versions
    # kept as an archive's), the way the node's writer would.
    n = start_node(t, conf={"store": {"state_versions_kept": 0}})
    c = n.chain
    bob = c["bob"]
    r = n.submit(c.sign(c["alice"], bob, 3, 0)[0], wait=True)
    eq(r.json["status"], "committed", "a transfer to bob")
    h = int(r.json["height"])
    then = n.balance(bob.address)
    eq(n.stop(), 0, "exit status after SIGTERM")
    out = run_ok([binary("tests/statebuild"), "add", "--data", n.data_dir, "--genesis",
                  c.genesis, "--key", c.validator.path, "--count", "1100", "--batch", "1",
                  "--versions-kept", "0"], timeout=120)
    check("1100 accounts in 1100 blocks" in out, "statebuild's report: %r" % out)
    n.start()
    r = n.submit(c.sign(c["alice"], bob, 5, 1)[0], wait=True)
    eq(r.json["status"], "committed", "a transfer to bob after the build")
    tip = int(n.get("/api/v1/status")["latest_height"])
    check(tip - h > 1000, "height %d is %d blocks below the tip" % (h, tip - h))
    eq(n.balance(bob.address), then + 5, "bob's balance at the tip")
    check_past_proof(n, bob.address, h, str(then))
    nobody = random_address()
    j = n.get("/api/v1/accounts/%s?prove=true&height=%d" % (nobody, h + 1))
    root, present = proof_root(j["proof"]["key"], j["proof"]["proof"])
    eq((root.hex(), present), (n.get("/api/v1/blocks/%d" % (h + 1))["state_root"], False),
       "a never-seen account's non-membership proof at height %d" % (h + 1))
