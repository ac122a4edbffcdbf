#include <string.h>

#include "rpc/internal/ratelimit.h"
#include "rpc/limits.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

static void key_of(uint8_t key[RPC_RATE_KEY_BYTES], unsigned n)
{
    memset(key, 0, RPC_RATE_KEY_BYTES);
    memcpy(key, &n, sizeof(n));
}

/* Proves a bucket of 5 a minute allows exactly 5 at once with Remaining 4..0, refuses the
 * 6th with an honest Retry-After (12 s: one request per 12 s), still refuses a millisecond
 * before that, allows exactly one at it, and reports Reset as the time until full. */
void test_rate_bucket_exact(void)
{
    rpc_rate *t;
    CHECK_OK(rpc_rate_new(&t, 64));
    uint8_t k[RPC_RATE_KEY_BYTES];
    key_of(k, 1);
    rpc_rate_result r;
    uint64_t now = 1000000;
    for (uint64_t i = 1; i <= 5; i++) {
        rpc_rate_take(t, &r, k, 5, now);
        CHECK(r.allowed && r.limit == 5 && r.remaining == 5 - i);
        CHECK(r.reset_s == 12 * i);
    }
    rpc_rate_take(t, &r, k, 5, now);
    CHECK(!r.allowed && r.remaining == 0 && r.retry_after_s == 12);
    rpc_rate_take(t, &r, k, 5, now + 11999);
    CHECK(!r.allowed && r.retry_after_s == 1);
    rpc_rate_take(t, &r, k, 5, now + 12000);
    CHECK(r.allowed && r.remaining == 0);
    rpc_rate_take(t, &r, k, 5, now + 12001);
    CHECK(!r.allowed);
    /* A long pause refills to full, never beyond. */
    rpc_rate_take(t, &r, k, 5, now + 10 * 60000);
    CHECK(r.allowed && r.remaining == 4 && r.reset_s == 12);
    rpc_rate_free(t);
}

/* Proves a peek reports a bucket's figures without spending (a full one for a key never
 * seen), and that a limit of 0 allows everything without headers' figures. */
void test_rate_peek_and_no_limit(void)
{
    rpc_rate *t;
    CHECK_OK(rpc_rate_new(&t, 64));
    uint8_t k[RPC_RATE_KEY_BYTES];
    key_of(k, 2);
    rpc_rate_result r;
    rpc_rate_peek(t, &r, k, 2, 0);
    CHECK(r.allowed && r.limit == 2 && r.remaining == 2 && r.reset_s == 0);
    rpc_rate_take(t, &r, k, 2, 0);
    rpc_rate_take(t, &r, k, 2, 0);
    CHECK(r.allowed && r.remaining == 0);
    for (int i = 0; i < 3; i++) {
        rpc_rate_peek(t, &r, k, 2, 0);
        CHECK(r.remaining == 0 && r.reset_s == 60);
    }
    rpc_rate_take(t, &r, k, 2, 0);
    CHECK(!r.allowed);
    rpc_rate_peek(t, &r, k, 2, 30000); /* half a minute refills one of two */
    CHECK(r.remaining == 1);
    for (int i = 0; i < 1000; i++) {
        rpc_rate_take(t, &r, k, 0, 0);
        CHECK(r.allowed && r.limit == 0 && r.remaining == 0);
    }
    rpc_rate_free(t);
}

/* Proves a table of one set holds RPC_RATE_WAYS live buckets, refuses a new key while all
 * are refilling (Retry-After until the first is full, no live bucket evicted), and takes
 * the new key once a bucket has refilled. */
