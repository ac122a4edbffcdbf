/* Tendermint's Algorithm 1 as a step function. Comments cite the paper's line numbers
 * ("L22" is line 22 of Algorithm 1 in Buchman, Kwon, Milosevic 2018). Every input stores
 * what it brings, then process() evaluates the paper's "upon" rules until none fires. */
#include "consensus/core.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "consensus/proposer.h"

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
    int valid; /* -1 not yet asked, 0 invalid, 1 valid */
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

static const uint8_t nil_id[32];

/* ---- actions ---- */

static void actions_clear(cons_core *c)
{
    for (size_t i = 0; i < c->actions_len; i++) {
        free(c->actions[i].msg);
    }
    c->actions_len = 0;
}

static cons_action *action_push(cons_core *c, int kind)
{
    CHR_ASSERT(c->actions_len < CONS_ACTIONS_MAX);
    cons_action *a = &c->actions[c->actions_len++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

/* Encodes m and queues it as a WAL, BROADCAST, SEND or EVIDENCE action. An encoding
 * failure means our own message is malformed: a broken invariant. */
static void emit(cons_core *c, int kind, uint32_t peer, const cons_msg *m)
{
    uint8_t *buf;
    size_t len;
    chr_err err = cons_msg_encode(&buf, &len, m);
    if (err == CHR_ERR_NOMEM) {
        /* Dropping an outgoing message is safe: peers ask again through status gossip.
         * A WAL record is not: without it the message must not be sent, so the caller's
         * following BROADCAST would be wrong. Running out of memory there stops the node. */
        CHR_ASSERT(kind != CONS_ACT_WAL);
        return;
    }
    CHR_ASSERT(err == CHR_OK);
    cons_action *a = action_push(c, kind);
    a->peer = peer;
    a->msg = buf;
    a->msg_len = len;
}

static void schedule(cons_core *c, int timeout, uint64_t base, uint64_t delta)
{
    cons_action *a = action_push(c, CONS_ACT_TIMEOUT);
    a->timeout = timeout;
    a->height = c->height;
    a->round = c->round;
    a->delay_ms = base + delta * c->round; /* round <= CONS_ROUND_MAX: no overflow for sane deltas */
}

/* ---- power arithmetic ---- */

/* More than 2/3 of the power: 3p > 2T, in 128 bits. */
static int quorum(const cons_core *c, uint64_t power)
{
    return (__uint128_t)power * 3 > (__uint128_t)c->vals.total_power * 2;
}

/* More than 1/3: at least one correct validator among them (the paper's f + 1). */
static int over_third(const cons_core *c, uint64_t power)
{
    return (__uint128_t)power * 3 > (__uint128_t)c->vals.total_power;
}

static int slot_any(const vote_slot *s)
{
    return s->e[0].present || s->e[1].present || s->e[2].present;
}

static const vote_entry *slot_find(const vote_slot *s, const uint8_t id[32])
{
    for (size_t k = 0; k < ENTRIES; k++) {
        if (s->e[k].present && memcmp(s->e[k].block_id, id, 32) == 0) {
            return &s->e[k];
        }
    }
    return NULL;
}

/* Stores a vote for id in its entry: 1 if stored, 0 if a duplicate or no entry is free.
 * Once the round's proposal is known, its entry holds only votes for it; before, the two
 * non-nil entries hold the first two values seen (slots_promote sorts them when the
 * proposal arrives). So an equivocator's vote for the value a later round re-proposes with
 * this round as its proof of lock (L28) counts even if its vote for another came first. */
static int slot_add(const cons_core *c, const round_state *rs, vote_slot *s,
                    const uint8_t id[32], const uint8_t sig[64])
{
    (void)c;
    if (slot_find(s, id) != NULL) {
        return 0;
    }
    size_t at;
    if (memcmp(id, nil_id, 32) == 0) {
        at = ENTRY_NIL;
    } else if (rs->has_proposal) {
        at = memcmp(id, rs->block_id, 32) == 0 ? ENTRY_PROPOSAL : ENTRY_OTHER;
    } else {
        at = !s->e[ENTRY_OTHER].present ? ENTRY_OTHER : ENTRY_PROPOSAL;
    }
    if (s->e[at].present) {
        return 0;
    }
    s->e[at].present = 1;
    memcpy(s->e[at].block_id, id, 32);
    memcpy(s->e[at].sig, sig, 64);
    return 1;
}

/* Power of the votes of one type in rs for id (NULL: any value, nil included). */
static uint64_t tally(const cons_core *c, const round_state *rs, int type, const uint8_t *id)
{
    uint64_t power = 0;
    for (size_t i = 0; i < c->vals.len; i++) {
        if (id == NULL ? slot_any(&rs->votes[type - 1][i])
                       : slot_find(&rs->votes[type - 1][i], id) != NULL) {
            power += c->vals.v[i].power;
        }
    }
    return power;
}

/* ---- rounds ---- */

static void round_reset(round_state *rs)
{
    if (!rs->used) {
        return; /* never used since its last reset: already zero */
    }
    free(rs->block);
    memset(rs, 0, sizeof(*rs));
}

static round_state *round_find(cons_core *c, uint32_t round)
{
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        if (c->rounds[i].used && c->rounds[i].round == round) {
            return &c->rounds[i];
        }
    }
    return NULL;
}

static int round_pinned(const cons_core *c, uint32_t round)
{
    return round >= c->round || (c->locked && c->locked_round == round) ||
           (c->valid_set && c->valid_round == round);
}

/* The state of round, created if it is within the window; NULL if it is too far ahead or
 * the table holds only rounds that must be kept. */
static round_state *round_get(cons_core *c, uint32_t round)
{
    round_state *rs = round_find(c, round);
    if (rs != NULL) {
        return rs;
    }
    if (round > CONS_ROUND_MAX || round > c->round + CONS_ROUND_AHEAD_MAX) {
        return NULL;
    }
    round_state *victim = NULL;
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        round_state *r = &c->rounds[i];
        if (!r->used) {
            victim = r;
            break;
        }
        if (!round_pinned(c, r->round) && (victim == NULL || r->round < victim->round)) {
            victim = r;
        }
    }
    if (victim == NULL) {
        return NULL;
    }
    round_reset(victim);
    victim->used = 1;
    victim->round = round;
    victim->valid = -1;
    victim->pol_round = CONS_ROUND_NONE;
    return victim;
}

