/* The state trie's rows in the main LMDB environment (the "trie" database: id -> value,
 * ledger/trie.h), written in each block's own transaction; the source the ledger reads
 * them through; proofs; and the one-time build of the rows for stores written before the
 * trie was persisted. */
#include "ledger/store.h"

#include "ledger/internal/store.h"

#include <errno.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/log.h"
#include "ledger/block.h"

/* Accounts put into the trie per pending version while building it from the accounts:
 * bounds the build's memory (the arena holds each account's path once). */
#define STORE_TRIE_BUILD_BATCH 20000u

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
    memcpy(val, v.mv_data, v.mv_size < LEDGER_TRIE_VALUE_MAX ? v.mv_size : LEDGER_TRIE_VALUE_MAX);
    *val_len = v.mv_size;
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

/* The changes come in id order, and each goes through one cursor per database: LMDB then
 * finds most rows on the page the cursor is on rather than searching from the root, and
 * the old rows, keyed (height, id) with this block's height the highest, are appended. */
typedef struct trie_write {
    MDB_cursor *rows;
    MDB_cursor *old; /* NULL: no versions kept before this block */
    uint64_t height;
    int rc;
} trie_write;

static chr_err row_write(void *ctx, const ledger_trie_change *c)
{
    trie_write *w = ctx;
    MDB_val k = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)c->id};
    if (c->val != NULL) {
        MDB_val v = {c->len, (void *)(uintptr_t)c->val};
        w->rc = mdb_cursor_put(w->rows, &k, &v, 0);
    } else {
        MDB_val v;
        w->rc = mdb_cursor_get(w->rows, &k, &v, MDB_SET);
        w->rc = w->rc ? w->rc : mdb_cursor_del(w->rows, 0);
    }
    if (w->rc == 0 && w->old != NULL) {
        /* What the row was before this block: its value, or nothing for a new row. */
        uint8_t key[TRIE_OLD_KEY_BYTES];
        chr_put_u64be(key, w->height);
        memcpy(key + 8, c->id, LEDGER_TRIE_ID_BYTES);
        MDB_val ok = {sizeof(key), key};
        MDB_val ov = {c->old_len, (void *)(uintptr_t)c->old};
        w->rc = mdb_cursor_put(w->old, &ok, &ov, MDB_APPEND);
    }
    return w->rc == 0 ? CHR_OK : CHR_ERR_STORE;
}