void test_rate_full_set_refuses_then_frees(void)
{
    rpc_rate *t;
    CHECK_OK(rpc_rate_new(&t, RPC_RATE_WAYS));
    uint8_t k[RPC_RATE_KEY_BYTES];
    rpc_rate_result r;
    for (unsigned i = 0; i < RPC_RATE_WAYS; i++) {
        key_of(k, 100 + i);
        rpc_rate_take(t, &r, k, 60, 1000 + i); /* one a second: full 1 s after */
        CHECK(r.allowed);
    }
    key_of(k, 999);
    rpc_rate_take(t, &r, k, 60, 1500);
    CHECK(!r.allowed && r.retry_after_s == 1);
    /* The earlier keys kept their buckets. */
    key_of(k, 100);
    rpc_rate_take(t, &r, k, 60, 1500);
    CHECK(r.allowed && r.remaining == 58);
    /* Key 101 is full at 2001: its slot goes to the new key. */
    key_of(k, 999);
    rpc_rate_take(t, &r, k, 60, 2001);
    CHECK(r.allowed && r.remaining == 59);
    rpc_rate_free(t);
}

/* Proves the buckets survive a restart's round trip: the export holds only buckets still
 * refilling (levels brought up to the moment), encodes sorted and decodes to the same
 * entries, and an import into a fresh table gives each key what it had left plus the
 * refill of the time away; a bucket that refilled meanwhile is not restored (a new one is
 * the same), and a key the new table already holds keeps its own bucket. */
void test_rate_export_import(void)
{
    rpc_rate *t;
    CHECK_OK(rpc_rate_new(&t, 64));
    uint8_t k[RPC_RATE_KEY_BYTES];
    rpc_rate_result r;
    for (unsigned i = 0; i < 5; i++) {
        key_of(k, 50 - i); /* not in key order */
        for (unsigned s = 0; s <= i; s++) {
            rpc_rate_take(t, &r, k, 6, 1000); /* one back every 10 s */
            CHECK(r.allowed);
        }
    }
    key_of(k, 77);
    for (unsigned s = 0; s < 5; s++) {
        rpc_rate_take(t, &r, k, 60, 1000); /* one back every second: full at 6000 */
    }
    rpc_rate_saved saved[16];
    CHECK(rpc_rate_export(t, saved, 16, 5000) == 6);
    CHECK(rpc_rate_export(t, saved, 3, 5000) == 3);
    size_t n = rpc_rate_export(t, saved, 16, 6000);
    CHECK(n == 5); /* key 77 is full again: nothing to save */
    uint8_t buf[RPC_RATE_STATE_HEADER_BYTES + 16 * RPC_RATE_STATE_ENTRY_BYTES];
    CHECK(rpc_rate_state_bytes(n) <= sizeof(buf));
    rpc_rate_state_encode(buf, saved, n, 123456789);
    rpc_rate_saved back[16];
    size_t m;
    uint64_t when;
    CHECK_OK(rpc_rate_state_decode(back, 16, &m, &when, buf, rpc_rate_state_bytes(n)));
    CHECK(m == n && when == 123456789);
    CHECK(memcmp(back, saved, n * sizeof(saved[0])) == 0); /* encode sorted saved in place */
    for (size_t i = 1; i < m; i++) {
        CHECK(memcmp(back[i - 1].key, back[i].key, RPC_RATE_KEY_BYTES) < 0);
    }
    rpc_rate_free(t);

    /* Away 10 s: every key has one more request than it had left, key 50 (1 spent) is full
     * and not restored. Key 46 is already in the new table and keeps its own bucket. */
    CHECK_OK(rpc_rate_new(&t, 64));
    key_of(k, 46);
    rpc_rate_take(t, &r, k, 6, 900000);
    CHECK(rpc_rate_import(t, back, m, 10000, 900000) == 3);
    for (unsigned i = 1; i < 4; i++) {
        key_of(k, 50 - i);
        rpc_rate_peek(t, &r, k, 6, 900000);
        CHECK(r.remaining == 6 - (i + 1) + 1);
    }
    key_of(k, 50);
    rpc_rate_peek(t, &r, k, 6, 900000);
    CHECK(r.remaining == 6 && r.reset_s == 0);
    key_of(k, 46);
    rpc_rate_peek(t, &r, k, 6, 900000);
    CHECK(r.remaining == 5);
    /* A minute or more away refills everything. */
    rpc_rate_free(t);
    CHECK_OK(rpc_rate_new(&t, 64));
    CHECK(rpc_rate_import(t, back, m, 60000, 0) == 0);
    CHECK(rpc_rate_import(t, back, m, UINT64_MAX, 0) == 0);
    rpc_rate_free(t);
}

