#include "rpc/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/hex.h"
#include "common/log.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/dashboard.h"
#include "rpc/internal/framing.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

/* libmicrohttpd 1.0 frames hostile requests correctly where 0.9.x did not (docs/API.md,
 * "Answers from libmicrohttpd"); `make deps` builds it where the system's is older. */
#if MHD_VERSION < 0x01000000
#error "libmicrohttpd 1.0 or later is needed: run make deps (tests/deps_mhd.sh)"
#endif

/* Whether the path's segments match the pattern's, where a "*" segment matches any one
 * that is not empty. Every route is tried on every request, so this compares in place. */
static int route_matches(const rpc_ctx *x, const char *pattern)
{
    const char *p = pattern + 1;
    for (size_t i = 0; i < x->segs_len; i++) {
        const char *seg = x->segs[i];
        if (*p == '\0') {
            return 0; /* the path is longer */
        }
        if (p[0] == '*' && (p[1] == '/' || p[1] == '\0')) {
            if (seg[0] == '\0') {
                return 0;
            }
            p++;
        } else {
            while (*p != '/' && *p != '\0' && *p == *seg) {
                p++;
                seg++;
            }
            if (*seg != '\0' || (*p != '/' && *p != '\0')) {
                return 0;
            }
        }
        p += *p == '/';
    }
    return *p == '\0';
}

/* The route for the request's method and path, or NULL; then *path_known says whether the
 * path exists for other methods (listed in `methods`, for a 405's Allow). A path that a
 * literal route names (/api/v1/txs/batch) is that route's, never a wildcard's
 * (/api/v1/txs/{hash}): a wrong method on it is a 405. */
static const rpc_route *route_lookup(const rpc_ctx *x, char *methods, size_t methods_cap,
                                     int *path_known)
{
    int exact = 0;
    unsigned char matches[RPC_ROUTES_MAX];
    *path_known = 0;
    methods[0] = '\0';
    /* Each pattern is matched once; most match nothing. */
    for (size_t i = 0; i < rpc_routes_len; i++) {
        matches[i] = (unsigned char)route_matches(x, rpc_routes[i].pattern);
        exact |= matches[i] && strchr(rpc_routes[i].pattern, '*') == NULL;
    }
    for (size_t i = 0; i < rpc_routes_len; i++) {
        if (!matches[i] || (exact && strchr(rpc_routes[i].pattern, '*') != NULL)) {
            continue;
        }
        if (strcmp(rpc_routes[i].method, x->method) == 0) {
            return &rpc_routes[i];
        }
        if (strstr(methods, rpc_routes[i].method) == NULL) {
            size_t len = strlen(methods);
            snprintf(methods + len, methods_cap - len, "%s%s", len > 0 ? ", " : "",
                     rpc_routes[i].method);
        }
        *path_known = 1;
    }
    return NULL;
}

static void dispatch(rpc_ctx *x, rpc_reply *r)
{
    if (rpc_dashboard_path(x)) {
        rpc_dashboard_serve(x, r);
        return;
    }
    char methods[64];
    int path_known;
    const rpc_route *route = route_lookup(x, methods, sizeof(methods), &path_known);
    if (route != NULL) {
        x->route = route;
        /* The route is matched before access is checked: an unknown path is a 404 and a
         * wrong method a 405 whatever the credentials (docs/API.md, "Access"). A request
         * with a large body was authenticated before its body was read (on_request). */
        if (x->req->authed) {
            *r = x->req->saved;
            r->body = NULL;
            route->handler(x, r);
        } else if (rpc_auth_request(x, r, route->scope)) {
            /* Its connection is kept longest when slots run short (rpc/internal/conns.h). */
            if (route->scope != RPC_SCOPE_NONE && x->req->c != NULL) {
                atomic_store(&x->req->c->keyed, 1);
            }
            route->handler(x, r);
        }
        return;
    }
    if (path_known) {
        snprintf(r->allow, sizeof(r->allow), "%s", methods);
        char msg[128];
        snprintf(msg, sizeof(msg), "method %.16s not allowed here; allowed: %s", x->method,
                 methods);
        rpc_reply_error(r, 405, CHR_ERR_METHOD, msg, NULL);
        return;
    }
    rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such route", NULL);
}

