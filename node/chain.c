#include "node/chain.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/hex.h"
#include "common/log.h"
#include "ledger/block.h"
#include "ledger/mempool.h"
#include "ledger/sig.h"
#include "ledger/smt.h"
#include "node/verify.h"

/* A submission handed from a caller's thread to the writer: verified transactions, the
 * slots where the writer writes its verdicts, and whom to tell when they are written.
 * One heap block (submission_new), freed by submission_finish; the caller does not wait. */
typedef struct submission {
    ledger_tx *txs;          /* the verified ones, compacted to the front */
    rpc_tx_result **results; /* one per verified tx */
    size_t n;
    chr_err *errs;           /* scratch of the checks, one per submitted tx */
    rpc_tx_result *all;      /* every result of the call, for the rejection counters */
    size_t all_n;
    rpc_submit_done *done;
    void *done_arg;
    struct submission *next;
} submission;

/* The overlay's view of committed accounts during a block: the writer's own reads. */
typedef struct load_ctx {
    ledger_store_read *read;
} load_ctx;

_Static_assert(NODE_DETAIL_MAX == RPC_DETAIL_MAX, "failure details fit a result");

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
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint8_t genesis_hash[32];
    uint64_t genesis_time_ms;
    ledger_params params;
    ledger_valset validators;
    uint8_t validator_pub[32];
    int producer; /* 1 when this node holds the one validator key that can commit alone */

    ledger_store *store;
    ledger_smt *smt;
    ledger_overlay *overlay;
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
    submission *q_head, *q_tail;
    size_t q_txs;
    int stop;

    /* The tip, under tip_mu; tip_fn (node_chain_watch_tip) is called under it after every
     * change. */
    pthread_mutex_t tip_mu;
    rpc_tip tip;
    rpc_tip_changed *tip_fn;
    void *tip_arg;
    ledger_header tip_header;
    ledger_commit last_commit; /* the commit of the tip, for the next block (writer only) */

    load_ctx load; /* the writer's read transaction while it applies a block */

    /* The consensus engine, when the node runs one (node_chain_set_engine): polled by the
     * writer whenever it wakes; engine_wake (under q_mu) says it has input waiting. */
    node_engine engine;
    int has_engine;
    int engine_wake;
    uint64_t engine_next_ms;
    pthread_t writer;
    int writer_started;
    uint64_t last_block_mono_ms;

    /* Scratch for building one block, sized at open (writer only). */
    uint8_t *arena;
    const uint8_t **blk_txs;
    uint16_t *blk_lens;
    uint8_t (*blk_hashes)[32];
    uint8_t (*blk_from)[32];
    uint8_t (*blk_to)[32];
    const ledger_mempool_entry **blk_failed;
    chr_err *blk_failed_err;
    char (*blk_failed_detail)[NODE_DETAIL_MAX];
    ledger_evidence blk_ev[LEDGER_BLOCK_EVIDENCE_MAX];
    uint16_t blk_ev_len;

    /* A block applied and left so (writer only): after node_chain_propose or a successful
     * node_chain_check_block the trie holds the block's changes under an open checkpoint,
     * and the overlay and c->blk_* (but blk_txs) describe it, so that committing that
     * same block applies nothing again. Anything else that needs the trie or the overlay
     * drops it first (prepared_drop). */
    int prepared;
    uint8_t prepared_hash[32];

    /* Evidence of double signing waiting for a block (writer only): checked, not known to
     * be committed, in key order. */
    ledger_evidence ev_pool[NODE_EVIDENCE_POOL_MAX];
    size_t ev_pool_len;
};

static void submission_finish(node_chain *c, submission *s);

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The absolute CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait on the
 * engine's condition variables (all created on CLOCK_MONOTONIC, so that a step of the wall
 * clock neither cuts a wait short nor stretches it). */
static struct timespec deadline_in(uint64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

ledger_store *node_chain_store(node_chain *c)
{
    return c->store;
}

const ledger_params *node_chain_params(const node_chain *c)
{
    return &c->params;
}

const ledger_valset *node_chain_validators(const node_chain *c)
{
    return &c->validators;
}


static chr_err load_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    load_ctx *l = ctx;
    return ledger_store_account(l->read, addr, out, NULL);
}

static chr_err smt_add(void *ctx, const uint8_t addr[32], const ledger_account *a)
{
    uint8_t h[CHR_HASH_LEN];
    ledger_account_hash(h, a);
    return ledger_smt_set(ctx, addr, h);
}

static void tip_publish(node_chain *c, const ledger_header *h, const uint8_t hash[32],
                        uint64_t txs_total)
{
    pthread_mutex_lock(&c->tip_mu);
    c->tip_header = *h;
    c->tip.height = h->height;
    memcpy(c->tip.hash, hash, 32);
    c->tip.time_ms = h->time_ms;
    memcpy(c->tip.state_root, h->state_root, 32);
    c->tip.txs_total = txs_total;
    if (c->tip_fn != NULL) {
        c->tip_fn(c->tip_arg);
    }
    pthread_mutex_unlock(&c->tip_mu);
}

/* Doubles the LMDB map after a write found it full (STYLE.md: MDB_MAP_FULL goes up to the
 * node, which grows the map); the write is then retried whole. */
static chr_err grow_map(node_chain *c)
{
    size_t size = ledger_store_map_size(c->store);
    CHR_LOG_I("store: map of %.1f MiB is full, growing to %.1f MiB", (double)size / 1048576.0,
              (double)size / 524288.0);
    return ledger_store_grow(c->store, size * 2);
}

/* Writes the genesis state into an empty store, or checks that the store holds g's chain. */
static chr_err open_genesis(node_chain *c, const genesis *g, char *errmsg, size_t cap)
{
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_meta meta;
    err = ledger_store_meta_get(r, &meta);
    ledger_store_read_end(r);
    if (err == CHR_OK) {
        if (strcmp(meta.chain_id, c->chain_id) != 0 || memcmp(meta.genesis_hash, c->genesis_hash, 32) != 0) {
            snprintf(errmsg, cap, "the data directory holds chain %s with another genesis",
                     meta.chain_id);
            return CHR_ERR_GENESIS;
        }
        return CHR_OK;
    }
    if (err != CHR_ERR_NOT_FOUND) {
        return err;
    }
    uint8_t(*addrs)[32] = malloc((g->accounts_len + 1) * 32);
    uint64_t *balances = malloc((g->accounts_len + 1) * sizeof(uint64_t));
    if (addrs == NULL || balances == NULL) {
        free(addrs);
        free(balances);
        return CHR_ERR_NOMEM;
    }
    for (size_t i = 0; i < g->accounts_len; i++) {
        memcpy(addrs[i], g->accounts[i].address, 32);
        balances[i] = g->accounts[i].balance;
    }
    do {
        err = ledger_store_init_genesis(c->store, c->chain_id, c->genesis_hash,
                                        (const uint8_t(*)[32])addrs, balances, g->accounts_len);
    } while (err == CHR_ERR_MAP_FULL && (err = grow_map(c)) == CHR_OK);
    free(addrs);
    free(balances);
    if (err == CHR_OK) {
        CHR_LOG_I("created chain %s from genesis (%zu accounts)", c->chain_id, g->accounts_len);
    }
    return err;
}

/* Rebuilds the state trie from the stored accounts and loads the tip; the trie's root
 * must equal the state root in the tip's header, or the store is damaged. */
