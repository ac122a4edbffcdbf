/* POST /oauth/token: OAuth 2.0 client credentials (RFC 6749 section 4.4). The client is an
 * API key: its id is the client_id and its secret the client_secret, given by HTTP Basic
 * (section 2.3.1) or as form fields. Errors take the RFC's shape (section 5.2),
 * {"error", "error_description"}, on this endpoint only. */
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/assert.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/internal/oauth.h"
#include "rpc/limits.h"

typedef struct oauth_req {
    char grant_type[32];
    char scope[64];
    char client_id[64];
    char client_secret[128];
    int basic; /* the client authenticated with HTTP Basic */
} oauth_req;

/* RFC 6749 section 5.2. A 401 must name a scheme the client can use (RFC 7235 section
 * 3.1): Basic, the one this endpoint takes in the Authorization header. */
static void oauth_error(rpc_reply *r, unsigned status, chr_err err, const char *description)
{
    const char *error = chr_err_name(err);
    if (status == 401) {
        rpc_reply_header(r, "WWW-Authenticate", "Basic realm=\"chroom\"");
    }
    rpc_reply_json(r, status,
                   json_pack("{s:s, s:s}", "error", error, "error_description", description));
}

static int oauth_form_type(rpc_ctx *x)
{
    static const char form[] = "application/x-www-form-urlencoded";
    const size_t n = sizeof(form) - 1;
    const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Type");
    return ct != NULL && strncasecmp(ct, form, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Reads the form body into q; 0 with r set when it is not a valid token request body. */
static int oauth_read_form(rpc_ctx *x, rpc_reply *r, oauth_req *q)
{
    if (!oauth_form_type(x)) {
        oauth_error(r, 400, CHR_ERR_OAUTH_REQUEST,
                    "Content-Type must be application/x-www-form-urlencoded");
        return 0;
    }
    if (x->req->len > RPC_OAUTH_BODY_BYTES_MAX) {
        oauth_error(r, 400, CHR_ERR_OAUTH_REQUEST, "body: too large for a token request");
        return 0;
    }
    rpc_form_field f[] = {
        {"grant_type", q->grant_type, sizeof(q->grant_type), 0},
        {"scope", q->scope, sizeof(q->scope), 0},
        {"client_id", q->client_id, sizeof(q->client_id), 0},
        {"client_secret", q->client_secret, sizeof(q->client_secret), 0},
    };
    const char *bad;
    chr_err err = rpc_form_parse(f, sizeof(f) / sizeof(f[0]), &bad,
                                 x->req->body != NULL ? x->req->body : "", x->req->len);
    if (err != CHR_OK) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s: %s", bad != NULL ? bad : "body",
                 err == CHR_ERR_DUPLICATE  ? "given more than once"
                 : err == CHR_ERR_TOO_LONG ? "too long"
                                           : "not valid form encoding");
        oauth_error(r, 400, CHR_ERR_OAUTH_REQUEST, msg);
        return 0;
    }
    return 1;
}

/* Takes the client credentials from HTTP Basic when the header is there; one method
 * only (RFC 6749 section 2.3). 0 with r set on a bad or doubled credential. */
static int oauth_read_basic(rpc_ctx *x, rpc_reply *r, oauth_req *q)
{
    const char *h;
    size_t len;
    int found = rpc_auth_header(x, &h, &len);
    if (found == 0) {
        return 1;
    }
    if (q->client_id[0] != '\0' || q->client_secret[0] != '\0') {
        oauth_error(r, 400, CHR_ERR_OAUTH_REQUEST,
                    "client credentials: given both by HTTP Basic and in the body");
        return 0;
    }
    chr_err err = found < 0 ? CHR_ERR_ARG
                            : rpc_basic_parse(q->client_id, sizeof(q->client_id), q->client_secret,
                                              sizeof(q->client_secret), h, len);
    q->basic = 1;
    if (err != CHR_OK) {
        oauth_error(r, 401, CHR_ERR_OAUTH_CLIENT,
                    err == CHR_ERR_NOT_FOUND ? "Authorization: only the Basic scheme is taken here"
                                             : "Authorization: malformed Basic credentials");
        return 0;
    }
    return 1;
}

