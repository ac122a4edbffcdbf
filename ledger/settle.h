/* Settlement of meetings (docs/PROTOCOL.md, "Settlement"; issue 16): the media node's
 * operator claims the minutes it served, the payer or host disputes unreceipted claims,
 * and at the meeting's due time the chain pays what is pending and refunds the rest.
 *
 * Bodies (after the memo):
 *   meeting-settle (0x40):  raw12 meeting_id | u8 n | n x claim
 *     claim: u8 index (0 the host, i the i-th participant) | u32 minutes (cumulative) |
 *            u32 credit_minutes_max | u64 credit_not_before_ms | u64 credit_expiry_ms |
 *            raw64 credit_sig | u8 has_receipt | [raw64 receipt_sig]
 *   meeting-dispute (0x41): raw12 meeting_id | u8 index | u32 minutes
 * Stateless checks, after the shared ones: fee at least fee_transfer (CHR_ERR_FEE); settle:
 * 1..LEDGER_SETTLE_CLAIMS_MAX claims (one per person of the meeting), indexes strictly
 * increasing, minutes 1..credit_minutes_max, credit expiry after not_before, has_receipt 0
 * or 1 (each CHR_ERR_CLAIM).
 *
 * meeting-settle applied: the meeting exists (CHR_ERR_UNKNOWN_OBJECT); the sender is the
 * operator of its media node (CHR_ERR_NOT_OWNER); it is not cancelled, its start has
 * passed and the settlement window (end_ms + settle_window_ms) has not, and it is not
 * closed (CHR_ERR_WRONG_STATE); then per claim (CHR_ERR_CLAIM): the index names a person
 * of the meeting; minutes at most duration_min; the credit rebuilt from the claim and the
 * chain (chain id, meeting id, role host for index 0, the person's ID, the key when the ID
 * is a chr1 address, the meeting's node) verifies for the payer (docs/CREDITS.md);
 * minutes above what was claimed for that person before (final or pending: never the same
 * minutes twice); a receipt needs a chr1 address ID and verifies for its key. A claim with
 * a receipt is final: the minutes over the person's final ones are paid now; one without
 * is pending until the meeting's due time (end_ms + settle_window_ms + dispute_window_ms).
 * Payment = minutes x the meeting's price; protocol_share_permille of it is the protocol's
 * share, paid like a fee (to the apply environment's fee receiver, ledger_fee_collector on a
 * chain, whose balance the distribution shares between the treasury, by its treasury_ppm,
 * and the validators' rewards: ledger/distribution.h), the rest to the operator; the total
 * never exceeds what is left of the escrow (CHR_ERR_CLAIM). All claims or none.
 *
 * meeting-dispute applied: the meeting exists, the sender is its payer or its host's chr1
 * address (CHR_ERR_NOT_OWNER), not yet closed (CHR_ERR_WRONG_STATE); the person has
 * pending minutes above `minutes` and `minutes` is at least their final ones
 * (CHR_ERR_CLAIM): pending becomes `minutes`.
 *
 * End of block: up to LEDGER_SETTLE_DUE_PER_BLOCK meetings whose due time has come are
 * closed in due order: pending minutes are paid (as above; the share to
 * ledger_fee_collector, paid out by the next block's distribution), the rest of the escrow
 * returns to the payer, the settlement record shows it.
 *
 * Deterministic core; thread-safe (no state of its own). */
#ifndef LEDGER_SETTLE_H
#define LEDGER_SETTLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/meetings.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

/* The sender, the fee's receiver (which takes the protocol share too). */
#define LEDGER_SETTLE_ACCOUNTS_MAX 2
/* Claims, the settlement record, the meetings' totals (escrowed: ledger/meetings.h); the
 * fixed part, with one claim, is LEDGER_SETTLE_OBJECTS_BASE (each further claim brings at
 * least LEDGER_CLAIM_BYTES_MIN bytes: ledger/tx_types.h). */
