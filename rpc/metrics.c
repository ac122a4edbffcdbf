/* GET /metrics: the node in the Prometheus text exposition format, version
 * 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). The
 * chain's figures come from the backend and the store; the HTTP figures from
 * the server's own counters (rpc/internal/metrics.h). */
#include "rpc/internal/metrics.h"
#include "rpc/internal/analytics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

static const unsigned metric_statuses[RPC_METRIC_STATUSES] = {
    200, 202, 400, 401, 403, 404, 405, 409, 413, 414, 415, 429, 500, 503,
};

/* Bucket bounds in microseconds, and as Prometheus writes them in seconds. */
static const uint64_t bucket_us[RPC_METRIC_BUCKETS] = {
    500,    1000,   2500,   5000,    10000,   25000,   50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
static const char *const bucket_le[RPC_METRIC_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10",
};

uint64_t rpc_metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static size_t status_slot(unsigned status)
{
    for (size_t i = 0; i < RPC_METRIC_STATUSES; i++) {
        if (metric_statuses[i] == status) {
            return i;
        }
    }
    return RPC_METRIC_STATUSES;
}

/* ---- Per API key usage (rpc/internal/metrics.h). ---- */

struct rpc_usage {
    pthread_mutex_t mu;
    rpc_usage_key keys[RPC_USAGE_KEYS_MAX];
};

chr_err rpc_usage_new(rpc_usage **out)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL) {
        return CHR_ERR_NOMEM;
    }
    pthread_mutex_init(&(*out)->mu, NULL);
    return CHR_OK;
}

void rpc_usage_free(rpc_usage *u)
{
    if (u != NULL) {
        pthread_mutex_destroy(&u->mu);
        free(u);
    }
}

/* The slot of key id, taken for it when add and there is room; NULL otherwise. Under mu. */
static rpc_usage_key *usage_slot(rpc_usage *u, const uint8_t id[RPC_APIKEY_ID_BYTES], int add)
{
    /* Key ids are random: their first bytes spread them over the table. */
    size_t h = ((size_t)id[0] << 8 | id[1]) % RPC_USAGE_KEYS_MAX;
    for (size_t n = 0; n < RPC_USAGE_KEYS_MAX; n++) {
        rpc_usage_key *k = &u->keys[(h + n) % RPC_USAGE_KEYS_MAX];
        if (k->used && memcmp(k->id, id, RPC_APIKEY_ID_BYTES) == 0) {
            return k;
        }
        if (!k->used) {
            if (!add) {
                return NULL;
            }
            k->used = 1;
            memcpy(k->id, id, RPC_APIKEY_ID_BYTES);
            return k;
        }
    }
    return NULL;
}

static void usage_record(rpc_usage *u, const uint8_t id[RPC_APIKEY_ID_BYTES], size_t status_slot,
                         size_t bucket)
{
    uint64_t now_s = (uint64_t)time(NULL);
    uint64_t minute = now_s / 60;
    pthread_mutex_lock(&u->mu);
    rpc_usage_key *k = usage_slot(u, id, 1);
    if (k != NULL) {
        size_t m = (size_t)(minute % RPC_USAGE_MINUTES);
        if (k->minute[m] != minute) {
            k->minute[m] = minute;
            k->per_minute[m] = 0;
        }
        k->per_minute[m] += k->per_minute[m] < UINT32_MAX;
        k->requests++;
        k->statuses[status_slot]++;
        k->latency[bucket]++;
        k->last_unix_s = now_s;
    }
    pthread_mutex_unlock(&u->mu);
}

int rpc_usage_get(rpc_usage *u, rpc_usage_key *out, const uint8_t id[RPC_APIKEY_ID_BYTES])
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&u->mu);
    const rpc_usage_key *k = usage_slot(u, id, 0);
    if (k != NULL) {
        *out = *k;
    }
    pthread_mutex_unlock(&u->mu);
    return k != NULL;
}

/* The upper bound in microseconds of the bucket that holds the q-th per mille request; -1
 * for the bucket above every bound, 0 when there are no requests. */
