"""Helpers for the functional tests: temporary directories, keys, genesis files, chroomd
processes and HTTP calls. Standard library only.

A test function takes one argument, a Ctx: it owns the test's temporary directory and
every process the test starts. run.py closes it after the test, whether the test passed or
not: every process still running is killed, and the directory is removed, or kept (and its
path printed) when the test failed.

Ports: no test picks a port for chroomd. Every node listens on port 0 (API, and peers when
it has a [p2p] listener), the system picks free ports, and Node.start reads the ones the
node got from its ports file (<data_dir>/ports, node/ports.h). Picking a port by binding
port 0, closing it and handing the number on raced with every other process on the
machine (one took such a port first under load). A restarted node gets new ports; the
nodes that dial it learn them from the node's own dials (Node.peers). A port where nothing
must answer is refused_port's: bound and never listening, so nothing else can take it.
"""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import openapi_check

BUILD_DIR = None  # set by run.py: the directory holding chroomd, chroom-wallet, chroom-genesis

HTTP_TIMEOUT_S = 15  # every HTTP call; above the node's longest ?wait=commit in these tests
CLI_TIMEOUT_S = 30  # every CLI run
START_TIMEOUT_S = 10  # from spawning chroomd to GET /health answering 200
STOP_TIMEOUT_S = 15  # from SIGTERM to exit (a waiting request may hold it up to 10 s)


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def eq(actual, expected, what):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


def binary(name):
    return os.path.join(BUILD_DIR, name)


# ---- Processes. ----


def run(args, timeout=CLI_TIMEOUT_S, env=None):
    """Runs a command to its end; returns (exit status, stdout, stderr) as text."""
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        fail("%s: did not finish within %s s" % (" ".join(args[:3]), timeout))
    return p.returncode, p.stdout, p.stderr


def run_ok(args, timeout=CLI_TIMEOUT_S):
    rc, out, err = run(args, timeout)
    if rc != 0:
        fail("%s exited %d: %s" % (" ".join(os.path.basename(a) for a in args[:2]), rc,
                                   err.strip()[:300]))
    return out


def refused_port(ctx):
    """A port on 127.0.0.1 where a connection is refused: a socket bound to it that never
    listens, held until the test ends, so no other process can take the port meanwhile."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    ctx.socks.append(s)
    return s.getsockname()[1]


def read_ports(data_dir):
    """A node's ports file (node/ports.h: "key=value" lines) as a dict of ints, or None
    while there is none."""
    try:
        with open(os.path.join(data_dir, "ports")) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        check(sep == "=" and v.isdigit(), "ports file line %r is not key=number" % line)
        out[k] = int(v)
    return out


class Ctx:
    """One test's temporary directory and processes."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="chroom-ft-%s-" % name.replace("/", "-"))
        self.nodes = []
        self.procs = []  # other long-running processes (subprocess.Popen)
        self.socks = []  # sockets held for the test (refused_port)
        self.counter = 0

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def unique(self, stem):
        self.counter += 1
        return "%s%d" % (stem, self.counter)

    def close(self, failed):
        """Ends every process the test started; returns the kept directory or None."""
        for n in self.nodes:
            n.kill()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        for s in self.socks:
            s.close()
        if failed:
            return self.dir
        shutil.rmtree(self.dir, ignore_errors=True)
        return None


# ---- Keys, addresses, genesis. ----


class Key:
    def __init__(self, path, address, pubkey):
        self.path = path
        self.address = address
        self.pubkey = pubkey

    def __repr__(self):
        return "Key(%s)" % self.address


def wallet_cmd(*args, node=None, timeout_ms=None, json_out=False, api_key=None):
    cmd = [binary("chroom-wallet")]
    if node is not None:
        cmd += ["--node", node]
    if api_key is not None:
        cmd += ["--api-key", api_key]
    if timeout_ms is not None:
        cmd += ["--timeout-ms", str(timeout_ms)]
    if json_out:
        cmd.append("--json")
    return cmd + [str(a) for a in args]


def keygen(ctx, name=None):
    path = ctx.path((name or ctx.unique("key")) + ".key")
    run_ok(wallet_cmd("keygen", "--out", path))
    out = run_ok(wallet_cmd("address", "--key", path, json_out=True))
    j = json.loads(out)
    return Key(path, j["address"], j["public_key"])


