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
#include "rpc/render.h"

struct rpc_server {
    struct MHD_Daemon *daemon;
    rpc_server_config cfg;
    rpc_backend be;
    uint16_t port;
    atomic_int inflight; /* requests begun and not yet answered in full */
};

/* One request's state across libmicrohttpd's calls: the body as it arrives. */
typedef struct rpc_req {
    char *body;
    size_t len;
    size_t cap;
    int too_large;
} rpc_req;

typedef struct rpc_reply {
    unsigned status;
    json_t *body;
    char allow[64];        /* for 405: the methods the path takes */
    unsigned retry_after;  /* seconds, for 503; 0 for none */
} rpc_reply;

typedef struct rpc_ctx {
    rpc_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *segs[8]; /* the path split at '/' */
    size_t segs_len;
    char path[RPC_URL_BYTES_MAX];
    rpc_req *req;
} rpc_ctx;

static void reply_error(rpc_reply *r, unsigned status, const char *code, const char *message,
                        const char *field)
{
    r->status = status;
    r->body = rpc_render_error(code, message, field);
}

static void reply_json(rpc_reply *r, unsigned status, json_t *body)
{
    r->status = status;
    r->body = body;
}

/* ---- Helpers for handlers. ---- */

/* Parses a canonical decimal u64: digits only, no leading zero, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    *out = 0;
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) {
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || chr_mul_u64(&v, v, 10) != CHR_OK ||
            chr_add_u64(&v, v, (uint64_t)(s[i] - '0')) != CHR_OK) {
            return 0;
        }
    }
    *out = v;
    return 1;
}

static const char *query(rpc_ctx *x, const char *key)
{
    return MHD_lookup_connection_value(x->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Reads ?wait=commit and ?timeout_ms=N; 0 when not waiting. Returns 0 on a bad value. */
static int wait_param(rpc_ctx *x, rpc_reply *r, uint64_t *wait_ms)
{
    const char *wait = query(x, "wait");
    const char *timeout = query(x, "timeout_ms");
    *wait_ms = 0;
    if (wait == NULL) {
        return 1;
    }
    if (strcmp(wait, "commit") != 0) {
        reply_error(r, 400, "invalid_argument", "wait: the only value is \"commit\"", "wait");
        return 0;
    }
    *wait_ms = x->srv->cfg.wait_timeout_ms;
    if (timeout != NULL) {
        uint64_t t;
        if (!parse_u64(timeout, &t) || t == 0 || t > x->srv->cfg.wait_timeout_ms) {
            char msg[96];
            snprintf(msg, sizeof(msg), "timeout_ms: a whole number from 1 to %llu",
                     (unsigned long long)x->srv->cfg.wait_timeout_ms);
            reply_error(r, 400, "invalid_argument", msg, "timeout_ms");
            return 0;
        }
        *wait_ms = t;
    }
    return 1;
}

/* Parses the JSON body: it must be declared JSON, parse without duplicate keys, and be an
 * object whose keys are all in `allowed` (NULL terminated). */
static json_t *parse_body(rpc_ctx *x, rpc_reply *r, const char *const *allowed)
{
    const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
        reply_error(r, 415, "unsupported_media_type", "Content-Type must be application/json",
                    NULL);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(x->req->body != NULL ? x->req->body : "", x->req->len,
                              JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        char msg[256];
        snprintf(msg, sizeof(msg), "body: %s at line %d column %d", jerr.text, jerr.line,
                 jerr.column);
        reply_error(r, 400, "bad_json", msg, NULL);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        reply_error(r, 400, "bad_json", "body: must be a JSON object", NULL);
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
            reply_error(r, 400, "unknown_field", msg, key);
            json_decref(root);
            return NULL;
        }
    }
    return root;
}

/* ---- Transactions. ---- */

