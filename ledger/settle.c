#include "ledger/settle.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "credit/credit.h"
#include "ledger/distribution.h"
#include "ledger/media.h"

#define MS_PER_MIN 60000ull
#define CLAIM_KEY_LEN (LEDGER_MEETING_ID_LEN + 1)
#define DUE_KEY_LEN (8 + LEDGER_MEETING_ID_LEN)
/* The people of a meeting: its host and its participants. */
#define PEOPLE_MAX (LEDGER_MEETING_PARTICIPANTS_MAX + 1)

_Static_assert(CREDIT_CHAIN_ID_MAX == LEDGER_CHAIN_ID_MAX, "credits take every chain id");
_Static_assert(CREDIT_MEETING_ID_LEN == LEDGER_MEETING_ID_LEN, "credits name meetings");
_Static_assert(CREDIT_PARTICIPANT_ID_MAX == LEDGER_MEETING_ID_STR_MAX, "credits take every ID");
_Static_assert(LEDGER_SETTLE_WINDOW_MS_MAX * 2 + LEDGER_MEETING_AHEAD_MAX_MS < UINT64_MAX / 4,
               "due times near any block time cannot overflow");

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (size_t i = 0; i < 8; i++) {
        p[7 - i] = (uint8_t)(v >> (8 * i));
    }
}

void ledger_settle_params_default(ledger_settle_params *out)
{
    out->settle_window_ms = 24ull * 3600 * 1000;
    out->dispute_window_ms = 3600ull * 1000;
    out->protocol_share_permille = 50;
}

void ledger_settle_params_encode(uint8_t out[LEDGER_SETTLE_PARAMS_BYTES],
                                 const ledger_settle_params *p)
{
    put64(out, p->settle_window_ms);
    put64(out + 8, p->dispute_window_ms);
    put64(out + 16, p->protocol_share_permille);
}

chr_err ledger_settle_params_decode(ledger_settle_params *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len != LEDGER_SETTLE_PARAMS_BYTES) {
        return in_len < LEDGER_SETTLE_PARAMS_BYTES ? CHR_ERR_TRUNCATED : CHR_ERR_TRAILING;
    }
    ledger_settle_params p = {be64(in), be64(in + 8), be64(in + 16)};
    if (p.settle_window_ms > LEDGER_SETTLE_WINDOW_MS_MAX ||
        p.dispute_window_ms > LEDGER_SETTLE_WINDOW_MS_MAX || p.protocol_share_permille > 1000) {
        return CHR_ERR_ARG;
    }
    *out = p;
    return CHR_OK;
}

chr_err ledger_settle_params_get(ledger_objects *t, ledger_settle_params *out)
{
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    ledger_settle_params_default(out);
    chr_err err = ledger_object_get(t, LEDGER_STATE_SETTLE_PARAMS, NULL, 0, v, &len, &found);
    if (err == CHR_OK && found) {
        CHR_ASSERT(ledger_settle_params_decode(out, v, len) == CHR_OK);
    }
    return err;
}

chr_err ledger_settlement_decode(ledger_settlement *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len != LEDGER_SETTLEMENT_BYTES) {
        return in_len < LEDGER_SETTLEMENT_BYTES ? CHR_ERR_TRUNCATED : CHR_ERR_TRAILING;
    }
    if (in[24] > 1) {
        return CHR_ERR_NONCANONICAL;
    }
    out->paid = be64(in);
    out->protocol = be64(in + 8);
    out->refunded = be64(in + 16);
    out->closed = in[24];
    return CHR_OK;
}

chr_err ledger_settlement_get(ledger_objects *t, const uint8_t id[LEDGER_MEETING_ID_LEN],
                              ledger_settlement *out)
{
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_object_get(t, LEDGER_STATE_MEETING_SETTLEMENT, id, LEDGER_MEETING_ID_LEN,
                                    v, &len, &found);
    if (err == CHR_OK && found) {
        CHR_ASSERT(ledger_settlement_decode(out, v, len) == CHR_OK);
    }
    return err;
}

