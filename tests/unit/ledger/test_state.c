#include <stdio.h>
#include <stdlib.h>

#include "common/hash.h"
#include "ledger/state.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* The committed accounts of these tests: a small table that stands in for the store. */
#define TABLE_MAX 512

typedef struct state_table {
    size_t len;
    uint8_t addr[TABLE_MAX][32];
    ledger_account acct[TABLE_MAX];
    int fail; /* when set, loading fail_addr fails */
    uint8_t fail_addr[32];
    size_t loads;
} state_table;

static state_table table;

static void table_reset(void)
{
    memset(&table, 0, sizeof(table));
}

static ledger_account *table_find(const uint8_t addr[32])
{
    for (size_t i = 0; i < table.len; i++) {
        if (memcmp(table.addr[i], addr, 32) == 0) {
            return &table.acct[i];
        }
    }
    return NULL;
}

static void table_set(const uint8_t addr[32], uint64_t balance, uint64_t nonce)
{
    ledger_account *a = table_find(addr);
    if (a == NULL) {
        if (table.len == TABLE_MAX) {
            abort();
        }
        memcpy(table.addr[table.len], addr, 32);
        a = &table.acct[table.len++];
    }
    a->balance = balance;
    a->nonce = nonce;
}

static chr_err table_load(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    state_table *t = ctx;
    t->loads++;
    if (t->fail && memcmp(addr, t->fail_addr, 32) == 0) {
        return CHR_ERR_STORE;
    }
    const ledger_account *a = table_find(addr);
    if (a == NULL) {
        memset(out, 0, sizeof(*out));
    } else {
        *out = *a;
    }
    return CHR_OK;
}

/* Test addresses are SHA-256 of an index: spread like real keys. The curve does not
 * matter to ledger_tx_apply. */
static void test_addr(uint8_t out[32], uint32_t i)
{
    uint8_t b[4];
    chr_put_u32be(b, i);
    chr_sha256_hash(out, b, sizeof(b));
}

static void apply_tx(ledger_tx *tx, const uint8_t from[32], const uint8_t to[32], uint64_t nonce,
                     uint64_t fee, uint64_t amount, uint64_t expiry)
{
    ltest_transfer(tx, "chroom", from, to, nonce, fee, amount);
    tx->expiry_height = expiry;
}

static uint64_t balance_of(ledger_overlay *o, const uint8_t addr[32])
{
    ledger_account a;
    if (ledger_overlay_get(o, addr, &a) != CHR_OK) {
        abort();
    }
    return a.balance;
}

/* A copy of everything an overlay holds, to compare before and after a failed apply. */
typedef struct overlay_snap {
    size_t len;
    uint8_t addr[64][32];
    ledger_account acct[64];
} overlay_snap;

static void snap_take(overlay_snap *s, const ledger_overlay *o)
{
    memset(s, 0, sizeof(*s));
    s->len = ledger_overlay_len(o);
    for (size_t i = 0; i < s->len && i < 64; i++) {
        const uint8_t *addr;
        ledger_overlay_at(o, i, &addr, &s->acct[i]);
        memcpy(s->addr[i], addr, 32);
    }
}

