#include "ledger/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/objects.h"
#include "ledger/tx_types.h"

typedef struct overlay_entry {
    uint8_t addr[32];
    ledger_account account;
    uint32_t slot; /* where slots[] points at this entry, for an O(changes) reset */
} overlay_entry;

struct ledger_overlay {
    ledger_account_load_fn load;
    void *load_ctx;
    size_t entries_max;
    size_t len;
    overlay_entry *entries;  /* in the order first changed */
    size_t slots_len;        /* a power of two, at least twice entries_max */
    uint32_t *slots;         /* open addressing: 0 empty, else entry index + 1 */
    ledger_objects *objects; /* the block's object changes, when attached */
};

void ledger_account_encode(uint8_t out[LEDGER_ACCOUNT_BYTES], const ledger_account *a)
{
    chr_put_u64be(out, a->balance);
    chr_put_u64be(out + 8, a->nonce);
}

chr_err ledger_account_decode(ledger_account *out, const uint8_t *in, size_t in_len)
{
    if (in_len != LEDGER_ACCOUNT_BYTES) {
        memset(out, 0, sizeof(*out));
        return in_len < LEDGER_ACCOUNT_BYTES ? CHR_ERR_TRUNCATED : CHR_ERR_TRAILING;
    }
    out->balance = chr_get_u64be(in);
    out->nonce = chr_get_u64be(in + 8);
    return CHR_OK;
}

void ledger_state_key(uint8_t out[32], ledger_state_kind kind, const uint8_t *natural, size_t len)
{
    CHR_ASSERT(len <= LEDGER_STATE_NATURAL_KEY_MAX);
    if (kind == LEDGER_STATE_ACCOUNT) {
        CHR_ASSERT(len == 32);
        memcpy(out, natural, 32);
        return;
    }
    uint8_t buf[1 + LEDGER_STATE_NATURAL_KEY_MAX];
    buf[0] = (uint8_t)kind;
    if (len > 0) {
        memcpy(buf + 1, natural, len); /* natural may be NULL for the empty key */
    }
    chr_sha256_hash(out, buf, 1 + len);
}

void ledger_account_hash(uint8_t out[CHR_HASH_LEN], const ledger_account *a)
{
    uint8_t buf[LEDGER_ACCOUNT_BYTES];
    ledger_account_encode(buf, a);
    chr_sha256_hash(out, buf, sizeof(buf));
}

chr_err ledger_overlay_new(ledger_overlay **out, size_t entries_max, ledger_account_load_fn load,
                           void *load_ctx)
{
    *out = NULL;
    CHR_ASSERT(entries_max > 0 && entries_max < UINT32_MAX / 4);
    ledger_overlay *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return CHR_ERR_NOMEM;
    }
    o->slots_len = 16;
    while (o->slots_len < entries_max * 2) {
        o->slots_len *= 2;
    }
    o->entries = calloc(entries_max, sizeof(*o->entries));
    o->slots = calloc(o->slots_len, sizeof(*o->slots));
    if (o->entries == NULL || o->slots == NULL) {
        ledger_overlay_free(o);
        return CHR_ERR_NOMEM;
    }
    o->entries_max = entries_max;
    o->load = load;
    o->load_ctx = load_ctx;
    *out = o;
    return CHR_OK;
}

void ledger_overlay_free(ledger_overlay *o)
{
    if (o != NULL) {
        free(o->entries);
        free(o->slots);
        free(o);
    }
}

void ledger_overlay_reset(ledger_overlay *o)
{
    /* Clearing only the used slots keeps a reset O(changes), not O(capacity). */
    for (size_t i = 0; i < o->len; i++) {
        o->slots[o->entries[i].slot] = 0;
    }
    o->len = 0;
    if (o->objects != NULL) {
        ledger_objects_reset(o->objects);
    }
}

void ledger_overlay_attach_objects(ledger_overlay *o, ledger_objects *objects)
{
    o->objects = objects;
}

ledger_objects *ledger_overlay_objects(const ledger_overlay *o)
{
    return o->objects;
}

/* Addresses are public keys, uniformly distributed: their first bytes are a fine hash. */
static size_t overlay_slot(const ledger_overlay *o, const uint8_t addr[32])
{
    size_t mask = o->slots_len - 1;
    size_t i = (size_t)chr_get_u64be(addr) & mask;
    while (o->slots[i] != 0 && memcmp(o->entries[o->slots[i] - 1].addr, addr, 32) != 0) {
        i = (i + 1) & mask;
    }
    return i;
}

