/* The routes of the media tier and meetings (docs/API.md, "Meetings and media nodes"):
 * GET /api/v1/meetings/{meeting_id} and the seed-style GET /api/meetings/{meeting_id},
 * GET /api/v1/media-nodes (region and status filters, paginated) and
 * GET /api/v1/media-nodes/{id}. Each request reads one LMDB snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/hex.h"
#include "credit/credit.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "rpc/internal/analytics.h"
#include "rpc/internal/http.h"
#include "rpc/internal/list.h"
#include "rpc/internal/meetings.h"
#include "rpc/limits.h"
#include "rpc/render.h"

json_t *rpc_render_media_node(const ledger_media_node *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", rpc_json_hex(n->node_key, 32));
    json_object_set_new(o, "operator", rpc_json_address(n->operator_key));
    json_object_set_new(o, "status", json_string(ledger_media_status_name(n->status)));
    json_object_set_new(o, "bond", rpc_json_u64(n->bond));
    json_object_set_new(o, "capacity", json_integer(n->capacity));
    json_object_set_new(o, "endpoint", json_stringn(n->endpoint, n->endpoint_len));
    json_object_set_new(o, "region", json_stringn(n->region, n->region_len));
    json_object_set_new(o, "metadata", json_stringn((const char *)n->metadata, n->metadata_len));
    json_object_set_new(o, "registered_height", rpc_json_u64(n->registered_height));
    json_object_set_new(o, "unbond_after",
                        n->unbond_after_ms ? rpc_json_time(n->unbond_after_ms) : json_null());
    return o;
}

/* The seed's URL: the node's endpoint, the path and the id ("https://m.example/start/ab12"). */
json_t *rpc_meeting_url(const ledger_media_node *n, int found, const char *path, const char *id,
                        const char *credit_hex)
{
    if (!found) {
        return json_null(); /* the node left after its bond was released */
    }
    char url[LEDGER_MEDIA_ENDPOINT_MAX + 40 + 2 * CREDIT_BYTES_MAX];
    size_t len = n->endpoint_len;
    while (len > 0 && n->endpoint[len - 1] == '/') {
        len--;
    }
    /* A credit rides in the fragment (docs/CREDITS.md), which no server or proxy logs. */
    snprintf(url, sizeof(url), "%.*s/%s/%s%s%s", (int)len, n->endpoint, path, id,
             credit_hex != NULL ? "#credit=" : "", credit_hex != NULL ? credit_hex : "");
    return json_string(url);
}

json_t *rpc_render_meeting(const ledger_meeting *m, const ledger_meeting_people *participants,
                           const ledger_media_node *n, int node_found, uint64_t now_ms,
                           uint64_t grace_ms)
{
    char id[2 * LEDGER_MEETING_ID_LEN + 1];
    chr_hex_encode(id, sizeof(id), m->id, LEDGER_MEETING_ID_LEN);
    json_t *list = json_array();
    for (size_t i = 0; i < participants->participants_len; i++) {
        json_array_append_new(
            list, json_stringn(participants->participants[i], participants->participant_lens[i]));
    }
    json_t *o = json_object();
    json_object_set_new(o, "meeting_id", json_string(id));
    json_object_set_new(o, "status", json_string(ledger_meeting_status_name(m, now_ms, grace_ms)));
    json_object_set_new(o, "start_url", rpc_meeting_url(n, node_found, "start", id, NULL));
    json_object_set_new(o, "join_url", rpc_meeting_url(n, node_found, "join", id, NULL));
    json_object_set_new(o, "title", json_stringn((const char *)m->title, m->title_len));
    json_object_set_new(o, "host", json_stringn(m->host, m->host_len));
    json_object_set_new(o, "participants", list);
    json_object_set_new(o, "duration", json_integer(m->duration_min));
    json_object_set_new(o, "region",
                        m->region_len ? json_stringn(m->region, m->region_len) : json_null());
    json_object_set_new(o, "media_node", rpc_json_hex(m->node_key, 32));
    json_object_set_new(o, "payer", rpc_json_address(m->payer));
    json_object_set_new(o, "escrow", rpc_json_u64(m->escrow));
    json_object_set_new(o, "price_per_participant_minute", rpc_json_u64(m->price));
    json_object_set_new(o, "start_time", rpc_json_time(m->start_ms));
    json_object_set_new(o, "end_time", rpc_json_time(m->end_ms));
    json_object_set_new(o, "closed_time", m->closed_ms ? rpc_json_time(m->closed_ms) : json_null());
    json_object_set_new(o, "created_height", rpc_json_u64(m->created_height));
    json_object_set_new(o, "tx_hash", rpc_json_hex(m->tx_hash, 32));
    return o;
}

