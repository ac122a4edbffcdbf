#include "consensus/wal.h"

#include <string.h>

#include "common/enc.h"
#include "common/hash.h"

static void record_check(uint8_t out[8], const uint8_t len_be[4], const uint8_t *payload,
                         size_t len)
{
    chr_sha256 ctx;
    uint8_t digest[CHR_HASH_LEN];
    chr_sha256_start(&ctx);
    chr_sha256_update(&ctx, len_be, 4);
    chr_sha256_update(&ctx, payload, len);
    chr_sha256_final(&ctx, digest);
    memcpy(out, digest, 8);
}

void cons_wal_header(uint8_t out[CONS_WAL_HEADER_BYTES], const uint8_t *payload, size_t len)
{
    chr_put_u32be(out, (uint32_t)len);
    record_check(out + 4, out, payload, len);
}

size_t cons_wal_scan(const uint8_t *buf, size_t buf_len,
                     int (*cb)(void *ctx, const uint8_t *rec, size_t rec_len), void *ctx)
{
    size_t pos = 0;
    while (buf_len - pos >= CONS_WAL_HEADER_BYTES) {
        uint32_t len = chr_get_u32be(buf + pos);
        if (len > CONS_WAL_RECORD_MAX || len > buf_len - pos - CONS_WAL_HEADER_BYTES) {
            break;
        }
        const uint8_t *payload = buf + pos + CONS_WAL_HEADER_BYTES;
        uint8_t check[8];
        record_check(check, buf + pos, payload, len);
        if (memcmp(check, buf + pos + 4, 8) != 0) {
            break;
        }
        if (cb != NULL && cb(ctx, payload, len) != 0) {
            break;
        }
        pos += CONS_WAL_HEADER_BYTES + len;
    }
    return pos;
}
