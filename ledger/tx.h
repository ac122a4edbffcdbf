/* Transactions: their canonical encoding, signing hash, identity and the checks that need
 * no state (docs/PROTOCOL.md, "Transactions").
 *
 * Wire format, version 1 (all integers big-endian):
 *   u8 version = 1 | u8 type | bytes8 chain_id | raw32 from | u64 nonce | u64 fee |
 *   u64 expiry_height (0 = never) | bytes16 memo | body | raw64 signature
 *   transfer body (type 1): raw32 to | u64 amount
 *   staking bodies (types 0x10..0x16): ledger/tx_staking.h
 *   media-node and meeting bodies (types 0x20..0x24): ledger/media.h, ledger/meetings.h
 *   governance bodies (types 0x30..0x32): ledger/tx_gov.h
 * The signature is BIP-340 over the tagged hash "CHROOM/tx" of every byte before it; the
 * transaction's hash (its id) is SHA-256 of all its bytes.
 *
 * A decoded ledger_tx owns copies of its small fields; the large parts, a meeting-create's
 * participant IDs and a meeting-settle's claims, stay where they are in the encoding (the
 * body keeps a pointer and each item's offset; ledger_meeting_participant_get and
 * ledger_settle_claim_get read item i). Lifetime rule: the bytes a ledger_tx was decoded
 * from (or a builder's buffer it refers to) must outlive it and every copy of it, unchanged.
 * A holder that keeps a decoded transaction keeps its encoding too (the mempool owns a copy
 * of the bytes and decodes from it; a node submission copies what it was handed). This
 * keeps sizeof(ledger_tx) small (asserted below) however many people a meeting has.
 * Thread-safe. */
#ifndef LEDGER_TX_H
#define LEDGER_TX_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"
#include "ledger/gov_types.h"
#include "ledger/limits.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/staking_types.h"

#define LEDGER_TX_VERSION 1
#define LEDGER_TX_TAG "CHROOM/tx"
#define LEDGER_SIG_LEN 64

typedef enum ledger_tx_type {
    LEDGER_TX_TRANSFER = 1,
    /* Staking (ledger/tx_staking.h, docs/PROTOCOL.md "Staking transactions"). */
    LEDGER_TX_CREATE_VALIDATOR = 0x10,
    LEDGER_TX_EDIT_VALIDATOR = 0x11,
    LEDGER_TX_DELEGATE = 0x12,
    LEDGER_TX_UNDELEGATE = 0x13,
    LEDGER_TX_REDELEGATE = 0x14,
    LEDGER_TX_WITHDRAW_REWARDS = 0x15,
    LEDGER_TX_UNJAIL = 0x16,
    LEDGER_TX_MEDIA_REGISTER = 0x20,
    LEDGER_TX_MEDIA_UPDATE = 0x21,
    LEDGER_TX_MEDIA_DEREGISTER = 0x22,
    LEDGER_TX_MEETING_CREATE = 0x23,
    LEDGER_TX_MEETING_END = 0x24,
    /* Settlement (ledger/settle.h). */
    LEDGER_TX_MEETING_SETTLE = 0x40,
    LEDGER_TX_MEETING_DISPUTE = 0x41,
    /* Governance (ledger/tx_gov.h, docs/PROTOCOL.md "Governance transactions"). */
    LEDGER_TX_GOV_SUBMIT = 0x30,
    LEDGER_TX_GOV_DEPOSIT = 0x31,
    LEDGER_TX_GOV_VOTE = 0x32,
} ledger_tx_type;

typedef struct ledger_transfer {
    uint8_t to[32];
    uint64_t amount;
} ledger_transfer;

/* delegate (to = the validator), undelegate (from it); redelegate moves from src to dst. */
typedef struct ledger_stake {
    uint8_t validator[32];
    uint64_t amount;
} ledger_stake;

typedef struct ledger_restake {
    uint8_t src[32];
    uint8_t dst[32];
    uint64_t amount;
} ledger_restake;
/* The body of media-node register, update and deregister (ledger/media.h says which fields
 * each type carries). Strings are not NUL terminated: their length is beside them. */