static void reply_store_error(rpc_reply *r)
{
    rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
    r->retry_after = 1;
}

/* One object of the snapshot: *found; CHR_ERR_STORE for a damaged row (logged). */
static chr_err read_object(ledger_store_read *rd, ledger_state_kind kind, const uint8_t *natural,
                           size_t natural_len, ledger_object *o, int *found)
{
    chr_err err = ledger_store_object(rd, kind, natural, natural_len, o, found);
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err;
}

static chr_err read_node(ledger_store_read *rd, const uint8_t key[32], ledger_media_node *n,
                         int *found)
{
    ledger_object o;
    chr_err err = read_object(rd, LEDGER_STATE_MEDIA_NODE, key, 32, &o, found);
    if (err == CHR_OK && *found) {
        err = ledger_media_node_decode(n, key, o.value, o.value_len);
    }
    return err == CHR_OK ? CHR_OK : CHR_ERR_STORE;
}

chr_err rpc_meeting_load(ledger_store_read *rd, const uint8_t id[LEDGER_MEETING_ID_LEN],
                         ledger_meeting *m, ledger_meeting_people *b, ledger_media_node *n,
                         int *node_found)
{
    ledger_object *o = malloc(sizeof(*o));
    int found = 0;
    *node_found = 0;
    chr_err err = o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    err = err ? err : read_object(rd, LEDGER_STATE_MEETING, id, LEDGER_MEETING_ID_LEN, o, &found);
    if (err == CHR_OK && !found) {
        err = CHR_ERR_NOT_FOUND;
    }
    if (err == CHR_OK && ledger_meeting_decode(m, id, o->value, o->value_len) != CHR_OK) {
        err = CHR_ERR_STORE;
    }
    /* The participant list's chunks, until the record's count is read. */
    memset(b, 0, sizeof(*b));
    for (uint8_t c = 0; err == CHR_OK && b->participants_len < m->participants; c++) {
        uint8_t key[LEDGER_MEETING_PEOPLE_KEY_LEN];
        ledger_meeting_people_key(key, id, c);
        err = c < LEDGER_MEETING_PEOPLE_CHUNKS_MAX
                  ? read_object(rd, LEDGER_STATE_MEETING_PARTICIPANTS, key, sizeof(key), o, &found)
                  : CHR_ERR_STORE;
        if (err == CHR_OK &&
            (!found || ledger_meeting_people_chunk_decode(b, o->value, o->value_len) != CHR_OK)) {
            err = CHR_ERR_STORE;
        }
    }
    if (err == CHR_OK && b->participants_len != m->participants) {
        err = CHR_ERR_STORE;
    }
    err = err ? err : read_node(rd, m->node_key, n, node_found);
    free(o);
    return err;
}

chr_err rpc_meeting_read(ledger_store_read *rd, const uint8_t id[LEDGER_MEETING_ID_LEN],
                         uint64_t now_ms, json_t **out)
{
    *out = NULL;
    ledger_object *o = malloc(sizeof(*o));
    ledger_meeting m;
    ledger_meeting_people *b = calloc(1, sizeof(*b));
    ledger_media_node n;
    ledger_meeting_params mp;
    int found = 0, node_found = 0;
    static const uint8_t empty[1];
    chr_err err = o == NULL || b == NULL ? CHR_ERR_NOMEM : CHR_OK;
    ledger_meeting_params_default(&mp);
    err = err ? err : read_object(rd, LEDGER_STATE_MEETING_PARAMS, empty, 0, o, &found);
    if (err == CHR_OK && found && ledger_meeting_params_decode(&mp, o->value, o->value_len)) {
        err = CHR_ERR_STORE;
    }
    err = err ? err : rpc_meeting_load(rd, id, &m, b, &n, &node_found);
    if (err == CHR_OK) {
        *out = rpc_render_meeting(&m, b, &n, node_found, now_ms, mp.grace_ms);
        err = *out == NULL ? CHR_ERR_NOMEM : CHR_OK;
    }
    free(o);
    free(b);
    return err;
}

