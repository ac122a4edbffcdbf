/* Unit tests of chroom-media's pure parts (media/agent.h): the config file, the admission
 * check on credits, the node's meeting record, the table, claim batching and the state
 * file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"
#include "common/hash.h"
#include "ledger/sig.h"
#include "media/agent.h"
#include "tests/unit/media/suite.h"
#include "tests/unit/test.h"

static const char chain[] = "chroom-test-1";
static const uint64_t t0 = 1700000000000ull;
static uint8_t payer_sk[32], payer[32], node[32], other_node[32];

static void keys(void)
{
    memset(payer_sk, 0x11, 32);
    ledger_signer *s = NULL;
    uint8_t seed[32] = {1}, sk[32];
    if (ledger_signer_new(&s, seed) != CHR_OK || ledger_signer_pubkey(s, payer, payer_sk)) {
        abort();
    }
    memset(sk, 0x22, 32);
    if (ledger_signer_pubkey(s, node, sk) != CHR_OK) {
        abort();
    }
    memset(sk, 0x33, 32);
    if (ledger_signer_pubkey(s, other_node, sk) != CHR_OK) {
        abort();
    }
    ledger_signer_free(s);
}

/* A record of meeting id (first byte id0) on node: host "host", participants "p1".."pn". */
static void record(media_record *r, uint8_t id0, size_t n, uint32_t duration)
{
    memset(r, 0, sizeof(*r));
    r->id[0] = id0;
    memcpy(r->payer, payer, 32);
    memcpy(r->node_key, node, 32);
    r->duration_min = duration;
    r->end_ms = t0 + 3600000;
    r->status = MEDIA_MEETING_OPEN;
    r->host_len = 4;
    memcpy(r->host, "host", 4);
    for (size_t i = 0; i < n; i++) {
        r->participant_lens[i] = (uint8_t)snprintf(r->participants[i], 8, "p%zu", i + 1);
    }
    r->participants_len = (uint8_t)n;
}

/* A credit signed by the payer for meeting id0, person, on node_key, into out. */
static size_t make_credit(uint8_t *out, uint8_t id0, const char *person, uint8_t role,
                          const uint8_t node_key[32], uint32_t minutes_max)
{
    credit c;
    memset(&c, 0, sizeof(c));
    c.chain_id_len = (uint8_t)strlen(chain);
    memcpy(c.chain_id, chain, c.chain_id_len);
    c.meeting_id[0] = id0;
    c.role = role;
    c.participant_id_len = (uint8_t)strlen(person);
    memcpy(c.participant_id, person, c.participant_id_len);
    memcpy(c.node_key, node_key, 32);
    /* The key rides in the credit exactly when the ID is a chr1 address (docs/CREDITS.md). */
    c.has_key = chr_address_decode(c.participant_key, person, strlen(person)) == CHR_OK;
    c.minutes_max = minutes_max;
    c.not_before_ms = t0;
    c.expiry_ms = t0 + 86400000;
    size_t len = credit_encode(out, CREDIT_BYTES_MAX, &c);
    uint8_t msg[32], seed[32] = {2}, aux[32] = {0};
    ledger_signer *s = NULL;
    credit_sighash(msg, out, len);
    if (len == 0 || ledger_signer_new(&s, seed) != CHR_OK ||
        ledger_signer_sign(s, out + len - 64, msg, payer_sk, aux) != CHR_OK) {
        abort();
    }
    ledger_signer_free(s);
    return len;
}

static const char good_conf[] = "[node]\nurl = http://10.0.0.1:8080/\napi_key = k123\n"
                                "[keys]\nnode_key_file = node.key\n"
                                "[registry]\nendpoint = https://m.example.org\nregion = eu\n"
                                "capacity = 50\nbond_units = 1000\nmetadata = \"rack 4\"\n"
                                "[agent]\nlisten_port = 9000\npoll_ms = 250\n";

