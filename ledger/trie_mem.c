#include "ledger/trie_mem.h"

#include <stdlib.h>
#include <string.h>

#include "common/assert.h"

typedef struct trie_mem_row {
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    uint8_t val[LEDGER_TRIE_VALUE_MAX];
    size_t len;
} trie_mem_row;

/* A committed object, named by u8 kind || natural key as the node's store names it. */
typedef struct trie_mem_object {
    uint8_t name[1 + LEDGER_STATE_NATURAL_KEY_MAX];
    size_t name_len;
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
} trie_mem_object;

struct ledger_trie_mem {
    trie_mem_row *rows;
    size_t len;
    size_t cap;
    trie_mem_object *objs; /* in name order */
    size_t objs_len;
    size_t objs_cap;
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
        free(m->objs);
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

/* ---- Objects. ---- */

/* The index of the first object whose name is at or after (name, len). */
static size_t obj_lower_bound(const ledger_trie_mem *m, const uint8_t *name, size_t len)
{
    size_t lo = 0;
    size_t hi = m->objs_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const trie_mem_object *o = &m->objs[mid];
        if (ledger_object_natural_cmp(o->name, o->name_len, name, len) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static size_t obj_name(uint8_t name[1 + LEDGER_STATE_NATURAL_KEY_MAX], ledger_state_kind kind,
                       const uint8_t *natural, size_t natural_len)
{
    CHR_ASSERT(natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
    name[0] = (uint8_t)kind;
    if (natural_len > 0) {
        memcpy(name + 1, natural, natural_len);
    }
    return 1 + natural_len;
}

chr_err ledger_trie_mem_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                               size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                               size_t *value_len, int *found)
{
    const ledger_trie_mem *m = ctx;
    uint8_t name[1 + LEDGER_STATE_NATURAL_KEY_MAX];
    size_t len = obj_name(name, kind, natural, natural_len);
    size_t i = obj_lower_bound(m, name, len);
    *found = i < m->objs_len &&
             ledger_object_natural_cmp(m->objs[i].name, m->objs[i].name_len, name, len) == 0;
    *value_len = *found ? m->objs[i].value_len : 0;
    if (*found) {
        memcpy(value, m->objs[i].value, *value_len);
    }
    return CHR_OK;
}

chr_err ledger_trie_mem_object_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                                    size_t prefix_len, const uint8_t *after, size_t after_len,
                                    ledger_object *out)
{
    const ledger_trie_mem *m = ctx;
    uint8_t name[1 + LEDGER_STATE_NATURAL_KEY_MAX];
    /* From the first name at or after the prefix's, or strictly after `after` when that is
     * later. */
    size_t i = obj_lower_bound(m, name, obj_name(name, kind, prefix, prefix_len));
    if (after != NULL) {
        uint8_t from[1 + LEDGER_STATE_NATURAL_KEY_MAX];
        size_t len = obj_name(from, kind, after, after_len);
        size_t j = obj_lower_bound(m, from, len);
        if (j < m->objs_len &&
            ledger_object_natural_cmp(m->objs[j].name, m->objs[j].name_len, from, len) == 0) {
            j++;
        }
        i = j > i ? j : i;
    }
    if (i == m->objs_len) {
        return CHR_ERR_NOT_FOUND;
    }
    const trie_mem_object *o = &m->objs[i];
    if (o->name[0] != (uint8_t)kind || o->name_len - 1 < prefix_len ||
        (prefix_len > 0 && memcmp(o->name + 1, prefix, prefix_len) != 0)) {
        return CHR_ERR_NOT_FOUND; /* past the prefix's range */
    }
    out->natural_len = o->name_len - 1;
    memcpy(out->natural, o->name + 1, out->natural_len);
    out->value_len = o->value_len;
    memcpy(out->value, o->value, o->value_len);
    return CHR_OK;
}

static chr_err obj_set(ledger_trie_mem *m, const uint8_t *name, size_t len, const uint8_t *value,
                       size_t value_len)
{
    size_t i = obj_lower_bound(m, name, len);
    int found = i < m->objs_len &&
                ledger_object_natural_cmp(m->objs[i].name, m->objs[i].name_len, name, len) == 0;
    if (value == NULL) {
        if (found) {
            memmove(&m->objs[i], &m->objs[i + 1], (m->objs_len - i - 1) * sizeof(m->objs[0]));
            m->objs_len--;
        }
        return CHR_OK;
    }
    if (!found) {
        if (m->objs_len == m->objs_cap) {
            size_t cap = m->objs_cap ? 2 * m->objs_cap : 16;
            trie_mem_object *objs = realloc(m->objs, cap * sizeof(*objs));
            if (objs == NULL) {
                return CHR_ERR_NOMEM;
            }
            m->objs = objs;
            m->objs_cap = cap;
        }
        memmove(&m->objs[i + 1], &m->objs[i], (m->objs_len - i) * sizeof(m->objs[0]));
        m->objs_len++;
        memcpy(m->objs[i].name, name, len);
        m->objs[i].name_len = len;
    }
    memcpy(m->objs[i].value, value, value_len);
    m->objs[i].value_len = value_len;
    return CHR_OK;
}

chr_err ledger_trie_mem_objects_store(ledger_trie_mem *m, const ledger_objects *objs)
{
    chr_err err = CHR_OK;
    for (size_t i = 0; objs != NULL && i < ledger_objects_len(objs) && err == CHR_OK; i++) {
        ledger_state_kind kind;
        const uint8_t *natural;
        const uint8_t *value;
        size_t natural_len;
        size_t value_len;
        ledger_objects_at(objs, i, &kind, &natural, &natural_len, &value, &value_len);
        uint8_t name[1 + LEDGER_STATE_NATURAL_KEY_MAX];
        size_t len = obj_name(name, kind, natural, natural_len);
        err = obj_set(m, name, len, value, value_len);
    }
    return err;
}

size_t ledger_trie_mem_objects_len(const ledger_trie_mem *m)
{
    return m->objs_len;
}
