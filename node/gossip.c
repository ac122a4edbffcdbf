#include "node/gossip.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "common/thread.h"
#include "node/consensus.h"

/* A transaction seen lately: its id, and the peer it came from first (0: none, this
 * node's API). */
typedef struct seen_slot {
    uint8_t hash[32];
    uint32_t peer;
} seen_slot;

/* A peer's fresh gossiped transactions waiting for the intake thread: count transactions,
 * each a u16 length and its bytes, in data (len bytes). */
typedef struct gossip_item {
    struct gossip_item *next;
    size_t count;
    size_t len;
    uint8_t data[];
} gossip_item;

/* One submission of gossiped transactions, until the writer's verdicts. */
typedef struct gossip_batch {
    node_gossip *g;
    size_t n;
    rpc_tx_result results[NODE_SUBMIT_TXS_MAX];
} gossip_batch;

struct node_gossip {
    node_chain *chain;

    /* Gossiped transactions: queued by the transport's threads, verified and submitted by
     * the intake thread. */
    pthread_mutex_t gq_mu;
    pthread_cond_t gq_cv;
    gossip_item *gq_head, *gq_tail;
    size_t gq_txs;
    int gq_stop;
    pthread_t intake;
    int intake_started;
    pthread_mutex_t seen_mu;
    seen_slot *seen;

    /* The outgoing batch (writer thread only): a NODE_P2P_TXS payload after 2 reserved
     * bytes, and the peer its transactions came from (0: none). */
    uint8_t *batch;
    size_t batch_len;
    uint16_t batch_count;
    uint32_t batch_from;
};

/* ---- The NODE_P2P_TXS format (any thread). ---- */

chr_err node_gossip_decode(const uint8_t **txs, size_t *lens, size_t *count, const uint8_t *in,
                           size_t in_len)
{
    *count = 0;
    chr_dec d;
    chr_dec_init(&d, in, in_len);
    uint16_t n;
    chr_err err = chr_dec_u16(&d, &n);
    if (err == CHR_OK && (n == 0 || n > NODE_GOSSIP_TXS_MAX)) {
        err = CHR_ERR_TOO_LONG;
    }
    for (uint16_t i = 0; i < n && err == CHR_OK; i++) {
        err = chr_dec_bytes16(&d, &txs[i], &lens[i], LEDGER_TX_BYTES_MAX);
    }
    err = err ? err : chr_dec_finish(&d);
    *count = err == CHR_OK ? n : 0;
    return err;
}

/* ---- The seen set (any thread, under seen_mu). ---- */

/* The set an id belongs to, newest first; under seen_mu. */
static seen_slot *seen_set_of(node_gossip *g, const uint8_t hash[32])
{
    _Static_assert(NODE_SEEN_SLOTS % NODE_SEEN_WAYS == 0, "whole sets");
    return &g->seen[chr_get_u32be(hash) % (NODE_SEEN_SLOTS / NODE_SEEN_WAYS) * NODE_SEEN_WAYS];
}

/* The slot of hash in its set, NULL if the set no longer holds it; under seen_mu. */
static seen_slot *seen_find(seen_slot *set, const uint8_t hash[32])
{
    for (size_t i = 0; i < NODE_SEEN_WAYS; i++) {
        if (memcmp(set[i].hash, hash, 32) == 0) {
            return &set[i];
        }
    }
    return NULL;
}

/* Puts hash first in its set, the oldest id giving way; under seen_mu. */
static void seen_insert(seen_slot *set, const uint8_t hash[32], uint32_t peer)
{
    memmove(&set[1], &set[0], (NODE_SEEN_WAYS - 1) * sizeof(*set));
    memcpy(set[0].hash, hash, 32);
    set[0].peer = peer;
}

/* Marks a transaction hash seen, from peer; 1 if it was already (a copy: skip it). */
static int seen_mark(node_gossip *g, const uint8_t hash[32], uint32_t peer)
{
    pthread_mutex_lock(&g->seen_mu);
    seen_slot *set = seen_set_of(g, hash);
    int seen = seen_find(set, hash) != NULL;
    if (!seen) {
        seen_insert(set, hash, peer);
    }
    pthread_mutex_unlock(&g->seen_mu);
    return seen;
}

/* Forgets that a transaction was seen (unless it was forgotten already), so that the next
 * copy of it is taken. */
static void seen_forget(node_gossip *g, const uint8_t hash[32])
{
    pthread_mutex_lock(&g->seen_mu);
    seen_slot *s = seen_find(seen_set_of(g, hash), hash);
    if (s != NULL) {
        memset(s, 0, sizeof(*s));
    }
    pthread_mutex_unlock(&g->seen_mu);
}

