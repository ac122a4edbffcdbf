/* The writer's blocks and evidence: the ledger's block state machine (ledger/chain.h) fed
 * with the store's committed state, and what it decides written to the store, the mempool
 * and the tip. Writer thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "common/log.h"
#include "node/internal/chain.h"

/* ---- The ledger's view of committed state: the writer's read transaction. ---- */

static chr_err view_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    node_chain *c = ctx;
    CHR_ASSERT(c->view_read != NULL);
    chr_err err = ledger_store_account(c->view_read, addr, out, NULL);
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err; /* damaged: the writer stops */
}

static chr_err view_evidence_committed(void *ctx, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES],
                                       int *committed)
{
    node_chain *c = ctx;
    CHR_ASSERT(c->view_read != NULL);
    ledger_store_evidence_row row;
    chr_err err = ledger_store_evidence(c->view_read, key, &row);
    *committed = err == CHR_OK;
    return err == CHR_OK || err == CHR_ERR_NOT_FOUND ? CHR_OK : CHR_ERR_STORE;
}

static chr_err view_trie_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                              uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                              uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    node_chain *c = ctx;
    CHR_ASSERT(c->view_read != NULL);
    return ledger_store_trie_seek(c->view_read, from, id_out, val, val_len);
}

static chr_err view_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                           size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                           size_t *value_len, int *found)
{
    node_chain *c = ctx;
    CHR_ASSERT(c->view_read != NULL);
    ledger_object o;
    chr_err err = ledger_store_object(c->view_read, kind, natural, natural_len, &o, found);
    memcpy(value, o.value, o.value_len);
    *value_len = o.value_len;
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err; /* damaged: the writer stops */
}

static chr_err view_object_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                                size_t prefix_len, const uint8_t *after, size_t after_len,
                                ledger_object *out)
{
    node_chain *c = ctx;
    CHR_ASSERT(c->view_read != NULL);
    chr_err err =
        ledger_store_object_next(c->view_read, kind, prefix, prefix_len, after, after_len, out);
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err;
}

/* One committed snapshot for the duration of one ledger call. */
static chr_err view_begin(node_chain *c)
{
    CHR_ASSERT(c->view_read == NULL);
    return ledger_store_read_begin(c->store, &c->view_read);
}

static void view_end(node_chain *c)
{
    ledger_store_read_end(c->view_read);
    c->view_read = NULL;
}

/* Whether the mempool holds the transaction: its signature was verified on admission. */
static int known_verified(void *ctx, const uint8_t hash[32])
{
    node_chain *c = ctx;
    pthread_mutex_lock(&c->mp_mu);
    int known = ledger_mempool_find(c->mempool, hash) != NULL;
    pthread_mutex_unlock(&c->mp_mu);
    return known;
}

/* ---- Opening. ---- */

/* The tip block and its commit, read back from the store: the whole block must decode (its
 * body matches its header) and the commit must carry a quorum of the validators' precommits
 * for that header's hash, so that a damaged store stops the start instead of the next
 * block carrying a bad last commit. Then the ledger's tip is set, which checks the state
 * root. */
static chr_err open_tip_block(node_chain *c, ledger_store_read *r, uint64_t height,
                              ledger_header *h, uint8_t hash[32], char *errmsg, size_t cap)
{
    const uint8_t *bytes;
    size_t len;
    ledger_block b;
    ledger_commit commit;
    char why[160] = "";
    chr_err err = ledger_store_block(r, height, &bytes, &len);
    err = err ? err : ledger_block_decode(&b, bytes, len);
    if (err == CHR_OK) {
        *h = b.header;
        ledger_block_free(&b);
        ledger_header_hash(h, hash);
    }
    err = err ? err : ledger_store_commit(r, height, &bytes, &len);
    err = err ? err : ledger_commit_decode(&commit, bytes, len);
    /* Setting the tip reads the validator sets around it: the tip's commit is then checked
     * against the set of the tip's height. */
    err = err ? err : ledger_chain_set_tip(c->chain, h, &commit);
    chr_err verified = err ? err
                           : ledger_commit_verify(&commit, ledger_chain_id(c->chain),
                                                  ledger_chain_tip_validators(c->chain), height,
                                                  hash, why, sizeof(why));
    if (err == CHR_OK && verified != CHR_OK) {
        snprintf(errmsg, cap, "stored block %llu or its commit is damaged: %s%s%s",
                 (unsigned long long)height, chr_err_str(verified), why[0] ? ": " : "", why);
        return verified;
    }
    if (err == CHR_ERR_VERSION) {
        snprintf(errmsg, cap,
                 "the data directory holds a chain of an older block header version "
                 "(docs/PROTOCOL.md, \"Blocks\"): this build reads version %d only; start the "
                 "chain again from a new genesis with an empty data directory",
                 LEDGER_BLOCK_VERSION);
    } else if (err == CHR_ERR_STATE_ROOT || err == CHR_ERR_STORE) {
        snprintf(errmsg, cap, "the stored state trie does not match the state root of block %llu",
                 (unsigned long long)height);
    } else if (err != CHR_OK && err != CHR_ERR_STORE && err != CHR_ERR_NOMEM) {
        snprintf(errmsg, cap, "stored block %llu or its commit is damaged: %s%s%s",
                 (unsigned long long)height, chr_err_str(err), why[0] ? ": " : "", why);
    }
    return err;
}

