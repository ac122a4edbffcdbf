/* The peer-to-peer transport: typed opaque messages between Chroom nodes over TCP, or TLS
 * with pinned certificates, through nng's stream API and our own framing (docs/P2P.md).
 *
 * An edge module: it owns sockets, threads, a clock and a random source, and the
 * deterministic core never includes it. The consensus engine and block sync sit on top: they
 * give it bytes with a type and get bytes with a type back, per peer, in order.
 *
 * Guarantees. Per connection, messages arrive complete, in the order they were queued, or
 * not at all: nothing is duplicated, and nothing is reordered except that a message of a
 * type not in cons_p2p_config.bulk_types may overtake bulk messages queued before it
 * (never the reverse); messages of one class (bulk, or not) keep their order. A message can
 * be lost when the sender's queue for that peer is full (cons_p2p_send says so) or when the
 * connection drops. The layer above must ask again for what it misses (a vote, a block
 * part); the transport never retransmits. Every peer has proven, before its first message
 * is delivered, that it holds the secret key of its node id and that it is on our chain
 * (same chain id, genesis hash and protocol version).
 *
 * Threads. cons_p2p_start starts one housekeeping thread (timers, dials, reaping closed
 * connections); everything else runs on nng's threads. on_message and on_peer run on those
 * threads: calls for one peer never overlap and come in order (on_peer up, its messages,
 * on_peer down), but calls for different peers can run at the same time. A callback must be
 * quick (it holds up that peer's receiving), must copy what it keeps (the payload is valid
 * only during the call), may call cons_p2p_send, _broadcast, _disconnect, _peers and _port,
 * and must never call cons_p2p_stop. Every other function is thread-safe.
 *
 * Memory. Each connection holds a 64 KiB receive and a 64 KiB send buffer, plus its two send
 * queues (together at most send_queue_bytes_max) and, while one arrives, one frame of at most
 * frame_bytes_max; the peer table is sized at start (peers_max). */
#ifndef CONS_P2P_H
#define CONS_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/limits.h"

/* The wire protocol's version, sent in HELLO; a peer speaking another one is refused. */
#define CONS_P2P_PROTOCOL_VERSION 1
/* Message types 0..15 are the transport's own (HELLO, AUTH, PING, PONG, reserved); the
 * layers above use 16..255. */
#define CONS_P2P_TYPE_USER_MIN 16

/* An address ("tcp://host:port", "tls+tcp://host:port"): a host name of up to ~230
 * characters fits, and the HELLO field that carries it has a u8 length. */
#define CONS_P2P_ADDR_MAX 255
/* The largest frame_bytes_max a configuration may set: a whole block
 * (LEDGER_BLOCK_BYTES_MAX) with its commit twice over. A peer can make us allocate this
 * much per connection while a frame arrives, so it is a hard ceiling, not a default. */
#define CONS_P2P_FRAME_BYTES_LIMIT (16u * 1024 * 1024)
/* The default frame_bytes_max: a whole block and 256 KiB of room for its lengths, commit,
 * evidence and the message around it (consensus/limits.h's CONS_MSG_BYTES_MAX fits,
 * checked in p2p.c). */
#define CONS_P2P_FRAME_BYTES_DEFAULT (LEDGER_BLOCK_BYTES_MAX + 256u * 1024)
/* The most connections one node keeps (peers_max): each costs two 64 KiB buffers and its
 * queue; a validator needs a few dozen. */
#define CONS_P2P_PEERS_LIMIT 1024
/* The most persistent peers and pinned node ids a configuration may list. */
#define CONS_P2P_PERSISTENT_PEERS_MAX 256
#define CONS_P2P_ALLOWED_IDS_MAX 1024

_Static_assert(CONS_P2P_FRAME_BYTES_DEFAULT <= CONS_P2P_FRAME_BYTES_LIMIT,
               "the default frame limit is within the hard limit");
_Static_assert(CONS_P2P_FRAME_BYTES_LIMIT < 0xFFFFFFFFu, "frame lengths are u32 on the wire");
_Static_assert(CONS_P2P_PERSISTENT_PEERS_MAX <= CONS_P2P_PEERS_LIMIT,
               "persistent peers fit the peer table");

typedef struct cons_p2p cons_p2p;

