"""Checks every HTTP answer the functional tests receive against openapi.yaml.

node.Node.request calls observe() with each answer. The answer's operation is found by
method and path template as the server's dispatch finds its route (a literal path before a
templated one); then its status must be documented for that operation, its Content-Type must
be one the spec documents for that status, a JSON body must validate against the schema
(JSON Schema draft 2020-12, as OpenAPI 3.1 uses, with Debian's python3-jsonschema), and the
headers the spec marks required must be there and match their schemas. A HEAD request is
held to the `get` operation of its path, as the root's `x-chroom-head` says (without a body).
A request that matches no operation is held to the root's `x-chroom-unrouted` responses, and
a 405 also to an Allow header that names exactly the spec's methods for the path (with
HEAD wherever there is GET).

What does not conform is recorded in `failures`; run.py clears the list before each test
and fails the test that left something in it. CHROOM_OPENAPI_CHECK=0 in the environment, or
ENABLED = False, turns the check off.
"""

import json
import os
import re
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "..", "..", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

ENABLED = os.environ.get("CHROOM_OPENAPI_CHECK", "1") != "0"
FAILURES_MAX = 20  # kept per test; past this only the count grows

failures = []
failures_total = 0
checked = 0  # answers checked in this run
seen = set()  # (METHOD, template or None, status) of every answer checked in this run
_lock = threading.Lock()  # tests send requests from several threads
_validate_lock = threading.Lock()  # jsonschema's RefResolver keeps a scope stack: one at a time
_spec = None


class Spec:
    """openapi.yaml parsed once, with its path templates compiled to regular expressions."""

    def __init__(self, path=SPEC_PATH):
        import yaml
        from jsonschema import Draft202012Validator, RefResolver

        with open(path, "rb") as f:
            self.raw = f.read()
        self.doc = yaml.safe_load(self.raw)
        self._validator_cls = Draft202012Validator
        self._resolver = RefResolver(base_uri="", referrer=self.doc)
        self._validators = {}
        self.paths = []  # (is templated, template, regex, path item), literal ones first
        for template, item in self.doc.get("paths", {}).items():
            parts = []
            for seg in template.split("/"):
                if seg.startswith("{") and seg.endswith("}"):
                    parts.append("[^/]+")
                else:
                    parts.append(re.escape(seg))
            self.paths.append(("{" in template, template, re.compile("^" + "/".join(parts) + "$"),
                               item))
        self.paths.sort(key=lambda p: p[0])

    def resolve(self, obj):
        """Follows $ref (in responses, headers, parameters) to the object it names."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("only local $ref are supported: %r" % ref)
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
            seen += 1
            if seen > 32:
                raise ValueError("$ref loop at %r" % ref)
        return obj

    def find_path(self, path):
        """The (template, path item) whose template matches path, or (None, None)."""
        for _templated, template, rx, item in self.paths:
            if rx.match(path):
                return template, item
        return None, None

    def operations(self):
        """Every (METHOD, template, operation) the spec writes out."""
        out = []
        for _t, template, _rx, item in self.paths:
            for m in METHODS:
                if m in item:
                    out.append((m.upper(), template, item[m]))
        return out

    def implied(self):
        """{method: method whose operation it shares}, from the root's `x-chroom-head`."""
        h = self.doc.get("x-chroom-head") or {}
        return {m: h["of"] for m in h.get("methods", [])} if h.get("of") else {}

    def operation(self, item, method):
        """The operation of a path item that answers method, written out or implied."""
        m = method.lower()
        if m in item:
            return item[m]
        of = self.implied().get(m)
        return item.get(of) if of else None

    def all_operations(self):
        """operations(), and the ones `x-chroom-head` implies (sharing their operation)."""
        out = self.operations()
        for _t, template, _rx, item in self.paths:
            for m, of in self.implied().items():
                if m not in item and of in item:
                    out.append((m.upper(), template, item[of]))
        return out

    def methods(self, item):
        """The methods a path item answers, upper case, with the implied ones."""
        ms = {m for m in METHODS if m in item}
        ms |= {m for m, of in self.implied().items() if of in item}
        return sorted(m.upper() for m in ms)

    def errors(self, schema, value):
        """Schema violations of value, each as 'at $.a.b[2]: message'."""
        key = id(schema)
        with _validate_lock:
            v = self._validators.get(key)
            if v is None:
                v = self._validator_cls(schema, resolver=self._resolver)
                self._validators[key] = (v, schema)  # schema kept alive: its id stays unique
            else:
                v = v[0]
        out = []
        with _validate_lock:
            found = sorted(v.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        for e in [leaf for top in found for leaf in _closest(top)]:
            where = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p
                                  for p in e.absolute_path)
            out.append("at %s: %s" % (where, _short(e.message)))
        return out


