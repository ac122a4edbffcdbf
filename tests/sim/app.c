/* The simulator's application: the real block state machine (ledger/chain.h) over an
 * in-memory committed state. A proposer drafts signed transfers between SIM_ACCOUNTS
 * funded accounts into real blocks; every node checks proposals with the ledger's rules
 * (signatures, nonces, balances, the state root) and applies decided blocks, so every
 * simulated seed also checks real blocks, state roots and the supply. */
#include "tests/sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hash.h"
#include "ledger/distribution.h"
#include "ledger/objects.h"
#include "ledger/staking.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"

static chr_err db_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    sim_app *a = ctx;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < a->db_len; i++) {
        if (memcmp(a->db_addr[i], addr, 32) == 0) {
            *out = a->db_acct[i];
        }
    }
    return CHR_OK;
}

static chr_err db_evidence(void *ctx, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES], int *committed)
{
    sim_app *a = ctx;
    *committed = 0;
    for (size_t i = 0; i < a->ev_len; i++) {
        *committed |= memcmp(a->ev_keys[i], key, LEDGER_EVIDENCE_KEY_BYTES) == 0;
    }
    return CHR_OK;
}

static chr_err db_trie_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                            uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                            uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    sim_app *a = ctx;
    ledger_trie_source src = ledger_trie_mem_source(a->rows);
    return src.seek(src.ctx, from, id_out, val, val_len);
}

static chr_err db_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                         size_t *value_len, int *found)
{
    sim_app *a = ctx;
    return ledger_trie_mem_object(a->rows, kind, natural, natural_len, value, value_len, found);
}

static chr_err db_object_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                              size_t prefix_len, const uint8_t *after, size_t after_len,
                              ledger_object *out)
{
    sim_app *a = ctx;
    return ledger_trie_mem_object_scan(a->rows, kind, prefix, prefix_len, after, after_len, out);
}

static void db_put(sim_app *a, const uint8_t addr[32], const ledger_account *acct)
{
    for (size_t i = 0; i < a->db_len; i++) {
        if (memcmp(a->db_addr[i], addr, 32) == 0) {
            a->db_acct[i] = *acct;
            return;
        }
    }
    CHR_ASSERT(a->db_len < SIM_DB_MAX);
    memcpy(a->db_addr[a->db_len], addr, 32);
    a->db_acct[a->db_len++] = *acct;
}

static void ev_put(sim_app *a, const ledger_evidence *ev)
{
    if (a->ev_len == a->ev_cap) {
        a->ev_cap = a->ev_cap == 0 ? 16 : a->ev_cap * 2;
        a->ev_keys = realloc(a->ev_keys, a->ev_cap * sizeof(*a->ev_keys));
        CHR_ASSERT(a->ev_keys != NULL);
    }
    ledger_evidence_key(ev, a->ev_keys[a->ev_len++]);
}

/* The genesis state as chroom-genesis makes it for bonded validators: each validator of
 * vals bonds power x SIM_POWER_UNIT (operator and consensus key its public key), the set
 * from height 1 is stored, and the accounts and objects go under one root, so the chain
 * follows the stake from the start. */
static void genesis_stakes(sim_app *a, const ledger_params *params, const ledger_valset *vals,
                           uint8_t root[32])
{
    ledger_objects *t;
    CHR_ASSERT(ledger_objects_new(&t, 64 + 4 * (size_t)vals->len, db_object, db_object_scan, a) ==
               CHR_OK);
    a->genesis_supply = SIM_SUPPLY;
    for (size_t i = 0; i < vals->len; i++) {
        ledger_staking_create c;
        memset(&c, 0, sizeof(c));
        memcpy(c.consensus_key, vals->v[i].pubkey, 32);
        c.commission_max_ppm = 100000;
        c.min_self_bond = SIM_POWER_UNIT;
        c.amount = vals->v[i].power * SIM_POWER_UNIT;
        c.moniker_len = 1;
        c.moniker[0] = 'v';
        char detail[LEDGER_DETAIL_MAX];
        CHR_ASSERT(ledger_staking_create_validator(t, params, vals->v[i].pubkey, &c, 0, 0, detail,
                                                   sizeof(detail)) == CHR_OK);
        a->genesis_supply += c.amount;
    }
    ledger_valset set;
    CHR_ASSERT(ledger_staking_genesis_set(t, params, &set) == CHR_OK);
    uint8_t want[32], got[32];
    ledger_valset_hash(vals, want);
    ledger_valset_hash(&set, got);
    CHR_ASSERT(memcmp(want, got, 32) == 0);
    ledger_overlay *o;
    CHR_ASSERT(ledger_overlay_new(&o, SIM_DB_MAX, db_account, a) == CHR_OK);
    for (size_t i = 0; i < a->db_len; i++) {
        CHR_ASSERT(ledger_overlay_put(o, a->db_addr[i], &a->db_acct[i]) == CHR_OK);
    }
    ledger_overlay_attach_objects(o, t);
    ledger_trie *trie;
    CHR_ASSERT(ledger_trie_new(&trie, ledger_trie_mem_source(a->rows), 0) == CHR_OK);
    CHR_ASSERT(ledger_overlay_trie_apply(trie, o) == CHR_OK);
    ledger_trie_root(trie, root);
    CHR_ASSERT(ledger_trie_mem_store(a->rows, trie) == CHR_OK);
    CHR_ASSERT(ledger_trie_mem_objects_store(a->rows, t) == CHR_OK);
    ledger_trie_release(trie);
    ledger_trie_free(trie);
    ledger_overlay_free(o);
    ledger_objects_free(t);
}

