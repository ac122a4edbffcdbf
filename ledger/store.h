/* The LMDB store: accounts, state objects, blocks by height and by hash, commits, evidence and the
 * chain's metadata. Everything a block changes is written in one LMDB write transaction,
 * so a crash leaves either the whole block or none of it.
 *
 * Transactions by hash and per-account history are an index derived from the blocks: a
 * second LMDB environment (<dir>/index), written after each block's commit by the indexer
 * thread (ledger_store_indexer_start), or inline by the writer when none runs. Reads never
 * see it lag: rows not yet indexed are answered from memory. A crash loses at most index
 * rows, which ledger_store_open rebuilds from the blocks.
 *
 * Threads: any number of readers, each with its own ledger_store_read; one writer (the
 * node's writer thread). When a write fails with CHR_ERR_MAP_FULL the transaction has been
 * aborted whole; the writer calls ledger_store_grow, which waits for readers to finish,
 * and retries.
 *
 * Views returned by read functions point into LMDB's memory map and stay valid until
 * ledger_store_read_end. */
#ifndef LEDGER_STORE_H
#define LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/block.h"
#include "ledger/evidence.h"
#include "ledger/limits.h"
#include "ledger/objects.h"
#include "ledger/proof.h"
#include "ledger/state.h"
#include "ledger/trie.h"

/* Readers at once: HTTP connections plus the node's own threads. */
#define LEDGER_STORE_READERS_MAX 1024
/* Committed transactions waiting for the indexer, held in memory (120 bytes each, 15 MiB
 * in all, touched as it fills, and a 4 MiB hash table over them): six full blocks. The
 * indexer takes them in batches of at least 3/8 of it (store_index.c), and the rest holds
 * the blocks committed meanwhile. When it is full the writer waits for the indexer. */
#define LEDGER_STORE_TAIL_TXS_MAX 131072u
_Static_assert(LEDGER_STORE_TAIL_TXS_MAX >= 3u * LEDGER_BLOCK_TXS_MAX,
               "the tail holds a block being indexed, one committed and one being written");
_Static_assert((LEDGER_STORE_TAIL_TXS_MAX & (LEDGER_STORE_TAIL_TXS_MAX - 1)) == 0,
               "the tail's hash table is a power of two larger");

typedef struct ledger_store ledger_store;
typedef struct ledger_store_read ledger_store_read;

typedef struct ledger_store_meta {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint8_t genesis_hash[32];
    uint64_t height;    /* 0 before the first block */
    uint64_t txs_total; /* transactions committed since genesis */
} ledger_store_meta;

typedef struct ledger_store_txinfo {
    uint64_t height;
    uint32_t index;
    uint32_t offset; /* where its bytes start in the encoded block */
    uint16_t len;    /* and how many they are */
} ledger_store_txinfo;

/* One block's writes. History gets one entry per transaction for its sender and one for
 * its recipient. */
typedef struct ledger_store_write {
    const ledger_header *header;
    const uint8_t *hash;  /* the block hash */
    const uint8_t *bytes; /* the encoded block */
    size_t bytes_len;
    const uint8_t *commit; /* the encoded commit of this block */
    size_t commit_len;
    uint32_t txs_len;
    const uint8_t (*tx_hashes)[32];
    const uint8_t (*tx_from)[32];
    const uint8_t (*tx_to)[32];
    const ledger_overlay *changes;   /* accounts and objects changed by the block */
    const ledger_evidence *evidence; /* the block's evidence, in its order */
    uint16_t evidence_len;
    /* The state trie's pending changes, written with the block: they carry the changed
     * accounts' leaves, where the records are stored (not NULL). */
    ledger_trie *trie;
} ledger_store_write;

/* Opens or creates the store in dir (created if missing) with an LMDB map of
 * map_size bytes. CHR_ERR_STORE (the LMDB error is logged to stderr by the caller's log). */
CHR_WUR chr_err ledger_store_open(ledger_store **out, const char *dir, size_t map_size);
void ledger_store_close(ledger_store *s);

/* Starts the indexer thread, which writes each committed block's index rows. Without
 * it the writer indexes inline whenever the tail is full (tests, tools). CHR_ERR_NOMEM if
 * the thread cannot start. ledger_store_close stops it after a last pass. */