/* The HTTP status and field of a rejected transaction's error. */
static unsigned reject_status(chr_err err, const char **field)
{
    *field = "tx";
    switch (err) {
    case CHR_ERR_NONCE:
    case CHR_ERR_NONCE_PENDING:
        *field = "nonce";
        return 409;
    case CHR_ERR_BALANCE:
    case CHR_ERR_AMOUNT:
        *field = "amount";
        return 400;
    case CHR_ERR_FEE:
        *field = "fee";
        return 400;
    case CHR_ERR_CHAIN_ID:
        *field = "chain_id";
        return 400;
    case CHR_ERR_MEMO:
        *field = "memo";
        return 400;
    case CHR_ERR_SELF_TRANSFER:
    case CHR_ERR_PUBKEY:
        *field = "to";
        return 400;
    case CHR_ERR_SIGNATURE:
        *field = "signature";
        return 400;
    case CHR_ERR_EXPIRED:
        *field = "expiry_height";
        return 400;
    case CHR_ERR_MEMPOOL_FULL:
    case CHR_ERR_QUEUE_FULL:
    case CHR_ERR_SHUTDOWN:
    case CHR_ERR_STORE:
    case CHR_ERR_NOMEM:
        *field = NULL;
        return 503;
    default:
        return 400;
    }
}

/* Decodes one hex transaction from a JSON value into buf; on failure *code is the
 * error code ("invalid_type" or "bad_hex"). */
static int tx_from_json(json_t *v, uint8_t *buf, size_t *len, const char **code, char *msg,
                        size_t msg_cap)
{
    *code = "bad_hex";
    if (!json_is_string(v)) {
        *code = "invalid_type";
        snprintf(msg, msg_cap, "must be a string of hex");
        return 0;
    }
    chr_err err = chr_hex_decode(buf, LEDGER_TX_BYTES_MAX, len, json_string_value(v),
                                 json_string_length(v));
    if (err != CHR_OK) {
        snprintf(msg, msg_cap, err == CHR_ERR_TOO_LONG ? "longer than %d bytes" : "not valid hex",
                 LEDGER_TX_BYTES_MAX);
        return 0;
    }
    return 1;
}

static void handle_tx_submit(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"tx", NULL};
    uint64_t wait_ms;
    if (!wait_param(x, r, &wait_ms)) {
        return;
    }
    json_t *root = parse_body(x, r, allowed);
    if (root == NULL) {
        return;
    }
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    char msg[96];
    const char *code = "missing_field";
    json_t *tx = json_object_get(root, "tx");
    if (tx == NULL || !tx_from_json(tx, buf, &len, &code, msg, sizeof(msg))) {
        char full[128];
        snprintf(full, sizeof(full), "tx: %s", tx == NULL ? "required" : msg);
        reply_error(r, 400, code, full, "tx");
        json_decref(root);
        return;
    }
    json_decref(root);
    const uint8_t *txs[1] = {buf};
    rpc_tx_result res;
    x->srv->be.submit(x->srv->be.ctx, txs, &len, 1, wait_ms, &res);
    if (res.state == RPC_TX_REJECTED) {
        const char *field;
        unsigned status = reject_status(res.err, &field);
        reply_error(r, status, chr_err_name(res.err), res.detail[0] ? res.detail : chr_err_str(res.err), field);
        r->retry_after = status == 503 ? 1 : 0;
        return;
    }
    reply_json(r, res.state == RPC_TX_PENDING ? 202 : 200, rpc_render_tx_result(&res));
}

