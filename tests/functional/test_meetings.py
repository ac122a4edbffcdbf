"""Media nodes and meetings on a real node: media nodes registered with the wallet (their
bonds leave the operator exactly), listed and filtered over REST; a meeting created with a
signed transaction (the wallet) read back in the Open API seed's shape with its payment
record, the escrow leaving the payer exactly; a meeting no node can take refused with
nothing escrowed; a meeting cancelled before its start refunded in full."""

import json
import time

from node import assert_error, check, eq, random_pubkey, run, start_node, tx_hash, wallet_cmd

FEE = 1000
BOND = 1000 * 10**6
PRICE = 100


def w(n, *args, json_out=False):
    return run(wallet_cmd(*args, node=n.url, json_out=json_out, api_key=n.api_key))


def ok(n, *args, json_out=False):
    rc, out, err = w(n, *args, json_out=json_out)
    eq(rc, 0, "chroom-wallet %s (stderr %r)" % (" ".join(str(a) for a in args[:2]), err))
    return out


def balance(n, key):
    return int(n.get("/api/v1/accounts/%s" % key.address)["balance"])


def register(n, key, region, capacity):
    node_key = random_pubkey()
    ok(n, "media-node", "register", "--key", key.path, "--node-key", node_key, "--endpoint",
       "https://%s.media.example.org:8443/" % region, "--region", region, "--capacity",
       capacity, "--bond", BOND, "--raw", "--metadata", "test node", "--wait")
    return node_key


def create(n, key, participants, duration, *extra):
    rc, out, err = w(n, "meeting", "create", "--key", key.path, "--title", "Weekly sync",
                     "--host", "alice-user", "--participants", ",".join(participants),
                     "--duration", duration, "--wait", *extra)
    meeting_id = None
    for line in out.splitlines():
        if line.startswith("meeting_id "):
            meeting_id = line.split()[1]
    return rc, meeting_id, err


