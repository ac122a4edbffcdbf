/* The store's index (ledger/internal/store.h): transactions by hash and account history
 * in <dir>/index, the tail of committed rows not yet there, and the indexer thread.
 *
 * Why a lookup neither misses nor doubles a row. A block's entries enter the tail before
 * its LMDB commit and leave only after an index commit that holds them; a reader's
 * snapshot of the main store has height H, and it keeps only rows at or below H.
 *   - By hash: the tail first, then a fresh index snapshot. A row at height h <= H was in
 *     the tail before the reader's main snapshot began; if it is gone when the reader
 *     looks, the index commit holding it came before, so the fresh snapshot has it.
 *   - History: the tail's rows first, then a fresh index snapshot of height I; the tail's
 *     rows at or below I are dropped (the snapshot has them), the snapshot's rows are
 *     taken at or below min(I, H). A row in (I, H] was in the tail when it was looked at:
 *     had it left, the index commit holding it would precede the snapshot, so I >= its
 *     height. */
#include "ledger/internal/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/thread.h"
#include "ledger/tx.h"
#include "ledger/tx_types.h"

/* The hash table over the tail's transaction hashes: four slots per entry, rebuilt when
 * half its slots have been filled, so probes stay short. */
#define STORE_TABLE_SLOTS (4u * LEDGER_STORE_TAIL_TXS_MAX)
/* Blocks per batch when indexing from the stored blocks (at start), which the tail's room
 * bounds too: each batch is written as the indexer writes the tail's. */
#define INDEX_CATCH_UP_BLOCKS 1024
/* The index's row format, in its metadata ("format"): 2 added each transaction's place
 * in its block to its row, so that it is read alone; 3 cut the index's disk per
 * transaction by four: 13-byte rows keyed by 8-byte prefixes of the hash and the address,
 * in tables of fixed-size duplicates (MDB_DUPSORT | MDB_DUPFIXED), which LMDB packs
 * without a node header per row; 4 cut rows to 10 bytes: a u40 height, and no length
 * (the block holds each transaction's length in the two bytes before it). An index of
 * another format is rebuilt from the blocks when the store opens. */
#define INDEX_FORMAT 4
/* The bytes of a transaction's hash, or of an address, that key its rows. Every read
 * checks the transaction a row names against what was asked (its hash; the address as
 * its sender or recipient), so rows of another hash or address under the same prefix are
 * skipped, never answered: a collision costs a read, not a wrong answer. */
#define INDEX_PREFIX_BYTES 8
/* A row (both tables): u40 height | u16 index << 1 | sent | u24 offset, big endian, so
 * that an address's rows sort as (height, index, sent) and a newest-first history is a
 * reverse walk of its duplicates. A transaction's row has sent 0. The offset is of its
 * bytes in the block, whose encoding puts their u16 length right before them. */
#define INDEX_ROW_BYTES (5 + 2 + 3)
#define INDEX_TX_LEN_BYTES 2
/* The highest height a row holds: at ten blocks a second, 3,400 years of blocks. */
#define INDEX_HEIGHT_MAX ((UINT64_C(1) << 40) - 1)
_Static_assert(LEDGER_BLOCK_TXS_MAX <= UINT16_MAX >> 1, "an index and the sent bit fit a u16");
_Static_assert(LEDGER_BLOCK_BYTES_MAX <= 1u << 24, "an offset in a block fits a u24");
_Static_assert(LEDGER_TX_BYTES_MAX <= UINT16_MAX, "a transaction's length is a u16");
/* The transactions' table is one sorted set of hash prefix | row, all duplicates of the
 * one key below: most prefixes hold one row, which as a key of its own would cost a node
 * header and a key; as a duplicate it costs its bytes. */
#define INDEX_TX_ROW_BYTES (INDEX_PREFIX_BYTES + INDEX_ROW_BYTES)
static const uint8_t index_txs_key[1] = {0};
/* A failed index write is tried again after this long. */
#define INDEX_RETRY_MS 1000
/* The indexer commits at most this often, unless INDEX_BATCH_TXS wait: each commit
 * is an fdatasync beside the blocks' own, so fewer and larger ones cost the chain less
 * (make bench, four validators at ~3,000 transfers/s: every 250 ms, index commits took
 * 13 s of 70 and the blocks' own commits a p90 of 50 ms; every second, 6 s and 30 ms).
 * Each commit also copies every page its rows touch, which in a young index is most of
 * them, and the copies' old pages stay in the file as free pages: every 5 s instead of
 * every second took the index from 197 to 172 bytes per transfer (tests/bench/state.sh,
 * 60,000 transfers, 13-byte rows keyed by prefix). Rows wait in the tail meanwhile and
 * are answered from there. */
#define INDEX_COMMIT_GAP_MS 5000
/* Under load a batch starts when this many wait. The larger the batch, the fewer times a
 * page of the index is copied per row: at 1M accounts and ~15,000 transfers/s, batches
 * of 49,152 instead of 16,384 took the disk's writes from 1,227 to 997 MiB per 100,000
 * transfers (both stores; /proc/diskstats), and the committed transfers/s from
 * 13,375-15,445 to 15,917-16,850. What waits when a batch starts plus the blocks
 * committed while it is written (a few seconds' worth) fit the tail. */
#define INDEX_BATCH_TXS (LEDGER_STORE_TAIL_TXS_MAX / 8 * 3)
_Static_assert(INDEX_BATCH_TXS + 3u * LEDGER_BLOCK_TXS_MAX <= LEDGER_STORE_TAIL_TXS_MAX,
               "a batch and three full blocks committed while it is written fit the tail");
/* The parts of the key space (by an id's top bits) whose rows the indexer commits one
 * after the other (index_write_tail): the free pages a batch leaves in the file are about
 * the index's size over INDEX_PARTS instead of the whole of it, for INDEX_PARTS - 1 more
 * commits per batch (tests/bench/state.sh, 100,000 transfers: see ARCHITECTURE.md). */
#define INDEX_PARTS_BITS 3
#define INDEX_PARTS (1u << INDEX_PARTS_BITS)

