/* Staking: validators, delegations, unbonding and redelegation entries, the pools, and the
 * validator set that follows the stake (docs/PROTOCOL.md, "Staking"; issue 13, part 1).
 *
 * State (ledger/objects.h kinds, natural key -> value, encodings below):
 *   validator     0x02  raw32 operator                      -> ledger_staking_validator
 *   delegation    0x03  raw32 delegator || raw32 validator  -> ledger_staking_delegation
 *   unbonding     0x04  u64 completion_ms || raw32 delegator || raw32 validator || u64 seq
 *                                                           -> ledger_staking_unbonding
 *   redelegation  0x09  u64 completion_ms || raw32 delegator || raw32 dst || u64 seq
 *                                                           -> ledger_staking_redelegation
 *   global        0x0a  "staking"                           -> ledger_staking_pool
 *   validator_set 0x0b  u64 inv (UINT64_MAX - from_height)  -> head (u16 n, u64 power, hash)
 *                       u64 inv || u16 index                -> raw32 operator, raw32 key,
 *                                                              u64 power
 *   power_index   0x0c  u64 (UINT64_MAX - tokens) || raw32 operator -> raw32 consensus key
 *   consensus_key 0x0d  raw32 consensus key                 -> raw32 operator
 * Entries keyed by completion time first mature by a prefix-free scan from the start; the
 * power index lists the validators that may sign (not jailed, some stake) by stake, most
 * first, ties by operator key; a set is keyed so that the first at or after the inverted
 * height is the one in force.
 *
 * Amounts: a validator holds `tokens` (bonded, its own and its delegators') against
 * `shares`; a delegation holds shares. Until a slash a share is a unit. Liquid (account
 * balances), bonded, unbonding and reward amounts are distinct; the pool object counts
 * bonded and unbonding, the rewards pool (ledger/distribution.h) pending rewards and the
 * treasury, so that liquid + bonded + unbonding + rewards = genesis supply + minted -
 * burned (ledger_staking_supply_check).
 *
 * Deterministic core: no I/O, clock or randomness; time is the block's header time. The
 * functions work on a block's object table (owned by the caller's thread). */
#ifndef LEDGER_STAKING_H
#define LEDGER_STAKING_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/limits.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/staking_types.h"
#include "ledger/state.h"
#include "ledger/valset.h"

typedef enum ledger_staking_status {
    LEDGER_STAKING_UNBONDED = 0, /* never in the set */
    LEDGER_STAKING_BONDED = 1,   /* in the active set */
    LEDGER_STAKING_UNBONDING = 2 /* left the set; unbonding_until_ms says until when */
} ledger_staking_status;

typedef struct ledger_staking_validator {
    uint8_t operator_key[32]; /* the natural key; not in the value */
    uint8_t consensus_key[32];
    uint32_t commission_ppm;
    uint32_t commission_max_ppm;
    uint32_t commission_change_max_ppm; /* per day */
    uint64_t commission_updated_ms;     /* block time of the last change (creation) */
    uint64_t min_self_bond;
    uint64_t tokens; /* bonded */
    uint64_t shares;
    uint8_t status; /* ledger_staking_status */
    uint8_t jailed;
    uint8_t tombstoned;
    uint64_t jailed_until_ms;
    uint64_t unbonding_until_ms;
    uint64_t created_height;
    uint8_t moniker_len;
    uint8_t website_len;
    uint8_t details_len;
    char moniker[LEDGER_MONIKER_MAX];
    char website[LEDGER_WEBSITE_MAX];
    char details[LEDGER_DETAILS_MAX];
} ledger_staking_validator;

typedef struct ledger_staking_delegation {
    uint64_t shares;
    /* F1 rewards (ledger/distribution.h): the validator's reward period whose end this
     * delegation's shares count from, and its stake at its last change. */
    uint64_t reward_period;
    uint64_t reward_stake;
    uint16_t unbondings;       /* unmatured unbonding entries of this pair */
    uint16_t redelegations_in; /* unmatured redelegations into this validator */
} ledger_staking_delegation;

typedef struct ledger_staking_unbonding {
    uint64_t created_height;
    uint64_t initial; /* at creation: what a slash of part 2 is measured against */
    uint64_t amount;  /* paid at maturity */
} ledger_staking_unbonding;