/* The peer a transaction came from, 0 if none (the API) or forgotten; marks it seen. */
static uint32_t seen_origin(node_gossip *g, const uint8_t hash[32])
{
    pthread_mutex_lock(&g->seen_mu);
    seen_slot *set = seen_set_of(g, hash);
    seen_slot *s = seen_find(set, hash);
    uint32_t peer = s != NULL ? s->peer : 0;
    if (s == NULL) {
        seen_insert(set, hash, 0);
    }
    pthread_mutex_unlock(&g->seen_mu);
    return peer;
}

/* ---- What peers send: filtered on the transport's threads, submitted by the intake
 * thread, the chain's verdicts on any thread. ---- */

/* Whether a gossiped transaction refused with err may be admitted later: its predecessor
 * (an earlier nonce, from another peer) or the funds it spends have not arrived or been
 * committed yet, or the node had no room. */
static int gossip_may_pass_later(chr_err err)
{
    switch (err) {
    case CHR_ERR_NONCE:
    case CHR_ERR_BALANCE:
    case CHR_ERR_MEMPOOL_FULL:
    case CHR_ERR_QUEUE_FULL:
    case CHR_ERR_NOMEM:
    case CHR_ERR_STORE:
        return 1;
    default:
        return 0;
    }
}

/* The writer's verdicts on gossiped transactions (any thread): one refused for a reason
 * that may pass later is no longer marked seen, so that a later copy of it is admitted
 * rather than ignored. */
static void gossip_done(void *arg)
{
    gossip_batch *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        const rpc_tx_result *r = &b->results[i];
        if (r->state == RPC_TX_REJECTED && r->has_hash && gossip_may_pass_later(r->err)) {
            seen_forget(b->g, r->hash);
        }
    }
    free(b);
}

/* Submits the queued gossip items of list (n transactions in all, at most one submission)
 * to the same admission as the API's, then frees them. */
static void receive_txs(node_gossip *g, gossip_item *list, size_t n)
{
    CHR_ASSERT(n > 0 && n <= NODE_SUBMIT_TXS_MAX);
    const uint8_t *txs[NODE_SUBMIT_TXS_MAX];
    size_t lens[NODE_SUBMIT_TXS_MAX];
    size_t count = 0;
    for (const gossip_item *it = list; it != NULL; it = it->next) {
        size_t off = 0;
        for (size_t i = 0; i < it->count; i++) {
            lens[count] = (size_t)it->data[off] << 8 | it->data[off + 1];
            txs[count++] = it->data + off + 2;
            off += 2 + lens[count - 1];
        }
        CHR_ASSERT(off == it->len);
    }
    CHR_ASSERT(count == n);
    gossip_batch *b = malloc(sizeof(*b));
    if (b != NULL) {
        b->g = g;
        b->n = n;
        node_chain_submit(g->chain, txs, lens, n, b->results, gossip_done, b);
    }
    while (list != NULL) {
        gossip_item *next = list->next;
        free(list);
        list = next;
    }
}

static void *intake_main(void *arg)
{
    chr_thread_name("chroomd-intake");
    node_gossip *g = arg;
    pthread_mutex_lock(&g->gq_mu);
    while (!g->gq_stop) {
        if (g->gq_head == NULL) {
            pthread_cond_wait(&g->gq_cv, &g->gq_mu);
            continue;
        }
        /* What is queued, up to one submission: the verifier pool gets big batches even
         * when each peer sends small ones. */
        gossip_item *list = NULL;
        gossip_item **tail = &list;
        size_t n = 0;
        while (g->gq_head != NULL && n + g->gq_head->count <= NODE_SUBMIT_TXS_MAX) {
            gossip_item *it = g->gq_head;
            g->gq_head = it->next;
            it->next = NULL;
            *tail = it;
            tail = &it->next;
            n += it->count;
        }
        if (g->gq_head == NULL) {
            g->gq_tail = NULL;
        }
        CHR_ASSERT(g->gq_txs >= n);
        g->gq_txs -= n;
        pthread_mutex_unlock(&g->gq_mu);
        receive_txs(g, list, n);
        pthread_mutex_lock(&g->gq_mu);
    }
    pthread_mutex_unlock(&g->gq_mu);
    return NULL;
}

/* A peer's gossip message (transport thread): drops the transactions seen already before
 * any signature check, and queues the rest for the intake thread. Those that find no room
 * are forgotten as seen, so that a copy from another peer may take their place. */