static int snap_equal(const overlay_snap *a, const overlay_snap *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

void test_state_account_encoding(void)
{
    /* An account encodes as u64 balance, u64 nonce big-endian, decodes back, rejects other
     * lengths, and hashes as SHA-256 of its encoding. */
    CHECK_OK(chr_hash_init());
    ledger_account a = {.balance = 0x0102030405060708ULL, .nonce = 0x1112131415161718ULL};
    uint8_t buf[LEDGER_ACCOUNT_BYTES + 1];
    ledger_account_encode(buf, &a);
    static const uint8_t want[16] = {1,    2,    3,    4,    5,    6,    7,    8,
                                     0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    CHECK(memcmp(buf, want, 16) == 0);
    ledger_account b;
    CHECK_OK(ledger_account_decode(&b, buf, LEDGER_ACCOUNT_BYTES));
    CHECK(b.balance == a.balance && b.nonce == a.nonce);
    CHECK(ledger_account_decode(&b, buf, LEDGER_ACCOUNT_BYTES - 1) == CHR_ERR_TRUNCATED);
    CHECK(b.balance == 0 && b.nonce == 0);
    CHECK(ledger_account_decode(&b, buf, 0) == CHR_ERR_TRUNCATED);
    CHECK(ledger_account_decode(&b, buf, LEDGER_ACCOUNT_BYTES + 1) == CHR_ERR_TRAILING);
    uint8_t h1[32];
    uint8_t h2[32];
    ledger_account_hash(h1, &a);
    chr_sha256_hash(h2, want, 16);
    CHECK(memcmp(h1, h2, 32) == 0);
}

void test_state_overlay_put_get_reset(void)
{
    /* The overlay returns committed accounts until changed, then its own copy; keeps
     * changes in first-changed order, one entry per address (also when addresses share
     * their hash prefix); forgets them on reset; and refuses new addresses when full. */
    CHECK_OK(chr_hash_init());
    table_reset();
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 8, table_load, &table));
    uint8_t a[32];
    uint8_t b[32];
    test_addr(a, 1);
    test_addr(b, 2);
    table_set(a, 500, 3);
    ledger_account got;
    CHECK_OK(ledger_overlay_get(o, a, &got));
    CHECK(got.balance == 500 && got.nonce == 3);
    CHECK_OK(ledger_overlay_get(o, b, &got));
    CHECK(got.balance == 0 && got.nonce == 0);
    CHECK(ledger_overlay_len(o) == 0);
    ledger_account v = {.balance = 7, .nonce = 4};
    CHECK_OK(ledger_overlay_put(o, b, &v));
    CHECK_OK(ledger_overlay_put(o, a, &v));
    v.balance = 8;
    CHECK_OK(ledger_overlay_put(o, b, &v));
    CHECK(ledger_overlay_len(o) == 2);
    const uint8_t *addr;
    ledger_overlay_at(o, 0, &addr, &got);
    CHECK(memcmp(addr, b, 32) == 0 && got.balance == 8);
    ledger_overlay_at(o, 1, &addr, &got);
    CHECK(memcmp(addr, a, 32) == 0 && got.balance == 7);
    size_t loads = table.loads;
    CHECK_OK(ledger_overlay_get(o, a, &got));
    CHECK(got.balance == 7 && got.nonce == 4 && table.loads == loads);
    ledger_overlay_reset(o);
    CHECK(ledger_overlay_len(o) == 0);
    CHECK_OK(ledger_overlay_get(o, a, &got));
    CHECK(got.balance == 500 && got.nonce == 3);

    /* Eight addresses equal in their first 8 bytes all probe from the same slot. */
    uint8_t same[9][32];
    for (uint32_t i = 0; i < 9; i++) {
        test_addr(same[i], 100 + i);
        memset(same[i], 0x42, 8);
    }
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < 8; i++) {
            ledger_account x = {.balance = 1000 * round + i, .nonce = i};
            CHECK_OK(ledger_overlay_put(o, same[i], &x));
        }
        CHECK(ledger_overlay_len(o) == 8);
        for (uint32_t i = 0; i < 8; i++) {
            CHECK_OK(ledger_overlay_get(o, same[i], &got));
            CHECK(got.balance == 1000 * round + i);
        }
        ledger_account x = {.balance = 1, .nonce = 1};
        CHECK(ledger_overlay_put(o, same[8], &x) == CHR_ERR_FULL);
        CHECK(ledger_overlay_put(o, a, &x) == CHR_ERR_FULL);
        CHECK_OK(ledger_overlay_put(o, same[3], &x)); /* an existing address still updates */
        CHECK(ledger_overlay_len(o) == 8);
        CHECK_OK(ledger_overlay_get(o, same[8], &got));
        CHECK(got.balance == 0);
        ledger_overlay_reset(o);
        for (uint32_t i = 0; i < 8; i++) {
            CHECK_OK(ledger_overlay_get(o, same[i], &got));
            CHECK(got.balance == 0 && got.nonce == 0);
        }
    }
    ledger_overlay_free(o);
}

