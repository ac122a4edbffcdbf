"""Access over real HTTP (docs/API.md, "Access"): API keys, bearer credentials, OAuth 2.0
client credentials (RFC 6749 section 4.4), scopes, and rate limits per key and per client
address."""

import base64
import http.client
import json
import socket
import time
import urllib.parse

from node import assert_error, binary, check, eq, run, run_ok, start_node

STATUS = "/api/v1/status"


def bearer(token):
    return {"Authorization": "Bearer " + token}


def key_parts(key):
    """(client_id, client_secret) of key text chr_<id>_<secret>."""
    return key[4:20], key[21:]


def assert_401(r, what, invalid_token=True):
    """A 401 of the API: the JSON error, and WWW-Authenticate as RFC 6750 section 3 says."""
    e = assert_error(r, 401, "unauthorized", what)
    www = r.headers.get("www-authenticate", "")
    check(www.startswith('Bearer realm="chroom"'), "%s: WWW-Authenticate %r" % (what, www))
    eq('error="invalid_token"' in www, invalid_token, "%s: error=invalid_token in %r" % (what, www))
    return e


def token_request(n, form, basic=None, content_type="application/x-www-form-urlencoded",
                  headers=None):
    """POST /oauth/token with a form body (a dict, urlencoded here, or raw text)."""
    body = form if isinstance(form, str) else urllib.parse.urlencode(form)
    hdrs = dict(headers or {})
    if basic is not None:
        cred = "%s:%s" % (urllib.parse.quote(basic[0], safe=""), urllib.parse.quote(basic[1], safe=""))
        hdrs["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
    return n.request("POST", "/oauth/token", body, headers=hdrs, content_type=content_type,
                     auth=False)


def get_token(n, key, scope=None, basic=True):
    cid, secret = key_parts(key)
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    if basic:
        r = token_request(n, form, basic=(cid, secret))
    else:
        form.update(client_id=cid, client_secret=secret)
        r = token_request(n, form)
    eq(r.status, 200, "token request: %r" % r)
    return r


def assert_oauth_error(r, status, error, what):
    if r.status != status:
        raise AssertionError("%s: expected HTTP %d, got %r" % (what, status, r))
    j = r.json
    eq(sorted(j), ["error", "error_description"], what + ": RFC 6749 error body keys")
    eq(j["error"], error, what + ": error")
    check(isinstance(j["error_description"], str) and j["error_description"], what)
    if status == 401:
        eq(r.headers.get("www-authenticate"), 'Basic realm="chroom"', what + ": WWW-Authenticate")
    return j


def revoke(n, key):
    run_ok([binary("chroomd"), "apikey", "revoke", "--config", n.conf_path, key_parts(key)[0]])


def test_health_needs_no_auth_and_api_needs_a_key(t):
    n = start_node(t)
    r = n.request("GET", "/health", auth=False)
    eq(r.status, 200, "/health without credentials")
    e = assert_401(n.request("GET", STATUS, auth=False), "no Authorization", invalid_token=False)
    check("missing" in e["message"], "message says the header is missing: %r" % e)
    eq(n.request("GET", STATUS).status, 200, "with the node's key")
    # The scheme is case-insensitive (RFC 7235 section 2.1).
    eq(n.request("GET", STATUS, headers={"Authorization": "bearer " + n.api_key}).status, 200,
       "lower-case scheme")
    # An unknown path is a 404 without credentials; a known one with a wrong method a 405.
    assert_error(n.request("GET", "/api/v1/nope", auth=False), 404, "not_found", "unknown path")
    assert_error(n.request("DELETE", STATUS, auth=False), 405, "method_not_allowed", "405")


def test_wrong_scheme_malformed_unknown(t):
    n = start_node(t)
    cid, secret = key_parts(n.api_key)
    basic = "Basic " + base64.b64encode(("%s:%s" % (cid, secret)).encode()).decode()
    e = assert_401(n.request("GET", STATUS, headers={"Authorization": basic}), "Basic on /api/",
                   invalid_token=False)
    check("Bearer" in e["message"], "message names the scheme: %r" % e)
    malformed = ["Bearer", "Bearer ", "Bearer chr_", "Bearer " + n.api_key + "x",
                 "Bearer " + n.api_key[:-1], "Bearer " + n.api_key.upper(),
                 "Bearer chr_%s_%s" % (cid.upper(), secret), "Bearer chrt_abc",
                 "Bearer " + n.api_key + " extra", "Bearer a\"b"]
    for h in malformed:
        e = assert_401(n.request("GET", STATUS, headers={"Authorization": h}), "malformed %r" % h)
    unknown = "chr_%s_%s" % ("0123456789abcdef", secret)
    e = assert_401(n.request("GET", STATUS, headers=bearer(unknown)), "unknown key id")
    check("unknown" in e["message"], "message: %r" % e)
    # The right id with another secret is told the same as an unknown key.
    other = secret[:10] + ("A" if secret[10] != "A" else "B") + secret[11:]
    e2 = assert_401(n.request("GET", STATUS, headers=bearer("chr_%s_%s" % (cid, other))),
                    "wrong secret")
    eq(e2["message"], e["message"], "wrong secret and unknown id get one message")
    # Two Authorization headers are refused, whatever the first one holds.
    conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=10)
    try:
        conn.putrequest("GET", STATUS)
        conn.putheader("Authorization", "Bearer " + n.api_key)
        conn.putheader("Authorization", "Bearer " + n.api_key)
        conn.endheaders()
        resp = conn.getresponse()
        eq(resp.status, 401, "two Authorization headers")
        resp.read()
    finally:
        conn.close()


