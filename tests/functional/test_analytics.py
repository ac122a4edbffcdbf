"""Media-node heartbeats and the analytics endpoints on a real node (issue 16, "Analytics"):
a registered media node's heartbeats, signed here in plain Python by docs/ANALYTICS.md's
encoding, are taken and read back in /api/v1/analytics/nodes, /nodes/{id}, /meetings/{id}
and /network and in the media node's health; a replay, a forged or foreign heartbeat and
one off the clock are refused with their codes and counted in GET /metrics; a node whose
heartbeats stop shows offline."""

import hashlib
import os
import struct
import time

import bip340
from node import assert_error, check, eq, run, start_node, wallet_cmd

BOND = 1000 * 10**6
OFFLINE_MS = 5000


def tagged_hash(tag, m):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + m).digest()


def figures(participants, kin, kout, loss, jitter, rtt):
    return struct.pack(">IIIHII", participants, kin, kout, loss, jitter, rtt)


def heartbeat(sk, chain_id, time_ms, meetings=(), load=200, cpu=300, rtt=40, loss=10,
              participants=3):
    """docs/ANALYTICS.md, "Encoding": the signed heartbeat's bytes, in hex."""
    node_key = bip340.pubkey(sk)
    body = bytes([1, len(chain_id)]) + chain_id.encode() + node_key + struct.pack(">QH", time_ms,
                                                                                   load)
    body += figures(participants, 800, 1600, loss, 5, rtt) + struct.pack(">HB", cpu, len(meetings))
    for mid in sorted(meetings):
        body += bytes.fromhex(mid) + figures(participants, 800, 1600, loss, 5, rtt)
    return (body + bip340.sign(sk, tagged_hash("CHROOM/heartbeat", body))).hex()


