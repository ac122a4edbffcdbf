/* BIP-340 Schnorr signatures over secp256k1 (libsecp256k1's schnorrsig and extrakeys).
 *
 * Verification and key parsing use libsecp256k1's static context and are thread-safe.
 * Signing needs a ledger_signer: a context built once and blinded with a seed that the
 * caller draws from its random source (the core draws none). A signer is safe to use from
 * one thread at a time. Secret keys are wiped by whoever holds them; the signer keeps none. */
#ifndef LEDGER_SIG_H
#define LEDGER_SIG_H

#include <stdint.h>

#include "common/err.h"

typedef struct ledger_signer ledger_signer;

/* True when pubkey is the x coordinate of a point on the curve (BIP-340 lift_x). */
int ledger_pubkey_valid(const uint8_t pubkey[32]);

/* CHR_OK if sig is a valid BIP-340 signature of msg32 by pubkey; CHR_ERR_PUBKEY for a key
 * not on the curve, CHR_ERR_SIGNATURE otherwise. */
CHR_WUR chr_err ledger_sig_verify(const uint8_t sig[64], const uint8_t msg32[32],
                                  const uint8_t pubkey[32]);

/* A cache of parsed public keys, so that a sender or recipient seen before costs no square
 * root: a fixed table of LEDGER_KEY_CACHE_SLOTS entries, direct-mapped by the key's first
 * bytes (an attacker's colliding keys only evict each other). Owned by one thread. */
#define LEDGER_KEY_CACHE_SLOTS 4096

typedef struct ledger_key_cache ledger_key_cache;

/* CHR_ERR_NOMEM. */
CHR_WUR chr_err ledger_key_cache_new(ledger_key_cache **out);
void ledger_key_cache_free(ledger_key_cache *kc);

/* ledger_pubkey_valid and ledger_sig_verify through a cache; kc may be NULL (no cache). */
int ledger_pubkey_valid_cached(ledger_key_cache *kc, const uint8_t pubkey[32]);
CHR_WUR chr_err ledger_sig_verify_cached(ledger_key_cache *kc, const uint8_t sig[64],
                                         const uint8_t msg32[32], const uint8_t pubkey[32]);

/* Creates a signer blinded with seed32 (fresh random bytes). CHR_ERR_NOMEM/CHR_ERR_CRYPTO. */
CHR_WUR chr_err ledger_signer_new(ledger_signer **out, const uint8_t seed32[32]);
void ledger_signer_free(ledger_signer *s);

/* The x-only public key of secret key sk. CHR_ERR_ARG for an invalid secret (zero or not
 * below the curve order). */
CHR_WUR chr_err ledger_signer_pubkey(const ledger_signer *s, uint8_t pubkey_out[32],
                                     const uint8_t sk[32]);

/* Signs msg32 with sk per BIP-340, with aux_rand32 as its auxiliary randomness (BIP-340
 * section "Default Signing": fresh random bytes are recommended; zeros are safe but lose
 * the side-channel protection). The signature is checked before it is returned. */
CHR_WUR chr_err ledger_signer_sign(const ledger_signer *s, uint8_t sig_out[64],
                                   const uint8_t msg32[32], const uint8_t sk[32],
                                   const uint8_t aux_rand32[32]);

#endif
