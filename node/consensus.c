#include "node/consensus.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/log.h"
#include "consensus/core.h"
#include "consensus/p2p.h"
#include "consensus/wal.h"
#include "node/gossip.h"
#include "node/limits.h"
#include "node/sync.h"

/* How often the node tells its peers where it is (status gossip). */
#define NODE_TICK_MS 250

typedef struct inbox_item {
    uint32_t peer;
    int gone; /* no message: the transport lost the peer (cons_core_peer_gone) */
    size_t len;
    struct inbox_item *next;
    uint8_t data[];
} inbox_item;

typedef struct node_timer {
    uint64_t at;
    int kind;
    uint64_t height;
    uint32_t round;
} node_timer;

struct node_consensus {
    node_chain *chain;
    cons_core *core;
    cons_wal *wal;
    cons_p2p *p2p;
    ledger_valset vals;
    uint64_t block_interval_ms;
    /* Solo: the only validator, without a transport's listener or peers. It decides alone,
     * so it starts a height only when transactions wait (or, with
     * empty_block_interval_ms, when that long passed without any): no empty blocks on an
     * idle devnet. With peers, heights follow each other at the chain's pace. */
    int solo;
    uint64_t empty_block_interval_ms; /* 0: no empty blocks (solo only) */
    int idle;                         /* solo: the height waits for a transaction (run_at 0) */
    /* The block this node's app_propose just returned, and its id (app_block_id). */
    const uint8_t *own_block;
    size_t own_len;
    uint8_t own_id[32];

    /* Filled by the transport's threads, drained by the writer. */
    pthread_mutex_t in_mu;
    pthread_cond_t in_cv;
    inbox_item *in_head, *in_tail;
    size_t in_len;
    int detached;

    /* Transactions to and from peers (node/gossip.h). */
    node_gossip *gossip;

    /* Writer thread only. */
    int started;
    int fatal;
    uint64_t run_at;
    uint64_t ran_at; /* when this height's rounds began (cons_core_run) */
    uint64_t tick_at;
    node_timer timers[NODE_TIMERS_MAX];
    size_t timers_len;
    node_sync sync; /* what was sent to peers behind (node/sync.h) */
};

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- The core's view of blocks (writer thread). ---- */

/* Whether err is this node's failure (its store, its memory), not the block's: the engine
 * then stops (the writer stops and /health says why), as a node that cannot read its own
 * state can neither propose nor judge a block. */
static int own_failure(chr_err err)
{
    return err == CHR_ERR_STORE || err == CHR_ERR_NOMEM || err == CHR_ERR_IO;
}

/* A software upgrade is due that this build does not know (ledger_gov_begin_block): the
 * node stops writing blocks, as after a store failure, and says which release to run
 * (docs/PROTOCOL.md, "Software upgrades"); its peers that run it go on. */
static void upgrade_stop(node_consensus *e, const char *why)
{
    CHR_LOG_E("consensus: %s; this node stops writing blocks", why);
    e->fatal = 1;
}

static chr_err app_propose(void *ctx, uint64_t height, uint32_t round, uint64_t now_ms,
                           uint8_t **out, size_t *out_len)
{
    node_consensus *e = ctx;
    (void)height;
    (void)round;
    e->own_block = NULL;
    chr_err err = node_chain_propose(e->chain, now_ms, out, out_len);
    if (own_failure(err)) {
        CHR_LOG_E("consensus: cannot propose: %s", chr_err_str(err));
        e->fatal = 1;
    } else if (err == CHR_ERR_UPGRADE) {
        upgrade_stop(e, node_chain_upgrade_why(e->chain));
    }
    ledger_header h;
    if (err == CHR_OK && ledger_block_peek_header(&h, *out, *out_len) == CHR_OK) {
        /* The core asks for this block's id next; the ledger just built it, so decoding
         * it whole again (its transaction root) would only repeat that work. */
        e->own_block = *out;
        e->own_len = *out_len;
        ledger_header_hash(&h, e->own_id);
    }
    return err;
}

