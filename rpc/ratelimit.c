/* Token-bucket rate limits (rpc/internal/ratelimit.h). */
#include "rpc/internal/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "rpc/limits.h"

typedef struct rate_bucket {
    uint8_t key[RPC_RATE_KEY_BYTES];
    int used;
    uint64_t limit;   /* requests a minute, as of the last request */
    uint64_t level;   /* units (RPC_RATE_UNIT per request) */
    uint64_t last_ms; /* when level was last brought up to date */
} rate_bucket;

typedef struct rate_set {
    pthread_mutex_t lock;
    rate_bucket ways[RPC_RATE_WAYS];
} rate_set;

struct rpc_rate {
    size_t sets_len;
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
    rate_set *sets;
};

_Static_assert(RPC_RATE_PER_MIN_MAX <= UINT64_MAX / RPC_RATE_UNIT / RPC_RATE_UNIT,
               "a full minute of refill at the highest limit fits in 64 bits");

chr_err rpc_rate_new(rpc_rate **out, size_t buckets)
{
    *out = NULL;
    rpc_rate *t = calloc(1, sizeof(*t));
    size_t sets = (buckets + RPC_RATE_WAYS - 1) / RPC_RATE_WAYS;
    sets = sets > 0 ? sets : 1;
    rate_set *s = t != NULL ? calloc(sets, sizeof(*s)) : NULL;
    if (s == NULL) {
        free(t);
        return CHR_ERR_NOMEM;
    }
    for (size_t i = 0; i < sets; i++) {
        pthread_mutex_init(&s[i].lock, NULL);
    }
    /* A keyed hash, so that no client can choose addresses or ids that crowd one set. */
    randombytes_buf(t->hash_key, sizeof(t->hash_key));
    t->sets = s;
    t->sets_len = sets;
    *out = t;
    return CHR_OK;
}

void rpc_rate_free(rpc_rate *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->sets_len; i++) {
        pthread_mutex_destroy(&t->sets[i].lock);
    }
    free(t->sets);
    free(t);
}

static rate_set *rate_set_of(rpc_rate *t, const uint8_t key[RPC_RATE_KEY_BYTES])
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, RPC_RATE_KEY_BYTES, t->hash_key);
    uint64_t v = 0;
    memcpy(&v, h, sizeof(v));
    return &t->sets[v % t->sets_len];
}

/* Brings b's level up to now: `limit` units per elapsed millisecond, up to full. A minute
 * refills any bucket, so longer gaps are cut there (and nothing can overflow). */
static void rate_refill(rate_bucket *b, uint64_t now_ms)
{
    uint64_t full = b->limit * RPC_RATE_UNIT;
    uint64_t elapsed = now_ms > b->last_ms ? now_ms - b->last_ms : 0;
    elapsed = elapsed < RPC_RATE_UNIT ? elapsed : RPC_RATE_UNIT;
    uint64_t level = b->level + elapsed * b->limit;
    b->level = level < full ? level : full;
    b->last_ms = now_ms > b->last_ms ? now_ms : b->last_ms;
}

/* Milliseconds until b holds `units`, rounded up. */
static uint64_t rate_ms_until(const rate_bucket *b, uint64_t units)
{
    return b->level >= units ? 0 : (units - b->level + b->limit - 1) / b->limit;
}

static uint64_t rate_seconds(uint64_t ms)
{
    return (ms + 999) / 1000;
}

/* The slot of key in s: its bucket, else a free slot made into a full new bucket; NULL
 * when every slot holds another key's bucket that is still refilling. */
static rate_bucket *rate_find(rate_set *s, const uint8_t key[RPC_RATE_KEY_BYTES], uint64_t limit,
                              uint64_t now_ms)
{
    rate_bucket *free_slot = NULL;
    for (size_t i = 0; i < RPC_RATE_WAYS; i++) {
        rate_bucket *b = &s->ways[i];
        if (b->used && memcmp(b->key, key, RPC_RATE_KEY_BYTES) == 0) {
            /* A changed limit (a key whose tier changed) keeps what was spent. */
            rate_refill(b, now_ms);
            b->limit = limit;
            b->level = b->level < limit * RPC_RATE_UNIT ? b->level : limit * RPC_RATE_UNIT;
            return b;
        }
        if (free_slot == NULL && b->used) {
            rate_refill(b, now_ms);
        }
        if (free_slot == NULL && (!b->used || b->level == b->limit * RPC_RATE_UNIT)) {
            free_slot = b;
        }
    }
    if (free_slot != NULL) {
        memcpy(free_slot->key, key, RPC_RATE_KEY_BYTES);
        free_slot->used = 1;
        free_slot->limit = limit;
        free_slot->level = limit * RPC_RATE_UNIT;
        free_slot->last_ms = now_ms;
    }
    return free_slot;
}

