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
#include "ledger/staking.h"
#include "node/internal/chain.h"

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

ledger_store *node_chain_store(node_chain *c)
{
    return c->store;
}

const ledger_params *node_chain_params(const node_chain *c)
{
    return &c->genesis_params;
}

const ledger_valset *node_chain_validators(const node_chain *c)
{
    return ledger_chain_validators(c->chain);
}

chr_err node_chain_commit_extend(node_chain *c, uint64_t height, uint32_t round,
                                 const uint8_t block_hash[32], const uint8_t validator[32],
                                 const uint8_t sig[64])
{
    return ledger_chain_commit_extend(c->chain, height, round, block_hash, validator, sig);
}

void node_chain_tip_publish(node_chain *c, const ledger_header *h, const uint8_t hash[32],
                            uint64_t txs_total)
{
    pthread_mutex_lock(&c->tip_mu);
    c->tip.height = h->height;
    memcpy(c->tip.hash, hash, 32);
    c->tip.time_ms = h->time_ms;
    memcpy(c->tip.state_root, h->state_root, 32);
    c->tip.txs_total = txs_total;
    c->tip.params = *ledger_chain_params(c->chain);
    c->tip.changed_ms = mono_ms();
    if (c->tip_fn != NULL) {
        c->tip_fn(c->tip_arg);
    }
    pthread_mutex_unlock(&c->tip_mu);
}

/* Doubles the LMDB map after a write found it full (STYLE.md: MDB_MAP_FULL goes up to the
 * node, which grows the map); the write is then retried whole. */
chr_err node_chain_grow_map(node_chain *c)
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
        if (strcmp(meta.chain_id, g->chain_id) != 0 ||
            memcmp(meta.genesis_hash, c->genesis_hash, 32) != 0) {
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
    }
    /* The genesis stakes: their objects, and the accounts less their self-bonds. */
    ledger_objects *objs = NULL;
    err = genesis_stakes_state(g, &objs, balances, NULL, errmsg, cap);
    while (err == CHR_OK) {
        err =
            ledger_store_init_genesis(c->store, g->chain_id, c->genesis_hash,
                                      (const uint8_t(*)[32])addrs, balances, g->accounts_len, objs);
        if (err != CHR_ERR_MAP_FULL || (err = node_chain_grow_map(c)) != CHR_OK) {
            break;
        }
    }
    ledger_objects_free(objs);
    free(addrs);
    free(balances);
    if (err == CHR_OK) {
        CHR_LOG_I("created chain %s from genesis (%zu accounts)", g->chain_id, g->accounts_len);
    }
    return err;
}

