#include "genesis/genesis.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/errmsg.h"
#include "common/fsutil.h"
#include "common/hex.h"
#include "genesis/limits.h"
#include "ledger/sig.h"
#include "ledger/smt.h"
#include "ledger/staking.h"
#include "ledger/state.h"
#include "ledger/tx.h"
#include "ledger/tx_staking.h"

/* Upper bounds of one JSON line that genesis_to_json writes, with room to spare: an account
 * line is 117 bytes at most, a validator line 121 and the fixed part under 1,500 (the
 * chain parameters and governance's, each at most 20 digits). */
#define GENESIS_JSON_ACCOUNT_BYTES 160
#define GENESIS_JSON_VALIDATOR_BYTES 160
/* A stake line: keys, an address, 64 hex, four numbers and three texts that JSON escaping
 * can make six times longer (\u00XX). */
#define GENESIS_JSON_STAKE_BYTES                                                                   \
    (512 + 6 * (LEDGER_MONIKER_MAX + LEDGER_WEBSITE_MAX + LEDGER_DETAILS_MAX))
/* One stake in the canonical encoding: operator, then the create-validator body. */
#define GENESIS_ENC_STAKE_BYTES                                                                    \
    (32 + 32 + 3 * 4 + 2 * 8 + 3 + LEDGER_MONIKER_MAX + LEDGER_WEBSITE_MAX + LEDGER_DETAILS_MAX)
/* Objects one stake makes (validator, power row, consensus key, delegation, set member),
 * and the ones of every genesis (the pool, the set's head, governance's parameters), with room for
 * the staking operations' own reserve. */
#define GENESIS_OBJECTS_PER_STAKE 5
#define GENESIS_OBJECTS_FIXED (3 + LEDGER_STAKING_OBJECTS_MAX)
#define GENESIS_JSON_FIXED_BYTES 2048
/* The encoded head: version, chain id, time, params, accounts count. */
#define GENESIS_ENC_HEAD_BYTES (1 + 1 + LEDGER_CHAIN_ID_MAX + 8 + LEDGER_PARAMS_BYTES + 4)

/* Copies at most GENESIS_QUOTE_MAX-1 bytes of s, replacing anything but printable ASCII,
 * so that hostile keys and tokens cannot put control characters on a terminal. */
static void genesis_quote(char out[GENESIS_QUOTE_MAX], const char *s)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < GENESIS_QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[i] = '\0';
}

void genesis_init(genesis *g)
{
    memset(g, 0, sizeof(*g));
    ledger_params_default(&g->params);
    ledger_gov_params_default(&g->gov_params);
    ledger_settle_params_default(&g->settle_params);
    ledger_valset_init(&g->validators);
}

void genesis_free(genesis *g)
{
    free(g->accounts);
    free(g->stakes);
    genesis_init(g);
}

/* ---- time: RFC 3339 UTC <-> Unix milliseconds ---------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date; H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms", days_from_civil. Needs no time zone, unlike mktime. */
static int64_t genesis_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse, civil_from_days, from the same paper; z is never negative here. */
static void genesis_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    z += 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* The value of n decimal digits at s, or -1 if one is not a digit. */
static int64_t genesis_digits(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int64_t genesis_month_days(int64_t y, int64_t m)
{
    static const int8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

chr_err genesis_time_parse(uint64_t *out_ms, const char *s, size_t len)
{
    *out_ms = 0;
    /* "YYYY-MM-DDTHH:MM:SSZ" is 20 characters; with ".mmm" it is 24. */
    if (len != 20 && len != GENESIS_TIME_STR_LEN) {
        return CHR_ERR_ARG;
    }
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[len - 1] != 'Z') {
        return CHR_ERR_ARG;
    }
    int64_t frac = 0;
    if (len == GENESIS_TIME_STR_LEN) {
        frac = s[19] == '.' ? genesis_digits(s + 20, 3) : -1;
    }
    int64_t y = genesis_digits(s, 4);
    int64_t mo = genesis_digits(s + 5, 2);
    int64_t d = genesis_digits(s + 8, 2);
    int64_t h = genesis_digits(s + 11, 2);
    int64_t mi = genesis_digits(s + 14, 2);
    int64_t sec = genesis_digits(s + 17, 2);
    if (frac < 0 || y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || sec < 0 || sec > 59) {
        return CHR_ERR_ARG;
    }
    if (d > genesis_month_days(y, mo)) {
        return CHR_ERR_ARG;
    }
    int64_t days = genesis_days_from_civil(y, mo, d);
    int64_t ms = ((days * 24 + h) * 60 + mi) * 60 + sec;
    ms = ms * 1000 + frac;
    CHR_ASSERT(ms >= 0);
    CHR_ASSERT((uint64_t)ms <= GENESIS_TIME_MS_MAX);
    *out_ms = (uint64_t)ms;
    return CHR_OK;
}

chr_err genesis_time_format(char out[GENESIS_TIME_STR_LEN + 1], uint64_t ms)
{
    out[0] = '\0';
    if (ms > GENESIS_TIME_MS_MAX) {
        return CHR_ERR_ARG;
    }
    int64_t days = (int64_t)(ms / 86400000);
    int64_t rem = (int64_t)(ms % 86400000);
    int64_t y;
    int64_t mo;
    int64_t d;
    genesis_civil_from_days(days, &y, &mo, &d);
    int n = snprintf(out, GENESIS_TIME_STR_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y,
                     (int)mo, (int)d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
                     (int)(rem / 1000 % 60), (int)(rem % 1000));
    CHR_ASSERT(n == GENESIS_TIME_STR_LEN);
    return CHR_OK;
}

/* ---- rules ---------------------------------------------------------------------------- */

static chr_err genesis_check_accounts(const genesis *g, char *errmsg, size_t cap)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    if (g->accounts_len > LEDGER_GENESIS_ACCOUNTS_MAX) {
        chr_errmsg_set(errmsg, cap, "accounts: more than %d", LEDGER_GENESIS_ACCOUNTS_MAX);
        return CHR_ERR_GENESIS;
    }
    uint64_t supply = 0;
    for (size_t i = 0; i < g->accounts_len; i++) {
        const genesis_account *a = &g->accounts[i];
        const char *why = NULL;
        if (i > 0 && memcmp(g->accounts[i - 1].address, a->address, 32) >= 0) {
            bool dup = memcmp(g->accounts[i - 1].address, a->address, 32) == 0;
            why = dup ? "duplicate address" : "not sorted by address";
        } else if (a->balance == 0) {
            why = "balance must be positive";
        } else if (chr_add_u64(&supply, supply, a->balance) != CHR_OK) {
            why = "total supply overflows a u64";
        } else if (!ledger_pubkey_valid(a->address)) {
            why = "address is not a valid public key";
        }
        if (why != NULL) {
            chr_address_encode(addr, a->address);
            chr_errmsg_set(errmsg, cap, "accounts: %s: %s", addr, why);
            return CHR_ERR_GENESIS;
        }
    }
    return CHR_OK;
}

