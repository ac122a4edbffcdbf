/* Governance's rules on a small committed state: deposits and their periods, votes and
 * their weights, quorum, threshold, veto, expedited proposals, execution of parameter
 * changes and upgrades, with the deposits refunded or burned as the parameters say. */
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/gov_params.h"
#include "tests/unit/gov/suite.h"
#include "tests/unit/staking/fixture.h"
#include "tests/unit/test.h"

#define GV_BALANCE 1000000000ull

static const uint8_t no_key[1];

static void gv_put_params(st_db *db, const ledger_gov_params *gp)
{
    uint8_t buf[LEDGER_GOV_PARAMS_BYTES];
    ledger_gov_params_encode(buf, gp);
    CHR_ASSERT(ledger_object_put(db->t, LEDGER_STATE_GOV_PARAMS, no_key, 0, buf, sizeof(buf)) ==
               CHR_OK);
}

static void gv_small_params(ledger_gov_params *gp)
{
    ledger_gov_params_default(gp);
    gp->min_deposit = 1000;
    gp->expedited_min_deposit = 5000;
    gp->deposit_period_ms = 100000;
    gp->voting_period_ms = 200000;
    gp->expedited_voting_period_ms = 100000;
}

/* Validators 1, 2, 3 with 1,000 each; account 4 delegates 400 to validator 1 (which then
 * holds 1,400 of the 3,400 bonded); governance parameters small and short. */
static void gv_open(st_db *db, int burn_dropped, int burn_no_quorum)
{
    st_open(db, 8, GV_BALANCE);
    ledger_gov_params gp;
    gv_small_params(&gp);
    gp.burn_dropped = (uint64_t)burn_dropped;
    gp.burn_no_quorum = (uint64_t)burn_no_quorum;
    gv_put_params(db, &gp);
    for (unsigned v = 1; v <= 3; v++) {
        CHR_ASSERT(st_create(db, v, 1000, 100) == CHR_OK);
    }
    CHR_ASSERT(st_delegate(db, 4, 1, 400) == CHR_OK);
    CHR_ASSERT(st_end_block(db, 1000) == CHR_OK);
}

/* The supply holds: liquid + bonded + unbonding + rewards pending and the treasury + escrow
 * + burned deposits = the genesis balances (8 accounts). */
static int gv_supply_ok(st_db *db)
{
    return st_supply_check(db, 8 * GV_BALANCE) == CHR_OK;
}

/* Ends the block as the chain does (governance, then staking) and opens the next; the
 * supply is checked after every block. */
static chr_err gv_end(st_db *db, uint64_t dt_ms)
{
    chr_err err = ledger_gov_end_block(db->o, &db->params, &db->params, db->height, db->time_ms);
    err = err ? err : st_end_block(db, dt_ms);
    if (err == CHR_OK && !gv_supply_ok(db)) {
        printf("# %s\n", db->detail);
        err = CHR_ERR_STATE_ROOT;
    }
    return err;
}

static void gv_init(ledger_tx *tx, ledger_tx_type type)
{
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(tx, type, "chroom-test", zero, 0, 0, 0, NULL, 0) == CHR_OK);
}

static void gv_title(ledger_gov_content *c, ledger_gov_kind kind, const char *title)
{
    memset(c, 0, sizeof(*c));
    c->kind = (uint8_t)kind;
    c->title_len = (uint8_t)strlen(title);
    memcpy(c->title, title, c->title_len);
}

static chr_err gv_submit(st_db *db, unsigned i, const ledger_gov_content *c, uint64_t deposit)
{
    ledger_tx tx;
    gv_init(&tx, LEDGER_TX_GOV_SUBMIT);
    tx.body.gov_submit.content = *c;
    tx.body.gov_submit.deposit = deposit;
    return st_apply(db, i, &tx);
}

static chr_err gv_text(st_db *db, unsigned i, uint64_t deposit, int expedited)
{
    ledger_gov_content c;
    gv_title(&c, LEDGER_GOV_TEXT, "a text proposal");
    c.expedited = (uint8_t)expedited;
    return gv_submit(db, i, &c, deposit);
}

static chr_err gv_change(ledger_gov_content *c, const char *name, uint64_t value)
{
    ledger_gov_change *ch = &c->changes[c->changes_len++];
    ch->name_len = (uint8_t)strlen(name);
    memcpy(ch->name, name, ch->name_len);
    ch->value = value;
    return CHR_OK;
}

