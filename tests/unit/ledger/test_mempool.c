#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/mempool.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* A pending transaction as the node hands it to the mempool: the decoded transaction, its
 * id and its encoded size. Signatures play no part in the mempool, so none is made. */
typedef struct mp_tx {
    ledger_tx tx;
    uint8_t hash[32];
    uint8_t enc[LEDGER_TX_BYTES_BASE_MAX];
    size_t bytes;
} mp_tx;

static void mp_addr(uint8_t out[32], uint32_t i)
{
    uint8_t b[5] = {'m', 0, 0, 0, 0};
    chr_put_u32be(b + 1, i);
    chr_sha256_hash(out, b, sizeof(b));
}

/* A transfer from account `from` with this nonce; memo_len bytes of memo make the
 * transaction larger, and `tag` makes otherwise equal transactions differ. */
static void mp_make(mp_tx *t, uint32_t from, uint64_t nonce, uint64_t amount, uint64_t fee,
                    size_t memo_len, uint8_t tag)
{
    uint8_t a[32];
    uint8_t b[32];
    uint8_t memo[LEDGER_MEMO_MAX];
    mp_addr(a, from);
    mp_addr(b, from + 1000);
    memset(memo, 'a' + tag % 26, sizeof(memo));
    if (ledger_tx_init(&t->tx, LEDGER_TX_TRANSFER, "chroom", a, nonce, fee, 0, memo, memo_len) !=
        CHR_OK) {
        abort();
    }
    memcpy(t->tx.body.transfer.to, b, 32);
    t->tx.body.transfer.amount = amount;
    if (ledger_tx_encode(&t->tx, t->enc, sizeof(t->enc), &t->bytes) != CHR_OK) {
        abort();
    }
    ledger_tx_hash(&t->tx, t->hash);
}

static chr_err mp_add(ledger_mempool *mp, const mp_tx *t, uint64_t balance, uint64_t nonce,
                      char *detail, size_t detail_cap)
{
    ledger_account committed = {.balance = balance, .nonce = nonce};
    return ledger_mempool_add(mp, &t->tx, t->hash, t->enc, t->bytes, &committed, detail,
                              detail_cap);
}

/* True when iterating the mempool gives exactly these transactions in this order. */
static int mp_order_is(const ledger_mempool *mp, const mp_tx *const *want, size_t n)
{
    size_t i = 0;
    for (const ledger_mempool_entry *e = ledger_mempool_head(mp); e != NULL;
         e = ledger_mempool_next(mp, e)) {
        if (i == n || memcmp(ledger_mempool_entry_hash(e), want[i]->hash, 32) != 0 ||
            ledger_mempool_entry_tx(e)->nonce != want[i]->tx.nonce) {
            return 0;
        }
        i++;
    }
    return i == n && ledger_mempool_count(mp) == n;
}

