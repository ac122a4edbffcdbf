/* Access control on every request (rpc/auth.h, rpc/internal/auth.h): bearer credentials
 * (RFC 6750), scopes, and rate limits. */
#include "rpc/internal/auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "common/assert.h"
#include "common/log.h"
#include "common/thread.h"
#include "rpc/internal/oauth.h"
#include "rpc/limits.h"

_Static_assert(RPC_SCOPE_READ == RPC_APIKEY_SCOPE_READ &&
                   RPC_SCOPE_SUBMIT == RPC_APIKEY_SCOPE_SUBMIT &&
                   RPC_SCOPE_ADMIN == RPC_APIKEY_SCOPE_ADMIN &&
                   RPC_SCOPE_MEETINGS == RPC_APIKEY_SCOPE_MEETINGS,
               "route scopes and key scopes are the same bits");

/* ---- Rate-limit buckets across restarts. ---- */

/* The key store's state blob that holds the key table's buckets. */
#define AUTH_RATE_STATE "rate_keys"

static uint64_t auth_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec > 0 ? (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 : 0;
}

/* Saves the key buckets still refilling; nothing when there are none and none were saved
 * last time. A failure is logged: limits then start fuller after a restart, nothing else. */
static void auth_rates_save(rpc_auth *a)
{
    rpc_rate_saved *b = malloc(RPC_RATE_BUCKETS * sizeof(*b));
    if (b == NULL) {
        CHR_LOG_W("rate limits: out of memory saving the key buckets");
        return;
    }
    size_t n = rpc_rate_export(a->key_rate, b, RPC_RATE_BUCKETS, rpc_clock_ms());
    uint8_t *buf = n > 0 || !a->saved_empty ? malloc(rpc_rate_state_bytes(n)) : NULL;
    if (buf != NULL) {
        rpc_rate_state_encode(buf, b, n, auth_unix_ms());
        chr_err err = rpc_apikeys_state_put(a->keys, AUTH_RATE_STATE, buf, rpc_rate_state_bytes(n));
        if (err != CHR_OK) {
            CHR_LOG_W("rate limits: cannot save the key buckets: %s", chr_err_str(err));
        } else {
            a->saved_empty = n == 0;
        }
    }
    free(buf);
    free(b);
}

/* Puts back the key buckets the last run saved, refilled for the wall time since. */
static void auth_rates_load(rpc_auth *a)
{
    uint8_t *buf;
    size_t len;
    chr_err err = rpc_apikeys_state_get(a->keys, AUTH_RATE_STATE, &buf, &len);
    if (err != CHR_OK) {
        a->saved_empty = err == CHR_ERR_NOT_FOUND;
        if (err != CHR_ERR_NOT_FOUND) {
            CHR_LOG_W("rate limits: cannot read the saved key buckets: %s", chr_err_str(err));
        }
        return;
    }
    rpc_rate_saved *b = malloc(RPC_RATE_BUCKETS * sizeof(*b));
    size_t n = 0;
    uint64_t saved_ms = 0;
    if (b == NULL ||
        rpc_rate_state_decode(b, RPC_RATE_BUCKETS, &n, &saved_ms, buf, len) != CHR_OK) {
        CHR_LOG_W("rate limits: the saved key buckets are damaged or unreadable; every key "
                  "starts with a full minute");
    } else {
        /* Wall time, since the monotonic clock starts again at a reboot; a clock set back
         * counts as no time at all, which can only keep a key limited longer. */
        uint64_t now = auth_unix_ms();
        uint64_t elapsed = now > saved_ms ? now - saved_ms : 0;
        size_t restored = rpc_rate_import(a->key_rate, b, n, elapsed, rpc_clock_ms());
        a->saved_empty = n == 0;
        CHR_LOG_I("rate limits: %zu key bucket(s) restored, saved %llu ms ago", restored,
                  (unsigned long long)elapsed);
    }
    free(b);
    free(buf);
}

