/* What the REST server's parts share: a request's context, its reply, the helpers every
 * handler uses, and the route table. Private to rpc/. */
#ifndef RPC_INTERNAL_HTTP_H
#define RPC_INTERNAL_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/apikeys.h"
#include "rpc/internal/conns.h"
#include "rpc/internal/metrics.h"
#include "rpc/internal/waiter.h"
#include "rpc/limits.h"
#include "rpc/server.h"

/* libmicrohttpd's own log lines, rate-limited (rpc/mhd_log.c). */
typedef struct rpc_mhd_log {
    pthread_mutex_t mu;
    uint64_t window_start_ms; /* CLOCK_MONOTONIC */
    unsigned lines;           /* lines logged in this window */
    unsigned suppressed;      /* lines left out in this window */
    int suppressed_warn;      /* one of those left out was a warning */
} rpc_mhd_log;

/* Initializes the limiter: nothing logged yet, its window starting at now_ms. */
void rpc_mhd_log_init(rpc_mhd_log *l, uint64_t now_ms);
void rpc_mhd_log_deinit(rpc_mhd_log *l);
/* Whether one more line (a warning when `warn`) may be logged at now_ms: at most
 * RPC_MHD_LOG_LINES_MAX in each RPC_MHD_LOG_WINDOW_MS window. When a new window begins,
 * *suppressed_out says how many lines the last one left out (and *suppressed_warn_out
 * whether any was a warning), for one line saying so; else both are 0. Thread-safe. */
int rpc_mhd_log_admit(rpc_mhd_log *l, uint64_t now_ms, int warn, unsigned *suppressed_out,
                      int *suppressed_warn_out);
/* libmicrohttpd's logger (MHD_OPTION_EXTERNAL_LOGGER); cls is the rpc_server. Writes the
 * message through common/log.h, at debug for what clients cause and warn otherwise. */
void rpc_mhd_log_line(void *cls, const char *fmt, va_list ap);

/* A sponsor account's next nonce as this server handed it out (known), by public key. */
typedef struct rpc_sponsor_nonce {
    uint8_t pub[32];
    int known;
    uint64_t next;
} rpc_sponsor_nonce;

struct rpc_server {
    struct MHD_Daemon *daemon;
    rpc_server_config cfg;
    rpc_backend be;
    uint16_t port;
    atomic_int inflight;       /* requests begun and not yet answered in full */
    atomic_int stopping;       /* set by rpc_server_stop: streams end */
    atomic_int suspended;      /* connections suspended (rpc_suspend) and not yet resumed */
    rpc_waiter *waiter;        /* resumes the suspended connections (rpc/internal/waiter.h) */
    atomic_ulong rate_limited; /* requests answered 429 (the auth layer counts them) */
    rpc_http_stats http_stats; /* requests by route and status, latency (GET /metrics) */
    rpc_mhd_log mhd_log;       /* libmicrohttpd's messages, through common/log.h */

    /* Connections and memory (docs/API.md, "Connections and memory"). */
    rpc_conns *conns;             /* every connection's state; the request deadline, eviction */
    rpc_body_budget bodies_open;  /* bodies in flight without a checked credential */
    rpc_body_budget bodies_keyed; /* bodies in flight whose credential was checked first */

    /* The sponsors' nonces (rpc/routes_meeting_create.c), under sponsor_nonce_lock, which
     * is held from a transaction's nonce to its place in the writer's queue, so concurrent
     * requests of a sponsor take consecutive nonces and reach the mempool in that order.
     * (Their daily spending is counted in the key store: rpc_apikeys_spend.) */
    pthread_mutex_t sponsor_nonce_lock;
    rpc_sponsor_nonce sponsor_nonces[RPC_SPONSOR_NONCE_SLOTS];
    atomic_ullong trimmed_ms; /* when the heap was last trimmed after a large body */
    atomic_ulong overloaded;  /* requests answered 503 for want of body budget */
    /* Heartbeats accepted and refused by reason (rpc/internal/analytics.h's reasons). */
    struct {
        atomic_ulong accepted;
        atomic_ulong refused[8];
    } hb_stats;
};

#define RPC_REPLY_HEADERS_MAX 10
/* One more header's value with its NUL: the longest the node sends is a session's
 * Set-Cookie (about 150 bytes, rpc/routes_keys.c), then the dashboard's
 * Content-Security-Policy (about 90). Values are the node's own, never a client's. */
