#include "ledger/params_meetings.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"

void ledger_meeting_params_default(ledger_meeting_params *out)
{
    out->price_per_participant_minute = 100;
    out->media_node_min_bond = 1000ull * 1000000;
    out->unbonding_ms = 7ull * 24 * 3600 * 1000;
    out->grace_ms = 15ull * 60 * 1000;
}

chr_err ledger_meeting_params_check(const ledger_meeting_params *p, const char **field)
{
    *field = "";
    if (p->price_per_participant_minute > LEDGER_MEETING_PRICE_MAX) {
        *field = "price_per_participant_minute";
    } else if (p->media_node_min_bond == 0 || p->media_node_min_bond > LEDGER_MEDIA_MIN_BOND_MAX) {
        *field = "media_node_min_bond";
    } else if (p->unbonding_ms > LEDGER_UNBONDING_MS_MAX) {
        *field = "unbonding_ms";
    } else if (p->grace_ms > LEDGER_GRACE_MS_MAX) {
        *field = "grace_ms";
    }
    return (*field)[0] ? CHR_ERR_ARG : CHR_OK;
}

void ledger_meeting_params_encode(uint8_t out[LEDGER_MEETING_PARAMS_BYTES],
                                  const ledger_meeting_params *p)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_MEETING_PARAMS_BYTES);
    chr_enc_u64(&enc, p->price_per_participant_minute);
    chr_enc_u64(&enc, p->media_node_min_bond);
    chr_enc_u64(&enc, p->unbonding_ms);
    chr_enc_u64(&enc, p->grace_ms);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    CHR_ASSERT(len == LEDGER_MEETING_PARAMS_BYTES);
}

chr_err ledger_meeting_params_decode(ledger_meeting_params *out, const uint8_t *in, size_t in_len)
{
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u64(&dec, &out->price_per_participant_minute);
    err = err ? err : chr_dec_u64(&dec, &out->media_node_min_bond);
    err = err ? err : chr_dec_u64(&dec, &out->unbonding_ms);
    err = err ? err : chr_dec_u64(&dec, &out->grace_ms);
    err = err ? err : chr_dec_finish(&dec);
    const char *field;
    err = err ? err : ledger_meeting_params_check(out, &field);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_meeting_params_get(ledger_objects *t, ledger_meeting_params *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    int found;
    static const uint8_t empty[1];
    ledger_meeting_params_default(out);
    chr_err err =
        ledger_object_get(t, LEDGER_STATE_MEETING_PARAMS, empty, 0, value, &value_len, &found);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    if (found) {
        CHR_ASSERT(ledger_meeting_params_decode(out, value, value_len) == CHR_OK);
    }
    return CHR_OK;
}
