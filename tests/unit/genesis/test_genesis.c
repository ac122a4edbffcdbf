#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/bech32.h"
#include "common/enc.h"
#include "genesis/genesis.h"
#include "ledger/staking.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"
#include "tests/unit/genesis/helpers.h"
#include "tests/unit/genesis/suite.h"
#include "tests/unit/test.h"

/* Proves JSON -> genesis -> JSON keeps every field, sorts accounts and writes the same text. */
void test_genesis_json_round_trip(void)
{
    char a0[63];
    char a2[63];
    tg_addr(a0, 0);
    tg_addr(a2, 2);
    char acc[512];
    char val[512];
    /* Key 2's address sorts after key 0's, so the file order here is the reverse. */
    snprintf(acc, sizeof(acc),
             "[{\"address\": \"%s\", \"balance\": \"18446744073709551614\"},"
             " {\"address\": \"%s\", \"balance\": \"1\"}]",
             a2, a0);
    snprintf(val, sizeof(val), "[{\"pub_key\": \"%s\", \"power\": \"7\"}]", tg_key_hex(1));
    /* A stake of key 2's account with every field, and a moniker JSON must escape. */
    char stk[1024];
    snprintf(stk, sizeof(stk),
             "[{\"operator\": \"%s\", \"pub_key\": \"%s\", \"self_bond\": \"7500000\", "
             "\"min_self_bond\": \"2000000\", \"commission_ppm\": 5, \"commission_max_ppm\": 9, "
             "\"commission_change_max_ppm\": 1, \"moniker\": \"a\\\"b\\\\c\\u0001\\u00e9\", "
             "\"website\": \"https://x\", \"details\": \"d\"}]",
             a2, tg_key_hex(1));
    char json[TG_JSON_MAX];
    tg_json_staked(json, TG_CHAIN, "\"2026-11-27T22:00:00Z\"", TG_PARAMS, acc, val, stk);
    genesis g;
    char err[256];
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    uint8_t k0[32];
    tg_key(k0, 0);
    CHECK(strcmp(g.chain_id, "chroom-test") == 0);
    CHECK(g.genesis_time_ms == 1795816800000ULL);
    CHECK(g.params.fee_transfer == 1000 && g.params.block_txs_max == 5000);
    CHECK(g.accounts_len == 2 && memcmp(g.accounts[0].address, k0, 32) == 0);
    CHECK(g.accounts[0].balance == 1 && g.accounts[1].balance == 18446744073709551614ULL);
    CHECK(g.validators.len == 1 && g.validators.total_power == 7);
    CHECK(g.stakes_len == 1 && g.stakes[0].c.amount == 7500000 &&
          g.stakes[0].c.min_self_bond == 2000000 && g.stakes[0].c.commission_ppm == 5 &&
          g.stakes[0].c.commission_max_ppm == 9 && g.stakes[0].c.commission_change_max_ppm == 1);
    CHECK(g.stakes[0].c.moniker_len == 8 &&
          memcmp(g.stakes[0].c.moniker, "a\"b\\c\x01\xc3\xa9", 8) == 0);
    CHECK(g.stakes[0].c.website_len == 9 && g.stakes[0].c.details_len == 1);
    char *out1 = NULL;
    char *out2 = NULL;
    genesis h;
    genesis_init(&h);
    uint8_t hash1[32];
    uint8_t hash2[32];
    int ok = genesis_to_json(&g, &out1) == CHR_OK &&
             genesis_from_json(&h, out1, strlen(out1), err, sizeof(err)) == CHR_OK &&
             genesis_to_json(&h, &out2) == CHR_OK && genesis_hash(&g, hash1) == CHR_OK &&
             genesis_hash(&h, hash2) == CHR_OK;
    int same_text = ok && strcmp(out1, out2) == 0;
    int has_ms = ok && strstr(out1, "\"2026-11-27T22:00:00.000Z\"") != NULL;
    free(out1);
    free(out2);
    genesis_free(&g);
    genesis_free(&h);
    CHECK(ok);
    CHECK(same_text);
    CHECK(has_ms);
    CHECK(memcmp(hash1, hash2, 32) == 0);
}

static int tg_hash_of(const char *json, uint8_t out[32])
{
    genesis g;
    char err[256];
    int ok = genesis_from_json(&g, json, strlen(json), err, sizeof(err)) == CHR_OK &&
             genesis_hash(&g, out) == CHR_OK;
    genesis_free(&g);
    return ok;
}

