/* Hard limits of chroomd (node/): the ranges chain.conf may set, and the queues, pools and
 * tables the node sizes at start-up. Each bounds something from outside (the config file,
 * a client, a peer) or memory held for them. */
#ifndef NODE_LIMITS_H
#define NODE_LIMITS_H

#include "consensus/limits.h"
#include "ledger/limits.h"
#include "rpc/limits.h"

/* ---- chain.conf (node/config.h) ---- */
/* chain.conf is a few hundred bytes; a megabyte means a wrong file, not a config. */
#define NODE_CONFIG_FILE_BYTES_MAX (1u << 20)
/* A path after resolution, with its NUL; PATH_MAX-like, and what one config line holds. */
#define NODE_CONFIG_PATH_MAX 1024
/* "[" + the longest IPv6 text (45) + "]:" + 5 port digits, with room to spare. */
#define NODE_CONFIG_LISTEN_MAX 64
/* Persistent peers in [p2p] peers: a validator set's worth of sentries and friends. */
#define NODE_P2P_PEERS_MAX 64
/* Room for a message of chr_config or of node/config.c before the path is put in front. */
#define NODE_CONFIG_ERRMSG_MAX 256
/* A client waiting for its transaction to commit holds a connection; a minute bounds it. */
#define NODE_API_WAIT_TIMEOUT_MS_MAX 60000
/* /health's stall threshold: a day without a block is a dead chain under any setting. */
#define NODE_HEALTH_STALL_MS_MAX 86400000
/* Each connection is a file descriptor; 65,536 is past any sane descriptor limit. */
#define NODE_API_CONNECTIONS_MAX 65536
/* An idle connection is closed after this; an hour is already generous. */
#define NODE_API_CONNECTION_TIMEOUT_S_MAX 3600
/* A block at least every minute keeps the chain's clock and liveness checks meaningful. */
#define NODE_BLOCK_INTERVAL_MS_MAX 60000
/* Empty blocks mark time on an idle chain; one an hour is the slowest useful heartbeat. */
#define NODE_EMPTY_BLOCK_INTERVAL_MS_MAX 3600000
/* Ten million pending transactions of up to 1 KiB is the most one node's memory can hold. */
#define NODE_MEMPOOL_TXS_MAX 10000000
#define NODE_MEMPOOL_BYTES_MAX (16ULL * 1024 * 1024 * 1024)
/* LMDB's map is virtual address space: 16 TiB is within any 64-bit address space. */
#define NODE_MAP_SIZE_MB_MAX (16ULL * 1024 * 1024)
/* The state trie's cache ([store] state_cache_mb): 64 GiB, past any machine it would help. */
#define NODE_STATE_CACHE_MB_MAX (64ULL * 1024)
/* Versions of the state kept ([store] state_versions_kept; 0: all, an archive, which reads
 * any of them): no more than a store that is not an archive reads back
 * (LEDGER_STORE_PAST_BLOCKS_MAX, what one proof may cost). */
#define NODE_STATE_VERSIONS_MAX 1000ULL
_Static_assert(NODE_STATE_VERSIONS_MAX <= LEDGER_STORE_PAST_BLOCKS_MAX,
               "a kept version is one the store reads back");
/* A consensus timeout (base or per-round step) beyond a minute stalls the chain for no
 * gain; delta * CONS_ROUND_MAX must stay far from overflow (1e6 rounds * 6e4 ms). */
#define NODE_TIMEOUT_MS_MAX 60000
/* Peer connections in all; the transport's own hard limit is CONS_P2P_PEERS_LIMIT. */
#define NODE_P2P_CONNECTIONS_MAX 1000
/* Signature-verifier threads ([store] verifier_threads, and "one per core" is capped to
 * it): the pool's thread table is this long, and past 64 admission is bound by the writer
 * thread, not by verification. */
#define NODE_VERIFIER_THREADS_MAX 64
/* How much nicer than the node the verifier threads run ([store] verifier_nice): 0 (the
 * node's own priority) to 19, the most a nice value goes; node/verify.h. */
#define NODE_VERIFIER_NICE_DEFAULT 10
#define NODE_VERIFIER_NICE_MAX 19
/* PEM files (the API's TLS certificate and key) are a few KiB; a megabyte is a wrong file. */
#define NODE_PEM_BYTES_MAX (1u << 20)

/* ---- the chain engine (node/chain.h, node/verify.h, node/failed.h) ---- */
/* Transactions waiting in the writer's queue: beyond this, submissions get
 * CHR_ERR_QUEUE_FULL (503) instead of piling up memory and latency. */
