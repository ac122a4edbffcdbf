#include "ledger/mempool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"

#define NIL UINT32_MAX

struct ledger_mempool_entry {
    uint8_t hash[32];
    ledger_tx tx; /* decoded from enc, which it refers to (ledger/tx.h) */
    uint8_t *enc; /* the encoding, owned: malloc'ed at admission, freed at removal */
    uint32_t bytes;
    uint32_t hash_next; /* chain in the hash table, or the free list */
    uint32_t fifo_prev, fifo_next;
    uint32_t acct_next; /* the account's next pending transaction */
    uint32_t acct;      /* index of the account record */
};

typedef struct mempool_account {
    uint8_t addr[32];
    uint64_t first_nonce; /* nonce of its first pending transaction */
    uint64_t spend;       /* amounts + fees of its pending transactions */
    uint32_t count;
    uint32_t head, tail; /* its pending transactions in nonce order */
    uint32_t hash_next;  /* chain in the account table, or the free list */
} mempool_account;

struct ledger_mempool {
    size_t txs_max, bytes_max, count, bytes;
    ledger_mempool_entry *entries;
    mempool_account *accts;
    uint32_t *tx_buckets, *acct_buckets; /* txs_max buckets each, a power of two */
    size_t buckets_mask;
    /* Released slots; slots from fresh_* up were never used (their memory, calloc'ed, is
     * not touched until then, so an idle mempool costs little resident memory). */
    uint32_t free_entry, free_acct;
    uint32_t fresh_entry, fresh_acct;
    uint32_t fifo_head, fifo_tail;
};

static size_t bucket_of(const ledger_mempool *mp, const uint8_t key[32])
{
    /* Hashes and addresses are uniform: their first bytes serve as the hash. */
    return (size_t)chr_get_u64be(key) & mp->buckets_mask;
}

chr_err ledger_mempool_new(ledger_mempool **out, size_t txs_max, size_t bytes_max)
{
    *out = NULL;
    CHR_ASSERT(txs_max > 0 && txs_max < NIL / 2);
    CHR_ASSERT(bytes_max >= LEDGER_TX_BYTES_MAX);
    ledger_mempool *mp = calloc(1, sizeof(*mp));
    if (mp == NULL) {
        return CHR_ERR_NOMEM;
    }
    size_t buckets = 16;
    while (buckets < txs_max) {
        buckets *= 2;
    }
    mp->entries = calloc(txs_max, sizeof(*mp->entries));
    mp->accts = calloc(txs_max, sizeof(*mp->accts));
    mp->tx_buckets = malloc(buckets * sizeof(uint32_t));
    mp->acct_buckets = malloc(buckets * sizeof(uint32_t));
    if (!mp->entries || !mp->accts || !mp->tx_buckets || !mp->acct_buckets) {
        ledger_mempool_free(mp);
        return CHR_ERR_NOMEM;
    }
    memset(mp->tx_buckets, 0xff, buckets * sizeof(uint32_t));
    memset(mp->acct_buckets, 0xff, buckets * sizeof(uint32_t));
    mp->free_entry = mp->free_acct = NIL;
    mp->buckets_mask = buckets - 1;
    mp->txs_max = txs_max;
    mp->bytes_max = bytes_max;
    mp->fifo_head = mp->fifo_tail = NIL;
    *out = mp;
    return CHR_OK;
}

void ledger_mempool_free(ledger_mempool *mp)
{
    if (mp != NULL) {
        for (uint32_t i = mp->fifo_head; i != NIL; i = mp->entries[i].fifo_next) {
            free(mp->entries[i].enc);
        }
        free(mp->entries);
        free(mp->accts);
        free(mp->tx_buckets);
        free(mp->acct_buckets);
        free(mp);
    }
}

static uint32_t find_entry(const ledger_mempool *mp, const uint8_t hash[32])
{
    uint32_t i = mp->tx_buckets[bucket_of(mp, hash)];
    while (i != NIL && memcmp(mp->entries[i].hash, hash, 32) != 0) {
        i = mp->entries[i].hash_next;
    }
    return i;
}

static uint32_t find_acct(const ledger_mempool *mp, const uint8_t addr[32])
{
    uint32_t i = mp->acct_buckets[bucket_of(mp, addr)];
    while (i != NIL && memcmp(mp->accts[i].addr, addr, 32) != 0) {
        i = mp->accts[i].hash_next;
    }
    return i;
}

const ledger_mempool_entry *ledger_mempool_find(const ledger_mempool *mp, const uint8_t hash[32])
{
    uint32_t i = find_entry(mp, hash);
    return i == NIL ? NULL : &mp->entries[i];
}

uint64_t ledger_mempool_next_nonce(const ledger_mempool *mp, const uint8_t addr[32],
                                   uint64_t committed_nonce)
{
    uint32_t a = find_acct(mp, addr);
    if (a == NIL) {
        return committed_nonce;
    }
    return mp->accts[a].first_nonce + mp->accts[a].count;
}

