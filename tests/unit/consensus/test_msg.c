/* Consensus messages: canonical encodings, rejections, signatures and domain separation. */
#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hash.h"
#include "common/hex.h"
#include "consensus/msg.h"
#include "ledger/tx.h"
#include "tests/unit/consensus/harness.h"
#include "tests/unit/consensus/suite.h"
#include "tests/unit/test.h"

#define SAMPLES 12

static const uint8_t sample_block[] = {'b', 'l', 'o', 'c', 'k', 0, 1, 2, 3};

/* The i-th sample message (0 <= i < SAMPLES): every kind, and the edge forms of each. */
static void sample(cons_msg *m, int i)
{
    static ledger_commit commit;
    memset(m, 0, sizeof(*m));
    uint8_t id[32];
    memset(id, 0xab, 32);
    switch (i) {
    case 0: /* a prevote for a block */
    case 1: /* a precommit for nil */
        m->kind = CONS_MSG_VOTE;
        m->u.vote.type = i == 0 ? LEDGER_VOTE_PREVOTE : LEDGER_VOTE_PRECOMMIT;
        m->u.vote.height = 1;
        m->u.vote.round = i == 0 ? 0 : CONS_ROUND_MAX;
        if (i == 0) {
            memcpy(m->u.vote.block_id, id, 32);
        }
        memcpy(m->u.vote.validator, h_pub(0), 32);
        memset(m->u.vote.sig, 0x5a, 64);
        break;
    case 2: /* a fresh proposal */
    case 3: /* a re-proposal with a proof of lock, and an empty block */
        m->kind = CONS_MSG_PROPOSAL;
        m->u.proposal.height = UINT64_MAX;
        m->u.proposal.round = i == 2 ? 0 : 5;
        m->u.proposal.pol_round = i == 2 ? CONS_ROUND_NONE : 4;
        memcpy(m->u.proposal.proposer, h_pub(1), 32);
        memset(m->u.proposal.sig, 0x33, 64);
        m->u.proposal.block = i == 2 ? sample_block : NULL;
        m->u.proposal.block_len = i == 2 ? sizeof(sample_block) : 0;
        break;
    case 4: /* a status with no validators */
    case 5: /* with 4, some bits set */
    case 6: /* with 9: a second bitmap byte */
    case 7: /* with the most validators, every bit set */
        m->kind = CONS_MSG_STATUS;
        m->u.status.height = 7;
        m->u.status.round = 3;
        m->u.status.step = (uint8_t)(i - 4);
        m->u.status.has_proposal = i % 2 == 1;
        m->u.status.bits = i == 4 ? 0 : i == 5 ? 4 : i == 6 ? 9 : LEDGER_VALIDATORS_MAX;
        if (i == 5) {
            m->u.status.prevotes[0] = 0xa0;
            m->u.status.precommits[0] = 0x10;
        } else if (i == 6) {
            m->u.status.prevotes[0] = 0xff;
            m->u.status.prevotes[1] = 0x80;
        } else if (i == 7) {
            memset(m->u.status.prevotes, 0xff, CONS_BITMAP_BYTES);
            memset(m->u.status.precommits, 0xff, CONS_BITMAP_BYTES);
        }
        break;
    case 8: /* a committed block with a commit of three signatures */
    case 9: /* with an empty commit */
        m->kind = CONS_MSG_COMMITTED;
        h_commit(&commit, i == 8 ? 0x7u : 0u, 9, 1, id);
        m->u.committed.block = sample_block;
        m->u.committed.block_len = sizeof(sample_block);
        m->u.committed.commit = commit;
        break;
    default: /* 10, 11: evidence of prevotes, of precommits */
        m->kind = CONS_MSG_EVIDENCE;
        for (int k = 0; k < 2; k++) {
            cons_vote *v = k == 0 ? &m->u.evidence.a : &m->u.evidence.b;
            v->type = i == 10 ? LEDGER_VOTE_PREVOTE : LEDGER_VOTE_PRECOMMIT;
            v->height = 3;
            v->round = 2;
            memcpy(v->validator, h_pub(3), 32);
            memset(v->sig, 0x40 + k, 64);
        }
        /* a: nil, b: a block (nil sorts first). */
        memcpy(m->u.evidence.b.block_id, id, 32);
        break;
    }
}

static chr_err encode(const cons_msg *m, uint8_t **buf, size_t *len)
{
    return cons_msg_encode(buf, len, m);
}

/* Decodes buf and checks it re-encodes to the same bytes; returns the decode's error. */
static chr_err decode_again(const uint8_t *buf, size_t len, int *same)
{
    cons_msg m;
    chr_err err = cons_msg_decode(&m, buf, len);
    *same = 0;
    if (err == CHR_OK) {
        uint8_t *again;
        size_t again_len;
        if (cons_msg_encode(&again, &again_len, &m) == CHR_OK) {
            *same = again_len == len && memcmp(again, buf, len) == 0;
            free(again);
        }
    }
    return err;
}

void test_msg_round_trip_every_kind(void)
{
    /* Proves every kind (and each kind's edge forms) decodes from its encoding to the same
     * fields and encodes back to the same bytes. */
    for (int i = 0; i < SAMPLES; i++) {
        cons_msg m, d;
        uint8_t *buf;
        size_t len;
        sample(&m, i);
        CHECK_OK(encode(&m, &buf, &len));
        chr_err err = cons_msg_decode(&d, buf, len);
        int same;
        CHECK_OK(decode_again(buf, len, &same));
        CHECK(same);
        CHECK_OK(err);
        CHECK(d.kind == m.kind);
        switch (m.kind) {
        case CONS_MSG_VOTE:
            CHECK(len == CONS_VOTE_BYTES);
            CHECK(memcmp(&d.u.vote, &m.u.vote, sizeof(cons_vote)) == 0);
            break;
        case CONS_MSG_PROPOSAL:
            CHECK(d.u.proposal.height == m.u.proposal.height);
            CHECK(d.u.proposal.round == m.u.proposal.round);
            CHECK(d.u.proposal.pol_round == m.u.proposal.pol_round);
            CHECK(memcmp(d.u.proposal.proposer, m.u.proposal.proposer, 32) == 0);
            CHECK(memcmp(d.u.proposal.sig, m.u.proposal.sig, 64) == 0);
            CHECK(d.u.proposal.block_len == m.u.proposal.block_len);
            CHECK(d.u.proposal.block_len == 0 ||
                  memcmp(d.u.proposal.block, m.u.proposal.block, m.u.proposal.block_len) == 0);
            /* The block is a view into the decoded buffer. */
            CHECK(d.u.proposal.block_len == 0 ||
                  d.u.proposal.block == buf + len - d.u.proposal.block_len);
            break;
        case CONS_MSG_STATUS:
            CHECK(memcmp(&d.u.status, &m.u.status, sizeof(cons_status)) == 0);
            CHECK(len == 1 + 8 + 4 + 1 + 1 + 2 + 2 * (((size_t)m.u.status.bits + 7) / 8));
            break;
        case CONS_MSG_COMMITTED:
            CHECK(d.u.committed.block_len == m.u.committed.block_len);
            CHECK(memcmp(d.u.committed.block, m.u.committed.block, m.u.committed.block_len) == 0);
            CHECK(d.u.committed.commit.sigs_len == m.u.committed.commit.sigs_len);
            CHECK(memcmp(d.u.committed.commit.block_hash, m.u.committed.commit.block_hash, 32) ==
                  0);
            break;
        default:
            CHECK(len == 1 + 2 * CONS_VOTE_BODY_BYTES);
            CHECK(memcmp(&d.u.evidence, &m.u.evidence, sizeof(cons_evidence)) == 0);
            break;
        }
        free(buf);
    }
}

