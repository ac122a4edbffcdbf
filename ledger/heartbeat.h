/* Media-node heartbeats (docs/ANALYTICS.md): a media node's signed report of its load and
 * quality, sent to any ledger node's POST /api/v1/analytics/heartbeats. Not consensus state:
 * the node that receives one keeps it in its own analytics store (rpc/analytics.h).
 *
 * A heartbeat is the media node's BIP-340 signature over the tagged hash "CHROOM/heartbeat"
 * of (integers big-endian; bytes8 is a u8 length then the bytes):
 *   u8 version = 1 | bytes8 chain_id | raw32 node_key | u64 time_ms | u16 load_permille |
 *   u32 participants | u32 kbps_in | u32 kbps_out | u16 loss_bp | u32 jitter_ms |
 *   u32 rtt_ms | u16 cpu_permille | u8 meetings_len | meetings_len x (raw12 meeting_id |
 *   u32 participants | u32 kbps_in | u32 kbps_out | u16 loss_bp | u32 jitter_ms |
 *   u32 rtt_ms) | raw64 signature
 * Field rules (CHR_ERR_HEARTBEAT): version 1 (else CHR_ERR_VERSION); chain id 1..32 bytes;
 * time_ms > 0; load and cpu at most 1000; loss at most 10000; participants at most
 * LEDGER_MEDIA_CAPACITY_MAX; bandwidth at most LEDGER_HEARTBEAT_KBPS_MAX; jitter and RTT at
 * most LEDGER_HEARTBEAT_MS_MAX; at most LEDGER_HEARTBEAT_MEETINGS_MAX meetings in strictly
 * increasing id order (one entry per meeting, one encoding per heartbeat). The time is also
 * the heartbeat's sequence number: the analytics store refuses one not newer than the last
 * it accepted from the node.
 *
 * Deterministic, no allocation, thread-safe. */
#ifndef LEDGER_HEARTBEAT_H
#define LEDGER_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/limits.h"

#define LEDGER_HEARTBEAT_VERSION 1
#define LEDGER_HEARTBEAT_TAG "CHROOM/heartbeat"

/* The quality figures a heartbeat reports, for the node and for each meeting. */
typedef struct ledger_hb_figures {
    uint32_t participants;
    uint32_t kbps_in;
    uint32_t kbps_out;
    uint16_t loss_bp;
    uint32_t jitter_ms;
    uint32_t rtt_ms;
} ledger_hb_figures;

typedef struct ledger_hb_meeting {
    uint8_t meeting_id[12];
    ledger_hb_figures f;
} ledger_hb_meeting;

typedef struct ledger_heartbeat {
    uint8_t chain_id_len;
    char chain_id[LEDGER_CHAIN_ID_MAX + 1]; /* NUL terminated */
    uint8_t node_key[32];
    uint64_t time_ms;
    uint16_t load_permille;
    uint16_t cpu_permille;
    ledger_hb_figures f;
    uint8_t meetings_len;
    ledger_hb_meeting meetings[LEDGER_HEARTBEAT_MEETINGS_MAX];
    uint8_t sig[64];
} ledger_heartbeat;

/* Decodes in_len bytes into *out: CHR_ERR_TRUNCATED, CHR_ERR_TRAILING, CHR_ERR_TOO_LONG (over
 * LEDGER_HEARTBEAT_BYTES_MAX or a chain id or meeting count over its bound), CHR_ERR_VERSION,
 * CHR_ERR_HEARTBEAT (a field rule above). The signature is not checked. *out zeroed on
 * failure. */
CHR_WUR chr_err ledger_heartbeat_decode(ledger_heartbeat *out, const uint8_t *in, size_t in_len);
/* Encodes hb with its signature into out: *out_len bytes. CHR_ERR_HEARTBEAT when hb breaks a
 * field rule, CHR_ERR_TOO_LONG when out_cap is short (LEDGER_HEARTBEAT_BYTES_MAX suffices).
 * Decoding the result gives hb back. */
CHR_WUR chr_err ledger_heartbeat_encode(const ledger_heartbeat *hb, uint8_t *out, size_t out_cap,
                                        size_t *out_len);
/* The 32 bytes the node signs: tagged_hash("CHROOM/heartbeat", the encoding of hb without
 * its signature). hb must obey the field rules (asserted). */
void ledger_heartbeat_sighash(uint8_t out[32], const ledger_heartbeat *hb);
/* Checks a decoded heartbeat for chain_id: CHR_ERR_CHAIN_ID for another chain, then
 * CHR_ERR_PUBKEY (node key not on the curve) or CHR_ERR_SIGNATURE. */
CHR_WUR chr_err ledger_heartbeat_verify(const ledger_heartbeat *hb, const char *chain_id);

#endif
