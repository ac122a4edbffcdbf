#include "rpc/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/bech32.h"
#include "common/hash.h"
#include "common/hex.h"
#include "ledger/tx_types.h"
#include "rpc/internal/gov.h"
#include "rpc/internal/meetings.h"

json_t *rpc_json_u64(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    return json_string(buf);
}

json_t *rpc_json_hex(const uint8_t *data, size_t len)
{
    char buf[2 * 128 + 1];
    if (len <= 128) {
        chr_hex_encode(buf, sizeof(buf), data, len);
        return json_string(buf);
    }
    /* Longer values (a state proof, a commit: ?prove=true) are rare: on the heap. */
    char *heap = len <= (SIZE_MAX - 1) / 2 ? malloc(2 * len + 1) : NULL;
    if (heap == NULL) {
        return NULL;
    }
    chr_hex_encode(heap, 2 * len + 1, data, len);
    json_t *s = json_stringn(heap, 2 * len);
    free(heap);
    return s;
}

json_t *rpc_json_address(const uint8_t pubkey[32])
{
    char buf[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(buf, pubkey);
    return json_string(buf);
}

void rpc_time_format(char *out, size_t out_cap, uint64_t unix_ms)
{
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, out_cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(unix_ms % 1000));
}

json_t *rpc_json_time(uint64_t unix_ms)
{
    char buf[40];
    rpc_time_format(buf, sizeof(buf), unix_ms);
    return json_string(buf);
}

/* A time, or null for 0 (never). */
static json_t *json_time_or_null(uint64_t unix_ms)
{
    return unix_ms == 0 ? json_null() : rpc_json_time(unix_ms);
}

/* A jail's end: null when unset, and when it never ends: a tombstoned validator's
 * jailed_until_ms is 2^64 - 1 (docs/PROTOCOL.md "Slashing"), a time no RFC 3339 year can
 * write ("tombstoned" says it). */
static json_t *json_jail_end_or_null(uint64_t until_ms)
{
    return until_ms == UINT64_MAX ? json_null() : json_time_or_null(until_ms);
}

json_t *rpc_render_validator(const ledger_staking_validator *v, uint64_t power_unit)
{
    static const char *const statuses[] = {"unbonded", "bonded", "unbonding"};
    json_t *o = json_object();
    json_object_set_new(o, "operator", rpc_json_address(v->operator_key));
    json_object_set_new(o, "consensus_key", rpc_json_hex(v->consensus_key, 32));
    json_object_set_new(o, "moniker", json_stringn(v->moniker, v->moniker_len));
    json_object_set_new(o, "website", json_stringn(v->website, v->website_len));
    json_object_set_new(o, "details", json_stringn(v->details, v->details_len));
    json_object_set_new(o, "commission",
                        json_pack("{s:I,s:I,s:I,s:o}", "rate_ppm", (json_int_t)v->commission_ppm,
                                  "max_ppm", (json_int_t)v->commission_max_ppm, "max_change_ppm",
                                  (json_int_t)v->commission_change_max_ppm, "updated",
                                  rpc_json_time(v->commission_updated_ms)));
    json_object_set_new(o, "min_self_bond", rpc_json_u64(v->min_self_bond));
    json_object_set_new(o, "stake", rpc_json_u64(v->tokens));
    json_object_set_new(o, "shares", rpc_json_u64(v->shares));
    json_object_set_new(o, "power", rpc_json_u64(power_unit > 0 ? v->tokens / power_unit : 0));
    json_object_set_new(o, "status", json_string(v->status < 3 ? statuses[v->status] : "unknown"));
    json_object_set_new(o, "jailed", json_boolean(v->jailed));
    json_object_set_new(o, "jailed_until", json_jail_end_or_null(v->jailed_until_ms));
    json_object_set_new(o, "tombstoned", json_boolean(v->tombstoned));
    json_object_set_new(o, "unbonding_until", json_time_or_null(v->unbonding_until_ms));
    json_object_set_new(o, "created_height", rpc_json_u64(v->created_height));
    return o;
}