static chr_err open_keys(node_chain *c, const genesis *g, char *errmsg, size_t cap)
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
    if (ledger_valset_find(&g->validators, c->validator_pub) < 0) {
        CHR_LOG_W("the validator key is not in the validator set: not producing blocks");
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
    pthread_mutex_init(&c->mp_mu, NULL);
    pthread_mutex_init(&c->q_mu, NULL);
    cond_init_monotonic(&c->q_cv);
    pthread_mutex_init(&c->tip_mu, NULL);
    snprintf(c->tip.chain_id, sizeof(c->tip.chain_id), "%s", g->chain_id);
    c->genesis_validators = g->validators;
    c->genesis_params = g->params;
    c->tip.healthy = 1;
    c->tip.changed_ms = mono_ms();
    chr_err err = genesis_hash(g, c->genesis_hash);
    memcpy(c->tip.genesis_hash, c->genesis_hash, 32);
    err = err ? err : ledger_store_open(&c->store, cfg->data_dir, cfg->map_size);
    err = err ? err : ledger_store_set_versions_kept(c->store, cfg->state_versions_kept);
    err = err ? err : ledger_mempool_new(&c->mempool, cfg->mempool_txs_max, cfg->mempool_bytes_max);
    err = err ? err : node_failed_new(&c->failed);
    err = err ? err : open_keys(c, g, errmsg, errmsg_cap);
    err = err ? err : open_genesis(c, g, errmsg, errmsg_cap);
    err = err ? err : node_blocks_open(c, g, errmsg, errmsg_cap);
    err = err ? err : ledger_store_indexer_start(c->store);
    err = err ? err : node_verifier_new(&c->verifier, cfg->verifier_threads, cfg->verifier_nice);
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

/* ---- The writer thread. ---- */

int node_chain_wait(node_chain *c, uint64_t deadline_ms)
{
    pthread_mutex_lock(&c->q_mu);
    uint64_t now = mono_ms();
    if (c->q_head == NULL && !c->stop && !c->wake) {
        if (deadline_ms == 0) {
            pthread_cond_wait(&c->q_cv, &c->q_mu);
        } else if (deadline_ms > now) {
            struct timespec ts = deadline_in(deadline_ms - now);
            pthread_cond_timedwait(&c->q_cv, &c->q_mu, &ts);
        }
    }
    c->wake = 0;
    int go = !c->stop;
    pthread_mutex_unlock(&c->q_mu);
    return go;
}

void node_chain_admit(node_chain *c, node_chain_admitted_fn *fn, void *ctx)
{
    pthread_mutex_lock(&c->q_mu);
    node_submission *list = c->q_head;
    c->q_head = c->q_tail = NULL;
    c->q_txs = 0;
    pthread_mutex_unlock(&c->q_mu);
    if (list != NULL) {
        node_admit_submissions(c, list, fn, ctx);
    }
}

void node_chain_fail(node_chain *c, chr_err err)
{
    CHR_LOG_E("writer stopped: %s; the node keeps serving reads", chr_err_str(err));
    pthread_mutex_lock(&c->tip_mu);
    c->tip.healthy = 0;
    if (c->tip_fn != NULL) {
        c->tip_fn(c->tip_arg);
    }
    pthread_mutex_unlock(&c->tip_mu);
}

void node_chain_stop(node_chain *c)
{
    pthread_mutex_lock(&c->q_mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->q_cv);
    pthread_mutex_unlock(&c->q_mu);
}

void node_chain_refuse_queued(node_chain *c)
{
    /* Submissions that arrived while stopping get a definite answer; later ones find
     * c->stop set and are refused by node_chain_submit itself. */
    pthread_mutex_lock(&c->q_mu);
    CHR_ASSERT(c->stop);
    node_submission *left = c->q_head;
    c->q_head = c->q_tail = NULL;
    c->q_txs = 0;
    pthread_mutex_unlock(&c->q_mu);
    for (node_submission *s = left; s != NULL;) {
        node_submission *next = s->next;
        for (size_t i = 0; i < s->n; i++) {
            node_result_set(s->results[i], RPC_TX_REJECTED, CHR_ERR_SHUTDOWN, "node is stopping");
        }
        node_submission_finish(c, s);
        s = next;
    }
}

void node_chain_close(node_chain *c)
{
    if (c == NULL) {
        return;
    }
    /* The writer (node/writer.c) has stopped, or never started: nothing is queued. */
    CHR_ASSERT(c->q_head == NULL);
    node_verifier_free(c->verifier);
    ledger_store_close(c->store);
    ledger_chain_free(c->chain);
    ledger_mempool_free(c->mempool);
    node_failed_free(c->failed);
    ledger_signer_free(c->signer);
    sodium_memzero(c->cfg.validator_sk, sizeof(c->cfg.validator_sk));
    free(c);
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

int node_chain_sole_validator(const node_chain *c)
{
    const ledger_valset *vals = ledger_chain_validators(c->chain);
    return c->cfg.has_validator_key && vals->len == 1 &&
           memcmp(vals->v[0].pubkey, c->validator_pub, 32) == 0;
}

size_t node_chain_pending(const node_chain *c)
{
    return ledger_mempool_count(c->mempool);
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
    c->wake = 1;
    pthread_cond_signal(&c->q_cv);
    pthread_mutex_unlock(&c->q_mu);
}

static chr_err store_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                          size_t prefix_len, const uint8_t *after, size_t after_len,
                          ledger_object *out)
{
    return ledger_store_object_next(ctx, kind, prefix, prefix_len, after, after_len, out);
}

chr_err node_chain_validators_at(node_chain *c, uint64_t height, ledger_valset *out,
                                 uint64_t *at_height)
{
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    /* The snapshot's own tip: the sets it holds are decided up to tip + 2. */
    ledger_store_meta meta;
    err = ledger_store_meta_get(r, &meta);
    uint64_t tip = err == CHR_OK ? meta.height : 0;
    uint64_t h = height == 0 ? tip + 1 : height;
    if (err == CHR_OK && h > tip + 2) {
        err = CHR_ERR_NOT_FOUND;
    }
    uint64_t from;
    /* As the ledger does (ledger/chain.c): a chain follows the stake when its genesis
     * bonded its validators, that is when a set signs height 1. */
    err = err ? err : ledger_staking_set_at(store_scan, r, 1, out, &from, NULL);
    err = err ? err : ledger_staking_set_at(store_scan, r, h, out, &from, NULL);
    if (err == CHR_ERR_NOT_FOUND && h <= tip + 2) {
        *out = c->genesis_validators;
        err = CHR_OK;
    }
    ledger_store_read_end(r);
    *at_height = h;
    return err;
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
    return ledger_chain_id(c->chain);
}

const uint8_t *node_chain_genesis_hash(const node_chain *c)
{
    return c->genesis_hash;
}
