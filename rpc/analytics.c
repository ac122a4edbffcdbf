/* The analytics store (rpc/analytics.h): heartbeats into time buckets in an LMDB
 * environment of the node's own. */
#include "rpc/analytics.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/lmdb_err.h"
#include "common/log.h"
#include "rpc/internal/ratelimit.h"
#include "rpc/limits.h"

#define AN_PATH_MAX 4096
#define AN_MINUTE_MS 60000u
#define AN_HOUR_MS 3600000u
/* The row layout's version: a store of another is emptied at open. */
#define AN_LAYOUT "chroom-analytics-1"
/* Row kinds, the first byte of every key. */
#define AN_KIND_VERSION 'V'
#define AN_KIND_NODE 'N'
#define AN_KIND_MINUTE 'm'
#define AN_KIND_HOUR 'h'
#define AN_KIND_MEETING 'M'
/* The key the network's buckets are kept under: 32 bytes of 0xff is above the field prime, so
 * never the x coordinate of a node's key (BIP-340 lift_x). */
static const uint8_t an_network[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* kind | 32-byte node or 12-byte meeting and 32-byte node | u64 start. */
#define AN_KEY_MAX (1 + 12 + 32 + 8)

struct rpc_analytics {
    MDB_env *env;
    MDB_dbi dbi;
    rpc_an_config cfg;
    rpc_rate *addr_rate; /* heartbeats by client address */
    char data_dir[AN_PATH_MAX];
    /* The sweep's place, read and written only inside write transactions (LMDB runs one at
     * a time, which is the lock). */
    uint64_t swept_ms;
    uint8_t sweep_key[AN_KEY_MAX];
    size_t sweep_key_len;
};

_Static_assert(sizeof(rpc_an_node) % 8 == 0 && sizeof(rpc_an_bucket) % 8 == 0 &&
                   sizeof(rpc_an_meeting) % 8 == 0,
               "rows are whole u64s: no padding reaches the store");

static size_t bucket_key(uint8_t out[AN_KEY_MAX], uint8_t kind, const uint8_t node[32],
                         uint64_t start_ms)
{
    out[0] = kind;
    memcpy(out + 1, node, 32);
    chr_put_u64be(out + 33, start_ms);
    return 41;
}

static chr_err env_open(rpc_analytics *a, const char *dir)
{
    int rc = mdb_env_create(&a->env);
    rc = rc ? rc : mdb_env_set_maxdbs(a->env, 1);
    rc = rc ? rc : mdb_env_set_maxreaders(a->env, RPC_AN_READERS_MAX);
    rc = rc ? rc : mdb_env_set_mapsize(a->env, (size_t)a->cfg.map_mb * 1024 * 1024);
    /* MDB_NOSYNC: these are figures, not records; a crash may lose the last seconds of
     * them, and a heartbeat costs no fsync. MDB_NOTLS: a read belongs to its call. */
    rc = rc ? rc : mdb_env_open(a->env, dir, MDB_NOTLS | MDB_NOSYNC, 0600);
    int dead = 0;
    rc = rc ? rc : mdb_reader_check(a->env, &dead);
    MDB_txn *txn = NULL;
    rc = rc ? rc : mdb_txn_begin(a->env, NULL, 0, &txn);
    rc = rc ? rc : mdb_dbi_open(txn, "analytics", MDB_CREATE, &a->dbi);
    uint8_t vk = AN_KIND_VERSION;
    MDB_val k = {1, &vk};
    MDB_val v = {0, NULL};
    int got = rc ? rc : mdb_get(txn, a->dbi, &k, &v);
    if (rc == 0 && (got != 0 || v.mv_size != sizeof(AN_LAYOUT) - 1 ||
                    memcmp(v.mv_data, AN_LAYOUT, v.mv_size) != 0)) {
        if (got == 0) {
            CHR_LOG_W("analytics: %s holds another row layout: emptied", dir);
        }
        MDB_val lv = {sizeof(AN_LAYOUT) - 1, (void *)(uintptr_t)AN_LAYOUT};
        rc = mdb_drop(txn, a->dbi, 0);
        rc = rc ? rc : mdb_put(txn, a->dbi, &k, &lv, 0);
    }
    if (txn != NULL) {
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
    }
    return rc ? chr_lmdb_err(rc, "analytics: open") : CHR_OK;
}

chr_err rpc_analytics_open(rpc_analytics **out, const rpc_an_config *cfg, char *errmsg, size_t cap)
{
    *out = NULL;
    CHR_ASSERT(cfg->map_mb >= RPC_AN_MAP_MB_MIN && cfg->map_mb <= RPC_AN_MAP_MB_MAX);
    char dir[AN_PATH_MAX];
    if ((size_t)snprintf(dir, sizeof(dir), "%s/analytics", cfg->data_dir) >= sizeof(dir)) {
        snprintf(errmsg, cap, "%s: path too long", cfg->data_dir);
        return CHR_ERR_IO;
    }
    if ((mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        snprintf(errmsg, cap, "cannot create %s: %s", dir, strerror(errno));
        return CHR_ERR_IO;
    }
    rpc_analytics *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return CHR_ERR_NOMEM;
    }
    a->cfg = *cfg;
    snprintf(a->data_dir, sizeof(a->data_dir), "%s", cfg->data_dir);
    a->cfg.data_dir = a->data_dir;
    chr_err err = rpc_rate_new(&a->addr_rate, RPC_RATE_BUCKETS);
    err = err ? err : env_open(a, dir);
    if (err != CHR_OK) {
        snprintf(errmsg, cap, "%s: %s", dir, chr_err_str(err));
        rpc_analytics_close(a);
        return err;
    }
    *out = a;
    return CHR_OK;
}

void rpc_analytics_close(rpc_analytics *a)
{
    if (a == NULL) {
        return;
    }
    if (a->env != NULL) {
        mdb_env_close(a->env);
    }
    rpc_rate_free(a->addr_rate);
    free(a);
}

int rpc_analytics_address_take(rpc_analytics *a, const uint8_t key[16], uint64_t now_ms,
                               unsigned *retry_after_s)
{
    rpc_rate_result rr;
    rpc_rate_take(a->addr_rate, &rr, key, a->cfg.addr_per_min, now_ms);
    *retry_after_s = rr.allowed ? 0 : (unsigned)rr.retry_after_s;
    return rr.allowed;
}

const rpc_an_config *rpc_analytics_config(const rpc_analytics *a)
{
    return &a->cfg;
}

/* Reads a row of exactly len bytes into out: 1 found, 0 not, -1 an LMDB error or a row of
 * another size (our own store damaged: logged). */
static int row_get(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, size_t key_len, void *out,
                   size_t len)
{
    MDB_val k = {key_len, (void *)(uintptr_t)key};
    MDB_val v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
        memset(out, 0, len);
        return 0;
    }
    if (rc != 0 || v.mv_size != len) {
        CHR_LOG_E("analytics: row of kind %c: %s", key[0], rc ? mdb_strerror(rc) : "wrong size");
        return -1;
    }
    memcpy(out, v.mv_data, len);
    return 1;
}