static chr_err gv_deposit(st_db *db, unsigned i, uint64_t id, uint64_t amount)
{
    ledger_tx tx;
    gv_init(&tx, LEDGER_TX_GOV_DEPOSIT);
    tx.body.gov_deposit.id = id;
    tx.body.gov_deposit.amount = amount;
    return st_apply(db, i, &tx);
}

static chr_err gv_vote(st_db *db, unsigned i, uint64_t id, uint8_t option)
{
    ledger_tx tx;
    gv_init(&tx, LEDGER_TX_GOV_VOTE);
    tx.body.gov_vote.id = id;
    tx.body.gov_vote.option = option;
    return st_apply(db, i, &tx);
}

static ledger_gov_proposal gv_get(st_db *db, uint64_t id)
{
    ledger_gov_proposal p;
    int found;
    CHR_ASSERT(ledger_gov_proposal_get(db->t, id, &p, &found) == CHR_OK && found);
    return p;
}

/* Proves a proposal below the minimum stays in its deposit period, takes deposits from
 * anyone until the period ends, refuses deposits and votes after that, and is dropped at
 * the end with every deposit refunded (burn_dropped 0). */
void test_deposit_period_ends(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    uint64_t before5 = st_account(&db, 5).balance;
    uint64_t before6 = st_account(&db, 6).balance;
    CHECK_OK(gv_text(&db, 5, 500, 0));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_DEPOSIT_PERIOD);
    CHECK_OK(gv_deposit(&db, 6, 1, 200));
    CHECK(gv_deposit(&db, 6, 2, 200) == CHR_ERR_UNKNOWN_PROPOSAL);
    CHECK(gv_vote(&db, 1, 1, LEDGER_GOV_YES) == CHR_ERR_WRONG_STATE);
    ledger_gov_proposal p = gv_get(&db, 1);
    CHECK(p.total_deposit == 700 && p.depositors == 2);
    CHECK(st_account(&db, 5).balance == before5 - 500 - 1);
    CHECK_OK(gv_end(&db, 100000)); /* the next block is at the deposit end */
    CHECK(gv_deposit(&db, 6, 1, 300) == CHR_ERR_WRONG_STATE);
    CHECK_OK(gv_end(&db, 1000));
    p = gv_get(&db, 1);
    CHECK(p.status == LEDGER_GOV_DROPPED);
    CHECK(st_account(&db, 5).balance == before5 - 1);
    CHECK(st_account(&db, 6).balance == before6 - 1);
    st_close(&db);
}

/* Proves a dropped proposal's deposits are burned when burn_dropped is 1. */
void test_dropped_burned(void)
{
    st_db db;
    gv_open(&db, 1, 0);
    uint64_t before5 = st_account(&db, 5).balance;
    CHECK_OK(gv_text(&db, 5, 500, 0));
    CHECK_OK(gv_end(&db, 100000));
    CHECK_OK(gv_end(&db, 1000));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_DROPPED);
    CHECK(st_account(&db, 5).balance == before5 - 500 - 1);
    st_close(&db);
}

/* Proves the vote rules: reaching the minimum opens the vote, a vote can be changed (one
 * vote per voter, the last counts), only stakers vote, options are 1..4, and no vote is
 * taken once the voting period has ended. */
void test_vote_rules(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    CHECK_OK(gv_text(&db, 5, 600, 0));
    CHECK_OK(gv_deposit(&db, 6, 1, 400)); /* reaches 1,000: the vote opens */
    ledger_gov_proposal p = gv_get(&db, 1);
    CHECK(p.status == LEDGER_GOV_VOTING_PERIOD);
    CHECK(p.voting_end_ms == db.time_ms + 200000);
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_NO));
    uint8_t option;
    uint8_t k1[32];
    st_key(k1, 1);
    CHECK_OK(ledger_gov_vote_get(db.t, 1, k1, &option));
    CHECK(option == LEDGER_GOV_NO && gv_get(&db, 1).votes == 1);
    CHECK(gv_vote(&db, 5, 1, LEDGER_GOV_YES) == CHR_ERR_NO_STAKE);
    CHECK(gv_vote(&db, 4, 1, 5) == CHR_ERR_PROPOSAL);
    CHECK(gv_vote(&db, 4, 9, LEDGER_GOV_YES) == CHR_ERR_UNKNOWN_PROPOSAL);
    CHECK_OK(gv_end(&db, 200000)); /* the next block is at the voting end */
    CHECK(gv_vote(&db, 2, 1, LEDGER_GOV_YES) == CHR_ERR_WRONG_STATE);
    st_close(&db);
}

