#include "ledger/store.h"

#include "ledger/internal/store.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hex.h"
#include "common/log.h"

/* meta, blocks, block hashes, commits, evidence (by key and by place in the chain), the state
 * trie (with the account records in its leaves) and its earlier versions, state objects and their
 * earlier versions, both by height and (an archive's) by id; room for more, and for an earlier
 * layout's accounts while it is migrated. */
#define STORE_DBS_MAX 18

static int store_open_dbs(ledger_store *s)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != 0) {
        return rc;
    }
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    rc = rc ? rc : mdb_dbi_open(txn, "blocks", MDB_CREATE, &s->blocks);
    rc = rc ? rc : mdb_dbi_open(txn, "block_hashes", MDB_CREATE, &s->hashes);
    rc = rc ? rc : mdb_dbi_open(txn, "commits", MDB_CREATE, &s->commits);
    rc = rc ? rc : mdb_dbi_open(txn, "evidence", MDB_CREATE, &s->evidence);
    rc = rc ? rc : mdb_dbi_open(txn, "evidence_at", MDB_CREATE, &s->evidence_at);
    rc = rc ? rc : mdb_dbi_open(txn, "trie", MDB_CREATE, &s->trie);
    rc = rc ? rc : mdb_dbi_open(txn, "trie_old", MDB_CREATE, &s->trie_old);
    rc = rc ? rc : mdb_dbi_open(txn, "objects", MDB_CREATE, &s->objects);
    rc = rc ? rc : mdb_dbi_open(txn, "objects_old", MDB_CREATE, &s->objects_old);
    /* An archive's index of the old rows by id: each key's heights as sorted fixed-size
     * duplicates (8 bytes each, the key stored once), ledger/store_trie.c. */
    unsigned hist_flags = MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED;
    rc = rc ? rc : mdb_dbi_open(txn, "trie_hist", hist_flags, &s->trie_hist);
    rc = rc ? rc : mdb_dbi_open(txn, "objects_hist", hist_flags, &s->objects_hist);
    /* Stores written before the index moved to <dir>/index kept it here: drop it (it is
     * rebuilt there from the blocks). */
    const char *moved[] = {"txs", "history"};
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        MDB_dbi old;
        int found = mdb_dbi_open(txn, moved[i], 0, &old);
        rc = found == 0 ? mdb_drop(txn, old, 1) : found == MDB_NOTFOUND ? 0 : found;
    }
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
        chr_err err = chr_lmdb_err(rc, "open");
        ledger_store_close(s);
        return err;
    }
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize; /* an existing store may be larger than asked */
    s->versions_kept = 1;
    chr_err err = store_trie_migrate(s);
    err = err ? err : store_index_open(s, dir, map_size);
    if (err != CHR_OK) {
        ledger_store_close(s);
        return err;
    }
    *out = s;
    return CHR_OK;
}

void ledger_store_close(ledger_store *s)
{
    if (s != NULL) {
        store_index_close(s);
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
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "grow map");
}

size_t ledger_store_used_bytes(ledger_store *s)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(s->env, &info);
    mdb_env_stat(s->env, &st);
    return (size_t)(info.me_last_pgno + 1) * st.ms_psize;
}

int store_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v, size_t vlen)
{
    MDB_val key = {klen, (void *)(uintptr_t)k};
    MDB_val val = {vlen, (void *)(uintptr_t)v};
    return mdb_put(txn, dbi, &key, &val, 0);
}

static int put_meta(ledger_store *s, MDB_txn *txn, const char *name, const void *v, size_t vlen)
{
    return store_put(txn, s->meta, name, strlen(name), v, vlen);
}

int store_write_begin(ledger_store *s, MDB_env *env, MDB_txn **txn)
{
    pthread_rwlock_rdlock(&s->resize);
    int rc = mdb_txn_begin(env, NULL, 0, txn);
    if (rc != 0) {
        pthread_rwlock_unlock(&s->resize);
    }
    return rc;
}

chr_err store_write_end(ledger_store *s, MDB_txn *txn, int rc, const char *what)
{
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
    } else {
        mdb_txn_abort(txn);
    }
    pthread_rwlock_unlock(&s->resize);
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, what);
}

