/* The governance routes (docs/API.md, "Governance"): GET /api/v1/gov/proposals (status
 * filter, paginated), GET /api/v1/gov/proposals/{id} (with its deposits and the tally so
 * far; prove=true), GET /api/v1/gov/proposals/{id}/votes (paginated),
 * GET /api/v1/gov/proposals/{id}/votes/{voter} (prove=true) and GET /api/v1/gov/params.
 * Each request reads one LMDB snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"
#include "common/enc.h"
#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/gov_params.h"
#include "ledger/store.h"
#include "rpc/internal/gov.h"
#include "rpc/internal/http.h"
#include "rpc/internal/list.h"
#include "rpc/internal/snapshot.h"
#include "rpc/limits.h"
#include "rpc/render.h"

static void reply_store_error(rpc_reply *r, chr_err err)
{
    if (err == CHR_ERR_NOMEM) {
        rpc_reply_nomem(r);
        return;
    }
    rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
    r->retry_after = 1;
}

/* ---- Renderings. ---- */

static json_t *tally_json(const uint64_t tally[LEDGER_GOV_OPTIONS])
{
    json_t *o = json_object();
    for (uint8_t i = 0; i < LEDGER_GOV_OPTIONS; i++) {
        json_object_set_new(o, ledger_gov_option_name((uint8_t)(i + 1)), rpc_json_u64(tally[i]));
    }
    return o;
}

static json_t *content_json(const ledger_gov_content *c)
{
    json_t *o = json_object();
    if (c->kind == LEDGER_GOV_PARAMS) {
        json_t *list = json_array();
        for (uint8_t i = 0; i < c->changes_len; i++) {
            json_array_append_new(list, json_pack("{s:s%,s:o}", "name", c->changes[i].name,
                                                  (size_t)c->changes[i].name_len, "value",
                                                  rpc_json_u64(c->changes[i].value)));
        }
        json_object_set_new(o, "changes", list);
    } else if (c->kind == LEDGER_GOV_SPEND) {
        json_object_set_new(o, "recipient", rpc_json_address(c->recipient));
        json_object_set_new(o, "amount", rpc_json_u64(c->amount));
    } else if (c->kind == LEDGER_GOV_UPGRADE) {
        json_object_set_new(o, "name", json_stringn(c->upgrade_name, c->upgrade_name_len));
        json_object_set_new(o, "height", rpc_json_u64(c->upgrade_height));
    }
    return o;
}

json_t *rpc_render_proposal(const ledger_gov_proposal *p)
{
    const ledger_gov_content *c = &p->content;
    int ended = p->status > LEDGER_GOV_VOTING_PERIOD && p->status != LEDGER_GOV_DROPPED;
    json_t *o = json_object();
    json_object_set_new(o, "id", rpc_json_u64(p->id));
    json_object_set_new(o, "kind", json_string(ledger_gov_kind_name(c->kind)));
    json_object_set_new(o, "title", json_stringn((const char *)c->title, c->title_len));
    json_object_set_new(o, "status", json_string(ledger_gov_status_name(p->status)));
    json_object_set_new(o, "expedited", json_boolean(p->expedited));
    json_object_set_new(o, "submitted_expedited", json_boolean(c->expedited));
    json_object_set_new(o, "content", content_json(c));
    json_object_set_new(o, "proposer", rpc_json_address(p->proposer));
    json_object_set_new(o, "submit_height", rpc_json_u64(p->submit_height));
    json_object_set_new(o, "submit_time", rpc_json_time(p->submit_ms));
    json_object_set_new(o, "deposit_end_time", rpc_json_time(p->deposit_end_ms));
    json_object_set_new(o, "voting_start_time",
                        p->voting_start_ms ? rpc_json_time(p->voting_start_ms) : json_null());
    json_object_set_new(o, "voting_end_time",
                        p->voting_end_ms ? rpc_json_time(p->voting_end_ms) : json_null());
    json_object_set_new(o, "total_deposit", rpc_json_u64(p->total_deposit));
    json_object_set_new(o, "depositors", json_integer(p->depositors));
    json_object_set_new(o, "votes", json_integer(p->votes));
    json_object_set_new(o, "final_tally", ended ? tally_json(p->tally) : json_null());
    json_object_set_new(o, "execution_error",
                        p->exec_err ? json_string(chr_err_name((chr_err)p->exec_err))
                                    : json_null());
    return o;
}

