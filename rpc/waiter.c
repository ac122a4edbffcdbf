/* The waiter (rpc/internal/waiter.h): one thread that resumes suspended connections when
 * what they wait for has happened. */
#include "rpc/internal/waiter.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/assert.h"
#include "common/thread.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"

struct rpc_waiter {
    rpc_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* on CLOCK_MONOTONIC, the clock of every deadline */
    rpc_wait *fresh;     /* added since the thread last looked */
    rpc_wait *waiting;   /* looked at, still waiting */
    int tip_changed;     /* since the thread last looked */
    int cancelled;       /* a wait was cancelled since the thread last looked */
    uint64_t poll_at_ms; /* when commit waits are next looked at without a new block */
    int closed;
    int started;
    pthread_t thread;
};

/* The tip watcher: runs on the node's writer thread under the node's tip lock, so it only
 * raises a flag. */
static void waiter_tip_changed(void *arg)
{
    rpc_waiter *wt = arg;
    pthread_mutex_lock(&wt->mu);
    wt->tip_changed = 1;
    pthread_cond_signal(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

/* Whether w's condition holds at tip. A commit wait's pending results are refreshed first,
 * in order, up to the first still pending (as a client polling GET /api/v1/txs/{hash}
 * would). Called without the waiter's lock: the backend takes the node's locks. */
static int waiter_met(rpc_waiter *wt, rpc_wait *w, const rpc_tip *tip)
{
    if (w->kind == RPC_WAIT_HEIGHT) {
        return tip->height >= w->height;
    }
    CHR_ASSERT(w->kind == RPC_WAIT_COMMIT);
    const rpc_backend *be = &wt->srv->be;
    while (w->settled < w->results_len) {
        rpc_tx_result *r = &w->results[w->settled];
        if (r->state == RPC_TX_PENDING) {
            be->tx_status(be->ctx, r->hash, r);
            if (r->state == RPC_TX_PENDING) {
                break;
            }
        }
        w->settled++;
    }
    /* A writer stopped by a storage failure commits nothing more: answer now. */
    return w->settled == w->results_len || !tip->healthy;
}

/* Decides the waits of list: those whose condition holds (looked at only when `look`) or
 * whose deadline passed go on *ready with their outcome, the others on *keep. */
static void waiter_sort(rpc_waiter *wt, rpc_wait *list, int look, const rpc_tip *tip, uint64_t now,
                        rpc_wait **ready, rpc_wait **keep)
{
    while (list != NULL) {
        rpc_wait *w = list;
        list = w->next;
        if (w->cancelled) {
            w->outcome = RPC_WAIT_STOPPED;
        } else if (look && waiter_met(wt, w, tip)) {
            w->outcome = RPC_WAIT_MET;
        } else if (now >= w->deadline_ms) {
            w->outcome = RPC_WAIT_TIMEOUT;
        }
        rpc_wait **to = w->outcome != RPC_WAIT_NONE ? ready : keep;
        w->next = *to;
        *to = w;
    }
}

/* Resumes every wait of list. A wait is not touched once its connection is resumed: the
 * request may finish and free it at once. */
static void waiter_resume(rpc_waiter *wt, rpc_wait *list)
{
    while (list != NULL) {
        rpc_wait *w = list;
        list = w->next;
        CHR_ASSERT(w->outcome != RPC_WAIT_NONE);
        rpc_resume(wt->srv, w->conn);
    }
}

/* One look, entered and left with the lock held: new waits are always looked at, the
 * others after a tip change or when the poll is due; every deadline is checked. */
static void waiter_round(rpc_waiter *wt, uint64_t now)
{
    int all = wt->tip_changed || now >= wt->poll_at_ms;
    rpc_wait *fresh = wt->fresh;
    rpc_wait *old = wt->waiting;
    wt->fresh = NULL;
    wt->waiting = NULL;
    wt->tip_changed = 0;
    wt->cancelled = 0;
    if (all) {
        wt->poll_at_ms = now + RPC_WAIT_POLL_MS;
    }
    pthread_mutex_unlock(&wt->mu);
    rpc_tip tip;
    wt->srv->be.tip(wt->srv->be.ctx, &tip);
    rpc_wait *ready = NULL;
    rpc_wait *keep = NULL;
    waiter_sort(wt, fresh, 1, &tip, now, &ready, &keep);
    waiter_sort(wt, old, all, &tip, now, &ready, &keep);
    waiter_resume(wt, ready);
    pthread_mutex_lock(&wt->mu);
    while (keep != NULL) {
        rpc_wait *w = keep;
        keep = w->next;
        w->next = wt->waiting;
        wt->waiting = w;
    }
}

/* When the thread must look again without being told: the earliest deadline, or the
 * commit poll; UINT64_MAX when nothing waits. */
static uint64_t waiter_wake_at(const rpc_waiter *wt)
{
    uint64_t at = UINT64_MAX;
    for (const rpc_wait *w = wt->waiting; w != NULL; w = w->next) {
        at = w->deadline_ms < at ? w->deadline_ms : at;
        if (w->kind == RPC_WAIT_COMMIT && wt->poll_at_ms < at) {
            at = wt->poll_at_ms;
        }
    }
    return at;
}

static void waiter_sleep(rpc_waiter *wt, uint64_t wake, uint64_t now)
{
    if (wake == UINT64_MAX) {
        pthread_cond_wait(&wt->cv, &wt->mu);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t ms = wake - now;
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&wt->cv, &wt->mu, &ts);
}

static void *waiter_main(void *arg)
{
    chr_thread_name("chroomd-waiter");
    rpc_waiter *wt = arg;
    pthread_mutex_lock(&wt->mu);
    while (!wt->closed) {
        uint64_t now = rpc_clock_ms();
        uint64_t wake = waiter_wake_at(wt);
        if (wt->fresh == NULL && !wt->tip_changed && !wt->cancelled && now < wake) {
            waiter_sleep(wt, wake, now);
            continue;
        }
        waiter_round(wt, now);
    }
    pthread_mutex_unlock(&wt->mu);
    return NULL;
}

chr_err rpc_waiter_start(rpc_waiter **out, rpc_server *srv)
{
    *out = NULL;
    CHR_ASSERT(srv->be.watch_tip != NULL && srv->be.tx_status != NULL);
    rpc_waiter *wt = calloc(1, sizeof(*wt));
    if (wt == NULL) {
        return CHR_ERR_NOMEM;
    }
    wt->srv = srv;
    pthread_mutex_init(&wt->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wt->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&wt->thread, NULL, waiter_main, wt) != 0) {
        rpc_waiter_free(wt);
        return CHR_ERR_NOMEM;
    }
    wt->started = 1;
    srv->be.watch_tip(srv->be.ctx, waiter_tip_changed, wt);
    *out = wt;
    return CHR_OK;
}

void rpc_waiter_add(rpc_waiter *wt, rpc_wait *w)
{
    CHR_ASSERT(w->conn != NULL);
    CHR_ASSERT(w->kind == RPC_WAIT_HEIGHT || w->kind == RPC_WAIT_COMMIT);
    w->outcome = RPC_WAIT_NONE;
    w->settled = 0;
    w->cancelled = 0;
    pthread_mutex_lock(&wt->mu);
    if (wt->closed) {
        pthread_mutex_unlock(&wt->mu);
        w->outcome = RPC_WAIT_STOPPED;
        rpc_resume(wt->srv, w->conn);
        return;
    }
    w->next = wt->fresh;
    wt->fresh = w;
    pthread_cond_signal(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

void rpc_waiter_cancel(rpc_waiter *wt, const struct MHD_Connection *conn)
{
    pthread_mutex_lock(&wt->mu);
    rpc_wait *lists[2] = {wt->fresh, wt->waiting};
    for (size_t i = 0; i < 2; i++) {
        for (rpc_wait *w = lists[i]; w != NULL; w = w->next) {
            if (w->conn == conn) {
                w->cancelled = 1;
                wt->cancelled = 1;
                pthread_cond_signal(&wt->cv);
            }
        }
    }
    pthread_mutex_unlock(&wt->mu);
}

static void waiter_stop_all(rpc_wait *list)
{
    for (rpc_wait *w = list; w != NULL; w = w->next) {
        w->outcome = RPC_WAIT_STOPPED;
    }
}

void rpc_waiter_close(rpc_waiter *wt)
{
    if (wt->started) {
        /* First, without the waiter's lock (the node calls the watcher under its own). */
        wt->srv->be.watch_tip(wt->srv->be.ctx, NULL, NULL);
    }
    pthread_mutex_lock(&wt->mu);
    wt->closed = 1;
    pthread_cond_signal(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
    if (wt->started) {
        pthread_join(wt->thread, NULL);
        wt->started = 0;
    }
    /* The thread is gone and adds now resume at once: what is left is ours to end. */
    pthread_mutex_lock(&wt->mu);
    rpc_wait *fresh = wt->fresh;
    rpc_wait *old = wt->waiting;
    wt->fresh = NULL;
    wt->waiting = NULL;
    pthread_mutex_unlock(&wt->mu);
    waiter_stop_all(fresh);
    waiter_stop_all(old);
    waiter_resume(wt, fresh);
    waiter_resume(wt, old);
}

void rpc_waiter_free(rpc_waiter *wt)
{
    if (wt == NULL) {
        return;
    }
    CHR_ASSERT(!wt->started);
    CHR_ASSERT(wt->fresh == NULL && wt->waiting == NULL);
    pthread_cond_destroy(&wt->cv);
    pthread_mutex_destroy(&wt->mu);
    free(wt);
}
