/* run's settlement round (docs/MEDIA-AGENT.md, "Settlement"): for each tracked meeting,
 * its record is refreshed until it is finished; a finished one's claims (the minutes
 * reported, bounded by each credit and the duration, above what the chain holds as
 * claimed) go out in settle transactions of up to LEDGER_SETTLE_CLAIMS_MAX claims, signed
 * with the operator's key through the wallet's transaction code, until the chain's
 * settlement window closes; then the meeting is forgotten.
 *
 * The chain is the truth of what was claimed: each round reads the meeting's payments
 * first, so a settle committed just before a crash is never sent twice, and one lost is
 * sent again. The table's mutex is never held across a network call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "common/log.h"
#include "media/internal/agent.h"

int media_state_save(media_agent *a)
{
    char *text = media_state_encode(a->state);
    int rc = text != NULL ? wallet_cli_write_private(a->cfg.state_file, text) : MEDIA_EXIT_LOCAL;
    free(text);
    if (rc != MEDIA_EXIT_OK) {
        CHR_LOG_E("cannot save the state to %s", a->cfg.state_file);
    }
    return rc == MEDIA_EXIT_OK;
}

/* GET the meeting's payments: the settlement window's end, whether it is closed, and what
 * the chain holds as claimed per person (into m). An exit code. */
static int fetch_payments(const media_agent *a, media_meeting *m, int *closed)
{
    char hex[2 * LEDGER_MEETING_ID_LEN + 1], path[80];
    chr_hex_encode(hex, sizeof(hex), m->id, LEDGER_MEETING_ID_LEN);
    snprintf(path, sizeof(path), "/api/v1/meetings/%s/payments", hex);
    long status = 0;
    json_t *j = NULL;
    int rc = wallet_cli_call(&a->wc, "GET", path, NULL, a->wc.timeout_ms, &status, &j, NULL);
    if (rc != MEDIA_EXIT_OK) {
        return rc;
    }
    const json_t *claims = json_object_get(j, "claims");
    m->claims_until_ms = media_time_parse(wallet_cli_jstr(j, "claims_until"));
    *closed = json_is_true(json_object_get(j, "closed"));
    if (status != 200 || m->claims_until_ms == 0 || !json_is_array(claims)) {
        CHR_LOG_W("meeting %s: the node's payments answer (%ld) is not usable", hex, status);
        json_decref(j);
        return MEDIA_EXIT_REFUSED;
    }
    size_t i;
    const json_t *c;
    json_array_foreach(claims, i, c) {
        json_int_t index = json_integer_value(json_object_get(c, "index"));
        json_int_t fin = json_integer_value(json_object_get(c, "final_minutes"));
        json_int_t pending = json_integer_value(json_object_get(c, "pending_minutes"));
        if (index >= 0 && index < MEDIA_PERSONS_MAX && fin >= 0 && fin <= UINT32_MAX &&
            pending >= 0 && pending <= UINT32_MAX) {
            m->persons[index].claimed = (uint32_t)(pending > fin ? pending : fin);
        }
    }
    json_decref(j);
    return MEDIA_EXIT_OK;
}

/* One settle transaction of batch b for meeting id, signed with the operator's key and
 * followed until committed. An exit code (the wallet printed the outcome). */
static int settle_batch(media_agent *a, const uint8_t id[LEDGER_MEETING_ID_LEN],
                        const media_batch *b)
{
    ledger_tx tx;
    uint8_t *enc = malloc(LEDGER_SETTLE_CLAIMS_BYTES_MAX); /* the claims' encoding: tx refers
                                                              to it (ledger/tx.h) */
    if (enc == NULL) {
        CHR_LOG_E("out of memory for a settle transaction");
        return MEDIA_EXIT_LOCAL;
    }
    int rc = wallet_tx_header(&a->wc, &tx, LEDGER_TX_MEETING_SETTLE);
    if (rc == MEDIA_EXIT_OK) {
        memcpy(tx.body.settle.id, id, LEDGER_MEETING_ID_LEN);
        for (size_t i = 0; i < b->claims_len; i++) {
            /* A batch holds at most LEDGER_SETTLE_CLAIMS_MAX claims (media_plan_batches). */
            CHR_ASSERT(ledger_settle_claim_add(&tx, enc, LEDGER_SETTLE_CLAIMS_BYTES_MAX,
                                               &b->claims[i]) == CHR_OK);
        }
        rc = wallet_tx_finish(&a->wc, &tx);
    }
    free(enc);
    return rc;
}

