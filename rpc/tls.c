/* The HTTPS API's TLS settings (rpc/server.h): libmicrohttpd hands the priority string to
 * GnuTLS, which reads it only when the daemon starts, so it is checked here first. */
#include <gnutls/gnutls.h>
#include <stdio.h>

#include "common/errmsg.h"
#include "rpc/server.h"

chr_err rpc_tls_priorities_check(const char *priorities, char *errmsg, size_t errmsg_cap)
{
    gnutls_priority_t p;
    const char *err_pos = NULL;
    int rc = gnutls_priority_init(&p, priorities, &err_pos);
    if (rc != GNUTLS_E_SUCCESS) {
        size_t at = err_pos != NULL && err_pos >= priorities ? (size_t)(err_pos - priorities) : 0;
        chr_errmsg_set(errmsg, errmsg_cap, "GnuTLS refuses it at byte %zu (\"%.32s\"): %s", at,
                       err_pos != NULL ? err_pos : "", gnutls_strerror(rc));
        return CHR_ERR_CONFIG;
    }
    gnutls_priority_deinit(p);
    return CHR_OK;
}
