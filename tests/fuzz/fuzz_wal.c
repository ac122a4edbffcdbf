/* Fuzzes cons_wal_scan (consensus/wal.h), the WAL's pure decoder: no input may crash it;
 * it returns a prefix of the input made of whole records, reported in order as views at
 * their place; encoding the reported records again (header by cons_wal_header, then the
 * payload) reproduces exactly that prefix; what follows the prefix does not start with a
 * valid record; and scanning the prefix alone gives the same records. And
 * cons_wal_next_intact, which tells damage in the middle from a torn tail: no crash, and
 * the offset it names after the damaged record is the input's end (a torn tail) or one
 * where an intact record starts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "consensus/wal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct walk {
    const uint8_t *base;
    size_t pos; /* where the next record must start */
    size_t count;
} walk;

static int check_record(void *ctx, const uint8_t *rec, size_t rec_len)
{
    walk *w = ctx;
    if (rec != w->base + w->pos + CONS_WAL_HEADER_BYTES || rec_len > CONS_WAL_RECORD_MAX) {
        abort();
    }
    uint8_t header[CONS_WAL_HEADER_BYTES];
    cons_wal_header(header, rec, rec_len);
    if (memcmp(header, w->base + w->pos, CONS_WAL_HEADER_BYTES) != 0) {
        abort();
    }
    w->pos += CONS_WAL_HEADER_BYTES + rec_len;
    w->count++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
    walk w = {data, 0, 0};
    size_t valid = cons_wal_scan(data, size, check_record, &w);
    if (valid > size || valid != w.pos) {
        abort();
    }
    if (valid < size && cons_wal_scan(data + valid, size - valid, NULL, NULL) != 0) {
        abort();
    }
    walk again = {data, 0, 0};
    if (cons_wal_scan(data, valid, check_record, &again) != valid || again.count != w.count) {
        abort();
    }
    if (valid < size) {
        size_t next = cons_wal_next_intact(data, size, valid);
        if (next != size && (next <= valid || next > size ||
                             cons_wal_scan(data + next, size - next, NULL, NULL) == 0)) {
            abort();
        }
    }
    return 0;
}
