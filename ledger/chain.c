#include "ledger/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/gov_params.h"
#include "ledger/settle.h"
#include "ledger/sig.h"
#include "ledger/slashing.h"
#include "ledger/staking.h"
#include "ledger/trie.h"
#include "ledger/tx.h"
#include "ledger/tx_types.h"

struct ledger_chain {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    /* The parameters of the block after the tip: the state's (ledger/gov_params.h), which
     * are the genesis ones until a passed proposal changes them; read when the state opens
     * and after each committed block. */
    ledger_params params;
    ledger_params genesis_params;
    /* The block limits the scratch, overlay and object table are sized for: they grow when
     * a proposal raises block_txs_max or block_bytes_max (tables_fit). */
    uint32_t cap_txs;
    uint32_t cap_bytes;
    /* The validator sets around the tip t (docs/PROTOCOL.md, "The validator set"): a set
     * decided by block h signs from h + 2 (ledger_staking_set_at), the genesis set until
     * one is stored. prev_validators signed the tip's commit (set(t)), validators signs the
     * block being made (set(t + 1)), next_validators the one after it (set(t + 2)), and
     * sealed_next is set(t + 3) as the block being made leaves the state. */
    ledger_valset genesis_validators;
    /* The sets follow the stake only on a chain whose genesis bonded its validators (its
     * state holds the set of height 1): where the genesis gave them power for nothing, a
     * first staker would otherwise be the whole set two blocks later. */
    int follow_stake;
    ledger_valset prev_validators;
    ledger_valset validators;
    uint8_t validators_hash[32];
    ledger_valset next_validators;
    uint8_t next_validators_hash[32];
    ledger_valset sealed_next;
    ledger_chain_view view;

    ledger_trie *trie;
    ledger_overlay *overlay;
    ledger_objects *objects; /* attached to overlay */

    /* The tip. */
    uint64_t height;
    uint8_t hash[32];
    uint64_t time_ms;
    ledger_header tip_header;
    ledger_commit last_commit; /* the tip's commit, for the next block (height >= 1) */

    /* The block being built or applied: its header and hash, its transactions (views into
     * the caller's bytes, or into `arena` for a draft), their index rows, its evidence. */
    ledger_header header;
    uint8_t block_hash[32];
    ledger_block decoded;
    int has_decoded;
    uint32_t txs_len;
    uint8_t *arena;
    const uint8_t **txs;
    uint16_t *lens;
    uint8_t (*hashes)[32];
    uint8_t (*from)[32];
    uint8_t (*to)[32];
    ledger_evidence ev[LEDGER_BLOCK_EVIDENCE_MAX];
    uint16_t ev_len;
    ledger_chain_failure *failures;
    size_t failures_len;
    /* Why the last block could not begin: a due software upgrade this build does not know
     * (ledger_gov_begin_block); "" otherwise. */
    char upgrade_why[LEDGER_DETAIL_MAX * 2];

    /* The block applied as the trie's pending version (see the header): its hash. */
    int prepared;
    uint8_t prepared_hash[32];

    ledger_evidence_pool pool;
    ledger_valset ev_vals; /* the set of a piece of evidence's height, while it is checked */
};

/* ---- Creation and the tip. ---- */

static chr_err scratch_alloc(ledger_chain *ch)
{
    size_t n = ch->params.block_txs_max;
    ch->arena = malloc(ch->params.block_bytes_max);
    ch->txs = calloc(n, sizeof(*ch->txs));
    ch->lens = calloc(n, sizeof(*ch->lens));
    ch->hashes = calloc(n, 32);
    ch->from = calloc(n, 32);
    ch->to = calloc(n, 32);
    ch->failures = calloc(n, sizeof(*ch->failures));
    if (!ch->arena || !ch->txs || !ch->lens || !ch->hashes || !ch->from || !ch->to ||
        !ch->failures) {
        return CHR_ERR_NOMEM;
    }
    return CHR_OK;
}

static void tables_free(ledger_chain *ch)
{
    ledger_overlay_free(ch->overlay);
    ledger_objects_free(ch->objects);
    free(ch->arena);
    free(ch->txs);
    free(ch->lens);
    free(ch->hashes);
    free(ch->from);
    free(ch->to);
    free(ch->failures);
    ch->overlay = NULL;
    ch->objects = NULL;
    ch->arena = NULL;
    ch->txs = NULL;
    ch->lens = NULL;
    ch->hashes = NULL;
    ch->from = NULL;
    ch->to = NULL;
    ch->failures = NULL;
}

