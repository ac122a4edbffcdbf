#include "node/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/config.h"
#include "common/errmsg.h"
#include "common/fsutil.h"
#include "ledger/limits.h"
#include "node/limits.h"
#include "rpc/analytics.h"
#include "rpc/limits.h"

_Static_assert(NODE_CONFIG_PATH_MAX > 64, "every default path fits");

typedef struct node_config_num {
    const char *section;
    const char *key;
    uint64_t def;
    uint64_t min;
    uint64_t max;
    size_t offset;
} node_config_num;

static const node_config_num node_config_nums[] = {
    {"api", "wait_timeout_ms", 10000, 0, NODE_API_WAIT_TIMEOUT_MS_MAX,
     offsetof(node_config, api_wait_timeout_ms)},
    {"api", "body_bytes_max", RPC_BODY_BYTES_DEFAULT, RPC_BODY_BYTES_MIN, RPC_BODY_BYTES_MAX,
     offsetof(node_config, api_body_bytes_max)},
    {"api", "connections_max", 0, 0, NODE_API_CONNECTIONS_MAX,
     offsetof(node_config, api_connections_max)},
    {"api", "connections_per_ip_max", 64, 1, NODE_API_CONNECTIONS_MAX,
     offsetof(node_config, api_connections_per_ip_max)},
    {"api", "plain_http_public", 0, 0, 1, offsetof(node_config, api_plain_http_public)},
    {"api", "sponsor_spend_per_day", 0, 0, UINT64_MAX,
     offsetof(node_config, api_sponsor_spend_per_day)},
    {"api", "health_stall_ms", 30000, 0, NODE_HEALTH_STALL_MS_MAX,
     offsetof(node_config, api_health_stall_ms)},
    {"api", "connection_timeout_s", 30, 1, NODE_API_CONNECTION_TIMEOUT_S_MAX,
     offsetof(node_config, api_connection_timeout_s)},
    {"api", "request_timeout_s", RPC_REQUEST_TIMEOUT_S_DEFAULT, 1, RPC_REQUEST_TIMEOUT_S_MAX,
     offsetof(node_config, api_request_timeout_s)},
    {"api", "bodies_open_bytes_max", RPC_BODIES_OPEN_BYTES_DEFAULT, RPC_BODY_BYTES_MIN,
     RPC_BODIES_BYTES_MAX, offsetof(node_config, api_bodies_open_bytes_max)},
    {"api", "bodies_keyed_bytes_max", RPC_BODIES_KEYED_BYTES_DEFAULT, RPC_BODY_BYTES_MIN,
     RPC_BODIES_BYTES_MAX, offsetof(node_config, api_bodies_keyed_bytes_max)},
    {"api", "threads", 0, 0, RPC_THREADS_MAX, offsetof(node_config, api_threads)},
    {"api", "token_ttl_s", 3600, 1, RPC_TOKEN_TTL_S_MAX, offsetof(node_config, api_token_ttl_s)},
    {"api", "session_ttl_s", RPC_SESSION_TTL_S_DEFAULT, 60, RPC_SESSION_TTL_S_MAX,
     offsetof(node_config, api_session_ttl_s)},
    {"api", "rate_limit_standard_per_min", 100, 0, RPC_RATE_PER_MIN_MAX,
     offsetof(node_config, api_rate_limit_standard_per_min)},
    {"api", "rate_limit_premium_per_min", 1000, 0, RPC_RATE_PER_MIN_MAX,
     offsetof(node_config, api_rate_limit_premium_per_min)},
    {"api", "rate_limit_unauthenticated_per_min", 30, 0, RPC_RATE_PER_MIN_MAX,
     offsetof(node_config, api_rate_limit_unauthenticated_per_min)},
    /* A week's window needs a week and its last hour; a year of hourly buckets is ~3.5 MB a
     * node. */
    {"analytics", "retention_hours", 192, 2, 8760,
     offsetof(node_config, analytics_retention_hours)},
    {"analytics", "map_mb", RPC_AN_MAP_MB_DEFAULT, RPC_AN_MAP_MB_MIN, RPC_AN_MAP_MB_MAX,
     offsetof(node_config, analytics_map_mb)},
    {"analytics", "offline_after_ms", 60000, 1000, 86400000,
     offsetof(node_config, analytics_offline_after_ms)},
    {"analytics", "degraded_after_ms", 30000, 500, 86400000,
     offsetof(node_config, analytics_degraded_after_ms)},
    {"analytics", "clock_skew_ms", 120000, 1000, 86400000,
     offsetof(node_config, analytics_clock_skew_ms)},
    {"analytics", "interval_min_ms", 1000, 0, 3600000,
     offsetof(node_config, analytics_interval_min_ms)},
    {"analytics", "heartbeats_per_min_per_address", 120, 0, RPC_RATE_PER_MIN_MAX,
     offsetof(node_config, analytics_per_min_per_address)},
    {"consensus", "block_interval_ms", 200, 1, NODE_BLOCK_INTERVAL_MS_MAX,
     offsetof(node_config, consensus_block_interval_ms)},
    {"consensus", "empty_block_interval_ms", 0, 0, NODE_EMPTY_BLOCK_INTERVAL_MS_MAX,
     offsetof(node_config, consensus_empty_block_interval_ms)},
    {"consensus", "timeout_propose_ms", 1000, 1, NODE_TIMEOUT_MS_MAX,
     offsetof(node_config, consensus_timeout_propose_ms)},
    {"consensus", "timeout_propose_delta_ms", 500, 0, NODE_TIMEOUT_MS_MAX,
     offsetof(node_config, consensus_timeout_propose_delta_ms)},
    {"consensus", "timeout_prevote_ms", 500, 1, NODE_TIMEOUT_MS_MAX,
     offsetof(node_config, consensus_timeout_prevote_ms)},
    {"consensus", "timeout_prevote_delta_ms", 500, 0, NODE_TIMEOUT_MS_MAX,
     offsetof(node_config, consensus_timeout_prevote_delta_ms)},
    {"consensus", "timeout_precommit_ms", 500, 1, NODE_TIMEOUT_MS_MAX,
     offsetof(node_config, consensus_timeout_precommit_ms)},
    {"consensus", "timeout_precommit_delta_ms", 500, 0, NODE_TIMEOUT_MS_MAX,
     offsetof(node_config, consensus_timeout_precommit_delta_ms)},
    {"p2p", "peers_max", 50, 1, NODE_P2P_CONNECTIONS_MAX, offsetof(node_config, p2p_peers_max)},
    {"mempool", "txs_max", 100000, 1, NODE_MEMPOOL_TXS_MAX, offsetof(node_config, mempool_txs_max)},
    {"mempool", "bytes_max", 64u * 1024 * 1024, LEDGER_TX_BYTES_MAX, NODE_MEMPOOL_BYTES_MAX,
     offsetof(node_config, mempool_bytes_max)},
    {"store", "map_size_mb", 1024, 1, NODE_MAP_SIZE_MB_MAX,
     offsetof(node_config, store_map_size_mb)},
    {"store", "state_cache_mb", 32, 0, NODE_STATE_CACHE_MB_MAX,
     offsetof(node_config, store_state_cache_mb)},
    {"store", "state_versions_kept", 1, 0, NODE_STATE_VERSIONS_MAX,
     offsetof(node_config, store_state_versions_kept)},
    {"store", "verifier_threads", 0, 0, NODE_VERIFIER_THREADS_MAX,
     offsetof(node_config, store_verifier_threads)},
    {"store", "verifier_nice", NODE_VERIFIER_NICE_DEFAULT, 0, NODE_VERIFIER_NICE_MAX,
     offsetof(node_config, store_verifier_nice)},
};
#define NODE_CONFIG_NUMS (sizeof(node_config_nums) / sizeof(node_config_nums[0]))

