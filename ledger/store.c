#include "ledger/store.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/log.h"

/* meta, accounts, blocks, block hashes, commits, txs, history, evidence (by key and by
 * place in the chain); room for more. */
#define STORE_DBS_MAX 16

struct ledger_store {
    MDB_env *env;
    MDB_dbi meta, accounts, blocks, hashes, commits, txs, history, evidence, evidence_at;
    size_t map_size;
    /* Readers hold it shared; growing the map takes it exclusively, because LMDB's
     * mdb_env_set_mapsize requires that no transaction is active in the process. */
    pthread_rwlock_t resize;
};

struct ledger_store_read {
    ledger_store *store;
    MDB_txn *txn;
};

static chr_err store_err(int rc, const char *what)
{
    if (rc == MDB_MAP_FULL) {
        return CHR_ERR_MAP_FULL;
    }
    if (rc == MDB_NOTFOUND) {
        return CHR_ERR_NOT_FOUND;
    }
    CHR_LOG_E("lmdb: %s: %s", what, mdb_strerror(rc));
    return CHR_ERR_STORE;
}

static int store_open_dbs(ledger_store *s)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0) {
        return rc;
    }
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    rc = rc ? rc : mdb_dbi_open(txn, "accounts", MDB_CREATE, &s->accounts);
    rc = rc ? rc : mdb_dbi_open(txn, "blocks", MDB_CREATE, &s->blocks);
    rc = rc ? rc : mdb_dbi_open(txn, "block_hashes", MDB_CREATE, &s->hashes);
    rc = rc ? rc : mdb_dbi_open(txn, "commits", MDB_CREATE, &s->commits);
    rc = rc ? rc : mdb_dbi_open(txn, "txs", MDB_CREATE, &s->txs);
    rc = rc ? rc : mdb_dbi_open(txn, "history", MDB_CREATE, &s->history);
    rc = rc ? rc : mdb_dbi_open(txn, "evidence", MDB_CREATE, &s->evidence);
    rc = rc ? rc : mdb_dbi_open(txn, "evidence_at", MDB_CREATE, &s->evidence_at);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

chr_err ledger_store_open(ledger_store **out, const char *dir, size_t map_size)
{
    *out = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        CHR_LOG_E("store: cannot create %s: %s", dir, strerror(errno));
        return CHR_ERR_IO;
    }
    ledger_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return CHR_ERR_NOMEM;
    }
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* A waiting grow must not starve behind a stream of readers. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->resize, &attr);
    pthread_rwlockattr_destroy(&attr);
    int rc = mdb_env_create(&s->env);
    rc = rc ? rc : mdb_env_set_maxdbs(s->env, STORE_DBS_MAX);
    rc = rc ? rc : mdb_env_set_maxreaders(s->env, LEDGER_STORE_READERS_MAX);
    rc = rc ? rc : mdb_env_set_mapsize(s->env, map_size);
    /* MDB_NOTLS: a read transaction belongs to its object, not to the thread that began
     * it, so reader slots are released when it ends whatever thread ran it. */
    rc = rc ? rc : mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
    rc = rc ? rc : store_open_dbs(s);
    if (rc != 0) {
        chr_err err = store_err(rc, "open");
        ledger_store_close(s);
        return err;
    }
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize; /* an existing store may be larger than asked */
    *out = s;
    return CHR_OK;
}

void ledger_store_close(ledger_store *s)
{
    if (s != NULL) {
        if (s->env != NULL) {
            mdb_env_close(s->env);
        }
        pthread_rwlock_destroy(&s->resize);
        free(s);
    }
}

size_t ledger_store_map_size(const ledger_store *s)
{
    return s->map_size;
}

chr_err ledger_store_grow(ledger_store *s, size_t new_size)
{
    CHR_ASSERT(new_size > s->map_size);
    pthread_rwlock_wrlock(&s->resize);
    int rc = mdb_env_set_mapsize(s->env, new_size);
    if (rc == 0) {
        s->map_size = new_size;
    }
    pthread_rwlock_unlock(&s->resize);
    return rc == 0 ? CHR_OK : store_err(rc, "grow map");
}

