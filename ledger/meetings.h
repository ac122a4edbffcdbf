/* Meetings: the meeting-create and meeting-end transactions, the meeting's payment record
 * and the chain's allocation of a media node (docs/PROTOCOL.md, "Meetings").
 *
 * Bodies (after the memo):
 *   meeting-create (0x23): bytes8 title | bytes8 host | u8 n | n x bytes8 participant |
 *                          u32 duration_min | u64 start_ms | bytes8 region |
 *                          u8 has_preferred | [raw32 preferred]
 *   meeting-end (0x24):    raw12 meeting_id
 * Stateless checks of meeting-create, in order, after the shared ones: fee at least
 * fee_transfer (CHR_ERR_FEE); title 1..LEDGER_MEETING_TITLE_MAX bytes of UTF-8; host
 * 1..LEDGER_MEETING_ID_STR_MAX printable ASCII; 1..LEDGER_MEETING_PARTICIPANTS_MAX
 * participants, each like the host, none repeated and none the host;
 * duration 1..LEDGER_MEETING_DURATION_MAX_MIN; region empty or a region code
 * (ledger_media_region_valid); has_preferred 0 or 1 (each CHR_ERR_MEETING). An ID that is a chr1
 * address also names that participant's key.
 *
 * meeting-create applied: start_ms 0 means the block's time; otherwise it must be at least
 * the block's time and at most LEDGER_MEETING_AHEAD_MAX_MS after it (CHR_ERR_MEETING). The
 * escrow is price_per_participant_minute x (participants + 1) x duration_min
 * (CHR_ERR_OVERFLOW past a u64); the balance covers escrow + fee (CHR_ERR_BALANCE). Then the
 * allocation (below) picks a media node, or the transaction fails with
 * CHR_ERR_NO_MEDIA_NODE and nothing changes. The escrow moves from the payer (the sender)
 * into the record (and the totals' escrowed); the record, the participant list, the node's
 * load entry and the entries in the payer's and the host's lists are written.
 *
 * Allocation. need = participants + 1 over [start_ms, end_ms). A node qualifies when it is
 * active and the participants of the meetings allocated to it whose span overlaps this
 * one's, plus need, are at most its capacity (a node with more than
 * LEDGER_MEETING_LOAD_SCAN_MAX allocations to read in the span counts as full). The
 * preferred node is taken when it qualifies. Otherwise the candidates are up to
 * LEDGER_MEETING_CANDIDATES_MAX nodes of the region (all nodes when the region is empty or
 * none of its nodes qualifies), taken in key order from the seed tagged_hash("CHROOM/alloc",
 * previous block hash || meeting id) on, wrapping around; of those that qualify, one is
 * drawn with probability proportional to its score = (free share after the meeting in
 * permille + 1) x bond weight (min(bond / min bond, 8), at least 1), by the seed's last 8
 * bytes modulo the scores' sum, in window order. The seed spreads meetings
 * over the nodes; the free share spreads load; the weight favours stake. Cost: at most
 * (CANDIDATES_MAX + 1) x LOAD_SCAN_MAX reads, whatever the number of nodes.
 *
 * meeting-end applied: a meeting (CHR_ERR_UNKNOWN_OBJECT) whose payer is the sender, or
 * whose host ID is the sender's chr1 address (CHR_ERR_NOT_OWNER), in status created
 * (CHR_ERR_WRONG_STATE). Before start_ms it is cancelled and the whole escrow returns to the
 * payer (out of the totals' escrowed); after, it is ended and the escrow stays for
 * settlement (issue 16). Either way its load entry is deleted and the node's capacity freed.
 * A meeting never ended expires at end_ms + grace_ms (the API reports "expired"; its record
 * is settled by issue 16).
 *
 * Rows of ledger/tx_types.c; deterministic, thread-safe (no state of its own). */
#ifndef LEDGER_MEETINGS_H
#define LEDGER_MEETINGS_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/params_meetings.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