/* The paths; only the validator key (meaning "not a validator") and the TLS files (meaning
 * plain HTTP) may be empty. */
typedef struct node_config_path {
    const char *section;
    const char *key;
    const char *def;
    size_t offset;
    bool may_be_empty;
} node_config_path;

static const node_config_path node_config_paths[] = {
    {"node", "data_dir", "data", offsetof(node_config, data_dir), false},
    {"node", "genesis_file", "genesis.json", offsetof(node_config, genesis_file), false},
    {"node", "validator_key_file", "", offsetof(node_config, validator_key_file), true},
    {"api", "tls_cert_file", "", offsetof(node_config, api_tls_cert_file), true},
    {"api", "tls_key_file", "", offsetof(node_config, api_tls_key_file), true},
    {"api", "sponsor_key_file", "", offsetof(node_config, api_sponsor_key_file), true},
    {"p2p", "node_key_file", "", offsetof(node_config, p2p_node_key_file), true},
    {"p2p", "tls_cert_key_file", "", offsetof(node_config, p2p_tls_cert_key_file), true},
    {"p2p", "tls_ca_file", "", offsetof(node_config, p2p_tls_ca_file), true},
};
#define NODE_CONFIG_PATHS (sizeof(node_config_paths) / sizeof(node_config_paths[0]))

