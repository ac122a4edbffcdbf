/* Evidence of double signing (ledger/evidence.h) and blocks that carry it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/merkle.h"
#include "ledger/block.h"
#include "ledger/evidence.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define EV_CHAIN "chroom-evidence"

/* Signs a vote of validator key `key` on chain_id into sig. */
static void ev_sign(uint8_t sig[64], const char *chain_id, uint32_t key, uint8_t type,
                    uint64_t height, uint32_t round, const uint8_t block[32])
{
    uint8_t sk[32], pk[32], msg[32];
    uint8_t aux[32] = {0};
    ltest_key(sk, pk, key);
    ledger_vote_sighash(msg, chain_id, type, height, round, block);
    if (ledger_signer_sign(ltest_signer(), sig, msg, sk, aux) != CHR_OK) {
        abort();
    }
}

void ltest_evidence(ledger_evidence *ev, const char *chain_id, uint32_t key, uint8_t type,
                    uint64_t height, uint32_t round, uint8_t a, uint8_t b)
{
    uint8_t sk[32];
    memset(ev, 0, sizeof(*ev));
    ltest_key(sk, ev->validator, key);
    ev->type = type;
    ev->height = height;
    ev->round = round;
    memset(ev->block_a, a, 32);
    memset(ev->block_b, b, 32);
    ev_sign(ev->sig_a, chain_id, key, type, height, round, ev->block_a);
    ev_sign(ev->sig_b, chain_id, key, type, height, round, ev->block_b);
}

static void ev_make(ledger_evidence *ev, uint32_t key, uint8_t type, uint64_t height,
                    uint32_t round, uint8_t a, uint8_t b)
{
    ltest_evidence(ev, EV_CHAIN, key, type, height, round, a, b);
}

static void ev_valset(ledger_valset *vals)
{
    ledger_valset_init(vals);
    for (uint32_t i = 0; i < 4; i++) {
        uint8_t sk[32], pk[32];
        ltest_key(sk, pk, 700 + i);
        if (ledger_valset_add(vals, pk, 10 + i) != CHR_OK) {
            abort();
        }
    }
}

void test_evidence_encoding(void)
{
    /* Fixed layout: type, height, round, validator, then each vote's block and signature;
     * decoding gives back the same evidence, and every other length or form is refused. */
    ledger_evidence ev, back;
    ev_make(&ev, 700, LEDGER_VOTE_PRECOMMIT, 9, 2, 0x00, 0x7f); /* a nil vote and a block */
    uint8_t buf[LEDGER_EVIDENCE_BYTES + 1];
    ledger_evidence_encode(&ev, buf);
    CHECK(buf[0] == LEDGER_VOTE_PRECOMMIT && buf[8] == 9 && buf[12] == 2);
    CHECK(memcmp(buf + 13, ev.validator, 32) == 0 && memcmp(buf + 45, ev.block_a, 32) == 0 &&
          memcmp(buf + 77, ev.sig_a, 64) == 0 && memcmp(buf + 141, ev.block_b, 32) == 0 &&
          memcmp(buf + 173, ev.sig_b, 64) == 0);
    CHECK_OK(ledger_evidence_decode(&back, buf, LEDGER_EVIDENCE_BYTES));
    CHECK(memcmp(&back, &ev, sizeof(ev)) == 0);
    CHECK(ledger_evidence_decode(&back, buf, LEDGER_EVIDENCE_BYTES - 1) == CHR_ERR_TRUNCATED);
    CHECK(ledger_evidence_decode(&back, buf, LEDGER_EVIDENCE_BYTES + 1) == CHR_ERR_TRAILING);
    uint8_t bad[LEDGER_EVIDENCE_BYTES];
    memcpy(bad, buf, sizeof(bad));
    bad[0] = 3; /* no such vote type */
    CHECK(ledger_evidence_decode(&back, bad, sizeof(bad)) == CHR_ERR_EVIDENCE);
    memcpy(bad, buf, sizeof(bad));
    memset(bad + 1, 0, 8); /* height 0 */
    CHECK(ledger_evidence_decode(&back, bad, sizeof(bad)) == CHR_ERR_EVIDENCE);
    memcpy(bad, buf, sizeof(bad));
    memcpy(bad + 141, bad + 45, 32); /* the same block twice: no conflict */
    CHECK(ledger_evidence_decode(&back, bad, sizeof(bad)) == CHR_ERR_EVIDENCE);
    /* The two votes swapped: the same offence, not its one encoding. */
    memcpy(bad, buf, 45);
    memcpy(bad + 45, buf + 141, 96);
    memcpy(bad + 141, buf + 45, 96);
    CHECK(ledger_evidence_decode(&back, bad, sizeof(bad)) == CHR_ERR_EVIDENCE);
    /* The key names the offence. */
    uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
    ledger_evidence_key(&ev, key);
    CHECK(memcmp(key, ev.validator, 32) == 0 && key[39] == 9 && key[43] == 2 &&
          key[44] == LEDGER_VOTE_PRECOMMIT);
}