def test_key_in_query_string_is_ignored(t):
    n = start_node(t)
    for q in ("access_token", "api_key", "key", "token"):
        path = "%s?%s=%s" % (STATUS, q, urllib.parse.quote(n.api_key))
        assert_401(n.request("GET", path, auth=False), "key in ?%s=" % q, invalid_token=False)
    # Nor in a form body (RFC 6750 section 2.2).
    r = n.request("POST", "/api/v1/txs", "access_token=" + n.api_key, auth=False,
                  content_type="application/x-www-form-urlencoded")
    assert_401(r, "key in the body", invalid_token=False)


def test_revoke_while_running_takes_effect_at_once(t):
    n = start_node(t)
    key = n.create_api_key(tier="standard", scopes="read", label="to revoke")
    eq(n.request("GET", STATUS, headers=bearer(key)).status, 200, "new key, node running")
    tok = get_token(n, key).json["access_token"]
    eq(n.request("GET", STATUS, headers=bearer(tok)).status, 200, "its token")
    revoke(n, key)
    e = assert_401(n.request("GET", STATUS, headers=bearer(key)), "revoked key")
    check("revoked" in e["message"], "message: %r" % e)
    e = assert_401(n.request("GET", STATUS, headers=bearer(tok)), "token of a revoked key")
    check("revoked" in e["message"], "message: %r" % e)
    cid, secret = key_parts(key)
    r = token_request(n, {"grant_type": "client_credentials"}, basic=(cid, secret))
    assert_oauth_error(r, 401, "invalid_client", "token for a revoked key")
    # Other keys are untouched; the list shows the revoked one, never a secret.
    eq(n.request("GET", STATUS).status, 200, "the node's own key")
    out = run_ok([binary("chroomd"), "apikey", "list", "--config", n.conf_path, "--json"])
    keys = {k["id"]: k for k in json.loads(out)}
    eq((keys[cid]["revoked"], keys[cid]["tier"], keys[cid]["scopes"], keys[cid]["label"]),
       (True, "standard", ["read"], "to revoke"), "list entry of the revoked key")
    check(secret not in out and n.api_key[21:] not in out, "list shows no secret")
    eq(keys[key_parts(n.api_key)[0]]["revoked"], False, "the node's key is not revoked")
    rc, _out, err = run([binary("chroomd"), "apikey", "revoke", "--config", n.conf_path,
                         "ffffffffffffffff"])
    eq(rc, 1, "revoking an unknown id (%r)" % err)


