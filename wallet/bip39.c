#include "wallet/bip39.h"

#include <sodium.h>
#include <string.h>

#include "common/assert.h"

/* BIP-39, "Generating the mnemonic": the checksum is the first ENT/32 bits of SHA-256 of the
 * entropy, appended to it; the whole is cut into 11-bit groups, each a word's index. So a
 * mnemonic of n words (n a multiple of 3) carries n * 32 / 3 bits of entropy. */
#define BIP39_BITS_PER_WORD 11
/* The entropy and its checksum byte, the longest bit string that is cut into words. */
#define BIP39_BITS_BYTES_MAX (WALLET_BIP39_ENTROPY_MAX + 1)
/* A word as compared: its letters, NUL-padded to one byte more than the longest word. */
#define BIP39_WORD_CMP_LEN (WALLET_BIP39_WORD_CHARS_MAX + 1)

_Static_assert(WALLET_BIP39_WORDS == 1 << BIP39_BITS_PER_WORD, "a word carries 11 bits");
_Static_assert((WALLET_BIP39_WORDS_MAX * BIP39_BITS_PER_WORD) <= BIP39_BITS_BYTES_MAX * 8,
               "the longest mnemonic's bits fit the buffer");

static int bip39_entropy_len_valid(size_t len)
{
    return len >= 16 && len <= WALLET_BIP39_ENTROPY_MAX && len % 4 == 0;
}

/* The 11 bits at bit offset `at` (big-endian bit order) of buf. */
static unsigned bip39_bits_get(const uint8_t *buf, size_t at)
{
    unsigned v = 0;
    for (size_t i = 0; i < BIP39_BITS_PER_WORD; i++) {
        size_t bit = at + i;
        v = v << 1 | ((buf[bit / 8] >> (7 - bit % 8)) & 1u);
    }
    return v;
}

