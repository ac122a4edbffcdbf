#include "ledger/meetings.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "ledger/media.h"
#include "ledger/settle.h"

#define MS_PER_MIN 60000ull
/* The load entry's natural key: node key || u64 end_ms || meeting id. */
#define LOAD_KEY_LEN (32 + 8 + LEDGER_MEETING_ID_LEN)
#define LOAD_VALUE_LEN 12
/* Load entries read per scan call. */
#define LOAD_PAGE 16

_Static_assert(LEDGER_MEETING_DURATION_MAX_MIN * MS_PER_MIN + LEDGER_MEETING_AHEAD_MAX_MS <
                   UINT64_MAX / 4,
               "meeting times near any block time cannot overflow");

void ledger_meeting_id(uint8_t out[LEDGER_MEETING_ID_LEN], const uint8_t tx_hash[32])
{
    memcpy(out, tx_hash, LEDGER_MEETING_ID_LEN);
}

chr_err ledger_meeting_escrow(uint64_t *out, uint64_t price, uint32_t participants,
                              uint32_t duration_min)
{
    uint64_t per_min;
    chr_err err = chr_mul_u64(&per_min, price, (uint64_t)participants + 1);
    err = err ? err : chr_mul_u64(out, per_min, duration_min);
    if (err != CHR_OK) {
        *out = 0;
    }
    return err;
}

const char *ledger_meeting_status_name(const ledger_meeting *m, uint64_t now_ms, uint64_t grace_ms)
{
    switch (m->status) {
    case LEDGER_MEETING_CREATED:
        return now_ms > m->end_ms + grace_ms ? "expired" : "created";
    case LEDGER_MEETING_ENDED:
        return "ended";
    case LEDGER_MEETING_CANCELLED:
        return "cancelled";
    default:
        return "unknown";
    }
}

/* An ID of the seed's ("Host ID", "participant IDs"): printable ASCII without spaces, which
 * every app's user id and every chr1 address is. */
