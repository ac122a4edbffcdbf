/* Staking's REST reads (docs/API.md, "Staking"): the chain's parameters, the supply broken
 * down, validators (with their missed blocks), delegations, unbonding and redelegation
 * entries, an account's pending rewards. Every answer is read
 * from one snapshot of the store; one object comes with ?prove=true (rpc_reply_object), a
 * list pages with key cursors (rpc/internal/list.h). A list filtered by a key that is not
 * its prefix (a validator's delegations, an account's entries) reads at most
 * RPC_STAKING_SCAN_MAX objects per page: a page may then hold fewer than `limit` (even none)
 * with a next_cursor to go on. */
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"
#include "common/enc.h"
#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/meetings.h"
#include "ledger/slashing.h"
#include "ledger/staking.h"
#include "rpc/internal/http.h"
#include "rpc/internal/list.h"
#include "rpc/internal/snapshot.h"
#include "rpc/limits.h"
#include "rpc/render.h"

static void reply_unreadable(rpc_reply *r)
{
    rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
    r->retry_after = 1;
}

static void reply_damaged(rpc_reply *r)
{
    rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored staking state is damaged", NULL);
}

/* The address in path segment i: 0 and a 400 naming `field` when it is not one. */
static int address_seg(rpc_ctx *x, rpc_reply *r, size_t i, const char *field, uint8_t out[32])
{
    const char *a = x->segs[i];
    if (chr_address_decode(out, a, strlen(a)) != CHR_OK) {
        char msg[80];
        snprintf(msg, sizeof(msg), "%s: not a chr1... bech32m address", field);
        rpc_reply_error(r, 400, CHR_ERR_BECH32, msg, field);
        return 0;
    }
    return 1;
}

/* ---- GET /api/v1/params ---- */

void rpc_handle_params(rpc_ctx *x, rpc_reply *r)
{
    /* The parameters in force for the next block (a governance change moves them). */
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    const ledger_params *p = &tip.params;
    json_t *o = json_object();
    json_object_set_new(o, "fee_transfer", rpc_json_u64(p->fee_transfer));
    json_object_set_new(o, "block_txs_max", json_integer(p->block_txs_max));
    json_object_set_new(o, "block_bytes_max", json_integer(p->block_bytes_max));
    size_t n;
    const ledger_param_field *fields = ledger_param_fields(&n);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = ledger_param_get(p, i);
        /* As in the genesis file: a u64 is a decimal string, a u32 a JSON integer. */
        json_object_set_new(o, fields[i].name,
                            fields[i].wide ? rpc_json_u64(v) : json_integer((json_int_t)v));
    }
    rpc_reply_json(r, 200, json_pack("{s:o}", "params", o));
}

/* ---- GET /api/v1/supply ---- */

/* The pools at rd's tip: all zero before any stake. */
static chr_err pool_read(ledger_store_read *rd, ledger_staking_pool *out)
{
    ledger_object o;
    int found = 0;
    memset(out, 0, sizeof(*out));
    chr_err err =
        ledger_store_object(rd, LEDGER_STATE_GLOBAL, (const uint8_t *)"staking", 7, &o, &found);
    if (err == CHR_OK && found) {
        err = ledger_staking_pool_decode(out, o.value, o.value_len) == CHR_OK ? CHR_OK
                                                                              : CHR_ERR_STATE_ROOT;
    }
    return err;
}

/* The rewards' pool at rd's tip (ledger/distribution.h): all zero before any reward. */
static chr_err rewards_read(ledger_store_read *rd, ledger_rewards_pool *out)
{
    ledger_object o;
    int found = 0;
    memset(out, 0, sizeof(*out));
    chr_err err =
        ledger_store_object(rd, LEDGER_STATE_GLOBAL, (const uint8_t *)"rewards", 7, &o, &found);
    if (err == CHR_OK && found) {
        err = ledger_rewards_pool_decode(out, o.value, o.value_len) == CHR_OK ? CHR_OK
                                                                              : CHR_ERR_STATE_ROOT;
    }
    return err;
}

/* Governance's deposits held in escrow and those it burned (ledger/gov.h, gov_global):
 * zero before any proposal. */
