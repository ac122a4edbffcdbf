/* The peer-to-peer transport's life cycle: configuration, the listener and the persistent
 * peers' dialers, the housekeeping thread (reaping, handshake deadlines, pings, re-dials),
 * bans, and the public calls (consensus/p2p.h, docs/P2P.md). One connection's machinery
 * is in p2p_conn.c; the locking rules in consensus/internal/p2p_impl.h. */
#include "consensus/p2p.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/assert.h"
#include "common/errmsg.h"
#include "common/hash.h"
#include "common/hex.h"
#include "common/thread.h"
#include "consensus/internal/p2p_impl.h"
#include "consensus/internal/p2p_wire.h"
#include "consensus/limits.h"
/* After nng.h (through p2p_impl.h), which it needs. */
#include "ledger/tx.h"
#include <nng/supplemental/util/platform.h>

_Static_assert(CONS_P2P_FRAME_BYTES_DEFAULT >= CONS_MSG_BYTES_MAX + 1,
               "the largest consensus message and its type byte fit the default frame");

/* Upper bounds on the configuration's durations and queue, so sums of times and sizes stay
 * far from overflow: a day, and 1 GiB per peer. */
#define P2P_MS_MAX (24u * 3600 * 1000)
#define P2P_QUEUE_BYTES_MAX (1024u * 1024 * 1024)

/* ---- small helpers ---- */

uint64_t p2p_now_ms(void)
{
    return (uint64_t)nng_clock();
}

uint32_t p2p_jitter(uint32_t ms)
{
    if (ms < 2) {
        return ms;
    }
    uint32_t half = ms / 2;
    return half + randombytes_uniform(ms - half + 1);
}

void p2p_id_hex(char out[17], const uint8_t id[32])
{
    chr_hex_encode(out, 17, id, 8);
}