/* Proves the saved-state decoder takes only canonical states of this version: a wrong
 * version, a count that does not match the bytes or the room, a trailing byte, unsorted
 * or repeated keys, a limit of 0 or over the maximum, and a full level are refused with
 * every output zeroed; an empty state is fine. */
void test_rate_state_decode_rejects(void)
{
    rpc_rate_saved in[2];
    memset(in, 0, sizeof(in));
    key_of(in[0].key, 1);
    key_of(in[1].key, 2);
    in[0].limit = in[1].limit = 10;
    in[0].level = 5;
    in[1].level = 10 * RPC_RATE_UNIT - 1;
    uint8_t good[RPC_RATE_STATE_HEADER_BYTES + 2 * RPC_RATE_STATE_ENTRY_BYTES + 1];
    size_t len = rpc_rate_state_bytes(2);
    rpc_rate_state_encode(good, in, 2, 7);
    rpc_rate_saved out[2];
    size_t n;
    uint64_t when;
    CHECK_OK(rpc_rate_state_decode(out, 2, &n, &when, good, len));
    CHECK(n == 2 && when == 7);
    CHECK(rpc_rate_state_decode(out, 1, &n, &when, good, len) == CHR_ERR_ARG);
    CHECK(n == 0 && when == 0);
    CHECK(rpc_rate_state_decode(out, 2, &n, &when, good, len - 1) == CHR_ERR_ARG);
    good[len] = 0;
    CHECK(rpc_rate_state_decode(out, 2, &n, &when, good, len + 1) == CHR_ERR_ARG);
    CHECK(rpc_rate_state_decode(out, 2, &n, &when, good, 0) == CHR_ERR_ARG);
    /* Entry fields: entry i's key at header + i * entry, then limit, then level. */
    const size_t e1 = RPC_RATE_STATE_HEADER_BYTES + RPC_RATE_STATE_ENTRY_BYTES;
    struct {
        size_t at;
        uint8_t value;
    } edits[] = {
        {0, 2},                               /* version */
        {12, 3},                              /* count 3 */
        {e1, 0},                              /* key 2 below key 1: unsorted */
        {e1, 1},                              /* key 2 becomes key 1: repeated */
        {e1 + RPC_RATE_KEY_BYTES + 7, 0},     /* limit 0 */
        {e1 + RPC_RATE_KEY_BYTES, 1},         /* limit far over the maximum */
        {e1 + RPC_RATE_KEY_BYTES + 15, 0xff}, /* level past full */
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        uint8_t bad[sizeof(good)];
        memcpy(bad, good, len);
        bad[edits[i].at] = edits[i].value;
        CHECK(rpc_rate_state_decode(out, 2, &n, &when, bad, len) == CHR_ERR_ARG);
        CHECK(n == 0 && when == 0 && out[0].limit == 0 && out[1].limit == 0);
    }
    uint8_t swapped[sizeof(good)];
    memcpy(swapped, good, RPC_RATE_STATE_HEADER_BYTES);
    memcpy(swapped + RPC_RATE_STATE_HEADER_BYTES, good + e1, RPC_RATE_STATE_ENTRY_BYTES);
    memcpy(swapped + e1, good + RPC_RATE_STATE_HEADER_BYTES, RPC_RATE_STATE_ENTRY_BYTES);
    CHECK(rpc_rate_state_decode(out, 2, &n, &when, swapped, len) == CHR_ERR_ARG);
    uint8_t empty[RPC_RATE_STATE_HEADER_BYTES];
    rpc_rate_state_encode(empty, in, 0, 9);
    CHECK_OK(rpc_rate_state_decode(out, 0, &n, &when, empty, sizeof(empty)));
    CHECK(n == 0 && when == 9);
}
