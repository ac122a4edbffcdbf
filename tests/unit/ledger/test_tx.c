#include <stdio.h>
#include <stdlib.h>

#include "common/enc.h"
#include "common/hash.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* Helpers shared by the ledger tests (declared in suite.h). */

void ltest_key(uint8_t sk[32], uint8_t pk[32], uint32_t index)
{
    uint8_t seed[19 + 4];
    memcpy(seed, "chroom-test-key/v1:", 19);
    chr_put_u32be(seed + 19, index);
    chr_sha256_hash(sk, seed, sizeof(seed));
    if (ledger_signer_pubkey(ltest_signer(), pk, sk) != CHR_OK) {
        fprintf(stderr, "test key %u is not a valid secret key\n", index);
        abort();
    }
}

ledger_signer *ltest_signer(void)
{
    /* One signer for the whole binary; it stays reachable, so leak checkers keep quiet. */
    static ledger_signer *signer;
    if (signer == NULL) {
        uint8_t seed[32] = {0};
        if (chr_hash_init() != CHR_OK || ledger_signer_new(&signer, seed) != CHR_OK) {
            fprintf(stderr, "cannot create the test signer\n");
            abort();
        }
    }
    return signer;
}

void ltest_sign_tx(ledger_tx *tx, const uint8_t sk[32])
{
    uint8_t msg[CHR_HASH_LEN];
    uint8_t aux[32] = {0};
    ledger_tx_sighash(tx, msg);
    if (ledger_signer_sign(ltest_signer(), tx->sig, msg, sk, aux) != CHR_OK) {
        fprintf(stderr, "cannot sign a test transaction\n");
        abort();
    }
}

void ltest_transfer(ledger_tx *tx, const char *chain_id, const uint8_t from[32],
                    const uint8_t to[32], uint64_t nonce, uint64_t fee, uint64_t amount)
{
    if (ledger_tx_init(tx, LEDGER_TX_TRANSFER, chain_id, from, nonce, fee, 0, NULL, 0) != CHR_OK) {
        fprintf(stderr, "cannot build a test transaction\n");
        abort();
    }
    memcpy(tx->body.transfer.to, to, 32);
    tx->body.transfer.amount = amount;
}

/* The tests of ledger/tx.c. */

#define TX_ROUNDS 400
#define TX_TRUNC_ROUNDS 24

static const ledger_tx tx_zero;

static void rand_fill(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(chr_test_rand(rng) >> 56);
    }
}

/* A u64 that is often at an edge (0, 1, the maximum), else random. */
static uint64_t rand_u64(uint64_t *rng)
{
    uint64_t r = chr_test_rand(rng);
    switch (r % 8) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return UINT64_MAX;
    default:
        return chr_test_rand(rng);
    }
}

/* A valid chain id of 1..32 characters of [a-z0-9-], with no '-' at either end. */
static void rand_chain_id(uint64_t *rng, char out[LEDGER_CHAIN_ID_MAX + 1])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    size_t len = 1 + chr_test_rand(rng) % LEDGER_CHAIN_ID_MAX;
    for (size_t i = 0; i < len; i++) {
        size_t n = (i == 0 || i == len - 1) ? sizeof(alphabet) - 2 : sizeof(alphabet) - 1;
        out[i] = alphabet[chr_test_rand(rng) % n];
    }
    out[len] = '\0';
}

/* Exactly len bytes of valid UTF-8: code points of 1 to 4 bytes, never NUL, a surrogate
 * or above U+10FFFF. */