/* Proves a delegator's own vote overrides its validator's for its share: validator 1
 * (1,400 with 400 of account 4) votes yes, account 4 votes no: yes 1,000, no 400. */
void test_delegator_override(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    CHECK_OK(gv_text(&db, 5, 1000, 0));
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_YES));
    uint64_t tally[LEDGER_GOV_OPTIONS];
    uint64_t bonded;
    CHECK_OK(ledger_gov_tally(db.t, &db.params, 1, tally, &bonded));
    CHECK(bonded == 3400 && tally[0] == 1400 && tally[2] == 0);
    CHECK_OK(gv_vote(&db, 4, 1, LEDGER_GOV_NO));
    CHECK_OK(ledger_gov_tally(db.t, &db.params, 1, tally, &bonded));
    CHECK(tally[0] == 1000 && tally[2] == 400 && tally[1] == 0 && tally[3] == 0);
    /* A delegator alone counts for its share even when its validator does not vote. */
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_ABSTAIN));
    CHECK_OK(gv_vote(&db, 2, 1, LEDGER_GOV_YES));
    CHECK_OK(ledger_gov_tally(db.t, &db.params, 1, tally, &bonded));
    CHECK(tally[0] == 1000 && tally[1] == 1000 && tally[2] == 400);
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    ledger_gov_proposal p = gv_get(&db, 1);
    CHECK(p.status == LEDGER_GOV_PASSED); /* 1,000 yes of 1,400 yes + no */
    CHECK(p.tally[0] == 1000 && p.tally[1] == 1000 && p.tally[2] == 400);
    st_close(&db);
}

/* Proves a vote under the quorum is rejected whatever its yes share, with the deposits
 * refunded (burn_no_quorum 0) or burned (1). */
void test_quorum_missed(void)
{
    for (int burn = 0; burn <= 1; burn++) {
        st_db db;
        gv_open(&db, 0, burn);
        uint64_t before5 = st_account(&db, 5).balance;
        CHECK_OK(gv_text(&db, 5, 1000, 0));
        CHECK_OK(gv_vote(&db, 3, 1, LEDGER_GOV_YES)); /* 1,000 of 3,400: under 33.4% */
        CHECK_OK(gv_end(&db, 200000));
        CHECK_OK(gv_end(&db, 1000));
        CHECK(gv_get(&db, 1).status == LEDGER_GOV_REJECTED);
        CHECK(st_account(&db, 5).balance == before5 - 1 - (burn ? 1000 : 0));
        st_close(&db);
    }
}

/* Proves a veto above veto_ppm of the votes vetoes a proposal that has a yes majority of
 * yes + no + veto... and burns its deposits. */
void test_veto_burns(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    uint64_t before5 = st_account(&db, 5).balance;
    CHECK_OK(gv_text(&db, 5, 1000, 0));
    CHECK_OK(gv_vote(&db, 2, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 3, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_VETO)); /* 1,400 of 3,400: over 33.4% */
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_VETOED);
    CHECK(st_account(&db, 5).balance == before5 - 1000 - 1);
    st_close(&db);
}

/* Proves an expedited proposal opens at the expedited minimum with the shorter period, and
 * when it misses the higher threshold becomes a normal one that ends at the normal period
 * with its votes standing, and passes there. */
void test_expedited_fallback(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    CHECK_OK(gv_text(&db, 5, 4999, 1));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_DEPOSIT_PERIOD); /* under 5,000 */
    CHECK_OK(gv_deposit(&db, 5, 1, 1));
    ledger_gov_proposal p = gv_get(&db, 1);
    uint64_t start = p.voting_start_ms;
    CHECK(p.status == LEDGER_GOV_VOTING_PERIOD && p.voting_end_ms == start + 100000);
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_YES)); /* 1,400 yes of 2,400: 58% */
    CHECK_OK(gv_vote(&db, 2, 1, LEDGER_GOV_NO));
    CHECK_OK(gv_end(&db, 100000));
    CHECK_OK(gv_end(&db, 1000));
    p = gv_get(&db, 1);
    CHECK(p.status == LEDGER_GOV_VOTING_PERIOD && p.expedited == 0);
    CHECK(p.voting_end_ms == start + 200000);
    CHECK_OK(gv_end(&db, 100000)); /* the next block is past the normal end */
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_VOTING_PERIOD);
    CHECK_OK(gv_end(&db, 1000));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_PASSED); /* 58% over the normal 50% */
    st_close(&db);
}