def test_media_nodes_and_meetings(t):
    # Proves the whole path of issue 14's first part on a real node: three media nodes in two
    # regions registered by the wallet, bonds taken exactly, listed with region and status
    # filters and a cursor, read one by one; a meeting created by a signed meeting-create,
    # answered in the seed's shape (meeting_id, status created, start_url and join_url on
    # its node's endpoint) with escrow price x (participants + 1) x duration taken exactly;
    # a meeting too big for every node refused with nothing escrowed; a scheduled meeting
    # cancelled before its start refunded in full; malformed ids refused.
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    a0 = balance(n, alice)
    nodes = [register(n, alice, "eu-west", 10), register(n, alice, "eu-west", 20),
             register(n, alice, "us-east", 5)]
    eq(balance(n, alice), a0 - 3 * (BOND + FEE), "three bonds and fees left the operator")

    page = n.get("/api/v1/media-nodes")
    eq(sorted(x["id"] for x in page["media_nodes"]), sorted(nodes), "every node listed")
    eq(page["next_cursor"], None, "one page")
    eu = n.get("/api/v1/media-nodes?region=eu-west&status=active")["media_nodes"]
    eq(sorted(x["id"] for x in eu), sorted(nodes[:2]), "the eu-west nodes")
    eq(n.get("/api/v1/media-nodes?status=unbonding")["media_nodes"], [], "none unbonding")
    first = n.get("/api/v1/media-nodes?limit=1")
    check(first["next_cursor"] is not None, "a cursor after a page of one")
    rest = n.get("/api/v1/media-nodes?limit=5&cursor=%s" % first["next_cursor"])
    eq(len(rest["media_nodes"]), 2, "the other two after the cursor")
    one = n.get("/api/v1/media-nodes/%s" % nodes[2])
    eq((one["operator"], one["status"], one["bond"], one["capacity"], one["region"]),
       (alice.address, "active", str(BOND), 5, "us-east"), "a node's record")
    out = ok(n, "media-node", "list", "--region", "us-east", json_out=True)
    eq([x["id"] for x in json.loads(out)["media_nodes"]], [nodes[2]], "wallet media-node list")

    b0 = balance(n, bob)
    rc, mid, err = create(n, bob, ["bob-user", "carol-user", "dave-user"], 30,
                          "--region", "us-east")
    eq(rc, 0, "meeting create (stderr %r)" % err)
    check(mid is not None and len(mid) == 24, "a meeting id: %r" % mid)
    m = n.get("/api/meetings/%s" % mid)
    escrow = PRICE * 4 * 30
    eq((m["meeting_id"], m["status"], m["escrow"], m["media_node"], m["payer"]),
       (mid, "created", str(escrow), nodes[2], bob.address), "the meeting's record")
    eq(m["start_url"], "https://us-east.media.example.org:8443/start/%s" % mid, "start_url")
    eq(m["join_url"], "https://us-east.media.example.org:8443/join/%s" % mid, "join_url")
    eq((m["title"], m["host"], m["participants"], m["duration"]),
       ("Weekly sync", "alice-user", ["bob-user", "carol-user", "dave-user"], 30), "fields")
    eq(n.get("/api/v1/meetings/%s" % mid), m, "the v1 path answers the same")
    p = n.get("/api/v1/meetings/%s/payments" % mid)
    eq((p["meeting_id"], p["escrowed"], p["paid"], p["protocol_share"], p["refunded"], p["held"],
        p["closed"], p["claims"]), (mid, str(escrow), "0", "0", "0", str(escrow), False, []),
       "its payments: all of the escrow held, nothing claimed yet")
    assert_error(n.request("GET", "/api/v1/meetings/xyz/payments"), 400, "invalid_argument",
                 "payments: bad id")
    assert_error(n.request("GET", "/api/v1/meetings/%s/payments" % ("00" * 12)), 404,
                 "not_found", "payments: unknown meeting")
    eq(balance(n, bob), b0 - escrow - FEE, "the escrow and fee left the payer exactly")
    tx = n.get("/api/v1/txs/%s" % m["tx_hash"])
    eq(tx["status"], "committed", "the creating transaction is committed")

    # 17 people fit only the 20-seat node; a second such meeting at the same time fits
    # nowhere: refused, nothing escrowed (capacity holds over overlapping spans).
    many = ["p%d" % i for i in range(16)]
    rc, big, err = create(n, bob, many, 10, "--region", "us-east")
    eq(rc, 0, "16 participants fall back from us-east to the 20-seat node (stderr %r)" % err)
    eq(n.get("/api/v1/meetings/%s" % big)["media_node"], nodes[1], "the only node with room")
    b1 = balance(n, bob)
    rc, _, err = create(n, bob, many, 10)
    eq(rc, 1, "a meeting no node can take fails")
    check("no_media_node" in err or "no media node" in err, "the reason is named: %r" % err)
    eq(balance(n, bob), b1, "nothing escrowed for the refused meeting")

    # Scheduled an hour ahead, then cancelled: the whole escrow comes back.
    start_ms = int(time.time() * 1000) + 3600 * 1000
    b2 = balance(n, bob)
    rc, later, err = create(n, bob, ["x"], 60, "--start-ms", start_ms)
    eq(rc, 0, "a scheduled meeting (stderr %r)" % err)
    eq(balance(n, bob), b2 - PRICE * 2 * 60 - FEE, "its escrow taken")
    ok(n, "meeting", "cancel", later, "--key", bob.path, "--wait")
    eq(balance(n, bob), b2 - 2 * FEE, "cancelled before its start: refunded in full")
    eq(n.get("/api/v1/meetings/%s" % later)["status"], "cancelled", "its status")
    eq(n.get("/api/v1/meetings/%s" % later)["escrow"], "0", "nothing held")

    # The supply shows the two open meetings' escrows and the three bonds apart from the
    # liquid units, and every unit is accounted for.
    s = n.supply_parts()
    eq((s["escrowed"], s["media_bonded"]), (escrow + PRICE * 17 * 10, 3 * BOND),
       "the supply's escrowed and media_bonded")
    eq(s["liquid"] + s["bonded"] + s["unbonding"] + s["rewards_pending"] + s["treasury"] +
       s["deposits"] + s["escrowed"] + s["media_bonded"], s["total"], "the supply's parts")
    eq(n.total_balance(), n.chain.supply, "every unit accounted for")

    # The payer's and the host's lists, with a status filter and a cursor.
    mine = n.get("/api/v1/meetings?payer=%s" % bob.address)["meetings"]
    eq(sorted(x["meeting_id"] for x in mine), sorted([mid, big, later]), "bob's meetings")
    eq([x["meeting_id"] for x in
        n.get("/api/v1/meetings?payer=%s&status=cancelled" % bob.address)["meetings"]],
       [later], "the cancelled one")
    first = n.get("/api/v1/meetings?host=alice-user&limit=2")
    eq(len(first["meetings"]), 2, "a page of two")
    rest = n.get("/api/v1/meetings?host=alice-user&cursor=%s" % first["next_cursor"])
    eq(sorted(x["meeting_id"] for x in first["meetings"] + rest["meetings"]),
       sorted([mid, big, later]), "the host's meetings over two pages")
    out = ok(n, "meeting", "list", "--payer", bob.address, "--status", "created", json_out=True)
    eq(sorted(x["meeting_id"] for x in json.loads(out)["meetings"]), sorted([mid, big]),
       "wallet meeting list")
    assert_error(n.request("GET", "/api/v1/meetings"), 400, "invalid_argument", "no filter")
    assert_error(n.request("GET", "/api/v1/meetings?payer=x"), 400, "bad_address", "bad payer")
    assert_error(n.request("GET", "/api/v1/meetings/xyz"), 400, "invalid_argument", "bad id")
    assert_error(n.request("GET", "/api/v1/meetings/%s" % ("00" * 12)), 404, "not_found",
                 "unknown meeting")
    assert_error(n.request("GET", "/api/v1/media-nodes?region=EU"), 400, "invalid_argument",
                 "bad region")
    assert_error(n.request("GET", "/api/v1/media-nodes/%s" % ("00" * 32)), 404, "not_found",
                 "unknown node")


