#include "ledger/tx_staking.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/distribution.h"
#include "ledger/staking.h"

/* ---- Encodings. ---- */

static void enc_text(chr_enc *enc, const char *s, uint8_t len)
{
    chr_enc_bytes8(enc, (const uint8_t *)s, len);
}

/* A moniker, website or details: at most max bytes of UTF-8 (CHR_ERR_DESCRIPTION). */
static chr_err dec_text(chr_dec *dec, char *out, uint8_t *out_len, size_t max)
{
    const uint8_t *p;
    size_t n;
    chr_err err = chr_dec_bytes8(dec, &p, &n, max);
    if (err == CHR_ERR_TOO_LONG || (err == CHR_OK && !ledger_utf8_valid(p, n))) {
        return CHR_ERR_DESCRIPTION;
    }
    if (err == CHR_OK) {
        memcpy(out, p, n);
        *out_len = (uint8_t)n;
    }
    return err;
}

void ledger_create_validator_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_CREATE_VALIDATOR);
    const ledger_staking_create *c = &tx->body.create_validator;
    chr_enc_raw(enc, c->consensus_key, 32);
    chr_enc_u32(enc, c->commission_ppm);
    chr_enc_u32(enc, c->commission_max_ppm);
    chr_enc_u32(enc, c->commission_change_max_ppm);
    chr_enc_u64(enc, c->min_self_bond);
    chr_enc_u64(enc, c->amount);
    enc_text(enc, c->moniker, c->moniker_len);
    enc_text(enc, c->website, c->website_len);
    enc_text(enc, c->details, c->details_len);
}

chr_err ledger_create_validator_decode(chr_dec *dec, ledger_tx *tx)
{
    ledger_staking_create *c = &tx->body.create_validator;
    chr_err err = chr_dec_raw(dec, c->consensus_key, 32);
    err = err ? err : chr_dec_u32(dec, &c->commission_ppm);
    err = err ? err : chr_dec_u32(dec, &c->commission_max_ppm);
    err = err ? err : chr_dec_u32(dec, &c->commission_change_max_ppm);
    err = err ? err : chr_dec_u64(dec, &c->min_self_bond);
    err = err ? err : chr_dec_u64(dec, &c->amount);
    err = err ? err : dec_text(dec, c->moniker, &c->moniker_len, LEDGER_MONIKER_MAX);
    err = err ? err : dec_text(dec, c->website, &c->website_len, LEDGER_WEBSITE_MAX);
    return err ? err : dec_text(dec, c->details, &c->details_len, LEDGER_DETAILS_MAX);
}

void ledger_edit_validator_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_EDIT_VALIDATOR);
    const ledger_staking_edit *e = &tx->body.edit_validator;
    chr_enc_u8(enc, e->mask);
    chr_enc_u32(enc, e->commission_ppm);
    chr_enc_u64(enc, e->min_self_bond);
    enc_text(enc, e->moniker, e->moniker_len);
    enc_text(enc, e->website, e->website_len);
    enc_text(enc, e->details, e->details_len);
}

chr_err ledger_edit_validator_decode(chr_dec *dec, ledger_tx *tx)
{
    ledger_staking_edit *e = &tx->body.edit_validator;
    chr_err err = chr_dec_u8(dec, &e->mask);
    err = err ? err : chr_dec_u32(dec, &e->commission_ppm);
    err = err ? err : chr_dec_u64(dec, &e->min_self_bond);
    err = err ? err : dec_text(dec, e->moniker, &e->moniker_len, LEDGER_MONIKER_MAX);
    err = err ? err : dec_text(dec, e->website, &e->website_len, LEDGER_WEBSITE_MAX);
    err = err ? err : dec_text(dec, e->details, &e->details_len, LEDGER_DETAILS_MAX);
    /* One encoding per edit: what the mask leaves unchanged is zero or empty. */
    if (err == CHR_OK && ((e->mask & ~LEDGER_EDIT_ALL) != 0 ||
                          (!(e->mask & LEDGER_EDIT_COMMISSION) && e->commission_ppm != 0) ||
                          (!(e->mask & LEDGER_EDIT_MIN_SELF_BOND) && e->min_self_bond != 0) ||
                          (!(e->mask & LEDGER_EDIT_MONIKER) && e->moniker_len != 0) ||
                          (!(e->mask & LEDGER_EDIT_WEBSITE) && e->website_len != 0) ||
                          (!(e->mask & LEDGER_EDIT_DETAILS) && e->details_len != 0))) {
        err = CHR_ERR_NONCANONICAL;
    }
    return err;
}

