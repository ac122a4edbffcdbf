#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "node/config.h"
#include "rpc/limits.h"
#include "tests/unit/genesis/helpers.h"
#include "tests/unit/genesis/suite.h"
#include "tests/unit/test.h"

static chr_err tc_parse(const char *text, char *err)
{
    chr_config *c = NULL;
    chr_err e = chr_config_parse(&c, text, strlen(text), err, 256);
    chr_config_free(c);
    return e;
}

/* Proves comments, blanks, CRLF, quoted and empty values parse, in order, with line numbers. */
void test_config_parses_good_file(void)
{
    static const char text[] = "# a comment\n"
                               "; another\n"
                               "\n"
                               "[node]\r\n"
                               "  data_dir   =  /var/lib/chroom  \n"
                               "name = \"  spaced value \"\n"
                               "empty =\n"
                               "quoted_empty = \"\"\n"
                               "[api.v1]\n"
                               "\tlisten=127.0.0.1:1\t\n"
                               "[node]\n"
                               "url = http://x/?a=b#c\n"
                               "last = no newline";
    chr_config *c;
    char err[256];
    CHECK_OK(chr_config_parse(&c, text, sizeof(text) - 1, err, sizeof(err)));
    const char *s;
    const char *k;
    const char *v;
    size_t line;
    int ok = chr_config_count(c) == 7;
    ok = ok && strcmp(chr_config_get(c, "node", "data_dir"), "/var/lib/chroom") == 0;
    ok = ok && strcmp(chr_config_get(c, "node", "name"), "  spaced value ") == 0;
    ok = ok && strcmp(chr_config_get(c, "node", "empty"), "") == 0;
    ok = ok && strcmp(chr_config_get(c, "node", "quoted_empty"), "") == 0;
    ok = ok && strcmp(chr_config_get(c, "api.v1", "listen"), "127.0.0.1:1") == 0;
    ok = ok && strcmp(chr_config_get(c, "node", "url"), "http://x/?a=b#c") == 0;
    ok = ok && strcmp(chr_config_get(c, "node", "last"), "no newline") == 0;
    ok = ok && chr_config_get(c, "node", "listen") == NULL;
    if (ok) {
        chr_config_entry(c, 4, &s, &k, &v, &line);
        ok = strcmp(s, "api.v1") == 0 && strcmp(k, "listen") == 0 && line == 10;
    }
    chr_config_free(c);
    CHECK(ok);
    CHECK_OK(chr_config_parse(&c, "", 0, err, sizeof(err)));
    CHECK(chr_config_count(c) == 0);
    chr_config_free(c);
}

/* Proves a key twice in one section is an error naming both lines; across sections it is fine. */
void test_config_rejects_duplicate_key(void)
{
    char err[256];
    CHECK(tc_parse("[a]\nx = 1\n\n[b]\nx = 2\n[a]\nx = 3\n", err) == CHR_ERR_CONFIG);
    CHECK(strstr(err, "line 7") != NULL);
    CHECK(strstr(err, "line 2") != NULL);
    CHECK_OK(tc_parse("[a]\nx = 1\n[b]\nx = 1\n", err));
}

/* Proves malformed lines are rejected with their line number. */
void test_config_rejects_bad_lines(void)
{
    static const char *const bad[] = {
        "[a]\njunk\n",
        "[A]\n",
        "[a b]\n",
        "[]\n",
        "[a\n",
        "x = 1\n",
        "[a]\n= 1\n",
        "[a]\nX = 1\n",
        "[a]\nx y = 1\n",
        "[a]\nx = \"1\n",
        "[a]\nx = 1\"\n",
        "[a]\nx = \"a\"b\"\n",
        "[a]\nx = a\001b\n",
        "[a]\nx = a\rb\n",
        "[a]\nx = \x7f\n",
        "[a] # c\n",
    };
    char err[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(tc_parse(bad[i], err) == CHR_ERR_CONFIG);
        CHECK(strncmp(err, "line ", 5) == 0);
    }
    chr_config *c = (chr_config *)1;
    static const char nul[] = "[a]\nx = a\0b\n";
    CHECK(chr_config_parse(&c, nul, sizeof(nul) - 1, err, sizeof(err)) == CHR_ERR_CONFIG);
    CHECK(c == NULL);
    CHECK(strstr(err, "line 2") != NULL);
}

