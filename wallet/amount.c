#include "wallet/amount.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"

static uint64_t pow10_u64(unsigned n)
{
    CHR_ASSERT(n <= WALLET_AMOUNT_DECIMALS_MAX);
    uint64_t p = 1;
    for (unsigned i = 0; i < n; i++) {
        p *= 10;
    }
    return p;
}

chr_err wallet_amount_parse(uint64_t *units, const char *s, unsigned decimals)
{
    CHR_ASSERT(decimals <= WALLET_AMOUNT_DECIMALS_MAX);
    *units = 0;
    const char *dot = strchr(s, '.');
    size_t whole_len = dot != NULL ? (size_t)(dot - s) : strlen(s);
    size_t frac_len = dot != NULL ? strlen(dot + 1) : 0;
    if (whole_len == 0 || (dot != NULL && frac_len == 0)) {
        return CHR_ERR_ARG;
    }
    for (size_t i = 0; i < frac_len; i++) {
        if (dot[1 + i] < '0' || dot[1 + i] > '9') {
            return CHR_ERR_ARG;
        }
    }
    uint64_t whole;
    chr_err err = chr_u64_parse(&whole, s, whole_len);
    if (err != CHR_OK) {
        return err == CHR_ERR_OVERFLOW ? CHR_ERR_OVERFLOW : CHR_ERR_ARG;
    }
    if (frac_len > decimals) {
        return CHR_ERR_TOO_LONG;
    }
    /* The fraction's digits, scaled to exactly `decimals` digits: "5" of "1.5" with six
     * decimals is 500000. It is below 10^decimals, so it cannot overflow. */
    uint64_t frac = 0;
    for (size_t i = 0; i < frac_len; i++) {
        frac = frac * 10 + (uint64_t)(dot[1 + i] - '0');
    }
    frac *= pow10_u64(decimals - (unsigned)frac_len);
    uint64_t v;
    err = chr_mul_u64(&v, whole, pow10_u64(decimals));
    err = err ? err : chr_add_u64(&v, v, frac);
    if (err != CHR_OK) {
        return CHR_ERR_OVERFLOW;
    }
    *units = v;
    return CHR_OK;
}

void wallet_amount_format(char *out, size_t out_cap, uint64_t units, unsigned decimals)
{
    CHR_ASSERT(decimals <= WALLET_AMOUNT_DECIMALS_MAX);
    uint64_t one = pow10_u64(decimals);
    char frac[CHR_U64_DIGITS_MAX + 1];
    snprintf(frac, sizeof(frac), "%0*llu", (int)decimals, (unsigned long long)(units % one));
    size_t n = decimals;
    while (n > 0 && frac[n - 1] == '0') {
        n--;
    }
    frac[n] = '\0';
    int len = snprintf(out, out_cap, "%llu%s%s", (unsigned long long)(units / one),
                       n > 0 ? "." : "", frac);
    CHR_ASSERT(len > 0 && (size_t)len < out_cap);
}
