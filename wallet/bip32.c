#include "wallet/bip32.h"

#include <secp256k1.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "wallet/bip39.h"

/* BIP-32, "Master key generation": the HMAC-SHA512 key of the master node. */
static const char bip32_master_key[] = "Bitcoin seed";

chr_err wallet_bip32_path_parse(uint32_t *path, size_t path_cap, size_t *path_len, const char *s)
{
    memset(path, 0, path_cap * sizeof(*path));
    *path_len = 0;
    if (s[0] != 'm' && s[0] != 'M') {
        return CHR_ERR_ARG;
    }
    size_t n = 0;
    const char *p = s + 1;
    while (*p != '\0') {
        if (*p != '/' || n == path_cap || n == WALLET_BIP32_DEPTH_MAX) {
            goto fail;
        }
        p++;
        if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9')) {
            goto fail; /* empty level, sign, space or leading zero */
        }
        uint64_t v = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v >= WALLET_BIP32_HARDENED) {
                goto fail;
            }
        }
        if (*p == '\'' || *p == 'h' || *p == 'H') {
            v |= WALLET_BIP32_HARDENED;
            p++;
        }
        path[n++] = (uint32_t)v;
    }
    *path_len = n;
    return CHR_OK;
fail:
    memset(path, 0, path_cap * sizeof(*path));
    return CHR_ERR_ARG;
}

chr_err wallet_bip32_path_format(char *out, size_t out_cap, const uint32_t *path, size_t path_len)
{
    if (out_cap > 0) {
        out[0] = '\0';
    }
    if (path_len > WALLET_BIP32_DEPTH_MAX) {
        return CHR_ERR_ARG;
    }
    size_t len = 0;
    int w = snprintf(out, out_cap, "m");
    for (size_t i = 0;; i++) {
        if (w < 0 || (size_t)w >= out_cap - len) {
            if (out_cap > 0) {
                memset(out, 0, out_cap);
            }
            return CHR_ERR_TOO_LONG;
        }
        len += (size_t)w;
        if (i == path_len) {
            break;
        }
        uint32_t v = path[i];
        w = snprintf(out + len, out_cap - len, "/%u%s", (unsigned)(v & ~WALLET_BIP32_HARDENED),
                     (v & WALLET_BIP32_HARDENED) ? "'" : "");
    }
    return CHR_OK;
}

/* A signing context for public keys, blinded with fresh randomness (libsecp256k1's advice
 * for any context that multiplies by a secret). NULL when it cannot be made. */
static secp256k1_context *bip32_context(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (ctx == NULL) {
        return NULL;
    }
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    int ok = secp256k1_context_randomize(ctx, seed);
    sodium_memzero(seed, sizeof(seed));
    if (!ok) {
        secp256k1_context_destroy(ctx);
        return NULL;
    }
    return ctx;
}

static chr_err bip32_pubkey_ctx(const secp256k1_context *ctx, uint8_t out[33], const uint8_t sk[32])
{
    secp256k1_pubkey pk;
    size_t len = 33;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, sk)) {
        memset(out, 0, 33);
        return CHR_ERR_ARG;
    }
    int ok = secp256k1_ec_pubkey_serialize(ctx, out, &len, &pk, SECP256K1_EC_COMPRESSED);
    CHR_ASSERT(ok && len == 33);
    return CHR_OK;
}

chr_err wallet_bip32_pubkey(uint8_t out[33], const uint8_t sk[32])
{
    secp256k1_context *ctx = bip32_context();
    if (ctx == NULL) {
        memset(out, 0, 33);
        return CHR_ERR_CRYPTO;
    }
    chr_err err = bip32_pubkey_ctx(ctx, out, sk);
    secp256k1_context_destroy(ctx);
    return err;
}

chr_err wallet_bip32_master(wallet_bip32_node *out, const uint8_t *seed, size_t seed_len)
{
    memset(out, 0, sizeof(*out));
    if (seed_len < WALLET_BIP32_SEED_MIN || seed_len > WALLET_BIP32_SEED_MAX) {
        return CHR_ERR_ARG;
    }
    /* I = HMAC-SHA512(Key = "Bitcoin seed", Data = S); I_L is the master secret key and I_R
     * the master chain code. */
    uint8_t i[crypto_auth_hmacsha512_BYTES];
    crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, (const unsigned char *)bip32_master_key,
                                sizeof(bip32_master_key) - 1);
    crypto_auth_hmacsha512_update(&st, seed, seed_len);
    crypto_auth_hmacsha512_final(&st, i);
    sodium_memzero(&st, sizeof(st));
    chr_err err = CHR_OK;
    /* "In case parse256(I_L) is 0 or parse256(I_L) >= n, the master key is invalid." */
    if (!secp256k1_ec_seckey_verify(secp256k1_context_static, i)) {
        err = CHR_ERR_CRYPTO;
    } else {
        memcpy(out->sk, i, 32);
        memcpy(out->chain_code, i + 32, 32);
    }
    sodium_memzero(i, sizeof(i));
    return err;
}

