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

/* Unpadded base64url of n bytes (a multiple of 3) into out (4 characters per 3, then a NUL). */
static void b64url_encode(char *out, const uint8_t *b, size_t n)
{
    CHR_ASSERT(n % 3 == 0);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3, o += 4) {
        uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        out[o] = b64url[(v >> 18) & 63];
        out[o + 1] = b64url[(v >> 12) & 63];
        out[o + 2] = b64url[(v >> 6) & 63];
        out[o + 3] = b64url[v & 63];
    }
    out[o] = '\0';
}

/* The bytes of len characters of base64url (a multiple of 4) into b (len / 4 * 3 bytes);
 * CHR_ERR_ARG for a length or character outside it. */
static chr_err b64url_decode(uint8_t *b, const char *s, size_t len)
{
    if (len % 4 != 0) {
        return CHR_ERR_ARG;
    }
    for (size_t i = 0, o = 0; i < len; i += 4, o += 3) {
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
    return CHR_OK;
}

void rpc_cursor_encode(char out[RPC_CURSOR_STR_LEN + 1], const rpc_cursor *c)
{
    uint8_t b[RPC_CURSOR_BYTES];
    b[0] = RPC_CURSOR_VERSION;
    b[1] = (uint8_t)c->kind;
    chr_put_u64be(b + 2, c->height);
    chr_put_u32be(b + 10, c->index);
    cursor_check(b + CURSOR_BODY_BYTES, b);
    b64url_encode(out, b, RPC_CURSOR_BYTES);
    CHR_ASSERT(strlen(out) == RPC_CURSOR_STR_LEN);
}

chr_err rpc_cursor_decode(rpc_cursor *out, rpc_cursor_kind kind, const char *s, size_t s_len)
{
    memset(out, 0, sizeof(*out));
    uint8_t b[RPC_CURSOR_BYTES];
    if (s_len != RPC_CURSOR_STR_LEN || b64url_decode(b, s, s_len) != CHR_OK) {
        return CHR_ERR_ARG;
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

/* A key cursor's bytes: head, key, zero padding to a whole base64url group, check. */
static size_t key_cursor_bytes(size_t key_len)
{
    size_t n = 3 + key_len + CURSOR_CHECK_BYTES;
    return n + (3 - n % 3) % 3;
}

void rpc_key_cursor_encode(char out[RPC_KEY_CURSOR_STR_MAX + 1], rpc_cursor_kind kind,
                           const uint8_t *key, size_t key_len)
{
    CHR_ASSERT(key_len <= RPC_KEY_CURSOR_KEY_MAX);
    uint8_t b[RPC_KEY_CURSOR_BYTES_MAX];
    size_t n = key_cursor_bytes(key_len);
    memset(b, 0, sizeof(b));
    b[0] = RPC_KEY_CURSOR_VERSION;
    b[1] = (uint8_t)kind;
    b[2] = (uint8_t)key_len;
    if (key_len > 0) {
        memcpy(b + 3, key, key_len);
    }
    uint8_t h[CHR_HASH_LEN];
    chr_tagged_hash(h, CURSOR_TAG, b, n - CURSOR_CHECK_BYTES);
    memcpy(b + n - CURSOR_CHECK_BYTES, h, CURSOR_CHECK_BYTES);
    b64url_encode(out, b, n);
}

chr_err rpc_key_cursor_decode(rpc_cursor_kind kind, const char *s, size_t s_len,
                              uint8_t key[RPC_KEY_CURSOR_KEY_MAX], size_t *key_len)
{
    *key_len = 0;
    uint8_t b[RPC_KEY_CURSOR_BYTES_MAX];
    if (s_len > RPC_KEY_CURSOR_STR_MAX || s_len < 8 || b64url_decode(b, s, s_len) != CHR_OK) {
        return CHR_ERR_ARG;
    }
    size_t n = s_len / 4 * 3;
    size_t len = b[2];
    if (b[0] != RPC_KEY_CURSOR_VERSION || b[1] != (uint8_t)kind || len > RPC_KEY_CURSOR_KEY_MAX ||
        key_cursor_bytes(len) != n) {
        return CHR_ERR_ARG;
    }
    for (size_t i = 3 + len; i < n - CURSOR_CHECK_BYTES; i++) {
        if (b[i] != 0) {
            return CHR_ERR_ARG; /* the padding is zeros */
        }
    }
    uint8_t h[CHR_HASH_LEN];
    chr_tagged_hash(h, CURSOR_TAG, b, n - CURSOR_CHECK_BYTES);
    if (memcmp(h, b + n - CURSOR_CHECK_BYTES, CURSOR_CHECK_BYTES) != 0) {
        return CHR_ERR_ARG;
    }
    memcpy(key, b + 3, len);
    *key_len = len;
    return CHR_OK;
}

/* ?limit=: RPC_LIST_LIMIT_DEFAULT when absent; 0 and a 400 reply otherwise. */
static int list_limit(rpc_ctx *x, rpc_reply *r, size_t *limit)
{
    const char *l = rpc_query(x, "limit");
    uint64_t v = RPC_LIST_LIMIT_DEFAULT;
    *limit = 0;
    if (l != NULL && (!rpc_parse_u64(l, &v) || v == 0 || v > RPC_LIST_LIMIT_MAX)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "limit: a whole number from 1 to %d", RPC_LIST_LIMIT_MAX);
        rpc_reply_error(r, 400, CHR_ERR_ARG, msg, "limit");
        return 0;
    }
    *limit = (size_t)v;
    return 1;
}

static void reply_bad_cursor(rpc_reply *r)
{
    rpc_reply_error(r, 400, CHR_ERR_CURSOR,
                    "cursor: not a cursor this list gave out; pass next_cursor unchanged",
                    "cursor");
}

int rpc_key_list_params(rpc_ctx *x, rpc_reply *r, rpc_cursor_kind kind, size_t *limit,
                        uint8_t key[RPC_KEY_CURSOR_KEY_MAX], size_t *key_len, int *has_cursor)
{
    const char *c = rpc_query(x, "cursor");
    *key_len = 0;
    *has_cursor = 0;
    if (!list_limit(x, r, limit)) {
        return 0;
    }
    if (c != NULL && rpc_key_cursor_decode(kind, c, strlen(c), key, key_len) != CHR_OK) {
        *limit = 0;
        reply_bad_cursor(r);
        return 0;
    }
    *has_cursor = c != NULL;
    return 1;
}

int rpc_list_params(rpc_ctx *x, rpc_reply *r, rpc_cursor_kind kind, size_t *limit,
                    rpc_cursor *cursor, int *has_cursor)
{
    const char *c = rpc_query(x, "cursor");
    *has_cursor = 0;
    memset(cursor, 0, sizeof(*cursor));
    if (!list_limit(x, r, limit)) {
        return 0;
    }
    if (c != NULL && rpc_cursor_decode(cursor, kind, c, strlen(c)) != CHR_OK) {
        *limit = 0;
        reply_bad_cursor(r);
        return 0;
    }
    *has_cursor = c != NULL;
    return 1;
}
