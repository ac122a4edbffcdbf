#include "common/hash.h"

#include <sodium.h>
#include <string.h>

#include "common/assert.h"

_Static_assert(sizeof(chr_sha256) >= sizeof(crypto_hash_sha256_state),
               "chr_sha256 must hold libsodium's state");

chr_err chr_hash_init(void)
{
    return sodium_init() < 0 ? CHR_ERR_CRYPTO : CHR_OK;
}

void chr_sha256_hash(uint8_t out[CHR_HASH_LEN], const uint8_t *in, size_t in_len)
{
    CHR_ASSERT(in != NULL || in_len == 0);
    crypto_hash_sha256(out, in, in_len);
}

void chr_sha256_start(chr_sha256 *ctx)
{
    crypto_hash_sha256_init((crypto_hash_sha256_state *)ctx);
}

void chr_sha256_update(chr_sha256 *ctx, const uint8_t *in, size_t in_len)
{
    CHR_ASSERT(in != NULL || in_len == 0);
    crypto_hash_sha256_update((crypto_hash_sha256_state *)ctx, in, in_len);
}

void chr_sha256_final(chr_sha256 *ctx, uint8_t out[CHR_HASH_LEN])
{
    crypto_hash_sha256_final((crypto_hash_sha256_state *)ctx, out);
}

void chr_tagged_start(chr_sha256 *ctx, const char *tag)
{
    uint8_t tag_hash[CHR_HASH_LEN];
    chr_sha256_hash(tag_hash, (const uint8_t *)tag, strlen(tag));
    chr_sha256_start(ctx);
    chr_sha256_update(ctx, tag_hash, sizeof(tag_hash));
    chr_sha256_update(ctx, tag_hash, sizeof(tag_hash));
}

void chr_tagged_hash(uint8_t out[CHR_HASH_LEN], const char *tag, const uint8_t *msg, size_t msg_len)
{
    chr_sha256 ctx;
    chr_tagged_start(&ctx, tag);
    chr_sha256_update(&ctx, msg, msg_len);
    chr_sha256_final(&ctx, out);
}
