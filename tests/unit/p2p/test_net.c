/* Real nodes over TCP on 127.0.0.1 (ports chosen by the kernel). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hash.h"
#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/suite.h"
#include "tests/unit/test.h"

#define LISTEN_ANY "tcp://127.0.0.1:0"

/* Checks that n got, from peer, exactly count messages of type, numbered 0.. in order (the
 * first 4 bytes of each payload), each of the length seq_len(i). */
static bool t_in_order(t_node *n, uint32_t peer, uint8_t type, uint32_t count)
{
    uint32_t next = 0;
    pthread_mutex_lock(&n->mtx);
    for (size_t i = 0; i < n->msgs_len; i++) {
        const t_msg *m = &n->msgs[i];
        if (m->peer != peer || m->type != type) {
            continue;
        }
        if (m->len < 4 || chr_get_u32be(m->data) != next || m->len != 4 + next % 100) {
            pthread_mutex_unlock(&n->mtx);
            return false;
        }
        for (size_t j = 4; j < m->len; j++) {
            if (m->data[j] != (uint8_t)(next + j)) {
                pthread_mutex_unlock(&n->mtx);
                return false;
            }
        }
        next++;
    }
    pthread_mutex_unlock(&n->mtx);
    return next == count;
}

/* Sends count numbered messages of varying length (4..103 bytes), retrying on a full
 * queue. */
static bool t_send_numbered(t_node *n, uint32_t peer, uint8_t type, uint32_t count)
{
    uint8_t buf[4 + 100];
    for (uint32_t i = 0; i < count; i++) {
        chr_put_u32be(buf, i);
        size_t len = 4 + i % 100;
        for (size_t j = 4; j < len; j++) {
            buf[j] = (uint8_t)(i + j);
        }
        chr_err err;
        while ((err = cons_p2p_send(n->p, peer, type, buf, len)) == CHR_ERR_FULL) {
            t_sleep_ms(1);
        }
        if (err != CHR_OK) {
            return false;
        }
    }
    return true;
}

/* Peer id on a of the connection to the node whose id is node_id, 0 if none. */
static uint32_t t_peer_of(t_node *a, const uint8_t node_id[32])
{
    cons_p2p_peer_info info[8];
    size_t n = cons_p2p_peers(a->p, info, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        if (memcmp(info[i].node_id, node_id, 32) == 0) {
            return info[i].id;
        }
    }
    return 0;
}

/* Proves two nodes handshake, report each other's node id, and exchange messages both ways
 * with content and order kept. */
void test_net_two_nodes(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 1);
    t_node_init(&b, 2);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS) && t_wait_peers(&b, 1, T_WAIT_MS));
    uint32_t ab = t_peer_of(&a, b.id);
    uint32_t ba = t_peer_of(&b, a.id);
    CHECK(ab != 0 && ba != 0);
    int inbound = -1;
    CHECK(t_first_peer(&a, &inbound) == ab && inbound == 1);
    CHECK(t_first_peer(&b, &inbound) == ba && inbound == 0);
    CHECK(t_send_numbered(&a, ab, 16, 300));
    CHECK(t_send_numbered(&b, ba, 200, 300));
    CHECK(t_wait_msgs(&a, 300, T_WAIT_MS) && t_wait_msgs(&b, 300, T_WAIT_MS));
    CHECK(t_in_order(&b, ba, 16, 300));
    CHECK(t_in_order(&a, ab, 200, 300));
    CHECK(a.ups == 1 && b.ups == 1 && a.last_up == ab && b.last_up == ba);
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(b.p, &info, 1) == 1);
    CHECK(strcmp(info.address, a.url) == 0 && strcmp(info.listen_address, a.url) == 0);
    CHECK(info.msgs_out >= 300 && info.bytes_out > 300 * 9 && info.drops == 0);
    t_node_deinit(&b);
    CHECK(t_wait_peers(&a, 0, T_WAIT_MS));
    t_sleep_ms(50);
    CHECK(a.downs == 1 && a.last_down == ab);
    t_node_deinit(&a);
}

