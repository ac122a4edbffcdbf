#include <stdio.h>
#include <string.h>

#include "ledger/proof.h"
#include "ledger/smt.h"
#include "ledger/trie.h"
#include "ledger/trie_mem.h"
#include "tests/unit/ledger/ref_trie.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* The most entries of a randomized trie in these tests. */
#define PROOF_TEST_KEYS_MAX 400

static ref_trie_entry entries[PROOF_TEST_KEYS_MAX + 257];
static ledger_proof proof;
static ledger_proof other;
static uint8_t enc[LEDGER_PROOF_BYTES_MAX + 64];
static uint8_t enc2[LEDGER_PROOF_BYTES_MAX + 64];

static void proof_fill(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(chr_test_rand(rng) >> 56);
    }
}

/* n random distinct entries, sorted. */
static void proof_random_set(uint64_t *rng, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        proof_fill(rng, entries[i].key, 32);
        proof_fill(rng, entries[i].value, 32);
    }
    ref_trie_sort(entries, n);
}

/* Whether p verifies for key under root, as present (with value) or absent as expected;
 * and whether its encoding decodes back to the same proof and re-encodes to the same bytes. */
static int proof_checks(const ledger_proof *p, const uint8_t root[32], const uint8_t key[32],
                        int want_present, const uint8_t *want_value)
{
    int present = -1;
    uint8_t value[32];
    if (ledger_proof_verify(p, root, key, &present, value) != CHR_OK) {
        return 0;
    }
    if (present != want_present) {
        return 0;
    }
    if (want_present ? memcmp(value, want_value, 32) != 0 : value[0] != 0) {
        return 0;
    }
    size_t len;
    size_t len2;
    if (ledger_proof_encode(p, enc, sizeof(enc), &len) != CHR_OK ||
        ledger_proof_decode(&other, enc, len) != CHR_OK ||
        ledger_proof_encode(&other, enc2, sizeof(enc2), &len2) != CHR_OK) {
        return 0;
    }
    if (len != len2 || memcmp(enc, enc2, len) != 0 ||
        len != 36 + 64 * p->has_leaf + 34u * p->steps_len) {
        return 0;
    }
    return ledger_proof_verify(&other, root, key, &present, value) == CHR_OK;
}

/* Whether p is refused for key under root. */
static int proof_refused(const ledger_proof *p, const uint8_t root[32], const uint8_t key[32])
{
    int present = 7;
    uint8_t value[32];
    memset(value, 0xee, sizeof(value));
    chr_err err = ledger_proof_verify(p, root, key, &present, value);
    static const uint8_t zero[32];
    return err == CHR_ERR_PROOF && present == 0 && memcmp(value, zero, 32) == 0;
}

/* Proves that the empty trie's proof shows any key absent under the zero root and nothing
 * under another root, and that a one-key trie proves its key present and others absent. */
void test_proof_empty_and_one_key(void)
{
    uint8_t root[32];
    uint8_t key[32];
    memset(key, 0x5a, 32);
    ref_trie_root(root, entries, 0);
    ref_trie_prove(&proof, entries, 0, key);
    CHECK(proof.has_leaf == 0 && proof.steps_len == 0);
    CHECK(proof_checks(&proof, root, key, 0, NULL));
    root[31] = 1;
    CHECK(proof_refused(&proof, root, key));

    memset(entries[0].key, 0x11, 32);
    memset(entries[0].value, 0x22, 32);
    ref_trie_root(root, entries, 1);
    ref_trie_prove(&proof, entries, 1, entries[0].key);
    CHECK(proof.steps_len == 0);
    CHECK(proof_checks(&proof, root, entries[0].key, 1, entries[0].value));
    ref_trie_prove(&proof, entries, 1, key);
    CHECK(proof_checks(&proof, root, key, 0, NULL));
    /* The empty trie's proof says nothing about a trie that has a key. */
    ref_trie_prove(&proof, entries, 0, key);
    CHECK(proof_refused(&proof, root, key));
}

/* Proves that in random tries of up to 400 keys every key's proof verifies with its value,
 * and random absent keys verify as absent; the seed replays from CHROOM_SEED. */
void test_proof_random_present_and_absent(void)
{
    uint64_t seed = chr_test_seed();
    uint64_t rng = seed;
    for (int round = 0; round < 12; round++) {
        size_t n = 1 + (size_t)(chr_test_rand(&rng) % PROOF_TEST_KEYS_MAX);
        proof_random_set(&rng, n);
        uint8_t root[32];
        ref_trie_root(root, entries, n);
        for (size_t i = 0; i < n; i += 1 + i / 16) {
            ref_trie_prove(&proof, entries, n, entries[i].key);
            CHECK(proof_checks(&proof, root, entries[i].key, 1, entries[i].value));
        }
        for (int j = 0; j < 20; j++) {
            uint8_t key[32];
            proof_fill(&rng, key, 32);
            ref_trie_prove(&proof, entries, n, key);
            CHECK(proof_checks(&proof, root, key, 0, NULL));
        }
    }
}