static int proposal_valid(cons_core *c, round_state *rs)
{
    CHR_ASSERT(rs->has_proposal);
    if (rs->valid < 0) {
        rs->valid = c->app.valid(c->app.ctx, rs->block, rs->block_len) ? 1 : 0;
    }
    return rs->valid;
}

/* ---- our own messages ---- */

static int is_validator(const cons_core *c)
{
    return c->cfg.has_key && c->my_index >= 0;
}

/* Signs and sends our vote of type in the current round for id (NULL: nil), recording it
 * first (the WAL action precedes the broadcast). Never signs a second vote of one type in
 * one round: after a restart the restored vote stands. */
static void vote(cons_core *c, int type, const uint8_t *id)
{
    if (!is_validator(c)) {
        return;
    }
    round_state *rs = round_get(c, c->round);
    CHR_ASSERT(rs != NULL); /* the current round is always pinned */
    vote_slot *mine = &rs->votes[type - 1][c->my_index];
    if (slot_any(mine)) {
        return;
    }
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_VOTE;
    cons_vote *v = &m.u.vote;
    v->type = (uint8_t)type;
    v->height = c->height;
    v->round = c->round;
    memcpy(v->block_id, id != NULL ? id : nil_id, 32);
    CHR_ASSERT(cons_vote_sign(v, c->signer, c->cfg.chain_id, c->cfg.sk) == CHR_OK);
    CHR_ASSERT(slot_add(c, rs, mine, v->block_id, v->sig));
    emit(c, CONS_ACT_WAL, 0, &m);
    emit(c, CONS_ACT_BROADCAST, 0, &m);
}

static void proposal_msg(const cons_core *c, const round_state *rs, cons_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->kind = CONS_MSG_PROPOSAL;
    m->u.proposal.height = c->height;
    m->u.proposal.round = rs->round;
    m->u.proposal.pol_round = rs->pol_round;
    size_t proposer = cons_schedule_proposer(&c->sched, c->height, rs->round);
    memcpy(m->u.proposal.proposer, c->vals.v[proposer].pubkey, 32);
    memcpy(m->u.proposal.sig, rs->prop_sig, 64);
    m->u.proposal.block = rs->block;
    m->u.proposal.block_len = rs->block_len;
}

static void vote_msg(const cons_core *c, const round_state *rs, int type, size_t idx,
                     const vote_entry *e, cons_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->kind = CONS_MSG_VOTE;
    cons_vote *v = &m->u.vote;
    v->type = (uint8_t)type;
    v->height = c->height;
    v->round = rs->round;
    memcpy(v->block_id, e->block_id, 32);
    memcpy(v->validator, c->vals.v[idx].pubkey, 32);
    memcpy(v->sig, e->sig, 64);
}

/* L14-L21: the proposer proposes validValue if it has one, else a new block. */
static void propose(cons_core *c, round_state *rs)
{
    if (rs->has_proposal) {
        return; /* restored from the WAL: never a second proposal for one round */
    }
    uint8_t *block = NULL;
    size_t block_len = 0;
    uint32_t pol_round = CONS_ROUND_NONE;
    if (c->valid_set) {
        const round_state *vr = round_find(c, c->valid_round);
        CHR_ASSERT(vr != NULL && vr->has_proposal); /* the valid round is pinned */
        block = malloc(vr->block_len > 0 ? vr->block_len : 1);
        if (block == NULL) {
            return;
        }
        memcpy(block, vr->block, vr->block_len);
        block_len = vr->block_len;
        pol_round = c->valid_round;
    } else if (c->app.propose(c->app.ctx, c->height, c->round, c->now_ms, &block, &block_len) !=
               CHR_OK) {
        return; /* no proposal this round: the others time out and move on */
    }
    uint8_t id[32];
    if (block_len > CONS_BLOCK_BYTES_MAX ||
        c->app.block_id(c->app.ctx, block, block_len, id) != CHR_OK) {
        free(block);
        return;
    }
    cons_proposal p;
    memset(&p, 0, sizeof(p));
    p.height = c->height;
    p.round = c->round;
    p.pol_round = pol_round;
    CHR_ASSERT(cons_proposal_sign(&p, c->signer, c->cfg.chain_id, c->cfg.sk, id) == CHR_OK);
    rs->has_proposal = 1;
    rs->pol_round = pol_round;
    rs->block = block;
    rs->block_len = block_len;
    memcpy(rs->block_id, id, 32);
    memcpy(rs->prop_sig, p.sig, 64);
    rs->valid = -1;
    cons_msg m;
    proposal_msg(c, rs, &m);
    emit(c, CONS_ACT_WAL, 0, &m);
    emit(c, CONS_ACT_BROADCAST, 0, &m);
}

/* L11-L21: StartRound. */
static void start_round(cons_core *c, uint32_t round)
{
    c->round = round;
    c->step = CONS_STEP_PROPOSE;
    round_state *rs = round_get(c, round);
    CHR_ASSERT(rs != NULL); /* round <= old round + AHEAD, or the round just after ours */
    size_t proposer = cons_schedule_proposer(&c->sched, c->height, round);
    if (is_validator(c) && (size_t)c->my_index == proposer) {
        propose(c, rs);
    }
    /* L21 schedules this only for the others; for the proposer it is harmless (its step
     * leaves propose as soon as its own proposal is processed) and covers a proposal that
     * could not be built. */
    schedule(c, CONS_TIMEOUT_PROPOSE, c->cfg.timeout_propose_ms, c->cfg.timeout_propose_delta_ms);
}

/* ---- deciding ---- */

