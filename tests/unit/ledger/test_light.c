#include <stdlib.h>
#include <string.h>

#include "ledger/light.h"
#include "ledger/sig.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define LIGHT_CHAIN "chroom-light"

static ledger_light_trust trust;
static ledger_light_trust before;
static ledger_commit commit;

/* The set of ltest_key validators first..first+n-1, each of power 1. */
static void light_set(ledger_valset *vals, uint32_t first, uint32_t n)
{
    ledger_valset_init(vals);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t sk[32];
        uint8_t pk[32];
        ltest_key(sk, pk, first + i);
        if (ledger_valset_add(vals, pk, 1) != CHR_OK) {
            abort();
        }
    }
}

/* A commit of h signed by the ltest_key validators whose indexes are set in mask. */
static void light_sign(ledger_commit *c, const ledger_header *h, uint32_t mask)
{
    ledger_valset signers;
    ledger_valset_init(&signers);
    memset(c, 0, sizeof(*c));
    c->height = h->height;
    ledger_header_hash(h, c->block_hash);
    uint8_t msg[32];
    uint8_t aux[32] = {0};
    ledger_vote_sighash(msg, LIGHT_CHAIN, LEDGER_VOTE_PRECOMMIT, h->height, 0, c->block_hash);
    for (uint32_t i = 0; i < 32; i++) {
        uint8_t sk[32];
        uint8_t pk[32];
        ltest_key(sk, pk, i);
        if ((mask >> i & 1u) && ledger_valset_add(&signers, pk, 1) != CHR_OK) {
            abort();
        }
    }
    /* The set keeps keys sorted: the commit's order. */
    for (size_t k = 0; k < signers.len; k++) {
        for (uint32_t i = 0; i < 32; i++) {
            uint8_t sk[32];
            uint8_t pk[32];
            ltest_key(sk, pk, i);
            if (memcmp(pk, signers.v[k].pubkey, 32) == 0) {
                memcpy(c->sigs[k].validator, pk, 32);
                if (ledger_signer_sign(ltest_signer(), c->sigs[k].sig, msg, sk, aux) != CHR_OK) {
                    abort();
                }
            }
        }
    }
    c->sigs_len = (uint16_t)signers.len;
}

static void light_header(ledger_header *h, uint64_t height, uint64_t time_ms,
                         const ledger_valset *vals)
{
    memset(h, 0, sizeof(*h));
    h->chain_id_len = (uint8_t)strlen(LIGHT_CHAIN);
    memcpy(h->chain_id, LIGHT_CHAIN, h->chain_id_len);
    h->height = height;
    h->time_ms = time_ms;
    memset(h->state_root, (int)height, 32);
    ledger_valset_hash(vals, h->validators_hash);
    memcpy(h->next_validators_hash, h->validators_hash, 32);
}

static chr_err light_check(const ledger_header *h, const ledger_commit *c, const ledger_valset *v)
{
    char detail[160];
    before = trust;
    chr_err err = ledger_light_verify(&trust, h, c, v, detail, sizeof(detail));
    if (err != CHR_OK && memcmp(&before, &trust, sizeof(trust)) != 0) {
        return CHR_ERR_INTERNAL; /* a failure must leave the trust as it was */
    }
    return err;
}

/* Proves the light client's rules within one validator set: more than 2/3 of the trusted
 * power moves trust forward (skipping heights); 2/3 exactly, a commit of another block,
 * another chain, an older height, an earlier time, a broken link at the next height or
 * another header at the trusted height are refused, leaving trust unchanged. */
