#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "rpc/internal/json.h"
#include "rpc/internal/quote.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

/* The codes of the REST API's own errors, as clients have always seen them: a
 * change here breaks clients, so each is pinned to its enum (docs/API.md,
 * "Error codes"). */
static const struct {
    chr_err err;
    const char *code;
} api_codes[] = {
    {CHR_ERR_UNAUTHORIZED, "unauthorized"},
    {CHR_ERR_SCOPE, "insufficient_scope"},
    {CHR_ERR_RATE_LIMITED, "rate_limited"},
    {CHR_ERR_METHOD, "method_not_allowed"},
    {CHR_ERR_BODY_SIZE, "body_too_large"},
    {CHR_ERR_URI_SIZE, "uri_too_long"},
    {CHR_ERR_MEDIA_TYPE, "unsupported_media_type"},
    {CHR_ERR_UNKNOWN_FIELD, "unknown_field"},
    {CHR_ERR_MISSING_FIELD, "missing_field"},
    {CHR_ERR_JSON_TYPE, "invalid_type"},
    {CHR_ERR_CURSOR, "invalid_cursor"},
    {CHR_ERR_BATCH_SIZE, "batch_too_large"},
    {CHR_ERR_SYNCING, "syncing"},
    {CHR_ERR_INTERNAL, "internal_error"},
    {CHR_ERR_BAD_REQUEST, "bad_request"},
    {CHR_ERR_NOT_WRITING, "not_writing"},
    {CHR_ERR_STALLED, "stalled"},
    {CHR_ERR_CSRF, "csrf_refused"},
    {CHR_ERR_OAUTH_REQUEST, "invalid_request"},
    {CHR_ERR_OAUTH_CLIENT, "invalid_client"},
    {CHR_ERR_OAUTH_SCOPE, "invalid_scope"},
    {CHR_ERR_OAUTH_GRANT, "unsupported_grant_type"},
    {CHR_ERR_OAUTH_UNAVAILABLE, "temporarily_unavailable"},
    {CHR_ERR_NOT_FOUND, "not_found"},
    {CHR_ERR_ARG, "invalid_argument"},
    {CHR_ERR_JSON, "bad_json"},
    {CHR_ERR_HEX, "bad_hex"},
    {CHR_ERR_BECH32, "bad_address"},
    {CHR_ERR_STORE, "store_error"},
    {CHR_ERR_QUEUE_FULL, "overloaded"},
    {CHR_ERR_TX_SIZE, "tx_too_large"},
    {CHR_ERR_MEMO, "bad_memo"},
    {CHR_ERR_SPEND_LIMIT, "spend_limit_exceeded"},
    {CHR_ERR_LENGTH_REQUIRED, "length_required"},
    {CHR_ERR_NO_SPONSOR, "no_sponsor"},
    {CHR_ERR_NO_MEDIA_NODE, "no_media_node"},
    {CHR_ERR_MEETING, "bad_meeting"},
};

static const chr_err all_errs[] = {
#define TE_ERR(name, value, code, desc) name,
    CHR_ERR_LIST(TE_ERR)
#undef TE_ERR
};

/* Proves every API code keeps its string, every code of CHR_ERR_LIST is
 * snake_case and unique (one string never means two errors), and the rpc range
 * holds only the API's. */
void test_error_codes_pinned_and_unique(void)
{
    for (size_t i = 0; i < sizeof(api_codes) / sizeof(api_codes[0]); i++) {
        CHECK(strcmp(chr_err_name(api_codes[i].err), api_codes[i].code) == 0);
    }
    size_t n = sizeof(all_errs) / sizeof(all_errs[0]);
    size_t rpc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = chr_err_name(all_errs[i]);
        CHECK(a[0] >= 'a' && a[0] <= 'z');
        CHECK(strspn(a, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(a));
        CHECK(strcmp(chr_err_str(all_errs[i]), "unknown error") != 0);
        for (size_t k = i + 1; k < n; k++) {
            CHECK(strcmp(a, chr_err_name(all_errs[k])) != 0);
            CHECK(all_errs[i] != all_errs[k]);
        }
        rpc += all_errs[i] >= 300 && all_errs[i] <= 399;
    }
    CHECK(rpc == 26); /* with length_required (a chunked body) and no_sponsor */
    /* The dashboard's code keeps its number too: logs and metrics name errors by it. */
    CHECK(CHR_ERR_CSRF == 320);
}

/* The two addresses of docs/PROTOCOL.md's worked example. */
#define TE_FROM "chr1fu64hh9hes90w2808n8tjc2ajp5yhddjef0ctx4s7zmsgp6cwx4q4vqr28"
#define TE_TO "chr1gekhljh9v0jukzdq6xrshdvqx3yqgctc0xs5jjw0yg597xaw8unsgkeh7v"

/* 1 if the quote body with these extra fields decodes, 0 with *err if refused,
 * -1 if it is not JSON at all. */
static int quote_text(const char *fields, rpc_quote_err *err)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"type\":\"transfer\",\"from\":\"" TE_FROM "\",\"to\":\"" TE_TO
             "\",\"amount\":\"5\"%s}",
             fields);
    json_error_t jerr;
    json_t *root = json_loads(text, RPC_JSON_FLAGS, &jerr);
    if (root == NULL) {
        return -1;
    }
    rpc_quote_req q;
    int ok = rpc_quote_decode(root, &q, err);
    json_decref(root);
    return ok;
}

/* Proves a quote body as the server parses it (RPC_JSON_FLAGS) refuses a memo
 * with \u0000 as bad_memo naming the memo, counts the memo's bytes, not its
 * characters, and gives a NUL in another field that field's own code; no
 * message names a JSON_ flag. */
void test_quote_memo_nul_and_bytes(void)
{
    rpc_quote_err err;
    CHECK(quote_text(",\"memo\":\"a\\u0000b\"", &err) == 0);
    CHECK(err.code == CHR_ERR_MEMO && strcmp(err.field, "memo") == 0);
    CHECK(strstr(err.message, "NUL") != NULL && strstr(err.message, "JSON_") == NULL);
    char memo[1100];
    size_t len = 0;
    len += (size_t)snprintf(memo + len, sizeof(memo) - len, ",\"memo\":\"");
    for (int i = 0; i < 128; i++) {
        len += (size_t)snprintf(memo + len, sizeof(memo) - len, "\\u00e9");
    }
    snprintf(memo + len, sizeof(memo) - len, "\"");
    CHECK(quote_text(memo, &err) == 1); /* 128 characters, 256 bytes */
    snprintf(memo + len, sizeof(memo) - len, "\\u00e9\"");
    CHECK(quote_text(memo, &err) == 0); /* 129 characters, 258 bytes */
    CHECK(err.code == CHR_ERR_MEMO && strstr(err.message, "258 bytes") != NULL);
    CHECK(quote_text(",\"fee\":\"1\\u00000\"", &err) == 0); /* "1", NUL, "0" */
    CHECK(err.code == CHR_ERR_ARG && strcmp(err.field, "fee") == 0);
}
