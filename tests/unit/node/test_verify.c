#include <stdio.h>
#include <string.h>

#include "node/config.h"
#include "node/limits.h"
#include "node/verify.h"
#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

static chr_err tv_threads(const char *value, node_config *cfg, char *err, size_t err_cap)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "[store]\nverifier_threads = %s\n", value);
    return node_config_parse(cfg, text, (size_t)n, NULL, err, err_cap);
}

/* Proves chain.conf takes verifier_threads up to the pool's limit and refuses more (256 was
 * accepted, then silently cut to 64) with a message naming the key, its line and the limit. */
void test_verifier_threads_config_limit(void)
{
    node_config cfg;
    char err[256];
    CHECK_OK(tv_threads("0", &cfg, err, sizeof(err)));
    CHECK(cfg.store_verifier_threads == 0);
    CHECK_OK(tv_threads("64", &cfg, err, sizeof(err)));
    CHECK(cfg.store_verifier_threads == NODE_VERIFIER_THREADS_MAX);
    static const char *const bad[] = {"65", "256", "-1", "1e3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK(tv_threads(bad[i], &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
        CHECK(strcmp(err, "line 2: [store] verifier_threads: must be a whole number from 0 "
                          "to 64") == 0);
        CHECK(cfg.store_verifier_threads == 0 && cfg.api_port == 0);
    }
}

/* Proves the verifier pool refuses more threads than its limit instead of quietly starting
 * fewer, and that its largest pool starts, verifies a batch and stops. */
void test_verifier_threads_pool_limit(void)
{
    static int sentinel;
    node_verifier *v = (node_verifier *)(void *)&sentinel; /* must come back NULL */
    CHECK(node_verifier_new(&v, NODE_VERIFIER_THREADS_MAX + 1) == CHR_ERR_ARG);
    CHECK(v == NULL);
    CHECK_OK(node_verifier_new(&v, NODE_VERIFIER_THREADS_MAX));
    CHECK(v != NULL);
    /* A transfer with zeroed keys and signature never verifies; entries that already carry
     * an error are skipped. A batch over the inline size goes through the pool's threads. */
    static ledger_tx txs[4 * NODE_VERIFY_INLINE_MAX];
    chr_err errs[4 * NODE_VERIFY_INLINE_MAX];
    size_t n = sizeof(errs) / sizeof(errs[0]);
    for (size_t i = 0; i < n; i++) {
        txs[i].type = LEDGER_TX_TRANSFER;
        errs[i] = i % 2 == 0 ? CHR_OK : CHR_ERR_AMOUNT;
    }
    node_verifier_run(v, txs, errs, n);
    for (size_t i = 0; i < n; i++) {
        CHECK(i % 2 == 0 ? errs[i] != CHR_OK && errs[i] != CHR_ERR_AMOUNT
                         : errs[i] == CHR_ERR_AMOUNT);
    }
    node_verifier_free(v);
}