def _closest(e):
    """The errors to show for e: itself, or for a oneOf or anyOf that no alternative
    matched, the errors of the alternative that came closest (the fewest errors), so that
    the message names the field at fault rather than the whole object."""
    if not e.context:
        return [e]
    branches = {}
    for c in e.context:
        branches.setdefault(c.relative_schema_path[0], []).append(c)
    return [leaf for c in min(branches.values(), key=len) for leaf in _closest(c)]


def _short(s, n=200):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[:n] + "..."


def spec():
    global _spec
    if _spec is None:
        _spec = Spec()
    return _spec


def reset():
    global failures_total
    with _lock:
        del failures[:]
        failures_total = 0


def _record(msg):
    global failures_total
    with _lock:
        failures_total += 1
        if len(failures) < FAILURES_MAX:
            failures.append(msg)


def summary():
    """One line naming the first failure, for the FAIL line of run.py; None when none."""
    with _lock:
        if not failures_total:
            return None
        n, first = failures_total, failures[0]
    return "%d answer(s) not as openapi.yaml says: %s%s" % (
        n, first, " (and %d more)" % (n - 1) if n > 1 else "")


def report(name, out):
    """Writes every recorded failure of test `name` to out."""
    with _lock:
        if failures_total:
            out.write("---- %s: %d answer(s) not as openapi.yaml says:\n  %s\n" % (
                name, failures_total, "\n  ".join(failures)))


def coverage():
    """One line: how many answers were checked, and the operations no answer exercised."""
    if not ENABLED or _spec is None:
        return None
    with _lock:
        ops = {(m, t) for m, t, s in seen if t is not None}
        statuses = len({x for x in seen if x[1] is not None})
        n = checked
        pairs = {(m, t, str(st)) for m, t, st in seen if t is not None}
    missed = ["%s %s" % k for k in sorted((m, t) for m, t, _ in _spec.operations())
              if k not in ops]
    unseen = ["%s %s %s" % (m, t, st) for m, t, op in _spec.operations()
              for st in op.get("responses", {}) if (m, t, str(st)) not in pairs]
    return ("openapi: %d answers checked, %d (operation, status) pairs; no answer from: %s\n"
            "# openapi: documented statuses no test saw (%d): %s" % (
                n, statuses, ", ".join(missed) or "none", len(unseen), ", ".join(unseen)))


def _media_type(headers, content):
    """The key of `content` that the answer's Content-Type names: the whole value (with its
    parameters, as in "text/plain; version=0.0.4") if the spec has it, else its type."""
    ct = headers.get("content-type", "")
    full = ";".join(p.strip() for p in ct.lower().split(";"))
    for key in content:
        if ";".join(p.strip() for p in key.lower().split(";")) == full:
            return key
    return ct.split(";")[0].strip().lower()


