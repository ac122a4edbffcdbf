/* Rewards, withdraw-rewards, unjail and slashing on the in-memory state: exact splits of a
 * block's fees, F1 settling on a delegation change, every rejection of the two new types,
 * downtime and double-sign slashes with their jails, and the supply with all of them. */
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "credit/credit.h"
#include "ledger/distribution.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "ledger/sig.h"
#include "ledger/slashing.h"
#include "ledger/staking.h"
#include "tests/unit/staking/fixture.h"
#include "tests/unit/staking/suite.h"
#include "tests/unit/test.h"

static chr_err rw_withdraw(st_db *db, unsigned who, unsigned v)
{
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_WITHDRAW_REWARDS, "chroom-test", zero, 0, 0, 0, NULL,
                              0) == CHR_OK);
    if (v != 0) {
        st_key(tx.body.withdraw.validator, v);
    }
    return st_apply(db, who, &tx);
}

static chr_err rw_unjail(st_db *db, unsigned who)
{
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_UNJAIL, "chroom-test", zero, 0, 0, 0, NULL, 0) ==
               CHR_OK);
    return st_apply(db, who, &tx);
}

static chr_err rw_transfer(st_db *db, unsigned who, unsigned to)
{
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "chroom-test", zero, 0, 0, 0, NULL, 0) ==
               CHR_OK);
    st_key(tx.body.transfer.to, to);
    tx.body.transfer.amount = 1;
    return st_apply(db, who, &tx);
}

static uint64_t rw_pending(st_db *db, unsigned who, unsigned v)
{
    uint8_t d[32], k[32];
    uint64_t out;
    st_key(d, who);
    st_key(k, v);
    CHR_ASSERT(ledger_distribution_pending(db->t, d, k, &out) == CHR_OK);
    return out;
}

/* Validator 1 (self-bond 1000, 10% commission) and user 2's 1000 on it, bonded in the set
 * that signs block 4 on (a set decided in block h signs from h + 2). */
static void rw_open(st_db *db)
{
    st_open(db, 8, 100000);
    db->params.fee_transfer = 1000;
    CHR_ASSERT(st_create(db, 1, 1000, 100) == CHR_OK);
    CHR_ASSERT(st_end_block(db, 1000) == CHR_OK);
    CHR_ASSERT(st_delegate(db, 2, 1, 1000) == CHR_OK);
    CHR_ASSERT(st_end_block(db, 1000) == CHR_OK);
    CHR_ASSERT(st_end_block(db, 1000) == CHR_OK); /* block 3: signed by no stored set */
}

/* Proves a block's fee is split exactly: 2% treasury, 1% of the rest to the proposer (an
 * account without a validator), the signers' share 10% commission and the rest by shares;
 * before any staked signer the proposer took the whole fee; the fee collector is no key. */
void test_rewards_split_exact(void)
{
    st_db db;
    rw_open(&db);
    uint8_t k0[32];
    st_key(k0, 0);
    /* Blocks 1 and 3 paid their fees (create, delegate) whole to the proposer. */
    CHECK(st_account(&db, 0).balance == 2000);
    CHECK_OK(rw_transfer(&db, 3, 4));
    CHECK_OK(st_end_block(&db, 1000));
    ledger_rewards_pool pool;
    CHECK_OK(ledger_rewards_pool_get(db.t, &pool));
    /* 1000: treasury 20; 980: bonus 9; 971 to validator 1: commission 97, 874 by shares. */
    CHECK(pool.treasury == 20 && pool.pending == 971 && pool.paid == 0);
    CHECK(pool.collected == 3000);
    CHECK(st_account(&db, 0).balance == 2009);
    CHECK(rw_pending(&db, 1, 1) == 437 && rw_pending(&db, 2, 1) == 437);
    uint8_t v1[32];
    ledger_val_rewards vr;
    st_key(v1, 1);
    CHECK_OK(ledger_val_rewards_get(db.t, v1, &vr));
    CHECK(vr.commission == 97 && vr.outstanding == 874 && vr.current == 874);
    CHECK(st_account(&db, 0).balance + 20 + 971 == 2000 + 1000);
    CHECK_OK(st_supply_check(&db, 8 * 100000));
    CHECK(!ledger_pubkey_valid(ledger_fee_collector));
    st_close(&db);
}

