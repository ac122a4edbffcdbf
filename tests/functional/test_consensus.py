"""Consensus among validators over the peer-to-peer network: four chroomd validators on
127.0.0.1 agree on every block, keep going with one killed, stop with two gone and resume,
and a fresh full node syncs to the tip (docs/CONSENSUS.md)."""

import time

from node import (OPERATOR_FLOAT, Chain, Node, assert_error, binary, bond_validator, check, eq,
                  fail, keygen, random_address,
                  run_ok)

# Short timeouts so that rounds with a dead proposer pass quickly on a busy machine.
FAST = {
    "consensus": {"block_interval_ms": 100, "timeout_propose_ms": 600,
                  "timeout_propose_delta_ms": 300, "timeout_prevote_ms": 300,
                  "timeout_prevote_delta_ms": 300, "timeout_precommit_ms": 300,
                  "timeout_precommit_delta_ms": 300},
}


def testnet(t, n=4, accounts=("alice", "bob"), api=None, params=None, liquid=OPERATOR_FLOAT,
            consensus=None, gov_params=None, binaries=(), sections=None):
    """A chain of n validators of equal power and n running validator nodes. Each listens
    for peers on a port of its own choosing (port 0) and dials the ones started before it,
    whose ports it knows: one connection per pair. A restarted node dials every other.
    api: more [api] settings for every node; params: genesis parameters (Chain's); liquid:
    what each validator's operator keeps beside its stake (enough for fees when the test
    sends its staking transactions); consensus: more [consensus] settings; gov_params: the
    genesis's governance parameters; binaries: the chroomd of node i (None or absent: this
    build's); sections: more settings of other sections for every node ({section: {k: v}})."""
    chain = Chain(t, {name: 10**12 for name in accounts}, validator_balance=liquid,
                  params=params, gov_params=gov_params)
    vals = [chain.validator] + [keygen(t, "validator%d" % i) for i in range(1, n)]
    g = [binary("chroom-genesis"), "--file", chain.genesis]
    for v in vals[1:]:
        chain.bonded += bond_validator(chain.genesis, v, 10, chain.power_unit, liquid)
        chain.balances[v.address] = liquid
        chain.supply += liquid
        chain.addresses.add(v.address)
    chain.genesis_hash = run_ok(g + ["hash"]).strip()
    nodes = []
    for i in range(n):
        conf = {s: dict(kv) for s, kv in FAST.items()}
        conf["consensus"].update(consensus or {})
        conf["p2p"] = {"listen": "127.0.0.1:0"}
        conf["api"] = dict(api or {})
        for section, kv in (sections or {}).items():
            conf.setdefault(section, {}).update(kv)
        node = Node(t, chain, name="v%d" % i, conf=conf)
        node.conf["node"]["validator_key_file"] = vals[i].path
        node.chroomd = binaries[i] if i < len(binaries) else None
        nodes.append(node)
    for node in nodes:
        node.peers = [other for other in nodes if other is not node]
        node.start()
    return chain, vals, nodes


def full_node(t, validators, name="full"):
    conf = {s: dict(kv) for s, kv in FAST.items()}
    conf["p2p"] = {"listen": "127.0.0.1:0"}
    return Node(t, validators[0].chain, name=name, conf=conf, validator=False,
                peers=validators).start()


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
    """With two of four validators (half the power) down, no block is committed, and the
    survivors' /health says so (503 stalled past [api] health_stall_ms) for a load balancer;
    when one comes back, blocks resume and /health is 200 again."""
    chain, vals, nodes = testnet(t, api={"health_stall_ms": 2500})
    wait_all(nodes, 2)
    eq(nodes[0].request("GET", "/health").status, 200, "healthy while blocks come")
    nodes[2].stop()
    nodes[3].stop()
    time.sleep(1.0)
    h = nodes[0].height()
    time.sleep(3.0)
    eq(nodes[0].height(), h, "no block without a 2/3 quorum")
    eq(nodes[1].height(), h, "no block on the other survivor either")
    for node in nodes[:2]:
        e = assert_error(node.request("GET", "/health"), 503, "stalled", "/health, no block")
        check("no block committed" in e["message"], "the reason: %r" % e["message"])
    nodes[2].start()
    nodes[0].wait_height(h + 2, timeout=40)
    nodes[2].wait_height(h + 2, timeout=40)
    eq(nodes[0].request("GET", "/health").status, 200, "healthy once blocks come again")


