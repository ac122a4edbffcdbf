/* The API's connections as the server sees them (docs/API.md, "Connections"): a table with
 * one slot per connection libmicrohttpd holds, each with its state and when it began
 * waiting for its current request, and one thread (the reaper) that enforces what
 * libmicrohttpd cannot:
 *
 * - the request deadline: a request's headers and body must be in within
 *   request_timeout_s of the moment the connection began waiting for it (its accept, or
 *   the end of the previous answer). libmicrohttpd's own timeout is an idle timer that
 *   every byte resets, so a client sending one byte a second would hold its slot forever;
 * - eviction: past the high-water mark, the connections that wait for a request (idle, or
 *   still sending headers, or a body without a checked credential) are closed, those that
 *   never carried a valid credential first, the oldest first, down to the low-water mark,
 *   so that a new client (one with a key in particular) still finds a free slot;
 * - clients that left: a connection whose peer has closed is ended at once, whether
 *   libmicrohttpd missed the FIN (0.9.75 in epoll mode misses one that arrives with data,
 *   leaving the socket in CLOSE-WAIT) or the connection is suspended (an event stream
 *   waiting for a block, a ?wait=commit), which libmicrohttpd does not watch at all.
 *
 * A connection is closed by shutdown(2) on its socket: libmicrohttpd's loop then sees the
 * end of the stream and closes it itself. The socket is touched only under the table's
 * lock, and libmicrohttpd tells the table a connection is closed (MHD_CONNECTION_NOTIFY_
 * CLOSED, under that lock) before it closes the socket, so a descriptor is never used after
 * it was closed (or reused). A suspended connection is ended through the waiter
 * (rpc_waiter_cancel). Private to rpc/. */
#ifndef RPC_INTERNAL_CONNS_H
#define RPC_INTERNAL_CONNS_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct rpc_server;

typedef enum rpc_conn_state {
    RPC_CONN_FREE = 0,      /* the slot is unused */
    RPC_CONN_WAITING = 1,   /* waiting for a request's headers (idle, or still sending them) */
    RPC_CONN_BODY = 2,      /* headers in, body being read */
    RPC_CONN_BUSY = 3,      /* the request is whole: being handled or answered */
    RPC_CONN_SUSPENDED = 4, /* waiting for the chain (rpc_suspend) */
} rpc_conn_state;

/* One connection. State, flags and times are written by the connection's pool thread (and
 * the waiter's, on resume) and read by the reaper: atomics. */
typedef struct rpc_conn {
    struct MHD_Connection *conn;
    int fd;
    atomic_int state;       /* rpc_conn_state */
    atomic_int authed;      /* the request being read had its credential checked */
    atomic_int keyed;       /* some request on it carried a valid credential */
    atomic_ullong since_ms; /* rpc_clock_ms when it began waiting for its request */
    int closing;            /* shut down by the reaper (under the table's lock) */
    unsigned gone_seen;     /* scans in a row that found its peer gone */
    uint32_t next_free;
} rpc_conn;

/* What eviction looks at in a connection (a copy, so that the choice is a pure function). */
typedef struct rpc_conn_view {
    int state;
    int authed;
    int keyed;
    uint64_t since_ms;
} rpc_conn_view;

/* Whether a connection in this state may be evicted: it waits for a request, or is
 * reading a body whose credential was not checked. */
int rpc_conn_evictable(const rpc_conn_view *v);

/* Chooses up to `want` connections to evict among views[0..len): evictable ones only,
 * those never keyed before those keyed, the oldest (smallest since_ms) first. Writes their
 * indices to out (out_cap >= want) and returns how many; scratch holds len entries. */
size_t rpc_conn_evict_choose(const rpc_conn_view *views, size_t len, size_t want, uint32_t *out,
                             size_t out_cap, uint32_t *scratch);

typedef struct rpc_conns rpc_conns;

/* Starts the table for up to `cap` connections (the server's connections_max) and its
 * reaper thread; request_timeout_ms is the request deadline. CHR_ERR_NOMEM when the table
 * or the thread cannot be had. srv must outlive it. */
CHR_WUR chr_err rpc_conns_start(rpc_conns **out, struct rpc_server *srv, size_t cap,
                                uint64_t request_timeout_ms);
/* Stops the reaper and frees the table; only after libmicrohttpd stopped (every connection
 * was closed). NULL is ignored. */
void rpc_conns_free(rpc_conns *t);

/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback; cls is the rpc_conns. */
void rpc_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);

/* The slot of conn, or NULL when the table had none for it (it is full: never, as
 * libmicrohttpd holds at most connections_max). */
rpc_conn *rpc_conn_of(struct MHD_Connection *conn);

/* Moves c (may be NULL) to a state; WAITING restarts its deadline from now. From the
 * connection's pool thread, or the waiter's for a resume. */
void rpc_conn_set(rpc_conn *c, rpc_conn_state state);

/* Counters for GET /metrics and the tests' diagnostics. */
typedef struct rpc_conns_stats {
    uint64_t live;      /* connections now */
    uint64_t timed_out; /* closed at the request deadline */
    uint64_t evicted;   /* closed to make room */
    uint64_t gone;      /* ended because their client had left */
} rpc_conns_stats;
void rpc_conns_stats_get(rpc_conns *t, rpc_conns_stats *out);

/* The total bytes of request bodies in flight, in two budgets (docs/API.md, "Memory"): a
 * body whose credential was checked before it was read counts in the keyed budget, every
 * other in the open one. */
typedef struct rpc_body_budget {
    atomic_ullong used;
    uint64_t max;
} rpc_body_budget;

/* Takes n bytes from b: 1 when they fit within its maximum, else 0 and nothing taken.
 * Thread-safe. */
int rpc_body_budget_take(rpc_body_budget *b, uint64_t n);
/* Gives back n bytes taken before. Thread-safe. */
void rpc_body_budget_give(rpc_body_budget *b, uint64_t n);

#endif
