/* Routes of transactions: submit, batch, status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "common/log.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

/* ---- Transactions. ---- */

/* The HTTP status and field of a rejected transaction's error. */
unsigned rpc_tx_reject_status(chr_err err, const char **field)
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

/* Decodes one hex transaction from a JSON value into buf (buf_cap bytes: the string's length
 * / 2, or LEDGER_TX_BYTES_MAX, suffices); on
 * failure *code says why: CHR_ERR_JSON_TYPE, CHR_ERR_TX_SIZE (tx_too_large, as admission
 * says of a transaction over its size: any string over twice LEDGER_TX_BYTES_MAX
 * characters, hex or not) or CHR_ERR_HEX. */
static int tx_from_json(json_t *v, uint8_t *buf, size_t buf_cap, size_t *len, chr_err *code,
                        char *msg, size_t msg_cap)
{
    *len = 0;
    if (!json_is_string(v)) {
        *code = CHR_ERR_JSON_TYPE;
        snprintf(msg, msg_cap, "must be a string of hex");
        return 0;
    }
    size_t hex_len = json_string_length(v);
    if (hex_len > 2 * (size_t)LEDGER_TX_BYTES_MAX) {
        *code = CHR_ERR_TX_SIZE;
        snprintf(msg, msg_cap, "%zu hex characters, over the %d of a %d-byte transaction", hex_len,
                 2 * LEDGER_TX_BYTES_MAX, LEDGER_TX_BYTES_MAX);
        return 0;
    }
    if (chr_hex_decode(buf, buf_cap, len, json_string_value(v), hex_len) != CHR_OK) {
        *code = CHR_ERR_HEX;
        snprintf(msg, msg_cap, "not valid hex (an even number of 0-9, a-f, A-F)");
        return 0;
    }
    return 1;
}

/* ---- Submission: the node verifies on this thread, admits on its writer's, and calls
 * back (tx_admitted); the request's connection is suspended meanwhile and while it waits
 * for the commit, so no pool thread waits (docs/ARCHITECTURE.md, "Threads"). ---- */

/* A node whose writer has stopped (a storage or WAL write failure) commits nothing more:
 * a submission it took would be lost, so it is refused (503 not_writing) before and, for a
 * writer that stopped meanwhile, after admission. 1 when refused. */
static int refuse_not_writing(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    if (tip.healthy) {
        return 0;
    }
    rpc_reply_error(r, 503, CHR_ERR_NOT_WRITING,
                    "the node has stopped writing blocks after a storage failure (its log names "
                    "it): submit to another node",
                    NULL);
    return 1;
}

/* Whether any of the request's transactions is still pending (not committed, failed or
 * rejected). */
static int any_pending(const rpc_req *req)
{
    for (size_t i = 0; i < req->results_len; i++) {
        if (req->results[i].state == RPC_TX_PENDING) {
            return 1;
        }
    }
    return 0;
}

/* The node's call once the results are final for admission, on its writer's thread (or on
 * the handler's, before submit returns): waits for the commit when asked and something is
 * pending, else has the answer written at once. req is not touched after it is handed on. */
static void tx_admitted(void *arg)
{
    rpc_req *req = arg;
    if (req->wait_deadline_ms == 0 || !any_pending(req)) {
        rpc_resume(req->srv, req->conn);
        return;
    }
    req->wait = (rpc_wait){
        .conn = req->conn,
        .kind = RPC_WAIT_COMMIT,
        .deadline_ms = req->wait_deadline_ms,
        .results = req->results,
        .results_len = req->results_len,
    };
    rpc_waiter_add(req->srv->waiter, &req->wait);
}

/* Hands n transactions to the node and defers the answer to finish. */
void rpc_submit_start(rpc_ctx *x, rpc_reply *r, const uint8_t *const *txs, const size_t *lens,
                      size_t n, uint64_t wait_ms, void (*finish)(rpc_ctx *x, rpc_reply *r))
{
    rpc_req *req = x->req;
    CHR_ASSERT(req->results == NULL);
    req->results = calloc(n, sizeof(*req->results));
    if (req->results == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    req->results_len = n;
    req->wait_deadline_ms = wait_ms > 0 ? rpc_clock_ms() + wait_ms : 0;
    rpc_defer(x, r, finish);
    x->srv->be.submit(x->srv->be.ctx, txs, lens, n, req->results, tx_admitted, req);
}

/* The answer of POST /api/v1/txs: the status, or the refusal as an error. */
static void submit_finish(rpc_ctx *x, rpc_reply *r)
{
    const rpc_tx_result *res = &x->req->results[0];
    if (any_pending(x->req) && refuse_not_writing(x, r)) {
        return;
    }
    if (res->state == RPC_TX_REJECTED) {
        const char *field;
        unsigned status = rpc_tx_reject_status(res->err, &field);
        rpc_reply_error(r, status, res->err, res->detail[0] ? res->detail : chr_err_str(res->err),
                        field);
        r->retry_after = status == 503 ? 1 : 0;
        return;
    }
    rpc_reply_json(r, res->state == RPC_TX_PENDING ? 202 : 200, rpc_render_tx_result(res));
}

/* The answer of POST /api/v1/txs/batch: one status per transaction. */
static void batch_finish(rpc_ctx *x, rpc_reply *r)
{
    if (any_pending(x->req) && refuse_not_writing(x, r)) {
        return;
    }
    json_t *results = json_array();
    for (size_t i = 0; i < x->req->results_len; i++) {
        json_array_append_new(results, rpc_render_tx_result(&x->req->results[i]));
    }
    rpc_reply_json(r, 200, json_pack("{s:o}", "results", results));
}

void rpc_handle_tx_submit(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"tx", NULL};
    uint64_t wait_ms;
    if (!rpc_wait_param(x, r, &wait_ms) || refuse_not_writing(x, r)) {
        return;
    }
    json_t *root = rpc_parse_body(x, r, allowed);
    if (root == NULL) {
        return;
    }
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    char msg[96];
    chr_err code = CHR_ERR_MISSING_FIELD;
    json_t *tx = json_object_get(root, "tx");
    if (tx == NULL || !tx_from_json(tx, buf, sizeof(buf), &len, &code, msg, sizeof(msg))) {
        char full[128];
        snprintf(full, sizeof(full), "tx: %s", tx == NULL ? "required" : msg);
        rpc_reply_error(r, 400, code, full, "tx");
        json_decref(root);
        return;
    }
    json_decref(root);
    const uint8_t *txs[1] = {buf};
    rpc_submit_start(x, r, txs, &len, 1, wait_ms, submit_finish);
}