typedef struct ledger_staking_redelegation {
    uint8_t src[32];
    uint64_t created_height;
    uint64_t initial;
    uint64_t amount;
} ledger_staking_redelegation;

typedef struct ledger_staking_pool {
    uint64_t bonded;
    uint64_t unbonding;
    uint64_t minted;      /* part 2: inflation */
    uint64_t burned;      /* part 2: slashes */
    uint64_t next_seq;    /* the seq of the next unbonding or redelegation entry */
    uint64_t set_height;  /* the height the newest stored set signs from; 0: none */
    uint8_t set_hash[32]; /* its ledger_valset_hash */
} ledger_staking_pool;

/* Value encodings (big-endian, common/enc.h):
 * validator: raw32 consensus_key | u32 commission_ppm | u32 commission_max_ppm |
 *   u32 commission_change_max_ppm | u64 commission_updated_ms | u64 min_self_bond |
 *   u64 tokens | u64 shares | u8 status | u8 jailed | u8 tombstoned | u64 jailed_until_ms |
 *   u64 unbonding_until_ms | u64 created_height | bytes8 moniker | bytes8 website |
 *   bytes8 details
 * delegation: u64 shares | u64 reward_period | u64 reward_stake | u16 unbondings |
 *   u16 redelegations_in
 * unbonding: u64 created_height | u64 initial | u64 amount
 * redelegation: raw32 src | u64 created_height | u64 initial | u64 amount
 * pool: u64 bonded | u64 unbonding | u64 minted | u64 burned | u64 next_seq |
 *   u64 set_height | raw32 set_hash
 * Decoders refuse short input, trailing bytes, over-long strings and flags other than 0/1
 * (CHR_ERR_TRUNCATED, CHR_ERR_TRAILING, CHR_ERR_TOO_LONG, CHR_ERR_NONCANONICAL); outputs
 * are zeroed on failure. Encoders write at most LEDGER_OBJECT_VALUE_MAX bytes. */
size_t ledger_staking_validator_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                       const ledger_staking_validator *v);
CHR_WUR chr_err ledger_staking_validator_decode(ledger_staking_validator *out,
                                                const uint8_t operator_key[32], const uint8_t *in,
                                                size_t in_len);
size_t ledger_staking_delegation_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                        const ledger_staking_delegation *d);
CHR_WUR chr_err ledger_staking_delegation_decode(ledger_staking_delegation *out, const uint8_t *in,
                                                 size_t in_len);
size_t ledger_staking_pool_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                  const ledger_staking_pool *p);
CHR_WUR chr_err ledger_staking_pool_decode(ledger_staking_pool *out, const uint8_t *in,
                                           size_t in_len);

/* The entries' values (unbonding, redelegation), for readers of committed objects (the API):
 * CHR_ERR_TRUNCATED, CHR_ERR_TRAILING; *out zeroed on failure. */
CHR_WUR chr_err ledger_staking_unbonding_decode(ledger_staking_unbonding *out, const uint8_t *in,
                                                size_t in_len);
CHR_WUR chr_err ledger_staking_redelegation_decode(ledger_staking_redelegation *out,
                                                   const uint8_t *in, size_t in_len);
/* The bonded amount that `shares` of v stand for (rounded down); shares at most v's
 * (asserted). */
uint64_t ledger_staking_tokens_of(const ledger_staking_validator *v, uint64_t shares);

/* The pools as t sees them (all zero before the first staking transaction). */
CHR_WUR chr_err ledger_staking_pool_get(ledger_objects *t, ledger_staking_pool *out);
/* Writes the pools (the rewards' minting and the slashes' burning: ledger/distribution.h,
 * ledger/slashing.h). CHR_ERR_FULL. */
CHR_WUR chr_err ledger_staking_pool_put(ledger_objects *t, const ledger_staking_pool *p);
/* The validator of operator_key: *found 0 when none. Errors: the load's, or
 * CHR_ERR_STORE for a stored value that does not decode. */
CHR_WUR chr_err ledger_staking_validator_get(ledger_objects *t, const uint8_t operator_key[32],
                                             ledger_staking_validator *out, int *found);
CHR_WUR chr_err ledger_staking_delegation_get(ledger_objects *t, const uint8_t delegator[32],
                                              const uint8_t validator[32],
                                              ledger_staking_delegation *out, int *found);