/* ---- libmicrohttpd glue. ---- */

/* Splits the path into segments; 0 when it is too long or has too many. */
static int split_path(rpc_ctx *x, const char *url)
{
    size_t n = strlen(url);
    if (n == 0 || n >= sizeof(x->path) || url[0] != '/') {
        return 0;
    }
    memcpy(x->path, url, n + 1);
    x->segs_len = 0;
    char *p = x->path + 1;
    for (;;) {
        if (x->segs_len == sizeof(x->segs) / sizeof(x->segs[0])) {
            return 0;
        }
        x->segs[x->segs_len++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL) {
            break;
        }
        *slash = '\0';
        p = slash + 1;
    }
    return 1;
}

/* The route that answers the request for url, or NULL for a path no route takes (404, 405,
 * 414); x gets the path split. */
static const rpc_route *route_of(rpc_ctx *x, const char *url)
{
    char methods[64];
    int path_known;
    return split_path(x, url) ? route_lookup(x, methods, sizeof(methods), &path_known) : NULL;
}

/* For a request whose body is large, checks its credential before
 * reading the body, so that nobody without a key can make the node buffer megabytes.
 * Returns 1 when the request may go on (its rate-limit figures kept for the answer), or
 * 0 with req->saved holding the refusal to send now. Small bodies are read first:
 * answering before a body is read closes the connection under the client, which may then
 * see a reset instead of the 401, and buffering a few KiB costs nothing. */