#define LEDGER_SETTLE_OBJECTS_MAX (LEDGER_SETTLE_CLAIMS_MAX + 2)
#define LEDGER_SETTLE_OBJECTS_BASE 3

/* Settlement parameters (object LEDGER_STATE_SETTLE_PARAMS, empty natural key; the
 * defaults when absent). */
typedef struct ledger_settle_params {
    uint64_t settle_window_ms;        /* after end_ms, claims are still taken */
    uint64_t dispute_window_ms;       /* after that, disputes still are; then the due time */
    uint64_t protocol_share_permille; /* of every payment */
} ledger_settle_params;
#define LEDGER_SETTLE_PARAMS_BYTES 24
#define LEDGER_SETTLE_WINDOW_MS_MAX (7ull * 24 * 3600 * 1000)

/* Defaults: a 24 h settlement window, a 1 h dispute window, a 5% share. */
void ledger_settle_params_default(ledger_settle_params *out);
void ledger_settle_params_encode(uint8_t out[LEDGER_SETTLE_PARAMS_BYTES],
                                 const ledger_settle_params *p);
/* CHR_ERR_TRUNCATED/TRAILING, CHR_ERR_ARG for a window over the maximum or a share over
 * 1000; *out zeroed on failure. */
CHR_WUR chr_err ledger_settle_params_decode(ledger_settle_params *out, const uint8_t *in,
                                            size_t in_len);
/* The object, or the defaults. The load callback's error. */
CHR_WUR chr_err ledger_settle_params_get(ledger_objects *t, ledger_settle_params *out);

/* A meeting's settlement record (LEDGER_STATE_MEETING_SETTLEMENT, natural key the meeting
 * id): u64 paid (to the operator) | u64 protocol | u64 refunded | u8 closed. Absent: all
 * zero. escrow - paid - protocol - refunded is still held. */
typedef struct ledger_settlement {
    uint64_t paid;
    uint64_t protocol;
    uint64_t refunded;
    uint8_t closed;
} ledger_settlement;
#define LEDGER_SETTLEMENT_BYTES 25
CHR_WUR chr_err ledger_settlement_get(ledger_objects *t, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                      ledger_settlement *out);
CHR_WUR chr_err ledger_settlement_decode(ledger_settlement *out, const uint8_t *in, size_t in_len);

/* One person's claim record (LEDGER_STATE_MEETING_CLAIM, natural key meeting id || u8
 * index): u32 final_min (paid) | u32 pending_min (0: none; else above final_min). */
typedef struct ledger_claim_record {
    uint32_t final_min;
    uint32_t pending_min;
} ledger_claim_record;
#define LEDGER_CLAIM_RECORD_BYTES 8
CHR_WUR chr_err ledger_claim_record_decode(ledger_claim_record *out, const uint8_t *in,
                                           size_t in_len);

/* A meeting's due time: end_ms + settle_window_ms + dispute_window_ms. */
uint64_t ledger_settle_due_ms(const ledger_meeting *m, const ledger_settle_params *sp);
/* Files m for closing at its due time (meeting-create calls it). CHR_ERR_FULL; load errors. */
CHR_WUR chr_err ledger_settle_schedule(ledger_objects *t, const ledger_meeting *m);

/* Closes up to LEDGER_SETTLE_DUE_PER_BLOCK meetings due at time_ms (see above). Errors of
 * the overlay and the table abort the block. */
CHR_WUR chr_err ledger_settle_end_block(ledger_overlay *o, uint64_t time_ms);

void ledger_settle_tx_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_settle_tx_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_settle_tx_check(const ledger_tx *tx, const ledger_params *params,
                                       char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_settle_tx_verify_keys(const ledger_tx *tx, ledger_key_cache *kc);
CHR_WUR chr_err ledger_settle_tx_apply(ledger_overlay *o, const ledger_tx *tx,
                                       const ledger_account *from, const ledger_apply_env *env,
                                       char *detail, size_t detail_cap);
int ledger_settle_tx_counterparty(const ledger_tx *tx, uint8_t out[32]);

#endif
