/* The one way a parser or a loader writes its error message into a caller's (buf, cap):
 * chain.conf (common/config.c, node/config.c), genesis JSON (genesis/genesis.c), the
 * wallet's passphrase input, the transport's setup and the quote body (rpc/quote.c). */
#ifndef CHR_ERRMSG_H
#define CHR_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf, cut to cap - 1 bytes and always NUL terminated. buf may be NULL when
 * cap is 0 (callers that want no message), and then nothing is written. Thread-safe. */
void chr_errmsg_set(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a va_list, for helpers that take a format of their own. */
void chr_errmsg_vset(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