static chr_err genesis_check_validators(const genesis *g, bool require, char *errmsg, size_t cap)
{
    const ledger_valset *vs = &g->validators;
    char hex[65];
    if (vs->len > LEDGER_VALIDATORS_MAX) {
        chr_errmsg_set(errmsg, cap, "validators: more than %d", LEDGER_VALIDATORS_MAX);
        return CHR_ERR_GENESIS;
    }
    if (require && vs->len == 0) {
        chr_errmsg_set(errmsg, cap, "validators: at least one validator is required");
        return CHR_ERR_GENESIS;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < vs->len; i++) {
        chr_hex_encode(hex, sizeof(hex), vs->v[i].pubkey, 32);
        if (i > 0 && memcmp(vs->v[i - 1].pubkey, vs->v[i].pubkey, 32) >= 0) {
            chr_errmsg_set(errmsg, cap, "validators: duplicate or unsorted pub_key %s", hex);
            return CHR_ERR_GENESIS;
        }
        if (vs->v[i].power == 0 || chr_add_u64(&total, total, vs->v[i].power) != CHR_OK) {
            chr_errmsg_set(errmsg, cap, "validators: %s: power is zero or overflows", hex);
            return CHR_ERR_GENESIS;
        }
        if (!ledger_pubkey_valid(vs->v[i].pubkey)) {
            chr_errmsg_set(errmsg, cap, "validators: %s is not a valid x-only public key", hex);
            return CHR_ERR_GENESIS;
        }
    }
    if (total != vs->total_power) {
        chr_errmsg_set(errmsg, cap, "validators: total power does not match the powers");
        return CHR_ERR_GENESIS;
    }
    return CHR_OK;
}

static chr_err genesis_check_stakes(const genesis *g, char *errmsg, size_t cap);

static chr_err genesis_check(const genesis *g, bool require_validators, char *errmsg, size_t cap)
{
    size_t id_len = strnlen(g->chain_id, sizeof(g->chain_id));
    if (id_len == sizeof(g->chain_id) || !ledger_chain_id_valid(g->chain_id, id_len)) {
        chr_errmsg_set(errmsg, cap, "chain_id: must be " LEDGER_CHAIN_ID_RULE);
        return CHR_ERR_GENESIS;
    }
    if (g->genesis_time_ms > GENESIS_TIME_MS_MAX) {
        chr_errmsg_set(errmsg, cap, "genesis_time: after 9999-12-31T23:59:59.999Z");
        return CHR_ERR_GENESIS;
    }
    const char *field;
    if (ledger_params_check(&g->params, &field) != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "params.%s: out of range", field);
        return CHR_ERR_GENESIS;
    }
    if (ledger_gov_params_check(&g->gov_params, &field) != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "gov_params.%s: out of range", field);
        return CHR_ERR_GENESIS;
    }
    /* The decoder holds the ranges (each window at most LEDGER_SETTLE_WINDOW_MS_MAX, the share
     * at most 1000): what it refuses the chain could never read back. */
    uint8_t sbuf[LEDGER_SETTLE_PARAMS_BYTES];
    ledger_settle_params sp;
    ledger_settle_params_encode(sbuf, &g->settle_params);
    if (ledger_settle_params_decode(&sp, sbuf, sizeof(sbuf)) != CHR_OK) {
        chr_errmsg_set(errmsg, cap,
                       "settle_params: a window over 7 days or a share over 1000 permille");
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_check_accounts(g, errmsg, cap);
    if (err == CHR_OK) {
        err = genesis_check_validators(g, require_validators, errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_check_stakes(g, errmsg, cap);
    }
    return err;
}

bool genesis_has_gov_params(const genesis *g)
{
    ledger_gov_params d;
    ledger_gov_params_default(&d);
    for (size_t i = 0; ledger_gov_params_name(i) != NULL; i++) {
        if (ledger_gov_params_value(&g->gov_params, i) != ledger_gov_params_value(&d, i)) {
            return true;
        }
    }
    return false;
}

bool genesis_has_settle_params(const genesis *g)
{
    ledger_settle_params d;
    ledger_settle_params_default(&d);
    return g->settle_params.settle_window_ms != d.settle_window_ms ||
           g->settle_params.dispute_window_ms != d.dispute_window_ms ||
           g->settle_params.protocol_share_permille != d.protocol_share_permille;
}

chr_err genesis_validate(const genesis *g, char *errmsg, size_t errmsg_cap)
{
    chr_errmsg_set(errmsg, errmsg_cap, "%s", "");
    return genesis_check(g, true, errmsg, errmsg_cap);
}

chr_err genesis_supply(const genesis *g, uint64_t *out)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < g->accounts_len; i++) {
        if (chr_add_u64(&sum, sum, g->accounts[i].balance) != CHR_OK) {
            *out = 0;
            return CHR_ERR_OVERFLOW;
        }
    }
    *out = sum;
    return CHR_OK;
}

/* Index of the first account whose address is not below address (binary search). */
static size_t genesis_account_lower(const genesis *g, const uint8_t address[32])
{
    size_t lo = 0;
    size_t hi = g->accounts_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(g->accounts[mid].address, address, 32) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

chr_err genesis_add_account(genesis *g, const uint8_t address[32], uint64_t balance)
{
    CHR_ASSERT(g->accounts_len <= g->accounts_cap);
    if (balance == 0) {
        return CHR_ERR_AMOUNT;
    }
    size_t at = genesis_account_lower(g, address);
    if (at < g->accounts_len && memcmp(g->accounts[at].address, address, 32) == 0) {
        return CHR_ERR_DUPLICATE;
    }
    if (g->accounts_len >= LEDGER_GENESIS_ACCOUNTS_MAX) {
        return CHR_ERR_FULL;
    }
    if (g->accounts_len == g->accounts_cap) {
        size_t cap = g->accounts_cap < 8 ? 16 : g->accounts_cap * 2;
        cap = cap > LEDGER_GENESIS_ACCOUNTS_MAX ? LEDGER_GENESIS_ACCOUNTS_MAX : cap;
        genesis_account *grown = realloc(g->accounts, cap * sizeof(*grown));
        if (grown == NULL) {
            return CHR_ERR_NOMEM;
        }
        g->accounts = grown;
        g->accounts_cap = cap;
    }
    memmove(&g->accounts[at + 1], &g->accounts[at],
            (g->accounts_len - at) * sizeof(g->accounts[0]));
    memcpy(g->accounts[at].address, address, 32);
    g->accounts[at].balance = balance;
    g->accounts_len++;
    CHR_ASSERT(g->accounts_len <= g->accounts_cap);
    return CHR_OK;
}

/* ---- stakes ---------------------------------------------------------------------------- */

/* The committed state before genesis: nothing. */
static chr_err genesis_load_none(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                                 size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                                 size_t *value_len, int *found)
{
    (void)ctx;
    (void)kind;
    (void)natural;
    (void)natural_len;
    (void)value;
    *value_len = 0;
    *found = 0;
    return CHR_OK;
}

static chr_err genesis_next_none(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                                 size_t prefix_len, const uint8_t *after, size_t after_len,
                                 ledger_object *out)
{
    (void)ctx;
    (void)kind;
    (void)prefix;
    (void)prefix_len;
    (void)after;
    (void)after_len;
    (void)out;
    return CHR_ERR_NOT_FOUND;
}

/* A stake's checks before it is made: its operator holds more than the self-bond (the rest
 * pays its fees), create-validator's stateless checks (with the chain's fee: a genesis stake
 * pays none, but the checks are the transaction's) and its consensus key is on the curve.
 * *at is the operator's account index. */
static chr_err genesis_check_stake(const genesis *g, const genesis_stake *st, size_t *at,
                                   char *errmsg, size_t cap)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char detail[160];
    chr_address_encode(addr, st->operator_key);
    *at = genesis_account_lower(g, st->operator_key);
    if (*at == g->accounts_len || memcmp(g->accounts[*at].address, st->operator_key, 32) != 0) {
        chr_errmsg_set(errmsg, cap, "stakes: %s: the operator is not a genesis account", addr);
        return CHR_ERR_GENESIS;
    }
    if (g->accounts[*at].balance <= st->c.amount) {
        chr_errmsg_set(
            errmsg, cap, "stakes: %s: the operator's balance %llu must exceed the self-bond %llu",
            addr, (unsigned long long)g->accounts[*at].balance, (unsigned long long)st->c.amount);
        return CHR_ERR_GENESIS;
    }
    ledger_tx tx;
    chr_err err = ledger_tx_init(&tx, LEDGER_TX_CREATE_VALIDATOR, g->chain_id, st->operator_key, 0,
                                 g->params.fee_transfer, 0, NULL, 0);
    if (err == CHR_OK) {
        tx.body.create_validator = st->c;
        err = ledger_create_validator_check(&tx, &g->params, detail, sizeof(detail));
    } else {
        snprintf(detail, sizeof(detail), "chain_id: invalid");
    }
    if (err == CHR_OK && !ledger_pubkey_valid(st->c.consensus_key)) {
        snprintf(detail, sizeof(detail), "pub_key: not a valid x-only public key");
        err = CHR_ERR_PUBKEY;
    }
    if (err != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "stakes: %s: %s", addr, detail);
        return CHR_ERR_GENESIS;
    }
    return CHR_OK;
}

