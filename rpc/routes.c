/* The route table: every route the server answers, with the scope it needs. openapi.yaml
 * describes exactly these (tests/functional/test_openapi.py checks it). */
#include "rpc/internal/http.h"

const rpc_route rpc_routes[] = {
    {"GET", "/health", rpc_handle_health, RPC_SCOPE_NONE},
    {"GET", "/api/v1/status", rpc_handle_status, RPC_SCOPE_READ},
    {"GET", "/api/v1/token", rpc_handle_token, RPC_SCOPE_READ},
    {"GET", "/api/v1/accounts/*", rpc_handle_account, RPC_SCOPE_READ},
    {"POST", "/api/v1/txs", rpc_handle_tx_submit, RPC_SCOPE_SUBMIT},
    {"POST", "/api/v1/txs/batch", rpc_handle_tx_batch, RPC_SCOPE_SUBMIT},
    {"GET", "/api/v1/txs/*", rpc_handle_tx_get, RPC_SCOPE_READ},
    {"GET", "/api/v1/blocks/*", rpc_handle_block, RPC_SCOPE_READ},
};

const size_t rpc_routes_len = sizeof(rpc_routes) / sizeof(rpc_routes[0]);
