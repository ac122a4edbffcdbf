/* The connection table and its reaper (rpc/internal/conns.h). */
#include "rpc/internal/conns.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/assert.h"
#include "common/log.h"
#include "common/thread.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/limits.h"

#define CONN_NONE UINT32_MAX

struct rpc_conns {
    struct rpc_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    rpc_conn *slots;
    size_t cap;
    size_t live;
    uint32_t free_head;
    uint64_t request_timeout_ms;
    /* The reaper's scratch for eviction, cap entries each. */
    rpc_conn_view *views;
    uint32_t *view_slot;
    uint32_t *chosen;
    uint32_t *scratch;
    int pressure;          /* live passed the high-water mark since the last look */
    uint64_t next_scan_ms; /* when every connection is next checked */
    int closed;
    int started;
    pthread_t thread;
    atomic_ullong timed_out, evicted, gone;
};

int rpc_conn_evictable(const rpc_conn_view *v)
{
    return v->state == RPC_CONN_WAITING || (v->state == RPC_CONN_BODY && !v->authed);
}

/* Never-keyed connections before keyed ones, then the oldest first. */
static int evict_cmp(const void *a, const void *b, void *arg)
{
    const rpc_conn_view *views = arg;
    const rpc_conn_view *x = &views[*(const uint32_t *)a];
    const rpc_conn_view *y = &views[*(const uint32_t *)b];
    if (x->keyed != y->keyed) {
        return x->keyed ? 1 : -1;
    }
    if (x->since_ms != y->since_ms) {
        return x->since_ms < y->since_ms ? -1 : 1;
    }
    return 0;
}

size_t rpc_conn_evict_choose(const rpc_conn_view *views, size_t len, size_t want, uint32_t *out,
                             size_t out_cap, uint32_t *scratch)
{
    CHR_ASSERT(want <= out_cap);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (rpc_conn_evictable(&views[i])) {
            scratch[n++] = (uint32_t)i;
        }
    }
    qsort_r(scratch, n, sizeof(scratch[0]), evict_cmp, (void *)(uintptr_t)views);
    size_t k = n < want ? n : want;
    memcpy(out, scratch, k * sizeof(out[0]));
    return k;
}

int rpc_body_budget_take(rpc_body_budget *b, uint64_t n)
{
    uint64_t before = atomic_fetch_add(&b->used, n);
    if (before + n > b->max || before + n < before) {
        atomic_fetch_sub(&b->used, n);
        return 0;
    }
    return 1;
}

void rpc_body_budget_give(rpc_body_budget *b, uint64_t n)
{
    uint64_t before = atomic_fetch_sub(&b->used, n);
    CHR_ASSERT(before >= n);
}

rpc_conn *rpc_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info != NULL ? info->socket_context : NULL;
}

void rpc_conn_set(rpc_conn *c, rpc_conn_state state)
{
    if (c == NULL) {
        return;
    }
    CHR_ASSERT(state != RPC_CONN_FREE);
    if (state == RPC_CONN_WAITING) {
        atomic_store(&c->authed, 0);
        atomic_store(&c->since_ms, rpc_clock_ms());
    }
    atomic_store(&c->state, (int)state);
}

static void conns_started(rpc_conns *t, struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    pthread_mutex_lock(&t->mu);
    uint32_t i = t->free_head;
    if (i == CONN_NONE || info == NULL) {
        pthread_mutex_unlock(&t->mu);
        *socket_context = NULL;
        return;
    }
    rpc_conn *c = &t->slots[i];
    t->free_head = c->next_free;
    c->conn = conn;
    c->fd = info->connect_fd;
    c->closing = 0;
    c->gone_seen = 0;
    atomic_store(&c->keyed, 0);
    rpc_conn_set(c, RPC_CONN_WAITING);
    t->live++;
    if (t->live > RPC_CONNS_HIGH_WATER(t->cap)) {
        t->pressure = 1;
        pthread_cond_signal(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
    *socket_context = c;
}

void rpc_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    rpc_conns *t = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conns_started(t, conn, socket_context);
        return;
    }
    rpc_conn *c = *socket_context;
    if (c == NULL) {
        return;
    }
    /* libmicrohttpd closes the socket after this returns: from now on the reaper must not
     * touch it. */
    pthread_mutex_lock(&t->mu);
    CHR_ASSERT(c->conn == conn);
    CHR_ASSERT(t->live > 0);
    atomic_store(&c->state, RPC_CONN_FREE);
    c->conn = NULL;
    c->fd = -1;
    c->next_free = t->free_head;
    t->free_head = (uint32_t)(c - t->slots);
    t->live--;
    pthread_mutex_unlock(&t->mu);
    *socket_context = NULL;
}

/* Whether the peer has closed its side (or reset): the socket is in CLOSE-WAIT or closed. */
static int peer_gone(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) {
        return 0;
    }
    return ti.tcpi_state == TCP_CLOSE_WAIT || ti.tcpi_state == TCP_CLOSE ||
           ti.tcpi_state == TCP_LAST_ACK;
}

/* Ends a connection libmicrohttpd is watching: it sees the end of the stream and closes
 * it. Under the table's lock. */
static void conn_close(rpc_conn *c)
{
    shutdown(c->fd, SHUT_RDWR);
    c->closing = 1;
}

