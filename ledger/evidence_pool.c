#include "ledger/evidence_pool.h"

#include <string.h>

#include "common/assert.h"

void ledger_evidence_pool_init(ledger_evidence_pool *p)
{
    p->len = 0;
}

/* Index of the entry with key, or the index where it would go (*found 0). */
static size_t pool_find(const ledger_evidence_pool *p, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES],
                        int *found)
{
    size_t lo = 0, hi = p->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint8_t k[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(&p->ev[mid], k);
        int cmp = memcmp(k, key, sizeof(k));
        if (cmp == 0) {
            *found = 1;
            return mid;
        }
        if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = 0;
    return lo;
}

const ledger_evidence *ledger_evidence_pool_get(const ledger_evidence_pool *p,
                                                const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES])
{
    int found;
    size_t at = pool_find(p, key, &found);
    return found ? &p->ev[at] : NULL;
}

void ledger_evidence_pool_remove_at(ledger_evidence_pool *p, size_t i)
{
    CHR_ASSERT(i < p->len);
    memmove(&p->ev[i], &p->ev[i + 1], (p->len - i - 1) * sizeof(p->ev[0]));
    p->len--;
}

void ledger_evidence_pool_remove(ledger_evidence_pool *p,
                                 const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES])
{
    int found;
    size_t at = pool_find(p, key, &found);
    if (found) {
        ledger_evidence_pool_remove_at(p, at);
    }
}

chr_err ledger_evidence_pool_add(ledger_evidence_pool *p, const ledger_evidence *ev)
{
    uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
    ledger_evidence_key(ev, key);
    int found;
    size_t at = pool_find(p, key, &found);
    if (found) {
        return CHR_ERR_DUPLICATE;
    }
    if (p->len == LEDGER_EVIDENCE_POOL_MAX) {
        /* Full: the oldest offence gives way, so that a flood of old evidence cannot keep
         * fresh evidence out. */
        size_t oldest = 0;
        for (size_t i = 1; i < p->len; i++) {
            if (p->ev[i].height < p->ev[oldest].height) {
                oldest = i;
            }
        }
        if (p->ev[oldest].height >= ev->height) {
            return CHR_ERR_FULL;
        }
        ledger_evidence_pool_remove_at(p, oldest);
        at = pool_find(p, key, &found);
    }
    memmove(&p->ev[at + 1], &p->ev[at], (p->len - at) * sizeof(p->ev[0]));
    p->ev[at] = *ev;
    p->len++;
    CHR_ASSERT(p->len <= LEDGER_EVIDENCE_POOL_MAX);
    return CHR_OK;
}

int ledger_evidence_same(const ledger_evidence *a, const ledger_evidence *b)
{
    uint8_t ea[LEDGER_EVIDENCE_BYTES], eb[LEDGER_EVIDENCE_BYTES];
    ledger_evidence_encode(a, ea);
    ledger_evidence_encode(b, eb);
    return memcmp(ea, eb, sizeof(ea)) == 0;
}
