/* The state trie's rows in the main LMDB environment (the "trie" database: id -> value,
 * ledger/trie.h; an account's leaf row also holds its record, ledger/internal/store.h),
 * written in each block's own transaction; the source the ledger reads them through; proofs;
 * and the one-time migration of stores of earlier layouts. */
#include "ledger/store.h"

#include "ledger/internal/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hex.h"
#include "common/log.h"
#include "ledger/block.h"

/* Accounts put into the trie per pending version while building it from the accounts:
 * bounds the build's memory (the arena holds each account's path once). */
#define STORE_TRIE_BUILD_BATCH 20000u

int store_row_leaf(const uint8_t id[LEDGER_TRIE_ID_BYTES])
{
    return id[33] == (LEDGER_TRIE_LEAF_BIT >> 8) && id[34] == (LEDGER_TRIE_LEAF_BIT & 0xff);
}

size_t store_row_trie_len(const uint8_t id[LEDGER_TRIE_ID_BYTES], size_t len)
{
    return len == STORE_LEAF_ACCOUNT_BYTES && store_row_leaf(id) ? LEDGER_TRIE_LEAF_BYTES : len;
}

static chr_err trie_seek_cursor(MDB_cursor *cur, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                                uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                                uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    MDB_val k = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)from};
    MDB_val v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
        return CHR_ERR_NOT_FOUND;
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "trie seek");
    }
    if (k.mv_size != LEDGER_TRIE_ID_BYTES) {
        return CHR_ERR_STORE;
    }
    memcpy(id_out, k.mv_data, LEDGER_TRIE_ID_BYTES);
    size_t len = store_row_trie_len(id_out, v.mv_size);
    memcpy(val, v.mv_data, len < LEDGER_TRIE_VALUE_MAX ? len : LEDGER_TRIE_VALUE_MAX);
    *val_len = len;
    return CHR_OK;
}

chr_err ledger_store_trie_seek(ledger_store_read *r, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                               uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                               uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    if (r->trie_cur == NULL) {
        int rc = mdb_cursor_open(r->txn, r->store->trie, &r->trie_cur);
        if (rc != 0) {
            r->trie_cur = NULL;
            return chr_lmdb_err(rc, "trie cursor");
        }
    }
    return trie_seek_cursor(r->trie_cur, from, id_out, val, val_len);
}

static chr_err read_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                         uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                         size_t *val_len)
{
    return ledger_store_trie_seek(ctx, from, id_out, val, val_len);
}

/* ---- Writing rows. ---- */

/* A trie_old key: u64 height (the block that replaced the row) || the row's id. */
#define TRIE_OLD_KEY_BYTES (8 + LEDGER_TRIE_ID_BYTES)
/* The longest key after the height in an old row: an object's name (u8 kind || natural). */
#define OLD_ROW_KEY_MAX (1 + LEDGER_STATE_NATURAL_KEY_MAX)
_Static_assert(OLD_ROW_KEY_MAX >= LEDGER_TRIE_ID_BYTES, "trie ids fit an old row's key");

/* The changes come in id order, and each goes through one cursor per database: LMDB then
 * finds most rows on the page the cursor is on rather than searching from the root, and
 * the old rows, keyed (height, id) with this block's height the highest, are appended. */
typedef struct trie_write {
    MDB_cursor *rows;
    MDB_cursor *old;  /* NULL: no versions kept before this block */
    MDB_cursor *hist; /* NULL: not an archive */
    uint64_t height;
    const store_leaf_record *recs; /* sorted by address */
    size_t recs_len;
    int rc;
} trie_write;

static int leaf_record_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 32); /* an address, or a record's, which comes first in it */
}

void store_leaf_records_sort(store_leaf_record *recs, size_t len)
{
    if (len > 1) {
        qsort(recs, len, sizeof(*recs), leaf_record_cmp);
    }
}

/* Whether rec hashes to value_hash. */
static int leaf_record_names(const store_leaf_record *rec, const uint8_t *value_hash)
{
    ledger_account a;
    uint8_t h[CHR_HASH_LEN];
    if (ledger_account_decode(&a, rec->rec, sizeof(rec->rec)) != CHR_OK) {
        return 0;
    }
    ledger_account_hash(h, &a);
    return memcmp(h, value_hash, CHR_HASH_LEN) == 0;
}

