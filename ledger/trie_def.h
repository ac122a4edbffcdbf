/* The state trie's definition (docs/PROTOCOL.md, "Accounts and the state root"), shared by
 * its three forms: in memory (ledger/smt.c), persisted (ledger/trie.c) and a proof's
 * verification (ledger/proof.c): the bit order of keys and the two node hashes. */
#ifndef LEDGER_TRIE_DEF_H
#define LEDGER_TRIE_DEF_H

#include <stdint.h>

#include "common/hash.h"

/* Bit i (0 to 255) of a key: bit 7 - i % 8 of byte i / 8, the most significant first. */
unsigned ledger_trie_key_bit(const uint8_t key[32], unsigned i);
/* The first bit at which a and b differ, or 256 if they are equal. */
unsigned ledger_trie_crit_bit(const uint8_t a[32], const uint8_t b[32]);
/* SHA256(0x00 || key || value_hash). */
void ledger_trie_leaf_hash(uint8_t out[CHR_HASH_LEN], const uint8_t key[32],
                           const uint8_t value_hash[32]);
/* SHA256(0x01 || u16 bit || left || right), bit below 256. */
void ledger_trie_inner_hash(uint8_t out[CHR_HASH_LEN], unsigned bit,
                            const uint8_t left[CHR_HASH_LEN], const uint8_t right[CHR_HASH_LEN]);

#endif