static chr_err app_block_id(void *ctx, const uint8_t *block, size_t len, uint8_t id[32])
{
    node_consensus *e = ctx;
    if (e->own_block != NULL && block == e->own_block && len == e->own_len) {
        /* Used once, right after app_propose, while the core holds that very buffer. */
        e->own_block = NULL;
        memcpy(id, e->own_id, 32);
        return CHR_OK;
    }
    e->own_block = NULL;
    return ledger_block_id(id, block, len);
}

static int app_valid(void *ctx, const uint8_t *block, size_t len)
{
    node_consensus *e = ctx;
    char why[256] = "";
    chr_err err = node_chain_check_block(e->chain, block, len, why, sizeof(why));
    if (own_failure(err)) {
        CHR_LOG_E("consensus: cannot check a proposed block: %s", chr_err_str(err));
        e->fatal = 1;
    } else if (err == CHR_ERR_UPGRADE) {
        upgrade_stop(e, why);
    } else if (err != CHR_OK) {
        CHR_LOG_W("consensus: refusing a proposed block: %s", why[0] ? why : chr_err_str(err));
    }
    return err == CHR_OK;
}

static int app_timely(void *ctx, const uint8_t *block, size_t len, uint64_t now_ms)
{
    (void)ctx;
    ledger_header h;
    if (ledger_block_peek_header(&h, block, len) != CHR_OK) {
        return 0;
    }
    return h.time_ms <= now_ms + NODE_CLOCK_DRIFT_MS;
}

/* ---- Evidence (writer thread). ---- */

/* Puts an encoded EVIDENCE message in the chain's pool: CHR_OK when it is new there.
 * `verified`: the core checked both votes already (its EVIDENCE actions). */
static chr_err evidence_pool_add(node_consensus *e, const uint8_t *msg, size_t len, int verified)
{
    cons_msg m;
    chr_err err = cons_msg_decode(&m, msg, len);
    if (err != CHR_OK || m.kind != CONS_MSG_EVIDENCE) {
        return CHR_ERR_EVIDENCE;
    }
    ledger_evidence ev;
    cons_evidence_to_ledger(&ev, &m.u.evidence);
    char why[192] = "";
    err = node_chain_add_evidence(e->chain, &ev, verified, why, sizeof(why));
    if (err != CHR_OK && err != CHR_ERR_DUPLICATE) {
        CHR_LOG_W("consensus: evidence not kept: %s", why[0] ? why : chr_err_str(err));
    }
    return err;
}

/* An EVIDENCE message from a peer about a height before the one being decided (the core
 * handles only its own height's): checked, kept and passed on here. Returns what
 * cons_core_on_message would: an error for an invalid message. */
static chr_err evidence_from_peer(node_consensus *e, uint32_t peer, const uint8_t *msg, size_t len)
{
    chr_err err = evidence_pool_add(e, msg, len, 0);
    if (err == CHR_OK) {
        cons_p2p_broadcast(e->p2p, NODE_P2P_CONSENSUS, msg, len, peer);
    }
    /* Invalid (a bad signature, not a validator): the sender misbehaved. Anything else
     * (known, too old, the pool full, the store) is not the sender's fault. */
    return err == CHR_ERR_EVIDENCE || err == CHR_ERR_CONS_MSG ? err : CHR_OK;
}

/* Whether msg is an EVIDENCE message about a height below `height`. */
static int evidence_of_past(const uint8_t *msg, size_t len, uint64_t height)
{
    uint8_t kind;
    uint64_t about;
    return cons_msg_peek(&kind, &about, msg, len) == CHR_OK && kind == CONS_MSG_EVIDENCE &&
           about < height;
}

/* ---- Acting on the core's actions (writer thread). ---- */

static void timer_add(node_consensus *e, uint64_t now, const cons_action *a)
{
    uint64_t height = cons_core_height(e->core);
    size_t at = e->timers_len;
    for (size_t i = 0; i < e->timers_len && at == e->timers_len; i++) {
        if (e->timers[i].height < height) {
            at = i; /* a timer of a finished height: reuse its slot */
        }
    }
    if (at == NODE_TIMERS_MAX) {
        /* Full of current timers: drop the earliest round's (stale by now). */
        at = 0;
        for (size_t i = 1; i < NODE_TIMERS_MAX; i++) {
            if (e->timers[i].round < e->timers[at].round) {
                at = i;
            }
        }
    }
    if (at == e->timers_len) {
        e->timers_len++;
    }
    e->timers[at] = (node_timer){now + a->delay_ms, a->timeout, a->height, a->round};
}

