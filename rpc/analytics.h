/* The analytics store: media-node heartbeats aggregated into time buckets, in the node's own
 * LMDB environment `<data_dir>/analytics/` (docs/ANALYTICS.md). Not consensus state: each
 * node keeps what it was sent, for a retention period, within a map of a fixed size; losing
 * it loses only figures (it is written with MDB_NOSYNC: a crash may lose the last seconds).
 *
 * Rows: per node its last heartbeat; per node and for the whole network one bucket a minute
 * (kept two hours, for the 1 h window) and one an hour (kept for the retention period, for
 * the 24 h and 7 d windows); per meeting and node the meeting's totals. A bucket holds the
 * count of heartbeats, each figure's sum and maximum, and what the gauges integrate to over
 * time (participant-milliseconds, kilobits in and out), each heartbeat counting for the time
 * since the node's previous one, at most RPC_AN_GAP_MS_MAX.
 *
 * Thread-safe: every call runs in its own LMDB transaction (MDB_NOTLS); writes serialize in
 * LMDB. */
#ifndef RPC_ANALYTICS_H
#define RPC_ANALYTICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/heartbeat.h"

/* The figures kept per bucket, in this order (the JSON names in rpc/routes_analytics.c). */
typedef enum rpc_an_metric {
    RPC_AN_LOAD = 0,
    RPC_AN_PARTICIPANTS,
    RPC_AN_KBPS_IN,
    RPC_AN_KBPS_OUT,
    RPC_AN_LOSS,
    RPC_AN_JITTER,
    RPC_AN_RTT,
    RPC_AN_CPU,
    RPC_AN_METRICS
} rpc_an_metric;

/* A heartbeat is counted for the time since the node's previous one, up to this: a node
 * that was silent longer carried nothing we know of in between. */
#define RPC_AN_GAP_MS_MAX 60000u
/* Minute buckets are kept this long: the 1 h window's, and an hour more. */
#define RPC_AN_MINUTES_KEPT_MS (2u * 3600 * 1000)
/* Buckets one window holds at most: 60 minutes, 24 hours, 168 hours. */
#define RPC_AN_WINDOW_BUCKETS_MAX 168u
/* Meeting rows one window's count reads at most (GET /api/v1/analytics/network): bounds a
 * request's work; past it the answer says the count is partial. */
#define RPC_AN_MEETINGS_SCAN_MAX 2000u
/* Media nodes reporting on one meeting that GET /api/v1/analytics/meetings/{id} shows. */
#define RPC_AN_MEETING_NODES_MAX 16u
/* Rows the retention sweep deletes in one heartbeat's transaction at most; the sweep runs
 * at most once a minute and goes on at the next when it stopped at this bound. */
#define RPC_AN_SWEEP_ROWS_MAX 20000u
#define RPC_AN_SWEEP_INTERVAL_MS 60000u
/* The store's map ([analytics] map_mb): a node's hour of buckets is ~400 bytes, so 16 MiB
 * keeps a week of 200 nodes; 64 GiB is past what a node should spend on figures. */
#define RPC_AN_MAP_MB_MIN 16u
#define RPC_AN_MAP_MB_DEFAULT 256u
#define RPC_AN_MAP_MB_MAX 65536u
/* Concurrent readers: one per request that reads analytics, as the key store allows. */
#define RPC_AN_READERS_MAX 1024

typedef enum rpc_an_window {
    RPC_AN_1H = 0,
    RPC_AN_24H = 1,
    RPC_AN_7D = 2,
} rpc_an_window;

typedef enum rpc_an_health {
    RPC_AN_HEALTHY = 0,
    RPC_AN_DEGRADED = 1,
    RPC_AN_OFFLINE = 2,
} rpc_an_health;

/* Quality past which a node is degraded (docs/ANALYTICS.md, "Health"). */
#define RPC_AN_DEGRADED_LOSS_BP 500u   /* 5 % packet loss */
#define RPC_AN_DEGRADED_RTT_MS 400u    /* ITU-T G.114's limit for interactive speech */
#define RPC_AN_DEGRADED_JITTER_MS 100u /* past what a jitter buffer hides */
#define RPC_AN_DEGRADED_PERMILLE 900u  /* load or CPU at 90 % */

typedef struct rpc_an_config {
    const char *data_dir;
    uint64_t map_mb;            /* RPC_AN_MAP_MB_MIN..MAX */
    uint64_t retention_ms;      /* hour buckets and meeting rows */
    uint64_t offline_after_ms;  /* no heartbeat for longer: offline */
    uint64_t degraded_after_ms; /* no heartbeat for longer: degraded */
    uint64_t clock_skew_ms;     /* a heartbeat's time this far from ours at most */
    uint64_t interval_min_ms;   /* a node's heartbeats this far apart at least */
    uint64_t addr_per_min;      /* heartbeats a minute from one client address; 0: no limit */
} rpc_an_config;