def test_expired_token(t):
    n = start_node(t, conf={"api": {"token_ttl_s": 1}})
    r = get_token(n, n.api_key)
    eq(r.json["expires_in"], 1, "expires_in is token_ttl_s")
    tok = r.json["access_token"]
    eq(n.request("GET", STATUS, headers=bearer(tok)).status, 200, "fresh token")
    time.sleep(2.2)
    e = assert_401(n.request("GET", STATUS, headers=bearer(tok)), "expired token")
    check("expired" in e["message"], "message: %r" % e)
    # A token altered in any byte is refused (its MAC fails), and never as expired.
    body = tok[5:]
    flipped = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    assert_401(n.request("GET", STATUS, headers=bearer("chrt_" + flipped)), "altered token")


def test_scopes(t):
    n = start_node(t)
    read_tok = get_token(n, n.api_key, scope="read").json
    eq(read_tok["scope"], "read", "granted scope")
    tok = read_tok["access_token"]
    eq(n.request("GET", STATUS, headers=bearer(tok)).status, 200, "read token reads")
    r = n.request("POST", "/api/v1/txs", {"tx": "00"}, headers=bearer(tok))
    e = assert_error(r, 403, "insufficient_scope", "read token submits")
    check("submit" in e["message"], "message names the scope: %r" % e)
    www = r.headers.get("www-authenticate", "")
    check('error="insufficient_scope"' in www and 'scope="submit"' in www, "WWW-Authenticate %r" % www)
    check("x-ratelimit-remaining" in r.headers, "a 403 is an authenticated answer: rate headers")
    # A key's own scopes bound it the same way.
    reader = n.create_api_key(tier="standard", scopes="read")
    assert_error(n.request("POST", "/api/v1/txs", {"tx": "00"}, headers=bearer(reader)), 403,
                 "insufficient_scope", "read-only key submits")
    submitter = n.create_api_key(tier="standard", scopes="submit")
    assert_error(n.request("GET", STATUS, headers=bearer(submitter)), 403, "insufficient_scope",
                 "submit-only key reads")
    # A submit token on a submit route gets past access (a 400 for the bad transaction).
    sub_tok = get_token(n, n.api_key, scope="submit read").json
    eq(sub_tok["scope"], "read submit", "scope names in canonical order")
    r = n.request("POST", "/api/v1/txs", {"tx": "00"}, headers=bearer(sub_tok["access_token"]))
    check(r.status not in (401, 403), "submit token past access: %r" % r)


def test_oauth_happy_paths(t):
    n = start_node(t)
    for basic in (True, False):
        r = get_token(n, n.api_key, basic=basic)
        j = r.json
        eq(sorted(j), ["access_token", "expires_in", "scope", "token_type"], "token answer keys")
        eq((j["token_type"], j["expires_in"], j["scope"]), ("Bearer", 3600, "read submit admin meetings"),
           "token answer")
        check(j["access_token"].startswith("chrt_"), "token form %r" % j["access_token"])
        eq(r.headers.get("cache-control"), "no-store", "Cache-Control (RFC 6749 section 5.1)")
        eq(r.headers.get("pragma"), "no-cache", "Pragma")
        got = n.request("GET", STATUS, headers=bearer(j["access_token"]))
        eq(got.status, 200, "the token reads")
        check("x-ratelimit-limit" in got.headers, "rate headers on a token's answer")
    # The charset parameter and unknown parameters are fine (RFC 6749 section 3.2).
    cid, secret = key_parts(n.api_key)
    r = token_request(n, "grant_type=client_credentials&client_id=%s&client_secret=%s&foo=bar"
                      % (cid, secret), content_type="application/x-www-form-urlencoded; charset=UTF-8")
    eq(r.status, 200, "with a charset and an unknown parameter: %r" % r)


