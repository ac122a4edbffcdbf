/* The chain engine of one node: the store, the ledger's block state machine, the mempool,
 * the queue of verified submissions and the tip. It calls no other part of the node: the
 * writer thread (node/writer.c) drives it, and the consensus engine (node/consensus.c)
 * calls it for blocks.
 *
 * Threads: the writer thread owns every write (STYLE.md: one thread owns ledger writes).
 * Any other thread submits through node_chain_submit, which decodes and verifies on the
 * caller's thread and the verifier pool, then hands the verified transactions to the
 * writer through a bounded queue; the writer calls back with its verdict, so no caller
 * ever sleeps on the writer. Reads (status, accounts, blocks) go straight to LMDB read
 * transactions. */
#ifndef NODE_CHAIN_H
#define NODE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "genesis/genesis.h"
#include "ledger/evidence.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "node/failed.h"
#include "node/limits.h"
#include "rpc/backend.h"

typedef struct node_chain_config {
    const char *data_dir;
    size_t map_size;
    size_t state_cache_bytes;     /* the state trie's cache of committed rows */
    uint64_t state_versions_kept; /* ledger_store_set_versions_kept */
    size_t mempool_txs_max;
    size_t mempool_bytes_max;
    unsigned verifier_threads; /* 0: one per core */
    unsigned verifier_nice;    /* node_verifier_new */
    int has_validator_key;
    uint8_t validator_sk[32];
} node_chain_config;

typedef struct node_chain node_chain;

/* Opens the data directory (creating the chain from g on first start, or checking that
 * the stored chain is g's) and opens the state trie, checking its root row against the
 * last header's state root (one row read, whatever the state's size). errmsg says what went wrong.
 * g is copied from; it may be freed. */
CHR_WUR chr_err node_chain_open(node_chain **out, const node_chain_config *cfg, const genesis *g,
                                char *errmsg, size_t errmsg_cap);
/* Closes all; the writer thread has stopped (node_writer_stop) or never started. */
void node_chain_close(node_chain *c);

/* Submits n encoded transactions (n <= NODE_SUBMIT_TXS_MAX) without waiting for the
 * writer (rpc_backend's submit): decodes, checks and verifies them on the caller's thread
 * and the verifier pool, then queues those that pass for the writer. results[i] says what
 * became of each once done(arg) is called, exactly once: on the caller's thread before
 * this returns when none needs the writer (all refused, the queue full, the node
 * stopping), else on the writer's thread, outside the engine's locks, right after it
 * admitted them. results must stay valid and untouched until then; txs may be freed when
 * this returns. done must be quick and must not block. Safe from any thread. */
void node_chain_submit(node_chain *c, const uint8_t *const *txs, const size_t *lens, size_t n,
                       rpc_tx_result *results, rpc_submit_done *done, void *arg);

/* Has fn(arg) called after every change of the tip (a committed block; the writer
 * stopping after a storage failure), on the writer's thread while it holds the tip's lock:
 * fn must be quick, must not block and must not call into the engine. One watcher at a
 * time; fn NULL ends the calls, and once that returns no call of the earlier fn runs or
 * will start. Safe from any thread. */
void node_chain_watch_tip(node_chain *c, rpc_tip_changed *fn, void *arg);

/* Transactions refused at admission since start, by error (rpc_backend's rejections):
 * writes at most cap counts and returns how many. Lock-free; safe from any thread. */
size_t node_chain_rejections(node_chain *c, rpc_count *out, size_t cap);

/* The status of a transaction by hash. */
void node_chain_tx_status(node_chain *c, const uint8_t hash[32], rpc_tx_result *out);

void node_chain_tip(node_chain *c, rpc_tip *out);

/* An account's committed state and its next nonce counting pending transactions. */
CHR_WUR chr_err node_chain_account(node_chain *c, const uint8_t addr[32], ledger_account *out,
                                   uint64_t *pending_nonce);

/* ---- The consensus engine's side (node/consensus.c). ---- */

/* Writer thread only. Sleeps until submissions are queued, node_chain_wake is called,
 * the monotonic time deadline_ms passes (0: no deadline) or the node stops; returns 0
 * when the node stops (the writer then ends), else 1. */
int node_chain_wait(node_chain *c, uint64_t deadline_ms);
/* A transaction just entered the mempool (from the API or a peer); tx is a view valid
 * during the call. */
typedef void node_chain_admitted_fn(void *ctx, const uint8_t *tx, size_t len);
/* Writer thread only. Admits the queued submissions into the mempool against the
 * committed state and finishes them; fn(ctx, ...) (may be NULL) is told of each
 * transaction admitted. */
void node_chain_admit(node_chain *c, node_chain_admitted_fn *fn, void *ctx);
/* Writer thread only. The writer stopped making blocks after err: /health and the status
 * say the node is unhealthy; reads and submissions go on. */