size_t ledger_store_used_bytes(ledger_store *s)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(s->env, &info);
    mdb_env_stat(s->env, &st);
    return (size_t)(info.me_last_pgno + 1) * st.ms_psize;
}

static int put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen)
{
    MDB_val key = {klen, (void *)(uintptr_t)k};
    MDB_val val = {vlen, (void *)(uintptr_t)v};
    return mdb_put(txn, dbi, &key, &val, 0);
}

static int put_meta(ledger_store *s, MDB_txn *txn, const char *name, const void *v, size_t vlen)
{
    return put(txn, s->meta, name, strlen(name), v, vlen);
}

static int put_account(ledger_store *s, MDB_txn *txn, const uint8_t addr[32],
                       const ledger_account *a)
{
    uint8_t v[LEDGER_ACCOUNT_BYTES];
    ledger_account_encode(v, a);
    return put(txn, s->accounts, addr, 32, v, sizeof(v));
}

/* Begins a write transaction under the shared lock; the caller ends it with write_end. */
static int write_begin(ledger_store *s, MDB_txn **txn)
{
    pthread_rwlock_rdlock(&s->resize);
    int rc = mdb_txn_begin(s->env, NULL, 0, txn);
    if (rc != 0) {
        pthread_rwlock_unlock(&s->resize);
    }
    return rc;
}

/* Commits when rc is 0, else aborts; either way the whole transaction ends. */
static chr_err write_end(ledger_store *s, MDB_txn *txn, int rc, const char *what)
{
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
    } else {
        mdb_txn_abort(txn);
    }
    pthread_rwlock_unlock(&s->resize);
    return rc == 0 ? CHR_OK : store_err(rc, what);
}

chr_err ledger_store_init_genesis(ledger_store *s, const char *chain_id,
                                  const uint8_t genesis_hash[32], const uint8_t (*addrs)[32],
                                  const uint64_t *balances, size_t accounts_len)
{
    MDB_txn *txn;
    int rc = write_begin(s, &txn);
    if (rc != 0) {
        return store_err(rc, "begin genesis");
    }
    uint8_t zero[8] = {0};
    rc = put_meta(s, txn, "chain_id", chain_id, strlen(chain_id));
    rc = rc ? rc : put_meta(s, txn, "genesis_hash", genesis_hash, 32);
    rc = rc ? rc : put_meta(s, txn, "height", zero, 8);
    rc = rc ? rc : put_meta(s, txn, "txs_total", zero, 8);
    for (size_t i = 0; i < accounts_len && rc == 0; i++) {
        ledger_account a = {.balance = balances[i], .nonce = 0};
        rc = put_account(s, txn, addrs[i], &a);
    }
    return write_end(s, txn, rc, "write genesis");
}

static int get_u64_meta(ledger_store *s, MDB_txn *txn, const char *name, uint64_t *out)
{
    MDB_val key = {strlen(name), (void *)(uintptr_t)name};
    MDB_val val;
    int rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == 0 && val.mv_size != 8) {
        rc = MDB_CORRUPTED;
    }
    *out = rc == 0 ? chr_get_u64be(val.mv_data) : 0;
    return rc;
}

static int put_u64_meta(ledger_store *s, MDB_txn *txn, const char *name, uint64_t v)
{
    uint8_t b[8];
    chr_put_u64be(b, v);
    return put_meta(s, txn, name, b, 8);
}

/* History key: address, height, index, and a last byte 1 for sent, 0 for received, so
 * that newest-first iteration is a reverse cursor walk within the address prefix. */
#define HISTORY_KEY_LEN (32 + 8 + 4 + 1)

static int put_history(ledger_store *s, MDB_txn *txn, const uint8_t addr[32], uint64_t height,
                       uint32_t index, uint8_t sent, const uint8_t tx_hash[32])
{
    uint8_t k[HISTORY_KEY_LEN];
    memcpy(k, addr, 32);
    chr_put_u64be(k + 32, height);
    chr_put_u32be(k + 40, index);
    k[44] = sent;
    return put(txn, s->history, k, sizeof(k), tx_hash, 32);
}

/* Evidence rows: the key that names the offence -> u64 height | u32 index | evidence, and
 * its place (u64 height | u32 index) -> the key, for newest-first lists. */
#define EVIDENCE_VALUE_BYTES (8 + 4 + LEDGER_EVIDENCE_BYTES)

