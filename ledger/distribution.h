/* Rewards: a block's fees (and inflation) paid to the validators who signed the previous
 * block, by power, with a proposer bonus and a treasury share; each validator's commission
 * to its operator and the rest to its delegators by the F1 scheme (docs/PROTOCOL.md,
 * "Rewards"; issue 13, part 2).
 *
 * Fees: a block's transactions pay their fees to ledger_fee_collector (the chain passes it
 * as the apply environment's fee receiver), an address that is not a curve point, so no
 * one can sign for it; the end of block empties it into the distribution.
 *
 * F1 (lazy accounting): a validator's delegators share its rewards by shares. Its rewards
 * object holds the current period and what the period has gathered for the delegators;
 * a period ends when one of its delegations changes (delegate, undelegate, redelegate,
 * withdraw), storing the cumulative reward per share up to then (scaled by
 * LEDGER_REWARD_RATIO_SCALE). A delegation remembers the period its shares started
 * counting after (ledger_staking_delegation.reward_period); its reward is shares times
 * the difference of the two cumulative ratios. A block costs O(signers), a withdrawal O(1).
 * Shares (not tokens) are the unit: a slash lowers every share's worth alike, so the
 * delegators' proportions stay exact without slash records.
 *
 * State (ledger/objects.h kinds):
 *   global        0x0a  "rewards"                   -> ledger_rewards_pool
 *   val_rewards   0x0e  raw32 operator              -> ledger_val_rewards
 *   reward_ratio  0x0f  raw32 operator || u64 period -> u128 cumulative ratio | u32 refs
 * A ratio is kept while referenced (by the delegations counting from it, and by its
 * validator while it is the last ended period) and deleted at none: the state holds at
 * most one ratio per delegation plus one per validator.
 * Rounding is always down: what rounding leaves stays in the validator's outstanding
 * amount, counted in the pool's pending (the supply check sees it); never is more paid
 * than was allocated.
 *
 * Deterministic core: no I/O, clock or randomness; works on the block's object table. */
#ifndef LEDGER_DISTRIBUTION_H
#define LEDGER_DISTRIBUTION_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/block.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/state.h"
#include "ledger/valset.h"

/* Cumulative reward per share is kept times 10^18 (u128): a share's reward of 1 unit over
 * 10^18 periods is still seen, and 10^20 units of reward per share fit. */
#define LEDGER_REWARD_RATIO_SCALE 1000000000000000000ull

/* Where a block's fees gather until its end: 32 bytes of 0xff (x >= p: not a key). */
extern const uint8_t ledger_fee_collector[32];

typedef struct ledger_rewards_pool {
    uint64_t pending;      /* allocated to validators, not yet withdrawn (commission, dust too) */
    uint64_t treasury;     /* the treasury: only governance spends it */
    uint64_t collected;    /* every fee and minted unit distributed, ever */
    uint64_t paid;         /* every unit withdrawn, ever */
    uint64_t last_time_ms; /* the last block's time: inflation counts from it */
} ledger_rewards_pool;

typedef struct ledger_val_rewards {
    uint64_t period;      /* the current period (from 1); periods before it have a ratio */
    uint64_t current;     /* gathered for the delegators in the current period */
    uint64_t commission;  /* the operator's, not yet withdrawn */
    uint64_t outstanding; /* allocated to the delegators, not yet paid (with dust) */
} ledger_val_rewards;

/* Encodings (big-endian): pool u64 pending | u64 treasury | u64 collected | u64 paid |
 * u64 last_time_ms; val_rewards u64 period | u64 current | u64 commission |
 * u64 outstanding. Decoders refuse short input and trailing bytes (outputs zeroed). */
size_t ledger_rewards_pool_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                  const ledger_rewards_pool *p);
CHR_WUR chr_err ledger_rewards_pool_decode(ledger_rewards_pool *out, const uint8_t *in,
                                           size_t in_len);
size_t ledger_val_rewards_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX], const ledger_val_rewards *v);
CHR_WUR chr_err ledger_val_rewards_decode(ledger_val_rewards *out, const uint8_t *in,
                                          size_t in_len);

