/* The routes the dashboard needs beyond the chain's (docs/API.md, "Sessions", "API keys over
 * the API", "GET /api/v1/usage"): signing in for a session cookie, API key management and
 * per-key usage. The dashboard calls them like any client; so can an app with an admin key. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/limits.h"
#include "rpc/render.h"

#define SESSION_COOKIE_FORMAT "%s=%s; Path=/api/; Max-Age=%llu; HttpOnly; SameSite=Strict%s"
/* The longest Set-Cookie: the name, a value, a 20-digit Max-Age and "; Secure". */
#define SESSION_SET_COOKIE_BYTES_MAX                                                               \
    (sizeof(RPC_SESSION_COOKIE "=; Path=/api/; Max-Age=; HttpOnly; SameSite=Strict; Secure") +     \
     RPC_SESSION_TEXT_LEN + 20)
/* It fits a reply's header slot with room to spare for another attribute. */
_Static_assert(SESSION_SET_COOKIE_BYTES_MAX + 64 <= RPC_REPLY_HEADER_BYTES_MAX,
               "a session's Set-Cookie fits a reply header with margin");

/* The Set-Cookie of a session: for the API's paths only, never readable by the page's
 * scripts, never sent by another site, over HTTPS only when the node speaks HTTPS (a
 * browser keeps no Secure cookie of a plain http://127.0.0.1 page). */
static void session_cookie(rpc_ctx *x, rpc_reply *r, const char *value, uint64_t max_age_s)
{
    char v[SESSION_SET_COOKIE_BYTES_MAX];
    CHR_ASSERT(strlen(value) <= RPC_SESSION_TEXT_LEN);
    int w =
        snprintf(v, sizeof(v), SESSION_COOKIE_FORMAT, RPC_SESSION_COOKIE, value,
                 (unsigned long long)max_age_s, x->srv->cfg.tls_cert_pem != NULL ? "; Secure" : "");
    CHR_ASSERT(w > 0 && (size_t)w < sizeof(v));
    rpc_reply_header(r, "Set-Cookie", v);
    sodium_memzero(v, sizeof(v));
}

static json_t *scopes_json(unsigned scopes)
{
    json_t *a = json_array();
    for (unsigned bit = 1; a != NULL && bit <= RPC_APIKEY_SCOPE_MEETINGS; bit <<= 1) {
        char name[RPC_APIKEY_SCOPES_TEXT_MAX];
        rpc_scopes_format(name, bit, ',');
        if (scopes & bit) {
            json_array_append_new(a, json_string(name));
        }
    }
    return a;
}

static json_t *session_json(const rpc_principal *who, const rpc_session *s, uint64_t now_ms)
{
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(id, who->key_id);
    uint64_t left_ms = s->expires_ms > now_ms ? s->expires_ms - now_ms : 0;
    return json_pack("{s:s, s:s, s:o*, s:s, s:I}", "key_id", id, "tier", rpc_tier_name(who->tier),
                     "scopes", scopes_json(who->scopes), "csrf_token", s->csrf, "expires_in",
                     (json_int_t)((left_ms + 999) / 1000));
}

/* POST /api/v1/session: trades the Authorization credential for a session cookie. */
void rpc_handle_session_open(rpc_ctx *x, rpc_reply *r)
{
    rpc_auth *a = x->srv->cfg.auth;
    const rpc_principal *who = &x->req->who;
    CHR_ASSERT(who->known);
    if (who->session) {
        rpc_reply_error(r, 400, CHR_ERR_ARG,
                        "sign in with an API key or access token in Authorization, not a session",
                        NULL);
        return;
    }
    /* A sign-in from another site would put the browser in a session of the attacker's
     * key (login CSRF). */
    if (!rpc_auth_same_site(x, 1)) {
        rpc_reply_error(r, 403, CHR_ERR_CSRF, "session: a cross-site sign-in", NULL);
        return;
    }
    uint64_t now_ms = rpc_clock_ms();
    uint64_t ttl_s = a->session_ttl_s;
    if (who->expiry_unix_s != 0) {
        /* A session never outlives the access token it was opened with. */
        uint64_t now_s = rpc_clock_unix_s();
        uint64_t left_s = who->expiry_unix_s >= now_s ? who->expiry_unix_s - now_s + 1 : 0;
        ttl_s = left_s < ttl_s ? left_s : ttl_s;
    }
    char cookie[RPC_SESSION_TEXT_LEN + 1];
    rpc_session s;
    if (rpc_sessions_open(a->sessions, cookie, &s, who->key_id, who->scopes, now_ms + ttl_s * 1000,
                          now_ms) != CHR_OK) {
        r->retry_after = 60;
        rpc_reply_error(r, 503, CHR_ERR_QUEUE_FULL, "sessions: every slot is in use", NULL);
        return;
    }
    session_cookie(x, r, cookie, ttl_s);
    sodium_memzero(cookie, sizeof(cookie));
    rpc_reply_json(r, 201, session_json(who, &s, now_ms));
}

/* The session of the request's cookie, for GET and DELETE /api/v1/session; 0 and a 404
 * when the credential is not a session. */