static int id_str_valid(const char *s, size_t len)
{
    if (len == 0 || len > LEDGER_MEETING_ID_STR_MAX) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

chr_err ledger_meeting_encode(const ledger_meeting *m, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    chr_enc enc;
    chr_enc_init(&enc, out, out_cap);
    chr_enc_u8(&enc, m->status);
    chr_enc_raw(&enc, m->payer, 32);
    chr_enc_raw(&enc, m->node_key, 32);
    chr_enc_raw(&enc, m->tx_hash, 32);
    chr_enc_u64(&enc, m->created_height);
    chr_enc_u64(&enc, m->start_ms);
    chr_enc_u64(&enc, m->end_ms);
    chr_enc_u64(&enc, m->closed_ms);
    chr_enc_u32(&enc, m->duration_min);
    chr_enc_u64(&enc, m->price);
    chr_enc_u64(&enc, m->escrow);
    chr_enc_u8(&enc, m->participants);
    chr_enc_bytes8(&enc, m->title, m->title_len);
    chr_enc_bytes8(&enc, (const uint8_t *)m->host, m->host_len);
    chr_enc_bytes8(&enc, (const uint8_t *)m->region, m->region_len);
    return chr_enc_finish(&enc, out_len);
}

/* A bytes8 field of at most max bytes into out; over max is `too_long`. */
static chr_err dec_str(chr_dec *dec, uint8_t *out, uint8_t *out_len, size_t max, chr_err too_long)
{
    const uint8_t *p;
    size_t n;
    chr_err err = chr_dec_bytes8(dec, &p, &n, max);
    if (err == CHR_OK) {
        memcpy(out, p, n);
        *out_len = (uint8_t)n;
    }
    return err == CHR_ERR_TOO_LONG ? too_long : err;
}

chr_err ledger_meeting_decode(ledger_meeting *out, const uint8_t id[LEDGER_MEETING_ID_LEN],
                              const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u8(&dec, &out->status);
    err = err ? err : chr_dec_raw(&dec, out->payer, 32);
    err = err ? err : chr_dec_raw(&dec, out->node_key, 32);
    err = err ? err : chr_dec_raw(&dec, out->tx_hash, 32);
    err = err ? err : chr_dec_u64(&dec, &out->created_height);
    err = err ? err : chr_dec_u64(&dec, &out->start_ms);
    err = err ? err : chr_dec_u64(&dec, &out->end_ms);
    err = err ? err : chr_dec_u64(&dec, &out->closed_ms);
    err = err ? err : chr_dec_u32(&dec, &out->duration_min);
    err = err ? err : chr_dec_u64(&dec, &out->price);
    err = err ? err : chr_dec_u64(&dec, &out->escrow);
    err = err ? err : chr_dec_u8(&dec, &out->participants);
    err =
        err ? err
            : dec_str(&dec, out->title, &out->title_len, LEDGER_MEETING_TITLE_MAX, CHR_ERR_MEETING);
    err = err ? err
              : dec_str(&dec, (uint8_t *)out->host, &out->host_len, LEDGER_MEETING_ID_STR_MAX,
                        CHR_ERR_MEETING);
    err = err ? err
              : dec_str(&dec, (uint8_t *)out->region, &out->region_len, LEDGER_MEDIA_REGION_MAX,
                        CHR_ERR_MEETING);
    err = err ? err : chr_dec_finish(&dec);
    if (err == CHR_OK &&
        (out->status < LEDGER_MEETING_CREATED || out->status > LEDGER_MEETING_CANCELLED ||
         out->end_ms != out->start_ms + out->duration_min * MS_PER_MIN || out->participants == 0 ||
         out->participants > LEDGER_MEETING_PARTICIPANTS_MAX ||
         !ledger_utf8_valid(out->title, out->title_len) ||
         !id_str_valid(out->host, out->host_len))) {
        err = CHR_ERR_MEETING;
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    memcpy(out->id, id, LEDGER_MEETING_ID_LEN);
    return CHR_OK;
}

static void participants_encode(chr_enc *enc, const ledger_meeting_body *b)
{
    chr_enc_u8(enc, b->participants_len);
    if (b->participants_bytes > 0) {
        chr_enc_raw(enc, b->participants, b->participants_bytes);
    }
}

/* The list where it lies in dec's bytes: b refers to it (the lifetime rule of
 * ledger/tx.h), each ID's offset noted and its length checked. */
static chr_err participants_decode(chr_dec *dec, ledger_meeting_body *b)
{
    chr_err err = chr_dec_u8(dec, &b->participants_len);
    if (err == CHR_OK && b->participants_len > LEDGER_MEETING_PARTICIPANTS_MAX) {
        return CHR_ERR_MEETING;
    }
    size_t start = dec->pos;
    b->participants = dec->buf + start;
    for (size_t i = 0; i < b->participants_len && err == CHR_OK; i++) {
        const uint8_t *p;
        size_t n;
        b->participant_offs[i] = (uint16_t)(dec->pos - start);
        err = chr_dec_bytes8(dec, &p, &n, LEDGER_MEETING_ID_STR_MAX);
        err = err == CHR_ERR_TOO_LONG ? CHR_ERR_MEETING : err;
    }
    CHR_ASSERT(err != CHR_OK || dec->pos - start <= LEDGER_MEETING_PARTICIPANTS_BYTES_MAX);
    b->participants_bytes = (uint16_t)(dec->pos - start);
    return err;
}

chr_err ledger_meeting_participant_get(const ledger_tx *tx, size_t i, const char **id,
                                       size_t *id_len)
{
    const ledger_meeting_body *b = &tx->body.meeting;
    *id = NULL;
    *id_len = 0;
    if (tx->type != LEDGER_TX_MEETING_CREATE || i >= b->participants_len) {
        return CHR_ERR_ARG;
    }
    CHR_ASSERT(b->participant_offs[i] < b->participants_bytes);
    const uint8_t *p = b->participants + b->participant_offs[i];
    *id_len = p[0];
    *id = (const char *)(p + 1);
    return CHR_OK;
}

chr_err ledger_meeting_participant_add(ledger_tx *tx, uint8_t *buf, size_t buf_cap, const char *id,
                                       size_t id_len)
{
    ledger_meeting_body *b = &tx->body.meeting;
    CHR_ASSERT(tx->type == LEDGER_TX_MEETING_CREATE);
    CHR_ASSERT(b->participants == NULL || b->participants == buf);
    if (b->participants_len == LEDGER_MEETING_PARTICIPANTS_MAX ||
        id_len > LEDGER_MEETING_ID_STR_MAX) {
        return CHR_ERR_MEETING;
    }
    size_t at = b->participants_bytes;
    if (buf_cap < at || buf_cap - at < 1 + id_len) {
        return CHR_ERR_TOO_LONG;
    }
    buf[at] = (uint8_t)id_len;
    if (id_len > 0) {
        memcpy(buf + at + 1, id, id_len);
    }
    b->participants = buf;
    b->participant_offs[b->participants_len++] = (uint16_t)at;
    b->participants_bytes = (uint16_t)(at + 1 + id_len);
    return CHR_OK;
}

/* ---- The participant list in state: chunks of whole IDs ---- */

void ledger_meeting_people_key(uint8_t out[LEDGER_MEETING_PEOPLE_KEY_LEN],
                               const uint8_t id[LEDGER_MEETING_ID_LEN], uint8_t chunk)
{
    memcpy(out, id, LEDGER_MEETING_ID_LEN);
    out[LEDGER_MEETING_ID_LEN] = chunk;
}

chr_err ledger_meeting_people_chunk_decode(ledger_meeting_people *p, const uint8_t *in,
                                           size_t in_len)
{
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    uint8_t n;
    chr_err err = chr_dec_u8(&dec, &n);
    if (err == CHR_OK && (n == 0 || n > LEDGER_MEETING_PARTICIPANTS_MAX - p->participants_len)) {
        return CHR_ERR_MEETING;
    }
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        size_t k = p->participants_len;
        err = dec_str(&dec, (uint8_t *)p->participants[k], &p->participant_lens[k],
                      LEDGER_MEETING_ID_STR_MAX, CHR_ERR_MEETING);
        p->participants_len += err == CHR_OK;
    }
    return err ? err : chr_dec_finish(&dec);
}

chr_err ledger_meeting_people_get(ledger_objects *t, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                  uint8_t count, ledger_meeting_people *out)
{
    memset(out, 0, sizeof(*out));
    chr_err err = CHR_OK;
    for (uint8_t c = 0; out->participants_len < count && err == CHR_OK; c++) {
        uint8_t key[LEDGER_MEETING_PEOPLE_KEY_LEN], v[LEDGER_OBJECT_VALUE_MAX];
        size_t len;
        int found;
        ledger_meeting_people_key(key, id, c);
        err = ledger_object_get(t, LEDGER_STATE_MEETING_PARTICIPANTS, key, sizeof(key), v, &len,
                                &found);
        if (err == CHR_OK && (!found || c == LEDGER_MEETING_PEOPLE_CHUNKS_MAX ||
                              ledger_meeting_people_chunk_decode(out, v, len) != CHR_OK)) {
            err = CHR_ERR_STORE; /* the record's count and its list disagree */
        }
    }
    return err == CHR_OK && out->participants_len != count ? CHR_ERR_STORE : err;
}

void ledger_meeting_tx_encode(chr_enc *enc, const ledger_tx *tx)
{
    if (tx->type == LEDGER_TX_MEETING_END) {
        chr_enc_raw(enc, tx->body.meeting_end.id, LEDGER_MEETING_ID_LEN);
        return;
    }
    const ledger_meeting_body *b = &tx->body.meeting;
    chr_enc_bytes8(enc, b->title, b->title_len);
    chr_enc_bytes8(enc, (const uint8_t *)b->host, b->host_len);
    participants_encode(enc, b);
    chr_enc_u32(enc, b->duration_min);
    chr_enc_u64(enc, b->start_ms);
    chr_enc_bytes8(enc, (const uint8_t *)b->region, b->region_len);
    chr_enc_u8(enc, b->has_preferred);
    if (b->has_preferred) {
        chr_enc_raw(enc, b->preferred, 32);
    }
}

chr_err ledger_meeting_tx_decode(chr_dec *dec, ledger_tx *tx)
{
    if (tx->type == LEDGER_TX_MEETING_END) {
        return chr_dec_raw(dec, tx->body.meeting_end.id, LEDGER_MEETING_ID_LEN);
    }
    ledger_meeting_body *b = &tx->body.meeting;
    chr_err err = dec_str(dec, b->title, &b->title_len, LEDGER_MEETING_TITLE_MAX, CHR_ERR_MEETING);
    err = err ? err
              : dec_str(dec, (uint8_t *)b->host, &b->host_len, LEDGER_MEETING_ID_STR_MAX,
                        CHR_ERR_MEETING);
    err = err ? err : participants_decode(dec, b);
    err = err ? err : chr_dec_u32(dec, &b->duration_min);
    err = err ? err : chr_dec_u64(dec, &b->start_ms);
    err = err ? err
              : dec_str(dec, (uint8_t *)b->region, &b->region_len, LEDGER_MEDIA_REGION_MAX,
                        CHR_ERR_MEETING);
    err = err ? err : chr_dec_u8(dec, &b->has_preferred);
    if (err == CHR_OK && b->has_preferred > 1) {
        return CHR_ERR_NONCANONICAL;
    }
    if (err == CHR_OK && b->has_preferred) {
        err = chr_dec_raw(dec, b->preferred, 32);
    }
    return err;
}

_Static_assert(LEDGER_MEETING_PARTICIPANTS_MAX == 127, "the participants rule names the maximum");

static const char *participants_rule(const ledger_tx *tx)
{
    const ledger_meeting_body *b = &tx->body.meeting;
    if (b->participants_len == 0 || b->participants_len > LEDGER_MEETING_PARTICIPANTS_MAX) {
        return "participants: 1..127 IDs";
    }
    for (size_t i = 0; i < b->participants_len; i++) {
        const char *id;
        size_t len;
        CHR_ASSERT(ledger_meeting_participant_get(tx, i, &id, &len) == CHR_OK);
        if (!id_str_valid(id, len)) {
            return "participants: each 1..64 printable ASCII characters without spaces";
        }
        if (len == b->host_len && memcmp(id, b->host, len) == 0) {
            return "participants: the host is counted apart, not as a participant";
        }
        for (size_t k = 0; k < i; k++) {
            const char *other;
            size_t other_len;
            CHR_ASSERT(ledger_meeting_participant_get(tx, k, &other, &other_len) == CHR_OK);
            if (other_len == len && memcmp(other, id, len) == 0) {
                return "participants: an ID is repeated";
            }
        }
    }
    return NULL;
}

chr_err ledger_meeting_tx_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                                size_t detail_cap)
{
    if (tx->fee < params->fee_transfer) {
        snprintf(detail, detail_cap, "fee: minimum %llu, got %llu",
                 (unsigned long long)params->fee_transfer, (unsigned long long)tx->fee);
        return CHR_ERR_FEE;
    }
    if (tx->type == LEDGER_TX_MEETING_END) {
        return CHR_OK;
    }
    const ledger_meeting_body *b = &tx->body.meeting;
    const char *bad = NULL;
    if (b->title_len == 0 || !ledger_utf8_valid(b->title, b->title_len)) {
        bad = "title: 1..64 bytes of UTF-8";
    } else if (!id_str_valid(b->host, b->host_len)) {
        bad = "host: 1..64 printable ASCII characters without spaces";
    } else if ((bad = participants_rule(tx)) != NULL) {
        /* bad is set */
    } else if (b->duration_min == 0 || b->duration_min > LEDGER_MEETING_DURATION_MAX_MIN) {
        bad = "duration: 1..1440 minutes";
    } else if (b->region_len > 0 && !ledger_media_region_valid(b->region, b->region_len)) {
        bad = "region: 1..16 characters of [a-z0-9-]";
    }
    if (bad != NULL) {
        snprintf(detail, detail_cap, "%s", bad);
        return CHR_ERR_MEETING;
    }
    return CHR_OK;
}

