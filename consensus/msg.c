#include "consensus/msg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"

static const uint8_t nil_id[32];

static chr_err vote_body_decode(chr_dec *d, cons_vote *v)
{
    chr_err err;
    if ((err = chr_dec_u8(d, &v->type)) != CHR_OK || (err = chr_dec_u64(d, &v->height)) != CHR_OK ||
        (err = chr_dec_u32(d, &v->round)) != CHR_OK ||
        (err = chr_dec_raw(d, v->block_id, 32)) != CHR_OK ||
        (err = chr_dec_raw(d, v->validator, 32)) != CHR_OK ||
        (err = chr_dec_raw(d, v->sig, 64)) != CHR_OK) {
        return err;
    }
    if (v->type != LEDGER_VOTE_PREVOTE && v->type != LEDGER_VOTE_PRECOMMIT) {
        return CHR_ERR_CONS_MSG;
    }
    if (v->round > CONS_ROUND_MAX || v->height == 0) {
        return CHR_ERR_CONS_MSG;
    }
    return CHR_OK;
}

static void vote_body_encode(chr_enc *e, const cons_vote *v)
{
    chr_enc_u8(e, v->type);
    chr_enc_u64(e, v->height);
    chr_enc_u32(e, v->round);
    chr_enc_raw(e, v->block_id, 32);
    chr_enc_raw(e, v->validator, 32);
    chr_enc_raw(e, v->sig, 64);
}

static chr_err proposal_decode(chr_dec *d, cons_proposal *p)
{
    chr_err err;
    if ((err = chr_dec_u64(d, &p->height)) != CHR_OK ||
        (err = chr_dec_u32(d, &p->round)) != CHR_OK ||
        (err = chr_dec_u32(d, &p->pol_round)) != CHR_OK ||
        (err = chr_dec_raw(d, p->proposer, 32)) != CHR_OK ||
        (err = chr_dec_raw(d, p->sig, 64)) != CHR_OK ||
        (err = chr_dec_bytes32(d, &p->block, &p->block_len, CONS_BLOCK_BYTES_MAX)) != CHR_OK) {
        return err;
    }
    /* The paper's validRound is -1 or a round before this one (Algorithm 1, line 28). */
    if (p->height == 0 || p->round > CONS_ROUND_MAX ||
        (p->pol_round != CONS_ROUND_NONE && p->pol_round >= p->round)) {
        return CHR_ERR_CONS_MSG;
    }
    return CHR_OK;
}

static chr_err bitmap_decode(chr_dec *d, uint8_t *out, uint16_t bits)
{
    size_t n = ((size_t)bits + 7) / 8;
    chr_err err = chr_dec_raw(d, out, n);
    if (err != CHR_OK) {
        return err;
    }
    /* Exactly one encoding: bits past the count are zero. */
    if (bits % 8 != 0 && (out[n - 1] & (uint8_t)(0xFFu >> (bits % 8))) != 0) {
        return CHR_ERR_CONS_MSG;
    }
    return CHR_OK;
}

static chr_err status_decode(chr_dec *d, cons_status *s)
{
    chr_err err;
    if ((err = chr_dec_u64(d, &s->height)) != CHR_OK ||
        (err = chr_dec_u32(d, &s->round)) != CHR_OK || (err = chr_dec_u8(d, &s->step)) != CHR_OK ||
        (err = chr_dec_u8(d, &s->has_proposal)) != CHR_OK ||
        (err = chr_dec_u16(d, &s->bits)) != CHR_OK) {
        return err;
    }
    if (s->height == 0 || s->round > CONS_ROUND_MAX || s->step > 3 || s->has_proposal > 1 ||
        s->bits > LEDGER_VALIDATORS_MAX) {
        return CHR_ERR_CONS_MSG;
    }
    if ((err = bitmap_decode(d, s->prevotes, s->bits)) != CHR_OK) {
        return err;
    }
    return bitmap_decode(d, s->precommits, s->bits);
}

