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
