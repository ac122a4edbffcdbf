/* The proposer schedule: scaled slots laid out by a smooth weighted round robin, entry
 * (height + round) mod length. */
#include <stdlib.h>
#include <string.h>

#include "consensus/proposer.h"
#include "tests/unit/consensus/harness.h"
#include "tests/unit/consensus/suite.h"
#include "tests/unit/test.h"

/* A set of n distinct keys with the given powers (n up to LEDGER_VALIDATORS_MAX). */
static void make_set(ledger_valset *vals, const uint64_t *powers, size_t n)
{
    ledger_valset_init(vals);
    for (size_t i = 0; i < n; i++) {
        uint8_t sk[32], pub[32];
        h_key(sk, pub, 1000 + (uint32_t)i);
        if (ledger_valset_add(vals, pub, powers[i]) != CHR_OK) {
            abort();
        }
    }
}

static cons_schedule sched; /* ~4 KiB: off the stack */

void test_proposer_equal_round_robin(void)
{
    /* Proves equal powers give strict round robin in set order: the proposer of (h, r) is
     * validator (h + r) mod n, for several set sizes. */
    for (size_t n = 1; n <= 7; n++) {
        uint64_t powers[7] = {5, 5, 5, 5, 5, 5, 5};
        ledger_valset vals;
        make_set(&vals, powers, n);
        cons_schedule_build(&sched, &vals);
        for (uint64_t h = 1; h < 50; h++) {
            for (uint32_t r = 0; r < 10; r++) {
                CHECK(cons_schedule_proposer(&sched, h, r) == (h + r) % n);
            }
        }
    }
    /* The tests' 4-validator set: proposer of height 1 round 0 is validator 1. */
    cons_schedule_build(&sched, h_vals());
    CHECK(sched.len == CONS_PROPOSER_SLOTS);
    CHECK(cons_schedule_proposer(&sched, 1, 0) == 1);
    CHECK(cons_schedule_proposer(&sched, 1, 1) == 2);
    CHECK(cons_schedule_proposer(&sched, 1, 3) == 0);
}

void test_proposer_proportional(void)
{
    /* Proves that over 10,000 heights each validator of powers 1, 2, 3, 4 proposes its
     * share of the power within 1% (of all heights), and that within every window of the
     * schedule's length the counts equal the slots. */
    uint64_t powers[4] = {1, 2, 3, 4};
    ledger_valset vals;
    make_set(&vals, powers, 4);
    cons_schedule_build(&sched, &vals);
    size_t count[4] = {0};
    for (uint64_t h = 1; h <= 10000; h++) {
        size_t p = cons_schedule_proposer(&sched, h, 0);
        CHECK(p < 4);
        count[p]++;
    }
    for (size_t i = 0; i < 4; i++) {
        uint64_t want = 10000 * vals.v[i].power / vals.total_power;
        uint64_t diff = count[i] > want ? count[i] - want : want - count[i];
        CHECK(diff <= 100);
    }
    /* One full pass of the sequence: exactly the scaled slots, floor(p * 4096 / 10). */
    size_t slots[4] = {0};
    for (uint32_t k = 0; k < sched.len; k++) {
        slots[sched.seq[k]]++;
    }
    for (size_t i = 0; i < 4; i++) {
        CHECK(slots[i] == vals.v[i].power * CONS_PROPOSER_SLOTS / vals.total_power);
    }
    /* Smooth: validator 3 (40%) never waits more than 3 entries, the others' turns spread. */
    size_t last = 0, gap_max = 0;
    for (uint32_t k = 0; k < sched.len; k++) {
        if (vals.v[sched.seq[k]].power == 4) {
            gap_max = k - last > gap_max ? k - last : gap_max;
            last = k;
        }
    }
    CHECK(gap_max <= 3);
}

void test_proposer_vector(void)
{
    /* Proves the worked example of docs/CONSENSUS.md, "Proposer": validators 0..3 (in key
     * order) of powers 1, 2, 3, 4 get 409, 819, 1228 and 1638 slots, and the sequence
     * starts 3 2 1 3 2 0 3 1 2 3; the proposer of height 1, round 0 is entry 1. */
    uint64_t powers[4] = {1, 2, 3, 4};
    ledger_valset vals;
    h_valset_powers(&vals, powers, 4);
    cons_schedule_build(&sched, &vals);
    CHECK(sched.len == 4094);
    static const uint8_t start[10] = {3, 2, 1, 3, 2, 0, 3, 1, 2, 3};
    CHECK(memcmp(sched.seq, start, sizeof(start)) == 0);
    CHECK(cons_schedule_proposer(&sched, 1, 0) == 2);
    CHECK(cons_schedule_proposer(&sched, 1, 4) == 0);
    CHECK(cons_schedule_proposer(&sched, 4094, 0) == 3);
}

