#include "ledger/params.h"

#include <string.h>

#include "ledger/limits.h"

void ledger_params_default(ledger_params *out)
{
    memset(out, 0, sizeof(*out));
    out->fee_transfer = 1000;
    out->block_txs_max = 5000;
    out->block_bytes_max = 2u * 1024 * 1024;
}

chr_err ledger_params_check(const ledger_params *p, const char **field)
{
    *field = "";
    if (p->block_txs_max == 0 || p->block_txs_max > LEDGER_BLOCK_TXS_MAX) {
        *field = "block_txs_max";
        return CHR_ERR_ARG;
    }
    if (p->block_bytes_max < LEDGER_TX_BYTES_MAX || p->block_bytes_max > LEDGER_BLOCK_BYTES_MAX) {
        *field = "block_bytes_max";
        return CHR_ERR_ARG;
    }
    return CHR_OK;
}

void ledger_params_encode(chr_enc *enc, const ledger_params *p)
{
    chr_enc_u64(enc, p->fee_transfer);
    chr_enc_u32(enc, p->block_txs_max);
    chr_enc_u32(enc, p->block_bytes_max);
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
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}
