/* A meeting's record as the ledger node answers it, and the admission check a media node
 * runs on a credit (docs/MEDIA-AGENT.md, "POST /verify"). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/hex.h"
#include "media/agent.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian): H. Hinnant's days_from_civil. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits of s as a number; -1 when any is not a digit. */
static int64_t digits(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

uint64_t media_time_parse(const char *s)
{
    static const char shape[] = "0000-00-00T00:00:00.000Z";
    if (s == NULL || strlen(s) != sizeof(shape) - 1) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] != '0' && s[i] != shape[i]) {
            return 0;
        }
    }
    int64_t y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int64_t h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    int64_t ms = digits(s + 20, 3);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 59 || ms < 0) {
        return 0;
    }
    int64_t days = days_from_civil(y, mo, d);
    return (uint64_t)((((days * 24 + h) * 60 + mi) * 60 + sec) * 1000 + ms);
}

/* A JSON string of 1..LEDGER_MEETING_ID_STR_MAX bytes into out; 0 otherwise. */
static int id_field(const json_t *v, char *out, uint8_t *out_len)
{
    const char *s = json_string_value(v);
    size_t len = s != NULL ? strlen(s) : 0;
    if (s == NULL || len == 0 || len > LEDGER_MEETING_ID_STR_MAX) {
        return 0;
    }
    memcpy(out, s, len);
    *out_len = (uint8_t)len;
    return 1;
}

static int hex_field(const json_t *j, const char *key, uint8_t *out, size_t len)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s != NULL && strlen(s) == 2 * len && chr_hex_decode_exact(out, len, s, 2 * len) == 0;
}

/* The fields of a meeting's JSON into r; the name of the first bad one, or NULL. */
static const char *record_fields(media_record *r, const json_t *j)
{
    const char *payer = json_string_value(json_object_get(j, "payer"));
    const char *status = json_string_value(json_object_get(j, "status"));
    json_int_t duration = json_integer_value(json_object_get(j, "duration"));
    const json_t *list = json_object_get(j, "participants");
    if (!hex_field(j, "meeting_id", r->id, LEDGER_MEETING_ID_LEN)) {
        return "meeting_id";
    }
    if (payer == NULL || chr_address_decode(r->payer, payer, strlen(payer)) != CHR_OK) {
        return "payer";
    }
    if (!hex_field(j, "media_node", r->node_key, 32)) {
        return "media_node";
    }
    if (duration <= 0 || duration > LEDGER_MEETING_DURATION_MAX_MIN) {
        return "duration";
    }
    r->duration_min = (uint32_t)duration;
    r->end_ms = media_time_parse(json_string_value(json_object_get(j, "end_time")));
    if (r->end_ms == 0) {
        return "end_time";
    }
    r->status = status == NULL                   ? 0
                : strcmp(status, "created") == 0 ? MEDIA_MEETING_OPEN
                : strcmp(status, "ended") == 0 || strcmp(status, "expired") == 0
                    ? MEDIA_MEETING_FINISHED
                : strcmp(status, "cancelled") == 0 ? MEDIA_MEETING_CANCELLED
                                                   : 0;
    if (r->status == 0) {
        return "status";
    }
    if (!id_field(json_object_get(j, "host"), r->host, &r->host_len)) {
        return "host";
    }
    if (!json_is_array(list) || json_array_size(list) > LEDGER_MEETING_PARTICIPANTS_MAX) {
        return "participants";
    }
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v) {
        if (!id_field(v, r->participants[i], &r->participant_lens[i])) {
            return "participants";
        }
    }
    r->participants_len = (uint8_t)i;
    return NULL;
}

chr_err media_record_parse(media_record *out, const char *text, size_t text_len, char *errmsg,
                           size_t errmsg_cap)
{
    json_error_t je;
    memset(out, 0, sizeof(*out));
    json_t *j = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &je);
    const char *bad = j == NULL || !json_is_object(j) ? "the answer" : record_fields(out, j);
    json_decref(j);
    if (bad != NULL) {
        snprintf(errmsg, errmsg_cap, "the node's meeting record: %s is missing or malformed", bad);
        memset(out, 0, sizeof(*out));
        return CHR_ERR_JSON;
    }
    return CHR_OK;
}

const char *media_check_credit(const media_record *r, const uint8_t node_key[32],
                               const char *chain_id, const uint8_t *credit_bytes, size_t credit_len,
                               uint64_t now_ms, uint8_t *index)
{
    credit c;
    *index = 0;
    credit_result v = credit_verify(&c, credit_bytes, credit_len, r->payer, node_key, chain_id,
                                    strlen(chain_id), r->id, now_ms);
    if (v != CREDIT_VALID) {
        return credit_result_name(v);
    }
    /* The credit names this node, but the chain may have allocated the meeting elsewhere:
     * then the chain would refuse our claims, so the participant is not admitted. */
    if (memcmp(r->node_key, node_key, 32) != 0) {
        return MEDIA_DENY_NOT_ON_NODE;
    }
    if (r->status == MEDIA_MEETING_CANCELLED) {
        return MEDIA_DENY_CANCELLED;
    }
    if (c.role == CREDIT_ROLE_HOST) {
        int same = c.participant_id_len == r->host_len &&
                   memcmp(c.participant_id, r->host, r->host_len) == 0;
        return same ? NULL : MEDIA_DENY_NOT_IN_MEETING;
    }
    for (size_t i = 0; i < r->participants_len; i++) {
        if (c.participant_id_len == r->participant_lens[i] &&
            memcmp(c.participant_id, r->participants[i], r->participant_lens[i]) == 0) {
            *index = (uint8_t)(i + 1);
            CHR_ASSERT(*index < MEDIA_PERSONS_MAX);
            return NULL;
        }
    }
    return MEDIA_DENY_NOT_IN_MEETING;
}
