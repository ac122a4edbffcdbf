/* LMDB's return codes as chr_err: the one mapping of every store over LMDB (ledger/store.c,
 * ledger/store_index.c, rpc/apikeys.c). An edge file (it includes lmdb.h), so it is not
 * part of the deterministic core (Makefile, check-core). */
#ifndef CHR_LMDB_ERR_H
#define CHR_LMDB_ERR_H

#include "common/err.h"

/* Turns rc, an mdb_* call's non-zero result, into a chr_err: MDB_MAP_FULL is
 * CHR_ERR_MAP_FULL (it goes up to node/, which grows the map or stops), MDB_NOTFOUND is
 * CHR_ERR_NOT_FOUND, and anything else is CHR_ERR_STORE after a log line at error level,
 * "lmdb: <what>: <mdb_strerror(rc)>". what names the operation ("put", "apikeys: get").
 * Thread-safe. */
CHR_WUR chr_err chr_lmdb_err(int rc, const char *what);

#endif