static void rand_utf8(uint64_t *rng, uint8_t *out, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t left = len - i;
        size_t n = 1 + chr_test_rand(rng) % (left < 4 ? left : 4);
        uint32_t cp;
        if (n == 1) {
            out[i] = (uint8_t)(1 + chr_test_rand(rng) % 0x7f);
        } else if (n == 2) {
            cp = 0x80 + (uint32_t)(chr_test_rand(rng) % (0x800 - 0x80));
            out[i] = (uint8_t)(0xc0 | (cp >> 6));
            out[i + 1] = (uint8_t)(0x80 | (cp & 0x3f));
        } else if (n == 3) {
            do {
                cp = 0x800 + (uint32_t)(chr_test_rand(rng) % (0x10000 - 0x800));
            } while (cp >= 0xd800 && cp <= 0xdfff);
            out[i] = (uint8_t)(0xe0 | (cp >> 12));
            out[i + 1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[i + 2] = (uint8_t)(0x80 | (cp & 0x3f));
        } else {
            cp = 0x10000 + (uint32_t)(chr_test_rand(rng) % (0x110000 - 0x10000));
            out[i] = (uint8_t)(0xf0 | (cp >> 18));
            out[i + 1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            out[i + 2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[i + 3] = (uint8_t)(0x80 | (cp & 0x3f));
        }
        i += n;
    }
}

/* A random transfer with a random chain id and memo; the signature is random bytes. */
static chr_err rand_tx(uint64_t *rng, ledger_tx *tx)
{
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint8_t from[32];
    uint8_t memo[LEDGER_MEMO_MAX];
    size_t memo_len = chr_test_rand(rng) % (LEDGER_MEMO_MAX + 1);
    rand_chain_id(rng, chain_id);
    rand_fill(rng, from, sizeof(from));
    rand_utf8(rng, memo, memo_len);
    chr_err err = ledger_tx_init(tx, LEDGER_TX_TRANSFER, chain_id, from, rand_u64(rng),
                                 rand_u64(rng), rand_u64(rng), memo, memo_len);
    rand_fill(rng, tx->body.transfer.to, 32);
    tx->body.transfer.amount = rand_u64(rng);
    rand_fill(rng, tx->sig, LEDGER_SIG_LEN);
    return err;
}

static int tx_equal(const ledger_tx *a, const ledger_tx *b)
{
    return a->type == b->type && a->chain_id_len == b->chain_id_len &&
           memcmp(a->chain_id, b->chain_id, sizeof(a->chain_id)) == 0 &&
           memcmp(a->from, b->from, 32) == 0 && a->nonce == b->nonce && a->fee == b->fee &&
           a->expiry_height == b->expiry_height && a->memo_len == b->memo_len &&
           memcmp(a->memo, b->memo, a->memo_len) == 0 &&
           memcmp(a->body.transfer.to, b->body.transfer.to, 32) == 0 &&
           a->body.transfer.amount == b->body.transfer.amount &&
           memcmp(a->sig, b->sig, LEDGER_SIG_LEN) == 0;
}

/* A transfer encoding written field by field, so that fields can hold what
 * ledger_tx_init would refuse. */
typedef struct raw_tx {
    uint8_t version;
    uint8_t type;
    const uint8_t *chain_id;
    size_t chain_id_len;
    const uint8_t *memo;
    size_t memo_len;
} raw_tx;

static size_t raw_encode(uint8_t *out, size_t cap, const raw_tx *r)
{
    uint8_t key[32];
    uint8_t sig[LEDGER_SIG_LEN];
    memset(key, 0x11, sizeof(key));
    memset(sig, 0x22, sizeof(sig));
    chr_enc enc;
    chr_enc_init(&enc, out, cap);
    chr_enc_u8(&enc, r->version);
    chr_enc_u8(&enc, r->type);
    chr_enc_bytes8(&enc, r->chain_id, r->chain_id_len);
    chr_enc_raw(&enc, key, 32);
    chr_enc_u64(&enc, 7);
    chr_enc_u64(&enc, 1000);
    chr_enc_u64(&enc, 0);
    chr_enc_bytes16(&enc, r->memo, r->memo_len);
    key[0] = 0x33;
    chr_enc_raw(&enc, key, 32);
    chr_enc_u64(&enc, 5);
    chr_enc_raw(&enc, sig, sizeof(sig));
    size_t len = 0;
    if (chr_enc_finish(&enc, &len) != CHR_OK) {
        abort();
    }
    return len;
}

static chr_err raw_decode(const raw_tx *r)
{
    uint8_t buf[2048];
    size_t len = raw_encode(buf, sizeof(buf), r);
    ledger_tx tx;
    memset(&tx, 0xaa, sizeof(tx));
    chr_err err = ledger_tx_decode(&tx, buf, len);
    if (err != CHR_OK && memcmp(&tx, &tx_zero, sizeof(tx)) != 0) {
        return CHR_ERR_ARG; /* a failed decode must leave its output zeroed */
    }
    return err;
}

static chr_err raw_decode_memo(const uint8_t *memo, size_t memo_len)
{
    raw_tx r = {1, 1, (const uint8_t *)"chroom", 6, memo, memo_len};
    return raw_decode(&r);
}

static chr_err raw_decode_chain_id(const char *chain_id, size_t len)
{
    raw_tx r = {1, 1, (const uint8_t *)chain_id, len, NULL, 0};
    return raw_decode(&r);
}

void test_tx_round_trip_random(void)
{
    /* Random transfers (memos of 0..256 bytes of UTF-8, random chain ids, edge integers)
     * decode to the same fields and re-encode to the same bytes. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    for (int round = 0; round < TX_ROUNDS; round++) {
        ledger_tx tx;
        CHECK_OK(rand_tx(&rng, &tx));
        uint8_t buf[LEDGER_TX_BYTES_MAX];
        size_t len;
        CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
        CHECK(len == (size_t)1 + 1 + 1 + tx.chain_id_len + 32 + 8 + 8 + 8 + 2 + tx.memo_len + 32 +
                         8 + LEDGER_SIG_LEN);
        ledger_tx back;
        CHECK_OK(ledger_tx_decode(&back, buf, len));
        CHECK(tx_equal(&tx, &back));
        CHECK(back.chain_id[back.chain_id_len] == '\0');
        uint8_t again[LEDGER_TX_BYTES_MAX];
        size_t again_len;
        CHECK_OK(ledger_tx_encode(&back, again, sizeof(again), &again_len));
        CHECK(again_len == len && memcmp(again, buf, len) == 0);
        uint8_t h1[32];
        uint8_t h2[32];
        ledger_tx_hash(&back, h1);
        chr_sha256_hash(h2, buf, len);
        CHECK(memcmp(h1, h2, 32) == 0);
        CHECK(ledger_tx_encode(&tx, again, len - 1, &again_len) == CHR_ERR_TOO_LONG);
    }
}

void test_tx_encoding_layout(void)
{
    /* The encoding is the one tx.h documents, byte for byte: version, type, bytes8 chain
     * id, from, big-endian nonce, fee, expiry, bytes16 memo, to, amount, signature. */
    ledger_tx tx;
    uint8_t from[32];
    memset(from, 0xf1, sizeof(from));
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "ab-1", from, 0x0102030405060708ULL, 1000,
                            0x10, (const uint8_t *)"hi", 2));
    memset(tx.body.transfer.to, 0x7e, 32);
    tx.body.transfer.amount = 0xa1a2a3a4a5a6a7a8ULL;
    memset(tx.sig, 0x5a, sizeof(tx.sig));
    uint8_t want[1 + 1 + 1 + 4 + 32 + 24 + 2 + 2 + 32 + 8 + 64];
    uint8_t *p = want;
    *p++ = 1;
    *p++ = 1;
    *p++ = 4;
    memcpy(p, "ab-1", 4);
    p += 4;
    memset(p, 0xf1, 32);
    p += 32;
    chr_put_u64be(p, 0x0102030405060708ULL);
    chr_put_u64be(p + 8, 1000);
    chr_put_u64be(p + 16, 0x10);
    p += 24;
    *p++ = 0;
    *p++ = 2;
    *p++ = 'h';
    *p++ = 'i';
    memset(p, 0x7e, 32);
    p += 32;
    chr_put_u64be(p, 0xa1a2a3a4a5a6a7a8ULL);
    p += 8;
    memset(p, 0x5a, 64);
    p += 64;
    CHECK((size_t)(p - want) == sizeof(want));
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    CHECK(len == sizeof(want) && memcmp(buf, want, len) == 0);
}

