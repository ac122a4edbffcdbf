/* Unit tests of the agent's heartbeat figures (media/agent.h): the media server's /stats
 * report, the CPU's use from /proc/stat, and the heartbeat built from them and the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/agent.h"
#include "tests/unit/media/suite.h"
#include "tests/unit/test.h"

static const char figs[] = "\"kbps_in\": 800, \"kbps_out\": 1600, \"loss_bp\": 20, "
                           "\"jitter_ms\": 5, \"rtt_ms\": 40";

/* The parse's answer; a refusal without a message comes back as CHR_ERR_ARG. */
static chr_err parse(media_stats *st, const char *text)
{
    char err[128] = "";
    chr_err e = media_stats_parse(st, text, strlen(text), err, sizeof(err));
    return e != CHR_OK && err[0] == '\0' ? CHR_ERR_ARG : e;
}

void test_stats_parse(void)
{
    /* Proves a /stats report is taken exactly: the node's figures with and without
     * participants, meetings with their own figures; and refused, output zeroed, when a
     * figure is missing, negative, fractional, a string or over its heartbeat bound, a field
     * is unknown or repeated, a meeting id is not 24 hex or appears twice, or there are more
     * than 32 meetings. */
    media_stats st;
    char text[8192];
    snprintf(text, sizeof(text), "{%s}", figs);
    CHECK_OK(parse(&st, text));
    CHECK(!st.has_participants && st.f.kbps_in == 800 && st.f.kbps_out == 1600);
    CHECK(st.f.loss_bp == 20 && st.f.jitter_ms == 5 && st.f.rtt_ms == 40 && st.meetings_len == 0);
    snprintf(text, sizeof(text),
             "{%s, \"participants\": 7, \"meetings\": [{\"meeting_id\": \"%s\", %s}, "
             "{\"meeting_id\": \"%s\", \"participants\": 3, %s}]}",
             figs, "bb0000000000000000000000", figs, "aa0000000000000000000000", figs);
    CHECK_OK(parse(&st, text));
    CHECK(st.has_participants && st.f.participants == 7 && st.meetings_len == 2);
    CHECK(st.meetings[0].id[0] == 0xbb && !st.meetings[0].has_participants);
    CHECK(st.meetings[1].id[0] == 0xaa && st.meetings[1].has_participants &&
          st.meetings[1].f.participants == 3 && st.meetings[1].f.rtt_ms == 40);

    static const char *const bad[] = {
        "{\"kbps_in\": 1, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1}",
        "{\"kbps_in\": -1, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1}",
        "{\"kbps_in\": 1.5, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1}",
        "{\"kbps_in\": \"1\", \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1}",
        "{\"kbps_in\": 1, \"kbps_out\": 1, \"loss_bp\": 10001, \"jitter_ms\": 1, \"rtt_ms\": 1}",
        "{\"kbps_in\": 1, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 60001, \"rtt_ms\": 1}",
        "{\"kbps_in\": 100000001, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, "
        "\"rtt_ms\": 1}",
        "{\"kbps_in\": 1, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1, "
        "\"participants\": 100001}",
        "{\"kbps_in\": 1, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1, "
        "\"cpu\": 5}",
        "{\"kbps_in\": 1, \"kbps_in\": 2, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, "
        "\"rtt_ms\": 1}",
        "{\"kbps_in\": 1, \"kbps_out\": 1, \"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1, "
        "\"meetings\": {}}",
        "[1]",
        "{\"kbps_in\": 1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&st, 0xAA, sizeof(st));
        CHECK(parse(&st, bad[i]) == CHR_ERR_JSON);
        CHECK(st.f.kbps_in == 0 && st.meetings_len == 0);
    }
    const char *ids[] = {"aa00000000000000000000", "zz0000000000000000000000",
                         "aa0000000000000000000000"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(text, sizeof(text),
                 "{%s, \"meetings\": [{\"meeting_id\": \"%s\", %s}, "
                 "{\"meeting_id\": \"aa0000000000000000000000\", %s}]}",
                 figs, ids[i], figs, figs);
        CHECK(parse(&st, text) == CHR_ERR_JSON);
    }
    snprintf(text, sizeof(text), "{%s, \"meetings\": [{\"meeting_id\": \"%s\", %s, \"x\": 1}]}",
             figs, "aa0000000000000000000000", figs);
    CHECK(parse(&st, text) == CHR_ERR_JSON);
    /* 33 meetings: one over the heartbeat's limit. */
    size_t n = (size_t)snprintf(text, sizeof(text), "{%s, \"meetings\": [", figs);
    for (unsigned i = 0; i <= LEDGER_HEARTBEAT_MEETINGS_MAX; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "%s{\"meeting_id\": \"%024x\", \"kbps_in\": 1, \"kbps_out\": 1, "
                              "\"loss_bp\": 1, \"jitter_ms\": 1, \"rtt_ms\": 1}",
                              i ? "," : "", i);
    }
    snprintf(text + n, sizeof(text) - n, "]}");
    CHECK(n < sizeof(text) - 3);
    CHECK(parse(&st, text) == CHR_ERR_JSON);
}