/* Proves a passed parameter change is written as the state's parameters (what the chain
 * reads for the next block), and that a change which no longer fits when it executes
 * fails whole: recorded on the proposal, none of its fields applied. */
void test_param_change_executes(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    ledger_gov_content c;
    gv_title(&c, LEDGER_GOV_PARAMS, "cheaper transfers, shorter votes");
    CHECK_OK(gv_change(&c, "fee_transfer", 5));
    CHECK_OK(gv_change(&c, "voting_period_ms", 150000));
    CHECK_OK(gv_submit(&db, 5, &c, 1000));
    gv_title(&c, LEDGER_GOV_PARAMS, "long expedited votes");
    CHECK_OK(gv_change(&c, "expedited_voting_period_ms", 180000));
    CHECK_OK(gv_change(&c, "quorum_ppm", 400000));
    CHECK_OK(gv_submit(&db, 6, &c, 1000)); /* fits now: voting_period_ms is 200,000 */
    for (uint64_t id = 1; id <= 2; id++) {
        CHECK_OK(gv_vote(&db, 1, id, LEDGER_GOV_YES));
        CHECK_OK(gv_vote(&db, 2, id, LEDGER_GOV_YES));
    }
    ledger_params now;
    CHECK_OK(ledger_chain_params_get(db.t, &db.params, &now));
    CHECK(now.fee_transfer == 1);
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_PASSED);
    ledger_gov_proposal p = gv_get(&db, 2);
    CHECK(p.status == LEDGER_GOV_FAILED && p.exec_err == CHR_ERR_PARAM_RANGE);
    CHECK_OK(ledger_chain_params_get(db.t, &db.params, &now));
    CHECK(now.fee_transfer == 5);
    ledger_gov_params gp;
    CHECK_OK(ledger_gov_params_get(db.t, &gp));
    CHECK(gp.voting_period_ms == 150000 && gp.expedited_voting_period_ms == 100000);
    CHECK(gp.quorum_ppm == 334000); /* the failed proposal's other field is not applied */
    st_close(&db);
}

/* Proves a change outside a legal range, to an unknown parameter, or too wide for its
 * field is refused at submission (nothing charged). */
void test_param_out_of_range(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    uint64_t before5 = st_account(&db, 5).balance;
    static const struct {
        const char *name;
        uint64_t value;
    } bad[] = {
        {"fee_transfer", 0},         {"unbonding_time_ms", 1}, {"validators_max", 0},
        {"block_txs_max", 1u << 31}, {"quorum_ppm", 0},        {"veto_ppm", 1000001},
        {"grace_ms", UINT64_MAX},    {"no_such_param", 1},     {"validators_max", 1ull << 32},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ledger_gov_content c;
        gv_title(&c, LEDGER_GOV_PARAMS, "bad");
        CHECK_OK(gv_change(&c, bad[i].name, bad[i].value));
        CHECK(gv_submit(&db, 5, &c, 1000) == CHR_ERR_PARAM_RANGE);
    }
    CHECK(st_account(&db, 5).balance == before5);
    st_close(&db);
}

/* Proves a passed treasury spend pays its recipient from the treasury at the end of the
 * vote, exactly, with the supply unchanged, and that a spend above what the treasury holds
 * then fails with insufficient_funds (CHR_ERR_BALANCE) recorded on the proposal and nothing
 * moved. */
