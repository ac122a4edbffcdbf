/* The agent's local endpoint (docs/MEDIA-AGENT.md, "The local endpoint"): POST /verify
 * admits or denies a credit, POST /usage takes the media server's minutes, POST /receipt a
 * participant's usage receipt, POST /stats the media server's figures for the heartbeats,
 * GET /health says the agent is up. Loopback by default; every request is bounded (body,
 * connections, time) and its body is hostile JSON. */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "media/internal/agent.h"

typedef struct media_req {
    size_t len;
    int too_big;
    char body[MEDIA_BODY_BYTES_MAX + 1];
} media_req;

static unsigned deny(json_t **out, unsigned status, const char *reason)
{
    *out = json_pack("{s:b,s:s}", "admit", 0, "reason", reason);
    return status;
}

/* The request's JSON object with exactly the keys allowed (names, n, of which the first
 * `required` must be present), or NULL. */
static json_t *body_object(const media_req *r, const char *const *names, size_t n, size_t required)
{
    json_t *j = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);
    size_t present = 0;
    for (size_t i = 0; j != NULL && i < n; i++) {
        int has = json_object_get(j, names[i]) != NULL;
        present += (size_t)has;
        if (!has && i < required) {
            present = SIZE_MAX;
            break;
        }
    }
    if (j == NULL || !json_is_object(j) || present != json_object_size(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* A meeting id in hex into id; 0 when it is not one. */
static int meeting_id(const char *hex, uint8_t id[LEDGER_MEETING_ID_LEN])
{
    return hex != NULL && strlen(hex) == 2 * LEDGER_MEETING_ID_LEN &&
           chr_hex_decode_exact(id, LEDGER_MEETING_ID_LEN, hex, strlen(hex)) == CHR_OK;
}

/* The record of meeting id: the cached one, else the node's. 0, or the status to answer. */
static unsigned find_record(media_agent *a, const uint8_t id[LEDGER_MEETING_ID_LEN],
                            media_record *rec, json_t **out)
{
    pthread_mutex_lock(&a->lock);
    media_meeting *m = media_state_find(a->state, id);
    int have = m != NULL && m->has_record;
    if (have) {
        *rec = m->rec;
    }
    pthread_mutex_unlock(&a->lock);
    if (have) {
        return 0;
    }
    int rc = media_fetch_record(a, id, rec, 1);
    if (rc == MEDIA_EXIT_REFUSED) {
        return deny(out, 403, "unknown_meeting");
    }
    return rc == MEDIA_EXIT_OK ? 0 : deny(out, 503, "node_unreachable");
}

static unsigned handle_verify(media_agent *a, const media_req *r, json_t **out)
{
    static const char *const names[] = {"credit", "meeting_id"};
    json_t *j = body_object(r, names, 2, 1);
    const char *hex = json_string_value(json_object_get(j, "credit"));
    const char *mid = json_string_value(json_object_get(j, "meeting_id"));
    uint8_t buf[CREDIT_BYTES_MAX], id[LEDGER_MEETING_ID_LEN];
    size_t len = 0;
    int ok = hex != NULL && strlen(hex) <= 2 * CREDIT_BYTES_MAX &&
             chr_hex_decode(buf, sizeof(buf), &len, hex, strlen(hex)) == CHR_OK &&
             (json_object_get(j, "meeting_id") == NULL || meeting_id(mid, id));
    int has_mid = mid != NULL;
    json_decref(j);
    if (!ok) {
        return deny(out, 400, "bad_request");
    }
    credit c;
    credit_result d = credit_decode(&c, buf, len);
    if (d != CREDIT_VALID) {
        return deny(out, 403, credit_result_name(d));
    }
    if (!has_mid) {
        memcpy(id, c.meeting_id, LEDGER_MEETING_ID_LEN);
    }
    media_record rec;
    unsigned status = find_record(a, id, &rec, out);
    if (status != 0) {
        return status;
    }
    uint8_t index;
    const char *why =
        media_check_credit(&rec, a->node_pub, a->chain_id, buf, len, media_now_ms(), &index);
    if (why != NULL) {
        return deny(out, 403, why);
    }
    media_meeting *m;
    pthread_mutex_lock(&a->lock);
    chr_err e = media_state_add(a->state, id, &m);
    if (e == CHR_OK) {
        m->rec = m->has_record ? m->rec : rec;
        m->has_record = 1;
        media_meeting_credit(m, index, buf, len);
        (void)media_state_save(a);
    }
    pthread_mutex_unlock(&a->lock);
    if (e != CHR_OK) {
        CHR_LOG_W("verify: the table of %d meetings is full", MEDIA_MEETINGS_MAX);
        return deny(out, 503, "agent_full");
    }
    char idhex[2 * LEDGER_MEETING_ID_LEN + 1];
    chr_hex_encode(idhex, sizeof(idhex), id, LEDGER_MEETING_ID_LEN);
    *out =
        json_pack("{s:b,s:s,s:s%,s:s,s:i,s:I,s:I}", "admit", 1, "meeting_id", idhex, "participant",
                  c.participant_id, (size_t)c.participant_id_len, "role",
                  c.role == CREDIT_ROLE_HOST ? "host" : "participant", "index", (int)index,
                  "minutes_max", (json_int_t)c.minutes_max, "expiry_ms", (json_int_t)c.expiry_ms);
    return 200;
}

static unsigned handle_usage(media_agent *a, const media_req *r, json_t **out)
{
    static const char *const names[] = {"meeting_id", "participant", "minutes"};
    json_t *j = body_object(r, names, 3, 3);
    const char *p = json_string_value(json_object_get(j, "participant"));
    json_int_t minutes = json_integer_value(json_object_get(j, "minutes"));
    uint8_t id[LEDGER_MEETING_ID_LEN];
    char person[LEDGER_MEETING_ID_STR_MAX + 1];
    int ok = meeting_id(json_string_value(json_object_get(j, "meeting_id")), id) && p != NULL &&
             strlen(p) >= 1 && strlen(p) <= LEDGER_MEETING_ID_STR_MAX && minutes >= 1 &&
             minutes <= MEDIA_USAGE_MINUTES_MAX;
    snprintf(person, sizeof(person), "%s", ok ? p : "");
    json_decref(j);
    if (!ok) {
        *out = json_pack("{s:s,s:s}", "reason", "bad_request", "detail",
                         "{meeting_id: 24 hex, participant: 1..64 bytes, minutes: 1..1440}");
        return 400;
    }
    pthread_mutex_lock(&a->lock);
    media_meeting *m = media_state_find(a->state, id);
    int index = m != NULL ? media_meeting_person(m, person, strlen(person)) : -1;
    uint32_t total = 0, claimable = 0;
    if (index >= 0) {
        media_meeting_usage(m, (uint8_t)index, (uint32_t)minutes);
        total = m->persons[index].minutes;
        claimable = media_person_claimable(m, (uint8_t)index);
        (void)media_state_save(a);
    }
    pthread_mutex_unlock(&a->lock);
    if (index < 0) {
        *out = json_pack("{s:s}", "reason", m == NULL ? "unknown_meeting" : "no_credit");
        return 404;
    }
    char idhex[2 * LEDGER_MEETING_ID_LEN + 1];
    chr_hex_encode(idhex, sizeof(idhex), id, LEDGER_MEETING_ID_LEN);
    *out = json_pack("{s:s,s:s,s:I,s:I}", "meeting_id", idhex, "participant", person, "minutes",
                     (json_int_t)total, "claimable", (json_int_t)claimable);
    return 200;
}

static unsigned handle_receipt(media_agent *a, const media_req *r, json_t **out)
{
    static const char *const names[] = {"meeting_id", "participant", "minutes", "signature"};
    json_t *j = body_object(r, names, 4, 4);
    const char *p = json_string_value(json_object_get(j, "participant"));
    const char *sig_hex = json_string_value(json_object_get(j, "signature"));
    json_int_t minutes = json_integer_value(json_object_get(j, "minutes"));
    uint8_t id[LEDGER_MEETING_ID_LEN], sig[64];
    char person[LEDGER_MEETING_ID_STR_MAX + 1];
    int ok = meeting_id(json_string_value(json_object_get(j, "meeting_id")), id) && p != NULL &&
             strlen(p) >= 1 && strlen(p) <= LEDGER_MEETING_ID_STR_MAX && minutes >= 1 &&
             minutes <= LEDGER_MEETING_DURATION_MAX_MIN && sig_hex != NULL &&
             strlen(sig_hex) == 128 && chr_hex_decode_exact(sig, 64, sig_hex, 128) == CHR_OK;
    snprintf(person, sizeof(person), "%s", ok ? p : "");
    json_decref(j);
    if (!ok) {
        *out = json_pack("{s:s,s:s}", "reason", "bad_request", "detail",
                         "{meeting_id: 24 hex, participant: 1..64 bytes, minutes: 1..1440, "
                         "signature: 128 hex}");
        return 400;
    }
    pthread_mutex_lock(&a->lock);
    media_meeting *m = media_state_find(a->state, id);
    int index = m != NULL ? media_meeting_person(m, person, strlen(person)) : -1;
    credit_result v = CREDIT_BAD_FIELD;
    uint32_t kept = 0;
    if (index >= 0) {
        v = media_meeting_receipt(m, (uint8_t)index, (uint32_t)minutes, sig, a->chain_id,
                                  a->node_pub);
        kept = m->persons[index].receipt_minutes;
        if (v == CREDIT_VALID) {
            (void)media_state_save(a);
        }
    }
    pthread_mutex_unlock(&a->lock);
    if (index < 0) {
        *out = json_pack("{s:s}", "reason", m == NULL ? "unknown_meeting" : "no_credit");
        return 404;
    }
    if (v != CREDIT_VALID) {
        *out = json_pack("{s:s}", "reason",
                         v == CREDIT_BAD_FIELD ? "no_participant_key" : credit_result_name(v));
        return 403;
    }
    *out = json_pack("{s:s,s:I}", "participant", person, "receipt_minutes", (json_int_t)kept);
    return 200;
}

static unsigned handle_stats(media_agent *a, const media_req *r, json_t **out)
{
    media_stats st;
    char err[128];
    if (media_stats_parse(&st, r->body, r->len, err, sizeof(err)) != CHR_OK) {
        *out = json_pack("{s:s,s:s}", "reason", "bad_request", "detail", err);
        return 400;
    }
    st.time_ms = media_now_ms();
    pthread_mutex_lock(&a->lock);
    a->stats = st;
    pthread_mutex_unlock(&a->lock);
    *out = json_pack("{s:b,s:i}", "ok", 1, "meetings", (int)st.meetings_len);
    return 200;
}

static unsigned route(media_agent *a, const char *url, const char *method, const media_req *r,
                      json_t **out)
{
    int post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/health") == 0 && strcmp(method, "GET") == 0) {
        *out = json_pack("{s:b,s:s,s:o*}", "ok", 1, "node_key", a->node_hex, "heartbeats",
                         media_heartbeat_status(a));
        return 200;
    }
    if (strcmp(url, "/verify") != 0 && strcmp(url, "/usage") != 0 && strcmp(url, "/receipt") != 0 &&
        strcmp(url, "/stats") != 0 && strcmp(url, "/health") != 0) {
        *out = json_pack("{s:s}", "reason", "not_found");
        return 404;
    }
    if (!post || strcmp(url, "/health") == 0) {
        *out = json_pack("{s:s}", "reason", "method_not_allowed");
        return 405;
    }
    if (r->too_big) {
        *out = json_pack("{s:s}", "reason", "body_too_large");
        return 413;
    }
    if (strcmp(url, "/receipt") == 0) {
        return handle_receipt(a, r, out);
    }
    if (strcmp(url, "/stats") == 0) {
        return handle_stats(a, r, out);
    }
    return strcmp(url, "/verify") == 0 ? handle_verify(a, r, out) : handle_usage(a, r, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    media_req *r = *con_cls;
    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        *con_cls = r;
        return r != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        if (*upload_data_size > MEDIA_BODY_BYTES_MAX - r->len) {
            r->too_big = 1;
        } else {
            memcpy(r->body + r->len, upload_data, *upload_data_size);
            r->len += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    json_t *ans = NULL;
    unsigned status = route(cls, url, method, r, &ans);
    char *text = ans != NULL ? json_dumps(ans, JSON_COMPACT) : NULL;
    json_decref(ans);
    if (text == NULL) {
        return MHD_NO;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    (void)MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

struct MHD_Daemon *media_server_start(media_agent *a)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a->cfg.listen_port);
    if (inet_pton(AF_INET, a->cfg.listen_addr, &sa.sin_addr) != 1) {
        CHR_LOG_E("listen_addr %s is not an IPv4 address", a->cfg.listen_addr);
        return NULL;
    }
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                         on_request, a, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)MEDIA_CONNECTIONS_MAX,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MEDIA_CONNECTIONS_PER_IP_MAX,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)MEDIA_CONNECTION_TIMEOUT_S,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)MEDIA_HTTP_THREADS,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (d == NULL) {
        CHR_LOG_E("cannot listen on %s:%u", a->cfg.listen_addr, (unsigned)a->cfg.listen_port);
    }
    return d;
}