CHR_WUR chr_err ledger_store_indexer_start(ledger_store *s);
/* Indexes every committed block the index lacks, in one index transaction, growing the
 * index map as needed; for callers without the indexer thread (only one may run: asserted
 * that the thread does not). CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_index(ledger_store *s);
/* The height up to which the index holds its rows (the rest are in memory), and how many
 * committed blocks it is behind. */
uint64_t ledger_store_indexed_height(ledger_store *s);
uint64_t ledger_store_index_behind(ledger_store *s);

/* The current map size, and its growth: CHR_ERR_STORE if LMDB refuses. */
size_t ledger_store_map_size(const ledger_store *s);
CHR_WUR chr_err ledger_store_grow(ledger_store *s, size_t new_size);
/* Bytes of the map in use (pages used times page size). */
size_t ledger_store_used_bytes(ledger_store *s);

/* Writes the genesis state: metadata, initial accounts, the genesis objects (objects' puts,
 * e.g. the genesis stakes of genesis_stakes_state; may be NULL) and their state trie rows.
 * CHR_ERR_MAP_FULL or CHR_ERR_STORE; on error nothing is written. */
CHR_WUR chr_err ledger_store_init_genesis(ledger_store *s, const char *chain_id,
                                          const uint8_t genesis_hash[32],
                                          const uint8_t (*addrs)[32], const uint64_t *balances,
                                          size_t accounts_len, const ledger_objects *objects);

/* Writes one block and everything it changes, then raises the height. The block must be
 * the next one (asserted). CHR_ERR_MAP_FULL (nothing written; grow and retry) or
 * CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_commit_block(ledger_store *s, const ledger_store_write *b);

CHR_WUR chr_err ledger_store_read_begin(ledger_store *s, ledger_store_read **out);
void ledger_store_read_end(ledger_store_read *r);

/* CHR_ERR_NOT_FOUND before genesis was written. */
CHR_WUR chr_err ledger_store_meta_get(ledger_store_read *r, ledger_store_meta *out);
/* A never-seen address gives zeros and CHR_OK; *found (may be NULL) tells which. The record
 * is stored in the account's state trie leaf row, after the leaf's value hash, and checked to
 * hash to it: when it does not, or the row is not an account's, CHR_ERR_STATE_ROOT (a damaged
 * store: logged), apart from CHR_ERR_STORE for a failed read. */
CHR_WUR chr_err ledger_store_account(ledger_store_read *r, const uint8_t addr[32],
                                     ledger_account *out, int *found);

/* The committed state object (kind, natural) (ledger/objects.h), from the "objects"
 * database (key u8 kind || natural key, value the object's bytes): *found 0 when absent
 * (CHR_OK). Checked like an account against its state trie leaf (value hash SHA256(value),
 * written in the same transaction): when they do not match, or one is missing,
 * CHR_ERR_STATE_ROOT (logged); CHR_ERR_STORE for a failed read. At the tip (past heights:
 * ledger_store_object_at). kind must be ledger_object_kind_valid and natural_len
 * at most LEDGER_STATE_NATURAL_KEY_MAX (asserted). */
CHR_WUR chr_err ledger_store_object(ledger_store_read *r, ledger_state_kind kind,
                                    const uint8_t *natural, size_t natural_len, ledger_object *out,
                                    int *found);
/* The first committed object of kind whose natural key starts with prefix and is strictly
 * after `after` (NULL: from the first), in natural-key order: ledger_object_scan_fn for
 * the node's ledger. Each is checked as ledger_store_object checks. CHR_ERR_NOT_FOUND when
 * none is left. */
CHR_WUR chr_err ledger_store_object_next(ledger_store_read *r, ledger_state_kind kind,
                                         const uint8_t *prefix, size_t prefix_len,
                                         const uint8_t *after, size_t after_len,
                                         ledger_object *out);

/* What is read from disk is checked against the hash that names it before it is handed
 * out; a mismatch is CHR_ERR_STORE, logged once as an ERROR line naming the height and
 * what did not match (docs/ARCHITECTURE.md, "What is checked when"). */