static void *auth_saver_main(void *arg)
{
    chr_thread_name("chroomd-auth");
    rpc_auth *a = arg;
    pthread_mutex_lock(&a->saver_mu);
    while (!a->saver_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += RPC_RATE_SAVE_INTERVAL_MS / 1000;
        int rc = 0;
        while (!a->saver_stop && rc != ETIMEDOUT) {
            rc = pthread_cond_timedwait(&a->saver_cv, &a->saver_mu, &ts);
        }
        if (a->saver_stop) {
            break;
        }
        pthread_mutex_unlock(&a->saver_mu);
        auth_rates_save(a);
        pthread_mutex_lock(&a->saver_mu);
    }
    pthread_mutex_unlock(&a->saver_mu);
    return NULL;
}

_Static_assert(RPC_RATE_SAVE_INTERVAL_MS % 1000 == 0, "the saver waits whole seconds");

static chr_err auth_saver_start(rpc_auth *a)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&a->saver_cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&a->saver_mu, NULL);
    if (pthread_create(&a->saver, NULL, auth_saver_main, a) != 0) {
        pthread_cond_destroy(&a->saver_cv);
        pthread_mutex_destroy(&a->saver_mu);
        return CHR_ERR_NOMEM;
    }
    a->saver_started = 1;
    return CHR_OK;
}

chr_err rpc_auth_open(rpc_auth **out, const rpc_auth_config *cfg, char *errmsg, size_t cap)
{
    *out = NULL;
    if (cfg->token_ttl_s == 0 || cfg->token_ttl_s > RPC_TOKEN_TTL_S_MAX ||
        cfg->rate_standard_per_min > RPC_RATE_PER_MIN_MAX ||
        cfg->rate_premium_per_min > RPC_RATE_PER_MIN_MAX ||
        cfg->rate_unauthenticated_per_min > RPC_RATE_PER_MIN_MAX ||
        cfg->session_ttl_s > RPC_SESSION_TTL_S_MAX) {
        snprintf(errmsg, cap, "access: token lifetime or rate limit out of range");
        return CHR_ERR_CONFIG;
    }
    rpc_auth *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return CHR_ERR_NOMEM;
    }
    a->token_ttl_s = cfg->token_ttl_s;
    a->rate_per_min[RPC_TIER_STANDARD] = cfg->rate_standard_per_min;
    a->rate_per_min[RPC_TIER_PREMIUM] = cfg->rate_premium_per_min;
    a->rate_unauth_per_min = cfg->rate_unauthenticated_per_min;
    a->session_ttl_s = cfg->session_ttl_s ? cfg->session_ttl_s : RPC_SESSION_TTL_S_DEFAULT;
    chr_err err = rpc_apikeys_open(&a->keys, cfg->data_dir, errmsg, cap);
    err = err ? err : rpc_sessions_new(&a->sessions, RPC_SESSIONS_MAX);
    err = err ? err : rpc_usage_new(&a->usage);
    err = err ? err : rpc_rate_new(&a->key_rate, RPC_RATE_BUCKETS);
    err = err ? err : rpc_rate_new(&a->addr_rate, RPC_RATE_BUCKETS);
    if (err == CHR_OK) {
        auth_rates_load(a);
        err = auth_saver_start(a);
    }
    if (err != CHR_OK) {
        if (err == CHR_ERR_NOMEM) {
            snprintf(errmsg, cap, "access: out of memory");
        }
        rpc_auth_close(a);
        return err;
    }
    *out = a;
    return CHR_OK;
}

void rpc_auth_close(rpc_auth *a)
{
    if (a == NULL) {
        return;
    }
    if (a->saver_started) {
        pthread_mutex_lock(&a->saver_mu);
        a->saver_stop = 1;
        pthread_cond_signal(&a->saver_cv);
        pthread_mutex_unlock(&a->saver_mu);
        pthread_join(a->saver, NULL);
        pthread_cond_destroy(&a->saver_cv);
        pthread_mutex_destroy(&a->saver_mu);
        /* The server is stopped: nothing spends any more, so this is the final state. */
        auth_rates_save(a);
    }
    rpc_apikeys_close(a->keys);
    rpc_rate_free(a->key_rate);
    rpc_rate_free(a->addr_rate);
    rpc_sessions_free(a->sessions);
    rpc_usage_free(a->usage);
    free(a);
}

