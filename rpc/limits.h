/* Limits of the REST server; each bounds what a client controls. */
#ifndef RPC_LIMITS_H
#define RPC_LIMITS_H

#include "ledger/limits.h"

/* Transactions in one POST /api/v1/txs/batch: a batch is verified and admitted as a
 * unit, and 1000 keeps one request's work near 50 ms on one core. */
#define RPC_BATCH_TXS_MAX 1000
/* A request's path and query: our longest route with a 62-character address is ~120. */
#define RPC_URL_BYTES_MAX 512
/* Memory per connection for its request line and headers (libmicrohttpd's pool). */
#define RPC_CONNECTION_MEMORY_MAX (32u * 1024)
/* JSON nesting is bounded by jansson's parser (JSON_PARSER_MAX_DEPTH, 2048 in Debian's
 * build) and by the body limit; deeper input is a 400 bad_json. */
/* The smallest and largest body limits chain.conf may set: a batch of RPC_BATCH_TXS_MAX
 * of the largest transactions in hex needs ~2 MiB. */
#define RPC_BODY_BYTES_MIN 4096
/* A body declared over the limit is read and dropped (so the client sees its 413) up to
 * this many times the limit; past that, it is refused unread. */
#define RPC_BODY_DISCARD_FACTOR 16
#define RPC_BODY_BYTES_MAX (64u * 1024 * 1024)

_Static_assert(RPC_BATCH_TXS_MAX * (LEDGER_TX_BYTES_MAX * 2 + 4) < 4 * 1024 * 1024,
               "the default body limit holds a full batch");

#endif
