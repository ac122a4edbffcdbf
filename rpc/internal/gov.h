/* The governance renderings and routes (rpc/routes_gov.c). Private to rpc/. */
#ifndef RPC_INTERNAL_GOV_H
#define RPC_INTERNAL_GOV_H

#include <jansson.h>

#include "ledger/gov.h"
#include "ledger/tx.h"
#include "rpc/internal/http.h"

/* A proposal's JSON (docs/API.md, "Governance"). */
json_t *rpc_render_proposal(const ledger_gov_proposal *p);
/* The fields of a governance transaction's body, added to o (GET /api/v1/txs). */
void rpc_render_gov_tx_body(json_t *o, const ledger_tx *tx);

void rpc_handle_proposals(rpc_ctx *x, rpc_reply *r);
void rpc_handle_proposal(rpc_ctx *x, rpc_reply *r);
void rpc_handle_proposal_votes(rpc_ctx *x, rpc_reply *r);
void rpc_handle_proposal_vote(rpc_ctx *x, rpc_reply *r);
void rpc_handle_gov_params(rpc_ctx *x, rpc_reply *r);

#endif
