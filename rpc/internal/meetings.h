/* The meeting and media-node renderings and reads shared by rpc/routes_meetings.c and the
 * transaction renderer. Private to rpc/. */
#ifndef RPC_INTERNAL_MEETINGS_H
#define RPC_INTERNAL_MEETINGS_H

#include <jansson.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/store.h"
#include "rpc/internal/http.h"

/* The meeting's start or join URL (path "start" or "join") on node n, with
 * "#credit=credit_hex" when credit_hex is not NULL; JSON null when the node is gone (found
 * 0). */
json_t *rpc_meeting_url(const ledger_media_node *n, int found, const char *path, const char *id,
                        const char *credit_hex);
/* Reads meeting id, its participant list and its node from the snapshot: CHR_ERR_NOT_FOUND,
 * CHR_ERR_STORE (a damaged row; also a store error). *node_found 0 when the node is gone. */
CHR_WUR chr_err rpc_meeting_load(ledger_store_read *rd, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                 ledger_meeting *m, ledger_meeting_people *b, ledger_media_node *n,
                                 int *node_found);
/* The sponsor account a request signs with (rpc/routes_meeting_create.c): its key pair, its
 * daily spend limit (0: none) and the key-store allowance that counts it. */
typedef struct rpc_sponsor {
    uint8_t sk[32];
    uint8_t pub[32];
    uint64_t spend_per_day;
    char spend_name[RPC_APIKEY_SPEND_NAME_MAX];
} rpc_sponsor;

/* The calling API key's sponsor: the account the key is bound to (its key file read now,
 * and refused when it no longer holds the bound key), else the node's default [api]
 * sponsor_key_file. 1, or 0 and the reply: 403 no_sponsor (none, or the bound file cannot be
 * used; the log says why), 503 when the key store cannot be read. out->sk is the caller's to
 * wipe with rpc_sponsor_wipe (also after 0). */
int rpc_sponsor_get(rpc_ctx *x, rpc_reply *r, rpc_sponsor *out);
void rpc_sponsor_wipe(rpc_sponsor *sp);
/* POST /api/meetings/{meeting_id}/credits (rpc/routes_credits.c). */
void rpc_handle_meeting_credits(rpc_ctx *x, rpc_reply *r);

/* A media node's JSON (docs/API.md, "Media nodes"). NULL when out of memory. */
json_t *rpc_render_media_node(const ledger_media_node *n);
/* A meeting's JSON in the seed's shape and more (docs/API.md, "Meetings"); n is its node's
 * record (node_found 0: gone), the status as of now_ms. NULL when out of memory. */
json_t *rpc_render_meeting(const ledger_meeting *m, const ledger_meeting_people *participants,
                           const ledger_media_node *n, int node_found, uint64_t now_ms,
                           uint64_t grace_ms);
/* Reads and renders meeting id from the snapshot: CHR_ERR_NOT_FOUND, CHR_ERR_STORE (a
 * damaged row), CHR_ERR_NOMEM. */
CHR_WUR chr_err rpc_meeting_read(ledger_store_read *rd, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                 uint64_t now_ms, json_t **out);
/* The reply for rpc_meeting_read's errors: 404, 503 or 500. */
void rpc_reply_meeting_error(rpc_reply *r, chr_err err);
/* The fields of a media-node or meeting transaction's body, added to o (GET /api/v1/txs). */
void rpc_render_meeting_tx_body(json_t *o, const ledger_tx *tx);

/* The id segment of a meeting route: 24 hex characters. 0 and a 400 reply otherwise. */
int rpc_meeting_id_param(const char *seg, rpc_reply *r, uint8_t id[LEDGER_MEETING_ID_LEN]);
/* Media node key's JSON (rpc_render_media_node) from the committed state: CHR_ERR_NOT_FOUND,
 * CHR_ERR_STORE, CHR_ERR_NOMEM. */
CHR_WUR chr_err rpc_media_node_json(ledger_store *store, const uint8_t key[32], json_t **out);
/* GET /api/v1/media-nodes, each node with its health; with analytics the list of GET
 * /api/v1/analytics/nodes ("nodes", each with its last heartbeat and current figures). */
void rpc_media_nodes_list(rpc_ctx *x, rpc_reply *r, int analytics);
/* A meeting's payments JSON (GET /api/v1/meetings/{meeting_id}/payments) from rd:
 * CHR_ERR_NOT_FOUND, CHR_ERR_STORE, CHR_ERR_NOMEM. */
CHR_WUR chr_err rpc_meeting_payments_read(ledger_store_read *rd,
                                          const uint8_t id[LEDGER_MEETING_ID_LEN], json_t **out);

void rpc_handle_meeting(rpc_ctx *x, rpc_reply *r);
void rpc_handle_meetings(rpc_ctx *x, rpc_reply *r);
void rpc_handle_media_node(rpc_ctx *x, rpc_reply *r);
void rpc_handle_media_nodes(rpc_ctx *x, rpc_reply *r);
void rpc_handle_meeting_create(rpc_ctx *x, rpc_reply *r);
void rpc_handle_meeting_end(rpc_ctx *x, rpc_reply *r);
/* GET /api/v1/meetings/{meeting_id}/payments (rpc/routes_payments.c). */
void rpc_handle_meeting_payments(rpc_ctx *x, rpc_reply *r);

#endif