typedef struct cons_p2p_config {
    /* "tcp://127.0.0.1:26656" or "tls+tcp://0.0.0.0:26656"; port 0 picks a free port
     * (cons_p2p_port). NULL: do not listen (outbound only). */
    const char *listen;
    /* Persistent peers, "tcp://host:port" or "tls+tcp://host:port": dialed at start and
     * re-dialed after every failure or disconnection, with backoff. */
    const char *const *peers;
    size_t peers_len;
    const char *chain_id;
    uint8_t genesis_hash[32];
    /* The node key (BIP-340 secret key, ledger/sig.h); its x-only public key is the node
     * id. Copied; the copy is wiped by cons_p2p_stop. */
    uint8_t node_sk[32];
    /* Connections in all (inbound, outbound, and those still in their handshake), at most
     * CONS_P2P_PEERS_LIMIT. Inbound connections get what the persistent peers leave:
     * peers_max - peers_len, so strangers can never crowd out the configured peers. */
    size_t peers_max;
    /* The largest frame (type byte and payload) accepted or sent: 512 to
     * CONS_P2P_FRAME_BYTES_LIMIT. A peer announcing a longer one is disconnected before
     * anything is allocated for it. */
    size_t frame_bytes_max;
    /* Bytes queued per peer, each message counted with its frame and bookkeeping; at least
     * frame_bytes_max + 64. Past it, messages to that peer are dropped (and counted). */
    size_t send_queue_bytes_max;
    /* The bulk message types (gossip that may be late, as opposed to votes that may not):
     * bit t % 8 of byte t / 8 marks type t, user types only. A peer's bulk messages wait in
     * a queue of their own, which its writer serves only when no other message is queued,
     * and they may fill at most half of send_queue_bytes_max, so that megabytes of them
     * neither delay nor crowd out the rest. All zero (the default): one queue, in order. */
    uint8_t bulk_types[32];
    /* Re-dial delay of a persistent peer: starts at backoff_ms_min, doubles after each
     * failure up to backoff_ms_max, back to the minimum once a connection completed its
     * handshake; each delay is drawn uniformly from [delay/2, delay]. */
    uint32_t backoff_ms_min, backoff_ms_max;
    /* Time for a dial (TCP connect) to complete. */
    uint32_t dial_timeout_ms;
    /* Time from connecting to a completed HELLO/AUTH exchange. */
    uint32_t handshake_timeout_ms;
    /* A PING goes to every peer this often; a peer from which nothing arrived for
     * peer_timeout_ms, or that accepted no bytes of ours for as long, is disconnected. */
    uint32_t ping_interval_ms;
    uint32_t peer_timeout_ms;
    /* A misbehaving peer (bad frame, failed handshake, cons_p2p_disconnect with misbehaved)
     * is refused for ban_ms_min, doubling with each offence up to ban_ms_max: by node id
     * once authenticated, by IP address unless it is a loopback address (127.0.0.0/8,
     * ::1: the host's own processes, a one-machine testnet, share it) and
     * ban_loopback is false (its default). */
    uint32_t ban_ms_min, ban_ms_max;
    bool ban_loopback;
    /* Pinned node keys: when allowed_ids_len is non-zero, only peers whose node id is in
     * the list complete the handshake. */
    const uint8_t (*allowed_ids)[32];
    size_t allowed_ids_len;
    /* TLS, required when listen or a peer uses "tls+tcp://": a PEM file with this node's
     * certificate and unencrypted private key, and a PEM file of the pinned peer
     * certificates (each peer's self-signed certificate). Both sides must present a pinned
     * certificate. NULL when only plain TCP is used. */
    const char *tls_cert_key_file;
    const char *tls_ca_file;
    /* Called with each message of a user type (>= CONS_P2P_TYPE_USER_MIN) from a peer whose
     * handshake completed; payload is valid only during the call. */
    void (*on_message)(void *ctx, uint32_t peer, uint8_t type, const uint8_t *payload, size_t len);
    /* Called with up = 1 when a peer completes its handshake, before its first message, and
     * up = 0 after its last message once the connection is gone. Not called for the
     * connections that cons_p2p_stop closes. May be NULL. */
    void (*on_peer)(void *ctx, uint32_t peer, int up, const uint8_t node_id[32]);
    void *ctx;
} cons_p2p_config;