static chr_err settlement_put(ledger_objects *t, const uint8_t *id, const ledger_settlement *s)
{
    uint8_t v[LEDGER_SETTLEMENT_BYTES];
    put64(v, s->paid);
    put64(v + 8, s->protocol);
    put64(v + 16, s->refunded);
    v[24] = s->closed;
    return ledger_object_put(t, LEDGER_STATE_MEETING_SETTLEMENT, id, LEDGER_MEETING_ID_LEN, v,
                             sizeof(v));
}

chr_err ledger_claim_record_decode(ledger_claim_record *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len != LEDGER_CLAIM_RECORD_BYTES) {
        return in_len < LEDGER_CLAIM_RECORD_BYTES ? CHR_ERR_TRUNCATED : CHR_ERR_TRAILING;
    }
    uint64_t v = be64(in);
    ledger_claim_record r = {(uint32_t)(v >> 32), (uint32_t)v};
    if (r.pending_min != 0 && r.pending_min <= r.final_min) {
        return CHR_ERR_CLAIM;
    }
    *out = r;
    return CHR_OK;
}

static void claim_key(uint8_t out[CLAIM_KEY_LEN], const uint8_t *id, uint8_t index)
{
    memcpy(out, id, LEDGER_MEETING_ID_LEN);
    out[LEDGER_MEETING_ID_LEN] = index;
}

static chr_err claim_get(ledger_objects *t, const uint8_t *id, uint8_t index,
                         ledger_claim_record *out)
{
    uint8_t key[CLAIM_KEY_LEN], v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    claim_key(key, id, index);
    memset(out, 0, sizeof(*out));
    chr_err err =
        ledger_object_get(t, LEDGER_STATE_MEETING_CLAIM, key, CLAIM_KEY_LEN, v, &len, &found);
    if (err == CHR_OK && found) {
        CHR_ASSERT(ledger_claim_record_decode(out, v, len) == CHR_OK);
    }
    return err;
}

static chr_err claim_put(ledger_objects *t, const uint8_t *id, uint8_t index,
                         const ledger_claim_record *r)
{
    CHR_ASSERT(r->pending_min == 0 || r->pending_min > r->final_min);
    uint8_t key[CLAIM_KEY_LEN], v[LEDGER_CLAIM_RECORD_BYTES];
    claim_key(key, id, index);
    put64(v, ((uint64_t)r->final_min << 32) | r->pending_min);
    return ledger_object_put(t, LEDGER_STATE_MEETING_CLAIM, key, CLAIM_KEY_LEN, v, sizeof(v));
}

uint64_t ledger_settle_due_ms(const ledger_meeting *m, const ledger_settle_params *sp)
{
    return m->end_ms + sp->settle_window_ms + sp->dispute_window_ms;
}

chr_err ledger_settle_schedule(ledger_objects *t, const ledger_meeting *m)
{
    ledger_settle_params sp;
    chr_err err = ledger_settle_params_get(t, &sp);
    uint8_t key[DUE_KEY_LEN];
    static const uint8_t one = 1;
    put64(key, ledger_settle_due_ms(m, &sp));
    memcpy(key + 8, m->id, LEDGER_MEETING_ID_LEN);
    return err ? err : ledger_object_put(t, LEDGER_STATE_SETTLE_DUE, key, DUE_KEY_LEN, &one, 1);
}

/* ---- Transactions ---- */

void ledger_settle_tx_encode(chr_enc *enc, const ledger_tx *tx)
{
    const ledger_settle_body *b = &tx->body.settle;
    chr_enc_raw(enc, b->id, LEDGER_MEETING_ID_LEN);
    if (tx->type == LEDGER_TX_MEETING_DISPUTE) {
        chr_enc_u8(enc, b->dispute_index);
        chr_enc_u32(enc, b->dispute_minutes);
        return;
    }
    chr_enc_u8(enc, b->claims_len);
    if (b->claims_bytes > 0) {
        chr_enc_raw(enc, b->claims, b->claims_bytes);
    }
}