void rpc_render_gov_tx_body(json_t *o, const ledger_tx *tx)
{
    if (tx->type == LEDGER_TX_GOV_SUBMIT) {
        const ledger_gov_content *c = &tx->body.gov_submit.content;
        json_object_set_new(o, "proposal_kind", json_string(ledger_gov_kind_name(c->kind)));
        json_object_set_new(o, "title", json_stringn((const char *)c->title, c->title_len));
        json_object_set_new(o, "expedited", json_boolean(c->expedited));
        json_object_set_new(o, "content", content_json(c));
        json_object_set_new(o, "amount", rpc_json_u64(tx->body.gov_submit.deposit));
    } else if (tx->type == LEDGER_TX_GOV_DEPOSIT) {
        json_object_set_new(o, "proposal_id", rpc_json_u64(tx->body.gov_deposit.id));
        json_object_set_new(o, "amount", rpc_json_u64(tx->body.gov_deposit.amount));
    } else {
        json_object_set_new(o, "proposal_id", rpc_json_u64(tx->body.gov_vote.id));
        const char *name = ledger_gov_option_name(tx->body.gov_vote.option);
        json_object_set_new(o, "option", name ? json_string(name) : json_null());
    }
}

/* ---- Parameters of the path and query. ---- */

/* The {id} segment: a decimal proposal id, 1 or more; 0 and a 400 otherwise. */
static int id_param(const char *seg, rpc_reply *r, uint64_t *id)
{
    if (!rpc_parse_u64(seg, id) || *id == 0) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "id: a proposal id, 1 or more", "id");
        return 0;
    }
    return 1;
}

/* ?status=: a status name, or absent (0); -1 and a 400 otherwise. */
static int status_param(rpc_ctx *x, rpc_reply *r)
{
    const char *s = rpc_query(x, "status");
    if (s == NULL) {
        return 0;
    }
    for (uint8_t i = 1; ledger_gov_status_name(i) != NULL; i++) {
        if (strcmp(s, ledger_gov_status_name(i)) == 0) {
            return i;
        }
    }
    rpc_reply_error(r, 400, CHR_ERR_ARG,
                    "status: deposit_period, voting_period, passed, rejected, vetoed, failed "
                    "or dropped",
                    "status");
    return -1;
}

/* ?prove= as for the state routes, without ?height= (these answer at the tip). */
static int prove_param(rpc_ctx *x, rpc_reply *r, int *prove)
{
    if (!rpc_prove_param(x, r, prove)) {
        return 0;
    }
    if (rpc_query(x, "height") != NULL) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "height: not taken here (the tip's proof)", "height");
        return 0;
    }
    return 1;
}

static json_t *cursor_json(rpc_cursor_kind kind, uint64_t height, uint32_t index)
{
    rpc_cursor c = {kind, height, index};
    char s[RPC_CURSOR_STR_LEN + 1];
    rpc_cursor_encode(s, &c);
    return json_string(s);
}

/* ---- GET /api/v1/gov/proposals ---- */

/* Fills arr with up to limit proposals after id *after that have status (0: any), reading
 * at most RPC_HISTORY_SCAN_MAX; *more when the list goes on after *after. */
static chr_err proposals_fill(ledger_store_read *rd, uint64_t *after, int has_after, int status,
                              size_t limit, json_t *arr, int *more)
{
    ledger_object *o = malloc(sizeof(*o));
    size_t scanned = 0;
    chr_err err = o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    *more = 0;
    while (err == CHR_OK) {
        uint8_t key[8];
        chr_put_u64be(key, *after);
        err = ledger_store_object_next(rd, LEDGER_STATE_PROPOSAL, key, 0, has_after ? key : NULL,
                                       has_after ? 8 : 0, o);
        if (err == CHR_ERR_NOT_FOUND) {
            err = CHR_OK;
            break;
        }
        ledger_gov_proposal p;
        if (err == CHR_OK &&
            (o->natural_len != 8 || ledger_gov_proposal_decode(&p, chr_get_u64be(o->natural),
                                                               o->value, o->value_len) != CHR_OK)) {
            err = CHR_ERR_STORE;
        }
        if (err != CHR_OK) {
            break;
        }
        if (json_array_size(arr) == limit || ++scanned > RPC_HISTORY_SCAN_MAX) {
            *more = 1;
            break;
        }
        *after = p.id;
        has_after = 1;
        if (status == 0 || status == p.status) {
            json_array_append_new(arr, rpc_render_proposal(&p));
        }
    }
    free(o);
    return err;
}

