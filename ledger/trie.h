/* The state trie, persisted: the compressed binary Merkle trie of ledger/smt.h (same
 * definition, same root), kept as rows in a store rather than in memory, so that a node
 * opens without rebuilding it and its memory does not grow with the state.
 *
 * Rows. Every node of the trie is one row, named by its place in the trie:
 * - id = u8 band || raw32 padded prefix || u16 bit (35 bytes). An internal node that
 *   branches at bit b has as prefix the first b bits its keys share, the other bits zero; a
 *   leaf has its whole key as prefix and bit 256. The band is 0 for bits below 12, 1 for 12
 *   to 15, 2 for the rest (leaves too): the rows of one band sit together, so the few rows
 *   of a key's path in the middle band share a page instead of lying a subtree apart.
 * - value of a leaf: raw32 value hash (32 bytes); of an internal node: raw32 left hash ||
 *   raw32 right hash || u16 left child's bit || u16 right child's bit (68 bytes).
 * Compared as bytes (memcmp), ids put, within a band, every subtree's rows in one
 * contiguous run that starts with its top node: the root is the first row, and the child
 * on side d of the node (p, b), whose bit c its parent records, is the first row at or
 * after (band of c, p with bit b set to d, b + 1). A child's id also follows from
 * any key below it (its first `bit` bits, padded), which is how a lookup of a present key
 * reads its path with exact gets. A node's place never changes while it lives: inserting
 * a key adds a leaf and one internal node; deleting one removes a leaf and its parent.
 *
 * Integrity: a node read from the store is checked against the hash that names it (its
 * parent's child hash; the root against the root the caller trusts, a header's state root)
 * and against the rows' format. A mismatch is CHR_ERR_STORE with a message
 * (common/errmsg.h); nothing read from a damaged row is used.
 *
 * Changes. Sets and deletes build the next version in memory (the nodes they touch, linked
 * by index): they are pending until the caller has written them out with the block that
 * made them (ledger_trie_changes, in the block's store transaction) and calls
 * ledger_trie_release, or until ledger_trie_rollback forgets them. The store is never
 * written from here. A bounded cache of committed rows (cache_bytes) keeps the upper
 * levels, which every block walks, out of the store.
 *
 * Deterministic core: no I/O of its own (the store is a callback), no clock, no randomness.
 * One thread owns a ledger_trie. ledger_trie_prove needs no ledger_trie and runs on any
 * thread over a source of its own. */
#ifndef LEDGER_TRIE_H
#define LEDGER_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"
#include "ledger/proof.h"

#define LEDGER_TRIE_ID_BYTES 35
#define LEDGER_TRIE_LEAF_BYTES 32
#define LEDGER_TRIE_NODE_BYTES 68
#define LEDGER_TRIE_VALUE_MAX LEDGER_TRIE_NODE_BYTES
/* The bit a leaf's id carries. */
#define LEDGER_TRIE_LEAF_BIT 256u
/* Bytes one cached row takes, for sizing the cache. */
#define LEDGER_TRIE_CACHE_ENTRY_BYTES 112u

/* Where committed rows are read from. seek finds the first row whose id is at or after
 * from (memcmp order): CHR_OK with its id in id_out, its value in val (at most
 * LEDGER_TRIE_VALUE_MAX bytes copied) and the value's full length in *val_len;
 * CHR_ERR_NOT_FOUND when there is none; any other error aborts the caller's operation. */
typedef struct ledger_trie_source {
    void *ctx;
    chr_err (*seek)(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                    uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                    size_t *val_len);
} ledger_trie_source;

typedef struct ledger_trie ledger_trie;

/* The id of key's leaf row. */
void ledger_trie_leaf_id(uint8_t id[LEDGER_TRIE_ID_BYTES], const uint8_t key[32]);

/* A trie over src whose committed version is the empty trie until ledger_trie_open says
 * otherwise, with a cache of about cache_bytes (0: none). CHR_ERR_NOMEM. */
CHR_WUR chr_err ledger_trie_new(ledger_trie **out, ledger_trie_source src, size_t cache_bytes);
void ledger_trie_free(ledger_trie *t);

/* Takes the committed rows as the version whose root is root: reads the first row and
 * checks it hashes to root (one row: the cost does not grow with the state), forgetting
 * pending changes and the cache. CHR_ERR_STATE_ROOT when the rows are of another root (or
 * there are rows and root is the empty trie's, or none and it is not); CHR_ERR_STORE for a
 * damaged row; the source's errors. */
CHR_WUR chr_err ledger_trie_open(ledger_trie *t, const uint8_t root[CHR_HASH_LEN]);

/* Sets key's value hash (inserting the key if new); setting the value a key has is a no-op.
 * Reads the key's path from the cache or the source. CHR_ERR_NOMEM, CHR_ERR_STORE (a
 * damaged row), the source's errors: the pending version may then be half changed, and
 * the caller rolls it back. */
CHR_WUR chr_err ledger_trie_set(ledger_trie *t, const uint8_t key[32],
                                const uint8_t value_hash[32]);
/* Removes key if present (*found 1) or changes nothing (*found 0). Errors as for set. */
CHR_WUR chr_err ledger_trie_delete(ledger_trie *t, const uint8_t key[32], int *found);
/* Looks key up in the pending version: *found, and its value hash (zeros when absent).
 * Errors as for set. */
CHR_WUR chr_err ledger_trie_get(ledger_trie *t, const uint8_t key[32], int *found,
                                uint8_t value_hash[32]);

/* The pending version's root: rehashes the nodes changed since the last call. */
void ledger_trie_root(ledger_trie *t, uint8_t out[CHR_HASH_LEN]);

/* Whether changes are pending (sets or deletes since the last release or rollback). */
int ledger_trie_pending(const ledger_trie *t);
/* One row the pending version writes or removes. */
typedef struct ledger_trie_change {
    const uint8_t *id;  /* LEDGER_TRIE_ID_BYTES */
    const uint8_t *val; /* the new value; NULL when the row is removed */
    size_t len;
    const uint8_t *old; /* the committed value; NULL when the row is new */
    size_t old_len;
} ledger_trie_change;

/* Calls fn for every row the pending version writes or removes, in id order, after
 * bringing the root up to date; stops at fn's first error and returns it (CHR_ERR_NOMEM
 * when the order cannot be made). Each id at most once. */
CHR_WUR chr_err ledger_trie_changes(ledger_trie *t,
                                    chr_err (*fn)(void *ctx, const ledger_trie_change *c),
                                    void *ctx);
/* At most how many rows ledger_trie_changes reports. */
size_t ledger_trie_changes_len(const ledger_trie *t);
/* The caller stored the pending changes: they are the committed version now. */
void ledger_trie_release(ledger_trie *t);
/* Forgets the pending changes: the committed version is unchanged. */
void ledger_trie_rollback(ledger_trie *t);

/* A proof for key (ledger/proof.h) under root, from the rows of src, each checked against
 * the hash that names it. CHR_ERR_STATE_ROOT when the rows are not of root; CHR_ERR_STORE
 * for a damaged row; the source's errors. */
CHR_WUR chr_err ledger_trie_prove(const ledger_trie_source *src, const uint8_t root[CHR_HASH_LEN],
                                  const uint8_t key[32], ledger_proof *out);

#endif
