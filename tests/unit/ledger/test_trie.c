#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hash.h"
#include "ledger/smt.h"
#include "ledger/trie.h"
#include "ledger/trie_mem.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* Keys one randomized run draws from, and the most a model holds. */
#define TRIE_TEST_POOL 48
#define TRIE_TEST_BIG 20000

typedef struct trie_model {
    size_t len;
    uint8_t key[TRIE_TEST_BIG][32];
    uint8_t value[TRIE_TEST_BIG][32];
} trie_model;

static trie_model model;
static trie_model committed;

static void fill(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(chr_test_rand(rng) >> 56);
    }
}

static size_t model_find(const trie_model *m, const uint8_t key[32])
{
    for (size_t i = 0; i < m->len; i++) {
        if (memcmp(m->key[i], key, 32) == 0) {
            return i;
        }
    }
    return m->len;
}

static void model_set(trie_model *m, const uint8_t key[32], const uint8_t value[32])
{
    size_t i = model_find(m, key);
    if (i == m->len) {
        memcpy(m->key[m->len++], key, 32);
    }
    memcpy(m->value[i], value, 32);
}

static int model_delete(trie_model *m, const uint8_t key[32])
{
    size_t i = model_find(m, key);
    if (i == m->len) {
        return 0;
    }
    m->len--;
    memcpy(m->key[i], m->key[m->len], 32);
    memcpy(m->value[i], m->value[m->len], 32);
    return 1;
}

/* The reference root: the in-memory trie of ledger/smt.h built afresh from the model's
 * keys (the root depends only on the set, so deletions need no support there). */
static void model_root(const trie_model *m, uint8_t out[32])
{
    ledger_smt *s;
    CHR_ASSERT(ledger_smt_new(&s, m->len + 1) == CHR_OK);
    for (size_t i = 0; i < m->len; i++) {
        CHR_ASSERT(ledger_smt_set(s, m->key[i], m->value[i]) == CHR_OK);
    }
    ledger_smt_root(s, out);
    ledger_smt_free(s);
}

/* A digest of every stored row: rollback must leave it as it was. */
static void rows_digest(ledger_trie_mem *rows, uint8_t out[32])
{
    chr_sha256 h;
    chr_sha256_start(&h);
    for (size_t i = 0; i < ledger_trie_mem_len(rows); i++) {
        uint8_t *val;
        size_t len;
        uint8_t *id = ledger_trie_mem_row(rows, i, &val, &len);
        chr_sha256_update(&h, id, LEDGER_TRIE_ID_BYTES);
        chr_sha256_update(&h, val, len);
    }
    chr_sha256_final(&h, out);
}

/* A pool of keys with long shared prefixes: each copies a random-length prefix of an
 * earlier one, and some differ from another only in the last bit. */
static void key_pool(uint64_t *rng, uint8_t pool[][32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fill(rng, pool[i], 32);
        if (i > 0 && chr_test_rand(rng) % 2 == 0) {
            const uint8_t *other = pool[chr_test_rand(rng) % i];
            size_t k = chr_test_rand(rng) % 33;
            memcpy(pool[i], other, k);
            if (k == 32) {
                pool[i][31] ^= (uint8_t)(1u << (chr_test_rand(rng) % 8));
            }
        }
    }
}

static ledger_trie *trie_open(ledger_trie_mem *rows, const uint8_t root[32], size_t cache)
{
    ledger_trie *t;
    CHR_ASSERT(ledger_trie_new(&t, ledger_trie_mem_source(rows), cache) == CHR_OK);
    CHR_ASSERT(ledger_trie_open(t, root) == CHR_OK);
    return t;
}

static const size_t cache_sizes[] = {0, 2 * LEDGER_TRIE_CACHE_ENTRY_BYTES, 4096, 1u << 20};

/* Random sets and deletes in batches over keys with shared prefixes, each batch stored or
 * rolled back: the root always equals the reference's, a rollback leaves the stored rows
 * byte for byte as they were, and a trie reopened from the rows (with caches of several
 * sizes, none included) goes on from the same root. 3,000 seeds. */
