#include <stdio.h>
#include <stdlib.h>

#include "common/enc.h"
#include "common/hash.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define BLK_CHAIN "chroom-blocks"
#define BLK_TXS_MAX 8

/* A validator of these tests: its secret key (to sign votes) and public key. */
typedef struct blk_val {
    uint8_t sk[32];
    uint8_t pk[32];
} blk_val;

static void blk_vals(blk_val *v, size_t n, uint32_t first_key)
{
    for (size_t i = 0; i < n; i++) {
        ltest_key(v[i].sk, v[i].pk, first_key + (uint32_t)i);
    }
}

/* Fills c with precommit signatures of the given validators for (height, round,
 * block_hash) on chain_id, in key order. */
static void blk_commit(ledger_commit *c, const char *chain_id, uint64_t height, uint32_t round,
                       const uint8_t block_hash[32], const blk_val *v, size_t n)
{
    memset(c, 0, sizeof(*c));
    c->height = height;
    c->round = round;
    memcpy(c->block_hash, block_hash, 32);
    uint8_t msg[32];
    uint8_t aux[32] = {0};
    ledger_vote_sighash(msg, chain_id, LEDGER_VOTE_PRECOMMIT, height, round, block_hash);
    for (size_t i = 0; i < n; i++) {
        ledger_commit_sig s;
        memcpy(s.validator, v[i].pk, 32);
        if (ledger_signer_sign(ltest_signer(), s.sig, msg, v[i].sk, aux) != CHR_OK) {
            abort();
        }
        size_t at = c->sigs_len;
        while (at > 0 && memcmp(c->sigs[at - 1].validator, s.validator, 32) > 0) {
            c->sigs[at] = c->sigs[at - 1];
            at--;
        }
        c->sigs[at] = s;
        c->sigs_len++;
    }
}

static void blk_header(ledger_header *h, uint64_t height, uint64_t *rng)
{
    memset(h, 0, sizeof(*h));
    h->chain_id_len = (uint8_t)strlen(BLK_CHAIN);
    memcpy(h->chain_id, BLK_CHAIN, h->chain_id_len);
    h->height = height;
    h->time_ms = chr_test_rand(rng);
    for (size_t i = 0; i < 32; i++) {
        h->prev_hash[i] = (uint8_t)(chr_test_rand(rng) >> 56);
        h->state_root[i] = (uint8_t)(chr_test_rand(rng) >> 56);
        h->validators_hash[i] = (uint8_t)(chr_test_rand(rng) >> 56);
        h->next_validators_hash[i] = (uint8_t)(chr_test_rand(rng) >> 56);
        h->proposer[i] = (uint8_t)(chr_test_rand(rng) >> 56);
    }
}

/* Transactions of a test block: real signed transfers of varying size. */
typedef struct blk_txs {
    uint32_t len;
    uint8_t buf[BLK_TXS_MAX][LEDGER_TX_BYTES_MAX];
    const uint8_t *ptr[BLK_TXS_MAX];
    uint16_t lens[BLK_TXS_MAX];
} blk_txs;

static void blk_make_txs(blk_txs *t, uint32_t n)
{
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t to_sk[32];
    uint8_t to[32];
    uint8_t memo[LEDGER_MEMO_MAX];
    memset(memo, 'q', sizeof(memo));
    ltest_key(sk, pk, 200);
    ltest_key(to_sk, to, 201);
    t->len = n;
    for (uint32_t i = 0; i < n; i++) {
        ledger_tx tx;
        if (ledger_tx_init(&tx, LEDGER_TX_TRANSFER, BLK_CHAIN, pk, i, 1000, 0, memo,
                           (i * 37) % (LEDGER_MEMO_MAX + 1)) != CHR_OK) {
            abort();
        }
        memcpy(tx.body.transfer.to, to, 32);
        tx.body.transfer.amount = 1 + i;
        ltest_sign_tx(&tx, sk);
        size_t len;
        if (ledger_tx_encode(&tx, t->buf[i], sizeof(t->buf[i]), &len) != CHR_OK) {
            abort();
        }
        t->ptr[i] = t->buf[i];
        t->lens[i] = (uint16_t)len;
    }
}

/* Sets the header's links to the body (count, root, previous commit) and encodes. */
static chr_err blk_encode(uint8_t **out, size_t *out_len, ledger_header *h,
                          const ledger_commit *last, const blk_txs *t)
{
    h->tx_count = t->len;
    chr_err err = ledger_tx_root(h->tx_root, t->ptr, t->lens, t->len);
    if (err != CHR_OK) {
        return err;
    }
    memset(h->last_commit_hash, 0, 32);
    if (last != NULL) {
        ledger_commit_hash(last, h->last_commit_hash);
    }
    err = ledger_evidence_root(h->evidence_root, NULL, 0);
    return err ? err : ledger_block_encode(out, out_len, h, last, t->ptr, t->lens, t->len, NULL, 0);
}

