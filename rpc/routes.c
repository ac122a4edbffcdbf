/* The route table: every route the server answers, with the scope it needs. openapi.yaml
 * describes exactly these (tests/functional/test_openapi.py checks it). */
#include <string.h>

#include "common/assert.h"
#include "rpc/internal/analytics.h"
#include "rpc/internal/gov.h"
#include "rpc/internal/http.h"
#include "rpc/internal/meetings.h"

/* Route patterns use "*" for a path parameter; the printed form names them as the spec does,
 * in order of appearance in this list. */
static const char *const param_names[][3] = {
    {"/api/v1/accounts/*/delegations/*", "address", "validator"},
    {"/api/v1/staking/validators/*", "address", NULL},
    {"/api/v1/accounts/*/txs", "address", NULL},
    {"/api/v1/blocks/*/txs", "height", NULL},
    {"/api/v1/accounts/*", "address", NULL},
    {"/api/v1/txs/*", "hash", NULL},
    {"/api/v1/blocks/*", "height", NULL},
    {"/api/v1/state/*/*", "kind", "natural_key"},
    {"/api/v1/apikeys/*", "id", NULL},
    {"/api/v1/meetings/*", "meeting_id", NULL},
    {"/api/meetings/*", "meeting_id", NULL},
    {"/api/meetings/*/end", "meeting_id", NULL},
    {"/api/v1/media-nodes/*", "node_id", NULL},
    {"/api/v1/meetings/*/payments", "meeting_id", NULL},
    {"/api/meetings/*/credits", "meeting_id", NULL},
    {"/api/v1/gov/proposals/*", "id", NULL},
    {"/api/v1/gov/proposals/*/votes", "id", NULL},
    {"/api/v1/gov/proposals/*/votes/*", "id", "voter"},
    {"/api/v1/analytics/nodes/*", "node_id", NULL},
    {"/api/v1/analytics/meetings/*", "meeting_id", NULL},
};

/* Every GET route also answers HEAD (RFC 9110 section 9.3.2): the same handler, whose
 * body libmicrohttpd leaves out. The HEAD twin follows its GET at once, so that the two
 * share a route slot in GET /metrics (rpc_route_slot). */
#define RPC_GET(pattern, handler, scope)                                                           \
    {"GET", pattern, handler, scope},                                                              \
    {                                                                                              \
        "HEAD", pattern, handler, scope                                                            \
    }

