/* Writes the seed corpora of fuzz_cons_msg and fuzz_wal: a few valid encodings of every
 * consensus message kind (signed by fixed keys) and WAL logs, plus broken ones (truncated,
 * trailing bytes, unknown kind, padding bits, evidence out of order, the edges of
 * cons_msg_peek, a torn and a damaged log). Run once when the encodings change, from the
 * repository root:
 *
 *   make BUILD=build/x build/x/libchroom.a
 *   cc -std=c11 -I. -D_GNU_SOURCE tests/fuzz/gen/cons_corpus.c build/x/libchroom.a \
 *      $(pkg-config --libs libsecp256k1 libsodium) -o build/x/cons_corpus
 *   build/x/cons_corpus OUTDIR      (writes OUTDIR/cons_msg/NN and OUTDIR/wal/NN)
 *
 * then name each file by its SHA-1 like the other corpora (sha1sum). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/enc.h"
#include "common/hash.h"
#include "consensus/msg.h"
#include "consensus/wal.h"

static ledger_signer *signer;
static const char *outdir;
static int counter;

static void put(const char *sub, const uint8_t *buf, size_t len)
{
    char path[512];
    mkdir(outdir, 0755);
    snprintf(path, sizeof(path), "%s/%s", outdir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/%02d", outdir, sub, counter++);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static void key(uint8_t sk[32], int i)
{
    memset(sk, 0x11 * (i + 1), 32);
}

/* Encodes m into bufs[*n] and lens[*n], then counts it. */
static void add(uint8_t **bufs, size_t *lens, size_t *n, const cons_msg *m)
{
    if (cons_msg_encode(&bufs[*n], &lens[*n], m) != CHR_OK) {
        exit(1);
    }
    (*n)++;
}

static void vote(cons_vote *v, int signer_index, int type, uint64_t h, uint32_t r, int nil)
{
    uint8_t sk[32];
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    v->height = h;
    v->round = r;
    if (!nil) {
        memset(v->block_id, 0xab, 32);
    }
    key(sk, signer_index);
    if (cons_vote_sign(v, signer, "chroom-devnet", sk) != CHR_OK) {
        exit(1);
    }
}

static size_t messages(uint8_t **bufs, size_t *lens)
{
    static const uint8_t block[] = "a block of the fuzz corpus";
    size_t n = 0;
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_VOTE;
    vote(&m.u.vote, 0, LEDGER_VOTE_PREVOTE, 7, 2, 0);
    add(bufs, lens, &n, &m);
    vote(&m.u.vote, 1, LEDGER_VOTE_PRECOMMIT, 1, 0, 1);
    add(bufs, lens, &n, &m);

    uint8_t sk[32], id[32];
    key(sk, 2);
    chr_sha256_hash(id, block, sizeof(block));
    for (int pol = 0; pol < 2; pol++) {
        memset(&m, 0, sizeof(m));
        m.kind = CONS_MSG_PROPOSAL;
        m.u.proposal.height = 3;
        m.u.proposal.round = 4;
        m.u.proposal.pol_round = pol ? 1 : CONS_ROUND_NONE;
        m.u.proposal.block = block;
        m.u.proposal.block_len = sizeof(block);
        if (cons_proposal_sign(&m.u.proposal, signer, "chroom-devnet", sk, id) != CHR_OK) {
            exit(1);
        }
        add(bufs, lens, &n, &m);
    }

    static const uint16_t bits[3] = {0, 4, 9};
    for (int i = 0; i < 3; i++) {
        memset(&m, 0, sizeof(m));
        m.kind = CONS_MSG_STATUS;
        m.u.status.height = 5;
        m.u.status.round = (uint32_t)i;
        m.u.status.step = (uint8_t)i;
        m.u.status.has_proposal = i == 1;
        m.u.status.bits = bits[i];
        if (i == 1) {
            m.u.status.prevotes[0] = 0xd0;
        } else if (i == 2) {
            m.u.status.precommits[0] = 0xff;
            m.u.status.precommits[1] = 0x80;
        }
        add(bufs, lens, &n, &m);
    }

    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_COMMITTED;
    m.u.committed.block = block;
    m.u.committed.block_len = sizeof(block);
    ledger_commit *c = &m.u.committed.commit;
    c->height = 3;
    c->round = 1;
    memcpy(c->block_hash, id, 32);
    cons_vote pc[3];
    for (int i = 0; i < 3; i++) {
        vote(&pc[i], i, LEDGER_VOTE_PRECOMMIT, 3, 1, 0);
        memcpy(pc[i].block_id, id, 32);
        key(sk, i);
        if (cons_vote_sign(&pc[i], signer, "chroom-devnet", sk) != CHR_OK) {
            exit(1);
        }
    }
    /* Commit signatures go in key order. */
    for (int i = 0; i < 3; i++) {
        int min = i;
        for (int j = i + 1; j < 3; j++) {
            if (memcmp(pc[j].validator, pc[min].validator, 32) < 0) {
                min = j;
            }
        }
        cons_vote t = pc[i];
        pc[i] = pc[min];
        pc[min] = t;
        memcpy(c->sigs[i].validator, pc[i].validator, 32);
        memcpy(c->sigs[i].sig, pc[i].sig, 64);
    }
    c->sigs_len = 3;
    add(bufs, lens, &n, &m);

    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_EVIDENCE;
    vote(&m.u.evidence.a, 3, LEDGER_VOTE_PREVOTE, 9, 0, 1);
    vote(&m.u.evidence.b, 3, LEDGER_VOTE_PREVOTE, 9, 0, 0);
    add(bufs, lens, &n, &m);
    return n;
}

