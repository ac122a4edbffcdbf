#include "ledger/distribution.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "ledger/staking.h"

__extension__ typedef unsigned __int128 dist_u128;

#define YEAR_MS (365ull * 86400000ull)
#define FF4 0xff, 0xff, 0xff, 0xff
#define FF16 FF4, FF4, FF4, FF4

const uint8_t ledger_fee_collector[32] = {FF16, FF16};

static const uint8_t pool_name[] = {'r', 'e', 'w', 'a', 'r', 'd', 's'};

/* a * b / c rounded down; c > 0 and a * b / c < 2^64 (every caller's b <= c). */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    CHR_ASSERT(c > 0);
    dist_u128 q = (dist_u128)a * b / c;
    CHR_ASSERT(q <= UINT64_MAX);
    return (uint64_t)q;
}

/* A stored value that does not decode is damage, not a client's mistake. */
static chr_err damaged(chr_err err)
{
    return err == CHR_OK ? CHR_OK : CHR_ERR_STORE;
}

/* ---- Encodings. ---- */

size_t ledger_rewards_pool_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                  const ledger_rewards_pool *p)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    chr_enc_u64(&enc, p->pending);
    chr_enc_u64(&enc, p->treasury);
    chr_enc_u64(&enc, p->collected);
    chr_enc_u64(&enc, p->paid);
    chr_enc_u64(&enc, p->last_time_ms);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

/* Decodes n u64 fields into out (zeroed on failure). */
static chr_err dec_u64s(uint64_t *out, size_t n, const uint8_t *in, size_t in_len)
{
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = CHR_OK;
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        err = chr_dec_u64(&dec, &out[i]);
    }
    err = err ? err : chr_dec_finish(&dec);
    if (err != CHR_OK) {
        memset(out, 0, n * sizeof(out[0]));
    }
    return err;
}

chr_err ledger_rewards_pool_decode(ledger_rewards_pool *out, const uint8_t *in, size_t in_len)
{
    uint64_t f[5];
    chr_err err = dec_u64s(f, 5, in, in_len);
    *out = (ledger_rewards_pool){f[0], f[1], f[2], f[3], f[4]};
    return err;
}

size_t ledger_val_rewards_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX], const ledger_val_rewards *v)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    chr_enc_u64(&enc, v->period);
    chr_enc_u64(&enc, v->current);
    chr_enc_u64(&enc, v->commission);
    chr_enc_u64(&enc, v->outstanding);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

chr_err ledger_val_rewards_decode(ledger_val_rewards *out, const uint8_t *in, size_t in_len)
{
    uint64_t f[4];
    chr_err err = dec_u64s(f, 4, in, in_len);
    *out = (ledger_val_rewards){f[0], f[1], f[2], f[3]};
    return err;
}

/* ---- Objects. ---- */

chr_err ledger_rewards_pool_get(ledger_objects *t, ledger_rewards_pool *out)
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
    return damaged(ledger_rewards_pool_decode(out, value, len));
}

static chr_err pool_put(ledger_objects *t, const ledger_rewards_pool *p)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len = ledger_rewards_pool_encode(value, p);
    return ledger_object_put(t, LEDGER_STATE_GLOBAL, pool_name, sizeof(pool_name), value, len);
}

chr_err ledger_val_rewards_get(ledger_objects *t, const uint8_t operator_key[32],
                               ledger_val_rewards *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    memset(out, 0, sizeof(*out));
    out->period = 1;
    chr_err err =
        ledger_object_get(t, LEDGER_STATE_VAL_REWARDS, operator_key, 32, value, &len, &found);
    if (err != CHR_OK || !found) {
        return err;
    }
    err = damaged(ledger_val_rewards_decode(out, value, len));
    return err == CHR_OK && out->period == 0 ? CHR_ERR_STORE : err;
}

static chr_err val_rewards_put(ledger_objects *t, const uint8_t operator_key[32],
                               const ledger_val_rewards *v)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len = ledger_val_rewards_encode(value, v);
    return ledger_object_put(t, LEDGER_STATE_VAL_REWARDS, operator_key, 32, value, len);
}

static void ratio_key(uint8_t out[40], const uint8_t operator_key[32], uint64_t period)
{
    memcpy(out, operator_key, 32);
    chr_put_u64be(out + 32, period);
}

/* The cumulative ratio at the end of period (0 before the first, which has no object) and
 * the references to it (*refs may be NULL). */