void test_msg_layout(void)
{
    /* Proves the vote and proposal byte layouts documented in consensus/msg.h and
     * docs/CONSENSUS.md: kind, fields in order, big-endian, no padding. */
    cons_msg m;
    uint8_t *buf;
    size_t len;
    sample(&m, 0);
    m.u.vote.height = 0x0102030405060708ull;
    m.u.vote.round = 0x00090a0bu;
    CHECK_OK(encode(&m, &buf, &len));
    CHECK(len == CONS_VOTE_BYTES && len == 142);
    CHECK(buf[0] == CONS_MSG_VOTE && buf[1] == LEDGER_VOTE_PREVOTE);
    uint8_t be[12] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 9, 10, 11};
    CHECK(memcmp(buf + 2, be, 12) == 0);
    CHECK(memcmp(buf + 14, m.u.vote.block_id, 32) == 0);
    CHECK(memcmp(buf + 46, m.u.vote.validator, 32) == 0);
    CHECK(memcmp(buf + 78, m.u.vote.sig, 64) == 0);
    free(buf);

    sample(&m, 3);
    m.u.proposal.height = 2;
    CHECK_OK(encode(&m, &buf, &len));
    CHECK(len == 1 + 8 + 4 + 4 + 32 + 64 + 4);
    uint8_t head[17] = {CONS_MSG_PROPOSAL, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 4};
    CHECK(memcmp(buf, head, sizeof(head)) == 0);
    CHECK(memcmp(buf + 17, m.u.proposal.proposer, 32) == 0);
    CHECK(memcmp(buf + 49, m.u.proposal.sig, 64) == 0);
    CHECK(chr_get_u32be(buf + 113) == 0);
    free(buf);

    sample(&m, 5); /* status: bits 4, prevotes 1010, precommits 0001 */
    CHECK_OK(encode(&m, &buf, &len));
    uint8_t status[19] = {
        CONS_MSG_STATUS, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 3, 1, 1, 0, 4, 0xa0, 0x10};
    CHECK(len == sizeof(status) && memcmp(buf, status, len) == 0);
    free(buf);
}

static void raw_vote(chr_enc *e, const cons_vote *v)
{
    chr_enc_u8(e, v->type);
    chr_enc_u64(e, v->height);
    chr_enc_u32(e, v->round);
    chr_enc_raw(e, v->block_id, 32);
    chr_enc_raw(e, v->validator, 32);
    chr_enc_raw(e, v->sig, 64);
}

/* The layout of consensus/msg.h written field by field with no check at all (a second,
 * independent encoder), so the tests can make the bytes of messages that cons_msg_encode
 * refuses. A commit is written as it stands, whatever its count or order. Returns the
 * length, 0 if cap is too small. */
static size_t raw_encode(uint8_t *out, size_t cap, const cons_msg *m)
{
    chr_enc e;
    chr_enc_init(&e, out, cap);
    chr_enc_u8(&e, m->kind);
    switch (m->kind) {
    case CONS_MSG_PROPOSAL:
        chr_enc_u64(&e, m->u.proposal.height);
        chr_enc_u32(&e, m->u.proposal.round);
        chr_enc_u32(&e, m->u.proposal.pol_round);
        chr_enc_raw(&e, m->u.proposal.proposer, 32);
        chr_enc_raw(&e, m->u.proposal.sig, 64);
        chr_enc_bytes32(&e, m->u.proposal.block, m->u.proposal.block_len);
        break;
    case CONS_MSG_VOTE:
        raw_vote(&e, &m->u.vote);
        break;
    case CONS_MSG_STATUS:
        chr_enc_u64(&e, m->u.status.height);
        chr_enc_u32(&e, m->u.status.round);
        chr_enc_u8(&e, m->u.status.step);
        chr_enc_u8(&e, m->u.status.has_proposal);
        chr_enc_u16(&e, m->u.status.bits);
        for (int k = 0; k < 2; k++) {
            const uint8_t *map = k == 0 ? m->u.status.prevotes : m->u.status.precommits;
            size_t n = ((size_t)m->u.status.bits + 7) / 8;
            for (size_t i = 0; i < n; i++) {
                chr_enc_u8(&e, i < CONS_BITMAP_BYTES ? map[i] : 0);
            }
        }
        break;
    case CONS_MSG_COMMITTED: {
        const ledger_commit *c = &m->u.committed.commit;
        chr_enc_bytes32(&e, m->u.committed.block, m->u.committed.block_len);
        size_t sigs = c->sigs_len <= LEDGER_VALIDATORS_MAX ? c->sigs_len : LEDGER_VALIDATORS_MAX;
        chr_enc_u16(&e, (uint16_t)(8 + 4 + 32 + 2 + sigs * 96));
        chr_enc_u64(&e, c->height);
        chr_enc_u32(&e, c->round);
        chr_enc_raw(&e, c->block_hash, 32);
        chr_enc_u16(&e, c->sigs_len);
        for (size_t i = 0; i < sigs; i++) {
            chr_enc_raw(&e, c->sigs[i].validator, 32);
            chr_enc_raw(&e, c->sigs[i].sig, 64);
        }
        break;
    }
    case CONS_MSG_EVIDENCE:
        raw_vote(&e, &m->u.evidence.a);
        raw_vote(&e, &m->u.evidence.b);
        break;
    default:
        break;
    }
    size_t len;
    return chr_enc_finish(&e, &len) == CHR_OK ? len : 0;
}

/* Room for raw_encode of the samples and the edits below (blocks of a few bytes). */
#define RAW_CAP (1 + 4 + 64 + 2 + LEDGER_COMMIT_BYTES_MAX + 2 * CONS_BITMAP_BYTES + 256)

/* Decodes the bytes of sample i after edit() changed the message (written by raw_encode,
 * so the decoder's rules are tested whatever the encoder refuses). */
static chr_err decode_edited(int i, void (*edit)(cons_msg *m))
{
    static uint8_t buf[RAW_CAP];
    cons_msg m, d;
    sample(&m, i);
    edit(&m);
    size_t len = raw_encode(buf, sizeof(buf), &m);
    if (len == 0) {
        return CHR_ERR_ARG; /* a setup error: the edit made it too big */
    }
    return cons_msg_decode(&d, buf, len);
}

/* 1 if cons_msg_encode refuses sample i after edit() with CHR_ERR_ARG and zeroed
 * outputs. */
static int encode_refuses(int i, void (*edit)(cons_msg *m))
{
    cons_msg m;
    uint8_t dummy = 0;
    uint8_t *buf = &dummy;
    size_t len = 1;
    sample(&m, i);
    edit(&m);
    chr_err err = cons_msg_encode(&buf, &len, &m);
    if (err == CHR_OK) {
        free(buf);
    }
    return err == CHR_ERR_ARG && buf == NULL && len == 0;
}