void rpc_handle_proposals(rpc_ctx *x, rpc_reply *r)
{
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    if (!rpc_list_params(x, r, RPC_CURSOR_PROPOSALS, &limit, &cur, &has_cursor)) {
        return;
    }
    int status = status_param(x, r);
    if (status < 0) {
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r, CHR_ERR_STORE);
        return;
    }
    json_t *arr = json_array();
    uint64_t after = has_cursor ? cur.height : 0;
    int more;
    chr_err err = proposals_fill(rd, &after, has_cursor, status, limit, arr, &more);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        json_decref(arr);
        reply_store_error(r, err);
        return;
    }
    json_t *next = more ? cursor_json(RPC_CURSOR_PROPOSALS, after, 0) : json_null();
    rpc_reply_json(r, 200, json_pack("{s:o,s:o}", "proposals", arr, "next_cursor", next));
}

/* ---- GET /api/v1/gov/proposals/{id} ---- */

/* The proposal's deposits (at most LEDGER_GOV_DEPOSITORS_MAX while it is open). */
static chr_err deposits_json(ledger_store_read *rd, uint64_t id, ledger_object *o, json_t *arr)
{
    uint8_t prefix[8];
    uint8_t after[40];
    size_t after_len = 0;
    chr_put_u64be(prefix, id);
    for (size_t n = 0; n < LEDGER_GOV_DEPOSITORS_MAX; n++) {
        chr_err err = ledger_store_object_next(rd, LEDGER_STATE_GOV_DEPOSIT, prefix, 8,
                                               after_len ? after : NULL, after_len, o);
        if (err == CHR_ERR_NOT_FOUND) {
            return CHR_OK;
        }
        if (err == CHR_OK && (o->natural_len != 40 || o->value_len != 8)) {
            err = CHR_ERR_STORE;
        }
        if (err != CHR_OK) {
            return err;
        }
        json_array_append_new(arr,
                              json_pack("{s:o,s:o}", "depositor", rpc_json_address(o->natural + 8),
                                        "amount", rpc_json_u64(chr_get_u64be(o->value))));
        memcpy(after, o->natural, 40);
        after_len = 40;
    }
    return CHR_OK;
}

/* The tally so far of a proposal in its voting period, as the stake stands at rd's tip. */
static chr_err tally_now(rpc_ctx *x, ledger_store_read *rd, uint64_t id, json_t **out)
{
    *out = NULL;
    ledger_objects *t;
    chr_err err = rpc_snapshot_objects(rd, &t);
    if (err != CHR_OK) {
        return err;
    }
    ledger_params params;
    uint64_t tally[LEDGER_GOV_OPTIONS];
    uint64_t bonded = 0;
    err = ledger_chain_params_get(t, x->srv->be.params, &params);
    err = err ? err : ledger_gov_tally(t, &params, id, tally, &bonded);
    ledger_objects_free(t);
    if (err == CHR_OK) {
        *out = tally_json(tally);
        json_object_set_new(*out, "bonded", rpc_json_u64(bonded));
    }
    return err;
}

void rpc_handle_proposal(rpc_ctx *x, rpc_reply *r)
{
    uint64_t id;
    int prove;
    if (!id_param(x->segs[4], r, &id) || !prove_param(x, r, &prove)) {
        return;
    }
    ledger_object *o = malloc(sizeof(*o));
    ledger_store_read *rd = NULL;
    if (o == NULL || ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        free(o);
        reply_store_error(r, o == NULL ? CHR_ERR_NOMEM : CHR_ERR_STORE);
        return;
    }
    uint8_t key[8];
    chr_put_u64be(key, id);
    int found = 0;
    json_t *proof = NULL;
    json_t *tally = NULL;
    json_t *deposits = json_array();
    ledger_gov_proposal p;
    chr_err err =
        rpc_state_object_read(rd, LEDGER_STATE_PROPOSAL, key, 8, prove, o, &found, &proof);
    if (err == CHR_OK && found && ledger_gov_proposal_decode(&p, id, o->value, o->value_len)) {
        err = CHR_ERR_STORE;
    }
    err = err || !found ? err : deposits_json(rd, id, o, deposits);
    if (err == CHR_OK && found && p.status == LEDGER_GOV_VOTING_PERIOD) {
        err = tally_now(x, rd, id, &tally);
    }
    ledger_store_read_end(rd);
    free(o);
    if (err != CHR_OK || !found) {
        json_decref(deposits);
        json_decref(proof);
        if (err != CHR_OK) {
            reply_store_error(r, err);
        } else {
            rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such proposal", NULL);
        }
        return;
    }
    json_t *j = json_pack("{s:o,s:o,s:o}", "proposal", rpc_render_proposal(&p), "deposits",
                          deposits, "tally", tally ? tally : json_null());
    if (proof != NULL) {
        json_object_set_new(j, "proof", proof);
    }
    rpc_reply_json(r, 200, j);
}