/* Proves withdraw-rewards pays the delegator its share and the operator its commission,
 * once (a second withdrawal pays nothing), and a delegation change settles the old shares
 * before the new ones count (F1). */
void test_rewards_withdraw_and_settle(void)
{
    st_db db;
    rw_open(&db);
    CHECK_OK(rw_transfer(&db, 3, 4));
    CHECK_OK(st_end_block(&db, 1000)); /* block 4: 437 each, 97 commission */
    uint64_t b1 = st_account(&db, 1).balance;
    uint64_t b2 = st_account(&db, 2).balance;
    CHECK_OK(rw_withdraw(&db, 1, 1));
    CHECK(st_account(&db, 1).balance == b1 + 437 + 97 - 1000);
    CHECK_OK(rw_withdraw(&db, 2, 0)); /* all */
    CHECK(st_account(&db, 2).balance == b2 + 437 - 1000);
    CHECK(rw_pending(&db, 1, 1) == 0 && rw_pending(&db, 2, 1) == 0);
    CHECK_OK(st_end_block(&db, 1000)); /* block 5: 2000 of fees */
    /* 2000: treasury 40; 1960: bonus 19; 1941: commission 194, 1747 / 2000 shares. */
    CHECK(rw_pending(&db, 2, 1) == 873);
    b2 = st_account(&db, 2).balance;
    CHECK_OK(st_delegate(&db, 2, 1, 2000)); /* settles 873 first */
    CHECK(st_account(&db, 2).balance == b2 + 873 - 2000 - 1000);
    CHECK(rw_pending(&db, 2, 1) == 0 && rw_pending(&db, 1, 1) == 873);
    CHECK_OK(st_end_block(&db, 1000)); /* block 6: 1000: 971 -> 874 over 4000 shares */
    /* User 1 never settled: 873.5 + 218.5 rounded down once. */
    CHECK(rw_pending(&db, 2, 1) == 655 && rw_pending(&db, 1, 1) == 1092);
    ledger_rewards_pool pool;
    CHECK_OK(ledger_rewards_pool_get(db.t, &pool));
    CHECK(pool.paid == 437 + 97 + 437 + 873);
    CHECK(pool.paid + pool.pending + pool.treasury <= pool.collected);
    CHECK_OK(st_supply_check(&db, 8 * 100000));
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    st_close(&db);
}

/* Proves withdraw-rewards' rejections: no such validator, no delegation to it, "all" with
 * none, "all" over LEDGER_WITHDRAW_ALL_MAX; each leaves the sender's nonce as it was. */
_Static_assert(LEDGER_WITHDRAW_ALL_MAX == 3, "the test delegates to one more");
void test_withdraw_rejections(void)
{
    st_db db;
    rw_open(&db);
    CHECK(rw_withdraw(&db, 3, 7) == CHR_ERR_NO_VALIDATOR);
    CHECK(rw_withdraw(&db, 3, 1) == CHR_ERR_NO_DELEGATION);
    CHECK(rw_withdraw(&db, 3, 0) == CHR_ERR_NO_DELEGATION);
    CHECK(st_account(&db, 3).nonce == 0);
    for (unsigned v = 4; v <= 6; v++) {
        CHECK_OK(st_create(&db, v, 200, 100));
        CHECK_OK(st_delegate(&db, 3, v, 10));
    }
    CHECK_OK(rw_withdraw(&db, 3, 0)); /* three: LEDGER_WITHDRAW_ALL_MAX */
    CHECK_OK(st_delegate(&db, 3, 1, 10));
    CHECK(rw_withdraw(&db, 3, 0) == CHR_ERR_ENTRIES);
    CHECK_OK(rw_withdraw(&db, 3, 1));
    st_close(&db);
}

