/* The staking rules: parameters and their ranges, object encodings, every rule and every
 * rejection of each staking transaction type as a block applies it, maturity at exactly the
 * completion time, no hopping, and the active set by stake stored for h + 2. */
#include <string.h>

#include "ledger/staking.h"
#include "ledger/tx_types.h"
#include "tests/unit/staking/fixture.h"
#include "tests/unit/staking/suite.h"
#include "tests/unit/test.h"

/* Proves the defaults are legal, every range edge of the staking params is enforced with
 * the field's name, and the encoding round-trips at its documented size. */
void test_params_ranges(void)
{
    ledger_params p;
    const char *field;
    ledger_params_default(&p);
    CHECK_OK(ledger_params_check(&p, &field));
    CHECK(strcmp(field, "") == 0);
    size_t n;
    const ledger_param_field *f = ledger_param_fields(&n);
    CHECK(n == 13);
    for (size_t i = 0; i < n; i++) {
        ledger_params q = p;
        ledger_param_set(&q, i, f[i].min);
        CHECK_OK(ledger_params_check(&q, &field));
        ledger_param_set(&q, i, f[i].max);
        CHECK_OK(ledger_params_check(&q, &field));
        if (f[i].min > 0) {
            ledger_param_set(&q, i, f[i].min - 1);
            CHECK(ledger_params_check(&q, &field) == CHR_ERR_ARG);
            CHECK(strcmp(field, f[i].name) == 0);
        }
        if (f[i].max < (f[i].wide ? UINT64_MAX : UINT32_MAX)) {
            ledger_param_set(&q, i, f[i].max + 1);
            CHECK(ledger_params_check(&q, &field) == CHR_ERR_ARG);
            CHECK(strcmp(field, f[i].name) == 0);
        }
    }
    uint8_t buf[LEDGER_PARAMS_BYTES + 1];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    p.validators_max = 7;
    p.downtime_jail_ms = 123;
    ledger_params_encode(&enc, &p);
    size_t len;
    CHECK_OK(chr_enc_finish(&enc, &len));
    CHECK(len == LEDGER_PARAMS_BYTES);
    ledger_params back;
    chr_dec dec;
    chr_dec_init(&dec, buf, len);
    CHECK_OK(ledger_params_decode(&dec, &back));
    CHECK(memcmp(&back, &p, sizeof(p)) == 0);
    chr_dec_init(&dec, buf, len - 1);
    CHECK(ledger_params_decode(&dec, &back) == CHR_ERR_TRUNCATED);
    CHECK(back.fee_transfer == 0);
}

/* Proves the validator, delegation and pool encodings round-trip and that decoding
 * refuses bad flags, long text, trailing and missing bytes. */
