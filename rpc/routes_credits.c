/* POST /api/meetings/{meeting_id}/credits: the node signs session credits (docs/CREDITS.md)
 * with the calling API key's sponsor key (rpc_sponsor_get), for a meeting that sponsor paid
 * for: one person's (body
 * {"participant": ID}) or everyone's (no body, or {}), each with the link that carries it
 * (start_url for the host, join_url for a participant, the credit in the fragment). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"
#include "common/hex.h"
#include "credit/credit.h"
#include "ledger/settle.h"
#include "rpc/internal/meetings.h"
#include "rpc/render.h"

/* A credit is valid from a minute before the chain's time (clocks differ) until 15 minutes
 * after the meeting's end (the default grace period, in which a meeting may run over). */
#define CREDIT_SKEW_MS 60000ull
#define CREDIT_AFTER_END_MS (15ull * 60000)

/* Signs the credit of person (role host or participant) into hex. */
static chr_err credit_issue(const uint8_t sk[32], const ledger_meeting *m, const char *chain_id,
                            const char *person, size_t person_len, uint8_t role,
                            uint64_t not_before_ms, char hex[2 * CREDIT_BYTES_MAX + 1])
{
    credit c = {.role = role,
                .minutes_max = m->duration_min,
                .not_before_ms = not_before_ms,
                .expiry_ms = m->end_ms + CREDIT_AFTER_END_MS};
    c.chain_id_len = (uint8_t)strlen(chain_id);
    memcpy(c.chain_id, chain_id, c.chain_id_len);
    memcpy(c.meeting_id, m->id, LEDGER_MEETING_ID_LEN);
    c.participant_id_len = (uint8_t)person_len;
    memcpy(c.participant_id, person, person_len);
    c.has_key = chr_address_decode(c.participant_key, person, person_len) == CHR_OK;
    memcpy(c.node_key, m->node_key, 32);
    uint8_t buf[CREDIT_BYTES_MAX], seed[32], aux[32], msg[32];
    size_t len = credit_encode(buf, sizeof(buf), &c);
    ledger_signer *s = NULL;
    randombytes_buf(seed, sizeof(seed));
    randombytes_buf(aux, sizeof(aux));
    credit_sighash(msg, buf, len);
    chr_err err = len == 0 ? CHR_ERR_ARG : ledger_signer_new(&s, seed);
    err = err ? err : ledger_signer_sign(s, buf + len - 64, msg, sk, aux);
    ledger_signer_free(s);
    if (err == CHR_OK) {
        chr_hex_encode(hex, 2 * CREDIT_BYTES_MAX + 1, buf, len);
    }
    return err;
}

/* The credits of m's people (only `only` when not NULL) as a JSON array into *out;
 * CHR_ERR_NOT_FOUND when `only` is not one of them. */
static chr_err credits_render(const uint8_t sk[32], const ledger_meeting *m,
                              const ledger_meeting_people *b, const ledger_media_node *n,
                              int node_found, const char *chain_id, uint64_t now_ms,
                              const char *only, json_t *out)
{
    char id[2 * LEDGER_MEETING_ID_LEN + 1], hex[2 * CREDIT_BYTES_MAX + 1];
    chr_hex_encode(id, sizeof(id), m->id, LEDGER_MEETING_ID_LEN);
    uint64_t not_before = now_ms > CREDIT_SKEW_MS ? now_ms - CREDIT_SKEW_MS : 0;
    chr_err err = CHR_OK;
    size_t issued = 0;
    for (size_t i = 0; i <= b->participants_len && err == CHR_OK; i++) {
        const char *p = i == 0 ? m->host : b->participants[i - 1];
        size_t len = i == 0 ? m->host_len : b->participant_lens[i - 1];
        if (only != NULL && (strlen(only) != len || memcmp(only, p, len) != 0)) {
            continue;
        }
        uint8_t role = i == 0 ? CREDIT_ROLE_HOST : CREDIT_ROLE_PARTICIPANT;
        err = credit_issue(sk, m, chain_id, p, len, role, not_before, hex);
        json_t *url = rpc_meeting_url(n, node_found, i == 0 ? "start" : "join", id, hex);
        json_t *one = json_pack("{s:s%,s:s,s:s,s:i,s:o,s:o}", "participant", p, len, "role",
                                i == 0 ? "host" : "participant", "credit", hex, "minutes_max",
                                (json_int_t)m->duration_min, "expiry",
                                rpc_json_time(m->end_ms + CREDIT_AFTER_END_MS),
                                i == 0 ? "start_url" : "join_url", url);
        err = err ? err : one == NULL ? CHR_ERR_NOMEM : CHR_OK;
        if (one != NULL) {
            json_array_append_new(out, one);
        }
        issued++;
    }
    return err == CHR_OK && issued == 0 ? CHR_ERR_NOT_FOUND : err;
}

