#include "common/merkle.h"

#include <string.h>

#include "common/assert.h"

/* RFC 6962 section 2.1: the prefixes that keep a leaf hash from ever equalling a node
 * hash, so that no inner node can be passed off as a leaf (second preimages). */
#define MERKLE_LEAF_PREFIX 0x00
#define MERKLE_NODE_PREFIX 0x01

void chr_merkle_leaf(uint8_t out[CHR_HASH_LEN], const uint8_t *data, size_t data_len)
{
    static const uint8_t prefix = MERKLE_LEAF_PREFIX;
    CHR_ASSERT(data != NULL || data_len == 0);
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    chr_sha256_update(&ctx, &prefix, 1);
    chr_sha256_update(&ctx, data, data_len);
    chr_sha256_final(&ctx, out);
}

/* SHA256(0x01 || left || right). out may alias left or right: both are read before out
 * is written. */
static void merkle_node(uint8_t out[CHR_HASH_LEN], const uint8_t left[CHR_HASH_LEN],
                        const uint8_t right[CHR_HASH_LEN])
{
    static const uint8_t prefix = MERKLE_NODE_PREFIX;
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    chr_sha256_update(&ctx, &prefix, 1);
    chr_sha256_update(&ctx, left, CHR_HASH_LEN);
    chr_sha256_update(&ctx, right, CHR_HASH_LEN);
    chr_sha256_final(&ctx, out);
}

/* RFC 6962 section 2.1 defines MTH(D[n]) recursively, splitting at k, the largest power of
 * two below n. Combining level by level gives the same tree: a node at level j covers an
 * aligned block of 2^j leaves, so the first k leaves become one perfect subtree after
 * log2(k) levels without ever mixing with the rest, and the leaves from k on, being
 * aligned at k, are combined exactly as a tree of their own: the recursion's right half.
 * An odd last node has no partner at its level and moves up unchanged, as a lone right
 * subtree does in the recursion, until it is paired with the subtree to its left. Nothing
 * is ever duplicated (in Bitcoin's tree, [a, b, c] and [a, b, c, c] share a root). */
void chr_merkle_root(uint8_t out[CHR_HASH_LEN], uint8_t (*hashes)[CHR_HASH_LEN], size_t n)
{
    if (n == 0) {
        /* RFC 6962 section 2.1: the hash of an empty list is the hash of an empty string. */
        chr_sha256_hash(out, NULL, 0);
        return;
    }
    CHR_ASSERT(hashes != NULL);
    while (n > 1) {
        size_t pairs = n / 2;
        /* Writing index i only after reading 2i and 2i+1 (both >= i) never overwrites a
         * node this level still needs. */
        for (size_t i = 0; i < pairs; i++) {
            merkle_node(hashes[i], hashes[2 * i], hashes[2 * i + 1]);
        }
        if (n % 2 == 1) {
            memmove(hashes[pairs], hashes[n - 1], CHR_HASH_LEN);
        }
        size_t next = pairs + n % 2;
        CHR_ASSERT(next < n);
        n = next;
    }
    memmove(out, hashes[0], CHR_HASH_LEN);
}
