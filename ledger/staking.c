#include "ledger/staking.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "ledger/distribution.h"
#include "ledger/media.h"
#include "ledger/slashing.h"

static const uint8_t pool_name[] = {'s', 't', 'a', 'k', 'i', 'n', 'g'};

#define DAY_MS 86400000ull

/* a * b / c rounded down, or up; c > 0 and the result fits (asserted: every caller's
 * result is at most one of a, b). The shares arithmetic of a validator's pool. */
__extension__ typedef unsigned __int128 staking_u128;

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c, int up)
{
    CHR_ASSERT(c > 0);
    staking_u128 p = (staking_u128)a * b;
    staking_u128 q = p / c;
    if (up && q * c != p) {
        q++;
    }
    CHR_ASSERT(q <= UINT64_MAX);
    return (uint64_t)q;
}

/* ---- Encodings. ---- */

size_t ledger_staking_validator_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                       const ledger_staking_validator *v)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    chr_enc_raw(&enc, v->consensus_key, 32);
    chr_enc_u32(&enc, v->commission_ppm);
    chr_enc_u32(&enc, v->commission_max_ppm);
    chr_enc_u32(&enc, v->commission_change_max_ppm);
    chr_enc_u64(&enc, v->commission_updated_ms);
    chr_enc_u64(&enc, v->min_self_bond);
    chr_enc_u64(&enc, v->tokens);
    chr_enc_u64(&enc, v->shares);
    chr_enc_u8(&enc, v->status);
    chr_enc_u8(&enc, v->jailed);
    chr_enc_u8(&enc, v->tombstoned);
    chr_enc_u64(&enc, v->jailed_until_ms);
    chr_enc_u64(&enc, v->unbonding_until_ms);
    chr_enc_u64(&enc, v->created_height);
    chr_enc_bytes8(&enc, (const uint8_t *)v->moniker, v->moniker_len);
    chr_enc_bytes8(&enc, (const uint8_t *)v->website, v->website_len);
    chr_enc_bytes8(&enc, (const uint8_t *)v->details, v->details_len);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

static chr_err dec_flag(chr_dec *dec, uint8_t *out, uint8_t max)
{
    chr_err err = chr_dec_u8(dec, out);
    return err == CHR_OK && *out > max ? CHR_ERR_NONCANONICAL : err;
}

static chr_err dec_text(chr_dec *dec, char *out, uint8_t *out_len, size_t max)
{
    const uint8_t *p;
    size_t n;
    chr_err err = chr_dec_bytes8(dec, &p, &n, max);
    if (err == CHR_OK) {
        memcpy(out, p, n);
        *out_len = (uint8_t)n;
    }
    return err;
}

chr_err ledger_staking_validator_decode(ledger_staking_validator *out,
                                        const uint8_t operator_key[32], const uint8_t *in,
                                        size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_raw(&dec, out->consensus_key, 32);
    err = err ? err : chr_dec_u32(&dec, &out->commission_ppm);
    err = err ? err : chr_dec_u32(&dec, &out->commission_max_ppm);
    err = err ? err : chr_dec_u32(&dec, &out->commission_change_max_ppm);
    err = err ? err : chr_dec_u64(&dec, &out->commission_updated_ms);
    err = err ? err : chr_dec_u64(&dec, &out->min_self_bond);
    err = err ? err : chr_dec_u64(&dec, &out->tokens);
    err = err ? err : chr_dec_u64(&dec, &out->shares);
    err = err ? err : dec_flag(&dec, &out->status, LEDGER_STAKING_UNBONDING);
    err = err ? err : dec_flag(&dec, &out->jailed, 1);
    err = err ? err : dec_flag(&dec, &out->tombstoned, 1);
    err = err ? err : chr_dec_u64(&dec, &out->jailed_until_ms);
    err = err ? err : chr_dec_u64(&dec, &out->unbonding_until_ms);
    err = err ? err : chr_dec_u64(&dec, &out->created_height);
    err = err ? err : dec_text(&dec, out->moniker, &out->moniker_len, LEDGER_MONIKER_MAX);
    err = err ? err : dec_text(&dec, out->website, &out->website_len, LEDGER_WEBSITE_MAX);
    err = err ? err : dec_text(&dec, out->details, &out->details_len, LEDGER_DETAILS_MAX);
    err = err ? err : chr_dec_finish(&dec);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    memcpy(out->operator_key, operator_key, 32);
    return CHR_OK;
}

size_t ledger_staking_delegation_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                        const ledger_staking_delegation *d)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    chr_enc_u64(&enc, d->shares);
    chr_enc_u64(&enc, d->reward_period);
    chr_enc_u64(&enc, d->reward_stake);
    chr_enc_u16(&enc, d->unbondings);
    chr_enc_u16(&enc, d->redelegations_in);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

chr_err ledger_staking_delegation_decode(ledger_staking_delegation *out, const uint8_t *in,
                                         size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u64(&dec, &out->shares);
    err = err ? err : chr_dec_u64(&dec, &out->reward_period);
    err = err ? err : chr_dec_u64(&dec, &out->reward_stake);
    err = err ? err : chr_dec_u16(&dec, &out->unbondings);
    err = err ? err : chr_dec_u16(&dec, &out->redelegations_in);
    err = err ? err : chr_dec_finish(&dec);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

size_t ledger_staking_pool_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                  const ledger_staking_pool *p)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    chr_enc_u64(&enc, p->bonded);
    chr_enc_u64(&enc, p->unbonding);
    chr_enc_u64(&enc, p->minted);
    chr_enc_u64(&enc, p->burned);
    chr_enc_u64(&enc, p->next_seq);
    chr_enc_u64(&enc, p->set_height);
    chr_enc_raw(&enc, p->set_hash, 32);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

chr_err ledger_staking_pool_decode(ledger_staking_pool *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u64(&dec, &out->bonded);
    err = err ? err : chr_dec_u64(&dec, &out->unbonding);
    err = err ? err : chr_dec_u64(&dec, &out->minted);
    err = err ? err : chr_dec_u64(&dec, &out->burned);
    err = err ? err : chr_dec_u64(&dec, &out->next_seq);
    err = err ? err : chr_dec_u64(&dec, &out->set_height);
    err = err ? err : chr_dec_raw(&dec, out->set_hash, 32);
    err = err ? err : chr_dec_finish(&dec);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* An entry (unbonding or redelegation): u64 created_height, u64 initial, u64 amount after
 * a redelegation's raw32 src. */
static size_t entry_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX], const uint8_t *src,
                           uint64_t height, uint64_t initial, uint64_t amount)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    if (src != NULL) {
        chr_enc_raw(&enc, src, 32);
    }
    chr_enc_u64(&enc, height);
    chr_enc_u64(&enc, initial);
    chr_enc_u64(&enc, amount);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

static chr_err entry_decode(const uint8_t *in, size_t in_len, uint8_t *src, uint64_t *height,
                            uint64_t *initial, uint64_t *amount)
{
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = src != NULL ? chr_dec_raw(&dec, src, 32) : CHR_OK;
    err = err ? err : chr_dec_u64(&dec, height);
    err = err ? err : chr_dec_u64(&dec, initial);
    err = err ? err : chr_dec_u64(&dec, amount);
    return err ? err : chr_dec_finish(&dec);
}

/* ---- Reads and writes through the block's table. ---- */

/* A stored value that does not decode is damage, not a client's mistake. */
static chr_err damaged(chr_err err)
{
    return err == CHR_OK ? CHR_OK : CHR_ERR_STORE;
}

chr_err ledger_staking_pool_get(ledger_objects *t, ledger_staking_pool *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_object_get(t, LEDGER_STATE_GLOBAL, pool_name, sizeof(pool_name), value,
                                    &len, &found);
    if (err != CHR_OK || !found) {
        return err;
    }
    return damaged(ledger_staking_pool_decode(out, value, len));
}

