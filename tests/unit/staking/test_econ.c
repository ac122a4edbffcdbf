/* The seeded economy simulator: random creates, delegations, undelegations, redelegations,
 * edits and transfers over many blocks on the in-memory state, checking after every block
 * the supply, the pools against the objects, the set against the top N computed the slow
 * way, maturity at exactly the completion time, and no hopping. CHROOM_ECON_SEEDS and
 * CHROOM_ECON_BLOCKS make a long run (make econ-sim). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/staking.h"
#include "tests/unit/staking/fixture.h"
#include "tests/unit/staking/suite.h"
#include "tests/unit/test.h"

#define EC_USERS 12
#define EC_BALANCE 1000000ull
#define EC_REDELEGATIONS_MAX 4096

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
           err == CHR_ERR_SELF_BOND || err == CHR_ERR_COMMISSION || err == CHR_ERR_SAME_VALIDATOR;
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
    switch (ec_rand(e, 6)) {
    case 0:
        err = st_create(db, who, 100 + amount, 100);
        break;
    case 1:
        err = st_delegate(db, who, v, amount);
        break;
    case 2:
        err = st_undelegate(db, who, v, amount);
        break;
    case 3: {
        int blocked = ec_hop_blocked(e, who, v, e->ended_ms);
        err = st_redelegate(db, who, v, w, amount);
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
    chr_err err = st_end_block(db, 1 + ec_rand(e, 3000));
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
    return err == CHR_OK && ec_check_maturity(e, t_ms) && ec_check_set(e);
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
    for (uint64_t s = 0; s < seeds; s++) {
        memset(&e, 0, sizeof(e));
        e.rng = first + s;
        st_open(&e.db, EC_USERS, EC_BALANCE);
        e.db.params.validators_max = 1 + (uint32_t)ec_rand(&e, 5);
        e.db.params.entries_max = 1 + (uint32_t)ec_rand(&e, 4);
        e.db.params.power_unit = 1 + ec_rand(&e, 1000);
        int ok = 1;
        for (uint64_t b = 0; b < blocks && ok; b++) {
            ok = ec_block(&e);
        }
        if (!ok) {
            printf("# econ seed %llu (CHROOM_SEED=%llu CHROOM_ECON_SEEDS=1), block %llu: %s\n",
                   (unsigned long long)(first + s), (unsigned long long)(first + s),
                   (unsigned long long)e.db.height, e.why);
        }
        st_close(&e.db);
        CHECK(ok);
    }
}
