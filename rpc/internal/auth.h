/* The request side of access control: what the server's dispatch and the /oauth/token
 * handler share. Private to rpc/. */
#ifndef RPC_INTERNAL_AUTH_H
#define RPC_INTERNAL_AUTH_H

#include <pthread.h>
#include <stdint.h>

#include "rpc/apikeys.h"
#include "rpc/auth.h"
#include "rpc/internal/http.h"
#include "rpc/internal/metrics.h"
#include "rpc/internal/ratelimit.h"
#include "rpc/internal/session.h"

struct rpc_auth {
    rpc_apikeys *keys;
    rpc_rate *key_rate;  /* buckets by API key id (a token counts as its key) */
    rpc_rate *addr_rate; /* buckets by client address, for unauthenticated attempts */
    uint64_t token_ttl_s;
    uint64_t rate_per_min[2]; /* by rpc_tier */
    uint64_t rate_unauth_per_min;
    /* The key table's buckets are saved in the key store by this thread every
     * RPC_RATE_SAVE_INTERVAL_MS, and once more at close (docs/API.md, "Rate limits"). */
    pthread_t saver;
    pthread_mutex_t saver_mu;
    pthread_cond_t saver_cv; /* on CLOCK_MONOTONIC */
    int saver_started;
    int saver_stop;         /* under saver_mu */
    int saved_empty;        /* the last state saved (or found) held no bucket */
    rpc_sessions *sessions; /* dashboard sessions (rpc/internal/session.h) */
    uint64_t session_ttl_s;
    rpc_usage *usage; /* per-key figures (rpc/internal/metrics.h) */
};

/* Checks the request x for a route that needs `scope`, before its handler: 1 to run the
 * handler (r then carries the X-RateLimit-* headers), 0 when r holds the answer (401, 403,
 * 429 or 503). RPC_SCOPE_NONE routes always pass, untouched. */
int rpc_auth_request(rpc_ctx *x, rpc_reply *r, rpc_scope scope);

/* The request's Authorization value under the rule of rpc_auth_field (rpc/internal/oauth.h,
 * docs/API.md "Access"): 1 with *value (into the request, valid while it lasts) and
 * *value_len set, trimmed; 0 when there is none; -1 when it is over
 * RPC_AUTH_HEADER_BYTES_MAX bytes or holds a control character. Outputs NULL and 0 unless 1. */
int rpc_auth_header(rpc_ctx *x, const char **value, size_t *value_len);

/* Whether the request comes from this node's own pages, as far as the browser says: no
 * Sec-Fetch-Site other than "same-origin" (or "none", a typed address, unless
 * state_changing), and no Origin other than the node's own (its scheme and Host). A request
 * without either header (curl, an app) passes: only browsers send cookies on their own. */
int rpc_auth_same_site(rpc_ctx *x, int state_changing);
/* Whether the method changes state: every method but GET and HEAD. */
int rpc_method_changes_state(const char *method);

/* Adds the client address's X-RateLimit-* figures (for failed authentication) to an answer
 * that spends from no bucket: open routes, 404s, 405s. */
void rpc_auth_address_headers(rpc_ctx *x, rpc_reply *r);

/* Milliseconds of CLOCK_MONOTONIC: the rate limits' clock. */
uint64_t rpc_clock_ms(void);
/* Seconds of CLOCK_REALTIME: the tokens' expiry survives a restart, so it is wall time. */
uint64_t rpc_clock_unix_s(void);

/* The client's address as a rate-limit key: an IPv4 address as its IPv4-mapped IPv6 form,
 * an IPv6 address cut to its /64 (one host commonly holds a whole /64). */
void rpc_client_key(rpc_ctx *x, uint8_t key[RPC_RATE_KEY_BYTES]);
/* Adds X-RateLimit-Limit, -Remaining and -Reset (nothing for a limit of 0), and for a
 * refusal the Retry-After. */
void rpc_rate_headers(rpc_reply *r, const rpc_rate_result *rr);

#endif