static void decide(cons_core *c, const uint8_t *block, size_t block_len, const ledger_commit *commit)
{
    CHR_ASSERT(!c->decided);
    uint8_t *copy = malloc(block_len > 0 ? block_len : 1);
    CHR_ASSERT(copy != NULL);
    memcpy(copy, block, block_len);
    free(c->decided_block);
    c->decided_block = copy;
    c->decided_block_len = block_len;
    c->decided_commit = *commit;
    c->decided = 1;
    c->step = CONS_STEP_COMMIT;
    cons_action *a = action_push(c, CONS_ACT_COMMIT);
    a->height = c->height;
    a->block = c->decided_block;
    a->block_len = c->decided_block_len;
    a->commit = &c->decided_commit;
}

/* The commit for rs's proposal: its precommits for the block, in key order. */
static void commit_build(const cons_core *c, const round_state *rs, ledger_commit *out)
{
    memset(out, 0, sizeof(*out));
    out->height = c->height;
    out->round = rs->round;
    memcpy(out->block_hash, rs->block_id, 32);
    for (size_t i = 0; i < c->vals.len; i++) {
        const vote_entry *e = slot_find(&rs->votes[1][i], rs->block_id);
        if (e != NULL) {
            memcpy(out->sigs[out->sigs_len].validator, c->vals.v[i].pubkey, 32);
            memcpy(out->sigs[out->sigs_len].sig, e->sig, 64);
            out->sigs_len++;
        }
    }
}

/* ---- the upon rules ---- */

/* L49: a proposal of any round with precommits of more than 2/3 for it decides. */
static int rule_decide(cons_core *c)
{
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        round_state *rs = &c->rounds[i];
        if (!rs->used || !rs->has_proposal) {
            continue;
        }
        if (quorum(c, tally(c, rs, LEDGER_VOTE_PRECOMMIT, rs->block_id)) && proposal_valid(c, rs)) {
            ledger_commit commit;
            commit_build(c, rs, &commit);
            decide(c, rs->block, rs->block_len, &commit);
            return 1;
        }
    }
    return 0;
}

/* L55: messages of a later round from more than 1/3 of the power start that round. The
 * paper counts messages of one round R; here a validator counts for R when it has signed
 * anything in a round at or above R, which also catches up with validators whose rounds
 * are too far ahead to store. It is as safe: skipping rounds never touches safety (that
 * rests on the locks), and more than 1/3 of the power includes a correct validator that
 * really is in round R or later, so no byzantine minority can make us skip. */
static int rule_skip_round(cons_core *c)
{
    /* Every vote runs the rules: first the cheap common case, nobody seen beyond us. */
    uint32_t highest = 0;
    for (size_t i = 0; i < c->vals.len; i++) {
        highest = c->seen_round[i] > highest ? c->seen_round[i] : highest;
    }
    if (highest == 0 || highest - 1 <= c->round) {
        return 0;
    }
    uint64_t power = 0;
    uint32_t target = 0;
    /* The largest R with more than 1/3 of the power seen at R or later: walk the validators
     * from the highest seen round down, adding power until it passes 1/3. */
    uint8_t taken[LEDGER_VALIDATORS_MAX] = {0};
    for (size_t step = 0; step < c->vals.len && !over_third(c, power); step++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < c->vals.len; i++) {
            if (!taken[i] && c->seen_round[i] > 0 &&
                (best == SIZE_MAX || c->seen_round[i] > c->seen_round[best])) {
                best = i;
            }
        }
        if (best == SIZE_MAX) {
            return 0;
        }
        taken[best] = 1;
        power += c->vals.v[best].power;
        target = c->seen_round[best] - 1;
    }
    if (!over_third(c, power) || target <= c->round) {
        return 0;
    }
    start_round(c, target);
    return 1;
}

static void saw_round(cons_core *c, int idx, uint32_t round)
{
    if (round + 1 > c->seen_round[idx]) {
        c->seen_round[idx] = round + 1;
    }
}

/* L22 and L28: prevote on the current round's proposal. */
static int rule_prevote_proposal(cons_core *c, round_state *rs)
{
    if (c->step != CONS_STEP_PROPOSE || !rs->has_proposal) {
        return 0;
    }
    const uint8_t *id = rs->block_id;
    int lock_ok;
    if (rs->pol_round == CONS_ROUND_NONE) {
        /* L22-L27: a fresh value; its time is checked against our clock here only. */
        lock_ok = !c->locked || memcmp(c->locked_id, id, 32) == 0;
        lock_ok = lock_ok && c->app.timely(c->app.ctx, rs->block, rs->block_len, c->now_ms);
    } else {
        /* L28-L33: a value re-proposed with a proof of lock from round vr < round_p. */
        round_state *vr = round_find(c, rs->pol_round);
        if (vr == NULL || !quorum(c, tally(c, vr, LEDGER_VOTE_PREVOTE, id))) {
            return 0; /* wait for the prevotes, or for the propose timeout */
        }
        lock_ok = !c->locked || c->locked_round <= rs->pol_round ||
                  memcmp(c->locked_id, id, 32) == 0;
    }
    int ok = lock_ok && proposal_valid(c, rs);
    vote(c, LEDGER_VOTE_PREVOTE, ok ? id : NULL);
    c->step = CONS_STEP_PREVOTE;
    return 1;
}

/* L34: prevotes of more than 2/3 for anything start the prevote timeout, once. */
static int rule_prevote_timeout(cons_core *c, round_state *rs)
{
    if (c->step != CONS_STEP_PREVOTE || rs->prevote_timeout_set ||
        !quorum(c, tally(c, rs, LEDGER_VOTE_PREVOTE, NULL))) {
        return 0;
    }
    rs->prevote_timeout_set = 1;
    schedule(c, CONS_TIMEOUT_PREVOTE, c->cfg.timeout_prevote_ms, c->cfg.timeout_prevote_delta_ms);
    return 1;
}

/* Before locking: records in the WAL the value and the prevotes that prove it, so that
 * after a restart this node still has its valid value (L42) and can show the proof of lock
 * (L28) when it re-proposes the value or a peer asks. Without them a restarted validator
 * keeps its lock but can never get others to accept the locked value again. */