void test_trie_matches_reference_random(void)
{
    static uint8_t pool[TRIE_TEST_POOL][32];
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        uint64_t rng = seed * 0x9e3779b97f4a7c15u;
        key_pool(&rng, pool, TRIE_TEST_POOL);
        ledger_trie_mem *rows;
        CHECK_OK(ledger_trie_mem_new(&rows));
        uint8_t zero[32] = {0};
        ledger_trie *t = trie_open(rows, zero, cache_sizes[seed % 4]);
        model.len = 0;
        committed.len = 0;
        unsigned batches = 1 + (unsigned)(chr_test_rand(&rng) % 10);
        for (unsigned b = 0; b < batches; b++) {
            unsigned ops = 1 + (unsigned)(chr_test_rand(&rng) % 24);
            for (unsigned o = 0; o < ops; o++) {
                const uint8_t *key = pool[chr_test_rand(&rng) % TRIE_TEST_POOL];
                if (chr_test_rand(&rng) % 4 == 0) {
                    int found;
                    CHECK_OK(ledger_trie_delete(t, key, &found));
                    CHECK(found == model_delete(&model, key));
                } else {
                    uint8_t value[32];
                    memset(value, (int)(chr_test_rand(&rng) % 3), 32);
                    CHECK_OK(ledger_trie_set(t, key, value));
                    model_set(&model, key, value);
                }
                if (chr_test_rand(&rng) % 8 == 0) {
                    uint8_t got[32];
                    uint8_t want[32];
                    ledger_trie_root(t, got);
                    model_root(&model, want);
                    CHECK(memcmp(got, want, 32) == 0);
                }
            }
            uint8_t got[32];
            uint8_t want[32];
            ledger_trie_root(t, got);
            model_root(&model, want);
            CHECK(memcmp(got, want, 32) == 0);
            if (chr_test_rand(&rng) % 4 == 0) {
                uint8_t before[32];
                uint8_t after[32];
                rows_digest(rows, before);
                ledger_trie_rollback(t);
                rows_digest(rows, after);
                CHECK(memcmp(before, after, 32) == 0);
                model.len = committed.len;
                memcpy(model.key, committed.key, committed.len * 32);
                memcpy(model.value, committed.value, committed.len * 32);
            } else {
                CHECK_OK(ledger_trie_mem_store(rows, t));
                ledger_trie_release(t);
                committed.len = model.len;
                memcpy(committed.key, model.key, model.len * 32);
                memcpy(committed.value, model.value, model.len * 32);
            }
            ledger_trie_root(t, got);
            model_root(&committed, want);
            CHECK(memcmp(got, want, 32) == 0);
            CHECK(!ledger_trie_pending(t));
            if (chr_test_rand(&rng) % 3 == 0) {
                ledger_trie_free(t);
                t = trie_open(rows, want, cache_sizes[chr_test_rand(&rng) % 4]);
            }
        }
        /* Every committed key reads back; every row is reachable (no garbage left). */
        for (size_t i = 0; i < committed.len; i++) {
            int found;
            uint8_t v[32];
            CHECK_OK(ledger_trie_get(t, committed.key[i], &found, v));
            CHECK(found && memcmp(v, committed.value[i], 32) == 0);
        }
        CHECK(ledger_trie_mem_len(rows) == (committed.len == 0 ? 0 : 2 * committed.len - 1));
        ledger_trie_free(t);
        ledger_trie_mem_free(rows);
    }
}

/* 20,000 random keys in blocks of 1,000 with a small cache (evictions, arena growth): the
 * root equals the reference's after every block, and a reopened trie reads every key. */
void test_trie_many_keys_small_cache(void)
{
    uint64_t rng = 77;
    ledger_trie_mem *rows;
    CHECK_OK(ledger_trie_mem_new(&rows));
    uint8_t zero[32] = {0};
    ledger_trie *t = trie_open(rows, zero, 64 * 1024);
    ledger_smt *ref;
    CHECK_OK(ledger_smt_new(&ref, TRIE_TEST_BIG));
    model.len = 0;
    for (unsigned block = 0; block < TRIE_TEST_BIG / 1000; block++) {
        for (unsigned i = 0; i < 1000; i++) {
            uint8_t key[32];
            uint8_t value[32];
            fill(&rng, key, 32);
            fill(&rng, value, 32);
            if (model.len > 0 && i % 3 == 0) {
                memcpy(key, model.key[chr_test_rand(&rng) % model.len], 32);
            }
            CHECK_OK(ledger_trie_set(t, key, value));
            CHECK_OK(ledger_smt_set(ref, key, value));
            model_set(&model, key, value);
        }
        uint8_t got[32];
        uint8_t want[32];
        ledger_trie_root(t, got);
        ledger_smt_root(ref, want);
        CHECK(memcmp(got, want, 32) == 0);
        CHECK_OK(ledger_trie_mem_store(rows, t));
        ledger_trie_release(t);
    }
    uint8_t root[32];
    ledger_trie_root(t, root);
    ledger_trie_free(t);
    t = trie_open(rows, root, 0);
    for (size_t i = 0; i < model.len; i += 7) {
        int found;
        uint8_t v[32];
        CHECK_OK(ledger_trie_get(t, model.key[i], &found, v));
        CHECK(found && memcmp(v, model.value[i], 32) == 0);
    }
    ledger_trie_free(t);
    ledger_smt_free(ref);
    ledger_trie_mem_free(rows);
}

