#include "common/lmdb_err.h"

#include <lmdb.h>
#include <stddef.h>

#include "common/assert.h"
#include "common/log.h"

chr_err chr_lmdb_err(int rc, const char *what)
{
    CHR_ASSERT(what != NULL);
    if (rc == MDB_MAP_FULL) {
        return CHR_ERR_MAP_FULL;
    }
    if (rc == MDB_NOTFOUND) {
        return CHR_ERR_NOT_FOUND;
    }
    CHR_LOG_E("lmdb: %s: %s", what, mdb_strerror(rc));
    return CHR_ERR_STORE;
}
