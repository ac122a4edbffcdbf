/* The analytics routes (docs/ANALYTICS.md): POST /api/v1/analytics/heartbeats, which takes a
 * media node's signed heartbeat into the analytics store (rpc/analytics.h), and the reads:
 * /api/v1/analytics/nodes, /nodes/{node_id}, /meetings/{meeting_id} and /network. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/hex.h"
#include "ledger/heartbeat.h"
#include "ledger/media.h"
#include "ledger/settle.h"
#include "rpc/analytics.h"
#include "rpc/internal/analytics.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/meetings.h"
#include "rpc/limits.h"
#include "rpc/render.h"

static const char *const metric_names[RPC_AN_METRICS] = {
    "load_permille", "participants", "kbps_in", "kbps_out",
    "loss_bp",       "jitter_ms",    "rtt_ms",  "cpu_permille"};

static const char *const reason_names[RPC_HB_REASONS] = {
    "malformed", "wrong_chain", "unknown_node", "bad_signature",
    "clock",     "replay",      "rate_limited", "store"};

const char *rpc_hb_reason_name(rpc_hb_reason r)
{
    CHR_ASSERT((size_t)r < RPC_HB_REASONS);
    return reason_names[r];
}

uint64_t rpc_clock_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec > 0 ? (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 : 0;
}

static void refuse(rpc_ctx *x, rpc_reply *r, rpc_hb_reason why, unsigned status, chr_err err,
                   const char *msg)
{
    atomic_fetch_add_explicit(&x->srv->hb_stats.refused[why], 1, memory_order_relaxed);
    rpc_reply_error(r, status, err, msg, why == RPC_HB_MALFORMED ? "heartbeat" : NULL);
}

/* The code of a decoder's error (ledger_heartbeat_decode's contract). */
static chr_err decode_code(chr_err err)
{
    chr_err code = CHR_ERR_HEARTBEAT;
    switch (err) {
    case CHR_ERR_TRUNCATED:
        code = CHR_ERR_TRUNCATED;
        break;
    case CHR_ERR_TRAILING:
        code = CHR_ERR_TRAILING;
        break;
    case CHR_ERR_TOO_LONG:
        code = CHR_ERR_TOO_LONG;
        break;
    case CHR_ERR_VERSION:
        code = CHR_ERR_VERSION;
        break;
    default:
        break;
    }
    return code;
}

/* The body's heartbeat, decoded: 0 and the answer when it is not one. */
static int heartbeat_body(rpc_ctx *x, rpc_reply *r, ledger_heartbeat *hb)
{
    static const char *const allowed[] = {"heartbeat", NULL};
    json_t *body = rpc_parse_body(x, r, allowed);
    if (body == NULL) {
        atomic_fetch_add_explicit(&x->srv->hb_stats.refused[RPC_HB_MALFORMED], 1,
                                  memory_order_relaxed);
        return 0;
    }
    json_t *h = json_object_get(body, "heartbeat");
    uint8_t bytes[LEDGER_HEARTBEAT_BYTES_MAX];
    size_t len = 0;
    chr_err err = CHR_OK;
    if (h == NULL) {
        refuse(x, r, RPC_HB_MALFORMED, 400, CHR_ERR_MISSING_FIELD, "heartbeat: required");
    } else if (!json_is_string(h)) {
        refuse(x, r, RPC_HB_MALFORMED, 400, CHR_ERR_JSON_TYPE, "heartbeat: a hex string");
    } else if (json_string_length(h) > 2 * sizeof(bytes) || json_string_length(h) % 2 != 0 ||
               chr_hex_decode(bytes, sizeof(bytes), &len, json_string_value(h),
                              json_string_length(h)) != CHR_OK) {
        refuse(x, r, RPC_HB_MALFORMED, 400, CHR_ERR_HEX, "heartbeat: hex of at most 1253 bytes");
    } else if ((err = ledger_heartbeat_decode(hb, bytes, len)) != CHR_OK) {
        refuse(x, r, RPC_HB_MALFORMED, 400, decode_code(err), chr_err_str(err));
    }
    int ok = h != NULL && json_is_string(h) && len > 0 && err == CHR_OK && r->body == NULL;
    json_decref(body);
    return ok;
}