static void vote_type_0(cons_msg *m)
{
    m->u.vote.type = 0;
}
static void vote_type_3(cons_msg *m)
{
    m->u.vote.type = 3;
}
static void vote_height_0(cons_msg *m)
{
    m->u.vote.height = 0;
}
static void vote_round_over(cons_msg *m)
{
    m->u.vote.round = CONS_ROUND_MAX + 1;
}
static void vote_round_max(cons_msg *m)
{
    m->u.vote.round = CONS_ROUND_MAX;
}
static void prop_height_0(cons_msg *m)
{
    m->u.proposal.height = 0;
}
static void prop_round_over(cons_msg *m)
{
    m->u.proposal.round = CONS_ROUND_MAX + 1;
}
static void prop_round_max(cons_msg *m)
{
    m->u.proposal.round = CONS_ROUND_MAX;
}
static void prop_pol_equal(cons_msg *m)
{
    m->u.proposal.pol_round = m->u.proposal.round;
}
static void prop_pol_above(cons_msg *m)
{
    m->u.proposal.pol_round = m->u.proposal.round + 1;
}
static void prop_pol_below(cons_msg *m)
{
    m->u.proposal.pol_round = m->u.proposal.round - 1;
}
static void prop_pol_zero(cons_msg *m)
{
    m->u.proposal.pol_round = 0;
}
static void prop_pol_none(cons_msg *m)
{
    m->u.proposal.pol_round = CONS_ROUND_NONE;
}
static void status_height_0(cons_msg *m)
{
    m->u.status.height = 0;
}
static void status_round_over(cons_msg *m)
{
    m->u.status.round = CONS_ROUND_MAX + 1;
}
static void status_step_4(cons_msg *m)
{
    m->u.status.step = 4;
}
static void status_has_2(cons_msg *m)
{
    m->u.status.has_proposal = 2;
}
static void status_pad_prevote(cons_msg *m)
{
    m->u.status.prevotes[0] |= 0x01;
}
static void status_pad_precommit(cons_msg *m)
{
    m->u.status.precommits[0] |= 0x08;
}
static void status_pad_second(cons_msg *m)
{
    m->u.status.precommits[1] = 0x40;
}
static void ev_same(cons_msg *m)
{
    memset(m->u.evidence.b.block_id, 0, 32);
}
static void ev_swap(cons_msg *m)
{
    cons_vote t = m->u.evidence.a;
    m->u.evidence.a = m->u.evidence.b;
    m->u.evidence.b = t;
}
static void ev_validator(cons_msg *m)
{
    memcpy(m->u.evidence.b.validator, h_pub(2), 32);
}
static void ev_round(cons_msg *m)
{
    m->u.evidence.b.round = 3;
}
static void ev_height(cons_msg *m)
{
    m->u.evidence.b.height = 4;
}
static void ev_type(cons_msg *m)
{
    m->u.evidence.b.type = LEDGER_VOTE_PRECOMMIT;
}
static void ev_bad_type(cons_msg *m)
{
    m->u.evidence.a.type = 9;
    m->u.evidence.b.type = 9;
}
static void ev_height_0(cons_msg *m)
{
    m->u.evidence.a.height = 0;
    m->u.evidence.b.height = 0;
}

void test_msg_rejects_fields(void)
{
    /* Proves each field rule of cons_msg_decode: vote type, height 0, round over
     * CONS_ROUND_MAX (and the maximum itself accepted), pol_round not below round. */
    CHECK(decode_edited(0, vote_type_0) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(0, vote_type_3) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(0, vote_height_0) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(0, vote_round_over) == CHR_ERR_CONS_MSG);
    CHECK_OK(decode_edited(0, vote_round_max));
    CHECK(decode_edited(2, prop_height_0) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(2, prop_round_over) == CHR_ERR_CONS_MSG);
    CHECK_OK(decode_edited(2, prop_round_max));
    CHECK(decode_edited(3, prop_pol_equal) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(3, prop_pol_above) == CHR_ERR_CONS_MSG);
    CHECK_OK(decode_edited(3, prop_pol_below));
    CHECK_OK(decode_edited(3, prop_pol_zero));
    CHECK_OK(decode_edited(3, prop_pol_none));
    CHECK(decode_edited(2, prop_pol_zero) == CHR_ERR_CONS_MSG); /* round 0: no earlier round */
    CHECK(decode_edited(5, status_height_0) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(5, status_round_over) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(5, status_step_4) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(5, status_has_2) == CHR_ERR_CONS_MSG);
}

void test_msg_rejects_kind(void)
{
    /* Proves an unknown kind byte is refused, alone or followed by a valid body. */
    uint8_t one[1];
    cons_msg d;
    for (unsigned k = 0; k < 256; k++) {
        if (k >= CONS_MSG_PROPOSAL && k <= CONS_MSG_EVIDENCE) {
            continue;
        }
        one[0] = (uint8_t)k;
        CHECK(cons_msg_decode(&d, one, 1) == CHR_ERR_CONS_MSG);
        CHECK(d.kind == 0);
    }
    cons_msg m;
    uint8_t *buf;
    size_t len;
    sample(&m, 0);
    CHECK_OK(encode(&m, &buf, &len));
    buf[0] = 6;
    CHECK(cons_msg_decode(&d, buf, len) == CHR_ERR_CONS_MSG);
    buf[0] = 0;
    CHECK(cons_msg_decode(&d, buf, len) == CHR_ERR_CONS_MSG);
    free(buf);
    CHECK(cons_msg_decode(&d, one, 0) == CHR_ERR_TRUNCATED);
}

void test_msg_rejects_status_bits(void)
{
    /* Proves a status with more bits than LEDGER_VALIDATORS_MAX, or with a set bit past its
     * count in either bitmap, is refused (one encoding per status). */
    CHECK(decode_edited(5, status_pad_prevote) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(5, status_pad_precommit) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(6, status_pad_second) == CHR_ERR_CONS_MSG);
    /* bits = LEDGER_VALIDATORS_MAX + 1 by hand (the encoder refuses it). */
    uint8_t buf[1 + 16 + 2 * (CONS_BITMAP_BYTES + 1)];
    memset(buf, 0, sizeof(buf));
    buf[0] = CONS_MSG_STATUS;
    buf[8] = 1;                                 /* height 1 */
    buf[15] = (LEDGER_VALIDATORS_MAX + 1) >> 8; /* bits */
    buf[16] = (LEDGER_VALIDATORS_MAX + 1) & 0xff;
    cons_msg d;
    CHECK(cons_msg_decode(&d, buf, sizeof(buf)) == CHR_ERR_CONS_MSG);
    buf[15] = 0xff;
    buf[16] = 0xff;
    CHECK(cons_msg_decode(&d, buf, sizeof(buf)) == CHR_ERR_CONS_MSG);
    /* The same at exactly the maximum, bitmaps of the right size: accepted. */
    buf[15] = LEDGER_VALIDATORS_MAX >> 8;
    buf[16] = LEDGER_VALIDATORS_MAX & 0xff;
    CHECK_OK(cons_msg_decode(&d, buf, 17 + 2 * CONS_BITMAP_BYTES));
    CHECK(d.u.status.bits == LEDGER_VALIDATORS_MAX);
    /* The encoder refuses what the decoder would. */
    cons_msg m;
    sample(&m, 5);
    m.u.status.bits = LEDGER_VALIDATORS_MAX + 1;
    uint8_t *out;
    size_t len;
    CHECK(cons_msg_encode(&out, &len, &m) == CHR_ERR_ARG);
    CHECK(out == NULL && len == 0);
}

