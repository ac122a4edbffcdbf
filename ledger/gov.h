/* On-chain governance (docs/PROTOCOL.md, "Governance"; issue 15): proposals, deposits,
 * stake-weighted votes, the tally at the end of the voting period and the execution of a
 * passed proposal in the same block, and the software upgrade plan.
 *
 * State (ledger/objects.h kinds, natural key -> value, encodings below):
 *   proposal      0x07  u64 id                     -> ledger_gov_proposal
 *   vote          0x08  u64 id || raw32 voter      -> u8 option
 *   deposit       0x1a  u64 id || raw32 depositor  -> u64 amount
 *   gov_queue     0x1b  u64 end_ms || u64 id       -> u8 status the entry ends
 *   gov_global    0x1c  (empty)                    -> u64 next_id | u64 escrow | u64 burned
 *   upgrade_plan  0x1d  (empty)                    -> bytes8 name | u64 height
 *   gov_event     0x1e  u64 height || u64 id       -> u8 status | u16 exec_err
 * Deposits leave their depositors' balances into the escrow (the global's), and go back or
 * are burned when the proposal ends; so liquid + bonded + unbonding + escrow = supply -
 * burned (staking's and governance's).
 *
 * A gov_event records, for the API's event stream, that proposal id entered status (its
 * last within the block) at height: written by the block that submits a proposal, opens
 * its vote or ends it, so that every node holds the same record under the state root.
 *
 * A proposal in its deposit period has a queue entry at its deposit end; one in its voting
 * period has one at its voting end. The end of each block takes the entries whose time has
 * come, in time order, up to LEDGER_GOV_ENDS_PER_BLOCK_MAX.
 *
 * Deterministic core: no I/O, clock or randomness; time is the block's header time. The
 * functions work on a block's object table (owned by the caller's thread). */
#ifndef LEDGER_GOV_H
#define LEDGER_GOV_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/gov_params.h"
#include "ledger/gov_types.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/state.h"

typedef enum ledger_gov_status {
    LEDGER_GOV_DEPOSIT_PERIOD = 1,
    LEDGER_GOV_VOTING_PERIOD = 2,
    LEDGER_GOV_PASSED = 3,   /* passed and executed */
    LEDGER_GOV_REJECTED = 4, /* quorum missed or threshold not reached */
    LEDGER_GOV_VETOED = 5,   /* vetoed: deposits burned */
    LEDGER_GOV_FAILED = 6,   /* passed, but its execution failed (exec_err says why) */
    LEDGER_GOV_DROPPED = 7,  /* the deposit period ended below the minimum */
} ledger_gov_status;

/* The API's name of a status ("voting_period"), of an option ("yes"), of a kind ("text");
 * NULL for a value that is none. */
const char *ledger_gov_status_name(uint8_t status);
const char *ledger_gov_option_name(uint8_t option);
const char *ledger_gov_kind_name(uint8_t kind);
/* Whether name[0..len) is an upgrade name as the decoder takes it: 1 to
 * LEDGER_GOV_UPGRADE_NAME_MAX bytes of [a-z0-9._-]. */
int ledger_gov_upgrade_name_valid(const char *name, size_t len);

/* Tally indexes: yes, abstain, no, veto (option - 1). */
#define LEDGER_GOV_OPTIONS 4

typedef struct ledger_gov_proposal {
    uint64_t id; /* the natural key; not in the value */
    uint8_t status;
    uint8_t expedited; /* now: an expedited proposal that missed falls back to 0 */
    uint8_t proposer[32];
    uint64_t submit_height;
    uint64_t submit_ms;
    uint64_t deposit_end_ms;
    uint64_t voting_start_ms; /* 0 before the vote */
    uint64_t voting_end_ms;   /* 0 before the vote */
    uint64_t total_deposit;
    uint16_t depositors;
    uint16_t exec_err; /* the chr_err of a failed execution; 0 */
    uint32_t votes;
    uint64_t tally[LEDGER_GOV_OPTIONS]; /* the final tally; zeros before it */
    ledger_gov_content content;
} ledger_gov_proposal;