/* Proves three nodes in a triangle exchange messages among all pairs, in order per peer,
 * and that a broadcast reaches every peer but the one excepted. */
void test_net_three_nodes(void)
{
    t_node n[3];
    for (uint8_t i = 0; i < 3; i++) {
        t_node_init(&n[i], (uint8_t)(10 + i));
    }
    cons_p2p_config cfg;
    t_config(&cfg, &n[0], LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&n[0], &cfg));
    const char *p1[] = {n[0].url};
    t_config(&cfg, &n[1], LISTEN_ANY, p1, 1);
    CHECK(t_node_start(&n[1], &cfg));
    const char *p2[] = {n[0].url, n[1].url};
    t_config(&cfg, &n[2], NULL, p2, 2);
    CHECK(t_node_start(&n[2], &cfg));
    for (int i = 0; i < 3; i++) {
        CHECK(t_wait_peers(&n[i], 2, T_WAIT_MS));
    }
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            if (i != j) {
                CHECK(t_send_numbered(&n[i], t_peer_of(&n[i], n[j].id), (uint8_t)(20 + i), 200));
            }
        }
    }
    for (int j = 0; j < 3; j++) {
        CHECK(t_wait_msgs(&n[j], 400, T_WAIT_MS));
        for (int i = 0; i < 3; i++) {
            if (i != j) {
                CHECK(t_in_order(&n[j], t_peer_of(&n[j], n[i].id), (uint8_t)(20 + i), 200));
            }
        }
    }
    uint32_t except = t_peer_of(&n[0], n[2].id);
    const uint8_t hello[] = {0, 0, 0, 0};
    CHECK(cons_p2p_broadcast(n[0].p, 99, hello, sizeof(hello), except) == 1);
    CHECK(cons_p2p_broadcast(n[0].p, 98, hello, sizeof(hello), 0) == 2);
    CHECK(t_wait_msgs(&n[1], 402, T_WAIT_MS) && t_wait_msgs(&n[2], 401, T_WAIT_MS));
    t_sleep_ms(100);
    CHECK(n[2].msgs_len == 401 && n[2].msgs[400].type == 98);
    for (int i = 0; i < 3; i++) {
        t_node_deinit(&n[i]);
    }
}

/* Proves 10,000 small messages all arrive, in order, with nothing dropped. */
void test_net_ten_thousand_in_order(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 3);
    t_node_init(&b, 4);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS) && t_wait_peers(&b, 1, T_WAIT_MS));
    uint32_t ba = t_first_peer(&b, NULL);
    CHECK(t_send_numbered(&b, ba, 16, 10000));
    CHECK(t_wait_msgs(&a, 10000, T_WAIT_MS));
    CHECK(t_in_order(&a, t_first_peer(&a, NULL), 16, 10000));
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(b.p, &info, 1) == 1 && info.drops == 0);
    t_node_deinit(&b);
    t_node_deinit(&a);
}

/* Proves a 1.9 MiB message arrives whole (it is read into a buffer of its own, past the
 * 64 KiB receive buffer), and small messages queued behind it keep their order. */
