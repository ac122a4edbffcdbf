"""BIP-340 verification and signing in plain Python, after the BIP's reference code
(sections "Verification" and "Default Signing"): slow and not constant time, which a test
can afford. Lets the tests check, independently of the node and the wallet, that a
signature over a quote's sighash is valid, and speak as a peer (tests/functional/
p2p_peer.py), which proves its node key by a signature."""

import hashlib

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def tagged_hash(tag, msg):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and a[1] != b[1]:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], P - 2, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], P - 2, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return (x, (lam * (a[0] - x) - a[1]) % P)


def _mul(pt, k):
    r = None
    for i in range(256):
        if (k >> i) & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
    return r


def _lift_x(x):
    if x >= P:
        return None
    y_sq = (pow(x, 3, P) + 7) % P
    y = pow(y_sq, (P + 1) // 4, P)
    if pow(y, 2, P) != y_sq:
        return None
    return (x, y if y % 2 == 0 else P - y)


def verify(pubkey, msg, sig):
    """True when sig (64 bytes) is a valid BIP-340 signature of msg (32 bytes) by the
    x-only pubkey (32 bytes)."""
    pt = _lift_x(int.from_bytes(pubkey, "big"))
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:], "big")
    if pt is None or r >= P or s >= N:
        return False
    e = int.from_bytes(tagged_hash("BIP0340/challenge", sig[:32] + pubkey + msg), "big") % N
    big_r = _add(_mul(G, s), _mul(pt, N - e))
    return big_r is not None and big_r[1] % 2 == 0 and big_r[0] == r


def pubkey(sk):
    """The x-only public key (32 bytes) of the secret key sk (32 bytes)."""
    return _mul(G, int.from_bytes(sk, "big"))[0].to_bytes(32, "big")


def sign(sk, msg, aux=bytes(32)):
    """The BIP-340 signature (64 bytes) of msg (32 bytes) by sk (32 bytes, 1..n-1)."""
    d0 = int.from_bytes(sk, "big")
    pt = _mul(G, d0)
    d = d0 if pt[1] % 2 == 0 else N - d0
    px = pt[0].to_bytes(32, "big")
    t = (d ^ int.from_bytes(tagged_hash("BIP0340/aux", aux), "big")).to_bytes(32, "big")
    k0 = int.from_bytes(tagged_hash("BIP0340/nonce", t + px + msg), "big") % N
    big_r = _mul(G, k0)
    k = k0 if big_r[1] % 2 == 0 else N - k0
    rx = big_r[0].to_bytes(32, "big")
    e = int.from_bytes(tagged_hash("BIP0340/challenge", rx + px + msg), "big") % N
    return rx + ((k + e * d) % N).to_bytes(32, "big")
