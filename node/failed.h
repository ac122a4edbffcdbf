/* Recently failed transactions and why: ones that were admitted to the mempool and then
 * could not apply (expired, or behind one that failed). Kept for the last NODE_FAILED_KEPT
 * failures, oldest forgotten first, so a client that asks again gets the reason
 * (docs/API.md). Written by the writer thread, read by HTTP threads; one mutex. */
#ifndef NODE_FAILED_H
#define NODE_FAILED_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "node/limits.h"

typedef struct node_failure {
    chr_err err;
    char detail[NODE_DETAIL_MAX];
} node_failure;

typedef struct node_failed node_failed;

CHR_WUR chr_err node_failed_new(node_failed **out);
void node_failed_free(node_failed *f);
void node_failed_put(node_failed *f, const uint8_t hash[32], chr_err err, const char *detail);
/* 1 and *out filled when hash failed recently, else 0. */
int node_failed_get(node_failed *f, const uint8_t hash[32], node_failure *out);

#endif