uint64_t rpc_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t rpc_clock_unix_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec > 0 ? (uint64_t)ts.tv_sec : 0;
}

void rpc_client_key(rpc_ctx *x, uint8_t key[RPC_RATE_KEY_BYTES])
{
    memset(key, 0, RPC_RATE_KEY_BYTES);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
        key[10] = 0xff;
        key[11] = 0xff;
        memcpy(key + 12, &a4->sin_addr, 4);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
        int mapped = IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr);
        memcpy(key, &a6->sin6_addr, mapped ? 16 : 8);
    }
}

void rpc_rate_headers(rpc_reply *r, const rpc_rate_result *rr)
{
    r->rate_headers_done = 1;
    if (!rr->allowed) {
        r->retry_after = (unsigned)rr->retry_after_s;
    }
    if (rr->limit == 0) {
        return;
    }
    char v[24];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)rr->limit);
    rpc_reply_header(r, "X-RateLimit-Limit", v);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)rr->remaining);
    rpc_reply_header(r, "X-RateLimit-Remaining", v);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)rr->reset_s);
    rpc_reply_header(r, "X-RateLimit-Reset", v);
}

/* ---- Credentials. ---- */

typedef enum auth_verdict {
    AUTH_OK,
    AUTH_MISSING,   /* no Authorization header */
    AUTH_SCHEME,    /* another scheme than Bearer */
    AUTH_TWICE,     /* Authorization given more than once */
    AUTH_NAME,      /* "Authorization :", whitespace before the colon */
    AUTH_MALFORMED, /* not a key or token in form */
    AUTH_CHARS,     /* a control character (NUL, CR, ...) in the value, or far too long */
    AUTH_UNKNOWN,   /* an API key this node does not know, or a wrong secret */
    AUTH_REVOKED,   /* the key (or the token's key) is revoked */
    AUTH_FORGED,    /* a token whose MAC or key does not check */
    AUTH_EXPIRED,   /* a token past its expiry */
    AUTH_STORE,     /* the key store could not be read */
    AUTH_SESSION,   /* a session cookie that names no live session */
    AUTH_CSRF,      /* a session cookie on a cross-site request, or without its CSRF token */
} auth_verdict;

/* What a verdict tells the client: the body's message, and whether RFC 6750 section 3.1
 * gives it error="invalid_token" (not when no credentials were offered at all). */
static const struct {
    const char *message;
    int invalid_token;
} auth_verdicts[] = {
    [AUTH_OK] = {"", 0},
    [AUTH_MISSING] =
        {"Authorization: missing; send Authorization: Bearer <API key or access token>", 0},
    [AUTH_SCHEME] = {"Authorization: the scheme must be Bearer", 0},
    [AUTH_TWICE] = {"Authorization: given more than once", 1},
    [AUTH_NAME] = {"Authorization: whitespace between the field name and the colon", 0},
    [AUTH_MALFORMED] =
        {"Authorization: neither an API key (chr_...) nor an access token (chrt_...)", 1},
    [AUTH_CHARS] = {"Authorization: a control character in the value, or over 512 bytes", 1},
    [AUTH_UNKNOWN] = {"API key: unknown, or a wrong secret", 1},
    [AUTH_REVOKED] = {"API key: revoked", 1},
    [AUTH_FORGED] = {"access token: not valid on this node", 1},
    [AUTH_EXPIRED] = {"access token: expired", 1},
    [AUTH_STORE] = {"API key store: cannot be read now", 0},
    [AUTH_SESSION] = {"session: unknown or expired; sign in again", 1},
    [AUTH_CSRF] = {"session: a cross-site request, or X-CSRF-Token missing or wrong", 0},
};

