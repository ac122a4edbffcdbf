/* chr_err: the one error enum of Chroom, with a range per module.
 *
 * Every function that can fail returns chr_err (CHR_OK is zero). chr_err_name() gives the
 * stable snake_case code that the REST API and the wallet's --json output carry;
 * chr_err_str() gives a short human description. Both return static strings and never
 * NULL, also for values outside the enum. Thread-safe. */
#ifndef CHR_ERR_H
#define CHR_ERR_H

#define CHR_WUR __attribute__((warn_unused_result))

/* X(name, value, code, description). Ranges: common 1-99, ledger 100-199, consensus
 * 200-299, rpc 300-399, wallet 400-499, genesis 500-599, node 600-699. Values are part of
 * nothing on the wire; codes (the third column) are part of the API and never change.
 * Every code the REST API answers is here, and rpc/ never spells one out: the rpc range
 * holds those of HTTP, JSON and access (docs/API.md, "Error codes", lists them all). */
#define CHR_ERR_LIST(X)                                                                            \
    X(CHR_OK, 0, "ok", "success")                                                                  \
    X(CHR_ERR_NOMEM, 1, "out_of_memory", "out of memory")                                          \
    X(CHR_ERR_ARG, 2, "invalid_argument", "invalid argument")                                      \
    X(CHR_ERR_TRUNCATED, 3, "truncated", "input ends early")                                       \
    X(CHR_ERR_TRAILING, 4, "trailing_bytes", "bytes left after the value")                         \
    X(CHR_ERR_TOO_LONG, 5, "too_long", "length over its maximum")                                  \
    X(CHR_ERR_NONCANONICAL, 6, "non_canonical", "not the canonical encoding")                      \
    X(CHR_ERR_HEX, 7, "bad_hex", "not valid hex")                                                  \
    X(CHR_ERR_BECH32, 8, "bad_address", "not a valid bech32m address")                             \
    X(CHR_ERR_OVERFLOW, 9, "overflow", "integer overflow")                                         \
    X(CHR_ERR_IO, 10, "io_error", "input/output error")                                            \
    X(CHR_ERR_CONFIG, 11, "bad_config", "invalid configuration")                                   \
    X(CHR_ERR_NOT_FOUND, 12, "not_found", "not found")                                             \
    X(CHR_ERR_FULL, 13, "full", "table full")                                                      \
    X(CHR_ERR_JSON, 14, "bad_json", "invalid JSON")                                                \
    X(CHR_ERR_TIMEOUT, 15, "timeout", "timed out")                                                 \
    X(CHR_ERR_CRYPTO, 16, "crypto_error", "cryptographic library failure")                         \
    X(CHR_ERR_VERSION, 100, "bad_version", "unknown encoding version")                             \
    X(CHR_ERR_TX_TYPE, 101, "bad_tx_type", "unknown transaction type")                             \
    X(CHR_ERR_CHAIN_ID, 102, "wrong_chain_id", "transaction is for another chain")                 \
    X(CHR_ERR_SIGNATURE, 103, "bad_signature", "signature does not verify")                        \
    X(CHR_ERR_PUBKEY, 104, "bad_public_key", "not a valid x-only public key")                      \
    X(CHR_ERR_NONCE, 105, "nonce_mismatch", "nonce is not the next one")                           \
    X(CHR_ERR_NONCE_PENDING, 106, "nonce_conflict", "another pending transaction has this nonce")  \
    X(CHR_ERR_BALANCE, 107, "insufficient_funds", "balance does not cover amount and fee")         \
    X(CHR_ERR_FEE, 108, "fee_too_low", "fee below the chain's minimum")                            \
    X(CHR_ERR_EXPIRED, 109, "expired", "transaction expired")                                      \
    X(CHR_ERR_TX_SIZE, 110, "tx_too_large", "transaction over the size limit")                     \
    X(CHR_ERR_MEMO, 111, "bad_memo", "memo over its limit")                                        \
    X(CHR_ERR_AMOUNT, 112, "bad_amount", "amount must be positive")                                \
    X(CHR_ERR_SELF_TRANSFER, 113, "self_transfer", "sender and recipient are the same")            \
    X(CHR_ERR_MEMPOOL_FULL, 114, "mempool_full", "mempool is full")                                \
    X(CHR_ERR_BLOCK_INVALID, 115, "bad_block", "block is invalid")                                 \
    X(CHR_ERR_STATE_ROOT, 116, "state_root_mismatch", "state root does not match")                 \
    X(CHR_ERR_COMMIT, 117, "bad_commit", "commit is invalid")                                      \
    X(CHR_ERR_STORE, 118, "store_error", "storage failure")                                        \
    X(CHR_ERR_MAP_FULL, 119, "map_full", "LMDB map is full")                                       \
    X(CHR_ERR_DUPLICATE, 120, "duplicate", "already known")                                        \
    X(CHR_ERR_QUEUE_FULL, 121, "overloaded", "node is overloaded")                                 \
    X(CHR_ERR_PROOF, 122, "bad_proof", "proof does not verify against the root")                   \
    X(CHR_ERR_NO_VALIDATOR, 123, "unknown_validator", "no such validator")                         \
    X(CHR_ERR_STAKE, 124, "insufficient_stake", "delegation does not cover the amount")            \
    X(CHR_ERR_ENTRIES, 125, "too_many_entries", "unbonding or redelegation entries at the limit")  \
    X(CHR_ERR_HOPPING, 126, "redelegation_in_progress", "redelegated stake has not matured")       \
    X(CHR_ERR_SAME_VALIDATOR, 127, "same_validator", "source and destination are the same")        \
    X(CHR_ERR_COMMISSION, 128, "bad_commission", "commission outside its limits")                  \
    X(CHR_ERR_SELF_BOND, 129, "bad_self_bond", "self-bond below the minimum")                      \
    X(CHR_ERR_DESCRIPTION, 130, "bad_description", "moniker, website or details invalid")          \
    X(CHR_ERR_TOMBSTONED, 131, "tombstoned", "validator is tombstoned")                            \
    X(CHR_ERR_NO_DELEGATION, 132, "no_delegation", "no such delegation")                           \
    X(CHR_ERR_NOT_JAILED, 133, "not_jailed", "validator is not jailed")                            \
    X(CHR_ERR_JAILED, 134, "still_jailed", "validator's jail time has not passed")                 \
    /* The media tier and meetings (ledger/media.h, ledger/meetings.h). */                         \
    X(CHR_ERR_MEDIA_NODE, 140, "bad_media_node", "invalid media node field")                       \
    X(CHR_ERR_MEETING, 141, "bad_meeting", "invalid meeting field")                                \
    X(CHR_ERR_NO_MEDIA_NODE, 142, "no_media_node", "no media node can take the meeting")           \
    X(CHR_ERR_NOT_OWNER, 143, "not_owner", "sender may not change this object")                    \
    X(CHR_ERR_BOND, 144, "bond_too_low", "bond below the chain's minimum")                         \
    X(CHR_ERR_WRONG_STATE, 145, "wrong_state", "object is not in a state that allows this")        \
    X(CHR_ERR_UNKNOWN_OBJECT, 146, "unknown_object", "no such media node or meeting")              \
    X(CHR_ERR_CLAIM, 147, "bad_claim", "settlement claim or dispute breaks a rule")                \
    /* Media-node heartbeats (ledger/heartbeat.h, rpc/analytics.h). */                             \
    X(CHR_ERR_HEARTBEAT, 148, "bad_heartbeat", "invalid heartbeat field")                          \
    X(CHR_ERR_HEARTBEAT_REPLAY, 149, "heartbeat_replayed", "heartbeat not newer than the last")    \
    X(CHR_ERR_HEARTBEAT_TIME, 150, "heartbeat_time", "heartbeat time too far from the node's")     \
    /* Governance (ledger/gov.h). */                                                               \
    X(CHR_ERR_PROPOSAL, 160, "bad_proposal", "invalid proposal field")                             \
    X(CHR_ERR_UNKNOWN_PROPOSAL, 161, "unknown_proposal", "no such proposal")                       \
    X(CHR_ERR_PARAM_RANGE, 162, "param_out_of_range", "parameter unknown or outside its range")    \
    X(CHR_ERR_NO_TREASURY, 163, "no_treasury", "this chain has no treasury to spend from")         \
    X(CHR_ERR_NO_STAKE, 164, "no_stake", "voter has no bonded stake")                              \
    X(CHR_ERR_UPGRADE, 165, "unknown_upgrade", "this build does not know the scheduled upgrade")   \
    X(CHR_ERR_PEER_HANDSHAKE, 200, "handshake_failed", "peer handshake failed")                    \
    X(CHR_ERR_PEER_FRAME, 201, "bad_frame", "malformed peer frame")                                \
    X(CHR_ERR_CONS_MSG, 202, "bad_consensus_message", "invalid consensus message")                 \
    X(CHR_ERR_WAL, 203, "wal_damaged", "write-ahead log is damaged")                               \
    X(CHR_ERR_EVIDENCE, 204, "bad_evidence", "invalid evidence")                                   \
    X(CHR_ERR_UNAUTHORIZED, 300, "unauthorized", "no valid credential")                            \
    X(CHR_ERR_SCOPE, 301, "insufficient_scope", "credential lacks the route's scope")              \
    X(CHR_ERR_RATE_LIMITED, 302, "rate_limited", "over the rate limit")                            \
    X(CHR_ERR_METHOD, 303, "method_not_allowed", "route does not take this method")                \
    X(CHR_ERR_BODY_SIZE, 304, "body_too_large", "request body over the limit")                     \
    X(CHR_ERR_URI_SIZE, 305, "uri_too_long", "request path too long")                              \
    X(CHR_ERR_MEDIA_TYPE, 306, "unsupported_media_type", "body not declared as JSON")              \
    X(CHR_ERR_UNKNOWN_FIELD, 307, "unknown_field", "field the request does not take")              \
    X(CHR_ERR_MISSING_FIELD, 308, "missing_field", "required field missing")                       \
    X(CHR_ERR_JSON_TYPE, 309, "invalid_type", "JSON value of the wrong type")                      \
    X(CHR_ERR_CURSOR, 310, "invalid_cursor", "not a cursor this list gave out")                    \
    X(CHR_ERR_BATCH_SIZE, 311, "batch_too_large", "too many transactions in one batch")            \
    X(CHR_ERR_SYNCING, 312, "syncing", "node is fetching blocks from its peers")                   \
    X(CHR_ERR_INTERNAL, 313, "internal_error", "internal error")                                   \
    X(CHR_ERR_BAD_REQUEST, 314, "bad_request", "malformed HTTP request")                           \
    X(CHR_ERR_NOT_WRITING, 315, "not_writing", "node has stopped writing blocks")                  \
    X(CHR_ERR_STALLED, 316, "stalled", "no block committed for too long")                          \
    X(CHR_ERR_LENGTH_REQUIRED, 318, "length_required", "request body without Content-Length")      \
    X(CHR_ERR_CSRF, 320, "csrf_refused", "cross-site request or wrong CSRF token")                 \
    X(CHR_ERR_SPEND_LIMIT, 317, "spend_limit_exceeded", "over the sponsor's daily spend limit")    \
    X(CHR_ERR_NO_SPONSOR, 319, "no_sponsor", "API key bound to no usable sponsor account")         \
    /* RFC 6749 section 5.2's codes: the errors of POST /oauth/token only. */                      \
    X(CHR_ERR_OAUTH_REQUEST, 350, "invalid_request", "malformed token request")                    \
    X(CHR_ERR_OAUTH_CLIENT, 351, "invalid_client", "client authentication failed")                 \
    X(CHR_ERR_OAUTH_SCOPE, 352, "invalid_scope", "scope unknown or not the key's")                 \
    X(CHR_ERR_OAUTH_GRANT, 353, "unsupported_grant_type", "grant type not supported")              \
    X(CHR_ERR_OAUTH_UNAVAILABLE, 354, "temporarily_unavailable", "cannot issue tokens now")        \
    X(CHR_ERR_MNEMONIC, 400, "bad_mnemonic", "not a valid BIP-39 mnemonic")                        \
    X(CHR_ERR_PASSPHRASE, 401, "wrong_passphrase", "wrong passphrase")                             \
    X(CHR_ERR_KEYSTORE, 402, "damaged_key_file", "key file is damaged")                            \
    X(CHR_ERR_GENESIS, 500, "bad_genesis", "invalid genesis")                                      \
    X(CHR_ERR_SHUTDOWN, 600, "shutting_down", "node is shutting down")

typedef enum chr_err {
#define CHR_ERR_ENUM(name, value, code, desc) name = value,
    CHR_ERR_LIST(CHR_ERR_ENUM)
#undef CHR_ERR_ENUM
} chr_err;

/* The stable API code of err ("nonce_mismatch"); "unknown_error" for unknown values. */
const char *chr_err_name(chr_err err);

/* A short human description of err; "unknown error" for unknown values. */
const char *chr_err_str(chr_err err);

#endif
