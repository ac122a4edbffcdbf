/* Tendermint's Algorithm 1 as a step function. Comments cite the paper's line numbers
 * ("L22" is line 22 of Algorithm 1 in Buchman, Kwon, Milosevic 2018). Every input stores
 * what it brings, then core_process() evaluates the paper's "upon" rules until none fires.
 * Here: rounds, steps, locking, timeouts and vote counting. What the core tracks of its
 * peers is in consensus/core_peers.c, the WAL's replay in consensus/core_restore.c; they
 * share the state through consensus/internal/core.h. */
#include "consensus/core.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "consensus/internal/core.h"

static const uint8_t nil_id[32];

/* ---- actions ---- */

void core_actions_clear(cons_core *c)
{
    for (size_t i = 0; i < c->actions_len; i++) {
        free(c->actions[i].msg);
    }
    c->actions_len = 0;
}

cons_action *core_action_push(cons_core *c, int kind)
{
    CHR_ASSERT(c->actions_len < CONS_ACTIONS_MAX);
    cons_action *a = &c->actions[c->actions_len++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    return a;
}

/* Encodes m and queues it as a WAL, BROADCAST, SEND or EVIDENCE action. An encoding
 * failure means our own message is malformed: a broken invariant. */
void core_emit(cons_core *c, int kind, uint32_t peer, const cons_msg *m)
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
    cons_action *a = core_action_push(c, kind);
    a->peer = peer;
    a->msg = buf;
    a->msg_len = len;
}