/* Encodings (big-endian):
 * content: u8 kind | u8 expedited | bytes8 title | then by kind: params: u8 n | n x (bytes8
 *   name | u64 value); spend: raw32 recipient | u64 amount; upgrade: bytes8 name | u64
 *   height; text, cancel-upgrade: nothing.
 * proposal: u8 status | u8 expedited | raw32 proposer | u64 submit_height | u64 submit_ms |
 *   u64 deposit_end_ms | u64 voting_start_ms | u64 voting_end_ms | u64 total_deposit |
 *   u16 depositors | u16 exec_err | u32 votes | 4 x u64 tally | content.
 * Decoding content refuses an unknown kind, an empty or over-long or non-UTF-8 title, a
 * parameter name that is empty or not [a-z0-9_], 0 or over LEDGER_GOV_CHANGES_MAX changes,
 * an upgrade name empty or not [a-z0-9._-] (CHR_ERR_PROPOSAL), expedited other than 0/1
 * (CHR_ERR_NONCANONICAL); short input CHR_ERR_TRUNCATED. */
void ledger_gov_content_encode(chr_enc *enc, const ledger_gov_content *c);
CHR_WUR chr_err ledger_gov_content_decode(chr_dec *dec, ledger_gov_content *out);
size_t ledger_gov_proposal_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                  const ledger_gov_proposal *p);
CHR_WUR chr_err ledger_gov_proposal_decode(ledger_gov_proposal *out, uint64_t id, const uint8_t *in,
                                           size_t in_len);

/* The proposal id: *found 0 when none. The load's error, CHR_ERR_STORE when the stored
 * value does not decode. */
CHR_WUR chr_err ledger_gov_proposal_get(ledger_objects *t, uint64_t id, ledger_gov_proposal *out,
                                        int *found);
/* A voter's vote on id: *option 0 when none. */
CHR_WUR chr_err ledger_gov_vote_get(ledger_objects *t, uint64_t id, const uint8_t voter[32],
                                    uint8_t *option);

/* The deposits held in escrow and those burned so far (for the supply check: liquid +
 * bonded + unbonding + escrow + burned = the supply). The load's error, CHR_ERR_STORE. */
CHR_WUR chr_err ledger_gov_escrow(ledger_objects *t, uint64_t *escrow, uint64_t *burned);

/* The same from the gov_global object's stored value (for readers of the store): CHR_ERR_STORE
 * when it is not 24 bytes; both zero then. */
CHR_WUR chr_err ledger_gov_global_decode(const uint8_t *value, size_t value_len, uint64_t *escrow,
                                         uint64_t *burned);

/* The scheduled upgrade: *found 0 when none. */
CHR_WUR chr_err ledger_gov_upgrade_plan(ledger_objects *t,
                                        char name[LEDGER_GOV_UPGRADE_NAME_MAX + 1],
                                        uint64_t *height, int *found);

/* ---- The operations behind the transactions (ledger/tx_gov.h). Each checks its rules and
 * changes nothing on a rule's error (detail set) or CHR_ERR_FULL (t lacks
 * LEDGER_GOV_OBJECTS_MAX entries of room); the caller moves the liquid side (the amount
 * into escrow, the fee, the nonce). height and time_ms are the block's. ---- */

/* The most objects one operation changes (a deposit that opens the vote: the proposal, the
 * deposit, two queue entries, the global, its event). */
#define LEDGER_GOV_OBJECTS_MAX 6

/* A new proposal of proposer with its first deposit: CHR_ERR_PARAM_RANGE for a change
 * outside its range against
 * the current parameters (genesis: the chain's genesis ones), CHR_ERR_PROPOSAL for an
 * upgrade at or below height. *id gets the new id. */
