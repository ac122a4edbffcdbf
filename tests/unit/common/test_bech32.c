#include "common/bech32.h"
#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

/* Vectors from BIP-350 ("Test vectors for Bech32m" and "Test vectors for v0-v16 native
 * segregated witness addresses") and BIP-173 ("Test vectors"), copied verbatim. */

#define BIP350_PADDED_VECTOR                                                                       \
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8"

/* The valid bech32m strings of BIP-350 whose data is a whole number of zero-padded bytes,
 * with those bytes. The seventh, BIP350_PADDED_VECTOR, has its own test. */
static const struct {
    const char *str;
    const char *hrp;
    const char *data_hex;
} bip350_valid[] = {
    {"A1LQFN3A", "a", ""},
    {"a1lqfn3a", "a", ""},
    {"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
     "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber1", ""},
    {"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", "abcdef",
     "ffbbcdeb38bdab49ca307b9ac5a928398a418820"},
    {"split1checkupstagehandshakeupstreamerranterredcaperredlc445v", "split",
     "c5f38b70305f519bf66d85fb6cf03058f3dde463ecd7918f2dc743918f2d"},
    {"?1v759aa", "?", ""},
};

/* BIP-350's invalid bech32m strings, then the segregated witness vectors that are invalid
 * at the level of the string itself (a bad checksum character, mixed case). The others in
 * that list break segwit rules (witness version, program length) that a generic bech32m
 * decoder does not know. */
static const char *const bip350_invalid[] = {
    " 1xj0phk",
    "\x7f"
    "1g6xzxy",
    "\x80"
    "1vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
};

/* Strings with a valid bech32 (BIP-173, constant 1) checksum: BIP-173's valid vectors,
 * BIP-350's valid v0 addresses, its "Bech32 instead of Bech32m" vectors and the two other
 * invalid segwit vectors that carry a bech32 checksum. */
static const char *const bech32_not_m[] = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "bc1gmk9yu",
};

/* BIP-173's invalid strings: invalid for bech32, and for the same reasons for bech32m. */
static const char *const bip173_invalid[] = {
    " 1nwldj5",
    "\x7f"
    "1axkwrx",
    "\x80"
    "1eym55h",
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",
    "1pzry9x0s0muk",
    "x1b4n0q5v",
    "li1dgmt3",
    "de1lg7wt\xff",
    "A1G7SGD8",
    "10a06t8",
    "1qzzfhee",
};

static const char test_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* A second, independent checksum for crafting strings the encoder cannot produce (5-bit
 * data that is not whole bytes, or bech32's constant). BIP-173's polymod over the hrp's
 * expansion, the symbols and six zeros, xored with konst. */
static uint32_t test_checksum(const char *hrp, const uint8_t *sym, size_t sym_len, uint32_t konst)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    size_t hrp_len = strlen(hrp);
    size_t total = 2 * hrp_len + 1 + sym_len + 6;
    uint32_t chk = 1;
    for (size_t i = 0; i < total; i++) {
        uint32_t v = 0;
        if (i < hrp_len) {
            v = (uint32_t)hrp[i] >> 5;
        } else if (i > hrp_len && i <= 2 * hrp_len) {
            v = (uint32_t)hrp[i - hrp_len - 1] & 31;
        } else if (i > 2 * hrp_len && i - 2 * hrp_len - 1 < sym_len) {
            v = sym[i - 2 * hrp_len - 1];
        }
        uint32_t top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (int g = 0; g < 5; g++) {
            chk ^= ((top >> g) & 1) ? gen[g] : 0;
        }
    }
    return chk ^ konst;
}

/* Writes hrp, '1', the symbols and their checksum under konst into out (>= 91 bytes). */
static void test_craft(char *out, const char *hrp, const uint8_t *sym, size_t sym_len,
                       uint32_t konst)
{
    uint32_t chk = test_checksum(hrp, sym, sym_len, konst);
    size_t pos = strlen(hrp);
    memcpy(out, hrp, pos);
    out[pos++] = '1';
    for (size_t i = 0; i < sym_len; i++) {
        out[pos++] = test_charset[sym[i]];
    }
    for (int i = 0; i < 6; i++) {
        out[pos++] = test_charset[(chk >> (25 - 5 * i)) & 31];
    }
    out[pos] = '\0';
}