/* One connection's deadline and departure check; under the table's lock. */
static void conns_check(rpc_conns *t, rpc_conn *c, uint64_t now)
{
    int state = atomic_load(&c->state);
    if (state == RPC_CONN_BUSY) {
        c->gone_seen = 0;
        return;
    }
    /* since_ms may be later than now: a pool thread restarts it while the scan runs. */
    uint64_t since = atomic_load(&c->since_ms);
    if ((state == RPC_CONN_WAITING || state == RPC_CONN_BODY) && now > since &&
        now - since >= t->request_timeout_ms) {
        conn_close(c);
        atomic_fetch_add(&t->timed_out, 1);
        return;
    }
    if (!peer_gone(c->fd)) {
        c->gone_seen = 0;
        return;
    }
    c->gone_seen++;
    if (state == RPC_CONN_SUSPENDED) {
        /* Resumed with RPC_WAIT_STOPPED: a stream ends, a commit wait answers as it stands
         * (and the write fails). Asked again on later scans until it is resumed. */
        rpc_waiter_cancel(t->srv->waiter, c->conn);
        atomic_fetch_add(&t->gone, c->gone_seen == 1);
    } else if (c->gone_seen >= RPC_CONNS_GONE_SCANS) {
        conn_close(c);
        atomic_fetch_add(&t->gone, 1);
    }
}

/* Evicts down to the low-water mark; under the table's lock. */
static void conns_evict(rpc_conns *t)
{
    size_t n = 0;
    size_t closing = 0;
    for (size_t i = 0; i < t->cap; i++) {
        rpc_conn *c = &t->slots[i];
        int state = atomic_load(&c->state);
        if (state == RPC_CONN_FREE) {
            continue;
        }
        if (c->closing) {
            closing++;
            continue;
        }
        t->views[n] = (rpc_conn_view){state, atomic_load(&c->authed), atomic_load(&c->keyed),
                                      atomic_load(&c->since_ms)};
        t->view_slot[n++] = (uint32_t)i;
    }
    size_t low = RPC_CONNS_LOW_WATER(t->cap);
    if (t->live - closing <= low) {
        return;
    }
    size_t k =
        rpc_conn_evict_choose(t->views, n, t->live - closing - low, t->chosen, t->cap, t->scratch);
    for (size_t j = 0; j < k; j++) {
        conn_close(&t->slots[t->view_slot[t->chosen[j]]]);
    }
    atomic_fetch_add(&t->evicted, k);
    if (k > 0) {
        CHR_LOG_D("api: %zu of %zu connections evicted to make room", k, t->live);
    }
}

static void conns_wait(rpc_conns *t)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)RPC_CONNS_SCAN_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&t->cv, &t->mu, &ts);
}

static void *conns_main(void *arg)
{
    chr_thread_name("chroomd-conns");
    rpc_conns *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->closed) {
        if (!t->pressure) {
            conns_wait(t);
        }
        /* Under a flood every new connection past the high-water mark wakes the thread:
         * then it evicts, and checks every connection no more often than usual. */
        uint64_t now = rpc_clock_ms();
        for (size_t i = 0; i < t->cap && now >= t->next_scan_ms; i++) {
            rpc_conn *c = &t->slots[i];
            if (atomic_load(&c->state) != RPC_CONN_FREE && !c->closing) {
                conns_check(t, c, now);
            }
        }
        if (now >= t->next_scan_ms) {
            t->next_scan_ms = now + RPC_CONNS_SCAN_MS;
        }
        t->pressure = 0;
        if (t->live > RPC_CONNS_HIGH_WATER(t->cap)) {
            conns_evict(t);
        }
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

void rpc_conns_stats_get(rpc_conns *t, rpc_conns_stats *out)
{
    pthread_mutex_lock(&t->mu);
    out->live = t->live;
    pthread_mutex_unlock(&t->mu);
    out->timed_out = atomic_load(&t->timed_out);
    out->evicted = atomic_load(&t->evicted);
    out->gone = atomic_load(&t->gone);
}

chr_err rpc_conns_start(rpc_conns **out, struct rpc_server *srv, size_t cap,
                        uint64_t request_timeout_ms)
{
    *out = NULL;
    CHR_ASSERT(cap > 0 && cap < CONN_NONE);
    CHR_ASSERT(request_timeout_ms > 0);
    rpc_conns *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return CHR_ERR_NOMEM;
    }
    t->srv = srv;
    t->cap = cap;
    t->request_timeout_ms = request_timeout_ms;
    t->slots = calloc(cap, sizeof(*t->slots));
    t->views = calloc(cap, sizeof(*t->views));
    t->view_slot = calloc(cap, sizeof(*t->view_slot));
    t->chosen = calloc(cap, sizeof(*t->chosen));
    t->scratch = calloc(cap, sizeof(*t->scratch));
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (t->slots == NULL || t->views == NULL || t->view_slot == NULL || t->chosen == NULL ||
        t->scratch == NULL) {
        rpc_conns_free(t);
        return CHR_ERR_NOMEM;
    }
    for (size_t i = 0; i < cap; i++) {
        t->slots[i].fd = -1;
        t->slots[i].next_free = i + 1 < cap ? (uint32_t)(i + 1) : CONN_NONE;
    }
    t->free_head = 0;
    if (pthread_create(&t->thread, NULL, conns_main, t) != 0) {
        rpc_conns_free(t);
        return CHR_ERR_NOMEM;
    }
    t->started = 1;
    *out = t;
    return CHR_OK;
}

void rpc_conns_free(rpc_conns *t)
{
    if (t == NULL) {
        return;
    }
    if (t->started) {
        pthread_mutex_lock(&t->mu);
        t->closed = 1;
        pthread_cond_signal(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
    }
    CHR_ASSERT(t->live == 0);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t->scratch);
    free(t->chosen);
    free(t->view_slot);
    free(t->views);
    free(t->slots);
    free(t);
}
