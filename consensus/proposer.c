#include "consensus/proposer.h"

#include <string.h>

#include "common/assert.h"

void cons_schedule_build(cons_schedule *s, const ledger_valset *vals)
{
    CHR_ASSERT(vals->len > 0 && vals->len <= LEDGER_VALIDATORS_MAX);
    CHR_ASSERT(vals->total_power > 0);
    uint64_t weight[LEDGER_VALIDATORS_MAX];
    int64_t current[LEDGER_VALIDATORS_MAX];
    uint64_t total = 0;
    for (size_t i = 0; i < vals->len; i++) {
        /* Scaled power, rounded down, at least one slot: the sum stays at most
         * CONS_PROPOSER_SLOTS + len, which the sequence array holds. */
        __uint128_t scaled =
            (__uint128_t)vals->v[i].power * CONS_PROPOSER_SLOTS / vals->total_power;
        weight[i] = scaled == 0 ? 1 : (uint64_t)scaled;
        total += weight[i];
        current[i] = 0;
    }
    CHR_ASSERT(total <= CONS_PROPOSER_SLOTS + LEDGER_VALIDATORS_MAX);
    /* Smooth weighted round robin: every step each validator gains its weight, the one
     * with the most (the lowest index on a tie) is chosen and pays the total back. Over
     * `total` steps each validator is chosen exactly `weight` times. */
    for (uint64_t k = 0; k < total; k++) {
        size_t best = 0;
        for (size_t i = 0; i < vals->len; i++) {
            current[i] += (int64_t)weight[i];
            if (current[i] > current[best]) {
                best = i;
            }
        }
        current[best] -= (int64_t)total;
        s->seq[k] = (uint8_t)best;
    }
    s->len = (uint32_t)total;
}

size_t cons_schedule_proposer(const cons_schedule *s, uint64_t height, uint32_t round)
{
    CHR_ASSERT(s->len > 0);
    /* (height + round) mod len without overflow: reduce each first. */
    uint64_t at = (height % s->len + round % s->len) % s->len;
    return s->seq[at];
}
