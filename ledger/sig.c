#include "ledger/sig.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"

struct ledger_signer {
    secp256k1_context *ctx;
};

typedef struct key_cache_entry {
    uint8_t key[32];
    uint8_t used;
    uint8_t valid;
    secp256k1_xonly_pubkey parsed;
} key_cache_entry;

struct ledger_key_cache {
    key_cache_entry slots[LEDGER_KEY_CACHE_SLOTS];
};

_Static_assert((LEDGER_KEY_CACHE_SLOTS & (LEDGER_KEY_CACHE_SLOTS - 1)) == 0,
               "slots are indexed by a mask");

chr_err ledger_key_cache_new(ledger_key_cache **out)
{
    *out = calloc(1, sizeof(**out));
    return *out == NULL ? CHR_ERR_NOMEM : CHR_OK;
}

void ledger_key_cache_free(ledger_key_cache *kc)
{
    free(kc);
}

/* The parsed key, from the cache or parsed now; NULL when it is not on the curve. */
static const secp256k1_xonly_pubkey *key_lookup(ledger_key_cache *kc, const uint8_t pubkey[32],
                                                secp256k1_xonly_pubkey *scratch)
{
    if (kc == NULL) {
        return secp256k1_xonly_pubkey_parse(secp256k1_context_static, scratch, pubkey) ? scratch
                                                                                       : NULL;
    }
    size_t i = ((size_t)pubkey[0] << 8 | pubkey[1]) & (LEDGER_KEY_CACHE_SLOTS - 1);
    key_cache_entry *e = &kc->slots[i];
    if (!e->used || memcmp(e->key, pubkey, 32) != 0) {
        memcpy(e->key, pubkey, 32);
        e->used = 1;
        e->valid =
            (uint8_t)secp256k1_xonly_pubkey_parse(secp256k1_context_static, &e->parsed, pubkey);
    }
    return e->valid ? &e->parsed : NULL;
}

int ledger_pubkey_valid_cached(ledger_key_cache *kc, const uint8_t pubkey[32])
{
    secp256k1_xonly_pubkey scratch;
    return key_lookup(kc, pubkey, &scratch) != NULL;
}

chr_err ledger_sig_verify_cached(ledger_key_cache *kc, const uint8_t sig[64],
                                 const uint8_t msg32[32], const uint8_t pubkey[32])
{
    secp256k1_xonly_pubkey scratch;
    const secp256k1_xonly_pubkey *pk = key_lookup(kc, pubkey, &scratch);
    if (pk == NULL) {
        return CHR_ERR_PUBKEY;
    }
    if (!secp256k1_schnorrsig_verify(secp256k1_context_static, sig, msg32, 32, pk)) {
        return CHR_ERR_SIGNATURE;
    }
    return CHR_OK;
}

int ledger_pubkey_valid(const uint8_t pubkey[32])
{
    return ledger_pubkey_valid_cached(NULL, pubkey);
}

chr_err ledger_sig_verify(const uint8_t sig[64], const uint8_t msg32[32], const uint8_t pubkey[32])
{
    return ledger_sig_verify_cached(NULL, sig, msg32, pubkey);
}

chr_err ledger_signer_new(ledger_signer **out, const uint8_t seed32[32])
{
    *out = NULL;
    ledger_signer *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return CHR_ERR_NOMEM;
    }
    s->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (s->ctx == NULL) {
        free(s);
        return CHR_ERR_NOMEM;
    }
    if (!secp256k1_context_randomize(s->ctx, seed32)) {
        secp256k1_context_destroy(s->ctx);
        free(s);
        return CHR_ERR_CRYPTO;
    }
    *out = s;
    return CHR_OK;
}

void ledger_signer_free(ledger_signer *s)
{
    if (s != NULL) {
        secp256k1_context_destroy(s->ctx);
        free(s);
    }
}

chr_err ledger_signer_pubkey(const ledger_signer *s, uint8_t pubkey_out[32], const uint8_t sk[32])
{
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey pk;
    memset(pubkey_out, 0, 32);
    if (!secp256k1_keypair_create(s->ctx, &kp, sk)) {
        return CHR_ERR_ARG;
    }
    int ok = secp256k1_keypair_xonly_pub(s->ctx, &pk, NULL, &kp) &&
             secp256k1_xonly_pubkey_serialize(s->ctx, pubkey_out, &pk);
    sodium_memzero(&kp, sizeof(kp));
    CHR_ASSERT(ok);
    return CHR_OK;
}

chr_err ledger_signer_sign(const ledger_signer *s, uint8_t sig_out[64], const uint8_t msg32[32],
                           const uint8_t sk[32], const uint8_t aux_rand32[32])
{
    secp256k1_keypair kp;
    memset(sig_out, 0, 64);
    if (!secp256k1_keypair_create(s->ctx, &kp, sk)) {
        return CHR_ERR_ARG;
    }
    int ok = secp256k1_schnorrsig_sign32(s->ctx, sig_out, msg32, &kp, aux_rand32);
    secp256k1_xonly_pubkey pk;
    uint8_t pub[32];
    ok = ok && secp256k1_keypair_xonly_pub(s->ctx, &pk, NULL, &kp) &&
         secp256k1_xonly_pubkey_serialize(s->ctx, pub, &pk);
    sodium_memzero(&kp, sizeof(kp));
    /* A fault while signing could leak the key through a bad signature: check it. */
    if (!ok || ledger_sig_verify(sig_out, msg32, pub) != CHR_OK) {
        memset(sig_out, 0, 64);
        return CHR_ERR_CRYPTO;
    }
    return CHR_OK;
}
