#include "common/enc.h"
#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

/* Proves integers encode big-endian at fixed width and decode back to the same value. */
void test_enc_integers_round_trip(void)
{
    uint8_t buf[32];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    chr_enc_u8(&enc, 0xab);
    chr_enc_u16(&enc, 0x1234);
    chr_enc_u32(&enc, 0xdeadbeef);
    chr_enc_u64(&enc, 0x0102030405060708ULL);
    size_t len;
    CHECK_OK(chr_enc_finish(&enc, &len));
    CHECK(len == 15);
    static const uint8_t want[15] = {0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 1,
                                     2,    3,    4,    5,    6,    7,    8};
    CHECK(memcmp(buf, want, 15) == 0);
    chr_dec dec;
    chr_dec_init(&dec, buf, len);
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    CHECK_OK(chr_dec_u8(&dec, &a));
    CHECK_OK(chr_dec_u16(&dec, &b));
    CHECK_OK(chr_dec_u32(&dec, &c));
    CHECK_OK(chr_dec_u64(&dec, &d));
    CHECK_OK(chr_dec_finish(&dec));
    CHECK(a == 0xab && b == 0x1234 && c == 0xdeadbeef && d == 0x0102030405060708ULL);
}

/* Proves a write past the capacity is reported once at finish and writes nothing more. */
void test_enc_overflow_reported(void)
{
    uint8_t buf[3];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    chr_enc_u16(&enc, 1);
    chr_enc_u16(&enc, 2);
    size_t len = 99;
    CHECK(chr_enc_finish(&enc, &len) == CHR_ERR_TOO_LONG);
    CHECK(len == 0);
}

/* Proves declared lengths are checked against their maximum and the bytes left. */
void test_dec_lengths_bounded(void)
{
    const uint8_t over_max[] = {0x00, 0x05, 'a', 'b', 'c', 'd', 'e'};
    const uint8_t truncated[] = {0x00, 0x09, 'a', 'b'};
    const uint8_t *p;
    size_t n;
    chr_dec dec;
    chr_dec_init(&dec, over_max, sizeof(over_max));
    CHECK(chr_dec_bytes16(&dec, &p, &n, 4) == CHR_ERR_TOO_LONG);
    CHECK(p == NULL && n == 0);
    chr_dec_init(&dec, over_max, sizeof(over_max));
    CHECK_OK(chr_dec_bytes16(&dec, &p, &n, 5));
    CHECK(n == 5 && memcmp(p, "abcde", 5) == 0);
    CHECK_OK(chr_dec_finish(&dec));
    chr_dec_init(&dec, truncated, sizeof(truncated));
    CHECK(chr_dec_bytes16(&dec, &p, &n, 100) == CHR_ERR_TRUNCATED);
    chr_dec_init(&dec, truncated, 1);
    uint16_t v;
    CHECK(chr_dec_u16(&dec, &v) == CHR_ERR_TRUNCATED);
}

/* Proves trailing bytes after a value are an error, never ignored. */
void test_dec_trailing_rejected(void)
{
    const uint8_t in[] = {1, 2};
    chr_dec dec;
    chr_dec_init(&dec, in, sizeof(in));
    uint8_t v;
    CHECK_OK(chr_dec_u8(&dec, &v));
    CHECK(chr_dec_finish(&dec) == CHR_ERR_TRAILING);
}

/* Proves checked arithmetic catches u64 overflow at the exact boundary. */
void test_checked_arithmetic(void)
{
    uint64_t r;
    CHECK_OK(chr_add_u64(&r, UINT64_MAX - 1, 1));
    CHECK(r == UINT64_MAX);
    CHECK(chr_add_u64(&r, UINT64_MAX, 1) == CHR_ERR_OVERFLOW);
    CHECK(r == 0);
    CHECK_OK(chr_mul_u64(&r, 1ULL << 32, (1ULL << 32) - 1));
    CHECK(chr_mul_u64(&r, 1ULL << 32, 1ULL << 32) == CHR_ERR_OVERFLOW);
}

/* Proves every error has a distinct stable code and a description. */
void test_err_names(void)
{
    CHECK(strcmp(chr_err_name(CHR_ERR_NONCE), "nonce_mismatch") == 0);
    CHECK(strcmp(chr_err_name((chr_err)9999), "unknown_error") == 0);
    CHECK(strcmp(chr_err_str(CHR_OK), "success") == 0);
}