/* A create's payer and proposer; an end's sender, payer (refunded) and proposer. */
#define LEDGER_MEETING_ACCOUNTS_MAX 2
#define LEDGER_MEETING_END_ACCOUNTS_MAX 3
/* A create's objects besides its participant list's chunks: the record, the load entry, the
 * payer's and host's list entries, the settlement's due entry (ledger/settle.h) and the
 * totals (escrowed). The list takes LEDGER_MEETING_PEOPLE_CHUNKS_MAX chunks at most, each
 * but the last over LEDGER_OBJECT_VALUE_MAX - 65 bytes of the encoding, so a create changes
 * at most 7 objects plus one per LEDGER_TX_BYTES_PER_OBJECT of its bytes (ledger/tx_types.h). */
#define LEDGER_MEETING_OBJECTS_BASE 6
#define LEDGER_MEETING_OBJECTS_MAX (LEDGER_MEETING_OBJECTS_BASE + LEDGER_MEETING_PEOPLE_CHUNKS_MAX)
/* Chunks of the participant list in state: whole IDs, as many as fit one object value, so at
 * least 7 IDs of the longest (65 bytes with the length) per chunk. */
#define LEDGER_MEETING_PEOPLE_CHUNKS_MAX ((LEDGER_MEETING_PARTICIPANTS_MAX + 6) / 7)
_Static_assert(1 + 7 * (1 + LEDGER_MEETING_ID_STR_MAX) <= LEDGER_OBJECT_VALUE_MAX,
               "a chunk holds 7 IDs of the longest");
_Static_assert(LEDGER_MEETING_PEOPLE_CHUNKS_MAX <= 255, "the chunk number is a u8");
/* The natural key of a chunk: meeting id || u8 chunk (from 0). */
#define LEDGER_MEETING_PEOPLE_KEY_LEN (LEDGER_MEETING_ID_LEN + 1)

typedef enum ledger_meeting_status {
    LEDGER_MEETING_CREATED = 1,
    LEDGER_MEETING_ENDED = 2,
    LEDGER_MEETING_CANCELLED = 3,
} ledger_meeting_status;

/* A meeting's payment record (kind LEDGER_STATE_MEETING, natural key its id). */
typedef struct ledger_meeting {
    uint8_t id[LEDGER_MEETING_ID_LEN];
    uint8_t status; /* ledger_meeting_status */
    uint8_t payer[32];
    uint8_t node_key[32];
    uint8_t tx_hash[32];
    uint64_t created_height;
    uint64_t start_ms;
    uint64_t end_ms;
    uint64_t closed_ms; /* when ended or cancelled, else 0 */
    uint32_t duration_min;
    uint64_t price; /* per participant-minute, as charged */
    uint64_t escrow;
    uint8_t participants; /* count; the IDs are under LEDGER_STATE_MEETING_PARTICIPANTS */
    uint8_t title_len;
    uint8_t title[LEDGER_MEETING_TITLE_MAX + 1]; /* NUL terminated */
    uint8_t host_len;
    char host[LEDGER_MEETING_ID_STR_MAX + 1]; /* NUL terminated */
    uint8_t region_len;
    char region[LEDGER_MEDIA_REGION_MAX + 1]; /* NUL terminated */
} ledger_meeting;

/* The record's encoding (id not included: it is the natural key): u8 status | raw32 payer |
 * raw32 node | raw32 tx_hash | u64 created_height | u64 start_ms | u64 end_ms |
 * u64 closed_ms | u32 duration_min | u64 price | u64 escrow | u8 participants |
 * bytes8 title | bytes8 host | bytes8 region. */
CHR_WUR chr_err ledger_meeting_encode(const ledger_meeting *m, uint8_t *out, size_t out_cap,
                                      size_t *out_len);
/* CHR_ERR_MEETING for a value that breaks the rules, CHR_ERR_TRUNCATED/TRAILING; *out zeroed
 * on failure. */