/* A refused new key retries when the first bucket of its set is full. */
static uint64_t rate_set_wait_ms(const rate_set *s)
{
    uint64_t wait = UINT64_MAX;
    for (size_t i = 0; i < RPC_RATE_WAYS; i++) {
        uint64_t w = rate_ms_until(&s->ways[i], s->ways[i].limit * RPC_RATE_UNIT);
        wait = w < wait ? w : wait;
    }
    return wait;
}

void rpc_rate_take(rpc_rate *t, rpc_rate_result *out, const uint8_t key[RPC_RATE_KEY_BYTES],
                   uint64_t limit, uint64_t now_ms)
{
    CHR_ASSERT(limit <= RPC_RATE_PER_MIN_MAX);
    memset(out, 0, sizeof(*out));
    out->allowed = 1;
    if (limit == 0) {
        return;
    }
    out->limit = limit;
    rate_set *s = rate_set_of(t, key);
    pthread_mutex_lock(&s->lock);
    rate_bucket *b = rate_find(s, key, limit, now_ms);
    if (b == NULL) {
        out->allowed = 0;
        out->retry_after_s = rate_seconds(rate_set_wait_ms(s));
        out->reset_s = out->retry_after_s;
    } else {
        out->allowed = b->level >= RPC_RATE_UNIT;
        if (out->allowed) {
            b->level -= RPC_RATE_UNIT;
        } else {
            out->retry_after_s = rate_seconds(rate_ms_until(b, RPC_RATE_UNIT));
        }
        out->remaining = b->level / RPC_RATE_UNIT;
        out->reset_s = rate_seconds(rate_ms_until(b, limit * RPC_RATE_UNIT));
    }
    pthread_mutex_unlock(&s->lock);
    /* Never "retry in 0 s" for a refusal: the wait is rounded up to whole seconds. */
    out->retry_after_s = !out->allowed && out->retry_after_s == 0 ? 1 : out->retry_after_s;
}

