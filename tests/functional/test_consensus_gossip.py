"""Gossiped transactions as a validator takes them (docs/ARCHITECTURE.md, "Gossip intake
thread"): a peer written in Python (p2p_peer.py) says exactly what the node hears, in
what order."""

import time

import bip340
import p2p_peer
from node import Chain, Node, check, eq, fail, random_address


def rejections(n, reason):
    for line in n.request("GET", "/metrics").raw.decode().splitlines():
        if line.startswith('chroom_tx_rejections_total{reason="%s"} ' % reason):
            return int(line.split()[-1])
    return 0


def wait_for(what, cond, timeout=10):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            fail("%s: not within %s s" % (what, timeout))
        time.sleep(0.05)


def wait_committed(n, tx_hex, what, timeout=10):
    h = p2p_peer.tx_id(tx_hex)
    wait_for(what + " committed",
             lambda: n.get("/api/v1/txs/" + h)["status"] == "committed", timeout)


def test_bip340_sign_round_trip(t):
    """The Python signer the peer proves its key with gives BIP-340's test vector 0, and
    signatures that verify, only for their message."""
    sk0 = bytes(31) + b"\x03"
    eq(bip340.pubkey(sk0).hex(), "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9",
       "vector 0's public key")
    eq(bip340.sign(sk0, bytes(32), bytes(32)).hex(),
       "e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca8215"
       "25f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0", "vector 0's signature")
    sk = bytes(range(1, 33))
    msg = bip340.tagged_hash("CHROOM/test", b"message")
    sig = bip340.sign(sk, msg)
    check(bip340.verify(bip340.pubkey(sk), msg, sig), "a signature verifies")
    check(not bip340.verify(bip340.pubkey(sk), bytes(32), sig), "not for another message")


def test_gossip_after_a_nonce_gap(t):
    """A gossiped transfer that arrives before its predecessor (nonce gap) is refused, but
    not remembered as seen: its next copy, after the predecessor, is admitted and commits,
    rather than ignored as a copy until some block carries it."""
    chain = Chain(t, {"alice": 10**12})
    n = Node(t, chain, conf={"p2p": {"listen": "127.0.0.1:0"}}).start()
    n.wait_height(1, timeout=10)
    peer = p2p_peer.Peer(chain, n.p2p_port)
    try:
        tx0, tx1 = chain.sign(chain["alice"], random_address(), 1000, 0, count=2)
        before = rejections(n, "nonce_mismatch")
        peer.gossip([tx1])
        wait_for("the gap refused", lambda: rejections(n, "nonce_mismatch") > before)
        peer.gossip([tx0])
        wait_committed(n, tx0, "the predecessor")
        eq(n.get("/api/v1/txs/" + p2p_peer.tx_id(tx1))["status"], "unknown",
           "the transfer refused for its gap")
        peer.gossip([tx1])
        wait_committed(n, tx1, "its second copy")
    finally:
        peer.close()


def test_gossip_not_sent_back(t):
    """A node passes a gossiped transaction on to its other peers, but not back to the peer
    it came from, which has it; one from its API goes to every peer."""
    chain = Chain(t, {"alice": 10**12, "bob": 10**12})
    n = Node(t, chain, conf={"p2p": {"listen": "127.0.0.1:0"}}).start()
    a = p2p_peer.Peer(chain, n.p2p_port)
    b = p2p_peer.Peer(chain, n.p2p_port)
    try:
        (tx,) = chain.sign(chain["alice"], random_address(), 1000, 0)
        a.gossip([tx])
        wait_for("b hears it", lambda: b.has_heard(tx))
        (own,) = chain.sign(chain["bob"], random_address(), 1000, 0)
        eq(n.submit(own).status, 202, "a transfer sent to the API")
        wait_for("a and b hear the API's", lambda: a.has_heard(own) and b.has_heard(own))
        # Gossip leaves in order per peer: a heard the API's transfer, so it would have
        # heard the first one before it.
        check(not a.has_heard(tx), "the transfer was not sent back to the peer it came from")
    finally:
        a.close()
        b.close()
