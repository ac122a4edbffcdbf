#include "tests/unit/p2p/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/hash.h"
#include "ledger/sig.h"

void t_sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

uint64_t t_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void t_key(uint8_t sk[32], uint8_t id[32], uint8_t seed)
{
    uint8_t in[2] = {'k', seed};
    chr_sha256_hash(sk, in, sizeof(in));
    ledger_signer *s;
    uint8_t zero[32] = {0};
    if (ledger_signer_new(&s, zero) != CHR_OK || ledger_signer_pubkey(s, id, sk) != CHR_OK) {
        abort();
    }
    ledger_signer_free(s);
}

void t_node_init(t_node *n, uint8_t seed)
{
    memset(n, 0, sizeof(*n));
    if (chr_hash_init() != CHR_OK) {
        abort();
    }
    t_key(n->sk, n->id, seed);
    pthread_mutex_init(&n->mtx, NULL);
    atomic_init(&n->stopped, false);
    atomic_init(&n->after_stop, 0);
}

void t_node_stop(t_node *n)
{
    if (n->p != NULL) {
        cons_p2p_stop(n->p);
        n->p = NULL;
        atomic_store(&n->stopped, true);
    }
}

void t_node_deinit(t_node *n)
{
    t_node_stop(n);
    for (size_t i = 0; i < n->msgs_len; i++) {
        free(n->msgs[i].data);
    }
    free(n->msgs);
    pthread_mutex_destroy(&n->mtx);
}

static void t_on_message(void *ctx, uint32_t peer, uint8_t type, const uint8_t *payload, size_t len)
{
    t_node *n = ctx;
    if (atomic_load(&n->stopped)) {
        atomic_fetch_add(&n->after_stop, 1);
    }
    pthread_mutex_lock(&n->mtx);
    if (n->count_only) {
        n->counted++;
        pthread_mutex_unlock(&n->mtx);
        return;
    }
    if (n->msgs_len == n->msgs_cap) {
        size_t cap = n->msgs_cap ? 2 * n->msgs_cap : 64;
        t_msg *m = realloc(n->msgs, cap * sizeof(*m));
        if (m == NULL) {
            abort();
        }
        n->msgs = m;
        n->msgs_cap = cap;
    }
    t_msg *m = &n->msgs[n->msgs_len];
    m->peer = peer;
    m->type = type;
    m->len = len;
    m->data = malloc(len > 0 ? len : 1);
    if (m->data == NULL) {
        abort();
    }
    if (len > 0) {
        memcpy(m->data, payload, len);
    }
    n->msgs_len++;
    pthread_mutex_unlock(&n->mtx);
}

static void t_on_peer(void *ctx, uint32_t peer, int up, const uint8_t node_id[32])
{
    t_node *n = ctx;
    (void)node_id;
    if (atomic_load(&n->stopped)) {
        atomic_fetch_add(&n->after_stop, 1);
    }
    pthread_mutex_lock(&n->mtx);
    if (up) {
        n->ups++;
        n->last_up = peer;
    } else {
        n->downs++;
        n->last_down = peer;
    }
    pthread_mutex_unlock(&n->mtx);
}

void t_config(cons_p2p_config *cfg, t_node *n, const char *listen, const char *const *peers,
              size_t peers_len)
{
    cons_p2p_config_init(cfg);
    cfg->listen = listen;
    cfg->peers = peers;
    cfg->peers_len = peers_len;
    cfg->chain_id = T_CHAIN;
    memset(cfg->genesis_hash, 0x42, 32);
    memcpy(cfg->node_sk, n->sk, 32);
    cfg->peers_max = 8;
    cfg->frame_bytes_max = 4u * 1024 * 1024;
    cfg->send_queue_bytes_max = 16u * 1024 * 1024;
    cfg->backoff_ms_min = 20;
    cfg->backoff_ms_max = 300;
    cfg->dial_timeout_ms = 2000;
    cfg->handshake_timeout_ms = 3000;
    cfg->ping_interval_ms = 500;
    cfg->peer_timeout_ms = 5000;
    cfg->ban_ms_min = 300;
    cfg->ban_ms_max = 2000;
    cfg->on_message = t_on_message;
    cfg->on_peer = t_on_peer;
    cfg->ctx = n;
}

int t_node_start(t_node *n, const cons_p2p_config *cfg)
{
    char err[256];
    atomic_store(&n->stopped, false);
    if (cons_p2p_start(&n->p, cfg, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "start failed: %s\n", err);
        return 0;
    }
    snprintf(n->url, sizeof(n->url), "tcp://127.0.0.1:%u", cons_p2p_port(n->p));
    return 1;
}

size_t t_peer_count(t_node *n)
{
    return cons_p2p_peers(n->p, NULL, 0);
}

uint32_t t_first_peer(t_node *n, int *inbound)
{
    cons_p2p_peer_info info;
    if (cons_p2p_peers(n->p, &info, 1) == 0) {
        return 0;
    }
    if (inbound != NULL) {
        *inbound = info.inbound;
    }
    return info.id;
}

bool t_wait_peers(t_node *n, size_t want, uint32_t ms)
{
    uint64_t end = t_now_ms() + ms;
    while (t_peer_count(n) != want) {
        if (t_now_ms() > end) {
            return false;
        }
        t_sleep_ms(5);
    }
    return true;
}