void test_evidence_check_rules(void)
{
    /* Valid evidence passes; each rule refuses its own violation with CHR_ERR_EVIDENCE. */
    ledger_valset vals;
    ev_valset(&vals);
    ledger_evidence ev;
    char why[160];
    ev_make(&ev, 701, LEDGER_VOTE_PREVOTE, 5, 0, 0x10, 0x20);
    CHECK_OK(ledger_evidence_check(&ev, EV_CHAIN, &vals, 6, 1, why, sizeof(why)));
    CHECK_OK(ledger_evidence_check(&ev, EV_CHAIN, &vals, 5 + LEDGER_EVIDENCE_AGE_MAX, 1, why,
                                   sizeof(why)));
    /* Not before the block's height; too old. */
    CHECK(ledger_evidence_check(&ev, EV_CHAIN, &vals, 5, 1, why, sizeof(why)) == CHR_ERR_EVIDENCE);
    CHECK(ledger_evidence_check(&ev, EV_CHAIN, &vals, 6 + LEDGER_EVIDENCE_AGE_MAX, 1, why,
                                sizeof(why)) == CHR_ERR_EVIDENCE);
    CHECK(strstr(why, "age") != NULL);
    /* Another chain's votes, or a changed block, do not verify; nor does a key that is not
     * a validator's. */
    CHECK(ledger_evidence_check(&ev, "chroom-other", &vals, 6, 1, why, sizeof(why)) ==
          CHR_ERR_EVIDENCE);
    ledger_evidence bad = ev;
    bad.block_b[31] ^= 1;
    CHECK(ledger_evidence_check(&bad, EV_CHAIN, &vals, 6, 1, why, sizeof(why)) == CHR_ERR_EVIDENCE);
    CHECK(strstr(why, "second") != NULL);
    bad = ev;
    bad.sig_a[0] ^= 1;
    CHECK(ledger_evidence_check(&bad, EV_CHAIN, &vals, 6, 1, why, sizeof(why)) == CHR_ERR_EVIDENCE);
    CHECK(strstr(why, "first") != NULL);
    /* Without signature checks (a block the validators decided) the rest still holds. */
    CHECK_OK(ledger_evidence_check(&bad, EV_CHAIN, &vals, 6, 0, why, sizeof(why)));
    ledger_evidence stranger;
    ev_make(&stranger, 799, LEDGER_VOTE_PREVOTE, 5, 0, 0x10, 0x20);
    CHECK(ledger_evidence_check(&stranger, EV_CHAIN, &vals, 6, 0, why, sizeof(why)) ==
          CHR_ERR_EVIDENCE);
    /* A vote signed for another round is not this round's. */
    bad = ev;
    ev_sign(bad.sig_b, EV_CHAIN, 701, LEDGER_VOTE_PREVOTE, 5, 1, bad.block_b);
    CHECK(ledger_evidence_check(&bad, EV_CHAIN, &vals, 6, 1, why, sizeof(why)) == CHR_ERR_EVIDENCE);
    /* Same blocks in the wrong order, built in memory. */
    bad = ev;
    memcpy(bad.block_a, ev.block_b, 32);
    memcpy(bad.block_b, ev.block_a, 32);
    CHECK(ledger_evidence_check(&bad, EV_CHAIN, &vals, 6, 0, why, sizeof(why)) == CHR_ERR_EVIDENCE);
}

void test_evidence_root_rfc6962(void)
{
    /* No evidence: SHA256(""); one: the leaf hash of its encoding; two: the node hash. */
    uint8_t root[32], want[32];
    CHECK_OK(ledger_evidence_root(root, NULL, 0));
    chr_sha256_hash(want, (const uint8_t *)"", 0);
    CHECK(memcmp(root, want, 32) == 0);
    ledger_evidence evs[2];
    ev_make(&evs[0], 700, LEDGER_VOTE_PREVOTE, 3, 0, 1, 2);
    ev_make(&evs[1], 702, LEDGER_VOTE_PREVOTE, 3, 0, 1, 2);
    uint8_t buf[LEDGER_EVIDENCE_BYTES];
    uint8_t leaves[2][32];
    for (int i = 0; i < 2; i++) {
        ledger_evidence_encode(&evs[i], buf);
        chr_merkle_leaf(leaves[i], buf, sizeof(buf));
    }
    CHECK_OK(ledger_evidence_root(root, evs, 1));
    CHECK(memcmp(root, leaves[0], 32) == 0);
    uint8_t node_in[65];
    node_in[0] = 1;
    memcpy(node_in + 1, leaves[0], 32);
    memcpy(node_in + 33, leaves[1], 32);
    chr_sha256_hash(want, node_in, sizeof(node_in));
    CHECK_OK(ledger_evidence_root(root, evs, 2));
    CHECK(memcmp(root, want, 32) == 0);
}

