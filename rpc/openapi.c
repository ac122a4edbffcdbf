/* GET /api/v1/openapi.yaml: the spec embedded at build time
 * (rpc/internal/openapi.h). */
#include <stdlib.h>
#include <string.h>

#include "rpc/internal/http.h"
#include "rpc/internal/openapi.h"

void rpc_handle_openapi(rpc_ctx *x, rpc_reply *r)
{
    (void)x;
    if (rpc_openapi_yaml_len == 0) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "this node was built without openapi.yaml",
                        NULL);
        return;
    }
    char *copy = malloc(rpc_openapi_yaml_len);
    if (copy == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    memcpy(copy, rpc_openapi_yaml, rpc_openapi_yaml_len);
    rpc_reply_text(r, 200, "application/yaml", copy, rpc_openapi_yaml_len);
}