chr_err genesis_stakes_state(const genesis *g, ledger_objects **objects, uint64_t *balances,
                             ledger_valset *set, char *errmsg, size_t cap)
{
    if (objects != NULL) {
        *objects = NULL;
    }
    if (set != NULL) {
        ledger_valset_init(set);
    }
    if (g->stakes_len > GENESIS_STAKES_MAX) {
        chr_errmsg_set(errmsg, cap, "stakes: more than %d", GENESIS_STAKES_MAX);
        return CHR_ERR_GENESIS;
    }
    for (size_t i = 0; balances != NULL && i < g->accounts_len; i++) {
        balances[i] = g->accounts[i].balance;
    }
    ledger_objects *t;
    chr_err err =
        ledger_objects_new(&t, GENESIS_OBJECTS_FIXED + g->stakes_len * GENESIS_OBJECTS_PER_STAKE,
                           genesis_load_none, genesis_next_none, NULL);
    if (err != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "out of memory");
        return err;
    }
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char detail[160];
    for (size_t i = 0; i < g->stakes_len && err == CHR_OK; i++) {
        const genesis_stake *st = &g->stakes[i];
        chr_address_encode(addr, st->operator_key);
        if (i > 0 && memcmp(g->stakes[i - 1].operator_key, st->operator_key, 32) >= 0) {
            chr_errmsg_set(errmsg, cap, "stakes: %s: duplicate or unsorted operator", addr);
            err = CHR_ERR_GENESIS;
            break;
        }
        size_t at;
        err = genesis_check_stake(g, st, &at, errmsg, cap);
        chr_err rule =
            err ? err
                : ledger_staking_create_validator(t, &g->params, st->operator_key, &st->c, 0,
                                                  g->genesis_time_ms, detail, sizeof(detail));
        if (err == CHR_OK && rule != CHR_OK) {
            chr_errmsg_set(errmsg, cap, "stakes: %s: %s", addr, detail);
            err = CHR_ERR_GENESIS;
        }
        if (err == CHR_OK && balances != NULL) {
            balances[at] -= st->c.amount; /* more than the amount: genesis_check_stake */
        }
    }
    ledger_valset vs;
    ledger_valset_init(&vs);
    if (err == CHR_OK) {
        /* The table is sized for every object a stake makes: running out is our bug. */
        err = ledger_staking_genesis_set(t, &g->params, &vs);
        CHR_ASSERT(err != CHR_ERR_FULL);
    }
    if (err == CHR_OK && genesis_has_gov_params(g)) {
        uint8_t buf[LEDGER_GOV_PARAMS_BYTES];
        ledger_gov_params_encode(buf, &g->gov_params);
        err =
            ledger_object_put(t, LEDGER_STATE_GOV_PARAMS, (const uint8_t *)"", 0, buf, sizeof(buf));
        CHR_ASSERT(err != CHR_ERR_FULL);
    }
    if (err == CHR_OK && genesis_has_settle_params(g)) {
        uint8_t buf[LEDGER_SETTLE_PARAMS_BYTES];
        ledger_settle_params_encode(buf, &g->settle_params);
        err = ledger_object_put(t, LEDGER_STATE_SETTLE_PARAMS, (const uint8_t *)"", 0, buf,
                                sizeof(buf));
        CHR_ASSERT(err != CHR_ERR_FULL);
    }
    if (err != CHR_OK || objects == NULL) {
        ledger_objects_free(t);
    } else {
        *objects = t;
    }
    if (err == CHR_OK && set != NULL) {
        *set = vs;
    }
    return err;
}

static bool genesis_valset_equal(const ledger_valset *a, const ledger_valset *b)
{
    if (a->len != b->len || a->total_power != b->total_power) {
        return false;
    }
    for (size_t i = 0; i < a->len; i++) {
        if (memcmp(a->v[i].pubkey, b->v[i].pubkey, 32) != 0 || a->v[i].power != b->v[i].power) {
            return false;
        }
    }
    return true;
}

/* The stakes make a sound state and give exactly the listed set. */
static chr_err genesis_check_stakes(const genesis *g, char *errmsg, size_t cap)
{
    if (g->stakes_len == 0 && g->validators.len > 0) {
        chr_errmsg_set(errmsg, cap,
                       "validators: listed without stakes, as before staking (free power); a "
                       "validator is now a bonded stake: build the genesis again with "
                       "chroom-genesis add-validator OPERATOR PUBKEY SELF_BOND");
        return CHR_ERR_GENESIS;
    }
    ledger_valset set;
    chr_err err = genesis_stakes_state(g, NULL, NULL, &set, errmsg, cap);
    if (err == CHR_OK && !genesis_valset_equal(&set, &g->validators)) {
        chr_errmsg_set(errmsg, cap,
                       "validators: not the set the stakes give (the top validators_max by "
                       "self-bond with power self_bond / power_unit, at least 1)");
        err = CHR_ERR_GENESIS;
    }
    return err;
}