chr_err ledger_staking_pool_put(ledger_objects *t, const ledger_staking_pool *p)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len = ledger_staking_pool_encode(value, p);
    return ledger_object_put(t, LEDGER_STATE_GLOBAL, pool_name, sizeof(pool_name), value, len);
}

chr_err ledger_staking_validator_get(ledger_objects *t, const uint8_t operator_key[32],
                                     ledger_staking_validator *out, int *found)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    memset(out, 0, sizeof(*out));
    chr_err err =
        ledger_object_get(t, LEDGER_STATE_VALIDATOR, operator_key, 32, value, &len, found);
    if (err != CHR_OK || !*found) {
        return err;
    }
    return damaged(ledger_staking_validator_decode(out, operator_key, value, len));
}

static void pair_key(uint8_t out[64], const uint8_t delegator[32], const uint8_t validator[32])
{
    memcpy(out, delegator, 32);
    memcpy(out + 32, validator, 32);
}

chr_err ledger_staking_delegation_get(ledger_objects *t, const uint8_t delegator[32],
                                      const uint8_t validator[32], ledger_staking_delegation *out,
                                      int *found)
{
    uint8_t key[64];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    pair_key(key, delegator, validator);
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_object_get(t, LEDGER_STATE_DELEGATION, key, 64, value, &len, found);
    if (err != CHR_OK || !*found) {
        return err;
    }
    return damaged(ledger_staking_delegation_decode(out, value, len));
}

/* Writes d, or deletes it when it holds nothing (no shares, no entries pending). */
static chr_err delegation_put(ledger_objects *t, const uint8_t delegator[32],
                              const uint8_t validator[32], const ledger_staking_delegation *d)
{
    uint8_t key[64];
    pair_key(key, delegator, validator);
    if (d->shares == 0 && d->unbondings == 0 && d->redelegations_in == 0) {
        int found;
        return ledger_object_delete(t, LEDGER_STATE_DELEGATION, key, 64, &found);
    }
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len = ledger_staking_delegation_encode(value, d);
    return ledger_object_put(t, LEDGER_STATE_DELEGATION, key, 64, value, len);
}

/* Whether v may sign: in the power index. */
static int indexed(const ledger_staking_validator *v)
{
    return !v->jailed && !v->tombstoned && v->tokens > 0;
}

static void power_key(uint8_t out[40], const ledger_staking_validator *v)
{
    chr_put_u64be(out, UINT64_MAX - v->tokens);
    memcpy(out + 8, v->operator_key, 32);
}

/* Writes v (the table held `old`, NULL when new) and keeps its power index row. */
static chr_err validator_put(ledger_objects *t, const ledger_staking_validator *old,
                             const ledger_staking_validator *v)
{
    uint8_t key[40];
    chr_err err = CHR_OK;
    int same_row = old != NULL && indexed(old) && indexed(v) && old->tokens == v->tokens;
    if (old != NULL && indexed(old) && !same_row) {
        int found;
        power_key(key, old);
        err = ledger_object_delete(t, LEDGER_STATE_POWER, key, 40, &found);
    }
    if (err == CHR_OK && indexed(v) && !same_row) {
        power_key(key, v);
        err = ledger_object_put(t, LEDGER_STATE_POWER, key, 40, v->consensus_key, 32);
    }
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len = ledger_staking_validator_encode(value, v);
    return err ? err
               : ledger_object_put(t, LEDGER_STATE_VALIDATOR, v->operator_key, 32, value, len);
}

static chr_err need_room(ledger_objects *t)
{
    return ledger_objects_room(t) < LEDGER_STAKING_OBJECTS_MAX ? CHR_ERR_FULL : CHR_OK;
}

/* An amount of 0 is refused by the stateless checks; here too (see create). */
static chr_err need_amount(uint64_t amount, char *detail, size_t cap)
{
    if (amount == 0) {
        snprintf(detail, cap, "amount: must be positive");
        return CHR_ERR_AMOUNT;
    }
    return CHR_OK;
}

/* The validator of key for an operation: CHR_ERR_NO_VALIDATOR with detail when none. */
static chr_err validator_need(ledger_objects *t, const uint8_t key[32], const char *what,
                              ledger_staking_validator *out, char *detail, size_t cap)
{
    int found;
    chr_err err = ledger_staking_validator_get(t, key, out, &found);
    if (err == CHR_OK && !found) {
        snprintf(detail, cap, "%s: no such validator", what);
        return CHR_ERR_NO_VALIDATOR;
    }
    return err;
}

/* ---- Operations. ---- */

/* Adds amount of stake to v for the delegation d: the shares it buys. CHR_ERR_NO_VALIDATOR
 * when v has shares but no tokens left (all slashed): a share would be worth nothing. */
static chr_err bond(ledger_staking_validator *v, ledger_staking_delegation *d, uint64_t amount,
                    char *detail, size_t cap)
{
    if (v->tokens == 0 && v->shares > 0) {
        snprintf(detail, cap, "validator: holds no stake to delegate to");
        return CHR_ERR_NO_VALIDATOR;
    }
    uint64_t shares = v->shares == 0 ? amount : mul_div(amount, v->shares, v->tokens, 0);
    /* The supply fits a u64, so tokens cannot overflow; shares track tokens until slashes
     * make a share worth more, never less. */
    CHR_ASSERT(chr_add_u64(&v->tokens, v->tokens, amount) == CHR_OK);
    CHR_ASSERT(chr_add_u64(&v->shares, v->shares, shares) == CHR_OK);
    CHR_ASSERT(chr_add_u64(&d->shares, d->shares, shares) == CHR_OK);
    d->reward_stake = mul_div(d->shares, v->tokens, v->shares, 0);
    return CHR_OK;
}

/* Takes amount of stake out of v for d: CHR_ERR_STAKE when d's shares are worth less. */
static chr_err unbond(ledger_staking_validator *v, ledger_staking_delegation *d, uint64_t amount,
                      const char *what, char *detail, size_t cap)
{
    uint64_t worth = v->shares == 0 ? 0 : mul_div(d->shares, v->tokens, v->shares, 0);
    if (amount > worth) {
        snprintf(detail, cap, "amount: %s holds %llu, asked %llu", what, (unsigned long long)worth,
                 (unsigned long long)amount);
        return CHR_ERR_STAKE;
    }
    /* All of what it is worth takes all its shares (no dust of shares stays behind). */
    uint64_t shares = amount == worth ? d->shares : mul_div(amount, v->shares, v->tokens, 1);
    CHR_ASSERT(shares <= d->shares && shares <= v->shares);
    d->shares -= shares;
    v->shares -= shares;
    /* The last shares out take the last tokens. */
    v->tokens = v->shares == 0 ? 0 : v->tokens - amount;
    d->reward_stake = v->shares == 0 ? 0 : mul_div(d->shares, v->tokens, v->shares, 0);
    return CHR_OK;
}

