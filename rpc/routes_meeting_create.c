/* POST /api/meetings/create, the Open API seed's endpoint, and POST
 * /api/meetings/{meeting_id}/end (docs/API.md, "Meetings and media nodes"): the node signs
 * the meeting-create or meeting-end for the app with the sponsor account's key of its [api]
 * sponsor_key_file, submits it, waits for its commit and answers with the meeting in the
 * seed's shape and its payment record. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hex.h"
#include "common/log.h"
#include "ledger/meetings.h"
#include "ledger/tx_types.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/http.h"
#include "rpc/internal/meetings.h"
#include "rpc/render.h"

/* A string field into a bounded buffer: 0 and a 400 naming it when it is not one. */
static int str_field(json_t *root, rpc_reply *r, const char *name, int required, size_t max,
                     char *out, uint8_t *out_len)
{
    json_t *v = json_object_get(root, name);
    *out_len = 0;
    if (v == NULL && !required) {
        return 1;
    }
    char msg[96];
    if (v == NULL || !json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > max) {
        snprintf(msg, sizeof(msg), "%s: a string of 1 to %zu bytes", name, max);
        rpc_reply_error(r, 400, v == NULL ? CHR_ERR_MISSING_FIELD : CHR_ERR_ARG, msg, name);
        return 0;
    }
    memcpy(out, json_string_value(v), json_string_length(v));
    *out_len = (uint8_t)json_string_length(v);
    return 1;
}

/* The seed's fields into b: title, host, participants, duration (and region). 0 and a 400
 * naming the field otherwise. */
static int seed_fields(json_t *root, rpc_reply *r, ledger_meeting_body *b)
{
    if (!str_field(root, r, "title", 1, LEDGER_MEETING_TITLE_MAX, (char *)b->title,
                   &b->title_len) ||
        !str_field(root, r, "host", 1, LEDGER_MEETING_ID_STR_MAX, b->host, &b->host_len) ||
        !str_field(root, r, "region", 0, LEDGER_MEDIA_REGION_MAX, b->region, &b->region_len)) {
        return 0;
    }
    json_t *list = json_object_get(root, "participants");
    json_t *d = json_object_get(root, "duration");
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    if (n == 0 || n > LEDGER_MEETING_PARTICIPANTS_MAX) {
        rpc_reply_error(r, 400, list == NULL ? CHR_ERR_MISSING_FIELD : CHR_ERR_ARG,
                        "participants: an array of 1 to 16 participant IDs", "participants");
        return 0;
    }
    b->participants_len = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(list, i);
        size_t len = json_is_string(p) ? json_string_length(p) : 0;
        if (len == 0 || len > LEDGER_MEETING_ID_STR_MAX) {
            rpc_reply_error(r, 400, CHR_ERR_ARG, "participants: each a string of 1 to 64 bytes",
                            "participants");
            return 0;
        }
        memcpy(b->participants[i], json_string_value(p), len);
        b->participant_lens[i] = (uint8_t)len;
    }
    if (!json_is_integer(d) || json_integer_value(d) < 1 ||
        json_integer_value(d) > (json_int_t)LEDGER_MEETING_DURATION_MAX_MIN) {
        rpc_reply_error(r, 400, d == NULL ? CHR_ERR_MISSING_FIELD : CHR_ERR_ARG,
                        "duration: an integer of 1 to 1440 minutes", "duration");
        return 0;
    }
    b->duration_min = (uint32_t)json_integer_value(d);
    return 1;
}

/* Signs tx with the sponsor's key (fresh BIP-340 aux randomness): CHR_ERR_CRYPTO. */
static chr_err sponsor_sign(ledger_tx *tx, const uint8_t sk[32])
{
    uint8_t seed[32], aux[32], msg[32];
    ledger_signer *s;
    randombytes_buf(seed, sizeof(seed));
    randombytes_buf(aux, sizeof(aux));
    ledger_tx_sighash(tx, msg);
    chr_err err = ledger_signer_new(&s, seed);
    err = err ? err : ledger_signer_sign(s, tx->sig, msg, sk, aux);
    ledger_signer_free(s);
    return err;
}

/* ---- The sponsor's daily spend limit: escrow + fee of the meetings created, counted when
 * submitted and given back when the transaction is refused or fails, per UTC day of chain
 * time, kept in the key store's state blobs so that a restart does not reset it. ---- */

#define SPONSOR_STATE "sponsor_spend"
#define MS_PER_DAY 86400000ull