void test_mempool_admits_in_nonce_order(void)
{
    /* Several transactions per account are admitted in nonce order from the committed
     * nonce; iteration gives arrival order; next_nonce counts the pending ones; find
     * returns each by hash; count and bytes add up. */
    CHECK_OK(chr_hash_init());
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, 16, 64 * 1024));
    mp_tx a5, a6, a7, b0, b1;
    mp_make(&a5, 1, 5, 100, 10, 0, 0);
    mp_make(&a6, 1, 6, 100, 10, 3, 0);
    mp_make(&a7, 1, 7, 100, 10, 0, 0);
    mp_make(&b0, 2, 0, 100, 10, 0, 0);
    mp_make(&b1, 2, 1, 100, 10, 0, 0);
    char detail[128];
    uint8_t a[32];
    uint8_t b[32];
    uint8_t c[32];
    mp_addr(a, 1);
    mp_addr(b, 2);
    mp_addr(c, 3);
    CHECK(ledger_mempool_next_nonce(mp, a, 5) == 5);
    CHECK_OK(mp_add(mp, &a5, 10000, 5, detail, sizeof(detail)));
    CHECK(detail[0] == '\0');
    CHECK_OK(mp_add(mp, &b0, 10000, 0, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &a6, 10000, 5, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &b1, 10000, 0, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &a7, 10000, 5, detail, sizeof(detail)));
    const mp_tx *want[] = {&a5, &b0, &a6, &b1, &a7};
    CHECK(mp_order_is(mp, want, 5));
    CHECK(ledger_mempool_next_nonce(mp, a, 5) == 8);
    CHECK(ledger_mempool_next_nonce(mp, b, 0) == 2);
    CHECK(ledger_mempool_next_nonce(mp, c, 42) == 42);
    CHECK(ledger_mempool_bytes(mp) == a5.bytes + a6.bytes + a7.bytes + b0.bytes + b1.bytes);
    const ledger_mempool_entry *e = ledger_mempool_find(mp, a6.hash);
    CHECK(e != NULL && ledger_mempool_entry_tx(e)->nonce == 6);
    CHECK(memcmp(ledger_mempool_entry_hash(e), a6.hash, 32) == 0);
    CHECK(ledger_mempool_entry_tx(e)->memo_len == 3);
    uint8_t none[32] = {0};
    CHECK(ledger_mempool_find(mp, none) == NULL);
    ledger_mempool_free(mp);
}

void test_mempool_rejects_nonces(void)
{
    /* A nonce past the next one (a gap) or below the committed one is CHR_ERR_NONCE with
     * "nonce: expected N, got M"; a different transaction with a pending nonce is
     * CHR_ERR_NONCE_PENDING; the same transaction again is CHR_ERR_DUPLICATE. None of them
     * changes the mempool. */
    CHECK_OK(chr_hash_init());
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, 16, 64 * 1024));
    char detail[128];
    mp_tx t7, t8, gap, old, other7, other8;
    mp_make(&t7, 1, 7, 100, 10, 0, 0);
    mp_make(&t8, 1, 8, 100, 10, 0, 0);
    mp_make(&gap, 1, 10, 100, 10, 0, 0);
    mp_make(&old, 1, 6, 100, 10, 0, 0);
    mp_make(&other7, 1, 7, 100, 10, 1, 1);
    mp_make(&other8, 1, 8, 200, 10, 0, 0);
    mp_tx first_gap;
    mp_make(&first_gap, 1, 9, 100, 10, 0, 0);
    CHECK(mp_add(mp, &first_gap, 10000, 7, detail, sizeof(detail)) == CHR_ERR_NONCE);
    CHECK(strcmp(detail, "nonce: expected 7, got 9") == 0);
    CHECK(ledger_mempool_count(mp) == 0);
    CHECK_OK(mp_add(mp, &t7, 10000, 7, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &t8, 10000, 7, detail, sizeof(detail)));
    size_t bytes = ledger_mempool_bytes(mp);
    CHECK(mp_add(mp, &gap, 10000, 7, detail, sizeof(detail)) == CHR_ERR_NONCE);
    CHECK(strcmp(detail, "nonce: expected 9, got 10") == 0);
    CHECK(mp_add(mp, &old, 10000, 7, detail, sizeof(detail)) == CHR_ERR_NONCE);
    CHECK(strcmp(detail, "nonce: expected 9, got 6") == 0);
    CHECK(mp_add(mp, &t7, 10000, 7, detail, sizeof(detail)) == CHR_ERR_DUPLICATE);
    CHECK(mp_add(mp, &t8, 10000, 7, detail, sizeof(detail)) == CHR_ERR_DUPLICATE);
    CHECK(mp_add(mp, &other7, 10000, 7, detail, sizeof(detail)) == CHR_ERR_NONCE_PENDING);
    CHECK(strstr(detail, "nonce: 7") != NULL);
    CHECK(mp_add(mp, &other8, 10000, 7, detail, sizeof(detail)) == CHR_ERR_NONCE_PENDING);
    CHECK(ledger_mempool_count(mp) == 2 && ledger_mempool_bytes(mp) == bytes);
    const mp_tx *want[] = {&t7, &t8};
    CHECK(mp_order_is(mp, want, 2));
    ledger_mempool_free(mp);
}

