/* The consensus core's internals, shared by consensus/core.c (Algorithm 1: rounds, steps,
 * locking, timeouts, vote counting), consensus/core_peers.c (what the core knows of its
 * peers: their statuses and heights, what it answers them) and consensus/core_restore.c
 * (replaying the WAL's records after a restart). Not a public API: consensus/core.h is.
 *
 * Like the rest of the core: deterministic, no I/O, clock or randomness, not thread-safe
 * (the host's consensus thread owns a cons_core). */
#ifndef CONS_INTERNAL_CORE_H
#define CONS_INTERNAL_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/core.h"
#include "consensus/limits.h"
#include "consensus/msg.h"
#include "consensus/proposer.h"
#include "ledger/sig.h"
#include "ledger/valset.h"

#define VOTE_TYPES 2 /* index 0: prevote, 1: precommit */

typedef struct vote_entry {
    uint8_t present;
    uint8_t block_id[32];
    uint8_t sig[64];
} vote_entry;

/* One validator's votes of one type in one round. A correct validator signs one; a
 * byzantine one may sign several, and the paper counts every message: a node must be able
 * to count an equivocator's vote for v in a proof of lock for v even if it saw the
 * equivocator's nil first, or a validator locked on v could wait forever. The values that
 * tallies ask about are nil and the round's proposal, so those get an entry each, and one
 * more holds a value seen before the proposal. A fourth value is evidence only. */
#define ENTRY_NIL 0
#define ENTRY_PROPOSAL 1
#define ENTRY_OTHER 2
#define ENTRIES 3
typedef struct vote_slot {
    vote_entry e[ENTRIES];
    uint8_t reported; /* evidence of conflicting votes already emitted */
} vote_slot;

typedef struct round_state {
    int used;
    uint32_t round;
    vote_slot votes[VOTE_TYPES][LEDGER_VALIDATORS_MAX];
    int has_proposal;
    uint32_t pol_round;
    uint8_t *block;
    size_t block_len;
    uint8_t block_id[32];
    uint8_t prop_sig[64];
    int valid;                 /* -1 not yet asked, 0 invalid, 1 valid */
    int prevote_timeout_set;   /* L34's "for the first time" */
    int precommit_timeout_set; /* L47's */
    int l36_done;              /* L36's */
} round_state;

/* Proofs of lock a status answer may send a peer: for the peer's round and for ours. */
#define PEER_POLS 2

/* A peer as its statuses and blocks show it. */
typedef struct peer_state {
    uint32_t peer; /* 0: a free slot */
    /* Its latest status: the height it claims (cons_core_peer_height), and its round. */
    uint64_t height;
    uint32_t round;
    /* The proofs of lock (send_pol) sent it since its height or round last changed: which
     * pol round for which value, and how many of its messages (proposal and prevotes).
     * While the peer stays in that round it has them (a lost connection comes back under
     * a new peer id), so they are sent again only when we hold more of them than we sent;
     * one the transport dropped (a full queue) goes again when the peer's round moves on,
     * at the latest at its propose timeout (L57). */
    struct {
        uint32_t pol_round;
        uint8_t block_id[32];
        uint32_t sent;
    } pols[PEER_POLS];
    size_t pols_len;
    /* Whether a COMMITTED from it has decided a height here, and when one last did. */
    int proven;
    uint64_t proven_ms;
} peer_state;

struct cons_core {
    cons_config cfg;
    cons_app app;
    ledger_signer *signer;
    uint8_t pub[32];
    int my_index; /* in vals, or -1 */

    uint64_t height;
    ledger_valset vals;
    cons_schedule sched;
    uint32_t round;
    int step;
    int running;
    int decided;
    int restored;
    uint64_t now_ms;

    int locked;
    uint32_t locked_round;
    uint8_t locked_id[32];
    int valid_set;
    uint32_t valid_round;
    uint8_t valid_id[32];

