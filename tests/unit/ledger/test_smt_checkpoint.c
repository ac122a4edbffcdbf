#include <stdlib.h>

#include "common/hash.h"
#include "ledger/smt.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* The most sets one log of these tests holds, and the most keys of their tries. */
#define CP_OPS_MAX 6000
#define CP_KEYS_MAX 6000

typedef struct cp_op {
    uint8_t key[32];
    uint8_t value[32];
} cp_op;

/* Sets in the order they were made, to replay them on a fresh trie. */
typedef struct cp_log {
    size_t len;
    cp_op op[CP_OPS_MAX];
} cp_log;

/* The sets that built the trie, those made under a checkpoint, and those made after it. */
static cp_log base_log;
static cp_log tent_log;
static cp_log after_log;

static void cp_fill(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(chr_test_rand(rng) >> 56);
    }
}

/* A key already used in one of the logs, or NULL if none is. */
static const uint8_t *cp_old_key(uint64_t *rng, const cp_log *const logs[], size_t logs_len)
{
    size_t total = 0;
    for (size_t i = 0; i < logs_len; i++) {
        total += logs[i]->len;
    }
    if (total == 0) {
        return NULL;
    }
    size_t pick = chr_test_rand(rng) % total;
    for (size_t i = 0;; i++) {
        if (pick < logs[i]->len) {
            return logs[i]->op[pick].key;
        }
        pick -= logs[i]->len;
    }
}

/* One random set on t, appended to log: a new uniform key, a new key that shares a long
 * prefix with an old one (one used in logs; deep paths), an update of an old key, or a
 * set of an old key to the value it has in t (a no-op). */
static int cp_step(uint64_t *rng, ledger_smt *t, cp_log *log, const cp_log *const logs[],
                   size_t logs_len)
{
    if (log->len == CP_OPS_MAX) {
        return 0;
    }
    cp_op *op = &log->op[log->len];
    uint64_t r = chr_test_rand(rng);
    const uint8_t *old = cp_old_key(rng, logs, logs_len);
    cp_fill(rng, op->key, 32);
    cp_fill(rng, op->value, 32);
    if (old != NULL && r % 4 == 1) {
        /* Keep old's first p bits, flip bit p, keep the random rest: p is often deep. */
        unsigned p = (r >> 8) & 1 ? 200 + (unsigned)(r >> 16) % 56 : (unsigned)(r >> 16) % 256;
        for (unsigned i = 0; i <= p; i++) {
            uint8_t mask = (uint8_t)(0x80u >> (i % 8));
            uint8_t bit = (uint8_t)(old[i / 8] & mask);
            op->key[i / 8] = (uint8_t)((op->key[i / 8] & ~mask) | (i == p ? bit ^ mask : bit));
        }
    } else if (old != NULL && r % 4 >= 2) {
        memcpy(op->key, old, 32);
        if (r % 4 == 3) {
            (void)ledger_smt_get(t, op->key, op->value);
        }
    }
    log->len++;
    return ledger_smt_set(t, op->key, op->value) == CHR_OK;
}

static int cp_replay(ledger_smt *t, const cp_log *log)
{
    for (size_t i = 0; i < log->len; i++) {
        if (ledger_smt_set(t, log->op[i].key, log->op[i].value) != CHR_OK) {
            return 0;
        }
    }
    return 1;
}

/* A fresh trie holding the sets of logs, replayed in order. */
static ledger_smt *cp_fresh(const cp_log *const logs[], size_t logs_len)
{
    ledger_smt *t;
    if (ledger_smt_new(&t, CP_KEYS_MAX) != CHR_OK) {
        return NULL;
    }
    for (size_t i = 0; i < logs_len; i++) {
        if (!cp_replay(t, logs[i])) {
            ledger_smt_free(t);
            return NULL;
        }
    }
    return t;
}

/* Whether a and b have the same root, count and value (or absence) for every key of the
 * logs. */