/* The overlay, object table and scratch for the largest block of ch->params. */
static chr_err tables_alloc(ledger_chain *ch)
{
    /* A block of n transactions changes at most n times the most any type changes besides
     * the proposer, plus the proposer once (2n + 1 for transfers), plus the accounts the
     * end of block pays (staking's delegators, governance's refunds). */
    size_t overlay_max = (ledger_tx_accounts_changed_max() - 1) * (size_t)ch->params.block_txs_max +
                         1 +
                         2 * LEDGER_STAKING_MATURE_MAX + /* the delegators the end of block pays */
                         LEDGER_VALIDATORS_MAX + 1 +     /* signers (and the proposer) unbonded */
                         2 * LEDGER_SETTLE_DUE_PER_BLOCK + /* operators and payers it settles */
                         LEDGER_GOV_ACCOUNT_STEPS_MAX;     /* governance's refunds */
    /* Objects likewise, plus one per LEDGER_TX_BYTES_PER_OBJECT of the block (a settle's
     * claims, a meeting-create's participant chunks: ledger/tx_types.h), plus room for the
     * steps a block takes outside its transactions. */
    size_t objects_max = ledger_tx_objects_changed_max() * (size_t)ch->params.block_txs_max +
                         ch->params.block_bytes_max / LEDGER_TX_BYTES_PER_OBJECT +
                         LEDGER_BLOCK_OBJECT_STEPS_MAX + LEDGER_GOV_OBJECT_STEPS_MAX;
    chr_err err = ledger_overlay_new(&ch->overlay, overlay_max, ch->view.account, ch->view.ctx);
    err = err ? err
              : ledger_objects_new(&ch->objects, objects_max, ch->view.object, ch->view.object_scan,
                                   ch->view.ctx);
    if (err == CHR_OK) {
        ledger_overlay_attach_objects(ch->overlay, ch->objects);
    }
    err = err ? err : scratch_alloc(ch);
    ch->cap_txs = ch->params.block_txs_max;
    ch->cap_bytes = ch->params.block_bytes_max;
    return err;
}

/* Grows the tables when the parameters' block limits outgrew them; nothing is prepared. */
static chr_err tables_fit(ledger_chain *ch)
{
    if (ch->params.block_txs_max <= ch->cap_txs && ch->params.block_bytes_max <= ch->cap_bytes) {
        return CHR_OK;
    }
    CHR_ASSERT(!ch->prepared);
    tables_free(ch);
    return tables_alloc(ch);
}

chr_err ledger_chain_new(ledger_chain **out, const ledger_chain_config *cfg)
{
    *out = NULL;
    const char *field;
    size_t id_len = strlen(cfg->chain_id);
    if (!ledger_chain_id_valid(cfg->chain_id, id_len) ||
        ledger_params_check(&cfg->params, &field) != CHR_OK) {
        return CHR_ERR_ARG;
    }
    CHR_ASSERT(cfg->view.account != NULL && cfg->view.evidence_committed != NULL &&
               cfg->view.trie_seek != NULL);
    CHR_ASSERT(cfg->view.object != NULL && cfg->view.object_scan != NULL);
    ledger_chain *ch = calloc(1, sizeof(*ch));
    if (ch == NULL) {
        return CHR_ERR_NOMEM;
    }
    memcpy(ch->chain_id, cfg->chain_id, id_len + 1);
    ch->params = cfg->params;
    ch->genesis_params = cfg->params;
    ch->genesis_validators = cfg->validators;
    ch->prev_validators = cfg->validators;
    ch->validators = cfg->validators;
    ch->next_validators = cfg->validators;
    ch->sealed_next = cfg->validators;
    ledger_valset_hash(&ch->validators, ch->validators_hash);
    memcpy(ch->next_validators_hash, ch->validators_hash, 32);
    ch->view = cfg->view;
    memcpy(ch->hash, cfg->genesis_hash, 32);
    ch->time_ms = cfg->genesis_time_ms;
    ledger_evidence_pool_init(&ch->pool);
    ledger_trie_source src = {cfg->view.ctx, cfg->view.trie_seek};
    chr_err err = ledger_trie_new(&ch->trie, src, cfg->state_cache_bytes);
    err = err ? err : tables_alloc(ch);
    if (err != CHR_OK) {
        ledger_chain_free(ch);
        return err;
    }
    *out = ch;
    return CHR_OK;
}

void ledger_chain_free(ledger_chain *ch)
{
    if (ch == NULL) {
        return;
    }
    if (ch->has_decoded) {
        ledger_block_free(&ch->decoded);
    }
    ledger_trie_free(ch->trie);
    tables_free(ch);
    free(ch);
}

/* ---- Validator sets. ---- */

/* ledger_object_scan_fn over a block's table of objects: the committed ones as the block
 * leaves them. */
static chr_err table_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                          size_t prefix_len, const uint8_t *after, size_t after_len,
                          ledger_object *out)
{
    uint8_t from[LEDGER_STATE_NATURAL_KEY_MAX];
    CHR_ASSERT(after_len <= sizeof(from));
    if (after != NULL) {
        memcpy(from, after, after_len); /* after may point into out */
    }
    size_t n = 0;
    chr_err err = ledger_object_scan(ctx, kind, prefix, prefix_len, after != NULL ? from : NULL,
                                     after_len, out, 1, &n);
    return err != CHR_OK ? err : n == 0 ? CHR_ERR_NOT_FOUND : CHR_OK;
}

/* The set that signs height h, from the objects scan reads; the genesis set while none is
 * stored. */
static chr_err set_at(const ledger_chain *ch, ledger_object_scan_fn scan, void *ctx, uint64_t h,
                      ledger_valset *out)
{
    uint64_t from;
    chr_err err = ch->follow_stake ? ledger_staking_set_at(scan, ctx, h, out, &from, NULL)
                                   : CHR_ERR_NOT_FOUND;
    if (err == CHR_ERR_NOT_FOUND) {
        *out = ch->genesis_validators;
        return CHR_OK;
    }
    return err;
}