void sim_app_init(sim_app *a, uint64_t seed, uint64_t node_seed, const ledger_valset *vals,
                  const uint8_t proposer[32], ledger_signer *signer)
{
    memset(a, 0, sizeof(*a));
    a->rng = node_seed | 1;
    a->signer = signer;
    memcpy(a->proposer, proposer, 32);
    ledger_chain_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chain_id = SIM_CHAIN_ID;
    ledger_params_default(&cfg.params);
    cfg.params.fee_transfer = SIM_FEE;
    cfg.params.block_txs_max = 16;
    cfg.params.block_bytes_max = 64 * 1024;
    cfg.params.power_unit = SIM_POWER_UNIT;
    cfg.params.min_self_bond = SIM_POWER_UNIT;
    cfg.params.unbonding_time_ms = 1000; /* the least: unbondings mature within a run */
    cfg.validators = *vals;
    chr_sha256_hash(cfg.genesis_hash, (const uint8_t *)"sim-genesis", 11);
    cfg.genesis_time_ms = 0;
    cfg.view =
        (ledger_chain_view){a, db_account, db_evidence, db_trie_seek, db_object, db_object_scan};
    CHR_ASSERT(ledger_chain_new(&a->chain, &cfg) == CHR_OK);
    CHR_ASSERT(ledger_trie_mem_new(&a->rows) == CHR_OK);
    CHR_ASSERT(ledger_mempool_new(&a->mp, 64, 64 * LEDGER_TX_BYTES_MAX) == CHR_OK);
    for (uint64_t i = 0; i < SIM_ACCOUNTS; i++) {
        uint8_t in[24];
        memcpy(in, "sim-user", 8);
        chr_put_u64be(in + 8, seed);
        chr_put_u64be(in + 16, i);
        chr_sha256_hash(a->user_sk[i], in, sizeof(in));
        CHR_ASSERT(ledger_signer_pubkey(signer, a->user_pk[i], a->user_sk[i]) == CHR_OK);
        ledger_account acct = {SIM_SUPPLY / SIM_ACCOUNTS, 0};
        db_put(a, a->user_pk[i], &acct);
    }
    uint8_t root[32];
    genesis_stakes(a, &cfg.params, vals, root);
    CHR_ASSERT(ledger_chain_state_open(a->chain, root) == CHR_OK);
}

void sim_app_free(sim_app *a)
{
    for (size_t i = 0; i < a->chain_len; i++) {
        free(a->chain_blocks[i].block);
    }
    free(a->chain_blocks);
    free(a->ev_keys);
    ledger_chain_free(a->chain);
    ledger_mempool_free(a->mp);
    ledger_trie_mem_free(a->rows);
    memset(a, 0, sizeof(*a));
}

/* Fills a fresh mempool with up to SIM_BLOCK_TXS_MAX signed transfers the committed state
 * can pay for (the mempool refuses the rest). */
