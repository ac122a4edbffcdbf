/* Heartbeats accepted per second on one node (make bench; issue 16, "Speed"): the work
 * POST /api/v1/analytics/heartbeats does for each heartbeat after HTTP and JSON, on one
 * core: decode, BIP-340 check, and the analytics store's write transaction (node row, four
 * buckets, one meeting row, the sweep), into a fresh store in a temporary directory. The
 * heartbeats (NODES media nodes, one a second each) are signed before the clock starts.
 * Prints figures; fails only when a heartbeat it measures is refused.
 *
 *   hbbench [NODES] [HEARTBEATS]      (defaults 100 and 20000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "ledger/heartbeat.h"
#include "ledger/sig.h"
#include "rpc/analytics.h"

#define T0 1796688000000ull

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs heartbeat i (node i % nodes, at T0 + its round in seconds) into out. */
static int make_one(ledger_signer *s, uint8_t *out, size_t *len, size_t i, size_t nodes)
{
    uint8_t sk[32], seed[8], msg[32], aux[32] = {0};
    ledger_heartbeat hb;
    memset(&hb, 0, sizeof(hb));
    memset(seed, 0, sizeof(seed));
    seed[0] = 1;
    seed[4] = (uint8_t)(i % nodes >> 8);
    seed[5] = (uint8_t)(i % nodes);
    chr_sha256_hash(sk, seed, sizeof(seed));
    memcpy(hb.chain_id, "chroom-bench", 12);
    hb.chain_id_len = 12;
    hb.time_ms = T0 + (uint64_t)(i / nodes) * 1000;
    hb.load_permille = 400;
    hb.cpu_permille = 350;
    hb.f = (ledger_hb_figures){20, 8000, 16000, 30, 6, 45};
    hb.meetings_len = 1;
    memset(hb.meetings[0].meeting_id, (int)(i % nodes), 12);
    hb.meetings[0].f = hb.f;
    if (ledger_signer_pubkey(s, hb.node_key, sk) != CHR_OK) {
        return 0;
    }
    ledger_heartbeat_sighash(msg, &hb);
    return ledger_signer_sign(s, hb.sig, msg, sk, aux) == CHR_OK &&
           ledger_heartbeat_encode(&hb, out, LEDGER_HEARTBEAT_BYTES_MAX, len) == CHR_OK;
}

int main(int argc, char **argv)
{
    size_t nodes = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
    size_t total = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 20000;
    char dir[] = "/tmp/chroom-hbbench-XXXXXX";
    uint8_t seed[32] = {7};
    ledger_signer *s = NULL;
    uint8_t *bufs = malloc(total * LEDGER_HEARTBEAT_BYTES_MAX);
    size_t *lens = malloc(total * sizeof(*lens));
    rpc_analytics *a = NULL;
    char err[256];
    rpc_an_config cfg = {.map_mb = 1024,
                         .retention_ms = 8 * 86400000ull,
                         .offline_after_ms = 60000,
                         .degraded_after_ms = 30000,
                         .clock_skew_ms = 120000,
                         .interval_min_ms = 1000};
    cfg.data_dir = mkdtemp(dir);
    if (nodes == 0 || nodes > 65535 || total == 0 || bufs == NULL || lens == NULL ||
        cfg.data_dir == NULL || chr_hash_init() != CHR_OK ||
        ledger_signer_new(&s, seed) != CHR_OK ||
        rpc_analytics_open(&a, &cfg, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "hbbench: setup failed (NODES 1..65535, HEARTBEATS > 0)\n");
        return 1;
    }
    for (size_t i = 0; i < total; i++) {
        if (!make_one(s, bufs + i * LEDGER_HEARTBEAT_BYTES_MAX, &lens[i], i, nodes)) {
            fprintf(stderr, "hbbench: signing failed\n");
            return 1;
        }
    }
    double verify_s = 0;
    double start = now_s();
    for (size_t i = 0; i < total; i++) {
        ledger_heartbeat hb;
        double t = now_s();
        chr_err e = ledger_heartbeat_decode(&hb, bufs + i * LEDGER_HEARTBEAT_BYTES_MAX, lens[i]);
        e = e ? e : ledger_heartbeat_verify(&hb, "chroom-bench");
        verify_s += now_s() - t;
        e = e ? e : rpc_analytics_record(a, &hb, hb.time_ms);
        if (e != CHR_OK) {
            fprintf(stderr, "hbbench: heartbeat %zu refused: %s\n", i, chr_err_name(e));
            return 1;
        }
    }
    double took = now_s() - start;
    printf("heartbeats accepted/s (1 core, decode + BIP-340 + store; %zu nodes, %zu heartbeats): "
           "%.0f\n",
           nodes, total, (double)total / took);
    printf("  of which decode + BIP-340 check: %.1f us each, the store's write: %.1f us each\n",
           verify_s * 1e6 / (double)total, (took - verify_s) * 1e6 / (double)total);
    rpc_analytics_close(a);
    ledger_signer_free(s);
    free(bufs);
    free(lens);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
