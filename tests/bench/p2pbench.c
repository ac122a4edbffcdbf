/* The peer-to-peer transport's benchmark: two nodes in one process on 127.0.0.1, one TCP
 * connection between them, and one sender thread pushing messages as fast as the
 * receiver's callback counts them. Prints small messages/s and MB/s of large messages.
 * (Nodes in separate processes share the same two cores of this machine, so one process
 * measures the same thing with less noise.)
 *
 * Usage: p2pbench [SMALL_COUNT [SMALL_BYTES [LARGE_COUNT [LARGE_BYTES]]]]
 *        defaults: 1000000 messages of 64 bytes, 400 messages of 1 MiB. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "common/log.h"
#include "consensus/p2p.h"
#include "ledger/sig.h"

typedef struct bench_node {
    cons_p2p *p;
    atomic_ullong msgs;
    atomic_ullong bytes;
    atomic_uint peer;
} bench_node;

static void bench_on_message(void *ctx, uint32_t peer, uint8_t type, const uint8_t *payload,
                             size_t len)
{
    bench_node *n = ctx;
    (void)peer;
    (void)type;
    (void)payload;
    atomic_fetch_add_explicit(&n->bytes, len, memory_order_relaxed);
    atomic_fetch_add_explicit(&n->msgs, 1, memory_order_release);
}

static void bench_on_peer(void *ctx, uint32_t peer, int up, const uint8_t node_id[32])
{
    bench_node *n = ctx;
    (void)node_id;
    atomic_store(&n->peer, up ? peer : 0);
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_sleep_us(long us)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};
    nanosleep(&ts, NULL);
}

static int bench_start(bench_node *n, uint8_t seed, const char *listen, const char *peer)
{
    cons_p2p_config cfg;
    cons_p2p_config_init(&cfg);
    cfg.listen = listen;
    const char *peers[1] = {peer};
    cfg.peers = peer != NULL ? peers : NULL;
    cfg.peers_len = peer != NULL ? 1 : 0;
    cfg.chain_id = "chroom-bench";
    memset(cfg.genesis_hash, 0x42, 32);
    uint8_t in[2] = {'b', seed};
    chr_sha256_hash(cfg.node_sk, in, sizeof(in));
    cfg.backoff_ms_min = 20;
    cfg.backoff_ms_max = 200;
    cfg.on_message = bench_on_message;
    cfg.on_peer = bench_on_peer;
    cfg.ctx = n;
    char err[256];
    if (cons_p2p_start(&n->p, &cfg, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "p2pbench: %s\n", err);
        return 0;
    }
    return 1;
}

/* Sends count messages of len bytes from a to its peer, waiting (not dropping) when the
 * queue is full, and returns the seconds until b has received them all. */
static double bench_run(bench_node *a, bench_node *b, unsigned long count, size_t len,
                        unsigned long *full_waits)
{
    uint8_t *payload = calloc(1, len);
    if (payload == NULL) {
        return -1;
    }
    unsigned long long base = atomic_load(&b->msgs);
    uint32_t peer = atomic_load(&a->peer);
    *full_waits = 0;
    double t0 = bench_now();
    for (unsigned long i = 0; i < count; i++) {
        memcpy(payload, &i, len < sizeof(i) ? len : sizeof(i));
        chr_err err;
        while ((err = cons_p2p_send(a->p, peer, 16, payload, len)) == CHR_ERR_FULL) {
            (*full_waits)++;
            bench_sleep_us(50);
        }
        if (err != CHR_OK) {
            fprintf(stderr, "p2pbench: send: %s\n", chr_err_str(err));
            free(payload);
            return -1;
        }
    }
    while (atomic_load_explicit(&b->msgs, memory_order_acquire) - base < count) {
        bench_sleep_us(100);
    }
    double took = bench_now() - t0;
    free(payload);
    return took;
}

int main(int argc, char **argv)
{
    unsigned long small_n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t small_len = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
    unsigned long big_n = argc > 3 ? strtoul(argv[3], NULL, 10) : 400;
    size_t big_len = argc > 4 ? strtoul(argv[4], NULL, 10) : 1024 * 1024;
    /* The sender fills the queue on purpose and waits when told it is full: not news. */
    chr_log_set_level(CHR_LOG_ERROR);
    if (chr_hash_init() != CHR_OK) {
        return 1;
    }
    static bench_node a;
    static bench_node b;
    if (!bench_start(&a, 1, "tcp://127.0.0.1:0", NULL)) {
        return 1;
    }
    char url[64];
    snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", cons_p2p_port(a.p));
    if (!bench_start(&b, 2, NULL, url)) {
        return 1;
    }
    double deadline = bench_now() + 10;
    while ((atomic_load(&a.peer) == 0 || atomic_load(&b.peer) == 0) && bench_now() < deadline) {
        bench_sleep_us(1000);
    }
    if (atomic_load(&b.peer) == 0) {
        fprintf(stderr, "p2pbench: the nodes did not connect\n");
        return 1;
    }
    unsigned long waits;
    double s = bench_run(&b, &a, small_n, small_len, &waits);
    if (s < 0) {
        return 1;
    }
    printf("p2pbench: small: %lu messages of %zu bytes in %.2f s: %.0f messages/s "
           "(%.1f MB/s of payload; the sender waited on a full queue %lu times)\n",
           small_n, small_len, s, (double)small_n / s,
           (double)small_n * (double)small_len / s / 1e6, waits);
    s = bench_run(&b, &a, big_n, big_len, &waits);
    if (s < 0) {
        return 1;
    }
    printf("p2pbench: large: %lu messages of %zu bytes in %.2f s: %.1f MB/s (%.0f messages/s; "
           "the sender waited on a full queue %lu times)\n",
           big_n, big_len, s, (double)big_n * (double)big_len / s / 1e6, (double)big_n / s, waits);
    cons_p2p_stop(b.p);
    cons_p2p_stop(a.p);
    return 0;
}
