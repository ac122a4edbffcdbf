/* The seeded economy simulator: random creates, delegations, undelegations, redelegations,
 * withdrawals, unjails, edits, transfers and governance (proposals of text, parameter
 * changes and treasury spends, deposits and votes) over many blocks on the in-memory state,
 * with
 * random signers (downtime), evidence (double signing), proposers, fees and inflation,
 * checking after every block the supply (with
 * pending rewards and the treasury), the pools against the objects, the set against the
 * top N computed the slow way, maturity at exactly the completion time, no hopping, rewards
 * paid within fees plus inflation, and every reward paid against the delegator's share
 * computed the slow way (each block's reward to a validator split by shares); and for
 * governance that the treasury moves only by the spends that passed in the block, that
 * every parameter stays inside its range, and that each tally equals the one computed the
 * slow way over every delegation (the supply check counts the deposits); and for meetings
 * (media nodes registered and deregistered, meetings created and ended or cancelled, closed
 * at their due time by the end of block) that the supply check counts their escrows and
 * bonds and that the running totals equal the records' sums (ledger_meetings_audit).
 * CHROOM_ECON_SEEDS and CHROOM_ECON_BLOCKS make a long run (make econ-sim). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/gov_params.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "ledger/staking.h"
#include "tests/unit/staking/fixture.h"
#include "tests/unit/staking/suite.h"
#include "tests/unit/test.h"

#define EC_USERS 12
#define EC_BALANCE 1000000ull
#define EC_REDELEGATIONS_MAX 4096
/* Media nodes and meetings a seed remembers (to deregister and end them). */
#define EC_NODES_MAX 64
#define EC_MEETINGS_MAX 512

__extension__ typedef unsigned __int128 ec_u128;

/* A redelegation the model remembers: into (delegator, dst) until done_ms. */
typedef struct ec_redelegation {
    unsigned delegator;
    unsigned dst;
    uint64_t done_ms;
} ec_redelegation;

typedef struct ec {
    st_db db;
    uint64_t rng;
    ec_redelegation red[EC_REDELEGATIONS_MAX];
    size_t red_len;
    uint64_t ended_ms; /* the time of the last block ended: entries due then have matured */
    /* The slow way's rewards: owed[delegator][validator] times LEDGER_REWARD_RATIO_SCALE,
     * since the pair last settled. */
    ec_u128 owed[EC_USERS + 1][EC_USERS + 1];
    uint64_t fees;                      /* every fee paid, by the model's count */
    uint64_t settled;                   /* rewards seen paid to delegators and operators */
    uint64_t ratios;                    /* stored ratios seen by the checks */
    uint64_t outstanding[EC_USERS + 1]; /* each validator's, before the block's rewards */
    /* Each delegation's shares and reward period before the end of block (+1; 0: none). */
    uint64_t pair_shares[EC_USERS + 1][EC_USERS + 1];
    uint64_t pair_period[EC_USERS + 1][EC_USERS + 1];
    ledger_params genesis; /* the chain parameters before any proposal */
    uint64_t treasury;     /* after the last block's end */
    uint64_t gov_ended;    /* proposals whose vote ended, tallied */
    uint64_t gov_spent;    /* treasury spends that passed */
    uint64_t gov_changes;  /* parameter changes that passed */
    int chain_in_range;    /* the seed's chain parameters are within governance's ranges */
    unsigned nodes_len;    /* media nodes registered: keys 4000 + i */
    uint8_t meetings[EC_MEETINGS_MAX][LEDGER_MEETING_ID_LEN];
    size_t meetings_len;
    uint64_t meeting_moves; /* meeting-ends and deregistrations applied */
    char why[256];
} ec;

static uint64_t ec_rand(ec *e, uint64_t n)
{
    return chr_test_rand(&e->rng) % n;
}

/* Whether the model holds a redelegation into (delegator, v) that had not matured by the
 * end of the last block, at time_ms (maturing happens at a block's end). */
static int ec_hop_blocked(const ec *e, unsigned delegator, unsigned v, uint64_t time_ms)
{
    for (size_t i = 0; i < e->red_len; i++) {
        if (e->red[i].delegator == delegator && e->red[i].dst == v && e->red[i].done_ms > time_ms) {
            return 1;
        }
    }
    return 0;
}

static int ec_rule_error(chr_err err)
{
    return err == CHR_ERR_BALANCE || err == CHR_ERR_STAKE || err == CHR_ERR_NO_VALIDATOR ||
           err == CHR_ERR_ENTRIES || err == CHR_ERR_HOPPING || err == CHR_ERR_DUPLICATE ||
           err == CHR_ERR_SELF_BOND || err == CHR_ERR_COMMISSION || err == CHR_ERR_SAME_VALIDATOR ||
           err == CHR_ERR_TOMBSTONED || err == CHR_ERR_NOT_JAILED || err == CHR_ERR_JAILED ||
           err == CHR_ERR_PARAM_RANGE || err == CHR_ERR_UNKNOWN_PROPOSAL ||
           err == CHR_ERR_WRONG_STATE || err == CHR_ERR_NO_STAKE || err == CHR_ERR_PROPOSAL ||
           err == CHR_ERR_NO_TREASURY || err == CHR_ERR_BOND || err == CHR_ERR_NO_MEDIA_NODE ||
           err == CHR_ERR_NOT_OWNER || err == CHR_ERR_UNKNOWN_OBJECT;
}

/* The meetings' parameters for a seed: bonds and prices the users' balances can pay, short
 * unbonding, grace and settlement windows (a meeting closes within the run). */
