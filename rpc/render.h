/* JSON renderings of ledger objects for the REST API (docs/API.md): amounts and other
 * u64 values as decimal strings, hashes and signatures as lowercase hex, keys as
 * addresses, times as RFC 3339 UTC with milliseconds. Each returns a new jansson object
 * (NULL only when out of memory). Thread-safe. */
#ifndef RPC_RENDER_H
#define RPC_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/block.h"
#include "ledger/staking.h"
#include "ledger/tx.h"
#include "rpc/apikeys.h"
#include "rpc/backend.h"

json_t *rpc_json_u64(uint64_t v);
/* Lowercase hex of len bytes as a JSON string; NULL when out of memory. */
json_t *rpc_json_hex(const uint8_t *data, size_t len);
json_t *rpc_json_address(const uint8_t pubkey[32]);
json_t *rpc_json_time(uint64_t unix_ms);
/* Formats unix_ms as "2026-11-27T22:00:00.000Z" into out (at least 25 bytes). */
void rpc_time_format(char *out, size_t out_cap, uint64_t unix_ms);

json_t *rpc_render_tx(const ledger_tx *tx, const uint8_t hash[32]);
/* An API key's sponsor binding: address, spend_limit_per_day ("0": no limit) and key_file;
 * NULL when the key has none (or out of memory). */
json_t *rpc_render_key_sponsor(const rpc_apikey *k);
/* A transaction's status: hash, status, height, index, error. */
json_t *rpc_render_tx_result(const rpc_tx_result *r);
/* A block header's fields: height, hash, chain_id, time, prev_hash, last_commit_hash,
 * tx_root, tx_count, evidence_root, state_root, validators_hash, next_validators_hash, proposer.
 */
json_t *rpc_render_header(const ledger_header *h);
/* Evidence of double signing: validator, public_key, type, height, round, votes (the two
 * block hashes with their signatures). */
json_t *rpc_render_evidence(const ledger_evidence *ev);
/* A decoded block with its header fields, transactions, evidence and last commit; NULL if
 * a transaction does not decode (the caller answers 500: our own data is damaged). */
json_t *rpc_render_block(const ledger_block *b);
/* A validator (docs/API.md, "Staking"): operator, consensus_key, moniker, website, details,
 * commission, min_self_bond, stake, shares, power (stake / power_unit), status, jailed,
 * jailed_until (null when unset or never ending: tombstoned), tombstoned, unbonding_until,
 * created_height. */
json_t *rpc_render_validator(const ledger_staking_validator *v, uint64_t power_unit);
/* {"error": {"code", "message", "field"?}}: code is chr_err_name(err); field may be NULL. */
json_t *rpc_render_error(chr_err err, const char *message, const char *field);

#endif