/* Authenticates the client: *key is its API key's record. 0 with r set otherwise. */
static int oauth_client(rpc_auth *a, rpc_reply *r, const oauth_req *q, rpc_apikey *key)
{
    if (q->client_id[0] == '\0' || q->client_secret[0] == '\0') {
        oauth_error(r, 401, CHR_ERR_OAUTH_CLIENT,
                    "client credentials: missing (HTTP Basic, or client_id and "
                    "client_secret)");
        return 0;
    }
    char text[RPC_APIKEY_TEXT_LEN + 2];
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint8_t secret[RPC_APIKEY_SECRET_BYTES];
    int n = snprintf(text, sizeof(text), "chr_%s_%s", q->client_id, q->client_secret);
    chr_err err =
        n == RPC_APIKEY_TEXT_LEN ? rpc_apikey_parse(id, secret, text, (size_t)n) : CHR_ERR_ARG;
    sodium_memzero(text, sizeof(text));
    err = err ? err : rpc_apikeys_check(a->keys, key, id, secret);
    sodium_memzero(secret, sizeof(secret));
    if (err == CHR_ERR_STORE) {
        r->retry_after = 1;
        oauth_error(r, 503, CHR_ERR_OAUTH_UNAVAILABLE, "API key store: cannot be read now");
        return 0;
    }
    if (err != CHR_OK || key->revoked) {
        oauth_error(r, 401, CHR_ERR_OAUTH_CLIENT,
                    err != CHR_OK ? "client: unknown client_id or wrong client_secret"
                                  : "client: the API key is revoked");
        return 0;
    }
    return 1;
}

/* The token's scopes: the requested ones, each the key's (RFC 6749 section 3.3), or all
 * of the key's when none are asked for. 0 when the request asks for more. */
static int oauth_scopes(rpc_reply *r, const oauth_req *q, const rpc_apikey *key, unsigned *out)
{
    *out = key->scopes;
    if (q->scope[0] == '\0') {
        return 1;
    }
    unsigned want;
    if (rpc_scopes_parse(&want, q->scope, strlen(q->scope), ' ') != CHR_OK ||
        (want & ~key->scopes) != 0) {
        char have[RPC_APIKEY_SCOPES_TEXT_MAX];
        char msg[128];
        rpc_scopes_format(have, key->scopes, ' ');
        snprintf(msg, sizeof(msg), "scope: space-separated names, each one of the key's: %s", have);
        oauth_error(r, 400, CHR_ERR_OAUTH_SCOPE, msg);
        return 0;
    }
    *out = want;
    return 1;
}

static void oauth_issue(rpc_auth *a, rpc_reply *r, const rpc_apikey *key, unsigned scopes)
{
    rpc_token t;
    memset(&t, 0, sizeof(t));
    memcpy(t.key_id, key->id, sizeof(t.key_id));
    t.expiry_unix_s = rpc_clock_unix_s() + a->token_ttl_s;
    t.scopes = scopes;
    char text[RPC_TOKEN_TEXT_LEN + 1];
    rpc_token_issue(text, rpc_apikeys_token_key(a->keys), key->hash, &t);
    char names[RPC_APIKEY_SCOPES_TEXT_MAX];
    rpc_scopes_format(names, scopes, ' ');
    rpc_reply_json(r, 200,
                   json_pack("{s:s, s:s, s:I, s:s}", "access_token", text, "token_type", "Bearer",
                             "expires_in", (json_int_t)a->token_ttl_s, "scope", names));
    sodium_memzero(text, sizeof(text));
}

void rpc_handle_oauth_token(rpc_ctx *x, rpc_reply *r)
{
    rpc_auth *a = x->srv->cfg.auth;
    CHR_ASSERT(a != NULL);
    /* Every token request spends from its address's allowance, good or bad: a client
     * needs a token an hour, a guesser needs many. */
    uint8_t who[RPC_RATE_KEY_BYTES];
    rpc_rate_result rr;
    rpc_client_key(x, who);
    rpc_rate_take(a->addr_rate, &rr, who, a->rate_unauth_per_min, rpc_clock_ms());
    rpc_rate_headers(r, &rr);
    rpc_reply_header(r, "Pragma", "no-cache"); /* RFC 6749 section 5.1, with no-store */
    if (!rr.allowed) {
        atomic_fetch_add_explicit(&x->srv->rate_limited, 1, memory_order_relaxed);
        oauth_error(r, 429, CHR_ERR_RATE_LIMITED, "client address: too many token requests");
        return;
    }
    oauth_req q;
    memset(&q, 0, sizeof(q));
    rpc_apikey key;
    unsigned scopes;
    if (oauth_read_form(x, r, &q) && oauth_read_basic(x, r, &q)) {
        if (q.grant_type[0] == '\0') {
            oauth_error(r, 400, CHR_ERR_OAUTH_REQUEST, "grant_type: missing");
        } else if (strcmp(q.grant_type, "client_credentials") != 0) {
            oauth_error(r, 400, CHR_ERR_OAUTH_GRANT,
                        "grant_type: only client_credentials is supported");
        } else if (oauth_client(a, r, &q, &key) && oauth_scopes(r, &q, &key, &scopes)) {
            oauth_issue(a, r, &key, scopes);
        }
    }
    sodium_memzero(&q, sizeof(q));
}