static chr_err open_state(node_chain *c, char *errmsg, size_t cap)
{
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_meta meta;
    err = ledger_store_meta_get(r, &meta);
    err = err == CHR_OK ? ledger_store_accounts_foreach(r, smt_add, c->smt) : err;
    ledger_header h;
    memset(&h, 0, sizeof(h));
    uint8_t hash[32];
    memcpy(hash, c->genesis_hash, 32);
    h.time_ms = c->genesis_time_ms;
    ledger_smt_root(c->smt, h.state_root);
    if (err == CHR_OK && meta.height > 0) {
        const uint8_t *bytes;
        size_t len;
        ledger_block b;
        err = ledger_store_block(r, meta.height, &bytes, &len);
        err = err == CHR_OK ? ledger_block_decode(&b, bytes, len) : err;
        if (err == CHR_OK) {
            h = b.header;
            ledger_block_free(&b);
            ledger_header_hash(&h, hash);
            err = ledger_store_commit(r, meta.height, &bytes, &len);
        }
        err = err == CHR_OK ? ledger_commit_decode(&c->last_commit, bytes, len) : err;
        uint8_t root[32];
        ledger_smt_root(c->smt, root);
        if (err == CHR_OK && memcmp(root, h.state_root, 32) != 0) {
            snprintf(errmsg, cap, "stored accounts do not match the state root of block %llu",
                     (unsigned long long)meta.height);
            err = CHR_ERR_STATE_ROOT;
        }
    }
    ledger_store_read_end(r);
    if (err == CHR_OK) {
        tip_publish(c, &h, hash, meta.txs_total);
        CHR_LOG_I("chain %s at height %llu, %zu accounts", c->chain_id,
                  (unsigned long long)meta.height, ledger_smt_count(c->smt));
    }
    return err;
}

static chr_err alloc_scratch(node_chain *c)
{
    size_t n = c->params.block_txs_max;
    c->arena = malloc(c->params.block_bytes_max);
    c->blk_txs = calloc(n, sizeof(*c->blk_txs));
    c->blk_lens = calloc(n, sizeof(*c->blk_lens));
    c->blk_hashes = calloc(n, 32);
    c->blk_from = calloc(n, 32);
    c->blk_to = calloc(n, 32);
    c->blk_failed = calloc(n, sizeof(*c->blk_failed));
    c->blk_failed_err = calloc(n, sizeof(*c->blk_failed_err));
    c->blk_failed_detail = calloc(n, NODE_DETAIL_MAX);
    if (!c->arena || !c->blk_txs || !c->blk_lens || !c->blk_hashes || !c->blk_from ||
        !c->blk_to || !c->blk_failed || !c->blk_failed_err || !c->blk_failed_detail) {
        return CHR_ERR_NOMEM;
    }
    return CHR_OK;
}

static chr_err open_keys(node_chain *c, char *errmsg, size_t cap)
{
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    chr_err err = ledger_signer_new(&c->signer, seed);
    if (err != CHR_OK || !c->cfg.has_validator_key) {
        return err;
    }
    err = ledger_signer_pubkey(c->signer, c->validator_pub, c->cfg.validator_sk);
    if (err != CHR_OK) {
        snprintf(errmsg, cap, "the validator key file holds an invalid secret key");
        return CHR_ERR_CONFIG;
    }
    int at = ledger_valset_find(&c->validators, c->validator_pub);
    /* One node commits alone only when it holds every validator's power; with more
     * validators, blocks need the consensus protocol (the consensus issue). */
    c->producer = at >= 0 && c->validators.len == 1;
    if (at < 0) {
        CHR_LOG_W("the validator key is not in the validator set: not producing blocks");
    } else if (!c->producer) {
        CHR_LOG_I("%zu validators: blocks need consensus among them ([p2p] in chain.conf)",
                  c->validators.len);
    }
    return CHR_OK;
}

chr_err node_chain_open(node_chain **out, const node_chain_config *cfg, const genesis *g,
                        char *errmsg, size_t errmsg_cap)
{
    *out = NULL;
    errmsg[0] = '\0';
    node_chain *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return CHR_ERR_NOMEM;
    }
    c->cfg = *cfg;
    snprintf(c->chain_id, sizeof(c->chain_id), "%s", g->chain_id);
    c->genesis_time_ms = g->genesis_time_ms;
    c->params = g->params;
    c->validators = g->validators;
    pthread_mutex_init(&c->mp_mu, NULL);
    pthread_mutex_init(&c->q_mu, NULL);
    cond_init_monotonic(&c->q_cv);
    pthread_mutex_init(&c->tip_mu, NULL);
    snprintf(c->tip.chain_id, sizeof(c->tip.chain_id), "%s", g->chain_id);
    c->tip.healthy = 1;
    chr_err err = genesis_hash(g, c->genesis_hash);
    memcpy(c->tip.genesis_hash, c->genesis_hash, 32);
    size_t overlay_max = 2 * (size_t)c->params.block_txs_max + 1;
    err = err ? err : ledger_store_open(&c->store, cfg->data_dir, cfg->map_size);
    err = err ? err : ledger_smt_new(&c->smt, LEDGER_SMT_KEYS_MAX);
    err = err ? err : ledger_overlay_new(&c->overlay, overlay_max, load_account, &c->load);
    err = err ? err : ledger_mempool_new(&c->mempool, cfg->mempool_txs_max, cfg->mempool_bytes_max);
    err = err ? err : node_failed_new(&c->failed);
    err = err ? err : alloc_scratch(c);
    err = err ? err : open_keys(c, errmsg, errmsg_cap);
    err = err ? err : open_genesis(c, g, errmsg, errmsg_cap);
    err = err ? err : open_state(c, errmsg, errmsg_cap);
    err = err ? err : ledger_store_indexer_start(c->store);
    err = err ? err : node_verifier_new(&c->verifier, cfg->verifier_threads);
    if (err != CHR_OK) {
        if (errmsg[0] == '\0') {
            snprintf(errmsg, errmsg_cap, "%s", chr_err_str(err));
        }
        node_chain_close(c);
        return err;
    }
    *out = c;
    return CHR_OK;
}

/* ---- Admission: runs on the writer thread. ---- */

static void result_set(rpc_tx_result *r, rpc_tx_state state, chr_err err, const char *detail)
{
    r->state = state;
    r->err = err;
    if (detail != r->detail) {
        snprintf(r->detail, sizeof(r->detail), "%s", detail != NULL ? detail : "");
    }
}

/* What the node already knows of a transaction: pending, committed or failed. Returns 0
 * when it is new to the node. */
static int known_status(node_chain *c, ledger_store_read *r, const uint8_t hash[32],
                        rpc_tx_result *out)
{
    pthread_mutex_lock(&c->mp_mu);
    int pending = ledger_mempool_find(c->mempool, hash) != NULL;
    pthread_mutex_unlock(&c->mp_mu);
    if (pending) {
        result_set(out, RPC_TX_PENDING, CHR_OK, NULL);
        return 1;
    }
    ledger_store_txinfo info;
    if (r != NULL && ledger_store_tx(r, hash, &info) == CHR_OK) {
        result_set(out, RPC_TX_COMMITTED, CHR_OK, NULL);
        out->height = info.height;
        out->index = info.index;
        return 1;
    }
    node_failure f;
    if (node_failed_get(c->failed, hash, &f)) {
        result_set(out, RPC_TX_FAILED, f.err, f.detail);
        return 1;
    }
    return 0;
}

