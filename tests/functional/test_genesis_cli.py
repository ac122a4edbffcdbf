"""chroom-genesis: init, add-account, add-validator, validate, hash; exit statuses (0 ok,
1 bad input or invalid genesis, 2 usage) with a message on stderr; a stable hash."""

import json
import os
import secrets
import subprocess

from node import (_P, address_of_pubkey, binary, check, eq, fail, keygen,
                  random_address, random_pubkey, run)

TIME = "2026-01-02T03:04:05.678Z"


def gen(path, *args):
    return run([binary("chroom-genesis"), "--file", path] + [str(a) for a in args])


def ok(path, *args):
    rc, out, err = gen(path, *args)
    eq(rc, 0, "chroom-genesis %s (stderr %r)" % (" ".join(map(str, args)), err))
    return out


def refused(path, args, status, words, what):
    """The command exits with status, says something containing each of words on stderr,
    and leaves the file as it was."""
    before = open(path, "rb").read() if os.path.exists(path) else None
    rc, out, err = gen(path, *args)
    eq(rc, status, "%s: exit status (stderr %r)" % (what, err))
    check(err.startswith("chroom-genesis: "), "%s: stderr %r" % (what, err))
    for w in words:
        check(w in err, "%s: stderr lacks %r: %r" % (what, w, err))
    after = open(path, "rb").read() if os.path.exists(path) else None
    eq(after, before, what + ": the file is unchanged")