def test_full_node_syncs_from_genesis(t):
    """A fresh full node, started after the chain has grown, syncs from genesis to the
    tip, follows new blocks, and its state root equals the validators'."""
    chain, vals, nodes = testnet(t)
    alice = chain["alice"]
    for tx in chain.sign(alice, random_address(), 11, 0, count=5):
        eq(nodes[1].submit(tx).status, 202, "transfer accepted")
    wait_all(nodes, 8)
    full = full_node(t, nodes)
    full.wait_height(nodes[0].height(), timeout=40)
    more = nodes[0].height() + 2
    full.wait_height(more, timeout=40)
    nodes[0].wait_height(more, timeout=40)
    same_chain([nodes[0], full], more)
    eq(full.nonce(alice.address), 5, "the full node applied every transfer")


def double_sign(chain, key, port, height, *flags):
    """Runs the byzantine tool: key's two conflicting votes at height, as EVIDENCE, handed
    to the node listening on port. Returns its output lines ("sent", then "kept" or
    "disconnected")."""
    out = run_ok([binary("tests/double-sign"), "--key", key.path, "--chain-id", chain.chain_id,
                  "--genesis-hash", chain.genesis_hash, "--peer", "tcp://127.0.0.1:%d" % port,
                  "--height", str(height)] + [str(f) for f in flags])
    return out.split()


def committed_evidence(node):
    return node.get("/api/v1/evidence")["evidence"]


def test_double_signing_evidence(t):
    """Evidence that a validator signed two prevotes (and, for another, two precommits) of
    one height and round reaches a node from a peer, is gossiped, and goes into exactly one
    block that every validator accepts; each offence is committed once however often it is
    sent again; forged evidence gets its sender disconnected and never reaches a block."""
    chain, vals, nodes = testnet(t)
    wait_all(nodes, 3)
    eq(double_sign(chain, vals[3], nodes[0].p2p_port, 2), ["sent", "kept"], "valid evidence")
    eq(double_sign(chain, vals[2], nodes[1].p2p_port, 1, "--round", "3", "--precommit"),
       ["sent", "kept"], "valid evidence of precommits")
    deadline = time.monotonic() + 30
    while len(committed_evidence(nodes[2])) < 2:
        if time.monotonic() > deadline:
            fail("the evidence never reached a block: %r" % committed_evidence(nodes[2]))
        time.sleep(0.2)
    evs = committed_evidence(nodes[2])
    by_validator = {e["validator"]: e for e in evs}
    eq(set(by_validator), {vals[3].address, vals[2].address}, "the offenders")
    e3, e2 = by_validator[vals[3].address], by_validator[vals[2].address]
    eq((e3["type"], e3["height"], e3["round"]), ("prevote", "2", 0), "the prevote offence")
    eq((e2["type"], e2["height"], e2["round"]), ("precommit", "1", 3), "the precommit offence")
    check(e3["votes"][0]["block_hash"] != e3["votes"][1]["block_hash"], "two different blocks")
    # The blocks that carry them: the same on every node, evidence included.
    top = max(e["committed_height"] for e in evs)
    top = int(top) if isinstance(top, str) else top
    wait_all(nodes, top)
    same_chain(nodes, top)
    for e in evs:
        h = int(e["committed_height"])
        b = block(nodes[0], h)
        check(any(x["validator"] == e["validator"] and x["height"] == e["height"]
                  for x in b["evidence"]), "block %d carries the evidence" % h)
    # Sent again, to another node: already committed, never in a second block.
    eq(double_sign(chain, vals[3], nodes[3].p2p_port, 2), ["sent", "kept"], "known evidence")
    nodes[0].wait_height(top + 3, timeout=30)
    eq(len(committed_evidence(nodes[0])), 2, "each offence committed once")
    # Forged (a signature broken): the sender is dropped, nothing reaches a block.
    eq(double_sign(chain, vals[1], nodes[3].p2p_port, 2, "--forge"), ["sent", "disconnected"],
       "forged evidence")
    h = nodes[0].height()
    nodes[0].wait_height(h + 3, timeout=30)
    eq(len(committed_evidence(nodes[0])), 2, "forged evidence never committed")


