/* A pool of signature-verifier threads, one per core by default: a batch of transactions
 * is split across them, so that admission verifies on every core. Thread-safe: any number
 * of callers may submit at once; each call returns when its whole batch is verified.
 *
 * The threads run NODE_VERIFIER_NICE steps nicer than the rest of the node (Linux keeps
 * a nice value per thread). They take every core nobody else wants; when the cores are
 * all busy, the writer, which commits blocks one after another, runs first. Verifying
 * submissions faster than blocks commit them only fills the mempool. */
#ifndef NODE_VERIFY_H
#define NODE_VERIFY_H

#include <stddef.h>

#include "common/err.h"
#include "ledger/tx.h"
#include "node/limits.h"

/* How much nicer than the node's own priority the verifier threads run (at most 19). */
#define NODE_VERIFIER_NICE 5

typedef struct node_verifier node_verifier;

/* threads == 0 means one per online core, at most NODE_VERIFIER_THREADS_MAX. CHR_ERR_ARG
 * for threads over NODE_VERIFIER_THREADS_MAX (chain.conf refuses it first), CHR_ERR_NOMEM. */
CHR_WUR chr_err node_verifier_new(node_verifier **out, unsigned threads);
/* Stops and joins the threads; no call may be in progress. */
void node_verifier_free(node_verifier *v);

/* Verifies the signatures of txs[i] for every i with errs[i] == CHR_OK on entry, writing
 * the result into errs[i]; entries that already carry an error are skipped. */
void node_verifier_run(node_verifier *v, const ledger_tx *txs, chr_err *errs, size_t n);

#endif