/* The sets around the tip, from the committed objects (the view). */
static chr_err sets_load(ledger_chain *ch)
{
    ledger_object_scan_fn scan = ch->view.object_scan;
    ledger_valset first;
    uint64_t from;
    chr_err err = ledger_staking_set_at(scan, ch->view.ctx, 1, &first, &from, NULL);
    ch->follow_stake = err == CHR_OK;
    err = err == CHR_ERR_NOT_FOUND ? CHR_OK : err;
    err = err ? err : set_at(ch, scan, ch->view.ctx, ch->height, &ch->prev_validators);
    err = err ? err : set_at(ch, scan, ch->view.ctx, ch->height + 1, &ch->validators);
    err = err ? err : set_at(ch, scan, ch->view.ctx, ch->height + 2, &ch->next_validators);
    if (err == CHR_OK) {
        ledger_valset_hash(&ch->validators, ch->validators_hash);
        ledger_valset_hash(&ch->next_validators, ch->next_validators_hash);
        ch->sealed_next = ch->next_validators;
    }
    return err;
}

/* The set that signed (or signs) height h <= tip + 1: for evidence of that height. */
static chr_err set_of_height(ledger_chain *ch, uint64_t h, ledger_valset *out)
{
    if (h == ch->height + 1) {
        *out = ch->validators;
        return CHR_OK;
    }
    if (h == ch->height) {
        *out = ch->prev_validators;
        return CHR_OK;
    }
    return set_at(ch, ch->view.object_scan, ch->view.ctx, h, out);
}

/* The set a piece of evidence is checked against: its height's, or for evidence of a
 * later height (refused by the check) the current one. */
static chr_err evidence_set(ledger_chain *ch, const ledger_evidence *ev, const ledger_valset **out)
{
    *out = &ch->validators;
    if (ev->height > ch->height + 1) {
        return CHR_OK;
    }
    *out = &ch->ev_vals;
    return set_of_height(ch, ev->height, &ch->ev_vals);
}

chr_err ledger_chain_state_open(ledger_chain *ch, const uint8_t root[32])
{
    CHR_ASSERT(!ch->prepared);
    chr_err err = ledger_trie_open(ch->trie, root);
    err = err ? err : sets_load(ch);
    /* The parameters as the committed state holds them (the block's changes forgotten). */
    ledger_overlay_reset(ch->overlay);
    err = err ? err : ledger_chain_params_get(ch->objects, &ch->genesis_params, &ch->params);
    return err ? err : tables_fit(ch);
}

void ledger_chain_state_root(ledger_chain *ch, uint8_t out[32])
{
    ledger_trie_root(ch->trie, out);
}

chr_err ledger_chain_set_tip(ledger_chain *ch, const ledger_header *h, const ledger_commit *commit)
{
    chr_err err = ledger_chain_state_open(ch, h->state_root);
    if (err != CHR_OK) {
        return err;
    }
    ch->tip_header = *h;
    ch->height = h->height;
    ledger_header_hash(h, ch->hash);
    ch->time_ms = h->time_ms;
    ch->last_commit = *commit;
    return CHR_OK;
}

void ledger_chain_tip(const ledger_chain *ch, uint64_t *height, uint8_t hash[32], uint64_t *time_ms)
{
    *height = ch->height;
    memcpy(hash, ch->hash, 32);
    *time_ms = ch->time_ms;
}

const ledger_header *ledger_chain_tip_header(const ledger_chain *ch)
{
    return &ch->tip_header;
}

const char *ledger_chain_id(const ledger_chain *ch)
{
    return ch->chain_id;
}

const ledger_params *ledger_chain_params(const ledger_chain *ch)
{
    return &ch->params;
}

const ledger_valset *ledger_chain_validators(const ledger_chain *ch)
{
    return &ch->validators;
}

const ledger_valset *ledger_chain_tip_validators(const ledger_chain *ch)
{
    return &ch->prev_validators;
}

const ledger_evidence_pool *ledger_chain_evidence_pool(const ledger_chain *ch)
{
    return &ch->pool;
}

/* ---- The prepared block. ---- */

static void block_forget(ledger_chain *ch)
{
    if (ch->has_decoded) {
        ledger_block_free(&ch->decoded);
        ch->has_decoded = 0;
    }
    ch->txs_len = 0;
    ch->ev_len = 0;
}

void ledger_chain_abandon(ledger_chain *ch)
{
    if (ch->prepared) {
        ledger_trie_rollback(ch->trie);
        ch->prepared = 0;
    }
}

uint32_t ledger_chain_prepared_txs(const ledger_chain *ch)
{
    return ch->prepared ? ch->txs_len : 0;
}

static void prepared_keep(ledger_chain *ch)
{
    ch->prepared = 1;
    memcpy(ch->prepared_hash, ch->block_hash, 32);
}

/* Fills the header fields that follow from the applied transactions (the overlay and the
 * index rows), the evidence, the trie, the validator set and the tip's commit, and the
 * block's hash. Changes the trie's pending version, which the caller releases (the block
 * was stored) or rolls back. */