void ledger_stake_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_DELEGATE || tx->type == LEDGER_TX_UNDELEGATE);
    chr_enc_raw(enc, tx->body.stake.validator, 32);
    chr_enc_u64(enc, tx->body.stake.amount);
}

chr_err ledger_stake_decode(chr_dec *dec, ledger_tx *tx)
{
    chr_err err = chr_dec_raw(dec, tx->body.stake.validator, 32);
    return err ? err : chr_dec_u64(dec, &tx->body.stake.amount);
}

void ledger_redelegate_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_REDELEGATE);
    chr_enc_raw(enc, tx->body.restake.src, 32);
    chr_enc_raw(enc, tx->body.restake.dst, 32);
    chr_enc_u64(enc, tx->body.restake.amount);
}

chr_err ledger_redelegate_decode(chr_dec *dec, ledger_tx *tx)
{
    chr_err err = chr_dec_raw(dec, tx->body.restake.src, 32);
    err = err ? err : chr_dec_raw(dec, tx->body.restake.dst, 32);
    return err ? err : chr_dec_u64(dec, &tx->body.restake.amount);
}

/* ---- Stateless checks. ---- */

static chr_err check_fee(const ledger_tx *tx, const ledger_params *params, char *detail, size_t cap)
{
    if (tx->fee < params->fee_transfer) {
        snprintf(detail, cap, "fee: minimum %llu, got %llu",
                 (unsigned long long)params->fee_transfer, (unsigned long long)tx->fee);
        return CHR_ERR_FEE;
    }
    return CHR_OK;
}

static chr_err check_amount(uint64_t amount, char *detail, size_t cap)
{
    if (amount == 0) {
        snprintf(detail, cap, "amount: must be positive");
        return CHR_ERR_AMOUNT;
    }
    return CHR_OK;
}

chr_err ledger_create_validator_check(const ledger_tx *tx, const ledger_params *params,
                                      char *detail, size_t cap)
{
    const ledger_staking_create *c = &tx->body.create_validator;
    chr_err err = check_fee(tx, params, detail, cap);
    if (err != CHR_OK) {
        return err;
    }
    if (c->commission_max_ppm > LEDGER_PPM || c->commission_ppm > c->commission_max_ppm ||
        c->commission_change_max_ppm > c->commission_max_ppm) {
        snprintf(detail, cap, "commission: need rate <= max <= 1000000 and daily change <= max");
        return CHR_ERR_COMMISSION;
    }
    if (c->moniker_len == 0) {
        snprintf(detail, cap, "moniker: required");
        return CHR_ERR_DESCRIPTION;
    }
    if (c->min_self_bond == 0 || c->amount < c->min_self_bond) {
        snprintf(detail, cap, "amount: the self-bond %llu is under min_self_bond %llu (or it is 0)",
                 (unsigned long long)c->amount, (unsigned long long)c->min_self_bond);
        return CHR_ERR_SELF_BOND;
    }
    return CHR_OK;
}

chr_err ledger_create_validator_verify_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    /* A consensus key off the curve could never sign a vote. */
    return ledger_pubkey_valid_cached(kc, tx->body.create_validator.consensus_key) ? CHR_OK
                                                                                   : CHR_ERR_PUBKEY;
}

chr_err ledger_edit_validator_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                    size_t cap)
{
    const ledger_staking_edit *e = &tx->body.edit_validator;
    chr_err err = check_fee(tx, params, detail, cap);
    if (err != CHR_OK) {
        return err;
    }
    if (e->mask == 0) {
        snprintf(detail, cap, "mask: nothing to edit");
        return CHR_ERR_ARG;
    }
    if ((e->mask & LEDGER_EDIT_COMMISSION) && e->commission_ppm > LEDGER_PPM) {
        snprintf(detail, cap, "commission_ppm: over 1000000");
        return CHR_ERR_COMMISSION;
    }
    if ((e->mask & LEDGER_EDIT_MONIKER) && e->moniker_len == 0) {
        snprintf(detail, cap, "moniker: cannot be emptied");
        return CHR_ERR_DESCRIPTION;
    }
    return CHR_OK;
}

