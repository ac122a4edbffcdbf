/* The consensus simulator: 4 to 7 validators (and sometimes a full node) run the real
 * consensus core (consensus/core.h) in one process over a seeded virtual network with
 * delays, drops, duplicates, reordering, partitions and their healing, crashes and restarts
 * that replay the WAL, and byzantine validators holding less than a third of the power that
 * go silent, equivocate or send garbage.
 *
 * Each node's application is the real ledger (ledger/chain.h, tests/sim/app.c): proposers
 * draft real blocks of signed transfers, delegations and undelegations and pooled evidence,
 * every node checks proposals with the chain's rules and applies decided blocks to its own
 * state. The genesis bonds the validators' power, so the validator set follows the stake:
 * each height is run and its commit checked with the set the node's ledger holds for it,
 * which changes as delegations to honest validators come and go (a run of 20 seeds or more
 * fails if no set ever changed).
 *
 * After every event it checks: no two honest nodes commit different blocks at one height;
 * every committed block carries a valid commit; no honest validator signs two conflicting
 * votes (across restarts); each decided block applies on every node that commits it, to
 * the state root its header names; supply is conserved; evidence only ever names a
 * byzantine validator, and the ledger accepts what the core found. At the end it checks liveness:
 * once faults stop (the network whole, every honest node up), every honest node commits past the
 * height reached when they stopped.
 *
 * usage: sim [--seeds N] [--first S] [--seed S] [--jobs J] [--verbose | --trace]
 * (--jobs runs the seeds in J processes; CHROOM_SEED=S replays one seed.)
 * Prints "PASS sim: ..." or one "FAIL sim seed S: why" per failing seed, with the command
 * that replays it. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/hash.h"
#include "ledger/sig.h"
#include "tests/sim/sim.h"

#define NODES_MAX 8
#define TICK_MS 200
#define COMMIT_WAIT_MS 100
#define FAULTS_END_MS 12000
#define LIVENESS_MS 10000
#define EVENTS_MAX 3000000

enum { HONEST, BYZ_SILENT, BYZ_EQUIVOCATE, BYZ_GARBAGE };
static const char *const role_names[] = {"honest", "silent", "equivocating", "garbage"};

enum {
    EV_DELIVER,
    EV_TIMEOUT,
    EV_TICK,
    EV_RUN,
    EV_CRASH,
    EV_RESTART,
    EV_PARTITION,
    EV_HEAL,
    EV_GARBAGE
};

typedef struct event {
    uint64_t t, seq;
    int type;
    int node, from;
    uint64_t epoch;
    uint8_t *msg;
    size_t len;
    int tkind;
    uint64_t h;
    uint32_t r;
} event;

typedef struct sim_node {
    int role;
    int validator; /* 0: a full node */
    uint8_t sk[32], pub[32];
    cons_core *core;
    sim_app app;
    uint8_t **wal;
    size_t *wal_lens;
    size_t wal_len, wal_cap;
    int up;
    uint64_t epoch;
    int64_t skew_ms;
} sim_node;

typedef struct reg_entry {
    uint64_t key_hash;
    int used;
    uint8_t validator;
    uint8_t type;
    uint64_t h;
    uint32_t r;
    uint8_t id[32];
} reg_entry;

typedef struct world {
    uint64_t seed, rng, t, seq;
    int verbose;
    int n;
    sim_node nodes[NODES_MAX];
    ledger_valset vals;
    ledger_signer *signer;
    event **heap;
    size_t heap_len, heap_cap;
    int group[NODES_MAX];
    int partitioned;
    unsigned drop_permille, dup_permille;
    uint8_t (*agreed)[32];
    size_t agreed_len, agreed_cap;
    reg_entry *reg;
    size_t reg_cap, reg_len;
    uint64_t events, evidence, stable_height;
    int failed;
    char why[512];
} world;

