/* The tests of ledger/media.c, ledger/meetings.c and ledger/params_meetings.c: every rule
 * and rejection of the media-node and meeting transactions, the escrow, the lifecycle, and
 * the allocation's determinism, capacity, region fallback, preferred node and spread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "credit/credit.h"
#include "ledger/distribution.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "ledger/staking.h"
#include "ledger/trie_mem.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define MT_CHAIN "chroom-test"
#define MT_ACCOUNTS 64
#define MT_FEE 1000
#define MT_BOND (1000ull * 1000000)
#define MT_MIN 60000ull

/* The committed state: accounts in a table, objects in a ledger_trie_mem; one overlay. */
typedef struct mt_db {
    uint8_t addr[MT_ACCOUNTS][32];
    ledger_account acct[MT_ACCOUNTS];
    size_t n;
    ledger_trie_mem *mem;
    ledger_overlay *o;
    ledger_objects *t;
    uint64_t height;
    uint8_t prev[32];
    uint8_t proposer[32];
} mt_db;

static chr_err mt_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    mt_db *db = ctx;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < db->n; i++) {
        if (memcmp(db->addr[i], addr, 32) == 0) {
            *out = db->acct[i];
        }
    }
    return CHR_OK;
}

static void mt_set(mt_db *db, const uint8_t addr[32], const ledger_account *a)
{
    for (size_t i = 0; i < db->n; i++) {
        if (memcmp(db->addr[i], addr, 32) == 0) {
            db->acct[i] = *a;
            return;
        }
    }
    CHR_ASSERT(db->n < MT_ACCOUNTS);
    memcpy(db->addr[db->n], addr, 32);
    db->acct[db->n++] = *a;
}

static uint64_t mt_balance(mt_db *db, const uint8_t addr[32])
{
    ledger_account a;
    CHR_ASSERT(mt_account(db, addr, &a) == CHR_OK);
    return a.balance;
}

static void mt_open(mt_db *db)
{
    memset(db, 0, sizeof(*db));
    CHR_ASSERT(ledger_trie_mem_new(&db->mem) == CHR_OK);
    CHR_ASSERT(ledger_overlay_new(&db->o, 64, mt_account, db) == CHR_OK);
    CHR_ASSERT(ledger_objects_new(&db->t, 512, ledger_trie_mem_object, ledger_trie_mem_object_scan,
                                  db->mem) == CHR_OK);
    ledger_overlay_attach_objects(db->o, db->t);
    memset(db->proposer, 0xee, 32);
}

static void mt_close(mt_db *db)
{
    ledger_overlay_free(db->o);
    ledger_objects_free(db->t);
    ledger_trie_mem_free(db->mem);
}

static void mt_fund(mt_db *db, uint32_t key, uint64_t balance)
{
    uint8_t sk[32], pk[32];
    ltest_key(sk, pk, key);
    ledger_account a = {.balance = balance, .nonce = 0};
    mt_set(db, pk, &a);
}

static uint64_t mt_nonce(mt_db *db, const uint8_t pk[32])
{
    ledger_account a;
    CHR_ASSERT(mt_account(db, pk, &a) == CHR_OK);
    return a.nonce;
}

/* Checks and applies tx at time_ms as one block: commits on success; on an error checks
 * that nothing changed and forgets the block. */
static chr_err mt_apply(mt_db *db, const ledger_tx *tx, uint64_t time_ms)
{
    ledger_params params;
    ledger_params_default(&params);
    char detail[LEDGER_DETAIL_MAX] = "";
    chr_err err = ledger_tx_check(tx, MT_CHAIN, &params, detail, sizeof(detail));
    if (err == CHR_OK) {
        ledger_apply_env env = {.height = db->height + 1,
                                .proposer = db->proposer,
                                .time_ms = time_ms,
                                .prev_hash = db->prev};
        err = ledger_tx_apply_env(db->o, tx, &env, detail, sizeof(detail));
    }
    if (err != CHR_OK) {
        CHR_ASSERT(detail[0] != '\0' || err == CHR_ERR_FULL);
        CHR_ASSERT(ledger_overlay_len(db->o) == 0 && ledger_objects_len(db->t) == 0);
        return err;
    }
    for (size_t i = 0; i < ledger_overlay_len(db->o); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(db->o, i, &addr, &a);
        mt_set(db, addr, &a);
    }
    CHR_ASSERT(ledger_trie_mem_objects_store(db->mem, db->t) == CHR_OK);
    ledger_overlay_reset(db->o);
    db->height++;
    chr_sha256_hash(db->prev, db->prev, 32);
    return CHR_OK;
}

/* Runs staking's end of block at time_ms as one block of its own and commits it. */
static chr_err mt_end_block(mt_db *db, uint64_t time_ms)
{
    ledger_params params;
    ledger_params_default(&params);
    chr_err err = ledger_staking_end_block(db->o, &params, db->height + 1, time_ms);
    if (err != CHR_OK) {
        return err;
    }
    for (size_t i = 0; i < ledger_overlay_len(db->o); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(db->o, i, &addr, &a);
        mt_set(db, addr, &a);
    }
    CHR_ASSERT(ledger_trie_mem_objects_store(db->mem, db->t) == CHR_OK);
    ledger_objects_reset(db->t);
    ledger_overlay_reset(db->o);
    db->height++;
    return CHR_OK;
}

/* The staking pool's unbonding, and the staking audit's verdict (CHR_OK when it holds). */
static uint64_t mt_unbonding(mt_db *db, chr_err *audit)
{
    ledger_staking_pool pool;
    char detail[256] = "";
    CHR_ASSERT(ledger_staking_pool_get(db->t, &pool) == CHR_OK);
    *audit = ledger_staking_audit(db->t, detail, sizeof(detail));
    if (*audit != CHR_OK) {
        printf("  audit: %s\n", detail);
    }
    return pool.unbonding;
}

static void mt_tx(mt_db *db, ledger_tx *tx, uint8_t type, uint32_t key)
{
    uint8_t sk[32], pk[32];
    ltest_key(sk, pk, key);
    CHR_ASSERT(ledger_tx_init(tx, (ledger_tx_type)type, MT_CHAIN, pk, mt_nonce(db, pk), MT_FEE, 0,
                              NULL, 0) == CHR_OK);
}

static void mt_node_body(ledger_tx *tx, uint32_t node, const char *endpoint, const char *region,
                         uint32_t capacity, uint64_t bond)
{
    uint8_t sk[32];
    ledger_media_body *b = &tx->body.media;
    ltest_key(sk, b->node_key, 1000 + node);
    b->endpoint_len = (uint8_t)strlen(endpoint);
    memcpy(b->endpoint, endpoint, b->endpoint_len);
    b->region_len = (uint8_t)strlen(region);
    memcpy(b->region, region, b->region_len);
    b->capacity = capacity;
    b->bond = bond;
    b->metadata_len = 4;
    memcpy(b->metadata, "op-1", 4);
}

/* Registers media node `node` (key 1000 + node) for operator `key`. */
static chr_err mt_register(mt_db *db, uint32_t key, uint32_t node, const char *region,
                           uint32_t capacity, uint64_t bond)
{
    ledger_tx tx;
    mt_tx(db, &tx, LEDGER_TX_MEDIA_REGISTER, key);
    mt_node_body(&tx, node, "https://media.example.org:8443/rtc", region, capacity, bond);
    return mt_apply(db, &tx, 1000);
}

/* The IDs' encoding of the meeting-create mt_meeting_body built last: a test holds one such
 * body at a time (its copies refer to the same bytes: ledger/tx.h). */
static uint8_t mt_ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX];

/* Replaces the participants of tx's meeting-create body by ids[0..n), encoded into buf. */
static void mt_people(ledger_tx *tx, uint8_t *buf, size_t buf_cap, const char *const *ids, size_t n)
{
    ledger_meeting_body *b = &tx->body.meeting;
    b->participants_len = 0;
    b->participants_bytes = 0;
    b->participants = NULL;
    for (size_t i = 0; i < n; i++) {
        CHR_ASSERT(ledger_meeting_participant_add(tx, buf, buf_cap, ids[i], strlen(ids[i])) ==
                   CHR_OK);
    }
}

static void mt_meeting_body(ledger_tx *tx, const char *title, uint32_t participants,
                            uint32_t duration_min, uint64_t start_ms, const char *region)
{
    ledger_meeting_body *b = &tx->body.meeting;
    b->title_len = (uint8_t)strlen(title);
    memcpy(b->title, title, b->title_len);
    b->host_len = 4;
    memcpy(b->host, "host", 4);
    b->participants_len = 0;
    b->participants_bytes = 0;
    b->participants = NULL;
    for (uint32_t i = 0; i < participants; i++) {
        char id[16];
        int n = snprintf(id, sizeof(id), "user-%u", i);
        CHR_ASSERT(ledger_meeting_participant_add(tx, mt_ids, sizeof(mt_ids), id, (size_t)n) ==
                   CHR_OK);
    }
    b->duration_min = duration_min;
    b->start_ms = start_ms;
    b->region_len = (uint8_t)strlen(region);
    memcpy(b->region, region, b->region_len);
}