#define RPC_REPLY_HEADER_BYTES_MAX 256

typedef struct rpc_reply {
    unsigned status;
    json_t *body;
    char allow[64];           /* for 405: the methods the path takes */
    unsigned retry_after;     /* seconds, for 503 and 429; 0 for none */
    struct MHD_Response *raw; /* a streaming response (events): sent as is, body ignored */
    int rate_headers_done;    /* the X-RateLimit-* figures are decided (maybe none: no limit) */
    int deferred;             /* the handler suspended the connection (rpc_defer): no answer yet */
    size_t headers_len;       /* more response headers (rate limits, WWW-Authenticate) */
    struct {
        const char *name;
        char value[RPC_REPLY_HEADER_BYTES_MAX];
    } headers[RPC_REPLY_HEADERS_MAX];
} rpc_reply;

/* Who a request's credential stands for, once rpc_auth_request accepted it. */
typedef struct rpc_principal {
    int known;
    uint8_t key_id[RPC_APIKEY_ID_BYTES]; /* the key, or the key of a token or session */
    rpc_tier tier;
    unsigned scopes;
    uint64_t expiry_unix_s; /* an access token's expiry; 0 for a key or a session */
    int session;            /* the credential is a dashboard session's cookie */
} rpc_principal;

struct rpc_ctx;

/* One request's state across libmicrohttpd's calls: the body as it arrives, and what a
 * deferred answer (rpc_defer) needs once the connection is resumed. Only the fields
 * before `wait` start zeroed (server.c, on_request): the rest is written before use. */
typedef struct rpc_req {
    rpc_server *srv;
    struct MHD_Connection *conn;
    rpc_conn *c; /* its connection's slot (rpc/internal/conns.h), or NULL */
    char *body;
    size_t len;
    size_t cap;
    int too_large;
    int authed; /* its credential was checked before its body was read (`saved`) */
    /* The body budget its buffer's capacity was taken from (NULL before); set when the
     * body did not fit it (a 503). */
    rpc_body_budget *budget;
    int overloaded;
    /* Bytes a deferring handler keeps for its finish (the path is gone by then): the
     * meeting id of POST /api/meetings/{meeting_id}/end, or a create's cost and day, with
     * the sponsor's key and the allowance the cost was taken from ("" for none). */
    uint8_t keep[16];
    uint8_t sponsor_pub[32];
    char spend_name[RPC_APIKEY_SPEND_NAME_MAX];
    /* Its Authorization field lines, and those with whitespace before the colon, counted
     * with its framing (rpc/framing.c) on the first handler call. */
    unsigned auth_fields, auth_spaced;
    uint64_t start_us; /* when the request was complete (GET /metrics' latency) */
    rpc_principal who; /* its credential's, once checked (per-key usage, the session routes) */
    /* Set by rpc_defer: finish completes the answer, from `saved`, for `route`. */
    void (*finish)(struct rpc_ctx *x, rpc_reply *r);
    const struct rpc_route *route;
    /* A submission's results, written by the node until it calls back, then by the
     * waiter while a ?wait=commit lasts (routes_tx.c); freed with the request. */
    rpc_tx_result *results;
    size_t results_len;
    uint64_t wait_deadline_ms; /* 0: not waiting for a commit */
    rpc_wait wait;
    /* The answer so far, without a body: the rate-limit headers of a credential checked
     * before the body (authed), or what the handler had set when it deferred. */
    rpc_reply saved;
} rpc_req;

/* Adds a response header; ignored past RPC_REPLY_HEADERS_MAX (a bug, asserted). */
void rpc_reply_header(rpc_reply *r, const char *name, const char *value);

typedef struct rpc_ctx {
    rpc_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *segs[8]; /* the path split at '/' */
    size_t segs_len;
    char path[RPC_URL_BYTES_MAX];
    rpc_req *req;
    const struct rpc_route *route; /* the route answering, once dispatch found it */
} rpc_ctx;

/* The scopes a route needs (rpc/auth.h); a route of RPC_SCOPE_NONE is open to all. */
typedef enum rpc_scope {
    RPC_SCOPE_NONE = 0,
    RPC_SCOPE_READ = 1,
    RPC_SCOPE_SUBMIT = 2,
    RPC_SCOPE_ADMIN = 4,
    RPC_SCOPE_MEETINGS = 8,
} rpc_scope;

