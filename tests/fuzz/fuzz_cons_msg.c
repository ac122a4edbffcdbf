/* Fuzzes cons_msg_decode (consensus/msg.h): no input may crash it, and whatever it accepts
 * must encode back to exactly the input (one encoding per message). An accepted message
 * also keeps its own rules: a known kind; a vote's type, height and round in range; a
 * proposal's pol_round below its round and its block a view inside the input; a status's
 * bits within LEDGER_VALIDATORS_MAX with no bit set past them; evidence that conflicts, in
 * block-id order. And cons_msg_peek over the same input: no crash, only its documented
 * errors with zeroed outputs, and for every message that decodes the decoded kind and
 * height. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "consensus/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoded message holds a commit (~12 KiB): keep it off the fuzzer's stack. */
static cons_msg msg;

static void check_vote(const cons_vote *v)
{
    if ((v->type != LEDGER_VOTE_PREVOTE && v->type != LEDGER_VOTE_PRECOMMIT) || v->height == 0 ||
        v->round > CONS_ROUND_MAX) {
        abort();
    }
}

static void check_view(const uint8_t *view, size_t len, const uint8_t *data, size_t size)
{
    if (len > CONS_BLOCK_BYTES_MAX) {
        abort();
    }
    if (len > 0 && (view < data || view + len > data + size)) {
        abort();
    }
}

static void check_rules(const cons_msg *m, const uint8_t *data, size_t size)
{
    switch (m->kind) {
    case CONS_MSG_VOTE:
        check_vote(&m->u.vote);
        break;
    case CONS_MSG_PROPOSAL:
        if (m->u.proposal.height == 0 || m->u.proposal.round > CONS_ROUND_MAX ||
            (m->u.proposal.pol_round != CONS_ROUND_NONE &&
             m->u.proposal.pol_round >= m->u.proposal.round)) {
            abort();
        }
        check_view(m->u.proposal.block, m->u.proposal.block_len, data, size);
        break;
    case CONS_MSG_STATUS: {
        const cons_status *s = &m->u.status;
        if (s->height == 0 || s->bits > LEDGER_VALIDATORS_MAX || s->step > 3 ||
            s->has_proposal > 1) {
            abort();
        }
        for (size_t i = s->bits; i < CONS_BITMAP_BYTES * 8; i++) {
            if (((s->prevotes[i / 8] | s->precommits[i / 8]) >> (7 - i % 8)) & 1) {
                abort();
            }
        }
        break;
    }
    case CONS_MSG_COMMITTED:
        check_view(m->u.committed.block, m->u.committed.block_len, data, size);
        if (m->u.committed.commit.sigs_len > LEDGER_VALIDATORS_MAX) {
            abort();
        }
        break;
    case CONS_MSG_EVIDENCE:
        check_vote(&m->u.evidence.a);
        check_vote(&m->u.evidence.b);
        if (!cons_votes_conflict(&m->u.evidence.a, &m->u.evidence.b) ||
            memcmp(m->u.evidence.a.block_id, m->u.evidence.b.block_id, 32) >= 0) {
            abort();
        }
        break;
    default:
        abort();
    }
}

/* The height cons_msg_peek must read from a decoded message. */
static uint64_t msg_height(const cons_msg *m)
{
    switch (m->kind) {
    case CONS_MSG_PROPOSAL:
        return m->u.proposal.height;
    case CONS_MSG_VOTE:
        return m->u.vote.height;
    case CONS_MSG_STATUS:
        return m->u.status.height;
    case CONS_MSG_COMMITTED:
        return m->u.committed.commit.height;
    default:
        return m->u.evidence.a.height;
    }
}

/* cons_msg_peek's result on the input (peek_err, kind, height) against its contract;
 * decoded: the input decoded to msg. */
static void check_peek(chr_err peek_err, uint8_t kind, uint64_t height, int decoded)
{
    if (peek_err != CHR_OK && peek_err != CHR_ERR_TRUNCATED && peek_err != CHR_ERR_TOO_LONG &&
        peek_err != CHR_ERR_CONS_MSG) {
        abort();
    }
    if (peek_err != CHR_OK && (kind != 0 || height != 0)) {
        abort(); /* the outputs are zeroed on failure */
    }
    if (decoded && (peek_err != CHR_OK || kind != msg.kind || height != msg_height(&msg))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
    uint8_t kind;
    uint64_t height;
    chr_err peek_err = cons_msg_peek(&kind, &height, data, size);
    if (cons_msg_decode(&msg, data, size) != CHR_OK) {
        if (msg.kind != 0) {
            abort(); /* the output is zeroed on failure */
        }
        check_peek(peek_err, kind, height, 0);
        return 0;
    }
    check_peek(peek_err, kind, height, 1);
    check_rules(&msg, data, size);
    uint8_t *again;
    size_t again_len;
    if (cons_msg_encode(&again, &again_len, &msg) != CHR_OK) {
        abort();
    }
    if (again_len != size || memcmp(again, data, size) != 0) {
        abort();
    }
    free(again);
    return 0;
}