static void admit_one(node_chain *c, ledger_store_read *r, const ledger_tx *tx, rpc_tx_result *res)
{
    pthread_mutex_lock(&c->mp_mu);
    int pending = ledger_mempool_find(c->mempool, res->hash) != NULL;
    pthread_mutex_unlock(&c->mp_mu);
    if (pending) {
        result_set(res, RPC_TX_PENDING, CHR_OK, NULL);
        return;
    }
    ledger_account committed;
    chr_err err = ledger_store_account(r, tx->from, &committed, NULL);
    if (err != CHR_OK) {
        result_set(res, RPC_TX_REJECTED, err, "store: cannot read the account");
        return;
    }
    /* Only a nonce the account already used can belong to a committed transaction: the
     * common case, a new nonce, skips the lookup. */
    node_failure f;
    ledger_store_txinfo info;
    if (tx->nonce < committed.nonce && ledger_store_tx(r, res->hash, &info) == CHR_OK) {
        result_set(res, RPC_TX_COMMITTED, CHR_OK, NULL);
        res->height = info.height;
        res->index = info.index;
        return;
    }
    if (node_failed_get(c->failed, res->hash, &f)) {
        result_set(res, RPC_TX_FAILED, f.err, f.detail);
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
        result_set(res, RPC_TX_REJECTED, CHR_ERR_EXPIRED, detail);
        return;
    }
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_tx_encode(tx, buf, sizeof(buf), &len) == CHR_OK);
    char detail[RPC_DETAIL_MAX];
    pthread_mutex_lock(&c->mp_mu);
    err = ledger_mempool_add(c->mempool, tx, res->hash, len, &committed, detail, sizeof(detail));
    pthread_mutex_unlock(&c->mp_mu);
    if (err != CHR_OK) {
        result_set(res, RPC_TX_REJECTED, err, detail);
        return;
    }
    result_set(res, RPC_TX_PENDING, CHR_OK, NULL);
    if (c->has_engine && c->engine.admitted != NULL) {
        c->engine.admitted(c->engine.ctx, buf, len);
    }
}

static void admit_submissions(node_chain *c, submission *list)
{
    ledger_store_read *r = NULL;
    chr_err err = ledger_store_read_begin(c->store, &r);
    for (submission *s = list; s != NULL; s = s->next) {
        for (size_t i = 0; i < s->n; i++) {
            if (err != CHR_OK) {
                result_set(s->results[i], RPC_TX_REJECTED, err, "store: cannot read");
            } else {
                admit_one(c, r, &s->txs[i], s->results[i]);
            }
        }
    }
    ledger_store_read_end(r);
    for (submission *s = list; s != NULL;) {
        submission *next = s->next;
        submission_finish(c, s);
        s = next;
    }
}

/* ---- Block production: runs on the writer thread. ---- */

typedef struct block_draft {
    ledger_header header;
    uint32_t txs_len;
    uint32_t failed_len;
    size_t arena_used;
} block_draft;

/* Applies mempool transactions in arrival order into the overlay until a block limit,
 * collecting the ones that fail. */
static chr_err draft_txs(node_chain *c, block_draft *d)
{
    ledger_overlay_reset(c->overlay);
    chr_err err = ledger_store_read_begin(c->store, &c->load.read);
    if (err != CHR_OK) {
        return err;
    }
    for (const ledger_mempool_entry *e = ledger_mempool_head(c->mempool); e != NULL;
         e = ledger_mempool_next(c->mempool, e)) {
        if (d->txs_len == c->params.block_txs_max || d->failed_len == c->params.block_txs_max) {
            break;
        }
        const ledger_tx *tx = ledger_mempool_entry_tx(e);
        uint8_t *dst = c->arena + d->arena_used;
        size_t len;
        if (ledger_tx_encode(tx, dst, c->params.block_bytes_max - d->arena_used, &len) != CHR_OK) {
            break; /* the block is full by bytes */
        }
        char *detail = c->blk_failed_detail[d->failed_len];
        err = ledger_tx_apply(c->overlay, tx, d->header.height, c->validator_pub, detail,
                              NODE_DETAIL_MAX);
        if (err == CHR_ERR_FULL || err == CHR_ERR_STORE) {
            break;
        }
        if (err != CHR_OK) {
            c->blk_failed[d->failed_len] = e;
            c->blk_failed_err[d->failed_len] = err;
            d->failed_len++;
            continue;
        }
        uint32_t i = d->txs_len++;
        c->blk_txs[i] = dst;
        c->blk_lens[i] = (uint16_t)len;
        memcpy(c->blk_hashes[i], ledger_mempool_entry_hash(e), 32);
        memcpy(c->blk_from[i], tx->from, 32);
        memcpy(c->blk_to[i], tx->body.transfer.to, 32);
        d->arena_used += len;
    }
    ledger_store_read_end(c->load.read);
    c->load.read = NULL;
    return err == CHR_ERR_STORE ? err : CHR_OK;
}

static chr_err block_seal(node_chain *c, ledger_header *h, uint32_t txs_len,
                          const uint8_t proposer[32]);

/* Fills the header from the applied transactions and the trie, and signs the commit. */
static chr_err draft_seal(node_chain *c, block_draft *d, ledger_commit *commit, uint8_t hash[32])
{
    ledger_header *h = &d->header;
    chr_err err = block_seal(c, h, d->txs_len, c->validator_pub);
    if (err != CHR_OK) {
        return err;
    }
    ledger_header_hash(h, hash);
    memset(commit, 0, sizeof(*commit));
    commit->height = h->height;
    memcpy(commit->block_hash, hash, 32);
    commit->sigs_len = 1;
    memcpy(commit->sigs[0].validator, c->validator_pub, 32);
    uint8_t msg[32];
    uint8_t aux[32];
    ledger_vote_sighash(msg, c->chain_id, LEDGER_VOTE_PRECOMMIT, h->height, 0, hash);
    randombytes_buf(aux, sizeof(aux));
    return ledger_signer_sign(c->signer, commit->sigs[0].sig, msg, c->cfg.validator_sk, aux);
}

/* Writes an encoded block, its commit, the overlay's accounts, the c->blk_* index rows and
 * evidence in one LMDB transaction, growing the map as often as it is full. */
static chr_err write_block(node_chain *c, const ledger_header *h, const uint8_t hash[32],
                           const uint8_t *bytes, size_t len, const ledger_commit *commit,
                           uint32_t txs_len)
{
    uint8_t commit_bytes[LEDGER_COMMIT_BYTES_MAX];
    size_t commit_len;
    chr_err err = ledger_commit_encode(commit, commit_bytes, sizeof(commit_bytes), &commit_len);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_write w = {
        .header = h, .hash = hash, .bytes = bytes, .bytes_len = len,
        .commit = commit_bytes, .commit_len = commit_len, .txs_len = txs_len,
        .tx_hashes = (const uint8_t(*)[32])c->blk_hashes,
        .tx_from = (const uint8_t(*)[32])c->blk_from,
        .tx_to = (const uint8_t(*)[32])c->blk_to, .changes = c->overlay,
        .evidence = c->blk_ev, .evidence_len = c->blk_ev_len,
    };
    do {
        err = ledger_store_commit_block(c->store, &w);
    } while (err == CHR_ERR_MAP_FULL && (err = grow_map(c)) == CHR_OK);
    return err;
}

/* Writes the block this node drafted and sealed alone. */
static chr_err store_block(node_chain *c, const block_draft *d, const ledger_commit *commit,
                           const uint8_t hash[32])
{
    uint8_t *bytes;
    size_t len;
    chr_err err = ledger_block_encode(&bytes, &len, &d->header,
                                      d->header.height > 1 ? &c->last_commit : NULL,
                                      c->blk_txs, c->blk_lens, d->txs_len, c->blk_ev,
                                      c->blk_ev_len);
    if (err != CHR_OK) {
        return err;
    }
    err = write_block(c, &d->header, hash, bytes, len, commit, d->txs_len);
    free(bytes);
    return err;
}