static chr_err row_write(void *ctx, const ledger_trie_change *c)
{
    trie_write *w = ctx;
    MDB_val k = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)c->id};
    MDB_val ov = {c->old_len, (void *)(uintptr_t)c->old};
    int leaf = store_row_leaf(c->id);
    /* A leaf's value before the block is its stored row: an account's record is not in the
     * trie's copy. A removed row is found first in any case. */
    uint8_t before[LEDGER_TRIE_VALUE_MAX];
    if (c->val == NULL || (leaf && w->old != NULL && c->old != NULL)) {
        MDB_val v;
        w->rc = mdb_cursor_get(w->rows, &k, &v, MDB_SET);
        w->rc = w->rc == 0 && v.mv_size > sizeof(before) ? MDB_CORRUPTED : w->rc;
        if (w->rc == 0 && leaf) {
            memcpy(before, v.mv_data, v.mv_size);
            ov = (MDB_val){v.mv_size, before};
        }
    }
    if (w->rc == 0 && c->val != NULL) {
        MDB_val v = {c->len, (void *)(uintptr_t)c->val};
        const store_leaf_record *rec =
            leaf && w->recs_len > 0
                ? bsearch(c->id + 1, w->recs, w->recs_len, sizeof(*rec), leaf_record_cmp)
                : NULL; /* recs is NULL for none: an object's leaf in a block of no accounts */
        uint8_t row[STORE_LEAF_ACCOUNT_BYTES];
        if (rec != NULL) {
            CHR_ASSERT(c->len == LEDGER_TRIE_LEAF_BYTES);
            CHR_ASSERT(leaf_record_names(rec, c->val));
            memcpy(row, c->val, LEDGER_TRIE_LEAF_BYTES);
            memcpy(row + LEDGER_TRIE_LEAF_BYTES, rec->rec, sizeof(rec->rec));
            v = (MDB_val){sizeof(row), row};
        }
        w->rc = mdb_cursor_put(w->rows, &k, &v, 0);
    } else if (w->rc == 0) {
        w->rc = mdb_cursor_del(w->rows, 0);
    }
    if (w->rc == 0 && w->old != NULL) {
        /* What the row was before this block: its value, or nothing for a new row. */
        uint8_t key[TRIE_OLD_KEY_BYTES];
        chr_put_u64be(key, w->height);
        memcpy(key + 8, c->id, LEDGER_TRIE_ID_BYTES);
        MDB_val ok = {sizeof(key), key};
        w->rc = mdb_cursor_put(w->old, &ok, &ov, MDB_APPEND);
    }
    if (w->rc == 0 && w->hist != NULL) {
        /* The height, a duplicate of the id: where trie_old holds what it replaced. */
        uint8_t h[8];
        chr_put_u64be(h, w->height);
        MDB_val hk = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)c->id};
        MDB_val hv = {sizeof(h), h};
        w->rc = mdb_cursor_put(w->hist, &hk, &hv, 0);
    }
    return w->rc == 0 ? CHR_OK : CHR_ERR_STORE;
}

int store_trie_write(ledger_store *s, MDB_txn *txn, ledger_trie *t, uint64_t height,
                     const store_leaf_record *recs, size_t recs_len)
{
    trie_write w = {NULL, NULL, NULL, height, recs, recs_len, 0};
    int rc = mdb_cursor_open(txn, s->trie, &w.rows);
    if (rc == 0 && s->versions_kept != 1 && height != 0) {
        rc = mdb_cursor_open(txn, s->trie_old, &w.old);
    }
    if (rc == 0 && s->hist && height != 0) {
        rc = mdb_cursor_open(txn, s->trie_hist, &w.hist);
    }
    chr_err err = rc == 0 ? ledger_trie_changes(t, row_write, &w) : CHR_OK;
    if (w.hist != NULL) {
        mdb_cursor_close(w.hist);
    }
    if (w.old != NULL) {
        mdb_cursor_close(w.old);
    }
    if (w.rows != NULL) {
        mdb_cursor_close(w.rows);
    }
    if (rc != 0) {
        return rc;
    }
    return err == CHR_OK ? 0 : w.rc != 0 ? w.rc : err == CHR_ERR_NOMEM ? ENOMEM : MDB_CORRUPTED;
}

/* Removes dbi's rows (keys: u64 height || ...) of heights up to `upto`: one range at the
 * start of the tree. */
static int prune_old(MDB_txn *txn, MDB_dbi dbi, uint64_t upto)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        return rc;
    }
    MDB_val k;
    MDB_val v;
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && got == 0) {
        if (k.mv_size < 8) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (chr_get_u64be(k.mv_data) > upto) {
            break;
        }
        rc = mdb_cursor_del(cur, 0);
        got = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT) : got;
        if (got == EINVAL || got == MDB_NOTFOUND) {
            got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        }
    }
    if (rc == 0 && got != 0 && got != MDB_NOTFOUND && got != EINVAL) {
        rc = got;
    }
    mdb_cursor_close(cur);
    return rc;
}

int store_trie_versions_advance(ledger_store *s, MDB_txn *txn, uint64_t height)
{
    uint64_t from = 0;
    int rc = store_get_u64(txn, s->meta, "trie_versions_from", &from);
    if (rc == MDB_NOTFOUND) {
        rc = 0; /* a store from before versions: none older than this block */
        from = height;
    }
    /* The oldest version kept: the tip alone, everything since versions were first
     * written (an archive), or the last `kept`, never one older than the rows allow. */
    uint64_t kept = s->versions_kept;
    uint64_t oldest = from;
    if (kept == 1) {
        oldest = height;
    } else if (kept > 1 && height >= kept && height - kept + 1 > from) {
        oldest = height - kept + 1;
    }
    /* Version v needs the rows of the blocks after it: those of blocks up to `oldest` go. */
    rc = rc ? rc : prune_old(txn, s->trie_old, oldest);
    rc = rc ? rc : prune_old(txn, s->objects_old, oldest);
    return rc ? rc : put_u64_meta(s, txn, "trie_versions_from", oldest);
}

/* Builds an archive's index by id of its by-height rows, once: trie_hist of trie_old,
 * objects_hist of objects_old. *n counts the rows. */