static chr_err claim_decode(chr_dec *dec, ledger_claim *c)
{
    chr_err err = chr_dec_u8(dec, &c->index);
    err = err ? err : chr_dec_u32(dec, &c->minutes);
    err = err ? err : chr_dec_u32(dec, &c->credit_minutes_max);
    err = err ? err : chr_dec_u64(dec, &c->credit_not_before_ms);
    err = err ? err : chr_dec_u64(dec, &c->credit_expiry_ms);
    err = err ? err : chr_dec_raw(dec, c->credit_sig, 64);
    err = err ? err : chr_dec_u8(dec, &c->has_receipt);
    if (err == CHR_OK && c->has_receipt > 1) {
        return CHR_ERR_NONCANONICAL;
    }
    if (err == CHR_OK && c->has_receipt) {
        err = chr_dec_raw(dec, c->receipt_sig, 64);
    }
    return err;
}

chr_err ledger_settle_claim_get(const ledger_tx *tx, size_t i, ledger_claim *out)
{
    const ledger_settle_body *b = &tx->body.settle;
    memset(out, 0, sizeof(*out));
    if (tx->type != LEDGER_TX_MEETING_SETTLE || i >= b->claims_len) {
        return CHR_ERR_ARG;
    }
    CHR_ASSERT(b->claim_offs[i] < b->claims_bytes);
    chr_dec dec;
    chr_dec_init(&dec, b->claims + b->claim_offs[i], b->claims_bytes - b->claim_offs[i]);
    /* The decoder or the builder checked every claim's encoding. */
    CHR_ASSERT(claim_decode(&dec, out) == CHR_OK);
    return CHR_OK;
}

chr_err ledger_settle_claim_add(ledger_tx *tx, uint8_t *buf, size_t buf_cap, const ledger_claim *c)
{
    ledger_settle_body *b = &tx->body.settle;
    CHR_ASSERT(tx->type == LEDGER_TX_MEETING_SETTLE);
    CHR_ASSERT(b->claims == NULL || b->claims == buf);
    if (b->claims_len == LEDGER_SETTLE_CLAIMS_MAX) {
        return CHR_ERR_CLAIM;
    }
    size_t at = b->claims_bytes;
    if (buf_cap < at) {
        return CHR_ERR_TOO_LONG;
    }
    chr_enc enc;
    size_t len;
    chr_enc_init(&enc, buf + at, buf_cap - at);
    chr_enc_u8(&enc, c->index);
    chr_enc_u32(&enc, c->minutes);
    chr_enc_u32(&enc, c->credit_minutes_max);
    chr_enc_u64(&enc, c->credit_not_before_ms);
    chr_enc_u64(&enc, c->credit_expiry_ms);
    chr_enc_raw(&enc, c->credit_sig, 64);
    chr_enc_u8(&enc, c->has_receipt ? 1 : 0);
    if (c->has_receipt) {
        chr_enc_raw(&enc, c->receipt_sig, 64);
    }
    chr_err err = chr_enc_finish(&enc, &len);
    if (err != CHR_OK) {
        return CHR_ERR_TOO_LONG;
    }
    b->claims = buf;
    b->claim_offs[b->claims_len++] = (uint16_t)at;
    b->claims_bytes = (uint16_t)(at + len);
    return CHR_OK;
}

/* The claims where they lie in dec's bytes: b refers to them (the lifetime rule of
 * ledger/tx.h), each claim's offset noted and its encoding checked. */
