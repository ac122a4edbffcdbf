/* The API-key store (rpc/apikeys.h): records in their own LMDB environment. */
#include "rpc/apikeys.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "common/lmdb_err.h"
#include "common/log.h"

/* The record's encoding versions: 1 as it was before sponsors, 2 with the sponsor part
 * (written always); a record of another version is damaged data. */
#define APIKEYS_RECORD_V1 1
#define APIKEYS_RECORD_VERSION 2
/* version, hash, tier, scopes, revoked, created, label (u8 length + bytes), then (version 2)
 * has_sponsor and, when set, the sponsor's key, spend limit and path (u16 length + bytes). */
#define APIKEYS_RECORD_BYTES_MAX                                                                   \
    (1 + 32 + 1 + 1 + 1 + 8 + 1 + RPC_APIKEY_LABEL_MAX + 1 + 32 + 8 + 2 +                          \
     RPC_APIKEY_SPONSOR_PATH_MAX)
/* crypto_kdf's context (8 bytes) and subkey ids: the hash key and the token MAC key. */
#define APIKEYS_KDF_CONTEXT "chrapkey"
#define APIKEYS_KDF_HASH 1
#define APIKEYS_KDF_TOKEN 2
/* data_dir + "/apikeys" or "/apikey.secret". */
#define APIKEYS_PATH_MAX 4096
/* Tries at a fresh random id before concluding that something is wrong (2^-64 each). */
#define APIKEYS_ID_TRIES 4

_Static_assert(crypto_kdf_KEYBYTES == 32, "the node secret is 32 bytes");
_Static_assert(crypto_auth_KEYBYTES == 32, "the token MAC key is 32 bytes");
_Static_assert(APIKEYS_RECORD_BYTES_MAX < 2048, "a record is small");
_Static_assert(RPC_APIKEY_SPONSOR_PATH_MAX <= UINT16_MAX, "a path's length fits its u16");
_Static_assert(RPC_APIKEY_SCOPES_ALL <= UINT8_MAX, "scopes fit the record's byte");

/* A state blob's name, without its NUL. */
#define APIKEYS_STATE_NAME_MAX 31

/* Records recently read, by id (rpc_apikeys_get): a slot holds the record as of the
 * environment's last committed transaction `txnid`, and counts only while that is still
 * the last one, so any change to the store, by this process or another (`chroomd apikey
 * revoke`), makes every slot stale at once. A slot is picked by the id's first byte (ids
 * are random); only records that exist are kept. */
#define APIKEYS_CACHE_SLOTS 256

typedef struct apikeys_slot {
    uint64_t txnid; /* 0: empty */
    rpc_apikey rec;
} apikeys_slot;

struct rpc_apikeys {
    MDB_env *env;
    MDB_dbi dbi;
    MDB_dbi state; /* the node's state blobs by name (rpc_apikeys_state_put) */
    uint8_t hash_key[32];
    uint8_t token_key[32];
    pthread_mutex_t cache_mu;
    apikeys_slot cache[APIKEYS_CACHE_SLOTS];
};

/* Reads data_dir/apikey.secret, creating it first when missing. Two processes racing to
 * create it both end up reading the one that won (chr_keyfile_write never replaces). */
static chr_err apikeys_secret(uint8_t secret[32], const char *data_dir, char *errmsg, size_t cap)
{
    char path[APIKEYS_PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/apikey.secret", data_dir) >= sizeof(path)) {
        snprintf(errmsg, cap, "%s: path too long", data_dir);
        return CHR_ERR_IO;
    }
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        randombytes_buf(secret, 32);
        chr_err err = chr_keyfile_write(path, secret);
        sodium_memzero(secret, 32);
        if (err != CHR_OK && err != CHR_ERR_DUPLICATE) {
            snprintf(errmsg, cap, "%s: cannot create: %s", path, chr_err_str(err));
            return CHR_ERR_IO;
        }
    }
    return chr_keyfile_read(path, secret, errmsg, cap);
}

