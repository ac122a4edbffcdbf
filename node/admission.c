/* Admission: submissions from any thread (decoded, checked and verified on the caller's
 * thread and the verifier pool, then queued), the writer's admission of them into the
 * mempool, and what the node knows of a transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/log.h"
#include "node/internal/chain.h"

_Static_assert(NODE_DETAIL_MAX == RPC_DETAIL_MAX, "failure details fit a result");
_Static_assert(LEDGER_DETAIL_MAX == NODE_DETAIL_MAX, "the ledger's reasons fit a failure");

/* ---- Admission: runs on the writer thread. ---- */

void node_result_set(rpc_tx_result *r, rpc_tx_state state, chr_err err, const char *detail)
{
    r->state = state;
    r->err = err;
    if (detail != r->detail) {
        snprintf(r->detail, sizeof(r->detail), "%s", detail != NULL ? detail : "");
    }
}

/* What the node already knows of a transaction, the one "do we know it already?"
 * cascade of admission and of status look-ups: pending, committed (looked up only when
 * may_be_committed: for a submission, only a nonce its account already used can belong to
 * a committed transaction, so the common case, a new nonce, skips the look-up) or failed.
 * Returns 1 with *out set when known, 0 when new to the node; *lookup gets the committed
 * look-up's error (CHR_ERR_NOT_FOUND when it found nothing, CHR_OK when not done). */
static int known_status(node_chain *c, ledger_store_read *r, const uint8_t hash[32],
                        int may_be_committed, rpc_tx_result *out, chr_err *lookup)
{
    *lookup = CHR_OK;
    pthread_mutex_lock(&c->mp_mu);
    int pending = ledger_mempool_find(c->mempool, hash) != NULL;
    pthread_mutex_unlock(&c->mp_mu);
    if (pending) {
        node_result_set(out, RPC_TX_PENDING, CHR_OK, NULL);
        return 1;
    }
    ledger_store_txinfo info;
    if (may_be_committed) {
        *lookup = r != NULL ? ledger_store_tx(r, hash, &info) : CHR_ERR_STORE;
    }
    if (may_be_committed && *lookup == CHR_OK) {
        node_result_set(out, RPC_TX_COMMITTED, CHR_OK, NULL);
        out->height = info.height;
        out->index = info.index;
        return 1;
    }
    node_failure f;
    if (node_failed_get(c->failed, hash, &f)) {
        node_result_set(out, RPC_TX_FAILED, f.err, f.detail);
        return 1;
    }
    return 0;
}

static void admit_one(node_chain *c, ledger_store_read *r, const ledger_tx *tx, const uint8_t *enc,
                      size_t len, rpc_tx_result *res, node_chain_admitted_fn *fn, void *ctx)
{
    ledger_account committed;
    chr_err err = ledger_store_account(r, tx->from, &committed, NULL);
    if (err != CHR_OK) {
        node_result_set(res, RPC_TX_REJECTED, CHR_ERR_STORE,
                        err == CHR_ERR_STATE_ROOT ? "store: the account's record is damaged"
                                                  : "store: cannot read the account");
        return;
    }
    chr_err lookup;
    if (known_status(c, r, res->hash, tx->nonce < committed.nonce, res, &lookup)) {
        return;
    }
    /* The earliest block it can enter is the next one: refuse what is already expired
     * there rather than admit it only to fail it. */
    pthread_mutex_lock(&c->tip_mu);
    uint64_t next_height = c->tip.height + 1;
    pthread_mutex_unlock(&c->tip_mu);
    if (tx->expiry_height != 0 && next_height > tx->expiry_height) {
        char detail[RPC_DETAIL_MAX];
        snprintf(detail, sizeof(detail), "expiry_height: %llu passed, the next block is %llu",
                 (unsigned long long)tx->expiry_height, (unsigned long long)next_height);
        node_result_set(res, RPC_TX_REJECTED, CHR_ERR_EXPIRED, detail);
        return;
    }
    char detail[RPC_DETAIL_MAX];
    pthread_mutex_lock(&c->mp_mu);
    err =
        ledger_mempool_add(c->mempool, tx, res->hash, enc, len, &committed, detail, sizeof(detail));
    pthread_mutex_unlock(&c->mp_mu);
    if (err != CHR_OK) {
        node_result_set(res, RPC_TX_REJECTED, err, detail);
        return;
    }
    node_result_set(res, RPC_TX_PENDING, CHR_OK, NULL);
    if (fn != NULL) {
        fn(ctx, enc, len);
    }
}