void node_gossip_receive(node_gossip *g, uint32_t peer, const uint8_t *payload, size_t len)
{
    const uint8_t *txs[NODE_GOSSIP_TXS_MAX];
    size_t lens[NODE_GOSSIP_TXS_MAX];
    uint8_t hashes[NODE_GOSSIP_TXS_MAX][32];
    size_t count;
    if (node_gossip_decode(txs, lens, &count, payload, len) != CHR_OK) {
        return; /* a malformed batch: the transactions are lost, the peer's problem */
    }
    size_t fresh = 0;
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        /* A transaction's id: SHA-256 of its bytes. */
        chr_sha256_hash(hashes[fresh], txs[i], lens[i]);
        if (!seen_mark(g, hashes[fresh], peer)) {
            txs[fresh] = txs[i];
            lens[fresh++] = lens[i];
            bytes += 2 + lens[i];
        }
    }
    if (fresh == 0) {
        return;
    }
    gossip_item *it = malloc(sizeof(*it) + bytes);
    if (it != NULL) {
        it->next = NULL;
        it->count = fresh;
        it->len = bytes;
        size_t off = 0;
        for (size_t i = 0; i < fresh; i++) {
            it->data[off] = (uint8_t)(lens[i] >> 8);
            it->data[off + 1] = (uint8_t)lens[i];
            memcpy(it->data + off + 2, txs[i], lens[i]);
            off += 2 + lens[i];
        }
    }
    pthread_mutex_lock(&g->gq_mu);
    int queued = it != NULL && !g->gq_stop && g->gq_txs + fresh <= NODE_GOSSIP_QUEUE_TXS_MAX;
    if (queued) {
        if (g->gq_tail != NULL) {
            g->gq_tail->next = it;
        } else {
            g->gq_head = it;
        }
        g->gq_tail = it;
        g->gq_txs += fresh;
        pthread_cond_signal(&g->gq_cv);
    }
    pthread_mutex_unlock(&g->gq_mu);
    if (!queued) {
        free(it);
        for (size_t i = 0; i < fresh; i++) {
            seen_forget(g, hashes[i]);
        }
    }
}

/* ---- What this node admitted (the writer thread). ---- */

void node_gossip_flush(node_gossip *g, cons_p2p *p2p)
{
    if (g->batch_count == 0) {
        return;
    }
    chr_put_u32be(g->batch, g->batch_count); /* the first 2 of 4 bytes are reserved 0 */
    cons_p2p_broadcast(p2p, NODE_P2P_TXS, g->batch + 2, g->batch_len - 2, g->batch_from);
    g->batch_count = 0;
    g->batch_len = 4;
}

void node_gossip_admitted(node_gossip *g, cons_p2p *p2p, const uint8_t *tx, size_t len)
{
    CHR_ASSERT(len <= LEDGER_TX_BYTES_MAX);
    uint8_t hash[32];
    chr_sha256_hash(hash, tx, len);
    /* Marks it seen, so that its echo from the peers is dropped unverified. A submission
     * comes from one peer (or the API), so batches by origin stay large. */
    uint32_t from = seen_origin(g, hash);
    if (g->batch_count > 0 &&
        (from != g->batch_from || g->batch_len + 2 + len > NODE_GOSSIP_BYTES_MAX)) {
        node_gossip_flush(g, p2p);
    }
    g->batch_from = from;
    g->batch[g->batch_len] = (uint8_t)(len >> 8);
    g->batch[g->batch_len + 1] = (uint8_t)len;
    memcpy(g->batch + g->batch_len + 2, tx, len);
    g->batch_len += 2 + len;
    if (++g->batch_count == NODE_GOSSIP_TXS_MAX) {
        node_gossip_flush(g, p2p);
    }
}

/* ---- Start and stop. ---- */

chr_err node_gossip_new(node_gossip **out, node_chain *chain)
{
    *out = NULL;
    node_gossip *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        return CHR_ERR_NOMEM;
    }
    g->chain = chain;
    pthread_mutex_init(&g->gq_mu, NULL);
    pthread_cond_init(&g->gq_cv, NULL);
    pthread_mutex_init(&g->seen_mu, NULL);
    g->seen = calloc(NODE_SEEN_SLOTS, sizeof(*g->seen));
    g->batch = malloc(NODE_GOSSIP_BYTES_MAX);
    g->batch_len = 4;
    chr_err err = g->seen == NULL || g->batch == NULL ? CHR_ERR_NOMEM : CHR_OK;
    if (err == CHR_OK) {
        err = pthread_create(&g->intake, NULL, intake_main, g) == 0 ? CHR_OK : CHR_ERR_NOMEM;
        g->intake_started = err == CHR_OK;
    }
    if (err != CHR_OK) {
        node_gossip_free(g);
        return err;
    }
    *out = g;
    return CHR_OK;
}

void node_gossip_stop(node_gossip *g)
{
    pthread_mutex_lock(&g->gq_mu);
    g->gq_stop = 1;
    pthread_cond_signal(&g->gq_cv);
    pthread_mutex_unlock(&g->gq_mu);
    if (g->intake_started) {
        pthread_join(g->intake, NULL);
        g->intake_started = 0;
    }
}

void node_gossip_free(node_gossip *g)
{
    if (g == NULL) {
        return;
    }
    node_gossip_stop(g);
    for (gossip_item *it = g->gq_head; it != NULL;) {
        gossip_item *next = it->next;
        free(it);
        it = next;
    }
    free(g->seen);
    free(g->batch);
    pthread_mutex_destroy(&g->gq_mu);
    pthread_cond_destroy(&g->gq_cv);
    pthread_mutex_destroy(&g->seen_mu);
    free(g);
}
