/* A chain's genesis: chain id, genesis time, chain parameters, initial balances and the
 * first validator set. Stored as JSON (docs/GENESIS.md); identified by the SHA-256 of its
 * canonical binary encoding, so formatting and key order in the JSON never change it.
 *
 * A genesis owns its accounts array; genesis_free releases it. Not thread-safe per object;
 * a loaded genesis is read-only and may be shared. */
#ifndef GENESIS_GENESIS_H
#define GENESIS_GENESIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"
#include "genesis/limits.h"
#include "ledger/gov_params.h"
#include "ledger/limits.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/settle.h"
#include "ledger/staking_types.h"
#include "ledger/valset.h"

/* The canonical encoding's version byte; a new layout gets a new version (2: the params
 * gained the staking, reward and slashing fields; 3: the stakes; 4: the governance
 * parameters, written only by a genesis that sets them, so that one that does not keeps
 * its version-3 hash). */
#define GENESIS_ENCODING_VERSION 3
#define GENESIS_ENCODING_VERSION_GOV 4
/* 5: the settlement parameters, written only by a genesis that sets them (after the
 * governance parameters, which version 5 always carries). */
#define GENESIS_ENCODING_VERSION_SETTLE 5

typedef struct genesis_account {
    uint8_t address[32]; /* x-only public key */
    uint64_t balance;    /* positive */
} genesis_account;

/* A genesis validator: a self-bond of c.amount from the genesis account operator_key, made
 * at genesis exactly as a create-validator transaction of that account would make it. */
typedef struct genesis_stake {
    uint8_t operator_key[32];
    ledger_staking_create c;
} genesis_stake;

typedef struct genesis {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint64_t genesis_time_ms; /* Unix time in milliseconds, at most GENESIS_TIME_MS_MAX */
    ledger_params params;
    /* Governance's parameters from the start (the JSON's optional "gov_params"); the
     * defaults (ledger_gov_params_default) when the file sets none. */
    ledger_gov_params gov_params;
    /* Media settlement's parameters from the start (the JSON's optional "settle_params":
     * settle_window_ms, dispute_window_ms, protocol_share_permille; ledger/settle.h); the
     * defaults (ledger_settle_params_default) when the file sets none. */
    ledger_settle_params settle_params;
    size_t accounts_len;
    size_t accounts_cap;
    genesis_account *accounts; /* sorted by address, unique */
    size_t stakes_len;
    genesis_stake *stakes; /* sorted by operator, unique; GENESIS_STAKES_MAX entries */
    /* The genesis set: always the one the stakes give (genesis_stakes_state), which
     * genesis_from_json and genesis_validate check and genesis_add_stake keeps. */
    ledger_valset validators;
} genesis;

/* An empty genesis: no chain id, time 0, default params (the chain's and governance's), no
 * accounts, no validators. */
void genesis_init(genesis *g);
/* Releases the accounts and stakes arrays and leaves g as genesis_init does. */
void genesis_free(genesis *g);

/* Parses genesis JSON (duplicate keys, unknown keys, missing keys, wrong types, amounts
 * that are not canonical decimal strings of a u64 are errors) and checks every rule of
 * genesis_validate except "at least one validator", so that a genesis under construction
 * (`chroom-genesis init`, then add-validator) loads. *out must not hold a genesis (it is
 * overwritten, not freed). Errors: CHR_ERR_JSON (syntax, duplicate key), CHR_ERR_GENESIS
 * (any rule), CHR_ERR_TOO_LONG (over GENESIS_FILE_BYTES_MAX), CHR_ERR_NOMEM. On failure `errmsg`
 * names the field and the problem and *out is left initialized and empty. errmsg may be NULL when
 * errmsg_cap is 0. */
CHR_WUR chr_err genesis_from_json(genesis *out, const char *text, size_t text_len, char *errmsg,
                                  size_t errmsg_cap);
/* Reads path (at most GENESIS_FILE_BYTES_MAX bytes, else CHR_ERR_TOO_LONG; CHR_ERR_IO if it
 * cannot be read) and parses it with genesis_from_json. */
CHR_WUR chr_err genesis_load_file(genesis *out, const char *path, char *errmsg, size_t errmsg_cap);

/* Serializes to JSON (pretty, stable key order, accounts and validators in key order,
 * trailing newline); *out is malloc'ed and NUL terminated, caller frees; NULL on failure.
 * CHR_ERR_GENESIS for a chain id or time that cannot be written, CHR_ERR_NOMEM. */
CHR_WUR chr_err genesis_to_json(const genesis *g, char **out);
/* Writes the JSON atomically: a temporary file in the same directory, fsync, rename over
 * path, fsync of the directory; mode 0644. CHR_ERR_IO on any file system failure (the
 * temporary file is removed), or an error of genesis_to_json. */
CHR_WUR chr_err genesis_save_file(const genesis *g, const char *path);

/* Whether g sets governance parameters other than the defaults (then its state holds them
 * and its hash is of encoding version 4). */