static void ec_meeting_params(ec *e)
{
    ledger_meeting_params mp;
    ledger_meeting_params_default(&mp);
    mp.price_per_participant_minute = ec_rand(e, 50);
    mp.media_node_min_bond = 1 + ec_rand(e, 20000);
    mp.unbonding_ms = ec_rand(e, 120000);
    mp.grace_ms = ec_rand(e, 60000);
    ledger_settle_params sp = {.settle_window_ms = ec_rand(e, 60000),
                               .dispute_window_ms = ec_rand(e, 60000),
                               .protocol_share_permille = ec_rand(e, 1001)};
    const char *field;
    CHR_ASSERT(ledger_meeting_params_check(&mp, &field) == CHR_OK);
    uint8_t buf[LEDGER_MEETING_PARAMS_BYTES], sbuf[LEDGER_SETTLE_PARAMS_BYTES];
    ledger_meeting_params_encode(buf, &mp);
    ledger_settle_params_encode(sbuf, &sp);
    CHR_ASSERT(ledger_object_put(e->db.t, LEDGER_STATE_MEETING_PARAMS, (const uint8_t *)"", 0, buf,
                                 sizeof(buf)) == CHR_OK);
    CHR_ASSERT(ledger_object_put(e->db.t, LEDGER_STATE_SETTLE_PARAMS, (const uint8_t *)"", 0, sbuf,
                                 sizeof(sbuf)) == CHR_OK);
}

/* A media-node transaction of who for node i: a registration of bond, or a
 * deregistration. */
static chr_err ec_media(ec *e, unsigned who, unsigned i, uint64_t bond, int deregister)
{
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(&tx,
                              deregister ? LEDGER_TX_MEDIA_DEREGISTER : LEDGER_TX_MEDIA_REGISTER,
                              "chroom-test", zero, 0, 0, 0, NULL, 0) == CHR_OK);
    ledger_media_body *b = &tx.body.media;
    st_key(b->node_key, 4000 + i);
    if (!deregister) {
        b->endpoint_len = 9;
        memcpy(b->endpoint, "https://m", 9);
        b->region_len = 2;
        memcpy(b->region, "eu", 2);
        /* Sometimes room for the largest meeting (128 people). */
        b->capacity = ec_rand(e, 4) == 0 ? 200 : 1 + (uint32_t)ec_rand(e, 12);
        b->bond = bond;
    }
    return st_apply(&e->db, who, &tx);
}

/* A meeting-create of who (remembered when it succeeds), or a meeting-end of a remembered
 * meeting by who (only its payer may: others are refused). */
static chr_err ec_meeting(ec *e, unsigned who, int end)
{
    ledger_tx tx;
    uint8_t zero[32] = {0}, hash[32];
    CHR_ASSERT(ledger_tx_init(&tx, end ? LEDGER_TX_MEETING_END : LEDGER_TX_MEETING_CREATE,
                              "chroom-test", zero, 0, 0, 0, NULL, 0) == CHR_OK);
    if (end) {
        if (e->meetings_len == 0) {
            return CHR_OK;
        }
        memcpy(tx.body.meeting_end.id, e->meetings[ec_rand(e, e->meetings_len)],
               LEDGER_MEETING_ID_LEN);
        return st_apply(&e->db, who, &tx);
    }
    ledger_meeting_body *b = &tx.body.meeting;
    b->title_len = 1;
    b->title[0] = 'm';
    b->host_len = 1;
    b->host[0] = 'h';
    /* Mostly small meetings, sometimes a large one (up to 128 people: its list in chunks). */
    static uint8_t ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX];
    size_t n = ec_rand(e, 8) == 0 ? 100 + ec_rand(e, LEDGER_MEETING_PARTICIPANTS_MAX - 99)
                                  : 1 + ec_rand(e, 3);
    for (size_t i = 0; i < n; i++) {
        char id[8];
        int len = snprintf(id, sizeof(id), "p%zu", i);
        CHR_ASSERT(ledger_meeting_participant_add(&tx, ids, sizeof(ids), id, (size_t)len) ==
                   CHR_OK);
    }
    b->duration_min = 1 + (uint32_t)ec_rand(e, 5);
    b->start_ms = ec_rand(e, 2) ? 0 : e->db.time_ms + ec_rand(e, 20000);
    chr_err err = st_apply(&e->db, who, &tx);
    if (err == CHR_OK && e->meetings_len < EC_MEETINGS_MAX) {
        ledger_tx_hash(&tx, hash);
        ledger_meeting_id(e->meetings[e->meetings_len++], hash);
    }
    return err;
}

/* Governance's parameters for a seed: short periods (a vote lasts 40 to 80 blocks of the
 * simulator's pace), small deposits, random quorum, threshold, veto and burn rules. */