static int write_block_txs(ledger_store *s, MDB_txn *txn, const ledger_store_write *b)
{
    int rc = 0;
    uint64_t height = b->header->height;
    for (uint32_t i = 0; i < b->txs_len && rc == 0; i++) {
        uint8_t v[12];
        chr_put_u64be(v, height);
        chr_put_u32be(v + 8, i);
        rc = put(txn, s->txs, b->tx_hashes[i], 32, v, sizeof(v));
        rc = rc ? rc : put_history(s, txn, b->tx_from[i], height, i, 1, b->tx_hashes[i]);
        rc = rc ? rc : put_history(s, txn, b->tx_to[i], height, i, 0, b->tx_hashes[i]);
    }
    for (uint16_t i = 0; i < b->evidence_len && rc == 0; i++) {
        uint8_t k[LEDGER_EVIDENCE_KEY_BYTES];
        uint8_t v[EVIDENCE_VALUE_BYTES];
        ledger_evidence_key(&b->evidence[i], k);
        chr_put_u64be(v, height);
        chr_put_u32be(v + 8, i);
        ledger_evidence_encode(&b->evidence[i], v + 12);
        rc = put(txn, s->evidence, k, sizeof(k), v, sizeof(v));
        rc = rc ? rc : put(txn, s->evidence_at, v, 12, k, sizeof(k));
    }
    for (size_t i = 0; i < ledger_overlay_len(b->changes) && rc == 0; i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(b->changes, i, &addr, &a);
        rc = put_account(s, txn, addr, &a);
    }
    return rc;
}

chr_err ledger_store_commit_block(ledger_store *s, const ledger_store_write *b)
{
    MDB_txn *txn;
    int rc = write_begin(s, &txn);
    if (rc != 0) {
        return store_err(rc, "begin block");
    }
    uint64_t height;
    uint64_t txs_total;
    rc = get_u64_meta(s, txn, "height", &height);
    rc = rc ? rc : get_u64_meta(s, txn, "txs_total", &txs_total);
    if (rc == 0) {
        CHR_ASSERT(b->header->height == height + 1);
        uint8_t hk[8];
        chr_put_u64be(hk, b->header->height);
        rc = put(txn, s->blocks, hk, 8, b->bytes, b->bytes_len);
        rc = rc ? rc : put(txn, s->hashes, b->hash, 32, hk, 8);
        rc = rc ? rc : put(txn, s->commits, hk, 8, b->commit, b->commit_len);
        rc = rc ? rc : write_block_txs(s, txn, b);
        rc = rc ? rc : put_u64_meta(s, txn, "height", b->header->height);
        rc = rc ? rc : put_u64_meta(s, txn, "txs_total", txs_total + b->txs_len);
    }
    return write_end(s, txn, rc, "write block");
}

chr_err ledger_store_read_begin(ledger_store *s, ledger_store_read **out)
{
    *out = NULL;
    ledger_store_read *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return CHR_ERR_NOMEM;
    }
    pthread_rwlock_rdlock(&s->resize);
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn);
    if (rc != 0) {
        pthread_rwlock_unlock(&s->resize);
        free(r);
        return store_err(rc, "begin read");
    }
    r->store = s;
    *out = r;
    return CHR_OK;
}

void ledger_store_read_end(ledger_store_read *r)
{
    if (r != NULL) {
        mdb_txn_abort(r->txn);
        pthread_rwlock_unlock(&r->store->resize);
        free(r);
    }
}

chr_err ledger_store_meta_get(ledger_store_read *r, ledger_store_meta *out)
{
    memset(out, 0, sizeof(*out));
    ledger_store *s = r->store;
    MDB_val key = {8, (void *)(uintptr_t) "chain_id"};
    MDB_val val;
    int rc = mdb_get(r->txn, s->meta, &key, &val);
    if (rc == 0 && (val.mv_size == 0 || val.mv_size > LEDGER_CHAIN_ID_MAX)) {
        rc = MDB_CORRUPTED;
    }
    if (rc == 0) {
        memcpy(out->chain_id, val.mv_data, val.mv_size);
        key = (MDB_val){12, (void *)(uintptr_t) "genesis_hash"};
        rc = mdb_get(r->txn, s->meta, &key, &val);
        rc = rc == 0 && val.mv_size != 32 ? MDB_CORRUPTED : rc;
    }
    if (rc == 0) {
        memcpy(out->genesis_hash, val.mv_data, 32);
        rc = get_u64_meta(s, r->txn, "height", &out->height);
    }
    rc = rc ? rc : get_u64_meta(s, r->txn, "txs_total", &out->txs_total);
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
        return rc == MDB_NOTFOUND ? CHR_ERR_NOT_FOUND : store_err(rc, "read meta");
    }
    return CHR_OK;
}

