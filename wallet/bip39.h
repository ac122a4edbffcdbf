/* BIP-39 mnemonics with the English word list: entropy to words and back, and the seed
 * (PBKDF2-HMAC-SHA512, 2048 iterations) that BIP-32 derives keys from.
 *
 * Every function is thread-safe and allocates nothing. The seed functions need libsodium
 * initialised (chr_hash_init()). Mnemonics and seeds are secrets: callers wipe their buffers
 * with sodium_memzero, and these functions wipe their own scratch memory.
 *
 * Unicode: BIP-39 normalises mnemonic and passphrase with NFKD before hashing. Chroom handles
 * ASCII only, for which NFKD is the identity, so no normalisation library is needed. The
 * English word list is ASCII; a BIP-39 passphrase with any byte over 0x7f is refused by
 * wallet_bip39_passphrase_check(), which callers run before wallet_bip39_seed(). */
#ifndef WALLET_BIP39_H
#define WALLET_BIP39_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "wallet/limits.h"

/* Words in the list (2^11: each word carries 11 bits). */
#define WALLET_BIP39_WORDS 2048
/* The longest English word has 8 letters. */
#define WALLET_BIP39_WORD_CHARS_MAX 8
/* BIP-39 allows 12, 15, 18, 21 or 24 words, from 16, 20, 24, 28 or 32 bytes of entropy. */
#define WALLET_BIP39_WORDS_MAX 24
#define WALLET_BIP39_ENTROPY_MAX 32
/* A mnemonic's characters with its NUL: 24 words of at most 8 letters, 23 spaces, a NUL
 * (24 * 8 + 23 + 1 = 216), rounded up. */
#define WALLET_MNEMONIC_CHARS_MAX 256
#define WALLET_BIP39_SEED_LEN 64

_Static_assert((WALLET_BIP39_WORDS_MAX * WALLET_BIP39_WORD_CHARS_MAX) + WALLET_BIP39_WORDS_MAX <=
                   WALLET_MNEMONIC_CHARS_MAX,
               "the longest mnemonic, its spaces and its NUL fit");

/* The English word list in its order (index = the word's 11-bit value), lowercase ASCII. */
extern const char *const wallet_bip39_english[WALLET_BIP39_WORDS];

/* Encodes entropy (16, 20, 24, 28 or 32 bytes) as its mnemonic: lowercase words joined by
 * single spaces, NUL terminated. CHR_ERR_ARG for another entropy length, CHR_ERR_TOO_LONG when
 * out_cap cannot hold the words and the NUL (WALLET_MNEMONIC_CHARS_MAX always can). On
 * failure out is zeroed (when out_cap > 0). */
CHR_WUR chr_err wallet_bip39_encode(char *out, size_t out_cap, const uint8_t *entropy,
                                    size_t entropy_len);

/* Why wallet_bip39_decode_detail refused a mnemonic. */
typedef enum wallet_bip39_problem {
    WALLET_BIP39_VALID = 0,
    /* Not 12, 15, 18, 21 or 24 words; word_count says how many there are. */
    WALLET_BIP39_WORD_COUNT,
    /* Word number word_index (1-based) is not in the list (a typo, a digit or punctuation in
     * it, or a word from another language); word holds it, lowercased and cut to
     * WALLET_BIP39_WORD_CHARS_MAX + 1 characters. Only the first 24 words are checked. */
    WALLET_BIP39_UNKNOWN_WORD,
    /* Every word is known but the checksum bits do not match: a word is wrong or the words
     * are out of order. */
    WALLET_BIP39_CHECKSUM,
    /* Word number word_index holds a byte that is not printable ASCII (a control character
     * or a non-ASCII letter). */
    WALLET_BIP39_BAD_TEXT,
} wallet_bip39_problem;

typedef struct wallet_bip39_detail {
    wallet_bip39_problem problem;
    size_t word_count;
    size_t word_index;
    char word[WALLET_BIP39_WORD_CHARS_MAX + 2];
} wallet_bip39_detail;

/* Decodes a mnemonic of 12, 15, 18, 21 or 24 English words, separated by any runs of ASCII
 * whitespace (leading and trailing whitespace allowed), in any mix of upper and lower case,
 * into its entropy (*entropy_len = 4/3 bytes per word: 16..32). There is no limit on the
 * text's length (whitespace is skipped). CHR_ERR_MNEMONIC for a wrong word count, an unknown
 * word, a bad checksum or a byte outside printable ASCII and whitespace; CHR_ERR_ARG when
 * entropy_cap is under the entropy's length (32 always suffices). On failure
 * entropy[0..entropy_cap) and *entropy_len are zeroed. */
CHR_WUR chr_err wallet_bip39_decode(uint8_t *entropy, size_t entropy_cap, size_t *entropy_len,
                                    const char *mnemonic);

/* wallet_bip39_decode that also says what is wrong, for a user's message: *detail is always
 * written (problem WALLET_BIP39_VALID on success). detail->word is a piece of the mnemonic,
 * which is secret: callers wipe *detail with sodium_memzero after use. */
CHR_WUR chr_err wallet_bip39_decode_detail(uint8_t *entropy, size_t entropy_cap,
                                           size_t *entropy_len, wallet_bip39_detail *detail,
                                           const char *mnemonic);

/* Writes the canonical form of a valid mnemonic (lowercase, single spaces, no leading or
 * trailing whitespace), the form that wallet_bip39_seed hashes and the keystore stores.
 * Validates fully as wallet_bip39_decode does: CHR_ERR_MNEMONIC for an invalid mnemonic,
 * CHR_ERR_TOO_LONG when out_cap cannot hold it (WALLET_MNEMONIC_CHARS_MAX always can). On
 * failure out is zeroed (when out_cap > 0). out and mnemonic must not overlap. */
CHR_WUR chr_err wallet_bip39_normalize(char *out, size_t out_cap, const char *mnemonic);

/* CHR_OK when passphrase can be used as a BIP-39 passphrase by this implementation: at most
 * WALLET_BIP39_PASSPHRASE_MAX bytes, all ASCII (0x01..0x7f), so that NFKD leaves it as it is.
 * CHR_ERR_ARG otherwise. The empty passphrase is valid (and BIP-39's usual choice). */
CHR_WUR chr_err wallet_bip39_passphrase_check(const char *passphrase);

/* The BIP-39 seed: PBKDF2-HMAC-SHA512(password = mnemonic_normalized, salt = "mnemonic" ||
 * passphrase, 2048 iterations, 64 bytes). mnemonic_normalized is the output of
 * wallet_bip39_normalize (its bytes are hashed as given, as BIP-39 does for any NFKD text);
 * passphrase should pass wallet_bip39_passphrase_check ("" for none; NULL means ""): other
 * bytes are hashed as given, which matches BIP-39 only for NFKD-normalised UTF-8. Takes
 * about 2 ms. */
void wallet_bip39_seed(uint8_t seed[WALLET_BIP39_SEED_LEN], const char *mnemonic_normalized,
                       const char *passphrase);

#endif