chr_err ledger_meeting_tx_verify_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    (void)tx;
    (void)kc;
    return CHR_OK; /* a preferred node that is not a key is simply never registered */
}

int ledger_meeting_tx_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    (void)tx;
    memset(out, 0, 32);
    return 0;
}

static void load_key(uint8_t out[LOAD_KEY_LEN], const uint8_t node_key[32], uint64_t end_ms,
                     const uint8_t *id)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LOAD_KEY_LEN);
    chr_enc_raw(&enc, node_key, 32);
    chr_enc_u64(&enc, end_ms);
    chr_enc_raw(&enc, id, LEDGER_MEETING_ID_LEN);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK && len == LOAD_KEY_LEN);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* The load entries of node_key whose end is after from_ms, page by page: calls visit on
 * each (end_ms, start_ms, load) until it returns 0 or LOAD_SCAN_MAX were read (*capped 1). */
typedef int (*load_visit_fn)(void *ctx, uint64_t end_ms, uint64_t start_ms, uint32_t load);

static chr_err load_walk(ledger_objects *t, const uint8_t node_key[32], uint64_t from_ms,
                         load_visit_fn visit, void *ctx, int *capped)
{
    static const uint8_t ones[LEDGER_MEETING_ID_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    ledger_object page[LOAD_PAGE];
    uint8_t after[LOAD_KEY_LEN];
    load_key(after, node_key, from_ms, ones);
    size_t read = 0;
    *capped = 0;
    for (;;) {
        size_t n;
        chr_err err = ledger_object_scan(t, LEDGER_STATE_MEDIA_LOAD, node_key, 32, after,
                                         LOAD_KEY_LEN, page, LOAD_PAGE, &n);
        if (err != CHR_OK || n == 0) {
            return err;
        }
        for (size_t i = 0; i < n; i++) {
            CHR_ASSERT(page[i].natural_len == LOAD_KEY_LEN && page[i].value_len == LOAD_VALUE_LEN);
            if (++read > LEDGER_MEETING_LOAD_SCAN_MAX) {
                *capped = 1;
                return CHR_OK;
            }
            uint64_t start_ms = be64(page[i].value);
            uint32_t load = (uint32_t)(be64(page[i].value + 4) & 0xffffffffu);
            if (!visit(ctx, be64(page[i].natural + 32), start_ms, load)) {
                return CHR_OK;
            }
        }
        memcpy(after, page[n - 1].natural, LOAD_KEY_LEN);
    }
}

typedef struct span_sum {
    uint64_t start_ms, end_ms;
    uint64_t used;
} span_sum;

/* Sums the loads that overlap [start, end); stops past the entries that could (one whose
 * end is a whole maximum duration after this end began after it). */
static int sum_overlap(void *ctx, uint64_t end_ms, uint64_t start_ms, uint32_t load)
{
    span_sum *s = ctx;
    if (end_ms >= s->end_ms + LEDGER_MEETING_DURATION_MAX_MIN * MS_PER_MIN) {
        return 0;
    }
    if (start_ms < s->end_ms) {
        s->used += load;
    }
    return 1;
}

static int first_open(void *ctx, uint64_t end_ms, uint64_t start_ms, uint32_t load)
{
    (void)start_ms;
    (void)load;
    *(uint64_t *)ctx = end_ms;
    return 0;
}

chr_err ledger_meetings_node_busy(ledger_objects *t, const uint8_t node_key[32], uint64_t now_ms,
                                  uint64_t grace_ms, int *busy, uint64_t *end_ms)
{
    *end_ms = 0;
    int capped;
    /* Open: end_ms + grace_ms > now_ms, so end_ms > now_ms - grace_ms. */
    chr_err err = load_walk(t, node_key, now_ms > grace_ms ? now_ms - grace_ms : 0, first_open,
                            end_ms, &capped);
    *busy = err == CHR_OK && *end_ms != 0;
    return err;
}

static int last_open(void *ctx, uint64_t end_ms, uint64_t start_ms, uint32_t load)
{
    (void)start_ms;
    (void)load;
    *(uint64_t *)ctx = end_ms; /* entries come in end order: the last one seen is the latest */
    return 1;
}

chr_err ledger_meetings_node_open_until(ledger_objects *t, const uint8_t node_key[32],
                                        uint64_t now_ms, uint64_t grace_ms, uint64_t *until_ms)
{
    uint64_t end_ms = 0;
    int capped;
    *until_ms = 0;
    chr_err err = load_walk(t, node_key, now_ms > grace_ms ? now_ms - grace_ms : 0, last_open,
                            &end_ms, &capped);
    if (err != CHR_OK) {
        return err;
    }
    if (capped) {
        /* More open meetings than one walk reads: the latest any can end, as a meeting starts
         * at most AHEAD_MAX after its block and lasts at most DURATION_MAX. */
        end_ms =
            now_ms + LEDGER_MEETING_AHEAD_MAX_MS + LEDGER_MEETING_DURATION_MAX_MIN * MS_PER_MIN;
    }
    *until_ms = end_ms == 0 ? 0 : end_ms + grace_ms; /* all bounded: no overflow */
    return CHR_OK;
}

/* Whether n can take need more over [start, end): *score when it can, else 0. */
static chr_err node_score(ledger_objects *t, const ledger_meeting_params *mp,
                          const ledger_media_node *n, uint32_t need, uint64_t start_ms,
                          uint64_t end_ms, uint64_t *score)
{
    *score = 0;
    if (n->status != LEDGER_MEDIA_ACTIVE) {
        return CHR_OK;
    }
    span_sum s = {.start_ms = start_ms, .end_ms = end_ms};
    int capped;
    chr_err err = load_walk(t, n->node_key, start_ms, sum_overlap, &s, &capped);
    if (err != CHR_OK || capped || s.used + need > n->capacity) {
        return err;
    }
    uint64_t permille = (n->capacity - s.used - need) * 1000 / n->capacity;
    uint64_t weight = n->bond / mp->media_node_min_bond;
    weight = weight < 1 ? 1 : weight > 8 ? 8 : weight;
    *score = (permille + 1) * weight; /* + 1: a node filled exactly still qualifies */
    return CHR_OK;
}

/* Up to LEDGER_MEETING_CANDIDATES_MAX node keys of kind (the region list, prefix
 * region || 0x00, or every record) from the seed on, wrapping around. */
static chr_err candidates(ledger_objects *t, ledger_state_kind kind, const uint8_t *prefix,
                          size_t prefix_len, const uint8_t seed[32],
                          uint8_t keys[LEDGER_MEETING_CANDIDATES_MAX][32], size_t *n)
{
    ledger_object page[LEDGER_MEETING_CANDIDATES_MAX];
    uint8_t from[LEDGER_MEDIA_REGION_MAX + 33];
    memcpy(from, prefix, prefix_len);
    memcpy(from + prefix_len, seed, 32);
    size_t got;
    *n = 0;
    chr_err err = ledger_object_scan(t, kind, prefix, prefix_len, from, prefix_len + 32, page,
                                     LEDGER_MEETING_CANDIDATES_MAX, &got);
    for (size_t i = 0; i < got && err == CHR_OK; i++) {
        memcpy(keys[(*n)++], page[i].natural + page[i].natural_len - 32, 32);
    }
    if (err != CHR_OK || got == LEDGER_MEETING_CANDIDATES_MAX) {
        return err;
    }
    /* Fewer after the seed than wanted: every key after it is taken, so wrap to the first
     * and stop at the seed. */
    err = ledger_object_scan(t, kind, prefix, prefix_len, NULL, 0, page,
                             LEDGER_MEETING_CANDIDATES_MAX - got, &got);
    for (size_t i = 0; i < got && err == CHR_OK; i++) {
        if (ledger_object_natural_cmp(page[i].natural, page[i].natural_len, from, prefix_len + 32) >
            0) {
            break;
        }
        memcpy(keys[(*n)++], page[i].natural + page[i].natural_len - 32, 32);
    }
    return err;
}

/* A candidate of kind/prefix drawn with probability proportional to its score, by the
 * seed: *found 0 when none qualifies. */
static chr_err pick(ledger_objects *t, const ledger_meeting_params *mp, ledger_state_kind kind,
                    const uint8_t *prefix, size_t prefix_len, const uint8_t seed[32], uint32_t need,
                    uint64_t start_ms, uint64_t end_ms, uint8_t out[32], int *found)
{
    uint8_t keys[LEDGER_MEETING_CANDIDATES_MAX][32];
    uint64_t scores[LEDGER_MEETING_CANDIDATES_MAX];
    size_t n;
    uint64_t total = 0;
    chr_err err = candidates(t, kind, prefix, prefix_len, seed, keys, &n);
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        ledger_media_node node;
        int exists;
        err = ledger_media_node_get(t, keys[i], &node, &exists);
        CHR_ASSERT(err != CHR_OK || exists); /* a region entry names a record */
        err = err ? err : node_score(t, mp, &node, need, start_ms, end_ms, &scores[i]);
        total += err == CHR_OK ? scores[i] : 0; /* each at most 8008: no overflow */
    }
    *found = err == CHR_OK && total > 0;
    if (!*found) {
        return err;
    }
    /* The draw uses the seed's last 8 bytes; its first 32 placed the window. */
    uint64_t r = 0;
    for (size_t i = 24; i < 32; i++) {
        r = (r << 8) | seed[i];
    }
    r %= total;
    for (size_t i = 0; i < n; i++) {
        if (r < scores[i]) {
            memcpy(out, keys[i], 32);
            return CHR_OK;
        }
        r -= scores[i];
    }
    CHR_ASSERT(0); /* r < total = the sum of the scores */
    return CHR_ERR_INTERNAL;
}