/* Index of the first stake whose operator is not below key (binary search). */
static size_t genesis_stake_lower(const genesis *g, const uint8_t key[32])
{
    size_t lo = 0;
    size_t hi = g->stakes_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(g->stakes[mid].operator_key, key, 32) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

chr_err genesis_add_stake(genesis *g, const genesis_stake *s, char *errmsg, size_t cap)
{
    chr_errmsg_set(errmsg, cap, "%s", "");
    size_t at = genesis_stake_lower(g, s->operator_key);
    if (at < g->stakes_len && memcmp(g->stakes[at].operator_key, s->operator_key, 32) == 0) {
        return CHR_ERR_DUPLICATE;
    }
    if (g->stakes_len >= GENESIS_STAKES_MAX) {
        return CHR_ERR_FULL;
    }
    if (g->stakes == NULL) {
        g->stakes = calloc(GENESIS_STAKES_MAX, sizeof(g->stakes[0]));
        if (g->stakes == NULL) {
            return CHR_ERR_NOMEM;
        }
    }
    memmove(&g->stakes[at + 1], &g->stakes[at], (g->stakes_len - at) * sizeof(g->stakes[0]));
    g->stakes[at] = *s;
    g->stakes_len++;
    ledger_valset set;
    chr_err err = genesis_stakes_state(g, NULL, NULL, &set, errmsg, cap);
    if (err != CHR_OK) {
        g->stakes_len--;
        memmove(&g->stakes[at], &g->stakes[at + 1], (g->stakes_len - at) * sizeof(g->stakes[0]));
        return err;
    }
    g->validators = set;
    return CHR_OK;
}

static void genesis_stake_encode(chr_enc *enc, const genesis_stake *st)
{
    const ledger_staking_create *c = &st->c;
    chr_enc_raw(enc, st->operator_key, 32);
    chr_enc_raw(enc, c->consensus_key, 32);
    chr_enc_u32(enc, c->commission_ppm);
    chr_enc_u32(enc, c->commission_max_ppm);
    chr_enc_u32(enc, c->commission_change_max_ppm);
    chr_enc_u64(enc, c->min_self_bond);
    chr_enc_u64(enc, c->amount);
    chr_enc_bytes8(enc, (const uint8_t *)c->moniker, c->moniker_len);
    chr_enc_bytes8(enc, (const uint8_t *)c->website, c->website_len);
    chr_enc_bytes8(enc, (const uint8_t *)c->details, c->details_len);
}

chr_err genesis_hash(const genesis *g, uint8_t out[CHR_HASH_LEN])
{
    memset(out, 0, CHR_HASH_LEN);
    size_t id_len = strnlen(g->chain_id, sizeof(g->chain_id));
    if (id_len > LEDGER_CHAIN_ID_MAX || !ledger_chain_id_valid(g->chain_id, id_len) ||
        g->accounts_len > LEDGER_GENESIS_ACCOUNTS_MAX ||
        g->validators.len > LEDGER_VALIDATORS_MAX || g->stakes_len > GENESIS_STAKES_MAX) {
        return CHR_ERR_GENESIS;
    }
    uint8_t head[GENESIS_ENC_HEAD_BYTES];
    chr_enc enc;
    chr_enc_init(&enc, head, sizeof(head));
    bool settle = genesis_has_settle_params(g);
    bool gov = settle || genesis_has_gov_params(g);
    chr_enc_u8(&enc, settle ? GENESIS_ENCODING_VERSION_SETTLE
                     : gov  ? GENESIS_ENCODING_VERSION_GOV
                            : GENESIS_ENCODING_VERSION);
    chr_enc_bytes8(&enc, (const uint8_t *)g->chain_id, id_len);
    chr_enc_u64(&enc, g->genesis_time_ms);
    ledger_params_encode(&enc, &g->params);
    chr_enc_u32(&enc, (uint32_t)g->accounts_len);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    chr_sha256_update(&ctx, head, len);
    for (size_t i = 0; i < g->accounts_len; i++) {
        uint8_t rec[40];
        memcpy(rec, g->accounts[i].address, 32);
        chr_put_u64be(rec + 32, g->accounts[i].balance);
        chr_sha256_update(&ctx, rec, sizeof(rec));
    }
    uint8_t vbuf[2 + LEDGER_VALIDATORS_MAX * 40 + 4];
    chr_enc_init(&enc, vbuf, sizeof(vbuf));
    ledger_valset_encode(&enc, &g->validators);
    chr_enc_u32(&enc, (uint32_t)g->stakes_len);
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    chr_sha256_update(&ctx, vbuf, len);
    for (size_t i = 0; i < g->stakes_len; i++) {
        uint8_t sbuf[GENESIS_ENC_STAKE_BYTES];
        chr_enc_init(&enc, sbuf, sizeof(sbuf));
        genesis_stake_encode(&enc, &g->stakes[i]);
        CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
        chr_sha256_update(&ctx, sbuf, len);
    }
    if (gov) {
        uint8_t gbuf[LEDGER_GOV_PARAMS_BYTES];
        ledger_gov_params_encode(gbuf, &g->gov_params);
        chr_sha256_update(&ctx, gbuf, sizeof(gbuf));
    }
    if (settle) {
        uint8_t sbuf[LEDGER_SETTLE_PARAMS_BYTES];
        ledger_settle_params_encode(sbuf, &g->settle_params);
        chr_sha256_update(&ctx, sbuf, sizeof(sbuf));
    }
    chr_sha256_final(&ctx, out);
    return CHR_OK;
}

/* ---- JSON in -------------------------------------------------------------------------- */

/* Rejects keys of obj not in keys[]. */
static chr_err genesis_json_unknown(json_t *obj, const char *const *keys, size_t keys_len,
                                    const char *where, char *errmsg, size_t cap)
{
    const char *key;
    json_t *val;
    char q[GENESIS_QUOTE_MAX];
    json_object_foreach(obj, key, val) {
        (void)val;
        size_t i = 0;
        while (i < keys_len && strcmp(keys[i], key) != 0) {
            i++;
        }
        if (i == keys_len) {
            genesis_quote(q, key);
            chr_errmsg_set(errmsg, cap, "%s: unknown key \"%s\"", where, q);
            return CHR_ERR_GENESIS;
        }
    }
    return CHR_OK;
}

/* Rejects keys of obj not in keys[] and reports the first of the first required_len of
 * keys[] that is missing. */
static chr_err genesis_json_keys_some(json_t *obj, const char *const *keys, size_t keys_len,
                                      size_t required_len, const char *where, char *errmsg,
                                      size_t cap)
{
    chr_err err = genesis_json_unknown(obj, keys, keys_len, where, errmsg, cap);
    for (size_t i = 0; i < required_len && err == CHR_OK; i++) {
        if (json_object_get(obj, keys[i]) == NULL) {
            chr_errmsg_set(errmsg, cap, "%s: missing key \"%s\"", where, keys[i]);
            err = CHR_ERR_GENESIS;
        }
    }
    return err;
}

/* Rejects keys of obj not in keys[] and reports the first of keys[] that is missing. */
static chr_err genesis_json_keys(json_t *obj, const char *const *keys, size_t keys_len,
                                 const char *where, char *errmsg, size_t cap)
{
    return genesis_json_keys_some(obj, keys, keys_len, keys_len, where, errmsg, cap);
}

static chr_err genesis_json_str(json_t *obj, const char *key, const char *where, const char **s,
                                size_t *len, char *errmsg, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        chr_errmsg_set(errmsg, cap, "%s%s: must be a string", where, key);
        return CHR_ERR_GENESIS;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    return CHR_OK;
}

static chr_err genesis_json_u64(json_t *obj, const char *key, const char *where, uint64_t *out,
                                char *errmsg, size_t cap)
{
    const char *s;
    size_t len;
    chr_err err = genesis_json_str(obj, key, where, &s, &len, errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    err = chr_u64_parse(out, s, len);
    if (err == CHR_ERR_OVERFLOW) {
        chr_errmsg_set(errmsg, cap, "%s%s: larger than 18446744073709551615", where, key);
        return CHR_ERR_GENESIS;
    }
    if (err != CHR_OK) {
        chr_errmsg_set(errmsg, cap,
                       "%s%s: must be a decimal string of digits without sign, spaces or "
                       "leading zeros",
                       where, key);
        return CHR_ERR_GENESIS;
    }
    return CHR_OK;
}

static chr_err genesis_json_u32(json_t *obj, const char *key, const char *where, uint32_t *out,
                                char *errmsg, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v)) {
        chr_errmsg_set(errmsg, cap, "%s%s: must be a JSON integer", where, key);
        return CHR_ERR_GENESIS;
    }
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > (json_int_t)UINT32_MAX) {
        chr_errmsg_set(errmsg, cap, "%s%s: out of range", where, key);
        return CHR_ERR_GENESIS;
    }
    *out = (uint32_t)x;
    return CHR_OK;
}

