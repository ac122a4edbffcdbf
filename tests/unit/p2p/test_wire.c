#include <string.h>

#include "common/enc.h"
#include "common/hash.h"
#include "consensus/internal/p2p_wire.h"
#include "tests/unit/p2p/suite.h"
#include "tests/unit/test.h"

static void sample_hello(cons_p2p_hello *h)
{
    memset(h, 0, sizeof(*h));
    h->version = CONS_P2P_PROTOCOL_VERSION;
    h->chain_id_len = 11;
    memcpy(h->chain_id, "chroom-test", 11);
    memset(h->genesis_hash, 0x11, 32);
    memset(h->node_id, 0x22, 32);
    memset(h->challenge, 0x33, 32);
    h->listen_len = 20;
    memcpy(h->listen, "tcp://10.0.0.1:26656", 20);
}

/* Proves a frame header carries length (type byte included) big-endian and the type, and
 * that empty and over-limit lengths are refused. */
void test_wire_frame_header(void)
{
    uint8_t hdr[CONS_P2P_FRAME_HEADER_BYTES];
    cons_p2p_frame_header_encode(hdr, 17, 258);
    static const uint8_t want[5] = {0, 0, 1, 3, 17};
    CHECK(memcmp(hdr, want, 5) == 0);
    uint8_t type;
    size_t len;
    CHECK_OK(cons_p2p_frame_header_decode(&type, &len, hdr, 259));
    CHECK(type == 17 && len == 258);
    CHECK(cons_p2p_frame_header_decode(&type, &len, hdr, 258) == CHR_ERR_TOO_LONG);
    CHECK(type == 0 && len == 0);
    static const uint8_t zero[5] = {0, 0, 0, 0, 16};
    CHECK(cons_p2p_frame_header_decode(&type, &len, zero, 1000) == CHR_ERR_PEER_FRAME);
    static const uint8_t huge[5] = {0xff, 0xff, 0xff, 0xff, 16};
    CHECK(cons_p2p_frame_header_decode(&type, &len, huge, CONS_P2P_FRAME_BYTES_LIMIT) ==
          CHR_ERR_TOO_LONG);
    static const uint8_t empty_payload[5] = {0, 0, 0, 1, 20};
    CHECK_OK(cons_p2p_frame_header_decode(&type, &len, empty_payload, 1));
    CHECK(type == 20 && len == 0);
    CHECK(cons_p2p_type_known(CONS_P2P_T_HELLO) && cons_p2p_type_known(CONS_P2P_T_PONG));
    CHECK(cons_p2p_type_known(CONS_P2P_TYPE_USER_MIN) && cons_p2p_type_known(255));
    CHECK(!cons_p2p_type_known(0) && !cons_p2p_type_known(5) && !cons_p2p_type_known(15));
}

/* Proves HELLO encodes to its documented layout and decodes back to the same bytes. */
void test_wire_hello_round_trip(void)
{
    cons_p2p_hello h;
    sample_hello(&h);
    uint8_t buf[CONS_P2P_HELLO_BYTES_MAX];
    size_t len;
    CHECK_OK(cons_p2p_hello_encode(&h, buf, sizeof(buf), &len));
    CHECK(len == 2 + 1 + 11 + 96 + 1 + 20);
    CHECK(buf[0] == 0 && buf[1] == CONS_P2P_PROTOCOL_VERSION && buf[2] == 11);
    cons_p2p_hello d;
    CHECK_OK(cons_p2p_hello_decode(&d, buf, len));
    CHECK(memcmp(&d, &h, sizeof(h)) == 0);
    uint8_t again[CONS_P2P_HELLO_BYTES_MAX];
    size_t again_len;
    CHECK_OK(cons_p2p_hello_encode(&d, again, sizeof(again), &again_len));
    CHECK(again_len == len && memcmp(again, buf, len) == 0);
    /* The largest HELLO fits its bound and the handshake frame limit. */
    h.chain_id_len = LEDGER_CHAIN_ID_MAX;
    memset(h.chain_id, 'a', LEDGER_CHAIN_ID_MAX);
    h.listen_len = CONS_P2P_ADDR_MAX;
    memset(h.listen, 'x', CONS_P2P_ADDR_MAX);
    CHECK_OK(cons_p2p_hello_encode(&h, buf, sizeof(buf), &len));
    CHECK(len == CONS_P2P_HELLO_BYTES_MAX);
    CHECK(cons_p2p_hello_encode(&h, buf, len - 1, &len) == CHR_ERR_TOO_LONG && len == 0);
}

/* Proves malformed HELLOs are refused: truncated, trailing bytes, another version, a bad
 * chain id, an address with a space, and that nothing past an unknown version is read. */