#define NODE_QUEUE_TXS_MAX 50000
/* Transactions in one submission (the API's batch limit is at most this). */
#define NODE_SUBMIT_TXS_MAX 1000
/* Batches smaller than this are verified by the calling thread: handing them over would
 * cost more than it saves. */
#define NODE_VERIFY_INLINE_MAX 8
/* Failed transactions remembered with their reason: at ~200 bytes each, 65,536 failures
 * take ~13 MiB. */
#define NODE_FAILED_KEPT 65536
/* A failure's reason as told to a client: one short sentence. */
#define NODE_DETAIL_MAX 160

/* ---- the consensus engine (node/consensus.h) ---- */
/* Inbound messages waiting for the writer; past this, new ones are dropped (consensus
 * asks again through its status gossip). */
#define NODE_INBOX_MAX 4096
/* Transactions in one gossip message, and its bytes: a few hundred small ones, or a few
 * dozen settles of a large meeting (20 KB each); a batch is sent when either is reached, so
 * a message stays within 2 MiB, far below a peer frame's limit (CONS_MSG_BYTES_MAX). */
#define NODE_GOSSIP_TXS_MAX 512
#define NODE_GOSSIP_BYTES_MAX (2u * 1024 * 1024)
/* Blocks sent to a peer behind in answer to one status: bounds the work one peer's status
 * costs the writer. */
#define NODE_SYNC_BATCH 16
/* Timers the core may have pending: a few per round; stale ones are dropped first. */
#define NODE_TIMERS_MAX 64
/* How far a fresh proposal's time may be ahead of this node's clock for it to prevote. */
#define NODE_CLOCK_DRIFT_MS 5000
/* Recently seen transaction ids, so that the copies of a transaction that gossip brings
 * from several peers are verified once: sets of NODE_SEEN_WAYS, chosen by the id's first
 * bytes, each forgetting its oldest id for a new one. The copies of a transaction can
 * arrive seconds apart under load (each peer verifies before it passes one on), with tens
 * of thousands of others in between: at 2^16 ids direct-mapped, a fifth of them were
 * forgotten in between and verified again (tests/bench/consensus.sh); 2^18 in sets of 4
 * (9 MiB) forget almost none. */
#define NODE_SEEN_SLOTS (1u << 18)
#define NODE_SEEN_WAYS 4u
/* Gossiped transactions waiting for the intake thread, copies already left out (as much
 * memory as 64 full gossip messages); past this, a peer's new ones are dropped (they reach
 * this node again through other peers or the next proposal). */
#define NODE_GOSSIP_QUEUE_TXS_MAX (64u * NODE_GOSSIP_TXS_MAX)
/* Peers remembered for rate-limiting block sync answers (slot = peer id mod this; a
 * collision only forgets when a peer was last answered). */
#define NODE_SYNC_PEERS 64

/* At the smallest body limit every transaction but a meeting-create or meeting-settle over
 * the base limit fits in hex; the default fits the largest settle too (chain.conf.example
 * says so). */
_Static_assert(RPC_BODY_BYTES_MIN > 2 * LEDGER_TX_BYTES_BASE_MAX, "a hex-encoded tx fits");
_Static_assert(RPC_BODY_BYTES_DEFAULT > 2 * LEDGER_TX_BYTES_MAX, "a hex-encoded settle fits");
_Static_assert(RPC_BATCH_TXS_MAX <= NODE_SUBMIT_TXS_MAX, "an API batch is one submission");
_Static_assert(NODE_SUBMIT_TXS_MAX <= NODE_QUEUE_TXS_MAX, "a whole submission fits the queue");
_Static_assert(NODE_GOSSIP_TXS_MAX <= NODE_SUBMIT_TXS_MAX, "a gossip message fits a submission");
_Static_assert(NODE_GOSSIP_TXS_MAX <= 65535, "a gossip message's count is a u16");
_Static_assert(NODE_GOSSIP_BYTES_MAX >= 4 + 2 + LEDGER_TX_BYTES_MAX, "a gossip message holds a tx");
_Static_assert(NODE_GOSSIP_BYTES_MAX < CONS_MSG_BYTES_MAX, "a gossip message fits a peer frame");
_Static_assert(NODE_VERIFY_INLINE_MAX <= NODE_SUBMIT_TXS_MAX, "large submissions use the pool");
_Static_assert(NODE_MEMPOOL_BYTES_MAX >= LEDGER_TX_BYTES_MAX, "the mempool holds one tx");

#endif
