/* Governance's events on the event stream (rpc/internal/events_gov.h; docs/API.md, "GET
 * /api/v1/events"). A block's records (ledger/gov.h, gov_event) are read in their natural
 * order (u64 height || u64 id: by proposal id); each gives a proposal_status event, and one
 * whose status is passed or failed also a proposal_execution event right after it. */
#include "rpc/internal/events_gov.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "rpc/limits.h"
#include "rpc/render.h"

/* The record after the cursor's last one in block height: 1 with it in *ev, 0 at the end
 * of the block's records or on a store error. */
static int record_next(ledger_store_read *rd, rpc_gov_events *c, ledger_gov_event *ev)
{
    uint8_t prefix[8];
    uint8_t after[16];
    ledger_object o;
    chr_put_u64be(prefix, c->height);
    chr_put_u64be(after, c->height);
    chr_put_u64be(after + 8, c->has_last ? c->last.id : 0);
    chr_err err = ledger_store_object_next(rd, LEDGER_STATE_GOV_EVENT, prefix, sizeof(prefix),
                                           c->has_last ? after : NULL, c->has_last ? 16 : 0, &o);
    if (err != CHR_OK ||
        ledger_gov_event_decode(ev, o.natural, o.natural_len, o.value, o.value_len) != CHR_OK) {
        return 0;
    }
    CHR_ASSERT(ev->height == c->height);
    return 1;
}

static int has_execution(const ledger_gov_event *ev)
{
    return ev->status == LEDGER_GOV_PASSED || ev->status == LEDGER_GOV_FAILED;
}

/* Moves the cursor one event on: *ev is the record of the event it was at, *exec whether
 * that event was the record's execution. 0 at the end. */
static int cursor_step(ledger_store_read *rd, rpc_gov_events *c, ledger_gov_event *ev, int *exec)
{
    if (c->exec_pending) {
        c->exec_pending = 0;
        *ev = c->last;
        *exec = 1;
    } else {
        if (!record_next(rd, c, ev)) {
            return 0;
        }
        c->last = *ev;
        c->has_last = 1;
        c->exec_pending = has_execution(ev);
        *exec = 0;
    }
    c->next++;
    return 1;
}

uint32_t rpc_gov_events_count(ledger_store_read *rd, uint64_t height)
{
    rpc_gov_events c;
    memset(&c, 0, sizeof(c));
    c.height = height;
    ledger_gov_event ev;
    int exec;
    while (c.next < RPC_GOV_EVENTS_MAX && cursor_step(rd, &c, &ev, &exec)) {
    }
    return c.next;
}

/* The data of a record's event: the proposal's kind and title from its record (they
 * never change), the status the block left it in, or the execution's outcome. */
static json_t *event_json(ledger_store_read *rd, const ledger_gov_event *ev, int exec)
{
    uint8_t key[8];
    ledger_object o;
    ledger_gov_proposal p;
    int found = 0;
    chr_put_u64be(key, ev->id);
    if (ledger_store_object(rd, LEDGER_STATE_PROPOSAL, key, 8, &o, &found) != CHR_OK || !found ||
        ledger_gov_proposal_decode(&p, ev->id, o.value, o.value_len) != CHR_OK) {
        return NULL;
    }
    json_t *d = json_pack("{s:o,s:o,s:s,s:s%}", "height", rpc_json_u64(ev->height), "proposal_id",
                          rpc_json_u64(ev->id), "kind", ledger_gov_kind_name(p.content.kind),
                          "title", (const char *)p.content.title, (size_t)p.content.title_len);
    if (d == NULL) {
        return NULL;
    }
    if (!exec) {
        json_object_set_new(d, "status", json_string(ledger_gov_status_name(ev->status)));
        return d;
    }
    json_object_set_new(d, "result",
                        json_string(ev->status == LEDGER_GOV_PASSED ? "executed" : "failed"));
    json_object_set_new(
        d, "error", ev->exec_err ? json_string(chr_err_name((chr_err)ev->exec_err)) : json_null());
    return d;
}

json_t *rpc_gov_event(ledger_store_read *rd, rpc_gov_events *c, uint64_t height, uint32_t k,
                      const char **name)
{
    *name = NULL;
    if (c->height != height || c->next > k) {
        memset(c, 0, sizeof(*c));
        c->height = height;
    }
    ledger_gov_event ev;
    int exec = 0;
    int got = 0;
    while (c->next <= k && c->next < RPC_GOV_EVENTS_MAX) {
        got = cursor_step(rd, c, &ev, &exec);
        if (!got) {
            return NULL;
        }
    }
    if (!got) {
        return NULL;
    }
    *name = exec ? "proposal_execution" : "proposal_status";
    return event_json(rd, &ev, exec);
}