void test_wire_hello_rejects(void)
{
    cons_p2p_hello h;
    sample_hello(&h);
    uint8_t buf[CONS_P2P_HELLO_BYTES_MAX + 1];
    size_t len;
    CHECK_OK(cons_p2p_hello_encode(&h, buf, sizeof(buf), &len));
    cons_p2p_hello d;
    for (size_t cut = 0; cut < len; cut++) {
        CHECK(cons_p2p_hello_decode(&d, buf, cut) != CHR_OK);
    }
    buf[len] = 0;
    CHECK(cons_p2p_hello_decode(&d, buf, len + 1) == CHR_ERR_TRAILING);
    uint8_t v2[2] = {0, 2};
    CHECK(cons_p2p_hello_decode(&d, v2, sizeof(v2)) == CHR_ERR_VERSION);
    CHECK(d.version == 0);
    uint8_t bad[CONS_P2P_HELLO_BYTES_MAX];
    memcpy(bad, buf, len);
    bad[3] = 'C'; /* upper case is not a chain id */
    CHECK(cons_p2p_hello_decode(&d, bad, len) == CHR_ERR_CHAIN_ID);
    memcpy(bad, buf, len);
    bad[len - 3] = ' ';
    CHECK(cons_p2p_hello_decode(&d, bad, len) == CHR_ERR_PEER_HANDSHAKE);
    memcpy(bad, buf, len);
    bad[2] = LEDGER_CHAIN_ID_MAX + 1;
    CHECK(cons_p2p_hello_decode(&d, bad, len) == CHR_ERR_TOO_LONG);
    h.version = 2;
    CHECK(cons_p2p_hello_encode(&h, buf, sizeof(buf), &len) == CHR_ERR_ARG);
}

/* Proves AUTH is exactly 64 bytes and PING/PONG exactly 8. */
void test_wire_auth_ping(void)
{
    uint8_t in[65];
    memset(in, 0x5a, sizeof(in));
    uint8_t sig[64];
    CHECK_OK(cons_p2p_auth_decode(sig, in, 64));
    CHECK(sig[0] == 0x5a && sig[63] == 0x5a);
    CHECK(cons_p2p_auth_decode(sig, in, 63) == CHR_ERR_PEER_HANDSHAKE);
    CHECK(cons_p2p_auth_decode(sig, in, 65) == CHR_ERR_PEER_HANDSHAKE && sig[0] == 0);
    uint8_t ping[8];
    cons_p2p_ping_encode(ping, 0x0102030405060708ULL);
    CHECK(ping[0] == 1 && ping[7] == 8);
    uint64_t nonce;
    CHECK_OK(cons_p2p_ping_decode(&nonce, ping, 8));
    CHECK(nonce == 0x0102030405060708ULL);
    CHECK(cons_p2p_ping_decode(&nonce, ping, 7) == CHR_ERR_PEER_FRAME && nonce == 0);
}

/* Proves the AUTH message is the documented tagged hash (a fixed vector, also in
 * docs/P2P.md) and that every field it binds changes it, the two ids' order included. */
void test_wire_auth_hash(void)
{
    uint8_t g[32];
    uint8_t a[32];
    uint8_t b[32];
    uint8_t ca[32];
    uint8_t cb[32];
    memset(g, 0x11, 32);
    memset(a, 0x22, 32);
    memset(b, 0x33, 32);
    memset(ca, 0x44, 32);
    memset(cb, 0x55, 32);
    uint8_t h[32];
    cons_p2p_auth_hash(h, "chroom-test", 11, g, a, b, cb, ca);
    /* The same by hand: tagged_hash(tag, u16 1 | bytes8 chain | g | a | b | cb | ca). */
    uint8_t msg[2 + 1 + 11 + 160];
    chr_enc enc;
    chr_enc_init(&enc, msg, sizeof(msg));
    chr_enc_u16(&enc, 1);
    chr_enc_bytes8(&enc, (const uint8_t *)"chroom-test", 11);
    chr_enc_raw(&enc, g, 32);
    chr_enc_raw(&enc, a, 32);
    chr_enc_raw(&enc, b, 32);
    chr_enc_raw(&enc, cb, 32);
    chr_enc_raw(&enc, ca, 32);
    size_t len;
    CHECK_OK(chr_enc_finish(&enc, &len));
    CHECK(len == sizeof(msg));
    uint8_t want[32];
    chr_tagged_hash(want, "CHROOM/p2p-auth", msg, len);
    CHECK(memcmp(h, want, 32) == 0);
    uint8_t vector[32];
    chr_test_hex(vector, 32, T_AUTH_VECTOR);
    CHECK(memcmp(h, vector, 32) == 0);
    uint8_t other[32];
    cons_p2p_auth_hash(other, "chroom-tesu", 11, g, a, b, cb, ca);
    CHECK(memcmp(h, other, 32) != 0);
    cons_p2p_auth_hash(other, "chroom-test", 11, g, b, a, cb, ca);
    CHECK(memcmp(h, other, 32) != 0);
    cons_p2p_auth_hash(other, "chroom-test", 11, g, a, b, ca, cb);
    CHECK(memcmp(h, other, 32) != 0);
    g[31] ^= 1;
    cons_p2p_auth_hash(other, "chroom-test", 11, g, a, b, cb, ca);
    CHECK(memcmp(h, other, 32) != 0);
}
