/* The analytics routes (rpc/routes_analytics.c, docs/ANALYTICS.md) and what the media-node
 * routes take from them. Private to rpc/. */
#ifndef RPC_INTERNAL_ANALYTICS_H
#define RPC_INTERNAL_ANALYTICS_H

#include <jansson.h>
#include <stdatomic.h>

#include "common/err.h"
#include "rpc/internal/http.h"

/* Why a heartbeat was refused, for GET /metrics' chroom_heartbeats_refused_total. */
typedef enum rpc_hb_reason {
    RPC_HB_MALFORMED = 0, /* the body or the heartbeat's bytes */
    RPC_HB_WRONG_CHAIN,
    RPC_HB_UNKNOWN_NODE,
    RPC_HB_BAD_SIGNATURE,
    RPC_HB_CLOCK,
    RPC_HB_REPLAY,
    RPC_HB_RATE_LIMITED,
    RPC_HB_STORE,
    RPC_HB_REASONS
} rpc_hb_reason;

_Static_assert(RPC_HB_REASONS == sizeof(((rpc_server *)0)->hb_stats.refused) / sizeof(atomic_ulong),
               "a counter per reason in the server's hb_stats");

/* The label of a reason in GET /metrics. */
const char *rpc_hb_reason_name(rpc_hb_reason r);

/* Adds "health" (docs/ANALYTICS.md, "Health") to a media node's JSON whose "id" is its key;
 * "offline" when the node has no analytics store. With full, also "last_heartbeat" (null:
 * none) and "current" (its figures, or null). */
void rpc_analytics_annotate(rpc_ctx *x, json_t *node, uint64_t now_ms, int full);
/* The wall clock in unix ms. */
uint64_t rpc_clock_unix_ms(void);

void rpc_handle_heartbeat(rpc_ctx *x, rpc_reply *r);
void rpc_handle_analytics_nodes(rpc_ctx *x, rpc_reply *r);
void rpc_handle_analytics_node(rpc_ctx *x, rpc_reply *r);
void rpc_handle_analytics_meeting(rpc_ctx *x, rpc_reply *r);
void rpc_handle_analytics_network(rpc_ctx *x, rpc_reply *r);

#endif