def test_oauth_errors(t):
    n = start_node(t, conf={"api": {"rate_limit_unauthenticated_per_min": 1000}})
    cid, secret = key_parts(n.api_key)
    cc = {"grant_type": "client_credentials"}
    creds = dict(cc, client_id=cid, client_secret=secret)
    # A body that is not a form is malformed as RFC 6749 sections 3.2 and 5.2 have it: a 400
    # invalid_request in the RFC's shape (never the API's 415), whatever else it carries.
    r = token_request(n, json.dumps(creds), content_type="application/json")
    assert_oauth_error(r, 400, "invalid_request", "JSON body")
    form = urllib.parse.urlencode(creds)
    for ct in ("text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencodedx",
               "application/json; x=application/x-www-form-urlencoded", None):
        r = token_request(n, form, content_type=ct)
        e = assert_oauth_error(r, 400, "invalid_request", "Content-Type %r" % ct)
        check("Content-Type" in e["error_description"], "the description names it: %r" % e)
    eq(token_request(n, form, content_type="Application/X-WWW-Form-Urlencoded").status, 200,
       "the media type is case-insensitive")
    assert_oauth_error(token_request(n, {"client_id": cid, "client_secret": secret}), 400,
                       "invalid_request", "no grant_type")
    assert_oauth_error(token_request(n, dict(creds, grant_type="password")), 400,
                       "unsupported_grant_type", "grant_type=password")
    r = token_request(n, urllib.parse.urlencode(creds) + "&grant_type=client_credentials")
    assert_oauth_error(r, 400, "invalid_request", "grant_type twice")
    assert_oauth_error(token_request(n, urllib.parse.urlencode(creds) + "&scope=%zz"), 400,
                       "invalid_request", "broken percent-encoding")
    assert_oauth_error(token_request(n, cc), 401, "invalid_client", "no client credentials")
    wrong = ("A" if secret[0] != "A" else "B") + secret[1:]
    assert_oauth_error(token_request(n, cc, basic=(cid, wrong)), 401,
                       "invalid_client", "wrong secret by Basic")
    assert_oauth_error(token_request(n, dict(creds, client_secret=wrong)), 401,
                       "invalid_client", "wrong secret in the form")
    assert_oauth_error(token_request(n, dict(cc, client_id=cid)), 401, "invalid_client",
                       "client_id without client_secret")
    assert_oauth_error(token_request(n, creds, basic=(cid, secret)), 400, "invalid_request",
                       "Basic and form credentials together")
    assert_oauth_error(token_request(n, cc, headers=bearer(n.api_key)), 401, "invalid_client",
                       "Bearer on the token endpoint")
    assert_oauth_error(token_request(n, dict(creds, scope="read bogus")), 400, "invalid_scope",
                       "unknown scope")
    assert_oauth_error(token_request(n, dict(creds, scope="read read")), 400, "invalid_scope",
                       "a scope twice")
    reader = n.create_api_key(tier="standard", scopes="read")
    rc, rs = key_parts(reader)
    assert_oauth_error(token_request(n, dict(cc, scope="submit"), basic=(rc, rs)), 400,
                       "invalid_scope", "scope beyond the key's")
    assert_error(n.request("GET", "/oauth/token", auth=False), 405, "method_not_allowed",
                 "GET /oauth/token")


