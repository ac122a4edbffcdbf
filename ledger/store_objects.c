/* State objects in the main LMDB environment (the "objects" database, ledger/store.h):
 * written in each block's own transaction beside the accounts and the trie rows, read back
 * checked against their state trie leaves; with versions kept, each changed row's earlier
 * value in objects_old (read back by ledger_store_object_at, in store_trie.c). Keys are u8 kind ||
 * natural key, not hashed, so that the objects of a kind under a prefix are one range of the tree.
 */
#include "ledger/store.h"

#include "ledger/internal/store.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hex.h"
#include "common/log.h"

#define OBJECT_NAME_MAX (1 + LEDGER_STATE_NATURAL_KEY_MAX)

static size_t object_name(uint8_t name[OBJECT_NAME_MAX], ledger_state_kind kind,
                          const uint8_t *natural, size_t natural_len)
{
    CHR_ASSERT(ledger_object_kind_valid((uint8_t)kind));
    CHR_ASSERT(natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
    name[0] = (uint8_t)kind;
    if (natural_len > 0) {
        memcpy(name + 1, natural, natural_len);
    }
    return 1 + natural_len;
}

/* Before block `height` changes the object row named k: records in objects_old, under
 * (height, name), the row as it was (nothing for a new object); on an archive, the height
 * under the object's state key in objects_hist (a key of one length: no name is a prefix of
 * another's). */
static int object_old(ledger_store *s, MDB_txn *txn, uint64_t height, const MDB_val *k)
{
    MDB_val name = *k;
    MDB_val v;
    int rc = mdb_get(txn, s->objects, &name, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
    }
    const void *old = rc == 0 ? v.mv_data : NULL;
    size_t old_len = rc == 0 ? v.mv_size : 0;
    uint8_t key[8 + OBJECT_NAME_MAX];
    chr_put_u64be(key, height);
    memcpy(key + 8, k->mv_data, k->mv_size);
    rc = store_put(txn, s->objects_old, key, 8 + k->mv_size, old, old_len);
    if (rc == 0 && s->hist) {
        uint8_t sk[32];
        ledger_state_key(sk, (ledger_state_kind)key[8], key + 9, k->mv_size - 1);
        rc = store_put(txn, s->objects_hist, sk, sizeof(sk), key, 8);
    }
    return rc;
}

int store_objects_write(ledger_store *s, MDB_txn *txn, const ledger_objects *objs, uint64_t height)
{
    int rc = 0;
    for (size_t i = 0; objs != NULL && i < ledger_objects_len(objs) && rc == 0; i++) {
        ledger_state_kind kind;
        const uint8_t *natural;
        const uint8_t *value;
        size_t natural_len;
        size_t value_len;
        ledger_objects_at(objs, i, &kind, &natural, &natural_len, &value, &value_len);
        uint8_t name[OBJECT_NAME_MAX];
        MDB_val k = {object_name(name, kind, natural, natural_len), name};
        if (s->versions_kept != 1 && height != 0) {
            rc = object_old(s, txn, height, &k);
        }
        if (rc != 0) {
            break;
        }
        if (value != NULL) {
            MDB_val v = {value_len, (void *)(uintptr_t)value};
            rc = mdb_put(txn, s->objects, &k, &v, 0);
        } else {
            /* A delete of an object put and deleted within the block has no row. */
            rc = mdb_del(txn, s->objects, &k, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;
        }
    }
    return rc;
}

/* Whether the row (v; NULL when there is none) of object (kind, natural) is the one its
 * state trie leaf names: *out and *found when it is; CHR_ERR_STATE_ROOT (logged) when not. */
static chr_err object_checked(ledger_store_read *r, ledger_state_kind kind, const uint8_t *natural,
                              size_t natural_len, const MDB_val *v, ledger_object *out, int *found)
{
    uint8_t key[32];
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    ledger_state_key(key, kind, natural, natural_len);
    ledger_trie_leaf_id(id, key);
    MDB_val lk = {sizeof(id), id};
    MDB_val leaf;
    int rc = mdb_get(r->txn, r->store->trie, &lk, &leaf);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return chr_lmdb_err(rc, "object leaf");
    }
    if (rc == MDB_NOTFOUND && v == NULL) {
        return CHR_OK;
    }
    uint8_t h[CHR_HASH_LEN];
    if (rc == MDB_NOTFOUND || v == NULL || leaf.mv_size != LEDGER_TRIE_LEAF_BYTES ||
        v->mv_size == 0 || v->mv_size > LEDGER_OBJECT_VALUE_MAX ||
        (ledger_object_hash(h, v->mv_data, v->mv_size), memcmp(h, leaf.mv_data, 32) != 0)) {
        char hex[2 * OBJECT_NAME_MAX + 1];
        uint8_t name[OBJECT_NAME_MAX];
        chr_hex_encode(hex, sizeof(hex), name, object_name(name, kind, natural, natural_len));
        CHR_LOG_E("store: object %s: its row does not match its state trie leaf: damaged store",
                  hex);
        return CHR_ERR_STATE_ROOT;
    }
    if (natural_len > 0) {
        memcpy(out->natural, natural, natural_len);
    }
    out->natural_len = natural_len;
    memcpy(out->value, v->mv_data, v->mv_size);
    out->value_len = v->mv_size;
    *found = 1;
    return CHR_OK;
}

chr_err ledger_store_object(ledger_store_read *r, ledger_state_kind kind, const uint8_t *natural,
                            size_t natural_len, ledger_object *out, int *found)
{
    memset(out, 0, sizeof(*out));
    *found = 0;
    uint8_t name[OBJECT_NAME_MAX];
    MDB_val k = {object_name(name, kind, natural, natural_len), name};
    MDB_val v;
    int rc = mdb_get(r->txn, r->store->objects, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return chr_lmdb_err(rc, "object read");
    }
    chr_err err = object_checked(r, kind, natural, natural_len, rc == 0 ? &v : NULL, out, found);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        *found = 0;
    }
    return err;
}