static void ec_gov_params(ec *e)
{
    ledger_gov_params gp;
    ledger_gov_params_default(&gp);
    gp.min_deposit = 100 + ec_rand(e, 3000);
    gp.expedited_min_deposit = gp.min_deposit * 2;
    gp.deposit_period_ms = 60000;
    gp.voting_period_ms = 61000 + ec_rand(e, 60000);
    gp.expedited_voting_period_ms = 60000;
    gp.quorum_ppm = 1 + ec_rand(e, LEDGER_PPM / 2);
    gp.threshold_ppm = 1 + ec_rand(e, LEDGER_PPM - 1);
    gp.expedited_threshold_ppm = gp.threshold_ppm + ec_rand(e, LEDGER_PPM - gp.threshold_ppm);
    gp.veto_ppm = 1 + ec_rand(e, LEDGER_PPM);
    gp.burn_dropped = ec_rand(e, 2);
    gp.burn_no_quorum = ec_rand(e, 2);
    const char *field;
    CHR_ASSERT(ledger_gov_params_check(&gp, &field) == CHR_OK);
    uint8_t buf[LEDGER_GOV_PARAMS_BYTES];
    ledger_gov_params_encode(buf, &gp);
    CHR_ASSERT(ledger_object_put(e->db.t, LEDGER_STATE_GOV_PARAMS, (const uint8_t *)"", 0, buf,
                                 sizeof(buf)) == CHR_OK);
}

/* A random proposal of who with a first deposit: text, a change of one parameter (values
 * outside the ranges included) or a spend of up to twice the treasury. */
static chr_err ec_propose(ec *e, unsigned who, uint64_t deposit)
{
    static const char *const names[] = {"fee_transfer",     "quorum_ppm",   "threshold_ppm",
                                        "voting_period_ms", "treasury_ppm", "burn_dropped"};
    static const uint64_t tops[] = {600, LEDGER_PPM + 2, LEDGER_PPM + 2, 130000, LEDGER_PPM, 3};
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_GOV_SUBMIT, "chroom-test", zero, 0, 0, 0, NULL, 0) ==
               CHR_OK);
    ledger_gov_content *c = &tx.body.gov_submit.content;
    c->kind = (uint8_t)(LEDGER_GOV_TEXT + ec_rand(e, 3));
    c->expedited = ec_rand(e, 5) == 0;
    c->title_len = 1;
    c->title[0] = 'p';
    if (c->kind == LEDGER_GOV_PARAMS) {
        size_t i = ec_rand(e, sizeof(names) / sizeof(names[0]));
        c->changes_len = 1;
        c->changes[0].name_len = (uint8_t)strlen(names[i]);
        memcpy(c->changes[0].name, names[i], c->changes[0].name_len);
        c->changes[0].value = ec_rand(e, tops[i]);
    } else if (c->kind == LEDGER_GOV_SPEND) {
        st_key(c->recipient, 1 + (unsigned)ec_rand(e, EC_USERS));
        c->amount = 1 + ec_rand(e, 2 * e->treasury + 10);
    }
    tx.body.gov_submit.deposit = deposit;
    return st_apply(&e->db, who, &tx);
}

/* A deposit or a vote of who on a proposal that may not exist. */
static chr_err ec_gov_tx(ec *e, unsigned who, uint64_t amount, int vote)
{
    ledger_tx tx;
    uint8_t zero[32] = {0};
    uint64_t id = 1 + ec_rand(e, 1 + e->db.height / 4);
    CHR_ASSERT(ledger_tx_init(&tx, vote ? LEDGER_TX_GOV_VOTE : LEDGER_TX_GOV_DEPOSIT, "chroom-test",
                              zero, 0, 0, 0, NULL, 0) == CHR_OK);
    if (vote) {
        tx.body.gov_vote.id = id;
        tx.body.gov_vote.option = (uint8_t)(ec_rand(e, 9) == 0 ? 5 : 1 + ec_rand(e, 4));
    } else {
        tx.body.gov_deposit.id = id;
        tx.body.gov_deposit.amount = amount;
    }
    return st_apply(&e->db, who, &tx);
}

/* The operator's commission not yet withdrawn. */
static uint64_t ec_commission(ec *e, unsigned v)
{
    uint8_t k[32];
    ledger_val_rewards vr;
    st_key(k, v);
    CHR_ASSERT(ledger_val_rewards_get(e->db.t, k, &vr) == CHR_OK);
    return vr.commission;
}

/* The most the exact shares can come to: owed rounds each block's part down (by under
 * one 10^-18 unit), so an exact whole amount may show as just under it. */
static uint64_t ec_slow_max(const ec *e, ec_u128 owed, unsigned pairs)
{
    return (uint64_t)((owed + (ec_u128)pairs * e->db.height) / LEDGER_REWARD_RATIO_SCALE);
}

/* A transaction settled the pairs (who, a) and (who, b) (b 0: none; a 0: every pair of
 * who) and paid `paid` (commission besides, when who withdrew from its own validator):
 * the slow way's owed amounts cover it, within a unit of rounding per pair. */
static int ec_settled(ec *e, unsigned who, unsigned a, unsigned b, uint64_t paid,
                      uint64_t commission)
{
    ec_u128 owed = 0;
    unsigned pairs = 0;
    for (unsigned v = 1; v <= EC_USERS; v++) {
        if (v == a || v == b || a == 0) {
            owed += e->owed[who][v];
            e->owed[who][v] = 0;
            pairs++;
        }
    }
    e->settled += paid;
    if (paid < commission) {
        snprintf(e->why, sizeof(e->why), "withdrawal: paid %llu, under the commission %llu",
                 (unsigned long long)paid, (unsigned long long)commission);
        return 0;
    }
    paid -= commission;
    uint64_t slow = (uint64_t)(owed / LEDGER_REWARD_RATIO_SCALE);
    if (paid > ec_slow_max(e, owed, pairs) || (slow > paid && slow - paid > pairs)) {
        snprintf(e->why, sizeof(e->why), "rewards of %u: paid %llu, the slow way %llu", who,
                 (unsigned long long)paid, (unsigned long long)slow);
        return 0;
    }
    return 1;
}

