/* Transaction gossip of a chroomd node: the transactions this node admits go to its peers
 * in NODE_P2P_TXS messages (node/consensus.h), and those its peers send are checked against
 * a set of recently seen ids, then verified and submitted to the chain by an intake thread
 * of their own, so that no transport thread (which also carries consensus messages) waits
 * for signature checks. Used by node/consensus.c, which owns the transport.
 *
 * Threads: node_gossip_receive on the transport's threads; node_gossip_admitted and
 * node_gossip_flush on the chain's writer thread only; the chain's verdicts on submitted
 * transactions may come on any thread. */
#ifndef NODE_GOSSIP_H
#define NODE_GOSSIP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "consensus/p2p.h"
#include "node/chain.h"

typedef struct node_gossip node_gossip;

/* Allocates the seen set and the outgoing batch and starts the intake thread, which
 * submits what peers send to chain (which must outlive the gossip). CHR_ERR_NOMEM (also
 * for a thread that cannot start); *out is NULL on failure. */
CHR_WUR chr_err node_gossip_new(node_gossip **out, node_chain *chain);
/* Stops and joins the intake thread: afterwards gossip no longer submits to the chain, and
 * what peers send is dropped. Call it before node_chain_close. Idempotent. */
void node_gossip_stop(node_gossip *g);
/* Stops the intake thread if node_gossip_stop has not, and frees all. Call it once the
 * transport no longer calls node_gossip_receive and the chain has given every verdict
 * (after node_chain_close). NULL: nothing. */
void node_gossip_free(node_gossip *g);

/* A peer's NODE_P2P_TXS payload (a transport thread): a malformed one is dropped whole;
 * transactions seen lately are dropped before any signature check, the rest queued for
 * the intake thread (up to a bound; past it, they are forgotten as seen so that a copy
 * from another peer may take their place). */
void node_gossip_receive(node_gossip *g, uint32_t peer, const uint8_t *payload, size_t len);
/* A transaction the chain admitted (writer thread; len at most LEDGER_TX_BYTES_MAX): marked
 * seen, and added to the outgoing batch, which goes out through p2p when it is full or
 * when a transaction from another origin comes. */
void node_gossip_admitted(node_gossip *g, cons_p2p *p2p, const uint8_t *tx, size_t len);
/* Sends the outgoing batch, if any, to every peer but the one its transactions came from
 * (writer thread). */
void node_gossip_flush(node_gossip *g, cons_p2p *p2p);

#endif