chr_err ledger_settle_tx_decode(chr_dec *dec, ledger_tx *tx)
{
    ledger_settle_body *b = &tx->body.settle;
    chr_err err = chr_dec_raw(dec, b->id, LEDGER_MEETING_ID_LEN);
    if (tx->type == LEDGER_TX_MEETING_DISPUTE) {
        b->claims_len = 1;
        err = err ? err : chr_dec_u8(dec, &b->dispute_index);
        return err ? err : chr_dec_u32(dec, &b->dispute_minutes);
    }
    err = err ? err : chr_dec_u8(dec, &b->claims_len);
    if (err == CHR_OK && (b->claims_len == 0 || b->claims_len > LEDGER_SETTLE_CLAIMS_MAX)) {
        return CHR_ERR_CLAIM;
    }
    size_t start = dec->pos;
    b->claims = dec->buf + start;
    for (size_t i = 0; i < b->claims_len && err == CHR_OK; i++) {
        ledger_claim c;
        b->claim_offs[i] = (uint16_t)(dec->pos - start);
        err = claim_decode(dec, &c);
    }
    CHR_ASSERT(err != CHR_OK || dec->pos - start <= LEDGER_SETTLE_CLAIMS_BYTES_MAX);
    b->claims_bytes = (uint16_t)(dec->pos - start);
    return err;
}

chr_err ledger_settle_tx_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                               size_t detail_cap)
{
    if (tx->fee < params->fee_transfer) {
        snprintf(detail, detail_cap, "fee: minimum %llu, got %llu",
                 (unsigned long long)params->fee_transfer, (unsigned long long)tx->fee);
        return CHR_ERR_FEE;
    }
    const ledger_settle_body *b = &tx->body.settle;
    const char *bad = NULL;
    if (tx->type == LEDGER_TX_MEETING_DISPUTE) {
        return CHR_OK;
    }
    ledger_claim c, prev;
    for (size_t i = 0; i < b->claims_len && bad == NULL; i++) {
        CHR_ASSERT(ledger_settle_claim_get(tx, i, &c) == CHR_OK);
        if (i > 0 && c.index <= prev.index) {
            bad = "claims: indexes strictly increasing (one claim per person)";
        } else if (c.minutes == 0 || c.minutes > c.credit_minutes_max) {
            bad = "minutes: 1 to the credit's minutes_max";
        } else if (c.credit_expiry_ms <= c.credit_not_before_ms) {
            bad = "credit: expiry after not_before";
        }
        prev = c;
    }
    if (b->claims_len == 0 || b->claims_len > LEDGER_SETTLE_CLAIMS_MAX) {
        bad = "claims: 1 to one per person of the meeting";
    }
    if (bad != NULL) {
        snprintf(detail, detail_cap, "%s", bad);
        return CHR_ERR_CLAIM;
    }
    return CHR_OK;
}

chr_err ledger_settle_tx_verify_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    (void)tx;
    (void)kc;
    return CHR_OK; /* the keys a claim needs are the chain's: checked when applied */
}

int ledger_settle_tx_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    (void)tx;
    memset(out, 0, 32);
    return 0;
}

/* ---- Applying ---- */

/* What a settle, a dispute and a close read of a meeting. */
typedef struct settle_ctx {
    ledger_meeting m;
    ledger_meeting_people people; /* the participant list (a settle's only) */
    ledger_settlement s;
    ledger_settle_params sp;
} settle_ctx;

/* The meeting id's record, settlement and parameters into c, and its participant list when
 * with_people (a settle checks each claim's person; a dispute and a close need only the
 * count). */
static chr_err ctx_load(ledger_objects *t, settle_ctx *c, const uint8_t *id, int with_people,
                        int *found)
{
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    memset(&c->m, 0, sizeof(c->m));
    c->people.participants_len = 0;
    chr_err err =
        ledger_object_get(t, LEDGER_STATE_MEETING, id, LEDGER_MEETING_ID_LEN, v, &len, found);
    if (err != CHR_OK || !*found) {
        return err;
    }
    CHR_ASSERT(ledger_meeting_decode(&c->m, id, v, len) == CHR_OK);
    if (with_people) {
        err = ledger_meeting_people_get(t, id, c->m.participants, &c->people);
        CHR_ASSERT(err != CHR_ERR_STORE); /* a create wrote the list with the record */
    }
    err = err ? err : ledger_settlement_get(t, id, &c->s);
    return err ? err : ledger_settle_params_get(t, &c->sp);
}