/* The encoded block at height. Its header is checked (not its body: see
 * ledger_store_block_decode): it decodes, states that height, and hashes to a hash that the
 * by-hash table maps to that height, a row written in the block's own transaction.
 * CHR_ERR_NOT_FOUND (no block there), CHR_ERR_VERSION (a header of an older version, which
 * this build does not read: logged) or CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_block(ledger_store_read *r, uint64_t height, const uint8_t **out,
                                   size_t *out_len);
/* The block at height, checked whole: ledger_store_block's header check, then
 * ledger_block_decode (the body's tx_root, evidence_root, count and last commit match the
 * header). out's views point into the snapshot (until ledger_store_read_end); the caller
 * frees it with ledger_block_free. CHR_ERR_NOT_FOUND, CHR_ERR_NOMEM or CHR_ERR_STORE;
 * out zeroed on error. */
CHR_WUR chr_err ledger_store_block_decode(ledger_store_read *r, uint64_t height, ledger_block *out);
/* The height the by-hash table gives a block hash. CHR_ERR_NOT_FOUND or CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_block_height(ledger_store_read *r, const uint8_t hash[32],
                                          uint64_t *height);
/* The encoded commit of height, checked to state that height and to name a block hash the
 * by-hash table maps to it (its signatures are not verified here). CHR_ERR_NOT_FOUND or
 * CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_commit(ledger_store_read *r, uint64_t height, const uint8_t **out,
                                    size_t *out_len);
/* Where a committed transaction is, from the index (or the tail): its height, index and
 * bytes' place in the block. The index keys its rows by a prefix of the hash: the row
 * answered is the one whose bytes hash to `hash`; when none does but a row under the
 * prefix names no transaction of it (damaged), that row, unchecked: ledger_store_tx_read
 * refuses it. CHR_ERR_NOT_FOUND (not committed as of this snapshot) or CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_tx(ledger_store_read *r, const uint8_t hash[32],
                                ledger_store_txinfo *out);
/* A committed transaction's encoded bytes, read alone from its block (not the whole block),
 * checked to hash to `hash`: *out is a view into the snapshot, out_len bytes. info as
 * ledger_store_tx. CHR_ERR_NOT_FOUND or CHR_ERR_STORE (the index row names bytes that are
 * not that transaction); outputs zeroed on error. */
CHR_WUR chr_err ledger_store_tx_read(ledger_store_read *r, const uint8_t hash[32],
                                     ledger_store_txinfo *info, const uint8_t **out,
                                     size_t *out_len);

/* The state trie's rows (ledger/trie.h): the source the writer's ledger reads them through,
 * within this snapshot. */
CHR_WUR chr_err ledger_store_trie_seek(ledger_store_read *r,
                                       const uint8_t from[LEDGER_TRIE_ID_BYTES],
                                       uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                                       uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len);
/* How many versions of the state trie the store keeps (0: all, an archive; 1: the tip
 * only, the default): a proof can be made at each of the last n heights. Older versions'
 * rows are removed as blocks are written. Call once after ledger_store_open, before the
 * first block is written and before any reader. An archive also keeps each old row by id, so
 * that a read at any kept height costs a few seeks per row whatever its distance: a store
 * opened as an archive for the first time (written by an earlier version, or with another n)
 * gets those rows built once here from its by-height rows, in one transaction, with a log
 * line; one that stops being an archive drops them (logged). CHR_ERR_STORE, CHR_ERR_MAP_FULL
 * (the store is unchanged, and n not set). */
CHR_WUR chr_err ledger_store_set_versions_kept(ledger_store *s, uint64_t n);
/* The oldest height whose state a proof can still be made at, and the tip. */
CHR_WUR chr_err ledger_store_versions(ledger_store_read *r, uint64_t *oldest, uint64_t *tip);
/* The account at addr as it was after block `height` (a kept version, ledger_store_versions):
 * CHR_ERR_NOT_FOUND when the height is not kept, CHR_ERR_TOO_LONG when it is more than
 * LEDGER_STORE_PAST_BLOCKS_MAX below the tip on a store that is not an archive (an archive
 * reads any kept height in a few seeks); otherwise as ledger_store_account at the
 * tip. A past record is read from the leaf row a later block replaced (trie_old, or on an
 * archive trie_hist) and checked
 * to hash to the value hash stored with it (CHR_ERR_STORE, logged); it is not checked against
 * the trie here: a proof at that height is (the caller compares the record's hash with the
 * proof's leaf). */