/* Creates a meeting paid by `key`; *m gets its record when it succeeds. */
static chr_err mt_create(mt_db *db, uint32_t key, uint32_t participants, uint32_t duration_min,
                         uint64_t start_ms, const char *region, uint64_t now_ms, ledger_meeting *m)
{
    ledger_tx tx;
    mt_tx(db, &tx, LEDGER_TX_MEETING_CREATE, key);
    mt_meeting_body(&tx, "Weekly sync", participants, duration_min, start_ms, region);
    chr_err err = mt_apply(db, &tx, now_ms);
    if (err == CHR_OK && m != NULL) {
        uint8_t hash[32], id[LEDGER_MEETING_ID_LEN], value[LEDGER_OBJECT_VALUE_MAX];
        size_t len;
        int found;
        ledger_tx_hash(&tx, hash);
        ledger_meeting_id(id, hash);
        CHR_ASSERT(ledger_object_get(db->t, LEDGER_STATE_MEETING, id, sizeof(id), value, &len,
                                     &found) == CHR_OK &&
                   found);
        CHR_ASSERT(ledger_meeting_decode(m, id, value, len) == CHR_OK);
    }
    return err;
}

static chr_err mt_end(mt_db *db, uint32_t key, const ledger_meeting *m, uint64_t now_ms)
{
    ledger_tx tx;
    mt_tx(db, &tx, LEDGER_TX_MEETING_END, key);
    memcpy(tx.body.meeting_end.id, m->id, LEDGER_MEETING_ID_LEN);
    return mt_apply(db, &tx, now_ms);
}

static void mt_node_key(uint8_t out[32], uint32_t node)
{
    uint8_t sk[32];
    ltest_key(sk, out, 1000 + node);
}

static ledger_media_node mt_node(mt_db *db, uint32_t node, int *found)
{
    uint8_t key[32];
    ledger_media_node n;
    mt_node_key(key, node);
    CHR_ASSERT(ledger_media_node_get(db->t, key, &n, found) == CHR_OK);
    return n;
}

/* A stateless check of a media body: the error of ledger_tx_check. */
static chr_err media_check(const char *endpoint, const char *region, uint32_t capacity)
{
    ledger_tx tx;
    ledger_params params;
    uint8_t from[32] = {1};
    char detail[LEDGER_DETAIL_MAX];
    ledger_params_default(&params);
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_MEDIA_REGISTER, MT_CHAIN, from, 0, MT_FEE, 0, NULL,
                              0) == CHR_OK);
    mt_node_body(&tx, 0, endpoint, region, capacity, MT_BOND);
    return ledger_tx_check(&tx, MT_CHAIN, &params, detail, sizeof(detail));
}

/* A media-node registration's stateless rules: endpoint, region, capacity and fee, each
 * refused with its error. */
void test_media_check_rules(void)
{
    CHECK_OK(media_check("https://media.example.org", "eu-west", 10));
    CHECK_OK(media_check("https://10.0.0.1:443/a/b_c~d", "x", LEDGER_MEDIA_CAPACITY_MAX));
    CHECK(media_check("http://media.example.org", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org/x?y=1", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://user@a.org", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org:", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org:123456", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://.a.org", "eu", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org", "EU", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org", "", 10) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org", "eu", 0) == CHR_ERR_MEDIA_NODE);
    CHECK(media_check("https://a.org", "eu", LEDGER_MEDIA_CAPACITY_MAX + 1) == CHR_ERR_MEDIA_NODE);
    ledger_tx tx;
    ledger_params params;
    uint8_t from[32] = {1};
    ledger_params_default(&params);
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEDIA_REGISTER, MT_CHAIN, from, 0, 0, 0, NULL, 0));
    mt_node_body(&tx, 0, "https://a.org", "eu", 10, MT_BOND);
    CHECK(ledger_tx_check(&tx, MT_CHAIN, &params, NULL, 0) == CHR_ERR_FEE);
    tx.fee = MT_FEE;
    tx.body.media.metadata[0] = 0xff;
    CHECK(ledger_tx_check(&tx, MT_CHAIN, &params, NULL, 0) == CHR_ERR_MEDIA_NODE);
}

/* Each new type's encoding round-trips, and a body one byte short or with a byte more is
 * refused; an over-long field and a has_preferred other than 0/1 are refused. */
void test_media_meeting_encoding(void)
{
    uint8_t types[] = {LEDGER_TX_MEDIA_REGISTER, LEDGER_TX_MEDIA_UPDATE, LEDGER_TX_MEDIA_DEREGISTER,
                       LEDGER_TX_MEETING_CREATE, LEDGER_TX_MEETING_END};
    for (size_t k = 0; k < sizeof(types); k++) {
        ledger_tx tx, back;
        uint8_t from[32] = {2}, buf[LEDGER_TX_BYTES_MAX + 1], again[LEDGER_TX_BYTES_MAX];
        size_t len, len2;
        CHECK_OK(
            ledger_tx_init(&tx, (ledger_tx_type)types[k], MT_CHAIN, from, 3, MT_FEE, 0, NULL, 0));
        if (types[k] == LEDGER_TX_MEETING_CREATE) {
            mt_meeting_body(&tx, "t", 3, 30, 0, "eu");
            tx.body.meeting.has_preferred = 1;
            memset(tx.body.meeting.preferred, 7, 32);
        } else if (types[k] == LEDGER_TX_MEETING_END) {
            memset(tx.body.meeting_end.id, 9, LEDGER_MEETING_ID_LEN);
        } else {
            mt_node_body(&tx, 1, "https://a.org", "eu", 10,
                         types[k] == LEDGER_TX_MEDIA_REGISTER ? MT_BOND : 0);
            if (types[k] == LEDGER_TX_MEDIA_DEREGISTER) {
                memset((uint8_t *)&tx.body.media + 32, 0, sizeof(tx.body.media) - 32);
            }
        }
        CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
        CHECK_OK(ledger_tx_decode(&back, buf, len));
        if (types[k] == LEDGER_TX_MEETING_CREATE) {
            /* The same IDs, where they lie in buf rather than in the builder's buffer. */
            CHECK(memcmp(back.body.meeting.participants, tx.body.meeting.participants,
                         tx.body.meeting.participants_bytes) == 0);
            back.body.meeting.participants = tx.body.meeting.participants;
        }
        CHECK(memcmp(&back, &tx, sizeof(tx)) == 0);
        CHECK_OK(ledger_tx_encode(&back, again, sizeof(again), &len2));
        CHECK(len2 == len && memcmp(again, buf, len) == 0);
        CHECK(ledger_tx_decode(&back, buf, len - LEDGER_SIG_LEN - 1) == CHR_ERR_TRUNCATED);
        buf[len] = 0;
        CHECK(ledger_tx_decode(&back, buf, len + 1) == CHR_ERR_TRAILING);
    }
    /* has_preferred 2 and a title length over its maximum. */
    ledger_tx tx, back;
    uint8_t from[32] = {2}, buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEETING_CREATE, MT_CHAIN, from, 3, MT_FEE, 0, NULL, 0));
    mt_meeting_body(&tx, "t", 1, 30, 0, "");
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    buf[len - LEDGER_SIG_LEN - 1] = 2;
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_NONCANONICAL);
    size_t title_at = len - LEDGER_SIG_LEN - 1 - 1 - 8 - 4 - (1 + 6) - 1 - 1 - 4 - 1 - 1;
    CHECK(buf[title_at] == 1 && buf[title_at + 1] == 't');
    buf[title_at] = LEDGER_MEETING_TITLE_MAX + 1;
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_MEETING);
}

/* Registration locks the bond out of the operator's balance into the record and lists the
 * node under its region; a second registration, a bond under the minimum and a balance short
 * of bond + fee are refused with nothing changed. */
void test_media_register(void)
{
    mt_db db;
    mt_open(&db);
    mt_fund(&db, 1, 5 * MT_BOND);
    uint8_t sk[32], op[32];
    ltest_key(sk, op, 1);
    CHECK_OK(mt_register(&db, 1, 0, "eu-west", 50, 2 * MT_BOND));
    CHECK(mt_balance(&db, op) == 3 * MT_BOND - MT_FEE);
    CHECK(mt_balance(&db, db.proposer) == MT_FEE);
    int found;
    ledger_media_node n = mt_node(&db, 0, &found);
    CHECK(found && n.status == LEDGER_MEDIA_ACTIVE && n.bond == 2 * MT_BOND && n.capacity == 50);
    CHECK(memcmp(n.operator_key, op, 32) == 0 && strcmp(n.region, "eu-west") == 0);
    CHECK(strcmp(n.endpoint, "https://media.example.org:8443/rtc") == 0);
    ledger_object list[4];
    size_t got;
    CHECK_OK(ledger_object_scan(db.t, LEDGER_STATE_MEDIA_REGION, (const uint8_t *)"eu-west", 8,
                                NULL, 0, list, 4, &got));
    CHECK(got == 1 && memcmp(list[0].natural + 8, n.node_key, 32) == 0);
    CHECK(mt_register(&db, 1, 0, "eu-west", 50, MT_BOND) == CHR_ERR_DUPLICATE);
    CHECK(mt_register(&db, 1, 1, "eu-west", 50, MT_BOND - 1) == CHR_ERR_BOND);
    CHECK(mt_register(&db, 1, 1, "eu-west", 50, 3 * MT_BOND) == CHR_ERR_BALANCE);
    CHECK(mt_register(&db, 2, 1, "eu-west", 50, MT_BOND) == CHR_ERR_BALANCE);
    mt_close(&db);
}

