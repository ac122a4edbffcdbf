#include "node/sync.h"

#include <stdlib.h>
#include <string.h>

#include "consensus/msg.h"
#include "node/consensus.h"

/* Sends a peer that is behind the blocks it lacks from height `from`, with their commits,
 * keeping at most NODE_SYNC_BATCH of them ahead of the height it reports: a peer that
 * syncs reports each new height at once, so each status moves the window on by what it
 * applied, without sending a block twice while the previous answer is in flight. */
void node_sync_send(node_sync *s, ledger_store *store, cons_p2p *p2p, uint32_t peer, uint64_t from,
                    uint64_t tip, uint64_t now_ms)
{
    size_t slot = (size_t)peer % NODE_SYNC_PEERS;
    uint64_t start = from;
    if (s->peers[slot].peer == peer && now_ms < s->peers[slot].at + 1000 &&
        s->peers[slot].upto >= from) {
        start = s->peers[slot].upto + 1;
    }
    if (start >= from + NODE_SYNC_BATCH) {
        return;
    }
    ledger_store_read *r;
    if (ledger_store_read_begin(store, &r) != CHR_OK) {
        return;
    }
    uint64_t sent = 0;
    for (uint64_t h = start; h <= tip && h < from + NODE_SYNC_BATCH; h++) {
        const uint8_t *block, *commit;
        size_t block_len, commit_len;
        cons_msg m;
        memset(&m, 0, sizeof(m));
        m.kind = CONS_MSG_COMMITTED;
        /* Checked by the store against the hash that names them: the header by the block
         * hash, the body by its header's roots, the commit by the block it names. A damaged
         * block is not served (the store logs it); the peer asks another. */
        ledger_block checked;
        if (ledger_store_block_decode(r, h, &checked) != CHR_OK) {
            break;
        }
        ledger_block_free(&checked);
        if (ledger_store_block(r, h, &block, &block_len) != CHR_OK ||
            ledger_store_commit(r, h, &commit, &commit_len) != CHR_OK ||
            ledger_commit_decode(&m.u.committed.commit, commit, commit_len) != CHR_OK) {
            break;
        }
        m.u.committed.block = block;
        m.u.committed.block_len = block_len;
        uint8_t *buf;
        size_t len;
        if (cons_msg_encode(&buf, &len, &m) != CHR_OK) {
            break;
        }
        chr_err err = cons_p2p_send(p2p, peer, NODE_P2P_CONSENSUS, buf, len);
        free(buf);
        if (err != CHR_OK) {
            break; /* its queue is full: the rest next time it asks */
        }
        sent = h;
    }
    ledger_store_read_end(r);
    if (sent != 0) {
        s->peers[slot].peer = peer;
        s->peers[slot].upto = sent;
        s->peers[slot].at = now_ms;
    }
}

int node_sync_behind(const cons_core *core)
{
    /* One height ahead is a peer that has just committed the block this node is about to;
     * a claim further ahead counts while that peer delivers blocks (cons_core_peer_height). */
    return cons_core_peer_height(core) > cons_core_height(core) + 1;
}