/* Proves the hash ignores key order, whitespace, hex case and account order, not values. */
void test_genesis_hash_stable(void)
{
    char a1[63];
    char a2[63];
    tg_addr(a1, 1);
    tg_addr(a2, 2);
    char one[TG_JSON_MAX];
    char two[TG_JSON_MAX];
    char three[TG_JSON_MAX];
    snprintf(one, sizeof(one),
             "{\"chain_id\":\"c\",\"genesis_time\":\"2030-01-01T00:00:00Z\",\"params\":"
             "{\"fee_transfer\":\"5\",\"block_txs_max\":10,\"block_bytes_max\":32768},"
             "\"accounts\":[{\"address\":\"%s\",\"balance\":\"5000000\"},{\"address\":\"%s\","
             "\"balance\":\"2\"}],\"validators\":[{\"pub_key\":\"%s\",\"power\":\"1\"}],"
             "\"stakes\":[{\"operator\":\"%s\",\"pub_key\":\"%s\",\"self_bond\":\"1000000\","
             "\"min_self_bond\":\"1000000\",\"commission_ppm\":0,\"commission_max_ppm\":0,"
             "\"commission_change_max_ppm\":0,\"moniker\":\"m\"}]}",
             a1, a2, tg_key_hex(0), a1, tg_key_hex(0));
    snprintf(two, sizeof(two),
             "\n{ \"stakes\": [{\"moniker\": \"m\", \"commission_change_max_ppm\": 0,"
             " \"commission_max_ppm\": 0, \"commission_ppm\": 0, \"min_self_bond\": \"1000000\","
             " \"self_bond\": \"1000000\", \"pub_key\": \"%s\", \"operator\": \"%s\"}],\n"
             "  \"validators\" : [ { \"power\" : \"1\", \"pub_key\" : \"%s\" } ],\n"
             "  \"accounts\": [ {\"balance\": \"2\", \"address\": \"%s\"},\n"
             "    {\"balance\": \"5000000\", \"address\": \"%s\"} ],\n"
             "  \"params\": {\"block_bytes_max\": 32768, \"block_txs_max\": 10, "
             "\"fee_transfer\": \"5\"},\n"
             "\t\"genesis_time\": \"2030-01-01T00:00:00.000Z\", \"chain_id\": \"c\" }\n",
             "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", a1,
             "79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", a2, a1);
    snprintf(three, sizeof(three), "%s", one);
    char *p = strstr(three, "\"balance\":\"2\"");
    CHECK(p != NULL);
    p[11] = '3';
    uint8_t h1[32];
    uint8_t h2[32];
    uint8_t h3[32];
    CHECK(tg_hash_of(one, h1));
    CHECK(tg_hash_of(two, h2));
    CHECK(tg_hash_of(three, h3));
    CHECK(memcmp(h1, h2, 32) == 0);
    CHECK(memcmp(h1, h3, 32) != 0);
}

/* Proves the hash is SHA-256 of exactly the layout documented in genesis.h. */
void test_genesis_hash_layout(void)
{
    char json[TG_JSON_MAX];
    tg_json_valid(json);
    genesis g;
    char err[256];
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    uint8_t buf[512];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    chr_enc_u8(&enc, 3);
    chr_enc_bytes8(&enc, (const uint8_t *)"chroom-test", 11);
    chr_enc_u64(&enc, 1795816800000ULL);
    chr_enc_u64(&enc, 1000);
    chr_enc_u32(&enc, 5000);
    chr_enc_u32(&enc, 2097152);
    /* The staking, reward and slashing params the file leaves out: their defaults. */
    chr_enc_u64(&enc, 21ULL * 86400000);
    chr_enc_u32(&enc, 100);
    chr_enc_u32(&enc, 7);
    chr_enc_u64(&enc, 1000000);
    chr_enc_u64(&enc, 1000000);
    chr_enc_u32(&enc, 0);
    chr_enc_u32(&enc, 10000);
    chr_enc_u32(&enc, 20000);
    chr_enc_u32(&enc, 50000);
    chr_enc_u32(&enc, 100);
    chr_enc_u32(&enc, 10000);
    chr_enc_u32(&enc, 500000);
    chr_enc_u64(&enc, 600000);
    chr_enc_u32(&enc, 1);
    uint8_t k[32];
    tg_key(k, 1);
    chr_enc_raw(&enc, k, 32);
    chr_enc_u64(&enc, 20000000);
    chr_enc_u16(&enc, 1);
    tg_key(k, 0);
    chr_enc_raw(&enc, k, 32);
    chr_enc_u64(&enc, 10);
    /* The stakes: operator, then the create-validator body. */
    chr_enc_u32(&enc, 1);
    tg_key(k, 1);
    chr_enc_raw(&enc, k, 32);
    tg_key(k, 0);
    chr_enc_raw(&enc, k, 32);
    chr_enc_u32(&enc, 100000);
    chr_enc_u32(&enc, 200000);
    chr_enc_u32(&enc, 10000);
    chr_enc_u64(&enc, 1000000);
    chr_enc_u64(&enc, 10000000);
    chr_enc_bytes8(&enc, (const uint8_t *)"v", 1);
    chr_enc_bytes8(&enc, NULL, 0);
    chr_enc_bytes8(&enc, NULL, 0);
    size_t len;
    uint8_t want[32];
    uint8_t got[32];
    chr_err e1 = chr_enc_finish(&enc, &len);
    chr_sha256_hash(want, buf, len);
    chr_err e2 = genesis_hash(&g, got);
    genesis_free(&g);
    CHECK_OK(e1);
    CHECK_OK(e2);
    CHECK(memcmp(want, got, 32) == 0);
}