static int auth_before_body(rpc_server *srv, struct MHD_Connection *conn, const char *url,
                            const char *method, rpc_req *req, const rpc_framing *framing)
{
    const char *cl = framing->length;
    uint64_t declared = 0;
    if (srv->cfg.auth == NULL || cl == NULL || !rpc_parse_u64(cl, &declared) ||
        declared <= RPC_AUTH_EARLY_BODY_BYTES) {
        return 1;
    }
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req};
    const rpc_route *route = route_of(&x, url);
    if (route == NULL || route->scope == RPC_SCOPE_NONE) {
        return 1; /* 404, 405, 414 and open routes are answered after the body, as usual */
    }
    x.route = route;
    memset(&req->saved, 0, sizeof(req->saved));
    if (!rpc_auth_request(&x, &req->saved, route->scope)) {
        return 0;
    }
    req->authed = 1;
    if (req->c != NULL) {
        atomic_store(&req->c->authed, 1);
        atomic_store(&req->c->keyed, 1);
    }
    return 1;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, rpc_reply *r)
{
    struct MHD_Response *resp = r->raw;
    if (resp == NULL) {
        char *text = json_dumps(r->body, JSON_COMPACT);
        json_decref(r->body);
        if (text == NULL) {
            return MHD_NO;
        }
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (resp == NULL) {
            free(text);
            return MHD_NO;
        }
        MHD_add_response_header(resp, "Content-Type", "application/json");
    }
    /* Answers are not kept anywhere unless they say so (the dashboard's files, or a raw
     * answer that set its own, such as the event stream's). */
    int cache_control = MHD_get_response_header(resp, "Cache-Control") != NULL;
    for (size_t i = 0; i < r->headers_len; i++) {
        cache_control |= strcmp(r->headers[i].name, "Cache-Control") == 0;
    }
    if (!cache_control) {
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->allow[0] != '\0') {
        MHD_add_response_header(resp, "Allow", r->allow);
    }
    for (size_t i = 0; i < r->headers_len; i++) {
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    }
    if (r->retry_after > 0) {
        char v[16];
        snprintf(v, sizeof(v), "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Appends an upload chunk, up to the body limit and within the body budget; past either,
 * the rest is read and dropped so the client gets its 413 (or 503) instead of a reset. The
 * buffer's whole capacity counts in the budget: that is the memory it holds. */
static void body_append(rpc_server *srv, rpc_req *req, const char *data, size_t len)
{
    size_t max = srv->cfg.body_bytes_max;
    if (req->too_large || req->overloaded) {
        return;
    }
    if (len > max - req->len) {
        req->too_large = 1;
        return;
    }
    if (req->len + len > req->cap) {
        size_t cap = req->cap ? req->cap : 4096;
        while (cap < req->len + len) {
            cap *= 2;
        }
        cap = cap > max ? max : cap;
        if (req->budget == NULL) {
            req->budget = req->authed ? &srv->bodies_keyed : &srv->bodies_open;
        }
        if (!rpc_body_budget_take(req->budget, cap - req->cap)) {
            req->overloaded = 1;
            return;
        }
        char *b = realloc(req->body, cap);
        if (b == NULL) {
            rpc_body_budget_give(req->budget, cap - req->cap);
            req->overloaded = 1;
            return;
        }
        req->body = b;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, len);
    req->len += len;
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes paths and query values in place, except escapes of control characters
 * (%00..%1f, %7f): those stay as written, so that "%00" can never cut a value short in the
 * C strings the handlers see (a path then matches no route, a value fails its check). */
/* libmicrohttpd's accept policy: once the server is stopping, a new connection is closed at
 * once. This is how the server stops accepting, instead of MHD_quiesce_daemon: with a
 * thread pool, libmicrohttpd 1.0.1's quiesce races each worker's own removal of the listen
 * socket from its epoll set, and aborts the process when the worker wins ("Failed to
 * remove listen FD from epoll set", daemon.c: its pool path, unlike its single-thread
 * path, does not allow ENOENT). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addr;
    (void)addrlen;
    const rpc_server *s = cls;
    return atomic_load(&s->stopping) ? MHD_NO : MHD_YES;
}

static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    char *w = s;
    for (const char *r = s; *r != '\0'; r++) {
        int hi = r[0] == '%' ? hex_nibble(r[1]) : -1;
        int lo = hi >= 0 ? hex_nibble(r[2]) : -1;
        int c = hi * 16 + lo;
        if (lo >= 0 && c >= 0x20 && c != 0x7f) {
            *w++ = (char)c;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* Every answer carries rate-limit figures: the key's, or else the address's. */
static void reply_complete(rpc_ctx *x, rpc_reply *r)
{
    if (!r->rate_headers_done && x->srv->cfg.auth != NULL &&
        r->headers_len + 3 <= RPC_REPLY_HEADERS_MAX) {
        rpc_auth_address_headers(x, r);
    }
}

/* The 413 of a body over the limit. On a route that needs a credential, it is checked
 * first, as for every answer of the route: without a valid one the answer is that refusal
 * (401, 403 or 429); with one, the 413 carries the key's X-RateLimit-* figures. Elsewhere
 * (an open route, a path no route takes) it carries the address's, as a 404 does. */
static void reply_too_large(rpc_server *srv, struct MHD_Connection *conn, const char *url,
                            const char *method, rpc_req *req, rpc_reply *r)
{
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req};
    memset(r, 0, sizeof(*r));
    if (req->authed) {
        *r = req->saved;
        r->body = NULL;
    } else if (srv->cfg.auth != NULL) {
        const rpc_route *route = route_of(&x, url);
        if (route != NULL && !rpc_auth_request(&x, r, route->scope)) {
            return;
        }
    }
    char msg[96];
    snprintf(msg, sizeof(msg), "body: larger than %zu bytes", srv->cfg.body_bytes_max);
    rpc_reply_error(r, 413, CHR_ERR_BODY_SIZE, msg, NULL);
    reply_complete(&x, r);
}

/* Refuses a request by its framing (rpc/internal/framing.h), before its body is read: a
 * 400 when the framing is ambiguous, a 411 for a chunked body. Closes the connection after
 * the answer (RFC 9112 section 6.3): what follows on it cannot be told apart from the
 * body. */
static enum MHD_Result refuse_framing(rpc_server *srv, struct MHD_Connection *conn,
                                      const char *method, rpc_req *req, unsigned status,
                                      chr_err code, const char *why)
{
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req};
    rpc_reply r = {0};
    rpc_reply_error(&r, status, code, why, NULL);
    rpc_reply_header(&r, "Connection", "close");
    reply_complete(&x, &r);
    return send_reply(conn, &r);
}

void rpc_suspend(rpc_server *srv, struct MHD_Connection *conn)
{
    atomic_fetch_add(&srv->suspended, 1);
    rpc_conn_set(rpc_conn_of(conn), RPC_CONN_SUSPENDED);
    MHD_suspend_connection(conn);
}

void rpc_resume(rpc_server *srv, struct MHD_Connection *conn)
{
    rpc_conn_set(rpc_conn_of(conn), RPC_CONN_BUSY);
    MHD_resume_connection(conn);
    /* Counted down only after: rpc_server_stop must not stop libmicrohttpd while a
     * connection is still suspended (libmicrohttpd aborts on that). */
    atomic_fetch_sub(&srv->suspended, 1);
}

void rpc_defer(rpc_ctx *x, rpc_reply *r, void (*finish)(rpc_ctx *x, rpc_reply *r))
{
    CHR_ASSERT(r->body == NULL && r->raw == NULL);
    CHR_ASSERT(x->req->finish == NULL);
    x->req->saved = *r;
    x->req->finish = finish;
    x->req->route = x->route;
    r->deferred = 1;
    rpc_suspend(x->srv, x->conn);
}

/* The second half of a deferred request, once its connection was resumed: the handler's
 * finish writes the answer. */
static enum MHD_Result on_resumed(rpc_server *srv, struct MHD_Connection *conn, const char *method,
                                  rpc_req *req)
{
    rpc_reply r = req->saved;
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req, .route = req->route};
    void (*finish)(rpc_ctx *, rpc_reply *) = req->finish;
    req->finish = NULL;
    finish(&x, &r);
    CHR_ASSERT(!r.deferred);
    reply_complete(&x, &r);
    if (r.body == NULL && r.raw == NULL) {
        rpc_reply_nomem(&r);
    }
    rpc_metrics_record(&x, r.status, req->start_us);
    return send_reply(conn, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    rpc_server *srv = cls;
    rpc_req *req = *con_cls;
    if (req == NULL) {
        /* The reply slot at the end (a KiB and a half) is written before it is read. */
        req = malloc(sizeof(*req));
        if (req == NULL) {
            return MHD_NO;
        }
        memset(req, 0, offsetof(rpc_req, wait));
        req->srv = srv;
        req->conn = conn;
        req->c = rpc_conn_of(conn);
        rpc_conn_set(req->c, RPC_CONN_BODY);
        *con_cls = req;
        atomic_fetch_add(&srv->inflight, 1);
        rpc_framing framing;
        rpc_framing_read(&framing, conn, version);
        req->auth_fields = framing.auth_count;
        req->auth_spaced = framing.auth_spaced;
        const char *why = rpc_framing_judge(&framing);
        if (why != NULL) {
            return refuse_framing(srv, conn, method, req, 400, CHR_ERR_BAD_REQUEST, why);
        }
        /* Every body the API takes is a JSON document whose size its client knows: a
         * chunked one is refused before any chunk is read (RFC 9110 section 15.5.12), so
         * no chunk line, however long or large it claims, ever reaches a parser. */
        if (framing.encoding != NULL) {
            return refuse_framing(srv, conn, method, req, 411, CHR_ERR_LENGTH_REQUIRED,
                                  "Transfer-Encoding: chunked bodies are not taken; send "
                                  "Content-Length");
        }
        /* A body declared too large is refused before it is read when the client waits
         * for our go-ahead (Expect: 100-continue), or when it is far over the limit (abuse:
         * the connection is closed under it). Otherwise it is read and dropped, so that a
         * plain client gets its 413 instead of a broken pipe. libmicrohttpd has answered a
         * Content-Length that is not a number itself, before calling us. */
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
        uint64_t declared = 0;
        uint64_t max = srv->cfg.body_bytes_max;
        if (framing.length != NULL && rpc_parse_u64(framing.length, &declared) && declared > max &&
            (expect != NULL || declared / RPC_BODY_DISCARD_FACTOR > max)) {
            rpc_reply r;
            reply_too_large(srv, conn, url, method, req, &r);
            return send_reply(conn, &r);
        }
        if (!auth_before_body(srv, conn, url, method, req, &framing)) {
            return send_reply(conn, &req->saved);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        body_append(srv, req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->finish != NULL) {
        return on_resumed(srv, conn, method, req);
    }
    rpc_reply r = {0};
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req};
    req->start_us = rpc_metrics_now_us();
    rpc_conn_set(req->c, RPC_CONN_BUSY);
    if (req->too_large) {
        reply_too_large(srv, conn, url, method, req, &r);
    } else if (req->overloaded) {
        atomic_fetch_add(&srv->overloaded, 1);
        rpc_reply_error(&r, 503, CHR_ERR_QUEUE_FULL,
                        "node: too many request bodies in flight; retry shortly", NULL);
        r.retry_after = 1;
        reply_complete(&x, &r);
    } else if (!split_path(&x, url)) {
        /* No route takes such a path: the address's figures, as for a 404. */
        rpc_reply_error(&r, 414, CHR_ERR_URI_SIZE, "path: too long or too deep", NULL);
        reply_complete(&x, &r);
    } else {
        dispatch(&x, &r);
        if (r.deferred) {
            return MHD_YES; /* suspended: on_resumed answers */
        }
        reply_complete(&x, &r);
    }
    if (r.body == NULL && r.raw == NULL) {
        rpc_reply_nomem(&r);
    }
    rpc_metrics_record(&x, r.status, req->start_us);
    return send_reply(conn, &r);
}

/* Gives the heap's free memory back to the system after a large body, at most once per
 * RPC_TRIM_INTERVAL_MS: a burst of large bodies leaves the heap of every thread's arena
 * grown (jansson's objects of each body), and without this the node's resident memory
 * stays at the burst's peak. */
static void heap_trim(rpc_server *srv)
{
    uint64_t now = rpc_clock_ms();
    unsigned long long last = atomic_load(&srv->trimmed_ms);
    if (now - last >= RPC_TRIM_INTERVAL_MS &&
        atomic_compare_exchange_strong(&srv->trimmed_ms, &last, now)) {
        malloc_trim(0);
    }
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    rpc_server *srv = cls;
    (void)toe;
    rpc_req *req = *con_cls;
    /* A keep-alive connection now waits for its next request, within the deadline. */
    rpc_conn_set(rpc_conn_of(conn), RPC_CONN_WAITING);
    if (req != NULL) {
        atomic_fetch_sub(&srv->inflight, 1);
        if (req->budget != NULL) {
            rpc_body_budget_give(req->budget, req->cap);
        }
        free(req->body);
        if (req->cap >= RPC_TRIM_BODY_BYTES) {
            heap_trim(srv);
        }
        free(req->results);
        free(req);
        *con_cls = NULL;
    }
}

chr_err rpc_listen_parse(const char *listen, void *sockaddr_out, size_t sockaddr_cap,
                         size_t *sockaddr_len)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    uint64_t port;
    *sockaddr_len = 0;
    if (colon == NULL || !rpc_parse_u64(colon + 1, &port) || port > 65535 ||
        (size_t)(colon - listen) >= sizeof(host)) {
        return CHR_ERR_CONFIG;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    CHR_ASSERT(sockaddr_cap >= sizeof(struct sockaddr_in6));
    memset(sockaddr_out, 0, sockaddr_cap);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = sockaddr_out;
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) {
            return CHR_ERR_CONFIG;
        }
        *sockaddr_len = sizeof(*a6);
        return CHR_OK;
    }
    struct sockaddr_in *a4 = sockaddr_out;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
        return CHR_ERR_CONFIG;
    }
    *sockaddr_len = sizeof(*a4);
    return CHR_OK;
}

