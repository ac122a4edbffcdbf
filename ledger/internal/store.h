/* Private to the store (ledger/store.c, ledger/store_index.c): the store's objects and
 * the index they share.
 *
 * The index: transactions by hash and each account's history are derived rows, rebuilt
 * from the blocks at will, so they live in a second LMDB environment (<dir>/index) that a
 * thread of their own (the indexer) writes after the block's own commit. The block's
 * fdatasync then carries only what the chain needs (blocks, commits, accounts, evidence),
 * and the indexer's commits cover as many blocks as arrived meanwhile.
 *
 * Readers never see the index lag: a block's rows enter the tail (an in-memory ring of
 * the committed-but-not-yet-indexed transactions, with a hash table over their hashes)
 * before the block's LMDB commit, and leave it only after the indexer's commit made them
 * visible there. A lookup consults the tail first and then a fresh index snapshot, keeping
 * only rows at or below its own snapshot's height (store_index.c says why that order
 * neither misses nor doubles a row). */
#ifndef LEDGER_INTERNAL_STORE_H
#define LEDGER_INTERNAL_STORE_H

#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>

#include "common/err.h"
#include "common/lmdb_err.h"
#include "ledger/store.h"

/* One transaction in the tail: what its index rows are made of. */
typedef struct store_tail_entry {
    uint64_t height;
    uint32_t index;
    uint32_t offset; /* the transaction's bytes in the encoded block */
    uint16_t len;
    uint8_t hash[32];
    uint8_t from[32];
    uint8_t to[32];
} store_tail_entry;

struct ledger_store {
    MDB_env *env;
    MDB_dbi meta, blocks, hashes, commits, evidence, evidence_at, trie, trie_old, objects,
        objects_old, trie_hist, objects_hist;
    /* Versions of the state trie kept (ledger_store_set_versions_kept): 0 all, 1 the tip. */
    uint64_t versions_kept;
    /* An archive's (versions_kept 0): each block also indexes the old rows it wrote by id, in
     * trie_hist (id -> u64 height) and objects_hist (state key -> u64 height), each key's
     * heights as sorted duplicates, ledger/store_trie.c. */
    int hist;
    size_t map_size;
    /* The index environment: its metadata (indexed height, the chain's genesis hash, the
     * format), txs (hash prefix -> place rows) and history (address prefix -> place rows
     * with a sent bit), see ledger/store_index.c. */
    MDB_env *ienv;
    MDB_dbi imeta, itxs, ihistory;
    /* How many leading bytes of a hash or address key its index rows (8; the rest of the
     * 8-byte key is zero). Only the unit tests lower it, before any row is written, to make
     * prefix collisions certain. */
    uint8_t index_key_bytes;
    /* When nonzero, the indexer's write of a batch stops after this many parts' commits
     * and fails with CHR_ERR_IO, as a crash between them would. Only the unit tests set
     * it. */
    unsigned index_parts_crash;
    size_t imap_size;
    /* Readers hold it shared; growing a map takes it exclusively, because LMDB's
     * mdb_env_set_mapsize requires that no transaction is active in the process. */
    pthread_rwlock_t resize;

    /* The tail, under tail_mu. Entries are numbered by a sequence that never goes back;
     * entry n is tail[n % LEDGER_STORE_TAIL_TXS_MAX]; [tail_head, tail_end) are live.
     * The writer appends at tail_end (and takes back its own block's entries if that
     * block's commit fails); only the indexer advances tail_head, so the indexer reads
     * [tail_head, its end) without the lock. */
    pthread_mutex_t tail_mu;
    pthread_cond_t tail_cv; /* work for the indexer, room for the writer, a stop */
    store_tail_entry *tail;
    uint64_t tail_head, tail_end;
    uint64_t *table;   /* STORE_TABLE_SLOTS slots: 0 empty, else sequence + 1 */
    size_t table_used; /* slots ever filled since the last rebuild */
    uint8_t table_key[16];
    uint64_t committed;  /* the main store's height */
    uint64_t indexed;    /* the index's height */
    chr_err indexer_err; /* the indexer's last failure; CHR_OK while it keeps up */
    int indexer_running, indexer_stop;
    int tail_ready; /* tail_mu and tail_cv exist */
    pthread_t indexer;
};

struct ledger_store_read {
    ledger_store *store;
    MDB_txn *txn;
    uint64_t height; /* the snapshot's height, once an index lookup needed it */
    int has_height;
    MDB_txn *itxn; /* an index snapshot, begun or renewed by each index lookup */
    int itxn_live;
    MDB_cursor *trie_cur; /* the state trie's rows, opened by the first seek */
};

int store_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen);
int store_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *out);
int put_u64_meta(ledger_store *s, MDB_txn *txn, const char *name, uint64_t v);
/* Begins a write transaction in env (the store's or the index's) under the shared resize
 * lock; store_write_end commits it when rc is 0, else aborts it, and releases the lock. */
int store_write_begin(ledger_store *s, MDB_env *env, MDB_txn **txn);
chr_err store_write_end(ledger_store *s, MDB_txn *txn, int rc, const char *what);

/* Opens <dir>/index and its databases, sets up the tail, and indexes whatever blocks of
 * the main store the index lacks (after a crash: the last few; from an older layout or a
 * deleted index: all). Called by ledger_store_open once the main environment is open. */
