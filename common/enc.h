/* Canonical binary encoding: fixed-width big-endian integers and length-prefixed byte
 * strings (docs/PROTOCOL.md, "Encoding rules").
 *
 * chr_enc writes into a caller-owned buffer of fixed capacity. A write past the capacity
 * sets `overflow` and writes nothing more; the caller checks chr_enc_finish() once at the
 * end instead of after every field.
 *
 * chr_dec reads from a caller-owned buffer that must outlive it. Every read checks the
 * bytes left first; a declared length is checked against its maximum and against the
 * bytes left before anything is copied. Neither allocates. Not thread-safe per object. */
#ifndef CHR_ENC_H
#define CHR_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct chr_enc {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
} chr_enc;

typedef struct chr_dec {
    const uint8_t *buf;
    size_t len;
    size_t pos;
} chr_dec;

void chr_enc_init(chr_enc *enc, uint8_t *buf, size_t cap);
void chr_enc_u8(chr_enc *enc, uint8_t v);
void chr_enc_u16(chr_enc *enc, uint16_t v);
void chr_enc_u32(chr_enc *enc, uint32_t v);
void chr_enc_u64(chr_enc *enc, uint64_t v);
/* Raw bytes, no length prefix (fixed-size fields such as hashes and keys). */
void chr_enc_raw(chr_enc *enc, const uint8_t *data, size_t data_len);
/* A u8 length then the bytes; data_len must be at most 255. */
void chr_enc_bytes8(chr_enc *enc, const uint8_t *data, size_t data_len);
/* A u16 length then the bytes; data_len must be at most 65535. */
void chr_enc_bytes16(chr_enc *enc, const uint8_t *data, size_t data_len);
/* A u32 length then the bytes. */
void chr_enc_bytes32(chr_enc *enc, const uint8_t *data, size_t data_len);
/* CHR_OK with *out_len the bytes written, or CHR_ERR_TOO_LONG if the buffer overflowed. */
CHR_WUR chr_err chr_enc_finish(const chr_enc *enc, size_t *out_len);

void chr_dec_init(chr_dec *dec, const uint8_t *buf, size_t buf_len);
CHR_WUR chr_err chr_dec_u8(chr_dec *dec, uint8_t *out);
CHR_WUR chr_err chr_dec_u16(chr_dec *dec, uint16_t *out);
CHR_WUR chr_err chr_dec_u32(chr_dec *dec, uint32_t *out);
CHR_WUR chr_err chr_dec_u64(chr_dec *dec, uint64_t *out);
/* Copies exactly out_len bytes. */
CHR_WUR chr_err chr_dec_raw(chr_dec *dec, uint8_t *out, size_t out_len);
/* Points *out at the next n bytes inside the decoder's buffer (no copy). */
CHR_WUR chr_err chr_dec_view(chr_dec *dec, const uint8_t **out, size_t n);
/* A u8/u16/u32 length (at most max, else CHR_ERR_TOO_LONG) then that many bytes, returned
 * as a view into the decoder's buffer. */
CHR_WUR chr_err chr_dec_bytes8(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t max);
CHR_WUR chr_err chr_dec_bytes16(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t max);
CHR_WUR chr_err chr_dec_bytes32(chr_dec *dec, const uint8_t **out, size_t *out_len, size_t max);
/* CHR_OK if every byte was consumed, else CHR_ERR_TRAILING. */
CHR_WUR chr_err chr_dec_finish(const chr_dec *dec);
size_t chr_dec_left(const chr_dec *dec);

/* Big-endian helpers for keys and fixed layouts. */
void chr_put_u32be(uint8_t out[4], uint32_t v);
void chr_put_u64be(uint8_t out[8], uint64_t v);
uint32_t chr_get_u32be(const uint8_t in[4]);
uint64_t chr_get_u64be(const uint8_t in[8]);

/* The most digits a u64 has in decimal. */
#define CHR_U64_DIGITS_MAX 20

/* Parses a canonical decimal u64 of len characters: 1..20 digits, no sign, no spaces, no
 * leading zero except "0" itself. CHR_ERR_OVERFLOW for digits past UINT64_MAX,
 * CHR_ERR_NONCANONICAL for any other form; *out is zero on failure. The one decimal parser
 * of the project: JSON amounts, query parameters, config values, command-line numbers. */
CHR_WUR chr_err chr_u64_parse(uint64_t *out, const char *s, size_t len);

/* Checked arithmetic: CHR_ERR_OVERFLOW (and *out zeroed) when the result does not fit. */
CHR_WUR chr_err chr_add_u64(uint64_t *out, uint64_t a, uint64_t b);
CHR_WUR chr_err chr_mul_u64(uint64_t *out, uint64_t a, uint64_t b);

#endif
