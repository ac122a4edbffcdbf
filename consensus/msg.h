/* Consensus messages: canonical encodings, signing payloads and checks
 * (docs/CONSENSUS.md, "Messages").
 *
 * Every message starts with a kind byte:
 *   PROPOSAL  1: u64 height | u32 round | u32 pol_round (0xFFFFFFFF: none) | raw32 proposer |
 *                raw64 sig | u32 block_len | block
 *   VOTE      2: u8 type (1 prevote, 2 precommit) | u64 height | u32 round | raw32 block_id
 *                (zeros: nil) | raw32 validator | raw64 sig
 *   STATUS    3: u64 height | u32 round | u8 step | u8 has_proposal | u16 bits |
 *                bitmap prevotes | bitmap precommits  (ceil(bits/8) bytes each, unused bits 0)
 *   COMMITTED 4: u32 block_len | block | u16 commit_len | commit (ledger/block.h)
 *   EVIDENCE  5: vote a | vote b  (each a VOTE's body after its kind byte; same validator,
 *                type, height and round, different block ids, a's bytes below b's)
 * A proposal is signed with tagged_hash("CHROOM/proposal", u8 version 1 | bytes8 chain_id |
 * u64 height | u32 round | u32 pol_round | raw32 block_id); a vote with ledger_vote_sighash.
 * Both bind the chain id, the height and the round.
 *
 * Decoded messages point into the buffer they were decoded from (the block views), which
 * must outlive them. Decoding checks structure and canonical form only; signatures and
 * membership are checked against a validator set by cons_msg_vote_verify and
 * cons_msg_proposal_verify. Thread-safe. */
#ifndef CONS_MSG_H
#define CONS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "consensus/limits.h"
#include "ledger/block.h"
#include "ledger/evidence.h"
#include "ledger/sig.h"

#define CONS_MSG_PROPOSAL 1
#define CONS_MSG_VOTE 2
#define CONS_MSG_STATUS 3
#define CONS_MSG_COMMITTED 4
#define CONS_MSG_EVIDENCE 5

#define CONS_PROPOSAL_TAG "CHROOM/proposal"
#define CONS_ROUND_NONE 0xFFFFFFFFu
#define CONS_VOTE_BODY_BYTES (1 + 8 + 4 + 32 + 32 + 64)
#define CONS_VOTE_BYTES (1 + CONS_VOTE_BODY_BYTES)
/* A proposal before its block: kind, height, round, pol_round, proposer, sig, block_len. */
#define CONS_PROPOSAL_FIXED_BYTES (1 + 8 + 4 + 4 + 32 + 64 + 4)
#define CONS_BITMAP_BYTES ((LEDGER_VALIDATORS_MAX + 7) / 8)

typedef struct cons_vote {
    uint8_t type;
    uint64_t height;
    uint32_t round;
    uint8_t block_id[32]; /* zeros: nil */
    uint8_t validator[32];
    uint8_t sig[64];
} cons_vote;

typedef struct cons_proposal {
    uint64_t height;
    uint32_t round;
    uint32_t pol_round; /* CONS_ROUND_NONE or below round */
    uint8_t proposer[32];
    uint8_t sig[64];
    const uint8_t *block; /* view into the decoded buffer */
    size_t block_len;
} cons_proposal;

typedef struct cons_status {
    uint64_t height;
    uint32_t round;
    uint8_t step;
    uint8_t has_proposal;
    uint16_t bits;
    uint8_t prevotes[CONS_BITMAP_BYTES];
    uint8_t precommits[CONS_BITMAP_BYTES];
} cons_status;

typedef struct cons_committed {
    const uint8_t *block; /* view */
    size_t block_len;
    ledger_commit commit;
} cons_committed;

typedef struct cons_evidence {
    cons_vote a, b;
} cons_evidence;

typedef struct cons_msg {
    uint8_t kind;
    union {
        cons_proposal proposal;
        cons_vote vote;
        cons_status status;
        cons_committed committed;
        cons_evidence evidence;
    } u;
} cons_msg;

/* Decodes one message of at most CONS_MSG_BYTES_MAX bytes. CHR_ERR_CONS_MSG for an unknown
 * kind or vote type, a pol_round not below the round, a round over CONS_ROUND_MAX, bits
 * over LEDGER_VALIDATORS_MAX, set bits past `bits`, evidence that does not conflict or is
 * out of order; CHR_ERR_TRUNCATED, CHR_ERR_TRAILING, CHR_ERR_TOO_LONG; the commit's own
 * errors. out is zeroed on failure. */