void node_admit_submissions(node_chain *c, node_submission *list, node_chain_admitted_fn *fn,
                            void *ctx)
{
    ledger_store_read *r = NULL;
    chr_err err = ledger_store_read_begin(c->store, &r);
    for (node_submission *s = list; s != NULL; s = s->next) {
        for (size_t i = 0; i < s->n; i++) {
            if (err != CHR_OK) {
                node_result_set(s->results[i], RPC_TX_REJECTED, err, "store: cannot read");
            } else {
                admit_one(c, r, &s->txs[i], s->encs[i], s->enc_lens[i], s->results[i], fn, ctx);
            }
        }
    }
    ledger_store_read_end(r);
    for (node_submission *s = list; s != NULL;) {
        node_submission *next = s->next;
        node_submission_finish(c, s);
        s = next;
    }
}

/* ---- Calls from other threads. ---- */

/* Decodes and checks each transaction (txs are the submission's copies); returns how many
 * passed. */
static size_t submit_decode(node_chain *c, const uint8_t *const *txs, const size_t *lens, size_t n,
                            ledger_tx *decoded, chr_err *errs, rpc_tx_result *results)
{
    size_t ok = 0;
    /* A committed block may change the parameters (governance), under mp_mu: a copy. */
    ledger_params params;
    pthread_mutex_lock(&c->mp_mu);
    params = *ledger_chain_params(c->chain);
    pthread_mutex_unlock(&c->mp_mu);
    for (size_t i = 0; i < n; i++) {
        rpc_tx_result *r = &results[i];
        memset(r, 0, sizeof(*r));
        errs[i] = ledger_tx_decode(&decoded[i], txs[i], lens[i]);
        if (errs[i] != CHR_OK) {
            node_result_set(r, RPC_TX_REJECTED, errs[i], "tx: not a valid transaction encoding");
            continue;
        }
        chr_sha256_hash(r->hash, txs[i], lens[i]);
        r->has_hash = 1;
        errs[i] = ledger_tx_check(&decoded[i], ledger_chain_id(c->chain), &params, r->detail,
                                  sizeof(r->detail));
        if (errs[i] != CHR_OK) {
            node_result_set(r, RPC_TX_REJECTED, errs[i], r->detail);
            continue;
        }
        ok++;
    }
    return ok;
}

/* Hands the verified transactions to the writer, which finishes the submission once it
 * admitted them; a full queue or a stopping node finishes it here, refused. */
static void submit_to_writer(node_chain *c, node_submission *s)
{
    pthread_mutex_lock(&c->q_mu);
    if (c->stop || c->q_txs + s->n > NODE_QUEUE_TXS_MAX) {
        chr_err err = c->stop ? CHR_ERR_SHUTDOWN : CHR_ERR_QUEUE_FULL;
        pthread_mutex_unlock(&c->q_mu);
        for (size_t i = 0; i < s->n; i++) {
            node_result_set(s->results[i], RPC_TX_REJECTED, err,
                            c->stop ? "node is stopping"
                                    : "node: too many transactions queued, retry");
        }
        node_submission_finish(c, s);
        return;
    }
    if (c->q_tail != NULL) {
        c->q_tail->next = s;
    } else {
        c->q_head = s;
    }
    c->q_tail = s;
    c->q_txs += s->n;
    pthread_cond_signal(&c->q_cv);
    pthread_mutex_unlock(&c->q_mu);
}