static void draft_transfers(sim_app *a)
{
    ledger_mempool_free(a->mp);
    a->mp = NULL;
    CHR_ASSERT(ledger_mempool_new(&a->mp, 64, 64 * LEDGER_TX_BYTES_MAX) == CHR_OK);
    uint64_t count = sim_rand(&a->rng) % (SIM_BLOCK_TXS_MAX + 1);
    for (uint64_t k = 0; k < count; k++) {
        size_t from = (size_t)(sim_rand(&a->rng) % SIM_ACCOUNTS);
        size_t to = (from + 1 + (size_t)(sim_rand(&a->rng) % (SIM_ACCOUNTS - 1))) % SIM_ACCOUNTS;
        ledger_account committed;
        CHR_ASSERT(db_account(a, a->user_pk[from], &committed) == CHR_OK);
        if (committed.balance <= SIM_FEE) {
            continue;
        }
        ledger_tx tx;
        uint64_t nonce = ledger_mempool_next_nonce(a->mp, a->user_pk[from], committed.nonce);
        CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, SIM_CHAIN_ID, a->user_pk[from], nonce,
                                  SIM_FEE, 0, NULL, 0) == CHR_OK);
        memcpy(tx.body.transfer.to, a->user_pk[to], 32);
        tx.body.transfer.amount = 1 + sim_rand(&a->rng) % (committed.balance - SIM_FEE);
        uint8_t msg[32], aux[32] = {0};
        ledger_tx_sighash(&tx, msg);
        CHR_ASSERT(ledger_signer_sign(a->signer, tx.sig, msg, a->user_sk[from], aux) == CHR_OK);
        uint8_t hash[32];
        ledger_tx_hash(&tx, hash);
        char detail[LEDGER_DETAIL_MAX];
        /* What the earlier drafted transfers of the account leave may not cover it. */
        uint8_t enc[LEDGER_TX_BYTES_MAX];
        size_t enc_len;
        CHR_ASSERT(ledger_tx_encode(&tx, enc, sizeof(enc), &enc_len) == CHR_OK);
        chr_err err =
            ledger_mempool_add(a->mp, &tx, hash, enc, enc_len, &committed, detail, sizeof(detail));
        CHR_ASSERT(err == CHR_OK || err == CHR_ERR_BALANCE);
    }
}

/* Sometimes one account delegates to, or undelegates from, a validator of stake_to: the
 * powers shift, so the set the chain stores changes (an undelegation more than the
 * delegation holds fails in its block and leaves it). */
static void draft_stake(sim_app *a)
{
    if (a->stake_to_len == 0 || sim_rand(&a->rng) % 3 != 0) {
        return;
    }
    size_t from = (size_t)(sim_rand(&a->rng) % SIM_ACCOUNTS);
    const uint8_t *validator = a->stake_to[sim_rand(&a->rng) % a->stake_to_len];
    ledger_account committed;
    CHR_ASSERT(db_account(a, a->user_pk[from], &committed) == CHR_OK);
    int delegate = sim_rand(&a->rng) % 2 == 0;
    uint64_t amount = SIM_POWER_UNIT * (1 + sim_rand(&a->rng) % 3);
    if (delegate && committed.balance < amount + SIM_FEE) {
        return;
    }
    ledger_tx tx;
    uint64_t nonce = ledger_mempool_next_nonce(a->mp, a->user_pk[from], committed.nonce);
    CHR_ASSERT(ledger_tx_init(&tx, delegate ? LEDGER_TX_DELEGATE : LEDGER_TX_UNDELEGATE,
                              SIM_CHAIN_ID, a->user_pk[from], nonce, SIM_FEE, 0, NULL,
                              0) == CHR_OK);
    memcpy(tx.body.stake.validator, validator, 32);
    tx.body.stake.amount = amount;
    uint8_t msg[32], aux[32] = {0};
    ledger_tx_sighash(&tx, msg);
    CHR_ASSERT(ledger_signer_sign(a->signer, tx.sig, msg, a->user_sk[from], aux) == CHR_OK);
    uint8_t hash[32];
    ledger_tx_hash(&tx, hash);
    char detail[LEDGER_DETAIL_MAX];
    uint8_t enc[LEDGER_TX_BYTES_MAX];
    size_t enc_len;
    CHR_ASSERT(ledger_tx_encode(&tx, enc, sizeof(enc), &enc_len) == CHR_OK);
    chr_err err =
        ledger_mempool_add(a->mp, &tx, hash, enc, enc_len, &committed, detail, sizeof(detail));
    CHR_ASSERT(err == CHR_OK || err == CHR_ERR_BALANCE);
}

static chr_err app_propose(void *ctx, uint64_t height, uint32_t round, uint64_t now_ms,
                           uint8_t **out, size_t *out_len)
{
    sim_app *a = ctx;
    (void)round;
    CHR_ASSERT(height == a->height + 1);
    draft_transfers(a);
    draft_stake(a);
    return ledger_chain_propose(a->chain, a->mp, now_ms, a->proposer, out, out_len);
}

static chr_err app_block_id(void *ctx, const uint8_t *block, size_t len, uint8_t id[32])
{
    (void)ctx;
    return ledger_block_id(id, block, len);
}

static int app_valid(void *ctx, const uint8_t *block, size_t len)
{
    sim_app *a = ctx;
    char why[256];
    return ledger_chain_check(a->chain, block, len, NULL, NULL, why, sizeof(why)) == CHR_OK;
}

static int app_timely(void *ctx, const uint8_t *block, size_t len, uint64_t now_ms)
{
    (void)ctx;
    ledger_header h;
    return ledger_block_peek_header(&h, block, len) == CHR_OK && h.time_ms <= now_ms + SIM_DRIFT_MS;
}