void test_tx_decode_rejects_header(void)
{
    /* A wrong version is CHR_ERR_VERSION and an unknown type CHR_ERR_TX_TYPE, and a
     * failed decode zeroes its output. */
    static const uint8_t versions[] = {0, 2, 0x7f, 0xff};
    static const uint8_t types[] = {0, 2, 3, 0xff};
    for (size_t i = 0; i < sizeof(versions); i++) {
        raw_tx r = {versions[i], 1, (const uint8_t *)"chroom", 6, NULL, 0};
        CHECK(raw_decode(&r) == CHR_ERR_VERSION);
    }
    for (size_t i = 0; i < sizeof(types); i++) {
        raw_tx r = {1, types[i], (const uint8_t *)"chroom", 6, NULL, 0};
        CHECK(raw_decode(&r) == CHR_ERR_TX_TYPE);
    }
    raw_tx ok = {1, 1, (const uint8_t *)"chroom", 6, NULL, 0};
    CHECK_OK(raw_decode(&ok));
}

void test_tx_decode_rejects_chain_id(void)
{
    /* Chain ids of length 0 or 33, with a character outside [a-z0-9-], or with a '-' at
     * either end are CHR_ERR_CHAIN_ID; 1 and 32 characters are fine. */
    static const char *const bad[] = {"-chroom", "chroom-", "-",       "Chroom",
                                      "chr_oom", "chr oom", "chr.oom", "chroom\xc3\xa9"};
    char id[255];
    memset(id, 'a', sizeof(id));
    CHECK(raw_decode_chain_id(id, 0) == CHR_ERR_CHAIN_ID);
    CHECK(raw_decode_chain_id(id, LEDGER_CHAIN_ID_MAX + 1) == CHR_ERR_CHAIN_ID);
    CHECK(raw_decode_chain_id(id, 255) == CHR_ERR_CHAIN_ID);
    CHECK_OK(raw_decode_chain_id(id, 1));
    CHECK_OK(raw_decode_chain_id(id, LEDGER_CHAIN_ID_MAX));
    CHECK_OK(raw_decode_chain_id("a-0-z", 5));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(raw_decode_chain_id(bad[i], strlen(bad[i])) == CHR_ERR_CHAIN_ID);
    }
    CHECK(raw_decode_chain_id("ch\0om", 5) == CHR_ERR_CHAIN_ID);
    ledger_tx tx;
    uint8_t from[32] = {0};
    CHECK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "", from, 0, 0, 0, NULL, 0) == CHR_ERR_CHAIN_ID);
    CHECK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "-x", from, 0, 0, 0, NULL, 0) ==
          CHR_ERR_CHAIN_ID);
    id[LEDGER_CHAIN_ID_MAX + 1] = '\0';
    CHECK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, id, from, 0, 0, 0, NULL, 0) == CHR_ERR_CHAIN_ID);
    CHECK(ledger_chain_id_valid("a", 1) && !ledger_chain_id_valid("a", 0));
    CHECK(!ledger_chain_id_valid("ab-", 3) && ledger_chain_id_valid("a-b", 3));
}

