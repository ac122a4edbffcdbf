#include "tests/unit/staking/fixture.h"

#include <string.h>

#include "common/assert.h"
#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "ledger/slashing.h"

void st_key(uint8_t out[32], unsigned i)
{
    memset(out, 0, 32);
    out[0] = 0xa0;
    out[30] = (uint8_t)(i >> 8);
    out[31] = (uint8_t)i;
}

static chr_err st_load(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    st_db *db = ctx;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < db->len; i++) {
        if (memcmp(db->addr[i], addr, 32) == 0) {
            *out = db->acct[i];
        }
    }
    return CHR_OK;
}

static chr_err st_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                         size_t *value_len, int *found)
{
    st_db *db = ctx;
    return ledger_trie_mem_object(db->mem, kind, natural, natural_len, value, value_len, found);
}

static chr_err st_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix, size_t prefix_len,
                       const uint8_t *after, size_t after_len, ledger_object *out)
{
    st_db *db = ctx;
    return ledger_trie_mem_object_scan(db->mem, kind, prefix, prefix_len, after, after_len, out);
}

void st_open(st_db *db, unsigned n, uint64_t balance)
{
    memset(db, 0, sizeof(*db));
    CHR_ASSERT(n < ST_ACCOUNTS);
    for (unsigned i = 1; i <= n; i++) {
        st_key(db->addr[db->len], i);
        db->acct[db->len].balance = balance;
        db->len++;
    }
    CHR_ASSERT(ledger_trie_mem_new(&db->mem) == CHR_OK);
    CHR_ASSERT(ledger_overlay_new(&db->o, 4096, st_load, db) == CHR_OK);
    CHR_ASSERT(ledger_objects_new(&db->t, 8192, st_object, st_scan, db) == CHR_OK);
    ledger_overlay_attach_objects(db->o, db->t);
    ledger_params_default(&db->params);
    db->params.unbonding_time_ms = 10000;
    db->params.min_self_bond = 100;
    db->params.power_unit = 10;
    db->params.fee_transfer = 1;
    db->height = 1;
    db->time_ms = 1000000;
    st_key(db->proposer, 0);
}

void st_close(st_db *db)
{
    ledger_overlay_free(db->o);
    ledger_objects_free(db->t);
    ledger_trie_mem_free(db->mem);
}

ledger_account st_account(st_db *db, unsigned i)
{
    uint8_t k[32];
    ledger_account a;
    st_key(k, i);
    CHR_ASSERT(ledger_overlay_get(db->o, k, &a) == CHR_OK);
    return a;
}

chr_err st_apply(st_db *db, unsigned i, ledger_tx *tx)
{
    uint8_t k[32];
    st_key(k, i);
    ledger_account a = st_account(db, i);
    memcpy(tx->from, k, 32);
    tx->nonce = a.nonce;
    tx->fee = db->params.fee_transfer;
    ledger_apply_env env = {db->height, ledger_fee_collector, db->time_ms, &db->params, NULL};
    return ledger_tx_apply_env(db->o, tx, &env, db->detail, sizeof(db->detail));
}

static void st_init(ledger_tx *tx, ledger_tx_type type)
{
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(tx, type, "chroom-test", zero, 0, 0, 0, NULL, 0) == CHR_OK);
}

chr_err st_create(st_db *db, unsigned i, uint64_t amount, uint64_t min_self_bond)
{
    ledger_tx tx;
    st_init(&tx, LEDGER_TX_CREATE_VALIDATOR);
    ledger_staking_create *c = &tx.body.create_validator;
    st_key(c->consensus_key, 1000 + i);
    c->commission_ppm = 100000;
    c->commission_max_ppm = 200000;
    c->commission_change_max_ppm = 10000;
    c->min_self_bond = min_self_bond;
    c->amount = amount;
    c->moniker_len = 4;
    memcpy(c->moniker, "node", 4);
    return st_apply(db, i, &tx);
}

chr_err st_delegate(st_db *db, unsigned i, unsigned v, uint64_t amount)
{
    ledger_tx tx;
    st_init(&tx, LEDGER_TX_DELEGATE);
    st_key(tx.body.stake.validator, v);
    tx.body.stake.amount = amount;
    return st_apply(db, i, &tx);
}

chr_err st_undelegate(st_db *db, unsigned i, unsigned v, uint64_t amount)
{
    ledger_tx tx;
    st_init(&tx, LEDGER_TX_UNDELEGATE);
    st_key(tx.body.stake.validator, v);
    tx.body.stake.amount = amount;
    return st_apply(db, i, &tx);
}

chr_err st_redelegate(st_db *db, unsigned i, unsigned src, unsigned dst, uint64_t amount)
{
    ledger_tx tx;
    st_init(&tx, LEDGER_TX_REDELEGATE);
    st_key(tx.body.restake.src, src);
    st_key(tx.body.restake.dst, dst);
    tx.body.restake.amount = amount;
    return st_apply(db, i, &tx);
}

/* The previous block's set and commit, as db->absent says. */
static void st_signers(st_db *db)
{
    uint64_t from;
    memset(&db->commit, 0, sizeof(db->commit));
    if (db->height < 2 || ledger_staking_set_at(ledger_trie_mem_object_scan, db->mem,
                                                db->height - 1, &db->prev, &from, NULL) != CHR_OK) {
        ledger_valset_init(&db->prev);
        return;
    }
    for (size_t i = 0; i < db->prev.len; i++) {
        if (i >= 64 || !(db->absent >> i & 1)) {
            memcpy(db->commit.sigs[db->commit.sigs_len++].validator, db->prev.v[i].pubkey, 32);
        }
    }
}