chr_err ledger_store_init_genesis(ledger_store *s, const char *chain_id,
                                  const uint8_t genesis_hash[32], const uint8_t (*addrs)[32],
                                  const uint64_t *balances, size_t accounts_len,
                                  const ledger_objects *objects)
{
    MDB_txn *txn;
    int rc = store_write_begin(s, s->env, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "begin genesis");
    }
    uint8_t zero[8] = {0};
    rc = put_meta(s, txn, "chain_id", chain_id, strlen(chain_id));
    rc = rc ? rc : put_meta(s, txn, "genesis_hash", genesis_hash, 32);
    rc = rc ? rc : put_meta(s, txn, "height", zero, 8);
    rc = rc ? rc : put_meta(s, txn, "txs_total", zero, 8);
    rc = rc ? rc : store_objects_write(s, txn, objects, 0);
    uint8_t root[32];
    rc = rc ? rc : store_trie_genesis(s, txn, addrs, balances, accounts_len, objects, root);
    rc = rc ? rc : put_u64_meta(s, txn, "trie_versions_from", 0);
    chr_err err = store_write_end(s, txn, rc, "write genesis");
    return err == CHR_OK ? store_index_genesis(s, genesis_hash) : err;
}

int store_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *out)
{
    MDB_val key = {strlen(name), (void *)(uintptr_t)name};
    MDB_val val;
    int rc = mdb_get(txn, dbi, &key, &val);
    if (rc == 0 && val.mv_size != 8) {
        rc = MDB_CORRUPTED;
    }
    *out = rc == 0 ? chr_get_u64be(val.mv_data) : 0;
    return rc;
}

int put_u64_meta(ledger_store *s, MDB_txn *txn, const char *name, uint64_t v)
{
    uint8_t b[8];
    chr_put_u64be(b, v);
    return put_meta(s, txn, name, b, 8);
}

/* Evidence rows: the key that names the offence -> u64 height | u32 index | evidence, and
 * its place (u64 height | u32 index) -> the key, for newest-first lists. */
#define EVIDENCE_VALUE_BYTES (8 + 4 + LEDGER_EVIDENCE_BYTES)

static int write_block_txs(ledger_store *s, MDB_txn *txn, const ledger_store_write *b)
{
    CHR_ASSERT(b->trie != NULL);
    int rc = 0;
    uint64_t height = b->header->height;
    for (uint16_t i = 0; i < b->evidence_len && rc == 0; i++) {
        uint8_t k[LEDGER_EVIDENCE_KEY_BYTES];
        uint8_t v[EVIDENCE_VALUE_BYTES];
        ledger_evidence_key(&b->evidence[i], k);
        chr_put_u64be(v, height);
        chr_put_u32be(v + 8, i);
        ledger_evidence_encode(&b->evidence[i], v + 12);
        rc = store_put(txn, s->evidence, k, sizeof(k), v, sizeof(v));
        rc = rc ? rc : store_put(txn, s->evidence_at, v, 12, k, sizeof(k));
    }
    /* The changed accounts' records go into their leaf rows, which the trie's changes write. */
    size_t n = ledger_overlay_len(b->changes);
    store_leaf_record *recs = n > 0 ? malloc(n * sizeof(*recs)) : NULL;
    if (n > 0 && recs == NULL) {
        return rc ? rc : ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(b->changes, i, &addr, &a);
        memcpy(recs[i].addr, addr, 32);
        ledger_account_encode(recs[i].rec, &a);
    }
    store_leaf_records_sort(recs, n);
    rc = rc ? rc : store_objects_write(s, txn, ledger_overlay_objects(b->changes), height);
    rc = rc ? rc : store_trie_write(s, txn, b->trie, height, recs, n);
    free(recs);
    return rc ? rc : store_trie_versions_advance(s, txn, height);
}

chr_err ledger_store_commit_block(ledger_store *s, const ledger_store_write *b)
{
    /* The index rows enter the tail first, so no reader misses them (store_index.c). */
    chr_err err = store_tail_add(s, b);
    if (err != CHR_OK) {
        return err;
    }
    MDB_txn *txn;
    int rc = store_write_begin(s, s->env, &txn);
    if (rc != 0) {
        store_tail_done(s, b->header->height, b->txs_len, 0);
        return chr_lmdb_err(rc, "begin block");
    }
    uint64_t height;
    uint64_t txs_total;
    rc = store_get_u64(txn, s->meta, "height", &height);
    rc = rc ? rc : store_get_u64(txn, s->meta, "txs_total", &txs_total);
    if (rc == 0) {
        CHR_ASSERT(b->header->height == height + 1);
        uint8_t hk[8];
        chr_put_u64be(hk, b->header->height);
        rc = store_put(txn, s->blocks, hk, 8, b->bytes, b->bytes_len);
        rc = rc ? rc : store_put(txn, s->hashes, b->hash, 32, hk, 8);
        rc = rc ? rc : store_put(txn, s->commits, hk, 8, b->commit, b->commit_len);
        rc = rc ? rc : write_block_txs(s, txn, b);
        rc = rc ? rc : put_u64_meta(s, txn, "height", b->header->height);
        rc = rc ? rc : put_u64_meta(s, txn, "txs_total", txs_total + b->txs_len);
    }
    err = store_write_end(s, txn, rc, "write block");
    store_tail_done(s, b->header->height, b->txs_len, err == CHR_OK);
    return err;
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
        return chr_lmdb_err(rc, "begin read");
    }
    r->store = s;
    *out = r;
    return CHR_OK;
}