void rpc_handle_tx_batch(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"txs", NULL};
    uint64_t wait_ms;
    if (!rpc_wait_param(x, r, &wait_ms) || refuse_not_writing(x, r)) {
        return;
    }
    json_t *root = rpc_parse_body(x, r, allowed);
    if (root == NULL) {
        return;
    }
    json_t *arr = json_object_get(root, "txs");
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > RPC_BATCH_TXS_MAX) {
        char msg[96];
        snprintf(msg, sizeof(msg), "txs: an array of 1 to %d hex transactions", RPC_BATCH_TXS_MAX);
        int over = n > RPC_BATCH_TXS_MAX;
        rpc_reply_error(r, over ? 413 : 400, over ? CHR_ERR_BATCH_SIZE : CHR_ERR_ARG, msg, "txs");
        json_decref(root);
        return;
    }
    /* Room for what the strings hold (a settle of a large meeting is 20 times a transfer):
     * the body limit bounds the sum. */
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        size_t hex_len = json_string_length(json_array_get(arr, i)); /* 0: not a string */
        total += hex_len / 2 < LEDGER_TX_BYTES_MAX ? hex_len / 2 : LEDGER_TX_BYTES_MAX;
    }
    uint8_t *bufs = malloc(total);
    const uint8_t **txs = malloc(n * sizeof(*txs));
    size_t *lens = malloc(n * sizeof(*lens));
    if (bufs == NULL || txs == NULL || lens == NULL) {
        rpc_reply_nomem(r);
        goto out;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        char msg[96];
        chr_err code;
        txs[i] = bufs + at;
        if (!tx_from_json(json_array_get(arr, i), bufs + at, total - at, &lens[i], &code, msg,
                          sizeof(msg))) {
            char full[128];
            char field[32];
            snprintf(full, sizeof(full), "txs[%zu]: %s", i, msg);
            snprintf(field, sizeof(field), "txs[%zu]", i);
            rpc_reply_error(r, 400, code, full, field);
            goto out;
        }
        at += lens[i];
    }
    rpc_submit_start(x, r, txs, lens, n, wait_ms, batch_finish);
out:
    json_decref(root);
    free(bufs);
    free(txs);
    free(lens);
}

/* Reads a committed transaction's bytes alone (not its block), checked by the store to
 * hash to res->hash, and renders it; NULL with *damaged set when the store's copy is not
 * that transaction (the store logged what did not match). */
static json_t *committed_tx(rpc_ctx *x, const rpc_tx_result *res, int *damaged)
{
    *damaged = 0;
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        return NULL;
    }
    json_t *out = NULL;
    const uint8_t *bytes;
    size_t len;
    ledger_store_txinfo info;
    ledger_tx tx;
    chr_err err = ledger_store_tx_read(rd, res->hash, &info, &bytes, &len);
    if (err == CHR_OK && (info.height != res->height || info.index != res->index ||
                          ledger_tx_decode(&tx, bytes, len) != CHR_OK)) {
        CHR_LOG_E("store: transaction at block %llu index %u is damaged: it does not decode "
                  "or its index row changed while read",
                  (unsigned long long)info.height, info.index);
        err = CHR_ERR_STORE;
    }
    if (err == CHR_OK) {
        out = rpc_render_tx(&tx, res->hash);
    }
    *damaged = err == CHR_ERR_STORE;
    ledger_store_read_end(rd);
    return out;
}

void rpc_handle_tx_get(rpc_ctx *x, rpc_reply *r)
{
    uint8_t hash[32];
    const char *h = x->segs[3];
    if (chr_hex_decode_exact(hash, 32, h, strlen(h)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "hash: 64 hex characters", "hash");
        return;
    }
    rpc_tx_result res;
    x->srv->be.tx_status(x->srv->be.ctx, hash, &res);
    if (res.state == RPC_TX_UNKNOWN && res.err == CHR_ERR_STORE) {
        /* Not pending and not a remembered failure, but the committed ones could not be
         * looked at: that is no answer, not "unknown". */
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
        r->retry_after = 1;
        return;
    }
    /* A hash the node knows nothing of is an answer too (200, status "unknown"): never
     * seen, refused at admission, lost from the mempool by a restart, or failed long ago. */
    json_t *tx = NULL;
    if (res.state == RPC_TX_COMMITTED) {
        int damaged;
        tx = committed_tx(x, &res, &damaged);
        if (damaged) {
            /* Never another transaction, or another height, under this hash. */
            rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored transaction is damaged", NULL);
            return;
        }
    }
    json_t *o = rpc_render_tx_result(&res);
    if (res.state == RPC_TX_COMMITTED) {
        json_object_set_new(o, "tx", tx != NULL ? tx : json_null());
    }
    rpc_reply_json(r, 200, o);
}
