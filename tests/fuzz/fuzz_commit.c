/* Fuzzes ledger_commit_decode: no input may crash it, and whatever it accepts must
 * re-encode to exactly the input and hash to SHA-256 of it; an accepted commit lists at
 * most LEDGER_VALIDATORS_MAX validators in strictly increasing key order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoded commit is ~12 KiB: keep it off the fuzzer's stack. */
static ledger_commit commit;
static uint8_t again[LEDGER_COMMIT_BYTES_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
    if (ledger_commit_decode(&commit, data, size) != CHR_OK) {
        return 0;
    }
    size_t again_len;
    if (ledger_commit_encode(&commit, again, sizeof(again), &again_len) != CHR_OK ||
        again_len != size || memcmp(again, data, size) != 0) {
        abort();
    }
    if (commit.sigs_len > LEDGER_VALIDATORS_MAX) {
        abort();
    }
    for (size_t i = 1; i < commit.sigs_len; i++) {
        if (memcmp(commit.sigs[i - 1].validator, commit.sigs[i].validator, 32) >= 0) {
            abort();
        }
    }
    uint8_t got[CHR_HASH_LEN];
    uint8_t want[CHR_HASH_LEN];
    ledger_commit_hash(&commit, got);
    chr_sha256_hash(want, data, size);
    if (memcmp(got, want, sizeof(got)) != 0) {
        abort();
    }
    return 0;
}