void test_mempool_pending_spend_counted(void)
{
    /* Pending amounts and fees count against the committed balance: the transaction that
     * would overdraw it is CHR_ERR_BALANCE, one that exactly exhausts it is admitted, and
     * an amount + fee that overflows is CHR_ERR_BALANCE. */
    CHECK_OK(chr_hash_init());
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, 16, 64 * 1024));
    char detail[160];
    mp_tx t0, t1, t2, t2b, big;
    mp_make(&t0, 1, 0, 3000, 1000, 0, 0);  /* 4000 */
    mp_make(&t1, 1, 1, 3000, 1000, 0, 0);  /* 8000 */
    mp_make(&t2, 1, 2, 2001, 1000, 0, 0);  /* 11001: one over */
    mp_make(&t2b, 1, 2, 1000, 1000, 0, 0); /* 10000: exactly */
    mp_make(&big, 2, 0, UINT64_MAX, 1, 0, 0);
    CHECK_OK(mp_add(mp, &t0, 10000, 0, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &t1, 10000, 0, detail, sizeof(detail)));
    CHECK(mp_add(mp, &t2, 10000, 0, detail, sizeof(detail)) == CHR_ERR_BALANCE);
    CHECK(strstr(detail, "balance: 10000") != NULL);
    CHECK(ledger_mempool_count(mp) == 2);
    CHECK_OK(mp_add(mp, &t2b, 10000, 0, detail, sizeof(detail)));
    CHECK(ledger_mempool_count(mp) == 3);
    CHECK(mp_add(mp, &big, UINT64_MAX, 0, detail, sizeof(detail)) == CHR_ERR_BALANCE);
    /* Once the first is committed and removed, its spend is no longer pending. */
    ledger_mempool_remove(mp, t0.hash);
    mp_tx t3;
    mp_make(&t3, 1, 3, 3000, 1000, 0, 0);
    CHECK(mp_add(mp, &t3, 6000, 1, detail, sizeof(detail)) == CHR_ERR_BALANCE);
    CHECK_OK(mp_add(mp, &t3, 10000, 1, detail, sizeof(detail)));
    ledger_mempool_free(mp);
}

void test_mempool_count_and_byte_limits(void)
{
    /* The mempool refuses a transaction past its count limit or its byte limit with
     * CHR_ERR_MEMPOOL_FULL (the detail says it is full) and admits again once one is
     * removed. */
    CHECK_OK(chr_hash_init());
    ledger_mempool *mp;
    char detail[128];
    CHECK_OK(ledger_mempool_new(&mp, 4, 64 * 1024));
    mp_tx t[5];
    for (uint32_t i = 0; i < 5; i++) {
        mp_make(&t[i], 10 + i, 0, 1, 1, 0, 0);
    }
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_OK(mp_add(mp, &t[i], 100, 0, detail, sizeof(detail)));
    }
    CHECK(mp_add(mp, &t[4], 100, 0, detail, sizeof(detail)) == CHR_ERR_MEMPOOL_FULL);
    CHECK(strstr(detail, "full") != NULL);
    CHECK(ledger_mempool_count(mp) == 4);
    ledger_mempool_remove(mp, t[2].hash);
    CHECK_OK(mp_add(mp, &t[4], 100, 0, detail, sizeof(detail)));
    const mp_tx *want[] = {&t[0], &t[1], &t[3], &t[4]};
    CHECK(mp_order_is(mp, want, 4));
    ledger_mempool_free(mp);

    /* By bytes: LEDGER_TX_BYTES_MAX bytes hold `fit` transactions of 427 bytes (the longest
     * memo), and not one more. */
    CHECK_OK(ledger_mempool_new(&mp, 100, LEDGER_TX_BYTES_MAX));
    enum { BIG = 64 };
    static mp_tx big[BIG];
    for (uint32_t i = 0; i < BIG; i++) {
        mp_make(&big[i], 20 + i, 0, 1, 1, LEDGER_MEMO_MAX, 0);
    }
    size_t fit = LEDGER_TX_BYTES_MAX / big[0].bytes;
    CHECK(fit + 1 < BIG && big[0].bytes == 427);
    for (uint32_t i = 0; i < fit; i++) {
        CHECK_OK(mp_add(mp, &big[i], 100, 0, detail, sizeof(detail)));
    }
    CHECK(mp_add(mp, &big[fit], 100, 0, detail, sizeof(detail)) == CHR_ERR_MEMPOOL_FULL);
    CHECK(ledger_mempool_count(mp) == fit && ledger_mempool_bytes(mp) == fit * big[0].bytes);
    /* A small one does not fit in the bytes left, and does once a big one is gone. */
    mp_tx small;
    mp_make(&small, 200, 0, 1, 1, 0, 0);
    CHECK(small.bytes > LEDGER_TX_BYTES_MAX - fit * big[0].bytes);
    CHECK(mp_add(mp, &small, 100, 0, detail, sizeof(detail)) == CHR_ERR_MEMPOOL_FULL);
    ledger_mempool_remove(mp, big[0].hash);
    CHECK_OK(mp_add(mp, &small, 100, 0, detail, sizeof(detail)));
    ledger_mempool_free(mp);
}