/* The pool as t sees it (all zero before the first reward). Errors: the load's,
 * CHR_ERR_STORE for a value that does not decode. */
CHR_WUR chr_err ledger_rewards_pool_get(ledger_objects *t, ledger_rewards_pool *out);
/* The validator's rewards object (period 1 and zeros when it has none yet). */
CHR_WUR chr_err ledger_val_rewards_get(ledger_objects *t, const uint8_t operator_key[32],
                                       ledger_val_rewards *out);

/* ---- A delegation change settles the pair's rewards. ----
 * A staking transaction snaps the pairs it changes before the staking operation (read
 * only: a refused operation leaves nothing changed) and settles them after it succeeded:
 * the validator's period ends (with the shares it had), the delegator is paid its reward
 * for its old shares, and the delegation (if it still exists) starts counting from the
 * ended period. */
typedef struct ledger_reward_snap {
    uint64_t d_shares; /* the delegation's shares before the change */
    uint64_t d_period; /* its reward_period */
    uint64_t v_shares; /* the validator's shares before the change */
} ledger_reward_snap;

/* The objects a staking transaction's settles change besides the staking operation's own
 * (the delegations): for each of two pairs the validator's rewards and three ratios (the
 * one ended, the one before it, the delegation's old one), and the pool. */
#define LEDGER_DISTRIBUTION_TX_OBJECTS 9

CHR_WUR chr_err ledger_distribution_snap(ledger_objects *t, const uint8_t delegator[32],
                                         const uint8_t validator[32], ledger_reward_snap *out);
/* Settles the pair (see above) and credits the delegator's account; *paid (may be NULL)
 * gets the amount. Errors: CHR_ERR_FULL (the caller checked room: an invariant), the
 * loads', CHR_ERR_STORE for a damaged object. */
CHR_WUR chr_err ledger_distribution_settle(ledger_overlay *o, const uint8_t delegator[32],
                                           const uint8_t validator[32],
                                           const ledger_reward_snap *before, uint64_t *paid);
/* Pays the operator its validator's commission (withdraw-rewards by the operator). */
CHR_WUR chr_err ledger_distribution_pay_commission(ledger_overlay *o,
                                                   const uint8_t operator_key[32], uint64_t *paid);
/* The reward the pair would be paid now (for the API and tests; changes nothing). */
CHR_WUR chr_err ledger_distribution_pending(ledger_objects *t, const uint8_t delegator[32],
                                            const uint8_t validator[32], uint64_t *out);

/* ---- End of block (ledger/chain.c, before ledger_staking_end_block). ----
 * Empties ledger_fee_collector, mints inflation (pool bonded * inflation_ppm * elapsed /
 * a year, from the last block's time), takes the treasury share, and pays the rest to the
 * signers of last_commit (NULL at height 1) by their power in prev (the set that signed
 * it): the proposer's validator a bonus of proposer_bonus_ppm first. A signer's reward
 * goes commission_ppm to its commission, the rest to its delegators' current period; a
 * signer with no validator object (a genesis set not yet bonded) is paid to its key's
 * account, and when no signer has one (or there are no signers) the whole block's fees go
 * to the proposer's account, as before staking. What division leaves goes to the
 * treasury. Errors: the loads', CHR_ERR_FULL (a broken bound of the block's tables),
 * CHR_ERR_STORE. */
CHR_WUR chr_err ledger_distribution_end_block(ledger_overlay *o, const ledger_params *params,
                                              const uint8_t proposer[32], const ledger_valset *prev,
                                              const ledger_commit *last_commit, uint64_t time_ms);

/* Takes amount from the treasury for a passed governance spend (ledger/gov.h), which
 * credits it to the recipient: CHR_ERR_BALANCE (nothing changed) when the treasury holds
 * less; the loads' errors. */
CHR_WUR chr_err ledger_distribution_treasury_take(ledger_objects *t, uint64_t amount);

/* What the rewards hold outside the liquid, bonded and unbonding amounts: pending +
 * treasury (for ledger_staking_supply_check). */
CHR_WUR chr_err ledger_distribution_held(ledger_objects *t, uint64_t *out);

#endif
