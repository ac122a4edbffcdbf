"""A peer that speaks the peer-to-peer wire protocol (docs/P2P.md) from Python, so that a
test can say exactly what a node hears and in what order: it completes the HELLO/AUTH
handshake with a node key of its own, then sends frames of any type; a thread reads what
the node sends and answers its PINGs."""

import hashlib
import secrets
import socket
import struct
import threading

import bip340
from node import check, eq

PROTOCOL_VERSION = 1
T_HELLO, T_AUTH, T_PING, T_PONG = 1, 2, 3, 4
T_TXS = 17  # node/consensus.h NODE_P2P_TXS: u16 count | (u16 len | tx) * count


def _bytes8(b):
    return bytes([len(b)]) + b


class Peer:
    """Connected to a node's p2p port and through its handshake on return."""

    def __init__(self, chain, port, timeout=10):
        self.sk = secrets.token_bytes(32)
        self.node_id = bip340.pubkey(self.sk)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.lock = threading.Lock()
        self.heard = set()  # ids of the transactions the node gossiped to us
        chain_id = chain.chain_id.encode()
        genesis = bytes.fromhex(chain.genesis_hash)
        challenge = secrets.token_bytes(32)
        self.send(T_HELLO, struct.pack(">H", PROTOCOL_VERSION) + _bytes8(chain_id) + genesis +
                  self.node_id + challenge + _bytes8(b""))
        typ, hello = self._recv()
        eq(typ, T_HELLO, "the node's first frame is its HELLO")
        off = 2 + 1 + hello[2]
        theirs = hello[off + 32:off + 64]
        their_challenge = hello[off + 64:off + 96]
        # The listen address the node announces (docs/P2P.md, HELLO), as text.
        self.announced = hello[off + 97:off + 97 + hello[off + 96]].decode("ascii", "replace")
        msg = bip340.tagged_hash(
            "CHROOM/p2p-auth",
            struct.pack(">H", PROTOCOL_VERSION) + _bytes8(chain_id) + genesis + self.node_id +
            theirs + their_challenge + challenge)
        self.send(T_AUTH, bip340.sign(self.sk, msg, secrets.token_bytes(32)))
        typ, _ = self._recv()
        eq(typ, T_AUTH, "the node's second frame is its AUTH")
        self.sock.settimeout(None)
        self.reader = threading.Thread(target=self._read_all, daemon=True)
        self.reader.start()

    def send(self, typ, payload):
        with self.lock:
            self.sock.sendall(struct.pack(">IB", 1 + len(payload), typ) + payload)

    def gossip(self, txs_hex):
        """Sends transactions (hex) in one gossip message."""
        body = struct.pack(">H", len(txs_hex))
        for tx in txs_hex:
            raw = bytes.fromhex(tx)
            body += struct.pack(">H", len(raw)) + raw
        self.send(T_TXS, body)

    def has_heard(self, tx_hex):
        with self.lock:
            return tx_id(tx_hex) in self.heard

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("the node closed the connection")
            buf += chunk
        return buf

    def _recv(self):
        length, typ = struct.unpack(">IB", self._read_exact(5))
        check(length >= 1, "a frame of length %d" % length)
        return typ, self._read_exact(length - 1)

    def _read_all(self):
        """PINGs answered, gossiped transactions noted in heard, the rest dropped."""
        try:
            while True:
                typ, payload = self._recv()
                if typ == T_PING:
                    self.send(T_PONG, payload)
                elif typ == T_TXS:
                    count, off = struct.unpack(">H", payload[:2])[0], 2
                    for _ in range(count):
                        (n,) = struct.unpack(">H", payload[off:off + 2])
                        tx = payload[off + 2:off + 2 + n]
                        with self.lock:
                            self.heard.add(hashlib.sha256(tx).hexdigest())
                        off += 2 + n
        except (OSError, EOFError):
            pass


def tx_id(tx_hex):
    return hashlib.sha256(bytes.fromhex(tx_hex)).hexdigest()
