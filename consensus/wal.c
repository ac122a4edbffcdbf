#include "consensus/wal.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "consensus/msg.h"

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

/* Whether the record whose header is at pos (whole) has the length of one this log holds,
 * by a witness independent of the length field: a vote's length exactly, or a proposal's
 * whose own block length (the u32 before its block) agrees with it. A proposal cut before
 * that field is judged by its kind byte, if present. */
static int record_shaped(const uint8_t *buf, size_t buf_len, size_t pos)
{
    uint32_t len = chr_get_u32be(buf + pos);
    size_t avail = buf_len - pos - CONS_WAL_HEADER_BYTES;
    const uint8_t *payload = buf + pos + CONS_WAL_HEADER_BYTES;
    if (len == CONS_VOTE_BYTES) {
        return 1;
    }
    if (len > CONS_WAL_RECORD_MAX || len < CONS_PROPOSAL_FIXED_BYTES) {
        return 0;
    }
    if (avail >= CONS_PROPOSAL_FIXED_BYTES) {
        uint32_t block_len = chr_get_u32be(payload + CONS_PROPOSAL_FIXED_BYTES - 4);
        return block_len == len - CONS_PROPOSAL_FIXED_BYTES;
    }
    return avail == 0 || payload[0] == CONS_MSG_PROPOSAL;
}

size_t cons_wal_next_intact(const uint8_t *buf, size_t buf_len, size_t at)
{
    CHR_ASSERT(at <= buf_len);
    size_t pos = at;
    while (buf_len - pos >= CONS_WAL_HEADER_BYTES) {
        if (!record_shaped(buf, buf_len, pos)) {
            pos++; /* not where a record of ours starts (or its length is damaged) */
            continue;
        }
        uint32_t len = chr_get_u32be(buf + pos);
        if (len > buf_len - pos - CONS_WAL_HEADER_BYTES) {
            break; /* a record of ours cut by the end of the file: the torn write */
        }
        uint8_t check[8];
        record_check(check, buf + pos, buf + pos + CONS_WAL_HEADER_BYTES, len);
        if (pos != at && memcmp(check, buf + pos + 4, 8) == 0) {
            return pos;
        }
        /* Damaged but of our shape: step over it whole, so that each byte is hashed once
         * and the bytes of a block inside it are never taken for records. */
        pos += CONS_WAL_HEADER_BYTES + len;
    }
    return buf_len;
}
