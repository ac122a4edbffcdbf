#include "ledger/objects.h"

#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"

typedef struct object_entry {
    uint8_t key[32]; /* ledger_state_key(kind, natural): the trie's key and the table's hash */
    uint8_t kind;
    uint8_t natural_len;
    uint16_t value_len; /* 0: deleted (a live value has 1 byte at least) */
    uint32_t slot;      /* where slots[] points at this entry, for an O(changes) reset */
    uint8_t natural[LEDGER_STATE_NATURAL_KEY_MAX];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
} object_entry;

_Static_assert(LEDGER_STATE_NATURAL_KEY_MAX <= UINT8_MAX, "natural_len is a u8");
_Static_assert(LEDGER_OBJECT_VALUE_MAX <= UINT16_MAX, "value_len is a u16");

struct ledger_objects {
    ledger_object_load_fn load;
    ledger_object_scan_fn next;
    void *ctx;
    size_t entries_max;
    size_t len;
    object_entry *entries; /* in the order first changed */
    size_t slots_len;      /* a power of two, at least twice entries_max */
    uint32_t *slots;       /* open addressing: 0 empty, else entry index + 1 */
};

static const char *const kind_names[] = {
    [LEDGER_STATE_ACCOUNT] = "account",
    [LEDGER_STATE_VALIDATOR] = "validator",
    [LEDGER_STATE_DELEGATION] = "delegation",
    [LEDGER_STATE_UNBONDING] = "unbonding",
    [LEDGER_STATE_MEDIA_NODE] = "media_node",
    [LEDGER_STATE_MEETING] = "meeting",
    [LEDGER_STATE_PROPOSAL] = "proposal",
    [LEDGER_STATE_VOTE] = "vote",
    [LEDGER_STATE_REDELEGATION] = "redelegation",
    [LEDGER_STATE_GLOBAL] = "global",
    [LEDGER_STATE_VALSET] = "validator_set",
    [LEDGER_STATE_POWER] = "power_index",
    [LEDGER_STATE_CONS_KEY] = "consensus_key",
    [LEDGER_STATE_VAL_REWARDS] = "validator_rewards",
    [LEDGER_STATE_REWARD_RATIO] = "reward_ratio",
    [LEDGER_STATE_SIGNING] = "signing_info",
    [LEDGER_STATE_MEETING_PARTICIPANTS] = "participants",
    [LEDGER_STATE_MEDIA_REGION] = "media_region",
    [LEDGER_STATE_MEDIA_LOAD] = "media_load",
    [LEDGER_STATE_MEETING_PARAMS] = "meeting_params",
    [LEDGER_STATE_MEETING_BY_PAYER] = "meeting_by_payer",
    [LEDGER_STATE_MEETING_BY_HOST] = "meeting_by_host",
    [LEDGER_STATE_SLASH_RECORD] = "slash_record",
    [LEDGER_STATE_MEETING_CLAIM] = "meeting_claim",
    [LEDGER_STATE_MEETING_SETTLEMENT] = "meeting_settlement",
    [LEDGER_STATE_SETTLE_DUE] = "settle_due",
    [LEDGER_STATE_SETTLE_PARAMS] = "settle_params",
    [LEDGER_STATE_CHAIN_PARAMS] = "chain_params",
    [LEDGER_STATE_GOV_PARAMS] = "gov_params",
    [LEDGER_STATE_GOV_DEPOSIT] = "deposit",
    [LEDGER_STATE_GOV_QUEUE] = "gov_queue",
    [LEDGER_STATE_GOV_GLOBAL] = "gov_global",
    [LEDGER_STATE_UPGRADE_PLAN] = "upgrade_plan",
    [LEDGER_STATE_GOV_EVENT] = "gov_event",
};

const char *ledger_object_kind_name(uint8_t kind)
{
    return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : NULL;
}

int ledger_object_kind_valid(uint8_t kind)
{
    return kind != LEDGER_STATE_ACCOUNT && ledger_object_kind_name(kind) != NULL;
}

int ledger_object_natural_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    int c = n == 0 ? 0 : memcmp(a, b, n);
    if (c != 0) {
        return c;
    }
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