bool t_wait_msgs(t_node *n, size_t want, uint32_t ms)
{
    uint64_t end = t_now_ms() + ms;
    for (;;) {
        pthread_mutex_lock(&n->mtx);
        size_t have = n->count_only ? n->counted : n->msgs_len;
        pthread_mutex_unlock(&n->mtx);
        if (have >= want) {
            return true;
        }
        if (t_now_ms() > end) {
            return false;
        }
        t_sleep_ms(2);
    }
}

/* ---- the hostile peer ---- */

int t_raw_connect(t_raw *r, uint8_t seed, uint16_t port)
{
    memset(r, 0, sizeof(*r));
    t_key(r->sk, r->id, seed);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (r->fd < 0) {
        return -1;
    }
    struct timeval tv = {.tv_sec = 3, .tv_usec = 0};
    setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(r->fd);
        r->fd = -1;
        return -1;
    }
    return 0;
}

int t_raw_send_bytes(t_raw *r, const uint8_t *bytes, size_t len)
{
    while (len > 0) {
        ssize_t n = send(r->fd, bytes, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return -1;
        }
        bytes += n;
        len -= (size_t)n;
    }
    return 0;
}

int t_raw_send(t_raw *r, uint8_t type, const uint8_t *payload, size_t len)
{
    uint8_t hdr[CONS_P2P_FRAME_HEADER_BYTES];
    cons_p2p_frame_header_encode(hdr, type, len);
    if (t_raw_send_bytes(r, hdr, sizeof(hdr)) != 0) {
        return -1;
    }
    return len > 0 ? t_raw_send_bytes(r, payload, len) : 0;
}

/* 1: read all, 0: EOF, -1: timeout or error. */
static int t_raw_read(t_raw *r, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = recv(r->fd, buf, len, 0);
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            return errno == ECONNRESET ? 0 : -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 1;
}

int t_raw_recv(t_raw *r, uint8_t *type, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t hdr[CONS_P2P_FRAME_HEADER_BYTES];
    int rv = t_raw_read(r, hdr, sizeof(hdr));
    if (rv != 1) {
        return rv;
    }
    if (cons_p2p_frame_header_decode(type, len, hdr, cap + 1) != CHR_OK) {
        return -1;
    }
    return *len > 0 ? t_raw_read(r, buf, *len) : 1;
}

static int t_raw_hello(t_raw *r, const t_twist *tw, uint8_t *buf, size_t cap, size_t *len)
{
    const char *chain = tw->chain_id != NULL ? tw->chain_id : T_CHAIN;
    uint8_t genesis[32];
    memset(genesis, 0x42, 32);
    genesis[7] ^= tw->genesis_flip ? 1 : 0;
    for (size_t i = 0; i < 32; i++) {
        r->challenge[i] = (uint8_t)(i * 7 + r->id[i]);
    }
    /* Built field by field, so that it can carry any version. */
    chr_enc enc;
    chr_enc_init(&enc, buf, cap);
    chr_enc_u16(&enc, tw->version != 0 ? tw->version : CONS_P2P_PROTOCOL_VERSION);
    chr_enc_bytes8(&enc, (const uint8_t *)chain, strlen(chain));
    chr_enc_raw(&enc, genesis, 32);
    chr_enc_raw(&enc, tw->claim_id != NULL ? tw->claim_id : r->id, 32);
    chr_enc_raw(&enc, r->challenge, 32);
    chr_enc_bytes8(&enc, (const uint8_t *)"tcp://127.0.0.1:1", 17);
    return chr_enc_finish(&enc, len) == CHR_OK ? 1 : -1;
}

int t_raw_handshake(t_raw *r, const t_twist *tw)
{
    uint8_t buf[CONS_P2P_HANDSHAKE_FRAME_MAX];
    size_t len;
    if (t_raw_hello(r, tw, buf, sizeof(buf), &len) != 1 ||
        t_raw_send(r, CONS_P2P_T_HELLO, buf, len) != 0) {
        return -1;
    }
    uint8_t type;
    int rv = t_raw_recv(r, &type, buf, sizeof(buf), &len);
    if (rv != 1) {
        return rv;
    }
    if (type != CONS_P2P_T_HELLO || cons_p2p_hello_decode(&r->theirs, buf, len) != CHR_OK) {
        return -1;
    }
    const char *chain = tw->chain_id != NULL ? tw->chain_id : T_CHAIN;
    uint8_t genesis[32];
    memset(genesis, 0x42, 32);
    uint8_t msg[32];
    cons_p2p_auth_hash(msg, chain, strlen(chain), genesis,
                       tw->claim_id != NULL ? tw->claim_id : r->id, r->theirs.node_id,
                       r->theirs.challenge, r->challenge);
    ledger_signer *s;
    uint8_t zero[32] = {0};
    uint8_t sig[64];
    if (ledger_signer_new(&s, zero) != CHR_OK ||
        ledger_signer_sign(s, sig, msg, r->sk, zero) != CHR_OK) {
        abort();
    }
    ledger_signer_free(s);
    sig[10] ^= tw->bad_sig ? 0x20 : 0;
    return t_raw_send(r, CONS_P2P_T_AUTH, sig, sizeof(sig)) == 0 ? 1 : -1;
}

bool t_raw_closed_within(t_raw *r, uint32_t ms)
{
    uint64_t end = t_now_ms() + ms;
    uint8_t buf[4096];
    while (t_now_ms() <= end) {
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        ssize_t n = recv(r->fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return true;
        }
    }
    return false;
}

void t_raw_close(t_raw *r)
{
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
}
