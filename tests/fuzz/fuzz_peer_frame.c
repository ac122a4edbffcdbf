/* Fuzzes the peer-to-peer wire decoders (consensus/internal/p2p_wire.h): no input may
 * crash them. The input is read as a stream of frames, the way a connection's reader
 * does: each header that decodes must re-encode to the same 5 bytes and respect the limit,
 * and each transport message (HELLO, AUTH, PING, PONG) that decodes must re-encode to
 * exactly its payload. The whole input is also offered to each message decoder directly,
 * so the fuzzer can reach HELLO's fields without first finding a frame header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "consensus/internal/p2p_wire.h"
#include "ledger/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A limit small enough that the fuzzer meets it often. */
#define FUZZ_FRAME_MAX 4096

static void check_hello(const uint8_t *in, size_t len)
{
    cons_p2p_hello h;
    if (cons_p2p_hello_decode(&h, in, len) != CHR_OK) {
        return;
    }
    uint8_t again[CONS_P2P_HELLO_BYTES_MAX];
    size_t again_len;
    if (cons_p2p_hello_encode(&h, again, sizeof(again), &again_len) != CHR_OK || again_len != len ||
        memcmp(again, in, len) != 0) {
        abort();
    }
    if (h.version != CONS_P2P_PROTOCOL_VERSION ||
        !ledger_chain_id_valid(h.chain_id, h.chain_id_len)) {
        abort();
    }
    for (size_t i = 0; i < h.listen_len; i++) {
        if (h.listen[i] < 0x21 || h.listen[i] > 0x7e) {
            abort();
        }
    }
}

static void check_small(const uint8_t *in, size_t len)
{
    uint8_t sig[64];
    if (cons_p2p_auth_decode(sig, in, len) == CHR_OK && (len != 64 || memcmp(sig, in, 64) != 0)) {
        abort();
    }
    uint64_t nonce;
    if (cons_p2p_ping_decode(&nonce, in, len) == CHR_OK) {
        uint8_t again[8];
        cons_p2p_ping_encode(again, nonce);
        if (len != 8 || memcmp(again, in, 8) != 0) {
            abort();
        }
    }
}

static void check_payload(uint8_t type, const uint8_t *in, size_t len)
{
    if (type == CONS_P2P_T_HELLO) {
        check_hello(in, len);
    } else if (type == CONS_P2P_T_AUTH || type == CONS_P2P_T_PING || type == CONS_P2P_T_PONG) {
        check_small(in, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
    check_hello(data, size);
    check_small(data, size);
    size_t pos = 0;
    while (size - pos >= CONS_P2P_FRAME_HEADER_BYTES) {
        uint8_t type;
        size_t len;
        if (cons_p2p_frame_header_decode(&type, &len, data + pos, FUZZ_FRAME_MAX) != CHR_OK) {
            break;
        }
        uint8_t hdr[CONS_P2P_FRAME_HEADER_BYTES];
        cons_p2p_frame_header_encode(hdr, type, len);
        if (memcmp(hdr, data + pos, sizeof(hdr)) != 0 || len + 1 > FUZZ_FRAME_MAX) {
            abort();
        }
        pos += CONS_P2P_FRAME_HEADER_BYTES;
        if (size - pos < len || !cons_p2p_type_known(type)) {
            break;
        }
        check_payload(type, data + pos, len);
        pos += len;
    }
    return 0;
}