void test_net_large_message(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 5);
    t_node_init(&b, 6);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS) && t_wait_peers(&b, 1, T_WAIT_MS));
    size_t big_len = 1900u * 1024;
    uint8_t *big = malloc(big_len);
    CHECK(big != NULL);
    uint64_t seed = chr_test_seed();
    for (size_t i = 0; i < big_len; i++) {
        big[i] = (uint8_t)chr_test_rand(&seed);
    }
    uint32_t ba = t_first_peer(&b, NULL);
    const uint8_t small[] = {1, 2, 3};
    CHECK_OK(cons_p2p_send(b.p, ba, 16, small, sizeof(small)));
    chr_err err = cons_p2p_send(b.p, ba, 17, big, big_len);
    CHECK_OK(cons_p2p_send(b.p, ba, 18, small, sizeof(small)));
    CHECK_OK(err);
    CHECK(t_wait_msgs(&a, 3, T_WAIT_MS));
    CHECK(a.msgs[0].type == 16 && a.msgs[1].type == 17 && a.msgs[2].type == 18);
    CHECK(a.msgs[1].len == big_len && memcmp(a.msgs[1].data, big, big_len) == 0);
    free(big);
    /* Over the frame limit: refused at the sender. */
    uint8_t one = 0;
    CHECK(cons_p2p_send(b.p, ba, 16, &one, cfg.frame_bytes_max) == CHR_ERR_TOO_LONG);
    t_node_deinit(&b);
    t_node_deinit(&a);
}

/* Proves a persistent peer that restarts (same key, same port) is re-dialed and connects
 * again within the backoff bound (plus time for a dial and a handshake). */
void test_net_restart_redialed(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 7);
    t_node_init(&b, 8);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    char url[64];
    memcpy(url, a.url, sizeof(url));
    const char *peers[] = {url};
    t_config(&cfg, &b, NULL, peers, 1);
    uint32_t bound = cfg.backoff_ms_max;
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&b, 1, T_WAIT_MS));
    uint32_t first = t_first_peer(&b, NULL);
    t_node_stop(&a);
    CHECK(t_wait_peers(&b, 0, T_WAIT_MS));
    /* Long enough for several failed dials, so the backoff has grown to its maximum. */
    t_sleep_ms(4 * bound);
    t_config(&cfg, &a, url, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    uint64_t t0 = t_now_ms();
    CHECK(t_wait_peers(&b, 1, T_WAIT_MS));
    uint64_t took = t_now_ms() - t0;
    printf("# reconnected %llu ms after the restart (backoff_ms_max %u)\n",
           (unsigned long long)took, bound);
    CHECK(took <= bound + 1500);
    uint32_t second = t_first_peer(&b, NULL);
    CHECK(second != 0 && second != first);
    t_node_deinit(&b);
    t_node_deinit(&a);
}

/* Proves that when two nodes dial each other, one connection is left, the same one on both
 * sides (inbound on one, outbound on the other), and it stays. */
void test_net_duplicate_one_left(void)
{
    for (uint8_t round = 0; round < 3; round++) {
        t_node a;
        t_node b;
        t_node_init(&a, (uint8_t)(30 + 2 * round));
        t_node_init(&b, (uint8_t)(31 + 2 * round));
        cons_p2p_config cfg;
        t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
        CHECK(t_node_start(&a, &cfg));
        t_config(&cfg, &b, LISTEN_ANY, NULL, 0);
        CHECK(t_node_start(&b, &cfg));
        /* Restart both with each other as persistent peers, on the ports they got. */
        char ua[64];
        char ub[64];
        memcpy(ua, a.url, sizeof(ua));
        memcpy(ub, b.url, sizeof(ub));
        t_node_stop(&a);
        t_node_stop(&b);
        const char *pa[] = {ub};
        const char *pb[] = {ua};
        t_config(&cfg, &a, ua, pa, 1);
        CHECK(t_node_start(&a, &cfg));
        t_config(&cfg, &b, ub, pb, 1);
        CHECK(t_node_start(&b, &cfg));
        CHECK(t_wait_peers(&a, 1, T_WAIT_MS) && t_wait_peers(&b, 1, T_WAIT_MS));
        /* Let both dials and the duplicate rule play out, then require a stable pair. */
        t_sleep_ms(600);
        int ia = -1;
        int ib = -1;
        uint32_t pa_id = t_first_peer(&a, &ia);
        uint32_t pb_id = t_first_peer(&b, &ib);
        CHECK(t_peer_count(&a) == 1 && t_peer_count(&b) == 1);
        CHECK(ia != ib);
        t_sleep_ms(600);
        CHECK(t_first_peer(&a, NULL) == pa_id && t_first_peer(&b, NULL) == pb_id);
        t_node_deinit(&a);
        t_node_deinit(&b);
    }
}