static int test_rejected(const char *str, size_t str_len)
{
    char hrp[CHR_BECH32_STR_MAX + 1];
    uint8_t data[CHR_BECH32_STR_MAX];
    size_t data_len = 99;
    chr_err err = chr_bech32m_decode(hrp, sizeof(hrp), data, sizeof(data), &data_len, str, str_len);
    return err == CHR_ERR_BECH32 && data_len == 0 && hrp[0] == '\0';
}

static void test_lower(char *out, const char *in)
{
    size_t i = 0;
    for (; in[i] != '\0'; i++) {
        out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
    }
    out[i] = '\0';
}

/* Proves every valid BIP-350 vector that carries whole bytes decodes to its hrp and bytes
 * and re-encodes to the same string, lowercased. */
void test_bech32m_bip350_valid(void)
{
    for (size_t i = 0; i < sizeof(bip350_valid) / sizeof(bip350_valid[0]); i++) {
        const char *str = bip350_valid[i].str;
        char hrp[CHR_BECH32_STR_MAX + 1];
        uint8_t data[CHR_BECH32_STR_MAX];
        uint8_t want[CHR_BECH32_STR_MAX];
        size_t want_len = strlen(bip350_valid[i].data_hex) / 2;
        chr_test_hex(want, want_len, bip350_valid[i].data_hex);
        size_t data_len;
        CHECK_OK(
            chr_bech32m_decode(hrp, sizeof(hrp), data, sizeof(data), &data_len, str, strlen(str)));
        CHECK(strcmp(hrp, bip350_valid[i].hrp) == 0);
        CHECK(data_len == want_len && memcmp(data, want, want_len) == 0);
        char again[CHR_BECH32_STR_MAX + 1];
        char lower[CHR_BECH32_STR_MAX + 1];
        CHECK_OK(chr_bech32m_encode(again, sizeof(again), hrp, data, data_len));
        test_lower(lower, str);
        CHECK(strcmp(again, lower) == 0);
    }
}

/* Proves the one valid BIP-350 vector whose 82 symbols end in two set padding bits is
 * refused (the byte contract allows only zero padding, so each byte string has a single
 * encoding), that its checksum is nevertheless valid bech32m, and that the encoder gives
 * the same 51 bytes the 90-character string that differs only in the padding symbol. */
void test_bech32m_bip350_padded_vector(void)
{
    const char *vec = BIP350_PADDED_VECTOR;
    CHECK(strlen(vec) == CHR_BECH32_STR_MAX);
    CHECK(test_rejected(vec, strlen(vec)));
    uint8_t sym[82];
    memset(sym, 31, sizeof(sym));
    char crafted[CHR_BECH32_STR_MAX + 1];
    test_craft(crafted, "1", sym, sizeof(sym), 0x2bc830a3);
    CHECK(strcmp(crafted, vec) == 0);
    uint8_t ones[51];
    memset(ones, 0xff, sizeof(ones));
    char enc[CHR_BECH32_STR_MAX + 1];
    CHECK_OK(chr_bech32m_encode(enc, sizeof(enc), "1", ones, sizeof(ones)));
    CHECK(strlen(enc) == CHR_BECH32_STR_MAX);
    CHECK(memcmp(enc, vec, 2 + 81) == 0);
    CHECK(enc[2 + 81] == 'u');
    CHECK(strcmp(enc, "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
                      "lllllllllllllllu30cxdc") == 0);
}

/* Proves every invalid BIP-350 bech32m string is rejected, with zeroed outputs. */
void test_bech32m_bip350_invalid(void)
{
    for (size_t i = 0; i < sizeof(bip350_invalid) / sizeof(bip350_invalid[0]); i++) {
        CHECK(test_rejected(bip350_invalid[i], strlen(bip350_invalid[i])));
    }
}

/* Proves strings with a valid bech32 checksum, which BIP-350 says can never also be valid
 * bech32m, are rejected: BIP-173's own valid vectors and the v0 addresses among others. */
