/* Token-bucket rate limits (rpc/internal/ratelimit.h). */
#include "rpc/internal/ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
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
