"""openapi.yaml stays true: its operations are exactly the routes chroomd answers, each with
the route's scope; the spec itself is well formed; the checker that validates every answer
of every functional test (openapi_check.py, called from node.Node.request) catches drift;
GET /api/v1/openapi.yaml, when the node has that route, serves the file byte for byte; the
event stream's events are as the spec says; and every operation answers the statuses that
come before its handler (413, 414, 431, 401, 403, 429) as documented."""

import http.client
import json
import re
import sys
import time

import openapi_check
from node import binary, check, eq, fail, run_ok, start_node, tx_hash

SCOPES = ("none", "read", "submit", "admin", "meetings")


def route_table():
    """{(METHOD, path template): scope} as `chroomd routes` prints it."""
    routes = {}
    for line in run_ok([binary("chroomd"), "routes"]).splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[2] not in SCOPES:
            fail("chroomd routes: a line not of the form METHOD PATH SCOPE: %r" % line)
        key = (parts[0], parts[1])
        check(key not in routes, "chroomd routes prints %s %s twice" % key)
        routes[key] = parts[2]
    check(routes, "chroomd routes printed no route")
    return routes


def spec_scope(doc, op):
    """The scope an operation's `security` asks for: "none" for `security: []`, else the one
    scope that every alternative (each security scheme) lists; an error string otherwise."""
    if "security" not in op:
        return "error: no security of its own (every operation states it)"
    sec = op["security"]
    if sec == []:
        return "none"
    schemes = set(doc["components"]["securitySchemes"])
    offered = set()
    scopes = set()
    for req in sec:
        if len(req) != 1:
            return "error: a requirement that combines schemes: %r" % req
        (name, listed), = req.items()
        if name not in schemes:
            return "error: unknown security scheme %r" % name
        offered.add(name)
        if len(listed) != 1:
            return "error: %s lists %r, not one scope" % (name, listed)
        scopes.add(listed[0])
    if offered != schemes:
        return "error: offers %s, not every scheme (%s)" % (sorted(offered), sorted(schemes))
    if len(scopes) != 1:
        return "error: the schemes ask for different scopes %s" % sorted(scopes)
    return scopes.pop()


def test_spec_operations_are_the_route_table(t):
    routes = route_table()
    s = openapi_check.spec()
    # HEAD routes are the spec's GET operations again (its root `x-chroom-head`).
    ops = {(m, tpl): op for m, tpl, op in s.all_operations()}
    problems = []
    for key in sorted(set(routes) - set(ops)):
        problems.append("the node answers %s %s; openapi.yaml does not have it" % key)
    for key in sorted(set(ops) - set(routes)):
        problems.append("openapi.yaml has %s %s; the node does not answer it" % key)
    for key in sorted(set(routes) & set(ops)):
        got = spec_scope(s.doc, ops[key])
        if got != routes[key]:
            problems.append("%s %s: scope %s in the route table, %s in openapi.yaml" % (
                key + (routes[key], got)))
    check(not problems, "; ".join(problems))


def walk(node, path="#"):
    """Every (json pointer, dict) in a parsed document."""
    stack = [(path, node)]
    while stack:
        p, n = stack.pop()
        if isinstance(n, dict):
            yield p, n
            for k, v in n.items():
                stack.append(("%s/%s" % (p, str(k).replace("~", "~0").replace("/", "~1")), v))
        elif isinstance(n, list):
            for i, v in enumerate(n):
                stack.append(("%s/%d" % (p, i), v))


def test_spec_is_well_formed(t):
    from jsonschema import Draft202012Validator
    s = openapi_check.spec()
    doc = s.doc
    check(str(doc.get("openapi", "")).startswith("3.1."), "openapi: %r" % doc.get("openapi"))
    check("security" not in doc, "no root security: each operation states its own")
    problems = []
    for ptr, n in walk(doc):
        ref = n.get("$ref")
        if isinstance(ref, str):
            try:
                s.resolve({"$ref": ref})
            except (KeyError, ValueError, TypeError) as e:
                problems.append("%s: $ref %s does not resolve (%r)" % (ptr, ref, e))
    for name, schema in doc["components"]["schemas"].items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:  # noqa: B902 - reported
            problems.append("schema %s: %s" % (name, str(e).splitlines()[0]))
    ids = {}
    for method, tpl, op in s.operations():
        what = "%s %s" % (method, tpl)
        opid = op.get("operationId")
        if not opid or opid in ids:
            problems.append("%s: operationId %r missing or also %s's" % (what, opid, ids.get(opid)))
        ids[opid] = what
        item = doc["paths"][tpl]
        declared = {s.resolve(p)["name"] for p in item.get("parameters", []) + op.get("parameters", [])
                    if s.resolve(p)["in"] == "path"}
        named = set(re.findall(r"\{([^}]+)\}", tpl))
        if declared != named:
            problems.append("%s: path parameters %s declared, %s in the path" % (
                what, sorted(declared), sorted(named)))
        for status, resp in op.get("responses", {}).items():
            if not re.match(r"^[1-5][0-9][0-9]$", str(status)):
                problems.append("%s: response %r is not one status (no ranges, no default)" % (
                    what, status))
            resp = s.resolve(resp)
            for mt, media in (resp.get("content") or {}).items():
                if mt == "application/json" and "schema" not in media:
                    problems.append("%s %s: a JSON answer without a schema" % (what, status))
        # What any request may get before its handler: 413 and 431 before routing; 401,
        # 403 and 429 from the access check of a route that needs a scope.
        need = {"413", "431"} | ({"401", "403", "429"} if op.get("security") else set())
        missing = need - set(str(k) for k in op.get("responses", {}))
        if missing:
            problems.append("%s: documents no %s" % (what, ", ".join(sorted(missing))))
    check(not problems, "; ".join(problems[:10]))