/* Under sponsor_lock: loads the count once, and starts a new day. */
static void spend_today(rpc_server *srv, uint64_t day)
{
    if (!srv->sponsor_loaded) {
        uint8_t *buf = NULL;
        size_t len = 0;
        chr_err err = rpc_apikeys_state_get(srv->cfg.auth->keys, SPONSOR_STATE, &buf, &len);
        if (err == CHR_OK && len == 16) {
            srv->sponsor_day = chr_get_u64be(buf);
            srv->sponsor_spent = chr_get_u64be(buf + 8);
        } else if (err != CHR_ERR_NOT_FOUND) {
            CHR_LOG_W("sponsor: the spend count cannot be read (%s): counting from 0",
                      chr_err_str(err));
        }
        free(buf);
        srv->sponsor_loaded = 1;
    }
    if (srv->sponsor_day != day) {
        srv->sponsor_day = day;
        srv->sponsor_spent = 0;
    }
}

/* Under sponsor_lock: writes the count. */
static void spend_save(rpc_server *srv)
{
    uint8_t buf[16];
    chr_put_u64be(buf, srv->sponsor_day);
    chr_put_u64be(buf + 8, srv->sponsor_spent);
    chr_err err = rpc_apikeys_state_put(srv->cfg.auth->keys, SPONSOR_STATE, buf, sizeof(buf));
    if (err != CHR_OK) {
        CHR_LOG_W("sponsor: the spend count cannot be saved: %s", chr_err_str(err));
    }
}

/* Takes cost from day's allowance: 1, or 0 (nothing taken) when it does not fit. */
static int spend_take(rpc_server *srv, uint64_t day, uint64_t cost)
{
    uint64_t limit = srv->cfg.sponsor_spend_per_day;
    pthread_mutex_lock(&srv->sponsor_lock);
    spend_today(srv, day);
    int ok = srv->sponsor_spent <= limit && cost <= limit - srv->sponsor_spent;
    if (ok) {
        srv->sponsor_spent += cost;
        spend_save(srv);
    }
    pthread_mutex_unlock(&srv->sponsor_lock);
    return ok;
}

/* Gives cost back to day's allowance (a refused or failed transaction). */
static void spend_return(rpc_server *srv, uint64_t day, uint64_t cost)
{
    pthread_mutex_lock(&srv->sponsor_lock);
    spend_today(srv, day);
    if (srv->sponsor_day == day && srv->sponsor_spent >= cost) {
        srv->sponsor_spent -= cost;
        spend_save(srv);
    }
    pthread_mutex_unlock(&srv->sponsor_lock);
}

/* What a meeting-create of b costs the sponsor: escrow at the chain's price, plus the fee.
 * CHR_ERR_STORE when the price cannot be read; CHR_ERR_OVERFLOW. */
static chr_err create_cost(rpc_server *srv, const ledger_meeting_body *b, uint64_t *cost)
{
    static const uint8_t empty[1];
    ledger_meeting_params mp;
    ledger_object *o = malloc(sizeof(*o));
    ledger_store_read *rd;
    int found = 0;
    chr_err err = o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    ledger_meeting_params_default(&mp);
    if (err == CHR_OK && ledger_store_read_begin(srv->be.store, &rd) == CHR_OK) {
        err = ledger_store_object(rd, LEDGER_STATE_MEETING_PARAMS, empty, 0, o, &found);
        ledger_store_read_end(rd);
        if (err == CHR_OK && found && ledger_meeting_params_decode(&mp, o->value, o->value_len)) {
            err = CHR_ERR_STORE;
        }
    } else if (err == CHR_OK) {
        err = CHR_ERR_STORE;
    }
    free(o);
    uint64_t escrow = 0;
    err = err ? err
              : ledger_meeting_escrow(&escrow, mp.price_per_participant_minute, b->participants_len,
                                      b->duration_min);
    rpc_tip tip;
    srv->be.tip(srv->be.ctx, &tip);
    err = err ? err : chr_add_u64(cost, escrow, tip.params.fee_transfer);
    return err == CHR_OK || err == CHR_ERR_OVERFLOW ? err : CHR_ERR_STORE;
}

/* The sponsor's transaction of type, its body filled by fill(tx, arg): its nonce the next
 * after its pending ones and after every one this server handed out (under
 * sponsor_nonce_lock: the caller holds it); checked as admission will and signed. */
static chr_err sponsor_tx(rpc_ctx *x, ledger_tx *tx, uint8_t type,
                          void (*fill)(ledger_tx *tx, const void *arg), const void *arg,
                          char *detail, size_t detail_cap)
{
    rpc_server *srv = x->srv;
    uint8_t pub[32], zero[32] = {0};
    ledger_signer *s;
    chr_err err = ledger_signer_new(&s, zero);
    err = err ? err : ledger_signer_pubkey(s, pub, srv->cfg.sponsor_sk);
    ledger_signer_free(s);
    rpc_tip tip;
    ledger_account acct;
    uint64_t nonce = 0;
    srv->be.tip(srv->be.ctx, &tip);
    err = err ? err : srv->be.account(srv->be.ctx, pub, &acct, &nonce);
    if (err == CHR_OK && srv->sponsor_nonce_known && srv->sponsor_next_nonce > nonce) {
        nonce = srv->sponsor_next_nonce; /* requests still on their way to the mempool */
    }
    err = err ? err
              : ledger_tx_init(tx, (ledger_tx_type)type, tip.chain_id, pub, nonce,
                               tip.params.fee_transfer, 0, NULL, 0);
    if (err != CHR_OK) {
        return err;
    }
    fill(tx, arg);
    err = ledger_tx_check(tx, tip.chain_id, &tip.params, detail, detail_cap);
    return err ? err : sponsor_sign(tx, srv->cfg.sponsor_sk);
}

