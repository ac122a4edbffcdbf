/* The agent's table of tracked meetings, the planning of settle batches, and the state
 * file's JSON (docs/MEDIA-AGENT.md, "Settlement" and "State file"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "media/agent.h"

#define MEDIA_STATE_VERSION 1

media_meeting *media_state_find(media_state *s, const uint8_t id[LEDGER_MEETING_ID_LEN])
{
    for (size_t i = 0; i < MEDIA_MEETINGS_MAX; i++) {
        if (s->meetings[i].used && memcmp(s->meetings[i].id, id, LEDGER_MEETING_ID_LEN) == 0) {
            return &s->meetings[i];
        }
    }
    return NULL;
}

chr_err media_state_add(media_state *s, const uint8_t id[LEDGER_MEETING_ID_LEN],
                        media_meeting **out)
{
    *out = media_state_find(s, id);
    if (*out != NULL) {
        return CHR_OK;
    }
    for (size_t i = 0; i < MEDIA_MEETINGS_MAX; i++) {
        if (!s->meetings[i].used) {
            memset(&s->meetings[i], 0, sizeof(s->meetings[i]));
            s->meetings[i].used = 1;
            memcpy(s->meetings[i].id, id, LEDGER_MEETING_ID_LEN);
            *out = &s->meetings[i];
            return CHR_OK;
        }
    }
    return CHR_ERR_FULL;
}

void media_meeting_credit(media_meeting *m, uint8_t index, const uint8_t *bytes, size_t credit_len)
{
    CHR_ASSERT(index < MEDIA_PERSONS_MAX);
    CHR_ASSERT(credit_len > 0 && credit_len <= CREDIT_BYTES_MAX);
    media_person *p = &m->persons[index];
    p->used = 1;
    p->credit_len = (uint16_t)credit_len;
    memcpy(p->credit, bytes, credit_len);
}

int media_meeting_person(const media_meeting *m, const char *participant, size_t id_len)
{
    for (size_t i = 0; i < MEDIA_PERSONS_MAX; i++) {
        credit c;
        const media_person *p = &m->persons[i];
        if (p->used && credit_decode(&c, p->credit, p->credit_len) == CREDIT_VALID &&
            c.participant_id_len == id_len && memcmp(c.participant_id, participant, id_len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

void media_meeting_usage(media_meeting *m, uint8_t index, uint32_t minutes)
{
    CHR_ASSERT(index < MEDIA_PERSONS_MAX);
    media_person *p = &m->persons[index];
    p->minutes = minutes > UINT32_MAX - p->minutes ? UINT32_MAX : p->minutes + minutes;
}

credit_result media_meeting_receipt(media_meeting *m, uint8_t index, uint32_t minutes,
                                    const uint8_t sig[64], const char *chain_id,
                                    const uint8_t node_key[32])
{
    CHR_ASSERT(index < MEDIA_PERSONS_MAX);
    media_person *p = &m->persons[index];
    credit c;
    if (!p->used || credit_decode(&c, p->credit, p->credit_len) != CREDIT_VALID || !c.has_key ||
        minutes == 0) {
        return CREDIT_BAD_FIELD;
    }
    credit_result r = credit_receipt_verify(sig, c.participant_key, chain_id, strlen(chain_id),
                                            m->id, node_key, minutes);
    if (r == CREDIT_VALID && minutes > p->receipt_minutes) {
        p->receipt_minutes = minutes;
        memcpy(p->receipt_sig, sig, sizeof(p->receipt_sig));
    }
    return r;
}

uint32_t media_person_claimable(const media_meeting *m, uint8_t index)
{
    CHR_ASSERT(index < MEDIA_PERSONS_MAX);
    const media_person *p = &m->persons[index];
    credit c;
    if (!p->used || !m->has_record || credit_decode(&c, p->credit, p->credit_len) != CREDIT_VALID) {
        return 0;
    }
    uint32_t bound = c.minutes_max < m->rec.duration_min ? c.minutes_max : m->rec.duration_min;
    uint32_t n = p->minutes < bound ? p->minutes : bound;
    n = p->receipt_minutes <= bound && p->receipt_minutes >= n ? p->receipt_minutes : n;
    return n > p->claimed ? n : 0;
}

void media_plan_batches(const media_meeting *m, media_batch out[MEDIA_BATCHES_MAX], size_t *n_out)
{
    size_t n = 0;
    memset(out, 0, MEDIA_BATCHES_MAX * sizeof(out[0]));
    for (size_t i = 0; i < MEDIA_PERSONS_MAX; i++) {
        uint32_t minutes = media_person_claimable(m, (uint8_t)i);
        credit c;
        if (minutes == 0 ||
            credit_decode(&c, m->persons[i].credit, m->persons[i].credit_len) != CREDIT_VALID) {
            continue;
        }
        if (n == 0 || out[n - 1].claims_len == LEDGER_SETTLE_CLAIMS_MAX) {
            n++;
        }
        CHR_ASSERT(n <= MEDIA_BATCHES_MAX);
        ledger_claim *cl = &out[n - 1].claims[out[n - 1].claims_len++];
        cl->index = (uint8_t)i;
        cl->minutes = minutes;
        cl->credit_minutes_max = c.minutes_max;
        cl->credit_not_before_ms = c.not_before_ms;
        cl->credit_expiry_ms = c.expiry_ms;
        memcpy(cl->credit_sig, c.sig, sizeof(cl->credit_sig));
        cl->has_receipt = m->persons[i].receipt_minutes == minutes;
        if (cl->has_receipt) {
            memcpy(cl->receipt_sig, m->persons[i].receipt_sig, sizeof(cl->receipt_sig));
        }
    }
    *n_out = n;
}

/* ---- The state file. ---- */