/* An update by its operator changes the fields and moves the node between region lists;
 * another account's update and an unknown node are refused. Deregistration puts the bond on
 * staking's unbonding queue: the pool's unbonding counts it at once (the audit holds), a
 * second deregistration is refused, and the end of block at unbonding_ms (not a moment
 * before) pays the bond to the operator and deletes the record. */
void test_media_update_deregister(void)
{
    mt_db db;
    mt_open(&db);
    mt_fund(&db, 1, 5 * MT_BOND);
    mt_fund(&db, 2, 5 * MT_BOND);
    CHECK_OK(mt_register(&db, 1, 0, "eu-west", 50, MT_BOND));
    ledger_tx tx;
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_UPDATE, 2);
    mt_node_body(&tx, 0, "https://b.example.org", "us-east", 80, 0);
    CHECK(mt_apply(&db, &tx, 2000) == CHR_ERR_NOT_OWNER);
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_UPDATE, 1);
    mt_node_body(&tx, 5, "https://b.example.org", "us-east", 80, 0);
    CHECK(mt_apply(&db, &tx, 2000) == CHR_ERR_UNKNOWN_OBJECT);
    mt_node_body(&tx, 0, "https://b.example.org", "us-east", 80, 0);
    CHECK_OK(mt_apply(&db, &tx, 2000));
    int found;
    ledger_media_node n = mt_node(&db, 0, &found);
    CHECK(found && n.capacity == 80 && strcmp(n.region, "us-east") == 0);
    CHECK(strcmp(n.endpoint, "https://b.example.org") == 0);
    ledger_object list[4];
    size_t got;
    CHECK_OK(ledger_object_scan(db.t, LEDGER_STATE_MEDIA_REGION, NULL, 0, NULL, 0, list, 4, &got));
    CHECK(got == 1 && memcmp(list[0].natural, "us-east", 8) == 0);

    /* A meeting on the node (ended before the unbonding period is out), then
     * deregistration. */
    ledger_meeting m;
    uint64_t t0 = 10 * MT_MIN;
    CHECK_OK(mt_create(&db, 2, 3, 60, 0, "", t0, &m));
    ledger_meeting_params mp;
    ledger_meeting_params_default(&mp);
    chr_err audit;
    CHECK(mt_unbonding(&db, &audit) == 0 && audit == CHR_OK);
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_DEREGISTER, 1);
    mt_node_body(&tx, 0, "", "", 0, 0);
    CHECK_OK(mt_apply(&db, &tx, t0));
    n = mt_node(&db, 0, &found);
    CHECK(found && n.status == LEDGER_MEDIA_UNBONDING && n.unbond_after_ms == t0 + mp.unbonding_ms);
    CHECK(mt_unbonding(&db, &audit) == MT_BOND && audit == CHR_OK);
    CHECK_OK(ledger_object_scan(db.t, LEDGER_STATE_MEDIA_REGION, NULL, 0, NULL, 0, list, 4, &got));
    CHECK(got == 0);
    CHECK(mt_create(&db, 2, 1, 10, 0, "", t0, NULL) == CHR_ERR_NO_MEDIA_NODE);
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_UPDATE, 1);
    mt_node_body(&tx, 0, "https://b.example.org", "us-east", 80, 0);
    CHECK(mt_apply(&db, &tx, t0) == CHR_ERR_WRONG_STATE);
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_DEREGISTER, 1);
    mt_node_body(&tx, 0, "", "", 0, 0);
    CHECK(mt_apply(&db, &tx, t0 + mp.unbonding_ms) == CHR_ERR_WRONG_STATE);

    /* The end of block matures the entry at unbond_after_ms, not before. */
    uint8_t sk[32], op[32];
    ltest_key(sk, op, 1);
    uint64_t before = mt_balance(&db, op);
    CHECK_OK(mt_end_block(&db, t0 + mp.unbonding_ms - 1));
    CHECK(mt_balance(&db, op) == before && mt_node(&db, 0, &found).status != 0 && found);
    CHECK_OK(mt_end_block(&db, t0 + mp.unbonding_ms));
    CHECK(mt_balance(&db, op) == before + MT_BOND);
    n = mt_node(&db, 0, &found);
    CHECK(!found);
    CHECK(mt_unbonding(&db, &audit) == 0 && audit == CHR_OK);
    CHECK_OK(ledger_object_scan(db.t, LEDGER_STATE_UNBONDING, NULL, 0, NULL, 0, list, 4, &got));
    CHECK(got == 0);
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_DEREGISTER, 1);
    mt_node_body(&tx, 0, "", "", 0, 0);
    CHECK(mt_apply(&db, &tx, t0 + mp.unbonding_ms) == CHR_ERR_UNKNOWN_OBJECT);
    mt_close(&db);
}

/* A node with a meeting allocated to it that is open past the unbonding period keeps its
 * bond until that meeting's end + grace: the entry completes then, and matures no earlier. */
void test_media_deregister_waits_for_meetings(void)
{
    mt_db db;
    mt_open(&db);
    mt_fund(&db, 1, 5 * MT_BOND);
    mt_fund(&db, 2, 5 * MT_BOND);
    ledger_meeting_params mp;
    ledger_meeting_params_default(&mp);
    CHECK_OK(mt_register(&db, 1, 0, "eu", 50, MT_BOND));
    /* A meeting scheduled after the unbonding period has passed. */
    uint64_t start = mp.unbonding_ms + 10 * MT_MIN;
    ledger_meeting m;
    CHECK_OK(mt_create(&db, 2, 2, 60, start, "", 5000, &m));
    ledger_tx tx;
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_DEREGISTER, 1);
    mt_node_body(&tx, 0, "", "", 0, 0);
    CHECK_OK(mt_apply(&db, &tx, 6000));
    int found;
    ledger_media_node n = mt_node(&db, 0, &found);
    CHECK(found && n.unbond_after_ms == m.end_ms + mp.grace_ms);
    uint8_t sk[32], op[32];
    ltest_key(sk, op, 1);
    uint64_t before = mt_balance(&db, op);
    CHECK_OK(mt_end_block(&db, 6000 + mp.unbonding_ms));
    CHECK_OK(mt_end_block(&db, m.end_ms + mp.grace_ms - 1));
    CHECK(mt_balance(&db, op) == before && mt_node(&db, 0, &found).bond == MT_BOND && found);
    /* Expired: open no more, and the bond is paid. */
    CHECK_OK(mt_end_block(&db, m.end_ms + mp.grace_ms));
    CHECK(mt_balance(&db, op) == before + MT_BOND);
    mt_node(&db, 0, &found);
    CHECK(!found);
    chr_err audit;
    CHECK(mt_unbonding(&db, &audit) == 0 && audit == CHR_OK);
    mt_close(&db);
}

/* A meeting-create escrows price x (participants + 1) x duration from the payer, writes the
 * record (times, node, escrow, title, host) and the participant list; a meeting no node can
 * take, and a payer short of escrow + fee, are refused with nothing escrowed. */
void test_meeting_create_escrow(void)
{
    mt_db db;
    mt_open(&db);
    mt_fund(&db, 1, 5 * MT_BOND);
    mt_fund(&db, 2, 500000);
    uint8_t sk[32], payer[32];
    ltest_key(sk, payer, 2);
    CHECK(mt_create(&db, 2, 3, 30, 0, "", 5000, NULL) == CHR_ERR_NO_MEDIA_NODE);
    CHECK(mt_balance(&db, payer) == 500000);
    CHECK_OK(mt_register(&db, 1, 0, "eu", 10, MT_BOND));
    CHECK(mt_create(&db, 2, 10, 30, 0, "", 5000, NULL) == CHR_ERR_NO_MEDIA_NODE);
    CHECK(mt_balance(&db, payer) == 500000);
    ledger_meeting m;
    CHECK_OK(mt_create(&db, 2, 3, 30, 0, "", 5000, &m));
    uint64_t escrow = 100 * 4 * 30;
    CHECK(mt_balance(&db, payer) == 500000 - escrow - MT_FEE);
    CHECK(m.escrow == escrow && m.price == 100 && m.status == LEDGER_MEETING_CREATED);
    CHECK(m.start_ms == 5000 && m.end_ms == 5000 + 30 * MT_MIN && m.duration_min == 30);
    CHECK(memcmp(m.payer, payer, 32) == 0 && m.participants == 3);
    CHECK(strcmp((const char *)m.title, "Weekly sync") == 0 && strcmp(m.host, "host") == 0);
    uint8_t node[32];
    mt_node_key(node, 0);
    CHECK(memcmp(m.node_key, node, 32) == 0);
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    static ledger_meeting_people b;
    CHECK_OK(ledger_meeting_people_get(db.t, m.id, 3, &b));
    CHECK(b.participants_len == 3 && memcmp(b.participants[2], "user-2", 6) == 0);
    CHECK(ledger_meeting_people_get(db.t, m.id, 4, &b) == CHR_ERR_STORE); /* not that many */
    /* The payer's and the host's list entries. */
    uint8_t key[LEDGER_MEETING_ID_STR_MAX + 1 + LEDGER_MEETING_ID_LEN];
    memcpy(key, payer, 32);
    memcpy(key + 32, m.id, LEDGER_MEETING_ID_LEN);
    CHECK_OK(ledger_object_get(db.t, LEDGER_STATE_MEETING_BY_PAYER, key, 32 + LEDGER_MEETING_ID_LEN,
                               value, &len, &found));
    CHECK(found);
    size_t key_len = ledger_meeting_host_key(key, "host", 4, m.id);
    CHECK(key_len == 17 && key[4] == 0);
    CHECK_OK(
        ledger_object_get(db.t, LEDGER_STATE_MEETING_BY_HOST, key, key_len, value, &len, &found));
    CHECK(found);
    /* Short of escrow + fee. */
    CHECK(mt_create(&db, 2, 3, 1440, 0, "", 5000, NULL) == CHR_ERR_BALANCE);
    /* Scheduled in the past, or too far ahead. */
    CHECK(mt_create(&db, 2, 1, 10, 4999, "", 5000, NULL) == CHR_ERR_MEETING);
    CHECK(mt_create(&db, 2, 1, 10, 5001 + LEDGER_MEETING_AHEAD_MAX_MS, "", 5000, NULL) ==
          CHR_ERR_MEETING);
    CHECK(strcmp(ledger_meeting_status_name(&m, m.end_ms + 15 * MT_MIN, 15 * MT_MIN), "created") ==
          0);
    CHECK(strcmp(ledger_meeting_status_name(&m, m.end_ms + 15 * MT_MIN + 1, 15 * MT_MIN),
                 "expired") == 0);
    uint64_t big;
    CHECK(ledger_meeting_escrow(&big, UINT64_MAX / 2 + 1, 1, 1) == CHR_ERR_OVERFLOW);
    mt_close(&db);
}