static int cp_same(ledger_smt *a, ledger_smt *b, const cp_log *const logs[], size_t logs_len)
{
    uint8_t ra[32];
    uint8_t rb[32];
    ledger_smt_root(a, ra);
    ledger_smt_root(b, rb);
    if (memcmp(ra, rb, 32) != 0 || ledger_smt_count(a) != ledger_smt_count(b)) {
        return 0;
    }
    for (size_t i = 0; i < logs_len; i++) {
        for (size_t j = 0; j < logs[i]->len; j++) {
            uint8_t va[32];
            uint8_t vb[32];
            int ha = ledger_smt_get(a, logs[i]->op[j].key, va);
            int hb = ledger_smt_get(b, logs[i]->op[j].key, vb);
            if (ha != hb || memcmp(va, vb, 32) != 0) {
                return 0;
            }
        }
    }
    return 1;
}

/* n random sets on t into log, old keys from logs, taking the root now and then as a
 * proposer would. */
static int cp_steps(uint64_t *rng, ledger_smt *t, size_t n, cp_log *log, const cp_log *const logs[],
                    size_t logs_len)
{
    for (size_t i = 0; i < n; i++) {
        if (!cp_step(rng, t, log, logs, logs_len)) {
            return 0;
        }
        if (chr_test_rand(rng) % 97 == 0) {
            uint8_t root[32];
            ledger_smt_root(t, root);
        }
    }
    return 1;
}

/* One round of the randomized rollback test: see test_smt_checkpoint_rollback_random. */
static int cp_rollback_round(uint64_t *rng, size_t base_n, size_t tent_n, size_t after_n)
{
    const cp_log *const all[] = {&base_log, &tent_log, &after_log};
    const cp_log *const base_after[] = {&base_log, &after_log};
    const cp_log *const base_tent[] = {&base_log, &tent_log};
    const cp_log *const tent_first[] = {&tent_log, &base_log};
    const cp_log *const after_first[] = {&after_log, &base_log, &tent_log};
    base_log.len = tent_log.len = after_log.len = 0;
    ledger_smt *a = cp_fresh(all, 0);
    int ok = a != NULL && cp_steps(rng, a, base_n, &base_log, all, 1);
    uint8_t before[32];
    uint8_t got[32];
    if (ok) {
        ledger_smt_root(a, before);
    }
    size_t count = ok ? ledger_smt_count(a) : 0;
    ok = ok && ledger_smt_checkpoint(a) == CHR_OK;
    ok = ok && cp_steps(rng, a, tent_n, &tent_log, tent_first, 2);
    /* Under the checkpoint the trie is an ordinary trie of all the sets so far. */
    ledger_smt *b = ok ? cp_fresh(base_tent, 2) : NULL;
    ok = ok && b != NULL && cp_same(a, b, all, 2);
    ledger_smt_free(b);
    b = NULL;
    if (ok) {
        ledger_smt_rollback(a);
        ledger_smt_root(a, got);
        ok = memcmp(got, before, 32) == 0 && ledger_smt_count(a) == count;
    }
    /* Rolled back, it is a trie of the base sets, also for later sets (which reuse keys
     * of the undone ones): compared with a fresh one after every few sets. */
    b = ok ? cp_fresh(all, 1) : NULL;
    ok = ok && b != NULL && cp_same(a, b, all, 3);
    for (size_t i = 0; ok && i < after_n; i++) {
        ok = cp_step(rng, a, &after_log, after_first, 3);
        const cp_op *op = &after_log.op[after_log.len - 1];
        ok = ok && ledger_smt_set(b, op->key, op->value) == CHR_OK;
        if (ok && (chr_test_rand(rng) % 31 == 0 || i + 1 == after_n)) {
            ok = cp_same(a, b, all, 3);
        }
    }
    ledger_smt_free(b);
    /* And it matches one built from scratch without ever seeing the undone sets. */
    b = ok ? cp_fresh(base_after, 2) : NULL;
    ok = ok && b != NULL && cp_same(a, b, all, 3);
    ledger_smt_free(b);
    ledger_smt_free(a);
    return ok;
}

