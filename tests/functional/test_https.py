"""HTTPS (libmicrohttpd with GnuTLS) and the rule that plain HTTP serves only loopback
unless chain.conf allows it explicitly."""

import http.client
import os
import socket
import ssl
import subprocess
import time

import openapi_check
from node import Chain, Node, check, eq, run, wallet_cmd


def make_cert(t):
    """A self-signed certificate for 127.0.0.1 made with openssl; returns (cert, key)."""
    cert, key = t.path("cert.pem"), t.path("key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"], capture_output=True, timeout=30)
    eq(r.returncode, 0, "openssl: %r" % r.stderr[-200:])
    os.chmod(key, 0o600)
    return cert, key


def start_raw(node, listen):
    """Starts chroomd with the node's config on `listen`, without waiting for health
    (Node.start speaks plain HTTP)."""
    node.conf["api"]["listen"] = listen
    return node.spawn()


def https_get(port, path, cafile, timeout=2, key=None):
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + key} if key else {})
        r = conn.getresponse()
        raw = r.read()
        openapi_check.observe("GET", path, r.status, {k.lower(): v for k, v in r.getheaders()}, raw)
        return r.status, raw
    finally:
        conn.close()


def wait_https(port, cafile, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return https_get(port, "/health", cafile)
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    return None


def test_https_serves_with_a_verified_certificate(t):
    cert, key = make_cert(t)
    chain = Chain(t, {"alice": 10**9})
    n = Node(t, chain, conf={"api": {"tls_cert_file": cert, "tls_key_file": key}})
    start_raw(n, "127.0.0.1:0")
    port = n.wait_ports()["api"]
    check("api: listening on 127.0.0.1:%d (https)" % port in n.log_text(),
          "the log names the port: %s" % n.log_tail(3))
    got = wait_https(port, cert)
    check(got is not None, "no HTTPS answer: %s" % n.log_tail(5))
    eq(got[0], 200, "GET /health over HTTPS")
    # A client that does not trust the certificate refuses the connection.
    try:
        https_get(port, "/health", None)
        check(False, "a client without the CA accepted the self-signed certificate")
    except ssl.SSLError:
        pass
    # Plain HTTP to the HTTPS port gets no HTTP answer, and the node keeps serving.
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(2)
        try:
            data = s.recv(100)
        except (socket.timeout, ConnectionResetError):
            data = b""
    check(not data.startswith(b"HTTP/1.1 200"), "plain HTTP was answered: %r" % data)
    eq(wait_https(port, cert)[0], 200, "still serving HTTPS")
    # The API over HTTPS, with a key: a 200 with it, a 401 without.
    n._write_conf()
    key = n.create_api_key()
    status, body = https_get(port, "/api/v1/status", cert, key=key)
    eq(status, 200, "status over HTTPS: %r" % body[:100])
    eq(https_get(port, "/api/v1/status", cert)[0], 401, "status over HTTPS without a key")
    # The wallet verifies the certificate: it fails without --ca-file (exit 3) and works
    # with it.
    url = "https://127.0.0.1:%d" % port
    rc, out, err = run(wallet_cmd("status", node=url, timeout_ms=3000, api_key=key))
    eq(rc, 3, "wallet without the CA (stderr %r)" % err)
    rc, out, err = run(wallet_cmd("--ca-file", cert, "status", node=url, timeout_ms=3000,
                                  api_key=key))
    eq(rc, 0, "wallet with --ca-file (stderr %r)" % err)
    check(chain.chain_id in out, "wallet status names the chain: %r" % out)


def test_plain_http_refuses_a_public_address(t):
    chain = Chain(t, {"alice": 10**9})
    n = Node(t, chain)
    p = start_raw(n, "0.0.0.0:0")
    rc = p.wait(timeout=20)
    check(rc != 0, "chroomd served plain HTTP on 0.0.0.0")
    check("not a loopback address" in n.log_text(), "the log says why: %s" % n.log_tail(3))
    # Allowed explicitly, it starts.
    n.conf["api"]["plain_http_public"] = "1"
    start_raw(n, "0.0.0.0:0")
    n.wait_ports()
    deadline = time.monotonic() + 10
    ok = False
    while time.monotonic() < deadline and not ok:
        try:
            c = http.client.HTTPConnection("127.0.0.1", n.port, timeout=1)
            c.request("GET", "/health")
            ok = c.getresponse().status == 200
            c.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    check(ok, "with plain_http_public = 1 the node serves: %s" % n.log_tail(3))


def tls_handshake(port, version):
    """The TLS version negotiated by a client offering only `version`, or None when the
    handshake fails. The client allows every cipher (SECLEVEL=0), so that a refusal is the
    server's."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = version
    ctx.maximum_version = version
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s) as tls:
                return tls.version()
    except (ssl.SSLError, OSError):
        return None


def https_node(t, conf=None):
    cert, key = make_cert(t)
    chain = Chain(t, {"alice": 10**9})
    api = {"tls_cert_file": cert, "tls_key_file": key}
    api.update(conf or {})
    n = Node(t, chain, conf={"api": api})
    start_raw(n, "127.0.0.1:0")
    port = n.wait_ports()["api"]
    check(wait_https(port, cert) is not None, "no HTTPS answer: %s" % n.log_tail(5))
    return n, port


def test_https_takes_tls_1_2_and_1_3_only(t):
    # By default TLS 1.0 and 1.1 handshakes fail (RFC 8996) and 1.2 and 1.3 succeed.
    n, port = https_node(t)
    eq(tls_handshake(port, ssl.TLSVersion.TLSv1), None, "TLS 1.0 handshake")
    eq(tls_handshake(port, ssl.TLSVersion.TLSv1_1), None, "TLS 1.1 handshake")
    eq(tls_handshake(port, ssl.TLSVersion.TLSv1_2), "TLSv1.2", "TLS 1.2 handshake")
    eq(tls_handshake(port, ssl.TLSVersion.TLSv1_3), "TLSv1.3", "TLS 1.3 handshake")
    # openssl's own client agrees for TLS 1.0.
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1",
                        "-cipher", "DEFAULT:@SECLEVEL=0"], input=b"", capture_output=True,
                       timeout=10)
    check(r.returncode != 0, "openssl s_client -tls1 connected: %r" % r.stdout[-300:])


def test_https_priorities_from_the_config(t):
    # [api] tls_priorities allowing TLS 1.3 only makes a TLS 1.2 handshake fail.
    n, port = https_node(t, {"tls_priorities": "NORMAL:-VERS-ALL:+VERS-TLS1.3"})
    eq(tls_handshake(port, ssl.TLSVersion.TLSv1_2), None, "TLS 1.2 handshake")
    eq(tls_handshake(port, ssl.TLSVersion.TLSv1_3), "TLSv1.3", "TLS 1.3 handshake")


def test_https_bad_priorities_stop_the_start(t):
    # A priority string GnuTLS refuses stops chroomd at start, with a message naming it.
    cert, key = make_cert(t)
    chain = Chain(t, {"alice": 10**9})
    n = Node(t, chain, conf={"api": {"tls_cert_file": cert, "tls_key_file": key,
                                     "tls_priorities": "NORMAL:+VERS-TLS9.9"}})
    p = start_raw(n, "127.0.0.1:0")
    rc = p.wait(timeout=20)
    check(rc != 0, "chroomd started with a bad tls_priorities")
    check("[api] tls_priorities" in n.log_text() and "VERS-TLS9.9" in n.log_text(),
          "the log says why: %s" % n.log_tail(3))
    # A string the config itself refuses (a space, or over its length) also stops it.
    for bad in ["NORMAL :-VERS-ALL", "NORMAL" + ":%COMPAT" * 40]:
        n.conf["api"]["tls_priorities"] = bad
        p = start_raw(n, "127.0.0.1:0")
        rc = p.wait(timeout=20)
        check(rc != 0, "chroomd started with tls_priorities %r" % bad)
        check("tls_priorities" in n.log_tail(2), "the log says why: %s" % n.log_tail(2))
