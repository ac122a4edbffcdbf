/* SHA-256 (FIPS 180-4), written here: a compression function in portable C and, on x86-64
 * processors with the SHA extensions, one with their instructions, chosen once by
 * chr_hash_init. The node hashes every transaction, trie node and header, and libsodium's
 * portable compression was a tenth of a loaded node's CPU (docs/ARCHITECTURE.md,
 * "Hashing"). Both give the same digests; the unit tests check each against the FIPS 180-4
 * examples and against libsodium. */
#include "common/hash.h"

#include <sodium.h>
#include <string.h>

#include "common/assert.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CHR_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define CHR_SHA_X86 0
#endif

/* The context inside chr_sha256's opaque words. */
typedef struct sha256_state {
    uint32_t h[8];
    uint64_t bytes; /* hashed so far, the buffered ones included */
    uint8_t buf[64];
} sha256_state;

_Static_assert(sizeof(chr_sha256) >= sizeof(sha256_state), "chr_sha256 holds the state");
_Static_assert(_Alignof(chr_sha256) >= _Alignof(sha256_state), "and is aligned for it");

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Compresses `blocks` 64-byte blocks from data into h: the portable version. */
static void compress_c(uint32_t h[8], const uint8_t *data, size_t blocks)
{
    for (; blocks > 0; blocks--, data += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) {
            w[t] = load_be32(data + 4 * t);
        }
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                          K256[t] + w[t];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
    }
}

#if CHR_SHA_X86
/* The same with the SHA extensions. They keep the eight words as two vectors, ABEF and CDGH;
 * sha256rnds2 does two rounds with the message words plus constants in the low half of its
 * third operand, and sha256msg1/msg2 extend the message schedule four words at a time. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_x86(uint32_t h[8], const uint8_t *data, size_t blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (; blocks > 0; blocks--, data += 64) {
        __m128i abef_in = abef;
        __m128i cdgh_in = cdgh;
        __m128i w[4];
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), bswap);
            } else {
                /* W[t-16] + s0(W[t-15]), + W[t-7], + s1(W[t-2]), for t = 4g .. 4g+3. */
                __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(x, w[(g + 3) & 3]);
            }
            __m128i m = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K256[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static int cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3)) {
        return 0;
    }
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA) != 0;
}
#endif

typedef void compress_fn(uint32_t h[8], const uint8_t *data, size_t blocks);
/* Set by chr_hash_init before any thread starts; read-only afterwards. */
static compress_fn *compress = compress_c;

chr_err chr_hash_init(void)
{
#if CHR_SHA_X86
    compress = cpu_has_sha() ? compress_x86 : compress_c;
#endif
    return sodium_init() < 0 ? CHR_ERR_CRYPTO : CHR_OK;
}

const char *chr_sha256_impl(void)
{
    return compress == compress_c ? "portable" : "sha-ni";
}

int chr_sha256_use_portable(int portable)
{
    compress = compress_c;
#if CHR_SHA_X86
    if (!portable && cpu_has_sha()) {
        compress = compress_x86;
    }
#else
    (void)portable;
#endif
    return compress != compress_c;
}

void chr_sha256_start(chr_sha256 *ctx)
{
    sha256_state *s = (sha256_state *)ctx;
    memcpy(s->h, H0, sizeof(H0));
    s->bytes = 0;
}

void chr_sha256_update(chr_sha256 *ctx, const uint8_t *in, size_t in_len)
{
    CHR_ASSERT(in != NULL || in_len == 0);
    if (in_len == 0) {
        return;
    }
    sha256_state *s = (sha256_state *)ctx;
    size_t used = (size_t)(s->bytes % 64);
    s->bytes += in_len;
    if (used > 0) {
        size_t take = 64 - used < in_len ? 64 - used : in_len;
        memcpy(s->buf + used, in, take);
        in += take;
        in_len -= take;
        if (used + take < 64) {
            return;
        }
        compress(s->h, s->buf, 1);
    }
    if (in_len >= 64) {
        compress(s->h, in, in_len / 64);
        in += in_len - in_len % 64;
        in_len %= 64;
    }
    if (in_len > 0) {
        memcpy(s->buf, in, in_len);
    }
}

void chr_sha256_final(chr_sha256 *ctx, uint8_t out[CHR_HASH_LEN])
{
    sha256_state *s = (sha256_state *)ctx;
    size_t used = (size_t)(s->bytes % 64);
    uint64_t bits = s->bytes * 8;
    s->buf[used++] = 0x80;
    if (used > 56) {
        memset(s->buf + used, 0, 64 - used);
        compress(s->h, s->buf, 1);
        used = 0;
    }
    memset(s->buf + used, 0, 56 - used);
    for (int i = 0; i < 8; i++) {
        s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    }
    compress(s->h, s->buf, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
    sodium_memzero(s, sizeof(*s));
}

void chr_sha256_hash(uint8_t out[CHR_HASH_LEN], const uint8_t *in, size_t in_len)
{
    CHR_ASSERT(in != NULL || in_len == 0);
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    chr_sha256_update(&ctx, in, in_len);
    chr_sha256_final(&ctx, out);
}

void chr_tagged_start(chr_sha256 *ctx, const char *tag)
{
    uint8_t tag_hash[CHR_HASH_LEN];
    chr_sha256_hash(tag_hash, (const uint8_t *)tag, strlen(tag));
    chr_sha256_start(ctx);
    chr_sha256_update(ctx, tag_hash, sizeof(tag_hash));
    chr_sha256_update(ctx, tag_hash, sizeof(tag_hash));
}

void chr_tagged_hash(uint8_t out[CHR_HASH_LEN], const char *tag, const uint8_t *msg, size_t msg_len)
{
    chr_sha256 ctx;
    chr_tagged_start(&ctx, tag);
    chr_sha256_update(&ctx, msg, msg_len);
    chr_sha256_final(&ctx, out);
}