typedef struct ledger_media_body {
    uint8_t node_key[32];
    uint8_t endpoint_len;
    char endpoint[LEDGER_MEDIA_ENDPOINT_MAX];
    uint8_t region_len;
    char region[LEDGER_MEDIA_REGION_MAX];
    uint32_t capacity;
    uint64_t bond;
    uint8_t metadata_len;
    uint8_t metadata[LEDGER_MEDIA_METADATA_MAX];
} ledger_media_body;

/* The bytes of a meeting's id: the first 12 of its creating transaction's hash. */
#define LEDGER_MEETING_ID_LEN 12

/* The body of a meeting-create (ledger/meetings.h). The participant IDs are not copied
 * (zero-copy, like the settle's claims): `participants` points at their encoding, n x
 * bytes8 ID, in the bytes the transaction was decoded from or in a builder's buffer
 * (ledger_meeting_participant_add), and ledger_meeting_participant_get reads the i-th. */
typedef struct ledger_meeting_body {
    uint8_t title_len;
    uint8_t title[LEDGER_MEETING_TITLE_MAX];
    uint8_t host_len;
    char host[LEDGER_MEETING_ID_STR_MAX];
    uint8_t participants_len;
    uint16_t participants_bytes;                                /* the list's encoded length */
    const uint8_t *participants;                                /* not owned: see above */
    uint16_t participant_offs[LEDGER_MEETING_PARTICIPANTS_MAX]; /* each ID's length byte */
    uint32_t duration_min;
    uint64_t start_ms; /* 0: at the block's time */
    uint8_t region_len;
    char region[LEDGER_MEDIA_REGION_MAX];
    uint8_t has_preferred;
    uint8_t preferred[32];
} ledger_meeting_body;

/* The body of a meeting-end. */
typedef struct ledger_meeting_end_body {
    uint8_t id[LEDGER_MEETING_ID_LEN];
} ledger_meeting_end_body;

/* Every field of a transaction but the body, at their longest. */
#define LEDGER_TX_HEADER_BYTES_MAX                                                                 \
    (2 + 1 + LEDGER_CHAIN_ID_MAX + 32 + 24 + 2 + LEDGER_MEMO_MAX + 64)
/* One claim of a meeting-settle (ledger/settle.h), decoded (ledger_settle_claim_get). */
typedef struct ledger_claim {
    uint64_t credit_not_before_ms;
    uint64_t credit_expiry_ms;
    uint32_t minutes;
    uint32_t credit_minutes_max;
    uint8_t credit_sig[64];
    uint8_t receipt_sig[64];
    uint8_t index; /* 0 the host, i the i-th participant */
    uint8_t has_receipt;
} ledger_claim;

/* The body of a meeting-settle, and of a meeting-dispute (claims_len 1, its one claim in
 * dispute_index and dispute_minutes). The settle's claims are not copied (zero-copy):
 * `claims` points at their encoding in the bytes the transaction was decoded from or in a
 * builder's buffer (ledger_settle_claim_add), claim i at claims + claim_offs[i], and
 * ledger_settle_claim_get decodes it. */
typedef struct ledger_settle_body {
    uint8_t id[LEDGER_MEETING_ID_LEN];
    uint8_t claims_len;
    uint8_t dispute_index; /* meeting-dispute only */
    uint32_t dispute_minutes;
    uint16_t claims_bytes; /* the claims' encoded length */
    const uint8_t *claims; /* not owned: see above */
    uint16_t claim_offs[LEDGER_SETTLE_CLAIMS_MAX];
} ledger_settle_body;
#define LEDGER_CLAIM_BYTES_MAX (1 + 4 + 4 + 8 + 8 + 64 + 1 + 64)
/* The least a claim takes (no receipt): a settle's objects are bounded by its bytes. */
#define LEDGER_CLAIM_BYTES_MIN (1 + 4 + 4 + 8 + 8 + 64 + 1)
/* A builder's buffer for every claim of a settle, and for every participant ID of a
 * meeting-create, at their longest. */
