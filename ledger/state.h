/* Accounts and the state transition of transactions (docs/PROTOCOL.md, "Applying a
 * transaction"). Deterministic: the committed state comes in through a load callback
 * (the node's LMDB store, a test's table), and a block's changes collect in an overlay
 * that the caller then writes out in one store transaction.
 *
 * An overlay is owned by one thread at a time. */
#ifndef LEDGER_STATE_H
#define LEDGER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "common/hash.h"
#include "ledger/params.h"
#include "ledger/tx.h"

typedef struct ledger_account {
    uint64_t balance;
    uint64_t nonce; /* the nonce its next transaction must carry */
} ledger_account;

#define LEDGER_ACCOUNT_BYTES 16

/* Canonical encoding: u64 balance, u64 nonce. */
void ledger_account_encode(uint8_t out[LEDGER_ACCOUNT_BYTES], const ledger_account *a);
CHR_WUR chr_err ledger_account_decode(ledger_account *out, const uint8_t *in, size_t in_len);
/* The value hash committed in the state trie: SHA256(encoding). */
void ledger_account_hash(uint8_t out[CHR_HASH_LEN], const ledger_account *a);

/* The kinds of object under the state root (docs/PROTOCOL.md, "State keys"). An account's
 * key is its x-only public key; every other kind's is SHA256(u8 kind || natural key). The
 * kinds after accounts are reserved here for the issues that add them. */
typedef enum ledger_state_kind {
    LEDGER_STATE_ACCOUNT = 0x01,
    LEDGER_STATE_VALIDATOR = 0x02,
    LEDGER_STATE_DELEGATION = 0x03,
    LEDGER_STATE_UNBONDING = 0x04,
    LEDGER_STATE_MEDIA_NODE = 0x05,
    LEDGER_STATE_MEETING = 0x06,
    LEDGER_STATE_PROPOSAL = 0x07,
    LEDGER_STATE_VOTE = 0x08,
    /* Staking's (ledger/staking.h). */
    LEDGER_STATE_REDELEGATION = 0x09,
    LEDGER_STATE_GLOBAL = 0x0a,   /* singletons: the staking pools ("staking") */
    LEDGER_STATE_VALSET = 0x0b,   /* the validator set from a height on */
    LEDGER_STATE_POWER = 0x0c,    /* validators by bonded stake: the set's index */
    LEDGER_STATE_CONS_KEY = 0x0d, /* consensus key -> operator: keys are unique */
    /* Rewards' (ledger/distribution.h) and slashing's (ledger/slashing.h). */
    LEDGER_STATE_VAL_REWARDS = 0x0e,  /* a validator's reward period and amounts */
    LEDGER_STATE_REWARD_RATIO = 0x0f, /* a validator's cumulative reward per share */
    LEDGER_STATE_SIGNING = 0x10,      /* a validator's missed-block bits */
    /* The media tier's own (ledger/media.h, ledger/meetings.h); 0x09..0x10 are staking's and
       rewards'. */
    LEDGER_STATE_MEETING_PARTICIPANTS = 0x11, /* natural: meeting id */
    LEDGER_STATE_MEDIA_REGION = 0x12,         /* natural: region || 0x00 || node key */
    LEDGER_STATE_MEDIA_LOAD = 0x13,           /* natural: node key || u64 end_ms || meeting id */
    LEDGER_STATE_MEETING_PARAMS = 0x14,       /* natural: empty */
    LEDGER_STATE_MEETING_BY_PAYER = 0x15,     /* natural: payer || meeting id */
    LEDGER_STATE_MEETING_BY_HOST = 0x16,      /* natural: host || 0x00 || meeting id */
    /* Slashing's record of what a block's end did (ledger/slashing.h). */
    LEDGER_STATE_SLASH_RECORD = 0x17, /* natural: u64 height || u16 index */
    /* Settlement (ledger/settle.h); 0x18..0x1f are governance's. */
    LEDGER_STATE_MEETING_CLAIM = 0x28,      /* natural: meeting id || u8 index */
    LEDGER_STATE_MEETING_SETTLEMENT = 0x29, /* natural: meeting id */
    LEDGER_STATE_SETTLE_DUE = 0x2a,         /* natural: u64 due_ms || meeting id */
    LEDGER_STATE_SETTLE_PARAMS = 0x2b,      /* natural: empty */
    /* Governance's (ledger/gov.h, ledger/gov_params.h); proposals and votes are 0x07, 0x08. */
    LEDGER_STATE_CHAIN_PARAMS = 0x18, /* natural: empty; absent: the genesis parameters */
    LEDGER_STATE_GOV_PARAMS = 0x19,   /* natural: empty; absent: the defaults */
    LEDGER_STATE_GOV_DEPOSIT = 0x1a,  /* natural: u64 proposal id || depositor */
    LEDGER_STATE_GOV_QUEUE = 0x1b,    /* natural: u64 end_ms || u64 proposal id */
    LEDGER_STATE_GOV_GLOBAL = 0x1c,   /* natural: empty; the next id, escrow, burned */
    LEDGER_STATE_UPGRADE_PLAN = 0x1d, /* natural: empty; the scheduled software upgrade */
    LEDGER_STATE_GOV_EVENT = 0x1e,    /* natural: u64 height || u64 proposal id */
} ledger_state_kind;