static void height_begin(node_consensus *e)
{
    uint64_t height, time_ms;
    uint8_t hash[32];
    node_chain_last(e->chain, &height, hash, &time_ms);
    /* The set of each height comes from the ledger (it follows the stake). */
    e->vals = *node_chain_validators(e->chain);
    cons_core_begin(e->core, height + 1, &e->vals);
}

/* Applies a decided block (a COMMIT action): 1 when it is committed, 0 (and fatal) if the
 * chain cannot apply it. */
static int act_commit(node_consensus *e, const cons_action *a)
{
    char why[256] = "";
    if (node_chain_commit_block(e->chain, a->block, a->block_len, a->commit, why, sizeof(why)) !=
        CHR_OK) {
        CHR_LOG_E("consensus: cannot apply decided block %llu: %s", (unsigned long long)a->height,
                  why);
        e->fatal = 1;
        return 0;
    }
    CHR_LOG_D("consensus: committed block %llu in round %u", (unsigned long long)a->height,
              a->commit->round);
    return 1;
}

/* Solo: the height's rounds wait for a transaction, or for the empty-block interval. */
static void solo_pace(node_consensus *e, uint64_t now)
{
    if (!e->solo) {
        return;
    }
    if (node_chain_pending(e->chain) > 0) {
        e->idle = 0;
        return;
    }
    e->idle = 1;
    e->run_at = 0;
    if (e->empty_block_interval_ms > 0) {
        uint64_t due = e->ran_at + e->empty_block_interval_ms;
        e->run_at = due > now ? due : now;
    }
}

/* Solo: a transaction arrived while the height waited for one: it starts at the chain's
 * pace. */
static void solo_wake(node_consensus *e, uint64_t now)
{
    if (!e->idle || node_chain_pending(e->chain) == 0) {
        return;
    }
    e->idle = 0;
    uint64_t due = e->ran_at + e->block_interval_ms;
    if (e->run_at == 0 || due < e->run_at) {
        e->run_at = due > now ? due : now;
    }
}

/* A WAL write failed (a full disk, an I/O error; wal_file.c logged the system's error): the
 * node can no longer promise not to sign twice after a restart, so it stops writing, as
 * after a store write failure (docs/CONSENSUS.md, "WAL"): the writer stops, /health and
 * submissions answer 503, reads go on. Sets e->fatal; 1 when err is CHR_OK. */
static int wal_ok(node_consensus *e, chr_err err, const char *what)
{
    if (err == CHR_OK) {
        return 1;
    }
    CHR_LOG_E("consensus: cannot %s the WAL: %s; this node stops writing blocks", what,
              chr_err_str(err));
    e->fatal = 1;
    return 0;
}

/* After a commit: a fresh WAL, and the next height, whose rounds start at the chain's pace. */
static void height_next(node_consensus *e, uint64_t now)
{
    (void)wal_ok(e, cons_wal_reset(e->wal), "empty");
    height_begin(e);
    /* The chain's pace: a height's rounds begin block_interval_ms after the last
     * height's began, so late precommits and transactions have time to arrive
     * (Tendermint's timeout_commit); when deciding took longer than that, at once, so
     * a loaded chain does not add the pause to every block's latency. */
    uint64_t due = e->ran_at + e->block_interval_ms;
    e->run_at = due > now ? due : now;
    solo_pace(e, now);
    /* Tell the peers at once: a node that syncs gets its next blocks without waiting
     * for the tick, and the others learn the height. */
    e->tick_at = now;
}

/* Carries out the core's last actions in order. A WAL record is made durable before any
 * message that follows it leaves (docs/CONSENSUS.md, "WAL"). */