CHR_WUR chr_err ledger_gov_submit(ledger_objects *t, const ledger_params *genesis,
                                  const uint8_t proposer[32], const ledger_gov_content *c,
                                  uint64_t deposit, uint64_t height, uint64_t time_ms, uint64_t *id,
                                  char *detail, size_t detail_cap);
/* Adds amount to id's deposits (in block height): CHR_ERR_UNKNOWN_PROPOSAL; CHR_ERR_WRONG_STATE
 * when it is not in its deposit or voting period or that period has ended at time_ms;
 * CHR_ERR_ENTRIES for a new depositor past LEDGER_GOV_DEPOSITORS_MAX. Reaching the minimum opens
 * the vote. */
CHR_WUR chr_err ledger_gov_deposit(ledger_objects *t, const uint8_t depositor[32], uint64_t id,
                                   uint64_t amount, uint64_t height, uint64_t time_ms, char *detail,
                                   size_t detail_cap);
/* Records (or changes) voter's vote: CHR_ERR_UNKNOWN_PROPOSAL; CHR_ERR_WRONG_STATE outside
 * the voting period (also once time_ms reached its end); CHR_ERR_NO_STAKE when voter is
 * neither a validator nor a delegator; CHR_ERR_ENTRIES for a new voter past
 * LEDGER_GOV_VOTES_MAX; CHR_ERR_PROPOSAL for an option not 1..4. */
CHR_WUR chr_err ledger_gov_vote(ledger_objects *t, const uint8_t voter[32], uint64_t id,
                                uint8_t option, uint64_t time_ms, char *detail, size_t detail_cap);

/* The tally of id's votes as the stake stands in t (docs/PROTOCOL.md, "Tally"): the
 * active validators (the first validators_max of the power index) are the bonded stake
 * (*bonded, their tokens); a delegator's vote weighs its delegations to them and takes
 * those shares out of its validator's vote. O(votes + validators). The load's errors. */
CHR_WUR chr_err ledger_gov_tally(ledger_objects *t, const ledger_params *params, uint64_t id,
                                 uint64_t tally[LEDGER_GOV_OPTIONS], uint64_t *bonded);

/* The governance step of the end of a block: ends the proposals whose deposit or voting
 * period ended at time_ms (dropping, tallying, executing), refunding or burning their
 * deposits, within LEDGER_GOV_OBJECT_STEPS_MAX objects and LEDGER_GOV_ACCOUNT_STEPS_MAX
 * accounts. params are the block's, genesis the chain's genesis parameters. Errors are the
 * loads' (or CHR_ERR_FULL, a broken bound). */
CHR_WUR chr_err ledger_gov_end_block(ledger_overlay *o, const ledger_params *params,
                                     const ledger_params *genesis, uint64_t height,
                                     uint64_t time_ms);

/* A status change of a proposal (the gov_event object). */
typedef struct ledger_gov_event {
    uint64_t height;
    uint64_t id;
    uint8_t status;    /* ledger_gov_status: the one the proposal had at the block's end */
    uint16_t exec_err; /* a failed execution's chr_err; 0 */
} ledger_gov_event;

/* The gov_event object's natural key (16 bytes) and value (3) as read from the state:
 * CHR_ERR_STORE when they are not one (a wrong length or an unknown status). */
CHR_WUR chr_err ledger_gov_event_decode(ledger_gov_event *out, const uint8_t *natural,
                                        size_t natural_len, const uint8_t *value, size_t value_len);

/* The start of block height: when the upgrade plan is due at height, a build that knows
 * its name runs the upgrade's migration on t and clears the plan; one that does not gets
 * CHR_ERR_UPGRADE with why naming the upgrade and what to run. The load's errors. */
CHR_WUR chr_err ledger_gov_begin_block(ledger_objects *t, uint64_t height, char *why,
                                       size_t why_cap);
/* Whether this build knows the upgrade name (len bytes). */
int ledger_gov_upgrade_known(const char *name, size_t len);

#endif