static store_tail_entry *tail_at(ledger_store *s, uint64_t seq)
{
    return &s->tail[seq % LEDGER_STORE_TAIL_TXS_MAX];
}

static int tail_live(const ledger_store *s, uint64_t seq)
{
    return seq >= s->tail_head && seq < s->tail_end;
}

/* ---- The hash table (under tail_mu). ---- */

static size_t table_slot(const ledger_store *s, const uint8_t hash[32])
{
    /* Keyed: transaction hashes can be ground to collide in their low bits. */
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, hash, 32, s->table_key);
    return (size_t)(chr_get_u64be(h) & (STORE_TABLE_SLOTS - 1));
}

static void table_put(ledger_store *s, uint64_t seq)
{
    size_t slot = table_slot(s, tail_at(s, seq)->hash);
    /* A slot of an entry no longer live is reused; an empty one ends a probe sequence. */
    while (s->table[slot] != 0 && tail_live(s, s->table[slot] - 1)) {
        slot = (slot + 1) & (STORE_TABLE_SLOTS - 1);
    }
    s->table_used += s->table[slot] == 0;
    s->table[slot] = seq + 1;
}

static void table_rebuild(ledger_store *s)
{
    memset(s->table, 0, STORE_TABLE_SLOTS * sizeof(s->table[0]));
    s->table_used = 0;
    for (uint64_t seq = s->tail_head; seq < s->tail_end; seq++) {
        table_put(s, seq);
    }
}

static int table_find(ledger_store *s, const uint8_t hash[32], uint64_t *seq_out)
{
    size_t slot = table_slot(s, hash);
    while (s->table[slot] != 0) {
        uint64_t seq = s->table[slot] - 1;
        if (tail_live(s, seq) && memcmp(tail_at(s, seq)->hash, hash, 32) == 0) {
            *seq_out = seq;
            return 1;
        }
        slot = (slot + 1) & (STORE_TABLE_SLOTS - 1);
    }
    return 0;
}

/* ---- Index writes. ---- */

/* The key of id's rows (a hash or an address): its first s->index_key_bytes bytes. */
static void index_key(const ledger_store *s, uint8_t k[INDEX_PREFIX_BYTES], const uint8_t id[32])
{
    CHR_ASSERT(s->index_key_bytes <= INDEX_PREFIX_BYTES);
    memset(k, 0, INDEX_PREFIX_BYTES);
    memcpy(k, id, s->index_key_bytes);
}

/* 1 when ids a and b key the same rows. */
static int index_same_key(const ledger_store *s, const uint8_t a[32], const uint8_t b[32])
{
    return memcmp(a, b, s->index_key_bytes) == 0;
}

static void index_row_encode(uint8_t v[INDEX_ROW_BYTES], const store_tail_entry *e, uint8_t sent)
{
    /* Heights count blocks from genesis one at a time: none reaches the bound. */
    CHR_ASSERT(e->height <= INDEX_HEIGHT_MAX);
    CHR_ASSERT(e->index <= UINT16_MAX >> 1 && sent <= 1);
    uint8_t h[8];
    chr_put_u64be(h, e->height);
    memcpy(v, h + 3, 5);
    uint16_t is = (uint16_t)(e->index << 1 | sent);
    v[5] = (uint8_t)(is >> 8);
    v[6] = (uint8_t)is;
    v[7] = (uint8_t)(e->offset >> 16);
    v[8] = (uint8_t)(e->offset >> 8);
    v[9] = (uint8_t)e->offset;
}

/* The row's place, its length 0 until row_bytes reads it from the block, and sent bit. */
static void index_row_decode(ledger_store_txinfo *out, uint8_t *sent,
                             const uint8_t v[INDEX_ROW_BYTES])
{
    uint8_t h[8] = {0};
    memcpy(h + 3, v, 5);
    uint16_t is = (uint16_t)(v[5] << 8 | v[6]);
    out->height = chr_get_u64be(h);
    out->index = is >> 1u;
    *sent = (uint8_t)(is & 1u);
    out->offset = (uint32_t)v[7] << 16 | (uint32_t)v[8] << 8 | v[9];
    out->len = 0;
}

/* Adds the row v under the prefix of id. An address's rows come in (height, index) order,
 * so MDB_APPENDDUP fills its duplicates' pages whole instead of splitting them in halves;
 * a row that is not the last (a self-transfer's sent row, the same block indexed again)
 * takes the ordinary path. */
static int index_put_row(const ledger_store *s, MDB_txn *txn, MDB_dbi dbi, const uint8_t id[32],
                         const uint8_t v[INDEX_ROW_BYTES])
{
    uint8_t k[INDEX_PREFIX_BYTES];
    index_key(s, k, id);
    MDB_val key = {sizeof(k), k};
    MDB_val val = {INDEX_ROW_BYTES, (void *)(uintptr_t)v};
    int rc = mdb_put(txn, dbi, &key, &val, MDB_APPENDDUP);
    return rc == MDB_KEYEXIST ? mdb_put(txn, dbi, &key, &val, 0) : rc;
}

/* The part of the key space an id (a hash or an address) keys its rows in: its top bits.
 * The indexer writes a batch's rows part by part, one commit each (index_write_tail). */
static unsigned index_part(const uint8_t id[32])
{
    return id[0] >> (8 - INDEX_PARTS_BITS);
}

/* Adds e's rows whose id falls in part (all of them when part is INDEX_PARTS). */
static int index_put_rows(ledger_store *s, MDB_txn *txn, const store_tail_entry *e, unsigned part)
{
    int all = part == INDEX_PARTS;
    int rc = 0;
    uint8_t v[INDEX_ROW_BYTES];
    if (all || index_part(e->hash) == part) {
        uint8_t tv[INDEX_TX_ROW_BYTES];
        index_key(s, tv, e->hash);
        index_row_encode(tv + INDEX_PREFIX_BYTES, e, 0);
        MDB_val key = {sizeof(index_txs_key), (void *)(uintptr_t)index_txs_key};
        MDB_val val = {sizeof(tv), tv};
        rc = mdb_put(txn, s->itxs, &key, &val, 0);
    }
    if (rc == 0 && (all || index_part(e->to) == part)) {
        index_row_encode(v, e, 0);
        rc = index_put_row(s, txn, s->ihistory, e->to, v);
    }
    if (rc == 0 && (all || index_part(e->from) == part)) {
        index_row_encode(v, e, 1);
        rc = index_put_row(s, txn, s->ihistory, e->from, v);
    }
    return rc;
}