void test_state_apply_nonce_exact(void)
{
    /* Only the exact next nonce applies: "nonce: expected 7, got 9" for a later one, the
     * same error for an earlier one; applying raises the nonce by one. */
    CHECK_OK(chr_hash_init());
    table_reset();
    uint8_t from[32];
    uint8_t to[32];
    uint8_t prop[32];
    test_addr(from, 1);
    test_addr(to, 2);
    test_addr(prop, 3);
    table_set(from, 1000000, 7);
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 16, table_load, &table));
    char detail[128];
    ledger_tx tx;
    apply_tx(&tx, from, to, 9, 10, 100, 0);
    CHECK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)) == CHR_ERR_NONCE);
    CHECK(strcmp(detail, "nonce: expected 7, got 9") == 0);
    CHECK(ledger_overlay_len(o) == 0);
    apply_tx(&tx, from, to, 6, 10, 100, 0);
    CHECK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)) == CHR_ERR_NONCE);
    CHECK(strcmp(detail, "nonce: expected 7, got 6") == 0);
    apply_tx(&tx, from, to, 7, 10, 100, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    CHECK(detail[0] == '\0');
    /* The same transaction again is now a nonce error. */
    CHECK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)) == CHR_ERR_NONCE);
    CHECK(strcmp(detail, "nonce: expected 8, got 7") == 0);
    ledger_account a;
    CHECK_OK(ledger_overlay_get(o, from, &a));
    CHECK(a.nonce == 8 && a.balance == 1000000 - 110);
    apply_tx(&tx, from, to, 8, 10, 100, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    CHECK_OK(ledger_overlay_get(o, from, &a));
    CHECK(a.nonce == 9);
    ledger_overlay_free(o);
}

void test_state_apply_balance_boundary(void)
{
    /* A balance exactly equal to amount + fee suffices (leaving zero); one unit less is
     * CHR_ERR_BALANCE; an amount + fee that overflows a u64 is CHR_ERR_BALANCE. */
    CHECK_OK(chr_hash_init());
    table_reset();
    uint8_t from[32];
    uint8_t to[32];
    uint8_t prop[32];
    test_addr(from, 1);
    test_addr(to, 2);
    test_addr(prop, 3);
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 16, table_load, &table));
    char detail[128];
    ledger_tx tx;
    table_set(from, 1099, 0);
    apply_tx(&tx, from, to, 0, 100, 1000, 0);
    CHECK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)) == CHR_ERR_BALANCE);
    CHECK(strcmp(detail, "balance: 1099 does not cover amount 1000 + fee 100") == 0);
    CHECK(ledger_overlay_len(o) == 0);
    table_set(from, 1100, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    CHECK(balance_of(o, from) == 0 && balance_of(o, to) == 1000 && balance_of(o, prop) == 100);
    ledger_overlay_reset(o);
    table_set(from, UINT64_MAX, 0);
    apply_tx(&tx, from, to, 0, 1, UINT64_MAX, 0);
    CHECK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)) == CHR_ERR_BALANCE);
    apply_tx(&tx, from, to, 0, UINT64_MAX, 1, 0);
    CHECK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)) == CHR_ERR_BALANCE);
    apply_tx(&tx, from, to, 0, 1, UINT64_MAX - 1, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    CHECK(balance_of(o, from) == 0 && balance_of(o, to) == UINT64_MAX - 1);
    ledger_overlay_free(o);
}

void test_state_apply_expiry(void)
{
    /* A transaction applies at its expiry height and not after it (CHR_ERR_EXPIRED with a
     * detail); expiry 0 never expires. */
    CHECK_OK(chr_hash_init());
    table_reset();
    uint8_t from[32];
    uint8_t to[32];
    uint8_t prop[32];
    test_addr(from, 1);
    test_addr(to, 2);
    test_addr(prop, 3);
    table_set(from, 1000000, 0);
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 16, table_load, &table));
    char detail[128];
    ledger_tx tx;
    apply_tx(&tx, from, to, 0, 10, 100, 50);
    CHECK(ledger_tx_apply(o, &tx, 51, prop, detail, sizeof(detail)) == CHR_ERR_EXPIRED);
    CHECK(strcmp(detail, "expiry_height: 50 passed, block is 51") == 0);
    CHECK(ledger_tx_apply(o, &tx, UINT64_MAX, prop, detail, sizeof(detail)) == CHR_ERR_EXPIRED);
    CHECK(ledger_overlay_len(o) == 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 50, prop, detail, sizeof(detail)));
    apply_tx(&tx, from, to, 1, 10, 100, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, UINT64_MAX, prop, detail, sizeof(detail)));
    apply_tx(&tx, from, to, 2, 10, 100, 1000);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    /* Expiry is checked before the nonce: an expired transaction with a wrong nonce is
     * reported as expired. */
    apply_tx(&tx, from, to, 99, 10, 100, 5);
    CHECK(ledger_tx_apply(o, &tx, 6, prop, detail, sizeof(detail)) == CHR_ERR_EXPIRED);
    ledger_overlay_free(o);
}