chr_err ledger_stake_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                           size_t cap)
{
    chr_err err = check_fee(tx, params, detail, cap);
    return err ? err : check_amount(tx->body.stake.amount, detail, cap);
}

chr_err ledger_redelegate_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                size_t cap)
{
    chr_err err = check_fee(tx, params, detail, cap);
    err = err ? err : check_amount(tx->body.restake.amount, detail, cap);
    if (err == CHR_OK && memcmp(tx->body.restake.src, tx->body.restake.dst, 32) == 0) {
        snprintf(detail, cap, "dst: same as src");
        return CHR_ERR_SAME_VALIDATOR;
    }
    return err;
}

chr_err ledger_staking_no_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    (void)tx;
    (void)kc;
    return CHR_OK;
}

int ledger_staking_no_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    (void)tx;
    (void)out;
    return 0;
}

int ledger_stake_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    memcpy(out, tx->body.stake.validator, 32);
    return 1;
}

int ledger_redelegate_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    memcpy(out, tx->body.restake.dst, 32);
    return 1;
}

/* ---- Applying. ---- */

/* The liquid side, checked before the operation: the balance covers spend + fee and the
 * overlay has room for the sender and the proposer. */
static chr_err charge_check(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                            const ledger_apply_env *env, uint64_t spend, char *detail, size_t cap)
{
    CHR_ASSERT(env->params != NULL);
    CHR_ASSERT(ledger_overlay_objects(o) != NULL);
    uint64_t total;
    if (chr_add_u64(&total, spend, tx->fee) != CHR_OK || total > from->balance) {
        snprintf(detail, cap, "balance: %llu does not cover amount %llu + fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)spend,
                 (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    const uint8_t *touched[LEDGER_STAKING_ACCOUNTS_MAX] = {tx->from, env->proposer};
    if (ledger_overlay_missing(o, touched, 2) > ledger_overlay_room(o)) {
        return CHR_ERR_FULL;
    }
    return CHR_OK;
}

/* The liquid side, after the operation succeeded: only a failing load can stop it. The
 * sender is read again: a settle may have paid it rewards since `from` was read. */
static chr_err charge(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                      const ledger_apply_env *env, uint64_t spend)
{
    ledger_account sender;
    chr_err err = ledger_overlay_get(o, tx->from, &sender);
    if (err != CHR_OK) {
        return err;
    }
    CHR_ASSERT(sender.nonce == from->nonce && sender.balance >= from->balance);
    sender.balance -= spend + tx->fee;
    sender.nonce += 1;
    err = ledger_overlay_put(o, tx->from, &sender);
    if (err == CHR_OK && tx->fee > 0) {
        err = ledger_overlay_credit(o, env->proposer, tx->fee);
    }
    return err;
}

chr_err ledger_create_validator_apply(ledger_overlay *o, const ledger_tx *tx,
                                      const ledger_account *from, const ledger_apply_env *env,
                                      char *detail, size_t cap)
{
    const ledger_staking_create *c = &tx->body.create_validator;
    chr_err err = charge_check(o, tx, from, env, c->amount, detail, cap);
    err = err ? err
              : ledger_staking_create_validator(ledger_overlay_objects(o), env->params, tx->from, c,
                                                env->height, env->time_ms, detail, cap);
    return err ? err : charge(o, tx, from, env, c->amount);
}

chr_err ledger_edit_validator_apply(ledger_overlay *o, const ledger_tx *tx,
                                    const ledger_account *from, const ledger_apply_env *env,
                                    char *detail, size_t cap)
{
    chr_err err = charge_check(o, tx, from, env, 0, detail, cap);
    err = err ? err
              : ledger_staking_edit_validator(ledger_overlay_objects(o), tx->from,
                                              &tx->body.edit_validator, env->time_ms, detail, cap);
    return err ? err : charge(o, tx, from, env, 0);
}

/* Room for the staking operation and the settles of its pairs (checked before anything
 * changes, so that a full table leaves the overlay as it was). */
static chr_err need_room(ledger_overlay *o)
{
    return ledger_objects_room(ledger_overlay_objects(o)) <
                   LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS
               ? CHR_ERR_FULL
               : CHR_OK;
}

chr_err ledger_delegate_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                              const ledger_apply_env *env, char *detail, size_t cap)
{
    const ledger_stake *s = &tx->body.stake;
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_reward_snap snap;
    CHR_ASSERT(tx->type == LEDGER_TX_DELEGATE);
    chr_err err = charge_check(o, tx, from, env, s->amount, detail, cap);
    err = err ? err : need_room(o);
    err = err ? err : ledger_distribution_snap(t, tx->from, s->validator, &snap);
    err = err ? err : ledger_staking_delegate(t, tx->from, s->validator, s->amount, detail, cap);
    err = err ? err : ledger_distribution_settle(o, tx->from, s->validator, &snap, NULL);
    return err ? err : charge(o, tx, from, env, s->amount);
}

chr_err ledger_undelegate_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                                const ledger_apply_env *env, char *detail, size_t cap)
{
    const ledger_stake *s = &tx->body.stake;
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_reward_snap snap;
    CHR_ASSERT(tx->type == LEDGER_TX_UNDELEGATE);
    chr_err err = charge_check(o, tx, from, env, 0, detail, cap);
    err = err ? err : need_room(o);
    err = err ? err : ledger_distribution_snap(t, tx->from, s->validator, &snap);
    err = err ? err
              : ledger_staking_undelegate(t, env->params, tx->from, s->validator, s->amount,
                                          env->height, env->time_ms, detail, cap);
    err = err ? err : ledger_distribution_settle(o, tx->from, s->validator, &snap, NULL);
    return err ? err : charge(o, tx, from, env, 0);
}

chr_err ledger_redelegate_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                                const ledger_apply_env *env, char *detail, size_t cap)
{
    const ledger_restake *r = &tx->body.restake;
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_reward_snap snap_src, snap_dst;
    chr_err err = charge_check(o, tx, from, env, 0, detail, cap);
    err = err ? err : need_room(o);
    err = err ? err : ledger_distribution_snap(t, tx->from, r->src, &snap_src);
    err = err ? err : ledger_distribution_snap(t, tx->from, r->dst, &snap_dst);
    err = err ? err
              : ledger_staking_redelegate(t, env->params, tx->from, r->src, r->dst, r->amount,
                                          env->height, env->time_ms, detail, cap);
    err = err ? err : ledger_distribution_settle(o, tx->from, r->src, &snap_src, NULL);
    err = err ? err : ledger_distribution_settle(o, tx->from, r->dst, &snap_dst, NULL);
    return err ? err : charge(o, tx, from, env, 0);
}