static int index_put_height(ledger_store *s, MDB_txn *txn, uint64_t height)
{
    uint8_t v[8];
    chr_put_u64be(v, height);
    return store_put(txn, s->imeta, "height", 6, v, sizeof(v));
}

/* Doubles the index map after a write found it full; the write is then retried whole. */
static chr_err index_grow(ledger_store *s)
{
    pthread_rwlock_wrlock(&s->resize);
    size_t size = s->imap_size * 2;
    int rc = mdb_env_set_mapsize(s->ienv, size);
    if (rc == 0) {
        s->imap_size = size;
    }
    pthread_rwlock_unlock(&s->resize);
    if (rc != 0) {
        return chr_lmdb_err(rc, "grow index map");
    }
    CHR_LOG_I("store: index map grown to %.1f MiB", (double)size / 1048576.0);
    return CHR_OK;
}

/* Writes tail entries [head, end) and then the indexed height upto, in INDEX_PARTS
 * transactions: the rows of ids in part 0, then part 1, and so on, the last with the
 * height. Rows keyed by hashes and addresses land on most pages of a young index, and a
 * commit copies every page it touches and frees the old one, which LMDB reuses only two
 * commits later: one commit for all rows would leave about the whole index's size in free
 * pages in the file, a part's commit leaves the part's. A crash between the parts leaves
 * rows above the stored height, which readers skip (they take the index's rows at or below
 * its height) and which the rows written again at start find in place. The entries are
 * read without tail_mu: only this caller advances tail_head, and the writer appends past
 * them. */
static chr_err index_write_tail(ledger_store *s, uint64_t head, uint64_t end, uint64_t upto)
{
    chr_err err = CHR_OK;
    for (unsigned part = 0; part < INDEX_PARTS && err == CHR_OK; part++) {
        do {
            MDB_txn *txn;
            int rc = store_write_begin(s, s->ienv, &txn);
            if (rc != 0) {
                return chr_lmdb_err(rc, "begin index");
            }
            for (uint64_t seq = head; seq < end && rc == 0; seq++) {
                rc = index_put_rows(s, txn, tail_at(s, seq), part);
            }
            if (part + 1 == INDEX_PARTS) {
                rc = rc ? rc : index_put_height(s, txn, upto);
            }
            err = store_write_end(s, txn, rc, "write index");
        } while (err == CHR_ERR_MAP_FULL && (err = index_grow(s)) == CHR_OK);
        if (err == CHR_OK && part + 1 == s->index_parts_crash) {
            err = CHR_ERR_IO;
        }
    }
    return err;
}

/* What is committed and not yet indexed, under tail_mu: 0 if nothing. The writer's block
 * in progress (entries above the committed height, at the end) is left out. */
static int tail_take(ledger_store *s, uint64_t *head, uint64_t *end, uint64_t *upto)
{
    if (s->indexed >= s->committed) {
        return 0;
    }
    *upto = s->committed;
    *head = s->tail_head;
    uint64_t e = s->tail_end;
    while (e > s->tail_head && tail_at(s, e - 1)->height > *upto) {
        e--;
    }
    *end = e;
    return 1;
}

/* After an index commit, under tail_mu: its entries leave the tail. */
static void tail_release(ledger_store *s, uint64_t end, uint64_t upto)
{
    CHR_ASSERT(end >= s->tail_head);
    s->tail_head = end;
    s->indexed = upto;
    s->indexer_err = CHR_OK;
    pthread_cond_broadcast(&s->tail_cv);
}

chr_err ledger_store_index(ledger_store *s)
{
    uint64_t head, end, upto;
    pthread_mutex_lock(&s->tail_mu);
    CHR_ASSERT(!s->indexer_running);
    int work = tail_take(s, &head, &end, &upto);
    pthread_mutex_unlock(&s->tail_mu);
    chr_err err = work ? index_write_tail(s, head, end, upto) : CHR_OK;
    if (work && err == CHR_OK) {
        pthread_mutex_lock(&s->tail_mu);
        tail_release(s, end, upto);
        pthread_mutex_unlock(&s->tail_mu);
    }
    return err;
}

uint64_t ledger_store_indexed_height(ledger_store *s)
{
    pthread_mutex_lock(&s->tail_mu);
    uint64_t h = s->indexed;
    pthread_mutex_unlock(&s->tail_mu);
    return h;
}

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void wait_until_ms(ledger_store *s, uint64_t at_ms)
{
    struct timespec until = {.tv_sec = (time_t)(at_ms / 1000u),
                             .tv_nsec = (long)(at_ms % 1000u) * 1000000L};
    pthread_cond_timedwait(&s->tail_cv, &s->tail_mu, &until);
}

uint64_t ledger_store_index_behind(ledger_store *s)
{
    pthread_mutex_lock(&s->tail_mu);
    uint64_t behind = s->committed - s->indexed;
    pthread_mutex_unlock(&s->tail_mu);
    return behind;
}