/* The principal of a credential that checked, for key rec within scopes; AUTH_REVOKED once
 * the key is revoked (an API key, its tokens and its sessions alike). */
static auth_verdict auth_principal(rpc_principal *p, const rpc_apikey *rec, unsigned scopes)
{
    if (rec->revoked) {
        return AUTH_REVOKED;
    }
    memcpy(p->key_id, rec->id, sizeof(p->key_id));
    p->tier = rec->tier;
    p->scopes = scopes;
    return AUTH_OK;
}

static auth_verdict auth_api_key(rpc_auth *a, rpc_principal *p, const char *tok, size_t len)
{
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint8_t secret[RPC_APIKEY_SECRET_BYTES];
    if (rpc_apikey_parse(id, secret, tok, len) != CHR_OK) {
        return AUTH_MALFORMED;
    }
    rpc_apikey rec;
    chr_err err = rpc_apikeys_check(a->keys, &rec, id, secret);
    sodium_memzero(secret, sizeof(secret));
    if (err != CHR_OK) {
        return err == CHR_ERR_NOT_FOUND ? AUTH_UNKNOWN : AUTH_STORE;
    }
    return auth_principal(p, &rec, rec.scopes);
}

static auth_verdict auth_token(rpc_auth *a, rpc_principal *p, const char *tok, size_t len)
{
    rpc_token t;
    uint8_t mac[RPC_TOKEN_MAC_BYTES];
    if (rpc_token_decode(&t, mac, tok, len) != CHR_OK) {
        return AUTH_MALFORMED;
    }
    rpc_apikey rec;
    chr_err err = rpc_apikeys_get(a->keys, &rec, t.key_id);
    if (err != CHR_OK) {
        /* Keys are revoked, never deleted: a token naming no key was never ours. */
        return err == CHR_ERR_NOT_FOUND ? AUTH_FORGED : AUTH_STORE;
    }
    if (!rpc_token_mac_ok(rpc_apikeys_token_key(a->keys), rec.hash, &t, mac)) {
        return AUTH_FORGED;
    }
    /* Valid through the whole second of its expiry: a token lives from expires_in to
     * expires_in + 1 seconds, never less than it said. */
    if (rpc_clock_unix_s() > t.expiry_unix_s) {
        return AUTH_EXPIRED;
    }
    p->expiry_unix_s = t.expiry_unix_s;
    return auth_principal(p, &rec, t.scopes & rec.scopes);
}

int rpc_auth_header(rpc_ctx *x, const char **value, size_t *value_len)
{
    const char *h = NULL;
    size_t len = 0;
    *value = NULL;
    *value_len = 0;
    /* The length libmicrohttpd found, not strlen: a NUL inside the value must not cut it
     * short into something that passes. */
    if (MHD_lookup_connection_value_n(x->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION,
                                      strlen(MHD_HTTP_HEADER_AUTHORIZATION), &h, &len) != MHD_YES ||
        h == NULL) {
        return 0;
    }
    if (len > RPC_AUTH_HEADER_BYTES_MAX || rpc_auth_field(&h, &len) != CHR_OK) {
        return -1;
    }
    *value = h;
    *value_len = len;
    return 1;
}

int rpc_method_changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

int rpc_auth_same_site(rpc_ctx *x, int state_changing)
{
    const char *site = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site != NULL && strcmp(site, "same-origin") != 0 &&
        (state_changing || strcmp(site, "none") != 0)) {
        return 0;
    }
    const char *origin = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Origin");
    if (origin == NULL) {
        return 1;
    }
    const char *host = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Host");
    const char *scheme = x->srv->cfg.tls_cert_pem != NULL ? "https://" : "http://";
    size_t n = strlen(scheme);
    /* RFC 6454 section 6.1: scheme "://" host [":" port], the host as the Host field has it
     * (RFC 9110 section 7.2). An opaque origin ("null") is never ours. */
    return host != NULL && strncmp(origin, scheme, n) == 0 && strcasecmp(origin + n, host) == 0;
}