/* ---- Withdraw-rewards and unjail. ---- */

static const uint8_t all_validators[32];

void ledger_withdraw_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_WITHDRAW_REWARDS);
    chr_enc_raw(enc, tx->body.withdraw.validator, 32);
}

chr_err ledger_withdraw_decode(chr_dec *dec, ledger_tx *tx)
{
    return chr_dec_raw(dec, tx->body.withdraw.validator, 32);
}

chr_err ledger_staking_fee_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                 size_t cap)
{
    return check_fee(tx, params, detail, cap);
}

int ledger_withdraw_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    if (memcmp(tx->body.withdraw.validator, all_validators, 32) == 0) {
        return 0;
    }
    memcpy(out, tx->body.withdraw.validator, 32);
    return 1;
}

void ledger_unjail_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_UNJAIL);
    (void)enc;
}

chr_err ledger_unjail_decode(chr_dec *dec, ledger_tx *tx)
{
    (void)dec;
    (void)tx;
    return CHR_OK;
}

/* Settles (from, validator) and, when from operates it, pays its commission. */
static chr_err withdraw_one(ledger_overlay *o, const uint8_t from[32], const uint8_t validator[32])
{
    ledger_reward_snap snap;
    uint64_t paid;
    chr_err err = ledger_distribution_snap(ledger_overlay_objects(o), from, validator, &snap);
    err = err ? err : ledger_distribution_settle(o, from, validator, &snap, &paid);
    if (err == CHR_OK && memcmp(from, validator, 32) == 0) {
        err = ledger_distribution_pay_commission(o, from, &paid);
    }
    return err;
}