/* ---- GET /api/v1/gov/proposals/{id}/votes and .../votes/{voter} ---- */

static json_t *vote_json(uint64_t id, const uint8_t voter[32], uint8_t option)
{
    return json_pack("{s:o,s:o,s:s}", "proposal_id", rpc_json_u64(id), "voter",
                     rpc_json_address(voter), "option", ledger_gov_option_name(option));
}

/* Up to limit votes of proposal id after the voter in after (after_len 0: from the first);
 * *more when the list goes on after the last one given (after holds it then). */
static chr_err votes_fill(ledger_store_read *rd, uint64_t id, uint8_t after[40], size_t after_len,
                          size_t limit, json_t *arr, int *more)
{
    ledger_object *o = malloc(sizeof(*o));
    chr_err err = o == NULL ? CHR_ERR_NOMEM : CHR_OK;
    uint8_t prefix[8];
    chr_put_u64be(prefix, id);
    *more = 0;
    while (err == CHR_OK) {
        err = ledger_store_object_next(rd, LEDGER_STATE_VOTE, prefix, 8, after_len ? after : NULL,
                                       after_len, o);
        if (err == CHR_ERR_NOT_FOUND) {
            err = CHR_OK;
            break;
        }
        if (err == CHR_OK && (o->natural_len != 40 || o->value_len != 1 ||
                              ledger_gov_option_name(o->value[0]) == NULL)) {
            err = CHR_ERR_STORE;
        }
        if (err != CHR_OK) {
            break;
        }
        if (json_array_size(arr) == limit) {
            *more = 1;
            break;
        }
        memcpy(after, o->natural, 40);
        after_len = 40;
        json_array_append_new(arr, vote_json(id, o->natural + 8, o->value[0]));
    }
    free(o);
    return err;
}

void rpc_handle_proposal_votes(rpc_ctx *x, rpc_reply *r)
{
    uint64_t id;
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    if (!id_param(x->segs[4], r, &id) ||
        !rpc_list_params(x, r, RPC_CURSOR_VOTES, &limit, &cur, &has_cursor)) {
        return;
    }
    /* A cursor names the first 12 bytes of the last voter given out: the page goes on
     * after every voter that starts with them. */
    uint8_t after[40];
    chr_put_u64be(after, id);
    memset(after + 8, 0xff, 32);
    if (has_cursor) {
        chr_put_u64be(after + 8, cur.height);
        chr_put_u32be(after + 16, cur.index);
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r, CHR_ERR_STORE);
        return;
    }
    json_t *arr = json_array();
    int more;
    chr_err err = votes_fill(rd, id, after, has_cursor ? 40 : 0, limit, arr, &more);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        json_decref(arr);
        reply_store_error(r, err);
        return;
    }
    json_t *next =
        more ? cursor_json(RPC_CURSOR_VOTES, chr_get_u64be(after + 8), chr_get_u32be(after + 16))
             : json_null();
    rpc_reply_json(r, 200, json_pack("{s:o,s:o}", "votes", arr, "next_cursor", next));
}

