#include "ledger/trie_mem.h"

#include <stdlib.h>
#include <string.h>

#include "common/assert.h"

typedef struct trie_mem_row {
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    uint8_t val[LEDGER_TRIE_VALUE_MAX];
    size_t len;
} trie_mem_row;

struct ledger_trie_mem {
    trie_mem_row *rows;
    size_t len;
    size_t cap;
};

chr_err ledger_trie_mem_new(ledger_trie_mem **out)
{
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? CHR_ERR_NOMEM : CHR_OK;
}

void ledger_trie_mem_free(ledger_trie_mem *m)
{
    if (m != NULL) {
        free(m->rows);
        free(m);
    }
}

/* The index of the first row at or after id. */
static size_t lower_bound(const ledger_trie_mem *m, const uint8_t id[LEDGER_TRIE_ID_BYTES])
{
    size_t lo = 0;
    size_t hi = m->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(m->rows[mid].id, id, LEDGER_TRIE_ID_BYTES) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static chr_err mem_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                        uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                        size_t *val_len)
{
    const ledger_trie_mem *m = ctx;
    size_t i = lower_bound(m, from);
    if (i == m->len) {
        return CHR_ERR_NOT_FOUND;
    }
    memcpy(id_out, m->rows[i].id, LEDGER_TRIE_ID_BYTES);
    memcpy(val, m->rows[i].val, m->rows[i].len);
    *val_len = m->rows[i].len;
    return CHR_OK;
}

ledger_trie_source ledger_trie_mem_source(ledger_trie_mem *m)
{
    ledger_trie_source s = {m, mem_seek};
    return s;
}

static chr_err mem_put(void *ctx, const ledger_trie_change *c)
{
    ledger_trie_mem *m = ctx;
    const uint8_t *id = c->id;
    const uint8_t *val = c->val;
    size_t len = c->len;
    size_t i = lower_bound(m, id);
    int found = i < m->len && memcmp(m->rows[i].id, id, LEDGER_TRIE_ID_BYTES) == 0;
    if (val == NULL) {
        if (found) {
            memmove(&m->rows[i], &m->rows[i + 1], (m->len - i - 1) * sizeof(m->rows[0]));
            m->len--;
        }
        return CHR_OK;
    }
    CHR_ASSERT(len <= LEDGER_TRIE_VALUE_MAX);
    if (!found) {
        if (m->len == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 64;
            trie_mem_row *rows = realloc(m->rows, cap * sizeof(*rows));
            if (rows == NULL) {
                return CHR_ERR_NOMEM;
            }
            m->rows = rows;
            m->cap = cap;
        }
        memmove(&m->rows[i + 1], &m->rows[i], (m->len - i) * sizeof(m->rows[0]));
        m->len++;
        memcpy(m->rows[i].id, id, LEDGER_TRIE_ID_BYTES);
    }
    memcpy(m->rows[i].val, val, len);
    m->rows[i].len = len;
    return CHR_OK;
}

chr_err ledger_trie_mem_store(ledger_trie_mem *m, ledger_trie *t)
{
    return ledger_trie_changes(t, mem_put, m);
}

size_t ledger_trie_mem_len(const ledger_trie_mem *m)
{
    return m->len;
}

uint8_t *ledger_trie_mem_row(ledger_trie_mem *m, size_t i, uint8_t **val, size_t *val_len)
{
    CHR_ASSERT(i < m->len);
    *val = m->rows[i].val;
    *val_len = m->rows[i].len;
    return m->rows[i].id;
}

chr_err ledger_trie_mem_accounts(ledger_trie_mem *m, const uint8_t (*addrs)[32],
                                 const ledger_account *accounts, size_t n, uint8_t root[32])
{
    CHR_ASSERT(m->len == 0);
    ledger_trie *t;
    chr_err err = ledger_trie_new(&t, ledger_trie_mem_source(m), 0);
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        uint8_t h[CHR_HASH_LEN];
        ledger_account_hash(h, &accounts[i]);
        err = ledger_trie_set(t, addrs[i], h);
    }
    err = err ? err : ledger_trie_mem_store(m, t);
    if (err == CHR_OK) {
        ledger_trie_root(t, root);
        ledger_trie_release(t);
    }
    ledger_trie_free(t);
    return err;
}
