#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "common/enc.h"
#include "rpc/apikeys.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

static void rm_tree(const char *dir)
{
    char path[256];
    static const char *const files[] = {"apikeys/data.mdb", "apikeys/lock.mdb", "apikey.secret"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/apikeys", dir);
    rmdir(path);
    rmdir(dir);
}

static void check_key(rpc_apikeys *k, const char *text, chr_err want)
{
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint8_t secret[RPC_APIKEY_SECRET_BYTES];
    rpc_apikey rec;
    CHECK_OK(rpc_apikey_parse(id, secret, text, strlen(text)));
    CHECK(rpc_apikeys_check(k, &rec, id, secret) == want);
}

/* Proves the key store end to end: the node secret is created 0600, a created key checks
 * with its secret and not with another, survives closing and reopening (same derived
 * keys), lists without secrets, and revoking marks it; an unknown id is not found. */
void test_apikeys_store(void)
{
    char dir[] = "/tmp/chroom-apikeys-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    rpc_apikeys *k;
    char err[256];
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/apikey.secret", dir);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    char text[RPC_APIKEY_TEXT_LEN + 1];
    rpc_apikey rec;
    CHECK_OK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, RPC_APIKEY_SCOPES_ALL, "lab el",
                                NULL, 42));
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, 0, "", NULL, 42) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, 16, "", NULL, 42) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, 1, "tab\t", NULL, 42) == CHR_ERR_ARG);
    CHECK_OK(
        rpc_apikeys_create(k, text, &rec, RPC_TIER_STANDARD, RPC_APIKEY_SCOPE_READ, "x", NULL, 43));
    check_key(k, text, CHR_OK);
    char wrong[RPC_APIKEY_TEXT_LEN + 1];
    memcpy(wrong, text, sizeof(wrong));
    wrong[21] = wrong[21] == 'A' ? 'B' : 'A';
    check_key(k, wrong, CHR_ERR_NOT_FOUND);
    rpc_apikeys_close(k);
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    check_key(k, text, CHR_OK);
    rpc_apikey *list;
    size_t n;
    CHECK_OK(rpc_apikeys_list(k, &list, &n));
    CHECK(n == 2);
    size_t mine = memcmp(list[0].id, rec.id, RPC_APIKEY_ID_BYTES) == 0 ? 0 : 1;
    CHECK(list[mine].tier == RPC_TIER_STANDARD && list[mine].scopes == RPC_APIKEY_SCOPE_READ);
    CHECK(strcmp(list[mine].label, "x") == 0 && list[mine].created_unix_s == 43 &&
          !list[mine].revoked);
    CHECK(strcmp(list[1 - mine].label, "lab el") == 0);
    free(list);
    CHECK_OK(rpc_apikeys_revoke(k, rec.id));
    rpc_apikey got;
    CHECK_OK(rpc_apikeys_get(k, &got, rec.id));
    CHECK(got.revoked && sodium_memcmp(got.hash, rec.hash, 32) == 0);
    static const uint8_t unknown[RPC_APIKEY_ID_BYTES] = {0};
    CHECK(rpc_apikeys_revoke(k, unknown) == CHR_ERR_NOT_FOUND);
    CHECK(rpc_apikeys_get(k, &got, unknown) == CHR_ERR_NOT_FOUND);
    rpc_apikeys_close(k);
    rm_tree(dir);
}

/* Proves the state blobs beside the keys: absent until written, read back as written,
 * replaced whole, kept across reopening, limited in name and size, and invisible to the
 * key list. */