void test_mempool_remove_committed(void)
{
    /* Removing committed heads keeps the rest in order, moves the account's next nonce
     * along with the committed nonce, forgets an account with nothing pending, and ignores
     * hashes it does not hold. */
    CHECK_OK(chr_hash_init());
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, 8, 64 * 1024));
    char detail[128];
    mp_tx a0, a1, b0;
    mp_make(&a0, 1, 0, 10, 1, 0, 0);
    mp_make(&a1, 1, 1, 10, 1, 0, 0);
    mp_make(&b0, 2, 0, 10, 1, 0, 0);
    uint8_t a[32];
    mp_addr(a, 1);
    CHECK_OK(mp_add(mp, &a0, 1000, 0, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &b0, 1000, 0, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &a1, 1000, 0, detail, sizeof(detail)));
    uint8_t unknown[32];
    memset(unknown, 0x5c, sizeof(unknown));
    ledger_mempool_remove(mp, unknown);
    CHECK(ledger_mempool_count(mp) == 3);
    ledger_mempool_remove(mp, a0.hash);
    CHECK(ledger_mempool_find(mp, a0.hash) == NULL);
    const mp_tx *want1[] = {&b0, &a1};
    CHECK(mp_order_is(mp, want1, 2));
    CHECK(ledger_mempool_next_nonce(mp, a, 1) == 2);
    /* With a0 committed, a2 is admitted against the new committed state. */
    mp_tx a2;
    mp_make(&a2, 1, 2, 10, 1, 0, 0);
    CHECK_OK(mp_add(mp, &a2, 989, 1, detail, sizeof(detail)));
    ledger_mempool_remove(mp, a0.hash); /* twice is a no-op */
    ledger_mempool_remove(mp, a1.hash);
    ledger_mempool_remove(mp, a2.hash);
    CHECK(ledger_mempool_next_nonce(mp, a, 3) == 3);
    ledger_mempool_remove(mp, b0.hash);
    CHECK(ledger_mempool_count(mp) == 0 && ledger_mempool_bytes(mp) == 0);
    CHECK(ledger_mempool_head(mp) == NULL);
    /* Everything freed is reusable. */
    for (uint32_t i = 0; i < 8; i++) {
        mp_tx t;
        mp_make(&t, 100 + i, 0, 1, 1, 0, 0);
        CHECK_OK(mp_add(mp, &t, 10, 0, detail, sizeof(detail)));
    }
    CHECK(ledger_mempool_count(mp) == 8);
    ledger_mempool_free(mp);
}