void test_bech32m_rejects_bech32(void)
{
    for (size_t i = 0; i < sizeof(bech32_not_m) / sizeof(bech32_not_m[0]); i++) {
        CHECK(test_rejected(bech32_not_m[i], strlen(bech32_not_m[i])));
    }
    /* The same symbols under both constants: only the bech32m one is accepted. */
    const uint8_t sym[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    char s[CHR_BECH32_STR_MAX + 1];
    test_craft(s, "chr", sym, sizeof(sym), 1);
    CHECK(test_rejected(s, strlen(s)));
    test_craft(s, "chr", sym, sizeof(sym), 0x2bc830a3);
    CHECK(!test_rejected(s, strlen(s)));
}

/* Proves BIP-173's invalid strings (bad hrp characters, length, separator, charset,
 * checksum length, uppercase-hrp checksum) are rejected by the bech32m decoder too. */
void test_bech32m_bip173_invalid(void)
{
    for (size_t i = 0; i < sizeof(bip173_invalid) / sizeof(bip173_invalid[0]); i++) {
        CHECK(test_rejected(bip173_invalid[i], strlen(bip173_invalid[i])));
    }
}

/* Proves the 5-to-8-bit rule: n zero symbols decode iff their 5n bits leave at most 4
 * padding bits, and any set padding bit is rejected. */
void test_bech32m_padding_rules(void)
{
    uint8_t sym[40];
    char s[CHR_BECH32_STR_MAX + 1];
    for (size_t n = 0; n <= sizeof(sym); n++) {
        memset(sym, 0, sizeof(sym));
        unsigned pad = (unsigned)(n * 5 % 8);
        test_craft(s, "p", sym, n, 0x2bc830a3);
        char hrp[8];
        uint8_t data[32];
        size_t data_len;
        chr_err err =
            chr_bech32m_decode(hrp, sizeof(hrp), data, sizeof(data), &data_len, s, strlen(s));
        CHECK((err == CHR_OK) == (pad <= 4));
        CHECK(err != CHR_OK || data_len == n * 5 / 8);
        for (unsigned bit = 0; n > 0 && bit < pad && pad <= 4; bit++) {
            sym[n - 1] = (uint8_t)(1u << bit);
            test_craft(s, "p", sym, n, 0x2bc830a3);
            CHECK(test_rejected(s, strlen(s)));
        }
    }
}

/* Proves the encoder refuses hrps BIP-173 does not allow and output over 90 characters or
 * over out_cap, and zeroes its output when it fails. */
void test_bech32m_encode_limits(void)
{
    char out[CHR_BECH32_STR_MAX + 8];
    uint8_t data[64] = {0};
    const char *bad_hrps[] = {"", "Chr", "c r", "c\x7f", "c\x80", NULL};
    for (size_t i = 0; i < sizeof(bad_hrps) / sizeof(bad_hrps[0]); i++) {
        memset(out, 'x', sizeof(out));
        CHECK(chr_bech32m_encode(out, sizeof(out), bad_hrps[i], data, 1) == CHR_ERR_ARG);
        CHECK(out[0] == '\0');
    }
    char hrp[85];
    memset(hrp, 'h', 84);
    hrp[84] = '\0';
    CHECK(chr_bech32m_encode(out, sizeof(out), hrp, NULL, 0) == CHR_ERR_ARG);
    hrp[83] = '\0';
    CHECK_OK(chr_bech32m_encode(out, sizeof(out), hrp, NULL, 0));
    CHECK(strlen(out) == CHR_BECH32_STR_MAX);
    /* "a" + '1' + 82 symbols (51 bytes) + 6 = 90; one more byte needs two more symbols. */
    CHECK_OK(chr_bech32m_encode(out, sizeof(out), "a", data, 51));
    CHECK(strlen(out) == CHR_BECH32_STR_MAX);
    CHECK(chr_bech32m_encode(out, sizeof(out), "a", data, 52) == CHR_ERR_TOO_LONG);
    CHECK(chr_bech32m_encode(out, sizeof(out), "a", data, SIZE_MAX) == CHR_ERR_TOO_LONG);
    CHECK_OK(chr_bech32m_encode(out, CHR_BECH32_STR_MAX + 1, "a", data, 51));
    memset(out, 'x', sizeof(out));
    CHECK(chr_bech32m_encode(out, CHR_BECH32_STR_MAX, "a", data, 51) == CHR_ERR_TOO_LONG);
    for (size_t i = 0; i < CHR_BECH32_STR_MAX; i++) {
        CHECK(out[i] == '\0');
    }
    CHECK(chr_bech32m_encode(NULL, 0, "a", data, 0) == CHR_ERR_TOO_LONG);
}

/* Proves the decoder honours its buffer sizes and str_len exactly: an hrp or data one byte
 * over the capacity, a 91st character and an embedded NUL are all rejected. */
void test_bech32m_decode_bounds(void)
{
    const char *str = "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx";
    size_t len = strlen(str);
    char hrp[7];
    uint8_t data[20];
    size_t n;
    CHECK_OK(chr_bech32m_decode(hrp, 7, data, 20, &n, str, len));
    CHECK(chr_bech32m_decode(hrp, 6, data, 20, &n, str, len) == CHR_ERR_BECH32);
    CHECK(hrp[0] == '\0' && n == 0);
    CHECK(chr_bech32m_decode(hrp, 7, data, 19, &n, str, len) == CHR_ERR_BECH32);
    CHECK(data[0] == 0 && data[18] == 0);
    CHECK(test_rejected(str, len - 1));
    char buf[CHR_BECH32_STR_MAX + 2];
    memcpy(buf, str, len + 1);
    buf[3] = '\0';
    CHECK(test_rejected(buf, len));
    /* str_len, not a NUL, ends the string: the same text followed by junk decodes. */
    memcpy(buf, str, len);
    memcpy(buf + len, "zz", 3);
    CHECK_OK(chr_bech32m_decode(hrp, 7, data, 20, &n, buf, len));
    char hrp83[84];
    memset(hrp83, 'h', 83);
    hrp83[83] = '\0';
    CHECK_OK(chr_bech32m_encode(buf, sizeof(buf), hrp83, NULL, 0));
    CHECK(!test_rejected(buf, CHR_BECH32_STR_MAX));
    memmove(buf + 1, buf, CHR_BECH32_STR_MAX + 1);
    buf[0] = 'h';
    CHECK(test_rejected(buf, CHR_BECH32_STR_MAX + 1));
    CHECK(test_rejected("", 0));
}

/* Proves random hrps and data round-trip, upper case decodes too, and every substitution
 * of one data or checksum character is detected (BIP-173's guarantee for one error). */
void test_bech32m_random_round_trip(void)
{
    uint64_t rng = chr_test_seed();
    for (int iter = 0; iter < 300; iter++) {
        char hrp[12];
        size_t hrp_len = 1 + chr_test_rand(&rng) % 10;
        for (size_t i = 0; i < hrp_len; i++) {
            hrp[i] = (char)(33 + chr_test_rand(&rng) % 94);
            hrp[i] = (hrp[i] >= 'A' && hrp[i] <= 'Z') ? (char)(hrp[i] + 32) : hrp[i];
        }
        hrp[hrp_len] = '\0';
        uint8_t data[40];
        size_t data_len = chr_test_rand(&rng) % 40;
        for (size_t i = 0; i < data_len; i++) {
            data[i] = (uint8_t)chr_test_rand(&rng);
        }
        char s[CHR_BECH32_STR_MAX + 1];
        CHECK_OK(chr_bech32m_encode(s, sizeof(s), hrp, data, data_len));
        char got_hrp[CHR_BECH32_STR_MAX + 1];
        uint8_t got[CHR_BECH32_STR_MAX];
        size_t got_len;
        size_t len = strlen(s);
        CHECK_OK(chr_bech32m_decode(got_hrp, sizeof(got_hrp), got, sizeof(got), &got_len, s, len));
        CHECK(strcmp(got_hrp, hrp) == 0 && got_len == data_len);
        CHECK(memcmp(got, data, data_len) == 0);
        char upper[CHR_BECH32_STR_MAX + 1];
        for (size_t i = 0; i <= len; i++) {
            upper[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
        }
        CHECK_OK(
            chr_bech32m_decode(got_hrp, sizeof(got_hrp), got, sizeof(got), &got_len, upper, len));
        CHECK(strcmp(got_hrp, hrp) == 0 && got_len == data_len);
        size_t pos = hrp_len + 1 + chr_test_rand(&rng) % (len - hrp_len - 1);
        char orig = s[pos];
        s[pos] = test_charset[(strchr(test_charset, orig) - test_charset + 1 +
                               (long)(chr_test_rand(&rng) % 31)) %
                              32];
        CHECK(s[pos] != orig);
        CHECK(test_rejected(s, len));
    }
}

/* Proves addresses round-trip, match independently computed strings, and that an
 * all-uppercase address is the same address. */
void test_address_round_trip(void)
{
    static const struct {
        const char *key_hex;
        const char *addr;
    } kat[] = {
        {"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
         "chr10xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqu7arc0"},
        {"0000000000000000000000000000000000000000000000000000000000000000",
         "chr1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqlgfgem"},
        {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "chr1lllllllllllllllllllllllllllllllllllllllllllllllllllsak2esv"},
    };
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
        uint8_t key[32];
        uint8_t back[32];
        chr_test_hex(key, 32, kat[i].key_hex);
        char addr[CHR_ADDRESS_STR_LEN + 1];
        chr_address_encode(addr, key);
        CHECK(strlen(addr) == CHR_ADDRESS_STR_LEN);
        CHECK(strcmp(addr, kat[i].addr) == 0);
        CHECK_OK(chr_address_decode(back, addr, CHR_ADDRESS_STR_LEN));
        CHECK(memcmp(back, key, 32) == 0);
        for (size_t j = 0; j < CHR_ADDRESS_STR_LEN; j++) {
            if (addr[j] >= 'a' && addr[j] <= 'z') {
                addr[j] = (char)(addr[j] - 'a' + 'A');
            }
        }
        CHECK(strncmp(addr, "CHR1", 4) == 0);
        memset(back, 0, 32);
        CHECK_OK(chr_address_decode(back, addr, CHR_ADDRESS_STR_LEN));
        CHECK(memcmp(back, key, 32) == 0);
    }
}

/* Proves an address is refused, with the key zeroed, for another hrp, 31 or 33 bytes, a
 * wrong str_len, mixed case, and any single substituted character. */
void test_address_rejects(void)
{
    uint8_t key[33];
    memset(key, 0x5a, sizeof(key));
    uint8_t out[32];
    char s[CHR_BECH32_STR_MAX + 1];
    const struct {
        const char *hrp;
        size_t len;
    } wrong[] = {{"chs", 32}, {"bc", 32}, {"chrr", 32}, {"ch", 33}, {"chr", 31}, {"chr", 33}};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        CHECK_OK(chr_bech32m_encode(s, sizeof(s), wrong[i].hrp, key, wrong[i].len));
        memset(out, 0xee, sizeof(out));
        CHECK(chr_address_decode(out, s, strlen(s)) == CHR_ERR_BECH32);
        CHECK(out[0] == 0 && out[31] == 0);
    }
    char addr[CHR_ADDRESS_STR_LEN + 2];
    chr_address_encode(addr, key);
    CHECK(chr_address_decode(out, addr, CHR_ADDRESS_STR_LEN - 1) == CHR_ERR_BECH32);
    addr[CHR_ADDRESS_STR_LEN] = 'q';
    CHECK(chr_address_decode(out, addr, CHR_ADDRESS_STR_LEN + 1) == CHR_ERR_BECH32);
    addr[CHR_ADDRESS_STR_LEN] = '\0';
    memcpy(s, addr, sizeof(addr));
    memcpy(s, "CHR", 3);
    CHECK(chr_address_decode(out, s, CHR_ADDRESS_STR_LEN) == CHR_ERR_BECH32);
    memcpy(s, addr, sizeof(addr));
    char *letter = strpbrk(s + 4, "abcdefghijklmnopqrstuvwxyz");
    CHECK(letter != NULL);
    *letter = (char)(*letter - 'a' + 'A');
    CHECK(chr_address_decode(out, s, CHR_ADDRESS_STR_LEN) == CHR_ERR_BECH32);
    for (size_t pos = 4; pos < CHR_ADDRESS_STR_LEN; pos++) {
        for (size_t c = 0; c < 32; c++) {
            memcpy(s, addr, sizeof(addr));
            if (s[pos] == test_charset[c]) {
                continue;
            }
            s[pos] = test_charset[c];
            CHECK(chr_address_decode(out, s, CHR_ADDRESS_STR_LEN) == CHR_ERR_BECH32);
        }
    }
    CHECK(chr_address_decode(out, "a1lqfn3a", 8) == CHR_ERR_BECH32);
}