void test_light_same_set(void)
{
    static ledger_valset vals;
    light_set(&vals, 0, 3);
    uint8_t genesis_hash[32];
    memset(genesis_hash, 0x99, 32);
    CHECK_OK(ledger_light_trust_genesis(&trust, LIGHT_CHAIN, genesis_hash, 1000, &vals));
    ledger_header h;
    light_header(&h, 1, 1000, &vals);
    memcpy(h.prev_hash, genesis_hash, 32);
    light_sign(&commit, &h, 0x3);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_COMMIT);
    h.prev_hash[0] ^= 1;
    light_sign(&commit, &h, 0x7);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_BLOCK_INVALID);
    h.prev_hash[0] ^= 1;
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_COMMIT); /* signed another hash */
    light_sign(&commit, &h, 0x7);
    CHECK_OK(light_check(&h, &commit, NULL));
    CHECK(trust.height == 1 && trust.time_ms == 1000);
    /* The trusted header again: accepted, nothing moves; another one at that height not. */
    CHECK_OK(light_check(&h, &commit, NULL));
    CHECK(memcmp(&before, &trust, sizeof(trust)) == 0);
    h.tx_count = 1;
    light_sign(&commit, &h, 0x7);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_BLOCK_INVALID);

    light_header(&h, 9, 1000, &vals);
    light_sign(&commit, &h, 0x7);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_BLOCK_INVALID); /* not later in time */
    light_header(&h, 9, 2000, &vals);
    light_sign(&commit, &h, 0x7);
    CHECK_OK(light_check(&h, &commit, NULL));
    CHECK(trust.height == 9);
    light_header(&h, 8, 3000, &vals);
    light_sign(&commit, &h, 0x7);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_BLOCK_INVALID);
    light_header(&h, 10, 3000, &vals);
    h.chain_id[0] = 'x';
    light_sign(&commit, &h, 0x7);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_CHAIN_ID);
}

/* Proves the skipping rule across a change of validator set: the new set, matching the
 * header's validators_hash, must have signed with more than 2/3 of its power and the
 * trusted set with more than 1/3 of its own; 1/4 of the trusted power, a missing or
 * mismatched set, or 2/5 of the new set are refused. */
void test_light_skipping(void)
{
    static ledger_valset old_vals;
    static ledger_valset new_vals;
    static ledger_valset wrong;
    light_set(&old_vals, 0, 4);
    light_set(&new_vals, 2, 5);
    light_set(&wrong, 2, 4);
    ledger_header h;
    light_header(&h, 4, 500, &old_vals);
    CHECK_OK(ledger_light_trust_header(&trust, &h, &old_vals));
    CHECK(ledger_light_trust_header(&before, &h, &new_vals) == CHR_ERR_BLOCK_INVALID);
    light_header(&h, 100, 900, &new_vals);
    /* Keys 3..6: 4/5 of the new set, 1/4 of the trusted one. */
    light_sign(&commit, &h, 0x78);
    CHECK(light_check(&h, &commit, &new_vals) == CHR_ERR_COMMIT);
    /* Keys 2 and 3 alone: half the trusted power but 2/5 of the new set. */
    light_sign(&commit, &h, 0x0c);
    CHECK(light_check(&h, &commit, &new_vals) == CHR_ERR_COMMIT);
    /* Keys 2..5: 4/5 of the new set and 1/2 of the trusted one. */
    light_sign(&commit, &h, 0x3c);
    CHECK(light_check(&h, &commit, NULL) == CHR_ERR_BLOCK_INVALID);
    CHECK(light_check(&h, &commit, &wrong) == CHR_ERR_BLOCK_INVALID);
    CHECK_OK(light_check(&h, &commit, &new_vals));
    CHECK(trust.height == 100 && trust.vals.len == 5);
    uint8_t vh[32];
    ledger_valset_hash(&new_vals, vh);
    CHECK(memcmp(trust.vals_hash, vh, 32) == 0);
}

/* Proves the rule of the next height: a header's validators_hash must be the trusted
 * header's next_validators_hash, and then a set change needs no 1/3 of the trusted power
 * (the trusted header named the new set); a header at the next height naming another set
 * than the one announced is refused even with every signature, and a trusted state saved
 * without the next hash falls back to the skipping rule. */
