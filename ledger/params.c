#include "ledger/params.h"

#include <stddef.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/limits.h"

#define DAY_MS 86400000ull
#define YEAR_MS (365ull * DAY_MS)

/* The staking, reward and slashing parameters, their offsets and their legal ranges: the
 * one place the ranges are written (governance will change the values within them). */
#define ROW(field, lo, hi)                                                                         \
    {                                                                                              \
#field, sizeof(((ledger_params *)0)->field) == 8, (lo), (hi),                              \
            offsetof(ledger_params, field)                                                         \
    }

static const ledger_param_field rows[] = {
    /* At least a second (a block), at most a year: a longer wait locks stake for nothing. */
    ROW(unbonding_time_ms, 1000, YEAR_MS),
    ROW(validators_max, 1, LEDGER_VALIDATORS_MAX),
    ROW(entries_max, 1, LEDGER_STAKING_ENTRIES_MAX),
    /* 10^15 units of stake per unit of power keeps the smallest sane set's power positive. */
    ROW(power_unit, 1, 1000000000000000ull),
    ROW(min_self_bond, 1, UINT64_MAX),
    /* 50% a year is far beyond any token's; more would be a typo. */
    ROW(inflation_ppm, 0, LEDGER_PPM / 2),
    ROW(proposer_bonus_ppm, 0, LEDGER_PPM / 2),
    ROW(treasury_ppm, 0, LEDGER_PPM / 2),
    ROW(slash_double_sign_ppm, 0, LEDGER_PPM),
    ROW(slash_downtime_ppm, 0, LEDGER_PPM),
    ROW(signed_blocks_window, 1, 1000000),
    ROW(min_signed_ppm, 0, LEDGER_PPM),
    ROW(downtime_jail_ms, 0, YEAR_MS),
};

#define ROWS_LEN (sizeof(rows) / sizeof(rows[0]))

void ledger_params_default(ledger_params *out)
{
    memset(out, 0, sizeof(*out));
    out->fee_transfer = 1000;
    out->block_txs_max = 5000;
    out->block_bytes_max = 2u * 1024 * 1024;
    out->unbonding_time_ms = 21 * DAY_MS;
    out->validators_max = 100;
    out->entries_max = 7;
    out->power_unit = 1000000; /* 1 CHR */
    out->min_self_bond = 1000000;
    out->inflation_ppm = 0;
    out->proposer_bonus_ppm = 10000;
    out->treasury_ppm = 20000;
    out->slash_double_sign_ppm = 50000;
    out->slash_downtime_ppm = 100;
    out->signed_blocks_window = 10000;
    out->min_signed_ppm = 500000;
    out->downtime_jail_ms = 600000;
}

const ledger_param_field *ledger_param_fields(size_t *n)
{
    *n = ROWS_LEN;
    return rows;
}

uint64_t ledger_param_get(const ledger_params *p, size_t i)
{
    CHR_ASSERT(i < ROWS_LEN);
    const uint8_t *at = (const uint8_t *)p + rows[i].offset;
    if (rows[i].wide) {
        uint64_t v;
        memcpy(&v, at, 8);
        return v;
    }
    uint32_t v;
    memcpy(&v, at, 4);
    return v;
}

void ledger_param_set(ledger_params *p, size_t i, uint64_t v)
{
    CHR_ASSERT(i < ROWS_LEN);
    uint8_t *at = (uint8_t *)p + rows[i].offset;
    if (rows[i].wide) {
        memcpy(at, &v, 8);
        return;
    }
    CHR_ASSERT(v <= UINT32_MAX);
    uint32_t narrow = (uint32_t)v;
    memcpy(at, &narrow, 4);
}

chr_err ledger_params_check(const ledger_params *p, const char **field)
{
    *field = "";
    if (p->fee_transfer > LEDGER_FEE_TRANSFER_MAX) {
        *field = "fee_transfer";
        return CHR_ERR_ARG;
    }
    if (p->block_txs_max == 0 || p->block_txs_max > LEDGER_BLOCK_TXS_MAX) {
        *field = "block_txs_max";
        return CHR_ERR_ARG;
    }
    if (p->block_bytes_max < LEDGER_TX_BYTES_MAX || p->block_bytes_max > LEDGER_BLOCK_BYTES_MAX) {
        *field = "block_bytes_max";
        return CHR_ERR_ARG;
    }
    for (size_t i = 0; i < ROWS_LEN; i++) {
        uint64_t v = ledger_param_get(p, i);
        if (v < rows[i].min || v > rows[i].max) {
            *field = rows[i].name;
            return CHR_ERR_ARG;
        }
    }
    return CHR_OK;
}

chr_err ledger_params_check_change(const ledger_params *p, const char **field)
{
    /* A genesis may start a chain without fees (a devnet); a vote may not make one free:
     * that would make spam free for everyone who did not vote for it. */
    if (p->fee_transfer == 0) {
        *field = "fee_transfer";
        return CHR_ERR_ARG;
    }
    return ledger_params_check(p, field);
}

void ledger_params_encode(chr_enc *enc, const ledger_params *p)
{
    chr_enc_u64(enc, p->fee_transfer);
    chr_enc_u32(enc, p->block_txs_max);
    chr_enc_u32(enc, p->block_bytes_max);
    for (size_t i = 0; i < ROWS_LEN; i++) {
        if (rows[i].wide) {
            chr_enc_u64(enc, ledger_param_get(p, i));
        } else {
            chr_enc_u32(enc, (uint32_t)ledger_param_get(p, i));
        }
    }
}

chr_err ledger_params_decode(chr_dec *dec, ledger_params *out)
{
    memset(out, 0, sizeof(*out));
    chr_err err = chr_dec_u64(dec, &out->fee_transfer);
    if (err == CHR_OK) {
        err = chr_dec_u32(dec, &out->block_txs_max);
    }
    if (err == CHR_OK) {
        err = chr_dec_u32(dec, &out->block_bytes_max);
    }
    for (size_t i = 0; i < ROWS_LEN && err == CHR_OK; i++) {
        uint64_t v = 0;
        uint32_t narrow = 0;
        err = rows[i].wide ? chr_dec_u64(dec, &v) : chr_dec_u32(dec, &narrow);
        ledger_param_set(out, i, rows[i].wide ? v : narrow);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}