static json_t *hex_json(const uint8_t *b, size_t len)
{
    char hex[2 * CREDIT_BYTES_MAX + 1];
    CHR_ASSERT(len <= CREDIT_BYTES_MAX);
    chr_hex_encode(hex, sizeof(hex), b, len);
    return json_string(hex);
}

static json_t *meeting_json(const media_meeting *m)
{
    json_t *persons = json_array();
    for (size_t i = 0; i < MEDIA_PERSONS_MAX; i++) {
        const media_person *p = &m->persons[i];
        if (!p->used) {
            continue;
        }
        json_t *o = json_pack("{s:i,s:o,s:I,s:I}", "index", (json_int_t)i, "credit",
                              hex_json(p->credit, p->credit_len), "minutes", (json_int_t)p->minutes,
                              "claimed", (json_int_t)p->claimed);
        if (p->receipt_minutes != 0) {
            json_object_set_new(o, "receipt_minutes", json_integer(p->receipt_minutes));
            json_object_set_new(o, "receipt", hex_json(p->receipt_sig, 64));
        }
        json_array_append_new(persons, o);
    }
    return json_pack("{s:o,s:o}", "meeting_id", hex_json(m->id, LEDGER_MEETING_ID_LEN), "persons",
                     persons);
}

char *media_state_encode(const media_state *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < MEDIA_MEETINGS_MAX; i++) {
        if (s->meetings[i].used) {
            json_array_append_new(arr, meeting_json(&s->meetings[i]));
        }
    }
    json_t *o = json_pack("{s:i,s:o,s:I}", "version", MEDIA_STATE_VERSION, "meetings", arr,
                          "watched_height", (json_int_t)s->watched_height);
    char *text = o != NULL ? json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return text;
}