void test_apikeys_state_blobs(void)
{
    char dir[] = "/tmp/chroom-apikeys-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    rpc_apikeys *k;
    char err[256];
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    uint8_t *got;
    size_t len;
    CHECK(rpc_apikeys_state_get(k, "rate_keys", &got, &len) == CHR_ERR_NOT_FOUND);
    CHECK(got == NULL && len == 0);
    static const uint8_t one[] = {1, 2, 3};
    static const uint8_t two[] = {9};
    CHECK_OK(rpc_apikeys_state_put(k, "rate_keys", one, sizeof(one)));
    CHECK_OK(rpc_apikeys_state_get(k, "rate_keys", &got, &len));
    CHECK(len == sizeof(one) && memcmp(got, one, len) == 0);
    free(got);
    CHECK_OK(rpc_apikeys_state_put(k, "rate_keys", two, sizeof(two)));
    CHECK_OK(rpc_apikeys_state_put(k, "other", one, 0));
    rpc_apikeys_close(k);
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    CHECK_OK(rpc_apikeys_state_get(k, "rate_keys", &got, &len));
    CHECK(len == 1 && got[0] == 9);
    free(got);
    CHECK_OK(rpc_apikeys_state_get(k, "other", &got, &len));
    CHECK(len == 0 && got != NULL);
    free(got);
    CHECK(rpc_apikeys_state_put(k, "", one, 1) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_state_put(k, "a-name-of-thirty-two-characters!", one, 1) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_state_get(k, "a-name-of-thirty-two-characters!", &got, &len) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_state_put(k, "big", one, RPC_APIKEYS_STATE_BYTES_MAX + 1) == CHR_ERR_ARG);
    rpc_apikey *list;
    size_t n;
    CHECK_OK(rpc_apikeys_list(k, &list, &n));
    free(list);
    CHECK(n == 0);
    rpc_apikeys_close(k);
    rm_tree(dir);
}

/* Writes a record of the store's first version (before sponsors) under id, as a node of
 * that version left it: version 1, hash, tier, scopes, revoked, created, label. */
static void put_v1_record(const char *dir, const uint8_t id[RPC_APIKEY_ID_BYTES])
{
    char path[256];
    snprintf(path, sizeof(path), "%s/apikeys", dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    CHECK(mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 2) == 0);
    CHECK(mdb_env_set_mapsize(env, RPC_APIKEYS_MAP_BYTES) == 0);
    CHECK(mdb_env_open(env, path, MDB_NOTLS, 0600) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0 && mdb_dbi_open(txn, "keys", 0, &dbi) == 0);
    uint8_t rec[1 + 32 + 3 + 8 + 1 + 3] = {1};
    memset(rec + 1, 0xab, 32);
    rec[33] = 1; /* premium */
    rec[34] = RPC_APIKEY_SCOPE_READ | RPC_APIKEY_SCOPE_ADMIN;
    chr_put_u64be(rec + 36, 77);
    rec[44] = 3;
    memcpy(rec + 45, "old", 3);
    MDB_val k = {RPC_APIKEY_ID_BYTES, (void *)(uintptr_t)id}, v = {sizeof(rec), rec};
    CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0 && mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

/* Proves sponsor bindings: a key with the meetings scope keeps its sponsor's public key,
 * absolute path and limit across reopening; a binding on a key without the meetings scope,
 * or with a relative, empty or unprintable path, is refused; a record of the first version
 * (written before sponsors) still reads, with no sponsor. */
void test_apikeys_sponsor_binding(void)
{
    char dir[] = "/tmp/chroom-apikeys-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    rpc_apikeys *k;
    char err[256], text[RPC_APIKEY_TEXT_LEN + 1];
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    rpc_apikey_sponsor sp = {.path = "/etc/chroom/sponsor-a.key", .spend_per_day = 5000};
    memset(sp.pub, 0x5a, sizeof(sp.pub));
    rpc_apikey rec, got;
    unsigned meet = RPC_APIKEY_SCOPE_READ | RPC_APIKEY_SCOPE_MEETINGS;
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_STANDARD, RPC_APIKEY_SCOPE_SUBMIT, "", &sp,
                             1) == CHR_ERR_ARG);
    static const char *const bad[] = {"sponsor.key", "", "/tab\there"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rpc_apikey_sponsor b = sp;
        b.path = bad[i];
        CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_STANDARD, meet, "", &b, 1) == CHR_ERR_ARG);
    }
    CHECK_OK(rpc_apikeys_create(k, text, &rec, RPC_TIER_STANDARD, meet, "app", &sp, 1));
    CHECK(rec.has_sponsor && rec.spend_per_day == 5000);
    rpc_apikeys_close(k);
    static const uint8_t old_id[RPC_APIKEY_ID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
    put_v1_record(dir, old_id);
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    CHECK_OK(rpc_apikeys_get(k, &got, rec.id));
    CHECK(got.has_sponsor && memcmp(got.sponsor_pub, sp.pub, 32) == 0);
    CHECK(strcmp(got.sponsor_path, sp.path) == 0 && got.spend_per_day == 5000);
    CHECK(got.scopes == meet && strcmp(got.label, "app") == 0);
    CHECK_OK(rpc_apikeys_get(k, &got, old_id));
    CHECK(!got.has_sponsor && got.tier == RPC_TIER_PREMIUM && got.created_unix_s == 77);
    CHECK(got.scopes == (RPC_APIKEY_SCOPE_READ | RPC_APIKEY_SCOPE_ADMIN));
    CHECK(strcmp(got.label, "old") == 0);
    CHECK_OK(rpc_apikeys_revoke(k, old_id)); /* rewritten as version 2, still no sponsor */
    CHECK_OK(rpc_apikeys_get(k, &got, old_id));
    CHECK(got.revoked && !got.has_sponsor && strcmp(got.label, "old") == 0);
    rpc_apikeys_close(k);
    rm_tree(dir);
}

