#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "node/config.h"
#include "node/limits.h"
#include "node/verify.h"
#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

static chr_err tv_key(const char *key, const char *value, node_config *cfg, char *err,
                      size_t err_cap)
{
    char text[96];
    int n = snprintf(text, sizeof(text), "[store]\n%s = %s\n", key, value);
    return node_config_parse(cfg, text, (size_t)n, NULL, err, err_cap);
}

static chr_err tv_threads(const char *value, node_config *cfg, char *err, size_t err_cap)
{
    return tv_key("verifier_threads", value, cfg, err, err_cap);
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
    CHECK(node_verifier_new(&v, NODE_VERIFIER_THREADS_MAX + 1, 0) == CHR_ERR_ARG);
    CHECK(v == NULL);
    v = (node_verifier *)(void *)&sentinel;
    CHECK(node_verifier_new(&v, 1, NODE_VERIFIER_NICE_MAX + 1) == CHR_ERR_ARG);
    CHECK(v == NULL);
    CHECK_OK(node_verifier_new(&v, NODE_VERIFIER_THREADS_MAX, NODE_VERIFIER_NICE_DEFAULT));
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

/* How many of this process's threads are named name and run at nice value `nice`
 * (/proc/self/task/N/comm, and field 19 of .../stat); *named counts the named ones. */
static unsigned tv_threads_at(const char *name, int nice, unsigned *named)
{
    unsigned n = 0;
    *named = 0;
    DIR *d = opendir("/proc/self/task");
    if (d == NULL) {
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[300];
        char comm[32] = "";
        char stat[512] = "";
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL || fgets(comm, sizeof(comm), f) == NULL) {
            if (f != NULL) {
                fclose(f);
            }
            continue; /* a thread that has just ended */
        }
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, name) != 0) {
            continue;
        }
        (*named)++;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        size_t len = f != NULL ? fread(stat, 1, sizeof(stat) - 1, f) : 0;
        if (f != NULL) {
            fclose(f);
        }
        stat[len] = '\0';
        /* After the name's closing parenthesis: state is field 3, nice field 19. */
        const char *p = strrchr(stat, ')');
        int field = 2;
        while (p != NULL && field < 19 && (p = strchr(p + 1, ' ')) != NULL) {
            field++;
        }
        if (p != NULL && atoi(p + 1) == nice) {
            n++;
        }
    }
    closedir(d);
    return n;
}

/* Proves the verifier threads carry their name and run `nice` steps nicer than the
 * caller (capped at 19), so that the writer runs first when the cores are busy
 * (node/verify.h); 0 leaves them at the caller's priority. And chain.conf's
 * [store] verifier_nice takes 0 to 19, 10 by default. */
void test_verifier_threads_yield(void)
{
    int nice_now = getpriority(PRIO_PROCESS, 0);
    static const unsigned nices[] = {NODE_VERIFIER_NICE_DEFAULT, 0, NODE_VERIFIER_NICE_MAX};
    for (size_t k = 0; k < sizeof(nices) / sizeof(nices[0]); k++) {
        int want = nice_now + (int)nices[k] > 19 ? 19 : nice_now + (int)nices[k];
        node_verifier *v = NULL;
        CHECK_OK(node_verifier_new(&v, 3, nices[k]));
        unsigned named = 0;
        unsigned at = 0;
        /* The threads name themselves and lower their priority as they start. */
        for (int i = 0; i < 500 && (at < 3 || named < 3); i++) {
            at = tv_threads_at("chroomd-verify", want, &named);
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        CHECK(named == 3);
        CHECK(at == 3);
        /* The calling thread keeps its priority. */
        CHECK(getpriority(PRIO_PROCESS, 0) == nice_now);
        node_verifier_free(v);
        at = tv_threads_at("chroomd-verify", want, &named);
        CHECK(named == 0 && at == 0);
    }
    node_config cfg;
    char err[256];
    node_config_default(&cfg);
    CHECK(cfg.store_verifier_nice == NODE_VERIFIER_NICE_DEFAULT);
    CHECK_OK(tv_key("verifier_nice", "0", &cfg, err, sizeof(err)));
    CHECK(cfg.store_verifier_nice == 0);
    CHECK_OK(tv_key("verifier_nice", "19", &cfg, err, sizeof(err)));
    CHECK(cfg.store_verifier_nice == 19);
    static const char *const bad[] = {"20", "-1", "5x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK(tv_key("verifier_nice", bad[i], &cfg, err, sizeof(err)) == CHR_ERR_CONFIG);
        CHECK(strcmp(err, "line 2: [store] verifier_nice: must be a whole number from 0 to "
                          "19") == 0);
    }
}