/* Proves a rollback gives back the trie of before the checkpoint, in random rounds: a
 * trie of 0..1500 random sets (uniform keys, keys sharing prefixes down to the last bit,
 * updates, no-op sets), a checkpoint, 1..1500 more sets with roots taken in between
 * (matching a fresh trie of all the sets), a rollback: same root and count, the undone
 * keys gone, and further sets, which often reuse the undone keys, give the same roots and
 * values as on a fresh trie built from the base sets and those. */
void test_smt_checkpoint_rollback_random(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    for (int round = 0; round < 16; round++) {
        size_t base_n = round == 0 ? 0 : chr_test_rand(&rng) % 1501;
        size_t tent_n = 1 + chr_test_rand(&rng) % 1500;
        size_t after_n = chr_test_rand(&rng) % 800;
        CHECK(cp_rollback_round(&rng, base_n, tent_n, after_n));
    }
}

/* Proves a release keeps the changes: the trie equals a fresh one of all the sets, and a
 * later checkpoint then rolls back to that trie, not to the one before the first
 * checkpoint (the released journal is forgotten). */
void test_smt_checkpoint_release_keeps(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    const cp_log *const all[] = {&base_log, &tent_log, &after_log};
    const cp_log *const tent_first[] = {&tent_log, &base_log};
    const cp_log *const after_first[] = {&after_log, &base_log, &tent_log};
    for (int round = 0; round < 6; round++) {
        base_log.len = tent_log.len = after_log.len = 0;
        ledger_smt *a = cp_fresh(all, 0);
        CHECK(a != NULL);
        CHECK(cp_steps(&rng, a, chr_test_rand(&rng) % 1000, &base_log, all, 1));
        CHECK_OK(ledger_smt_checkpoint(a));
        CHECK(cp_steps(&rng, a, 1 + chr_test_rand(&rng) % 1000, &tent_log, tent_first, 2));
        ledger_smt_release(a);
        ledger_smt *b = cp_fresh(all, 2);
        CHECK(b != NULL);
        CHECK(cp_same(a, b, all, 2));
        uint8_t kept[32];
        uint8_t got[32];
        ledger_smt_root(a, kept);
        CHECK_OK(ledger_smt_checkpoint(a));
        CHECK(cp_steps(&rng, a, 1 + chr_test_rand(&rng) % 1000, &after_log, after_first, 3));
        ledger_smt_rollback(a);
        ledger_smt_root(a, got);
        CHECK(memcmp(got, kept, 32) == 0);
        CHECK(cp_same(a, b, all, 3));
        ledger_smt_free(a);
        ledger_smt_free(b);
    }
}

/* Proves a second checkpoint is CHR_ERR_ARG and leaves the first one as it was: its
 * rollback still goes back to the first checkpoint, after which a checkpoint opens. */
void test_smt_checkpoint_twice_is_arg(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    const cp_log *const all[] = {&base_log, &tent_log};
    base_log.len = tent_log.len = 0;
    ledger_smt *a = cp_fresh(all, 0);
    CHECK(a != NULL);
    CHECK(cp_steps(&rng, a, 300, &base_log, all, 1));
    uint8_t before[32];
    uint8_t got[32];
    ledger_smt_root(a, before);
    CHECK_OK(ledger_smt_checkpoint(a));
    CHECK(cp_steps(&rng, a, 100, &tent_log, all, 2));
    CHECK(ledger_smt_checkpoint(a) == CHR_ERR_ARG);
    CHECK(cp_steps(&rng, a, 100, &tent_log, all, 2));
    CHECK(ledger_smt_checkpoint(a) == CHR_ERR_ARG);
    ledger_smt_rollback(a);
    ledger_smt_root(a, got);
    CHECK(memcmp(got, before, 32) == 0);
    CHECK_OK(ledger_smt_checkpoint(a));
    ledger_smt_release(a);
    ledger_smt_root(a, got);
    CHECK(memcmp(got, before, 32) == 0);
    ledger_smt_free(a);
}

/* Proves a rollback with nothing to undo changes nothing: right after the checkpoint,
 * after only roots, and after only no-op sets, a refused new key (CHR_ERR_FULL) and a
 * checkpoint taken while sets were still unhashed. */