/* The slash record index of height h (ledger/slashing.h), *found 0 when there is none. */
static ledger_slash_record rw_record(st_db *db, uint64_t h, uint16_t index, int *found)
{
    uint8_t key[10];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    ledger_slash_record r;
    memset(&r, 0, sizeof(r));
    ledger_slash_record_key(key, h, index);
    CHR_ASSERT(ledger_object_get(db->t, LEDGER_STATE_SLASH_RECORD, key, 10, value, &len, found) ==
               CHR_OK);
    if (*found) {
        CHR_ASSERT(ledger_slash_record_decode(&r, value, len) == CHR_OK);
    }
    return r;
}

/* Proves downtime: a validator missing more than the window allows is slashed
 * slash_downtime_ppm (burned: the supply check counts it) and jailed for
 * downtime_jail_ms; it may unjail only after; one that signs is untouched. */
void test_slashing_downtime_and_unjail(void)
{
    st_db db;
    st_open(&db, 8, 100000);
    db.params.signed_blocks_window = 10;
    db.params.min_signed_ppm = 500000; /* at most 5 of 10 missed */
    db.params.slash_downtime_ppm = 100000;
    db.params.downtime_jail_ms = 600000;
    CHECK_OK(st_create(&db, 1, 1000, 100));
    CHECK_OK(st_create(&db, 2, 1000, 100));
    db.absent = 1u << 1; /* the set orders equal stakes by operator: validator 2 second */
    int found;
    for (int i = 0; i < 12; i++) {
        CHECK_OK(st_end_block(&db, 1000)); /* counting starts at block 4 */
        CHECK(st_validator(&db, 2, &found).jailed == 0);
    }
    uint64_t t13 = db.time_ms;
    uint64_t h13 = db.height;
    CHECK_OK(st_end_block(&db, 1000)); /* block 13: the 10th counted, 10 missed */
    ledger_staking_validator v = st_validator(&db, 2, &found);
    CHECK(v.jailed == 1 && v.tokens == 900 && v.jailed_until_ms == t13 + 600000);
    CHECK(st_validator(&db, 1, &found).jailed == 0);
    /* The block recorded the slash, and only that one, at its own height. */
    ledger_slash_record rec = rw_record(&db, h13, 0, &found);
    CHECK(found && rec.reason == LEDGER_SLASH_DOWNTIME && rec.fraction_ppm == 100000);
    CHECK(memcmp(rec.operator_key, v.operator_key, 32) == 0 && rec.burned == 100);
    CHECK(rec.jailed_until_ms == t13 + 600000 && rec.tombstoned == 0);
    (void)rw_record(&db, h13, 1, &found);
    CHECK(!found);
    (void)rw_record(&db, h13 - 1, 0, &found);
    CHECK(!found);
    ledger_staking_pool pool;
    CHECK_OK(ledger_staking_pool_get(db.t, &pool));
    CHECK(pool.burned == 100);
    uint8_t op2[32];
    ledger_signing_info si;
    st_key(op2, 2);
    CHECK_OK(ledger_signing_info_get(db.t, op2, &si));
    CHECK(si.counted == 0 && si.missed == 0 && si.epoch == 1);
    CHECK(rw_unjail(&db, 2) == CHR_ERR_JAILED);
    CHECK(rw_unjail(&db, 1) == CHR_ERR_NOT_JAILED);
    CHECK(rw_unjail(&db, 3) == CHR_ERR_NO_VALIDATOR);
    db.absent = 0;
    CHECK_OK(st_end_block(&db, 600000));
    CHECK_OK(rw_unjail(&db, 2));
    CHECK(st_validator(&db, 2, &found).jailed == 0);
    CHECK_OK(st_end_block(&db, 1000));
    CHECK_OK(st_supply_check(&db, 8 * 100000));
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    st_close(&db);
}

/* Proves an operator jailed for its self-bond falling under its minimum may unjail only
 * once the self-bond is back. */
