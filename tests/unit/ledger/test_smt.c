#include <stdlib.h>

#include "common/hash.h"
#include "ledger/smt.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* The most keys of a randomized trie in these tests. */
#define SMT_TEST_KEYS_MAX 2000

typedef struct smt_entry {
    uint8_t key[32];
    uint8_t value[32];
} smt_entry;

/* The model the trie is checked against: distinct keys with their latest values, in the
 * order they were first set. */
typedef struct smt_model {
    size_t len;
    smt_entry e[SMT_TEST_KEYS_MAX + 300];
} smt_model;

static smt_model model;
static smt_entry sorted[sizeof(model.e) / sizeof(model.e[0])];

static void smt_fill(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(chr_test_rand(rng) >> 56);
    }
}

static unsigned ref_bit(const uint8_t key[32], unsigned i)
{
    return (key[i / 8] >> (7 - i % 8)) & 1u;
}

static void ref_leaf(uint8_t out[32], const smt_entry *e)
{
    uint8_t buf[65];
    buf[0] = 0x00;
    memcpy(buf + 1, e->key, 32);
    memcpy(buf + 33, e->value, 32);
    chr_sha256_hash(out, buf, sizeof(buf));
}

static void ref_node(uint8_t out[32], unsigned b, const uint8_t l[32], const uint8_t r[32])
{
    uint8_t buf[67];
    buf[0] = 0x01;
    buf[1] = (uint8_t)(b >> 8);
    buf[2] = (uint8_t)b;
    memcpy(buf + 3, l, 32);
    memcpy(buf + 35, r, 32);
    chr_sha256_hash(out, buf, sizeof(buf));
}

/* The reference: over sorted distinct keys, a range of two or more keys splits at the
 * first bit where its first and last keys differ (all keys in the range agree before it),
 * into the keys with that bit 0 and those with it 1. Recursion is fine here, in a test. */
static void ref_range(uint8_t out[32], const smt_entry *e, size_t n)
{
    if (n == 1) {
        ref_leaf(out, e);
        return;
    }
    unsigned b = 0;
    while (ref_bit(e[0].key, b) == ref_bit(e[n - 1].key, b)) {
        b++;
    }
    size_t split = 0;
    while (ref_bit(e[split].key, b) == 0) {
        split++;
    }
    uint8_t l[32];
    uint8_t r[32];
    ref_range(l, e, split);
    ref_range(r, e + split, n - split);
    ref_node(out, b, l, r);
}

static int smt_entry_cmp(const void *a, const void *b)
{
    return memcmp(((const smt_entry *)a)->key, ((const smt_entry *)b)->key, 32);
}

static void ref_root(uint8_t out[32], const smt_model *m)
{
    if (m->len == 0) {
        memset(out, 0, 32);
        return;
    }
    memcpy(sorted, m->e, m->len * sizeof(m->e[0]));
    qsort(sorted, m->len, sizeof(sorted[0]), smt_entry_cmp);
    ref_range(out, sorted, m->len);
}

static void model_set(smt_model *m, const uint8_t key[32], const uint8_t value[32])
{
    for (size_t i = 0; i < m->len; i++) {
        if (memcmp(m->e[i].key, key, 32) == 0) {
            memcpy(m->e[i].value, value, 32);
            return;
        }
    }
    memcpy(m->e[m->len].key, key, 32);
    memcpy(m->e[m->len].value, value, 32);
    m->len++;
}

/* A key for the randomized tests. Clustered keys copy one of four base keys up to a
 * prefix length that is often 240..256 bits, so many keys differ only in their last bits
 * (or repeat a key, which makes the set an update). */
static void smt_key(uint64_t *rng, uint8_t key[32], int clustered)
{
    static const uint8_t base_fill[4] = {0x00, 0xff, 0x5a, 0x80};
    smt_fill(rng, key, 32);
    if (!clustered) {
        return;
    }
    uint64_t r = chr_test_rand(rng);
    unsigned prefix = (r & 1) ? 240 + (unsigned)(r >> 8) % 17 : (unsigned)(r >> 8) % 257;
    uint8_t base = base_fill[(r >> 4) & 3];
    for (unsigned i = 0; i < prefix; i++) {
        unsigned mask = 0x80u >> (i % 8);
        key[i / 8] = (uint8_t)((key[i / 8] & ~mask) | (base & mask));
    }
}

