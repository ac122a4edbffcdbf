#include "tests/unit/ledger/ref_trie.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

static unsigned ref_trie_bit(const uint8_t key[32], unsigned i)
{
    return (key[i / 8] >> (7 - i % 8)) & 1u;
}

static int ref_trie_cmp(const void *a, const void *b)
{
    return memcmp(((const ref_trie_entry *)a)->key, ((const ref_trie_entry *)b)->key, 32);
}

void ref_trie_sort(ref_trie_entry *e, size_t n)
{
    qsort(e, n, sizeof(e[0]), ref_trie_cmp);
    for (size_t i = 1; i < n; i++) {
        if (memcmp(e[i - 1].key, e[i].key, 32) == 0) {
            abort();
        }
    }
}

/* The split of a range of two or more sorted keys: the first bit where its first and
 * last keys differ (every key in the range agrees on the bits before it), and how many
 * keys have that bit 0 (they come first, being sorted). */
static size_t ref_trie_split(const ref_trie_entry *e, size_t n, unsigned *bit)
{
    unsigned b = 0;
    while (ref_trie_bit(e[0].key, b) == ref_trie_bit(e[n - 1].key, b)) {
        b++;
    }
    size_t split = 0;
    while (ref_trie_bit(e[split].key, b) == 0) {
        split++;
    }
    *bit = b;
    return split;
}

/* Recursion is fine here, in a test: the depth is at most 257. */
static void ref_trie_hash(uint8_t out[32], const ref_trie_entry *e, size_t n)
{
    if (n == 1) {
        uint8_t buf[65];
        buf[0] = 0x00;
        memcpy(buf + 1, e->key, 32);
        memcpy(buf + 33, e->value, 32);
        chr_sha256_hash(out, buf, sizeof(buf));
        return;
    }
    unsigned b;
    size_t split = ref_trie_split(e, n, &b);
    uint8_t buf[67];
    buf[0] = 0x01;
    buf[1] = (uint8_t)(b >> 8);
    buf[2] = (uint8_t)b;
    ref_trie_hash(buf + 3, e, split);
    ref_trie_hash(buf + 35, e + split, n - split);
    chr_sha256_hash(out, buf, sizeof(buf));
}

void ref_trie_root(uint8_t out[32], const ref_trie_entry *e, size_t n)
{
    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    ref_trie_hash(out, e, n);
}

void ref_trie_prove(ledger_proof *out, const ref_trie_entry *e, size_t n, const uint8_t key[32])
{
    memset(out, 0, sizeof(*out));
    memcpy(out->key, key, 32);
    if (n == 0) {
        return;
    }
    /* Walk down key's side, collecting (bit, sibling) from the root; then reverse. */
    ledger_proof_step down[LEDGER_SMT_DEPTH_MAX];
    size_t depth = 0;
    while (n > 1) {
        unsigned b;
        size_t split = ref_trie_split(e, n, &b);
        down[depth].bit = (uint16_t)b;
        if (ref_trie_bit(key, b) == 0) {
            ref_trie_hash(down[depth].sibling, e + split, n - split);
            n = split;
        } else {
            ref_trie_hash(down[depth].sibling, e, split);
            e += split;
            n -= split;
        }
        depth++;
    }
    out->has_leaf = 1;
    memcpy(out->leaf_key, e->key, 32);
    memcpy(out->leaf_value, e->value, 32);
    out->steps_len = (uint16_t)depth;
    for (size_t i = 0; i < depth; i++) {
        out->steps[i] = down[depth - 1 - i];
    }
}