void test_cpu(void)
{
    /* Proves /proc/stat's cpu line is read (busy is all but idle and iowait, guest counters
     * past the eighth ignored), a line that is not one is refused, and the permille between
     * two samples is exact, 0 when no time passed or the counters went back. */
    media_cpu_sample a, b;
    static const char l1[] = "cpu  100 0 100 700 100 0 0 0 55 55\ncpu0 1 2 3 4\n";
    CHECK_OK(media_cpu_parse(&a, l1, strlen(l1)));
    CHECK(a.total == 1000 && a.busy == 200);
    static const char l2[] = "cpu  400 0 400 1000 200 0 0 0\n";
    CHECK_OK(media_cpu_parse(&b, l2, strlen(l2)));
    CHECK(b.total == 2000 && b.busy == 800);
    CHECK(media_cpu_permille(&a, &b) == 600);
    CHECK(media_cpu_permille(&b, &a) == 0);
    CHECK(media_cpu_permille(&a, &a) == 0);
    static const char *const bad[] = {"",
                                      "cpu0 1 2 3 4\n",
                                      "cpu  1 2 3\n",
                                      "intr 1 2 3 4\n",
                                      "cpu  1 2 x 4\n",
                                      "cpu  1 2 3 12345678901234567890\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&a, 0xAA, sizeof(a));
        CHECK(media_cpu_parse(&a, bad[i], strlen(bad[i])) == CHR_ERR_ARG);
        CHECK(a.total == 0 && a.busy == 0);
    }
}

/* Adds an open meeting id0 ending at end_ms to s with n admitted people. */
static void open_meeting(media_state *s, uint8_t id0, size_t n, uint64_t end_ms, uint8_t status)
{
    uint8_t id[LEDGER_MEETING_ID_LEN] = {id0};
    media_meeting *m;
    CHECK_OK(media_state_add(s, id, &m));
    m->has_record = 1;
    m->rec.status = status;
    m->rec.end_ms = end_ms;
    for (size_t i = 0; i < n; i++) {
        m->persons[i].used = 1;
    }
}