/* The body: none, {}, or {"participant": ID}; *only the ID (NULL: everyone), owned by *root. */
static int credits_body(rpc_ctx *x, rpc_reply *r, json_t **root, const char **only)
{
    static const char *const allowed[] = {"participant", NULL};
    *root = NULL;
    *only = NULL;
    if (x->req->len == 0) {
        return 1;
    }
    *root = rpc_parse_body(x, r, allowed);
    if (*root == NULL) {
        return 0;
    }
    json_t *p = json_object_get(*root, "participant");
    if (p != NULL && (!json_is_string(p) || json_string_length(p) == 0 ||
                      json_string_length(p) > LEDGER_MEETING_ID_STR_MAX)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "participant: an ID of 1..64 characters",
                        "participant");
        return 0;
    }
    *only = p != NULL ? json_string_value(p) : NULL;
    return 1;
}

void rpc_handle_meeting_credits(rpc_ctx *x, rpc_reply *r)
{
    uint8_t id[LEDGER_MEETING_ID_LEN];
    const char *seg = x->segs[x->segs_len - 2];
    size_t len = 0;
    json_t *root;
    const char *only;
    rpc_sponsor sp;
    if (strlen(seg) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode(id, LEDGER_MEETING_ID_LEN, &len, seg, strlen(seg)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "meeting_id: 24 hex characters", "meeting_id");
        return;
    }
    if (!rpc_sponsor_get(x, r, &sp)) {
        return;
    }
    if (!credits_body(x, r, &root, &only)) {
        json_decref(root);
        rpc_sponsor_wipe(&sp);
        return;
    }
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    ledger_meeting m;
    ledger_meeting_people *b = calloc(1, sizeof(*b));
    ledger_media_node n;
    int node_found = 0;
    ledger_store_read *rd = NULL;
    chr_err err = b == NULL ? CHR_ERR_NOMEM : CHR_OK;
    err = err ? err : ledger_store_read_begin(x->srv->be.store, &rd) ? CHR_ERR_STORE : CHR_OK;
    err = err ? err : rpc_meeting_load(rd, id, &m, b, &n, &node_found);
    if (rd != NULL) {
        ledger_store_read_end(rd);
    }
    json_t *arr = json_array();
    if (err != CHR_OK) {
        rpc_reply_meeting_error(r, err);
    } else if (memcmp(m.payer, sp.pub, 32) != 0) {
        rpc_reply_error(r, 403, CHR_ERR_NOT_OWNER,
                        "the sponsor did not pay for this meeting: its payer signs its credits",
                        NULL);
    } else {
        err = credits_render(sp.sk, &m, b, &n, node_found, tip.chain_id, tip.time_ms, only, arr);
        if (err == CHR_ERR_NOT_FOUND) {
            rpc_reply_error(r, 400, CHR_ERR_ARG, "participant: not the host nor a participant",
                            "participant");
        } else if (err != CHR_OK) {
            rpc_reply_meeting_error(r, err);
        } else {
            rpc_reply_json(r, 200, json_pack("{s:s,s:O}", "meeting_id", seg, "credits", arr));
        }
    }
    json_decref(arr);
    json_decref(root);
    free(b);
    rpc_sponsor_wipe(&sp);
}
