/* Replies that are not JSON: the Prometheus text of /metrics and the YAML of
 * the spec. */
#include <stdlib.h>

#include "rpc/internal/http.h"

void rpc_reply_text(rpc_reply *r, unsigned status, const char *content_type, char *text, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        rpc_reply_nomem(r);
        return;
    }
    if (MHD_add_response_header(resp, "Content-Type", content_type) != MHD_YES) {
        MHD_destroy_response(resp);
        rpc_reply_nomem(r);
        return;
    }
    r->status = status;
    r->raw = resp;
}
