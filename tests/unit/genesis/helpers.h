/* Shared fixtures of the genesis tests: valid x-only keys (the x coordinates of G, 2G and
 * 3G, so on the curve by construction), their addresses, and a JSON builder. */
#ifndef CHR_TEST_GENESIS_HELPERS_H
#define CHR_TEST_GENESIS_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define TG_JSON_MAX 4096

#define TG_CHAIN "\"chroom-test\""
#define TG_TIME "\"2026-11-27T22:00:00.000Z\""
#define TG_PARAMS                                                                                  \
    "{\"fee_transfer\": \"1000\", \"block_txs_max\": 5000, \"block_bytes_max\": 2097152}"

/* Key i (0..2) as bytes, as 64 hex and as a chr1 address. */
void tg_key(uint8_t out[32], int i);
const char *tg_key_hex(int i);
void tg_addr(char out[63], int i);

/* Writes a genesis JSON document from its five raw JSON values into out (TG_JSON_MAX), with no
 * "stakes" key (as before staking), or with stakes (a raw JSON value). */
void tg_json(char *out, const char *chain, const char *time, const char *params,
             const char *accounts, const char *validators);
void tg_json_staked(char *out, const char *chain, const char *time, const char *params,
                    const char *accounts, const char *validators, const char *stakes);
/* A "stakes" array of one stake: the account of key op bonds bond (a raw JSON value) to a
 * validator of key `key`, with default commission and moniker "v". */
void tg_stakes1(char *out, size_t cap, int op, int key, const char *bond);
/* `[{"address": <address i>, "balance": <balance>}]` with balance as raw JSON. */
void tg_accounts1(char *out, size_t cap, int i, const char *balance);
/* `[{"pub_key": <key i>, "power": <power>}]` with power as raw JSON. */
void tg_validators1(char *out, size_t cap, int i, const char *power);
/* A valid genesis with one account (key 1, balance "500") and one validator (key 0). */
void tg_json_valid(char *out);

/* Parses json with genesis_from_json, frees the result, returns the error. errmsg gets the
 * message (256 bytes) when not NULL. */
chr_err tg_parse(const char *json, char *errmsg);

/* A fresh temporary directory under /tmp (static buffer, one at a time). */
const char *tg_tmpdir(void);
/* Writes text to dir/name; returns the path (static buffer). */
const char *tg_write(const char *dir, const char *name, const char *text, size_t len);

#endif
