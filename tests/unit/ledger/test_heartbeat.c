/* Media-node heartbeats (ledger/heartbeat.h): the encoding, every rejection of the decoder
 * and of the check, and the vector of docs/ANALYTICS.md. */
#include <string.h>

#include "common/enc.h"
#include "common/hex.h"
#include "ledger/heartbeat.h"
#include "suite.h"
#include "tests/unit/test.h"

/* A heartbeat of test key 7 at a fixed time with two meetings, signed (aux zero). */
static void hb_sample(ledger_heartbeat *hb)
{
    uint8_t sk[32];
    memset(hb, 0, sizeof(*hb));
    memcpy(hb->chain_id, "chroom-devnet-1", 15);
    hb->chain_id_len = 15;
    ltest_key(sk, hb->node_key, 7);
    hb->time_ms = 1796688000000ull;
    hb->load_permille = 420;
    hb->cpu_permille = 370;
    hb->f = (ledger_hb_figures){12, 9600, 24000, 35, 8, 42};
    hb->meetings_len = 2;
    memset(hb->meetings[0].meeting_id, 0x11, 12);
    hb->meetings[0].f = (ledger_hb_figures){5, 4000, 10000, 20, 6, 40};
    memset(hb->meetings[1].meeting_id, 0x22, 12);
    hb->meetings[1].f = (ledger_hb_figures){7, 5600, 14000, 50, 9, 44};
    uint8_t msg[32];
    uint8_t aux[32] = {0};
    ledger_heartbeat_sighash(msg, hb);
    chr_err err = ledger_signer_sign(ltest_signer(), hb->sig, msg, sk, aux);
    (void)err;
}

static void enc_fig(chr_enc *e, const ledger_hb_figures *f)
{
    chr_enc_u32(e, f->participants);
    chr_enc_u32(e, f->kbps_in);
    chr_enc_u32(e, f->kbps_out);
    chr_enc_u16(e, f->loss_bp);
    chr_enc_u32(e, f->jitter_ms);
    chr_enc_u32(e, f->rtt_ms);
}

/* The encoding as docs/ANALYTICS.md writes it, with no rule checked (so a test can break
 * one): the version and the meeting count as given. */
static size_t raw_encode(uint8_t *out, size_t cap, const ledger_heartbeat *hb, uint8_t version,
                         uint8_t meetings_len)
{
    chr_enc e;
    size_t len = 0;
    chr_enc_init(&e, out, cap);
    chr_enc_u8(&e, version);
    chr_enc_bytes8(&e, (const uint8_t *)hb->chain_id, hb->chain_id_len);
    chr_enc_raw(&e, hb->node_key, 32);
    chr_enc_u64(&e, hb->time_ms);
    chr_enc_u16(&e, hb->load_permille);
    enc_fig(&e, &hb->f);
    chr_enc_u16(&e, hb->cpu_permille);
    chr_enc_u8(&e, meetings_len);
    for (size_t i = 0; i < meetings_len; i++) {
        chr_enc_raw(&e, hb->meetings[i % LEDGER_HEARTBEAT_MEETINGS_MAX].meeting_id, 12);
        enc_fig(&e, &hb->meetings[i % LEDGER_HEARTBEAT_MEETINGS_MAX].f);
    }
    chr_enc_raw(&e, hb->sig, 64);
    return chr_enc_finish(&e, &len) == CHR_OK ? len : 0;
}

/* docs/ANALYTICS.md, "Vector": these bytes for hb_sample. */
static const char *const hb_vector =
    "010f6368726f6f6d2d6465766e65742d317be1fe0b88ffb98f3bf75421faed7caf78be8aa6d86d698fd20952"
    "981006ac5f000001a252f3340001a40000000c0000258000005dc00023000000080000002a01720211111111"
    "11111111111111110000000500000fa000002710001400000006000000282222222222222222222222220000"
    "0007000015e0000036b00032000000090000002c8ec26cf00f223625c4ca66771c1babe89d16ca53c676eaa2"
    "31d69703eddc5f80a8fbdff0c72281a4ed021664a58a3e6cabf4fffdbef16f44ecc519c8ff603ec4";