static chr_err ratio_read(ledger_objects *t, const uint8_t operator_key[32], uint64_t period,
                          dist_u128 *out, uint32_t *refs)
{
    uint8_t key[40];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    *out = 0;
    if (refs != NULL) {
        *refs = 0;
    }
    if (period == 0) {
        return CHR_OK;
    }
    ratio_key(key, operator_key, period);
    chr_err err = ledger_object_get(t, LEDGER_STATE_REWARD_RATIO, key, 40, value, &len, &found);
    if (err != CHR_OK) {
        return err;
    }
    if (!found || len != 20) {
        return CHR_ERR_STORE; /* a period ended and referenced has its ratio */
    }
    *out = (dist_u128)chr_get_u64be(value) << 64 | chr_get_u64be(value + 8);
    if (refs != NULL) {
        *refs = chr_get_u32be(value + 16);
    }
    return CHR_OK;
}

static chr_err ratio_get(ledger_objects *t, const uint8_t operator_key[32], uint64_t period,
                         dist_u128 *out)
{
    return ratio_read(t, operator_key, period, out, NULL);
}

/* Writes the ratio of period with refs references, or deletes it at none. */
static chr_err ratio_put(ledger_objects *t, const uint8_t operator_key[32], uint64_t period,
                         dist_u128 r, uint32_t refs)
{
    uint8_t key[40];
    uint8_t value[20];
    CHR_ASSERT(period > 0);
    ratio_key(key, operator_key, period);
    if (refs == 0) {
        int found;
        return ledger_object_delete(t, LEDGER_STATE_REWARD_RATIO, key, 40, &found);
    }
    chr_put_u64be(value, (uint64_t)(r >> 64));
    chr_put_u64be(value + 8, (uint64_t)r);
    chr_put_u32be(value + 16, refs);
    return ledger_object_put(t, LEDGER_STATE_REWARD_RATIO, key, 40, value, 20);
}

/* Adds delta (+1 or -1) to the references of period's ratio (period 0 has none). A ratio
 * is referenced by the delegations whose rewards count from it and by its validator while
 * it is the last ended period; with none left it is deleted. */
static chr_err ratio_ref(ledger_objects *t, const uint8_t operator_key[32], uint64_t period,
                         int delta)
{
    dist_u128 r;
    uint32_t refs;
    if (period == 0) {
        return CHR_OK;
    }
    chr_err err = ratio_read(t, operator_key, period, &r, &refs);
    if (err == CHR_OK && (delta < 0 ? refs == 0 : refs == UINT32_MAX)) {
        err = CHR_ERR_STORE; /* references the object does not count */
    }
    return err ? err : ratio_put(t, operator_key, period, r, delta < 0 ? refs - 1 : refs + 1);
}

/* shares * diff / SCALE, exactly rounded down: CHR_ERR_STORE when it exceeds a u64 (a
 * reward over the supply: damaged ratios). */
static chr_err reward_of(uint64_t shares, dist_u128 diff, uint64_t *out)
{
    dist_u128 q = diff / LEDGER_REWARD_RATIO_SCALE;
    dist_u128 r = diff % LEDGER_REWARD_RATIO_SCALE;
    *out = 0;
    if (q > UINT64_MAX) {
        return shares == 0 ? CHR_OK : CHR_ERR_STORE;
    }
    dist_u128 total = (dist_u128)shares * q + (dist_u128)shares * r / LEDGER_REWARD_RATIO_SCALE;
    if (total > UINT64_MAX) {
        return CHR_ERR_STORE;
    }
    *out = (uint64_t)total;
    return CHR_OK;
}

/* The ratio the current period would end at, with the validator's shares v_shares. */
static chr_err ratio_now(ledger_objects *t, const uint8_t val[32], const ledger_val_rewards *vr,
                         uint64_t v_shares, dist_u128 *out)
{
    chr_err err = ratio_get(t, val, vr->period - 1, out);
    if (err != CHR_OK || vr->current == 0) {
        return err;
    }
    /* Rewards are allocated only to a validator with shares, and every change of its shares
     * ends the period first. */
    CHR_ASSERT(v_shares > 0);
    dist_u128 add = (dist_u128)vr->current * LEDGER_REWARD_RATIO_SCALE / v_shares;
    if (*out > ~(dist_u128)0 - add) {
        return CHR_ERR_STORE;
    }
    *out += add;
    return CHR_OK;
}

