/* The node's chain engine, inside: the struct the three files of node_chain share.
 * - node/chain.c: opening and closing, the writer thread, the tip, reads;
 * - node/admission.c: submissions from any thread, and the writer's admission of them;
 * - node/blocks.c: the writer's blocks and evidence, through the ledger's block state
 *   machine (ledger/chain.h), and writing them to the store.
 * Private to node/. */
#ifndef NODE_INTERNAL_CHAIN_H
#define NODE_INTERNAL_CHAIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ledger/chain.h"
#include "ledger/mempool.h"
#include "ledger/sig.h"
#include "ledger/store.h"
#include "node/chain.h"
#include "node/failed.h"
#include "node/verify.h"

/* A submission handed from a caller's thread to the writer: verified transactions, the
 * slots where the writer writes its verdicts, and whom to tell when they are written.
 * One heap block (node_submission_new) that holds a copy of every transaction's bytes, which
 * the decoded ones refer to (ledger/tx.h), freed by node_submission_finish; the caller does
 * not wait, and its bytes may go away once node_chain_submit returns. */
typedef struct node_submission {
    ledger_tx *txs;       /* the verified ones, compacted to the front */
    const uint8_t **encs; /* their encodings, copies in this block (txs refer to them) */
    size_t *enc_lens;
    rpc_tx_result **results; /* one per verified tx */
    size_t n;
    chr_err *errs;      /* scratch of the checks, one per submitted tx */
    rpc_tx_result *all; /* every result of the call, for the rejection counters */
    size_t all_n;
    rpc_submit_done *done;
    void *done_arg;
    struct node_submission *next;
} node_submission;

/* Rejection counters for GET /metrics: one slot per chr_err code, dense through the
 * CHR_ERR_LIST X-macro, so counting needs no lock and no table lookup. */
enum {
#define NODE_REJ_SLOT(name, value, code, desc) NODE_REJ_##name,
    CHR_ERR_LIST(NODE_REJ_SLOT)
#undef NODE_REJ_SLOT
        NODE_REJ_SLOTS
};
_Static_assert(NODE_REJ_SLOTS <= RPC_REJECTION_REASONS_MAX, "every reason fits the backend's");

struct node_chain {
    node_chain_config cfg;
    uint8_t genesis_hash[32];
    uint8_t validator_pub[32];
    ledger_valset genesis_validators; /* signs until the staking rules store a set */
    ledger_params genesis_params;     /* constant; the state's are the tip's (rpc_tip) */

    ledger_store *store;
    ledger_chain *chain; /* the block state machine (writer only) */
    /* The writer's read transaction while the ledger reads committed state through its
     * view (node/blocks.c: view_begin .. view_end). */
    ledger_store_read *view_read;
    ledger_signer *signer;
    node_verifier *verifier;
    node_failed *failed;
    atomic_ullong rejections[NODE_REJ_SLOTS]; /* by chr_err slot, since start */

    /* The mempool is changed only by the writer, under mp_mu; HTTP threads read it under
     * mp_mu too. The writer reads it without the lock. */
    pthread_mutex_t mp_mu;
    ledger_mempool *mempool;

    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;
    node_submission *q_head, *q_tail;
    size_t q_txs;
    int stop;

    /* The tip, under tip_mu; tip_fn (node_chain_watch_tip) is called under it after every
     * change. */
    pthread_mutex_t tip_mu;
    rpc_tip tip;
    rpc_tip_changed *tip_fn;
    void *tip_arg;

    int wake; /* under q_mu: the engine has input waiting (node_chain_wake) */
};

/* ---- node/chain.c ---- */

/* Publishes a new tip (and calls the tip watcher) under tip_mu. */
void node_chain_tip_publish(node_chain *c, const ledger_header *h, const uint8_t hash[32],
                            uint64_t txs_total);
/* Doubles the LMDB map after a write found it full; the write is then retried whole. */
CHR_WUR chr_err node_chain_grow_map(node_chain *c);

/* ---- node/admission.c ---- */

void node_result_set(rpc_tx_result *r, rpc_tx_state state, chr_err err, const char *detail);
/* The writer admits a list of submissions into the mempool and finishes them; fn (may be
 * NULL) is told of each transaction that entered the mempool. */
void node_admit_submissions(node_chain *c, node_submission *list, node_chain_admitted_fn *fn,
                            void *ctx);
/* Counts the submission's rejections, tells its caller that the results are final, and
 * frees it. */
void node_submission_finish(node_chain *c, node_submission *s);

/* ---- node/blocks.c ---- */

/* Opens the ledger's block state machine on the store's committed state and tip. */
CHR_WUR chr_err node_blocks_open(node_chain *c, const genesis *g, char *errmsg, size_t cap);

#endif
