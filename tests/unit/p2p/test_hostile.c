/* A node against a hostile peer on a raw TCP socket that speaks the wire format through
 * the encoders, so that it can get any detail wrong on purpose. */
#include <string.h>

#include "common/enc.h"
#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/suite.h"
#include "tests/unit/test.h"

/* A fresh node listening on 127.0.0.1 (fresh, so one test's bans never touch another),
 * banning loopback addresses as it would any other (the attacker here is on this host). */
static bool t_victim(t_node *a, uint8_t seed)
{
    t_node_init(a, seed);
    cons_p2p_config cfg;
    t_config(&cfg, a, "tcp://127.0.0.1:0", NULL, 0);
    cfg.frame_bytes_max = 64 * 1024;
    cfg.ban_loopback = true;
    return t_node_start(a, &cfg);
}

/* Runs a handshake with twist tw against a fresh node and reports whether the node closed
 * the connection without ever reporting the peer up. */
static bool t_refused(const t_twist *tw, uint8_t seed)
{
    t_node a;
    if (!t_victim(&a, seed)) {
        return false;
    }
    t_raw r;
    bool ok = t_raw_connect(&r, (uint8_t)(seed + 100), cons_p2p_port(a.p)) == 0;
    /* The node may close before the raw peer's AUTH is out: what counts is that it closes
     * and never reports the peer up. */
    if (ok) {
        (void)t_raw_handshake(&r, tw);
    }
    ok = ok && t_raw_closed_within(&r, 3000);
    t_sleep_ms(50);
    ok = ok && a.ups == 0 && t_peer_count(&a) == 0;
    t_raw_close(&r);
    t_node_deinit(&a);
    return ok;
}

/* Proves the hostile harness itself completes a handshake when nothing is twisted, and that
 * the node then delivers its user messages (so the refusals below are real refusals). */
void test_hostile_control(void)
{
    t_node a;
    CHECK(t_victim(&a, 70));
    t_raw r;
    CHECK(t_raw_connect(&r, 170, cons_p2p_port(a.p)) == 0);
    CHECK(t_raw_handshake(&r, &(t_twist){0}) == 1);
    CHECK(memcmp(r.theirs.node_id, a.id, 32) == 0);
    uint8_t type;
    uint8_t buf[512];
    size_t len;
    CHECK(t_raw_recv(&r, &type, buf, sizeof(buf), &len) == 1);
    CHECK(type == CONS_P2P_T_AUTH && len == 64);
    const uint8_t msg[] = {'h', 'i'};
    CHECK(t_raw_send(&r, 42, msg, sizeof(msg)) == 0);
    CHECK(t_wait_msgs(&a, 1, T_WAIT_MS));
    CHECK(a.msgs[0].type == 42 && a.msgs[0].len == 2 && memcmp(a.msgs[0].data, "hi", 2) == 0);
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(a.p, &info, 1) == 1 && memcmp(info.node_id, r.id, 32) == 0);
    CHECK(strcmp(info.listen_address, "tcp://127.0.0.1:1") == 0);
    t_raw_close(&r);
    t_node_deinit(&a);
}

/* Proves a peer on another chain id is refused. */
void test_hostile_wrong_chain(void)
{
    CHECK(t_refused(&(t_twist){.chain_id = "chroom-other"}, 71));
}

/* Proves a peer with another genesis hash is refused. */
void test_hostile_wrong_genesis(void)
{
    CHECK(t_refused(&(t_twist){.genesis_flip = 1}, 72));
}

/* Proves a peer speaking another protocol version is refused. */
void test_hostile_wrong_version(void)
{
    CHECK(t_refused(&(t_twist){.version = 2}, 73));
}

/* Proves an AUTH whose signature does not verify is refused. */
void test_hostile_bad_signature(void)
{
    CHECK(t_refused(&(t_twist){.bad_sig = 1}, 74));
}

/* Proves a peer claiming another node's id (without its key) is refused, even that of the
 * node itself. */