chr_err ledger_staking_create_validator(ledger_objects *t, const ledger_params *params,
                                        const uint8_t operator_key[32],
                                        const ledger_staking_create *c, uint64_t height,
                                        uint64_t time_ms, char *detail, size_t cap)
{
    /* The stateless check refuses these too; a decided block's transactions are not
     * checked again, so the rules that keep the state sound are here as well. */
    if (c->amount < c->min_self_bond || c->commission_ppm > c->commission_max_ppm ||
        c->commission_max_ppm > LEDGER_PPM) {
        snprintf(detail, cap, "amount or commission: outside the checks' limits");
        return c->amount < c->min_self_bond ? CHR_ERR_SELF_BOND : CHR_ERR_COMMISSION;
    }
    if (c->min_self_bond < params->min_self_bond) {
        snprintf(detail, cap, "min_self_bond: the chain's floor is %llu, got %llu",
                 (unsigned long long)params->min_self_bond, (unsigned long long)c->min_self_bond);
        return CHR_ERR_SELF_BOND;
    }
    chr_err err = need_room(t);
    ledger_staking_validator v;
    int found = 0;
    err = err ? err : ledger_staking_validator_get(t, operator_key, &v, &found);
    if (err == CHR_OK && found) {
        snprintf(detail, cap, "from: already operates a validator");
        return CHR_ERR_DUPLICATE;
    }
    uint8_t owner[LEDGER_OBJECT_VALUE_MAX];
    size_t owner_len;
    err = err ? err
              : ledger_object_get(t, LEDGER_STATE_CONS_KEY, c->consensus_key, 32, owner, &owner_len,
                                  &found);
    if (err == CHR_OK && found) {
        snprintf(detail, cap, "consensus_key: another validator's");
        return CHR_ERR_DUPLICATE;
    }
    ledger_staking_pool pool;
    err = err ? err : ledger_staking_pool_get(t, &pool);
    if (err != CHR_OK) {
        return err;
    }
    memset(&v, 0, sizeof(v));
    memcpy(v.operator_key, operator_key, 32);
    memcpy(v.consensus_key, c->consensus_key, 32);
    v.commission_ppm = c->commission_ppm;
    v.commission_max_ppm = c->commission_max_ppm;
    v.commission_change_max_ppm = c->commission_change_max_ppm;
    v.commission_updated_ms = time_ms;
    v.min_self_bond = c->min_self_bond;
    v.status = LEDGER_STAKING_UNBONDED;
    v.created_height = height;
    v.moniker_len = c->moniker_len;
    v.website_len = c->website_len;
    v.details_len = c->details_len;
    memcpy(v.moniker, c->moniker, c->moniker_len);
    memcpy(v.website, c->website, c->website_len);
    memcpy(v.details, c->details, c->details_len);
    ledger_staking_delegation d;
    memset(&d, 0, sizeof(d));
    CHR_ASSERT(bond(&v, &d, c->amount, detail, cap) == CHR_OK);
    CHR_ASSERT(chr_add_u64(&pool.bonded, pool.bonded, c->amount) == CHR_OK);
    err = validator_put(t, NULL, &v);
    err = err ? err
              : ledger_object_put(t, LEDGER_STATE_CONS_KEY, c->consensus_key, 32, operator_key, 32);
    err = err ? err : delegation_put(t, operator_key, operator_key, &d);
    return err ? err : ledger_staking_pool_put(t, &pool);
}

/* The operator's own stake in v. */
static chr_err self_bond(ledger_objects *t, const ledger_staking_validator *v, uint64_t *out)
{
    ledger_staking_delegation d;
    int found;
    chr_err err = ledger_staking_delegation_get(t, v->operator_key, v->operator_key, &d, &found);
    *out = err == CHR_OK && v->shares > 0 ? mul_div(d.shares, v->tokens, v->shares, 0) : 0;
    return err;
}

static chr_err edit_commission(ledger_staking_validator *v, uint32_t rate, uint64_t time_ms,
                               char *detail, size_t cap)
{
    uint32_t step = rate > v->commission_ppm ? rate - v->commission_ppm : v->commission_ppm - rate;
    if (rate > v->commission_max_ppm) {
        snprintf(detail, cap, "commission_ppm: over the validator's max %u", v->commission_max_ppm);
        return CHR_ERR_COMMISSION;
    }
    if (step > v->commission_change_max_ppm) {
        snprintf(detail, cap, "commission_ppm: a step of %u over the daily max %u", step,
                 v->commission_change_max_ppm);
        return CHR_ERR_COMMISSION;
    }
    if (time_ms < v->commission_updated_ms || time_ms - v->commission_updated_ms < DAY_MS) {
        snprintf(detail, cap, "commission_ppm: changed less than 24 h ago");
        return CHR_ERR_COMMISSION;
    }
    v->commission_ppm = rate;
    v->commission_updated_ms = time_ms;
    return CHR_OK;
}

chr_err ledger_staking_edit_validator(ledger_objects *t, const uint8_t operator_key[32],
                                      const ledger_staking_edit *e, uint64_t time_ms, char *detail,
                                      size_t cap)
{
    ledger_staking_validator old;
    chr_err err = need_room(t);
    err = err ? err : validator_need(t, operator_key, "from", &old, detail, cap);
    if (err != CHR_OK) {
        return err;
    }
    ledger_staking_validator v = old;
    if (e->mask & LEDGER_EDIT_COMMISSION) {
        err = edit_commission(&v, e->commission_ppm, time_ms, detail, cap);
    }
    if (err == CHR_OK && (e->mask & LEDGER_EDIT_MIN_SELF_BOND)) {
        uint64_t own = 0;
        err = self_bond(t, &v, &own);
        if (err == CHR_OK && (e->min_self_bond <= v.min_self_bond || e->min_self_bond > own)) {
            snprintf(detail, cap,
                     "min_self_bond: must rise above %llu and stay within the "
                     "self-bond %llu",
                     (unsigned long long)v.min_self_bond, (unsigned long long)own);
            err = CHR_ERR_SELF_BOND;
        }
        v.min_self_bond = e->min_self_bond;
    }
    if (err != CHR_OK) {
        return err;
    }
    if (e->mask & LEDGER_EDIT_MONIKER) {
        v.moniker_len = e->moniker_len;
        memcpy(v.moniker, e->moniker, e->moniker_len);
    }
    if (e->mask & LEDGER_EDIT_WEBSITE) {
        v.website_len = e->website_len;
        memcpy(v.website, e->website, e->website_len);
    }
    if (e->mask & LEDGER_EDIT_DETAILS) {
        v.details_len = e->details_len;
        memcpy(v.details, e->details, e->details_len);
    }
    return validator_put(t, &old, &v);
}

chr_err ledger_staking_delegate(ledger_objects *t, const uint8_t delegator[32],
                                const uint8_t validator[32], uint64_t amount, char *detail,
                                size_t cap)
{
    ledger_staking_validator old;
    ledger_staking_delegation d;
    ledger_staking_pool pool;
    int found;
    chr_err err = need_amount(amount, detail, cap);
    err = err ? err : need_room(t);
    err = err ? err : validator_need(t, validator, "validator", &old, detail, cap);
    if (err == CHR_OK && old.tombstoned) {
        snprintf(detail, cap, "validator: tombstoned");
        return CHR_ERR_TOMBSTONED;
    }
    err = err ? err : ledger_staking_delegation_get(t, delegator, validator, &d, &found);
    err = err ? err : ledger_staking_pool_get(t, &pool);
    ledger_staking_validator v = old;
    err = err ? err : bond(&v, &d, amount, detail, cap);
    if (err != CHR_OK) {
        return err;
    }
    CHR_ASSERT(chr_add_u64(&pool.bonded, pool.bonded, amount) == CHR_OK);
    err = validator_put(t, &old, &v);
    err = err ? err : delegation_put(t, delegator, validator, &d);
    return err ? err : ledger_staking_pool_put(t, &pool);
}

/* An entry's key: u64 completion || raw32 delegator || raw32 validator || u64 seq. */
static void entry_key(uint8_t out[80], uint64_t completion_ms, const uint8_t delegator[32],
                      const uint8_t validator[32], uint64_t seq)
{
    chr_put_u64be(out, completion_ms);
    memcpy(out + 8, delegator, 32);
    memcpy(out + 40, validator, 32);
    chr_put_u64be(out + 72, seq);
}