/* Whether hb's node is a media node on the chain: 1, or 0 and the answer. */
static int heartbeat_node_known(rpc_ctx *x, rpc_reply *r, const ledger_heartbeat *hb)
{
    ledger_store_read *rd;
    ledger_object *o = malloc(sizeof(*o));
    int found = 0;
    chr_err err = o == NULL ? CHR_ERR_NOMEM : ledger_store_read_begin(x->srv->be.store, &rd);
    if (err == CHR_OK) {
        err = ledger_store_object(rd, LEDGER_STATE_MEDIA_NODE, hb->node_key, 32, o, &found);
        ledger_store_read_end(rd);
    }
    free(o);
    if (err != CHR_OK) {
        refuse(x, r, RPC_HB_STORE, 503, CHR_ERR_STORE, "cannot read the media nodes now");
        return 0;
    }
    if (!found) {
        refuse(x, r, RPC_HB_UNKNOWN_NODE, 403, CHR_ERR_UNKNOWN_OBJECT,
               "the heartbeat's node_key is no media node on this chain");
    }
    return found;
}

/* The answer to a heartbeat that decoded but that the check or the store refused. */
static void refuse_checked(rpc_ctx *x, rpc_reply *r, chr_err err)
{
    rpc_hb_reason why = RPC_HB_STORE;
    unsigned status = 503;
    chr_err code = CHR_ERR_STORE;
    const char *msg = "the analytics store cannot take it now";
    switch (err) {
    case CHR_ERR_CHAIN_ID:
        why = RPC_HB_WRONG_CHAIN, status = 400, msg = "the heartbeat is for another chain";
        code = CHR_ERR_CHAIN_ID;
        break;
    case CHR_ERR_PUBKEY:
    case CHR_ERR_SIGNATURE:
        why = RPC_HB_BAD_SIGNATURE, status = 401;
        msg = "the signature is not the node key's over this heartbeat";
        code = CHR_ERR_SIGNATURE;
        break;
    case CHR_ERR_HEARTBEAT_TIME:
        why = RPC_HB_CLOCK, status = 400, msg = "time_ms: too far from this node's clock";
        code = CHR_ERR_HEARTBEAT_TIME;
        break;
    case CHR_ERR_HEARTBEAT_REPLAY:
        why = RPC_HB_REPLAY, status = 409, msg = "time_ms: not after the node's last heartbeat";
        code = CHR_ERR_HEARTBEAT_REPLAY;
        break;
    case CHR_ERR_RATE_LIMITED:
        why = RPC_HB_RATE_LIMITED, status = 429, msg = "media node: heartbeats too close together";
        code = CHR_ERR_RATE_LIMITED;
        r->retry_after = 1;
        break;
    case CHR_ERR_MAP_FULL:
        code = CHR_ERR_MAP_FULL;
        break;
    default:
        break;
    }
    refuse(x, r, why, status, code, msg);
}

_Static_assert(LEDGER_HEARTBEAT_BYTES_MAX == 1253, "the messages and docs/ANALYTICS.md say 1253");

