"""chroom-wallet against a real node: sending, reading, exit codes (0 done, 1 refused,
2 usage, 3 node unreachable or timed out, 4 local error, 5 passphrase) and its messages,
with raw key files; the keystore's commands are test_wallet_keys.py's."""

import json
import os
import socket
import subprocess
import threading
import time

from node import (check, eq, keygen, random_address, refused_port, run, start_node, tx_hash,
                  wallet_cmd)


def w(n, *args, timeout_ms=None, json_out=False, env=None):
    return run(wallet_cmd(*args, node=n.url if n else None, timeout_ms=timeout_ms,
                          json_out=json_out, api_key=n.api_key if n else None), env=env)


def test_send_wait_moves_funds(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    a0, b0 = n.balance(alice.address), n.balance(bob.address)
    rc, out, err = w(n, "send", bob.address, "2500", "--raw", "--key", alice.path, "--wait")
    eq(rc, 0, "send --wait exit status (stderr %r)" % err)
    words = out.split()
    check(len(words) >= 5 and words[1:4] == ["committed", "at", "height"], "output %r" % out)
    h = words[0]
    eq(n.get("/api/v1/txs/" + h)["status"], "committed", "the tx it named")
    eq(n.balance(alice.address), a0 - 2500 - 1000, "alice pays amount + the node's minimum fee")
    eq(n.balance(bob.address), b0 + 2500, "bob")
    # --json, an explicit fee and a memo.
    rc, out, err = w(n, "send", bob.address, "1", "--raw", "--key", alice.path, "--fee", "2000",
                     "--memo", "hello", "--wait", json_out=True)
    eq(rc, 0, "send --json exit status (stderr %r)" % err)
    j = json.loads(out)
    eq((j["status"], j["error"]), ("committed", None), "send --json answer")
    tx = n.get("/api/v1/txs/" + j["hash"])["tx"]
    eq((tx["fee"], tx["memo"], tx["nonce"]), ("2000", "hello", "1"), "fee, memo, nonce")
    # Two sends without --wait take consecutive nonces from pending_nonce.
    hashes = []
    for _ in range(2):
        rc, out, err = w(n, "send", alice.address, "3", "--raw", "--key", bob.path)
        eq(rc, 0, "send without --wait (stderr %r)" % err)
        check(out.split()[1] in ("pending", "committed"), "output %r" % out)
        hashes.append(out.split()[0])
    nonces = sorted(n.wait_tx(h)["tx"]["nonce"] for h in hashes)
    eq(nonces, ["0", "1"], "nonces of two quick sends")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_broadcast_balance_tx_status(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    tx = c.sign(alice, bob, 77, 0)[0]
    rc, out, err = w(n, "broadcast", tx, "--wait")
    eq(rc, 0, "broadcast exit status (%r)" % err)
    check(out.startswith(tx_hash(tx) + " committed"), "broadcast output %r" % out)
    rc, out, err = w(n, "balance", bob.address)
    eq(rc, 0, "balance exit status")
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    eq(fields["balance"], "1000000.000077 CHR (%d units)" % (10**12 + 77), "balance printed")
    eq(fields["address"], bob.address, "address printed")
    rc, out, err = w(n, "tx", tx_hash(tx), json_out=True)
    eq(rc, 0, "tx exit status")
    eq(json.loads(out)["status"], "committed", "tx --json")
    rc, out, err = w(n, "status")
    eq(rc, 0, "status exit status")
    check(c.chain_id in out, "status prints the chain id: %r" % out)
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    eq((fields["chain_id"], fields["latest_height"]), (c.chain_id, "1"), "status fields")
    rc, out, err = w(n, "status", json_out=True)
    eq(json.loads(out)["chain_id"], c.chain_id, "status --json")
    # $CHROOM_NODE names the node when --node is absent, $CHROOM_API_KEY the key.
    env = dict(os.environ, CHROOM_NODE=n.url, CHROOM_API_KEY=n.api_key)
    rc, out, err = run(wallet_cmd("status"), env=env)
    eq(rc, 0, "status with CHROOM_NODE (%r)" % err)
    check(c.chain_id in out, "status with CHROOM_NODE prints the chain id")


def test_refusals_exit_1(t):
    n = start_node(t, accounts={"alice": 10**12, "poor": 10})
    c = n.chain
    rc, out, err = w(n, "send", c["alice"].address, "5", "--raw", "--key", c["poor"].path,
                     "--wait")
    eq(rc, 1, "send with too little money")
    check("insufficient_funds" in err and "400" in err, "stderr %r" % err)
    # A transaction the node does not know: its status is printed, and the exit is 1.
    rc, out, err = w(n, "tx", "ab" * 32)
    eq(rc, 1, "tx of an unknown hash")
    check("does not know" in err, "stderr %r" % err)
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    eq((fields["hash"], fields["status"]), ("ab" * 32, "unknown"), "tx of an unknown hash")
    rc, out, err = w(n, "tx", "ab" * 32, json_out=True)
    eq((rc, json.loads(out)["status"]), (1, "unknown"), "tx --json of an unknown hash")
    rc, out, err = w(n, "balance", "chr1notanaddress")
    eq(rc, 2, "balance of a bad address (checked before any call)")
    check("not a chr1... address" in err, "stderr %r" % err)
    tx = c.sign(c["alice"], c["poor"], 1, 7)[0]
    rc, out, err = w(n, "broadcast", tx)
    eq(rc, 1, "broadcast with a gap nonce")
    check("nonce_mismatch" in err and "expected 0, got 7" in err, "stderr %r" % err)


def test_usage_errors_exit_2(t):
    n = start_node(t)
    c = n.chain
    k = c["alice"].path
    cases = [
        (["frobnicate"], "unknown command"),
        (["status", "extra"], "unknown command or extra argument"),
        ([], None),
        (["send", "--bogus", "1"], "unknown option"),
        (["send", "--key"], "needs a value"),
        (["send", "--key", k, "--to", c["bob"].address, "--amount", "1"], "--to"),
        (["send", "chr1xyz", "1", "--key", k], "not a chr1... address"),
        (["send", c["bob"].address, "-5", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, "1.5", "--raw", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, "1.5000001", "--key", k], "more decimals"),
        (["send", c["bob"].address, "18446744073709551616", "--raw", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, "18446744073709.551616", "--key", k], "too large"),
        (["send", c["bob"].address, "007", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, "1e3", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, "1,5", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, ".5", "--key", k], "AMOUNT"),
        (["send", c["bob"].address, "0", "--key", k], "more than zero"),
        (["send", c["bob"].address, "1", "--key", k, "--fee", "0.0000001"], "--fee"),
        (["send", c["bob"].address, "--key", k], "missing arguments"),
        (["send", c["alice"].address, "1", "--key", k], "oneself"),
        (["send", c["bob"].address, "1", "--key", k, "--key-file", k], "not both"),
        (["send", c["bob"].address, "1", "--key", "no such name"], "not a key name"),
        (["send", c["bob"].address, "1", "--yes", "--key", k], "unknown option for send"),
        (["--json=1", "status"], "takes no value"),
        (["history", c["bob"].address, "--limit", "101"], "--limit"),
        (["history", c["bob"].address, "--direction", "up"], "--direction"),
        (["history", c["bob"].address, "--cursor", "a/b"], "--cursor"),
        (["tx", "status", "abc"], "not a transaction hash"),
        (["tx", "frob", "x"], "unknown command: tx frob"),
        (["key"], "the key commands"),
        (["node"], "unknown command"),
        (["help", "frob"], "no command named"),
        (["sign", "--key", k, "--to", c["bob"].address, "--amount", "1", "--fee", "1000",
          "--nonce", "0"], "--chain-id"),
        (["sign", "--key", k, "--chain-id", c.chain_id, "--to", c["bob"].address, "--amount",
          "1", "--fee", "1000", "--nonce", "0", "--count", "0"], "--count"),
        (["sign", "--key", k, "--chain-id", "Bad_Chain", "--to", c["bob"].address, "--amount",
          "1", "--fee", "1000", "--nonce", "0"], "chain"),
        (["sign", "--key", k, "--chain-id", c.chain_id, "--to", c["bob"].address, "--amount",
          "1", "--fee", "1000", "--nonce", "0", "--memo", "m" * 257], "memo"),
        (["keygen"], "--out"),
        (["broadcast"], "broadcast"),
        (["balance"], "balance"),
        (["--timeout-ms", "0", "status"], "timeout"),
    ]
    for args, msg in cases:
        rc, out, err = w(n, *args)
        eq(rc, 2, "exit status of %r (stderr %r)" % (args, err[:200]))
        check(err.strip(), "%r: nothing on stderr" % (args,))
        if msg:
            check(msg in err, "%r: stderr lacks %r: %r" % (args, msg, err[:300]))
    eq(n.account(c["alice"].address)["nonce"], "0", "nothing was sent")
    rc, out, err = run(wallet_cmd("status", node="ftp://127.0.0.1:1"))
    eq(rc, 2, "a node URL that is not http(s) (stderr %r)" % err)
    check("not a node URL" in err, "stderr %r" % err)
    rc, out, err = run(wallet_cmd("help"))
    eq((rc, "usage" in out), (0, True), "help")


def test_node_down_exits_3_within_the_timeout(t):
    port = refused_port(t)  # nothing listens there
    url = "http://127.0.0.1:%d" % port
    key = keygen(t, "k")
    to = random_address()
    for args in (["status"], ["balance", key.address], ["tx", "ab" * 32],
                 ["send", to, "1", "--key", key.path]):
        start = time.monotonic()
        rc, out, err = run(wallet_cmd(*args, node=url, timeout_ms=2000))
        took = time.monotonic() - start
        eq(rc, 3, "%s with no node (stderr %r)" % (args[0], err))
        check(err.strip(), "%s: nothing on stderr" % args[0])
        check(took < 2 + 2, "%s took %.1f s" % (args[0], took))

    # A node that accepts connections and never answers: the timeout bounds the wait.
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    conns = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                pass

    th = threading.Thread(target=accept)
    th.start()
    try:
        url = "http://127.0.0.1:%d" % srv.getsockname()[1]
        for args in (["status"], ["send", to, "1", "--key", key.path]):
            start = time.monotonic()
            rc, out, err = run(wallet_cmd(*args, node=url, timeout_ms=2000))
            took = time.monotonic() - start
            eq(rc, 3, "%s against a silent server (stderr %r)" % (args[0], err))
            check(1.5 < took < 2 + 2, "%s against a silent server took %.1f s" % (args[0], took))
    finally:
        stop.set()
        th.join(5)
        for s in conns:
            s.close()
        srv.close()


def test_keygen_refuses_to_overwrite(t):
    k = keygen(t, "mine")
    with open(k.path) as f:
        before = f.read()
    rc, out, err = run(wallet_cmd("keygen", "--out", k.path))
    eq(rc, 4, "keygen over an existing key (stderr %r)" % err)
    check("exists" in err, "stderr %r" % err)
    with open(k.path) as f:
        eq(f.read(), before, "the key file is unchanged")
    eq(os.stat(k.path).st_mode & 0o777, 0o600, "key file mode")
    # Any existing file, even an empty one, is kept.
    other = t.path("empty.key")
    open(other, "w").close()
    rc, out, err = run(wallet_cmd("keygen", "--out", other))
    eq(rc, 4, "keygen over an empty file")
    eq(os.path.getsize(other), 0, "the empty file is unchanged")
    rc, out, err = run(wallet_cmd("keygen", "--out", t.path("no-such-dir", "k.key")))
    eq(rc, 4, "keygen into a missing directory")
    # A key file that is not a key.
    bad = t.path("bad.key")
    with open(bad, "w") as f:
        f.write("not hex\n")
    os.chmod(bad, 0o600)
    rc, out, err = run(wallet_cmd("address", "--key", bad))
    eq(rc, 4, "address of a bad key file")
    check("hex" in err, "stderr %r" % err)
    # A key others can read is refused.
    os.chmod(k.path, 0o644)
    rc, out, err = run(wallet_cmd("address", "--key", k.path))
    eq(rc, 4, "address of a key file with mode 0644")
    check("600" in err, "stderr %r" % err)


def test_concurrent_keygen_to_one_path_keeps_the_reported_key(t):
    # Several keygens racing for one path: at most one may say it wrote the key, and the
    # file must hold the key whose address it printed (see the report: the shared
    # "PATH.tmp" lets one process rename another's key into place).
    wallet = wallet_cmd("--json", "keygen", "--out")
    problems = []
    for r in range(6):
        path = t.path("race%d.key" % r)
        procs = [subprocess.Popen(wallet + [path], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(8)]
        outs = [(p.communicate(timeout=30)[0], p.returncode) for p in procs]
        winners = [json.loads(o)["address"] for o, rc in outs if rc == 0]
        if len(winners) > 1:
            problems.append("round %d: %d keygens reported success" % (r, len(winners)))
        if not os.path.exists(path):
            if winners:
                problems.append("round %d: success reported, no file" % r)
            continue
        rc, out, err = run(wallet_cmd("address", "--key", path, json_out=True))
        held = json.loads(out)["address"]
        if winners and held not in winners:
            problems.append("round %d: keygen printed %s but the file holds %s" %
                            (r, winners[0][:16], held[:16]))
    check(not problems, "; ".join(problems[:3]) + (" (%d rounds bad)" % len(problems)))
