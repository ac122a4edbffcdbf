#include "tests/unit/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int test_failed;
static char test_failure[512];

void chr_test_fail(const char *file, int line, const char *expr)
{
    if (!test_failed) {
        snprintf(test_failure, sizeof(test_failure), "%s:%d: %s", file, line, expr);
    }
    test_failed = 1;
}

uint64_t chr_test_seed(void)
{
    static uint64_t seed;
    static int have;
    if (!have) {
        const char *env = getenv("CHROOM_SEED");
        if (env != NULL && *env != '\0') {
            seed = strtoull(env, NULL, 10);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
        }
        if (seed == 0) {
            seed = 1;
        }
        have = 1;
        printf("# seed %llu (replay with CHROOM_SEED=%llu)\n", (unsigned long long)seed,
               (unsigned long long)seed);
    }
    return seed;
}

uint64_t chr_test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void chr_test_hex(uint8_t *out, size_t out_len, const char *hex)
{
    if (strlen(hex) != out_len * 2) {
        fprintf(stderr, "test vector of wrong length: %s\n", hex);
        abort();
    }
    for (size_t i = 0; i < out_len; i++) {
        int hi = hexval(hex[2 * i]);
        int lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "bad hex in test vector: %s\n", hex);
            abort();
        }
        out[i] = (uint8_t)(hi * 16 + lo);
    }
}

int chr_test_main(int argc, char **argv, const char *suite, const chr_test *tests, size_t tests_len)
{
    int failed = 0;
    int passed = 0;
    for (size_t i = 0; i < tests_len; i++) {
        if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL) {
            continue;
        }
        test_failed = 0;
        tests[i].fn();
        if (test_failed) {
            printf("FAIL %s/%s: %s\n", suite, tests[i].name, test_failure);
            failed++;
        } else {
            printf("PASS %s/%s\n", suite, tests[i].name);
            passed++;
        }
        fflush(stdout);
    }
    printf("# %s: %d passed, %d failed\n", suite, passed, failed);
    return failed == 0 ? 0 : 1;
}