def test_checker_catches_drift(t):
    # The hook must not pass everything: feed it answers that break the spec in each way it
    # checks, and one that conforms.
    c = openapi_check.check_response
    ok_health = (b'{"status":"ok"}', {"content-type": "application/json"})
    eq(c("GET", "/health", 200, ok_health[1], ok_health[0]), [], "a conforming answer")
    eq(c("HEAD", "/health", 200, ok_health[1], b""), [], "a HEAD answer, held to GET's operation")
    eq(c("DELETE", "/health", 405, {"content-type": "application/json", "allow": "GET, HEAD"},
         b'{"error":{"code":"method_not_allowed","message":"x"}}'), [], "a conforming 405")
    cases = {
        "an unknown field": ("GET", "/health", 200, {"content-type": "application/json"},
                             b'{"status":"ok","extra":1}'),
        "a wrong type": ("GET", "/health", 200, {"content-type": "application/json"},
                         b'{"status":1}'),
        "a missing field": ("GET", "/health", 200, {"content-type": "application/json"}, b"{}"),
        "an undocumented status": ("GET", "/health", 418, {"content-type": "application/json"},
                                   b'{"error":{"code":"teapot","message":"x"}}'),
        "an undocumented Content-Type": ("GET", "/health", 200, {"content-type": "text/plain"},
                                         b"ok"),
        "not JSON": ("GET", "/health", 200, {"content-type": "application/json"}, b"ok"),
        "a bad error shape": ("GET", "/nope", 404, {"content-type": "application/json"},
                              b'{"error":"not_found"}'),
        "a wrong error code": ("GET", "/nope", 404, {"content-type": "application/json"},
                               b'{"error":{"code":"gone","message":"x"}}'),
        "an Allow that is not the spec's": ("DELETE", "/health", 405,
                                            {"content-type": "application/json", "allow": "GET, PUT"},
                                            b'{"error":{"code":"method_not_allowed","message":"x"}}'),
        "an Allow without HEAD": ("DELETE", "/health", 405,
                                  {"content-type": "application/json", "allow": "GET"},
                                  b'{"error":{"code":"method_not_allowed","message":"x"}}'),
        "a HEAD status GET does not document": ("HEAD", "/health", 418,
                                                {"content-type": "application/json"}, b""),
        "a HEAD where the path has no GET": ("HEAD", "/api/v1/txs", 200,
                                             {"content-type": "application/json"}, b""),
    }
    for what, args in cases.items():
        errs = c(*args)
        check(errs, "the checker let %s through" % what)
    errs = c("GET", "/api/v1/accounts/x", 200, {"content-type": "application/json"},
             json.dumps({"address": "chr1x", "balance": 5, "nonce": "1",
                         "pending_nonce": "01234567890123456789012"}).encode())
    joined = " ".join(errs)
    for field in ("$.address", "$.balance", "$.pending_nonce"):
        check(field in joined, "the checker names %s: %r" % (field, errs))
    check("$.nonce" not in joined, "a good field is not blamed: %r" % errs)
    check(openapi_check.check_event("/api/v1/events", "block", '{"height": 1}'),
          "the checker let a bad block event through")
    check(openapi_check.check_event("/api/v1/events", "gossip", "{}"),
          "the checker let an unknown event through")


def test_served_spec_is_the_file(t):
    routes = route_table()
    if ("GET", "/api/v1/openapi.yaml") not in routes:
        sys.stderr.write("test_openapi: the node has no GET /api/v1/openapi.yaml yet\n")
        return
    n = start_node(t)
    r = n.request("GET", "/api/v1/openapi.yaml")
    eq(r.status, 200, "GET /api/v1/openapi.yaml")
    raw = openapi_check.spec().raw
    if r.raw != raw:
        fail("GET /api/v1/openapi.yaml: %d bytes, not the %d of openapi.yaml" % (len(r.raw),
                                                                             len(raw)))


