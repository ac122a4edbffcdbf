/* Session credits and usage receipts of the media tier (docs/CREDITS.md): their encoding,
 * the hash each is signed over, and the verifier a media node runs on every join.
 *
 * A credit is the meeting payer's BIP-340 signature over the tagged hash "CHROOM/credit"
 * of:
 *   u8 version = 1 | bytes8 chain_id | raw12 meeting_id | u8 role (1 host, 2 participant) |
 *   bytes8 participant_id | u8 has_key | [raw32 participant_key] | raw32 node_key |
 *   u32 minutes_max | u64 not_before_ms | u64 expiry_ms | raw64 signature
 * (integers big-endian; bytes8 is a u8 length then the bytes). A receipt is a
 * participant's signature over the tagged hash "CHROOM/receipt" of:
 *   u8 version = 1 | bytes8 chain_id | raw12 meeting_id | raw32 node_key | u32 minutes
 * ("minutes of meeting X served to me by node M, in all so far").
 *
 * This folder depends on libc and libsecp256k1 only (no other Chroom module), so a media
 * node can link it alone. Nothing here allocates; every function is thread-safe (it uses
 * libsecp256k1's static context, which verification needs, and no state of its own). */
#ifndef CREDIT_CREDIT_H
#define CREDIT_CREDIT_H

#include <stddef.h>
#include <stdint.h>

#define CREDIT_VERSION 1
#define CREDIT_TAG "CHROOM/credit"
#define CREDIT_RECEIPT_TAG "CHROOM/receipt"
/* Field bounds: the ledger's own (ledger/limits.h), repeated here so the library stands
 * alone; the ledger _Static_asserts that they agree. */
#define CREDIT_CHAIN_ID_MAX 32
#define CREDIT_MEETING_ID_LEN 12
#define CREDIT_PARTICIPANT_ID_MAX 64
/* The longest credit: every field at its longest, with a key. */
#define CREDIT_BYTES_MAX                                                                           \
    (1 + 1 + CREDIT_CHAIN_ID_MAX + CREDIT_MEETING_ID_LEN + 1 + 1 + CREDIT_PARTICIPANT_ID_MAX + 1 + \
     32 + 32 + 4 + 8 + 8 + 64)
#define CREDIT_RECEIPT_BYTES_MAX (1 + 1 + CREDIT_CHAIN_ID_MAX + CREDIT_MEETING_ID_LEN + 32 + 4)

typedef enum credit_role {
    CREDIT_ROLE_HOST = 1,
    CREDIT_ROLE_PARTICIPANT = 2,
} credit_role;

/* The verifier's answers; CREDIT_VALID is 0. Names: credit_result_name. */
typedef enum credit_result {
    CREDIT_VALID = 0,
    CREDIT_TRUNCATED = 1,      /* the bytes end before the credit does */
    CREDIT_TRAILING = 2,       /* bytes after the signature */
    CREDIT_BAD_VERSION = 3,    /* a version this library does not know */
    CREDIT_BAD_FIELD = 4,      /* a field breaks its rule (chain id, role, ID, has_key, times) */
    CREDIT_WRONG_CHAIN = 5,    /* issued for another chain */
    CREDIT_WRONG_MEETING = 6,  /* issued for another meeting than the one asked about */
    CREDIT_WRONG_NODE = 7,     /* issued for another media node */
    CREDIT_NOT_YET_VALID = 8,  /* now is before not_before */
    CREDIT_EXPIRED = 9,        /* now is at or after expiry */
    CREDIT_BAD_PAYER_KEY = 10, /* the payer key given is not an x-only key on the curve */
    CREDIT_BAD_SIGNATURE = 11, /* not signed by the payer */
} credit_result;