def test_rate_limit_exact_at_the_boundary(t):
    limit = 12  # one request back every 5 s
    n = start_node(t, conf={"api": {"rate_limit_premium_per_min": limit,
                                    "rate_limit_standard_per_min": 3}})
    key = n.create_api_key(tier="premium", scopes="read")  # a fresh bucket
    tok = get_token(n, key).json["access_token"]
    for i in range(1, limit + 1):
        r = n.request("GET", STATUS, headers=bearer(key if i % 2 else tok))
        eq(r.status, 200, "request %d of %d" % (i, limit))
        eq(r.headers.get("x-ratelimit-limit"), str(limit), "X-RateLimit-Limit")
        eq(r.headers.get("x-ratelimit-remaining"), str(limit - i), "X-RateLimit-Remaining #%d" % i)
        reset = int(r.headers["x-ratelimit-reset"])
        check(1 <= reset <= 60, "X-RateLimit-Reset %d" % reset)
    for who in (key, tok):  # a token counts as its key
        r = n.request("GET", STATUS, headers=bearer(who))
        assert_error(r, 429, "rate_limited", "request %d" % (limit + 1))
        eq(r.headers.get("x-ratelimit-remaining"), "0", "Remaining on the 429")
        retry = int(r.headers.get("retry-after", "0"))
        check(1 <= retry <= 60 // limit, "Retry-After %d" % retry)
    # Another key has its own bucket, and the tier's limit.
    other = n.create_api_key(tier="standard", scopes="read")
    r = n.request("GET", STATUS, headers=bearer(other))
    eq((r.status, r.headers.get("x-ratelimit-limit"), r.headers.get("x-ratelimit-remaining")),
       (200, "3", "2"), "a standard key")
    # Retry-After is honest: after it, one request is accepted (and only one).
    time.sleep(retry)
    eq(n.request("GET", STATUS, headers=bearer(key)).status, 200, "after Retry-After")
    eq(n.request("GET", STATUS, headers=bearer(key)).status, 429, "only one came back")


def test_rate_limit_survives_a_restart(t):
    # A key's spent minute is kept across a clean restart (saved at shutdown) and across a
    # kill -9 (saved every 10 s), so a restart gives no key a fresh minute. At 2 a minute a
    # request comes back every 30 s, well after these restarts.
    n = start_node(t, conf={"api": {"rate_limit_standard_per_min": 2}})
    key = n.create_api_key(tier="standard", scopes="read")
    idle = n.create_api_key(tier="standard", scopes="read")
    for i in range(2):
        eq(n.request("GET", STATUS, headers=bearer(key)).status, 200, "request %d of 2" % (i + 1))
    assert_error(n.request("GET", STATUS, headers=bearer(key)), 429, "rate_limited", "the third")
    n.restart()
    r = n.request("GET", STATUS, headers=bearer(key))
    assert_error(r, 429, "rate_limited", "after a clean restart")
    eq(r.headers.get("x-ratelimit-remaining"), "0", "Remaining after the restart")
    retry = int(r.headers.get("retry-after", "0"))
    check(1 <= retry <= 30, "Retry-After %d after the restart" % retry)
    r = n.request("GET", STATUS, headers=bearer(idle))
    eq((r.status, r.headers.get("x-ratelimit-remaining")), (200, "1"), "a key that spent nothing")
    # The periodic save: spend the other key's minute, let a save pass, kill -9.
    eq(n.request("GET", STATUS, headers=bearer(idle)).status, 200, "the idle key's second")
    time.sleep(11)
    n.kill()
    n.start()
    assert_error(n.request("GET", STATUS, headers=bearer(idle)), 429, "rate_limited",
                 "after kill -9, saved by the periodic save")
    check("key bucket(s) restored" in n.log_text(), "the log says what was restored")


test_rate_limit_survives_a_restart.timeout = 90


def test_unauthenticated_attempts_limited_per_address(t):
    n = start_node(t, conf={"api": {"rate_limit_unauthenticated_per_min": 5}})
    # Good credentials spend nothing from the address's allowance.
    for _ in range(8):
        eq(n.request("GET", STATUS).status, 200, "authenticated request")
    bad = bearer("chr_0123456789abcdef_" + "A" * 43)
    for i in range(5):
        assert_401(n.request("GET", STATUS, headers=bad if i % 2 else None, auth=bool(i % 2)),
                   "bad attempt %d" % (i + 1), invalid_token=bool(i % 2))
    r = n.request("GET", STATUS, headers=bad)
    assert_error(r, 429, "rate_limited", "6th unauthenticated attempt")
    retry = int(r.headers.get("retry-after", "0"))
    check(1 <= retry <= 12, "Retry-After %d (one attempt back every 12 s)" % retry)
    # Past the limit failed attempts get 429, but a good key from the same address still
    # works (clients behind one NAT are not locked out by a guesser); /health answers,
    # and /oauth/token shares the allowance.
    eq(n.request("GET", STATUS).status, 200, "good key past the limit")
    assert_error(n.request("GET", STATUS, headers={"Authorization": "Bearer chr_0000000000000000_" + "A" * 43}, auth=False),
                 429, "rate_limited", "a wrong key past the limit")
    eq(n.request("GET", "/health", auth=False).status, 200, "/health")
    cid, secret = key_parts(n.api_key)
    r = token_request(n, {"grant_type": "client_credentials"}, basic=(cid, secret))
    assert_oauth_error(r, 429, "rate_limited", "/oauth/token past the limit")
    check(int(r.headers.get("retry-after", "0")) >= 1, "Retry-After on /oauth/token")


def test_large_body_without_a_key_is_refused_unread(t):
    # A body over 64 KiB is read only after its credential
    # is checked: without one the node answers 401 at once, before the client sends the
    # body, so nobody without a key can make the node buffer megabytes.
    import socket
    n = start_node(t)
    head = (b"POST /api/v1/txs/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 3000000\r\nConnection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", n.port), timeout=5) as s:
        s.sendall(head)  # headers only: the answer must come without the body
        s.settimeout(5)
        out = s.recv(4096)
    check(out.startswith(b"HTTP/1.1 401 "), "answer before the body: %r" % out[:60])
    check(b"WWW-Authenticate: Bearer" in out, "WWW-Authenticate: %r" % out[:300])
    # With a key, a large body is read and judged as usual (here: not valid JSON).
    big = '{"txs": ["' + "ab" * 40000 + '"]}'
    r = n.request("POST", "/api/v1/txs/batch", big)
    check(r.status == 400, "a 80 KB batch with a key: %r" % r)
    eq(n.request("GET", "/health", auth=False).status, 200, "health")