static void *indexer_main(void *arg)
{
    chr_thread_name("chroomd-index");
    ledger_store *s = arg;
    uint64_t last_ms = 0;  /* the last write's end */
    uint64_t retry_ms = 0; /* after a failed write: not before this, however full the tail */
    pthread_mutex_lock(&s->tail_mu);
    for (;;) {
        uint64_t head, end, upto;
        if (!tail_take(s, &head, &end, &upto)) {
            if (s->indexer_stop) {
                break;
            }
            pthread_cond_wait(&s->tail_cv, &s->tail_mu);
            continue;
        }
        if (head == end) {
            /* Empty blocks: nothing to write; the stored height catches up with the
             * next rows (or, after a crash, when the store opens). */
            tail_release(s, end, upto);
            continue;
        }
        uint64_t now = mono_ms();
        if (!s->indexer_stop && now < retry_ms) {
            wait_until_ms(s, retry_ms);
            continue;
        }
        if (!s->indexer_stop && now < last_ms + INDEX_COMMIT_GAP_MS &&
            end - head < INDEX_BATCH_TXS) {
            wait_until_ms(s, last_ms + INDEX_COMMIT_GAP_MS);
            continue;
        }
        pthread_mutex_unlock(&s->tail_mu);
        chr_err err = index_write_tail(s, head, end, upto);
        last_ms = mono_ms();
        pthread_mutex_lock(&s->tail_mu);
        if (err == CHR_OK) {
            tail_release(s, end, upto);
            continue;
        }
        /* A full disk may clear; meanwhile the tail fills, and then the writer fails. */
        CHR_LOG_E("store: cannot index blocks %llu..%llu: %s; retrying in %d ms",
                  (unsigned long long)s->indexed + 1, (unsigned long long)upto, chr_err_str(err),
                  INDEX_RETRY_MS);
        s->indexer_err = err;
        pthread_cond_broadcast(&s->tail_cv);
        if (s->indexer_stop) {
            break;
        }
        retry_ms = last_ms + INDEX_RETRY_MS;
    }
    pthread_mutex_unlock(&s->tail_mu);
    return NULL;
}

chr_err ledger_store_indexer_start(ledger_store *s)
{
    pthread_mutex_lock(&s->tail_mu);
    CHR_ASSERT(!s->indexer_running);
    s->indexer_running = 1;
    s->indexer_stop = 0;
    int rc = pthread_create(&s->indexer, NULL, indexer_main, s);
    s->indexer_running = rc == 0;
    pthread_mutex_unlock(&s->tail_mu);
    if (rc != 0) {
        CHR_LOG_E("store: cannot start the indexer: %s", strerror(rc));
        return CHR_ERR_NOMEM;
    }
    return CHR_OK;
}

/* ---- The writer's side. ---- */

chr_err store_tail_add(ledger_store *s, const ledger_store_write *b)
{
    CHR_ASSERT(b->txs_len <= LEDGER_BLOCK_TXS_MAX);
    /* Where each transaction's bytes are, for its row: the block was checked whole before
     * it was committed, so only its layout is decoded here (no Merkle roots). */
    ledger_block layout;
    chr_err derr = ledger_block_decode_layout(&layout, b->bytes, b->bytes_len);
    if (derr != CHR_OK) {
        CHR_ASSERT(derr == CHR_ERR_NOMEM);
        return derr;
    }
    pthread_mutex_lock(&s->tail_mu);
    while (s->tail_end - s->tail_head + b->txs_len > LEDGER_STORE_TAIL_TXS_MAX) {
        if (!s->indexer_running) {
            pthread_mutex_unlock(&s->tail_mu);
            chr_err err = ledger_store_index(s);
            if (err != CHR_OK) {
                ledger_block_free(&layout);
                return err;
            }
            pthread_mutex_lock(&s->tail_mu);
            CHR_ASSERT(s->tail_end == s->tail_head);
            continue;
        }
        if (s->indexer_err != CHR_OK) {
            pthread_mutex_unlock(&s->tail_mu);
            ledger_block_free(&layout);
            CHR_LOG_E("store: the index is %u transactions behind and cannot be written",
                      LEDGER_STORE_TAIL_TXS_MAX);
            return CHR_ERR_STORE;
        }
        pthread_cond_wait(&s->tail_cv, &s->tail_mu);
    }
    if (s->table_used + b->txs_len > STORE_TABLE_SLOTS / 2) {
        table_rebuild(s);
    }
    for (uint32_t i = 0; i < b->txs_len; i++) {
        uint64_t seq = s->tail_end;
        store_tail_entry *e = tail_at(s, seq);
        e->height = b->header->height;
        e->index = i;
        /* Rows past the block's own transactions (only the unit tests' made-up rows that
         * fill the tail) have no place: reading them back is CHR_ERR_STORE. */
        e->offset = i < layout.txs_len ? (uint32_t)(layout.txs[i] - b->bytes) : 0;
        e->len = i < layout.txs_len ? layout.tx_lens[i] : 0;
        memcpy(e->hash, b->tx_hashes[i], 32);
        memcpy(e->from, b->tx_from[i], 32);
        memcpy(e->to, b->tx_to[i], 32);
        s->tail_end++;
        table_put(s, seq);
    }
    pthread_mutex_unlock(&s->tail_mu);
    ledger_block_free(&layout);
    return CHR_OK;
}

void store_tail_done(ledger_store *s, uint64_t height, uint32_t txs_len, int ok)
{
    pthread_mutex_lock(&s->tail_mu);
    if (ok) {
        CHR_ASSERT(height == s->committed + 1);
        s->committed = height;
        pthread_cond_broadcast(&s->tail_cv);
    } else {
        CHR_ASSERT(s->tail_end - s->tail_head >= txs_len);
        s->tail_end -= txs_len; /* their table slots are no longer live */
    }
    pthread_mutex_unlock(&s->tail_mu);
}

/* ---- Reads. ---- */

/* r's snapshot height (0 before genesis), read once: only index lookups need it, so
 * beginning a read does not pay for it. */
static int read_height(ledger_store_read *r, uint64_t *height)
{
    if (!r->has_height) {
        int rc = store_get_u64(r->txn, r->store->meta, "height", &r->height);
        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }
        r->has_height = 1;
    }
    *height = r->height;
    return 0;
}