static void act(node_consensus *e, uint64_t now)
{
    size_t n;
    const cons_action *acts = cons_core_actions(e->core, &n);
    int unsynced = 0, committed = 0;
    for (size_t i = 0; i < n && !e->fatal; i++) {
        const cons_action *a = &acts[i];
        if (unsynced && (a->kind == CONS_ACT_BROADCAST || a->kind == CONS_ACT_SEND)) {
            unsynced = 0;
            if (!wal_ok(e, cons_wal_sync(e->wal), "sync")) {
                break;
            }
        }
        switch (a->kind) {
        case CONS_ACT_WAL:
            unsynced = wal_ok(e, cons_wal_append(e->wal, a->msg, a->msg_len), "append to");
            break;
        case CONS_ACT_BROADCAST:
            cons_p2p_broadcast(e->p2p, NODE_P2P_CONSENSUS, a->msg, a->msg_len, 0);
            break;
        case CONS_ACT_SEND:
            if (cons_p2p_send(e->p2p, a->peer, NODE_P2P_CONSENSUS, a->msg, a->msg_len) != CHR_OK) {
                /* A full queue or a peer gone: its next status asks again. */
                CHR_LOG_D("consensus: a message to peer %u dropped", a->peer);
            }
            break;
        case CONS_ACT_TIMEOUT:
            timer_add(e, now, a);
            break;
        case CONS_ACT_COMMIT:
            committed = act_commit(e, a);
            break;
        case CONS_ACT_EVIDENCE:
            /* Seen by this node's core (votes of the height it decides): into the pool for
             * the next blocks. The core gossips it itself. */
            evidence_pool_add(e, a->msg, a->msg_len, 1);
            break;
        case CONS_ACT_SYNC:
            node_sync_send(&e->sync, node_chain_store(e->chain), e->p2p, a->peer, a->height,
                           cons_core_height(e->core) - 1, now);
            break;
        default:
            CHR_ASSERT(0);
        }
    }
    if (unsynced && !e->fatal) {
        (void)wal_ok(e, cons_wal_sync(e->wal), "sync");
    }
    if (committed && !e->fatal) {
        height_next(e, now);
    }
}

/* First poll: enter the next height, replay this node's own messages of it from the WAL
 * (after a crash), and start. */
static void engine_begin(node_consensus *e, uint64_t now)
{
    height_begin(e);
    size_t restored = 0;
    for (size_t i = 0; i < cons_wal_count(e->wal); i++) {
        size_t len;
        const uint8_t *rec = cons_wal_record(e->wal, i, &len);
        if (cons_core_restore(e->core, rec, len) == CHR_OK) {
            restored++;
        } else {
            CHR_LOG_W("consensus: WAL record %zu is not this node's; ignored", i);
        }
    }
    if (restored > 0) {
        CHR_LOG_I("consensus: resuming height %llu from %zu WAL records",
                  (unsigned long long)cons_core_height(e->core), restored);
    }
    e->ran_at = now;
    e->started = 1;
    e->tick_at = now;
    if (e->solo && restored == 0) {
        /* Nothing of this height was signed yet: wait for work like any later height. */
        e->run_at = now;
        solo_pace(e, now);
        return;
    }
    cons_core_run(e->core, wall_ms());
    act(e, now);
}

void node_consensus_admitted(node_consensus *e, const uint8_t *tx, size_t len)
{
    if (e->solo) {
        return; /* no peer to tell */
    }
    node_gossip_admitted(e->gossip, e->p2p, tx, len);
}

/* A precommit of the tip's height, come after this node decided the tip (in the pause
 * before the next height, or later): it joins the tip's commit that the next block
 * proposed here carries, so a validator a little slower than the quorum still counts as a
 * signer (rewards, the downtime rule). Without it the commit held only the first quorum's
 * precommits. */
static chr_err late_precommit(node_consensus *e, const uint8_t *msg, size_t len)
{
    cons_msg m;
    if (cons_msg_decode(&m, msg, len) != CHR_OK || m.u.vote.type != LEDGER_VOTE_PRECOMMIT) {
        return CHR_OK; /* the core judges it */
    }
    const cons_vote *v = &m.u.vote;
    chr_err err =
        node_chain_commit_extend(e->chain, v->height, v->round, v->block_id, v->validator, v->sig);
    if (err == CHR_OK) {
        CHR_LOG_D("consensus: a late precommit joined the commit of %llu",
                  (unsigned long long)v->height);
    }
    /* A member's precommit of the tip whose signature fails is a forgery: its sender goes,
     * as for a vote of the current height. Any other mismatch is old news. */
    return err == CHR_ERR_COMMIT ? CHR_ERR_SIGNATURE : CHR_OK;
}