void test_msg_rejects_evidence(void)
{
    /* Proves evidence is refused unless its votes conflict (same validator, type, height
     * and round, different block ids) and come in block-id order; the votes' own rules
     * apply. */
    CHECK(decode_edited(10, ev_same) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_swap) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_validator) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_round) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_height) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_type) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_bad_type) == CHR_ERR_CONS_MSG);
    CHECK(decode_edited(10, ev_height_0) == CHR_ERR_CONS_MSG);
    cons_msg m;
    sample(&m, 10);
    CHECK(cons_votes_conflict(&m.u.evidence.a, &m.u.evidence.b));
    CHECK(cons_votes_conflict(&m.u.evidence.b, &m.u.evidence.a));
    CHECK(!cons_votes_conflict(&m.u.evidence.a, &m.u.evidence.a));
    CHECK(cons_vote_is_nil(&m.u.evidence.a) && !cons_vote_is_nil(&m.u.evidence.b));
}

void test_msg_rejects_truncation(void)
{
    /* Proves every proper prefix of every sample is refused as truncated, and a byte more
     * as trailing. */
    for (int i = 0; i < SAMPLES; i++) {
        cons_msg m, d;
        uint8_t *buf;
        size_t len;
        sample(&m, i);
        CHECK_OK(encode(&m, &buf, &len));
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *part = malloc(cut > 0 ? cut : 1);
            CHECK(part != NULL);
            memcpy(part, buf, cut);
            chr_err err = cons_msg_decode(&d, part, cut);
            free(part);
            CHECK(err == CHR_ERR_TRUNCATED);
            CHECK(d.kind == 0);
        }
        uint8_t *more = malloc(len + 1);
        CHECK(more != NULL);
        memcpy(more, buf, len);
        more[len] = 0;
        CHECK(cons_msg_decode(&d, more, len + 1) == CHR_ERR_TRAILING);
        free(more);
        free(buf);
    }
}

void test_msg_rejects_sizes(void)
{
    /* Proves the size limits: input over CONS_MSG_BYTES_MAX, a declared block over
     * CONS_BLOCK_BYTES_MAX (before it is read) and a declared block past the input. */
    cons_msg d;
    uint8_t *big = calloc(1, CONS_MSG_BYTES_MAX + 1);
    CHECK(big != NULL);
    big[0] = CONS_MSG_VOTE;
    chr_err err = cons_msg_decode(&d, big, CONS_MSG_BYTES_MAX + 1);
    free(big);
    CHECK(err == CHR_ERR_TOO_LONG);

    cons_msg m;
    uint8_t *buf;
    size_t len;
    sample(&m, 2);
    CHECK_OK(encode(&m, &buf, &len));
    size_t at = len - sizeof(sample_block) - 4; /* the block's u32 length */
    chr_put_u32be(buf + at, CONS_BLOCK_BYTES_MAX + 1);
    CHECK(cons_msg_decode(&d, buf, len) == CHR_ERR_TOO_LONG);
    chr_put_u32be(buf + at, sizeof(sample_block) + 1);
    CHECK(cons_msg_decode(&d, buf, len) == CHR_ERR_TRUNCATED);
    free(buf);

    sample(&m, 2);
    m.u.proposal.block_len = CONS_BLOCK_BYTES_MAX + 1;
    CHECK(cons_msg_encode(&buf, &len, &m) == CHR_ERR_ARG);
    sample(&m, 8);
    m.u.committed.block_len = CONS_BLOCK_BYTES_MAX + 1;
    CHECK(cons_msg_encode(&buf, &len, &m) == CHR_ERR_ARG);
    m.kind = 9;
    CHECK(cons_msg_encode(&buf, &len, &m) == CHR_ERR_ARG);
}

static void status_bits_over(cons_msg *m)
{
    m->u.status.bits = LEDGER_VALIDATORS_MAX + 1;
}
static void status_bit_unencoded(cons_msg *m)
{
    m->u.status.prevotes[CONS_BITMAP_BYTES - 1] = 0x01; /* bits 4: a byte never encoded */
}
static void commit_unordered(cons_msg *m)
{
    ledger_commit_sig t = m->u.committed.commit.sigs[0];
    m->u.committed.commit.sigs[0] = m->u.committed.commit.sigs[1];
    m->u.committed.commit.sigs[1] = t;
}
static void commit_repeated(cons_msg *m)
{
    m->u.committed.commit.sigs[1] = m->u.committed.commit.sigs[0];
}
static void commit_over(cons_msg *m)
{
    m->u.committed.commit.sigs_len = LEDGER_VALIDATORS_MAX + 1;
}
static void kind_0(cons_msg *m)
{
    m->kind = 0;
}
static void kind_6(cons_msg *m)
{
    m->kind = 6;
}
static void prop_block_over(cons_msg *m)
{
    m->u.proposal.block_len = CONS_BLOCK_BYTES_MAX + 1;
}
static void prop_block_null(cons_msg *m)
{
    m->u.proposal.block = NULL;
}
static void committed_block_over(cons_msg *m)
{
    m->u.committed.block_len = CONS_BLOCK_BYTES_MAX + 1;
}
static void committed_block_null(cons_msg *m)
{
    m->u.committed.block = NULL;
}

typedef struct refusal {
    int sample;
    void (*edit)(cons_msg *m);
    int raw; /* 1: its bytes can be written (raw_encode) and the decoder refuses them */
} refusal;

static const refusal refusals[] = {
    {0, vote_type_0, 1},
    {0, vote_type_3, 1},
    {0, vote_height_0, 1},
    {0, vote_round_over, 1},
    {2, prop_height_0, 1},
    {2, prop_round_over, 1},
    {3, prop_pol_equal, 1},
    {3, prop_pol_above, 1},
    {2, prop_pol_zero, 1},
    {5, status_height_0, 1},
    {5, status_round_over, 1},
    {5, status_step_4, 1},
    {5, status_has_2, 1},
    {5, status_pad_prevote, 1},
    {5, status_pad_precommit, 1},
    {6, status_pad_second, 1},
    {5, status_bits_over, 1},
    {10, ev_same, 1},
    {10, ev_swap, 1},
    {10, ev_validator, 1},
    {10, ev_round, 1},
    {10, ev_height, 1},
    {10, ev_type, 1},
    {10, ev_bad_type, 1},
    {10, ev_height_0, 1},
    {8, commit_unordered, 1},
    {8, commit_repeated, 1},
    {8, commit_over, 1},
    {0, kind_0, 1},
    {0, kind_6, 1},
    {5, status_bit_unencoded, 0},
    {2, prop_block_over, 0},
    {2, prop_block_null, 0},
    {8, committed_block_over, 0},
    {8, committed_block_null, 0},
};