/* The ID of person index (0 the host), or NULL when the meeting has no such person. */
static const char *person(const settle_ctx *c, uint8_t index, size_t *len)
{
    if (index == 0) {
        *len = c->m.host_len;
        return c->m.host;
    }
    if (index > c->people.participants_len) {
        *len = 0;
        return NULL;
    }
    *len = c->people.participant_lens[index - 1];
    return c->people.participants[index - 1];
}

/* Whether cl's credit, rebuilt as docs/CREDITS.md says, was signed by the payer; and its
 * receipt, if any, by the person's key. */
static const char *claim_sigs(const settle_ctx *c, const ledger_tx *tx, const ledger_claim *cl)
{
    size_t id_len;
    const char *id = person(c, cl->index, &id_len);
    if (id == NULL) {
        return "index: no such person in the meeting";
    }
    credit cr = {.chain_id_len = tx->chain_id_len,
                 .role = cl->index == 0 ? CREDIT_ROLE_HOST : CREDIT_ROLE_PARTICIPANT,
                 .participant_id_len = (uint8_t)id_len,
                 .minutes_max = cl->credit_minutes_max,
                 .not_before_ms = cl->credit_not_before_ms,
                 .expiry_ms = cl->credit_expiry_ms};
    memcpy(cr.chain_id, tx->chain_id, tx->chain_id_len);
    memcpy(cr.meeting_id, c->m.id, LEDGER_MEETING_ID_LEN);
    memcpy(cr.participant_id, id, id_len);
    cr.has_key = chr_address_decode(cr.participant_key, id, id_len) == CHR_OK;
    memcpy(cr.node_key, c->m.node_key, 32);
    memcpy(cr.sig, cl->credit_sig, 64);
    uint8_t buf[CREDIT_BYTES_MAX];
    size_t n = credit_encode(buf, sizeof(buf), &cr);
    if (n == 0 ||
        credit_verify(NULL, buf, n, c->m.payer, c->m.node_key, tx->chain_id, tx->chain_id_len,
                      c->m.id, cl->credit_not_before_ms) != CREDIT_VALID) {
        return "credit: not signed by the meeting's payer for this person and node";
    }
    if (cl->has_receipt &&
        (!cr.has_key ||
         credit_receipt_verify(cl->receipt_sig, cr.participant_key, tx->chain_id, tx->chain_id_len,
                               c->m.id, c->m.node_key, cl->minutes) != CREDIT_VALID)) {
        return "receipt: not signed by the person's chr1 address key";
    }
    return NULL;
}

/* The escrow a payment of `minutes` takes: CHR_ERR_CLAIM past what is still held. */
static chr_err take_escrow(settle_ctx *c, uint32_t minutes, uint64_t *operator_amount,
                           uint64_t *share)
{
    uint64_t amount;
    uint64_t held = c->m.escrow - c->s.paid - c->s.protocol - c->s.refunded;
    if (chr_mul_u64(&amount, minutes, c->m.price) != CHR_OK || amount > held) {
        return CHR_ERR_CLAIM;
    }
    /* amount x permille without overflow: permille <= 1000. */
    *share = amount / 1000 * c->sp.protocol_share_permille +
             amount % 1000 * c->sp.protocol_share_permille / 1000;
    *operator_amount = amount - *share;
    c->s.paid += *operator_amount;
    c->s.protocol += *share;
    return CHR_OK;
}