/* The event-loop threads: as configured, or one per online core; never more than
 * connections, since libmicrohttpd gives each thread its share of connections_max. */
static unsigned server_threads(const rpc_server_config *cfg)
{
    unsigned n = cfg->threads;
    if (n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 && cores <= RPC_THREADS_MAX ? (unsigned)cores : 1;
    }
    n = n > RPC_THREADS_MAX ? RPC_THREADS_MAX : n;
    return n < cfg->connections_max ? n : cfg->connections_max;
}

/* The port the daemon's listening socket is bound to, as the system chose it for port 0;
 * 0 when it cannot be read. libmicrohttpd (0.9.67 on) reports it; getsockname on the
 * listening socket is the fallback. */
static uint16_t bound_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (info != NULL && info->port != 0) {
        return info->port;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_in6 sa;
    socklen_t len = sizeof(sa);
    if (info == NULL || getsockname(info->listen_fd, (struct sockaddr *)&sa, &len) != 0) {
        return 0;
    }
    return ntohs(sa.sin6_family == AF_INET6 ? sa.sin6_port : ((struct sockaddr_in *)&sa)->sin_port);
}

chr_err rpc_server_start(rpc_server **out, const rpc_server_config *cfg, const rpc_backend *be)
{
    *out = NULL;
    struct sockaddr_in6 addr;
    size_t addr_len;
    if (rpc_listen_parse(cfg->listen, &addr, sizeof(addr), &addr_len) != CHR_OK) {
        return CHR_ERR_CONFIG;
    }
    rpc_server *s = calloc(1, sizeof(*s));
    if (s != NULL && pthread_mutex_init(&s->sponsor_nonce_lock, NULL) != 0) {
        free(s);
        s = NULL;
    }
    if (s == NULL) {
        return CHR_ERR_NOMEM;
    }
    s->cfg = *cfg;
    s->be = *be;
    s->bodies_open.max =
        cfg->bodies_open_bytes_max ? cfg->bodies_open_bytes_max : RPC_BODIES_OPEN_BYTES_DEFAULT;
    s->bodies_keyed.max =
        cfg->bodies_keyed_bytes_max ? cfg->bodies_keyed_bytes_max : RPC_BODIES_KEYED_BYTES_DEFAULT;
    /* Large bodies (and what is parsed from them) in mappings of their own, which free
     * gives back to the system at once: this fixes glibc's threshold, which otherwise
     * grows after the first frees until 4 MiB bodies live in the heap (and stay). The
     * process is the node's, and no other part of it depends on the threshold. */
    mallopt(M_MMAP_THRESHOLD, (int)RPC_MMAP_THRESHOLD_BYTES);
    rpc_mhd_log_init(&s->mhd_log, rpc_clock_ms());
    if (rpc_waiter_start(&s->waiter, s) != CHR_OK) {
        rpc_mhd_log_deinit(&s->mhd_log);
        free(s);
        return CHR_ERR_NOMEM;
    }
    uint64_t timeout_s =
        cfg->request_timeout_s ? cfg->request_timeout_s : RPC_REQUEST_TIMEOUT_S_DEFAULT;
    if (rpc_conns_start(&s->conns, s, cfg->connections_max, timeout_s * 1000) != CHR_OK) {
        rpc_waiter_close(s->waiter);
        rpc_waiter_free(s->waiter);
        rpc_mhd_log_deinit(&s->mhd_log);
        free(s);
        return CHR_ERR_NOMEM;
    }
    unsigned threads = server_threads(cfg);
    /* One epoll loop per thread, each over its share of the connections (libmicrohttpd
     * splits connections_max among them; the per-address limit stays global). Handlers
     * never sleep: a wait suspends its connection (MHD_ALLOW_SUSPEND_RESUME). */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (cfg->tls_cert_pem != NULL ? MHD_USE_TLS : 0) |
                     (((struct sockaddr *)&addr)->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    /* The options that are present only sometimes: a pool of one is libmicrohttpd's own
     * internal thread, which the pool option must not name; TLS only when configured, with
     * TLS 1.2 and 1.3 only unless the config says otherwise (RFC 8996). */
    struct MHD_OptionItem extra[5];
    size_t k = 0;
    if (threads > 1) {
        extra[k++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    }
    if (cfg->tls_cert_pem != NULL) {
        extra[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                             (void *)(uintptr_t)cfg->tls_cert_pem};
        extra[k++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                             (void *)(uintptr_t)cfg->tls_key_pem};
        const char *prio =
            cfg->tls_priorities != NULL ? cfg->tls_priorities : RPC_TLS_PRIORITIES_DEFAULT;
        extra[k++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)prio};
    }
    extra[k] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    CHR_ASSERT(k < sizeof(extra) / sizeof(extra[0]));
    /* The logger comes first, so that even the other options' errors go through it. */
    s->daemon = MHD_start_daemon(
        flags, 0, on_accept, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, rpc_mhd_log_line, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
        cfg->connections_max, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->connections_per_ip_max,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)RPC_CONNECTION_MEMORY_MAX,
        MHD_OPTION_CLIENT_DISCIPLINE_LVL, RPC_HTTP_DISCIPLINE, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, rpc_conns_notify, s->conns,
        MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, s, MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (s->daemon == NULL) {
        rpc_conns_free(s->conns);
        rpc_waiter_close(s->waiter);
        rpc_waiter_free(s->waiter);
        rpc_mhd_log_deinit(&s->mhd_log);
        free(s);
        return CHR_ERR_IO;
    }
    s->port = bound_port(s->daemon);
    if (s->port == 0) {
        CHR_LOG_E("api: cannot read the port the listener is bound to");
        MHD_stop_daemon(s->daemon);
        rpc_conns_free(s->conns);
        rpc_waiter_close(s->waiter);
        rpc_waiter_free(s->waiter);
        rpc_mhd_log_deinit(&s->mhd_log);
        free(s);
        return CHR_ERR_IO;
    }
    *out = s;
    return CHR_OK;
}

uint16_t rpc_server_port(const rpc_server *s)
{
    return s->port;
}

/* How long a stopping server lets requests in flight finish (their waits are ended
 * first). */
#define RPC_STOP_GRACE_MS 2000

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000 * 1000};
    nanosleep(&ts, NULL);
}