/* Sets the tip and opens the state trie at its state root (at height 0, the genesis
 * accounts' root): the root row must hash to it, or the store is damaged. */
static chr_err open_tip(node_chain *c, const genesis *g, ledger_store_read *r, char *errmsg,
                        size_t cap)
{
    ledger_store_meta meta;
    chr_err err = ledger_store_meta_get(r, &meta);
    ledger_header h;
    memset(&h, 0, sizeof(h));
    uint8_t hash[32];
    uint64_t time_ms;
    ledger_chain_tip(c->chain, &h.height, hash, &time_ms);
    h.time_ms = time_ms;
    if (err == CHR_OK && meta.height == 0) {
        err = genesis_state_root(g, h.state_root);
        err = err ? err : ledger_chain_state_open(c->chain, h.state_root);
        if (err == CHR_ERR_STATE_ROOT || err == CHR_ERR_STORE) {
            snprintf(errmsg, cap, "the stored state trie does not match the genesis accounts");
        }
    } else if (err == CHR_OK) {
        err = open_tip_block(c, r, meta.height, &h, hash, errmsg, cap);
    }
    if (err == CHR_OK) {
        node_chain_tip_publish(c, &h, hash, meta.txs_total);
        char root_hex[17];
        chr_hex_encode(root_hex, sizeof(root_hex), h.state_root, 8);
        CHR_LOG_I("chain %s at height %llu, state root %s... (sha256: %s)",
                  ledger_chain_id(c->chain), (unsigned long long)meta.height, root_hex,
                  chr_sha256_impl());
    }
    return err;
}

chr_err node_blocks_open(node_chain *c, const genesis *g, char *errmsg, size_t cap)
{
    ledger_chain_config cc = {
        .chain_id = g->chain_id,
        .params = g->params,
        .validators = g->validators,
        .genesis_time_ms = g->genesis_time_ms,
        .view = {c, view_account, view_evidence_committed, view_trie_seek, view_object,
                 view_object_scan},
        .state_cache_bytes = c->cfg.state_cache_bytes,
    };
    memcpy(cc.genesis_hash, c->genesis_hash, 32);
    chr_err err = ledger_chain_new(&c->chain, &cc);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_read *r;
    err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    c->view_read = r;
    err = open_tip(c, g, r, errmsg, cap);
    c->view_read = NULL;
    ledger_store_read_end(r);
    return err;
}

/* ---- Settling the mempool. ---- */

static void evict_failed(void *ctx, const uint8_t hash[32])
{
    node_chain *c = ctx;
    node_failed_put(c->failed, hash, CHR_ERR_NONCE,
                    "an earlier transaction of this account failed");
}

/* What a draft could not apply leaves the mempool with its reason, and with it the later
 * transactions of its account, which can never apply now. */
static void settle_failures(node_chain *c)
{
    size_t n;
    const ledger_chain_failure *f = ledger_chain_failures(c->chain, &n);
    pthread_mutex_lock(&c->mp_mu);
    for (size_t i = 0; i < n; i++) {
        const ledger_mempool_entry *e = f[i].entry;
        if (ledger_mempool_find(c->mempool, ledger_mempool_entry_hash(e)) != e) {
            continue; /* already evicted behind an earlier failure of its account */
        }
        uint8_t hash[32];
        uint8_t from[32];
        memcpy(hash, ledger_mempool_entry_hash(e), 32);
        memcpy(from, ledger_mempool_entry_tx(e)->from, 32);
        uint64_t nonce = ledger_mempool_entry_tx(e)->nonce;
        node_failed_put(c->failed, hash, f[i].err, f[i].detail);
        ledger_mempool_evict_from(c->mempool, from, nonce + 1, evict_failed, c);
        ledger_mempool_evict_from(c->mempool, from, nonce, NULL, NULL);
    }
    pthread_mutex_unlock(&c->mp_mu);
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
static void settle_decided(node_chain *c, const ledger_chain_applied *a)
{
    const ledger_block *b = a->block;
    for (uint32_t i = 0; i < b->txs_len; i++) {
        if (ledger_mempool_find(c->mempool, a->tx_hashes[i]) != NULL) {
            ledger_mempool_remove(c->mempool, a->tx_hashes[i]);
            continue;
        }
        ledger_tx tx;
        if (ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]) == CHR_OK) {
            ledger_mempool_evict_from(c->mempool, tx.from, tx.nonce, evict_superseded, c);
        }
    }
}

