/* The governance transactions: rows of ledger/tx_types.c over the operations of
 * ledger/gov.h (docs/PROTOCOL.md, "Governance transactions").
 *
 * Body encodings (after the memo; big-endian):
 *   submit-proposal (0x30): content (ledger/gov.h) | u64 deposit
 *   deposit (0x31): u64 id | u64 amount
 *   vote (0x32): u64 id | u8 option (1 yes, 2 abstain, 3 no, 4 veto)
 *
 * Checks, in order, after the shared ones (ledger/tx.h), each with its detail:
 *   every type: fee at least the chain's fee_transfer (CHR_ERR_FEE);
 *   submit: a spend is refused (CHR_ERR_NO_TREASURY: this chain has no treasury yet);
 *     params: every name is a parameter and fits its field (CHR_ERR_PARAM_RANGE), no name
 *     twice (CHR_ERR_PROPOSAL); upgrade: a height above 0 (CHR_ERR_PROPOSAL);
 *   deposit: amount positive (CHR_ERR_AMOUNT);
 *   vote: option 1..4 (CHR_ERR_PROPOSAL).
 * Applied (after expiry and nonce): the balance covers the fee and the deposit
 * (CHR_ERR_BALANCE); then the operation's rules (ledger/gov.h: ranges against the current
 * parameters, the periods, stake). The deposit goes to the escrow, the fee to the
 * proposer; the nonce advances.
 *
 * Deterministic, thread-safe (no state of their own). */
#ifndef LEDGER_TX_GOV_H
#define LEDGER_TX_GOV_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

/* The sender and the proposer. */
#define LEDGER_GOV_ACCOUNTS_MAX 2

/* One set of functions for the three types, by tx->type. */
void ledger_gov_tx_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_gov_tx_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_gov_tx_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                    size_t detail_cap);
/* Curve check of a spend's recipient (CHR_ERR_PUBKEY), as a transfer's: a treasury spend
 * never pays an address no key can spend from. Other kinds name no key. kc may be NULL. */
CHR_WUR chr_err ledger_gov_tx_verify_keys(const ledger_tx *tx, ledger_key_cache *kc);
CHR_WUR chr_err ledger_gov_tx_apply(ledger_overlay *o, const ledger_tx *tx,
                                    const ledger_account *from, const ledger_apply_env *env,
                                    char *detail, size_t detail_cap);
/* The liquid amount taken besides the fee: a submit's deposit, a deposit's amount. */
uint64_t ledger_gov_tx_spend(const ledger_tx *tx);

#endif