/* Proves lines are bounded at CHR_CONFIG_LINE_MAX bytes and files at CHR_CONFIG_ENTRIES_MAX. */
void test_config_bounds(void)
{
    char *text = malloc(CHR_CONFIG_LINE_MAX + 64);
    CHECK(text != NULL);
    strcpy(text, "[a]\nx = ");
    size_t n = strlen(text);
    memset(text + n, 'v', CHR_CONFIG_LINE_MAX - 4);
    text[n + CHR_CONFIG_LINE_MAX - 4] = '\0';
    char err[256];
    chr_err ok_len = tc_parse(text, err);
    strcat(text, "v\n");
    chr_err long_len = tc_parse(text, err);
    free(text);
    CHECK_OK(ok_len);
    CHECK(long_len == CHR_ERR_CONFIG);
    CHECK(strstr(err, "line 2: longer than 1024") != NULL);
    size_t cap = 16 + (CHR_CONFIG_ENTRIES_MAX + 1) * 16;
    text = malloc(cap);
    CHECK(text != NULL);
    size_t len = (size_t)snprintf(text, cap, "[s]\n");
    for (int i = 0; i < CHR_CONFIG_ENTRIES_MAX; i++) {
        len += (size_t)snprintf(text + len, cap - len, "k%d = 1\n", i);
    }
    chr_err at_max = tc_parse(text, err);
    snprintf(text + len, cap - len, "over = 1\n");
    chr_err over_max = tc_parse(text, err);
    free(text);
    CHECK_OK(at_max);
    CHECK(over_max == CHR_ERR_CONFIG);
}

/* Proves typed reads: defaults, ranges, canonical decimals, true/false, bounded strings. */
void test_config_typed_values(void)
{
    static const char text[] = "[t]\nn = 42\nbig = 18446744073709551615\nz = 01\nneg = -1\n"
                               "k = 4k\nyes = true\nno = false\nbad = yes\ns = hello\n";
    chr_config *c;
    char err[256];
    CHECK_OK(chr_config_parse(&c, text, sizeof(text) - 1, err, sizeof(err)));
    uint64_t v[8];
    bool b[3];
    char s[6];
    char s_short[5];
    chr_err e[14];
    e[0] = chr_config_u64(c, "t", "n", 1, 0, 100, &v[0], err, sizeof(err));
    e[1] = chr_config_u64(c, "t", "absent", 7, 0, 100, &v[1], err, sizeof(err));
    e[2] = chr_config_u64(c, "t", "big", 0, 0, UINT64_MAX, &v[2], err, sizeof(err));
    e[3] = chr_config_u64(c, "t", "n", 1, 0, 41, &v[3], err, sizeof(err));
    e[4] = chr_config_u64(c, "t", "z", 1, 0, 100, &v[4], err, sizeof(err));
    e[5] = chr_config_u64(c, "t", "neg", 1, 0, 100, &v[5], err, sizeof(err));
    e[6] = chr_config_u64(c, "t", "k", 1, 0, 100000, &v[6], err, sizeof(err));
    int k_line = strstr(err, "line 6: [t] k:") != NULL;
    e[7] = chr_config_bool(c, "t", "yes", false, &b[0], err, sizeof(err));
    e[8] = chr_config_bool(c, "t", "no", true, &b[1], err, sizeof(err));
    e[9] = chr_config_bool(c, "t", "bad", true, &b[2], err, sizeof(err));
    e[10] = chr_config_str(c, "t", "s", "", s, sizeof(s), err, sizeof(err));
    e[11] = chr_config_str(c, "t", "s", "", s_short, sizeof(s_short), err, sizeof(err));
    char short_after_error = s_short[0];
    e[12] = chr_config_u64(c, "t", "n", 50, 43, 100, &v[7], err, sizeof(err));
    e[13] = chr_config_str(c, "t", "absent", "dflt", s_short, sizeof(s_short), err, sizeof(err));
    chr_config_free(c);
    CHECK(e[0] == CHR_OK && v[0] == 42);
    CHECK(e[1] == CHR_OK && v[1] == 7);
    CHECK(e[2] == CHR_OK && v[2] == UINT64_MAX);
    CHECK(e[3] == CHR_ERR_CONFIG && v[3] == 0);
    CHECK(e[4] == CHR_ERR_CONFIG && e[5] == CHR_ERR_CONFIG && e[6] == CHR_ERR_CONFIG);
    CHECK(k_line);
    CHECK(e[7] == CHR_OK && b[0] && e[8] == CHR_OK && !b[1]);
    CHECK(e[9] == CHR_ERR_CONFIG && !b[2]);
    CHECK(e[10] == CHR_OK && strcmp(s, "hello") == 0);
    CHECK(e[11] == CHR_ERR_CONFIG && short_after_error == '\0');
    CHECK(e[12] == CHR_ERR_CONFIG);
    CHECK(e[13] == CHR_OK && strcmp(s_short, "dflt") == 0);
}

