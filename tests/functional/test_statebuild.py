"""The state bench's builder (build/tests/statebuild, tests/bench/state.sh): the blocks it
appends to a stopped node's data directory are a chain chroomd opens and goes on from,
with the accounts it added in the state; a key that is not the validator's adds nothing."""

import hashlib
import struct

from node import address_of_pubkey, binary, check, eq, run, run_ok, start_node


def built_address(i):
    """statebuild's i-th account: SHA256("chroom-statebuild/present" || u64 i)."""
    h = hashlib.sha256(b"chroom-statebuild/present" + struct.pack(">Q", i)).hexdigest()
    return address_of_pubkey(h)


def test_statebuild_blocks_open_and_continue(t):
    # Proves: 1,500 accounts added as 3 blocks after a committed transfer are served by the
    # restarted node, whose tip is the last built block, and the next transfer follows it.
    n = start_node(t)
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    r = n.submit(c.sign(alice, bob, 5, 0)[0], wait=True)
    eq(r.json["status"], "committed", "a transfer before the build")
    eq(n.stop(), 0, "exit status after SIGTERM")
    before = n.data_dir
    sb = binary("tests/statebuild")
    rc, out, err = run([sb, "add", "--data", before, "--genesis", c.genesis, "--key",
                        alice.path, "--count", "10"])
    eq(rc, 1, "statebuild with a key that is not the validator's")
    check("not the genesis's only validator" in err, "its message: %r" % err)
    out = run_ok([sb, "add", "--data", before, "--genesis", c.genesis, "--key",
                  c.validator.path, "--count", "1500", "--batch", "600"])
    check("1500 accounts in 3 blocks" in out, "statebuild's report: %r" % out)
    run_ok([sb, "prove", "--data", before, "--count", "1500", "--seconds", "1",
            "--threads", "1"])

    n.start()
    st = n.status()
    h = int(st["latest_height"])
    check(h >= 4, "height after the build: %d" % h)
    tip = n.get("/api/v1/blocks/%d" % h)
    eq(st["latest_state_root"], tip["state_root"], "the tip's state root")
    for i in (0, 777, 1499):
        a = n.account(built_address(i))
        eq((a["balance"], a["nonce"]), ("1", "0"), "built account %d" % i)
    eq(n.balance(bob.address), 10**12 + 5, "bob's balance from before the build")

    r = n.submit(c.sign(alice, bob, 1, 1)[0], wait=True)
    eq(r.json["status"], "committed", "a transfer after the build")
    eq(r.json["height"], str(h + 1), "it is in the block after the built ones")
    b = n.get("/api/v1/blocks/%d" % (h + 1))
    eq(b["prev_hash"], tip["hash"], "the new block follows the last built block")