void test_tx_decode_rejects_memo(void)
{
    /* A memo over 256 bytes, or that is not UTF-8 (overlong forms, surrogates, NUL, code
     * points above U+10FFFF, stray or missing continuation bytes) is CHR_ERR_MEMO; the
     * edges of each UTF-8 range are accepted. */
    static const char *const bad[] = {"\xc0\x80",
                                      "\xc1\xbf",
                                      "\xe0\x80\x80",
                                      "\xe0\x9f\xbf",
                                      "\xf0\x80\x80\x80",
                                      "\xf0\x8f\xbf\xbf",
                                      "\xed\xa0\x80",
                                      "\xed\xbf\xbf",
                                      "\xf4\x90\x80\x80",
                                      "\xf5\x80\x80\x80",
                                      "\xff",
                                      "\x80",
                                      "a\xbf",
                                      "\xe2\x82",
                                      "\xc2",
                                      "\xf0\x90\x80",
                                      "\xc2\x41",
                                      "\xe2\x28\xa1",
                                      "\xf8\x88\x80\x80\x80"};
    static const char *const good[] = {"\x7f",
                                       "\xc2\x80",
                                       "\xdf\xbf",
                                       "\xe0\xa0\x80",
                                       "\xed\x9f\xbf",
                                       "\xee\x80\x80",
                                       "\xef\xbf\xbf",
                                       "\xf0\x90\x80\x80",
                                       "\xf4\x8f\xbf\xbf",
                                       "caf\xc3\xa9 \xe2\x82\xac"};
    uint8_t memo[LEDGER_MEMO_MAX + 2];
    memset(memo, 'm', sizeof(memo));
    CHECK_OK(raw_decode_memo(memo, 0));
    CHECK_OK(raw_decode_memo(memo, LEDGER_MEMO_MAX));
    CHECK(raw_decode_memo(memo, LEDGER_MEMO_MAX + 1) == CHR_ERR_MEMO);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(raw_decode_memo((const uint8_t *)bad[i], strlen(bad[i])) == CHR_ERR_MEMO);
        CHECK(!ledger_utf8_valid((const uint8_t *)bad[i], strlen(bad[i])));
    }
    static const uint8_t nul[] = {'a', 0, 'b'};
    CHECK(raw_decode_memo(nul, 1 + 0) == CHR_OK);
    CHECK(raw_decode_memo(nul, sizeof(nul)) == CHR_ERR_MEMO);
    CHECK(raw_decode_memo(nul + 1, 1) == CHR_ERR_MEMO);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK_OK(raw_decode_memo((const uint8_t *)good[i], strlen(good[i])));
    }
    ledger_tx tx;
    uint8_t from[32] = {0};
    CHECK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "c", from, 0, 0, 0, memo, LEDGER_MEMO_MAX + 1) ==
          CHR_ERR_MEMO);
    CHECK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "c", from, 0, 0, 0, nul, sizeof(nul)) ==
          CHR_ERR_MEMO);
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "c", from, 0, 0, 0, memo, LEDGER_MEMO_MAX));
}