static chr_err get_view(ledger_store_read *r, MDB_dbi dbi, const void *k, size_t klen,
                        const uint8_t **out, size_t *out_len)
{
    MDB_val key = {klen, (void *)(uintptr_t)k};
    MDB_val val;
    int rc = mdb_get(r->txn, dbi, &key, &val);
    if (rc != 0) {
        *out = NULL;
        *out_len = 0;
        return rc == MDB_NOTFOUND ? CHR_ERR_NOT_FOUND : store_err(rc, "get");
    }
    *out = val.mv_data;
    *out_len = val.mv_size;
    return CHR_OK;
}

chr_err ledger_store_account(ledger_store_read *r, const uint8_t addr[32], ledger_account *out,
                             int *found)
{
    const uint8_t *v;
    size_t n;
    chr_err err = get_view(r, r->store->accounts, addr, 32, &v, &n);
    if (found != NULL) {
        *found = err == CHR_OK;
    }
    if (err == CHR_ERR_NOT_FOUND) {
        memset(out, 0, sizeof(*out));
        return CHR_OK;
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    return ledger_account_decode(out, v, n) == CHR_OK ? CHR_OK : CHR_ERR_STORE;
}

chr_err ledger_store_block(ledger_store_read *r, uint64_t height, const uint8_t **out,
                           size_t *out_len)
{
    uint8_t k[8];
    chr_put_u64be(k, height);
    return get_view(r, r->store->blocks, k, 8, out, out_len);
}

chr_err ledger_store_commit(ledger_store_read *r, uint64_t height, const uint8_t **out,
                            size_t *out_len)
{
    uint8_t k[8];
    chr_put_u64be(k, height);
    return get_view(r, r->store->commits, k, 8, out, out_len);
}

chr_err ledger_store_block_height(ledger_store_read *r, const uint8_t hash[32], uint64_t *height)
{
    const uint8_t *v;
    size_t n;
    chr_err err = get_view(r, r->store->hashes, hash, 32, &v, &n);
    if (err == CHR_OK && n != 8) {
        err = CHR_ERR_STORE;
    }
    *height = err == CHR_OK ? chr_get_u64be(v) : 0;
    return err;
}

chr_err ledger_store_tx(ledger_store_read *r, const uint8_t hash[32], ledger_store_txinfo *out)
{
    const uint8_t *v;
    size_t n;
    memset(out, 0, sizeof(*out));
    chr_err err = get_view(r, r->store->txs, hash, 32, &v, &n);
    if (err == CHR_OK && n != 12) {
        err = CHR_ERR_STORE;
    }
    if (err == CHR_OK) {
        out->height = chr_get_u64be(v);
        out->index = chr_get_u32be(v + 8);
    }
    return err;
}

chr_err ledger_store_accounts_foreach(ledger_store_read *r,
                                      chr_err (*fn)(void *ctx, const uint8_t addr[32],
                                                    const ledger_account *a),
                                      void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, r->store->accounts, &cur);
    if (rc != 0) {
        return store_err(rc, "cursor");
    }
    MDB_val key;
    MDB_val val;
    chr_err err = CHR_OK;
    rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
    while (rc == 0 && err == CHR_OK) {
        ledger_account a;
        if (key.mv_size != 32 || ledger_account_decode(&a, val.mv_data, val.mv_size) != CHR_OK) {
            err = CHR_ERR_STORE;
            break;
        }
        err = fn(ctx, key.mv_data, &a);
        rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (err == CHR_OK && rc != MDB_NOTFOUND) {
        err = store_err(rc, "iterate accounts");
    }
    return err;
}

chr_err ledger_store_history(ledger_store_read *r, const uint8_t addr[32], uint64_t before_height,
                             uint32_t before_index, ledger_history_entry *out, size_t limit,
                             size_t *out_len)
{
    *out_len = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, r->store->history, &cur);
    if (rc != 0) {
        return store_err(rc, "cursor");
    }
    /* Position on the first key at or after (addr, before_height, before_index), then step
     * back: everything before it in the address's range is strictly older. */
    uint8_t k[HISTORY_KEY_LEN];
    memcpy(k, addr, 32);
    chr_put_u64be(k + 32, before_height);
    chr_put_u32be(k + 40, before_index);
    k[44] = 0;
    MDB_val key = {sizeof(k), k};
    MDB_val val;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(cur, &key, &val, MDB_PREV)
                 : mdb_cursor_get(cur, &key, &val, MDB_LAST);
    while (rc == 0 && *out_len < limit) {
        if (key.mv_size != HISTORY_KEY_LEN || memcmp(key.mv_data, addr, 32) != 0 ||
            val.mv_size != 32) {
            break;
        }
        const uint8_t *kd = key.mv_data;
        ledger_history_entry *e = &out[*out_len];
        e->height = chr_get_u64be(kd + 32);
        e->index = chr_get_u32be(kd + 40);
        e->sent = kd[44];
        memcpy(e->tx_hash, val.mv_data, 32);
        (*out_len)++;
        rc = mdb_cursor_get(cur, &key, &val, MDB_PREV);
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? CHR_OK : store_err(rc, "history");
}

static chr_err evidence_row(const MDB_val *val, ledger_store_evidence_row *out)
{
    if (val->mv_size != EVIDENCE_VALUE_BYTES) {
        return CHR_ERR_STORE;
    }
    const uint8_t *v = val->mv_data;
    out->height = chr_get_u64be(v);
    out->index = chr_get_u32be(v + 8);
    return ledger_evidence_decode(&out->evidence, v + 12, LEDGER_EVIDENCE_BYTES) == CHR_OK
               ? CHR_OK
               : CHR_ERR_STORE;
}

chr_err ledger_store_evidence(ledger_store_read *r, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES],
                              ledger_store_evidence_row *out)
{
    memset(out, 0, sizeof(*out));
    MDB_val k = {LEDGER_EVIDENCE_KEY_BYTES, (void *)(uintptr_t)key};
    MDB_val val;
    int rc = mdb_get(r->txn, r->store->evidence, &k, &val);
    if (rc != 0) {
        return rc == MDB_NOTFOUND ? CHR_ERR_NOT_FOUND : store_err(rc, "get evidence");
    }
    return evidence_row(&val, out);
}

