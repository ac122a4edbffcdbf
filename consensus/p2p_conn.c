/* One peer connection: its bounded send queue and coalescing writer, its buffered reader,
 * and the HELLO/AUTH handshake (docs/P2P.md). The locking rules are in
 * consensus/internal/p2p_impl.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "common/assert.h"
#include "common/enc.h"
#include "consensus/internal/p2p_impl.h"
#include "consensus/internal/p2p_wire.h"

/* ---- frames and the send queue ---- */

chr_err p2p_frame_new(p2p_frame **out, uint8_t type, const uint8_t *payload, size_t len)
{
    *out = NULL;
    p2p_frame *f = malloc(sizeof(*f) + CONS_P2P_FRAME_HEADER_BYTES + len);
    if (f == NULL) {
        return CHR_ERR_NOMEM;
    }
    /* The creator holds one reference until it has queued the frame everywhere. */
    f->refs = 1;
    f->len = CONS_P2P_FRAME_HEADER_BYTES + len;
    cons_p2p_frame_header_encode(f->bytes, type, len);
    if (len > 0) {
        memcpy(f->bytes + CONS_P2P_FRAME_HEADER_BYTES, payload, len);
    }
    *out = f;
    return CHR_OK;
}

void p2p_frame_release_locked(p2p_frame *f)
{
    CHR_ASSERT(f->refs > 0);
    if (--f->refs == 0) {
        free(f);
    }
}

static void p2p_tx_cb(void *arg);
static void p2p_rx_cb(void *arg);

static void p2p_tx_submit(p2p_conn *c)
{
    CHR_ASSERT(c->tx_off < c->tx_len);
    nng_iov iov = {.iov_buf = c->tx_ptr + c->tx_off, .iov_len = c->tx_len - c->tx_off};
    int rv = nng_aio_set_iov(c->tx_aio, 1, &iov);
    CHR_ASSERT(rv == 0);
    /* A peer that takes none of our bytes for this long has stopped reading. */
    nng_aio_set_timeout(c->tx_aio, (nng_duration)c->p->cfg.peer_timeout_ms);
    nng_stream_send(c->stream, c->tx_aio);
}

/* The queue the writer serves next: the first that holds a frame, NULL if none does. */
static p2p_queue *p2p_queue_next(p2p_conn *c)
{
    for (size_t i = 0; i < P2P_QUEUES; i++) {
        if (c->q[i].head != NULL) {
            return &c->q[i];
        }
    }
    return NULL;
}

static p2p_qent *p2p_dequeue_locked(p2p_conn *c, p2p_queue *q)
{
    p2p_qent *e = q->head;
    q->head = e->next;
    if (q->head == NULL) {
        q->tail = NULL;
    }
    size_t charge = e->frame->len + P2P_QENT_OVERHEAD;
    CHR_ASSERT(q->bytes >= charge);
    CHR_ASSERT(c->q_bytes >= charge);
    q->bytes -= charge;
    c->q_bytes -= charge;
    c->msgs_out++;
    return e;
}

/* Starts a write of what is queued, unless one is under way: frames up to
 * P2P_TX_BATCH_BYTES are copied together into one write, urgent ones before bulk ones; a
 * longer one goes alone. The batch ends at the first frame that does not fit, so a bulk
 * frame never goes ahead of an urgent one, and each queue keeps its order. */
static void p2p_tx_kick_locked(p2p_conn *c)
{
    p2p_queue *q = p2p_queue_next(c);
    if (c->tx_busy || c->closing || q == NULL) {
        return;
    }
    if (q->head->frame->len > P2P_TX_BATCH_BYTES) {
        p2p_qent *e = p2p_dequeue_locked(c, q);
        c->tx_frame = e->frame;
        c->tx_ptr = e->frame->bytes;
        c->tx_len = e->frame->len;
        free(e);
    } else {
        size_t n = 0;
        while (q != NULL && n + q->head->frame->len <= P2P_TX_BATCH_BYTES) {
            p2p_qent *e = p2p_dequeue_locked(c, q);
            memcpy(c->tx_buf + n, e->frame->bytes, e->frame->len);
            n += e->frame->len;
            p2p_frame_release_locked(e->frame);
            free(e);
            q = p2p_queue_next(c);
        }
        c->tx_ptr = c->tx_buf;
        c->tx_len = n;
    }
    c->tx_off = 0;
    c->tx_busy = true;
    p2p_tx_submit(c);
}