void test_heartbeat_build(void)
{
    /* Proves the heartbeat the agent signs: without a report, the participants are the ones
     * admitted in open meetings (not finished, cancelled or past their end) and load is
     * over the capacity; a fresh report's figures and participants win, its meetings merge
     * with the table's (its participants when given, else the admitted ones), by increasing
     * id; a stale report is ignored; the result encodes and decodes back. */
    const uint64_t now = 1800000000000ull;
    uint8_t key[32];
    memset(key, 0x42, sizeof(key));
    media_state *s = calloc(1, sizeof(*s));
    ledger_heartbeat *hb = calloc(1, sizeof(*hb)), *back = calloc(1, sizeof(*back));
    CHECK(s != NULL && hb != NULL && back != NULL);
    open_meeting(s, 0x30, 3, now + 60000, MEDIA_MEETING_OPEN);
    open_meeting(s, 0x10, 2, now + 60000, MEDIA_MEETING_OPEN);
    open_meeting(s, 0x20, 5, now - 1, MEDIA_MEETING_OPEN);
    open_meeting(s, 0x40, 4, now + 60000, MEDIA_MEETING_FINISHED);
    media_stats st;
    memset(&st, 0, sizeof(st));
    media_heartbeat_build(hb, s, &st, 10, key, "chroom-test-1", now, 250);
    CHECK(hb->f.participants == 5 && hb->load_permille == 500 && hb->cpu_permille == 250);
    CHECK(hb->f.kbps_in == 0 && hb->meetings_len == 2);
    CHECK(hb->meetings[0].meeting_id[0] == 0x10 && hb->meetings[0].f.participants == 2);
    CHECK(hb->meetings[1].meeting_id[0] == 0x30 && hb->meetings[1].f.participants == 3);

    char err[64];
    static const char rep[] =
        "{\"kbps_in\": 900, \"kbps_out\": 1800, \"loss_bp\": 30, \"jitter_ms\": 6, \"rtt_ms\": 50,"
        " \"meetings\": [{\"meeting_id\": \"300000000000000000000000\", \"kbps_in\": 100, "
        "\"kbps_out\": 200, \"loss_bp\": 1, \"jitter_ms\": 2, \"rtt_ms\": 3}, "
        "{\"meeting_id\": \"050000000000000000000000\", \"participants\": 9, \"kbps_in\": 1, "
        "\"kbps_out\": 2, \"loss_bp\": 3, \"jitter_ms\": 4, \"rtt_ms\": 5}, "
        "{\"meeting_id\": \"060000000000000000000000\", \"kbps_in\": 1, "
        "\"kbps_out\": 2, \"loss_bp\": 3, \"jitter_ms\": 4, \"rtt_ms\": 5}]}";
    CHECK_OK(media_stats_parse(&st, rep, strlen(rep), err, sizeof(err)));
    st.time_ms = now - 1000;
    media_heartbeat_build(hb, s, &st, 0, key, "chroom-test-1", now, 2000);
    CHECK(hb->f.participants == 5 && hb->load_permille == 0 && hb->cpu_permille == 1000);
    CHECK(hb->f.kbps_in == 900 && hb->f.rtt_ms == 50 && hb->meetings_len == 4);
    CHECK(hb->meetings[0].meeting_id[0] == 0x05 && hb->meetings[0].f.participants == 9);
    CHECK(hb->meetings[1].meeting_id[0] == 0x06 && hb->meetings[1].f.participants == 0);
    CHECK(hb->meetings[2].meeting_id[0] == 0x10 && hb->meetings[2].f.kbps_in == 0);
    CHECK(hb->meetings[3].meeting_id[0] == 0x30 && hb->meetings[3].f.participants == 3 &&
          hb->meetings[3].f.kbps_in == 100);
    uint8_t bytes[LEDGER_HEARTBEAT_BYTES_MAX];
    size_t len = 0;
    CHECK_OK(ledger_heartbeat_encode(hb, bytes, sizeof(bytes), &len));
    CHECK_OK(ledger_heartbeat_decode(back, bytes, len));
    CHECK(memcmp(back, hb, sizeof(*hb)) == 0);

    st.has_participants = 1;
    st.f.participants = 40;
    media_heartbeat_build(hb, s, &st, 10, key, "chroom-test-1", now, 0);
    CHECK(hb->f.participants == 40 && hb->load_permille == 1000);
    st.time_ms = now - MEDIA_STATS_STALE_MS - 1;
    media_heartbeat_build(hb, s, &st, 10, key, "chroom-test-1", now, 0);
    CHECK(hb->f.participants == 5 && hb->f.kbps_in == 0 && hb->meetings_len == 2);

    /* More open meetings than a heartbeat holds: the first 32 by id. */
    for (unsigned i = 0; i < 40; i++) {
        open_meeting(s, (uint8_t)(0x80 + i), 1, now + 1, MEDIA_MEETING_OPEN);
    }
    media_heartbeat_build(hb, s, &st, 10, key, "chroom-test-1", now, 0);
    CHECK(hb->meetings_len == LEDGER_HEARTBEAT_MEETINGS_MAX && hb->f.participants == 45);
    CHECK(hb->meetings[0].meeting_id[0] == 0x10 && hb->meetings[31].meeting_id[0] == 0x80 + 29);
    CHECK_OK(ledger_heartbeat_encode(hb, bytes, sizeof(bytes), &len));
    free(s);
    free(hb);
    free(back);
}