void test_tx_decode_rejects_truncation(void)
{
    /* Every proper prefix of a valid encoding is rejected as CHR_ERR_TRUNCATED, with the
     * output zeroed; never accepted. */
    uint64_t rng = chr_test_seed() ^ 0x7472756e63ULL;
    for (int round = 0; round < TX_TRUNC_ROUNDS; round++) {
        ledger_tx tx;
        CHECK_OK(rand_tx(&rng, &tx));
        uint8_t buf[LEDGER_TX_BYTES_MAX];
        size_t len;
        CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
        for (size_t cut = 0; cut < len; cut++) {
            /* An exact-size copy, so that ASan sees any read past the end. */
            uint8_t *copy = malloc(cut > 0 ? cut : 1);
            CHECK(copy != NULL);
            memcpy(copy, buf, cut);
            ledger_tx back;
            chr_err err = ledger_tx_decode(&back, copy, cut);
            free(copy);
            CHECK(err == CHR_ERR_TRUNCATED);
            CHECK(memcmp(&back, &tx_zero, sizeof(back)) == 0);
        }
    }
}

void test_tx_decode_rejects_trailing_and_size(void)
{
    /* Bytes after a transaction are CHR_ERR_TRAILING; input over LEDGER_TX_BYTES_MAX, or over
     * LEDGER_TX_BYTES_BASE_MAX for a type other than meeting-settle, is CHR_ERR_TX_SIZE
     * before anything else is looked at. */
    uint8_t memo[LEDGER_MEMO_MAX];
    memset(memo, 'x', sizeof(memo));
    ledger_tx tx;
    uint8_t from[32] = {1};
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "chroom", from, 1, 2, 3, memo, sizeof(memo)));
    tx.body.transfer.amount = 9;
    uint8_t buf[LEDGER_TX_BYTES_MAX + 1];
    memset(buf, 0, sizeof(buf));
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    ledger_tx back;
    CHECK_OK(ledger_tx_decode(&back, buf, len));
    CHECK(ledger_tx_decode(&back, buf, len + 1) == CHR_ERR_TRAILING);
    CHECK(memcmp(&back, &tx_zero, sizeof(back)) == 0);
    CHECK(ledger_tx_decode(&back, buf, LEDGER_TX_BYTES_BASE_MAX) == CHR_ERR_TRAILING);
    CHECK(ledger_tx_decode(&back, buf, LEDGER_TX_BYTES_BASE_MAX + 1) == CHR_ERR_TX_SIZE);
    CHECK(ledger_tx_decode(&back, buf, LEDGER_TX_BYTES_MAX + 1) == CHR_ERR_TX_SIZE);
    /* A meeting-settle may pass the base limit: its own checks answer, not the size. */
    buf[1] = LEDGER_TX_MEETING_SETTLE;
    CHECK(ledger_tx_decode(&back, buf, LEDGER_TX_BYTES_MAX) != CHR_ERR_TX_SIZE);
    CHECK(ledger_tx_decode(&back, buf, LEDGER_TX_BYTES_MAX + 1) == CHR_ERR_TX_SIZE);
    uint8_t *big = calloc(1, 4 * LEDGER_TX_BYTES_MAX);
    CHECK(big != NULL);
    big[0] = 1;
    big[1] = 1;
    chr_err err = ledger_tx_decode(&back, big, 4 * LEDGER_TX_BYTES_MAX);
    free(big);
    CHECK(err == CHR_ERR_TX_SIZE);
}

