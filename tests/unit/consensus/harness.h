/* The consensus tests' harness: four validators with fixed keys, a tiny deterministic
 * application, signed messages made by hand, a one-line summary of a core's actions, and a
 * small in-memory network of cores for the scenarios that run several of them.
 *
 * Keys: node i is validator i of the set (the keys are sorted by public key), power 1 each
 * unless a test builds another set with h_valset_powers. The proposer of (height, round)
 * in the equal-power set is validator (height + round) mod 4.
 *
 * Blocks: u64 height | u64 time_ms | u32 tag | u8 valid (21 bytes); the id is SHA-256 of
 * the bytes. A node's app proposes (height, max(now, last time + 1), 16 * round + node, 1)
 * and names it "P<node>r<round>" in the summaries; tests name their own blocks. */
#ifndef CHR_TEST_CONS_HARNESS_H
#define CHR_TEST_CONS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/core.h"
#include "consensus/msg.h"
#include "ledger/sig.h"
#include "ledger/valset.h"

#define H_N 4
#define H_CHAIN "cons-test-1"
#define H_BLOCK_BYTES 21
/* The test config's timeouts: base + delta * round. */
#define H_PROPOSE_MS 1000
#define H_PROPOSE_DELTA_MS 100
#define H_PREVOTE_MS 500
#define H_PREVOTE_DELTA_MS 50
#define H_PRECOMMIT_MS 700
#define H_PRECOMMIT_DELTA_MS 70
/* How far a block's time may be ahead of the local clock for the app's timely(). */
#define H_DRIFT_MS 500

/* The binary's signer and the four validators' keys (node i = set index i). */
ledger_signer *h_signer(void);
const uint8_t *h_sk(int i);
const uint8_t *h_pub(int i);
/* The set of the four keys, power 1 each. */
const ledger_valset *h_vals(void);
/* A set of the first n keys (n <= H_N) with the given powers. */
void h_valset_powers(ledger_valset *out, const uint64_t *powers, size_t n);
/* A deterministic key outside the set (index >= 100 gives other keys). */
void h_key(uint8_t sk[32], uint8_t pub[32], uint32_t index);

/* Blocks of the tests' application. */
void h_block(uint8_t out[H_BLOCK_BYTES], uint64_t height, uint64_t time_ms, uint32_t tag,
             int valid);
void h_block_id(uint8_t id[32], const uint8_t *block, size_t len);
/* Names a block id in the summaries (a copy of name is kept; at most 15 characters). */
void h_name(const uint8_t id[32], const char *name);

typedef struct h_app {
    int node;        /* for the proposals' tags and names */
    uint64_t height; /* committed height */
    uint64_t last_time_ms;
    int proposals; /* propose() calls */
} h_app;

void h_app_init(h_app *a, int node);
cons_app h_app_callbacks(h_app *a);

/* A core for node (0..H_N-1; -1: a full node with no key) at height 1 of h_vals(), begun
 * but not run. Aborts on failure (a setup error). */
cons_core *h_core(h_app *app, int node);
/* The same with another set and start height. */
cons_core *h_core_at(h_app *app, int node, const ledger_valset *vals, uint64_t height);

/* A signed vote of validator key index i (nil when id is NULL), encoded; returns its length
 * (CONS_VOTE_BYTES). sk may be given instead of an index with h_vote_sk. */
size_t h_vote(uint8_t out[CONS_VOTE_BYTES], int i, int type, uint64_t height, uint32_t round,
              const uint8_t *id);
size_t h_vote_sk(uint8_t out[CONS_VOTE_BYTES], const uint8_t sk[32], int type, uint64_t height,
                 uint32_t round, const uint8_t *id);
/* A signed proposal of block by validator i, encoded into a malloc'ed buffer. */
uint8_t *h_proposal(size_t *len, int i, uint64_t height, uint32_t round, uint32_t pol_round,
                    const uint8_t *block, size_t block_len);
/* A commit of block id at (height, round) signed by the validators whose bit is set. */
void h_commit(ledger_commit *out, unsigned signers, uint64_t height, uint32_t round,
              const uint8_t id[32]);

/* A one-line summary of the last call's actions, "; "-separated, e.g.
 * "WAL prevote h1r0 P1r0 v0; BCAST prevote h1r0 P1r0 v0; TIMEOUT prevote h1r0 500".
 * The returned buffer is static, overwritten by the next call. */
const char *h_acts(const cons_core *c);
/* 1 if the summary equals want; otherwise prints both to stderr and returns 0. */
int h_expect(const cons_core *c, const char *want);
/* The first action of kind, or NULL. */
const cons_action *h_find(const cons_core *c, int kind);

/* Delivers msg to c from peer (a node index + 1) at time now. */
chr_err h_deliver(cons_core *c, uint32_t peer, const uint8_t *msg, size_t len, uint64_t now);

/* ---- a network of cores ---- */

#define H_NET_MAX 5
#define H_TIMERS_MAX 64
#define H_WAL_MAX 256

typedef struct h_packet {
    int from, to;
    uint8_t *msg;
    size_t len;
} h_packet;

typedef struct h_net {
    int n; /* cores: validators 0..3, and 4 a full node if n == 5 */
    cons_core *core[H_NET_MAX];
    h_app app[H_NET_MAX];
    int down[H_NET_MAX]; /* 1: receives nothing */
    /* If set, a message for which it returns 1 is lost. */
    int (*drop)(int from, int to, const uint8_t *msg, size_t len);
    h_packet *queue;
    size_t queue_len, queue_cap, queue_head;
    uint64_t now;
    int committed[H_NET_MAX];
    uint8_t committed_id[H_NET_MAX][32];
    ledger_commit commit[H_NET_MAX];
    int signed_votes[H_NET_MAX]; /* WAL and vote messages signed by each node */
    /* Each node's WAL records of the current height, for h_net_restart. */
    uint8_t *wal[H_NET_MAX][H_WAL_MAX];
    size_t wal_lens[H_NET_MAX][H_WAL_MAX];
    size_t wal_len[H_NET_MAX];
    struct {
        int node, kind;
        uint64_t height;
        uint32_t round;
    } timers[H_TIMERS_MAX];
    size_t timers_len;
} h_net;

/* n cores (4 validators, or 4 and a full node) at height 1, begun, not run. */
void h_net_init(h_net *net, int n);
void h_net_free(h_net *net);
/* Runs node i and carries out its actions. */
void h_net_run(h_net *net, int i);
/* Carries out node i's last actions: broadcasts and sends are queued, timers recorded,
 * commits recorded. */
void h_net_act(h_net *net, int i);
/* Delivers queued messages in order until none is left. */
void h_net_pump(h_net *net);
/* Fires node i's pending timer of kind (a newer one of a kind replaces the older); 0 if
 * there is none. */
int h_net_fire(h_net *net, int i, int kind);
/* Node i crashes (kill -9: its core and pending timers are gone) and restarts: a new core
 * at the same height restores the WAL records it wrote and runs. */
void h_net_restart(h_net *net, int i);
/* Queues msg from node `from` (a scripted validator) to node `to`. */
void h_net_inject(h_net *net, int from, int to, const uint8_t *msg, size_t len);

/* Runs fn in a child process: 1 if it returned normally, 0 if it died (an assertion). */
int h_survives(void (*fn)(void));

#endif