def test_seed_endpoint_create(t):
    # Proves POST /api/meetings/create in the seed's shape: with the node's sponsor key the
    # node signs, submits and waits, and answers 200 with meeting_id, status "created",
    # start_url and join_url (and the payment record), the escrow and fee leaving the sponsor
    # exactly; the seed's 400s for a bad title, duration, participant list (empty, repeated,
    # too many) and an unknown field, each naming the field; 401 without a key; a meeting no
    # node can take refused with nothing escrowed; POST /api/meetings/{id}/end ends it; a node
    # without a sponsor key answers 403 no_sponsor.
    from node import Chain, Node
    chain = Chain(t, {"alice": 10**12, "sponsor": 10**12})
    n = Node(t, chain, conf={"api": {"sponsor_key_file": chain["sponsor"].path}}).start()
    node_key = register(n, chain["alice"], "eu-west", 10)
    s0 = balance(n, chain["sponsor"])
    body = {"title": "Standup", "host": "alice-user", "participants": ["bob-user", "carol"],
            "duration": 15}
    r = n.request("POST", "/api/meetings/create", json.dumps(body))
    eq(r.status, 200, "the seed's create: %r" % (r,))
    m = r.json
    eq((m["status"], m["media_node"], m["escrow"], m["payer"]),
       ("created", node_key, str(PRICE * 3 * 15), chain["sponsor"].address), "the answer")
    mid = m["meeting_id"]
    eq(m["start_url"], "https://eu-west.media.example.org:8443/start/%s" % mid, "start_url")
    eq(m["join_url"], "https://eu-west.media.example.org:8443/join/%s" % mid, "join_url")
    eq(n.get("/api/meetings/%s" % mid), m, "read back the same")
    eq(balance(n, chain["sponsor"]), s0 - PRICE * 3 * 15 - FEE, "the sponsor paid exactly")

    bad = [({"title": ""}, "title"), ({"duration": 0}, "duration"),
           ({"duration": 1441}, "duration"), ({"participants": []}, "participants"),
           ({"participants": ["a", "a"]}, "participants"),
           ({"participants": ["p%d" % i for i in range(128)]}, "participants"),
           ({"title": 5}, "title")]
    for change, field in bad:
        b = dict(body, **change)
        r = n.request("POST", "/api/meetings/create", json.dumps(b))
        assert_error(r, 400, None, "bad %s" % field)
        eq(r.json["error"].get("field"), field, "the field named for %r" % (change,))
    r = n.request("POST", "/api/meetings/create", json.dumps(dict(body, color="red")))
    assert_error(r, 400, "unknown_field", "an unknown field")
    r = n.request("POST", "/api/meetings/create", json.dumps(body), auth=False)
    assert_error(r, 401, "unauthorized", "no key")
    s1 = balance(n, chain["sponsor"])
    r = n.request("POST", "/api/meetings/create",
                  json.dumps(dict(body, participants=["p%d" % i for i in range(12)])))
    assert_error(r, 400, "no_media_node", "too big for every node")
    eq(balance(n, chain["sponsor"]), s1, "nothing escrowed")

    # POST /api/meetings/{id}/credits: the sponsor (the payer) signs everyone's credits, or
    # one person's; each verifies for the sponsor's key by docs/CREDITS.md and rides in its
    # link's fragment; a stranger is refused.
    import bip340
    from test_credits import parse, tagged_hash
    r = n.request("POST", "/api/meetings/%s/credits" % mid, "")
    eq(r.status, 200, "credits for everyone (%r)" % (r,))
    got = r.json["credits"]
    eq([(x["participant"], x["role"]) for x in got],
       [("alice-user", "host"), ("bob-user", "participant"), ("carol", "participant")],
       "the host's and each participant's")
    for x in got:
        cred = bytes.fromhex(x["credit"])
        f = parse(cred)
        eq((f["meeting_id"], f["node_key"], f["minutes_max"], f["person"]),
           (mid, node_key, 15, x["participant"]), "the credit's fields")
        check(bip340.verify(bytes.fromhex(chain["sponsor"].pubkey),
                            tagged_hash("CHROOM/credit", cred[:-64]), cred[-64:]),
              "signed by the sponsor, the payer")
        link = x["start_url"] if x["role"] == "host" else x["join_url"]
        eq(link.split("#credit=")[1], x["credit"], "the link carries the credit")
    r = n.request("POST", "/api/meetings/%s/credits" % mid, json.dumps({"participant": "carol"}))
    eq([x["participant"] for x in r.json["credits"]], ["carol"], "one person's")
    r = n.request("POST", "/api/meetings/%s/credits" % mid, json.dumps({"participant": "eve"}))
    assert_error(r, 400, "invalid_argument", "not in the meeting")
    assert_error(n.request("POST", "/api/meetings/%s/credits" % ("00" * 12), ""), 404,
                 "not_found", "no such meeting")

    # POST /api/meetings/{id}/end: the meeting started at its creation, so it ends (the
    # escrow stays for settlement); ending it again is refused.
    s2 = balance(n, chain["sponsor"])
    r = n.request("POST", "/api/meetings/%s/end" % mid, "")
    eq(r.status, 200, "end (%r)" % (r,))
    eq((r.json["status"], r.json["escrow"]), ("ended", str(PRICE * 3 * 15)), "ended, held")
    eq(balance(n, chain["sponsor"]), s2 - FEE, "only the fee")
    r = n.request("POST", "/api/meetings/%s/end" % mid, "")
    assert_error(r, 400, "wrong_state", "ended twice")
    assert_error(n.request("POST", "/api/meetings/zz/end", ""), 400, "invalid_argument",
                 "a bad id")

    plain = start_node(t, name="plain")
    r = plain.request("POST", "/api/meetings/create", json.dumps(body))
    assert_error(r, 403, "no_sponsor", "a node without a sponsor key")


