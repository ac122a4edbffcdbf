/* SHA-256 (through libsodium) and the domain-separated hashes built on it. Thread-safe
 * after sodium_init(), which chr_hash_init() calls. */
#ifndef CHR_HASH_H
#define CHR_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CHR_HASH_LEN 32

typedef struct chr_sha256 {
    /* Large enough for crypto_hash_sha256_state, checked by a _Static_assert in hash.c. */
    uint64_t opaque[14];
} chr_sha256;

/* Initializes libsodium once; every program calls it before hashing. CHR_ERR_CRYPTO if
 * libsodium cannot start. */
CHR_WUR chr_err chr_hash_init(void);

void chr_sha256_hash(uint8_t out[CHR_HASH_LEN], const uint8_t *in, size_t in_len);
void chr_sha256_start(chr_sha256 *ctx);
void chr_sha256_update(chr_sha256 *ctx, const uint8_t *in, size_t in_len);
void chr_sha256_final(chr_sha256 *ctx, uint8_t out[CHR_HASH_LEN]);

/* BIP-340's tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). The domain separation
 * of every signed payload in Chroom (docs/PROTOCOL.md, "Signatures"). */
void chr_tagged_hash(uint8_t out[CHR_HASH_LEN], const char *tag, const uint8_t *msg,
                     size_t msg_len);
/* Starts a tagged hash, for messages fed in parts. */
void chr_tagged_start(chr_sha256 *ctx, const char *tag);

#endif
