/* Fuzzes ledger_header_decode: no input may crash it, and whatever it accepts must
 * re-encode to exactly the input and hash to SHA-256 of it; an accepted header has a valid
 * chain id, a height of at least 1 and at most LEDGER_BLOCK_TXS_MAX transactions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/block.h"
#include "ledger/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
    ledger_header h;
    if (ledger_header_decode(&h, data, size) != CHR_OK) {
        return 0;
    }
    uint8_t again[LEDGER_HEADER_BYTES_MAX];
    size_t again_len;
    if (ledger_header_encode(&h, again, sizeof(again), &again_len) != CHR_OK || again_len != size ||
        memcmp(again, data, size) != 0) {
        abort();
    }
    if (!ledger_chain_id_valid(h.chain_id, h.chain_id_len) || h.height == 0 ||
        h.tx_count > LEDGER_BLOCK_TXS_MAX) {
        abort();
    }
    uint8_t got[CHR_HASH_LEN];
    uint8_t want[CHR_HASH_LEN];
    ledger_header_hash(&h, got);
    chr_sha256_hash(want, data, size);
    if (memcmp(got, want, sizeof(got)) != 0) {
        abort();
    }
    return 0;
}