/* The staking, reward and slashing parameters (ledger_param_fields): each optional, its
 * default when absent, so genesis files written before them still load; a u64 is an amount
 * string like fee_transfer, a u32 a JSON integer like block_txs_max. */
static chr_err genesis_parse_staking_params(genesis *g, json_t *obj, char *errmsg, size_t cap)
{
    size_t n;
    const ledger_param_field *fields = ledger_param_fields(&n);
    chr_err err = CHR_OK;
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        if (json_object_get(obj, fields[i].name) == NULL) {
            continue;
        }
        uint64_t v = 0;
        uint32_t narrow = 0;
        err = fields[i].wide
                  ? genesis_json_u64(obj, fields[i].name, "params.", &v, errmsg, cap)
                  : genesis_json_u32(obj, fields[i].name, "params.", &narrow, errmsg, cap);
        if (err == CHR_OK) {
            ledger_param_set(&g->params, i, fields[i].wide ? v : narrow);
        }
    }
    return err;
}

static chr_err genesis_parse_params(genesis *g, json_t *obj, char *errmsg, size_t cap)
{
    static const char *const required[] = {"fee_transfer", "block_txs_max", "block_bytes_max"};
    const char *keys[3 + 32];
    size_t n;
    const ledger_param_field *fields = ledger_param_fields(&n);
    CHR_ASSERT(n <= 32);
    memcpy(keys, required, sizeof(required));
    for (size_t i = 0; i < n; i++) {
        keys[3 + i] = fields[i].name;
    }
    if (!json_is_object(obj)) {
        chr_errmsg_set(errmsg, cap, "params: must be an object");
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_json_keys_some(obj, keys, 3 + n, 3, "params", errmsg, cap);
    if (err == CHR_OK) {
        err =
            genesis_json_u64(obj, "fee_transfer", "params.", &g->params.fee_transfer, errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_json_u32(obj, "block_txs_max", "params.", &g->params.block_txs_max, errmsg,
                               cap);
    }
    if (err == CHR_OK) {
        err = genesis_json_u32(obj, "block_bytes_max", "params.", &g->params.block_bytes_max,
                               errmsg, cap);
    }
    return err == CHR_OK ? genesis_parse_staking_params(g, obj, errmsg, cap) : err;
}

/* The optional "gov_params": each field optional, an amount string, its default when absent
 * (the ranges: genesis_check). */
static chr_err genesis_parse_gov_params(genesis *g, json_t *obj, char *errmsg, size_t cap)
{
    const char *keys[LEDGER_GOV_PARAMS_BYTES / 8];
    size_t n = 0;
    if (obj == NULL) {
        return CHR_OK;
    }
    if (!json_is_object(obj)) {
        chr_errmsg_set(errmsg, cap, "gov_params: must be an object");
        return CHR_ERR_GENESIS;
    }
    for (; ledger_gov_params_name(n) != NULL; n++) {
        keys[n] = ledger_gov_params_name(n);
    }
    chr_err err = genesis_json_keys_some(obj, keys, n, 0, "gov_params", errmsg, cap);
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        uint64_t v = 0;
        if (json_object_get(obj, keys[i]) != NULL) {
            err = genesis_json_u64(obj, keys[i], "gov_params.", &v, errmsg, cap);
            if (err == CHR_OK) {
                ledger_gov_params_set(&g->gov_params, i, v);
            }
        }
    }
    return err;
}

/* The optional "settle_params": each field optional, an integer string, its default when
 * absent (the ranges: genesis_check). */
static chr_err genesis_parse_settle_params(genesis *g, json_t *obj, char *errmsg, size_t cap)
{
    static const char *const keys[] = {"settle_window_ms", "dispute_window_ms",
                                       "protocol_share_permille"};
    uint64_t *vals[] = {&g->settle_params.settle_window_ms, &g->settle_params.dispute_window_ms,
                        &g->settle_params.protocol_share_permille};
    if (obj == NULL) {
        return CHR_OK;
    }
    if (!json_is_object(obj)) {
        chr_errmsg_set(errmsg, cap, "settle_params: must be an object");
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_json_keys_some(obj, keys, 3, 0, "settle_params", errmsg, cap);
    for (size_t i = 0; i < 3 && err == CHR_OK; i++) {
        if (json_object_get(obj, keys[i]) != NULL) {
            err = genesis_json_u64(obj, keys[i], "settle_params.", vals[i], errmsg, cap);
        }
    }
    return err;
}

static chr_err genesis_parse_account(genesis_account *a, json_t *obj, size_t i, char *errmsg,
                                     size_t cap)
{
    static const char *const keys[] = {"address", "balance"};
    char where[48];
    snprintf(where, sizeof(where), "accounts[%zu]", i);
    if (!json_is_object(obj)) {
        chr_errmsg_set(errmsg, cap, "%s: must be an object", where);
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_json_keys(obj, keys, 2, where, errmsg, cap);
    const char *s = NULL;
    size_t len = 0;
    strcat(where, ".");
    if (err == CHR_OK) {
        err = genesis_json_str(obj, "address", where, &s, &len, errmsg, cap);
    }
    if (err == CHR_OK && chr_address_decode(a->address, s, len) != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "%saddress: not a valid chr1 address", where);
        err = CHR_ERR_GENESIS;
    }
    if (err == CHR_OK) {
        err = genesis_json_u64(obj, "balance", where, &a->balance, errmsg, cap);
    }
    return err;
}

static int genesis_account_cmp(const void *a, const void *b)
{
    return memcmp(((const genesis_account *)a)->address, ((const genesis_account *)b)->address, 32);
}

/* Reads the accounts in file order, then sorts them; genesis_check finds duplicates. */
static chr_err genesis_parse_accounts(genesis *g, json_t *arr, char *errmsg, size_t cap)
{
    if (!json_is_array(arr)) {
        chr_errmsg_set(errmsg, cap, "accounts: must be an array");
        return CHR_ERR_GENESIS;
    }
    size_t n = json_array_size(arr);
    if (n > LEDGER_GENESIS_ACCOUNTS_MAX) {
        chr_errmsg_set(errmsg, cap, "accounts: more than %d", LEDGER_GENESIS_ACCOUNTS_MAX);
        return CHR_ERR_GENESIS;
    }
    if (n == 0) {
        return CHR_OK;
    }
    g->accounts = calloc(n, sizeof(g->accounts[0]));
    if (g->accounts == NULL) {
        chr_errmsg_set(errmsg, cap, "out of memory");
        return CHR_ERR_NOMEM;
    }
    g->accounts_cap = n;
    for (size_t i = 0; i < n; i++) {
        chr_err err =
            genesis_parse_account(&g->accounts[i], json_array_get(arr, i), i, errmsg, cap);
        if (err != CHR_OK) {
            return err;
        }
        g->accounts_len++;
    }
    qsort(g->accounts, n, sizeof(g->accounts[0]), genesis_account_cmp);
    return CHR_OK;
}

static chr_err genesis_parse_validator(ledger_valset *vs, json_t *obj, size_t i, char *errmsg,
                                       size_t cap)
{
    static const char *const keys[] = {"pub_key", "power"};
    char where[48];
    snprintf(where, sizeof(where), "validators[%zu]", i);
    if (!json_is_object(obj)) {
        chr_errmsg_set(errmsg, cap, "%s: must be an object", where);
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_json_keys(obj, keys, 2, where, errmsg, cap);
    const char *s = NULL;
    size_t len = 0;
    uint8_t key[32];
    uint64_t power = 0;
    strcat(where, ".");
    if (err == CHR_OK) {
        err = genesis_json_str(obj, "pub_key", where, &s, &len, errmsg, cap);
    }
    if (err == CHR_OK && (chr_hex_decode_exact(key, 32, s, len) != CHR_OK)) {
        chr_errmsg_set(errmsg, cap, "%spub_key: must be 64 hex characters", where);
        err = CHR_ERR_GENESIS;
    }
    if (err == CHR_OK) {
        err = genesis_json_u64(obj, "power", where, &power, errmsg, cap);
    }
    if (err == CHR_OK) {
        err = ledger_valset_add(vs, key, power);
        if (err != CHR_OK) {
            chr_errmsg_set(errmsg, cap, "%s: %s", where,
                           err == CHR_ERR_ARG         ? "power must be positive"
                           : err == CHR_ERR_DUPLICATE ? "duplicate pub_key"
                                                      : "total power overflows a u64");
            err = CHR_ERR_GENESIS;
        }
    }
    return err;
}

static chr_err genesis_parse_validators(genesis *g, json_t *arr, char *errmsg, size_t cap)
{
    if (!json_is_array(arr)) {
        chr_errmsg_set(errmsg, cap, "validators: must be an array");
        return CHR_ERR_GENESIS;
    }
    size_t n = json_array_size(arr);
    if (n > LEDGER_VALIDATORS_MAX) {
        chr_errmsg_set(errmsg, cap, "validators: more than %d", LEDGER_VALIDATORS_MAX);
        return CHR_ERR_GENESIS;
    }
    for (size_t i = 0; i < n; i++) {
        chr_err err =
            genesis_parse_validator(&g->validators, json_array_get(arr, i), i, errmsg, cap);
        if (err != CHR_OK) {
            return err;
        }
    }
    return CHR_OK;
}

/* A moniker, website or details: a string of at most max bytes of UTF-8; an absent optional
 * one is empty. */
static chr_err genesis_json_text(json_t *obj, const char *key, const char *where, char *out,
                                 uint8_t *out_len, size_t max, char *errmsg, size_t cap)
{
    *out_len = 0;
    if (json_object_get(obj, key) == NULL) {
        return CHR_OK; /* the required ones are checked by key */
    }
    const char *s = NULL;
    size_t len = 0;
    chr_err err = genesis_json_str(obj, key, where, &s, &len, errmsg, cap);
    if (err == CHR_OK && (len > max || !ledger_utf8_valid((const uint8_t *)s, len))) {
        chr_errmsg_set(errmsg, cap, "%s%s: at most %zu bytes of UTF-8", where, key, max);
        err = CHR_ERR_GENESIS;
    }
    if (err == CHR_OK) {
        memcpy(out, s, len);
        *out_len = (uint8_t)len;
    }
    return err;
}

static chr_err genesis_parse_stake(genesis_stake *st, json_t *obj, size_t i, char *errmsg,
                                   size_t cap)
{
    static const char *const keys[] = {"operator",
                                       "pub_key",
                                       "self_bond",
                                       "min_self_bond",
                                       "commission_ppm",
                                       "commission_max_ppm",
                                       "commission_change_max_ppm",
                                       "moniker",
                                       "website",
                                       "details"};
    char where[48];
    snprintf(where, sizeof(where), "stakes[%zu]", i);
    if (!json_is_object(obj)) {
        chr_errmsg_set(errmsg, cap, "%s: must be an object", where);
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_json_keys_some(obj, keys, 10, 8, where, errmsg, cap);
    const char *s = NULL;
    size_t len = 0;
    ledger_staking_create *c = &st->c;
    strcat(where, ".");
    err = err ? err : genesis_json_str(obj, "operator", where, &s, &len, errmsg, cap);
    if (err == CHR_OK && chr_address_decode(st->operator_key, s, len) != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "%soperator: not a valid chr1 address", where);
        err = CHR_ERR_GENESIS;
    }
    err = err ? err : genesis_json_str(obj, "pub_key", where, &s, &len, errmsg, cap);
    if (err == CHR_OK && chr_hex_decode_exact(c->consensus_key, 32, s, len) != CHR_OK) {
        chr_errmsg_set(errmsg, cap, "%spub_key: must be 64 hex characters", where);
        err = CHR_ERR_GENESIS;
    }
    err = err ? err : genesis_json_u64(obj, "self_bond", where, &c->amount, errmsg, cap);
    err = err ? err : genesis_json_u64(obj, "min_self_bond", where, &c->min_self_bond, errmsg, cap);
    err =
        err ? err : genesis_json_u32(obj, "commission_ppm", where, &c->commission_ppm, errmsg, cap);
    err = err ? err
              : genesis_json_u32(obj, "commission_max_ppm", where, &c->commission_max_ppm, errmsg,
                                 cap);
    err = err ? err
              : genesis_json_u32(obj, "commission_change_max_ppm", where,
                                 &c->commission_change_max_ppm, errmsg, cap);
    err = err ? err
              : genesis_json_text(obj, "moniker", where, c->moniker, &c->moniker_len,
                                  LEDGER_MONIKER_MAX, errmsg, cap);
    err = err ? err
              : genesis_json_text(obj, "website", where, c->website, &c->website_len,
                                  LEDGER_WEBSITE_MAX, errmsg, cap);
    return err ? err
               : genesis_json_text(obj, "details", where, c->details, &c->details_len,
                                   LEDGER_DETAILS_MAX, errmsg, cap);
}

static int genesis_stake_cmp(const void *a, const void *b)
{
    return memcmp(((const genesis_stake *)a)->operator_key,
                  ((const genesis_stake *)b)->operator_key, 32);
}

/* Reads the stakes in file order, then sorts them; genesis_check finds duplicates. An absent
 * "stakes" (a file from before staking) is no stakes. */
static chr_err genesis_parse_stakes(genesis *g, json_t *arr, char *errmsg, size_t cap)
{
    if (arr == NULL) {
        return CHR_OK;
    }
    if (!json_is_array(arr)) {
        chr_errmsg_set(errmsg, cap, "stakes: must be an array");
        return CHR_ERR_GENESIS;
    }
    size_t n = json_array_size(arr);
    if (n > GENESIS_STAKES_MAX) {
        chr_errmsg_set(errmsg, cap, "stakes: more than %d", GENESIS_STAKES_MAX);
        return CHR_ERR_GENESIS;
    }
    if (n == 0) {
        return CHR_OK;
    }
    g->stakes = calloc(GENESIS_STAKES_MAX, sizeof(g->stakes[0]));
    if (g->stakes == NULL) {
        chr_errmsg_set(errmsg, cap, "out of memory");
        return CHR_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        chr_err err = genesis_parse_stake(&g->stakes[i], json_array_get(arr, i), i, errmsg, cap);
        if (err != CHR_OK) {
            return err;
        }
        g->stakes_len++;
    }
    qsort(g->stakes, n, sizeof(g->stakes[0]), genesis_stake_cmp);
    return CHR_OK;
}

static chr_err genesis_parse_root(genesis *g, json_t *root, char *errmsg, size_t cap)
{
    /* "stakes" and "gov_params" last: optional, so that a file from before staking loads
     * far enough to be refused with the reason (genesis_check_stakes). */
    static const char *const keys[] = {"chain_id",   "genesis_time", "params",     "accounts",
                                       "validators", "stakes",       "gov_params", "settle_params"};
    if (!json_is_object(root)) {
        chr_errmsg_set(errmsg, cap, "genesis: must be a JSON object");
        return CHR_ERR_GENESIS;
    }
    chr_err err = genesis_json_keys_some(root, keys, 8, 5, "genesis", errmsg, cap);
    const char *s = NULL;
    size_t len = 0;
    if (err == CHR_OK) {
        err = genesis_json_str(root, "chain_id", "", &s, &len, errmsg, cap);
    }
    if (err == CHR_OK && !ledger_chain_id_valid(s, len)) {
        chr_errmsg_set(errmsg, cap, "chain_id: must be " LEDGER_CHAIN_ID_RULE);
        err = CHR_ERR_GENESIS;
    }
    if (err == CHR_OK) {
        memcpy(g->chain_id, s, len);
        g->chain_id[len] = '\0';
        err = genesis_json_str(root, "genesis_time", "", &s, &len, errmsg, cap);
    }
    if (err == CHR_OK && genesis_time_parse(&g->genesis_time_ms, s, len) != CHR_OK) {
        chr_errmsg_set(errmsg, cap,
                       "genesis_time: must be RFC 3339 UTC such as 2026-11-27T22:00:00.000Z");
        err = CHR_ERR_GENESIS;
    }
    if (err == CHR_OK) {
        err = genesis_parse_params(g, json_object_get(root, "params"), errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_parse_gov_params(g, json_object_get(root, "gov_params"), errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_parse_settle_params(g, json_object_get(root, "settle_params"), errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_parse_accounts(g, json_object_get(root, "accounts"), errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_parse_validators(g, json_object_get(root, "validators"), errmsg, cap);
    }
    if (err == CHR_OK) {
        err = genesis_parse_stakes(g, json_object_get(root, "stakes"), errmsg, cap);
    }
    return err;
}

chr_err genesis_from_json(genesis *out, const char *text, size_t text_len, char *errmsg,
                          size_t errmsg_cap)
{
    genesis_init(out);
    chr_errmsg_set(errmsg, errmsg_cap, "%s", "");
    if (text_len > GENESIS_FILE_BYTES_MAX) {
        chr_errmsg_set(errmsg, errmsg_cap, "genesis: longer than %u bytes", GENESIS_FILE_BYTES_MAX);
        return CHR_ERR_TOO_LONG;
    }
    json_error_t jerr;
    /* jansson bounds nesting depth itself (JSON_PARSER_MAX_DEPTH); duplicates we forbid. */
    json_t *root = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        char q[GENESIS_QUOTE_MAX * 2];
        genesis_quote(q, jerr.text);
        chr_errmsg_set(errmsg, errmsg_cap, "JSON line %d column %d: %s", jerr.line, jerr.column, q);
        return CHR_ERR_JSON;
    }
    chr_err err = genesis_parse_root(out, root, errmsg, errmsg_cap);
    json_decref(root);
    if (err == CHR_OK) {
        err = genesis_check(out, false, errmsg, errmsg_cap);
    }
    if (err != CHR_OK) {
        genesis_free(out);
    }
    return err;
}

/* ---- JSON out ------------------------------------------------------------------------- */

typedef struct genesis_buf {
    char *p;
    size_t len;
    size_t cap;
} genesis_buf;

static void genesis_put(genesis_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to a buffer sized in advance from the counts; overrunning it is our bug. */
static void genesis_put(genesis_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    CHR_ASSERT(n >= 0);
    CHR_ASSERT((size_t)n < b->cap - b->len);
    b->len += (size_t)n;
}

/* Writes s (len bytes of UTF-8) as a JSON string: quote, backslash and control bytes
 * escaped, the rest as it is. */
static void genesis_put_text(genesis_buf *b, const char *s, size_t len)
{
    genesis_put(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            genesis_put(b, "\\%c", c);
        } else if (c < 0x20 || c == 0x7f) {
            genesis_put(b, "\\u%04x", c);
        } else {
            genesis_put(b, "%c", c);
        }
    }
    genesis_put(b, "\"");
}

static void genesis_put_stakes(genesis_buf *b, const genesis *g)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char hex[65];
    genesis_put(b, "  \"stakes\": [%s", g->stakes_len > 0 ? "\n" : "");
    for (size_t i = 0; i < g->stakes_len; i++) {
        const genesis_stake *st = &g->stakes[i];
        const ledger_staking_create *c = &st->c;
        chr_address_encode(addr, st->operator_key);
        chr_hex_encode(hex, sizeof(hex), c->consensus_key, 32);
        genesis_put(b,
                    "    {\"operator\": \"%s\", \"pub_key\": \"%s\", \"self_bond\": \"%llu\", "
                    "\"min_self_bond\": \"%llu\", \"commission_ppm\": %lu, "
                    "\"commission_max_ppm\": %lu, \"commission_change_max_ppm\": %lu, "
                    "\"moniker\": ",
                    addr, hex, (unsigned long long)c->amount, (unsigned long long)c->min_self_bond,
                    (unsigned long)c->commission_ppm, (unsigned long)c->commission_max_ppm,
                    (unsigned long)c->commission_change_max_ppm);
        genesis_put_text(b, c->moniker, c->moniker_len);
        if (c->website_len > 0) {
            genesis_put(b, ", \"website\": ");
            genesis_put_text(b, c->website, c->website_len);
        }
        if (c->details_len > 0) {
            genesis_put(b, ", \"details\": ");
            genesis_put_text(b, c->details, c->details_len);
        }
        genesis_put(b, "}%s\n", i + 1 < g->stakes_len ? "," : "");
    }
    genesis_put(b, "%s],\n", g->stakes_len > 0 ? "  " : "");
}

static void genesis_put_lists(genesis_buf *b, const genesis *g)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char hex[65];
    genesis_put(b, "  \"accounts\": [%s", g->accounts_len > 0 ? "\n" : "");
    for (size_t i = 0; i < g->accounts_len; i++) {
        chr_address_encode(addr, g->accounts[i].address);
        genesis_put(b, "    {\"address\": \"%s\", \"balance\": \"%llu\"}%s\n", addr,
                    (unsigned long long)g->accounts[i].balance, i + 1 < g->accounts_len ? "," : "");
    }
    genesis_put(b, "%s],\n", g->accounts_len > 0 ? "  " : "");
    genesis_put_stakes(b, g);
    genesis_put(b, "  \"validators\": [%s", g->validators.len > 0 ? "\n" : "");
    for (size_t i = 0; i < g->validators.len; i++) {
        chr_hex_encode(hex, sizeof(hex), g->validators.v[i].pubkey, 32);
        genesis_put(b, "    {\"pub_key\": \"%s\", \"power\": \"%llu\"}%s\n", hex,
                    (unsigned long long)g->validators.v[i].power,
                    i + 1 < g->validators.len ? "," : "");
    }
    genesis_put(b, "%s]\n}\n", g->validators.len > 0 ? "  " : "");
}

chr_err genesis_to_json(const genesis *g, char **out)
{
    *out = NULL;
    char time[GENESIS_TIME_STR_LEN + 1];
    size_t id_len = strnlen(g->chain_id, sizeof(g->chain_id));
    /* The chain id is written unescaped, so only a valid one may be written at all. */
    if (id_len > LEDGER_CHAIN_ID_MAX || !ledger_chain_id_valid(g->chain_id, id_len) ||
        genesis_time_format(time, g->genesis_time_ms) != CHR_OK ||
        g->accounts_len > LEDGER_GENESIS_ACCOUNTS_MAX ||
        g->validators.len > LEDGER_VALIDATORS_MAX || g->stakes_len > GENESIS_STAKES_MAX) {
        return CHR_ERR_GENESIS;
    }
    genesis_buf b = {NULL, 0,
                     GENESIS_JSON_FIXED_BYTES + g->accounts_len * GENESIS_JSON_ACCOUNT_BYTES +
                         g->validators.len * GENESIS_JSON_VALIDATOR_BYTES +
                         g->stakes_len * GENESIS_JSON_STAKE_BYTES};
    b.p = malloc(b.cap);
    if (b.p == NULL) {
        return CHR_ERR_NOMEM;
    }
    genesis_put(&b, "{\n  \"chain_id\": \"%s\",\n  \"genesis_time\": \"%s\",\n", g->chain_id, time);
    genesis_put(&b,
                "  \"params\": {\n    \"fee_transfer\": \"%llu\",\n    \"block_txs_max\": %lu,\n"
                "    \"block_bytes_max\": %lu",
                (unsigned long long)g->params.fee_transfer, (unsigned long)g->params.block_txs_max,
                (unsigned long)g->params.block_bytes_max);
    size_t n;
    const ledger_param_field *fields = ledger_param_fields(&n);
    for (size_t i = 0; i < n; i++) {
        unsigned long long v = (unsigned long long)ledger_param_get(&g->params, i);
        if (fields[i].wide) {
            genesis_put(&b, ",\n    \"%s\": \"%llu\"", fields[i].name, v);
        } else {
            genesis_put(&b, ",\n    \"%s\": %llu", fields[i].name, v);
        }
    }
    genesis_put(&b, "\n  },\n");
    /* Only a genesis that sets them writes them: the files before them stay byte for byte. */
    for (size_t i = 0; genesis_has_gov_params(g) && ledger_gov_params_name(i) != NULL; i++) {
        genesis_put(&b, "%s    \"%s\": \"%llu\"", i == 0 ? "  \"gov_params\": {\n" : ",\n",
                    ledger_gov_params_name(i),
                    (unsigned long long)ledger_gov_params_value(&g->gov_params, i));
    }
    genesis_put(&b, "%s", genesis_has_gov_params(g) ? "\n  },\n" : "");
    if (genesis_has_settle_params(g)) {
        genesis_put(&b,
                    "  \"settle_params\": {\n    \"settle_window_ms\": \"%llu\",\n"
                    "    \"dispute_window_ms\": \"%llu\",\n"
                    "    \"protocol_share_permille\": \"%llu\"\n  },\n",
                    (unsigned long long)g->settle_params.settle_window_ms,
                    (unsigned long long)g->settle_params.dispute_window_ms,
                    (unsigned long long)g->settle_params.protocol_share_permille);
    }
    genesis_put_lists(&b, g);
    *out = b.p;
    return CHR_OK;
}

/* ---- files ---------------------------------------------------------------------------- */

chr_err genesis_load_file(genesis *out, const char *path, char *errmsg, size_t errmsg_cap)
{
    genesis_init(out);
    char *text;
    size_t len;
    char why_read[GENESIS_ERRMSG_MAX];
    chr_err err =
        chr_file_read(path, GENESIS_FILE_BYTES_MAX, &text, &len, why_read, sizeof(why_read));
    if (err != CHR_OK) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: %s", path, why_read);
    }
    if (err != CHR_OK) {
        return err;
    }
    char why[GENESIS_ERRMSG_MAX];
    err = genesis_from_json(out, text, len, why, sizeof(why));
    free(text);
    if (err != CHR_OK) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: %s", path, why);
    }
    return err;
}

static chr_err genesis_write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return CHR_ERR_IO;
        }
        done += (size_t)n;
    }
    return CHR_OK;
}