static int hist_build(ledger_store *s, MDB_txn *txn, size_t *n)
{
    MDB_dbi from[2] = {s->trie_old, s->objects_old};
    MDB_dbi to[2] = {s->trie_hist, s->objects_hist};
    int rc = 0;
    *n = 0;
    for (int d = 0; d < 2 && rc == 0; d++) {
        MDB_cursor *cur;
        rc = mdb_cursor_open(txn, from[d], &cur);
        if (rc != 0) {
            break;
        }
        MDB_val k;
        MDB_val v;
        int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        while (got == 0 && rc == 0) {
            const uint8_t *key = k.mv_data;
            uint8_t sk[32];
            MDB_val nk = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)(key + 8)};
            MDB_val nv = {8, (void *)(uintptr_t)key};
            if (d == 1 && k.mv_size > 8 && k.mv_size <= 8 + OLD_ROW_KEY_MAX &&
                ledger_object_kind_valid(key[8])) {
                ledger_state_key(sk, (ledger_state_kind)key[8], key + 9, k.mv_size - 9);
                nk = (MDB_val){sizeof(sk), sk};
            } else if (d == 1 || k.mv_size != TRIE_OLD_KEY_BYTES) {
                rc = MDB_CORRUPTED;
                break;
            }
            rc = mdb_put(txn, to[d], &nk, &nv, 0);
            (*n)++;
            got = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_NEXT) : got;
        }
        mdb_cursor_close(cur);
        rc = rc ? rc : got == MDB_NOTFOUND ? 0 : got;
    }
    return rc;
}

chr_err ledger_store_set_versions_kept(ledger_store *s, uint64_t n)
{
    MDB_txn *txn;
    int rc = store_write_begin(s, s->env, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "begin versions");
    }
    uint64_t marked = 0;
    rc = store_get_u64(txn, s->meta, "trie_hist", &marked);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    if (rc == 0 && n == 0 && !marked) {
        size_t rows = 0;
        rc = hist_build(s, txn, &rows);
        rc = rc ? rc : put_u64_meta(s, txn, "trie_hist", 1);
        if (rc == 0 && rows > 0) {
            CHR_LOG_W("store: archive: indexed %zu earlier state rows by id (once: they were "
                      "written by an earlier version or without state_versions_kept = 0)",
                      rows);
        }
    } else if (rc == 0 && n != 0 && marked) {
        /* No longer an archive: the by-id rows would miss the next blocks' changes. */
        CHR_LOG_W("store: not an archive any more: dropping the state rows indexed by id");
        rc = mdb_drop(txn, s->trie_hist, 0);
        rc = rc ? rc : mdb_drop(txn, s->objects_hist, 0);
        MDB_val k = {strlen("trie_hist"), (void *)(uintptr_t) "trie_hist"};
        rc = rc ? rc : mdb_del(txn, s->meta, &k, NULL);
    }
    chr_err err = store_write_end(s, txn, rc, "set the versions kept");
    if (err == CHR_OK) {
        s->versions_kept = n;
        s->hist = n == 0;
    }
    return err;
}

chr_err ledger_store_versions(ledger_store_read *r, uint64_t *oldest, uint64_t *tip)
{
    int rc = store_get_u64(r->txn, r->store->meta, "height", tip);
    rc = rc ? rc : store_get_u64(r->txn, r->store->meta, "trie_versions_from", oldest);
    if (rc == MDB_NOTFOUND) {
        *oldest = *tip; /* a store from before versions, no block since */
        rc = 0;
    }
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "trie versions");
}

/* ---- Reading a past version. ---- */

/* The first old row (h || key) of dbi (trie_old, objects_old) with h from
 * after + 1 to tip: what the first block after `after` that changed the row recorded of
 * it, in *v. MDB_NOTFOUND when no block did (the row is as it is now). */
static int old_row(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, size_t key_len, uint64_t after,
                   uint64_t tip, MDB_val *v)
{
    uint8_t k[8 + OLD_ROW_KEY_MAX];
    CHR_ASSERT(key_len <= OLD_ROW_KEY_MAX);
    memcpy(k + 8, key, key_len);
    MDB_val mk = {8 + key_len, k};
    int rc = MDB_NOTFOUND;
    for (uint64_t h = after + 1; h <= tip && rc == MDB_NOTFOUND; h++) {
        chr_put_u64be(k, h);
        rc = mdb_get(txn, dbi, &mk, v);
    }
    return rc;
}

/* The least height after `after` that an archive's index (dbi: trie_hist, objects_hist)
 * holds under key (key_len bytes): the first block after `after` that changed the row; one
 * seek whatever the distance. MDB_NOTFOUND when no block did. */
static int hist_height(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, size_t key_len,
                       uint64_t after, uint64_t *height)
{
    CHR_ASSERT(after < UINT64_MAX);
    uint8_t h[8];
    chr_put_u64be(h, after + 1);
    MDB_val mk = {key_len, (void *)(uintptr_t)key};
    MDB_val mv = {sizeof(h), h};
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        return rc;
    }
    rc = mdb_cursor_get(cur, &mk, &mv, MDB_GET_BOTH_RANGE);
    mdb_cursor_close(cur);
    if (rc == 0 && mv.mv_size != 8) {
        rc = MDB_CORRUPTED;
    }
    *height = rc == 0 ? chr_get_u64be(mv.mv_data) : 0;
    return rc;
}