    round_state rounds[CONS_ROUNDS_KEPT];
    /* The highest round each validator has signed anything in at this height (+1; 0: none
     * seen), kept also for rounds too far ahead to store: what L55 needs. */
    uint32_t seen_round[LEDGER_VALIDATORS_MAX];
    /* Evidence reported for rounds not stored (too far ahead, or forgotten), so that each
     * copy a peer gossips is not reported again: a small ring of (validator, round, type). */
    struct {
        uint8_t validator[32];
        uint32_t round;
        uint8_t type;
    } reported[CONS_EVIDENCE_SEEN];
    size_t reported_next;
    /* What we know of each peer (slot peer % CONS_PEERS_TRACKED). */
    peer_state peers[CONS_PEERS_TRACKED];
    /* The current stretch of claims to be ahead from peers that have delivered no block
     * lately (CONS_SYNC_DOUBT_QUIET_MS): when it started and when the last one came. */
    int doubt_active;
    uint64_t doubt_start_ms, doubt_last_ms;

    uint8_t *decided_block;
    size_t decided_block_len;
    ledger_commit decided_commit;

    cons_action actions[CONS_ACTIONS_MAX];
    size_t actions_len;
};

/* ---- consensus/core.c ---- */

/* Frees the last call's actions' messages: every input starts with it. */
void core_actions_clear(cons_core *c);
/* Appends a zeroed action of kind; the table has room (CONS_ACTIONS_MAX) by construction. */
cons_action *core_action_push(cons_core *c, int kind);
/* Encodes m and queues it as a WAL, BROADCAST, SEND (to peer) or EVIDENCE action. */
void core_emit(cons_core *c, int kind, uint32_t peer, const cons_msg *m);

/* Whether a slot holds any vote. */
int core_slot_any(const vote_slot *s);
/* The slot's entry for id, NULL if none. */
const vote_entry *core_slot_find(const vote_slot *s, const uint8_t id[32]);
/* Stores a vote for id in the slot of round rs: 1 if stored, 0 if a duplicate or no entry
 * of the slot is free for it. */
int core_slot_add(const cons_core *c, const round_state *rs, vote_slot *s, const uint8_t id[32],
                  const uint8_t sig[64]);

/* The state of round if it is stored, else NULL. */
round_state *core_round_find(cons_core *c, uint32_t round);
/* The state of round, created if it is within the window; NULL if it is too far ahead or
 * the table holds only rounds that must be kept. */
round_state *core_round_get(cons_core *c, uint32_t round);
/* Stores a copy of proposal p (whose block's id is id) as rs's proposal. CHR_ERR_NOMEM,
 * with rs unchanged. */
CHR_WUR chr_err core_round_set_proposal(round_state *rs, const cons_proposal *p,
                                        const uint8_t id[32]);

/* Whether this node votes at the current height (it has a key of the set). */
int core_is_validator(const cons_core *c);
/* The PROPOSAL message of rs's proposal (rs->has_proposal). */
void core_proposal_msg(const cons_core *c, const round_state *rs, cons_msg *m);
/* The VOTE message of validator idx's entry e of type in rs. */
void core_vote_msg(const cons_core *c, const round_state *rs, int type, size_t idx,
                   const vote_entry *e, cons_msg *m);

/* L11-L21: StartRound(round). */
void core_start_round(cons_core *c, uint32_t round);
/* Evaluates the paper's "upon" rules until none fires. */
void core_process(cons_core *c);

/* ---- consensus/core_peers.c ---- */

/* A peer's STATUS: remembers its height and round, answers with what it lacks (or a SYNC
 * action for a peer behind), and tracks whether its claims to be ahead are credible. */
CHR_WUR chr_err core_on_status(cons_core *c, uint32_t peer, const cons_status *s);
/* The peer's COMMITTED decided the current height here: its claims to be ahead count
 * (cons_core_peer_height) for CONS_SYNC_PROOF_MS. */
void core_peer_delivered(cons_core *c, uint32_t peer);

/* ---- consensus/core_restore.c ---- */

/* cons_core_run after cons_core_restore: takes the restored lock's value as the valid
 * value, sends again what this node signed, and resumes the restored round in the step
 * its own votes put it in. */
void core_resume(cons_core *c);

#endif
