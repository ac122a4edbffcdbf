/* The quote request's decoder and the unsigned transaction it describes
 * (rpc/internal/quote.h). */
#include "rpc/internal/quote.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/errmsg.h"
#include "ledger/sig.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

const char *const rpc_quote_fields[] = {
    "type", "from", "to", "amount", "memo", "fee", "nonce", "expiry_height", NULL,
};

__attribute__((format(printf, 4, 5))) static int refuse(rpc_quote_err *err, chr_err code,
                                                        const char *field, const char *fmt, ...)
{
    va_list ap;
    err->code = code;
    err->field = field;
    va_start(ap, fmt);
    chr_errmsg_vset(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return 0;
}

/* A JSON string without NUL inside, as a C string; NULL for anything else. */
static const char *plain_string(const json_t *v)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        return NULL;
    }
    return json_string_value(v);
}

static int decode_u64(const json_t *root, const char *field, int required, uint64_t *out,
                      int *present, rpc_quote_err *err)
{
    const json_t *v = json_object_get(root, field);
    *out = 0;
    if (present != NULL) {
        *present = v != NULL;
    }
    if (v == NULL) {
        return required ? refuse(err, CHR_ERR_ARG, field, "%s: required", field) : 1;
    }
    if (!json_is_string(v)) {
        return refuse(err, CHR_ERR_JSON_TYPE, field,
                      "%s: must be a decimal string such as \"1000\"", field);
    }
    const char *s = plain_string(v);
    if (s == NULL || !rpc_parse_u64(s, out)) {
        return refuse(err, CHR_ERR_ARG, field,
                      "%s: a whole number from 0 to 18446744073709551615 in decimal, without "
                      "sign or leading zeros",
                      field);
    }
    return 1;
}

static int decode_address(const json_t *root, const char *field, uint8_t out[32],
                          rpc_quote_err *err)
{
    const json_t *v = json_object_get(root, field);
    if (v == NULL) {
        return refuse(err, CHR_ERR_ARG, field, "%s: required", field);
    }
    if (!json_is_string(v)) {
        return refuse(err, CHR_ERR_JSON_TYPE, field, "%s: must be a string", field);
    }
    const char *s = plain_string(v);
    if (s == NULL || chr_address_decode(out, s, strlen(s)) != CHR_OK) {
        return refuse(err, CHR_ERR_BECH32, field, "%s: not a chr1... bech32m address", field);
    }
    if (!ledger_pubkey_valid(out)) {
        return refuse(err, CHR_ERR_PUBKEY, field,
                      "%s: not a valid x-only public key; funds sent to it would be lost", field);
    }
    return 1;
}

static int decode_type(const json_t *root, rpc_quote_err *err)
{
    const json_t *v = json_object_get(root, "type");
    if (v == NULL) {
        return refuse(err, CHR_ERR_ARG, "type", "type: required (\"transfer\")");
    }
    if (!json_is_string(v)) {
        return refuse(err, CHR_ERR_JSON_TYPE, "type", "type: must be a string");
    }
    const char *s = plain_string(v);
    if (s == NULL || strcmp(s, "transfer") != 0) {
        return refuse(err, CHR_ERR_TX_TYPE, "type", "type: the only type is \"transfer\"");
    }
    return 1;
}

static int decode_memo(const json_t *root, rpc_quote_req *q, rpc_quote_err *err)
{
    const json_t *v = json_object_get(root, "memo");
    if (v == NULL) {
        return 1;
    }
    if (!json_is_string(v)) {
        return refuse(err, CHR_ERR_JSON_TYPE, "memo", "memo: must be a string");
    }
    /* The rule is the ledger's (docs/PROTOCOL.md, "Transactions"): at most LEDGER_MEMO_MAX
     * bytes of UTF-8 without NUL. A \u0000 reaches here (RPC_JSON_FLAGS). */
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (memchr(s, '\0', n) != NULL) {
        return refuse(err, CHR_ERR_MEMO, "memo",
                      "memo: contains NUL (\\u0000); a memo is UTF-8 without NUL");
    }
    if (n > LEDGER_MEMO_MAX) {
        return refuse(err, CHR_ERR_MEMO, "memo",
                      "memo: %zu bytes of UTF-8, over the %d allowed (bytes, not characters)", n,
                      LEDGER_MEMO_MAX);
    }
    if (!ledger_utf8_valid((const uint8_t *)s, n)) {
        return refuse(err, CHR_ERR_MEMO, "memo", "memo: not valid UTF-8");
    }
    memcpy(q->memo, s, n);
    q->memo_len = (uint16_t)n;
    return 1;
}