/* A staking transaction's own fields (docs/API.md, TxFields.staking); NULL for other types. */
static json_t *render_staking_body(const ledger_tx *tx)
{
    const ledger_staking_create *c = &tx->body.create_validator;
    const ledger_staking_edit *e = &tx->body.edit_validator;
    switch (tx->type) {
    case LEDGER_TX_CREATE_VALIDATOR:
        return json_pack("{s:o,s:I,s:I,s:I,s:o,s:o,s:s%,s:s%,s:s%}", "consensus_key",
                         rpc_json_hex(c->consensus_key, 32), "commission_ppm",
                         (json_int_t)c->commission_ppm, "commission_max_ppm",
                         (json_int_t)c->commission_max_ppm, "commission_change_max_ppm",
                         (json_int_t)c->commission_change_max_ppm, "min_self_bond",
                         rpc_json_u64(c->min_self_bond), "self_bond", rpc_json_u64(c->amount),
                         "moniker", c->moniker, (size_t)c->moniker_len, "website", c->website,
                         (size_t)c->website_len, "details", c->details, (size_t)c->details_len);
    case LEDGER_TX_EDIT_VALIDATOR: {
        /* Only the fields the edit changes. */
        json_t *o = json_object();
        if (e->mask & LEDGER_EDIT_COMMISSION) {
            json_object_set_new(o, "commission_ppm", json_integer(e->commission_ppm));
        }
        if (e->mask & LEDGER_EDIT_MIN_SELF_BOND) {
            json_object_set_new(o, "min_self_bond", rpc_json_u64(e->min_self_bond));
        }
        if (e->mask & LEDGER_EDIT_MONIKER) {
            json_object_set_new(o, "moniker", json_stringn(e->moniker, e->moniker_len));
        }
        if (e->mask & LEDGER_EDIT_WEBSITE) {
            json_object_set_new(o, "website", json_stringn(e->website, e->website_len));
        }
        if (e->mask & LEDGER_EDIT_DETAILS) {
            json_object_set_new(o, "details", json_stringn(e->details, e->details_len));
        }
        return o;
    }
    case LEDGER_TX_DELEGATE:
    case LEDGER_TX_UNDELEGATE:
        return json_pack("{s:o,s:o}", "validator", rpc_json_address(tx->body.stake.validator),
                         "amount", rpc_json_u64(tx->body.stake.amount));
    case LEDGER_TX_REDELEGATE:
        return json_pack("{s:o,s:o,s:o}", "src_validator", rpc_json_address(tx->body.restake.src),
                         "dst_validator", rpc_json_address(tx->body.restake.dst), "amount",
                         rpc_json_u64(tx->body.restake.amount));
    default:
        return NULL;
    }
}

json_t *rpc_render_tx(const ledger_tx *tx, const uint8_t hash[32])
{
    json_t *o = json_object();
    json_object_set_new(o, "hash", rpc_json_hex(hash, 32));
    json_object_set_new(o, "type", json_string(ledger_tx_kind_of(tx->type)->name));
    json_object_set_new(o, "chain_id", json_string(tx->chain_id));
    json_object_set_new(o, "from", rpc_json_address(tx->from));
    if ((tx->type >= LEDGER_TX_MEDIA_REGISTER && tx->type <= LEDGER_TX_MEETING_END) ||
        tx->type == LEDGER_TX_MEETING_SETTLE || tx->type == LEDGER_TX_MEETING_DISPUTE) {
        rpc_render_meeting_tx_body(o, tx);
    } else if (tx->type >= LEDGER_TX_GOV_SUBMIT && tx->type <= LEDGER_TX_GOV_VOTE) {
        rpc_render_gov_tx_body(o, tx);
    } else {
        /* For a staking type `to` is the counterparty (the validator, the destination of a
         * redelegation; the sender when none) and `amount` the body's amount (0 for an
         * edit); its own fields are under "staking". */
        uint8_t to[32];
        if (!ledger_tx_kind_of(tx->type)->counterparty(tx, to)) {
            memcpy(to, tx->from, 32);
        }
        uint64_t amount = ledger_tx_spend(tx);
        if (tx->type == LEDGER_TX_UNDELEGATE) {
            amount = tx->body.stake.amount;
        } else if (tx->type == LEDGER_TX_REDELEGATE) {
            amount = tx->body.restake.amount;
        }
        json_object_set_new(o, "to", rpc_json_address(to));
        json_object_set_new(o, "amount", rpc_json_u64(amount));
    }
    json_object_set_new(o, "fee", rpc_json_u64(tx->fee));
    json_object_set_new(o, "nonce", rpc_json_u64(tx->nonce));
    json_object_set_new(o, "expiry_height", rpc_json_u64(tx->expiry_height));
    /* Memos are UTF-8 without NUL (the decoder checks), so they are JSON strings. */
    json_object_set_new(o, "memo", json_stringn((const char *)tx->memo, tx->memo_len));
    json_object_set_new(o, "signature", rpc_json_hex(tx->sig, 64));
    json_t *staking = render_staking_body(tx);
    if (staking != NULL) {
        json_object_set_new(o, "staking", staking);
    }
    return o;
}

json_t *rpc_render_error(chr_err err, const char *message, const char *field)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(chr_err_name(err)));
    json_object_set_new(e, "message", json_string(message));
    if (field != NULL) {
        json_object_set_new(e, "field", json_string(field));
    }
    return json_pack("{s:o}", "error", e);
}