static chr_err gov_read(ledger_store_read *rd, uint64_t *escrow, uint64_t *burned)
{
    ledger_object o;
    int found = 0;
    *escrow = 0;
    *burned = 0;
    chr_err err =
        ledger_store_object(rd, LEDGER_STATE_GOV_GLOBAL, (const uint8_t *)"", 0, &o, &found);
    if (err == CHR_OK && found &&
        ledger_gov_global_decode(o.value, o.value_len, escrow, burned) != CHR_OK) {
        err = CHR_ERR_STATE_ROOT;
    }
    return err;
}

/* The meetings' escrows and the active media nodes' bonds (ledger/meetings.h): zero before
 * any. */
static chr_err meetings_read(ledger_store_read *rd, ledger_meetings_totals *out)
{
    ledger_object o;
    int found = 0;
    memset(out, 0, sizeof(*out));
    chr_err err =
        ledger_store_object(rd, LEDGER_STATE_GLOBAL, (const uint8_t *)LEDGER_MEETINGS_TOTALS_NAME,
                            LEDGER_MEETINGS_TOTALS_NAME_LEN, &o, &found);
    if (err == CHR_OK && found &&
        ledger_meetings_totals_decode(out, o.value, o.value_len) != CHR_OK) {
        err = CHR_ERR_STATE_ROOT;
    }
    return err;
}

void rpc_handle_supply(rpc_ctx *x, rpc_reply *r)
{
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_unreadable(r);
        return;
    }
    ledger_store_meta meta;
    ledger_staking_pool pool;
    ledger_rewards_pool rewards;
    uint64_t deposits;
    uint64_t gov_burned;
    ledger_meetings_totals meetings;
    chr_err err = ledger_store_meta_get(rd, &meta);
    err = err ? err : pool_read(rd, &pool);
    err = err ? err : rewards_read(rd, &rewards);
    err = err ? err : gov_read(rd, &deposits, &gov_burned);
    err = err ? err : meetings_read(rd, &meetings);
    ledger_store_read_end(rd);
    uint64_t total = 0;
    uint64_t liquid = 0;
    /* total = genesis + minted - burned (staking's and governance's); liquid the rest of it
     * after the pools, the rewards pending, the treasury, the deposits in escrow, the
     * meetings' escrows and the media nodes' bonds. */
    uint64_t held = 0;
    if (err == CHR_OK &&
        (chr_add_u64(&pool.burned, pool.burned, gov_burned) != CHR_OK ||
         chr_add_u64(&total, x->srv->be.supply, pool.minted) != CHR_OK || total < pool.burned ||
         chr_add_u64(&held, pool.bonded, pool.unbonding) != CHR_OK ||
         chr_add_u64(&held, held, rewards.pending) != CHR_OK ||
         chr_add_u64(&held, held, rewards.treasury) != CHR_OK ||
         chr_add_u64(&held, held, deposits) != CHR_OK ||
         chr_add_u64(&held, held, meetings.escrowed) != CHR_OK ||
         chr_add_u64(&held, held, meetings.media_bonded) != CHR_OK || total - pool.burned < held)) {
        err = CHR_ERR_STATE_ROOT;
    }
    if (err == CHR_ERR_STATE_ROOT) {
        reply_damaged(r);
        return;
    }
    if (err != CHR_OK) {
        reply_unreadable(r);
        return;
    }
    total -= pool.burned;
    liquid = total - held;
    rpc_reply_json(
        r, 200,
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "height",
                  rpc_json_u64(meta.height), "total", rpc_json_u64(total), "liquid",
                  rpc_json_u64(liquid), "bonded", rpc_json_u64(pool.bonded), "unbonding",
                  rpc_json_u64(pool.unbonding), "rewards_pending", rpc_json_u64(rewards.pending),
                  "treasury", rpc_json_u64(rewards.treasury), "deposits", rpc_json_u64(deposits),
                  "escrowed", rpc_json_u64(meetings.escrowed), "media_bonded",
                  rpc_json_u64(meetings.media_bonded), "minted", rpc_json_u64(pool.minted),
                  "burned", rpc_json_u64(pool.burned), "genesis", rpc_json_u64(x->srv->be.supply)));
}

/* ---- Renderings of the objects ---- */

/* The validator of operator at rd's tip: 1 found, 0 absent, -1 damaged or unreadable. */
static int validator_read(ledger_store_read *rd, const uint8_t op[32], ledger_staking_validator *v)
{
    ledger_object o;
    int found = 0;
    if (ledger_store_object(rd, LEDGER_STATE_VALIDATOR, op, 32, &o, &found) != CHR_OK) {
        return -1;
    }
    if (!found) {
        return 0;
    }
    return ledger_staking_validator_decode(v, op, o.value, o.value_len) == CHR_OK ? 1 : -1;
}