chr_err ledger_meeting_allocate(ledger_objects *t, const ledger_meeting_params *mp,
                                uint8_t node_key[32], const uint8_t seed[32], const char *region,
                                size_t region_len, const uint8_t *preferred, uint32_t need,
                                uint64_t start_ms, uint64_t end_ms)
{
    CHR_ASSERT(region_len <= LEDGER_MEDIA_REGION_MAX);
    memset(node_key, 0, 32);
    int found = 0;
    chr_err err = CHR_OK;
    if (preferred != NULL) {
        ledger_media_node node;
        uint64_t score = 0;
        err = ledger_media_node_get(t, preferred, &node, &found);
        if (err == CHR_OK && found) {
            err = node_score(t, mp, &node, need, start_ms, end_ms, &score);
        }
        found = score > 0;
        if (found) {
            memcpy(node_key, preferred, 32);
        }
    }
    if (err == CHR_OK && !found && region_len > 0) {
        uint8_t prefix[LEDGER_MEDIA_REGION_MAX + 1];
        memcpy(prefix, region, region_len);
        prefix[region_len] = 0;
        err = pick(t, mp, LEDGER_STATE_MEDIA_REGION, prefix, region_len + 1, seed, need, start_ms,
                   end_ms, node_key, &found);
    }
    if (err == CHR_OK && !found) {
        static const uint8_t any[1];
        err = pick(t, mp, LEDGER_STATE_MEDIA_NODE, any, 0, seed, need, start_ms, end_ms, node_key,
                   &found);
    }
    if (err == CHR_OK && !found) {
        err = CHR_ERR_NO_MEDIA_NODE;
    }
    return err;
}