def read_sse(resp, want, deadline_s=10):
    """(id, event, data text) of each event read from an open stream until want(events)."""
    events, cur = [], {}
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and not want(events):
        line = resp.fp.readline()
        if not line:
            break
        line = line.decode("utf-8").rstrip("\n")
        if line == "":
            if "event" in cur:
                events.append((cur.get("id"), cur["event"], cur.get("data", "")))
            cur = {}
        elif not line.startswith(":"):
            k, _, v = line.partition(": ")
            cur[k] = v
    return events


def test_event_stream_data_is_as_the_spec_says(t):
    # The stream's answer never goes through Node.request (it does not end), so its status,
    # headers and every event's data are checked here: block and tx events, from genesis
    # and for one account.
    n = start_node(t)
    c = n.chain
    txs = c.sign(c["alice"], c["bob"], 5, 0, count=2, memo="caf\u00e9 \" \\ \u0001")
    r = n.batch(txs, wait=True)
    eq([x["status"] for x in r.json["results"]], ["committed"] * 2, "setup")
    problems = []
    for path, want in (("/api/v1/events?from_height=1", 3),
                       ("/api/v1/events?from_height=1&account=" + c["bob"].address, 2)):
        conn = http.client.HTTPConnection("127.0.0.1", n.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Authorization": "Bearer " + n.api_key})
            resp = conn.getresponse()
            openapi_check.observe("GET", path, resp.status,
                                  {k.lower(): v for k, v in resp.getheaders()}, b"")
            eq(resp.status, 200, "GET " + path)
            events = read_sse(resp, lambda ev: len(ev) >= want)
        finally:
            conn.close()
        check(len(events) >= want, "%s: %d events, wanted %d" % (path, len(events), want))
        for eid, event, data in events:
            check(re.match(r"^[1-9][0-9]*-[0-9]+$", eid or ""), "event id %r" % eid)
            problems += openapi_check.check_event(path, event, data)
        got = [json.loads(d)["hash"] for _, e, d in events if e == "tx"]
        eq(got[:2], [tx_hash(x) for x in txs], "%s: the tx events" % path)
    check(not problems, "; ".join(problems[:5]))


def test_every_operation_answers_access_and_limit_statuses_as_documented(t):
    # The answers every operation may get before its handler runs (413, 431, and for the
    # routes that need a scope 401, 403 and 429) come from code shared by all routes; the
    # other tests see them on a few. Here each operation gets each of them once, through
    # Node.request, so the checker holds every one to the spec.
    n = start_node(t, conf={"api": {"body_bytes_max": 4096, "rate_limit_standard_per_min": 1,
                                    "rate_limit_unauthenticated_per_min": 1000}})
    c = n.chain
    values = {"address": c["alice"].address, "hash": "ab" * 32, "height": "1", "kind": "validator",
              "natural_key": "ab" * 32, "id": "00000000000000ff", "meeting_id": "ab" * 12,
              "node_id": "ab" * 32, "validator": c.validator.address, "voter": c["alice"].address}
    other_scope = {"read": "submit", "submit": "read", "admin": "read,submit",
                   "meetings": "read,submit,admin"}
    routes = route_table()
    for (method, tpl), scope in sorted(routes.items()):
        path = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], tpl)
        what = "%s %s" % (method, tpl)
        r = n.request(method, path, "x" * 5000, content_type="application/json")
        eq(r.status, 413, what + " with a 5000-byte body")
        r = n.request(method, path, headers={"X-Big": "a" * 40000})
        eq(r.status, 431, what + " with a 40000-byte header")
        if "{" in tpl:
            long_path = re.sub(r"\{[^}]+\}", "a" * 600, tpl, count=1)
            eq(n.request(method, long_path).status, 414, what + " with a 600-byte parameter")
        if scope == "none":
            continue
        eq(n.request(method, path, auth=False).status, 401, what + " without credentials")
        wrong = n.create_api_key(tier="premium", scopes=other_scope[scope])
        r = n.request(method, path, headers={"Authorization": "Bearer " + wrong})
        eq(r.status, 403, what + " with a key of scope " + other_scope[scope])
        # A standard key allows one request a minute here: the first may go to the handler
        # (a harmless one: an empty body, or a stream position that does not exist), the
        # second is a 429.
        limited = {"Authorization": "Bearer " + n.create_api_key(tier="standard", scopes=scope)}
        harmless = path + ("?from_height=0" if tpl == "/api/v1/events" else "")
        n.request(method, harmless, "{}" if method == "POST" else None, headers=limited)
        r = n.request(method, harmless, "{}" if method == "POST" else None, headers=limited)
        eq(r.status, 429, what + ": the second request of a key allowed one a minute")
        check(r.headers.get("retry-after", "").isdigit(), what + ": Retry-After %r" % r.headers)


test_every_operation_answers_access_and_limit_statuses_as_documented.timeout = 120