static void bip39_bits_put(uint8_t *buf, size_t at, unsigned v)
{
    for (size_t i = 0; i < BIP39_BITS_PER_WORD; i++) {
        size_t bit = at + i;
        if ((v >> (BIP39_BITS_PER_WORD - 1 - i)) & 1u) {
            buf[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
        }
    }
}

chr_err wallet_bip39_encode(char *out, size_t out_cap, const uint8_t *entropy, size_t entropy_len)
{
    if (out_cap > 0) {
        memset(out, 0, out_cap);
    }
    if (!bip39_entropy_len_valid(entropy_len)) {
        return CHR_ERR_ARG;
    }
    uint8_t bits[BIP39_BITS_BYTES_MAX];
    uint8_t hash[crypto_hash_sha256_BYTES];
    memcpy(bits, entropy, entropy_len);
    crypto_hash_sha256(hash, entropy, entropy_len);
    /* ENT/32 checksum bits are at most 8: the hash's first byte covers them. */
    bits[entropy_len] = hash[0];
    size_t words = entropy_len * 8 * 3 / 32;
    size_t len = 0;
    chr_err err = CHR_OK;
    for (size_t i = 0; i < words && err == CHR_OK; i++) {
        const char *w = wallet_bip39_english[bip39_bits_get(bits, i * BIP39_BITS_PER_WORD)];
        size_t wlen = strlen(w);
        size_t need = wlen + (i > 0 ? 1 : 0);
        if (len + need + 1 > out_cap) {
            err = CHR_ERR_TOO_LONG;
            break;
        }
        if (i > 0) {
            out[len++] = ' ';
        }
        memcpy(out + len, w, wlen);
        len += wlen;
        out[len] = '\0';
    }
    sodium_memzero(bits, sizeof(bits));
    sodium_memzero(hash, sizeof(hash));
    if (err != CHR_OK && out_cap > 0) {
        sodium_memzero(out, out_cap);
    }
    CHR_ASSERT(err != CHR_OK || len + 1 <= WALLET_MNEMONIC_CHARS_MAX);
    return err;
}

static int bip39_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The index of the word in cmp (lowercase, NUL-padded to BIP39_WORD_CMP_LEN), or -1. Every
 * word of the list is compared in full and the match is picked with masks, so the time
 * taken does not depend on which (secret) word it is. */
static int bip39_word_index(const char cmp[BIP39_WORD_CMP_LEN])
{
    unsigned found = 0;
    unsigned index = 0;
    for (unsigned j = 0; j < WALLET_BIP39_WORDS; j++) {
        const char *w = wallet_bip39_english[j];
        unsigned diff = 0;
        size_t wlen = strlen(w);
        for (size_t k = 0; k < BIP39_WORD_CMP_LEN; k++) {
            unsigned lc = k < wlen ? (unsigned char)w[k] : 0u;
            diff |= lc ^ (unsigned char)cmp[k];
        }
        /* eq is all ones when diff is zero, else zero. */
        unsigned eq = ((diff | (0u - diff)) >> (sizeof(unsigned) * 8 - 1)) - 1u;
        index |= j & eq;
        found |= eq & 1u;
    }
    return found ? (int)index : -1;
}

static void bip39_detail_fail(wallet_bip39_detail *d, wallet_bip39_problem p, size_t index,
                              const char *word)
{
    d->problem = p;
    d->word_index = index;
    if (word != NULL) {
        memcpy(d->word, word, sizeof(d->word));
        d->word[sizeof(d->word) - 1] = '\0';
    }
}

/* Splits the mnemonic into word indices. Returns 0 (detail filled in) on any problem found
 * before the checksum. */
static int bip39_split(unsigned idx[WALLET_BIP39_WORDS_MAX], size_t *count, wallet_bip39_detail *d,
                       const char *s)
{
    size_t n = 0;
    const char *p = s;
    while (1) {
        while (bip39_is_space(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        /* Copies up to one letter more than the longest word, so a longer word is unknown
         * rather than taken for its prefix. */
        char cmp[BIP39_WORD_CMP_LEN + 1];
        memset(cmp, 0, sizeof(cmp));
        size_t len = 0;
        int bad_char = 0;
        for (; *p != '\0' && !bip39_is_space(*p); p++, len++) {
            unsigned char c = (unsigned char)*p;
            if (c < 0x21 || c > 0x7e) {
                bad_char = 1;
            }
            if (len < BIP39_WORD_CMP_LEN) {
                cmp[len] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            }
        }
        n++;
        if (bad_char) {
            bip39_detail_fail(d, WALLET_BIP39_BAD_TEXT, n, NULL);
            sodium_memzero(cmp, sizeof(cmp));
            return 0;
        }
        int i = len <= WALLET_BIP39_WORD_CHARS_MAX ? bip39_word_index(cmp) : -1;
        if (i < 0 || n > WALLET_BIP39_WORDS_MAX) {
            /* Counting on lets the message give the number of words; an unknown word among
             * the first 24 is reported as such. */
            if (i < 0 && n <= WALLET_BIP39_WORDS_MAX) {
                bip39_detail_fail(d, WALLET_BIP39_UNKNOWN_WORD, n, cmp);
                sodium_memzero(cmp, sizeof(cmp));
                return 0;
            }
            sodium_memzero(cmp, sizeof(cmp));
            continue;
        }
        idx[n - 1] = (unsigned)i;
        sodium_memzero(cmp, sizeof(cmp));
    }
    *count = n;
    d->word_count = n;
    if (n < 12 || n > WALLET_BIP39_WORDS_MAX || n % 3 != 0) {
        bip39_detail_fail(d, WALLET_BIP39_WORD_COUNT, 0, NULL);
        return 0;
    }
    return 1;
}

chr_err wallet_bip39_decode_detail(uint8_t *entropy, size_t entropy_cap, size_t *entropy_len,
                                   wallet_bip39_detail *detail, const char *mnemonic)
{
    memset(entropy, 0, entropy_cap);
    *entropy_len = 0;
    memset(detail, 0, sizeof(*detail));
    unsigned idx[WALLET_BIP39_WORDS_MAX];
    size_t n = 0;
    if (!bip39_split(idx, &n, detail, mnemonic)) {
        sodium_memzero(idx, sizeof(idx));
        return CHR_ERR_MNEMONIC;
    }
    uint8_t bits[BIP39_BITS_BYTES_MAX];
    memset(bits, 0, sizeof(bits));
    for (size_t i = 0; i < n; i++) {
        bip39_bits_put(bits, i * BIP39_BITS_PER_WORD, idx[i]);
    }
    sodium_memzero(idx, sizeof(idx));
    size_t ent_len = n * 4 / 3;
    size_t cs_bits = n / 3;
    uint8_t hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, bits, ent_len);
    uint8_t mask = (uint8_t)(0xffu << (8 - cs_bits));
    int checksum_ok = ((hash[0] ^ bits[ent_len]) & mask) == 0;
    chr_err err = CHR_OK;
    if (!checksum_ok) {
        bip39_detail_fail(detail, WALLET_BIP39_CHECKSUM, 0, NULL);
        err = CHR_ERR_MNEMONIC;
    } else if (ent_len > entropy_cap) {
        err = CHR_ERR_ARG;
    } else {
        memcpy(entropy, bits, ent_len);
        *entropy_len = ent_len;
    }
    sodium_memzero(bits, sizeof(bits));
    sodium_memzero(hash, sizeof(hash));
    CHR_ASSERT(err != CHR_OK || bip39_entropy_len_valid(*entropy_len));
    return err;
}

chr_err wallet_bip39_decode(uint8_t *entropy, size_t entropy_cap, size_t *entropy_len,
                            const char *mnemonic)
{
    wallet_bip39_detail d;
    chr_err err = wallet_bip39_decode_detail(entropy, entropy_cap, entropy_len, &d, mnemonic);
    sodium_memzero(&d, sizeof(d));
    return err;
}

chr_err wallet_bip39_normalize(char *out, size_t out_cap, const char *mnemonic)
{
    if (out_cap > 0) {
        memset(out, 0, out_cap);
    }
    uint8_t entropy[WALLET_BIP39_ENTROPY_MAX];
    size_t len;
    chr_err err = wallet_bip39_decode(entropy, sizeof(entropy), &len, mnemonic);
    /* The canonical form is the encoding of the entropy: the words are the same, now in
     * lowercase and joined by single spaces. */
    if (err == CHR_OK) {
        err = wallet_bip39_encode(out, out_cap, entropy, len);
    }
    sodium_memzero(entropy, sizeof(entropy));
    return err;
}

chr_err wallet_bip39_passphrase_check(const char *passphrase)
{
    size_t len = 0;
    for (; passphrase[len] != '\0'; len++) {
        if (len == WALLET_BIP39_PASSPHRASE_MAX || (unsigned char)passphrase[len] > 0x7f) {
            return CHR_ERR_ARG;
        }
    }
    return CHR_OK;
}

void wallet_bip39_seed(uint8_t seed[WALLET_BIP39_SEED_LEN], const char *mnemonic_normalized,
                       const char *passphrase)
{
    static const char salt_prefix[] = "mnemonic";
    static const uint8_t block_index[4] = {0, 0, 0, 1};
    const char *pass = passphrase != NULL ? passphrase : "";
    /* PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA512: a 64-byte output is one block,
     * T_1 = U_1 ^ ... ^ U_2048, U_1 = PRF(P, S || INT(1)), U_i = PRF(P, U_{i-1}). The keyed
     * state is made once and copied for every U_i. */
    crypto_auth_hmacsha512_state keyed;
    crypto_auth_hmacsha512_state st;
    uint8_t u[crypto_auth_hmacsha512_BYTES];
    crypto_auth_hmacsha512_init(&keyed, (const unsigned char *)mnemonic_normalized,
                                strlen(mnemonic_normalized));
    st = keyed;
    crypto_auth_hmacsha512_update(&st, (const unsigned char *)salt_prefix, sizeof(salt_prefix) - 1);
    crypto_auth_hmacsha512_update(&st, (const unsigned char *)pass, strlen(pass));
    crypto_auth_hmacsha512_update(&st, block_index, sizeof(block_index));
    crypto_auth_hmacsha512_final(&st, u);
    memcpy(seed, u, WALLET_BIP39_SEED_LEN);
    for (int i = 1; i < 2048; i++) {
        st = keyed;
        crypto_auth_hmacsha512_update(&st, u, sizeof(u));
        crypto_auth_hmacsha512_final(&st, u);
        for (size_t k = 0; k < WALLET_BIP39_SEED_LEN; k++) {
            seed[k] ^= u[k];
        }
    }
    sodium_memzero(&keyed, sizeof(keyed));
    sodium_memzero(&st, sizeof(st));
    sodium_memzero(u, sizeof(u));
}