/* Whether the state after block `height` is read back here (ledger/store.h): CHR_OK with
 * the tip, and *hist 1 when the store has its versions by id (an archive: any distance);
 * CHR_ERR_NOT_FOUND (not kept, or past the tip), CHR_ERR_TOO_LONG (too far without them). */
static chr_err past_height(ledger_store_read *r, uint64_t height, uint64_t *tip, int *hist)
{
    uint64_t oldest;
    uint64_t marked = 0;
    chr_err err = ledger_store_versions(r, &oldest, tip);
    if (err != CHR_OK) {
        return err;
    }
    int rc = store_get_u64(r->txn, r->store->meta, "trie_hist", &marked);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return chr_lmdb_err(rc, "trie versions");
    }
    *hist = marked != 0;
    if (height == 0 || height < oldest || height > *tip) {
        return CHR_ERR_NOT_FOUND;
    }
    return !*hist && *tip - height > LEDGER_STORE_PAST_BLOCKS_MAX ? CHR_ERR_TOO_LONG : CHR_OK;
}

/* The old row of key (a trie row's id, or an object's name) after block `after`, from the
 * by-height rows up to tip, or at the height the by-id index names when hist (one seek,
 * then one read: hist_height, old_row). */
static int past_row(MDB_txn *txn, ledger_store *s, int object, const uint8_t *key, size_t key_len,
                    uint64_t after, uint64_t tip, int hist, MDB_val *v)
{
    if (!hist) {
        return old_row(txn, object ? s->objects_old : s->trie_old, key, key_len, after, tip, v);
    }
    uint64_t h = 0;
    int rc;
    if (!object) {
        rc = hist_height(txn, s->trie_hist, key, key_len, after, &h);
    } else {
        uint8_t sk[32];
        ledger_state_key(sk, (ledger_state_kind)key[0], key + 1, key_len - 1);
        rc = hist_height(txn, s->objects_hist, sk, sizeof(sk), after, &h);
    }
    if (rc == 0 && h > tip) {
        rc = MDB_CORRUPTED; /* an index row of a block not written */
    }
    if (rc == 0) {
        rc = old_row(txn, object ? s->objects_old : s->trie_old, key, key_len, h - 1, h, v);
        /* The index names a change its by-height row must hold. */
        rc = rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
    }
    return rc;
}

/* The rows of version `at`, from the current rows and the old rows of the blocks after it
 * (by id when hist). */
typedef struct trie_past {
    ledger_store_read *r;
    uint64_t at;
    uint64_t tip;
    int hist;
} trie_past;

/* Row id's value at version p->at: the old value of the first block after it that
 * replaced the row, else the current row. *present 0 when the row did not exist then. */
static chr_err past_value(const trie_past *p, const uint8_t id[LEDGER_TRIE_ID_BYTES],
                          uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *len, int *present)
{
    ledger_store *s = p->r->store;
    MDB_val key;
    MDB_val v;
    int rc = past_row(p->r->txn, s, 0, id, LEDGER_TRIE_ID_BYTES, p->at, p->tip, p->hist, &v);
    if (rc == MDB_NOTFOUND) {
        key = (MDB_val){LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)id};
        rc = mdb_get(p->r->txn, s->trie, &key, &v);
        if (rc == MDB_NOTFOUND) {
            *present = 0;
            return CHR_OK;
        }
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "trie version read");
    }
    size_t n = store_row_trie_len(id, v.mv_size);
    if (n > LEDGER_TRIE_VALUE_MAX) {
        return CHR_ERR_STORE;
    }
    *present = n != 0;
    memcpy(val, v.mv_data, n);
    *len = n;
    return CHR_OK;
}

/* past_candidate on an archive: the first id at or after from among the current rows (out,
 * when found) and the by-id old rows, whatever height replaced them (one seek: a row that
 * did not exist at p->at is skipped by the caller). */
static chr_err hist_candidate(const trie_past *p, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                              uint8_t out[LEDGER_TRIE_ID_BYTES], int found)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(p->r->txn, p->r->store->trie_hist, &cur);
    if (rc != 0) {
        return chr_lmdb_err(rc, "trie history cursor");
    }
    MDB_val k = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)from};
    MDB_val v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size != LEDGER_TRIE_ID_BYTES) {
        rc = MDB_CORRUPTED;
    }
    if (rc == 0 && (!found || memcmp(k.mv_data, out, LEDGER_TRIE_ID_BYTES) < 0)) {
        memcpy(out, k.mv_data, LEDGER_TRIE_ID_BYTES);
        found = 1;
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return chr_lmdb_err(rc, "trie history seek");
    }
    return found ? CHR_OK : CHR_ERR_NOT_FOUND;
}

/* The first id at or after from among the current rows and the rows each later block
 * replaced: every row of version `at` is one of them. */