/* Begins or renews r's index snapshot and reads its height. */
static int index_snapshot(ledger_store_read *r, uint64_t *indexed)
{
    ledger_store *s = r->store;
    int rc;
    if (r->itxn == NULL) {
        MDB_txn *t = NULL;
        rc = mdb_txn_begin(s->ienv, NULL, MDB_RDONLY, &t);
        r->itxn = rc == 0 ? t : NULL;
    } else {
        if (r->itxn_live) {
            mdb_txn_reset(r->itxn);
        }
        rc = mdb_txn_renew(r->itxn);
    }
    r->itxn_live = rc == 0;
    *indexed = 0;
    rc = rc ? rc : store_get_u64(r->itxn, s->imeta, "height", indexed);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void store_index_read_end(ledger_store_read *r)
{
    if (r->itxn != NULL) {
        mdb_txn_abort(r->itxn);
        r->itxn = NULL;
    }
}

/* The bytes a row names in r's snapshot, read straight from its block, and their length
 * (place->len) from the two bytes before them (the reader checks the bytes against the
 * hash or address asked for, which names them better than the block's header would):
 * CHR_ERR_STORE when the block is missing or the place lies outside it (the row is
 * damaged); other errors as read. */
static chr_err row_bytes(ledger_store_read *r, ledger_store_txinfo *place, const uint8_t **out)
{
    *out = NULL;
    uint8_t k[8];
    chr_put_u64be(k, place->height);
    MDB_val key = {sizeof(k), k};
    MDB_val val;
    int rc = mdb_get(r->txn, r->store->blocks, &key, &val);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return chr_lmdb_err(rc, "read block");
    }
    if (rc != 0 || place->offset < INDEX_TX_LEN_BYTES || place->offset > val.mv_size) {
        return CHR_ERR_STORE;
    }
    const uint8_t *at = (const uint8_t *)val.mv_data + place->offset;
    place->len = (uint16_t)(at[-2] << 8 | at[-1]);
    if (place->len == 0 || (size_t)place->offset + place->len > val.mv_size) {
        place->len = 0;
        return CHR_ERR_STORE;
    }
    *out = at;
    return CHR_OK;
}

/* One row of hash's prefix (prefix | row), checked: CHR_OK when its bytes hash to `hash`,
 * CHR_ERR_NOT_FOUND when they are another transaction of the same prefix or the row is
 * past the snapshot's height, and also (with *damaged set) when the row names bytes that
 * are no transaction of its prefix. */
static chr_err index_tx_row(ledger_store_read *r, uint64_t height, const uint8_t hash[32],
                            const MDB_val *val, ledger_store_txinfo *out, int *damaged)
{
    uint8_t sent;
    *damaged = 0;
    if (val->mv_size != INDEX_TX_ROW_BYTES) {
        CHR_LOG_E("store: an index row of transactions is damaged: %zu bytes, not %d", val->mv_size,
                  INDEX_TX_ROW_BYTES);
        return CHR_ERR_STORE;
    }
    index_row_decode(out, &sent, (const uint8_t *)val->mv_data + INDEX_PREFIX_BYTES);
    if (out->height > height) {
        return CHR_ERR_NOT_FOUND; /* committed after this reader's snapshot */
    }
    const uint8_t *bytes;
    chr_err err = row_bytes(r, out, &bytes);
    if (err != CHR_OK && err != CHR_ERR_STORE) {
        return err;
    }
    uint8_t got[32];
    if (err == CHR_OK) {
        chr_sha256_hash(got, bytes, out->len);
        if (sodium_memcmp(got, hash, 32) == 0) {
            return CHR_OK;
        }
        if (sent == 0 && index_same_key(r->store, got, hash)) {
            return CHR_ERR_NOT_FOUND; /* another transaction of the same prefix */
        }
    }
    *damaged = 1;
    return CHR_ERR_NOT_FOUND;
}

/* The index's row for hash in r's snapshot (below or at height), checked as index_tx_row.
 * When no row is the transaction but one under its prefix is damaged, that row is the
 * answer: the transaction may well be the one it named, and ledger_store_tx_read refuses
 * it (with a log line), as it refuses a row of the right hash whose block is damaged. */
static chr_err index_tx(ledger_store_read *r, uint64_t height, const uint8_t hash[32],
                        ledger_store_txinfo *out)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->itxn, r->store->itxs, &cur);
    if (rc != 0) {
        return chr_lmdb_err(rc, "cursor");
    }
    /* The first row of the prefix, if any, then its others. */
    uint8_t want[INDEX_TX_ROW_BYTES] = {0};
    index_key(r->store, want, hash);
    MDB_val key = {sizeof(index_txs_key), (void *)(uintptr_t)index_txs_key};
    MDB_val val = {sizeof(want), want};
    chr_err err = CHR_ERR_NOT_FOUND;
    int has_damaged = 0;
    rc = mdb_cursor_get(cur, &key, &val, MDB_GET_BOTH_RANGE);
    while (rc == 0 && val.mv_size >= INDEX_PREFIX_BYTES &&
           memcmp(val.mv_data, want, INDEX_PREFIX_BYTES) == 0) {
        ledger_store_txinfo row;
        int damaged;
        err = index_tx_row(r, height, hash, &val, &row, &damaged);
        if (err == CHR_OK || (damaged && !has_damaged)) {
            *out = row;
            has_damaged |= damaged;
        }
        if (err != CHR_ERR_NOT_FOUND) {
            break;
        }
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return chr_lmdb_err(rc, "read index");
    }
    return err == CHR_ERR_NOT_FOUND && has_damaged ? CHR_OK : err;
}

