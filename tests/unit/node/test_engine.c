/* The node's chain engine end to end without HTTP: the writer thread, admission, the
 * consensus engine (solo: the only validator, no transport) and the ledger's block state
 * machine over a real LMDB store in a temporary directory. */
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/hash.h"
#include "genesis/genesis.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "node/chain.h"
#include "node/config.h"
#include "node/consensus.h"
#include "node/writer.h"
#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

#define TE_CHAIN "node-engine-test"
#define TE_FEE 1000u
#define TE_BALANCE 1000000000u

static void te_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int te_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A key pair from a label. */
static void te_key(ledger_signer *s, uint8_t sk[32], uint8_t pk[32], const char *label)
{
    chr_sha256_hash(sk, (const uint8_t *)label, strlen(label));
    CHR_ASSERT(ledger_signer_pubkey(s, pk, sk) == CHR_OK);
}

typedef struct te_node {
    node_chain *chain;
    node_consensus *engine;
    node_writer *writer;
} te_node;

static chr_err te_start(te_node *n, const char *dir, const genesis *g, const uint8_t val_sk[32])
{
    memset(n, 0, sizeof(*n));
    node_config cfg;
    node_config_default(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
    cfg.consensus_block_interval_ms = 20;
    node_chain_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.data_dir = cfg.data_dir;
    cc.map_size = (size_t)16 << 20;
    cc.mempool_txs_max = 1000;
    cc.mempool_bytes_max = 1 << 20;
    cc.verifier_threads = 1;
    cc.has_validator_key = 1;
    memcpy(cc.validator_sk, val_sk, 32);
    char err[256];
    chr_err e = node_chain_open(&n->chain, &cc, g, err, sizeof(err));
    if (e != CHR_OK) {
        fprintf(stderr, "open: %s\n", err);
        return e;
    }
    CHR_ASSERT(node_chain_sole_validator(n->chain));
    e = node_consensus_start(&n->engine, n->chain, &cfg, val_sk, val_sk, err, sizeof(err));
    e = e ? e : node_writer_start(&n->writer, n->chain, n->engine);
    return e;
}

static void te_stop(te_node *n)
{
    node_consensus_detach(n->engine);
    node_writer_stop(n->writer);
    node_chain_close(n->chain);
    node_consensus_free(n->engine);
}

static void te_done(void *arg)
{
    atomic_store((atomic_int *)arg, 1);
}

/* Submits one signed transfer; waits for the writer's verdict. */
static void te_submit(te_node *n, const uint8_t sk[32], const uint8_t from[32],
                      const uint8_t to[32], uint64_t nonce, rpc_tx_result *res)
{
    ledger_tx tx;
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, TE_CHAIN, from, nonce, TE_FEE, 0, NULL, 0) ==
               CHR_OK);
    memcpy(tx.body.transfer.to, to, 32);
    tx.body.transfer.amount = 5;
    ledger_signer *s;
    uint8_t seed[32] = {7};
    CHR_ASSERT(ledger_signer_new(&s, seed) == CHR_OK);
    uint8_t msg[32], aux[32] = {0};
    ledger_tx_sighash(&tx, msg);
    CHR_ASSERT(ledger_signer_sign(s, tx.sig, msg, sk, aux) == CHR_OK);
    ledger_signer_free(s);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_tx_encode(&tx, buf, sizeof(buf), &len) == CHR_OK);
    const uint8_t *txs[1] = {buf};
    size_t lens[1] = {len};
    atomic_int done = 0;
    node_chain_submit(n->chain, txs, lens, 1, res, te_done, &done);
    for (int i = 0; i < 500 && !atomic_load(&done); i++) {
        te_sleep_ms(10);
    }
    CHR_ASSERT(atomic_load(&done));
}

/* Proves a solo node commits submitted transfers through its consensus engine and the
 * ledger core on a real store (the only way blocks are made), refuses submissions once
 * stopping, and reopens at the same tip with the same balances. */
void test_node_solo_commits_and_reopens(void)
{
    char dir[] = "/tmp/chroom-node-engine-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    ledger_signer *s;
    uint8_t seed[32] = {1};
    CHECK_OK(ledger_signer_new(&s, seed));
    uint8_t val_sk[32], val_pk[32], a_sk[32], a_pk[32], b_sk[32], b_pk[32];
    te_key(s, val_sk, val_pk, "validator");
    te_key(s, a_sk, a_pk, "alice");
    te_key(s, b_sk, b_pk, "bob");
    ledger_signer_free(s);
    genesis g;
    genesis_init(&g);
    snprintf(g.chain_id, sizeof(g.chain_id), "%s", TE_CHAIN);
    g.genesis_time_ms = 1000;
    g.params.fee_transfer = TE_FEE;
    CHECK_OK(genesis_add_account(&g, a_pk, TE_BALANCE));
    CHECK_OK(ledger_valset_add(&g.validators, val_pk, 1));
    te_node n;
    CHECK_OK(te_start(&n, dir, &g, val_sk));
    rpc_tx_result res[3];
    for (uint64_t k = 0; k < 3; k++) {
        te_submit(&n, a_sk, a_pk, b_pk, k, &res[k]);
        CHECK(res[k].state == RPC_TX_PENDING);
    }
    /* Committed within a few block intervals, by the engine alone. */
    rpc_tx_result st;
    int committed = 0;
    for (int i = 0; i < 500 && committed < 3; i++) {
        te_sleep_ms(10);
        committed = 0;
        for (int k = 0; k < 3; k++) {
            node_chain_tx_status(n.chain, res[k].hash, &st);
            committed += st.state == RPC_TX_COMMITTED;
        }
    }
    CHECK(committed == 3);
    rpc_tip tip;
    node_chain_tip(n.chain, &tip);
    CHECK(tip.height >= 1 && tip.healthy && tip.txs_total == 3);
    /* An idle solo node makes no empty blocks. */
    te_sleep_ms(150);
    rpc_tip later;
    node_chain_tip(n.chain, &later);
    CHECK(later.height == tip.height);
    /* Stopping: the writer ends, and a later submission is refused at once. */
    node_consensus_detach(n.engine);
    node_writer_stop(n.writer);
    n.writer = NULL;
    rpc_tx_result refused;
    te_submit(&n, a_sk, a_pk, b_pk, 3, &refused);
    CHECK(refused.state == RPC_TX_REJECTED && refused.err == CHR_ERR_SHUTDOWN);
    node_chain_close(n.chain);
    node_consensus_free(n.engine);
    /* Reopened: the same tip, the transfers' effects, and the chain goes on. */
    CHECK_OK(te_start(&n, dir, &g, val_sk));
    node_chain_tip(n.chain, &later);
    CHECK(later.height == tip.height && memcmp(later.hash, tip.hash, 32) == 0);
    CHECK(memcmp(later.state_root, tip.state_root, 32) == 0);
    ledger_account acct;
    uint64_t pending;
    CHECK_OK(node_chain_account(n.chain, b_pk, &acct, &pending));
    CHECK(acct.balance == 15 && acct.nonce == 0);
    CHECK_OK(node_chain_account(n.chain, a_pk, &acct, &pending));
    CHECK(acct.balance == TE_BALANCE - 3 * (5 + TE_FEE) && acct.nonce == 3 && pending == 3);
    te_stop(&n);
    genesis_free(&g);
    CHECK(nftw(dir, te_rm, 16, FTW_DEPTH | FTW_PHYS) == 0);
}