def test_seed_endpoint_concurrent_creates(t):
    # Proves that apps may call POST /api/meetings/create at once: the node gives its sponsor's
    # transactions consecutive nonces, in the order they reach the mempool, so 24
    # concurrent creates all answer 200 with 24 different meetings (none 409 on a nonce).
    import threading
    from node import Chain, Node
    chain = Chain(t, {"alice": 10**12, "sponsor": 10**12})
    n = Node(t, chain, conf={"api": {"sponsor_key_file": chain["sponsor"].path}}).start()
    register(n, chain["alice"], "eu-west", 100)
    body = json.dumps({"title": "Sync", "host": "h", "participants": ["p1", "p2"],
                       "duration": 15})
    answers = []
    lock = threading.Lock()

    def create():
        r = n.request("POST", "/api/meetings/create", body)
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=create) for _ in range(24)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    eq(sorted(r.status for r in answers), [200] * 24, "every create: %r" %
       ([(r.status, r.json) for r in answers if r.status != 200][:2],))
    eq(len({r.json["meeting_id"] for r in answers}), 24, "24 meetings")
    eq(n.nonce(chain["sponsor"].address), 24, "the sponsor's nonces 0..23, each once")


def test_wallet_signs_offline(t):
    # Proves offline signing of the new types: with --chain-id, --fee and --nonce all given
    # and --out, the wallet signs a media-node registration and a meeting-create against a
    # node address that refuses every connection (nothing is contacted), and `tx broadcast`
    # of the written hex then commits them on a real node.
    from node import refused_port
    n = start_node(t)
    c = n.chain
    alice = c["alice"]
    dead = "http://127.0.0.1:%d" % refused_port(t)
    node_key = random_pubkey()
    reg = t.path("reg.hex")
    rc, out, err = run(wallet_cmd("media-node", "register", "--key", alice.path, "--node-key",
                                  node_key, "--endpoint", "https://m.example.org", "--region",
                                  "eu", "--capacity", 10, "--bond", 1000, "--fee", "0.001",
                                  "--nonce", 0, "--chain-id", c.chain_id, "--out", reg,
                                  node=dead))
    eq(rc, 0, "offline register (stderr %r)" % err)
    meet = t.path("meet.hex")
    rc, out, err = run(wallet_cmd("meeting", "create", "--key", alice.path, "--title", "Offline",
                                  "--host", "h", "--participants", "a,b", "--duration", 5,
                                  "--fee", "0.001", "--nonce", 1, "--chain-id", c.chain_id,
                                  "--out", meet, node=dead))
    eq(rc, 0, "offline meeting create (stderr %r)" % err)
    for f in (reg, meet):
        ok(n, "tx", "broadcast", f, "--wait")
    eq(n.get("/api/v1/media-nodes/%s" % node_key)["status"], "active", "registered")
    with open(meet) as f:
        mid = tx_hash(f.read().strip())[:24]
    m = n.get("/api/v1/meetings/%s" % mid)
    eq((m["title"], m["media_node"]), ("Offline", node_key), "the meeting signed offline")