void test_config_good(void)
{
    /* Proves a full config parses: the URL's trailing '/' goes, relative paths are put under
     * the config's directory, the operator key defaults to the node key, defaults fill the
     * rest (loopback listener, state file, timeout). */
    media_config c;
    char err[256];
    CHECK_OK(media_config_parse(&c, good_conf, strlen(good_conf), "/etc/media", err, sizeof(err)));
    CHECK(strcmp(c.node, "http://10.0.0.1:8080") == 0);
    CHECK(strcmp(c.api_key, "k123") == 0);
    CHECK(strcmp(c.node_key_file, "/etc/media/node.key") == 0);
    CHECK(strcmp(c.operator_key_file, "/etc/media/node.key") == 0);
    CHECK(strcmp(c.state_file, "/etc/media/media-state.json") == 0);
    CHECK(strcmp(c.listen_addr, "127.0.0.1") == 0 && c.listen_port == 9000);
    CHECK(c.capacity == 50 && c.bond_units == 1000 && c.poll_ms == 250);
    CHECK(c.timeout_ms == 10000 && strcmp(c.metadata, "rack 4") == 0);
    CHECK(c.heartbeat_interval_ms == MEDIA_HEARTBEAT_MS_DEFAULT);
    static const char abs[] = "[keys]\nnode_key_file = /k/n.key\noperator_key_file = /k/o.key\n";
    CHECK_OK(media_config_parse(&c, abs, strlen(abs), ".", err, sizeof(err)));
    CHECK(strcmp(c.node_key_file, "/k/n.key") == 0);
    CHECK(strcmp(c.operator_key_file, "/k/o.key") == 0);
    CHECK(strcmp(c.node, "http://127.0.0.1:8080") == 0);
}

void test_config_rejects(void)
{
    /* Proves every bad config is refused with a message and a zeroed output: an unknown
     * key or section, no node key, a URL that is not http(s), a listener that is not an
     * IPv4 address, a port or poll interval out of range, a region over its limit, a key
     * before any section. */
    static const char *const bad[] = {
        "[keys]\nnode_key_file = n\ncolour = red\n",
        "[keys]\nnode_key_file = n\n[extra]\nx = 1\n",
        "[node]\nurl = http://a:1\n",
        "[keys]\nnode_key_file = n\n[node]\nurl = ftp://a:1\n",
        "[keys]\nnode_key_file = n\n[agent]\nlisten_addr = localhost\n",
        "[keys]\nnode_key_file = n\n[agent]\nlisten_port = 0\n",
        "[keys]\nnode_key_file = n\n[agent]\nlisten_port = 65536\n",
        "[keys]\nnode_key_file = n\n[agent]\npoll_ms = 99\n",
        "[keys]\nnode_key_file = n\n[agent]\nheartbeat_interval_ms = 999\n",
        "[keys]\nnode_key_file = n\n[agent]\nheartbeat_interval_ms = 600001\n",
        "[keys]\nnode_key_file = n\n[registry]\nregion = abcdefghijklmnopq\n",
        "node_key_file = n\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        media_config c;
        char err[256] = "";
        memset(&c, 0xAA, sizeof(c));
        CHECK(media_config_parse(&c, bad[i], strlen(bad[i]), ".", err, sizeof(err)) ==
              CHR_ERR_CONFIG);
        CHECK(err[0] != '\0');
        CHECK(c.node[0] == 0 && c.poll_ms == 0);
    }
}