static void wal_log(const uint8_t *const *recs, const size_t *lens, size_t n, int damage)
{
    uint8_t *buf = malloc(64 * 1024);
    size_t at = 0;
    if (buf == NULL) {
        exit(1);
    }
    for (size_t k = 0; k < n && at + CONS_WAL_HEADER_BYTES + lens[k] < 64 * 1024; k++) {
        cons_wal_header(buf + at, recs[k], lens[k]);
        memcpy(buf + at + CONS_WAL_HEADER_BYTES, recs[k], lens[k]);
        at += CONS_WAL_HEADER_BYTES + lens[k];
    }
    if (damage == 1) {
        at -= 5; /* torn: the last record cut short */
    } else if (damage == 2) {
        buf[CONS_WAL_HEADER_BYTES + 3] ^= 0x20; /* the first record's payload */
    } else if (damage == 3) {
        buf[2] ^= 0x01; /* the first record's length: damage in the middle */
    } else if (damage == 4) {
        memset(buf + at, 0, 300); /* zeros after the records: a torn tail */
        at += 300;
    }
    put("wal", buf, at);
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cons_corpus OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    uint8_t seed[32] = {1};
    if (chr_hash_init() != CHR_OK || ledger_signer_new(&signer, seed) != CHR_OK) {
        return 1;
    }
    uint8_t *bufs[16];
    size_t lens[16];
    size_t n = messages(bufs, lens);
    for (size_t i = 0; i < n; i++) {
        put("cons_msg", bufs[i], lens[i]);
    }
    /* Broken ones: truncated, trailing, unknown kind, padding bits, evidence swapped. */
    put("cons_msg", bufs[0], lens[0] - 1);
    uint8_t more[512];
    memcpy(more, bufs[1], lens[1]);
    more[lens[1]] = 0;
    put("cons_msg", more, lens[1] + 1);
    memcpy(more, bufs[0], lens[0]);
    more[0] = 6;
    put("cons_msg", more, lens[0]);
    memcpy(more, bufs[5], lens[5]);
    more[lens[5] - 1] |= 0x01; /* status with 4 bits: a bit past them */
    put("cons_msg", more, lens[5]);
    size_t ev = n - 1;
    memcpy(more, bufs[ev], lens[ev]);
    memcpy(more + 1, bufs[ev] + 1 + CONS_VOTE_BODY_BYTES, CONS_VOTE_BODY_BYTES);
    memcpy(more + 1 + CONS_VOTE_BODY_BYTES, bufs[ev] + 1, CONS_VOTE_BODY_BYTES);
    put("cons_msg", more, lens[ev]);
    /* For cons_msg_peek: a vote cut right after its height (reads, does not decode),
     * evidence cut one byte short of it, a committed block whose commit is too short to
     * hold a height. */
    put("cons_msg", bufs[0], 1 + 1 + 8);
    put("cons_msg", bufs[ev], 1 + 1 + 7);
    size_t commit_at = 1 + 4 + chr_get_u32be(bufs[7] + 1);
    memcpy(more, bufs[7], commit_at);
    more[commit_at] = 0;
    more[commit_at + 1] = 7;
    memcpy(more + commit_at + 2, bufs[7] + commit_at + 2, 7);
    put("cons_msg", more, commit_at + 2 + 7);

    counter = 0;
    const uint8_t *recs[4] = {bufs[2], bufs[0], bufs[1], bufs[3]};
    size_t rlens[4] = {lens[2], lens[0], lens[1], lens[3]};
    wal_log(recs, rlens, 1, 0);
    wal_log(recs, rlens, 4, 0);
    wal_log(recs, rlens, 4, 1);
    wal_log(recs, rlens, 4, 2);
    wal_log(recs, rlens, 4, 3);
    wal_log(recs, rlens, 4, 4);
    put("wal", (const uint8_t *)"", 0);
    for (size_t i = 0; i < n; i++) {
        free(bufs[i]);
    }
    ledger_signer_free(signer);
    return 0;
}