void test_state_apply_failure_leaves_overlay(void)
{
    /* Every rejected transaction (expired, wrong nonce, short balance, overlay full) leaves
     * the overlay exactly as it was, including the order of its entries. */
    CHECK_OK(chr_hash_init());
    table_reset();
    uint8_t addr[8][32];
    for (uint32_t i = 0; i < 8; i++) {
        test_addr(addr[i], i);
        table_set(addr[i], 10000, 0);
    }
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 6, table_load, &table));
    char detail[128];
    ledger_tx tx;
    apply_tx(&tx, addr[0], addr[1], 0, 10, 100, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 5, addr[2], detail, sizeof(detail)));
    apply_tx(&tx, addr[1], addr[0], 0, 10, 50, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 5, addr[2], detail, sizeof(detail)));
    overlay_snap before;
    overlay_snap after;
    snap_take(&before, o);
    CHECK(before.len == 3);
    ledger_tx bad[4];
    apply_tx(&bad[0], addr[0], addr[3], 1, 10, 100, 4);
    apply_tx(&bad[1], addr[0], addr[3], 5, 10, 100, 0);
    apply_tx(&bad[2], addr[0], addr[3], 1, 10, 100000, 0);
    apply_tx(&bad[3], addr[4], addr[5], 0, 10, 100, 0); /* needs 3 entries, 3 are free */
    chr_err want[4] = {CHR_ERR_EXPIRED, CHR_ERR_NONCE, CHR_ERR_BALANCE, CHR_OK};
    for (size_t i = 0; i < 3; i++) {
        CHECK(ledger_tx_apply(o, &bad[i], 5, addr[6], detail, sizeof(detail)) == want[i]);
        snap_take(&after, o);
        CHECK(snap_equal(&before, &after));
    }
    CHECK(ledger_tx_apply(o, &bad[3], 5, addr[2], detail, sizeof(detail)) == want[3]);
    CHECK(ledger_overlay_len(o) == 5);
    /* Now one entry is free and a transfer between two new accounts with a new proposer
     * needs three. */
    snap_take(&before, o);
    apply_tx(&tx, addr[6], addr[7], 0, 10, 100, 0);
    CHECK(ledger_tx_apply(o, &tx, 5, addr[3], detail, sizeof(detail)) == CHR_ERR_FULL);
    snap_take(&after, o);
    CHECK(snap_equal(&before, &after));
    ledger_overlay_free(o);
}

void test_state_apply_fee_to_proposer(void)
{
    /* The sender pays amount + fee, the recipient gets the amount and the proposer the
     * fee, also when the proposer is the sender or the recipient; a zero fee leaves the
     * proposer untouched. The three balances always sum to what they were. */
    CHECK_OK(chr_hash_init());
    table_reset();
    uint8_t from[32];
    uint8_t to[32];
    uint8_t prop[32];
    test_addr(from, 1);
    test_addr(to, 2);
    test_addr(prop, 3);
    table_set(from, 10000, 0);
    table_set(to, 500, 0);
    table_set(prop, 70, 0);
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 16, table_load, &table));
    char detail[128];
    ledger_tx tx;
    apply_tx(&tx, from, to, 0, 30, 1000, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    CHECK(balance_of(o, from) == 8970 && balance_of(o, to) == 1500 && balance_of(o, prop) == 100);
    CHECK(ledger_overlay_len(o) == 3);
    apply_tx(&tx, from, to, 1, 30, 1000, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, from, detail, sizeof(detail)));
    CHECK(balance_of(o, from) == 7970 && balance_of(o, to) == 2500);
    apply_tx(&tx, from, to, 2, 30, 1000, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, to, detail, sizeof(detail)));
    CHECK(balance_of(o, from) == 6940 && balance_of(o, to) == 3530);
    CHECK(balance_of(o, prop) == 100);
    CHECK(balance_of(o, from) + balance_of(o, to) + balance_of(o, prop) == 10570);
    ledger_overlay_reset(o);
    apply_tx(&tx, from, to, 0, 0, 1000, 0);
    CHECK_OK(ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail)));
    CHECK(ledger_overlay_len(o) == 2);
    CHECK(balance_of(o, prop) == 70);
    ledger_overlay_free(o);
}

