/* Pagination: limits and cursors (rpc/internal/list.h). */
#include "rpc/internal/list.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "rpc/limits.h"

#define CURSOR_TAG "CHROOM/cursor"
#define CURSOR_CHECK_BYTES 4
#define CURSOR_BODY_BYTES (RPC_CURSOR_BYTES - CURSOR_CHECK_BYTES)

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(char c)
{
    const char *p = c != '\0' ? strchr(b64url, c) : NULL;
    return p != NULL ? (int)(p - b64url) : -1;
}

static void cursor_check(uint8_t out[CURSOR_CHECK_BYTES], const uint8_t body[CURSOR_BODY_BYTES])
{
    uint8_t h[CHR_HASH_LEN];
    chr_tagged_hash(h, CURSOR_TAG, body, CURSOR_BODY_BYTES);
    memcpy(out, h, CURSOR_CHECK_BYTES);
}

void rpc_cursor_encode(char out[RPC_CURSOR_STR_LEN + 1], const rpc_cursor *c)
{
    uint8_t b[RPC_CURSOR_BYTES];
    b[0] = RPC_CURSOR_VERSION;
    b[1] = (uint8_t)c->kind;
    chr_put_u64be(b + 2, c->height);
    chr_put_u32be(b + 10, c->index);
    cursor_check(b + CURSOR_BODY_BYTES, b);
    /* RPC_CURSOR_BYTES is a multiple of 3, so every group of 3 bytes is 4
     * characters. */
    for (size_t i = 0, o = 0; i < RPC_CURSOR_BYTES; i += 3, o += 4) {
        uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        out[o] = b64url[(v >> 18) & 63];
        out[o + 1] = b64url[(v >> 12) & 63];
        out[o + 2] = b64url[(v >> 6) & 63];
        out[o + 3] = b64url[v & 63];
    }
    out[RPC_CURSOR_STR_LEN] = '\0';
    CHR_ASSERT(strlen(out) == RPC_CURSOR_STR_LEN);
}

chr_err rpc_cursor_decode(rpc_cursor *out, rpc_cursor_kind kind, const char *s, size_t s_len)
{
    memset(out, 0, sizeof(*out));
    if (s_len != RPC_CURSOR_STR_LEN) {
        return CHR_ERR_ARG;
    }
    uint8_t b[RPC_CURSOR_BYTES];
    for (size_t i = 0, o = 0; i < RPC_CURSOR_STR_LEN; i += 4, o += 3) {
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = b64url_value(s[i + j]);
            if (d < 0) {
                return CHR_ERR_ARG;
            }
            v = v << 6 | (uint32_t)d;
        }
        b[o] = (uint8_t)(v >> 16);
        b[o + 1] = (uint8_t)(v >> 8);
        b[o + 2] = (uint8_t)v;
    }
    uint8_t check[CURSOR_CHECK_BYTES];
    cursor_check(check, b);
    if (b[0] != RPC_CURSOR_VERSION || b[1] != (uint8_t)kind ||
        memcmp(check, b + CURSOR_BODY_BYTES, CURSOR_CHECK_BYTES) != 0) {
        return CHR_ERR_ARG;
    }
    out->kind = kind;
    out->height = chr_get_u64be(b + 2);
    out->index = chr_get_u32be(b + 10);
    return CHR_OK;
}

int rpc_list_params(rpc_ctx *x, rpc_reply *r, rpc_cursor_kind kind, size_t *limit,
                    rpc_cursor *cursor, int *has_cursor)
{
    const char *l = rpc_query(x, "limit");
    const char *c = rpc_query(x, "cursor");
    uint64_t v = RPC_LIST_LIMIT_DEFAULT;
    *limit = 0;
    *has_cursor = 0;
    memset(cursor, 0, sizeof(*cursor));
    if (l != NULL && (!rpc_parse_u64(l, &v) || v == 0 || v > RPC_LIST_LIMIT_MAX)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "limit: a whole number from 1 to %d", RPC_LIST_LIMIT_MAX);
        rpc_reply_error(r, 400, CHR_ERR_ARG, msg, "limit");
        return 0;
    }
    if (c != NULL && rpc_cursor_decode(cursor, kind, c, strlen(c)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_CURSOR,
                        "cursor: not a cursor this list gave out; pass next_cursor unchanged",
                        "cursor");
        return 0;
    }
    *limit = (size_t)v;
    *has_cursor = c != NULL;
    return 1;
}