static int session_of(rpc_ctx *x, rpc_reply *r, rpc_session *s, const char **cookie)
{
    *cookie = MHD_lookup_connection_value(x->conn, MHD_COOKIE_KIND, RPC_SESSION_COOKIE);
    if (!x->req->who.session || *cookie == NULL ||
        rpc_sessions_find(x->srv->cfg.auth->sessions, s, *cookie, strlen(*cookie),
                          rpc_clock_ms()) != CHR_OK) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no session: the credential is not a session",
                        NULL);
        return 0;
    }
    return 1;
}

void rpc_handle_session_get(rpc_ctx *x, rpc_reply *r)
{
    rpc_session s;
    const char *cookie;
    if (session_of(x, r, &s, &cookie)) {
        rpc_reply_json(r, 200, session_json(&x->req->who, &s, rpc_clock_ms()));
    }
}

void rpc_handle_session_end(rpc_ctx *x, rpc_reply *r)
{
    rpc_session s;
    const char *cookie;
    if (session_of(x, r, &s, &cookie)) {
        rpc_sessions_end(x->srv->cfg.auth->sessions, cookie, strlen(cookie));
        session_cookie(x, r, "", 0);
        rpc_reply_json(r, 200, json_pack("{s:b}", "ended", 1));
    }
}

/* A key's record as the API shows it: never its secret nor its hash. */
static json_t *key_json(const rpc_apikey *k)
{
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(id, k->id);
    return json_pack("{s:s, s:s, s:s, s:o*, s:o*, s:b, s:o*}", "id", id, "label", k->label, "tier",
                     rpc_tier_name(k->tier), "scopes", scopes_json(k->scopes), "created_at",
                     rpc_json_time(k->created_unix_s * 1000), "revoked", k->revoked, "sponsor",
                     rpc_render_key_sponsor(k));
}

/* A key with its last use, requests, and its rate-limit bucket as it stands. */
static json_t *key_list_json(rpc_auth *a, const rpc_apikey *k, uint64_t now_ms)
{
    json_t *o = key_json(k);
    rpc_usage_key u;
    rpc_usage_get(a->usage, &u, k->id);
    uint8_t who[RPC_RATE_KEY_BYTES] = {0};
    memcpy(who, k->id, sizeof(k->id));
    rpc_rate_result rr;
    uint64_t limit = a->rate_per_min[k->tier];
    rpc_rate_peek(a->key_rate, &rr, who, limit, now_ms);
    json_t *rate = limit == 0
                       ? json_null()
                       : json_pack("{s:I, s:I, s:I}", "limit", (json_int_t)rr.limit, "remaining",
                                   (json_int_t)rr.remaining, "reset", (json_int_t)rr.reset_s);
    /* Each json_object_set_new takes its value even when it fails (or o is NULL): all are
     * called, so none is left behind. */
    int failed =
        json_object_set_new(o, "last_used_at",
                            u.last_unix_s ? rpc_json_time(u.last_unix_s * 1000) : json_null()) != 0;
    failed |= json_object_set_new(o, "requests", json_integer((json_int_t)u.requests)) != 0;
    failed |= json_object_set_new(o, "rate_limit", rate) != 0;
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void rpc_handle_apikeys_list(rpc_ctx *x, rpc_reply *r)
{
    rpc_auth *a = x->srv->cfg.auth;
    rpc_apikey *list;
    size_t n;
    chr_err err = rpc_apikeys_list(a->keys, &list, &n);
    if (err != CHR_OK) {
        r->retry_after = err == CHR_ERR_STORE ? 1 : 0;
        rpc_reply_error(r, 503, err == CHR_ERR_STORE ? CHR_ERR_STORE : CHR_ERR_QUEUE_FULL,
                        "API key store: cannot be read now", NULL);
        return;
    }
    json_t *keys = json_array();
    uint64_t now = rpc_clock_ms();
    for (size_t i = 0; keys != NULL && i < n; i++) {
        if (json_array_append_new(keys, key_list_json(a, &list[i], now)) != 0) {
            json_decref(keys);
            keys = NULL;
        }
    }
    free(list);
    rpc_reply_json(r, 200, json_pack("{s:o}", "keys", keys));
}

/* The scopes of a create request: an array of distinct scope names, not empty. */
static int create_scopes(rpc_reply *r, const json_t *v, unsigned *scopes)
{
    *scopes = 0;
    size_t i;
    json_t *s;
    if (!json_is_array(v) || json_array_size(v) == 0) {
        rpc_reply_error(r, 400, CHR_ERR_JSON_TYPE,
                        "scopes: an array of read, submit, admin, meetings", "scopes");
        return 0;
    }
    json_array_foreach(v, i, s) {
        unsigned bit;
        const char *name = json_string_value(s);
        if (name == NULL || rpc_scopes_parse(&bit, name, strlen(name), ',') != CHR_OK ||
            strchr(name, ',') != NULL || (*scopes & bit) != 0) {
            rpc_reply_error(r, 400, CHR_ERR_ARG,
                            "scopes: each one of read, submit, admin, meetings, once", "scopes");
            return 0;
        }
        *scopes |= bit;
    }
    return 1;
}

/* The tier and label of a create request into *tier and label (the label may be absent). */
static int create_fields(rpc_reply *r, const json_t *body, rpc_tier *tier, const char **label)
{
    const json_t *t = json_object_get(body, "tier");
    const json_t *l = json_object_get(body, "label");
    const char *tn = json_string_value(t);
    if (t == NULL) {
        rpc_reply_error(r, 400, CHR_ERR_MISSING_FIELD, "tier: required", "tier");
        return 0;
    }
    if (tn == NULL || (strcmp(tn, "standard") != 0 && strcmp(tn, "premium") != 0)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "tier: standard or premium", "tier");
        return 0;
    }
    *tier = strcmp(tn, "premium") == 0 ? RPC_TIER_PREMIUM : RPC_TIER_STANDARD;
    *label = l != NULL ? json_string_value(l) : "";
    if (*label == NULL) {
        rpc_reply_error(r, 400, CHR_ERR_JSON_TYPE, "label: a string", "label");
        return 0;
    }
    return 1;
}