def metric(text, name, **labels):
    want = name + ("{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return int(line.split()[-1])
    return None


def test_heartbeats_and_analytics(t):
    # Proves the heartbeat route and every analytics read: four heartbeats of a registered
    # node carrying one meeting show in the node's 1 h series and percentiles, its health
    # (healthy) in /analytics/nodes and /media-nodes, the meeting's QoS with its payments,
    # and the network's windows; each refusal has its status and code and is counted; after
    # the offline threshold without heartbeats the node is offline.
    n = start_node(t, conf={"analytics": {"offline_after_ms": OFFLINE_MS,
                                          "degraded_after_ms": 4000}})
    c = n.chain
    alice, bob = c["alice"], c["bob"]

    def w(*args):
        return run(wallet_cmd(*args, node=n.url, api_key=n.api_key))

    sk = os.urandom(31) + b"\x01"
    node_id = bip340.pubkey(sk).hex()
    rc, _, err = w("media-node", "register", "--key", alice.path, "--node-key", node_id,
                   "--endpoint", "https://m.example.org", "--region", "eu", "--capacity", 10,
                   "--bond", BOND, "--raw", "--wait")
    eq(rc, 0, "register (stderr %r)" % err)
    rc, out, err = w("meeting", "create", "--key", bob.path, "--title", "QoS", "--host",
                     "host-user", "--participants", "p1,p2", "--duration", 30, "--wait")
    eq(rc, 0, "create (stderr %r)" % err)
    mid = [x.split()[1] for x in out.splitlines() if x.startswith("meeting_id ")][0]

    def post(hb, **kw):
        return n.request("POST", "/api/v1/analytics/heartbeats", {"heartbeat": hb}, auth=False,
                         **kw)

    now = int(time.time() * 1000)
    for i, at in enumerate((now - 4000, now - 2000, now)):
        r = post(heartbeat(sk, c.chain_id, at, [mid], rtt=40 + 20 * i))
        eq(r.status, 200, "heartbeat %d: %r" % (i, r))
        eq(r.json["node_id"], node_id, "the answer names the node")
    assert_error(post(heartbeat(sk, c.chain_id, now, [mid])), 409, "heartbeat_replayed",
                 "the same heartbeat again")
    assert_error(post(heartbeat(sk, c.chain_id, now + 10)), 429, "rate_limited",
                 "a heartbeat 10 ms after the last")
    assert_error(post(heartbeat(sk, "other-chain", now + 5000)), 400, "wrong_chain_id",
                 "another chain's")
    assert_error(post(heartbeat(sk, c.chain_id, now + 3600 * 1000)), 400, "heartbeat_time",
                 "an hour ahead")
    forged = heartbeat(sk, c.chain_id, now + 5000)
    forged = forged[:-2] + ("00" if forged[-2:] != "00" else "01")
    assert_error(post(forged), 401, "bad_signature", "a forged signature")
    assert_error(post(heartbeat(os.urandom(31) + b"\x02", c.chain_id, now)), 403,
                 "unknown_object", "a node not on the chain")
    assert_error(post(heartbeat(sk, c.chain_id, now + 5000)[:-4]), 400, "truncated",
                 "cut short")
    r = n.request("POST", "/api/v1/analytics/heartbeats", {"heartbeat": "00", "x": 1},
                  auth=False)
    assert_error(r, 400, "unknown_field", "a field the route does not take")
    r = n.request("POST", "/api/v1/analytics/heartbeats", {"heartbeat": "00" * 2100},
                  auth=False)
    assert_error(r, 413, "body_too_large", "a body over 4096 bytes")

    # A fourth heartbeat just before the reads, so that the node is fresh whatever the
    # refusals above took.
    last = max(now + 1000, int(time.time() * 1000))
    eq(post(heartbeat(sk, c.chain_id, last, [mid], rtt=60)).status, 200, "a fourth heartbeat")
    a = n.get("/api/v1/analytics/nodes/%s?window=1h" % node_id)
    eq(a["health"], "healthy", "a node that just reported")
    eq(a["current"]["rtt_ms"], 60, "the last heartbeat's figures")
    s = a["analytics"]
    eq(s["window"], "1h", "the window asked")
    eq(s["heartbeats"], 4, "four heartbeats in the hour")
    eq(sum(b["heartbeats"] for b in s["series"]), 4, "the series holds them all")
    check(s["percentiles"]["rtt_ms"]["max"] == 80, "the worst RTT (%r)" % s["percentiles"])
    eq(n.get("/api/v1/analytics/nodes/%s?window=7d" % node_id)["analytics"]["heartbeats"], 4,
       "the week's window from hour buckets")
    assert_error(n.request("GET", "/api/v1/analytics/nodes/%s?window=2h" % node_id), 400,
                 "invalid_argument", "an unknown window")
    eq(n.get("/api/v1/media-nodes/%s" % node_id)["health"], "healthy", "the media node's health")
    listed = n.get("/api/v1/analytics/nodes")["nodes"]
    eq([x["health"] for x in listed if x["id"] == node_id], ["healthy"], "listed with health")
    eq([x["health"] for x in n.get("/api/v1/media-nodes")["media_nodes"] if x["id"] == node_id],
       ["healthy"], "the media-node list shows health")

    m = n.get("/api/v1/analytics/meetings/%s" % mid)
    eq(len(m["nodes"]), 1, "one media node reported on the meeting")
    eq((m["nodes"][0]["heartbeats"], m["nodes"][0]["participants_max"]), (4, 3), "its QoS")
    eq(m["nodes"][0]["rtt_ms"], {"mean": 60, "max": 80}, "the meeting's RTT")
    eq(m["payments"]["paid"], "0", "nothing settled yet")
    eq(m["minutes_carried"], "0", "no minutes claimed yet")
    assert_error(n.request("GET", "/api/v1/analytics/meetings/%s" % ("00" * 12)), 404,
                 "not_found", "a meeting not on the chain")

    net = n.get("/api/v1/analytics/network")
    for win in ("1h", "24h", "7d"):
        eq((net["windows"][win]["heartbeats"], net["windows"][win]["meetings"]), (4, 1),
           "the network's %s window" % win)

    text = n.request("GET", "/metrics").raw.decode()
    eq(metric(text, "chroom_heartbeats_accepted_total"), 4, "accepted counted")
    for reason, count in (("replay", 1), ("rate_limited", 1), ("wrong_chain", 1), ("clock", 1),
                          ("bad_signature", 1), ("unknown_node", 1), ("malformed", 3)):
        eq(metric(text, "chroom_heartbeats_refused_total", reason=reason), count,
           "refused for %s" % reason)

    time.sleep(OFFLINE_MS / 1000 + 0.5)
    eq(n.get("/api/v1/analytics/nodes/%s" % node_id)["health"], "offline",
       "a node silent past offline_after_ms")
    eq(n.get("/api/v1/media-nodes/%s" % node_id)["health"], "offline", "and on /media-nodes")