cons_app sim_app_callbacks(sim_app *a)
{
    cons_app app = {a, app_propose, app_block_id, app_valid, app_timely};
    return app;
}

/* The accounts' balances, the staking pools' bonded and unbonding tokens, the rewards pending
 * and the treasury, less what inflation minted and plus what slashes burned: the genesis
 * supply at every height. */
static uint64_t supply(sim_app *a)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < a->db_len; i++) {
        sum += a->db_acct[i].balance;
    }
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    ledger_staking_pool pool;
    CHR_ASSERT(ledger_trie_mem_object(a->rows, LEDGER_STATE_GLOBAL, (const uint8_t *)"staking", 7,
                                      value, &len, &found) == CHR_OK);
    if (found) {
        CHR_ASSERT(ledger_staking_pool_decode(&pool, value, len) == CHR_OK);
        sum += pool.bonded + pool.unbonding - pool.minted + pool.burned;
    }
    /* Rewards pending and the treasury (ledger/distribution.h). */
    ledger_objects *t;
    uint64_t held = 0;
    CHR_ASSERT(ledger_objects_new(&t, 1, db_object, db_object_scan, a) == CHR_OK);
    CHR_ASSERT(ledger_distribution_held(t, &held) == CHR_OK);
    ledger_objects_free(t);
    return sum + held;
}

/* Keeps a committed block and its commit for peers behind. */
static void keep_block(sim_app *a, const uint8_t *block, size_t len, const ledger_commit *commit)
{
    if (a->chain_len == a->chain_cap) {
        size_t cap = a->chain_cap == 0 ? 64 : a->chain_cap * 2;
        sim_committed *grown = realloc(a->chain_blocks, cap * sizeof(*grown));
        CHR_ASSERT(grown != NULL);
        a->chain_blocks = grown;
        a->chain_cap = cap;
    }
    sim_committed *slot = &a->chain_blocks[a->chain_len++];
    slot->block = malloc(len);
    CHR_ASSERT(slot->block != NULL);
    memcpy(slot->block, block, len);
    slot->block_len = len;
    slot->commit = *commit;
}

int sim_app_apply(sim_app *a, const uint8_t *block, size_t len, const ledger_commit *commit,
                  char *why, size_t why_cap)
{
    char detail[256] = "";
    ledger_chain_applied ap;
    chr_err err = ledger_chain_apply_decided(a->chain, block, len, &ap, detail, sizeof(detail));
    if (err != CHR_OK) {
        snprintf(why, why_cap, "decided block at height %llu does not apply: %s",
                 (unsigned long long)(a->height + 1), detail);
        return 0;
    }
    for (size_t i = 0; i < ledger_overlay_len(ap.changes); i++) {
        const uint8_t *addr;
        ledger_account acct;
        ledger_overlay_at(ap.changes, i, &addr, &acct);
        db_put(a, addr, &acct);
    }
    for (uint16_t i = 0; i < ap.evidence_len; i++) {
        ev_put(a, &ap.evidence[i]);
    }
    CHR_ASSERT(ledger_trie_mem_store(a->rows, ap.trie) == CHR_OK);
    CHR_ASSERT(ledger_trie_mem_objects_store(a->rows, ledger_overlay_objects(ap.changes)) ==
               CHR_OK);
    a->txs += ap.block->txs_len;
    uint8_t before[32], after[32];
    ledger_valset_hash(ledger_chain_validators(a->chain), before);
    ledger_chain_commit_done(a->chain, commit, 1);
    ledger_valset_hash(ledger_chain_validators(a->chain), after);
    a->set_changes += memcmp(before, after, 32) != 0;
    uint64_t time_ms;
    uint8_t hash[32];
    ledger_chain_tip(a->chain, &a->height, hash, &time_ms);
    uint8_t root[32];
    ledger_chain_state_root(a->chain, root);
    if (memcmp(root, ledger_chain_tip_header(a->chain)->state_root, 32) != 0) {
        snprintf(why, why_cap, "state root after height %llu is not the header's",
                 (unsigned long long)a->height);
        return 0;
    }
    if (supply(a) != a->genesis_supply) {
        snprintf(why, why_cap, "supply %llu after height %llu", (unsigned long long)supply(a),
                 (unsigned long long)a->height);
        return 0;
    }
    keep_block(a, block, len, commit);
    return 1;
}

int sim_app_evidence(sim_app *a, const ledger_evidence *ev, char *why, size_t why_cap)
{
    chr_err err = ledger_chain_evidence_add(a->chain, ev, 1, why, why_cap);
    /* The core reports each offence once per node; a pooled or committed one may come
     * again after a restart. */
    return err == CHR_OK || err == CHR_ERR_DUPLICATE;
}