void rpc_reply_meeting_error(rpc_reply *r, chr_err err)
{
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such meeting", NULL);
    } else if (err == CHR_ERR_NOMEM) {
        rpc_reply_nomem(r);
    } else {
        reply_store_error(r);
    }
}

/* The id segment: 24 hex characters. 0 and a 400 reply otherwise. */
int rpc_meeting_id_param(const char *seg, rpc_reply *r, uint8_t id[LEDGER_MEETING_ID_LEN])
{
    size_t len = 0;
    if (strlen(seg) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode(id, LEDGER_MEETING_ID_LEN, &len, seg, strlen(seg)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "meeting_id: 24 hex characters", "meeting_id");
        return 0;
    }
    return 1;
}

void rpc_handle_meeting(rpc_ctx *x, rpc_reply *r)
{
    uint8_t id[LEDGER_MEETING_ID_LEN];
    /* /api/v1/meetings/{id} and /api/meetings/{id}: the id is the last segment. */
    if (!rpc_meeting_id_param(x->segs[x->segs_len - 1], r, id)) {
        return;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r);
        return;
    }
    json_t *j;
    chr_err err = rpc_meeting_read(rd, id, tip.time_ms, &j);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        rpc_reply_meeting_error(r, err);
        return;
    }
    rpc_reply_json(r, 200, j);
}

chr_err rpc_media_node_json(ledger_store *store, const uint8_t key[32], json_t **out)
{
    *out = NULL;
    ledger_store_read *rd;
    if (ledger_store_read_begin(store, &rd) != CHR_OK) {
        return CHR_ERR_STORE;
    }
    ledger_media_node n;
    int found;
    chr_err err = read_node(rd, key, &n, &found);
    ledger_store_read_end(rd);
    err = err ? err : !found ? CHR_ERR_NOT_FOUND : CHR_OK;
    *out = err == CHR_OK ? rpc_render_media_node(&n) : NULL;
    return err == CHR_OK && *out == NULL ? CHR_ERR_NOMEM : err;
}

void rpc_handle_media_node(rpc_ctx *x, rpc_reply *r)
{
    uint8_t key[32];
    size_t len = 0;
    const char *seg = x->segs[3];
    if (strlen(seg) != 64 || chr_hex_decode(key, 32, &len, seg, 64) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "node_id: the node key, 64 hex characters", "node_id");
        return;
    }
    json_t *j;
    chr_err err = rpc_media_node_json(x->srv->be.store, key, &j);
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such media node", NULL);
    } else if (err != CHR_OK) {
        rpc_reply_meeting_error(r, err);
    } else {
        rpc_analytics_annotate(x, j, rpc_clock_unix_ms(), 0);
        rpc_reply_json(r, 200, j);
    }
}

/* The list's filters, from the query: 0 and a 400 on a bad value. */
static int node_filters(rpc_ctx *x, rpc_reply *r, const char **region, int *status)
{
    *region = rpc_query(x, "region");
    const char *s = rpc_query(x, "status");
    *status = 0;
    if (*region != NULL && !ledger_media_region_valid(*region, strlen(*region))) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "region: 1..16 characters of [a-z0-9-]", "region");
        return 0;
    }
    if (s != NULL) {
        *status = strcmp(s, "active") == 0      ? LEDGER_MEDIA_ACTIVE
                  : strcmp(s, "unbonding") == 0 ? LEDGER_MEDIA_UNBONDING
                                                : -1;
    }
    if (*status < 0) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "status: active or unbonding", "status");
        return 0;
    }
    return 1;
}

/* Fills arr with up to limit nodes after `after` (32 bytes) that pass the filters, reading
 * at most RPC_HISTORY_SCAN_MAX records; *more and *last say where the list goes on. */
