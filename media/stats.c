/* The heartbeat's figures (docs/MEDIA-AGENT.md, "Heartbeats"): the media server's report
 * (POST /stats), the CPU's use from /proc/stat, and the heartbeat built from them and the
 * agent's table. Pure: the edges read the file, sign and send (media/heartbeat.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "media/agent.h"

/* A figure's name and its bound. */
typedef struct stats_field {
    const char *name;
    uint32_t max;
} stats_field;

/* The figures of ledger_hb_figures but participants, in its order. */
static const stats_field figure_fields[] = {
    {"kbps_in", LEDGER_HEARTBEAT_KBPS_MAX},    {"kbps_out", LEDGER_HEARTBEAT_KBPS_MAX},
    {"loss_bp", LEDGER_HEARTBEAT_LOSS_BP_MAX}, {"jitter_ms", LEDGER_HEARTBEAT_MS_MAX},
    {"rtt_ms", LEDGER_HEARTBEAT_MS_MAX},
};
#define FIGURES_LEN (sizeof(figure_fields) / sizeof(figure_fields[0]))

/* An integer member of o within 0..max into *out; 0 when absent (and not required) or bad. */
static int take_u32(const json_t *o, const char *name, uint32_t max, uint32_t *out)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        return 0;
    }
    *out = (uint32_t)json_integer_value(v);
    return 1;
}

/* o's figures into *f and *has_participants; the keys it holds beyond them and extra (NULL
 * or the one more key allowed) make it fail. NULL, or the field that is wrong. */
static const char *take_figures(const json_t *o, const char *extra, ledger_hb_figures *f,
                                uint8_t *has_participants)
{
    uint32_t v[FIGURES_LEN];
    for (size_t i = 0; i < FIGURES_LEN; i++) {
        if (!take_u32(o, figure_fields[i].name, figure_fields[i].max, &v[i])) {
            return figure_fields[i].name;
        }
    }
    size_t known = FIGURES_LEN + (extra != NULL && json_object_get(o, extra) != NULL);
    *has_participants = json_object_get(o, "participants") != NULL;
    if (*has_participants &&
        !take_u32(o, "participants", LEDGER_MEDIA_CAPACITY_MAX, &f->participants)) {
        return "participants";
    }
    if (json_object_size(o) != known + *has_participants) {
        return "an unknown field";
    }
    f->kbps_in = v[0];
    f->kbps_out = v[1];
    f->loss_bp = (uint16_t)v[2];
    f->jitter_ms = v[3];
    f->rtt_ms = v[4];
    return NULL;
}

/* The meetings array a into out. NULL, or what is wrong. */
static const char *take_meetings(const json_t *a, media_stats *out)
{
    if (!json_is_array(a) || json_array_size(a) > LEDGER_HEARTBEAT_MEETINGS_MAX) {
        return "meetings: an array of at most 32";
    }
    size_t i;
    const json_t *m;
    json_array_foreach(a, i, m) {
        media_stats_meeting *sm = &out->meetings[i];
        const char *hex = json_string_value(json_object_get(m, "meeting_id"));
        if (!json_is_object(m) || hex == NULL || strlen(hex) != 2 * LEDGER_MEETING_ID_LEN ||
            chr_hex_decode_exact(sm->id, LEDGER_MEETING_ID_LEN, hex, strlen(hex)) != CHR_OK) {
            return "meetings[].meeting_id";
        }
        if (take_figures(m, "meeting_id", &sm->f, &sm->has_participants) != NULL) {
            return "meetings[]: a figure";
        }
        for (size_t k = 0; k < i; k++) {
            if (memcmp(out->meetings[k].id, sm->id, LEDGER_MEETING_ID_LEN) == 0) {
                return "meetings[].meeting_id: twice";
            }
        }
        out->meetings_len = (uint8_t)(i + 1);
    }
    return NULL;
}

chr_err media_stats_parse(media_stats *out, const char *text, size_t text_len, char *errmsg,
                          size_t errmsg_cap)
{
    memset(out, 0, sizeof(*out));
    json_t *j = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *meetings = json_object_get(j, "meetings");
    const char *why = json_is_object(j) ? NULL : "the body: a JSON object";
    why = why ? why : take_figures(j, "meetings", &out->f, &out->has_participants);
    why = why ? why : (meetings != NULL ? take_meetings(meetings, out) : NULL);
    json_decref(j);
    if (why != NULL) {
        snprintf(errmsg, errmsg_cap, "%s", why);
        memset(out, 0, sizeof(*out));
        return CHR_ERR_JSON;
    }
    CHR_ASSERT(out->meetings_len <= LEDGER_HEARTBEAT_MEETINGS_MAX);
    return CHR_OK;
}

chr_err media_cpu_parse(media_cpu_sample *out, const char *text, size_t text_len)
{
    memset(out, 0, sizeof(*out));
    if (text_len < 4 || memcmp(text, "cpu ", 4) != 0) {
        return CHR_ERR_ARG;
    }
    uint64_t v[8] = {0};
    size_t n = 0, i = 4;
    while (i < text_len && text[i] != '\n' && n < 8) {
        while (i < text_len && text[i] == ' ') {
            i++;
        }
        size_t digits = 0;
        uint64_t x = 0;
        while (i < text_len && text[i] >= '0' && text[i] <= '9' && digits < 18) {
            x = x * 10 + (uint64_t)(text[i++] - '0');
            digits++;
        }
        if (digits == 0 || (i < text_len && text[i] != ' ' && text[i] != '\n')) {
            break;
        }
        v[n++] = x;
    }
    if (n < 4) {
        return CHR_ERR_ARG;
    }
    /* Each counter has at most 18 digits (a longer one stops the parse), so eight of them
     * sum below 8 x 10^18, within a u64. */
    uint64_t total = 0;
    for (size_t k = 0; k < n; k++) {
        total += v[k];
    }
    uint64_t idle = v[3] + v[4];
    out->total = total;
    out->busy = total > idle ? total - idle : 0;
    return CHR_OK;
}