void test_check_credit(void)
{
    /* Proves the admission check: the host's credit admits at index 0 and a participant's at
     * its place; an expired, not yet valid, wrong node's, another meeting's, forged or
     * another chain's credit is denied with the verifier's reason; a person outside the
     * meeting, a meeting the chain put on another node and a cancelled one are denied with
     * the agent's. */
    keys();
    media_record r;
    record(&r, 7, 3, 30);
    uint8_t c[CREDIT_BYTES_MAX], index = 99;
    size_t len = make_credit(c, 7, "host", CREDIT_ROLE_HOST, node, 30);
    CHECK(media_check_credit(&r, node, chain, c, len, t0 + 1, &index) == NULL && index == 0);
    len = make_credit(c, 7, "p3", CREDIT_ROLE_PARTICIPANT, node, 30);
    CHECK(media_check_credit(&r, node, chain, c, len, t0 + 1, &index) == NULL && index == 3);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0 + 86400000, &index), "expired") ==
          0);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0 - 1, &index), "not_yet_valid") ==
          0);
    CHECK(strcmp(media_check_credit(&r, other_node, chain, c, len, t0, &index), "wrong_node") == 0);
    CHECK(strcmp(media_check_credit(&r, node, "other-chain", c, len, t0, &index), "wrong_chain") ==
          0);
    c[len - 1] ^= 1;
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0, &index), "bad_signature") == 0);
    len = make_credit(c, 8, "p1", CREDIT_ROLE_PARTICIPANT, node, 30);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0, &index), "wrong_meeting") == 0);
    len = make_credit(c, 7, "p9", CREDIT_ROLE_PARTICIPANT, node, 30);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0, &index), "not_in_meeting") == 0);
    len = make_credit(c, 7, "p1", CREDIT_ROLE_HOST, node, 30);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0, &index), "not_in_meeting") == 0);
    len = make_credit(c, 7, "p1", CREDIT_ROLE_PARTICIPANT, node, 30);
    r.status = MEDIA_MEETING_CANCELLED;
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0, &index), "meeting_cancelled") ==
          0);
    r.status = MEDIA_MEETING_OPEN;
    memcpy(r.node_key, other_node, 32);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, len, t0, &index),
                 "meeting_not_on_this_node") == 0);
    CHECK(strcmp(media_check_credit(&r, node, chain, c, 10, t0, &index), "truncated") == 0);
}

void test_record_parse(void)
{
    /* Proves the node's meeting JSON is read exactly (payer address to key, node, duration,
     * end time to ms, status, host, participants) and that a missing or malformed field is
     * an error naming it, with a zeroed record. */
    char addr[CHR_ADDRESS_STR_LEN + 1], good[512];
    uint8_t zero[32] = {0};
    chr_address_encode(addr, zero);
    snprintf(good, sizeof(good),
             "{\"meeting_id\":\"0102030405060708090a0b0c\",\"status\":\"ended\",\"host\":"
             "\"h\",\"participants\":[\"a\",\"b\"],\"duration\":30,\"media_node\":\"%s\","
             "\"payer\":\"%s\",\"end_time\":\"2023-11-14T22:13:20.123Z\"}",
             "1111111111111111111111111111111111111111111111111111111111111111", addr);
    media_record r;
    char err[256];
    CHECK_OK(media_record_parse(&r, good, strlen(good), err, sizeof(err)));
    CHECK(r.id[0] == 1 && r.id[11] == 12 && r.node_key[0] == 0x11 && r.duration_min == 30);
    CHECK(r.end_ms == 1700000000123ull && r.status == MEDIA_MEETING_FINISHED);
    CHECK(r.host_len == 1 && r.participants_len == 2 && r.participants[1][0] == 'b');
    CHECK(media_time_parse("1970-01-01T00:00:00.001Z") == 1);
    CHECK(media_time_parse("2024-02-29T12:00:00.000Z") == 1709208000000ull);
    CHECK(media_time_parse("2024-02-29 12:00:00.000Z") == 0);
    CHECK(media_time_parse("2024-13-01T12:00:00.000Z") == 0);
    CHECK(media_time_parse(NULL) == 0);
    static const char *const breaks[][2] = {
        {"\"duration\":30", "\"duration\":0"},
        {"\"status\":\"ended\"", "\"status\":\"x\""},
        {"\"payer\":\"chr1", "\"payer\":\"chr2"},
        {"\"end_time\":\"2023", "\"end_time\":\"x023"},
        {"[\"a\",\"b\"]", "[\"a\",5]"},
        {"\"host\":\"h\"", "\"host\":\"\""},
        {"\"media_node\":\"11", "\"media_node\":\"zz"},
    };
    for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
        char text[sizeof(good) + 8];
        const char *at = strstr(good, breaks[i][0]);
        CHECK(at != NULL);
        size_t pre = (size_t)(at - good);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)pre, good, breaks[i][1],
                 at + strlen(breaks[i][0]));
        CHECK(media_record_parse(&r, text, strlen(text), err, sizeof(err)) == CHR_ERR_JSON);
        CHECK(r.duration_min == 0 && strstr(err, "malformed") != NULL);
    }
    CHECK(media_record_parse(&r, "[1]", 3, err, sizeof(err)) == CHR_ERR_JSON);
}