static int header_equal(const ledger_header *a, const ledger_header *b)
{
    return a->chain_id_len == b->chain_id_len &&
           memcmp(a->chain_id, b->chain_id, sizeof(a->chain_id)) == 0 && a->height == b->height &&
           a->time_ms == b->time_ms && memcmp(a->prev_hash, b->prev_hash, 32) == 0 &&
           memcmp(a->last_commit_hash, b->last_commit_hash, 32) == 0 &&
           memcmp(a->tx_root, b->tx_root, 32) == 0 && a->tx_count == b->tx_count &&
           memcmp(a->state_root, b->state_root, 32) == 0 &&
           memcmp(a->validators_hash, b->validators_hash, 32) == 0 &&
           memcmp(a->next_validators_hash, b->next_validators_hash, 32) == 0 &&
           memcmp(a->proposer, b->proposer, 32) == 0;
}

static int commit_equal(const ledger_commit *a, const ledger_commit *b)
{
    if (a->height != b->height || a->round != b->round || a->sigs_len != b->sigs_len ||
        memcmp(a->block_hash, b->block_hash, 32) != 0) {
        return 0;
    }
    for (size_t i = 0; i < a->sigs_len; i++) {
        if (memcmp(&a->sigs[i], &b->sigs[i], sizeof(a->sigs[i])) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Decodes a copy of exactly len bytes (so ASan sees reads past the end). */
static chr_err blk_decode_exact(ledger_block *b, const uint8_t *in, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL) {
        return CHR_ERR_NOMEM;
    }
    memcpy(copy, in, len);
    chr_err err = ledger_block_decode(b, copy, len);
    ledger_block_free(b);
    free(copy);
    return err;
}

/* Where the header's tx_count field sits in its encoding. */
static size_t header_tx_count_at(const ledger_header *h)
{
    return 1 + 1 + h->chain_id_len + 8 + 8 + 32 + 32 + 32;
}

void test_block_header_round_trip(void)
{
    /* Headers decode to the same fields and re-encode to the same bytes; the hash is
     * SHA-256 of the encoding; truncation, trailing bytes, a wrong version, a bad chain id,
     * height 0 and a tx_count over the limit are each rejected. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed() ^ 0x686561646572ULL;
    for (int round = 0; round < 50; round++) {
        ledger_header h;
        blk_header(&h, 1 + chr_test_rand(&rng) % 1000000, &rng);
        h.tx_count = (uint32_t)(chr_test_rand(&rng) % (LEDGER_BLOCK_TXS_MAX + 1));
        uint8_t buf[LEDGER_HEADER_BYTES_MAX + 1];
        size_t len;
        CHECK_OK(ledger_header_encode(&h, buf, sizeof(buf), &len));
        CHECK(len == (size_t)LEDGER_HEADER_BYTES_MAX - LEDGER_CHAIN_ID_MAX + h.chain_id_len);
        ledger_header back;
        CHECK_OK(ledger_header_decode(&back, buf, len));
        CHECK(header_equal(&h, &back));
        uint8_t again[LEDGER_HEADER_BYTES_MAX];
        size_t again_len;
        CHECK_OK(ledger_header_encode(&back, again, sizeof(again), &again_len));
        CHECK(again_len == len && memcmp(again, buf, len) == 0);
        uint8_t h1[32];
        uint8_t h2[32];
        ledger_header_hash(&h, h1);
        chr_sha256_hash(h2, buf, len);
        CHECK(memcmp(h1, h2, 32) == 0);
        for (size_t cut = 0; cut < len; cut++) {
            CHECK(ledger_header_decode(&back, buf, cut) == CHR_ERR_TRUNCATED);
        }
        buf[len] = 0;
        CHECK(ledger_header_decode(&back, buf, len + 1) == CHR_ERR_TRAILING);
        CHECK(ledger_header_encode(&h, again, len - 1, &again_len) == CHR_ERR_TOO_LONG);
    }
    ledger_header h;
    blk_header(&h, 1, &rng);
    uint8_t buf[LEDGER_HEADER_BYTES_MAX];
    size_t len;
    ledger_header back;
    CHECK_OK(ledger_header_encode(&h, buf, sizeof(buf), &len));
    buf[0] = 1; /* version 1 had no evidence root */
    CHECK(ledger_header_decode(&back, buf, len) == CHR_ERR_VERSION);
    buf[0] = 2; /* version 2 had no next_validators_hash */
    CHECK(ledger_header_decode(&back, buf, len) == CHR_ERR_VERSION);
    buf[0] = 4;
    CHECK(ledger_header_decode(&back, buf, len) == CHR_ERR_VERSION);
    buf[0] = LEDGER_BLOCK_VERSION;
    buf[2] = 'C';
    CHECK(ledger_header_decode(&back, buf, len) == CHR_ERR_CHAIN_ID);
    h.height = 0;
    CHECK_OK(ledger_header_encode(&h, buf, sizeof(buf), &len));
    CHECK(ledger_header_decode(&back, buf, len) == CHR_ERR_BLOCK_INVALID);
    h.height = 1;
    h.tx_count = LEDGER_BLOCK_TXS_MAX + 1;
    CHECK_OK(ledger_header_encode(&h, buf, sizeof(buf), &len));
    CHECK(ledger_header_decode(&back, buf, len) == CHR_ERR_TOO_LONG);
    ledger_header zero;
    memset(&zero, 0, sizeof(zero));
    CHECK(memcmp(&back, &zero, sizeof(back)) == 0);
}

void test_block_commit_round_trip(void)
{
    /* Commits decode and re-encode to the same bytes and hash as SHA-256 of them; every
     * truncation and a trailing byte are rejected; signatures out of key order or a
     * repeated validator are CHR_ERR_NONCANONICAL; more than LEDGER_VALIDATORS_MAX is
     * CHR_ERR_TOO_LONG. */
    CHECK_OK(chr_hash_init());
    blk_val v[4];
    blk_vals(v, 4, 300);
    uint8_t bh[32];
    memset(bh, 0xb1, sizeof(bh));
    for (size_t n = 0; n <= 4; n++) {
        ledger_commit c;
        blk_commit(&c, BLK_CHAIN, 9, (uint32_t)n, bh, v, n);
        uint8_t buf[LEDGER_COMMIT_BYTES_MAX + 1];
        size_t len;
        CHECK_OK(ledger_commit_encode(&c, buf, sizeof(buf), &len));
        CHECK(len == 8 + 4 + 32 + 2 + n * 96);
        ledger_commit back;
        CHECK_OK(ledger_commit_decode(&back, buf, len));
        CHECK(commit_equal(&c, &back));
        uint8_t again[LEDGER_COMMIT_BYTES_MAX];
        size_t again_len;
        CHECK_OK(ledger_commit_encode(&back, again, sizeof(again), &again_len));
        CHECK(again_len == len && memcmp(again, buf, len) == 0);
        uint8_t h1[32];
        uint8_t h2[32];
        ledger_commit_hash(&c, h1);
        chr_sha256_hash(h2, buf, len);
        CHECK(memcmp(h1, h2, 32) == 0);
        for (size_t cut = 0; cut < len; cut++) {
            CHECK(ledger_commit_decode(&back, buf, cut) == CHR_ERR_TRUNCATED);
        }
        buf[len] = 7;
        CHECK(ledger_commit_decode(&back, buf, len + 1) == CHR_ERR_TRAILING);
    }
    ledger_commit c;
    blk_commit(&c, BLK_CHAIN, 9, 0, bh, v, 3);
    uint8_t buf[LEDGER_COMMIT_BYTES_MAX];
    size_t len;
    ledger_commit back;
    /* Swapped: out of key order. */
    ledger_commit_sig tmp = c.sigs[1];
    c.sigs[1] = c.sigs[2];
    c.sigs[2] = tmp;
    CHECK_OK(ledger_commit_encode(&c, buf, sizeof(buf), &len));
    CHECK(ledger_commit_decode(&back, buf, len) == CHR_ERR_NONCANONICAL);
    /* Repeated, adjacent. */
    c.sigs[2] = c.sigs[1];
    CHECK_OK(ledger_commit_encode(&c, buf, sizeof(buf), &len));
    CHECK(ledger_commit_decode(&back, buf, len) == CHR_ERR_NONCANONICAL);
    /* A count over the maximum, before any signature is read. */
    blk_commit(&c, BLK_CHAIN, 9, 0, bh, v, 1);
    CHECK_OK(ledger_commit_encode(&c, buf, sizeof(buf), &len));
    buf[8 + 4 + 32] = (uint8_t)((LEDGER_VALIDATORS_MAX + 1) >> 8);
    buf[8 + 4 + 32 + 1] = (uint8_t)(LEDGER_VALIDATORS_MAX + 1);
    CHECK(ledger_commit_decode(&back, buf, len) == CHR_ERR_TOO_LONG);
}

void test_block_round_trip(void)
{
    /* Blocks at height 1 (no previous commit) and later (with one), with and without
     * transactions, decode to their parts, with transaction views into the input, and
     * re-encode to the same bytes. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = chr_test_seed() ^ 0x626c6f636bULL;
    blk_val v[3];
    blk_vals(v, 3, 310);
    static blk_txs txs;
    static const uint32_t counts[] = {5, 0, 1, BLK_TXS_MAX};
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        uint64_t height = 1 + k;
        ledger_header h;
        blk_header(&h, height, &rng);
        blk_make_txs(&txs, counts[k]);
        ledger_commit last;
        uint8_t prev[32];
        memset(prev, (int)k, sizeof(prev));
        blk_commit(&last, BLK_CHAIN, height - 1, 0, prev, v, 3);
        uint8_t *bytes;
        size_t len;
        CHECK_OK(blk_encode(&bytes, &len, &h, height == 1 ? NULL : &last, &txs));
        ledger_block b;
        chr_err err = ledger_block_decode(&b, bytes, len);
        int ok = err == CHR_OK && header_equal(&b.header, &h) &&
                 b.has_last_commit == (height > 1) &&
                 (height == 1 || commit_equal(&b.last_commit, &last)) && b.txs_len == counts[k];
        for (uint32_t i = 0; ok && i < b.txs_len; i++) {
            ok = b.tx_lens[i] == txs.lens[i] && memcmp(b.txs[i], txs.buf[i], txs.lens[i]) == 0 &&
                 b.txs[i] > bytes && b.txs[i] + b.tx_lens[i] <= bytes + len;
        }
        uint8_t *again = NULL;
        size_t again_len = 0;
        if (ok) {
            ok = ledger_block_encode(&again, &again_len, &b.header,
                                     b.has_last_commit ? &b.last_commit : NULL, b.txs, b.tx_lens,
                                     b.txs_len, b.evidence, b.evidence_len) == CHR_OK &&
                 again_len == len && memcmp(again, bytes, len) == 0;
        }
        free(again);
        ledger_block_free(&b);
        free(bytes);
        CHECK(ok);
    }
}

void test_block_rejects_mismatched_links(void)
{
    /* A block whose header does not commit to its body is CHR_ERR_BLOCK_INVALID: a wrong
     * tx_root, a tx_count unlike the body's, a wrong last_commit_hash, a commit at height 1
     * or none later. A has_last_commit byte other than 0 or 1 is CHR_ERR_NONCANONICAL and
     * a transaction over LEDGER_TX_BYTES_MAX is CHR_ERR_TOO_LONG. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = 42;
    blk_val v[1];
    blk_vals(v, 1, 320);
    static blk_txs txs;
    blk_make_txs(&txs, 3);
    ledger_commit last;
    uint8_t prev[32] = {1};
    blk_commit(&last, BLK_CHAIN, 1, 0, prev, v, 1);
    ledger_header h;
    blk_header(&h, 2, &rng);
    uint8_t *bytes;
    size_t len;
    ledger_block b;
    CHECK_OK(blk_encode(&bytes, &len, &h, &last, &txs));
    CHECK_OK(blk_decode_exact(&b, bytes, len));
    size_t at = header_tx_count_at(&h);
    for (uint32_t count = 2; count <= 4; count += 2) {
        chr_put_u32be(bytes + at, count);
        CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    }
    chr_put_u32be(bytes + at, 3);
    bytes[at - 1] ^= 1; /* the last byte of tx_root */
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    bytes[at - 1] ^= 1;
    bytes[at - 33] ^= 1; /* the last byte of last_commit_hash */
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    bytes[at - 33] ^= 1;
    /* A byte of a transaction: the root no longer matches. */
    bytes[len - 10] ^= 1;
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    bytes[len - 10] ^= 1;
    /* has_last_commit = 2. */
    size_t hlen = LEDGER_HEADER_BYTES_MAX - LEDGER_CHAIN_ID_MAX + h.chain_id_len;
    CHECK(bytes[hlen] == 1);
    bytes[hlen] = 2;
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_NONCANONICAL);
    bytes[hlen] = 1;
    CHECK_OK(blk_decode_exact(&b, bytes, len));
    free(bytes);

    /* Height 2 without a commit, height 1 with one: links otherwise right. */
    CHECK_OK(blk_encode(&bytes, &len, &h, NULL, &txs));
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    free(bytes);
    h.height = 1;
    CHECK_OK(blk_encode(&bytes, &len, &h, &last, &txs));
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    free(bytes);
    CHECK_OK(blk_encode(&bytes, &len, &h, NULL, &txs));
    CHECK_OK(blk_decode_exact(&b, bytes, len));
    free(bytes);

    /* A transaction of LEDGER_TX_BYTES_MAX + 1 bytes. */
    static uint8_t huge[LEDGER_TX_BYTES_MAX + 1];
    const uint8_t *ptr[1] = {huge};
    uint16_t lens[1] = {sizeof(huge)};
    h.tx_count = 1;
    CHECK_OK(ledger_tx_root(h.tx_root, ptr, lens, 1));
    CHECK_OK(ledger_evidence_root(h.evidence_root, NULL, 0));
    CHECK_OK(ledger_block_encode(&bytes, &len, &h, NULL, ptr, lens, 1, NULL, 0));
    CHECK(blk_decode_exact(&b, bytes, len) == CHR_ERR_TOO_LONG);
    free(bytes);
}

void test_block_count_bounded_by_input(void)
{
    /* A body that claims LEDGER_BLOCK_TXS_MAX transactions (header agreeing) in a few
     * bytes is CHR_ERR_TRUNCATED before anything is sized by the claim; trailing bytes
     * after a block are CHR_ERR_TRAILING. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = 43;
    static blk_txs txs;
    blk_make_txs(&txs, 1);
    ledger_header h;
    blk_header(&h, 1, &rng);
    uint8_t *bytes;
    size_t len;
    CHECK_OK(blk_encode(&bytes, &len, &h, NULL, &txs));
    ledger_block b;
    uint8_t *longer = malloc(len + 1);
    CHECK(longer != NULL);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    chr_err err = blk_decode_exact(&b, longer, len + 1);
    free(longer);
    CHECK(err == CHR_ERR_TRAILING);
    size_t at = header_tx_count_at(&h);
    size_t body = LEDGER_HEADER_BYTES_MAX - LEDGER_CHAIN_ID_MAX + h.chain_id_len + 1;
    chr_put_u32be(bytes + at, LEDGER_BLOCK_TXS_MAX);
    chr_put_u32be(bytes + body, LEDGER_BLOCK_TXS_MAX);
    err = blk_decode_exact(&b, bytes, len);
    free(bytes);
    CHECK(err == CHR_ERR_TRUNCATED);
}

void test_block_truncated_everywhere(void)
{
    /* Every proper prefix of a block with a commit and transactions is rejected. */
    CHECK_OK(chr_hash_init());
    uint64_t rng = 44;
    blk_val v[2];
    blk_vals(v, 2, 330);
    static blk_txs txs;
    blk_make_txs(&txs, 3);
    ledger_commit last;
    uint8_t prev[32] = {2};
    blk_commit(&last, BLK_CHAIN, 4, 1, prev, v, 2);
    ledger_header h;
    blk_header(&h, 5, &rng);
    uint8_t *bytes;
    size_t len;
    CHECK_OK(blk_encode(&bytes, &len, &h, &last, &txs));
    size_t bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        ledger_block b;
        chr_err err = blk_decode_exact(&b, bytes, cut);
        if (err != CHR_ERR_TRUNCATED) {
            printf("# block cut at %zu of %zu: %s\n", cut, len, chr_err_name(err));
            bad++;
        }
    }
    free(bytes);
    CHECK(bad == 0);
}