void rpc_handle_proposal_vote(rpc_ctx *x, rpc_reply *r)
{
    uint64_t id;
    int prove;
    uint8_t key[40];
    const char *addr = x->segs[6];
    if (!id_param(x->segs[4], r, &id)) {
        return;
    }
    if (chr_address_decode(key + 8, addr, strlen(addr)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "voter: a chr1 address", "voter");
        return;
    }
    if (!prove_param(x, r, &prove)) {
        return;
    }
    chr_put_u64be(key, id);
    ledger_object *o = malloc(sizeof(*o));
    ledger_store_read *rd = NULL;
    if (o == NULL || ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        free(o);
        reply_store_error(r, o == NULL ? CHR_ERR_NOMEM : CHR_ERR_STORE);
        return;
    }
    int found = 0;
    json_t *proof = NULL;
    chr_err err = rpc_state_object_read(rd, LEDGER_STATE_VOTE, key, 40, prove, o, &found, &proof);
    ledger_store_read_end(rd);
    if (err == CHR_OK && found && (o->value_len != 1 || !ledger_gov_option_name(o->value[0]))) {
        err = CHR_ERR_STORE;
    }
    if (err != CHR_OK || !found) {
        json_decref(proof);
        free(o);
        if (err != CHR_OK) {
            reply_store_error(r, err);
        } else {
            rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no vote of this voter on this proposal",
                            NULL);
        }
        return;
    }
    json_t *j = vote_json(id, key + 8, o->value[0]);
    free(o);
    if (proof != NULL) {
        json_object_set_new(j, "proof", proof);
    }
    rpc_reply_json(r, 200, j);
}

/* ---- GET /api/v1/gov/params ---- */

static chr_err params_json(rpc_ctx *x, ledger_store_read *rd, json_t **out)
{
    *out = NULL;
    ledger_objects *t;
    chr_err err = rpc_snapshot_objects(rd, &t);
    if (err != CHR_OK) {
        return err;
    }
    ledger_gov_param_set s;
    char name[LEDGER_GOV_UPGRADE_NAME_MAX + 1];
    uint64_t at;
    int found;
    err = ledger_gov_param_set_get(t, x->srv->be.params, &s);
    err = err ? err : ledger_gov_upgrade_plan(t, name, &at, &found);
    /* The treasury, so that a spend's proposer and voters see what it can pay. */
    ledger_rewards_pool pool;
    err = err ? err : ledger_rewards_pool_get(t, &pool);
    ledger_objects_free(t);
    if (err != CHR_OK) {
        return err;
    }
    json_t *chain = json_object();
    json_object_set_new(chain, "fee_transfer", rpc_json_u64(s.chain.fee_transfer));
    json_object_set_new(chain, "block_txs_max", rpc_json_u64(s.chain.block_txs_max));
    json_object_set_new(chain, "block_bytes_max", rpc_json_u64(s.chain.block_bytes_max));
    size_t n;
    const ledger_param_field *rows = ledger_param_fields(&n);
    for (size_t i = 0; i < n; i++) {
        json_object_set_new(chain, rows[i].name, rpc_json_u64(ledger_param_get(&s.chain, i)));
    }
    const ledger_meeting_params *m = &s.meetings;
    const ledger_gov_params *g = &s.gov;
    *out = json_pack(
        "{s:o,s:{s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o},s:o,s:o}",
        "chain", chain, "meetings", "price_per_participant_minute",
        rpc_json_u64(m->price_per_participant_minute), "media_node_min_bond",
        rpc_json_u64(m->media_node_min_bond), "meeting_unbonding_ms", rpc_json_u64(m->unbonding_ms),
        "grace_ms", rpc_json_u64(m->grace_ms), "gov", "min_deposit", rpc_json_u64(g->min_deposit),
        "expedited_min_deposit", rpc_json_u64(g->expedited_min_deposit), "deposit_period_ms",
        rpc_json_u64(g->deposit_period_ms), "voting_period_ms", rpc_json_u64(g->voting_period_ms),
        "expedited_voting_period_ms", rpc_json_u64(g->expedited_voting_period_ms), "quorum_ppm",
        rpc_json_u64(g->quorum_ppm), "threshold_ppm", rpc_json_u64(g->threshold_ppm),
        "expedited_threshold_ppm", rpc_json_u64(g->expedited_threshold_ppm), "veto_ppm",
        rpc_json_u64(g->veto_ppm), "burn_dropped", rpc_json_u64(g->burn_dropped), "burn_no_quorum",
        rpc_json_u64(g->burn_no_quorum), "upgrade_plan",
        found ? json_pack("{s:s,s:o}", "name", name, "height", rpc_json_u64(at)) : json_null(),
        "treasury", rpc_json_u64(pool.treasury));
    return *out == NULL ? CHR_ERR_NOMEM : CHR_OK;
}

void rpc_handle_gov_params(rpc_ctx *x, rpc_reply *r)
{
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r, CHR_ERR_STORE);
        return;
    }
    json_t *j;
    chr_err err = params_json(x, rd, &j);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        reply_store_error(r, err);
        return;
    }
    rpc_reply_json(r, 200, j);
}