void test_state_apply_block_bound_fits(void)
{
    /* state.h sizes an overlay for a block of n transfers as 2n + 1 entries: n transfers
     * between 2n distinct accounts with one proposer must all apply in it. */
    CHECK_OK(chr_hash_init());
    table_reset();
    enum { N = 20 };
    uint8_t prop[32];
    test_addr(prop, 9999);
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 2 * N + 1, table_load, &table));
    char detail[128];
    for (uint32_t i = 0; i < N; i++) {
        uint8_t from[32];
        uint8_t to[32];
        test_addr(from, 2 * i);
        test_addr(to, 2 * i + 1);
        table_set(from, 1000, 0);
        ledger_tx tx;
        apply_tx(&tx, from, to, 0, 1, 10, 0);
        chr_err err = ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail));
        if (err != CHR_OK) {
            printf("# transfer %u of %u: %s\n", i + 1, N, chr_err_name(err));
        }
        CHECK_OK(err);
    }
    CHECK(ledger_overlay_len(o) == 2 * N + 1);
    ledger_overlay_free(o);
}

void test_state_apply_load_error(void)
{
    /* A failing load (the store) comes back from ledger_tx_apply as its own error, for the
     * sender, the recipient and the proposer alike. */
    CHECK_OK(chr_hash_init());
    uint8_t from[32];
    uint8_t to[32];
    uint8_t prop[32];
    test_addr(from, 1);
    test_addr(to, 2);
    test_addr(prop, 3);
    const uint8_t *fail[3] = {from, to, prop};
    for (size_t i = 0; i < 3; i++) {
        table_reset();
        table_set(from, 10000, 0);
        table.fail = 1;
        memcpy(table.fail_addr, fail[i], 32);
        ledger_overlay *o;
        CHECK_OK(ledger_overlay_new(&o, 16, table_load, &table));
        char detail[128];
        ledger_tx tx;
        apply_tx(&tx, from, to, 0, 10, 100, 0);
        chr_err err = ledger_tx_apply(o, &tx, 1, prop, detail, sizeof(detail));
        ledger_overlay_free(o);
        CHECK(err == CHR_ERR_STORE);
    }
}

/* The randomized conservation test: accounts in the table, a model of them, and blocks of
 * random transfers of which some must fail. */
#define SUPPLY_ACCOUNTS 64
#define SUPPLY_BLOCKS 60
#define SUPPLY_TXS_PER_BLOCK 100
#define SUPPLY_GENESIS 1000000000ULL

typedef struct supply_model {
    uint8_t addr[SUPPLY_ACCOUNTS][32];
    ledger_account acct[SUPPLY_ACCOUNTS];
} supply_model;

static supply_model model;

/* What ledger_tx_apply must do to the model, by the rules of state.h. */
static chr_err model_apply(size_t from, size_t to, size_t prop, const ledger_tx *tx,
                           uint64_t height)
{
    if (tx->expiry_height != 0 && height > tx->expiry_height) {
        return CHR_ERR_EXPIRED;
    }
    if (tx->nonce != model.acct[from].nonce) {
        return CHR_ERR_NONCE;
    }
    if (tx->body.transfer.amount > model.acct[from].balance ||
        tx->fee > model.acct[from].balance - tx->body.transfer.amount) {
        return CHR_ERR_BALANCE;
    }
    model.acct[from].balance -= tx->body.transfer.amount + tx->fee;
    model.acct[from].nonce++;
    model.acct[to].balance += tx->body.transfer.amount;
    model.acct[prop].balance += tx->fee;
    return CHR_OK;
}

/* A random transfer: usually valid, sometimes with a wrong nonce, too large an amount or
 * an expiry in the past. */