static void handle_tx_batch(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"txs", NULL};
    uint64_t wait_ms;
    if (!wait_param(x, r, &wait_ms)) {
        return;
    }
    json_t *root = parse_body(x, r, allowed);
    if (root == NULL) {
        return;
    }
    json_t *arr = json_object_get(root, "txs");
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > RPC_BATCH_TXS_MAX) {
        char msg[96];
        snprintf(msg, sizeof(msg), "txs: an array of 1 to %d hex transactions", RPC_BATCH_TXS_MAX);
        reply_error(r, n > RPC_BATCH_TXS_MAX ? 413 : 400, n > RPC_BATCH_TXS_MAX ? "batch_too_large" : "invalid_argument", msg, "txs");
        json_decref(root);
        return;
    }
    uint8_t *bufs = malloc(n * LEDGER_TX_BYTES_MAX);
    const uint8_t **txs = malloc(n * sizeof(*txs));
    size_t *lens = malloc(n * sizeof(*lens));
    rpc_tx_result *res = calloc(n, sizeof(*res));
    if (bufs == NULL || txs == NULL || lens == NULL || res == NULL) {
        reply_error(r, 503, "overloaded", "node: out of memory", NULL);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char msg[96];
        const char *code;
        txs[i] = bufs + i * LEDGER_TX_BYTES_MAX;
        if (!tx_from_json(json_array_get(arr, i), bufs + i * LEDGER_TX_BYTES_MAX, &lens[i], &code,
                          msg, sizeof(msg))) {
            char full[128];
            char field[32];
            snprintf(full, sizeof(full), "txs[%zu]: %s", i, msg);
            snprintf(field, sizeof(field), "txs[%zu]", i);
            reply_error(r, 400, code, full, field);
            goto out;
        }
    }
    x->srv->be.submit(x->srv->be.ctx, txs, lens, n, wait_ms, res);
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(results, rpc_render_tx_result(&res[i]));
    }
    reply_json(r, 200, json_pack("{s:o}", "results", results));
out:
    json_decref(root);
    free(bufs);
    free(txs);
    free(lens);
    free(res);
}

/* Finds a committed transaction's bytes in its block and renders it. */
static json_t *committed_tx(rpc_ctx *x, const rpc_tx_result *res)
{
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        return NULL;
    }
    json_t *out = NULL;
    const uint8_t *bytes;
    size_t len;
    ledger_block b;
    if (ledger_store_block(rd, res->height, &bytes, &len) == CHR_OK &&
        ledger_block_decode(&b, bytes, len) == CHR_OK) {
        ledger_tx tx;
        if (res->index < b.txs_len &&
            ledger_tx_decode(&tx, b.txs[res->index], b.tx_lens[res->index]) == CHR_OK) {
            out = rpc_render_tx(&tx, res->hash);
        }
        ledger_block_free(&b);
    }
    ledger_store_read_end(rd);
    return out;
}

static void handle_tx_get(rpc_ctx *x, rpc_reply *r)
{
    uint8_t hash[32];
    const char *h = x->segs[3];
    if (chr_hex_decode_exact(hash, 32, h, strlen(h)) != CHR_OK) {
        reply_error(r, 400, "invalid_argument", "hash: 64 hex characters", "hash");
        return;
    }
    rpc_tx_result res;
    x->srv->be.tx_status(x->srv->be.ctx, hash, &res);
    if (res.state == RPC_TX_UNKNOWN) {
        reply_error(r, 404, "not_found", "no such transaction: not pending, committed or recently failed", "hash");
        return;
    }
    json_t *o = rpc_render_tx_result(&res);
    if (res.state == RPC_TX_COMMITTED) {
        json_t *tx = committed_tx(x, &res);
        json_object_set_new(o, "tx", tx != NULL ? tx : json_null());
    }
    reply_json(r, 200, o);
}

/* ---- Chain reads. ---- */