static void fill_create(ledger_tx *tx, const void *arg)
{
    tx->body.meeting = *(const ledger_meeting_body *)arg;
}

static void fill_end(ledger_tx *tx, const void *arg)
{
    memcpy(tx->body.meeting_end.id, arg, LEDGER_MEETING_ID_LEN);
}

/* Signs and submits the sponsor's transaction, deferring the answer to finish; or answers
 * the refusal. */
static void sponsor_submit(rpc_ctx *x, rpc_reply *r, uint8_t type,
                           void (*fill)(ledger_tx *tx, const void *arg), const void *arg,
                           void (*finish)(rpc_ctx *x, rpc_reply *r))
{
    ledger_tx tx;
    char detail[RPC_DETAIL_MAX] = "";
    rpc_server *srv = x->srv;
    pthread_mutex_lock(&srv->sponsor_nonce_lock);
    chr_err err = sponsor_tx(x, &tx, type, fill, arg, detail, sizeof(detail));
    if (err != CHR_OK) {
        pthread_mutex_unlock(&srv->sponsor_nonce_lock);
    }
    if (err == CHR_ERR_MEETING) {
        /* The rule's detail starts with the field it is about ("participants: ..."). */
        char field[16] = "";
        sscanf(detail, "%15[a-z_]", field);
        rpc_reply_error(r, 400, CHR_ERR_ARG, detail, field[0] ? field : NULL);
        return;
    }
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len = 0;
    if (err == CHR_OK) {
        err = ledger_tx_encode(&tx, buf, sizeof(buf), &len);
        if (err != CHR_OK) {
            pthread_mutex_unlock(&srv->sponsor_nonce_lock);
        }
    }
    if (err != CHR_OK) {
        rpc_reply_error(r, err == CHR_ERR_STORE ? 503 : 500,
                        err == CHR_ERR_STORE ? err : CHR_ERR_INTERNAL,
                        "cannot sign the transaction now", NULL);
        return;
    }
    const uint8_t *txs[1] = {buf};
    rpc_submit_start(x, r, txs, &len, 1, x->srv->cfg.wait_timeout_ms, finish);
    if (x->req->results != NULL) { /* handed on: the next request takes the next nonce */
        srv->sponsor_next_nonce = tx.nonce + 1;
        srv->sponsor_nonce_known = 1;
    }
    pthread_mutex_unlock(&srv->sponsor_nonce_lock);
}

int rpc_has_sponsor(rpc_ctx *x, rpc_reply *r)
{
    if (!x->srv->cfg.has_sponsor) {
        rpc_reply_error(r, 403, CHR_ERR_SCOPE,
                        "this node holds no sponsor key: sign the transaction and submit it to "
                        "POST /api/v1/txs",
                        NULL);
        return 0;
    }
    return 1;
}

/* The answer once the transaction is committed, failed or refused: the meeting id's
 * meeting (id NULL: the transaction's own, a create's). */
