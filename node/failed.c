#include "node/failed.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"

#define BUCKETS (NODE_FAILED_KEPT * 2)
#define NIL UINT32_MAX

typedef struct failed_entry {
    uint8_t hash[32];
    node_failure failure;
    uint32_t next; /* bucket chain */
    int used;
} failed_entry;

struct node_failed {
    pthread_mutex_t mu;
    failed_entry *ring; /* NODE_FAILED_KEPT entries, overwritten oldest first */
    uint32_t *buckets;
    size_t head;
};

chr_err node_failed_new(node_failed **out)
{
    *out = NULL;
    node_failed *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return CHR_ERR_NOMEM;
    }
    f->ring = calloc(NODE_FAILED_KEPT, sizeof(*f->ring));
    f->buckets = malloc(BUCKETS * sizeof(*f->buckets));
    if (f->ring == NULL || f->buckets == NULL) {
        node_failed_free(f);
        return CHR_ERR_NOMEM;
    }
    memset(f->buckets, 0xff, BUCKETS * sizeof(*f->buckets));
    pthread_mutex_init(&f->mu, NULL);
    *out = f;
    return CHR_OK;
}

void node_failed_free(node_failed *f)
{
    if (f != NULL) {
        if (f->ring != NULL && f->buckets != NULL) {
            pthread_mutex_destroy(&f->mu);
        }
        free(f->ring);
        free(f->buckets);
        free(f);
    }
}

static uint32_t *bucket(node_failed *f, const uint8_t hash[32])
{
    return &f->buckets[chr_get_u64be(hash) % BUCKETS];
}

void node_failed_put(node_failed *f, const uint8_t hash[32], chr_err err, const char *detail)
{
    pthread_mutex_lock(&f->mu);
    uint32_t i = (uint32_t)f->head;
    failed_entry *e = &f->ring[i];
    if (e->used) {
        uint32_t *p = bucket(f, e->hash);
        while (*p != i) {
            CHR_ASSERT(*p != NIL);
            p = &f->ring[*p].next;
        }
        *p = e->next;
    }
    memcpy(e->hash, hash, 32);
    e->failure.err = err;
    snprintf(e->failure.detail, sizeof(e->failure.detail), "%s", detail);
    e->used = 1;
    uint32_t *b = bucket(f, hash);
    e->next = *b;
    *b = i;
    f->head = (f->head + 1) % NODE_FAILED_KEPT;
    pthread_mutex_unlock(&f->mu);
}

int node_failed_get(node_failed *f, const uint8_t hash[32], node_failure *out)
{
    pthread_mutex_lock(&f->mu);
    uint32_t i = *bucket(f, hash);
    while (i != NIL && memcmp(f->ring[i].hash, hash, 32) != 0) {
        i = f->ring[i].next;
    }
    if (i != NIL) {
        *out = f->ring[i].failure;
    }
    pthread_mutex_unlock(&f->mu);
    return i != NIL;
}