/* Checks nonce and balance of tx against the account's committed and pending state. */
static chr_err admit_check(const ledger_mempool *mp, const ledger_tx *tx, uint32_t a,
                           const ledger_account *committed, uint64_t spend, size_t tx_bytes,
                           char *detail, size_t detail_cap)
{
    uint64_t expected = a == NIL ? committed->nonce : mp->accts[a].first_nonce + mp->accts[a].count;
    uint64_t pending = a == NIL ? 0 : mp->accts[a].spend;
    if (tx->nonce < expected && tx->nonce >= committed->nonce) {
        snprintf(detail, detail_cap, "nonce: %llu is taken by a pending transaction, next is %llu",
                 (unsigned long long)tx->nonce, (unsigned long long)expected);
        return CHR_ERR_NONCE_PENDING;
    }
    if (tx->nonce != expected) {
        snprintf(detail, detail_cap, "nonce: expected %llu, got %llu", (unsigned long long)expected,
                 (unsigned long long)tx->nonce);
        return CHR_ERR_NONCE;
    }
    uint64_t total;
    if (chr_add_u64(&total, pending, spend) != CHR_OK || total > committed->balance) {
        snprintf(detail, detail_cap,
                 "balance: %llu does not cover amount + fee %llu with %llu already pending",
                 (unsigned long long)committed->balance, (unsigned long long)spend,
                 (unsigned long long)pending);
        return CHR_ERR_BALANCE;
    }
    if (mp->count == mp->txs_max || tx_bytes > mp->bytes_max - mp->bytes) {
        snprintf(detail, detail_cap, "mempool: full (%zu transactions, %zu bytes)", mp->count,
                 mp->bytes);
        return CHR_ERR_MEMPOOL_FULL;
    }
    return CHR_OK;
}

/* A slot off a free list, else a never-used one: at most txs_max are taken at once
 * (asserted: never more accounts than transactions, and admission checks the count). */
static uint32_t slot_take(uint32_t *free_head, uint32_t *fresh, uint32_t next_free, size_t max)
{
    uint32_t i = *free_head;
    if (i != NIL) {
        *free_head = next_free;
        return i;
    }
    CHR_ASSERT(*fresh < max);
    return (*fresh)++;
}

static uint32_t acct_take(ledger_mempool *mp, const uint8_t addr[32], uint64_t nonce)
{
    uint32_t head = mp->free_acct;
    uint32_t a = slot_take(&mp->free_acct, &mp->fresh_acct,
                           head != NIL ? mp->accts[head].hash_next : NIL, mp->txs_max);
    mempool_account *acct = &mp->accts[a];
    memset(acct, 0, sizeof(*acct));
    memcpy(acct->addr, addr, 32);
    acct->first_nonce = nonce;
    acct->head = acct->tail = NIL;
    size_t b = bucket_of(mp, addr);
    acct->hash_next = mp->acct_buckets[b];
    mp->acct_buckets[b] = a;
    return a;
}

chr_err ledger_mempool_add(ledger_mempool *mp, const ledger_tx *tx, const uint8_t hash[32],
                           const uint8_t *enc, size_t tx_bytes, const ledger_account *committed,
                           char *detail, size_t detail_cap)
{
    CHR_ASSERT(tx_bytes > 0 && tx_bytes <= LEDGER_TX_BYTES_MAX);
    detail[0] = '\0';
    if (find_entry(mp, hash) != NIL) {
        snprintf(detail, detail_cap, "already pending");
        return CHR_ERR_DUPLICATE;
    }
    uint64_t spend;
    if (chr_add_u64(&spend, ledger_tx_spend(tx), tx->fee) != CHR_OK) {
        snprintf(detail, detail_cap, "amount + fee: overflows");
        return CHR_ERR_BALANCE;
    }
    uint32_t a = find_acct(mp, tx->from);
    chr_err err = admit_check(mp, tx, a, committed, spend, tx_bytes, detail, detail_cap);
    if (err != CHR_OK) {
        return err;
    }
    /* The entry owns its encoding, and its decoded form refers to that copy: the caller's
     * bytes may go away (the lifetime rule of ledger/tx.h). bytes_max bounds the total. */
    uint8_t *copy = malloc(tx_bytes);
    if (copy == NULL) {
        snprintf(detail, detail_cap, "mempool: out of memory");
        return CHR_ERR_NOMEM;
    }
    memcpy(copy, enc, tx_bytes);
    if (a == NIL) {
        a = acct_take(mp, tx->from, tx->nonce);
    }
    uint32_t head = mp->free_entry;
    uint32_t i = slot_take(&mp->free_entry, &mp->fresh_entry,
                           head != NIL ? mp->entries[head].hash_next : NIL, mp->txs_max);
    ledger_mempool_entry *e = &mp->entries[i];
    memcpy(e->hash, hash, 32);
    e->tx = *tx;
    ledger_tx_rebase(&e->tx, enc, tx_bytes, copy);
    e->enc = copy;
    e->bytes = (uint32_t)tx_bytes;
    e->acct = a;
    size_t b = bucket_of(mp, hash);
    e->hash_next = mp->tx_buckets[b];
    mp->tx_buckets[b] = i;
    e->fifo_next = NIL;
    e->fifo_prev = mp->fifo_tail;
    if (mp->fifo_tail != NIL) {
        mp->entries[mp->fifo_tail].fifo_next = i;
    } else {
        mp->fifo_head = i;
    }
    mp->fifo_tail = i;
    mempool_account *acct = &mp->accts[a];
    e->acct_next = NIL;
    if (acct->tail != NIL) {
        mp->entries[acct->tail].acct_next = i;
    } else {
        acct->head = i;
    }
    acct->tail = i;
    acct->count++;
    acct->spend += spend; /* bounded by the committed balance, checked above */
    mp->count++;
    mp->bytes += tx_bytes;
    return CHR_OK;
}