void test_proposer_rounds_advance(void)
{
    /* Proves each round moves the choice to the next entry of the sequence, so a round
     * that fails moves to the next scheduled proposer, and the mapping wraps at the
     * sequence's length (including for heights and rounds near their maxima). */
    uint64_t powers[5] = {7, 1, 100, 3, 3};
    ledger_valset vals;
    make_set(&vals, powers, 5);
    cons_schedule_build(&sched, &vals);
    for (uint64_t h = 1; h < 300; h += 7) {
        for (uint32_t r = 0; r < 40; r++) {
            CHECK(cons_schedule_proposer(&sched, h, r) == sched.seq[(h + r) % sched.len]);
        }
    }
    uint64_t h = UINT64_MAX;
    CHECK(cons_schedule_proposer(&sched, h, CONS_ROUND_MAX) ==
          sched.seq[(h % sched.len + CONS_ROUND_MAX % sched.len) % sched.len]);
    /* In a set of equal powers consecutive rounds always change validator. */
    cons_schedule_build(&sched, h_vals());
    for (uint32_t r = 0; r < 20; r++) {
        CHECK(cons_schedule_proposer(&sched, 9, r) != cons_schedule_proposer(&sched, 9, r + 1));
    }
}

void test_proposer_tiny_power(void)
{
    /* Proves a validator whose scaled power rounds to zero still gets exactly one slot and
     * so proposes at least once per pass of the sequence, beside huge powers and with the
     * most validators. */
    uint64_t powers[3] = {UINT64_MAX / 2, 1, UINT64_MAX / 4};
    ledger_valset vals;
    make_set(&vals, powers, 3);
    cons_schedule_build(&sched, &vals);
    size_t slots[3] = {0};
    for (uint32_t k = 0; k < sched.len; k++) {
        slots[sched.seq[k]]++;
    }
    for (size_t i = 0; i < 3; i++) {
        CHECK(slots[i] >= 1);
        if (vals.v[i].power == 1) {
            CHECK(slots[i] == 1);
        }
    }
    CHECK(sched.len <= CONS_PROPOSER_SLOTS + 3);

    uint64_t many[LEDGER_VALIDATORS_MAX];
    for (size_t i = 0; i < LEDGER_VALIDATORS_MAX; i++) {
        many[i] = i == 0 ? 1000000000ull : 1;
    }
    make_set(&vals, many, LEDGER_VALIDATORS_MAX);
    cons_schedule_build(&sched, &vals);
    CHECK(sched.len <= CONS_PROPOSER_SLOTS + LEDGER_VALIDATORS_MAX);
    int seen[LEDGER_VALIDATORS_MAX] = {0};
    for (uint64_t h = 0; h < sched.len; h++) {
        seen[cons_schedule_proposer(&sched, h, 0)] = 1;
    }
    for (size_t i = 0; i < LEDGER_VALIDATORS_MAX; i++) {
        CHECK(seen[i]);
    }
}

void test_proposer_deterministic(void)
{
    /* Proves the schedule depends on the set only: built twice, or from a set added in
     * another order, it is the same sequence. */
    uint64_t powers[6] = {9, 4, 4, 1, 30, 2};
    ledger_valset a, b;
    make_set(&a, powers, 6);
    ledger_valset_init(&b);
    for (size_t k = 6; k-- > 0;) {
        uint8_t sk[32], pub[32];
        h_key(sk, pub, 1000 + (uint32_t)k);
        CHECK_OK(ledger_valset_add(&b, pub, powers[k]));
    }
    static cons_schedule s1, s2;
    cons_schedule_build(&s1, &a);
    cons_schedule_build(&s2, &b);
    CHECK(s1.len == s2.len);
    CHECK(memcmp(s1.seq, s2.seq, s1.len) == 0);
    cons_schedule_build(&s2, &a);
    CHECK(memcmp(s1.seq, s2.seq, s1.len) == 0);
}
