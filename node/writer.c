#include "node/writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/assert.h"
#include "common/thread.h"

struct node_writer {
    node_chain *chain;
    node_consensus *engine;
    pthread_t thread;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void admitted(void *ctx, const uint8_t *tx, size_t len)
{
    node_consensus_admitted(ctx, tx, len);
}

static void *writer_main(void *arg)
{
    chr_thread_name("chroomd-writer");
    node_writer *w = arg;
    int healthy = 1;
    uint64_t next_ms = 1; /* the first turn steps the engine at once */
    while (node_chain_wait(w->chain, w->engine != NULL && healthy ? next_ms : 0)) {
        node_chain_admit(w->chain, w->engine != NULL ? admitted : NULL, w->engine);
        if (w->engine != NULL && healthy) {
            next_ms = 0;
            if (node_consensus_poll(w->engine, mono_ms(), &next_ms) != CHR_OK) {
                healthy = 0;
                node_chain_fail(w->chain, CHR_ERR_STORE);
            }
        }
    }
    node_chain_refuse_queued(w->chain);
    return NULL;
}

chr_err node_writer_start(node_writer **out, node_chain *c, node_consensus *e)
{
    *out = NULL;
    node_writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return CHR_ERR_NOMEM;
    }
    w->chain = c;
    w->engine = e;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        free(w);
        return CHR_ERR_NOMEM;
    }
    *out = w;
    return CHR_OK;
}

void node_writer_stop(node_writer *w)
{
    if (w == NULL) {
        return;
    }
    node_chain_stop(w->chain);
    int rc = pthread_join(w->thread, NULL);
    CHR_ASSERT(rc == 0);
    free(w);
}