void test_heartbeat_roundtrip_and_vector(void)
{
    /* Proves a heartbeat encodes as docs/ANALYTICS.md writes it (an independent encoder
     * gives the same bytes), decodes back to itself, re-encodes to the same bytes and
     * verifies for its chain; and the bytes are the page's vector. */
    ledger_heartbeat hb, back;
    hb_sample(&hb);
    uint8_t buf[LEDGER_HEARTBEAT_BYTES_MAX], raw[LEDGER_HEARTBEAT_BYTES_MAX], again[sizeof(buf)];
    size_t len = 0, len2 = 0;
    CHECK_OK(ledger_heartbeat_encode(&hb, buf, sizeof(buf), &len));
    CHECK(len == 1 + 1 + 15 + 32 + 8 + 2 + 22 + 2 + 1 + 2 * LEDGER_HEARTBEAT_MEETING_BYTES + 64);
    CHECK(raw_encode(raw, sizeof(raw), &hb, 1, 2) == len && memcmp(raw, buf, len) == 0);
    CHECK_OK(ledger_heartbeat_decode(&back, buf, len));
    CHECK(memcmp(&back, &hb, sizeof(hb)) == 0);
    CHECK_OK(ledger_heartbeat_encode(&back, again, sizeof(again), &len2));
    CHECK(len2 == len && memcmp(again, buf, len) == 0);
    CHECK_OK(ledger_heartbeat_verify(&back, "chroom-devnet-1"));
    char hex[2 * LEDGER_HEARTBEAT_BYTES_MAX + 1];
    chr_hex_encode(hex, sizeof(hex), buf, len);
    CHECK(strcmp(hex, hb_vector) == 0);
    CHECK(ledger_heartbeat_encode(&hb, buf, len - 1, &len2) == CHR_ERR_TOO_LONG);
}

/* Decodes the raw encoding of hb (as given) and expects err. */
static int decode_is(const ledger_heartbeat *hb, uint8_t version, uint8_t mlen, chr_err want)
{
    uint8_t buf[LEDGER_HEARTBEAT_BYTES_MAX + 2048];
    ledger_heartbeat out;
    size_t len = raw_encode(buf, sizeof(buf), hb, version, mlen);
    chr_err err = ledger_heartbeat_decode(&out, buf, len);
    static const uint8_t zero[sizeof(ledger_heartbeat)];
    return len > 0 && err == want && (err == CHR_OK || memcmp(&out, zero, sizeof(out)) == 0);
}

