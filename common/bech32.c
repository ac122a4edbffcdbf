#include "common/bech32.h"

#include <string.h>

#include "common/assert.h"

/* BIP-173, "Bech32": the checksum is 6 characters and the human-readable part 1 to 83. */
#define BECH32_CHECKSUM_LEN 6
#define BECH32_HRP_MAX 83
/* The most 5-bit data symbols (checksum included) a string of CHR_BECH32_STR_MAX holds:
 * everything but a one-character hrp and the separator. */
#define BECH32_SYMBOLS_MAX (CHR_BECH32_STR_MAX - 2)
/* BIP-350, "Specification": bech32m xors this constant into the checksum where bech32
 * xors 1. */
#define BECH32M_CONST 0x2bc830a3u

_Static_assert(CHR_ADDRESS_STR_LEN ==
                   sizeof(CHR_ADDRESS_HRP) - 1 + 1 + (32 * 8 + 4) / 5 + BECH32_CHECKSUM_LEN,
               "an address is hrp, separator, 52 data characters and the checksum");
_Static_assert(CHR_ADDRESS_STR_LEN <= CHR_BECH32_STR_MAX, "an address fits BIP-173's limit");
_Static_assert(BECH32_HRP_MAX + 1 + BECH32_CHECKSUM_LEN <= CHR_BECH32_STR_MAX,
               "the longest hrp still leaves room for the separator and checksum");

/* BIP-173, "Bech32": the 32 data characters, in the order of their 5-bit values. */
static const char bech32_charset[32] = {'q', 'p', 'z', 'r', 'y', '9', 'x', '8', 'g', 'f', '2',
                                        't', 'v', 'd', 'w', '0', 's', '3', 'j', 'n', '5', '4',
                                        'k', 'h', 'c', 'e', '6', 'm', 'u', 'a', '7', 'l'};

/* One step of BIP-173's polymod: multiplies the checksum polynomial by x and adds value,
 * modulo the BCH code's generator. */
static uint32_t bech32_polymod_step(uint32_t chk, uint8_t value)
{
    static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                    0x2a1462b3u};
    CHR_ASSERT(value < 32);
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffffu) << 5) ^ value;
    for (int i = 0; i < 5; i++) {
        if ((top >> i) & 1) {
            chk ^= gen[i];
        }
    }
    return chk;
}

/* The polymod state after BIP-173's hrp expansion: the high bits of each character, a
 * zero, then the low bits. The hrp must already be lowercase. */
static uint32_t bech32_polymod_hrp(const char *hrp, size_t hrp_len)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++) {
        chk = bech32_polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    }
    chk = bech32_polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++) {
        chk = bech32_polymod_step(chk, (uint8_t)((unsigned char)hrp[i] & 31));
    }
    return chk;
}

static char bech32_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* The 5-bit value of a lowercase data character, or -1 if it is not in the charset. */
static int bech32_value(char c)
{
    for (int v = 0; v < 32; v++) {
        if (bech32_charset[v] == c) {
            return v;
        }
    }
    return -1;
}

/* BIP-173 allows hrp characters 33 to 126; an encoder must write lowercase, so an
 * uppercase hrp is refused rather than silently changed. */
static int bech32_hrp_valid(const char *hrp, size_t hrp_len)
{
    if (hrp_len < 1 || hrp_len > BECH32_HRP_MAX) {
        return 0;
    }
    for (size_t i = 0; i < hrp_len; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z')) {
            return 0;
        }
    }
    return 1;
}

/* Appends one 5-bit symbol as a character and feeds it to the checksum. */
static void bech32_put(char *out, size_t *pos, uint32_t *chk, uint8_t value)
{
    out[(*pos)++] = bech32_charset[value];
    *chk = bech32_polymod_step(*chk, value);
}

/* Regroups data from 8-bit bytes to 5-bit symbols, zero-padding the last one (BIP-173's
 * convertbits with padding), and writes them with the checksum after them. */