static chr_err block_seal(ledger_chain *ch, ledger_header *h, const uint8_t proposer[32])
{
    /* A block's changes go onto the committed trie: an earlier block's were rolled back
     * or released first. */
    CHR_ASSERT(!ledger_trie_pending(ch->trie));
    chr_err err = ledger_overlay_trie_apply(ch->trie, ch->overlay);
    if (err != CHR_OK) {
        return err;
    }
    ledger_trie_root(ch->trie, h->state_root);
    h->tx_count = ch->txs_len;
    memcpy(h->validators_hash, ch->validators_hash, 32);
    memcpy(h->next_validators_hash, ch->next_validators_hash, 32);
    memcpy(h->proposer, proposer, 32);
    /* The set this block decided (or the one before it), which signs from h + 2. */
    err = set_at(ch, table_scan, ledger_overlay_objects(ch->overlay), h->height + 2,
                 &ch->sealed_next);
    if (err != CHR_OK) {
        return err;
    }
    if (h->height > 1) {
        ledger_commit_hash(&ch->last_commit, h->last_commit_hash);
    }
    err = ledger_evidence_root(h->evidence_root, ch->ev, ch->ev_len);
    err = err ? err : ledger_tx_root(h->tx_root, ch->txs, ch->lens, ch->txs_len);
    if (err == CHR_OK) {
        ledger_header_hash(h, ch->block_hash);
    }
    return err;
}

/* The index row of the i-th transaction of the block. */
static void index_row(ledger_chain *ch, uint32_t i, const ledger_tx *tx)
{
    memcpy(ch->from[i], tx->from, 32);
    if (!ledger_tx_kind_of(tx->type)->counterparty(tx, ch->to[i])) {
        memcpy(ch->to[i], tx->from, 32);
    }
}

/* ---- Evidence. ---- */

/* Fills ch->ev for a block at height from the pool, in key order: what is still young
 * enough and not committed; what no block can take any more leaves the pool. */
static chr_err evidence_select(ledger_chain *ch, uint64_t height)
{
    ch->ev_len = 0;
    for (size_t i = 0; i < ch->pool.len && ch->ev_len < LEDGER_BLOCK_EVIDENCE_MAX;) {
        const ledger_evidence *ev = &ch->pool.ev[i];
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(ev, key);
        int committed;
        chr_err err = ch->view.evidence_committed(ch->view.ctx, key, &committed);
        if (err != CHR_OK) {
            ch->ev_len = 0;
            return err;
        }
        if (committed || height - ev->height > LEDGER_EVIDENCE_AGE_MAX) {
            ledger_evidence_pool_remove_at(&ch->pool, i);
            continue;
        }
        if (ev->height < height) {
            ch->ev[ch->ev_len++] = *ev;
        }
        i++;
    }
    return CHR_OK;
}

/* Checks a block's evidence: each may go in a block at its height and was not committed
 * before (the block's decoding already refused repeats). Signatures are verified with
 * `verify`, except for evidence pooled here byte for byte (checked when it entered).
 * Copies it to ch->ev. CHR_ERR_BLOCK_INVALID with why set. */
static chr_err block_check_evidence(ledger_chain *ch, const ledger_block *b, int verify, char *why,
                                    size_t cap)
{
    ch->ev_len = 0;
    chr_err err = CHR_OK;
    char detail[LEDGER_DETAIL_MAX] = "";
    for (uint16_t i = 0; i < b->evidence_len && err == CHR_OK; i++) {
        const ledger_evidence *ev = &b->evidence[i];
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(ev, key);
        const ledger_evidence *pooled = ledger_evidence_pool_get(&ch->pool, key);
        int same = pooled != NULL && ledger_evidence_same(pooled, ev);
        const ledger_valset *vals;
        err = evidence_set(ch, ev, &vals);
        err = err ? err
                  : ledger_evidence_check(ev, ch->chain_id, vals, b->header.height, verify && !same,
                                          detail, sizeof(detail));
        int committed = 0;
        if (err == CHR_OK) {
            err = ch->view.evidence_committed(ch->view.ctx, key, &committed);
        }
        if (err == CHR_OK && committed) {
            snprintf(detail, sizeof(detail), "evidence at height %llu was committed before",
                     (unsigned long long)ev->height);
            err = CHR_ERR_EVIDENCE;
        }
        if (err == CHR_ERR_EVIDENCE) {
            snprintf(why, cap, "block %llu: evidence %u: %s", (unsigned long long)b->header.height,
                     i, detail);
            err = CHR_ERR_BLOCK_INVALID;
        }
        ch->ev[i] = *ev;
    }
    ch->ev_len = err == CHR_OK ? b->evidence_len : 0;
    return err;
}

chr_err ledger_chain_evidence_add(ledger_chain *ch, const ledger_evidence *ev, int verified,
                                  char *why, size_t why_cap)
{
    uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
    ledger_evidence_key(ev, key);
    if (ledger_evidence_pool_get(&ch->pool, key) != NULL) {
        return CHR_ERR_DUPLICATE;
    }
    /* Evidence of the height being decided (tip + 1) can go in the block after it. */
    const ledger_valset *vals;
    chr_err err = evidence_set(ch, ev, &vals);
    err =
        err ? err : ledger_evidence_check(ev, ch->chain_id, vals, ch->height + 2, 0, why, why_cap);
    int committed = 0;
    err = err ? err : ch->view.evidence_committed(ch->view.ctx, key, &committed);
    if (err == CHR_OK && committed) {
        return CHR_ERR_DUPLICATE;
    }
    if (err == CHR_OK && !verified) {
        err = ledger_evidence_check(ev, ch->chain_id, vals, ch->height + 2, 1, why, why_cap);
    }
    err = err ? err : ledger_evidence_pool_add(&ch->pool, ev);
    if (err == CHR_ERR_FULL) {
        snprintf(why, why_cap, "the evidence pool is full of newer evidence");
    }
    return err;
}