static void evict_failed(void *ctx, const uint8_t hash[32])
{
    node_chain *c = ctx;
    node_failed_put(c->failed, hash, CHR_ERR_NONCE,
                    "an earlier transaction of this account failed");
}

/* After the block is stored: committed transactions leave the mempool, failed ones leave
 * it with their reason. Called with mp_mu held. */
static void settle_mempool(node_chain *c, const block_draft *d)
{
    for (uint32_t i = 0; i < d->txs_len; i++) {
        ledger_mempool_remove(c->mempool, c->blk_hashes[i]);
    }
    for (uint32_t i = 0; i < d->failed_len; i++) {
        const ledger_mempool_entry *e = c->blk_failed[i];
        if (ledger_mempool_find(c->mempool, ledger_mempool_entry_hash(e)) != e) {
            continue; /* already evicted behind an earlier failure of its account */
        }
        uint8_t hash[32];
        uint8_t from[32];
        memcpy(hash, ledger_mempool_entry_hash(e), 32);
        memcpy(from, ledger_mempool_entry_tx(e)->from, 32);
        uint64_t nonce = ledger_mempool_entry_tx(e)->nonce;
        node_failed_put(c->failed, hash, c->blk_failed_err[i], c->blk_failed_detail[i]);
        ledger_mempool_evict_from(c->mempool, from, nonce + 1, evict_failed, c);
        ledger_mempool_evict_from(c->mempool, from, nonce, NULL, NULL);
    }
}

/* Produces, signs and stores the next block. With `empty` 0, does nothing when no
 * transaction applies (failures are still settled). */
static chr_err produce_block(node_chain *c, int empty)
{
    block_draft d;
    memset(&d, 0, sizeof(d));
    ledger_header *h = &d.header;
    pthread_mutex_lock(&c->tip_mu);
    h->height = c->tip.height + 1;
    memcpy(h->prev_hash, c->tip.hash, 32);
    uint64_t prev_time = c->tip.time_ms;
    uint64_t txs_total = c->tip.txs_total;
    pthread_mutex_unlock(&c->tip_mu);
    /* Block times strictly increase, even if the clock steps back. */
    uint64_t now = wall_ms();
    h->time_ms = now > prev_time ? now : prev_time + 1;
    h->chain_id_len = (uint8_t)strlen(c->chain_id);
    memcpy(h->chain_id, c->chain_id, h->chain_id_len);
    c->blk_ev_len = 0; /* one validator alone cannot be caught double signing by peers */
    chr_err err = draft_txs(c, &d);
    if (err != CHR_OK || (d.txs_len == 0 && !empty)) {
        pthread_mutex_lock(&c->mp_mu);
        settle_mempool(c, &d);
        pthread_mutex_unlock(&c->mp_mu);
        return err;
    }
    ledger_commit commit;
    uint8_t hash[32];
    err = draft_seal(c, &d, &commit, hash);
    err = err ? err : store_block(c, &d, &commit, hash);
    if (err != CHR_OK) {
        return err;
    }
    c->last_commit = commit;
    /* The mempool and the tip change together (lock order mp_mu, then tip_mu), so no
     * reader sees a transaction gone from the mempool and not yet in the tip. */
    pthread_mutex_lock(&c->mp_mu);
    settle_mempool(c, &d);
    tip_publish(c, h, hash, txs_total + d.txs_len);
    pthread_mutex_unlock(&c->mp_mu);
    CHR_LOG_D("block %llu: %u txs", (unsigned long long)h->height, d.txs_len);
    return CHR_OK;
}

/* ---- The writer thread. ---- */

/* How long the writer may sleep: until the next block is due, or without end. */
static int next_wakeup(node_chain *c, uint64_t now, uint64_t *deadline)
{
    size_t pending = ledger_mempool_count(c->mempool);
    uint64_t interval = 0;
    if (c->producer && pending > 0) {
        interval = c->cfg.block_interval_ms;
    } else if (c->producer && c->cfg.empty_block_interval_ms > 0) {
        interval = c->cfg.empty_block_interval_ms;
    } else {
        return 0;
    }
    *deadline = c->last_block_mono_ms + interval;
    (void)now;
    return 1;
}

static void wait_for_work(node_chain *c)
{
    uint64_t deadline;
    uint64_t now = mono_ms();
    if (c->q_head != NULL || c->stop || c->engine_wake) {
        c->engine_wake = 0;
        return;
    }
    if (c->has_engine) {
        if (c->engine_next_ms == 0) {
            pthread_cond_wait(&c->q_cv, &c->q_mu);
        } else if (c->engine_next_ms > now) {
            struct timespec ts = deadline_in(c->engine_next_ms - now);
            pthread_cond_timedwait(&c->q_cv, &c->q_mu, &ts);
        }
        c->engine_wake = 0;
        return;
    }
    if (!next_wakeup(c, now, &deadline)) {
        pthread_cond_wait(&c->q_cv, &c->q_mu);
        return;
    }
    if (deadline <= now) {
        return;
    }
    struct timespec ts = deadline_in(deadline - now);
    pthread_cond_timedwait(&c->q_cv, &c->q_mu, &ts);
}

static void fail_writer(node_chain *c, chr_err err)
{
    CHR_LOG_E("writer stopped: %s; the node keeps serving reads", chr_err_str(err));
    pthread_mutex_lock(&c->tip_mu);
    c->tip.healthy = 0;
    if (c->tip_fn != NULL) {
        c->tip_fn(c->tip_arg);
    }
    pthread_mutex_unlock(&c->tip_mu);
}

static void *writer_main(void *arg)
{
    node_chain *c = arg;
    c->last_block_mono_ms = mono_ms();
    int healthy = 1;
    pthread_mutex_lock(&c->q_mu);
    while (!c->stop) {
        wait_for_work(c);
        submission *list = c->q_head;
        c->q_head = c->q_tail = NULL;
        c->q_txs = 0;
        pthread_mutex_unlock(&c->q_mu);
        if (list != NULL) {
            admit_submissions(c, list);
        }
        uint64_t now = mono_ms();
        if (c->has_engine && healthy) {
            c->engine_next_ms = 0;
            if (c->engine.poll(c->engine.ctx, now, &c->engine_next_ms) != CHR_OK) {
                healthy = 0;
                fail_writer(c, CHR_ERR_STORE);
            }
        }
        size_t pending = ledger_mempool_count(c->mempool);
        int due_txs = pending > 0 && now >= c->last_block_mono_ms + c->cfg.block_interval_ms;
        int due_empty = c->cfg.empty_block_interval_ms > 0 &&
                        now >= c->last_block_mono_ms + c->cfg.empty_block_interval_ms;
        if (healthy && c->producer && (due_txs || due_empty)) {
            chr_err err = produce_block(c, due_empty);
            c->last_block_mono_ms = now;
            if (err != CHR_OK) {
                healthy = 0;
                fail_writer(c, err);
            }
        }
        pthread_mutex_lock(&c->q_mu);
        if (!healthy) {
            c->producer = 0;
        }
    }
    /* Submissions that arrived while stopping get a definite answer. */
    submission *left = c->q_head;
    c->q_head = c->q_tail = NULL;
    pthread_mutex_unlock(&c->q_mu);
    for (submission *s = left; s != NULL;) {
        submission *next = s->next;
        for (size_t i = 0; i < s->n; i++) {
            result_set(s->results[i], RPC_TX_REJECTED, CHR_ERR_SHUTDOWN, "node is stopping");
        }
        submission_finish(c, s);
        s = next;
    }
    return NULL;
}