def raw_request(n, head, body=b""):
    """Sends one request (`head` holds its header lines, exact bytes) with Connection: close
    and returns (status, body as JSON or None)."""
    s = socket.create_connection(("127.0.0.1", n.port), timeout=5)
    try:
        s.sendall(head + b"Connection: close\r\n\r\n" + body)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    finally:
        s.close()
    head_end = out.find(b"\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 ") and head_end > 0, "not an HTTP answer: %r" % out[:200])
    body = out[head_end + 4:]
    return int(out[9:12]), json.loads(body) if body.startswith(b"{") else None


def test_authorization_header_rule(t):
    # The one rule of docs/API.md "Access", over the exact bytes: OWS around the value is
    # stripped, 1*SP after the scheme (any case), a tab there or a control character
    # anywhere is refused, a NUL or whitespace before the colon is a 400 (RFC 9112 section
    # 5.1).
    n = start_node(t)
    key = n.api_key.encode()
    get = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n"
    cases = [
        (b"Authorization: Bearer  " + key, 200, None),
        (b"Authorization: Bearer " + key + b" ", 200, None),
        (b"Authorization: Bearer " + key + b" \t", 200, None),
        (b"Authorization:  \tBearer " + key, 200, None),
        (b"Authorization: bearer " + key, 200, None),
        (b"Authorization: BEARER " + key, 200, None),
        (b"Authorization: Bearer\t" + key, 401, "unauthorized"),
        (b"Authorization: Bearer \t" + key, 401, "unauthorized"),
        (b"Authorization: Bearer " + key[:10] + b"\x01" + key[10:], 401, "unauthorized"),
        (b"Authorization: Bearer " + key + b"\x7f", 401, "unauthorized"),
        # libmicrohttpd refuses a NUL in a field, and whitespace before the colon, with its
        # own 400 (docs/API.md, "Answers from libmicrohttpd"): neither is ever read as a
        # credential, nor as a missing one.
        (b"Authorization: Bearer chr_\x00" + key, 400, None),
        (b"Authorization: Bearer x\x00" + key, 400, None),
        (b"Authorization : Bearer " + key, 400, None),
        (b"Authorization\t: Bearer " + key, 400, None),
    ]
    for line, status, code in cases:
        got, body = raw_request(n, get + line + b"\r\n")
        eq(got, status, "%r" % line)
        if code is not None:
            eq(body and body.get("error", {}).get("code"), code, "%r: %r" % (line, body))
    # POST /oauth/token's Basic credentials follow the same rule.
    cid, secret = key_parts(n.api_key)
    basic = base64.b64encode(("%s:%s" % (cid, secret)).encode())
    form = b"grant_type=client_credentials"
    post = (b"POST /oauth/token HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n" % len(form))
    for value, status in [(b"Basic  " + basic + b" ", 200), (b"basic " + basic, 200),
                          (b"Basic\t" + basic, 401), (b"Basic " + basic + b"\x01", 401)]:
        got, _ = raw_request(n, post + b"Authorization: " + value + b"\r\n", form)
        eq(got, status, "POST /oauth/token with Authorization: %r" % value)
