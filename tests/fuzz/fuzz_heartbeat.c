/* Fuzzes the heartbeat decoder and check (ledger/heartbeat.h): no input may crash them,
 * whatever decodes must re-encode to exactly the input (one encoding per heartbeat), and the
 * check of a decoded heartbeat answers only its documented errors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/heartbeat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ledger_heartbeat hb;
    static uint8_t out[LEDGER_HEARTBEAT_BYTES_MAX];
    chr_err err = ledger_heartbeat_decode(&hb, data, size);
    if (err != CHR_OK) {
        static const ledger_heartbeat zero;
        if (memcmp(&hb, &zero, sizeof(hb)) != 0) {
            abort(); /* the output is zeroed on failure */
        }
        return 0;
    }
    size_t n = 0;
    if (ledger_heartbeat_encode(&hb, out, sizeof(out), &n) != CHR_OK || n != size ||
        memcmp(out, data, size) != 0) {
        abort();
    }
    err = ledger_heartbeat_verify(&hb, hb.chain_id);
    if (err != CHR_OK && err != CHR_ERR_SIGNATURE && err != CHR_ERR_PUBKEY) {
        abort();
    }
    return 0;
}