void test_unjail_needs_self_bond(void)
{
    st_db db;
    st_open(&db, 8, 100000);
    CHECK_OK(st_create(&db, 1, 150, 100));
    CHECK_OK(st_undelegate(&db, 1, 1, 100));
    int found;
    CHECK(st_validator(&db, 1, &found).jailed == 1);
    CHECK(rw_unjail(&db, 1) == CHR_ERR_SELF_BOND);
    CHECK_OK(st_delegate(&db, 1, 1, 100));
    CHECK_OK(rw_unjail(&db, 1));
    CHECK(st_validator(&db, 1, &found).jailed == 0);
    st_close(&db);
}

/* Proves committed evidence slashes slash_double_sign_ppm of the offender's bonded stake,
 * jails and tombstones it: it may neither unjail nor take delegations; evidence of a key
 * with no validator changes nothing; stake that began unbonding or redelegating at or
 * after the offence's height is slashed as much when its entry matures, stake that left
 * before is not. */
void test_slashing_double_sign(void)
{
    st_db db;
    st_open(&db, 8, 100000);
    CHECK_OK(st_create(&db, 1, 1000, 100));
    CHECK_OK(st_create(&db, 6, 1000, 100));
    CHECK_OK(st_delegate(&db, 2, 1, 1000));
    CHECK_OK(st_delegate(&db, 4, 1, 1000));
    CHECK_OK(st_delegate(&db, 5, 1, 1000));
    CHECK_OK(st_end_block(&db, 1000));
    CHECK_OK(st_undelegate(&db, 5, 1, 400)); /* height 2: before the offence */
    CHECK_OK(st_end_block(&db, 1000));
    CHECK_OK(st_undelegate(&db, 2, 1, 400)); /* height 3: the offence's */
    CHECK_OK(st_redelegate(&db, 4, 1, 6, 400));
    CHECK_OK(st_end_block(&db, 1000));
    st_key(db.ev[0].validator, 1000 + 1); /* validator 1's consensus key */
    db.ev[0].height = 3;
    st_key(db.ev[1].validator, 5000); /* no validator's */
    db.ev[1].height = 3;
    db.ev_len = 2;
    uint64_t h = db.height;
    CHECK_OK(st_end_block(&db, 1000));
    int found;
    ledger_staking_validator v = st_validator(&db, 1, &found);
    CHECK(v.tokens == 2800 - 140 && v.jailed == 1 && v.tombstoned == 1);
    /* One record: the key with no validator was slashed nothing, and recorded nothing. */
    ledger_slash_record rec = rw_record(&db, h, 0, &found);
    CHECK(found && rec.reason == LEDGER_SLASH_DOUBLE_SIGN && rec.burned == 140);
    CHECK(rec.tombstoned == 1 && rec.jailed_until_ms == UINT64_MAX);
    CHECK(memcmp(rec.operator_key, v.operator_key, 32) == 0);
    (void)rw_record(&db, h, 1, &found);
    CHECK(!found);
    CHECK(rw_unjail(&db, 1) == CHR_ERR_TOMBSTONED);
    CHECK(st_delegate(&db, 3, 1, 10) == CHR_ERR_TOMBSTONED);
    /* A share is worth less now: user 5's 600 shares hold 570. */
    CHECK(st_undelegate(&db, 5, 1, 571) == CHR_ERR_STAKE);
    uint64_t b2 = st_account(&db, 2).balance;
    uint64_t b5 = st_account(&db, 5).balance;
    for (int i = 0; i < 4; i++) {
        CHECK_OK(st_end_block(&db, 5000)); /* the entries mature */
    }
    CHECK(st_account(&db, 5).balance == b5 + 400);
    CHECK(st_account(&db, 2).balance == b2 + 380);
    uint8_t d4[32], v6[32];
    ledger_staking_delegation d;
    st_key(d4, 4);
    st_key(v6, 6);
    CHECK_OK(ledger_staking_delegation_get(db.t, d4, v6, &d, &found));
    ledger_staking_validator w = st_validator(&db, 6, &found);
    CHECK(d.redelegations_in == 0 && d.shares * w.tokens / w.shares == 380);
    ledger_staking_pool pool;
    CHECK_OK(ledger_staking_pool_get(db.t, &pool));
    CHECK(pool.burned == 140 + 20 + 20 && pool.unbonding == 0);
    CHECK_OK(st_supply_check(&db, 8 * 100000));
    CHECK_OK(ledger_staking_audit(db.t, db.detail, sizeof(db.detail)));
    st_close(&db);
}