static chr_err past_candidate(const trie_past *p, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                              uint8_t out[LEDGER_TRIE_ID_BYTES])
{
    ledger_store *s = p->r->store;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(p->r->txn, s->trie, &cur);
    if (rc != 0) {
        return chr_lmdb_err(rc, "trie cursor");
    }
    int found = 0;
    MDB_val k = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)from};
    MDB_val v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == LEDGER_TRIE_ID_BYTES) {
        memcpy(out, k.mv_data, LEDGER_TRIE_ID_BYTES);
        found = 1;
    }
    mdb_cursor_close(cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    if (rc == 0 && p->hist) {
        return hist_candidate(p, from, out, found);
    }
    if (rc == 0) {
        rc = mdb_cursor_open(p->r->txn, s->trie_old, &cur);
    }
    uint8_t start[TRIE_OLD_KEY_BYTES];
    memcpy(start + 8, from, LEDGER_TRIE_ID_BYTES);
    for (uint64_t h = p->at + 1; h <= p->tip && rc == 0; h++) {
        chr_put_u64be(start, h);
        k = (MDB_val){sizeof(start), start};
        int got = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (got == 0 && k.mv_size == TRIE_OLD_KEY_BYTES && chr_get_u64be(k.mv_data) == h) {
            const uint8_t *id = (const uint8_t *)k.mv_data + 8;
            if (!found || memcmp(id, out, LEDGER_TRIE_ID_BYTES) < 0) {
                memcpy(out, id, LEDGER_TRIE_ID_BYTES);
                found = 1;
            }
        } else if (got != 0 && got != MDB_NOTFOUND) {
            rc = got;
        }
    }
    if (rc == 0) {
        mdb_cursor_close(cur);
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "trie version seek");
    }
    return found ? CHR_OK : CHR_ERR_NOT_FOUND;
}

static chr_err past_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                         uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                         size_t *val_len)
{
    const trie_past *p = ctx;
    uint8_t at[LEDGER_TRIE_ID_BYTES];
    memcpy(at, from, LEDGER_TRIE_ID_BYTES);
    for (;;) {
        chr_err err = past_candidate(p, at, id_out);
        int present = 0;
        err = err ? err : past_value(p, id_out, val, val_len, &present);
        if (err != CHR_OK || present) {
            return err;
        }
        /* A row made after that version: look past it. */
        memcpy(at, id_out, LEDGER_TRIE_ID_BYTES);
        int i = LEDGER_TRIE_ID_BYTES - 1;
        while (i >= 0 && ++at[i] == 0) {
            i--;
        }
        if (i < 0) {
            return CHR_ERR_NOT_FOUND;
        }
    }
}

/* ---- Building the rows, inside one write transaction. ---- */

typedef struct trie_build {
    ledger_store *s;
    MDB_txn *txn;
    MDB_cursor *cur;
    ledger_trie *t;
    store_leaf_record *recs; /* the batch's accounts, STORE_TRIE_BUILD_BATCH */
    size_t recs_len;
    size_t batch;
    size_t total;
    int rc;
} trie_build;

static chr_err build_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                          uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                          size_t *val_len)
{
    trie_build *b = ctx;
    return trie_seek_cursor(b->cur, from, id_out, val, val_len);
}

/* Writes the pending version and makes it the committed one: the build's own cursor then
 * reads what it wrote (a write transaction sees its own changes). */
static chr_err build_flush(trie_build *b)
{
    store_leaf_records_sort(b->recs, b->recs_len);
    b->rc = store_trie_write(b->s, b->txn, b->t, 0, b->recs, b->recs_len);
    if (b->rc != 0) {
        return CHR_ERR_STORE;
    }
    ledger_trie_release(b->t);
    b->batch = 0;
    b->recs_len = 0;
    return CHR_OK;
}

static chr_err build_put(trie_build *b, const uint8_t addr[32], const ledger_account *a)
{
    uint8_t h[CHR_HASH_LEN];
    ledger_account_hash(h, a);
    chr_err err = ledger_trie_set(b->t, addr, h);
    CHR_ASSERT(b->recs_len < STORE_TRIE_BUILD_BATCH);
    memcpy(b->recs[b->recs_len].addr, addr, 32);
    ledger_account_encode(b->recs[b->recs_len].rec, a);
    b->recs_len++;
    b->total++;
    if (err == CHR_OK && ++b->batch == STORE_TRIE_BUILD_BATCH) {
        err = build_flush(b);
    }
    return err;
}

/* The leaves of objects' puts (the genesis objects). */
static chr_err build_objects(trie_build *b, const ledger_objects *objects)
{
    chr_err err = CHR_OK;
    for (size_t i = 0; objects != NULL && i < ledger_objects_len(objects) && err == CHR_OK; i++) {
        ledger_state_kind kind;
        const uint8_t *natural;
        const uint8_t *value;
        size_t natural_len;
        size_t value_len;
        ledger_objects_at(objects, i, &kind, &natural, &natural_len, &value, &value_len);
        if (value == NULL) {
            continue; /* nothing committed to delete */
        }
        uint8_t key[CHR_HASH_LEN];
        uint8_t h[CHR_HASH_LEN];
        ledger_state_key(key, kind, natural, natural_len);
        ledger_object_hash(h, value, value_len);
        err = ledger_trie_set(b->t, key, h);
        if (err == CHR_OK && ++b->batch == STORE_TRIE_BUILD_BATCH) {
            err = build_flush(b);
        }
    }
    return err;
}

/* Starts a build into txn's (empty) trie database: an LMDB error code. */
static int build_begin(trie_build *b, ledger_store *s, MDB_txn *txn)
{
    *b = (trie_build){.s = s, .txn = txn};
    int rc = mdb_cursor_open(txn, s->trie, &b->cur);
    if (rc != 0) {
        return rc;
    }
    ledger_trie_source src = {b, build_seek};
    b->recs = malloc(STORE_TRIE_BUILD_BATCH * sizeof(*b->recs));
    if (b->recs == NULL || ledger_trie_new(&b->t, src, 0) != CHR_OK) {
        free(b->recs);
        mdb_cursor_close(b->cur);
        return ENOMEM;
    }
    return 0;
}

