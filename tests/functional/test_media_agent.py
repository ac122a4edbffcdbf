"""chroom-media on a real node (issue 16): the agent registers its media node with the
operator's key, admits and denies credits at its local endpoint (POST /verify: valid,
expired, wrong node, forged, another meeting's), takes usage (POST /usage and `usage add`)
and participants' receipts (POST /receipt), keeps them across a restart, tracks new
meetings allocated to its node from the blocks, and settles the
ended meeting in one batch, the claims visible at GET /api/v1/meetings/{id}/payments; its
refusals and exit codes. Two agents in two regions send heartbeats with the media server's
figures, the analytics show them and the settled minutes, and a stopped agent's node goes
offline."""

import calendar
import hashlib
import http.client
import json
import struct
import os
import signal
import socket
import subprocess
import time

import bip340
from node import Chain, Node, check, eq, keygen, random_pubkey, run, wallet_cmd, binary

BOND = 1000 * 10**6


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Agent:
    """A chroom-media config in the test's directory and the `run` process."""

    def __init__(self, t, n, node_key, operator, name="media", region="eu", agent_conf="",
                 capacity=10):
        self.t = t
        self.port = free_port()
        self.conf = t.path("%s.conf" % name)
        self.state = t.path("%s-state.json" % name)
        with open(self.conf, "w") as f:
            f.write("# chroom-media's config for the test\n"
                    "[node]\nurl = %s\napi_key = %s\n"
                    "[keys]\nnode_key_file = %s\noperator_key_file = %s\n"
                    "[registry]\nendpoint = https://%s.example.org:8443\nregion = %s\n"
                    "capacity = %d\nbond_units = %d\nmetadata = \"agent test\"\n"
                    "[agent]\nlisten_port = %d\nstate_file = %s-state.json\npoll_ms = 200\n%s"
                    % (n.url, n.api_key, os.path.basename(node_key.path), operator.path, name,
                       region, capacity, BOND, self.port, name, agent_conf))
        self.proc = None
        self.out = t.path("%s.out" % name)

    def cmd(self, *args, json_out=False):
        c = [binary("chroom-media"), "--config", self.conf]
        return c + (["--json"] if json_out else []) + [str(a) for a in args]

    def start(self):
        self.log = open(self.out, "a")
        self.proc = subprocess.Popen(self.cmd("run", json_out=True), stdout=self.log,
                                     stderr=self.log, stdin=subprocess.DEVNULL)
        self.t.procs.append(self.proc)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if self.post("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the agent did not start: %s" % open(self.out).read()[-500:])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        eq(self.proc.wait(timeout=10), 0, "the agent stops cleanly on SIGTERM")
        self.log.close()

    def post(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            if body is not None and not isinstance(body, str):
                body = json.dumps(body)
            conn.request(method, path, body=body)
            r = conn.getresponse()
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
        finally:
            conn.close()


def end_and_wait_claims(n, mid, count):
    """Ends the meeting through the Open API, then polls its payments (up to 20 s) until
    `count` claims are on chain; returns the last payments answer."""
    r = n.request("POST", "/api/meetings/%s/end" % mid, "")
    eq(r.status, 200, "end (%r)" % (r,))
    deadline = time.time() + 20
    p = {"claims": []}
    while time.time() < deadline and len(p["claims"]) < count:
        time.sleep(0.3)
        p = n.get("/api/v1/meetings/%s/payments" % mid)
    return p


def test_agent_verifies_and_settles(t):
    # Proves the operator's whole flow with real processes: `register` puts the node on the
    # chain under the operator; /verify admits the host's and a participant's credits and
    # denies an expired, a wrong node's, a forged and another meeting's credit, each with
    # its reason (and bad JSON with 400); usage reported over HTTP and by `usage add` is
    # kept across a restart of the agent; a participant's usage receipt is checked (forged
    # and keyless ones refused) and kept; once the meeting ends, `run` settles the three
    # claims in one settle transaction and the payments show them, the receipted one paid.
    chain = Chain(t, {"alice": 10**13, "sponsor": 10**12})
    n = Node(t, chain, conf={"api": {"sponsor_key_file": chain["sponsor"].path}}).start()
    alice, sponsor = chain["alice"], chain["sponsor"]
    node_key = keygen(t, "media-node")
    a = Agent(t, n, node_key, alice)

    rc, out, err = run(a.cmd("register", json_out=True))
    eq(rc, 0, "register (stderr %r)" % err)
    rec = n.get("/api/v1/media-nodes/%s" % node_key.pubkey)
    eq((rec["status"], rec["operator"], rec["region"]), ("active", alice.address, "eu"),
       "registered under the operator")
    rc, _, err = run(a.cmd("register"))
    eq(rc, 1, "registering twice is refused by the chain (stderr %r)" % err)

    # Another operator's node in another region, for a meeting that is not ours.
    rc, _, err = run(wallet_cmd("media-node", "register", "--key", alice.path, "--node-key",
                                random_pubkey(), "--endpoint", "https://other.example.org",
                                "--region", "us", "--capacity", 10, "--bond", BOND, "--raw",
                                "--wait", node=n.url, api_key=n.api_key))
    eq(rc, 0, "the other node (stderr %r)" % err)

    def create(region, participants):
        body = {"title": "Agent", "host": "host-user", "participants": participants,
                "duration": 30, "region": region}
        r = n.request("POST", "/api/meetings/create", json.dumps(body))
        eq(r.status, 200, "create (%r)" % (r,))
        return r.json["meeting_id"], r.json["media_node"]

    frank = keygen(t, "frank")
    mid, on = create("eu", ["bob-user", "carol-user", frank.address])
    eq(on, node_key.pubkey, "the meeting is on the agent's node")
    other_mid, other_on = create("us", ["dan-user"])
    check(other_on != node_key.pubkey, "the other meeting is elsewhere")
    mid2, _ = create("eu", ["erin-user"])

    def credits(m):
        r = n.request("POST", "/api/meetings/%s/credits" % m, "")
        eq(r.status, 200, "credits (%r)" % (r,))
        return {x["participant"]: x["credit"] for x in r.json["credits"]}

    cr = credits(mid)
    a.start()
    for person, role, index in (("host-user", "host", 0), ("bob-user", "participant", 1),
                                (frank.address, "participant", 3)):
        st, j = a.post("POST", "/verify", {"credit": cr[person], "meeting_id": mid})
        eq((st, j["admit"], j["role"], j["index"], j["participant"]), (200, True, role, index,
                                                                       person),
           "%s admitted" % person)

    rc, out, err = run(wallet_cmd("meeting", "credit", mid, "--key", sponsor.path, "--person",
                                  "carol-user", "--valid-ms", 1, "--json", node=n.url,
                                  api_key=n.api_key))
    eq(rc, 0, "an expiring credit (stderr %r)" % err)
    expired = json.loads(out)["credit"]
    time.sleep(0.05)
    sig = cr["carol-user"]
    forged = sig[:-2] + ("00" if sig[-2:] != "00" else "01")
    denials = [({"credit": expired}, "expired"),
               ({"credit": credits(other_mid)["dan-user"]}, "wrong_node"),
               ({"credit": forged, "meeting_id": mid}, "bad_signature"),
               ({"credit": credits(mid2)["erin-user"], "meeting_id": mid}, "wrong_meeting")]
    for body, reason in denials:
        st, j = a.post("POST", "/verify", body)
        eq((st, j["admit"], j["reason"]), (403, False, reason), "denied: %s" % reason)
    st, j = a.post("POST", "/verify", "{not json")
    eq((st, j["reason"]), (400, "bad_request"), "a body that is not JSON")
    st, j = a.post("POST", "/verify", {"credit": cr["bob-user"], "extra": 1})
    eq(st, 400, "an unknown field")

    # The command-line verifier says the same as the endpoint.
    rc, out, _ = run(a.cmd("credit", "verify", cr["bob-user"], "--meeting", mid))
    eq((rc, out.strip()), (0, "valid (claim index 1)"), "credit verify: valid")
    rc, out, _ = run(a.cmd("credit", "verify", forged, "--meeting", mid, json_out=True))
    eq((rc, json.loads(out)), (1, {"valid": False, "reason": "bad_signature"}),
       "credit verify: forged")

    st, j = a.post("POST", "/usage", {"meeting_id": mid, "participant": "bob-user", "minutes": 5})
    eq((st, j["minutes"], j["claimable"]), (200, 5, 5), "bob's minutes")
    # Frank, whose ID is an address, signs a usage receipt for 12 minutes (docs/CREDITS.md);
    # the media server reported 10: the claim is the 12 he signed, with the receipt.
    with open(frank.path) as f:
        frank_sk = bytes.fromhex(f.read().strip())
    msg = bytes([1, len(chain.chain_id)]) + chain.chain_id.encode() + bytes.fromhex(mid) + \
        bytes.fromhex(node_key.pubkey) + struct.pack(">I", 12)
    t_ = hashlib.sha256(b"CHROOM/receipt").digest()
    receipt = bip340.sign(frank_sk, hashlib.sha256(t_ + t_ + msg).digest()).hex()
    forged_receipt = receipt[:-2] + ("00" if receipt[-2:] != "00" else "01")
    body = {"meeting_id": mid, "participant": frank.address, "minutes": 12,
            "signature": forged_receipt}
    st, j = a.post("POST", "/receipt", body)
    eq((st, j["reason"]), (403, "bad_signature"), "a forged receipt")
    st, j = a.post("POST", "/receipt", dict(body, participant="bob-user", signature=receipt))
    eq((st, j["reason"]), (403, "no_participant_key"), "bob's ID is no address")
    st, j = a.post("POST", "/receipt", dict(body, signature=receipt))
    eq((st, j["receipt_minutes"]), (200, 12), "frank's receipt")
    st, j = a.post("POST", "/usage", {"meeting_id": mid, "participant": frank.address,
                                      "minutes": 10})
    eq((st, j["claimable"]), (200, 12), "the receipt's minutes are claimable")
    st, j = a.post("POST", "/usage", {"meeting_id": mid, "participant": "carol-user",
                                      "minutes": 5})
    eq((st, j["reason"]), (404, "no_credit"), "carol was never admitted")
    a.stop()
    a.start()
    rc, out, err = run(a.cmd("usage", "add", mid, "host-user", 40))
    eq(rc, 0, "usage add (stderr %r)" % err)
    st, j = a.post("POST", "/usage", {"meeting_id": mid, "participant": "bob-user", "minutes": 2})
    eq((st, j["minutes"]), (200, 7), "bob's minutes survived the restart")

    # A meeting allocated to the node while the agent runs is tracked from its block,
    # before anyone joins; one on the other node is not.
    mid3, _ = create("eu", ["gina-user"])
    create("us", ["hal-user"])
    deadline = time.time() + 10
    tracked = []
    while time.time() < deadline and mid3 not in tracked:
        time.sleep(0.2)
        with open(a.state) as f:
            tracked = [m["meeting_id"] for m in json.load(f)["meetings"]]
    eq(sorted(tracked), sorted([mid, mid3]), "the new meeting on this node is tracked")
    # The state holds credits that admit people: only its owner reads it.
    eq(os.stat(a.state).st_mode & 0o777, 0o600, "the state file's mode")
    eq(n.get("/api/v1/meetings/%s/payments" % mid)["claims"], [], "nothing claimed yet")
    p = end_and_wait_claims(n, mid, 3)
    claims = p["claims"]
    eq(claims, [{"index": 0, "person": "host-user", "final_minutes": 0, "pending_minutes": 30},
                {"index": 1, "person": "bob-user", "final_minutes": 0, "pending_minutes": 7},
                {"index": 3, "person": frank.address, "final_minutes": 12,
                 "pending_minutes": 0}],
       "the host's 40 minutes bounded by the 30 of the meeting, bob's 7, frank's 12 final")
    price = int(n.get("/api/v1/meetings/%s" % mid)["price_per_participant_minute"])
    share = 12 * price * 50 // 1000
    eq((p["paid"], p["protocol_share"]), (str(12 * price - share), str(share)),
       "frank's receipted minutes paid at once")
    time.sleep(1)
    a.stop()
    lines = [json.loads(x) for x in open(a.out) if x.startswith("{")]
    settles = [x for x in lines if x.get("status") == "committed"]
    eq(len(settles), 1, "one settle transaction carried the three claims (%r)" % lines)
    with open(a.state) as f:
        st = json.load(f)
    m = [x for x in st["meetings"] if x["meeting_id"] == mid][0]
    eq([p["claimed"] for p in m["persons"]], [30, 7, 12],
       "the state file records what was claimed")
    eq(m["persons"][2]["receipt_minutes"], 12, "and frank's receipt")


def test_agent_large_meeting(t):
    # Proves a meeting of 120 people end to end (meetings hold up to 128): created through
    # the seed endpoint (one more than 127 participants is a 400 naming the limit), its
    # record lists all 119 participants, POST .../credits answers a credit for every person,
    # the agent admits each and takes their usage, and once the meeting ends it settles the
    # 120 claims in one settle transaction (20 KB limit), every claim in the payments.
    chain = Chain(t, {"alice": 10**13, "sponsor": 10**12})
    n = Node(t, chain, conf={"api": {"sponsor_key_file": chain["sponsor"].path}}).start()
    node_key = keygen(t, "media-node")
    a = Agent(t, n, node_key, chain["alice"], capacity=200)
    rc, _, err = run(a.cmd("register", json_out=True))
    eq(rc, 0, "register (stderr %r)" % err)
    body = {"title": "All hands", "host": "host-user", "duration": 30, "region": "eu",
            "participants": ["user-%03d" % i for i in range(128)]}
    r = n.request("POST", "/api/meetings/create", json.dumps(body))
    eq((r.status, r.json["error"]["code"]), (400, "invalid_argument"), "128 participants")
    check("1 to 127" in r.json["error"]["message"], "names the limit: %r" % r.json)
    people = body["participants"] = body["participants"][:119]
    r = n.request("POST", "/api/meetings/create", json.dumps(body))
    eq(r.status, 200, "create with 119 participants (%r)" % (r,))
    mid = r.json["meeting_id"]
    eq(r.json["media_node"], node_key.pubkey, "on the agent's node")
    eq(n.get("/api/v1/meetings/%s" % mid)["participants"], people, "every participant listed")
    r = n.request("POST", "/api/meetings/%s/credits" % mid, "")
    eq(r.status, 200, "credits (%r)" % (r,))
    credits = r.json["credits"]
    eq([c["participant"] for c in credits], ["host-user"] + people, "a credit for every person")
    a.start()
    for i, c in enumerate(credits):
        st, j = a.post("POST", "/verify", {"credit": c["credit"], "meeting_id": mid})
        eq((st, j["admit"], j["index"]), (200, True, i), "person %d admitted" % i)
        st, j = a.post("POST", "/usage", {"meeting_id": mid, "participant": c["participant"],
                                          "minutes": 1 + i % 30})
        eq(st, 200, "person %d's usage" % i)
    claims = end_and_wait_claims(n, mid, 120)["claims"]
    eq([(c["index"], c["pending_minutes"]) for c in claims],
       [(i, 1 + i % 30) for i in range(120)], "every person's claim, pending")
    time.sleep(0.5)
    a.stop()
    lines = [json.loads(x) for x in open(a.out) if x.startswith("{")]
    settles = [x for x in lines if x.get("status") == "committed"]
    eq(len(settles), 1, "one settle transaction carried the 120 claims (%r)" % lines[-3:])
    tx = n.get("/api/v1/txs/%s" % settles[0]["hash"])["tx"]
    eq((tx["type"], len(tx["claims"])), ("meeting-settle", 120), "the settle as the chain has it")


def test_agent_refusals_and_exit_codes(t):
    # Proves the agent's edges are bounded and exact: the local endpoint answers an
    # oversized body with 413, an unknown path with 404, a wrong method with 405, a bad
    # usage report with 400 and a meeting it never admitted with 404 unknown_meeting; the
    # commands exit 4 for a config that names an unknown key or a missing key file, 2 for
    # a bad command line, 1 for a credit of a meeting the chain does not have, and 3 when
    # the node is down; the heartbeats of a node never registered are refused, counted in
    # /health and logged once while the same refusal repeats, and the agent carries on.
    chain = Chain(t, {"alice": 10**13})
    n = Node(t, chain).start()
    node_key = keygen(t, "media-node")
    a = Agent(t, n, node_key, chain["alice"], agent_conf="heartbeat_interval_ms = 1000\n")
    a.start()
    deadline = time.time() + 10
    hb = {}
    while time.time() < deadline and hb.get("refused", 0) < 3:
        time.sleep(0.3)
        hb = a.post("GET", "/health")[1]["heartbeats"]
    eq((hb["accepted"], hb["last_refusal"]), (0, "unknown_object"), "refused: not registered")
    check(hb["refused"] >= 3, "three refusals (%r)" % hb)
    logged = [x for x in open(a.out) if "heartbeat refused" in x]
    eq(len(logged), 1, "logged once (%r)" % logged)
    st, j = a.post("POST", "/verify", "{\"credit\": \"%s\"}" % ("ab" * 5000))
    eq((st, j["reason"]), (413, "body_too_large"), "an oversized body")
    eq(a.post("GET", "/nowhere")[0], 404, "an unknown path")
    eq(a.post("GET", "/verify")[0], 405, "GET /verify")
    for body in ({"meeting_id": "00" * 12, "participant": "x", "minutes": 0},
                 {"meeting_id": "00" * 12, "participant": "x", "minutes": 1441},
                 {"meeting_id": "zz", "participant": "x", "minutes": 1},
                 {"meeting_id": "00" * 12, "participant": "", "minutes": 1},
                 {"meeting_id": "00" * 12, "participant": "x", "minutes": 1.5},
                 {"meeting_id": "00" * 12, "participant": "x"}):
        eq(a.post("POST", "/usage", body)[0], 400, "a bad usage report %r" % (body,))
    st, j = a.post("POST", "/usage", {"meeting_id": "00" * 12, "participant": "x", "minutes": 1})
    eq((st, j["reason"]), (404, "unknown_meeting"), "usage of a meeting never admitted")
    rc, _, err = run(a.cmd("usage", "add", "00" * 12, "x", 0))
    eq(rc, 2, "usage add of 0 minutes (stderr %r)" % err)
    rc, _, err = run(a.cmd("credit", "verify", "00", "--meeting", "00" * 12))
    eq(rc, 1, "a meeting the chain does not have (stderr %r)" % err)
    rc, _, err = run(a.cmd("credit", "verify", "zz", "--meeting", "00" * 12))
    eq(rc, 2, "a credit that is not hex (stderr %r)" % err)
    rc, _, err = run(a.cmd("frobnicate"))
    eq(rc, 2, "an unknown command (stderr %r)" % err)
    a.stop()

    with open(a.conf) as f:
        good = f.read()
    with open(a.conf, "w") as f:
        f.write(good + "colour = red\n")
    rc, _, err = run(a.cmd("run"))
    check(rc == 4 and "unknown key [agent] colour" in err, "an unknown key (%d, %r)" % (rc, err))
    with open(a.conf, "w") as f:
        f.write(good.replace("media-node.key", "missing.key"))
    rc, _, err = run(a.cmd("run"))
    eq(rc, 4, "a missing node key file (stderr %r)" % err)
    with open(a.conf, "w") as f:
        f.write(good)
    n.stop()
    rc, _, err = run(a.cmd("credit", "verify", "00", "--meeting", "00" * 12))
    eq(rc, 3, "the node is down (stderr %r)" % err)


OFFLINE_MS = 4000
SETTLE_WINDOW_MS = 5000


def media_time_ms(s):
    """The node's "YYYY-MM-DDTHH:MM:SS.mmmZ" in Unix ms."""
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(s[20:23])


def expected_health(node):
    """A node that reported just now: healthy, unless the machine's CPU, which the agent
    reports from /proc/stat, is over 90 % (a busy test machine), which is degraded."""
    return "degraded" if node["current"]["cpu_permille"] > 900 else "healthy"


def test_two_agents_heartbeats_and_analytics(t):
    # Proves the media flow end to end with two agents in two regions: each meeting created
    # through the seed endpoint lands on the agent of its region, whose /verify admits its
    # credits and denies the other node's; the media server's figures reported to POST
    # /stats (a bad report refused with 400) and the participants admitted reach the node in
    # signed heartbeats, so /analytics/nodes, /nodes/{id}, /meetings/{id} and /network show
    # them; the finished meeting is settled in one batch and its minutes show in its
    # analytics; an agent that stops (SIGSTOP) shows offline in /media-nodes and
    # /analytics/nodes while the other stays healthy; at the end of the (genesis-short)
    # settlement and dispute windows the claims are paid and the rest of the escrow returns
    # to the payer, with no transaction.
    chain = Chain(t, {"alice": 10**13, "bob": 10**13, "sponsor": 10**12},
                  settle_params={"settle_window_ms": SETTLE_WINDOW_MS, "dispute_window_ms": 1000})
    n = Node(t, chain, conf={"api": {"sponsor_key_file": chain["sponsor"].path},
                             "analytics": {"offline_after_ms": OFFLINE_MS,
                                           "degraded_after_ms": 3000},
                             "consensus": {"block_interval_ms": 100,
                                           "empty_block_interval_ms": 500}}).start()
    hb_conf = "heartbeat_interval_ms = 1000\n"
    keys = {"eu": keygen(t, "media-eu"), "us": keygen(t, "media-us")}
    agents = {"eu": Agent(t, n, keys["eu"], chain["alice"], "eu", "eu", hb_conf),
              "us": Agent(t, n, keys["us"], chain["bob"], "us", "us", hb_conf)}
    for region, a in agents.items():
        rc, _, err = run(a.cmd("register"))
        eq(rc, 0, "register %s (stderr %r)" % (region, err))
        a.start()

    def create(region, participants, duration=30):
        body = {"title": "Flow", "host": "host-" + region, "participants": participants,
                "duration": duration, "region": region}
        r = n.request("POST", "/api/meetings/create", json.dumps(body))
        eq(r.status, 200, "create (%r)" % (r,))
        eq(r.json["media_node"], keys[region].pubkey, "the %s meeting on its node" % region)
        return r.json["meeting_id"]

    def credits(m):
        r = n.request("POST", "/api/meetings/%s/credits" % m, "")
        eq(r.status, 200, "credits (%r)" % (r,))
        return {x["participant"]: x["credit"] for x in r.json["credits"]}

    # The eu meeting lasts the shortest time, a minute, so that its windows close within the
    # test: its claims are bounded by that minute.
    mids = {"eu": create("eu", ["eu-1", "eu-2"], 1), "us": create("us", ["us-1"])}
    people = {"eu": ["host-eu", "eu-1", "eu-2"], "us": ["host-us", "us-1"]}
    for region, a in agents.items():
        cr = credits(mids[region])
        for i, person in enumerate(people[region]):
            st, j = a.post("POST", "/verify", {"credit": cr[person]})
            eq((st, j["admit"], j["index"]), (200, True, i), "%s admitted" % person)
        other = agents["us" if region == "eu" else "eu"]
        st, j = other.post("POST", "/verify", {"credit": cr[people[region][1]]})
        eq((st, j["reason"]), (403, "wrong_node"), "the other region's agent denies it")
        for person in people[region]:
            st, _ = a.post("POST", "/usage", {"meeting_id": mids[region], "participant": person,
                                               "minutes": 10})
            eq(st, 200, "usage of %s" % person)

    stats = {"kbps_in": 4000, "kbps_out": 9000, "loss_bp": 25, "jitter_ms": 7, "rtt_ms": 45,
             "meetings": [{"meeting_id": mids["eu"], "kbps_in": 4000, "kbps_out": 9000,
                           "loss_bp": 25, "jitter_ms": 7, "rtt_ms": 45}]}
    st, j = agents["eu"].post("POST", "/stats", stats)
    eq((st, j["meetings"]), (200, 1), "the media server's figures")
    st, j = agents["eu"].post("POST", "/stats", dict(stats, loss_bp=10001))
    eq((st, j["reason"]), (400, "bad_request"), "a loss over 100 %")
    st, _ = agents["eu"].post("POST", "/stats", dict(stats, cpu=5))
    eq(st, 400, "an unknown field")

    # Three heartbeats after the report, so that one carries it.
    deadline = time.time() + 15
    counts = {}
    while time.time() < deadline:
        counts = {r: a.post("GET", "/health")[1]["heartbeats"] for r, a in agents.items()}
        if all(c["accepted"] >= 3 for c in counts.values()):
            break
        time.sleep(0.3)
    check(all(c["accepted"] >= 3 and c["refused"] == 0 for c in counts.values()),
          "both agents' heartbeats are taken (%r)" % counts)
    listed = {x["id"]: x for x in n.get("/api/v1/analytics/nodes")["nodes"]}
    for region in agents:
        eq(listed[keys[region].pubkey]["health"], expected_health(listed[keys[region].pubkey]),
           "%s healthy (%r)" % (region, listed[keys[region].pubkey]))
    eu = n.get("/api/v1/analytics/nodes/%s?window=1h" % keys["eu"].pubkey)
    cur = eu["current"]
    eq((cur["participants"], cur["kbps_in"], cur["rtt_ms"], cur["loss_bp"]), (3, 4000, 45, 25),
       "the eu node's last heartbeat: its admitted people and the media server's figures")
    eq(cur["load_permille"], 300, "3 of its capacity of 10")
    check(eu["analytics"]["heartbeats"] >= 3, "its series (%r)" % eu["analytics"])
    us = n.get("/api/v1/analytics/nodes/%s" % keys["us"].pubkey)
    eq((us["current"]["participants"], us["current"]["kbps_in"]), (2, 0),
       "the us node: its 2 people, no media server's figures")
    m = n.get("/api/v1/analytics/meetings/%s" % mids["eu"])
    eq(len(m["nodes"]), 1, "one node reported on the eu meeting")
    check(m["nodes"][0]["heartbeats"] >= 1 and m["nodes"][0]["participants_max"] == 3,
          "the meeting's heartbeats (%r)" % m["nodes"])
    eq(m["nodes"][0]["rtt_ms"]["max"], 45, "the meeting's RTT from /stats")
    net = n.get("/api/v1/analytics/network")["windows"]["1h"]
    check(net["heartbeats"] >= 6 and net["meetings"] == 2, "the network's hour (%r)" % net)

    # The eu meeting ends: its three claims go out in one settle transaction, and its
    # analytics show the minutes.
    r = n.request("POST", "/api/meetings/%s/end" % mids["eu"], "")
    eq(r.status, 200, "end (%r)" % (r,))
    deadline = time.time() + 20
    claims = []
    while time.time() < deadline and len(claims) < 3:
        time.sleep(0.3)
        claims = n.get("/api/v1/meetings/%s/payments" % mids["eu"])["claims"]
    eq([c["pending_minutes"] for c in claims], [1, 1, 1], "the three claims, a minute each")
    eq(n.get("/api/v1/analytics/meetings/%s" % mids["eu"])["minutes_carried"], "3",
       "the meeting's analytics show the minutes")
    lines = [json.loads(x) for x in open(agents["eu"].out) if x.startswith("{")]
    eq(len([x for x in lines if x.get("status") == "committed"]), 1, "in one batch")

    # The us agent stops answering: its node goes offline, the eu node stays healthy.
    agents["us"].proc.send_signal(signal.SIGSTOP)
    time.sleep(OFFLINE_MS / 1000 + 1)
    listed = {x["id"]: x for x in n.get("/api/v1/analytics/nodes")["nodes"]}
    eq(listed[keys["us"].pubkey]["health"], "offline", "the stopped agent's node")
    eq(listed[keys["eu"].pubkey]["health"], expected_health(listed[keys["eu"].pubkey]),
       "the running one")
    media = {x["id"]: x for x in n.get("/api/v1/media-nodes")["media_nodes"]}
    eq(media[keys["us"].pubkey]["health"], "offline", "offline on /media-nodes")
    agents["us"].proc.send_signal(signal.SIGCONT)
    for a in agents.values():
        a.stop()

    # The windows close at the meeting's scheduled end plus both windows: the pending claims
    # are paid, the rest goes back to the payer (the sponsor) at the end of a block.
    meeting = n.get("/api/v1/meetings/%s" % mids["eu"])
    payer = n.get("/api/v1/accounts/%s" % chain["sponsor"].address)
    due = media_time_ms(meeting["end_time"]) + SETTLE_WINDOW_MS + 1000
    time.sleep(max(0, due / 1000 - time.time()) + 0.5)
    deadline = time.time() + 20
    p = {}
    while time.time() < deadline and not p.get("closed"):
        time.sleep(0.3)
        p = n.get("/api/v1/meetings/%s/payments" % mids["eu"])
    check(p.get("closed"), "the settlement closed (%r)" % p)
    price = int(meeting["price_per_participant_minute"])
    share = 3 * price * 50 // 1000
    eq((p["paid"], p["protocol_share"], p["held"]), (str(3 * price - share), str(share), "0"),
       "the three minutes paid, nothing held")
    eq(int(p["refunded"]), int(p["escrowed"]) - 3 * price, "the rest refunded")
    after = n.get("/api/v1/accounts/%s" % chain["sponsor"].address)
    eq(int(after["balance"]) - int(payer["balance"]), int(p["refunded"]),
       "the payer got the refund")
    eq([c["final_minutes"] for c in p["claims"]], [1, 1, 1], "the claims are final")


# The meeting's shortest duration, a minute, and its windows are waited out.
test_two_agents_heartbeats_and_analytics.timeout = 150