/* Proves a key twice in one object is rejected at every level (JSON_REJECT_DUPLICATES). */
void test_genesis_rejects_duplicate_key(void)
{
    char json[TG_JSON_MAX];
    char val[256];
    tg_validators1(val, sizeof(val), 0, "\"1\"");
    snprintf(json, sizeof(json),
             "{\"chain_id\": \"a\", \"chain_id\": \"b\", \"genesis_time\": " TG_TIME
             ", \"params\": " TG_PARAMS ", \"accounts\": [], \"validators\": %s}",
             val);
    char err[256];
    CHECK(tg_parse(json, err) == CHR_ERR_JSON);
    CHECK(strstr(err, "duplicate") != NULL);
    tg_json(json, TG_CHAIN, TG_TIME,
            "{\"fee_transfer\": \"1\", \"fee_transfer\": \"2\", \"block_txs_max\": 5000, "
            "\"block_bytes_max\": 2097152}",
            "[]", val);
    CHECK(tg_parse(json, err) == CHR_ERR_JSON);
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "[]",
            "[{\"pub_key\": \"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\","
            " \"power\": \"1\", \"power\": \"2\"}]");
    CHECK(tg_parse(json, err) == CHR_ERR_JSON);
}

/* Proves unknown keys and missing keys are rejected at every level, naming the key. */
void test_genesis_rejects_unknown_and_missing_keys(void)
{
    char json[TG_JSON_MAX];
    char val[256];
    char acc[256];
    char err[256];
    tg_validators1(val, sizeof(val), 0, "\"1\"");
    tg_accounts1(acc, sizeof(acc), 1, "\"1\", \"memo\": \"x\"");
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "accounts[0]: unknown key \"memo\"") != NULL);
    tg_json(json, TG_CHAIN, TG_TIME,
            "{\"fee_transfer\": \"1\", \"block_txs_max\": 5000, \"block_bytes_max\": 2097152, "
            "\"fee_stake\": \"1\"}",
            "[]", val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "params: unknown key \"fee_stake\"") != NULL);
    tg_validators1(val, sizeof(val), 0, "\"1\", \"name\": \"x\"");
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "[]", val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    snprintf(json, sizeof(json),
             "{\"chain_id\": \"a\", \"genesis_time\": " TG_TIME ", \"params\": " TG_PARAMS
             ", \"accounts\": [], \"validators\": [], \"extra\": 1}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "unknown key \"extra\"") != NULL);
    snprintf(json, sizeof(json),
             "{\"chain_id\": \"a\", \"genesis_time\": " TG_TIME ", \"params\": " TG_PARAMS
             ", \"accounts\": []}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "missing key \"validators\"") != NULL);
    tg_json(json, TG_CHAIN, TG_TIME, "{\"fee_transfer\": \"1\", \"block_txs_max\": 5000}", "[]",
            "[]");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
}

/* Proves values of the wrong JSON type, out-of-range params and bad top levels are rejected. */
void test_genesis_rejects_wrong_types(void)
{
    char json[TG_JSON_MAX];
    char acc[256];
    tg_json(json, "7", TG_TIME, TG_PARAMS, "[]", "[]");
    CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    tg_json(json, TG_CHAIN, "1795816800000", TG_PARAMS, "[]", "[]");
    CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    tg_accounts1(acc, sizeof(acc), 1, "500");
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, "[]");
    CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    static const char *const bad_params[] = {
        "{\"fee_transfer\": 1000, \"block_txs_max\": 5000, \"block_bytes_max\": 2097152}",
        "{\"fee_transfer\": \"1\", \"block_txs_max\": \"5000\", \"block_bytes_max\": 2097152}",
        "{\"fee_transfer\": \"1\", \"block_txs_max\": 5000.0, \"block_bytes_max\": 2097152}",
        "{\"fee_transfer\": \"1\", \"block_txs_max\": -1, \"block_bytes_max\": 2097152}",
        "{\"fee_transfer\": \"1\", \"block_txs_max\": 4294967296, \"block_bytes_max\": 2097152}",
        "{\"fee_transfer\": \"1\", \"block_txs_max\": 0, \"block_bytes_max\": 2097152}",
        "{\"fee_transfer\": \"1\", \"block_txs_max\": 5000, \"block_bytes_max\": 100}",
        "[]",
        "null",
    };
    for (size_t i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++) {
        tg_json(json, TG_CHAIN, TG_TIME, bad_params[i], "[]", "[]");
        CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    }
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "{}", "[]");
    CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "[]", "[1]");
    CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    CHECK(tg_parse("[]", NULL) == CHR_ERR_GENESIS);
    CHECK(tg_parse("\"x\"", NULL) == CHR_ERR_JSON);
    CHECK(tg_parse("", NULL) == CHR_ERR_JSON);
    CHECK(tg_parse("{", NULL) == CHR_ERR_JSON);
}