/* A validator's row: its object, and its liveness from its signing record read in the same
 * snapshot (ledger/slashing.h): the commits it missed in the current signing window, how
 * many commits that window has counted so far (at most its size) and the window's size.
 * NULL when either is damaged or unreadable. */
static json_t *validator_row(ledger_store_read *rd, const ledger_object *o,
                             const ledger_params *params)
{
    ledger_staking_validator v;
    ledger_signing_info s;
    ledger_objects *t;
    if (o->natural_len != 32 ||
        ledger_staking_validator_decode(&v, o->natural, o->value, o->value_len) != CHR_OK ||
        rpc_snapshot_objects(rd, &t) != CHR_OK) {
        return NULL;
    }
    chr_err err = ledger_signing_info_get(t, o->natural, &s);
    ledger_objects_free(t);
    if (err != CHR_OK) {
        return NULL;
    }
    json_t *j = rpc_render_validator(&v, params->power_unit);
    json_object_set_new(j, "missed_blocks", json_integer((json_int_t)s.missed));
    uint64_t window = params->signed_blocks_window;
    json_object_set_new(j, "window_counted",
                        json_integer((json_int_t)(s.counted < window ? s.counted : window)));
    json_object_set_new(j, "signed_blocks_window",
                        json_integer((json_int_t)params->signed_blocks_window));
    return j;
}

static json_t *validator_render(void *ctx, ledger_store_read *rd, uint8_t kind,
                                const uint8_t *natural, size_t natural_len, const ledger_object *o)
{
    (void)kind;
    (void)natural;
    (void)natural_len;
    return validator_row(rd, o, ctx);
}

/* A delegation of (delegator, validator) with its amount in v's tokens. */
static json_t *delegation_json(const uint8_t natural[64], const ledger_staking_delegation *d,
                               const ledger_staking_validator *v)
{
    uint64_t amount = d->shares <= v->shares ? ledger_staking_tokens_of(v, d->shares) : 0;
    return json_pack("{s:o,s:o,s:o,s:o}", "delegator", rpc_json_address(natural), "validator",
                     rpc_json_address(natural + 32), "shares", rpc_json_u64(d->shares), "amount",
                     rpc_json_u64(amount));
}

/* The reward the pair (natural: delegator || validator) would be paid by a withdrawal now,
 * computed by the ledger on rd's committed objects (ledger_distribution_pending): 0 when
 * unreadable or damaged. */
static int pending_read(ledger_store_read *rd, const uint8_t natural[64], uint64_t *out)
{
    ledger_objects *t;
    *out = 0;
    if (rpc_snapshot_objects(rd, &t) != CHR_OK) {
        return 0;
    }
    chr_err err = ledger_distribution_pending(t, natural, natural + 32, out);
    ledger_objects_free(t);
    return err == CHR_OK;
}

/* An account's delegation: delegation_json with its pending rewards. */
static json_t *delegation_pending_json(ledger_store_read *rd, const uint8_t natural[64],
                                       const ledger_staking_delegation *d,
                                       const ledger_staking_validator *v)
{
    uint64_t pending;
    if (!pending_read(rd, natural, &pending)) {
        return NULL;
    }
    json_t *j = delegation_json(natural, d, v);
    json_object_set_new(j, "pending_rewards", rpc_json_u64(pending));
    return j;
}

/* A delegation, its validator read in the same snapshot (for the amount). */
static json_t *delegation_render(void *ctx, ledger_store_read *rd, uint8_t kind,
                                 const uint8_t *natural, size_t natural_len, const ledger_object *o)
{
    (void)ctx;
    (void)kind;
    ledger_staking_delegation d;
    ledger_staking_validator v;
    if (natural_len != 64 || ledger_staking_delegation_decode(&d, o->value, o->value_len) ||
        validator_read(rd, natural + 32, &v) != 1) {
        return NULL;
    }
    return delegation_pending_json(rd, natural, &d, &v);
}