static uint64_t completion_at(const ledger_params *params, uint64_t time_ms)
{
    uint64_t at;
    /* A block time is the proposer's (only checked to increase): one near 2^64 makes the
     * entry complete never rather than wrap. */
    return chr_add_u64(&at, time_ms, params->unbonding_time_ms) == CHR_OK ? at : UINT64_MAX;
}

/* Jails v when its operator's stake fell under min_self_bond (it leaves the index). */
static chr_err jail_if_under(ledger_objects *t, ledger_staking_validator *v)
{
    uint64_t own = 0;
    chr_err err = self_bond(t, v, &own);
    if (err == CHR_OK && own < v->min_self_bond) {
        v->jailed = 1;
    }
    return err;
}

chr_err ledger_staking_undelegate(ledger_objects *t, const ledger_params *params,
                                  const uint8_t delegator[32], const uint8_t validator[32],
                                  uint64_t amount, uint64_t height, uint64_t time_ms, char *detail,
                                  size_t cap)
{
    ledger_staking_validator old;
    ledger_staking_delegation d;
    ledger_staking_pool pool;
    int found;
    chr_err err = need_amount(amount, detail, cap);
    err = err ? err : need_room(t);
    err = err ? err : validator_need(t, validator, "validator", &old, detail, cap);
    err = err ? err : ledger_staking_delegation_get(t, delegator, validator, &d, &found);
    err = err ? err : ledger_staking_pool_get(t, &pool);
    if (err == CHR_OK && d.unbondings >= params->entries_max) {
        snprintf(detail, cap, "validator: %u unbondings pending, the most a pair may hold",
                 d.unbondings);
        return CHR_ERR_ENTRIES;
    }
    ledger_staking_validator v = old;
    err = err ? err : unbond(&v, &d, amount, "the delegation", detail, cap);
    if (err != CHR_OK) {
        return err;
    }
    d.unbondings++;
    pool.bonded -= amount;
    CHR_ASSERT(chr_add_u64(&pool.unbonding, pool.unbonding, amount) == CHR_OK);
    uint64_t seq = pool.next_seq++;
    uint8_t key[80];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    entry_key(key, completion_at(params, time_ms), delegator, validator, seq);
    size_t len = entry_encode(value, NULL, height, amount, amount);
    /* The delegation is written before the operator's check reads it back. */
    err = delegation_put(t, delegator, validator, &d);
    if (err == CHR_OK && memcmp(delegator, validator, 32) == 0) {
        err = jail_if_under(t, &v);
    }
    err = err ? err : validator_put(t, &old, &v);
    err = err ? err : ledger_object_put(t, LEDGER_STATE_UNBONDING, key, 80, value, len);
    return err ? err : ledger_staking_pool_put(t, &pool);
}

chr_err ledger_staking_unbond_media(ledger_objects *t, const uint8_t operator_key[32],
                                    const uint8_t node_key[32], uint64_t amount, uint64_t height,
                                    uint64_t completion_ms)
{
    CHR_ASSERT(amount > 0);
    ledger_staking_pool pool;
    chr_err err = ledger_staking_pool_get(t, &pool);
    if (err != CHR_OK) {
        return err;
    }
    /* The bond left the operator's balance when the node registered; it was nowhere in the
     * pool until now. */
    CHR_ASSERT(chr_add_u64(&pool.unbonding, pool.unbonding, amount) == CHR_OK);
    uint64_t seq = pool.next_seq++;
    uint8_t key[80];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    entry_key(key, completion_ms, operator_key, node_key, seq);
    size_t len = entry_encode(value, NULL, height, amount, amount);
    err = ledger_object_put(t, LEDGER_STATE_UNBONDING, key, 80, value, len);
    return err ? err : ledger_staking_pool_put(t, &pool);
}

chr_err ledger_staking_redelegate(ledger_objects *t, const ledger_params *params,
                                  const uint8_t delegator[32], const uint8_t src[32],
                                  const uint8_t dst[32], uint64_t amount, uint64_t height,
                                  uint64_t time_ms, char *detail, size_t cap)
{
    if (amount == 0) {
        return need_amount(amount, detail, cap);
    }
    if (memcmp(src, dst, 32) == 0) {
        snprintf(detail, cap, "dst: same as src");
        return CHR_ERR_SAME_VALIDATOR;
    }
    ledger_staking_validator old_src, old_dst;
    ledger_staking_delegation ds, dd;
    ledger_staking_pool pool;
    int found;
    chr_err err = need_room(t);
    err = err ? err : validator_need(t, src, "src", &old_src, detail, cap);
    err = err ? err : validator_need(t, dst, "dst", &old_dst, detail, cap);
    if (err == CHR_OK && old_dst.tombstoned) {
        snprintf(detail, cap, "dst: tombstoned");
        return CHR_ERR_TOMBSTONED;
    }
    err = err ? err : ledger_staking_delegation_get(t, delegator, src, &ds, &found);
    err = err ? err : ledger_staking_delegation_get(t, delegator, dst, &dd, &found);
    err = err ? err : ledger_staking_pool_get(t, &pool);
    if (err == CHR_OK && ds.redelegations_in > 0) {
        snprintf(detail, cap, "src: stake redelegated into it has not matured");
        return CHR_ERR_HOPPING;
    }
    if (err == CHR_OK && dd.redelegations_in >= params->entries_max) {
        snprintf(detail, cap, "dst: %u redelegations pending, the most a pair may hold",
                 dd.redelegations_in);
        return CHR_ERR_ENTRIES;
    }
    ledger_staking_validator vs = old_src;
    ledger_staking_validator vd = old_dst;
    err = err ? err : unbond(&vs, &ds, amount, "the delegation to src", detail, cap);
    err = err ? err : bond(&vd, &dd, amount, detail, cap);
    if (err != CHR_OK) {
        return err;
    }
    dd.redelegations_in++;
    uint64_t seq = pool.next_seq++;
    uint8_t key[80];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    entry_key(key, completion_at(params, time_ms), delegator, dst, seq);
    size_t len = entry_encode(value, src, height, amount, amount);
    err = delegation_put(t, delegator, src, &ds);
    err = err ? err : delegation_put(t, delegator, dst, &dd);
    if (err == CHR_OK && memcmp(delegator, src, 32) == 0) {
        err = jail_if_under(t, &vs);
    }
    err = err ? err : validator_put(t, &old_src, &vs);
    err = err ? err : validator_put(t, &old_dst, &vd);
    err = err ? err : ledger_object_put(t, LEDGER_STATE_REDELEGATION, key, 80, value, len);
    return err ? err : ledger_staking_pool_put(t, &pool);
}

chr_err ledger_staking_unjail(ledger_objects *t, const uint8_t operator_key[32], uint64_t time_ms,
                              char *detail, size_t cap)
{
    ledger_staking_validator old;
    uint64_t own = 0;
    chr_err err = need_room(t);
    err = err ? err : validator_need(t, operator_key, "from", &old, detail, cap);
    err = err ? err : self_bond(t, &old, &own);
    if (err != CHR_OK) {
        return err;
    }
    const char *why = old.tombstoned                  ? "from: the validator is tombstoned"
                      : !old.jailed                   ? "from: the validator is not jailed"
                      : time_ms < old.jailed_until_ms ? "from: the jail time has not passed"
                      : own < old.min_self_bond       ? "from: the self-bond is under min_self_bond"
                                                      : NULL;
    if (why != NULL) {
        snprintf(detail, cap, "%s", why);
        return old.tombstoned                  ? CHR_ERR_TOMBSTONED
               : !old.jailed                   ? CHR_ERR_NOT_JAILED
               : time_ms < old.jailed_until_ms ? CHR_ERR_JAILED
                                               : CHR_ERR_SELF_BOND;
    }
    ledger_staking_validator v = old;
    v.jailed = 0;
    v.jailed_until_ms = 0;
    return validator_put(t, &old, &v);
}