static int row_put(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key, size_t key_len, const void *row,
                   size_t len)
{
    MDB_val k = {key_len, (void *)(uintptr_t)key};
    MDB_val v = {len, (void *)(uintptr_t)row};
    return mdb_put(txn, dbi, &k, &v, 0);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Adds one heartbeat's figures, counted for gap_ms, to bucket b. */
static void bucket_add(rpc_an_bucket *b, const uint64_t v[RPC_AN_METRICS], uint64_t gap_ms)
{
    b->heartbeats++;
    for (size_t i = 0; i < RPC_AN_METRICS; i++) {
        b->sum[i] = sat_add(b->sum[i], v[i]);
        b->max[i] = v[i] > b->max[i] ? v[i] : b->max[i];
    }
    /* Each product is below 2^32 * 2^16: no overflow before the saturating sum. */
    b->participant_ms = sat_add(b->participant_ms, v[RPC_AN_PARTICIPANTS] * gap_ms);
    b->kbit_in = sat_add(b->kbit_in, v[RPC_AN_KBPS_IN] * gap_ms / 1000);
    b->kbit_out = sat_add(b->kbit_out, v[RPC_AN_KBPS_OUT] * gap_ms / 1000);
}

static int buckets_add(MDB_txn *txn, MDB_dbi dbi, const uint8_t node[32], uint64_t time_ms,
                       const uint64_t v[RPC_AN_METRICS], uint64_t gap_ms)
{
    static const struct {
        uint8_t kind;
        uint64_t ms;
    } res[] = {{AN_KIND_MINUTE, AN_MINUTE_MS}, {AN_KIND_HOUR, AN_HOUR_MS}};
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        uint8_t key[AN_KEY_MAX];
        rpc_an_bucket b;
        uint64_t start = time_ms / res[i].ms * res[i].ms;
        size_t kl = bucket_key(key, res[i].kind, node, start);
        if (row_get(txn, dbi, key, kl, &b, sizeof(b)) < 0) {
            return MDB_CORRUPTED;
        }
        b.start_ms = start;
        bucket_add(&b, v, gap_ms);
        int rc = row_put(txn, dbi, key, kl, &b, sizeof(b));
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int meetings_add(MDB_txn *txn, MDB_dbi dbi, const ledger_heartbeat *hb, uint64_t gap_ms)
{
    for (size_t i = 0; i < hb->meetings_len; i++) {
        const ledger_hb_meeting *m = &hb->meetings[i];
        uint8_t key[AN_KEY_MAX];
        rpc_an_meeting r;
        key[0] = AN_KIND_MEETING;
        memcpy(key + 1, m->meeting_id, 12);
        memcpy(key + 13, hb->node_key, 32);
        int got = row_get(txn, dbi, key, 45, &r, sizeof(r));
        if (got < 0) {
            return MDB_CORRUPTED;
        }
        if (got == 0) {
            memcpy(r.node_key, hb->node_key, 32);
            r.first_ms = hb->time_ms;
        }
        r.last_ms = hb->time_ms;
        r.heartbeats++;
        r.participants_max =
            m->f.participants > r.participants_max ? m->f.participants : r.participants_max;
        r.participant_ms = sat_add(r.participant_ms, (uint64_t)m->f.participants * gap_ms);
        r.kbit_in = sat_add(r.kbit_in, (uint64_t)m->f.kbps_in * gap_ms / 1000);
        r.kbit_out = sat_add(r.kbit_out, (uint64_t)m->f.kbps_out * gap_ms / 1000);
        r.sum_loss_bp = sat_add(r.sum_loss_bp, m->f.loss_bp);
        r.sum_jitter_ms = sat_add(r.sum_jitter_ms, m->f.jitter_ms);
        r.sum_rtt_ms = sat_add(r.sum_rtt_ms, m->f.rtt_ms);
        r.max_loss_bp = m->f.loss_bp > r.max_loss_bp ? m->f.loss_bp : r.max_loss_bp;
        r.max_jitter_ms = m->f.jitter_ms > r.max_jitter_ms ? m->f.jitter_ms : r.max_jitter_ms;
        r.max_rtt_ms = m->f.rtt_ms > r.max_rtt_ms ? m->f.rtt_ms : r.max_rtt_ms;
        int rc = row_put(txn, dbi, key, 45, &r, sizeof(r));
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Whether the row under key is past its time at now_ms. */
static int row_expired(const rpc_analytics *a, const MDB_val *k, const MDB_val *v, uint64_t now_ms)
{
    const uint8_t *key = k->mv_data;
    uint64_t keep = a->cfg.retention_ms;
    uint64_t t;
    if ((key[0] == AN_KIND_MINUTE || key[0] == AN_KIND_HOUR) && k->mv_size == 41) {
        keep = key[0] == AN_KIND_MINUTE ? RPC_AN_MINUTES_KEPT_MS : keep;
        t = chr_get_u64be(key + 33);
    } else if (key[0] == AN_KIND_NODE && v->mv_size == sizeof(rpc_an_node)) {
        memcpy(&t, (const uint8_t *)v->mv_data + offsetof(rpc_an_node, received_ms), 8);
    } else if (key[0] == AN_KIND_MEETING && v->mv_size == sizeof(rpc_an_meeting)) {
        memcpy(&t, (const uint8_t *)v->mv_data + offsetof(rpc_an_meeting, last_ms), 8);
    } else {
        return 0;
    }
    return t + keep < now_ms;
}

/* Deletes rows past their time, at most RPC_AN_SWEEP_ROWS_MAX read, from where the last sweep
 * stopped; at most once every RPC_AN_SWEEP_INTERVAL_MS unless the last one stopped early. */
static int sweep(rpc_analytics *a, MDB_txn *txn, uint64_t now_ms)
{
    if (a->sweep_key_len == 0 && now_ms < a->swept_ms + RPC_AN_SWEEP_INTERVAL_MS) {
        return 0;
    }
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, a->dbi, &c);
    if (rc != 0) {
        return rc;
    }
    MDB_val k = {a->sweep_key_len, a->sweep_key};
    MDB_val v;
    rc = mdb_cursor_get(c, &k, &v, a->sweep_key_len ? MDB_SET_RANGE : MDB_FIRST);
    size_t read = 0;
    while (rc == 0 && read++ < RPC_AN_SWEEP_ROWS_MAX) {
        if (row_expired(a, &k, &v, now_ms)) {
            rc = mdb_cursor_del(c, 0);
            rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
        } else {
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
    }
    if (rc == 0 && k.mv_size <= AN_KEY_MAX) {
        memcpy(a->sweep_key, k.mv_data, k.mv_size);
        a->sweep_key_len = k.mv_size;
    } else {
        a->sweep_key_len = 0;
        a->swept_ms = now_ms;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static void node_values(uint64_t v[RPC_AN_METRICS], const ledger_heartbeat *hb)
{
    v[RPC_AN_LOAD] = hb->load_permille;
    v[RPC_AN_PARTICIPANTS] = hb->f.participants;
    v[RPC_AN_KBPS_IN] = hb->f.kbps_in;
    v[RPC_AN_KBPS_OUT] = hb->f.kbps_out;
    v[RPC_AN_LOSS] = hb->f.loss_bp;
    v[RPC_AN_JITTER] = hb->f.jitter_ms;
    v[RPC_AN_RTT] = hb->f.rtt_ms;
    v[RPC_AN_CPU] = hb->cpu_permille;
}

/* The node row's checks and update inside txn: a chr_err of the contract, or CHR_OK and
 * *gap_ms. */
static chr_err node_update(rpc_analytics *a, MDB_txn *txn, const ledger_heartbeat *hb,
                           uint64_t now_ms, uint64_t *gap_ms, int *rc)
{
    uint8_t key[33];
    rpc_an_node n;
    key[0] = AN_KIND_NODE;
    memcpy(key + 1, hb->node_key, 32);
    int got = row_get(txn, a->dbi, key, sizeof(key), &n, sizeof(n));
    *gap_ms = 0;
    if (got < 0) {
        return CHR_ERR_STORE;
    }
    if (got > 0 && hb->time_ms <= n.time_ms) {
        return CHR_ERR_HEARTBEAT_REPLAY;
    }
    if (got > 0 && hb->time_ms - n.time_ms < a->cfg.interval_min_ms) {
        return CHR_ERR_RATE_LIMITED;
    }
    if (got > 0) {
        *gap_ms = hb->time_ms - n.time_ms < RPC_AN_GAP_MS_MAX ? hb->time_ms - n.time_ms
                                                              : RPC_AN_GAP_MS_MAX;
    }
    n.time_ms = hb->time_ms;
    n.received_ms = now_ms;
    n.heartbeats++;
    node_values(n.v, hb);
    n.meetings = hb->meetings_len;
    *rc = row_put(txn, a->dbi, key, sizeof(key), &n, sizeof(n));
    return CHR_OK;
}

chr_err rpc_analytics_record(rpc_analytics *a, const ledger_heartbeat *hb, uint64_t now_ms)
{
    CHR_ASSERT(hb->time_ms > 0);
    uint64_t skew = hb->time_ms > now_ms ? hb->time_ms - now_ms : now_ms - hb->time_ms;
    if (skew > a->cfg.clock_skew_ms) {
        return CHR_ERR_HEARTBEAT_TIME;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(a->env, NULL, 0, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "analytics: begin");
    }
    uint64_t gap = 0;
    uint64_t v[RPC_AN_METRICS];
    node_values(v, hb);
    chr_err err = node_update(a, txn, hb, now_ms, &gap, &rc);
    if (err == CHR_OK) {
        rc = rc ? rc : buckets_add(txn, a->dbi, hb->node_key, hb->time_ms, v, gap);
        rc = rc ? rc : buckets_add(txn, a->dbi, an_network, hb->time_ms, v, gap);
        rc = rc ? rc : meetings_add(txn, a->dbi, hb, gap);
        rc = rc ? rc : sweep(a, txn, now_ms);
        if (rc != 0) {
            mdb_txn_abort(txn);
        } else {
            rc = mdb_txn_commit(txn); /* frees txn, failed or not */
        }
        if (rc != 0) {
            a->sweep_key_len = 0; /* the sweep's place may name a row the abort brought back */
            return rc == MDB_CORRUPTED ? CHR_ERR_STORE : chr_lmdb_err(rc, "analytics: record");
        }
        return CHR_OK;
    }
    mdb_txn_abort(txn);
    return err;
}

chr_err rpc_analytics_node(rpc_analytics *a, const uint8_t key[32], rpc_an_node *out)
{
    memset(out, 0, sizeof(*out));
    MDB_txn *txn;
    int rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "analytics: read");
    }
    uint8_t k[33];
    k[0] = AN_KIND_NODE;
    memcpy(k + 1, key, 32);
    int got = row_get(txn, a->dbi, k, sizeof(k), out, sizeof(*out));
    mdb_txn_abort(txn);
    return got < 0 ? CHR_ERR_STORE : got == 0 ? CHR_ERR_NOT_FOUND : CHR_OK;
}

rpc_an_health rpc_analytics_health(const rpc_analytics *a, const rpc_an_node *n, uint64_t now_ms)
{
    if (n == NULL) {
        return RPC_AN_OFFLINE;
    }
    uint64_t age = now_ms > n->received_ms ? now_ms - n->received_ms : 0;
    if (age > a->cfg.offline_after_ms) {
        return RPC_AN_OFFLINE;
    }
    if (age > a->cfg.degraded_after_ms || n->v[RPC_AN_LOSS] > RPC_AN_DEGRADED_LOSS_BP ||
        n->v[RPC_AN_RTT] > RPC_AN_DEGRADED_RTT_MS ||
        n->v[RPC_AN_JITTER] > RPC_AN_DEGRADED_JITTER_MS ||
        n->v[RPC_AN_LOAD] > RPC_AN_DEGRADED_PERMILLE ||
        n->v[RPC_AN_CPU] > RPC_AN_DEGRADED_PERMILLE) {
        return RPC_AN_DEGRADED;
    }
    return RPC_AN_HEALTHY;
}

const char *rpc_an_health_name(rpc_an_health h)
{
    return h == RPC_AN_HEALTHY ? "healthy" : h == RPC_AN_DEGRADED ? "degraded" : "offline";
}

/* Ends a read: CHR_OK when rc is 0 or MDB_NOTFOUND (the end of the rows), else the error,
 * with *n zeroed. */
static chr_err read_end(MDB_txn *txn, MDB_cursor *c, int rc, size_t *n, const char *what)
{
    if (c != NULL) {
        mdb_cursor_close(c);
    }
    mdb_txn_abort(txn);
    if (rc == 0 || rc == MDB_NOTFOUND) {
        return CHR_OK;
    }
    *n = 0;
    if (rc == MDB_CORRUPTED) {
        CHR_LOG_E("%s: a row of the wrong size", what);
        return CHR_ERR_STORE;
    }
    return chr_lmdb_err(rc, what);
}

chr_err rpc_analytics_series(rpc_analytics *a, const uint8_t *key, rpc_an_window w, uint64_t now_ms,
                             rpc_an_bucket *out, size_t *n)
{
    static const struct {
        uint8_t kind;
        uint64_t ms;
        uint64_t buckets;
    } win[] = {{AN_KIND_MINUTE, AN_MINUTE_MS, 60},
               {AN_KIND_HOUR, AN_HOUR_MS, 24},
               {AN_KIND_HOUR, AN_HOUR_MS, 168}};
    CHR_ASSERT((size_t)w < sizeof(win) / sizeof(win[0]));
    CHR_ASSERT(win[w].buckets <= RPC_AN_WINDOW_BUCKETS_MAX);
    *n = 0;
    uint64_t last = now_ms / win[w].ms * win[w].ms;
    uint64_t span = (win[w].buckets - 1) * win[w].ms;
    uint64_t first = last > span ? last - span : 0;
    const uint8_t *node = key != NULL ? key : an_network;
    MDB_txn *txn;
    MDB_cursor *c = NULL;
    int rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "analytics: series");
    }
    rc = mdb_cursor_open(txn, a->dbi, &c);
    uint8_t k0[AN_KEY_MAX];
    MDB_val k = {bucket_key(k0, win[w].kind, node, first), k0};
    MDB_val v;
    rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && *n < win[w].buckets && k.mv_size == 41 && memcmp(k.mv_data, k0, 33) == 0 &&
           chr_get_u64be((const uint8_t *)k.mv_data + 33) <= last) {
        if (v.mv_size != sizeof(rpc_an_bucket)) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy(&out[(*n)++], v.mv_data, sizeof(rpc_an_bucket));
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    return read_end(txn, c, rc, n, "analytics: series");
}

chr_err rpc_analytics_meeting(rpc_analytics *a, const uint8_t id[12], rpc_an_meeting *out,
                              size_t cap, size_t *n)
{
    *n = 0;
    MDB_txn *txn;
    MDB_cursor *c = NULL;
    int rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "analytics: meeting");
    }
    rc = mdb_cursor_open(txn, a->dbi, &c);
    uint8_t k0[13];
    k0[0] = AN_KIND_MEETING;
    memcpy(k0 + 1, id, 12);
    MDB_val k = {sizeof(k0), k0};
    MDB_val v;
    rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && *n < cap && k.mv_size == 45 && memcmp(k.mv_data, k0, 13) == 0) {
        if (v.mv_size != sizeof(rpc_an_meeting)) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy(&out[(*n)++], v.mv_data, sizeof(rpc_an_meeting));
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    return read_end(txn, c, rc, n, "analytics: meeting");
}

