/* Chain parameters: set in genesis, part of the consensus state (later issues let
 * governance change them within the ranges ledger_params_check holds). Amounts are in the
 * smallest unit; fractions are parts per million (ppm, 1,000,000 = the whole). */
#ifndef LEDGER_PARAMS_H
#define LEDGER_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"

/* The token: fixed for every Chroom chain. 1 CHR = 10^6 units. */
#define LEDGER_TOKEN_SYMBOL "CHR"
#define LEDGER_TOKEN_DECIMALS 6

/* The whole of a fraction in parts per million. */
#define LEDGER_PPM 1000000u

/* The highest fee_transfer: a million CHR. */
#define LEDGER_FEE_TRANSFER_MAX 1000000000000ull

typedef struct ledger_params {
    uint64_t fee_transfer;    /* minimum fee of every type, up to LEDGER_FEE_TRANSFER_MAX */
    uint32_t block_txs_max;   /* transactions in a block, 1..LEDGER_BLOCK_TXS_MAX */
    uint32_t block_bytes_max; /* encoded transactions in a block, up to LEDGER_BLOCK_BYTES_MAX */
    /* Staking (ledger/staking.h). */
    uint64_t unbonding_time_ms; /* block time from undelegate/redelegate to maturity */
    uint32_t validators_max;    /* the active set's size, 1..LEDGER_VALIDATORS_MAX */
    uint32_t entries_max;       /* unbonding (redelegation) entries per pair, 1..32 */
    uint64_t power_unit;        /* bonded units per unit of voting power */
    uint64_t min_self_bond;     /* the floor of every validator's min_self_bond */
    /* Rewards (ledger/distribution.h). */
    uint32_t inflation_ppm;      /* yearly inflation of the bonded stake; 0: fees only */
    uint32_t proposer_bonus_ppm; /* the proposer's extra share of a block's rewards */
    uint32_t treasury_ppm;       /* the treasury's share of every reward */
    /* Slashing (ledger/slashing.h). */
    uint32_t slash_double_sign_ppm; /* slashed for double signing */
    uint32_t slash_downtime_ppm;    /* slashed for downtime */
    uint32_t signed_blocks_window;  /* commits a validator's liveness is judged over */
    uint32_t min_signed_ppm;        /* of the window, the least a validator must sign */
    uint64_t downtime_jail_ms;      /* jail time for downtime */
} ledger_params;

/* The defaults that `chroom-genesis init` writes (and that a genesis file's params get
 * for every staking key it leaves out). */
void ledger_params_default(ledger_params *out);

/* CHR_ERR_ARG if a value is outside its allowed range (zero limits, limits over the hard
 * maximums); `field` gets the name of the first bad field or "" when valid. The ranges are
 * written once, in ledger/params.c's table, which docs/PROTOCOL.md ("Parameters") lists. */
CHR_WUR chr_err ledger_params_check(const ledger_params *p, const char **field);
/* The same for parameters a governance proposal sets: also fee_transfer at least 1 (a
 * genesis may have 0, a vote may not set it). */
CHR_WUR chr_err ledger_params_check_change(const ledger_params *p, const char **field);

/* Canonical encoding: u64 fee_transfer, u32 block_txs_max, u32 block_bytes_max, then the
 * staking ones in the struct's order (u64 unbonding_time_ms, u32 validators_max, u32
 * entries_max, u64 power_unit, u64 min_self_bond, u32 inflation_ppm, u32
 * proposer_bonus_ppm, u32 treasury_ppm, u32 slash_double_sign_ppm, u32 slash_downtime_ppm,
 * u32 signed_blocks_window, u32 min_signed_ppm, u64 downtime_jail_ms). */
#define LEDGER_PARAMS_BYTES (8 + 4 + 4 + 8 + 4 + 4 + 8 + 8 + 4 * 7 + 8)
void ledger_params_encode(chr_enc *enc, const ledger_params *p);
CHR_WUR chr_err ledger_params_decode(chr_dec *dec, ledger_params *out);

/* The staking parameters by name, for the genesis file and the API: a table of every
 * field after block_bytes_max with its width (4 or 8 bytes) and legal range. */
typedef struct ledger_param_field {
    const char *name;
    int wide; /* 1: u64, 0: u32 */
    uint64_t min;
    uint64_t max;
    size_t offset; /* in ledger_params */
} ledger_param_field;
/* The table (n entries); ledger_param_get/set read and write p's field i. */
const ledger_param_field *ledger_param_fields(size_t *n);
uint64_t ledger_param_get(const ledger_params *p, size_t i);
void ledger_param_set(ledger_params *p, size_t i, uint64_t v);

#endif
