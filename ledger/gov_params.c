#include "ledger/gov_params.h"

#include <stddef.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"

#define DAY_MS 86400000ull

/* Governance's parameters and their legal ranges: the one place they are written. */
typedef struct gov_row {
    const char *name;
    size_t offset;
    uint64_t min;
    uint64_t max;
} gov_row;

#define GOV_ROW(field, lo, hi)                                                                     \
    {                                                                                              \
#field, offsetof(ledger_gov_params, field), (lo), (hi)                                     \
    }

static const gov_row gov_rows[] = {
    /* A deposit of at least one unit, at most a billion CHR: a typo, not a policy, beyond. */
    GOV_ROW(min_deposit, 1, 1000000000000000ull),
    GOV_ROW(expedited_min_deposit, 1, 1000000000000000ull),
    /* At least a minute (some blocks), at most 30 days: longer only delays every change. */
    GOV_ROW(deposit_period_ms, 60000, 30 * DAY_MS),
    GOV_ROW(voting_period_ms, 60000, 30 * DAY_MS),
    GOV_ROW(expedited_voting_period_ms, 60000, 30 * DAY_MS),
    /* No vote may pass with a zero quorum or threshold, nor be vetoed by nothing. */
    GOV_ROW(quorum_ppm, 1, LEDGER_PPM),
    GOV_ROW(threshold_ppm, 1, LEDGER_PPM - 1),
    GOV_ROW(expedited_threshold_ppm, 1, LEDGER_PPM - 1),
    GOV_ROW(veto_ppm, 1, LEDGER_PPM),
    GOV_ROW(burn_dropped, 0, 1),
    GOV_ROW(burn_no_quorum, 0, 1),
};

#define GOV_ROWS_LEN (sizeof(gov_rows) / sizeof(gov_rows[0]))
_Static_assert(GOV_ROWS_LEN * 8 == LEDGER_GOV_PARAMS_BYTES, "every field is a u64");

static uint64_t *gov_field(ledger_gov_params *p, size_t i)
{
    return (uint64_t *)((uint8_t *)p + gov_rows[i].offset);
}

static uint64_t gov_value(const ledger_gov_params *p, size_t i)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)p + gov_rows[i].offset, 8);
    return v;
}

const char *ledger_gov_params_name(size_t i)
{
    return i < GOV_ROWS_LEN ? gov_rows[i].name : NULL;
}

uint64_t ledger_gov_params_value(const ledger_gov_params *p, size_t i)
{
    CHR_ASSERT(i < GOV_ROWS_LEN);
    return gov_value(p, i);
}

void ledger_gov_params_set(ledger_gov_params *p, size_t i, uint64_t value)
{
    CHR_ASSERT(i < GOV_ROWS_LEN);
    *gov_field(p, i) = value;
}

void ledger_gov_params_default(ledger_gov_params *out)
{
    out->min_deposit = 10ull * 1000000;
    out->expedited_min_deposit = 50ull * 1000000;
    out->deposit_period_ms = 2 * DAY_MS;
    out->voting_period_ms = 2 * DAY_MS;
    out->expedited_voting_period_ms = DAY_MS;
    out->quorum_ppm = 334000;
    out->threshold_ppm = 500000;
    out->expedited_threshold_ppm = 667000;
    out->veto_ppm = 334000;
    out->burn_dropped = 0;
    out->burn_no_quorum = 0;
}

chr_err ledger_gov_params_check(const ledger_gov_params *p, const char **field)
{
    *field = "";
    for (size_t i = 0; i < GOV_ROWS_LEN; i++) {
        uint64_t v = gov_value(p, i);
        if (v < gov_rows[i].min || v > gov_rows[i].max) {
            *field = gov_rows[i].name;
            return CHR_ERR_PARAM_RANGE;
        }
    }
    /* An expedited proposal is a faster, harder path: never an easier one. */
    if (p->expedited_voting_period_ms >= p->voting_period_ms) {
        *field = "expedited_voting_period_ms";
    } else if (p->expedited_threshold_ppm < p->threshold_ppm) {
        *field = "expedited_threshold_ppm";
    } else if (p->expedited_min_deposit < p->min_deposit) {
        *field = "expedited_min_deposit";
    }
    return (*field)[0] ? CHR_ERR_PARAM_RANGE : CHR_OK;
}

void ledger_gov_params_encode(uint8_t out[LEDGER_GOV_PARAMS_BYTES], const ledger_gov_params *p)
{
    for (size_t i = 0; i < GOV_ROWS_LEN; i++) {
        chr_put_u64be(out + 8 * i, gov_value(p, i));
    }
}

chr_err ledger_gov_params_decode(ledger_gov_params *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len != LEDGER_GOV_PARAMS_BYTES) {
        return in_len < LEDGER_GOV_PARAMS_BYTES ? CHR_ERR_TRUNCATED : CHR_ERR_TRAILING;
    }
    for (size_t i = 0; i < GOV_ROWS_LEN; i++) {
        *gov_field(out, i) = chr_get_u64be(in + 8 * i);
    }
    const char *field;
    chr_err err = ledger_gov_params_check(out, &field);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

static const uint8_t no_key[1];

chr_err ledger_gov_params_get(ledger_objects *t, ledger_gov_params *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    ledger_gov_params_default(out);
    chr_err err = ledger_object_get(t, LEDGER_STATE_GOV_PARAMS, no_key, 0, value, &len, &found);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    if (found) {
        CHR_ASSERT(ledger_gov_params_decode(out, value, len) == CHR_OK);
    }
    return CHR_OK;
}