void test_msg_encode_refuses(void)
{
    /* Proves cons_msg_encode refuses (CHR_ERR_ARG, outputs zeroed) every message the
     * decoder would refuse: each field rule of test_msg_rejects_fields, _status_bits and
     * _evidence, bits past `bits` (also in bytes that are never encoded), a commit of too
     * many signatures or out of key order, an unknown kind, a block over the maximum or NULL
     * with a length; and that the decoder refuses the same messages' bytes when written by
     * hand. (A regression test: the encoder once wrote most of them.) */
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        const refusal *r = &refusals[i];
        CHECK(encode_refuses(r->sample, r->edit));
        CHECK(!r->raw || decode_edited(r->sample, r->edit) != CHR_OK);
    }
}

/* One of a few edge values, or a random one. */
static uint64_t pick(uint64_t *rng, const uint64_t *edges, size_t n)
{
    uint64_t r = chr_test_rand(rng);
    return r % 4 == 0 ? chr_test_rand(rng) : edges[(r >> 2) % n];
}

static void random_bytes(uint64_t *rng, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)chr_test_rand(rng);
    }
}

static void random_vote(uint64_t *rng, cons_vote *v)
{
    static const uint64_t types[] = {0, 1, 2, 3}, heights[] = {0, 1, 2, UINT64_MAX},
                          rounds[] = {0, 1, CONS_ROUND_MAX, CONS_ROUND_MAX + 1, UINT32_MAX};
    v->type = (uint8_t)pick(rng, types, 4);
    v->height = pick(rng, heights, 4);
    v->round = (uint32_t)pick(rng, rounds, 5);
    if (chr_test_rand(rng) % 3 != 0) {
        random_bytes(rng, v->block_id, 32); /* else nil */
    }
    random_bytes(rng, v->validator, 32);
    random_bytes(rng, v->sig, 64);
}

