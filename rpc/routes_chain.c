/* Routes of chain reads: health, status, token, accounts, blocks. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/log.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

/* ---- Chain reads. ---- */

void rpc_handle_health(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    if (!tip.healthy) {
        rpc_reply_error(r, 503, CHR_ERR_STORE,
                        "the node stopped writing blocks after a storage failure (its log "
                        "names it); reads go on, writes need a restart",
                        NULL);
        return;
    }
    if (tip.syncing) {
        rpc_reply_error(r, 503, CHR_ERR_SYNCING,
                        "a peer reports a longer chain: this node is fetching its blocks", NULL);
        return;
    }
    uint64_t now = rpc_clock_ms();
    uint64_t stall_ms = x->srv->be.stall_ms;
    if (stall_ms > 0 && now > tip.changed_ms && now - tip.changed_ms > stall_ms) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "no block committed for %" PRIu64 " ms (over [api] health_stall_ms): the "
                 "validators are not agreeing, or this node reaches none of them",
                 now - tip.changed_ms);
        rpc_reply_error(r, 503, CHR_ERR_STALLED, msg, NULL);
        return;
    }
    rpc_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* GET /api/v1/status changes only with the tip (a block) and the mempool's size, so each
 * pool thread keeps the body it last rendered and copies it while they stay the same,
 * rather than build and print a JSON object per request. Per thread, so no lock; the
 * threads end with their server. */
#define RPC_STATUS_TEXT_MAX 1024
static _Thread_local struct {
    const rpc_server *srv;
    rpc_tip tip;
    size_t len; /* 0: nothing kept */
    char text[RPC_STATUS_TEXT_MAX];
} status_kept;

/* Whether two tips show the same status (chain_id and genesis are the server's). */
static int status_same(const rpc_tip *a, const rpc_tip *b)
{
    return a->height == b->height && memcmp(a->hash, b->hash, sizeof(a->hash)) == 0 &&
           a->txs_total == b->txs_total && a->mempool_txs == b->mempool_txs &&
           a->mempool_bytes == b->mempool_bytes && a->healthy == b->healthy &&
           a->syncing == b->syncing;
}

static json_t *status_render(rpc_ctx *x, const rpc_tip *tp)
{
    json_t *o = json_object();
    json_object_set_new(o, "chain_id", json_string(tp->chain_id));
    json_object_set_new(o, "genesis_hash", rpc_json_hex(tp->genesis_hash, 32));
    json_object_set_new(o, "node_version", json_string(x->srv->cfg.version));
    json_object_set_new(o, "latest_height", rpc_json_u64(tp->height));
    json_object_set_new(o, "latest_block_hash", rpc_json_hex(tp->hash, 32));
    json_object_set_new(o, "latest_block_time", rpc_json_time(tp->time_ms));
    json_object_set_new(o, "latest_state_root", rpc_json_hex(tp->state_root, 32));
    json_object_set_new(o, "txs_total", rpc_json_u64(tp->txs_total));
    json_object_set_new(o, "mempool_txs", json_integer((json_int_t)tp->mempool_txs));
    json_object_set_new(o, "mempool_bytes", json_integer((json_int_t)tp->mempool_bytes));
    json_object_set_new(o, "syncing", json_boolean(tp->syncing));
    json_object_set_new(o, "healthy", json_boolean(tp->healthy));
    return o;
}

void rpc_handle_status(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip t;
    x->srv->be.tip(x->srv->be.ctx, &t);
    if (status_kept.srv != x->srv || status_kept.len == 0 || !status_same(&status_kept.tip, &t)) {
        json_t *o = status_render(x, &t);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        status_kept.len = 0;
        if (text == NULL) {
            rpc_reply_nomem(r);
            return;
        }
        size_t len = strlen(text);
        if (len >= sizeof(status_kept.text)) {
            rpc_reply_text(r, 200, "application/json", text, len);
            return;
        }
        memcpy(status_kept.text, text, len);
        free(text);
        status_kept.srv = x->srv;
        status_kept.tip = t;
        status_kept.len = len;
    }
    char *copy = malloc(status_kept.len);
    if (copy == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    memcpy(copy, status_kept.text, status_kept.len);
    rpc_reply_text(r, 200, "application/json", copy, status_kept.len);
}

void rpc_handle_token(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip t;
    x->srv->be.tip(x->srv->be.ctx, &t);
    const ledger_params *p = &t.params;
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
    rpc_reply_json(r, 200, o);
}

/* GET /api/v1/accounts/{address}'s body: the field names, an address and three u64s. */
#define RPC_ACCOUNT_TEXT_MAX 256
_Static_assert(RPC_ACCOUNT_TEXT_MAX > 64 + CHR_ADDRESS_STR_LEN + 3 * 20, "an account fits");

void rpc_handle_account(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    const char *a = x->segs[3];
    if (chr_address_decode(addr, a, strlen(a)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_BECH32, "address: not a chr1... bech32m address",
                        "address");
        return;
    }
    int prove;
    if (!rpc_prove_param(x, r, &prove)) {
        return;
    }
    ledger_account acct;
    uint64_t pending;
    chr_err err = x->srv->be.account(x->srv->be.ctx, addr, &acct, &pending);
    if (err == CHR_ERR_STATE_ROOT) {
        rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored account is damaged", NULL);
        return;
    }
    if (err != CHR_OK) {
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the account now", NULL);
        r->retry_after = 1;
        return;
    }
    if (prove) {
        rpc_handle_account_proof(x, r, addr, pending);
        return;
    }
    /* The API's busiest read (issue 3, "Speed"), printed directly rather than through
     * jansson: an address and decimals are JSON string contents as they are. */
    char address[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(address, addr);
    char *text = malloc(RPC_ACCOUNT_TEXT_MAX);
    if (text == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    int n = snprintf(text, RPC_ACCOUNT_TEXT_MAX,
                     "{\"address\":\"%s\",\"balance\":\"%" PRIu64 "\",\"nonce\":\"%" PRIu64
                     "\",\"pending_nonce\":\"%" PRIu64 "\"}",
                     address, acct.balance, acct.nonce, pending);
    CHR_ASSERT(n > 0 && n < RPC_ACCOUNT_TEXT_MAX);
    rpc_reply_text(r, 200, "application/json", text, (size_t)n);
}

void rpc_handle_block(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    uint64_t height;
    const char *h = x->segs[3];
    if (strcmp(h, "latest") == 0) {
        height = tip.height;
    } else if (!rpc_parse_u64(h, &height)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "height: a block height or \"latest\"", "height");
        return;
    }
    if (height == 0 || height > tip.height) {
        char msg[96];
        snprintf(msg, sizeof(msg), "no block at height %llu; the latest is %llu",
                 (unsigned long long)height, (unsigned long long)tip.height);
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, msg, "height");
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read blocks now", NULL);
        r->retry_after = 1;
        return;
    }
    ledger_block b;
    json_t *o = NULL;
    chr_err err = ledger_store_block_decode(rd, height, &b);
    if (err == CHR_OK) {
        o = rpc_render_block(&b);
        ledger_block_free(&b);
    }
    ledger_store_read_end(rd);
    if (o == NULL) {
        if (err == CHR_OK) {
            /* The block matches its hash, but a transaction in it does not decode. */
            CHR_LOG_E("store: block %llu holds a transaction that does not decode",
                      (unsigned long long)height);
        }
        rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored block is damaged", NULL);
        return;
    }
    rpc_reply_json(r, 200, o);
}