/* The most bytes of a natural key: a vote's is u64 proposal id and a voter (40), a
 * delegation's two keys (64); room for a height after them. */
#define LEDGER_STATE_NATURAL_KEY_MAX 96

/* The state trie key of the object of `kind` named by natural (len bytes; an account's is
 * its 32-byte key, which is its trie key as it is). len over LEDGER_STATE_NATURAL_KEY_MAX,
 * or an account's not 32, is a broken invariant (asserted). */
void ledger_state_key(uint8_t out[32], ledger_state_kind kind, const uint8_t *natural, size_t len);

/* Loads the committed account at addr into *out; a never-seen address is all zeros and
 * CHR_OK. Any error aborts the block being applied. */
typedef chr_err (*ledger_account_load_fn)(void *ctx, const uint8_t addr[32], ledger_account *out);

typedef struct ledger_overlay ledger_overlay;

/* An overlay for up to entries_max changed accounts (a block changes at most
 * 2 * txs + 1). CHR_ERR_NOMEM. */
CHR_WUR chr_err ledger_overlay_new(ledger_overlay **out, size_t entries_max,
                                   ledger_account_load_fn load, void *load_ctx);
void ledger_overlay_free(ledger_overlay *o);
/* Forgets every change (start of a block, or after a failed one). */
void ledger_overlay_reset(ledger_overlay *o);
/* The account as the overlay sees it: changed, else committed. */
CHR_WUR chr_err ledger_overlay_get(ledger_overlay *o, const uint8_t addr[32], ledger_account *out);
/* Records a change. CHR_ERR_FULL past entries_max. */
CHR_WUR chr_err ledger_overlay_put(ledger_overlay *o, const uint8_t addr[32],
                                   const ledger_account *a);
/* The block's object changes (ledger/objects.h) ride with its accounts: attach sets the
 * table o carries (NULL: none; not owned, it must outlive o's use), which ledger_overlay_reset
 * resets too; ledger_overlay_objects gives it (NULL when none is attached). */
typedef struct ledger_objects ledger_objects;
void ledger_overlay_attach_objects(ledger_overlay *o, ledger_objects *objects);
ledger_objects *ledger_overlay_objects(const ledger_overlay *o);
/* Changed accounts in the order first changed: for the store and the state trie. */
size_t ledger_overlay_len(const ledger_overlay *o);
void ledger_overlay_at(const ledger_overlay *o, size_t i, const uint8_t **addr, ledger_account *a);

/* How many of the n addresses (a repeat counted once) have no entry in o yet: what a
 * change of those accounts would add to ledger_overlay_len. */
size_t ledger_overlay_missing(const ledger_overlay *o, const uint8_t *const *addrs, size_t n);
/* Entries o can still take. */
size_t ledger_overlay_room(const ledger_overlay *o);
/* Adds amount to addr's balance (an overflow is a broken invariant: the supply fits a u64
 * and is conserved). CHR_ERR_FULL, or the load callback's error. */
CHR_WUR chr_err ledger_overlay_credit(ledger_overlay *o, const uint8_t addr[32], uint64_t amount);

/* Where a transaction is applied: the block's height, proposer (who receives fees), time
 * (the header's), the chain's parameters (NULL only for transfers: ledger_tx_apply) and
 * the previous block's hash (a seed no single submitter controls, for meetings; all zeros
 * through ledger_tx_apply). */
typedef struct ledger_apply_env {
    uint64_t height;
    const uint8_t *proposer; /* 32 bytes */
    uint64_t time_ms;
    const ledger_params *params;
    const uint8_t *prev_hash; /* 32 bytes; NULL reads as all zeros */
} ledger_apply_env;

/* Applies a transaction that already passed ledger_tx_check and whose signature was
 * verified, at block `height` proposed by `proposer` (who receives the fee). The rules
 * every type shares, each with its own error and a `detail` for people: not expired
 * (CHR_ERR_EXPIRED), the exact next nonce (CHR_ERR_NONCE, "nonce: expected 7, got 9");
 * then the type's own (ledger/tx_types.h; a transfer: CHR_ERR_BALANCE). On these, and on
 * CHR_ERR_FULL, the overlay is unchanged. An error of the load callback may leave it half
 * changed: the caller abandons the block and resets it. */
CHR_WUR chr_err ledger_tx_apply(ledger_overlay *o, const ledger_tx *tx, uint64_t height,
                                const uint8_t proposer[32], char *detail, size_t detail_cap);
/* The same in a full environment (env->params set): what a block applies, every type. The
 * staking types need the overlay's object table (ledger_overlay_attach_objects). */
CHR_WUR chr_err ledger_tx_apply_env(ledger_overlay *o, const ledger_tx *tx,
                                    const ledger_apply_env *env, char *detail, size_t detail_cap);

#endif