static const char *meeting_state_rule(const settle_ctx *c, uint64_t now_ms)
{
    if (c->s.closed) {
        return "meeting_id: settlement closed";
    }
    if (c->m.status == LEDGER_MEETING_CANCELLED) {
        return "meeting_id: cancelled";
    }
    if (now_ms < c->m.start_ms) {
        return "meeting_id: not started";
    }
    return now_ms > c->m.end_ms + c->sp.settle_window_ms ? "meeting_id: settlement window over"
                                                         : NULL;
}

/* Pass one of a settle: every rule, the new claim records and the amounts, nothing
 * written. */
static chr_err settle_plan(ledger_objects *t, settle_ctx *c, const ledger_tx *tx,
                           ledger_claim_record *recs, uint64_t *to_operator, uint64_t *share,
                           char *detail, size_t detail_cap)
{
    const ledger_settle_body *b = &tx->body.settle;
    *to_operator = 0;
    *share = 0;
    for (size_t i = 0; i < b->claims_len; i++) {
        ledger_claim claim;
        const ledger_claim *cl = &claim;
        CHR_ASSERT(ledger_settle_claim_get(tx, i, &claim) == CHR_OK);
        const char *bad = claim_sigs(c, tx, cl);
        chr_err err = bad ? CHR_OK : claim_get(t, c->m.id, cl->index, &recs[i]);
        if (err != CHR_OK) {
            return err;
        }
        uint32_t claimed =
            recs[i].pending_min > recs[i].final_min ? recs[i].pending_min : recs[i].final_min;
        if (bad == NULL && cl->minutes > c->m.duration_min) {
            bad = "minutes: over the meeting's duration";
        } else if (bad == NULL && cl->minutes <= claimed) {
            bad = "minutes: not above what was claimed before";
        }
        uint64_t op = 0, sh = 0;
        if (bad == NULL && cl->has_receipt) {
            if (take_escrow(c, cl->minutes - recs[i].final_min, &op, &sh) != CHR_OK) {
                bad = "minutes: over the escrow still held";
            }
            recs[i].final_min = cl->minutes;
            recs[i].pending_min = 0;
        } else if (bad == NULL) {
            recs[i].pending_min = cl->minutes;
        }
        if (bad != NULL) {
            snprintf(detail, detail_cap, "claims[%zu]: %s", i, bad);
            return CHR_ERR_CLAIM;
        }
        *to_operator += op;
        *share += sh;
    }
    return CHR_OK;
}

