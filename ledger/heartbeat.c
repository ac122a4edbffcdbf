/* Media-node heartbeats: their one encoding, the hash a node signs and the check of a
 * decoded one (ledger/heartbeat.h; docs/ANALYTICS.md has the format and a vector). */
#include "ledger/heartbeat.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "ledger/sig.h"

static int figures_valid(const ledger_hb_figures *f)
{
    return f->participants <= LEDGER_MEDIA_CAPACITY_MAX &&
           f->kbps_in <= LEDGER_HEARTBEAT_KBPS_MAX && f->kbps_out <= LEDGER_HEARTBEAT_KBPS_MAX &&
           f->loss_bp <= LEDGER_HEARTBEAT_LOSS_BP_MAX && f->jitter_ms <= LEDGER_HEARTBEAT_MS_MAX &&
           f->rtt_ms <= LEDGER_HEARTBEAT_MS_MAX;
}

/* The field rules of ledger/heartbeat.h, on a whole heartbeat. */
static int heartbeat_valid(const ledger_heartbeat *hb)
{
    if (hb->chain_id_len == 0 || hb->chain_id_len > LEDGER_CHAIN_ID_MAX ||
        memchr(hb->chain_id, 0, hb->chain_id_len) != NULL || hb->time_ms == 0 ||
        hb->load_permille > LEDGER_HEARTBEAT_PERMILLE_MAX ||
        hb->cpu_permille > LEDGER_HEARTBEAT_PERMILLE_MAX || !figures_valid(&hb->f) ||
        hb->meetings_len > LEDGER_HEARTBEAT_MEETINGS_MAX) {
        return 0;
    }
    for (size_t i = 0; i < hb->meetings_len; i++) {
        if (!figures_valid(&hb->meetings[i].f) ||
            (i > 0 &&
             memcmp(hb->meetings[i - 1].meeting_id, hb->meetings[i].meeting_id, 12) >= 0)) {
            return 0;
        }
    }
    return 1;
}

static void enc_figures(chr_enc *e, const ledger_hb_figures *f, int node, uint16_t load)
{
    if (node) {
        chr_enc_u16(e, load);
    }
    chr_enc_u32(e, f->participants);
    chr_enc_u32(e, f->kbps_in);
    chr_enc_u32(e, f->kbps_out);
    chr_enc_u16(e, f->loss_bp);
    chr_enc_u32(e, f->jitter_ms);
    chr_enc_u32(e, f->rtt_ms);
}

/* Everything but the signature. */
static void enc_unsigned(chr_enc *e, const ledger_heartbeat *hb)
{
    chr_enc_u8(e, LEDGER_HEARTBEAT_VERSION);
    chr_enc_bytes8(e, (const uint8_t *)hb->chain_id, hb->chain_id_len);
    chr_enc_raw(e, hb->node_key, 32);
    chr_enc_u64(e, hb->time_ms);
    enc_figures(e, &hb->f, 1, hb->load_permille);
    chr_enc_u16(e, hb->cpu_permille);
    chr_enc_u8(e, hb->meetings_len);
    for (size_t i = 0; i < hb->meetings_len; i++) {
        chr_enc_raw(e, hb->meetings[i].meeting_id, 12);
        enc_figures(e, &hb->meetings[i].f, 0, 0);
    }
}

chr_err ledger_heartbeat_encode(const ledger_heartbeat *hb, uint8_t *out, size_t out_cap,
                                size_t *out_len)
{
    *out_len = 0;
    if (!heartbeat_valid(hb)) {
        return CHR_ERR_HEARTBEAT;
    }
    chr_enc e;
    chr_enc_init(&e, out, out_cap);
    enc_unsigned(&e, hb);
    chr_enc_raw(&e, hb->sig, 64);
    return chr_enc_finish(&e, out_len);
}

void ledger_heartbeat_sighash(uint8_t out[32], const ledger_heartbeat *hb)
{
    CHR_ASSERT(heartbeat_valid(hb));
    uint8_t buf[LEDGER_HEARTBEAT_BYTES_MAX];
    chr_enc e;
    size_t len = 0;
    chr_enc_init(&e, buf, sizeof(buf));
    enc_unsigned(&e, hb);
    chr_err err = chr_enc_finish(&e, &len);
    CHR_ASSERT(err == CHR_OK);
    chr_tagged_hash(out, LEDGER_HEARTBEAT_TAG, buf, len);
}

static chr_err dec_figures(chr_dec *d, ledger_hb_figures *f)
{
    chr_err err = chr_dec_u32(d, &f->participants);
    err = err ? err : chr_dec_u32(d, &f->kbps_in);
    err = err ? err : chr_dec_u32(d, &f->kbps_out);
    err = err ? err : chr_dec_u16(d, &f->loss_bp);
    err = err ? err : chr_dec_u32(d, &f->jitter_ms);
    return err ? err : chr_dec_u32(d, &f->rtt_ms);
}

static chr_err dec_fields(chr_dec *d, ledger_heartbeat *hb)
{
    uint8_t version = 0;
    const uint8_t *chain = NULL;
    size_t chain_len = 0;
    chr_err err = chr_dec_u8(d, &version);
    if (err == CHR_OK && version != LEDGER_HEARTBEAT_VERSION) {
        return CHR_ERR_VERSION;
    }
    err = err ? err : chr_dec_bytes8(d, &chain, &chain_len, LEDGER_CHAIN_ID_MAX);
    if (err == CHR_OK) {
        memcpy(hb->chain_id, chain, chain_len);
        hb->chain_id_len = (uint8_t)chain_len;
    }
    err = err ? err : chr_dec_raw(d, hb->node_key, 32);
    err = err ? err : chr_dec_u64(d, &hb->time_ms);
    err = err ? err : chr_dec_u16(d, &hb->load_permille);
    err = err ? err : dec_figures(d, &hb->f);
    err = err ? err : chr_dec_u16(d, &hb->cpu_permille);
    err = err ? err : chr_dec_u8(d, &hb->meetings_len);
    if (err == CHR_OK && hb->meetings_len > LEDGER_HEARTBEAT_MEETINGS_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    for (size_t i = 0; err == CHR_OK && i < hb->meetings_len; i++) {
        err = chr_dec_raw(d, hb->meetings[i].meeting_id, 12);
        err = err ? err : dec_figures(d, &hb->meetings[i].f);
    }
    err = err ? err : chr_dec_raw(d, hb->sig, 64);
    return err ? err : chr_dec_finish(d);
}

chr_err ledger_heartbeat_decode(ledger_heartbeat *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len > LEDGER_HEARTBEAT_BYTES_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    chr_dec d;
    chr_dec_init(&d, in, in_len);
    chr_err err = dec_fields(&d, out);
    if (err == CHR_OK && !heartbeat_valid(out)) {
        err = CHR_ERR_HEARTBEAT;
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_heartbeat_verify(const ledger_heartbeat *hb, const char *chain_id)
{
    CHR_ASSERT(heartbeat_valid(hb));
    size_t n = strlen(chain_id);
    if (n != hb->chain_id_len || memcmp(chain_id, hb->chain_id, n) != 0) {
        return CHR_ERR_CHAIN_ID;
    }
    uint8_t msg[32];
    ledger_heartbeat_sighash(msg, hb);
    return ledger_sig_verify(hb->sig, msg, hb->node_key);
}