/* ---- The start and end of a block. ---- */

/* The start of block height: tables for the parameters' limits, an empty overlay, and a
 * due software upgrade (ledger_gov_begin_block: CHR_ERR_UPGRADE, why set). */
static chr_err block_begin(ledger_chain *ch, uint64_t height, char *why, size_t cap)
{
    chr_err err = tables_fit(ch);
    if (err == CHR_OK) {
        ledger_overlay_reset(ch->overlay);
        err = ledger_gov_begin_block(ch->objects, height, why, cap);
    }
    snprintf(ch->upgrade_why, sizeof(ch->upgrade_why), "%s", err == CHR_ERR_UPGRADE ? why : "");
    return err;
}

const char *ledger_chain_upgrade_why(const ledger_chain *ch)
{
    return ch->upgrade_why;
}

/* The end of block: governance's step (tallies, executions, with this block's parameters),
 * then staking's (ledger/staking.h). Their errors are the view's or a broken bound. */
/* The end of block, after the transactions: rewards (ledger/distribution.h) to the signers
 * of last_commit, who are of the tip's set (prev_validators), slashing (ledger/slashing.h)
 * for the block's evidence and for downtime, governance's tallies (ledger/gov.h), staking's
 * maturities and set (ledger/staking.h), settlement's due meetings (ledger/settle.h). Its
 * errors are the view's or a broken bound. */
static chr_err block_end(ledger_chain *ch, const uint8_t proposer[32],
                         const ledger_commit *last_commit, const ledger_evidence *ev,
                         uint16_t ev_len, uint64_t height, uint64_t time_ms)
{
    chr_err err = ledger_distribution_end_block(ch->overlay, &ch->params, proposer,
                                                &ch->prev_validators, last_commit, time_ms);
    err = err ? err
              : ledger_slashing_end_block(ledger_overlay_objects(ch->overlay), &ch->params,
                                          &ch->prev_validators, last_commit, ev, ev_len, height,
                                          time_ms);
    err = err ? err : ledger_gov_end_block(ch->overlay, &ch->params, &ch->params, height, time_ms);
    err = err ? err : ledger_staking_end_block(ch->overlay, &ch->params, height, time_ms);
    return err ? err : ledger_settle_end_block(ch->overlay, time_ms);
}

/* After a committed block: a passed parameter change is in force from the next block. */
static void params_adopt(ledger_chain *ch)
{
    for (size_t i = 0; i < ledger_objects_len(ch->objects); i++) {
        ledger_state_kind kind;
        const uint8_t *natural;
        const uint8_t *value;
        size_t natural_len;
        size_t value_len;
        ledger_objects_at(ch->objects, i, &kind, &natural, &natural_len, &value, &value_len);
        if (kind == LEDGER_STATE_CHAIN_PARAMS && value != NULL) {
            chr_dec dec;
            chr_dec_init(&dec, value, value_len);
            CHR_ASSERT(ledger_params_decode(&dec, &ch->params) == CHR_OK);
        }
    }
}

/* ---- Drafting. ---- */

/* Whether err is the view's (storage, memory): not the block's fault. */
static int view_error(chr_err err)
{
    return err == CHR_ERR_STORE || err == CHR_ERR_NOMEM || err == CHR_ERR_IO;
}

/* Applies mp's transactions in arrival order into the overlay until a block limit,
 * collecting those that fail. */
static chr_err draft_txs(ledger_chain *ch, const ledger_mempool *mp)
{
    size_t arena_used = 0;
    ch->txs_len = 0;
    ch->failures_len = 0;
    for (const ledger_mempool_entry *e = ledger_mempool_head(mp); e != NULL;
         e = ledger_mempool_next(mp, e)) {
        if (ch->txs_len == ch->params.block_txs_max ||
            ch->failures_len == ch->params.block_txs_max) {
            break;
        }
        const ledger_tx *tx = ledger_mempool_entry_tx(e);
        uint8_t *dst = ch->arena + arena_used;
        size_t len;
        const uint8_t *enc = ledger_mempool_entry_bytes(e, &len);
        if (len > ch->params.block_bytes_max - arena_used) {
            break; /* the block is full by bytes */
        }
        memcpy(dst, enc, len);
        ledger_chain_failure *f = &ch->failures[ch->failures_len];
        /* Fees gather in the collector until the end of block distributes them. */
        ledger_apply_env env = {ch->header.height, ledger_fee_collector, ch->header.time_ms,
                                &ch->params, ch->header.prev_hash};
        /* Admitted under the parameters of its time: checked again under this block's. */
        chr_err err = ledger_tx_check(tx, ch->chain_id, &ch->params, f->detail, sizeof(f->detail));
        err = err ? err : ledger_tx_apply_env(ch->overlay, tx, &env, f->detail, sizeof(f->detail));
        if (err == CHR_ERR_FULL) {
            break;
        }
        if (view_error(err)) {
            return err; /* the view failed: the block is abandoned */
        }
        if (err != CHR_OK) {
            f->entry = e;
            f->err = err;
            ch->failures_len++;
            continue;
        }
        uint32_t i = ch->txs_len++;
        ch->txs[i] = dst;
        ch->lens[i] = (uint16_t)len;
        memcpy(ch->hashes[i], ledger_mempool_entry_hash(e), 32);
        index_row(ch, i, tx);
        arena_used += len;
    }
    return CHR_OK;
}