/* A withdrawal of who from v (0: all); checks what it paid. */
static chr_err ec_withdraw(ec *e, unsigned who, unsigned v, int *ok)
{
    st_db *db = &e->db;
    ledger_tx tx;
    uint8_t zero[32] = {0};
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_WITHDRAW_REWARDS, "chroom-test", zero, 0, 0, 0, NULL,
                              0) == CHR_OK);
    if (v != 0) {
        st_key(tx.body.withdraw.validator, v);
    }
    uint64_t commission = v == 0 || v == who ? ec_commission(e, who) : 0;
    uint64_t before = st_account(db, who).balance;
    chr_err err = st_apply(db, who, &tx);
    if (err == CHR_OK) {
        uint64_t paid = st_account(db, who).balance + db->params.fee_transfer - before;
        e->fees += db->params.fee_transfer;
        *ok = ec_settled(e, who, v, v, paid, commission);
    }
    return err;
}

/* One random transaction; 0 with e->why set when the ledger broke a rule of the model. */
static int ec_step(ec *e)
{
    st_db *db = &e->db;
    unsigned who = 1 + (unsigned)ec_rand(e, EC_USERS);
    unsigned v = 1 + (unsigned)ec_rand(e, EC_USERS);
    unsigned w = 1 + (unsigned)ec_rand(e, EC_USERS);
    uint64_t amount = 1 + ec_rand(e, ec_rand(e, 4) == 0 ? 200000 : 2000);
    chr_err err;
    int ok = 1;
    uint64_t fee = db->params.fee_transfer;
    uint64_t before = st_account(db, who).balance;
    switch (ec_rand(e, 15)) {
    case 12:
        /* A new node (a bond the balance may not cover), or a repeat registration. */
        err = ec_media(e, who, (unsigned)ec_rand(e, e->nodes_len + 1), 1 + amount * 10, 0);
        e->nodes_len += err == CHR_OK && e->nodes_len < EC_NODES_MAX;
        break;
    case 13:
        err = ec_meeting(e, who, 0);
        break;
    case 14:
        err = ec_rand(e, 4) == 0 ? ec_media(e, who, (unsigned)ec_rand(e, e->nodes_len + 1), 0, 1)
                                 : ec_meeting(e, who, 1);
        e->meeting_moves += err == CHR_OK;
        break;
    case 0:
        err = st_create(db, who, 100 + amount, 100);
        break;
    case 9:
    case 10: {
        /* A submission or a deposit takes exactly the fee and the deposit. */
        uint64_t deposit = 1 + amount % 4000;
        err = v % 2 ? ec_propose(e, who, deposit) : ec_gov_tx(e, who, deposit, 0);
        if (err == CHR_OK && st_account(db, who).balance + fee + deposit != before) {
            snprintf(e->why, sizeof(e->why), "a deposit of %llu took %llu with the fee",
                     (unsigned long long)deposit,
                     (unsigned long long)(before - st_account(db, who).balance));
            return 0;
        }
        break;
    }
    case 11:
        err = ec_gov_tx(e, who, 0, 1);
        break;
    case 8: {
        ledger_tx tx;
        uint8_t zero[32] = {0};
        CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_UNJAIL, "chroom-test", zero, 0, 0, 0, NULL, 0) ==
                   CHR_OK);
        err = st_apply(db, who, &tx);
        break;
    }
    case 1:
        err = st_delegate(db, who, v, amount);
        if (err == CHR_OK) {
            ok = ec_settled(e, who, v, 0, st_account(db, who).balance + amount + fee - before, 0);
        }
        break;
    case 2:
        err = st_undelegate(db, who, v, amount);
        if (err == CHR_OK) {
            ok = ec_settled(e, who, v, 0, st_account(db, who).balance + fee - before, 0);
        }
        break;
    case 6:
    case 7:
        err = ec_withdraw(e, who, ec_rand(e, 3) == 0 ? 0 : v, &ok);
        if (err == CHR_ERR_NO_DELEGATION || err == CHR_ERR_ENTRIES) {
            err = CHR_OK; /* rules the unit tests prove */
        }
        fee = 0; /* counted by ec_withdraw */
        break;
    case 3: {
        int blocked = ec_hop_blocked(e, who, v, e->ended_ms);
        err = st_redelegate(db, who, v, w, amount);
        if (err == CHR_OK) {
            ok = ec_settled(e, who, v, w, st_account(db, who).balance + fee - before, 0);
        }
        if (err == CHR_OK && blocked) {
            snprintf(e->why, sizeof(e->why), "a hop from %u was allowed", v);
            return 0;
        }
        if (err == CHR_ERR_HOPPING && !blocked) {
            snprintf(e->why, sizeof(e->why), "a move from %u was refused as a hop", v);
            return 0;
        }
        if (err == CHR_OK && e->red_len < EC_REDELEGATIONS_MAX) {
            e->red[e->red_len++] =
                (ec_redelegation){who, w, db->time_ms + db->params.unbonding_time_ms};
        }
        break;
    }
    default: {
        ledger_tx tx;
        uint8_t zero[32] = {0};
        CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "chroom-test", zero, 0, 0, 0, NULL, 0) ==
                   CHR_OK);
        st_key(tx.body.transfer.to, v);
        tx.body.transfer.amount = amount;
        err = st_apply(db, who, &tx);
        break;
    }
    }
    if (err != CHR_OK && !ec_rule_error(err)) {
        snprintf(e->why, sizeof(e->why), "unexpected %s: %s", chr_err_name(err), db->detail);
        return 0;
    }
    e->fees += err == CHR_OK ? fee : 0;
    return ok;
}