typedef struct evicted {
    size_t len;
    uint8_t hash[8][32];
} evicted;

static void on_evict(void *ctx, const uint8_t hash[32])
{
    evicted *ev = ctx;
    if (ev->len < 8) {
        memcpy(ev->hash[ev->len], hash, 32);
    }
    ev->len++;
}

void test_mempool_evict_from(void)
{
    /* ledger_mempool_evict_from removes an account's pending transactions from a nonce on,
     * newest first, calling back once for each before it goes, and leaves other accounts
     * and earlier nonces alone. */
    CHECK_OK(chr_hash_init());
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, 8, 64 * 1024));
    char detail[128];
    mp_tx a[4], b0;
    for (uint32_t i = 0; i < 4; i++) {
        mp_make(&a[i], 1, 5 + i, 10, 1, 0, 0);
    }
    mp_make(&b0, 2, 0, 10, 1, 0, 0);
    uint8_t addr[32];
    uint8_t baddr[32];
    mp_addr(addr, 1);
    mp_addr(baddr, 2);
    CHECK_OK(mp_add(mp, &a[0], 1000, 5, detail, sizeof(detail)));
    CHECK_OK(mp_add(mp, &b0, 1000, 0, detail, sizeof(detail)));
    for (uint32_t i = 1; i < 4; i++) {
        CHECK_OK(mp_add(mp, &a[i], 1000, 5, detail, sizeof(detail)));
    }
    evicted ev = {0};
    ledger_mempool_evict_from(mp, addr, 9, on_evict, &ev);
    CHECK(ev.len == 0 && ledger_mempool_count(mp) == 5);
    ledger_mempool_evict_from(mp, addr, 7, on_evict, &ev);
    CHECK(ev.len == 2);
    CHECK(memcmp(ev.hash[0], a[3].hash, 32) == 0 && memcmp(ev.hash[1], a[2].hash, 32) == 0);
    CHECK(ledger_mempool_find(mp, a[2].hash) == NULL && ledger_mempool_find(mp, a[3].hash) == NULL);
    CHECK(ledger_mempool_next_nonce(mp, addr, 5) == 7);
    const mp_tx *want[] = {&a[0], &b0, &a[1]};
    CHECK(mp_order_is(mp, want, 3));
    /* The evicted nonces can be filled again, with the spend freed. */
    mp_tx again;
    mp_make(&again, 1, 7, 977, 1, 0, 2);
    CHECK_OK(mp_add(mp, &again, 1000, 5, detail, sizeof(detail)));
    /* From the first pending nonce: the whole account goes, without a callback too. */
    ledger_mempool_evict_from(mp, addr, 0, NULL, NULL);
    CHECK(ledger_mempool_next_nonce(mp, addr, 5) == 5);
    const mp_tx *want2[] = {&b0};
    CHECK(mp_order_is(mp, want2, 1));
    ev.len = 0;
    ledger_mempool_evict_from(mp, addr, 0, on_evict, &ev);
    CHECK(ev.len == 0);
    ledger_mempool_evict_from(mp, baddr, 0, on_evict, &ev);
    CHECK(ev.len == 1 && memcmp(ev.hash[0], b0.hash, 32) == 0);
    CHECK(ledger_mempool_count(mp) == 0 && ledger_mempool_bytes(mp) == 0);
    ledger_mempool_free(mp);
}

/* The randomized check: a model of each account's pending nonces and spend. */
#define MPR_ACCOUNTS 12
#define MPR_TXS_MAX 40
#define MPR_STEPS 20000

typedef struct mpr_account {
    uint64_t committed_nonce;
    uint64_t balance;
    size_t pending; /* pending transactions, nonces committed_nonce.. */
    uint64_t spend[MPR_TXS_MAX];
    uint8_t hash[MPR_TXS_MAX][32];
} mpr_account;

static mpr_account mpr[MPR_ACCOUNTS];

