#include "ledger/tx_transfer.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"

void ledger_transfer_encode(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->type == LEDGER_TX_TRANSFER);
    chr_enc_raw(enc, tx->body.transfer.to, 32);
    chr_enc_u64(enc, tx->body.transfer.amount);
}

chr_err ledger_transfer_decode(chr_dec *dec, ledger_tx *tx)
{
    chr_err err = chr_dec_raw(dec, tx->body.transfer.to, 32);
    return err ? err : chr_dec_u64(dec, &tx->body.transfer.amount);
}

chr_err ledger_transfer_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                              size_t detail_cap)
{
    CHR_ASSERT(tx->type == LEDGER_TX_TRANSFER);
    if (tx->fee < params->fee_transfer) {
        snprintf(detail, detail_cap, "fee: minimum %llu, got %llu",
                 (unsigned long long)params->fee_transfer, (unsigned long long)tx->fee);
        return CHR_ERR_FEE;
    }
    if (tx->body.transfer.amount == 0) {
        snprintf(detail, detail_cap, "amount: must be positive");
        return CHR_ERR_AMOUNT;
    }
    if (memcmp(tx->from, tx->body.transfer.to, 32) == 0) {
        snprintf(detail, detail_cap, "to: same as the sender");
        return CHR_ERR_SELF_TRANSFER;
    }
    return CHR_OK;
}

chr_err ledger_transfer_verify_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    /* The recipient's key check costs a square root, like the sender's: it lives with the
     * other curve work, which the node spreads over its verifier threads. */
    return ledger_pubkey_valid_cached(kc, tx->body.transfer.to) ? CHR_OK : CHR_ERR_PUBKEY;
}

chr_err ledger_transfer_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                              const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    CHR_ASSERT(tx->type == LEDGER_TX_TRANSFER);
    uint64_t spend;
    if (chr_add_u64(&spend, tx->body.transfer.amount, tx->fee) != CHR_OK || spend > from->balance) {
        snprintf(detail, detail_cap, "balance: %llu does not cover amount %llu + fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)tx->body.transfer.amount,
                 (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    /* Room for the new entries first, so that a full overlay changes nothing. Counted
     * exactly, not as three: a block of n transfers changes at most 2n + 1 accounts, and
     * an overlay of that size must hold all n. */
    const uint8_t *touched[LEDGER_TRANSFER_ACCOUNTS_MAX] = {tx->from, tx->body.transfer.to,
                                                            env->proposer};
    if (ledger_overlay_missing(o, touched, tx->fee > 0 ? 3 : 2) > ledger_overlay_room(o)) {
        return CHR_ERR_FULL;
    }
    ledger_account sender = *from;
    sender.balance -= spend;
    sender.nonce += 1; /* cannot wrap: reaching 2^64 transactions is beyond any chain */
    chr_err err = ledger_overlay_put(o, tx->from, &sender);
    err = err ? err : ledger_overlay_credit(o, tx->body.transfer.to, tx->body.transfer.amount);
    if (err == CHR_OK && tx->fee > 0) {
        err = ledger_overlay_credit(o, env->proposer, tx->fee);
    }
    /* The only errors left are a failing load, which aborts the whole block. */
    return err;
}

int ledger_transfer_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    memcpy(out, tx->body.transfer.to, 32);
    return 1;
}
