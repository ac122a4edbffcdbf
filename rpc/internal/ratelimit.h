/* Rate limits: token buckets in a table sized at start-up. Private to rpc/.
 *
 * A bucket holds `limit` requests and refills continuously at `limit` a minute, so a
 * client may burst up to its limit and then sustain it. Levels are integers in units of
 * 1/60000 of a request, so that one millisecond refills exactly `limit` units and no
 * rounding ever gives a request away.
 *
 * The table has RPC_RATE_WAYS slots per set; a key (an API key id, or a client address)
 * lives in the set its keyed SipHash names. A bucket that has refilled to full carries no
 * state (it is what a new bucket would be), so its slot is free for another key. When all
 * slots of a set hold buckets that are still refilling, a new key is refused: its request
 * is told to retry when the first of them is full (refuse, never evict a live bucket, so a
 * flood of new clients cannot reset anyone's limit).
 *
 * Thread-safe: one mutex per set. Time comes from the caller (milliseconds of a monotonic
 * clock). */
#ifndef RPC_INTERNAL_RATELIMIT_H
#define RPC_INTERNAL_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define RPC_RATE_KEY_BYTES 16
/* One request, in bucket units: a minute's milliseconds. */
#define RPC_RATE_UNIT 60000u

typedef struct rpc_rate rpc_rate;

typedef struct rpc_rate_result {
    int allowed;
    uint64_t limit;         /* requests a minute; 0 = no limit (the rest is then 0) */
    uint64_t remaining;     /* whole requests left after this one */
    uint64_t reset_s;       /* seconds until the bucket is full again (rounded up) */
    uint64_t retry_after_s; /* refused: seconds until one request will be accepted, >= 1 */
} rpc_rate_result;

/* A table of at least `buckets` slots (rounded up to whole sets). CHR_ERR_NOMEM. */
CHR_WUR chr_err rpc_rate_new(rpc_rate **out, size_t buckets);
void rpc_rate_free(rpc_rate *t);

/* Takes one request from key's bucket (limit a minute, at most RPC_RATE_PER_MIN_MAX)
 * at now_ms. limit 0 always allows and touches nothing. */
void rpc_rate_take(rpc_rate *t, rpc_rate_result *out, const uint8_t key[RPC_RATE_KEY_BYTES],
                   uint64_t limit, uint64_t now_ms);
/* The figures of key's bucket at now_ms without spending from it (a key with no bucket
 * has a full one): for the X-RateLimit-* headers of answers that spend nothing. */
void rpc_rate_peek(rpc_rate *t, rpc_rate_result *out, const uint8_t key[RPC_RATE_KEY_BYTES],
                   uint64_t limit, uint64_t now_ms);

#endif