/* A random message, near the decoder's limits more often than not; the block is block_buf. */
static void random_msg(uint64_t *rng, cons_msg *m, const uint8_t *block_buf)
{
    static const uint64_t heights[] = {0, 1, 7, UINT64_MAX},
                          rounds[] = {0, 1, 2, CONS_ROUND_MAX, CONS_ROUND_MAX + 1},
                          bits[] = {0, 1, 7, 8, 9, 127, 128, 129}, sigs[] = {0, 1, 3, 128, 129};
    memset(m, 0, sizeof(*m));
    m->kind = (uint8_t)(chr_test_rand(rng) % 7);
    size_t block_len = chr_test_rand(rng) % 64;
    switch (m->kind) {
    case CONS_MSG_PROPOSAL: {
        cons_proposal *p = &m->u.proposal;
        p->height = pick(rng, heights, 4);
        p->round = (uint32_t)pick(rng, rounds, 5);
        const uint64_t pols[] = {CONS_ROUND_NONE, 0, p->round - 1, p->round, p->round + 1};
        p->pol_round = (uint32_t)pick(rng, pols, 5);
        random_bytes(rng, p->proposer, 32);
        random_bytes(rng, p->sig, 64);
        p->block = chr_test_rand(rng) % 8 == 0 ? NULL : block_buf;
        p->block_len = block_len;
        break;
    }
    case CONS_MSG_VOTE:
        random_vote(rng, &m->u.vote);
        break;
    case CONS_MSG_STATUS: {
        cons_status *s = &m->u.status;
        s->height = pick(rng, heights, 4);
        s->round = (uint32_t)pick(rng, rounds, 5);
        s->step = (uint8_t)(chr_test_rand(rng) % 5);
        s->has_proposal = (uint8_t)(chr_test_rand(rng) % 3);
        s->bits = (uint16_t)(pick(rng, bits, 8) % 140);
        random_bytes(rng, s->prevotes, CONS_BITMAP_BYTES);
        random_bytes(rng, s->precommits, CONS_BITMAP_BYTES);
        for (size_t i = s->bits; i < CONS_BITMAP_BYTES * 8 && chr_test_rand(rng) % 2 == 0; i++) {
            s->prevotes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
            s->precommits[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
        }
        break;
    }
    case CONS_MSG_COMMITTED: {
        ledger_commit *c = &m->u.committed.commit;
        m->u.committed.block = chr_test_rand(rng) % 8 == 0 ? NULL : block_buf;
        m->u.committed.block_len = block_len;
        c->height = pick(rng, heights, 4);
        c->round = (uint32_t)pick(rng, rounds, 5);
        random_bytes(rng, c->block_hash, 32);
        c->sigs_len = (uint16_t)pick(rng, sigs, 5) % 130;
        int sorted = chr_test_rand(rng) % 4 != 0;
        for (size_t i = 0; i < c->sigs_len && i < LEDGER_VALIDATORS_MAX; i++) {
            random_bytes(rng, c->sigs[i].validator, 32);
            if (sorted) {
                c->sigs[i].validator[0] = (uint8_t)i; /* strictly increasing keys */
            }
            random_bytes(rng, c->sigs[i].sig, 64);
        }
        break;
    }
    case CONS_MSG_EVIDENCE:
        random_vote(rng, &m->u.evidence.a);
        m->u.evidence.b = m->u.evidence.a;
        if (chr_test_rand(rng) % 4 != 0) {
            random_bytes(rng, m->u.evidence.b.block_id, 32);
            random_bytes(rng, m->u.evidence.b.sig, 64);
        } else {
            random_vote(rng, &m->u.evidence.b);
        }
        if (chr_test_rand(rng) % 2 == 0 &&
            memcmp(m->u.evidence.a.block_id, m->u.evidence.b.block_id, 32) > 0) {
            cons_vote t = m->u.evidence.a;
            m->u.evidence.a = m->u.evidence.b;
            m->u.evidence.b = t;
        }
        break;
    default:
        break; /* 0 and 6: unknown kinds */
    }
}

void test_msg_encode_decode_property(void)
{
    /* Proves, over 20,000 random messages near the limits (seeded, CHROOM_SEED replays):
     * whatever cons_msg_encode accepts, cons_msg_decode accepts, and encoding the decoded
     * message gives identical bytes, which are also what the field-by-field layout
     * (raw_encode) writes; a good share of both outcomes is drawn. */
    uint64_t rng = chr_test_seed() ^ 0x636f6e736d7367ULL;
    static uint8_t block_buf[64], raw[RAW_CAP];
    static cons_msg m, d;
    size_t accepted = 0, refused = 0;
    for (int n = 0; n < 20000; n++) {
        random_bytes(&rng, block_buf, sizeof(block_buf));
        random_msg(&rng, &m, block_buf);
        uint8_t *buf, *again;
        size_t len, again_len;
        if (cons_msg_encode(&buf, &len, &m) != CHR_OK) {
            CHECK(buf == NULL && len == 0);
            refused++;
            continue;
        }
        accepted++;
        chr_err err = cons_msg_decode(&d, buf, len);
        int ok = err == CHR_OK && cons_msg_encode(&again, &again_len, &d) == CHR_OK;
        int same = ok && again_len == len && memcmp(again, buf, len) == 0;
        size_t raw_len = raw_encode(raw, sizeof(raw), &m);
        int layout = raw_len == len && memcmp(raw, buf, len) == 0;
        if (ok) {
            free(again);
        }
        free(buf);
        CHECK(ok);
        CHECK(same);
        CHECK(layout);
    }
    CHECK(accepted > 2000 && refused > 2000);
}

/* A signed vote of validator 1 at (5, 2) for 0xab.., encoded. */
static size_t signed_vote(uint8_t out[CONS_VOTE_BYTES], int type)
{
    uint8_t id[32];
    memset(id, 0xab, 32);
    return h_vote(out, 1, type, 5, 2, id);
}

void test_msg_vote_signature(void)
{
    /* Proves a signed vote verifies, and that every single flipped bit-pattern in any byte
     * of its encoding makes it undecodable or unverifiable; a non-member is CHR_ERR_CONS_MSG
     * and another chain id, height, round, type or block fails. */
    uint8_t buf[CONS_VOTE_BYTES];
    size_t len = signed_vote(buf, LEDGER_VOTE_PREVOTE);
    cons_msg m;
    CHECK_OK(cons_msg_decode(&m, buf, len));
    CHECK_OK(cons_vote_verify(&m.u.vote, H_CHAIN, h_vals()));
    CHECK(memcmp(m.u.vote.validator, h_pub(1), 32) == 0);
    for (size_t i = 0; i < len; i++) {
        for (unsigned flip = 1; flip < 256; flip <<= 1) {
            uint8_t bad[CONS_VOTE_BYTES];
            memcpy(bad, buf, len);
            bad[i] ^= (uint8_t)flip;
            cons_msg b;
            if (cons_msg_decode(&b, bad, len) == CHR_OK) {
                CHECK(cons_vote_verify(&b.u.vote, H_CHAIN, h_vals()) != CHR_OK);
            }
        }
    }
    cons_vote v = m.u.vote;
    CHECK(cons_vote_verify(&v, "cons-test-2", h_vals()) == CHR_ERR_SIGNATURE);
    v.height = 6;
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
    v = m.u.vote;
    v.round = 3;
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
    v = m.u.vote;
    v.type = LEDGER_VOTE_PRECOMMIT;
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
    v = m.u.vote;
    memset(v.block_id, 0, 32);
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
    /* A vote by a key outside the set. */
    uint8_t sk[32], pub[32];
    h_key(sk, pub, 100);
    len = h_vote_sk(buf, sk, LEDGER_VOTE_PREVOTE, 5, 2, NULL);
    CHECK_OK(cons_msg_decode(&m, buf, len));
    CHECK(cons_vote_verify(&m.u.vote, H_CHAIN, h_vals()) == CHR_ERR_CONS_MSG);
    /* Signing is deterministic (no randomness in the core). */
    uint8_t a[CONS_VOTE_BYTES], b[CONS_VOTE_BYTES];
    signed_vote(a, LEDGER_VOTE_PRECOMMIT);
    signed_vote(b, LEDGER_VOTE_PRECOMMIT);
    CHECK(memcmp(a, b, CONS_VOTE_BYTES) == 0);
    /* A bad key is refused. */
    cons_vote z;
    memset(&z, 0, sizeof(z));
    uint8_t zero[32] = {0};
    CHECK(cons_vote_sign(&z, h_signer(), H_CHAIN, zero) == CHR_ERR_ARG);
}

void test_msg_proposal_signature(void)
{
    /* Proves a signed proposal verifies over its block id, and fails for any flipped byte
     * of its encoding (the block's bytes change its id), another chain id, height, round,
     * pol_round or block id. */
    size_t len;
    uint8_t *buf = h_proposal(&len, 2, 5, 3, 1, sample_block, sizeof(sample_block));
    uint8_t id[32];
    h_block_id(id, sample_block, sizeof(sample_block));
    cons_msg m;
    CHECK_OK(cons_msg_decode(&m, buf, len));
    CHECK_OK(cons_proposal_verify(&m.u.proposal, H_CHAIN, id));
    CHECK(memcmp(m.u.proposal.proposer, h_pub(2), 32) == 0);
    for (size_t i = 0; i < len; i++) {
        for (unsigned flip = 1; flip < 256; flip <<= 1) {
            uint8_t *bad = malloc(len);
            CHECK(bad != NULL);
            memcpy(bad, buf, len);
            bad[i] ^= (uint8_t)flip;
            cons_msg b;
            int ok = 0;
            if (cons_msg_decode(&b, bad, len) == CHR_OK) {
                uint8_t bid[32];
                h_block_id(bid, b.u.proposal.block, b.u.proposal.block_len);
                ok = cons_proposal_verify(&b.u.proposal, H_CHAIN, bid) == CHR_OK;
            }
            free(bad);
            CHECK(!ok);
        }
    }
    cons_proposal p = m.u.proposal;
    CHECK(cons_proposal_verify(&p, "cons-test-2", id) == CHR_ERR_SIGNATURE);
    p.height = 4;
    CHECK(cons_proposal_verify(&p, H_CHAIN, id) == CHR_ERR_SIGNATURE);
    p = m.u.proposal;
    p.round = 4;
    CHECK(cons_proposal_verify(&p, H_CHAIN, id) == CHR_ERR_SIGNATURE);
    p = m.u.proposal;
    p.pol_round = CONS_ROUND_NONE;
    CHECK(cons_proposal_verify(&p, H_CHAIN, id) == CHR_ERR_SIGNATURE);
    p = m.u.proposal;
    id[31] ^= 1;
    CHECK(cons_proposal_verify(&p, H_CHAIN, id) == CHR_ERR_SIGNATURE);
    free(buf);
}

void test_msg_domain_separation(void)
{
    /* Proves the signing payloads' layouts and tags: a vote signs tagged("CHROOM/vote", ...),
     * a proposal tagged("CHROOM/proposal", ...); a vote's signature never verifies as a
     * proposal or a transaction of the same fields, nor the other way round. */
    uint8_t id[32];
    memset(id, 0xab, 32);
    /* The vote payload by hand: u8 1 | bytes8 chain | u8 type | u64 h | u32 r | raw32 id. */
    uint8_t pre[1 + 1 + 11 + 1 + 8 + 4 + 32];
    chr_enc e;
    chr_enc_init(&e, pre, sizeof(pre));
    chr_enc_u8(&e, 1);
    chr_enc_bytes8(&e, (const uint8_t *)H_CHAIN, strlen(H_CHAIN));
    chr_enc_u8(&e, LEDGER_VOTE_PREVOTE);
    chr_enc_u64(&e, 5);
    chr_enc_u32(&e, 2);
    chr_enc_raw(&e, id, 32);
    size_t pre_len;
    CHECK_OK(chr_enc_finish(&e, &pre_len));
    CHECK(pre_len == sizeof(pre));
    uint8_t want[32], got[32], other[32];
    chr_tagged_hash(want, LEDGER_VOTE_TAG, pre, pre_len);
    ledger_vote_sighash(got, H_CHAIN, LEDGER_VOTE_PREVOTE, 5, 2, id);
    CHECK(memcmp(want, got, 32) == 0);
    /* The proposal payload by hand: u8 1 | bytes8 chain | u64 h | u32 r | u32 pol | raw32 id. */
    uint8_t ppre[1 + 1 + 11 + 8 + 4 + 4 + 32];
    chr_enc_init(&e, ppre, sizeof(ppre));
    chr_enc_u8(&e, 1);
    chr_enc_bytes8(&e, (const uint8_t *)H_CHAIN, strlen(H_CHAIN));
    chr_enc_u64(&e, 5);
    chr_enc_u32(&e, 2);
    chr_enc_u32(&e, CONS_ROUND_NONE);
    chr_enc_raw(&e, id, 32);
    CHECK_OK(chr_enc_finish(&e, &pre_len));
    chr_tagged_hash(want, CONS_PROPOSAL_TAG, ppre, pre_len);
    cons_proposal_sighash(got, H_CHAIN, 5, 2, CONS_ROUND_NONE, id);
    CHECK(memcmp(want, got, 32) == 0);

    uint8_t vbuf[CONS_VOTE_BYTES];
    signed_vote(vbuf, LEDGER_VOTE_PREVOTE);
    cons_msg m;
    CHECK_OK(cons_msg_decode(&m, vbuf, CONS_VOTE_BYTES));
    /* The vote's signature over the vote payload hashed with the other tags. */
    chr_tagged_hash(other, CONS_PROPOSAL_TAG, pre, sizeof(pre));
    CHECK(ledger_sig_verify(m.u.vote.sig, other, h_pub(1)) != CHR_OK);
    chr_tagged_hash(other, LEDGER_TX_TAG, pre, sizeof(pre));
    CHECK(ledger_sig_verify(m.u.vote.sig, other, h_pub(1)) != CHR_OK);
    /* As a proposal of the same height, round and block. */
    cons_proposal p;
    memset(&p, 0, sizeof(p));
    p.height = 5;
    p.round = 2;
    p.pol_round = CONS_ROUND_NONE;
    memcpy(p.proposer, h_pub(1), 32);
    memcpy(p.sig, m.u.vote.sig, 64);
    CHECK(cons_proposal_verify(&p, H_CHAIN, id) == CHR_ERR_SIGNATURE);
    /* A proposal's signature as a vote of either type. */
    CHECK_OK(cons_proposal_sign(&p, h_signer(), H_CHAIN, h_sk(1), id));
    cons_vote v = m.u.vote;
    memcpy(v.sig, p.sig, 64);
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
    v.type = LEDGER_VOTE_PRECOMMIT;
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
    /* A transaction signed by the validator's key is no vote: its sighash differs. */
    ledger_tx tx;
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, H_CHAIN, h_pub(1), 5, 2, 0, NULL, 0));
    memcpy(tx.body.transfer.to, h_pub(2), 32);
    tx.body.transfer.amount = 1;
    uint8_t txmsg[32], aux[32] = {0};
    ledger_tx_sighash(&tx, txmsg);
    CHECK_OK(ledger_signer_sign(h_signer(), tx.sig, txmsg, h_sk(1), aux));
    memcpy(v.sig, tx.sig, 64);
    v.type = LEDGER_VOTE_PREVOTE;
    CHECK(cons_vote_verify(&v, H_CHAIN, h_vals()) == CHR_ERR_SIGNATURE);
}