/* Proves amounts must be canonical decimal strings of a u64 ("01", "-1", " 1", 2^64 fail). */
void test_genesis_rejects_bad_amounts(void)
{
    static const char *const bad[] = {
        "\"01\"",
        "\"-1\"",
        "\"18446744073709551616\"",
        "\" 1\"",
        "\"1 \"",
        "\"\"",
        "\"+1\"",
        "\"0x10\"",
        "\"1e3\"",
        "\"1.0\"",
        "\"00\"",
        "\"99999999999999999999\"",
        "\"184467440737095516150\"",
        "\"1\\u0000\"",
    };
    char json[TG_JSON_MAX];
    char acc[256];
    char val[256];
    tg_validators1(val, sizeof(val), 0, "\"1\"");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tg_accounts1(acc, sizeof(acc), 1, bad[i]);
        tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
        CHECK(tg_parse(json, NULL) != CHR_OK);
        tg_validators1(acc, sizeof(acc), 1, bad[i]);
        tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "[]", acc);
        CHECK(tg_parse(json, NULL) != CHR_OK);
    }
    tg_accounts1(acc, sizeof(acc), 1, "\"18446744073709551615\"");
    char stk[512];
    tg_stakes1(stk, sizeof(stk), 1, 0, "\"1000000\"");
    tg_json_staked(json, TG_CHAIN, TG_TIME,
                   "{\"fee_transfer\": \"0\", \"block_txs_max\": 1, \"block_bytes_max\": 20224}",
                   acc, val, stk);
    CHECK_OK(tg_parse(json, NULL));
    uint64_t v;
    CHECK_OK(chr_u64_parse(&v, "18446744073709551615", 20));
    CHECK(v == UINT64_MAX);
    CHECK(chr_u64_parse(&v, "18446744073709551616", 20) == CHR_ERR_OVERFLOW && v == 0);
    CHECK(chr_u64_parse(&v, "01", 2) == CHR_ERR_NONCANONICAL);
    CHECK(chr_u64_parse(&v, "99999999999999999999999", 23) == CHR_ERR_OVERFLOW);
    CHECK(chr_u64_parse(&v, "9999999999999999999x999", 23) == CHR_ERR_NONCANONICAL);
    CHECK_OK(chr_u64_parse(&v, "0", 1));
    CHECK(v == 0);
}

/* Proves supply overflow, duplicate, zero-balance, off-curve and mistyped accounts fail. */
void test_genesis_rejects_bad_accounts(void)
{
    char a1[63];
    char a2[63];
    tg_addr(a1, 1);
    tg_addr(a2, 2);
    char acc[512];
    char val[256];
    char json[TG_JSON_MAX];
    char err[256];
    tg_validators1(val, sizeof(val), 0, "\"1\"");
    snprintf(acc, sizeof(acc),
             "[{\"address\": \"%s\", \"balance\": \"9223372036854775808\"}, "
             "{\"address\": \"%s\", \"balance\": \"9223372036854775808\"}]",
             a1, a2);
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "overflows") != NULL);
    snprintf(acc, sizeof(acc),
             "[{\"address\": \"%s\", \"balance\": \"1\"}, "
             "{\"address\": \"%s\", \"balance\": \"2\"}]",
             a1, a1);
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "duplicate address") != NULL);
    tg_accounts1(acc, sizeof(acc), 1, "\"0\"");
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    /* A bech32m address that is valid as a string but whose key is not on the curve. */
    uint8_t off_curve[32];
    memset(off_curve, 0xff, 32);
    char bad_addr[63];
    chr_address_encode(bad_addr, off_curve);
    snprintf(acc, sizeof(acc), "[{\"address\": \"%s\", \"balance\": \"1\"}]", bad_addr);
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "not a valid public key") != NULL);
    a1[10] = a1[10] == 'q' ? 'p' : 'q';
    snprintf(acc, sizeof(acc), "[{\"address\": \"%s\", \"balance\": \"1\"}]", a1);
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, val);
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "not a valid chr1 address") != NULL);
}

/* Proves validators need an on-curve 64-hex key, positive power, unique keys, at most 128. */
void test_genesis_rejects_bad_validators(void)
{
    char json[TG_JSON_MAX];
    static const char *const bad[] = {
        "[{\"pub_key\": \"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\", "
        "\"power\": \"1\"}]",
        "[{\"pub_key\": \"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f817\", "
        "\"power\": \"1\"}]",
        "[{\"pub_key\": \"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179g\", "
        "\"power\": \"1\"}]",
        "[{\"pub_key\": \"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\", "
        "\"power\": \"0\"}]",
        "[{\"pub_key\": \"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\", "
        "\"power\": \"1\"}, {\"pub_key\": "
        "\"79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798\", \"power\": \"1\"}]",
        "[{\"pub_key\": \"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\", "
        "\"power\": \"18446744073709551615\"}, {\"pub_key\": "
        "\"c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5\", \"power\": \"1\"}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "[]", bad[i]);
        CHECK(tg_parse(json, NULL) == CHR_ERR_GENESIS);
    }
    /* 129 entries: more than LEDGER_VALIDATORS_MAX, refused before any is looked at. */
    char many[129 * 4 + 3] = "[";
    for (int i = 0; i < 129; i++) {
        strcat(many, i == 0 ? "{}" : ",{}");
    }
    strcat(many, "]");
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, "[]", many);
    char err[256];
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "more than 128") != NULL);
}