void test_object_encodings(void)
{
    ledger_staking_validator v;
    memset(&v, 0, sizeof(v));
    st_key(v.operator_key, 1);
    st_key(v.consensus_key, 2);
    v.commission_ppm = 5;
    v.tokens = 77;
    v.shares = 77;
    v.status = LEDGER_STAKING_UNBONDING;
    v.jailed = 1;
    v.moniker_len = LEDGER_MONIKER_MAX;
    memset(v.moniker, 'm', LEDGER_MONIKER_MAX);
    v.website_len = LEDGER_WEBSITE_MAX;
    memset(v.website, 'w', LEDGER_WEBSITE_MAX);
    v.details_len = LEDGER_DETAILS_MAX;
    memset(v.details, 'd', LEDGER_DETAILS_MAX);
    uint8_t buf[LEDGER_OBJECT_VALUE_MAX + 1];
    size_t len = ledger_staking_validator_encode(buf, &v);
    CHECK(len <= LEDGER_OBJECT_VALUE_MAX);
    ledger_staking_validator back;
    CHECK_OK(ledger_staking_validator_decode(&back, v.operator_key, buf, len));
    CHECK(memcmp(&back, &v, sizeof(v)) == 0);
    CHECK(ledger_staking_validator_decode(&back, v.operator_key, buf, len - 1) ==
          CHR_ERR_TRUNCATED);
    buf[len] = 0;
    CHECK(ledger_staking_validator_decode(&back, v.operator_key, buf, len + 1) == CHR_ERR_TRAILING);
    buf[32 + 12 + 32] = 3; /* status */
    CHECK(ledger_staking_validator_decode(&back, v.operator_key, buf, len) == CHR_ERR_NONCANONICAL);
    CHECK(back.tokens == 0);

    ledger_staking_delegation d = {5, 6, 7, 8, 9};
    ledger_staking_delegation dback;
    len = ledger_staking_delegation_encode(buf, &d);
    CHECK(len == 28);
    CHECK_OK(ledger_staking_delegation_decode(&dback, buf, len));
    CHECK(dback.shares == 5 && dback.reward_period == 6 && dback.reward_stake == 7);
    CHECK(dback.unbondings == 8 && dback.redelegations_in == 9);
    CHECK(ledger_staking_delegation_decode(&dback, buf, len - 1) == CHR_ERR_TRUNCATED);

    ledger_staking_pool p;
    memset(&p, 0, sizeof(p));
    p.bonded = 1;
    p.unbonding = 2;
    p.next_seq = 3;
    p.set_height = 4;
    p.set_hash[0] = 5;
    ledger_staking_pool pback;
    len = ledger_staking_pool_encode(buf, &p);
    CHECK(len == 80);
    CHECK_OK(ledger_staking_pool_decode(&pback, buf, len));
    CHECK(memcmp(&p, &pback, sizeof(p)) == 0);
}

/* Proves create-validator bonds the self-stake from the balance, counts it in the pool,
 * and refuses (changing nothing) each of its stateful rules in turn. */
void test_create_validator_rules(void)
{
    st_db db;
    st_open(&db, 4, 10000);
    CHECK(st_create(&db, 1, 100, 99) == CHR_ERR_SELF_BOND); /* under the floor of 100 */
    /* What the stateless checks refuse is refused when applied too (decided blocks). */
    CHECK(st_create(&db, 1, 150, 200) == CHR_ERR_SELF_BOND);
    CHECK(st_delegate(&db, 2, 1, 0) == CHR_ERR_AMOUNT);
    CHECK(st_undelegate(&db, 2, 1, 0) == CHR_ERR_AMOUNT);
    CHECK(st_redelegate(&db, 2, 1, 3, 0) == CHR_ERR_AMOUNT);
    CHECK(st_create(&db, 1, 10000, 100) == CHR_ERR_BALANCE); /* + fee 1 */
    CHECK(ledger_objects_len(db.t) == 0);
    CHECK(ledger_overlay_len(db.o) == 0);
    CHECK_OK(st_create(&db, 1, 9000, 100));
    CHECK(st_account(&db, 1).balance == 999);
    CHECK(st_account(&db, 1).nonce == 1);
    CHECK(st_create(&db, 1, 100, 100) == CHR_ERR_DUPLICATE);
    CHECK(strcmp(db.detail, "from: already operates a validator") == 0);
    /* Account 2 with account 1's consensus key. */
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHECK_OK(
        ledger_tx_init(&tx, LEDGER_TX_CREATE_VALIDATOR, "chroom-test", zero, 0, 0, 0, NULL, 0));
    st_key(tx.body.create_validator.consensus_key, 1001);
    tx.body.create_validator.min_self_bond = 100;
    tx.body.create_validator.amount = 100;
    tx.body.create_validator.moniker_len = 1;
    tx.body.create_validator.moniker[0] = 'x';
    size_t objs = ledger_objects_len(db.t);
    CHECK(st_apply(&db, 2, &tx) == CHR_ERR_DUPLICATE);
    CHECK(strcmp(db.detail, "consensus_key: another validator's") == 0);
    CHECK(ledger_objects_len(db.t) == objs);
    int found;
    ledger_staking_validator v = st_validator(&db, 1, &found);
    CHECK(found && v.tokens == 9000 && v.shares == 9000 && v.min_self_bond == 100);
    CHECK(v.status == LEDGER_STAKING_UNBONDED && v.created_height == 1);
    ledger_staking_pool pool;
    CHECK_OK(ledger_staking_pool_get(db.t, &pool));
    CHECK(pool.bonded == 9000 && pool.unbonding == 0);
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    st_close(&db);
}