/* The slow way: the block's rewards gave each validator's delegators what its outstanding
 * amount grew by; each delegation is owed its shares' part (called between the rewards and
 * the rest of the end of block). */
static void ec_owe(void *ctx)
{
    ec *e = ctx;
    const uint64_t *outstanding_before = e->outstanding;
    st_db *db = &e->db;
    for (unsigned v = 1; v <= EC_USERS; v++) {
        uint8_t vk[32], dk[32];
        ledger_val_rewards vr;
        int found;
        st_key(vk, v);
        CHR_ASSERT(ledger_val_rewards_get(db->t, vk, &vr) == CHR_OK);
        ledger_staking_validator val = st_validator(db, v, &found);
        uint64_t gained = vr.outstanding - outstanding_before[v];
        for (unsigned d = 1; d <= EC_USERS && gained > 0; d++) {
            ledger_staking_delegation del;
            st_key(dk, d);
            CHR_ASSERT(ledger_staking_delegation_get(db->t, dk, vk, &del, &found) == CHR_OK);
            e->owed[d][v] += (ec_u128)gained * del.shares * LEDGER_REWARD_RATIO_SCALE / val.shares;
        }
    }
}

/* Every stored ratio is referenced exactly as often as it says: by the delegations with
 * shares counting from it and by its validator when it is the last ended period. */
static int ec_check_ratios(ec *e)
{
    st_db *db = &e->db;
    ledger_object o;
    uint8_t after[LEDGER_STATE_NATURAL_KEY_MAX];
    size_t after_len = 0;
    while (ledger_trie_mem_object_scan(db->mem, LEDGER_STATE_REWARD_RATIO, NULL, 0,
                                       after_len ? after : NULL, after_len, &o) == CHR_OK) {
        memcpy(after, o.natural, o.natural_len);
        after_len = o.natural_len;
        e->ratios++;
        uint64_t period = chr_get_u64be(o.natural + 32);
        ledger_val_rewards vr;
        CHR_ASSERT(ledger_val_rewards_get(db->t, o.natural, &vr) == CHR_OK);
        uint32_t refs = vr.period - 1 == period;
        for (unsigned d = 1; d <= EC_USERS; d++) {
            uint8_t dk[32];
            ledger_staking_delegation del;
            int found;
            st_key(dk, d);
            CHR_ASSERT(ledger_staking_delegation_get(db->t, dk, o.natural, &del, &found) == CHR_OK);
            refs += found && del.shares > 0 && del.reward_period == period;
        }
        if (o.value_len != 20 || chr_get_u32be(o.value + 16) != refs) {
            snprintf(e->why, sizeof(e->why), "ratio of period %llu: %u references, counts %u",
                     (unsigned long long)period, refs,
                     o.value_len == 20 ? chr_get_u32be(o.value + 16) : 0);
            return 0;
        }
    }
    return 1;
}

/* Each delegation's shares and reward period (shares + 1: 0 for none), as t sees them. */
static void ec_pair(ec *e, unsigned d, unsigned v, uint64_t *shares, uint64_t *period)
{
    uint8_t dk[32], vk[32];
    ledger_staking_delegation del;
    int found;
    st_key(dk, d);
    st_key(vk, v);
    CHR_ASSERT(ledger_staking_delegation_get(e->db.t, dk, vk, &del, &found) == CHR_OK);
    *shares = found ? del.shares + 1 : 0;
    *period = del.reward_period;
}

static void ec_pairs_snap(ec *e)
{
    for (unsigned d = 1; d <= EC_USERS; d++) {
        for (unsigned v = 1; v <= EC_USERS; v++) {
            ec_pair(e, d, v, &e->pair_shares[d][v], &e->pair_period[d][v]);
        }
    }
}

/* A redelegation slashed as it matures settles its pair in the end of block: the pairs
 * whose delegation changed there were paid (together) what the slow way owed them. */
static int ec_end_settles(ec *e)
{
    ledger_rewards_pool pool;
    CHR_ASSERT(ledger_rewards_pool_get(e->db.t, &pool) == CHR_OK);
    if (pool.paid == e->settled) {
        return 1;
    }
    ec_u128 owed = 0;
    unsigned pairs = 0;
    for (unsigned d = 1; d <= EC_USERS; d++) {
        for (unsigned v = 1; v <= EC_USERS; v++) {
            uint64_t shares, period;
            ec_pair(e, d, v, &shares, &period);
            if (shares != e->pair_shares[d][v] || period != e->pair_period[d][v]) {
                owed += e->owed[d][v];
                e->owed[d][v] = 0;
                pairs++;
            }
        }
    }
    uint64_t paid = pool.paid - e->settled;
    uint64_t slow = (uint64_t)(owed / LEDGER_REWARD_RATIO_SCALE);
    e->settled = pool.paid;
    if (paid > ec_slow_max(e, owed, pairs) || (slow > paid && slow - paid > pairs)) {
        snprintf(e->why, sizeof(e->why), "end of block settles: paid %llu, the slow way %llu",
                 (unsigned long long)paid, (unsigned long long)slow);
        return 0;
    }
    return 1;
}

