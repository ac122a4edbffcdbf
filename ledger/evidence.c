#include "ledger/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/sig.h"

void ledger_evidence_encode(const ledger_evidence *ev, uint8_t out[LEDGER_EVIDENCE_BYTES])
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_EVIDENCE_BYTES);
    chr_enc_u8(&enc, ev->type);
    chr_enc_u64(&enc, ev->height);
    chr_enc_u32(&enc, ev->round);
    chr_enc_raw(&enc, ev->validator, 32);
    chr_enc_raw(&enc, ev->block_a, 32);
    chr_enc_raw(&enc, ev->sig_a, 64);
    chr_enc_raw(&enc, ev->block_b, 32);
    chr_enc_raw(&enc, ev->sig_b, 64);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK && len == LEDGER_EVIDENCE_BYTES);
}

chr_err ledger_evidence_decode(ledger_evidence *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u8(&dec, &out->type);
    err = err ? err : chr_dec_u64(&dec, &out->height);
    err = err ? err : chr_dec_u32(&dec, &out->round);
    err = err ? err : chr_dec_raw(&dec, out->validator, 32);
    err = err ? err : chr_dec_raw(&dec, out->block_a, 32);
    err = err ? err : chr_dec_raw(&dec, out->sig_a, 64);
    err = err ? err : chr_dec_raw(&dec, out->block_b, 32);
    err = err ? err : chr_dec_raw(&dec, out->sig_b, 64);
    err = err ? err : chr_dec_finish(&dec);
    if (err == CHR_OK &&
        ((out->type != LEDGER_VOTE_PREVOTE && out->type != LEDGER_VOTE_PRECOMMIT) ||
         out->height == 0 || memcmp(out->block_a, out->block_b, 32) >= 0)) {
        err = CHR_ERR_EVIDENCE;
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

void ledger_evidence_key(const ledger_evidence *ev, uint8_t out[LEDGER_EVIDENCE_KEY_BYTES])
{
    memcpy(out, ev->validator, 32);
    chr_put_u64be(out + 32, ev->height);
    chr_put_u32be(out + 40, ev->round);
    out[44] = ev->type;
}

chr_err ledger_evidence_check(const ledger_evidence *ev, const char *chain_id,
                              const ledger_valset *vals, uint64_t block_height, int verify_sigs,
                              char *detail, size_t detail_cap)
{
    const char *bad = NULL;
    uint8_t msg[32];
    if (ev->height == 0 || ev->height >= block_height) {
        bad = "not from a height before the block's";
    } else if (block_height - ev->height > LEDGER_EVIDENCE_AGE_MAX) {
        bad = "older than the evidence age limit";
    } else if ((ev->type != LEDGER_VOTE_PREVOTE && ev->type != LEDGER_VOTE_PRECOMMIT) ||
               memcmp(ev->block_a, ev->block_b, 32) >= 0) {
        bad = "not two different votes in canonical order";
    } else if (ledger_valset_find(vals, ev->validator) < 0) {
        bad = "signer is not a validator";
    } else if (verify_sigs) {
        ledger_vote_sighash(msg, chain_id, ev->type, ev->height, ev->round, ev->block_a);
        if (ledger_sig_verify(ev->sig_a, msg, ev->validator) != CHR_OK) {
            bad = "the first vote's signature does not verify";
        } else {
            ledger_vote_sighash(msg, chain_id, ev->type, ev->height, ev->round, ev->block_b);
            if (ledger_sig_verify(ev->sig_b, msg, ev->validator) != CHR_OK) {
                bad = "the second vote's signature does not verify";
            }
        }
    }
    if (bad != NULL) {
        snprintf(detail, detail_cap, "evidence at height %llu: %s", (unsigned long long)ev->height,
                 bad);
        return CHR_ERR_EVIDENCE;
    }
    return CHR_OK;
}

chr_err ledger_evidence_root(uint8_t out[32], const ledger_evidence *evs, size_t n)
{
    uint8_t(*leaves)[CHR_HASH_LEN] = malloc((n > 0 ? n : 1) * sizeof(*leaves));
    if (leaves == NULL) {
        memset(out, 0, 32);
        return CHR_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t buf[LEDGER_EVIDENCE_BYTES];
        ledger_evidence_encode(&evs[i], buf);
        chr_merkle_leaf(leaves[i], buf, sizeof(buf));
    }
    chr_merkle_root(out, leaves, n);
    free(leaves);
    return CHR_OK;
}