void rpc_handle_heartbeat(rpc_ctx *x, rpc_reply *r)
{
    rpc_analytics *a = x->srv->cfg.analytics;
    if (a == NULL) {
        rpc_reply_error(r, 503, CHR_ERR_STORE, "this node keeps no analytics", NULL);
        return;
    }
    uint8_t who[RPC_RATE_KEY_BYTES];
    unsigned retry = 0;
    rpc_client_key(x, who);
    if (!rpc_analytics_address_take(a, who, rpc_clock_ms(), &retry)) {
        r->retry_after = retry;
        refuse(x, r, RPC_HB_RATE_LIMITED, 429, CHR_ERR_RATE_LIMITED,
               "client address: too many heartbeats");
        return;
    }
    if (x->req->len > RPC_HEARTBEAT_BODY_BYTES_MAX) {
        refuse(x, r, RPC_HB_MALFORMED, 413, CHR_ERR_BODY_SIZE,
               "a heartbeat's body is at most 4096 bytes");
        return;
    }
    ledger_heartbeat *hb = malloc(sizeof(*hb));
    if (hb == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    if (!heartbeat_body(x, r, hb) || !heartbeat_node_known(x, r, hb)) {
        free(hb);
        return;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    chr_err err = ledger_heartbeat_verify(hb, tip.chain_id);
    err = err ? err : rpc_analytics_record(a, hb, rpc_clock_unix_ms());
    if (err == CHR_OK) {
        atomic_fetch_add_explicit(&x->srv->hb_stats.accepted, 1, memory_order_relaxed);
        rpc_reply_json(r, 200,
                       json_pack("{s:b,s:o,s:o}", "accepted", 1, "node_id",
                                 rpc_json_hex(hb->node_key, 32), "time",
                                 rpc_json_time(hb->time_ms)));
    } else {
        refuse_checked(x, r, err);
    }
    free(hb);
}

static json_t *current_json(const rpc_an_node *n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < RPC_AN_METRICS; i++) {
        json_object_set_new(o, metric_names[i], json_integer((json_int_t)n->v[i]));
    }
    json_object_set_new(o, "meetings", json_integer((json_int_t)n->meetings));
    return o;
}

void rpc_analytics_annotate(rpc_ctx *x, json_t *node, uint64_t now_ms, int full)
{
    rpc_analytics *a = x->srv->cfg.analytics;
    uint8_t key[32];
    size_t len = 0;
    const char *id = json_string_value(json_object_get(node, "id"));
    CHR_ASSERT(id != NULL);
    rpc_an_node n;
    int have = a != NULL && chr_hex_decode(key, 32, &len, id, strlen(id)) == CHR_OK &&
               rpc_analytics_node(a, key, &n) == CHR_OK;
    rpc_an_health h =
        a != NULL ? rpc_analytics_health(a, have ? &n : NULL, now_ms) : RPC_AN_OFFLINE;
    json_object_set_new(node, "health", json_string(rpc_an_health_name(h)));
    if (full) {
        json_object_set_new(node, "last_heartbeat", have ? rpc_json_time(n.time_ms) : json_null());
        json_object_set_new(node, "current", have ? current_json(&n) : json_null());
    }
}

/* ?window=: 1h (the default), 24h or 7d; 0 and a 400 otherwise. */
static int window_param(rpc_ctx *x, rpc_reply *r, rpc_an_window *w)
{
    const char *s = rpc_query(x, "window");
    *w = RPC_AN_1H;
    if (s == NULL || strcmp(s, "1h") == 0) {
        return 1;
    }
    if (strcmp(s, "24h") == 0 || strcmp(s, "7d") == 0) {
        *w = s[0] == '2' ? RPC_AN_24H : RPC_AN_7D;
        return 1;
    }
    rpc_reply_error(r, 400, CHR_ERR_ARG, "window: 1h, 24h or 7d", "window");
    return 0;
}

static const char *const window_names[] = {"1h", "24h", "7d"};

/* Kilobits as bytes (125 a kilobit), saturating. */
static json_t *kbit_bytes(uint64_t kbit)
{
    return rpc_json_u64(kbit > UINT64_MAX / 125 ? UINT64_MAX : kbit * 125);
}

static uint64_t sum_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static json_t *bucket_json(const rpc_an_bucket *b)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", rpc_json_time(b->start_ms));
    json_object_set_new(o, "heartbeats", json_integer((json_int_t)b->heartbeats));
    for (size_t i = 0; i < RPC_AN_METRICS; i++) {
        uint64_t mean = b->heartbeats ? b->sum[i] / b->heartbeats : 0;
        json_object_set_new(o, metric_names[i], json_integer((json_int_t)mean));
    }
    json_object_set_new(o, "participant_minutes", rpc_json_u64(b->participant_ms / 60000));
    json_object_set_new(o, "bytes_in", kbit_bytes(b->kbit_in));
    json_object_set_new(o, "bytes_out", kbit_bytes(b->kbit_out));
    return o;
}

