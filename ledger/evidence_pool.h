/* The evidence pool: evidence of double signing waiting for a block, checked, in key order
 * (ledger_evidence_key), at most LEDGER_EVIDENCE_POOL_MAX pieces. Which evidence enters and
 * leaves is the block state machine's to decide (ledger/chain.h); this is the table.
 *
 * Deterministic core. Not thread-safe: owned by the thread that owns its chain. */
#ifndef LEDGER_EVIDENCE_POOL_H
#define LEDGER_EVIDENCE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/evidence.h"
#include "ledger/limits.h"

typedef struct ledger_evidence_pool {
    size_t len;
    ledger_evidence ev[LEDGER_EVIDENCE_POOL_MAX];
} ledger_evidence_pool;

void ledger_evidence_pool_init(ledger_evidence_pool *p);

/* The pooled evidence whose offence key is key, or NULL. */
const ledger_evidence *ledger_evidence_pool_get(const ledger_evidence_pool *p,
                                                const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES]);

/* Adds ev (copied). CHR_ERR_DUPLICATE when its offence is pooled already; when the pool is
 * full the evidence of the lowest height gives way if it is lower than ev's, else
 * CHR_ERR_FULL (the pool is unchanged on errors). */
CHR_WUR chr_err ledger_evidence_pool_add(ledger_evidence_pool *p, const ledger_evidence *ev);

/* Removes the evidence of the offence key; no-op when absent. */
void ledger_evidence_pool_remove(ledger_evidence_pool *p,
                                 const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES]);
/* Removes the i-th piece (i < len), keeping the order. */
void ledger_evidence_pool_remove_at(ledger_evidence_pool *p, size_t i);

/* Whether a and b are the same evidence byte for byte. */
int ledger_evidence_same(const ledger_evidence *a, const ledger_evidence *b);

#endif