/* A decoded credit; strings are not NUL terminated (their lengths are beside them). */
typedef struct credit {
    uint8_t chain_id_len;
    char chain_id[CREDIT_CHAIN_ID_MAX];
    uint8_t meeting_id[CREDIT_MEETING_ID_LEN];
    uint8_t role; /* credit_role */
    uint8_t participant_id_len;
    char participant_id[CREDIT_PARTICIPANT_ID_MAX];
    uint8_t has_key;
    uint8_t participant_key[32];
    uint8_t node_key[32];
    uint32_t minutes_max;
    uint64_t not_before_ms;
    uint64_t expiry_ms;
    uint8_t sig[64];
} credit;

/* The stable snake_case name of r ("expired"), "unknown" outside the enum. */
const char *credit_result_name(credit_result r);

/* Decodes exactly one credit: CREDIT_TRUNCATED, CREDIT_TRAILING, CREDIT_BAD_VERSION,
 * CREDIT_BAD_FIELD (chain id not 1..32 of [a-z0-9-]; role not 1 or 2; participant ID not
 * 1..64 bytes of printable ASCII without spaces; has_key not 0 or 1; minutes_max 0;
 * expiry not after not_before). *out zeroed unless CREDIT_VALID. */
credit_result credit_decode(credit *out, const uint8_t *in, size_t in_len);

/* Encodes c (its signature included) into out; returns the length, or 0 when c breaks a
 * field rule above or out_cap is short (CREDIT_BYTES_MAX always suffices). Decoding the
 * result gives c back. */
size_t credit_encode(uint8_t *out, size_t out_cap, const credit *c);

/* The 32 bytes the payer signs: tagged_hash("CHROOM/credit", encoding without the last 64
 * bytes). in is an encoded credit of in_len > 64 bytes (its signature may be anything). */
void credit_sighash(uint8_t out[32], const uint8_t *in, size_t in_len);

/* The verifier: CREDIT_VALID when in is one credit for chain_id (chain_id_len bytes), for
 * meeting_id (NULL: any meeting; the caller then looks the meeting up by the credit's id
 * and must pass that meeting's payer key), for node_key, valid at now_ms (not_before <=
 * now < expiry) and signed by payer_key. Otherwise the first failing rule, in this order:
 * credit_decode's answers, CREDIT_WRONG_CHAIN, CREDIT_WRONG_MEETING, CREDIT_WRONG_NODE,
 * CREDIT_NOT_YET_VALID, CREDIT_EXPIRED, CREDIT_BAD_PAYER_KEY, CREDIT_BAD_SIGNATURE.
 * out (may be NULL) gets the decoded credit when the answer is CREDIT_VALID, zeros
 * otherwise. No allocation; about one BIP-340 verification of work. */
credit_result credit_verify(credit *out, const uint8_t *in, size_t in_len,
                            const uint8_t payer_key[32], const uint8_t node_key[32],
                            const char *chain_id, size_t chain_id_len, const uint8_t *meeting_id,
                            uint64_t now_ms);

/* A usage receipt's signed bytes (above, without a signature) into out
 * (CREDIT_RECEIPT_BYTES_MAX suffices); 0 for a chain id of 0 or over 32 bytes. */
size_t credit_receipt_encode(uint8_t *out, size_t out_cap, const char *chain_id,
                             size_t chain_id_len, const uint8_t meeting_id[CREDIT_MEETING_ID_LEN],
                             const uint8_t node_key[32], uint32_t minutes);
/* The 32 bytes a participant signs: tagged_hash("CHROOM/receipt", the encoding above). */
void credit_receipt_sighash(uint8_t out[32], const uint8_t *msg, size_t msg_len);
/* CREDIT_VALID when sig is participant_key's BIP-340 signature of the receipt for
 * (chain_id, meeting_id, node_key, minutes); CREDIT_BAD_FIELD for a bad chain id,
 * CREDIT_BAD_PAYER_KEY for a key not on the curve, CREDIT_BAD_SIGNATURE otherwise. */
credit_result credit_receipt_verify(const uint8_t sig[64], const uint8_t participant_key[32],
                                    const char *chain_id, size_t chain_id_len,
                                    const uint8_t meeting_id[CREDIT_MEETING_ID_LEN],
                                    const uint8_t node_key[32], uint32_t minutes);

#endif