/* The nearest-rank percentile p (of 100) of n sorted values. */
static uint64_t percentile(const uint64_t *sorted, size_t n, unsigned p)
{
    CHR_ASSERT(n > 0 && p <= 100);
    size_t rank = (n * p + 99) / 100;
    return sorted[rank > 0 ? rank - 1 : 0];
}

/* A window's totals, and per figure the mean, the max and the percentiles of the buckets'
 * means (docs/ANALYTICS.md, "Percentiles"). */
static json_t *summary_json(const rpc_an_bucket *b, size_t n)
{
    rpc_an_bucket t;
    memset(&t, 0, sizeof(t));
    for (size_t i = 0; i < n; i++) {
        t.heartbeats = sum_sat(t.heartbeats, b[i].heartbeats);
        t.participant_ms = sum_sat(t.participant_ms, b[i].participant_ms);
        t.kbit_in = sum_sat(t.kbit_in, b[i].kbit_in);
        t.kbit_out = sum_sat(t.kbit_out, b[i].kbit_out);
        for (size_t m = 0; m < RPC_AN_METRICS; m++) {
            t.sum[m] = sum_sat(t.sum[m], b[i].sum[m]);
            t.max[m] = b[i].max[m] > t.max[m] ? b[i].max[m] : t.max[m];
        }
    }
    json_t *o = bucket_json(&t);
    json_object_del(o, "start");
    json_t *pct = json_object();
    for (size_t m = 0; m < RPC_AN_METRICS && n > 0; m++) {
        uint64_t v[RPC_AN_WINDOW_BUCKETS_MAX];
        for (size_t i = 0; i < n; i++) {
            uint64_t x = b[i].heartbeats ? b[i].sum[m] / b[i].heartbeats : 0;
            size_t j = i;
            for (; j > 0 && v[j - 1] > x; j--) {
                v[j] = v[j - 1];
            }
            v[j] = x;
        }
        json_object_set_new(pct, metric_names[m],
                            json_pack("{s:I,s:I,s:I,s:I}", "p50", (json_int_t)percentile(v, n, 50),
                                      "p95", (json_int_t)percentile(v, n, 95), "p99",
                                      (json_int_t)percentile(v, n, 99), "max",
                                      (json_int_t)t.max[m]));
    }
    json_object_set_new(o, "percentiles", pct);
    return o;
}

/* The series and summary of key (NULL: the network) over w: NULL and the answer on error. */
static json_t *window_json(rpc_ctx *x, rpc_reply *r, const uint8_t *key, rpc_an_window w,
                           uint64_t now_ms, int series)
{
    rpc_an_bucket *b = malloc(RPC_AN_WINDOW_BUCKETS_MAX * sizeof(*b));
    size_t n = 0;
    chr_err err = b == NULL ? CHR_ERR_NOMEM
                            : rpc_analytics_series(x->srv->cfg.analytics, key, w, now_ms, b, &n);
    if (err != CHR_OK) {
        free(b);
        rpc_reply_meeting_error(r, err == CHR_ERR_NOMEM ? err : CHR_ERR_STORE);
        return NULL;
    }
    json_t *o = summary_json(b, n);
    json_object_set_new(o, "window", json_string(window_names[w]));
    if (series) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(arr, bucket_json(&b[i]));
        }
        json_object_set_new(o, "series", arr);
    }
    free(b);
    return o;
}

