/* Fuzzes the POST /api/v1/txs/quote body decoder (rpc/internal/quote.h): no
 * input may crash it, leak or reach undefined behaviour. What it refuses comes
 * with a code, a message and a zeroed request; what it accepts writes back to
 * JSON that decodes to the same request, and builds a transaction whose sign
 * bytes, with any signature appended, decode and encode back to the same bytes.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/tx.h"
#include "rpc/internal/json.h"
#include "rpc/internal/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_request(const rpc_quote_req *a, const rpc_quote_req *b)
{
    return memcmp(a->from, b->from, 32) == 0 && memcmp(a->to, b->to, 32) == 0 &&
           a->amount == b->amount && a->memo_len == b->memo_len &&
           memcmp(a->memo, b->memo, a->memo_len) == 0 && a->has_fee == b->has_fee &&
           a->has_nonce == b->has_nonce && a->has_expiry == b->has_expiry && a->fee == b->fee &&
           a->nonce == b->nonce && a->expiry_height == b->expiry_height;
}

static void check_refused(const rpc_quote_req *q, const rpc_quote_err *err)
{
    static const rpc_quote_req zero;
    if (err->code == CHR_OK || err->message[0] == '\0' || memcmp(q, &zero, sizeof(zero)) != 0) {
        abort();
    }
}

/* The accepted request's transaction: sign bytes plus a signature decode,
 * re-encode the same, and carry the request's fields. */
static void check_tx(const rpc_quote_req *q)
{
    ledger_tx tx;
    ledger_tx back;
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    uint8_t again[LEDGER_TX_BYTES_MAX];
    size_t len;
    size_t again_len;
    if (rpc_quote_tx(&tx, q, "fuzz-chain", q->fee, q->nonce, q->expiry_height) != CHR_OK ||
        rpc_quote_sign_bytes(&tx, buf, sizeof(buf), &len) != CHR_OK ||
        len + LEDGER_SIG_LEN > sizeof(buf)) {
        abort();
    }
    memset(buf + len, 0xa5, LEDGER_SIG_LEN);
    if (ledger_tx_decode(&back, buf, len + LEDGER_SIG_LEN) != CHR_OK ||
        ledger_tx_encode(&back, again, sizeof(again), &again_len) != CHR_OK ||
        again_len != len + LEDGER_SIG_LEN || memcmp(again, buf, again_len) != 0) {
        abort();
    }
    if (back.body.transfer.amount != q->amount || back.nonce != q->nonce || back.fee != q->fee ||
        memcmp(back.from, q->from, 32) != 0 || memcmp(back.body.transfer.to, q->to, 32) != 0 ||
        back.memo_len != q->memo_len) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int started;
    if (!started) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        started = 1;
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, RPC_JSON_FLAGS, &jerr);
    if (root == NULL) {
        return 0;
    }
    rpc_quote_req q;
    rpc_quote_err err;
    if (!rpc_quote_decode(root, &q, &err)) {
        check_refused(&q, &err);
        json_decref(root);
        return 0;
    }
    json_decref(root);
    json_t *written = rpc_quote_req_json(&q);
    rpc_quote_req q2;
    if (written == NULL || !rpc_quote_decode(written, &q2, &err) || !same_request(&q, &q2)) {
        abort();
    }
    json_decref(written);
    check_tx(&q);
    return 0;
}
