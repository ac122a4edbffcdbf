/* The writer thread: the one thread that changes the ledger and owns consensus (STYLE.md).
 * Each turn it sleeps until the chain has submissions queued, the engine has input or a
 * deadline, or the node stops; admits what is queued (node_chain_admit); and steps the
 * consensus engine, when the node runs one (node_consensus_poll). It is the top of the
 * node's chain of calls: it calls the chain and the engine, the engine calls the chain,
 * and the chain calls neither.
 *
 * A failed engine step (storage, WAL) stops the engine for good: the chain is marked
 * unhealthy (node_chain_fail), the node keeps serving reads and answering submissions. */
#ifndef NODE_WRITER_H
#define NODE_WRITER_H

#include "common/err.h"
#include "node/chain.h"
#include "node/consensus.h"

typedef struct node_writer node_writer;

/* Starts the thread over c and e (e NULL: a node without consensus only admits).
 * CHR_ERR_NOMEM. Both must outlive node_writer_stop. */
CHR_WUR chr_err node_writer_start(node_writer **out, node_chain *c, node_consensus *e);
/* Stops the thread (queued submissions get CHR_ERR_SHUTDOWN), joins it and frees w; NULL
 * is a no-op. Any thread but the writer. */
void node_writer_stop(node_writer *w);

#endif
