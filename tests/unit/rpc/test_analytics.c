/* The analytics store (rpc/analytics.h): the replay, rate and clock rules, the buckets and
 * windows, the meetings, health and the retention sweep. */
#include <stdlib.h>
#include <string.h>

#include "rpc/analytics.h"
#include "suite.h"
#include "tests/unit/test.h"

#define T0 1796688000000ull /* a whole hour */

static rpc_analytics *open_store(uint64_t retention_ms)
{
    char *dir = malloc(64);
    if (dir == NULL) {
        return NULL;
    }
    strcpy(dir, "/tmp/chroom-analytics-XXXXXX");
    rpc_an_config cfg = {
        .data_dir = mkdtemp(dir),
        .map_mb = RPC_AN_MAP_MB_MIN,
        .retention_ms = retention_ms,
        .offline_after_ms = 60000,
        .degraded_after_ms = 30000,
        .clock_skew_ms = 120000,
        .interval_min_ms = 1000,
        .addr_per_min = 2,
    };
    rpc_analytics *a = NULL;
    char err[256];
    if (cfg.data_dir == NULL || rpc_analytics_open(&a, &cfg, err, sizeof(err)) != CHR_OK) {
        a = NULL;
    }
    free(dir);
    return a;
}

static void hb_at(ledger_heartbeat *hb, uint8_t node, uint64_t time_ms, uint32_t rtt)
{
    memset(hb, 0, sizeof(*hb));
    memcpy(hb->chain_id, "c", 1);
    hb->chain_id_len = 1;
    memset(hb->node_key, node, 32);
    hb->time_ms = time_ms;
    hb->load_permille = 100;
    hb->cpu_permille = 200;
    hb->f = (ledger_hb_figures){10, 1000, 2000, 10, 5, rtt};
    hb->meetings_len = 1;
    memset(hb->meetings[0].meeting_id, 0xab, 12);
    hb->meetings[0].f = (ledger_hb_figures){10, 1000, 2000, 10, 5, rtt};
}

void test_analytics_record_rules(void)
{
    /* Proves the acceptance rules: a heartbeat off our clock by more than the skew is
     * heartbeat_time, one not after the node's last is heartbeat_replayed, one sooner than
     * interval_min_ms after it is rate_limited, and none of them changes the node's row;
     * another node is independent; an address gets addr_per_min heartbeats a minute. */
    rpc_analytics *a = open_store(7 * 86400000ull);
    CHECK(a != NULL);
    ledger_heartbeat hb;
    rpc_an_node n;
    hb_at(&hb, 1, T0, 40);
    CHECK(rpc_analytics_record(a, &hb, T0 + 120001) == CHR_ERR_HEARTBEAT_TIME);
    CHECK(rpc_analytics_record(a, &hb, T0 - 120001) == CHR_ERR_HEARTBEAT_TIME);
    CHECK(rpc_analytics_node(a, hb.node_key, &n) == CHR_ERR_NOT_FOUND);
    CHECK_OK(rpc_analytics_record(a, &hb, T0 + 120000));
    CHECK(rpc_analytics_record(a, &hb, T0) == CHR_ERR_HEARTBEAT_REPLAY);
    hb.time_ms = T0 - 1;
    CHECK(rpc_analytics_record(a, &hb, T0) == CHR_ERR_HEARTBEAT_REPLAY);
    hb.time_ms = T0 + 999;
    CHECK(rpc_analytics_record(a, &hb, T0) == CHR_ERR_RATE_LIMITED);
    CHECK_OK(rpc_analytics_node(a, hb.node_key, &n));
    CHECK(n.time_ms == T0 && n.heartbeats == 1 && n.received_ms == T0 + 120000);
    hb.time_ms = T0 + 1000;
    CHECK_OK(rpc_analytics_record(a, &hb, T0));
    hb_at(&hb, 2, T0, 40);
    CHECK_OK(rpc_analytics_record(a, &hb, T0));
    uint8_t who[16] = {1};
    unsigned retry = 0;
    CHECK(rpc_analytics_address_take(a, who, 5000, &retry) == 1);
    CHECK(rpc_analytics_address_take(a, who, 5000, &retry) == 1);
    CHECK(rpc_analytics_address_take(a, who, 5000, &retry) == 0 && retry >= 1);
    rpc_analytics_close(a);
}