/* Proves proofs over keys sharing long prefixes: the deepest trie (the zero key and every
 * one-bit key, 256 steps) and keys that differ only in their last byte, present and
 * absent. */
void test_proof_long_prefixes(void)
{
    memset(entries, 0, sizeof(entries));
    for (unsigned i = 0; i < 256; i++) {
        entries[i + 1].key[i / 8] = (uint8_t)(0x80u >> (i % 8));
        entries[i + 1].value[0] = (uint8_t)i;
    }
    ref_trie_sort(entries, 257);
    uint8_t root[32];
    ref_trie_root(root, entries, 257);
    static const uint8_t zero[32];
    ref_trie_prove(&proof, entries, 257, zero);
    CHECK(proof.steps_len == 256);
    CHECK(proof_checks(&proof, root, zero, 1, entries[0].value));
    for (size_t i = 1; i < 257; i += 17) {
        ref_trie_prove(&proof, entries, 257, entries[i].key);
        CHECK(proof_checks(&proof, root, entries[i].key, 1, entries[i].value));
    }
    uint8_t key[32] = {0};
    key[31] = 3; /* bits 254 and 255: absent, next to the deepest leaves */
    ref_trie_prove(&proof, entries, 257, key);
    CHECK(proof_checks(&proof, root, key, 0, NULL));

    for (unsigned i = 0; i < 64; i++) {
        memset(entries[i].key, 0xc3, 31);
        entries[i].key[31] = (uint8_t)(i * 4);
        memset(entries[i].value, (int)i, 32);
    }
    ref_trie_root(root, entries, 64);
    for (unsigned i = 0; i < 64; i++) {
        ref_trie_prove(&proof, entries, 64, entries[i].key);
        CHECK(proof_checks(&proof, root, entries[i].key, 1, entries[i].value));
        memcpy(key, entries[i].key, 32);
        key[31] |= 1;
        ref_trie_prove(&proof, entries, 64, key);
        CHECK(proof_checks(&proof, root, key, 0, NULL));
    }
}

/* Whether every single-byte change of p's encoding (each byte XOR 0x01 and XOR 0x80) is
 * refused by decode or by verify for key under root. */
static int proof_every_flip_refused(const ledger_proof *p, const uint8_t root[32],
                                    const uint8_t key[32])
{
    static uint8_t buf[LEDGER_PROOF_BYTES_MAX];
    size_t len;
    if (ledger_proof_encode(p, buf, sizeof(buf), &len) != CHR_OK) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        for (unsigned m = 0x01; m <= 0x80; m <<= 7) {
            buf[i] ^= (uint8_t)m;
            int ok =
                ledger_proof_decode(&other, buf, len) != CHR_OK || proof_refused(&other, root, key);
            buf[i] ^= (uint8_t)m;
            if (!ok) {
                fprintf(stderr, "flip of byte %zu (mask 0x%02x) was accepted\n", i, m);
                return 0;
            }
        }
    }
    return 1;
}

/* Proves that tampered proofs are refused: every flipped byte, a wrong root, a wrong key,
 * a short proof (a step dropped, or the encoding cut anywhere), reordered steps, an extra
 * step, and a membership proof altered to claim absence. */
void test_proof_tampered_refused(void)
{
    uint64_t rng = chr_test_seed() ^ 0x9e3779b97f4a7c15ULL;
    size_t n = 300;
    proof_random_set(&rng, n);
    uint8_t root[32];
    ref_trie_root(root, entries, n);
    const uint8_t *key = entries[123].key;
    ref_trie_prove(&proof, entries, n, key);
    CHECK(proof.steps_len >= 3);
    CHECK(proof_every_flip_refused(&proof, root, key));
    uint8_t absent[32];
    proof_fill(&rng, absent, 32);
    ref_trie_prove(&other, entries, n, absent);
    ledger_proof absent_proof = other;
    CHECK(proof_every_flip_refused(&absent_proof, root, absent));

    uint8_t bad[32];
    memcpy(bad, root, 32);
    bad[7] ^= 0x10;
    CHECK(proof_refused(&proof, bad, key));
    CHECK(proof_refused(&proof, root, entries[124].key));
    CHECK(proof_refused(&proof, root, absent));

    ledger_proof t = proof;
    t.steps_len--;
    CHECK(proof_refused(&t, root, key));
    t = proof;
    ledger_proof_step s = t.steps[0];
    t.steps[0] = t.steps[1];
    t.steps[1] = s;
    CHECK(proof_refused(&t, root, key));
    t = proof;
    t.steps[t.steps_len] = t.steps[t.steps_len - 1];
    t.steps[t.steps_len].bit = 255;
    t.steps_len++;
    CHECK(proof_refused(&t, root, key));
    /* A membership proof whose key field names another key is no proof of absence. */
    t = proof;
    memcpy(t.key, absent, 32);
    CHECK(proof_refused(&t, root, absent));
    /* Nor is the empty trie's proof, under a root that has keys. */
    memset(&t, 0, sizeof(t));
    memcpy(t.key, key, 32);
    CHECK(proof_refused(&t, root, key));

    size_t len;
    CHECK_OK(ledger_proof_encode(&proof, enc, sizeof(enc), &len));
    for (size_t cut = 0; cut < len; cut++) {
        CHECK(ledger_proof_decode(&t, enc, cut) == CHR_ERR_TRUNCATED);
    }
}