void test_tx_sign_and_verify(void)
{
    /* A transfer signed with ledger_signer_sign over ledger_tx_sighash verifies, and the
     * signed message is tagged_hash("CHROOM/tx", every byte before the signature). */
    CHECK_OK(chr_hash_init());
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t to_sk[32];
    uint8_t to[32];
    ltest_key(sk, pk, 1);
    ltest_key(to_sk, to, 2);
    ledger_tx tx;
    ltest_transfer(&tx, "chroom-test", pk, to, 0, 1000, 5);
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_SIGNATURE);
    ltest_sign_tx(&tx, sk);
    CHECK_OK(ledger_tx_verify(&tx));
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    uint8_t want[32];
    uint8_t got[32];
    chr_tagged_hash(want, LEDGER_TX_TAG, buf, len - LEDGER_SIG_LEN);
    ledger_tx_sighash(&tx, got);
    CHECK(memcmp(want, got, 32) == 0);
    CHECK_OK(ledger_sig_verify(tx.sig, want, pk));
    /* The signature does not move the sighash, and the id covers the signature. */
    uint8_t id1[32];
    uint8_t id2[32];
    ledger_tx_hash(&tx, id1);
    tx.sig[0] ^= 1;
    ledger_tx_sighash(&tx, got);
    ledger_tx_hash(&tx, id2);
    CHECK(memcmp(want, got, 32) == 0);
    CHECK(memcmp(id1, id2, 32) != 0);
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_SIGNATURE);
    /* Signed by another key. */
    ltest_sign_tx(&tx, to_sk);
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_SIGNATURE);
}

