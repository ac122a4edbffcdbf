/* State proofs: that a key is in the state trie with a value hash (membership), or that it
 * is not (non-membership), under a state root. The definition is docs/PROTOCOL.md, "State
 * proofs"; the trie is the one of ledger/smt.h (and ledger/trie.h, its persisted form).
 *
 * Encoding (version 1), big-endian as everywhere:
 *   u8 version (1) || raw32 key || u8 has_leaf
 *   if has_leaf: raw32 leaf_key || raw32 leaf_value (the leaf's value hash)
 *   u16 steps_len (at most 256; 0 when has_leaf is 0)
 *   steps_len x (u16 bit || raw32 sibling), from the leaf up to the root
 * Nothing may follow. has_leaf 0 proves only that the trie is empty (root all zeros).
 *
 * Verification against a root r for a key k: the proof's key must be k. With no leaf, r
 * must be 32 zero bytes: k is absent. Otherwise h = SHA256(0x00 || leaf_key || leaf_value)
 * and, for each step from the first, its bit must be strictly below the previous step's
 * (below 256 for the first), k and leaf_key must agree on that bit, and h becomes
 * SHA256(0x01 || u16 bit || h || sibling) when leaf_key's bit is 0, else
 * SHA256(0x01 || u16 bit || sibling || h). At the end h must equal r. Then k is present
 * with value hash leaf_value when leaf_key = k, and absent otherwise: walking k's bits from
 * the root leads to leaf_key's leaf, where k's own leaf would be.
 *
 * Deterministic core: no I/O. */
#ifndef LEDGER_PROOF_H
#define LEDGER_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/smt.h"

#define LEDGER_PROOF_VERSION 1
/* The longest encoding: a leaf and a step for every bit. */
#define LEDGER_PROOF_BYTES_MAX (1 + 32 + 1 + 64 + 2 + LEDGER_SMT_DEPTH_MAX * 34)

typedef struct ledger_proof_step {
    uint16_t bit;
    uint8_t sibling[32];
} ledger_proof_step;

typedef struct ledger_proof {
    uint8_t key[32];
    uint8_t has_leaf; /* 0: the trie is empty */
    uint8_t leaf_key[32];
    uint8_t leaf_value[32];
    uint16_t steps_len;
    ledger_proof_step steps[LEDGER_SMT_DEPTH_MAX]; /* from the leaf up */
} ledger_proof;

/* Encodes p into out (cap bytes; LEDGER_PROOF_BYTES_MAX always suffices): CHR_ERR_FULL
 * when cap is short, CHR_ERR_ARG when p breaks the encoding's limits. */
CHR_WUR chr_err ledger_proof_encode(const ledger_proof *p, uint8_t *out, size_t cap,
                                    size_t *out_len);
/* Decodes exactly one proof: CHR_ERR_VERSION, CHR_ERR_TRUNCATED, CHR_ERR_TRAILING,
 * CHR_ERR_TOO_LONG (over 256 steps), CHR_ERR_NONCANONICAL (has_leaf not 0 or 1, or steps
 * without a leaf). Does not verify anything. */
CHR_WUR chr_err ledger_proof_decode(ledger_proof *out, const uint8_t *in, size_t in_len);
/* Verifies p for key against root (see above): CHR_OK with *present and, when present,
 * value_hash set (zeroed when absent); CHR_ERR_PROOF when p proves nothing about key under
 * root. */
CHR_WUR chr_err ledger_proof_verify(const ledger_proof *p, const uint8_t root[32],
                                    const uint8_t key[32], int *present, uint8_t value_hash[32]);

#endif