/* ---- The operations behind the transactions (ledger/tx_staking.h). ----
 * Each checks its rules against t and changes nothing on a rule's error (with detail
 * set) or CHR_ERR_FULL (t lacks LEDGER_STAKING_OBJECTS_MAX entries of room); only a load
 * error may leave t half changed (the block is abandoned). The caller moves the liquid
 * side (the sender's balance, fee, nonce). height and time_ms are the block's. */

/* The most objects one operation changes (a redelegation: two validators with their index
 * rows, two delegations, the entry, the pool). */
#define LEDGER_STAKING_OBJECTS_MAX 10

/* A new validator of operator_key bonded with c->amount from its operator: CHR_ERR_SELF_BOND
 * (min_self_bond under params->min_self_bond), CHR_ERR_DUPLICATE (the operator has a
 * validator, or the consensus key is another's). */
CHR_WUR chr_err ledger_staking_create_validator(ledger_objects *t, const ledger_params *params,
                                                const uint8_t operator_key[32],
                                                const ledger_staking_create *c, uint64_t height,
                                                uint64_t time_ms, char *detail, size_t detail_cap);
/* CHR_ERR_NO_VALIDATOR; CHR_ERR_COMMISSION (over the max, a step over the daily change,
 * a second change within 24 h of block time); CHR_ERR_SELF_BOND (min_self_bond not above
 * the current one, or above the operator's self-bond). */
CHR_WUR chr_err ledger_staking_edit_validator(ledger_objects *t, const uint8_t operator_key[32],
                                              const ledger_staking_edit *e, uint64_t time_ms,
                                              char *detail, size_t detail_cap);
/* Bonds amount from delegator to validator: CHR_ERR_NO_VALIDATOR; CHR_ERR_TOMBSTONED; a
 * validator whose stake was all slashed away takes none (CHR_ERR_NO_VALIDATOR). */
CHR_WUR chr_err ledger_staking_delegate(ledger_objects *t, const uint8_t delegator[32],
                                        const uint8_t validator[32], uint64_t amount, char *detail,
                                        size_t detail_cap);
/* Starts unbonding amount (completing at time_ms + unbonding_time_ms):
 * CHR_ERR_NO_VALIDATOR; CHR_ERR_STAKE (the delegation holds less); CHR_ERR_ENTRIES (the
 * pair holds entries_max unbondings). An operator whose self-bond falls under its
 * min_self_bond is jailed (it leaves the set at this block's end). */
CHR_WUR chr_err ledger_staking_undelegate(ledger_objects *t, const ledger_params *params,
                                          const uint8_t delegator[32], const uint8_t validator[32],
                                          uint64_t amount, uint64_t height, uint64_t time_ms,
                                          char *detail, size_t detail_cap);
/* Moves amount of bonded stake from src to dst at once: CHR_ERR_SAME_VALIDATOR,
 * CHR_ERR_NO_VALIDATOR (either), CHR_ERR_TOMBSTONED (dst), CHR_ERR_STAKE, CHR_ERR_HOPPING
 * (stake redelegated into src has not matured: no hopping), CHR_ERR_ENTRIES (dst's
 * redelegations of this delegator at entries_max). */
CHR_WUR chr_err ledger_staking_redelegate(ledger_objects *t, const ledger_params *params,
                                          const uint8_t delegator[32], const uint8_t src[32],
                                          const uint8_t dst[32], uint64_t amount, uint64_t height,
                                          uint64_t time_ms, char *detail, size_t detail_cap);

/* Puts a deregistered media node's bond (ledger/media.h) on the unbonding queue: an entry
 * (completion_ms, operator, node_key, next seq) of amount created at height, counted in the
 * pool's unbonding. No delegation counts it and no slashing burns it; it matures in the end
 * of block like a delegation's, oldest first, by paying the operator and deleting the node's
 * record (ledger_media_bond_entry). amount > 0 (asserted); the loads' errors. */
CHR_WUR chr_err ledger_staking_unbond_media(ledger_objects *t, const uint8_t operator_key[32],
                                            const uint8_t node_key[32], uint64_t amount,
                                            uint64_t height, uint64_t completion_ms);

/* The operator's validator leaves jail (unjail, 0x16): CHR_ERR_NO_VALIDATOR;
 * CHR_ERR_TOMBSTONED (never returns); CHR_ERR_NOT_JAILED; CHR_ERR_JAILED (time_ms before
 * jailed_until_ms); CHR_ERR_SELF_BOND (the operator's stake under min_self_bond: it would
 * be jailed again). It enters the power index again. */