/* Proves delegate and undelegate move stake between liquid, bonded and unbonding, and
 * refuse an unknown validator, more than the delegation holds, and a pair's entries over
 * entries_max; an operator under its min_self_bond is jailed out of the index. */
void test_delegate_undelegate_rules(void)
{
    st_db db;
    st_open(&db, 4, 100000);
    db.params.entries_max = 2;
    CHECK_OK(st_create(&db, 1, 1000, 500));
    CHECK(st_delegate(&db, 2, 3, 10) == CHR_ERR_NO_VALIDATOR);
    CHECK(st_delegate(&db, 2, 1, 100000) == CHR_ERR_BALANCE);
    CHECK_OK(st_delegate(&db, 2, 1, 300));
    CHECK(st_account(&db, 2).balance == 100000 - 300 - 1);
    CHECK(st_undelegate(&db, 2, 1, 301) == CHR_ERR_STAKE);
    CHECK(st_undelegate(&db, 3, 1, 1) == CHR_ERR_STAKE);
    CHECK(st_undelegate(&db, 2, 4, 1) == CHR_ERR_NO_VALIDATOR);
    CHECK_OK(st_undelegate(&db, 2, 1, 100));
    CHECK_OK(st_undelegate(&db, 2, 1, 100));
    CHECK(st_undelegate(&db, 2, 1, 100) == CHR_ERR_ENTRIES);
    ledger_staking_pool pool;
    CHECK_OK(ledger_staking_pool_get(db.t, &pool));
    CHECK(pool.bonded == 1100 && pool.unbonding == 200);
    /* The operator keeps 600 >= 500, then drops to 400 < 500: jailed, out of the set. */
    CHECK_OK(st_undelegate(&db, 1, 1, 400));
    int found;
    CHECK(st_validator(&db, 1, &found).jailed == 0);
    CHECK_OK(st_undelegate(&db, 1, 1, 200));
    ledger_staking_validator v = st_validator(&db, 1, &found);
    CHECK(v.jailed == 1 && v.tokens == 500);
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    CHECK_OK(st_end_block(&db, 1000));
    CHECK_OK(st_supply_check(&db, 4 * 100000));
    st_close(&db);
}

/* Proves an unbonding pays the delegator in the first block whose time reaches its
 * completion time, not one millisecond earlier, and frees the pair's entry. */
void test_unbonding_matures_exactly(void)
{
    st_db db;
    st_open(&db, 3, 100000);
    CHECK_OK(st_create(&db, 1, 1000, 100));
    CHECK_OK(st_delegate(&db, 2, 1, 500));
    CHECK_OK(st_end_block(&db, 1000));
    uint64_t start = db.time_ms;
    CHECK_OK(st_undelegate(&db, 2, 1, 500));
    uint64_t before = st_account(&db, 2).balance;
    CHECK_OK(st_end_block(&db, db.params.unbonding_time_ms - 1));
    CHECK(db.time_ms == start + db.params.unbonding_time_ms - 1);
    CHECK_OK(st_end_block(&db, 1)); /* the block at completion - 1 ms: not yet */
    CHECK(st_account(&db, 2).balance == before);
    CHECK(db.time_ms == start + db.params.unbonding_time_ms);
    CHECK_OK(st_end_block(&db, 1)); /* at exactly the completion time */
    CHECK(st_account(&db, 2).balance == before + 500);
    ledger_staking_delegation d;
    int found;
    uint8_t k2[32], k1[32];
    st_key(k2, 2);
    st_key(k1, 1);
    CHECK_OK(ledger_staking_delegation_get(db.t, k2, k1, &d, &found));
    CHECK(found == 0); /* nothing left in the pair: deleted */
    CHECK_OK(st_supply_check(&db, 3 * 100000));
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    st_close(&db);
}

