/* Media nodes: their records under the state root and the register, update and deregister
 * transactions (docs/PROTOCOL.md, "Media nodes").
 *
 * A media node is named by its node public key (the key it signs its media-tier messages
 * with) and owned by its operator, the account that registered it. Its record (kind
 * LEDGER_STATE_MEDIA_NODE, natural key the node key) holds the operator, the bond, the
 * capacity in concurrent participants, the HTTPS endpoint, the region code and metadata.
 * An active node is also listed under its region (kind LEDGER_STATE_MEDIA_REGION, natural
 * key region || 0x00 || node key) for allocation.
 *
 * Bodies (after the memo):
 *   register (0x20):   raw32 node_key | bytes8 endpoint | bytes8 region | u32 capacity |
 *                      u64 bond | bytes8 metadata
 *   update (0x21):     raw32 node_key | bytes8 endpoint | bytes8 region | u32 capacity |
 *                      bytes8 metadata
 *   deregister (0x22): raw32 node_key
 * Stateless checks, in order, after the shared ones: fee at least fee_transfer
 * (CHR_ERR_FEE); endpoint "https://" then a host of [A-Za-z0-9.-], an optional ":port"
 * and an optional path of [A-Za-z0-9._~/-], at most LEDGER_MEDIA_ENDPOINT_MAX
 * (CHR_ERR_MEDIA_NODE); region 1..LEDGER_MEDIA_REGION_MAX of [a-z0-9-] (CHR_ERR_MEDIA_NODE);
 * capacity 1..LEDGER_MEDIA_CAPACITY_MAX (CHR_ERR_MEDIA_NODE); metadata UTF-8
 * (CHR_ERR_MEDIA_NODE); with the signature: node_key a valid x-only key (CHR_ERR_PUBKEY).
 * Applied:
 *   register: no record for node_key yet (CHR_ERR_DUPLICATE); bond at least
 *     media_node_min_bond (CHR_ERR_BOND); balance covers bond + fee (CHR_ERR_BALANCE). The
 *     bond moves from the operator's balance into the record.
 *   update: a record (CHR_ERR_UNKNOWN_OBJECT) of the sender's (CHR_ERR_NOT_OWNER), active
 *     (CHR_ERR_WRONG_STATE); balance covers the fee (CHR_ERR_BALANCE).
 *   deregister: an active record (CHR_ERR_WRONG_STATE once unbonding) of the sender's: it
 *     becomes "unbonding" and leaves its region's list (no meeting is allocated to it again);
 *     unbond_after_ms is the block time + unbonding_ms or, when later, the time the last
 *     meeting allocated to it stops being open (ledger_meetings_node_open_until); its bond
 *     goes on staking's unbonding queue, completing then (ledger_staking_unbond_media, so the
 *     pool's unbonding counts it). The end of block that matures the entry pays the bond to
 *     the operator and deletes the record (ledger_media_bond_entry).
 *
 * The bond is locked in the record by media_bond_lock (ledger/media.c) and leaves it only
 * through the unbonding queue.
 *
 * Rows of ledger/tx_types.c; deterministic, thread-safe (no state of its own). */
#ifndef LEDGER_MEDIA_H
#define LEDGER_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

/* The operator and the proposer. */
#define LEDGER_MEDIA_ACCOUNTS_MAX 2
/* The record and two region entries (an update that moves region); the record, its region
 * entry, the unbonding entry, the staking pool and the meetings' totals (a deregistration). */
#define LEDGER_MEDIA_OBJECTS_MAX 5

typedef enum ledger_media_status {
    LEDGER_MEDIA_ACTIVE = 1,
    LEDGER_MEDIA_UNBONDING = 2,
} ledger_media_status;

/* A media node's record. */
typedef struct ledger_media_node {
    uint8_t node_key[32];
    uint8_t status; /* ledger_media_status */
    uint8_t operator_key[32];
    uint64_t bond;
    uint32_t capacity;
    uint64_t registered_height;
    uint64_t unbond_after_ms; /* 0 while active */
    uint8_t endpoint_len;
    char endpoint[LEDGER_MEDIA_ENDPOINT_MAX + 1]; /* NUL terminated */
    uint8_t region_len;
    char region[LEDGER_MEDIA_REGION_MAX + 1]; /* NUL terminated */
    uint8_t metadata_len;
    uint8_t metadata[LEDGER_MEDIA_METADATA_MAX];
} ledger_media_node;

/* The record's encoding (the object's value), node_key not included (it is the natural
 * key): u8 status | raw32 operator | u64 bond | u32 capacity | u64 registered_height |
 * u64 unbond_after_ms | bytes8 endpoint | bytes8 region | bytes8 metadata. */
CHR_WUR chr_err ledger_media_node_encode(const ledger_media_node *n, uint8_t *out, size_t out_cap,
                                         size_t *out_len);
/* Decodes a record stored under node_key; a value that breaks a rule above is
 * CHR_ERR_MEDIA_NODE, a short or long one CHR_ERR_TRUNCATED / CHR_ERR_TRAILING. *out zeroed
 * on failure. */
CHR_WUR chr_err ledger_media_node_decode(ledger_media_node *out, const uint8_t node_key[32],
                                         const uint8_t *in, size_t in_len);
/* The record of node_key as t sees it: *found 0 when there is none. The load callback's
 * error. */
CHR_WUR chr_err ledger_media_node_get(ledger_objects *t, const uint8_t node_key[32],
                                      ledger_media_node *out, int *found);

/* Whether the unbonding entry (completion_ms, operator_key, node_key) of amount is a media
 * node's bond (ledger_staking_unbond_media): node_key's record is unbonding, operator_key's,
 * of bond amount, completing at completion_ms: *is 1, and with matured the record is
 * deleted. *is 0 otherwise. The load's errors, CHR_ERR_FULL. */
CHR_WUR chr_err ledger_media_bond_entry(ledger_objects *t, const uint8_t operator_key[32],
                                        const uint8_t node_key[32], uint64_t completion_ms,
                                        uint64_t amount, int matured, int *is);

/* The field rules, for the wallet and the REST layer as much as for the checks. */
int ledger_media_endpoint_valid(const char *s, size_t len);
int ledger_media_region_valid(const char *s, size_t len);
/* The API name of a status ("active", "unbonding"). */
const char *ledger_media_status_name(uint8_t status);

void ledger_media_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_media_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_media_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                   size_t detail_cap);
CHR_WUR chr_err ledger_media_verify_keys(const ledger_tx *tx, ledger_key_cache *kc);
CHR_WUR chr_err ledger_media_apply(ledger_overlay *o, const ledger_tx *tx,
                                   const ledger_account *from, const ledger_apply_env *env,
                                   char *detail, size_t detail_cap);
/* Room in o for a transaction that changes the sender, the proposer (when the fee is
 * positive) and `objects` objects: CHR_ERR_FULL before any change is made (ledger/state.h's
 * contract). Used by the media and meeting rows. */
CHR_WUR chr_err ledger_tx_room(ledger_overlay *o, const ledger_tx *tx, const ledger_apply_env *env,
                               size_t objects);

/* None: 0. */
int ledger_media_counterparty(const ledger_tx *tx, uint8_t out[32]);

#endif