/* A JSON integer in 0..max into *out. */
static int json_u32(const json_t *j, uint32_t max, uint32_t *out)
{
    json_int_t v = json_integer_value(j);
    if (!json_is_integer(j) || v < 0 || (uint64_t)v > max) {
        return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

/* One person of a meeting's "persons" into m; 0 for a malformed one. */
static int person_decode(media_meeting *m, const json_t *p)
{
    uint32_t index, minutes, claimed, receipt_minutes = 0;
    const char *hex = json_string_value(json_object_get(p, "credit"));
    const char *receipt = json_string_value(json_object_get(p, "receipt"));
    uint8_t sig[64];
    size_t fields = receipt != NULL ? 6 : 4;
    uint8_t buf[CREDIT_BYTES_MAX];
    size_t len = 0;
    credit c;
    if (!json_is_object(p) || json_object_size(p) != fields ||
        (receipt != NULL &&
         (!json_u32(json_object_get(p, "receipt_minutes"), UINT32_MAX, &receipt_minutes) ||
          receipt_minutes == 0 || strlen(receipt) != 128 ||
          chr_hex_decode_exact(sig, sizeof(sig), receipt, 128) != CHR_OK)) ||
        !json_u32(json_object_get(p, "index"), MEDIA_PERSONS_MAX - 1, &index) ||
        !json_u32(json_object_get(p, "minutes"), UINT32_MAX, &minutes) ||
        !json_u32(json_object_get(p, "claimed"), UINT32_MAX, &claimed) || hex == NULL ||
        strlen(hex) > 2 * CREDIT_BYTES_MAX ||
        chr_hex_decode(buf, sizeof(buf), &len, hex, strlen(hex)) != CHR_OK ||
        credit_decode(&c, buf, len) != CREDIT_VALID ||
        memcmp(c.meeting_id, m->id, LEDGER_MEETING_ID_LEN) != 0 || m->persons[index].used) {
        return 0;
    }
    media_meeting_credit(m, (uint8_t)index, buf, len);
    m->persons[index].minutes = minutes;
    m->persons[index].claimed = claimed;
    m->persons[index].receipt_minutes = receipt_minutes;
    if (receipt_minutes != 0) {
        memcpy(m->persons[index].receipt_sig, sig, sizeof(sig));
    }
    return 1;
}

/* One meeting of the file into s; an error naming what is wrong. */
static chr_err meeting_decode(media_state *s, const json_t *j, char *errmsg, size_t errmsg_cap)
{
    const char *hex = json_string_value(json_object_get(j, "meeting_id"));
    const json_t *persons = json_object_get(j, "persons");
    uint8_t id[LEDGER_MEETING_ID_LEN];
    media_meeting *m;
    if (!json_is_object(j) || json_object_size(j) != 2 || hex == NULL ||
        strlen(hex) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode_exact(id, sizeof(id), hex, strlen(hex)) != CHR_OK ||
        !json_is_array(persons) || json_array_size(persons) > MEDIA_PERSONS_MAX ||
        media_state_find(s, id) != NULL) {
        snprintf(errmsg, errmsg_cap, "a meeting is malformed or repeated");
        return CHR_ERR_JSON;
    }
    chr_err e = media_state_add(s, id, &m);
    if (e != CHR_OK) {
        snprintf(errmsg, errmsg_cap, "more than %d meetings", MEDIA_MEETINGS_MAX);
        return e;
    }
    size_t i;
    const json_t *p;
    json_array_foreach(persons, i, p) {
        if (!person_decode(m, p)) {
            snprintf(errmsg, errmsg_cap, "meeting %s: person %zu is malformed", hex, i);
            return CHR_ERR_JSON;
        }
    }
    return CHR_OK;
}

chr_err media_state_decode(media_state *s, const char *text, size_t text_len, char *errmsg,
                           size_t errmsg_cap)
{
    json_error_t je;
    memset(s, 0, sizeof(*s));
    json_t *j = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &je);
    const json_t *meetings = json_object_get(j, "meetings");
    chr_err e = CHR_OK;
    if (j == NULL) {
        snprintf(errmsg, errmsg_cap, "not JSON: line %d: %s", je.line, je.text);
        e = CHR_ERR_JSON;
    } else if (!json_is_object(j) || json_object_size(j) != 3 ||
               json_integer_value(json_object_get(j, "version")) != MEDIA_STATE_VERSION ||
               !json_is_array(meetings) || !json_is_integer(json_object_get(j, "watched_height")) ||
               json_integer_value(json_object_get(j, "watched_height")) < 0) {
        snprintf(errmsg, errmsg_cap, "not a version %d state file", MEDIA_STATE_VERSION);
        e = CHR_ERR_JSON;
    }
    s->watched_height = (uint64_t)json_integer_value(json_object_get(j, "watched_height"));
    size_t i;
    const json_t *m;
    json_array_foreach(meetings, i, m) {
        e = e ? e : meeting_decode(s, m, errmsg, errmsg_cap);
    }
    json_decref(j);
    if (e != CHR_OK) {
        memset(s, 0, sizeof(*s));
    }
    return e;
}