chr_err ledger_staking_slash(ledger_objects *t, const uint8_t operator_key[32],
                             uint32_t fraction_ppm, uint64_t jail_until_ms, int tombstone,
                             uint64_t *burned)
{
    ledger_staking_validator old;
    ledger_staking_pool pool;
    char detail[64];
    CHR_ASSERT(fraction_ppm <= LEDGER_PPM);
    *burned = 0;
    chr_err err = need_room(t);
    err = err ? err : validator_need(t, operator_key, "validator", &old, detail, sizeof(detail));
    err = err ? err : ledger_staking_pool_get(t, &pool);
    if (err != CHR_OK) {
        return err;
    }
    ledger_staking_validator v = old;
    uint64_t burn = mul_div(v.tokens, fraction_ppm, LEDGER_PPM, 0);
    if (pool.bonded < burn) {
        return CHR_ERR_STORE; /* tokens the pool does not count */
    }
    v.tokens -= burn;
    pool.bonded -= burn;
    CHR_ASSERT(chr_add_u64(&pool.burned, pool.burned, burn) == CHR_OK);
    v.jailed = 1;
    v.jailed_until_ms = jail_until_ms > v.jailed_until_ms ? jail_until_ms : v.jailed_until_ms;
    if (tombstone) {
        v.tombstoned = 1;
        v.jailed_until_ms = UINT64_MAX;
    }
    err = validator_put(t, &old, &v);
    err = err ? err : ledger_staking_pool_put(t, &pool);
    *burned = err == CHR_OK ? burn : 0;
    return err;
}

/* ---- End of block. ---- */

/* The first object of kind in t (committed merged with the block's changes): *found 0 when
 * there is none. */
static chr_err first_of(ledger_objects *t, ledger_state_kind kind, ledger_object *out, int *found)
{
    size_t n;
    chr_err err = ledger_object_scan(t, kind, NULL, 0, NULL, 0, out, 1, &n);
    *found = err == CHR_OK && n == 1;
    return err;
}

/* Pays out the due unbondings, oldest first. */
static chr_err mature_unbondings(ledger_overlay *o, ledger_objects *t, ledger_staking_pool *pool,
                                 uint64_t time_ms)
{
    ledger_object e;
    int found = 1;
    chr_err err = CHR_OK;
    for (size_t i = 0; i < LEDGER_STAKING_MATURE_MAX && err == CHR_OK && found; i++) {
        err = first_of(t, LEDGER_STATE_UNBONDING, &e, &found);
        if (err != CHR_OK || !found || e.natural_len != 80 || chr_get_u64be(e.natural) > time_ms) {
            err = err == CHR_OK && found && e.natural_len != 80 ? CHR_ERR_STORE : err;
            break;
        }
        uint64_t height, initial, amount;
        const uint8_t *delegator = e.natural + 8;
        const uint8_t *validator = e.natural + 40;
        ledger_staking_delegation d;
        int has;
        int media = 0;
        err = damaged(entry_decode(e.value, e.value_len, NULL, &height, &initial, &amount));
        err = err ? err
                  : ledger_media_bond_entry(t, delegator, validator, chr_get_u64be(e.natural),
                                            amount, 1, &media);
        if (err == CHR_OK && media) {
            err = pool->unbonding < amount ? CHR_ERR_STORE : CHR_OK;
            pool->unbonding -= err == CHR_OK ? amount : 0;
            err = err ? err : ledger_overlay_credit(o, delegator, amount);
            int deleted;
            err = err ? err
                      : ledger_object_delete(t, LEDGER_STATE_UNBONDING, e.natural, e.natural_len,
                                             &deleted);
            continue;
        }
        err = err ? err : ledger_staking_delegation_get(t, delegator, validator, &d, &has);
        if (err == CHR_OK && (!has || d.unbondings == 0 || pool->unbonding < amount)) {
            err = CHR_ERR_STORE; /* an entry its pair or the pool does not count */
        }
        if (err != CHR_OK) {
            break;
        }
        /* Stake that began unbonding at or after its validator's double signing answers
         * for it now (ledger/slashing.h). */
        uint64_t burn = 0;
        err = ledger_slashing_entry_burn(t, validator, height, initial, amount, &burn);
        if (err != CHR_OK) {
            break;
        }
        d.unbondings--;
        pool->unbonding -= amount;
        CHR_ASSERT(chr_add_u64(&pool->burned, pool->burned, burn) == CHR_OK);
        int deleted;
        err = amount == burn ? CHR_OK : ledger_overlay_credit(o, delegator, amount - burn);
        err = err ? err : delegation_put(t, delegator, validator, &d);
        err = err ? err
                  : ledger_object_delete(t, LEDGER_STATE_UNBONDING, e.natural, e.natural_len,
                                         &deleted);
    }
    return err;
}

/* The room a slashed redelegation's maturing needs (the entry, the delegation, the
 * validator with two power rows, the settle's objects) plus what the rest of the end of
 * block may change after it (the set: a status change and three objects per seat, its
 * head, the pool). */
#define REDELEGATION_SLASH_ROOM (5 + LEDGER_DISTRIBUTION_TX_OBJECTS + 4 * LEDGER_VALIDATORS_MAX + 2)

/* Burns what the redelegation (delegator into dst) owes a double signing of its source out
 * of the delegation to dst, at most what that is worth; settles the pair's rewards around
 * the change of shares. d is the delegation as the caller holds it (written here). */
static chr_err slash_redelegation(ledger_overlay *o, ledger_objects *t, ledger_staking_pool *pool,
                                  const uint8_t delegator[32], const uint8_t dst[32],
                                  ledger_staking_delegation *d, uint64_t owed)
{
    ledger_staking_validator old;
    ledger_reward_snap snap;
    char detail[64];
    chr_err err = validator_need(t, dst, "dst", &old, detail, sizeof(detail));
    err = err ? err : ledger_distribution_snap(t, delegator, dst, &snap);
    if (err != CHR_OK) {
        return err;
    }
    ledger_staking_validator v = old;
    uint64_t worth = v.shares == 0 ? 0 : mul_div(d->shares, v.tokens, v.shares, 0);
    uint64_t burn = owed < worth ? owed : worth;
    if (burn > 0) {
        CHR_ASSERT(unbond(&v, d, burn, "", detail, sizeof(detail)) == CHR_OK);
        CHR_ASSERT(pool->bonded >= burn);
        pool->bonded -= burn;
        CHR_ASSERT(chr_add_u64(&pool->burned, pool->burned, burn) == CHR_OK);
    }
    err = delegation_put(t, delegator, dst, d);
    if (err == CHR_OK && burn > 0 && memcmp(delegator, dst, 32) == 0) {
        err = jail_if_under(t, &v);
    }
    err = err ? err : validator_put(t, &old, &v);
    return err ? err : ledger_distribution_settle(o, delegator, dst, &snap, NULL);
}

/* Ends the due redelegations: their stake may move again (what a double signing of the
 * source since the entry began owes is slashed from it first). */