def test_evidence_of_the_height_being_decided(t):
    """Evidence about the height the validators are still deciding goes through the
    consensus core (which counts the votes and gossips it) and then into a later block."""
    chain, vals, nodes = testnet(t)
    wait_all(nodes, 2)
    # Halt the chain so that the height being decided stays put: half the power stopped.
    nodes[2].stop()
    nodes[3].stop()
    time.sleep(1.0)
    h = nodes[0].height()
    eq(double_sign(chain, vals[1], nodes[0].p2p_port, h + 1), ["sent", "kept"],
       "evidence of the current height")
    nodes[2].start()
    deadline = time.monotonic() + 40
    while not committed_evidence(nodes[0]):
        if time.monotonic() > deadline:
            fail("evidence of height %d never reached a block" % (h + 1))
        time.sleep(0.2)
    e = committed_evidence(nodes[0])[0]
    eq((e["validator"], e["height"], e["type"]), (vals[1].address, str(h + 1), "prevote"),
       "the offence")
    check(int(e["committed_height"]) > h + 1, "in a block after its height")
    nodes[2].wait_height(int(e["committed_height"]), timeout=30)
    same_chain(nodes[:3], int(e["committed_height"]))


def wal_record(payload):
    """One WAL record (consensus/wal.h): u32 length | first 8 bytes of SHA-256(length |
    payload) | payload."""
    import hashlib
    import struct
    head = struct.pack(">I", len(payload))
    return head + hashlib.sha256(head + payload).digest()[:8] + payload


def test_corrupt_wal_refuses_start(t):
    """A validator whose WAL is damaged in the middle (an intact record after a damaged one)
    refuses to start, naming the file and the offsets; the same damage in the last record
    is a torn tail, cut at start, and the validator rejoins (docs/CONSENSUS.md, "WAL")."""
    import os
    from node import TestFailure
    chain, vals, nodes = testnet(t)
    wait_all(nodes, 2)
    v3 = nodes[3]
    v3.stop()
    wal = os.path.join(v3.data_dir, "consensus.wal")
    # Three records of a vote's shape (kind 2, 142 bytes; not this validator's votes, so a
    # start that kept them would ignore them); the first one's payload damaged.
    recs = [wal_record(bytes([2, 1]) + bytes([i]) * 140) for i in range(3)]
    damaged = bytearray(recs[0])
    damaged[40] ^= 0x08
    with open(wal, "wb") as f:
        f.write(bytes(damaged) + recs[1] + recs[2])
    try:
        v3.start(timeout=15)
        fail("a validator with a corrupt WAL started")
    except TestFailure:
        pass
    check(v3.proc.poll() is not None and v3.proc.returncode != 0, "chroomd exited with an error")
    log = v3.log_text()
    check(wal in log and "record at offset 0 is damaged" in log and
          "intact record follows at offset %d" % len(recs[0]) in log,
          "the error names the file and the offsets: %s" % v3.log_tail(3))
    with open(wal, "rb") as f:
        eq(f.read(), bytes(damaged) + recs[1] + recs[2], "the WAL left as it was")
    # The damage in the last record instead: a torn tail, cut; the validator rejoins.
    damaged = bytearray(recs[2])
    damaged[40] ^= 0x08
    with open(wal, "wb") as f:
        f.write(recs[0] + recs[1] + bytes(damaged))
    v3.start()
    check("cutting %d bytes of torn tail after 2 records" % len(recs[2]) in v3.log_text(),
          "the torn tail was cut: %s" % v3.log_tail(5))
    h = nodes[0].height()
    wait_all(nodes, h + 2, timeout=40)