static void bech32_put_data(char *out, size_t *pos, uint32_t chk, const uint8_t *data,
                            size_t data_len)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < data_len; i++) {
        /* At most 4 bits are left over from the previous byte, so 12 bits suffice. */
        acc = ((acc << 8) | data[i]) & 0xfffu;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            bech32_put(out, pos, &chk, (uint8_t)((acc >> bits) & 31));
        }
    }
    if (bits > 0) {
        bech32_put(out, pos, &chk, (uint8_t)((acc << (5 - bits)) & 31));
    }
    /* BIP-350, bech32m_create_checksum: six zero symbols, then xor the constant. */
    for (int i = 0; i < BECH32_CHECKSUM_LEN; i++) {
        chk = bech32_polymod_step(chk, 0);
    }
    chk ^= BECH32M_CONST;
    for (int i = 0; i < BECH32_CHECKSUM_LEN; i++) {
        out[(*pos)++] = bech32_charset[(chk >> (5 * (5 - i))) & 31];
    }
}

chr_err chr_bech32m_encode(char *out, size_t out_cap, const char *hrp, const uint8_t *data,
                           size_t data_len)
{
    CHR_ASSERT(out != NULL || out_cap == 0);
    CHR_ASSERT(data != NULL || data_len == 0);
    size_t zero_len = out_cap < CHR_BECH32_STR_MAX + 1 ? out_cap : CHR_BECH32_STR_MAX + 1;
    if (out_cap > 0) {
        memset(out, 0, zero_len);
    }
    size_t hrp_len = hrp == NULL ? 0 : strnlen(hrp, BECH32_HRP_MAX + 1);
    if (!bech32_hrp_valid(hrp, hrp_len)) {
        return CHR_ERR_ARG;
    }
    /* Checked first so that the symbol count below cannot overflow. */
    if (data_len > CHR_BECH32_STR_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    size_t str_len = hrp_len + 1 + (data_len * 8 + 4) / 5 + BECH32_CHECKSUM_LEN;
    if (str_len > CHR_BECH32_STR_MAX || str_len >= out_cap) {
        return CHR_ERR_TOO_LONG;
    }
    memcpy(out, hrp, hrp_len);
    out[hrp_len] = '1';
    size_t pos = hrp_len + 1;
    bech32_put_data(out, &pos, bech32_polymod_hrp(hrp, hrp_len), data, data_len);
    CHR_ASSERT(pos == str_len);
    out[pos] = '\0';
    return CHR_OK;
}

/* BIP-173, "Bech32": every character in 33..126, not mixed case, the last '1' separating
 * a non-empty hrp from at least 6 checksum characters. Returns the separator's index, or
 * 0 (never a valid index, as the hrp is not empty) if the string breaks a rule. */
static size_t bech32_split(const char *str, size_t str_len)
{
    int lower = 0;
    int upper = 0;
    size_t sep = 0;
    for (size_t i = 0; i < str_len; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c < 33 || c > 126) {
            return 0;
        }
        lower |= c >= 'a' && c <= 'z';
        upper |= c >= 'A' && c <= 'Z';
        if (c == '1') {
            sep = i;
        }
    }
    if (lower && upper) {
        return 0;
    }
    if (sep == 0 || sep > BECH32_HRP_MAX || str_len - sep - 1 < BECH32_CHECKSUM_LEN) {
        return 0;
    }
    return sep;
}

/* Regroups 5-bit symbols into bytes (BIP-173's convertbits without padding): at most 4
 * bits may be left over and they must be zero, so that every byte string has exactly one
 * encoding. Returns the byte count, or SIZE_MAX if the padding or data_cap is wrong. */
static size_t bech32_to_bytes(uint8_t *data_out, size_t data_cap, const uint8_t *values,
                              size_t values_len)
{
    size_t bytes = values_len * 5 / 8;
    unsigned pad_bits = (unsigned)(values_len * 5 % 8);
    if (pad_bits > 4 || bytes > data_cap) {
        return SIZE_MAX;
    }
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < values_len; i++) {
        /* At most 7 bits are left over before each symbol, so 12 bits suffice. */
        acc = ((acc << 5) | values[i]) & 0xfffu;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            data_out[n++] = (uint8_t)(acc >> bits);
        }
    }
    CHR_ASSERT(n == bytes);
    CHR_ASSERT(bits == pad_bits);
    if ((acc & ((1u << bits) - 1)) != 0) {
        return SIZE_MAX;
    }
    return n;
}

