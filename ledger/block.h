/* Block headers, commits and blocks: canonical encodings, hashes and checks
 * (docs/PROTOCOL.md, "Blocks").
 *
 * Header, version 3:
 *   u8 version = 3 | bytes8 chain_id | u64 height | u64 time_ms | raw32 prev_hash |
 *   raw32 last_commit_hash | raw32 tx_root | u32 tx_count | raw32 evidence_root |
 *   raw32 state_root | raw32 validators_hash | raw32 next_validators_hash | raw32 proposer
 * The block hash is SHA-256 of the header's encoding. Block 1's prev_hash is the genesis
 * hash. last_commit_hash is SHA-256 of the encoded commit of the previous block (zeros at
 * height 1); tx_root is the RFC 6962 Merkle root over the encoded transactions,
 * evidence_root the same over the encoded evidence (ledger/evidence.h). validators_hash is
 * ledger_valset_hash of the set that signs this block's commit, next_validators_hash of the
 * set that signs the next block's: a light client that trusts a header trusts the set of
 * the height after it. Versions 1 (no evidence) and 2 (no next_validators_hash) never
 * carried a public chain and are not accepted (CHR_ERR_VERSION).
 *
 * Commit: u64 height | u32 round | raw32 block_hash | u16 count | (raw32 validator |
 * raw64 signature) * count, validators in key order, each at most once. Each signature is
 * BIP-340 over the precommit vote's sign bytes (ledger_vote_sighash).
 *
 * Block: header | u8 has_last_commit | [commit] | u32 tx_count | (u16 len | tx) * count |
 *   u16 evidence_count | evidence * count (fixed size each, keys strictly increasing).
 *
 * A decoded ledger_block points into the buffer it was decoded from (tx views), which must
 * outlive it; its commit is a copy. Thread-safe. */
#ifndef LEDGER_BLOCK_H
#define LEDGER_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"
#include "ledger/evidence.h"
#include "ledger/limits.h"
#include "ledger/valset.h"

#define LEDGER_BLOCK_VERSION 3
/* The version byte inside a vote's signed message (independent of the block's). */
#define LEDGER_VOTE_VERSION 1
#define LEDGER_VOTE_TAG "CHROOM/vote"
#define LEDGER_VOTE_PREVOTE 1
#define LEDGER_VOTE_PRECOMMIT 2
#define LEDGER_HEADER_BYTES_MAX (1 + 1 + LEDGER_CHAIN_ID_MAX + 8 + 8 + 32 * 3 + 4 + 32 * 5)
#define LEDGER_COMMIT_BYTES_MAX (8 + 4 + 32 + 2 + LEDGER_VALIDATORS_MAX * (32 + 64))
/* The largest encoded block: LEDGER_BLOCK_BYTES_MAX of transactions with their 2-byte
 * lengths, the header, the last commit, the counts and the most evidence. */
#define LEDGER_BLOCK_ENCODED_MAX                                                                   \
    (LEDGER_BLOCK_BYTES_MAX + 2u * LEDGER_BLOCK_TXS_MAX + LEDGER_HEADER_BYTES_MAX + 1 +            \
     LEDGER_COMMIT_BYTES_MAX + 4 + 2 + LEDGER_BLOCK_EVIDENCE_MAX * LEDGER_EVIDENCE_BYTES)

typedef struct ledger_header {
    uint8_t chain_id_len;
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint64_t height;
    uint64_t time_ms;
    uint8_t prev_hash[32];
    uint8_t last_commit_hash[32];
    uint8_t tx_root[32];
    uint32_t tx_count;
    uint8_t evidence_root[32];
    uint8_t state_root[32];
    uint8_t validators_hash[32];
    uint8_t next_validators_hash[32];
    uint8_t proposer[32];
} ledger_header;

typedef struct ledger_commit_sig {
    uint8_t validator[32];
    uint8_t sig[64];
} ledger_commit_sig;

typedef struct ledger_commit {
    uint64_t height;
    uint32_t round;
    uint8_t block_hash[32];
    uint16_t sigs_len;
    ledger_commit_sig sigs[LEDGER_VALIDATORS_MAX];
} ledger_commit;

