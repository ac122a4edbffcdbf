/* The consensus simulator (tests/sim): many nodes' cores in one process over a seeded
 * virtual network. See sim.c. */
#ifndef SIM_H
#define SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/assert.h"
#include "consensus/core.h"

#include "ledger/chain.h"
#include "ledger/mempool.h"
#include "ledger/sig.h"
#include "ledger/trie_mem.h"
#include "ledger/valset.h"

#define SIM_CHAIN_ID "sim-1"
/* Funded accounts of the simulated chain, each with SIM_SUPPLY / SIM_ACCOUNTS at genesis. */
#define SIM_ACCOUNTS 8
#define SIM_SUPPLY 8000000u
/* Every account a simulated chain can hold: the funded ones and the validators (fees). */
#define SIM_DB_MAX (SIM_ACCOUNTS + 16)
/* How far a block's time may be ahead of a validator's clock for it to prevote. */
#define SIM_DRIFT_MS 500
/* Transfers a proposer drafts into a block at most. */
#define SIM_BLOCK_TXS_MAX 3
#define SIM_FEE 10u
/* Tokens per unit of voting power: each validator bonds its power in these at genesis. */
#define SIM_POWER_UNIT 1000u
/* Validators that accounts may delegate to at most. */
#define SIM_STAKE_TO_MAX 8

typedef struct sim_committed {
    uint8_t *block;
    size_t block_len;
    ledger_commit commit;
} sim_committed;

/* One node's application: the real block state machine (ledger/chain.h) over an
 * in-memory committed state, as chroomd runs it over LMDB. */
typedef struct sim_app {
    uint64_t height;
    ledger_chain *chain;
    ledger_mempool *mp;
    ledger_signer *signer; /* the world's: signs the random transfers */
    uint8_t proposer[32];  /* this node's validator key (zero for a full node) */
    uint8_t user_sk[SIM_ACCOUNTS][32], user_pk[SIM_ACCOUNTS][32];
    ledger_trie_mem *rows; /* the state trie's */
    size_t db_len;
    uint8_t db_addr[SIM_DB_MAX][32];
    ledger_account db_acct[SIM_DB_MAX];
    size_t ev_len, ev_cap;
    uint8_t (*ev_keys)[LEDGER_EVIDENCE_KEY_BYTES];
    uint64_t rng;
    uint64_t txs;            /* transactions committed */
    uint64_t genesis_supply; /* the accounts' and the bonded stakes' at genesis */
    /* The validators (operator keys) the accounts delegate to and undelegate from at
     * random, so that power shifts and the set changes (sim.c picks honest ones, whose
     * gain never lifts the faulty ones' share). */
    uint8_t stake_to[SIM_STAKE_TO_MAX][32];
    size_t stake_to_len;
    uint64_t set_changes;        /* heights whose signing set differs from the one before */
    sim_committed *chain_blocks; /* chain_blocks[h - 1]: block h */
    size_t chain_len, chain_cap;
} sim_app;

uint64_t sim_rand(uint64_t *state);

/* A node's application at genesis: world seed `seed` names the funded accounts (the same
 * on every node), node_seed its proposals' randomness. */
void sim_app_init(sim_app *a, uint64_t seed, uint64_t node_seed, const ledger_valset *vals,
                  const uint8_t proposer[32], ledger_signer *signer);
void sim_app_free(sim_app *a);
cons_app sim_app_callbacks(sim_app *a);
/* Applies a decided block: 0 with why set if it is invalid or breaks supply. */
int sim_app_apply(sim_app *a, const uint8_t *block, size_t len, const ledger_commit *commit,
                  char *why, size_t why_cap);
/* Takes evidence a core reported (the node's pool): 0 with why set if the ledger refuses
 * evidence the core verified. */
int sim_app_evidence(sim_app *a, const ledger_evidence *ev, char *why, size_t why_cap);

#endif
