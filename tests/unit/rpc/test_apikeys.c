#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    CHECK_OK(
        rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, RPC_APIKEY_SCOPES_ALL, "lab el", 42));
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, 0, "", 42) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, 8, "", 42) == CHR_ERR_ARG);
    CHECK(rpc_apikeys_create(k, text, &rec, RPC_TIER_PREMIUM, 1, "tab\t", 42) == CHR_ERR_ARG);
    CHECK_OK(rpc_apikeys_create(k, text, &rec, RPC_TIER_STANDARD, RPC_APIKEY_SCOPE_READ, "x", 43));
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
