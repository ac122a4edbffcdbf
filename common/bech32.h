/* Bech32m (BIP-350) and Chroom addresses: bech32m with the prefix "chr" over the 32-byte
 * x-only public key. Thread-safe; no allocation. */
#ifndef CHR_BECH32_H
#define CHR_BECH32_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CHR_ADDRESS_HRP "chr"
/* "chr" + "1" + 52 data characters (256 bits in 5-bit groups) + 6 checksum = 62. */
#define CHR_ADDRESS_STR_LEN 62
/* BIP-173's limit on the length of any bech32 string. */
#define CHR_BECH32_STR_MAX 90

/* Encodes data (8-bit bytes, regrouped to 5 bits) under hrp as bech32m, lowercase, NUL
 * terminated. CHR_ERR_TOO_LONG if it would exceed CHR_BECH32_STR_MAX or out_cap (which
 * must also hold the NUL); CHR_ERR_ARG for an hrp that BIP-173 does not allow (empty, over
 * 83 characters, characters outside 33..126) or that holds upper case, since the output is
 * lowercase. On failure out is zeroed. */
CHR_WUR chr_err chr_bech32m_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data,
                                   size_t data_len);

/* Decodes a bech32m string (all lowercase or all uppercase) of exactly str_len characters
 * (no NUL needed) into its hrp (lowercased, NUL terminated) and data bytes. Rejects: mixed
 * case, bad characters, lengths over CHR_BECH32_STR_MAX, a bad checksum, a bech32 (not
 * bech32m) checksum, padding that is not zero or longer than 4 bits, and an hrp or data
 * that do not fit hrp_cap (with the NUL) or data_cap. Because the output is bytes, a
 * string whose checksum is valid but whose padding bits are set (BIP-350's valid vector
 * "11llll...ludsr8") is rejected: each byte string has one encoding. Every failure is
 * CHR_ERR_BECH32, with the outputs zeroed and *data_len 0. */
CHR_WUR chr_err chr_bech32m_decode(char *hrp_out, size_t hrp_cap, uint8_t *data_out,
                                   size_t data_cap, size_t *data_len, const char *str,
                                   size_t str_len);

/* The address of an x-only public key: out gets CHR_ADDRESS_STR_LEN chars and a NUL. */
void chr_address_encode(char out[CHR_ADDRESS_STR_LEN + 1], const uint8_t pubkey[32]);

/* Parses an address: prefix "chr", exactly 32 data bytes; CHR_ERR_BECH32 otherwise. It
 * does not check that the key is on the curve (ledger_pubkey_check does). */
CHR_WUR chr_err chr_address_decode(uint8_t pubkey[32], const char *str, size_t str_len);

#endif
