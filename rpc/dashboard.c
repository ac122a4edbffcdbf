/* GET /dashboard/: the dashboard's static files (rpc/internal/dashboard.h). They are the same
 * for everyone and hold no data; what the pages show comes from the API, which checks every
 * request's credential (docs/API.md, "The dashboard"). */
#include "rpc/internal/dashboard.h"

#include <string.h>

#include "common/assert.h"
#include "rpc/internal/http.h"

/* Only this node's own files, scripts and styles in files (no inline ones), no frames of the
 * pages anywhere, no <base> and no form sent elsewhere. */
#define DASH_CSP "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

int rpc_dashboard_path(const rpc_ctx *x)
{
    return x->segs_len >= 1 && strcmp(x->segs[0], "dashboard") == 0;
}

static const char *dash_type(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
    };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t k = strlen(types[i][0]);
        if (n > k && strcmp(name + n - k, types[i][0]) == 0) {
            return types[i][1];
        }
    }
    return "application/octet-stream";
}

static const rpc_dash_file *dash_find(const char *name)
{
    for (size_t i = 0; i < rpc_dash_files_len; i++) {
        if (strcmp(rpc_dash_files[i].name, name) == 0) {
            return &rpc_dash_files[i];
        }
    }
    return NULL;
}

/* An empty answer with the given status (a redirect, a 304). */
static void dash_empty(rpc_reply *r, unsigned status)
{
    r->raw = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    r->status = status;
    if (r->raw == NULL) {
        rpc_reply_nomem(r);
    }
}

/* Whether If-None-Match names the ETag: "*", or a list holding it (RFC 9110 section 13.1.2;
 * weak comparison, so a W/ prefix matches too). */
static int dash_not_modified(rpc_ctx *x, const char *etag)
{
    const char *inm = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "If-None-Match");
    return inm != NULL && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

void rpc_dashboard_serve(rpc_ctx *x, rpc_reply *r)
{
    CHR_ASSERT(rpc_dashboard_path(x));
    if (strcmp(x->method, "GET") != 0 && strcmp(x->method, "HEAD") != 0) {
        snprintf(r->allow, sizeof(r->allow), "GET, HEAD");
        rpc_reply_error(r, 405, CHR_ERR_METHOD, "the dashboard's files take GET and HEAD", NULL);
        return;
    }
    if (x->segs_len == 1) {
        rpc_reply_header(r, "Location", "/dashboard/");
        dash_empty(r, 308);
        return;
    }
    const char *name = x->segs[1][0] == '\0' ? "index.html" : x->segs[1];
    const rpc_dash_file *f = x->segs_len == 2 ? dash_find(name) : NULL;
    if (f == NULL) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such file of the dashboard", NULL);
        return;
    }
    rpc_reply_header(r, "Content-Security-Policy", DASH_CSP);
    rpc_reply_header(r, "Referrer-Policy", "no-referrer");
    /* Kept, but checked with the node every time (a 304 when unchanged): a new build's
     * files are used at once. */
    rpc_reply_header(r, "Cache-Control", "no-cache");
    rpc_reply_header(r, "ETag", f->etag);
    if (dash_not_modified(x, f->etag)) {
        dash_empty(r, 304);
        return;
    }
    r->raw =
        MHD_create_response_from_buffer(f->len, (void *)(uintptr_t)f->data, MHD_RESPMEM_PERSISTENT);
    if (r->raw == NULL ||
        MHD_add_response_header(r->raw, "Content-Type", dash_type(name)) != MHD_YES) {
        if (r->raw != NULL) {
            MHD_destroy_response(r->raw);
            r->raw = NULL;
        }
        rpc_reply_nomem(r);
        return;
    }
    r->status = 200;
}
