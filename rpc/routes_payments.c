/* GET /api/v1/meetings/{meeting_id}/payments: a meeting's settlement (ledger/settle.h) as
 * the committed state holds it: escrowed, paid to the operator, the protocol's share,
 * refunded, still held, and each person's claim (final and pending minutes). */
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "ledger/settle.h"
#include "rpc/internal/meetings.h"
#include "rpc/render.h"

chr_err rpc_meeting_payments_read(ledger_store_read *rd, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                  json_t **out)
{
    *out = NULL;
    ledger_object *o = malloc(sizeof(*o));
    ledger_meeting_people *b = calloc(1, sizeof(*b));
    ledger_meeting m;
    ledger_media_node n;
    ledger_settlement s;
    ledger_settle_params sp;
    int found = 0;
    chr_err err = o == NULL || b == NULL ? CHR_ERR_NOMEM : CHR_OK;
    err = err ? err : rpc_meeting_load(rd, id, &m, b, &n, &found);
    memset(&s, 0, sizeof(s));
    err = err ? err
              : ledger_store_object(rd, LEDGER_STATE_MEETING_SETTLEMENT, id, LEDGER_MEETING_ID_LEN,
                                    o, &found);
    if (err == CHR_OK && found && ledger_settlement_decode(&s, o->value, o->value_len) != CHR_OK) {
        err = CHR_ERR_STORE;
    }
    ledger_settle_params_default(&sp);
    err = err ? err : ledger_store_object(rd, LEDGER_STATE_SETTLE_PARAMS, NULL, 0, o, &found);
    if (err == CHR_OK && found && ledger_settle_params_decode(&sp, o->value, o->value_len)) {
        err = CHR_ERR_STORE;
    }
    json_t *claims = json_array();
    for (size_t i = 0; err == CHR_OK && i <= b->participants_len; i++) {
        uint8_t key[LEDGER_MEETING_ID_LEN + 1];
        ledger_claim_record c;
        memcpy(key, id, LEDGER_MEETING_ID_LEN);
        key[LEDGER_MEETING_ID_LEN] = (uint8_t)i;
        err = ledger_store_object(rd, LEDGER_STATE_MEETING_CLAIM, key, sizeof(key), o, &found);
        if (err != CHR_OK || !found) {
            continue;
        }
        if (ledger_claim_record_decode(&c, o->value, o->value_len) != CHR_OK) {
            err = CHR_ERR_STORE;
            break;
        }
        json_t *person = i == 0 ? json_stringn(m.host, m.host_len)
                                : json_stringn(b->participants[i - 1], b->participant_lens[i - 1]);
        json_array_append_new(claims,
                              json_pack("{s:i,s:o,s:i,s:i}", "index", (json_int_t)i, "person",
                                        person, "final_minutes", (json_int_t)c.final_min,
                                        "pending_minutes", (json_int_t)c.pending_min));
    }
    if (err == CHR_OK) {
        uint64_t held = m.escrow - s.paid - s.protocol - s.refunded;
        *out =
            json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o}", "meeting_id",
                      rpc_json_hex(id, LEDGER_MEETING_ID_LEN), "escrowed", rpc_json_u64(m.escrow),
                      "paid", rpc_json_u64(s.paid), "protocol_share", rpc_json_u64(s.protocol),
                      "refunded", rpc_json_u64(s.refunded), "held", rpc_json_u64(held), "closed",
                      (int)s.closed, "claims_until", rpc_json_time(m.end_ms + sp.settle_window_ms),
                      "due_time", rpc_json_time(ledger_settle_due_ms(&m, &sp)), "claims", claims);
        claims = NULL;
        err = *out == NULL ? CHR_ERR_NOMEM : CHR_OK;
    }
    json_decref(claims);
    free(o);
    free(b);
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err;
}

void rpc_handle_meeting_payments(rpc_ctx *x, rpc_reply *r)
{
    uint8_t id[LEDGER_MEETING_ID_LEN];
    const char *seg = x->segs[x->segs_len - 2];
    size_t len = 0;
    if (strlen(seg) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode(id, LEDGER_MEETING_ID_LEN, &len, seg, strlen(seg)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "meeting_id: 24 hex characters", "meeting_id");
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        rpc_reply_meeting_error(r, CHR_ERR_STORE);
        return;
    }
    json_t *j;
    chr_err err = rpc_meeting_payments_read(rd, id, &j);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        rpc_reply_meeting_error(r, err);
        return;
    }
    rpc_reply_json(r, 200, j);
}