chr_err rpc_analytics_meetings_since(rpc_analytics *a, uint64_t since_ms, uint8_t *ids, size_t cap,
                                     size_t *n, int *partial)
{
    *n = 0;
    *partial = 0;
    MDB_txn *txn;
    MDB_cursor *c = NULL;
    int rc = mdb_txn_begin(a->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return chr_lmdb_err(rc, "analytics: meetings");
    }
    rc = mdb_cursor_open(txn, a->dbi, &c);
    uint8_t kind = AN_KIND_MEETING;
    MDB_val k = {1, &kind};
    MDB_val v;
    size_t read = 0;
    rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == 45 && ((const uint8_t *)k.mv_data)[0] == AN_KIND_MEETING) {
        const uint8_t *id = (const uint8_t *)k.mv_data + 1;
        rpc_an_meeting m;
        if (v.mv_size != sizeof(m)) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (read++ == RPC_AN_MEETINGS_SCAN_MAX) {
            *partial = 1;
            break;
        }
        memcpy(&m, v.mv_data, sizeof(m));
        /* A meeting's rows (one per node) are next to each other: one id each. */
        if (m.last_ms >= since_ms && (*n == 0 || memcmp(ids + (*n - 1) * 12, id, 12) != 0)) {
            if (*n == cap) {
                *partial = 1;
                break;
            }
            memcpy(ids + (*n)++ * 12, id, 12);
        }
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    return read_end(txn, c, rc, n, "analytics: meetings");
}
