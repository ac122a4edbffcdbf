#include <errno.h>
#include <lmdb.h>
#include <string.h>

#include "common/errmsg.h"
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

/* Proves the parsers' one message writer formats, cuts a long message to the buffer with its
 * NUL, and writes nothing when the caller wants no message (NULL, 0). */
void test_errmsg_set(void)
{
    char buf[16];
    chr_errmsg_set(buf, sizeof(buf), "line %zu: %s", (size_t)7, "bad");
    CHECK(strcmp(buf, "line 7: bad") == 0);
    chr_errmsg_set(buf, sizeof(buf), "line %d: %s", 12, "a message longer than the buffer");
    CHECK(strcmp(buf, "line 12: a mess") == 0);
    memset(buf, 'x', sizeof(buf));
    chr_errmsg_set(buf, 1, "anything");
    CHECK(buf[0] == '\0' && buf[1] == 'x');
    chr_errmsg_set(buf, 0, "anything");
    CHECK(buf[0] == '\0' && buf[1] == 'x');
    chr_errmsg_set(NULL, 0, "anything %d", 1);
}