chr_err ledger_store_tx(ledger_store_read *r, const uint8_t hash[32], ledger_store_txinfo *out)
{
    ledger_store *s = r->store;
    memset(out, 0, sizeof(*out));
    uint64_t height;
    int rc = read_height(r, &height);
    if (rc != 0) {
        return chr_lmdb_err(rc, "read height");
    }
    uint64_t seq;
    pthread_mutex_lock(&s->tail_mu);
    int found = table_find(s, hash, &seq) && tail_at(s, seq)->height <= height;
    if (found) {
        out->height = tail_at(s, seq)->height;
        out->index = tail_at(s, seq)->index;
        out->offset = tail_at(s, seq)->offset;
        out->len = tail_at(s, seq)->len;
    }
    pthread_mutex_unlock(&s->tail_mu);
    if (found) {
        return CHR_OK;
    }
    uint64_t indexed;
    rc = index_snapshot(r, &indexed);
    if (rc != 0) {
        return chr_lmdb_err(rc, "read index");
    }
    chr_err err = index_tx(r, height, hash, out);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_store_tx_read(ledger_store_read *r, const uint8_t hash[32],
                             ledger_store_txinfo *info, const uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    chr_err err = ledger_store_tx(r, hash, info);
    if (err != CHR_OK) {
        return err;
    }
    const uint8_t *block = NULL;
    size_t len = 0;
    err = ledger_store_block(r, info->height, &block, &len);
    if (err != CHR_OK && err != CHR_ERR_NOT_FOUND) {
        memset(info, 0, sizeof(*info));
        return err;
    }
    /* A row that names no stored block (NOT_FOUND) is damaged too: it falls to the check. */
    /* The row's bytes must be the transaction asked for: its hash is SHA-256 of its
     * encoding (ledger/tx.h), so a row that names another place, height or length is
     * found here, whichever of its bytes is damaged. */
    uint8_t got[32];
    if (err == CHR_OK && (size_t)info->offset + info->len <= len) {
        chr_sha256_hash(got, block + info->offset, info->len);
        err = sodium_memcmp(got, hash, 32) == 0 ? CHR_OK : CHR_ERR_STORE;
    } else {
        err = CHR_ERR_STORE;
    }
    if (err != CHR_OK) {
        char hex[65];
        chr_hex_encode(hex, sizeof(hex), hash, 32);
        CHR_LOG_E("store: transaction %s: the bytes its index row names in block %llu do not "
                  "hash to it (the row or the block is damaged)",
                  hex, (unsigned long long)info->height);
        memset(info, 0, sizeof(*info));
        return CHR_ERR_STORE;
    }
    *out = block + info->offset;
    *out_len = info->len;
    return CHR_OK;
}

static int history_older(uint64_t h, uint32_t i, uint64_t before_height, uint32_t before_index)
{
    return h < before_height || (h == before_height && i < before_index);
}

/* The parties a transaction's history rows name: its sender, and its counterparty (the
 * sender again when it has none), as the chain reports them (ledger/chain.h). */
static void tx_parties(const ledger_tx *tx, uint8_t from[32], uint8_t to[32])
{
    memcpy(from, tx->from, 32);
    if (!ledger_tx_kind_of(tx->type)->counterparty(tx, to)) {
        memcpy(to, tx->from, 32);
    }
}

/* One row under addr's prefix, checked: CHR_OK with *e filled when its transaction names
 * addr (as its sender for a sent row, its counterparty for a received one),
 * CHR_ERR_NOT_FOUND when it names another address of the same prefix, CHR_ERR_STORE
 * (logged) when the row is damaged: it names bytes that are no transaction of its prefix. */
static chr_err history_row(ledger_store_read *r, const uint8_t addr[32], const MDB_val *val,
                           ledger_history_entry *e)
{
    ledger_store_txinfo place = {0};
    uint8_t sent = 0;
    const uint8_t *bytes = NULL;
    ledger_tx tx;
    chr_err err = val->mv_size == INDEX_ROW_BYTES ? CHR_OK : CHR_ERR_STORE;
    if (err == CHR_OK) {
        index_row_decode(&place, &sent, val->mv_data);
        err = row_bytes(r, &place, &bytes);
    }
    if (err == CHR_OK && ledger_tx_decode(&tx, bytes, place.len) != CHR_OK) {
        err = CHR_ERR_STORE;
    }
    uint8_t parties[2][32];
    if (err == CHR_OK) {
        tx_parties(&tx, parties[1], parties[0]);
        if (!index_same_key(r->store, parties[sent], addr)) {
            err = CHR_ERR_STORE;
        } else if (memcmp(parties[sent], addr, 32) != 0) {
            return CHR_ERR_NOT_FOUND; /* another address of the same prefix */
        }
    }
    if (err != CHR_OK) {
        if (err == CHR_ERR_STORE) {
            char hex[65];
            chr_hex_encode(hex, sizeof(hex), addr, 32);
            CHR_LOG_E("store: a history row of %s is damaged: it names no transaction of "
                      "that address in block %llu",
                      hex, (unsigned long long)place.height);
        }
        return err;
    }
    e->height = place.height;
    e->index = place.index;
    e->sent = sent;
    chr_sha256_hash(e->tx_hash, bytes, place.len);
    return CHR_OK;
}

/* The index's part of a history: as ledger_store_history, from r's index snapshot. */
static chr_err index_history(ledger_store_read *r, const uint8_t addr[32], uint64_t before_height,
                             uint32_t before_index, ledger_history_entry *out, size_t limit,
                             size_t *out_len)
{
    *out_len = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->itxn, r->store->ihistory, &cur);
    if (rc != 0) {
        return chr_lmdb_err(rc, "cursor");
    }
    /* Position on the prefix's first row at or after (before_height, before_index), then
     * step back: every row before it is strictly older. An index past any block's is after
     * every row of its height; a height past any row's, after every row. */
    store_tail_entry at = {
        .height = before_height < INDEX_HEIGHT_MAX ? before_height : INDEX_HEIGHT_MAX,
        .index = before_index < LEDGER_BLOCK_TXS_MAX ? before_index : UINT16_MAX >> 1};
    uint8_t v[INDEX_ROW_BYTES];
    index_row_encode(v, &at, 0);
    uint8_t k[INDEX_PREFIX_BYTES];
    index_key(r->store, k, addr);
    MDB_val key = {sizeof(k), k};
    MDB_val val = {sizeof(v), v};
    rc = mdb_cursor_get(cur, &key, &val, MDB_GET_BOTH_RANGE);
    if (rc == 0) {
        rc = mdb_cursor_get(cur, &key, &val, MDB_PREV_DUP);
    } else if (rc == MDB_NOTFOUND) {
        rc = mdb_cursor_get(cur, &key, &val, MDB_SET_KEY);
        rc = rc ? rc : mdb_cursor_get(cur, &key, &val, MDB_LAST_DUP);
    }
    chr_err err = CHR_OK;
    while (rc == 0 && *out_len < limit && err == CHR_OK) {
        err = history_row(r, addr, &val, &out[*out_len]);
        *out_len += err == CHR_OK;
        err = err == CHR_ERR_NOT_FOUND ? CHR_OK : err;
        rc = mdb_cursor_get(cur, &key, &val, MDB_PREV_DUP);
    }
    mdb_cursor_close(cur);
    if (err == CHR_OK && rc != 0 && rc != MDB_NOTFOUND) {
        err = chr_lmdb_err(rc, "history");
    }
    if (err != CHR_OK) {
        *out_len = 0;
    }
    return err;
}

