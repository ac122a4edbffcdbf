#include <string.h>

#include "rpc/internal/conns.h"
#include "rpc/limits.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

/* Proves eviction takes only connections that wait for a request (or read a body without
 * a checked key), those never keyed before the keyed ones, the oldest first, and no more
 * than asked. */
void test_conns_evict_order(void)
{
    const rpc_conn_view v[] = {
        {RPC_CONN_WAITING, 0, 1, 10},  /* 0: idle, keyed before, oldest */
        {RPC_CONN_BUSY, 0, 0, 5},      /* 1: being answered: never */
        {RPC_CONN_WAITING, 0, 0, 40},  /* 2: idle, never keyed */
        {RPC_CONN_BODY, 1, 1, 1},      /* 3: keyed body being read: never */
        {RPC_CONN_BODY, 0, 0, 30},     /* 4: body without a checked key */
        {RPC_CONN_SUSPENDED, 0, 1, 2}, /* 5: an event stream: never */
        {RPC_CONN_WAITING, 0, 0, 20},  /* 6: slowloris, never keyed */
    };
    uint32_t out[8];
    uint32_t scratch[8];
    size_t k = rpc_conn_evict_choose(v, 7, 8, out, 8, scratch);
    CHECK(k == 4);
    CHECK(out[0] == 6 && out[1] == 4 && out[2] == 2 && out[3] == 0);
    k = rpc_conn_evict_choose(v, 7, 2, out, 8, scratch);
    CHECK(k == 2 && out[0] == 6 && out[1] == 4);
    CHECK(rpc_conn_evict_choose(v, 7, 0, out, 8, scratch) == 0);
    CHECK(!rpc_conn_evictable(&v[1]) && !rpc_conn_evictable(&v[3]) && !rpc_conn_evictable(&v[5]));
    /* The marks leave room: eviction starts before libmicrohttpd's limit, ends below it. */
    CHECK(RPC_CONNS_HIGH_WATER(512u) == 448 && RPC_CONNS_LOW_WATER(512u) == 384);
}

/* Proves a body budget admits exactly up to its maximum, refuses past it without taking
 * anything, and admits again once bytes are given back. */
void test_body_budget_exact(void)
{
    rpc_body_budget b;
    memset(&b, 0, sizeof(b));
    b.max = 100000;
    CHECK(rpc_body_budget_take(&b, 65536) == 1);
    CHECK(rpc_body_budget_take(&b, 65536) == 0);
    CHECK(atomic_load(&b.used) == 65536);
    CHECK(rpc_body_budget_take(&b, 100000 - 65536) == 1);
    CHECK(rpc_body_budget_take(&b, 1) == 0);
    rpc_body_budget_give(&b, 65536);
    CHECK(rpc_body_budget_take(&b, 65536) == 1);
    CHECK(rpc_body_budget_take(&b, UINT64_MAX) == 0);
    CHECK(atomic_load(&b.used) == 100000);
}