CHR_WUR chr_err store_index_open(ledger_store *s, const char *dir, size_t map_size);
/* Records the chain's genesis hash in the index (ledger_store_init_genesis). */
CHR_WUR chr_err store_index_genesis(ledger_store *s, const uint8_t genesis_hash[32]);
/* Stops the indexer (after a last pass) and closes the index environment. */
void store_index_close(ledger_store *s);
/* The writer, before a block's LMDB transaction: waits for room in the tail (or, with no
 * indexer running, indexes inline) and adds the block's transactions. CHR_ERR_STORE if
 * the indexer has failed and the tail is full. */
CHR_WUR chr_err store_tail_add(ledger_store *s, const ledger_store_write *b);
/* The writer, after it: the block is committed (ok) and the indexer may take it, or its
 * entries are taken back. */
void store_tail_done(ledger_store *s, uint64_t height, uint32_t txs_len, int ok);
void store_index_read_end(ledger_store_read *r);

/* An account's leaf row in the trie database holds its value hash (all ledger/trie.h reads)
 * followed by its record (ledger_account_encode): a changed account dirties the one page of its
 * leaf, and trie_old keeps the records a block replaced. Other leaves (objects) hold the value
 * hash alone. The sources the trie reads rows through hand it the hash only. */
#define STORE_LEAF_ACCOUNT_BYTES (LEDGER_TRIE_LEAF_BYTES + LEDGER_ACCOUNT_BYTES)
_Static_assert(STORE_LEAF_ACCOUNT_BYTES <= LEDGER_TRIE_VALUE_MAX, "a leaf row fits a row buffer");

/* Whether a trie row's id is a leaf's. */
int store_row_leaf(const uint8_t id[LEDGER_TRIE_ID_BYTES]);
/* The length of a row's value as the trie sees it: an account leaf's value hash alone. */
size_t store_row_trie_len(const uint8_t id[LEDGER_TRIE_ID_BYTES], size_t len);
/* The account record in a version of addr's leaf row (v, len bytes; from trie_old), checked to
 * hash to the value hash before it: CHR_ERR_STORE (logged) when it does not. */
CHR_WUR chr_err store_account_past(const uint8_t addr[32], const uint8_t *v, size_t len,
                                   ledger_account *out);

/* An account record a trie write puts into its leaf row. */
typedef struct store_leaf_record {
    uint8_t addr[32];
    uint8_t rec[LEDGER_ACCOUNT_BYTES];
} store_leaf_record;

/* The state trie's rows (ledger/store_trie.c). Writes t's pending changes in txn, block
 * `height`'s, each changed account leaf with its record from recs (recs_len of them, sorted
 * by address, each hashing to its leaf's new value hash: asserted), and, unless only the tip
 * is kept, each changed row's value before the block (an account leaf's with its record)
 * into trie_old under (height, id), and on an archive (s->hist) the height under the id
 * in trie_hist too: an LMDB error code. */
int store_trie_write(ledger_store *s, MDB_txn *txn, ledger_trie *t, uint64_t height,
                     const store_leaf_record *recs, size_t recs_len);
/* Sorts recs by address for store_trie_write. */
void store_leaf_records_sort(store_leaf_record *recs, size_t len);
/* Writes block `height`'s object changes (ledger/objects.h; objs may be NULL) into the
 * objects database: a put's row, a delete's row removed; unless only the tip is kept, each
 * changed row's value before the block into objects_old under (height, u8 kind || natural
 * key), empty for none, and on an archive (s->hist) the height under the object's
 * ledger_state_key in objects_hist too (ledger/store_objects.c). An LMDB error code. */
int store_objects_write(ledger_store *s, MDB_txn *txn, const ledger_objects *objs, uint64_t height);
/* After block `height`'s rows: removes the trie_old and objects_old rows no kept version
 * needs and moves meta "trie_versions_from" (the oldest height a proof can be made at) up. */
int store_trie_versions_advance(ledger_store *s, MDB_txn *txn, uint64_t height);
/* Writes the rows of the genesis accounts (addrs distinct) and objects' puts (may be NULL) into
 * the empty trie database, in batches of bounded memory; the root in root. An LMDB error code
 * (ENOMEM when memory runs out). */
int store_trie_genesis(ledger_store *s, MDB_txn *txn, const uint8_t (*addrs)[32],
                       const uint64_t *balances, size_t accounts_len, const ledger_objects *objects,
                       uint8_t root[32]);
/* A store of an earlier layout gets today's once, in one transaction, with a log line: one
 * written before the trie was persisted (an "accounts" database and no trie rows, or rows of
 * an earlier layout) gets its rows built from the accounts; one whose records are in the
 * "accounts" database (and their earlier versions in "accounts_old") gets them moved into
 * their leaf rows (and trie_old). Both databases are then dropped. CHR_ERR_STORE,
 * CHR_ERR_MAP_FULL, CHR_ERR_STATE_ROOT (a record without its leaf: logged). It also sets
 * s->hist from meta "trie_hist" (an archive whose old rows are indexed by id). */
CHR_WUR chr_err store_trie_migrate(ledger_store *s);

#endif
