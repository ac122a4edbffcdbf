"""The dashboard in a real browser (Debian's chromium, headless, driven by python3-selenium
through chromium-driver): sign in (with a key or an OAuth token), make a key of a chosen
tier and scopes and use it over HTTP, revoke it; a transfer appears on the live blocks page
and is found by the search box; a rate-limited key's usage; a read-only key never reaches
key management; a forged CSRF token and a cross-site request are refused; the validators
(with uptime), an account (delegations, rewards, history followed live), governance (a
tally that follows a vote live), meetings and media-node pages show what the test made on
the node, with the health and QoS charts of a media node whose signed heartbeats the test
sends; no console error, no request to another origin and no page wider than a phone on
any page."""

import json
import os
import re
import time
import urllib.error
import urllib.request

import bip340
from node import check, eq, keygen, run, start_node, tx_hash, wallet_cmd
from test_analytics import heartbeat

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # make deps installs python3-selenium; say so instead of a traceback
    webdriver = None

WAIT_S = 10
NETWORK_PAGES = ["Validators", "Governance", "Meetings", "Media nodes"]
PHONE_PX = 360


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
    """The first match's text, "" when none; an element the page replaced as it was read is
    read as none (the next poll finds its successor)."""
    found = d.find_elements(By.CSS_SELECTOR, css)
    try:
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""


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


def go(d, n, hash_path):
    d.get("http://127.0.0.1:%d/dashboard/%s" % (n.port, hash_path))


def fits_phone(d, what):
    """The page is no wider than the window: wide tables scroll inside their own box."""
    width = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
    eq(width[1], PHONE_PX, "the window's width")
    check(width[0] <= width[1], "%s is wider than the phone (%d > %d px)" % (what, *width))


def wallet_ok(n, *args):
    rc, out, err = run(wallet_cmd(*args, node=n.url, api_key=n.api_key))
    eq(rc, 0, "chroom-wallet %s (stderr %r)" % (" ".join(str(a) for a in args[:3]), err))
    return out


def http_status(n, key):
    req = urllib.request.Request("http://127.0.0.1:%d/api/v1/status" % n.port,
                                 headers={"Authorization": "Bearer " + key})
    try:
        return urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


def search(d, q):
    box = d.find_element(By.ID, "search")
    box.clear()
    box.send_keys(q, Keys.ENTER)


def check_search(d, n, height, txid, address):
    """The search box opens a height's block, a transaction (its hash in either case) and an
    address's account; other text gets a clear message."""
    search(d, height)
    wait_for(d, "the block by height %r" % height,
             lambda: text(d, "#page h1") == "Block %s" % height)
    check(d.find_elements(By.CSS_SELECTOR, "#page a[href='#/tx/%s']" % txid),
          "the block lists its transaction")
    search(d, txid.upper())
    wait_for(d, "the transaction by hash", lambda: txid in text(d, "#page"))
    page = text(d, "#page")
    for part in ("committed", "transfer", "5.000000", address):
        check(part in page, "the transaction's page %r shows %s" % (page, part))
    search(d, address)
    wait_for(d, "the account by address", lambda: address in text(d, "#account"))
    search(d, "chr1bad!")
    wait_for(d, "the refusal", lambda: "Search takes an address" in text(d, "#status.error"))
    check(address in text(d, "#account"), "a refused search stays on the page")


