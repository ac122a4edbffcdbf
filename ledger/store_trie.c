/* The state trie's rows in the main LMDB environment (the "trie" database: id -> value,
 * ledger/trie.h), written in each block's own transaction; the source the ledger reads
 * them through; proofs; and the one-time build of the rows for stores written before the
 * trie was persisted. */
#include "ledger/store.h"

#include "ledger/internal/store.h"

#include <errno.h>
#include <string.h>

#include "common/assert.h"
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

/* ---- Writing rows. ---- */

typedef struct trie_write {
    MDB_txn *txn;
    MDB_dbi dbi;
    int rc;
} trie_write;

static chr_err row_write(void *ctx, const uint8_t id[LEDGER_TRIE_ID_BYTES], const uint8_t *val,
                         size_t len)
{
    trie_write *w = ctx;
    if (val != NULL) {
        w->rc = store_put(w->txn, w->dbi, id, LEDGER_TRIE_ID_BYTES, val, len);
    } else {
        MDB_val k = {LEDGER_TRIE_ID_BYTES, (void *)(uintptr_t)id};
        w->rc = mdb_del(w->txn, w->dbi, &k, NULL);
    }
    return w->rc == 0 ? CHR_OK : CHR_ERR_STORE;
}

int store_trie_write(ledger_store *s, MDB_txn *txn, ledger_trie *t)
{
    trie_write w = {txn, s->trie, 0};
    chr_err err = ledger_trie_changes(t, row_write, &w);
    return err == CHR_OK ? 0 : w.rc != 0 ? w.rc : MDB_CORRUPTED;
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
    b->rc = store_trie_write(b->s, b->txn, b->t);
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

/* Puts every account of txn's accounts database into the (empty) trie database, in
 * batches, and returns the root. */
int store_trie_build(ledger_store *s, MDB_txn *txn, uint8_t root[32], size_t *accounts)
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
    rc = store_trie_build(s, txn, root, &n);
    chr_err err = store_write_end(s, txn, rc, "build trie");
    if (err == CHR_OK) {
        CHR_LOG_I("store: state trie built: %zu accounts", n);
    }
    return err;
}