def _check_headers(s, resp, headers):
    out = []
    for name, h in (resp.get("headers") or {}).items():
        h = s.resolve(h)
        value = headers.get(name.lower())
        if value is None:
            if h.get("required"):
                out.append("header %s missing" % name)
            continue
        schema = h.get("schema", {})
        typ = s.resolve(schema).get("type")
        v = value
        if typ == "integer":
            if not re.match(r"^-?[0-9]+$", value):
                out.append("header %s: %r is not an integer" % (name, value))
                continue
            v = int(value)
        out += ["header %s: %s" % (name, e) for e in s.errors(schema, v)]
    return out


def check_response(method, path, status, headers, raw):
    """Everything in this answer that the spec does not say; [] when it conforms.
    headers: lower-cased names. path may carry a query, which is ignored."""
    s = spec()
    route = urllib.parse.urlsplit(path).path
    template, item = s.find_path(route)
    op = s.operation(item, method) if item is not None else None
    if op is not None:
        where = op.get("responses", {})
        what = "%s %s" % (method, template)
    else:
        where = s.doc.get("x-chroom-unrouted", {}).get("responses", {})
        what = "%s %s (no operation)" % (method, template or route[:60])
        if status == 405 and item is not None:
            allow = sorted(m.strip() for m in headers.get("allow", "").split(",") if m.strip())
            want = s.methods(item)
            if allow != want:
                return ["%s: Allow %r, but the spec has %r for the path" % (what, allow, want)]
    resp = where.get(str(status))
    if resp is None:
        return ["%s: status %d is not documented (documented: %s)" % (
            what, status, ", ".join(sorted(where)) or "none")]
    resp = s.resolve(resp)
    errs = ["%s %d: %s" % (what, status, e) for e in _check_headers(s, resp, headers)]
    content = resp.get("content")
    if method == "HEAD":
        return errs  # an answer to HEAD has no body (RFC 9110 section 9.3.2)
    if not content:
        if raw:
            errs.append("%s %d: the spec documents no body, got %r" % (what, status, raw[:60]))
        return errs
    mt = _media_type(headers, content)
    if mt == "" and raw.lstrip().lower().startswith(b"<html>"):
        mt = "text/html"  # libmicrohttpd's own 414 and 431 come without a Content-Type
    media = content.get(mt)
    if media is None:
        return errs + ["%s %d: Content-Type %r not documented (documented: %s)" % (
            what, status, mt, ", ".join(sorted(content)))]
    schema = media.get("schema")
    if schema is None:
        return errs
    if mt == "application/json":
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return errs + ["%s %d: body is not JSON: %r" % (what, status, raw[:60])]
    else:
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return errs + ["%s %d: body is not UTF-8 text" % (what, status)]
    errs += ["%s %d: %s" % (what, status, e) for e in s.errors(schema, body)]
    return errs


def check_event(path, event, data_text):
    """Everything in one Server-Sent Event that the spec's `x-chroom-events` (on the 200
    text/event-stream answer of GET path) does not say; [] when it conforms."""
    s = spec()
    template, item = s.find_path(urllib.parse.urlsplit(path).path)
    resp = s.resolve(item["get"]["responses"]["200"])
    events = resp["content"]["text/event-stream"].get("x-chroom-events", {})
    if event not in events:
        return ["event %r is not in x-chroom-events (%s)" % (event, ", ".join(sorted(events)))]
    try:
        data = json.loads(data_text)
    except ValueError:
        return ["event %s: data is not JSON: %r" % (event, data_text[:60])]
    return ["event %s: %s" % (event, e) for e in s.errors(events[event], data)]


def observe(method, path, status, headers, raw):
    """The hook node.Node.request calls with every answer it receives."""
    global checked
    if not ENABLED:
        return
    try:
        errs = check_response(method, path, status, headers, raw)
        template, item = spec().find_path(urllib.parse.urlsplit(path).path)
        with _lock:
            checked += 1
            seen.add((method, template if item is not None and spec().operation(item, method)
                      is not None else None, status))
    except Exception as e:  # noqa: B902 - a broken spec must fail the test, not hide
        errs = ["%s %s: checking against openapi.yaml failed: %r" % (method, path[:60], e)]
    for e in errs:
        _record(e)