json_t *rpc_render_tx_result(const rpc_tx_result *r)
{
    static const char *const states[] = {"unknown", "pending", "committed", "failed", "rejected"};
    json_t *o = json_object();
    json_object_set_new(o, "hash", r->has_hash ? rpc_json_hex(r->hash, 32) : json_null());
    json_object_set_new(o, "status", json_string(states[r->state]));
    json_object_set_new(o, "height",
                        r->state == RPC_TX_COMMITTED ? rpc_json_u64(r->height) : json_null());
    json_object_set_new(o, "index",
                        r->state == RPC_TX_COMMITTED ? json_integer(r->index) : json_null());
    if (r->state == RPC_TX_FAILED || r->state == RPC_TX_REJECTED) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(chr_err_name(r->err)));
        json_object_set_new(e, "message",
                            json_string(r->detail[0] ? r->detail : chr_err_str(r->err)));
        json_object_set_new(o, "error", e);
    } else {
        json_object_set_new(o, "error", json_null());
    }
    return o;
}

static json_t *render_commit(const ledger_commit *c)
{
    json_t *sigs = json_array();
    for (size_t i = 0; i < c->sigs_len; i++) {
        json_array_append_new(sigs, json_pack("{s:o,s:o}", "validator",
                                              rpc_json_address(c->sigs[i].validator), "signature",
                                              rpc_json_hex(c->sigs[i].sig, 64)));
    }
    return json_pack("{s:o,s:I,s:o,s:o}", "height", rpc_json_u64(c->height), "round",
                     (json_int_t)c->round, "block_hash", rpc_json_hex(c->block_hash, 32),
                     "signatures", sigs);
}

json_t *rpc_render_header(const ledger_header *h)
{
    uint8_t hash[32];
    ledger_header_hash(h, hash);
    json_t *o = json_object();
    json_object_set_new(o, "height", rpc_json_u64(h->height));
    json_object_set_new(o, "hash", rpc_json_hex(hash, 32));
    json_object_set_new(o, "chain_id", json_string(h->chain_id));
    json_object_set_new(o, "time", rpc_json_time(h->time_ms));
    json_object_set_new(o, "prev_hash", rpc_json_hex(h->prev_hash, 32));
    json_object_set_new(o, "last_commit_hash", rpc_json_hex(h->last_commit_hash, 32));
    json_object_set_new(o, "tx_root", rpc_json_hex(h->tx_root, 32));
    json_object_set_new(o, "tx_count", json_integer(h->tx_count));
    json_object_set_new(o, "evidence_root", rpc_json_hex(h->evidence_root, 32));
    json_object_set_new(o, "state_root", rpc_json_hex(h->state_root, 32));
    json_object_set_new(o, "validators_hash", rpc_json_hex(h->validators_hash, 32));
    json_object_set_new(o, "next_validators_hash", rpc_json_hex(h->next_validators_hash, 32));
    json_object_set_new(o, "proposer", rpc_json_address(h->proposer));
    return o;
}

json_t *rpc_render_evidence(const ledger_evidence *ev)
{
    return json_pack("{s:o,s:o,s:s,s:o,s:I,s:[{s:o,s:o},{s:o,s:o}]}", "validator",
                     rpc_json_address(ev->validator), "public_key", rpc_json_hex(ev->validator, 32),
                     "type", ev->type == LEDGER_VOTE_PREVOTE ? "prevote" : "precommit", "height",
                     rpc_json_u64(ev->height), "round", (json_int_t)ev->round, "votes",
                     "block_hash", rpc_json_hex(ev->block_a, 32), "signature",
                     rpc_json_hex(ev->sig_a, 64), "block_hash", rpc_json_hex(ev->block_b, 32),
                     "signature", rpc_json_hex(ev->sig_b, 64));
}

json_t *rpc_render_block(const ledger_block *b)
{
    json_t *o = rpc_render_header(&b->header);
    json_t *txs = json_array();
    for (uint32_t i = 0; i < b->txs_len; i++) {
        ledger_tx tx;
        uint8_t hash[32];
        if (ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]) != CHR_OK) {
            json_decref(txs);
            json_decref(o);
            return NULL;
        }
        chr_sha256_hash(hash, b->txs[i], b->tx_lens[i]);
        json_array_append_new(txs, rpc_render_tx(&tx, hash));
    }
    json_object_set_new(o, "txs", txs);
    json_t *evidence = json_array();
    for (uint16_t i = 0; i < b->evidence_len; i++) {
        json_array_append_new(evidence, rpc_render_evidence(&b->evidence[i]));
    }
    json_object_set_new(o, "evidence", evidence);
    json_object_set_new(o, "last_commit",
                        b->has_last_commit ? render_commit(&b->last_commit) : json_null());
    return o;
}

json_t *rpc_render_key_sponsor(const rpc_apikey *k)
{
    if (!k->has_sponsor) {
        return NULL;
    }
    return json_pack("{s:o*, s:o*, s:s}", "address", rpc_json_address(k->sponsor_pub),
                     "spend_limit_per_day", rpc_json_u64(k->spend_per_day), "key_file",
                     k->sponsor_path);
}