/* Writes what is left after err (the puts' error) and the root: an LMDB error code. */
static int build_end(trie_build *b, chr_err err, uint8_t root[32])
{
    err = err ? err : build_flush(b);
    ledger_trie_root(b->t, root);
    ledger_trie_free(b->t);
    free(b->recs);
    mdb_cursor_close(b->cur);
    if (err != CHR_OK) {
        return b->rc != 0 ? b->rc : err == CHR_ERR_NOMEM ? ENOMEM : MDB_CORRUPTED;
    }
    return 0;
}

int store_trie_genesis(ledger_store *s, MDB_txn *txn, const uint8_t (*addrs)[32],
                       const uint64_t *balances, size_t accounts_len, const ledger_objects *objects,
                       uint8_t root[32])
{
    trie_build b;
    int rc = build_begin(&b, s, txn);
    if (rc != 0) {
        return rc;
    }
    chr_err err = CHR_OK;
    for (size_t i = 0; i < accounts_len && err == CHR_OK; i++) {
        ledger_account a = {.balance = balances[i], .nonce = 0};
        err = build_put(&b, addrs[i], &a);
    }
    err = err ? err : build_objects(&b, objects);
    return build_end(&b, err, root);
}

/* ---- Stores of earlier layouts. ---- */

/* Opens an earlier layout's database name: *has 0 when the store has none. */
static int legacy_open(MDB_txn *txn, const char *name, MDB_dbi *dbi, int *has)
{
    int rc = mdb_dbi_open(txn, name, 0, dbi);
    *has = rc == 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Builds the trie's rows from the records of the accounts database (address -> record). */
static int legacy_build(ledger_store *s, MDB_txn *txn, MDB_dbi accounts, size_t *n)
{
    trie_build b;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, accounts, &cur);
    rc = rc ? rc : build_begin(&b, s, txn);
    if (rc != 0) {
        return rc;
    }
    MDB_val k;
    MDB_val v;
    chr_err err = CHR_OK;
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (got == 0 && err == CHR_OK) {
        ledger_account a;
        err = k.mv_size == 32 ? ledger_account_decode(&a, v.mv_data, v.mv_size) : CHR_ERR_STORE;
        err = err ? CHR_ERR_STORE : build_put(&b, k.mv_data, &a);
        got = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    uint8_t root[32];
    *n = b.total;
    rc = build_end(&b, err, root);
    return rc ? rc : got == MDB_NOTFOUND ? 0 : got;
}

/* Puts each record of the accounts database into its leaf row (a leaf of the value hash
 * alone, as an earlier layout wrote it): MDB_NOTFOUND, logged, for a record without one. */
static int legacy_move(ledger_store *s, MDB_txn *txn, MDB_dbi accounts)
{
    MDB_cursor *cur;
    MDB_cursor *rows;
    int rc = mdb_cursor_open(txn, accounts, &cur);
    if (rc != 0) {
        return rc;
    }
    rc = mdb_cursor_open(txn, s->trie, &rows);
    if (rc != 0) {
        mdb_cursor_close(cur);
        return rc;
    }
    MDB_val k;
    MDB_val v;
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (got == 0 && rc == 0) {
        uint8_t id[LEDGER_TRIE_ID_BYTES];
        uint8_t row[STORE_LEAF_ACCOUNT_BYTES];
        MDB_val lk = {sizeof(id), id};
        MDB_val leaf;
        rc = k.mv_size == 32 && v.mv_size == LEDGER_ACCOUNT_BYTES ? 0 : MDB_CORRUPTED;
        if (rc == 0) {
            ledger_trie_leaf_id(id, k.mv_data);
            rc = mdb_cursor_get(rows, &lk, &leaf, MDB_SET);
            rc = rc == 0 && leaf.mv_size != LEDGER_TRIE_LEAF_BYTES ? MDB_CORRUPTED : rc;
        }
        if (rc == 0) {
            memcpy(row, leaf.mv_data, LEDGER_TRIE_LEAF_BYTES);
            memcpy(row + LEDGER_TRIE_LEAF_BYTES, v.mv_data, LEDGER_ACCOUNT_BYTES);
            MDB_val nv = {sizeof(row), row};
            rc = mdb_cursor_put(rows, &lk, &nv, 0);
        } else if (rc == MDB_NOTFOUND) {
            char hex[65];
            chr_hex_encode(hex, sizeof(hex), k.mv_data, 32);
            CHR_LOG_E("store: account %s has a record and no state trie leaf: damaged store", hex);
        }
        got = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_NEXT) : got;
    }
    mdb_cursor_close(rows);
    mdb_cursor_close(cur);
    return rc ? rc : got == MDB_NOTFOUND ? 0 : got;
}

/* Puts each earlier record of accounts_old ((height, address) -> record, empty for none)
 * into the trie_old row of its leaf that the same block wrote, when it holds the value hash
 * alone. */
