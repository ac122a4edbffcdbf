/* rewardbench: the CPU of the rewards (ledger/distribution.h) on an in-memory state, for
 * `make bench` (tests/bench/run.sh). It measures and prints figures; it asserts nothing
 * about them.
 *
 *   rewardbench [blocks [withdrawals]]
 *       Builds 100 validators with one delegation each, then 100,000 delegations more
 *       on the first; measures ledger_distribution_end_block with all 100 signing (a
 *       block's reward step), then a withdrawal (snap and settle) from a validator with 1
 *       delegator and from the one with 100,001: F1 makes the two equal within noise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/enc.h"
#include "ledger/distribution.h"
#include "ledger/objects.h"
#include "ledger/staking.h"
#include "ledger/state.h"
#include "ledger/trie_mem.h"

#define RB_VALIDATORS 100u
#define RB_DELEGATORS 100000u
#define RB_BATCH 10000u
#define RB_TABLE (4u * RB_BATCH)

typedef struct rb {
    ledger_trie_mem *mem;
    ledger_overlay *o;
    ledger_objects *t;
    ledger_params params;
    ledger_valset set;
    ledger_commit commit;
} rb;

/* Every account is rich: the bench measures the rewards, not balances. */
static chr_err rb_load(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    (void)ctx;
    (void)addr;
    memset(out, 0, sizeof(*out));
    out->balance = (uint64_t)1 << 50;
    return CHR_OK;
}

static double rb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rb_key(uint8_t out[32], uint8_t tag, uint32_t i)
{
    memset(out, 0, 32);
    out[0] = tag;
    chr_put_u32be(out + 28, i);
}

static void rb_commit(rb *b)
{
    CHR_ASSERT(ledger_trie_mem_objects_store(b->mem, b->t) == CHR_OK);
    ledger_objects_reset(b->t);
    ledger_overlay_reset(b->o);
}

static void rb_build(rb *b)
{
    char detail[256];
    ledger_valset_init(&b->set);
    for (uint32_t i = 0; i < RB_VALIDATORS; i++) {
        ledger_staking_create c;
        uint8_t op[32];
        memset(&c, 0, sizeof(c));
        rb_key(op, 0xa0, i);
        rb_key(c.consensus_key, 0xc0, i);
        c.commission_ppm = 50000;
        c.commission_max_ppm = 100000;
        c.min_self_bond = 1000000;
        c.amount = 1000000 + i;
        c.moniker_len = 1;
        c.moniker[0] = 'v';
        CHR_ASSERT(ledger_staking_create_validator(b->t, &b->params, op, &c, 1, 1000, detail,
                                                   sizeof(detail)) == CHR_OK);
        CHR_ASSERT(ledger_valset_add(&b->set, c.consensus_key, 1 + i) == CHR_OK);
        memcpy(b->commit.sigs[b->commit.sigs_len++].validator, c.consensus_key, 32);
    }
    rb_commit(b);
    uint8_t first[32];
    rb_key(first, 0xa0, 0);
    for (uint32_t i = 0; i < RB_DELEGATORS; i++) {
        uint8_t d[32];
        rb_key(d, 0xd0, i);
        CHR_ASSERT(ledger_staking_delegate(b->t, d, first, 1000, detail, sizeof(detail)) == CHR_OK);
        if ((i + 1) % RB_BATCH == 0) {
            rb_commit(b);
        }
    }
    rb_commit(b);
}

/* One block's fees through the reward step; seconds of CPU per block. */
static double rb_block(rb *b, size_t blocks, int keep)
{
    uint8_t proposer[32];
    rb_key(proposer, 0xc0, 0);
    double total = 0;
    for (size_t i = 0; i < blocks; i++) {
        CHR_ASSERT(ledger_overlay_credit(b->o, ledger_fee_collector, 1000000) == CHR_OK);
        double t0 = rb_now();
        CHR_ASSERT(ledger_distribution_end_block(b->o, &b->params, proposer, &b->set, &b->commit,
                                                 2000 + i) == CHR_OK);
        total += rb_now() - t0;
        if (keep) {
            rb_commit(b);
        } else {
            ledger_objects_reset(b->t);
            ledger_overlay_reset(b->o);
        }
    }
    return total / (double)blocks;
}

/* A withdrawal of delegator d from validator v (snap and settle), undone after; seconds. */
static double rb_withdraw(rb *b, const uint8_t d[32], const uint8_t v[32], size_t n)
{
    double total = 0;
    uint64_t paid = 0;
    for (size_t i = 0; i < n; i++) {
        ledger_reward_snap snap;
        double t0 = rb_now();
        CHR_ASSERT(ledger_distribution_snap(b->t, d, v, &snap) == CHR_OK);
        CHR_ASSERT(ledger_distribution_settle(b->o, d, v, &snap, &paid) == CHR_OK);
        total += rb_now() - t0;
        CHR_ASSERT(paid > 0);
        ledger_objects_reset(b->t);
        ledger_overlay_reset(b->o);
    }
    return total / (double)n;
}

int main(int argc, char **argv)
{
    size_t blocks = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
    size_t withdrawals = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
    if (blocks == 0 || withdrawals == 0) {
        fprintf(stderr, "usage: rewardbench [blocks [withdrawals]] (both positive)\n");
        return 2;
    }
    static rb b;
    ledger_params_default(&b.params);
    CHR_ASSERT(ledger_trie_mem_new(&b.mem) == CHR_OK);
    CHR_ASSERT(ledger_overlay_new(&b.o, 1024, rb_load, NULL) == CHR_OK);
    CHR_ASSERT(ledger_objects_new(&b.t, RB_TABLE, ledger_trie_mem_object,
                                  ledger_trie_mem_object_scan, b.mem) == CHR_OK);
    ledger_overlay_attach_objects(b.o, b.t);
    double t0 = rb_now();
    rb_build(&b);
    printf("state: %u validators, %u delegations more on the first, built in %.1f s\n",
           RB_VALIDATORS, RB_DELEGATORS, rb_now() - t0);
    rb_block(&b, 1, 1); /* rewards for everyone to withdraw */
    double block = rb_block(&b, blocks, 0);
    printf("reward step: %u signers, %.1f us CPU per block (%zu blocks)\n", RB_VALIDATORS,
           block * 1e6, blocks);
    uint8_t d_small[32], v_small[32], d_big[32], v_big[32];
    rb_key(v_small, 0xa0, RB_VALIDATORS - 1);
    memcpy(d_small, v_small, 32); /* its operator, its only delegator */
    rb_key(v_big, 0xa0, 0);
    rb_key(d_big, 0xd0, RB_DELEGATORS / 2);
    double w1 = rb_withdraw(&b, d_small, v_small, withdrawals);
    double wn = rb_withdraw(&b, d_big, v_big, withdrawals);
    printf("withdrawal: %.2f us CPU with 1 delegator, %.2f us with %u (%zu each)\n", w1 * 1e6,
           wn * 1e6, RB_DELEGATORS + 1, withdrawals);
    ledger_objects_free(b.t);
    ledger_overlay_free(b.o);
    ledger_trie_mem_free(b.mem);
    return 0;
}