void test_treasury_spend(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    /* A treasury of 5,000 units, taken out of account 7's balance so the supply holds. */
    ledger_rewards_pool pool;
    CHECK_OK(ledger_rewards_pool_get(db.t, &pool));
    pool.treasury += 5000;
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len = ledger_rewards_pool_encode(value, &pool);
    CHECK_OK(
        ledger_object_put(db.t, LEDGER_STATE_GLOBAL, (const uint8_t *)"rewards", 7, value, len));
    ledger_account a7 = st_account(&db, 7);
    a7.balance -= 5000;
    uint8_t k7[32], k6[32];
    st_key(k7, 7);
    st_key(k6, 6);
    CHECK_OK(ledger_overlay_put(db.o, k7, &a7));
    CHECK(gv_supply_ok(&db));
    ledger_gov_content c;
    gv_title(&c, LEDGER_GOV_SPEND, "pay the auditors");
    memcpy(c.recipient, k6, 32);
    c.amount = 3000;
    CHECK_OK(gv_submit(&db, 5, &c, 1000));
    gv_title(&c, LEDGER_GOV_SPEND, "pay too much");
    memcpy(c.recipient, k6, 32);
    c.amount = 3000; /* after the first, 2,000 are left */
    CHECK_OK(gv_submit(&db, 5, &c, 1000));
    for (uint64_t id = 1; id <= 2; id++) {
        CHECK_OK(gv_vote(&db, 1, id, LEDGER_GOV_YES));
        CHECK_OK(gv_vote(&db, 2, id, LEDGER_GOV_YES));
    }
    uint64_t before6 = st_account(&db, 6).balance;
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_PASSED);
    ledger_gov_proposal p = gv_get(&db, 2);
    CHECK(p.status == LEDGER_GOV_FAILED && p.exec_err == CHR_ERR_BALANCE);
    CHECK(st_account(&db, 6).balance == before6 + 3000);
    CHECK_OK(ledger_rewards_pool_get(db.t, &pool));
    CHECK(pool.treasury == 2000);
    CHECK(gv_supply_ok(&db));
    st_close(&db);
}

/* Proves a passed upgrade proposal schedules its plan, that the block at its height stops
 * a build that does not know the name (the message names it) and passes others, and that
 * a cancel-upgrade removes the plan; an upgrade at a past height is refused. */
void test_upgrade_plan(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    ledger_gov_content c;
    gv_title(&c, LEDGER_GOV_UPGRADE, "v2");
    c.upgrade_name_len = 2;
    memcpy(c.upgrade_name, "v2", 2);
    c.upgrade_height = db.height;
    CHECK(gv_submit(&db, 5, &c, 1000) == CHR_ERR_PROPOSAL);
    c.upgrade_height = db.height + 10;
    CHECK_OK(gv_submit(&db, 5, &c, 1000));
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 2, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    CHECK(gv_get(&db, 1).status == LEDGER_GOV_PASSED);
    char name[LEDGER_GOV_UPGRADE_NAME_MAX + 1];
    uint64_t at;
    int found;
    CHECK_OK(ledger_gov_upgrade_plan(db.t, name, &at, &found));
    CHECK(found && strcmp(name, "v2") == 0 && at == c.upgrade_height);
    char why[256] = "";
    CHECK_OK(ledger_gov_begin_block(db.t, at - 1, why, sizeof(why)));
    CHECK(ledger_gov_begin_block(db.t, at, why, sizeof(why)) == CHR_ERR_UPGRADE);
    CHECK(strstr(why, "\"v2\"") != NULL);
    CHECK(!ledger_gov_upgrade_known("v2", 2));
    gv_title(&c, LEDGER_GOV_CANCEL_UPGRADE, "not yet");
    CHECK_OK(gv_submit(&db, 5, &c, 1000));
    CHECK_OK(gv_vote(&db, 1, 2, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 2, 2, LEDGER_GOV_YES));
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    CHECK_OK(ledger_gov_upgrade_plan(db.t, name, &at, &found));
    CHECK(!found);
    st_close(&db);
}

/* Proves the parameters as state: the chain's default to the genesis ones while absent,
 * every group's ranges hold (the expedited path never easier), and the governance
 * parameters' encoding round-trips and refuses bad values. */