uint64_t sim_rand(uint64_t *state)
{
    /* splitmix64: a good spread from any seed, including small consecutive ones. */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rnd(world *w, uint64_t n)
{
    return n == 0 ? 0 : sim_rand(&w->rng) % n;
}

static void fail(world *w, const char *fmt, ...)
{
    if (w->failed) {
        return;
    }
    w->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    int at = snprintf(w->why, sizeof(w->why), "t=%" PRIu64 "ms: ", w->t);
    vsnprintf(w->why + at, sizeof(w->why) - (size_t)at, fmt, ap);
    va_end(ap);
}

/* ---- the event queue: a binary heap by (time, sequence) ---- */

static int ev_before(const event *a, const event *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static event *ev_new(world *w, uint64_t at, int type, int node)
{
    event *e = calloc(1, sizeof(*e));
    CHR_ASSERT(e != NULL);
    e->t = at;
    e->seq = w->seq++;
    e->type = type;
    e->node = node;
    e->epoch = w->nodes[node].epoch;
    if (w->heap_len == w->heap_cap) {
        w->heap_cap = w->heap_cap == 0 ? 1024 : w->heap_cap * 2;
        w->heap = realloc(w->heap, w->heap_cap * sizeof(*w->heap));
        CHR_ASSERT(w->heap != NULL);
    }
    size_t i = w->heap_len++;
    while (i > 0 && ev_before(e, w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = e;
    return e;
}

static event *ev_pop(world *w)
{
    if (w->heap_len == 0) {
        return NULL;
    }
    event *top = w->heap[0];
    event *last = w->heap[--w->heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const event *best = last;
        if (l < w->heap_len && ev_before(w->heap[l], best)) {
            m = l;
            best = w->heap[l];
        }
        if (r < w->heap_len && ev_before(w->heap[r], best)) {
            m = r;
        }
        if (m == i) {
            break;
        }
        w->heap[i] = w->heap[m];
        i = m;
    }
    if (w->heap_len > 0) {
        w->heap[i] = last;
    }
    return top;
}

/* ---- the network ---- */

static int is_byz(const world *w, int i)
{
    return w->nodes[i].role != HONEST;
}

static void deliver_later(world *w, int from, int to, const uint8_t *msg, size_t len)
{
    uint64_t delay = 1 + rnd(w, 40);
    if (rnd(w, 100) == 0) {
        delay += 300; /* a rare slow link */
    }
    event *e = ev_new(w, w->t + delay, EV_DELIVER, to);
    e->from = from;
    e->msg = malloc(len > 0 ? len : 1);
    CHR_ASSERT(e->msg != NULL);
    memcpy(e->msg, msg, len);
    e->len = len;
}

static void net_send(world *w, int from, int to, const uint8_t *msg, size_t len)
{
    if (from == to || (w->partitioned && w->group[from] != w->group[to])) {
        return;
    }
    if (rnd(w, 1000) < w->drop_permille) {
        return;
    }
    deliver_later(w, from, to, msg, len);
    if (rnd(w, 1000) < w->dup_permille) {
        deliver_later(w, from, to, msg, len);
    }
}

/* ---- checks ---- */

/* Records an honest validator's signed vote; fails on a conflicting one of the same
 * height, round and type (double signing, also across a crash and restart). */
static void check_vote(world *w, int i, const cons_vote *v)
{
    if (w->reg_len * 2 >= w->reg_cap) {
        size_t cap = w->reg_cap == 0 ? 4096 : w->reg_cap * 2;
        reg_entry *old = w->reg;
        size_t old_cap = w->reg_cap;
        w->reg = calloc(cap, sizeof(*w->reg));
        CHR_ASSERT(w->reg != NULL);
        w->reg_cap = cap;
        for (size_t k = 0; k < old_cap; k++) {
            if (old[k].used) {
                size_t at = old[k].key_hash & (cap - 1);
                while (w->reg[at].used) {
                    at = (at + 1) & (cap - 1);
                }
                w->reg[at] = old[k];
            }
        }
        free(old);
    }
    uint64_t key = ((v->height * 1000003u + v->round) * 4 + v->type) * 31 + (uint64_t)i;
    key = sim_rand(&key);
    size_t at = key & (w->reg_cap - 1);
    while (w->reg[at].used) {
        reg_entry *r = &w->reg[at];
        if (r->validator == i && r->type == v->type && r->h == v->height && r->r == v->round) {
            if (memcmp(r->id, v->block_id, 32) != 0) {
                fail(w, "honest node %d signed conflicting %s votes at height %" PRIu64 " round %u",
                     i, v->type == 1 ? "pre" : "pre-commit", v->height, v->round);
            }
            return;
        }
        at = (at + 1) & (w->reg_cap - 1);
    }
    reg_entry *r = &w->reg[at];
    r->used = 1;
    r->key_hash = key;
    r->validator = (uint8_t)i;
    r->type = v->type;
    r->h = v->height;
    r->r = v->round;
    memcpy(r->id, v->block_id, 32);
    w->reg_len++;
}

static void check_outgoing(world *w, int i, const uint8_t *msg, size_t len)
{
    sim_node *nd = &w->nodes[i];
    cons_msg m;
    if (cons_msg_decode(&m, msg, len) != CHR_OK) {
        fail(w, "node %d sent a message that does not decode", i);
        return;
    }
    if (m.kind == CONS_MSG_VOTE && nd->role == HONEST && nd->validator &&
        memcmp(m.u.vote.validator, nd->pub, 32) == 0) {
        check_vote(w, i, &m.u.vote);
    }
    if (w->verbose > 1 && m.kind == CONS_MSG_VOTE && memcmp(m.u.vote.validator, nd->pub, 32) == 0) {
        printf("%6" PRIu64 " node %d %s h%" PRIu64 " r%u %02x%02x\n", w->t, i,
               m.u.vote.type == 1 ? "prevote  " : "precommit", m.u.vote.height, m.u.vote.round,
               m.u.vote.block_id[0], m.u.vote.block_id[1]);
    }
    if (w->verbose > 1 && m.kind == CONS_MSG_PROPOSAL &&
        memcmp(m.u.proposal.proposer, nd->pub, 32) == 0) {
        uint8_t id[32];
        if (ledger_block_id(id, m.u.proposal.block, m.u.proposal.block_len) != CHR_OK) {
            fail(w, "node %d proposed a block that does not decode", i);
            return;
        }
        printf("%6" PRIu64 " node %d proposal  h%" PRIu64 " r%u %02x%02x pol %d\n", w->t, i,
               m.u.proposal.height, m.u.proposal.round, id[0], id[1], (int)m.u.proposal.pol_round);
    }
}

static void check_commit(world *w, int i, const cons_action *a)
{
    sim_node *nd = &w->nodes[i];
    uint8_t id[32];
    if (ledger_block_id(id, a->block, a->block_len) != CHR_OK) {
        fail(w, "node %d committed a block whose header does not decode", i);
        return;
    }
    char detail[160];
    /* The set that signs this height, as the node's ledger holds it (it follows the stake). */
    if (ledger_commit_verify(a->commit, "sim-1", ledger_chain_validators(nd->app.chain), a->height,
                             id, detail, sizeof(detail)) != CHR_OK) {
        fail(w, "node %d committed height %" PRIu64 " without a valid commit: %s", i, a->height,
             detail);
        return;
    }
    if (a->height != nd->app.height + 1) {
        fail(w, "node %d committed height %" PRIu64 " after %" PRIu64, i, a->height,
             nd->app.height);
        return;
    }
    if (nd->role == HONEST) {
        if (a->height > w->agreed_len) {
            if (w->agreed_len == w->agreed_cap) {
                w->agreed_cap = w->agreed_cap == 0 ? 256 : w->agreed_cap * 2;
                w->agreed = realloc(w->agreed, w->agreed_cap * 32);
                CHR_ASSERT(w->agreed != NULL);
            }
            CHR_ASSERT(a->height == w->agreed_len + 1); /* heights are committed in order */
            memcpy(w->agreed[w->agreed_len++], id, 32);
        } else if (memcmp(w->agreed[a->height - 1], id, 32) != 0) {
            fail(w, "node %d committed a different block at height %" PRIu64, i, a->height);
            return;
        }
    }
    char why[160];
    if (!sim_app_apply(&nd->app, a->block, a->block_len, a->commit, why, sizeof(why))) {
        fail(w, "node %d: %s", i, why);
    }
}

/* Node i's core found evidence: it must name a byzantine validator, and the ledger takes
 * it into the node's pool, for its next blocks. */
static void check_evidence(world *w, int i, const uint8_t *msg, size_t len)
{
    cons_msg m;
    if (cons_msg_decode(&m, msg, len) != CHR_OK || m.kind != CONS_MSG_EVIDENCE) {
        fail(w, "an EVIDENCE action that is no evidence");
        return;
    }
    ledger_evidence ev;
    cons_evidence_to_ledger(&ev, &m.u.evidence);
    char why[160] = "";
    if (!sim_app_evidence(&w->nodes[i].app, &ev, why, sizeof(why))) {
        fail(w, "node %d: the ledger refused evidence its core verified: %s", i, why);
        return;
    }
    int at = ledger_valset_find(&w->vals, m.u.evidence.a.validator);
    for (int k = 0; k < w->n; k++) {
        if (w->nodes[k].validator && memcmp(w->nodes[k].pub, m.u.evidence.a.validator, 32) == 0 &&
            w->nodes[k].role == HONEST) {
            fail(w, "evidence against honest validator %d (set index %d)", k, at);
        }
    }
    w->evidence++;
}

/* ---- nodes ---- */

static uint64_t node_now(const world *w, int i)
{
    int64_t t = (int64_t)w->t + w->nodes[i].skew_ms;
    return t < 1 ? 1 : (uint64_t)t;
}

/* An equivocating validator also signs a conflicting vote and shows each half of the
 * network a different one. */
static void equivocate(world *w, int i, const uint8_t *msg, size_t len)
{
    cons_msg m;
    if (cons_msg_decode(&m, msg, len) != CHR_OK || m.kind != CONS_MSG_VOTE) {
        for (int k = 0; k < w->n; k++) {
            net_send(w, i, k, msg, len);
        }
        return;
    }
    cons_msg other = m;
    if (cons_vote_is_nil(&m.u.vote)) {
        for (size_t k = 0; k < 32; k++) {
            other.u.vote.block_id[k] = (uint8_t)rnd(w, 256);
        }
    } else {
        memset(other.u.vote.block_id, 0, 32);
    }
    CHR_ASSERT(cons_vote_sign(&other.u.vote, w->signer, "sim-1", w->nodes[i].sk) == CHR_OK);
    uint8_t *buf;
    size_t blen;
    CHR_ASSERT(cons_msg_encode(&buf, &blen, &other) == CHR_OK);
    for (int k = 0; k < w->n; k++) {
        if (k % 2 == 0) {
            net_send(w, i, k, msg, len);
        } else {
            net_send(w, i, k, buf, blen);
        }
    }
    free(buf);
}

static void send_committed(world *w, int i, int to, uint64_t from_height)
{
    sim_node *nd = &w->nodes[i];
    for (uint64_t h = from_height; h <= nd->app.height && h < from_height + 8; h++) {
        const sim_committed *sc = &nd->app.chain_blocks[h - 1];
        cons_msg m;
        memset(&m, 0, sizeof(m));
        m.kind = CONS_MSG_COMMITTED;
        m.u.committed.block = sc->block;
        m.u.committed.block_len = sc->block_len;
        m.u.committed.commit = sc->commit;
        uint8_t *buf;
        size_t len;
        CHR_ASSERT(cons_msg_encode(&buf, &len, &m) == CHR_OK);
        net_send(w, i, to, buf, len);
        free(buf);
    }
}

static void wal_append(sim_node *nd, const uint8_t *rec, size_t len)
{
    if (nd->wal_len == nd->wal_cap) {
        nd->wal_cap = nd->wal_cap == 0 ? 16 : nd->wal_cap * 2;
        nd->wal = realloc(nd->wal, nd->wal_cap * sizeof(*nd->wal));
        nd->wal_lens = realloc(nd->wal_lens, nd->wal_cap * sizeof(*nd->wal_lens));
        CHR_ASSERT(nd->wal != NULL && nd->wal_lens != NULL);
    }
    nd->wal[nd->wal_len] = malloc(len);
    CHR_ASSERT(nd->wal[nd->wal_len] != NULL);
    memcpy(nd->wal[nd->wal_len], rec, len);
    nd->wal_lens[nd->wal_len++] = len;
}

static void wal_clear(sim_node *nd)
{
    for (size_t k = 0; k < nd->wal_len; k++) {
        free(nd->wal[k]);
    }
    nd->wal_len = 0;
}

/* Carries out the actions of node i's last core call, in order. */
static void act(world *w, int i)
{
    sim_node *nd = &w->nodes[i];
    size_t n;
    const cons_action *acts = cons_core_actions(nd->core, &n);
    int committed = 0;
    for (size_t k = 0; k < n && !w->failed; k++) {
        const cons_action *a = &acts[k];
        switch (a->kind) {
        case CONS_ACT_WAL:
            check_outgoing(w, i, a->msg, a->msg_len);
            wal_append(nd, a->msg, a->msg_len);
            break;
        case CONS_ACT_BROADCAST:
            check_outgoing(w, i, a->msg, a->msg_len);
            if (nd->role == BYZ_EQUIVOCATE) {
                equivocate(w, i, a->msg, a->msg_len);
            } else {
                for (int to = 0; to < w->n; to++) {
                    net_send(w, i, to, a->msg, a->msg_len);
                }
            }
            break;
        case CONS_ACT_SEND:
            check_outgoing(w, i, a->msg, a->msg_len);
            CHR_ASSERT(a->peer >= 1 && a->peer <= (uint32_t)w->n);
            net_send(w, i, (int)a->peer - 1, a->msg, a->msg_len);
            break;
        case CONS_ACT_TIMEOUT: {
            event *e = ev_new(w, w->t + a->delay_ms, EV_TIMEOUT, i);
            e->tkind = a->timeout;
            e->h = a->height;
            e->r = a->round;
            break;
        }
        case CONS_ACT_COMMIT:
            check_commit(w, i, a);
            wal_clear(nd);
            committed = 1;
            break;
        case CONS_ACT_EVIDENCE:
            check_evidence(w, i, a->msg, a->msg_len);
            break;
        case CONS_ACT_SYNC:
            send_committed(w, i, (int)a->peer - 1, a->height);
            break;
        default:
            fail(w, "node %d: unknown action %d", i, a->kind);
        }
    }
    if (committed && !w->failed) {
        cons_core_begin(nd->core, nd->app.height + 1, ledger_chain_validators(nd->app.chain));
        event *e = ev_new(w, w->t + COMMIT_WAIT_MS, EV_RUN, i);
        e->h = nd->app.height + 1;
    }
}

static void node_start(world *w, int i)
{
    sim_node *nd = &w->nodes[i];
    cons_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chain_id = "sim-1";
    cfg.timeout_propose_ms = 400;
    cfg.timeout_propose_delta_ms = 100;
    cfg.timeout_prevote_ms = 200;
    cfg.timeout_prevote_delta_ms = 100;
    cfg.timeout_precommit_ms = 200;
    cfg.timeout_precommit_delta_ms = 100;
    cfg.has_key = nd->validator;
    memcpy(cfg.sk, nd->sk, 32);
    cons_app app = sim_app_callbacks(&nd->app);
    CHR_ASSERT(cons_core_new(&nd->core, &cfg, &app) == CHR_OK);
    cons_core_begin(nd->core, nd->app.height + 1, ledger_chain_validators(nd->app.chain));
    for (size_t k = 0; k < nd->wal_len; k++) {
        if (cons_core_restore(nd->core, nd->wal[k], nd->wal_lens[k]) != CHR_OK) {
            fail(w, "node %d: WAL record %zu does not restore", i, k);
        }
    }
    nd->up = 1;
    cons_core_run(nd->core, node_now(w, i));
    act(w, i);
    ev_new(w, w->t + 1 + rnd(w, TICK_MS), EV_TICK, i);
}

static void node_crash(world *w, int i)
{
    sim_node *nd = &w->nodes[i];
    cons_core_free(nd->core);
    nd->core = NULL;
    nd->up = 0;
    nd->epoch++; /* its pending timers die with it */
    /* Its connections close: the others' transports report it gone, as chroomd's does. */
    for (int j = 0; j < w->n; j++) {
        if (j != i && w->nodes[j].up) {
            cons_core_peer_gone(w->nodes[j].core, (uint32_t)i + 1);
        }
    }
}

/* ---- the scenario ---- */

static void setup(world *w)
{
    int validators = 4 + (int)rnd(w, 4);
    w->n = validators + (rnd(w, 3) == 0 ? 1 : 0);
    ledger_valset_init(&w->vals);
    uint64_t power[NODES_MAX];
    for (int i = 0; i < w->n; i++) {
        sim_node *nd = &w->nodes[i];
        nd->validator = i < validators;
        uint8_t in[16];
        chr_put_u64be(in, w->seed);
        chr_put_u64be(in + 8, (uint64_t)i);
        chr_sha256_hash(nd->sk, in, sizeof(in));
        CHR_ASSERT(ledger_signer_pubkey(w->signer, nd->pub, nd->sk) == CHR_OK);
        power[i] = 1 + rnd(w, 10);
        if (nd->validator) {
            CHR_ASSERT(ledger_valset_add(&w->vals, nd->pub, power[i]) == CHR_OK);
        }
        nd->skew_ms = (int64_t)rnd(w, 201) - 100;
    }
    /* Every node's ledger starts from the same genesis: the whole validator set first. */
    for (int i = 0; i < w->n; i++) {
        sim_node *nd = &w->nodes[i];
        uint8_t none[32] = {0};
        sim_app_init(&nd->app, w->seed, w->seed * 131 + (uint64_t)i, &w->vals,
                     nd->validator ? nd->pub : none, w->signer);
    }
    /* Byzantine validators, chosen at random while their power stays under a third. */
    uint64_t byz = 0;
    for (int tries = 0; tries < validators; tries++) {
        int i = (int)rnd(w, (uint64_t)validators);
        if (w->nodes[i].role == HONEST && rnd(w, 2) == 0 &&
            (byz + power[i]) * 3 < w->vals.total_power) {
            w->nodes[i].role = 1 + (int)rnd(w, 3);
            byz += power[i];
        }
    }
    /* Accounts delegate to and undelegate from honest validators only: the powers shift
     * and the set changes, while the faulty validators' share only falls. */
    for (int i = 0; i < w->n; i++) {
        for (int k = 0; k < validators; k++) {
            sim_app *app = &w->nodes[i].app;
            if (w->nodes[k].role == HONEST && app->stake_to_len < SIM_STAKE_TO_MAX) {
                memcpy(app->stake_to[app->stake_to_len++], w->nodes[k].pub, 32);
            }
        }
    }
    w->drop_permille = (unsigned)rnd(w, 100);
    w->dup_permille = (unsigned)rnd(w, 50);
    for (int i = 0; i < w->n; i++) {
        if (w->nodes[i].role != BYZ_SILENT) {
            node_start(w, i);
        }
        if (w->nodes[i].role == BYZ_GARBAGE) {
            ev_new(w, 50 + rnd(w, 200), EV_GARBAGE, i);
        }
    }
    /* Faults before FAULTS_END_MS: crashes of honest nodes and partitions. */
    int crashes = (int)rnd(w, 4);
    for (int k = 0; k < crashes; k++) {
        int i = (int)rnd(w, (uint64_t)w->n);
        if (w->nodes[i].role == HONEST) {
            ev_new(w, rnd(w, FAULTS_END_MS - 1000), EV_CRASH, i);
        }
    }
    int partitions = (int)rnd(w, 3);
    for (int k = 0; k < partitions; k++) {
        ev_new(w, rnd(w, FAULTS_END_MS - 1000), EV_PARTITION, 0);
    }
    if (w->verbose) {
        printf("seed %" PRIu64 ": %d nodes, drops %u/1000, duplicates %u/1000\n", w->seed, w->n,
               w->drop_permille, w->dup_permille);
        for (int i = 0; i < w->n; i++) {
            printf("  node %d: %s, power %" PRIu64 ", skew %" PRId64 " ms\n", i,
                   w->nodes[i].validator ? role_names[w->nodes[i].role] : "full node",
                   w->nodes[i].validator ? power[i] : 0, w->nodes[i].skew_ms);
        }
    }
}

/* A garbage-sending validator sends random bytes or a corrupted copy of a real message. */
static void send_garbage(world *w, int i)
{
    uint8_t buf[256];
    size_t len = 1 + rnd(w, sizeof(buf));
    for (size_t k = 0; k < len; k++) {
        buf[k] = (uint8_t)rnd(w, 256);
    }
    if (rnd(w, 2) == 0) {
        buf[0] = (uint8_t)(1 + rnd(w, 5)); /* a plausible kind, so decoding goes deeper */
    }
    net_send(w, i, (int)rnd(w, (uint64_t)w->n), buf, len);
}

static void handle(world *w, event *e)
{
    sim_node *nd = &w->nodes[e->node];
    switch (e->type) {
    case EV_DELIVER: {
        if (!nd->up) {
            break;
        }
        chr_err err = cons_core_on_message(nd->core, (uint32_t)e->from + 1, e->msg, e->len,
                                           node_now(w, e->node));
        if (err != CHR_OK && !is_byz(w, e->from)) {
            fail(w, "node %d refused a message of honest node %d: %s", e->node, e->from,
                 chr_err_name(err));
        }
        act(w, e->node);
        break;
    }
    case EV_TIMEOUT:
        if (nd->up && e->epoch == nd->epoch) {
            cons_core_on_timeout(nd->core, e->tkind, e->h, e->r, node_now(w, e->node));
            act(w, e->node);
        }
        break;
    case EV_TICK:
        if (nd->up && e->epoch == nd->epoch) {
            cons_core_tick(nd->core, node_now(w, e->node));
            act(w, e->node);
            ev_new(w, w->t + TICK_MS, EV_TICK, e->node);
        }
        break;
    case EV_RUN:
        if (nd->up && e->epoch == nd->epoch && cons_core_height(nd->core) == e->h) {
            cons_core_run(nd->core, node_now(w, e->node));
            act(w, e->node);
        }
        break;
    case EV_CRASH:
        if (nd->up) {
            node_crash(w, e->node);
            uint64_t back = w->t + 200 + rnd(w, 4000);
            ev_new(w, back < FAULTS_END_MS ? back : FAULTS_END_MS, EV_RESTART, e->node);
        }
        break;
    case EV_RESTART:
        if (!nd->up) {
            node_start(w, e->node);
        }
        break;
    case EV_PARTITION: {
        w->partitioned = 1;
        for (int i = 0; i < w->n; i++) {
            w->group[i] = (int)rnd(w, 2);
        }
        uint64_t heal = w->t + 500 + rnd(w, 4000);
        ev_new(w, heal < FAULTS_END_MS ? heal : FAULTS_END_MS, EV_HEAL, 0);
        break;
    }
    case EV_HEAL:
        w->partitioned = 0;
        break;
    case EV_GARBAGE:
        send_garbage(w, e->node);
        ev_new(w, w->t + 20 + rnd(w, 100), EV_GARBAGE, e->node);
        break;
    default:
        fail(w, "unknown event %d", e->type);
    }
}

static uint64_t honest_height(const world *w, int want_max)
{
    uint64_t h = want_max ? 0 : UINT64_MAX;
    for (int i = 0; i < w->n; i++) {
        if (w->nodes[i].role == HONEST) {
            uint64_t x = w->nodes[i].app.height;
            h = want_max ? (x > h ? x : h) : (x < h ? x : h);
        }
    }
    return h;
}

static void world_free(world *w)
{
    while (w->heap_len > 0) {
        event *e = ev_pop(w);
        free(e->msg);
        free(e);
    }
    free(w->heap);
    for (int i = 0; i < w->n; i++) {
        cons_core_free(w->nodes[i].core);
        wal_clear(&w->nodes[i]);
        free(w->nodes[i].wal);
        free(w->nodes[i].wal_lens);
        sim_app_free(&w->nodes[i].app);
    }
    free(w->agreed);
    free(w->reg);
}

/* Runs one seed; 1 if every check held. */
static int run_seed(uint64_t seed, int verbose, ledger_signer *signer, uint64_t *height_out,
                    uint64_t *txs_out, uint64_t *sets_out)
{
    world *w = calloc(1, sizeof(*w));
    CHR_ASSERT(w != NULL);
    w->seed = seed;
    w->rng = seed;
    w->verbose = verbose;
    w->signer = signer;
    setup(w);
    int stable_marked = 0;
    while (!w->failed) {
        event *e = ev_pop(w);
        if (e == NULL || e->t > FAULTS_END_MS + LIVENESS_MS) {
            if (e != NULL) {
                free(e->msg);
                free(e);
            }
            break;
        }
        w->t = e->t;
        if (!stable_marked && w->t >= FAULTS_END_MS) {
            stable_marked = 1;
            w->stable_height = honest_height(w, 1);
        }
        handle(w, e);
        free(e->msg);
        free(e);
        if (++w->events > EVENTS_MAX) {
            fail(w, "more than %d events: a message storm", EVENTS_MAX);
        }
    }
    if (!w->failed && honest_height(w, 0) <= w->stable_height) {
        fail(w,
             "no progress after faults ended: honest heights %" PRIu64 "..%" PRIu64
             " stayed at or below %" PRIu64 " for %d ms",
             honest_height(w, 0), honest_height(w, 1), w->stable_height, LIVENESS_MS);
    }
    int ok = !w->failed;
    if (verbose) {
        for (int i = 0; i < w->n; i++) {
            const sim_node *nd = &w->nodes[i];
            printf("  end node %d (%s): committed %" PRIu64, i, role_names[nd->role],
                   nd->app.height);
            if (nd->core != NULL) {
                printf(", at height %" PRIu64 " round %u step %d", cons_core_height(nd->core),
                       cons_core_round(nd->core), cons_core_step(nd->core));
            }
            printf("\n");
        }
    }
    if (!ok) {
        printf("FAIL sim seed %" PRIu64 ": %s\n  replay: build/tests/sim --seed %" PRIu64
               " --verbose\n",
               seed, w->why, seed);
    } else if (verbose) {
        printf("seed %" PRIu64 ": heights %" PRIu64 "..%" PRIu64 ", %" PRIu64 " events, %" PRIu64
               " evidence found, %zu committed (node 0)\n",
               seed, honest_height(w, 0), honest_height(w, 1), w->events, w->evidence,
               w->nodes[0].app.ev_len);
    }
    *height_out = honest_height(w, 0);
    *txs_out = 0;
    *sets_out = 0;
    for (int i = 0; i < w->n; i++) {
        if (w->nodes[i].role == HONEST && w->nodes[i].app.txs > *txs_out) {
            *txs_out = w->nodes[i].app.txs;
        }
        if (w->nodes[i].role == HONEST && w->nodes[i].app.set_changes > *sets_out) {
            *sets_out = w->nodes[i].app.set_changes;
        }
    }
    world_free(w);
    free(w);
    return ok;
}

static int jobs_child;

int main(int argc, char **argv)
{
    uint64_t first = 1, seeds = 100;
    int verbose = 0;
    long jobs = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            seeds = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--first") == 0 && i + 1 < argc) {
            first = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            first = strtoull(argv[++i], NULL, 10);
            seeds = 1;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = 1;
        } else if (strcmp(argv[i], "--trace") == 0) {
            verbose = 2;
        } else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            jobs = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: sim [--seeds N] [--first S] [--seed S] [--jobs J] "
                            "[--verbose | --trace]\n");
            return 2;
        }
    }
    if (jobs < 1 || jobs > 64) {
        fprintf(stderr, "sim: --jobs must be 1..64\n");
        return 2;
    }
    const char *env = getenv("CHROOM_SEED");
    if (env != NULL && *env != '\0') {
        first = strtoull(env, NULL, 10);
        seeds = 1;
    }
    CHR_ASSERT(chr_hash_init() == CHR_OK);
    uint8_t blind[32] = {1};
    ledger_signer *signer;
    CHR_ASSERT(ledger_signer_new(&signer, blind) == CHR_OK);
    /* With --jobs, child k runs the seeds s with (s - first) % jobs == k. */
    long job = 0;
    pid_t kids[64];
    fflush(stdout);
    for (long k = 1; k < jobs; k++) {
        pid_t pid = fork();
        CHR_ASSERT(pid >= 0);
        if (pid == 0) {
            job = k;
            jobs_child = 1;
            break;
        }
        kids[k] = pid;
    }
    uint64_t failed = 0, heights = 0, txs = 0, sets = 0, ran = 0;
    for (uint64_t s = first + (uint64_t)job; s < first + seeds; s += (uint64_t)jobs) {
        uint64_t h = 0, t = 0, v = 0;
        failed += run_seed(s, verbose, signer, &h, &t, &v) ? 0 : 1;
        heights += h;
        txs += t;
        sets += v;
        ran++;
    }
    /* The scenario stakes and unstakes: over a score of seeds the set must have changed,
     * or the runs did not test a changing set. */
    if (failed == 0 && ran >= 20 && sets == 0) {
        printf("FAIL sim: no validator set changed in %" PRIu64 " seeds\n", ran);
        failed++;
    }
    ledger_signer_free(signer);
    if (jobs_child) {
        fflush(stdout);
        _exit(failed == 0 ? 0 : 1);
    }
    for (long k = 1; k < jobs; k++) {
        int status;
        if (waitpid(kids[k], &status, 0) != kids[k] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            failed++;
        }
    }
    if (failed == 0) {
        if (jobs == 1) {
            printf("PASS sim: seeds %" PRIu64 "..%" PRIu64 ", %" PRIu64 " blocks and %" PRIu64
                   " transactions committed, %" PRIu64 " changes of the validator set\n",
                   first, first + seeds - 1, heights, txs, sets);
        } else {
            printf("PASS sim: seeds %" PRIu64 "..%" PRIu64 " in %ld processes\n", first,
                   first + seeds - 1, jobs);
        }
    }
    return failed == 0 ? 0 : 1;
}