void test_tx_any_byte_flip_detected(void)
{
    /* Flipping bits of any single byte of a signed transaction's encoding makes it either
     * fail to decode or fail to verify. */
    CHECK_OK(chr_hash_init());
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t to_sk[32];
    uint8_t to[32];
    ltest_key(sk, pk, 3);
    ltest_key(to_sk, to, 4);
    ledger_tx tx;
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "chroom-flip", pk, 17, 1500, 99,
                            (const uint8_t *)"invoice 42", 10));
    memcpy(tx.body.transfer.to, to, 32);
    tx.body.transfer.amount = 123456;
    ltest_sign_tx(&tx, sk);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    size_t decoded = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t m = 0; m < sizeof(masks); m++) {
            uint8_t copy[LEDGER_TX_BYTES_MAX];
            memcpy(copy, buf, len);
            copy[i] ^= masks[m];
            ledger_tx back;
            if (ledger_tx_decode(&back, copy, len) != CHR_OK) {
                continue;
            }
            decoded++;
            CHECK(ledger_tx_verify(&back) != CHR_OK);
        }
    }
    /* Most flips (in keys, integers, memo text, signature) still decode. */
    CHECK(decoded > len);
}

void test_tx_signature_bound_to_chain_id(void)
{
    /* A signature made for chain id A does not verify when the transaction claims chain id
     * B, and ledger_tx_check against A rejects the transaction for B. */
    CHECK_OK(chr_hash_init());
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t to_sk[32];
    uint8_t to[32];
    ltest_key(sk, pk, 5);
    ltest_key(to_sk, to, 6);
    ledger_tx a;
    ltest_transfer(&a, "chroom-a", pk, to, 0, 1000, 10);
    ltest_sign_tx(&a, sk);
    CHECK_OK(ledger_tx_verify(&a));
    ledger_tx b;
    ltest_transfer(&b, "chroom-b", pk, to, 0, 1000, 10);
    memcpy(b.sig, a.sig, LEDGER_SIG_LEN);
    CHECK(ledger_tx_verify(&b) == CHR_ERR_SIGNATURE);
    /* Through the wire as well. */
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&b, buf, sizeof(buf), &len));
    ledger_tx back;
    CHECK_OK(ledger_tx_decode(&back, buf, len));
    CHECK(ledger_tx_verify(&back) == CHR_ERR_SIGNATURE);
    ledger_params params;
    ledger_params_default(&params);
    char detail[128];
    CHECK(ledger_tx_check(&b, "chroom-a", &params, detail, sizeof(detail)) == CHR_ERR_CHAIN_ID);
    CHECK(strcmp(detail, "chain_id: expected chroom-a, got chroom-b") == 0);
    CHECK_OK(ledger_tx_check(&a, "chroom-a", &params, detail, sizeof(detail)));
    CHECK(detail[0] == '\0');
}

void test_tx_signature_bound_to_domain(void)
{
    /* A signature by the right key over the same unsigned bytes but another domain
     * ("CHROOM/vote", or plain SHA-256) does not verify as a transaction. */
    CHECK_OK(chr_hash_init());
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t to_sk[32];
    uint8_t to[32];
    ltest_key(sk, pk, 7);
    ltest_key(to_sk, to, 8);
    ledger_tx tx;
    ltest_transfer(&tx, "chroom", pk, to, 3, 1000, 10);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    uint8_t aux[32] = {0};
    uint8_t msg[32];
    chr_tagged_hash(msg, "CHROOM/vote", buf, len - LEDGER_SIG_LEN);
    CHECK_OK(ledger_signer_sign(ltest_signer(), tx.sig, msg, sk, aux));
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_SIGNATURE);
    chr_sha256_hash(msg, buf, len - LEDGER_SIG_LEN);
    CHECK_OK(ledger_signer_sign(ltest_signer(), tx.sig, msg, sk, aux));
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_SIGNATURE);
    chr_tagged_hash(msg, LEDGER_TX_TAG, buf, len - LEDGER_SIG_LEN);
    CHECK_OK(ledger_signer_sign(ltest_signer(), tx.sig, msg, sk, aux));
    CHECK_OK(ledger_tx_verify(&tx));
}