def test_four_validators_keep_equal_records(t):
    # Proves that meetings and media nodes are consensus state: a media node registered
    # through one validator, a meeting created through another with a signed transaction
    # and one created through a third's seed endpoint (POST /api/meetings/create, signed by
    # the sponsor its API key is bound to) are committed, and all four validators answer
    # the same records and the same state root at the same height.
    from test_consensus import same_chain, testnet, wait_all
    chain, vals, nodes = testnet(t, accounts=("alice", "bob", "sponsor"))
    wait_all(nodes, 1)
    node_key = register(nodes[0], chain["alice"], "eu", 10)
    rc, mid, err = create(nodes[1], chain["bob"], ["x", "y"], 20)
    eq(rc, 0, "meeting create on v1 (stderr %r)" % err)
    key = nodes[2].create_api_key(scopes="read,meetings",
                                  extra=("--sponsor-key-file", chain["sponsor"].path,
                                         "--spend-limit", "unlimited"))
    r = nodes[2].request("POST", "/api/meetings/create",
                         json.dumps({"title": "Seed", "host": "h", "participants": ["p"],
                                     "duration": 15}),
                         headers={"Authorization": "Bearer " + key})
    eq((r.status, r.json.get("payer")), (200, chain["sponsor"].address), "seed create on v2")
    top = max(n.height() for n in nodes)
    wait_all(nodes, top)
    same_chain(nodes, top)
    first = nodes[0].get("/api/v1/meetings/%s" % mid)
    eq(first["media_node"], node_key, "allocated to the one node")
    seed = nodes[0].get("/api/v1/meetings/%s" % r.json["meeting_id"])
    eq(seed, r.json, "the seed endpoint's answer is the record v0 holds")
    for n in nodes[1:]:
        eq(n.get("/api/v1/meetings/%s" % mid), first, "%s: the same meeting" % n.name)
        eq(n.get("/api/v1/meetings/%s" % r.json["meeting_id"]), seed,
           "%s: the same sponsored meeting" % n.name)
        eq(n.get("/api/v1/media-nodes/%s" % node_key),
           nodes[0].get("/api/v1/media-nodes/%s" % node_key), "%s: the same node" % n.name)