static int tc_config_equal(const node_config *a, const node_config *b)
{
    return strcmp(a->data_dir, b->data_dir) == 0 && strcmp(a->genesis_file, b->genesis_file) == 0 &&
           strcmp(a->validator_key_file, b->validator_key_file) == 0 &&
           a->log_level == b->log_level && strcmp(a->api_listen, b->api_listen) == 0 &&
           strcmp(a->api_host, b->api_host) == 0 && a->api_port == b->api_port &&
           a->api_ipv6 == b->api_ipv6 && a->api_wait_timeout_ms == b->api_wait_timeout_ms &&
           a->api_body_bytes_max == b->api_body_bytes_max &&
           a->api_connections_max == b->api_connections_max &&
           a->api_connection_timeout_s == b->api_connection_timeout_s &&
           a->api_request_timeout_s == b->api_request_timeout_s &&
           a->api_health_stall_ms == b->api_health_stall_ms &&
           a->api_bodies_open_bytes_max == b->api_bodies_open_bytes_max &&
           a->api_bodies_keyed_bytes_max == b->api_bodies_keyed_bytes_max &&
           a->api_threads == b->api_threads &&
           strcmp(a->api_tls_priorities, b->api_tls_priorities) == 0 &&
           a->consensus_block_interval_ms == b->consensus_block_interval_ms &&
           a->consensus_empty_block_interval_ms == b->consensus_empty_block_interval_ms &&
           a->mempool_txs_max == b->mempool_txs_max &&
           a->mempool_bytes_max == b->mempool_bytes_max &&
           a->store_map_size_mb == b->store_map_size_mb &&
           a->store_verifier_threads == b->store_verifier_threads &&
           a->store_verifier_nice == b->store_verifier_nice &&
           a->store_state_cache_mb == b->store_state_cache_mb &&
           a->store_state_versions_kept == b->store_state_versions_kept &&
           a->analytics_retention_hours == b->analytics_retention_hours &&
           a->analytics_map_mb == b->analytics_map_mb &&
           a->analytics_offline_after_ms == b->analytics_offline_after_ms &&
           a->analytics_degraded_after_ms == b->analytics_degraded_after_ms &&
           a->analytics_clock_skew_ms == b->analytics_clock_skew_ms &&
           a->analytics_interval_min_ms == b->analytics_interval_min_ms &&
           a->analytics_per_min_per_address == b->analytics_per_min_per_address;
}

/* Proves chain.conf.example sets every key and equals node_config_default, as does "". */
void test_node_config_example_is_default(void)
{
    node_config want;
    node_config got;
    char err[256];
    node_config_default(&want);
    CHECK(strcmp(want.api_host, "127.0.0.1") == 0 && want.api_port == 8080);
    CHECK(want.consensus_block_interval_ms == 200 && want.log_level == CHR_LOG_INFO);
    chr_err e = node_config_load(&got, "chain.conf.example", err, sizeof(err));
    if (e != CHR_OK) {
        printf("# %s\n", err);
    }
    CHECK_OK(e);
    CHECK(tc_config_equal(&want, &got));
    CHECK_OK(node_config_parse(&got, "", 0, NULL, err, sizeof(err)));
    CHECK(tc_config_equal(&want, &got));
    /* Every key is present in the example (typo safety documents every key). */
    FILE *f = fopen("chain.conf.example", "rb");
    CHECK(f != NULL);
    char text[32768];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    CHECK(n < sizeof(text) - 1); /* the whole example was read */
    text[n] = '\0';
    chr_config *c;
    CHECK_OK(chr_config_parse(&c, text, n, err, sizeof(err)));
    size_t count = chr_config_count(c);
    chr_config_free(c);
    CHECK(count == 54); /* with [api] sponsor_key_file and sponsor_spend_per_day, the 7
                         * keys of [analytics] and [store] verifier_nice */
}