/* Opening checks the root row against the root it is given: another root, rows for the
 * empty root, and no rows for a non-empty root are refused. */
void test_trie_open_checks_root(void)
{
    ledger_trie_mem *rows;
    CHECK_OK(ledger_trie_mem_new(&rows));
    uint8_t zero[32] = {0};
    ledger_trie *t = trie_open(rows, zero, 0);
    uint8_t key[32];
    uint8_t other[32];
    memset(key, 0x11, 32);
    memset(other, 0x22, 32);
    CHECK_OK(ledger_trie_set(t, key, other));
    CHECK_OK(ledger_trie_set(t, other, key));
    uint8_t root[32];
    ledger_trie_root(t, root);
    CHECK(ledger_trie_open(t, root) == CHR_ERR_STATE_ROOT); /* no rows yet */
    ledger_trie_free(t);
    t = trie_open(rows, zero, 0);
    CHECK_OK(ledger_trie_set(t, key, other));
    CHECK_OK(ledger_trie_set(t, other, key));
    CHECK_OK(ledger_trie_mem_store(rows, t));
    ledger_trie_release(t);
    CHECK_OK(ledger_trie_open(t, root));
    CHECK(ledger_trie_open(t, zero) == CHR_ERR_STATE_ROOT);
    root[5] ^= 1;
    CHECK(ledger_trie_open(t, root) == CHR_ERR_STATE_ROOT);
    ledger_trie_free(t);
    ledger_trie_mem_free(rows);
}

/* One flipped byte anywhere in the stored rows (id or value) never gives a wrong answer:
 * reading every key of a reopened trie either answers right or fails with CHR_ERR_STORE
 * (CHR_ERR_STATE_ROOT when opening), and some read fails for every damaged row. */
void test_trie_damaged_rows_refused(void)
{
    uint64_t rng = 5;
    ledger_trie_mem *rows;
    CHECK_OK(ledger_trie_mem_new(&rows));
    uint8_t zero[32] = {0};
    ledger_trie *t = trie_open(rows, zero, 0);
    model.len = 0;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t key[32];
        uint8_t value[32];
        fill(&rng, key, 32);
        fill(&rng, value, 32);
        CHECK_OK(ledger_trie_set(t, key, value));
        model_set(&model, key, value);
    }
    uint8_t root[32];
    ledger_trie_root(t, root);
    CHECK_OK(ledger_trie_mem_store(rows, t));
    ledger_trie_free(t);
    size_t n = ledger_trie_mem_len(rows);
    for (size_t r = 0; r < n; r++) {
        uint8_t *val;
        size_t len;
        uint8_t *id = ledger_trie_mem_row(rows, r, &val, &len);
        for (unsigned trial = 0; trial < 4; trial++) {
            size_t at = chr_test_rand(&rng) % (LEDGER_TRIE_ID_BYTES + len);
            uint8_t *p = at < LEDGER_TRIE_ID_BYTES ? id + at : val + (at - LEDGER_TRIE_ID_BYTES);
            uint8_t mask = (uint8_t)(1u << (chr_test_rand(&rng) % 8));
            *p ^= mask;
            ledger_trie *d;
            CHECK_OK(ledger_trie_new(&d, ledger_trie_mem_source(rows), 0));
            chr_err err = ledger_trie_open(d, root);
            int refused = err != CHR_OK;
            CHECK(err == CHR_OK || err == CHR_ERR_STATE_ROOT || err == CHR_ERR_STORE);
            for (size_t i = 0; i < model.len && err == CHR_OK; i++) {
                int found;
                uint8_t v[32];
                chr_err e = ledger_trie_get(d, model.key[i], &found, v);
                if (e == CHR_OK) {
                    CHECK(found && memcmp(v, model.value[i], 32) == 0);
                } else {
                    CHECK(e == CHR_ERR_STORE);
                    refused = 1;
                    ledger_trie_rollback(d);
                }
            }
            CHECK(refused);
            ledger_trie_free(d);
            *p ^= mask;
        }
    }
    ledger_trie_mem_free(rows);
}