/* ---- Blocks under consensus. ---- */

chr_err node_chain_propose(node_chain *c, uint64_t now_ms, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    chr_err err = view_begin(c);
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_chain_propose(c->chain, c->mempool, now_ms, c->validator_pub, out, out_len);
    view_end(c);
    /* What failed while drafting leaves the mempool now; what applied stays until a
     * block with it is decided. */
    if (err == CHR_OK) {
        settle_failures(c);
    }
    return err;
}

const char *node_chain_upgrade_why(const node_chain *c)
{
    return ledger_chain_upgrade_why(c->chain);
}

chr_err node_chain_check_block(node_chain *c, const uint8_t *bytes, size_t len, char *why,
                               size_t why_cap)
{
    chr_err err = view_begin(c);
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_chain_check(c->chain, bytes, len, known_verified, c, why, why_cap);
    view_end(c);
    return err;
}

/* Writes an applied block, its commit, its accounts, index rows and evidence in one LMDB
 * transaction, growing the map as often as it is full. */
static chr_err write_block(node_chain *c, const ledger_chain_applied *a, const uint8_t *bytes,
                           size_t len, const ledger_commit *commit)
{
    uint8_t commit_bytes[LEDGER_COMMIT_BYTES_MAX];
    size_t commit_len;
    chr_err err = ledger_commit_encode(commit, commit_bytes, sizeof(commit_bytes), &commit_len);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_write w = {
        .header = &a->block->header,
        .hash = a->hash,
        .bytes = bytes,
        .bytes_len = len,
        .commit = commit_bytes,
        .commit_len = commit_len,
        .txs_len = a->block->txs_len,
        .tx_hashes = a->tx_hashes,
        .tx_from = a->tx_from,
        .tx_to = a->tx_to,
        .changes = a->changes,
        .evidence = a->evidence,
        .evidence_len = a->evidence_len,
        .trie = a->trie,
    };
    do {
        err = ledger_store_commit_block(c->store, &w);
    } while (err == CHR_ERR_MAP_FULL && (err = node_chain_grow_map(c)) == CHR_OK);
    return err;
}

chr_err node_chain_commit_block(node_chain *c, const uint8_t *bytes, size_t len,
                                const ledger_commit *commit, char *why, size_t why_cap)
{
    why[0] = '\0';
    chr_err err = view_begin(c);
    if (err != CHR_OK) {
        return err;
    }
    ledger_chain_applied a;
    err = ledger_chain_apply_decided(c->chain, bytes, len, &a, why, why_cap);
    view_end(c);
    if (err != CHR_OK) {
        return err;
    }
    err = write_block(c, &a, bytes, len, commit);
    if (err != CHR_OK) {
        ledger_chain_commit_done(c->chain, commit, 0);
        snprintf(why, why_cap, "%s", chr_err_str(err));
        return err;
    }
    uint32_t txs_len = a.block->txs_len;
    /* The mempool and the tip change together (lock order mp_mu, then tip_mu), so no
     * reader sees a transaction gone from the mempool and not yet in the tip. */
    pthread_mutex_lock(&c->mp_mu);
    settle_decided(c, &a);
    ledger_chain_commit_done(c->chain, commit, 1);
    uint64_t height, time_ms;
    uint8_t hash[32];
    ledger_chain_tip(c->chain, &height, hash, &time_ms);
    node_chain_tip_publish(c, ledger_chain_tip_header(c->chain), hash, c->tip.txs_total + txs_len);
    pthread_mutex_unlock(&c->mp_mu);
    return CHR_OK;
}

/* ---- Evidence. ---- */

chr_err node_chain_add_evidence(node_chain *c, const ledger_evidence *ev, int verified, char *why,
                                size_t why_cap)
{
    chr_err err = view_begin(c);
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_chain_evidence_add(c->chain, ev, verified, why, why_cap);
    view_end(c);
    if (err == CHR_OK) {
        CHR_LOG_W("evidence: validator %02x%02x%02x%02x... signed two %s at height %llu "
                  "round %u; it goes in the next block",
                  ev->validator[0], ev->validator[1], ev->validator[2], ev->validator[3],
                  ev->type == LEDGER_VOTE_PREVOTE ? "prevotes" : "precommits",
                  (unsigned long long)ev->height, ev->round);
    }
    return err;
}