static int apikeys_env_open(rpc_apikeys *k, const char *dir)
{
    int rc = mdb_env_create(&k->env);
    rc = rc ? rc : mdb_env_set_maxdbs(k->env, 2);
    rc = rc ? rc : mdb_env_set_maxreaders(k->env, RPC_APIKEYS_READERS_MAX);
    rc = rc ? rc : mdb_env_set_mapsize(k->env, RPC_APIKEYS_MAP_BYTES);
    /* MDB_NOTLS: a read transaction belongs to its call, not to its thread. */
    rc = rc ? rc : mdb_env_open(k->env, dir, MDB_NOTLS, 0600);
    /* Frees the reader slots of processes that died holding one (a killed CLI). */
    int dead = 0;
    rc = rc ? rc : mdb_reader_check(k->env, &dead);
    MDB_txn *txn = NULL;
    rc = rc ? rc : mdb_txn_begin(k->env, NULL, 0, &txn);
    rc = rc ? rc : mdb_dbi_open(txn, "keys", MDB_CREATE, &k->dbi);
    rc = rc ? rc : mdb_dbi_open(txn, "state", MDB_CREATE, &k->state);
    if (txn != NULL) {
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
    }
    return rc;
}

chr_err rpc_apikeys_open(rpc_apikeys **out, const char *data_dir, char *errmsg, size_t cap)
{
    *out = NULL;
    char dir[APIKEYS_PATH_MAX];
    if ((size_t)snprintf(dir, sizeof(dir), "%s/apikeys", data_dir) >= sizeof(dir)) {
        snprintf(errmsg, cap, "%s: path too long", data_dir);
        return CHR_ERR_IO;
    }
    if ((mkdir(data_dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        snprintf(errmsg, cap, "cannot create %s: %s", dir, strerror(errno));
        return CHR_ERR_IO;
    }
    uint8_t secret[32];
    chr_err err = apikeys_secret(secret, data_dir, errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    rpc_apikeys *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        sodium_memzero(secret, sizeof(secret));
        return CHR_ERR_NOMEM;
    }
    pthread_mutex_init(&k->cache_mu, NULL);
    crypto_kdf_derive_from_key(k->hash_key, sizeof(k->hash_key), APIKEYS_KDF_HASH,
                               APIKEYS_KDF_CONTEXT, secret);
    crypto_kdf_derive_from_key(k->token_key, sizeof(k->token_key), APIKEYS_KDF_TOKEN,
                               APIKEYS_KDF_CONTEXT, secret);
    sodium_memzero(secret, sizeof(secret));
    int rc = apikeys_env_open(k, dir);
    if (rc != 0) {
        snprintf(errmsg, cap, "%s: %s", dir, mdb_strerror(rc));
        rpc_apikeys_close(k);
        return CHR_ERR_STORE;
    }
    *out = k;
    return CHR_OK;
}

void rpc_apikeys_close(rpc_apikeys *k)
{
    if (k == NULL) {
        return;
    }
    if (k->env != NULL) {
        mdb_env_close(k->env);
    }
    pthread_mutex_destroy(&k->cache_mu);
    sodium_memzero(k, sizeof(*k));
    free(k);
}

const uint8_t *rpc_apikeys_token_key(const rpc_apikeys *k)
{
    return k->token_key;
}

/* ---- Records. ---- */

static int apikeys_label_ok(const char *label)
{
    size_t n = strlen(label);
    for (size_t i = 0; i < n; i++) {
        if (label[i] < 0x20 || label[i] > 0x7e) {
            return 0;
        }
    }
    return n <= RPC_APIKEY_LABEL_MAX;
}

static size_t apikeys_encode(uint8_t out[APIKEYS_RECORD_BYTES_MAX], const rpc_apikey *a)
{
    chr_enc e;
    size_t len = 0;
    chr_enc_init(&e, out, APIKEYS_RECORD_BYTES_MAX);
    chr_enc_u8(&e, APIKEYS_RECORD_VERSION);
    chr_enc_raw(&e, a->hash, sizeof(a->hash));
    chr_enc_u8(&e, (uint8_t)a->tier);
    chr_enc_u8(&e, (uint8_t)a->scopes);
    chr_enc_u8(&e, a->revoked ? 1 : 0);
    chr_enc_u64(&e, a->created_unix_s);
    chr_enc_bytes8(&e, (const uint8_t *)a->label, strlen(a->label));
    chr_enc_u8(&e, a->has_sponsor ? 1 : 0);
    if (a->has_sponsor) {
        chr_enc_raw(&e, a->sponsor_pub, sizeof(a->sponsor_pub));
        chr_enc_u64(&e, a->spend_per_day);
        chr_enc_bytes16(&e, (const uint8_t *)a->sponsor_path, strlen(a->sponsor_path));
    }
    CHR_ASSERT(chr_enc_finish(&e, &len) == CHR_OK);
    return len;
}

/* The sponsor part of a version-2 record (a version-1 record has none). */
static chr_err apikeys_decode_sponsor(chr_dec *d, rpc_apikey *a, uint8_t version)
{
    uint8_t has = 0;
    const uint8_t *path;
    size_t path_len = 0;
    if (version != APIKEYS_RECORD_VERSION) {
        return CHR_OK;
    }
    chr_err err = chr_dec_u8(d, &has);
    if (err != CHR_OK || has == 0) {
        return err;
    }
    err = has == 1 ? chr_dec_raw(d, a->sponsor_pub, sizeof(a->sponsor_pub)) : CHR_ERR_STORE;
    err = err ? err : chr_dec_u64(d, &a->spend_per_day);
    err = err ? err : chr_dec_bytes16(d, &path, &path_len, RPC_APIKEY_SPONSOR_PATH_MAX);
    if (err == CHR_OK && (path_len == 0 || memchr(path, 0, path_len) != NULL)) {
        err = CHR_ERR_STORE;
    }
    if (err == CHR_OK) {
        memcpy(a->sponsor_path, path, path_len);
        a->sponsor_path[path_len] = '\0';
        a->has_sponsor = 1;
    }
    return err;
}

static chr_err apikeys_decode(rpc_apikey *a, const uint8_t *data, size_t len)
{
    chr_dec d;
    uint8_t version = 0, tier = 0, scopes = 0, revoked = 0;
    const uint8_t *label;
    size_t label_len = 0;
    chr_dec_init(&d, data, len);
    chr_err err = chr_dec_u8(&d, &version);
    err = err ? err : chr_dec_raw(&d, a->hash, sizeof(a->hash));
    err = err ? err : chr_dec_u8(&d, &tier);
    err = err ? err : chr_dec_u8(&d, &scopes);
    err = err ? err : chr_dec_u8(&d, &revoked);
    err = err ? err : chr_dec_u64(&d, &a->created_unix_s);
    err = err ? err : chr_dec_bytes8(&d, &label, &label_len, RPC_APIKEY_LABEL_MAX);
    err = err ? err : apikeys_decode_sponsor(&d, a, version);
    err = err ? err : chr_dec_finish(&d);
    if (err != CHR_OK || (version != APIKEYS_RECORD_V1 && version != APIKEYS_RECORD_VERSION) ||
        tier > 1 || scopes == 0 || (scopes & ~RPC_APIKEY_SCOPES_ALL) != 0 || revoked > 1) {
        CHR_LOG_E("apikeys: a stored record is damaged");
        return CHR_ERR_STORE;
    }
    a->tier = (rpc_tier)tier;
    a->scopes = scopes;
    a->revoked = revoked;
    memcpy(a->label, label, label_len);
    a->label[label_len] = '\0';
    return CHR_OK;
}

static void apikeys_hash(const rpc_apikeys *k, uint8_t out[32], const uint8_t id[8],
                         const uint8_t secret[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, k->hash_key, sizeof(k->hash_key), 32);
    crypto_generichash_update(&st, id, RPC_APIKEY_ID_BYTES);
    crypto_generichash_update(&st, secret, RPC_APIKEY_SECRET_BYTES);
    crypto_generichash_final(&st, out, 32);
    sodium_memzero(&st, sizeof(st));
}

/* Writes a new record, never replacing one (MDB_NOOVERWRITE): CHR_ERR_DUPLICATE. */
static chr_err apikeys_put(rpc_apikeys *k, const rpc_apikey *a, unsigned flags)
{
    uint8_t buf[APIKEYS_RECORD_BYTES_MAX];
    MDB_val key = {RPC_APIKEY_ID_BYTES, (void *)(uintptr_t)a->id};
    MDB_val val = {apikeys_encode(buf, a), buf};
    MDB_txn *txn;
    int rc = mdb_txn_begin(k->env, NULL, 0, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin");
    }
    rc = mdb_put(txn, k->dbi, &key, &val, flags);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc == MDB_KEYEXIST ? CHR_ERR_DUPLICATE : chr_lmdb_err(rc, "apikeys: put");
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: commit");
}

/* A sponsor binding's path: absolute, printable ASCII, within its limit; only on a key that
 * may use it (the meetings scope). */
static int apikeys_sponsor_ok(const rpc_apikey_sponsor *sp, unsigned scopes)
{
    if (sp == NULL) {
        return 1;
    }
    size_t n = strnlen(sp->path, RPC_APIKEY_SPONSOR_PATH_MAX + 1);
    if ((scopes & RPC_APIKEY_SCOPE_MEETINGS) == 0 || n == 0 || n > RPC_APIKEY_SPONSOR_PATH_MAX ||
        sp->path[0] != '/') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (sp->path[i] < 0x20 || sp->path[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

chr_err rpc_apikeys_create(rpc_apikeys *k, char key_text[RPC_APIKEY_TEXT_LEN + 1], rpc_apikey *out,
                           rpc_tier tier, unsigned scopes, const char *label,
                           const rpc_apikey_sponsor *sponsor, uint64_t now_unix_s)
{
    memset(out, 0, sizeof(*out));
    key_text[0] = '\0';
    if (scopes == 0 || (scopes & ~RPC_APIKEY_SCOPES_ALL) != 0 || !apikeys_label_ok(label) ||
        (tier != RPC_TIER_STANDARD && tier != RPC_TIER_PREMIUM) ||
        !apikeys_sponsor_ok(sponsor, scopes)) {
        return CHR_ERR_ARG;
    }
    rpc_apikey a;
    memset(&a, 0, sizeof(a));
    a.tier = tier;
    a.scopes = scopes;
    a.created_unix_s = now_unix_s;
    memcpy(a.label, label, strlen(label) + 1);
    if (sponsor != NULL) {
        a.has_sponsor = 1;
        memcpy(a.sponsor_pub, sponsor->pub, sizeof(a.sponsor_pub));
        memcpy(a.sponsor_path, sponsor->path, strlen(sponsor->path) + 1);
        a.spend_per_day = sponsor->spend_per_day;
    }
    uint8_t secret[RPC_APIKEY_SECRET_BYTES];
    chr_err err = CHR_ERR_DUPLICATE;
    for (int i = 0; i < APIKEYS_ID_TRIES && err == CHR_ERR_DUPLICATE; i++) {
        randombytes_buf(a.id, sizeof(a.id));
        randombytes_buf(secret, sizeof(secret));
        apikeys_hash(k, a.hash, a.id, secret);
        err = apikeys_put(k, &a, MDB_NOOVERWRITE);
    }
    if (err == CHR_OK) {
        rpc_apikey_format(key_text, a.id, secret);
        *out = a;
    }
    sodium_memzero(secret, sizeof(secret));
    return err == CHR_ERR_DUPLICATE ? CHR_ERR_STORE : err;
}

/* The id of the environment's last committed write transaction, read from its meta page
 * without a transaction; 0 when it cannot be told (then nothing is cached). */
static uint64_t apikeys_txnid(rpc_apikeys *k)
{
    MDB_envinfo info;
    return mdb_env_info(k->env, &info) == 0 ? (uint64_t)info.me_last_txnid : 0;
}

static int apikeys_cache_get(rpc_apikeys *k, rpc_apikey *out, const uint8_t id[RPC_APIKEY_ID_BYTES],
                             uint64_t txnid)
{
    apikeys_slot *slot = &k->cache[id[0] % APIKEYS_CACHE_SLOTS];
    pthread_mutex_lock(&k->cache_mu);
    int hit =
        txnid != 0 && slot->txnid == txnid && memcmp(slot->rec.id, id, RPC_APIKEY_ID_BYTES) == 0;
    if (hit) {
        *out = slot->rec;
    }
    pthread_mutex_unlock(&k->cache_mu);
    return hit;
}

/* Keeps rec under txnid, read before the transaction that found it: if the store changed
 * in between, the slot is stale from the start, never wrong. */
static void apikeys_cache_put(rpc_apikeys *k, const rpc_apikey *rec, uint64_t txnid)
{
    apikeys_slot *slot = &k->cache[rec->id[0] % APIKEYS_CACHE_SLOTS];
    pthread_mutex_lock(&k->cache_mu);
    slot->txnid = txnid;
    slot->rec = *rec;
    pthread_mutex_unlock(&k->cache_mu);
}

chr_err rpc_apikeys_get(rpc_apikeys *k, rpc_apikey *out, const uint8_t id[RPC_APIKEY_ID_BYTES])
{
    memset(out, 0, sizeof(*out));
    uint64_t txnid = apikeys_txnid(k);
    if (apikeys_cache_get(k, out, id, txnid)) {
        return CHR_OK;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(k->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin read");
    }
    MDB_val key = {RPC_APIKEY_ID_BYTES, (void *)(uintptr_t)id};
    MDB_val val;
    rc = mdb_get(txn, k->dbi, &key, &val);
    chr_err err =
        rc == 0 ? apikeys_decode(out, val.mv_data, val.mv_size) : chr_lmdb_err(rc, "apikeys: get");
    mdb_txn_abort(txn);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    memcpy(out->id, id, RPC_APIKEY_ID_BYTES);
    if (txnid != 0) {
        apikeys_cache_put(k, out, txnid);
    }
    return CHR_OK;
}

chr_err rpc_apikeys_check(rpc_apikeys *k, rpc_apikey *out, const uint8_t id[RPC_APIKEY_ID_BYTES],
                          const uint8_t secret[RPC_APIKEY_SECRET_BYTES])
{
    /* The hash is computed before the lookup, so that an unknown id costs what a known
     * one does. */
    uint8_t hash[32];
    apikeys_hash(k, hash, id, secret);
    chr_err err = rpc_apikeys_get(k, out, id);
    if (err == CHR_OK && sodium_memcmp(hash, out->hash, sizeof(hash)) != 0) {
        memset(out, 0, sizeof(*out));
        err = CHR_ERR_NOT_FOUND;
    }
    sodium_memzero(hash, sizeof(hash));
    return err;
}

chr_err rpc_apikeys_revoke(rpc_apikeys *k, const uint8_t id[RPC_APIKEY_ID_BYTES])
{
    /* Read and write in one write transaction, so that a concurrent revoke of another
     * process cannot be lost (there is nothing else to change, but the rule costs
     * nothing). */
    MDB_txn *txn;
    int rc = mdb_txn_begin(k->env, NULL, 0, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin");
    }
    MDB_val key = {RPC_APIKEY_ID_BYTES, (void *)(uintptr_t)id};
    MDB_val val;
    rpc_apikey a;
    memset(&a, 0, sizeof(a));
    rc = mdb_get(txn, k->dbi, &key, &val);
    chr_err err =
        rc == 0 ? apikeys_decode(&a, val.mv_data, val.mv_size) : chr_lmdb_err(rc, "apikeys: get");
    if (err == CHR_OK) {
        uint8_t buf[APIKEYS_RECORD_BYTES_MAX];
        a.revoked = 1;
        MDB_val nval = {apikeys_encode(buf, &a), buf};
        rc = mdb_put(txn, k->dbi, &key, &nval, 0);
        err = rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: put");
    }
    if (err != CHR_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: commit");
}

chr_err rpc_apikeys_list(rpc_apikeys *k, rpc_apikey **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_stat st;
    int rc = mdb_txn_begin(k->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin read");
    }
    rc = mdb_stat(txn, k->dbi, &st);
    rc = rc ? rc : mdb_cursor_open(txn, k->dbi, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return chr_lmdb_err(rc, "apikeys: cursor");
    }
    rpc_apikey *list = calloc(st.ms_entries > 0 ? st.ms_entries : 1, sizeof(*list));
    size_t n = 0;
    chr_err err = list == NULL ? CHR_ERR_NOMEM : CHR_OK;
    MDB_val key, val;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); err == CHR_OK && rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        CHR_ASSERT(n < st.ms_entries);
        err = key.mv_size == RPC_APIKEY_ID_BYTES
                  ? apikeys_decode(&list[n], val.mv_data, val.mv_size)
                  : CHR_ERR_STORE;
        if (err == CHR_OK) {
            memcpy(list[n++].id, key.mv_data, RPC_APIKEY_ID_BYTES);
        }
    }
    if (err == CHR_OK && rc != MDB_NOTFOUND) {
        err = chr_lmdb_err(rc, "apikeys: cursor get");
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (err != CHR_OK) {
        free(list);
        return err;
    }
    *out = list;
    *out_len = n;
    return CHR_OK;
}

/* ---- State blobs. ---- */

chr_err rpc_apikeys_state_put(rpc_apikeys *k, const char *name, const uint8_t *data, size_t len)
{
    size_t name_len = strnlen(name, APIKEYS_STATE_NAME_MAX + 1);
    if (name_len == 0 || name_len > APIKEYS_STATE_NAME_MAX || len > RPC_APIKEYS_STATE_BYTES_MAX) {
        return CHR_ERR_ARG;
    }
    MDB_val key = {name_len, (void *)(uintptr_t)name};
    MDB_val val = {len, (void *)(uintptr_t)data};
    MDB_txn *txn;
    int rc = mdb_txn_begin(k->env, NULL, 0, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin");
    }
    rc = mdb_put(txn, k->state, &key, &val, 0);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return chr_lmdb_err(rc, "apikeys: put state");
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: commit");
}

chr_err rpc_apikeys_state_get(rpc_apikeys *k, const char *name, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    size_t name_len = strnlen(name, APIKEYS_STATE_NAME_MAX + 1);
    if (name_len == 0 || name_len > APIKEYS_STATE_NAME_MAX) {
        return CHR_ERR_ARG;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(k->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin read");
    }
    MDB_val key = {name_len, (void *)(uintptr_t)name};
    MDB_val val;
    rc = mdb_get(txn, k->state, &key, &val);
    chr_err err = rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: get state");
    if (err == CHR_OK && val.mv_size > RPC_APIKEYS_STATE_BYTES_MAX) {
        CHR_LOG_E("apikeys: state %s: %zu bytes, over the limit", name, val.mv_size);
        err = CHR_ERR_STORE;
    }
    uint8_t *copy = err == CHR_OK ? malloc(val.mv_size > 0 ? val.mv_size : 1) : NULL;
    if (err == CHR_OK && copy == NULL) {
        err = CHR_ERR_NOMEM;
    }
    if (err == CHR_OK) {
        memcpy(copy, val.mv_data, val.mv_size);
        *out = copy;
        *out_len = val.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}

void rpc_apikey_spend_name(char out[RPC_APIKEY_SPEND_NAME_MAX],
                           const uint8_t id[RPC_APIKEY_ID_BYTES])
{
    char hex[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(hex, id);
    snprintf(out, RPC_APIKEY_SPEND_NAME_MAX, "spend/%s", hex);
}

_Static_assert(RPC_APIKEY_SPEND_NAME_MAX - 1 <= APIKEYS_STATE_NAME_MAX, "a spend name is a name");

/* The day's count from the blob of an allowance (u64 day || u64 spent), 0 on another day. A
 * blob of another size is damaged data, counted from 0 with a warning. */
static uint64_t apikeys_spent_on(const MDB_val *val, uint64_t day, const char *name)
{
    if (val->mv_size != 16) {
        CHR_LOG_W("apikeys: allowance %s is damaged: counting from 0", name);
        return 0;
    }
    return chr_get_u64be(val->mv_data) == day ? chr_get_u64be((const uint8_t *)val->mv_data + 8)
                                              : 0;
}

chr_err rpc_apikeys_spend(rpc_apikeys *k, const char *name, uint64_t day, uint64_t limit,
                          uint64_t cost, int give_back)
{
    size_t name_len = strnlen(name, APIKEYS_STATE_NAME_MAX + 1);
    if (name_len == 0 || name_len > APIKEYS_STATE_NAME_MAX) {
        return CHR_ERR_ARG;
    }
    MDB_val key = {name_len, (void *)(uintptr_t)name};
    MDB_val val;
    MDB_txn *txn;
    int rc = mdb_txn_begin(k->env, NULL, 0, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "apikeys: begin");
    }
    rc = mdb_get(txn, k->state, &key, &val);
    uint64_t spent = rc == 0 ? apikeys_spent_on(&val, day, name) : 0;
    chr_err err = rc == 0 || rc == MDB_NOTFOUND ? CHR_OK : chr_lmdb_err(rc, "apikeys: get");
    if (err == CHR_OK && give_back &&
        (rc != 0 || val.mv_size != 16 || chr_get_u64be(val.mv_data) != day)) {
        mdb_txn_abort(txn); /* nothing of day's was counted: a new day began since */
        return CHR_OK;
    }
    if (err == CHR_OK && give_back) {
        spent = spent >= cost ? spent - cost : 0;
    } else if (err == CHR_OK) {
        int over = (limit > 0 && (spent > limit || cost > limit - spent)) ||
                   chr_add_u64(&spent, spent, cost) != CHR_OK;
        err = over ? CHR_ERR_SPEND_LIMIT : CHR_OK;
    }
    uint8_t buf[16];
    chr_put_u64be(buf, day);
    chr_put_u64be(buf + 8, spent);
    MDB_val nval = {sizeof(buf), buf};
    if (err == CHR_OK) {
        rc = mdb_put(txn, k->state, &key, &nval, 0);
        err = rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: put state");
    }
    if (err != CHR_OK) {
        mdb_txn_abort(txn);
        return err;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? CHR_OK : chr_lmdb_err(rc, "apikeys: commit");
}

/* ---- Text forms. ---- */

static const char apikey_prefix[] = "chr_";
#define APIKEY_PREFIX_LEN 4
#define APIKEY_ID_HEX (2 * RPC_APIKEY_ID_BYTES)
#define APIKEY_SECRET_B64 43

_Static_assert(APIKEY_PREFIX_LEN + APIKEY_ID_HEX + 1 + APIKEY_SECRET_B64 == RPC_APIKEY_TEXT_LEN,
               "the key text's parts add up");

chr_err rpc_apikey_id_parse(uint8_t id[RPC_APIKEY_ID_BYTES], const char *text, size_t text_len)
{
    memset(id, 0, RPC_APIKEY_ID_BYTES);
    if (text_len != APIKEY_ID_HEX) {
        return CHR_ERR_ARG;
    }
    /* Lowercase only: one text per id. */
    for (size_t i = 0; i < text_len; i++) {
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'))) {
            return CHR_ERR_ARG;
        }
    }
    return chr_hex_decode_exact(id, RPC_APIKEY_ID_BYTES, text, text_len) == CHR_OK ? CHR_OK
                                                                                   : CHR_ERR_ARG;
}

void rpc_apikey_id_format(char out[2 * RPC_APIKEY_ID_BYTES + 1],
                          const uint8_t id[RPC_APIKEY_ID_BYTES])
{
    chr_hex_encode(out, 2 * RPC_APIKEY_ID_BYTES + 1, id, RPC_APIKEY_ID_BYTES);
}

/* libsodium 1.0.18 decodes some bytes with the high bit set as base64 digits, so the
 * alphabet is checked first: one text per key. */
static int apikey_b64url_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

chr_err rpc_apikey_parse(uint8_t id[RPC_APIKEY_ID_BYTES], uint8_t secret[RPC_APIKEY_SECRET_BYTES],
                         const char *text, size_t text_len)
{
    memset(id, 0, RPC_APIKEY_ID_BYTES);
    memset(secret, 0, RPC_APIKEY_SECRET_BYTES);
    if (text_len != RPC_APIKEY_TEXT_LEN || memcmp(text, apikey_prefix, APIKEY_PREFIX_LEN) != 0 ||
        text[APIKEY_PREFIX_LEN + APIKEY_ID_HEX] != '_' ||
        rpc_apikey_id_parse(id, text + APIKEY_PREFIX_LEN, APIKEY_ID_HEX) != CHR_OK) {
        memset(id, 0, RPC_APIKEY_ID_BYTES);
        return CHR_ERR_ARG;
    }
    const char *b64 = text + APIKEY_PREFIX_LEN + APIKEY_ID_HEX + 1;
    const char *end = NULL;
    size_t n = 0;
    /* libsodium refuses non-zero trailing bits, so the text is canonical. */
    int rc = !apikey_b64url_ok(b64, APIKEY_SECRET_B64)
                 ? -1
                 : sodium_base642bin(secret, RPC_APIKEY_SECRET_BYTES, b64, APIKEY_SECRET_B64, NULL,
                                     &n, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (rc != 0 || n != RPC_APIKEY_SECRET_BYTES || end != b64 + APIKEY_SECRET_B64) {
        memset(id, 0, RPC_APIKEY_ID_BYTES);
        sodium_memzero(secret, RPC_APIKEY_SECRET_BYTES);
        return CHR_ERR_ARG;
    }
    return CHR_OK;
}

void rpc_apikey_format(char out[RPC_APIKEY_TEXT_LEN + 1], const uint8_t id[RPC_APIKEY_ID_BYTES],
                       const uint8_t secret[RPC_APIKEY_SECRET_BYTES])
{
    memcpy(out, apikey_prefix, APIKEY_PREFIX_LEN);
    rpc_apikey_id_format(out + APIKEY_PREFIX_LEN, id);
    out[APIKEY_PREFIX_LEN + APIKEY_ID_HEX] = '_';
    sodium_bin2base64(out + APIKEY_PREFIX_LEN + APIKEY_ID_HEX + 1, APIKEY_SECRET_B64 + 1, secret,
                      RPC_APIKEY_SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    CHR_ASSERT(strlen(out) == RPC_APIKEY_TEXT_LEN);
}

static const char *const scope_names[] = {"read", "submit", "admin", "meetings"};
#define APIKEY_SCOPE_NAMES (sizeof(scope_names) / sizeof(scope_names[0]))

_Static_assert(RPC_APIKEY_SCOPES_ALL == (1u << APIKEY_SCOPE_NAMES) - 1, "a name for each bit");

chr_err rpc_scopes_parse(unsigned *out, const char *text, size_t text_len, char sep)
{
    unsigned scopes = 0;
    size_t i = 0;
    *out = 0;
    while (i <= text_len) {
        size_t n = 0;
        while (i + n < text_len && text[i + n] != sep) {
            n++;
        }
        unsigned bit = 0;
        for (unsigned s = 0; s < APIKEY_SCOPE_NAMES; s++) {
            if (n == strlen(scope_names[s]) && memcmp(text + i, scope_names[s], n) == 0) {
                bit = 1u << s;
            }
        }
        if (bit == 0 || (scopes & bit) != 0) {
            return CHR_ERR_ARG;
        }
        scopes |= bit;
        i += n + 1;
    }
    *out = scopes;
    return CHR_OK;
}

void rpc_scopes_format(char out[RPC_APIKEY_SCOPES_TEXT_MAX], unsigned scopes, char sep)
{
    size_t len = 0;
    for (unsigned s = 0; s < APIKEY_SCOPE_NAMES; s++) {
        if ((scopes & (1u << s)) == 0) {
            continue;
        }
        size_t n = strlen(scope_names[s]);
        CHR_ASSERT(len + 1 + n < RPC_APIKEY_SCOPES_TEXT_MAX);
        if (len > 0) {
            out[len++] = sep;
        }
        memcpy(out + len, scope_names[s], n);
        len += n;
    }
    out[len] = '\0';
}

const char *rpc_tier_name(rpc_tier tier)
{
    return tier == RPC_TIER_PREMIUM ? "premium" : "standard";
}