/* The seed of an allocation: the previous block's hash fixes it only once that block is
 * committed, so no submitter can aim a meeting at a node ahead of time beyond naming it as
 * preferred, which the rule allows anyway. */
static void alloc_seed(uint8_t out[32], const uint8_t prev_hash[32],
                       const uint8_t id[LEDGER_MEETING_ID_LEN])
{
    uint8_t msg[32 + LEDGER_MEETING_ID_LEN] = {0};
    if (prev_hash != NULL) { /* NULL: an environment without one reads as all zeros */
        memcpy(msg, prev_hash, 32);
    }
    memcpy(msg + 32, id, LEDGER_MEETING_ID_LEN);
    chr_tagged_hash(out, "CHROOM/alloc", msg, sizeof(msg));
}

static chr_err meeting_put(ledger_objects *t, const ledger_meeting *m)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    CHR_ASSERT(ledger_meeting_encode(m, value, sizeof(value), &len) == CHR_OK);
    return ledger_object_put(t, LEDGER_STATE_MEETING, m->id, LEDGER_MEETING_ID_LEN, value, len);
}

size_t ledger_meeting_host_key(uint8_t out[LEDGER_MEETING_ID_STR_MAX + 1 + LEDGER_MEETING_ID_LEN],
                               const char *host, size_t host_len,
                               const uint8_t id[LEDGER_MEETING_ID_LEN])
{
    CHR_ASSERT(host_len <= LEDGER_MEETING_ID_STR_MAX);
    memcpy(out, host, host_len);
    out[host_len] = 0;
    memcpy(out + host_len + 1, id, LEDGER_MEETING_ID_LEN);
    return host_len + 1 + LEDGER_MEETING_ID_LEN;
}

/* The payer's and the host's list entries of a new meeting (value 01: the key says all). */
static chr_err meeting_lists(ledger_objects *t, const ledger_meeting *m)
{
    static const uint8_t one = 1;
    uint8_t key[LEDGER_MEETING_ID_STR_MAX + 1 + LEDGER_MEETING_ID_LEN];
    memcpy(key, m->payer, 32);
    memcpy(key + 32, m->id, LEDGER_MEETING_ID_LEN);
    chr_err err = ledger_object_put(t, LEDGER_STATE_MEETING_BY_PAYER, key,
                                    32 + LEDGER_MEETING_ID_LEN, &one, 1);
    size_t len = ledger_meeting_host_key(key, m->host, m->host_len, m->id);
    return err ? err : ledger_object_put(t, LEDGER_STATE_MEETING_BY_HOST, key, len, &one, 1);
}