CHR_WUR chr_err ledger_staking_unjail(ledger_objects *t, const uint8_t operator_key[32],
                                      uint64_t time_ms, char *detail, size_t detail_cap);

/* Slashes the validator of operator_key (ledger/slashing.h): burns fraction_ppm of its
 * bonded tokens (rounded down; the pool's bonded falls and its burned rises by as much),
 * jails it until jail_until_ms at least and, with tombstone, for ever. Shares stay: every
 * delegation's stake falls alike. *burned gets the amount. CHR_ERR_NO_VALIDATOR,
 * CHR_ERR_FULL, the loads'. */
CHR_WUR chr_err ledger_staking_slash(ledger_objects *t, const uint8_t operator_key[32],
                                     uint32_t fraction_ppm, uint64_t jail_until_ms, int tombstone,
                                     uint64_t *burned);

/* ---- End of block (ledger/chain.c calls it once per block, after the transactions). ----
 * Matures the unbondings (the delegator is credited; a media node's bond, to its operator,
 * deleting the node's record) and redelegations whose completion
 * time is at or before time_ms, oldest first, at most LEDGER_STAKING_MATURE_MAX of each
 * (the rest, already due, in the next block); then decides the active set: the top
 * params->validators_max validators of the power index with power (tokens / power_unit)
 * at least 1. When it differs from the newest stored set it is stored to sign from
 * height + 2, and the validators that entered become bonded, those that left unbonding.
 * No set is stored while no validator has power (consensus keeps the genesis set).
 * CHR_ERR_FULL (an invariant of the block's bounds: the caller abandons the block), the
 * load callbacks' errors, CHR_ERR_STORE for a stored value that does not decode. */
CHR_WUR chr_err ledger_staking_end_block(ledger_overlay *o, const ledger_params *params,
                                         uint64_t height, uint64_t time_ms);

/* ---- Genesis (genesis/genesis.h). ----
 * After the genesis validators were made with ledger_staking_create_validator (height 0,
 * the genesis time) on t, decides the genesis set as end of block would (the top
 * params->validators_max by stake, power tokens / power_unit at least 1), marks its members
 * bonded and stores it to sign from height 1 (the pool's set_height 1), so that end of block
 * 1 finds it unchanged. *out is the set (empty, and nothing stored, when no validator has
 * power). CHR_ERR_FULL when t lacks room (1 + 2 * validators objects), the load's errors.
 * t must hold no set yet (asserted). */
CHR_WUR chr_err ledger_staking_genesis_set(ledger_objects *t, const ledger_params *params,
                                           ledger_valset *out);

/* The set that signs height h, from committed objects read through scan(ctx): the newest
 * stored set whose first height is at most h; *from_height is that height, ops (may be
 * NULL, else LEDGER_VALIDATORS_MAX entries) its members' operator keys in set order.
 * CHR_ERR_NOT_FOUND when no set was stored at or before h (the genesis set signs);
 * CHR_ERR_STORE for damaged objects; the scan's errors. */
CHR_WUR chr_err ledger_staking_set_at(ledger_object_scan_fn scan, void *ctx, uint64_t h,
                                      ledger_valset *out, uint64_t *from_height,
                                      uint8_t (*ops)[32]);

/* The supply invariant: liquid (the sum of every account's balance) + pool bonded +
 * unbonding + rewards (pending rewards and the treasury: ledger_distribution_held) ==
 * genesis_supply + minted - burned. CHR_ERR_STATE_ROOT with detail when it breaks; the
 * load's errors. */
CHR_WUR chr_err ledger_staking_supply_check(ledger_objects *t, uint64_t liquid, uint64_t rewards,
                                            uint64_t genesis_supply, char *detail,
                                            size_t detail_cap);
/* The slow audit for tests and the simulator (O(objects)): the validators' tokens sum to
 * the pool's bonded, the unbonding entries (media nodes' bonds among them) to its unbonding,
 * every entry is counted by its delegation or is a media node's bond, every delegation's
 * shares to
 * its validator's, every indexed validator has its power row and no other row exists.
 * CHR_ERR_STATE_ROOT with detail on the first difference. */
CHR_WUR chr_err ledger_staking_audit(ledger_objects *t, char *detail, size_t detail_cap);

#endif
