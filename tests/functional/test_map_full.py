"""A node whose LMDB maps start at 1 MiB ([store] map_size_mb = 1) and receives far more
than that: the writer grows the store's map and the indexer the index's (<data_dir>/index),
and both log it, instead of failing; every transfer commits, supply is conserved, and the
grown store opens again after a restart."""

import os
import threading

from node import check, eq, fail, random_address, start_node

RECIPIENTS_PER_SENDER = 60
TXS_PER_RECIPIENT = 200  # enough rows to fill 1 MiB of index (format 3 rows are small)
AMOUNT = 11
MEMO = "m" * 200  # long memos make blocks, and so the store, grow faster


def sign_all(c, sender, recipients, out, errors):
    try:
        for j, to in enumerate(recipients):
            out.extend(c.sign(sender, to, AMOUNT, j * TXS_PER_RECIPIENT, count=TXS_PER_RECIPIENT,
                              memo=MEMO))
    except Exception as e:  # noqa: B902 - reported by the caller
        errors.append(e)


def test_store_grows_past_a_1_mib_map(t):
    n = start_node(t, accounts={"s0": 10**12, "s1": 10**12},
                   conf={"store": {"map_size_mb": 1}, "consensus": {"block_interval_ms": 50}})
    c = n.chain
    senders = [c["s0"], c["s1"]]
    recipients = [[random_address() for _ in range(RECIPIENTS_PER_SENDER)] for _ in senders]
    signed = [[] for _ in senders]
    errors = []
    threads = [threading.Thread(target=sign_all, args=(c, s, r, out, errors))
               for s, r, out in zip(senders, recipients, signed)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(40)
    if errors:
        raise errors[0]
    total = sum(len(s) for s in signed)
    eq(total, 2 * RECIPIENTS_PER_SENDER * TXS_PER_RECIPIENT, "signed txs")

    # Interleave the senders' batches; each batch waits for its commit.
    for i in range(0, len(signed[0]), 120):
        for k in range(len(senders)):
            r = n.batch(signed[k][i:i + 120], wait=True, timeout_ms=10000)
            eq(r.status, 200, "batch %d of sender %d: %r" % (i, k, r))
            bad = [x for x in r.json["results"] if x["status"] != "committed"]
            if bad:
                fail("batch %d of sender %d: %d not committed, first %r; log: %s" %
                     (i, k, len(bad), bad[0], n.log_tail(3)))
    check(n.alive(), "chroomd died")
    eq(n.get("/health")["status"], "ok", "health")
    def check_grown(data, line, what):
        size = os.path.getsize(data)
        check(size > 1 << 20, "%s is only %d bytes: the test did not fill its map" % (data, size))
        check(line in n.log_text(), "no %s growth logged: %s" % (what, n.log_tail(5)))
        check("ERROR" not in n.log_text(), "errors logged: " + n.log_tail(5))

    check_grown(os.path.join(n.data_dir, "data.mdb"), "is full, growing to", "map")

    def verify(what):
        for k, s in enumerate(senders):
            acct = n.account(s.address)
            eq(acct["nonce"], str(len(signed[k])), "%s: nonce of sender %d" % (what, k))
            for to in recipients[k]:
                eq(n.balance(to), AMOUNT * TXS_PER_RECIPIENT, "%s: balance of %s" % (what, to))
        eq(n.balance(c.validator.address) - c.balances[c.validator.address] + n.rewards_held(),
           total * c.fee, what + ": the fees, to block 1's proposer or the rewards")
        eq(n.status()["txs_total"], str(total), what + ": txs_total")
        eq(n.total_balance(), c.supply, what + ": sum of balances")

    verify("after the stream")
    # The grown store opens again with the same 1 MiB setting, and keeps growing.
    tip = n.status()["latest_block_hash"]
    eq(n.stop(), 0, "exit status")
    # The indexer writes in batches, behind the blocks; a clean stop writes the rest.
    check_grown(os.path.join(n.data_dir, "index", "data.mdb"), "index map grown to", "index map")
    n.start()
    eq(n.status()["latest_block_hash"], tip, "tip after the restart")
    verify("after the restart")
    more = c.sign(senders[0], random_address(), 1, len(signed[0]), count=50, memo=MEMO)
    r = n.batch(more, wait=True)
    eq({x["status"] for x in r.json["results"]}, {"committed"}, "transfers after the restart")
    eq(n.total_balance(), c.supply, "sum of balances at the end")


test_store_grows_past_a_1_mib_map.timeout = 90