bool genesis_has_gov_params(const genesis *g);
/* Whether g sets settlement parameters other than the defaults (then its state holds them
 * and its hash is of encoding version 5). */
bool genesis_has_settle_params(const genesis *g);

/* Checks every rule: chain id, time, params (governance's and settlement's within their
 * ranges), at least one
 * validator, validators sorted, unique, positive power and valid keys, accounts sorted and unique
 * with positive balances and valid keys, the total supply fits in a u64; stakes sorted by operator
 * and unique, each passing create-validator's checks (fee aside) and rules, its operator a genesis
 * account holding more than the self-bond; and the validators exactly the set the stakes give (a
 * file that lists validators without stakes is one from before staking: refused, saying
 * so). CHR_ERR_GENESIS; errmsg says what is wrong. */
CHR_WUR chr_err genesis_validate(const genesis *g, char *errmsg, size_t errmsg_cap);

/* Adds an account, keeping the array sorted. CHR_ERR_DUPLICATE if the address is already
 * there (the CLI reports it; nothing is replaced), CHR_ERR_AMOUNT for a zero balance,
 * CHR_ERR_FULL past LEDGER_GENESIS_ACCOUNTS_MAX, CHR_ERR_NOMEM. It does not check the
 * supply (genesis_supply does) or the key (ledger_pubkey_valid does). */
CHR_WUR chr_err genesis_add_account(genesis *g, const uint8_t address[32], uint64_t balance);

/* Adds a genesis validator (a stake) and sets g->validators to the set the stakes then
 * give. CHR_ERR_DUPLICATE (the operator already has a stake; nothing changed),
 * CHR_ERR_FULL past GENESIS_STAKES_MAX, CHR_ERR_GENESIS (with errmsg: the stake breaks a
 * rule of genesis_validate; nothing changed), CHR_ERR_NOMEM. */
CHR_WUR chr_err genesis_add_stake(genesis *g, const genesis_stake *s, char *errmsg,
                                  size_t errmsg_cap);

/* The genesis state's objects: the ones the stakes make (validators, their power and
 * consensus-key rows, the self-delegations, the pools and the set from height 1) and, when
 * genesis_has_gov_params, the governance parameters' object (ledger/gov_params.h), and
 * when genesis_has_settle_params, the settlement parameters' object (ledger/settle.h), in a
 * new table *objects (caller frees with ledger_objects_free; committed state empty), each
 * account's balance after its self-bond in balances (accounts_len entries; may be NULL) and
 * the set they give in *set (may be NULL). CHR_ERR_GENESIS with errmsg for a stake that
 * breaks a rule; CHR_ERR_NOMEM. *objects is NULL on failure. */
CHR_WUR chr_err genesis_stakes_state(const genesis *g, ledger_objects **objects, uint64_t *balances,
                                     ledger_valset *set, char *errmsg, size_t errmsg_cap);

/* Sum of all genesis balances (bonded stakes included: the total supply); CHR_ERR_OVERFLOW (and
 * *out zero) if it does not fit. */
CHR_WUR chr_err genesis_supply(const genesis *g, uint64_t *out);

/* Canonical encoding (docs/GENESIS.md, "The genesis hash"): u8 version 3, bytes8 chain_id,
 * u64 genesis_time_ms, params, u32 accounts count, (raw32 address, u64 balance)... in
 * address order, validator set (ledger_valset_encode), u32 stakes count, (raw32 operator,
 * create-validator body) ... in operator order; when genesis_has_gov_params, version 4
 * and the governance parameters (ledger_gov_params_encode) last; when
 * genesis_has_settle_params, version 5, the governance parameters (the defaults when none
 * are set) and then the settlement parameters (ledger_settle_params_encode). The genesis
 * hash is
 * SHA256 of it.
 * CHR_ERR_GENESIS (and out zeroed) if the chain id or a count is out of range. */
CHR_WUR chr_err genesis_hash(const genesis *g, uint8_t out[CHR_HASH_LEN]);

/* The state root the chain starts from (docs/PROTOCOL.md, "Accounts and the state root";
 * docs/GENESIS.md, "Stakes"): g's accounts, each with its balance less its self-bond and
 * nonce 0, and the objects of genesis_stakes_state. CHR_ERR_NOMEM, CHR_ERR_GENESIS. */
CHR_WUR chr_err genesis_state_root(const genesis *g, uint8_t root[CHR_HASH_LEN]);

/* Parses an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.mmmZ"
 * (uppercase T and Z, years 1970..9999, no leap second) into Unix milliseconds, without
 * the local time zone. CHR_ERR_ARG (and *out_ms zero) otherwise. */
CHR_WUR chr_err genesis_time_parse(uint64_t *out_ms, const char *s, size_t len);
/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL. CHR_ERR_ARG (and out empty) past
 * GENESIS_TIME_MS_MAX. */
CHR_WUR chr_err genesis_time_format(char out[GENESIS_TIME_STR_LEN + 1], uint64_t ms);

#endif
