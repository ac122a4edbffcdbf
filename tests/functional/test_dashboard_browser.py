"""The dashboard in a real browser (Debian's chromium, headless, driven by python3-selenium
through chromium-driver): sign in, make a key and use it over HTTP, revoke it; a transfer
appears on the live blocks page; a read-only key never reaches key management; no console
error and no request to another origin on any page."""

import json
import time
import urllib.error
import urllib.request

from node import check, eq, start_node, tx_hash

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # make deps installs python3-selenium; say so instead of a traceback
    webdriver = None

WAIT_S = 10


def browser():
    check(webdriver is not None, "python3-selenium is missing (make deps)")
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=400,900"):  # a phone's width
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    svc = Service(executable_path="/usr/bin/chromedriver")
    return webdriver.Chrome(options=o, service=svc)


def wait_for(d, what, cond):
    try:
        return WebDriverWait(d, WAIT_S).until(lambda _: cond())
    except Exception:
        check(False, "waited %d s for %s; page: %s" % (WAIT_S, what, d.find_element(
            By.TAG_NAME, "body").text[:300]))


def text(d, css):
    found = d.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else ""


def sign_in(d, n, key):
    d.get("http://127.0.0.1:%d/dashboard/" % n.port)
    box = wait_for(d, "the sign-in form", lambda: d.find_element(By.ID, "signin-key"))
    box.send_keys(key)
    d.find_element(By.CSS_SELECTOR, "#signin-form button").click()
    wait_for(d, "the chain page", lambda: "Latest blocks" in text(d, "#page"))


def check_clean(d, n, allowed=()):
    """No console error (but those in allowed) and no request to another origin so far."""
    origin = "http://127.0.0.1:%d/" % n.port
    errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
              and not any(a in e["message"] for a in allowed)]
    eq(errors, [], "console errors")
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] == "Network.requestWillBeSent":
            url = m["params"]["request"]["url"]
            check(url.startswith(origin), "a request to another origin: %s" % url)


def http_status(n, key):
    req = urllib.request.Request("http://127.0.0.1:%d/api/v1/status" % n.port,
                                 headers={"Authorization": "Bearer " + key})
    try:
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


def test_browser_keys_and_live_blocks(t):
    # An admin signs in, makes a key that works over HTTP, revokes it (then 401), sees a
    # transfer appear live on the chain page, opens usage and the account page: all without
    # a console error or a request to another origin.
    n = start_node(t)
    d = browser()
    try:
        sign_in(d, n, n.api_key)
        check_clean(d, n)
        alice, bob = n.chain["alice"], n.chain["bob"]
        # A transfer submitted over the API, while the chain page is open, shows up in its
        # live tables (GET /api/v1/events with the session cookie): its block and the
        # transaction, linked by their full height and hash.
        tx = n.chain.sign(alice, bob.address, 5000000, n.nonce(alice.address))[0]
        r = n.submit(tx, wait=True)
        eq((r.status, r.json["status"]), (200, "committed"), "the transfer")
        height = r.json["height"]
        wait_for(d, "the transfer in the live transactions table", lambda: d.find_elements(
            By.CSS_SELECTOR, "#txs a[href='#/tx/%s']" % tx_hash(tx)))
        wait_for(d, "its block in the live blocks table", lambda: d.find_elements(
            By.CSS_SELECTOR, "#blocks a[href='#/block/%s']" % height))
        eq(text(d, "#height"), height, "the status's height follows the stream")
        d.get("http://127.0.0.1:%d/dashboard/#/keys" % n.port)
        wait_for(d, "the keys page", lambda: d.find_elements(By.ID, "key-form"))
        d.find_element(By.ID, "key-label").send_keys("browser-made")
        d.find_element(By.CSS_SELECTOR, "#key-form button").click()
        key = wait_for(d, "the new key", lambda: text(d, "#new-key-text"))
        eq(http_status(n, key), 200, "the key made in the browser works with a plain client")
        kid = key[4:20]
        d.find_element(By.CSS_SELECTOR, "button[data-revoke='%s']" % kid).click()
        wait_for(d, "the revocation", lambda: "revoked" in text(d, "#status"))
        eq(http_status(n, key), 401, "the next call with the revoked key")
        d.get("http://127.0.0.1:%d/dashboard/#/usage" % n.port)
        wait_for(d, "the usage chart", lambda: d.find_elements(By.CSS_SELECTOR, "svg.chart rect"))
        d.get("http://127.0.0.1:%d/dashboard/#/account/%s" % (n.port, bob.address))
        wait_for(d, "the account page", lambda: text(d, "#balance"))
        check_clean(d, n)
    finally:
        d.quit()


def test_browser_read_only(t):
    # A read-only key sees the chain but no key management: no link to it, the page says so,
    # and the API refuses the session (403) even when the page's script asks directly.
    n = start_node(t)
    ro = n.create_api_key(scopes="read", label="ro")
    d = browser()
    try:
        sign_in(d, n, ro)
        links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#nav a") if a.is_displayed()]
        eq(links, ["Chain"], "the read-only navigation")
        d.get("http://127.0.0.1:%d/dashboard/#/keys" % n.port)
        wait_for(d, "the refusal", lambda: "admin scope" in text(d, "#status"))
        check(not d.find_elements(By.ID, "key-form"), "no key form for a read-only key")
        got = d.execute_async_script(
            "const done = arguments[0];"
            "fetch('/api/v1/apikeys', {credentials: 'same-origin'}).then(r => done(r.status));")
        eq(got, 403, "the API refuses the read-only session")
        check_clean(d, n, allowed=("/api/v1/apikeys",))
    finally:
        d.quit()