#define LEDGER_SETTLE_CLAIMS_BYTES_MAX (LEDGER_SETTLE_CLAIMS_MAX * LEDGER_CLAIM_BYTES_MAX)
#define LEDGER_MEETING_PARTICIPANTS_BYTES_MAX                                                      \
    (LEDGER_MEETING_PARTICIPANTS_MAX * (1 + LEDGER_MEETING_ID_STR_MAX))
_Static_assert(LEDGER_SETTLE_CLAIMS_BYTES_MAX <= UINT16_MAX, "claim offsets are u16");
_Static_assert(LEDGER_MEETING_PARTICIPANTS_BYTES_MAX <= UINT16_MAX, "ID offsets are u16");
_Static_assert(LEDGER_SETTLE_CLAIMS_MAX <= 255, "the claim count is a u8");
_Static_assert(LEDGER_TX_HEADER_BYTES_MAX + LEDGER_MEETING_ID_LEN + 1 +
                       LEDGER_SETTLE_CLAIMS_MAX * LEDGER_CLAIM_BYTES_MAX <=
                   LEDGER_TX_BYTES_MAX,
               "the longest meeting-settle fits in a transaction");
_Static_assert(LEDGER_TX_HEADER_BYTES_MAX + LEDGER_MEETING_ID_LEN + 1 +
                       (LEDGER_SETTLE_CLAIMS_MAX + 1) * LEDGER_CLAIM_BYTES_MAX >
                   LEDGER_TX_BYTES_MAX,
               "LEDGER_TX_BYTES_MAX is no larger than the longest meeting-settle needs");

/* The largest meeting-create body: title, host, participants, duration, start, region and
 * preferred node, each with its length prefix. */
#define LEDGER_MEETING_BODY_BYTES_MAX                                                              \
    (1 + LEDGER_MEETING_TITLE_MAX + 1 + LEDGER_MEETING_ID_STR_MAX + 1 +                            \
     LEDGER_MEETING_PARTICIPANTS_BYTES_MAX + 4 + 8 + 1 + LEDGER_MEDIA_REGION_MAX + 1 + 32)
_Static_assert(LEDGER_TX_HEADER_BYTES_MAX + LEDGER_MEETING_BODY_BYTES_MAX <=
                   LEDGER_TX_MEETING_BYTES_MAX,
               "the longest meeting-create fits its limit");
_Static_assert(LEDGER_TX_HEADER_BYTES_MAX + LEDGER_MEETING_BODY_BYTES_MAX + 512 >
                   LEDGER_TX_MEETING_BYTES_MAX,
               "LEDGER_TX_MEETING_BYTES_MAX is not far above what the longest create needs");
_Static_assert(LEDGER_MEETING_PARTICIPANTS_MAX + 1 <= LEDGER_SETTLE_CLAIMS_MAX &&
                   LEDGER_SETTLE_CLAIMS_MAX >= 100,
               "a settle carries a claim for every person, 100 at least");
_Static_assert(LEDGER_TX_HEADER_BYTES_MAX + 32 + 3 + LEDGER_MEDIA_ENDPOINT_MAX +
                       LEDGER_MEDIA_REGION_MAX + LEDGER_MEDIA_METADATA_MAX + 12 <=
                   LEDGER_TX_BYTES_BASE_MAX,
               "the longest media-node register fits in a transaction");

/* withdraw-rewards: from one validator, or (all zero) from every one. */
typedef struct ledger_withdraw {
    uint8_t validator[32];
} ledger_withdraw;
_Static_assert(LEDGER_TX_HEADER_BYTES_MAX + LEDGER_GOV_CONTENT_BYTES_MAX + 8 <=
                   LEDGER_TX_BYTES_BASE_MAX,
               "the longest governance submit fits in a transaction");

