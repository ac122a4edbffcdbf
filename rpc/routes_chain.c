/* Routes of chain reads: health, status, token, accounts, blocks. */
#include <stdio.h>
#include <string.h>

#include "common/bech32.h"
#include "common/log.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

/* ---- Chain reads. ---- */

void rpc_handle_health(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    if (!tip.healthy) {
        rpc_reply_error(r, 503, "store_error", "the node stopped writing blocks after a storage failure", NULL);
        return;
    }
    rpc_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void rpc_handle_status(rpc_ctx *x, rpc_reply *r)
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
    rpc_reply_json(r, 200, o);
}

void rpc_handle_token(rpc_ctx *x, rpc_reply *r)
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
    rpc_reply_json(r, 200, o);
}

void rpc_handle_account(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    const char *a = x->segs[3];
    if (chr_address_decode(addr, a, strlen(a)) != CHR_OK) {
        rpc_reply_error(r, 400, "bad_address", "address: not a chr1... bech32m address", "address");
        return;
    }
    ledger_account acct;
    uint64_t pending;
    if (x->srv->be.account(x->srv->be.ctx, addr, &acct, &pending) != CHR_OK) {
        rpc_reply_error(r, 503, "store_error", "cannot read the account now", NULL);
        r->retry_after = 1;
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "address", rpc_json_address(addr));
    json_object_set_new(o, "balance", rpc_json_u64(acct.balance));
    json_object_set_new(o, "nonce", rpc_json_u64(acct.nonce));
    json_object_set_new(o, "pending_nonce", rpc_json_u64(pending));
    rpc_reply_json(r, 200, o);
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
        rpc_reply_error(r, 400, "invalid_argument", "height: a block height or \"latest\"", "height");
        return;
    }
    if (height == 0 || height > tip.height) {
        char msg[96];
        snprintf(msg, sizeof(msg), "no block at height %llu; the latest is %llu",
                 (unsigned long long)height, (unsigned long long)tip.height);
        rpc_reply_error(r, 404, "not_found", msg, "height");
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        rpc_reply_error(r, 503, "store_error", "cannot read blocks now", NULL);
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
        rpc_reply_error(r, 500, "store_error", "the stored block is damaged", NULL);
        return;
    }
    rpc_reply_json(r, 200, o);
}

