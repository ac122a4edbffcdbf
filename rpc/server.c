#include "rpc/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/hex.h"
#include "common/log.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

static int route_matches(const rpc_ctx *x, const char *pattern)
{
    size_t i = 0;
    const char *p = pattern + 1;
    while (*p != '\0' || i < x->segs_len) {
        if (i == x->segs_len || *p == '\0') {
            return 0;
        }
        size_t n = strcspn(p, "/");
        int star = n == 1 && p[0] == '*';
        if (!star && (strlen(x->segs[i]) != n || memcmp(x->segs[i], p, n) != 0)) {
            return 0;
        }
        if (star && x->segs[i][0] == '\0') {
            return 0;
        }
        p += n;
        p += *p == '/';
        i++;
    }
    return 1;
}

/* The route for the request's method and path, or NULL; then *path_known says whether the
 * path exists for other methods (listed in `methods`, for a 405's Allow). A path that a
 * literal route names (/api/v1/txs/batch) is that route's, never a wildcard's
 * (/api/v1/txs/{hash}): a wrong method on it is a 405. */
static const rpc_route *route_lookup(const rpc_ctx *x, char *methods, size_t methods_cap,
                                     int *path_known)
{
    int exact = 0;
    *path_known = 0;
    methods[0] = '\0';
    for (size_t i = 0; i < rpc_routes_len; i++) {
        exact |= strchr(rpc_routes[i].pattern, '*') == NULL && route_matches(x, rpc_routes[i].pattern);
    }
    for (size_t i = 0; i < rpc_routes_len; i++) {
        if (!route_matches(x, rpc_routes[i].pattern) ||
            (exact && strchr(rpc_routes[i].pattern, '*') != NULL)) {
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
    char methods[64];
    int path_known;
    const rpc_route *route = route_lookup(x, methods, sizeof(methods), &path_known);
    if (route != NULL) {
        x->route = route;
        /* The route is matched before access is checked: an unknown path is a 404 and a
         * wrong method a 405 whatever the credentials (docs/API.md, "Access"). A request
         * with a large body was authenticated before its body was read (on_request). */
        if (x->req->authed) {
            *r = x->req->early;
            r->body = NULL;
            route->handler(x, r);
        } else if (rpc_auth_request(x, r, route->scope)) {
            route->handler(x, r);
        }
        return;
    }
    if (path_known) {
        snprintf(r->allow, sizeof(r->allow), "%s", methods);
        char msg[128];
        snprintf(msg, sizeof(msg), "method %.16s not allowed here; allowed: %s", x->method, methods);
        rpc_reply_error(r, 405, "method_not_allowed", msg, NULL);
        return;
    }
    rpc_reply_error(r, 404, "not_found", "no such route", NULL);
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

/* For a request whose body is large (or of unknown length), checks its credential before
 * reading the body, so that nobody without a key can make the node buffer megabytes.
 * Returns 1 when the request may go on (its rate-limit figures kept for the answer), or
 * 0 with `early` holding the refusal to send now. Small bodies are read first: answering
 * before a body is read closes the connection under the client, which may then see a reset
 * instead of the 401, and buffering a few KiB costs nothing. */
static int auth_before_body(rpc_server *srv, struct MHD_Connection *conn, const char *url,
                            const char *method, rpc_req *req)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
    uint64_t declared = 0;
    if (srv->cfg.auth == NULL || (te == NULL && (cl == NULL || !rpc_parse_u64(cl, &declared) ||
                                                 declared <= RPC_AUTH_EARLY_BODY_BYTES))) {
        return 1;
    }
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req};
    char methods[64];
    int path_known;
    const rpc_route *route = split_path(&x, url) ? route_lookup(&x, methods, sizeof(methods),
                                                                &path_known)
                                                 : NULL;
    if (route == NULL || route->scope == RPC_SCOPE_NONE) {
        return 1; /* 404, 405, 414 and open routes are answered after the body, as usual */
    }
    x.route = route;
    if (!rpc_auth_request(&x, &req->early, route->scope)) {
        return 0;
    }
    req->authed = 1;
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
    MHD_add_response_header(resp, "Cache-Control", "no-store");
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

/* Appends an upload chunk, up to the body limit; past it, the rest is read and dropped so
 * the client gets its 413 instead of a reset. */
static void body_append(rpc_req *req, size_t max, const char *data, size_t len)
{
    if (req->too_large || len > max - req->len) {
        req->too_large = 1;
        return;
    }
    if (req->len + len > req->cap) {
        size_t cap = req->cap ? req->cap : 4096;
        while (cap < req->len + len) {
            cap *= 2;
        }
        cap = cap > max ? max : cap;
        char *b = realloc(req->body, cap);
        if (b == NULL) {
            req->too_large = 1;
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    rpc_server *srv = cls;
    (void)version;
    rpc_req *req = *con_cls;
    if (req == NULL) {
        req = calloc(1, sizeof(*req));
        if (req == NULL) {
            return MHD_NO;
        }
        *con_cls = req;
        atomic_fetch_add(&srv->inflight, 1);
        /* A body declared too large is refused before it is read when the client waits
         * for our go-ahead (Expect: 100-continue), or when it is far over the limit (abuse:
         * the connection is closed under it). Otherwise it is read and dropped, so that a
         * plain client gets its 413 instead of a broken pipe. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
        uint64_t declared;
        int valid = cl == NULL || rpc_parse_u64(cl, &declared);
        uint64_t max = srv->cfg.body_bytes_max;
        if (!valid || (cl != NULL && declared > max &&
                       (expect != NULL || declared / RPC_BODY_DISCARD_FACTOR > max))) {
            rpc_reply r = {0};
            char msg[96];
            snprintf(msg, sizeof(msg), "body: larger than %zu bytes", srv->cfg.body_bytes_max);
            rpc_reply_error(&r, 413, "body_too_large", msg, NULL);
            return send_reply(conn, &r);
        }
        if (!auth_before_body(srv, conn, url, method, req)) {
            return send_reply(conn, &req->early);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        body_append(req, srv->cfg.body_bytes_max, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    rpc_reply r = {0};
    rpc_ctx x = {.srv = srv, .conn = conn, .method = method, .req = req};
    uint64_t start_us = rpc_metrics_now_us();
    if (req->too_large) {
        char msg[96];
        snprintf(msg, sizeof(msg), "body: larger than %zu bytes", srv->cfg.body_bytes_max);
        rpc_reply_error(&r, 413, "body_too_large", msg, NULL);
    } else if (!split_path(&x, url)) {
        rpc_reply_error(&r, 414, "uri_too_long", "path: too long or too deep", NULL);
    } else {
        dispatch(&x, &r);
        /* Every answer carries rate-limit figures: the key's, or else the address's. */
        if (!r.rate_headers_done && srv->cfg.auth != NULL && r.headers_len + 3 <= RPC_REPLY_HEADERS_MAX) {
            rpc_auth_address_headers(&x, &r);
        }
    }
    if (r.body == NULL && r.raw == NULL) {
        rpc_reply_error(&r, 503, "overloaded", "node: out of memory", NULL);
    }
    rpc_metrics_record(&x, r.status, start_us);
    return send_reply(conn, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    rpc_server *srv = cls;
    (void)conn;
    (void)toe;
    rpc_req *req = *con_cls;
    if (req != NULL) {
        atomic_fetch_sub(&srv->inflight, 1);
        free(req->body);
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

chr_err rpc_server_start(rpc_server **out, const rpc_server_config *cfg, const rpc_backend *be)
{
    *out = NULL;
    struct sockaddr_in6 addr;
    size_t addr_len;
    if (rpc_listen_parse(cfg->listen, &addr, sizeof(addr), &addr_len) != CHR_OK) {
        return CHR_ERR_CONFIG;
    }
    rpc_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return CHR_ERR_NOMEM;
    }
    s->cfg = *cfg;
    s->be = *be;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC | (cfg->tls_cert_pem != NULL ? MHD_USE_TLS : 0) | (((struct sockaddr *)&addr)->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, cfg->connections_max, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->connections_per_ip_max, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)RPC_CONNECTION_MEMORY_MAX,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, on_unescape,
        s,
        /* With TLS off these two options are skipped: MHD_OPTION_END ends the list early. */
        cfg->tls_cert_pem != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cfg->tls_cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key_pem, MHD_OPTION_END);
    if (s->daemon == NULL) {
        free(s);
        return CHR_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : 0;
    *out = s;
    return CHR_OK;
}

uint16_t rpc_server_port(const rpc_server *s)
{
    return s->port;
}

/* How long a stopping server lets requests in flight finish (their waits were already
 * ended by the node). */
#define RPC_STOP_GRACE_MS 2000

void rpc_server_stop(rpc_server *s)
{
    if (s == NULL) {
        return;
    }
    /* Stop accepting, end event streams, let the requests in flight be answered, then
     * close everything. */
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
    atomic_store(&s->stopping, 1);
    for (int waited = 0; atomic_load(&s->inflight) > 0 && waited < RPC_STOP_GRACE_MS; waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    if (listen_fd != MHD_INVALID_SOCKET) {
        close(listen_fd);
    }
    free(s);
}

