"""The dashboard's server side over raw HTTP (docs/API.md, "Sessions", "API keys over the
API", "GET /api/v1/usage", "The dashboard"): the session cookie and its CSRF token, refusal
of cross-site requests, read-only sessions kept out of key management, keys made, used and
revoked over the API, per-key usage, and the static files' headers."""

import http.client
import json
import urllib.error
import urllib.request

from node import assert_error, check, eq, start_node

COOKIE = "chroom_session"


def sign_in(n, key, headers=None):
    """POST /api/v1/session with key; (response, cookie header value for later requests)."""
    h = {"Authorization": "Bearer " + key}
    h.update(headers or {})
    r = n.request("POST", "/api/v1/session", headers=h, auth=False)
    cookie = None
    if r.status == 201:
        sc = r.headers.get("set-cookie", "")
        cookie = sc.split(";")[0]
    return r, cookie


def with_cookie(n, method, path, cookie, body=None, headers=None):
    h = {"Cookie": cookie}
    h.update(headers or {})
    return n.request(method, path, body=body, headers=h, auth=False)


def raw_get(n, path, headers=None):
    """A GET outside the API's spec (the dashboard's files): (status, headers, body)."""
    c = http.client.HTTPConnection("127.0.0.1", n.port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def test_session_cookie_and_csrf(t):
    # Signing in gives an HttpOnly SameSite=Strict cookie and a CSRF token; the cookie works
    # as the key, a state-changing request needs the token, and ending the session ends it.
    n = start_node(t)
    r, cookie = sign_in(n, n.api_key)
    eq(r.status, 201, "sign in with an admin key")
    sc = r.headers["set-cookie"]
    for part in ("HttpOnly", "SameSite=Strict", "Path=/api/", "Max-Age=900"):
        check(part in sc, "Set-Cookie %r has %s" % (sc, part))
    check("Secure" not in sc, "no Secure over plain http on loopback: %r" % sc)
    body = r.json
    eq(sorted(body["scopes"]), ["admin", "meetings", "read", "submit"], "the session's scopes")
    eq(body["expires_in"], 900, "expires_in is [api] session_ttl_s's default")
    csrf = body["csrf_token"]
    eq(with_cookie(n, "GET", "/api/v1/status", cookie).status, 200, "the cookie reads")
    eq(with_cookie(n, "GET", "/api/v1/session", cookie).json["csrf_token"], csrf,
       "GET /api/v1/session gives the token back (a reloaded page)")
    new_key = {"label": "x", "tier": "standard", "scopes": ["read"]}
    assert_error(with_cookie(n, "POST", "/api/v1/apikeys", cookie, new_key), 403,
                 "csrf_refused", "no CSRF token")
    assert_error(with_cookie(n, "POST", "/api/v1/apikeys", cookie, new_key,
                             {"X-CSRF-Token": "0" * 64}), 403, "csrf_refused", "a forged token")
    assert_error(with_cookie(n, "POST", "/api/v1/apikeys", cookie, new_key,
                             {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}), 403,
                 "csrf_refused", "another Origin")
    assert_error(with_cookie(n, "POST", "/api/v1/apikeys", cookie, new_key,
                             {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}), 403,
                 "csrf_refused", "Sec-Fetch-Site: cross-site")
    assert_error(with_cookie(n, "GET", "/api/v1/status", cookie,
                             headers={"Sec-Fetch-Site": "cross-site"}), 403, "csrf_refused",
                 "a cross-site GET with the cookie")
    own = {"X-CSRF-Token": csrf, "Origin": "http://127.0.0.1:%d" % n.port,
           "Sec-Fetch-Site": "same-origin"}
    r = with_cookie(n, "POST", "/api/v1/apikeys", cookie, new_key, own)
    eq(r.status, 201, "the same request from the node's own page: %r" % r)
    r, _ = sign_in(n, n.api_key, {"Origin": "http://evil.example"})
    assert_error(r, 403, "csrf_refused", "a cross-site sign-in")
    r = with_cookie(n, "DELETE", "/api/v1/session", cookie, headers=own)
    eq(r.status, 200, "sign out")
    check("Max-Age=0" in r.headers.get("set-cookie", ""), "sign-out clears the cookie")
    assert_error(with_cookie(n, "GET", "/api/v1/status", cookie), 401, "unauthorized",
                 "the ended session")
    assert_error(with_cookie(n, "GET", "/api/v1/status", COOKIE + "=" + "0" * 68), 401,
                 "unauthorized", "a made-up session")


def test_session_read_only_and_revoked(t):
    # A read-only key's session reads the chain but never reaches key management or usage;
    # revoking the key a session stands for ends the session at once.
    n = start_node(t)
    ro = n.create_api_key(scopes="read", label="ro")
    r, cookie = sign_in(n, ro)
    eq(r.status, 201, "sign in with a read key")
    csrf = r.json["csrf_token"]
    eq(with_cookie(n, "GET", "/api/v1/status", cookie).status, 200, "reads")
    assert_error(with_cookie(n, "GET", "/api/v1/apikeys", cookie), 403, "insufficient_scope",
                 "list keys")
    assert_error(with_cookie(n, "GET", "/api/v1/usage", cookie), 403, "insufficient_scope",
                 "usage")
    assert_error(with_cookie(n, "POST", "/api/v1/apikeys", cookie,
                             {"tier": "premium", "scopes": ["admin"]}, {"X-CSRF-Token": csrf}),
                 403, "insufficient_scope", "create a key")
    assert_error(n.request("POST", "/api/v1/session", headers={"Cookie": cookie,
                                                               "X-CSRF-Token": csrf}, auth=False),
                 400, "invalid_argument", "a session cannot open another")
    rid = ro[4:20]
    eq(n.request("DELETE", "/api/v1/apikeys/" + rid).status, 200, "revoke the read key")
    assert_error(with_cookie(n, "GET", "/api/v1/status", cookie), 401, "unauthorized",
                 "the session of a revoked key")


def test_apikeys_over_the_api(t):
    # Keys are made, listed with last use and rate-limit figures, used, and revoked over the
    # API; the secret is in the create answer only; usage counts requests, 429s and codes.
    n = start_node(t, conf={"api": {"rate_limit_standard_per_min": 3}})
    r = n.request("POST", "/api/v1/apikeys", {"label": "app", "tier": "standard",
                                              "scopes": ["read"]})
    eq(r.status, 201, "create")
    key, kid = r.json["key"], r.json["id"]
    eq(key[4:20], kid, "the key text carries its id")
    for bad, code in (({"tier": "gold", "scopes": ["read"]}, "invalid_argument"),
                      ({"tier": "standard", "scopes": ["read", "read"]}, "invalid_argument"),
                      ({"tier": "standard", "scopes": []}, "invalid_type"),
                      ({"tier": "standard"}, "missing_field"),
                      ({"tier": "standard", "scopes": ["read"], "label": "\u00e9"},
                       "invalid_argument"),
                      ({"tier": "standard", "scopes": ["read"], "x": 1}, "unknown_field")):
        assert_error(n.request("POST", "/api/v1/apikeys", bad), 400, code, "create %r" % bad)
    url = "http://127.0.0.1:%d/api/v1/status" % n.port
    statuses = []
    for _ in range(4):
        req = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
        try:
            statuses.append(urllib.request.urlopen(req, timeout=10).status)
        except urllib.error.HTTPError as e:
            statuses.append(e.code)
    eq(statuses, [200, 200, 200, 429], "the new key works, up to its limit")
    keys = {k["id"]: k for k in n.request("GET", "/api/v1/apikeys").json["keys"]}
    k = keys[kid]
    check("key" not in k and "hash" not in k, "the list never shows a secret: %r" % k)
    eq((k["label"], k["tier"], k["scopes"], k["revoked"], k["requests"]),
       ("app", "standard", ["read"], False, 4), "the listed key")
    check(k["last_used_at"] is not None, "last use recorded")
    eq((k["rate_limit"]["limit"], k["rate_limit"]["remaining"]), (3, 0), "its bucket")
    u = {x["id"]: x for x in n.request("GET", "/api/v1/usage").json["keys"]}[kid]
    eq((u["requests"], u["rate_limited"], u["statuses"]), (4, 1, {"200": 3, "429": 1}),
       "usage of the key")
    eq(sum(u["per_minute"]), 4, "per minute")
    eq(len(u["per_minute"]), 60, "an hour of minutes")
    check(0 < u["latency_us"]["p50"] <= u["latency_us"]["p99"], "percentiles: %r" % u)
    eq(n.request("DELETE", "/api/v1/apikeys/" + kid).json["revoked"], True, "revoke")
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
    try:
        urllib.request.urlopen(req, timeout=10)
        check(False, "a revoked key was accepted")
    except urllib.error.HTTPError as e:
        eq(e.code, 401, "the next call of the revoked key")
    assert_error(n.request("DELETE", "/api/v1/apikeys/00000000000000ff"), 404, "not_found",
                 "revoke an unknown id")
    assert_error(n.request("DELETE", "/api/v1/apikeys/XYZ"), 400, "invalid_argument",
                 "revoke a malformed id")


def test_dashboard_files(t):
    # The dashboard's files carry a strict CSP, nosniff and an ETag, answer 304 to it, and
    # nothing else is served under /dashboard/.
    n = start_node(t)
    st, h, body = raw_get(n, "/dashboard/")
    eq(st, 200, "index")
    check(body.startswith(b"<!doctype html>"), "index.html")
    check(h["content-type"].startswith("text/html"), "type %r" % h["content-type"])
    csp = h["content-security-policy"]
    for part in ("default-src 'self'", "frame-ancestors 'none'"):
        check(part in csp, "CSP %r has %s" % (csp, part))
    eq(h["x-content-type-options"], "nosniff", "nosniff")
    eq(h["cache-control"], "no-cache", "revalidated")
    st, h2, body = raw_get(n, "/dashboard/", {"If-None-Match": h["etag"]})
    eq((st, body), (304, b""), "unchanged: 304")
    st, h, body = raw_get(n, "/dashboard/app.js")
    eq(st, 200, "app.js")
    check(h["content-type"].startswith("text/javascript"), "type %r" % h["content-type"])
    st, h, _ = raw_get(n, "/dashboard")
    eq((st, h.get("location")), (308, "/dashboard/"), "redirect")
    eq(raw_get(n, "/dashboard/nope.js")[0], 404, "no such file")
    eq(raw_get(n, "/dashboard/a/b")[0], 404, "no folders")
    r = n.request("GET", "/api/v1/status")
    eq(r.headers.get("x-content-type-options"), "nosniff", "the API's answers too")