/* A meeting of n participants with every person admitted and used minutes[i]. */
static void meeting(media_meeting *m, size_t n, const uint32_t *minutes, uint32_t duration)
{
    memset(m, 0, sizeof(*m));
    m->used = 1;
    m->id[0] = 7;
    m->has_record = 1;
    record(&m->rec, 7, n, duration);
    for (size_t i = 0; i <= n; i++) {
        uint8_t c[CREDIT_BYTES_MAX];
        char person[8];
        snprintf(person, sizeof(person), i == 0 ? "host" : "p%zu", i);
        size_t len = make_credit(c, 7, person, i == 0 ? CREDIT_ROLE_HOST : CREDIT_ROLE_PARTICIPANT,
                                 node, 20);
        media_meeting_credit(m, (uint8_t)i, c, len);
        media_meeting_usage(m, (uint8_t)i, minutes[i]);
    }
}

void test_batches(void)
{
    /* Proves batching: claims go by increasing index in one batch (LEDGER_SETTLE_CLAIMS_MAX
     * holds every person of a meeting), each bounded by its credit (20) and the duration (25),
     * carrying the credit's signed fields; people with nothing above what the chain holds as
     * claimed (or no minutes) are left out; nothing to claim gives no batch. */
    keys();
    static const uint32_t minutes[] = {10, 0, 30, 5, 7, 9};
    media_meeting *m = malloc(sizeof(*m));
    CHECK(m != NULL);
    meeting(m, 5, minutes, 25);
    m->persons[4].claimed = 7;
    media_batch b[MEDIA_BATCHES_MAX];
    size_t n = 99;
    media_plan_batches(m, b, &n);
    credit c;
    int decoded = credit_decode(&c, m->persons[2].credit, m->persons[2].credit_len) == 0;
    uint8_t idx[4] = {b[0].claims[0].index, b[0].claims[1].index, b[0].claims[2].index,
                      b[0].claims[3].index};
    uint32_t got[4] = {b[0].claims[0].minutes, b[0].claims[1].minutes, b[0].claims[2].minutes,
                       b[0].claims[3].minutes};
    size_t claims_len = b[0].claims_len;
    int sig_ok = memcmp(b[0].claims[1].credit_sig, c.sig, 64) == 0 &&
                 b[0].claims[1].credit_expiry_ms == c.expiry_ms &&
                 b[0].claims[1].credit_minutes_max == 20 && !b[0].claims[1].has_receipt;
    /* Every claim at the credit's bound: nothing more to claim. */
    for (uint8_t i = 0; i < MEDIA_PERSONS_MAX; i++) {
        m->persons[i].claimed = m->persons[i].minutes > 20 ? 20 : m->persons[i].minutes;
    }
    size_t n2 = 99;
    media_plan_batches(m, b, &n2);
    free(m);
    CHECK(decoded && n == 1 && claims_len == 4 && b[0].claims_len == 0 && n2 == 0);
    CHECK(idx[0] == 0 && idx[1] == 2 && idx[2] == 3 && idx[3] == 5);
    CHECK(got[0] == 10 && got[1] == 20 && got[2] == 5 && got[3] == 9);
    CHECK(sig_ok);
}

void test_table(void)
{
    /* Proves the table: a meeting is added once and found again, persons are found by the
     * ID of their admitted credit, usage adds up and stops at UINT32_MAX, and a full table
     * refuses another meeting. */
    keys();
    media_state *s = calloc(1, sizeof(*s));
    CHECK(s != NULL);
    uint8_t id[LEDGER_MEETING_ID_LEN] = {7};
    media_meeting *m, *again;
    int ok = media_state_add(s, id, &m) == CHR_OK && media_state_add(s, id, &again) == CHR_OK &&
             m == again && media_state_find(s, id) == m;
    uint8_t c[CREDIT_BYTES_MAX];
    size_t len = make_credit(c, 7, "p2", CREDIT_ROLE_PARTICIPANT, node, 20);
    media_meeting_credit(m, 2, c, len);
    int found = media_meeting_person(m, "p2", 2) == 2 && media_meeting_person(m, "p1", 2) == -1;
    media_meeting_usage(m, 2, 5);
    media_meeting_usage(m, 2, UINT32_MAX - 1);
    int capped = m->persons[2].minutes == UINT32_MAX;
    size_t added = 1;
    for (uint32_t i = 1; i < 2 * MEDIA_MEETINGS_MAX; i++) {
        id[0] = (uint8_t)i;
        id[1] = (uint8_t)(i >> 8);
        id[2] = 1; /* never the first meeting's id */
        added += media_state_add(s, id, &m) == CHR_OK && m != NULL;
    }
    free(s);
    CHECK(ok && found && capped);
    CHECK(added == MEDIA_MEETINGS_MAX);
}