static void record_proof(cons_core *c, const round_state *rs)
{
    if (!is_validator(c)) {
        return;
    }
    cons_msg m;
    proposal_msg(c, rs, &m);
    emit(c, CONS_ACT_WAL, 0, &m);
    for (size_t k = 0; k < c->vals.len; k++) {
        const vote_entry *e = slot_find(&rs->votes[0][k], rs->block_id);
        if (e != NULL && (int)k != c->my_index) {
            vote_msg(c, rs, LEDGER_VOTE_PREVOTE, k, e, &m);
            emit(c, CONS_ACT_WAL, 0, &m);
        }
    }
}

/* L36-L43: the proposal has prevotes of more than 2/3: lock and precommit it (from the
 * prevote step), and remember it as the valid value (from any later step). */
static int rule_lock(cons_core *c, round_state *rs)
{
    if (rs->l36_done || !rs->has_proposal || c->step < CONS_STEP_PREVOTE ||
        !quorum(c, tally(c, rs, LEDGER_VOTE_PREVOTE, rs->block_id)) || !proposal_valid(c, rs)) {
        return 0;
    }
    rs->l36_done = 1;
    if (c->step == CONS_STEP_PREVOTE) {
        record_proof(c, rs);
        c->locked = 1;
        c->locked_round = c->round;
        memcpy(c->locked_id, rs->block_id, 32);
        vote(c, LEDGER_VOTE_PRECOMMIT, rs->block_id);
        c->step = CONS_STEP_PRECOMMIT;
    }
    c->valid_set = 1;
    c->valid_round = c->round;
    memcpy(c->valid_id, rs->block_id, 32);
    return 1;
}

/* L44-L46: prevotes of more than 2/3 for nil: precommit nil. */
static int rule_precommit_nil(cons_core *c, round_state *rs)
{
    if (c->step != CONS_STEP_PREVOTE || !quorum(c, tally(c, rs, LEDGER_VOTE_PREVOTE, nil_id))) {
        return 0;
    }
    vote(c, LEDGER_VOTE_PRECOMMIT, NULL);
    c->step = CONS_STEP_PRECOMMIT;
    return 1;
}

/* L47: precommits of more than 2/3 for anything start the precommit timeout, once. */
static int rule_precommit_timeout(cons_core *c, round_state *rs)
{
    if (rs->precommit_timeout_set || !quorum(c, tally(c, rs, LEDGER_VOTE_PRECOMMIT, NULL))) {
        return 0;
    }
    rs->precommit_timeout_set = 1;
    schedule(c, CONS_TIMEOUT_PRECOMMIT, c->cfg.timeout_precommit_ms,
             c->cfg.timeout_precommit_delta_ms);
    return 1;
}

/* Evaluates the rules until none fires. Each firing moves the state forward (a step, a
 * round, a once-flag or the decision), so the loop ends. */
static void process(cons_core *c)
{
    while (c->running && !c->decided) {
        if (rule_decide(c) || rule_skip_round(c)) {
            continue;
        }
        round_state *rs = round_get(c, c->round);
        CHR_ASSERT(rs != NULL);
        if (rule_prevote_proposal(c, rs) || rule_prevote_timeout(c, rs) || rule_lock(c, rs) ||
            rule_precommit_nil(c, rs) || rule_precommit_timeout(c, rs)) {
            continue;
        }
        break;
    }
}

/* ---- inputs ---- */

chr_err cons_core_new(cons_core **out, const cons_config *cfg, const cons_app *app)
{
    *out = NULL;
    if (cfg->chain_id == NULL || strlen(cfg->chain_id) == 0 ||
        strlen(cfg->chain_id) > LEDGER_CHAIN_ID_MAX) {
        return CHR_ERR_ARG;
    }
    cons_core *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return CHR_ERR_NOMEM;
    }
    c->cfg = *cfg;
    c->app = *app;
    c->my_index = -1;
    chr_err err = ledger_signer_new(&c->signer, cfg->signer_seed);
    if (err == CHR_OK && cfg->has_key) {
        err = ledger_signer_pubkey(c->signer, c->pub, cfg->sk);
    }
    if (err != CHR_OK) {
        cons_core_free(c);
        return err == CHR_ERR_NOMEM ? err : CHR_ERR_ARG;
    }
    *out = c;
    return CHR_OK;
}

void cons_core_free(cons_core *c)
{
    if (c == NULL) {
        return;
    }
    actions_clear(c);
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        round_reset(&c->rounds[i]);
    }
    free(c->decided_block);
    ledger_signer_free(c->signer);
    sodium_memzero(c->cfg.sk, sizeof(c->cfg.sk));
    free(c);
}

void cons_core_begin(cons_core *c, uint64_t height, const ledger_valset *vals)
{
    CHR_ASSERT(height > c->height);
    CHR_ASSERT(vals->len > 0);
    actions_clear(c);
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        round_reset(&c->rounds[i]);
    }
    c->height = height;
    /* The schedule depends on the set only; most heights keep the set of the last one. */
    if (c->sched.len == 0 || c->vals.len != vals->len ||
        memcmp(c->vals.v, vals->v, vals->len * sizeof(vals->v[0])) != 0) {
        c->vals = *vals;
        cons_schedule_build(&c->sched, vals);
    }
    c->my_index = c->cfg.has_key ? ledger_valset_find(vals, c->pub) : -1;
    c->round = 0;
    c->step = CONS_STEP_PROPOSE;
    c->running = 0;
    c->decided = 0;
    c->restored = 0;
    c->locked = 0;
    c->valid_set = 0;
    memset(c->seen_round, 0, sizeof(c->seen_round));
    memset(c->reported, 0, sizeof(c->reported));
}

static round_state *restore_round(cons_core *c, uint32_t round)
{
    if (round > c->round) {
        c->round = round; /* the window moves with the restored round */
    }
    return round_get(c, round);
}

