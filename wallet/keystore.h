/* The wallet's keystore: one encrypted file per key under <home>/keys/<name>.key.
 *
 * A key file holds a 32-byte BIP-340 secret (and optionally the BIP-39 mnemonic it was
 * derived from) encrypted with XChaCha20-Poly1305 under a key stretched from the passphrase
 * by Argon2id (libsodium), the x-only public key in clear, and a SHA-256 checksum of the
 * file, so that a damaged file (CHR_ERR_KEYSTORE) is told apart from a wrong passphrase
 * (CHR_ERR_PASSPHRASE). The byte layout is docs/WALLET.md, "Key files".
 *
 * home is the wallet's directory (~/.chroom by default; the CLI passes it); keys/ under it
 * is created with mode 0700 and key files with mode 0600. Names: 1 to WALLET_KEY_NAME_MAX
 * characters of [A-Za-z0-9._-], not starting with '.'; any other name is CHR_ERR_ARG.
 *
 * Passphrases: 1 to WALLET_PASSPHRASE_MAX bytes, hashed as given (no Unicode
 * normalisation: the same characters typed in another normalisation form are another
 * passphrase). Secrets given to these functions are never kept; secrets written out are
 * the caller's to wipe with sodium_memzero. Scratch copies are wiped and mlock'ed here.
 * Needs libsodium initialised (chr_hash_init()). Functions are thread-safe (no globals);
 * two processes saving one name race safely: exactly one wins. */
#ifndef WALLET_KEYSTORE_H
#define WALLET_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "wallet/bip39.h"
#include "wallet/limits.h"

/* The key-file layout, version 1 (docs/WALLET.md): every integer big-endian. */
#define WALLET_KEYFILE_MAGIC "CHRKEY\r\n" /* 8 bytes, no NUL; \r\n catches text-mode copies */
#define WALLET_KEYFILE_MAGIC_LEN 8
#define WALLET_KEYFILE_VERSION 1
#define WALLET_KEYFILE_KDF_ARGON2ID13 1
/* flags bit 0: the ciphertext holds the mnemonic after the secret. Other bits must be 0. */
#define WALLET_KEYFILE_FLAG_MNEMONIC 0x01u
#define WALLET_KEYFILE_SALT_LEN 16
#define WALLET_KEYFILE_NONCE_LEN 24
#define WALLET_KEYFILE_MAC_LEN 16
#define WALLET_KEYFILE_CHECKSUM_LEN 32
/* magic 8, version 2, kdf 1, flags 1, opslimit 8, memlimit 8, salt 16, nonce 24, pubkey 32:
 * the header, which is also the ciphertext's associated data. */
#define WALLET_KEYFILE_HEADER_LEN 100
/* Plaintext: the secret, then (with the flag) the mnemonic NUL-padded to
 * WALLET_MNEMONIC_CHARS_MAX bytes, so the file does not reveal the mnemonic's length. */
#define WALLET_KEYFILE_CIPHERTEXT_MAX (32 + WALLET_MNEMONIC_CHARS_MAX + WALLET_KEYFILE_MAC_LEN)
#define WALLET_KEYFILE_BYTES_MAX                                                                   \
    (WALLET_KEYFILE_HEADER_LEN + WALLET_KEYFILE_CIPHERTEXT_MAX + WALLET_KEYFILE_CHECKSUM_LEN)

/* A decoded key file. Nothing in it is secret without the passphrase. */
typedef struct wallet_keyfile {
    uint16_t version;
    uint8_t kdf;
    uint8_t flags;
    uint64_t opslimit;
    uint64_t memlimit;
    uint8_t salt[WALLET_KEYFILE_SALT_LEN];
    uint8_t nonce[WALLET_KEYFILE_NONCE_LEN];
    uint8_t pubkey[32];
    /* 48 bytes, or WALLET_KEYFILE_CIPHERTEXT_MAX with WALLET_KEYFILE_FLAG_MNEMONIC. */
    uint8_t ciphertext[WALLET_KEYFILE_CIPHERTEXT_MAX];
    size_t ciphertext_len;
} wallet_keyfile;

/* Decodes the bytes of a key file. CHR_ERR_KEYSTORE when they are not exactly one valid
 * version-1 file: wrong magic or length, a checksum that does not match (checked first, so
 * any damaged byte is reported as damage), an unknown version, kdf or flag, kdf limits
 * outside WALLET_KDF_*_MIN..MAX, a public key that is not on the curve, or a ciphertext
 * length that does not match the flags. Never touches the passphrase or decrypts. On
 * failure *out is zeroed. wallet_keystore_encode of a decoded file gives back in exactly. */
CHR_WUR chr_err wallet_keystore_decode(wallet_keyfile *out, const uint8_t *in, size_t in_len);

/* Encodes kf (its checksum computed here). CHR_ERR_TOO_LONG when out_cap is too small
 * (WALLET_KEYFILE_BYTES_MAX always suffices); CHR_ERR_ARG when kf breaks a rule that
 * decode checks. */
CHR_WUR chr_err wallet_keystore_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                       const wallet_keyfile *kf);

/* 1 when name is a valid key name, else 0. */
int wallet_keystore_name_valid(const char *name);