def test_sponsor_spend_limit_survives_a_restart(t):
    # Proves [api] sponsor_spend_per_day: meetings whose escrow and fee fit the day's limit
    # are created, the next is refused 402 spend_limit_exceeded with nothing escrowed, a
    # meeting refused by its own rules gives its share back, and after a restart the count
    # of the day holds (the next is still refused).
    from node import Chain, Node
    chain = Chain(t, {"alice": 10**12, "sponsor": 10**12})
    cost = PRICE * 3 * 10 + FEE
    n = Node(t, chain, conf={"api": {"sponsor_key_file": chain["sponsor"].path,
                                     "sponsor_spend_per_day": 2 * cost + 5}}).start()
    register(n, chain["alice"], "eu", 50)
    body = {"title": "Daily", "host": "h", "participants": ["a", "b"], "duration": 10}
    r = n.request("POST", "/api/meetings/create", json.dumps(dict(body, participants=["a", "a"])))
    assert_error(r, 400, None, "a repeated participant")
    for i in range(2):
        r = n.request("POST", "/api/meetings/create", json.dumps(body))
        eq(r.status, 200, "meeting %d within the limit (%r)" % (i, r))
    s0 = balance(n, chain["sponsor"])
    r = n.request("POST", "/api/meetings/create", json.dumps(body))
    assert_error(r, 402, "spend_limit_exceeded", "over the day's limit")
    eq(balance(n, chain["sponsor"]), s0, "nothing escrowed")
    n.stop()
    n.start()
    r = n.request("POST", "/api/meetings/create", json.dumps(body))
    assert_error(r, 402, "spend_limit_exceeded", "the limit holds across a restart")


def test_per_key_sponsors(t):
    # Proves API keys bound to sponsor accounts of their own: two keys bound to two sponsors
    # create meetings paid each by its own sponsor (the escrow and fee leave exactly that
    # account), end and sign credits only for their own; `chroomd apikey create` refuses a
    # key file readable by others and a binding without the meetings scope; a key without
    # the meetings scope gets 403 insufficient_scope, one with it but no sponsor (and no
    # node-wide default) 403 no_sponsor; a key's daily limit is its own (402 for it, the
    # other key unaffected) and holds across a restart; the key list shows each binding; a
    # key file changed behind the node's back is refused until put back.
    import os
    import shutil
    from node import Chain, Node, binary, run
    chain = Chain(t, {"alice": 10**12, "spa": 10**12, "spb": 10**12})
    n = Node(t, chain)
    cost = PRICE * 3 * 10 + FEE
    key_a = n.create_api_key(scopes="read,meetings", label="app a",
                             extra=("--sponsor-key-file", chain["spa"].path,
                                    "--spend-limit", "%d/day" % (2 * cost + 5)))
    key_b = n.create_api_key(tier="standard", scopes="meetings",
                             extra=("--sponsor-key-file", chain["spb"].path,
                                    "--spend-limit", "unlimited"))
    unbound = n.create_api_key(scopes="read,meetings")
    submitter = n.create_api_key(scopes="read,submit")
    loose = t.path("loose.key")
    shutil.copy(chain["spa"].path, loose)
    os.chmod(loose, 0o644)
    base = [binary("chroomd"), "apikey", "create", "--config", n.conf_path, "--tier", "standard"]
    rc, out, err = run(base + ["--scopes", "meetings", "--sponsor-key-file", loose,
                               "--spend-limit", "10/day"])
    check(rc == 2 and "must be 0600" in err and out == "", "a key file others read (%r)" % err)
    rc, out, err = run(base + ["--scopes", "read,submit", "--sponsor-key-file", chain["spa"].path,
                               "--spend-limit", "10/day"])
    check(rc == 2 and "meetings scope" in err and out == "", "no meetings scope (%r)" % err)
    rc, out, err = run(base + ["--scopes", "meetings", "--sponsor-key-file", chain["spa"].path,
                               "--spend-limit", "0/day"])
    check(rc == 2 and "--spend-limit" in err, "a limit of nothing (%r)" % err)
    n.start()
    register(n, chain["alice"], "eu", 50)

    def as_key(key):
        return {"Authorization": "Bearer " + key}

    body = {"title": "Daily", "host": "h", "participants": ["a", "b"], "duration": 10}
    a0, b0 = balance(n, chain["spa"]), balance(n, chain["spb"])
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_a))
    eq((r.status, r.json.get("payer")), (200, chain["spa"].address), "key a: paid by spa")
    mid_a = r.json["meeting_id"]
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_b))
    eq((r.status, r.json.get("payer")), (200, chain["spb"].address), "key b: paid by spb")
    mid_b = r.json["meeting_id"]
    eq(balance(n, chain["spa"]), a0 - cost, "spa paid its meeting exactly")
    eq(balance(n, chain["spb"]), b0 - cost, "spb paid its meeting exactly")
    r = n.request("POST", "/api/meetings/%s/credits" % mid_b, "", headers=as_key(key_a))
    assert_error(r, 403, "not_owner", "key a signs no credits for spb's meeting")
    r = n.request("POST", "/api/meetings/%s/credits" % mid_a, "", headers=as_key(key_a))
    eq(r.status, 200, "key a signs credits for its own meeting")
    r = n.request("POST", "/api/meetings/%s/end" % mid_a, "", headers=as_key(key_b))
    assert_error(r, 400, "not_owner", "key b cannot end spa's meeting")
    r = n.request("POST", "/api/meetings/%s/end" % mid_b, "", headers=as_key(key_b))
    eq((r.status, r.json.get("status")), (200, "ended"), "key b ends its own meeting")

    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(submitter))
    assert_error(r, 403, "insufficient_scope", "a key without the meetings scope")
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(unbound))
    assert_error(r, 403, "no_sponsor", "a key bound to no sponsor on a node without a default")

    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_a))
    eq(r.status, 200, "key a's second meeting fits its limit (%r)" % (r,))
    a1 = balance(n, chain["spa"])
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_a))
    assert_error(r, 402, "spend_limit_exceeded", "key a over its limit")
    eq(balance(n, chain["spa"]), a1, "nothing escrowed")
    for i in range(2):
        r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_b))
        eq(r.status, 200, "key b has no limit (%d)" % i)
    n.stop()
    n.start()
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_a))
    assert_error(r, 402, "spend_limit_exceeded", "key a's limit holds across a restart")
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_b))
    eq(r.status, 200, "key b still creates after the restart")

    keys = {k["label"]: k for k in n.get("/api/v1/apikeys")["keys"]}
    eq(keys["app a"]["sponsor"]["address"], chain["spa"].address, "the list shows a's sponsor")
    eq(keys["app a"]["sponsor"]["spend_limit_per_day"], str(2 * cost + 5), "and its limit")
    eq(keys["app a"]["scopes"], ["read", "meetings"], "and its scopes")
    check("sponsor" not in keys["functional tests"], "an unbound key shows none")

    # The node reads the key file for each request: one made readable by others since, or
    # holding another account's key, is refused (403 no_sponsor, nothing signed) until put
    # back; the path never reaches the caller.
    os.chmod(chain["spb"].path, 0o644)
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_b))
    assert_error(r, 403, "no_sponsor", "key b's file readable by others")
    check(chain["spb"].path not in r.raw.decode(), "the answer names no path")
    os.chmod(chain["spb"].path, 0o600)
    saved = open(chain["spb"].path).read()
    with open(chain["spb"].path, "w") as f:
        f.write(open(chain["spa"].path).read())
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_b))
    assert_error(r, 403, "no_sponsor", "key b's file now holds spa's key")
    with open(chain["spb"].path, "w") as f:
        f.write(saved)
    r = n.request("POST", "/api/meetings/create", json.dumps(body), headers=as_key(key_b))
    eq(r.status, 200, "key b works again once its file is put back")


