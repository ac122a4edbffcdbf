/* The transfer: moves `amount` from the sender to `to` and pays `fee` to the block's
 * proposer (docs/PROTOCOL.md, "Transfer").
 *
 * Body encoding (after the memo): raw32 to | u64 amount.
 * Checks, in order, after the shared ones (ledger/tx.h): fee at least the chain's
 * fee_transfer (CHR_ERR_FEE), amount positive (CHR_ERR_AMOUNT), to not the sender
 * (CHR_ERR_SELF_TRANSFER); with the signature: to is a valid x-only key (CHR_ERR_PUBKEY,
 * funds sent to a non-key would be lost); applied: the balance covers amount + fee
 * (CHR_ERR_BALANCE).
 *
 * A row of ledger/tx_types.c; deterministic, thread-safe (no state of its own). */
#ifndef LEDGER_TX_TRANSFER_H
#define LEDGER_TX_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

/* Sender, recipient and proposer. */
#define LEDGER_TRANSFER_ACCOUNTS_MAX 3

void ledger_transfer_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_transfer_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_transfer_check(const ledger_tx *tx, const ledger_params *params,
                                      char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_transfer_verify_keys(const ledger_tx *tx, ledger_key_cache *kc);
CHR_WUR chr_err ledger_transfer_apply(ledger_overlay *o, const ledger_tx *tx,
                                      const ledger_account *from, const ledger_apply_env *env,
                                      char *detail, size_t detail_cap);
/* The recipient: 1 and out set. */
int ledger_transfer_counterparty(const ledger_tx *tx, uint8_t out[32]);

#endif
