/* Measures the state trie (ledger/smt.h): the time to build it from 1,000,000 random
 * keys and take the root, then the time to update 10,000 random existing keys and take
 * the root again, as one block would, and the same under a checkpoint that is then rolled
 * back, as for a proposed block that is not decided. Usage: bench_smt [keys [updates]]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "ledger/smt.h"

static uint64_t bench_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void bench_fill(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = bench_rand(rng);
        memcpy(out + i, &r, len - i < 8 ? len - i : 8);
    }
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_hex(char out[17], const uint8_t root[32])
{
    for (int i = 0; i < 8; i++) {
        snprintf(out + 2 * i, 3, "%02x", root[i]);
    }
}

/* Sets n random existing keys of key[0..keys) to random values. */
static int bench_update(ledger_smt *t, uint64_t *rng, uint8_t (*key)[32], size_t keys, size_t n)
{
    uint8_t value[32];
    for (size_t i = 0; i < n; i++) {
        bench_fill(rng, value, 32);
        if (ledger_smt_set(t, key[bench_rand(rng) % keys], value) != CHR_OK) {
            fprintf(stderr, "bench_smt: update failed\n");
            return 0;
        }
    }
    return 1;
}

/* Checkpoint, n updates, root, rollback; checks the root is back to what it was. */
static int bench_rollback(ledger_smt *t, uint64_t *rng, uint8_t (*key)[32], size_t keys, size_t n)
{
    uint8_t before[32];
    uint8_t root[32];
    uint8_t after[32];
    char hex[17];
    ledger_smt_root(t, before);
    double c0 = bench_now();
    if (ledger_smt_checkpoint(t) != CHR_OK) {
        fprintf(stderr, "bench_smt: checkpoint failed\n");
        return 0;
    }
    double c1 = bench_now();
    if (!bench_update(t, rng, key, keys, n)) {
        return 0;
    }
    double c2 = bench_now();
    ledger_smt_root(t, root);
    double c3 = bench_now();
    ledger_smt_rollback(t);
    double c4 = bench_now();
    ledger_smt_root(t, after);
    if (memcmp(before, after, 32) != 0) {
        fprintf(stderr, "bench_smt: rollback did not restore the root\n");
        return 0;
    }
    bench_hex(hex, root);
    printf("rollback: checkpoint %.4f s, %zu updates %.4f s, root %.4f s, rollback %.4f s, "
           "total %.4f s (root %s..., restored)\n",
           c1 - c0, n, c2 - c1, c3 - c2, c4 - c3, c4 - c0, hex);
    return 1;
}

int main(int argc, char **argv)
{
    size_t keys = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t updates = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
    if (keys == 0 || updates == 0 || chr_hash_init() != CHR_OK) {
        fprintf(stderr, "usage: bench_smt [keys [updates]] (both positive)\n");
        return 2;
    }
    uint8_t(*key)[32] = malloc(keys * 32);
    ledger_smt *t;
    if (key == NULL || ledger_smt_new(&t, keys) != CHR_OK) {
        fprintf(stderr, "bench_smt: out of memory\n");
        return 1;
    }
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    uint8_t value[32];
    uint8_t root[32];
    char hex[17];
    double t0 = bench_now();
    for (size_t i = 0; i < keys; i++) {
        bench_fill(&rng, key[i], 32);
        bench_fill(&rng, value, 32);
        if (ledger_smt_set(t, key[i], value) != CHR_OK) {
            fprintf(stderr, "bench_smt: set failed\n");
            return 1;
        }
    }
    double t1 = bench_now();
    ledger_smt_root(t, root);
    double t2 = bench_now();
    bench_hex(hex, root);
    printf("build: %zu keys, insert %.3f s, first root %.3f s, total %.3f s (root %s...)\n",
           ledger_smt_count(t), t1 - t0, t2 - t1, t2 - t0, hex);
    for (int round = 0; round < 3; round++) {
        double u0 = bench_now();
        if (!bench_update(t, &rng, key, keys, updates)) {
            return 1;
        }
        double u1 = bench_now();
        ledger_smt_root(t, root);
        double u2 = bench_now();
        bench_hex(hex, root);
        printf("update: %zu random existing keys, set %.4f s, root %.4f s, total %.4f s, "
               "%.0f keys/s (root %s...)\n",
               updates, u1 - u0, u2 - u1, u2 - u0, (double)updates / (u2 - u0), hex);
    }
    for (int round = 0; round < 3; round++) {
        if (!bench_rollback(t, &rng, key, keys, updates)) {
            return 1;
        }
    }
    ledger_smt_free(t);
    free(key);
    return 0;
}