static chr_err settle_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                            const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    ledger_objects *t = ledger_overlay_objects(o);
    const ledger_settle_body *b = &tx->body.settle;
    settle_ctx c;
    int found;
    chr_err err = ctx_load(t, &c, b->id, 1, &found);
    if (err == CHR_OK && !found) {
        snprintf(detail, detail_cap, "meeting_id: no such meeting");
        return CHR_ERR_UNKNOWN_OBJECT;
    }
    ledger_media_node node;
    err = err ? err : ledger_media_node_get(t, c.m.node_key, &node, &found);
    if (err == CHR_OK && (!found || memcmp(node.operator_key, tx->from, 32) != 0)) {
        snprintf(detail, detail_cap, "from: not the operator of the meeting's media node");
        return CHR_ERR_NOT_OWNER;
    }
    const char *bad = err ? NULL : meeting_state_rule(&c, env->time_ms);
    if (bad != NULL) {
        snprintf(detail, detail_cap, "%s", bad);
        return CHR_ERR_WRONG_STATE;
    }
    if (err == CHR_OK && tx->fee > from->balance) {
        snprintf(detail, detail_cap, "balance: does not cover the fee");
        return CHR_ERR_BALANCE;
    }
    ledger_claim_record recs[LEDGER_SETTLE_CLAIMS_MAX];
    uint64_t to_operator = 0, share = 0;
    err = err ? err : settle_plan(t, &c, tx, recs, &to_operator, &share, detail, detail_cap);
    /* A claim record each, the settlement record, the totals. */
    err = err ? err : ledger_tx_room(o, tx, env, (size_t)b->claims_len + 2);
    /* The share goes where the fee goes even when the fee is 0 (ledger_tx_room counted the
     * fee's receiver only for a fee). */
    if (err == CHR_OK && tx->fee == 0 && share > 0 &&
        ledger_overlay_missing(o, &env->proposer, 1) > ledger_overlay_room(o)) {
        err = CHR_ERR_FULL;
    }
    for (size_t i = 0; i < b->claims_len && err == CHR_OK; i++) {
        ledger_claim cl;
        CHR_ASSERT(ledger_settle_claim_get(tx, i, &cl) == CHR_OK);
        err = claim_put(t, b->id, cl.index, &recs[i]);
    }
    err = err ? err : settlement_put(t, b->id, &c.s);
    /* What the claims paid leaves the escrow: the operator's part and the protocol's share. */
    err = err || to_operator + share == 0
              ? err
              : ledger_meetings_totals_move(t, 0, to_operator + share, 0, 0);
    ledger_account sender = *from;
    sender.balance = sender.balance - tx->fee + to_operator; /* fee covered; gain <= escrow */
    sender.nonce += 1;
    err = err ? err : ledger_overlay_put(o, tx->from, &sender);
    /* The protocol's share is paid like a fee: to the fee's receiver (the chain's fee
     * collector), whose balance the end of block shares between the treasury and the
     * validators (ledger/distribution.h). Both are bounded by the supply: no overflow. */
    CHR_ASSERT(tx->fee <= UINT64_MAX - share);
    return err || tx->fee + share == 0 ? err
                                       : ledger_overlay_credit(o, env->proposer, tx->fee + share);
}

/* Whether sender may dispute m's claims: its payer, or its host's chr1 address. */
static int may_dispute(const ledger_meeting *m, const uint8_t sender[32])
{
    uint8_t host_key[32];
    return memcmp(m->payer, sender, 32) == 0 ||
           (chr_address_decode(host_key, m->host, m->host_len) == CHR_OK &&
            memcmp(host_key, sender, 32) == 0);
}

static chr_err dispute_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                             const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    ledger_objects *t = ledger_overlay_objects(o);
    const ledger_settle_body *b = &tx->body.settle;
    const uint8_t index = b->dispute_index;
    const uint32_t minutes = b->dispute_minutes;
    settle_ctx c;
    int found;
    ledger_claim_record r;
    chr_err err = ctx_load(t, &c, b->id, 0, &found);
    if (err == CHR_OK && !found) {
        snprintf(detail, detail_cap, "meeting_id: no such meeting");
        return CHR_ERR_UNKNOWN_OBJECT;
    }
    if (err == CHR_OK && !may_dispute(&c.m, tx->from)) {
        snprintf(detail, detail_cap, "from: only the meeting's payer or host may dispute");
        return CHR_ERR_NOT_OWNER;
    }
    if (err == CHR_OK && c.s.closed) {
        snprintf(detail, detail_cap, "meeting_id: settlement closed");
        return CHR_ERR_WRONG_STATE;
    }
    err = err ? err : claim_get(t, b->id, index, &r);
    if (err == CHR_OK &&
        (r.pending_min == 0 || minutes >= r.pending_min || minutes < r.final_min)) {
        snprintf(detail, detail_cap, "minutes: from the final minutes to below the pending ones");
        return CHR_ERR_CLAIM;
    }
    if (err == CHR_OK && tx->fee > from->balance) {
        snprintf(detail, detail_cap, "balance: does not cover the fee");
        return CHR_ERR_BALANCE;
    }
    err = err ? err : ledger_tx_room(o, tx, env, 1);
    r.pending_min = minutes > r.final_min ? minutes : 0;
    err = err ? err : claim_put(t, b->id, index, &r);
    ledger_account sender = *from;
    sender.balance -= tx->fee;
    sender.nonce += 1;
    err = err ? err : ledger_overlay_put(o, tx->from, &sender);
    return err || tx->fee == 0 ? err : ledger_overlay_credit(o, env->proposer, tx->fee);
}