chr_err cons_core_restore(cons_core *c, const uint8_t *rec, size_t rec_len)
{
    CHR_ASSERT(!c->running);
    actions_clear(c);
    cons_msg m;
    if (cons_msg_decode(&m, rec, rec_len) != CHR_OK) {
        return CHR_ERR_WAL;
    }
    if (m.kind == CONS_MSG_VOTE) {
        const cons_vote *v = &m.u.vote;
        if (v->height != c->height) {
            return CHR_OK;
        }
        if (!is_validator(c)) {
            return CHR_ERR_WAL;
        }
        int idx = ledger_valset_find(&c->vals, v->validator);
        if (idx != c->my_index) {
            /* Another validator's prevote, part of the proof of our lock (rule_lock). */
            if (idx < 0 || v->type != LEDGER_VOTE_PREVOTE ||
                cons_vote_verify(v, c->cfg.chain_id, &c->vals) != CHR_OK) {
                return CHR_ERR_WAL;
            }
            round_state *rs = round_find(c, v->round);
            if (rs == NULL && (rs = restore_round(c, v->round)) == NULL) {
                return CHR_ERR_WAL;
            }
            (void)slot_add(c, rs, &rs->votes[0][idx], v->block_id, v->sig);
            return CHR_OK;
        }
        round_state *rs = restore_round(c, v->round);
        if (rs == NULL) {
            return CHR_ERR_WAL;
        }
        vote_slot *s = &rs->votes[v->type - 1][c->my_index];
        if (slot_any(s) && slot_find(s, v->block_id) == NULL) {
            return CHR_ERR_WAL; /* two different votes of ours in one round: never */
        }
        (void)slot_add(c, rs, s, v->block_id, v->sig);
        /* L38-L39: our latest precommit for a value is our lock. */
        if (v->type == LEDGER_VOTE_PRECOMMIT && !cons_vote_is_nil(v) &&
            (!c->locked || v->round >= c->locked_round)) {
            c->locked = 1;
            c->locked_round = v->round;
            memcpy(c->locked_id, v->block_id, 32);
        }
    } else if (m.kind == CONS_MSG_PROPOSAL) {
        const cons_proposal *p = &m.u.proposal;
        if (p->height != c->height) {
            return CHR_OK;
        }
        /* Ours, or the proposal of our lock's round (rule_lock records it). */
        uint8_t id[32];
        size_t proposer = cons_schedule_proposer(&c->sched, c->height, p->round);
        if (!is_validator(c) || memcmp(p->proposer, c->vals.v[proposer].pubkey, 32) != 0 ||
            c->app.block_id(c->app.ctx, p->block, p->block_len, id) != CHR_OK ||
            cons_proposal_verify(p, c->cfg.chain_id, id) != CHR_OK) {
            return CHR_ERR_WAL;
        }
        round_state *rs = restore_round(c, p->round);
        uint8_t *copy = malloc(p->block_len > 0 ? p->block_len : 1);
        if (rs == NULL || copy == NULL) {
            free(copy);
            return rs == NULL ? CHR_ERR_WAL : CHR_ERR_NOMEM;
        }
        memcpy(copy, p->block, p->block_len);
        free(rs->block);
        rs->has_proposal = 1;
        rs->pol_round = p->pol_round;
        rs->block = copy;
        rs->block_len = p->block_len;
        memcpy(rs->block_id, id, 32);
        memcpy(rs->prop_sig, p->sig, 64);
        rs->valid = -1;
    } else {
        return CHR_ERR_WAL;
    }
    c->restored = 1;
    return CHR_OK;
}

/* After a restart: send again what we signed at this height (peers may have missed it). */
static void resend_own(cons_core *c)
{
    cons_msg m;
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        const round_state *rs = &c->rounds[i];
        if (!rs->used) {
            continue;
        }
        if (rs->has_proposal &&
            cons_schedule_proposer(&c->sched, c->height, rs->round) == (size_t)c->my_index) {
            proposal_msg(c, rs, &m);
            emit(c, CONS_ACT_BROADCAST, 0, &m);
        }
        for (int type = 1; type <= VOTE_TYPES; type++) {
            for (size_t k = 0; k < ENTRIES; k++) {
                const vote_entry *e = &rs->votes[type - 1][c->my_index].e[k];
                if (e->present) {
                    vote_msg(c, rs, type, (size_t)c->my_index, e, &m);
                    emit(c, CONS_ACT_BROADCAST, 0, &m);
                }
            }
        }
    }
}

void cons_core_run(cons_core *c, uint64_t now_ms)
{
    CHR_ASSERT(!c->running);
    actions_clear(c);
    c->now_ms = now_ms;
    c->running = 1;
    if (!c->restored) {
        start_round(c, 0);
    } else {
        /* The lock's proof was recorded with it: the locked value is our valid value. */
        const round_state *lr = c->locked ? round_find(c, c->locked_round) : NULL;
        if (lr != NULL && lr->has_proposal && memcmp(lr->block_id, c->locked_id, 32) == 0) {
            c->valid_set = 1;
            c->valid_round = c->locked_round;
            memcpy(c->valid_id, c->locked_id, 32);
        }
        resend_own(c);
        start_round(c, c->round);
        /* The step our own signed votes put us in: never vote twice in one round. */
        round_state *rs = round_get(c, c->round);
        if (slot_any(&rs->votes[1][c->my_index])) {
            c->step = CONS_STEP_PRECOMMIT;
        } else if (slot_any(&rs->votes[0][c->my_index])) {
            c->step = CONS_STEP_PREVOTE;
        }
    }
    process(c);
}

/* Emits evidence made of v and another vote of its validator, type and round. */
static void emit_evidence(cons_core *c, const cons_vote *v, const vote_entry *other)
{
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_EVIDENCE;
    cons_vote stored = *v;
    memcpy(stored.block_id, other->block_id, 32);
    memcpy(stored.sig, other->sig, 64);
    int stored_first = memcmp(stored.block_id, v->block_id, 32) < 0;
    m.u.evidence.a = stored_first ? stored : *v;
    m.u.evidence.b = stored_first ? *v : stored;
    emit(c, CONS_ACT_EVIDENCE, 0, &m);
    emit(c, CONS_ACT_BROADCAST, 0, &m);
}