typedef struct ledger_tx {
    uint8_t type;
    uint8_t chain_id_len;
    char chain_id[LEDGER_CHAIN_ID_MAX + 1]; /* NUL terminated */
    uint8_t from[32];
    uint64_t nonce;
    uint64_t fee;
    uint64_t expiry_height;
    uint16_t memo_len;
    uint8_t memo[LEDGER_MEMO_MAX];
    union {
        ledger_transfer transfer;
        ledger_staking_create create_validator;
        ledger_staking_edit edit_validator;
        ledger_stake stake; /* delegate, undelegate */
        ledger_restake restake;
        ledger_media_body media;
        ledger_meeting_body meeting;
        ledger_meeting_end_body meeting_end;
        ledger_withdraw withdraw;
        ledger_settle_body settle; /* meeting-settle, meeting-dispute */
        ledger_gov_submit_body gov_submit;
        ledger_gov_deposit_body gov_deposit;
        ledger_gov_vote_body gov_vote;
    } body;
    uint8_t sig[LEDGER_SIG_LEN];
} ledger_tx;
/* The decoded form stays small however large a meeting or a settle is (the mempool,
 * submissions and the verifier hold many): at most what it was before settles grew. */
_Static_assert(sizeof(ledger_tx) <= 1728, "a decoded transaction refers to its large parts");

/* Participant i (0-based) of a meeting-create: *id points into the encoding tx refers to
 * (not NUL terminated), *id_len its length. CHR_ERR_ARG when tx is no meeting-create or i is
 * not below participants_len (*id NULL, *id_len 0). */
CHR_WUR chr_err ledger_meeting_participant_get(const ledger_tx *tx, size_t i, const char **id,
                                               size_t *id_len);
/* Appends a participant ID to a meeting-create being built: its encoding goes into buf, the
 * builder's, which must be the same on every call and outlive tx (the lifetime rule above).
 * CHR_ERR_MEETING when the body has LEDGER_MEETING_PARTICIPANTS_MAX IDs already or id_len is
 * over LEDGER_MEETING_ID_STR_MAX; CHR_ERR_TOO_LONG when buf_cap is short
 * (LEDGER_MEETING_PARTICIPANTS_BYTES_MAX always suffices). The stateless rules are
 * ledger_tx_check's. */
CHR_WUR chr_err ledger_meeting_participant_add(ledger_tx *tx, uint8_t *buf, size_t buf_cap,
                                               const char *id, size_t id_len);
/* Claim i of a meeting-settle into *out. CHR_ERR_ARG when tx is no meeting-settle or i is
 * not below claims_len (*out zeroed). */
CHR_WUR chr_err ledger_settle_claim_get(const ledger_tx *tx, size_t i, ledger_claim *out);
/* Appends claim c to a meeting-settle being built, its encoding into buf (as for
 * ledger_meeting_participant_add; LEDGER_SETTLE_CLAIMS_BYTES_MAX always suffices).
 * CHR_ERR_CLAIM when the settle has LEDGER_SETTLE_CLAIMS_MAX claims already; CHR_ERR_TOO_LONG
 * when buf_cap is short. has_receipt is taken as 0 or 1. */
CHR_WUR chr_err ledger_settle_claim_add(ledger_tx *tx, uint8_t *buf, size_t buf_cap,
                                        const ledger_claim *c);

/* Fills the fields common to every type; chain_id must be valid (CHR_ERR_CHAIN_ID) and the
 * memo at most LEDGER_MEMO_MAX bytes of UTF-8 (CHR_ERR_MEMO). The signature is zero. */
CHR_WUR chr_err ledger_tx_init(ledger_tx *tx, ledger_tx_type type, const char *chain_id,
                               const uint8_t from[32], uint64_t nonce, uint64_t fee,
                               uint64_t expiry_height, const uint8_t *memo, size_t memo_len);

/* Encodes the whole signed transaction into out (out_cap >= LEDGER_TX_BYTES_MAX always
 * suffices). */
CHR_WUR chr_err ledger_tx_encode(const ledger_tx *tx, uint8_t *out, size_t out_cap,
                                 size_t *out_len);

/* Moves tx, decoded from the from_len bytes at `from`, onto an identical copy of them at
 * `to`: its references into the encoding (a meeting-create's participant IDs, a
 * meeting-settle's claims) then point into `to`, which must outlive it. */