typedef struct cons_p2p_peer_info {
    /* Small, non-zero, never reused for the life of the cons_p2p. */
    uint32_t id;
    uint8_t node_id[32];
    /* The remote end as connected: the dialed URL, or "tcp://ip:port" of an inbound one. */
    char address[CONS_P2P_ADDR_MAX + 1];
    /* The listen address the peer announced in its HELLO ("" if none); unverified. */
    char listen_address[CONS_P2P_ADDR_MAX + 1];
    int inbound;
    /* Offences recorded against this node id (see ban_ms_min). */
    uint32_t score;
    uint64_t bytes_in, bytes_out;
    uint64_t msgs_in, msgs_out;
    /* Messages dropped because this peer's send queue was full. */
    uint64_t drops;
    size_t queue_bytes;
    /* Round trip of the last answered PING; 0 before the first. */
    uint32_t rtt_ms;
} cons_p2p_peer_info;

/* Fills cfg with the defaults: no listen address, no peers, peers_max 40,
 * frame_bytes_max CONS_P2P_FRAME_BYTES_DEFAULT, send queue twice that, backoff 500 ms to
 * 30 s, dial timeout 5 s, handshake timeout 5 s, ping every 10 s, peer timeout 30 s, bans
 * 10 s to 1 h. The caller sets chain_id, genesis_hash, node_sk and the callbacks. */
void cons_p2p_config_init(cons_p2p_config *cfg);

/* Starts the transport: checks cfg, listens (if cfg->listen) and starts dialing the
 * persistent peers. cfg and everything it points to is copied; the caller may free it on
 * return. errmsg (errmsg_cap bytes, may be NULL) receives a line saying what failed.
 * Errors: CHR_ERR_CONFIG for an invalid configuration (a URL, a limit, the TLS files),
 * CHR_ERR_ARG for an invalid node key, CHR_ERR_IO when the listener cannot bind,
 * CHR_ERR_NOMEM, CHR_ERR_CRYPTO. *out is set on success and NULL on failure. */
CHR_WUR chr_err cons_p2p_start(cons_p2p **out, const cons_p2p_config *cfg, char *errmsg,
                               size_t errmsg_cap);

/* Closes every connection, the listener and the dialers, and joins every thread and
 * callback: no callback runs after it returns (nor starts during it, except those already
 * under way, which it waits for). p is freed; NULL is a no-op. Never from a callback. */
void cons_p2p_stop(cons_p2p *p);

/* Queues a message of type (>= CONS_P2P_TYPE_USER_MIN) for peer: the payload (len bytes)
 * is copied and the call returns at once; the peer's writer sends it with whatever else is
 * queued, in one write. Errors: CHR_ERR_ARG for a transport type, CHR_ERR_TOO_LONG for a
 * frame over frame_bytes_max, CHR_ERR_NOT_FOUND when peer is not connected (any more),
 * CHR_ERR_FULL when the peer's queue is full (the message is dropped and counted: the
 * caller retransmits what matters), CHR_ERR_NOMEM. */
CHR_WUR chr_err cons_p2p_send(cons_p2p *p, uint32_t peer, uint8_t type, const uint8_t *payload,
                              size_t len);

/* Queues one copy of the message (shared between peers) for every connected peer but
 * except_peer (0: none). Returns the number of peers it was queued for; peers whose queue
 * is full drop it and count the drop. An invalid type or length queues nothing. */
size_t cons_p2p_broadcast(cons_p2p *p, uint8_t type, const uint8_t *payload, size_t len,
                          uint32_t except_peer);

/* Closes the connection to peer (a no-op if it is gone). With misbehaved non-zero, the
 * peer's node id and IP address are scored and refused for a ban period, and a persistent
 * peer is not re-dialed before it ends. on_peer(down) follows from the housekeeping
 * thread. */
void cons_p2p_disconnect(cons_p2p *p, uint32_t peer, int misbehaved);

/* Copies up to cap connected peers (handshake complete), by id, into out; returns how many
 * are connected (which may exceed cap). */
size_t cons_p2p_peers(cons_p2p *p, cons_p2p_peer_info *out, size_t cap);

/* The bound TCP port of the listener (useful after listening on port 0); 0 if not
 * listening. */
uint16_t cons_p2p_port(const cons_p2p *p);

/* This node's id (the x-only public key of node_sk). */
void cons_p2p_node_id(const cons_p2p *p, uint8_t out[32]);

#endif