/* Proves RFC 3339 UTC parsing (real dates, 1970..9999) and that format inverts it, vs gmtime. */
void test_genesis_time(void)
{
    static const char *const bad[] = {
        "2026-11-27T22:00:00z",    "2026-11-27t22:00:00Z",
        "2026-11-27 22:00:00Z",    "2026-11-27T22:00:00+00:00",
        "2026-11-27T22:00:00.5Z",  "2026-11-27T22:00:00.0000Z",
        "2026-11-27T22:00:00",     "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",    "2026-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",    "2026-04-31T00:00:00Z",
        "2026-11-27T24:00:00Z",    "2026-11-27T23:60:00Z",
        "2026-11-27T23:59:60Z",    "1969-12-31T23:59:59Z",
        "+2026-11-27T22:00:00Z",   "2026-11-27T22:00:00.00aZ",
        "2026-1-27T22:00:00.000Z", "",
    };
    uint64_t ms = 1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(genesis_time_parse(&ms, bad[i], strlen(bad[i])) == CHR_ERR_ARG);
        CHECK(ms == 0);
    }
    CHECK_OK(genesis_time_parse(&ms, "1970-01-01T00:00:00Z", 20));
    CHECK(ms == 0);
    CHECK_OK(genesis_time_parse(&ms, "2000-02-29T12:34:56.789Z", 24));
    CHECK(ms == 951827696789ULL);
    CHECK_OK(genesis_time_parse(&ms, "9999-12-31T23:59:59.999Z", 24));
    CHECK(ms == GENESIS_TIME_MS_MAX);
    char out[GENESIS_TIME_STR_LEN + 1];
    CHECK(genesis_time_format(out, GENESIS_TIME_MS_MAX + 1) == CHR_ERR_ARG);
    CHECK_OK(genesis_time_format(out, 0));
    CHECK(strcmp(out, "1970-01-01T00:00:00.000Z") == 0);
    /* Random times: format agrees with libc's gmtime_r and parse inverts format. */
    uint64_t state = chr_test_seed();
    for (int i = 0; i < 20000; i++) {
        uint64_t t = chr_test_rand(&state) % (GENESIS_TIME_MS_MAX + 1);
        CHECK_OK(genesis_time_format(out, t));
        time_t secs = (time_t)(t / 1000);
        struct tm tm;
        CHECK(gmtime_r(&secs, &tm) != NULL);
        char want[64];
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t % 1000));
        CHECK(strcmp(out, want) == 0);
        CHECK_OK(genesis_time_parse(&ms, out, strlen(out)));
        CHECK(ms == t);
    }
}

/* Proves a genesis takes exactly the ledger's chain ids (ledger_chain_id_valid: 1..32 of
 * [a-z0-9-], no '-' at either end), so no genesis names a chain its transactions cannot,
 * and refuses any other with the one rule's message. */
void test_genesis_chain_id_rules(void)
{
    static const char *const good[] = {"chroom-devnet", "a",    "0",
                                       "a-b",           "a--b", "0123456789abcdefghijklmnopqrstuv"};
    static const char *const bad[] = {
        "", "-a", "a-", "-", "Chroom", "a b", "a_b", "a.b", "0123456789abcdefghijklmnopqrstuvw"};
    char json[TG_JSON_MAX];
    char quoted[64];
    char err[256];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(ledger_chain_id_valid(good[i], strlen(good[i])));
        snprintf(quoted, sizeof(quoted), "\"%s\"", good[i]);
        tg_json(json, quoted, TG_TIME, TG_PARAMS, "[]", "[]");
        CHECK_OK(tg_parse(json, err));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!ledger_chain_id_valid(bad[i], strlen(bad[i])));
        snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i]);
        tg_json(json, quoted, TG_TIME, TG_PARAMS, "[]", "[]");
        CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
        CHECK(strcmp(err, "chain_id: must be " LEDGER_CHAIN_ID_RULE) == 0);
    }
    CHECK(!ledger_chain_id_valid("a\0b", 3));
    static const char *const bad_json[] = {"\"a\\u0000b\"", "\"caf\\u00e9\""};
    for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
        tg_json(json, bad_json[i], TG_TIME, TG_PARAMS, "[]", "[]");
        CHECK(tg_parse(json, err) != CHR_OK);
    }
}

/* Proves a genesis without validators loads but fails genesis_validate until one is added. */
void test_genesis_validate_needs_validator(void)
{
    char json[TG_JSON_MAX];
    char acc[256];
    tg_accounts1(acc, sizeof(acc), 1, "\"5000000\"");
    tg_json(json, TG_CHAIN, TG_TIME, TG_PARAMS, acc, "[]");
    genesis g;
    char err[256];
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    chr_err e1 = genesis_validate(&g, err, sizeof(err));
    int names_it = strstr(err, "at least one validator") != NULL;
    genesis_stake st;
    memset(&st, 0, sizeof(st));
    tg_key(st.operator_key, 1);
    tg_key(st.c.consensus_key, 0);
    st.c.amount = 3000000;
    st.c.min_self_bond = 1000000;
    st.c.moniker[0] = 'v';
    st.c.moniker_len = 1;
    chr_err e2 = genesis_add_stake(&g, &st, err, sizeof(err));
    chr_err e3 = genesis_validate(&g, err, sizeof(err));
    int power3 = g.validators.len == 1 && g.validators.v[0].power == 3;
    genesis_free(&g);
    CHECK(e1 == CHR_ERR_GENESIS);
    CHECK(names_it);
    CHECK_OK(e2);
    CHECK_OK(e3);
    CHECK(power3);
}

