/* A small committed state for the staking tests: accounts in a table, objects in a
 * ledger_trie_mem, a block's overlay with its object table, and helpers that build and
 * apply transactions as a block would (signatures aside) and end blocks. */
#ifndef TESTS_UNIT_STAKING_FIXTURE_H
#define TESTS_UNIT_STAKING_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/block.h"
#include "ledger/evidence.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/staking.h"
#include "ledger/state.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"

#define ST_ACCOUNTS 64

typedef struct st_db {
    uint8_t addr[ST_ACCOUNTS][32];
    ledger_account acct[ST_ACCOUNTS];
    size_t len;
    ledger_trie_mem *mem;
    ledger_overlay *o;
    ledger_objects *t;
    ledger_params params;
    uint64_t height; /* of the block being applied */
    uint64_t time_ms;
    uint8_t proposer[32]; /* the header's: the proposer bonus (key 0: not a validator) */
    /* The previous block's signers: the stored set of the previous height, each member
     * signing unless its bit in absent (by set index) is set. */
    uint64_t absent;
    ledger_valset prev;
    ledger_commit commit;
    ledger_evidence ev[4]; /* the block's evidence (its validator key and height matter) */
    size_t ev_len;
    /* Called (when set) in st_end_block after the rewards, before slashing and staking. */
    void (*after_rewards)(void *ctx);
    void *after_ctx;
    char detail[LEDGER_DETAIL_MAX];
} st_db;

/* The key of test account i (not a curve point: apply does not check keys). */
void st_key(uint8_t out[32], unsigned i);
/* A fresh state: accounts 1..n with balance each, params defaults with unbonding_time_ms
 * 10,000, min_self_bond 100, power_unit 10, fee 1; block 1 at time 1,000,000. */
void st_open(st_db *db, unsigned n, uint64_t balance);
void st_close(st_db *db);
/* The account as the block sees it. */
ledger_account st_account(st_db *db, unsigned i);
/* Applies a transaction of account i (its next nonce, fee params.fee_transfer). */
chr_err st_apply(st_db *db, unsigned i, ledger_tx *tx);
chr_err st_create(st_db *db, unsigned i, uint64_t amount, uint64_t min_self_bond);
chr_err st_delegate(st_db *db, unsigned i, unsigned v, uint64_t amount);
chr_err st_undelegate(st_db *db, unsigned i, unsigned v, uint64_t amount);
chr_err st_redelegate(st_db *db, unsigned i, unsigned src, unsigned dst, uint64_t amount);
/* Ends the block (ledger_distribution_end_block with db's signers, then
 * ledger_staking_end_block), commits it and opens the next, dt_ms later. */
chr_err st_end_block(st_db *db, uint64_t dt_ms);
/* The validator of account v, committed or in the block (found 0: none). */
ledger_staking_validator st_validator(st_db *db, unsigned v, int *found);
/* Sum of every account's balance. */
uint64_t st_liquid(st_db *db);
/* ledger_staking_supply_check with the rewards held, governance's deposits in escrow and
 * burned, and the meetings' escrows and media bonds (detail in db->detail). */
chr_err st_supply_check(st_db *db, uint64_t genesis_supply);
/* Proposal id's tally the slow way: every delegation to one of the first validators_max
 * validators of the power index weighs shares * tokens / shares for its delegator's vote,
 * or else its validator's (yes, abstain, no, veto in out); followed (may be NULL) counts
 * the delegations that took their validator's vote, each rounded down on its own. */
void st_gov_slow_tally(st_db *db, uint32_t validators_max, uint64_t id, uint64_t out[4],
                       uint64_t followed[4]);

#endif