CHR_WUR chr_err ledger_store_account_at(ledger_store_read *r, const uint8_t addr[32],
                                        uint64_t height, ledger_account *out, int *found);
/* The state object (kind, natural) as it was after block `height`, as
 * ledger_store_account_at reads an account: CHR_ERR_NOT_FOUND when the height is not kept,
 * CHR_ERR_TOO_LONG when too far below the tip; at a height no later block changed it, as
 * ledger_store_object (checked against its leaf); otherwise not checked against the trie
 * here (the caller compares SHA256(value) with a proof's leaf at that height). A value of
 * more than LEDGER_OBJECT_VALUE_MAX bytes is CHR_ERR_STORE. */
CHR_WUR chr_err ledger_store_object_at(ledger_store_read *r, ledger_state_kind kind,
                                       const uint8_t *natural, size_t natural_len, uint64_t height,
                                       ledger_object *out, int *found);
/* A proof for key at the state root of block `height` (a kept version, 1 or more): as
 * ledger_store_state_proof, with CHR_ERR_NOT_FOUND when the height is not kept (pruned,
 * or past the tip) and CHR_ERR_TOO_LONG as for ledger_store_account_at. A past version's rows are
 * read through the rows each later block replaced: by height, at a cost that grows with the
 * blocks since; on an archive by id, a few seeks per row of the path at any distance. Every
 * row read is checked against the hash its parent names (CHR_ERR_STORE, logged). */
CHR_WUR chr_err ledger_store_state_proof_at(ledger_store_read *r, const uint8_t key[32],
                                            uint64_t height, uint8_t state_root[32],
                                            ledger_proof *out);
/* A proof for key (ledger/proof.h) against the state root of the snapshot's tip block:
 * its height and that root in *height and state_root. Every row read is checked against
 * the hash that names it. CHR_ERR_NOT_FOUND before the first block; CHR_ERR_STORE (logged)
 * when the rows or the tip block are damaged. */
CHR_WUR chr_err ledger_store_state_proof(ledger_store_read *r, const uint8_t key[32],
                                         uint64_t *height, uint8_t state_root[32],
                                         ledger_proof *out);

/* Calls fn for every account in address order (the trie's account leaf rows, each checked as
 * ledger_store_account checks it: CHR_ERR_STATE_ROOT); stops at the first error fn returns. */
CHR_WUR chr_err ledger_store_accounts_foreach(ledger_store_read *r,
                                              chr_err (*fn)(void *ctx, const uint8_t addr[32],
                                                            const ledger_account *a),
                                              void *ctx);

/* An account's history, newest first: up to limit entries strictly older than the
 * position (before_height, before_index); pass UINT64_MAX to start at the newest. Each
 * entry of the index is checked: its transaction's bytes decode and name the address (as
 * sender, or as counterparty), and tx_hash is their hash. CHR_ERR_STORE (logged) when a
 * row names no transaction of the address's prefix. */
typedef struct ledger_history_entry {
    uint64_t height;
    uint32_t index;
    uint8_t tx_hash[32];
    uint8_t sent; /* 1 sent by the account, 0 received */
} ledger_history_entry;
CHR_WUR chr_err ledger_store_history(ledger_store_read *r, const uint8_t addr[32],
                                     uint64_t before_height, uint32_t before_index,
                                     ledger_history_entry *out, size_t limit, size_t *out_len);

/* Committed evidence: the offence's key, the block that carries it and its place there. */
typedef struct ledger_store_evidence_row {
    uint64_t height;
    uint32_t index;
    ledger_evidence evidence;
} ledger_store_evidence_row;
/* The committed evidence for an offence's key (ledger_evidence_key): CHR_ERR_NOT_FOUND if
 * none was committed. */
CHR_WUR chr_err ledger_store_evidence(ledger_store_read *r,
                                      const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES],
                                      ledger_store_evidence_row *out);
/* Committed evidence newest first by its place in the chain (block height, index in the
 * block): up to limit rows strictly before (before_height, before_index); pass UINT64_MAX
 * to start at the newest. */
CHR_WUR chr_err ledger_store_evidence_recent(ledger_store_read *r, uint64_t before_height,
                                             uint32_t before_index, ledger_store_evidence_row *out,
                                             size_t limit, size_t *out_len);

#endif