def test_browser_keys_and_live_blocks(t):
    # An admin signs in, makes a key that works over HTTP, revokes it (then 401), sees a
    # transfer appear live on the chain page, finds its block, transaction and account with
    # the search box, sees a sponsor-bound key's sponsor and spend limit, opens usage and the
    # account page: all without a console error or a request to another origin. Then a
    # forged CSRF token from the page and a cross-site request from another page are refused.
    n = start_node(t)
    alice, bob = n.chain["alice"], n.chain["bob"]
    n.create_api_key(scopes="read,meetings", label="sponsored",
                     extra=("--sponsor-key-file", alice.path, "--spend-limit", "7000000/day"))
    busy = n.create_api_key(tier="standard", scopes="read", label="busy")
    d = browser()
    try:
        d.set_window_size(PHONE_PX, 900)
        sign_in(d, n, n.api_key)
        fits_phone(d, "the chain page")
        check_clean(d, n)
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
        check_search(d, n, height, tx_hash(tx), bob.address)
        d.get("http://127.0.0.1:%d/dashboard/#/keys" % n.port)
        wait_for(d, "the keys page", lambda: d.find_elements(By.ID, "key-form"))
        bound = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#page tbody tr")
                 if "sponsored" in r.text]
        eq(len(bound), 1, "the sponsor-bound key's row")
        for part in (alice.address[:10], "7.000000 CHR a day", "read, meetings"):
            check(part in bound[0], "the bound key's row %r shows %s" % (bound[0], part))
        fits_phone(d, "the keys page")
        # The key's name, tier and scopes as chosen in the form: a premium key that may
        # read and submit; its secret is on the page once, and not after a reload.
        d.find_element(By.ID, "key-label").send_keys("browser-made")
        Select(d.find_element(By.ID, "key-tier")).select_by_value("premium")
        d.find_element(By.ID, "scope-submit").click()
        d.find_element(By.CSS_SELECTOR, "#key-form button").click()
        key = wait_for(d, "the new key", lambda: text(d, "#new-key-text"))
        eq(http_status(n, key), 200, "the key made in the browser works with a plain client")
        kid = key[4:20]
        made = [k for k in n.get("/api/v1/apikeys")["keys"] if k["id"] == kid][0]
        eq((made["label"], made["tier"], made["scopes"]), ("browser-made", "premium",
                                                          ["read", "submit"]), "the key made")
        row = d.find_element(By.CSS_SELECTOR, "button[data-revoke='%s']" % kid).find_element(
            By.XPATH, "./ancestor::tr").text
        check("premium" in row and "read, submit" in row, "the new key's row: %r" % row)
        d.refresh()
        wait_for(d, "the keys page again", lambda: d.find_elements(By.ID, "key-form"))
        check(key not in d.find_element(By.TAG_NAME, "body").text, "the secret is shown once")
        d.find_element(By.CSS_SELECTOR, "button[data-revoke='%s']" % kid).click()
        wait_for(d, "the revocation", lambda: "revoked" in text(d, "#status"))
        eq(http_status(n, key), 401, "the next call with the revoked key")
        check_usage(d, n, busy)
        d.get("http://127.0.0.1:%d/dashboard/#/account/%s" % (n.port, bob.address))
        wait_for(d, "the account page", lambda: "Balance" in text(d, "#account-facts"))
        fits_phone(d, "an account's page")
        check_clean(d, n)
        check_refusals(d, n)
    finally:
        d.quit()


def check_usage(d, n, busy):
    """A standard key run past its 100 requests a minute: the usage page's row for it shows
    its requests, its 429s, the 429 among its error codes and its latency percentiles, as
    GET /api/v1/usage gives them, and its requests a minute as a chart."""
    got = [http_status(n, busy) for _ in range(105)]
    check(got.count(429) >= 5, "the standard key was limited: %r" % got[-10:])
    u = [k for k in n.get("/api/v1/usage")["keys"] if k["label"] == "busy"][0]
    go(d, n, "#/usage")
    wait_for(d, "the usage table", lambda: "busy" in text(d, "#page tbody"))
    row = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#page tbody tr")
           if "busy" in r.text][0]
    cells = row.split()
    for part in (str(u["requests"]), str(u["rate_limited"]), "429: %d" % u["statuses"]["429"],
                 "%g ms" % (u["latency_us"]["p99"] / 1000)):
        check(part in row, "the busy key's usage row %r shows %s" % (row, part))
    check(cells.index(str(u["rate_limited"])) > cells.index(str(u["requests"])),
          "requests, then 429s: %r" % row)
    chart = d.find_elements(By.CSS_SELECTOR, "svg[aria-label$='for key %s'] rect" % busy[4:20])
    eq(len(chart), 60, "the busy key's requests a minute over the last hour")
    fits_phone(d, "the usage page")