uint16_t media_cpu_permille(const media_cpu_sample *prev, const media_cpu_sample *cur)
{
    if (cur->total <= prev->total || cur->busy < prev->busy) {
        return 0;
    }
    uint64_t dt = cur->total - prev->total, db = cur->busy - prev->busy;
    if (db >= dt) {
        return 1000;
    }
    /* Both are below 8 x 10^18 (media_cpu_parse), so db x 1000 may overflow: divide first
     * when it would. */
    uint64_t p = db <= UINT64_MAX / 1000 ? db * 1000 / dt : db / (dt / 1000);
    return (uint16_t)(p > 1000 ? 1000 : p);
}

/* The entry of meeting id in hb's meetings, kept in increasing id order: the existing one,
 * or a new one inserted in its place; NULL when it is new and the list is full. */
static ledger_hb_meeting *meeting_entry(ledger_heartbeat *hb, const uint8_t id[12], int *is_new)
{
    size_t at = 0;
    int c = 1;
    while (at < hb->meetings_len && (c = memcmp(hb->meetings[at].meeting_id, id, 12)) < 0) {
        at++;
    }
    *is_new = at == hb->meetings_len || c != 0;
    if (!*is_new) {
        return &hb->meetings[at];
    }
    if (hb->meetings_len == LEDGER_HEARTBEAT_MEETINGS_MAX) {
        return NULL;
    }
    memmove(&hb->meetings[at + 1], &hb->meetings[at],
            (hb->meetings_len - at) * sizeof(hb->meetings[0]));
    memset(&hb->meetings[at], 0, sizeof(hb->meetings[0]));
    memcpy(hb->meetings[at].meeting_id, id, 12);
    hb->meetings_len++;
    return &hb->meetings[at];
}

/* The people admitted in m when it is open at now_ms (its record read, not finished nor
 * past its end), else 0. */
static uint32_t admitted_now(const media_meeting *m, uint64_t now_ms)
{
    if (!m->used || !m->has_record || m->rec.status != MEDIA_MEETING_OPEN ||
        now_ms >= m->rec.end_ms) {
        return 0;
    }
    uint32_t n = 0;
    for (size_t i = 0; i < MEDIA_PERSONS_MAX; i++) {
        n += m->persons[i].used;
    }
    return n;
}

void media_heartbeat_build(ledger_heartbeat *hb, const media_state *s, const media_stats *st,
                           uint64_t capacity, const uint8_t node_key[32], const char *chain_id,
                           uint64_t time_ms, uint16_t cpu_permille)
{
    static const media_stats none;
    CHR_ASSERT(time_ms > 0);
    memset(hb, 0, sizeof(*hb));
    hb->chain_id_len = (uint8_t)strlen(chain_id);
    memcpy(hb->chain_id, chain_id, hb->chain_id_len);
    memcpy(hb->node_key, node_key, 32);
    hb->time_ms = time_ms;
    hb->cpu_permille = cpu_permille > 1000 ? 1000 : cpu_permille;
    if (st->time_ms == 0 || time_ms > st->time_ms + MEDIA_STATS_STALE_MS) {
        st = &none;
    }
    hb->f = st->f;
    int is_new;
    for (size_t i = 0; i < st->meetings_len; i++) {
        ledger_hb_meeting *e = meeting_entry(hb, st->meetings[i].id, &is_new);
        if (e != NULL && is_new) {
            e->f = st->meetings[i].f;
            e->f.participants = st->meetings[i].has_participants ? e->f.participants : UINT32_MAX;
        }
    }
    uint64_t admitted = 0;
    for (size_t i = 0; i < MEDIA_MEETINGS_MAX; i++) {
        uint32_t n = admitted_now(&s->meetings[i], time_ms);
        ledger_hb_meeting *e = n > 0 ? meeting_entry(hb, s->meetings[i].id, &is_new) : NULL;
        admitted += n;
        if (e != NULL && (is_new || e->f.participants == UINT32_MAX)) {
            e->f.participants = n;
        }
    }
    for (size_t i = 0; i < hb->meetings_len; i++) {
        /* A meeting of st without participants that the agent has no open record of. */
        hb->meetings[i].f.participants =
            hb->meetings[i].f.participants == UINT32_MAX ? 0 : hb->meetings[i].f.participants;
    }
    if (!st->has_participants) {
        hb->f.participants =
            (uint32_t)(admitted < LEDGER_MEDIA_CAPACITY_MAX ? admitted : LEDGER_MEDIA_CAPACITY_MAX);
    }
    uint64_t load = capacity > 0 ? (uint64_t)hb->f.participants * 1000 / capacity : 0;
    hb->load_permille = (uint16_t)(load > 1000 ? 1000 : load);
    CHR_ASSERT(hb->meetings_len <= LEDGER_HEARTBEAT_MEETINGS_MAX);
    CHR_ASSERT(hb->f.participants <= LEDGER_MEDIA_CAPACITY_MAX);
}