/* The chunks the participant list of b takes in state: whole IDs, as many as fit one object
 * value each, in order (ledger_meeting_people_get reads them back). */
static size_t people_chunks(const ledger_tx *tx)
{
    const ledger_meeting_body *b = &tx->body.meeting;
    size_t chunks = 0, used = LEDGER_OBJECT_VALUE_MAX;
    for (size_t i = 0; i < b->participants_len; i++) {
        const char *id;
        size_t len;
        CHR_ASSERT(ledger_meeting_participant_get(tx, i, &id, &len) == CHR_OK);
        if (used + 1 + len > LEDGER_OBJECT_VALUE_MAX) {
            chunks++;
            used = 1;
        }
        used += 1 + len;
    }
    CHR_ASSERT(chunks <= LEDGER_MEETING_PEOPLE_CHUNKS_MAX);
    return chunks;
}

static chr_err people_put(ledger_objects *t, const uint8_t *id, uint8_t chunk, uint8_t *v,
                          size_t len)
{
    uint8_t key[LEDGER_MEETING_PEOPLE_KEY_LEN];
    ledger_meeting_people_key(key, id, chunk);
    return ledger_object_put(t, LEDGER_STATE_MEETING_PARTICIPANTS, key, sizeof(key), v, len);
}

/* Writes the participant list of tx as people_chunks says: each chunk u8 n | n x bytes8. */
static chr_err people_write(ledger_objects *t, const ledger_meeting *m, const ledger_tx *tx)
{
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t used = 0;
    uint8_t chunk = 0;
    chr_err err = CHR_OK;
    for (size_t i = 0; i < tx->body.meeting.participants_len && err == CHR_OK; i++) {
        const char *id;
        size_t len;
        CHR_ASSERT(ledger_meeting_participant_get(tx, i, &id, &len) == CHR_OK);
        if (used > 0 && used + 1 + len > LEDGER_OBJECT_VALUE_MAX) {
            err = people_put(t, m->id, chunk++, v, used);
            used = 0;
        }
        if (used == 0) {
            v[0] = 0;
            used = 1;
        }
        v[0]++;
        v[used] = (uint8_t)len;
        memcpy(v + used + 1, id, len);
        used += 1 + len;
    }
    return err || used == 0 ? err : people_put(t, m->id, chunk, v, used);
}

/* The record of a new meeting, the list of its participants and its node's load entry. */
static chr_err meeting_write(ledger_objects *t, const ledger_meeting *m, const ledger_tx *tx)
{
    uint8_t buf[LOAD_VALUE_LEN];
    chr_enc enc;
    size_t len;
    chr_err err = meeting_put(t, m);
    err = err ? err : people_write(t, m, tx);
    uint8_t key[LOAD_KEY_LEN];
    load_key(key, m->node_key, m->end_ms, m->id);
    chr_enc_init(&enc, buf, sizeof(buf));
    chr_enc_u64(&enc, m->start_ms);
    chr_enc_u32(&enc, (uint32_t)m->participants + 1);
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK && len == LOAD_VALUE_LEN);
    return err ? err : ledger_object_put(t, LEDGER_STATE_MEDIA_LOAD, key, LOAD_KEY_LEN, buf, len);
}

/* The meeting a create would write, its times and escrow checked: CHR_ERR_MEETING,
 * CHR_ERR_OVERFLOW, CHR_ERR_BALANCE with detail. */