def check_refusals(d, n):
    """From the signed-in page, a state-changing request with a forged CSRF token is a 403
    csrf_refused; from a page of another origin (and site) the browser's request to make a
    key makes none; the session still works after both."""
    got = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/v1/apikeys', {method: 'POST', credentials: 'same-origin', headers: {"
        "'Content-Type': 'application/json', 'X-CSRF-Token': '0'.repeat(64)}, body: "
        "JSON.stringify({tier: 'premium', scopes: ['admin'], label: 'forged'})})"
        ".then(r => r.json().then(j => done([r.status, j.error.code])));")
    eq(got, [403, "csrf_refused"], "a forged CSRF token")
    check_clean(d, n, allowed=("/api/v1/apikeys - Failed to load resource: the server "
                               "responded with a status of 403",))
    d.get("data:text/html,<title>elsewhere</title>")
    d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('http://127.0.0.1:%d/api/v1/apikeys', {method: 'POST', mode: 'no-cors', "
        "credentials: 'include', headers: {'Content-Type': 'text/plain'}, body: "
        "JSON.stringify({tier: 'premium', scopes: ['admin'], label: 'cross-site'})})"
        ".then(() => done(1), () => done(0));" % n.port)
    labels = [k["label"] for k in n.get("/api/v1/apikeys")["keys"]]
    check("forged" not in labels and "cross-site" not in labels, "keys made: %r" % labels)
    go(d, n, "#/keys")
    wait_for(d, "the keys page after both", lambda: d.find_elements(By.ID, "key-form"))


def test_browser_read_only(t):
    # A read-only key sees the chain but no key management: no link to it, the page says so,
    # and the API refuses the session (403) even when the page's script asks directly.
    n = start_node(t)
    ro = n.create_api_key(scopes="read", label="ro")
    d = browser()
    try:
        sign_in(d, n, ro)
        links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#nav a") if a.is_displayed()]
        eq(links, ["Chain"] + NETWORK_PAGES, "the read-only navigation")
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


def test_browser_oauth_token(t):
    # An OAuth access token signs in as its key does, with the token's scopes: a full token
    # of the admin key manages keys, a read-scoped one of the same key sees read-only pages.
    from test_auth import get_token
    n = start_node(t)
    d = browser()
    try:
        sign_in(d, n, get_token(n, n.api_key).json["access_token"])
        wait_for(d, "the admin pages", lambda: "API keys" in text(d, "#nav"))
        d.find_element(By.ID, "signout").click()
        wait_for(d, "the sign-in form", lambda: d.find_element(By.ID, "signin-key").is_displayed())
        sign_in(d, n, get_token(n, n.api_key, scope="read").json["access_token"])
        links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#nav a") if a.is_displayed()]
        eq(links, ["Chain"] + NETWORK_PAGES, "a read-scoped token's navigation")
        check_clean(d, n)
    finally:
        d.quit()


def make_network_data(t, n):
    """On n: bob's validator, alice's stake and her text proposal in its voting period, her
    media node in eu-west and bob's meeting there. Returns (media node's secret key, its id,
    meeting id)."""
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    cons = keygen(t, "bob-consensus")
    wallet_ok(n, "validator", "create", cons.pubkey, "1", "--moniker", "bobs-validator",
              "--commission", "50000", "--key", bob.path, "--wait")
    wallet_ok(n, "stake", c.validator.address, "3", "--key", alice.path, "--wait")
    wallet_ok(n, "gov", "propose", "text", "--title", "Paint it blue", "--deposit", 10 * 10**6,
              "--raw", "--key", alice.path, "--wait")
    sk = os.urandom(31) + b"\x01"
    node_id = bip340.pubkey(sk).hex()
    wallet_ok(n, "media-node", "register", "--key", alice.path, "--node-key", node_id,
              "--endpoint", "https://eu.media.example.org:8443/", "--region", "eu-west",
              "--capacity", 10, "--bond", 1000 * 10**6, "--raw", "--metadata", "test node",
              "--wait")
    out = wallet_ok(n, "meeting", "create", "--key", bob.path, "--title", "Weekly sync",
                    "--host", "alice-user", "--participants", "bob-user,carol-user",
                    "--duration", 30, "--region", "eu-west", "--wait")
    mids = [x.split()[1] for x in out.splitlines() if x.startswith("meeting_id ")]
    eq(len(mids), 1, "one meeting id in %r" % out)
    return sk, node_id, mids[0]


# The heartbeats send_heartbeats sends, 30 s apart (a heartbeat must be within the node's
# clock skew, 2 min, so these span three or four one-minute buckets): (load, cpu, rtt, loss).
HEARTBEATS = [(200, 300, 40, 10), (450, 500, 90, 120), (300, 350, 60, 40), (700, 650, 120, 300)]


def send_heartbeats(n, sk, mid):
    """The media node's signed heartbeats, carrying meeting mid, the last one now."""
    now = int(time.time() * 1000)
    for i, (load, cpu, rtt, loss) in enumerate(HEARTBEATS):
        at = now - 30000 * (len(HEARTBEATS) - 1 - i)
        r = n.request("POST", "/api/v1/analytics/heartbeats", {"heartbeat": heartbeat(
            sk, n.chain.chain_id, at, [mid], load=load, cpu=cpu, rtt=rtt, loss=loss)}, auth=False)
        eq(r.status, 200, "heartbeat %d: %r" % (i, r))


def check_account(d, n):
    """Alice's account page: her delegation to the genesis validator with its pending rewards,
    her history of every type (a proposal and a vote have no counterparty), and her balance
    following a transfer to her live."""
    c = n.chain
    alice, bob = c["alice"], c["bob"]
    go(d, n, "#/account/" + alice.address)
    wait_for(d, "her delegations",
             lambda: d.find_elements(By.CSS_SELECTOR, "#delegations tbody tr"))
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#delegations tbody tr")]
    eq(len(rows), 1, "one delegation: %r" % rows)
    check(c.validator.address[:10] in rows[0] and "3.000000" in rows[0],
          "the delegation's row %r" % rows[0])
    dg = n.get("/api/v1/accounts/%s/delegations" % alice.address)["delegations"][0]
    check(int(dg["pending_rewards"]) > 0, "rewards accrue: %r" % dg)
    facts = text(d, "#account-facts")
    for part in ("Delegated (CHR)\n3.000000", "Pending rewards (CHR)"):
        check(part in facts, "the account's facts %r show %r" % (facts, part))
    check("commission" not in facts, "alice operates no validator: %r" % facts)
    history = text(d, "#history")
    for part in ("delegate", "submit-proposal", "media-node-register", "vote", "sent"):
        check(part in history, "the history %r shows %s" % (history, part))
    before = text(d, "#account-facts")
    tx = c.sign(bob, alice.address, 2000000, n.nonce(bob.address))[0]
    eq(n.submit(tx, wait=True).status, 200, "a transfer to alice")
    balance = n.get("/api/v1/accounts/" + alice.address)["balance"]
    want = "%d.%06d" % (int(balance) // 10**6, int(balance) % 10**6)
    wait_for(d, "her new balance, live", lambda: "Balance (CHR)\n" + want in
             text(d, "#account-facts"))
    check(before != text(d, "#account-facts"), "the facts changed")
    wait_for(d, "the transfer in her history", lambda: d.find_elements(
        By.CSS_SELECTOR, "#history a[href='#/tx/%s']" % tx_hash(tx)))
    fits_phone(d, "an account's page")
    # A validator's operator also sees its commission not yet withdrawn (…/rewards).
    go(d, n, "#/account/" + c.validator.address)
    wait_for(d, "the operator's commission", lambda: "Validator commission not withdrawn" in
             text(d, "#account-facts"))


def chart_points(d, chart):
    return len(d.find_elements(By.CSS_SELECTOR, "#chart-%s svg circle" % chart))


def check_charts(d, n, node_id, window):
    """The node's page shows window's figures: each chart has a point per bucket of the API's
    series, and its table alternative a row per bucket."""
    series = n.get("/api/v1/analytics/nodes/%s?window=%s" % (node_id, window))["analytics"][
        "series"]
    want = len(series)
    check(want >= 1, "the %s series has buckets" % window)
    wait_for(d, "the %s charts" % window, lambda: chart_points(d, "rtt") == want and d.find_elements(
        By.CSS_SELECTOR, "button[data-window='%s'][aria-pressed='true']" % window))
    for chart, lines in (("load", 2), ("loss", 1), ("jitter", 1), ("bandwidth", 2),
                         ("participants", 1), ("heartbeats", 1)):
        eq(chart_points(d, chart), want * lines, "points of the %s chart (%s)" % (chart, window))
    rows = d.find_elements(By.CSS_SELECTOR, "#chart-rtt details tbody tr")
    eq(len(rows), want, "the RTT chart's table alternative (%s)" % window)
    label = d.find_element(By.CSS_SELECTOR, "#chart-rtt svg").get_attribute("aria-label")
    rtts = [b["rtt_ms"] for b in series]
    check("%d point%s: RTT from %d ms to %d ms" % (want, "s" if want > 1 else "", min(rtts),
                                                  max(rtts)) in label,
          "the RTT chart's text alternative: %r" % label)


def test_browser_network_pages(t):
    # A read-only key sees the validators, governance, meetings and media-node pages filled
    # with what was made on the node (bob's validator with its commission, alice's proposal
    # whose open tally follows her vote live over the event stream, bob's meeting found by
    # its payer with the keyboard, its escrow and its media node, the node in its region's
    # table with its health and the network's summary, its QoS on the meeting's page, the
    # node's charts with a point per bucket of its heartbeats, switched between 1 h, 24 h
    # and 7 d with the keyboard), none wider than a phone, without a console error or a
    # request to another origin; hostile addresses get a clear message.
    # Health thresholds long enough that the node stays healthy while the browser works.
    n = start_node(t, conf={"analytics": {"degraded_after_ms": 600000,
                                          "offline_after_ms": 900000}})
    alice, bob = n.chain["alice"], n.chain["bob"]
    sk, node_id, mid = make_network_data(t, n)
    ro = n.create_api_key(scopes="read", label="ro")
    d = browser()
    try:
        # Headless chromium starts no narrower than 500 px; a small phone is 360.
        d.set_window_size(PHONE_PX, 900)
        sign_in(d, n, ro)
        go(d, n, "#/validators")
        wait_for(d, "bob's validator", lambda: "bobs-validator" in text(d, "#validators"))
        rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#validators tbody tr")]
        eq(len(rows), 2, "the genesis validator and bob's")
        bobs = [r for r in rows if "bobs-validator" in r][0]
        for part in ("bonded", "1.000000", "5.00%"):
            check(part in bobs, "bob's row %r shows %s" % (bobs, part))
        # Uptime from the API's missed_blocks over window_counted (the commits its window has
        # counted so far): the genesis validator signs every commit; bob's key runs on no
        # node, so it misses each one while bonded.
        vals = {v["moniker"]: v for v in n.get("/api/v1/staking/validators")["validators"]}
        for v in vals.values():
            check(0 <= v["missed_blocks"] <= v["window_counted"] <= v["signed_blocks_window"],
                  "missed <= counted <= window: %r" % v)
        ours = [r for r in rows if "bobs-validator" not in r][0]
        check(re.search(r"100\.00% \(0 of [1-9]\d* missed\)", ours),
              "the genesis validator's uptime: %r" % ours)
        m = re.search(r"(\d+\.\d\d)% \((\d+) of ([1-9]\d*) missed\)", bobs)
        check(m and int(m.group(2)) <= int(m.group(3)), "bob's uptime: %r" % bobs)
        check("not available" not in text(d, "#page"), "no note of missing figures")
        fits_phone(d, "the validators page")

        go(d, n, "#/gov")
        wait_for(d, "the proposal", lambda: "Paint it blue" in text(d, "#page"))
        check("voting period (1)" in text(d, "#page"), "grouped by status: %r" % text(d, "#page"))
        wait_for(d, "its open tally", lambda: "yes 0.000000" in text(d, "#tally-1"))
        fits_phone(d, "the governance page")
        go(d, n, "#/gov/1")
        wait_for(d, "the tally so far", lambda: "turnout" in text(d, "#tally"))
        check(alice.address in text(d, "#proposal"), "the proposer and depositor")
        wallet_ok(n, "gov", "vote", "1", "yes", "--key", alice.path, "--wait")
        wait_for(d, "the vote in the live tally", lambda: "yes 3.000000 100.00%" in
                 text(d, "#tally"))
        wait_for(d, "the vote in the votes table", lambda: d.find_elements(
            By.CSS_SELECTOR, "#proposal a[href='#/account/%s']" % alice.address))
        fits_phone(d, "a proposal's page")

        check_account(d, n)

        go(d, n, "#/meetings")
        who = wait_for(d, "the meetings form", lambda: d.find_element(By.ID, "meetings-who"))
        Select(d.find_element(By.ID, "meetings-by")).select_by_value("payer")
        who.send_keys(bob.address, Keys.ENTER)
        wait_for(d, "bob's meeting", lambda: d.find_elements(
            By.CSS_SELECTOR, "a[href='#/meetings/%s']" % mid))
        row = d.find_element(By.CSS_SELECTOR, "#page tbody tr").text
        for part in ("Weekly sync", "alice-user", "created", "0.009000"):
            check(part in row, "the meeting's row %r shows %s" % (row, part))
        fits_phone(d, "the meetings page")
        send_heartbeats(n, sk, mid)
        d.find_element(By.CSS_SELECTOR, "a[href='#/meetings/%s']" % mid).click()
        wait_for(d, "its payments", lambda: "Escrowed" in text(d, "#payments"))
        pay = text(d, "#payments")
        check("0.009000" in pay and "Held" in pay, "escrow and held: %r" % pay)
        # The meeting's QoS: one row for its media node, with the heartbeats' count, and the
        # RTT's and packet loss's means (as the API gives them) and maxima.
        qos = n.get("/api/v1/analytics/meetings/%s" % mid)["nodes"][0]
        row = text(d, "#meeting-qos tbody tr")
        for part in (str(len(HEARTBEATS)), "%d ms / 120 ms" % qos["rtt_ms"]["mean"],
                     "%.2f%% / 3.00%%" % (qos["loss_bp"]["mean"] / 100)):
            check(part in row, "the meeting's QoS row %r shows %s" % (row, part))
        fits_phone(d, "a meeting's page")
        d.find_element(By.CSS_SELECTOR, "#meeting-qos a[href='#/media-nodes/%s']" % node_id).click()
        wait_for(d, "its media node", lambda: "eu-west" in text(d, "#page"))
        check("1000.000000" in text(d, "#page"), "the node's stake")
        health = text(d, "#node-health")
        for part in ("healthy", "RTT\n120 ms", "Load\n70.0%", "Packet loss\n3.00%"):
            check(part in health, "the node's health %r shows %r" % (health, part))
        check_charts(d, n, node_id, "1h")
        fits_phone(d, "a media node's charts")
        # The window switcher with the keyboard: tab to "24 h" and press Enter; the address
        # keeps the window, and a reload shows it again.
        b24 = d.find_element(By.CSS_SELECTOR, "button[data-window='24h']")
        d.execute_script("arguments[0].focus();", d.find_element(
            By.CSS_SELECTOR, "button[data-window='1h']"))
        d.switch_to.active_element.send_keys(Keys.TAB)
        eq(d.switch_to.active_element, b24, "Tab moves to the next window")
        d.switch_to.active_element.send_keys(Keys.ENTER)
        check_charts(d, n, node_id, "24h")
        eq(d.switch_to.active_element, b24, "the focus stays on the window pressed")
        check(d.current_url.endswith("?window=24h"), "the address: %s" % d.current_url)
        d.find_element(By.CSS_SELECTOR, "button[data-window='7d']").send_keys(Keys.SPACE)
        check_charts(d, n, node_id, "7d")
        d.refresh()
        check_charts(d, n, node_id, "7d")
        fits_phone(d, "a media node's 7 d charts")

        go(d, n, "#/media-nodes")
        wait_for(d, "the region's table", lambda: "Region eu-west (1)" in text(d, "#page"))
        row = d.find_element(By.CSS_SELECTOR, "#page tbody tr").text
        for part in ("active", "healthy", "70.0%", "3.00%", "120 ms", "10", "1000.000000",
                     "https://eu.media.example.org:8443/"):
            check(part in row, "the node's row %r shows %s" % (row, part))
        # The network's summary: a row per window, each with the four heartbeats and the
        # one meeting.
        rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#network-summary tbody tr")]
        eq([r.split()[:4] for r in rows], [["1", "h", "4", "1"], ["24", "h", "4", "1"],
                                            ["7", "d", "4", "1"]], "the network's windows")
        fits_phone(d, "the media nodes page")

        # Hostile addresses: a clear message on the page, never a thrown error; malformed ids
        # never reach the API, a bad payer is the API's own 400.
        for bad, said in (("#/gov/1e3", "proposal id"), ("#/meetings/" + "zz" * 12, "meeting id"),
                          ("#/media-nodes/%E0%A4%A", "URI malformed"),
                          ("#/media-nodes/%s?window=2h" % node_id, "window is 1h, 24h or 7d"),
                          ("#/meetings?payer=chr1nope", "payer")):
            go(d, n, bad)
            wait_for(d, "the refusal of %s" % bad, lambda: said in text(d, "#status.error"))
            eq(text(d, "#page h1"), "Not available", "the page of %s" % bad)
        check_clean(d, n, allowed=("/api/v1/meetings?payer=chr1nope",))
    finally:
        d.quit()