void ledger_store_read_end(ledger_store_read *r)
{
    if (r != NULL) {
        store_index_read_end(r);
        if (r->trie_cur != NULL) {
            mdb_cursor_close(r->trie_cur);
        }
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
        rc = store_get_u64(r->txn, s->meta, "height", &out->height);
    }
    rc = rc ? rc : store_get_u64(r->txn, s->meta, "txs_total", &out->txs_total);
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
        return rc == MDB_NOTFOUND ? CHR_ERR_NOT_FOUND : chr_lmdb_err(rc, "read meta");
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
        return rc == MDB_NOTFOUND ? CHR_ERR_NOT_FOUND : chr_lmdb_err(rc, "get");
    }
    *out = val.mv_data;
    *out_len = val.mv_size;
    return CHR_OK;
}

/* Whether v (len bytes) is an account's leaf row whose record hashes to the value hash before
 * it: the record in *out when it is. */
static int leaf_record(const uint8_t *v, size_t len, ledger_account *out)
{
    uint8_t h[CHR_HASH_LEN];
    if (len != STORE_LEAF_ACCOUNT_BYTES ||
        ledger_account_decode(out, v + LEDGER_TRIE_LEAF_BYTES, LEDGER_ACCOUNT_BYTES) != CHR_OK) {
        return 0;
    }
    ledger_account_hash(h, out);
    return memcmp(h, v, CHR_HASH_LEN) == 0;
}

static chr_err account_damaged(const uint8_t addr[32])
{
    char hex[65];
    chr_hex_encode(hex, sizeof(hex), addr, 32);
    CHR_LOG_E("store: account %s: its record does not match its state trie leaf: damaged store",
              hex);
    return CHR_ERR_STATE_ROOT;
}

chr_err ledger_store_account(ledger_store_read *r, const uint8_t addr[32], ledger_account *out,
                             int *found)
{
    memset(out, 0, sizeof(*out));
    if (found != NULL) {
        *found = 0;
    }
    uint8_t leaf_id[LEDGER_TRIE_ID_BYTES];
    ledger_trie_leaf_id(leaf_id, addr);
    const uint8_t *leaf;
    size_t leaf_len;
    chr_err err = get_view(r, r->store->trie, leaf_id, sizeof(leaf_id), &leaf, &leaf_len);
    if (err == CHR_ERR_NOT_FOUND) {
        return CHR_OK;
    }
    if (err != CHR_OK) {
        return err;
    }
    ledger_account a;
    if (!leaf_record(leaf, leaf_len, &a)) {
        return account_damaged(addr);
    }
    *out = a;
    if (found != NULL) {
        *found = 1;
    }
    return CHR_OK;
}

chr_err store_account_past(const uint8_t addr[32], const uint8_t *v, size_t len,
                           ledger_account *out)
{
    if (leaf_record(v, len, out)) {
        return CHR_OK;
    }
    memset(out, 0, sizeof(*out));
    (void)account_damaged(addr);
    return CHR_ERR_STORE;
}

/* Whether the by-hash table maps hash to height: that row is written in the same LMDB
 * transaction as the block and its commit, so a damaged header, commit or row names no
 * block, or another one. A mismatch is logged (what: the thing that named hash). */
static chr_err block_named(ledger_store_read *r, uint64_t height, const uint8_t hash[32],
                           const char *what)
{
    uint64_t at;
    chr_err err = ledger_store_block_height(r, hash, &at);
    if (err == CHR_OK && at == height) {
        return CHR_OK;
    }
    if (err == CHR_OK || err == CHR_ERR_NOT_FOUND || err == CHR_ERR_STORE) {
        CHR_LOG_E("store: block %llu is damaged: %s is not the block hash stored for that "
                  "height",
                  (unsigned long long)height, what);
        return CHR_ERR_STORE;
    }
    return err;
}