/* A peer's message, before the core stores it. A late precommit of the tip joins its
 * commit (late_precommit). A proposal of the height this node is pausing before begins the
 * height now: its proposer began it, and a node whose own pause ends later (it started
 * late, or was stopped a while) would otherwise stay that far behind the others at every
 * height, deciding from their precommits before casting its own: live, yet absent from
 * the commits that the rewards and the downtime rule count. Starting early is safe (the
 * rules do not depend on time) and costs only this node's own pause. The core gets the
 * message as before, unless it is a forged late precommit (CHR_ERR_SIGNATURE: its sender is
 * dropped). */
static chr_err peer_message_first(node_consensus *e, const uint8_t *msg, size_t len, uint64_t now)
{
    uint8_t kind;
    uint64_t height;
    if (cons_msg_peek(&kind, &height, msg, len) != CHR_OK) {
        return CHR_OK; /* the core judges it */
    }
    if (kind == CONS_MSG_PROPOSAL && height == cons_core_height(e->core) && e->run_at > now) {
        e->run_at = now;
    } else if (kind == CONS_MSG_VOTE && height + 1 == cons_core_height(e->core)) {
        return late_precommit(e, msg, len);
    }
    return CHR_OK;
}

chr_err node_consensus_poll(node_consensus *e, uint64_t now, uint64_t *next_ms)
{
    if (!e->started && !e->fatal) {
        engine_begin(e, now);
    }
    pthread_mutex_lock(&e->in_mu);
    inbox_item *list = e->in_head;
    e->in_head = e->in_tail = NULL;
    e->in_len = 0;
    pthread_mutex_unlock(&e->in_mu);
    while (list != NULL) {
        inbox_item *next = list->next;
        if (!e->fatal && list->gone) {
            cons_core_peer_gone(e->core, list->peer);
        } else if (!e->fatal) {
            chr_err err = peer_message_first(e, list->data, list->len, now);
            if (err == CHR_OK) {
                err = evidence_of_past(list->data, list->len, cons_core_height(e->core))
                          ? evidence_from_peer(e, list->peer, list->data, list->len)
                          : cons_core_on_message(e->core, list->peer, list->data, list->len,
                                                 wall_ms());
            }
            if (err != CHR_OK) {
                CHR_LOG_W("consensus: peer %u sent an invalid message (%s); disconnecting",
                          list->peer, chr_err_name(err));
                cons_p2p_disconnect(e->p2p, list->peer, 1);
            }
            act(e, now);
        }
        free(list);
        list = next;
    }
    for (size_t i = 0; i < e->timers_len && !e->fatal;) {
        if (e->timers[i].at > now) {
            i++;
            continue;
        }
        node_timer t = e->timers[i];
        e->timers[i] = e->timers[--e->timers_len];
        cons_core_on_timeout(e->core, t.kind, t.height, t.round, wall_ms());
        act(e, now);
    }
    solo_wake(e, now);
    if (e->run_at != 0 && now >= e->run_at && !e->fatal) {
        e->run_at = 0;
        e->idle = 0;
        e->ran_at = now;
        cons_core_run(e->core, wall_ms());
        act(e, now);
    }
    if (now >= e->tick_at && !e->fatal) {
        cons_core_tick(e->core, wall_ms());
        act(e, now);
        e->tick_at = now + NODE_TICK_MS;
    }
    node_gossip_flush(e->gossip, e->p2p);
    node_chain_set_syncing(e->chain, node_sync_behind(e->core));
    if (e->fatal) {
        return CHR_ERR_STORE;
    }
    uint64_t next = e->tick_at;
    if (e->run_at != 0 && e->run_at < next) {
        next = e->run_at;
    }
    for (size_t i = 0; i < e->timers_len; i++) {
        next = e->timers[i].at < next ? e->timers[i].at : next;
    }
    *next_ms = next;
    return CHR_OK;
}

