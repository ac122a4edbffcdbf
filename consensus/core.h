/* The consensus core: Tendermint's Algorithm 1 (Buchman, Kwon, Milosevic, "The latest gossip
 * on BFT consensus", 2018) as a deterministic step function (docs/CONSENSUS.md).
 *
 * No sockets, clocks, disks or randomness: every input (a message, a timeout, the time)
 * comes in through a call, and every effect goes out as an action that the host carries out
 * in order after the call returns. The same inputs give the same actions, which is what
 * lets tests/sim run many nodes in one process seed by seed.
 *
 * Life of a height:
 *   cons_core_begin(h, validators)     enter height h (not yet running its rounds)
 *   cons_core_restore(record)*         after a restart: the WAL's records of height h
 *   cons_core_run(now)                 start round 0 (or the restored round)
 *   cons_core_on_message / on_timeout / tick   until a COMMIT action
 *   the host applies the block, then cons_core_begin(h + 1, ...) and run again
 *
 * Actions (cons_core_actions) are valid until the next call on the core:
 *   WAL        append this record durably before sending anything that follows it
 *   BROADCAST  send msg to every peer
 *   SEND       send msg to one peer
 *   TIMEOUT    call cons_core_on_timeout(kind, height, round) after delay_ms
 *   COMMIT     block is decided at height with commit; apply it, then begin the next height
 *   EVIDENCE   two conflicting votes of one validator (msg is an EVIDENCE message)
 *   SYNC       peer is at height `height`, below ours: send it COMMITTED messages from there
 * One core per node; not thread-safe (the node's consensus thread owns it). */
#ifndef CONS_CORE_H
#define CONS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "consensus/msg.h"
#include "ledger/valset.h"

#define CONS_STEP_PROPOSE 0
#define CONS_STEP_PREVOTE 1
#define CONS_STEP_PRECOMMIT 2
#define CONS_STEP_COMMIT 3

#define CONS_TIMEOUT_PROPOSE 1
#define CONS_TIMEOUT_PREVOTE 2
#define CONS_TIMEOUT_PRECOMMIT 3

#define CONS_ACT_WAL 1
#define CONS_ACT_BROADCAST 2
#define CONS_ACT_SEND 3
#define CONS_ACT_TIMEOUT 4
#define CONS_ACT_COMMIT 5
#define CONS_ACT_EVIDENCE 6
#define CONS_ACT_SYNC 7

typedef struct cons_action {
    int kind;
    uint32_t peer; /* SEND, SYNC */
    uint8_t *msg;  /* WAL, BROADCAST, SEND, EVIDENCE: an encoded message */
    size_t msg_len;
    int timeout;          /* TIMEOUT: CONS_TIMEOUT_* */
    uint64_t height;      /* TIMEOUT, COMMIT, SYNC */
    uint32_t round;       /* TIMEOUT */
    uint64_t delay_ms;    /* TIMEOUT */
    const uint8_t *block; /* COMMIT: the decided block */
    size_t block_len;
    const ledger_commit *commit; /* COMMIT */
} cons_action;

/* The host's view of blocks. Every callback is a deterministic function of the host's
 * committed state and its arguments (propose may also use the mempool). */
typedef struct cons_app {
    void *ctx;
    /* A new block for height on the committed state, with time at least now_ms and above
     * the previous block's; *out malloc'ed (the core frees it). */
    chr_err (*propose)(void *ctx, uint64_t height, uint32_t round, uint64_t now_ms, uint8_t **out,
                       size_t *out_len);
    /* The id of a block (its header hash); an error if the bytes are no block. */
    chr_err (*block_id)(void *ctx, const uint8_t *block, size_t len, uint8_t id[32]);
    /* 1 if block is a valid next block on the committed state (time aside). */
    int (*valid)(void *ctx, const uint8_t *block, size_t len);
    /* 1 if block's time is acceptable at local time now_ms (used only for fresh proposals,
     * before prevoting for them). */
    int (*timely)(void *ctx, const uint8_t *block, size_t len, uint64_t now_ms);
} cons_app;

typedef struct cons_config {
    const char *chain_id;
    /* Timeouts of round r are base + r * delta (the paper's timeoutPropose(r) etc.). */
    uint64_t timeout_propose_ms, timeout_propose_delta_ms;
    uint64_t timeout_prevote_ms, timeout_prevote_delta_ms;
    uint64_t timeout_precommit_ms, timeout_precommit_delta_ms;
    int has_key;             /* 0: a full node that follows without voting */
    uint8_t sk[32];          /* the validator key; copied, wiped by cons_core_free */
    uint8_t signer_seed[32]; /* blinding for the signing context (host randomness) */
} cons_config;

typedef struct cons_core cons_core;

/* CHR_ERR_NOMEM, CHR_ERR_ARG (bad key, chain id too long). */
CHR_WUR chr_err cons_core_new(cons_core **out, const cons_config *cfg, const cons_app *app);
void cons_core_free(cons_core *c);

/* Enters height (> the last one), with its validator set (copied). Not yet running. */
void cons_core_begin(cons_core *c, uint64_t height, const ledger_valset *vals);

/* Replays one WAL record (a message this node signed) of the current height before
 * cons_core_run. Records of other heights are ignored. CHR_ERR_WAL for a record that does
 * not decode or is not this node's. */
CHR_WUR chr_err cons_core_restore(cons_core *c, const uint8_t *rec, size_t rec_len);

/* Starts the current height's rounds at local time now_ms: round 0, or after restore the
 * restored round with this node's own messages sent again. */
void cons_core_run(cons_core *c, uint64_t now_ms);

/* A message from peer (non-zero). CHR_ERR_CONS_MSG / CHR_ERR_SIGNATURE / decoding errors
 * for a message the peer should not have sent (the host scores the peer); CHR_OK also for
 * messages ignored as stale or early. */
CHR_WUR chr_err cons_core_on_message(cons_core *c, uint32_t peer, const uint8_t *msg,
                                     size_t msg_len, uint64_t now_ms);

/* A TIMEOUT action's timer fired. */
void cons_core_on_timeout(cons_core *c, int kind, uint64_t height, uint32_t round, uint64_t now_ms);

/* Periodic gossip: broadcasts this node's status so peers send what it lacks. */
void cons_core_tick(cons_core *c, uint64_t now_ms);

/* The actions of the last call, in order. */
const cons_action *cons_core_actions(const cons_core *c, size_t *n);

uint64_t cons_core_height(const cons_core *c);
/* The highest of the connected peers' latest reported heights that are credible, as of the
 * time of the last call (0: none): well above ours means this node is behind. Status is
 * unsigned gossip, so a claim of more than one height above ours counts only within
 * CONS_SYNC_PROOF_MS of the last block that peer delivered (a COMMITTED that decided a
 * height here) or, without one, in the first CONS_SYNC_PROOF_MS of a stretch of such
 * unproven claims (consensus/limits.h): a liar can keep a node "syncing" for at most that,
 * once per CONS_SYNC_DOUBT_QUIET_MS, reconnecting or not. */
uint64_t cons_core_peer_height(const cons_core *c);
/* The transport lost peer (its on_peer(down)): forget its height, what it was sent and its
 * blocks, so its last claim no longer counts. A later peer with another id starts afresh.
 * Call it in order with the peer's messages (after its last one). No actions. */
void cons_core_peer_gone(cons_core *c, uint32_t peer);
uint32_t cons_core_round(const cons_core *c);
int cons_core_step(const cons_core *c);

#endif