def off_curve_address():
    while True:
        x = secrets.randbelow(_P - 1) + 1
        if pow((x * x * x + 7) % _P, (_P - 1) // 2, _P) != 1:
            return address_of_pubkey("%064x" % x)


def test_init_validate_hash(t):
    g = t.path("g.json")
    out = ok(g, "init", "--chain-id", "test-chain-1", "--time", TIME)
    check("test-chain-1" in out and TIME in out, "init output %r" % out)
    j = json.load(open(g))
    eq((j["chain_id"], j["genesis_time"], j["accounts"], j["validators"]),
       ("test-chain-1", TIME, [], []), "a fresh genesis")
    eq(j["params"], {"fee_transfer": "1000", "block_txs_max": 5000, "block_bytes_max": 2097152,
                     "unbonding_time_ms": "1814400000", "validators_max": 100, "entries_max": 7,
                     "power_unit": "1000000", "min_self_bond": "1000000", "inflation_ppm": 0,
                     "proposer_bonus_ppm": 10000, "treasury_ppm": 20000,
                     "slash_double_sign_ppm": 50000, "slash_downtime_ppm": 100,
                     "signed_blocks_window": 10000, "min_signed_ppm": 500000,
                     "downtime_jail_ms": "600000"},
       "default params (the staking ones optional in a file, written in full)")
    # Without a validator it does not validate, and has no hash.
    refused(g, ["validate"], 1, ["validator"], "validate without a validator")
    refused(g, ["hash"], 1, ["validator"], "hash without a validator")
    refused(g, ["init", "--chain-id", "again"], 1, ["exists"], "init over a file")
    v = keygen(t, "v")
    a = random_address()
    out = ok(g, "add-account", a, "11000000")
    check("supply 11000000" in out, "add-account output %r" % out)
    out = ok(g, "add-validator", a, v.pubkey, 10000000)
    check(v.pubkey in out and "power 10" in out, "add-validator output %r" % out)
    out = ok(g, "validate")
    check("genesis OK" in out and "1 accounts" in out and "supply 11000000" in out and
          "1 validators" in out, "validate output %r" % out)
    j = json.load(open(g))
    eq(j["validators"], [{"pub_key": v.pubkey, "power": "10"}], "the set the stake gives")
    eq(j["stakes"], [{"operator": a, "pub_key": v.pubkey, "self_bond": "10000000",
                      "min_self_bond": "1000000", "commission_ppm": 100000,
                      "commission_max_ppm": 200000, "commission_change_max_ppm": 10000,
                      "moniker": v.pubkey[:8]}], "the stake with the defaults")
    h = ok(g, "hash").strip()
    check(len(h) == 64 and all(ch in "0123456789abcdef" for ch in h), "hash %r" % h)
    for _ in range(3):
        eq(ok(g, "hash").strip(), h, "hash on another run")
    # --force overwrites: a new, empty genesis.
    ok(g, "init", "--chain-id", "other", "--force", "--time", TIME)
    eq(json.load(open(g))["accounts"], [], "accounts after init --force")


def test_hash_depends_on_content_not_form(t):
    keys = [random_pubkey() for _ in range(3)]
    addrs = [random_address() for _ in range(4)]
    unit = 10**6

    def build(name, order, vorder=(0, 1, 2), amounts=(5, 6, 7, 8), time=TIME,
              chain="hash-test", bond=1):
        p = t.path(name)
        ok(p, "init", "--chain-id", chain, "--time", time)
        for i in order:
            ok(p, "add-account", addrs[i], amounts[i] * unit)
        for i in vorder:
            ok(p, "add-validator", addrs[i], keys[i], (bond + i) * unit)
        return p, ok(p, "hash").strip()

    p1, h1 = build("a.json", [0, 1, 2, 3])
    p2, h2 = build("b.json", [3, 1, 0, 2], vorder=(2, 0, 1))
    eq(h2, h1, "the same accounts and validators added in another order")
    eq(open(p2).read(), open(p1).read(), "the written files are identical")
    _, h3 = build("c.json", [0, 1, 2, 3], amounts=(5, 6, 7, 9))
    check(h3 != h1, "another balance, another hash")
    _, h7 = build("g.json", [0, 1, 2, 3], bond=2)
    check(h7 != h1, "another stake, another hash")
    _, h4 = build("d.json", [0, 1, 2, 3], time="2026-01-02T03:04:05.679Z")
    check(h4 != h1, "another time, another hash")
    _, h5 = build("e.json", [0, 1, 2, 3], chain="hash-test2")
    check(h5 != h1, "another chain id, another hash")
    # Reformatting the JSON (indentation, key order, upper-case hex) keeps the hash.
    j = json.load(open(p1))
    for v in j["validators"]:
        v["pub_key"] = v["pub_key"].upper()
    p6 = t.path("f.json")
    with open(p6, "w") as f:
        f.write(json.dumps({k: j[k] for k in reversed(list(j))}, separators=(",", ":")))
    eq(ok(p6, "hash").strip(), h1, "hash of the reformatted file")
    # An unknown key, a duplicate key or a number amount make it invalid.
    for what, text in (
            ("unknown key", json.dumps(dict(j, extra=1))),
            ("duplicate key", json.dumps(j)[:-1] + ', "chain_id": "x"}'),
            ("number balance", json.dumps(dict(j, accounts=[{"address": addrs[0], "balance": 5}]))),
            ("zero balance", json.dumps(dict(j, accounts=[{"address": addrs[0], "balance": "0"}]))),
            ("not JSON", "{"),
    ):
        p = t.path("bad.json")
        with open(p, "w") as f:
            f.write(text)
        rc, out, err = gen(p, "validate")
        eq(rc, 1, "validate of a genesis with %s (stderr %r)" % (what, err))
        check(err.strip(), what + ": no message")


def test_bad_accounts_and_validators_refused(t):
    g = t.path("g.json")
    ok(g, "init", "--chain-id", "bad-input", "--time", TIME)
    a = random_address()
    ok(g, "add-account", a, 100)
    for bad, what in ((a[:-1] + ("p" if a[-1] == "q" else "q"), "bad checksum"),
                      ("chr1abc", "too short"), ("xyz", "not bech32"),
                      ("tb1" + a[3:], "another prefix"), (off_curve_address(), "off the curve"),
                      (a.upper()[:20] + a[20:], "mixed case"), ("", "empty")):
        refused(g, ["add-account", bad, "5"], 1, ["address"], "address " + what)
    b = random_address()
    for amount in ("0", "-1", "01", "1.5", "1e3", "", " 1", "1 ", "+1", "0x10", "abc",
                   "18446744073709551616", "99999999999999999999999"):
        refused(g, ["add-account", b, amount], 1, ["amount"], "amount %r" % amount)
    refused(g, ["add-account", a, "5"], 1, ["already"], "a duplicate account")
    ok(g, "add-account", b, "18446744073709551515")  # supply is now 2^64 - 1
    refused(g, ["add-account", random_address(), "1"], 1, ["overflow"], "supply over 2^64 - 1")
    v = random_pubkey()
    for bad, what in ((v[:-1], "63 hex"), (v + "0", "65 hex"), ("zz" * 32, "not hex"),
                      ("%064x" % 0, "zero"), ("f" * 64, "not a field element"),
                      (off_curve_address(), "an address off the curve")):
        refused(g, ["add-validator", a, bad, "1000000"], 1, ["key"], "validator key " + what)
    for bond in ("0", "-1", "1.0", "18446744073709551616"):
        refused(g, ["add-validator", a, v, bond], 1, ["self-bond"], "self-bond %r" % bond)
    refused(g, ["add-validator", "chr1abc", v, "50"], 1, ["OPERATOR"], "a bad operator")
    refused(g, ["add-validator", random_address(), v, "1000000"], 1, ["not a genesis account"],
            "an operator without a genesis account")
    refused(g, ["add-validator", a, v, "100"], 1, ["must exceed"], "a stake of the whole balance")
    refused(g, ["add-validator", b, v, "999999"], 1, ["min_self_bond"],
            "a self-bond under the chain's min_self_bond")
    refused(g, ["add-validator", b, v, "1000000", "--commission", "300000"], 1, ["commission"],
            "a commission over its max")
    refused(g, ["add-validator", b, v, "1000000", "--moniker", ""], 1, ["moniker"],
            "an empty moniker")
    refused(g, ["add-validator", b, v, "1000000", "--bogus", "1"], 2, ["option"],
            "an unknown option")
    ok(g, "add-validator", b, address_of_pubkey(v), "3000000")  # the key by its address
    refused(g, ["add-validator", b, random_pubkey(), "1000000"], 1, ["already"],
            "a second validator of one operator")
    refused(g, ["add-account", random_address(), "1"], 1, ["overflow"], "supply still checked")
    ok(g, "validate")


def test_set_follows_the_stakes(t):
    # The genesis set is the top validators_max by self-bond, power self_bond / power_unit
    # (a stake under one unit gives none); a file whose validators differ from it, or that
    # lists validators without stakes (before staking), is refused with the reason.
    g = t.path("g.json")
    ok(g, "init", "--chain-id", "set-test", "--time", TIME)
    j = json.load(open(g))
    j["params"]["validators_max"] = 2
    j["params"]["min_self_bond"] = "1"
    open(g, "w").write(json.dumps(j))
    ops = [random_address() for _ in range(4)]
    keys = [random_pubkey() for _ in range(4)]
    for i, bond in enumerate((3000000, 5000000, 4000000, 999999)):
        ok(g, "add-account", ops[i], bond + 1)
        ok(g, "add-validator", ops[i], keys[i], bond)
    j = json.load(open(g))
    eq(sorted((v["pub_key"], v["power"]) for v in j["validators"]),
       sorted([(keys[1], "5"), (keys[2], "4")]), "the top two by stake")
    eq(len(j["stakes"]), 4, "every stake is kept")
    ok(g, "validate")
    bad = dict(j, validators=[{"pub_key": keys[0], "power": "3"}])
    p = t.path("mismatch.json")
    open(p, "w").write(json.dumps(bad))
    refused(p, ["validate"], 1, ["not the set the stakes give"], "a set the stakes do not give")
    old = {k: v for k, v in j.items() if k != "stakes"}
    p = t.path("old.json")
    open(p, "w").write(json.dumps(old))
    refused(p, ["validate"], 1, ["without stakes", "add-validator"], "a genesis from before "
            "staking")


def test_usage_errors(t):
    g = t.path("g.json")
    for args, what in ((["init"], "init without --chain-id"),
                       (["init", "--chain-id"], "--chain-id without a value"),
                       (["init", "--chain-id", "x", "--bogus"], "unknown init option"),
                       (["add-account", random_address()], "add-account with one argument"),
                       (["add-validator"], "add-validator without arguments"),
                       (["validate", "extra"], "validate with an argument"),
                       (["frobnicate"], "unknown command"), ([], "no command")):
        refused(g, args, 2, [], what)
    eq(os.path.exists(g), False, "no file was written")
    for cid in ("", "-x", "x-", "UPPER", "a_b", "a" * 33, "spa ce"):
        refused(g, ["init", "--chain-id", cid], 1, ["chain id"], "chain id %r" % cid)
    for tm in ("2026-01-02", "2026-01-02T03:04:05+01:00", "2026-13-02T03:04:05Z",
               "2026-01-02T03:04:60Z", "2026-01-02T03:04:05.1234Z", "1969-12-31T23:59:59Z"):
        refused(g, ["init", "--chain-id", "x", "--time", tm], 1, ["time"], "time %r" % tm)
    eq(os.path.exists(g), False, "no file was written")
    # A missing or unreadable genesis file.
    refused(t.path("none.json"), ["validate"], 1, [], "validate of a missing file")
    refused(t.path("none.json"), ["add-account", random_address(), "1"], 1, [],
            "add-account to a missing file")
    rc, out, err = run([binary("chroom-genesis"), "help"])
    eq((rc, "usage" in out), (0, True), "help")


def test_node_refuses_a_genesis_without_validators(t):
    g = t.path("g.json")
    ok(g, "init", "--chain-id", "no-validators", "--time", TIME)
    ok(g, "add-account", random_address(), 5)
    conf = t.path("chain.conf")
    with open(conf, "w") as f:
        f.write("[node]\ndata_dir = data\ngenesis_file = g.json\n[api]\nlisten = 127.0.0.1:0\n")
    p = subprocess.Popen([binary("chroomd"), "--config", conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    t.procs.append(p)
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        err = p.communicate(timeout=5)[1]
        fail("chroomd started with a genesis that has no validator (a chain that can never "
             "make a block) and was still running after 5 s; its log: %r" % err[-300:])
    err = p.communicate(timeout=5)[1]
    eq(rc, 1, "chroomd with a genesis without validators (stderr %r)" % err)
    check("validator" in err, "stderr %r" % err)
    check(not os.path.exists(t.path("data", "data.mdb")), "a store was created")
