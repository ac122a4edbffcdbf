/* chroomd's configuration: chain.conf, an INI file (common/config.h) whose every key is
 * documented, with its default, in chain.conf.example at the repository root.
 *
 * Every key has a default, so an empty file (or no file) is a working configuration.
 * Unknown sections and keys are errors, so that a typo never silently leaves a default in
 * place. Relative paths are resolved against the directory of the config file. */
#ifndef NODE_CONFIG_H
#define NODE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/log.h"
#include "node/limits.h"
#include "rpc/limits.h"

typedef struct node_config {
    /* [node] */
    char data_dir[NODE_CONFIG_PATH_MAX];           /* LMDB store and WAL */
    char genesis_file[NODE_CONFIG_PATH_MAX];       /* the chain's genesis JSON */
    char validator_key_file[NODE_CONFIG_PATH_MAX]; /* "" = not a validator; else 64 hex */
    chr_log_level log_level;
    /* [api] */
    char api_listen[NODE_CONFIG_LISTEN_MAX]; /* as written: "127.0.0.1:8080", "[::1]:8080" */
    char api_host[NODE_CONFIG_LISTEN_MAX];   /* the address without brackets or port */
    uint16_t api_port;                       /* 0 (any free port) or 1..65535 */
    int api_ipv6;                            /* 1 when api_host is an IPv6 address */
    uint64_t api_wait_timeout_ms;
    uint64_t api_health_stall_ms; /* /health 503 stalled after this long without a block; 0 off */
    uint64_t api_body_bytes_max;
    uint64_t api_connections_max; /* 0 = sized from the open-files limit at start */
    uint64_t api_connections_per_ip_max;
    uint64_t api_connection_timeout_s;
    /* A request's headers and body in all; the bodies in flight without and with a key. */
    uint64_t api_request_timeout_s;
    uint64_t api_bodies_open_bytes_max;
    uint64_t api_bodies_keyed_bytes_max;
    uint64_t api_threads;                         /* HTTP event-loop threads; 0 = one per core */
    char api_tls_cert_file[NODE_CONFIG_PATH_MAX]; /* "" = plain HTTP */
    char api_tls_key_file[NODE_CONFIG_PATH_MAX];
    /* "" = none; else a raw key file (mode 0600) whose account pays for POST
     * /api/meetings/create (docs/API.md). */
    char api_sponsor_key_file[NODE_CONFIG_PATH_MAX];
    uint64_t api_sponsor_spend_per_day; /* units the sponsor may escrow a day; 0: no limit */
    char api_tls_priorities[RPC_TLS_PRIORITIES_BYTES_MAX + 1]; /* GnuTLS priority string */
    uint64_t api_plain_http_public;           /* 1: plain HTTP allowed on a non-loopback address */
    uint64_t api_token_ttl_s;                 /* OAuth access tokens' lifetime */
    uint64_t api_session_ttl_s;               /* dashboard sessions' lifetime */
    uint64_t api_rate_limit_standard_per_min; /* 0 = no limit */
    uint64_t api_rate_limit_premium_per_min;  /* 0 = no limit */
    uint64_t api_rate_limit_unauthenticated_per_min; /* per client address; 0 = no limit */
    /* [analytics]: the heartbeat store (rpc/analytics.h, docs/ANALYTICS.md). */
    uint64_t analytics_retention_hours;
    uint64_t analytics_map_mb;
    uint64_t analytics_offline_after_ms;
    uint64_t analytics_degraded_after_ms;
    uint64_t analytics_clock_skew_ms;
    uint64_t analytics_interval_min_ms;
    uint64_t analytics_per_min_per_address; /* 0 = no limit */
    /* [consensus] */
    uint64_t consensus_block_interval_ms;
    uint64_t consensus_empty_block_interval_ms; /* 0 = no empty blocks */
    uint64_t consensus_timeout_propose_ms, consensus_timeout_propose_delta_ms;
    uint64_t consensus_timeout_prevote_ms, consensus_timeout_prevote_delta_ms;
    uint64_t consensus_timeout_precommit_ms, consensus_timeout_precommit_delta_ms;
    /* [p2p] */
    char p2p_listen[NODE_CONFIG_LISTEN_MAX]; /* "" = no listener; port 0 = any free */
    char p2p_peers[NODE_P2P_PEERS_MAX][NODE_CONFIG_LISTEN_MAX]; /* persistent peers */
    size_t p2p_peers_len;
    char p2p_node_key_file[NODE_CONFIG_PATH_MAX];     /* "" = the validator key, else random */
    char p2p_tls_cert_key_file[NODE_CONFIG_PATH_MAX]; /* "" = plain TCP between peers */
    char p2p_tls_ca_file[NODE_CONFIG_PATH_MAX];
    uint64_t p2p_peers_max;
    /* [mempool] */
    uint64_t mempool_txs_max;
    uint64_t mempool_bytes_max;
    /* [store] */
    uint64_t store_map_size_mb;
    uint64_t store_state_cache_mb;
    uint64_t store_state_versions_kept;
    uint64_t store_verifier_threads; /* 0 = one per core */
    uint64_t store_verifier_nice;    /* node/verify.h */
} node_config;

/* Every key at its default, paths relative to the working directory. */
void node_config_default(node_config *out);

/* Parses config text; relative paths are resolved against base_dir (NULL or "." leaves
 * them as written). CHR_ERR_CONFIG with errmsg "line N: ..." for a syntax error, an
 * unknown section or key, or a value out of its range; CHR_ERR_NOMEM. *out is zeroed on
 * failure. errmsg may be NULL when errmsg_cap is 0. */
CHR_WUR chr_err node_config_parse(node_config *out, const char *text, size_t text_len,
                                  const char *base_dir, char *errmsg, size_t errmsg_cap);

/* Reads path (at most NODE_CONFIG_FILE_BYTES_MAX bytes, else CHR_ERR_TOO_LONG; CHR_ERR_IO
 * if it cannot be read) and parses it, resolving relative paths against its directory.
 * errmsg starts with path. *out is zeroed on failure. */
CHR_WUR chr_err node_config_load(node_config *out, const char *path, char *errmsg,
                                 size_t errmsg_cap);

#endif