static chr_err on_vote(cons_core *c, const cons_vote *v)
{
    if (v->height != c->height || c->decided) {
        return CHR_OK; /* stale or early: status gossip brings what we need */
    }
    int idx = ledger_valset_find(&c->vals, v->validator);
    if (idx < 0) {
        return CHR_ERR_CONS_MSG;
    }
    round_state *rs = round_find(c, v->round);
    if (rs != NULL && slot_find(&rs->votes[v->type - 1][idx], v->block_id) != NULL) {
        return CHR_OK; /* a duplicate: no need to check its signature */
    }
    chr_err err = cons_vote_verify(v, c->cfg.chain_id, &c->vals);
    if (err != CHR_OK) {
        return err;
    }
    saw_round(c, idx, v->round);
    if (rs == NULL && (rs = round_get(c, v->round)) == NULL) {
        process(c); /* too far ahead to store, but it counts for L55 */
        return CHR_OK;
    }
    vote_slot *s = &rs->votes[v->type - 1][idx];
    if (slot_any(s) && !s->reported) {
        /* Two valid votes of one validator for different values in one round: evidence. */
        s->reported = 1;
        const vote_entry *first = s->e[0].present ? &s->e[0] : s->e[1].present ? &s->e[1] : &s->e[2];
        emit_evidence(c, v, first);
    }
    if (slot_add(c, rs, s, v->block_id, v->sig)) {
        process(c);
    }
    return CHR_OK;
}

/* The proposal arrived after votes: the proposal's entry gets the vote for it (if any),
 * the other entry one other value; a third value (only an equivocator signs one) is
 * dropped, its evidence already reported. */
static void slots_promote(const cons_core *c, round_state *rs)
{
    for (int type = 0; type < VOTE_TYPES; type++) {
        for (size_t i = 0; i < c->vals.len; i++) {
            vote_slot *s = &rs->votes[type][i];
            vote_entry *prop = &s->e[ENTRY_PROPOSAL], *other = &s->e[ENTRY_OTHER];
            if (prop->present && memcmp(prop->block_id, rs->block_id, 32) == 0) {
                continue;
            }
            if (other->present && memcmp(other->block_id, rs->block_id, 32) == 0) {
                vote_entry t = *prop;
                *prop = *other;
                *other = t; /* the previous proposal-entry value, if any, becomes the other */
            } else if (prop->present) {
                if (!other->present) {
                    *other = *prop;
                }
                memset(prop, 0, sizeof(*prop));
            }
        }
    }
}

static chr_err on_proposal(cons_core *c, const cons_proposal *p)
{
    if (p->height != c->height || c->decided) {
        return CHR_OK;
    }
    size_t proposer = cons_schedule_proposer(&c->sched, c->height, p->round);
    if (memcmp(p->proposer, c->vals.v[proposer].pubkey, 32) != 0) {
        return CHR_ERR_CONS_MSG;
    }
    round_state *rs = round_find(c, p->round);
    if (rs != NULL && rs->has_proposal) {
        return CHR_OK; /* the first proposal of a round stands */
    }
    uint8_t id[32];
    if (c->app.block_id(c->app.ctx, p->block, p->block_len, id) != CHR_OK) {
        return CHR_ERR_CONS_MSG;
    }
    chr_err err = cons_proposal_verify(p, c->cfg.chain_id, id);
    if (err != CHR_OK) {
        return err;
    }
    saw_round(c, (int)proposer, p->round);
    if (rs == NULL && (rs = round_get(c, p->round)) == NULL) {
        process(c);
        return CHR_OK;
    }
    uint8_t *copy = malloc(p->block_len > 0 ? p->block_len : 1);
    if (copy == NULL) {
        return CHR_ERR_NOMEM;
    }
    memcpy(copy, p->block, p->block_len);
    rs->has_proposal = 1;
    rs->pol_round = p->pol_round;
    rs->block = copy;
    rs->block_len = p->block_len;
    memcpy(rs->block_id, id, 32);
    memcpy(rs->prop_sig, p->sig, 64);
    rs->valid = -1;
    slots_promote(c, rs);
    process(c);
    return CHR_OK;
}

static void send_pol(cons_core *c, peer_state *ps, const round_state *rs);

/* Whether a status answer may queue another message: answers are gossip (the peer asks
 * again on its next status), so they stop short of the action table's end and leave
 * CONS_ACTIONS_RESERVE for the rules. */
static int room(const cons_core *c)
{
    return c->actions_len + CONS_ACTIONS_RESERVE < CONS_ACTIONS_MAX;
}

static int bit_get(const uint8_t *bitmap, size_t i)
{
    return (bitmap[i / 8] >> (7 - i % 8)) & 1;
}

