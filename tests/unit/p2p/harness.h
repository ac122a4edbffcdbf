/* Test harness of the peer-to-peer transport: nodes whose callbacks record what they get,
 * and a hostile peer over a raw TCP socket that speaks the wire format through the
 * encoders of consensus/internal/p2p_wire.h, so it can say anything. */
#ifndef CHR_TEST_P2P_HARNESS_H
#define CHR_TEST_P2P_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/internal/p2p_wire.h"
#include "consensus/p2p.h"

#define T_CHAIN "chroom-p2p-test"
#define T_WAIT_MS 10000

typedef struct t_msg {
    uint32_t peer;
    uint8_t type;
    size_t len;
    uint8_t *data;
} t_msg;

typedef struct t_node {
    cons_p2p *p;
    uint8_t sk[32];
    uint8_t id[32];
    char url[64]; /* "tcp://127.0.0.1:port" once listening */
    pthread_mutex_t mtx;
    t_msg *msgs;
    size_t msgs_len;
    size_t msgs_cap;
    size_t ups;
    size_t downs;
    uint32_t last_up;
    uint32_t last_down;
    /* Set right after cons_p2p_stop returns; a callback that sees it counts a violation. */
    atomic_bool stopped;
    atomic_int after_stop;
    /* When set, on_message only counts (for the big runs). */
    bool count_only;
    size_t counted;
} t_node;

/* A node with a key derived from seed; not started. */
void t_node_init(t_node *n, uint8_t seed);
/* Frees what the node recorded; stops it first if it runs. */
void t_node_deinit(t_node *n);
/* The test configuration: fast timers, small bans, the recording callbacks. */
void t_config(cons_p2p_config *cfg, t_node *n, const char *listen, const char *const *peers,
              size_t peers_len);
/* Starts n with cfg; fills n->url from the bound port. */
int t_node_start(t_node *n, const cons_p2p_config *cfg);
void t_node_stop(t_node *n);
/* Polls until n has want connected peers (CHECKs it in the caller), at most ms. */
bool t_wait_peers(t_node *n, size_t want, uint32_t ms);
bool t_wait_msgs(t_node *n, size_t want, uint32_t ms);
size_t t_peer_count(t_node *n);
/* The id of n's only (or first) peer, 0 if none. */
uint32_t t_first_peer(t_node *n, int *inbound);
void t_sleep_ms(uint32_t ms);
uint64_t t_now_ms(void);

/* The hostile peer. */
typedef struct t_raw {
    int fd;
    uint8_t sk[32];
    uint8_t id[32];
    uint8_t challenge[32];
    cons_p2p_hello theirs;
} t_raw;

/* What the raw peer changes in its handshake. */
typedef struct t_twist {
    const char *chain_id;    /* NULL: T_CHAIN */
    int genesis_flip;        /* flip a bit of the genesis hash */
    uint16_t version;        /* 0: CONS_P2P_PROTOCOL_VERSION */
    int bad_sig;             /* flip a bit of the AUTH signature */
    const uint8_t *claim_id; /* claim this node id but sign with our own key */
} t_twist;

/* Connects to 127.0.0.1:port with a 3 s receive timeout; -1 on failure. */
int t_raw_connect(t_raw *r, uint8_t seed, uint16_t port);
int t_raw_send(t_raw *r, uint8_t type, const uint8_t *payload, size_t len);
int t_raw_send_bytes(t_raw *r, const uint8_t *bytes, size_t len);
/* Reads one frame: 1 got one, 0 the node closed the connection, -1 timeout or error. */
int t_raw_recv(t_raw *r, uint8_t *type, uint8_t *buf, size_t cap, size_t *len);
/* Sends our HELLO (twisted), reads theirs, sends our AUTH. 1 on success so far. */
int t_raw_handshake(t_raw *r, const t_twist *tw);
/* Reads (and discards) until the node closes the connection: true if it did within ms. */
bool t_raw_closed_within(t_raw *r, uint32_t ms);
void t_raw_close(t_raw *r);

#endif
