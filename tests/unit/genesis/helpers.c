#include "tests/unit/genesis/helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"
#include "genesis/genesis.h"
#include "tests/unit/test.h"

static const char *const tg_keys[3] = {
    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5",
    "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9",
};

void tg_key(uint8_t out[32], int i)
{
    chr_test_hex(out, 32, tg_keys[i]);
}

const char *tg_key_hex(int i)
{
    return tg_keys[i];
}

void tg_addr(char out[63], int i)
{
    uint8_t key[32];
    tg_key(key, i);
    chr_address_encode(out, key);
}

void tg_json_staked(char *out, const char *chain, const char *time, const char *params,
                    const char *accounts, const char *validators, const char *stakes)
{
    int n = snprintf(out, TG_JSON_MAX,
                     "{\"chain_id\": %s, \"genesis_time\": %s, \"params\": %s, \"accounts\": %s, "
                     "\"validators\": %s%s%s}",
                     chain, time, params, accounts, validators,
                     stakes != NULL ? ", \"stakes\": " : "", stakes != NULL ? stakes : "");
    if (n < 0 || n >= TG_JSON_MAX) {
        abort();
    }
}

void tg_json(char *out, const char *chain, const char *time, const char *params,
             const char *accounts, const char *validators)
{
    tg_json_staked(out, chain, time, params, accounts, validators, NULL);
}

void tg_stakes1(char *out, size_t cap, int op, int key, const char *bond)
{
    char addr[63];
    tg_addr(addr, op);
    snprintf(out, cap,
             "[{\"operator\": \"%s\", \"pub_key\": \"%s\", \"self_bond\": %s, "
             "\"min_self_bond\": \"1000000\", \"commission_ppm\": 100000, "
             "\"commission_max_ppm\": 200000, \"commission_change_max_ppm\": 10000, "
             "\"moniker\": \"v\"}]",
             addr, tg_keys[key], bond);
}

void tg_accounts1(char *out, size_t cap, int i, const char *balance)
{
    char addr[63];
    tg_addr(addr, i);
    snprintf(out, cap, "[{\"address\": \"%s\", \"balance\": %s}]", addr, balance);
}

void tg_validators1(char *out, size_t cap, int i, const char *power)
{
    snprintf(out, cap, "[{\"pub_key\": \"%s\", \"power\": %s}]", tg_keys[i], power);
}

void tg_json_valid(char *out)
{
    char acc[256];
    char val[256];
    char stk[512];
    tg_accounts1(acc, sizeof(acc), 1, "\"20000000\"");
    tg_validators1(val, sizeof(val), 0, "\"10\"");
    tg_stakes1(stk, sizeof(stk), 1, 0, "\"10000000\"");
    tg_json_staked(out, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val, stk);
}

chr_err tg_parse(const char *json, char *errmsg)
{
    genesis g;
    char local[256];
    chr_err err = genesis_from_json(&g, json, strlen(json), errmsg != NULL ? errmsg : local, 256);
    genesis_free(&g);
    return err;
}

const char *tg_tmpdir(void)
{
    static char dir[64];
    strcpy(dir, "/tmp/chroom-test-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    return dir;
}

const char *tg_write(const char *dir, const char *name, const char *text, size_t len)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        abort();
    }
    return path;
}