static void unlink_bucket(uint32_t *bucket, uint32_t *(*next_of)(ledger_mempool *, uint32_t),
                          ledger_mempool *mp, uint32_t i)
{
    uint32_t *p = bucket;
    while (*p != i) {
        CHR_ASSERT(*p != NIL);
        p = next_of(mp, *p);
    }
    *p = *next_of(mp, i);
}

static uint32_t *entry_next(ledger_mempool *mp, uint32_t i)
{
    return &mp->entries[i].hash_next;
}

static uint32_t *acct_next(ledger_mempool *mp, uint32_t i)
{
    return &mp->accts[i].hash_next;
}

/* Removes entry i. Only the first pending transaction of an account is ever removed
 * (committed in nonce order), or the account's tail (evicted from the back). */
static void remove_entry(ledger_mempool *mp, uint32_t i)
{
    ledger_mempool_entry *e = &mp->entries[i];
    mempool_account *acct = &mp->accts[e->acct];
    unlink_bucket(&mp->tx_buckets[bucket_of(mp, e->hash)], entry_next, mp, i);
    if (e->fifo_prev != NIL) {
        mp->entries[e->fifo_prev].fifo_next = e->fifo_next;
    } else {
        mp->fifo_head = e->fifo_next;
    }
    if (e->fifo_next != NIL) {
        mp->entries[e->fifo_next].fifo_prev = e->fifo_prev;
    } else {
        mp->fifo_tail = e->fifo_prev;
    }
    if (acct->head == i) {
        acct->head = e->acct_next;
        acct->first_nonce++;
    } else {
        uint32_t p = acct->head;
        while (mp->entries[p].acct_next != i) {
            p = mp->entries[p].acct_next;
        }
        CHR_ASSERT(acct->tail == i);
        mp->entries[p].acct_next = NIL;
        acct->tail = p;
    }
    if (acct->head == NIL) {
        acct->tail = NIL;
    }
    acct->spend -= ledger_tx_spend(&e->tx) + e->tx.fee;
    acct->count--;
    if (acct->count == 0) {
        uint32_t a = e->acct;
        unlink_bucket(&mp->acct_buckets[bucket_of(mp, acct->addr)], acct_next, mp, a);
        acct->hash_next = mp->free_acct;
        mp->free_acct = a;
    }
    mp->count--;
    mp->bytes -= e->bytes;
    free(e->enc);
    e->enc = NULL;
    e->hash_next = mp->free_entry;
    mp->free_entry = i;
}

void ledger_mempool_remove(ledger_mempool *mp, const uint8_t hash[32])
{
    uint32_t i = find_entry(mp, hash);
    if (i != NIL) {
        remove_entry(mp, i);
    }
}

void ledger_mempool_evict_from(ledger_mempool *mp, const uint8_t addr[32], uint64_t nonce,
                               void (*on_evict)(void *ctx, const uint8_t hash[32]), void *ctx)
{
    uint32_t a = find_acct(mp, addr);
    while (a != NIL && mp->accts[a].tail != NIL) {
        uint32_t t = mp->accts[a].tail;
        if (mp->entries[t].tx.nonce < nonce) {
            return;
        }
        if (on_evict != NULL) {
            on_evict(ctx, mp->entries[t].hash);
        }
        int last = mp->accts[a].count == 1;
        remove_entry(mp, t);
        if (last) {
            return;
        }
    }
}

const ledger_mempool_entry *ledger_mempool_head(const ledger_mempool *mp)
{
    return mp->fifo_head == NIL ? NULL : &mp->entries[mp->fifo_head];
}

const ledger_mempool_entry *ledger_mempool_next(const ledger_mempool *mp,
                                                const ledger_mempool_entry *e)
{
    return e->fifo_next == NIL ? NULL : &mp->entries[e->fifo_next];
}

const ledger_tx *ledger_mempool_entry_tx(const ledger_mempool_entry *e)
{
    return &e->tx;
}

const uint8_t *ledger_mempool_entry_bytes(const ledger_mempool_entry *e, size_t *len)
{
    *len = e->bytes;
    return e->enc;
}

const uint8_t *ledger_mempool_entry_hash(const ledger_mempool_entry *e)
{
    return e->hash;
}

size_t ledger_mempool_count(const ledger_mempool *mp)
{
    return mp->count;
}

size_t ledger_mempool_bytes(const ledger_mempool *mp)
{
    return mp->bytes;
}
