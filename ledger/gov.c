#include "ledger/gov.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/distribution.h"
#include "ledger/staking.h"
#include "ledger/tx.h"

__extension__ typedef unsigned __int128 gov_u128;

/* a * b / c rounded down; c > 0 and a result that fits are invariants of the callers
 * (shares and tokens within the supply). */
static uint64_t gov_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    CHR_ASSERT(c > 0);
    gov_u128 q = (gov_u128)a * b / c;
    CHR_ASSERT(q <= UINT64_MAX);
    return (uint64_t)q;
}

static const uint8_t no_key[1];

/* ---- Names. ---- */

const char *ledger_gov_status_name(uint8_t status)
{
    static const char *const names[] = {
        NULL,       "deposit_period", "voting_period", "passed",
        "rejected", "vetoed",         "failed",        "dropped",
    };
    return status < sizeof(names) / sizeof(names[0]) ? names[status] : NULL;
}

const char *ledger_gov_option_name(uint8_t option)
{
    static const char *const names[] = {NULL, "yes", "abstain", "no", "veto"};
    return option < sizeof(names) / sizeof(names[0]) ? names[option] : NULL;
}

const char *ledger_gov_kind_name(uint8_t kind)
{
    static const char *const names[] = {NULL,    "text",    "params",
                                        "spend", "upgrade", "cancel_upgrade"};
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : NULL;
}

/* ---- Encodings. ---- */

void ledger_gov_content_encode(chr_enc *enc, const ledger_gov_content *c)
{
    chr_enc_u8(enc, c->kind);
    chr_enc_u8(enc, c->expedited);
    chr_enc_bytes8(enc, c->title, c->title_len);
    if (c->kind == LEDGER_GOV_PARAMS) {
        chr_enc_u8(enc, c->changes_len);
        for (uint8_t i = 0; i < c->changes_len; i++) {
            chr_enc_bytes8(enc, (const uint8_t *)c->changes[i].name, c->changes[i].name_len);
            chr_enc_u64(enc, c->changes[i].value);
        }
    } else if (c->kind == LEDGER_GOV_SPEND) {
        chr_enc_raw(enc, c->recipient, 32);
        chr_enc_u64(enc, c->amount);
    } else if (c->kind == LEDGER_GOV_UPGRADE) {
        chr_enc_bytes8(enc, (const uint8_t *)c->upgrade_name, c->upgrade_name_len);
        chr_enc_u64(enc, c->upgrade_height);
    }
}

