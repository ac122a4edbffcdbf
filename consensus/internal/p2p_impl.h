/* The peer-to-peer transport's internals, shared by consensus/p2p.c (lifecycle, dialing,
 * accepting, timers, bans) and consensus/p2p_conn.c (one connection: queue, writer,
 * reader, handshake). Not a public API.
 *
 * Locking: one mutex, cons_p2p.mtx, guards the peer table, every connection's state, send
 * queue and counters, the dial slots and the ban table. It is never held while a user
 * callback runs, while nng_aio_stop waits, or while signing. The receive side of a
 * connection (its buffers and handshake progress) belongs to its one outstanding receive
 * and needs no lock. */
#ifndef CONS_P2P_IMPL_H
#define CONS_P2P_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "common/err.h"
#include "common/log.h"
#include "consensus/p2p.h"
#include "ledger/limits.h"
#include "ledger/sig.h"

/* Bytes read per receive: many small frames per system call, and a frame longer than this
 * is read into a buffer of its own size (checked against frame_bytes_max first). */
#define P2P_RX_BUF_BYTES (64u * 1024)
/* Bytes written per send: queued frames are copied together up to this; a longer frame is
 * written alone from its own memory. */
#define P2P_TX_BATCH_BYTES (64u * 1024)
/* Charged against send_queue_bytes_max per queued message besides its frame, so that tiny
 * messages cannot grow the queue's bookkeeping without bound. */
#define P2P_QENT_OVERHEAD 64u
/* The housekeeping thread's period: handshake deadlines, pings and re-dials are checked this
 * often, so backoff delays are accurate to about this much. */
#define P2P_TICK_MS 20u
/* Remembered offenders (IP addresses and node ids); when full, the entry whose ban ends
 * first is forgotten. */
#define P2P_PENALTIES_MAX 1024u
#define P2P_REASON_MAX 192u

_Static_assert(P2P_RX_BUF_BYTES >= 512, "a handshake frame fits the receive buffer");

/* A frame ready for the wire (header and payload), shared by the queues it is in. */
typedef struct p2p_frame {
    uint32_t refs; /* under mtx */
    size_t len;
    uint8_t bytes[];
} p2p_frame;

typedef struct p2p_qent {
    struct p2p_qent *next;
    p2p_frame *frame;
} p2p_qent;

/* One send queue of a connection: frames in the order queued, and what they are charged
 * (each frame plus P2P_QENT_OVERHEAD). */
typedef struct p2p_queue {
    p2p_qent *head;
    p2p_qent *tail;
    size_t bytes;
} p2p_queue;

/* A connection's send queues, which its writer drains in this order: a bulk message
 * (cons_p2p_config.bulk_types) is written only when no other message waits. */
#define P2P_Q_URGENT 0
#define P2P_Q_BULK 1
#define P2P_QUEUES 2

typedef enum p2p_phase {
    P2P_PHASE_HELLO = 0, /* waiting for the peer's HELLO */
    P2P_PHASE_AUTH = 1,  /* HELLO checked and our AUTH queued; waiting for the peer's AUTH */
    P2P_PHASE_UP = 2,    /* handshake complete */
} p2p_phase;

typedef struct p2p_conn {
    cons_p2p *p;
    nng_stream *stream;
    nng_aio *rx_aio;
    nng_aio *tx_aio;
    bool inbound;
    char address[CONS_P2P_ADDR_MAX + 1];
    bool have_ip;
    bool loopback; /* from this host (127.0.0.0/8, ::1): never banned by address */
    uint8_t ip_key[16];
    uint64_t created_ms;

    /* Under p->mtx. */
    uint32_t id;  /* 0 until admitted to the table */
    bool listed;  /* in p->conns */
    bool up;      /* handshake complete and not closing */
    bool closing; /* closed; on the reap list */
    bool misbehaved;
    bool authenticated; /* node_id is proven by a verified AUTH */
    uint8_t node_id[32];
    char listen[CONS_P2P_ADDR_MAX + 1];
    p2p_queue q[P2P_QUEUES];
    size_t q_bytes; /* of both queues: at most send_queue_bytes_max */
    bool tx_busy;
    uint8_t *tx_buf;
    uint8_t *tx_ptr;
    size_t tx_len;
    size_t tx_off;
    p2p_frame *tx_frame; /* a long frame being written from its own memory */
    uint64_t bytes_in, bytes_out, msgs_in, msgs_out, drops;
    uint64_t last_ping_ms, ping_nonce, ping_sent_ms;
    uint32_t rtt_ms;
    struct p2p_conn *reap_next;

    /* Owned by the receive callback; read by the reaper only after nng_aio_stop. */
    p2p_phase phase;
    bool reported_up;
    uint8_t claimed_id[32];
    uint8_t challenge_ours[32];
    uint8_t challenge_peer[32];
    uint8_t *rx_buf;
    size_t rx_len;
    size_t rx_off;
    uint8_t *big;
    size_t big_len;
    size_t big_have;
    uint8_t big_type;
} p2p_conn;