chr_err ledger_store_object_next(ledger_store_read *r, ledger_state_kind kind,
                                 const uint8_t *prefix, size_t prefix_len, const uint8_t *after,
                                 size_t after_len, ledger_object *out)
{
    /* The names are copied before out is cleared: after may point into it. */
    uint8_t from[OBJECT_NAME_MAX];
    size_t from_len = object_name(from, kind, prefix, prefix_len);
    int skip_equal = 0;
    if (after != NULL) {
        uint8_t a[OBJECT_NAME_MAX];
        size_t a_len = object_name(a, kind, after, after_len);
        if (ledger_object_natural_cmp(a, a_len, from, from_len) >= 0) {
            memcpy(from, a, a_len);
            from_len = a_len;
            skip_equal = 1;
        }
    }
    memset(out, 0, sizeof(*out));
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, r->store->objects, &cur);
    if (rc != 0) {
        return chr_lmdb_err(rc, "object cursor");
    }
    MDB_val k = {from_len, from};
    MDB_val v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && skip_equal && k.mv_size == from_len && memcmp(k.mv_data, from, from_len) == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) {
        return CHR_ERR_NOT_FOUND;
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "object seek");
    }
    const uint8_t *name = k.mv_data;
    if (name[0] != (uint8_t)kind || k.mv_size - 1 < prefix_len ||
        (prefix_len > 0 && memcmp(name + 1, prefix, prefix_len) != 0)) {
        return CHR_ERR_NOT_FOUND; /* past the prefix's range */
    }
    if (k.mv_size > OBJECT_NAME_MAX) {
        CHR_LOG_E("store: an object row's key of %zu bytes: damaged store", (size_t)k.mv_size);
        return CHR_ERR_STATE_ROOT;
    }
    int found = 0;
    chr_err err = object_checked(r, kind, name + 1, k.mv_size - 1, &v, out, &found);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}