static chr_err nodes_fill(ledger_store_read *rd, uint8_t after[32], size_t after_len,
                          const char *region, int status, size_t limit, json_t *arr, int *more)
{
    ledger_object *o = malloc(sizeof(*o));
    size_t scanned = 0;
    chr_err err = o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    *more = 0;
    while (err == CHR_OK) {
        static const uint8_t any[1];
        err = ledger_store_object_next(rd, LEDGER_STATE_MEDIA_NODE, any, 0,
                                       after_len ? after : NULL, after_len, o);
        if (err == CHR_ERR_NOT_FOUND) {
            err = CHR_OK;
            break;
        }
        ledger_media_node n;
        if (err == CHR_OK && ledger_media_node_decode(&n, o->natural, o->value, o->value_len)) {
            err = CHR_ERR_STORE;
        }
        if (err != CHR_OK) {
            break;
        }
        if (json_array_size(arr) == limit || ++scanned > RPC_HISTORY_SCAN_MAX) {
            *more = 1;
            break;
        }
        memcpy(after, o->natural, 32);
        after_len = 32;
        if ((region == NULL || strcmp(region, n.region) == 0) &&
            (status == 0 || status == n.status)) {
            json_array_append_new(arr, rpc_render_media_node(&n));
        }
    }
    free(o);
    return err;
}

void rpc_handle_media_nodes(rpc_ctx *x, rpc_reply *r)
{
    rpc_media_nodes_list(x, r, 0);
}

void rpc_media_nodes_list(rpc_ctx *x, rpc_reply *r, int analytics)
{
    size_t limit;
    rpc_cursor cur;
    int has_cursor, status;
    const char *region;
    if (!rpc_list_params(x, r, RPC_CURSOR_MEDIA_NODES, &limit, &cur, &has_cursor) ||
        !node_filters(x, r, &region, &status)) {
        return;
    }
    /* A cursor names the first 12 bytes of the last key given out (as validators do):
     * the page goes on after every key that starts with them. */
    uint8_t after[32];
    memset(after, 0, sizeof(after));
    if (has_cursor) {
        chr_put_u64be(after, cur.height);
        chr_put_u32be(after + 8, cur.index);
        memset(after + 12, 0xff, 20);
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r);
        return;
    }
    json_t *arr = json_array();
    int more;
    chr_err err = nodes_fill(rd, after, has_cursor ? 32 : 0, region, status, limit, arr, &more);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        json_decref(arr);
        rpc_reply_meeting_error(r, err == CHR_ERR_NOMEM ? err : CHR_ERR_STORE);
        return;
    }
    uint64_t now = rpc_clock_unix_ms();
    size_t i;
    json_t *el;
    json_array_foreach(arr, i, el) {
        rpc_analytics_annotate(x, el, now, analytics);
    }
    json_t *next = json_null();
    if (more) {
        rpc_cursor c = {RPC_CURSOR_MEDIA_NODES, chr_get_u64be(after), chr_get_u32be(after + 8)};
        char s[RPC_CURSOR_STR_LEN + 1];
        rpc_cursor_encode(s, &c);
        json_decref(next);
        next = json_string(s);
    }
    rpc_reply_json(
        r, 200,
        json_pack("{s:o,s:o}", analytics ? "nodes" : "media_nodes", arr, "next_cursor", next));
}

/* A meeting-settle's claims (index, minutes, receipt or not), or a dispute's one. */
static void render_settle_body(json_t *o, const ledger_tx *tx)
{
    const ledger_settle_body *b = &tx->body.settle;
    json_object_set_new(o, "meeting_id", rpc_json_hex(b->id, LEDGER_MEETING_ID_LEN));
    json_t *list = json_array();
    for (size_t i = 0; i < b->claims_len; i++) {
        ledger_claim c = {.index = b->dispute_index, .minutes = b->dispute_minutes};
        if (tx->type == LEDGER_TX_MEETING_SETTLE) {
            CHR_ASSERT(ledger_settle_claim_get(tx, i, &c) == CHR_OK);
        }
        json_t *j =
            json_pack("{s:i,s:i}", "index", (json_int_t)c.index, "minutes", (json_int_t)c.minutes);
        if (tx->type == LEDGER_TX_MEETING_SETTLE) {
            json_object_set_new(j, "credit_minutes_max", json_integer(c.credit_minutes_max));
            json_object_set_new(j, "receipt", json_boolean(c.has_receipt));
        }
        json_array_append_new(list, j);
    }
    json_object_set_new(o, "claims", list);
}

