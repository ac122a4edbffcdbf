/* libmicrohttpd's own messages through the node's logger (rpc/internal/http.h): with a
 * timestamp and a level, and rate-limited, since any client can make libmicrohttpd write
 * a line (a malformed request, a closed connection). */
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/log.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/limits.h"

void rpc_mhd_log_init(rpc_mhd_log *l, uint64_t now_ms)
{
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    l->window_start_ms = now_ms;
}

void rpc_mhd_log_deinit(rpc_mhd_log *l)
{
    pthread_mutex_destroy(&l->mu);
}

int rpc_mhd_log_admit(rpc_mhd_log *l, uint64_t now_ms, int warn, unsigned *suppressed_out,
                      int *suppressed_warn_out)
{
    pthread_mutex_lock(&l->mu);
    *suppressed_out = 0;
    *suppressed_warn_out = 0;
    if (now_ms - l->window_start_ms >= RPC_MHD_LOG_WINDOW_MS) {
        *suppressed_out = l->suppressed;
        *suppressed_warn_out = l->suppressed_warn;
        l->window_start_ms = now_ms;
        l->lines = 0;
        l->suppressed = 0;
        l->suppressed_warn = 0;
    }
    int admit = l->lines < RPC_MHD_LOG_LINES_MAX;
    if (admit) {
        l->lines++;
    } else {
        l->suppressed++;
        l->suppressed_warn |= warn;
    }
    CHR_ASSERT(l->lines <= RPC_MHD_LOG_LINES_MAX);
    pthread_mutex_unlock(&l->mu);
    return admit;
}

/* What clients cause, in libmicrohttpd 0.9.75's words: malformed or oversized requests,
 * connections closed, reset or timed out, failed TLS handshakes, and the per-address
 * limit. Anything else (binding, threads, epoll, memory, TLS setup, the total connection
 * limit) is the server's problem and a warning. */
static const char *const mhd_log_client_noise[] = {
    "Error processing request",
    "receive",
    "send data",
    "disconnected",
    "reset",
    "closed",
    "Closing connection",
    "handshake",
    "timed out",
    "exceeds",
    "in pool",
    "Failed to send",
    "Failed to receive",
    "header",
    "request",
    "chunk",
    /* The node's handler returns MHD_NO when it has no memory for a new request
     * (rpc/server.c, on_request). */
    "Application reported internal error",
};

void rpc_mhd_log_line(void *cls, const char *fmt, va_list ap)
{
    rpc_server *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' ')) {
        msg[--n] = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        /* A message may quote what the client sent; keep it to one printable line. */
        if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f) {
            msg[i] = '?';
        }
    }
    int warn = 1;
    for (size_t i = 0; i < sizeof(mhd_log_client_noise) / sizeof(mhd_log_client_noise[0]); i++) {
        if (strstr(msg, mhd_log_client_noise[i]) != NULL) {
            warn = 0;
            break;
        }
    }
    unsigned suppressed;
    int suppressed_warn;
    int admit =
        rpc_mhd_log_admit(&srv->mhd_log, rpc_clock_ms(), warn, &suppressed, &suppressed_warn);
    if (suppressed > 0) {
        chr_log(suppressed_warn ? CHR_LOG_WARN : CHR_LOG_DEBUG,
                "api: %u more libmicrohttpd messages left out (at most %u every %u s)", suppressed,
                RPC_MHD_LOG_LINES_MAX, RPC_MHD_LOG_WINDOW_MS / 1000);
    }
    if (admit) {
        chr_log(warn ? CHR_LOG_WARN : CHR_LOG_DEBUG, "api: libmicrohttpd: %s", msg);
    }
}