/* Proves peers_max bounds the connections: of three nodes dialing one with peers_max 2,
 * exactly two connect. */
void test_net_peers_max(void)
{
    t_node hub;
    t_node n[3];
    t_node_init(&hub, 40);
    cons_p2p_config cfg;
    t_config(&cfg, &hub, LISTEN_ANY, NULL, 0);
    cfg.peers_max = 2;
    CHECK(t_node_start(&hub, &cfg));
    const char *peers[] = {hub.url};
    for (uint8_t i = 0; i < 3; i++) {
        t_node_init(&n[i], (uint8_t)(41 + i));
        t_config(&cfg, &n[i], NULL, peers, 1);
        CHECK(t_node_start(&n[i], &cfg));
    }
    CHECK(t_wait_peers(&hub, 2, T_WAIT_MS));
    t_sleep_ms(800); /* several rounds of re-dials by the third */
    CHECK(t_peer_count(&hub) == 2);
    size_t connected = 0;
    for (int i = 0; i < 3; i++) {
        connected += t_peer_count(&n[i]);
    }
    CHECK(connected == 2);
    for (int i = 0; i < 3; i++) {
        t_node_deinit(&n[i]);
    }
    t_node_deinit(&hub);
}

/* Proves cons_p2p_stop is clean with traffic in flight both ways: it returns, no callback
 * runs after it, and (under ASan) nothing leaks. */
void test_net_stop_in_flight(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 50);
    t_node_init(&b, 51);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS) && t_wait_peers(&b, 1, T_WAIT_MS));
    a.count_only = true;
    b.count_only = true;
    uint32_t ab = t_first_peer(&a, NULL);
    uint32_t ba = t_first_peer(&b, NULL);
    uint8_t buf[3000];
    memset(buf, 7, sizeof(buf));
    for (int i = 0; i < 2000; i++) {
        (void)!cons_p2p_send(a.p, ab, 16, buf, (size_t)(i % 3000));
        (void)!cons_p2p_send(b.p, ba, 16, buf, (size_t)(i % 3000));
    }
    size_t big_len = 1024 * 1024;
    uint8_t *big = calloc(1, big_len);
    CHECK(big != NULL);
    (void)!cons_p2p_send(b.p, ba, 17, big, big_len);
    (void)!cons_p2p_broadcast(a.p, 18, big, big_len, 0);
    free(big);
    t_node_stop(&a);
    int after_a = atomic_load(&a.after_stop);
    t_node_stop(&b);
    t_sleep_ms(200);
    CHECK(after_a == 0 && atomic_load(&a.after_stop) == 0 && atomic_load(&b.after_stop) == 0);
    t_node_deinit(&a);
    t_node_deinit(&b);
}

/* Proves the calls refuse what they must: a transport type, a payload with no pointer, a
 * peer that is not connected, and that queue overflow drops and counts. */