chr_err st_end_block(st_db *db, uint64_t dt_ms)
{
    st_signers(db);
    chr_err err = ledger_distribution_end_block(db->o, &db->params, db->proposer, &db->prev,
                                                db->height > 1 ? &db->commit : NULL, db->time_ms);
    if (err == CHR_OK && db->after_rewards != NULL) {
        db->after_rewards(db->after_ctx);
    }
    err = err ? err
              : ledger_slashing_end_block(db->t, &db->params, &db->prev,
                                          db->height > 1 ? &db->commit : NULL, db->ev, db->ev_len,
                                          db->height, db->time_ms);
    err = err ? err : ledger_staking_end_block(db->o, &db->params, db->height, db->time_ms);
    err = err ? err : ledger_settle_end_block(db->o, db->time_ms); /* as ledger/chain.c */
    db->ev_len = 0;
    if (err != CHR_OK) {
        return err;
    }
    for (size_t i = 0; i < ledger_overlay_len(db->o); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(db->o, i, &addr, &a);
        size_t k = 0;
        while (k < db->len && memcmp(db->addr[k], addr, 32) != 0) {
            k++;
        }
        if (k == db->len) {
            CHR_ASSERT(db->len < ST_ACCOUNTS);
            memcpy(db->addr[db->len++], addr, 32);
        }
        db->acct[k] = a;
    }
    err = ledger_trie_mem_objects_store(db->mem, db->t);
    ledger_overlay_reset(db->o);
    db->height++;
    db->time_ms += dt_ms;
    return err;
}

ledger_staking_validator st_validator(st_db *db, unsigned v, int *found)
{
    uint8_t k[32];
    ledger_staking_validator out;
    st_key(k, v);
    CHR_ASSERT(ledger_staking_validator_get(db->t, k, &out, found) == CHR_OK);
    return out;
}

uint64_t st_liquid(st_db *db)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < db->len; i++) {
        ledger_account a;
        CHR_ASSERT(ledger_overlay_get(db->o, db->addr[i], &a) == CHR_OK);
        sum += a.balance;
    }
    return sum;
}

chr_err st_supply_check(st_db *db, uint64_t genesis_supply)
{
    uint64_t held;
    uint64_t escrow;
    uint64_t burned;
    ledger_meetings_totals m;
    chr_err err = ledger_distribution_held(db->t, &held);
    err = err ? err : ledger_gov_escrow(db->t, &escrow, &burned);
    err = err ? err : ledger_meetings_totals_get(db->t, &m);
    /* The meetings' escrows and media bonds are counted beside the liquid units. */
    return err ? err
               : ledger_staking_supply_check(
                     db->t, st_liquid(db) + escrow + burned + m.escrowed + m.media_bonded, held,
                     genesis_supply, db->detail, sizeof(db->detail));
}

__extension__ typedef unsigned __int128 st_u128;

/* Whether op is among the first validators_max rows of the power index. */
static int st_active(st_db *db, uint32_t validators_max, const uint8_t op[32])
{
    ledger_object o;
    uint8_t after[40];
    size_t after_len = 0;
    for (uint32_t i = 0; i < validators_max; i++) {
        size_t got;
        CHR_ASSERT(ledger_object_scan(db->t, LEDGER_STATE_POWER, NULL, 0, after_len ? after : NULL,
                                      after_len, &o, 1, &got) == CHR_OK);
        if (got == 0) {
            return 0;
        }
        if (memcmp(o.natural + 8, op, 32) == 0) {
            return 1;
        }
        memcpy(after, o.natural, 40);
        after_len = 40;
    }
    return 0;
}

void st_gov_slow_tally(st_db *db, uint32_t validators_max, uint64_t id, uint64_t out[4],
                       uint64_t followed[4])
{
    memset(out, 0, 4 * sizeof(out[0]));
    if (followed != NULL) {
        memset(followed, 0, 4 * sizeof(followed[0]));
    }
    ledger_object o;
    uint8_t after[64];
    size_t after_len = 0;
    for (;;) {
        size_t got;
        CHR_ASSERT(ledger_object_scan(db->t, LEDGER_STATE_DELEGATION, NULL, 0,
                                      after_len ? after : NULL, after_len, &o, 1, &got) == CHR_OK);
        if (got == 0) {
            return;
        }
        memcpy(after, o.natural, 64);
        after_len = 64;
        ledger_staking_delegation d;
        ledger_staking_validator v;
        int found;
        uint8_t mine, theirs;
        CHR_ASSERT(ledger_staking_delegation_decode(&d, o.value, o.value_len) == CHR_OK);
        CHR_ASSERT(ledger_staking_validator_get(db->t, o.natural + 32, &v, &found) == CHR_OK);
        CHR_ASSERT(ledger_gov_vote_get(db->t, id, o.natural, &mine) == CHR_OK);
        CHR_ASSERT(ledger_gov_vote_get(db->t, id, o.natural + 32, &theirs) == CHR_OK);
        uint8_t option = mine ? mine : theirs;
        if (option != 0 && v.shares > 0 && st_active(db, validators_max, o.natural + 32)) {
            out[option - 1] += (uint64_t)((st_u128)d.shares * v.tokens / v.shares);
            if (followed != NULL && mine == 0) {
                followed[option - 1]++;
            }
        }
    }
}