void test_state_file(void)
{
    /* Proves the state file: the table encoded then decoded is the same (credits, minutes,
     * claimed; no record, which is read again from the node), and a file of another
     * version, with a repeated meeting, a credit of another meeting, an index out of range
     * or an unknown field is refused with an empty table. */
    keys();
    static const uint32_t minutes[] = {3, 4};
    media_state *s = calloc(1, sizeof(*s));
    media_state *t = calloc(1, sizeof(*t));
    CHECK(s != NULL && t != NULL);
    meeting(&s->meetings[3], 1, minutes, 30);
    s->meetings[3].persons[1].claimed = 2;
    s->watched_height = 1234;
    s->meetings[3].persons[1].receipt_minutes = 4;
    memset(s->meetings[3].persons[1].receipt_sig, 0x5a, 64);
    char err[256];
    char *text = media_state_encode(s);
    int ok = text != NULL && media_state_decode(t, text, strlen(text), err, sizeof(err)) == 0;
    media_meeting *m = ok ? media_state_find(t, s->meetings[3].id) : NULL;
    ok = ok && m != NULL && !m->has_record && t->watched_height == 1234 &&
         m->persons[0].minutes == 3 && m->persons[1].minutes == 4 && m->persons[1].claimed == 2 &&
         m->persons[1].receipt_minutes == 4 && m->persons[1].receipt_sig[63] == 0x5a &&
         memcmp(m->persons[1].credit, s->meetings[3].persons[1].credit,
                s->meetings[3].persons[1].credit_len) == 0;
    char *other = media_state_encode(t);
    ok = ok && other != NULL && strcmp(text, other) == 0;
    free(other);
    static const char *const edits[][2] = {
        {"\"version\": 1", "\"version\": 2"},
        {"\"watched_height\": 1234", "\"watched_height\": -1"},
        {"\"index\": 1", "\"index\": 128"}, /* MEDIA_PERSONS_MAX: out of range */
        {"\"meeting_id\": \"07", "\"meeting_id\": \"08"},
        {"\"claimed\": 2", "\"claimed\": 2, \"x\": 1"},
        {"\"minutes\": 4", "\"minutes\": -4"},
        {"\"receipt_minutes\": 4", "\"receipt_minutes\": 0"},
        {"\"receipt\": \"5a", "\"receipt\": \"zz"},
    };
    int refused = 1;
    for (size_t i = 0; ok && i < sizeof(edits) / sizeof(edits[0]); i++) {
        const char *at = strstr(text, edits[i][0]);
        char *bad = malloc(strlen(text) + 32);
        refused = refused && at != NULL && bad != NULL;
        if (refused) {
            sprintf(bad, "%.*s%s%s", (int)(at - text), text, edits[i][1], at + strlen(edits[i][0]));
            refused = media_state_decode(t, bad, strlen(bad), err, sizeof(err)) != CHR_OK &&
                      !t->meetings[0].used;
        }
        free(bad);
    }
    /* The same meeting twice. */
    const char *arr = strstr(text, "[") + 1;
    const char *end = strrchr(text, ']');
    char *twice = malloc(2 * strlen(text));
    if (twice != NULL) {
        sprintf(twice, "{\"version\": 1, \"watched_height\": 5, \"meetings\": [%.*s, %.*s]}",
                (int)(end - arr), arr, (int)(end - arr), arr);
    }
    int dup = twice != NULL &&
              media_state_decode(t, twice, strlen(twice), err, sizeof(err)) == CHR_ERR_JSON;
    free(twice);
    free(text);
    free(s);
    free(t);
    CHECK(ok && refused && dup);
}