/* The slot of a chr_err code, NODE_REJ_SLOTS for a value outside the enum. */
static size_t rejection_slot(chr_err err)
{
    switch (err) {
#define NODE_REJ_CASE(name, value, code, desc)                                                     \
    case name:                                                                                     \
        return NODE_REJ_##name;
        CHR_ERR_LIST(NODE_REJ_CASE)
#undef NODE_REJ_CASE
    }
    return NODE_REJ_SLOTS;
}

static void count_rejections(node_chain *c, const rpc_tx_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t slot = rejection_slot(results[i].err);
        if (results[i].state == RPC_TX_REJECTED && slot < NODE_REJ_SLOTS) {
            atomic_fetch_add_explicit(&c->rejections[slot], 1, memory_order_relaxed);
        }
    }
}

/* One block for a submission of n transactions, a copy of their bytes (lens, 0 each when
 * txs is NULL) and its scratch, or NULL. */
static node_submission *submission_new(size_t n, const uint8_t *const *txs, const size_t *lens)
{
    size_t txs_off = sizeof(node_submission);
    size_t results_off = txs_off + (n + 1) * sizeof(ledger_tx);
    size_t encs_off = results_off + (n + 1) * sizeof(rpc_tx_result *);
    size_t enc_lens_off = encs_off + (n + 1) * sizeof(const uint8_t *);
    size_t errs_off = enc_lens_off + (n + 1) * sizeof(size_t);
    size_t bytes_off = errs_off + (n + 1) * sizeof(chr_err);
    size_t total = bytes_off;
    for (size_t i = 0; i < n; i++) {
        total += lens[i]; /* each at most a request body or a peer frame: no overflow */
    }
    uint8_t *block = calloc(1, total);
    if (block == NULL) {
        return NULL;
    }
    _Static_assert(sizeof(node_submission) % _Alignof(ledger_tx) == 0, "txs are aligned");
    _Static_assert(sizeof(ledger_tx) % _Alignof(rpc_tx_result *) == 0, "results are aligned");
    _Static_assert(_Alignof(size_t) <= _Alignof(const uint8_t *), "lengths are aligned");
    _Static_assert(_Alignof(chr_err) <= _Alignof(size_t), "errors are aligned");
    node_submission *s = (node_submission *)(void *)block;
    s->txs = (ledger_tx *)(void *)(block + txs_off);
    s->results = (rpc_tx_result **)(void *)(block + results_off);
    s->encs = (const uint8_t **)(void *)(block + encs_off);
    s->enc_lens = (size_t *)(void *)(block + enc_lens_off);
    s->errs = (chr_err *)(void *)(block + errs_off);
    size_t at = bytes_off;
    for (size_t i = 0; i < n; i++) {
        memcpy(block + at, txs[i], lens[i]);
        s->encs[i] = block + at;
        s->enc_lens[i] = lens[i];
        at += lens[i];
    }
    return s;
}

/* Counts the submission's rejections, tells its caller that the results are final, and
 * frees it. The caller may free the results at once: nothing here touches them after. */
void node_submission_finish(node_chain *c, node_submission *s)
{
    count_rejections(c, s->all, s->all_n);
    s->done(s->done_arg);
    free(s);
}