/* docs/CONSENSUS.md, "Worked vectors": the secret key 32 bytes of 0x11 on chain
 * chroom-devnet. */
#define V_PUB "4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"
#define V_VOTE_PAYLOAD                                                                             \
    "010d6368726f6f6d2d6465766e657401000000000000000700000002"                                     \
    "abababababababababababababababababababababababababababababababab"
#define V_VOTE_SIGHASH T_VOTE_SIGHASH
#define V_PROP_PAYLOAD                                                                             \
    "010d6368726f6f6d2d6465766e6574000000000000000700000002"                                       \
    "00000001"                                                                                     \
    "abababababababababababababababababababababababababababababababab"
#define V_PROP_SIGHASH T_PROPOSAL_SIGHASH

static void hex_of(char *out, size_t cap, const uint8_t *b, size_t n)
{
    chr_hex_encode(out, cap, b, n);
}

void test_msg_vectors(void)
{
    /* Proves the worked vectors of docs/CONSENSUS.md byte for byte: the key, the vote and
     * proposal signing payloads and their tagged hashes, the deterministic signatures and
     * the encoded vote. */
    uint8_t sk[32], pub[32], id[32];
    char hex[2 * 200 + 1];
    memset(sk, 0x11, 32);
    memset(id, 0xab, 32);
    CHECK_OK(ledger_signer_pubkey(h_signer(), pub, sk));
    hex_of(hex, sizeof(hex), pub, 32);
    CHECK(strcmp(hex, V_PUB) == 0);

    uint8_t payload[64];
    size_t plen;
    CHECK_OK(
        chr_hex_decode(payload, sizeof(payload), &plen, V_VOTE_PAYLOAD, strlen(V_VOTE_PAYLOAD)));
    uint8_t want[32], got[32];
    chr_tagged_hash(want, "CHROOM/vote", payload, plen);
    ledger_vote_sighash(got, "chroom-devnet", LEDGER_VOTE_PREVOTE, 7, 2, id);
    CHECK(memcmp(want, got, 32) == 0);
    hex_of(hex, sizeof(hex), got, 32);
    CHECK(strcmp(hex, V_VOTE_SIGHASH) == 0);

    CHECK_OK(
        chr_hex_decode(payload, sizeof(payload), &plen, V_PROP_PAYLOAD, strlen(V_PROP_PAYLOAD)));
    chr_tagged_hash(want, "CHROOM/proposal", payload, plen);
    cons_proposal_sighash(got, "chroom-devnet", 7, 2, 1, id);
    CHECK(memcmp(want, got, 32) == 0);
    hex_of(hex, sizeof(hex), got, 32);
    CHECK(strcmp(hex, V_PROP_SIGHASH) == 0);

    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_VOTE;
    m.u.vote.type = LEDGER_VOTE_PREVOTE;
    m.u.vote.height = 7;
    m.u.vote.round = 2;
    memcpy(m.u.vote.block_id, id, 32);
    CHECK_OK(cons_vote_sign(&m.u.vote, h_signer(), "chroom-devnet", sk));
    hex_of(hex, sizeof(hex), m.u.vote.sig, 64);
    CHECK(strcmp(hex, T_VOTE_SIG) == 0);
    uint8_t *buf;
    size_t len;
    CHECK_OK(cons_msg_encode(&buf, &len, &m));
    hex_of(hex, sizeof(hex), buf, len);
    free(buf);
    CHECK(strcmp(hex, "0201"
                      "0000000000000007"
                      "00000002"
                      "abababababababababababababababababababababababababababababababab" V_PUB
                          T_VOTE_SIG) == 0);

    cons_proposal p;
    memset(&p, 0, sizeof(p));
    p.height = 7;
    p.round = 2;
    p.pol_round = 1;
    CHECK_OK(cons_proposal_sign(&p, h_signer(), "chroom-devnet", sk, id));
    hex_of(hex, sizeof(hex), p.sig, 64);
    CHECK(strcmp(hex, T_PROPOSAL_SIG) == 0);
    CHECK_OK(cons_proposal_verify(&p, "chroom-devnet", id));
}

/* The height cons_msg_peek reads from a decoded message, and the offset where its bytes
 * end in the encoding (consensus/msg.h's layout). */