chr_err ledger_chain_propose(ledger_chain *ch, const ledger_mempool *mp, uint64_t now_ms,
                             const uint8_t proposer[32], uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    ledger_chain_abandon(ch);
    block_forget(ch);
    ch->failures_len = 0;
    ledger_header *h = &ch->header;
    memset(h, 0, sizeof(*h));
    h->height = ch->height + 1;
    memcpy(h->prev_hash, ch->hash, 32);
    /* Block times strictly increase, whatever the proposer's clock says. */
    h->time_ms = now_ms > ch->time_ms ? now_ms : ch->time_ms + 1;
    h->chain_id_len = (uint8_t)strlen(ch->chain_id);
    memcpy(h->chain_id, ch->chain_id, h->chain_id_len);
    char why[LEDGER_DETAIL_MAX * 2];
    chr_err err = block_begin(ch, h->height, why, sizeof(why));
    err = err ? err : evidence_select(ch, h->height);
    if (err != CHR_OK) {
        return err;
    }
    err = draft_txs(ch, mp);
    err = err ? err
              : block_end(ch, proposer, h->height > 1 ? &ch->last_commit : NULL, ch->ev, ch->ev_len,
                          h->height, h->time_ms);
    err = err ? err : block_seal(ch, h, proposer);
    err = err ? err
              : ledger_block_encode(out, out_len, h, h->height > 1 ? &ch->last_commit : NULL,
                                    ch->txs, ch->lens, ch->txs_len, ch->ev, ch->ev_len);
    if (err == CHR_OK) {
        prepared_keep(ch); /* if this block is decided, committing it applies nothing */
    } else {
        ledger_trie_rollback(ch->trie);
        block_forget(ch);
    }
    return err;
}

const ledger_chain_failure *ledger_chain_failures(const ledger_chain *ch, size_t *n)
{
    *n = ch->failures_len;
    return ch->failures;
}

/* ---- Checking and applying a block. ---- */

/* The structure and header of a block on the tip: CHR_ERR_BLOCK_INVALID with why set when
 * it does not follow. */
static chr_err block_check_header(const ledger_chain *ch, const ledger_block *b,
                                  int verify_last_commit, char *why, size_t cap)
{
    const ledger_header *h = &b->header;
    const char *bad = NULL;
    if (h->chain_id_len != strlen(ch->chain_id) ||
        memcmp(h->chain_id, ch->chain_id, h->chain_id_len) != 0) {
        bad = "another chain id";
    } else if (h->height != ch->height + 1 || memcmp(h->prev_hash, ch->hash, 32) != 0) {
        bad = "does not follow the tip";
    } else if (h->time_ms <= ch->time_ms) {
        bad = "time not after the previous block's";
    } else if (memcmp(h->validators_hash, ch->validators_hash, 32) != 0) {
        bad = "another validator set";
    } else if (memcmp(h->next_validators_hash, ch->next_validators_hash, 32) != 0) {
        bad = "another next validator set";
    } else if (ledger_valset_find(&ch->validators, h->proposer) < 0) {
        bad = "proposer is not a validator";
    } else if (b->txs_len > ch->params.block_txs_max) {
        bad = "more transactions than block_txs_max";
    } else if (h->height > 1 ? !b->has_last_commit : b->has_last_commit) {
        bad = "last commit missing or extra";
    }
    if (bad == NULL && h->height > 1 && verify_last_commit &&
        ledger_commit_verify(&b->last_commit, ch->chain_id, &ch->prev_validators, ch->height,
                             ch->hash, why, cap) != CHR_OK) {
        return CHR_ERR_BLOCK_INVALID;
    }
    if (bad != NULL) {
        snprintf(why, cap, "block %llu: %s", (unsigned long long)h->height, bad);
        return CHR_ERR_BLOCK_INVALID;
    }
    return CHR_OK;
}

/* Decodes, checks and applies the block's transactions into the overlay and the index
 * rows, verifying the signatures of those known() does not vouch for (with verify). */
