/* chroomd: the Chroom ledger node. Reads chain.conf, opens the chain, serves the REST API
 * and produces blocks until SIGINT or SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "common/keyfile.h"
#include "common/log.h"
#include "genesis/genesis.h"
#include "node/apikey_cmd.h"
#include "node/chain.h"
#include "node/config.h"
#include "node/consensus.h"
#include "node/limits.h"
#include "node/ports.h"
#include "node/writer.h"
#include "rpc/analytics.h"
#include "rpc/server.h"

#define CHROOMD_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f, "usage: chroomd --config FILE\n"
               "       chroomd routes      (the REST routes this node answers)\n"
               "       chroomd apikey create|list|revoke --config FILE ...  (API keys)\n"
               "       chroomd --version\n"
               "Runs a Chroom node as chain.conf says (see chain.conf.example).\n");
}

/* The backend the REST server calls, over the chain engine. */
static void be_submit(void *ctx, const uint8_t *const *txs, const size_t *lens, size_t n,
                      rpc_tx_result *results, rpc_submit_done *done, void *arg)
{
    node_chain_submit(ctx, txs, lens, n, results, done, arg);
}

static void be_tx_status(void *ctx, const uint8_t hash[32], rpc_tx_result *out)
{
    node_chain_tx_status(ctx, hash, out);
}

static void be_tip(void *ctx, rpc_tip *out)
{
    node_chain_tip(ctx, out);
}

static void be_watch_tip(void *ctx, rpc_tip_changed *fn, void *arg)
{
    node_chain_watch_tip(ctx, fn, arg);
}

static chr_err be_account(void *ctx, const uint8_t addr[32], ledger_account *out,
                          uint64_t *pending_nonce)
{
    return node_chain_account(ctx, addr, out, pending_nonce);
}

static chr_err be_validators(void *ctx, uint64_t height, ledger_valset *out, uint64_t *at_height)
{
    return node_chain_validators_at(ctx, height, out, at_height);
}

static size_t be_rejections(void *ctx, rpc_count *out, size_t cap)
{
    return node_chain_rejections(ctx, out, cap);
}

static int load_inputs(const char *path, node_config *cfg, genesis *g, node_chain_config *cc)
{
    char err[512];
    if (node_config_load(cfg, path, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "chroomd: %s\n", err);
        return 0;
    }
    chr_log_set_level(cfg->log_level);
    if (genesis_load_file(g, cfg->genesis_file, err, sizeof(err)) != CHR_OK ||
        genesis_validate(g, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "chroomd: genesis: %s\n", err);
        return 0;
    }
    memset(cc, 0, sizeof(*cc));
    cc->data_dir = cfg->data_dir;
    cc->map_size = (size_t)cfg->store_map_size_mb << 20;
    cc->state_cache_bytes = (size_t)cfg->store_state_cache_mb << 20;
    cc->state_versions_kept = cfg->store_state_versions_kept;
    cc->mempool_txs_max = cfg->mempool_txs_max;
    cc->mempool_bytes_max = cfg->mempool_bytes_max;
    cc->verifier_threads = (unsigned)cfg->store_verifier_threads;
    cc->verifier_nice = (unsigned)cfg->store_verifier_nice;
    if (cfg->validator_key_file[0] != '\0') {
        if (chr_keyfile_read(cfg->validator_key_file, cc->validator_sk, err, sizeof(err)) !=
            CHR_OK) {
            fprintf(stderr, "chroomd: validator key: %s\n", err);
            return 0;
        }
        cc->has_validator_key = 1;
    }
    return 1;
}

/* Logs "<what>: listening on <host>:<port><how>": the configured address with the port the
 * listener got (the one the system chose when the config says port 0). */
static void log_listening(const char *what, const char *listen, uint16_t port, const char *how)
{
    const char *colon = strrchr(listen, ':');
    CHR_ASSERT(colon != NULL && port != 0); /* node_config checked the address */
    CHR_LOG_I("%s: listening on %.*s:%u%s", what, (int)(colon - listen), listen, (unsigned)port,
              how);
}

/* Blocks come from consensus: among the validators with [p2p] listen or peers set, and for
 * a node that holds the only validator key also without (solo: the devnet of `make run`,
 * consensus with one validator and no transport). Wipes the validator key either way. */