/* Rewards never exceed what came in: paid and pending within fees plus inflation. */
static int ec_check_rewards(ec *e)
{
    ledger_rewards_pool pool;
    ledger_staking_pool stake;
    CHR_ASSERT(ledger_rewards_pool_get(e->db.t, &pool) == CHR_OK);
    CHR_ASSERT(ledger_staking_pool_get(e->db.t, &stake) == CHR_OK);
    if (pool.collected > e->fees + stake.minted || pool.paid != e->settled ||
        pool.paid + pool.pending + pool.treasury > pool.collected) {
        snprintf(e->why, sizeof(e->why),
                 "rewards: collected %llu (fees %llu, minted %llu), paid %llu (seen %llu), "
                 "pending %llu, treasury %llu",
                 (unsigned long long)pool.collected, (unsigned long long)e->fees,
                 (unsigned long long)stake.minted, (unsigned long long)pool.paid,
                 (unsigned long long)e->settled, (unsigned long long)pool.pending,
                 (unsigned long long)pool.treasury);
        return 0;
    }
    return 1;
}

/* The slow set: every validator that may sign, by tokens then operator key. */
typedef struct ec_val {
    uint8_t op[32];
    uint8_t key[32];
    uint64_t tokens;
} ec_val;

static int ec_val_cmp(const void *a, const void *b)
{
    const ec_val *x = a;
    const ec_val *y = b;
    if (x->tokens != y->tokens) {
        return x->tokens > y->tokens ? -1 : 1;
    }
    return memcmp(x->op, y->op, 32);
}

static int ec_check_set(ec *e)
{
    st_db *db = &e->db;
    ec_val vals[EC_USERS];
    size_t n = 0;
    for (unsigned i = 1; i <= EC_USERS; i++) {
        int found;
        ledger_staking_validator v = st_validator(db, i, &found);
        if (found && !v.jailed && !v.tombstoned && v.tokens / db->params.power_unit > 0) {
            memcpy(vals[n].op, v.operator_key, 32);
            memcpy(vals[n].key, v.consensus_key, 32);
            vals[n].tokens = v.tokens;
            n++;
        }
    }
    if (n == 0) {
        return 1;
    }
    qsort(vals, n, sizeof(vals[0]), ec_val_cmp);
    n = n > db->params.validators_max ? db->params.validators_max : n;
    ledger_valset set;
    uint64_t from;
    uint8_t ops[LEDGER_VALIDATORS_MAX][32];
    chr_err err =
        ledger_staking_set_at(ledger_trie_mem_object_scan, db->mem, UINT64_MAX, &set, &from, ops);
    if (err != CHR_OK || set.len != n || from > db->height + 1) {
        snprintf(e->why, sizeof(e->why), "set: %s, %zu members, want %zu", chr_err_name(err),
                 set.len, n);
        return 0;
    }
    /* The same members with the same power (a set is stored again only when those change,
     * so its order may be an older block's among members whose stake moved within a unit). */
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < n && memcmp(ops[k], vals[i].op, 32) != 0) {
            k++;
        }
        int at = ledger_valset_find(&set, vals[i].key);
        if (k == n || at < 0 || set.v[at].power != vals[i].tokens / db->params.power_unit) {
            snprintf(e->why, sizeof(e->why), "set: member %zu is not the slow way's", i);
            return 0;
        }
    }
    return 1;
}

/* After the block ended at time T: no unbonding or redelegation due at T is left. */
static int ec_check_maturity(ec *e, uint64_t t_ms)
{
    ledger_object o;
    ledger_state_kind kinds[2] = {LEDGER_STATE_UNBONDING, LEDGER_STATE_REDELEGATION};
    for (size_t k = 0; k < 2; k++) {
        if (ledger_trie_mem_object_scan(e->db.mem, kinds[k], NULL, 0, NULL, 0, &o) == CHR_OK &&
            chr_get_u64be(o.natural) <= t_ms) {
            snprintf(e->why, sizeof(e->why), "an entry due at %llu is left at %llu",
                     (unsigned long long)chr_get_u64be(o.natural), (unsigned long long)t_ms);
            return 0;
        }
    }
    return 1;
}

/* The vote ends due in this block (at most as many queue entries as an end of block
 * takes), with their tallies computed the slow way before the end of block. */
typedef struct ec_due {
    size_t n;
    uint64_t id[LEDGER_GOV_ENDS_PER_BLOCK_MAX];
    uint64_t slow[LEDGER_GOV_ENDS_PER_BLOCK_MAX][LEDGER_GOV_OPTIONS];
    uint64_t followed[LEDGER_GOV_ENDS_PER_BLOCK_MAX][LEDGER_GOV_OPTIONS];
} ec_due;

static void ec_due_votes(ec *e, ec_due *d)
{
    ledger_object o;
    uint8_t after[16];
    size_t after_len = 0;
    d->n = 0;
    for (int k = 0; k < LEDGER_GOV_ENDS_PER_BLOCK_MAX; k++) {
        size_t got;
        CHR_ASSERT(ledger_object_scan(e->db.t, LEDGER_STATE_GOV_QUEUE, NULL, 0,
                                      after_len ? after : NULL, after_len, &o, 1, &got) == CHR_OK);
        if (got == 0 || chr_get_u64be(o.natural) > e->db.time_ms) {
            return;
        }
        memcpy(after, o.natural, 16);
        after_len = 16;
        if (o.value_len == 1 && o.value[0] == LEDGER_GOV_VOTING_PERIOD) {
            d->id[d->n] = chr_get_u64be(o.natural + 8);
            st_gov_slow_tally(&e->db, e->db.params.validators_max, d->id[d->n], d->slow[d->n],
                              d->followed[d->n]);
            d->n++;
        }
    }
}

