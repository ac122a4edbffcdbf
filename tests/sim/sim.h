/* The consensus simulator (tests/sim): many nodes' cores in one process over a seeded
 * virtual network. See sim.c. */
#ifndef SIM_H
#define SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/assert.h"
#include "consensus/core.h"

#define SIM_ACCOUNTS 8
#define SIM_SUPPLY 8000000u
/* How far a block's time may be ahead of a validator's clock for it to prevote. */
#define SIM_DRIFT_MS 500

typedef struct sim_committed {
    uint8_t *block;
    size_t block_len;
    ledger_commit commit;
} sim_committed;

typedef struct sim_app {
    uint64_t height;
    uint8_t last_id[32];
    uint64_t last_time_ms;
    uint64_t bal[SIM_ACCOUNTS];
    uint64_t rng;
    sim_committed *chain; /* chain[h - 1]: block h */
    size_t chain_len, chain_cap;
} sim_app;

uint64_t sim_rand(uint64_t *state);

void sim_app_init(sim_app *a, uint64_t seed);
void sim_app_free(sim_app *a);
cons_app sim_app_callbacks(sim_app *a);
/* Applies a decided block: 0 with why set if it is invalid or breaks supply. */
int sim_app_apply(sim_app *a, const uint8_t *block, size_t len, const ledger_commit *commit,
                  char *why, size_t why_cap);

#endif