/* A block at height 2 with the given evidence (already in key order) and no
 * transactions; the header's evidence root is computed unless wrong_root. */
static chr_err ev_block(uint8_t **out, size_t *len, const ledger_evidence *evs, uint16_t n,
                        int wrong_root)
{
    ledger_header h;
    memset(&h, 0, sizeof(h));
    h.chain_id_len = (uint8_t)strlen(EV_CHAIN);
    memcpy(h.chain_id, EV_CHAIN, h.chain_id_len);
    h.height = 2;
    h.time_ms = 1000;
    ledger_commit last;
    memset(&last, 0, sizeof(last));
    last.height = 1;
    ledger_commit_hash(&last, h.last_commit_hash);
    chr_err err = ledger_tx_root(h.tx_root, NULL, NULL, 0);
    err = err ? err : ledger_evidence_root(h.evidence_root, evs, n);
    h.evidence_root[0] ^= (uint8_t)(wrong_root ? 1 : 0);
    return err ? err : ledger_block_encode(out, len, &h, &last, NULL, NULL, 0, evs, n);
}

void test_evidence_in_blocks(void)
{
    /* A block carries evidence after its transactions: it decodes back to the same
     * evidence and re-encodes to the same bytes; the header's evidence root must match;
     * keys must strictly increase; the count is bounded. */
    ledger_evidence evs[3];
    ev_make(&evs[0], 700, LEDGER_VOTE_PREVOTE, 1, 0, 1, 2);
    ev_make(&evs[1], 700, LEDGER_VOTE_PRECOMMIT, 1, 0, 1, 2);
    ev_make(&evs[2], 700, LEDGER_VOTE_PREVOTE, 1, 1, 1, 2);
    /* Key order: (validator, height, round, type): [0] (r0,t1), [1] (r0,t2), [2] (r1,t1). */
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_OK(ev_block(&bytes, &len, evs, 3, 0));
    ledger_block b;
    chr_err err = ledger_block_decode(&b, bytes, len);
    int same = err == CHR_OK && b.evidence_len == 3;
    for (int i = 0; same && i < 3; i++) {
        same = memcmp(&b.evidence[i], &evs[i], sizeof(evs[i])) == 0;
    }
    uint8_t *again = NULL;
    size_t again_len = 0;
    same = same &&
           ledger_block_encode(&again, &again_len, &b.header, &b.last_commit, NULL, NULL, 0,
                               b.evidence, b.evidence_len) == CHR_OK &&
           again_len == len && memcmp(again, bytes, len) == 0;
    free(again);
    if (err == CHR_OK) {
        ledger_block_free(&b);
    }
    /* Evidence count and the last evidence's end are the block's last bytes. */
    same = same && len > 2 + 3 * LEDGER_EVIDENCE_BYTES &&
           bytes[len - 3 * LEDGER_EVIDENCE_BYTES - 1] == 3;
    /* Any one byte of the evidence changed: the root no longer matches (or the evidence's
     * form breaks). */
    for (size_t at = len - 3 * LEDGER_EVIDENCE_BYTES; same && at < len; at += 7) {
        bytes[at] ^= 0x40;
        same = ledger_block_decode(&b, bytes, len) != CHR_OK;
        bytes[at] ^= 0x40;
    }
    free(bytes);
    CHECK(same);

    CHECK_OK(ev_block(&bytes, &len, evs, 1, 1));
    CHECK(ledger_block_decode(&b, bytes, len) == CHR_ERR_BLOCK_INVALID);
    free(bytes);

    /* Two entries with one key (the encoder asserts order, so write the block by hand:
     * the same evidence twice, count patched). */
    CHECK_OK(ev_block(&bytes, &len, evs, 1, 0));
    uint8_t *twice = malloc(len + LEDGER_EVIDENCE_BYTES);
    CHECK(twice != NULL);
    memcpy(twice, bytes, len);
    memcpy(twice + len, bytes + len - LEDGER_EVIDENCE_BYTES, LEDGER_EVIDENCE_BYTES);
    twice[len - LEDGER_EVIDENCE_BYTES - 1] = 2;
    err = ledger_block_decode(&b, twice, len + LEDGER_EVIDENCE_BYTES);
    free(twice);
    free(bytes);
    CHECK(err == CHR_ERR_EVIDENCE);

    /* More than LEDGER_BLOCK_EVIDENCE_MAX: refused before anything is read. */
    CHECK_OK(ev_block(&bytes, &len, NULL, 0, 0));
    bytes[len - 2] = (uint8_t)((LEDGER_BLOCK_EVIDENCE_MAX + 1) >> 8);
    bytes[len - 1] = (uint8_t)(LEDGER_BLOCK_EVIDENCE_MAX + 1);
    CHECK(ledger_block_decode(&b, bytes, len) == CHR_ERR_TOO_LONG);
    free(bytes);
}
