/* TLS with pinned certificates, with certificates made by the openssl command (a test
 * dependency: Makefile's DEPS_DEB). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/suite.h"
#include "tests/unit/test.h"

/* Writes dir/name.pem (certificate and key) and dir/name.crt (certificate alone): a
 * self-signed P-256 certificate, the kind docs/P2P.md tells operators to make. */
static bool t_make_cert(const char *dir, const char *name)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s/%s.key -out %s/%s.crt -days 3650 -subj /CN=chroom-%s "
             ">/dev/null 2>&1 && cat %s/%s.crt %s/%s.key > %s/%s.pem",
             dir, name, dir, name, name, dir, name, dir, name, dir, name);
    return system(cmd) == 0;
}

static void t_tls_config(cons_p2p_config *cfg, t_node *n, const char *listen,
                         const char *const *peers, size_t peers_len, const char *pem,
                         const char *pins)
{
    t_config(cfg, n, listen, peers, peers_len);
    cfg->tls_cert_key_file = pem;
    cfg->tls_ca_file = pins;
}

/* Proves two nodes with pinned certificates connect over tls+tcp:// and exchange messages,
 * and a third whose certificate is not pinned never completes a connection. */
void test_tls_pinned(void)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        CHECK(!"the openssl command is needed (apt-get install openssl)");
    }
    char dir[] = "/tmp/chroom-p2p-tls.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(t_make_cert(dir, "a") && t_make_cert(dir, "b") && t_make_cert(dir, "c"));
    char pins[128];
    char pem[3][128];
    snprintf(pins, sizeof(pins), "%s/pins.pem", dir);
    for (int i = 0; i < 3; i++) {
        snprintf(pem[i], sizeof(pem[i]), "%s/%c.pem", dir, 'a' + i);
    }
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cat %s/a.crt %s/b.crt > %s", dir, dir, pins);
    CHECK(system(cmd) == 0);

    t_node a;
    t_node b;
    t_node c;
    t_node_init(&a, 90);
    t_node_init(&b, 91);
    t_node_init(&c, 92);
    cons_p2p_config cfg;
    t_tls_config(&cfg, &a, "tls+tcp://127.0.0.1:0", NULL, 0, pem[0], pins);
    CHECK(t_node_start(&a, &cfg));
    char url[64];
    snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%u", cons_p2p_port(a.p));
    const char *peers[] = {url};
    t_tls_config(&cfg, &b, NULL, peers, 1, pem[1], pins);
    CHECK(t_node_start(&b, &cfg));
    CHECK(t_wait_peers(&a, 1, T_WAIT_MS) && t_wait_peers(&b, 1, T_WAIT_MS));
    const uint8_t msg[] = "over TLS";
    CHECK_OK(cons_p2p_send(b.p, t_first_peer(&b, NULL), 16, msg, sizeof(msg)));
    CHECK(t_wait_msgs(&a, 1, T_WAIT_MS));
    CHECK(a.msgs[0].len == sizeof(msg) && memcmp(a.msgs[0].data, msg, sizeof(msg)) == 0);
    cons_p2p_peer_info info;
    CHECK(cons_p2p_peers(a.p, &info, 1) == 1 && strncmp(info.address, "tls+tcp://", 10) == 0);

    /* c's certificate is not among the pins: the TLS handshake fails on both sides. */
    t_tls_config(&cfg, &c, NULL, peers, 1, pem[2], pins);
    CHECK(t_node_start(&c, &cfg));
    t_sleep_ms(800);
    CHECK(c.ups == 0 && t_peer_count(&c) == 0 && t_peer_count(&a) == 1 && a.ups == 1);
    /* A plain TCP dialer cannot talk to a TLS listener either. */
    t_node d;
    t_node_init(&d, 93);
    char plain[64];
    snprintf(plain, sizeof(plain), "tcp://127.0.0.1:%u", cons_p2p_port(a.p));
    const char *plain_peers[] = {plain};
    t_config(&cfg, &d, NULL, plain_peers, 1);
    CHECK(t_node_start(&d, &cfg));
    t_sleep_ms(500);
    CHECK(d.ups == 0 && a.ups == 1);
    t_node_deinit(&d);
    t_node_deinit(&c);
    t_node_deinit(&b);
    t_node_deinit(&a);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}