static const char node_config_listen_default[] = "127.0.0.1:8080";

static uint64_t *node_config_num_field(node_config *cfg, const node_config_num *n)
{
    return (uint64_t *)(void *)((char *)cfg + n->offset);
}

static char *node_config_path_field(node_config *cfg, const node_config_path *p)
{
    return (char *)cfg + p->offset;
}

/* Splits "a.b.c.d:port" or "[v6]:port" into host (without brackets) and port; false
 * when malformed. A port is 1..65535 without leading zeros, or exactly "0" when port0_ok
 * (a listener: the system picks a free port, which the node reports). */
static bool node_config_hostport(const char *s, bool port0_ok,
                                 char host_out[NODE_CONFIG_LISTEN_MAX], uint16_t *port_out,
                                 int *ipv6_out)
{
    size_t len = strlen(s);
    if (len == 0 || len >= NODE_CONFIG_LISTEN_MAX) {
        return false;
    }
    const char *host = s;
    const char *port;
    const char *colon;
    bool ipv6 = s[0] == '[';
    if (ipv6) {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':') {
            return false;
        }
        host = s + 1;
        colon = close + 1;
        port = close + 2;
        len = (size_t)(close - host);
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL) {
            return false;
        }
        port = colon + 1;
        len = (size_t)(colon - host);
    }
    char h[NODE_CONFIG_LISTEN_MAX];
    memcpy(h, host, len);
    h[len] = '\0';
    unsigned char addr[16];
    if (inet_pton(ipv6 ? AF_INET6 : AF_INET, h, addr) != 1) {
        return false;
    }
    size_t port_len = strlen(port);
    unsigned long p = 0;
    bool zero = port0_ok && strcmp(port, "0") == 0;
    for (size_t i = 0; i < port_len && !zero; i++) {
        p = (port[i] >= '0' && port[i] <= '9') ? p * 10 + (unsigned long)(port[i] - '0') : 0;
        if (p == 0 || p > 65535) {
            return false;
        }
    }
    if (port_len == 0 || colon[0] != ':') {
        return false;
    }
    memcpy(host_out, h, len + 1);
    *port_out = (uint16_t)p;
    *ipv6_out = ipv6;
    return true;
}

static bool node_config_listen(node_config *cfg, const char *s)
{
    if (!node_config_hostport(s, true, cfg->api_host, &cfg->api_port, &cfg->api_ipv6)) {
        return false;
    }
    memcpy(cfg->api_listen, s, strlen(s) + 1);
    return true;
}

static size_t node_config_line(const chr_config *c, const char *section, const char *key);

