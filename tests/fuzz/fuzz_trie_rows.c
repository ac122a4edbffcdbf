/* Fuzzes the persisted state trie (ledger/trie.h) over hostile rows: the input is a table
 * of rows (35-byte id, a length byte, that many value bytes, repeated), the root is made to
 * match the first row so that opening gets past it, and keys drawn from the rows are read,
 * proved, set and deleted. Nothing may crash or trip an assertion: a row that does not
 * match what names it is CHR_ERR_STORE, and a proof the trie gives must lead to the root. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/trie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ROWS_MAX 64

typedef struct fuzz_row {
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    uint8_t val[LEDGER_TRIE_VALUE_MAX + 1];
    size_t len;
} fuzz_row;

static fuzz_row rows[FUZZ_ROWS_MAX];
static size_t rows_len;

static int row_cmp(const void *a, const void *b)
{
    return memcmp(((const fuzz_row *)a)->id, ((const fuzz_row *)b)->id, LEDGER_TRIE_ID_BYTES);
}

static chr_err fuzz_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                         uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                         size_t *val_len)
{
    (void)ctx;
    for (size_t i = 0; i < rows_len; i++) {
        if (memcmp(rows[i].id, from, LEDGER_TRIE_ID_BYTES) >= 0) {
            memcpy(id_out, rows[i].id, LEDGER_TRIE_ID_BYTES);
            size_t n = rows[i].len < LEDGER_TRIE_VALUE_MAX ? rows[i].len : LEDGER_TRIE_VALUE_MAX;
            memcpy(val, rows[i].val, n);
            *val_len = rows[i].len;
            return CHR_OK;
        }
    }
    return CHR_ERR_NOT_FOUND;
}

/* The hash the first row would have as the root (leaf or inner, by its bit). */
static void row_hash(const fuzz_row *r, uint8_t out[32])
{
    uint8_t buf[67];
    unsigned bit = (unsigned)((r->id[33] << 8) | r->id[34]);
    if (bit == LEDGER_TRIE_LEAF_BIT) {
        buf[0] = 0x00;
        memcpy(buf + 1, r->id + 1, 32);
        memcpy(buf + 33, r->val, 32);
        chr_sha256_hash(out, buf, 65);
    } else {
        buf[0] = 0x01;
        buf[1] = r->id[33];
        buf[2] = r->id[34];
        memcpy(buf + 3, r->val, 64);
        chr_sha256_hash(out, buf, 67);
    }
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
    rows_len = 0;
    size_t at = 0;
    while (rows_len < FUZZ_ROWS_MAX && size - at >= LEDGER_TRIE_ID_BYTES + 1) {
        fuzz_row *r = &rows[rows_len];
        memcpy(r->id, data + at, LEDGER_TRIE_ID_BYTES);
        at += LEDGER_TRIE_ID_BYTES;
        size_t len = data[at++] % (LEDGER_TRIE_VALUE_MAX + 2);
        if (size - at < len) {
            break;
        }
        memset(r->val, 0, sizeof(r->val));
        memcpy(r->val, data + at, len);
        r->len = len;
        at += len;
        rows_len++;
    }
    if (rows_len == 0) {
        return 0;
    }
    qsort(rows, rows_len, sizeof(rows[0]), row_cmp);
    uint8_t root[32];
    row_hash(&rows[0], root);
    ledger_trie_source src = {NULL, fuzz_seek};
    ledger_trie *t;
    if (ledger_trie_new(&t, src, rows_len % 2 ? 4096 : 0) != CHR_OK) {
        abort();
    }
    if (ledger_trie_open(t, root) == CHR_OK) {
        for (size_t i = 0; i < rows_len; i++) {
            uint8_t key[32];
            memcpy(key, rows[i].id + 1, 32);
            key[31] ^= (uint8_t)(i & 1);
            int found;
            uint8_t v[32];
            static ledger_proof p;
            chr_err err = ledger_trie_get(t, key, &found, v);
            if (err != CHR_OK && err != CHR_ERR_STORE) {
                abort();
            }
            err = ledger_trie_prove(&src, root, key, &p);
            if (err != CHR_OK && err != CHR_ERR_STORE && err != CHR_ERR_STATE_ROOT) {
                abort();
            }
            err = (i & 2) ? ledger_trie_delete(t, key, &found) : ledger_trie_set(t, key, v);
            if (err != CHR_OK && err != CHR_ERR_STORE) {
                abort();
            }
            if (err != CHR_OK) {
                ledger_trie_rollback(t);
            }
        }
        uint8_t after[32];
        ledger_trie_root(t, after);
        ledger_trie_rollback(t);
    }
    ledger_trie_free(t);
    return 0;
}