/* Verifies c for (height, block_hash) against vals on BLK_CHAIN. */
static chr_err blk_verify(const ledger_commit *c, const ledger_valset *vals, uint64_t height,
                          const uint8_t block_hash[32], char *detail)
{
    return ledger_commit_verify(c, BLK_CHAIN, vals, height, block_hash, detail, 128);
}

void test_block_commit_quorum(void)
{
    /* A commit needs signatures of more than 2/3 of the power: one validator alone passes;
     * of powers 1,1,1 two signatures (exactly 2/3) fail and three pass; of powers 1,1,2
     * the signatures of 1 and 2 (3 of 4) pass, and 1+1 or 2 alone fail. */
    CHECK_OK(chr_hash_init());
    blk_val v[3];
    blk_vals(v, 3, 340);
    uint8_t bh[32];
    memset(bh, 0xcc, sizeof(bh));
    char detail[128];
    ledger_commit c;
    ledger_valset one;
    ledger_valset_init(&one);
    CHECK_OK(ledger_valset_add(&one, v[0].pk, 10));
    blk_commit(&c, BLK_CHAIN, 7, 0, bh, v, 1);
    CHECK_OK(blk_verify(&c, &one, 7, bh, detail));
    blk_commit(&c, BLK_CHAIN, 7, 0, bh, v, 0);
    CHECK(blk_verify(&c, &one, 7, bh, detail) == CHR_ERR_COMMIT);

    ledger_valset equal;
    ledger_valset_init(&equal);
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(ledger_valset_add(&equal, v[i].pk, 1));
    }
    blk_commit(&c, BLK_CHAIN, 7, 2, bh, v, 2);
    CHECK(blk_verify(&c, &equal, 7, bh, detail) == CHR_ERR_COMMIT);
    CHECK(strcmp(detail, "commit has 2 of 3 power, needs more than 2/3") == 0);
    blk_commit(&c, BLK_CHAIN, 7, 2, bh, v, 3);
    CHECK_OK(blk_verify(&c, &equal, 7, bh, detail));

    /* Powers 1, 1, 2 for v[0], v[1], v[2]. */
    ledger_valset weighted;
    ledger_valset_init(&weighted);
    CHECK_OK(ledger_valset_add(&weighted, v[0].pk, 1));
    CHECK_OK(ledger_valset_add(&weighted, v[1].pk, 1));
    CHECK_OK(ledger_valset_add(&weighted, v[2].pk, 2));
    blk_val pick[2] = {v[0], v[2]};
    blk_commit(&c, BLK_CHAIN, 7, 0, bh, pick, 2);
    CHECK_OK(blk_verify(&c, &weighted, 7, bh, detail));
    blk_commit(&c, BLK_CHAIN, 7, 0, bh, v, 2);
    CHECK(blk_verify(&c, &weighted, 7, bh, detail) == CHR_ERR_COMMIT);
    blk_commit(&c, BLK_CHAIN, 7, 0, bh, v + 2, 1);
    CHECK(blk_verify(&c, &weighted, 7, bh, detail) == CHR_ERR_COMMIT);
    blk_commit(&c, BLK_CHAIN, 7, 0, bh, v, 3);
    CHECK_OK(blk_verify(&c, &weighted, 7, bh, detail));
}