static int have_store(rpc_ctx *x, rpc_reply *r)
{
    if (x->srv->cfg.analytics == NULL) {
        rpc_reply_error(r, 503, CHR_ERR_STORE, "this node keeps no analytics", NULL);
        return 0;
    }
    return 1;
}

void rpc_handle_analytics_node(rpc_ctx *x, rpc_reply *r)
{
    uint8_t key[32];
    size_t len = 0;
    const char *seg = x->segs[4];
    rpc_an_window w;
    if (strlen(seg) != 64 || chr_hex_decode(key, 32, &len, seg, 64) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "node_id: the node key, 64 hex characters", "node_id");
        return;
    }
    if (!window_param(x, r, &w) || !have_store(x, r)) {
        return;
    }
    json_t *node = NULL;
    chr_err err = rpc_media_node_json(x->srv->be.store, key, &node);
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such media node", NULL);
        return;
    }
    if (err != CHR_OK) {
        rpc_reply_meeting_error(r, err);
        return;
    }
    uint64_t now = rpc_clock_unix_ms();
    rpc_analytics_annotate(x, node, now, 1);
    json_t *win = window_json(x, r, key, w, now, 1);
    if (win == NULL) {
        json_decref(node);
        return;
    }
    json_object_set_new(node, "analytics", win);
    rpc_reply_json(r, 200, node);
}

void rpc_handle_analytics_nodes(rpc_ctx *x, rpc_reply *r)
{
    rpc_media_nodes_list(x, r, 1);
}

static json_t *mean_max(uint64_t sum, uint64_t max, uint64_t n)
{
    return json_pack("{s:I,s:I}", "mean", (json_int_t)(n ? sum / n : 0), "max", (json_int_t)max);
}

static json_t *meeting_row_json(const rpc_an_meeting *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "node_id", rpc_json_hex(m->node_key, 32));
    json_object_set_new(o, "first_heartbeat", rpc_json_time(m->first_ms));
    json_object_set_new(o, "last_heartbeat", rpc_json_time(m->last_ms));
    json_object_set_new(o, "heartbeats", json_integer((json_int_t)m->heartbeats));
    json_object_set_new(o, "participants_max", json_integer((json_int_t)m->participants_max));
    json_object_set_new(o, "participant_minutes", rpc_json_u64(m->participant_ms / 60000));
    json_object_set_new(o, "bytes_in", kbit_bytes(m->kbit_in));
    json_object_set_new(o, "bytes_out", kbit_bytes(m->kbit_out));
    json_object_set_new(o, "loss_bp", mean_max(m->sum_loss_bp, m->max_loss_bp, m->heartbeats));
    json_object_set_new(o, "jitter_ms",
                        mean_max(m->sum_jitter_ms, m->max_jitter_ms, m->heartbeats));
    json_object_set_new(o, "rtt_ms", mean_max(m->sum_rtt_ms, m->max_rtt_ms, m->heartbeats));
    return o;
}

void rpc_handle_analytics_meeting(rpc_ctx *x, rpc_reply *r)
{
    uint8_t id[LEDGER_MEETING_ID_LEN];
    if (!rpc_meeting_id_param(x->segs[4], r, id) || !have_store(x, r)) {
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        rpc_reply_meeting_error(r, CHR_ERR_STORE);
        return;
    }
    json_t *pay = NULL;
    chr_err err = rpc_meeting_payments_read(rd, id, &pay);
    ledger_store_read_end(rd);
    rpc_an_meeting rows[RPC_AN_MEETING_NODES_MAX];
    size_t n = 0;
    err =
        err ? err
            : rpc_analytics_meeting(x->srv->cfg.analytics, id, rows, RPC_AN_MEETING_NODES_MAX, &n);
    if (err != CHR_OK) {
        json_decref(pay);
        rpc_reply_meeting_error(r, err);
        return;
    }
    uint64_t minutes = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(pay, "claims"), i, c) {
        minutes += (uint64_t)json_integer_value(json_object_get(c, "final_minutes")) +
                   (uint64_t)json_integer_value(json_object_get(c, "pending_minutes"));
    }
    json_t *nodes = json_array();
    for (i = 0; i < n; i++) {
        json_array_append_new(nodes, meeting_row_json(&rows[i]));
    }
    rpc_reply_json(r, 200,
                   json_pack("{s:o,s:o,s:o,s:o}", "meeting_id",
                             rpc_json_hex(id, LEDGER_MEETING_ID_LEN), "minutes_carried",
                             rpc_json_u64(minutes), "payments", pay, "nodes", nodes));
}