chr_err ledger_settle_tx_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                               const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    if (tx->type == LEDGER_TX_MEETING_DISPUTE) {
        return dispute_apply(o, tx, from, env, detail, detail_cap);
    }
    CHR_ASSERT(tx->type == LEDGER_TX_MEETING_SETTLE);
    return settle_apply(o, tx, from, env, detail, detail_cap);
}

/* ---- End of block ---- */

/* Pays every pending claim of c's meeting to operator (NULL: the node is gone, the
 * minutes are not paid), refunds the rest to the payer, closes the record. */
static chr_err settle_close(ledger_overlay *o, settle_ctx *c, const uint8_t *operator_key)
{
    ledger_objects *t = ledger_overlay_objects(o);
    uint64_t to_operator = 0, share = 0;
    chr_err err = CHR_OK;
    for (uint8_t i = 0; i <= c->m.participants && err == CHR_OK; i++) {
        ledger_claim_record r;
        err = claim_get(t, c->m.id, i, &r);
        if (err != CHR_OK || r.pending_min == 0) {
            continue;
        }
        uint64_t op = 0, sh = 0;
        if (operator_key != NULL &&
            take_escrow(c, r.pending_min - r.final_min, &op, &sh) == CHR_OK) {
            r.final_min = r.pending_min;
        }
        r.pending_min = 0;
        to_operator += op;
        share += sh;
        err = claim_put(t, c->m.id, i, &r);
    }
    uint64_t refund = c->m.escrow - c->s.paid - c->s.protocol - c->s.refunded;
    c->s.refunded += refund;
    c->s.closed = 1;
    CHR_ASSERT(c->s.paid + c->s.protocol + c->s.refunded == c->m.escrow);
    err = err ? err : settlement_put(t, c->m.id, &c->s);
    /* Everything the escrow still held leaves it: paid, shared or refunded (bounded by it). */
    err = err || to_operator + share + refund == 0
              ? err
              : ledger_meetings_totals_move(t, 0, to_operator + share + refund, 0, 0);
    /* The share closes a block after the distribution has run (ledger/chain.c): the fee
     * collector holds it, and the next block's distribution pays it out with its fees. */
    if (err == CHR_OK && share > 0) {
        err = ledger_overlay_credit(o, ledger_fee_collector, share);
    }
    if (err == CHR_OK && to_operator > 0) {
        err = ledger_overlay_credit(o, operator_key, to_operator);
    }
    return err || refund == 0 ? err : ledger_overlay_credit(o, c->m.payer, refund);
}

chr_err ledger_settle_end_block(ledger_overlay *o, uint64_t time_ms)
{
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_object due[LEDGER_SETTLE_DUE_PER_BLOCK];
    size_t n;
    chr_err err = ledger_object_scan(t, LEDGER_STATE_SETTLE_DUE, NULL, 0, NULL, 0, due,
                                     LEDGER_SETTLE_DUE_PER_BLOCK, &n);
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        CHR_ASSERT(due[i].natural_len == DUE_KEY_LEN);
        if (be64(due[i].natural) > time_ms) {
            break; /* due order: the rest are later */
        }
        settle_ctx c;
        int found;
        err = ctx_load(t, &c, due[i].natural + 8, 0, &found);
        CHR_ASSERT(err != CHR_OK || found);
        ledger_media_node node;
        err = err ? err : ledger_media_node_get(t, c.m.node_key, &node, &found);
        err = err ? err : settle_close(o, &c, found ? node.operator_key : NULL);
        err = err ? err
                  : ledger_object_delete(t, LEDGER_STATE_SETTLE_DUE, due[i].natural, DUE_KEY_LEN,
                                         &found);
    }
    return err;
}