void test_heartbeat_decode_rejections(void)
{
    /* Proves every rule of the decoder: each broken field is its error (and the output is
     * zeroed), each cut-short input is truncated, a byte more is trailing, and an input
     * over the maximum is refused before it is read. */
    ledger_heartbeat hb, bad;
    hb_sample(&hb);
    CHECK(decode_is(&hb, 1, 2, CHR_OK));
    CHECK(decode_is(&hb, 2, 2, CHR_ERR_VERSION));
    CHECK(decode_is(&hb, 1, LEDGER_HEARTBEAT_MEETINGS_MAX + 1, CHR_ERR_TOO_LONG));
#define BREAK(stmt, want)                                                                          \
    do {                                                                                           \
        bad = hb;                                                                                  \
        stmt;                                                                                      \
        CHECK(decode_is(&bad, 1, bad.meetings_len, want));                                         \
    } while (0)
    BREAK(bad.chain_id_len = 0, CHR_ERR_HEARTBEAT);
    BREAK((bad.chain_id[3] = '\0'), CHR_ERR_HEARTBEAT);
    BREAK(bad.time_ms = 0, CHR_ERR_HEARTBEAT);
    BREAK(bad.load_permille = LEDGER_HEARTBEAT_PERMILLE_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.cpu_permille = LEDGER_HEARTBEAT_PERMILLE_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.f.participants = LEDGER_MEDIA_CAPACITY_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.f.kbps_in = LEDGER_HEARTBEAT_KBPS_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.f.kbps_out = LEDGER_HEARTBEAT_KBPS_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.f.loss_bp = LEDGER_HEARTBEAT_LOSS_BP_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.f.jitter_ms = LEDGER_HEARTBEAT_MS_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.f.rtt_ms = LEDGER_HEARTBEAT_MS_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.meetings[1].f.rtt_ms = LEDGER_HEARTBEAT_MS_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(bad.meetings[1].f.loss_bp = LEDGER_HEARTBEAT_LOSS_BP_MAX + 1, CHR_ERR_HEARTBEAT);
    BREAK(memset(bad.meetings[1].meeting_id, 0x11, 12), CHR_ERR_HEARTBEAT); /* a duplicate */
    BREAK(memset(bad.meetings[1].meeting_id, 0x01, 12), CHR_ERR_HEARTBEAT); /* out of order */
#undef BREAK
    uint8_t buf[LEDGER_HEARTBEAT_BYTES_MAX + 1];
    size_t len = raw_encode(buf, sizeof(buf), &hb, 1, 2);
    ledger_heartbeat out;
    for (size_t cut = 0; cut < len; cut++) {
        CHECK(ledger_heartbeat_decode(&out, buf, cut) == CHR_ERR_TRUNCATED);
    }
    buf[len] = 0;
    CHECK(ledger_heartbeat_decode(&out, buf, len + 1) == CHR_ERR_TRAILING);
    CHECK(ledger_heartbeat_decode(&out, buf, LEDGER_HEARTBEAT_BYTES_MAX + 1) == CHR_ERR_TOO_LONG);
    /* A chain id longer than any chain's is refused at its length. */
    buf[1] = LEDGER_CHAIN_ID_MAX + 1;
    CHECK(ledger_heartbeat_decode(&out, buf, len) == CHR_ERR_TOO_LONG);
    /* The encoder refuses what the decoder would. */
    ledger_heartbeat e = hb;
    e.time_ms = 0;
    CHECK(ledger_heartbeat_encode(&e, buf, sizeof(buf), &len) == CHR_ERR_HEARTBEAT && len == 0);
}

void test_heartbeat_verify_rejections(void)
{
    /* Proves the check: another chain's id is wrong_chain_id (also a prefix of ours), a
     * changed field or signature is bad_signature, and a node key off the curve is
     * bad_public_key. */
    ledger_heartbeat hb, bad;
    hb_sample(&hb);
    CHECK_OK(ledger_heartbeat_verify(&hb, "chroom-devnet-1"));
    CHECK(ledger_heartbeat_verify(&hb, "chroom-devnet-2") == CHR_ERR_CHAIN_ID);
    CHECK(ledger_heartbeat_verify(&hb, "chroom-devnet") == CHR_ERR_CHAIN_ID);
    bad = hb;
    bad.f.rtt_ms++;
    CHECK(ledger_heartbeat_verify(&bad, "chroom-devnet-1") == CHR_ERR_SIGNATURE);
    bad = hb;
    bad.meetings[0].f.participants++;
    CHECK(ledger_heartbeat_verify(&bad, "chroom-devnet-1") == CHR_ERR_SIGNATURE);
    bad = hb;
    bad.time_ms++;
    CHECK(ledger_heartbeat_verify(&bad, "chroom-devnet-1") == CHR_ERR_SIGNATURE);
    bad = hb;
    bad.sig[63] ^= 1;
    CHECK(ledger_heartbeat_verify(&bad, "chroom-devnet-1") == CHR_ERR_SIGNATURE);
    bad = hb;
    memset(bad.node_key, 0xff, 32);
    CHECK(ledger_heartbeat_verify(&bad, "chroom-devnet-1") == CHR_ERR_PUBKEY);
}