/* The session of the request's cookie, for a request without an Authorization header: it
 * stands for its key, within the scopes it was opened with and those the key still has, and
 * only on a same-site request that repeats its CSRF token when it changes state
 * (docs/API.md, "Sessions"). */
static auth_verdict auth_session(rpc_auth *a, rpc_ctx *x, rpc_principal *p, const char *cookie)
{
    rpc_session s;
    if (rpc_sessions_find(a->sessions, &s, cookie, strlen(cookie), rpc_clock_ms()) != CHR_OK) {
        return AUTH_SESSION;
    }
    int changes = rpc_method_changes_state(x->method);
    const char *csrf = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!rpc_auth_same_site(x, changes) ||
        (changes && !rpc_session_csrf_ok(&s, csrf, csrf != NULL ? strlen(csrf) : 0))) {
        return AUTH_CSRF;
    }
    rpc_apikey rec;
    chr_err err = rpc_apikeys_get(a->keys, &rec, s.key_id);
    if (err != CHR_OK) {
        return err == CHR_ERR_NOT_FOUND ? AUTH_REVOKED : AUTH_STORE;
    }
    p->session = 1;
    return auth_principal(p, &rec, s.scopes & rec.scopes);
}

/* The credential of the Authorization header, or else of the session cookie; a token in
 * the query string or the body (RFC 6750 sections 2.2 and 2.3) is never looked at. */
static auth_verdict auth_credential(rpc_auth *a, rpc_ctx *x, rpc_principal *p)
{
    memset(p, 0, sizeof(*p));
    const char *h;
    size_t len;
    int found = rpc_auth_header(x, &h, &len);
    /* RFC 9112 section 5.1: whitespace between a field name and the colon is a 400; a
     * proxy in front may have read the field as Authorization, or dropped it. The field
     * lines were counted with the request's framing (rpc/framing.c). */
    if (x->req->auth_spaced > 0) {
        return AUTH_NAME;
    }
    if (found == 0 && x->req->auth_fields == 0) {
        const char *cookie =
            MHD_lookup_connection_value(x->conn, MHD_COOKIE_KIND, RPC_SESSION_COOKIE);
        return cookie != NULL ? auth_session(a, x, p, cookie) : AUTH_MISSING;
    }
    if (found == 0) {
        return AUTH_MISSING;
    }
    if (x->req->auth_fields > 1) {
        return AUTH_TWICE;
    }
    if (found < 0) {
        return AUTH_CHARS;
    }
    const char *tok;
    size_t tok_len;
    chr_err err = rpc_bearer_parse(&tok, &tok_len, h, len);
    if (err != CHR_OK) {
        return err == CHR_ERR_NOT_FOUND ? AUTH_SCHEME : AUTH_MALFORMED;
    }
    if (tok_len > 5 && memcmp(tok, "chrt_", 5) == 0) {
        return auth_token(a, p, tok, tok_len);
    }
    return auth_api_key(a, p, tok, tok_len);
}

static void auth_reply_unauthorized(rpc_reply *r, auth_verdict v)
{
    if (v == AUTH_STORE) {
        r->retry_after = 1;
        rpc_reply_error(r, 503, CHR_ERR_STORE, auth_verdicts[v].message, NULL);
        return;
    }
    if (v == AUTH_NAME) {
        rpc_reply_error(r, 400, CHR_ERR_BAD_REQUEST, auth_verdicts[v].message, NULL);
        return;
    }
    if (v == AUTH_CSRF) {
        rpc_reply_error(r, 403, CHR_ERR_CSRF, auth_verdicts[v].message, NULL);
        return;
    }
    char www[160];
    if (auth_verdicts[v].invalid_token) {
        snprintf(www, sizeof(www), "Bearer realm=\"chroom\", error=\"invalid_token\"");
    } else {
        snprintf(www, sizeof(www), "Bearer realm=\"chroom\"");
    }
    rpc_reply_header(r, "WWW-Authenticate", www);
    rpc_reply_error(r, 401, CHR_ERR_UNAUTHORIZED, auth_verdicts[v].message, NULL);
}