/* An unbonding entry: u64 completion_ms | delegator | validator | u64 seq. */
static json_t *unbonding_json(const ledger_object *o)
{
    ledger_staking_unbonding u;
    if (o->natural_len != 80 ||
        ledger_staking_unbonding_decode(&u, o->value, o->value_len) != CHR_OK) {
        return NULL;
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "delegator", rpc_json_address(o->natural + 8),
                     "validator", rpc_json_address(o->natural + 40), "completion_time",
                     rpc_json_time(chr_get_u64be(o->natural)), "created_height",
                     rpc_json_u64(u.created_height), "initial", rpc_json_u64(u.initial), "amount",
                     rpc_json_u64(u.amount), "seq", rpc_json_u64(chr_get_u64be(o->natural + 72)));
}

/* A redelegation entry: u64 completion_ms | delegator | dst | u64 seq; the source in the
 * value. */
static json_t *redelegation_json(const ledger_object *o)
{
    ledger_staking_redelegation e;
    if (o->natural_len != 80 ||
        ledger_staking_redelegation_decode(&e, o->value, o->value_len) != CHR_OK) {
        return NULL;
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "delegator",
                     rpc_json_address(o->natural + 8), "src_validator", rpc_json_address(e.src),
                     "dst_validator", rpc_json_address(o->natural + 40), "completion_time",
                     rpc_json_time(chr_get_u64be(o->natural)), "created_height",
                     rpc_json_u64(e.created_height), "initial", rpc_json_u64(e.initial), "amount",
                     rpc_json_u64(e.amount), "seq", rpc_json_u64(chr_get_u64be(o->natural + 72)));
}

/* ---- Lists ---- */

typedef struct staking_list staking_list;
/* Whether o belongs on the page (0: skip it) and, if so, its JSON in *out (NULL: damaged). */
typedef int (*staking_item_fn)(staking_list *l, ledger_store_read *rd, const ledger_object *o,
                               json_t **out);

struct staking_list {
    const char *name; /* the array's key in the answer */
    ledger_state_kind kind;
    rpc_cursor_kind cursor;
    const uint8_t *prefix; /* NULL: the whole kind */
    size_t prefix_len;
    const uint8_t *key;          /* the filter's key (validator or account) */
    size_t key_at;               /* its place in the natural key */
    const ledger_params *params; /* validators' power and signing window */
    ledger_staking_validator v;  /* a validator's delegations: the validator */
    staking_item_fn item;
    uint64_t total; /* an account's rewards: the sum of the page's */
    int overflow;   /* the sum does not fit a u64 (a damaged state) */
    /* Adds the list's own fields to the answer (NULL: none); 0 when they cannot be read. */
    int (*finish)(staking_list *l, ledger_store_read *rd, json_t *answer);
};

/* Whether the filter key sits at its place in o's natural key. */
static int list_filter(const staking_list *l, const ledger_object *o)
{
    return l->key == NULL ||
           (o->natural_len >= l->key_at + 32 && memcmp(o->natural + l->key_at, l->key, 32) == 0);
}

static int item_validator(staking_list *l, ledger_store_read *rd, const ledger_object *o,
                          json_t **out)
{
    *out = validator_row(rd, o, l->params);
    return 1;
}

static int item_delegation(staking_list *l, ledger_store_read *rd, const ledger_object *o,
                           json_t **out)
{
    if (!list_filter(l, o)) {
        return 0;
    }
    ledger_staking_delegation d;
    if (o->natural_len != 64 || ledger_staking_delegation_decode(&d, o->value, o->value_len)) {
        *out = NULL;
        return 1;
    }
    /* A validator's list knows its validator; an account's reads each. */
    ledger_staking_validator v;
    int have = l->key_at == 32 ? 1 : validator_read(rd, o->natural + 32, &v);
    if (have != 1) {
        *out = NULL;
    } else if (l->key_at == 32) {
        *out = delegation_json(o->natural, &d, &l->v);
    } else {
        *out = delegation_pending_json(rd, o->natural, &d, &v);
    }
    return 1;
}

/* An account's pending reward from one validator it delegates to. */
static int item_reward(staking_list *l, ledger_store_read *rd, const ledger_object *o, json_t **out)
{
    uint64_t pending;
    *out = NULL;
    if (o->natural_len == 64 && pending_read(rd, o->natural, &pending)) {
        l->overflow |= chr_add_u64(&l->total, l->total, pending) != CHR_OK;
        *out = json_pack("{s:o,s:o}", "validator", rpc_json_address(o->natural + 32), "pending",
                         rpc_json_u64(pending));
    }
    return 1;
}