void test_light_next_set(void)
{
    static ledger_valset old_vals;
    static ledger_valset new_vals;
    light_set(&old_vals, 0, 4);
    light_set(&new_vals, 4, 4); /* no key in common */
    ledger_header h;
    light_header(&h, 10, 500, &old_vals);
    ledger_valset_hash(&new_vals, h.next_validators_hash);
    CHECK_OK(ledger_light_trust_header(&trust, &h, &old_vals));
    CHECK(trust.has_next && memcmp(trust.next_vals_hash, h.next_validators_hash, 32) == 0);
    uint8_t trusted_hash[32];
    ledger_header_hash(&h, trusted_hash);
    ledger_header next;
    light_header(&next, 11, 600, &new_vals);
    memcpy(next.prev_hash, trusted_hash, 32);
    light_sign(&commit, &next, 0xf0); /* all of the new set, none of the trusted one */
    CHECK_OK(light_check(&next, &commit, &new_vals));
    CHECK(trust.height == 11 && memcmp(trust.vals_hash, next.validators_hash, 32) == 0);
    /* The same header, had the trusted one announced the old set again: refused. */
    light_header(&h, 10, 500, &old_vals);
    CHECK_OK(ledger_light_trust_header(&trust, &h, &old_vals));
    ledger_header_hash(&h, trusted_hash);
    memcpy(next.prev_hash, trusted_hash, 32);
    light_sign(&commit, &next, 0xf0);
    CHECK(light_check(&next, &commit, &new_vals) == CHR_ERR_BLOCK_INVALID);
    /* Without the next hash (a state saved by an older wallet): the skipping rule, which
     * a set sharing no key with the trusted one cannot meet. */
    trust.has_next = 0;
    CHECK(light_check(&next, &commit, &new_vals) == CHR_ERR_COMMIT);
}

/* A chain of LIGHT_TOP headers whose set turns over completely twice: keys 0..3 sign
 * heights 1..4, keys 4..7 heights 5..8, keys 8..11 heights 9..LIGHT_TOP; each header names
 * the next height's set and links to the one before. */
#define LIGHT_TOP 16
static ledger_header chain_h[LIGHT_TOP + 1];
static ledger_valset chain_v[3];
static ledger_light_block scratch;
static ledger_valset target_vals;

static size_t light_set_of(uint64_t height)
{
    return height <= 4 ? 0 : height <= 8 ? 1 : 2;
}

static void light_chain(void)
{
    for (uint32_t s = 0; s < 3; s++) {
        light_set(&chain_v[s], 4 * s, 4);
    }
    uint8_t prev[32];
    memset(prev, 0x99, 32);
    for (uint64_t i = 1; i <= LIGHT_TOP; i++) {
        light_header(&chain_h[i], i, 1000 + 10 * i, &chain_v[light_set_of(i)]);
        ledger_valset_hash(&chain_v[light_set_of(i + 1)], chain_h[i].next_validators_hash);
        memcpy(chain_h[i].prev_hash, prev, 32);
        ledger_header_hash(&chain_h[i], prev);
    }
}

/* How the in-memory source answers: honestly, or with one lie at lie_height. */
enum { LIE_NONE, LIE_SET, LIE_COMMIT, LIE_LINK, LIE_HEIGHT, LIE_FAIL };

typedef struct light_source {
    int lie;
    uint64_t lie_height;
    uint32_t asked; /* fetches answered */
} light_source;

