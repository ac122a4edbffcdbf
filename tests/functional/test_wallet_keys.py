"""chroom-wallet's keystore and the commands that use it, against real nodes: the key
lifecycle, mnemonic restore, BIP-39 passphrases, passphrases and damaged files, sends between keystore keys,
offline signing in one home and broadcasting from another, history pages, decimal amounts
and the wallet's config file (docs/WALLET-CLI.md)."""

import fcntl
import json
import os
import select
import socket
import subprocess
import termios
import threading
import time

from node import (check, eq, fail, keygen, random_address, refused_port, start_node, tx_hash,
                  wallet_cmd, CLI_TIMEOUT_S)

PASS = "correct horse battery staple"


def wk(home, *args, n=None, passphrase=PASS, stdin=None, env=None, json_out=False,
       timeout_ms=None, node=None, timeout=CLI_TIMEOUT_S):
    """Runs chroom-wallet with --home and the node n (if any); returns (rc, out, err). The
    environment is cleared of the wallet's variables, fast Argon2 limits are on, and the
    process has no controlling terminal, so nothing can wait for someone to type."""
    cmd = wallet_cmd("--home", home, *args, node=node or (n.url if n else None),
                     api_key=n.api_key if n else None, json_out=json_out, timeout_ms=timeout_ms)
    e = {k: v for k, v in os.environ.items()
         if k not in ("CHROOM_HOME", "CHROOM_NODE", "CHROOM_API_KEY", "CHROOM_KEY",
                      "CHROOM_PASSPHRASE", "CHROOM_BIP39_PASSPHRASE")}
    e["CHROOM_KDF_FAST"] = "1"
    if passphrase is not None:
        e["CHROOM_PASSPHRASE"] = passphrase
    e.update(env or {})
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                           env=e, start_new_session=True,
                           stdin=None if stdin is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        fail("%s: did not finish within %s s" % (" ".join(args[:2]), timeout))
    return p.returncode, p.stdout, p.stderr


def wk_ok(home, *args, **kw):
    rc, out, err = wk(home, *args, **kw)
    if rc != 0:
        fail("chroom-wallet %s exited %d: %s" % (" ".join(str(a) for a in args[:3]), rc,
                                                 err.strip()[:400]))
    return out


def wk_json(home, *args, **kw):
    return json.loads(wk_ok(home, *args, json_out=True, **kw))


def new_key(home, name, *args, **kw):
    return wk_json(home, "key", "new", name, *args, **kw)


def home_dir(t, name):
    path = t.path(name)
    os.mkdir(path)
    return path


