/* BIP-32 hierarchical deterministic keys on secp256k1: private derivation from a BIP-39
 * seed along a path such as Chroom's WALLET_DERIVATION_PATH.
 *
 * The derived 32-byte secret is a Chroom key: a BIP-340 secret (ledger/sig.h) whose address
 * is bech32m over its x-only public key (common/bech32.h, chr_address_encode). BIP-32 itself
 * works on compressed (33-byte) public keys; the x-only key is those bytes minus the first.
 *
 * Thread-safe; allocates only a libsecp256k1 context per call that needs one. Needs libsodium
 * initialised (chr_hash_init()). Secrets written to the caller are the caller's to wipe;
 * scratch copies are wiped here. */
#ifndef WALLET_BIP32_H
#define WALLET_BIP32_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The deepest path accepted. BIP-44 paths have 5 levels; 16 leaves room for other schemes
 * while keeping a path's text short. */
#define WALLET_BIP32_DEPTH_MAX 16
/* Index bit of a hardened child (BIP-32: i >= 2^31). */
#define WALLET_BIP32_HARDENED 0x80000000u
/* BIP-32 seeds are 128 to 512 bits; BIP-39 seeds are 512. */
#define WALLET_BIP32_SEED_MIN 16
#define WALLET_BIP32_SEED_MAX 64
/* The longest path text accepted, without its NUL: "m" and 16 levels of "/2147483647'". */
#define WALLET_BIP32_PATH_CHARS_MAX (1 + WALLET_BIP32_DEPTH_MAX * 12)

/* Chroom's default path: BIP-44 (purpose 44'), coin type 7337' (Chroom's; not registered in
 * SLIP-44), account 0', external chain 0, first address 0. docs/WALLET.md. */
#define WALLET_DERIVATION_PATH "m/44'/7337'/0'/0/0"

/* An extended private key: what a path derives step by step. */
typedef struct wallet_bip32_node {
    uint8_t sk[32];
    uint8_t chain_code[32];
    uint32_t depth;
    /* The index this node was derived with (0 for the master). */
    uint32_t child_number;
} wallet_bip32_node;

/* Parses "m", "m/44'/7337'/0'/0/0" and the like: "m" then up to WALLET_BIP32_DEPTH_MAX
 * levels of "/" and a decimal index below 2^31 (no sign, no leading zeros but "0"), with "'"
 * or "h" (or "H") after it for a hardened index (which adds WALLET_BIP32_HARDENED). "M" is
 * taken for "m". CHR_ERR_ARG for anything else: a missing "m", an empty level, an index of
 * 2^31 or more, whitespace, a trailing "/", more levels than path_cap or the maximum. On
 * failure path[0..path_cap) and *path_len are zeroed. */
CHR_WUR chr_err wallet_bip32_path_parse(uint32_t *path, size_t path_cap, size_t *path_len,
                                        const char *s);

/* Writes path as text in the form path_parse reads ("'" for hardened), NUL terminated.
 * CHR_ERR_TOO_LONG when out_cap is too small (WALLET_BIP32_PATH_CHARS_MAX + 1 always
 * suffices), CHR_ERR_ARG when path_len > WALLET_BIP32_DEPTH_MAX. */
CHR_WUR chr_err wallet_bip32_path_format(char *out, size_t out_cap, const uint32_t *path,
                                         size_t path_len);

/* The master node of a seed (BIP-32 "Master key generation": HMAC-SHA512 keyed with
 * "Bitcoin seed"). CHR_ERR_ARG for a seed_len outside WALLET_BIP32_SEED_MIN..MAX;
 * CHR_ERR_CRYPTO when the left half is zero or not below the curve order (BIP-32: "the
 * master key is invalid"; probability under 2^-127). On failure *out is zeroed. */
CHR_WUR chr_err wallet_bip32_master(wallet_bip32_node *out, const uint8_t *seed, size_t seed_len);

/* The child of parent at index (hardened when index >= WALLET_BIP32_HARDENED), by BIP-32's
 * CKDpriv. CHR_ERR_CRYPTO in BIP-32's invalid-child case (I_L >= n or a zero key; probability
 * under 2^-127): the caller picks another index, nothing is skipped silently. CHR_ERR_ARG
 * when the parent is at WALLET_BIP32_DEPTH_MAX. out may equal parent. On failure *out is
 * zeroed. */
CHR_WUR chr_err wallet_bip32_child(wallet_bip32_node *out, const wallet_bip32_node *parent,
                                   uint32_t index);

/* The secret key at path below the seed's master: wallet_bip32_master then
 * wallet_bip32_child per level. Errors as those two, plus CHR_ERR_ARG for path_len >
 * WALLET_BIP32_DEPTH_MAX. On failure sk is zeroed. */
CHR_WUR chr_err wallet_bip32_derive(uint8_t sk[32], const uint8_t *seed, size_t seed_len,
                                    const uint32_t *path, size_t path_len);

/* The secret key of a mnemonic on Chroom's path, WALLET_DERIVATION_PATH: the BIP-39 seed of
 * mnemonic_normalized (wallet_bip39_normalize's output) and bip39_passphrase ("" or NULL for
 * none, which gives the key Chroom has always derived), then wallet_bip32_derive. CHR_ERR_ARG
 * for a passphrase that fails wallet_bip39_passphrase_check (over WALLET_BIP39_PASSPHRASE_MAX
 * bytes or not ASCII); else errors as wallet_bip32_derive's. The seed is wiped; on failure
 * sk is zeroed. Takes a few ms (PBKDF2's 2048 rounds). */
CHR_WUR chr_err wallet_bip32_mnemonic_key(uint8_t sk[32], const char *mnemonic_normalized,
                                          const char *bip39_passphrase);

/* The compressed SEC1 public key (0x02 or 0x03, then x) of sk. CHR_ERR_ARG for an invalid
 * secret (zero or not below the curve order); out zeroed on failure. */
CHR_WUR chr_err wallet_bip32_pubkey(uint8_t out[33], const uint8_t sk[32]);

#endif