static void supply_rand_tx(uint64_t *rng, ledger_tx *tx, size_t from, size_t to, uint64_t height)
{
    uint64_t r = chr_test_rand(rng) % 100;
    uint64_t nonce = model.acct[from].nonce;
    uint64_t bal = model.acct[from].balance;
    uint64_t amount = 1 + chr_test_rand(rng) % (bal / 4 + 1);
    uint64_t fee = chr_test_rand(rng) % 50;
    uint64_t expiry = 0;
    if (r < 5) {
        nonce += 1 + chr_test_rand(rng) % 3;
    } else if (r < 8 && nonce > 0) {
        nonce -= 1;
    } else if (r < 15) {
        amount = bal + chr_test_rand(rng) % 3; /* just over, or exactly with a zero fee */
    } else if (r < 20) {
        expiry = height - chr_test_rand(rng) % 2; /* at or before this height */
    } else if (r < 25) {
        expiry = height + chr_test_rand(rng) % 5;
    }
    if (amount == 0) {
        amount = 1;
    }
    apply_tx(tx, model.addr[from], model.addr[to], nonce, fee, amount, expiry);
}

static uint64_t table_supply(void)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < table.len; i++) {
        sum += table.acct[i].balance;
    }
    return sum;
}

void test_state_supply_conserved_random(void)
{
    /* Seeded random transfers among many accounts, some failing, applied block by block
     * (overlay reset per block, its changes written to the table): the outcome of every
     * transaction and every account match a model, and after every block the balances sum
     * to the genesis supply. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed() ^ 0x737570706c79ULL;
    table_reset();
    memset(&model, 0, sizeof(model));
    for (uint32_t i = 0; i < SUPPLY_ACCOUNTS; i++) {
        test_addr(model.addr[i], i);
        /* Genesis funds half of the accounts; the others start empty and unknown. */
        if (i % 2 == 0) {
            model.acct[i].balance = SUPPLY_GENESIS / (SUPPLY_ACCOUNTS / 2);
            table_set(model.addr[i], model.acct[i].balance, 0);
        }
    }
    uint64_t supply = table_supply();
    CHECK(supply == SUPPLY_GENESIS);
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, 2 * SUPPLY_TXS_PER_BLOCK + 1, table_load, &table));
    size_t applied = 0;
    size_t failed = 0;
    for (uint64_t height = 1; height <= SUPPLY_BLOCKS; height++) {
        ledger_overlay_reset(o);
        size_t prop = chr_test_rand(&rng) % SUPPLY_ACCOUNTS;
        for (int t = 0; t < SUPPLY_TXS_PER_BLOCK; t++) {
            size_t from = chr_test_rand(&rng) % SUPPLY_ACCOUNTS;
            size_t to = (from + 1 + chr_test_rand(&rng) % (SUPPLY_ACCOUNTS - 1)) % SUPPLY_ACCOUNTS;
            ledger_tx tx;
            supply_rand_tx(&rng, &tx, from, to, height);
            char detail[128];
            size_t len = ledger_overlay_len(o);
            chr_err err = ledger_tx_apply(o, &tx, height, model.addr[prop], detail, sizeof(detail));
            chr_err want = model_apply(from, to, prop, &tx, height);
            CHECK(err == want);
            if (err == CHR_OK) {
                applied++;
            } else {
                failed++;
                CHECK(ledger_overlay_len(o) == len);
            }
        }
        for (size_t i = 0; i < ledger_overlay_len(o); i++) {
            const uint8_t *addr;
            ledger_account a;
            ledger_overlay_at(o, i, &addr, &a);
            table_set(addr, a.balance, a.nonce);
        }
        CHECK(table_supply() == supply);
        for (size_t i = 0; i < SUPPLY_ACCOUNTS; i++) {
            const ledger_account *a = table_find(model.addr[i]);
            ledger_account zero = {0, 0};
            a = a != NULL ? a : &zero;
            CHECK(a->balance == model.acct[i].balance && a->nonce == model.acct[i].nonce);
        }
    }
    ledger_overlay_free(o);
    printf("# supply: %zu transfers applied, %zu rejected, %d blocks, supply %llu kept\n", applied,
           failed, SUPPLY_BLOCKS, (unsigned long long)supply);
    CHECK(applied > 1000 && failed > 300);
}
