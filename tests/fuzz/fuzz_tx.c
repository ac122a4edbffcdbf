/* Fuzzes ledger_tx_decode: no input may crash it, and whatever it accepts must re-encode
 * to exactly the input (one encoding per value, DESIGN.md), hash to SHA-256 of the input,
 * and sign over the tagged hash of every byte before the signature. Accepted fields obey
 * the decoder's rules: a valid chain id, a UTF-8 memo within its limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/params.h"
#include "ledger/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_init(void)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
}

static void fuzz_check_hashes(const ledger_tx *tx, const uint8_t *data, size_t size)
{
    uint8_t got[CHR_HASH_LEN];
    uint8_t want[CHR_HASH_LEN];
    ledger_tx_hash(tx, got);
    chr_sha256_hash(want, data, size);
    if (memcmp(got, want, sizeof(got)) != 0) {
        abort();
    }
    ledger_tx_sighash(tx, got);
    chr_tagged_hash(want, LEDGER_TX_TAG, data, size - LEDGER_SIG_LEN);
    if (memcmp(got, want, sizeof(got)) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    ledger_tx tx;
    if (ledger_tx_decode(&tx, data, size) != CHR_OK) {
        return 0;
    }
    uint8_t again[LEDGER_TX_BYTES_MAX];
    size_t again_len;
    if (ledger_tx_encode(&tx, again, sizeof(again), &again_len) != CHR_OK || again_len != size ||
        memcmp(again, data, size) != 0) {
        abort();
    }
    if (!ledger_chain_id_valid(tx.chain_id, tx.chain_id_len) ||
        strlen(tx.chain_id) != tx.chain_id_len || tx.memo_len > LEDGER_MEMO_MAX ||
        !ledger_utf8_valid(tx.memo, tx.memo_len)) {
        abort();
    }
    fuzz_check_hashes(&tx, data, size);
    /* The stateless checks take anything that decodes (the signature is left to
     * libsecp256k1's own tests: verifying here would only slow the fuzzer down). */
    ledger_params params;
    ledger_params_default(&params);
    char detail[128];
    chr_err err = ledger_tx_check(&tx, tx.chain_id, &params, detail, sizeof(detail));
    if (err != CHR_OK && detail[0] == '\0') {
        abort();
    }
    return 0;
}