void ledger_tx_rebase(ledger_tx *tx, const uint8_t *from, size_t from_len, const uint8_t *to);

/* The largest encoding of a transaction of type: LEDGER_TX_BYTES_MAX for a meeting-settle,
 * LEDGER_TX_MEETING_BYTES_MAX for a meeting-create, LEDGER_TX_BYTES_BASE_MAX otherwise. */
size_t ledger_tx_bytes_max(uint8_t type);

/* Decodes exactly one transaction from in; *out refers to in for its large parts (the
 * lifetime rule above: in must outlive *out). Rejects, each with its own error: an unknown
 * version (CHR_ERR_VERSION) or type (CHR_ERR_TX_TYPE), a chain id that is not 1..32 of
 * [a-z0-9-] (CHR_ERR_CHAIN_ID), a memo over its limit or not UTF-8 (CHR_ERR_MEMO), input
 * over its type's ledger_tx_bytes_max (CHR_ERR_TX_SIZE), short input (CHR_ERR_TRUNCATED), bytes
 * after it (CHR_ERR_TRAILING). Decoding then encoding gives back the same bytes. *out is
 * zeroed on failure. */
CHR_WUR chr_err ledger_tx_decode(ledger_tx *out, const uint8_t *in, size_t in_len);

/* The 32-byte message that the signature signs: tagged_hash("CHROOM/tx", bytes before the
 * signature). */
void ledger_tx_sighash(const ledger_tx *tx, uint8_t out[CHR_HASH_LEN]);

/* The transaction's id: SHA-256 of its whole encoding. */
void ledger_tx_hash(const ledger_tx *tx, uint8_t out[CHR_HASH_LEN]);

/* The liquid amount the transaction takes from its sender besides the fee: a transfer's
 * amount, a self-bond, a delegation; 0 for the other types. */
uint64_t ledger_tx_spend(const ledger_tx *tx);

/* Checks that need no state and no curve arithmetic: chain id equal to chain_id
 * (CHR_ERR_CHAIN_ID), a known type (CHR_ERR_TX_TYPE), fee at least the parameter
 * (CHR_ERR_FEE), a positive amount (CHR_ERR_AMOUNT), a recipient other than the sender
 * (CHR_ERR_SELF_TRANSFER). `detail` (may be NULL) gets a message for people, such as
 * "fee: minimum 1000, got 10". The curve checks are ledger_tx_verify's. */
CHR_WUR chr_err ledger_tx_check(const ledger_tx *tx, const char *chain_id,
                                const ledger_params *params, char *detail, size_t detail_cap);

/* The costly checks, done once per node at admission: the recipient is a valid x-only key
 * (CHR_ERR_PUBKEY: funds sent to it would be lost), and the BIP-340 signature verifies
 * against the `from` key (CHR_ERR_SIGNATURE, also when `from` is not on the curve). */
CHR_WUR chr_err ledger_tx_verify(const ledger_tx *tx);
/* The same, parsing keys through a cache owned by the calling thread (kc may be NULL). */
CHR_WUR chr_err ledger_tx_verify_cached(const ledger_tx *tx, ledger_key_cache *kc);

/* True when s is a chain id: 1..LEDGER_CHAIN_ID_MAX characters of [a-z0-9-], neither
 * starting nor ending with '-'. The one rule for transactions, blocks, peers and genesis
 * files (docs/PROTOCOL.md, "Transactions"). */
int ledger_chain_id_valid(const char *s, size_t len);
/* ledger_chain_id_valid's rule in words, for every message that refuses a chain id. */
#define LEDGER_CHAIN_ID_RULE "1..32 characters of [a-z0-9-], not starting or ending with '-'"
_Static_assert(LEDGER_CHAIN_ID_MAX == 32, "LEDGER_CHAIN_ID_RULE names the maximum");

/* True when the memo bytes are UTF-8 without overlong forms, surrogates or NUL. */
int ledger_utf8_valid(const uint8_t *s, size_t len);

#endif
