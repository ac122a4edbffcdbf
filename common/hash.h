/* SHA-256 (common/hash.c: written here, with the x86-64 SHA extensions when the processor
 * has them) and the domain-separated hashes built on it. Thread-safe after chr_hash_init(),
 * which every program calls before it hashes or starts a thread. */
#ifndef CHR_HASH_H
#define CHR_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CHR_HASH_LEN 32

typedef struct chr_sha256 {
    /* Large enough for the state, checked by a _Static_assert in hash.c. */
    uint64_t opaque[14];
} chr_sha256;

/* Initializes libsodium once and picks the SHA-256 compression this processor runs best;
 * every program calls it before hashing and before starting threads. CHR_ERR_CRYPTO if
 * libsodium cannot start. */
CHR_WUR chr_err chr_hash_init(void);
/* Which compression is in use: "sha-ni" or "portable". */
const char *chr_sha256_impl(void);
/* Tests only, with no other thread hashing: the portable compression (portable 1) or the SHA
 * extensions' when the processor has them; returns 1 when the SHA extensions' is in use. */
int chr_sha256_use_portable(int portable);

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