/* Proves a signer with no validator object (a genesis key not bonded) is paid its share to
 * its key's account while a bonded signer's share goes to its validator, and what division
 * leaves goes to the treasury. */
void test_rewards_unbonded_signer(void)
{
    st_db db;
    rw_open(&db);
    CHECK_OK(rw_transfer(&db, 3, 4)); /* a fee of 1000 into the collector */
    ledger_valset set;
    ledger_commit commit;
    uint8_t stranger[32];
    st_key(stranger, 7000);
    memset(&commit, 0, sizeof(commit));
    ledger_valset_init(&set);
    st_key(commit.sigs[0].validator, 1000 + 1); /* validator 1's consensus key */
    memcpy(commit.sigs[1].validator, stranger, 32);
    commit.sigs_len = 2;
    CHECK_OK(ledger_valset_add(&set, commit.sigs[0].validator, 1));
    CHECK_OK(ledger_valset_add(&set, stranger, 1));
    CHECK_OK(
        ledger_distribution_end_block(db.o, &db.params, db.proposer, &set, &commit, db.time_ms));
    ledger_account a;
    CHECK_OK(ledger_overlay_get(db.o, stranger, &a));
    /* 1000: treasury 20; 980: bonus 9; 971 / 2 = 485 each, 1 left to the treasury. */
    CHECK(a.balance == 485);
    ledger_rewards_pool pool;
    CHECK_OK(ledger_rewards_pool_get(db.t, &pool));
    CHECK(pool.treasury == 21 && pool.pending == 485);
    /* 485: commission 48, 437 over 2000 shares. */
    CHECK(rw_pending(&db, 1, 1) == 218 && rw_pending(&db, 2, 1) == 218);
    CHECK_OK(st_end_block(&db, 1000)); /* the collector is empty: nothing more */
    CHECK_OK(st_supply_check(&db, 8 * 100000));
    st_close(&db);
}

/* Proves a slash record's decoder takes exactly its 54 bytes with a known reason and a 0/1
 * tombstone flag, and refuses (with its output zeroed) anything else. */
void test_slash_record_decode(void)
{
    uint8_t in[LEDGER_SLASH_RECORD_BYTES + 1];
    ledger_slash_record r;
    memset(in, 0, sizeof(in));
    in[0] = LEDGER_SLASH_DOWNTIME;
    in[1] = 7;
    in[44] = 5; /* burned 5 */
    in[53] = 1; /* tombstoned */
    CHECK_OK(ledger_slash_record_decode(&r, in, LEDGER_SLASH_RECORD_BYTES));
    CHECK(r.reason == LEDGER_SLASH_DOWNTIME && r.operator_key[0] == 7 && r.burned == 5);
    CHECK(r.tombstoned == 1);
    CHECK(ledger_slash_record_decode(&r, in, LEDGER_SLASH_RECORD_BYTES - 1) == CHR_ERR_TRUNCATED);
    CHECK(r.reason == 0 && r.burned == 0);
    CHECK(ledger_slash_record_decode(&r, in, sizeof(in)) == CHR_ERR_TRAILING);
    in[53] = 2;
    CHECK(ledger_slash_record_decode(&r, in, LEDGER_SLASH_RECORD_BYTES) == CHR_ERR_NONCANONICAL);
    in[53] = 0;
    in[0] = 3;
    CHECK(ledger_slash_record_decode(&r, in, LEDGER_SLASH_RECORD_BYTES) == CHR_ERR_NONCANONICAL);
    CHECK(r.operator_key[0] == 0);
}