const rpc_route rpc_routes[] = {
    RPC_GET("/health", rpc_handle_health, RPC_SCOPE_NONE),
    RPC_GET("/api/v1/status", rpc_handle_status, RPC_SCOPE_READ),
    RPC_GET("/api/v1/token", rpc_handle_token, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*", rpc_handle_account, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*/txs", rpc_handle_account_txs, RPC_SCOPE_READ),
    RPC_GET("/api/v1/state/*/*", rpc_handle_state, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*/delegations", rpc_handle_account_delegations, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*/delegations/*", rpc_handle_account_delegation, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*/unbondings", rpc_handle_account_unbondings, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*/redelegations", rpc_handle_account_redelegations, RPC_SCOPE_READ),
    RPC_GET("/api/v1/accounts/*/rewards", rpc_handle_account_rewards, RPC_SCOPE_READ),
    RPC_GET("/api/v1/params", rpc_handle_params, RPC_SCOPE_READ),
    RPC_GET("/api/v1/supply", rpc_handle_supply, RPC_SCOPE_READ),
    RPC_GET("/api/v1/staking/validators", rpc_handle_staking_validators, RPC_SCOPE_READ),
    RPC_GET("/api/v1/staking/validators/*", rpc_handle_staking_validator, RPC_SCOPE_READ),
    RPC_GET("/api/v1/staking/validators/*/delegations", rpc_handle_validator_delegations,
            RPC_SCOPE_READ),
    {"POST", "/api/v1/txs", rpc_handle_tx_submit, RPC_SCOPE_SUBMIT},
    {"POST", "/api/v1/txs/batch", rpc_handle_tx_batch, RPC_SCOPE_SUBMIT},
    {"POST", "/api/v1/txs/quote", rpc_handle_tx_quote, RPC_SCOPE_SUBMIT},
    RPC_GET("/api/v1/txs/*", rpc_handle_tx_get, RPC_SCOPE_READ),
    RPC_GET("/api/v1/blocks", rpc_handle_blocks, RPC_SCOPE_READ),
    RPC_GET("/api/v1/blocks/*", rpc_handle_block, RPC_SCOPE_READ),
    RPC_GET("/api/v1/blocks/*/txs", rpc_handle_block_txs, RPC_SCOPE_READ),
    RPC_GET("/api/v1/validators", rpc_handle_validators, RPC_SCOPE_READ),
    RPC_GET("/api/v1/evidence", rpc_handle_evidence, RPC_SCOPE_READ),
    RPC_GET("/api/v1/meetings/*", rpc_handle_meeting, RPC_SCOPE_READ),
    RPC_GET("/api/v1/meetings/*/payments", rpc_handle_meeting_payments, RPC_SCOPE_READ),
    RPC_GET("/api/meetings/*", rpc_handle_meeting, RPC_SCOPE_READ),
    RPC_GET("/api/v1/meetings", rpc_handle_meetings, RPC_SCOPE_READ),
    {"POST", "/api/meetings/create", rpc_handle_meeting_create, RPC_SCOPE_MEETINGS},
    {"POST", "/api/meetings/*/end", rpc_handle_meeting_end, RPC_SCOPE_MEETINGS},
    {"POST", "/api/meetings/*/credits", rpc_handle_meeting_credits, RPC_SCOPE_MEETINGS},
    RPC_GET("/api/v1/media-nodes", rpc_handle_media_nodes, RPC_SCOPE_READ),
    RPC_GET("/api/v1/media-nodes/*", rpc_handle_media_node, RPC_SCOPE_READ),
    {"POST", "/api/v1/analytics/heartbeats", rpc_handle_heartbeat, RPC_SCOPE_NONE},
    RPC_GET("/api/v1/analytics/nodes", rpc_handle_analytics_nodes, RPC_SCOPE_READ),
    RPC_GET("/api/v1/analytics/nodes/*", rpc_handle_analytics_node, RPC_SCOPE_READ),
    RPC_GET("/api/v1/analytics/meetings/*", rpc_handle_analytics_meeting, RPC_SCOPE_READ),
    RPC_GET("/api/v1/analytics/network", rpc_handle_analytics_network, RPC_SCOPE_READ),
    RPC_GET("/api/v1/gov/proposals", rpc_handle_proposals, RPC_SCOPE_READ),
    RPC_GET("/api/v1/gov/proposals/*", rpc_handle_proposal, RPC_SCOPE_READ),
    RPC_GET("/api/v1/gov/proposals/*/votes", rpc_handle_proposal_votes, RPC_SCOPE_READ),
    RPC_GET("/api/v1/gov/proposals/*/votes/*", rpc_handle_proposal_vote, RPC_SCOPE_READ),
    RPC_GET("/api/v1/gov/params", rpc_handle_gov_params, RPC_SCOPE_READ),
    RPC_GET("/api/v1/openapi.yaml", rpc_handle_openapi, RPC_SCOPE_READ),
    RPC_GET("/metrics", rpc_handle_metrics, RPC_SCOPE_ADMIN),
    RPC_GET("/api/v1/events", rpc_handle_events, RPC_SCOPE_READ),
    {"POST", "/oauth/token", rpc_handle_oauth_token, RPC_SCOPE_NONE},
    {"POST", "/api/v1/session", rpc_handle_session_open, RPC_SCOPE_READ},
    RPC_GET("/api/v1/session", rpc_handle_session_get, RPC_SCOPE_READ),
    {"DELETE", "/api/v1/session", rpc_handle_session_end, RPC_SCOPE_READ},
    RPC_GET("/api/v1/apikeys", rpc_handle_apikeys_list, RPC_SCOPE_ADMIN),
    {"POST", "/api/v1/apikeys", rpc_handle_apikey_create, RPC_SCOPE_ADMIN},
    {"DELETE", "/api/v1/apikeys/*", rpc_handle_apikey_revoke, RPC_SCOPE_ADMIN},
    RPC_GET("/api/v1/usage", rpc_handle_usage, RPC_SCOPE_ADMIN),
};

const size_t rpc_routes_len = sizeof(rpc_routes) / sizeof(rpc_routes[0]);
_Static_assert(sizeof(rpc_routes) / sizeof(rpc_routes[0]) <= RPC_ROUTES_MAX,
               "GET /metrics has a slot for every route");

size_t rpc_route_slot(const rpc_route *route)
{
    size_t i = (size_t)(route - rpc_routes);
    CHR_ASSERT(i < rpc_routes_len);
    if (strcmp(route->method, "HEAD") == 0) {
        CHR_ASSERT(i > 0 && strcmp(rpc_routes[i - 1].method, "GET") == 0);
        CHR_ASSERT(strcmp(rpc_routes[i - 1].pattern, route->pattern) == 0);
        return i - 1;
    }
    return i;
}

/* The name of the pattern's k-th parameter (0 first). */
static const char *param_name(const char *pattern, size_t k)
{
    for (size_t i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++) {
        size_t n = strlen(param_names[i][0]);
        if (strncmp(pattern, param_names[i][0], n) == 0 && k < 2 && param_names[i][1 + k]) {
            return param_names[i][1 + k];
        }
    }
    return "param";
}

void rpc_route_path(const rpc_route *route, char *out, size_t out_cap)
{
    size_t n = 0;
    size_t k = 0;
    out[0] = '\0';
    for (const char *p = route->pattern; *p != '\0' && n < out_cap; p++) {
        int w = *p == '*' ? snprintf(out + n, out_cap - n, "{%s}", param_name(route->pattern, k++))
                          : snprintf(out + n, out_cap - n, "%c", *p);
        n += w > 0 ? (size_t)w : 0;
    }
}

void rpc_routes_print(FILE *out)
{
    static const char *const scopes[] = {"none", "read", "submit", "",        "admin",
                                         "",     "",     "",       "meetings"};
    for (size_t i = 0; i < rpc_routes_len; i++) {
        const char *p = rpc_routes[i].pattern;
        size_t k = 0;
        fprintf(out, "%s ", rpc_routes[i].method);
        for (; *p != '\0'; p++) {
            if (*p == '*') {
                fprintf(out, "{%s}", param_name(rpc_routes[i].pattern, k++));
            } else {
                fputc(*p, out);
            }
        }
        fprintf(out, " %s\n", scopes[rpc_routes[i].scope]);
    }
}
