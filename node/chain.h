/* The chain engine of one node: the store, the state trie, the mempool, and the writer
 * thread that admits transactions and produces, signs and commits blocks.
 *
 * Threads: the writer thread owns every write (STYLE.md: one thread owns ledger writes).
 * Any other thread submits through node_chain_submit, which decodes and verifies on the
 * caller's thread and the verifier pool, then hands the verified transactions to the
 * writer through a bounded queue and waits for its verdict. Reads (status, accounts,
 * blocks) go straight to LMDB read transactions. */
#ifndef NODE_CHAIN_H
#define NODE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "genesis/genesis.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "node/failed.h"
#include "rpc/backend.h"

/* Transactions waiting in the writer's queue: beyond this, submissions get
 * CHR_ERR_QUEUE_FULL (503) instead of piling up memory and latency. */
#define NODE_QUEUE_TXS_MAX 50000
/* Transactions in one submission (the API's batch limit is at most this). */
#define NODE_SUBMIT_TXS_MAX 1000

typedef struct node_chain_config {
    const char *data_dir;
    size_t map_size;
    uint64_t block_interval_ms;
    uint64_t empty_block_interval_ms; /* 0: no empty blocks */
    size_t mempool_txs_max;
    size_t mempool_bytes_max;
    unsigned verifier_threads;        /* 0: one per core */
    int has_validator_key;
    uint8_t validator_sk[32];
} node_chain_config;

typedef struct node_chain node_chain;

/* Opens the data directory (creating the chain from g on first start, or checking that
 * the stored chain is g's), rebuilds the state trie and checks it against the last
 * header's state root. errmsg says what went wrong. g is copied from; it may be freed. */
CHR_WUR chr_err node_chain_open(node_chain **out, const node_chain_config *cfg,
                                const genesis *g, char *errmsg, size_t errmsg_cap);
/* Starts the writer thread. */
CHR_WUR chr_err node_chain_start(node_chain *c);
/* Stops the writer thread (pending submissions get CHR_ERR_SHUTDOWN) and closes all. */
void node_chain_close(node_chain *c);

/* Submits n encoded transactions (n <= NODE_SUBMIT_TXS_MAX); results[i] says what became
 * of each. With wait_ms > 0, waits up to that long for the admitted ones to be committed
 * or fail. Safe from any thread. */
void node_chain_submit(node_chain *c, const uint8_t *const *txs, const size_t *lens, size_t n,
                       uint64_t wait_ms, rpc_tx_result *results);

/* Waits up to timeout_ms for the tip to reach height: 1 when it has, 0 on timeout or after
 * node_chain_end_waits. */
int node_chain_wait_height(node_chain *c, uint64_t height, uint64_t timeout_ms);

/* Ends every ?wait=commit wait now (their results stay pending); for a clean stop. */
void node_chain_end_waits(node_chain *c);

/* Transactions refused at admission since start, by error (rpc_backend's rejections):
 * writes at most cap counts and returns how many. Lock-free; safe from any thread. */
size_t node_chain_rejections(node_chain *c, rpc_count *out, size_t cap);

/* The status of a transaction by hash. */
void node_chain_tx_status(node_chain *c, const uint8_t hash[32], rpc_tx_result *out);

void node_chain_tip(node_chain *c, rpc_tip *out);

/* An account's committed state and its next nonce counting pending transactions. */
CHR_WUR chr_err node_chain_account(node_chain *c, const uint8_t addr[32], ledger_account *out,
                                   uint64_t *pending_nonce);

ledger_store *node_chain_store(node_chain *c);
const ledger_params *node_chain_params(const node_chain *c);
const ledger_valset *node_chain_validators(const node_chain *c);

#endif