static int legacy_move_old(ledger_store *s, MDB_txn *txn, MDB_dbi accounts_old)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, accounts_old, &cur);
    if (rc != 0) {
        return rc;
    }
    MDB_val k;
    MDB_val v;
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (got == 0 && rc == 0) {
        if (k.mv_size != 8 + 32 || v.mv_size != LEDGER_ACCOUNT_BYTES) {
            got = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* a new account: nothing before */
            continue;
        }
        uint8_t key[TRIE_OLD_KEY_BYTES];
        uint8_t row[STORE_LEAF_ACCOUNT_BYTES];
        memcpy(key, k.mv_data, 8);
        ledger_trie_leaf_id(key + 8, (const uint8_t *)k.mv_data + 8);
        MDB_val ok = {sizeof(key), key};
        MDB_val old;
        rc = mdb_get(txn, s->trie_old, &ok, &old);
        if (rc == 0 && old.mv_size == LEDGER_TRIE_LEAF_BYTES) {
            memcpy(row, old.mv_data, LEDGER_TRIE_LEAF_BYTES);
            memcpy(row + LEDGER_TRIE_LEAF_BYTES, v.mv_data, LEDGER_ACCOUNT_BYTES);
            MDB_val nv = {sizeof(row), row};
            rc = mdb_put(txn, s->trie_old, &ok, &nv, 0);
        }
        rc = rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
        got = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_NEXT) : got;
    }
    mdb_cursor_close(cur);
    return rc ? rc : got == MDB_NOTFOUND ? 0 : got;
}

/* Whether the trie's first row has an id of today's length. */
static int store_trie_layout_current(ledger_store *s, MDB_txn *txn)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, s->trie, &cur) != 0) {
        return 1; /* the build's own reads will say what is wrong */
    }
    MDB_val k;
    MDB_val v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    return rc != 0 || k.mv_size == LEDGER_TRIE_ID_BYTES;
}

/* Migrates a store with the accounts database of an earlier layout (store_trie_migrate). */
static int legacy_migrate(ledger_store *s, MDB_txn *txn, MDB_dbi accounts, MDB_dbi accounts_old,
                          int has_old)
{
    MDB_stat trie_st;
    MDB_stat acct_st;
    int rc = mdb_stat(txn, s->trie, &trie_st);
    rc = rc ? rc : mdb_stat(txn, accounts, &acct_st);
    if (rc == 0 && trie_st.ms_entries != 0 && !store_trie_layout_current(s, txn)) {
        /* Rows named the way an earlier build named them (34-byte ids, before the bands):
         * built again from the accounts, like a store that had none; past versions go. */
        CHR_LOG_W("store: the state trie's rows are of an earlier layout: building them again");
        rc = mdb_drop(txn, s->trie, 0);
        rc = rc ? rc : mdb_drop(txn, s->trie_old, 0);
        rc = rc ? rc : mdb_drop(txn, s->objects_old, 0);
        rc = rc ? rc : mdb_drop(txn, s->trie_hist, 0);
        rc = rc ? rc : mdb_drop(txn, s->objects_hist, 0);
        rc = rc || !has_old ? rc : mdb_drop(txn, accounts_old, 0);
        trie_st.ms_entries = 0;
    }
    if (rc == 0 && trie_st.ms_entries == 0 && acct_st.ms_entries != 0) {
        CHR_LOG_W("store: building the persisted state trie from %zu accounts (once: this store "
                  "was written by an earlier version)",
                  (size_t)acct_st.ms_entries);
        size_t n = 0;
        uint64_t height = 0;
        rc = legacy_build(s, txn, accounts, &n);
        rc = rc ? rc : store_get_u64(txn, s->meta, "height", &height);
        rc = rc ? rc : put_u64_meta(s, txn, "trie_versions_from", height);
        if (rc == 0) {
            CHR_LOG_I("store: state trie built: %zu accounts", n);
        }
    } else if (rc == 0 && acct_st.ms_entries != 0) {
        CHR_LOG_W("store: moving %zu account records into their state trie leaves (once: this "
                  "store was written by an earlier version)",
                  (size_t)acct_st.ms_entries);
        rc = legacy_move(s, txn, accounts);
        rc = rc || !has_old ? rc : legacy_move_old(s, txn, accounts_old);
    }
    rc = rc ? rc : mdb_drop(txn, accounts, 1);
    return rc || !has_old ? rc : mdb_drop(txn, accounts_old, 1);
}

chr_err store_trie_migrate(ledger_store *s)
{
    MDB_txn *txn;
    int rc = store_write_begin(s, s->env, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "begin migration");
    }
    MDB_dbi accounts;
    MDB_dbi accounts_old;
    int has = 0;
    int has_old = 0;
    /* An archive's blocks go on writing their rows by id until ledger_store_set_versions_kept
     * says otherwise: the by-id reads trust them to be complete. */
    uint64_t marked = 0;
    rc = store_get_u64(txn, s->meta, "trie_hist", &marked);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    s->hist = marked != 0;
    rc = rc ? rc : legacy_open(txn, "accounts", &accounts, &has);
    rc = rc ? rc : legacy_open(txn, "accounts_old", &accounts_old, &has_old);
    if (rc != 0 || !has) {
        /* Today's layout (accounts_old alone is left by no build). */
        mdb_txn_abort(txn);
        pthread_rwlock_unlock(&s->resize);
        return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "migration");
    }
    rc = legacy_migrate(s, txn, accounts, accounts_old, has_old);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        pthread_rwlock_unlock(&s->resize);
        return CHR_ERR_STATE_ROOT;
    }
    return store_write_end(s, txn, rc, "migrate the store");
}

