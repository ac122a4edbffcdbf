/* The REST server's own counters for GET /metrics: requests by route and
 * status, and a latency histogram by route. Label sets are bounded: routes are
 * the route table's patterns (plus "unmatched" for every path no route answers,
 * so a client's paths never become labels) and statuses are the few the server
 * sends (plus "other"). Counters are atomics updated by every HTTP thread
 * without a lock. Private to rpc/. */
#ifndef RPC_INTERNAL_METRICS_H
#define RPC_INTERNAL_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "rpc/apikeys.h"
#include "rpc/limits.h"

/* The statuses counted by name; any other counts as "other". */
#define RPC_METRIC_STATUSES 14
#define RPC_METRIC_STATUS_SLOTS (RPC_METRIC_STATUSES + 1)
/* Latency buckets, from 0.5 ms to 10 s (the longest ?wait=commit), then +Inf.
 */
#define RPC_METRIC_BUCKETS 14
/* One slot per route, and the last for requests no route answered. */
#define RPC_METRIC_ROUTE_SLOTS (RPC_ROUTES_MAX + 1)

typedef struct rpc_http_stats {
    atomic_ullong requests[RPC_METRIC_ROUTE_SLOTS][RPC_METRIC_STATUS_SLOTS];
    /* Per bucket, not cumulative; the last is above every bound. */
    atomic_ullong latency[RPC_METRIC_ROUTE_SLOTS][RPC_METRIC_BUCKETS + 1];
    atomic_ullong latency_sum_us[RPC_METRIC_ROUTE_SLOTS];
} rpc_http_stats;

/* Per API key usage, for GET /api/v1/usage and GET /api/v1/apikeys: a table of
 * RPC_USAGE_KEYS_MAX keys sized at start (open addressing on the key id, which is random),
 * under one lock. A key that finds the table full counts in no key's figures. */
typedef struct rpc_usage_key {
    int used;
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint64_t requests;
    uint64_t statuses[RPC_METRIC_STATUS_SLOTS];
    uint64_t latency[RPC_METRIC_BUCKETS + 1];
    uint64_t last_unix_s;
    uint64_t minute[RPC_USAGE_MINUTES]; /* the unix minute slot i last counted */
    uint32_t per_minute[RPC_USAGE_MINUTES];
} rpc_usage_key;

typedef struct rpc_usage rpc_usage;

/* An empty table; CHR_ERR_NOMEM. */
CHR_WUR chr_err rpc_usage_new(rpc_usage **out);
void rpc_usage_free(rpc_usage *u);
/* A copy of key id's figures; 0 (and *out zeroed) when the key has none. */
int rpc_usage_get(rpc_usage *u, rpc_usage_key *out, const uint8_t id[RPC_APIKEY_ID_BYTES]);
/* Renders a key's figures as GET /api/v1/usage shows them (docs/API.md), the minutes up to
 * now_unix_s; NULL when out of memory. */
json_t *rpc_usage_json(const rpc_usage_key *k, uint64_t now_unix_s);

struct rpc_ctx;

/* A monotonic clock in microseconds, for timing requests. */
uint64_t rpc_metrics_now_us(void);

/* Counts one answered request: its route (x->route, NULL when none matched),
 * its status and its time since start_us. Thread-safe. */
void rpc_metrics_record(const struct rpc_ctx *x, unsigned status, uint64_t start_us);

#endif