/* Settles m (a copy; its claimed minutes are updated): 1 when it is done with (closed,
 * cancelled or past its window), else 0. */
static int settle_meeting(media_agent *a, media_meeting *m, uint64_t now_ms)
{
    char hex[2 * LEDGER_MEETING_ID_LEN + 1];
    chr_hex_encode(hex, sizeof(hex), m->id, LEDGER_MEETING_ID_LEN);
    if (!m->has_record || m->rec.status == MEDIA_MEETING_OPEN) {
        media_record r;
        if (media_fetch_record(a, m->id, &r, 1) == MEDIA_EXIT_OK) {
            m->rec = r;
            m->has_record = 1;
        }
    }
    if (!m->has_record) {
        return 0;
    }
    if (m->rec.status == MEDIA_MEETING_CANCELLED) {
        CHR_LOG_I("meeting %s was cancelled: forgotten", hex);
        return 1;
    }
    if (m->rec.status == MEDIA_MEETING_OPEN && now_ms < m->rec.end_ms) {
        return 0;
    }
    int closed = 0;
    if (fetch_payments(a, m, &closed) != MEDIA_EXIT_OK) {
        return 0;
    }
    media_batch batches[MEDIA_BATCHES_MAX];
    size_t n;
    media_plan_batches(m, batches, &n);
    if (closed || now_ms >= m->claims_until_ms) {
        if (n > 0) {
            CHR_LOG_W("meeting %s: its settlement window closed with minutes unclaimed", hex);
        }
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (settle_batch(a, m->id, &batches[i]) != MEDIA_EXIT_OK) {
            CHR_LOG_W("meeting %s: a settle transaction did not commit; next round retries", hex);
            break;
        }
        for (size_t k = 0; k < batches[i].claims_len; k++) {
            m->persons[batches[i].claims[k].index].claimed = batches[i].claims[k].minutes;
        }
        CHR_LOG_I("meeting %s: settled %zu claims", hex, batches[i].claims_len);
    }
    return 0;
}

void media_settle_round(media_agent *a, uint64_t now_ms)
{
    media_meeting *m = malloc(sizeof(*m));
    if (m == NULL) {
        CHR_LOG_E("out of memory in the settlement round");
        return;
    }
    for (size_t i = 0; i < MEDIA_MEETINGS_MAX; i++) {
        pthread_mutex_lock(&a->lock);
        *m = a->state->meetings[i];
        pthread_mutex_unlock(&a->lock);
        if (!m->used) {
            continue;
        }
        int done = settle_meeting(a, m, now_ms);
        /* Merge back: the endpoint may have added credits or minutes meanwhile, so only
         * what this round learnt is written. */
        pthread_mutex_lock(&a->lock);
        media_meeting *cur = media_state_find(a->state, m->id);
        int changed = cur != NULL && done;
        if (cur != NULL && done) {
            memset(cur, 0, sizeof(*cur));
        } else if (cur != NULL) {
            cur->rec = m->rec;
            cur->has_record = m->has_record;
            cur->claims_until_ms = m->claims_until_ms;
            for (size_t k = 0; k < MEDIA_PERSONS_MAX; k++) {
                uint32_t c = m->persons[k].claimed;
                changed |= c > cur->persons[k].claimed;
                cur->persons[k].claimed = c > cur->persons[k].claimed ? c : cur->persons[k].claimed;
            }
        }
        /* Only what the file holds (credits, minutes, claimed) is worth a write. */
        if (changed) {
            (void)media_state_save(a);
        }
        pthread_mutex_unlock(&a->lock);
    }
    free(m);
}
