/* Token amounts as people write them ("1.5" CHR) and as the chain counts them (units):
 * exact decimal conversion, no floating point.
 *
 * A token with d decimals has 10^d units in one whole token (CHR: d = 6, so "1.5" is
 * 1500000 units). Pure functions, thread-safe, no allocation. */
#ifndef WALLET_AMOUNT_H
#define WALLET_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The most decimals a token may have: 10^19 is the largest power of ten below 2^64. */
#define WALLET_AMOUNT_DECIMALS_MAX 19
/* The longest formatted amount with its NUL: 20 digits of 2^64-1, a point, a leading "0",
 * the NUL. */
#define WALLET_AMOUNT_STR_MAX 24

/* Parses s, the whole string: digits, optionally a point and 1..decimals more digits
 * ("0", "12", "1.5", "0.000001", "1.50"). No sign, exponent, spaces, separators, leading
 * zeros ("01") or a bare point ("1.", ".5"). *units = value * 10^decimals.
 * CHR_ERR_ARG for bad syntax, CHR_ERR_TOO_LONG for more fraction digits than decimals,
 * CHR_ERR_OVERFLOW when the units do not fit in 64 bits. *units is 0 on failure.
 * decimals must be at most WALLET_AMOUNT_DECIMALS_MAX. */
CHR_WUR chr_err wallet_amount_parse(uint64_t *units, const char *s, unsigned decimals);

/* Writes units as a decimal with decimals fraction digits, trailing zeros of the fraction
 * (and a point left alone) removed: 1500000 with 6 decimals is "1.5", 2000000 is "2", 1 is
 * "0.000001". out_cap >= WALLET_AMOUNT_STR_MAX always suffices; a smaller out_cap that
 * cannot hold the text is a caller bug (asserted). */
void wallet_amount_format(char *out, size_t out_cap, uint64_t units, unsigned decimals);

#endif