/* Proves the decoder's errors: version, truncation, trailing bytes, over 256 steps, a
 * has_leaf flag other than 0 or 1, steps without a leaf; and the encoder's: a short
 * buffer is CHR_ERR_FULL, a proof over the limits CHR_ERR_ARG. */
void test_proof_decode_errors(void)
{
    memset(&proof, 0, sizeof(proof));
    proof.has_leaf = 1;
    proof.steps_len = 2;
    proof.steps[0].bit = 9;
    proof.steps[1].bit = 3;
    size_t len;
    CHECK_OK(ledger_proof_encode(&proof, enc, sizeof(enc), &len));
    CHECK(len == 1 + 32 + 1 + 64 + 2 + 2 * 34);
    CHECK_OK(ledger_proof_decode(&other, enc, len));
    enc[0] = 2;
    CHECK(ledger_proof_decode(&other, enc, len) == CHR_ERR_VERSION);
    enc[0] = 1;
    CHECK(ledger_proof_decode(&other, enc, 0) == CHR_ERR_TRUNCATED);
    enc[len] = 0;
    CHECK(ledger_proof_decode(&other, enc, len + 1) == CHR_ERR_TRAILING);
    enc[33] = 2;
    CHECK(ledger_proof_decode(&other, enc, len) == CHR_ERR_NONCANONICAL);
    enc[33] = 1;
    /* steps_len 257, with the bytes for them present. */
    memset(enc, 0, sizeof(enc));
    enc[0] = 1;
    enc[33] = 1;
    enc[98] = 0x01;
    enc[99] = 0x01;
    CHECK(ledger_proof_decode(&other, enc, 100 + 257 * 34) == CHR_ERR_TOO_LONG);
    /* No leaf but one step. */
    memset(enc, 0, sizeof(enc));
    enc[0] = 1;
    enc[34] = 0;
    enc[35] = 1;
    CHECK(ledger_proof_decode(&other, enc, 36 + 34) == CHR_ERR_NONCANONICAL);
    static const uint8_t zero[sizeof(other)];
    CHECK(memcmp(&other, zero, sizeof(other)) == 0);

    CHECK(ledger_proof_encode(&proof, enc, 100, &len) == CHR_ERR_FULL);
    CHECK(len == 0);
    proof.has_leaf = 0;
    CHECK(ledger_proof_encode(&proof, enc, sizeof(enc), &len) == CHR_ERR_ARG);
    proof.has_leaf = 2;
    proof.steps_len = 0;
    CHECK(ledger_proof_encode(&proof, enc, sizeof(enc), &len) == CHR_ERR_ARG);
    proof.has_leaf = 1;
    proof.steps_len = LEDGER_SMT_DEPTH_MAX + 1;
    CHECK(ledger_proof_encode(&proof, enc, sizeof(enc), &len) == CHR_ERR_ARG);
    int present;
    uint8_t value[32];
    CHECK(ledger_proof_verify(&proof, zero, proof.key, &present, value) == CHR_ERR_PROOF);
}

/* Proves that the reference trie's root equals ledger_smt's over random sets (300 seeds,
 * from CHROOM_SEED on), and that ledger_smt's root verifies the reference's proofs. */