static int decode_fields(const json_t *root, rpc_quote_req *q, rpc_quote_err *err)
{
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)(uintptr_t)root, key, val) {
        int known = 0;
        for (size_t i = 0; rpc_quote_fields[i] != NULL && !known; i++) {
            known = strcmp(key, rpc_quote_fields[i]) == 0;
        }
        if (!known) {
            /* The field echoed back is the client's key: keep it printable and short.
             */
            return refuse(err, CHR_ERR_UNKNOWN_FIELD, NULL, "body: unknown field \"%.64s\"", key);
        }
    }
    return decode_type(root, err) && decode_address(root, "from", q->from, err) &&
           decode_address(root, "to", q->to, err) &&
           decode_u64(root, "amount", 1, &q->amount, NULL, err) && decode_memo(root, q, err) &&
           decode_u64(root, "fee", 0, &q->fee, &q->has_fee, err) &&
           decode_u64(root, "nonce", 0, &q->nonce, &q->has_nonce, err) &&
           decode_u64(root, "expiry_height", 0, &q->expiry_height, &q->has_expiry, err);
}

int rpc_quote_decode(const json_t *root, rpc_quote_req *out, rpc_quote_err *err)
{
    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    if (!json_is_object(root)) {
        return refuse(err, CHR_ERR_JSON, NULL, "body: must be a JSON object");
    }
    int ok = decode_fields(root, out, err);
    if (ok && out->amount == 0) {
        ok = refuse(err, CHR_ERR_AMOUNT, "amount", "amount: must be more than zero");
    }
    if (ok && memcmp(out->from, out->to, 32) == 0) {
        ok = refuse(err, CHR_ERR_SELF_TRANSFER, "to", "to: must differ from from");
    }
    if (!ok) {
        memset(out, 0, sizeof(*out));
        CHR_ASSERT(err->code != CHR_OK);
        return 0;
    }
    return 1;
}

json_t *rpc_quote_req_json(const rpc_quote_req *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("transfer"));
    json_object_set_new(o, "from", rpc_json_address(q->from));
    json_object_set_new(o, "to", rpc_json_address(q->to));
    json_object_set_new(o, "amount", rpc_json_u64(q->amount));
    if (q->memo_len > 0) {
        json_object_set_new(o, "memo", json_stringn((const char *)q->memo, q->memo_len));
    }
    if (q->has_fee) {
        json_object_set_new(o, "fee", rpc_json_u64(q->fee));
    }
    if (q->has_nonce) {
        json_object_set_new(o, "nonce", rpc_json_u64(q->nonce));
    }
    if (q->has_expiry) {
        json_object_set_new(o, "expiry_height", rpc_json_u64(q->expiry_height));
    }
    return o;
}

chr_err rpc_quote_tx(ledger_tx *tx, const rpc_quote_req *q, const char *chain_id, uint64_t fee,
                     uint64_t nonce, uint64_t expiry_height)
{
    chr_err err = ledger_tx_init(tx, LEDGER_TX_TRANSFER, chain_id, q->from, nonce, fee,
                                 expiry_height, q->memo, q->memo_len);
    if (err != CHR_OK) {
        memset(tx, 0, sizeof(*tx));
        return err;
    }
    memcpy(tx->body.transfer.to, q->to, 32);
    tx->body.transfer.amount = q->amount;
    return CHR_OK;
}

chr_err rpc_quote_sign_bytes(const ledger_tx *tx, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t len;
    *out_len = 0;
    chr_err err = ledger_tx_encode(tx, out, out_cap, &len);
    if (err != CHR_OK) {
        return err;
    }
    /* The signature is the encoding's last field (docs/PROTOCOL.md,
     * "Transactions"). */
    CHR_ASSERT(len > LEDGER_SIG_LEN);
    *out_len = len - LEDGER_SIG_LEN;
    return CHR_OK;
}
