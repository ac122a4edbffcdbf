/* Merkle tree hashes in the style of RFC 6962 section 2.1: a leaf hash is
 * SHA256(0x00 || leaf), a node SHA256(0x01 || left || right), the tree splits at the
 * largest power of two below n, and the empty tree's hash is SHA256(""). Never Bitcoin's
 * duplicate-last-leaf tree. Thread-safe; no allocation. */
#ifndef CHR_MERKLE_H
#define CHR_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

/* Merkle leaf hash of one leaf's bytes: SHA256(0x00 || data). */
void chr_merkle_leaf(uint8_t out[CHR_HASH_LEN], const uint8_t *data, size_t data_len);

/* The Merkle Tree Hash of n leaves given by their leaf hashes. `hashes` is used as
 * scratch space and holds garbage afterwards. Computed without recursion: pairs are
 * combined level by level and an odd last node is carried up unchanged, which gives the
 * same root as RFC 6962's recursive definition. */
void chr_merkle_root(uint8_t out[CHR_HASH_LEN], uint8_t (*hashes)[CHR_HASH_LEN], size_t n);

#endif