chr_err ledger_overlay_get(ledger_overlay *o, const uint8_t addr[32], ledger_account *out)
{
    size_t i = overlay_slot(o, addr);
    if (o->slots[i] != 0) {
        *out = o->entries[o->slots[i] - 1].account;
        return CHR_OK;
    }
    chr_err err = o->load(o->load_ctx, addr, out);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_overlay_put(ledger_overlay *o, const uint8_t addr[32], const ledger_account *a)
{
    size_t i = overlay_slot(o, addr);
    if (o->slots[i] == 0) {
        if (o->len == o->entries_max) {
            return CHR_ERR_FULL;
        }
        memcpy(o->entries[o->len].addr, addr, 32);
        o->entries[o->len].slot = (uint32_t)i;
        o->len++;
        o->slots[i] = (uint32_t)o->len;
    }
    o->entries[o->slots[i] - 1].account = *a;
    CHR_ASSERT(o->len <= o->entries_max);
    return CHR_OK;
}

size_t ledger_overlay_len(const ledger_overlay *o)
{
    return o->len;
}

void ledger_overlay_at(const ledger_overlay *o, size_t i, const uint8_t **addr, ledger_account *a)
{
    CHR_ASSERT(i < o->len);
    *addr = o->entries[i].addr;
    *a = o->entries[i].account;
}

size_t ledger_overlay_missing(const ledger_overlay *o, const uint8_t *const *addrs, size_t n)
{
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) {
        int seen = o->slots[overlay_slot(o, addrs[i])] != 0;
        for (size_t k = 0; k < i && !seen; k++) {
            seen = memcmp(addrs[k], addrs[i], 32) == 0;
        }
        missing += seen ? 0 : 1;
    }
    return missing;
}

size_t ledger_overlay_room(const ledger_overlay *o)
{
    return o->entries_max - o->len;
}

/* The total supply fits in a u64 (genesis checks it) and is conserved, so no balance can
 * overflow: an overflow here is a broken invariant. */
chr_err ledger_overlay_credit(ledger_overlay *o, const uint8_t addr[32], uint64_t amount)
{
    ledger_account a;
    chr_err err = ledger_overlay_get(o, addr, &a);
    if (err != CHR_OK) {
        return err;
    }
    CHR_ASSERT(chr_add_u64(&a.balance, a.balance, amount) == CHR_OK);
    return ledger_overlay_put(o, addr, &a);
}

chr_err ledger_tx_apply(ledger_overlay *o, const ledger_tx *tx, uint64_t height,
                        const uint8_t proposer[32], char *detail, size_t detail_cap)
{
    static const uint8_t zero[32];
    ledger_apply_env env = {.height = height, .proposer = proposer, .prev_hash = zero};
    return ledger_tx_apply_env(o, tx, &env, detail, detail_cap);
}

chr_err ledger_tx_apply_env(ledger_overlay *o, const ledger_tx *tx, const ledger_apply_env *env,
                            char *detail, size_t detail_cap)
{
    uint64_t height = env->height;
    const ledger_tx_kind *kind = ledger_tx_kind_of(tx->type);
    CHR_ASSERT(kind != NULL);
    CHR_ASSERT(detail != NULL && detail_cap > 0);
    detail[0] = '\0';
    /* The rules every type shares come first, in this order (docs/PROTOCOL.md, "Applying
     * a transaction"): not expired, then the exact next nonce; the type's own rules after. */
    if (tx->expiry_height != 0 && height > tx->expiry_height) {
        snprintf(detail, detail_cap, "expiry_height: %llu passed, block is %llu",
                 (unsigned long long)tx->expiry_height, (unsigned long long)height);
        return CHR_ERR_EXPIRED;
    }
    ledger_account from;
    chr_err err = ledger_overlay_get(o, tx->from, &from);
    if (err != CHR_OK) {
        return err;
    }
    if (tx->nonce != from.nonce) {
        snprintf(detail, detail_cap, "nonce: expected %llu, got %llu",
                 (unsigned long long)from.nonce, (unsigned long long)tx->nonce);
        return CHR_ERR_NONCE;
    }
    return kind->apply(o, tx, &from, env, detail, detail_cap);
}