static void sponsor_finish(rpc_ctx *x, rpc_reply *r, const uint8_t *id)
{
    const rpc_tx_result *res = &x->req->results[0];
    if (res->state == RPC_TX_REJECTED || res->state == RPC_TX_FAILED) {
        /* Its nonce is unused: the next request starts again from the account's. */
        pthread_mutex_lock(&x->srv->sponsor_nonce_lock);
        x->srv->sponsor_nonce_known = 0;
        pthread_mutex_unlock(&x->srv->sponsor_nonce_lock);
        const char *field;
        unsigned status = rpc_tx_reject_status(res->err, &field);
        rpc_reply_error(r, status, res->err, res->detail[0] ? res->detail : chr_err_str(res->err),
                        field);
        r->retry_after = status == 503 ? 1 : 0;
        return;
    }
    if (res->state != RPC_TX_COMMITTED) {
        rpc_reply_json(r, 202, rpc_render_tx_result(res)); /* still pending at the wait's end */
        return;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    ledger_store_read *rd;
    json_t *j = NULL;
    chr_err err = ledger_store_read_begin(x->srv->be.store, &rd) == CHR_OK ? CHR_OK : CHR_ERR_STORE;
    if (err == CHR_OK) {
        err = rpc_meeting_read(rd, id != NULL ? id : res->hash, tip.time_ms, &j);
        ledger_store_read_end(rd);
    }
    if (err != CHR_OK) {
        rpc_reply_meeting_error(r, err);
        return;
    }
    rpc_reply_json(r, 200, j);
}

static void create_finish(rpc_ctx *x, rpc_reply *r)
{
    const rpc_tx_result *res = &x->req->results[0];
    if (x->srv->cfg.sponsor_spend_per_day > 0 &&
        (res->state == RPC_TX_REJECTED || res->state == RPC_TX_FAILED)) {
        /* Nothing was spent: the day and the cost were kept when the request began. */
        spend_return(x->srv, chr_get_u64be(x->req->keep + 8), chr_get_u64be(x->req->keep));
    }
    sponsor_finish(x, r, NULL);
}

/* Takes the meeting's cost from the sponsor's daily allowance, keeping it in the request
 * for create_finish: 1, or 0 and the 402 (or the error) reply. */
static int create_spend(rpc_ctx *x, rpc_reply *r, const ledger_meeting_body *b)
{
    rpc_server *srv = x->srv;
    if (srv->cfg.sponsor_spend_per_day == 0) {
        return 1;
    }
    uint64_t cost;
    chr_err err = create_cost(srv, b, &cost);
    if (err != CHR_OK) {
        rpc_reply_error(r, err == CHR_ERR_OVERFLOW ? 400 : 503,
                        err == CHR_ERR_OVERFLOW ? CHR_ERR_ARG : CHR_ERR_STORE,
                        err == CHR_ERR_OVERFLOW ? "the meeting's price is over 2^64 units"
                                                : "cannot read the chain now",
                        NULL);
        return 0;
    }
    rpc_tip tip;
    srv->be.tip(srv->be.ctx, &tip);
    uint64_t day = tip.time_ms / MS_PER_DAY;
    if (!spend_take(srv, day, cost)) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "the meeting's %llu units (escrow and fee) are over what the sponsor may still "
                 "spend today (limit %llu a day)",
                 (unsigned long long)cost, (unsigned long long)srv->cfg.sponsor_spend_per_day);
        rpc_reply_error(r, 402, CHR_ERR_SPEND_LIMIT, msg, NULL);
        return 0;
    }
    chr_put_u64be(x->req->keep, cost);
    chr_put_u64be(x->req->keep + 8, day);
    return 1;
}

void rpc_handle_meeting_create(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"title",    "host",   "participants",
                                          "duration", "region", NULL};
    if (!rpc_has_sponsor(x, r)) {
        return;
    }
    json_t *root = rpc_parse_body(x, r, allowed);
    if (root == NULL) {
        return;
    }
    ledger_meeting_body b;
    memset(&b, 0, sizeof(b));
    int ok = seed_fields(root, r, &b);
    json_decref(root);
    if (ok && create_spend(x, r, &b)) {
        sponsor_submit(x, r, LEDGER_TX_MEETING_CREATE, fill_create, &b, create_finish);
        if (!r->deferred && x->srv->cfg.sponsor_spend_per_day > 0) {
            /* Refused before submission (a rule of the meeting): nothing was spent. */
            spend_return(x->srv, chr_get_u64be(x->req->keep + 8), chr_get_u64be(x->req->keep));
        }
    }
}

/* The {meeting_id} of /api/meetings/{meeting_id}/end: 0 and a 400 when malformed. */
static int end_id(rpc_ctx *x, rpc_reply *r, uint8_t id[LEDGER_MEETING_ID_LEN])
{
    const char *seg = x->segs[2];
    size_t len = 0;
    if (strlen(seg) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode(id, LEDGER_MEETING_ID_LEN, &len, seg, strlen(seg)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "meeting_id: 24 hex characters", "meeting_id");
        return 0;
    }
    return 1;
}

static void end_finish(rpc_ctx *x, rpc_reply *r)
{
    sponsor_finish(x, r, x->req->keep); /* the id, kept when the request began */
}

void rpc_handle_meeting_end(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {NULL};
    uint8_t id[LEDGER_MEETING_ID_LEN];
    if (!rpc_has_sponsor(x, r) || !end_id(x, r, id)) {
        return;
    }
    /* The body is optional: none, or an empty object. */
    if (x->req->len > 0) {
        json_t *root = rpc_parse_body(x, r, allowed);
        if (root == NULL) {
            return;
        }
        json_decref(root);
    }
    _Static_assert(sizeof(x->req->keep) >= LEDGER_MEETING_ID_LEN, "the id fits");
    memcpy(x->req->keep, id, LEDGER_MEETING_ID_LEN);
    sponsor_submit(x, r, LEDGER_TX_MEETING_END, fill_end, id, end_finish);
}