static int item_unbonding(staking_list *l, ledger_store_read *rd, const ledger_object *o,
                          json_t **out)
{
    (void)rd;
    if (!list_filter(l, o)) {
        return 0;
    }
    *out = unbonding_json(o);
    return 1;
}

static int item_redelegation(staking_list *l, ledger_store_read *rd, const ledger_object *o,
                             json_t **out)
{
    (void)rd;
    if (!list_filter(l, o)) {
        return 0;
    }
    *out = redelegation_json(o);
    return 1;
}

/* Reads a page of l in rd, after the cursor's key: the objects in key order, at most limit
 * shown and RPC_STAKING_SCAN_MAX read. *more when the list may go on (then `after` is the
 * last key read). CHR_ERR_STATE_ROOT for damage; the store's errors. */
static chr_err list_page(staking_list *l, ledger_store_read *rd, size_t limit, uint8_t *after,
                         size_t *after_len, int has_cursor, json_t *arr, int *more)
{
    ledger_object *o = malloc(sizeof(*o));
    if (o == NULL) {
        return CHR_ERR_NOMEM;
    }
    size_t read = 0;
    chr_err err = CHR_OK;
    *more = 0;
    for (;;) {
        err = ledger_store_object_next(rd, l->kind, l->prefix, l->prefix_len,
                                       has_cursor ? after : NULL, *after_len, o);
        if (err == CHR_ERR_NOT_FOUND) {
            err = CHR_OK;
            break;
        }
        if (err != CHR_OK) {
            break;
        }
        if (json_array_size(arr) == limit || read == RPC_STAKING_SCAN_MAX) {
            *more = 1; /* one more exists: the page ends before it */
            break;
        }
        read++;
        memcpy(after, o->natural, o->natural_len);
        *after_len = o->natural_len;
        has_cursor = 1;
        json_t *j = NULL;
        if (l->item(l, rd, o, &j)) {
            if (j == NULL) {
                err = CHR_ERR_STATE_ROOT;
                break;
            }
            json_array_append_new(arr, j);
        }
    }
    free(o);
    return err;
}

static void list_reply(rpc_ctx *x, rpc_reply *r, staking_list *l, ledger_store_read *rd)
{
    size_t limit;
    uint8_t after[RPC_KEY_CURSOR_KEY_MAX];
    size_t after_len;
    int has_cursor;
    if (!rpc_key_list_params(x, r, l->cursor, &limit, after, &after_len, &has_cursor)) {
        return;
    }
    json_t *arr = json_array();
    int more = 0;
    chr_err err = arr != NULL ? list_page(l, rd, limit, after, &after_len, has_cursor, arr, &more)
                              : CHR_ERR_NOMEM;
    if (err != CHR_OK) {
        json_decref(arr);
        if (err == CHR_ERR_NOMEM) {
            rpc_reply_nomem(r);
        } else if (err == CHR_ERR_STATE_ROOT) {
            reply_damaged(r);
        } else {
            reply_unreadable(r);
        }
        return;
    }
    json_t *next = json_null();
    if (more) {
        char s[RPC_KEY_CURSOR_STR_MAX + 1];
        rpc_key_cursor_encode(s, l->cursor, after, after_len);
        next = json_string(s);
    }
    json_t *answer = json_pack("{s:o,s:o}", l->name, arr, "next_cursor", next);
    if (l->finish != NULL && !l->finish(l, rd, answer)) {
        json_decref(answer);
        reply_damaged(r);
        return;
    }
    rpc_reply_json(r, 200, answer);
}

/* Opens a snapshot, answers l's page in it, closes it. */
static void list_run(rpc_ctx *x, rpc_reply *r, staking_list *l)
{
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_unreadable(r);
        return;
    }
    list_reply(x, r, l, rd);
    ledger_store_read_end(rd);
}

void rpc_handle_staking_validators(rpc_ctx *x, rpc_reply *r)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    staking_list l = {.name = "validators",
                      .kind = LEDGER_STATE_VALIDATOR,
                      .cursor = RPC_CURSOR_STAKING_VALIDATORS,
                      .params = &tip.params,
                      .item = item_validator};
    list_run(x, r, &l);
}

