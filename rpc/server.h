/* The REST server (libmicrohttpd + jansson): the routes of docs/API.md over HTTP.
 *
 * Every limit is set here, never left to a library default: connections in all and per
 * client address, the idle timeout, the deadline of a request's headers and body, the
 * memory a connection may use for its headers, the request body size and the total of the
 * bodies in flight. When slots run short, connections that wait for a request are evicted
 * (rpc/internal/conns.h). A pool of `threads` threads each runs an epoll loop over its
 * share of the connections; handlers never sleep on one. A request that waits (for a
 * commit, or an event stream for the next block) suspends its connection and is resumed
 * by the server's waiter thread (rpc/internal/waiter.h), so it holds no thread meanwhile.
 * Thread-safe: the server only calls the backend, whose functions are thread-safe. */
#ifndef RPC_SERVER_H
#define RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "rpc/auth.h"
#include "rpc/backend.h"
#include "rpc/limits.h"

typedef struct rpc_server_config {
    char listen[128]; /* "127.0.0.1:8080", "[::1]:8080" */
    size_t body_bytes_max;
    unsigned connections_max;
    unsigned connections_per_ip_max;
    unsigned connection_timeout_s;
    /* A request's headers and body, from when its connection began waiting for it; 0:
     * RPC_REQUEST_TIMEOUT_S_DEFAULT. (connection_timeout_s is libmicrohttpd's idle timer,
     * which every byte restarts.) */
    unsigned request_timeout_s;
    /* The bodies in flight without and with a credential checked before they were read
     * (docs/API.md, "Connections and memory"); 0: RPC_BODIES_*_BYTES_DEFAULT. */
    uint64_t bodies_open_bytes_max;
    uint64_t bodies_keyed_bytes_max;
    unsigned threads;         /* event-loop threads; 0: one per online core (both are
                               * capped at connections_max) */
    uint64_t wait_timeout_ms; /* the longest ?wait=commit, and its default */
    const char *version;      /* reported by /api/v1/status */
    const char *tls_cert_pem; /* NULL: plain HTTP; else HTTPS with this certificate... */
    const char *tls_key_pem;  /* ...and key; both must outlive the server */
    /* The GnuTLS priority string (checked by rpc_tls_priorities_check); NULL:
     * RPC_TLS_PRIORITIES_DEFAULT, TLS 1.2 and 1.3 only. */
    const char *tls_priorities;
    rpc_auth *auth; /* API keys, tokens, rate limits (rpc/auth.h); must outlive
                     * the server */
    /* The sponsor account's secret key that signs POST /api/meetings/create (has_sponsor
     * 0: the route answers 403). Copied into the server, wiped when it stops; the caller
     * wipes its own copy. */
    int has_sponsor;
    uint8_t sponsor_sk[32];
    /* Units of escrow and fees the sponsor pays a day (chain time, UTC days) at most; 0: no
     * limit. Kept across restarts in the key store (docs/API.md). */
    uint64_t sponsor_spend_per_day;
    /* The heartbeats and their figures (rpc/analytics.h); NULL: the analytics routes answer
     * 503 and every media node's health is offline. Must outlive the server. */
    struct rpc_analytics *analytics;
} rpc_server_config;

typedef struct rpc_server rpc_server;

/* Parses "host:port" into the server's address; CHR_ERR_CONFIG when it is not one. */
CHR_WUR chr_err rpc_listen_parse(const char *listen, void *sockaddr_out, size_t sockaddr_cap,
                                 size_t *sockaddr_len);

/* Checks that GnuTLS takes `priorities` as a priority string, so that a bad [api]
 * tls_priorities stops the node at start rather than failing every handshake. CHR_ERR_CONFIG
 * with errmsg saying where GnuTLS stopped reading it. */
CHR_WUR chr_err rpc_tls_priorities_check(const char *priorities, char *errmsg, size_t errmsg_cap);

/* Starts serving; the backend must outlive the server. Port 0 in cfg->listen binds a
 * free port, which rpc_server_port tells. CHR_ERR_CONFIG for a bad listen address,
 * CHR_ERR_IO when the port cannot be bound (or the bound port cannot be read). */
CHR_WUR chr_err rpc_server_start(rpc_server **out, const rpc_server_config *cfg,
                                 const rpc_backend *backend);
/* The port actually bound, never 0 (the one the system chose for port 0). */
uint16_t rpc_server_port(const rpc_server *s);
/* Prints every route the server answers, one "METHOD PATTERN SCOPE" line each, with
 * path parameters written as {name} as openapi.yaml writes them. */
void rpc_routes_print(FILE *out);

/* Stops accepting, ends every wait (a ?wait=commit request is answered with its results
 * as they stand, an event stream ends), lets the requests in flight finish for a moment,
 * then closes every connection and frees. */
void rpc_server_stop(rpc_server *s);

#endif