static size_t mpr_total(void)
{
    size_t n = 0;
    for (size_t i = 0; i < MPR_ACCOUNTS; i++) {
        n += mpr[i].pending;
    }
    return n;
}

static uint64_t mpr_spend(const mpr_account *a)
{
    uint64_t s = 0;
    for (size_t i = 0; i < a->pending; i++) {
        s += a->spend[i];
    }
    return s;
}

void test_mempool_random_model(void)
{
    /* Seeded random adds (valid or not), commits of heads and evictions agree with a
     * model of every account: the admission verdict, the next nonce and the count. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed() ^ 0x6d656d706f6f6cULL;
    memset(mpr, 0, sizeof(mpr));
    for (size_t i = 0; i < MPR_ACCOUNTS; i++) {
        mpr[i].balance = 5000 + chr_test_rand(&rng) % 20000;
    }
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, MPR_TXS_MAX, 64 * 1024));
    size_t added = 0;
    for (int step = 0; step < MPR_STEPS; step++) {
        uint32_t who = (uint32_t)(chr_test_rand(&rng) % MPR_ACCOUNTS);
        mpr_account *m = &mpr[who];
        uint8_t addr[32];
        mp_addr(addr, who);
        uint64_t r = chr_test_rand(&rng) % 100;
        char detail[160];
        if (r < 60) {
            uint64_t next = m->committed_nonce + m->pending;
            uint64_t nonce = next;
            uint64_t pick = chr_test_rand(&rng) % 10;
            if (pick == 0) {
                nonce = next + 1;
            } else if (pick == 1 && next > 0) {
                nonce = chr_test_rand(&rng) % next;
            }
            mp_tx t;
            mp_make(&t, who, nonce, 1 + chr_test_rand(&rng) % 3000, 100, 0,
                    (uint8_t)chr_test_rand(&rng));
            chr_err want = CHR_OK;
            uint64_t spend = t.tx.body.transfer.amount + t.tx.fee;
            if (nonce < next && nonce >= m->committed_nonce) {
                want = memcmp(m->hash[nonce - m->committed_nonce], t.hash, 32) == 0
                           ? CHR_ERR_DUPLICATE
                           : CHR_ERR_NONCE_PENDING;
            } else if (nonce != next) {
                want = CHR_ERR_NONCE;
            } else if (mpr_spend(m) + spend > m->balance) {
                want = CHR_ERR_BALANCE;
            } else if (mpr_total() == MPR_TXS_MAX) {
                want = CHR_ERR_MEMPOOL_FULL;
            }
            chr_err err = mp_add(mp, &t, m->balance, m->committed_nonce, detail, sizeof(detail));
            CHECK(err == want);
            if (err == CHR_OK) {
                m->spend[m->pending] = spend;
                memcpy(m->hash[m->pending], t.hash, 32);
                m->pending++;
                added++;
            }
        } else if (r < 85) {
            if (m->pending == 0) {
                continue;
            }
            /* The head is committed: the account pays, its nonce moves on, and the same
             * block may bring it income. */
            ledger_mempool_remove(mp, m->hash[0]);
            m->balance -= m->spend[0];
            m->balance += chr_test_rand(&rng) % 4000;
            m->committed_nonce++;
            m->pending--;
            memmove(m->spend, m->spend + 1, m->pending * sizeof(m->spend[0]));
            memmove(m->hash, m->hash + 1, m->pending * sizeof(m->hash[0]));
        } else {
            size_t keep = m->pending == 0 ? 0 : chr_test_rand(&rng) % (m->pending + 1);
            evicted ev = {0};
            ledger_mempool_evict_from(mp, addr, m->committed_nonce + keep, on_evict, &ev);
            CHECK(ev.len == m->pending - keep);
            m->pending = keep;
        }
        CHECK(ledger_mempool_count(mp) == mpr_total());
        CHECK(ledger_mempool_next_nonce(mp, addr, m->committed_nonce) ==
              m->committed_nonce + m->pending);
    }
    /* Iteration visits every pending transaction, each account's in nonce order. */
    uint64_t seen[MPR_ACCOUNTS];
    for (size_t i = 0; i < MPR_ACCOUNTS; i++) {
        seen[i] = mpr[i].committed_nonce;
    }
    size_t n = 0;
    for (const ledger_mempool_entry *e = ledger_mempool_head(mp); e != NULL;
         e = ledger_mempool_next(mp, e)) {
        const ledger_tx *tx = ledger_mempool_entry_tx(e);
        size_t who = MPR_ACCOUNTS;
        for (uint32_t i = 0; i < MPR_ACCOUNTS; i++) {
            uint8_t addr[32];
            mp_addr(addr, i);
            if (memcmp(addr, tx->from, 32) == 0) {
                who = i;
            }
        }
        CHECK(who < MPR_ACCOUNTS && tx->nonce == seen[who]);
        seen[who]++;
        n++;
    }
    CHECK(n == mpr_total());
    ledger_mempool_free(mp);
    printf("# mempool: %zu of %d steps admitted a transaction\n", added, MPR_STEPS);
    CHECK(added > 1000);
}