def listening_socket():
    """A socket that accepts connections (the kernel completes them) and never answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s, "http://127.0.0.1:%d" % s.getsockname()[1]


def test_key_lifecycle(t):
    home = home_dir(t, "home")
    j = new_key(home, "alice")
    eq(sorted(j), ["address", "bip39_passphrase", "mnemonic", "name", "path", "public_key"],
       "key new --json fields")
    eq((j["name"], j["path"], j["bip39_passphrase"]), ("alice", "m/44'/7337'/0'/0/0", False),
       "key new --json")
    eq(len(j["mnemonic"].split()), 24, "a new key's mnemonic has 24 words by default")
    keyfile = os.path.join(home, "keys", "alice.key")
    eq(os.stat(keyfile).st_mode & 0o777, 0o600, "key file mode")
    eq(os.stat(os.path.join(home, "keys")).st_mode & 0o777, 0o700, "keys/ mode")
    with open(keyfile, "rb") as f:
        raw = f.read()
    for word in j["mnemonic"].split():
        check(word.encode() not in raw or len(word) < 5, "the key file shows a mnemonic word")
    # The human form shows the mnemonic once, numbered, with a warning.
    out = wk_ok(home, "key", "new", "bob", "--words", "12")
    check("shown this once" in out and "Write these words down" in out, "key new: %r" % out)
    check(" 1. " in out and "12. " in out and "13. " not in out, "12 numbered words: %r" % out)
    # list, show, address agree.
    ls = wk_json(home, "key", "list")["keys"]
    eq([k["name"] for k in ls], ["alice", "bob"], "key list names, in order")
    eq(ls[0]["address"], j["address"], "key list address")
    show = wk_json(home, "key", "show", "alice")
    eq(show, {"name": "alice", "address": j["address"], "public_key": j["public_key"],
              "has_mnemonic": True}, "key show --json")
    out = wk_ok(home, "key", "show", "alice")
    check(j["address"] in out and j["public_key"] in out, "key show: %r" % out)
    eq(wk_json(home, "address", "--key", "alice")["address"], j["address"], "address --key")
    # Neither list nor show needs the passphrase.
    eq(wk(home, "key", "list", passphrase=None)[0], 0, "key list without a passphrase")
    # export: the secret gives the same address as a raw key file; the mnemonic matches.
    exp = wk_json(home, "key", "export", "alice", "--yes")
    eq(sorted(exp), ["address", "name", "public_key", "secret_key"], "export --json fields")
    raw_path = t.path("alice-raw.key")
    fd = os.open(raw_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (exp["secret_key"] + "\n").encode())
    os.close(fd)
    eq(wk_json(home, "address", "--key-file", raw_path)["address"], j["address"],
       "the exported secret's address")
    eq(wk_json(home, "key", "export", "alice", "--mnemonic", "--yes")["mnemonic"], j["mnemonic"],
       "export --mnemonic")
    eq(wk_ok(home, "key", "export", "alice", "--yes").strip(), exp["secret_key"], "export text")
    # export and delete want a confirmation typed at a terminal, or --yes.
    for args in (["key", "export", "alice"], ["key", "delete", "alice"]):
        rc, out, err = wk(home, *args)
        eq(rc, 2, "%s without --yes and without a terminal" % args[1])
        check("--yes" in err and out == "", "%s: stderr %r, stdout %r" % (args[1], err, out))
    check(os.path.exists(keyfile), "the key is still there")
    # A name in use, a bad name, and delete.
    rc, out, err = wk(home, "key", "new", "alice")
    eq(rc, 4, "key new over an existing name")
    check("exists already" in err, "stderr %r" % err)
    with open(keyfile, "rb") as f:
        eq(f.read(), raw, "the existing key file is unchanged")
    for bad in (".hidden", "a/b", "x" * 65, "sp ace"):
        rc, out, err = wk(home, "key", "new", bad)
        eq(rc, 2, "key new %r" % bad)
        check("not a key name" in err, "stderr %r" % err)
    out = wk_ok(home, "key", "delete", "alice", "--yes")
    check("deleted" in out, "key delete: %r" % out)
    check(not os.path.exists(keyfile), "the key file is gone")
    rc, out, err = wk(home, "key", "show", "alice")
    eq(rc, 4, "key show of a deleted key")
    check("no key named alice" in err, "stderr %r" % err)
    rc, out, err = wk(home, "key", "delete", "alice", "--yes")
    eq(rc, 4, "key delete of a deleted key")
    eq([k["name"] for k in wk_json(home, "key", "list")["keys"]], ["bob"], "left: bob")
    empty = home_dir(t, "empty")
    check("no keys" in wk_ok(empty, "key", "list"), "key list of an empty home")


def test_mnemonic_restore_gives_the_same_address(t):
    a, b = home_dir(t, "a"), home_dir(t, "b")
    j = new_key(a, "mine")
    # In another home, from stdin, with another passphrase given by a file; extra spaces,
    # newlines and capitals are fine.
    pf = t.path("pass.txt")
    with open(pf, "w") as f:
        f.write("another passphrase\nsecond line ignored\n")
    messy = "  " + "\n".join(w.upper() if i % 3 == 0 else w
                             for i, w in enumerate(j["mnemonic"].split())) + "\n\n"
    r = wk_json(b, "--passphrase-file", pf, "key", "import", "restored", "--mnemonic",
                stdin=messy, passphrase=None)
    eq((r["address"], r["public_key"]), (j["address"], j["public_key"]), "restored key")
    eq(wk_json(b, "--passphrase-file", pf, "key", "export", "restored", "--mnemonic", "--yes",
               passphrase=None)["mnemonic"], j["mnemonic"], "the restored key keeps the mnemonic")
    # The restored key opens with its own passphrase only.
    rc, out, err = wk(b, "key", "export", "restored", "--yes")
    eq(rc, 5, "the first home's passphrase on the restored key")
    # Chroom's own vector (docs/WALLET.md, "Derivation"): the wiring from mnemonic to address.
    r = wk_json(b, "key", "import", "vector", "--mnemonic",
                stdin=" ".join(["abandon"] * 11 + ["about"]))
    eq(r["address"], "chr1r90yn6g0xgmm78xkj3z9d98xaek8eyhc3qjdyh2xk6sra4ep3hqs3w88w0",
       "the documented vector's address")
    # A 12-word key restores too.
    j12 = new_key(a, "short", "--words", "12")
    eq(wk_json(b, "key", "import", "short", "--mnemonic", stdin=j12["mnemonic"])["address"],
       j12["address"], "12-word restore")
    # Bad mnemonics: each with its reason, nothing saved.
    words = j["mnemonic"].split()
    cases = [
        (" ".join(words[:23]), "23 words"),
        (" ".join(words[:23] + ["zzzz"]), "not in the BIP-39 English list"),
        (" ".join(["abandon"] * 24), "checksum"),
        ("", "0 words"),
    ]
    for text, msg in cases:
        rc, out, err = wk(b, "key", "import", "bad", "--mnemonic", stdin=text)
        eq(rc, 4, "import of a bad mnemonic (%s)" % msg)
        check(msg in err, "stderr lacks %r: %r" % (msg, err))
    check(not os.path.exists(os.path.join(b, "keys", "bad.key")), "nothing saved")
    # The mnemonic never comes from the command line.
    rc, out, err = wk(b, "key", "import", "argv", "--mnemonic", j["mnemonic"])
    eq(rc, 2, "a mnemonic on the command line")


ABANDON = " ".join(["abandon"] * 11 + ["about"])
# Chroom's vector (docs/WALLET.md, "Derivation") without and with the BIP-39 passphrase
# "TREZOR"; the second computed by an independent Python implementation (hashlib's PBKDF2,
# BIP-32 over bip340.py's curve arithmetic).
ABANDON_ADDRESS = "chr1r90yn6g0xgmm78xkj3z9d98xaek8eyhc3qjdyh2xk6sra4ep3hqs3w88w0"
ABANDON_TREZOR_ADDRESS = "chr1yhfkus6dszh8jrwcffr9xkamumn8ew90lvhtwh655lzfxtygrcnslg06gn"


def wk_tty(home, lines, *args, env=None):
    """Runs chroom-wallet with a new pseudo-terminal as its controlling terminal (stdin is
    the terminal too, stdout and stderr are pipes). Each (prompt, text) of lines is typed
    once the prompt shows. Returns (rc, out, err, what the terminal showed)."""
    master, slave = os.openpty()

    def become_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    e = {k: v for k, v in os.environ.items()
         if k not in ("CHROOM_HOME", "CHROOM_KEY", "CHROOM_PASSPHRASE", "CHROOM_BIP39_PASSPHRASE")}
    e["CHROOM_KDF_FAST"] = "1"
    e.update(env or {})
    p = subprocess.Popen(wallet_cmd("--home", home, *args), stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=e, preexec_fn=become_terminal, text=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + CLI_TIMEOUT_S
    try:
        for prompt, text in lines:
            while prompt.encode() not in seen:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([master], [], [], left)[0]:
                    fail("no prompt %r on the terminal; it showed %r" % (prompt, seen))
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    fail("the terminal closed before the prompt %r: %r" % (prompt, seen))
                seen += chunk
            seen = seen.replace(prompt.encode(), b"<prompt>", 1)
            os.write(master, text.encode())
        out, err = p.communicate(timeout=CLI_TIMEOUT_S)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return p.returncode, out, err, seen.decode(errors="replace")


def test_bip39_passphrase(t):
    home = home_dir(t, "home")
    # The same words with and without the passphrase: two keys, each with its own address.
    r = wk_json(home, "key", "import", "plain", "--mnemonic", stdin=ABANDON)
    eq((r["address"], r["bip39_passphrase"]), (ABANDON_ADDRESS, False), "no BIP-39 passphrase")
    r = wk_json(home, "key", "import", "trezor", "--mnemonic", "--bip39-passphrase",
                stdin=ABANDON, env={"CHROOM_BIP39_PASSPHRASE": "TREZOR"})
    eq((r["address"], r["bip39_passphrase"]), (ABANDON_TREZOR_ADDRESS, True),
       "import with the BIP-39 passphrase TREZOR (from the environment)")
    pf = t.path("bip39.txt")
    with open(pf, "w") as f:
        f.write("TREZOR\nsecond line ignored\n")
    r = wk_json(home, "key", "import", "from-file", "--mnemonic", "--bip39-passphrase",
                "--bip39-passphrase-file", pf, stdin=ABANDON)
    eq(r["address"], ABANDON_TREZOR_ADDRESS, "import with --bip39-passphrase-file")
    # A variable left in the environment changes nothing without the flag, and says so.
    rc, out, err = wk(home, "key", "import", "ignored", "--mnemonic", stdin=ABANDON,
                      env={"CHROOM_BIP39_PASSPHRASE": "TREZOR"}, json_out=True)
    eq((rc, json.loads(out)["address"]), (0, ABANDON_ADDRESS), "the variable without the flag")
    check("CHROOM_BIP39_PASSPHRASE is set but not used" in err, "stderr %r" % err)
    # The passphrase is stored nowhere: the key file is no bigger than one without it, and
    # exporting the words warns that they alone do not give this key.
    keys = os.path.join(home, "keys")
    eq(os.path.getsize(os.path.join(keys, "trezor.key")),
       os.path.getsize(os.path.join(keys, "plain.key")), "key file sizes")
    rc, out, err = wk(home, "key", "export", "trezor", "--mnemonic", "--yes")
    eq((rc, out.strip()), (0, ABANDON), "export --mnemonic of the passphrase key")
    check("derived with a BIP-39 passphrase" in err, "stderr %r" % err)
    rc, out, err = wk(home, "key", "export", "plain", "--mnemonic", "--yes")
    check(rc == 0 and "BIP-39" not in err, "no note for a plain key: %r" % err)
    # Refusals, each with its message and nothing saved.
    cases = [
        (["--bip39-passphrase"], {"CHROOM_BIP39_PASSPHRASE": "caf\u00e9"}, 5, "not ASCII"),
        (["--bip39-passphrase"], {"CHROOM_BIP39_PASSPHRASE": ""}, 5, "BIP-39 passphrase is empty"),
        (["--bip39-passphrase"], {}, 5, "--bip39-passphrase-file FILE or set "
                                        "CHROOM_BIP39_PASSPHRASE"),
        (["--bip39-passphrase-file", pf], {}, 2, "needs --bip39-passphrase"),
        (["--bip39-passphrase", "TREZOR"], {}, 2, ""),
    ]
    for extra, env, code, msg in cases:
        rc, out, err = wk(home, "key", "import", "bad", "--mnemonic", *extra, stdin=ABANDON,
                          env=env)
        eq(rc, code, "import %s %r" % (extra, env))
        check(msg in err, "stderr lacks %r: %r" % (msg, err))
    rc, out, err = wk(home, "key", "import", "bad", "--secret-file", pf, "--bip39-passphrase",
                      env={"CHROOM_BIP39_PASSPHRASE": "TREZOR"})
    eq(rc, 2, "--bip39-passphrase with --secret-file")
    check(not os.path.exists(os.path.join(keys, "bad.key")), "nothing saved")
    # key new: the words it shows restore its key only with the passphrase.
    j = new_key(home, "made", "--words", "12", "--bip39-passphrase",
                env={"CHROOM_BIP39_PASSPHRASE": "s3cret words"})
    check(j["bip39_passphrase"], "key new --json says bip39_passphrase")
    other = home_dir(t, "other")
    eq(wk_json(other, "key", "import", "with", "--mnemonic", "--bip39-passphrase",
               stdin=j["mnemonic"], env={"CHROOM_BIP39_PASSPHRASE": "s3cret words"})["address"],
       j["address"], "restored with the passphrase")
    check(wk_json(other, "key", "import", "without", "--mnemonic",
                  stdin=j["mnemonic"])["address"] != j["address"],
          "without the passphrase the words give another address")
    # At a terminal, key new asks twice: entries that differ fail with a message and save
    # nothing; the same entry twice makes the key, and the passphrase is never echoed.
    prompts = [("BIP-39 passphrase", "first try\n"), ("Repeat to confirm: ", "first trY\n")]
    rc, out, err, seen = wk_tty(home, prompts, "key", "new", "typo", "--bip39-passphrase",
                                env={"CHROOM_PASSPHRASE": PASS})
    eq(rc, 5, "key new with two different BIP-39 passphrases")
    check("BIP-39 passphrases do not match" in err, "stderr %r" % err)
    check(not os.path.exists(os.path.join(keys, "typo.key")), "no key saved after a typo")
    prompts[1] = ("Repeat to confirm: ", "first try\n")
    rc, out, err, seen = wk_tty(home, prompts, "key", "new", "typed", "--bip39-passphrase",
                                "--json", env={"CHROOM_PASSPHRASE": PASS})
    eq(rc, 0, "key new with the BIP-39 passphrase typed twice (%r)" % err)
    check(json.loads(out)["bip39_passphrase"], "typed key new --json")
    check("first" not in seen, "the terminal echoed the passphrase: %r" % seen)


def test_wrong_passphrase_and_damaged_key_files(t):
    home = home_dir(t, "home")
    j = new_key(home, "k")
    to = random_address()
    rc, out, err = wk(home, "key", "export", "k", "--yes", passphrase="not it")
    eq(rc, 5, "export with a wrong passphrase")
    check("wrong passphrase for key k" in err, "stderr %r" % err)
    check(out == "", "no secret printed: %r" % out)
    pf = t.path("wrong.txt")
    with open(pf, "w") as f:
        f.write("also wrong\n")
    rc, out, err = wk(home, "--passphrase-file", pf, "tx", "build", "--to", to, "--amount", "1",
                      "--chain-id", "c", "--fee", "1000", "--raw", "--nonce", "0", "--key", "k",
                      "--out", t.path("u.json"))
    eq(rc, 0, "tx build needs no passphrase (%r)" % err)
    rc, out, err = wk(home, "--passphrase-file", pf, "tx", "sign", t.path("u.json"),
                      "--key", "k", passphrase=PASS)
    eq(rc, 5, "tx sign with a wrong --passphrase-file (it wins over the environment)")
    check("wrong passphrase" in err, "stderr %r" % err)
    # No passphrase anywhere and no terminal: a clear error, no hang.
    rc, out, err = wk(home, "key", "export", "k", "--yes", passphrase=None)
    eq(rc, 5, "export with no passphrase source")
    check("passphrase" in err, "stderr %r" % err)
    rc, out, err = wk(home, "--passphrase-file", t.path("missing"), "key", "export", "k", "--yes")
    eq(rc, 5, "a missing --passphrase-file")
    # key new asks twice only at a terminal; an empty passphrase is refused.
    rc, out, err = wk(home, "key", "new", "k2", passphrase="")
    eq(rc, 5, "an empty passphrase")
    check(not os.path.exists(os.path.join(home, "keys", "k2.key")), "no key saved")
    # Damage: one flipped byte, a truncated file, an empty file. Each is "damaged", never
    # "wrong passphrase", and every command that reads the key says so.
    keyfile = os.path.join(home, "keys", "k.key")
    with open(keyfile, "rb") as f:
        good = f.read()
    damaged = [bytearray(good), good[:len(good) // 2], b""]
    damaged[0][len(good) // 2] ^= 0x01
    for i, data in enumerate(damaged):
        with open(keyfile, "wb") as f:
            f.write(bytes(data))
        for args in (["key", "show", "k"], ["key", "export", "k", "--yes"],
                     ["address", "--key", "k"]):
            rc, out, err = wk(home, *args)
            eq(rc, 4, "%s of damaged file %d" % (" ".join(args[:2]), i))
            check("damaged" in err and "wrong passphrase" not in err, "stderr %r" % err)
        ls = wk_json(home, "key", "list")["keys"]
        eq((ls[0]["name"], ls[0]["address"]), ("k", None), "key list shows the damaged key")
    # With the good bytes back, all is well again.
    with open(keyfile, "wb") as f:
        f.write(good)
    eq(wk_json(home, "key", "show", "k")["address"], j["address"], "the restored file")


def test_raw_key_files_and_secret_import(t):
    home = home_dir(t, "home")
    raw = keygen(t, "raw")
    # --key with a '/' is a raw key file, as --key-file; a bare name is a keystore key.
    eq(wk_json(home, "address", "--key", raw.path)["address"], raw.address, "--key PATH")
    eq(wk_json(home, "address", "--key-file", raw.path)["address"], raw.address, "--key-file")
    rc, out, err = wk(home, "address", "--key", "raw")
    eq(rc, 4, "a name that is no keystore key")
    check("no key named raw" in err, "stderr %r" % err)
    r = wk_json(home, "key", "import", "raw", "--secret-file", raw.path)
    eq(r["address"], raw.address, "key import --secret-file")
    eq(wk_json(home, "address", "--key", "raw")["address"], raw.address, "the imported key")
    eq(wk_json(home, "key", "show", "raw")["has_mnemonic"], False, "no mnemonic")
    rc, out, err = wk(home, "key", "export", "raw", "--mnemonic", "--yes")
    eq(rc, 4, "export --mnemonic of a key without one")
    check("no mnemonic" in err, "stderr %r" % err)
    with open(raw.path) as f:
        eq(wk_json(home, "key", "export", "raw", "--yes")["secret_key"], f.read().strip(),
           "the secret round-trips")
    rc, out, err = wk(home, "key", "import", "both", "--mnemonic", "--secret-file", raw.path)
    eq(rc, 2, "--mnemonic and --secret-file together")
    # $CHROOM_KEY names the default key.
    eq(wk_json(home, "address", env={"CHROOM_KEY": "raw"})["address"], raw.address,
       "CHROOM_KEY")
    rc, out, err = wk(home, "address")
    eq(rc, 2, "address with no key at all")
    check("which key" in err, "stderr %r" % err)


def test_send_and_receive_between_keystore_keys(t):
    n = start_node(t)
    c = n.chain
    home = home_dir(t, "home")
    k1 = new_key(home, "k1")
    k2 = new_key(home, "k2")
    c.addresses |= {k1["address"], k2["address"]}
    fee = c.fee
    token = n.get("/api/v1/token")
    eq(token["decimals"], 6, "the token's decimals")
    # 1.5 CHR is 1500000 units.
    out = wk_ok(home, "send", k1["address"], "1.5", "--key-file", c["alice"].path, "--wait", n=n)
    check(out.split()[1:4] == ["committed", "at", "height"], "send output %r" % out)
    eq(n.balance(k1["address"]), 1500000, "k1 got 1.5 CHR")
    # k1 pays k2 0.25 CHR, the node's minimum fee on top.
    j = wk_json(home, "send", k2["address"], "0.25", "--key", "k1", "--wait", n=n)
    eq((j["status"], j["error"]), ("committed", None), "send --json")
    eq(sorted(j), ["error", "hash", "height", "index", "status", "tx"], "send --json fields")
    eq(j["hash"], tx_hash(j["tx"]), "the hash is the transaction's")
    eq(n.balance(k1["address"]), 1500000 - 250000 - fee, "k1 paid amount and fee")
    eq(n.balance(k2["address"]), 250000, "k2 received")
    # And back, with an explicit fee in CHR.
    wk_ok(home, "send", k1["address"], "0.1", "--key", "k2", "--fee", "0.002", "--wait", n=n)
    eq(n.balance(k2["address"]), 250000 - 100000 - 2000, "k2 paid 0.1 and a 0.002 fee")
    # Two sends in a row without waiting: consecutive nonces, both commit.
    hashes = []
    for amount in ("0.000001", "0.000002"):
        rc, out, err = wk(home, "send", k2["address"], amount, "--key", "k1", n=n)
        eq(rc, 0, "send without --wait (%r)" % err)
        check(out.split()[1] in ("pending", "committed"), "output %r" % out)
        hashes.append(out.split()[0])
    got = [n.wait_tx(h) for h in hashes]
    eq([g["status"] for g in got], ["committed", "committed"], "both committed")
    eq(sorted(g["tx"]["nonce"] for g in got), ["1", "2"], "consecutive nonces")
    b1 = 1500000 - 250000 - fee + 100000 - 3 - 2 * fee
    eq(n.balance(k1["address"]), b1, "k1 after all")
    # balance: the key's own by default; CHR and units for people.
    out = wk_ok(home, "balance", "--key", "k1", n=n)
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    eq(fields["balance"], "%s CHR (%d units)" % (("%d.%06d" % divmod(b1, 10**6)).rstrip("0"), b1),
       "balance for people")
    eq(wk_json(home, "balance", k2["address"], n=n)["balance"], str(250000 - 102000 + 3),
       "balance --json")
    # The wrong passphrase sends nothing; a damaged key file neither.
    rc, out, err = wk(home, "send", k2["address"], "1", "--key", "k1", n=n, passphrase="nope")
    eq(rc, 5, "send with a wrong passphrase")
    eq(n.account(k1["address"])["pending_nonce"], "3", "nothing was submitted")
    eq(n.total_balance(), c.supply, "sum of balances")


def test_sign_offline_in_one_home_broadcast_from_another(t):
    n = start_node(t)
    c = n.chain
    cold, hot = home_dir(t, "cold"), home_dir(t, "hot")
    k = new_key(cold, "vault")
    c.addresses.add(k["address"])
    wk_ok(hot, "send", k["address"], "5", "--key-file", c["alice"].path, "--wait", n=n)
    bob = c["bob"].address
    # Online, the hot home builds the unsigned transfer for the vault's address.
    unsigned = t.path("unsigned.json")
    out = wk_ok(hot, "tx", "build", "--from", k["address"], "--to", bob, "--amount", "1.25",
                "--memo", "rent", "--out", unsigned, n=n)
    check("tx sign" in out, "tx build --out says what next: %r" % out)
    with open(unsigned) as f:
        u = json.load(f)
    eq(u, {"type": "transfer", "chain_id": c.chain_id, "from": k["address"], "to": bob,
           "amount": "1250000", "fee": str(c.fee), "nonce": "0", "expiry_height": "0",
           "memo": "rent"}, "the unsigned transfer")
    # Its fields, less chain_id, are the body of POST /api/v1/txs/quote.
    q = dict(u)
    del q["chain_id"]
    r = n.request("POST", "/api/v1/txs/quote", q)
    eq(r.status, 200, "the quote takes the unsigned transfer: %r" % r)
    # The cold home signs it with no network: --node and $CHROOM_NODE point at a socket
    # that would see any connection attempt.
    srv, url = listening_socket()
    try:
        signed = t.path("signed.json")
        out = wk_ok(cold, "tx", "sign", unsigned, "--out", signed, node=url,
                    env={"CHROOM_NODE": url})
        srv.setblocking(False)
        try:
            srv.accept()
            fail("tx sign connected to the node")
        except BlockingIOError:
            pass
    finally:
        srv.close()
    check("tx broadcast" in out, "tx sign --out says what next: %r" % out)
    with open(signed) as f:
        s = json.load(f)
    eq({k2: v for k2, v in s.items() if k2 not in ("hash", "tx")}, u, "the signed file's fields")
    eq(s["hash"], tx_hash(s["tx"]), "the signed file's hash")
    # The key finds itself: without --key, tx sign uses the keystore key of the sender; with
    # a node URL on a closed port it still works (it never calls).
    closed = "http://127.0.0.1:%d" % refused_port(t)
    rc, out, err = wk(cold, "tx", "sign", unsigned, node=closed)
    eq(rc, 0, "tx sign with the sender's key found in the keystore (%r)" % err)
    eq(json.loads(out)["hash"] != s["hash"], True, "a fresh signature (random aux) per sign")
    # Another key is not the sender.
    new_key(cold, "other")
    rc, out, err = wk(cold, "tx", "sign", unsigned, "--key", "other")
    eq(rc, 4, "signing with a key that is not the sender")
    check("is not the sender" in err, "stderr %r" % err)
    # The hot home broadcasts it; again is safe and says so.
    out = wk_ok(hot, "tx", "broadcast", signed, "--wait", n=n)
    check(out.startswith(s["hash"] + " committed"), "broadcast: %r" % out)
    rc, out, err = wk(hot, "tx", "broadcast", signed, n=n)
    eq(rc, 0, "broadcasting the same transaction again (%r)" % err)
    check(out.startswith(s["hash"] + " committed") and "applied once" in err,
          "the second broadcast: %r %r" % (out, err))
    j = wk_json(hot, "tx", "status", s["hash"], n=n)
    eq((j["status"], j["tx"]["memo"], j["tx"]["amount"]), ("committed", "rent", "1250000"),
       "tx status --json")
    out = wk_ok(hot, "tx", "status", s["hash"], n=n)
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    eq(fields["status"], "committed", "tx status")
    eq(n.balance(k["address"]), 5000000 - 1250000 - c.fee, "the vault paid")
    # A stale signed file (its nonce is used) is refused with the node's reason.
    rc, out, err = wk(hot, "tx", "broadcast", "-", n=n,
                      stdin=c.sign(c["alice"], bob, 1, 0)[0] + "\n")
    eq(rc, 1, "broadcast of a used nonce from stdin")
    check("nonce_mismatch" in err and "not admitted" in err, "stderr %r" % err)
    # A damaged signed file is caught before the network.
    s["hash"] = "00" * 32
    with open(signed, "w") as f:
        json.dump(s, f)
    rc, out, err = wk(hot, "tx", "broadcast", signed, n=n)
    eq(rc, 4, "broadcast of an edited file")
    # Offline build: every node-given field given, a closed port, still works.
    out = wk_ok(cold, "tx", "build", "--key", "vault", "--to", bob, "--amount", "1.5",
                "--chain-id", c.chain_id, "--fee", "0.001", "--nonce", "1", node=closed)
    u2 = json.loads(out)
    eq((u2["amount"], u2["fee"], u2["nonce"], u2["from"]), ("1500000", "1000", "1", k["address"]),
       "offline tx build")
    rc, out, err = wk(cold, "tx", "build", "--key", "vault", "--to", bob, "--amount", "1",
                      node=closed, timeout_ms=2000)
    eq(rc, 3, "tx build that needs the node, with the node down")
    check("--chain-id, --fee and --nonce" in err, "stderr %r" % err)
    eq(n.total_balance(), c.supply, "sum of balances")


def test_decimal_amounts(t):
    home = home_dir(t, "home")
    a, b = random_address(), random_address()
    base = ["tx", "build", "--from", a, "--to", b, "--chain-id", "x", "--nonce", "0"]
    for amount, fee, units, fee_units in (("1.5", "0.001", "1500000", "1000"),
                                          ("0.000001", "0", "1", "0"),
                                          ("1.50", "0.000100", "1500000", "100"),
                                          ("18446744073709.551615", "1", "18446744073709551615",
                                           "1000000"),
                                          ("42", "0.25", "42000000", "250000")):
        j = json.loads(wk_ok(home, *base, "--amount", amount, "--fee", fee))
        eq((j["amount"], j["fee"]), (units, fee_units), "amount %s fee %s" % (amount, fee))
    j = json.loads(wk_ok(home, *base, "--amount", "1500000", "--fee", "1000", "--raw"))
    eq((j["amount"], j["fee"]), ("1500000", "1000"), "--raw")
    for amount, msg in (("1.0000001", "more decimals than the token's 6"),
                        ("18446744073709.551616", "too large"), ("1.", "not an amount"),
                        (".5", "not an amount"), ("-1", "not an amount"), ("1e6", "not an amount"),
                        ("01.5", "not an amount"), ("1 000", "not an amount"),
                        ("0", "more than zero")):
        rc, out, err = wk(home, *base, "--amount", amount, "--fee", "1")
        eq(rc, 2, "amount %r" % amount)
        check(msg in err, "amount %r: stderr %r" % (amount, err))
    rc, out, err = wk(home, *base, "--amount", "1.5", "--fee", "1000", "--raw")
    eq(rc, 2, "decimals with --raw")


def test_history_pages(t):
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    home = home_dir(t, "home")
    r = n.batch(c.sign(alice, bob, 10, 0, count=5), wait=True)
    eq(r.status, 200, "batch")
    for i in range(2):
        eq(n.submit(c.sign(bob, alice, 1, i)[0], wait=True).status, 200, "bob's transfer")
    seen, cursor, pages = [], None, 0
    while True:
        args = ["history", alice.address, "--limit", "2"] + (["--cursor", cursor] if cursor else [])
        j = wk_json(home, *args, n=n)
        eq(sorted(j), ["address", "next_cursor", "txs"], "history --json fields")
        seen += [(x["direction"], x["tx"]["amount"]) for x in j["txs"]]
        pages += 1
        cursor = j["next_cursor"]
        if cursor is None:
            break
        eq(len(j["txs"]), 2, "a page before the last is full")
    eq(pages, 4, "7 transactions in pages of 2")
    eq(seen, [("received", "1")] * 2 + [("sent", "10")] * 5, "newest first")
    j = wk_json(home, "history", alice.address, "--direction", "received", n=n)
    eq([x["direction"] for x in j["txs"]], ["received"] * 2, "--direction received")
    # For people: one line per transaction, then the next page's command.
    out = wk_ok(home, "history", "--key-file", alice.path, "--limit", "3", n=n)
    lines = out.strip().splitlines()
    eq(len(lines), 5, "3 lines and the next cursor's 2: %r" % out)
    check("received 0.000001 CHR from " + bob.address in lines[0], "a line: %r" % lines[0])
    check(lines[3].startswith("next cursor: ") and "--cursor" in lines[4], "next: %r" % out)
    cursor = lines[3].split()[2]
    out = wk_ok(home, "history", alice.address, "--cursor", cursor, "--limit", "10", n=n)
    check(out.strip().endswith("(end of history)") and out.count("sent ") == 4,
          "the last page: %r" % out)
    j = wk_json(home, "history", random_address(), n=n)
    eq((j["txs"], j["next_cursor"]), ([], None), "an account with no history")


def test_config_file_and_precedence(t):
    n = start_node(t)
    c = n.chain
    home = home_dir(t, "home")
    wk_ok(home, "key", "import", "main", "--secret-file", c["alice"].path)
    closed = "http://127.0.0.1:%d" % refused_port(t)
    conf = os.path.join(home, "config")

    def write(text):
        with open(conf, "w") as f:
            f.write(text)
        os.chmod(conf, 0o600)

    write("# the wallet's settings\nnode = %s\napi_key = %s\ntimeout_ms = 3000\nkey = main\n"
          % (n.url, n.api_key))
    out = wk_ok(home, "node", "status")
    check(c.chain_id in out, "node status from the config alone: %r" % out)
    eq(wk_json(home, "balance")["address"], c["alice"].address, "config's key is the default")
    # A flag beats the environment, which beats the config.
    write("node = %s\napi_key = %s\n" % (closed, n.api_key))
    rc, out, err = wk(home, "node", "status", timeout_ms=2000)
    eq(rc, 3, "config's node (closed)")
    eq(wk(home, "node", "status", env={"CHROOM_NODE": n.url})[0], 0, "CHROOM_NODE over config")
    eq(wk(home, "node", "status", node=n.url, env={"CHROOM_NODE": closed})[0], 0,
       "--node over CHROOM_NODE")
    rc, out, err = wk(home, "node", "status", node=n.url, env={"CHROOM_API_KEY": "chr_bad"})
    eq(rc, 1, "a bad CHROOM_API_KEY over config's good one")
    check("401" in err and "API key" in err, "stderr %r" % err)
    # $CHROOM_HOME names the home when --home is absent.
    e = {k: v for k, v in os.environ.items() if not k.startswith("CHROOM_")}
    e.update(CHROOM_HOME=home, CHROOM_NODE=n.url)
    p = subprocess.run(wallet_cmd("--json", "key", "list"), capture_output=True, text=True,
                       env=e, timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)
    eq((p.returncode, [k["name"] for k in json.loads(p.stdout)["keys"]]), (0, ["main"]),
       "CHROOM_HOME")
    # A bad config is a local error with its line.
    for text, msg in (("node = %s\nfrobnicate = 1\n" % n.url, "line 2: unknown key"),
                      ("timeout_ms = 0\n", "timeout_ms"),
                      ("node = gopher://x\n", "not a node URL"),
                      ("[other]\nnode = x\n", "unknown section")):
        write(text)
        rc, out, err = wk(home, "node", "status")
        eq(rc, 4, "config %r" % text)
        check(msg in err, "config %r: stderr %r" % (text, err))


def test_unknown_outcomes_exit_3(t):
    n = start_node(t)
    c = n.chain
    home = home_dir(t, "home")
    wk_ok(home, "key", "import", "main", "--secret-file", c["alice"].path)
    signed = t.path("signed.json")
    u = wk_ok(home, "tx", "build", "--key", "main", "--to", c["bob"].address, "--amount", "1",
              "--out", "-", n=n)
    with open(t.path("u.json"), "w") as f:
        f.write(u)
    wk_ok(home, "tx", "sign", t.path("u.json"), "--key", "main", "--out", signed)
    with open(signed) as f:
        s = json.load(f)
    # Node down: refused connections end at once, and nothing was sent.
    down = "http://127.0.0.1:%d" % refused_port(t)
    for args in (["send", c["bob"].address, "1", "--key", "main"],
                 ["tx", "broadcast", signed, "--wait"]):
        start = time.monotonic()
        rc, out, err = wk(home, *args, node=down, timeout_ms=5000)
        took = time.monotonic() - start
        eq(rc, 3, "%s with the node down (%r)" % (args[0], err))
        check(took < 4, "%s took %.1f s with the node down" % (args[0], took))
        check("nothing" in err, "stderr says nothing happened: %r" % err)
    # A node that accepts and never answers: exit 3 within the timeout, with the hash and
    # the commands that settle it.
    srv, url = listening_socket()
    conns, stop = [], threading.Event()

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
        start = time.monotonic()
        rc, out, err = wk(home, "tx", "broadcast", signed, "--wait", node=url, timeout_ms=1500,
                          json_out=True)
        took = time.monotonic() - start
        eq(rc, 3, "broadcast to a silent node (%r)" % err)
        check(1.4 < took < 4, "it took %.1f s" % took)
        j = json.loads(out)
        eq((j["hash"], j["status"], j["error"]["code"]), (s["hash"], "unknown", "timeout"),
           "--json of an unknown outcome")
        check("tx status " + s["hash"] in err and "safe" in err, "stderr %r" % err)
    finally:
        stop.set()
        th.join(5)
        for x in conns:
            x.close()
        srv.close()
    # The command it printed settles it: unknown to the node, then broadcast, committed.
    rc, out, err = wk(home, "tx", "status", s["hash"], n=n)
    eq(rc, 1, "tx status of a transaction the node never saw")
    check("does not know" in err, "stderr %r" % err)
    out = wk_ok(home, "tx", "broadcast", signed, "--wait", n=n)
    check(out.startswith(s["hash"] + " committed"), "broadcast: %r" % out)
    # --wait with a short --wait-ms that ends before the commit would also be exit 3; a
    # commit within it is exit 0 (as above). Bad --wait-ms is a usage error.
    rc, out, err = wk(home, "tx", "broadcast", signed, "--wait", "--wait-ms", "0", n=n)
    eq(rc, 2, "--wait-ms 0")