static chr_err light_fetch(void *ctx, uint64_t height, const uint8_t trusted_vals_hash[32],
                           ledger_light_block *out)
{
    light_source *src = ctx;
    src->asked++;
    if (height == 0 || height > LIGHT_TOP) {
        return CHR_ERR_NOT_FOUND;
    }
    int lie = height == src->lie_height ? src->lie : LIE_NONE;
    if (lie == LIE_FAIL) {
        return CHR_ERR_IO;
    }
    out->header = chain_h[lie == LIE_HEIGHT ? height + 1 : height];
    if (lie == LIE_LINK) {
        out->header.prev_hash[0] ^= 1; /* a header of another chain, signed by this set */
    }
    uint32_t s = (uint32_t)light_set_of(out->header.height);
    light_sign(&out->commit, &out->header, 0xfu << (4 * s));
    if (lie == LIE_COMMIT) {
        out->commit.sigs[1].sig[5] ^= 1;
    }
    if (memcmp(out->header.validators_hash, trusted_vals_hash, 32) != 0) {
        out->vals = chain_v[s];
        if (lie == LIE_SET) {
            light_set(&out->vals, 4 * s, 3); /* one member short: another hash */
        }
    }
    return CHR_OK;
}

/* Verifies the top of the chain from trust at height 1 through the source. */
static chr_err light_reach_top(light_source *src, uint32_t fetches_max, uint32_t *fetched)
{
    if (ledger_light_trust_header(&trust, &chain_h[1], &chain_v[0]) != CHR_OK) {
        return CHR_ERR_INTERNAL;
    }
    light_sign(&commit, &chain_h[LIGHT_TOP], 0xf00);
    target_vals = chain_v[2];
    char detail[200];
    return ledger_light_bisect(&trust, fetched, light_fetch, src, &scratch, &chain_h[LIGHT_TOP],
                               &commit, &target_vals, fetches_max, detail, sizeof(detail));
}

/* Proves bisection: with sets that turn over completely in two steps, the top header
 * cannot be skipped to from height 1 (no trusted key signed it), but bisection reaches it
 * through the midpoints and the two adjacent set changes, in 12 fetches, and trusts it;
 * from a header that needs no pivot it fetches nothing. */
void test_light_bisect(void)
{
    light_chain();
    CHECK_OK(ledger_light_trust_header(&trust, &chain_h[1], &chain_v[0]));
    light_sign(&commit, &chain_h[LIGHT_TOP], 0xf00);
    CHECK(light_check(&chain_h[LIGHT_TOP], &commit, &chain_v[2]) == CHR_ERR_COMMIT);
    light_source src = {LIE_NONE, 0, 0};
    uint32_t fetched = 0;
    CHECK_OK(light_reach_top(&src, LEDGER_LIGHT_FETCHES_MAX, &fetched));
    CHECK(fetched == 12 && src.asked == 12);
    uint8_t top_hash[32];
    ledger_header_hash(&chain_h[LIGHT_TOP], top_hash);
    CHECK(trust.height == LIGHT_TOP && memcmp(trust.hash, top_hash, 32) == 0);
    CHECK(memcmp(trust.vals_hash, chain_h[LIGHT_TOP].validators_hash, 32) == 0);
    /* From height 10, the same set: no fetch at all. */
    CHECK_OK(ledger_light_trust_header(&trust, &chain_h[10], &chain_v[2]));
    char detail[200];
    CHECK_OK(ledger_light_bisect(&trust, &fetched, light_fetch, &src, &scratch, &chain_h[LIGHT_TOP],
                                 &commit, NULL, 4, detail, sizeof(detail)));
    CHECK(fetched == 0 && trust.height == LIGHT_TOP);
}

/* Proves that a lying source is refused during bisection, with the trust left at the
 * highest header verified before the lie: a set that does not hash to the header's
 * validators_hash, a forged signature, a header at the set change that does not link to
 * the trusted one, a block of another height than asked, and a failed fetch. */
