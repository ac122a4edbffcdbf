/* Fuzzes genesis_from_json: no input may crash it or leak, and whatever it accepts must
 * write back to JSON that parses to the same genesis hash and writes the same text again
 * (decode, encode, decode agree). A loaded genesis validates exactly when it has a
 * validator, since loading checks every other rule. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "genesis/genesis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for any message genesis_from_json writes. */
#define FUZZ_ERRMSG_MAX 256

static void fuzz_round_trip(const genesis *g)
{
    char err[FUZZ_ERRMSG_MAX];
    uint8_t h1[CHR_HASH_LEN];
    uint8_t h2[CHR_HASH_LEN];
    char *j1 = NULL;
    char *j2 = NULL;
    genesis again;
    if (genesis_hash(g, h1) != CHR_OK || genesis_to_json(g, &j1) != CHR_OK) {
        abort();
    }
    if (genesis_from_json(&again, j1, strlen(j1), err, sizeof(err)) != CHR_OK) {
        abort();
    }
    if (genesis_hash(&again, h2) != CHR_OK || memcmp(h1, h2, sizeof(h1)) != 0) {
        abort();
    }
    if (genesis_to_json(&again, &j2) != CHR_OK || strcmp(j1, j2) != 0) {
        abort();
    }
    free(j1);
    free(j2);
    genesis_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int started;
    if (!started) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        started = 1;
    }
    genesis g;
    char err[FUZZ_ERRMSG_MAX];
    if (genesis_from_json(&g, (const char *)data, size, err, sizeof(err)) != CHR_OK) {
        if (g.accounts != NULL || g.accounts_len != 0 || g.validators.len != 0) {
            abort();
        }
        return 0;
    }
    fuzz_round_trip(&g);
    chr_err valid = genesis_validate(&g, err, sizeof(err));
    if ((valid == CHR_OK) != (g.validators.len > 0)) {
        abort();
    }
    genesis_free(&g);
    return 0;
}