/* Proves unknown keys and unknown sections are errors with their line, not ignored. */
void test_node_config_rejects_unknown(void)
{
    node_config cfg;
    char err[256];
    static const char typo[] = "[node]\ndata_dir = d\n[api]\nlisten_addr = 1.2.3.4:5\n";
    CHECK(node_config_parse(&cfg, typo, sizeof(typo) - 1, NULL, err, sizeof(err)) ==
          CHR_ERR_CONFIG);
    CHECK(strstr(err, "line 4: unknown key listen_addr in [api]") != NULL);
    CHECK(cfg.data_dir[0] == '\0' && cfg.api_port == 0);
    static const char section[] = "[mempol]\ntxs_max = 5\n";
    CHECK(node_config_parse(&cfg, section, sizeof(section) - 1, NULL, err, sizeof(err)) ==
          CHR_ERR_CONFIG);
    CHECK(strstr(err, "line 2: unknown section [mempol]") != NULL);
}

static chr_err tc_node(const char *text, node_config *cfg)
{
    char err[256];
    return node_config_parse(cfg, text, strlen(text), NULL, err, sizeof(err));
}

/* Proves [analytics]: its keys are read within their ranges, and a degraded threshold past
 * the offline one is refused (a node would go offline without ever being degraded). */
void test_node_config_analytics(void)
{
    node_config cfg;
    CHECK_OK(tc_node("[analytics]\noffline_after_ms = 3000\ndegraded_after_ms = 3000\n"
                     "retention_hours = 2\nmap_mb = 16\n",
                     &cfg));
    CHECK(cfg.analytics_offline_after_ms == 3000 && cfg.analytics_retention_hours == 2);
    CHECK(tc_node("[analytics]\ndegraded_after_ms = 70000\n", &cfg) == CHR_ERR_CONFIG);
    CHECK(tc_node("[analytics]\nretention_hours = 1\n", &cfg) == CHR_ERR_CONFIG);
    CHECK(tc_node("[analytics]\nmap_mb = 15\n", &cfg) == CHR_ERR_CONFIG);
    CHECK(tc_node("[analytics]\nwindow = 1\n", &cfg) == CHR_ERR_CONFIG);
}