typedef struct rpc_route {
    const char *method;
    const char *pattern; /* segments; "*" matches any one */
    void (*handler)(rpc_ctx *x, rpc_reply *r);
    rpc_scope scope;
} rpc_route;

extern const rpc_route rpc_routes[];
extern const size_t rpc_routes_len;

/* Sets an error reply: {"error": {"code", "message", "field"?}}, its code chr_err_name(err)
 * (every API code is in common/err.h's CHR_ERR_LIST). */
void rpc_reply_error(rpc_reply *r, unsigned status, chr_err err, const char *message,
                     const char *field);
/* Sets the 503 of a request the node has no memory for now: code "overloaded". */
void rpc_reply_nomem(rpc_reply *r);
/* Defers the answer: suspends the request's connection (rpc_suspend) and keeps r (its
 * rate-limit headers; no body yet). Once something resumes the connection (rpc_resume),
 * libmicrohttpd calls the server again and finish(x, r) writes the answer, on a pool
 * thread. After this the handler must return at once, leaving r alone. */
void rpc_defer(rpc_ctx *x, rpc_reply *r, void (*finish)(rpc_ctx *x, rpc_reply *r));
/* Suspends conn, counted until rpc_resume; only from libmicrohttpd's callbacks for conn
 * (its request or content reader). */
void rpc_suspend(rpc_server *srv, struct MHD_Connection *conn);
/* Resumes a connection that rpc_suspend suspended, from any thread; conn's request may
 * finish and be freed at once after. */
void rpc_resume(rpc_server *srv, struct MHD_Connection *conn);
/* Sets a JSON reply; takes the reference to body. */
void rpc_reply_json(rpc_reply *r, unsigned status, json_t *body);
/* Sets a reply of len bytes of text (malloc'ed; the reply owns it from now on, also on
 * failure, when it becomes a 503). */
void rpc_reply_text(rpc_reply *r, unsigned status, const char *content_type, char *text,
                    size_t len);
/* The route's slot for GET /metrics: its index in rpc_routes, except that a HEAD route
 * counts in the slot of its GET twin (they are one operation in openapi.yaml). */
size_t rpc_route_slot(const rpc_route *route);
/* Writes a route's pattern with its parameters named as openapi.yaml names them
 * ("/api/v1/accounts/{address}/txs"). */
void rpc_route_path(const rpc_route *route, char *out, size_t out_cap);
/* Parses a canonical decimal u64 (digits only, no leading zero, no overflow): 1 if it is. */
int rpc_parse_u64(const char *s, uint64_t *out);
/* A query parameter, or NULL. */
const char *rpc_query(rpc_ctx *x, const char *key);
/* Reads ?wait=commit and ?timeout_ms=N into *wait_ms (0: not waiting); 0 and an error
 * reply on a bad value. */
int rpc_wait_param(rpc_ctx *x, rpc_reply *r, uint64_t *wait_ms);
/* Parses the JSON body: declared JSON, no duplicate keys, an object whose keys are all in
 * `allowed` (NULL terminated). NULL and an error reply otherwise; the caller decrefs. */
json_t *rpc_parse_body(rpc_ctx *x, rpc_reply *r, const char *const *allowed);