/* Proves the daily allowances: spends add up to the limit exactly and one unit more is
 * refused with nothing taken; giving back frees it; the count holds across reopening; a new
 * day starts from 0; giving back a past day's spend leaves today's alone; allowances of two
 * names are apart; limit 0 counts without refusing; a bad name is refused. */
void test_apikeys_spend_allowance(void)
{
    char dir[] = "/tmp/chroom-apikeys-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    rpc_apikeys *k;
    char err[256];
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    char a[RPC_APIKEY_SPEND_NAME_MAX], b[RPC_APIKEY_SPEND_NAME_MAX];
    static const uint8_t ida[RPC_APIKEY_ID_BYTES] = {0xaa}, idb[RPC_APIKEY_ID_BYTES] = {0xbb};
    rpc_apikey_spend_name(a, ida);
    rpc_apikey_spend_name(b, idb);
    CHECK(strcmp(a, "spend/aa00000000000000") == 0);
    CHECK_OK(rpc_apikeys_spend(k, a, 100, 1000, 600, 0));
    CHECK_OK(rpc_apikeys_spend(k, a, 100, 1000, 400, 0));
    CHECK(rpc_apikeys_spend(k, a, 100, 1000, 1, 0) == CHR_ERR_SPEND_LIMIT);
    CHECK_OK(rpc_apikeys_spend(k, b, 100, 1000, 1000, 0)); /* another key's own allowance */
    CHECK_OK(rpc_apikeys_spend(k, a, 100, 1000, 400, 1));
    CHECK_OK(rpc_apikeys_spend(k, a, 100, 1000, 300, 0));
    rpc_apikeys_close(k);
    CHECK_OK(rpc_apikeys_open(&k, dir, err, sizeof(err)));
    CHECK(rpc_apikeys_spend(k, a, 100, 1000, 101, 0) == CHR_ERR_SPEND_LIMIT);
    CHECK_OK(rpc_apikeys_spend(k, a, 100, 1000, 100, 0));
    CHECK_OK(rpc_apikeys_spend(k, a, 101, 1000, 900, 0)); /* a new day */
    CHECK_OK(rpc_apikeys_spend(k, a, 100, 1000, 900, 1)); /* yesterday's: left alone */
    CHECK(rpc_apikeys_spend(k, a, 101, 1000, 101, 0) == CHR_ERR_SPEND_LIMIT);
    CHECK(rpc_apikeys_spend(k, a, 101, 0, UINT64_MAX - 900, 0) == CHR_OK); /* no limit */
    CHECK(rpc_apikeys_spend(k, a, 101, 0, 1, 0) == CHR_ERR_SPEND_LIMIT);   /* but 2^64 */
    CHECK(rpc_apikeys_spend(k, "", 101, 0, 1, 0) == CHR_ERR_ARG);
    rpc_apikeys_close(k);
    rm_tree(dir);
}