void test_mempool_owns_the_encoding(void)
{
    /* The mempool keeps its own copy of an admitted transaction's bytes and its entry refers
     * to that copy (the lifetime rule of ledger/tx.h): after the caller's encoding and the
     * builder's buffer are overwritten, the pending meeting-create still reads its 127
     * participants and its bytes are the ones admitted. */
    CHECK_OK(chr_hash_init());
    ledger_tx tx, decoded;
    uint8_t from[32];
    static uint8_t ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX], enc[LEDGER_TX_BYTES_MAX],
        kept[LEDGER_TX_BYTES_MAX];
    mp_addr(from, 7);
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEETING_CREATE, "chroom", from, 0, 1, 0, NULL, 0));
    tx.body.meeting.title_len = 1;
    tx.body.meeting.title[0] = 't';
    for (size_t i = 0; i < LEDGER_MEETING_PARTICIPANTS_MAX; i++) {
        char id[16];
        int n = snprintf(id, sizeof(id), "person-%zu", i);
        CHECK_OK(ledger_meeting_participant_add(&tx, ids, sizeof(ids), id, (size_t)n));
    }
    size_t len;
    uint8_t hash[32];
    CHECK_OK(ledger_tx_encode(&tx, enc, sizeof(enc), &len));
    memcpy(kept, enc, len);
    CHECK_OK(ledger_tx_decode(&decoded, enc, len));
    ledger_tx_hash(&decoded, hash);
    ledger_mempool *mp;
    CHECK_OK(ledger_mempool_new(&mp, 4, LEDGER_TX_BYTES_MAX));
    ledger_account committed = {.balance = 100, .nonce = 0};
    char detail[LEDGER_DETAIL_MAX];
    CHECK_OK(ledger_mempool_add(mp, &decoded, hash, enc, len, &committed, detail, sizeof(detail)));
    memset(enc, 0xff, sizeof(enc));
    memset(ids, 0xff, sizeof(ids));
    const ledger_mempool_entry *e = ledger_mempool_find(mp, hash);
    CHECK(e != NULL);
    const ledger_tx *pending = ledger_mempool_entry_tx(e);
    const char *id;
    size_t id_len, bytes_len;
    CHECK_OK(ledger_meeting_participant_get(pending, 126, &id, &id_len));
    CHECK(id_len == 10 && memcmp(id, "person-126", 10) == 0);
    const uint8_t *bytes = ledger_mempool_entry_bytes(e, &bytes_len);
    CHECK(bytes_len == len && memcmp(bytes, kept, len) == 0);
    CHECK(ledger_mempool_bytes(mp) == len);
    ledger_mempool_remove(mp, hash);
    CHECK(ledger_mempool_count(mp) == 0 && ledger_mempool_bytes(mp) == 0);
    ledger_mempool_free(mp);
}