chr_err ledger_store_block(ledger_store_read *r, uint64_t height, const uint8_t **out,
                           size_t *out_len)
{
    uint8_t k[8];
    chr_put_u64be(k, height);
    chr_err err = get_view(r, r->store->blocks, k, 8, out, out_len);
    if (err != CHR_OK) {
        return err;
    }
    ledger_header h;
    uint8_t hash[32];
    chr_err peek = ledger_block_peek_header(&h, *out, *out_len);
    if (peek == CHR_ERR_VERSION && *out_len > 0 && (*out)[0] < LEDGER_BLOCK_VERSION) {
        /* Written by an older build (docs/PROTOCOL.md, "Blocks"), or a flipped first byte. */
        CHR_LOG_E("store: block %llu has header version %u; this build reads version %d only",
                  (unsigned long long)height, (unsigned)(*out)[0], LEDGER_BLOCK_VERSION);
        err = CHR_ERR_VERSION;
    } else if (peek != CHR_OK || h.height != height) {
        CHR_LOG_E("store: block %llu is damaged: its header does not decode or states "
                  "another height",
                  (unsigned long long)height);
        err = CHR_ERR_STORE;
    } else {
        ledger_header_hash(&h, hash);
        err = block_named(r, height, hash, "its header's hash");
    }
    if (err != CHR_OK) {
        *out = NULL;
        *out_len = 0;
    }
    return err;
}

chr_err ledger_store_block_decode(ledger_store_read *r, uint64_t height, ledger_block *out)
{
    memset(out, 0, sizeof(*out));
    const uint8_t *bytes;
    size_t len;
    chr_err err = ledger_store_block(r, height, &bytes, &len);
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_block_decode(out, bytes, len);
    if (err != CHR_OK && err != CHR_ERR_NOMEM) {
        /* The header is the one named by the block's hash: the body is what is damaged. */
        CHR_LOG_E("store: block %llu is damaged: its body does not match its header "
                  "(tx_root, evidence_root, count or last commit): %s",
                  (unsigned long long)height, chr_err_str(err));
        err = CHR_ERR_STORE;
    }
    return err;
}

/* A commit starts with u64 height | u32 round | raw32 block_hash (ledger/block.h). */
#define COMMIT_NAMES_BYTES (8 + 4 + 32)

chr_err ledger_store_commit(ledger_store_read *r, uint64_t height, const uint8_t **out,
                            size_t *out_len)
{
    uint8_t k[8];
    chr_put_u64be(k, height);
    chr_err err = get_view(r, r->store->commits, k, 8, out, out_len);
    if (err != CHR_OK) {
        return err;
    }
    if (*out_len < COMMIT_NAMES_BYTES || chr_get_u64be(*out) != height) {
        CHR_LOG_E("store: the commit of block %llu is damaged: it is short or states another "
                  "height",
                  (unsigned long long)height);
        err = CHR_ERR_STORE;
    } else {
        err = block_named(r, height, *out + 12, "the block hash its commit names");
    }
    if (err != CHR_OK) {
        *out = NULL;
        *out_len = 0;
    }
    return err;
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

chr_err ledger_store_accounts_foreach(ledger_store_read *r,
                                      chr_err (*fn)(void *ctx, const uint8_t addr[32],
                                                    const ledger_account *a),
                                      void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(r->txn, r->store->trie, &cur);
    if (rc != 0) {
        return chr_lmdb_err(rc, "cursor");
    }
    /* Leaves are in the last band (ledger/trie.h), among the lower internal nodes. */
    uint8_t from[LEDGER_TRIE_ID_BYTES] = {2};
    MDB_val key = {sizeof(from), from};
    MDB_val val;
    chr_err err = CHR_OK;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
    while (rc == 0 && err == CHR_OK) {
        const uint8_t *id = key.mv_data;
        ledger_account a;
        if (key.mv_size != LEDGER_TRIE_ID_BYTES) {
            err = CHR_ERR_STORE;
        } else if (store_row_leaf(id) && val.mv_size != LEDGER_TRIE_LEAF_BYTES) {
            err = leaf_record(val.mv_data, val.mv_size, &a) ? fn(ctx, id + 1, &a)
                                                            : account_damaged(id + 1);
        }
        rc = err == CHR_OK ? mdb_cursor_get(cur, &key, &val, MDB_NEXT) : rc;
    }
    mdb_cursor_close(cur);
    if (err == CHR_OK && rc != MDB_NOTFOUND) {
        err = chr_lmdb_err(rc, "iterate accounts");
    }
    return err;
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
        return rc == MDB_NOTFOUND ? CHR_ERR_NOT_FOUND : chr_lmdb_err(rc, "get evidence");
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
        return chr_lmdb_err(rc, "evidence cursor");
    }
    /* The newest place strictly below (before_height, before_index). */
    uint8_t start[12];
    chr_put_u64be(start, before_height);
    chr_put_u32be(start + 8, before_index);
    MDB_val k = {sizeof(start), start};
    MDB_val val;
    rc = mdb_cursor_get(cur, &k, &val, MDB_SET_RANGE);
    rc = rc == 0              ? mdb_cursor_get(cur, &k, &val, MDB_PREV)
         : rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &val, MDB_LAST)
                              : rc;
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
        err = chr_lmdb_err(rc, "evidence list");
    }
    return err;
}
