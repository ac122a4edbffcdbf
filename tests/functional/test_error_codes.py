"""The REST API's error codes live in one list, common/err.h's CHR_ERR_LIST, and rpc/ names
them only through it. docs/API.md's "Error codes" table and openapi.yaml list exactly the
codes the node can answer: every one rpc/ answers with, the rpc range's, and the admission
and failure codes of transactions (openapi.yaml's TxErrorCode), each a code of the list.
No node is started: this reads the sources."""

import os
import re

import openapi_check
from node import check, eq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def err_list():
    """{enum name: (value, code)} of CHR_ERR_LIST."""
    rows = re.findall(r'X\((CHR_\w+), (\d+), "([a-z0-9_]+)", "[^"]*"\)', read("common", "err.h"))
    check(len(rows) > 60, "CHR_ERR_LIST parsed: %d rows" % len(rows))
    return {name: (int(value), code) for name, value, code in rows}


def rpc_answers(errs):
    """The codes rpc/ puts in an answer: the error argument of each rpc_reply_error,
    oauth_error and refuse call, and each chr_err a handler chooses for one."""
    names = set()
    call = re.compile(r"\b(rpc_reply_error|oauth_error)\(([^;]*?)\);", re.S)
    for fname in sorted(os.listdir(os.path.join(ROOT, "rpc"))):
        if not fname.endswith(".c"):
            continue
        text = read("rpc", fname)
        for _, args in call.findall(text):
            parts = args.split(",")
            check(len(parts) >= 3, "%s: a call with its arguments: %r" % (fname, args))
            names.update(re.findall(r"\bCHR_ERR_\w+", parts[2]))
        names.update(re.findall(r"\brefuse\(err, (CHR_ERR_\w+)", text))
        names.update(re.findall(r"\*?\bcode = (CHR_ERR_\w+);", text))
    # rpc_reply_error(..., res->err / err, ...) answers an admission or quote check's code:
    # those are TxErrorCode's in openapi.yaml, added by the caller.
    for n in names:
        check(n in errs, "rpc/ answers with %s, which is not in CHR_ERR_LIST" % n)
    return {errs[n][1] for n in names}


def spec_codes(doc):
    """Every code openapi.yaml says an answer may carry."""
    codes = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            c = node.get("code")
            if isinstance(c, dict):
                codes.update([c["const"]] if "const" in c else c.get("enum", []))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    schemas = doc["components"]["schemas"]
    codes.update(schemas["TxErrorCode"]["enum"])
    codes.update(schemas["OAuthError"]["properties"]["error"]["enum"])
    return codes


def doc_codes():
    """The codes of docs/API.md's "Error codes" table (its first column, one or more)."""
    text = read("docs", "API.md")
    check("### Error codes" in text, "docs/API.md has an Error codes section")
    section = text.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    codes = set()
    for cell in re.findall(r"^\| (`[a-z0-9_]+`(?:, `[a-z0-9_]+`)*) \|", section, re.M):
        codes.update(re.findall(r"`([a-z0-9_]+)`", cell))
    return codes


def test_docs_and_spec_list_exactly_the_codes_the_api_answers(t):
    errs = err_list()
    all_codes = {code for _, code in errs.values()}
    eq(len(all_codes), len(errs), "every code of CHR_ERR_LIST is distinct")
    doc = openapi_check.spec().doc
    tx_codes = set(doc["components"]["schemas"]["TxErrorCode"]["enum"])
    check(tx_codes <= all_codes, "TxErrorCode outside CHR_ERR_LIST: %r" % (tx_codes - all_codes))
    rpc_range = {code for value, code in errs.values() if 300 <= value <= 399}
    api = rpc_answers(errs) | rpc_range | tx_codes
    spec = spec_codes(doc)
    eq(sorted(spec - api), [], "codes openapi.yaml lists that the node never answers")
    eq(sorted(api - spec), [], "codes the node answers that openapi.yaml does not list")
    docs = doc_codes()
    eq(sorted(docs - api), [], "codes docs/API.md lists that the node never answers")
    eq(sorted(api - docs), [], "codes the node answers that docs/API.md does not list")
