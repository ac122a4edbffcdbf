#include "ledger/tx_gov.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/gov.h"

void ledger_gov_tx_encode(chr_enc *enc, const ledger_tx *tx)
{
    switch (tx->type) {
    case LEDGER_TX_GOV_SUBMIT:
        ledger_gov_content_encode(enc, &tx->body.gov_submit.content);
        chr_enc_u64(enc, tx->body.gov_submit.deposit);
        break;
    case LEDGER_TX_GOV_DEPOSIT:
        chr_enc_u64(enc, tx->body.gov_deposit.id);
        chr_enc_u64(enc, tx->body.gov_deposit.amount);
        break;
    default:
        CHR_ASSERT(tx->type == LEDGER_TX_GOV_VOTE);
        chr_enc_u64(enc, tx->body.gov_vote.id);
        chr_enc_u8(enc, tx->body.gov_vote.option);
        break;
    }
}

chr_err ledger_gov_tx_decode(chr_dec *dec, ledger_tx *tx)
{
    chr_err err;
    switch (tx->type) {
    case LEDGER_TX_GOV_SUBMIT:
        err = ledger_gov_content_decode(dec, &tx->body.gov_submit.content);
        return err ? err : chr_dec_u64(dec, &tx->body.gov_submit.deposit);
    case LEDGER_TX_GOV_DEPOSIT:
        err = chr_dec_u64(dec, &tx->body.gov_deposit.id);
        return err ? err : chr_dec_u64(dec, &tx->body.gov_deposit.amount);
    default:
        CHR_ASSERT(tx->type == LEDGER_TX_GOV_VOTE);
        err = chr_dec_u64(dec, &tx->body.gov_vote.id);
        return err ? err : chr_dec_u8(dec, &tx->body.gov_vote.option);
    }
}

/* A parameter change's stateless rules: known names that fit their fields, each once. */
static chr_err check_changes(const ledger_gov_content *c, const ledger_params *params, char *detail,
                             size_t cap)
{
    ledger_gov_param_set scratch;
    memset(&scratch, 0, sizeof(scratch));
    scratch.chain = *params;
    for (uint8_t i = 0; i < c->changes_len; i++) {
        const ledger_gov_change *ch = &c->changes[i];
        if (ledger_gov_param_assign(&scratch, ch->name, ch->name_len, ch->value) != CHR_OK) {
            snprintf(detail, cap, "changes[%u]: %.*s: no such parameter, or %llu does not fit", i,
                     (int)ch->name_len, ch->name, (unsigned long long)ch->value);
            return CHR_ERR_PARAM_RANGE;
        }
        for (uint8_t j = 0; j < i; j++) {
            if (c->changes[j].name_len == ch->name_len &&
                memcmp(c->changes[j].name, ch->name, ch->name_len) == 0) {
                snprintf(detail, cap, "changes[%u]: %.*s is changed twice", i, (int)ch->name_len,
                         ch->name);
                return CHR_ERR_PROPOSAL;
            }
        }
    }
    return CHR_OK;
}

static chr_err check_submit(const ledger_gov_content *c, const ledger_params *params, char *detail,
                            size_t cap)
{
    if (c->kind == LEDGER_GOV_SPEND && c->amount == 0) {
        snprintf(detail, cap, "amount: a spend pays something");
        return CHR_ERR_PROPOSAL;
    }
    /* The decoder refuses such a name too; checking it here stops a wallet from signing a
     * transaction no node can decode. */
    if (c->kind == LEDGER_GOV_UPGRADE &&
        !ledger_gov_upgrade_name_valid(c->upgrade_name, c->upgrade_name_len)) {
        snprintf(detail, cap, "upgrade_name: 1..%d of [a-z0-9._-]", LEDGER_GOV_UPGRADE_NAME_MAX);
        return CHR_ERR_PROPOSAL;
    }
    if (c->kind == LEDGER_GOV_UPGRADE && c->upgrade_height == 0) {
        snprintf(detail, cap, "upgrade_height: must be positive");
        return CHR_ERR_PROPOSAL;
    }
    return c->kind == LEDGER_GOV_PARAMS ? check_changes(c, params, detail, cap) : CHR_OK;
}