chr_err ledger_chain_params_get(ledger_objects *t, const ledger_params *genesis, ledger_params *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    *out = *genesis;
    chr_err err = ledger_object_get(t, LEDGER_STATE_CHAIN_PARAMS, no_key, 0, value, &len, &found);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    if (found) {
        chr_dec dec;
        chr_dec_init(&dec, value, len);
        const char *field;
        CHR_ASSERT(ledger_params_decode(&dec, out) == CHR_OK);
        CHR_ASSERT(chr_dec_finish(&dec) == CHR_OK);
        CHR_ASSERT(ledger_params_check(out, &field) == CHR_OK);
    }
    return CHR_OK;
}

chr_err ledger_gov_param_set_get(ledger_objects *t, const ledger_params *genesis,
                                 ledger_gov_param_set *out)
{
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_chain_params_get(t, genesis, &out->chain);
    err = err ? err : ledger_meeting_params_get(t, &out->meetings);
    err = err ? err : ledger_gov_params_get(t, &out->gov);
    return err;
}

/* The meetings' fields by name (their ranges: ledger_meeting_params_check). */
static const struct {
    const char *name;
    size_t offset;
} meeting_rows[] = {
    {"price_per_participant_minute", offsetof(ledger_meeting_params, price_per_participant_minute)},
    {"media_node_min_bond", offsetof(ledger_meeting_params, media_node_min_bond)},
    {"meeting_unbonding_ms", offsetof(ledger_meeting_params, unbonding_ms)},
    {"grace_ms", offsetof(ledger_meeting_params, grace_ms)},
};

static int name_is(const char *want, const char *name, size_t len)
{
    return strlen(want) == len && memcmp(want, name, len) == 0;
}

/* The chain's head fields, outside ledger_param_fields' table. */
static chr_err chain_head_assign(ledger_params *p, const char *name, size_t len, uint64_t value,
                                 int *done)
{
    *done = 1;
    if (name_is("fee_transfer", name, len)) {
        p->fee_transfer = value;
        return CHR_OK;
    }
    uint32_t *narrow = name_is("block_txs_max", name, len)     ? &p->block_txs_max
                       : name_is("block_bytes_max", name, len) ? &p->block_bytes_max
                                                               : NULL;
    if (narrow == NULL) {
        *done = 0;
        return CHR_OK;
    }
    if (value > UINT32_MAX) {
        return CHR_ERR_PARAM_RANGE;
    }
    *narrow = (uint32_t)value;
    return CHR_OK;
}

chr_err ledger_gov_param_assign(ledger_gov_param_set *s, const char *name, size_t len,
                                uint64_t value)
{
    int done;
    chr_err err = chain_head_assign(&s->chain, name, len, value, &done);
    if (done) {
        return err;
    }
    size_t n;
    const ledger_param_field *rows = ledger_param_fields(&n);
    for (size_t i = 0; i < n; i++) {
        if (name_is(rows[i].name, name, len)) {
            if (!rows[i].wide && value > UINT32_MAX) {
                return CHR_ERR_PARAM_RANGE;
            }
            ledger_param_set(&s->chain, i, value);
            return CHR_OK;
        }
    }
    for (size_t i = 0; i < sizeof(meeting_rows) / sizeof(meeting_rows[0]); i++) {
        if (name_is(meeting_rows[i].name, name, len)) {
            memcpy((uint8_t *)&s->meetings + meeting_rows[i].offset, &value, 8);
            return CHR_OK;
        }
    }
    for (size_t i = 0; i < GOV_ROWS_LEN; i++) {
        if (name_is(gov_rows[i].name, name, len)) {
            *gov_field(&s->gov, i) = value;
            return CHR_OK;
        }
    }
    return CHR_ERR_PARAM_RANGE;
}

chr_err ledger_gov_param_set_check(const ledger_gov_param_set *s, const char **field)
{
    if (ledger_params_check_change(&s->chain, field) != CHR_OK ||
        ledger_meeting_params_check(&s->meetings, field) != CHR_OK) {
        return CHR_ERR_PARAM_RANGE;
    }
    return ledger_gov_params_check(&s->gov, field);
}

chr_err ledger_gov_param_set_put(ledger_objects *t, const ledger_gov_param_set *before,
                                 const ledger_gov_param_set *after)
{
    if (ledger_objects_room(t) < 3) {
        return CHR_ERR_FULL;
    }
    chr_err err = CHR_OK;
    if (memcmp(&before->chain, &after->chain, sizeof(after->chain)) != 0) {
        uint8_t buf[LEDGER_PARAMS_BYTES];
        chr_enc enc;
        size_t len;
        chr_enc_init(&enc, buf, sizeof(buf));
        ledger_params_encode(&enc, &after->chain);
        CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK && len == LEDGER_PARAMS_BYTES);
        err = ledger_object_put(t, LEDGER_STATE_CHAIN_PARAMS, no_key, 0, buf, len);
    }
    if (err == CHR_OK && memcmp(&before->meetings, &after->meetings, sizeof(after->meetings))) {
        uint8_t buf[LEDGER_MEETING_PARAMS_BYTES];
        ledger_meeting_params_encode(buf, &after->meetings);
        err = ledger_object_put(t, LEDGER_STATE_MEETING_PARAMS, no_key, 0, buf, sizeof(buf));
    }
    if (err == CHR_OK && memcmp(&before->gov, &after->gov, sizeof(after->gov)) != 0) {
        uint8_t buf[LEDGER_GOV_PARAMS_BYTES];
        ledger_gov_params_encode(buf, &after->gov);
        err = ledger_object_put(t, LEDGER_STATE_GOV_PARAMS, no_key, 0, buf, sizeof(buf));
    }
    return err;
}