void ledger_object_hash(uint8_t out[CHR_HASH_LEN], const uint8_t *value, size_t value_len)
{
    CHR_ASSERT(value_len > 0 && value_len <= LEDGER_OBJECT_VALUE_MAX);
    chr_sha256_hash(out, value, value_len);
}

chr_err ledger_objects_new(ledger_objects **out, size_t entries_max, ledger_object_load_fn load,
                           ledger_object_scan_fn next, void *ctx)
{
    *out = NULL;
    CHR_ASSERT(entries_max > 0 && entries_max < UINT32_MAX / 4);
    CHR_ASSERT(load != NULL && next != NULL);
    ledger_objects *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return CHR_ERR_NOMEM;
    }
    t->slots_len = 16;
    while (t->slots_len < entries_max * 2) {
        t->slots_len *= 2;
    }
    t->entries = calloc(entries_max, sizeof(*t->entries));
    t->slots = calloc(t->slots_len, sizeof(*t->slots));
    if (t->entries == NULL || t->slots == NULL) {
        ledger_objects_free(t);
        return CHR_ERR_NOMEM;
    }
    t->entries_max = entries_max;
    t->load = load;
    t->next = next;
    t->ctx = ctx;
    *out = t;
    return CHR_OK;
}

void ledger_objects_free(ledger_objects *t)
{
    if (t != NULL) {
        free(t->entries);
        free(t->slots);
        free(t);
    }
}

void ledger_objects_reset(ledger_objects *t)
{
    for (size_t i = 0; i < t->len; i++) {
        t->slots[t->entries[i].slot] = 0;
    }
    t->len = 0;
}

