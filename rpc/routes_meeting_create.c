/* POST /api/meetings/create, the Open API seed's endpoint, and POST
 * /api/meetings/{meeting_id}/end (docs/API.md, "Meetings and media nodes"): the node signs
 * the meeting-create or meeting-end for the app with the key of the calling API key's sponsor
 * account (or the node's default, [api] sponsor_key_file), submits it, waits for its commit
 * and answers with the meeting in the seed's shape and its payment record. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hex.h"
#include "common/keyfile.h"
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

/* The seed's fields into proto's meeting-create body: title, host, participants (their IDs
 * encoded into ids, which proto refers to: ledger/tx.h), duration (and region). 0 and a 400
 * naming the field otherwise. */
static int seed_fields(json_t *root, rpc_reply *r, ledger_tx *proto, uint8_t *ids, size_t ids_cap)
{
    ledger_meeting_body *b = &proto->body.meeting;
    if (!str_field(root, r, "title", 1, LEDGER_MEETING_TITLE_MAX, (char *)b->title,
                   &b->title_len) ||
        !str_field(root, r, "host", 1, LEDGER_MEETING_ID_STR_MAX, b->host, &b->host_len) ||
        !str_field(root, r, "region", 0, LEDGER_MEDIA_REGION_MAX, b->region, &b->region_len)) {
        return 0;
    }
    json_t *list = json_object_get(root, "participants");
    json_t *d = json_object_get(root, "duration");
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    _Static_assert(LEDGER_MEETING_PARTICIPANTS_MAX == 127, "the message names the maximum");
    if (n == 0 || n > LEDGER_MEETING_PARTICIPANTS_MAX) {
        rpc_reply_error(r, 400, list == NULL ? CHR_ERR_MISSING_FIELD : CHR_ERR_ARG,
                        "participants: an array of 1 to 127 participant IDs (128 people with the "
                        "host)",
                        "participants");
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(list, i);
        size_t len = json_is_string(p) ? json_string_length(p) : 0;
        if (len == 0 || len > LEDGER_MEETING_ID_STR_MAX ||
            ledger_meeting_participant_add(proto, ids, ids_cap, json_string_value(p), len) !=
                CHR_OK) {
            rpc_reply_error(r, 400, CHR_ERR_ARG, "participants: each a string of 1 to 64 bytes",
                            "participants");
            return 0;
        }
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

/* ---- Sponsors. A key bound to a sponsor account (`chroomd apikey create
 * --sponsor-key-file`) signs with that account's key, read from its file for each request and
 * wiped after; a key with the meetings scope and no binding uses the node's default sponsor,
 * [api] sponsor_key_file, if it has one. ---- */

/* The node-wide default sponsor's daily allowance in the key store (as before keys had
 * sponsors of their own). */
#define SPONSOR_DEFAULT_SPEND "sponsor_spend"
#define MS_PER_DAY 86400000ull

static chr_err sponsor_pub(uint8_t pub[32], const uint8_t sk[32])
{
    static const uint8_t zero[32];
    ledger_signer *s;
    chr_err err = ledger_signer_new(&s, zero);
    err = err ? err : ledger_signer_pubkey(s, pub, sk);
    ledger_signer_free(s);
    return err;
}

/* The key's bound sponsor into out: 1, or 0 and the 403 when its file cannot be used. */
static int sponsor_bound(const rpc_apikey *rec, rpc_reply *r, rpc_sponsor *out)
{
    char msg[RPC_APIKEY_SPONSOR_PATH_MAX + 128];
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(id, rec->id);
    chr_err err = chr_keyfile_read(rec->sponsor_path, out->sk, msg, sizeof(msg));
    err = err ? err : sponsor_pub(out->pub, out->sk);
    if (err == CHR_OK && sodium_memcmp(out->pub, rec->sponsor_pub, 32) != 0) {
        snprintf(msg, sizeof(msg), "%s: holds another account's key than the one bound",
                 rec->sponsor_path);
        err = CHR_ERR_CONFIG;
    }
    if (err != CHR_OK) {
        /* The path and the reason are the operator's business, not the caller's. */
        CHR_LOG_W("API key %s: its sponsor key file cannot be used: %s", id, msg);
        sodium_memzero(out, sizeof(*out));
        rpc_reply_error(r, 403, CHR_ERR_NO_SPONSOR,
                        "the API key's sponsor account cannot be used now (its key file is "
                        "missing or changed: the node's log says which)",
                        NULL);
        return 0;
    }
    out->spend_per_day = rec->spend_per_day;
    rpc_apikey_spend_name(out->spend_name, rec->id);
    return 1;
}

int rpc_sponsor_get(rpc_ctx *x, rpc_reply *r, rpc_sponsor *out)
{
    rpc_server *srv = x->srv;
    memset(out, 0, sizeof(*out));
    if (x->req->who.known) {
        rpc_apikey *rec = malloc(sizeof(*rec));
        chr_err err = rec == NULL ? CHR_ERR_NOMEM
                                  : rpc_apikeys_get(srv->cfg.auth->keys, rec, x->req->who.key_id);
        int bound = err == CHR_OK && rec->has_sponsor;
        int ok = bound ? sponsor_bound(rec, r, out) : 1;
        free(rec);
        if (err != CHR_OK) {
            r->retry_after = 1;
            rpc_reply_error(r, 503, CHR_ERR_STORE, "API key store: cannot be read now", NULL);
            return 0;
        }
        if (bound) {
            return ok;
        }
    }
    if (!srv->cfg.has_sponsor) {
        rpc_reply_error(r, 403, CHR_ERR_NO_SPONSOR,
                        "this API key is bound to no sponsor account and the node has no "
                        "default one: bind one (chroomd apikey create --sponsor-key-file), or "
                        "sign the transaction and submit it to POST /api/v1/txs",
                        NULL);
        return 0;
    }
    memcpy(out->sk, srv->cfg.sponsor_sk, 32);
    if (sponsor_pub(out->pub, out->sk) != CHR_OK) {
        sodium_memzero(out, sizeof(*out));
        rpc_reply_error(r, 500, CHR_ERR_INTERNAL, "cannot use the sponsor key", NULL);
        return 0;
    }
    out->spend_per_day = srv->cfg.sponsor_spend_per_day;
    _Static_assert(sizeof(SPONSOR_DEFAULT_SPEND) <= RPC_APIKEY_SPEND_NAME_MAX, "the name fits");
    memcpy(out->spend_name, SPONSOR_DEFAULT_SPEND, sizeof(SPONSOR_DEFAULT_SPEND));
    return 1;
}

void rpc_sponsor_wipe(rpc_sponsor *sp)
{
    sodium_memzero(sp, sizeof(*sp));
}

/* The sponsor's nonce slot (under sponsor_nonce_lock): its own, else a free one, else the one
 * its key's first byte picks, taken over (its owner then starts again from its account's
 * nonce, which is right unless its transactions are still on their way to the mempool). */
static rpc_sponsor_nonce *sponsor_slot(rpc_server *srv, const uint8_t pub[32])
{
    rpc_sponsor_nonce *free_slot = NULL;
    for (size_t i = 0; i < RPC_SPONSOR_NONCE_SLOTS; i++) {
        rpc_sponsor_nonce *sl = &srv->sponsor_nonces[i];
        if (sl->known && memcmp(sl->pub, pub, 32) == 0) {
            return sl;
        }
        if (!sl->known && free_slot == NULL) {
            free_slot = sl;
        }
    }
    rpc_sponsor_nonce *sl =
        free_slot != NULL ? free_slot : &srv->sponsor_nonces[pub[0] % RPC_SPONSOR_NONCE_SLOTS];
    memcpy(sl->pub, pub, 32);
    sl->known = 0;
    return sl;
}

/* Forgets the sponsor's next nonce (its transaction was refused: the nonce is unused). */
static void sponsor_nonce_forget(rpc_server *srv, const uint8_t pub[32])
{
    pthread_mutex_lock(&srv->sponsor_nonce_lock);
    sponsor_slot(srv, pub)->known = 0;
    pthread_mutex_unlock(&srv->sponsor_nonce_lock);
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
static chr_err sponsor_tx(rpc_ctx *x, ledger_tx *tx, const rpc_sponsor *sp, uint8_t type,
                          void (*fill)(ledger_tx *tx, const void *arg), const void *arg,
                          char *detail, size_t detail_cap)
{
    rpc_server *srv = x->srv;
    rpc_tip tip;
    ledger_account acct;
    uint64_t nonce = 0;
    srv->be.tip(srv->be.ctx, &tip);
    chr_err err = srv->be.account(srv->be.ctx, sp->pub, &acct, &nonce);
    rpc_sponsor_nonce *slot = sponsor_slot(srv, sp->pub);
    if (err == CHR_OK && slot->known && slot->next > nonce) {
        nonce = slot->next; /* requests still on their way to the mempool */
    }
    err = err ? err
              : ledger_tx_init(tx, (ledger_tx_type)type, tip.chain_id, sp->pub, nonce,
                               tip.params.fee_transfer, 0, NULL, 0);
    if (err != CHR_OK) {
        return err;
    }
    fill(tx, arg);
    err = ledger_tx_check(tx, tip.chain_id, &tip.params, detail, detail_cap);
    return err ? err : sponsor_sign(tx, sp->sk);
}

static void fill_create(ledger_tx *tx, const void *arg)
{
    tx->body.meeting = *(const ledger_meeting_body *)arg; /* refers to the caller's ids */
}

static void fill_end(ledger_tx *tx, const void *arg)
{
    memcpy(tx->body.meeting_end.id, arg, LEDGER_MEETING_ID_LEN);
}

/* Signs and submits the sponsor's transaction, deferring the answer to finish; or answers
 * the refusal. */
static void sponsor_submit(rpc_ctx *x, rpc_reply *r, const rpc_sponsor *sp, uint8_t type,
                           void (*fill)(ledger_tx *tx, const void *arg), const void *arg,
                           void (*finish)(rpc_ctx *x, rpc_reply *r))
{
    ledger_tx tx;
    char detail[RPC_DETAIL_MAX] = "";
    rpc_server *srv = x->srv;
    memcpy(x->req->sponsor_pub, sp->pub, 32);
    pthread_mutex_lock(&srv->sponsor_nonce_lock);
    chr_err err = sponsor_tx(x, &tx, sp, type, fill, arg, detail, sizeof(detail));
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
        rpc_sponsor_nonce *slot = sponsor_slot(srv, sp->pub);
        slot->next = tx.nonce + 1;
        slot->known = 1;
    }
    pthread_mutex_unlock(&srv->sponsor_nonce_lock);
}

/* The answer once the transaction is committed, failed or refused: the meeting id's
 * meeting (id NULL: the transaction's own, a create's). */
static void sponsor_finish(rpc_ctx *x, rpc_reply *r, const uint8_t *id)
{
    const rpc_tx_result *res = &x->req->results[0];
    if (res->state == RPC_TX_REJECTED || res->state == RPC_TX_FAILED) {
        /* Its nonce is unused: the next request starts again from the account's. */
        sponsor_nonce_forget(x->srv, x->req->sponsor_pub);
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

/* Gives the meeting's cost back to the allowance it was taken from (kept in the request when
 * it began): nothing was spent. */
static void create_give_back(rpc_ctx *x)
{
    if (x->req->spend_name[0] == '\0') {
        return;
    }
    chr_err err =
        rpc_apikeys_spend(x->srv->cfg.auth->keys, x->req->spend_name,
                          chr_get_u64be(x->req->keep + 8), 0, chr_get_u64be(x->req->keep), 1);
    if (err != CHR_OK) {
        CHR_LOG_W("sponsor: cannot give back a refused meeting's spend: %s", chr_err_str(err));
    }
}

static void create_finish(rpc_ctx *x, rpc_reply *r)
{
    const rpc_tx_result *res = &x->req->results[0];
    if (res->state == RPC_TX_REJECTED || res->state == RPC_TX_FAILED) {
        create_give_back(x);
    }
    sponsor_finish(x, r, NULL);
}

/* Takes the meeting's cost from the sponsor's daily allowance, keeping it in the request
 * for create_finish: 1, or 0 and the 402 (or the error) reply. A sponsor without a limit
 * counts nothing (no key-store write per meeting). */
static int create_spend(rpc_ctx *x, rpc_reply *r, const rpc_sponsor *sp,
                        const ledger_meeting_body *b)
{
    rpc_server *srv = x->srv;
    if (sp->spend_per_day == 0) {
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
    err = rpc_apikeys_spend(srv->cfg.auth->keys, sp->spend_name, day, sp->spend_per_day, cost, 0);
    if (err == CHR_ERR_SPEND_LIMIT) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "the meeting's %llu units (escrow and fee) are over what the sponsor may still "
                 "spend today (limit %llu a day)",
                 (unsigned long long)cost, (unsigned long long)sp->spend_per_day);
        rpc_reply_error(r, 402, CHR_ERR_SPEND_LIMIT, msg, NULL);
        return 0;
    }
    if (err != CHR_OK) {
        r->retry_after = 1;
        rpc_reply_error(r, 503, CHR_ERR_STORE, "the sponsor's spending cannot be counted now",
                        NULL);
        return 0;
    }
    chr_put_u64be(x->req->keep, cost);
    chr_put_u64be(x->req->keep + 8, day);
    memcpy(x->req->spend_name, sp->spend_name, sizeof(x->req->spend_name));
    return 1;
}

void rpc_handle_meeting_create(rpc_ctx *x, rpc_reply *r)
{
    static const char *const allowed[] = {"title",    "host",   "participants",
                                          "duration", "region", NULL};
    rpc_sponsor sp;
    if (!rpc_sponsor_get(x, r, &sp)) {
        return;
    }
    json_t *root = rpc_parse_body(x, r, allowed);
    ledger_tx proto;
    uint8_t ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX]; /* outlives proto and the signed tx */
    memset(&proto, 0, sizeof(proto));
    proto.type = LEDGER_TX_MEETING_CREATE;
    int ok = root != NULL && seed_fields(root, r, &proto, ids, sizeof(ids));
    json_decref(root);
    const ledger_meeting_body *b = &proto.body.meeting;
    if (ok && create_spend(x, r, &sp, b)) {
        sponsor_submit(x, r, &sp, LEDGER_TX_MEETING_CREATE, fill_create, b, create_finish);
        if (!r->deferred) {
            create_give_back(x); /* refused before submission (a rule of the meeting) */
        }
    }
    rpc_sponsor_wipe(&sp);
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
    rpc_sponsor sp;
    if (!end_id(x, r, id) || !rpc_sponsor_get(x, r, &sp)) {
        return;
    }
    /* The body is optional: none, or an empty object. */
    json_t *root = x->req->len > 0 ? rpc_parse_body(x, r, allowed) : NULL;
    if (x->req->len == 0 || root != NULL) {
        json_decref(root);
        _Static_assert(sizeof(x->req->keep) >= LEDGER_MEETING_ID_LEN, "the id fits");
        memcpy(x->req->keep, id, LEDGER_MEETING_ID_LEN);
        sponsor_submit(x, r, &sp, LEDGER_TX_MEETING_END, fill_end, id, end_finish);
    }
    rpc_sponsor_wipe(&sp);
}