static void schedule(cons_core *c, int timeout, uint64_t base, uint64_t delta)
{
    cons_action *a = core_action_push(c, CONS_ACT_TIMEOUT);
    a->timeout = timeout;
    a->height = c->height;
    a->round = c->round;
    a->delay_ms =
        base + delta * c->round; /* round <= CONS_ROUND_MAX: no overflow for sane deltas */
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

int core_slot_any(const vote_slot *s)
{
    return s->e[0].present || s->e[1].present || s->e[2].present;
}

const vote_entry *core_slot_find(const vote_slot *s, const uint8_t id[32])
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
int core_slot_add(const cons_core *c, const round_state *rs, vote_slot *s, const uint8_t id[32],
                  const uint8_t sig[64])
{
    (void)c;
    if (core_slot_find(s, id) != NULL) {
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
        if (id == NULL ? core_slot_any(&rs->votes[type - 1][i])
                       : core_slot_find(&rs->votes[type - 1][i], id) != NULL) {
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

round_state *core_round_find(cons_core *c, uint32_t round)
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
round_state *core_round_get(cons_core *c, uint32_t round)
{
    round_state *rs = core_round_find(c, round);
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

chr_err core_round_set_proposal(round_state *rs, const cons_proposal *p, const uint8_t id[32])
{
    uint8_t *copy = malloc(p->block_len > 0 ? p->block_len : 1);
    if (copy == NULL) {
        return CHR_ERR_NOMEM;
    }
    memcpy(copy, p->block, p->block_len);
    free(rs->block); /* a WAL may hold a round's proposal twice (restored twice) */
    rs->has_proposal = 1;
    rs->pol_round = p->pol_round;
    rs->block = copy;
    rs->block_len = p->block_len;
    memcpy(rs->block_id, id, 32);
    memcpy(rs->prop_sig, p->sig, 64);
    rs->valid = -1;
    return CHR_OK;
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

int core_is_validator(const cons_core *c)
{
    return c->cfg.has_key && c->my_index >= 0;
}

/* Signs and sends our vote of type in the current round for id (NULL: nil), recording it
 * first (the WAL action precedes the broadcast). Never signs a second vote of one type in
 * one round: after a restart the restored vote stands. */
static void vote(cons_core *c, int type, const uint8_t *id)
{
    if (!core_is_validator(c)) {
        return;
    }
    round_state *rs = core_round_get(c, c->round);
    CHR_ASSERT(rs != NULL); /* the current round is always pinned */
    vote_slot *mine = &rs->votes[type - 1][c->my_index];
    if (core_slot_any(mine)) {
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
    CHR_ASSERT(core_slot_add(c, rs, mine, v->block_id, v->sig));
    core_emit(c, CONS_ACT_WAL, 0, &m);
    core_emit(c, CONS_ACT_BROADCAST, 0, &m);
}

void core_proposal_msg(const cons_core *c, const round_state *rs, cons_msg *m)
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

void core_vote_msg(const cons_core *c, const round_state *rs, int type, size_t idx,
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
        const round_state *vr = core_round_find(c, c->valid_round);
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
    core_proposal_msg(c, rs, &m);
    core_emit(c, CONS_ACT_WAL, 0, &m);
    core_emit(c, CONS_ACT_BROADCAST, 0, &m);
}

/* L11-L21: StartRound. */
void core_start_round(cons_core *c, uint32_t round)
{
    c->round = round;
    c->step = CONS_STEP_PROPOSE;
    round_state *rs = core_round_get(c, round);
    CHR_ASSERT(rs != NULL); /* round <= old round + AHEAD, or the round just after ours */
    size_t proposer = cons_schedule_proposer(&c->sched, c->height, round);
    if (core_is_validator(c) && (size_t)c->my_index == proposer) {
        propose(c, rs);
    }
    /* L21 schedules this only for the others; for the proposer it is harmless (its step
     * leaves propose as soon as its own proposal is processed) and covers a proposal that
     * could not be built. */
    schedule(c, CONS_TIMEOUT_PROPOSE, c->cfg.timeout_propose_ms, c->cfg.timeout_propose_delta_ms);
}

/* ---- deciding ---- */

static void decide(cons_core *c, const uint8_t *block, size_t block_len,
                   const ledger_commit *commit)
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
    cons_action *a = core_action_push(c, CONS_ACT_COMMIT);
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
        const vote_entry *e = core_slot_find(&rs->votes[1][i], rs->block_id);
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
    core_start_round(c, target);
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
        round_state *vr = core_round_find(c, rs->pol_round);
        if (vr == NULL || !quorum(c, tally(c, vr, LEDGER_VOTE_PREVOTE, id))) {
            return 0; /* wait for the prevotes, or for the propose timeout */
        }
        lock_ok =
            !c->locked || c->locked_round <= rs->pol_round || memcmp(c->locked_id, id, 32) == 0;
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
    if (!core_is_validator(c)) {
        return;
    }
    cons_msg m;
    core_proposal_msg(c, rs, &m);
    core_emit(c, CONS_ACT_WAL, 0, &m);
    for (size_t k = 0; k < c->vals.len; k++) {
        const vote_entry *e = core_slot_find(&rs->votes[0][k], rs->block_id);
        if (e != NULL && (int)k != c->my_index) {
            core_vote_msg(c, rs, LEDGER_VOTE_PREVOTE, k, e, &m);
            core_emit(c, CONS_ACT_WAL, 0, &m);
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
void core_process(cons_core *c)
{
    while (c->running && !c->decided) {
        if (rule_decide(c) || rule_skip_round(c)) {
            continue;
        }
        round_state *rs = core_round_get(c, c->round);
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
    core_actions_clear(c);
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
    core_actions_clear(c);
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

void cons_core_run(cons_core *c, uint64_t now_ms)
{
    CHR_ASSERT(!c->running);
    core_actions_clear(c);
    c->now_ms = now_ms;
    c->running = 1;
    if (!c->restored) {
        core_start_round(c, 0);
    } else {
        core_resume(c); /* consensus/core_restore.c */
    }
    core_process(c);
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
    core_emit(c, CONS_ACT_EVIDENCE, 0, &m);
    core_emit(c, CONS_ACT_BROADCAST, 0, &m);
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
    round_state *rs = core_round_find(c, v->round);
    if (rs != NULL && core_slot_find(&rs->votes[v->type - 1][idx], v->block_id) != NULL) {
        return CHR_OK; /* a duplicate: no need to check its signature */
    }
    chr_err err = cons_vote_verify(v, c->cfg.chain_id, &c->vals);
    if (err != CHR_OK) {
        return err;
    }
    saw_round(c, idx, v->round);
    if (rs == NULL && (rs = core_round_get(c, v->round)) == NULL) {
        core_process(c); /* too far ahead to store, but it counts for L55 */
        return CHR_OK;
    }
    vote_slot *s = &rs->votes[v->type - 1][idx];
    if (core_slot_any(s) && !s->reported) {
        /* Two valid votes of one validator for different values in one round: evidence. */
        s->reported = 1;
        const vote_entry *first = s->e[0].present   ? &s->e[0]
                                  : s->e[1].present ? &s->e[1]
                                                    : &s->e[2];
        emit_evidence(c, v, first);
    }
    if (core_slot_add(c, rs, s, v->block_id, v->sig)) {
        core_process(c);
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
    round_state *rs = core_round_find(c, p->round);
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
    if (rs == NULL && (rs = core_round_get(c, p->round)) == NULL) {
        core_process(c);
        return CHR_OK;
    }
    if (core_round_set_proposal(rs, p, id) != CHR_OK) {
        return CHR_ERR_NOMEM;
    }
    slots_promote(c, rs);
    core_process(c);
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
    chr_err err = ledger_commit_verify(&m->commit, c->cfg.chain_id, &c->vals, c->height, id, detail,
                                       sizeof(detail));
    if (err != CHR_OK) {
        return err;
    }
    /* More than 2/3 of the power signed it: the block is final (the paper's decision is
     * the same for every correct process), whatever our own rounds say. */
    decide(c, m->block, m->block_len, &m->commit);
    core_peer_delivered(c, peer); /* consensus/core_peers.c */
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
    round_state *rs = core_round_find(c, ev->a.round);
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
        int added = core_slot_add(c, rs, s, ev->a.block_id, ev->a.sig);
        added |= core_slot_add(c, rs, s, ev->b.block_id, ev->b.sig);
        if (added) {
            core_process(c);
        }
    }
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_EVIDENCE;
    m.u.evidence = *ev;
    core_emit(c, CONS_ACT_EVIDENCE, 0, &m);
    if (s != NULL) {
        core_emit(c, CONS_ACT_BROADCAST, 0, &m);
    }
    return CHR_OK;
}

chr_err cons_core_on_message(cons_core *c, uint32_t peer, const uint8_t *msg, size_t msg_len,
                             uint64_t now_ms)
{
    core_actions_clear(c);
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
        return core_on_status(c, peer, &m.u.status);
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
    core_actions_clear(c);
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
        core_start_round(c, round + 1);
    }
    core_process(c);
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

uint32_t cons_core_round(const cons_core *c)
{
    return c->round;
}

int cons_core_step(const cons_core *c)
{
    return c->step;
}