CHR_WUR chr_err cons_msg_decode(cons_msg *out, const uint8_t *in, size_t in_len);

/* Reads a message's kind and the height it is about without decoding the rest: a cheap
 * look before a full decode (chroomd routes evidence of past heights by it). The height
 * is a PROPOSAL's, VOTE's or STATUS's own, a COMMITTED's commit's, an EVIDENCE's first
 * vote's. Only the bytes up to the height are read and checked: a message it reads may
 * still fail cons_msg_decode, but one that decodes is read as it decodes (same kind and
 * height). CHR_ERR_TOO_LONG for in_len over CONS_MSG_BYTES_MAX or a COMMITTED's block or
 * commit length over its maximum (CONS_BLOCK_BYTES_MAX, LEDGER_COMMIT_BYTES_MAX);
 * CHR_ERR_CONS_MSG for an unknown kind; CHR_ERR_TRUNCATED when the message ends before its
 * height (or a COMMITTED's commit is too short to hold one). *kind and *height are zeroed
 * on failure. Thread-safe. */
CHR_WUR chr_err cons_msg_peek(uint8_t *kind, uint64_t *height, const uint8_t *in, size_t in_len);

/* Encodes a message into a malloc'ed buffer (*out, the caller frees). CHR_ERR_NOMEM;
 * CHR_ERR_ARG for any message cons_msg_decode would refuse: an unknown kind or vote type,
 * height 0, a round over CONS_ROUND_MAX, a pol_round not below the round, a status step
 * over 3, has_proposal over 1, bits over LEDGER_VALIDATORS_MAX or any bit set at or past
 * `bits` (in the bytes that are encoded or in those that are not), evidence that does not
 * conflict or is out of block-id order, a block over CONS_BLOCK_BYTES_MAX (or NULL with a
 * length), a commit of over LEDGER_VALIDATORS_MAX signatures or not in strict key order.
 * So whatever it encodes decodes to the same message and encodes to the same bytes again.
 * *out is NULL and *out_len 0 on failure. */
CHR_WUR chr_err cons_msg_encode(uint8_t **out, size_t *out_len, const cons_msg *m);

/* The bytes a proposer signs for a proposal of block_id. */
void cons_proposal_sighash(uint8_t out[32], const char *chain_id, uint64_t height, uint32_t round,
                           uint32_t pol_round, const uint8_t block_id[32]);

/* Checks a vote's signature by a member of vals: CHR_ERR_CONS_MSG for a non-member,
 * CHR_ERR_SIGNATURE for a bad signature. */
CHR_WUR chr_err cons_vote_verify(const cons_vote *v, const char *chain_id,
                                 const ledger_valset *vals);
/* Checks a proposal's signature over block_id by its proposer. CHR_ERR_SIGNATURE. */
CHR_WUR chr_err cons_proposal_verify(const cons_proposal *p, const char *chain_id,
                                     const uint8_t block_id[32]);

/* Signs v (its type, height, round and block_id set) as validator sk, whose public key is
 * written to v->validator. Deterministic: the BIP-340 auxiliary bytes are a hash of the
 * key and the message, so the core draws no randomness. CHR_ERR_ARG for a bad key. */
CHR_WUR chr_err cons_vote_sign(cons_vote *v, const ledger_signer *signer, const char *chain_id,
                               const uint8_t sk[32]);
/* Signs p over block_id as sk (p->proposer is set). CHR_ERR_ARG for a bad key. */
CHR_WUR chr_err cons_proposal_sign(cons_proposal *p, const ledger_signer *signer,
                                   const char *chain_id, const uint8_t sk[32],
                                   const uint8_t block_id[32]);

/* Whether two votes are evidence of double signing: same validator, type, height and
 * round, different block ids. */
int cons_votes_conflict(const cons_vote *a, const cons_vote *b);

/* Whether a vote is for nil (block id all zeros). */
int cons_vote_is_nil(const cons_vote *v);

/* The ledger's form (ledger/evidence.h) of a decoded EVIDENCE message's two votes: the
 * decoder already put them in block-id order, the ledger's order. */
void cons_evidence_to_ledger(ledger_evidence *out, const cons_evidence *m);

#endif