static uint64_t ec_treasury(ec *e)
{
    ledger_rewards_pool pool;
    CHR_ASSERT(ledger_rewards_pool_get(e->db.t, &pool) == CHR_OK);
    return pool.treasury;
}

/* Governance's end of block, checked: no transaction moved the treasury, the end moved it
 * by exactly the spends that passed, each ended vote's tally is the slow way's. */
static int ec_gov_end(ec *e)
{
    st_db *db = &e->db;
    ec_due d;
    ec_due_votes(e, &d);
    uint64_t before = ec_treasury(e);
    if (before != e->treasury) {
        snprintf(e->why, sizeof(e->why), "the block's transactions moved the treasury");
        return 0;
    }
    chr_err err = ledger_gov_end_block(db->o, &db->params, &e->genesis, db->height, db->time_ms);
    if (err != CHR_OK) {
        snprintf(e->why, sizeof(e->why), "governance's end of block: %s", chr_err_name(err));
        return 0;
    }
    uint64_t spent = 0;
    for (size_t i = 0; i < d.n; i++) {
        ledger_gov_proposal p;
        int found;
        CHR_ASSERT(ledger_gov_proposal_get(db->t, d.id[i], &p, &found) == CHR_OK && found);
        if (p.status == LEDGER_GOV_VOTING_PERIOD) {
            continue; /* an expedited vote that fell back to a normal one */
        }
        e->gov_ended++;
        /* The chain rounds a validator's remaining stake down once, the slow way each
         * delegation that followed it: at most a unit apart per such delegation. */
        int same = 1;
        for (int k = 0; k < LEDGER_GOV_OPTIONS; k++) {
            same &= p.tally[k] >= d.slow[i][k] && p.tally[k] - d.slow[i][k] <= d.followed[i][k];
        }
        if (!same) {
            snprintf(e->why, sizeof(e->why),
                     "proposal %llu: tally %llu/%llu/%llu/%llu, the slow way %llu/%llu/%llu/%llu",
                     (unsigned long long)p.id, (unsigned long long)p.tally[0],
                     (unsigned long long)p.tally[1], (unsigned long long)p.tally[2],
                     (unsigned long long)p.tally[3], (unsigned long long)d.slow[i][0],
                     (unsigned long long)d.slow[i][1], (unsigned long long)d.slow[i][2],
                     (unsigned long long)d.slow[i][3]);
            return 0;
        }
        int passed = p.status == LEDGER_GOV_PASSED;
        spent += passed && p.content.kind == LEDGER_GOV_SPEND ? p.content.amount : 0;
        e->gov_spent += passed && p.content.kind == LEDGER_GOV_SPEND;
        e->gov_changes += passed && p.content.kind == LEDGER_GOV_PARAMS;
    }
    if (before - ec_treasury(e) != spent) {
        snprintf(e->why, sizeof(e->why), "treasury %llu -> %llu, spends passed %llu",
                 (unsigned long long)before, (unsigned long long)ec_treasury(e),
                 (unsigned long long)spent);
        return 0;
    }
    return 1;
}

/* After the block: every parameter inside its range (the chain's, when the seed's were),
 * and a passed change in force from the next block, as the chain adopts it. */
static int ec_gov_params_after(ec *e)
{
    ledger_gov_param_set s;
    const char *field = "";
    CHR_ASSERT(ledger_gov_param_set_get(e->db.t, &e->genesis, &s) == CHR_OK);
    chr_err err = e->chain_in_range ? ledger_gov_param_set_check(&s, &field)
                                    : ledger_gov_params_check(&s.gov, &field);
    if (err != CHR_OK) {
        snprintf(e->why, sizeof(e->why), "parameter %s out of its range", field);
        return 0;
    }
    e->db.params = s.chain;
    e->treasury = ec_treasury(e);
    return 1;
}

static int ec_block(ec *e)
{
    st_db *db = &e->db;
    size_t txs = ec_rand(e, 8);
    for (size_t i = 0; i < txs; i++) {
        if (!ec_step(e)) {
            return 0;
        }
    }
    uint64_t t_ms = db->time_ms;
    for (unsigned v = 1; v <= EC_USERS; v++) {
        uint8_t vk[32];
        ledger_val_rewards vr;
        st_key(vk, v);
        CHR_ASSERT(ledger_val_rewards_get(db->t, vk, &vr) == CHR_OK);
        e->outstanding[v] = vr.outstanding;
    }
    db->absent = ec_rand(e, 4) == 0 ? chr_test_rand(&e->rng) : 0;
    if (ec_rand(e, 40) == 0) {
        st_key(db->ev[0].validator, 1000 + 1 + (unsigned)ec_rand(e, EC_USERS));
        db->ev[0].height = db->height - ec_rand(e, db->height); /* 1 .. the block's */
        db->ev_len = 1; /* double signing by a random validator (or a key of none) */
    }
    st_key(db->proposer, (unsigned)ec_rand(e, EC_USERS + 1));
    /* Now and then a day passes (a halted chain): inflation mints a visible amount. */
    uint64_t dt = ec_rand(e, 50) == 0 ? 86400000 : 1 + ec_rand(e, 3000);
    if (!ec_gov_end(e)) {
        return 0;
    }
    ec_pairs_snap(e);
    db->after_rewards = ec_owe;
    db->after_ctx = e;
    chr_err err = st_end_block(db, dt);
    if (err == CHR_OK && !ec_end_settles(e)) {
        return 0;
    }
    e->ended_ms = t_ms;
    if (err != CHR_OK) {
        snprintf(e->why, sizeof(e->why), "end of block: %s", chr_err_name(err));
        return 0;
    }
    err = st_supply_check(db, EC_USERS * EC_BALANCE);
    if (err != CHR_OK) {
        snprintf(e->why, sizeof(e->why), "%s", db->detail);
    }
    err = err ? err : ledger_staking_audit(db->t, e->why, sizeof(e->why));
    err = err ? err : ledger_meetings_audit(db->t, e->why, sizeof(e->why));
    return err == CHR_OK && ec_check_maturity(e, t_ms) && ec_check_set(e) && ec_check_rewards(e) &&
           ec_check_ratios(e) && ec_gov_params_after(e);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s != NULL && *s != '\0' ? strtoull(s, NULL, 10) : dflt;
}