static chr_err meeting_check(ledger_tx *tx)
{
    ledger_params params;
    char detail[LEDGER_DETAIL_MAX];
    ledger_params_default(&params);
    return ledger_tx_check(tx, MT_CHAIN, &params, detail, sizeof(detail));
}

/* The meeting-create's stateless rules: title, host, participants (empty, too many, repeated,
 * the host again, too many bytes, bad characters), duration and region. */
void test_meeting_check_rules(void)
{
    ledger_tx tx;
    uint8_t from[32] = {3};
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEETING_CREATE, MT_CHAIN, from, 0, MT_FEE, 0, NULL, 0));
    mt_meeting_body(&tx, "Class", 16, 45, 0, "eu-west");
    CHECK_OK(meeting_check(&tx));
    ledger_tx bad = tx;
    bad.body.meeting.title_len = 0;
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad = tx;
    bad.body.meeting.title[0] = 0xc0;
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad = tx;
    bad.body.meeting.host[1] = ' ';
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad = tx;
    bad.body.meeting.participants_len = 0;
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    static uint8_t ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX];
    const char *repeated[] = {"user-0", "user-1", "user-2", "user-1"};
    bad = tx;
    mt_people(&bad, ids, sizeof(ids), repeated, 4);
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    const char *with_host[] = {"host", "user-1"};
    mt_people(&bad, ids, sizeof(ids), with_host, 2);
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    const char *spaced[] = {"user 1"};
    mt_people(&bad, ids, sizeof(ids), spaced, 1);
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    const char *empty[] = {""};
    mt_people(&bad, ids, sizeof(ids), empty, 1);
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad = tx;
    bad.body.meeting.duration_min = 0;
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad.body.meeting.duration_min = LEDGER_MEETING_DURATION_MAX_MIN + 1;
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad = tx;
    bad.body.meeting.region[0] = 'E';
    CHECK(meeting_check(&bad) == CHR_ERR_MEETING);
    bad = tx;
    bad.fee = MT_FEE - 1;
    CHECK(meeting_check(&bad) == CHR_ERR_FEE);
}

/* Cancelled before its start, a meeting refunds its whole escrow to the payer and frees the
 * node; ended after its start, the escrow stays for settlement; ending twice, by a stranger
 * or an unknown meeting is refused; a host named by chr1 address may end it. */
void test_meeting_end_cancel(void)
{
    mt_db db;
    mt_open(&db);
    mt_fund(&db, 1, 5 * MT_BOND);
    mt_fund(&db, 2, 10000000);
    mt_fund(&db, 3, 10000000);
    uint8_t sk[32], payer[32], host[32];
    ltest_key(sk, payer, 2);
    ltest_key(sk, host, 3);
    CHECK_OK(mt_register(&db, 1, 0, "eu", 5, MT_BOND));
    ledger_meeting m;
    CHECK_OK(mt_create(&db, 2, 4, 60, 10 * MT_MIN, "", 5000, &m));
    uint64_t paid = mt_balance(&db, payer);
    CHECK(mt_create(&db, 2, 1, 60, 10 * MT_MIN, "", 5000, NULL) == CHR_ERR_NO_MEDIA_NODE);
    CHECK(mt_end(&db, 3, &m, 6000) == CHR_ERR_NOT_OWNER);
    CHECK_OK(mt_end(&db, 2, &m, 6000));
    CHECK(mt_balance(&db, payer) == paid + m.escrow - MT_FEE);
    CHECK(mt_end(&db, 2, &m, 7000) == CHR_ERR_WRONG_STATE);
    ledger_meeting gone = m;
    gone.id[0] ^= 1;
    CHECK(mt_end(&db, 2, &gone, 7000) == CHR_ERR_UNKNOWN_OBJECT);
    /* The node is free again. */
    ledger_tx tx;
    mt_tx(&db, &tx, LEDGER_TX_MEETING_CREATE, 2);
    mt_meeting_body(&tx, "Clinic", 4, 60, 10 * MT_MIN, "");
    chr_address_encode(tx.body.meeting.host, host);
    tx.body.meeting.host_len = CHR_ADDRESS_STR_LEN;
    CHECK_OK(mt_apply(&db, &tx, 8000));
    uint8_t hash[32];
    ledger_meeting m2;
    ledger_tx_hash(&tx, hash);
    ledger_meeting_id(m2.id, hash);
    uint64_t before = mt_balance(&db, payer);
    CHECK_OK(mt_end(&db, 3, &m2, 20 * MT_MIN)); /* by the host, after the start */
    CHECK(mt_balance(&db, payer) == before);    /* the escrow waits for settlement */
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    CHECK_OK(ledger_object_get(db.t, LEDGER_STATE_MEETING, m2.id, LEDGER_MEETING_ID_LEN, value,
                               &len, &found));
    CHECK_OK(ledger_meeting_decode(&m2, m2.id, value, len));
    CHECK(m2.status == LEDGER_MEETING_ENDED && m2.escrow == 100 * 5 * 60);
    CHECK(m2.closed_ms == 20 * MT_MIN);
    mt_close(&db);
}

/* Allocation is deterministic (two chains with the same inputs pick the same nodes),
 * favours stake, respects capacity over overlapping spans only, takes the region's nodes
 * first and falls back to any region, and takes a preferred node that qualifies. */
void test_meeting_allocation_rules(void)
{
    mt_db a, b;
    mt_open(&a);
    mt_open(&b);
    mt_db *dbs[2] = {&a, &b};
    ledger_meeting ma[8], mb[8];
    uint8_t eu0[32], eu1[32], us[32];
    mt_node_key(eu0, 0);
    mt_node_key(eu1, 1);
    mt_node_key(us, 2);
    for (size_t k = 0; k < 2; k++) {
        mt_db *db = dbs[k];
        ledger_meeting *m = k == 0 ? ma : mb;
        mt_fund(db, 1, 50 * MT_BOND);
        mt_fund(db, 2, 100000000);
        CHECK_OK(mt_register(db, 1, 0, "eu", 6, MT_BOND));
        CHECK_OK(mt_register(db, 1, 1, "eu", 6, 3 * MT_BOND));
        CHECK_OK(mt_register(db, 1, 2, "us", 6, MT_BOND));
        for (size_t i = 0; i < 3; i++) {
            CHECK_OK(mt_create(db, 2, 4, 60, 0, "eu", 5000, &m[i]));
        }
        CHECK(mt_create(db, 2, 4, 60, 0, "eu", 5000, NULL) == CHR_ERR_NO_MEDIA_NODE);
        CHECK(mt_create(db, 2, 4, 30, 5000 + 30 * MT_MIN, "", 5000, NULL) == CHR_ERR_NO_MEDIA_NODE);
        /* Starting when the first three end: room again. */
        CHECK_OK(mt_create(db, 2, 4, 60, 5000 + 60 * MT_MIN, "eu", 5000, &m[3]));
        /* Preferred: us, although the region is eu. */
        ledger_tx tx;
        mt_tx(db, &tx, LEDGER_TX_MEETING_CREATE, 2);
        mt_meeting_body(&tx, "Pref", 1, 60, 5000 + 60 * MT_MIN, "eu");
        tx.body.meeting.has_preferred = 1;
        memcpy(tx.body.meeting.preferred, us, 32);
        CHECK_OK(mt_apply(db, &tx, 5000));
        /* A preferred node that is full is passed over for the rule. */
        mt_tx(db, &tx, LEDGER_TX_MEETING_CREATE, 2);
        mt_meeting_body(&tx, "Pref", 4, 60, 5000 + 60 * MT_MIN, "eu");
        tx.body.meeting.has_preferred = 1;
        memcpy(tx.body.meeting.preferred, us, 32);
        CHECK_OK(mt_apply(db, &tx, 5000));
    }
    for (size_t i = 0; i < 4; i++) {
        CHECK(memcmp(ma[i].node_key, mb[i].node_key, 32) == 0);
        CHECK(memcmp(ma[i].id, mb[i].id, LEDGER_MEETING_ID_LEN) == 0);
    }
    /* With these inputs: the staked eu node, the other eu node (the first is full), us. */
    CHECK(memcmp(ma[0].node_key, eu1, 32) == 0);
    CHECK(memcmp(ma[1].node_key, eu0, 32) == 0);
    CHECK(memcmp(ma[2].node_key, us, 32) == 0);
    CHECK(memcmp(ma[3].node_key, eu1, 32) == 0);
    mt_close(&a);
    mt_close(&b);
}

