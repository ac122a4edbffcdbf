/* The simulator's application: a tiny ledger of SIM_ACCOUNTS balances moved by transfers,
 * so that agreement and conservation of supply can be checked without the full ledger.
 *
 * Block: u64 height | u64 time_ms | raw32 prev_id | u8 count | (u8 from | u8 to | u64 amount)
 * * count. Its id is SHA-256 of its bytes. */
#include "tests/sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hash.h"

#define SIM_BLOCK_TXS_MAX 8
#define SIM_BLOCK_BYTES_MAX (8 + 8 + 32 + 1 + SIM_BLOCK_TXS_MAX * 10)

typedef struct sim_block {
    uint64_t height, time_ms;
    uint8_t prev[32];
    uint8_t count;
    uint8_t from[SIM_BLOCK_TXS_MAX], to[SIM_BLOCK_TXS_MAX];
    uint64_t amount[SIM_BLOCK_TXS_MAX];
} sim_block;

static int block_decode(sim_block *b, const uint8_t *in, size_t len)
{
    chr_dec d;
    chr_dec_init(&d, in, len);
    if (chr_dec_u64(&d, &b->height) != CHR_OK || chr_dec_u64(&d, &b->time_ms) != CHR_OK ||
        chr_dec_raw(&d, b->prev, 32) != CHR_OK || chr_dec_u8(&d, &b->count) != CHR_OK ||
        b->count > SIM_BLOCK_TXS_MAX) {
        return 0;
    }
    for (uint8_t i = 0; i < b->count; i++) {
        if (chr_dec_u8(&d, &b->from[i]) != CHR_OK || chr_dec_u8(&d, &b->to[i]) != CHR_OK ||
            chr_dec_u64(&d, &b->amount[i]) != CHR_OK) {
            return 0;
        }
    }
    return chr_dec_finish(&d) == CHR_OK;
}

/* Applies b's transfers to bal; 0 (bal partly changed) if one does not apply. */
static int transfers_apply(uint64_t *bal, const sim_block *b)
{
    for (uint8_t i = 0; i < b->count; i++) {
        if (b->from[i] >= SIM_ACCOUNTS || b->to[i] >= SIM_ACCOUNTS || b->from[i] == b->to[i] ||
            b->amount[i] == 0 || b->amount[i] > bal[b->from[i]]) {
            return 0;
        }
        bal[b->from[i]] -= b->amount[i];
        bal[b->to[i]] += b->amount[i];
    }
    return 1;
}

static int block_valid(const sim_app *a, const sim_block *b)
{
    uint64_t bal[SIM_ACCOUNTS];
    memcpy(bal, a->bal, sizeof(bal));
    return b->height == a->height + 1 && memcmp(b->prev, a->last_id, 32) == 0 &&
           b->time_ms > a->last_time_ms && transfers_apply(bal, b);
}

void sim_app_init(sim_app *a, uint64_t seed)
{
    memset(a, 0, sizeof(*a));
    for (size_t i = 0; i < SIM_ACCOUNTS; i++) {
        a->bal[i] = SIM_SUPPLY / SIM_ACCOUNTS;
    }
    a->rng = seed | 1;
}

void sim_app_free(sim_app *a)
{
    for (size_t i = 0; i < a->chain_len; i++) {
        free(a->chain[i].block);
    }
    free(a->chain);
    memset(a, 0, sizeof(*a));
}