void rpc_render_meeting_tx_body(json_t *o, const ledger_tx *tx)
{
    if (tx->type == LEDGER_TX_MEETING_SETTLE || tx->type == LEDGER_TX_MEETING_DISPUTE) {
        render_settle_body(o, tx);
        return;
    }
    if (tx->type == LEDGER_TX_MEETING_END) {
        json_object_set_new(o, "meeting_id",
                            rpc_json_hex(tx->body.meeting_end.id, LEDGER_MEETING_ID_LEN));
        return;
    }
    if (tx->type == LEDGER_TX_MEETING_CREATE) {
        const ledger_meeting_body *b = &tx->body.meeting;
        json_t *list = json_array();
        for (size_t i = 0; i < b->participants_len; i++) {
            const char *id;
            size_t len;
            CHR_ASSERT(ledger_meeting_participant_get(tx, i, &id, &len) == CHR_OK);
            json_array_append_new(list, json_stringn(id, len));
        }
        json_object_set_new(o, "title", json_stringn((const char *)b->title, b->title_len));
        json_object_set_new(o, "host", json_stringn(b->host, b->host_len));
        json_object_set_new(o, "participants", list);
        json_object_set_new(o, "duration", json_integer(b->duration_min));
        json_object_set_new(o, "start_time",
                            b->start_ms ? rpc_json_time(b->start_ms) : json_null());
        json_object_set_new(o, "region",
                            b->region_len ? json_stringn(b->region, b->region_len) : json_null());
        json_object_set_new(o, "preferred_media_node",
                            b->has_preferred ? rpc_json_hex(b->preferred, 32) : json_null());
        return;
    }
    const ledger_media_body *b = &tx->body.media;
    json_object_set_new(o, "node_key", rpc_json_hex(b->node_key, 32));
    if (tx->type == LEDGER_TX_MEDIA_DEREGISTER) {
        return;
    }
    json_object_set_new(o, "endpoint", json_stringn(b->endpoint, b->endpoint_len));
    json_object_set_new(o, "region", json_stringn(b->region, b->region_len));
    json_object_set_new(o, "capacity", json_integer(b->capacity));
    if (tx->type == LEDGER_TX_MEDIA_REGISTER) {
        json_object_set_new(o, "bond", rpc_json_u64(b->bond));
    }
    json_object_set_new(o, "metadata", json_stringn((const char *)b->metadata, b->metadata_len));
}

/* ---- GET /api/v1/meetings?payer=|host=: a payer's or a host's meetings, by id. ---- */

/* The list to read: its kind and prefix (payer key, or host || 0x00), from the query. 0
 * and a 400 otherwise. */
static int meetings_list_param(rpc_ctx *x, rpc_reply *r, ledger_state_kind *kind, uint8_t *prefix,
                               size_t *prefix_len)
{
    const char *payer = rpc_query(x, "payer");
    const char *host = rpc_query(x, "host");
    if ((payer == NULL) == (host == NULL)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "payer or host: give exactly one", "payer");
        return 0;
    }
    if (payer != NULL) {
        if (chr_address_decode(prefix, payer, strlen(payer)) != CHR_OK) {
            rpc_reply_error(r, 400, CHR_ERR_BECH32, "payer: a chr1 address", "payer");
            return 0;
        }
        *kind = LEDGER_STATE_MEETING_BY_PAYER;
        *prefix_len = 32;
        return 1;
    }
    size_t len = strlen(host);
    for (size_t i = 0; i < len; i++) {
        if (host[i] < 0x21 || host[i] > 0x7e) {
            len = 0;
        }
    }
    if (len == 0 || len > LEDGER_MEETING_ID_STR_MAX) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "host: 1..64 printable ASCII characters", "host");
        return 0;
    }
    memcpy(prefix, host, len);
    prefix[len] = 0;
    *kind = LEDGER_STATE_MEETING_BY_HOST;
    *prefix_len = len + 1;
    return 1;
}