#define SPREAD_NODES 10
#define SPREAD_MEETINGS 1000

typedef struct spread_use {
    uint64_t start_ms, end_ms;
    uint32_t load;
    size_t node;
} spread_use;

/* 1,000 meetings over 10 nodes of capacities 20..110 and stakes 1..3 bonds: no node is ever
 * above its capacity (checked at every meeting's start against every overlapping meeting),
 * none is refused while the network has room, and each node carries between a third and
 * three times its capacity's share of the participant-minutes (the stated band). */
void test_meeting_allocation_spread(void)
{
    static spread_use uses[SPREAD_MEETINGS];
    mt_db db;
    mt_open(&db);
    mt_fund(&db, 1, 100 * MT_BOND);
    mt_fund(&db, 2, UINT64_MAX / 4);
    uint32_t capacity[SPREAD_NODES];
    uint64_t cap_total = 0;
    for (uint32_t i = 0; i < SPREAD_NODES; i++) {
        capacity[i] = 20 + 10 * i;
        cap_total += capacity[i];
        CHECK_OK(mt_register(&db, 1, i, i % 2 ? "eu" : "us", capacity[i], (1 + i % 3) * MT_BOND));
    }
    uint8_t keys[SPREAD_NODES][32];
    for (uint32_t i = 0; i < SPREAD_NODES; i++) {
        mt_node_key(keys[i], i);
    }
    uint64_t seed = chr_test_seed();
    uint64_t pm[SPREAD_NODES] = {0}, pm_total = 0;
    size_t refused = 0;
    for (size_t k = 0; k < SPREAD_MEETINGS; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t participants = 1 + (uint32_t)((seed >> 33) % 7);
        uint32_t duration = 10 + (uint32_t)((seed >> 40) % 111);
        uint64_t now = 1000000 + k * MT_MIN;
        ledger_meeting m;
        chr_err err = mt_create(&db, 2, participants, duration, 0, "", now, &m);
        if (err == CHR_ERR_NO_MEDIA_NODE) {
            refused++;
            continue;
        }
        CHECK_OK(err);
        size_t node = SPREAD_NODES;
        for (size_t i = 0; i < SPREAD_NODES; i++) {
            node = memcmp(keys[i], m.node_key, 32) == 0 ? i : node;
        }
        CHECK(node < SPREAD_NODES);
        uses[k] = (spread_use){m.start_ms, m.end_ms, participants + 1, node};
        uint64_t load = 0;
        for (size_t j = 0; j <= k; j++) {
            if (uses[j].load > 0 && uses[j].node == node && uses[j].start_ms <= m.start_ms &&
                uses[j].end_ms > m.start_ms) {
                load += uses[j].load;
            }
        }
        CHECK(load <= capacity[node]);
        pm[node] += (uint64_t)(participants + 1) * duration;
        pm_total += (uint64_t)(participants + 1) * duration;
    }
    CHECK(refused == 0);
    for (size_t i = 0; i < SPREAD_NODES; i++) {
        /* share / capacity share, in percent */
        uint64_t ratio = pm[i] * cap_total * 100 / (pm_total * capacity[i]);
        printf("  node %zu: capacity %u, %llu%% of its share\n", i, capacity[i],
               (unsigned long long)ratio);
        CHECK(ratio >= 33 && ratio <= 300);
    }
    mt_close(&db);
}

/* The meeting parameters: defaults when no object is stored, the stored object when it is,
 * and a decode refuses a value out of range or a wrong length. */
void test_meeting_params(void)
{
    mt_db db;
    mt_open(&db);
    ledger_meeting_params p, got;
    ledger_meeting_params_default(&p);
    CHECK_OK(ledger_meeting_params_get(db.t, &got));
    CHECK(memcmp(&p, &got, sizeof(p)) == 0);
    p.price_per_participant_minute = 7;
    uint8_t enc[LEDGER_MEETING_PARAMS_BYTES];
    ledger_meeting_params_encode(enc, &p);
    static const uint8_t empty[1];
    CHECK_OK(ledger_object_put(db.t, LEDGER_STATE_MEETING_PARAMS, empty, 0, enc, sizeof(enc)));
    CHECK_OK(ledger_meeting_params_get(db.t, &got));
    CHECK(got.price_per_participant_minute == 7);
    CHECK(ledger_meeting_params_decode(&got, enc, sizeof(enc) - 1) == CHR_ERR_TRUNCATED);
    p.media_node_min_bond = 0;
    ledger_meeting_params_encode(enc, &p);
    CHECK(ledger_meeting_params_decode(&got, enc, sizeof(enc)) == CHR_ERR_ARG);
    const char *field;
    p.media_node_min_bond = 1;
    p.grace_ms = LEDGER_GRACE_MS_MAX + 1;
    CHECK(ledger_meeting_params_check(&p, &field) == CHR_ERR_ARG && strcmp(field, "grace_ms") == 0);
    ledger_overlay_reset(db.o);
    mt_close(&db);
}

/* ---- Settlement (ledger/settle.h) ---- */

/* Payer key 1, operator key 2 with node 1, participant 0 the chr1 address of key 7. */
static chr_err st_create_n(mt_db *db, ledger_meeting *m, uint32_t participants)
{
    ledger_tx tx;
    uint8_t sk[32], pk[32];
    mt_tx(db, &tx, LEDGER_TX_MEETING_CREATE, 1);
    mt_meeting_body(&tx, "Settle", participants, 30, 0, "");
    ltest_key(sk, pk, 7);
    /* Participant 0 is the chr1 address of key 7, the others "user-1", "user-2", ... */
    static char names[LEDGER_MEETING_PARTICIPANTS_MAX][CHR_ADDRESS_STR_LEN + 1];
    const char *ids[LEDGER_MEETING_PARTICIPANTS_MAX];
    chr_address_encode(names[0], pk);
    names[0][CHR_ADDRESS_STR_LEN] = '\0';
    ids[0] = names[0];
    for (uint32_t i = 1; i < participants; i++) {
        snprintf(names[i], sizeof(names[i]), "user-%u", i);
        ids[i] = names[i];
    }
    mt_people(&tx, mt_ids, sizeof(mt_ids), ids, participants);
    chr_err err = mt_apply(db, &tx, 10000);
    uint8_t hash[32], id[LEDGER_MEETING_ID_LEN], value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    ledger_tx_hash(&tx, hash);
    ledger_meeting_id(id, hash);
    CHR_ASSERT(err != CHR_OK ||
               (ledger_object_get(db->t, LEDGER_STATE_MEETING, id, LEDGER_MEETING_ID_LEN, value,
                                  &len, &found) == CHR_OK &&
                found && ledger_meeting_decode(m, id, value, len) == CHR_OK));
    return err;
}

static chr_err st_create(mt_db *db, ledger_meeting *m)
{
    return st_create_n(db, m, 2);
}

/* A claim for person index of m, its credit signed by the payer (key 1) for max minutes,
 * with a receipt by key 7 when receipt is set. */
static void st_claim(ledger_claim *cl, const ledger_meeting *m, uint8_t index, uint32_t minutes,
                     uint32_t max, int receipt)
{
    uint8_t sk[32], pk[32], msg[32], aux[32] = {0};
    memset(cl, 0, sizeof(*cl));
    cl->index = index;
    cl->minutes = minutes;
    cl->credit_minutes_max = max;
    cl->credit_not_before_ms = 1;
    cl->credit_expiry_ms = 1000000000;
    credit c = {.chain_id_len = sizeof(MT_CHAIN) - 1,
                .role = index == 0 ? CREDIT_ROLE_HOST : CREDIT_ROLE_PARTICIPANT,
                .minutes_max = max,
                .not_before_ms = 1,
                .expiry_ms = 1000000000};
    memcpy(c.chain_id, MT_CHAIN, c.chain_id_len);
    memcpy(c.meeting_id, m->id, LEDGER_MEETING_ID_LEN);
    ltest_key(sk, pk, 7);
    if (index == 0) {
        c.participant_id_len = 4;
        memcpy(c.participant_id, "host", 4);
    } else if (index == 1) {
        c.participant_id_len = CHR_ADDRESS_STR_LEN;
        chr_address_encode(c.participant_id, pk);
        c.has_key = 1;
        memcpy(c.participant_key, pk, 32);
    } else {
        c.participant_id_len = (uint8_t)snprintf(c.participant_id, 64, "user-%u", index - 1u);
    }
    memcpy(c.node_key, m->node_key, 32);
    uint8_t buf[CREDIT_BYTES_MAX];
    size_t n = credit_encode(buf, sizeof(buf), &c);
    uint8_t psk[32], ppk[32];
    ltest_key(psk, ppk, 1);
    credit_sighash(msg, buf, n);
    CHR_ASSERT(ledger_signer_sign(ltest_signer(), cl->credit_sig, msg, psk, aux) == CHR_OK);
    if (receipt) {
        n = credit_receipt_encode(buf, sizeof(buf), MT_CHAIN, sizeof(MT_CHAIN) - 1, m->id,
                                  m->node_key, minutes);
        credit_receipt_sighash(msg, buf, n);
        CHR_ASSERT(ledger_signer_sign(ltest_signer(), cl->receipt_sig, msg, sk, aux) == CHR_OK);
        cl->has_receipt = 1;
    }
}