void test_block_commit_rejects_foreign(void)
{
    /* A commit fails verification with a signature by a non-member, signatures made for
     * another height, round, chain id, vote type or block, when checked for another height
     * or block, or with one validator's signature repeated to make up the power. The vote
     * sign bytes are those block.h documents. */
    CHECK_OK(chr_hash_init());
    blk_val v[4];
    blk_vals(v, 4, 350);
    ledger_valset vals;
    ledger_valset_init(&vals);
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(ledger_valset_add(&vals, v[i].pk, 1));
    }
    uint8_t bh[32];
    uint8_t other[32];
    memset(bh, 0xdd, sizeof(bh));
    memset(other, 0xde, sizeof(other));
    char detail[128];
    ledger_commit c;
    blk_commit(&c, BLK_CHAIN, 8, 1, bh, v, 3);
    CHECK_OK(blk_verify(&c, &vals, 8, bh, detail));
    CHECK(blk_verify(&c, &vals, 9, bh, detail) == CHR_ERR_COMMIT);
    CHECK(blk_verify(&c, &vals, 8, other, detail) == CHR_ERR_COMMIT);
    CHECK(ledger_commit_verify(&c, "chroom-other", &vals, 8, bh, detail, sizeof(detail)) ==
          CHR_ERR_COMMIT);

    blk_commit(&c, BLK_CHAIN, 8, 1, bh, v + 1, 3); /* v[3] is no member */
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);
    CHECK(strstr(detail, "not a validator") != NULL);

    /* Signed for another round or height, then relabelled. */
    blk_commit(&c, BLK_CHAIN, 8, 2, bh, v, 3);
    c.round = 1;
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);
    CHECK(strstr(detail, "does not verify") != NULL);
    blk_commit(&c, BLK_CHAIN, 9, 1, bh, v, 3);
    c.height = 8;
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);
    blk_commit(&c, "chroom-other", 8, 1, bh, v, 3);
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);
    blk_commit(&c, BLK_CHAIN, 8, 1, other, v, 3);
    memcpy(c.block_hash, bh, 32);
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);

    /* Prevotes are not precommits. */
    blk_commit(&c, BLK_CHAIN, 8, 1, bh, v, 3);
    uint8_t msg[32];
    uint8_t aux[32] = {0};
    ledger_vote_sighash(msg, BLK_CHAIN, LEDGER_VOTE_PREVOTE, 8, 1, bh);
    for (size_t i = 0; i < 3; i++) {
        for (size_t k = 0; k < 3; k++) {
            if (memcmp(c.sigs[i].validator, v[k].pk, 32) == 0) {
                CHECK_OK(ledger_signer_sign(ltest_signer(), c.sigs[i].sig, msg, v[k].sk, aux));
            }
        }
    }
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);

    /* The sign bytes: u8 1 | bytes8 chain id | u8 type | u64 height | u32 round | hash. */
    uint8_t raw[1 + 1 + sizeof(BLK_CHAIN) - 1 + 1 + 8 + 4 + 32];
    size_t n = 0;
    raw[n++] = 1;
    raw[n++] = (uint8_t)(sizeof(BLK_CHAIN) - 1);
    memcpy(raw + n, BLK_CHAIN, sizeof(BLK_CHAIN) - 1);
    n += sizeof(BLK_CHAIN) - 1;
    raw[n++] = LEDGER_VOTE_PRECOMMIT;
    chr_put_u64be(raw + n, 8);
    n += 8;
    chr_put_u32be(raw + n, 1);
    n += 4;
    memcpy(raw + n, bh, 32);
    n += 32;
    CHECK(n == sizeof(raw));
    uint8_t want[32];
    chr_tagged_hash(want, LEDGER_VOTE_TAG, raw, sizeof(raw));
    ledger_vote_sighash(msg, BLK_CHAIN, LEDGER_VOTE_PRECOMMIT, 8, 1, bh);
    CHECK(memcmp(msg, want, 32) == 0);

    /* One valid signature three times over: only one validator's power. */
    blk_commit(&c, BLK_CHAIN, 8, 1, bh, v, 1);
    c.sigs[1] = c.sigs[0];
    c.sigs[2] = c.sigs[0];
    c.sigs_len = 3;
    CHECK(blk_verify(&c, &vals, 8, bh, detail) == CHR_ERR_COMMIT);
    CHECK(strstr(detail, "repeated") != NULL);
}