static chr_err mature_redelegations(ledger_overlay *o, ledger_objects *t, ledger_staking_pool *pool,
                                    uint64_t time_ms)
{
    ledger_object e;
    int found = 1;
    chr_err err = CHR_OK;
    for (size_t i = 0; i < LEDGER_STAKING_MATURE_MAX && err == CHR_OK && found; i++) {
        err = first_of(t, LEDGER_STATE_REDELEGATION, &e, &found);
        if (err != CHR_OK || !found || e.natural_len != 80 || chr_get_u64be(e.natural) > time_ms) {
            err = err == CHR_OK && found && e.natural_len != 80 ? CHR_ERR_STORE : err;
            break;
        }
        const uint8_t *delegator = e.natural + 8;
        const uint8_t *dst = e.natural + 40;
        uint8_t src[32];
        uint64_t height, initial, amount, owed = 0;
        ledger_staking_delegation d;
        int has;
        err = damaged(entry_decode(e.value, e.value_len, src, &height, &initial, &amount));
        err = err ? err : ledger_slashing_entry_burn(t, src, height, initial, UINT64_MAX, &owed);
        err = err ? err : ledger_staking_delegation_get(t, delegator, dst, &d, &has);
        if (err == CHR_OK && (!has || d.redelegations_in == 0)) {
            err = CHR_ERR_STORE;
        }
        if (err != CHR_OK || (owed > 0 && ledger_objects_room(t) < REDELEGATION_SLASH_ROOM)) {
            break; /* the rest, already due, in the next block */
        }
        d.redelegations_in--;
        int deleted;
        err = owed > 0 ? slash_redelegation(o, t, pool, delegator, dst, &d, owed)
                       : delegation_put(t, delegator, dst, &d);
        err = err ? err
                  : ledger_object_delete(t, LEDGER_STATE_REDELEGATION, e.natural, e.natural_len,
                                         &deleted);
    }
    return err;
}

/* A set as end of block decides it: members in stake order. */
typedef struct staking_set {
    size_t len;
    uint8_t ops[LEDGER_VALIDATORS_MAX][32];
    uint8_t keys[LEDGER_VALIDATORS_MAX][32];
    uint64_t power[LEDGER_VALIDATORS_MAX];
    ledger_valset valset; /* the same members by consensus key: the hash */
} staking_set;

#define SCAN_BATCH 16

/* The top validators_max of the power index with power at least 1. */
static chr_err set_decide(ledger_objects *t, const ledger_params *params, staking_set *s)
{
    ledger_object batch[SCAN_BATCH];
    uint8_t after[40];
    size_t after_len = 0;
    s->len = 0;
    ledger_valset_init(&s->valset);
    for (;;) {
        size_t n;
        chr_err err = ledger_object_scan(t, LEDGER_STATE_POWER, NULL, 0, after_len ? after : NULL,
                                         after_len, batch, SCAN_BATCH, &n);
        if (err != CHR_OK) {
            return err;
        }
        for (size_t i = 0; i < n; i++) {
            if (s->len == params->validators_max) {
                return CHR_OK;
            }
            if (batch[i].natural_len != 40 || batch[i].value_len != 32) {
                return CHR_ERR_STORE;
            }
            uint64_t power = (UINT64_MAX - chr_get_u64be(batch[i].natural)) / params->power_unit;
            if (power == 0) {
                return CHR_OK; /* the rest hold less */
            }
            err = ledger_valset_add(&s->valset, batch[i].value, power);
            if (err != CHR_OK) {
                return CHR_ERR_STORE; /* a consensus key twice: the key index failed */
            }
            memcpy(s->ops[s->len], batch[i].natural + 8, 32);
            memcpy(s->keys[s->len], batch[i].value, 32);
            s->power[s->len] = power;
            s->len++;
        }
        if (n < SCAN_BATCH) {
            return CHR_OK;
        }
        memcpy(after, batch[n - 1].natural, 40);
        after_len = 40;
    }
}

static void set_head_key(uint8_t out[8], uint64_t from_height)
{
    chr_put_u64be(out, UINT64_MAX - from_height);
}

/* Reads the members of the set whose head key is head (8 bytes) through scan into s:
 * operators, keys, powers. */
typedef chr_err (*set_scan_fn)(void *ctx, const uint8_t *prefix, size_t prefix_len,
                               const uint8_t *after, size_t after_len, ledger_object *out);

static chr_err set_read(set_scan_fn scan, void *ctx, const uint8_t head[8], size_t len,
                        staking_set *s)
{
    ledger_object e;
    uint8_t after[10];
    ledger_valset_init(&s->valset);
    s->len = 0;
    if (len > LEDGER_VALIDATORS_MAX) {
        return CHR_ERR_STORE; /* no stored set is larger: a damaged head */
    }
    for (size_t i = 0; i < len; i++) {
        memcpy(after, head, 8); /* after the head itself, then after each entry */
        size_t after_len = 8;
        if (i > 0) {
            after[8] = (uint8_t)((i - 1) >> 8);
            after[9] = (uint8_t)(i - 1);
            after_len = 10;
        }
        chr_err err = scan(ctx, head, 8, after, after_len, &e);
        if (err == CHR_ERR_NOT_FOUND) {
            return CHR_ERR_STORE;
        }
        if (err != CHR_OK) {
            return err;
        }
        if (e.natural_len != 10 || e.value_len != 72 ||
            ((size_t)e.natural[8] << 8 | e.natural[9]) != i) {
            return CHR_ERR_STORE;
        }
        memcpy(s->ops[i], e.value, 32);
        memcpy(s->keys[i], e.value + 32, 32);
        s->power[i] = chr_get_u64be(e.value + 64);
        if (ledger_valset_add(&s->valset, s->keys[i], s->power[i]) != CHR_OK) {
            return CHR_ERR_STORE;
        }
        s->len++;
    }
    return CHR_OK;
}

/* The block's table as a set_scan_fn over the validator sets. */
static chr_err table_scan(void *ctx, const uint8_t *prefix, size_t prefix_len, const uint8_t *after,
                          size_t after_len, ledger_object *out)
{
    size_t n;
    chr_err err = ledger_object_scan(ctx, LEDGER_STATE_VALSET, prefix, prefix_len, after, after_len,
                                     out, 1, &n);
    return err == CHR_OK && n == 0 ? CHR_ERR_NOT_FOUND : err;
}