void test_smt_checkpoint_rollback_no_changes(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    const cp_log *const all[] = {&base_log};
    base_log.len = 0;
    ledger_smt *a;
    CHECK_OK(ledger_smt_new(&a, 200));
    CHECK(cp_steps(&rng, a, 150, &base_log, all, 1));
    /* The last sets are not hashed yet when the checkpoint is taken. */
    uint8_t before[32];
    uint8_t got[32];
    CHECK_OK(ledger_smt_checkpoint(a));
    ledger_smt_rollback(a);
    ledger_smt *b = cp_fresh(all, 1);
    CHECK(b != NULL);
    CHECK(cp_same(a, b, all, 1));
    ledger_smt_root(a, before);
    size_t count = ledger_smt_count(a);
    CHECK_OK(ledger_smt_checkpoint(a));
    ledger_smt_root(a, got);
    ledger_smt_root(a, got);
    ledger_smt_rollback(a);
    ledger_smt_root(a, got);
    CHECK(memcmp(got, before, 32) == 0);
    while (ledger_smt_count(a) < 200) {
        CHECK(cp_step(&rng, a, &base_log, all, 1));
        const cp_op *op = &base_log.op[base_log.len - 1];
        CHECK_OK(ledger_smt_set(b, op->key, op->value));
    }
    ledger_smt_root(a, before);
    CHECK_OK(ledger_smt_checkpoint(a));
    for (size_t i = 0; i < base_log.len; i++) {
        uint8_t v[32];
        (void)ledger_smt_get(a, base_log.op[i].key, v);
        CHECK_OK(ledger_smt_set(a, base_log.op[i].key, v));
    }
    uint8_t key[32];
    cp_fill(&rng, key, 32);
    CHECK(ledger_smt_set(a, key, key) == CHR_ERR_FULL);
    ledger_smt_rollback(a);
    ledger_smt_root(a, got);
    CHECK(memcmp(got, before, 32) == 0);
    CHECK(ledger_smt_count(a) == 200);
    CHECK(count <= 150);
    CHECK(cp_same(a, b, all, 1));
    ledger_smt_free(a);
    ledger_smt_free(b);
}

/* Proves 400 checkpoints in a row, each with 0..40 sets (sometimes a root in between)
 * and then randomly rolled back or released, with sets outside checkpoints between them
 * (sometimes left unhashed), keep the trie equal to a shadow trie that only ever gets
 * the sets that were kept. */
void test_smt_checkpoint_many_cycles(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    const cp_log *const all[] = {&base_log, &tent_log};
    const cp_log *const tent_first[] = {&tent_log, &base_log};
    base_log.len = 0;
    ledger_smt *a = cp_fresh(all, 0);
    CHECK(a != NULL);
    CHECK(cp_steps(&rng, a, 200, &base_log, all, 1));
    ledger_smt *b = cp_fresh(all, 1);
    CHECK(b != NULL);
    for (int cycle = 0; cycle < 400; cycle++) {
        uint64_t r = chr_test_rand(&rng);
        if (r % 4 == 0) {
            size_t from = base_log.len;
            CHECK(cp_steps(&rng, a, (r >> 8) % 5, &base_log, all, 1));
            for (size_t i = from; i < base_log.len; i++) {
                CHECK_OK(ledger_smt_set(b, base_log.op[i].key, base_log.op[i].value));
            }
        }
        tent_log.len = 0;
        CHECK_OK(ledger_smt_checkpoint(a));
        CHECK(cp_steps(&rng, a, (r >> 16) % 41, &tent_log, tent_first, 2));
        if ((r >> 32) % 2 == 0) {
            ledger_smt_rollback(a);
        } else {
            ledger_smt_release(a);
            CHECK(cp_replay(b, &tent_log));
            /* Kept sets become the base that later ones draw old keys from. */
            CHECK(base_log.len + tent_log.len <= CP_OPS_MAX);
            memcpy(&base_log.op[base_log.len], tent_log.op, tent_log.len * sizeof(cp_op));
            base_log.len += tent_log.len;
        }
        CHECK(cp_same(a, b, all, 2));
    }
    ledger_smt_free(a);
    ledger_smt_free(b);
}