void test_proof_ref_matches_smt(void)
{
    uint64_t seed = chr_test_seed();
    for (uint64_t k = 0; k < 300; k++) {
        uint64_t rng = seed + k * 0x9e3779b97f4a7c15ULL;
        size_t n = (size_t)(chr_test_rand(&rng) % 120);
        proof_random_set(&rng, n);
        /* Some keys share long prefixes with a neighbour. */
        for (size_t i = 1; i < n; i += 7) {
            memcpy(entries[i].key, entries[i - 1].key, 30);
        }
        for (size_t i = 1; i < n; i += 7) {
            if (memcmp(entries[i].key, entries[i - 1].key, 32) == 0) {
                entries[i].key[31] ^= 1;
            }
        }
        ref_trie_sort(entries, n);
        ledger_smt *t;
        CHECK_OK(ledger_smt_new(&t, PROOF_TEST_KEYS_MAX));
        for (size_t i = n; i > 0; i--) {
            CHECK_OK(ledger_smt_set(t, entries[i - 1].key, entries[i - 1].value));
        }
        uint8_t a[32];
        uint8_t b[32];
        ledger_smt_root(t, a);
        ledger_smt_free(t);
        ref_trie_root(b, entries, n);
        if (memcmp(a, b, 32) != 0) {
            fprintf(stderr, "seed %llu + %llu: roots differ\n", (unsigned long long)seed,
                    (unsigned long long)k);
        }
        CHECK(memcmp(a, b, 32) == 0);
        if (n > 0) {
            size_t i = (size_t)(chr_test_rand(&rng) % n);
            ref_trie_prove(&proof, entries, n, entries[i].key);
            CHECK(proof_checks(&proof, a, entries[i].key, 1, entries[i].value));
        }
    }
}

/* Proves that the persisted trie's proofs (ledger_trie_prove over in-memory rows) are,
 * byte for byte, the reference's, for present and absent keys over random sets (100
 * seeds from CHROOM_SEED on, some keys sharing long prefixes, some deleted), and that
 * they verify; and that the rows of another root give no proof. */
void test_proof_trie_matches_reference(void)
{
    static uint8_t a[LEDGER_PROOF_BYTES_MAX];
    static uint8_t b[LEDGER_PROOF_BYTES_MAX];
    uint64_t seed = chr_test_seed();
    for (uint64_t k = 0; k < 100; k++) {
        uint64_t rng = seed + k * 0x632be59bd9b4e019ULL;
        size_t n = 1 + (size_t)(chr_test_rand(&rng) % 150);
        proof_random_set(&rng, n);
        for (size_t i = 1; i < n; i += 5) {
            memcpy(entries[i].key, entries[i - 1].key, 31);
            entries[i].key[31] = (uint8_t)(entries[i - 1].key[31] ^ (1u << (i % 8)));
        }
        ref_trie_sort(entries, n);
        ledger_trie_mem *rows;
        ledger_trie *t;
        CHECK_OK(ledger_trie_mem_new(&rows));
        CHECK_OK(ledger_trie_new(&t, ledger_trie_mem_source(rows), 0));
        /* Every key, then the last few deleted again. */
        size_t kept = n > 3 ? n - 2 : n;
        for (size_t i = 0; i < n; i++) {
            CHECK_OK(ledger_trie_set(t, entries[i].key, entries[i].value));
        }
        for (size_t i = kept; i < n; i++) {
            int found;
            CHECK_OK(ledger_trie_delete(t, entries[i].key, &found));
            CHECK(found);
        }
        uint8_t root[32];
        uint8_t want[32];
        ledger_trie_root(t, root);
        CHECK_OK(ledger_trie_mem_store(rows, t));
        ledger_trie_release(t);
        ledger_trie_free(t);
        ref_trie_root(want, entries, kept);
        CHECK(memcmp(root, want, 32) == 0);
        ledger_trie_source src = ledger_trie_mem_source(rows);
        for (size_t j = 0; j < 6; j++) {
            /* A kept key, a deleted one, a random one. */
            uint8_t key[32];
            if (j % 3 == 0) {
                memcpy(key, entries[(size_t)(chr_test_rand(&rng) % kept)].key, 32);
            } else if (j % 3 == 1) {
                memcpy(key, entries[n - 1].key, 32);
            } else {
                proof_fill(&rng, key, 32);
            }
            size_t alen;
            size_t blen;
            CHECK_OK(ledger_trie_prove(&src, root, key, &proof));
            ref_trie_prove(&other, entries, kept, key);
            CHECK_OK(ledger_proof_encode(&proof, a, sizeof(a), &alen));
            CHECK_OK(ledger_proof_encode(&other, b, sizeof(b), &blen));
            CHECK(alen == blen && memcmp(a, b, alen) == 0);
            int present;
            uint8_t value[32];
            CHECK_OK(ledger_proof_verify(&proof, root, key, &present, value));
            CHECK(present == (j % 3 == 0 || (j % 3 == 1 && kept == n)));
        }
        root[0] ^= 1;
        CHECK(ledger_trie_prove(&src, root, entries[0].key, &proof) != CHR_OK);
        ledger_trie_mem_free(rows);
    }
}