static json_int_t usage_percentile_us(const rpc_usage_key *k, unsigned per_mille)
{
    uint64_t total = 0;
    for (size_t b = 0; b <= RPC_METRIC_BUCKETS; b++) {
        total += k->latency[b];
    }
    if (total == 0) {
        return 0;
    }
    /* The rank of the percentile, rounded up: at least the first request. */
    uint64_t rank = (total * per_mille + 999) / 1000;
    uint64_t cum = 0;
    for (size_t b = 0; b < RPC_METRIC_BUCKETS; b++) {
        cum += k->latency[b];
        if (cum >= rank) {
            return (json_int_t)bucket_us[b];
        }
    }
    return -1;
}

json_t *rpc_usage_json(const rpc_usage_key *k, uint64_t now_unix_s)
{
    json_t *statuses = json_object();
    json_t *minutes = json_array();
    uint64_t now_min = now_unix_s / 60;
    for (size_t i = 0; statuses != NULL && i < RPC_METRIC_STATUS_SLOTS; i++) {
        char name[8] = "other";
        if (i < RPC_METRIC_STATUSES) {
            snprintf(name, sizeof(name), "%u", metric_statuses[i]);
        }
        if (k->statuses[i] > 0) {
            json_object_set_new(statuses, name, json_integer((json_int_t)k->statuses[i]));
        }
    }
    /* Oldest first: the minute RPC_USAGE_MINUTES - 1 ago, ..., this minute. */
    for (uint64_t back = RPC_USAGE_MINUTES; minutes != NULL && back > 0; back--) {
        uint64_t minute = now_min + 1 - back;
        size_t m = (size_t)(minute % RPC_USAGE_MINUTES);
        uint32_t n = k->minute[m] == minute ? k->per_minute[m] : 0;
        json_array_append_new(minutes, json_integer(n));
    }
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(id, k->id);
    return json_pack("{s:s, s:I, s:I, s:o*, s:{s:I, s:I, s:I}, s:o*, s:o}", "id", id, "requests",
                     (json_int_t)k->requests, "rate_limited",
                     (json_int_t)k->statuses[status_slot(429)], "statuses", statuses, "latency_us",
                     "p50", usage_percentile_us(k, 500), "p90", usage_percentile_us(k, 900), "p99",
                     usage_percentile_us(k, 990), "per_minute", minutes, "last_used_at",
                     k->last_unix_s ? rpc_json_time(k->last_unix_s * 1000) : json_null());
}