void test_light_bisect_lies(void)
{
    static const struct {
        int lie;
        uint64_t height;
        chr_err want;
        uint64_t trusted; /* the height trust ends at */
    } cases[] = {
        {LIE_SET, 8, CHR_ERR_BLOCK_INVALID, 1},     {LIE_SET, 5, CHR_ERR_BLOCK_INVALID, 4},
        {LIE_COMMIT, 4, CHR_ERR_COMMIT, 1},         {LIE_COMMIT, 6, CHR_ERR_COMMIT, 4},
        {LIE_LINK, 5, CHR_ERR_BLOCK_INVALID, 4},    {LIE_LINK, 9, CHR_ERR_BLOCK_INVALID, 8},
        {LIE_HEIGHT, 12, CHR_ERR_BLOCK_INVALID, 8}, {LIE_FAIL, 10, CHR_ERR_IO, 8},
    };
    light_chain();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        light_source src = {cases[i].lie, cases[i].height, 0};
        uint32_t fetched;
        CHECK(light_reach_top(&src, LEDGER_LIGHT_FETCHES_MAX, &fetched) == cases[i].want);
        CHECK(trust.height == cases[i].trusted);
        CHECK(memcmp(trust.vals_hash, chain_h[cases[i].trusted].validators_hash, 32) == 0);
    }
}

/* Proves the fetch budget: the 12 fetches the chain needs are refused with 11 allowed
 * (CHR_ERR_TOO_LONG, after the 11th, the trust at the highest header verified) and pass
 * with 12; a budget of 0 refuses at once and trusts nothing new. */
void test_light_bisect_budget(void)
{
    light_chain();
    light_source src = {LIE_NONE, 0, 0};
    uint32_t fetched;
    CHECK(light_reach_top(&src, 11, &fetched) == CHR_ERR_TOO_LONG);
    CHECK(fetched == 11 && src.asked == 11 && trust.height == 10);
    src.asked = 0;
    CHECK_OK(light_reach_top(&src, 12, &fetched));
    CHECK(fetched == 12 && trust.height == LIGHT_TOP);
    CHECK(light_reach_top(&src, 0, &fetched) == CHR_ERR_TOO_LONG);
    CHECK(fetched == 0 && trust.height == 1);
}

/* Proves the trusting period and the clock drift: a trusted header is usable until exactly
 * its time + the period (expired from then on, whatever its height), a period that would
 * overflow never ends, and a header more than LEDGER_LIGHT_CLOCK_DRIFT_MS ahead of the
 * client's clock is refused while one within the drift is not. */
void test_light_fresh(void)
{
    static ledger_valset vals;
    light_set(&vals, 0, 3);
    uint8_t genesis_hash[32];
    memset(genesis_hash, 0x42, 32);
    CHECK_OK(ledger_light_trust_genesis(&trust, LIGHT_CHAIN, genesis_hash, 1000000, &vals));
    char detail[256];
    CHECK_OK(ledger_light_fresh(&trust, 5000, NULL, 1000000, detail, sizeof(detail)));
    CHECK_OK(ledger_light_fresh(&trust, 5000, NULL, 1004999, detail, sizeof(detail)));
    CHECK(ledger_light_fresh(&trust, 5000, NULL, 1005000, detail, sizeof(detail)) ==
          CHR_ERR_EXPIRED);
    CHECK(strstr(detail, "older than the trusting period") != NULL);
    CHECK(ledger_light_fresh(&trust, 0, NULL, 1000000, detail, sizeof(detail)) == CHR_ERR_EXPIRED);
    CHECK_OK(ledger_light_fresh(&trust, UINT64_MAX, NULL, UINT64_MAX - 1, detail, sizeof(detail)));
    ledger_header h;
    light_header(&h, 1, 1000000 + 2000 + LEDGER_LIGHT_CLOCK_DRIFT_MS, &vals);
    CHECK_OK(ledger_light_fresh(&trust, 5000, &h, 1002000, detail, sizeof(detail)));
    h.time_ms++;
    CHECK(ledger_light_fresh(&trust, 5000, &h, 1002000, detail, sizeof(detail)) ==
          CHR_ERR_BLOCK_INVALID);
    CHECK(strstr(detail, "from the future") != NULL);
    /* A header behind the clock is never from the future. */
    light_header(&h, 1, 10, &vals);
    CHECK_OK(ledger_light_fresh(&trust, 5000, &h, 1002000, detail, sizeof(detail)));
}