/* Whether f's type is one of the configuration's bulk types. */
static bool p2p_frame_bulk(const cons_p2p *p, const p2p_frame *f)
{
    uint8_t type = f->bytes[CONS_P2P_FRAME_HEADER_BYTES - 1];
    return ((p->cfg.bulk_types[type / 8] >> (type % 8)) & 1) != 0;
}

chr_err p2p_conn_enqueue_locked(p2p_conn *c, p2p_frame *f)
{
    const cons_p2p_config *cfg = &c->p->cfg;
    if (c->closing) {
        return CHR_ERR_NOT_FOUND;
    }
    bool bulk = p2p_frame_bulk(c->p, f);
    p2p_queue *q = &c->q[bulk ? P2P_Q_BULK : P2P_Q_URGENT];
    size_t charge = f->len + P2P_QENT_OVERHEAD;
    size_t room = cfg->send_queue_bytes_max - c->q_bytes;
    /* Bulk messages may fill half of the bound: the other half stays for the rest. */
    size_t bulk_max = cfg->send_queue_bytes_max / 2;
    CHR_ASSERT(c->q[P2P_Q_BULK].bytes <= bulk_max);
    if (bulk && bulk_max - q->bytes < room) {
        room = bulk_max - q->bytes;
    }
    if (charge > room) {
        c->drops++;
        /* The first drop, then every 10,000th: a stuck peer must not flood the log. */
        if (c->drops % 10000 == 1) {
            CHR_LOG_W("p2p: peer %u (%s): send queue full (%zu bytes, %zu of them bulk), %llu "
                      "message(s) dropped",
                      c->id, c->address, c->q_bytes, c->q[P2P_Q_BULK].bytes,
                      (unsigned long long)c->drops);
        }
        return CHR_ERR_FULL;
    }
    p2p_qent *e = malloc(sizeof(*e));
    if (e == NULL) {
        return CHR_ERR_NOMEM;
    }
    e->next = NULL;
    e->frame = f;
    f->refs++;
    if (q->tail == NULL) {
        q->head = e;
    } else {
        q->tail->next = e;
    }
    q->tail = e;
    q->bytes += charge;
    c->q_bytes += charge;
    CHR_DEBUG_ASSERT(c->q_bytes <= cfg->send_queue_bytes_max);
    p2p_tx_kick_locked(c);
    return CHR_OK;
}

/* Queues a transport message (HELLO, AUTH, PING, PONG). */
static chr_err p2p_send_own_locked(p2p_conn *c, uint8_t type, const uint8_t *payload, size_t len)
{
    CHR_ASSERT(type < CONS_P2P_TYPE_USER_MIN);
    p2p_frame *f;
    chr_err err = p2p_frame_new(&f, type, payload, len);
    if (err != CHR_OK) {
        return err;
    }
    err = p2p_conn_enqueue_locked(c, f);
    p2p_frame_release_locked(f);
    return err;
}

static void p2p_tx_cb(void *arg)
{
    p2p_conn *c = arg;
    cons_p2p *p = c->p;
    int rv = nng_aio_result(c->tx_aio);
    size_t n = nng_aio_count(c->tx_aio);
    pthread_mutex_lock(&p->mtx);
    c->bytes_out += n;
    c->tx_off += n;
    if (rv == 0 && c->tx_off < c->tx_len && !c->closing) {
        p2p_tx_submit(c);
        pthread_mutex_unlock(&p->mtx);
        return;
    }
    c->tx_busy = false;
    if (c->tx_frame != NULL) {
        p2p_frame_release_locked(c->tx_frame);
        c->tx_frame = NULL;
    }
    if (rv == NNG_ETIMEDOUT) {
        p2p_conn_close_locked(c, false, CHR_LOG_WARN, "took none of our bytes for %u ms",
                              p->cfg.peer_timeout_ms);
    } else if (rv != 0 && !c->closing) {
        p2p_conn_close_locked(c, false, CHR_LOG_INFO, "send failed: %s", nng_strerror(rv));
    } else {
        p2p_tx_kick_locked(c);
    }
    pthread_mutex_unlock(&p->mtx);
}