int store_trie_write(ledger_store *s, MDB_txn *txn, ledger_trie *t, uint64_t height)
{
    trie_write w = {NULL, NULL, height, 0};
    int rc = mdb_cursor_open(txn, s->trie, &w.rows);
    if (rc == 0 && s->versions_kept != 1 && height != 0) {
        rc = mdb_cursor_open(txn, s->trie_old, &w.old);
    }
    chr_err err = rc == 0 ? ledger_trie_changes(t, row_write, &w) : CHR_OK;
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

int store_account_old(ledger_store *s, MDB_txn *txn, uint64_t height, const uint8_t addr[32])
{
    MDB_val k = {32, (void *)(uintptr_t)addr};
    MDB_val v;
    int rc = mdb_get(txn, s->accounts, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
    }
    uint8_t key[8 + 32];
    chr_put_u64be(key, height);
    memcpy(key + 8, addr, 32);
    return store_put(txn, s->accounts_old, key, sizeof(key), rc == 0 ? v.mv_data : NULL,
                     rc == 0 ? v.mv_size : 0);
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
    rc = rc ? rc : prune_old(txn, s->accounts_old, oldest);
    rc = rc ? rc : prune_old(txn, s->objects_old, oldest);
    return rc ? rc : put_u64_meta(s, txn, "trie_versions_from", oldest);
}

void ledger_store_set_versions_kept(ledger_store *s, uint64_t n)
{
    s->versions_kept = n;
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

/* The longest key after the height in an old row: an object's name (u8 kind || natural). */
#define OLD_ROW_KEY_MAX (1 + LEDGER_STATE_NATURAL_KEY_MAX)
_Static_assert(OLD_ROW_KEY_MAX >= LEDGER_TRIE_ID_BYTES, "trie ids fit an old row's key");

/* The first old row (h || key) of dbi (trie_old, accounts_old, objects_old) with h from
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

/* Whether the state after block `height` is read back here (ledger/store.h): CHR_OK with
 * the tip, CHR_ERR_NOT_FOUND (not kept, or past the tip), CHR_ERR_TOO_LONG (too far). */
static chr_err past_height(ledger_store_read *r, uint64_t height, uint64_t *tip)
{
    uint64_t oldest;
    chr_err err = ledger_store_versions(r, &oldest, tip);
    if (err != CHR_OK) {
        return err;
    }
    if (height == 0 || height < oldest || height > *tip) {
        return CHR_ERR_NOT_FOUND;
    }
    return *tip - height > LEDGER_STORE_PAST_BLOCKS_MAX ? CHR_ERR_TOO_LONG : CHR_OK;
}

/* The rows of version `at`, from the current rows and the trie_old rows of the blocks
 * after it. */
typedef struct trie_past {
    ledger_store_read *r;
    uint64_t at;
    uint64_t tip;
} trie_past;

/* Row id's value at version p->at: the old value of the first block after it that
 * replaced the row, else the current row. *present 0 when the row did not exist then. */
static chr_err past_value(const trie_past *p, const uint8_t id[LEDGER_TRIE_ID_BYTES],
                          uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *len, int *present)
{
    ledger_store *s = p->r->store;
    MDB_val key;
    MDB_val v;
    int rc = old_row(p->r->txn, s->trie_old, id, LEDGER_TRIE_ID_BYTES, p->at, p->tip, &v);
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
    if (v.mv_size > LEDGER_TRIE_VALUE_MAX) {
        return CHR_ERR_STORE;
    }
    *present = v.mv_size != 0;
    memcpy(val, v.mv_data, v.mv_size);
    *len = v.mv_size;
    return CHR_OK;
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

/* ---- Building the rows from the accounts, inside one write transaction. ---- */

typedef struct trie_build {
    ledger_store *s;
    MDB_txn *txn;
    MDB_cursor *cur;
    ledger_trie *t;
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
    b->rc = store_trie_write(b->s, b->txn, b->t, 0);
    if (b->rc != 0) {
        return CHR_ERR_STORE;
    }
    ledger_trie_release(b->t);
    b->batch = 0;
    return CHR_OK;
}

static chr_err build_put(void *ctx, const uint8_t addr[32], const ledger_account *a)
{
    trie_build *b = ctx;
    uint8_t h[CHR_HASH_LEN];
    ledger_account_hash(h, a);
    chr_err err = ledger_trie_set(b->t, addr, h);
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

/* Puts every account of txn's accounts database and objects' puts (may be NULL) into the
 * (empty) trie database, in batches, and returns the root. */
int store_trie_build(ledger_store *s, MDB_txn *txn, const ledger_objects *objects, uint8_t root[32],
                     size_t *accounts)
{
    trie_build b = {.s = s, .txn = txn};
    int rc = mdb_cursor_open(txn, s->trie, &b.cur);
    if (rc != 0) {
        return rc;
    }
    ledger_trie_source src = {&b, build_seek};
    chr_err err = ledger_trie_new(&b.t, src, 0);
    if (err == CHR_OK) {
        ledger_store_read r = {.store = s, .txn = txn};
        err = ledger_store_accounts_foreach(&r, build_put, &b);
        err = err ? err : build_objects(&b, objects);
        err = err ? err : build_flush(&b);
        ledger_trie_root(b.t, root);
        ledger_trie_free(b.t);
    }
    mdb_cursor_close(b.cur);
    *accounts = b.total;
    if (err != CHR_OK) {
        return b.rc != 0 ? b.rc : err == CHR_ERR_NOMEM ? ENOMEM : MDB_CORRUPTED;
    }
    return 0;
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

chr_err store_trie_migrate(ledger_store *s)
{
    MDB_txn *txn;
    int rc = store_write_begin(s, s->env, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "begin trie build");
    }
    MDB_stat trie_st;
    MDB_stat acct_st;
    rc = mdb_stat(txn, s->trie, &trie_st);
    rc = rc ? rc : mdb_stat(txn, s->accounts, &acct_st);
    int old_layout = rc == 0 && trie_st.ms_entries != 0 && !store_trie_layout_current(s, txn);
    if (old_layout) {
        /* Rows named the way an earlier build named them (34-byte ids, before the bands):
         * built again from the accounts, like a store that had none; past versions go. */
        CHR_LOG_W("store: the state trie's rows are of an earlier layout: building them again");
        rc = mdb_drop(txn, s->trie, 0);
        rc = rc ? rc : mdb_drop(txn, s->trie_old, 0);
        rc = rc ? rc : mdb_drop(txn, s->accounts_old, 0);
        rc = rc ? rc : mdb_drop(txn, s->objects_old, 0);
        trie_st.ms_entries = 0;
    }
    if (rc != 0 || trie_st.ms_entries != 0 || acct_st.ms_entries == 0) {
        mdb_txn_abort(txn);
        pthread_rwlock_unlock(&s->resize);
        return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "trie stat");
    }
    CHR_LOG_W("store: building the persisted state trie from %zu accounts (once: this store "
              "was written by an earlier version)",
              (size_t)acct_st.ms_entries);
    uint8_t root[32];
    size_t n = 0;
    uint64_t height = 0;
    rc = store_trie_build(s, txn, NULL, root, &n);
    rc = rc ? rc : store_get_u64(txn, s->meta, "height", &height);
    rc = rc ? rc : put_u64_meta(s, txn, "trie_versions_from", height);
    chr_err err = store_write_end(s, txn, rc, "build trie");
    if (err == CHR_OK) {
        CHR_LOG_I("store: state trie built: %zu accounts", n);
    }
    return err;
}

/* ---- Proofs, and accounts at a past height. ---- */

chr_err ledger_store_account_at(ledger_store_read *r, const uint8_t addr[32], uint64_t height,
                                ledger_account *out, int *found)
{
    uint64_t tip;
    memset(out, 0, sizeof(*out));
    *found = 0;
    chr_err err = past_height(r, height, &tip);
    if (err != CHR_OK) {
        return err;
    }
    MDB_val v;
    int rc = old_row(r->txn, r->store->accounts_old, addr, 32, height, tip, &v);
    if (rc == MDB_NOTFOUND) {
        return ledger_store_account(r, addr, out, found);
    }
    if (rc != 0) {
        return chr_lmdb_err(rc, "account version read");
    }
    if (v.mv_size == 0) {
        return CHR_OK; /* made by a later block */
    }
    if (ledger_account_decode(out, v.mv_data, v.mv_size) != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return CHR_ERR_STORE;
    }
    *found = 1;
    return CHR_OK;
}

chr_err ledger_store_object_at(ledger_store_read *r, ledger_state_kind kind, const uint8_t *natural,
                               size_t natural_len, uint64_t height, ledger_object *out, int *found)
{
    uint64_t tip;
    memset(out, 0, sizeof(*out));
    *found = 0;
    CHR_ASSERT(ledger_object_kind_valid((uint8_t)kind));
    CHR_ASSERT(natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
    chr_err err = past_height(r, height, &tip);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t name[OLD_ROW_KEY_MAX];
    name[0] = (uint8_t)kind;
    if (natural_len > 0) {
        memcpy(name + 1, natural, natural_len);
    }
    MDB_val v;
    int rc = old_row(r->txn, r->store->objects_old, name, 1 + natural_len, height, tip, &v);
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
    chr_err err = past_height(r, height, &tip);
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
    trie_past past = {r, height, tip};
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