/* The Certificate Transparency test tree (RFC 6962's reference implementation): eight
 * leaves and the tree heads of sizes 0 to 8, as in tests/unit/common/test_merkle.c. */
static const char *const ct_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

void test_block_tx_root_rfc6962(void)
{
    /* ledger_tx_root is the RFC 6962 Merkle Tree Hash: it gives the published CT tree
     * heads for 0 to 8 leaves, and equals chr_merkle_leaf/chr_merkle_root over real
     * transactions. */
    CHECK_OK(chr_hash_init());
    uint8_t leaves[8][16];
    const uint8_t *ptr[8];
    uint16_t lens[8];
    for (size_t i = 0; i < 8; i++) {
        lens[i] = (uint16_t)(strlen(ct_leaves[i]) / 2);
        chr_test_hex(leaves[i], lens[i], ct_leaves[i]);
        ptr[i] = leaves[i];
    }
    for (uint32_t n = 0; n <= 8; n++) {
        uint8_t want[32];
        uint8_t got[32];
        chr_test_hex(want, 32, ct_roots[n]);
        CHECK_OK(ledger_tx_root(got, ptr, lens, n));
        CHECK(memcmp(got, want, 32) == 0);
    }
    static blk_txs txs;
    blk_make_txs(&txs, BLK_TXS_MAX);
    for (uint32_t n = 1; n <= BLK_TXS_MAX; n++) {
        uint8_t hashes[BLK_TXS_MAX][CHR_HASH_LEN];
        for (uint32_t i = 0; i < n; i++) {
            chr_merkle_leaf(hashes[i], txs.ptr[i], txs.lens[i]);
        }
        uint8_t want[32];
        uint8_t got[32];
        chr_merkle_root(want, hashes, n);
        CHECK_OK(ledger_tx_root(got, txs.ptr, txs.lens, n));
        CHECK(memcmp(got, want, 32) == 0);
    }
}

