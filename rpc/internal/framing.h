/* A request's message framing (RFC 9112 sections 3.2 and 6), checked from its header
 * fields before anything reads its body. Private to rpc/. */
#ifndef RPC_INTERNAL_FRAMING_H
#define RPC_INTERNAL_FRAMING_H

#include <microhttpd.h>

/* What framing depends on, as the header fields gave it. The strings point into the
 * request's header fields (valid while its connection is). */
typedef struct rpc_framing {
    int http_1_0;            /* the request line says HTTP/1.0 (Host is optional) */
    unsigned host_count;     /* Host field lines */
    unsigned length_count;   /* Content-Length field lines */
    int length_differs;      /* two Content-Length lines with different values */
    const char *length;      /* the first Content-Length value, or NULL */
    unsigned encoding_count; /* Transfer-Encoding field lines */
    const char *encoding;    /* the first Transfer-Encoding value, or NULL */
    /* Read in the same pass for rpc/auth.c, which judges them (RFC 9112 section 5.1). */
    unsigned auth_count;  /* Authorization field lines */
    unsigned auth_spaced; /* "Authorization " lines: whitespace before the colon */
} rpc_framing;

/* Reads the framing fields of conn's request (version as libmicrohttpd gave it) into *out.
 * One pass over the header fields; never fails. */
void rpc_framing_read(rpc_framing *out, struct MHD_Connection *conn, const char *version);

/* Whether the framing is one the node accepts: NULL if so, or else a message for the 400
 * that refuses the request (a static string). Refused: an HTTP/1.1 request without Host,
 * any with two Host lines (RFC 9112 section 3.2); two different Content-Length values,
 * Content-Length with Transfer-Encoding, a Transfer-Encoding other than one "chunked", and
 * Transfer-Encoding in HTTP/1.0 (section 6.3: each is a request-smuggling vector, and the
 * connection must be closed after the answer). */
const char *rpc_framing_judge(const rpc_framing *f);

#endif
