/* Chain parameters: set in genesis, part of the consensus state (later issues let
 * governance change them). Amounts are in the smallest unit. */
#ifndef LEDGER_PARAMS_H
#define LEDGER_PARAMS_H

#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"

/* The token: fixed for every Chroom chain. 1 CHR = 10^6 units. */
#define LEDGER_TOKEN_SYMBOL "CHR"
#define LEDGER_TOKEN_DECIMALS 6

typedef struct ledger_params {
    uint64_t fee_transfer;    /* minimum fee of a transfer */
    uint32_t block_txs_max;   /* transactions in a block, 1..LEDGER_BLOCK_TXS_MAX */
    uint32_t block_bytes_max; /* encoded transactions in a block, up to LEDGER_BLOCK_BYTES_MAX */
} ledger_params;

/* The defaults that `chroom-genesis init` writes. */
void ledger_params_default(ledger_params *out);

/* CHR_ERR_ARG if a value is outside its allowed range (zero limits, limits over the hard
 * maximums); `field` gets the name of the first bad field or "" when valid. */
CHR_WUR chr_err ledger_params_check(const ledger_params *p, const char **field);

/* Canonical encoding: u64 fee_transfer, u32 block_txs_max, u32 block_bytes_max. */
void ledger_params_encode(chr_enc *enc, const ledger_params *p);
CHR_WUR chr_err ledger_params_decode(chr_dec *dec, ledger_params *out);

#endif