static chr_err committed_decode(chr_dec *d, cons_committed *c)
{
    const uint8_t *commit;
    size_t commit_len;
    chr_err err = chr_dec_bytes32(d, &c->block, &c->block_len, CONS_BLOCK_BYTES_MAX);
    if (err != CHR_OK) {
        return err;
    }
    if ((err = chr_dec_bytes16(d, &commit, &commit_len, LEDGER_COMMIT_BYTES_MAX)) != CHR_OK) {
        return err;
    }
    return ledger_commit_decode(&c->commit, commit, commit_len);
}

int cons_votes_conflict(const cons_vote *a, const cons_vote *b)
{
    return a->type == b->type && a->height == b->height && a->round == b->round &&
           memcmp(a->validator, b->validator, 32) == 0 && memcmp(a->block_id, b->block_id, 32) != 0;
}

static chr_err evidence_decode(chr_dec *d, cons_evidence *ev)
{
    chr_err err;
    if ((err = vote_body_decode(d, &ev->a)) != CHR_OK ||
        (err = vote_body_decode(d, &ev->b)) != CHR_OK) {
        return err;
    }
    if (!cons_votes_conflict(&ev->a, &ev->b)) {
        return CHR_ERR_CONS_MSG;
    }
    /* One encoding per pair: the votes differ only in block id and signature, so order
     * them by block id. */
    if (memcmp(ev->a.block_id, ev->b.block_id, 32) > 0) {
        return CHR_ERR_CONS_MSG;
    }
    return CHR_OK;
}

