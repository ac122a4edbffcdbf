/* Hex encoding of byte strings. Output is lowercase; input may be lower or upper case but
 * must have an even length and no prefix, spaces or other characters. Thread-safe. */
#ifndef CHR_HEX_H
#define CHR_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Writes 2*in_len hex digits and a NUL to out; out_cap must be at least 2*in_len+1. */
void chr_hex_encode(char *out, size_t out_cap, const uint8_t *in, size_t in_len);

/* Decodes hex_len characters of hex into out. CHR_ERR_HEX on an odd length or a non-hex
 * character; CHR_ERR_TOO_LONG if the result would not fit in out_cap. *out_len is set on
 * success and zero on failure. */
CHR_WUR chr_err chr_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *hex,
                               size_t hex_len);

/* Decodes exactly out_len bytes (2*out_len characters), else CHR_ERR_HEX. */
CHR_WUR chr_err chr_hex_decode_exact(uint8_t *out, size_t out_len, const char *hex, size_t hex_len);

#endif
