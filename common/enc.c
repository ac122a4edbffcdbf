#include "common/enc.h"

#include <string.h>

#include "common/assert.h"

void chr_enc_init(chr_enc *enc, uint8_t *buf, size_t cap)
{
    CHR_ASSERT(buf != NULL || cap == 0);
    enc->buf = buf;
    enc->cap = cap;
    enc->len = 0;
    enc->overflow = false;
}

void chr_enc_raw(chr_enc *enc, const uint8_t *data, size_t data_len)
{
    CHR_ASSERT(data != NULL || data_len == 0);
    if (enc->overflow || data_len > enc->cap - enc->len) {
        enc->overflow = true;
        return;
    }
    if (data_len > 0) {
        memcpy(enc->buf + enc->len, data, data_len);
    }
    enc->len += data_len;
    CHR_ASSERT(enc->len <= enc->cap);
}

void chr_enc_u8(chr_enc *enc, uint8_t v)
{
    chr_enc_raw(enc, &v, 1);
}

void chr_enc_u16(chr_enc *enc, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    chr_enc_raw(enc, b, 2);
}

void chr_enc_u32(chr_enc *enc, uint32_t v)
{
    uint8_t b[4];
    chr_put_u32be(b, v);
    chr_enc_raw(enc, b, 4);
}

void chr_enc_u64(chr_enc *enc, uint64_t v)
{
    uint8_t b[8];
    chr_put_u64be(b, v);
    chr_enc_raw(enc, b, 8);
}

void chr_enc_bytes8(chr_enc *enc, const uint8_t *data, size_t data_len)
{
    CHR_ASSERT(data_len <= UINT8_MAX);
    chr_enc_u8(enc, (uint8_t)data_len);
    chr_enc_raw(enc, data, data_len);
}

void chr_enc_bytes16(chr_enc *enc, const uint8_t *data, size_t data_len)
{
    CHR_ASSERT(data_len <= UINT16_MAX);
    chr_enc_u16(enc, (uint16_t)data_len);
    chr_enc_raw(enc, data, data_len);
}

void chr_enc_bytes32(chr_enc *enc, const uint8_t *data, size_t data_len)
{
    CHR_ASSERT(data_len <= UINT32_MAX);
    chr_enc_u32(enc, (uint32_t)data_len);
    chr_enc_raw(enc, data, data_len);
}

chr_err chr_enc_finish(const chr_enc *enc, size_t *out_len)
{
    if (enc->overflow) {
        *out_len = 0;
        return CHR_ERR_TOO_LONG;
    }
    *out_len = enc->len;
    return CHR_OK;
}

void chr_dec_init(chr_dec *dec, const uint8_t *buf, size_t buf_len)
{
    CHR_ASSERT(buf != NULL || buf_len == 0);
    dec->buf = buf;
    dec->len = buf_len;
    dec->pos = 0;
}

size_t chr_dec_left(const chr_dec *dec)
{
    CHR_ASSERT(dec->pos <= dec->len);
    return dec->len - dec->pos;
}

chr_err chr_dec_view(chr_dec *dec, const uint8_t **out, size_t n)
{
    if (n > chr_dec_left(dec)) {
        *out = NULL;
        return CHR_ERR_TRUNCATED;
    }
    *out = dec->buf + dec->pos;
    dec->pos += n;
    return CHR_OK;
}

chr_err chr_dec_raw(chr_dec *dec, uint8_t *out, size_t out_len)
{
    const uint8_t *p;
    chr_err err = chr_dec_view(dec, &p, out_len);
    if (err != CHR_OK) {
        memset(out, 0, out_len);
        return err;
    }
    if (out_len > 0) {
        memcpy(out, p, out_len);
    }
    return CHR_OK;
}

chr_err chr_dec_u8(chr_dec *dec, uint8_t *out)
{
    return chr_dec_raw(dec, out, 1);
}

chr_err chr_dec_u16(chr_dec *dec, uint16_t *out)
{
    uint8_t b[2];
    chr_err err = chr_dec_raw(dec, b, 2);
    *out = (uint16_t)((b[0] << 8) | b[1]);
    return err;
}

chr_err chr_dec_u32(chr_dec *dec, uint32_t *out)
{
    uint8_t b[4];
    chr_err err = chr_dec_raw(dec, b, 4);
    *out = chr_get_u32be(b);
    return err;
}

chr_err chr_dec_u64(chr_dec *dec, uint64_t *out)
{
    uint8_t b[8];
    chr_err err = chr_dec_raw(dec, b, 8);
    *out = chr_get_u64be(b);
    return err;
}

static chr_err dec_bytes_len(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t n,
                             size_t max)
{
    *out = NULL;
    *out_len = 0;
    if (n > max) {
        return CHR_ERR_TOO_LONG;
    }
    chr_err err = chr_dec_view(dec, out, n);
    if (err == CHR_OK) {
        *out_len = n;
    }
    return err;
}

chr_err chr_dec_bytes8(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t max)
{
    uint8_t n;
    chr_err err = chr_dec_u8(dec, &n);
    if (err != CHR_OK) {
        *out = NULL;
        *out_len = 0;
        return err;
    }
    return dec_bytes_len(dec, out, out_len, n, max);
}

chr_err chr_dec_bytes16(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t max)
{
    uint16_t n;
    chr_err err = chr_dec_u16(dec, &n);
    if (err != CHR_OK) {
        *out = NULL;
        *out_len = 0;
        return err;
    }
    return dec_bytes_len(dec, out, out_len, n, max);
}

chr_err chr_dec_bytes32(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t max)
{
    uint32_t n;
    chr_err err = chr_dec_u32(dec, &n);
    if (err != CHR_OK) {
        *out = NULL;
        *out_len = 0;
        return err;
    }
    return dec_bytes_len(dec, out, out_len, n, max);
}

chr_err chr_dec_finish(const chr_dec *dec)
{
    return chr_dec_left(dec) == 0 ? CHR_OK : CHR_ERR_TRAILING;
}

void chr_put_u32be(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

void chr_put_u64be(uint8_t out[8], uint64_t v)
{
    chr_put_u32be(out, (uint32_t)(v >> 32));
    chr_put_u32be(out + 4, (uint32_t)v);
}

uint32_t chr_get_u32be(const uint8_t in[4])
{
    return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) |
           (uint32_t)in[3];
}

uint64_t chr_get_u64be(const uint8_t in[8])
{
    return ((uint64_t)chr_get_u32be(in) << 32) | chr_get_u32be(in + 4);
}

chr_err chr_add_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    if (__builtin_add_overflow(a, b, out)) {
        *out = 0;
        return CHR_ERR_OVERFLOW;
    }
    return CHR_OK;
}

chr_err chr_mul_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    if (__builtin_mul_overflow(a, b, out)) {
        *out = 0;
        return CHR_ERR_OVERFLOW;
    }
    return CHR_OK;
}

chr_err chr_u64_parse(uint64_t *out, const char *s, size_t len)
{
    *out = 0;
    if (len == 0 || (s[0] == '0' && len > 1)) {
        return CHR_ERR_NONCANONICAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return CHR_ERR_NONCANONICAL;
        }
    }
    if (len > CHR_U64_DIGITS_MAX) {
        return CHR_ERR_OVERFLOW;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            return CHR_ERR_OVERFLOW;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return CHR_OK;
}