/* ---- Proofs, and accounts at a past height. ---- */

chr_err ledger_store_account_at(ledger_store_read *r, const uint8_t addr[32], uint64_t height,
                                ledger_account *out, int *found)
{
    uint64_t tip;
    memset(out, 0, sizeof(*out));
    *found = 0;
    int hist;
    chr_err err = past_height(r, height, &tip, &hist);
    if (err != CHR_OK) {
        return err;
    }
    /* The leaf row as the first later block that replaced it found it. */
    MDB_val v;
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    ledger_trie_leaf_id(id, addr);
    int rc = past_row(r->txn, r->store, 0, id, sizeof(id), height, tip, hist, &v);
    if (rc == MDB_NOTFOUND) {
        return ledger_store_account(r, addr, out, found);
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "account version read");
    }
    if (v.mv_size == 0) {
        return CHR_OK; /* made by a later block */
    }
    err = store_account_past(addr, v.mv_data, v.mv_size, out);
    *found = err == CHR_OK;
    return err;
}

chr_err ledger_store_object_at(ledger_store_read *r, ledger_state_kind kind, const uint8_t *natural,
                               size_t natural_len, uint64_t height, ledger_object *out, int *found)
{
    uint64_t tip;
    memset(out, 0, sizeof(*out));
    *found = 0;
    CHR_ASSERT(ledger_object_kind_valid((uint8_t)kind));
    CHR_ASSERT(natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
    int hist;
    chr_err err = past_height(r, height, &tip, &hist);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t name[OLD_ROW_KEY_MAX];
    name[0] = (uint8_t)kind;
    if (natural_len > 0) {
        memcpy(name + 1, natural, natural_len);
    }
    MDB_val v;
    int rc = past_row(r->txn, r->store, 1, name, 1 + natural_len, height, tip, hist, &v);
    if (rc == MDB_NOTFOUND) {
        return ledger_store_object(r, kind, natural, natural_len, out, found);
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "object version read");
    }
    if (v.mv_size == 0) {
        return CHR_OK; /* made by a later block */
    }
    if (v.mv_size > LEDGER_OBJECT_VALUE_MAX) {
        return CHR_ERR_STORE;
    }
    if (natural_len > 0) {
        memcpy(out->natural, natural, natural_len);
    }
    out->natural_len = natural_len;
    memcpy(out->value, v.mv_data, v.mv_size);
    out->value_len = v.mv_size;
    *found = 1;
    return CHR_OK;
}

chr_err ledger_store_state_proof_at(ledger_store_read *r, const uint8_t key[32], uint64_t height,
                                    uint8_t state_root[32], ledger_proof *out)
{
    uint64_t tip;
    int hist;
    chr_err err = past_height(r, height, &tip, &hist);
    if (err != CHR_OK) {
        return err;
    }
    if (height == tip) {
        uint64_t h;
        err = ledger_store_state_proof(r, key, &h, state_root, out);
        return err == CHR_OK && h != height ? CHR_ERR_STORE : err;
    }
    const uint8_t *bytes;
    size_t len;
    ledger_header hdr;
    err = ledger_store_block(r, height, &bytes, &len);
    if (err == CHR_OK && ledger_block_peek_header(&hdr, bytes, len) != CHR_OK) {
        err = CHR_ERR_STORE;
    }
    if (err != CHR_OK) {
        return err == CHR_ERR_NOT_FOUND ? CHR_ERR_STORE : err;
    }
    memcpy(state_root, hdr.state_root, 32);
    trie_past past = {r, height, tip, hist};
    ledger_trie_source src = {&past, past_seek};
    err = ledger_trie_prove(&src, hdr.state_root, key, out);
    if (err == CHR_ERR_STATE_ROOT || err == CHR_ERR_STORE) {
        CHR_LOG_E("store: the state trie's version at block %llu does not match that block's "
                  "state root: damaged store",
                  (unsigned long long)height);
        err = CHR_ERR_STORE;
    }
    return err;
}

chr_err ledger_store_state_proof(ledger_store_read *r, const uint8_t key[32], uint64_t *height,
                                 uint8_t state_root[32], ledger_proof *out)
{
    ledger_store_meta meta;
    chr_err err = ledger_store_meta_get(r, &meta);
    if (err == CHR_OK && meta.height == 0) {
        err = CHR_ERR_NOT_FOUND;
    }
    const uint8_t *bytes;
    size_t len;
    ledger_header h;
    err = err ? err : ledger_store_block(r, meta.height, &bytes, &len);
    if (err == CHR_OK && ledger_block_peek_header(&h, bytes, len) != CHR_OK) {
        err = CHR_ERR_STORE;
    }
    if (err != CHR_OK) {
        return err == CHR_ERR_NOT_FOUND && meta.height > 0 ? CHR_ERR_STORE : err;
    }
    *height = meta.height;
    memcpy(state_root, h.state_root, 32);
    ledger_trie_source src = {r, read_seek};
    err = ledger_trie_prove(&src, h.state_root, key, out);
    if (err == CHR_ERR_STATE_ROOT || err == CHR_ERR_STORE) {
        CHR_LOG_E("store: the state trie does not match the state root of block %llu: "
                  "damaged store",
                  (unsigned long long)meta.height);
        err = CHR_ERR_STORE;
    }
    return err;
}