static int start_consensus(const node_config *cfg, node_chain_config *cc, node_chain *chain,
                           node_consensus **out)
{
    int ok = 1;
    if (cfg->p2p_listen[0] != '\0' || cfg->p2p_peers_len > 0 || node_chain_sole_validator(chain)) {
        char err[512] = "";
        uint8_t node_sk[32];
        if (cfg->p2p_node_key_file[0] != '\0') {
            ok = chr_keyfile_read(cfg->p2p_node_key_file, node_sk, err, sizeof(err)) == CHR_OK;
        } else if (cc->has_validator_key) {
            memcpy(node_sk, cc->validator_sk, 32);
        } else {
            /* A full node without a node key gets a fresh identity each start (32 random
             * bytes are a valid secp256k1 key but for a chance below 2^-127). */
            randombytes_buf(node_sk, sizeof(node_sk));
        }
        ok = ok &&
             node_consensus_start(out, chain, cfg, cc->has_validator_key ? cc->validator_sk : NULL,
                                  node_sk, err, sizeof(err)) == CHR_OK;
        sodium_memzero(node_sk, sizeof(node_sk));
        if (!ok) {
            fprintf(stderr, "chroomd: consensus: %s\n", err);
        } else {
            if (cfg->p2p_listen[0] != '\0') {
                log_listening("p2p", cfg->p2p_listen, node_consensus_p2p_port(*out), "");
            }
            if (cfg->p2p_listen[0] == '\0' && cfg->p2p_peers_len == 0) {
                CHR_LOG_I("consensus: solo, the only validator and no peers: a block when "
                          "transactions wait");
            } else {
                CHR_LOG_I("consensus: %zu persistent peers, %s", cfg->p2p_peers_len,
                          cc->has_validator_key ? "validator" : "full node");
            }
        }
    } else if (cc->has_validator_key) {
        CHR_LOG_I("%zu validators: blocks need consensus among them ([p2p] in chain.conf)",
                  node_chain_validators(chain)->len);
    }
    sodium_memzero(cc->validator_sk, sizeof(cc->validator_sk));
    return ok;
}

static void free_secret(char *s)
{
    if (s != NULL) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

static int loopback(const node_config *cfg)
{
    return cfg->api_ipv6 ? strcmp(cfg->api_host, "::1") == 0
                         : strncmp(cfg->api_host, "127.", 4) == 0;
}

/* Checks [api] tls_priorities, reads the TLS certificate and key when configured, and
 * refuses plain HTTP on a public address unless the config allows it explicitly. */
static int load_tls(const node_config *cfg, char **cert, char **key)
{
    char err[256];
    size_t len;
    *cert = NULL;
    *key = NULL;
    if (rpc_tls_priorities_check(cfg->api_tls_priorities, err, sizeof(err)) != CHR_OK) {
        CHR_LOG_E("[api] tls_priorities \"%s\": %s", cfg->api_tls_priorities, err);
        return 0;
    }
    if (cfg->api_tls_cert_file[0] == '\0') {
        if (!loopback(cfg) && !cfg->api_plain_http_public) {
            CHR_LOG_E("[api] listen %s is not a loopback address: set tls_cert_file and "
                      "tls_key_file for HTTPS, or plain_http_public = 1 to serve plain HTTP there",
                      cfg->api_listen);
            return 0;
        }
        return 1;
    }
    if (chr_file_read(cfg->api_tls_cert_file, NODE_PEM_BYTES_MAX, cert, &len, err, sizeof(err)) !=
            CHR_OK ||
        chr_file_read(cfg->api_tls_key_file, NODE_PEM_BYTES_MAX, key, &len, err, sizeof(err)) !=
            CHR_OK) {
        CHR_LOG_E("TLS: %s: %s", *cert == NULL ? cfg->api_tls_cert_file : cfg->api_tls_key_file,
                  err);
        free(*cert);
        *cert = NULL;
        return 0;
    }
    return 1;
}

/* The API's access layer: the key store in data_dir/apikeys/ and the rate limits. */
static rpc_auth *open_auth(const node_config *cfg)
{
    rpc_auth_config ac = {
        .data_dir = cfg->data_dir,
        .token_ttl_s = cfg->api_token_ttl_s,
        .session_ttl_s = cfg->api_session_ttl_s,
        .rate_standard_per_min = cfg->api_rate_limit_standard_per_min,
        .rate_premium_per_min = cfg->api_rate_limit_premium_per_min,
        .rate_unauthenticated_per_min = cfg->api_rate_limit_unauthenticated_per_min,
    };
    rpc_auth *auth;
    char err[512];
    if (rpc_auth_open(&auth, &ac, err, sizeof(err)) != CHR_OK) {
        CHR_LOG_E("API keys: %s", err);
        return NULL;
    }
    return auth;
}

/* The heartbeat store in data_dir/analytics/ (rpc/analytics.h). */
static rpc_analytics *open_analytics(const node_config *cfg)
{
    rpc_an_config ac = {
        .data_dir = cfg->data_dir,
        .map_mb = cfg->analytics_map_mb,
        .retention_ms = cfg->analytics_retention_hours * 3600 * 1000,
        .offline_after_ms = cfg->analytics_offline_after_ms,
        .degraded_after_ms = cfg->analytics_degraded_after_ms,
        .clock_skew_ms = cfg->analytics_clock_skew_ms,
        .interval_min_ms = cfg->analytics_interval_min_ms,
        .addr_per_min = cfg->analytics_per_min_per_address,
    };
    rpc_analytics *a;
    char err[512];
    if (rpc_analytics_open(&a, &ac, err, sizeof(err)) != CHR_OK) {
        CHR_LOG_E("analytics: %s", err);
        return NULL;
    }
    return a;
}

/* Once every listener is bound: the log line, and the ports file (node/ports.h) that
 * scripts and tests read when the config says port 0. */
static int announce_ports(const node_config *cfg, const rpc_server *srv, uint16_t p2p_port, int tls)
{
    log_listening("api", cfg->api_listen, rpc_server_port(srv), tls ? " (https)" : " (http)");
    char err[NODE_CONFIG_PATH_MAX + 128];
    if (node_ports_write(cfg->data_dir, (long)getpid(), rpc_server_port(srv), p2p_port, err,
                         sizeof(err)) != CHR_OK) {
        CHR_LOG_E("ports file: %s", err);
        return 0;
    }
    return 1;
}

/* The API's connection slots (docs/API.md, "Connections"). Each is a descriptor, so the
 * soft open-files limit is raised to the hard one first; then [api] connections_max, or
 * when it is 0 all the descriptors but RPC_FDS_RESERVED, up to RPC_CONNECTIONS_AUTO_MAX. A
 * configured number the limit cannot hold is cut to what it can, with a warning. */
static unsigned api_connections(const node_config *cfg)
{
    struct rlimit rl;
    uint64_t fds = 1024;
    uint64_t before = fds;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        before = rl.rlim_cur;
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
                rl.rlim_cur = (rlim_t)before;
            }
        }
        fds = rl.rlim_cur;
    }
    uint64_t room = fds > 2 * RPC_FDS_RESERVED ? fds - RPC_FDS_RESERVED : fds / 2;
    room = room < NODE_API_CONNECTIONS_MAX ? room : NODE_API_CONNECTIONS_MAX;
    uint64_t n = cfg->api_connections_max;
    if (n == 0) {
        n = room < RPC_CONNECTIONS_AUTO_MAX ? room : RPC_CONNECTIONS_AUTO_MAX;
    } else if (n > room) {
        CHR_LOG_W("[api] connections_max %llu: the open-files limit (%llu) holds only %llu",
                  (unsigned long long)n, (unsigned long long)fds, (unsigned long long)room);
        n = room;
    }
    CHR_LOG_I("api: %llu connection slots (open-files limit %llu, was %llu)", (unsigned long long)n,
              (unsigned long long)fds, (unsigned long long)before);
    return (unsigned)(n > 0 ? n : 1);
}