void rpc_metrics_record(const rpc_ctx *x, unsigned status, uint64_t start_us)
{
    rpc_http_stats *s = &x->srv->http_stats;
    size_t route = RPC_ROUTES_MAX;
    if (x->route != NULL) {
        route = rpc_route_slot(x->route);
    }
    uint64_t now = rpc_metrics_now_us();
    uint64_t us = now > start_us ? now - start_us : 0;
    size_t b = 0;
    while (b < RPC_METRIC_BUCKETS && us > bucket_us[b]) {
        b++;
    }
    atomic_fetch_add_explicit(&s->requests[route][status_slot(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->latency[route][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->latency_sum_us[route], us, memory_order_relaxed);
    if (x->req->who.known && x->srv->cfg.auth != NULL) {
        usage_record(x->srv->cfg.auth->usage, x->req->who.key_id, status_slot(status), b);
    }
}

static void metric_head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric_u64(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    metric_head(f, name, type, help);
    fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* The label of a route slot: its pattern as openapi.yaml writes it, or
 * "unmatched". */
static void route_label(char *out, size_t cap, size_t slot)
{
    if (slot == RPC_ROUTES_MAX) {
        snprintf(out, cap, "unmatched");
        return;
    }
    rpc_route_path(&rpc_routes[slot], out, cap);
}

static size_t route_slot_at(size_t i)
{
    return i < rpc_routes_len ? i : RPC_ROUTES_MAX;
}

static void write_http_requests(FILE *f, rpc_http_stats *s)
{
    metric_head(f, "chroom_http_requests_total", "counter",
                "HTTP requests answered, by route pattern and status.");
    for (size_t i = 0; i <= rpc_routes_len; i++) {
        size_t slot = route_slot_at(i);
        char route[RPC_URL_BYTES_MAX];
        route_label(route, sizeof(route), slot);
        for (size_t k = 0; k < RPC_METRIC_STATUS_SLOTS; k++) {
            uint64_t n = atomic_load_explicit(&s->requests[slot][k], memory_order_relaxed);
            if (n == 0) {
                continue;
            }
            char status[8] = "other";
            if (k < RPC_METRIC_STATUSES) {
                snprintf(status, sizeof(status), "%u", metric_statuses[k]);
            }
            fprintf(f, "chroom_http_requests_total{route=\"%s\",status=\"%s\"} %" PRIu64 "\n",
                    route, status, n);
        }
    }
}

static void write_http_latency(FILE *f, rpc_http_stats *s)
{
    const char *name = "chroom_http_request_duration_seconds";
    metric_head(f, name, "histogram",
                "Time from a complete request to its answer, by route pattern.");
    for (size_t i = 0; i <= rpc_routes_len; i++) {
        size_t slot = route_slot_at(i);
        uint64_t counts[RPC_METRIC_BUCKETS + 1];
        uint64_t total = 0;
        for (size_t b = 0; b <= RPC_METRIC_BUCKETS; b++) {
            counts[b] = atomic_load_explicit(&s->latency[slot][b], memory_order_relaxed);
            total += counts[b];
        }
        if (total == 0) {
            continue;
        }
        char route[RPC_URL_BYTES_MAX];
        route_label(route, sizeof(route), slot);
        uint64_t cum = 0;
        for (size_t b = 0; b < RPC_METRIC_BUCKETS; b++) {
            cum += counts[b];
            fprintf(f, "%s_bucket{route=\"%s\",le=\"%s\"} %" PRIu64 "\n", name, route, bucket_le[b],
                    cum);
        }
        uint64_t sum_us = atomic_load_explicit(&s->latency_sum_us[slot], memory_order_relaxed);
        fprintf(f, "%s_bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", name, route, total);
        fprintf(f, "%s_sum{route=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n", name, route,
                sum_us / 1000000u, sum_us % 1000000u);
        fprintf(f, "%s_count{route=\"%s\"} %" PRIu64 "\n", name, route, total);
    }
}

static void write_rejections(FILE *f, const rpc_backend *be)
{
    rpc_count counts[RPC_REJECTION_REASONS_MAX];
    size_t n = be->rejections(be->ctx, counts, RPC_REJECTION_REASONS_MAX);
    metric_head(f, "chroom_tx_rejections_total", "counter",
                "Transactions refused at admission, by error code.");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "chroom_tx_rejections_total{reason=\"%s\"} %" PRIu64 "\n",
                chr_err_name(counts[i].err), counts[i].count);
    }
}

static void write_chain(FILE *f, const rpc_tip *tip)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    uint64_t age_ms = now_ms > tip->time_ms ? now_ms - tip->time_ms : 0;
    metric_u64(f, "chroom_height", "gauge", "Height of the latest committed block.", tip->height);
    metric_head(f, "chroom_seconds_since_last_block", "gauge",
                "Seconds since the latest block's time (the genesis time before "
                "block 1).");
    fprintf(f, "chroom_seconds_since_last_block %" PRIu64 ".%03" PRIu64 "\n", age_ms / 1000u,
            age_ms % 1000u);
    metric_u64(f, "chroom_txs_committed_total", "counter", "Transactions committed since genesis.",
               tip->txs_total);
    metric_u64(f, "chroom_mempool_txs", "gauge", "Transactions waiting in the mempool.",
               tip->mempool_txs);
    metric_u64(f, "chroom_mempool_bytes", "gauge",
               "Encoded bytes of the transactions in the mempool.", tip->mempool_bytes);
    metric_u64(f, "chroom_healthy", "gauge",
               "1 while the node writes blocks, 0 after a storage failure stopped it.",
               tip->healthy ? 1 : 0);
}

/* Map size and use, read inside a read transaction: it holds off a map resize,
 * during which LMDB's environment must not be inspected. */
static int write_store(FILE *f, ledger_store *store)
{
    ledger_store_read *rd;
    if (ledger_store_read_begin(store, &rd) != CHR_OK) {
        return 0;
    }
    uint64_t map = ledger_store_map_size(store);
    uint64_t used = ledger_store_used_bytes(store);
    ledger_store_read_end(rd);
    metric_u64(f, "chroom_lmdb_map_size_bytes", "gauge", "Size of the LMDB memory map.", map);
    metric_u64(f, "chroom_lmdb_used_bytes", "gauge", "Bytes of the LMDB map in use.", used);
    metric_u64(f, "chroom_index_behind_blocks", "gauge",
               "Committed blocks whose transactions the index has yet to write (served from "
               "memory meanwhile).",
               ledger_store_index_behind(store));
    return 1;
}

/* The connections and the bodies in flight (docs/API.md, "Connections and memory"). */
static void write_connections(FILE *f, rpc_server *srv)
{
    rpc_conns_stats st;
    rpc_conns_stats_get(srv->conns, &st);
    metric_u64(f, "chroom_api_connections", "gauge", "Open API connections.", st.live);
    metric_head(f, "chroom_api_connections_closed_total", "counter",
                "API connections the node closed: at the request deadline, to make room, or "
                "because their client had left.");
    fprintf(f, "chroom_api_connections_closed_total{reason=\"deadline\"} %" PRIu64 "\n",
            st.timed_out);
    fprintf(f, "chroom_api_connections_closed_total{reason=\"evicted\"} %" PRIu64 "\n", st.evicted);
    fprintf(f, "chroom_api_connections_closed_total{reason=\"gone\"} %" PRIu64 "\n", st.gone);
    metric_head(f, "chroom_api_body_bytes", "gauge",
                "Bytes held for request bodies in flight, by budget.");
    fprintf(f, "chroom_api_body_bytes{budget=\"open\"} %llu\n",
            (unsigned long long)atomic_load(&srv->bodies_open.used));
    fprintf(f, "chroom_api_body_bytes{budget=\"keyed\"} %llu\n",
            (unsigned long long)atomic_load(&srv->bodies_keyed.used));
    metric_u64(f, "chroom_api_bodies_overloaded_total", "counter",
               "Requests answered 503 because their body did not fit its budget.",
               atomic_load(&srv->overloaded));
}

static void write_heartbeats(FILE *f, rpc_server *srv)
{
    metric_u64(f, "chroom_heartbeats_accepted_total", "counter",
               "Media-node heartbeats taken into the analytics store.",
               atomic_load_explicit(&srv->hb_stats.accepted, memory_order_relaxed));
    metric_head(f, "chroom_heartbeats_refused_total", "counter",
                "Media-node heartbeats refused, by reason.");
    for (size_t i = 0; i < RPC_HB_REASONS; i++) {
        fprintf(f, "chroom_heartbeats_refused_total{reason=\"%s\"} %lu\n",
                rpc_hb_reason_name((rpc_hb_reason)i),
                atomic_load_explicit(&srv->hb_stats.refused[i], memory_order_relaxed));
    }
}

void rpc_handle_metrics(rpc_ctx *x, rpc_reply *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    write_chain(f, &tip);
    write_rejections(f, &x->srv->be);
    metric_u64(f, "chroom_rate_limited_total", "counter",
               "Requests answered 429 by the rate limiter.",
               atomic_load_explicit(&x->srv->rate_limited, memory_order_relaxed));
    write_connections(f, x->srv);
    write_heartbeats(f, x->srv);
    int store_ok = write_store(f, x->srv->be.store);
    write_http_requests(f, &x->srv->http_stats);
    write_http_latency(f, &x->srv->http_stats);
    if (fclose(f) != 0 || text == NULL) {
        free(text);
        rpc_reply_nomem(r);
        return;
    }
    if (!store_ok) {
        free(text);
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the store now", NULL);
        r->retry_after = 1;
        return;
    }
    rpc_reply_text(r, 200, "text/plain; version=0.0.4", text, len);
}