/* CKDpriv with a context (needed for the public key of a normal child). */
static chr_err bip32_child_ctx(const secp256k1_context *ctx, wallet_bip32_node *out,
                               const wallet_bip32_node *parent, uint32_t index)
{
    if (parent->depth >= WALLET_BIP32_DEPTH_MAX) {
        return CHR_ERR_ARG;
    }
    /* Hardened: Data = 0x00 || ser256(k_par) || ser32(i); normal: serP(point(k_par)) ||
     * ser32(i). Both are 37 bytes. */
    uint8_t data[37];
    if (index & WALLET_BIP32_HARDENED) {
        data[0] = 0;
        memcpy(data + 1, parent->sk, 32);
    } else if (bip32_pubkey_ctx(ctx, data, parent->sk) != CHR_OK) {
        return CHR_ERR_ARG; /* a parent node holds a valid key; this one does not */
    }
    data[33] = (uint8_t)(index >> 24);
    data[34] = (uint8_t)(index >> 16);
    data[35] = (uint8_t)(index >> 8);
    data[36] = (uint8_t)index;
    uint8_t i[crypto_auth_hmacsha512_BYTES];
    crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, parent->chain_code, 32);
    crypto_auth_hmacsha512_update(&st, data, sizeof(data));
    crypto_auth_hmacsha512_final(&st, i);
    sodium_memzero(&st, sizeof(st));
    sodium_memzero(data, sizeof(data));
    /* k_i = parse256(I_L) + k_par (mod n); "In case parse256(I_L) >= n or k_i = 0, the
     * resulting key is invalid": libsecp256k1 refuses exactly those tweaks. */
    wallet_bip32_node child;
    memcpy(child.sk, parent->sk, 32);
    chr_err err = CHR_OK;
    if (!secp256k1_ec_seckey_tweak_add(secp256k1_context_static, child.sk, i)) {
        err = CHR_ERR_CRYPTO;
    } else {
        memcpy(child.chain_code, i + 32, 32);
        child.depth = parent->depth + 1;
        child.child_number = index;
        *out = child;
    }
    sodium_memzero(i, sizeof(i));
    sodium_memzero(&child, sizeof(child));
    return err;
}

chr_err wallet_bip32_child(wallet_bip32_node *out, const wallet_bip32_node *parent, uint32_t index)
{
    secp256k1_context *ctx = bip32_context();
    chr_err err = ctx == NULL ? CHR_ERR_CRYPTO : bip32_child_ctx(ctx, out, parent, index);
    if (ctx != NULL) {
        secp256k1_context_destroy(ctx);
    }
    if (err != CHR_OK) {
        sodium_memzero(out, sizeof(*out));
    }
    return err;
}

chr_err wallet_bip32_derive(uint8_t sk[32], const uint8_t *seed, size_t seed_len,
                            const uint32_t *path, size_t path_len)
{
    memset(sk, 0, 32);
    if (path_len > WALLET_BIP32_DEPTH_MAX) {
        return CHR_ERR_ARG;
    }
    wallet_bip32_node node;
    sodium_mlock(&node, sizeof(node));
    chr_err err = wallet_bip32_master(&node, seed, seed_len);
    secp256k1_context *ctx = NULL;
    if (err == CHR_OK && path_len > 0) {
        ctx = bip32_context();
        err = ctx == NULL ? CHR_ERR_CRYPTO : CHR_OK;
    }
    for (size_t i = 0; err == CHR_OK && i < path_len; i++) {
        err = bip32_child_ctx(ctx, &node, &node, path[i]);
    }
    if (err == CHR_OK) {
        CHR_ASSERT(node.depth == path_len);
        memcpy(sk, node.sk, 32);
    }
    if (ctx != NULL) {
        secp256k1_context_destroy(ctx);
    }
    sodium_munlock(&node, sizeof(node)); /* zeroes it too */
    return err;
}

chr_err wallet_bip32_mnemonic_key(uint8_t sk[32], const char *mnemonic_normalized,
                                  const char *bip39_passphrase)
{
    memset(sk, 0, 32);
    const char *pass = bip39_passphrase != NULL ? bip39_passphrase : "";
    if (wallet_bip39_passphrase_check(pass) != CHR_OK) {
        return CHR_ERR_ARG;
    }
    uint32_t path[WALLET_BIP32_DEPTH_MAX];
    size_t path_len;
    chr_err err =
        wallet_bip32_path_parse(path, WALLET_BIP32_DEPTH_MAX, &path_len, WALLET_DERIVATION_PATH);
    CHR_ASSERT(err == CHR_OK);
    uint8_t seed[WALLET_BIP39_SEED_LEN];
    sodium_mlock(seed, sizeof(seed));
    wallet_bip39_seed(seed, mnemonic_normalized, pass);
    err = wallet_bip32_derive(sk, seed, sizeof(seed), path, path_len);
    sodium_munlock(seed, sizeof(seed)); /* zeroes it too */
    return err;
}
