/* The peer-to-peer wire format: pure encoders and decoders (consensus/internal/p2p_wire.h).
 * No I/O, clock or randomness here, so this file may join the deterministic core's list. */
#include "consensus/internal/p2p_wire.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "ledger/tx.h"

void cons_p2p_frame_header_encode(uint8_t out[CONS_P2P_FRAME_HEADER_BYTES], uint8_t type,
                                  size_t payload_len)
{
    CHR_ASSERT(payload_len < 0xFFFFFFFFu);
    chr_put_u32be(out, (uint32_t)(payload_len + 1));
    out[4] = type;
}

chr_err cons_p2p_frame_header_decode(uint8_t *type, size_t *payload_len,
                                     const uint8_t in[CONS_P2P_FRAME_HEADER_BYTES],
                                     size_t frame_bytes_max)
{
    *type = 0;
    *payload_len = 0;
    uint32_t len = chr_get_u32be(in);
    /* The length counts the type byte, so zero cannot be a frame. */
    if (len == 0) {
        return CHR_ERR_PEER_FRAME;
    }
    if (len > frame_bytes_max) {
        return CHR_ERR_TOO_LONG;
    }
    *type = in[4];
    *payload_len = (size_t)len - 1;
    return CHR_OK;
}

bool cons_p2p_type_known(uint8_t type)
{
    return type >= CONS_P2P_TYPE_USER_MIN || (type >= CONS_P2P_T_HELLO && type <= CONS_P2P_T_PONG);
}

static bool p2p_addr_printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

chr_err cons_p2p_hello_encode(const cons_p2p_hello *h, uint8_t *out, size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (h->version != CONS_P2P_PROTOCOL_VERSION ||
        !ledger_chain_id_valid(h->chain_id, h->chain_id_len) ||
        !p2p_addr_printable(h->listen, h->listen_len)) {
        return CHR_ERR_ARG;
    }
    chr_enc enc;
    chr_enc_init(&enc, out, cap);
    chr_enc_u16(&enc, h->version);
    chr_enc_bytes8(&enc, (const uint8_t *)h->chain_id, h->chain_id_len);
    chr_enc_raw(&enc, h->genesis_hash, 32);
    chr_enc_raw(&enc, h->node_id, 32);
    chr_enc_raw(&enc, h->challenge, 32);
    chr_enc_bytes8(&enc, (const uint8_t *)h->listen, h->listen_len);
    return chr_enc_finish(&enc, out_len);
}

static chr_err p2p_hello_decode_body(cons_p2p_hello *h, chr_dec *dec)
{
    const uint8_t *view;
    size_t n;
    chr_err err = chr_dec_bytes8(dec, &view, &n, LEDGER_CHAIN_ID_MAX);
    if (err != CHR_OK) {
        return err;
    }
    if (!ledger_chain_id_valid((const char *)view, n)) {
        return CHR_ERR_CHAIN_ID;
    }
    memcpy(h->chain_id, view, n);
    h->chain_id_len = (uint8_t)n;
    if ((err = chr_dec_raw(dec, h->genesis_hash, 32)) != CHR_OK ||
        (err = chr_dec_raw(dec, h->node_id, 32)) != CHR_OK ||
        (err = chr_dec_raw(dec, h->challenge, 32)) != CHR_OK ||
        (err = chr_dec_bytes8(dec, &view, &n, CONS_P2P_ADDR_MAX)) != CHR_OK) {
        return err;
    }
    if (!p2p_addr_printable((const char *)view, n)) {
        return CHR_ERR_PEER_HANDSHAKE;
    }
    memcpy(h->listen, view, n);
    h->listen_len = (uint8_t)n;
    return chr_dec_finish(dec);
}

chr_err cons_p2p_hello_decode(cons_p2p_hello *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    uint16_t version;
    chr_err err = chr_dec_u16(&dec, &version);
    if (err != CHR_OK) {
        return err;
    }
    /* A later version may lay HELLO out differently: read nothing past the version. */
    if (version != CONS_P2P_PROTOCOL_VERSION) {
        return CHR_ERR_VERSION;
    }
    cons_p2p_hello h;
    memset(&h, 0, sizeof(h));
    h.version = version;
    err = p2p_hello_decode_body(&h, &dec);
    if (err != CHR_OK) {
        return err;
    }
    *out = h;
    CHR_ASSERT(out->chain_id_len >= 1);
    return CHR_OK;
}

chr_err cons_p2p_auth_decode(uint8_t sig[64], const uint8_t *in, size_t in_len)
{
    if (in_len != 64) {
        memset(sig, 0, 64);
        return CHR_ERR_PEER_HANDSHAKE;
    }
    memcpy(sig, in, 64);
    return CHR_OK;
}

void cons_p2p_ping_encode(uint8_t out[8], uint64_t nonce)
{
    chr_put_u64be(out, nonce);
}

chr_err cons_p2p_ping_decode(uint64_t *nonce, const uint8_t *in, size_t in_len)
{
    *nonce = 0;
    if (in_len != 8) {
        return CHR_ERR_PEER_FRAME;
    }
    *nonce = chr_get_u64be(in);
    return CHR_OK;
}

void cons_p2p_auth_hash(uint8_t out[32], const char *chain_id, size_t chain_id_len,
                        const uint8_t genesis_hash[32], const uint8_t signer_id[32],
                        const uint8_t verifier_id[32], const uint8_t verifier_challenge[32],
                        const uint8_t signer_challenge[32])
{
    CHR_ASSERT(chain_id_len >= 1);
    CHR_ASSERT(chain_id_len <= LEDGER_CHAIN_ID_MAX);
    uint8_t msg[2 + 1 + LEDGER_CHAIN_ID_MAX + 5 * 32];
    chr_enc enc;
    chr_enc_init(&enc, msg, sizeof(msg));
    chr_enc_u16(&enc, CONS_P2P_PROTOCOL_VERSION);
    chr_enc_bytes8(&enc, (const uint8_t *)chain_id, chain_id_len);
    chr_enc_raw(&enc, genesis_hash, 32);
    chr_enc_raw(&enc, signer_id, 32);
    chr_enc_raw(&enc, verifier_id, 32);
    chr_enc_raw(&enc, verifier_challenge, 32);
    chr_enc_raw(&enc, signer_challenge, 32);
    size_t len;
    chr_err err = chr_enc_finish(&enc, &len);
    CHR_ASSERT(err == CHR_OK);
    chr_tagged_hash(out, CONS_P2P_AUTH_TAG, msg, len);
}