static uint64_t peek_expect(const cons_msg *m, size_t *end)
{
    switch (m->kind) {
    case CONS_MSG_PROPOSAL:
        *end = 1 + 8;
        return m->u.proposal.height;
    case CONS_MSG_VOTE:
        *end = 1 + 1 + 8;
        return m->u.vote.height;
    case CONS_MSG_STATUS:
        *end = 1 + 8;
        return m->u.status.height;
    case CONS_MSG_COMMITTED:
        *end = 1 + 4 + m->u.committed.block_len + 2 + 8;
        return m->u.committed.commit.height;
    default:
        *end = 1 + 1 + 8;
        return m->u.evidence.a.height;
    }
}

void test_msg_peek_every_kind(void)
{
    /* Proves cons_msg_peek reads each kind's kind byte and height as cons_msg_decode does,
     * and that every truncation before the height's last byte is CHR_ERR_TRUNCATED with
     * zeroed outputs, while every one from there on (the rest unchecked) still reads. */
    for (int i = 0; i < SAMPLES; i++) {
        cons_msg m;
        uint8_t *buf;
        size_t len, end;
        sample(&m, i);
        if (m.kind == CONS_MSG_COMMITTED) {
            m.u.committed.commit.height = 0x0102030405060708ull; /* every byte counts */
        }
        CHECK_OK(encode(&m, &buf, &len));
        uint64_t want = peek_expect(&m, &end);
        CHECK(end <= len);
        for (size_t cut = 0; cut <= len; cut++) {
            uint8_t kind = 0xee;
            uint64_t height = 0xeeee;
            chr_err err = cons_msg_peek(&kind, &height, buf, cut);
            if (cut < end) {
                CHECK(err == CHR_ERR_TRUNCATED);
                CHECK(kind == 0 && height == 0);
            } else {
                CHECK_OK(err);
                CHECK(kind == m.kind && height == want);
            }
        }
        free(buf);
    }
}

void test_msg_peek_rejects(void)
{
    /* Proves cons_msg_peek's refusals: an unknown kind (CHR_ERR_CONS_MSG), more than
     * CONS_MSG_BYTES_MAX bytes, a COMMITTED whose block or commit length is over its
     * maximum (CHR_ERR_TOO_LONG), a commit too short to hold its height (CHR_ERR_TRUNCATED),
     * each with zeroed outputs; and that it reads, by contract, a message whose height is
     * there even when the rest would not decode. */
    uint8_t kind;
    uint64_t height;
    const uint8_t unknown[] = {0, 6, 0x7f, 0xff};
    uint8_t msg[1 + 4 + 2 + 8] = {0};
    for (size_t i = 0; i < sizeof(unknown); i++) {
        msg[0] = unknown[i];
        CHECK(cons_msg_peek(&kind, &height, msg, sizeof(msg)) == CHR_ERR_CONS_MSG);
        CHECK(kind == 0 && height == 0);
    }
    uint8_t *big = calloc(1, CONS_MSG_BYTES_MAX + 1);
    CHECK(big != NULL);
    big[0] = CONS_MSG_STATUS;
    big[8] = 1;
    chr_err too_long = cons_msg_peek(&kind, &height, big, CONS_MSG_BYTES_MAX + 1);
    chr_err at_max = cons_msg_peek(&kind, &height, big, CONS_MSG_BYTES_MAX);
    free(big);
    CHECK(too_long == CHR_ERR_TOO_LONG);
    CHECK_OK(at_max);
    CHECK(kind == CONS_MSG_STATUS && height == 1);

    /* COMMITTED: u32 block_len | block | u16 commit_len | u64 height... */
    msg[0] = CONS_MSG_COMMITTED;
    chr_put_u32be(msg + 1, CONS_BLOCK_BYTES_MAX + 1u);
    CHECK(cons_msg_peek(&kind, &height, msg, sizeof(msg)) == CHR_ERR_TOO_LONG);
    CHECK(kind == 0 && height == 0);
    chr_put_u32be(msg + 1, 0);
    uint16_t commit_lens[] = {LEDGER_COMMIT_BYTES_MAX + 1, 0, 7, 8};
    chr_err want[] = {CHR_ERR_TOO_LONG, CHR_ERR_TRUNCATED, CHR_ERR_TRUNCATED, CHR_OK};
    chr_put_u64be(msg + 7, 42);
    for (size_t i = 0; i < 4; i++) {
        msg[5] = (uint8_t)(commit_lens[i] >> 8);
        msg[6] = (uint8_t)commit_lens[i];
        CHECK(cons_msg_peek(&kind, &height, msg, sizeof(msg)) == want[i]);
        CHECK(want[i] == CHR_OK ? kind == CONS_MSG_COMMITTED && height == 42
                                : kind == 0 && height == 0);
    }
    /* A vote of no known type, cut after its height: no decode, but a peek. */
    uint8_t vote[1 + 1 + 8] = {CONS_MSG_VOTE, 9, 0, 0, 0, 0, 0, 0, 0, 5};
    CHECK(cons_msg_decode(&(cons_msg){0}, vote, sizeof(vote)) != CHR_OK);
    CHECK_OK(cons_msg_peek(&kind, &height, vote, sizeof(vote)));
    CHECK(kind == CONS_MSG_VOTE && height == 5);
}

void test_msg_peek_agrees_with_decode(void)
{
    /* Proves, over 20,000 random messages (seeded, CHROOM_SEED replays) written with no
     * check (raw_encode), then cut short or with one byte changed: whatever
     * cons_msg_decode accepts, cons_msg_peek reads as the same kind and height, and
     * cons_msg_peek fails only with its documented errors. */
    uint64_t rng = chr_test_seed() ^ 0x7065656bULL;
    static uint8_t block_buf[64], raw[RAW_CAP];
    static cons_msg m, d;
    size_t decoded = 0, peeked = 0;
    for (int n = 0; n < 20000; n++) {
        random_bytes(&rng, block_buf, sizeof(block_buf));
        random_msg(&rng, &m, block_buf);
        /* raw_encode writes the bytes a block has, not the NULL with a length that
         * random_msg draws for cons_msg_encode to refuse. */
        if (m.kind == CONS_MSG_PROPOSAL && m.u.proposal.block == NULL) {
            m.u.proposal.block = block_buf;
        } else if (m.kind == CONS_MSG_COMMITTED && m.u.committed.block == NULL) {
            m.u.committed.block = block_buf;
        }
        size_t len = raw_encode(raw, sizeof(raw), &m);
        CHECK(len > 0);
        uint64_t r = chr_test_rand(&rng);
        if (r % 4 == 1) {
            len = (size_t)(chr_test_rand(&rng) % len); /* cut short */
        } else if (r % 4 == 2) {
            raw[chr_test_rand(&rng) % len] = (uint8_t)chr_test_rand(&rng);
        }
        uint8_t kind;
        uint64_t height;
        chr_err err = cons_msg_peek(&kind, &height, raw, len);
        CHECK(err == CHR_OK || err == CHR_ERR_TRUNCATED || err == CHR_ERR_TOO_LONG ||
              err == CHR_ERR_CONS_MSG);
        peeked += err == CHR_OK;
        if (cons_msg_decode(&d, raw, len) == CHR_OK) {
            size_t end;
            decoded++;
            CHECK_OK(err);
            CHECK(kind == d.kind && height == peek_expect(&d, &end));
        }
    }
    CHECK(decoded > 2000 && peeked > decoded);
}
