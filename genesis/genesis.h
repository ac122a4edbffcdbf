/* A chain's genesis: chain id, genesis time, chain parameters, initial balances and the
 * first validator set. Stored as JSON (docs/GENESIS.md); identified by the SHA-256 of its
 * canonical binary encoding, so formatting and key order in the JSON never change it.
 *
 * A genesis owns its accounts array; genesis_free releases it. Not thread-safe per object;
 * a loaded genesis is read-only and may be shared. */
#ifndef GENESIS_GENESIS_H
#define GENESIS_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"
#include "ledger/limits.h"
#include "ledger/params.h"
#include "ledger/valset.h"

/* The largest genesis file read: 1,000,000 accounts at ~110 bytes of JSON each. */
#define GENESIS_FILE_BYTES_MAX (128u * 1024 * 1024)

typedef struct genesis_account {
    uint8_t address[32]; /* x-only public key */
    uint64_t balance;
} genesis_account;

typedef struct genesis {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint64_t genesis_time_ms; /* Unix time in milliseconds */
    ledger_params params;
    size_t accounts_len;
    size_t accounts_cap;
    genesis_account *accounts; /* sorted by address, unique */
    ledger_valset validators;
} genesis;

void genesis_init(genesis *g);
void genesis_free(genesis *g);

/* A chain id is 1..LEDGER_CHAIN_ID_MAX characters of [a-z0-9-], not starting or ending
 * with '-'. Returns true when valid. */
int genesis_chain_id_valid(const char *s, size_t len);

/* Parses genesis JSON (duplicate keys, unknown keys, wrong types, amounts that are not
 * canonical decimal strings of a u64 are errors) and validates the result. On failure
 * `errmsg` names the field and the problem and *out is left initialized and empty. */
CHR_WUR chr_err genesis_from_json(genesis *out, const char *text, size_t text_len, char *errmsg,
                                  size_t errmsg_cap);
CHR_WUR chr_err genesis_load_file(genesis *out, const char *path, char *errmsg,
                                  size_t errmsg_cap);

/* Serializes to JSON (pretty, stable key order); *out is malloc'ed, caller frees. */
CHR_WUR chr_err genesis_to_json(const genesis *g, char **out);
/* Writes the JSON atomically (temporary file, fsync, rename). */
CHR_WUR chr_err genesis_save_file(const genesis *g, const char *path);

/* Checks every rule: chain id, params, at least one validator, no duplicate account, the
 * total supply fits in a u64. errmsg says what is wrong. */
CHR_WUR chr_err genesis_validate(const genesis *g, char *errmsg, size_t errmsg_cap);

/* Adds or replaces an account balance. CHR_ERR_DUPLICATE if it exists (the CLI reports
 * it); CHR_ERR_FULL past LEDGER_GENESIS_ACCOUNTS_MAX. */
CHR_WUR chr_err genesis_add_account(genesis *g, const uint8_t address[32], uint64_t balance);

/* Sum of all genesis balances; CHR_ERR_OVERFLOW if it does not fit in a u64. */
CHR_WUR chr_err genesis_supply(const genesis *g, uint64_t *out);

/* Canonical encoding (docs/PROTOCOL.md, "Genesis"): u8 version 1, bytes8 chain_id,
 * u64 genesis_time_ms, params, u32 accounts count, (raw32 address, u64 balance)... in
 * address order, validator set. The genesis hash is SHA256 of it. */
CHR_WUR chr_err genesis_hash(const genesis *g, uint8_t out[CHR_HASH_LEN]);

#endif
