/* A store snapshot as the ledger's object table reads it, for the routes that call the
 * ledger's read-only computations (a tally, pending rewards, signing info) on committed
 * state. */
#ifndef RPC_INTERNAL_SNAPSHOT_H
#define RPC_INTERNAL_SNAPSHOT_H

#include "common/err.h"
#include "ledger/objects.h"
#include "ledger/store.h"

/* A table of one entry whose loads and scans read rd's committed objects (a damaged object
 * loads as CHR_ERR_STORE). Only reads may be made through it. rd must outlive *out; the
 * caller frees *out with ledger_objects_free. CHR_ERR_NOMEM (*out NULL). */
CHR_WUR chr_err rpc_snapshot_objects(ledger_store_read *rd, ledger_objects **out);

#endif