static chr_err app_propose(void *ctx, uint64_t height, uint32_t round, uint64_t now_ms,
                           uint8_t **out, size_t *out_len)
{
    sim_app *a = ctx;
    (void)round;
    uint8_t *buf = malloc(SIM_BLOCK_BYTES_MAX);
    if (buf == NULL) {
        return CHR_ERR_NOMEM;
    }
    uint64_t bal[SIM_ACCOUNTS];
    memcpy(bal, a->bal, sizeof(bal));
    uint8_t count = (uint8_t)(sim_rand(&a->rng) % (SIM_BLOCK_TXS_MAX + 1));
    chr_enc e;
    chr_enc_init(&e, buf, SIM_BLOCK_BYTES_MAX);
    chr_enc_u64(&e, height);
    chr_enc_u64(&e, now_ms > a->last_time_ms ? now_ms : a->last_time_ms + 1);
    chr_enc_raw(&e, a->last_id, 32);
    chr_enc_u8(&e, count);
    for (uint8_t i = 0; i < count; i++) {
        /* A sender with funds (the supply is positive, so there is one). */
        uint8_t from = (uint8_t)(sim_rand(&a->rng) % SIM_ACCOUNTS);
        while (bal[from] == 0) {
            from = (uint8_t)((from + 1) % SIM_ACCOUNTS);
        }
        uint8_t to = (uint8_t)((from + 1 + sim_rand(&a->rng) % (SIM_ACCOUNTS - 1)) % SIM_ACCOUNTS);
        uint64_t amount = 1 + sim_rand(&a->rng) % bal[from];
        bal[from] -= amount;
        bal[to] += amount;
        chr_enc_u8(&e, from);
        chr_enc_u8(&e, to);
        chr_enc_u64(&e, amount);
    }
    size_t len;
    if (chr_enc_finish(&e, &len) != CHR_OK) {
        free(buf);
        return CHR_ERR_ARG;
    }
    *out = buf;
    *out_len = len;
    return CHR_OK;
}

static chr_err app_block_id(void *ctx, const uint8_t *block, size_t len, uint8_t id[32])
{
    (void)ctx;
    sim_block b;
    if (!block_decode(&b, block, len)) {
        return CHR_ERR_BLOCK_INVALID;
    }
    chr_sha256_hash(id, block, len);
    return CHR_OK;
}

static int app_valid(void *ctx, const uint8_t *block, size_t len)
{
    sim_block b;
    return block_decode(&b, block, len) && block_valid(ctx, &b);
}

static int app_timely(void *ctx, const uint8_t *block, size_t len, uint64_t now_ms)
{
    (void)ctx;
    sim_block b;
    return block_decode(&b, block, len) && b.time_ms <= now_ms + SIM_DRIFT_MS;
}

cons_app sim_app_callbacks(sim_app *a)
{
    cons_app app = {a, app_propose, app_block_id, app_valid, app_timely};
    return app;
}

int sim_app_apply(sim_app *a, const uint8_t *block, size_t len, const ledger_commit *commit,
                  char *why, size_t why_cap)
{
    sim_block b;
    if (!block_decode(&b, block, len) || !block_valid(a, &b)) {
        snprintf(why, why_cap, "decided block at height %llu is invalid",
                 (unsigned long long)(a->height + 1));
        return 0;
    }
    CHR_ASSERT(transfers_apply(a->bal, &b));
    uint64_t sum = 0;
    for (size_t i = 0; i < SIM_ACCOUNTS; i++) {
        sum += a->bal[i];
    }
    if (sum != SIM_SUPPLY) {
        snprintf(why, why_cap, "supply %llu after height %llu", (unsigned long long)sum,
                 (unsigned long long)b.height);
        return 0;
    }
    if (a->chain_len == a->chain_cap) {
        size_t cap = a->chain_cap == 0 ? 64 : a->chain_cap * 2;
        sim_committed *grown = realloc(a->chain, cap * sizeof(*grown));
        CHR_ASSERT(grown != NULL);
        a->chain = grown;
        a->chain_cap = cap;
    }
    sim_committed *slot = &a->chain[a->chain_len++];
    slot->block = malloc(len);
    CHR_ASSERT(slot->block != NULL);
    memcpy(slot->block, block, len);
    slot->block_len = len;
    slot->commit = *commit;
    a->height = b.height;
    a->last_time_ms = b.time_ms;
    chr_sha256_hash(a->last_id, block, len);
    return 1;
}
