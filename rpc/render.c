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

json_t *rpc_render_tx(const ledger_tx *tx, const uint8_t hash[32])
{
    json_t *o = json_object();
    json_object_set_new(o, "hash", rpc_json_hex(hash, 32));
    json_object_set_new(o, "type", json_string(ledger_tx_kind_of(tx->type)->name));
    json_object_set_new(o, "chain_id", json_string(tx->chain_id));
    json_object_set_new(o, "from", rpc_json_address(tx->from));
    if (tx->type >= LEDGER_TX_MEDIA_REGISTER && tx->type <= LEDGER_TX_MEETING_END) {
        rpc_render_meeting_tx_body(o, tx);
    } else if (tx->type >= LEDGER_TX_GOV_SUBMIT && tx->type <= LEDGER_TX_GOV_VOTE) {
        rpc_render_gov_tx_body(o, tx);
    } else {
        /* The staking types' own fields come with the staking REST part (issue 13, part 2);
         * until then `to` is the counterparty (the validator; the sender when none) and
         * `amount` the body's amount (0 for an edit). */
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
