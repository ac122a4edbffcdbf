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
