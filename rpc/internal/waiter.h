/* Requests that wait for the chain without holding a thread (docs/ARCHITECTURE.md,
 * "Threads"). A handler that must wait (POST /api/v1/txs?wait=commit, an event stream
 * with nothing to send before the next block) suspends its connection (rpc_suspend) and
 * hands an rpc_wait here; the waiter's one thread resumes the connection (rpc_resume) when
 * the wait's condition holds, its deadline passes or the server stops, and the handler
 * picks the outcome up when libmicrohttpd calls it again. No pool thread ever sleeps on
 * the chain.
 *
 * The thread looks at a wait when it is added, after every change of the tip (the node
 * tells it through rpc_backend's watch_tip), every RPC_WAIT_POLL_MS while commit waits
 * remain (a transaction may fail without a block), and at the earliest deadline.
 *
 * Waits are linked through the rpc_wait itself, which lives in its request: there is no
 * table to fill, and at most one wait per connection, so connections_max bounds them. A
 * suspended connection is neither timed out nor closed by libmicrohttpd, so the rpc_wait
 * stays valid until the waiter resumes it; the waiter never touches it after that.
 *
 * Lock order: the node's tip lock, then the waiter's (the tip watcher runs under the
 * node's lock); the waiter's thread calls the backend only without its own lock held.
 * Private to rpc/. */
#ifndef RPC_INTERNAL_WAITER_H
#define RPC_INTERNAL_WAITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "rpc/backend.h"

/* How often commit waits are looked at without a new block: a transaction that expires
 * fails without one. */
#define RPC_WAIT_POLL_MS 100

struct rpc_server;
struct MHD_Connection;

typedef enum rpc_wait_kind {
    RPC_WAIT_HEIGHT = 1, /* until the tip reaches `height` */
    RPC_WAIT_COMMIT = 2, /* until no result is pending (or the node stopped writing) */
} rpc_wait_kind;

typedef enum rpc_wait_outcome {
    RPC_WAIT_NONE = 0,    /* not decided yet */
    RPC_WAIT_MET = 1,     /* the condition holds */
    RPC_WAIT_TIMEOUT = 2, /* the deadline passed first */
    RPC_WAIT_STOPPED = 3, /* the server is stopping */
} rpc_wait_outcome;

typedef struct rpc_wait {
    struct MHD_Connection *conn; /* suspended (rpc_suspend) before rpc_waiter_add */
    rpc_wait_kind kind;
    uint64_t deadline_ms;   /* rpc_clock_ms */
    uint64_t height;        /* RPC_WAIT_HEIGHT */
    rpc_tx_result *results; /* RPC_WAIT_COMMIT: refreshed in place by the waiter */
    size_t results_len;
    size_t settled;           /* RPC_WAIT_COMMIT: results before it are not pending */
    rpc_wait_outcome outcome; /* written by the waiter before it resumes conn */
    int cancelled;            /* rpc_waiter_cancel: its client left (under the waiter's lock) */
    struct rpc_wait *next;    /* the waiter's list */
} rpc_wait;

typedef struct rpc_waiter rpc_waiter;

/* Starts the waiter's thread and asks srv's backend for tip changes. CHR_ERR_NOMEM when
 * the thread cannot start. srv must outlive the waiter. */
CHR_WUR chr_err rpc_waiter_start(rpc_waiter **out, struct rpc_server *srv);

/* Hands over a wait whose connection is suspended; the waiter owns w until it resumes
 * w->conn. After rpc_waiter_close, w is resumed at once (RPC_WAIT_STOPPED). Thread-safe;
 * takes only the waiter's lock. */
void rpc_waiter_add(rpc_waiter *wt, rpc_wait *w);

/* Ends the wait of conn, if the waiter holds one: it is resumed with RPC_WAIT_STOPPED on
 * the thread's next look (its client has left; rpc/internal/conns.h). A wait the thread is
 * looking at just now is not found: the caller asks again later. Thread-safe; takes only
 * the waiter's lock. */
void rpc_waiter_cancel(rpc_waiter *wt, const struct MHD_Connection *conn);

/* Resumes every wait (RPC_WAIT_STOPPED), stops the thread and the tip watch; later adds
 * are resumed at once. */
void rpc_waiter_close(rpc_waiter *wt);

/* Frees a closed waiter; NULL is ignored. Only once no pool thread can call
 * rpc_waiter_add (after MHD_stop_daemon). */
void rpc_waiter_free(rpc_waiter *wt);

#endif
