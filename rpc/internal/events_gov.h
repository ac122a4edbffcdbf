/* Governance's events on GET /api/v1/events (docs/API.md): a proposal's status changes and
 * its executions, read from the governance event records of a block (ledger/gov.h,
 * gov_event), so that they are the same on every node and across restarts. A block's
 * governance events come after its transactions, the set it decided and its staking events
 * (S of them, rpc/routes_events.c): event k has the id HEIGHT-(tx_count + 2 + S + k). Private to
 * rpc/; called from rpc/routes_events.c on the stream's thread, under the caller's read
 * transaction. */
#ifndef RPC_INTERNAL_EVENTS_GOV_H
#define RPC_INTERNAL_EVENTS_GOV_H

#include <jansson.h>
#include <stdint.h>

#include "ledger/gov.h"
#include "ledger/store.h"

/* Where a stream is in a block's governance events, so that reading them in order costs
 * one record each. Zeroed: at no block. */
typedef struct rpc_gov_events {
    uint64_t height;       /* the block of the records below */
    uint32_t next;         /* the event the cursor gives next */
    int has_last;          /* a record has been read */
    int exec_pending;      /* the last record's execution event is next */
    ledger_gov_event last; /* the last record read */
} rpc_gov_events;

/* The number of governance events of block height (at most RPC_GOV_EVENTS_MAX); 0 when
 * it has none or the store cannot be read. */
uint32_t rpc_gov_events_count(ledger_store_read *rd, uint64_t height);

/* Governance event k of block height: its data (caller owns the reference) and *name,
 * "proposal_status" or "proposal_execution"; NULL past the last event or when the store
 * cannot be read. Reading k = 0, 1, 2... in order reads each record once; any other k
 * reads the block's records from the first. */
json_t *rpc_gov_event(ledger_store_read *rd, rpc_gov_events *c, uint64_t height, uint32_t k,
                      const char **name);

#endif