/* ---- Settling a delegation. ---- */

chr_err ledger_distribution_snap(ledger_objects *t, const uint8_t delegator[32],
                                 const uint8_t validator[32], ledger_reward_snap *out)
{
    ledger_staking_delegation d;
    ledger_staking_validator v;
    int found;
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_staking_delegation_get(t, delegator, validator, &d, &found);
    err = err ? err : ledger_staking_validator_get(t, validator, &v, &found);
    if (err == CHR_OK) {
        out->d_shares = d.shares;
        out->d_period = d.reward_period;
        out->v_shares = v.shares;
    }
    return err;
}

/* The pair's reward for before's shares up to now, and the validator's state after its
 * current period ends (vr changed, *ended the ended period; nothing written). */
static chr_err settle_compute(ledger_objects *t, const uint8_t val[32],
                              const ledger_reward_snap *before, ledger_val_rewards *vr,
                              dist_u128 *r_end, uint64_t *reward)
{
    dist_u128 r_start = 0;
    *reward = 0;
    chr_err err = ledger_val_rewards_get(t, val, vr);
    err = err ? err : ratio_now(t, val, vr, before->v_shares, r_end);
    if (err == CHR_OK && before->d_shares > 0) {
        err = ratio_get(t, val, before->d_period, &r_start);
        err = err ? err : *r_end < r_start ? CHR_ERR_STORE : CHR_OK;
        err = err ? err : reward_of(before->d_shares, *r_end - r_start, reward);
    }
    /* F1 rounds each share's ratio down: the delegators never take more than was put in. */
    return err == CHR_OK && *reward > vr->outstanding ? CHR_ERR_STORE : err;
}

chr_err ledger_distribution_pending(ledger_objects *t, const uint8_t delegator[32],
                                    const uint8_t validator[32], uint64_t *out)
{
    ledger_reward_snap snap;
    ledger_val_rewards vr;
    dist_u128 r_end;
    chr_err err = ledger_distribution_snap(t, delegator, validator, &snap);
    err = err ? err : settle_compute(t, validator, &snap, &vr, &r_end, out);
    if (err != CHR_OK) {
        *out = 0;
    }
    return err;
}

/* Pays amount out of the pending rewards to addr. */
static chr_err pay(ledger_overlay *o, ledger_objects *t, const uint8_t addr[32], uint64_t amount)
{
    ledger_rewards_pool pool;
    chr_err err = ledger_rewards_pool_get(t, &pool);
    if (err != CHR_OK || amount == 0) {
        return err;
    }
    if (pool.pending < amount) {
        return CHR_ERR_STORE; /* a reward the pool does not count */
    }
    pool.pending -= amount;
    pool.paid += amount;
    err = pool_put(t, &pool);
    return err ? err : ledger_overlay_credit(o, addr, amount);
}

chr_err ledger_distribution_settle(ledger_overlay *o, const uint8_t delegator[32],
                                   const uint8_t validator[32], const ledger_reward_snap *before,
                                   uint64_t *paid)
{
    ledger_objects *t = ledger_overlay_objects(o);
    CHR_ASSERT(t != NULL);
    ledger_val_rewards vr;
    dist_u128 r_end;
    uint64_t reward;
    chr_err err = settle_compute(t, validator, before, &vr, &r_end, &reward);
    if (err == CHR_OK && vr.current > 0) {
        /* The validator's reference moves from the last ended period to this one. */
        err = ratio_put(t, validator, vr.period, r_end, 1);
        err = err ? err : ratio_ref(t, validator, vr.period - 1, -1);
        vr.period++;
        vr.current = 0;
    }
    vr.outstanding -= err == CHR_OK ? reward : 0;
    err = err ? err : val_rewards_put(t, validator, &vr);
    ledger_staking_delegation d;
    int found = 0;
    err = err ? err : ledger_staking_delegation_get(t, delegator, validator, &d, &found);
    /* A delegation counts from the ended period while it holds shares; one without shares
     * (entries pending, or deleted) references nothing. */
    uint64_t old_ref = before->d_shares > 0 ? before->d_period : 0;
    uint64_t new_ref = found && d.shares > 0 ? vr.period - 1 : 0;
    if (err == CHR_OK && old_ref != new_ref) {
        err = ratio_ref(t, validator, new_ref, 1);
        err = err ? err : ratio_ref(t, validator, old_ref, -1);
    }
    if (err == CHR_OK && found && d.reward_period != new_ref) {
        uint8_t key[64];
        uint8_t value[LEDGER_OBJECT_VALUE_MAX];
        memcpy(key, delegator, 32);
        memcpy(key + 32, validator, 32);
        d.reward_period = new_ref;
        size_t len = ledger_staking_delegation_encode(value, &d);
        err = ledger_object_put(t, LEDGER_STATE_DELEGATION, key, 64, value, len);
    }
    err = err ? err : pay(o, t, delegator, reward);
    if (paid != NULL) {
        *paid = err == CHR_OK ? reward : 0;
    }
    return err;
}