/* ---- life cycle ---- */

/* Fills the IP key (for bans) and, for an inbound connection, the address, from the
 * stream's remote address. */
static void p2p_conn_remote(p2p_conn *c, const char *scheme)
{
    nng_sockaddr sa;
    if (nng_stream_get_addr(c->stream, NNG_OPT_REMADDR, &sa) != 0) {
        return;
    }
    char ip[INET6_ADDRSTRLEN];
    uint16_t port;
    if (sa.s_family == NNG_AF_INET) {
        /* IPv4 addresses are keyed as IPv4-mapped IPv6 (RFC 4291 section 2.5.5.2). */
        memset(c->ip_key, 0, 16);
        c->ip_key[10] = 0xff;
        c->ip_key[11] = 0xff;
        memcpy(c->ip_key + 12, &sa.s_in.sa_addr, 4);
        if (inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof(ip)) == NULL) {
            return;
        }
        port = ntohs(sa.s_in.sa_port);
        snprintf(c->address, sizeof(c->address), "%s://%s:%u", scheme, ip, port);
    } else if (sa.s_family == NNG_AF_INET6) {
        memcpy(c->ip_key, sa.s_in6.sa_addr, 16);
        if (inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof(ip)) == NULL) {
            return;
        }
        port = ntohs(sa.s_in6.sa_port);
        snprintf(c->address, sizeof(c->address), "%s://[%s]:%u", scheme, ip, port);
    } else {
        return;
    }
    static const uint8_t v6_loopback[16] = {[15] = 1};
    static const uint8_t v4_mapped[12] = {[10] = 0xff, [11] = 0xff};
    c->loopback = memcmp(c->ip_key, v6_loopback, 16) == 0 ||
                  (memcmp(c->ip_key, v4_mapped, 12) == 0 && c->ip_key[12] == 127);
    c->have_ip = true;
}

p2p_conn *p2p_conn_new(cons_p2p *p, nng_stream *stream, bool inbound, const char *address)
{
    p2p_conn *c = calloc(1, sizeof(*c));
    if (c == NULL || nng_aio_alloc(&c->rx_aio, p2p_rx_cb, c) != 0 ||
        nng_aio_alloc(&c->tx_aio, p2p_tx_cb, c) != 0) {
        if (c != NULL) {
            nng_aio_free(c->rx_aio);
            free(c);
        }
        nng_stream_close(stream);
        nng_stream_free(stream);
        return NULL;
    }
    c->p = p;
    c->stream = stream;
    c->inbound = inbound;
    c->created_ms = p2p_now_ms();
    c->phase = P2P_PHASE_HELLO;
    snprintf(c->address, sizeof(c->address), "%s", address != NULL ? address : "?");
    char url_address[sizeof(c->address)];
    memcpy(url_address, c->address, sizeof(url_address));
    p2p_conn_remote(c, p->listen_tls ? "tls+tcp" : "tcp");
    /* A dialed peer is named by the URL it was dialed at. */
    if (!inbound) {
        memcpy(c->address, url_address, sizeof(c->address));
    }
    return c;
}

static void p2p_rx_submit_locked(p2p_conn *c)
{
    const cons_p2p_config *cfg = &c->p->cfg;
    nng_iov iov;
    if (c->big != NULL) {
        iov.iov_buf = c->big + c->big_have;
        iov.iov_len = c->big_len - c->big_have;
    } else {
        iov.iov_buf = c->rx_buf + c->rx_len;
        iov.iov_len = P2P_RX_BUF_BYTES - c->rx_len;
    }
    CHR_ASSERT(iov.iov_len > 0);
    int rv = nng_aio_set_iov(c->rx_aio, 1, &iov);
    CHR_ASSERT(rv == 0);
    /* Silence is bounded by the receive's own timeout: a live peer pings well within it. */
    uint32_t ms = c->phase == P2P_PHASE_UP ? cfg->peer_timeout_ms : cfg->handshake_timeout_ms;
    nng_aio_set_timeout(c->rx_aio, (nng_duration)ms);
    nng_stream_recv(c->stream, c->rx_aio);
}