/* Proves value checks: listen forms, log levels, ranges and the two block intervals' order. */
void test_node_config_values(void)
{
    node_config cfg;
    CHECK_OK(tc_node("[api]\nlisten = [::1]:9000\n[node]\nlog_level = debug\n", &cfg));
    CHECK(cfg.api_ipv6 && strcmp(cfg.api_host, "::1") == 0 && cfg.api_port == 9000);
    CHECK(cfg.log_level == CHR_LOG_DEBUG);
    CHECK_OK(tc_node("[api]\nlisten = 0.0.0.0:65535\n", &cfg));
    CHECK(!cfg.api_ipv6 && strcmp(cfg.api_host, "0.0.0.0") == 0 && cfg.api_port == 65535);
    /* Port 0: the system picks a free port, which the node reports (node/ports.h). */
    CHECK_OK(tc_node("[api]\nlisten = 127.0.0.1:0\n", &cfg));
    CHECK(strcmp(cfg.api_host, "127.0.0.1") == 0 && cfg.api_port == 0);
    CHECK_OK(tc_node("[api]\nlisten = [::1]:0\n", &cfg));
    CHECK(cfg.api_ipv6 && strcmp(cfg.api_listen, "[::1]:0") == 0 && cfg.api_port == 0);
    static const char *const bad[] = {
        "[api]\nlisten = localhost:80\n",
        "[api]\nlisten = 1.2.3.4\n",
        "[api]\nlisten = 1.2.3.4:00\n",
        "[api]\nlisten = 1.2.3.4:-0\n",
        "[api]\nlisten = 1.2.3.4:65536\n",
        "[api]\nlisten = 1.2.3.4:080\n",
        "[api]\nlisten = [::1]8080\n",
        "[api]\nlisten = ::1:8080\n",
        "[api]\nlisten = 1.2.3.4:8a\n",
        "[api]\nlisten = [1.2.3.4]:80\n",
        "[api]\nlisten =\n",
        "[node]\nlog_level = verbose\n",
        "[consensus]\nblock_interval_ms = 0\n",
        "[consensus]\nblock_interval_ms = 60001\n",
        "[consensus]\nempty_block_interval_ms = 100\n",
        "[api]\nwait_timeout_ms = 60001\n",
        "[store]\nmap_size_mb = 0\n",
        "[mempool]\ntxs_max = 0\n",
        "[node]\ndata_dir = \"a\"\"\n",
        "[node]\ndata_dir =\n",
        "[node]\ngenesis_file = \"\"\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(tc_node(bad[i], &cfg) == CHR_ERR_CONFIG);
        CHECK(cfg.api_port == 0);
    }
    CHECK_OK(
        tc_node("[consensus]\nblock_interval_ms = 100\nempty_block_interval_ms = 100\n", &cfg));
    CHECK(cfg.consensus_empty_block_interval_ms == 100);
}

/* Proves [api] body_bytes_max has the one definition of rpc/limits.h: its default and both
 * ends of its range are RPC_BODY_BYTES_*, and chain.conf.example states that range. */
void test_node_config_body_limit_is_rpc_limits(void)
{
    node_config cfg;
    node_config_default(&cfg);
    CHECK(cfg.api_body_bytes_max == RPC_BODY_BYTES_DEFAULT);
    char text[128];
    snprintf(text, sizeof(text), "[api]\nbody_bytes_max = %u\n", (unsigned)RPC_BODY_BYTES_MIN);
    CHECK_OK(tc_node(text, &cfg));
    CHECK(cfg.api_body_bytes_max == RPC_BODY_BYTES_MIN);
    snprintf(text, sizeof(text), "[api]\nbody_bytes_max = %u\n", (unsigned)RPC_BODY_BYTES_MAX);
    CHECK_OK(tc_node(text, &cfg));
    CHECK(cfg.api_body_bytes_max == RPC_BODY_BYTES_MAX);
    snprintf(text, sizeof(text), "[api]\nbody_bytes_max = %u\n", (unsigned)RPC_BODY_BYTES_MIN - 1);
    CHECK(tc_node(text, &cfg) == CHR_ERR_CONFIG);
    snprintf(text, sizeof(text), "[api]\nbody_bytes_max = %u\n", (unsigned)RPC_BODY_BYTES_MAX + 1);
    CHECK(tc_node(text, &cfg) == CHR_ERR_CONFIG);
    FILE *f = fopen("chain.conf.example", "rb");
    CHECK(f != NULL);
    char example[32768];
    size_t n = fread(example, 1, sizeof(example) - 1, f);
    fclose(f);
    example[n] = '\0';
    snprintf(text, sizeof(text), "(%u to %u: RPC_BODY_BYTES_MIN and", (unsigned)RPC_BODY_BYTES_MIN,
             (unsigned)RPC_BODY_BYTES_MAX);
    CHECK(strstr(example, text) != NULL);
    snprintf(text, sizeof(text), "\nbody_bytes_max = %u\n", (unsigned)RPC_BODY_BYTES_DEFAULT);
    CHECK(strstr(example, text) != NULL);
}