CHR_WUR chr_err ledger_meeting_decode(ledger_meeting *out, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                      const uint8_t *in, size_t in_len);
/* A meeting's participant IDs as state holds them (kind LEDGER_STATE_MEETING_PARTICIPANTS,
 * natural key meeting id || u8 chunk from 0; each chunk u8 n (1..) | n x bytes8 ID, whole IDs
 * in order, as many as fit LEDGER_OBJECT_VALUE_MAX; the record's `participants` is the
 * count). Decoded, for the settlement's rules and the API (about 8 KiB: not for tables). */
typedef struct ledger_meeting_people {
    uint8_t participants_len;
    uint8_t participant_lens[LEDGER_MEETING_PARTICIPANTS_MAX];
    char participants[LEDGER_MEETING_PARTICIPANTS_MAX][LEDGER_MEETING_ID_STR_MAX];
} ledger_meeting_people;

void ledger_meeting_people_key(uint8_t out[LEDGER_MEETING_PEOPLE_KEY_LEN],
                               const uint8_t id[LEDGER_MEETING_ID_LEN], uint8_t chunk);
/* Appends the IDs of one chunk's value to p: CHR_ERR_MEETING for an empty chunk, an ID over
 * LEDGER_MEETING_ID_STR_MAX or more than LEDGER_MEETING_PARTICIPANTS_MAX IDs in all;
 * CHR_ERR_TRUNCATED/TRAILING. On failure p may hold part of the chunk. */
CHR_WUR chr_err ledger_meeting_people_chunk_decode(ledger_meeting_people *p, const uint8_t *in,
                                                   size_t in_len);
/* The `count` participant IDs of meeting id (its record's count) from t's chunks:
 * CHR_ERR_STORE when the chunks do not hold exactly that many; a load error. */
CHR_WUR chr_err ledger_meeting_people_get(ledger_objects *t,
                                          const uint8_t id[LEDGER_MEETING_ID_LEN], uint8_t count,
                                          ledger_meeting_people *out);
/* The API name of a status at time now_ms: "created", "ended", "cancelled", or "expired"
 * for a created meeting past end_ms + grace_ms. */
const char *ledger_meeting_status_name(const ledger_meeting *m, uint64_t now_ms, uint64_t grace_ms);

/* The natural key of a meeting's entry in its host's list (LEDGER_STATE_MEETING_BY_HOST):
 * host || 0x00 || id (a host ID holds no 0x00, so host || 0x00 is the list's prefix);
 * returns its length. */
size_t ledger_meeting_host_key(uint8_t out[LEDGER_MEETING_ID_STR_MAX + 1 + LEDGER_MEETING_ID_LEN],
                               const char *host, size_t host_len,
                               const uint8_t id[LEDGER_MEETING_ID_LEN]);

/* A meeting's id from its creating transaction's hash. */
void ledger_meeting_id(uint8_t out[LEDGER_MEETING_ID_LEN], const uint8_t tx_hash[32]);

/* Whether a meeting allocated to node_key is still open at now_ms (a load entry with
 * end_ms + grace_ms > now_ms): *busy, and *end_ms of the first such. The scan's error. */
CHR_WUR chr_err ledger_meetings_node_busy(ledger_objects *t, const uint8_t node_key[32],
                                          uint64_t now_ms, uint64_t grace_ms, int *busy,
                                          uint64_t *end_ms);

/* When the last meeting allocated to node_key that is open at now_ms stops being open (its
 * end_ms + grace_ms; past LEDGER_MEETING_LOAD_SCAN_MAX open ones, the latest any meeting
 * could end: now + LEDGER_MEETING_AHEAD_MAX_MS + the longest duration, + grace_ms): *until_ms,
 * 0 when none is open. The scan's error. */
CHR_WUR chr_err ledger_meetings_node_open_until(ledger_objects *t, const uint8_t node_key[32],
                                                uint64_t now_ms, uint64_t grace_ms,
                                                uint64_t *until_ms);

/* The allocation rule above, on its own (for tests and the node's dry runs): *node_key of
 * the node for `need` participants over [start_ms, end_ms) in region (len 0: any) with
 * preferred (NULL: none), seeded by seed. CHR_ERR_NO_MEDIA_NODE when none qualifies; a load
 * error. */