chr_err ledger_distribution_pay_commission(ledger_overlay *o, const uint8_t operator_key[32],
                                           uint64_t *paid)
{
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_val_rewards vr;
    *paid = 0;
    chr_err err = ledger_val_rewards_get(t, operator_key, &vr);
    if (err != CHR_OK || vr.commission == 0) {
        return err;
    }
    uint64_t amount = vr.commission;
    vr.commission = 0;
    err = val_rewards_put(t, operator_key, &vr);
    err = err ? err : pay(o, t, operator_key, amount);
    *paid = err == CHR_OK ? amount : 0;
    return err;
}

/* ---- End of block. ---- */

/* The operator of consensus key `key`: *found 0 when no validator has it. */
static chr_err operator_of(ledger_objects *t, const uint8_t key[32], ledger_staking_validator *v,
                           int *found)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    chr_err err = ledger_object_get(t, LEDGER_STATE_CONS_KEY, key, 32, value, &len, found);
    if (err != CHR_OK || !*found) {
        return err;
    }
    if (len != 32) {
        return CHR_ERR_STORE;
    }
    err = ledger_staking_validator_get(t, value, v, found);
    return err == CHR_OK && !*found ? CHR_ERR_STORE : err;
}

/* Gives amount to the signer of consensus key `key`: its validator's commission and
 * delegators, its key's account when it has no validator, the treasury when its validator
 * has no shares (nobody to pay). */
static chr_err allocate(ledger_overlay *o, ledger_objects *t, ledger_rewards_pool *pool,
                        const uint8_t key[32], uint64_t amount)
{
    ledger_staking_validator v;
    int found;
    chr_err err = amount == 0 ? CHR_OK : operator_of(t, key, &v, &found);
    if (err != CHR_OK || amount == 0) {
        return err;
    }
    if (!found) {
        return ledger_overlay_credit(o, key, amount);
    }
    if (v.shares == 0) {
        pool->treasury += amount;
        return CHR_OK;
    }
    ledger_val_rewards vr;
    err = ledger_val_rewards_get(t, v.operator_key, &vr);
    if (err != CHR_OK) {
        return err;
    }
    uint64_t commission = mul_div(amount, v.commission_ppm, LEDGER_PPM);
    /* Every amount here is part of the supply, which fits a u64. */
    vr.commission += commission;
    vr.current += amount - commission;
    vr.outstanding += amount - commission;
    pool->pending += amount;
    return val_rewards_put(t, v.operator_key, &vr);
}

/* Inflation since the last block: bonded * inflation_ppm * elapsed / (10^6 * a year). */
static uint64_t minted_since(const ledger_params *params, const ledger_rewards_pool *pool,
                             uint64_t bonded, uint64_t time_ms)
{
    if (params->inflation_ppm == 0 || pool->last_time_ms == 0 || time_ms <= pool->last_time_ms) {
        return 0;
    }
    uint64_t dt = time_ms - pool->last_time_ms;
    dt = dt > YEAR_MS ? YEAR_MS : dt; /* a proposer's clock far ahead mints a year at most */
    dist_u128 m =
        (dist_u128)bonded * params->inflation_ppm * dt / ((dist_u128)LEDGER_PPM * YEAR_MS);
    return (uint64_t)m; /* at most half the bonded stake (inflation_ppm's range) */
}

/* Whether any signer of c has a validator object. */
static chr_err any_staked(ledger_objects *t, const ledger_commit *c, int *out)
{
    *out = 0;
    for (uint16_t i = 0; c != NULL && i < c->sigs_len && !*out; i++) {
        ledger_staking_validator v;
        chr_err err = operator_of(t, c->sigs[i].validator, &v, out);
        if (err != CHR_OK) {
            return err;
        }
    }
    return CHR_OK;
}