bool p2p_allowed(const cons_p2p *p, const uint8_t id[32])
{
    if (p->cfg.allowed_ids_len == 0) {
        return true;
    }
    for (size_t i = 0; i < p->cfg.allowed_ids_len; i++) {
        if (memcmp(p->allowed[i], id, 32) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- bans ---- */

static p2p_penalty *p2p_penalty_find(const cons_p2p *p, uint8_t kind, const uint8_t *key,
                                     size_t key_len)
{
    CHR_ASSERT(key_len <= 32);
    for (size_t i = 0; i < P2P_PENALTIES_MAX; i++) {
        p2p_penalty *e = &p->penalties[i];
        if (e->kind == kind && memcmp(e->key, key, key_len) == 0) {
            return e;
        }
    }
    return NULL;
}

uint64_t p2p_penalize_locked(cons_p2p *p, uint8_t kind, const uint8_t *key, size_t key_len,
                             uint64_t now)
{
    p2p_penalty *e = p2p_penalty_find(p, kind, key, key_len);
    if (e == NULL) {
        /* A free entry, else the one whose ban ends first (expired ones end first). */
        e = &p->penalties[0];
        for (size_t i = 0; i < P2P_PENALTIES_MAX && e->kind != 0; i++) {
            p2p_penalty *f = &p->penalties[i];
            if (f->kind == 0 || f->until_ms < e->until_ms) {
                e = f;
            }
        }
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        memcpy(e->key, key, key_len);
    }
    if (e->score < UINT32_MAX) {
        e->score++;
    }
    /* Each offence doubles the ban, from ban_ms_min up to ban_ms_max. */
    uint32_t shift = e->score - 1 < 20 ? e->score - 1 : 20;
    uint64_t ms = (uint64_t)p->cfg.ban_ms_min << shift;
    if (ms > p->cfg.ban_ms_max) {
        ms = p->cfg.ban_ms_max;
    }
    e->until_ms = now + ms;
    return e->until_ms;
}

uint64_t p2p_banned_until_locked(const cons_p2p *p, uint8_t kind, const uint8_t *key,
                                 size_t key_len, uint64_t now)
{
    const p2p_penalty *e = p2p_penalty_find(p, kind, key, key_len);
    return e != NULL && e->until_ms > now ? e->until_ms : 0;
}

uint32_t p2p_score_locked(const cons_p2p *p, const uint8_t node_id[32])
{
    const p2p_penalty *e = p2p_penalty_find(p, P2P_KEY_NODE, node_id, 32);
    return e != NULL ? e->score : 0;
}

/* ---- persistent peers ---- */

static void p2p_dial_failed_locked(p2p_dial *d, const char *why)
{
    cons_p2p *p = d->p;
    uint32_t delay = p2p_jitter(d->backoff_ms);
    d->next_ms = p2p_now_ms() + delay;
    /* The first failure of a streak is news; the rest are the same news. */
    chr_log(d->failing ? CHR_LOG_DEBUG : CHR_LOG_WARN,
            "p2p: dialing %s failed: %s; retrying in %u ms (backoff up to %u ms)", d->url, why,
            delay, p->cfg.backoff_ms_max);
    d->failing = true;
    d->backoff_ms =
        d->backoff_ms > p->cfg.backoff_ms_max / 2 ? p->cfg.backoff_ms_max : d->backoff_ms * 2;
}

void p2p_dials_conn_closed_locked(cons_p2p *p, const p2p_conn *c, uint64_t ban_until)
{
    uint64_t now = p2p_now_ms();
    for (size_t i = 0; i < p->dials_len; i++) {
        p2p_dial *d = &p->dials[i];
        if (d->conn_id != c->id) {
            continue;
        }
        d->conn_id = 0;
        bool good = c->authenticated && !c->misbehaved;
        if (good) {
            d->backoff_ms = p->cfg.backoff_ms_min;
        }
        d->next_ms = now + p2p_jitter(d->backoff_ms);
        if (!good) {
            d->backoff_ms = d->backoff_ms > p->cfg.backoff_ms_max / 2 ? p->cfg.backoff_ms_max
                                                                      : d->backoff_ms * 2;
        }
        if (ban_until > d->next_ms) {
            d->next_ms = ban_until;
        }
    }
}

void p2p_dials_move_locked(cons_p2p *p, uint32_t from, uint32_t to)
{
    for (size_t i = 0; i < p->dials_len; i++) {
        if (p->dials[i].conn_id == from) {
            p->dials[i].conn_id = to;
        }
    }
}

void p2p_dials_up_locked(cons_p2p *p, uint32_t conn_id, const uint8_t node_id[32])
{
    for (size_t i = 0; i < p->dials_len; i++) {
        p2p_dial *d = &p->dials[i];
        if (d->conn_id == conn_id) {
            memcpy(d->node_id, node_id, 32);
            d->node_known = true;
            d->backoff_ms = p->cfg.backoff_ms_min;
            d->failing = false;
        }
    }
}

void p2p_dials_disable_locked(cons_p2p *p, uint32_t conn_id)
{
    for (size_t i = 0; i < p->dials_len; i++) {
        if (p->dials[i].conn_id == conn_id) {
            p->dials[i].disabled = true;
        }
    }
}

/* ---- admitting connections ---- */

/* Puts c in the table and starts its handshake, or refuses it. d: the dial slot it came
 * from (NULL for inbound). */
static void p2p_admit_locked(cons_p2p *p, p2p_conn *c, p2p_dial *d)
{
    const char *why = NULL;
    chr_log_level level = CHR_LOG_INFO;
    if (p->stopping) {
        why = "shutting down";
    } else if (p->next_id == 0) {
        why = "all 2^32-1 peer ids are used; restart the node";
        level = CHR_LOG_ERROR;
    } else if (p->conns_len >= p->cfg.peers_max) {
        why = "the peer table is full (peers_max)";
    } else if (c->inbound && p->inbound_len >= p->inbound_max) {
        why = "inbound connections are at their limit (peers_max less the persistent peers)";
    } else if (c->inbound && c->have_ip &&
               p2p_banned_until_locked(p, P2P_KEY_IP, c->ip_key, 16, p2p_now_ms()) != 0) {
        why = "the address is banned for misbehaving";
        level = CHR_LOG_DEBUG;
    }
    /* Refusing strangers is routine (and under a flood of connections, constant). */
    if (why != NULL && c->inbound && level == CHR_LOG_INFO) {
        level = CHR_LOG_DEBUG;
    }
    if (why != NULL) {
        p2p_conn_close_locked(c, false, level, "%s", why);
        if (d != NULL) {
            p2p_dial_failed_locked(d, why);
        }
        return;
    }
    c->id = p->next_id++;
    p->conns[p->conns_len++] = c;
    c->listed = true;
    if (c->inbound) {
        p->inbound_len++;
    }
    if (d != NULL) {
        d->conn_id = c->id;
    }
    chr_err err = p2p_conn_start_locked(c);
    if (err != CHR_OK) {
        p2p_conn_close_locked(c, false, CHR_LOG_WARN, "cannot start: %s", chr_err_str(err));
    }
}

static void p2p_accept_cb(void *arg)
{
    cons_p2p *p = arg;
    int rv = nng_aio_result(p->accept_aio);
    p2p_conn *c = NULL;
    if (rv == 0) {
        c = p2p_conn_new(p, nng_aio_get_output(p->accept_aio, 0), true, NULL);
    }
    pthread_mutex_lock(&p->mtx);
    p->accept_busy = false;
    if (rv != 0) {
        /* The housekeeping thread accepts again on its next tick, so a failing accept
         * (out of descriptors) does not spin. */
        if (rv != NNG_ECLOSED && !p->stopping) {
            CHR_LOG_W("p2p: accept failed: %s", nng_strerror(rv));
        }
    } else {
        if (c != NULL) {
            p2p_admit_locked(p, c, NULL);
        }
        if (!p->stopping) {
            p->accept_busy = true;
            nng_stream_listener_accept(p->listener, p->accept_aio);
        }
    }
    pthread_mutex_unlock(&p->mtx);
}

static void p2p_dial_cb(void *arg)
{
    p2p_dial *d = arg;
    cons_p2p *p = d->p;
    int rv = nng_aio_result(d->aio);
    p2p_conn *c = NULL;
    if (rv == 0) {
        c = p2p_conn_new(p, nng_aio_get_output(d->aio, 0), false, d->url);
    }
    pthread_mutex_lock(&p->mtx);
    d->busy = false;
    if (rv != 0) {
        if (!p->stopping) {
            p2p_dial_failed_locked(d, nng_strerror(rv));
        }
    } else if (c == NULL) {
        p2p_dial_failed_locked(d, "out of memory");
    } else {
        p2p_admit_locked(p, c, d);
    }
    pthread_mutex_unlock(&p->mtx);
}

/* ---- the housekeeping thread ---- */

/* Frees closed connections: stops their I/O (waiting for their callbacks, without the
 * lock), then tells on_peer. Called and returns with the lock held. */
static void p2p_reap_locked(cons_p2p *p, bool callbacks)
{
    while (p->reap != NULL) {
        p2p_conn *list = p->reap;
        p->reap = NULL;
        pthread_mutex_unlock(&p->mtx);
        for (p2p_conn *c = list; c != NULL; c = c->reap_next) {
            p2p_conn_stop(c);
        }
        pthread_mutex_lock(&p->mtx);
        for (p2p_conn *c = list; c != NULL; c = c->reap_next) {
            p2p_conn_drain_locked(c);
        }
        pthread_mutex_unlock(&p->mtx);
        p2p_conn *next;
        for (p2p_conn *c = list; c != NULL; c = next) {
            next = c->reap_next;
            if (callbacks && c->reported_up && !atomic_load(&p->quiet)) {
                p->cfg.on_peer(p->cfg.ctx, c->id, 0, c->node_id);
            }
            p2p_conn_free(c);
        }
        pthread_mutex_lock(&p->mtx);
    }
}

static bool p2p_node_up_locked(const cons_p2p *p, const uint8_t node_id[32], uint32_t *id)
{
    for (size_t i = 0; i < p->conns_len; i++) {
        if (p->conns[i]->up && memcmp(p->conns[i]->node_id, node_id, 32) == 0) {
            *id = p->conns[i]->id;
            return true;
        }
    }
    return false;
}

static void p2p_tick_dials_locked(cons_p2p *p, uint64_t now)
{
    for (size_t i = 0; i < p->dials_len; i++) {
        p2p_dial *d = &p->dials[i];
        if (d->busy || d->disabled || d->conn_id != 0 || now < d->next_ms) {
            continue;
        }
        /* The node already connected to us by itself: that connection serves this slot. */
        uint32_t id;
        if (d->node_known && p2p_node_up_locked(p, d->node_id, &id)) {
            d->conn_id = id;
            continue;
        }
        if (p->conns_len >= p->cfg.peers_max) {
            d->next_ms = now + p->cfg.backoff_ms_min;
            continue;
        }
        d->busy = true;
        nng_aio_set_timeout(d->aio, (nng_duration)p->cfg.dial_timeout_ms);
        nng_stream_dialer_dial(d->dialer, d->aio);
    }
}

static void p2p_tick_locked(cons_p2p *p, uint64_t now)
{
    size_t i = 0;
    while (i < p->conns_len) {
        p2p_conn *c = p->conns[i];
        if (!c->up && now - c->created_ms >= p->cfg.handshake_timeout_ms) {
            /* Closing takes c out of the table; the slot now holds another one. */
            p2p_conn_close_locked(c, false, CHR_LOG_WARN, "handshake not complete after %u ms",
                                  p->cfg.handshake_timeout_ms);
            continue;
        }
        if (c->up && now - c->last_ping_ms >= p->cfg.ping_interval_ms) {
            p2p_conn_ping_locked(c, now);
        }
        i++;
    }
    p2p_tick_dials_locked(p, now);
    if (p->listener != NULL && !p->accept_busy) {
        p->accept_busy = true;
        nng_stream_listener_accept(p->listener, p->accept_aio);
    }
}

static void *p2p_thread_main(void *arg)
{
    chr_thread_name("chroomd-p2p");
    cons_p2p *p = arg;
    pthread_mutex_lock(&p->mtx);
    while (!p->stopping) {
        p2p_reap_locked(p, true);
        if (p->stopping) {
            break;
        }
        p2p_tick_locked(p, p2p_now_ms());
        if (p->reap != NULL) {
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)P2P_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mtx, &ts);
    }
    pthread_mutex_unlock(&p->mtx);
    return NULL;
}

/* ---- configuration ---- */

void cons_p2p_config_init(cons_p2p_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->peers_max = 40;
    cfg->frame_bytes_max = CONS_P2P_FRAME_BYTES_DEFAULT;
    cfg->send_queue_bytes_max = 2 * (size_t)CONS_P2P_FRAME_BYTES_DEFAULT;
    cfg->backoff_ms_min = 500;
    cfg->backoff_ms_max = 30000;
    cfg->dial_timeout_ms = 5000;
    cfg->handshake_timeout_ms = 5000;
    cfg->ping_interval_ms = 10000;
    cfg->peer_timeout_ms = 30000;
    cfg->ban_ms_min = 10000;
    cfg->ban_ms_max = 3600000;
}

static bool p2p_url_tls(const char *url)
{
    return strncmp(url, "tls+tcp://", 10) == 0;
}

static bool p2p_url_valid(const char *url)
{
    size_t len = strlen(url);
    if (len > CONS_P2P_ADDR_MAX || (strncmp(url, "tcp://", 6) != 0 && !p2p_url_tls(url))) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (url[i] < 0x21 || url[i] > 0x7e) {
            return false;
        }
    }
    nng_url *u;
    if (nng_url_parse(&u, url) != 0) {
        return false;
    }
    nng_url_free(u);
    return true;
}

static chr_err p2p_check_limits(const cons_p2p_config *cfg, char *errmsg, size_t cap)
{
    const char *bad = NULL;
    if (cfg->peers_max == 0 || cfg->peers_max > CONS_P2P_PEERS_LIMIT) {
        bad = "peers_max must be 1..1024";
    } else if (cfg->peers_len > CONS_P2P_PERSISTENT_PEERS_MAX || cfg->peers_len > cfg->peers_max) {
        bad = "at most 256 persistent peers, and no more than peers_max";
    } else if (cfg->frame_bytes_max < CONS_P2P_HANDSHAKE_FRAME_MAX ||
               cfg->frame_bytes_max > CONS_P2P_FRAME_BYTES_LIMIT) {
        bad = "frame_bytes_max must be 512..16 MiB";
    } else if (cfg->send_queue_bytes_max <
                   cfg->frame_bytes_max + P2P_QENT_OVERHEAD + CONS_P2P_FRAME_HEADER_BYTES ||
               cfg->send_queue_bytes_max > P2P_QUEUE_BYTES_MAX) {
        bad = "send_queue_bytes_max must hold one largest frame, and at most 1 GiB";
    } else if (cfg->backoff_ms_min == 0 || cfg->backoff_ms_min > cfg->backoff_ms_max ||
               cfg->backoff_ms_max > P2P_MS_MAX) {
        bad = "backoff must be 1 <= backoff_ms_min <= backoff_ms_max <= one day";
    } else if (cfg->ban_ms_min == 0 || cfg->ban_ms_min > cfg->ban_ms_max ||
               cfg->ban_ms_max > P2P_MS_MAX) {
        bad = "bans must be 1 <= ban_ms_min <= ban_ms_max <= one day";
    } else if (cfg->dial_timeout_ms == 0 || cfg->dial_timeout_ms > P2P_MS_MAX ||
               cfg->handshake_timeout_ms == 0 || cfg->handshake_timeout_ms > P2P_MS_MAX) {
        bad = "dial_timeout_ms and handshake_timeout_ms must be 1 ms..one day";
    } else if (cfg->ping_interval_ms == 0 || cfg->peer_timeout_ms <= cfg->ping_interval_ms ||
               cfg->peer_timeout_ms > P2P_MS_MAX) {
        bad = "ping_interval_ms must be at least 1 and below peer_timeout_ms (at most one day)";
    } else if (cfg->allowed_ids_len > CONS_P2P_ALLOWED_IDS_MAX ||
               (cfg->allowed_ids_len > 0 && cfg->allowed_ids == NULL)) {
        bad = "at most 1024 allowed_ids";
    } else if (cfg->bulk_types[0] != 0 || cfg->bulk_types[1] != 0) {
        _Static_assert(CONS_P2P_TYPE_USER_MIN == 16, "the transport's types are bytes 0 and 1");
        bad = "bulk_types may name user types only";
    }
    if (bad != NULL) {
        chr_errmsg_set(errmsg, cap, "p2p: %s", bad);
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

static chr_err p2p_check_config(const cons_p2p_config *cfg, bool *tls, char *errmsg, size_t cap)
{
    *tls = false;
    if (cfg->on_message == NULL || cfg->chain_id == NULL ||
        !ledger_chain_id_valid(cfg->chain_id, strlen(cfg->chain_id)) ||
        (cfg->peers_len > 0 && cfg->peers == NULL)) {
        chr_errmsg_set(errmsg, cap, "p2p: on_message and a valid chain_id are required");
        return CHR_ERR_CONFIG;
    }
    chr_err err = p2p_check_limits(cfg, errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    if (cfg->listen != NULL) {
        if (!p2p_url_valid(cfg->listen)) {
            chr_errmsg_set(errmsg, cap,
                           "p2p: listen address '%s' is not tcp://host:port or "
                           "tls+tcp://host:port",
                           cfg->listen);
            return CHR_ERR_CONFIG;
        }
        *tls = p2p_url_tls(cfg->listen);
    }
    for (size_t i = 0; i < cfg->peers_len; i++) {
        if (cfg->peers[i] == NULL || !p2p_url_valid(cfg->peers[i])) {
            chr_errmsg_set(errmsg, cap,
                           "p2p: peer '%s' is not tcp://host:port or "
                           "tls+tcp://host:port",
                           cfg->peers[i] ? cfg->peers[i] : "");
            return CHR_ERR_CONFIG;
        }
        *tls = *tls || p2p_url_tls(cfg->peers[i]);
    }
    if (*tls && (cfg->tls_cert_key_file == NULL || cfg->tls_ca_file == NULL)) {
        chr_errmsg_set(errmsg, cap, "p2p: tls+tcp:// needs tls_cert_key_file and tls_ca_file");
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

/* ---- start ---- */

static chr_err p2p_tls_new(nng_tls_config **out, nng_tls_mode mode, const cons_p2p *p, char *errmsg,
                           size_t cap)
{
    int rv = nng_tls_config_alloc(out, mode);
    if (rv != 0) {
        *out = NULL;
        chr_errmsg_set(errmsg, cap, "p2p: TLS unavailable in this nng: %s", nng_strerror(rv));
        return CHR_ERR_CONFIG;
    }
    /* Both ends must present a certificate from the pinned set; the pinned certificates are
     * the only trust anchors, so no host name is checked. */
    const char *what = "auth mode";
    rv = nng_tls_config_auth_mode(*out, NNG_TLS_AUTH_MODE_REQUIRED);
    if (rv == 0) {
        what = "versions";
        rv = nng_tls_config_version(*out, NNG_TLS_1_2, NNG_TLS_1_3);
    }
    if (rv == 0) {
        what = p->tls_ca_file;
        rv = nng_tls_config_ca_file(*out, p->tls_ca_file);
    }
    if (rv == 0) {
        what = p->tls_cert_key_file;
        rv = nng_tls_config_cert_key_file(*out, p->tls_cert_key_file, NULL);
    }
    if (rv != 0) {
        chr_errmsg_set(errmsg, cap, "p2p: TLS setup failed (%s): %s", what, nng_strerror(rv));
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

static chr_err p2p_announce(cons_p2p *p)
{
    nng_url *u;
    if (nng_url_parse(&u, p->listen_url) != 0) {
        return CHR_ERR_CONFIG;
    }
    const char *host = u->u_hostname != NULL ? u->u_hostname : "";
    int n = snprintf(p->announce, sizeof(p->announce),
                     strchr(host, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
                     p->listen_tls ? "tls+tcp" : "tcp", host, (unsigned)p->port);
    nng_url_free(u);
    /* An address too long to announce is not announced. */
    p->announce_len = n > 0 && (size_t)n < sizeof(p->announce) ? (size_t)n : 0;
    p->announce[p->announce_len] = '\0';
    return CHR_OK;
}

static chr_err p2p_listen(cons_p2p *p, char *errmsg, size_t cap)
{
    int rv = nng_stream_listener_alloc(&p->listener, p->listen_url);
    if (rv == 0) {
        /* Our writer batches, so Nagle would only add latency; keepalive finds dead links
         * under idle NAT state too. */
        rv = nng_stream_listener_set_bool(p->listener, NNG_OPT_TCP_NODELAY, true);
    }
    if (rv == 0) {
        rv = nng_stream_listener_set_bool(p->listener, NNG_OPT_TCP_KEEPALIVE, true);
    }
    if (rv == 0 && p->listen_tls) {
        rv = nng_stream_listener_set_ptr(p->listener, NNG_OPT_TLS_CONFIG, p->tls_server);
    }
    if (rv != 0) {
        chr_errmsg_set(errmsg, cap, "p2p: cannot set up a listener on %s: %s", p->listen_url,
                       nng_strerror(rv));
        return CHR_ERR_CONFIG;
    }
    if ((rv = nng_stream_listener_listen(p->listener)) != 0) {
        chr_errmsg_set(errmsg, cap, "p2p: cannot listen on %s: %s", p->listen_url,
                       nng_strerror(rv));
        return CHR_ERR_IO;
    }
    int port = 0;
    if (nng_stream_listener_get_int(p->listener, NNG_OPT_TCP_BOUND_PORT, &port) != 0 || port <= 0 ||
        port > 65535) {
        chr_errmsg_set(errmsg, cap, "p2p: cannot read the bound port of %s", p->listen_url);
        return CHR_ERR_IO;
    }
    p->port = (uint16_t)port;
    if (nng_aio_alloc(&p->accept_aio, p2p_accept_cb, p) != 0) {
        return CHR_ERR_NOMEM;
    }
    nng_aio_set_timeout(p->accept_aio, NNG_DURATION_INFINITE);
    return p2p_announce(p);
}

static chr_err p2p_dial_setup(cons_p2p *p, p2p_dial *d, const char *url, char *errmsg, size_t cap)
{
    d->p = p;
    d->backoff_ms = p->cfg.backoff_ms_min;
    d->url = strdup(url);
    if (d->url == NULL || nng_aio_alloc(&d->aio, p2p_dial_cb, d) != 0) {
        return CHR_ERR_NOMEM;
    }
    int rv = nng_stream_dialer_alloc(&d->dialer, url);
    if (rv == 0) {
        rv = nng_stream_dialer_set_bool(d->dialer, NNG_OPT_TCP_NODELAY, true);
    }
    if (rv == 0) {
        rv = nng_stream_dialer_set_bool(d->dialer, NNG_OPT_TCP_KEEPALIVE, true);
    }
    if (rv == 0 && p2p_url_tls(url)) {
        rv = nng_stream_dialer_set_ptr(d->dialer, NNG_OPT_TLS_CONFIG, p->tls_client);
    }
    if (rv != 0) {
        chr_errmsg_set(errmsg, cap, "p2p: cannot set up a dialer for %s: %s", url,
                       nng_strerror(rv));
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

/* Frees what cons_p2p_start built; nothing may be running. */
static void p2p_destroy(cons_p2p *p)
{
    CHR_ASSERT(p->reap == NULL);
    CHR_ASSERT(p->conns_len == 0);
    for (size_t i = 0; i < p->dials_len; i++) {
        nng_stream_dialer_free(p->dials[i].dialer);
        nng_aio_free(p->dials[i].aio);
        free(p->dials[i].url);
    }
    nng_stream_listener_free(p->listener);
    nng_aio_free(p->accept_aio);
    if (p->tls_server != NULL) {
        nng_tls_config_free(p->tls_server);
    }
    if (p->tls_client != NULL) {
        nng_tls_config_free(p->tls_client);
    }
    ledger_signer_free(p->signer);
    sodium_memzero(p->node_sk, sizeof(p->node_sk));
    free(p->dials);
    free(p->conns);
    free(p->penalties);
    free(p->allowed);
    free(p->chain_id);
    free(p->listen_url);
    free(p->tls_cert_key_file);
    free(p->tls_ca_file);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mtx);
    pthread_mutex_destroy(&p->sign_mtx);
    free(p);
}

static char *p2p_strdup_or_null(const char *s, bool *failed)
{
    if (s == NULL) {
        return NULL;
    }
    char *d = strdup(s);
    *failed = *failed || d == NULL;
    return d;
}

/* Copies the configuration's strings and tables into p. */
static chr_err p2p_copy_config(cons_p2p *p, const cons_p2p_config *cfg)
{
    bool failed = false;
    p->cfg = *cfg;
    p->cfg.peers = NULL;
    p->cfg.peers_len = 0;
    p->chain_id = p2p_strdup_or_null(cfg->chain_id, &failed);
    p->listen_url = p2p_strdup_or_null(cfg->listen, &failed);
    p->tls_cert_key_file = p2p_strdup_or_null(cfg->tls_cert_key_file, &failed);
    p->tls_ca_file = p2p_strdup_or_null(cfg->tls_ca_file, &failed);
    p->conns = calloc(cfg->peers_max, sizeof(*p->conns));
    p->penalties = calloc(P2P_PENALTIES_MAX, sizeof(*p->penalties));
    p->dials = calloc(cfg->peers_len > 0 ? cfg->peers_len : 1, sizeof(*p->dials));
    if (cfg->allowed_ids_len > 0) {
        p->allowed = malloc(cfg->allowed_ids_len * sizeof(*p->allowed));
        failed = failed || p->allowed == NULL;
        if (p->allowed != NULL) {
            memcpy(p->allowed, cfg->allowed_ids, cfg->allowed_ids_len * sizeof(*p->allowed));
        }
    }
    if (failed || p->conns == NULL || p->penalties == NULL || p->dials == NULL) {
        return CHR_ERR_NOMEM;
    }
    p->chain_id_len = strlen(p->chain_id);
    p->cfg.chain_id = p->chain_id;
    p->cfg.listen = p->listen_url;
    p->cfg.tls_cert_key_file = p->tls_cert_key_file;
    p->cfg.tls_ca_file = p->tls_ca_file;
    p->cfg.allowed_ids = (const uint8_t(*)[32])p->allowed;
    p->inbound_max = cfg->peers_max - cfg->peers_len;
    p->next_id = 1;
    p->listen_tls = cfg->listen != NULL && p2p_url_tls(cfg->listen);
    return CHR_OK;
}

static chr_err p2p_key_setup(cons_p2p *p, const uint8_t sk[32])
{
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    chr_err err = ledger_signer_new(&p->signer, seed);
    sodium_memzero(seed, sizeof(seed));
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_signer_pubkey(p->signer, p->node_id, sk);
    if (err != CHR_OK) {
        return err;
    }
    memcpy(p->node_sk, sk, 32);
    return CHR_OK;
}

static chr_err p2p_alloc(cons_p2p **out)
{
    *out = NULL;
    cons_p2p *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return CHR_ERR_NOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* Timed waits on the monotonic clock, so a wall-clock step never stalls the timers. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mtx, NULL);
    pthread_mutex_init(&p->sign_mtx, NULL);
    atomic_init(&p->quiet, false);
    *out = p;
    return CHR_OK;
}

static chr_err p2p_start_io(cons_p2p *p, const cons_p2p_config *cfg, bool tls, char *errmsg,
                            size_t cap)
{
    chr_err err;
    if (tls &&
        ((err = p2p_tls_new(&p->tls_server, NNG_TLS_MODE_SERVER, p, errmsg, cap)) != CHR_OK ||
         (err = p2p_tls_new(&p->tls_client, NNG_TLS_MODE_CLIENT, p, errmsg, cap)) != CHR_OK)) {
        return err;
    }
    if (p->listen_url != NULL && (err = p2p_listen(p, errmsg, cap)) != CHR_OK) {
        return err;
    }
    for (size_t i = 0; i < cfg->peers_len; i++) {
        p->dials_len++;
        if ((err = p2p_dial_setup(p, &p->dials[i], cfg->peers[i], errmsg, cap)) != CHR_OK) {
            return err;
        }
    }
    if (pthread_create(&p->thread, NULL, p2p_thread_main, p) != 0) {
        chr_errmsg_set(errmsg, cap, "p2p: cannot start the housekeeping thread: %s",
                       strerror(errno));
        return CHR_ERR_IO;
    }
    p->thread_started = true;
    return CHR_OK;
}

chr_err cons_p2p_start(cons_p2p **out, const cons_p2p_config *cfg, char *errmsg, size_t errmsg_cap)
{
    *out = NULL;
    chr_errmsg_set(errmsg, errmsg_cap, "%s", "");
    bool tls;
    chr_err err = chr_hash_init();
    if (err != CHR_OK || (err = p2p_check_config(cfg, &tls, errmsg, errmsg_cap)) != CHR_OK) {
        return err;
    }
    cons_p2p *p;
    if ((err = p2p_alloc(&p)) != CHR_OK) {
        return err;
    }
    if ((err = p2p_copy_config(p, cfg)) != CHR_OK) {
        p2p_destroy(p);
        return err;
    }
    if ((err = p2p_key_setup(p, cfg->node_sk)) != CHR_OK) {
        chr_errmsg_set(errmsg, errmsg_cap, "p2p: invalid node key (%s)", chr_err_str(err));
        p2p_destroy(p);
        return err;
    }
    if ((err = p2p_start_io(p, cfg, tls, errmsg, errmsg_cap)) != CHR_OK) {
        p2p_destroy(p);
        return err;
    }
    char hex[17];
    p2p_id_hex(hex, p->node_id);
    CHR_LOG_I("p2p: node %s on chain %s, listening on %s, %zu persistent peer(s)", hex, p->chain_id,
              p->announce_len > 0 ? p->announce : "(nothing)", p->dials_len);
    *out = p;
    return CHR_OK;
}

/* ---- stop ---- */

void cons_p2p_stop(cons_p2p *p)
{
    if (p == NULL) {
        return;
    }
    atomic_store(&p->quiet, true);
    pthread_mutex_lock(&p->mtx);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mtx);
    if (p->thread_started) {
        pthread_join(p->thread, NULL);
    }
    /* No accept or dial is submitted once stopping is set; stop the ones under way. */
    if (p->listener != NULL) {
        nng_stream_listener_close(p->listener);
        nng_aio_stop(p->accept_aio);
    }
    for (size_t i = 0; i < p->dials_len; i++) {
        nng_stream_dialer_close(p->dials[i].dialer);
        nng_aio_stop(p->dials[i].aio);
    }
    pthread_mutex_lock(&p->mtx);
    while (p->conns_len > 0) {
        p2p_conn_close_locked(p->conns[0], false, CHR_LOG_DEBUG, "shutting down");
    }
    p2p_reap_locked(p, false);
    pthread_mutex_unlock(&p->mtx);
    p2p_destroy(p);
}

/* ---- the public calls ---- */

static p2p_conn *p2p_find_locked(const cons_p2p *p, uint32_t id)
{
    for (size_t i = 0; i < p->conns_len; i++) {
        if (p->conns[i]->id == id) {
            return p->conns[i];
        }
    }
    return NULL;
}

static chr_err p2p_user_frame(const cons_p2p *p, p2p_frame **out, uint8_t type,
                              const uint8_t *payload, size_t len)
{
    *out = NULL;
    if (type < CONS_P2P_TYPE_USER_MIN || (len > 0 && payload == NULL)) {
        return CHR_ERR_ARG;
    }
    /* The frame's length counts the type byte. */
    if (len >= p->cfg.frame_bytes_max) {
        return CHR_ERR_TOO_LONG;
    }
    return p2p_frame_new(out, type, payload, len);
}

chr_err cons_p2p_send(cons_p2p *p, uint32_t peer, uint8_t type, const uint8_t *payload, size_t len)
{
    p2p_frame *f;
    chr_err err = p2p_user_frame(p, &f, type, payload, len);
    if (err != CHR_OK) {
        return err;
    }
    pthread_mutex_lock(&p->mtx);
    p2p_conn *c = p2p_find_locked(p, peer);
    err = c != NULL && c->up ? p2p_conn_enqueue_locked(c, f) : CHR_ERR_NOT_FOUND;
    p2p_frame_release_locked(f);
    pthread_mutex_unlock(&p->mtx);
    return err;
}

size_t cons_p2p_broadcast(cons_p2p *p, uint8_t type, const uint8_t *payload, size_t len,
                          uint32_t except_peer)
{
    p2p_frame *f;
    if (p2p_user_frame(p, &f, type, payload, len) != CHR_OK) {
        return 0;
    }
    size_t queued = 0;
    pthread_mutex_lock(&p->mtx);
    for (size_t i = 0; i < p->conns_len; i++) {
        p2p_conn *c = p->conns[i];
        if (c->up && c->id != except_peer && p2p_conn_enqueue_locked(c, f) == CHR_OK) {
            queued++;
        }
    }
    p2p_frame_release_locked(f);
    pthread_mutex_unlock(&p->mtx);
    return queued;
}

void cons_p2p_disconnect(cons_p2p *p, uint32_t peer, int misbehaved)
{
    pthread_mutex_lock(&p->mtx);
    p2p_conn *c = p2p_find_locked(p, peer);
    if (c != NULL) {
        p2p_conn_close_locked(c, misbehaved != 0, misbehaved ? CHR_LOG_WARN : CHR_LOG_INFO,
                              "closed by this node%s",
                              misbehaved ? " (the layer above reported misbehaviour)" : "");
    }
    pthread_mutex_unlock(&p->mtx);
}

static void p2p_info_locked(const cons_p2p *p, const p2p_conn *c, cons_p2p_peer_info *out)
{
    memset(out, 0, sizeof(*out));
    out->id = c->id;
    memcpy(out->node_id, c->node_id, 32);
    snprintf(out->address, sizeof(out->address), "%s", c->address);
    snprintf(out->listen_address, sizeof(out->listen_address), "%s", c->listen);
    out->inbound = c->inbound;
    out->score = p2p_score_locked(p, c->node_id);
    out->bytes_in = c->bytes_in;
    out->bytes_out = c->bytes_out;
    out->msgs_in = c->msgs_in;
    out->msgs_out = c->msgs_out;
    out->drops = c->drops;
    out->queue_bytes = c->q_bytes;
    out->rtt_ms = c->rtt_ms;
}

size_t cons_p2p_peers(cons_p2p *p, cons_p2p_peer_info *out, size_t cap)
{
    size_t n = 0;
    uint32_t last = 0;
    pthread_mutex_lock(&p->mtx);
    /* In id order: each round takes the smallest id above the last one taken. */
    for (;;) {
        const p2p_conn *next = NULL;
        for (size_t i = 0; i < p->conns_len; i++) {
            const p2p_conn *c = p->conns[i];
            if (c->up && c->id > last && (next == NULL || c->id < next->id)) {
                next = c;
            }
        }
        if (next == NULL) {
            break;
        }
        if (n < cap) {
            p2p_info_locked(p, next, &out[n]);
        }
        n++;
        last = next->id;
    }
    pthread_mutex_unlock(&p->mtx);
    return n;
}

uint16_t cons_p2p_port(const cons_p2p *p)
{
    return p->port;
}

void cons_p2p_node_id(const cons_p2p *p, uint8_t out[32])
{
    memcpy(out, p->node_id, 32);
}