CHR_WUR chr_err ledger_meeting_allocate(ledger_objects *t, const ledger_meeting_params *mp,
                                        uint8_t node_key[32], const uint8_t seed[32],
                                        const char *region, size_t region_len,
                                        const uint8_t *preferred, uint32_t need, uint64_t start_ms,
                                        uint64_t end_ms);

/* A meeting-create's escrow: CHR_ERR_OVERFLOW past a u64. */
CHR_WUR chr_err ledger_meeting_escrow(uint64_t *out, uint64_t price, uint32_t participants,
                                      uint32_t duration_min);

/* The funds the meetings' objects hold outside any account, kept as running totals so that
 * the supply shows them (object LEDGER_STATE_GLOBAL, natural key LEDGER_MEETINGS_TOTALS_NAME;
 * absent: both zero). escrowed: what meeting-creates took from their payers and neither a
 * cancellation, a settle nor a settlement's close has paid out or refunded yet; media_bonded:
 * the bonds of active media nodes (a deregistration moves a bond to staking's unbonding
 * pool). Encoding: u64 escrowed | u64 media_bonded (16 bytes). */
typedef struct ledger_meetings_totals {
    uint64_t escrowed;
    uint64_t media_bonded;
} ledger_meetings_totals;

#define LEDGER_MEETINGS_TOTALS_NAME "meetings"
#define LEDGER_MEETINGS_TOTALS_NAME_LEN 8
#define LEDGER_MEETINGS_TOTALS_LEN 16

void ledger_meetings_totals_encode(uint8_t out[LEDGER_MEETINGS_TOTALS_LEN],
                                   const ledger_meetings_totals *v);
/* CHR_ERR_TRUNCATED/TRAILING for a value of another length; *out zeroed on failure. */
CHR_WUR chr_err ledger_meetings_totals_decode(ledger_meetings_totals *out, const uint8_t *in,
                                              size_t in_len);
/* The totals in t (zero when absent): a load error, CHR_ERR_STORE for an undecodable one. */
CHR_WUR chr_err ledger_meetings_totals_get(ledger_objects *t, ledger_meetings_totals *out);
/* Adds the *_in amounts to the totals in t and takes the *_out ones (one object change;
 * the caller counted it in its room). A total that would go below zero or past 2^64 is a
 * broken invariant of the ledger (each is part of the supply): an assertion. A load or
 * store error. */
CHR_WUR chr_err ledger_meetings_totals_move(ledger_objects *t, uint64_t escrow_in,
                                            uint64_t escrow_out, uint64_t bond_in,
                                            uint64_t bond_out);
/* The slow audit for tests and the simulator (O(meetings + media nodes)): the totals'
 * escrowed equals the sum over meetings of escrow - paid - protocol - refunded (their
 * settlement records), and media_bonded the sum of the active nodes' bonds.
 * CHR_ERR_STATE_ROOT with detail on a difference or an undecodable record; a load error. */
CHR_WUR chr_err ledger_meetings_audit(ledger_objects *t, char *detail, size_t detail_cap);

void ledger_meeting_tx_encode(chr_enc *enc, const ledger_tx *tx);
CHR_WUR chr_err ledger_meeting_tx_decode(chr_dec *dec, ledger_tx *tx);
CHR_WUR chr_err ledger_meeting_tx_check(const ledger_tx *tx, const ledger_params *params,
                                        char *detail, size_t detail_cap);
CHR_WUR chr_err ledger_meeting_tx_verify_keys(const ledger_tx *tx, ledger_key_cache *kc);
CHR_WUR chr_err ledger_meeting_tx_apply(ledger_overlay *o, const ledger_tx *tx,
                                        const ledger_account *from, const ledger_apply_env *env,
                                        char *detail, size_t detail_cap);
int ledger_meeting_tx_counterparty(const ledger_tx *tx, uint8_t out[32]);

#endif
