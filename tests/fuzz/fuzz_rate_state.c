/* Fuzzes the decoder of the rate-limit buckets saved across restarts
 * (rpc/internal/ratelimit.h): no input may crash it or reach undefined behaviour; a state
 * it accepts encodes back to the very same bytes (one encoding per state), and imports into
 * a table without breaking it (a request after the import is answered as any other). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/internal/ratelimit.h"
#include "rpc/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fewer entries than a whole table: enough for every shape of state, and cheap to zero. */
#define FUZZ_RATE_ENTRIES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rpc_rate_saved saved[FUZZ_RATE_ENTRIES];
    static uint8_t
        again[RPC_RATE_STATE_HEADER_BYTES + FUZZ_RATE_ENTRIES * RPC_RATE_STATE_ENTRY_BYTES];
    static const rpc_rate_saved zero;
    size_t n;
    uint64_t when;
    if (rpc_rate_state_decode(saved, FUZZ_RATE_ENTRIES, &n, &when, data, size) != CHR_OK) {
        for (size_t i = 0; i < FUZZ_RATE_ENTRIES; i++) {
            if (memcmp(&saved[i], &zero, sizeof(zero)) != 0) {
                abort();
            }
        }
        if (n != 0 || when != 0) {
            abort();
        }
        return 0;
    }
    if (n > FUZZ_RATE_ENTRIES || rpc_rate_state_bytes(n) != size) {
        abort();
    }
    rpc_rate_state_encode(again, saved, n, when);
    if (memcmp(again, data, size) != 0) {
        abort();
    }
    rpc_rate *t;
    if (rpc_rate_new(&t, RPC_RATE_WAYS * 4) != CHR_OK) {
        abort();
    }
    (void)rpc_rate_import(t, saved, n, size > 0 ? data[size - 1] * 100u : 0, 1000);
    for (size_t i = 0; i < n; i++) {
        rpc_rate_result r;
        rpc_rate_take(t, &r, saved[i].key, saved[i].limit, 1000);
        if (r.limit != saved[i].limit || (!r.allowed && r.retry_after_s == 0)) {
            abort();
        }
    }
    rpc_rate_free(t);
    return 0;
}