/* ---- The transport's callbacks (its threads). ---- */

/* Appends it (its len and data set) to the writer's inbox and wakes the writer; under
 * in_mu. */
static void inbox_push(node_consensus *e, inbox_item *it, uint32_t peer, int gone)
{
    it->peer = peer;
    it->gone = gone;
    it->next = NULL;
    if (e->in_tail != NULL) {
        e->in_tail->next = it;
    } else {
        e->in_head = it;
    }
    e->in_tail = it;
    e->in_len++;
    node_chain_wake(e->chain);
}

static void on_message(void *ctx, uint32_t peer, uint8_t type, const uint8_t *payload, size_t len)
{
    node_consensus *e = ctx;
    pthread_mutex_lock(&e->in_mu);
    if (e->detached) {
        pthread_mutex_unlock(&e->in_mu);
        return;
    }
    if (type == NODE_P2P_TXS) {
        pthread_mutex_unlock(&e->in_mu);
        node_gossip_receive(e->gossip, peer, payload, len);
        return;
    }
    inbox_item *it = NULL;
    if (type == NODE_P2P_CONSENSUS && len <= CONS_MSG_BYTES_MAX && e->in_len < NODE_INBOX_MAX) {
        it = malloc(sizeof(*it) + len);
    }
    if (it != NULL) {
        it->len = len;
        memcpy(it->data, payload, len);
        inbox_push(e, it, peer, 0);
    }
    pthread_mutex_unlock(&e->in_mu);
}

static void on_peer(void *ctx, uint32_t peer, int up, const uint8_t node_id[32])
{
    node_consensus *e = ctx;
    char hex[17];
    for (int i = 0; i < 8; i++) {
        snprintf(hex + 2 * i, 3, "%02x", node_id[i]);
    }
    CHR_LOG_I("p2p: peer %u (%s...) %s", peer, hex, up ? "connected" : "disconnected");
    if (up) {
        return;
    }
    /* The writer tells the core, after the peer's last message (the transport calls this
     * after it): its height no longer counts for "syncing". Not bounded by NODE_INBOX_MAX
     * (one per closed connection, a few bytes): dropped, the peer's last claim would count
     * until its slot is reused. */
    pthread_mutex_lock(&e->in_mu);
    inbox_item *it = e->detached ? NULL : malloc(sizeof(*it));
    if (it != NULL) {
        it->len = 0;
        inbox_push(e, it, peer, 1);
    }
    pthread_mutex_unlock(&e->in_mu);
}

/* ---- Start and stop. ---- */

static chr_err start_p2p(node_consensus *e, const node_config *cfg, const uint8_t node_sk[32],
                         char *errmsg, size_t cap)
{
    static char listen[NODE_CONFIG_LISTEN_MAX + 12];
    static char peers[NODE_P2P_PEERS_MAX][NODE_CONFIG_LISTEN_MAX + 12];
    const char *peer_ptrs[NODE_P2P_PEERS_MAX];
    /* With TLS configured, every peer connection is TLS with pinned certificates. */
    int tls = cfg->p2p_tls_cert_key_file[0] != '\0';
    const char *scheme = tls ? "tls+tcp" : "tcp";
    for (size_t i = 0; i < cfg->p2p_peers_len; i++) {
        snprintf(peers[i], sizeof(peers[i]), "%s://%s", scheme, cfg->p2p_peers[i]);
        peer_ptrs[i] = peers[i];
    }
    cons_p2p_config pc;
    cons_p2p_config_init(&pc);
    if (cfg->p2p_listen[0] != '\0') {
        snprintf(listen, sizeof(listen), "%s://%s", scheme, cfg->p2p_listen);
        pc.listen = listen;
    }
    if (tls) {
        pc.tls_cert_key_file = cfg->p2p_tls_cert_key_file;
        pc.tls_ca_file = cfg->p2p_tls_ca_file;
    }
    pc.peers = peer_ptrs;
    pc.peers_len = cfg->p2p_peers_len;
    pc.chain_id = node_chain_id(e->chain);
    memcpy(pc.genesis_hash, node_chain_genesis_hash(e->chain), 32);
    memcpy(pc.node_sk, node_sk, 32);
    pc.peers_max = (size_t)cfg->p2p_peers_max;
    /* Gossiped transactions may wait; votes and proposals may not (docs/P2P.md,
     * "Sending"). */
    pc.bulk_types[NODE_P2P_TXS / 8] |= (uint8_t)(1u << (NODE_P2P_TXS % 8));
    pc.on_message = on_message;
    pc.on_peer = on_peer;
    pc.ctx = e;
    chr_err err = cons_p2p_start(&e->p2p, &pc, errmsg, cap);
    sodium_memzero(pc.node_sk, sizeof(pc.node_sk));
    return err;
}