/* Checks the trie's root, count and every value against the model. */
static int smt_agrees(ledger_smt *t, const smt_model *m)
{
    uint8_t got[32];
    uint8_t want[32];
    ledger_smt_root(t, got);
    ref_root(want, m);
    if (memcmp(got, want, 32) != 0 || ledger_smt_count(t) != m->len) {
        return 0;
    }
    for (size_t i = 0; i < m->len; i++) {
        uint8_t v[32];
        if (ledger_smt_get(t, m->e[i].key, v) != 1 || memcmp(v, m->e[i].value, 32) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Proves the empty root is 32 zero bytes and a one-key root is that key's leaf hash. */
void test_smt_empty_and_one_key(void)
{
    CHECK_OK(chr_hash_init());
    ledger_smt *t;
    CHECK_OK(ledger_smt_new(&t, 1));
    uint8_t root[32];
    uint8_t zero[32] = {0};
    ledger_smt_root(t, root);
    CHECK(memcmp(root, zero, 32) == 0);
    CHECK(ledger_smt_count(t) == 0);
    smt_entry e;
    memset(e.key, 0xab, 32);
    memset(e.value, 0xcd, 32);
    uint8_t v[32];
    memset(v, 1, 32);
    CHECK(ledger_smt_get(t, e.key, v) == 0 && memcmp(v, zero, 32) == 0);
    CHECK_OK(ledger_smt_set(t, e.key, e.value));
    uint8_t leaf[32];
    ref_leaf(leaf, &e);
    ledger_smt_root(t, root);
    CHECK(memcmp(root, leaf, 32) == 0);
    CHECK(ledger_smt_get(t, e.key, v) == 1 && memcmp(v, e.value, 32) == 0);
    ledger_smt_free(t);
}

/* Proves a two-key root is SHA256(0x01 || u16 b || left leaf || right leaf) with b the
 * first differing bit (here 13, bit 2 of byte 1), whichever key is set first. */
void test_smt_two_keys_by_hand(void)
{
    CHECK_OK(chr_hash_init());
    smt_entry lo = {{0}, {0}};
    smt_entry hi = {{0}, {0}};
    hi.key[1] = 0x04;
    memset(lo.value, 0x11, 32);
    memset(hi.value, 0x22, 32);
    uint8_t buf[67];
    buf[0] = 0x01;
    buf[1] = 0x00;
    buf[2] = 13;
    ref_leaf(buf + 3, &lo);
    ref_leaf(buf + 35, &hi);
    uint8_t want[32];
    chr_sha256_hash(want, buf, sizeof(buf));
    for (int order = 0; order < 2; order++) {
        ledger_smt *t;
        CHECK_OK(ledger_smt_new(&t, 2));
        const smt_entry *first = order == 0 ? &hi : &lo;
        const smt_entry *second = order == 0 ? &lo : &hi;
        CHECK_OK(ledger_smt_set(t, first->key, first->value));
        CHECK_OK(ledger_smt_set(t, second->key, second->value));
        uint8_t root[32];
        ledger_smt_root(t, root);
        ledger_smt_free(t);
        CHECK(memcmp(root, want, 32) == 0);
    }
}

/* Proves the roots of a fixed one-key and five-key set equal the values computed
 * independently in Python (hashlib) from the definition in ledger/smt.h, which pins the
 * format across languages. Key i has value bytes 0x11 * (i + 1). */
void test_smt_known_vector(void)
{
    CHECK_OK(chr_hash_init());
    uint8_t keys[5][32] = {{0}};
    keys[1][31] = 0x01;
    keys[2][0] = 0x80;
    memset(keys[3], 0xff, 32);
    keys[4][15] = 0x10;
    ledger_smt *one;
    ledger_smt *five;
    CHECK_OK(ledger_smt_new(&one, 1));
    CHECK_OK(ledger_smt_new(&five, 5));
    for (int i = 4; i >= 0; i--) {
        uint8_t value[32];
        memset(value, 0x11 * (i + 1), 32);
        CHECK_OK(ledger_smt_set(five, keys[i], value));
        if (i == 0) {
            CHECK_OK(ledger_smt_set(one, keys[i], value));
        }
    }
    uint8_t root_one[32];
    uint8_t root_five[32];
    ledger_smt_root(one, root_one);
    ledger_smt_root(five, root_five);
    ledger_smt_free(one);
    ledger_smt_free(five);
    uint8_t want[32];
    chr_test_hex(want, 32, "8e724b356ecbd683d218e82e1a5c03ccbff6bd2949257bcc7a8e35297d18e992");
    CHECK(memcmp(root_one, want, 32) == 0);
    chr_test_hex(want, 32, "e6a41a0e5874d023164c0bf26a4b6f78be9350b345aec1643aad736da0326f11");
    CHECK(memcmp(root_five, want, 32) == 0);
}

/* One randomized round: batches of new keys and updates (some to the same value) until
 * target keys are present, then a few update-only batches, checking after each batch. */
static int smt_round(uint64_t *rng, size_t target, int clustered)
{
    ledger_smt *t;
    if (ledger_smt_new(&t, SMT_TEST_KEYS_MAX) != CHR_OK) {
        return 0;
    }
    model.len = 0;
    int ok = smt_agrees(t, &model);
    for (int extra = 0; ok && extra < 4;) {
        size_t batch = 1 + chr_test_rand(rng) % 300;
        extra += model.len >= target;
        for (size_t i = 0; ok && i < batch; i++) {
            smt_entry e;
            uint64_t r = chr_test_rand(rng);
            smt_fill(rng, e.value, 32);
            if (model.len < target && r % 3 != 0) {
                smt_key(rng, e.key, clustered == 2 ? (int)(r >> 8) & 1 : clustered);
            } else if (model.len > 0) {
                const smt_entry *old = &model.e[(r >> 8) % model.len];
                memcpy(e.key, old->key, 32);
                if ((r >> 40) % 4 == 0) {
                    memcpy(e.value, old->value, 32);
                }
            } else {
                continue;
            }
            ok = ledger_smt_set(t, e.key, e.value) == CHR_OK;
            model_set(&model, e.key, e.value);
        }
        ok = ok && smt_agrees(t, &model);
    }
    ledger_smt_free(t);
    return ok;
}

/* Proves the incremental root equals an independent sorted recursive reference after
 * every batch of inserts and updates, for random sets of 0..2000 keys: uniform keys,
 * clustered keys sharing long prefixes (down to the last bit), and a mix. */
void test_smt_matches_reference(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    for (int round = 0; round < 24; round++) {
        size_t target = round == 0 ? 0 : chr_test_rand(&rng) % (SMT_TEST_KEYS_MAX + 1);
        if (round == 1) {
            target = SMT_TEST_KEYS_MAX;
        }
        CHECK(smt_round(&rng, target, round % 3));
    }
}

/* Builds the comb of 257 keys: the key of all `fill` bytes and each key that differs
 * from it in exactly one bit, set in a random order; 256 internal nodes on one path. */
static int smt_comb(uint64_t *rng, ledger_smt *t, uint8_t fill)
{
    unsigned order[257];
    for (unsigned i = 0; i < 257; i++) {
        order[i] = i;
    }
    for (unsigned i = 256; i > 0; i--) {
        unsigned j = (unsigned)(chr_test_rand(rng) % (i + 1));
        unsigned tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    model.len = 0;
    for (unsigned i = 0; i < 257; i++) {
        smt_entry e;
        memset(e.key, fill, 32);
        if (order[i] < 256) {
            e.key[order[i] / 8] ^= (uint8_t)(0x80u >> (order[i] % 8));
        }
        smt_fill(rng, e.value, 32);
        if (ledger_smt_set(t, e.key, e.value) != CHR_OK) {
            return 0;
        }
        model_set(&model, e.key, e.value);
    }
    return smt_agrees(t, &model);
}

/* Proves the deepest possible tries (combs of 256 internal nodes around the zero key and
 * around the all-ones key, the latter filling the root pass's stack to its bound) hash
 * like the reference, also after updating the two deepest leaves. */
void test_smt_deepest_path(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    for (int pass = 0; pass < 2; pass++) {
        uint8_t fill = pass == 0 ? 0x00 : 0xff;
        ledger_smt *t;
        CHECK_OK(ledger_smt_new(&t, 257));
        CHECK(smt_comb(&rng, t, fill));
        uint8_t key[32];
        uint8_t value[32];
        memset(value, 0x77, 32);
        memset(key, fill, 32);
        CHECK_OK(ledger_smt_set(t, key, value));
        model_set(&model, key, value);
        key[31] ^= 0x01;
        CHECK_OK(ledger_smt_set(t, key, value));
        model_set(&model, key, value);
        CHECK(smt_agrees(t, &model));
        ledger_smt_free(t);
    }
}

/* Proves the root depends only on the final key set (1000 distinct keys, half of them
 * clustered): one trie built in order, one built shuffled while taking the root every 37
 * sets, and one that first sets other values and then the final ones in another order
 * all have the same root. */
void test_smt_order_independent(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    static smt_entry e[1000];
    model.len = 0;
    while (model.len < 1000) {
        uint8_t key[32];
        uint8_t value[32];
        smt_key(&rng, key, (int)(model.len % 2));
        smt_fill(&rng, value, 32);
        model_set(&model, key, value);
    }
    memcpy(e, model.e, sizeof(e));
    uint8_t roots[3][32];
    for (int pass = 0; pass < 3; pass++) {
        ledger_smt *t;
        CHECK_OK(ledger_smt_new(&t, 1000));
        for (size_t i = 999; pass > 0 && i > 0; i--) {
            size_t j = chr_test_rand(&rng) % (i + 1);
            smt_entry tmp = e[i];
            e[i] = e[j];
            e[j] = tmp;
        }
        for (size_t i = 0; i < 1000; i++) {
            uint8_t other[32];
            memset(other, 0xee, 32);
            CHECK_OK(ledger_smt_set(t, e[i].key, pass == 2 ? other : e[i].value));
            if (pass == 1 && i % 37 == 0) {
                ledger_smt_root(t, roots[pass]);
            }
        }
        for (size_t i = 0; pass == 2 && i < 1000; i++) {
            CHECK_OK(ledger_smt_set(t, e[999 - i].key, e[999 - i].value));
        }
        ledger_smt_root(t, roots[pass]);
        ledger_smt_free(t);
    }
    CHECK(memcmp(roots[0], roots[1], 32) == 0);
    CHECK(memcmp(roots[0], roots[2], 32) == 0);
}

/* Proves setting a key to the value it has changes nothing (count, root), and that a
 * change undone gives back the earlier root. */
void test_smt_idempotent_set(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    ledger_smt *t;
    CHECK_OK(ledger_smt_new(&t, 50));
    static smt_entry e[50];
    for (size_t i = 0; i < 50; i++) {
        smt_key(&rng, e[i].key, 1);
        e[i].key[0] = (uint8_t)i;
        smt_fill(&rng, e[i].value, 32);
        CHECK_OK(ledger_smt_set(t, e[i].key, e[i].value));
    }
    uint8_t before[32];
    uint8_t after[32];
    ledger_smt_root(t, before);
    for (size_t i = 0; i < 50; i++) {
        CHECK_OK(ledger_smt_set(t, e[i].key, e[i].value));
    }
    CHECK(ledger_smt_count(t) == 50);
    ledger_smt_root(t, after);
    CHECK(memcmp(before, after, 32) == 0);
    uint8_t other[32];
    memset(other, 0x42, 32);
    CHECK_OK(ledger_smt_set(t, e[7].key, other));
    ledger_smt_root(t, after);
    CHECK(memcmp(before, after, 32) != 0);
    CHECK_OK(ledger_smt_set(t, e[7].key, e[7].value));
    ledger_smt_root(t, after);
    CHECK(memcmp(before, after, 32) == 0);
    ledger_smt_free(t);
}

/* Proves a new key past keys_max is CHR_ERR_FULL and leaves the trie unchanged, while
 * updates of present keys still succeed. */
void test_smt_full_at_keys_max(void)
{
    CHECK_OK(chr_hash_init());
    ledger_smt *t;
    CHECK_OK(ledger_smt_new(&t, 3));
    uint8_t key[32] = {0};
    uint8_t value[32];
    memset(value, 0x01, 32);
    for (uint8_t i = 0; i < 3; i++) {
        key[31] = i;
        CHECK_OK(ledger_smt_set(t, key, value));
    }
    uint8_t before[32];
    uint8_t after[32];
    ledger_smt_root(t, before);
    key[31] = 3;
    CHECK(ledger_smt_set(t, key, value) == CHR_ERR_FULL);
    CHECK(ledger_smt_count(t) == 3);
    uint8_t got[32];
    CHECK(ledger_smt_get(t, key, got) == 0);
    ledger_smt_root(t, after);
    CHECK(memcmp(before, after, 32) == 0);
    key[31] = 2;
    memset(value, 0x02, 32);
    CHECK_OK(ledger_smt_set(t, key, value));
    CHECK(ledger_smt_get(t, key, got) == 1 && memcmp(got, value, 32) == 0);
    ledger_smt_free(t);
    CHECK_OK(ledger_smt_new(&t, 1));
    CHECK_OK(ledger_smt_set(t, key, value));
    key[0] = 0x80;
    CHECK(ledger_smt_set(t, key, value) == CHR_ERR_FULL);
    ledger_smt_free(t);
}

/* Proves ledger_smt_new refuses keys_max of 0 or over LEDGER_SMT_KEYS_MAX and leaves
 * *out NULL. */
void test_smt_new_rejects_bad_keys_max(void)
{
    ledger_smt *t = (ledger_smt *)&t;
    CHECK(ledger_smt_new(&t, 0) == CHR_ERR_ARG);
    CHECK(t == NULL);
    t = (ledger_smt *)&t;
    CHECK(ledger_smt_new(&t, (size_t)LEDGER_SMT_KEYS_MAX + 1) == CHR_ERR_ARG);
    CHECK(t == NULL);
    CHECK_OK(ledger_smt_new(&t, LEDGER_SMT_KEYS_MAX));
    CHECK(ledger_smt_count(t) == 0);
    ledger_smt_free(t);
    ledger_smt_free(NULL);
}