chr_err ledger_gov_tx_verify_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    const ledger_gov_content *c = &tx->body.gov_submit.content;
    if (tx->type != LEDGER_TX_GOV_SUBMIT || c->kind != LEDGER_GOV_SPEND) {
        return CHR_OK;
    }
    return ledger_pubkey_valid_cached(kc, c->recipient) ? CHR_OK : CHR_ERR_PUBKEY;
}

chr_err ledger_gov_tx_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                            size_t detail_cap)
{
    if (tx->fee < params->fee_transfer) {
        snprintf(detail, detail_cap, "fee: minimum %llu, got %llu",
                 (unsigned long long)params->fee_transfer, (unsigned long long)tx->fee);
        return CHR_ERR_FEE;
    }
    switch (tx->type) {
    case LEDGER_TX_GOV_SUBMIT:
        return check_submit(&tx->body.gov_submit.content, params, detail, detail_cap);
    case LEDGER_TX_GOV_DEPOSIT:
        if (tx->body.gov_deposit.amount == 0) {
            snprintf(detail, detail_cap, "amount: must be positive");
            return CHR_ERR_AMOUNT;
        }
        return CHR_OK;
    default:
        CHR_ASSERT(tx->type == LEDGER_TX_GOV_VOTE);
        if (ledger_gov_option_name(tx->body.gov_vote.option) == NULL) {
            snprintf(detail, detail_cap, "option: %u is not 1 (yes), 2 (abstain), 3 (no), 4 (veto)",
                     tx->body.gov_vote.option);
            return CHR_ERR_PROPOSAL;
        }
        return CHR_OK;
    }
}

uint64_t ledger_gov_tx_spend(const ledger_tx *tx)
{
    return tx->type == LEDGER_TX_GOV_SUBMIT    ? tx->body.gov_submit.deposit
           : tx->type == LEDGER_TX_GOV_DEPOSIT ? tx->body.gov_deposit.amount
                                               : 0;
}

chr_err ledger_gov_tx_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                            const ledger_apply_env *env, char *detail, size_t cap)
{
    CHR_ASSERT(env->params != NULL);
    ledger_objects *t = ledger_overlay_objects(o);
    CHR_ASSERT(t != NULL);
    uint64_t spend = ledger_gov_tx_spend(tx);
    uint64_t total;
    if (chr_add_u64(&total, spend, tx->fee) != CHR_OK || total > from->balance) {
        snprintf(detail, cap, "balance: %llu does not cover amount %llu + fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)spend,
                 (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    const uint8_t *touched[LEDGER_GOV_ACCOUNTS_MAX] = {tx->from, env->proposer};
    if (ledger_overlay_missing(o, touched, 2) > ledger_overlay_room(o)) {
        return CHR_ERR_FULL;
    }
    chr_err err;
    uint64_t id;
    if (tx->type == LEDGER_TX_GOV_SUBMIT) {
        /* The chain parameters object, when absent, is the block's own parameters. */
        err = ledger_gov_submit(t, env->params, tx->from, &tx->body.gov_submit.content,
                                tx->body.gov_submit.deposit, env->height, env->time_ms, &id, detail,
                                cap);
    } else if (tx->type == LEDGER_TX_GOV_DEPOSIT) {
        err = ledger_gov_deposit(t, tx->from, tx->body.gov_deposit.id, tx->body.gov_deposit.amount,
                                 env->height, env->time_ms, detail, cap);
    } else {
        err = ledger_gov_vote(t, tx->from, tx->body.gov_vote.id, tx->body.gov_vote.option,
                              env->time_ms, detail, cap);
    }
    if (err != CHR_OK) {
        return err;
    }
    ledger_account sender = *from;
    sender.balance -= total;
    sender.nonce += 1;
    err = ledger_overlay_put(o, tx->from, &sender);
    if (err == CHR_OK && tx->fee > 0) {
        err = ledger_overlay_credit(o, env->proposer, tx->fee);
    }
    return err;
}