chr_err node_consensus_start(node_consensus **out, node_chain *chain, const node_config *cfg,
                             const uint8_t *validator_sk, const uint8_t node_sk[32], char *errmsg,
                             size_t errmsg_cap)
{
    *out = NULL;
    node_consensus *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return CHR_ERR_NOMEM;
    }
    e->chain = chain;
    e->vals = *node_chain_validators(chain);
    e->block_interval_ms = cfg->consensus_block_interval_ms;
    e->empty_block_interval_ms = cfg->consensus_empty_block_interval_ms;
    e->solo = validator_sk != NULL && cfg->p2p_listen[0] == '\0' && cfg->p2p_peers_len == 0;
    pthread_mutex_init(&e->in_mu, NULL);
    pthread_cond_init(&e->in_cv, NULL);
    cons_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.chain_id = node_chain_id(chain);
    cc.timeout_propose_ms = cfg->consensus_timeout_propose_ms;
    cc.timeout_propose_delta_ms = cfg->consensus_timeout_propose_delta_ms;
    cc.timeout_prevote_ms = cfg->consensus_timeout_prevote_ms;
    cc.timeout_prevote_delta_ms = cfg->consensus_timeout_prevote_delta_ms;
    cc.timeout_precommit_ms = cfg->consensus_timeout_precommit_ms;
    cc.timeout_precommit_delta_ms = cfg->consensus_timeout_precommit_delta_ms;
    cc.has_key = validator_sk != NULL;
    if (validator_sk != NULL) {
        memcpy(cc.sk, validator_sk, 32);
    }
    randombytes_buf(cc.signer_seed, sizeof(cc.signer_seed));
    cons_app app = {e, app_propose, app_block_id, app_valid, app_timely};
    char path[NODE_CONFIG_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/consensus.wal", cfg->data_dir);
    chr_err err = node_gossip_new(&e->gossip, chain);
    err = err ? err : cons_core_new(&e->core, &cc, &app);
    sodium_memzero(cc.sk, sizeof(cc.sk));
    err = err ? err : cons_wal_open(&e->wal, path, errmsg, errmsg_cap);
    err = err ? err : start_p2p(e, cfg, node_sk, errmsg, errmsg_cap);
    if (err != CHR_OK) {
        node_consensus_detach(e);
        node_consensus_free(e);
        return err;
    }
    *out = e;
    return CHR_OK;
}

void node_consensus_detach(node_consensus *e)
{
    if (e == NULL) {
        return;
    }
    pthread_mutex_lock(&e->in_mu);
    e->detached = 1;
    pthread_mutex_unlock(&e->in_mu);
    /* The gossip's intake thread is the only other caller into the chain: stop and join
     * it. */
    if (e->gossip != NULL) {
        node_gossip_stop(e->gossip);
    }
}

uint16_t node_consensus_p2p_port(const node_consensus *e)
{
    return e != NULL && e->p2p != NULL ? cons_p2p_port(e->p2p) : 0;
}

void node_consensus_free(node_consensus *e)
{
    if (e == NULL) {
        return;
    }
    if (e->p2p != NULL) {
        cons_p2p_stop(e->p2p);
    }
    for (inbox_item *it = e->in_head; it != NULL;) {
        inbox_item *next = it->next;
        free(it);
        it = next;
    }
    node_gossip_free(e->gossip);
    cons_core_free(e->core);
    cons_wal_close(e->wal);
    pthread_mutex_destroy(&e->in_mu);
    pthread_cond_destroy(&e->in_cv);
    free(e);
}
