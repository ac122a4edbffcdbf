#include "common/hex.h"

#include <string.h>

#include "common/assert.h"

void chr_hex_encode(char *out, size_t out_cap, const uint8_t *in, size_t in_len)
{
    static const char digits[] = "0123456789abcdef";
    CHR_ASSERT(out_cap >= 2 * in_len + 1);
    for (size_t i = 0; i < in_len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * in_len] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

chr_err chr_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *hex,
                       size_t hex_len)
{
    *out_len = 0;
    if (hex_len % 2 != 0) {
        return CHR_ERR_HEX;
    }
    if (hex_len / 2 > out_cap) {
        return CHR_ERR_TOO_LONG;
    }
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_digit(hex[2 * i]);
        int lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            memset(out, 0, i);
            return CHR_ERR_HEX;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = hex_len / 2;
    return CHR_OK;
}

chr_err chr_hex_decode_exact(uint8_t *out, size_t out_len, const char *hex, size_t hex_len)
{
    size_t n;
    if (hex_len != 2 * out_len) {
        memset(out, 0, out_len);
        return CHR_ERR_HEX;
    }
    return chr_hex_decode(out, out_len, &n, hex, hex_len);
}
