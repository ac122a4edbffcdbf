/* Fuzzes chr_bech32m_decode and chr_address_decode: no input may crash them, and whatever
 * they accept must re-encode to the input, lowercased (one string per value, STYLE.md). An
 * accepted address must also be a bech32m string with hrp "chr" and 32 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_lower(char *out, const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = (char)in[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
}

static void fuzz_bech32m(const char *str, size_t size, const char *lower)
{
    char hrp[CHR_BECH32_STR_MAX + 1];
    uint8_t bytes[CHR_BECH32_STR_MAX];
    size_t bytes_len;
    if (chr_bech32m_decode(hrp, sizeof(hrp), bytes, sizeof(bytes), &bytes_len, str, size) !=
        CHR_OK) {
        return;
    }
    char again[CHR_BECH32_STR_MAX + 1];
    if (chr_bech32m_encode(again, sizeof(again), hrp, bytes, bytes_len) != CHR_OK) {
        abort();
    }
    if (strlen(again) != size || memcmp(again, lower, size) != 0) {
        abort();
    }
}

static void fuzz_address(const char *str, size_t size, const char *lower)
{
    uint8_t key[32];
    if (chr_address_decode(key, str, size) != CHR_OK) {
        return;
    }
    char again[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(again, key);
    if (size != CHR_ADDRESS_STR_LEN || memcmp(again, lower, size) != 0) {
        abort();
    }
    char hrp[sizeof(CHR_ADDRESS_HRP)];
    uint8_t bytes[32];
    size_t bytes_len;
    if (chr_bech32m_decode(hrp, sizeof(hrp), bytes, sizeof(bytes), &bytes_len, str, size) !=
            CHR_OK ||
        strcmp(hrp, CHR_ADDRESS_HRP) != 0 || bytes_len != 32 || memcmp(bytes, key, 32) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The decoders get the whole input; only an accepted one, at most
     * CHR_BECH32_STR_MAX long, is ever compared with its lowercase copy. */
    char lower[CHR_BECH32_STR_MAX + 1];
    fuzz_lower(lower, data, size < sizeof(lower) ? size : sizeof(lower));
    fuzz_bech32m((const char *)data, size, lower);
    fuzz_address((const char *)data, size, lower);
    return 0;
}