void rpc_handle_staking_validator(rpc_ctx *x, rpc_reply *r)
{
    uint8_t op[32];
    if (address_seg(x, r, 4, "address", op)) {
        rpc_tip tip;
        x->srv->be.tip(x->srv->be.ctx, &tip);
        rpc_reply_object(x, r, LEDGER_STATE_VALIDATOR, op, 32, validator_render, &tip.params);
    }
}

void rpc_handle_validator_delegations(rpc_ctx *x, rpc_reply *r)
{
    uint8_t op[32];
    if (!address_seg(x, r, 4, "address", op)) {
        return;
    }
    staking_list l = {.name = "delegations",
                      .kind = LEDGER_STATE_DELEGATION,
                      .cursor = RPC_CURSOR_VALIDATOR_DELEGATIONS,
                      .key = op,
                      .key_at = 32,
                      .item = item_delegation};
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_unreadable(r);
        return;
    }
    int have = validator_read(rd, op, &l.v);
    if (have == 1) {
        list_reply(x, r, &l, rd);
    } else if (have == 0) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such validator", "address");
    } else {
        reply_damaged(r);
    }
    ledger_store_read_end(rd);
}

void rpc_handle_account_delegations(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    if (!address_seg(x, r, 3, "address", addr)) {
        return;
    }
    staking_list l = {.name = "delegations",
                      .kind = LEDGER_STATE_DELEGATION,
                      .cursor = RPC_CURSOR_ACCOUNT_DELEGATIONS,
                      .prefix = addr,
                      .prefix_len = 32,
                      .item = item_delegation};
    list_run(x, r, &l);
}

void rpc_handle_account_delegation(rpc_ctx *x, rpc_reply *r)
{
    uint8_t pair[64];
    if (address_seg(x, r, 3, "address", pair) && address_seg(x, r, 5, "validator", pair + 32)) {
        rpc_reply_object(x, r, LEDGER_STATE_DELEGATION, pair, 64, delegation_render, NULL);
    }
}

void rpc_handle_account_unbondings(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    if (!address_seg(x, r, 3, "address", addr)) {
        return;
    }
    staking_list l = {.name = "unbondings",
                      .kind = LEDGER_STATE_UNBONDING,
                      .cursor = RPC_CURSOR_ACCOUNT_UNBONDINGS,
                      .key = addr,
                      .key_at = 8,
                      .item = item_unbonding};
    list_run(x, r, &l);
}

void rpc_handle_account_redelegations(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    if (!address_seg(x, r, 3, "address", addr)) {
        return;
    }
    staking_list l = {.name = "redelegations",
                      .kind = LEDGER_STATE_REDELEGATION,
                      .cursor = RPC_CURSOR_ACCOUNT_REDELEGATIONS,
                      .key = addr,
                      .key_at = 8,
                      .item = item_redelegation};
    list_run(x, r, &l);
}

/* ---- GET /api/v1/accounts/{address}/rewards ---- */

/* The page's total and, for an operator, its validator's commission not yet withdrawn. */
static int rewards_finish(staking_list *l, ledger_store_read *rd, json_t *answer)
{
    ledger_staking_validator v;
    int have = validator_read(rd, l->prefix, &v);
    json_t *commission = json_null();
    if (have == 1) {
        ledger_objects *t;
        ledger_val_rewards vr;
        if (rpc_snapshot_objects(rd, &t) != CHR_OK) {
            return 0;
        }
        chr_err err = ledger_val_rewards_get(t, l->prefix, &vr);
        ledger_objects_free(t);
        if (err != CHR_OK) {
            return 0;
        }
        commission = rpc_json_u64(vr.commission);
    }
    if (have < 0 || l->overflow) {
        json_decref(commission);
        return 0;
    }
    json_object_set_new(answer, "address", rpc_json_address(l->prefix));
    json_object_set_new(answer, "total", rpc_json_u64(l->total));
    json_object_set_new(answer, "commission", commission);
    return 1;
}

void rpc_handle_account_rewards(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    if (!address_seg(x, r, 3, "address", addr)) {
        return;
    }
    /* The rows are the account's delegations: a cursor of its delegations' list serves. */
    staking_list l = {.name = "rewards",
                      .kind = LEDGER_STATE_DELEGATION,
                      .cursor = RPC_CURSOR_ACCOUNT_DELEGATIONS,
                      .prefix = addr,
                      .prefix_len = 32,
                      .item = item_reward,
                      .finish = rewards_finish};
    list_run(x, r, &l);
}