/* Proves add_account keeps order, refuses duplicates and zero; supply overflow is reported. */
void test_genesis_add_account(void)
{
    genesis g;
    genesis_init(&g);
    uint8_t k[3][32];
    for (int i = 0; i < 3; i++) {
        tg_key(k[i], i);
    }
    chr_err e[6];
    e[0] = genesis_add_account(&g, k[2], 5);
    e[1] = genesis_add_account(&g, k[0], UINT64_MAX - 5);
    e[2] = genesis_add_account(&g, k[1], 1);
    e[3] = genesis_add_account(&g, k[0], 1);
    e[4] = genesis_add_account(&g, k[1], 0);
    uint64_t supply = 7;
    e[5] = genesis_supply(&g, &supply);
    int sorted = g.accounts_len == 3 && memcmp(g.accounts[0].address, k[0], 32) == 0 &&
                 memcmp(g.accounts[1].address, k[1], 32) == 0 &&
                 memcmp(g.accounts[2].address, k[2], 32) == 0;
    genesis_free(&g);
    CHECK_OK(e[0]);
    CHECK_OK(e[1]);
    CHECK_OK(e[2]);
    CHECK(e[3] == CHR_ERR_DUPLICATE);
    CHECK(e[4] == CHR_ERR_AMOUNT);
    CHECK(e[5] == CHR_ERR_OVERFLOW && supply == 0);
    CHECK(sorted);
    CHECK(g.accounts == NULL && g.accounts_len == 0);
    char err[256];
    CHECK(genesis_from_json(&g, "{\"chain_id\": 1}", 15, err, sizeof(err)) != CHR_OK);
    CHECK(g.accounts == NULL && g.accounts_len == 0 && g.validators.len == 0);
}

static int tg_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

/* Proves save_file writes 0644 with no temporary left, load reads it back, errors name paths. */
void test_genesis_save_load_file(void)
{
    char json[TG_JSON_MAX];
    tg_json_valid(json);
    genesis g;
    genesis h;
    char err[256];
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    char dir[64];
    snprintf(dir, sizeof(dir), "%s", tg_tmpdir());
    char path[128];
    snprintf(path, sizeof(path), "%s/genesis.json", dir);
    chr_err e1 = genesis_save_file(&g, path);
    chr_err e2 = genesis_save_file(&g, path);
    chr_err e3 = genesis_load_file(&h, path, err, sizeof(err));
    uint8_t h1[32];
    uint8_t h2[32];
    chr_err e4 = genesis_hash(&g, h1);
    chr_err e5 = genesis_hash(&h, h2);
    genesis_free(&g);
    genesis_free(&h);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK(tg_dir_entries(dir) == 1);
    CHECK_OK(e1);
    CHECK_OK(e2);
    CHECK_OK(e3);
    CHECK_OK(e4);
    CHECK_OK(e5);
    CHECK(memcmp(h1, h2, 32) == 0);
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/none.json", dir);
    CHECK(genesis_load_file(&h, missing, err, sizeof(err)) == CHR_ERR_IO);
    CHECK(strstr(err, missing) != NULL);
    CHECK(genesis_load_file(&h, dir, err, sizeof(err)) == CHR_ERR_IO);
    tg_write(dir, "bad.json", "{}", 2);
    snprintf(missing, sizeof(missing), "%s/bad.json", dir);
    CHECK(genesis_load_file(&h, missing, err, sizeof(err)) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "bad.json: genesis: unknown key") != NULL ||
          strstr(err, "bad.json: genesis: missing key") != NULL);
    CHECK(unlink(path) == 0 && unlink(missing) == 0 && rmdir(dir) == 0);
}

void test_genesis_state_root(void)
{
    /* Proves genesis_state_root: the empty trie's root (zeros) for no accounts, and for
     * 50 random accounts the root of the persisted trie built from the same accounts, in
     * another order (the root depends only on the set). */
    genesis g;
    genesis_init(&g);
    uint8_t root[32];
    uint8_t zero[32] = {0};
    CHECK_OK(genesis_state_root(&g, root));
    CHECK(memcmp(root, zero, 32) == 0);
    enum { N = 50 };
    uint8_t addrs[N][32];
    ledger_account accts[N];
    uint64_t rng = 11;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 32; j++) {
            addrs[i][j] = (uint8_t)(chr_test_rand(&rng) >> 56);
        }
        accts[i] = (ledger_account){.balance = 1 + chr_test_rand(&rng) % 1000000, .nonce = 0};
        CHECK_OK(genesis_add_account(&g, addrs[i], accts[i].balance));
    }
    CHECK_OK(genesis_state_root(&g, root));
    ledger_trie_mem *rows;
    uint8_t want[32];
    CHECK_OK(ledger_trie_mem_new(&rows));
    CHECK_OK(ledger_trie_mem_accounts(rows, (const uint8_t(*)[32])addrs, accts, N, want));
    CHECK(memcmp(root, want, 32) == 0 && memcmp(root, zero, 32) != 0);
    ledger_trie_mem_free(rows);
    genesis_free(&g);
}

/* Proves a genesis stake makes what create-validator makes (validator bonded, self-delegation,
 * pool), stores the set from height 1, debits the operator, and changes the state root; and
 * that a stake over the operator's balance or of a taken consensus key is refused. */