static void handle_health(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    if (!tip.healthy) {
        reply_error(r, 503, "store_error", "the node stopped writing blocks after a storage failure", NULL);
        return;
    }
    reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static void handle_status(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip t;
    x->srv->be.tip(x->srv->be.ctx, &t);
    json_t *o = json_object();
    json_object_set_new(o, "chain_id", json_string(t.chain_id));
    json_object_set_new(o, "genesis_hash", rpc_json_hex(t.genesis_hash, 32));
    json_object_set_new(o, "node_version", json_string(x->srv->cfg.version));
    json_object_set_new(o, "latest_height", rpc_json_u64(t.height));
    json_object_set_new(o, "latest_block_hash", rpc_json_hex(t.hash, 32));
    json_object_set_new(o, "latest_block_time", rpc_json_time(t.time_ms));
    json_object_set_new(o, "latest_state_root", rpc_json_hex(t.state_root, 32));
    json_object_set_new(o, "txs_total", rpc_json_u64(t.txs_total));
    json_object_set_new(o, "mempool_txs", json_integer((json_int_t)t.mempool_txs));
    json_object_set_new(o, "mempool_bytes", json_integer((json_int_t)t.mempool_bytes));
    json_object_set_new(o, "syncing", json_false());
    json_object_set_new(o, "healthy", json_boolean(t.healthy));
    reply_json(r, 200, o);
}

static void handle_token(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip t;
    x->srv->be.tip(x->srv->be.ctx, &t);
    const ledger_params *p = x->srv->be.params;
    json_t *params = json_object();
    json_object_set_new(params, "fee_transfer", rpc_json_u64(p->fee_transfer));
    json_object_set_new(params, "block_txs_max", json_integer(p->block_txs_max));
    json_object_set_new(params, "block_bytes_max", json_integer(p->block_bytes_max));
    json_t *o = json_object();
    json_object_set_new(o, "symbol", json_string(LEDGER_TOKEN_SYMBOL));
    json_object_set_new(o, "decimals", json_integer(LEDGER_TOKEN_DECIMALS));
    json_object_set_new(o, "total_supply", rpc_json_u64(x->srv->be.supply));
    json_object_set_new(o, "chain_id", json_string(t.chain_id));
    json_object_set_new(o, "params", params);
    reply_json(r, 200, o);
}

static void handle_account(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    const char *a = x->segs[3];
    if (chr_address_decode(addr, a, strlen(a)) != CHR_OK) {
        reply_error(r, 400, "bad_address", "address: not a chr1... bech32m address", "address");
        return;
    }
    ledger_account acct;
    uint64_t pending;
    if (x->srv->be.account(x->srv->be.ctx, addr, &acct, &pending) != CHR_OK) {
        reply_error(r, 503, "store_error", "cannot read the account now", NULL);
        r->retry_after = 1;
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "address", rpc_json_address(addr));
    json_object_set_new(o, "balance", rpc_json_u64(acct.balance));
    json_object_set_new(o, "nonce", rpc_json_u64(acct.nonce));
    json_object_set_new(o, "pending_nonce", rpc_json_u64(pending));
    reply_json(r, 200, o);
}

static void handle_block(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    uint64_t height;
    const char *h = x->segs[3];
    if (strcmp(h, "latest") == 0) {
        height = tip.height;
    } else if (!parse_u64(h, &height)) {
        reply_error(r, 400, "invalid_argument", "height: a block height or \"latest\"", "height");
        return;
    }
    if (height == 0 || height > tip.height) {
        char msg[96];
        snprintf(msg, sizeof(msg), "no block at height %llu; the latest is %llu",
                 (unsigned long long)height, (unsigned long long)tip.height);
        reply_error(r, 404, "not_found", msg, "height");
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_error(r, 503, "store_error", "cannot read blocks now", NULL);
        return;
    }
    const uint8_t *bytes;
    size_t len;
    json_t *o = NULL;
    if (ledger_store_block(rd, height, &bytes, &len) == CHR_OK) {
        o = rpc_render_block(bytes, len);
    }
    ledger_store_read_end(rd);
    if (o == NULL) {
        CHR_LOG_E("block %llu in the store does not decode", (unsigned long long)height);
        reply_error(r, 500, "store_error", "the stored block is damaged", NULL);
        return;
    }
    reply_json(r, 200, o);
}

/* ---- Routing. ---- */

typedef struct rpc_route {
    const char *method;
    const char *pattern; /* segments; "*" matches any one */
    void (*handler)(rpc_ctx *x, rpc_reply *r);
} rpc_route;

static const rpc_route routes[] = {
    {"GET", "/health", handle_health},
    {"GET", "/api/v1/status", handle_status},
    {"GET", "/api/v1/token", handle_token},
    {"GET", "/api/v1/accounts/*", handle_account},
    {"POST", "/api/v1/txs", handle_tx_submit},
    {"POST", "/api/v1/txs/batch", handle_tx_batch},
    {"GET", "/api/v1/txs/*", handle_tx_get},
    {"GET", "/api/v1/blocks/*", handle_block},
};

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

static void dispatch(rpc_ctx *x, rpc_reply *r)
{
    int path_known = 0;
    char methods[64] = "";
    /* A path that a literal route names (/api/v1/txs/batch) is that route's, never a
     * wildcard's (/api/v1/txs/{hash}): a wrong method on it is a 405. */
    int exact = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        exact |= strchr(routes[i].pattern, '*') == NULL && route_matches(x, routes[i].pattern);
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (!route_matches(x, routes[i].pattern) ||
            (exact && strchr(routes[i].pattern, '*') != NULL)) {
            continue;
        }
        if (strcmp(routes[i].method, x->method) == 0) {
            routes[i].handler(x, r);
            return;
        }
        if (strstr(methods, routes[i].method) == NULL) {
            snprintf(methods + strlen(methods), sizeof(methods) - strlen(methods), "%s%s",
                     methods[0] ? ", " : "", routes[i].method);
        }
        path_known = 1;
    }
    if (path_known) {
        snprintf(r->allow, sizeof(r->allow), "%s", methods);
        char msg[96];
        snprintf(msg, sizeof(msg), "method %.16s not allowed here; allowed: %s", x->method, methods);
        reply_error(r, 405, "method_not_allowed", msg, NULL);
        return;
    }
    reply_error(r, 404, "not_found", "no such route", NULL);
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

static enum MHD_Result send_reply(struct MHD_Connection *conn, rpc_reply *r)
{
    char *text = json_dumps(r->body, JSON_COMPACT);
    json_decref(r->body);
    if (text == NULL) {
        return MHD_NO;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->allow[0] != '\0') {
        MHD_add_response_header(resp, "Allow", r->allow);
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
        int valid = cl == NULL || parse_u64(cl, &declared);
        uint64_t max = srv->cfg.body_bytes_max;
        if (!valid || (cl != NULL && declared > max &&
                       (expect != NULL || declared / RPC_BODY_DISCARD_FACTOR > max))) {
            rpc_reply r = {0};
            char msg[96];
            snprintf(msg, sizeof(msg), "body: larger than %zu bytes", srv->cfg.body_bytes_max);
            reply_error(&r, 413, "body_too_large", msg, NULL);
            return send_reply(conn, &r);
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
    if (req->too_large) {
        char msg[96];
        snprintf(msg, sizeof(msg), "body: larger than %zu bytes", srv->cfg.body_bytes_max);
        reply_error(&r, 413, "body_too_large", msg, NULL);
    } else if (!split_path(&x, url)) {
        reply_error(&r, 414, "uri_too_long", "path: too long or too deep", NULL);
    } else {
        dispatch(&x, &r);
    }
    if (r.body == NULL) {
        reply_error(&r, 503, "overloaded", "node: out of memory", NULL);
    }
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
    if (colon == NULL || !parse_u64(colon + 1, &port) || port > 65535 ||
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
                     MHD_USE_ERROR_LOG | MHD_USE_ITC | (((struct sockaddr *)&addr)->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, cfg->connections_max, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->connections_per_ip_max, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)RPC_CONNECTION_MEMORY_MAX,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, on_unescape,
        s, MHD_OPTION_END);
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
    /* Stop accepting, let the requests in flight be answered, then close everything. */
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
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