chr_err ledger_store_evidence_recent(ledger_store_read *r, uint64_t before_height,
                                     uint32_t before_index, ledger_store_evidence_row *out,
                                     size_t limit, size_t *out_len)
{
    *out_len = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, r->store->evidence_at, &cur);
    if (rc != 0) {
        return store_err(rc, "evidence cursor");
    }
    /* The newest place strictly below (before_height, before_index). */
    uint8_t start[12];
    chr_put_u64be(start, before_height);
    chr_put_u32be(start + 8, before_index);
    MDB_val k = {sizeof(start), start};
    MDB_val val;
    rc = mdb_cursor_get(cur, &k, &val, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(cur, &k, &val, MDB_PREV)
                 : rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &val, MDB_LAST) : rc;
    chr_err err = CHR_OK;
    while (rc == 0 && *out_len < limit) {
        if (k.mv_size != 12 || val.mv_size != LEDGER_EVIDENCE_KEY_BYTES) {
            err = CHR_ERR_STORE;
            break;
        }
        err = ledger_store_evidence(r, val.mv_data, &out[*out_len]);
        if (err != CHR_OK) {
            err = err == CHR_ERR_NOT_FOUND ? CHR_ERR_STORE : err;
            break;
        }
        (*out_len)++;
        rc = mdb_cursor_get(cur, &k, &val, MDB_PREV);
    }
    mdb_cursor_close(cur);
    if (err == CHR_OK && rc != 0 && rc != MDB_NOTFOUND) {
        err = store_err(rc, "evidence list");
    }
    return err;
}