static chr_err st_settle(mt_db *db, uint32_t key, const ledger_meeting *m, const ledger_claim *cls,
                         size_t n, uint64_t now_ms)
{
    ledger_tx tx;
    static uint8_t enc[LEDGER_SETTLE_CLAIMS_BYTES_MAX];
    mt_tx(db, &tx, LEDGER_TX_MEETING_SETTLE, key);
    memcpy(tx.body.settle.id, m->id, LEDGER_MEETING_ID_LEN);
    for (size_t i = 0; i < n; i++) {
        CHR_ASSERT(ledger_settle_claim_add(&tx, enc, sizeof(enc), &cls[i]) == CHR_OK);
    }
    return mt_apply(db, &tx, now_ms);
}

/* Runs settlement's end of block at time_ms and commits what it changed. */
static chr_err st_close_block(mt_db *db, uint64_t time_ms)
{
    chr_err err = ledger_settle_end_block(db->o, time_ms);
    for (size_t i = 0; err == CHR_OK && i < ledger_overlay_len(db->o); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(db->o, i, &addr, &a);
        mt_set(db, addr, &a);
    }
    CHR_ASSERT(err != CHR_OK || ledger_trie_mem_objects_store(db->mem, db->t) == CHR_OK);
    ledger_overlay_reset(db->o);
    return err;
}

static void st_setup(mt_db *db, ledger_meeting *m)
{
    mt_open(db);
    mt_fund(db, 1, 1000000000);
    mt_fund(db, 2, 10000000000000ull);
    mt_fund(db, 3, 1000000);
    CHR_ASSERT(mt_register(db, 2, 1, "eu-west", 100, MT_BOND) == CHR_OK);
    CHR_ASSERT(st_create(db, m) == CHR_OK);
}

void test_settle_receipt_final(void)
{
    /* A receipt-backed claim pays the operator at once less the 5% share; the same minutes
     * again, a forged credit, another sender, over the credit or the duration, an unknown
     * person and a receipt for an ID that is no address are each refused, changing
     * nothing. */
    mt_db db;
    ledger_meeting m;
    st_setup(&db, &m);
    uint8_t sk[32], op[32];
    ltest_key(sk, op, 2);
    uint64_t before = mt_balance(&db, op), fees_before = mt_balance(&db, db.proposer);
    ledger_claim cl[2];
    st_claim(&cl[0], &m, 1, 20, 30, 1);
    CHECK(st_settle(&db, 3, &m, cl, 1, 20000) == CHR_ERR_NOT_OWNER);
    CHECK(st_settle(&db, 2, &m, cl, 1, 20000) == CHR_OK);
    uint64_t amount = 20 * m.price;
    CHECK(mt_balance(&db, op) == before - MT_FEE + amount - amount / 20);
    /* The share is paid like the fee, to the fee's receiver (the chain's fee collector). */
    CHECK(mt_balance(&db, db.proposer) == fees_before + MT_FEE + amount / 20);
    ledger_settlement s;
    CHECK_OK(ledger_settlement_get(db.t, m.id, &s));
    CHECK(s.paid == amount - amount / 20 && s.protocol == amount / 20 && s.closed == 0);
    CHECK(st_settle(&db, 2, &m, cl, 1, 20000) == CHR_ERR_CLAIM); /* same minutes twice */
    st_claim(&cl[0], &m, 1, 25, 30, 1);
    cl[0].credit_minutes_max = 31; /* not what the payer signed */
    CHECK(st_settle(&db, 2, &m, cl, 1, 20000) == CHR_ERR_CLAIM);
    st_claim(&cl[0], &m, 1, 31, 40, 1); /* over the 30-minute duration */
    CHECK(st_settle(&db, 2, &m, cl, 1, 20000) == CHR_ERR_CLAIM);
    st_claim(&cl[0], &m, 2, 5, 30, 1); /* user-1 is no address: no receipt */
    CHECK(st_settle(&db, 2, &m, cl, 1, 20000) == CHR_ERR_CLAIM);
    st_claim(&cl[0], &m, 3, 5, 30, 0); /* no third participant */
    CHECK(st_settle(&db, 2, &m, cl, 1, 20000) == CHR_ERR_CLAIM);
    st_claim(&cl[0], &m, 0, 10, 30, 0);
    st_claim(&cl[1], &m, 1, 10, 30, 1); /* one bad claim fails the whole transaction */
    CHECK(st_settle(&db, 2, &m, cl, 2, 20000) == CHR_ERR_CLAIM);
    mt_close(&db);
}

/* Person index's claim record of meeting id: its pending minutes, 0 when it has none. */
static uint32_t st_pending(mt_db *db, const uint8_t *id, uint8_t index)
{
    uint8_t key[LEDGER_MEETING_ID_LEN + 1], value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    ledger_claim_record r;
    memcpy(key, id, LEDGER_MEETING_ID_LEN);
    key[LEDGER_MEETING_ID_LEN] = index;
    CHR_ASSERT(ledger_object_get(db->t, LEDGER_STATE_MEETING_CLAIM, key, sizeof(key), value, &len,
                                 &found) == CHR_OK);
    return found && ledger_claim_record_decode(&r, value, len) == CHR_OK ? r.pending_min : 0;
}

void test_settle_every_person(void)
{
    /* One meeting-settle carries a claim for every person of a full meeting (128, over 100):
     * it is over the base size limit and within LEDGER_TX_BYTES_MAX, decodes to the same bytes,
     * its accessor refuses an index past its claims, and it is applied whole: the receipted
     * claim paid now, the 127 others pending, the share to the fee's receiver; with one bad
     * claim, the last, nothing is applied. */
    mt_db db;
    ledger_meeting m;
    mt_open(&db);
    mt_fund(&db, 1, 1000000000);
    mt_fund(&db, 2, 10000000000000ull);
    CHR_ASSERT(mt_register(&db, 2, 1, "eu-west", 200, MT_BOND) == CHR_OK);
    CHECK_OK(st_create_n(&db, &m, LEDGER_MEETING_PARTICIPANTS_MAX));
    CHECK(m.participants == LEDGER_MEETING_PARTICIPANTS_MAX);
    static ledger_claim cl[LEDGER_SETTLE_CLAIMS_MAX];
    for (size_t i = 0; i < LEDGER_SETTLE_CLAIMS_MAX; i++) {
        st_claim(&cl[i], &m, (uint8_t)i, i == 1 ? 20 : 10, 30, i == 1);
    }
    ledger_tx tx;
    static uint8_t enc[LEDGER_SETTLE_CLAIMS_BYTES_MAX];
    mt_tx(&db, &tx, LEDGER_TX_MEETING_SETTLE, 2);
    memcpy(tx.body.settle.id, m.id, LEDGER_MEETING_ID_LEN);
    for (size_t i = 0; i < LEDGER_SETTLE_CLAIMS_MAX; i++) {
        CHECK_OK(ledger_settle_claim_add(&tx, enc, sizeof(enc), &cl[i]));
    }
    CHECK(ledger_settle_claim_add(&tx, enc, sizeof(enc), &cl[0]) == CHR_ERR_CLAIM);
    static uint8_t buf[LEDGER_TX_BYTES_MAX], again[LEDGER_TX_BYTES_MAX];
    static ledger_tx back;
    size_t len, len2;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    CHECK(len > LEDGER_TX_BYTES_BASE_MAX && len <= LEDGER_TX_BYTES_MAX);
    CHECK_OK(ledger_tx_decode(&back, buf, len));
    CHECK(back.body.settle.claims_len == LEDGER_SETTLE_CLAIMS_MAX);
    CHECK(back.body.settle.claims >= buf && back.body.settle.claims < buf + len); /* zero-copy */
    CHECK_OK(ledger_tx_encode(&back, again, sizeof(again), &len2));
    CHECK(len2 == len && memcmp(buf, again, len) == 0);
    ledger_claim got;
    CHECK_OK(ledger_settle_claim_get(&back, LEDGER_SETTLE_CLAIMS_MAX - 1, &got));
    CHECK(memcmp(&got, &cl[LEDGER_SETTLE_CLAIMS_MAX - 1], sizeof(got)) == 0);
    CHECK_OK(ledger_settle_claim_get(&back, 1, &got));
    CHECK(got.has_receipt && memcmp(got.receipt_sig, cl[1].receipt_sig, 64) == 0);
    CHECK(ledger_settle_claim_get(&back, LEDGER_SETTLE_CLAIMS_MAX, &got) == CHR_ERR_ARG);
    CHECK(got.minutes == 0 && got.index == 0);
    ledger_tx other;
    mt_tx(&db, &other, LEDGER_TX_TRANSFER, 2);
    CHECK(ledger_settle_claim_get(&other, 0, &got) == CHR_ERR_ARG);
    uint8_t sk[32], op[32];
    ltest_key(sk, op, 2);
    uint64_t op_before = mt_balance(&db, op), fees_before = mt_balance(&db, db.proposer);
    size_t last = LEDGER_SETTLE_CLAIMS_MAX - 1;
    cl[last].minutes = 31; /* over the duration: the whole transaction fails */
    CHECK(st_settle(&db, 2, &m, cl, LEDGER_SETTLE_CLAIMS_MAX, 20000) == CHR_ERR_CLAIM);
    CHECK(mt_balance(&db, op) == op_before && st_pending(&db, m.id, 0) == 0);
    ledger_settlement s;
    CHECK_OK(ledger_settlement_get(db.t, m.id, &s));
    CHECK(s.paid == 0 && s.protocol == 0);
    cl[last].minutes = 10;
    CHECK(st_settle(&db, 2, &m, cl, LEDGER_SETTLE_CLAIMS_MAX, 20000) == CHR_OK);
    uint64_t amount = 20 * m.price;
    CHECK(mt_balance(&db, op) == op_before - MT_FEE + amount - amount / 20);
    CHECK(mt_balance(&db, db.proposer) == fees_before + MT_FEE + amount / 20);
    CHECK_OK(ledger_settlement_get(db.t, m.id, &s));
    CHECK(s.paid == amount - amount / 20 && s.protocol == amount / 20);
    size_t pending = 0;
    for (size_t i = 0; i < LEDGER_SETTLE_CLAIMS_MAX; i++) {
        pending += st_pending(&db, m.id, (uint8_t)i) == 10;
    }
    CHECK(pending == LEDGER_SETTLE_CLAIMS_MAX - 1); /* all but the receipted one */
    mt_close(&db);
}