void test_genesis_stakes_state(void)
{
    char json[TG_JSON_MAX];
    tg_json_valid(json); /* key 1's account (20 CHR) bonds 10 CHR to consensus key 0 */
    genesis g;
    char err[256];
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    uint64_t balances[1];
    ledger_objects *t = NULL;
    ledger_valset set;
    CHECK_OK(genesis_stakes_state(&g, &t, balances, &set, err, sizeof(err)));
    CHECK(balances[0] == 10000000);
    CHECK(set.len == 1 && set.v[0].power == 10);
    uint8_t op[32];
    tg_key(op, 1);
    ledger_staking_validator v;
    ledger_staking_delegation d;
    ledger_staking_pool pool;
    int found = 0;
    int dfound = 0;
    CHECK_OK(ledger_staking_validator_get(t, op, &v, &found));
    CHECK_OK(ledger_staking_delegation_get(t, op, op, &d, &dfound));
    CHECK_OK(ledger_staking_pool_get(t, &pool));
    CHECK(found && v.tokens == 10000000 && v.status == LEDGER_STAKING_BONDED);
    CHECK(v.created_height == 0 && v.commission_updated_ms == g.genesis_time_ms);
    CHECK(dfound && d.shares == 10000000);
    CHECK(pool.bonded == 10000000 && pool.set_height == 1);
    uint8_t hash[32];
    ledger_valset_hash(&set, hash);
    CHECK(memcmp(pool.set_hash, hash, 32) == 0);
    ledger_objects_free(t);
    /* The root differs from the accounts-only root of the same balances. */
    uint8_t root[32];
    CHECK_OK(genesis_state_root(&g, root));
    genesis plain;
    genesis_init(&plain);
    memcpy(plain.chain_id, g.chain_id, sizeof(g.chain_id));
    CHECK_OK(genesis_add_account(&plain, op, 10000000));
    uint8_t root2[32];
    CHECK_OK(genesis_state_root(&plain, root2));
    CHECK(memcmp(root, root2, 32) != 0);
    genesis_free(&plain);
    /* A second stake with the same consensus key, and one of a whole balance. */
    genesis_stake st = g.stakes[0];
    tg_key(st.operator_key, 2);
    CHECK(genesis_add_stake(&g, &st, err, sizeof(err)) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "not a genesis account") != NULL);
    CHECK_OK(genesis_add_account(&g, st.operator_key, st.c.amount));
    CHECK(genesis_add_stake(&g, &st, err, sizeof(err)) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "must exceed") != NULL);
    g.accounts[g.accounts_len - 1].balance = st.c.amount + 1;
    CHECK(genesis_add_stake(&g, &st, err, sizeof(err)) == CHR_ERR_GENESIS);
    CHECK(strstr(err, "another validator's") != NULL);
    CHECK(g.stakes_len == 1 && g.validators.len == 1);
    genesis_free(&g);
}

/* tg_json_valid with `"gov_params": <gov>` added (gov a raw JSON value). */
static void tg_json_gov(char *out, const char *gov)
{
    tg_json_valid(out);
    char *end = strrchr(out, '}');
    CHECK(end != NULL && (size_t)(end - out) + strlen(gov) + 20 < TG_JSON_MAX);
    snprintf(end, TG_JSON_MAX - (size_t)(end - out), ", \"gov_params\": %s}", gov);
}

/* Proves a genesis sets governance's parameters: the fields it names (the rest default) go
 * into its state as the parameters' object and into a version-4 hash, survive a JSON round
 * trip, while a file without them (or with the defaults) keeps its version-3 hash and state;
 * a value out of its range, a stale expedited one, an unknown key or a number are refused. */
