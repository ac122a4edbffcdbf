/* POST /api/v1/txs/quote: the request's strict JSON decoder and the transaction
 * it describes (docs/API.md). Pure functions of their inputs, without I/O, so a
 * fuzz target drives them (tests/fuzz/fuzz_quote_json.c). Private to rpc/.
 * Thread-safe. */
#ifndef RPC_INTERNAL_QUOTE_H
#define RPC_INTERNAL_QUOTE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/limits.h"
#include "ledger/tx.h"

/* An unsigned transfer as the client described it; fee, nonce and expiry may be
 * left to the node (has_* 0). */
typedef struct rpc_quote_req {
    uint8_t from[32];
    uint8_t to[32];
    uint64_t amount;
    uint16_t memo_len;
    uint8_t memo[LEDGER_MEMO_MAX];
    int has_fee, has_nonce, has_expiry;
    uint64_t fee, nonce, expiry_height;
} rpc_quote_req;

/* Why a request was refused: an API error code, the field, and a message for
 * people. */
typedef struct rpc_quote_err {
    chr_err code;      /* never CHR_OK once refused */
    const char *field; /* NULL when the body as a whole is wrong */
    char message[160];
} rpc_quote_err;

/* The body's fields, NULL terminated (for rpc_parse_body). */
extern const char *const rpc_quote_fields[];

/* Decodes a quote request from a parsed JSON body. Strict: an object with
 * exactly the known fields ("type", "from", "to", "amount", optional "memo",
 * "fee", "nonce", "expiry_height"); "type" the string "transfer"; addresses
 * chr1... bech32m strings of valid x-only keys, different from each other;
 * amounts and counters canonical decimal strings that fit in 64 bits, the
 * amount above zero; the memo a string of at most LEDGER_MEMO_MAX bytes of
 * UTF-8 without NUL. Returns 1, or 0 with *err filled and *out zeroed. */
int rpc_quote_decode(const json_t *root, rpc_quote_req *out, rpc_quote_err *err);

/* The request as JSON in the shape rpc_quote_decode reads, with every optional
 * field that is set. A new reference, NULL only when out of memory. */
json_t *rpc_quote_req_json(const rpc_quote_req *q);

/* Builds the unsigned transaction (signature zero) with the given chain id,
 * fee, nonce and expiry. CHR_ERR_CHAIN_ID for a chain id that is not one; *tx
 * zeroed on failure. */
CHR_WUR chr_err rpc_quote_tx(ledger_tx *tx, const rpc_quote_req *q, const char *chain_id,
                             uint64_t fee, uint64_t nonce, uint64_t expiry_height);

/* The bytes to sign (every byte before the signature) of tx into out (out_cap
 * at least LEDGER_TX_BYTES_MAX), their length in *out_len. */
CHR_WUR chr_err rpc_quote_sign_bytes(const ledger_tx *tx, uint8_t *out, size_t out_cap,
                                     size_t *out_len);

#endif
