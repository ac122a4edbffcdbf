/* wallet/amount.h: exact decimal amounts. */
#include <string.h>

#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"
#include "wallet/amount.h"

void test_amount_parse_good(void)
{
    /* Proves every accepted form converts exactly, at 6 decimals (CHR) and at the edges of
     * 0 and 19 decimals, up to 2^64 - 1 units. */
    static const struct {
        const char *s;
        unsigned d;
        uint64_t units;
    } good[] = {
        {"0", 6, 0},
        {"1", 6, 1000000},
        {"1.5", 6, 1500000},
        {"1.50", 6, 1500000},
        {"0.000001", 6, 1},
        {"12.345678", 6, 12345678},
        {"18446744073709.551615", 6, UINT64_MAX},
        {"18446744073709551615", 0, UINT64_MAX},
        {"1.8446744073709551615", 19, UINT64_MAX},
        {"0.0000000000000000001", 19, 1},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t u = 42;
        CHECK_OK(wallet_amount_parse(&u, good[i].s, good[i].d));
        CHECK(u == good[i].units);
    }
}

void test_amount_parse_rejects(void)
{
    /* Proves malformed text is CHR_ERR_ARG, too many decimals CHR_ERR_TOO_LONG and a value
     * past 2^64 - 1 units CHR_ERR_OVERFLOW, each leaving 0. */
    static const char *const syntax[] = {"",    ".",  "1.", ".5",  "01",    "-1",   "+1",
                                         "1e6", " 1", "1 ", "1,5", "1.2.3", "0x10", "１"};
    for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
        uint64_t u = 42;
        CHECK(wallet_amount_parse(&u, syntax[i], 6) == CHR_ERR_ARG);
        CHECK(u == 0);
    }
    uint64_t u = 42;
    CHECK(wallet_amount_parse(&u, "0.0000001", 6) == CHR_ERR_TOO_LONG && u == 0);
    CHECK(wallet_amount_parse(&u, "1.5", 0) == CHR_ERR_TOO_LONG && u == 0);
    CHECK(wallet_amount_parse(&u, "18446744073709.551616", 6) == CHR_ERR_OVERFLOW && u == 0);
    CHECK(wallet_amount_parse(&u, "18446744073710", 6) == CHR_ERR_OVERFLOW && u == 0);
    CHECK(wallet_amount_parse(&u, "99999999999999999999999", 0) == CHR_ERR_OVERFLOW);
}

void test_amount_format_round_trip(void)
{
    /* Proves formatting drops trailing fraction zeros, and that parse(format(u)) == u for
     * edge values and a seeded sweep at several decimal counts. */
    char out[WALLET_AMOUNT_STR_MAX];
    wallet_amount_format(out, sizeof(out), 1500000, 6);
    CHECK(strcmp(out, "1.5") == 0);
    wallet_amount_format(out, sizeof(out), 2000000, 6);
    CHECK(strcmp(out, "2") == 0);
    wallet_amount_format(out, sizeof(out), 1, 6);
    CHECK(strcmp(out, "0.000001") == 0);
    wallet_amount_format(out, sizeof(out), 0, 6);
    CHECK(strcmp(out, "0") == 0);
    wallet_amount_format(out, sizeof(out), UINT64_MAX, 19);
    CHECK(strcmp(out, "1.8446744073709551615") == 0);
    uint64_t seed = chr_test_seed();
    for (int i = 0; i < 20000; i++) {
        uint64_t units = chr_test_rand(&seed) >> (chr_test_rand(&seed) % 64);
        unsigned d = (unsigned)(chr_test_rand(&seed) % (WALLET_AMOUNT_DECIMALS_MAX + 1));
        wallet_amount_format(out, sizeof(out), units, d);
        uint64_t back = 0;
        CHECK_OK(wallet_amount_parse(&back, out, d));
        CHECK(back == units);
    }
}