static chr_err bech32m_decode_checked(char *hrp_out, size_t hrp_cap, uint8_t *data_out,
                                      size_t data_cap, size_t *data_len, const char *str,
                                      size_t str_len)
{
    if (str_len > CHR_BECH32_STR_MAX) {
        return CHR_ERR_BECH32;
    }
    size_t sep = bech32_split(str, str_len);
    if (sep == 0 || sep >= hrp_cap) {
        return CHR_ERR_BECH32;
    }
    for (size_t i = 0; i < sep; i++) {
        hrp_out[i] = bech32_lower(str[i]);
    }
    hrp_out[sep] = '\0';
    /* The checksum covers the lowercase hrp (BIP-173: "the lowercase form is used when
     * determining a character's value for checksum purposes"). */
    uint32_t chk = bech32_polymod_hrp(hrp_out, sep);
    uint8_t values[BECH32_SYMBOLS_MAX];
    size_t values_len = str_len - sep - 1;
    CHR_ASSERT(values_len <= sizeof(values));
    for (size_t i = 0; i < values_len; i++) {
        int v = bech32_value(bech32_lower(str[sep + 1 + i]));
        if (v < 0) {
            return CHR_ERR_BECH32;
        }
        values[i] = (uint8_t)v;
        chk = bech32_polymod_step(chk, values[i]);
    }
    /* BIP-350: a bech32 string (constant 1) or any other residue is not bech32m. */
    if (chk != BECH32M_CONST) {
        return CHR_ERR_BECH32;
    }
    size_t n = bech32_to_bytes(data_out, data_cap, values, values_len - BECH32_CHECKSUM_LEN);
    if (n == SIZE_MAX) {
        return CHR_ERR_BECH32;
    }
    *data_len = n;
    return CHR_OK;
}

chr_err chr_bech32m_decode(char *hrp_out, size_t hrp_cap, uint8_t *data_out, size_t data_cap,
                           size_t *data_len, const char *str, size_t str_len)
{
    CHR_ASSERT(hrp_out != NULL && data_len != NULL);
    CHR_ASSERT(data_out != NULL || data_cap == 0);
    CHR_ASSERT(str != NULL || str_len == 0);
    *data_len = 0;
    chr_err err =
        bech32m_decode_checked(hrp_out, hrp_cap, data_out, data_cap, data_len, str, str_len);
    if (err != CHR_OK) {
        /* Nothing past these bounds is ever written: an hrp is at most 83 characters and
         * a string of 90 holds at most 51 bytes. */
        memset(hrp_out, 0, hrp_cap < BECH32_HRP_MAX + 1 ? hrp_cap : BECH32_HRP_MAX + 1);
        if (data_cap > 0) {
            memset(data_out, 0, data_cap < CHR_BECH32_STR_MAX ? data_cap : CHR_BECH32_STR_MAX);
        }
        *data_len = 0;
    }
    return err;
}

void chr_address_encode(char out[CHR_ADDRESS_STR_LEN + 1], const uint8_t pubkey[32])
{
    chr_err err = chr_bech32m_encode(out, CHR_ADDRESS_STR_LEN + 1, CHR_ADDRESS_HRP, pubkey, 32);
    CHR_ASSERT(err == CHR_OK);
    CHR_ASSERT(out[CHR_ADDRESS_STR_LEN] == '\0');
}

chr_err chr_address_decode(uint8_t pubkey[32], const char *str, size_t str_len)
{
    char hrp[sizeof(CHR_ADDRESS_HRP)];
    uint8_t data[32];
    size_t data_len;
    /* The buffers are exactly the expected sizes, so a longer hrp or more data fails in
     * the decoder; shorter ones are caught here. */
    if (str_len != CHR_ADDRESS_STR_LEN ||
        chr_bech32m_decode(hrp, sizeof(hrp), data, sizeof(data), &data_len, str, str_len) !=
            CHR_OK ||
        strcmp(hrp, CHR_ADDRESS_HRP) != 0 || data_len != sizeof(data)) {
        memset(pubkey, 0, 32);
        return CHR_ERR_BECH32;
    }
    memcpy(pubkey, data, sizeof(data));
    return CHR_OK;
}