/* A persistent peer. */
typedef struct p2p_dial {
    cons_p2p *p;
    char *url;
    nng_stream_dialer *dialer;
    nng_aio *aio;
    /* Under p->mtx. */
    bool busy;       /* a dial is under way */
    bool disabled;   /* the address is this node itself */
    bool node_known; /* node_id is the node a handshake through this slot proved */
    bool failing;    /* the last attempt failed (logged once per streak) */
    uint8_t node_id[32];
    uint32_t conn_id; /* the connection that serves this peer (0: none) */
    uint32_t backoff_ms;
    uint64_t next_ms;
} p2p_dial;

#define P2P_KEY_IP 1
#define P2P_KEY_NODE 2

typedef struct p2p_penalty {
    uint8_t kind; /* 0: free */
    uint8_t key[32];
    uint32_t score;
    uint64_t until_ms;
} p2p_penalty;

struct cons_p2p {
    cons_p2p_config cfg; /* its pointers point at the copies below */
    char *chain_id;
    size_t chain_id_len;
    char *listen_url;
    char *tls_cert_key_file;
    char *tls_ca_file;
    uint8_t (*allowed)[32];
    uint8_t node_id[32];
    uint8_t node_sk[32];
    ledger_signer *signer;
    pthread_mutex_t sign_mtx;

    pthread_mutex_t mtx;
    pthread_cond_t cv;
    pthread_t thread;
    bool thread_started;
    bool stopping;
    /* Set when cons_p2p_stop begins: no user callback starts after it. */
    atomic_bool quiet;

    nng_tls_config *tls_server;
    nng_tls_config *tls_client;
    nng_stream_listener *listener;
    nng_aio *accept_aio;
    bool accept_busy;
    bool listen_tls;
    uint16_t port;
    char announce[CONS_P2P_ADDR_MAX + 1];
    size_t announce_len;

    p2p_dial *dials;
    size_t dials_len;
    p2p_conn **conns; /* peers_max entries, the first conns_len used */
    size_t conns_len;
    size_t inbound_len;
    size_t inbound_max;
    p2p_conn *reap;
    uint32_t next_id;
    p2p_penalty *penalties;
};

/* p2p.c */
uint64_t p2p_now_ms(void);
/* A delay drawn uniformly from [ms/2, ms]. */
uint32_t p2p_jitter(uint32_t ms);
void p2p_id_hex(char out[17], const uint8_t id[32]);
bool p2p_allowed(const cons_p2p *p, const uint8_t id[32]);
/* Records an offence; returns when the ban it earns ends. */
uint64_t p2p_penalize_locked(cons_p2p *p, uint8_t kind, const uint8_t *key, size_t key_len,
                             uint64_t now);
/* The end of key's current ban, or 0 if it is not banned at now. */
uint64_t p2p_banned_until_locked(const cons_p2p *p, uint8_t kind, const uint8_t *key,
                                 size_t key_len, uint64_t now);
uint32_t p2p_score_locked(const cons_p2p *p, const uint8_t node_id[32]);
/* Called when c, which some dial slots may be served by, closes: schedules their re-dial. */
void p2p_dials_conn_closed_locked(cons_p2p *p, const p2p_conn *c, uint64_t ban_until);
/* Moves the dial slots served by from to to. */
void p2p_dials_move_locked(cons_p2p *p, uint32_t from, uint32_t to);
/* The slots served by conn_id reached node_id: remember it, reset their backoff. */
void p2p_dials_up_locked(cons_p2p *p, uint32_t conn_id, const uint8_t node_id[32]);
/* The slots served by conn_id dialed this node itself: stop dialing them. */
void p2p_dials_disable_locked(cons_p2p *p, uint32_t conn_id);

/* p2p_conn.c */
CHR_WUR chr_err p2p_frame_new(p2p_frame **out, uint8_t type, const uint8_t *payload, size_t len);
void p2p_frame_release_locked(p2p_frame *f);
/* A connection around stream (owned from now on); NULL (and the stream closed and freed)
 * when out of memory. */
p2p_conn *p2p_conn_new(cons_p2p *p, nng_stream *stream, bool inbound, const char *address);
/* Allocates the buffers, queues HELLO and posts the first receive. */
CHR_WUR chr_err p2p_conn_start_locked(p2p_conn *c);
CHR_WUR chr_err p2p_conn_enqueue_locked(p2p_conn *c, p2p_frame *f);
void p2p_conn_ping_locked(p2p_conn *c, uint64_t now);
/* Closes c once: takes it out of the table, scores it if misbehaved, schedules the re-dial
 * of its slots, logs why at level, and hands it to the reaper. */
void p2p_conn_close_locked(p2p_conn *c, bool misbehaved, chr_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The reaper's steps, after close: stop (no lock: waits for callbacks), drain (lock: the
 * queue's frames may be shared), free (no lock). */
void p2p_conn_stop(p2p_conn *c);
void p2p_conn_drain_locked(p2p_conn *c);
void p2p_conn_free(p2p_conn *c);

#endif
