/* The wallet's HTTP client (libcurl: it verifies HTTPS certificates and bounds every call
 * with a timeout, which the wallet needs for a definite answer; docs/DEPENDENCIES.md). */
#ifndef WALLET_HTTP_H
#define WALLET_HTTP_H

#include <stddef.h>

#include "common/err.h"

/* Responses larger than this are cut off and reported as an error: the node's answers
 * are at most a few MiB (a full block). */
#define WALLET_HTTP_RESPONSE_MAX (16u * 1024 * 1024)

/* Trusts the CA certificates in path (PEM) instead of the system's, for a node with its
 * own CA. Call before any request; path must outlive the requests. */
void wallet_http_set_ca_file(const char *path);

/* Sends "Authorization: Bearer <key>" (an API key or an OAuth access token) with every
 * request from now on. 0 when key is empty, longer than 256 characters or holds anything
 * but visible ASCII (it goes into a header line). Call before any request. */
int wallet_http_set_api_key(const char *key);

/* Calls method url with an optional JSON body; the whole call (connecting, TLS, sending,
 * the answer) takes at most timeout_ms. On CHR_OK, *status is the HTTP status and *resp a
 * NUL-terminated malloc'ed body (caller frees). CHR_ERR_TIMEOUT when the node did not answer
 * within timeout_ms, CHR_ERR_IO when it could not be reached or the answer was cut; errmsg
 * says which. *sent (may be NULL) tells a failed call's two cases apart: 0 when the request
 * never left (no connection, a refused certificate), so the node cannot have acted on it; 1
 * when it was sent, or may have been, so its effect is unknown. */
CHR_WUR chr_err wallet_http(const char *method, const char *url, const char *body, long timeout_ms,
                            long *status, char **resp, int *sent, char *errmsg, size_t errmsg_cap);

#endif