/* The validators from delegates to, at most LEDGER_WITHDRAW_ALL_MAX: CHR_ERR_ENTRIES
 * beyond, CHR_ERR_NO_DELEGATION when none. */
static chr_err withdraw_all_list(ledger_objects *t, const uint8_t from[32],
                                 ledger_object list[LEDGER_WITHDRAW_ALL_MAX + 1], size_t *n,
                                 char *detail, size_t cap)
{
    chr_err err = ledger_object_scan(t, LEDGER_STATE_DELEGATION, from, 32, NULL, 0, list,
                                     LEDGER_WITHDRAW_ALL_MAX + 1, n);
    if (err == CHR_OK && *n == 0) {
        snprintf(detail, cap, "from: delegates to no validator");
        return CHR_ERR_NO_DELEGATION;
    }
    if (err == CHR_OK && *n > LEDGER_WITHDRAW_ALL_MAX) {
        snprintf(detail, cap, "validator: more than %u delegations, name one",
                 (unsigned)LEDGER_WITHDRAW_ALL_MAX);
        return CHR_ERR_ENTRIES;
    }
    for (size_t i = 0; i < *n && err == CHR_OK; i++) {
        err = list[i].natural_len == 64 ? CHR_OK : CHR_ERR_STORE;
    }
    return err;
}

/* The checks of a withdrawal from one validator: it exists; from delegates to it or
 * operates it. */
static chr_err withdraw_one_check(ledger_objects *t, const uint8_t from[32],
                                  const uint8_t validator[32], char *detail, size_t cap)
{
    ledger_staking_validator v;
    ledger_staking_delegation d;
    int found;
    chr_err err = ledger_staking_validator_get(t, validator, &v, &found);
    if (err == CHR_OK && !found) {
        snprintf(detail, cap, "validator: no such validator");
        return CHR_ERR_NO_VALIDATOR;
    }
    err = err ? err : ledger_staking_delegation_get(t, from, validator, &d, &found);
    if (err == CHR_OK && !found && memcmp(from, validator, 32) != 0) {
        snprintf(detail, cap, "validator: from does not delegate to it");
        return CHR_ERR_NO_DELEGATION;
    }
    return err;
}

chr_err ledger_withdraw_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                              const ledger_apply_env *env, char *detail, size_t cap)
{
    static ledger_object list[LEDGER_WITHDRAW_ALL_MAX + 1]; /* the ledger's one thread */
    ledger_objects *t = ledger_overlay_objects(o);
    const uint8_t *validator = tx->body.withdraw.validator;
    int all = memcmp(validator, all_validators, 32) == 0;
    size_t n = 0;
    chr_err err = charge_check(o, tx, from, env, 0, detail, cap);
    err = err ? err : need_room(o);
    if (all) {
        err = err ? err : withdraw_all_list(t, tx->from, list, &n, detail, cap);
        int own = 0;
        for (size_t i = 0; i < n && err == CHR_OK; i++) {
            own |= memcmp(list[i].natural + 32, tx->from, 32) == 0;
            err = withdraw_one(o, tx->from, list[i].natural + 32);
        }
        uint64_t paid;
        /* An operator that delegates no longer to its own validator still takes its
         * commission with "all". */
        err = err || own ? err : ledger_distribution_pay_commission(o, tx->from, &paid);
    } else {
        err = err ? err : withdraw_one_check(t, tx->from, validator, detail, cap);
        err = err ? err : withdraw_one(o, tx->from, validator);
    }
    return err ? err : charge(o, tx, from, env, 0);
}

chr_err ledger_unjail_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                            const ledger_apply_env *env, char *detail, size_t cap)
{
    chr_err err = charge_check(o, tx, from, env, 0, detail, cap);
    err =
        err ? err
            : ledger_staking_unjail(ledger_overlay_objects(o), tx->from, env->time_ms, detail, cap);
    return err ? err : charge(o, tx, from, env, 0);
}