def sign(key, chain_id, to, amount, nonce, fee=1000, count=None, memo=None, expiry=None):
    """Signs transfers offline with chroom-wallet; returns the hex transactions."""
    args = ["sign", "--key", key.path, "--chain-id", chain_id, "--to", to, "--amount",
            amount, "--fee", fee, "--nonce", nonce]
    if count is not None:
        args += ["--count", count]
    if memo is not None:
        args += ["--memo", memo]
    if expiry is not None:
        args += ["--expiry-height", expiry]
    out = run_ok(wallet_cmd(*args))
    txs = out.split()
    check(len(txs) == (count or 1), "sign printed %d transactions" % len(txs))
    return txs


def tx_hash(tx_hex):
    import hashlib
    return hashlib.sha256(bytes.fromhex(tx_hex)).hexdigest()


# Bech32m (BIP-350) for addresses of keys we do not hold: recipients of test transfers.
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3
_P = 2**256 - 2**32 - 977


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def address_of_pubkey(pubkey_hex):
    data = bytes.fromhex(pubkey_hex)
    acc, bits, five = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    hrp = "chr"
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(expanded + five + [0] * 6) ^ _BECH32M_CONST
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in five + checksum)


def random_pubkey():
    """A random valid x-only secp256k1 public key (x with x^3 + 7 a square mod p)."""
    while True:
        x = secrets.randbelow(_P - 1) + 1
        if pow((x * x * x + 7) % _P, (_P - 1) // 2, _P) == 1:
            return "%064x" % x


def random_address():
    return address_of_pubkey(random_pubkey())


# What a genesis validator's operator keeps liquid beside its stake when the test gives it
# no balance of its own (an operator must keep more than its self-bond).
OPERATOR_FLOAT = 1


def bond_validator(genesis_file, key, power, power_unit=10**6, liquid=OPERATOR_FLOAT, **opts):
    """Makes key a genesis validator of `power` bonded from its own account: the account gets
    power * power_unit + liquid units and bonds power * power_unit (chroom-genesis
    add-validator). opts: more add-validator options, e.g. moniker="x"."""
    g = [binary("chroom-genesis"), "--file", genesis_file]
    stake = power * power_unit
    run_ok(g + ["add-account", key.address, str(stake + liquid)])
    extra = []
    for k, v in opts.items():
        extra += ["--" + k.replace("_", "-"), str(v)]
    run_ok(g + ["add-validator", key.address, key.pubkey, str(stake)] + extra)
    return stake


class Chain:
    """A genesis file and the keys it names: a validator (a bonded stake of power 10 from
    its own account, which keeps validator_balance, or OPERATOR_FLOAT, liquid) and funded
    accounts. supply counts the liquid balances; bonded the stakes."""

    def __init__(self, ctx, accounts, validator_balance=0, chain_id=None, params=None,
                 gov_params=None, settle_params=None):
        self.ctx = ctx
        self.chain_id = chain_id or "ft-" + secrets.token_hex(6)
        # A second chain in one test gets its own file names.
        prefix = "" if not os.path.exists(ctx.path("genesis.json")) else ctx.unique("chain") + "-"
        self.genesis = ctx.path(prefix + "genesis.json")
        g = [binary("chroom-genesis"), "--file", self.genesis]
        run_ok(g + ["init", "--chain-id", self.chain_id])
        if params or gov_params or settle_params:
            # chroom-genesis has no command for params: edit the JSON it wrote.
            with open(self.genesis) as f:
                j = json.load(f)
            j["params"].update(params or {})
            if gov_params:
                j["gov_params"] = {k: str(v) for k, v in gov_params.items()}
            if settle_params:
                j["settle_params"] = {k: str(v) for k, v in settle_params.items()}
            with open(self.genesis, "w") as f:
                json.dump(j, f, indent=2)
        with open(self.genesis) as f:
            gj = json.load(f)
            self.fee = int(gj["params"]["fee_transfer"])
            self.power_unit = int(gj["params"]["power_unit"])
        self.validator = keygen(ctx, prefix + "validator")
        self.keys = {}
        self.balances = {}
        for name, units in accounts.items():
            k = keygen(ctx, prefix + name)
            self.keys[name] = k
            self.balances[k.address] = units
            run_ok(g + ["add-account", k.address, str(units)])
        liquid = validator_balance or OPERATOR_FLOAT
        self.balances[self.validator.address] = liquid
        self.bonded = bond_validator(self.genesis, self.validator, 10, self.power_unit, liquid)
        self.supply = sum(self.balances.values())
        self.genesis_hash = run_ok(g + ["hash"]).strip()
        # Every address the test may have touched, for the conservation check.
        self.addresses = set(self.balances) | {self.validator.address}

    def __getitem__(self, name):
        return self.keys[name]

    def sign(self, key, to, amount, nonce, **kw):
        kw.setdefault("fee", self.fee)
        if isinstance(to, Key):
            to = to.address
        self.addresses.add(to)
        return sign(key, self.chain_id, to, amount, nonce, **kw)


# ---- chroomd. ----

DEFAULT_CONF = {
    "node": {"log_level": "info"},
    "api": {"listen": "127.0.0.1:0", "wait_timeout_ms": "10000", "connection_timeout_s": "30"},
    "consensus": {"block_interval_ms": "100", "empty_block_interval_ms": "0"},
    "mempool": {"txs_max": "20000", "bytes_max": "67108864"},
    "store": {"map_size_mb": "64", "verifier_threads": "2"},
}


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers  # lower-cased names
        self.raw = raw
        self._json = None

    @property
    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                fail("HTTP %d: answer is not JSON: %r" % (self.status, self.raw[:200]))
        return self._json

    def __iter__(self):  # (status, headers, body) unpacking
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return "HTTP %d %s" % (self.status, self.raw[:300].decode("utf-8", "replace"))


class Node:
    """One chroomd process: its config, data directory and log, across restarts."""

    def __init__(self, ctx, chain, name="node", conf=None, validator=True, api_key=True,
                 peers=()):
        """api_key: give the node, before its first start, a premium key with every scope
        (self.api_key), which request() sends unless told otherwise. peers: Nodes whose
        peer-to-peer ports, as far as known at each start, become [p2p] peers."""
        self.ctx = ctx
        self.want_api_key = api_key
        self.api_key = None
        self.chain = chain
        self.name = name
        self.data_dir = ctx.path(name + "-data")
        self.conf_path = ctx.path(name + ".conf")
        self.log_path = ctx.path(name + ".log")
        self.conf = {s: dict(v) for s, v in DEFAULT_CONF.items()}
        for section, kv in (conf or {}).items():
            self.conf.setdefault(section, {}).update({k: str(v) for k, v in kv.items()})
        self.conf["node"]["data_dir"] = self.data_dir
        self.conf["node"]["genesis_file"] = chain.genesis
        self.conf["node"]["validator_key_file"] = chain.validator.path if validator else ""
        self.proc = None
        self.chroomd = None  # another chroomd to run (a build with a test upgrade); None: ours
        self.port = None  # the API's port, from the ports file of the last start
        self.p2p_port = None  # the peer-to-peer listener's, likewise (None: no listener)
        self.peers = list(peers)
        ctx.nodes.append(self)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _write_conf(self):
        lines = []
        for section, kv in self.conf.items():
            lines.append("[%s]" % section)
            for k, v in kv.items():
                lines.append('%s = "%s"' % (k, v) if v == "" else "%s = %s" % (k, v))
            lines.append("")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines))

    def start(self, timeout=START_TIMEOUT_S):
        """Starts chroomd (its listeners on port 0 unless the config says otherwise), reads
        the ports it got and waits for /health, all within timeout; fails with the log's
        tail when it exits or the time runs out. [p2p] peers are the known ports of
        self.peers: at a first start the nodes started before, at a restart all of them."""
        check(self.proc is None or self.proc.poll() is not None, "node already running")
        if self.want_api_key and self.api_key is None:
            self.api_key = self.create_api_key(label="functional tests")
        if self.peers:
            self.conf.setdefault("p2p", {})["peers"] = ",".join("127.0.0.1:%d" % n.p2p_port
                                                 for n in self.peers if n.p2p_port)
        deadline = time.monotonic() + timeout
        self.spawn()
        self.wait_ports(timeout)
        if not self._wait_healthy(deadline - time.monotonic()):
            fail("chroomd did not become healthy within %s s: %s" % (timeout, self.log_tail(5)))
        return self

    def spawn(self):
        """Starts chroomd with the config as it stands and returns at once (Popen)."""
        self._write_conf()
        with open(self.log_path, "ab") as log:
            log.write(b"---- start\n")
            log.flush()
            self.proc = subprocess.Popen([self.chroomd or binary("chroomd"), "--config",
                                          self.conf_path],
                                         stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log)
        return self.proc

    def wait_ports(self, timeout=START_TIMEOUT_S):
        """Waits until the running chroomd has written its ports file (the one whose pid is
        this process's, not one a killed run left); sets self.port and self.p2p_port and
        returns the file as a dict. Fails, with the log's tail, when chroomd exits first or
        after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            ports = read_ports(self.data_dir)
            if ports is not None and ports.get("pid") == self.proc.pid:
                check("api" in ports, "the ports file names no API port: %r" % ports)
                self.port = ports["api"]
                self.p2p_port = ports.get("p2p")
                return ports
            if self.proc.poll() is not None:
                fail("chroomd exited with status %d before it wrote its ports file: %s"
                     % (self.proc.returncode, self.log_tail(5)))
            if time.monotonic() > deadline:
                self.kill()
                fail("chroomd wrote no ports file within %s s: %s" % (timeout, self.log_tail(5)))
            time.sleep(0.02)

    def _wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = self.request("GET", "/health", timeout=1)
                if r.status == 200:
                    # Make sure it is our node answering, not another one on the port.
                    eq(self.get("/api/v1/status")["chain_id"], self.chain.chain_id,
                       "chain id of the node answering on port %d" % self.port)
                    return True
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        self.kill()
        return False

    def create_api_key(self, tier="premium", scopes="read,submit,admin,meetings", label=None,
                       extra=()):
        """`chroomd apikey create` on this node's config (running or not), with more flags
        (extra: e.g. a sponsor binding); returns the key."""
        self._write_conf()
        args = [binary("chroomd"), "apikey", "create", "--config", self.conf_path, "--tier", tier,
                "--scopes", scopes] + [str(a) for a in extra]
        if label is not None:
            args += ["--label", label]
        key = run_ok(args).strip()
        check(key.startswith("chr_") and len(key) == 64, "apikey create printed %r" % key)
        return key

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then wait; returns the exit status (fails the test if it hangs)."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("chroomd did not exit within %s s of SIGTERM" % timeout)

    def kill(self):
        if self.alive():
            self.proc.kill()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def restart(self):
        self.stop()
        return self.start()

    def log_text(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=20):
        return " | ".join(self.log_text().strip().splitlines()[-n:])

    # ---- HTTP. ----

    def request(self, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT_S,
                content_type="application/json", auth=True):
        """One HTTP request on a fresh connection. body: bytes, str, or a JSON value (dumped).
        content_type None sends no Content-Type header. The node's API key goes in
        Authorization unless auth is False or headers has its own Authorization."""
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = {}
        if body is not None and content_type is not None:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        if auth and self.api_key and not any(k.lower() == "authorization" for k in hdrs):
            hdrs["Authorization"] = "Bearer " + self.api_key
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            h = {k.lower(): v for k, v in resp.getheaders()}
            openapi_check.observe(method, path, resp.status, h, raw)  # against openapi.yaml
            return Response(resp.status, h, raw)
        finally:
            conn.close()

    def call(self, method, path, body=None, **kw):
        """The JSON helper: (status, headers with lower-case names, parsed body)."""
        r = self.request(method, path, body, **kw)
        return r.status, r.headers, r.json

    def get(self, path, want=200):
        r = self.request("GET", path)
        if want is not None and r.status != want:
            fail("GET %s: expected HTTP %d, got %r" % (path, want, r))
        return r.json

    def submit(self, tx, wait=False, timeout_ms=None):
        path = "/api/v1/txs"
        q = []
        if wait:
            q.append("wait=commit")
        if timeout_ms is not None:
            q.append("timeout_ms=%d" % timeout_ms)
        if q:
            path += "?" + "&".join(q)
        return self.request("POST", path, {"tx": tx})

    def batch(self, txs, wait=False, timeout_ms=None):
        path = "/api/v1/txs/batch"
        if wait:
            path += "?wait=commit"
            if timeout_ms is not None:
                path += "&timeout_ms=%d" % timeout_ms
        return self.request("POST", path, {"txs": txs})

    def account(self, address):
        return self.get("/api/v1/accounts/" + address)

    def balance(self, address):
        return int(self.account(address)["balance"])

    def nonce(self, address):
        return int(self.account(address)["nonce"])

    def status(self):
        return self.get("/api/v1/status")

    def height(self):
        return int(self.status()["latest_height"])

    def supply_parts(self):
        """GET /api/v1/supply's figures, as integers."""
        return {k: int(v) for k, v in self.get("/api/v1/supply").items()}

    def rewards_held(self):
        """What the rewards hold: fees (and minted units) distributed and not withdrawn, the
        treasury included (docs/PROTOCOL.md "Rewards"): where the fees go."""
        s = self.supply_parts()
        return s["rewards_pending"] + s["treasury"]

    def total_balance(self, addresses=None):
        """The known accounts' balances plus what left the liquid supply since the genesis
        (rewards pending, the treasury, governance deposits, meetings' escrows, media nodes'
        bonds, stake bonded or unbonding beyond the genesis stakes), less what was minted and
        plus what was burned: the genesis liquid supply (chain.supply) as long as every liquid
        unit is in the accounts named."""
        s = self.supply_parts()
        liquid = sum(self.balance(a) for a in (addresses or self.chain.addresses))
        return (liquid + s["rewards_pending"] + s["treasury"] + s["deposits"] + s["escrowed"] +
                s["media_bonded"] + s["bonded"] + s["unbonding"] - self.chain.bonded -
                s["minted"] + s["burned"])

    def wait_tx(self, h, timeout=10):
        """Polls GET /api/v1/txs/HASH until it is no longer pending; returns its answer."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.request("GET", "/api/v1/txs/" + h)
            if r.status == 200 and r.json["status"] not in ("pending",):
                return r.json
            if time.monotonic() > deadline:
                fail("tx %s still %r after %s s" % (h[:16], r, timeout))
            time.sleep(0.05)

    def wait_height(self, height, timeout=10):
        deadline = time.monotonic() + timeout
        while self.height() < height:
            if time.monotonic() > deadline:
                fail("height %d not reached within %s s (at %d)" % (height, timeout,
                                                                  self.height()))
            time.sleep(0.05)


def start_node(ctx, accounts=None, conf=None, validator_balance=0, name="node", params=None):
    """A fresh chain (alice and bob funded unless told otherwise) and a running node."""
    chain = Chain(ctx, accounts if accounts is not None else
                  {"alice": 10**12, "bob": 10**12}, validator_balance=validator_balance,
                  params=params)
    return Node(ctx, chain, name=name, conf=conf).start()


def assert_error(r, status, code=None, what=""):
    """r is an error answer of the documented shape, with this status (and code)."""
    prefix = (what + ": ") if what else ""
    if r.status != status:
        fail("%sexpected HTTP %d, got %r" % (prefix, status, r))
    ct = r.headers.get("content-type", "")
    check(ct.split(";")[0].strip() == "application/json",
          "%sContent-Type %r, not application/json" % (prefix, ct))
    body = r.json
    check(isinstance(body, dict) and isinstance(body.get("error"), dict),
          "%serror body has no error object: %r" % (prefix, body))
    e = body["error"]
    check(isinstance(e.get("code"), str) and e["code"],
          "%serror.code not a string: %r" % (prefix, body))
    check(isinstance(e.get("message"), str) and e["message"],
          "%serror.message not a string: %r" % (prefix, body))
    # A message speaks of the client's input, never of a library's flags (jansson's JSON_*).
    check("JSON_" not in e["message"], "%serror.message names a flag: %r" % (prefix, body))
    if code is not None:
        if isinstance(code, (set, tuple, list)):
            check(e["code"] in code, "%serror.code %r not in %r" % (prefix, e["code"], code))
        else:
            eq(e["code"], code, prefix + "error.code")
    return e
