#include <errno.h>
#include <lmdb.h>

#include "common/lmdb_err.h"
#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

/* Proves the stores' one LMDB mapping: a full map and a missing key keep their meaning (the
 * node grows the map; a lookup answers "not found"), and any other failure is a store error. */
void test_lmdb_err_mapping(void)
{
    CHECK(chr_lmdb_err(MDB_MAP_FULL, "put") == CHR_ERR_MAP_FULL);
    CHECK(chr_lmdb_err(MDB_NOTFOUND, "get") == CHR_ERR_NOT_FOUND);
    CHECK(chr_lmdb_err(MDB_READERS_FULL, "begin read") == CHR_ERR_STORE);
    CHECK(chr_lmdb_err(MDB_CORRUPTED, "get") == CHR_ERR_STORE);
    CHECK(chr_lmdb_err(EIO, "commit") == CHR_ERR_STORE);
    CHECK(chr_lmdb_err(ENOSPC, "commit") == CHR_ERR_STORE);
}
