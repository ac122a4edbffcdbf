/* What the consensus core knows of its peers, and what it tells them: their latest
 * statuses (the height each claims, and whether that claim is credible for
 * cons_core_peer_height), the answer to a status (what a peer at our height lacks of its
 * round and ours, proofs of lock, a SYNC action for a peer behind), and this node's own
 * status gossip (cons_core_tick). None of it is part of Algorithm 1 (Buchman, Kwon,
 * Milosevic 2018): the paper assumes a gossip layer that eventually delivers every message,
 * and this file is that layer's part inside the deterministic core. */
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "consensus/internal/core.h"

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

/* The prevotes of a re-proposed value's proof-of-lock round: L28 needs them, and a peer
 * that missed them in that round would otherwise never accept the value. Sent once per
 * round of the peer (peer_state's pols), and again when we hold more of them. */
static void send_pol(cons_core *c, peer_state *ps, const round_state *rs)
{
    const round_state *vr = core_round_find(c, rs->pol_round);
    if (vr == NULL) {
        return;
    }
    uint32_t have = vr->has_proposal ? 1 : 0;
    for (size_t k = 0; k < c->vals.len; k++) {
        have += core_slot_find(&vr->votes[0][k], rs->block_id) != NULL ? 1 : 0;
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
        /* So that the peer files the prevotes for it as the proposal's. */
        core_proposal_msg(c, vr, &m);
        core_emit(c, CONS_ACT_SEND, ps->peer, &m);
    }
    for (size_t k = 0; k < c->vals.len && room(c); k++) {
        const vote_entry *e = core_slot_find(&vr->votes[0][k], rs->block_id);
        if (e != NULL) {
            core_vote_msg(c, vr, LEDGER_VOTE_PREVOTE, k, e, &m);
            core_emit(c, CONS_ACT_SEND, ps->peer, &m);
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

/* A peer at our height says what it has of its round: send it what it lacks of that
 * round, and if we are in a later round, everything of ours (so it can skip by L55). */
static void answer_status(cons_core *c, peer_state *ps, const cons_status *s)
{
    uint32_t peer = ps->peer;
    int bits_match = s->bits == c->vals.len;
    cons_msg m;
    for (size_t i = 0; i < CONS_ROUNDS_KEPT; i++) {
        const round_state *rs = &c->rounds[i];
        if (!rs->used ||
            !(rs->round == s->round || (rs->round == c->round && c->round > s->round))) {
            continue;
        }
        int same = rs->round == s->round && bits_match;
        if (rs->has_proposal && !(same && s->has_proposal) && room(c)) {
            core_proposal_msg(c, rs, &m);
            core_emit(c, CONS_ACT_SEND, peer, &m);
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
                        core_vote_msg(c, rs, type, k, e, &m);
                        core_emit(c, CONS_ACT_SEND, peer, &m);
                    }
                }
            }
        }
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

chr_err core_on_status(cons_core *c, uint32_t peer, const cons_status *s)
{
    peer_state *ps = peer_slot(c, peer);
    if (ps->height != s->height || ps->round != s->round) {
        ps->pols_len = 0; /* a new round of the peer's: what it lacks starts afresh */
    }
    ps->height = s->height;
    ps->round = s->round;
    if (s->height < c->height) {
        cons_action *a = core_action_push(c, CONS_ACT_SYNC);
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

void core_peer_delivered(cons_core *c, uint32_t peer)
{
    /* The peer delivered a block we lacked: its claims to be ahead are credible. A copy
     * that comes after another peer's does not count; that peer's claims carry ours. */
    peer_state *ps = peer_slot(c, peer);
    ps->proven = 1;
    ps->proven_ms = c->now_ms;
}

void cons_core_tick(cons_core *c, uint64_t now_ms)
{
    core_actions_clear(c);
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
    const round_state *rs = core_round_find(c, c->round);
    if (rs != NULL) {
        s->has_proposal = rs->has_proposal ? 1 : 0;
        for (size_t k = 0; k < c->vals.len; k++) {
            if (core_slot_any(&rs->votes[0][k])) {
                bit_set(s->prevotes, k);
            }
            if (core_slot_any(&rs->votes[1][k])) {
                bit_set(s->precommits, k);
            }
        }
    }
    core_emit(c, CONS_ACT_BROADCAST, 0, &m);
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
    core_actions_clear(c);
    peer_state *ps = &c->peers[peer % CONS_PEERS_TRACKED];
    if (peer != 0 && ps->peer == peer) {
        memset(ps, 0, sizeof(*ps));
    }
}