static void bit_set(uint8_t *bitmap, size_t i)
{
    bitmap[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

/* A peer at our height says what it has of its round: send it what it lacks of that
 * round, and if we are in a later round, everything of ours (so it can skip by L55). */
static void answer_status(cons_core *c, peer_state *ps, const cons_status *s)
{
    uint32_t peer = ps->peer;
    int bits_match = s->bits == c->vals.len;
    cons_msg m;
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        const round_state *rs = &c->rounds[i];
        if (!rs->used || !(rs->round == s->round || (rs->round == c->round && c->round > s->round))) {
            continue;
        }
        int same = rs->round == s->round && bits_match;
        if (rs->has_proposal && !(same && s->has_proposal) && room(c)) {
            proposal_msg(c, rs, &m);
            emit(c, CONS_ACT_SEND, peer, &m);
        }
        if (rs->has_proposal && rs->pol_round != CONS_ROUND_NONE) {
            send_pol(c, ps, rs);
        }
        for (int type = 1; type <= VOTE_TYPES; type++) {
            const uint8_t *have = type == LEDGER_VOTE_PREVOTE ? s->prevotes : s->precommits;
            for (size_t k = 0; k < c->vals.len; k++) {
                if (same && bit_get(have, k)) {
                    continue;
                }
                for (size_t j = 0; j < ENTRIES && room(c); j++) {
                    const vote_entry *e = &rs->votes[type - 1][k].e[j];
                    if (e->present) {
                        vote_msg(c, rs, type, k, e, &m);
                        emit(c, CONS_ACT_SEND, peer, &m);
                    }
                }
            }
        }
    }
}

/* The prevotes of a re-proposed value's proof-of-lock round: L28 needs them, and a peer
 * that missed them in that round would otherwise never accept the value. Sent once per
 * round of the peer (peer_state's pols), and again when we hold more of them. */
static void send_pol(cons_core *c, peer_state *ps, const round_state *rs)
{
    const round_state *vr = round_find(c, rs->pol_round);
    if (vr == NULL) {
        return;
    }
    uint32_t have = vr->has_proposal ? 1 : 0;
    for (size_t k = 0; k < c->vals.len; k++) {
        have += slot_find(&vr->votes[0][k], rs->block_id) != NULL ? 1 : 0;
    }
    size_t at = 0;
    while (at < ps->pols_len && (ps->pols[at].pol_round != rs->pol_round ||
                                 memcmp(ps->pols[at].block_id, rs->block_id, 32) != 0)) {
        at++;
    }
    if (at < ps->pols_len && ps->pols[at].sent >= have) {
        return; /* the peer has all we have: it got them in this round of its */
    }
    size_t before = c->actions_len;
    cons_msg m;
    if (vr->has_proposal && room(c)) {
        proposal_msg(c, vr, &m); /* so the peer files the prevotes for it as the proposal's */
        emit(c, CONS_ACT_SEND, ps->peer, &m);
    }
    for (size_t k = 0; k < c->vals.len && room(c); k++) {
        const vote_entry *e = slot_find(&vr->votes[0][k], rs->block_id);
        if (e != NULL) {
            vote_msg(c, vr, LEDGER_VOTE_PREVOTE, k, e, &m);
            emit(c, CONS_ACT_SEND, ps->peer, &m);
        }
    }
    if (at == ps->pols_len && at < PEER_POLS) {
        ps->pols_len++;
    }
    if (at < PEER_POLS) {
        /* Cut short by room() (or an encoding without memory): fewer than we have, so the
         * peer's next status brings the rest. */
        ps->pols[at].pol_round = rs->pol_round;
        memcpy(ps->pols[at].block_id, rs->block_id, 32);
        ps->pols[at].sent = (uint32_t)(c->actions_len - before);
    }
}

/* Milliseconds from since to now; 0 if the clock went back. */
static uint64_t elapsed_ms(uint64_t now, uint64_t since)
{
    return now > since ? now - since : 0;
}

/* The slot of peer, taken over (and cleared) if it held another peer. */
static peer_state *peer_slot(cons_core *c, uint32_t peer)
{
    CHR_ASSERT(peer != 0);
    peer_state *ps = &c->peers[peer % CONS_PEERS_TRACKED];
    if (ps->peer != peer) {
        memset(ps, 0, sizeof(*ps));
        ps->peer = peer;
    }
    return ps;
}

/* Whether the peer delivered a block that decided a height here within
 * CONS_SYNC_PROOF_MS. */
static int peer_proven(const cons_core *c, const peer_state *ps)
{
    return ps->proven && elapsed_ms(c->now_ms, ps->proven_ms) <= CONS_SYNC_PROOF_MS;
}

/* Whether the peer's claimed height counts for cons_core_peer_height: a claim of at most one
 * height above ours always does; one further ahead while the peer proves it by delivering
 * blocks, or in the first CONS_SYNC_PROOF_MS of a stretch of unproven claims. */
static int peer_credible(const cons_core *c, const peer_state *ps)
{
    if (ps->height <= c->height + 1 || peer_proven(c, ps)) {
        return 1;
    }
    return c->doubt_active && elapsed_ms(c->now_ms, c->doubt_start_ms) <= CONS_SYNC_PROOF_MS;
}

static chr_err on_status(cons_core *c, uint32_t peer, const cons_status *s)
{
    peer_state *ps = peer_slot(c, peer);
    if (ps->height != s->height || ps->round != s->round) {
        ps->pols_len = 0; /* a new round of the peer's: what it lacks starts afresh */
    }
    ps->height = s->height;
    ps->round = s->round;
    if (s->height < c->height) {
        cons_action *a = action_push(c, CONS_ACT_SYNC);
        a->peer = peer;
        a->height = s->height;
    } else if (s->height == c->height && c->running) {
        answer_status(c, ps, s);
    }
    /* Our status, sent every tick, asks a peer that is ahead for its blocks (its SYNC
     * action); a claim it does not back with them stops counting (peer_credible). */
    if (s->height > c->height + 1 && !peer_proven(c, ps)) {
        if (!c->doubt_active ||
            elapsed_ms(c->now_ms, c->doubt_last_ms) > CONS_SYNC_DOUBT_QUIET_MS) {
            c->doubt_active = 1;
            c->doubt_start_ms = c->now_ms;
        }
        c->doubt_last_ms = c->now_ms;
    }
    return CHR_OK;
}

static chr_err on_committed(cons_core *c, uint32_t peer, const cons_committed *m)
{
    if (m->commit.height != c->height || c->decided) {
        return CHR_OK;
    }
    uint8_t id[32];
    if (c->app.block_id(c->app.ctx, m->block, m->block_len, id) != CHR_OK) {
        return CHR_ERR_CONS_MSG;
    }
    char detail[128];
    chr_err err = ledger_commit_verify(&m->commit, c->cfg.chain_id, &c->vals, c->height, id,
                                       detail, sizeof(detail));
    if (err != CHR_OK) {
        return err;
    }
    /* More than 2/3 of the power signed it: the block is final (the paper's decision is
     * the same for every correct process), whatever our own rounds say. */
    decide(c, m->block, m->block_len, &m->commit);
    /* The peer delivered a block we lacked: its claims to be ahead are credible. A copy
     * that comes after another peer's does not count; that peer's claims carry ours. */
    peer_state *ps = peer_slot(c, peer);
    ps->proven = 1;
    ps->proven_ms = c->now_ms;
    return CHR_OK;
}

static chr_err on_evidence(cons_core *c, const cons_evidence *ev)
{
    if (ev->a.height != c->height) {
        return CHR_OK;
    }
    chr_err err;
    if ((err = cons_vote_verify(&ev->a, c->cfg.chain_id, &c->vals)) != CHR_OK ||
        (err = cons_vote_verify(&ev->b, c->cfg.chain_id, &c->vals)) != CHR_OK) {
        return err;
    }
    int idx = ledger_valset_find(&c->vals, ev->a.validator);
    round_state *rs = round_find(c, ev->a.round);
    vote_slot *s = rs != NULL ? &rs->votes[ev->a.type - 1][idx] : NULL;
    if (s != NULL && s->reported) {
        return CHR_OK; /* known: do not gossip it again */
    }
    if (s == NULL) {
        for (size_t i = 0; i < CONS_EVIDENCE_SEEN; i++) {
            if (c->reported[i].round == ev->a.round && c->reported[i].type == ev->a.type &&
                memcmp(c->reported[i].validator, ev->a.validator, 32) == 0) {
                return CHR_OK;
            }
        }
        size_t at = c->reported_next++ % CONS_EVIDENCE_SEEN;
        memcpy(c->reported[at].validator, ev->a.validator, 32);
        c->reported[at].round = ev->a.round;
        c->reported[at].type = ev->a.type;
    }
    if (s != NULL) {
        /* Both are valid votes: count them like any other (see vote_slot). */
        s->reported = 1;
        int added = slot_add(c, rs, s, ev->a.block_id, ev->a.sig);
        added |= slot_add(c, rs, s, ev->b.block_id, ev->b.sig);
        if (added) {
            process(c);
        }
    }
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_EVIDENCE;
    m.u.evidence = *ev;
    emit(c, CONS_ACT_EVIDENCE, 0, &m);
    if (s != NULL) {
        emit(c, CONS_ACT_BROADCAST, 0, &m);
    }
    return CHR_OK;
}

chr_err cons_core_on_message(cons_core *c, uint32_t peer, const uint8_t *msg, size_t msg_len,
                             uint64_t now_ms)
{
    actions_clear(c);
    c->now_ms = now_ms;
    cons_msg m;
    chr_err err = cons_msg_decode(&m, msg, msg_len);
    if (err != CHR_OK) {
        return err;
    }
    switch (m.kind) {
    case CONS_MSG_VOTE:
        return on_vote(c, &m.u.vote);
    case CONS_MSG_PROPOSAL:
        return on_proposal(c, &m.u.proposal);
    case CONS_MSG_STATUS:
        return on_status(c, peer, &m.u.status);
    case CONS_MSG_COMMITTED:
        return on_committed(c, peer, &m.u.committed);
    case CONS_MSG_EVIDENCE:
        return on_evidence(c, &m.u.evidence);
    default:
        CHR_ASSERT(0); /* cons_msg_decode admits only the kinds above */
        return CHR_ERR_CONS_MSG;
    }
}

void cons_core_on_timeout(cons_core *c, int kind, uint64_t height, uint32_t round, uint64_t now_ms)
{
    actions_clear(c);
    c->now_ms = now_ms;
    if (!c->running || c->decided || height != c->height || round != c->round) {
        return;
    }
    if (kind == CONS_TIMEOUT_PROPOSE && c->step == CONS_STEP_PROPOSE) {
        /* L57-L60. */
        vote(c, LEDGER_VOTE_PREVOTE, NULL);
        c->step = CONS_STEP_PREVOTE;
    } else if (kind == CONS_TIMEOUT_PREVOTE && c->step == CONS_STEP_PREVOTE) {
        /* L61-L64. */
        vote(c, LEDGER_VOTE_PRECOMMIT, NULL);
        c->step = CONS_STEP_PRECOMMIT;
    } else if (kind == CONS_TIMEOUT_PRECOMMIT && round < CONS_ROUND_MAX) {
        /* L65-L67. */
        start_round(c, round + 1);
    }
    process(c);
}

void cons_core_tick(cons_core *c, uint64_t now_ms)
{
    actions_clear(c);
    c->now_ms = now_ms;
    if (c->height == 0) {
        return;
    }
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_STATUS;
    cons_status *s = &m.u.status;
    s->height = c->height;
    s->round = c->round;
    s->step = (uint8_t)c->step;
    s->bits = (uint16_t)c->vals.len;
    const round_state *rs = round_find(c, c->round);
    if (rs != NULL) {
        s->has_proposal = rs->has_proposal ? 1 : 0;
        for (size_t k = 0; k < c->vals.len; k++) {
            if (slot_any(&rs->votes[0][k])) {
                bit_set(s->prevotes, k);
            }
            if (slot_any(&rs->votes[1][k])) {
                bit_set(s->precommits, k);
            }
        }
    }
    emit(c, CONS_ACT_BROADCAST, 0, &m);
}

const cons_action *cons_core_actions(const cons_core *c, size_t *n)
{
    *n = c->actions_len;
    return c->actions;
}

uint64_t cons_core_height(const cons_core *c)
{
    return c->height;
}

uint64_t cons_core_peer_height(const cons_core *c)
{
    uint64_t best = 0;
    for (size_t i = 0; i < CONS_PEERS_TRACKED; i++) {
        const peer_state *ps = &c->peers[i];
        if (ps->peer != 0 && ps->height > best && peer_credible(c, ps)) {
            best = ps->height;
        }
    }
    return best;
}

void cons_core_peer_gone(cons_core *c, uint32_t peer)
{
    actions_clear(c);
    peer_state *ps = &c->peers[peer % CONS_PEERS_TRACKED];
    if (peer != 0 && ps->peer == peer) {
        memset(ps, 0, sizeof(*ps));
    }
}

uint32_t cons_core_round(const cons_core *c)
{
    return c->round;
}

int cons_core_step(const cons_core *c)
{
    return c->step;
}
