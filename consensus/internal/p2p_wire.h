/* The peer-to-peer wire format (docs/P2P.md): frame headers and the transport's own
 * messages, encoded and decoded with no I/O, clock or randomness, so the fuzz target and
 * the tests drive them directly.
 *
 * A frame is u32 length (big-endian) | u8 type | payload, where length counts the type byte
 * and the payload (so 1 <= length <= frame_bytes_max). The transport's messages:
 *   HELLO 1: u16 version | bytes8 chain_id | raw32 genesis_hash | raw32 node_id |
 *            raw32 challenge | bytes8 listen_address (0..CONS_P2P_ADDR_MAX printable ASCII)
 *   AUTH  2: raw64 BIP-340 signature of cons_p2p_auth_hash
 *   PING  3: u64 nonce
 *   PONG  4: u64 nonce (the PING's)
 * Types 5..15 are reserved: receiving one disconnects the peer. Every decoder accepts
 * exactly one encoding per value (decode then encode gives the input back) and writes its
 * output only on success (zeroed on failure). Thread-safe. */
#ifndef CONS_P2P_WIRE_H
#define CONS_P2P_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "consensus/p2p.h"
#include "ledger/limits.h"

#define CONS_P2P_FRAME_HEADER_BYTES 5

#define CONS_P2P_T_HELLO 1
#define CONS_P2P_T_AUTH 2
#define CONS_P2P_T_PING 3
#define CONS_P2P_T_PONG 4

/* The tag of the handshake signature's tagged hash (BIP-340 section "Design", tagged
 * hashes), distinct from every other signed payload of Chroom. */
#define CONS_P2P_AUTH_TAG "CHROOM/p2p-auth"

/* The largest HELLO: version, chain id, three 32-byte fields and the address. */
#define CONS_P2P_HELLO_BYTES_MAX (2 + 1 + LEDGER_CHAIN_ID_MAX + 3 * 32 + 1 + CONS_P2P_ADDR_MAX)
/* The largest frame accepted before the handshake completes: a HELLO with room. A stranger
 * cannot make us allocate more than this before it proves its key. */
#define CONS_P2P_HANDSHAKE_FRAME_MAX 512

_Static_assert(CONS_P2P_HELLO_BYTES_MAX + 1 <= CONS_P2P_HANDSHAKE_FRAME_MAX,
               "a HELLO frame fits the handshake limit");
_Static_assert(CONS_P2P_ADDR_MAX <= 255, "the address is encoded with a u8 length");

typedef struct cons_p2p_hello {
    uint16_t version;
    uint8_t chain_id_len;
    char chain_id[LEDGER_CHAIN_ID_MAX];
    uint8_t genesis_hash[32];
    uint8_t node_id[32];
    uint8_t challenge[32];
    uint8_t listen_len;
    char listen[CONS_P2P_ADDR_MAX];
} cons_p2p_hello;

/* Writes the 5-byte header of a frame of type with payload_len bytes of payload;
 * payload_len + 1 must fit a u32 (asserted). */
void cons_p2p_frame_header_encode(uint8_t out[CONS_P2P_FRAME_HEADER_BYTES], uint8_t type,
                                  size_t payload_len);

/* Reads a frame header. CHR_ERR_PEER_FRAME for a zero length, CHR_ERR_TOO_LONG for a length
 * over frame_bytes_max; on success *payload_len is length - 1. Checks nothing about the
 * type (see cons_p2p_type_known). */
CHR_WUR chr_err cons_p2p_frame_header_decode(uint8_t *type, size_t *payload_len,
                                             const uint8_t in[CONS_P2P_FRAME_HEADER_BYTES],
                                             size_t frame_bytes_max);

/* True for the transport's types (HELLO..PONG) and for user types. */
bool cons_p2p_type_known(uint8_t type);

/* Encodes h into out (cap bytes). CHR_ERR_ARG if h is not a valid HELLO (version, chain id,
 * address), CHR_ERR_TOO_LONG if out is too small; *out_len is set on success, 0 otherwise. */
CHR_WUR chr_err cons_p2p_hello_encode(const cons_p2p_hello *h, uint8_t *out, size_t cap,
                                      size_t *out_len);
/* CHR_ERR_VERSION when the version is not CONS_P2P_PROTOCOL_VERSION (nothing after it is
 * read: a later version may change the layout), CHR_ERR_CHAIN_ID for a chain id that is not
 * one (ledger_chain_id_valid), CHR_ERR_PEER_HANDSHAKE for an address with bytes outside
 * printable ASCII, and CHR_ERR_TRUNCATED, CHR_ERR_TOO_LONG, CHR_ERR_TRAILING for the
 * structure. */
CHR_WUR chr_err cons_p2p_hello_decode(cons_p2p_hello *out, const uint8_t *in, size_t in_len);

/* AUTH's payload is the 64-byte signature itself: CHR_ERR_PEER_HANDSHAKE for any other
 * length. */
CHR_WUR chr_err cons_p2p_auth_decode(uint8_t sig[64], const uint8_t *in, size_t in_len);

/* PING and PONG: a u64 nonce, big-endian; CHR_ERR_PEER_FRAME for any other length. */
void cons_p2p_ping_encode(uint8_t out[8], uint64_t nonce);
CHR_WUR chr_err cons_p2p_ping_decode(uint64_t *nonce, const uint8_t *in, size_t in_len);

/* The message an AUTH signs: tagged_hash(CONS_P2P_AUTH_TAG, u16 version | bytes8 chain_id |
 * raw32 genesis_hash | raw32 signer_id | raw32 verifier_id | raw32 verifier_challenge |
 * raw32 signer_challenge). The verifier's fresh challenge proves the signature is new; the
 * signer's own challenge and both ids bind it to this one session between these two nodes;
 * the chain id and genesis hash bind it to the chain. chain_id_len is 1..LEDGER_CHAIN_ID_MAX
 * (asserted). */
void cons_p2p_auth_hash(uint8_t out[32], const char *chain_id, size_t chain_id_len,
                        const uint8_t genesis_hash[32], const uint8_t signer_id[32],
                        const uint8_t verifier_id[32], const uint8_t verifier_challenge[32],
                        const uint8_t signer_challenge[32]);

#endif