typedef struct meetings_page {
    ledger_state_kind kind;
    uint8_t key[LEDGER_MEETING_ID_STR_MAX + 1 + LEDGER_MEETING_ID_LEN]; /* the last read */
    size_t prefix_len, key_len;
    const char *status; /* NULL: any */
    uint64_t now_ms;
    int more;
} meetings_page;

/* Fills arr with up to limit meetings of the list after p->key (p->key_len 0: from the
 * first), reading at most RPC_MEETINGS_SCAN_MAX. */
static chr_err meetings_fill(ledger_store_read *rd, meetings_page *p, size_t limit, json_t *arr)
{
    ledger_object *o = malloc(sizeof(*o));
    size_t scanned = 0;
    chr_err err = o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    while (err == CHR_OK) {
        err = ledger_store_object_next(rd, p->kind, p->key, p->prefix_len,
                                       p->key_len > p->prefix_len ? p->key : NULL,
                                       p->key_len > p->prefix_len ? p->key_len : 0, o);
        if (err == CHR_ERR_NOT_FOUND) {
            err = CHR_OK;
            break;
        }
        if (err != CHR_OK || o->natural_len != p->prefix_len + LEDGER_MEETING_ID_LEN) {
            err = err ? err : CHR_ERR_STORE;
            break;
        }
        if (json_array_size(arr) == limit || ++scanned > RPC_MEETINGS_SCAN_MAX) {
            p->more = 1;
            break;
        }
        memcpy(p->key, o->natural, o->natural_len);
        p->key_len = o->natural_len;
        json_t *m;
        err = rpc_meeting_read(rd, o->natural + p->prefix_len, p->now_ms, &m);
        if (err == CHR_OK && p->status != NULL &&
            strcmp(json_string_value(json_object_get(m, "status")), p->status) != 0) {
            json_decref(m);
        } else if (err == CHR_OK) {
            json_array_append_new(arr, m);
        }
    }
    free(o);
    return err;
}

void rpc_handle_meetings(rpc_ctx *x, rpc_reply *r)
{
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    meetings_page p;
    memset(&p, 0, sizeof(p));
    if (!rpc_list_params(x, r, RPC_CURSOR_MEETINGS, &limit, &cur, &has_cursor) ||
        !meetings_list_param(x, r, &p.kind, p.key, &p.prefix_len)) {
        return;
    }
    p.status = rpc_query(x, "status");
    if (p.status != NULL && strcmp(p.status, "created") != 0 && strcmp(p.status, "ended") != 0 &&
        strcmp(p.status, "cancelled") != 0 && strcmp(p.status, "expired") != 0) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "status: created, ended, cancelled or expired",
                        "status");
        return;
    }
    p.key_len = p.prefix_len;
    if (has_cursor) {
        chr_put_u64be(p.key + p.prefix_len, cur.height);
        chr_put_u32be(p.key + p.prefix_len + 8, cur.index);
        p.key_len = p.prefix_len + LEDGER_MEETING_ID_LEN;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    p.now_ms = tip.time_ms;
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r);
        return;
    }
    json_t *arr = json_array();
    chr_err err = meetings_fill(rd, &p, limit, arr);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        json_decref(arr);
        rpc_reply_meeting_error(r, err == CHR_ERR_NOMEM ? err : CHR_ERR_STORE);
        return;
    }
    json_t *next = json_null();
    if (p.more) {
        const uint8_t *id = p.key + p.prefix_len;
        rpc_cursor c = {RPC_CURSOR_MEETINGS, chr_get_u64be(id), chr_get_u32be(id + 8)};
        char s[RPC_CURSOR_STR_LEN + 1];
        rpc_cursor_encode(s, &c);
        next = json_string(s);
    }
    rpc_reply_json(r, 200, json_pack("{s:o,s:o}", "meetings", arr, "next_cursor", next));
}