chr_err node_chain_start(node_chain *c)
{
    CHR_ASSERT(!c->writer_started);
    if (pthread_create(&c->writer, NULL, writer_main, c) != 0) {
        return CHR_ERR_NOMEM;
    }
    c->writer_started = 1;
    return CHR_OK;
}

void node_chain_close(node_chain *c)
{
    if (c == NULL) {
        return;
    }
    if (c->writer_started) {
        pthread_mutex_lock(&c->q_mu);
        c->stop = 1;
        pthread_cond_broadcast(&c->q_cv);
        pthread_mutex_unlock(&c->q_mu);
        pthread_join(c->writer, NULL);
    }
    node_verifier_free(c->verifier);
    ledger_store_close(c->store);
    ledger_smt_free(c->smt);
    ledger_overlay_free(c->overlay);
    ledger_mempool_free(c->mempool);
    node_failed_free(c->failed);
    ledger_signer_free(c->signer);
    sodium_memzero(c->cfg.validator_sk, sizeof(c->cfg.validator_sk));
    free(c->arena);
    free(c->blk_txs);
    free(c->blk_lens);
    free(c->blk_hashes);
    free(c->blk_from);
    free(c->blk_to);
    free(c->blk_failed);
    free(c->blk_failed_err);
    free(c->blk_failed_detail);
    free(c);
}

/* ---- Calls from other threads. ---- */

/* Decodes and checks each transaction; returns how many passed. */
static size_t submit_decode(node_chain *c, const uint8_t *const *txs, const size_t *lens,
                            size_t n, ledger_tx *decoded, chr_err *errs, rpc_tx_result *results)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        rpc_tx_result *r = &results[i];
        memset(r, 0, sizeof(*r));
        errs[i] = ledger_tx_decode(&decoded[i], txs[i], lens[i]);
        if (errs[i] != CHR_OK) {
            result_set(r, RPC_TX_REJECTED, errs[i], "tx: not a valid transaction encoding");
            continue;
        }
        chr_sha256_hash(r->hash, txs[i], lens[i]);
        r->has_hash = 1;
        errs[i] = ledger_tx_check(&decoded[i], c->chain_id, &c->params, r->detail,
                                  sizeof(r->detail));
        if (errs[i] != CHR_OK) {
            result_set(r, RPC_TX_REJECTED, errs[i], r->detail);
            continue;
        }
        ok++;
    }
    return ok;
}

/* Hands the verified transactions to the writer, which finishes the submission once it
 * admitted them; a full queue or a stopping node finishes it here, refused. */
static void submit_to_writer(node_chain *c, submission *s)
{
    pthread_mutex_lock(&c->q_mu);
    if (c->stop || c->q_txs + s->n > NODE_QUEUE_TXS_MAX) {
        chr_err err = c->stop ? CHR_ERR_SHUTDOWN : CHR_ERR_QUEUE_FULL;
        pthread_mutex_unlock(&c->q_mu);
        for (size_t i = 0; i < s->n; i++) {
            result_set(s->results[i], RPC_TX_REJECTED, err,
                       c->stop ? "node is stopping" : "node: too many transactions queued, retry");
        }
        submission_finish(c, s);
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
#define NODE_REJ_CASE(name, value, code, desc)                                                 \
    case name:                                                                                \
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

/* One block for a submission of n transactions and its scratch, or NULL. */
static submission *submission_new(size_t n)
{
    size_t txs_off = sizeof(submission);
    size_t results_off = txs_off + (n + 1) * sizeof(ledger_tx);
    size_t errs_off = results_off + (n + 1) * sizeof(rpc_tx_result *);
    uint8_t *block = calloc(1, errs_off + (n + 1) * sizeof(chr_err));
    if (block == NULL) {
        return NULL;
    }
    _Static_assert(sizeof(submission) % _Alignof(ledger_tx) == 0, "txs are aligned");
    _Static_assert(sizeof(ledger_tx) % _Alignof(rpc_tx_result *) == 0, "results are aligned");
    submission *s = (submission *)(void *)block;
    s->txs = (ledger_tx *)(void *)(block + txs_off);
    s->results = (rpc_tx_result **)(void *)(block + results_off);
    s->errs = (chr_err *)(void *)(block + errs_off);
    return s;
}

/* Counts the submission's rejections, tells its caller that the results are final, and
 * frees it. The caller may free the results at once: nothing here touches them after. */
static void submission_finish(node_chain *c, submission *s)
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
    submission *s = submission_new(n);
    if (s == NULL) {
        for (size_t i = 0; i < n; i++) {
            memset(&results[i], 0, sizeof(results[i]));
            result_set(&results[i], RPC_TX_REJECTED, CHR_ERR_NOMEM, "node: out of memory");
        }
        count_rejections(c, results, n);
        done(arg);
        return;
    }
    s->all = results;
    s->all_n = n;
    s->done = done;
    s->done_arg = arg;
    submit_decode(c, txs, lens, n, s->txs, s->errs, results);
    node_verifier_run(c->verifier, s->txs, s->errs, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->errs[i] == CHR_OK) {
            s->txs[m] = s->txs[i];
            s->results[m++] = &results[i];
        } else if (results[i].state != RPC_TX_REJECTED) {
            result_set(&results[i], RPC_TX_REJECTED, s->errs[i],
                       s->errs[i] == CHR_ERR_PUBKEY
                           ? "to: not a valid public key, funds sent to it would be lost"
                           : "signature: does not verify for the sender's key");
        }
    }
    s->n = m;
    if (m == 0) {
        submission_finish(c, s);
        return;
    }
    submit_to_writer(c, s);
}

size_t node_chain_rejections(node_chain *c, rpc_count *out, size_t cap)
{
    /* The reasons admission gives (docs/API.md, POST /api/v1/txs), listed even at zero so
     * that a dashboard's rate() of each starts from the node's start. */
    static const chr_err admission[] = {
        CHR_ERR_TRUNCATED, CHR_ERR_TRAILING, CHR_ERR_VERSION, CHR_ERR_TX_TYPE,
        CHR_ERR_CHAIN_ID, CHR_ERR_SIGNATURE, CHR_ERR_PUBKEY, CHR_ERR_NONCE,
        CHR_ERR_NONCE_PENDING, CHR_ERR_BALANCE, CHR_ERR_FEE, CHR_ERR_EXPIRED,
        CHR_ERR_TX_SIZE, CHR_ERR_MEMO, CHR_ERR_AMOUNT, CHR_ERR_SELF_TRANSFER,
        CHR_ERR_MEMPOOL_FULL, CHR_ERR_QUEUE_FULL, CHR_ERR_SHUTDOWN, CHR_ERR_STORE,
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
    if (!known_status(c, r, hash, out)) {
        /* Unknown for sure only when the committed transactions could be looked at. */
        ledger_store_txinfo info;
        chr_err err = r != NULL ? ledger_store_tx(r, hash, &info) : CHR_ERR_STORE;
        result_set(out, RPC_TX_UNKNOWN, err == CHR_ERR_NOT_FOUND ? CHR_OK : CHR_ERR_STORE, NULL);
    }
    ledger_store_read_end(r);
}

void node_chain_watch_tip(node_chain *c, rpc_tip_changed *fn, void *arg)
{
    /* Under tip_mu, which the writer holds while it calls: once this returns, the old
     * watcher is neither being called nor will be. */
    pthread_mutex_lock(&c->tip_mu);
    CHR_ASSERT(fn == NULL || c->tip_fn == NULL);
    c->tip_fn = fn;
    c->tip_arg = arg;
    pthread_mutex_unlock(&c->tip_mu);
}

void node_chain_tip(node_chain *c, rpc_tip *out)
{
    pthread_mutex_lock(&c->mp_mu);
    pthread_mutex_lock(&c->tip_mu);
    *out = c->tip;
    pthread_mutex_unlock(&c->tip_mu);
    out->mempool_txs = ledger_mempool_count(c->mempool);
    out->mempool_bytes = ledger_mempool_bytes(c->mempool);
    pthread_mutex_unlock(&c->mp_mu);
}

chr_err node_chain_account(node_chain *c, const uint8_t addr[32], ledger_account *out,
                           uint64_t *pending_nonce)
{
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        *pending_nonce = 0;
        return err;
    }
    err = ledger_store_account(r, addr, out, NULL);
    ledger_store_read_end(r);
    pthread_mutex_lock(&c->mp_mu);
    *pending_nonce = ledger_mempool_next_nonce(c->mempool, addr, out->nonce);
    pthread_mutex_unlock(&c->mp_mu);
    return err;
}

