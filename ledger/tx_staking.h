/* The staking transactions: rows of ledger/tx_types.c over the operations of
 * ledger/staking.h (docs/PROTOCOL.md, "Staking transactions").
 *
 * Body encodings (after the memo; big-endian):
 *   create-validator (0x10): raw32 consensus_key | u32 commission_ppm |
 *     u32 commission_max_ppm | u32 commission_change_max_ppm | u64 min_self_bond |
 *     u64 amount | bytes8 moniker | bytes8 website | bytes8 details
 *   edit-validator (0x11): u8 mask | u32 commission_ppm | u64 min_self_bond | bytes8 moniker |
 *     bytes8 website | bytes8 details   (a field outside the mask is zero or empty)
 *   delegate (0x12), undelegate (0x13): raw32 validator | u64 amount
 *   redelegate (0x14): raw32 src | raw32 dst | u64 amount
 *   withdraw-rewards (0x15): raw32 validator (all zero: every validator)
 *   unjail (0x16): empty
 * Decoding refuses a moniker, website or details over its limit or not UTF-8
 * (CHR_ERR_DESCRIPTION), mask bits outside LEDGER_EDIT_ALL and a field outside the mask
 * that is not zero or empty (CHR_ERR_NONCANONICAL).
 *
 * Checks, in order, after the shared ones (ledger/tx.h), each with its detail:
 *   every type: fee at least the chain's fee_transfer (CHR_ERR_FEE);
 *   create: commission_max_ppm <= 1,000,000, commission_ppm <= commission_max_ppm,
 *     commission_change_max_ppm <= commission_max_ppm (CHR_ERR_COMMISSION); a moniker
 *     (CHR_ERR_DESCRIPTION); min_self_bond >= 1 and amount >= min_self_bond
 *     (CHR_ERR_SELF_BOND); with the signature: consensus_key is a valid x-only key
 *     (CHR_ERR_PUBKEY);
 *   edit: a mask (CHR_ERR_ARG), commission_ppm <= 1,000,000 (CHR_ERR_COMMISSION), a
 *     moniker when it changes (CHR_ERR_DESCRIPTION);
 *   delegate, undelegate: amount positive (CHR_ERR_AMOUNT);
 *   redelegate: amount positive (CHR_ERR_AMOUNT), src not dst (CHR_ERR_SAME_VALIDATOR).
 * Applied (after expiry and nonce): the balance covers the fee and, for create and
 * delegate, the amount (CHR_ERR_BALANCE); then the operation's rules (ledger/staking.h).
 * delegate, undelegate and redelegate first settle the pairs' rewards (ledger/distribution.h:
 * the delegator is paid what its old shares earned). The fee goes to the environment's
 * fee receiver (the chain's ledger_fee_collector); the nonce advances.
 *
 * Deterministic, thread-safe (no state of their own). */
#ifndef LEDGER_TX_STAKING_H
#define LEDGER_TX_STAKING_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

/* The sender and the proposer. */
#define LEDGER_STAKING_ACCOUNTS_MAX 2

void ledger_create_validator_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_create_validator_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_create_validator_check(const ledger_tx *tx, const ledger_params *params,
                                              char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_create_validator_verify_keys(const ledger_tx *tx, ledger_key_cache *kc);
CHR_WUR chr_err ledger_create_validator_apply(ledger_overlay *o, const ledger_tx *tx,
                                              const ledger_account *from,
                                              const ledger_apply_env *env, char *detail,
                                              size_t detail_cap);

void ledger_edit_validator_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_edit_validator_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_edit_validator_check(const ledger_tx *tx, const ledger_params *params,
                                            char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_edit_validator_apply(ledger_overlay *o, const ledger_tx *tx,
                                            const ledger_account *from, const ledger_apply_env *env,
                                            char *detail, size_t detail_cap);

/* delegate and undelegate share the body. */
void ledger_stake_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_stake_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_stake_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                   size_t detail_cap);
CHR_WUR chr_err ledger_delegate_apply(ledger_overlay *o, const ledger_tx *tx,
                                      const ledger_account *from, const ledger_apply_env *env,
                                      char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_undelegate_apply(ledger_overlay *o, const ledger_tx *tx,
                                        const ledger_account *from, const ledger_apply_env *env,
                                        char *detail, size_t detail_cap);
/* The validator: 1 and out set. */
int ledger_stake_counterparty(const ledger_tx *tx, uint8_t out[32]);

void ledger_redelegate_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_redelegate_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_redelegate_check(const ledger_tx *tx, const ledger_params *params,
                                        char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_redelegate_apply(ledger_overlay *o, const ledger_tx *tx,
                                        const ledger_account *from, const ledger_apply_env *env,
                                        char *detail, size_t detail_cap);
/* dst: 1 and out set. */
int ledger_redelegate_counterparty(const ledger_tx *tx, uint8_t out[32]);

/* withdraw-rewards (0x15): body raw32 validator (32 zero bytes: every validator the
 * sender delegates to, at most LEDGER_WITHDRAW_ALL_MAX). Applied: the validator exists
 * (CHR_ERR_NO_VALIDATOR) and the sender delegates to it or operates it
 * (CHR_ERR_NO_DELEGATION); for "all", the sender delegates to 1..LEDGER_WITHDRAW_ALL_MAX
 * validators (CHR_ERR_NO_DELEGATION, CHR_ERR_ENTRIES). Pays the sender's rewards (and,
 * from its own validator, its commission) to its account. */
void ledger_withdraw_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_withdraw_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_withdraw_apply(ledger_overlay *o, const ledger_tx *tx,
                                      const ledger_account *from, const ledger_apply_env *env,
                                      char *detail, size_t detail_cap);
/* The validator named: 1 and out set; 0 for "all". */
int ledger_withdraw_counterparty(const ledger_tx *tx, uint8_t out[32]);

/* unjail (0x16): an empty body; the sender is the operator. Applied: the rules of
 * ledger_staking_unjail. */
void ledger_unjail_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_unjail_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_unjail_apply(ledger_overlay *o, const ledger_tx *tx,
                                    const ledger_account *from, const ledger_apply_env *env,
                                    char *detail, size_t detail_cap);

/* The check of the types with no stateless rule but the fee (CHR_ERR_FEE). */
CHR_WUR chr_err ledger_staking_fee_check(const ledger_tx *tx, const ledger_params *params,
                                         char *detail, size_t detail_cap);

/* No key besides the sender's to check (CHR_OK), and no counterparty (0). */
CHR_WUR chr_err ledger_staking_no_keys(const ledger_tx *tx, ledger_key_cache *kc);
int ledger_staking_no_counterparty(const ledger_tx *tx, uint8_t out[32]);

#endif
