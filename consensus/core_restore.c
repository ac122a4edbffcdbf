/* Replaying the WAL after a restart (docs/CONSENSUS.md, "WAL"): the records of the current
 * height are this node's own proposals and votes, and the proof of its lock (the locked
 * round's proposal and the prevotes for it, written by record_proof in consensus/core.c).
 * Restoring them before cons_core_run means a restarted validator never signs a second,
 * conflicting vote in a round it already voted in, keeps its lock (L36-L39 of Algorithm 1)
 * and can still show the lock's proof (L28). */
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "consensus/internal/core.h"

static round_state *restore_round(cons_core *c, uint32_t round)
{
    if (round > c->round) {
        c->round = round; /* the window moves with the restored round */
    }
    return core_round_get(c, round);
}

/* Another validator's prevote, part of the proof of our lock (rule_lock). */
static chr_err restore_pol_prevote(cons_core *c, int idx, const cons_vote *v)
{
    if (idx < 0 || v->type != LEDGER_VOTE_PREVOTE ||
        cons_vote_verify(v, c->cfg.chain_id, &c->vals) != CHR_OK) {
        return CHR_ERR_WAL;
    }
    round_state *rs = core_round_find(c, v->round);
    if (rs == NULL && (rs = restore_round(c, v->round)) == NULL) {
        return CHR_ERR_WAL;
    }
    (void)core_slot_add(c, rs, &rs->votes[0][idx], v->block_id, v->sig);
    return CHR_OK;
}

static chr_err restore_vote(cons_core *c, const cons_vote *v)
{
    if (v->height != c->height) {
        return CHR_OK;
    }
    if (!core_is_validator(c)) {
        return CHR_ERR_WAL;
    }
    int idx = ledger_valset_find(&c->vals, v->validator);
    if (idx != c->my_index) {
        return restore_pol_prevote(c, idx, v);
    }
    round_state *rs = restore_round(c, v->round);
    if (rs == NULL) {
        return CHR_ERR_WAL;
    }
    vote_slot *s = &rs->votes[v->type - 1][c->my_index];
    if (core_slot_any(s) && core_slot_find(s, v->block_id) == NULL) {
        return CHR_ERR_WAL; /* two different votes of ours in one round: never */
    }
    (void)core_slot_add(c, rs, s, v->block_id, v->sig);
    /* L38-L39: our latest precommit for a value is our lock. */
    if (v->type == LEDGER_VOTE_PRECOMMIT && !cons_vote_is_nil(v) &&
        (!c->locked || v->round >= c->locked_round)) {
        c->locked = 1;
        c->locked_round = v->round;
        memcpy(c->locked_id, v->block_id, 32);
    }
    c->restored = 1;
    return CHR_OK;
}

/* Ours, or the proposal of our lock's round (rule_lock records it). */
static chr_err restore_proposal(cons_core *c, const cons_proposal *p)
{
    if (p->height != c->height) {
        return CHR_OK;
    }
    uint8_t id[32];
    size_t proposer = cons_schedule_proposer(&c->sched, c->height, p->round);
    if (!core_is_validator(c) || memcmp(p->proposer, c->vals.v[proposer].pubkey, 32) != 0 ||
        c->app.block_id(c->app.ctx, p->block, p->block_len, id) != CHR_OK ||
        cons_proposal_verify(p, c->cfg.chain_id, id) != CHR_OK) {
        return CHR_ERR_WAL;
    }
    round_state *rs = restore_round(c, p->round);
    if (rs == NULL) {
        return CHR_ERR_WAL;
    }
    if (core_round_set_proposal(rs, p, id) != CHR_OK) {
        return CHR_ERR_NOMEM;
    }
    c->restored = 1;
    return CHR_OK;
}

chr_err cons_core_restore(cons_core *c, const uint8_t *rec, size_t rec_len)
{
    CHR_ASSERT(!c->running);
    core_actions_clear(c);
    cons_msg m;
    if (cons_msg_decode(&m, rec, rec_len) != CHR_OK) {
        return CHR_ERR_WAL;
    }
    /* A record of another height is ignored (CHR_OK); so is restoring nothing of ours:
     * only our own messages and our lock's proposal make the height a restored one. */
    if (m.kind == CONS_MSG_VOTE) {
        return restore_vote(c, &m.u.vote);
    }
    if (m.kind == CONS_MSG_PROPOSAL) {
        return restore_proposal(c, &m.u.proposal);
    }
    return CHR_ERR_WAL;
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
            core_proposal_msg(c, rs, &m);
            core_emit(c, CONS_ACT_BROADCAST, 0, &m);
        }
        for (int type = 1; type <= VOTE_TYPES; type++) {
            for (size_t k = 0; k < ENTRIES; k++) {
                const vote_entry *e = &rs->votes[type - 1][c->my_index].e[k];
                if (e->present) {
                    core_vote_msg(c, rs, type, (size_t)c->my_index, e, &m);
                    core_emit(c, CONS_ACT_BROADCAST, 0, &m);
                }
            }
        }
    }
}

void core_resume(cons_core *c)
{
    CHR_ASSERT(c->restored);
    /* The lock's proof was recorded with it: the locked value is our valid value. */
    const round_state *lr = c->locked ? core_round_find(c, c->locked_round) : NULL;
    if (lr != NULL && lr->has_proposal && memcmp(lr->block_id, c->locked_id, 32) == 0) {
        c->valid_set = 1;
        c->valid_round = c->locked_round;
        memcpy(c->valid_id, c->locked_id, 32);
    }
    resend_own(c);
    core_start_round(c, c->round);
    /* The step our own signed votes put us in: never vote twice in one round. */
    round_state *rs = core_round_get(c, c->round);
    if (core_slot_any(&rs->votes[1][c->my_index])) {
        c->step = CONS_STEP_PRECOMMIT;
    } else if (core_slot_any(&rs->votes[0][c->my_index])) {
        c->step = CONS_STEP_PREVOTE;
    }
}