/* Proves redelegation moves bonded stake at once, refuses the same validator, an unknown
 * one, more than held, and hopping (moving stake redelegated into src) until the entry
 * matures; entries per pair are bounded. */
void test_redelegate_no_hopping(void)
{
    st_db db;
    st_open(&db, 5, 100000);
    db.params.entries_max = 2;
    CHECK_OK(st_create(&db, 1, 1000, 100));
    CHECK_OK(st_create(&db, 2, 1000, 100));
    CHECK_OK(st_create(&db, 3, 1000, 100));
    CHECK_OK(st_delegate(&db, 4, 1, 900));
    CHECK(st_redelegate(&db, 4, 1, 1, 10) == CHR_ERR_SAME_VALIDATOR);
    CHECK(st_redelegate(&db, 4, 1, 5, 10) == CHR_ERR_NO_VALIDATOR);
    CHECK(st_redelegate(&db, 4, 1, 2, 901) == CHR_ERR_STAKE);
    CHECK_OK(st_redelegate(&db, 4, 1, 2, 300));
    CHECK(st_redelegate(&db, 4, 2, 3, 100) == CHR_ERR_HOPPING);
    CHECK_OK(st_redelegate(&db, 4, 1, 2, 300));
    CHECK(st_redelegate(&db, 4, 1, 2, 100) == CHR_ERR_ENTRIES);
    int found;
    CHECK(st_validator(&db, 1, &found).tokens == 1300);
    CHECK(st_validator(&db, 2, &found).tokens == 1600);
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    CHECK_OK(st_end_block(&db, db.params.unbonding_time_ms - 1));
    CHECK(st_redelegate(&db, 4, 2, 3, 100) == CHR_ERR_HOPPING);
    CHECK_OK(st_end_block(&db, 1));
    CHECK_OK(st_end_block(&db, 1)); /* this block's end matures them */
    CHECK_OK(st_redelegate(&db, 4, 2, 3, 100));
    ledger_staking_pool pool;
    CHECK_OK(ledger_staking_pool_get(db.t, &pool));
    CHECK(pool.bonded == 3900 && pool.unbonding == 0);
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    st_close(&db);
}

/* Proves edit-validator's rules: commission within max and the daily step, once per 24 h
 * of block time; min_self_bond only rises and stays within the self-bond; the texts. */
void test_edit_validator_rules(void)
{
    st_db db;
    st_open(&db, 2, 100000);
    CHECK_OK(st_create(&db, 1, 1000, 100));
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_EDIT_VALIDATOR, "chroom-test", zero, 0, 0, 0, NULL, 0));
    ledger_staking_edit *e = &tx.body.edit_validator;
    e->mask = LEDGER_EDIT_MONIKER;
    e->moniker_len = 3;
    memcpy(e->moniker, "new", 3);
    CHECK(st_apply(&db, 2, &tx) == CHR_ERR_NO_VALIDATOR);
    CHECK_OK(st_apply(&db, 1, &tx));
    int found;
    CHECK(memcmp(st_validator(&db, 1, &found).moniker, "new", 3) == 0);
    memset(e, 0, sizeof(*e));
    e->mask = LEDGER_EDIT_COMMISSION;
    e->commission_ppm = 105000;
    CHECK(st_apply(&db, 1, &tx) == CHR_ERR_COMMISSION); /* within 24 h of creation */
    db.time_ms += 86400000;
    e->commission_ppm = 210000;
    CHECK(st_apply(&db, 1, &tx) == CHR_ERR_COMMISSION); /* over max 200000 */
    e->commission_ppm = 110001;
    CHECK(st_apply(&db, 1, &tx) == CHR_ERR_COMMISSION); /* step over 10000 */
    e->commission_ppm = 110000;
    CHECK_OK(st_apply(&db, 1, &tx));
    CHECK(st_validator(&db, 1, &found).commission_ppm == 110000);
    e->commission_ppm = 100000;
    CHECK(st_apply(&db, 1, &tx) == CHR_ERR_COMMISSION); /* again the same day */
    memset(e, 0, sizeof(*e));
    e->mask = LEDGER_EDIT_MIN_SELF_BOND;
    e->min_self_bond = 100;
    CHECK(st_apply(&db, 1, &tx) == CHR_ERR_SELF_BOND); /* must rise */
    e->min_self_bond = 1001;
    CHECK(st_apply(&db, 1, &tx) == CHR_ERR_SELF_BOND); /* over the self-bond */
    e->min_self_bond = 1000;
    CHECK_OK(st_apply(&db, 1, &tx));
    CHECK(st_validator(&db, 1, &found).min_self_bond == 1000);
    st_close(&db);
}