/* Proves checkpoints work from the empty trie: a rollback of nothing, of one key and of
 * 300 keys each gives back the empty trie (zero root, count 0, keys absent) that then
 * builds like a fresh one; a release keeps the keys. */
void test_smt_checkpoint_from_empty(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    const cp_log *const all[] = {&base_log, &tent_log};
    const cp_log *const tent_first[] = {&tent_log, &base_log};
    static const uint8_t zero[32];
    uint8_t got[32];
    ledger_smt *a;
    CHECK_OK(ledger_smt_new(&a, CP_KEYS_MAX));
    const size_t sizes[3] = {0, 1, 300};
    for (int i = 0; i < 3; i++) {
        base_log.len = tent_log.len = 0;
        CHECK_OK(ledger_smt_checkpoint(a));
        CHECK(cp_steps(&rng, a, sizes[i], &tent_log, tent_first, 2));
        CHECK(ledger_smt_count(a) <= sizes[i]);
        CHECK((ledger_smt_count(a) > 0) == (sizes[i] > 0));
        ledger_smt_rollback(a);
        ledger_smt_root(a, got);
        CHECK(memcmp(got, zero, 32) == 0);
        CHECK(ledger_smt_count(a) == 0);
        for (size_t j = 0; j < tent_log.len; j++) {
            CHECK(ledger_smt_get(a, tent_log.op[j].key, got) == 0);
        }
    }
    CHECK(cp_steps(&rng, a, 100, &base_log, all, 1));
    ledger_smt *b = cp_fresh(all, 1);
    CHECK(b != NULL);
    CHECK(cp_same(a, b, all, 2));
    ledger_smt_free(a);
    ledger_smt_free(b);
    CHECK_OK(ledger_smt_new(&a, CP_KEYS_MAX));
    base_log.len = tent_log.len = 0;
    CHECK_OK(ledger_smt_checkpoint(a));
    CHECK(cp_steps(&rng, a, 300, &base_log, all, 1));
    ledger_smt_release(a);
    b = cp_fresh(all, 1);
    CHECK(b != NULL);
    CHECK(cp_same(a, b, all, 1));
    ledger_smt_free(a);
    ledger_smt_free(b);
}

/* Proves rollback on the deepest trie: a comb of 257 keys (256 internal nodes on one
 * path), then under a checkpoint updates of its two deepest leaves and inserts that split
 * it near the bottom, with a root taken, all undone. */
void test_smt_checkpoint_deepest_path(void)
{
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed();
    ledger_smt *a;
    CHECK_OK(ledger_smt_new(&a, 300));
    uint8_t key[32];
    uint8_t value[32];
    for (unsigned i = 0; i <= 256; i++) {
        memset(key, 0xff, 32);
        if (i < 256) {
            key[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
        }
        cp_fill(&rng, value, 32);
        CHECK_OK(ledger_smt_set(a, key, value));
    }
    uint8_t before[32];
    uint8_t got[32];
    ledger_smt_root(a, before);
    CHECK_OK(ledger_smt_checkpoint(a));
    memset(key, 0xff, 32);
    memset(value, 0x01, 32);
    CHECK_OK(ledger_smt_set(a, key, value));
    key[31] ^= 0x01;
    CHECK_OK(ledger_smt_set(a, key, value));
    ledger_smt_root(a, got);
    CHECK(memcmp(got, before, 32) != 0);
    for (unsigned i = 0; i < 40; i++) {
        memset(key, 0xff, 32);
        key[31] ^= 0x01;
        key[30 - i % 30] ^= (uint8_t)(1u << (i % 8));
        CHECK_OK(ledger_smt_set(a, key, value));
    }
    CHECK(ledger_smt_count(a) == 297);
    ledger_smt_root(a, got);
    ledger_smt_rollback(a);
    ledger_smt_root(a, got);
    CHECK(memcmp(got, before, 32) == 0);
    CHECK(ledger_smt_count(a) == 257);
    ledger_smt_free(a);
}