chr_err p2p_conn_start_locked(p2p_conn *c)
{
    cons_p2p *p = c->p;
    CHR_ASSERT(c->listed);
    c->rx_buf = malloc(P2P_RX_BUF_BYTES);
    c->tx_buf = malloc(P2P_TX_BATCH_BYTES);
    if (c->rx_buf == NULL || c->tx_buf == NULL) {
        return CHR_ERR_NOMEM;
    }
    randombytes_buf(c->challenge_ours, sizeof(c->challenge_ours));
    cons_p2p_hello h;
    memset(&h, 0, sizeof(h));
    h.version = CONS_P2P_PROTOCOL_VERSION;
    h.chain_id_len = (uint8_t)p->chain_id_len;
    memcpy(h.chain_id, p->chain_id, p->chain_id_len);
    memcpy(h.genesis_hash, p->cfg.genesis_hash, 32);
    memcpy(h.node_id, p->node_id, 32);
    memcpy(h.challenge, c->challenge_ours, 32);
    h.listen_len = (uint8_t)p->announce_len;
    memcpy(h.listen, p->announce, p->announce_len);
    uint8_t buf[CONS_P2P_HELLO_BYTES_MAX];
    size_t len;
    chr_err err = cons_p2p_hello_encode(&h, buf, sizeof(buf), &len);
    CHR_ASSERT(err == CHR_OK); /* every field was checked by cons_p2p_start */
    err = p2p_send_own_locked(c, CONS_P2P_T_HELLO, buf, len);
    if (err != CHR_OK) {
        return err;
    }
    c->last_ping_ms = p2p_now_ms();
    p2p_rx_submit_locked(c);
    return CHR_OK;
}

void p2p_conn_ping_locked(p2p_conn *c, uint64_t now)
{
    uint64_t nonce;
    randombytes_buf(&nonce, sizeof(nonce));
    uint8_t payload[8];
    cons_p2p_ping_encode(payload, nonce);
    c->last_ping_ms = now;
    /* A full queue drops the PING; the peer timeout still bounds a dead connection. */
    if (p2p_send_own_locked(c, CONS_P2P_T_PING, payload, sizeof(payload)) == CHR_OK) {
        c->ping_nonce = nonce;
        c->ping_sent_ms = now;
    }
}

static void p2p_unlist_locked(cons_p2p *p, p2p_conn *c)
{
    for (size_t i = 0; i < p->conns_len; i++) {
        if (p->conns[i] == c) {
            p->conns[i] = p->conns[--p->conns_len];
            p->conns[p->conns_len] = NULL;
            if (c->inbound) {
                CHR_ASSERT(p->inbound_len > 0);
                p->inbound_len--;
            }
            c->listed = false;
            return;
        }
    }
    CHR_ASSERT(!"a listed connection is in the table");
}