/* A real key (secret 32 bytes of `fill`) as an account of db with balance; a meeting's payer,
 * its participant and its node's operator need keys that sign credits and receipts. */
static void rw_real_account(st_db *db, ledger_signer *s, uint8_t fill, uint8_t sk[32],
                            uint8_t pk[32], uint64_t balance)
{
    memset(sk, fill, 32);
    CHR_ASSERT(ledger_signer_pubkey(s, pk, sk) == CHR_OK);
    CHR_ASSERT(db->len < ST_ACCOUNTS);
    memcpy(db->addr[db->len], pk, 32);
    db->acct[db->len].balance = balance;
    db->acct[db->len].nonce = 0;
    db->len++;
}

/* Applies tx from the key `from` as st_apply does for test accounts. */
static chr_err rw_apply_from(st_db *db, const uint8_t from[32], ledger_tx *tx)
{
    ledger_account a;
    CHR_ASSERT(ledger_overlay_get(db->o, from, &a) == CHR_OK);
    memcpy(tx->from, from, 32);
    tx->nonce = a.nonce;
    tx->fee = db->params.fee_transfer;
    ledger_apply_env env = {db->height, ledger_fee_collector, db->time_ms, &db->params, NULL};
    return ledger_tx_apply_env(db->o, tx, &env, db->detail, sizeof(db->detail));
}

/* Participant 1's claim of `minutes` in meeting id on node: the payer's credit (30 minutes)
 * and the participant's receipt. */
static void rw_claim(ledger_signer *s, ledger_claim *cl, const uint8_t id[LEDGER_MEETING_ID_LEN],
                     const uint8_t node[32], const uint8_t payer_sk[32], const uint8_t part_sk[32],
                     const uint8_t part[32], uint32_t minutes)
{
    uint8_t buf[CREDIT_BYTES_MAX], msg[32], aux[32] = {0};
    credit c = {.chain_id_len = 11,
                .role = CREDIT_ROLE_PARTICIPANT,
                .participant_id_len = CHR_ADDRESS_STR_LEN,
                .has_key = 1,
                .minutes_max = 30,
                .not_before_ms = 1,
                .expiry_ms = 1ull << 50};
    memcpy(c.chain_id, "chroom-test", 11);
    memcpy(c.meeting_id, id, LEDGER_MEETING_ID_LEN);
    chr_address_encode(c.participant_id, part);
    memcpy(c.participant_key, part, 32);
    memcpy(c.node_key, node, 32);
    credit_sighash(msg, buf, credit_encode(buf, sizeof(buf), &c));
    memset(cl, 0, sizeof(*cl));
    CHR_ASSERT(ledger_signer_sign(s, cl->credit_sig, msg, payer_sk, aux) == CHR_OK);
    size_t n = credit_receipt_encode(buf, sizeof(buf), "chroom-test", 11, id, node, minutes);
    credit_receipt_sighash(msg, buf, n);
    CHR_ASSERT(ledger_signer_sign(s, cl->receipt_sig, msg, part_sk, aux) == CHR_OK);
    cl->index = 1;
    cl->minutes = minutes;
    cl->credit_minutes_max = 30;
    cl->credit_not_before_ms = 1;
    cl->credit_expiry_ms = c.expiry_ms;
    cl->has_receipt = 1;
}

/* Proves the protocol's share of a settlement is paid like a fee: the settle credits it with
 * its fee to the fee collector, the end of block shares the collector's whole balance
 * between the treasury (treasury_ppm) and the signers, and the supply check holds with the
 * media tier's holdings (the node's bond, the escrow still held) beside the accounts. */