/* A receipt of minutes of meeting 7 on node, signed with sk. */
static void sign_receipt(uint8_t sig[64], const uint8_t sk[32], uint32_t minutes)
{
    uint8_t msg[CREDIT_RECEIPT_BYTES_MAX], h[32], seed[32] = {3}, aux[32] = {0};
    uint8_t id[LEDGER_MEETING_ID_LEN] = {7};
    size_t len = credit_receipt_encode(msg, sizeof(msg), chain, strlen(chain), id, node, minutes);
    ledger_signer *s = NULL;
    credit_receipt_sighash(h, msg, len);
    if (len == 0 || ledger_signer_new(&s, seed) != CHR_OK ||
        ledger_signer_sign(s, sig, h, sk, aux) != CHR_OK) {
        abort();
    }
    ledger_signer_free(s);
}

void test_receipts(void)
{
    /* Proves usage receipts: a participant's receipt (their ID a chr1 address) verifies for
     * the key in their credit and is kept, a forged one or one for a keyless ID is refused,
     * a receipt of fewer minutes does not replace it; the claim takes the receipt's minutes
     * when they are within the credit's bound and not below the reported ones, and then
     * carries it; a receipt above the bound is not used. */
    keys();
    uint8_t sk[32], pub[32], seed[32] = {4}, sig[64], c[CREDIT_BYTES_MAX];
    char addr[CHR_ADDRESS_STR_LEN + 1];
    ledger_signer *s = NULL;
    memset(sk, 0x44, 32);
    CHECK(ledger_signer_new(&s, seed) == CHR_OK && ledger_signer_pubkey(s, pub, sk) == CHR_OK);
    ledger_signer_free(s);
    chr_address_encode(addr, pub);
    static const uint32_t minutes[] = {0, 0};
    media_meeting *m = malloc(sizeof(*m));
    CHECK(m != NULL);
    meeting(m, 1, minutes, 30);
    /* Person 1 is the address, with a credit of 20 minutes carrying the key. */
    memcpy(m->rec.participants[0], addr, CHR_ADDRESS_STR_LEN);
    m->rec.participant_lens[0] = CHR_ADDRESS_STR_LEN;
    size_t len = make_credit(c, 7, addr, CREDIT_ROLE_PARTICIPANT, node, 20);
    credit cr;
    int has_key = credit_decode(&cr, c, len) == CREDIT_VALID && cr.has_key;
    media_meeting_credit(m, 1, c, len);
    media_meeting_usage(m, 1, 8);
    sign_receipt(sig, sk, 12);
    sig[0] ^= 1;
    credit_result forged = media_meeting_receipt(m, 1, 12, sig, chain, node);
    sig[0] ^= 1;
    credit_result keyless = media_meeting_receipt(m, 0, 12, sig, chain, node);
    credit_result good = media_meeting_receipt(m, 1, 12, sig, chain, node);
    uint8_t fewer[64];
    sign_receipt(fewer, sk, 9);
    credit_result less = media_meeting_receipt(m, 1, 9, fewer, chain, node);
    media_batch b[MEDIA_BATCHES_MAX];
    size_t n = 0;
    media_plan_batches(m, b, &n);
    int carried = n == 1 && b[0].claims_len == 1 && b[0].claims[0].index == 1 &&
                  b[0].claims[0].minutes == 12 && b[0].claims[0].has_receipt &&
                  memcmp(b[0].claims[0].receipt_sig, sig, 64) == 0;
    media_meeting_usage(m, 1, 10); /* 18 reported: above the receipt's 12 */
    media_plan_batches(m, b, &n);
    int plain = n == 1 && b[0].claims[0].minutes == 18 && !b[0].claims[0].has_receipt;
    uint8_t big[64];
    sign_receipt(big, sk, 25);
    credit_result over = media_meeting_receipt(m, 1, 25, big, chain, node);
    media_plan_batches(m, b, &n);
    int bounded = n == 1 && b[0].claims[0].minutes == 18 && !b[0].claims[0].has_receipt;
    free(m);
    CHECK(has_key);
    CHECK(forged == CREDIT_BAD_SIGNATURE && keyless == CREDIT_BAD_FIELD);
    CHECK(good == CREDIT_VALID && less == CREDIT_VALID && over == CREDIT_VALID);
    CHECK(carried && plain && bounded);
}
