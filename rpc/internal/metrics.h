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

struct rpc_ctx;

/* A monotonic clock in microseconds, for timing requests. */
uint64_t rpc_metrics_now_us(void);

/* Counts one answered request: its route (x->route, NULL when none matched),
 * its status and its time since start_us. Thread-safe. */
void rpc_metrics_record(const struct rpc_ctx *x, unsigned status, uint64_t start_us);

#endif