/* A node's last heartbeat, as the store keeps it. All u64: the row is this struct's bytes. */
typedef struct rpc_an_node {
    uint64_t time_ms;     /* the heartbeat's own time (its sequence number) */
    uint64_t received_ms; /* our clock when it came */
    uint64_t heartbeats;  /* accepted within the store's life */
    uint64_t v[RPC_AN_METRICS];
    uint64_t meetings; /* meetings it reported on */
} rpc_an_node;

/* One time bucket, or a window's sum of them. */
typedef struct rpc_an_bucket {
    uint64_t start_ms;
    uint64_t heartbeats;
    uint64_t sum[RPC_AN_METRICS];
    uint64_t max[RPC_AN_METRICS];
    uint64_t participant_ms;
    uint64_t kbit_in;
    uint64_t kbit_out;
} rpc_an_bucket;

/* One media node's totals over one meeting. */
typedef struct rpc_an_meeting {
    uint8_t node_key[32];
    uint64_t first_ms;
    uint64_t last_ms;
    uint64_t heartbeats;
    uint64_t participants_max;
    uint64_t participant_ms;
    uint64_t kbit_in;
    uint64_t kbit_out;
    uint64_t sum_loss_bp, sum_jitter_ms, sum_rtt_ms;
    uint64_t max_loss_bp, max_jitter_ms, max_rtt_ms;
} rpc_an_meeting;

typedef struct rpc_analytics rpc_analytics;

/* Opens (creating) data_dir/analytics/. CHR_ERR_IO when the directory cannot be made,
 * CHR_ERR_STORE for LMDB, CHR_ERR_NOMEM; errmsg says which. A store of another row layout
 * is emptied (it holds only figures). */
CHR_WUR chr_err rpc_analytics_open(rpc_analytics **out, const rpc_an_config *cfg, char *errmsg,
                                   size_t errmsg_cap);
/* NULL is ignored. */
void rpc_analytics_close(rpc_analytics *a);
const rpc_an_config *rpc_analytics_config(const rpc_analytics *a);

/* Takes one heartbeat from the allowance of client address key (16 bytes: rpc's client key)
 * at now_ms (monotonic): 1 when allowed, else 0 and *retry_after_s. Thread-safe. */
int rpc_analytics_address_take(rpc_analytics *a, const uint8_t key[16], uint64_t now_ms,
                               unsigned *retry_after_s);

/* Records hb, already decoded and verified, received at now_ms (unix ms): CHR_ERR_HEARTBEAT_TIME
 * when its time is more than clock_skew_ms from now_ms, CHR_ERR_HEARTBEAT_REPLAY when it is
 * not newer than the node's last, CHR_ERR_RATE_LIMITED when it is newer by less than
 * interval_min_ms, CHR_ERR_MAP_FULL when the store is full (nothing written), CHR_ERR_STORE. */
CHR_WUR chr_err rpc_analytics_record(rpc_analytics *a, const ledger_heartbeat *hb, uint64_t now_ms);

/* Node key's last heartbeat: CHR_ERR_NOT_FOUND (none within retention), CHR_ERR_STORE. */
CHR_WUR chr_err rpc_analytics_node(rpc_analytics *a, const uint8_t key[32], rpc_an_node *out);
/* The health of a node with that last heartbeat (NULL: none) at now_ms. */
rpc_an_health rpc_analytics_health(const rpc_analytics *a, const rpc_an_node *n, uint64_t now_ms);
const char *rpc_an_health_name(rpc_an_health h);

/* The buckets of node key (NULL: the whole network) in window w ending at now_ms, oldest
 * first, only those with heartbeats: *n of them in out (RPC_AN_WINDOW_BUCKETS_MAX suffice).
 * CHR_ERR_STORE. */
CHR_WUR chr_err rpc_analytics_series(rpc_analytics *a, const uint8_t *key, rpc_an_window w,
                                     uint64_t now_ms, rpc_an_bucket *out, size_t *n);
/* The rows of meeting id (one per media node that reported on it), up to cap: *n.
 * CHR_ERR_STORE. */
CHR_WUR chr_err rpc_analytics_meeting(rpc_analytics *a, const uint8_t id[12], rpc_an_meeting *out,
                                      size_t cap, size_t *n);
/* The distinct meetings with a heartbeat at or after since_ms, up to cap ids into ids (12
 * bytes each): *n, and *partial set when RPC_AN_MEETINGS_SCAN_MAX rows or cap stopped the
 * reading. CHR_ERR_STORE. */
CHR_WUR chr_err rpc_analytics_meetings_since(rpc_analytics *a, uint64_t since_ms, uint8_t *ids,
                                             size_t cap, size_t *n, int *partial);

#endif