/* ---- Blocks for the consensus engine (node/consensus.c); writer thread only. ---- */

void node_chain_set_engine(node_chain *c, const node_engine *e)
{
    CHR_ASSERT(!c->writer_started);
    c->engine = *e;
    c->has_engine = 1;
    c->engine_next_ms = 1; /* the first poll starts the engine at once */
    c->producer = 0;       /* blocks now come from consensus, also with one validator */
}

void node_chain_set_syncing(node_chain *c, int syncing)
{
    pthread_mutex_lock(&c->tip_mu);
    if (c->tip.syncing != syncing) {
        c->tip.syncing = syncing;
        CHR_LOG_I("%s", syncing ? "syncing: a peer is ahead; fetching its blocks"
                                : "synced with the peers");
        if (c->tip_fn != NULL) {
            c->tip_fn(c->tip_arg);
        }
    }
    pthread_mutex_unlock(&c->tip_mu);
}

void node_chain_wake(node_chain *c)
{
    pthread_mutex_lock(&c->q_mu);
    c->engine_wake = 1;
    pthread_cond_signal(&c->q_cv);
    pthread_mutex_unlock(&c->q_mu);
}

void node_chain_last(node_chain *c, uint64_t *height, uint8_t hash[32], uint64_t *time_ms)
{
    pthread_mutex_lock(&c->tip_mu);
    *height = c->tip.height;
    memcpy(hash, c->tip.hash, 32);
    *time_ms = c->tip.time_ms;
    pthread_mutex_unlock(&c->tip_mu);
}

const char *node_chain_id(const node_chain *c)
{
    return c->chain_id;
}

const uint8_t *node_chain_genesis_hash(const node_chain *c)
{
    return c->genesis_hash;
}

/* Fills the header fields that follow from the applied transactions (in the overlay and
 * c->blk_*), the evidence (c->blk_ev), the trie, the validator set and the tip's commit.
 * Changes the trie: callers that only try a block hold a checkpoint. */
static chr_err block_seal(node_chain *c, ledger_header *h, uint32_t txs_len,
                          const uint8_t proposer[32])
{
    for (size_t i = 0; i < ledger_overlay_len(c->overlay); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(c->overlay, i, &addr, &a);
        chr_err err = smt_add(c->smt, addr, &a);
        if (err != CHR_OK) {
            return err;
        }
    }
    ledger_smt_root(c->smt, h->state_root);
    h->tx_count = txs_len;
    ledger_valset_hash(&c->validators, h->validators_hash);
    memcpy(h->proposer, proposer, 32);
    if (h->height > 1) {
        ledger_commit_hash(&c->last_commit, h->last_commit_hash);
    }
    chr_err err = ledger_evidence_root(h->evidence_root, c->blk_ev, c->blk_ev_len);
    return err ? err : ledger_tx_root(h->tx_root, c->blk_txs, c->blk_lens, txs_len);
}

/* ---- The prepared block. ---- */

static void prepared_drop(node_chain *c)
{
    if (c->prepared) {
        ledger_smt_rollback(c->smt);
        c->prepared = 0;
    }
}

/* Keeps the block just applied under the open checkpoint as the prepared one. */
static void prepared_keep(node_chain *c, const ledger_header *h)
{
    c->prepared = 1;
    ledger_header_hash(h, c->prepared_hash);
}

/* ---- Evidence (writer thread). ---- */

/* Index of the pool entry with key, or the index where it would go (*found 0). */
static size_t ev_pool_find(const node_chain *c, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES],
                           int *found)
{
    size_t lo = 0, hi = c->ev_pool_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint8_t k[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(&c->ev_pool[mid], k);
        int cmp = memcmp(k, key, sizeof(k));
        if (cmp == 0) {
            *found = 1;
            return mid;
        }
        if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = 0;
    return lo;
}

static void ev_pool_remove_at(node_chain *c, size_t at)
{
    memmove(&c->ev_pool[at], &c->ev_pool[at + 1],
            (c->ev_pool_len - at - 1) * sizeof(c->ev_pool[0]));
    c->ev_pool_len--;
}

static int ev_same(const ledger_evidence *a, const ledger_evidence *b)
{
    uint8_t ea[LEDGER_EVIDENCE_BYTES], eb[LEDGER_EVIDENCE_BYTES];
    ledger_evidence_encode(a, ea);
    ledger_evidence_encode(b, eb);
    return memcmp(ea, eb, sizeof(ea)) == 0;
}

/* Whether the offence of key was committed: 1 yes, 0 no, -1 the store failed. */
static int ev_committed(ledger_store_read *r, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES])
{
    ledger_store_evidence_row row;
    chr_err err = ledger_store_evidence(r, key, &row);
    return err == CHR_OK ? 1 : err == CHR_ERR_NOT_FOUND ? 0 : -1;
}

chr_err node_chain_add_evidence(node_chain *c, const ledger_evidence *ev, int verified,
                                char *why, size_t why_cap)
{
    uint64_t tip;
    uint8_t tip_hash[32];
    uint64_t tip_time;
    node_chain_last(c, &tip, tip_hash, &tip_time);
    uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
    ledger_evidence_key(ev, key);
    int found;
    size_t at = ev_pool_find(c, key, &found);
    if (found) {
        return CHR_ERR_DUPLICATE;
    }
    /* Evidence of the height being decided (tip + 1) can go in the block after it. The
     * cheap checks first, then whether it is known, and the signatures last: a peer that
     * resends committed evidence costs a lookup, not two verifications. */
    chr_err err = ledger_evidence_check(ev, c->chain_id, &c->validators, tip + 2, 0, why, why_cap);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_read *r;
    err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    int committed = ev_committed(r, key);
    ledger_store_read_end(r);
    if (committed != 0) {
        return committed > 0 ? CHR_ERR_DUPLICATE : CHR_ERR_STORE;
    }
    if (!verified) {
        err = ledger_evidence_check(ev, c->chain_id, &c->validators, tip + 2, 1, why, why_cap);
        if (err != CHR_OK) {
            return err;
        }
    }
    if (c->ev_pool_len == NODE_EVIDENCE_POOL_MAX) {
        /* Full: the oldest offence gives way to a newer one. */
        size_t oldest = 0;
        for (size_t i = 1; i < c->ev_pool_len; i++) {
            if (c->ev_pool[i].height < c->ev_pool[oldest].height) {
                oldest = i;
            }
        }
        if (c->ev_pool[oldest].height >= ev->height) {
            snprintf(why, why_cap, "the evidence pool is full of newer evidence");
            return CHR_ERR_FULL;
        }
        ev_pool_remove_at(c, oldest);
        at = ev_pool_find(c, key, &found);
    }
    memmove(&c->ev_pool[at + 1], &c->ev_pool[at], (c->ev_pool_len - at) * sizeof(c->ev_pool[0]));
    c->ev_pool[at] = *ev;
    c->ev_pool_len++;
    CHR_LOG_W("evidence: validator %02x%02x%02x%02x... signed two %s at height %llu round %u; "
              "it goes in the next block",
              ev->validator[0], ev->validator[1], ev->validator[2], ev->validator[3],
              ev->type == LEDGER_VOTE_PREVOTE ? "prevotes" : "precommits",
              (unsigned long long)ev->height, ev->round);
    return CHR_OK;
}