typedef struct ledger_block {
    ledger_header header;
    int has_last_commit;
    ledger_commit last_commit;
    uint32_t txs_len;
    const uint8_t **txs; /* txs_len views into the decoded buffer (malloc'ed array) */
    uint16_t *tx_lens;   /* malloc'ed, txs_len entries */
    uint16_t evidence_len;
    ledger_evidence *evidence; /* malloc'ed, evidence_len entries, keys increasing */
} ledger_block;

CHR_WUR chr_err ledger_header_encode(const ledger_header *h, uint8_t *out, size_t out_cap,
                                     size_t *out_len);
CHR_WUR chr_err ledger_header_decode(ledger_header *out, const uint8_t *in, size_t in_len);
/* Decodes only the header at the start of an encoded block (the rest is not looked at). */
CHR_WUR chr_err ledger_block_peek_header(ledger_header *out, const uint8_t *block, size_t len);
void ledger_header_hash(const ledger_header *h, uint8_t out[CHR_HASH_LEN]);

CHR_WUR chr_err ledger_commit_encode(const ledger_commit *c, uint8_t *out, size_t out_cap,
                                     size_t *out_len);
/* Rejects validators out of key order or repeated (CHR_ERR_NONCANONICAL). */
CHR_WUR chr_err ledger_commit_decode(ledger_commit *out, const uint8_t *in, size_t in_len);
void ledger_commit_hash(const ledger_commit *c, uint8_t out[CHR_HASH_LEN]);

/* The message a validator signs for a vote: tagged_hash("CHROOM/vote", u8 version 1 |
 * bytes8 chain_id | u8 type | u64 height | u32 round | raw32 block_hash). */
void ledger_vote_sighash(uint8_t out[CHR_HASH_LEN], const char *chain_id, uint8_t type,
                         uint64_t height, uint32_t round, const uint8_t block_hash[32]);

/* Checks that commit is for (height, block_hash) and carries valid precommit signatures
 * of members of vals holding more than 2/3 of its power. CHR_ERR_COMMIT otherwise, with
 * `detail` saying why. */
CHR_WUR chr_err ledger_commit_verify(const ledger_commit *c, const char *chain_id,
                                     const ledger_valset *vals, uint64_t height,
                                     const uint8_t block_hash[32], char *detail, size_t detail_cap);

/* Encodes a block from its parts into a malloc'ed buffer (*out, caller frees). The
 * evidence must be in increasing key order (asserted), at most LEDGER_BLOCK_EVIDENCE_MAX. */
CHR_WUR chr_err ledger_block_encode(uint8_t **out, size_t *out_len, const ledger_header *h,
                                    const ledger_commit *last_commit, const uint8_t *const *txs,
                                    const uint16_t *tx_lens, uint32_t txs_len,
                                    const ledger_evidence *evidence, uint16_t evidence_len);
/* Decodes a block (at most LEDGER_BLOCK_BYTES_MAX + room for header, commit and
 * evidence). Checks the structure and that tx_count, tx_root, evidence_root and
 * last_commit_hash match the body, and the evidence's own form (ledger_evidence_decode,
 * keys strictly increasing: CHR_ERR_EVIDENCE); transactions themselves are decoded, and
 * evidence checked against a validator set, by the caller. ledger_block_free releases the
 * arrays. */
CHR_WUR chr_err ledger_block_decode(ledger_block *out, const uint8_t *in, size_t in_len);
/* Decodes a block's structure as ledger_block_decode does, without checking that the header
 * commits to the body (no Merkle roots are computed): only for a block this node has
 * already checked whole, such as the store's writer placing a committed block's
 * transactions. The same errors and ownership as ledger_block_decode. */
CHR_WUR chr_err ledger_block_decode_layout(ledger_block *out, const uint8_t *in, size_t in_len);
void ledger_block_free(ledger_block *b);
/* A block's id, its header hash, once the whole block decodes (ledger_block_decode: a body
 * that does not match its header is no block); the decoder's error otherwise, id zeroed.
 * The consensus core's block_id in chroomd and in the simulator. */
CHR_WUR chr_err ledger_block_id(uint8_t id[CHR_HASH_LEN], const uint8_t *in, size_t in_len);

/* The RFC 6962 root over encoded transactions (empty: SHA256("")). */
CHR_WUR chr_err ledger_tx_root(uint8_t out[CHR_HASH_LEN], const uint8_t *const *txs,
                               const uint16_t *tx_lens, uint32_t txs_len);

#endif