void test_genesis_gov_params(void)
{
    char json[TG_JSON_MAX];
    char err[256];
    genesis g;
    genesis plain;
    tg_json_gov(json, "{\"voting_period_ms\": \"60000\", \"expedited_voting_period_ms\": "
                      "\"60000\", \"deposit_period_ms\": \"60000\"}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS &&
          strstr(err, "gov_params.expedited_voting_period_ms") != NULL);
    tg_json_gov(json, "{\"voting_period_ms\": \"90000\", \"expedited_voting_period_ms\": "
                      "\"60000\", \"deposit_period_ms\": \"60000\", \"burn_dropped\": \"1\"}");
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    CHECK(genesis_has_gov_params(&g));
    CHECK(g.gov_params.voting_period_ms == 90000 && g.gov_params.burn_dropped == 1);
    ledger_gov_params d;
    ledger_gov_params_default(&d);
    CHECK(g.gov_params.min_deposit == d.min_deposit && g.gov_params.quorum_ppm == d.quorum_ppm);

    /* The state holds them; a plain genesis's state holds no object (the defaults). */
    ledger_objects *t = NULL;
    ledger_gov_params got;
    CHECK_OK(genesis_stakes_state(&g, &t, NULL, NULL, err, sizeof(err)));
    CHECK_OK(ledger_gov_params_get(t, &got));
    CHECK(memcmp(&got, &g.gov_params, sizeof(got)) == 0);
    ledger_objects_free(t);
    tg_json_valid(json);
    CHECK_OK(genesis_from_json(&plain, json, strlen(json), err, sizeof(err)));
    CHECK(!genesis_has_gov_params(&plain));
    uint8_t r1[32];
    uint8_t r2[32];
    CHECK_OK(genesis_state_root(&g, r1));
    CHECK_OK(genesis_state_root(&plain, r2));
    CHECK(memcmp(r1, r2, 32) != 0);

    /* The hash: version 4 with the parameters last; the plain file keeps version 3's. */
    uint8_t h1[32];
    uint8_t h2[32];
    CHECK_OK(genesis_hash(&g, h1));
    CHECK_OK(genesis_hash(&plain, h2));
    CHECK(memcmp(h1, h2, 32) != 0);
    plain.gov_params = g.gov_params;
    CHECK_OK(genesis_hash(&plain, h2));
    CHECK(memcmp(h1, h2, 32) == 0);
    ledger_gov_params_default(&plain.gov_params);

    /* The JSON round trip keeps them; a plain file is written without the key. */
    char *out = NULL;
    genesis back;
    CHECK_OK(genesis_to_json(&g, &out));
    CHECK(strstr(out, "\"gov_params\"") != NULL);
    CHECK_OK(genesis_from_json(&back, out, strlen(out), err, sizeof(err)));
    CHECK(memcmp(&back.gov_params, &g.gov_params, sizeof(g.gov_params)) == 0);
    free(out);
    genesis_free(&back);
    CHECK_OK(genesis_to_json(&plain, &out));
    CHECK(strstr(out, "gov_params") == NULL);
    free(out);
    genesis_free(&plain);
    genesis_free(&g);

    tg_json_gov(json, "{\"voting_period_ms\": \"1000\"}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS && strstr(err, "voting_period_ms") != NULL);
    tg_json_gov(json, "{\"quorum\": \"1\"}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS && strstr(err, "unknown key") != NULL);
    tg_json_gov(json, "{\"quorum_ppm\": 500000}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
    tg_json_gov(json, "[]");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
}

/* tg_json_valid with `"settle_params": <sp>` added (sp a raw JSON value). */
static void tg_json_settle(char *out, const char *sp)
{
    tg_json_valid(out);
    char *end = strrchr(out, '}');
    CHECK(end != NULL && (size_t)(end - out) + strlen(sp) + 24 < TG_JSON_MAX);
    snprintf(end, TG_JSON_MAX - (size_t)(end - out), ", \"settle_params\": %s}", sp);
}

/* Proves a genesis sets media settlement's parameters: the fields it names (the rest
 * default) go into its state as the parameters' object and into a version-5 hash that
 * differs from the plain file's, survive a JSON round trip; a window over 7 days, a share
 * over 1000, an unknown key or a bare number are refused. */
void test_genesis_settle_params(void)
{
    char json[TG_JSON_MAX];
    char err[256];
    genesis g;
    genesis plain;
    tg_json_settle(json, "{\"settle_window_ms\": \"5000\", \"dispute_window_ms\": \"2000\"}");
    CHECK_OK(genesis_from_json(&g, json, strlen(json), err, sizeof(err)));
    CHECK(genesis_has_settle_params(&g) && !genesis_has_gov_params(&g));
    CHECK(g.settle_params.settle_window_ms == 5000 && g.settle_params.dispute_window_ms == 2000);
    CHECK(g.settle_params.protocol_share_permille == 50);
    ledger_objects *t = NULL;
    ledger_settle_params got;
    CHECK_OK(genesis_stakes_state(&g, &t, NULL, NULL, err, sizeof(err)));
    CHECK_OK(ledger_settle_params_get(t, &got));
    CHECK(memcmp(&got, &g.settle_params, sizeof(got)) == 0);
    ledger_objects_free(t);

    tg_json_valid(json);
    CHECK_OK(genesis_from_json(&plain, json, strlen(json), err, sizeof(err)));
    CHECK(!genesis_has_settle_params(&plain));
    uint8_t h1[32];
    uint8_t h2[32];
    CHECK_OK(genesis_hash(&g, h1));
    CHECK_OK(genesis_hash(&plain, h2));
    CHECK(memcmp(h1, h2, 32) != 0);
    plain.settle_params = g.settle_params;
    CHECK_OK(genesis_hash(&plain, h2));
    CHECK(memcmp(h1, h2, 32) == 0);
    ledger_settle_params_default(&plain.settle_params);

    char *out = NULL;
    genesis back;
    CHECK_OK(genesis_to_json(&g, &out));
    CHECK(strstr(out, "\"settle_params\"") != NULL);
    CHECK_OK(genesis_from_json(&back, out, strlen(out), err, sizeof(err)));
    CHECK(memcmp(&back.settle_params, &g.settle_params, sizeof(g.settle_params)) == 0);
    free(out);
    genesis_free(&back);
    CHECK_OK(genesis_to_json(&plain, &out));
    CHECK(strstr(out, "settle_params") == NULL);
    free(out);
    genesis_free(&plain);
    genesis_free(&g);

    tg_json_settle(json, "{\"settle_window_ms\": \"604800001\"}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS && strstr(err, "settle_params") != NULL);
    tg_json_settle(json, "{\"protocol_share_permille\": \"1001\"}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS && strstr(err, "settle_params") != NULL);
    tg_json_settle(json, "{\"window\": \"1\"}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS && strstr(err, "unknown key") != NULL);
    tg_json_settle(json, "{\"settle_window_ms\": 5000}");
    CHECK(tg_parse(json, err) == CHR_ERR_GENESIS);
}