/* Fills c->blk_ev for a block at height from the pool, in key order: what is still young
 * enough and not committed; what no block can take any more leaves the pool. */
static chr_err ev_select(node_chain *c, uint64_t height)
{
    c->blk_ev_len = 0;
    if (c->ev_pool_len == 0) {
        return CHR_OK;
    }
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    for (size_t i = 0; i < c->ev_pool_len && c->blk_ev_len < LEDGER_BLOCK_EVIDENCE_MAX;) {
        const ledger_evidence *ev = &c->ev_pool[i];
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(ev, key);
        int committed = ev_committed(r, key);
        if (committed < 0) {
            err = CHR_ERR_STORE;
            break;
        }
        if (committed || height - ev->height > LEDGER_EVIDENCE_AGE_MAX) {
            ev_pool_remove_at(c, i);
            continue;
        }
        if (ev->height < height) {
            c->blk_ev[c->blk_ev_len++] = *ev;
        }
        i++;
    }
    ledger_store_read_end(r);
    return err;
}

/* Checks a block's evidence: each may go in a block at its height and was not committed
 * before (the block's decoding already refused repeats). Signatures are verified with
 * `verify`, except for evidence this node holds in its pool byte for byte (checked when it
 * entered). Copies it to c->blk_ev. CHR_ERR_BLOCK_INVALID with why set. */
static chr_err block_check_evidence(node_chain *c, const ledger_block *b, int verify, char *why,
                                    size_t cap)
{
    c->blk_ev_len = 0;
    if (b->evidence_len == 0) {
        return CHR_OK; /* the usual block: no read transaction needed */
    }
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    char detail[160] = "";
    for (uint16_t i = 0; i < b->evidence_len && err == CHR_OK; i++) {
        const ledger_evidence *ev = &b->evidence[i];
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(ev, key);
        int found;
        size_t at = ev_pool_find(c, key, &found);
        int pooled = found && ev_same(&c->ev_pool[at], ev);
        err = ledger_evidence_check(ev, c->chain_id, &c->validators, b->header.height,
                                    verify && !pooled, detail, sizeof(detail));
        int committed = err == CHR_OK ? ev_committed(r, key) : 0;
        if (committed < 0) {
            err = CHR_ERR_STORE;
        } else if (committed > 0) {
            snprintf(detail, sizeof(detail), "evidence at height %llu was committed before",
                     (unsigned long long)ev->height);
            err = CHR_ERR_EVIDENCE;
        }
        if (err == CHR_ERR_EVIDENCE) {
            snprintf(why, cap, "block %llu: evidence %u: %s",
                     (unsigned long long)b->header.height, i, detail);
            err = CHR_ERR_BLOCK_INVALID;
        }
        c->blk_ev[i] = *ev;
    }
    ledger_store_read_end(r);
    c->blk_ev_len = err == CHR_OK ? b->evidence_len : 0;
    return err;
}

/* After a block is stored: its evidence leaves the pool. */
static void ev_settle(node_chain *c)
{
    for (uint16_t i = 0; i < c->blk_ev_len; i++) {
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(&c->blk_ev[i], key);
        int found;
        size_t at = ev_pool_find(c, key, &found);
        if (found) {
            ev_pool_remove_at(c, at);
        }
    }
}

/* ---- Blocks under consensus (writer thread). ---- */

chr_err node_chain_propose(node_chain *c, uint64_t now_ms, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    prepared_drop(c);
    block_draft d;
    memset(&d, 0, sizeof(d));
    ledger_header *h = &d.header;
    uint64_t prev_time;
    node_chain_last(c, &h->height, h->prev_hash, &prev_time);
    h->height++;
    /* Block times strictly increase, whatever this node's clock says. */
    h->time_ms = now_ms > prev_time ? now_ms : prev_time + 1;
    h->chain_id_len = (uint8_t)strlen(c->chain_id);
    memcpy(h->chain_id, c->chain_id, h->chain_id_len);
    chr_err err = ev_select(c, h->height);
    err = err ? err : ledger_smt_checkpoint(c->smt);
    if (err != CHR_OK) {
        return err;
    }
    err = draft_txs(c, &d);
    err = err ? err : block_seal(c, h, d.txs_len, c->validator_pub);
    err = err ? err
              : ledger_block_encode(out, out_len, h, h->height > 1 ? &c->last_commit : NULL,
                                    c->blk_txs, c->blk_lens, d.txs_len, c->blk_ev,
                                    c->blk_ev_len);
    if (err == CHR_OK) {
        /* Applied and sealed: if this block is decided, committing it applies nothing. */
        prepared_keep(c, h);
    } else {
        ledger_smt_rollback(c->smt);
    }
    /* What failed while drafting leaves the mempool now; what applied stays until a
     * block with it is decided. */
    block_draft failed_only = d;
    failed_only.txs_len = 0;
    pthread_mutex_lock(&c->mp_mu);
    settle_mempool(c, &failed_only);
    pthread_mutex_unlock(&c->mp_mu);
    return err;
}

/* The structure and header of a block proposed on the tip: CHR_ERR_BLOCK_INVALID with
 * why set when it does not follow. */
static chr_err block_check_header(node_chain *c, const ledger_block *b, int verify_last_commit,
                                  char *why, size_t cap)
{
    const ledger_header *h = &b->header;
    uint64_t tip_height, tip_time;
    uint8_t tip_hash[32], vals_hash[32];
    node_chain_last(c, &tip_height, tip_hash, &tip_time);
    ledger_valset_hash(&c->validators, vals_hash);
    const char *bad = NULL;
    if (h->chain_id_len != strlen(c->chain_id) || memcmp(h->chain_id, c->chain_id, h->chain_id_len) != 0) {
        bad = "another chain id";
    } else if (h->height != tip_height + 1 || memcmp(h->prev_hash, tip_hash, 32) != 0) {
        bad = "does not follow the tip";
    } else if (h->time_ms <= tip_time) {
        bad = "time not after the previous block's";
    } else if (memcmp(h->validators_hash, vals_hash, 32) != 0) {
        bad = "another validator set";
    } else if (ledger_valset_find(&c->validators, h->proposer) < 0) {
        bad = "proposer is not a validator";
    } else if (b->txs_len > c->params.block_txs_max) {
        bad = "more transactions than block_txs_max";
    } else if (h->height > 1 ? !b->has_last_commit : b->has_last_commit) {
        bad = "last commit missing or extra";
    }
    if (bad == NULL && h->height > 1 && verify_last_commit &&
        ledger_commit_verify(&b->last_commit, c->chain_id, &c->validators, tip_height, tip_hash,
                             why, cap) != CHR_OK) {
        return CHR_ERR_BLOCK_INVALID;
    }
    if (bad != NULL) {
        snprintf(why, cap, "block %llu: %s", (unsigned long long)h->height, bad);
        return CHR_ERR_BLOCK_INVALID;
    }
    return CHR_OK;
}