void test_net_send_errors(void)
{
    t_node a;
    t_node_init(&a, 52);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.frame_bytes_max = 4096;
    cfg.send_queue_bytes_max = 4096 + 64 + 5;
    CHECK(t_node_start(&a, &cfg));
    uint8_t b[8] = {0};
    CHECK(cons_p2p_send(a.p, 1, 3, b, 1) == CHR_ERR_ARG);
    CHECK(cons_p2p_send(a.p, 1, 16, NULL, 1) == CHR_ERR_ARG);
    CHECK(cons_p2p_send(a.p, 99, 16, b, 1) == CHR_ERR_NOT_FOUND);
    CHECK(cons_p2p_broadcast(a.p, 16, b, 1, 0) == 0);
    cons_p2p_disconnect(a.p, 99, 1); /* unknown: a no-op */
    /* A raw peer that completes its handshake, then never reads. */
    t_raw r;
    CHECK(t_raw_connect(&r, 53, cons_p2p_port(a.p)) == 0);
    CHECK(t_raw_handshake(&r, &(t_twist){0}) == 1);
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    uint32_t id = t_first_peer(&a, NULL);
    uint8_t chunk[4000];
    memset(chunk, 1, sizeof(chunk));
    size_t full = 0;
    for (int i = 0; i < 20000 && full < 10; i++) {
        full += cons_p2p_send(a.p, id, 16, chunk, sizeof(chunk)) == CHR_ERR_FULL;
    }
    CHECK(full == 10);
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(a.p, &info, 1) == 1 && info.drops == 10);
    CHECK(info.queue_bytes <= cfg.send_queue_bytes_max);
    t_raw_close(&r);
    t_node_deinit(&a);
}

/* Proves cons_p2p_start refuses bad configurations, an invalid key, and a port in use. */
void test_net_config_rejects(void)
{
    t_node a;
    t_node_init(&a, 54);
    cons_p2p_config cfg;
    cons_p2p *p = NULL;
    char err[200];
    t_config(&cfg, &a, "udp://127.0.0.1:0", NULL, 0);
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG && p == NULL);
    CHECK(strstr(err, "udp://") != NULL);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.chain_id = "Not A Chain";
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.frame_bytes_max = CONS_P2P_FRAME_BYTES_LIMIT + 1;
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.send_queue_bytes_max = cfg.frame_bytes_max;
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.peer_timeout_ms = cfg.ping_interval_ms;
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.bulk_types[0] = 1u << 3; /* PING is the transport's */
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    CHECK(strstr(err, "bulk_types") != NULL);
    const char *three[] = {"tcp://127.0.0.1:1", "tcp://127.0.0.1:2", "tcp://127.0.0.1:3"};
    t_config(&cfg, &a, LISTEN_ANY, three, 3);
    cfg.peers_max = 2;
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    const char *tls[] = {"tls+tcp://127.0.0.1:1"};
    t_config(&cfg, &a, NULL, tls, 1);
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
    CHECK(strstr(err, "tls_cert_key_file") != NULL);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    memset(cfg.node_sk, 0, 32);
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_ARG && p == NULL);
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    t_node b;
    t_node_init(&b, 55);
    t_config(&cfg, &b, a.url, NULL, 0);
    CHECK(cons_p2p_start(&p, &cfg, err, sizeof(err)) == CHR_ERR_IO && p == NULL);
    t_node_deinit(&b);
    t_node_deinit(&a);
}

/* Proves allowed_ids pins node keys: a node not in the list never comes up, one in it
 * does. */
void test_net_allowed_ids(void)
{
    t_node a;
    t_node b;
    t_node c;
    t_node_init(&a, 56);
    t_node_init(&b, 57);
    t_node_init(&c, 58);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    uint8_t allowed[1][32];
    memcpy(allowed[0], c.id, 32);
    cfg.allowed_ids = (const uint8_t(*)[32])allowed;
    cfg.allowed_ids_len = 1;
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    t_sleep_ms(500);
    CHECK(t_peer_count(&a) == 0 && a.ups == 0);
    t_config(&cfg, &c, NULL, peers, 1);
    CHECK(t_node_start(&c, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    CHECK(t_peer_of(&a, c.id) != 0 && t_peer_of(&a, b.id) == 0);
    t_node_deinit(&b);
    t_node_deinit(&c);
    t_node_deinit(&a);
}

/* Proves cons_p2p_disconnect with misbehaved scores the peer and keeps it out for the ban
 * (ban_ms_min), after which the persistent peer connects again and shows its score. */
void test_net_misbehaved_banned(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 59);
    t_node_init(&b, 60);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.ban_ms_min = 800;
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    cons_p2p_disconnect(a.p, t_first_peer(&a, NULL), 1);
    uint64_t t0 = t_now_ms();
    CHECK(t_wait_peers(&a, 0, T_WAIT_MS));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    uint64_t took = t_now_ms() - t0;
    printf("# banned peer back after %llu ms (ban 800 ms)\n", (unsigned long long)took);
    CHECK(took >= 700);
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(a.p, &info, 1) == 1 && info.score == 1);
    t_node_deinit(&b);
    t_node_deinit(&a);
}