static int set_has(const staking_set *s, const uint8_t op[32])
{
    for (size_t i = 0; i < s->len; i++) {
        if (memcmp(s->ops[i], op, 32) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Sets the status of every member of a that is not in b. */
static chr_err set_status(ledger_objects *t, const staking_set *a, const staking_set *b,
                          uint8_t status, uint64_t until_ms)
{
    chr_err err = CHR_OK;
    for (size_t i = 0; i < a->len && err == CHR_OK; i++) {
        if (set_has(b, a->ops[i])) {
            continue;
        }
        ledger_staking_validator old;
        int found;
        err = ledger_staking_validator_get(t, a->ops[i], &old, &found);
        if (err == CHR_OK && !found) {
            return CHR_ERR_STORE;
        }
        ledger_staking_validator v = old;
        v.status = status;
        v.unbonding_until_ms = status == LEDGER_STAKING_UNBONDING ? until_ms : 0;
        err = err ? err : validator_put(t, &old, &v);
    }
    return err;
}

static chr_err set_store(ledger_objects *t, const staking_set *s, uint64_t from_height)
{
    uint8_t key[10];
    uint8_t value[72];
    set_head_key(key, from_height);
    chr_enc enc;
    chr_enc_init(&enc, value, sizeof(value));
    chr_enc_u16(&enc, (uint16_t)s->len);
    chr_enc_u64(&enc, s->valset.total_power);
    uint8_t hash[32];
    ledger_valset_hash(&s->valset, hash);
    chr_enc_raw(&enc, hash, 32);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    chr_err err = ledger_object_put(t, LEDGER_STATE_VALSET, key, 8, value, len);
    for (size_t i = 0; i < s->len && err == CHR_OK; i++) {
        key[8] = (uint8_t)(i >> 8);
        key[9] = (uint8_t)i;
        memcpy(value, s->ops[i], 32);
        memcpy(value + 32, s->keys[i], 32);
        chr_put_u64be(value + 64, s->power[i]);
        err = ledger_object_put(t, LEDGER_STATE_VALSET, key, 10, value, 72);
    }
    return err;
}

/* Decides the set and stores it when it changed (the contract's rules). */
static chr_err set_update(ledger_objects *t, const ledger_params *params, ledger_staking_pool *pool,
                          uint64_t height, uint64_t time_ms)
{
    staking_set next, prev; /* 14 KB each */
    chr_err err = set_decide(t, params, &next);
    if (err != CHR_OK || next.len == 0) {
        return err;
    }
    uint8_t hash[32];
    ledger_valset_hash(&next.valset, hash);
    if (pool->set_height != 0 && memcmp(hash, pool->set_hash, 32) == 0) {
        return CHR_OK;
    }
    prev.len = 0;
    if (pool->set_height != 0) {
        uint8_t head[8];
        uint8_t value[LEDGER_OBJECT_VALUE_MAX];
        size_t len;
        int found;
        set_head_key(head, pool->set_height);
        err = ledger_object_get(t, LEDGER_STATE_VALSET, head, 8, value, &len, &found);
        if (err == CHR_OK && (!found || len != 42)) {
            return CHR_ERR_STORE;
        }
        err = err ? err : set_read(table_scan, t, head, chr_get_u32be(value) >> 16, &prev);
    }
    uint64_t from = height + 2;
    err = err ? err : set_status(t, &next, &prev, LEDGER_STAKING_BONDED, 0);
    err =
        err ? err
            : set_status(t, &prev, &next, LEDGER_STAKING_UNBONDING, completion_at(params, time_ms));
    err = err ? err : set_store(t, &next, from);
    pool->set_height = from;
    memcpy(pool->set_hash, hash, 32);
    return err;
}

chr_err ledger_staking_end_block(ledger_overlay *o, const ledger_params *params, uint64_t height,
                                 uint64_t time_ms)
{
    ledger_objects *t = ledger_overlay_objects(o);
    CHR_ASSERT(t != NULL);
    CHR_ASSERT(height < UINT64_MAX - 2);
    ledger_staking_pool pool;
    chr_err err = ledger_staking_pool_get(t, &pool);
    if (err != CHR_OK) {
        return err;
    }
    ledger_staking_pool before = pool;
    err = mature_unbondings(o, t, &pool, time_ms);
    err = err ? err : mature_redelegations(o, t, &pool, time_ms);
    err = err ? err : set_update(t, params, &pool, height, time_ms);
    if (err == CHR_OK && memcmp(&before, &pool, sizeof(pool)) != 0) {
        err = ledger_staking_pool_put(t, &pool);
    }
    return err;
}

/* ---- Reading the set of a height. ---- */

typedef struct view_scan {
    ledger_object_scan_fn scan;
    void *ctx;
} view_scan;

static chr_err view_scan_fn(void *ctx, const uint8_t *prefix, size_t prefix_len,
                            const uint8_t *after, size_t after_len, ledger_object *out)
{
    const view_scan *v = ctx;
    return v->scan(v->ctx, LEDGER_STATE_VALSET, prefix, prefix_len, after, after_len, out);
}

chr_err ledger_staking_set_at(ledger_object_scan_fn scan, void *ctx, uint64_t h, ledger_valset *out,
                              uint64_t *from_height, uint8_t (*ops)[32])
{
    staking_set s;
    ledger_valset_init(out);
    *from_height = 0;
    /* Heads are keyed UINT64_MAX - from: the first head at or after UINT64_MAX - h is the
     * newest set starting at or before h. Everything under UINT64_MAX - h - 1 (its head
     * and its entries, indexes below 0xffff) sorts before `after`. */
    uint8_t after[10];
    size_t after_len = 0;
    if (h < UINT64_MAX) {
        chr_put_u64be(after, UINT64_MAX - h - 1);
        after[8] = 0xff;
        after[9] = 0xff;
        after_len = 10;
    }
    ledger_object head;
    chr_err err =
        scan(ctx, LEDGER_STATE_VALSET, NULL, 0, after_len ? after : NULL, after_len, &head);
    if (err != CHR_OK) {
        return err;
    }
    if (head.natural_len != 8 || head.value_len != 42) {
        return CHR_ERR_STORE;
    }
    view_scan v = {scan, ctx};
    err = set_read(view_scan_fn, &v, head.natural, chr_get_u32be(head.value) >> 16, &s);
    if (err != CHR_OK) {
        return err;
    }
    *out = s.valset;
    *from_height = UINT64_MAX - chr_get_u64be(head.natural);
    if (ops != NULL) {
        memcpy(ops, s.ops, s.len * 32);
    }
    return CHR_OK;
}

/* ---- Checks. ---- */

chr_err ledger_staking_supply_check(ledger_objects *t, uint64_t liquid, uint64_t rewards,
                                    uint64_t genesis_supply, char *detail, size_t cap)
{
    ledger_staking_pool pool;
    chr_err err = ledger_staking_pool_get(t, &pool);
    if (err != CHR_OK) {
        return err;
    }
    uint64_t held, want;
    int ok = chr_add_u64(&held, liquid, pool.bonded) == CHR_OK &&
             chr_add_u64(&held, held, pool.unbonding) == CHR_OK &&
             chr_add_u64(&held, held, rewards) == CHR_OK &&
             chr_add_u64(&want, genesis_supply, pool.minted) == CHR_OK && want >= pool.burned &&
             held == want - pool.burned;
    if (!ok) {
        snprintf(detail, cap,
                 "supply: liquid %llu + bonded %llu + unbonding %llu + rewards %llu != genesis "
                 "%llu + minted %llu - burned %llu",
                 (unsigned long long)liquid, (unsigned long long)pool.bonded,
                 (unsigned long long)pool.unbonding, (unsigned long long)rewards,
                 (unsigned long long)genesis_supply, (unsigned long long)pool.minted,
                 (unsigned long long)pool.burned);
        return CHR_ERR_STATE_ROOT;
    }
    return CHR_OK;
}

/* The audit's view of one validator. */
typedef struct audit_val {
    uint8_t op[32];
    uint64_t tokens;
    uint64_t shares;
    uint64_t delegated; /* sum of its delegations' shares */
} audit_val;

#define AUDIT_VALIDATORS_MAX 1024

/* Calls fn on every object of kind in t, in order; stops at fn's first error. */
static chr_err audit_each(ledger_objects *t, ledger_state_kind kind,
                          chr_err (*fn)(void *ctx, const ledger_object *o), void *ctx)
{
    ledger_object batch[SCAN_BATCH];
    uint8_t after[LEDGER_STATE_NATURAL_KEY_MAX];
    size_t after_len = 0;
    for (;;) {
        size_t n;
        chr_err err = ledger_object_scan(t, kind, NULL, 0, after_len ? after : NULL, after_len,
                                         batch, SCAN_BATCH, &n);
        for (size_t i = 0; i < n && err == CHR_OK; i++) {
            err = fn(ctx, &batch[i]);
        }
        if (err != CHR_OK || n < SCAN_BATCH) {
            return err;
        }
        memcpy(after, batch[n - 1].natural, batch[n - 1].natural_len);
        after_len = batch[n - 1].natural_len;
    }
}

typedef struct audit {
    ledger_objects *t;
    audit_val *vals;
    size_t vals_len;
    uint64_t bonded;
    uint64_t unbonding;
    uint64_t power_rows;
    uint64_t indexed;
    uint64_t unbondings; /* entries */
    uint64_t redelegations;
    uint64_t unbondings_counted; /* by the delegations */
    uint64_t redelegations_counted;
    char *detail;
    size_t cap;
} audit;

static chr_err audit_validator(void *ctx, const ledger_object *o)
{
    audit *a = ctx;
    ledger_staking_validator v;
    if (o->natural_len != 32 ||
        ledger_staking_validator_decode(&v, o->natural, o->value, o->value_len) != CHR_OK ||
        a->vals_len == AUDIT_VALIDATORS_MAX) {
        snprintf(a->detail, a->cap, "validator: undecodable, or over the audit's limit");
        return CHR_ERR_STATE_ROOT;
    }
    audit_val *x = &a->vals[a->vals_len++];
    memcpy(x->op, v.operator_key, 32);
    x->tokens = v.tokens;
    x->shares = v.shares;
    x->delegated = 0;
    if (chr_add_u64(&a->bonded, a->bonded, v.tokens) != CHR_OK) {
        snprintf(a->detail, a->cap, "bonded: overflows");
        return CHR_ERR_STATE_ROOT;
    }
    if (indexed(&v)) {
        uint8_t key[40];
        uint8_t value[LEDGER_OBJECT_VALUE_MAX];
        size_t len;
        int found;
        power_key(key, &v);
        chr_err err = ledger_object_get(a->t, LEDGER_STATE_POWER, key, 40, value, &len, &found);
        if (err != CHR_OK) {
            return err;
        }
        if (!found || len != 32 || memcmp(value, v.consensus_key, 32) != 0) {
            snprintf(a->detail, a->cap, "power_index: a validator's row is missing or wrong");
            return CHR_ERR_STATE_ROOT;
        }
        a->indexed++;
    }
    return CHR_OK;
}

static chr_err audit_delegation(void *ctx, const ledger_object *o)
{
    audit *a = ctx;
    ledger_staking_delegation d;
    if (o->natural_len != 64 ||
        ledger_staking_delegation_decode(&d, o->value, o->value_len) != CHR_OK) {
        snprintf(a->detail, a->cap, "delegation: undecodable");
        return CHR_ERR_STATE_ROOT;
    }
    a->unbondings_counted += d.unbondings;
    a->redelegations_counted += d.redelegations_in;
    for (size_t i = 0; i < a->vals_len; i++) {
        if (memcmp(a->vals[i].op, o->natural + 32, 32) == 0) {
            a->vals[i].delegated += d.shares;
            return CHR_OK;
        }
    }
    snprintf(a->detail, a->cap, "delegation: to no validator");
    return CHR_ERR_STATE_ROOT;
}

static chr_err audit_unbonding(void *ctx, const ledger_object *o)
{
    audit *a = ctx;
    uint64_t height, initial, amount;
    int media = 0;
    if (o->natural_len != 80 ||
        entry_decode(o->value, o->value_len, NULL, &height, &initial, &amount) != CHR_OK ||
        chr_add_u64(&a->unbonding, a->unbonding, amount) != CHR_OK) {
        snprintf(a->detail, a->cap, "unbonding: undecodable");
        return CHR_ERR_STATE_ROOT;
    }
    chr_err err = ledger_media_bond_entry(a->t, o->natural + 8, o->natural + 40,
                                          chr_get_u64be(o->natural), amount, 0, &media);
    if (err != CHR_OK) {
        return err;
    }
    /* A media node's bond is counted by its record, not by a delegation. */
    a->unbondings += media ? 0 : 1;
    return CHR_OK;
}

static chr_err audit_redelegation(void *ctx, const ledger_object *o)
{
    audit *a = ctx;
    (void)o;
    a->redelegations++;
    return CHR_OK;
}

static chr_err audit_power(void *ctx, const ledger_object *o)
{
    audit *a = ctx;
    (void)o;
    a->power_rows++;
    return CHR_OK;
}

chr_err ledger_staking_audit(ledger_objects *t, char *detail, size_t cap)
{
    static audit_val vals[AUDIT_VALIDATORS_MAX]; /* tests' and the simulator's thread */
    audit a = {.t = t, .vals = vals, .detail = detail, .cap = cap};
    ledger_staking_pool pool;
    chr_err err = ledger_staking_pool_get(t, &pool);
    err = err ? err : audit_each(t, LEDGER_STATE_VALIDATOR, audit_validator, &a);
    err = err ? err : audit_each(t, LEDGER_STATE_DELEGATION, audit_delegation, &a);
    err = err ? err : audit_each(t, LEDGER_STATE_UNBONDING, audit_unbonding, &a);
    err = err ? err : audit_each(t, LEDGER_STATE_REDELEGATION, audit_redelegation, &a);
    err = err ? err : audit_each(t, LEDGER_STATE_POWER, audit_power, &a);
    if (err != CHR_OK) {
        return err;
    }
    for (size_t i = 0; i < a.vals_len; i++) {
        /* A slash of the whole stake leaves shares worth nothing: tokens 0, shares not. */
        if (a.vals[i].delegated != a.vals[i].shares ||
            (a.vals[i].shares == 0 && a.vals[i].tokens != 0)) {
            snprintf(detail, cap, "validator %zu: delegations hold %llu shares of %llu", i,
                     (unsigned long long)a.vals[i].delegated, (unsigned long long)a.vals[i].shares);
            return CHR_ERR_STATE_ROOT;
        }
    }
    const char *bad = a.bonded != pool.bonded         ? "bonded: the validators' tokens differ"
                      : a.unbonding != pool.unbonding ? "unbonding: the entries differ"
                      : a.power_rows != a.indexed     ? "power_index: rows of no validator"
                      : a.unbondings != a.unbondings_counted ? "unbonding: entries uncounted"
                      : a.redelegations != a.redelegations_counted
                          ? "redelegation: entries uncounted"
                          : NULL;
    if (bad != NULL) {
        snprintf(detail, cap, "%s", bad);
        return CHR_ERR_STATE_ROOT;
    }
    return CHR_OK;
}

/* ---- Genesis. ---- */

chr_err ledger_staking_genesis_set(ledger_objects *t, const ledger_params *params,
                                   ledger_valset *out)
{
    staking_set s; /* 14 KB */
    ledger_valset_init(out);
    ledger_staking_pool pool;
    chr_err err = ledger_staking_pool_get(t, &pool);
    CHR_ASSERT(err != CHR_OK || pool.set_height == 0);
    err = err ? err : set_decide(t, params, &s);
    if (err != CHR_OK || s.len == 0) {
        return err;
    }
    staking_set none;
    none.len = 0;
    /* The genesis set signs from height 1, so end of block finds it stored and unchanged. */
    err = set_status(t, &s, &none, LEDGER_STAKING_BONDED, 0);
    err = err ? err : set_store(t, &s, 1);
    pool.set_height = 1;
    ledger_valset_hash(&s.valset, pool.set_hash);
    err = err ? err : ledger_staking_pool_put(t, &pool);
    if (err == CHR_OK) {
        *out = s.valset;
    }
    return err;
}

/* ---- Reading entries for the API. ---- */

chr_err ledger_staking_unbonding_decode(ledger_staking_unbonding *out, const uint8_t *in,
                                        size_t in_len)
{
    chr_err err = entry_decode(in, in_len, NULL, &out->created_height, &out->initial, &out->amount);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_staking_redelegation_decode(ledger_staking_redelegation *out, const uint8_t *in,
                                           size_t in_len)
{
    chr_err err =
        entry_decode(in, in_len, out->src, &out->created_height, &out->initial, &out->amount);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

uint64_t ledger_staking_tokens_of(const ledger_staking_validator *v, uint64_t shares)
{
    CHR_ASSERT(shares <= v->shares);
    return v->shares == 0 ? 0 : mul_div(shares, v->tokens, v->shares, 0);
}