void test_rewards_protocol_share(void)
{
    st_db db;
    rw_open(&db);
    ledger_signer *s;
    uint8_t zero[32] = {0}, payer_sk[32], payer[32], part_sk[32], part[32], op_sk[32], op[32];
    uint8_t node_sk[32], node[32];
    CHECK_OK(ledger_signer_new(&s, zero));
    rw_real_account(&db, s, 0x01, payer_sk, payer, 100000);
    rw_real_account(&db, s, 0x03, part_sk, part, 0);
    rw_real_account(&db, s, 0x04, op_sk, op, 2000000000);
    memset(node_sk, 0x02, 32);
    CHECK_OK(ledger_signer_pubkey(s, node, node_sk));
    uint64_t genesis = 8 * 100000 + 100000 + 2000000000;
    ledger_meeting_params mp;
    ledger_meeting_params_default(&mp);
    ledger_tx tx;
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEDIA_REGISTER, "chroom-test", op, 0, 0, 0, NULL, 0));
    memcpy(tx.body.media.node_key, node, 32);
    tx.body.media.endpoint_len = 9;
    memcpy(tx.body.media.endpoint, "https://m", 9);
    tx.body.media.region_len = 2;
    memcpy(tx.body.media.region, "eu", 2);
    tx.body.media.capacity = 10;
    tx.body.media.bond = mp.media_node_min_bond;
    CHECK_OK(rw_apply_from(&db, op, &tx));
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEETING_CREATE, "chroom-test", payer, 0, 0, 0, NULL, 0));
    ledger_meeting_body *mb = &tx.body.meeting;
    mb->title_len = 1;
    mb->title[0] = 'm';
    mb->host_len = 4;
    memcpy(mb->host, "host", 4);
    char addr[CHR_ADDRESS_STR_LEN + 1];
    static uint8_t ids[1 + CHR_ADDRESS_STR_LEN];
    chr_address_encode(addr, part);
    CHECK_OK(ledger_meeting_participant_add(&tx, ids, sizeof(ids), addr, CHR_ADDRESS_STR_LEN));
    mb->duration_min = 30;
    CHECK_OK(rw_apply_from(&db, payer, &tx));
    uint8_t hash[32], id[LEDGER_MEETING_ID_LEN];
    ledger_tx_hash(&tx, hash);
    ledger_meeting_id(id, hash);
    CHECK_OK(st_end_block(&db, 1000));
    ledger_rewards_pool before;
    CHECK_OK(ledger_rewards_pool_get(db.t, &before));
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_MEETING_SETTLE, "chroom-test", op, 0, 0, 0, NULL, 0));
    memcpy(tx.body.settle.id, id, LEDGER_MEETING_ID_LEN);
    ledger_claim claim;
    static uint8_t enc[LEDGER_CLAIM_BYTES_MAX];
    rw_claim(s, &claim, id, node, payer_sk, part_sk, part, 20);
    CHECK_OK(ledger_settle_claim_add(&tx, enc, sizeof(enc), &claim));
    CHECK_OK(rw_apply_from(&db, op, &tx));
    ledger_signer_free(s);
    uint64_t amount = 20 * mp.price_per_participant_minute, share = amount / 20;
    ledger_account fc;
    CHECK_OK(ledger_overlay_get(db.o, ledger_fee_collector, &fc));
    CHECK(fc.balance == 1000 + share);
    CHECK_OK(st_end_block(&db, 1000));
    ledger_rewards_pool after;
    CHECK_OK(ledger_rewards_pool_get(db.t, &after));
    CHECK_OK(ledger_overlay_get(db.o, ledger_fee_collector, &fc));
    CHECK(fc.balance == 0 && after.collected == before.collected + 1000 + share);
    CHECK(after.treasury == before.treasury + (1000 + share) * db.params.treasury_ppm / LEDGER_PPM);
    ledger_settlement st;
    CHECK_OK(ledger_settlement_get(db.t, id, &st));
    CHECK(st.protocol == share && st.paid == amount - share);
    /* The node's bond and the escrow still held are in the meetings' totals, which the
     * supply check counts. */
    uint64_t held = 2 * 30 * mp.price_per_participant_minute - st.paid - st.protocol;
    ledger_meetings_totals tot;
    CHECK_OK(ledger_meetings_totals_get(db.t, &tot));
    CHECK(tot.escrowed == held && tot.media_bonded == mp.media_node_min_bond);
    CHECK_OK(st_supply_check(&db, genesis));
    st_close(&db);
}
