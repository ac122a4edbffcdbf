#include <sodium.h>
#include <string.h>

#include "common/hash.h"
#include "common/hex.h"
#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

/* FIPS 180-4's examples (and the NIST CAVP short messages they come with), as hex. */
typedef struct hash_vector {
    const char *msg;
    size_t repeat; /* msg taken this many times */
    const char *digest;
} hash_vector;

static const hash_vector vectors[] = {
    {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"
     "opqrsmnopqrstnopqrstu",
     1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

/* The digest of vector v, fed in pieces of `piece` bytes (0: all at once). */
static void vector_digest(const hash_vector *v, size_t piece, uint8_t out[32])
{
    size_t len = strlen(v->msg);
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    for (size_t r = 0; r < v->repeat; r++) {
        const uint8_t *p = (const uint8_t *)v->msg;
        size_t left = len;
        while (left > 0) {
            size_t n = piece == 0 || piece > left ? left : piece;
            chr_sha256_update(&ctx, p, n);
            p += n;
            left -= n;
        }
    }
    chr_sha256_final(&ctx, out);
}

/* Proves both compressions (the SHA extensions' when this processor has them, and the
 * portable one) give FIPS 180-4's digests, whole and fed in pieces across block edges. */
void test_sha256_fips_vectors(void)
{
    CHECK_OK(chr_hash_init());
    for (int portable = 0; portable <= 1; portable++) {
        int sha_ni = chr_sha256_use_portable(portable);
        CHECK(!(portable && sha_ni));
        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
            uint8_t want[32];
            CHECK_OK(chr_hex_decode_exact(want, sizeof(want), vectors[i].digest, 64));
            static const size_t pieces[] = {0, 1, 3, 55, 63, 64, 65};
            for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
                uint8_t got[32];
                vector_digest(&vectors[i], pieces[k], got);
                CHECK(memcmp(got, want, 32) == 0);
            }
        }
    }
    CHECK_OK(chr_hash_init()); /* back to what the processor runs best */
}

/* Proves both compressions agree with libsodium's SHA-256 on every length from 0 to 600
 * bytes and on random splits of random messages, so the padding and buffering at each
 * block edge are right. */
void test_sha256_matches_libsodium(void)
{
    CHECK_OK(chr_hash_init());
    uint8_t msg[600];
    randombytes_buf(msg, sizeof(msg));
    for (int portable = 0; portable <= 1; portable++) {
        (void)chr_sha256_use_portable(portable);
        for (size_t len = 0; len <= sizeof(msg); len++) {
            uint8_t want[32], got[32];
            crypto_hash_sha256(want, msg, len);
            chr_sha256_hash(got, msg, len);
            CHECK(memcmp(got, want, 32) == 0);
            chr_sha256 ctx;
            chr_sha256_start(&ctx);
            size_t at = 0;
            while (at < len) {
                size_t n = 1 + randombytes_uniform((uint32_t)(len - at < 130 ? len - at : 130));
                chr_sha256_update(&ctx, msg + at, n);
                at += n;
            }
            chr_sha256_final(&ctx, got);
            CHECK(memcmp(got, want, 32) == 0);
        }
    }
    CHECK_OK(chr_hash_init());
}