/* Decodes, checks and applies the block's transactions into the overlay (and c->blk_*),
 * verifying the signatures of those this node has not verified already (its mempool's). */
static chr_err block_apply_txs(node_chain *c, const ledger_block *b, int verify, char *why,
                               size_t cap)
{
    ledger_overlay_reset(c->overlay);
    chr_err err = ledger_store_read_begin(c->store, &c->load.read);
    if (err != CHR_OK) {
        return err;
    }
    size_t bytes = 0;
    for (uint32_t i = 0; i < b->txs_len && err == CHR_OK; i++) {
        ledger_tx tx;
        char detail[NODE_DETAIL_MAX] = "";
        bytes += b->tx_lens[i];
        err = bytes > c->params.block_bytes_max ? CHR_ERR_TX_SIZE
                                                : ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]);
        if (err == CHR_OK) {
            ledger_tx_hash(&tx, c->blk_hashes[i]);
            pthread_mutex_lock(&c->mp_mu);
            int known = ledger_mempool_find(c->mempool, c->blk_hashes[i]) != NULL;
            pthread_mutex_unlock(&c->mp_mu);
            if (verify && !known) {
                err = ledger_tx_check(&tx, c->chain_id, &c->params, detail, sizeof(detail));
                err = err ? err : ledger_tx_verify(&tx);
            }
        }
        err = err ? err
                  : ledger_tx_apply(c->overlay, &tx, b->header.height, b->header.proposer, detail,
                                    sizeof(detail));
        if (err != CHR_OK) {
            snprintf(why, cap, "block %llu: transaction %u: %s%s%s",
                     (unsigned long long)b->header.height, i, chr_err_str(err),
                     detail[0] ? ": " : "", detail);
            break;
        }
        c->blk_txs[i] = b->txs[i];
        c->blk_lens[i] = b->tx_lens[i];
        memcpy(c->blk_from[i], tx.from, 32);
        memcpy(c->blk_to[i], tx.body.transfer.to, 32);
    }
    ledger_store_read_end(c->load.read);
    c->load.read = NULL;
    return err == CHR_OK || err == CHR_ERR_STORE || err == CHR_ERR_NOMEM ? err
                                                                         : CHR_ERR_BLOCK_INVALID;
}

/* Applies a block that passed block_check_header to the trie and overlay (the trie under
 * a checkpoint the caller opened) and checks its state root. */
static chr_err block_apply(node_chain *c, const ledger_block *b, int verify, char *why,
                           size_t cap)
{
    chr_err err = block_check_evidence(c, b, verify, why, cap);
    err = err ? err : block_apply_txs(c, b, verify, why, cap);
    ledger_header h = b->header;
    err = err ? err : block_seal(c, &h, b->txs_len, b->header.proposer);
    if (err == CHR_OK && memcmp(h.state_root, b->header.state_root, 32) != 0) {
        snprintf(why, cap, "block %llu: state root does not match its transactions",
                 (unsigned long long)h.height);
        err = verify ? CHR_ERR_BLOCK_INVALID : CHR_ERR_STATE_ROOT;
    }
    return err;
}

chr_err node_chain_check_block(node_chain *c, const uint8_t *bytes, size_t len, char *why,
                               size_t why_cap)
{
    ledger_block b;
    chr_err err = ledger_block_decode(&b, bytes, len);
    if (err != CHR_OK) {
        snprintf(why, why_cap, "does not decode: %s", chr_err_str(err));
        return CHR_ERR_BLOCK_INVALID;
    }
    uint8_t hash[32];
    ledger_header_hash(&b.header, hash);
    if (c->prepared && memcmp(hash, c->prepared_hash, 32) == 0) {
        ledger_block_free(&b); /* this node built or checked exactly this block already */
        return CHR_OK;
    }
    err = block_check_header(c, &b, 1, why, why_cap);
    if (err == CHR_OK) {
        prepared_drop(c);
        err = ledger_smt_checkpoint(c->smt);
    }
    if (err == CHR_OK) {
        err = block_apply(c, &b, 1, why, why_cap);
        if (err == CHR_OK) {
            prepared_keep(c, &b.header); /* likely the next block: keep it applied */
        } else {
            ledger_smt_rollback(c->smt);
        }
    }
    ledger_block_free(&b);
    return err;
}

static void evict_superseded(void *ctx, const uint8_t hash[32])
{
    node_chain *c = ctx;
    node_failed_put(c->failed, hash, CHR_ERR_NONCE,
                    "another transaction of this account took its nonce");
}

/* After a decided block is stored: its transactions leave the mempool; a pending one
 * whose nonce a different committed transaction took can never apply, nor can the later
 * ones of its account. Called with mp_mu held. */
static void settle_decided(node_chain *c, const ledger_block *b)
{
    for (uint32_t i = 0; i < b->txs_len; i++) {
        if (ledger_mempool_find(c->mempool, c->blk_hashes[i]) != NULL) {
            ledger_mempool_remove(c->mempool, c->blk_hashes[i]);
            continue;
        }
        ledger_tx tx;
        if (ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]) == CHR_OK) {
            ledger_mempool_evict_from(c->mempool, tx.from, tx.nonce, evict_superseded, c);
        }
    }
}

chr_err node_chain_commit_block(node_chain *c, const uint8_t *bytes, size_t len,
                                const ledger_commit *commit, char *why, size_t why_cap)
{
    ledger_block b;
    chr_err err = ledger_block_decode(&b, bytes, len);
    if (err != CHR_OK) {
        snprintf(why, why_cap, "decided block does not decode: %s", chr_err_str(err));
        prepared_drop(c);
        return CHR_ERR_BLOCK_INVALID;
    }
    uint8_t hash[32];
    ledger_header_hash(&b.header, hash);
    /* A decided block was checked by more than 2/3 of the power; checking its header again
     * costs little and catches a broken assumption before it reaches the store. Its last
     * commit's signatures are not verified again: the validators that precommitted the
     * block each checked them (node_chain_check_block), as this node did when the block
     * was decided in its own rounds; a syncing node (COMMITTED) would otherwise pay a
     * verification per validator per block on top of the block's own commit. */
    err = block_check_header(c, &b, 0, why, why_cap);
    int prepared = err == CHR_OK && c->prepared && memcmp(hash, c->prepared_hash, 32) == 0;
    if (err == CHR_OK && !prepared) {
        /* Not the block this node applied last (a block fetched while syncing, or one it
         * proposed or checked in an earlier round): apply it now, in place. */
        prepared_drop(c);
        err = block_apply(c, &b, 0, why, why_cap);
    }
    err = err ? err : write_block(c, &b.header, hash, bytes, len, commit, b.txs_len);
    if (c->prepared) {
        /* Written: the trie's changes are the state now. Failed: a fatal error follows. */
        if (err == CHR_OK) {
            ledger_smt_release(c->smt);
        } else {
            ledger_smt_rollback(c->smt);
        }
        c->prepared = 0;
    }
    if (err == CHR_OK) {
        c->last_commit = *commit;
        ev_settle(c);
        pthread_mutex_lock(&c->mp_mu);
        settle_decided(c, &b);
        tip_publish(c, &b.header, hash, c->tip.txs_total + b.txs_len);
        pthread_mutex_unlock(&c->mp_mu);
    } else if (why[0] == '\0') {
        snprintf(why, why_cap, "%s", chr_err_str(err));
    }
    ledger_block_free(&b);
    return err;
}
