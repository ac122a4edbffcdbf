#include <stdio.h>

#include "common/hash.h"
#include "common/merkle.h"
#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

/* The Certificate Transparency test tree (RFC 6962's reference implementation and its
 * successors' merkle tests): eight leaves and the published tree heads for sizes 0 to 8. */
static const char *const ct_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

#define TEST_MERKLE_N_MAX 300

static void test_node(uint8_t out[CHR_HASH_LEN], const uint8_t *left, const uint8_t *right)
{
    uint8_t buf[1 + 2 * CHR_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, CHR_HASH_LEN);
    memcpy(buf + 1 + CHR_HASH_LEN, right, CHR_HASH_LEN);
    chr_sha256_hash(out, buf, sizeof(buf));
}

/* RFC 6962 section 2.1, MTH(D[n]) for n >= 1, written as the recursion itself (allowed in
 * tests): split at the largest power of two below n. Leaves are given as leaf hashes. */
static void test_mth(uint8_t out[CHR_HASH_LEN], const uint8_t (*leaves)[CHR_HASH_LEN], size_t n)
{
    if (n == 1) {
        memcpy(out, leaves[0], CHR_HASH_LEN);
        return;
    }
    size_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    uint8_t left[CHR_HASH_LEN];
    uint8_t right[CHR_HASH_LEN];
    test_mth(left, leaves, k);
    test_mth(right, leaves + k, n - k);
    test_node(out, left, right);
}

/* Proves the leaf and empty-tree hashes and the roots of the CT test tree for every size
 * from 0 to 8 match the published values. */
void test_merkle_rfc6962_vectors(void)
{
    CHECK_OK(chr_hash_init());
    uint8_t leaves[8][CHR_HASH_LEN];
    for (size_t i = 0; i < 8; i++) {
        uint8_t data[16];
        size_t len = strlen(ct_leaves[i]) / 2;
        chr_test_hex(data, len, ct_leaves[i]);
        chr_merkle_leaf(leaves[i], data, len);
    }
    for (size_t n = 0; n <= 8; n++) {
        uint8_t scratch[8][CHR_HASH_LEN];
        memcpy(scratch, leaves, sizeof(leaves));
        uint8_t root[CHR_HASH_LEN];
        uint8_t want[CHR_HASH_LEN];
        chr_test_hex(want, CHR_HASH_LEN, ct_roots[n]);
        chr_merkle_root(root, scratch, n);
        CHECK(memcmp(root, want, CHR_HASH_LEN) == 0);
    }
    uint8_t root[CHR_HASH_LEN];
    chr_merkle_root(root, NULL, 0);
    uint8_t want[CHR_HASH_LEN];
    chr_test_hex(want, CHR_HASH_LEN, ct_roots[0]);
    CHECK(memcmp(root, want, CHR_HASH_LEN) == 0);
}

/* Proves the iterative root equals the recursive definition for every n from 0 to 300
 * random leaves, and that the output may alias the first scratch entry. */
void test_merkle_matches_recursive(void)
{
    static uint8_t leaves[TEST_MERKLE_N_MAX][CHR_HASH_LEN];
    static uint8_t scratch[TEST_MERKLE_N_MAX][CHR_HASH_LEN];
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    for (size_t i = 0; i < TEST_MERKLE_N_MAX; i++) {
        uint8_t data[40];
        size_t len = chr_test_rand(&rng) % sizeof(data);
        for (size_t j = 0; j < len; j++) {
            data[j] = (uint8_t)chr_test_rand(&rng);
        }
        chr_merkle_leaf(leaves[i], data, len);
    }
    int ok = 1;
    for (size_t n = 0; n <= TEST_MERKLE_N_MAX && ok; n++) {
        uint8_t want[CHR_HASH_LEN];
        uint8_t got[CHR_HASH_LEN];
        if (n == 0) {
            chr_sha256_hash(want, NULL, 0);
        } else {
            test_mth(want, (const uint8_t(*)[CHR_HASH_LEN])leaves, n);
        }
        memcpy(scratch, leaves, n * CHR_HASH_LEN);
        chr_merkle_root(got, scratch, n);
        ok = memcmp(got, want, CHR_HASH_LEN) == 0;
        if (!ok) {
            printf("# merkle root differs at n = %zu\n", n);
        }
        memcpy(scratch, leaves, n * CHR_HASH_LEN);
        chr_merkle_root(n > 0 ? scratch[0] : got, scratch, n);
        ok = ok && memcmp(n > 0 ? scratch[0] : got, want, CHR_HASH_LEN) == 0;
    }
    CHECK(ok);
}

/* Proves the tree is not Bitcoin's: duplicating the last leaf changes the root, and a
 * leaf hash is domain-separated from a plain hash of the same bytes. */
void test_merkle_no_duplication(void)
{
    uint8_t leaves[4][CHR_HASH_LEN];
    for (size_t i = 0; i < 3; i++) {
        uint8_t b = (uint8_t)i;
        chr_merkle_leaf(leaves[i], &b, 1);
    }
    memcpy(leaves[3], leaves[2], CHR_HASH_LEN);
    uint8_t scratch[4][CHR_HASH_LEN];
    uint8_t three[CHR_HASH_LEN];
    uint8_t four[CHR_HASH_LEN];
    memcpy(scratch, leaves, sizeof(leaves));
    chr_merkle_root(three, scratch, 3);
    memcpy(scratch, leaves, sizeof(leaves));
    chr_merkle_root(four, scratch, 4);
    CHECK(memcmp(three, four, CHR_HASH_LEN) != 0);
    uint8_t ab[CHR_HASH_LEN];
    uint8_t want[CHR_HASH_LEN];
    test_node(ab, leaves[0], leaves[1]);
    test_node(want, ab, leaves[2]);
    CHECK(memcmp(three, want, CHR_HASH_LEN) == 0);
    uint8_t plain[CHR_HASH_LEN];
    uint8_t leaf[CHR_HASH_LEN];
    chr_sha256_hash(plain, (const uint8_t *)"abc", 3);
    chr_merkle_leaf(leaf, (const uint8_t *)"abc", 3);
    CHECK(memcmp(plain, leaf, CHR_HASH_LEN) != 0);
}