/* What the chain paid operators for the meetings with heartbeats since since_ms: *paid and
 * *meetings, *partial when the count stopped at its bound. */
static chr_err window_earnings(rpc_ctx *x, ledger_store_read *rd, uint64_t since_ms, uint8_t *ids,
                               uint64_t *paid, size_t *meetings, int *partial)
{
    *paid = 0;
    chr_err err = rpc_analytics_meetings_since(x->srv->cfg.analytics, since_ms, ids,
                                               RPC_AN_MEETINGS_SCAN_MAX, meetings, partial);
    ledger_object *o = malloc(sizeof(*o));
    err = err ? err : o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    for (size_t i = 0; err == CHR_OK && i < *meetings; i++) {
        int found = 0;
        ledger_settlement s;
        err = ledger_store_object(rd, LEDGER_STATE_MEETING_SETTLEMENT, ids + i * 12, 12, o, &found);
        if (err == CHR_OK && found &&
            ledger_settlement_decode(&s, o->value, o->value_len) != CHR_OK) {
            err = CHR_ERR_STORE;
        }
        if (err == CHR_OK && found) {
            *paid = sum_sat(*paid, s.paid);
        }
    }
    free(o);
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err;
}

void rpc_handle_analytics_network(rpc_ctx *x, rpc_reply *r)
{
    static const uint64_t window_ms[] = {3600000u, 86400000u, 7u * 86400000u};
    if (!have_store(x, r)) {
        return;
    }
    uint64_t now = rpc_clock_unix_ms();
    uint8_t *ids = malloc(RPC_AN_MEETINGS_SCAN_MAX * 12);
    ledger_store_read *rd = NULL;
    if (ids == NULL || ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        free(ids);
        rpc_reply_meeting_error(r, ids == NULL ? CHR_ERR_NOMEM : CHR_ERR_STORE);
        return;
    }
    json_t *wins = json_object();
    chr_err err = CHR_OK;
    for (size_t w = 0; w < 3 && err == CHR_OK; w++) {
        json_t *o = window_json(x, r, NULL, (rpc_an_window)w, now, 0);
        uint64_t paid = 0;
        size_t meetings = 0;
        int partial = 0;
        err = o == NULL ? CHR_ERR_INTERNAL
                        : window_earnings(x, rd, now > window_ms[w] ? now - window_ms[w] : 0, ids,
                                          &paid, &meetings, &partial);
        if (err == CHR_OK) {
            json_object_set_new(o, "meetings", json_integer((json_int_t)meetings));
            json_object_set_new(o, "meetings_partial", json_boolean(partial));
            json_object_set_new(o, "earnings", rpc_json_u64(paid));
            json_object_set_new(wins, window_names[w], o);
        } else {
            json_decref(o);
        }
    }
    ledger_store_read_end(rd);
    free(ids);
    if (err != CHR_OK) {
        json_decref(wins);
        if (err != CHR_ERR_INTERNAL) { /* else window_json answered */
            rpc_reply_meeting_error(r, err);
        }
        return;
    }
    rpc_reply_json(r, 200, json_pack("{s:o,s:o}", "time", rpc_json_time(now), "windows", wins));
}