chr_err cons_msg_decode(cons_msg *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len > CONS_MSG_BYTES_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    chr_dec d;
    chr_dec_init(&d, in, in_len);
    chr_err err = chr_dec_u8(&d, &out->kind);
    if (err == CHR_OK) {
        switch (out->kind) {
        case CONS_MSG_PROPOSAL:
            err = proposal_decode(&d, &out->u.proposal);
            break;
        case CONS_MSG_VOTE:
            err = vote_body_decode(&d, &out->u.vote);
            break;
        case CONS_MSG_STATUS:
            err = status_decode(&d, &out->u.status);
            break;
        case CONS_MSG_COMMITTED:
            err = committed_decode(&d, &out->u.committed);
            break;
        case CONS_MSG_EVIDENCE:
            err = evidence_decode(&d, &out->u.evidence);
            break;
        default:
            err = CHR_ERR_CONS_MSG;
            break;
        }
    }
    if (err == CHR_OK) {
        err = chr_dec_finish(&d);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* The height of a COMMITTED (its commit's first field), the decoder past the kind byte:
 * the block is skipped by its length, which is checked like committed_decode checks it. */
static chr_err committed_peek(chr_dec *d, uint64_t *height)
{
    const uint8_t *block;
    size_t block_len;
    uint16_t commit_len;
    chr_err err = chr_dec_bytes32(d, &block, &block_len, CONS_BLOCK_BYTES_MAX);
    if (err == CHR_OK) {
        err = chr_dec_u16(d, &commit_len);
    }
    if (err == CHR_OK && commit_len > LEDGER_COMMIT_BYTES_MAX) {
        err = CHR_ERR_TOO_LONG;
    }
    if (err == CHR_OK && commit_len < 8) {
        err = CHR_ERR_TRUNCATED; /* ledger_commit_decode would run out inside the height */
    }
    return err == CHR_OK ? chr_dec_u64(d, height) : err;
}

chr_err cons_msg_peek(uint8_t *kind, uint64_t *height, const uint8_t *in, size_t in_len)
{
    *kind = 0;
    *height = 0;
    if (in_len > CONS_MSG_BYTES_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    chr_dec d;
    chr_dec_init(&d, in, in_len);
    uint8_t k, type;
    uint64_t h = 0;
    chr_err err = chr_dec_u8(&d, &k);
    if (err != CHR_OK) {
        return err;
    }
    switch (k) {
    case CONS_MSG_PROPOSAL:
    case CONS_MSG_STATUS:
        err = chr_dec_u64(&d, &h); /* the first field */
        break;
    case CONS_MSG_VOTE:
    case CONS_MSG_EVIDENCE:
        /* A vote's body, the first of an evidence's two: u8 type, then u64 height. */
        err = chr_dec_u8(&d, &type);
        err = err == CHR_OK ? chr_dec_u64(&d, &h) : err;
        break;
    case CONS_MSG_COMMITTED:
        err = committed_peek(&d, &h);
        break;
    default:
        return CHR_ERR_CONS_MSG;
    }
    if (err == CHR_OK) {
        *kind = k;
        *height = h;
    }
    return err;
}

/* ---- what the encoder refuses: exactly what cons_msg_decode would ---- */

_Static_assert(CONS_PROPOSAL_FIXED_BYTES + (uint64_t)CONS_BLOCK_BYTES_MAX <= CONS_MSG_BYTES_MAX,
               "the largest proposal is a message");
_Static_assert(1 + 4 + (uint64_t)CONS_BLOCK_BYTES_MAX + 2 + LEDGER_COMMIT_BYTES_MAX <=
                   CONS_MSG_BYTES_MAX,
               "the largest committed block is a message");

/* vote_body_decode's rules. */
static int vote_ok(const cons_vote *v)
{
    return (v->type == LEDGER_VOTE_PREVOTE || v->type == LEDGER_VOTE_PRECOMMIT) &&
           v->round <= CONS_ROUND_MAX && v->height != 0;
}

static int proposal_ok(const cons_proposal *p)
{
    return p->height != 0 && p->round <= CONS_ROUND_MAX &&
           (p->pol_round == CONS_ROUND_NONE || p->pol_round < p->round) &&
           p->block_len <= CONS_BLOCK_BYTES_MAX && (p->block != NULL || p->block_len == 0);
}

/* No bit at or past `bits` is set anywhere in the array: the encoded bytes then hold no
 * padding bit (which bitmap_decode refuses), and the bytes past them, which are not encoded,
 * hold nothing that decoding would lose. */
static int bitmap_ok(const uint8_t bitmap[CONS_BITMAP_BYTES], uint16_t bits)
{
    for (size_t i = bits; i < (size_t)CONS_BITMAP_BYTES * 8; i++) {
        if ((bitmap[i / 8] >> (7 - i % 8)) & 1) {
            return 0;
        }
    }
    return 1;
}

static int status_ok(const cons_status *s)
{
    return s->height != 0 && s->round <= CONS_ROUND_MAX && s->step <= 3 && s->has_proposal <= 1 &&
           s->bits <= LEDGER_VALIDATORS_MAX && bitmap_ok(s->prevotes, s->bits) &&
           bitmap_ok(s->precommits, s->bits);
}

/* committed_decode's rules: ledger_commit_decode's count limit and strict key order. */
static int committed_ok(const cons_committed *c)
{
    if (c->block_len > CONS_BLOCK_BYTES_MAX || (c->block == NULL && c->block_len > 0) ||
        c->commit.sigs_len > LEDGER_VALIDATORS_MAX) {
        return 0;
    }
    for (size_t i = 1; i < c->commit.sigs_len; i++) {
        if (memcmp(c->commit.sigs[i - 1].validator, c->commit.sigs[i].validator, 32) >= 0) {
            return 0;
        }
    }
    return 1;
}

static int evidence_ok(const cons_evidence *ev)
{
    return vote_ok(&ev->a) && vote_ok(&ev->b) && cons_votes_conflict(&ev->a, &ev->b) &&
           memcmp(ev->a.block_id, ev->b.block_id, 32) < 0;
}

/* Whether cons_msg_decode would accept m's encoding. */
static int msg_ok(const cons_msg *m)
{
    switch (m->kind) {
    case CONS_MSG_PROPOSAL:
        return proposal_ok(&m->u.proposal);
    case CONS_MSG_VOTE:
        return vote_ok(&m->u.vote);
    case CONS_MSG_STATUS:
        return status_ok(&m->u.status);
    case CONS_MSG_COMMITTED:
        return committed_ok(&m->u.committed);
    case CONS_MSG_EVIDENCE:
        return evidence_ok(&m->u.evidence);
    default:
        return 0;
    }
}

static size_t msg_size_bound(const cons_msg *m)
{
    switch (m->kind) {
    case CONS_MSG_PROPOSAL:
        return CONS_PROPOSAL_FIXED_BYTES + m->u.proposal.block_len;
    case CONS_MSG_COMMITTED:
        return 1 + 4 + m->u.committed.block_len + 2 + LEDGER_COMMIT_BYTES_MAX;
    default:
        return 1 + 2 * CONS_VOTE_BODY_BYTES + 16 + 2 * CONS_BITMAP_BYTES;
    }
}

static void encode_body(chr_enc *e, const cons_msg *m, uint8_t *commit_buf)
{
    chr_enc_u8(e, m->kind);
    switch (m->kind) {
    case CONS_MSG_PROPOSAL: {
        const cons_proposal *p = &m->u.proposal;
        chr_enc_u64(e, p->height);
        chr_enc_u32(e, p->round);
        chr_enc_u32(e, p->pol_round);
        chr_enc_raw(e, p->proposer, 32);
        chr_enc_raw(e, p->sig, 64);
        chr_enc_bytes32(e, p->block, p->block_len);
        break;
    }
    case CONS_MSG_VOTE:
        vote_body_encode(e, &m->u.vote);
        break;
    case CONS_MSG_STATUS: {
        const cons_status *s = &m->u.status;
        chr_enc_u64(e, s->height);
        chr_enc_u32(e, s->round);
        chr_enc_u8(e, s->step);
        chr_enc_u8(e, s->has_proposal);
        chr_enc_u16(e, s->bits);
        chr_enc_raw(e, s->prevotes, ((size_t)s->bits + 7) / 8);
        chr_enc_raw(e, s->precommits, ((size_t)s->bits + 7) / 8);
        break;
    }
    case CONS_MSG_COMMITTED: {
        size_t commit_len = 0;
        if (ledger_commit_encode(&m->u.committed.commit, commit_buf, LEDGER_COMMIT_BYTES_MAX,
                                 &commit_len) != CHR_OK) {
            e->overflow = true;
            return;
        }
        chr_enc_bytes32(e, m->u.committed.block, m->u.committed.block_len);
        chr_enc_bytes16(e, commit_buf, commit_len);
        break;
    }
    case CONS_MSG_EVIDENCE:
        vote_body_encode(e, &m->u.evidence.a);
        vote_body_encode(e, &m->u.evidence.b);
        break;
    default:
        e->overflow = true;
        break;
    }
}

chr_err cons_msg_encode(uint8_t **out, size_t *out_len, const cons_msg *m)
{
    *out = NULL;
    *out_len = 0;
    if (!msg_ok(m)) {
        return CHR_ERR_ARG;
    }
    size_t cap = msg_size_bound(m);
    uint8_t *buf = malloc(cap);
    uint8_t *commit_buf = m->kind == CONS_MSG_COMMITTED ? malloc(LEDGER_COMMIT_BYTES_MAX) : NULL;
    if (buf == NULL || (m->kind == CONS_MSG_COMMITTED && commit_buf == NULL)) {
        free(buf);
        free(commit_buf);
        return CHR_ERR_NOMEM;
    }
    chr_enc e;
    chr_enc_init(&e, buf, cap);
    encode_body(&e, m, commit_buf);
    free(commit_buf);
    size_t len;
    /* msg_size_bound covers every message msg_ok admits. */
    CHR_ASSERT(chr_enc_finish(&e, &len) == CHR_OK);
    CHR_ASSERT(len <= CONS_MSG_BYTES_MAX);
#ifdef CHR_DEBUG
    cons_msg check;
    CHR_DEBUG_ASSERT(cons_msg_decode(&check, buf, len) == CHR_OK);
#endif
    *out = buf;
    *out_len = len;
    return CHR_OK;
}

void cons_proposal_sighash(uint8_t out[32], const char *chain_id, uint64_t height, uint32_t round,
                           uint32_t pol_round, const uint8_t block_id[32])
{
    uint8_t buf[1 + 1 + LEDGER_CHAIN_ID_MAX + 8 + 4 + 4 + 32];
    size_t id_len = strlen(chain_id);
    CHR_ASSERT(id_len <= LEDGER_CHAIN_ID_MAX);
    chr_enc e;
    chr_enc_init(&e, buf, sizeof(buf));
    chr_enc_u8(&e, LEDGER_VOTE_VERSION);
    chr_enc_bytes8(&e, (const uint8_t *)chain_id, id_len);
    chr_enc_u64(&e, height);
    chr_enc_u32(&e, round);
    chr_enc_u32(&e, pol_round);
    chr_enc_raw(&e, block_id, 32);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&e, &len) == CHR_OK);
    chr_tagged_hash(out, CONS_PROPOSAL_TAG, buf, len);
}

chr_err cons_vote_verify(const cons_vote *v, const char *chain_id, const ledger_valset *vals)
{
    if (ledger_valset_find(vals, v->validator) < 0) {
        return CHR_ERR_CONS_MSG;
    }
    uint8_t msg[32];
    ledger_vote_sighash(msg, chain_id, v->type, v->height, v->round, v->block_id);
    return ledger_sig_verify(v->sig, msg, v->validator) == CHR_OK ? CHR_OK : CHR_ERR_SIGNATURE;
}

chr_err cons_proposal_verify(const cons_proposal *p, const char *chain_id,
                             const uint8_t block_id[32])
{
    uint8_t msg[32];
    cons_proposal_sighash(msg, chain_id, p->height, p->round, p->pol_round, block_id);
    return ledger_sig_verify(p->sig, msg, p->proposer) == CHR_OK ? CHR_OK : CHR_ERR_SIGNATURE;
}

/* BIP-340 allows any auxiliary bytes; a hash of the key and message keeps signing
 * deterministic (the core draws no randomness) while differing per message. */
static void aux_bytes(uint8_t aux[32], const uint8_t sk[32], const uint8_t msg[32])
{
    uint8_t buf[64];
    memcpy(buf, sk, 32);
    memcpy(buf + 32, msg, 32);
    chr_tagged_hash(aux, "CHROOM/sign-aux", buf, sizeof(buf));
    sodium_memzero(buf, sizeof(buf));
}

chr_err cons_vote_sign(cons_vote *v, const ledger_signer *signer, const char *chain_id,
                       const uint8_t sk[32])
{
    uint8_t msg[32], aux[32];
    chr_err err = ledger_signer_pubkey(signer, v->validator, sk);
    if (err != CHR_OK) {
        return err;
    }
    ledger_vote_sighash(msg, chain_id, v->type, v->height, v->round, v->block_id);
    aux_bytes(aux, sk, msg);
    return ledger_signer_sign(signer, v->sig, msg, sk, aux);
}

chr_err cons_proposal_sign(cons_proposal *p, const ledger_signer *signer, const char *chain_id,
                           const uint8_t sk[32], const uint8_t block_id[32])
{
    uint8_t msg[32], aux[32];
    chr_err err = ledger_signer_pubkey(signer, p->proposer, sk);
    if (err != CHR_OK) {
        return err;
    }
    cons_proposal_sighash(msg, chain_id, p->height, p->round, p->pol_round, block_id);
    aux_bytes(aux, sk, msg);
    return ledger_signer_sign(signer, p->sig, msg, sk, aux);
}

int cons_vote_is_nil(const cons_vote *v)
{
    return memcmp(v->block_id, nil_id, 32) == 0;
}

void cons_evidence_to_ledger(ledger_evidence *out, const cons_evidence *m)
{
    const cons_vote *a = &m->a;
    const cons_vote *b = &m->b;
    CHR_ASSERT(a->height == b->height && a->round == b->round && a->type == b->type);
    memset(out, 0, sizeof(*out));
    out->type = a->type;
    out->height = a->height;
    out->round = a->round;
    memcpy(out->validator, a->validator, 32);
    memcpy(out->block_a, a->block_id, 32);
    memcpy(out->sig_a, a->sig, 64);
    memcpy(out->block_b, b->block_id, 32);
    memcpy(out->sig_b, b->sig, 64);
}