static void name_check(ledger_state_kind kind, size_t natural_len)
{
    CHR_ASSERT(ledger_object_kind_valid((uint8_t)kind));
    CHR_ASSERT(natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
}

/* The slot of state key `key`: its entry's, or the empty one where it would go. State keys
 * of objects are SHA256 outputs: their first bytes are a fine hash. */
static size_t object_slot(const ledger_objects *t, const uint8_t key[32])
{
    size_t mask = t->slots_len - 1;
    size_t i = (size_t)chr_get_u64be(key) & mask;
    while (t->slots[i] != 0 && memcmp(t->entries[t->slots[i] - 1].key, key, 32) != 0) {
        i = (i + 1) & mask;
    }
    return i;
}

static object_entry *entry_find(const ledger_objects *t, ledger_state_kind kind,
                                const uint8_t *natural, size_t natural_len, uint8_t key[32],
                                size_t *slot)
{
    ledger_state_key(key, kind, natural, natural_len);
    *slot = object_slot(t, key);
    return t->slots[*slot] == 0 ? NULL : &t->entries[t->slots[*slot] - 1];
}

/* A new entry at slot for (kind, natural), or NULL when the table is full. */
static object_entry *entry_add(ledger_objects *t, size_t slot, const uint8_t key[32],
                               ledger_state_kind kind, const uint8_t *natural, size_t natural_len)
{
    if (t->len == t->entries_max) {
        return NULL;
    }
    object_entry *e = &t->entries[t->len];
    memcpy(e->key, key, 32);
    e->kind = (uint8_t)kind;
    e->natural_len = (uint8_t)natural_len;
    if (natural_len > 0) {
        memcpy(e->natural, natural, natural_len);
    }
    e->value_len = 0;
    e->slot = (uint32_t)slot;
    t->len++;
    t->slots[slot] = (uint32_t)t->len;
    CHR_ASSERT(t->len <= t->entries_max);
    return e;
}

chr_err ledger_object_get(ledger_objects *t, ledger_state_kind kind, const uint8_t *natural,
                          size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                          size_t *value_len, int *found)
{
    name_check(kind, natural_len);
    uint8_t key[32];
    size_t slot;
    const object_entry *e = entry_find(t, kind, natural, natural_len, key, &slot);
    if (e != NULL) {
        memcpy(value, e->value, e->value_len);
        *value_len = e->value_len;
        *found = e->value_len != 0;
        return CHR_OK;
    }
    chr_err err = t->load(t->ctx, kind, natural, natural_len, value, value_len, found);
    if (err == CHR_OK && *found) {
        CHR_ASSERT(*value_len > 0 && *value_len <= LEDGER_OBJECT_VALUE_MAX);
    }
    if (err != CHR_OK || !*found) {
        *value_len = 0;
        *found = 0;
    }
    return err;
}

chr_err ledger_object_put(ledger_objects *t, ledger_state_kind kind, const uint8_t *natural,
                          size_t natural_len, const uint8_t *value, size_t value_len)
{
    name_check(kind, natural_len);
    CHR_ASSERT(value_len > 0 && value_len <= LEDGER_OBJECT_VALUE_MAX);
    uint8_t key[32];
    size_t slot;
    object_entry *e = entry_find(t, kind, natural, natural_len, key, &slot);
    if (e == NULL) {
        e = entry_add(t, slot, key, kind, natural, natural_len);
        if (e == NULL) {
            return CHR_ERR_FULL;
        }
    }
    memcpy(e->value, value, value_len);
    e->value_len = (uint16_t)value_len;
    return CHR_OK;
}

chr_err ledger_object_delete(ledger_objects *t, ledger_state_kind kind, const uint8_t *natural,
                             size_t natural_len, int *found)
{
    name_check(kind, natural_len);
    *found = 0;
    uint8_t key[32];
    size_t slot;
    object_entry *e = entry_find(t, kind, natural, natural_len, key, &slot);
    if (e != NULL) {
        *found = e->value_len != 0;
        e->value_len = 0;
        return CHR_OK;
    }
    /* Only a committed object needs an entry to be deleted; an absent one stays absent
     * without taking room. */
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    int committed;
    chr_err err = t->load(t->ctx, kind, natural, natural_len, value, &value_len, &committed);
    if (err != CHR_OK || !committed) {
        return err;
    }
    if (entry_add(t, slot, key, kind, natural, natural_len) == NULL) {
        return CHR_ERR_FULL;
    }
    *found = 1;
    return CHR_OK;
}

static int has_prefix(const uint8_t *natural, size_t len, const uint8_t *prefix, size_t prefix_len)
{
    return len >= prefix_len && (prefix_len == 0 || memcmp(natural, prefix, prefix_len) == 0);
}

/* The table's first live object of kind with the prefix strictly after (after, after_len)
 * (after NULL: any), or NULL. */
static const object_entry *pending_next(const ledger_objects *t, ledger_state_kind kind,
                                        const uint8_t *prefix, size_t prefix_len,
                                        const uint8_t *after, size_t after_len)
{
    const object_entry *best = NULL;
    for (size_t i = 0; i < t->len; i++) {
        const object_entry *e = &t->entries[i];
        if (e->kind != (uint8_t)kind || e->value_len == 0 ||
            !has_prefix(e->natural, e->natural_len, prefix, prefix_len)) {
            continue;
        }
        if (after != NULL &&
            ledger_object_natural_cmp(e->natural, e->natural_len, after, after_len) <= 0) {
            continue;
        }
        if (best == NULL || ledger_object_natural_cmp(e->natural, e->natural_len, best->natural,
                                                      best->natural_len) < 0) {
            best = e;
        }
    }
    return best;
}

/* The committed side's next object after c_after that the table has not changed (a
 * changed one is the table's to answer, or deleted): *have 0 when there is none. */
static chr_err committed_next(ledger_objects *t, ledger_state_kind kind, const uint8_t *prefix,
                              size_t prefix_len, ledger_object *cursor, int *has_cursor,
                              ledger_object *out, int *have)
{
    *have = 0;
    for (;;) {
        chr_err err = t->next(t->ctx, kind, prefix, prefix_len,
                              *has_cursor ? cursor->natural : NULL, cursor->natural_len, out);
        if (err == CHR_ERR_NOT_FOUND) {
            return CHR_OK;
        }
        if (err != CHR_OK) {
            return err;
        }
        /* The callback is ours (the store, a test table): a result outside the range is a
         * broken invariant. */
        CHR_ASSERT(out->natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
        CHR_ASSERT(out->value_len > 0 && out->value_len <= LEDGER_OBJECT_VALUE_MAX);
        CHR_ASSERT(has_prefix(out->natural, out->natural_len, prefix, prefix_len));
        CHR_ASSERT(!*has_cursor ||
                   ledger_object_natural_cmp(out->natural, out->natural_len, cursor->natural,
                                             cursor->natural_len) > 0);
        memcpy(cursor->natural, out->natural, out->natural_len);
        cursor->natural_len = out->natural_len;
        *has_cursor = 1;
        uint8_t key[32];
        size_t slot;
        if (entry_find(t, kind, out->natural, out->natural_len, key, &slot) == NULL) {
            *have = 1;
            return CHR_OK;
        }
    }
}

chr_err ledger_object_scan(ledger_objects *t, ledger_state_kind kind, const uint8_t *prefix,
                           size_t prefix_len, const uint8_t *after, size_t after_len,
                           ledger_object *out, size_t n, size_t *out_len)
{
    name_check(kind, prefix_len);
    CHR_ASSERT(after == NULL || after_len <= LEDGER_STATE_NATURAL_KEY_MAX);
    *out_len = 0;
    /* Two cursors: the committed side's (past every committed object looked at) and the
     * merged result's (the last object given out). */
    ledger_object c_cursor = {.natural_len = after == NULL ? 0 : after_len};
    int c_has_cursor = after != NULL;
    if (after != NULL && after_len > 0) {
        memcpy(c_cursor.natural, after, after_len);
    }
    const uint8_t *m_after = after;
    size_t m_after_len = after_len;
    ledger_object c;
    int c_have = 0;
    int c_done = 0;
    size_t len = 0;
    while (len < n) {
        if (!c_have && !c_done) {
            chr_err err =
                committed_next(t, kind, prefix, prefix_len, &c_cursor, &c_has_cursor, &c, &c_have);
            if (err != CHR_OK) {
                return err;
            }
            c_done = !c_have;
        }
        const object_entry *p = pending_next(t, kind, prefix, prefix_len, m_after, m_after_len);
        if (p == NULL && !c_have) {
            break;
        }
        ledger_object *o = &out[len];
        if (p != NULL && (!c_have || ledger_object_natural_cmp(p->natural, p->natural_len,
                                                               c.natural, c.natural_len) < 0)) {
            memcpy(o->natural, p->natural, p->natural_len);
            o->natural_len = p->natural_len;
            memcpy(o->value, p->value, p->value_len);
            o->value_len = p->value_len;
        } else {
            *o = c;
            c_have = 0;
        }
        m_after = o->natural;
        m_after_len = o->natural_len;
        len++;
    }
    *out_len = len;
    return CHR_OK;
}

size_t ledger_objects_len(const ledger_objects *t)
{
    return t->len;
}

void ledger_objects_at(const ledger_objects *t, size_t i, ledger_state_kind *kind,
                       const uint8_t **natural, size_t *natural_len, const uint8_t **value,
                       size_t *value_len)
{
    CHR_ASSERT(i < t->len);
    const object_entry *e = &t->entries[i];
    *kind = (ledger_state_kind)e->kind;
    *natural = e->natural;
    *natural_len = e->natural_len;
    *value = e->value_len == 0 ? NULL : e->value;
    *value_len = e->value_len;
}

size_t ledger_objects_room(const ledger_objects *t)
{
    return t->entries_max - t->len;
}

chr_err ledger_overlay_trie_apply(ledger_trie *t, const ledger_overlay *o)
{
    chr_err err = CHR_OK;
    for (size_t i = 0; i < ledger_overlay_len(o) && err == CHR_OK; i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(o, i, &addr, &a);
        uint8_t h[CHR_HASH_LEN];
        ledger_account_hash(h, &a);
        uint8_t key[32];
        ledger_state_key(key, LEDGER_STATE_ACCOUNT, addr, 32);
        err = ledger_trie_set(t, key, h);
    }
    const ledger_objects *objs = ledger_overlay_objects(o);
    for (size_t i = 0; objs != NULL && i < objs->len && err == CHR_OK; i++) {
        const object_entry *e = &objs->entries[i];
        if (e->value_len == 0) {
            int found;
            err = ledger_trie_delete(t, e->key, &found);
        } else {
            uint8_t h[CHR_HASH_LEN];
            ledger_object_hash(h, e->value, e->value_len);
            err = ledger_trie_set(t, e->key, h);
        }
    }
    return err;
}