/* Proves relative paths resolve against the config's directory and load errors name the file. */
void test_node_config_paths(void)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "%s", tg_tmpdir());
    static const char text[] = "[node]\ndata_dir = db\ngenesis_file = /etc/g.json\n";
    char path[128];
    snprintf(path, sizeof(path), "%s", tg_write(dir, "chain.conf", text, sizeof(text) - 1));
    node_config cfg;
    char err[256];
    chr_err e = node_config_load(&cfg, path, err, sizeof(err));
    char want[128];
    snprintf(want, sizeof(want), "%s/db", dir);
    CHECK_OK(e);
    CHECK(strcmp(cfg.data_dir, want) == 0);
    CHECK(strcmp(cfg.genesis_file, "/etc/g.json") == 0);
    CHECK(cfg.validator_key_file[0] == '\0');
    tg_write(dir, "chain.conf", "[node]\nbogus = 1\n", 17);
    CHECK(node_config_load(&cfg, path, err, sizeof(err)) == CHR_ERR_CONFIG);
    CHECK(strncmp(err, path, strlen(path)) == 0 && strstr(err, "line 2") != NULL);
    char *big = calloc(1, NODE_CONFIG_FILE_BYTES_MAX + 1);
    CHECK(big != NULL);
    memset(big, '\n', NODE_CONFIG_FILE_BYTES_MAX + 1);
    tg_write(dir, "chain.conf", big, NODE_CONFIG_FILE_BYTES_MAX + 1);
    free(big);
    CHECK(node_config_load(&cfg, path, err, sizeof(err)) == CHR_ERR_TOO_LONG);
    CHECK(unlink(path) == 0);
    CHECK(node_config_load(&cfg, path, err, sizeof(err)) == CHR_ERR_IO);
    CHECK(strstr(err, "No such file") != NULL);
    CHECK(rmdir(dir) == 0);
}

/* Proves [p2p] listen and peers are parsed into addresses, and malformed ones are errors
 * naming the key. */
void test_node_config_p2p(void)
{
    node_config cfg;
    char err[256];
    static const char good[] =
        "[p2p]\nlisten = 127.0.0.1:26656\npeers = 10.0.0.1:26656, [::1]:7 ,127.0.0.1:9\n";
    CHECK_OK(node_config_parse(&cfg, good, sizeof(good) - 1, NULL, err, sizeof(err)));
    CHECK(strcmp(cfg.p2p_listen, "127.0.0.1:26656") == 0);
    CHECK(cfg.p2p_peers_len == 3);
    CHECK(strcmp(cfg.p2p_peers[0], "10.0.0.1:26656") == 0);
    CHECK(strcmp(cfg.p2p_peers[1], "[::1]:7") == 0);
    CHECK(strcmp(cfg.p2p_peers[2], "127.0.0.1:9") == 0);
    /* A listener may ask for any free port; a peer to dial may not be port 0. */
    static const char any[] = "[p2p]\nlisten = [::1]:0\n";
    CHECK_OK(node_config_parse(&cfg, any, sizeof(any) - 1, NULL, err, sizeof(err)));
    CHECK(strcmp(cfg.p2p_listen, "[::1]:0") == 0);
    static const char *const bad[] = {
        "[p2p]\nlisten = 1.2.3.4:00\n",    "[p2p]\npeers = 1.2.3.4:5, 1.2.3.4:0\n",
        "[p2p]\nlisten = nowhere\n",       "[p2p]\npeers = 1.2.3.4:0\n",
        "[p2p]\npeers = 1.2.3.4:5,,\n",    "[p2p]\npeers = 1.2.3.4\n",
        "[p2p]\nlisten = 1.2.3.4:70000\n", "[consensus]\ntimeout_propose_ms = 0\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(node_config_parse(&cfg, bad[i], strlen(bad[i]), NULL, err, sizeof(err)) ==
              CHR_ERR_CONFIG);
        CHECK(strstr(err, "line") != NULL);
    }
    char many[4096] = "[p2p]\npeers = ";
    for (int i = 0; i <= NODE_P2P_PEERS_MAX; i++) {
        char one[32];
        snprintf(one, sizeof(one), "%s10.0.0.%d:1", i ? "," : "", i % 250 + 1);
        strcat(many, one);
    }
    strcat(many, "\n");
    CHECK(node_config_parse(&cfg, many, strlen(many), NULL, err, sizeof(err)) == CHR_ERR_CONFIG);
    CHECK(strstr(err, "at most 64") != NULL);
}
