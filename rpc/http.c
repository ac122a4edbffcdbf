/* Helpers shared by the REST handlers. */
#include "rpc/internal/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/assert.h"
#include "common/enc.h"
#include "rpc/internal/json.h"
#include "rpc/render.h"

void rpc_reply_error(rpc_reply *r, unsigned status, chr_err err, const char *message,
                     const char *field)
{
    r->status = status;
    r->body = rpc_render_error(err, message, field);
    /* Every 503 says when to try again (docs/API.md); a handler may set a longer wait. */
    if (status == 503 && r->retry_after == 0) {
        r->retry_after = 1;
    }
}

void rpc_reply_nomem(rpc_reply *r)
{
    rpc_reply_error(r, 503, CHR_ERR_QUEUE_FULL, "node: out of memory", NULL);
}

void rpc_reply_json(rpc_reply *r, unsigned status, json_t *body)
{
    r->status = status;
    r->body = body;
}

/* ---- Helpers for handlers. ---- */

/* Parses a canonical decimal u64: digits only, no leading zero, no overflow. */
int rpc_parse_u64(const char *s, uint64_t *out)
{
    return chr_u64_parse(out, s, strlen(s)) == CHR_OK;
}

const char *rpc_query(rpc_ctx *x, const char *key)
{
    return MHD_lookup_connection_value(x->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Reads ?wait=commit and ?timeout_ms=N; 0 when not waiting. Returns 0 on a bad value. */
int rpc_wait_param(rpc_ctx *x, rpc_reply *r, uint64_t *wait_ms)
{
    const char *wait = rpc_query(x, "wait");
    const char *timeout = rpc_query(x, "timeout_ms");
    *wait_ms = 0;
    if (wait == NULL) {
        return 1;
    }
    if (strcmp(wait, "commit") != 0) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "wait: the only value is \"commit\"", "wait");
        return 0;
    }
    *wait_ms = x->srv->cfg.wait_timeout_ms;
    if (timeout != NULL) {
        uint64_t t;
        if (!rpc_parse_u64(timeout, &t) || t == 0 || t > x->srv->cfg.wait_timeout_ms) {
            char msg[96];
            snprintf(msg, sizeof(msg), "timeout_ms: a whole number from 1 to %llu",
                     (unsigned long long)x->srv->cfg.wait_timeout_ms);
            rpc_reply_error(r, 400, CHR_ERR_ARG, msg, "timeout_ms");
            return 0;
        }
        *wait_ms = t;
    }
    return 1;
}

/* Parses the JSON body: it must be declared JSON, parse without duplicate keys, and be an
 * object whose keys are all in `allowed` (NULL terminated). */
json_t *rpc_parse_body(rpc_ctx *x, rpc_reply *r, const char *const *allowed)
{
    const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        rpc_reply_error(r, 415, CHR_ERR_MEDIA_TYPE, "Content-Type must be application/json", NULL);
        return NULL;
    }
    json_error_t jerr;
    json_t *root =
        json_loadb(x->req->body != NULL ? x->req->body : "", x->req->len, RPC_JSON_FLAGS, &jerr);
    if (root == NULL) {
        /* jansson's message says what is wrong and near which text; one that names a flag
         * of the library speaks of our code, not of the client's input. */
        const char *why = strstr(jerr.text, "JSON_") == NULL ? jerr.text : "not valid JSON";
        char msg[256];
        snprintf(msg, sizeof(msg), "body: %s at line %d column %d", why, jerr.line, jerr.column);
        rpc_reply_error(r, 400, CHR_ERR_JSON, msg, NULL);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        rpc_reply_error(r, 400, CHR_ERR_JSON, "body: must be a JSON object", NULL);
        return NULL;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        int ok = 0;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++) {
            ok = strcmp(key, allowed[i]) == 0;
        }
        if (!ok) {
            char msg[128];
            snprintf(msg, sizeof(msg), "body: unknown field \"%.64s\"", key);
            rpc_reply_error(r, 400, CHR_ERR_UNKNOWN_FIELD, msg, key);
            json_decref(root);
            return NULL;
        }
    }
    return root;
}

void rpc_reply_header(rpc_reply *r, const char *name, const char *value)
{
    CHR_ASSERT(r->headers_len < RPC_REPLY_HEADERS_MAX);
    /* Every value is the node's own: one cut short would be a bug, not a client's doing. */
    CHR_ASSERT(strlen(value) < sizeof(r->headers[0].value));
    r->headers[r->headers_len].name = name;
    snprintf(r->headers[r->headers_len].value, sizeof(r->headers[0].value), "%s", value);
    r->headers_len++;
}
