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

/* ---- Across restarts (docs/API.md, "Rate limits"). ----
 * The buckets still refilling are saved in the key store at clean shutdown and every
 * RPC_RATE_SAVE_INTERVAL_MS (rpc/auth.c), and put back at start, so that a restart gives
 * no key a fresh minute. The saved state is the unpadded concatenation of
 *   u8 version = 1 | u64 saved_unix_ms | u32 count | count x (key[16] | u64 limit | u64 level)
 * big-endian, entries in strictly increasing key order, each limit 1..RPC_RATE_PER_MIN_MAX
 * and each level below full (limit * RPC_RATE_UNIT): a full bucket is never saved. */

#define RPC_RATE_STATE_VERSION 1
#define RPC_RATE_STATE_HEADER_BYTES 13
#define RPC_RATE_STATE_ENTRY_BYTES (RPC_RATE_KEY_BYTES + 16)

typedef struct rpc_rate_saved {
    uint8_t key[RPC_RATE_KEY_BYTES];
    uint64_t limit; /* requests a minute */
    uint64_t level; /* units, below limit * RPC_RATE_UNIT */
} rpc_rate_saved;

/* The encoded size of a state of n buckets. */
size_t rpc_rate_state_bytes(size_t n);

/* Copies every bucket of t that is still refilling at now_ms (at most cap of them), with
 * its level brought up to now_ms, into out; returns how many. Thread-safe. */
size_t rpc_rate_export(rpc_rate *t, rpc_rate_saved *out, size_t cap, uint64_t now_ms);

/* Puts saved buckets back into t as they were elapsed_ms ago: each is refilled for
 * elapsed_ms (a minute or more refills any bucket, which is then not restored) and stamped
 * now_ms. A bucket of a key t already holds, or whose set is full, is skipped (the table
 * never evicts). Returns how many were restored. Thread-safe. */
size_t rpc_rate_import(rpc_rate *t, const rpc_rate_saved *in, size_t n, uint64_t elapsed_ms,
                       uint64_t now_ms);

/* Sorts in[0..n) by key and writes the state into out, which must hold
 * rpc_rate_state_bytes(n) bytes. Keys must be distinct and every entry valid (asserted). */
void rpc_rate_state_encode(uint8_t *out, rpc_rate_saved *in, size_t n, uint64_t saved_unix_ms);

/* Decodes a state of exactly len bytes into out (room for out_cap entries). CHR_ERR_ARG
 * for anything but a canonical state of this version with at most out_cap entries (a
 * wrong length, an unsorted or repeated key, a limit or level out of range). Outputs (all
 * out_cap entries of out) are zeroed on failure. */
CHR_WUR chr_err rpc_rate_state_decode(rpc_rate_saved *out, size_t out_cap, size_t *n,
                                      uint64_t *saved_unix_ms, const uint8_t *in, size_t len);

#endif
