/* A pool of signature-verifier threads, one per core by default: a batch of transactions
 * is split across them, so that admission verifies on every core. Thread-safe: any number
 * of callers may submit at once; each call returns when its whole batch is verified.
 *
 * The threads run `nice` steps nicer than the rest of the node (Linux keeps a nice value
 * per thread; [store] verifier_nice, 10 by default). They take every core nobody else
 * wants; when the cores are all busy, the writer, which commits blocks one after another,
 * runs first. Verifying submissions faster than blocks commit them only fills the
 * mempool, and a caller's own thread still verifies its share of its batch at the node's
 * priority, so a submission is never left waiting on the pool alone. */
#ifndef NODE_VERIFY_H
#define NODE_VERIFY_H

#include <stddef.h>

#include "common/err.h"
#include "ledger/tx.h"
#include "node/limits.h"

typedef struct node_verifier node_verifier;

/* threads == 0 means one per online core, at most NODE_VERIFIER_THREADS_MAX; the threads
 * run `nice` steps nicer than the caller (the sum capped at 19). CHR_ERR_ARG for threads
 * over NODE_VERIFIER_THREADS_MAX or nice over NODE_VERIFIER_NICE_MAX (chain.conf refuses
 * both first), CHR_ERR_NOMEM. */
CHR_WUR chr_err node_verifier_new(node_verifier **out, unsigned threads, unsigned nice);
/* Stops and joins the threads; no call may be in progress. */
void node_verifier_free(node_verifier *v);

/* Verifies the signatures of txs[i] for every i with errs[i] == CHR_OK on entry, writing
 * the result into errs[i]; entries that already carry an error are skipped. */
void node_verifier_run(node_verifier *v, const ledger_tx *txs, chr_err *errs, size_t n);

#endif