/* The first x (as a 32-byte big-endian number counting up from 0) that is not the x
 * coordinate of a curve point. */
static int find_off_curve(uint8_t out[32])
{
    memset(out, 0, 32);
    for (uint32_t x = 0; x < 1000; x++) {
        chr_put_u32be(out + 28, x);
        if (!ledger_pubkey_valid(out)) {
            return 1;
        }
    }
    return 0;
}

void test_tx_check_rules(void)
{
    /* ledger_tx_check accepts a good transfer and rejects, each with its own error, a fee
     * below the minimum (with the detail text), a zero amount, a transfer to oneself, a
     * recipient that is not a curve point, a wrong chain id and an unknown type. */
    CHECK_OK(chr_hash_init());
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t to_sk[32];
    uint8_t to[32];
    ltest_key(sk, pk, 9);
    ltest_key(to_sk, to, 10);
    ledger_params params;
    ledger_params_default(&params);
    CHECK(params.fee_transfer == 1000);
    char detail[128];
    ledger_tx tx;
    ltest_transfer(&tx, "chroom", pk, to, 0, 1000, 1);
    CHECK_OK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)));
    CHECK(detail[0] == '\0');
    CHECK_OK(ledger_tx_check(&tx, "chroom", &params, NULL, 0));

    tx.fee = 999;
    CHECK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)) == CHR_ERR_FEE);
    CHECK(strcmp(detail, "fee: minimum 1000, got 999") == 0);
    CHECK(ledger_tx_check(&tx, "chroom", &params, NULL, 0) == CHR_ERR_FEE);
    char small[8];
    CHECK(ledger_tx_check(&tx, "chroom", &params, small, sizeof(small)) == CHR_ERR_FEE);
    CHECK(strcmp(small, "fee: mi") == 0);
    tx.fee = 0;
    CHECK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)) == CHR_ERR_FEE);
    CHECK(strcmp(detail, "fee: minimum 1000, got 0") == 0);
    params.fee_transfer = 0;
    CHECK_OK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)));
    ledger_params_default(&params);
    tx.fee = UINT64_MAX;
    CHECK_OK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)));
    tx.fee = 1000;

    tx.body.transfer.amount = 0;
    CHECK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)) == CHR_ERR_AMOUNT);
    tx.body.transfer.amount = UINT64_MAX;
    CHECK_OK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)));

    memcpy(tx.body.transfer.to, pk, 32);
    CHECK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)) == CHR_ERR_SELF_TRANSFER);

    uint8_t off[32];
    CHECK(find_off_curve(off));
    /* A recipient off the curve passes the cheap checks and fails verification, which
     * does the curve work (on the node's verifier threads). */
    memcpy(tx.body.transfer.to, off, 32);
    CHECK_OK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)));
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_PUBKEY);
    /* The field size p itself is no coordinate either. */
    chr_test_hex(tx.body.transfer.to, 32,
                 "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_PUBKEY);
    memcpy(tx.body.transfer.to, to, 32);

    CHECK(ledger_tx_check(&tx, "chroom-other", &params, detail, sizeof(detail)) ==
          CHR_ERR_CHAIN_ID);
    CHECK(ledger_tx_check(&tx, "chroo", &params, detail, sizeof(detail)) == CHR_ERR_CHAIN_ID);
    tx.type = 2;
    CHECK(ledger_tx_check(&tx, "chroom", &params, detail, sizeof(detail)) == CHR_ERR_TX_TYPE);
}