/* Proves, over many seeded random economies, the invariants in this file's header after
 * every block. */
void test_econ_simulator(void)
{
    static ec e;
    uint64_t seeds = env_u64("CHROOM_ECON_SEEDS", 300);
    uint64_t blocks = env_u64("CHROOM_ECON_BLOCKS", 150);
    uint64_t first = chr_test_seed();
    uint64_t paid_seeds = 0, burned_seeds = 0, minted_seeds = 0, ratio_seeds = 0;
    uint64_t ended = 0, spent = 0, changed = 0, meetings = 0, moves = 0, closed = 0;
    for (uint64_t s = 0; s < seeds; s++) {
        memset(&e, 0, sizeof(e));
        e.rng = first + s;
        st_open(&e.db, EC_USERS, EC_BALANCE);
        e.db.params.validators_max = 1 + (uint32_t)ec_rand(&e, 5);
        e.db.params.entries_max = 1 + (uint32_t)ec_rand(&e, 4);
        e.db.params.power_unit = 1 + ec_rand(&e, 1000);
        e.db.params.fee_transfer = 1 + ec_rand(&e, 500);
        e.db.params.inflation_ppm = ec_rand(&e, 2) ? 0 : (uint32_t)ec_rand(&e, LEDGER_PPM / 2);
        e.db.params.treasury_ppm = (uint32_t)ec_rand(&e, LEDGER_PPM / 2);
        e.db.params.proposer_bonus_ppm = (uint32_t)ec_rand(&e, LEDGER_PPM / 2);
        e.db.params.signed_blocks_window = 2 + (uint32_t)ec_rand(&e, 30);
        e.db.params.min_signed_ppm = (uint32_t)ec_rand(&e, LEDGER_PPM);
        e.db.params.slash_downtime_ppm = (uint32_t)ec_rand(&e, LEDGER_PPM);
        e.db.params.slash_double_sign_ppm = (uint32_t)ec_rand(&e, LEDGER_PPM + 1);
        e.db.params.downtime_jail_ms = ec_rand(&e, 20000);
        e.genesis = e.db.params;
        const char *field;
        e.chain_in_range = ledger_params_check_change(&e.db.params, &field) == CHR_OK;
        ec_gov_params(&e);
        ec_meeting_params(&e);
        int ok = 1;
        for (uint64_t b = 0; b < blocks && ok; b++) {
            ok = ec_block(&e);
        }
        if (!ok) {
            printf("# econ seed %llu (CHROOM_SEED=%llu CHROOM_ECON_SEEDS=1), block %llu: %s\n",
                   (unsigned long long)(first + s), (unsigned long long)(first + s),
                   (unsigned long long)e.db.height, e.why);
        }
        ledger_staking_pool pool;
        CHR_ASSERT(ledger_staking_pool_get(e.db.t, &pool) == CHR_OK);
        paid_seeds += e.settled > 0;
        burned_seeds += pool.burned > 0;
        minted_seeds += pool.minted > 0;
        ratio_seeds += e.ratios > 0;
        ended += e.gov_ended;
        spent += e.gov_spent;
        changed += e.gov_changes;
        meetings += e.meetings_len;
        moves += e.meeting_moves;
        for (size_t i = 0; i < e.meetings_len; i++) {
            ledger_settlement st;
            CHR_ASSERT(ledger_settlement_get(e.db.t, e.meetings[i], &st) == CHR_OK);
            closed += st.closed;
        }
        st_close(&e.db);
        CHECK(ok);
    }
    /* The runs reach what they check: rewards paid, slashes burned, inflation minted. */
    printf("# econ: %llu of %llu seeds paid rewards, %llu burned, %llu minted, %llu kept ratios\n",
           (unsigned long long)paid_seeds, (unsigned long long)seeds,
           (unsigned long long)burned_seeds, (unsigned long long)minted_seeds,
           (unsigned long long)ratio_seeds);
    printf("# econ: %llu votes ended (tallies checked), %llu spends and %llu changes passed\n",
           (unsigned long long)ended, (unsigned long long)spent, (unsigned long long)changed);
    printf("# econ: %llu meetings created (up to %d a seed counted), %llu closed by the end of "
           "block, %llu meeting-ends and deregistrations\n",
           (unsigned long long)meetings, EC_MEETINGS_MAX, (unsigned long long)closed,
           (unsigned long long)moves);
    CHECK(seeds < 100 || (paid_seeds > seeds / 2 && burned_seeds > seeds / 4 && minted_seeds > 0 &&
                          ratio_seeds > seeds / 2 && ended > seeds && spent > 0 && changed > 0 &&
                          closed > seeds && moves > seeds));
}