static chr_err meeting_draft(ledger_meeting *m, const ledger_tx *tx, const ledger_account *from,
                             const ledger_apply_env *env, const ledger_meeting_params *mp,
                             char *detail, size_t detail_cap)
{
    const ledger_meeting_body *b = &tx->body.meeting;
    memset(m, 0, sizeof(*m));
    m->start_ms = b->start_ms == 0 ? env->time_ms : b->start_ms;
    if (m->start_ms < env->time_ms || m->start_ms - env->time_ms > LEDGER_MEETING_AHEAD_MAX_MS) {
        snprintf(detail, detail_cap, "start_ms: from the block's time to 30 days after it");
        return CHR_ERR_MEETING;
    }
    chr_err err = ledger_meeting_escrow(&m->escrow, mp->price_per_participant_minute,
                                        b->participants_len, b->duration_min);
    uint64_t spend;
    if (err != CHR_OK) {
        snprintf(detail, detail_cap, "escrow: over 2^64 units");
        return err;
    }
    if (chr_add_u64(&spend, m->escrow, tx->fee) != CHR_OK || spend > from->balance) {
        snprintf(detail, detail_cap, "balance: %llu does not cover escrow %llu + fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)m->escrow,
                 (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    m->status = LEDGER_MEETING_CREATED;
    memcpy(m->payer, tx->from, 32);
    ledger_tx_hash(tx, m->tx_hash);
    ledger_meeting_id(m->id, m->tx_hash);
    m->created_height = env->height;
    m->duration_min = b->duration_min;
    m->end_ms = m->start_ms + b->duration_min * MS_PER_MIN; /* bounded: _Static_assert above */
    m->price = mp->price_per_participant_minute;
    m->participants = b->participants_len;
    m->title_len = b->title_len;
    memcpy(m->title, b->title, b->title_len);
    m->host_len = b->host_len;
    memcpy(m->host, b->host, b->host_len);
    m->region_len = b->region_len;
    memcpy(m->region, b->region, b->region_len);
    return CHR_OK;
}

_Static_assert(sizeof(LEDGER_MEETINGS_TOTALS_NAME) - 1 == LEDGER_MEETINGS_TOTALS_NAME_LEN,
               "the totals' name is its length, without the NUL");
static const uint8_t totals_name[LEDGER_MEETINGS_TOTALS_NAME_LEN] = LEDGER_MEETINGS_TOTALS_NAME;

void ledger_meetings_totals_encode(uint8_t out[LEDGER_MEETINGS_TOTALS_LEN],
                                   const ledger_meetings_totals *v)
{
    chr_put_u64be(out, v->escrowed);
    chr_put_u64be(out + 8, v->media_bonded);
}

chr_err ledger_meetings_totals_decode(ledger_meetings_totals *out, const uint8_t *in, size_t in_len)
{
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u64(&dec, &out->escrowed);
    err = err ? err : chr_dec_u64(&dec, &out->media_bonded);
    err = err ? err : chr_dec_finish(&dec);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_meetings_totals_get(ledger_objects *t, ledger_meetings_totals *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_object_get(t, LEDGER_STATE_GLOBAL, totals_name, sizeof(totals_name), value,
                                    &len, &found);
    if (err != CHR_OK || !found) {
        return err;
    }
    return ledger_meetings_totals_decode(out, value, len) == CHR_OK ? CHR_OK : CHR_ERR_STORE;
}

chr_err ledger_meetings_totals_move(ledger_objects *t, uint64_t escrow_in, uint64_t escrow_out,
                                    uint64_t bond_in, uint64_t bond_out)
{
    ledger_meetings_totals v;
    chr_err err = ledger_meetings_totals_get(t, &v);
    if (err != CHR_OK) {
        return err;
    }
    /* Every amount here is part of the supply, which is a u64: in never overflows, and out
     * never exceeds what came in. */
    CHR_ASSERT(chr_add_u64(&v.escrowed, v.escrowed, escrow_in) == CHR_OK);
    CHR_ASSERT(chr_add_u64(&v.media_bonded, v.media_bonded, bond_in) == CHR_OK);
    CHR_ASSERT(escrow_out <= v.escrowed);
    CHR_ASSERT(bond_out <= v.media_bonded);
    v.escrowed -= escrow_out;
    v.media_bonded -= bond_out;
    uint8_t value[LEDGER_MEETINGS_TOTALS_LEN];
    ledger_meetings_totals_encode(value, &v);
    return ledger_object_put(t, LEDGER_STATE_GLOBAL, totals_name, sizeof(totals_name), value,
                             sizeof(value));
}

/* Records read per scan call of the audit. */
#define AUDIT_BATCH 8

/* What the meeting or media-node record o holds outside the accounts, added to *sum: the
 * escrow still held, or an active node's bond. CHR_ERR_STATE_ROOT when undecodable. */
static chr_err audit_add(ledger_objects *t, ledger_state_kind kind, const ledger_object *o,
                         uint64_t *sum)
{
    uint64_t held = 0;
    if (kind == LEDGER_STATE_MEDIA_NODE) {
        ledger_media_node n;
        if (o->natural_len != 32 ||
            ledger_media_node_decode(&n, o->natural, o->value, o->value_len) != CHR_OK) {
            return CHR_ERR_STATE_ROOT;
        }
        held = n.status == LEDGER_MEDIA_ACTIVE ? n.bond : 0;
    } else {
        ledger_meeting m;
        ledger_settlement s;
        uint64_t out = 0;
        if (o->natural_len != LEDGER_MEETING_ID_LEN ||
            ledger_meeting_decode(&m, o->natural, o->value, o->value_len) != CHR_OK) {
            return CHR_ERR_STATE_ROOT;
        }
        chr_err err = ledger_settlement_get(t, o->natural, &s);
        if (err != CHR_OK) {
            return err;
        }
        if (chr_add_u64(&out, s.paid, s.protocol) != CHR_OK ||
            chr_add_u64(&out, out, s.refunded) != CHR_OK || out > m.escrow) {
            return CHR_ERR_STATE_ROOT;
        }
        held = m.escrow - out;
    }
    return chr_add_u64(sum, *sum, held) == CHR_OK ? CHR_OK : CHR_ERR_STATE_ROOT;
}

/* The sum of audit_add over every record of kind. */
static chr_err audit_sum(ledger_objects *t, ledger_state_kind kind, uint64_t *sum)
{
    ledger_object batch[AUDIT_BATCH];
    uint8_t after[LEDGER_STATE_NATURAL_KEY_MAX];
    size_t after_len = 0;
    *sum = 0;
    for (;;) {
        size_t n;
        chr_err err = ledger_object_scan(t, kind, NULL, 0, after_len ? after : NULL, after_len,
                                         batch, AUDIT_BATCH, &n);
        for (size_t i = 0; i < n && err == CHR_OK; i++) {
            err = audit_add(t, kind, &batch[i], sum);
        }
        if (err != CHR_OK || n < AUDIT_BATCH) {
            return err;
        }
        memcpy(after, batch[n - 1].natural, batch[n - 1].natural_len);
        after_len = batch[n - 1].natural_len;
    }
}

chr_err ledger_meetings_audit(ledger_objects *t, char *detail, size_t detail_cap)
{
    ledger_meetings_totals v;
    uint64_t escrowed, bonded;
    chr_err err = ledger_meetings_totals_get(t, &v);
    err = err ? err : audit_sum(t, LEDGER_STATE_MEETING, &escrowed);
    err = err ? err : audit_sum(t, LEDGER_STATE_MEDIA_NODE, &bonded);
    if (err == CHR_ERR_STATE_ROOT || err == CHR_ERR_STORE) {
        snprintf(detail, detail_cap, "meetings: an undecodable record or totals");
        return CHR_ERR_STATE_ROOT;
    }
    if (err == CHR_OK && (escrowed != v.escrowed || bonded != v.media_bonded)) {
        snprintf(detail, detail_cap,
                 "meetings: totals escrowed %llu, media_bonded %llu; records %llu, %llu",
                 (unsigned long long)v.escrowed, (unsigned long long)v.media_bonded,
                 (unsigned long long)escrowed, (unsigned long long)bonded);
        err = CHR_ERR_STATE_ROOT;
    }
    return err;
}

/* Moves amount out of the sender (with the fee, to the proposer) and `credit` to `to`
 * (NULL: nobody); the caller checked the balance and the room. */
static chr_err move(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                    const ledger_apply_env *env, uint64_t debit, const uint8_t *to, uint64_t credit)
{
    ledger_account sender = *from;
    sender.balance -= debit + tx->fee;
    sender.nonce += 1;
    chr_err err = ledger_overlay_put(o, tx->from, &sender);
    if (err == CHR_OK && tx->fee > 0) {
        err = ledger_overlay_credit(o, env->proposer, tx->fee);
    }
    if (err == CHR_OK && to != NULL && credit > 0) {
        err = ledger_overlay_credit(o, to, credit);
    }
    return err;
}

static chr_err meeting_create(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                              const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    const ledger_meeting_body *b = &tx->body.meeting;
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_meeting_params mp;
    ledger_meeting m;
    chr_err err = ledger_meeting_params_get(t, &mp);
    err = err ? err : meeting_draft(&m, tx, from, env, &mp, detail, detail_cap);
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    int found;
    err = err ? err
              : ledger_object_get(t, LEDGER_STATE_MEETING, m.id, LEDGER_MEETING_ID_LEN, value,
                                  &value_len, &found);
    if (err == CHR_OK && found) {
        snprintf(detail, detail_cap, "meeting_id: taken (a 96-bit collision)");
        return CHR_ERR_DUPLICATE;
    }
    uint8_t seed[32];
    if (err == CHR_OK) {
        alloc_seed(seed, env->prev_hash, m.id);
        err = ledger_meeting_allocate(t, &mp, m.node_key, seed, b->region, b->region_len,
                                      b->has_preferred ? b->preferred : NULL,
                                      (uint32_t)b->participants_len + 1, m.start_ms, m.end_ms);
        if (err == CHR_ERR_NO_MEDIA_NODE) {
            snprintf(detail, detail_cap,
                     "no media node has room for %u participants over %u "
                     "minutes",
                     (unsigned)b->participants_len + 1, (unsigned)b->duration_min);
        }
    }
    err = err ? err : ledger_tx_room(o, tx, env, LEDGER_MEETING_OBJECTS_BASE + people_chunks(tx));
    err = err ? err : meeting_write(t, &m, tx);
    err = err ? err : meeting_lists(t, &m);
    err = err ? err : ledger_settle_schedule(t, &m); /* its due time (ledger/settle.h) */
    err = err ? err : ledger_meetings_totals_move(t, m.escrow, 0, 0, 0);
    return err ? err : move(o, tx, from, env, m.escrow, NULL, 0);
}

/* Whether the sender may end m: its payer, or the host when the host ID is the sender's
 * address. */
static int may_end(const ledger_meeting *m, const uint8_t sender[32])
{
    uint8_t host_key[32];
    return memcmp(m->payer, sender, 32) == 0 ||
           (chr_address_decode(host_key, m->host, m->host_len) == CHR_OK &&
            memcmp(host_key, sender, 32) == 0);
}

static chr_err meeting_end(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                           const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    ledger_objects *t = ledger_overlay_objects(o);
    const uint8_t *id = tx->body.meeting_end.id;
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    int found;
    ledger_meeting m;
    chr_err err = ledger_object_get(t, LEDGER_STATE_MEETING, id, LEDGER_MEETING_ID_LEN, value,
                                    &value_len, &found);
    if (err != CHR_OK) {
        return err;
    }
    if (!found) {
        snprintf(detail, detail_cap, "meeting_id: no such meeting");
        return CHR_ERR_UNKNOWN_OBJECT;
    }
    CHR_ASSERT(ledger_meeting_decode(&m, id, value, value_len) == CHR_OK);
    if (!may_end(&m, tx->from)) {
        snprintf(detail, detail_cap, "meeting_id: only its payer or host may end it");
        return CHR_ERR_NOT_OWNER;
    }
    if (m.status != LEDGER_MEETING_CREATED) {
        snprintf(detail, detail_cap, "meeting_id: already %s",
                 m.status == LEDGER_MEETING_ENDED ? "ended" : "cancelled");
        return CHR_ERR_WRONG_STATE;
    }
    if (tx->fee > from->balance) {
        snprintf(detail, detail_cap, "balance: %llu does not cover fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    const uint8_t *payer = m.payer;
    if (ledger_overlay_missing(o, &payer, 1) + 2 > ledger_overlay_room(o)) {
        return CHR_ERR_FULL;
    }
    err = ledger_tx_room(o, tx, env, 3); /* the load entry, the record, the totals */
    uint64_t refund = 0;
    if (env->time_ms < m.start_ms) {
        /* Cancelled before it starts: the whole escrow goes back (issue 14). */
        refund = m.escrow;
        m.escrow = 0;
        m.status = LEDGER_MEETING_CANCELLED;
    } else {
        m.status = LEDGER_MEETING_ENDED; /* the escrow waits for settlement (issue 16) */
    }
    m.closed_ms = env->time_ms;
    uint8_t key[LOAD_KEY_LEN];
    load_key(key, m.node_key, m.end_ms, m.id);
    err = err ? err : ledger_object_delete(t, LEDGER_STATE_MEDIA_LOAD, key, LOAD_KEY_LEN, &found);
    err = err ? err : meeting_put(t, &m);
    err = err || refund == 0 ? err : ledger_meetings_totals_move(t, 0, refund, 0, 0);
    return err ? err : move(o, tx, from, env, 0, m.payer, refund);
}

chr_err ledger_meeting_tx_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                                const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    if (tx->type == LEDGER_TX_MEETING_END) {
        return meeting_end(o, tx, from, env, detail, detail_cap);
    }
    CHR_ASSERT(tx->type == LEDGER_TX_MEETING_CREATE);
    return meeting_create(o, tx, from, env, detail, detail_cap);
}
