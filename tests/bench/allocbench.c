/* allocbench: the CPU of a media node's allocation (ledger_meeting_allocate, the rule of
 * ledger/meetings.h) per meeting on an in-memory state with 100 and with 10,000 media
 * nodes, for `make bench` (tests/bench/run.sh). It measures and prints figures; it asserts
 * nothing about them.
 *
 *   allocbench [meetings]
 *       Registers the nodes (ledger_tx_apply_env of media-node registrations, in blocks),
 *       half in region "eu" and half in "us", then allocates `meetings` meetings of 2 to 8
 *       people in "eu", each with its own seed, and prints the CPU per allocation for each
 *       size. The rule reads at most LEDGER_MEETING_CANDIDATES_MAX + 1 records and their
 *       load entries from a seek into the region's list, so the cost is O(log N) in the
 *       trie's seek and O(1) in everything else: the two figures should be near. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "ledger/limits.h"
#include "ledger/meetings.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/params_meetings.h"
#include "ledger/state.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"
#include "ledger/tx_types.h"

#define AB_CHAIN "chroom-bench"
#define AB_BATCH 500u
#define AB_TABLE (4u * AB_BATCH)

/* Every account is rich: the bench measures the allocation, not balances. */
static chr_err ab_load(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    (void)ctx;
    (void)addr;
    memset(out, 0, sizeof(*out));
    out->balance = (uint64_t)1 << 60;
    return CHR_OK;
}

static double ab_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ab_key(uint8_t out[32], uint8_t tag, uint32_t i)
{
    memset(out, 0, 32);
    out[0] = tag;
    chr_put_u32be(out + 28, i);
    chr_sha256_hash(out, out, 32); /* spread over the key space, as real keys are */
}

/* Registers `nodes` media nodes of capacity 50 and bonds of 1 to 3 minimum bonds. */
static void ab_build(ledger_trie_mem *mem, ledger_overlay *o, ledger_objects *t, uint32_t nodes)
{
    ledger_params params;
    ledger_meeting_params mp;
    ledger_params_default(&params);
    ledger_meeting_params_default(&mp);
    uint8_t proposer[32], prev[32] = {0};
    ab_key(proposer, 0xee, 0);
    for (uint32_t i = 0; i < nodes; i++) {
        ledger_tx tx;
        uint8_t op[32];
        char detail[LEDGER_DETAIL_MAX];
        ab_key(op, 0xa0, i);
        CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_MEDIA_REGISTER, AB_CHAIN, op, 0,
                                  params.fee_transfer, 0, NULL, 0) == CHR_OK);
        ledger_media_body *b = &tx.body.media;
        ab_key(b->node_key, 0xb0, i);
        static const char endpoint[] = "https://media.example.org:8443/rtc";
        b->endpoint_len = (uint8_t)strlen(endpoint);
        memcpy(b->endpoint, endpoint, b->endpoint_len);
        b->region_len = 2;
        memcpy(b->region, i % 2 ? "us" : "eu", 2);
        b->capacity = 50;
        b->bond = (1 + i % 3) * mp.media_node_min_bond;
        ledger_apply_env env = {
            .height = 1, .proposer = proposer, .time_ms = 1000, .prev_hash = prev};
        CHR_ASSERT(ledger_tx_apply_env(o, &tx, &env, detail, sizeof(detail)) == CHR_OK);
        if ((i + 1) % AB_BATCH == 0 || i + 1 == nodes) {
            CHR_ASSERT(ledger_trie_mem_objects_store(mem, t) == CHR_OK);
            ledger_objects_reset(t);
            ledger_overlay_reset(o);
        }
    }
}

/* CPU seconds per allocation of `meetings` meetings in "eu" over a state of `nodes`. */
static double ab_run(uint32_t nodes, uint32_t meetings)
{
    ledger_trie_mem *mem;
    ledger_overlay *o;
    ledger_objects *t;
    CHR_ASSERT(ledger_trie_mem_new(&mem) == CHR_OK);
    CHR_ASSERT(ledger_overlay_new(&o, AB_TABLE, ab_load, NULL) == CHR_OK);
    CHR_ASSERT(ledger_objects_new(&t, AB_TABLE, ledger_trie_mem_object, ledger_trie_mem_object_scan,
                                  mem) == CHR_OK);
    ledger_overlay_attach_objects(o, t);
    double t0 = ab_cpu();
    ab_build(mem, o, t, nodes);
    double built = ab_cpu() - t0;
    ledger_meeting_params mp;
    ledger_meeting_params_default(&mp);
    size_t refused = 0;
    t0 = ab_cpu();
    for (uint32_t k = 0; k < meetings; k++) {
        uint8_t seed[32], node[32];
        ab_key(seed, 0x5e, k);
        uint32_t need = 2 + k % 7;
        chr_err err = ledger_meeting_allocate(t, &mp, node, seed, "eu", 2, NULL, need, 60000,
                                              60000 + 30 * 60000);
        CHR_ASSERT(err == CHR_OK || err == CHR_ERR_NO_MEDIA_NODE);
        refused += err != CHR_OK;
        ledger_objects_reset(t); /* reads only: nothing to keep between meetings */
    }
    double per = (ab_cpu() - t0) / meetings;
    printf("allocation: %5u media nodes (built in %.2f s CPU): %.2f us CPU per meeting "
           "(%u meetings, %zu refused)\n",
           nodes, built, per * 1e6, meetings, refused);
    ledger_overlay_free(o);
    ledger_objects_free(t);
    ledger_trie_mem_free(mem);
    return per;
}

int main(int argc, char **argv)
{
    long meetings = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    if (argc > 2 || meetings <= 0 || meetings > 10000000) {
        fprintf(stderr, "usage: allocbench [meetings] (1..10000000)\n");
        return 2;
    }
    CHR_ASSERT(chr_hash_init() == CHR_OK);
    double small = ab_run(100, (uint32_t)meetings);
    double large = ab_run(10000, (uint32_t)meetings);
    printf("allocation: 10,000 nodes cost %.2fx of 100 (100x the nodes; O(log N) seek, "
           "O(%d) records read)\n",
           large / small, LEDGER_MEETING_CANDIDATES_MAX + 1);
    return 0;
}