void test_hostile_claimed_id(void)
{
    t_node other;
    t_node_init(&other, 80);
    CHECK(t_refused(&(t_twist){.claim_id = other.id}, 75));
    t_node_deinit(&other);
}

/* Proves a frame header announcing more than frame_bytes_max disconnects at once, before
 * any body is sent (nothing waits for, or allocates, the announced length), both in the
 * handshake and after it; and that the offender's address is then refused. */
void test_hostile_oversized_frame(void)
{
    t_node a;
    CHECK(t_victim(&a, 76));
    t_raw r;
    CHECK(t_raw_connect(&r, 176, cons_p2p_port(a.p)) == 0);
    CHECK(t_raw_handshake(&r, &(t_twist){0}) == 1);
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
    uint8_t hdr[5];
    cons_p2p_frame_header_encode(hdr, 16, 64 * 1024); /* one byte over the limit */
    CHECK(t_raw_send_bytes(&r, hdr, sizeof(hdr)) == 0);
    CHECK(t_raw_closed_within(&r, 2000));
    CHECK(t_wait_peers(&a, 0, T_WAIT_MS));
    t_raw_close(&r);
    /* Banned now: a new connection from the same address is closed before any HELLO. */
    CHECK(t_raw_connect(&r, 177, cons_p2p_port(a.p)) == 0);
    uint8_t type;
    uint8_t buf[512];
    size_t len;
    CHECK(t_raw_recv(&r, &type, buf, sizeof(buf), &len) == 0);
    t_raw_close(&r);
    t_node_deinit(&a);
    /* In the handshake the limit is CONS_P2P_HANDSHAKE_FRAME_MAX; 4 GiB is refused too. */
    CHECK(t_victim(&a, 77));
    CHECK(t_raw_connect(&r, 178, cons_p2p_port(a.p)) == 0);
    static const uint8_t huge[5] = {0xff, 0xff, 0xff, 0xff, CONS_P2P_T_HELLO};
    CHECK(t_raw_send_bytes(&r, huge, sizeof(huge)) == 0);
    CHECK(t_raw_closed_within(&r, 2000));
    t_raw_close(&r);
    t_node_deinit(&a);
}

/* Proves an unknown transport type after the handshake, a user message before it, and a
 * second HELLO each disconnect the peer. */
void test_hostile_protocol_violations(void)
{
    for (int kind = 0; kind < 3; kind++) {
        t_node a;
        CHECK(t_victim(&a, (uint8_t)(81 + kind)));
        t_raw r;
        CHECK(t_raw_connect(&r, (uint8_t)(181 + kind), cons_p2p_port(a.p)) == 0);
        const uint8_t x[8] = {0};
        if (kind == 0) {
            CHECK(t_raw_send(&r, 16, x, 1) == 0); /* a user message first */
        } else {
            CHECK(t_raw_handshake(&r, &(t_twist){0}) == 1);
            CHECK(t_wait_peers(&a, 1, T_WAIT_MS));
            uint8_t type = kind == 1 ? 7 : CONS_P2P_T_HELLO;
            CHECK(t_raw_send(&r, type, x, sizeof(x)) == 0);
        }
        CHECK(t_raw_closed_within(&r, 2000));
        CHECK(t_wait_peers(&a, 0, T_WAIT_MS));
        t_raw_close(&r);
        t_node_deinit(&a);
    }
}

/* Proves a peer that connects and says nothing is dropped at the handshake deadline. */
void test_hostile_handshake_timeout(void)
{
    t_node a;
    t_node_init(&a, 84);
    cons_p2p_config cfg;
    t_config(&cfg, &a, "tcp://127.0.0.1:0", NULL, 0);
    cfg.handshake_timeout_ms = 300;
    CHECK(t_node_start(&a, &cfg));
    t_raw r;
    CHECK(t_raw_connect(&r, 184, cons_p2p_port(a.p)) == 0);
    uint64_t t0 = t_now_ms();
    CHECK(t_raw_closed_within(&r, 3000));
    uint64_t took = t_now_ms() - t0;
    CHECK(took >= 250);
    t_raw_close(&r);
    t_node_deinit(&a);
}
