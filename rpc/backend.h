/* What the REST server needs from the node, and the shapes it gets back. The node
 * (node/chain.h) implements these; rpc never includes node headers. */
#ifndef RPC_BACKEND_H
#define RPC_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/limits.h"
#include "ledger/params.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "ledger/valset.h"

#define RPC_DETAIL_MAX 160
/* Distinct reasons the node may report rejections for: one per chr_err code at most
 * (CHR_ERR_LIST has 68; a node's metrics keep a counter per code). */
#define RPC_REJECTION_REASONS_MAX 128

/* How many times something happened for one error code (GET /metrics). */
typedef struct rpc_count {
    chr_err err;
    uint64_t count;
} rpc_count;

typedef enum rpc_tx_state {
    RPC_TX_UNKNOWN = 0,
    RPC_TX_PENDING = 1,
    RPC_TX_COMMITTED = 2,
    RPC_TX_FAILED = 3,  /* admitted, then could not apply */
    RPC_TX_REJECTED = 4 /* never admitted: err says why */
} rpc_tx_state;

typedef struct rpc_tx_result {
    uint8_t hash[32];
    int has_hash; /* 0 when the bytes did not decode */
    rpc_tx_state state;
    uint64_t height;
    uint32_t index;
    chr_err err;
    char detail[RPC_DETAIL_MAX];
} rpc_tx_result;

typedef struct rpc_tip {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint8_t genesis_hash[32];
    uint64_t height;
    uint8_t hash[32]; /* the genesis hash at height 0 */
    uint64_t time_ms; /* the genesis time at height 0 */
    uint8_t state_root[32];
    uint64_t txs_total;
    size_t mempool_txs;
    size_t mempool_bytes;
    int healthy; /* 0 after a storage failure stopped the writer */
    /* Monotonic ms when this node's tip last changed (or it started). */
    uint64_t changed_ms;
    int syncing; /* 1 while a peer reports a chain more than a block ahead */
    /* The chain's parameters for the next block: governance changes them (the state's
     * object, docs/PROTOCOL.md "Parameters as state"). */
    ledger_params params;
} rpc_tip;

/* Told that a submission's results are final (rpc_backend's submit). */
typedef void rpc_submit_done(void *arg);
/* Told that the tip changed (rpc_backend's watch_tip). */
typedef void rpc_tip_changed(void *arg);

typedef struct rpc_backend {
    void *ctx;
    /* Submits n encoded transactions without waiting for the node's writer: decodes and
     * verifies them on the calling thread (the costly part), queues those that pass, and
     * returns. done(arg) is called exactly once, when every results[i] is final for
     * admission (pending, committed, failed or rejected): on the calling thread before
     * submit returns when none needed the writer, else later on another thread. results
     * must stay valid and untouched until then; txs need not outlive the call. done must
     * be quick and must not block. */
    void (*submit)(void *ctx, const uint8_t *const *txs, const size_t *lens, size_t n,
                   rpc_tx_result *results, rpc_submit_done *done, void *arg);
    void (*tx_status)(void *ctx, const uint8_t hash[32], rpc_tx_result *out);
    void (*tip)(void *ctx, rpc_tip *out);
    /* The committed account and the next nonce after its pending transactions:
     * CHR_ERR_STATE_ROOT when its stored record is damaged (500), else CHR_ERR_STORE when
     * the store cannot be read now (503). */
    chr_err (*account)(void *ctx, const uint8_t addr[32], ledger_account *out,
                       uint64_t *pending_nonce);
    /* Has fn(arg) called after every change of the tip (a committed block, the writer
     * stopping after a storage failure), on the node's writer thread while it holds the
     * tip's lock: fn must be quick, must not block and must not call the backend. fn NULL
     * ends the calls: once that returns, no call of the earlier fn runs or will start. */
    void (*watch_tip)(void *ctx, rpc_tip_changed *fn, void *arg);
    /* Transactions refused at admission since start, by error: writes at most cap counts
     * (every reason admission can give, zero or not, and any other that happened) and
     * returns how many. */
    size_t (*rejections)(void *ctx, rpc_count *out, size_t cap);
    ledger_store *store; /* blocks and transactions are read straight from it */
    /* The genesis parameters (the state's, for the next block, are rpc_tip's params). */
    const ledger_params *params;
    /* The validator set that signs height (0: the next block), copied: *at_height is that
     * height. CHR_ERR_NOT_FOUND past the heights decided (tip + 2); CHR_ERR_STORE. */
    chr_err (*validators)(void *ctx, uint64_t height, ledger_valset *out, uint64_t *at_height);
    uint64_t supply; /* total supply: genesis balances, conserved by transfers */
    /* /health answers 503 stalled when the tip has not changed for longer than this (a
     * chain that should make blocks, empty or not, has made none); 0: never. */
    uint64_t stall_ms;
} rpc_backend;

#endif
