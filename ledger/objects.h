/* State objects of every kind but accounts (validators, delegations, unbondings, meetings,
 * proposals, votes: ledger_state_kind), under the one state root (docs/PROTOCOL.md, "State
 * keys" and "Object leaves"; docs/ARCHITECTURE.md, "State objects").
 *
 * An object is named by its kind and a natural key (0 to LEDGER_STATE_NATURAL_KEY_MAX
 * bytes, chosen by the module that owns the kind) and holds a value of 1 to
 * LEDGER_OBJECT_VALUE_MAX bytes, the module's encoding. Its state trie leaf is at
 * ledger_state_key(kind, natural) with value hash SHA256(value); a deleted object has no
 * leaf.
 *
 * A block's object changes collect in a ledger_objects table beside its changed accounts
 * (attached to the block's ledger_overlay: ledger_overlay_objects), and go to the trie
 * (ledger_overlay_trie_apply) and to the store in the block's one store transaction. The
 * committed objects come in through two callbacks: a load by name and a "next" in scan
 * order (the node reads its LMDB "objects" database, keyed u8 kind || natural key, so that
 * a prefix is a range).
 *
 * Order: natural keys of one kind compare as bytes, a key before every longer key it is a
 * prefix of (LMDB's default order).
 *
 * Deterministic core: no I/O, clock or randomness. A table is owned by one thread. */
#ifndef LEDGER_OBJECTS_H
#define LEDGER_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/limits.h"
#include "ledger/state.h"
#include "ledger/trie.h"

/* One object, as a scan or the store hands it out. */
typedef struct ledger_object {
    uint8_t natural[LEDGER_STATE_NATURAL_KEY_MAX];
    size_t natural_len;
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
} ledger_object;

/* Loads the committed object (kind, natural): *found 1 with its value (value_len bytes),
 * or *found 0. Any error aborts the block being applied. */
typedef chr_err (*ledger_object_load_fn)(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                                         size_t *value_len, int *found);
/* The first committed object of kind whose natural key starts with prefix (prefix_len
 * bytes, 0: any) and comes strictly after `after` (after_len bytes; after NULL: from the
 * first), into *out (after may point into out). CHR_ERR_NOT_FOUND when there is none; any other
 * error aborts. */
typedef chr_err (*ledger_object_scan_fn)(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                                         size_t prefix_len, const uint8_t *after, size_t after_len,
                                         ledger_object *out);

/* The object name compare: bytes, then the shorter first. */
int ledger_object_natural_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* The leaf value hash of an object's value: SHA256(value). */
void ledger_object_hash(uint8_t out[CHR_HASH_LEN], const uint8_t *value, size_t value_len);

/* Whether kind names objects of this layer (not accounts, not 0). */
int ledger_object_kind_valid(uint8_t kind);
/* The API's name of kind ("validator"), NULL for a kind not assigned. */
const char *ledger_object_kind_name(uint8_t kind);

typedef struct ledger_objects ledger_objects;

/* A table for up to entries_max changed objects (a block's: see ledger_chain_new). load and
 * next read the committed objects with ctx. CHR_ERR_NOMEM. The caller owns *out. */
CHR_WUR chr_err ledger_objects_new(ledger_objects **out, size_t entries_max,
                                   ledger_object_load_fn load, ledger_object_scan_fn next,
                                   void *ctx);
void ledger_objects_free(ledger_objects *t);
/* Forgets every change (start of a block, or after a failed one); O(changes). */
void ledger_objects_reset(ledger_objects *t);

/* In the calls below, a kind that is not ledger_object_kind_valid, a natural key over
 * LEDGER_STATE_NATURAL_KEY_MAX and a value of 0 or over LEDGER_OBJECT_VALUE_MAX bytes are
 * broken invariants (asserted): the owning module encodes them. */

/* The object as the table sees it: changed (put, or deleted: *found 0), else committed.
 * *value_len bytes in value. The load callback's error (outputs zeroed). */
CHR_WUR chr_err ledger_object_get(ledger_objects *t, ledger_state_kind kind, const uint8_t *natural,
                                  size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                                  size_t *value_len, int *found);
/* Records a put. CHR_ERR_FULL (nothing changed) when the object has no entry yet and the
 * table holds entries_max. */
CHR_WUR chr_err ledger_object_put(ledger_objects *t, ledger_state_kind kind, const uint8_t *natural,
                                  size_t natural_len, const uint8_t *value, size_t value_len);
/* Records a delete: *found 1 when the object existed as the table saw it; deleting an
 * absent object changes nothing. CHR_ERR_FULL (nothing changed) as for put; the load
 * callback's error. */
CHR_WUR chr_err ledger_object_delete(ledger_objects *t, ledger_state_kind kind,
                                     const uint8_t *natural, size_t natural_len, int *found);

/* Up to n objects of kind whose natural key starts with prefix (prefix_len bytes; 0: all
 * of the kind) and is strictly after `after` (after_len bytes; after NULL: from the
 * first), in natural-key order, as the table sees them: committed ones merged with this
 * table's puts, deleted ones left out. *out_len written; out holds n entries. The cost is
 * one committed "next" per result plus one per committed object the table changed in the
 * range, and a pass over the table's entries per result. The callback's error (*out_len
 * 0). */
CHR_WUR chr_err ledger_object_scan(ledger_objects *t, ledger_state_kind kind, const uint8_t *prefix,
                                   size_t prefix_len, const uint8_t *after, size_t after_len,
                                   ledger_object *out, size_t n, size_t *out_len);

/* Changed objects in the order first changed (for the store and the trie). value is NULL
 * (value_len 0) for a delete; views valid until the next change or reset. */
size_t ledger_objects_len(const ledger_objects *t);
void ledger_objects_at(const ledger_objects *t, size_t i, ledger_state_kind *kind,
                       const uint8_t **natural, size_t *natural_len, const uint8_t **value,
                       size_t *value_len);
/* Entries t can still take. */
size_t ledger_objects_room(const ledger_objects *t);

/* Puts o's changed accounts and, when it has a table attached, its changed objects into
 * t's pending version (a deleted object's leaf removed). ledger_trie_set's errors: the
 * pending version may then be half changed and the caller rolls it back. */
CHR_WUR chr_err ledger_overlay_trie_apply(ledger_trie *t, const ledger_overlay *o);

#endif
