#include "ledger/trie_def.h"

#include <string.h>

#include "common/assert.h"

unsigned ledger_trie_key_bit(const uint8_t key[32], unsigned i)
{
    CHR_ASSERT(i < 256);
    return (unsigned)(key[i >> 3] >> (7 - (i & 7))) & 1u;
}

unsigned ledger_trie_crit_bit(const uint8_t a[32], const uint8_t b[32])
{
    for (unsigned i = 0; i < 32; i++) {
        unsigned x = (unsigned)(a[i] ^ b[i]);
        if (x != 0) {
            unsigned j = 0;
            while ((x & (0x80u >> j)) == 0) {
                j++;
            }
            return i * 8 + j;
        }
    }
    return 256;
}

void ledger_trie_leaf_hash(uint8_t out[CHR_HASH_LEN], const uint8_t key[32],
                           const uint8_t value_hash[32])
{
    uint8_t buf[1 + 32 + 32];
    buf[0] = 0x00;
    memcpy(buf + 1, key, 32);
    memcpy(buf + 33, value_hash, 32);
    chr_sha256_hash(out, buf, sizeof(buf));
}

void ledger_trie_inner_hash(uint8_t out[CHR_HASH_LEN], unsigned bit,
                            const uint8_t left[CHR_HASH_LEN], const uint8_t right[CHR_HASH_LEN])
{
    CHR_ASSERT(bit < 256);
    uint8_t buf[1 + 2 + 32 + 32];
    buf[0] = 0x01;
    buf[1] = (uint8_t)(bit >> 8);
    buf[2] = (uint8_t)bit;
    memcpy(buf + 3, left, 32);
    memcpy(buf + 35, right, 32);
    chr_sha256_hash(out, buf, sizeof(buf));
}
