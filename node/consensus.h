/* The consensus engine of a chroomd node: the consensus core (consensus/core.h) driven by
 * the chain's writer thread, its WAL, and the peer-to-peer transport (consensus/p2p.h)
 * that carries consensus messages, gossiped transactions and blocks for nodes behind.
 *
 * Threads: the core, the WAL and every block are the writer's (node/writer.c, which calls
 * node_consensus_poll);
 * the transport's threads only queue what arrives and wake the writer. */
#ifndef NODE_CONSENSUS_H
#define NODE_CONSENSUS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "node/chain.h"
#include "node/config.h"
#include "node/limits.h"

/* Peer message types (consensus/p2p.h reserves those below CONS_P2P_TYPE_USER_MIN). */
#define NODE_P2P_CONSENSUS 16 /* one consensus message (consensus/msg.h) */
#define NODE_P2P_TXS 17       /* u16 count | (u16 len | tx) * count: gossiped transactions */

typedef struct node_consensus node_consensus;

/* Decodes a NODE_P2P_TXS payload into views of its 1..NODE_GOSSIP_TXS_MAX transactions
 * (txs and lens hold NODE_GOSSIP_TXS_MAX). CHR_ERR_TRUNCATED, CHR_ERR_TRAILING,
 * CHR_ERR_TOO_LONG (a count of 0 or over the maximum, a transaction over
 * LEDGER_TX_BYTES_MAX); *count is 0 on failure. Thread-safe. */
CHR_WUR chr_err node_gossip_decode(const uint8_t **txs, size_t *lens, size_t *count,
                                   const uint8_t *in, size_t in_len);

/* Starts the transport (after node_chain_open, before the writer starts): the engine makes
 * every block of the chain. validator_sk NULL: a full node. node_sk: the peer identity.
 * errmsg says what failed: CHR_ERR_IO, CHR_ERR_CONFIG, CHR_ERR_NOMEM. */
CHR_WUR chr_err node_consensus_start(node_consensus **out, node_chain *chain,
                                     const node_config *cfg, const uint8_t *validator_sk,
                                     const uint8_t node_sk[32], char *errmsg, size_t errmsg_cap);
/* The port the peer-to-peer listener is bound to (the one the system chose for port 0 in
 * [p2p] listen); 0 when e is NULL or the node does not listen for peers. */
uint16_t node_consensus_p2p_port(const node_consensus *e);
/* Writer thread only (node/writer.c), on every turn: handles queued peer input and due
 * timers, starts heights at the chain's pace, and sets *next_ms to the monotonic time (ms)
 * it wants its next turn, 0 for none. The first call enters the next height (replaying
 * this node's WAL records of it). An error is fatal for the engine (storage, WAL): the
 * writer stops stepping it. */
CHR_WUR chr_err node_consensus_poll(node_consensus *e, uint64_t now_mono_ms, uint64_t *next_ms);
/* Writer thread only: a transaction just entered the mempool; to gossip to the peers. */
void node_consensus_admitted(node_consensus *e, const uint8_t *tx, size_t len);
/* First half of a stop, before the writer stops: the transport stops calling into the
 * chain. */
void node_consensus_detach(node_consensus *e);
/* After node_chain_close: stops the transport and frees all. */
void node_consensus_free(node_consensus *e);

#endif