def test_deregistered_bond_is_on_the_unbonding_queue(t):
    # Proves that a deregistered media node's bond leaves through staking's unbonding queue:
    # after the deregistration the supply's unbonding holds the bond, the operator's
    # unbondings list it (validator: the node's key, completing at the node's unbond_after),
    # total supply is unchanged, and a second deregistration is refused wrong_state.
    from node import address_of_pubkey
    n = start_node(t)
    alice = n.chain["alice"]
    node_key = register(n, alice, "eu", 10)
    s0 = n.supply_parts()
    ok(n, "media-node", "deregister", "--key", alice.path, "--node-key", node_key, "--wait")
    rec = n.get("/api/v1/media-nodes/%s" % node_key)
    eq(rec["status"], "unbonding", "the node is unbonding")
    s1 = n.supply_parts()
    eq(s1["unbonding"] - s0["unbonding"], BOND, "the supply's unbonding holds the bond")
    eq((s0["media_bonded"], s1["media_bonded"]), (BOND, 0), "it left media_bonded")
    eq(n.total_balance(), n.chain.supply, "every unit accounted for")
    eq(s1["total"], s0["total"], "the total is unchanged")
    got = n.get("/api/v1/accounts/%s/unbondings" % alice.address)["unbondings"]
    eq([(u["validator"], u["amount"], u["completion_time"]) for u in got],
       [(address_of_pubkey(node_key), str(BOND), rec["unbond_after"])], "the operator's entry")
    rc, out, err = w(n, "media-node", "deregister", "--key", alice.path, "--node-key", node_key,
                     "--wait")
    check(rc != 0 and "wrong_state" in out + err, "deregistered twice (%r)" % (out + err,))