void test_meeting_128_people(void)
{
    /* A meeting holds 128 people (the host and 127 participants): the longest create, every
     * ID of 64 bytes with the longest chain id and memo, fits LEDGER_TX_MEETING_BYTES_MAX and
     * decodes zero-copy; a 128th participant is refused by the builder and, encoded by hand, by
     * the decoder; a meeting-create over its size limit is refused; applied, the list is
     * stored in chunks within LEDGER_OBJECT_VALUE_MAX and read back whole. */
    static char names[LEDGER_MEETING_PARTICIPANTS_MAX + 1][LEDGER_MEETING_ID_STR_MAX + 1];
    const char *ids[LEDGER_MEETING_PARTICIPANTS_MAX + 1];
    for (size_t i = 0; i <= LEDGER_MEETING_PARTICIPANTS_MAX; i++) {
        char prefix[8];
        int n = snprintf(prefix, sizeof(prefix), "p%03zu", i);
        memset(names[i], 'a', LEDGER_MEETING_ID_STR_MAX);
        memcpy(names[i], prefix, (size_t)n); /* 64 characters, distinct */
        names[i][LEDGER_MEETING_ID_STR_MAX] = '\0';
        ids[i] = names[i];
    }
    ledger_tx tx, back;
    uint8_t from[32] = {2}, memo[LEDGER_MEMO_MAX];
    memset(memo, 'm', sizeof(memo));
    const char *chain = "chroom-chain-id-of-32-characters"; /* the longest */
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEETING_CREATE, chain, from, 3, MT_FEE, 0, memo,
                            sizeof(memo)));
    static char title[LEDGER_MEETING_TITLE_MAX + 1];
    memset(title, 't', LEDGER_MEETING_TITLE_MAX);
    mt_meeting_body(&tx, title, 0, 30, 0, "eu-west-1-abcdef");
    tx.body.meeting.host_len = LEDGER_MEETING_ID_STR_MAX;
    memset(tx.body.meeting.host, 'h', LEDGER_MEETING_ID_STR_MAX);
    tx.body.meeting.has_preferred = 1;
    static uint8_t list[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX + 70];
    mt_people(&tx, list, sizeof(list), ids, LEDGER_MEETING_PARTICIPANTS_MAX);
    CHECK(ledger_meeting_participant_add(&tx, list, sizeof(list), ids[127], 64) == CHR_ERR_MEETING);
    ledger_params params;
    ledger_params_default(&params);
    char detail[LEDGER_DETAIL_MAX];
    CHECK_OK(ledger_tx_check(&tx, chain, &params, detail, sizeof(detail)));
    static uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    CHECK(len > LEDGER_TX_BYTES_BASE_MAX && len <= LEDGER_TX_MEETING_BYTES_MAX);
    CHECK_OK(ledger_tx_decode(&back, buf, len));
    const char *id;
    size_t id_len;
    CHECK_OK(ledger_meeting_participant_get(&back, 126, &id, &id_len));
    CHECK(id_len == 64 && memcmp(id, names[126], 64) == 0 && (const uint8_t *)id > buf &&
          (const uint8_t *)id < buf + len);
    CHECK(ledger_meeting_participant_get(&back, 127, &id, &id_len) == CHR_ERR_ARG && id == NULL);
    /* A 128th participant by hand: the count byte 128 and one more ID. */
    size_t count_at = 1 + 1 + 1 + 32 + 32 + 24 + 2 + LEDGER_MEMO_MAX + 1 + 64 + 1 + 64;
    CHECK(buf[count_at] == LEDGER_MEETING_PARTICIPANTS_MAX);
    static uint8_t more[LEDGER_TX_BYTES_MAX];
    size_t list_end = count_at + 1 + tx.body.meeting.participants_bytes;
    memcpy(more, buf, list_end);
    more[count_at] = LEDGER_MEETING_PARTICIPANTS_MAX + 1;
    more[list_end] = 1;
    more[list_end + 1] = 'z';
    memcpy(more + list_end + 2, buf + list_end, len - list_end);
    CHECK(ledger_tx_decode(&back, more, len + 2) == CHR_ERR_MEETING);
    /* Over the meeting-create limit: refused by size before anything else. */
    CHECK(ledger_tx_decode(&back, more, LEDGER_TX_MEETING_BYTES_MAX + 1) == CHR_ERR_TX_SIZE);
    /* Applied: 128 people stored in chunks and read back. */
    mt_db db;
    ledger_meeting m;
    mt_open(&db);
    mt_fund(&db, 2, 1000000000);
    mt_fund(&db, 3, 5 * MT_BOND);
    CHR_ASSERT(mt_register(&db, 3, 1, "eu-west", 200, MT_BOND) == CHR_OK);
    CHECK_OK(mt_create(&db, 2, LEDGER_MEETING_PARTICIPANTS_MAX, 30, 0, "", 5000, &m));
    CHECK(m.participants == LEDGER_MEETING_PARTICIPANTS_MAX);
    CHECK(m.escrow == 100ull * 128 * 30);
    static ledger_meeting_people people;
    CHECK_OK(ledger_meeting_people_get(db.t, m.id, m.participants, &people));
    CHECK(people.participants_len == 127 && people.participant_lens[126] == 8 &&
          memcmp(people.participants[126], "user-126", 8) == 0);
    /* A meeting of 129 people cannot be built. */
    ledger_tx big;
    mt_tx(&db, &big, LEDGER_TX_MEETING_CREATE, 2);
    mt_meeting_body(&big, "Too big", LEDGER_MEETING_PARTICIPANTS_MAX, 30, 0, "");
    CHECK(ledger_meeting_participant_add(&big, mt_ids, sizeof(mt_ids), "one-more", 8) ==
          CHR_ERR_MEETING);
    mt_close(&db);
}

