/* The block state machine: the chain's rules for a block, as functions over explicit
 * inputs. It drafts a block from pending transactions, checks a proposed block (header,
 * last commit, evidence, every transaction, the state root), applies a decided block and
 * advances the tip, and keeps the evidence pool. The node (node/chain.c), the consensus
 * simulator (tests/sim) and the unit tests drive the same code.
 *
 * Inputs:
 * - the committed state, through a view (ledger_chain_view): the accounts and state
 *   objects as of the tip,
 *   the state trie's rows (ledger/trie.h) and whether an offence was committed. The caller
 *   makes the view answer from one committed snapshot for the duration of each call that
 *   takes the view (state_open, set_tip, propose, check, apply_decided, evidence_add); it
 *   is called only inside those calls;
 * - the chain id, parameters and genesis validator set (copied at creation); the sets of
 *   later heights come from the staking objects of the committed state;
 * - time, signatures' verification status and pending transactions as arguments.
 * Outputs: encoded blocks, verdicts with a reason, and a description of each applied block
 * (its changed accounts and objects, index rows, evidence and state trie rows) that the caller
 * writes out in one store transaction before it calls ledger_chain_commit_done.
 *
 * A block applied by propose or by a successful check stays applied ("prepared") as the
 * trie's pending version: deciding that same block applies nothing again; any other call
 * that needs the trie rolls it back first.
 *
 * Deterministic core: no locks, no LMDB, no clock, no randomness. Not thread-safe: one
 * thread (the node's writer) owns a chain. */
#ifndef LEDGER_CHAIN_H
#define LEDGER_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/block.h"
#include "ledger/evidence.h"
#include "ledger/evidence_pool.h"
#include "ledger/mempool.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/state.h"
#include "ledger/trie.h"
#include "ledger/valset.h"

typedef struct ledger_chain_view {
    void *ctx;
    /* The committed account at addr (all zeros when never seen). An error aborts the call. */
    ledger_account_load_fn account;
    /* Whether the offence named by key is in a committed block: CHR_OK and *committed 0 or
     * 1; any error aborts the call. */
    chr_err (*evidence_committed)(void *ctx, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES],
                                  int *committed);
    /* The state trie's committed rows: ledger_trie_source's seek, called with ctx. */
    chr_err (*trie_seek)(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                         uint8_t id_out[LEDGER_TRIE_ID_BYTES], uint8_t val[LEDGER_TRIE_VALUE_MAX],
                         size_t *val_len);
    /* The committed state objects (ledger/objects.h): a load by kind and natural key, and
     * the next in scan order. An error aborts the call. */
    ledger_object_load_fn object;
    ledger_object_scan_fn object_scan;
} ledger_chain_view;

typedef struct ledger_chain_config {
    const char *chain_id; /* valid (ledger_chain_id_valid); copied */
    ledger_params params;
    ledger_valset validators;
    uint8_t genesis_hash[32]; /* the tip's hash at height 0 */
    uint64_t genesis_time_ms; /* the tip's time at height 0 */
    ledger_chain_view view;
    size_t state_cache_bytes; /* the state trie's cache of committed rows */
} ledger_chain_config;

/* A transaction the draft could not apply: it leaves the mempool with this reason. */
typedef struct ledger_chain_failure {
    const ledger_mempool_entry *entry; /* valid until the mempool changes */
    chr_err err;
    char detail[LEDGER_DETAIL_MAX];
} ledger_chain_failure;

/* What an applied block changes, for the store (ledger_store_write): views into the chain,
 * valid until the next call on it. */
typedef struct ledger_chain_applied {
    const ledger_block *block; /* decoded; its txs point into the caller's bytes */
    const uint8_t *hash;       /* the header hash */
    const uint8_t (*tx_hashes)[32];
    const uint8_t (*tx_from)[32];
    const uint8_t (*tx_to)[32];    /* the counterparty, else the sender */
    const ledger_overlay *changes; /* accounts, and objects (ledger_overlay_objects) */
    const ledger_evidence *evidence;
    uint16_t evidence_len;
    ledger_trie *trie; /* its pending changes: ledger_trie_changes */
} ledger_chain_applied;

/* Is the transaction with this hash one whose signature the caller verified already (its
 * mempool's)? Those are not verified again when a block carries them. */
typedef int ledger_chain_known_fn(void *ctx, const uint8_t hash[32]);

typedef struct ledger_chain ledger_chain;

/* A chain at genesis (height 0, an empty trie) with scratch for the largest block of
 * cfg->params. CHR_ERR_ARG (an invalid chain id or parameters), CHR_ERR_NOMEM. The caller
 * owns *out and frees it with ledger_chain_free. */
CHR_WUR chr_err ledger_chain_new(ledger_chain **out, const ledger_chain_config *cfg);
void ledger_chain_free(ledger_chain *ch);

/* ---- Opening: the committed state and tip, before any block. ---- */

/* Takes the view's trie rows as the committed state whose root is root (at height 0: the
 * genesis accounts' root), reading one row (ledger_trie_open). CHR_ERR_STATE_ROOT when
 * they are not; CHR_ERR_STORE (damaged rows) or the view's error. */
CHR_WUR chr_err ledger_chain_state_open(ledger_chain *ch, const uint8_t root[32]);
/* The state root of the committed trie. */
void ledger_chain_state_root(ledger_chain *ch, uint8_t out[32]);
/* Sets the tip to block h (hash computed) with its commit and opens the state at h's
 * state root (ledger_chain_state_open's errors). */
CHR_WUR chr_err ledger_chain_set_tip(ledger_chain *ch, const ledger_header *h,
                                     const ledger_commit *commit);

/* The tip: height (0 at genesis), hash (the genesis hash at 0), time, and its header
 * (zero at genesis). */