/* The path of name's key file, "<home>/keys/<name>.key", NUL terminated. CHR_ERR_ARG for an
 * invalid name, CHR_ERR_TOO_LONG when it does not fit out_cap. */
CHR_WUR chr_err wallet_keystore_path(char *out, size_t out_cap, const char *home, const char *name);

/* The default home, "$HOME/.chroom". CHR_ERR_ARG when HOME is unset or empty,
 * CHR_ERR_TOO_LONG when it does not fit out_cap. */
CHR_WUR chr_err wallet_keystore_default_home(char *out, size_t out_cap);

/* The x-only (BIP-340) public key of secret sk. CHR_ERR_ARG for an invalid secret (zero or
 * not below the curve order), CHR_ERR_CRYPTO or CHR_ERR_NOMEM if libsecp256k1 fails. */
CHR_WUR chr_err wallet_key_pubkey(uint8_t pubkey[32], const uint8_t sk[32]);

/* Encrypts sk (and mnemonic_or_null, a normalised mnemonic: wallet_bip39_normalize's output)
 * under passphrase and writes it as name's key file: keys/ made with mode 0700 if missing,
 * the file with mode 0600, atomically (temporary file, fsync, link, fsync of keys/), never
 * replacing an existing file. Argon2id uses libsodium's MODERATE limits (about 0.7 s and
 * 256 MiB); with the environment variable CHROOM_KDF_FAST=1 it uses INTERACTIVE limits
 * (64 MiB), which is for tests only. Errors: CHR_ERR_DUPLICATE when name exists;
 * CHR_ERR_ARG for an invalid name, secret, passphrase (empty or over the maximum), a
 * mnemonic that is not normalised and valid, or a home whose paths exceed
 * WALLET_KEYSTORE_PATH_MAX; CHR_ERR_IO when a directory or the file
 * cannot be made or written; CHR_ERR_NOMEM when Argon2id cannot get its memory. */
CHR_WUR chr_err wallet_keystore_save(const char *home, const char *name, const uint8_t sk[32],
                                     const char *mnemonic_or_null, const char *passphrase);

/* wallet_keystore_save with the Argon2id limits given (within WALLET_KDF_*_MIN..MAX, else
 * CHR_ERR_ARG), whatever CHROOM_KDF_FAST says. For tests and for callers that want
 * stronger limits. */
CHR_WUR chr_err wallet_keystore_save_kdf(const char *home, const char *name, const uint8_t sk[32],
                                         const char *mnemonic_or_null, const char *passphrase,
                                         uint64_t opslimit, uint64_t memlimit);

/* Decrypts name's key file into sk, and, when mnemonic_out_or_null is not NULL, its
 * mnemonic (NUL terminated; "" when the file holds none; mnemonic_cap must be at least
 * WALLET_MNEMONIC_CHARS_MAX, else CHR_ERR_ARG). Errors: CHR_ERR_NOT_FOUND when there is no
 * such key; CHR_ERR_KEYSTORE when the file is damaged (as wallet_keystore_decode, or the
 * decrypted secret does not give the stored public key, or the stored mnemonic is not a
 * valid normalised one); CHR_ERR_PASSPHRASE when the file is intact but does not decrypt
 * with passphrase; CHR_ERR_ARG for an invalid name or a passphrase over
 * WALLET_PASSPHRASE_MAX bytes; CHR_ERR_IO when it cannot be read;
 * CHR_ERR_NOMEM when Argon2id cannot get its memory. On failure sk and the mnemonic buffer
 * are zeroed. */
CHR_WUR chr_err wallet_keystore_load(uint8_t sk[32], char *mnemonic_out_or_null,
                                     size_t mnemonic_cap, const char *home, const char *name,
                                     const char *passphrase);

/* Reads and decodes name's key file without the passphrase (its public key, flags and kdf
 * limits). Errors as wallet_keystore_load's, without CHR_ERR_PASSPHRASE. */
CHR_WUR chr_err wallet_keystore_read(wallet_keyfile *out, const char *home, const char *name);

/* The public key of name's key file, without the passphrase. Errors as wallet_keystore_read.
 * On failure pubkey is zeroed. */
CHR_WUR chr_err wallet_keystore_info(uint8_t pubkey[32], const char *home, const char *name);

/* Calls cb once per key file in <home>/keys, in the byte order of names (strcmp). A file
 * that cannot be read or decoded is still reported, with pubkey NULL (wallet_keystore_info
 * on its name gives the error). Entries that are not "<valid name>.key" regular files (such
 * as a crashed save's temporary file) are skipped. No keys/ directory means no keys
 * (CHR_OK). Errors: CHR_ERR_IO when keys/ cannot be read, CHR_ERR_FULL over
 * WALLET_KEYSTORE_KEYS_MAX keys (nothing reported), CHR_ERR_NOMEM. cb must not save or
 * delete keys in home. */
CHR_WUR chr_err wallet_keystore_list(
    const char *home, void (*cb)(void *ctx, const char *name, const uint8_t pubkey[32]), void *ctx);

/* Deletes name's key file (and makes the deletion durable). The secret is gone for good
 * unless backed up: callers confirm first. CHR_ERR_NOT_FOUND, CHR_ERR_ARG for an invalid
 * name, CHR_ERR_IO. */
CHR_WUR chr_err wallet_keystore_delete(const char *home, const char *name);

#endif