/* Pays total (after the treasury's share) to the signers of c by power, the proposer's
 * bonus first; what division leaves goes to the treasury. */
static chr_err pay_signers(ledger_overlay *o, ledger_objects *t, const ledger_params *params,
                           ledger_rewards_pool *pool, const uint8_t proposer[32],
                           const ledger_valset *prev, const ledger_commit *c, uint64_t total)
{
    uint64_t treasury = mul_div(total, params->treasury_ppm, LEDGER_PPM);
    uint64_t rest = total - treasury;
    uint64_t bonus = mul_div(rest, params->proposer_bonus_ppm, LEDGER_PPM);
    rest -= bonus;
    uint64_t signed_power = 0;
    for (uint16_t i = 0; i < c->sigs_len; i++) {
        int at = ledger_valset_find(prev, c->sigs[i].validator);
        signed_power += at < 0 ? 0 : prev->v[at].power; /* the set's total fits a u64 */
    }
    chr_err err = allocate(o, t, pool, proposer, bonus);
    uint64_t given = 0;
    for (uint16_t i = 0; i < c->sigs_len && err == CHR_OK && signed_power > 0; i++) {
        int at = ledger_valset_find(prev, c->sigs[i].validator);
        uint64_t share = at < 0 ? 0 : mul_div(rest, prev->v[at].power, signed_power);
        given += share;
        err = allocate(o, t, pool, c->sigs[i].validator, share);
    }
    CHR_ASSERT(given <= rest);
    pool->treasury += treasury + (rest - given);
    return err;
}

chr_err ledger_distribution_end_block(ledger_overlay *o, const ledger_params *params,
                                      const uint8_t proposer[32], const ledger_valset *prev,
                                      const ledger_commit *last_commit, uint64_t time_ms)
{
    ledger_objects *t = ledger_overlay_objects(o);
    CHR_ASSERT(t != NULL);
    ledger_account fc;
    ledger_rewards_pool pool;
    ledger_staking_pool stake;
    chr_err err = ledger_overlay_get(o, ledger_fee_collector, &fc);
    err = err ? err : ledger_rewards_pool_get(t, &pool);
    err = err ? err : ledger_staking_pool_get(t, &stake);
    if (err != CHR_OK) {
        return err;
    }
    ledger_rewards_pool before = pool;
    uint64_t minted = minted_since(params, &pool, stake.bonded, time_ms);
    if (chr_add_u64(&stake.minted, stake.minted, minted) != CHR_OK) {
        minted = 0; /* the supply would not fit a u64: mint nothing */
    }
    pool.last_time_ms = time_ms;
    uint64_t total = fc.balance + minted; /* both within the supply */
    if (fc.balance > 0) {
        fc.balance = 0;
        err = ledger_overlay_put(o, ledger_fee_collector, &fc);
    }
    int staked = 0;
    err = err ? err : any_staked(t, last_commit, &staked);
    if (err == CHR_OK && total > 0) {
        pool.collected += total;
        if (staked) {
            err = pay_signers(o, t, params, &pool, proposer, prev, last_commit, total);
        } else {
            err = ledger_overlay_credit(o, proposer, total);
        }
    }
    if (err == CHR_OK && minted > 0) {
        err = ledger_staking_pool_put(t, &stake);
    }
    if (err == CHR_OK && memcmp(&before, &pool, sizeof(pool)) != 0) {
        err = pool_put(t, &pool);
    }
    return err;
}

chr_err ledger_distribution_treasury_take(ledger_objects *t, uint64_t amount)
{
    ledger_rewards_pool pool;
    chr_err err = ledger_rewards_pool_get(t, &pool);
    if (err == CHR_OK && pool.treasury < amount) {
        err = CHR_ERR_BALANCE;
    }
    if (err != CHR_OK) {
        return err;
    }
    pool.treasury -= amount;
    return pool_put(t, &pool);
}

chr_err ledger_distribution_held(ledger_objects *t, uint64_t *out)
{
    ledger_rewards_pool pool;
    chr_err err = ledger_rewards_pool_get(t, &pool);
    *out = 0;
    if (err == CHR_OK && chr_add_u64(out, pool.pending, pool.treasury) != CHR_OK) {
        return CHR_ERR_STORE;
    }
    return err;
}