chr_err ledger_store_history(ledger_store_read *r, const uint8_t addr[32], uint64_t before_height,
                             uint32_t before_index, ledger_history_entry *out, size_t limit,
                             size_t *out_len)
{
    ledger_store *s = r->store;
    *out_len = 0;
    uint64_t height;
    int rc = read_height(r, &height);
    if (rc != 0) {
        return chr_lmdb_err(rc, "read height");
    }
    size_t n = 0;
    pthread_mutex_lock(&s->tail_mu);
    for (uint64_t seq = s->tail_end; seq > s->tail_head && n < limit; seq--) {
        const store_tail_entry *e = tail_at(s, seq - 1);
        if (e->height > height ||
            !history_older(e->height, e->index, before_height, before_index)) {
            continue;
        }
        /* As the index orders them: sent (1) before received (0), newest first. */
        if (memcmp(e->from, addr, 32) == 0) {
            out[n++] = (ledger_history_entry){.height = e->height, .index = e->index, .sent = 1};
            memcpy(out[n - 1].tx_hash, e->hash, 32);
        }
        if (n < limit && memcmp(e->to, addr, 32) == 0) {
            out[n++] = (ledger_history_entry){.height = e->height, .index = e->index, .sent = 0};
            memcpy(out[n - 1].tx_hash, e->hash, 32);
        }
    }
    pthread_mutex_unlock(&s->tail_mu);
    uint64_t indexed;
    rc = index_snapshot(r, &indexed);
    if (rc != 0) {
        return chr_lmdb_err(rc, "read index");
    }
    while (n > 0 && out[n - 1].height <= indexed) {
        n--; /* the snapshot has it */
    }
    size_t more = 0;
    chr_err err = CHR_OK;
    if (n < limit) {
        uint64_t bound = (indexed < height ? indexed : height) + 1;
        if (before_height >= bound) {
            before_height = bound;
            before_index = 0;
        }
        err = index_history(r, addr, before_height, before_index, out + n, limit - n, &more);
    }
    *out_len = err == CHR_OK ? n + more : 0;
    return err;
}

/* ---- Opening: the index environment, and the blocks it lacks. ---- */

/* Reads the stored blocks from `from` on (at most to, and INDEX_CATCH_UP_BLOCKS of them)
 * into the tail's slots from 0, which are free while the store opens, as the writer would
 * have added them: *n entries, of the blocks up to *last, the last block that fitted. */
static chr_err index_read_blocks(ledger_store *s, uint64_t from, uint64_t to, uint64_t *last,
                                 uint64_t *n)
{
    CHR_ASSERT(s->tail_head == s->tail_end);
    *last = from - 1;
    *n = 0;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    chr_err err = CHR_OK;
    for (uint64_t h = from; h <= to && h - from < INDEX_CATCH_UP_BLOCKS && rc == 0; h++) {
        uint8_t k[8];
        chr_put_u64be(k, h);
        MDB_val key = {8, k};
        MDB_val val;
        ledger_block b;
        rc = mdb_get(txn, s->blocks, &key, &val);
        err = rc == 0 ? ledger_block_decode(&b, val.mv_data, val.mv_size) : CHR_OK;
        if (rc != 0 || err != CHR_OK) {
            break;
        }
        /* The tail holds three of the largest blocks: the first always fits. */
        if (*n + b.txs_len > LEDGER_STORE_TAIL_TXS_MAX) {
            ledger_block_free(&b);
            break;
        }
        for (uint32_t i = 0; i < b.txs_len && err == CHR_OK; i++) {
            ledger_tx tx;
            store_tail_entry *e = tail_at(s, *n + i);
            *e = (store_tail_entry){.height = h,
                                    .index = i,
                                    .offset = (uint32_t)(b.txs[i] - (const uint8_t *)val.mv_data),
                                    .len = b.tx_lens[i]};
            err = ledger_tx_decode(&tx, b.txs[i], b.tx_lens[i]);
            if (err == CHR_OK) {
                ledger_tx_hash(&tx, e->hash);
                /* As ledger/chain.c's index_row: no counterparty files it as sent. */
                tx_parties(&tx, e->from, e->to);
            }
        }
        *n += err == CHR_OK ? b.txs_len : 0;
        *last = err == CHR_OK ? h : *last;
        ledger_block_free(&b);
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    if (err != CHR_OK) {
        CHR_LOG_E("store: stored block %llu does not decode: %s", (unsigned long long)*last + 1,
                  chr_err_str(err));
        return CHR_ERR_STORE;
    }
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "read blocks to index");
}

/* The main store's height and genesis hash; 0 and no hash before genesis. */
static int main_tip(ledger_store *s, uint64_t *height, uint8_t genesis[32], int *has_genesis)
{
    MDB_txn *txn;
    *height = 0;
    *has_genesis = 0;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return rc;
    }
    MDB_val key = {12, (void *)(uintptr_t) "genesis_hash"};
    MDB_val val;
    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == 0 && val.mv_size == 32) {
        memcpy(genesis, val.mv_data, 32);
        *has_genesis = 1;
        rc = store_get_u64(txn, s->meta, "height", height);
    }
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Opens the index's databases; empties them when they belong to another chain or run
 * ahead of the blocks (a data directory pieced together by hand), and records the
 * chain's genesis hash. Sets s->indexed. */