/* [p2p] listen (one address or empty) and peers (comma-separated addresses). */
static chr_err node_config_read_p2p(node_config *cfg, const chr_config *c, char *errmsg, size_t cap)
{
    char host[NODE_CONFIG_LISTEN_MAX];
    uint16_t port;
    int ipv6;
    const char *listen = chr_config_get(c, "p2p", "listen");
    if (listen != NULL && listen[0] != '\0') {
        if (!node_config_hostport(listen, true, host, &port, &ipv6)) {
            chr_errmsg_set(errmsg, cap,
                           "line %zu: [p2p] listen: must be empty, IPv4:port or [IPv6]:port "
                           "with a port from 0 (any free port) to 65535",
                           node_config_line(c, "p2p", "listen"));
            return CHR_ERR_CONFIG;
        }
        memcpy(cfg->p2p_listen, listen, strlen(listen) + 1);
    }
    const char *peers = chr_config_get(c, "p2p", "peers");
    for (const char *at = peers; at != NULL && *at != '\0';) {
        const char *comma = strchr(at, ',');
        size_t len = comma != NULL ? (size_t)(comma - at) : strlen(at);
        while (len > 0 && at[0] == ' ') {
            at++;
            len--;
        }
        while (len > 0 && at[len - 1] == ' ') {
            len--;
        }
        char one[NODE_CONFIG_LISTEN_MAX];
        if (len == 0 || len >= sizeof(one) || cfg->p2p_peers_len == NODE_P2P_PEERS_MAX) {
            chr_errmsg_set(errmsg, cap,
                           "line %zu: [p2p] peers: at most %d comma-separated addresses",
                           node_config_line(c, "p2p", "peers"), NODE_P2P_PEERS_MAX);
            return CHR_ERR_CONFIG;
        }
        memcpy(one, at, len);
        one[len] = '\0';
        if (!node_config_hostport(one, false, host, &port, &ipv6)) {
            chr_errmsg_set(errmsg, cap, "line %zu: [p2p] peers: %s is not IPv4:port or [IPv6]:port",
                           node_config_line(c, "p2p", "peers"), one);
            return CHR_ERR_CONFIG;
        }
        memcpy(cfg->p2p_peers[cfg->p2p_peers_len++], one, len + 1);
        at = comma != NULL ? comma + 1 : at + len;
    }
    return CHR_OK;
}

void node_config_default(node_config *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < NODE_CONFIG_PATHS; i++) {
        strcpy(node_config_path_field(out, &node_config_paths[i]), node_config_paths[i].def);
    }
    out->log_level = CHR_LOG_INFO;
    strcpy(out->api_tls_priorities, RPC_TLS_PRIORITIES_DEFAULT);
    CHR_ASSERT(node_config_listen(out, node_config_listen_default));
    for (size_t i = 0; i < NODE_CONFIG_NUMS; i++) {
        *node_config_num_field(out, &node_config_nums[i]) = node_config_nums[i].def;
    }
}