void test_params_state(void)
{
    st_db db;
    st_open(&db, 2, 1000);
    ledger_params p;
    CHECK_OK(ledger_chain_params_get(db.t, &db.params, &p));
    CHECK(memcmp(&p, &db.params, sizeof(p)) == 0);
    ledger_gov_param_set s;
    const char *field;
    CHECK_OK(ledger_gov_param_set_get(db.t, &db.params, &s));
    CHECK_OK(ledger_gov_param_set_check(&s, &field));
    CHECK_OK(ledger_gov_param_assign(&s, "expedited_threshold_ppm", 23, 400000));
    CHECK(ledger_gov_param_set_check(&s, &field) == CHR_ERR_PARAM_RANGE);
    CHECK(strcmp(field, "expedited_threshold_ppm") == 0);
    ledger_gov_params gp;
    ledger_gov_params_default(&gp);
    uint8_t buf[LEDGER_GOV_PARAMS_BYTES];
    ledger_gov_params_encode(buf, &gp);
    ledger_gov_params back;
    CHECK_OK(ledger_gov_params_decode(&back, buf, sizeof(buf)));
    CHECK(memcmp(&back, &gp, sizeof(gp)) == 0);
    CHECK(ledger_gov_params_decode(&back, buf, sizeof(buf) - 1) == CHR_ERR_TRUNCATED);
    buf[sizeof(buf) - 1] = 2; /* burn_no_quorum 2 */
    CHECK(ledger_gov_params_decode(&back, buf, sizeof(buf)) == CHR_ERR_PARAM_RANGE);
    st_close(&db);
}

/* The tally the slow way: every delegation of every active validator, counted for its
 * delegator's vote, else for its validator's. O(delegations). */
/* Proves, on seeded random stakes and votes (changed votes included), that the tally of
 * O(votes + validators) equals the slow one over every delegation. */
void test_tally_slow_way(void)
{
    uint64_t seed = chr_test_seed();
    for (int round = 0; round < 20; round++) {
        st_db db;
        gv_open(&db, 0, 0); /* validators 1..3, account 4 delegating to 1 */
        CHECK_OK(gv_text(&db, 5, 1000, 0));
        for (unsigned i = 4; i <= 8; i++) {
            for (int k = 0; k < 3; k++) {
                unsigned v = 1 + (unsigned)(chr_test_rand(&seed) % 3);
                CHECK_OK(st_delegate(&db, i, v, 1 + chr_test_rand(&seed) % 5000));
            }
        }
        for (int k = 0; k < 12; k++) {
            unsigned voter = 1 + (unsigned)(chr_test_rand(&seed) % 8);
            uint8_t option = (uint8_t)(1 + chr_test_rand(&seed) % 4);
            CHECK_OK(gv_vote(&db, voter, 1, option));
        }
        uint64_t fast[LEDGER_GOV_OPTIONS], slow[LEDGER_GOV_OPTIONS], bonded;
        CHECK_OK(ledger_gov_tally(db.t, &db.params, 1, fast, &bonded));
        st_gov_slow_tally(&db, db.params.validators_max, 1, slow, NULL);
        CHECK(memcmp(fast, slow, sizeof(fast)) == 0);
        st_close(&db);
    }
}

/* Proves the table of known upgrades: a build with CHROOM_TEST_UPGRADE (docs/PROTOCOL.md,
 * "Software upgrades") knows "test-upgrade", runs its migration at the plan's height and
 * clears the plan, so its chain goes on; any other build stops there. */
void test_upgrade_known(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    ledger_gov_content c;
    gv_title(&c, LEDGER_GOV_UPGRADE, "test upgrade");
    c.upgrade_name_len = 12;
    memcpy(c.upgrade_name, "test-upgrade", 12);
    c.upgrade_height = db.height + 10;
    CHECK_OK(gv_submit(&db, 5, &c, 1000));
    CHECK_OK(gv_vote(&db, 1, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 2, 1, LEDGER_GOV_YES));
    CHECK_OK(gv_end(&db, 200000));
    CHECK_OK(gv_end(&db, 1000));
    char name[LEDGER_GOV_UPGRADE_NAME_MAX + 1];
    char why[256] = "";
    uint64_t at;
    int found;
    CHECK_OK(ledger_gov_upgrade_plan(db.t, name, &at, &found));
    CHECK(found && at == c.upgrade_height);
#ifdef CHROOM_TEST_UPGRADE
    CHECK(ledger_gov_upgrade_known("test-upgrade", 12));
    CHECK_OK(ledger_gov_begin_block(db.t, at, why, sizeof(why)));
    CHECK_OK(ledger_gov_upgrade_plan(db.t, name, &at, &found));
    CHECK(!found);
#else
    CHECK(!ledger_gov_upgrade_known("test-upgrade", 12));
    CHECK(ledger_gov_begin_block(db.t, at, why, sizeof(why)) == CHR_ERR_UPGRADE);
    CHECK(strstr(why, "\"test-upgrade\"") != NULL);
#endif
    st_close(&db);
}