static chr_err block_apply_txs(ledger_chain *ch, const ledger_block *b, int verify,
                               ledger_chain_known_fn *known, void *known_ctx, char *why, size_t cap)
{
    chr_err err = block_begin(ch, b->header.height, why, cap);
    if (err != CHR_OK) {
        return err; /* this build cannot apply the block: the node stops (why says so) */
    }
    size_t bytes = 0;
    for (uint32_t i = 0; i < b->txs_len && err == CHR_OK; i++) {
        ledger_tx tx;
        char detail[LEDGER_DETAIL_MAX] = "";
        bytes += b->tx_lens[i];
        err = bytes > ch->params.block_bytes_max ? CHR_ERR_TX_SIZE
                                                 : ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]);
        if (err == CHR_OK) {
            ledger_tx_hash(&tx, ch->hashes[i]);
            /* The stateless checks for every transaction, known or not: a passed proposal
             * may have changed the parameters (the fee) since a mempool admitted it. */
            err = ledger_tx_check(&tx, ch->chain_id, &ch->params, detail, sizeof(detail));
            if (err == CHR_OK && verify && (known == NULL || !known(known_ctx, ch->hashes[i]))) {
                err = ledger_tx_verify(&tx);
            }
        }
        ledger_apply_env env = {b->header.height, ledger_fee_collector, b->header.time_ms,
                                &ch->params, b->header.prev_hash};
        err = err ? err : ledger_tx_apply_env(ch->overlay, &tx, &env, detail, sizeof(detail));
        if (err != CHR_OK) {
            snprintf(why, cap, "block %llu: transaction %u: %s%s%s",
                     (unsigned long long)b->header.height, i, chr_err_str(err),
                     detail[0] ? ": " : "", detail);
            break;
        }
        ch->txs[i] = b->txs[i];
        ch->lens[i] = b->tx_lens[i];
        index_row(ch, i, &tx);
    }
    ch->txs_len = err == CHR_OK ? b->txs_len : 0;
    return err == CHR_OK || view_error(err) ? err : CHR_ERR_BLOCK_INVALID;
}

/* Applies a block that passed block_check_header onto the committed trie (the caller rolls
 * the pending version back if this fails) and checks its state root. */
static chr_err block_apply(ledger_chain *ch, const ledger_block *b, int verify,
                           ledger_chain_known_fn *known, void *known_ctx, char *why, size_t cap)
{
    chr_err err = block_check_evidence(ch, b, verify, why, cap);
    err = err ? err : block_apply_txs(ch, b, verify, known, known_ctx, why, cap);
    err = err ? err
              : block_end(ch, b->header.proposer, b->has_last_commit ? &b->last_commit : NULL,
                          b->evidence, b->evidence_len, b->header.height, b->header.time_ms);
    ch->header = b->header;
    err = err ? err : block_seal(ch, &ch->header, b->header.proposer);
    if (err == CHR_OK && memcmp(ch->header.state_root, b->header.state_root, 32) != 0) {
        snprintf(why, cap, "block %llu: state root does not match its transactions",
                 (unsigned long long)b->header.height);
        err = verify ? CHR_ERR_BLOCK_INVALID : CHR_ERR_STATE_ROOT;
    }
    if (err == CHR_OK) {
        /* The header sealed from the block's contents is the block's own header. */
        ledger_header_hash(&b->header, ch->block_hash);
    }
    return err;
}

/* Decodes bytes into ch->decoded; CHR_ERR_BLOCK_INVALID with why set. */
static chr_err block_decode(ledger_chain *ch, const uint8_t *bytes, size_t len, const char *what,
                            char *why, size_t cap)
{
    block_forget(ch);
    chr_err err = ledger_block_decode(&ch->decoded, bytes, len);
    if (err != CHR_OK) {
        snprintf(why, cap, "%sdoes not decode: %s", what, chr_err_str(err));
        return CHR_ERR_BLOCK_INVALID;
    }
    ch->has_decoded = 1;
    return CHR_OK;
}

chr_err ledger_chain_check(ledger_chain *ch, const uint8_t *bytes, size_t len,
                           ledger_chain_known_fn *known, void *known_ctx, char *why, size_t why_cap)
{
    ledger_header peek;
    uint8_t hash[32];
    if (ch->prepared && ledger_block_peek_header(&peek, bytes, len) == CHR_OK) {
        ledger_header_hash(&peek, hash);
        if (memcmp(hash, ch->prepared_hash, 32) == 0) {
            return CHR_OK; /* built or checked exactly this block already */
        }
    }
    ledger_chain_abandon(ch);
    chr_err err = block_decode(ch, bytes, len, "", why, why_cap);
    err = err ? err : block_check_header(ch, &ch->decoded, 1, why, why_cap);
    if (err != CHR_OK) {
        block_forget(ch);
        return err;
    }
    err = block_apply(ch, &ch->decoded, 1, known, known_ctx, why, why_cap);
    if (err == CHR_OK) {
        prepared_keep(ch); /* likely the next block: keep it applied */
    } else {
        ledger_trie_rollback(ch->trie);
        block_forget(ch);
    }
    return err;
}