void rpc_server_stop(rpc_server *s)
{
    if (s == NULL) {
        return;
    }
    /* Stop accepting (on_accept closes every new connection from now on), end every wait (a
     * ?wait=commit request answers with its results as they stand, an event stream ends),
     * let the requests in flight be answered, then close everything. */
    atomic_store(&s->stopping, 1);
    rpc_waiter_close(s->waiter);
    for (int waited = 0; atomic_load(&s->inflight) > 0 && waited < RPC_STOP_GRACE_MS;
         waited += 10) {
        sleep_ms(10);
    }
    /* libmicrohttpd must not be stopped with a connection suspended. What can still be
     * suspended waits for the node's writer to admit its transactions; the writer runs
     * until the node closes, after this, and answers within one block's time. */
    for (int waited = 0; atomic_load(&s->suspended) > 0; waited++) {
        if (waited == RPC_STOP_GRACE_MS) {
            CHR_LOG_W("stopping: %d requests still wait for the node's writer",
                      atomic_load(&s->suspended));
        }
        sleep_ms(1);
    }
    MHD_stop_daemon(s->daemon);
    /* The reaper may still ask the (closed) waiter to cancel: it goes first. */
    rpc_conns_free(s->conns);
    rpc_waiter_free(s->waiter);
    rpc_mhd_log_deinit(&s->mhd_log);
    pthread_mutex_destroy(&s->sponsor_nonce_lock);
    sodium_memzero(s->cfg.sponsor_sk, sizeof(s->cfg.sponsor_sk));
    free(s);
}