void rpc_rate_peek(rpc_rate *t, rpc_rate_result *out, const uint8_t key[RPC_RATE_KEY_BYTES],
                   uint64_t limit, uint64_t now_ms)
{
    memset(out, 0, sizeof(*out));
    out->allowed = 1;
    if (limit == 0) {
        return;
    }
    out->limit = limit;
    out->remaining = limit; /* no bucket: a full one */
    rate_set *s = rate_set_of(t, key);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < RPC_RATE_WAYS; i++) {
        rate_bucket *b = &s->ways[i];
        if (b->used && memcmp(b->key, key, RPC_RATE_KEY_BYTES) == 0) {
            rate_refill(b, now_ms);
            uint64_t level = b->level < limit * RPC_RATE_UNIT ? b->level : limit * RPC_RATE_UNIT;
            out->remaining = level / RPC_RATE_UNIT;
            out->reset_s = rate_seconds(rate_ms_until(b, limit * RPC_RATE_UNIT));
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* ---- Across restarts. ---- */

size_t rpc_rate_state_bytes(size_t n)
{
    return RPC_RATE_STATE_HEADER_BYTES + n * RPC_RATE_STATE_ENTRY_BYTES;
}

size_t rpc_rate_export(rpc_rate *t, rpc_rate_saved *out, size_t cap, uint64_t now_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < t->sets_len && n < cap; i++) {
        rate_set *s = &t->sets[i];
        pthread_mutex_lock(&s->lock);
        for (size_t w = 0; w < RPC_RATE_WAYS && n < cap; w++) {
            rate_bucket *b = &s->ways[w];
            if (!b->used) {
                continue;
            }
            CHR_ASSERT(b->limit > 0 && b->limit <= RPC_RATE_PER_MIN_MAX);
            rate_refill(b, now_ms);
            if (b->level < b->limit * RPC_RATE_UNIT) {
                memcpy(out[n].key, b->key, RPC_RATE_KEY_BYTES);
                out[n].limit = b->limit;
                out[n].level = b->level;
                n++;
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
    return n;
}

/* Restores one saved bucket into its set; 1 when it found a slot. Called with the lock. */
static int rate_restore(rate_set *s, const rpc_rate_saved *e, uint64_t level, uint64_t now_ms)
{
    rate_bucket *slot = NULL;
    for (size_t w = 0; w < RPC_RATE_WAYS; w++) {
        rate_bucket *b = &s->ways[w];
        if (b->used && memcmp(b->key, e->key, RPC_RATE_KEY_BYTES) == 0) {
            return 0; /* a bucket of this run already: it knows better */
        }
        if (b->used) {
            rate_refill(b, now_ms);
        }
        if (slot == NULL && (!b->used || b->level == b->limit * RPC_RATE_UNIT)) {
            slot = b;
        }
    }
    if (slot == NULL) {
        return 0;
    }
    memcpy(slot->key, e->key, RPC_RATE_KEY_BYTES);
    slot->used = 1;
    slot->limit = e->limit;
    slot->level = level;
    slot->last_ms = now_ms;
    return 1;
}

size_t rpc_rate_import(rpc_rate *t, const rpc_rate_saved *in, size_t n, uint64_t elapsed_ms,
                       uint64_t now_ms)
{
    size_t restored = 0;
    elapsed_ms = elapsed_ms < RPC_RATE_UNIT ? elapsed_ms : RPC_RATE_UNIT;
    for (size_t i = 0; i < n; i++) {
        const rpc_rate_saved *e = &in[i];
        if (e->limit == 0 || e->limit > RPC_RATE_PER_MIN_MAX) {
            continue;
        }
        /* Both terms are at most a minute of units at the highest limit: no overflow. */
        uint64_t full = e->limit * RPC_RATE_UNIT;
        uint64_t level = (e->level < full ? e->level : full) + elapsed_ms * e->limit;
        if (level >= full) {
            continue; /* refilled while the node was down: a new bucket is the same */
        }
        rate_set *s = rate_set_of(t, e->key);
        pthread_mutex_lock(&s->lock);
        restored += (size_t)rate_restore(s, e, level, now_ms);
        pthread_mutex_unlock(&s->lock);
    }
    return restored;
}

static int rate_saved_cmp(const void *a, const void *b)
{
    return memcmp(((const rpc_rate_saved *)a)->key, ((const rpc_rate_saved *)b)->key,
                  RPC_RATE_KEY_BYTES);
}

void rpc_rate_state_encode(uint8_t *out, rpc_rate_saved *in, size_t n, uint64_t saved_unix_ms)
{
    CHR_ASSERT(n <= UINT32_MAX);
    qsort(in, n, sizeof(*in), rate_saved_cmp);
    chr_enc e;
    size_t len = 0;
    chr_enc_init(&e, out, rpc_rate_state_bytes(n));
    chr_enc_u8(&e, RPC_RATE_STATE_VERSION);
    chr_enc_u64(&e, saved_unix_ms);
    chr_enc_u32(&e, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        CHR_ASSERT(i == 0 || rate_saved_cmp(&in[i - 1], &in[i]) < 0);
        CHR_ASSERT(in[i].limit > 0 && in[i].limit <= RPC_RATE_PER_MIN_MAX);
        CHR_ASSERT(in[i].level < in[i].limit * RPC_RATE_UNIT);
        chr_enc_raw(&e, in[i].key, RPC_RATE_KEY_BYTES);
        chr_enc_u64(&e, in[i].limit);
        chr_enc_u64(&e, in[i].level);
    }
    CHR_ASSERT(chr_enc_finish(&e, &len) == CHR_OK);
    CHR_ASSERT(len == rpc_rate_state_bytes(n));
}

chr_err rpc_rate_state_decode(rpc_rate_saved *out, size_t out_cap, size_t *n,
                              uint64_t *saved_unix_ms, const uint8_t *in, size_t len)
{
    chr_dec d;
    uint8_t version = 0;
    uint32_t count = 0;
    *n = 0;
    *saved_unix_ms = 0;
    chr_dec_init(&d, in, len);
    chr_err err = chr_dec_u8(&d, &version);
    err = err ? err : chr_dec_u64(&d, saved_unix_ms);
    err = err ? err : chr_dec_u32(&d, &count);
    /* The count is checked against the room and the bytes left before anything is read. */
    if (err != CHR_OK || version != RPC_RATE_STATE_VERSION || count > out_cap ||
        chr_dec_left(&d) != (size_t)count * RPC_RATE_STATE_ENTRY_BYTES) {
        memset(out, 0, out_cap * sizeof(*out));
        *saved_unix_ms = 0;
        return CHR_ERR_ARG;
    }
    for (size_t i = 0; i < count && err == CHR_OK; i++) {
        rpc_rate_saved *e = &out[i];
        err = chr_dec_raw(&d, e->key, RPC_RATE_KEY_BYTES);
        err = err ? err : chr_dec_u64(&d, &e->limit);
        err = err ? err : chr_dec_u64(&d, &e->level);
        if (err == CHR_OK && (e->limit == 0 || e->limit > RPC_RATE_PER_MIN_MAX ||
                              e->level >= e->limit * RPC_RATE_UNIT ||
                              (i > 0 && rate_saved_cmp(&out[i - 1], e) >= 0))) {
            err = CHR_ERR_ARG;
        }
    }
    err = err ? err : chr_dec_finish(&d);
    if (err != CHR_OK) {
        memset(out, 0, out_cap * sizeof(*out));
        *saved_unix_ms = 0;
        return CHR_ERR_ARG;
    }
    *n = count;
    return CHR_OK;
}