/* Proves a misbehaving peer on this host is banned by its node id only: the loopback
 * address it shares with the host's other nodes (a one-machine testnet) stays open, so
 * another node connects at once while the offender is still kept out. */
void test_net_loopback_not_banned_by_address(void)
{
    t_node a;
    t_node b;
    t_node c;
    t_node_init(&a, 64);
    t_node_init(&b, 65);
    t_node_init(&c, 66);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.ban_ms_min = 60000;
    cfg.ban_ms_max = 60000;
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    cons_p2p_disconnect(a.p, t_first_peer(&a, NULL), 1);
    CHECK(t_wait_peers(&a, 0, T_WAIT_MS));
    t_config(&cfg, &c, NULL, peers, 1);
    CHECK(t_node_start(&c, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    t_sleep_ms(500); /* b keeps dialing: its node id is refused */
    CHECK(t_peer_count(&a) == 1 && t_peer_of(&a, c.id) != 0 && t_peer_of(&a, b.id) == 0);
    t_node_deinit(&b);
    t_node_deinit(&c);
    t_node_deinit(&a);
}

/* Proves the keepalive: idle peers stay connected through pings, and a peer that goes
 * silent (a raw peer that stops answering) is dropped after peer_timeout_ms. */
void test_net_keepalive(void)
{
    t_node a;
    t_node b;
    t_node_init(&a, 61);
    t_node_init(&b, 62);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.ping_interval_ms = 100;
    cfg.peer_timeout_ms = 500;
    CHECK(t_node_start(&a, &cfg));
    const char *peers[] = {a.url};
    t_config(&cfg, &b, NULL, peers, 1);
    cfg.ping_interval_ms = 100;
    cfg.peer_timeout_ms = 500;
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    uint32_t id = t_first_peer(&a, NULL);
    t_sleep_ms(1500);
    CHECK(t_first_peer(&a, NULL) == id && a.downs == 0);
    t_raw r;
    CHECK(t_raw_connect(&r, 63, cons_p2p_port(a.p)) == 0);
    CHECK(t_raw_handshake(&r, &(t_twist){0}) == 1);
    CHECK(t_wait_peers(&a, 2, T_WAIT_MS));
    uint64_t t0 = t_now_ms();
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    uint64_t took = t_now_ms() - t0;
    CHECK(took >= 300 && took <= 3000);
    CHECK(t_first_peer(&a, NULL) == id);
    t_raw_close(&r);
    t_node_deinit(&b);
    t_node_deinit(&a);
}

/* Proves a node that lists its own address as a peer connects to nobody and stops dialing
 * itself. */
void test_net_self_dial(void)
{
    t_node a;
    t_node_init(&a, 64);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    CHECK(t_node_start(&a, &cfg));
    char url[64];
    memcpy(url, a.url, sizeof(url));
    t_node_stop(&a);
    const char *peers[] = {url};
    t_config(&cfg, &a, url, peers, 1);
    CHECK(t_node_start(&a, &cfg));
    t_sleep_ms(500);
    CHECK(t_peer_count(&a) == 0 && a.ups == 0);
    t_node_deinit(&a);
}

/* Sends bulk (type 17) messages of 1,000 bytes, numbered from *count on, until the peer's
 * queue has stayed full for 200 ms: the kernel's buffers are full, our writer is stuck, and
 * the queue holds all it may of them. */
static bool t_fill_bulk(t_node *n, uint32_t peer, uint32_t *count)
{
    uint8_t chunk[1000];
    memset(chunk, 0xb0, sizeof(chunk));
    uint64_t full_since = 0;
    while (*count < 1000000) {
        chr_put_u32be(chunk, *count);
        chr_err err = cons_p2p_send(n->p, peer, 17, chunk, sizeof(chunk));
        if (err == CHR_OK) {
            (*count)++;
            full_since = 0;
            continue;
        }
        if (err != CHR_ERR_FULL) {
            return false;
        }
        if (full_since == 0) {
            full_since = t_now_ms();
        } else if (t_now_ms() - full_since >= 200) {
            return true;
        }
        t_sleep_ms(5);
    }
    return false;
}

/* Proves a message of a type that is not bulk overtakes the bulk messages queued before it
 * (a vote ahead of megabytes of gossip), that each class keeps its order and loses nothing
 * that was queued, and that bulk messages fill at most half of the queue's bound, so the
 * others still fit. */
void test_net_urgent_overtakes_bulk(void)
{
    t_node a;
    t_node_init(&a, 65);
    cons_p2p_config cfg;
    t_config(&cfg, &a, LISTEN_ANY, NULL, 0);
    cfg.frame_bytes_max = 4096;
    cfg.send_queue_bytes_max = 64u * 1024;
    cfg.bulk_types[17 / 8] |= (uint8_t)(1u << (17 % 8));
    CHECK(t_node_start(&a, &cfg));
    /* A raw peer that completes its handshake, then reads nothing until the queue is full. */
    t_raw r;
    CHECK(t_raw_connect(&r, 66, cons_p2p_port(a.p)) == 0);
    CHECK(t_raw_handshake(&r, &(t_twist){0}) == 1);
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    uint32_t id = t_first_peer(&a, NULL);
    uint32_t bulk = 0;
    CHECK(t_fill_bulk(&a, id, &bulk));
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(a.p, &info, 1) == 1);
    /* Each queued bulk message is charged its frame (1,005 bytes) and 64 bytes. */
    size_t queued = info.queue_bytes / (1000 + 5 + 64);
    CHECK(info.queue_bytes <= cfg.send_queue_bytes_max / 2 && queued >= 20);
    printf("# %u bulk messages sent, %zu of them queued when the urgent ones were\n", bulk, queued);
    /* The other half is free for urgent messages: three of them, numbered. */
    uint8_t vote[1000];
    memset(vote, 0x16, sizeof(vote));
    for (uint32_t i = 0; i < 3; i++) {
        chr_put_u32be(vote, i);
        CHECK_OK(cons_p2p_send(a.p, id, 16, vote, sizeof(vote)));
    }
    /* Read everything: bulk in order with nothing lost, urgent in order, and ahead of at
     * least every bulk message that was still queued. */
    static uint8_t buf[4096];
    uint32_t bulk_got = 0;
    uint32_t urgent_got = 0;
    uint32_t bulk_after_urgent = 0;
    while (bulk_got < bulk || urgent_got < 3) {
        uint8_t type;
        size_t len;
        CHECK(t_raw_recv(&r, &type, buf, sizeof(buf), &len) == 1);
        if (type == 17) {
            CHECK(len == 1000 && chr_get_u32be(buf) == bulk_got);
            bulk_got++;
            bulk_after_urgent += urgent_got == 3;
        } else if (type == 16) {
            CHECK(len == 1000 && chr_get_u32be(buf) == urgent_got);
            urgent_got++;
        }
    }
    printf("# %u bulk messages arrived after the urgent ones\n", bulk_after_urgent);
    CHECK(bulk_after_urgent >= queued);
    CHECK(cons_p2p_peers(a.p, &info, 1) == 1 && info.msgs_out >= bulk + 3);
    t_raw_close(&r);
    t_node_deinit(&a);
}
