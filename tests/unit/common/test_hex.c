#include "common/hex.h"
#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

/* Proves encoding writes two lowercase digits per byte and a NUL, and decodes back. */
void test_hex_encode_round_trip(void)
{
    const uint8_t in[5] = {0x00, 0x01, 0xab, 0xcd, 0xff};
    char out[11];
    memset(out, 'x', sizeof(out));
    chr_hex_encode(out, sizeof(out), in, sizeof(in));
    CHECK(strcmp(out, "0001abcdff") == 0);
    uint8_t back[5];
    size_t n;
    CHECK_OK(chr_hex_decode(back, sizeof(back), &n, out, 10));
    CHECK(n == 5 && memcmp(back, in, 5) == 0);
    chr_hex_encode(out, 1, in, 0);
    CHECK(out[0] == '\0');
    CHECK_OK(chr_hex_decode(back, 0, &n, "", 0));
    CHECK(n == 0);
}

/* Proves upper and mixed case digits decode to the same bytes as lower case. */
void test_hex_upper_case_accepted(void)
{
    uint8_t a[4];
    uint8_t b[4];
    size_t n;
    CHECK_OK(chr_hex_decode(a, sizeof(a), &n, "DEADBEEF", 8));
    CHECK(n == 4);
    CHECK_OK(chr_hex_decode(b, sizeof(b), &n, "deadBeeF", 8));
    CHECK(n == 4 && memcmp(a, b, 4) == 0);
    CHECK(a[0] == 0xde && a[3] == 0xef);
}

/* Proves an odd length and every kind of non-hex character (prefix, space, sign, letters
 * past f, bytes with the high bit set, NUL) are CHR_ERR_HEX with *out_len zero. */
void test_hex_bad_input_rejected(void)
{
    uint8_t out[8];
    size_t n = 99;
    CHECK(chr_hex_decode(out, sizeof(out), &n, "abc", 3) == CHR_ERR_HEX);
    CHECK(n == 0);
    const char *bad[] = {"0x12", " 123", "12 3", "+1", "0g", "G0", "zz", "\3770"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = 99;
        CHECK(chr_hex_decode(out, sizeof(out), &n, bad[i], strlen(bad[i])) == CHR_ERR_HEX);
        CHECK(n == 0);
    }
    const char with_nul[4] = {'1', '2', '\0', '3'};
    CHECK(chr_hex_decode(out, sizeof(out), &n, with_nul, 4) == CHR_ERR_HEX);
    CHECK(out[0] == 0);
}

/* Proves output that would not fit out_cap is CHR_ERR_TOO_LONG, and one that just fits is
 * accepted. */
void test_hex_too_long(void)
{
    uint8_t out[2];
    size_t n = 99;
    CHECK(chr_hex_decode(out, sizeof(out), &n, "010203", 6) == CHR_ERR_TOO_LONG);
    CHECK(n == 0);
    CHECK_OK(chr_hex_decode(out, sizeof(out), &n, "0102", 4));
    CHECK(n == 2 && out[0] == 1 && out[1] == 2);
}

/* Proves chr_hex_decode_exact accepts exactly 2*out_len characters and zeroes its output
 * for any other length or a bad character. */
void test_hex_decode_exact(void)
{
    uint8_t out[3];
    CHECK_OK(chr_hex_decode_exact(out, sizeof(out), "a1b2c3", 6));
    CHECK(out[0] == 0xa1 && out[2] == 0xc3);
    CHECK(chr_hex_decode_exact(out, sizeof(out), "a1b2", 4) == CHR_ERR_HEX);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0);
    CHECK(chr_hex_decode_exact(out, sizeof(out), "a1b2c3d4", 8) == CHR_ERR_HEX);
    CHECK(chr_hex_decode_exact(out, sizeof(out), "a1b2c", 5) == CHR_ERR_HEX);
    CHECK(chr_hex_decode_exact(out, sizeof(out), "a1b2cx", 6) == CHR_ERR_HEX);
    CHECK(out[0] == 0 && out[1] == 0);
}