void test_settle_window_dispute_refund(void)
{
    /* An unreceipted claim waits; the payer disputes it down; claims after the window are
     * refused; at the due time the end of block pays the disputed minutes, refunds the
     * rest to the payer, pays the share to the fee collector and closes: escrow = paid +
     * protocol + refunded. */
    mt_db db;
    ledger_meeting m;
    st_setup(&db, &m);
    uint8_t sk[32], op[32], payer[32];
    ltest_key(sk, op, 2);
    ltest_key(sk, payer, 1);
    ledger_settle_params sp;
    CHECK_OK(ledger_settle_params_get(db.t, &sp));
    ledger_claim cl;
    st_claim(&cl, &m, 0, 30, 30, 0);
    CHECK(st_settle(&db, 2, &m, &cl, 1, m.start_ms - 1) == CHR_ERR_WRONG_STATE);
    CHECK(st_settle(&db, 2, &m, &cl, 1, m.end_ms) == CHR_OK);
    uint64_t op_before = mt_balance(&db, op), payer_before = mt_balance(&db, payer);
    ledger_tx tx;
    mt_tx(&db, &tx, LEDGER_TX_MEETING_DISPUTE, 3); /* neither payer nor host */
    memcpy(tx.body.settle.id, m.id, LEDGER_MEETING_ID_LEN);
    tx.body.settle.claims_len = 1;
    tx.body.settle.dispute_index = 0;
    tx.body.settle.dispute_minutes = 12;
    CHECK(mt_apply(&db, &tx, m.end_ms + 1) == CHR_ERR_NOT_OWNER);
    mt_tx(&db, &tx, LEDGER_TX_MEETING_DISPUTE, 1);
    memcpy(tx.body.settle.id, m.id, LEDGER_MEETING_ID_LEN);
    tx.body.settle.claims_len = 1;
    tx.body.settle.dispute_minutes = 31; /* not below the pending 30 */
    CHECK(mt_apply(&db, &tx, m.end_ms + 1) == CHR_ERR_CLAIM);
    tx.body.settle.dispute_minutes = 12;
    CHECK(mt_apply(&db, &tx, m.end_ms + 1) == CHR_OK);
    payer_before -= MT_FEE;
    st_claim(&cl, &m, 2, 5, 30, 0);
    CHECK(st_settle(&db, 2, &m, &cl, 1, m.end_ms + sp.settle_window_ms + 1) == CHR_ERR_WRONG_STATE);
    /* Not yet due: nothing happens. */
    CHECK_OK(ledger_settle_end_block(db.o, ledger_settle_due_ms(&m, &sp) - 1));
    CHECK(ledger_overlay_len(db.o) == 0 && ledger_objects_len(db.t) == 0);
    CHECK_OK(st_close_block(&db, ledger_settle_due_ms(&m, &sp)));
    ledger_settlement s;
    CHECK_OK(ledger_settlement_get(db.t, m.id, &s));
    uint64_t amount = 12 * m.price;
    CHECK(s.closed == 1 && s.paid == amount - amount / 20 && s.protocol == amount / 20);
    CHECK(s.paid + s.protocol + s.refunded == m.escrow);
    CHECK(mt_balance(&db, op) == op_before + s.paid);
    CHECK(mt_balance(&db, payer) == payer_before + s.refunded);
    /* The share of minutes paid at the close waits in the fee collector for the next
     * block's distribution (ledger/distribution.h). */
    CHECK(mt_balance(&db, ledger_fee_collector) == s.protocol);
    /* Closed: later ends of block and disputes change nothing. */
    CHECK_OK(ledger_settle_end_block(db.o, ledger_settle_due_ms(&m, &sp) + 1));
    CHECK(ledger_overlay_len(db.o) == 0);
    mt_close(&db);
}

/* ---- The meetings' totals in the supply (ledger/meetings.h) ---- */

/* Every account's balance plus the meetings' totals and staking's pools: what was funded,
 * as long as every unit is in one of them; 0 when the totals differ from their records
 * (ledger_meetings_audit). *tot gets the totals. */
static uint64_t st_held(mt_db *db, ledger_meetings_totals *tot)
{
    ledger_staking_pool pool;
    char detail[256] = "";
    uint64_t sum = 0;
    if (ledger_meetings_audit(db->t, detail, sizeof(detail)) != CHR_OK) {
        printf("  audit: %s\n", detail);
        return 0;
    }
    for (size_t i = 0; i < db->n; i++) {
        sum += db->acct[i].balance;
    }
    CHR_ASSERT(ledger_meetings_totals_get(db->t, tot) == CHR_OK);
    CHR_ASSERT(ledger_staking_pool_get(db->t, &pool) == CHR_OK);
    return sum + tot->escrowed + tot->media_bonded + pool.bonded + pool.unbonding;
}

void test_meetings_totals(void)
{
    /* The totals follow every operation that moves an escrow or a media node's bond: a
     * registration bonds, a create escrows, a cancellation refunds, a settle and a close pay
     * out and refund, a deregistration moves the bond to staking's unbonding and maturity
     * pays it; at every step accounts + escrowed + media_bonded + staking's pools equal what
     * was funded, the totals equal the records' sums (the audit), and a refused transaction
     * changes no total. */
    mt_db db;
    ledger_meeting m, m2;
    ledger_meetings_totals tot;
    st_setup(&db, &m); /* node 1 bonded by key 2, meeting m escrowed by key 1 */
    const uint64_t funded = 1000000000 + 10000000000000ull + 1000000;
    CHECK(st_held(&db, &tot) == funded);
    CHECK(tot.media_bonded == MT_BOND && tot.escrowed == m.escrow && m.escrow > 0);
    CHECK(mt_register(&db, 3, 2, "eu-west", 100, MT_BOND) == CHR_ERR_BALANCE);
    CHECK(st_held(&db, &tot) == funded && tot.media_bonded == MT_BOND);

    /* A meeting cancelled before its start: escrowed, then all of it refunded. */
    CHECK_OK(mt_create(&db, 1, 2, 30, 10 * MT_MIN, "", 20000, &m2));
    CHECK(st_held(&db, &tot) == funded && tot.escrowed == m.escrow + m2.escrow);
    CHECK(mt_end(&db, 3, &m2, 30000) == CHR_ERR_NOT_OWNER);
    CHECK_OK(mt_end(&db, 1, &m2, 30000));
    CHECK(st_held(&db, &tot) == funded && tot.escrowed == m.escrow);

    /* A receipt-backed settle pays the operator and the share out of the escrow. */
    ledger_claim cl;
    st_claim(&cl, &m, 1, 20, 30, 1);
    CHECK_OK(st_settle(&db, 2, &m, &cl, 1, 20000));
    CHECK(st_held(&db, &tot) == funded && tot.escrowed == m.escrow - 20 * m.price);
    CHECK(st_settle(&db, 2, &m, &cl, 1, 20000) == CHR_ERR_CLAIM);
    CHECK(st_held(&db, &tot) == funded && tot.escrowed == m.escrow - 20 * m.price);

    /* The close at the due time pays the pending claim and refunds the rest: none left. */
    st_claim(&cl, &m, 0, 10, 30, 0);
    CHECK_OK(st_settle(&db, 2, &m, &cl, 1, m.end_ms));
    ledger_settle_params sp;
    CHECK_OK(ledger_settle_params_get(db.t, &sp));
    CHECK_OK(st_close_block(&db, ledger_settle_due_ms(&m, &sp)));
    CHECK(st_held(&db, &tot) == funded && tot.escrowed == 0);

    /* Deregistration: the bond leaves media_bonded for staking's unbonding; maturity pays
     * it to the operator. */
    ledger_tx tx;
    uint64_t now = ledger_settle_due_ms(&m, &sp);
    mt_tx(&db, &tx, LEDGER_TX_MEDIA_DEREGISTER, 2);
    mt_node_body(&tx, 1, "", "", 0, 0);
    CHECK_OK(mt_apply(&db, &tx, now));
    chr_err audit;
    CHECK(mt_unbonding(&db, &audit) == MT_BOND && audit == CHR_OK);
    CHECK(st_held(&db, &tot) == funded && tot.media_bonded == 0 && tot.escrowed == 0);
    int found;
    ledger_media_node n = mt_node(&db, 1, &found);
    CHECK(found);
    CHECK_OK(mt_end_block(&db, n.unbond_after_ms));
    CHECK(mt_unbonding(&db, &audit) == 0 && audit == CHR_OK);
    CHECK(st_held(&db, &tot) == funded && tot.media_bonded == 0);
    mt_close(&db);
}

void test_meetings_totals_encoding(void)
{
    /* The totals' value is u64 escrowed | u64 media_bonded, big-endian (docs/PROTOCOL.md);
     * any other length is refused with the output zeroed. */
    ledger_meetings_totals v = {.escrowed = 0x0102030405060708ull, .media_bonded = 9};
    uint8_t buf[LEDGER_MEETINGS_TOTALS_LEN + 1] = {0};
    const uint8_t want[LEDGER_MEETINGS_TOTALS_LEN] = {1, 2, 3, 4, 5, 6, 7, 8,
                                                      0, 0, 0, 0, 0, 0, 0, 9};
    ledger_meetings_totals_encode(buf, &v);
    CHECK(memcmp(buf, want, sizeof(want)) == 0);
    ledger_meetings_totals back;
    CHECK_OK(ledger_meetings_totals_decode(&back, buf, LEDGER_MEETINGS_TOTALS_LEN));
    CHECK(back.escrowed == v.escrowed && back.media_bonded == v.media_bonded);
    CHECK(ledger_meetings_totals_decode(&back, buf, LEDGER_MEETINGS_TOTALS_LEN - 1) != CHR_OK);
    CHECK(back.escrowed == 0 && back.media_bonded == 0);
    CHECK(ledger_meetings_totals_decode(&back, buf, LEDGER_MEETINGS_TOTALS_LEN + 1) != CHR_OK);
    CHECK(back.escrowed == 0 && back.media_bonded == 0);
}

void test_meetings_audit(void)
{
    /* The audit finds totals that differ from the records: a total moved without its
     * record (either one) is reported, and put back it holds again. */
    mt_db db;
    ledger_meeting m;
    char detail[256] = "";
    st_setup(&db, &m);
    CHECK_OK(ledger_meetings_audit(db.t, detail, sizeof(detail)));
    CHECK_OK(ledger_meetings_totals_move(db.t, 1, 0, 0, 0));
    CHECK(ledger_meetings_audit(db.t, detail, sizeof(detail)) == CHR_ERR_STATE_ROOT);
    CHECK(strstr(detail, "escrowed") != NULL);
    CHECK_OK(ledger_meetings_totals_move(db.t, 0, 1, 0, 1));
    CHECK(ledger_meetings_audit(db.t, detail, sizeof(detail)) == CHR_ERR_STATE_ROOT);
    CHECK_OK(ledger_meetings_totals_move(db.t, 0, 0, 1, 0));
    CHECK_OK(ledger_meetings_audit(db.t, detail, sizeof(detail)));
    ledger_objects_reset(db.t);
    mt_close(&db);
}