static int index_open_dbs(ledger_store *s, uint64_t height, const uint8_t genesis[32],
                          int has_genesis)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->ienv, NULL, 0, &txn);
    if (rc != 0) {
        return rc;
    }
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->imeta);
    uint64_t indexed = 0;
    rc = rc ? rc : store_get_u64(txn, s->imeta, "height", &indexed);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    MDB_val key = {12, (void *)(uintptr_t) "genesis_hash"};
    MDB_val val = {0, NULL};
    int got = rc == 0 ? mdb_get(txn, s->imeta, &key, &val) : rc;
    rc = got == MDB_NOTFOUND ? 0 : got;
    int other =
        got == 0 && has_genesis && (val.mv_size != 32 || memcmp(val.mv_data, genesis, 32) != 0);
    /* An index without a format is of format 1 (12-byte rows) if it holds rows; an empty
     * one takes the current format as it is. */
    uint64_t format = INDEX_FORMAT;
    int fr = rc == 0 ? store_get_u64(txn, s->imeta, "format", &format) : rc;
    if (fr == MDB_NOTFOUND || fr == MDB_CORRUPTED) {
        format = fr == MDB_CORRUPTED ? 0 : indexed > 0 ? 1 : INDEX_FORMAT;
        fr = 0;
    }
    rc = fr;
    int old = format != INDEX_FORMAT;
    int rebuild = rc == 0 && (other || indexed > height || old);
    if (rebuild) {
        if (old) {
            CHR_LOG_I("store: the index is of format %llu, not %d: rebuilding it from the "
                      "blocks",
                      (unsigned long long)format, INDEX_FORMAT);
        } else {
            CHR_LOG_W("store: the index (at height %llu) does not match the blocks (at %llu): "
                      "rebuilding it",
                      (unsigned long long)indexed, (unsigned long long)height);
        }
        /* The tables are deleted, not emptied: an older format's were made without
         * duplicates, and a table keeps the flags it was made with. */
        rc = mdb_drop(txn, s->imeta, 0);
        rc = rc ? rc : mdb_dbi_open(txn, "txs", MDB_CREATE, &s->itxs);
        rc = rc ? rc : mdb_drop(txn, s->itxs, 1);
        rc = rc ? rc : mdb_dbi_open(txn, "history", MDB_CREATE, &s->ihistory);
        rc = rc ? rc : mdb_drop(txn, s->ihistory, 1);
        indexed = 0;
        got = MDB_NOTFOUND;
    }
    unsigned dup = MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED;
    rc = rc ? rc : mdb_dbi_open(txn, "txs", dup, &s->itxs);
    rc = rc ? rc : mdb_dbi_open(txn, "history", dup, &s->ihistory);
    if (rc == 0 && has_genesis && got == MDB_NOTFOUND) {
        rc = store_put(txn, s->imeta, "genesis_hash", 12, genesis, 32);
    }
    uint8_t fv[8];
    chr_put_u64be(fv, INDEX_FORMAT);
    rc = rc ? rc : store_put(txn, s->imeta, "format", 6, fv, sizeof(fv));
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    s->indexed = indexed;
    return mdb_txn_commit(txn);
}

chr_err store_index_open(ledger_store *s, const char *dir, size_t map_size)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->tail_cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&s->tail_mu, NULL);
    s->tail_ready = 1;
    s->index_key_bytes = INDEX_PREFIX_BYTES;
    s->tail = calloc(LEDGER_STORE_TAIL_TXS_MAX, sizeof(s->tail[0]));
    s->table = calloc(STORE_TABLE_SLOTS, sizeof(s->table[0]));
    if (s->tail == NULL || s->table == NULL || sodium_init() < 0) {
        return CHR_ERR_NOMEM;
    }
    crypto_shorthash_keygen(s->table_key);
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/index", dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        CHR_LOG_E("store: data directory path too long");
        return CHR_ERR_IO;
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        CHR_LOG_E("store: cannot create %s: %s", path, strerror(errno));
        return CHR_ERR_IO;
    }
    uint8_t genesis[32];
    int has_genesis;
    uint64_t height;
    int rc = mdb_env_create(&s->ienv);
    rc = rc ? rc : mdb_env_set_maxdbs(s->ienv, 4);
    rc = rc ? rc : mdb_env_set_maxreaders(s->ienv, LEDGER_STORE_READERS_MAX);
    rc = rc ? rc : mdb_env_set_mapsize(s->ienv, map_size);
    /* MDB_NOMETASYNC: one fdatasync a commit instead of two (the data's before the meta
     * page is written, which keeps each commit atomic); a system crash may undo the last
     * commit, whose blocks are then indexed again at start, as the tail's are. */
    rc = rc ? rc : mdb_env_open(s->ienv, path, MDB_NOTLS | MDB_NOMETASYNC, 0600);
    rc = rc ? rc : main_tip(s, &height, genesis, &has_genesis);
    rc = rc ? rc : index_open_dbs(s, height, genesis, has_genesis);
    if (rc != 0) {
        return chr_lmdb_err(rc, "open index");
    }
    MDB_envinfo info;
    mdb_env_info(s->ienv, &info);
    s->imap_size = info.me_mapsize;
    s->committed = height;
    if (s->indexed < height) {
        CHR_LOG_I("store: indexing blocks %llu..%llu", (unsigned long long)s->indexed + 1,
                  (unsigned long long)height);
    }
    while (s->indexed < height) {
        uint64_t last, entries;
        chr_err err = index_read_blocks(s, s->indexed + 1, height, &last, &entries);
        err = err ? err : index_write_tail(s, 0, entries, last);
        if (err != CHR_OK) {
            return err;
        }
        s->indexed = last;
    }
    return CHR_OK;
}

chr_err store_index_genesis(ledger_store *s, const uint8_t genesis_hash[32])
{
    chr_err err;
    do {
        MDB_txn *txn;
        int rc = store_write_begin(s, s->ienv, &txn);
        if (rc != 0) {
            return chr_lmdb_err(rc, "begin index");
        }
        rc = store_put(txn, s->imeta, "genesis_hash", 12, genesis_hash, 32);
        err = store_write_end(s, txn, rc, "write index genesis");
    } while (err == CHR_ERR_MAP_FULL && (err = index_grow(s)) == CHR_OK);
    return err;
}

void store_index_close(ledger_store *s)
{
    if (!s->tail_ready) {
        return; /* never set up: nothing started, nothing initialised */
    }
    pthread_mutex_lock(&s->tail_mu);
    int running = s->indexer_running;
    s->indexer_stop = 1;
    pthread_cond_broadcast(&s->tail_cv);
    pthread_mutex_unlock(&s->tail_mu);
    if (running) {
        pthread_join(s->indexer, NULL);
    }
    if (s->ienv != NULL) {
        mdb_env_close(s->ienv);
    }
    pthread_cond_destroy(&s->tail_cv);
    pthread_mutex_destroy(&s->tail_mu);
    free(s->tail);
    free(s->table);
}