void p2p_conn_close_locked(p2p_conn *c, bool misbehaved, chr_log_level level, const char *fmt, ...)
{
    cons_p2p *p = c->p;
    if (c->closing) {
        return;
    }
    char reason[P2P_REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    c->closing = true;
    c->up = false;
    c->misbehaved = misbehaved;
    if (c->listed) {
        p2p_unlist_locked(p, c);
    }
    uint64_t now = p2p_now_ms();
    uint64_t ban_until = 0;
    /* Processes on this host are all the operator's (a one-machine testnet): one that
     * misbehaves is banned by its node id, not by the address the others share. */
    if (misbehaved && c->have_ip && (!c->loopback || p->cfg.ban_loopback)) {
        ban_until = p2p_penalize_locked(p, P2P_KEY_IP, c->ip_key, 16, now);
    }
    if (misbehaved && c->authenticated) {
        uint64_t until = p2p_penalize_locked(p, P2P_KEY_NODE, c->node_id, 32, now);
        ban_until = until > ban_until ? until : ban_until;
    }
    if (c->id != 0) {
        p2p_dials_conn_closed_locked(p, c, ban_until);
        char hex[17] = "unproven";
        if (c->authenticated) {
            p2p_id_hex(hex, c->node_id);
        }
        chr_log(level, "p2p: peer %u (%s, node %s) %s: %s", c->id, c->address, hex,
                misbehaved ? "disconnected for misbehaving" : "disconnected", reason);
    } else {
        chr_log(level, "p2p: connection %s %s refused: %s", c->inbound ? "from" : "to", c->address,
                reason);
    }
    c->reap_next = p->reap;
    p->reap = c;
    pthread_cond_signal(&p->cv);
}

void p2p_conn_stop(p2p_conn *c)
{
    nng_stream_close(c->stream);
    nng_aio_stop(c->rx_aio);
    nng_aio_stop(c->tx_aio);
}

void p2p_conn_drain_locked(p2p_conn *c)
{
    for (size_t i = 0; i < P2P_QUEUES; i++) {
        p2p_queue *q = &c->q[i];
        while (q->head != NULL) {
            p2p_qent *e = q->head;
            q->head = e->next;
            p2p_frame_release_locked(e->frame);
            free(e);
        }
        q->tail = NULL;
        q->bytes = 0;
    }
    c->q_bytes = 0;
    if (c->tx_frame != NULL) {
        p2p_frame_release_locked(c->tx_frame);
        c->tx_frame = NULL;
    }
}

void p2p_conn_free(p2p_conn *c)
{
    CHR_ASSERT(c->q[P2P_Q_URGENT].head == NULL);
    CHR_ASSERT(c->q[P2P_Q_BULK].head == NULL);
    CHR_ASSERT(c->tx_frame == NULL);
    nng_aio_free(c->rx_aio);
    nng_aio_free(c->tx_aio);
    nng_stream_free(c->stream);
    free(c->rx_buf);
    free(c->tx_buf);
    free(c->big);
    free(c);
}

/* ---- the handshake ---- */

/* Closes c from its receive callback; returns false, so the caller stops reading. */
static bool p2p_refuse(p2p_conn *c, bool misbehaved, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool p2p_refuse(p2p_conn *c, bool misbehaved, const char *fmt, ...)
{
    char reason[P2P_REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&c->p->mtx);
    p2p_conn_close_locked(c, misbehaved, CHR_LOG_WARN, "%s", reason);
    pthread_mutex_unlock(&c->p->mtx);
    return false;
}

static chr_err p2p_sign_auth(cons_p2p *p, uint8_t sig[64], const uint8_t peer_id[32],
                             const uint8_t peer_challenge[32], const uint8_t our_challenge[32])
{
    uint8_t msg[32];
    uint8_t aux[32];
    cons_p2p_auth_hash(msg, p->chain_id, p->chain_id_len, p->cfg.genesis_hash, p->node_id, peer_id,
                       peer_challenge, our_challenge);
    randombytes_buf(aux, sizeof(aux));
    pthread_mutex_lock(&p->sign_mtx);
    chr_err err = ledger_signer_sign(p->signer, sig, msg, p->node_sk, aux);
    pthread_mutex_unlock(&p->sign_mtx);
    return err;
}

static bool p2p_on_self(p2p_conn *c)
{
    cons_p2p *p = c->p;
    pthread_mutex_lock(&p->mtx);
    if (!c->inbound) {
        p2p_dials_disable_locked(p, c->id);
    }
    p2p_conn_close_locked(c, false, CHR_LOG_INFO, "is this node itself%s",
                          c->inbound ? "" : "; no longer dialing it");
    pthread_mutex_unlock(&p->mtx);
    return false;
}

/* Checks the peer's HELLO against our chain and answers with our AUTH. */
static bool p2p_on_hello(p2p_conn *c, uint8_t type, const uint8_t *payload, size_t len)
{
    cons_p2p *p = c->p;
    if (type != CONS_P2P_T_HELLO) {
        return p2p_refuse(c, true, "sent type %u before its HELLO", type);
    }
    cons_p2p_hello h;
    chr_err err = cons_p2p_hello_decode(&h, payload, len);
    if (err == CHR_ERR_VERSION) {
        return p2p_refuse(c, true, "speaks protocol version %u, we speak %u",
                          (unsigned)((payload[0] << 8) | payload[1]), CONS_P2P_PROTOCOL_VERSION);
    }
    if (err != CHR_OK) {
        return p2p_refuse(c, true, "malformed HELLO: %s", chr_err_str(err));
    }
    if (h.chain_id_len != p->chain_id_len || memcmp(h.chain_id, p->chain_id, h.chain_id_len) != 0) {
        return p2p_refuse(c, true, "is on chain '%.*s', we are on '%s'", (int)h.chain_id_len,
                          h.chain_id, p->chain_id);
    }
    if (memcmp(h.genesis_hash, p->cfg.genesis_hash, 32) != 0) {
        char theirs[17];
        char ours[17];
        p2p_id_hex(theirs, h.genesis_hash);
        p2p_id_hex(ours, p->cfg.genesis_hash);
        return p2p_refuse(c, true, "has genesis hash %s..., ours is %s...", theirs, ours);
    }
    if (memcmp(h.node_id, p->node_id, 32) == 0) {
        return p2p_on_self(c);
    }
    memcpy(c->claimed_id, h.node_id, 32);
    memcpy(c->challenge_peer, h.challenge, 32);
    uint8_t sig[64];
    err = p2p_sign_auth(p, sig, c->claimed_id, c->challenge_peer, c->challenge_ours);
    if (err != CHR_OK) {
        return p2p_refuse(c, false, "cannot sign our AUTH: %s", chr_err_str(err));
    }
    pthread_mutex_lock(&p->mtx);
    memcpy(c->listen, h.listen, h.listen_len);
    c->listen[h.listen_len] = '\0';
    err = p2p_send_own_locked(c, CONS_P2P_T_AUTH, sig, sizeof(sig));
    pthread_mutex_unlock(&p->mtx);
    if (err != CHR_OK) {
        return p2p_refuse(c, false, "cannot queue our AUTH: %s", chr_err_str(err));
    }
    c->phase = P2P_PHASE_AUTH;
    return true;
}

/* One connection per node id: of two, keep the one dialed by the smaller node id (both ends
 * choose the same one), or the newer one when both were dialed from the same end (the older
 * is then most likely dead). Returns false if c lost and was closed. */
static bool p2p_dedup_locked(p2p_conn *c)
{
    cons_p2p *p = c->p;
    bool we_are_smaller = memcmp(p->node_id, c->claimed_id, 32) < 0;
    for (size_t i = 0; i < p->conns_len; i++) {
        p2p_conn *d = p->conns[i];
        if (d == c || !d->up || memcmp(d->node_id, c->claimed_id, 32) != 0) {
            continue;
        }
        bool keep_new = c->inbound == d->inbound || we_are_smaller != c->inbound;
        p2p_conn *loser = keep_new ? d : c;
        p2p_conn *winner = keep_new ? c : d;
        p2p_dials_move_locked(p, loser->id, winner->id);
        p2p_conn_close_locked(loser, false, CHR_LOG_INFO,
                              "duplicate connection to the same node; keeping peer %u", winner->id);
        return keep_new;
    }
    return true;
}

/* Marks c up once its AUTH verified, unless a rule refuses it. */
static bool p2p_auth_done_locked(p2p_conn *c)
{
    cons_p2p *p = c->p;
    char hex[17];
    p2p_id_hex(hex, c->claimed_id);
    if (c->closing) {
        return false;
    }
    if (!p2p_allowed(p, c->claimed_id)) {
        p2p_conn_close_locked(c, false, CHR_LOG_WARN, "node %s is not in allowed_ids", hex);
        return false;
    }
    uint64_t until = p2p_banned_until_locked(p, P2P_KEY_NODE, c->claimed_id, 32, p2p_now_ms());
    if (until != 0) {
        p2p_conn_close_locked(c, false, CHR_LOG_DEBUG, "node %s is banned for another %llu ms", hex,
                              (unsigned long long)(until - p2p_now_ms()));
        return false;
    }
    if (!p2p_dedup_locked(c)) {
        return false;
    }
    memcpy(c->node_id, c->claimed_id, 32);
    c->authenticated = true;
    c->up = true;
    p2p_dials_up_locked(p, c->id, c->node_id);
    CHR_LOG_I("p2p: peer %u up: node %s at %s (%s)", c->id, hex, c->address,
              c->inbound ? "inbound" : "outbound");
    return true;
}

/* Verifies the peer's AUTH: a BIP-340 signature by its claimed node id over our challenge. */
static bool p2p_on_auth(p2p_conn *c, uint8_t type, const uint8_t *payload, size_t len)
{
    cons_p2p *p = c->p;
    if (type != CONS_P2P_T_AUTH) {
        return p2p_refuse(c, true, "sent type %u instead of its AUTH", type);
    }
    uint8_t sig[64];
    if (cons_p2p_auth_decode(sig, payload, len) != CHR_OK) {
        return p2p_refuse(c, true, "malformed AUTH (%zu bytes)", len);
    }
    uint8_t msg[32];
    cons_p2p_auth_hash(msg, p->chain_id, p->chain_id_len, p->cfg.genesis_hash, c->claimed_id,
                       p->node_id, c->challenge_ours, c->challenge_peer);
    if (ledger_sig_verify(sig, msg, c->claimed_id) != CHR_OK) {
        char hex[17];
        p2p_id_hex(hex, c->claimed_id);
        return p2p_refuse(c, true, "AUTH signature does not verify for node %s", hex);
    }
    pthread_mutex_lock(&p->mtx);
    bool ok = p2p_auth_done_locked(c);
    pthread_mutex_unlock(&p->mtx);
    if (!ok) {
        return false;
    }
    c->phase = P2P_PHASE_UP;
    if (p->cfg.on_peer != NULL && !atomic_load(&p->quiet)) {
        c->reported_up = true;
        p->cfg.on_peer(p->cfg.ctx, c->id, 1, c->claimed_id);
    }
    return true;
}

/* ---- receiving ---- */

static bool p2p_on_frame_up(p2p_conn *c, uint8_t type, const uint8_t *payload, size_t len)
{
    cons_p2p *p = c->p;
    uint64_t nonce;
    switch (type) {
    case CONS_P2P_T_PING:
        if (cons_p2p_ping_decode(&nonce, payload, len) != CHR_OK) {
            return p2p_refuse(c, true, "malformed PING (%zu bytes)", len);
        }
        pthread_mutex_lock(&p->mtx);
        /* A PONG that does not fit the queue is lost like any message; PINGs recur. */
        (void)!p2p_send_own_locked(c, CONS_P2P_T_PONG, payload, len);
        pthread_mutex_unlock(&p->mtx);
        return true;
    case CONS_P2P_T_PONG:
        if (cons_p2p_ping_decode(&nonce, payload, len) != CHR_OK) {
            return p2p_refuse(c, true, "malformed PONG (%zu bytes)", len);
        }
        pthread_mutex_lock(&p->mtx);
        if (nonce == c->ping_nonce && c->ping_sent_ms != 0) {
            uint64_t rtt = p2p_now_ms() - c->ping_sent_ms;
            c->rtt_ms = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
        }
        pthread_mutex_unlock(&p->mtx);
        return true;
    case CONS_P2P_T_HELLO:
    case CONS_P2P_T_AUTH:
        return p2p_refuse(c, true, "sent a handshake message (type %u) after the handshake", type);
    default:
        return p2p_refuse(c, true, "sent unknown transport message type %u", type);
    }
}

/* Hands one complete frame to the phase it arrived in. */
static bool p2p_deliver(p2p_conn *c, uint8_t type, const uint8_t *payload, size_t len,
                        uint64_t *msgs)
{
    cons_p2p *p = c->p;
    switch (c->phase) {
    case P2P_PHASE_HELLO:
        return p2p_on_hello(c, type, payload, len);
    case P2P_PHASE_AUTH:
        return p2p_on_auth(c, type, payload, len);
    case P2P_PHASE_UP:
        if (type >= CONS_P2P_TYPE_USER_MIN) {
            (*msgs)++;
            /* Once cons_p2p_stop has begun, no callback starts. */
            if (!atomic_load(&p->quiet)) {
                p->cfg.on_message(p->cfg.ctx, c->id, type, payload, len);
            }
            return true;
        }
        return p2p_on_frame_up(c, type, payload, len);
    }
    CHR_ASSERT(!"a known phase");
    return false;
}

/* Parses every complete frame in the receive buffer, then keeps the partial rest at its
 * start. A frame longer than the buffer continues in a buffer of its own size, allocated
 * only after its length passed the limit of the phase. */
static bool p2p_rx_parse(p2p_conn *c, uint64_t *msgs)
{
    const cons_p2p_config *cfg = &c->p->cfg;
    while (c->rx_len - c->rx_off >= CONS_P2P_FRAME_HEADER_BYTES) {
        const uint8_t *hdr = c->rx_buf + c->rx_off;
        size_t max = c->phase == P2P_PHASE_UP ? cfg->frame_bytes_max : CONS_P2P_HANDSHAKE_FRAME_MAX;
        uint8_t type;
        size_t plen;
        chr_err err = cons_p2p_frame_header_decode(&type, &plen, hdr, max);
        if (err != CHR_OK) {
            return p2p_refuse(c, true, "announced a frame of %u bytes (the limit is %zu)",
                              (unsigned)chr_get_u32be(hdr), max);
        }
        size_t avail = c->rx_len - c->rx_off - CONS_P2P_FRAME_HEADER_BYTES;
        if (avail >= plen) {
            c->rx_off += CONS_P2P_FRAME_HEADER_BYTES + plen;
            if (!p2p_deliver(c, type, hdr + CONS_P2P_FRAME_HEADER_BYTES, plen, msgs)) {
                return false;
            }
            continue;
        }
        if (CONS_P2P_FRAME_HEADER_BYTES + plen > P2P_RX_BUF_BYTES) {
            c->big = malloc(plen);
            if (c->big == NULL) {
                return p2p_refuse(c, false, "no memory for a frame of %zu bytes", plen);
            }
            memcpy(c->big, hdr + CONS_P2P_FRAME_HEADER_BYTES, avail);
            c->big_len = plen;
            c->big_have = avail;
            c->big_type = type;
            c->rx_len = 0;
            c->rx_off = 0;
            return true;
        }
        break;
    }
    memmove(c->rx_buf, c->rx_buf + c->rx_off, c->rx_len - c->rx_off);
    c->rx_len -= c->rx_off;
    c->rx_off = 0;
    return true;
}

static void p2p_rx_failed(p2p_conn *c, int rv)
{
    cons_p2p *p = c->p;
    pthread_mutex_lock(&p->mtx);
    if (rv == NNG_ETIMEDOUT && c->phase == P2P_PHASE_UP) {
        p2p_conn_close_locked(c, false, CHR_LOG_WARN, "silent for %u ms", p->cfg.peer_timeout_ms);
    } else if (rv == NNG_ETIMEDOUT) {
        p2p_conn_close_locked(c, false, CHR_LOG_WARN, "handshake not complete after %u ms",
                              p->cfg.handshake_timeout_ms);
    } else if (rv == 0 || rv == NNG_ECONNSHUT || rv == NNG_ECLOSED) {
        p2p_conn_close_locked(c, false, CHR_LOG_INFO, "connection closed by the peer");
    } else {
        p2p_conn_close_locked(c, false, CHR_LOG_INFO, "receive failed: %s", nng_strerror(rv));
    }
    pthread_mutex_unlock(&p->mtx);
}

static void p2p_rx_cb(void *arg)
{
    p2p_conn *c = arg;
    cons_p2p *p = c->p;
    int rv = nng_aio_result(c->rx_aio);
    size_t n = nng_aio_count(c->rx_aio);
    if (rv != 0 || n == 0) {
        p2p_rx_failed(c, rv);
        return;
    }
    uint64_t msgs = 0;
    bool go;
    if (c->big != NULL) {
        c->big_have += n;
        CHR_ASSERT(c->big_have <= c->big_len);
        go = true;
        if (c->big_have == c->big_len) {
            go = p2p_deliver(c, c->big_type, c->big, c->big_len, &msgs);
            free(c->big);
            c->big = NULL;
        }
    } else {
        c->rx_len += n;
        CHR_ASSERT(c->rx_len <= P2P_RX_BUF_BYTES);
        go = p2p_rx_parse(c, &msgs);
    }
    pthread_mutex_lock(&p->mtx);
    c->bytes_in += n;
    c->msgs_in += msgs;
    if (go && !c->closing) {
        p2p_rx_submit_locked(c);
    }
    pthread_mutex_unlock(&p->mtx);
}