chr_err ledger_chain_apply_decided(ledger_chain *ch, const uint8_t *bytes, size_t len,
                                   ledger_chain_applied *out, char *why, size_t why_cap)
{
    memset(out, 0, sizeof(*out));
    int was_prepared = ch->prepared;
    uint8_t prepared_hash[32];
    memcpy(prepared_hash, ch->prepared_hash, 32);
    /* Decoding again, also for the prepared block: its transactions must point into the
     * bytes the caller keeps until commit_done, not into a draft's arena. */
    uint32_t prepared_txs = ch->txs_len;
    chr_err err = block_decode(ch, bytes, len, "decided block ", why, why_cap);
    /* A decided block was checked by more than 2/3 of the power; checking its header again
     * costs little and catches a broken assumption before it reaches the store. Its last
     * commit's signatures are not verified again: the validators that precommitted the
     * block each checked them, as this node did when the block was decided in its own
     * rounds; a syncing node would otherwise pay a verification per validator per block
     * on top of the block's own commit. */
    err = err ? err : block_check_header(ch, &ch->decoded, 0, why, why_cap);
    uint8_t hash[32];
    if (err == CHR_OK) {
        ledger_header_hash(&ch->decoded.header, hash);
    }
    int same = err == CHR_OK && was_prepared && memcmp(hash, prepared_hash, 32) == 0;
    if (err == CHR_OK && same) {
        /* Applied already: the overlay, trie and index rows are this block's; only the
         * transactions' views move to the caller's bytes. */
        CHR_ASSERT(prepared_txs == ch->decoded.txs_len);
        for (uint32_t i = 0; i < ch->decoded.txs_len; i++) {
            ch->txs[i] = ch->decoded.txs[i];
            ch->lens[i] = ch->decoded.tx_lens[i];
        }
        ch->txs_len = ch->decoded.txs_len;
        ch->ev_len = ch->decoded.evidence_len;
        memcpy(ch->ev, ch->decoded.evidence, ch->ev_len * sizeof(ch->ev[0]));
        memcpy(ch->block_hash, hash, 32);
    } else if (err == CHR_OK) {
        /* Not the block applied last (a block fetched while syncing, or one proposed or
         * checked in an earlier round): apply it now. */
        ledger_chain_abandon(ch);
        err = block_apply(ch, &ch->decoded, 0, NULL, NULL, why, why_cap);
        if (err == CHR_OK) {
            prepared_keep(ch);
        } else {
            ledger_trie_rollback(ch->trie);
        }
    } else {
        ledger_chain_abandon(ch);
    }
    if (err != CHR_OK) {
        block_forget(ch);
        if (why[0] == '\0') {
            snprintf(why, why_cap, "%s", chr_err_str(err));
        }
        return err;
    }
    CHR_ASSERT(ch->prepared);
    ch->header = ch->decoded.header;
    out->block = &ch->decoded;
    out->hash = ch->block_hash;
    out->tx_hashes = (const uint8_t(*)[32])ch->hashes;
    out->tx_from = (const uint8_t(*)[32])ch->from;
    out->tx_to = (const uint8_t(*)[32])ch->to;
    out->changes = ch->overlay;
    out->evidence = ch->ev;
    out->evidence_len = ch->ev_len;
    out->trie = ch->trie;
    return CHR_OK;
}

chr_err ledger_chain_commit_extend(ledger_chain *ch, uint64_t height, uint32_t round,
                                   const uint8_t block_hash[32], const uint8_t validator[32],
                                   const uint8_t sig[64])
{
    ledger_commit *c = &ch->last_commit;
    if (ch->height == 0 || height != ch->height || round != c->round ||
        memcmp(block_hash, ch->hash, 32) != 0 ||
        ledger_valset_find(&ch->prev_validators, validator) < 0) {
        return CHR_ERR_ARG;
    }
    CHR_ASSERT(c->height == ch->height);
    size_t at = 0;
    while (at < c->sigs_len && memcmp(c->sigs[at].validator, validator, 32) < 0) {
        at++;
    }
    if ((at < c->sigs_len && memcmp(c->sigs[at].validator, validator, 32) == 0) ||
        c->sigs_len >= LEDGER_VALIDATORS_MAX) {
        return CHR_ERR_ARG; /* it signed already */
    }
    uint8_t msg[CHR_HASH_LEN];
    ledger_vote_sighash(msg, ch->chain_id, LEDGER_VOTE_PRECOMMIT, height, round, block_hash);
    if (ledger_sig_verify(sig, msg, validator) != CHR_OK) {
        return CHR_ERR_COMMIT;
    }
    memmove(&c->sigs[at + 1], &c->sigs[at], (c->sigs_len - at) * sizeof(c->sigs[0]));
    memcpy(c->sigs[at].validator, validator, 32);
    memcpy(c->sigs[at].sig, sig, 64);
    c->sigs_len++;
    CHR_ASSERT(at + 1 == c->sigs_len || memcmp(validator, c->sigs[at + 1].validator, 32) < 0);
    return CHR_OK;
}

void ledger_chain_commit_done(ledger_chain *ch, const ledger_commit *commit, int stored)
{
    CHR_ASSERT(ch->prepared && ch->has_decoded);
    if (!stored) {
        ledger_chain_abandon(ch);
        block_forget(ch);
        return;
    }
    ledger_trie_release(ch->trie);
    ch->prepared = 0;
    params_adopt(ch);
    ch->tip_header = ch->decoded.header;
    ch->height = ch->decoded.header.height;
    memcpy(ch->hash, ch->block_hash, 32);
    ch->time_ms = ch->decoded.header.time_ms;
    ch->last_commit = *commit;
    /* The sets move on by one height. */
    ch->prev_validators = ch->validators;
    ch->validators = ch->next_validators;
    ch->next_validators = ch->sealed_next;
    ledger_valset_hash(&ch->validators, ch->validators_hash);
    ledger_valset_hash(&ch->next_validators, ch->next_validators_hash);
    for (uint16_t i = 0; i < ch->ev_len; i++) {
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(&ch->ev[i], key);
        ledger_evidence_pool_remove(&ch->pool, key);
    }
    block_forget(ch);
}