void rpc_handle_health(rpc_ctx *x, rpc_reply *r);
void rpc_handle_status(rpc_ctx *x, rpc_reply *r);
void rpc_handle_token(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account(rpc_ctx *x, rpc_reply *r);
/* ?prove= of GET /api/v1/accounts/{address}: *prove set for exactly "true", 0 for "false"
 * or none; anything else is a 400 invalid_argument reply and 0 (rpc/routes_proof.c). */
int rpc_prove_param(rpc_ctx *x, rpc_reply *r, int *prove);
/* One state object at rd's tip: *found and *o, and with prove its proof object (*proof,
 * NULL without prove), read in rd's one snapshot (rpc/routes_proof.c). CHR_ERR_STORE (a
 * damaged row, logged), CHR_ERR_NOMEM, the store's errors. */
CHR_WUR chr_err rpc_state_object_read(ledger_store_read *rd, uint8_t kind, const uint8_t *natural,
                                      size_t natural_len, int prove, ledger_object *o, int *found,
                                      json_t **proof);
/* The account answer with its proof (docs/API.md); pending_nonce from the node's mempool. */
void rpc_handle_account_proof(rpc_ctx *x, rpc_reply *r, const uint8_t addr[32],
                              uint64_t pending_nonce);
/* GET /api/v1/state/{kind}/{natural_key}: a state object by its name, with ?prove=true its
 * proof, at the tip or a kept height (rpc/routes_proof.c). */
void rpc_handle_state(rpc_ctx *x, rpc_reply *r);
/* The JSON of a found state object (kind, natural) for its route, read through rd (the
 * same snapshot; it may read other objects); NULL when its value does not decode (our
 * store is damaged: 500) or out of memory. */
typedef json_t *(*rpc_object_render_fn)(void *ctx, ledger_store_read *rd, uint8_t kind,
                                        const uint8_t *natural, size_t natural_len,
                                        const ledger_object *o);
/* Answers one state object: at the tip, or with ?prove=true (and ?height=) with the proof
 * of rpc/routes_proof.c added as "proof"; 404 not_found (with the absence proof) when there
 * is none. */
void rpc_reply_object(rpc_ctx *x, rpc_reply *r, uint8_t kind, const uint8_t *natural,
                      size_t natural_len, rpc_object_render_fn render, void *ctx);
/* Staking (rpc/routes_staking.c). */
void rpc_handle_params(rpc_ctx *x, rpc_reply *r);
void rpc_handle_supply(rpc_ctx *x, rpc_reply *r);
void rpc_handle_staking_validators(rpc_ctx *x, rpc_reply *r);
void rpc_handle_staking_validator(rpc_ctx *x, rpc_reply *r);
void rpc_handle_validator_delegations(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account_delegations(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account_delegation(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account_unbondings(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account_redelegations(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account_rewards(rpc_ctx *x, rpc_reply *r);
void rpc_handle_block(rpc_ctx *x, rpc_reply *r);
void rpc_handle_tx_submit(rpc_ctx *x, rpc_reply *r);
/* Hands n encoded transactions to the node and defers the answer to finish, which reads
 * x->req->results; with wait_ms, once they are committed or failed or it passed
 * (rpc/routes_tx.c). */
void rpc_submit_start(rpc_ctx *x, rpc_reply *r, const uint8_t *const *txs, const size_t *lens,
                      size_t n, uint64_t wait_ms, void (*finish)(rpc_ctx *x, rpc_reply *r));
/* The HTTP status and field of a refused transaction's error. */
unsigned rpc_tx_reject_status(chr_err err, const char **field);
void rpc_handle_tx_batch(rpc_ctx *x, rpc_reply *r);
void rpc_handle_tx_get(rpc_ctx *x, rpc_reply *r);
void rpc_handle_tx_quote(rpc_ctx *x, rpc_reply *r);
void rpc_handle_account_txs(rpc_ctx *x, rpc_reply *r);
void rpc_handle_blocks(rpc_ctx *x, rpc_reply *r);
void rpc_handle_evidence(rpc_ctx *x, rpc_reply *r);
void rpc_handle_block_txs(rpc_ctx *x, rpc_reply *r);
void rpc_handle_validators(rpc_ctx *x, rpc_reply *r);
void rpc_handle_metrics(rpc_ctx *x, rpc_reply *r);
void rpc_handle_openapi(rpc_ctx *x, rpc_reply *r);
void rpc_handle_events(rpc_ctx *x, rpc_reply *r);
void rpc_handle_oauth_token(rpc_ctx *x, rpc_reply *r);
void rpc_handle_session_open(rpc_ctx *x, rpc_reply *r);
void rpc_handle_session_get(rpc_ctx *x, rpc_reply *r);
void rpc_handle_session_end(rpc_ctx *x, rpc_reply *r);
void rpc_handle_apikeys_list(rpc_ctx *x, rpc_reply *r);
void rpc_handle_apikey_create(rpc_ctx *x, rpc_reply *r);
void rpc_handle_apikey_revoke(rpc_ctx *x, rpc_reply *r);
void rpc_handle_usage(rpc_ctx *x, rpc_reply *r);

#endif