void test_analytics_windows_and_health(void)
{
    /* Proves the aggregation: heartbeats a minute apart fill one minute bucket each and one
     * hour bucket, the network's buckets sum every node, each heartbeat counts for the time
     * since the node's last (at most RPC_AN_GAP_MS_MAX), a meeting's row keeps its QoS, and
     * health goes healthy, degraded (silent, or poor RTT), offline with age. */
    rpc_analytics *a = open_store(7 * 86400000ull);
    CHECK(a != NULL);
    ledger_heartbeat hb;
    for (uint64_t i = 0; i < 5; i++) {
        hb_at(&hb, 1, T0 + i * 60000, 40 + (uint32_t)i * 10);
        CHECK_OK(rpc_analytics_record(a, &hb, hb.time_ms));
    }
    hb_at(&hb, 2, T0 + 4 * 60000, 500);
    CHECK_OK(rpc_analytics_record(a, &hb, hb.time_ms));
    uint64_t now = T0 + 4 * 60000 + 1;
    rpc_an_bucket b[RPC_AN_WINDOW_BUCKETS_MAX];
    size_t n = 0;
    CHECK_OK(rpc_analytics_series(a, hb.node_key, RPC_AN_1H, now, b, &n));
    CHECK(n == 1 && b[0].heartbeats == 1 && b[0].participant_ms == 0);
    memset(hb.node_key, 1, 32);
    CHECK_OK(rpc_analytics_series(a, hb.node_key, RPC_AN_1H, now, b, &n));
    CHECK(n == 5 && b[0].start_ms == T0 && b[4].start_ms == T0 + 4 * 60000);
    CHECK(b[4].sum[RPC_AN_RTT] == 80 && b[1].participant_ms == 10 * 60000ull);
    CHECK(b[1].kbit_in == 1000 * 60ull);
    CHECK_OK(rpc_analytics_series(a, hb.node_key, RPC_AN_7D, now, b, &n));
    CHECK(n == 1 && b[0].heartbeats == 5 && b[0].max[RPC_AN_RTT] == 80);
    CHECK_OK(rpc_analytics_series(a, NULL, RPC_AN_24H, now, b, &n));
    CHECK(n == 1 && b[0].heartbeats == 6 && b[0].max[RPC_AN_RTT] == 500);
    /* An hour later the 1 h window of minutes is empty; the 24 h window still holds it. */
    CHECK_OK(rpc_analytics_series(a, NULL, RPC_AN_1H, now + 3600000, b, &n));
    CHECK(n == 0);
    rpc_an_meeting m[RPC_AN_MEETING_NODES_MAX];
    uint8_t mid[12];
    memset(mid, 0xab, 12);
    CHECK_OK(rpc_analytics_meeting(a, mid, m, RPC_AN_MEETING_NODES_MAX, &n));
    CHECK(n == 2 && m[0].heartbeats == 5 && m[0].max_rtt_ms == 80 && m[1].max_rtt_ms == 500);
    uint8_t ids[12 * 4];
    int partial = 1;
    CHECK_OK(rpc_analytics_meetings_since(a, T0, ids, 4, &n, &partial));
    CHECK(n == 1 && partial == 0 && memcmp(ids, mid, 12) == 0);
    CHECK_OK(rpc_analytics_meetings_since(a, now, ids, 4, &n, &partial));
    CHECK(n == 0);
    rpc_an_node node;
    CHECK_OK(rpc_analytics_node(a, hb.node_key, &node));
    CHECK(rpc_analytics_health(a, &node, now) == RPC_AN_HEALTHY);
    CHECK(rpc_analytics_health(a, &node, node.received_ms + 30001) == RPC_AN_DEGRADED);
    CHECK(rpc_analytics_health(a, &node, node.received_ms + 60001) == RPC_AN_OFFLINE);
    CHECK(rpc_analytics_health(a, NULL, now) == RPC_AN_OFFLINE);
    memset(hb.node_key, 2, 32);
    CHECK_OK(rpc_analytics_node(a, hb.node_key, &node));
    CHECK(rpc_analytics_health(a, &node, now) == RPC_AN_DEGRADED);
    rpc_analytics_close(a);
}

void test_analytics_retention(void)
{
    /* Proves the retention sweep: rows past the retention period (node, buckets, meetings)
     * are deleted by a later heartbeat's sweep, while a node still reporting keeps its
     * recent rows. */
    rpc_analytics *a = open_store(3 * 3600000ull);
    CHECK(a != NULL);
    ledger_heartbeat hb;
    hb_at(&hb, 1, T0, 40);
    CHECK_OK(rpc_analytics_record(a, &hb, T0));
    uint64_t later = T0 + 5 * 3600000ull;
    hb_at(&hb, 2, later, 40);
    hb.meetings_len = 0;
    CHECK_OK(rpc_analytics_record(a, &hb, later));
    rpc_an_node node;
    CHECK_OK(rpc_analytics_node(a, hb.node_key, &node));
    memset(hb.node_key, 1, 32);
    CHECK(rpc_analytics_node(a, hb.node_key, &node) == CHR_ERR_NOT_FOUND);
    rpc_an_bucket b[RPC_AN_WINDOW_BUCKETS_MAX];
    size_t n = 1;
    CHECK_OK(rpc_analytics_series(a, hb.node_key, RPC_AN_7D, later, b, &n));
    CHECK(n == 0);
    rpc_an_meeting m[2];
    uint8_t mid[12];
    memset(mid, 0xab, 12);
    CHECK_OK(rpc_analytics_meeting(a, mid, m, 2, &n));
    CHECK(n == 0);
    CHECK_OK(rpc_analytics_series(a, NULL, RPC_AN_24H, later, b, &n));
    CHECK(n == 1 && b[0].heartbeats == 1);
    rpc_analytics_close(a);
}