static int serve(const node_config *cfg, node_chain *chain, uint64_t supply, uint16_t p2p_port)
{
    char *tls_cert;
    char *tls_key;
    if (!load_tls(cfg, &tls_cert, &tls_key)) {
        return 0;
    }
    rpc_server_config rc;
    memset(&rc, 0, sizeof(rc));
    snprintf(rc.listen, sizeof(rc.listen), "%s", cfg->api_listen);
    rc.body_bytes_max = cfg->api_body_bytes_max;
    rc.connections_max = api_connections(cfg);
    /* A per-address limit above the total means no per-address limit. */
    rc.connections_per_ip_max = (unsigned)(cfg->api_connections_per_ip_max < rc.connections_max
                                               ? cfg->api_connections_per_ip_max
                                               : rc.connections_max);
    rc.connection_timeout_s = (unsigned)cfg->api_connection_timeout_s;
    rc.request_timeout_s = (unsigned)cfg->api_request_timeout_s;
    rc.bodies_open_bytes_max = cfg->api_bodies_open_bytes_max;
    rc.bodies_keyed_bytes_max = cfg->api_bodies_keyed_bytes_max;
    rc.threads = (unsigned)cfg->api_threads;
    rc.wait_timeout_ms = cfg->api_wait_timeout_ms;
    rc.version = CHROOMD_VERSION;
    rc.tls_cert_pem = tls_cert;
    rc.tls_key_pem = tls_key;
    rc.tls_priorities = cfg->api_tls_priorities;
    if (cfg->api_sponsor_key_file[0] != '\0') {
        char err[256];
        if (chr_keyfile_read(cfg->api_sponsor_key_file, rc.sponsor_sk, err, sizeof(err)) !=
            CHR_OK) {
            CHR_LOG_E("[api] sponsor_key_file: %s", err);
            free(tls_cert);
            free_secret(tls_key);
            return 0;
        }
        rc.has_sponsor = 1;
        rc.sponsor_spend_per_day = cfg->api_sponsor_spend_per_day;
    }
    rc.auth = open_auth(cfg);
    rc.analytics = rc.auth != NULL ? open_analytics(cfg) : NULL;
    if (rc.analytics == NULL) {
        rpc_auth_close(rc.auth);
        free(tls_cert);
        free_secret(tls_key);
        return 0;
    }
    /* When no block for a while means the chain stalled (/health's stalled): a network of
     * several validators makes a block every block_interval_ms, empty or not; a single
     * validator only when transactions wait or, with empty_block_interval_ms set, at that
     * interval, so without it a quiet chain cannot be told from a stalled one. */
    uint64_t stall_ms = cfg->api_health_stall_ms;
    if (stall_ms > 0 && node_chain_validators(chain)->len <= 1) {
        uint64_t empty = cfg->consensus_empty_block_interval_ms;
        stall_ms = empty > 0 ? stall_ms + empty : 0;
    }
    rpc_backend be = {
        .ctx = chain,
        .submit = be_submit,
        .tx_status = be_tx_status,
        .tip = be_tip,
        .account = be_account,
        .watch_tip = be_watch_tip,
        .store = node_chain_store(chain),
        .params = node_chain_params(chain),
        .supply = supply,
        .rejections = be_rejections,
        .validators = be_validators,
        .stall_ms = stall_ms,
    };
    rpc_server *srv;
    chr_err started = rpc_server_start(&srv, &rc, &be);
    sodium_memzero(rc.sponsor_sk, sizeof(rc.sponsor_sk)); /* the server keeps its copy */
    if (started != CHR_OK) {
        CHR_LOG_E("cannot serve the API on %s (address in use, not an address, or a bad TLS "
                  "certificate or key)",
                  cfg->api_listen);
        rpc_auth_close(rc.auth);
        rpc_analytics_close(rc.analytics);
        free(tls_cert);
        free_secret(tls_key);
        return 0;
    }
    int ok = announce_ports(cfg, srv, p2p_port, tls_cert != NULL);
    /* SIGINT and SIGTERM are blocked in every thread (main blocked them before starting
     * any), so this thread receives them here, without a race. */
    sigset_t set;
    int sig;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (ok) {
        sigwait(&set, &sig);
        CHR_LOG_I("stopping on signal %d", sig);
    }
    rpc_server_stop(srv);
    char err[NODE_CONFIG_PATH_MAX + 128];
    if (node_ports_remove(cfg->data_dir, err, sizeof(err)) != CHR_OK) {
        CHR_LOG_W("ports file: %s", err);
    }
    rpc_auth_close(rc.auth);
    rpc_analytics_close(rc.analytics);
    free(tls_cert);
    free_secret(tls_key);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "apikey") == 0) {
        return node_apikey_main(argc - 1, argv + 1);
    }
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else if (strcmp(argv[i], "routes") == 0 && argc == 2) {
            rpc_routes_print(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("chroomd %s\n", CHROOMD_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "chroomd: unknown argument %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (config == NULL) {
        usage(stderr);
        return 2;
    }
    if (chr_hash_init() != CHR_OK) {
        fprintf(stderr, "chroomd: libsodium failed to start\n");
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    static node_config cfg;
    genesis g;
    genesis_init(&g);
    node_chain_config cc;
    if (!load_inputs(config, &cfg, &g, &cc)) {
        genesis_free(&g);
        return 1;
    }
    node_chain *chain;
    char err[512];
    uint64_t supply = 0;
    chr_err e = genesis_supply(&g, &supply);
    e = e ? e : node_chain_open(&chain, &cc, &g, err, sizeof(err));
    genesis_free(&g);
    if (e != CHR_OK) {
        fprintf(stderr, "chroomd: %s\n", err);
        return 1;
    }
    /* A ports file left by a run that was killed must not be taken for this run's. */
    if (node_ports_remove(cfg.data_dir, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "chroomd: ports file: %s\n", err);
        node_chain_close(chain);
        return 1;
    }
    node_consensus *engine = NULL;
    if (!start_consensus(&cfg, &cc, chain, &engine)) {
        node_chain_close(chain);
        return 1;
    }
    node_writer *writer = NULL;
    int ok = node_writer_start(&writer, chain, engine) == CHR_OK &&
             serve(&cfg, chain, supply, node_consensus_p2p_port(engine));
    /* Stop order: peers stop calling into the chain, then the writer ends (answering what
     * is queued), then the chain closes, then the transport goes. */
    node_consensus_detach(engine);
    node_writer_stop(writer);
    node_chain_close(chain);
    node_consensus_free(engine);
    return ok ? 0 : 1;
}
