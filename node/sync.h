/* Block sync of a chroomd node. Serving: a peer whose status shows it behind (the core's
 * SYNC action) gets the blocks it lacks, with their commits, as COMMITTED messages
 * (consensus/msg.h), a window at a time. Receiving: those messages go to the consensus
 * core like any other, which checks each commit and decides the height it carries
 * (consensus/core.h); this module only says whether the node counts as behind.
 *
 * Writer thread only (node/consensus.c calls it while acting on the core's actions). */
#ifndef NODE_SYNC_H
#define NODE_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/core.h"
#include "consensus/p2p.h"
#include "ledger/store.h"
#include "node/limits.h"

/* What was last sent to the peers behind. Zero it to start; its fields are node/sync.c's. */
typedef struct node_sync {
    struct {
        uint32_t peer;
        uint64_t at, upto; /* last answer's time, and the highest block sent then */
    } peers[NODE_SYNC_PEERS];
} node_sync;

/* Sends peer, which reports height `from`, the committed blocks it lacks up to tip (this
 * node's last block) from store through p2p, keeping at most NODE_SYNC_BATCH of them ahead
 * of the height it reports. Stops early, without an error, at a full send queue or a
 * block the store cannot read: the peer's next status asks again. */
void node_sync_send(node_sync *s, ledger_store *store, cons_p2p *p2p, uint32_t peer, uint64_t from,
                    uint64_t tip, uint64_t now_ms);

/* Whether the node is behind (syncing): a connected peer credibly (cons_core_peer_height)
 * at least two heights ahead of the core. */
int node_sync_behind(const cons_core *core);

#endif