static chr_err genesis_write_atomic(const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return CHR_ERR_IO;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        return CHR_ERR_IO;
    }
    chr_err err = fchmod(fd, 0644) == 0 ? CHR_OK : CHR_ERR_IO;
    if (err == CHR_OK) {
        err = genesis_write_all(fd, data, len);
    }
    if (err == CHR_OK && fsync(fd) != 0) {
        err = CHR_ERR_IO;
    }
    if (close(fd) != 0 && err == CHR_OK) {
        err = CHR_ERR_IO;
    }
    if (err == CHR_OK && rename(tmp, path) != 0) {
        err = CHR_ERR_IO;
    }
    if (err != CHR_OK) {
        unlink(tmp);
        return err;
    }
    return chr_sync_dir_of(path);
}

chr_err genesis_save_file(const genesis *g, const char *path)
{
    char *json;
    chr_err err = genesis_to_json(g, &json);
    if (err != CHR_OK) {
        return err;
    }
    err = genesis_write_atomic(path, json, strlen(json));
    free(json);
    return err;
}

chr_err genesis_state_root(const genesis *g, uint8_t root[CHR_HASH_LEN])
{
    memset(root, 0, CHR_HASH_LEN);
    uint64_t *balances = malloc((g->accounts_len + 1) * sizeof(uint64_t));
    if (balances == NULL) {
        return CHR_ERR_NOMEM;
    }
    ledger_objects *objs = NULL;
    char why[GENESIS_ERRMSG_MAX];
    chr_err err = genesis_stakes_state(g, &objs, balances, NULL, why, sizeof(why));
    size_t objs_len = objs != NULL ? ledger_objects_len(objs) : 0;
    ledger_smt *t = NULL;
    err = err ? err : ledger_smt_new(&t, g->accounts_len + objs_len + 1);
    for (size_t i = 0; i < g->accounts_len && err == CHR_OK; i++) {
        ledger_account a = {.balance = balances[i], .nonce = 0};
        uint8_t h[CHR_HASH_LEN];
        ledger_account_hash(h, &a);
        err = ledger_smt_set(t, g->accounts[i].address, h);
    }
    for (size_t i = 0; i < objs_len && err == CHR_OK; i++) {
        ledger_state_kind kind;
        const uint8_t *natural;
        const uint8_t *value;
        size_t natural_len;
        size_t value_len;
        ledger_objects_at(objs, i, &kind, &natural, &natural_len, &value, &value_len);
        CHR_ASSERT(value != NULL); /* a genesis deletes nothing */
        uint8_t key[CHR_HASH_LEN];
        uint8_t h[CHR_HASH_LEN];
        ledger_state_key(key, kind, natural, natural_len);
        ledger_object_hash(h, value, value_len);
        err = ledger_smt_set(t, key, h);
    }
    if (err == CHR_OK) {
        ledger_smt_root(t, root);
    }
    ledger_smt_free(t);
    ledger_objects_free(objs);
    free(balances);
    return err;
}
