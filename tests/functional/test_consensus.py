"""Consensus among validators over the peer-to-peer network: four chroomd validators on
127.0.0.1 agree on every block, keep going with one killed, stop with two gone and resume,
and a fresh full node syncs to the tip (docs/CONSENSUS.md)."""

import time

from node import (Chain, Node, binary, check, eq, fail, free_port, keygen, random_address,
                  run_ok)

# Short timeouts so that rounds with a dead proposer pass quickly on a busy machine.
FAST = {
    "consensus": {"block_interval_ms": 100, "timeout_propose_ms": 600,
                  "timeout_propose_delta_ms": 300, "timeout_prevote_ms": 300,
                  "timeout_prevote_delta_ms": 300, "timeout_precommit_ms": 300,
                  "timeout_precommit_delta_ms": 300},
}


def testnet(t, n=4, accounts=("alice", "bob")):
    """A chain of n validators of equal power and n running validator nodes, each a
    persistent peer of every other."""
    chain = Chain(t, {name: 10**12 for name in accounts})
    vals = [chain.validator] + [keygen(t, "validator%d" % i) for i in range(1, n)]
    g = [binary("chroom-genesis"), "--file", chain.genesis]
    for v in vals[1:]:
        run_ok(g + ["add-validator", v.pubkey, "10"])
        chain.addresses.add(v.address)
    chain.genesis_hash = run_ok(g + ["hash"]).strip()
    chain.p2p_ports = [free_port() for _ in range(n)]
    nodes = []
    for i in range(n):
        peers = ",".join("127.0.0.1:%d" % p for j, p in enumerate(chain.p2p_ports) if j != i)
        conf = {s: dict(kv) for s, kv in FAST.items()}
        conf["p2p"] = {"listen": "127.0.0.1:%d" % chain.p2p_ports[i], "peers": peers}
        node = Node(t, chain, name="v%d" % i, conf=conf)
        node.conf["node"]["validator_key_file"] = vals[i].path
        nodes.append(node)
    for node in nodes:
        node.start()
    return chain, vals, nodes


def full_node(t, chain, name="full"):
    peers = ",".join("127.0.0.1:%d" % p for p in chain.p2p_ports)
    conf = {s: dict(kv) for s, kv in FAST.items()}
    conf["p2p"] = {"listen": "127.0.0.1:%d" % free_port(), "peers": peers}
    return Node(t, chain, name=name, conf=conf, validator=False).start()


def block(node, h):
    return node.get("/api/v1/blocks/%d" % h)


def wait_all(nodes, height, timeout=30):
    for node in nodes:
        node.wait_height(height, timeout=timeout)


def same_chain(nodes, upto):
    """Every node has the same block hash and state root at every height up to upto."""
    for h in range(1, upto + 1):
        first = block(nodes[0], h)
        for node in nodes[1:]:
            b = block(node, h)
            eq(b["hash"], first["hash"], "%s: block hash at height %d" % (node.name, h))
            eq(b["state_root"], first["state_root"], "%s: state root at %d" % (node.name, h))


def test_four_validators_agree(t):
    """Transfers sent to different validators all commit, and the four nodes report the
    same block hash and state root at every height; each block carries a commit of more
    than 2/3 of the validators."""
    chain, vals, nodes = testnet(t, accounts=("alice", "bob", "carol", "dave"))
    wait_all(nodes, 2)
    # Each account sends to another validator. (An account's own transfers go to one node:
    # a node admits only the next nonce, and gossip takes a moment to carry the previous.)
    to = random_address()
    hashes = []
    for i, name in enumerate(("alice", "bob", "carol", "dave")):
        for tx in chain.sign(chain[name], to, 1000, 0, count=2):
            r = nodes[i].submit(tx)
            eq(r.status, 202, "%s's transfer sent to v%d" % (name, i))
            hashes.append(r.json["hash"])
    for h in hashes:
        nodes[0].wait_tx(h, timeout=30)
    top = max(n.height() for n in nodes)
    wait_all(nodes, top)
    same_chain(nodes, top)
    for node in nodes:
        eq(node.balance(to), 8000, node.name + ": the recipient got all 8 transfers")
    b = block(nodes[1], top)
    check(b["last_commit"] is not None and len(b["last_commit"]["signatures"]) >= 3,
          "the last commit has at least 3 of 4 signatures: %r" % (b["last_commit"],))
    signers = {s["validator"] for s in b["last_commit"]["signatures"]}
    check(signers <= {v.address for v in vals}, "commit signers are validators")


def test_kill_one_validator(t):
    """Kill -9 one validator under load: blocks keep coming; restarted, it catches up and
    its signature appears in commits again."""
    chain, vals, nodes = testnet(t)
    wait_all(nodes, 2)
    alice = chain["alice"]
    txs = chain.sign(alice, random_address(), 5, 0, count=30)
    for tx in txs[:10]:
        nodes[0].submit(tx)
    nodes[3].kill()
    h0 = nodes[0].height()
    for tx in txs[10:]:
        nodes[1].submit(tx)
    nodes[0].wait_height(h0 + 3, timeout=30)
    eq(nodes[0].nonce(alice.address) >= 10, True, "transfers commit with one validator down")
    nodes[3].start()
    top = nodes[0].height()
    nodes[3].wait_height(top, timeout=30)
    # It votes again: a later commit carries its signature.
    deadline = time.monotonic() + 30
    while True:
        h = nodes[0].height()
        c = block(nodes[0], h)["last_commit"]
        if c and vals[3].address in {s["validator"] for s in c["signatures"]}:
            break
        if time.monotonic() > deadline:
            fail("the restarted validator's signature never came back in a commit")
        time.sleep(0.2)
    nodes[0].wait_tx(tx_hash_of(nodes[1], txs[-1]), timeout=30)
    top = min(n.height() for n in nodes)
    same_chain(nodes, top)


def tx_hash_of(node, tx):
    r = node.submit(tx)  # idempotent: answers the same hash
    check(r.status in (200, 202), "resubmission answered %d" % r.status)
    return r.json["hash"]


def test_two_of_four_stop_the_chain(t):
    """With two of four validators (half the power) down, no block is committed; when one
    comes back, blocks resume."""
    chain, vals, nodes = testnet(t)
    wait_all(nodes, 2)
    nodes[2].stop()
    nodes[3].stop()
    time.sleep(1.0)
    h = nodes[0].height()
    time.sleep(3.0)
    eq(nodes[0].height(), h, "no block without a 2/3 quorum")
    eq(nodes[1].height(), h, "no block on the other survivor either")
    nodes[2].start()
    nodes[0].wait_height(h + 2, timeout=40)
    nodes[2].wait_height(h + 2, timeout=40)


def test_full_node_syncs_from_genesis(t):
    """A fresh full node, started after the chain has grown, syncs from genesis to the
    tip, follows new blocks, and its state root equals the validators'."""
    chain, vals, nodes = testnet(t)
    alice = chain["alice"]
    for tx in chain.sign(alice, random_address(), 11, 0, count=5):
        eq(nodes[1].submit(tx).status, 202, "transfer accepted")
    wait_all(nodes, 8)
    full = full_node(t, chain)
    full.wait_height(nodes[0].height(), timeout=40)
    more = nodes[0].height() + 2
    full.wait_height(more, timeout=40)
    nodes[0].wait_height(more, timeout=40)
    same_chain([nodes[0], full], more)
    eq(full.nonce(alice.address), 5, "the full node applied every transfer")