static chr_err valset_decode_bytes(ledger_valset *out, const uint8_t *buf, size_t len)
{
    chr_dec dec;
    chr_dec_init(&dec, buf, len);
    chr_err err = ledger_valset_decode(&dec, out);
    return err == CHR_OK ? chr_dec_finish(&dec) : err;
}

void test_block_valset(void)
{
    /* A validator set stays sorted by key whatever the order of adds, refuses a repeated
     * key, zero power, a 129th member and a total power over a u64; encodes as u16 count
     * then (key, power) and hashes as SHA-256 of that; decoding gives it back and rejects
     * unsorted or repeated keys, zero power, an empty set and a count over the maximum. */
    CHECK_OK(chr_hash_init());
    blk_val v[5];
    blk_vals(v, 5, 360);
    ledger_valset set;
    ledger_valset_init(&set);
    for (size_t i = 0; i < 5; i++) {
        CHECK_OK(ledger_valset_add(&set, v[4 - i].pk, 10 + i));
    }
    CHECK(set.len == 5 && set.total_power == 10 + 11 + 12 + 13 + 14);
    for (size_t i = 1; i < set.len; i++) {
        CHECK(memcmp(set.v[i - 1].pubkey, set.v[i].pubkey, 32) < 0);
    }
    for (size_t i = 0; i < 5; i++) {
        int at = ledger_valset_find(&set, v[i].pk);
        CHECK(at >= 0 && set.v[at].power == 14 - i);
    }
    uint8_t absent[32] = {0};
    CHECK(ledger_valset_find(&set, absent) == -1);
    CHECK(ledger_valset_add(&set, v[2].pk, 1) == CHR_ERR_DUPLICATE);
    CHECK(ledger_valset_add(&set, absent, 0) == CHR_ERR_ARG);
    CHECK(ledger_valset_add(&set, absent, UINT64_MAX) == CHR_ERR_OVERFLOW);
    CHECK(set.len == 5);

    uint8_t buf[2 + LEDGER_VALIDATORS_MAX * 40 + 40];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    ledger_valset_encode(&enc, &set);
    size_t len;
    CHECK_OK(chr_enc_finish(&enc, &len));
    CHECK(len == 2 + 5 * 40 && buf[0] == 0 && buf[1] == 5);
    CHECK(memcmp(buf + 2, set.v[0].pubkey, 32) == 0 && chr_get_u64be(buf + 34) == set.v[0].power);
    uint8_t h1[32];
    uint8_t h2[32];
    ledger_valset_hash(&set, h1);
    chr_sha256_hash(h2, buf, len);
    CHECK(memcmp(h1, h2, 32) == 0);
    ledger_valset back;
    CHECK_OK(valset_decode_bytes(&back, buf, len));
    CHECK(back.len == set.len && back.total_power == set.total_power);
    CHECK(memcmp(back.v, set.v, set.len * sizeof(set.v[0])) == 0);
    for (size_t cut = 0; cut < len; cut++) {
        CHECK(valset_decode_bytes(&back, buf, cut) == CHR_ERR_TRUNCATED);
        CHECK(back.len == 0);
    }
    /* Swap entries 1 and 2: unsorted. */
    uint8_t bad[sizeof(buf)];
    memcpy(bad, buf, len);
    memcpy(bad + 2 + 40, buf + 2 + 80, 40);
    memcpy(bad + 2 + 80, buf + 2 + 40, 40);
    CHECK(valset_decode_bytes(&back, bad, len) == CHR_ERR_NONCANONICAL);
    memcpy(bad, buf, len);
    memcpy(bad + 2 + 80, buf + 2 + 40, 40); /* entry 2 repeats entry 1 */
    CHECK(valset_decode_bytes(&back, bad, len) == CHR_ERR_NONCANONICAL);
    memcpy(bad, buf, len);
    chr_put_u64be(bad + 2 + 32, 0);
    CHECK(valset_decode_bytes(&back, bad, len) == CHR_ERR_NONCANONICAL);
    static const uint8_t empty[2] = {0, 0};
    CHECK(valset_decode_bytes(&back, empty, 2) == CHR_ERR_NONCANONICAL);
    bad[0] = (uint8_t)((LEDGER_VALIDATORS_MAX + 1) >> 8);
    bad[1] = (uint8_t)(LEDGER_VALIDATORS_MAX + 1);
    CHECK(valset_decode_bytes(&back, bad, len) == CHR_ERR_TOO_LONG);
    /* Powers that overflow a u64 together. */
    memcpy(bad, buf, len);
    chr_put_u64be(bad + 2 + 32, UINT64_MAX);
    CHECK(valset_decode_bytes(&back, bad, len) == CHR_ERR_OVERFLOW);

    /* A full set: 128 members, then no more. */
    ledger_valset_init(&set);
    for (uint32_t i = 0; i < LEDGER_VALIDATORS_MAX; i++) {
        uint8_t key[32];
        uint8_t seed[4];
        chr_put_u32be(seed, i);
        chr_sha256_hash(key, seed, sizeof(seed));
        CHECK_OK(ledger_valset_add(&set, key, 1));
    }
    CHECK(ledger_valset_add(&set, absent, 1) == CHR_ERR_FULL);
    chr_enc_init(&enc, buf, sizeof(buf));
    ledger_valset_encode(&enc, &set);
    CHECK_OK(chr_enc_finish(&enc, &len));
    CHECK_OK(valset_decode_bytes(&back, buf, len));
    CHECK(back.len == LEDGER_VALIDATORS_MAX);
}
