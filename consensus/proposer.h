/* Proposer choice weighted by voting power (docs/CONSENSUS.md, "Proposer").
 *
 * Each validator gets slots in proportion to its power (scaled so the slots add up to
 * about CONS_PROPOSER_SLOTS, at least one each); a smooth weighted round robin lays the
 * slots out as a sequence in which a validator's turns are spread evenly; the proposer of
 * (height, round) is the sequence's entry (height + round) mod its length. So every round
 * moves to the next entry, a validator with k% of the power proposes about k% of the
 * blocks, and the choice depends on nothing but the set, the height and the round.
 * Deterministic; a schedule is built once per validator set. Not thread-safe per object. */
#ifndef CONS_PROPOSER_H
#define CONS_PROPOSER_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/limits.h"
#include "ledger/valset.h"

typedef struct cons_schedule {
    uint32_t len;
    uint8_t seq[CONS_PROPOSER_SLOTS + LEDGER_VALIDATORS_MAX]; /* indexes into the set */
} cons_schedule;

/* Builds the schedule of a non-empty set. */
void cons_schedule_build(cons_schedule *s, const ledger_valset *vals);

/* The index in the set of the proposer of (height, round). */
size_t cons_schedule_proposer(const cons_schedule *s, uint64_t height, uint32_t round);

#endif
