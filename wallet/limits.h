/* The wallet's limits on what comes from outside: key names, passphrases, key files and the
 * key-derivation limits a key file may ask for. BIP-39 and BIP-32 sizes, which are facts
 * of those specifications, live in wallet/bip39.h and wallet/bip32.h. */
#ifndef WALLET_LIMITS_H
#define WALLET_LIMITS_H

/* A key's name: 1 to 64 characters of [A-Za-z0-9._-], not starting with '.'; short enough
 * to type, and "<name>.key" stays far below NAME_MAX (255). */
#define WALLET_KEY_NAME_MAX 64
/* A passphrase in bytes, without its NUL or newline: far beyond any typed one, small enough
 * for a stack buffer. */
#define WALLET_PASSPHRASE_MAX 1024
/* A BIP-39 passphrase (the mnemonic's "25th word") in bytes, without its NUL or newline.
 * BIP-39 sets no limit. It is hashed once, into PBKDF2's salt, so its length costs nothing;
 * this bound is far beyond a typed one and lets it be read by the keystore passphrase's
 * reader, in the same stack buffers (wallet/passphrase.h). */
#define WALLET_BIP39_PASSPHRASE_MAX 1024
/* Keys that wallet_keystore_list reports: a person's wallet, not a key server. */
#define WALLET_KEYSTORE_KEYS_MAX 10000
/* The longest path of a key file: <home>/keys/<name>.key with its NUL, as PATH_MAX. */
#define WALLET_KEYSTORE_PATH_MAX 4096
/* Argon2id limits a key file may ask for. The upper bounds are libsodium's SENSITIVE limits
 * (4 passes, 1 GiB), so a hostile or damaged file cannot make us allocate 64 GiB or spin
 * for hours; the lower bounds are libsodium's minimums (a weak file only weakens itself). */
#define WALLET_KDF_OPSLIMIT_MAX 4u
#define WALLET_KDF_MEMLIMIT_MAX (1024u * 1024 * 1024)
#define WALLET_KDF_OPSLIMIT_MIN 1u
#define WALLET_KDF_MEMLIMIT_MIN 8192u

_Static_assert(WALLET_KEY_NAME_MAX + 4 < 255, "a key file's name fits NAME_MAX");
_Static_assert(WALLET_BIP39_PASSPHRASE_MAX <= WALLET_PASSPHRASE_MAX,
               "a BIP-39 passphrase fits the passphrase reader's buffers");
_Static_assert(WALLET_KDF_OPSLIMIT_MIN <= WALLET_KDF_OPSLIMIT_MAX, "opslimit range");
_Static_assert(WALLET_KDF_MEMLIMIT_MIN <= WALLET_KDF_MEMLIMIT_MAX, "memlimit range");

#endif
