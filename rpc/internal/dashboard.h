/* The dashboard's static files, embedded at build time (rpc/embed_dash.sh from dashboard/),
 * and their handler. Private to rpc/. */
#ifndef RPC_INTERNAL_DASHBOARD_H
#define RPC_INTERNAL_DASHBOARD_H

#include <stddef.h>

typedef struct rpc_dash_file {
    const char *name; /* "index.html": a file of dashboard/, no folder */
    const unsigned char *data;
    size_t len;
    const char *etag; /* quoted, as ETag writes it */
} rpc_dash_file;

/* Every file, then one of NULLs; rpc_dash_files_len does not count it. */
extern const rpc_dash_file rpc_dash_files[];
extern const size_t rpc_dash_files_len;

struct rpc_ctx;
struct rpc_reply;

/* Whether the request's path is the dashboard's: /dashboard or below. */
int rpc_dashboard_path(const struct rpc_ctx *x);
/* Answers GET and HEAD of /dashboard/ (index.html) and /dashboard/<file>, with the
 * Content-Security-Policy and caching headers of docs/API.md, "The dashboard"; 304 for a
 * matching If-None-Match; /dashboard is redirected to /dashboard/; 404 for another file, 405
 * for another method. No credential: the files hold no data (the pages sign in). */
void rpc_dashboard_serve(struct rpc_ctx *x, struct rpc_reply *r);

#endif