void node_chain_submit(node_chain *c, const uint8_t *const *txs, const size_t *lens, size_t n,
                       rpc_tx_result *results, rpc_submit_done *done, void *arg)
{
    CHR_ASSERT(n <= NODE_SUBMIT_TXS_MAX);
    CHR_ASSERT(done != NULL);
    node_submission *s = submission_new(n, txs, lens);
    if (s == NULL) {
        for (size_t i = 0; i < n; i++) {
            memset(&results[i], 0, sizeof(results[i]));
            node_result_set(&results[i], RPC_TX_REJECTED, CHR_ERR_NOMEM, "node: out of memory");
        }
        count_rejections(c, results, n);
        done(arg);
        return;
    }
    s->all = results;
    s->all_n = n;
    s->done = done;
    s->done_arg = arg;
    submit_decode(c, s->encs, s->enc_lens, n, s->txs, s->errs, results);
    node_verifier_run(c->verifier, s->txs, s->errs, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->errs[i] == CHR_OK) {
            s->txs[m] = s->txs[i]; /* still refers to encs[i], which moves with it */
            s->encs[m] = s->encs[i];
            s->enc_lens[m] = s->enc_lens[i];
            s->results[m++] = &results[i];
        } else if (results[i].state != RPC_TX_REJECTED) {
            node_result_set(&results[i], RPC_TX_REJECTED, s->errs[i],
                            s->errs[i] == CHR_ERR_PUBKEY
                                ? "to: not a valid public key, funds sent to it would be lost"
                                : "signature: does not verify for the sender's key");
        }
    }
    s->n = m;
    if (m == 0) {
        node_submission_finish(c, s);
        return;
    }
    submit_to_writer(c, s);
}

size_t node_chain_rejections(node_chain *c, rpc_count *out, size_t cap)
{
    /* The reasons admission gives (docs/API.md, POST /api/v1/txs), listed even at zero so
     * that a dashboard's rate() of each starts from the node's start. */
    static const chr_err admission[] = {
        CHR_ERR_TRUNCATED,     CHR_ERR_TRAILING,   CHR_ERR_VERSION,  CHR_ERR_TX_TYPE,
        CHR_ERR_CHAIN_ID,      CHR_ERR_SIGNATURE,  CHR_ERR_PUBKEY,   CHR_ERR_NONCE,
        CHR_ERR_NONCE_PENDING, CHR_ERR_BALANCE,    CHR_ERR_FEE,      CHR_ERR_EXPIRED,
        CHR_ERR_TX_SIZE,       CHR_ERR_MEMO,       CHR_ERR_AMOUNT,   CHR_ERR_SELF_TRANSFER,
        CHR_ERR_MEMPOOL_FULL,  CHR_ERR_QUEUE_FULL, CHR_ERR_SHUTDOWN, CHR_ERR_STORE,
    };
    static const chr_err slot_err[NODE_REJ_SLOTS] = {
#define NODE_REJ_ERR(name, value, code, desc) name,
        CHR_ERR_LIST(NODE_REJ_ERR)
#undef NODE_REJ_ERR
    };
    size_t n = 0;
    for (size_t i = 0; i < NODE_REJ_SLOTS && n < cap; i++) {
        uint64_t count = atomic_load_explicit(&c->rejections[i], memory_order_relaxed);
        int listed = 0;
        for (size_t k = 0; k < sizeof(admission) / sizeof(admission[0]) && !listed; k++) {
            listed = admission[k] == slot_err[i];
        }
        if (count > 0 || listed) {
            out[n].err = slot_err[i];
            out[n].count = count;
            n++;
        }
    }
    return n;
}

void node_chain_tx_status(node_chain *c, const uint8_t hash_in[32], rpc_tx_result *out)
{
    uint8_t hash[32];
    memcpy(hash, hash_in, 32); /* hash_in may point into *out */
    memset(out, 0, sizeof(*out));
    memcpy(out->hash, hash, 32);
    out->has_hash = 1;
    ledger_store_read *r;
    if (ledger_store_read_begin(c->store, &r) != CHR_OK) {
        r = NULL;
    }
    chr_err lookup;
    if (!known_status(c, r, hash, 1, out, &lookup)) {
        /* Unknown for sure only when the committed transactions could be looked at. */
        node_result_set(out, RPC_TX_UNKNOWN, lookup == CHR_ERR_NOT_FOUND ? CHR_OK : CHR_ERR_STORE,
                        NULL);
    }
    ledger_store_read_end(r);
}
