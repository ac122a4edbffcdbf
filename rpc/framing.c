#include "rpc/internal/framing.h"

#include <string.h>
#include <strings.h>

#include "common/assert.h"

/* libmicrohttpd's iterator over header fields: names are case-insensitive (RFC 9110
 * section 5.1), and every line of a repeated field comes here once. */
static enum MHD_Result framing_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    rpc_framing *f = cls;
    (void)kind;
    /* Every request comes here once per field: most names start with none of the four
     * letters, and are passed over without a string comparison. */
    char first = key != NULL && value != NULL ? (char)(key[0] | 0x20) : '\0';
    if (first != 'h' && first != 'c' && first != 't' && first != 'a') {
        return MHD_YES;
    }
    size_t auth_len = strlen(MHD_HTTP_HEADER_AUTHORIZATION);
    if (first == 'a' && strncasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION, auth_len) == 0) {
        f->auth_count += key[auth_len] == '\0';
        f->auth_spaced += key[auth_len] == ' ' || key[auth_len] == '\t';
    } else if (strcasecmp(key, "Host") == 0) {
        f->host_count++;
    } else if (strcasecmp(key, "Content-Length") == 0) {
        if (f->length == NULL) {
            f->length = value;
        } else if (strcmp(f->length, value) != 0) {
            f->length_differs = 1;
        }
        f->length_count++;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        if (f->encoding == NULL) {
            f->encoding = value;
        }
        f->encoding_count++;
    }
    return MHD_YES;
}

void rpc_framing_read(rpc_framing *out, struct MHD_Connection *conn, const char *version)
{
    memset(out, 0, sizeof(*out));
    out->http_1_0 = version != NULL && strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_field, out);
}

const char *rpc_framing_judge(const rpc_framing *f)
{
    CHR_ASSERT(f->length_count > 0 || f->length == NULL);
    CHR_ASSERT(f->encoding_count > 0 || f->encoding == NULL);
    if (f->host_count > 1) {
        return "Host: more than one";
    }
    if (f->host_count == 0 && !f->http_1_0) {
        return "Host: required in HTTP/1.1";
    }
    if (f->length_differs) {
        return "Content-Length: two different values";
    }
    if (f->encoding_count == 0) {
        return NULL;
    }
    /* Transfer-Encoding: RFC 9112 section 6.1 allows it only from HTTP/1.1 on; section 6.3
     * has it override Content-Length, which a proxy in front may read otherwise, and only
     * a final "chunked" says where the body ends. The node decodes nothing else. */
    if (f->http_1_0) {
        return "Transfer-Encoding: not in HTTP/1.0";
    }
    if (f->length_count > 0) {
        return "Content-Length: not with Transfer-Encoding";
    }
    if (f->encoding_count > 1 || strcasecmp(f->encoding, "chunked") != 0) {
        return "Transfer-Encoding: only chunked is accepted";
    }
    return NULL;
}