void node_chain_fail(node_chain *c, chr_err err);
/* Any thread: the writer's next node_chain_wait returns 0; submissions from now on are
 * refused with CHR_ERR_SHUTDOWN. */
void node_chain_stop(node_chain *c);
/* Writer thread, as it ends after node_chain_stop: answers what is still queued with
 * CHR_ERR_SHUTDOWN. */
void node_chain_refuse_queued(node_chain *c);

/* 1 when this node's validator key is the whole validator set: it decides alone. */
int node_chain_sole_validator(const node_chain *c);
/* Transactions in the mempool. Writer thread only. */
size_t node_chain_pending(const node_chain *c);
/* The consensus engine has input waiting: wakes the writer. Any thread. */
void node_chain_wake(node_chain *c);
/* Whether the node is behind its peers (GET /api/v1/status's syncing, /health). Any
 * thread. */
void node_chain_set_syncing(node_chain *c, int syncing);
/* The tip: height (0 at genesis), hash (the genesis hash at 0) and time. Any thread. */
void node_chain_last(node_chain *c, uint64_t *height, uint8_t hash[32], uint64_t *time_ms);
const char *node_chain_id(const node_chain *c);
const uint8_t *node_chain_genesis_hash(const node_chain *c);

/* Writer thread only. A block for height tip + 1 from the mempool, proposed by this node's
 * validator key at time >= now_ms (wall clock), into *out (malloc'ed). The state is left
 * as it was. CHR_ERR_NOMEM, CHR_ERR_STORE. */
CHR_WUR chr_err node_chain_propose(node_chain *c, uint64_t now_ms, uint8_t **out, size_t *out_len);
/* Writer thread only. After node_chain_propose failed with CHR_ERR_UPGRADE (a due software
 * upgrade this build does not know): the message naming it and what to run. */
const char *node_chain_upgrade_why(const node_chain *c);
/* Writer thread only. Whether bytes is a valid block on the tip: structure, header,
 * last commit, every transaction (signatures not yet verified by this node included) and
 * the state root; the state is left as it was. CHR_ERR_BLOCK_INVALID with why set;
 * CHR_ERR_STORE, CHR_ERR_NOMEM. */
CHR_WUR chr_err node_chain_check_block(node_chain *c, const uint8_t *bytes, size_t len, char *why,
                                       size_t why_cap);
/* Writer thread only. Applies and stores a decided block with its commit, settles the
 * mempool and publishes the new tip. Any error is fatal for the chain (a decided block
 * that does not apply means more than 1/3 of the power lied, or a bug). */
CHR_WUR chr_err node_chain_commit_block(node_chain *c, const uint8_t *bytes, size_t len,
                                        const ledger_commit *commit, char *why, size_t why_cap);
/* Writer thread only. A precommit of the tip's block that came after it was decided joins
 * the tip's commit, which the next block this node proposes carries
 * (ledger_chain_commit_extend, and its errors: CHR_ERR_ARG when it does not belong there,
 * CHR_ERR_COMMIT when its signature does not verify). */
CHR_WUR chr_err node_chain_commit_extend(node_chain *c, uint64_t height, uint32_t round,
                                         const uint8_t block_hash[32], const uint8_t validator[32],
                                         const uint8_t sig[64]);

/* Writer thread only. Takes evidence of double signing for the next blocks this node
 * proposes: CHR_OK when it is new and valid (both signatures verified, here unless
 * `verified` says the caller did, from a validator,
 * of the height being decided or an earlier one within LEDGER_EVIDENCE_AGE_MAX);
 * CHR_ERR_DUPLICATE when held or
 * committed already; CHR_ERR_EVIDENCE (why set) when invalid; CHR_ERR_FULL when the pool
 * holds only newer evidence; CHR_ERR_STORE. A proposal carries what the pool holds (up to
 * LEDGER_BLOCK_EVIDENCE_MAX); a committed block's evidence leaves it. The pool is the
 * ledger's (ledger/chain.h, ledger/evidence_pool.h). */
CHR_WUR chr_err node_chain_add_evidence(node_chain *c, const ledger_evidence *ev, int verified,
                                        char *why, size_t why_cap);

ledger_store *node_chain_store(node_chain *c);
/* The genesis parameters: constant, any thread. Those of the next block change with
 * governance: rpc_tip's params (the writer publishes them with each tip). */
const ledger_params *node_chain_params(const node_chain *c);
/* The set that signs the next block (the writer's: the writer thread only). */
const ledger_valset *node_chain_validators(const node_chain *c);
/* The set that signs height (0: the next block, tip + 1), from the committed state, for any
 * thread: the genesis set until the staking rules stored one (ledger/staking.h).
 * *at_height is the height it answers for. CHR_ERR_NOT_FOUND for a height past tip + 2 (not
 * decided yet); CHR_ERR_STORE. */
CHR_WUR chr_err node_chain_validators_at(node_chain *c, uint64_t height, ledger_valset *out,
                                         uint64_t *at_height);

#endif