void ledger_chain_tip(const ledger_chain *ch, uint64_t *height, uint8_t hash[32],
                      uint64_t *time_ms);
const ledger_header *ledger_chain_tip_header(const ledger_chain *ch);
const char *ledger_chain_id(const ledger_chain *ch);
const ledger_params *ledger_chain_params(const ledger_chain *ch);
/* The validator set that signs the block after the tip (tip + 1): the genesis set until
 * the staking rules store one (a set decided by block h signs from h + 2; ledger/staking.h).
 * It and the sets of the tip and of tip + 2 (the header's next_validators_hash) are read
 * from the committed state when the state opens, and move on with each committed block. */
const ledger_valset *ledger_chain_validators(const ledger_chain *ch);
/* The set that signed the tip's commit (the tip's own height). */
const ledger_valset *ledger_chain_tip_validators(const ledger_chain *ch);

/* ---- Blocks. ---- */

/* Drafts the block at tip + 1 proposed by `proposer` (a validator) at time now_ms, or
 * just after the tip's time if the clock is behind it: the pool's evidence of earlier
 * heights, then mp's transactions in arrival order until a block limit, each applied; those
 * that fail are left out and listed (ledger_chain_failures). *out is the encoded block
 * (malloc'ed, the caller frees it), applied and prepared. CHR_ERR_NOMEM, or the view's
 * error; nothing stays applied on an error. */
CHR_WUR chr_err ledger_chain_propose(ledger_chain *ch, const ledger_mempool *mp, uint64_t now_ms,
                                     const uint8_t proposer[32], uint8_t **out, size_t *out_len);
/* After a propose, check or apply that failed with CHR_ERR_UPGRADE: the message naming the
 * upgrade and what to run; "" otherwise. Valid until the next call on ch. */
const char *ledger_chain_upgrade_why(const ledger_chain *ch);
/* The transactions the last propose left out, with their reasons; valid until the next
 * call on ch. */
const ledger_chain_failure *ledger_chain_failures(const ledger_chain *ch, size_t *n);
/* Transactions in the prepared block (0 when none is prepared). */
uint32_t ledger_chain_prepared_txs(const ledger_chain *ch);
/* Rolls back the prepared block, if any. */
void ledger_chain_abandon(ledger_chain *ch);

/* Whether bytes is a valid next block on the tip: it decodes, its header follows the tip
 * (chain id, height, previous hash, time after the tip's, validator set, proposer in the
 * set, transaction limits, last commit present from height 2 and verified against the set),
 * its evidence may be committed at its height and was not before (signatures verified
 * except for evidence pooled here byte for byte), every transaction passes its checks
 * (signatures verified except for those known(known_ctx, hash) says were) and applies, and
 * the state root matches. On success the block stays prepared. CHR_ERR_BLOCK_INVALID with
 * why set; the view's error; CHR_ERR_NOMEM. known may be NULL (verify all). */
CHR_WUR chr_err ledger_chain_check(ledger_chain *ch, const uint8_t *bytes, size_t len,
                                   ledger_chain_known_fn *known, void *known_ctx, char *why,
                                   size_t why_cap);

/* Applies a decided block (decided by more than 2/3 of the power, so its last commit's
 * signatures are not verified again; its header is checked) unless it is the prepared one,
 * and describes it in *out for the store. bytes must stay valid until commit_done. Any
 * error is fatal for the chain: CHR_ERR_BLOCK_INVALID (why set), CHR_ERR_STATE_ROOT, the
 * view's error; nothing stays applied then. */
CHR_WUR chr_err ledger_chain_apply_decided(ledger_chain *ch, const uint8_t *bytes, size_t len,
                                           ledger_chain_applied *out, char *why, size_t why_cap);
/* After apply_decided: stored 1 when the caller wrote the block with commit, which
 * becomes the tip (the trie keeps the changes; the block's evidence leaves the pool);
 * stored 0 rolls the block back. */
void ledger_chain_commit_done(ledger_chain *ch, const ledger_commit *commit, int stored);
/* Adds a precommit that came after the tip was decided to the tip's commit, which the next
 * block drafted here carries as its last_commit: a validator a little slower than the
 * quorum still counts as a signer for the rewards and the downtime rule, as the pause
 * before the next height means (Tendermint's timeout_commit; docs/CONSENSUS.md "Heights").
 * The vote (height, round, block_hash, validator, sig) must be a precommit of the tip's
 * block in its commit's round by a member of the tip's set (ledger_chain_tip_validators)
 * not yet in the commit: CHR_ERR_ARG otherwise (nothing changes); CHR_ERR_COMMIT when its
 * signature does not verify. The signatures stay in key order. Writer thread. */
CHR_WUR chr_err ledger_chain_commit_extend(ledger_chain *ch, uint64_t height, uint32_t round,
                                           const uint8_t block_hash[32],
                                           const uint8_t validator[32], const uint8_t sig[64]);

/* ---- Evidence. ---- */

/* Takes evidence of double signing for the next blocks: CHR_OK when it is new and valid
 * (from a validator, of the height being decided (tip + 1) or an earlier one within
 * LEDGER_EVIDENCE_AGE_MAX, both signatures verified here unless `verified` says the caller
 * did); CHR_ERR_DUPLICATE when pooled or committed already; CHR_ERR_EVIDENCE (why set) when
 * invalid; CHR_ERR_FULL when the pool holds only newer evidence; the view's error. The
 * cheap rules and the committed lookup come before the signatures: resent committed
 * evidence costs a lookup, not two verifications. */
CHR_WUR chr_err ledger_chain_evidence_add(ledger_chain *ch, const ledger_evidence *ev, int verified,
                                          char *why, size_t why_cap);
const ledger_evidence_pool *ledger_chain_evidence_pool(const ledger_chain *ch);

#endif