/* A name of 1..max bytes of [a-z0-9] and the extra characters allowed. */
static int name_valid(const uint8_t *s, size_t len, size_t max, const char *extra)
{
    if (len == 0 || len > max) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        int ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                 (s[i] != 0 && strchr(extra, s[i]) != NULL);
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

int ledger_gov_upgrade_name_valid(const char *name, size_t len)
{
    return name_valid((const uint8_t *)name, len, LEDGER_GOV_UPGRADE_NAME_MAX, "._-");
}

static chr_err dec_name(chr_dec *dec, char *out, uint8_t *out_len, size_t max, const char *extra)
{
    const uint8_t *s;
    size_t len;
    chr_err err = chr_dec_bytes8(dec, &s, &len, 255);
    if (err != CHR_OK) {
        return err;
    }
    if (!name_valid(s, len, max, extra)) {
        return CHR_ERR_PROPOSAL;
    }
    memcpy(out, s, len);
    *out_len = (uint8_t)len;
    return CHR_OK;
}

static chr_err dec_changes(chr_dec *dec, ledger_gov_content *c)
{
    chr_err err = chr_dec_u8(dec, &c->changes_len);
    if (err == CHR_OK && (c->changes_len == 0 || c->changes_len > LEDGER_GOV_CHANGES_MAX)) {
        return CHR_ERR_PROPOSAL;
    }
    for (uint8_t i = 0; i < c->changes_len && err == CHR_OK; i++) {
        ledger_gov_change *ch = &c->changes[i];
        err = dec_name(dec, ch->name, &ch->name_len, LEDGER_GOV_PARAM_NAME_MAX, "_");
        err = err ? err : chr_dec_u64(dec, &ch->value);
    }
    return err;
}

chr_err ledger_gov_content_decode(chr_dec *dec, ledger_gov_content *out)
{
    memset(out, 0, sizeof(*out));
    const uint8_t *title;
    size_t title_len = 0;
    chr_err err = chr_dec_u8(dec, &out->kind);
    err = err ? err : chr_dec_u8(dec, &out->expedited);
    err = err ? err : chr_dec_bytes8(dec, &title, &title_len, 255);
    if (err == CHR_OK && ledger_gov_kind_name(out->kind) == NULL) {
        err = CHR_ERR_PROPOSAL;
    } else if (err == CHR_OK && out->expedited > 1) {
        err = CHR_ERR_NONCANONICAL;
    } else if (err == CHR_OK && (title_len == 0 || title_len > LEDGER_GOV_TITLE_MAX ||
                                 !ledger_utf8_valid(title, title_len))) {
        err = CHR_ERR_PROPOSAL;
    }
    if (err == CHR_OK) {
        memcpy(out->title, title, title_len);
        out->title_len = (uint8_t)title_len;
    }
    if (err == CHR_OK && out->kind == LEDGER_GOV_PARAMS) {
        err = dec_changes(dec, out);
    } else if (err == CHR_OK && out->kind == LEDGER_GOV_SPEND) {
        err = chr_dec_raw(dec, out->recipient, 32);
        err = err ? err : chr_dec_u64(dec, &out->amount);
    } else if (err == CHR_OK && out->kind == LEDGER_GOV_UPGRADE) {
        err = dec_name(dec, out->upgrade_name, &out->upgrade_name_len, LEDGER_GOV_UPGRADE_NAME_MAX,
                       "._-");
        err = err ? err : chr_dec_u64(dec, &out->upgrade_height);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

size_t ledger_gov_proposal_encode(uint8_t out[LEDGER_OBJECT_VALUE_MAX],
                                  const ledger_gov_proposal *p)
{
    chr_enc enc;
    chr_enc_init(&enc, out, LEDGER_OBJECT_VALUE_MAX);
    chr_enc_u8(&enc, p->status);
    chr_enc_u8(&enc, p->expedited);
    chr_enc_raw(&enc, p->proposer, 32);
    chr_enc_u64(&enc, p->submit_height);
    chr_enc_u64(&enc, p->submit_ms);
    chr_enc_u64(&enc, p->deposit_end_ms);
    chr_enc_u64(&enc, p->voting_start_ms);
    chr_enc_u64(&enc, p->voting_end_ms);
    chr_enc_u64(&enc, p->total_deposit);
    chr_enc_u16(&enc, p->depositors);
    chr_enc_u16(&enc, p->exec_err);
    chr_enc_u32(&enc, p->votes);
    for (int i = 0; i < LEDGER_GOV_OPTIONS; i++) {
        chr_enc_u64(&enc, p->tally[i]);
    }
    ledger_gov_content_encode(&enc, &p->content);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    return len;
}

/* The fixed part of a proposal's value before its content. */
#define PROPOSAL_FIXED_BYTES (2 + 32 + 6 * 8 + 2 + 2 + 4 + LEDGER_GOV_OPTIONS * 8)
_Static_assert(PROPOSAL_FIXED_BYTES + LEDGER_GOV_CONTENT_BYTES_MAX <= LEDGER_OBJECT_VALUE_MAX,
               "the largest proposal fits one object value");

chr_err ledger_gov_proposal_decode(ledger_gov_proposal *out, uint64_t id, const uint8_t *in,
                                   size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u8(&dec, &out->status);
    err = err ? err : chr_dec_u8(&dec, &out->expedited);
    err = err ? err : chr_dec_raw(&dec, out->proposer, 32);
    err = err ? err : chr_dec_u64(&dec, &out->submit_height);
    err = err ? err : chr_dec_u64(&dec, &out->submit_ms);
    err = err ? err : chr_dec_u64(&dec, &out->deposit_end_ms);
    err = err ? err : chr_dec_u64(&dec, &out->voting_start_ms);
    err = err ? err : chr_dec_u64(&dec, &out->voting_end_ms);
    err = err ? err : chr_dec_u64(&dec, &out->total_deposit);
    err = err ? err : chr_dec_u16(&dec, &out->depositors);
    err = err ? err : chr_dec_u16(&dec, &out->exec_err);
    err = err ? err : chr_dec_u32(&dec, &out->votes);
    for (int i = 0; i < LEDGER_GOV_OPTIONS && err == CHR_OK; i++) {
        err = chr_dec_u64(&dec, &out->tally[i]);
    }
    err = err ? err : ledger_gov_content_decode(&dec, &out->content);
    err = err ? err : chr_dec_finish(&dec);
    if (err == CHR_OK && (ledger_gov_status_name(out->status) == NULL || out->expedited > 1)) {
        err = CHR_ERR_NONCANONICAL;
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    out->id = id;
    return CHR_OK;
}

/* ---- Objects. ---- */

typedef struct gov_global {
    uint64_t next_id;
    uint64_t escrow;
    uint64_t burned;
} gov_global;

static chr_err global_get(ledger_objects *t, gov_global *out)
{
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    chr_err err = ledger_object_get(t, LEDGER_STATE_GOV_GLOBAL, no_key, 0, v, &len, &found);
    out->next_id = 1;
    out->escrow = 0;
    out->burned = 0;
    if (err == CHR_OK && found) {
        if (len != 24) {
            return CHR_ERR_STORE;
        }
        out->next_id = chr_get_u64be(v);
        out->escrow = chr_get_u64be(v + 8);
        out->burned = chr_get_u64be(v + 16);
    }
    return err;
}

static chr_err global_put(ledger_objects *t, const gov_global *g)
{
    uint8_t v[24];
    chr_put_u64be(v, g->next_id);
    chr_put_u64be(v + 8, g->escrow);
    chr_put_u64be(v + 16, g->burned);
    return ledger_object_put(t, LEDGER_STATE_GOV_GLOBAL, no_key, 0, v, sizeof(v));
}

chr_err ledger_gov_global_decode(const uint8_t *value, size_t value_len, uint64_t *escrow,
                                 uint64_t *burned)
{
    *escrow = 0;
    *burned = 0;
    if (value_len != 24) {
        return CHR_ERR_STORE;
    }
    *escrow = chr_get_u64be(value + 8);
    *burned = chr_get_u64be(value + 16);
    return CHR_OK;
}

chr_err ledger_gov_escrow(ledger_objects *t, uint64_t *escrow, uint64_t *burned)
{
    gov_global g;
    chr_err err = global_get(t, &g);
    *escrow = err == CHR_OK ? g.escrow : 0;
    *burned = err == CHR_OK ? g.burned : 0;
    return err;
}

chr_err ledger_gov_proposal_get(ledger_objects *t, uint64_t id, ledger_gov_proposal *out,
                                int *found)
{
    uint8_t key[8];
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    chr_put_u64be(key, id);
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_object_get(t, LEDGER_STATE_PROPOSAL, key, 8, v, &len, found);
    if (err == CHR_OK && *found && ledger_gov_proposal_decode(out, id, v, len) != CHR_OK) {
        err = CHR_ERR_STORE;
    }
    return err;
}

static chr_err proposal_put(ledger_objects *t, const ledger_gov_proposal *p)
{
    uint8_t key[8];
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    chr_put_u64be(key, p->id);
    size_t len = ledger_gov_proposal_encode(v, p);
    return ledger_object_put(t, LEDGER_STATE_PROPOSAL, key, 8, v, len);
}

/* Records that p has its status at the end of block height (ledger/gov.h, gov_event); a
 * second change in the same block overwrites the first. */
static chr_err event_put(ledger_objects *t, uint64_t height, const ledger_gov_proposal *p)
{
    uint8_t key[16];
    uint8_t v[3];
    chr_put_u64be(key, height);
    chr_put_u64be(key + 8, p->id);
    v[0] = p->status;
    v[1] = (uint8_t)(p->exec_err >> 8);
    v[2] = (uint8_t)p->exec_err;
    return ledger_object_put(t, LEDGER_STATE_GOV_EVENT, key, sizeof(key), v, sizeof(v));
}

chr_err ledger_gov_event_decode(ledger_gov_event *out, const uint8_t *natural, size_t natural_len,
                                const uint8_t *value, size_t value_len)
{
    memset(out, 0, sizeof(*out));
    if (natural_len != 16 || value_len != 3 || ledger_gov_status_name(value[0]) == NULL) {
        return CHR_ERR_STORE;
    }
    out->height = chr_get_u64be(natural);
    out->id = chr_get_u64be(natural + 8);
    out->status = value[0];
    out->exec_err = (uint16_t)((unsigned)value[1] << 8 | value[2]);
    return CHR_OK;
}

/* u64 id || raw32 who: a vote's and a deposit's natural key. */
static void pair_key(uint8_t out[40], uint64_t id, const uint8_t who[32])
{
    chr_put_u64be(out, id);
    memcpy(out + 8, who, 32);
}

chr_err ledger_gov_vote_get(ledger_objects *t, uint64_t id, const uint8_t voter[32],
                            uint8_t *option)
{
    uint8_t key[40];
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    pair_key(key, id, voter);
    *option = 0;
    chr_err err = ledger_object_get(t, LEDGER_STATE_VOTE, key, 40, v, &len, &found);
    if (err == CHR_OK && found) {
        if (len != 1 || ledger_gov_option_name(v[0]) == NULL) {
            return CHR_ERR_STORE;
        }
        *option = v[0];
    }
    return err;
}

static chr_err queue_set(ledger_objects *t, uint64_t end_ms, uint64_t id, uint8_t status, int put)
{
    uint8_t key[16];
    chr_put_u64be(key, end_ms);
    chr_put_u64be(key + 8, id);
    int found;
    return put ? ledger_object_put(t, LEDGER_STATE_GOV_QUEUE, key, 16, &status, 1)
               : ledger_object_delete(t, LEDGER_STATE_GOV_QUEUE, key, 16, &found);
}

chr_err ledger_gov_upgrade_plan(ledger_objects *t, char name[LEDGER_GOV_UPGRADE_NAME_MAX + 1],
                                uint64_t *height, int *found)
{
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    name[0] = '\0';
    *height = 0;
    chr_err err = ledger_object_get(t, LEDGER_STATE_UPGRADE_PLAN, no_key, 0, v, &len, found);
    if (err != CHR_OK || !*found) {
        return err;
    }
    if (len < 9 || v[0] == 0 || v[0] > LEDGER_GOV_UPGRADE_NAME_MAX || len != 1u + v[0] + 8) {
        return CHR_ERR_STORE;
    }
    memcpy(name, v + 1, v[0]);
    name[v[0]] = '\0';
    *height = chr_get_u64be(v + 1 + v[0]);
    return CHR_OK;
}

/* ---- The operations. ---- */

/* The parameters as they are now with c's changes on them (all of them, or an error):
 * CHR_ERR_PARAM_RANGE with detail. */
static chr_err changes_apply(ledger_objects *t, const ledger_params *genesis,
                             const ledger_gov_content *c, ledger_gov_param_set *before,
                             ledger_gov_param_set *after, char *detail, size_t cap)
{
    chr_err err = ledger_gov_param_set_get(t, genesis, before);
    if (err != CHR_OK) {
        return err;
    }
    *after = *before;
    for (uint8_t i = 0; i < c->changes_len; i++) {
        const ledger_gov_change *ch = &c->changes[i];
        if (ledger_gov_param_assign(after, ch->name, ch->name_len, ch->value) != CHR_OK) {
            snprintf(detail, cap, "changes[%u]: %.*s: unknown, or %llu does not fit", i,
                     (int)ch->name_len, ch->name, (unsigned long long)ch->value);
            return CHR_ERR_PARAM_RANGE;
        }
    }
    const char *field;
    if (ledger_gov_param_set_check(after, &field) != CHR_OK) {
        snprintf(detail, cap, "%s: outside its legal range", field);
        return CHR_ERR_PARAM_RANGE;
    }
    return CHR_OK;
}

/* The rules of a proposal's content against the state at submission. */
static chr_err content_check_state(ledger_objects *t, const ledger_params *genesis,
                                   const ledger_gov_content *c, uint64_t height, char *detail,
                                   size_t cap)
{
    if (c->kind == LEDGER_GOV_UPGRADE && c->upgrade_height <= height) {
        snprintf(detail, cap, "upgrade_height: %llu is not after block %llu",
                 (unsigned long long)c->upgrade_height, (unsigned long long)height);
        return CHR_ERR_PROPOSAL;
    }
    if (c->kind == LEDGER_GOV_PARAMS) {
        ledger_gov_param_set before;
        ledger_gov_param_set after;
        return changes_apply(t, genesis, c, &before, &after, detail, cap);
    }
    return CHR_OK;
}

/* Moves p from its deposit period into its voting period at time_ms. */
static chr_err voting_open(ledger_objects *t, ledger_gov_proposal *p, const ledger_gov_params *gp,
                           uint64_t time_ms, int queued)
{
    chr_err err = queued ? queue_set(t, p->deposit_end_ms, p->id, 0, 0) : CHR_OK;
    p->status = LEDGER_GOV_VOTING_PERIOD;
    p->voting_start_ms = time_ms;
    p->voting_end_ms =
        time_ms + (p->expedited ? gp->expedited_voting_period_ms : gp->voting_period_ms);
    return err ? err : queue_set(t, p->voting_end_ms, p->id, LEDGER_GOV_VOTING_PERIOD, 1);
}

static uint64_t min_deposit(const ledger_gov_proposal *p, const ledger_gov_params *gp)
{
    return p->expedited ? gp->expedited_min_deposit : gp->min_deposit;
}

/* Adds amount from depositor to p's deposits and the escrow; opens the vote at the
 * minimum. p is written by the caller. */
static chr_err deposit_add(ledger_objects *t, ledger_gov_proposal *p, const uint8_t depositor[32],
                           uint64_t amount, uint64_t time_ms, int queued)
{
    uint8_t key[40];
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    gov_global g;
    ledger_gov_params gp;
    pair_key(key, p->id, depositor);
    chr_err err = ledger_object_get(t, LEDGER_STATE_GOV_DEPOSIT, key, 40, v, &len, &found);
    err = err ? err : global_get(t, &g);
    err = err ? err : ledger_gov_params_get(t, &gp);
    if (err != CHR_OK) {
        return err;
    }
    uint64_t held = found && len == 8 ? chr_get_u64be(v) : 0;
    /* Every deposit is liquid supply moved into the escrow: the sums fit a u64. */
    CHR_ASSERT(chr_add_u64(&held, held, amount) == CHR_OK);
    CHR_ASSERT(chr_add_u64(&p->total_deposit, p->total_deposit, amount) == CHR_OK);
    CHR_ASSERT(chr_add_u64(&g.escrow, g.escrow, amount) == CHR_OK);
    p->depositors = (uint16_t)(p->depositors + !found);
    chr_put_u64be(v, held);
    err = ledger_object_put(t, LEDGER_STATE_GOV_DEPOSIT, key, 40, v, 8);
    err = err ? err : global_put(t, &g);
    if (err == CHR_OK && p->status == LEDGER_GOV_DEPOSIT_PERIOD &&
        p->total_deposit >= min_deposit(p, &gp)) {
        err = voting_open(t, p, &gp, time_ms, queued);
    }
    return err;
}

chr_err ledger_gov_submit(ledger_objects *t, const ledger_params *genesis,
                          const uint8_t proposer[32], const ledger_gov_content *c, uint64_t deposit,
                          uint64_t height, uint64_t time_ms, uint64_t *id, char *detail,
                          size_t detail_cap)
{
    *id = 0;
    if (ledger_objects_room(t) < LEDGER_GOV_OBJECTS_MAX) {
        return CHR_ERR_FULL;
    }
    gov_global g;
    ledger_gov_params gp;
    chr_err err = content_check_state(t, genesis, c, height, detail, detail_cap);
    err = err ? err : global_get(t, &g);
    err = err ? err : ledger_gov_params_get(t, &gp);
    if (err != CHR_OK) {
        return err;
    }
    ledger_gov_proposal p;
    memset(&p, 0, sizeof(p));
    p.id = g.next_id;
    p.status = LEDGER_GOV_DEPOSIT_PERIOD;
    p.expedited = c->expedited;
    memcpy(p.proposer, proposer, 32);
    p.submit_height = height;
    p.submit_ms = time_ms;
    p.deposit_end_ms = time_ms + gp.deposit_period_ms;
    p.content = *c;
    g.next_id++;
    err = global_put(t, &g);
    err = err ? err : queue_set(t, p.deposit_end_ms, p.id, LEDGER_GOV_DEPOSIT_PERIOD, 1);
    if (err == CHR_OK && deposit > 0) {
        err = deposit_add(t, &p, proposer, deposit, time_ms, 1);
    }
    err = err ? err : proposal_put(t, &p);
    err = err ? err : event_put(t, height, &p);
    if (err == CHR_OK) {
        *id = p.id;
    }
    return err;
}

/* The proposal id in one of the open statuses with its period not over at time_ms. */
static chr_err proposal_open(ledger_objects *t, uint64_t id, uint64_t time_ms, int voting,
                             ledger_gov_proposal *p, char *detail, size_t cap)
{
    int found;
    chr_err err = ledger_gov_proposal_get(t, id, p, &found);
    if (err != CHR_OK) {
        return err;
    }
    if (!found) {
        snprintf(detail, cap, "id: no proposal %llu", (unsigned long long)id);
        return CHR_ERR_UNKNOWN_PROPOSAL;
    }
    int in_deposit = p->status == LEDGER_GOV_DEPOSIT_PERIOD && time_ms < p->deposit_end_ms;
    int in_vote = p->status == LEDGER_GOV_VOTING_PERIOD && time_ms < p->voting_end_ms;
    if (!(in_vote || (!voting && in_deposit))) {
        snprintf(detail, cap, "id: proposal %llu is %s%s", (unsigned long long)id,
                 ledger_gov_status_name(p->status),
                 in_deposit || in_vote ? "" : " (its period has ended)");
        return CHR_ERR_WRONG_STATE;
    }
    return CHR_OK;
}

chr_err ledger_gov_deposit(ledger_objects *t, const uint8_t depositor[32], uint64_t id,
                           uint64_t amount, uint64_t height, uint64_t time_ms, char *detail,
                           size_t detail_cap)
{
    if (ledger_objects_room(t) < LEDGER_GOV_OBJECTS_MAX) {
        return CHR_ERR_FULL;
    }
    ledger_gov_proposal p;
    chr_err err = proposal_open(t, id, time_ms, 0, &p, detail, detail_cap);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t key[40];
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    pair_key(key, id, depositor);
    err = ledger_object_get(t, LEDGER_STATE_GOV_DEPOSIT, key, 40, v, &len, &found);
    if (err == CHR_OK && !found && p.depositors >= LEDGER_GOV_DEPOSITORS_MAX) {
        snprintf(detail, detail_cap, "depositors: proposal %llu has %u already",
                 (unsigned long long)id, LEDGER_GOV_DEPOSITORS_MAX);
        return CHR_ERR_ENTRIES;
    }
    uint8_t before = p.status;
    err = err ? err : deposit_add(t, &p, depositor, amount, time_ms, 1);
    err = err ? err : proposal_put(t, &p);
    return err || p.status == before ? err : event_put(t, height, &p);
}

/* Whether who holds stake: a validator of its own or a delegation. */
static chr_err has_stake(ledger_objects *t, const uint8_t who[32], int *yes)
{
    ledger_staking_validator v;
    chr_err err = ledger_staking_validator_get(t, who, &v, yes);
    if (err != CHR_OK || *yes) {
        return err;
    }
    ledger_object one;
    size_t n;
    err = ledger_object_scan(t, LEDGER_STATE_DELEGATION, who, 32, NULL, 0, &one, 1, &n);
    *yes = err == CHR_OK && n > 0;
    return err;
}

chr_err ledger_gov_vote(ledger_objects *t, const uint8_t voter[32], uint64_t id, uint8_t option,
                        uint64_t time_ms, char *detail, size_t detail_cap)
{
    if (ledger_objects_room(t) < LEDGER_GOV_OBJECTS_MAX) {
        return CHR_ERR_FULL;
    }
    if (ledger_gov_option_name(option) == NULL) {
        snprintf(detail, detail_cap, "option: %u is not yes, abstain, no or veto", option);
        return CHR_ERR_PROPOSAL;
    }
    ledger_gov_proposal p;
    uint8_t before;
    int staked = 0;
    chr_err err = proposal_open(t, id, time_ms, 1, &p, detail, detail_cap);
    err = err ? err : has_stake(t, voter, &staked);
    err = err ? err : ledger_gov_vote_get(t, id, voter, &before);
    if (err == CHR_OK && !staked) {
        snprintf(detail, detail_cap, "voter: neither a validator nor a delegator");
        return CHR_ERR_NO_STAKE;
    }
    if (err == CHR_OK && before == 0 && p.votes >= LEDGER_GOV_VOTES_MAX) {
        snprintf(detail, detail_cap, "votes: proposal %llu has %u already", (unsigned long long)id,
                 LEDGER_GOV_VOTES_MAX);
        return CHR_ERR_ENTRIES;
    }
    if (err != CHR_OK) {
        return err;
    }
    uint8_t key[40];
    pair_key(key, id, voter);
    err = ledger_object_put(t, LEDGER_STATE_VOTE, key, 40, &option, 1);
    if (err == CHR_OK && before == 0) {
        p.votes++;
        err = proposal_put(t, &p);
    }
    return err;
}

/* ---- The tally. ---- */

/* An active validator as the tally sees it. */
typedef struct tally_val {
    uint8_t op[32];
    uint64_t tokens;
    uint64_t shares;
    uint64_t deducted; /* its delegators' shares that voted themselves */
    uint8_t option;    /* its own vote; 0: none */
} tally_val;

typedef struct tally_ctx {
    ledger_objects *t;
    tally_val vals[LEDGER_VALIDATORS_MAX];
    size_t n;
    uint64_t *tally;
} tally_ctx;

/* Objects one scan call reads: keeps the buffers on the stack small. */
#define TALLY_BATCH 8

/* The active validators: the first validators_max of the power index, with their shares. */
static chr_err tally_actives(tally_ctx *c, uint32_t validators_max, uint64_t *bonded)
{
    ledger_object batch[TALLY_BATCH];
    uint8_t after[40];
    size_t after_len = 0;
    *bonded = 0;
    c->n = 0;
    CHR_ASSERT(validators_max <= LEDGER_VALIDATORS_MAX);
    for (;;) {
        size_t got;
        chr_err err =
            ledger_object_scan(c->t, LEDGER_STATE_POWER, NULL, 0, after_len ? after : NULL,
                               after_len, batch, TALLY_BATCH, &got);
        for (size_t i = 0; i < got && err == CHR_OK && c->n < validators_max; i++) {
            CHR_ASSERT(batch[i].natural_len == 40);
            tally_val *v = &c->vals[c->n++];
            memset(v, 0, sizeof(*v));
            memcpy(v->op, batch[i].natural + 8, 32);
            ledger_staking_validator rec;
            int found;
            err = ledger_staking_validator_get(c->t, v->op, &rec, &found);
            if (err == CHR_OK && !found) {
                err = CHR_ERR_STORE; /* an index row without its validator */
            }
            v->tokens = rec.tokens;
            v->shares = rec.shares;
            CHR_ASSERT(chr_add_u64(bonded, *bonded, rec.tokens) == CHR_OK);
        }
        if (err != CHR_OK || got < TALLY_BATCH || c->n == validators_max) {
            return err;
        }
        memcpy(after, batch[got - 1].natural, 40);
        after_len = 40;
    }
}

static tally_val *tally_find(tally_ctx *c, const uint8_t op[32])
{
    for (size_t i = 0; i < c->n; i++) {
        if (memcmp(c->vals[i].op, op, 32) == 0) {
            return &c->vals[i];
        }
    }
    return NULL;
}

/* One vote: the voter's own validator takes its option; its delegations to active
 * validators weigh for it and leave their validators' votes. */
static chr_err tally_vote(tally_ctx *c, const uint8_t voter[32], uint8_t option)
{
    tally_val *own = tally_find(c, voter);
    if (own != NULL) {
        own->option = option;
    }
    ledger_object dels[LEDGER_GOV_VOTER_DELEGATIONS_MAX];
    size_t got;
    chr_err err = ledger_object_scan(c->t, LEDGER_STATE_DELEGATION, voter, 32, NULL, 0, dels,
                                     LEDGER_GOV_VOTER_DELEGATIONS_MAX, &got);
    for (size_t i = 0; i < got && err == CHR_OK; i++) {
        tally_val *v = tally_find(c, dels[i].natural + 32);
        ledger_staking_delegation d;
        err = ledger_staking_delegation_decode(&d, dels[i].value, dels[i].value_len);
        if (err != CHR_OK || v == NULL || v->shares == 0) {
            err = err != CHR_OK ? CHR_ERR_STORE : CHR_OK;
            continue;
        }
        CHR_ASSERT(d.shares <= v->shares - v->deducted);
        v->deducted += d.shares;
        uint64_t w = gov_mul_div(d.shares, v->tokens, v->shares);
        CHR_ASSERT(chr_add_u64(&c->tally[option - 1], c->tally[option - 1], w) == CHR_OK);
    }
    return err;
}

chr_err ledger_gov_tally(ledger_objects *t, const ledger_params *params, uint64_t id,
                         uint64_t tally[LEDGER_GOV_OPTIONS], uint64_t *bonded)
{
    static tally_ctx zero;
    tally_ctx c = zero;
    c.t = t;
    c.tally = tally;
    memset(tally, 0, LEDGER_GOV_OPTIONS * sizeof(tally[0]));
    chr_err err = tally_actives(&c, params->validators_max, bonded);
    uint8_t prefix[8];
    chr_put_u64be(prefix, id);
    ledger_object batch[TALLY_BATCH];
    uint8_t after[40];
    size_t after_len = 0;
    while (err == CHR_OK) {
        size_t got;
        err = ledger_object_scan(t, LEDGER_STATE_VOTE, prefix, 8, after_len ? after : NULL,
                                 after_len, batch, TALLY_BATCH, &got);
        for (size_t i = 0; i < got && err == CHR_OK; i++) {
            uint8_t option = batch[i].value[0];
            if (batch[i].natural_len != 40 || batch[i].value_len != 1 ||
                ledger_gov_option_name(option) == NULL) {
                return CHR_ERR_STORE;
            }
            err = tally_vote(&c, batch[i].natural + 8, option);
        }
        if (got < TALLY_BATCH) {
            break;
        }
        memcpy(after, batch[got - 1].natural, 40);
        after_len = 40;
    }
    /* The validators' votes carry the shares their voting delegators did not take. */
    for (size_t i = 0; i < c.n && err == CHR_OK; i++) {
        tally_val *v = &c.vals[i];
        if (v->option != 0 && v->shares > 0) {
            uint64_t w = gov_mul_div(v->shares - v->deducted, v->tokens, v->shares);
            CHR_ASSERT(chr_add_u64(&tally[v->option - 1], tally[v->option - 1], w) == CHR_OK);
        }
    }
    return err;
}

/* ---- The end of a block. ---- */

/* Pays p's deposits back to their depositors, or burns them, and deletes them. */
static chr_err deposits_settle(ledger_overlay *o, ledger_objects *t, const ledger_gov_proposal *p,
                               int burn)
{
    uint8_t prefix[8];
    chr_put_u64be(prefix, p->id);
    uint64_t settled = 0;
    chr_err err = CHR_OK;
    for (;;) {
        ledger_object batch[TALLY_BATCH];
        size_t got;
        /* Deleted deposits leave the scan: each pass reads from the first again. */
        err = ledger_object_scan(t, LEDGER_STATE_GOV_DEPOSIT, prefix, 8, NULL, 0, batch,
                                 TALLY_BATCH, &got);
        for (size_t i = 0; i < got && err == CHR_OK; i++) {
            if (batch[i].natural_len != 40 || batch[i].value_len != 8) {
                return CHR_ERR_STORE;
            }
            uint64_t amount = chr_get_u64be(batch[i].value);
            int found;
            settled += amount;
            err = burn ? CHR_OK : ledger_overlay_credit(o, batch[i].natural + 8, amount);
            err = err ? err
                      : ledger_object_delete(t, LEDGER_STATE_GOV_DEPOSIT, batch[i].natural, 40,
                                             &found);
        }
        if (err != CHR_OK || got == 0) {
            break;
        }
    }
    gov_global g;
    err = err ? err : global_get(t, &g);
    if (err != CHR_OK) {
        return err;
    }
    CHR_ASSERT(settled == p->total_deposit);
    CHR_ASSERT(g.escrow >= settled);
    g.escrow -= settled;
    g.burned += burn ? settled : 0;
    return global_put(t, &g);
}

/* Carries out a passed proposal: CHR_OK, or the error recorded on it (nothing changed). A
 * spend pays its recipient from the treasury (ledger/distribution.h), or fails with
 * CHR_ERR_BALANCE when the treasury holds less at the end of the vote. */
static chr_err execute(ledger_overlay *o, ledger_objects *t, const ledger_params *genesis,
                       const ledger_gov_proposal *p, uint64_t height)
{
    const ledger_gov_content *c = &p->content;
    char detail[LEDGER_DETAIL_MAX];
    int found;
    switch (c->kind) {
    case LEDGER_GOV_PARAMS: {
        ledger_gov_param_set before;
        ledger_gov_param_set after;
        chr_err err = changes_apply(t, genesis, c, &before, &after, detail, sizeof(detail));
        return err ? err : ledger_gov_param_set_put(t, &before, &after);
    }
    case LEDGER_GOV_UPGRADE: {
        if (c->upgrade_height <= height) {
            return CHR_ERR_PROPOSAL; /* the vote ended after the upgrade's height */
        }
        uint8_t v[1 + LEDGER_GOV_UPGRADE_NAME_MAX + 8];
        v[0] = c->upgrade_name_len;
        memcpy(v + 1, c->upgrade_name, c->upgrade_name_len);
        chr_put_u64be(v + 1 + c->upgrade_name_len, c->upgrade_height);
        return ledger_object_put(t, LEDGER_STATE_UPGRADE_PLAN, no_key, 0, v,
                                 1u + c->upgrade_name_len + 8);
    }
    case LEDGER_GOV_CANCEL_UPGRADE:
        return ledger_object_delete(t, LEDGER_STATE_UPGRADE_PLAN, no_key, 0, &found);
    case LEDGER_GOV_SPEND: {
        chr_err err = ledger_distribution_treasury_take(t, c->amount);
        /* The overlay has room for one account per ended proposal (LEDGER_GOV_ACCOUNT_STEPS_MAX):
         * a failure to credit is a broken bound, which abandons the block. */
        return err ? err : ledger_overlay_credit(o, c->recipient, c->amount);
    }
    default:
        return CHR_OK; /* text: the record is the result */
    }
}

/* Whether num / den > ppm / 10^6 (strictly), without overflow. */
static int above(uint64_t num, uint64_t den, uint64_t ppm)
{
    return (gov_u128)num * LEDGER_PPM > (gov_u128)den * ppm;
}

/* Ends p's vote at time_ms: tallies, decides, executes, settles its deposits. */
static chr_err vote_end(ledger_overlay *o, ledger_objects *t, const ledger_params *params,
                        const ledger_params *genesis, ledger_gov_proposal *p, uint64_t height)
{
    ledger_gov_params gp;
    uint64_t bonded;
    chr_err err = ledger_gov_params_get(t, &gp);
    err = err ? err : ledger_gov_tally(t, params, p->id, p->tally, &bonded);
    if (err != CHR_OK) {
        return err;
    }
    const uint64_t *v = p->tally;
    uint64_t voted = v[0] + v[1] + v[2] + v[3]; /* within the bonded stake: no overflow */
    uint64_t counted = v[0] + v[2] + v[3];      /* abstain aside */
    int quorum = bonded > 0 && (gov_u128)voted * LEDGER_PPM >= (gov_u128)bonded * gp.quorum_ppm;
    int vetoed = quorum && above(v[3], voted, gp.veto_ppm);
    uint64_t threshold = p->expedited ? gp.expedited_threshold_ppm : gp.threshold_ppm;
    int passed = quorum && !vetoed && counted > 0 && above(v[0], counted, threshold);
    if (p->expedited && !passed && !vetoed) {
        /* An expedited proposal that missed becomes a normal one: its vote goes on until
         * the normal period's end, its votes standing. */
        p->expedited = 0;
        memset(p->tally, 0, sizeof(p->tally));
        p->voting_end_ms = p->voting_start_ms + gp.voting_period_ms;
        return queue_set(t, p->voting_end_ms, p->id, LEDGER_GOV_VOTING_PERIOD, 1);
    }
    int burn = vetoed || (!quorum && gp.burn_no_quorum);
    if (passed) {
        chr_err exec = execute(o, t, genesis, p, height);
        if (exec == CHR_ERR_STORE || exec == CHR_ERR_NOMEM || exec == CHR_ERR_IO ||
            exec == CHR_ERR_FULL) {
            return exec; /* the view's or a broken bound: not the proposal's failure */
        }
        p->status = exec == CHR_OK ? LEDGER_GOV_PASSED : LEDGER_GOV_FAILED;
        p->exec_err = (uint16_t)exec;
    } else {
        p->status = vetoed ? LEDGER_GOV_VETOED : LEDGER_GOV_REJECTED;
    }
    return deposits_settle(o, t, p, burn);
}

/* The first queue entry if it is due at time_ms: *due 0 when none is. */
static chr_err queue_due(ledger_objects *t, uint64_t time_ms, uint64_t *end_ms, uint64_t *id,
                         int *due)
{
    ledger_object first;
    size_t got;
    *due = 0;
    chr_err err = ledger_object_scan(t, LEDGER_STATE_GOV_QUEUE, NULL, 0, NULL, 0, &first, 1, &got);
    if (err != CHR_OK || got == 0) {
        return err;
    }
    if (first.natural_len != 16) {
        return CHR_ERR_STORE;
    }
    *end_ms = chr_get_u64be(first.natural);
    *id = chr_get_u64be(first.natural + 8);
    *due = *end_ms <= time_ms;
    return CHR_OK;
}

chr_err ledger_gov_end_block(ledger_overlay *o, const ledger_params *params,
                             const ledger_params *genesis, uint64_t height, uint64_t time_ms)
{
    ledger_objects *t = ledger_overlay_objects(o);
    CHR_ASSERT(t != NULL);
    chr_err err = CHR_OK;
    for (int k = 0; k < LEDGER_GOV_ENDS_PER_BLOCK_MAX && err == CHR_OK; k++) {
        uint64_t end_ms;
        uint64_t id;
        int due;
        int found;
        ledger_gov_proposal p;
        err = queue_due(t, time_ms, &end_ms, &id, &due);
        if (err != CHR_OK || !due) {
            break;
        }
        err = queue_set(t, end_ms, id, 0, 0);
        err = err ? err : ledger_gov_proposal_get(t, id, &p, &found);
        if (err == CHR_OK && !found) {
            err = CHR_ERR_STORE; /* a queue entry without its proposal */
        }
        uint8_t before = p.status;
        if (err == CHR_OK && p.status == LEDGER_GOV_DEPOSIT_PERIOD) {
            ledger_gov_params gp;
            err = ledger_gov_params_get(t, &gp);
            p.status = LEDGER_GOV_DROPPED;
            err = err ? err : deposits_settle(o, t, &p, gp.burn_dropped != 0);
        } else if (err == CHR_OK) {
            CHR_ASSERT(p.status == LEDGER_GOV_VOTING_PERIOD);
            err = vote_end(o, t, params, genesis, &p, height);
        }
        err = err ? err : proposal_put(t, &p);
        /* An expedited vote that fell back to a normal one changed no status. */
        if (err == CHR_OK && p.status != before) {
            err = event_put(t, height, &p);
        }
    }
    return err;
}

/* ---- Software upgrades. ---- */

/* What a known upgrade changes in the state when its height comes. */
typedef chr_err (*upgrade_migrate_fn)(ledger_objects *t);

#ifdef CHROOM_TEST_UPGRADE
/* The test upgrade changes nothing: a build with it goes on where one without it stops. */
static chr_err migrate_none(ledger_objects *t)
{
    (void)t;
    return CHR_OK;
}
#endif

/* The upgrades this build knows, by name. The list ends with an empty row. */
static const struct {
    const char *name;
    upgrade_migrate_fn migrate;
} upgrades[] = {
#ifdef CHROOM_TEST_UPGRADE
    {"test-upgrade", migrate_none},
#endif
    {NULL, NULL},
};

static upgrade_migrate_fn upgrade_find(const char *name, size_t len)
{
    for (size_t i = 0; upgrades[i].name != NULL; i++) {
        if (strlen(upgrades[i].name) == len && memcmp(upgrades[i].name, name, len) == 0) {
            return upgrades[i].migrate;
        }
    }
    return NULL;
}

int ledger_gov_upgrade_known(const char *name, size_t len)
{
    return upgrade_find(name, len) != NULL;
}

chr_err ledger_gov_begin_block(ledger_objects *t, uint64_t height, char *why, size_t why_cap)
{
    char name[LEDGER_GOV_UPGRADE_NAME_MAX + 1];
    uint64_t at;
    int found;
    chr_err err = ledger_gov_upgrade_plan(t, name, &at, &found);
    if (err != CHR_OK || !found || at != height) {
        return err;
    }
    upgrade_migrate_fn migrate = upgrade_find(name, strlen(name));
    if (migrate == NULL) {
        snprintf(why, why_cap,
                 "software upgrade \"%s\" is scheduled at height %llu and this build does not "
                 "know it: stop and run a release of chroomd that includes \"%s\"",
                 name, (unsigned long long)height, name);
        return CHR_ERR_UPGRADE;
    }
    err = migrate(t);
    return err ? err : ledger_object_delete(t, LEDGER_STATE_UPGRADE_PLAN, no_key, 0, &found);
}