static bool node_config_key_known(const char *section, const char *key)
{
    for (size_t i = 0; i < NODE_CONFIG_NUMS; i++) {
        if (strcmp(section, node_config_nums[i].section) == 0 &&
            strcmp(key, node_config_nums[i].key) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < NODE_CONFIG_PATHS; i++) {
        if (strcmp(section, node_config_paths[i].section) == 0 &&
            strcmp(key, node_config_paths[i].key) == 0) {
            return true;
        }
    }
    return (strcmp(section, "node") == 0 && strcmp(key, "log_level") == 0) ||
           (strcmp(section, "api") == 0 &&
            (strcmp(key, "listen") == 0 || strcmp(key, "tls_priorities") == 0)) ||
           (strcmp(section, "p2p") == 0 &&
            (strcmp(key, "listen") == 0 || strcmp(key, "peers") == 0));
}

/* Every entry must be a key this file reads: a typo is an error, not a silent default. */
static chr_err node_config_known(const chr_config *c, char *errmsg, size_t cap)
{
    static const char *const sections[] = {"node",    "api",   "consensus", "p2p",
                                           "mempool", "store", "analytics"};
    for (size_t i = 0; i < chr_config_count(c); i++) {
        const char *section;
        const char *key;
        size_t line;
        chr_config_entry(c, i, &section, &key, NULL, &line);
        if (node_config_key_known(section, key)) {
            continue;
        }
        bool section_known = false;
        for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
            section_known = section_known || strcmp(sections[s], section) == 0;
        }
        if (section_known) {
            chr_errmsg_set(errmsg, cap, "line %zu: unknown key %s in [%s]", line, key, section);
        } else {
            chr_errmsg_set(errmsg, cap, "line %zu: unknown section [%s]", line, section);
        }
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

/* The line of section/key, for messages about relations between keys; 0 when absent. */
static size_t node_config_line(const chr_config *c, const char *section, const char *key)
{
    for (size_t i = 0; i < chr_config_count(c); i++) {
        const char *s;
        const char *k;
        size_t line;
        chr_config_entry(c, i, &s, &k, NULL, &line);
        if (strcmp(s, section) == 0 && strcmp(k, key) == 0) {
            return line;
        }
    }
    return 0;
}

/* Puts base_dir in front of a relative, non-empty path. */
static chr_err node_config_resolve(char *path, const char *base_dir)
{
    if (path[0] == '\0' || path[0] == '/' || base_dir == NULL || base_dir[0] == '\0' ||
        strcmp(base_dir, ".") == 0) {
        return CHR_OK;
    }
    char joined[NODE_CONFIG_PATH_MAX];
    size_t base_len = strlen(base_dir);
    const char *sep = base_dir[base_len - 1] == '/' ? "" : "/";
    int n = snprintf(joined, sizeof(joined), "%s%s%s", base_dir, sep, path);
    if (n < 0 || (size_t)n >= sizeof(joined)) {
        return CHR_ERR_CONFIG;
    }
    memcpy(path, joined, (size_t)n + 1);
    return CHR_OK;
}

static chr_err node_config_read_node(node_config *cfg, const chr_config *c, const char *base_dir,
                                     char *errmsg, size_t cap)
{
    for (size_t i = 0; i < NODE_CONFIG_PATHS; i++) {
        const node_config_path *p = &node_config_paths[i];
        char *field = node_config_path_field(cfg, p);
        chr_err err =
            chr_config_str(c, p->section, p->key, p->def, field, NODE_CONFIG_PATH_MAX, errmsg, cap);
        if (err != CHR_OK) {
            return err;
        }
        if (field[0] == '\0' && !p->may_be_empty) {
            chr_errmsg_set(errmsg, cap, "line %zu: [%s] %s: must not be empty",
                           node_config_line(c, p->section, p->key), p->section, p->key);
            return CHR_ERR_CONFIG;
        }
        if (node_config_resolve(field, base_dir) != CHR_OK) {
            chr_errmsg_set(errmsg, cap,
                           "line %zu: [%s] %s: longer than %d bytes with the "
                           "config's directory in front",
                           node_config_line(c, p->section, p->key), p->section, p->key,
                           NODE_CONFIG_PATH_MAX - 1);
            return CHR_ERR_CONFIG;
        }
    }
    const char *level = chr_config_get(c, "node", "log_level");
    if (level != NULL) {
        int v = chr_log_level_parse(level);
        if (v < 0) {
            chr_errmsg_set(errmsg, cap,
                           "line %zu: [node] log_level: must be error, warn, "
                           "info or debug",
                           node_config_line(c, "node", "log_level"));
            return CHR_ERR_CONFIG;
        }
        cfg->log_level = (chr_log_level)v;
    }
    return CHR_OK;
}

/* [api] tls_priorities: a GnuTLS priority string, printable ASCII within its bound. Whether
 * GnuTLS takes it is checked when the API starts (rpc_tls_priorities_check). */
static chr_err node_config_tls_priorities(node_config *cfg, const chr_config *c, char *errmsg,
                                          size_t cap)
{
    chr_err err =
        chr_config_str(c, "api", "tls_priorities", RPC_TLS_PRIORITIES_DEFAULT,
                       cfg->api_tls_priorities, sizeof(cfg->api_tls_priorities), errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    const char *p = cfg->api_tls_priorities;
    size_t i = 0;
    while (p[i] > ' ' && p[i] < 0x7f) {
        i++;
    }
    if (i == 0 || p[i] != '\0') {
        chr_errmsg_set(errmsg, cap,
                       "line %zu: [api] tls_priorities: must be a GnuTLS priority string "
                       "(printable, no spaces)",
                       node_config_line(c, "api", "tls_priorities"));
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

static chr_err node_config_read_rest(node_config *cfg, const chr_config *c, char *errmsg,
                                     size_t cap)
{
    for (size_t i = 0; i < NODE_CONFIG_NUMS; i++) {
        const node_config_num *n = &node_config_nums[i];
        chr_err err = chr_config_u64(c, n->section, n->key, n->def, n->min, n->max,
                                     node_config_num_field(cfg, n), errmsg, cap);
        if (err != CHR_OK) {
            return err;
        }
    }
    const char *listen = chr_config_get(c, "api", "listen");
    if (listen != NULL && !node_config_listen(cfg, listen)) {
        chr_errmsg_set(errmsg, cap,
                       "line %zu: [api] listen: must be IPv4:port or "
                       "[IPv6]:port with a port from 0 (any free port) to 65535",
                       node_config_line(c, "api", "listen"));
        return CHR_ERR_CONFIG;
    }
    chr_err err = node_config_read_p2p(cfg, c, errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    if ((cfg->p2p_tls_cert_key_file[0] == '\0') != (cfg->p2p_tls_ca_file[0] == '\0')) {
        chr_errmsg_set(errmsg, cap, "[p2p] tls_cert_key_file and tls_ca_file: set both or neither");
        return CHR_ERR_CONFIG;
    }
    if (cfg->analytics_degraded_after_ms > cfg->analytics_offline_after_ms) {
        chr_errmsg_set(errmsg, cap,
                       "[analytics] degraded_after_ms: must be at most offline_after_ms");
        return CHR_ERR_CONFIG;
    }
    if ((cfg->api_tls_cert_file[0] == '\0') != (cfg->api_tls_key_file[0] == '\0')) {
        chr_errmsg_set(errmsg, cap, "[api] tls_cert_file and tls_key_file: set both or neither");
        return CHR_ERR_CONFIG;
    }
    err = node_config_tls_priorities(cfg, c, errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    if (cfg->api_bodies_keyed_bytes_max < cfg->api_body_bytes_max) {
        chr_errmsg_set(errmsg, cap,
                       "line %zu: [api] bodies_keyed_bytes_max: must be at least body_bytes_max",
                       node_config_line(c, "api", "bodies_keyed_bytes_max"));
        return CHR_ERR_CONFIG;
    }
    uint64_t empty = cfg->consensus_empty_block_interval_ms;
    if (empty != 0 && empty < cfg->consensus_block_interval_ms) {
        chr_errmsg_set(errmsg, cap,
                       "line %zu: [consensus] empty_block_interval_ms: must be 0 "
                       "or at least block_interval_ms",
                       node_config_line(c, "consensus", "empty_block_interval_ms"));
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

chr_err node_config_parse(node_config *out, const char *text, size_t text_len, const char *base_dir,
                          char *errmsg, size_t errmsg_cap)
{
    memset(out, 0, sizeof(*out));
    chr_config *c;
    chr_err err = chr_config_parse(&c, text, text_len, errmsg, errmsg_cap);
    if (err != CHR_OK) {
        return err;
    }
    node_config cfg;
    node_config_default(&cfg);
    err = node_config_known(c, errmsg, errmsg_cap);
    if (err == CHR_OK) {
        err = node_config_read_node(&cfg, c, base_dir, errmsg, errmsg_cap);
    }
    if (err == CHR_OK) {
        err = node_config_read_rest(&cfg, c, errmsg, errmsg_cap);
    }
    chr_config_free(c);
    if (err == CHR_OK) {
        *out = cfg;
    }
    return err;
}

chr_err node_config_load(node_config *out, const char *path, char *errmsg, size_t errmsg_cap)
{
    memset(out, 0, sizeof(*out));
    char why[NODE_CONFIG_ERRMSG_MAX] = "";
    char *text;
    size_t len;
    chr_err err = chr_file_read(path, NODE_CONFIG_FILE_BYTES_MAX, &text, &len, why, sizeof(why));
    if (err == CHR_OK) {
        char dir[NODE_CONFIG_PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t dir_len = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
        if (dir_len >= sizeof(dir)) {
            chr_errmsg_set(why, sizeof(why), "path too long");
            err = CHR_ERR_CONFIG;
        } else {
            memcpy(dir, path, dir_len);
            dir[dir_len] = '\0';
            err = node_config_parse(out, text, len, dir, why, sizeof(why));
        }
        free(text);
    }
    if (err != CHR_OK) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: %s", path, why);
        memset(out, 0, sizeof(*out));
    }
    return err;
}