/* The status the gov_event of (height, id) records; 0 when there is none. */
static uint8_t gv_event(st_db *db, uint64_t height, uint64_t id, uint16_t *exec_err)
{
    uint8_t key[16];
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    chr_put_u64be(key, height);
    chr_put_u64be(key + 8, id);
    CHR_ASSERT(ledger_object_get(db->t, LEDGER_STATE_GOV_EVENT, key, 16, v, &len, &found) ==
               CHR_OK);
    if (!found) {
        return 0;
    }
    ledger_gov_event ev;
    CHR_ASSERT(ledger_gov_event_decode(&ev, key, 16, v, len) == CHR_OK);
    CHR_ASSERT(ev.height == height && ev.id == id);
    *exec_err = ev.exec_err;
    return ev.status;
}

/* Proves every status change leaves its event at the block that made it: a submission
 * below the minimum (deposit_period), the deposit that opens the vote (voting_period), a
 * submission that opens it at once (one event, voting_period), the end (passed, with no
 * error; rejected; failed with the execution's error; dropped); a vote leaves none; and a
 * bad record does not decode. */
void test_gov_events(void)
{
    st_db db;
    gv_open(&db, 0, 0);
    uint16_t e = 0;
    uint64_t h1 = db.height;
    CHECK_OK(gv_text(&db, 5, 500, 0));  /* 1: deposit period */
    CHECK_OK(gv_text(&db, 5, 1000, 0)); /* 2: voting at once */
    ledger_gov_content c;
    gv_title(&c, LEDGER_GOV_SPEND, "pay 6 more than the treasury holds");
    st_key(c.recipient, 6);
    c.amount = 1000000000000ull;
    CHECK_OK(gv_submit(&db, 5, &c, 1000)); /* 3: a spend that will fail */
    CHECK_OK(gv_text(&db, 6, 10, 0));      /* 4: will be dropped */
    CHECK(gv_event(&db, h1, 1, &e) == LEDGER_GOV_DEPOSIT_PERIOD && e == 0);
    CHECK(gv_event(&db, h1, 2, &e) == LEDGER_GOV_VOTING_PERIOD);
    CHECK_OK(gv_end(&db, 1000));
    uint64_t h2 = db.height;
    CHECK_OK(gv_deposit(&db, 6, 1, 500));
    CHECK(gv_event(&db, h2, 1, &e) == LEDGER_GOV_VOTING_PERIOD);
    CHECK_OK(gv_vote(&db, 1, 2, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 2, 2, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 1, 3, LEDGER_GOV_YES));
    CHECK_OK(gv_vote(&db, 2, 3, LEDGER_GOV_YES));
    CHECK(gv_event(&db, h2, 2, &e) == 0);
    CHECK_OK(gv_end(&db, 100000));
    CHECK_OK(gv_end(&db, 1000)); /* the deposit end of 4 */
    CHECK(gv_event(&db, db.height - 1, 4, &e) == LEDGER_GOV_DROPPED);
    /* Blocks a second apart: 2 and 3 end a block before 1 (opened a block later). */
    for (int i = 0; i < 300 && gv_get(&db, 1).status == LEDGER_GOV_VOTING_PERIOD; i++) {
        CHECK_OK(gv_end(&db, 1000));
    }
    /* Each end is recorded at the height of the block that ended it. */
    uint64_t end2 = 0;
    uint64_t end3 = 0;
    uint64_t end1 = 0;
    for (uint64_t h = h1; h < db.height; h++) {
        end2 = gv_event(&db, h, 2, &e) == LEDGER_GOV_PASSED && e == 0 ? h : end2;
        end3 = gv_event(&db, h, 3, &e) == LEDGER_GOV_FAILED && e == CHR_ERR_BALANCE ? h : end3;
        end1 = gv_event(&db, h, 1, &e) == LEDGER_GOV_REJECTED ? h : end1;
    }
    CHECK(end2 > h2 && end3 == end2 && end1 > end2);
    uint8_t bad[3] = {9, 0, 0};
    ledger_gov_event ev;
    uint8_t key[16] = {0};
    CHECK(ledger_gov_event_decode(&ev, key, 16, bad, 3) == CHR_ERR_STORE);
    CHECK(ledger_gov_event_decode(&ev, key, 15, bad, 3) == CHR_ERR_STORE);
    st_close(&db);
}
