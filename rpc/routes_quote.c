/* POST /api/v1/txs/quote: what an app needs to sign a transfer with its own
 * secp256k1 library: the exact fee, the next nonce, the chain id, the bytes to
 * sign and their BIP-340 message (docs/API.md). Nothing is stored or admitted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "rpc/internal/http.h"
#include "rpc/internal/quote.h"
#include "rpc/render.h"

/* The fee, nonce and expiry the transaction will carry: the client's, or the
 * node's choice. 0 and an error reply when the client's cannot work. */
static int quote_terms(rpc_ctx *x, rpc_reply *r, const rpc_quote_req *q, const rpc_tip *tip,
                       uint64_t *fee, uint64_t *nonce)
{
    uint64_t min_fee = tip->params.fee_transfer;
    char msg[128];
    if (q->has_fee && q->fee < min_fee) {
        snprintf(msg, sizeof(msg), "fee: minimum %llu, got %llu", (unsigned long long)min_fee,
                 (unsigned long long)q->fee);
        rpc_reply_error(r, 400, CHR_ERR_FEE, msg, "fee");
        return 0;
    }
    *fee = q->has_fee ? q->fee : min_fee;
    if (q->has_expiry && q->expiry_height != 0 && q->expiry_height <= tip->height) {
        snprintf(msg, sizeof(msg), "expiry_height: %llu passed, the next block is %llu",
                 (unsigned long long)q->expiry_height, (unsigned long long)tip->height + 1);
        rpc_reply_error(r, 400, CHR_ERR_EXPIRED, msg, "expiry_height");
        return 0;
    }
    ledger_account acct;
    uint64_t pending;
    chr_err err = x->srv->be.account(x->srv->be.ctx, q->from, &acct, &pending);
    if (err == CHR_ERR_STATE_ROOT) {
        rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored account is damaged", NULL);
        return 0;
    }
    if (err != CHR_OK) {
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the account now", NULL);
        r->retry_after = 1;
        return 0;
    }
    /* Admission's rule (ledger/mempool.c), with its codes and words: a nonce already
     * committed or beyond the next pending one (a gap) is nonce_mismatch; one a pending
     * transaction holds is nonce_conflict (a new transaction cannot take it; the pending
     * one itself resubmitted is merely answered with its status). */
    if (q->has_nonce && q->nonce >= acct.nonce && q->nonce < pending) {
        snprintf(msg, sizeof(msg), "nonce: %llu is taken by a pending transaction, next is %llu",
                 (unsigned long long)q->nonce, (unsigned long long)pending);
        rpc_reply_error(r, 409, CHR_ERR_NONCE_PENDING, msg, "nonce");
        return 0;
    }
    if (q->has_nonce && q->nonce != pending) {
        snprintf(msg, sizeof(msg), "nonce: expected %llu, got %llu", (unsigned long long)pending,
                 (unsigned long long)q->nonce);
        rpc_reply_error(r, 409, CHR_ERR_NONCE, msg, "nonce");
        return 0;
    }
    *nonce = q->has_nonce ? q->nonce : pending;
    return 1;
}

static json_t *tx_template(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "layout", json_string("sign_bytes || signature"));
    json_object_set_new(o, "signature_bytes", json_integer(LEDGER_SIG_LEN));
    json_object_set_new(o, "signature",
                        json_string("BIP-340 Schnorr signature of sighash by "
                                    "the secret key of from"));
    json_object_set_new(
        o, "sighash", json_string("tagged_hash(\"" LEDGER_TX_TAG "\", sign_bytes) as in BIP-340"));
    json_object_set_new(o, "submit",
                        json_string("POST /api/v1/txs with {\"tx\": hex of "
                                    "sign_bytes followed by the signature}"));
    return o;
}

static json_t *quote_render(const ledger_tx *tx, uint64_t min_fee, const uint8_t *sb, size_t sb_len)
{
    char *hex = malloc(2 * sb_len + 1);
    uint8_t sighash[CHR_HASH_LEN];
    if (hex == NULL) {
        return NULL;
    }
    chr_hex_encode(hex, 2 * sb_len + 1, sb, sb_len);
    ledger_tx_sighash(tx, sighash);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("transfer"));
    json_object_set_new(o, "chain_id", json_string(tx->chain_id));
    json_object_set_new(o, "from", rpc_json_address(tx->from));
    json_object_set_new(o, "to", rpc_json_address(tx->body.transfer.to));
    json_object_set_new(o, "amount", rpc_json_u64(tx->body.transfer.amount));
    json_object_set_new(o, "fee", rpc_json_u64(tx->fee));
    json_object_set_new(o, "min_fee", rpc_json_u64(min_fee));
    json_object_set_new(o, "nonce", rpc_json_u64(tx->nonce));
    json_object_set_new(o, "expiry_height", rpc_json_u64(tx->expiry_height));
    json_object_set_new(o, "memo", json_stringn((const char *)tx->memo, tx->memo_len));
    json_object_set_new(o, "sign_bytes", json_string(hex));
    json_object_set_new(o, "sighash", rpc_json_hex(sighash, sizeof(sighash)));
    json_object_set_new(o, "tx_template", tx_template());
    free(hex);
    return o;
}

void rpc_handle_tx_quote(rpc_ctx *x, rpc_reply *r)
{
    json_t *root = rpc_parse_body(x, r, rpc_quote_fields);
    if (root == NULL) {
        return;
    }
    rpc_quote_req q;
    rpc_quote_err qe;
    int ok = rpc_quote_decode(root, &q, &qe);
    json_decref(root);
    if (!ok) {
        rpc_reply_error(r, 400, qe.code, qe.message, qe.field);
        return;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    uint64_t fee;
    uint64_t nonce;
    if (!quote_terms(x, r, &q, &tip, &fee, &nonce)) {
        return;
    }
    ledger_tx tx;
    uint8_t sb[LEDGER_TX_BYTES_MAX];
    size_t sb_len;
    char detail[RPC_DETAIL_MAX];
    detail[0] = '\0';
    chr_err err = rpc_quote_tx(&tx, &q, tip.chain_id, fee, nonce, q.expiry_height);
    err = err ? err : ledger_tx_check(&tx, tip.chain_id, &tip.params, detail, sizeof(detail));
    if (err != CHR_OK) {
        /* The same checks admission makes, so a quote never describes a transaction
         * the node would refuse for its own content. */
        rpc_reply_error(r, 400, err, detail[0] ? detail : chr_err_str(err), NULL);
        return;
    }
    err = rpc_quote_sign_bytes(&tx, sb, sizeof(sb), &sb_len);
    if (err != CHR_OK) {
        rpc_reply_error(r, 500, CHR_ERR_INTERNAL, chr_err_str(err), NULL);
        return;
    }
    rpc_reply_json(r, 200, quote_render(&tx, tip.params.fee_transfer, sb, sb_len));
}