static void auth_reply_scope(rpc_reply *r, unsigned has, rpc_scope needs)
{
    char need[RPC_APIKEY_SCOPES_TEXT_MAX];
    char have[RPC_APIKEY_SCOPES_TEXT_MAX];
    rpc_scopes_format(need, (unsigned)needs, ' ');
    rpc_scopes_format(have, has, ' ');
    char www[160];
    snprintf(www, sizeof(www),
             "Bearer realm=\"chroom\", error=\"insufficient_scope\", scope=\"%s\"", need);
    rpc_reply_header(r, "WWW-Authenticate", www);
    char msg[128];
    snprintf(msg, sizeof(msg), "this route needs the %s scope; the credential has: %s", need, have);
    rpc_reply_error(r, 403, CHR_ERR_SCOPE, msg, NULL);
}

void rpc_auth_address_headers(rpc_ctx *x, rpc_reply *r)
{
    rpc_auth *a = x->srv->cfg.auth;
    uint8_t who[RPC_RATE_KEY_BYTES];
    rpc_rate_result rr;
    rpc_client_key(x, who);
    rpc_rate_peek(a->addr_rate, &rr, who, a->rate_unauth_per_min, rpc_clock_ms());
    rpc_rate_headers(r, &rr);
}

int rpc_auth_request(rpc_ctx *x, rpc_reply *r, rpc_scope scope)
{
    if (scope == RPC_SCOPE_NONE) {
        return 1;
    }
    rpc_auth *a = x->srv->cfg.auth;
    CHR_ASSERT(a != NULL);
    uint64_t now = rpc_clock_ms();
    uint8_t who[RPC_RATE_KEY_BYTES];
    rpc_rate_result rr;
    rpc_principal p;
    auth_verdict v = auth_credential(a, x, &p);
    if (v != AUTH_OK) {
        /* Failed attempts spend from their address's allowance; past it they get 429
         * without a word on the credential, so guessing is slow. A valid credential is
         * never held back by its address: clients sharing an address (NAT) with a guesser
         * keep working. Guessing gains nothing from that: a key's secret is 256 bits. */
        rpc_client_key(x, who);
        rpc_rate_take(a->addr_rate, &rr, who, a->rate_unauth_per_min, now);
        if (!rr.allowed && v != AUTH_STORE) {
            atomic_fetch_add_explicit(&x->srv->rate_limited, 1, memory_order_relaxed);
            rpc_reply_error(r, 429, CHR_ERR_RATE_LIMITED,
                            "client address: too many failed authentication attempts", NULL);
        } else {
            auth_reply_unauthorized(r, v);
        }
        rpc_rate_headers(r, &rr);
        return 0;
    }
    p.known = 1;
    x->req->who = p;
    memset(who, 0, sizeof(who));
    memcpy(who, p.key_id, sizeof(p.key_id));
    rpc_rate_take(a->key_rate, &rr, who, a->rate_per_min[p.tier], now);
    rpc_rate_headers(r, &rr);
    if (!rr.allowed) {
        atomic_fetch_add_explicit(&x->srv->rate_limited, 1, memory_order_relaxed);
        char msg[96];
        snprintf(msg, sizeof(msg), "API key: over its limit of %llu requests a minute",
                 (unsigned long long)rr.limit);
        rpc_reply_error(r, 429, CHR_ERR_RATE_LIMITED, msg, NULL);
        return 0;
    }
    if ((p.scopes & (unsigned)scope) == 0) {
        auth_reply_scope(r, p.scopes, scope);
        return 0;
    }
    return 1;
}
