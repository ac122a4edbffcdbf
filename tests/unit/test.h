/* The unit-test harness: each binary holds a {name, fn} table and calls chr_test_main().
 * Every test prints one line, "PASS suite/name" or "FAIL suite/name: file:line: expr",
 * which tests/run.sh counts. CHECK ends the current test on the first failed condition. */
#ifndef CHR_TEST_H
#define CHR_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct chr_test {
    const char *name;
    void (*fn)(void);
} chr_test;

void chr_test_fail(const char *file, int line, const char *expr);
int chr_test_main(int argc, char **argv, const char *suite, const chr_test *tests,
                  size_t tests_len);
/* The seed of randomized tests: CHROOM_SEED if set, else a fresh one; printed once. */
uint64_t chr_test_seed(void);
/* xorshift64* step, for seeded randomness in tests. */
uint64_t chr_test_rand(uint64_t *state);
/* Decodes hex (exactly out_len bytes) for vectors; aborts the process on bad input. */
void chr_test_hex(uint8_t *out, size_t out_len, const char *hex);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            chr_test_fail(__FILE__, __LINE__, #cond);                                              \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_OK(expr) CHECK((expr) == CHR_OK)

#define CHR_TESTS_MAIN(suite, table)                                                               \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return chr_test_main(argc, argv, suite, table, sizeof(table) / sizeof(table[0]));          \
    }

#endif