void rpc_handle_apikey_create(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"label", "tier", "scopes", NULL};
    json_t *body = rpc_parse_body(x, r, allowed);
    if (body == NULL) {
        return;
    }
    rpc_tier tier;
    const char *label;
    unsigned scopes;
    const json_t *sv = json_object_get(body, "scopes");
    if (sv == NULL) {
        rpc_reply_error(r, 400, CHR_ERR_MISSING_FIELD, "scopes: required", "scopes");
    } else if (create_fields(r, body, &tier, &label) && create_scopes(r, sv, &scopes)) {
        char text[RPC_APIKEY_TEXT_LEN + 1];
        rpc_apikey rec;
        chr_err err = rpc_apikeys_create(x->srv->cfg.auth->keys, text, &rec, tier, scopes, label,
                                         NULL, rpc_clock_unix_s());
        if (err == CHR_ERR_ARG) {
            rpc_reply_error(r, 400, CHR_ERR_ARG, "label: at most 64 printable ASCII characters",
                            "label");
        } else if (err != CHR_OK) {
            r->retry_after = 1;
            rpc_reply_error(r, 503, CHR_ERR_STORE, "API key store: cannot be written now", NULL);
        } else {
            json_t *o = key_json(&rec);
            if (o != NULL && json_object_set_new(o, "key", json_string(text)) != 0) {
                json_decref(o);
                o = NULL;
            }
            sodium_memzero(text, sizeof(text));
            rpc_reply_json(r, 201, o);
        }
    }
    json_decref(body);
}

void rpc_handle_apikey_revoke(rpc_ctx *x, rpc_reply *r)
{
    rpc_auth *a = x->srv->cfg.auth;
    uint8_t id[RPC_APIKEY_ID_BYTES];
    const char *text = x->segs[3];
    if (rpc_apikey_id_parse(id, text, strlen(text)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "id: 16 lowercase hex digits", "id");
        return;
    }
    rpc_apikey rec;
    chr_err err = rpc_apikeys_revoke(a->keys, id);
    err = err ? err : rpc_apikeys_get(a->keys, &rec, id);
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no API key with this id", "id");
    } else if (err != CHR_OK) {
        r->retry_after = 1;
        rpc_reply_error(r, 503, CHR_ERR_STORE, "API key store: cannot be written now", NULL);
    } else {
        rpc_reply_json(r, 200, key_json(&rec));
    }
}

/* GET /api/v1/usage: every key's figures since the node started. */
void rpc_handle_usage(rpc_ctx *x, rpc_reply *r)
{
    rpc_auth *a = x->srv->cfg.auth;
    rpc_apikey *list;
    size_t n;
    if (rpc_apikeys_list(a->keys, &list, &n) != CHR_OK) {
        r->retry_after = 1;
        rpc_reply_error(r, 503, CHR_ERR_STORE, "API key store: cannot be read now", NULL);
        return;
    }
    json_t *keys = json_array();
    uint64_t now_s = rpc_clock_unix_s();
    for (size_t i = 0; keys != NULL && i < n; i++) {
        rpc_usage_key u;
        if (!rpc_usage_get(a->usage, &u, list[i].id)) {
            memcpy(u.id, list[i].id, sizeof(u.id));
        }
        /* json_object_set_new takes the label even when it fails (or o is NULL), and
         * json_array_append_new takes o: only o itself is left to drop. */
        json_t *o = rpc_usage_json(&u, now_s);
        if (json_object_set_new(o, "label", json_string(list[i].label)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (json_array_append_new(keys, o) != 0) {
            json_decref(keys);
            keys = NULL;
        }
    }
    free(list);
    rpc_reply_json(r, 200,
                   json_pack("{s:o, s:I, s:I}", "keys", keys, "minutes",
                             (json_int_t)RPC_USAGE_MINUTES, "now", (json_int_t)(now_s / 60 * 60)));
}