/* Proves the active set is the top validators_max by stake (ties by operator key, power
 * zero left out), stored to sign from h + 2 and readable by height, that statuses follow
 * it, and that a set unchanged is not stored again. */
void test_active_set_by_stake(void)
{
    st_db db;
    st_open(&db, 6, 100000);
    db.params.validators_max = 2;
    CHECK_OK(st_create(&db, 1, 500, 100));
    CHECK_OK(st_create(&db, 2, 700, 100));
    CHECK_OK(st_create(&db, 3, 500, 100));
    CHECK_OK(st_create(&db, 4, 105, 100)); /* power 10 */
    uint64_t h = db.height;
    CHECK_OK(st_end_block(&db, 1000));
    ledger_valset set;
    uint64_t from;
    uint8_t ops[LEDGER_VALIDATORS_MAX][32];
    CHECK(ledger_staking_set_at(ledger_trie_mem_object_scan, db.mem, h + 1, &set, &from, ops) ==
          CHR_ERR_NOT_FOUND);
    CHECK_OK(ledger_staking_set_at(ledger_trie_mem_object_scan, db.mem, h + 2, &set, &from, ops));
    CHECK(from == h + 2 && set.len == 2 && set.total_power == 70 + 50);
    uint8_t k[32];
    st_key(k, 2);
    CHECK(memcmp(ops[0], k, 32) == 0);
    st_key(k, 1); /* ties with 3 at 500: the lower operator key first */
    CHECK(memcmp(ops[1], k, 32) == 0);
    int found;
    CHECK(st_validator(&db, 1, &found).status == LEDGER_STAKING_BONDED);
    CHECK(st_validator(&db, 3, &found).status == LEDGER_STAKING_UNBONDED);
    /* Nothing changes: nothing stored. */
    size_t objs = ledger_trie_mem_objects_len(db.mem);
    CHECK_OK(st_end_block(&db, 1000));
    CHECK(ledger_trie_mem_objects_len(db.mem) == objs);
    /* 3 overtakes 1: 1 leaves (unbonding), 3 enters. */
    CHECK_OK(st_delegate(&db, 5, 3, 10));
    uint64_t h2 = db.height;
    CHECK_OK(st_end_block(&db, 1000));
    CHECK_OK(ledger_staking_set_at(ledger_trie_mem_object_scan, db.mem, h2 + 5, &set, &from, ops));
    CHECK(from == h2 + 2 && set.total_power == 70 + 51);
    CHECK_OK(ledger_staking_set_at(ledger_trie_mem_object_scan, db.mem, h2 + 1, &set, &from, ops));
    CHECK(from == h + 2); /* the older set still signs h2 + 1 */
    ledger_staking_validator v1 = st_validator(&db, 1, &found);
    CHECK(v1.status == LEDGER_STAKING_UNBONDING);
    CHECK(v1.unbonding_until_ms == db.time_ms - 1000 + db.params.unbonding_time_ms);
    CHECK(st_validator(&db, 3, &found).status == LEDGER_STAKING_BONDED);
    CHECK_OK(
        ledger_staking_set_at(ledger_trie_mem_object_scan, db.mem, UINT64_MAX, &set, &from, NULL));
    CHECK(from == h2 + 2);
    st_close(&db);
}
