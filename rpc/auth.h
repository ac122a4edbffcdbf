/* Access to the REST API (docs/API.md, "Access"): API keys (rpc/apikeys.h), OAuth 2.0
 * client-credentials access tokens, scopes, and rate limits per key and per client
 * address. The node opens one rpc_auth and hands it to the server (rpc/server.h), which
 * checks every request of a route that needs a scope before its handler runs.
 *
 * Thread-safe once open: the key store and the rate tables have their own locking. */
#ifndef RPC_AUTH_H
#define RPC_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct rpc_auth_config {
    const char *data_dir;           /* the key store is data_dir/apikeys/ */
    uint64_t token_ttl_s;           /* access tokens' lifetime, 1..RPC_TOKEN_TTL_S_MAX */
    uint64_t session_ttl_s;         /* dashboard sessions' lifetime, 1..RPC_SESSION_TTL_S_MAX */
    uint64_t rate_standard_per_min; /* requests a minute per key; 0 = no limit */
    uint64_t rate_premium_per_min;
    uint64_t rate_unauthenticated_per_min; /* 401s and /oauth/token per client address */
} rpc_auth_config;

typedef struct rpc_auth rpc_auth;

/* Opens the key store (creating it and the node secret when missing), sizes the rate
 * tables (RPC_RATE_BUCKETS each), puts back the key buckets the last run saved, and starts
 * a thread that saves them every RPC_RATE_SAVE_INTERVAL_MS (docs/API.md, "Rate limits").
 * Errors of rpc_apikeys_open, CHR_ERR_CONFIG for a value out of range, CHR_ERR_NOMEM;
 * errmsg says which. */
CHR_WUR chr_err rpc_auth_open(rpc_auth **out, const rpc_auth_config *cfg, char *errmsg,
                              size_t errmsg_cap);
/* Saves the key buckets once more and closes; NULL is ignored. The server using it must be
 * stopped first. */
void rpc_auth_close(rpc_auth *a);

#endif
