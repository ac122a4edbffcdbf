/* The staking commands: stake, unstake, redelegate, validator create|edit|unjail|show|list,
 * delegations, rewards [withdraw], and the staking types of tx build and tx sign
 * (docs/WALLET-CLI.md, "Staking" and "Transaction files"). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/hex.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "wallet/amount.h"
#include "wallet/internal/cli.h"

/* A key cursor is at most 140 base64url characters (docs/API.md, "Lists"). */
#define STAKE_CURSOR_CHARS_MAX 160

/* create_validator's defaults (docs/WALLET-CLI.md): 10% commission, at most 20%, moved at
 * most 1% a day; a least self-bond of 1 CHR (the chain's default floor). */
#define STAKE_COMMISSION_DEFAULT 100000u
#define STAKE_COMMISSION_MAX_DEFAULT 200000u
#define STAKE_COMMISSION_CHANGE_DEFAULT 10000u
#define STAKE_MIN_SELF_BOND_DEFAULT "1"

typedef struct stake_type {
    const char *name; /* the type's name in the API and in transaction files */
    uint8_t type;
} stake_type;

static const stake_type stake_types[] = {
    {"create_validator", LEDGER_TX_CREATE_VALIDATOR},
    {"edit_validator", LEDGER_TX_EDIT_VALIDATOR},
    {"delegate", LEDGER_TX_DELEGATE},
    {"undelegate", LEDGER_TX_UNDELEGATE},
    {"redelegate", LEDGER_TX_REDELEGATE},
    {"withdraw_rewards", LEDGER_TX_WITHDRAW_REWARDS},
    {"unjail", LEDGER_TX_UNJAIL},
};

#define STAKE_TYPES_LEN (sizeof(stake_types) / sizeof(stake_types[0]))

static const char *stake_type_name(uint8_t type)
{
    for (size_t i = 0; i < STAKE_TYPES_LEN; i++) {
        if (stake_types[i].type == type) {
            return stake_types[i].name;
        }
    }
    return NULL;
}

/* 0 when name is not a staking type. */
static uint8_t stake_type_of(const char *name)
{
    for (size_t i = 0; name != NULL && i < STAKE_TYPES_LEN; i++) {
        if (strcmp(stake_types[i].name, name) == 0) {
            return stake_types[i].type;
        }
    }
    return 0;
}

/* The inputs a body is made of, from positional arguments or options. */
typedef struct stake_args {
    const char *validator;
    const char *src;
    const char *dst;
    const char *amount;
    const char *consensus_key;
} stake_args;

static int parse_ppm(const char *what, const char *s, uint32_t def, uint32_t *out)
{
    uint64_t v = def;
    if (s != NULL && (!wallet_cli_parse_u64(what, s, &v) || v > LEDGER_PPM)) {
        wallet_cli_err("%s: parts per million, 0 to %u", what, LEDGER_PPM);
        return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

static int parse_text(const char *what, const char *s, size_t max, char *out, uint8_t *out_len)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (len > max || (s != NULL && !ledger_utf8_valid((const uint8_t *)s, len))) {
        wallet_cli_err("%s: at most %zu bytes of UTF-8", what, max);
        return 0;
    }
    if (len > 0) {
        memcpy(out, s, len);
    }
    *out_len = (uint8_t)len;
    return 1;
}

/* A consensus key: 64 hex characters or a chr1... address, on the curve. */
static int parse_consensus_key(const char *s, uint8_t out[32])
{
    size_t len = s != NULL ? strlen(s) : 0;
    chr_err e = len == 64 ? chr_hex_decode_exact(out, 32, s, len)
                          : (s != NULL ? chr_address_decode(out, s, len) : CHR_ERR_ARG);
    if (e != CHR_OK || !ledger_pubkey_valid(out)) {
        wallet_cli_err("consensus key: 64 hex characters or a chr1... address of a valid key");
        return 0;
    }
    return 1;
}

static int parse_create(const wallet_cli *c, const stake_args *a, unsigned decimals,
                        ledger_staking_create *b)
{
    const char *msb = c->opt[WALLET_OPT_MIN_SELF_BOND];
    if (c->opt[WALLET_OPT_MONIKER] == NULL) {
        return wallet_cli_usage(c, "--moniker NAME is required");
    }
    int ok = parse_consensus_key(a->consensus_key, b->consensus_key) &&
             wallet_cli_parse_amount(c, "SELF_BOND", a->amount, decimals, &b->amount) &&
             wallet_cli_parse_amount(c, "--min-self-bond",
                                     msb != NULL                      ? msb
                                     : c->opt[WALLET_OPT_RAW] != NULL ? "1000000"
                                                                      : STAKE_MIN_SELF_BOND_DEFAULT,
                                     decimals, &b->min_self_bond) &&
             parse_ppm("--commission", c->opt[WALLET_OPT_COMMISSION], STAKE_COMMISSION_DEFAULT,
                       &b->commission_ppm) &&
             parse_ppm("--commission-max", c->opt[WALLET_OPT_COMMISSION_MAX],
                       STAKE_COMMISSION_MAX_DEFAULT, &b->commission_max_ppm) &&
             parse_ppm("--commission-change-max", c->opt[WALLET_OPT_COMMISSION_CHANGE_MAX],
                       STAKE_COMMISSION_CHANGE_DEFAULT, &b->commission_change_max_ppm) &&
             parse_text("--moniker", c->opt[WALLET_OPT_MONIKER], LEDGER_MONIKER_MAX, b->moniker,
                        &b->moniker_len) &&
             parse_text("--website", c->opt[WALLET_OPT_WEBSITE], LEDGER_WEBSITE_MAX, b->website,
                        &b->website_len) &&
             parse_text("--details", c->opt[WALLET_OPT_DETAILS], LEDGER_DETAILS_MAX, b->details,
                        &b->details_len);
    return ok ? WALLET_EXIT_OK : WALLET_EXIT_USAGE;
}

/* An edit changes the fields given, and only them. */
static int parse_edit(const wallet_cli *c, unsigned decimals, ledger_staking_edit *e)
{
    const char *const *o = c->opt;
    int ok = 1;
    if (o[WALLET_OPT_COMMISSION] != NULL) {
        e->mask |= LEDGER_EDIT_COMMISSION;
        ok = parse_ppm("--commission", o[WALLET_OPT_COMMISSION], 0, &e->commission_ppm);
    }
    if (ok && o[WALLET_OPT_MIN_SELF_BOND] != NULL) {
        e->mask |= LEDGER_EDIT_MIN_SELF_BOND;
        ok = wallet_cli_parse_amount(c, "--min-self-bond", o[WALLET_OPT_MIN_SELF_BOND], decimals,
                                     &e->min_self_bond);
    }
    if (ok && o[WALLET_OPT_MONIKER] != NULL) {
        e->mask |= LEDGER_EDIT_MONIKER;
        ok = parse_text("--moniker", o[WALLET_OPT_MONIKER], LEDGER_MONIKER_MAX, e->moniker,
                        &e->moniker_len);
    }
    if (ok && o[WALLET_OPT_WEBSITE] != NULL) {
        e->mask |= LEDGER_EDIT_WEBSITE;
        ok = parse_text("--website", o[WALLET_OPT_WEBSITE], LEDGER_WEBSITE_MAX, e->website,
                        &e->website_len);
    }
    if (ok && o[WALLET_OPT_DETAILS] != NULL) {
        e->mask |= LEDGER_EDIT_DETAILS;
        ok = parse_text("--details", o[WALLET_OPT_DETAILS], LEDGER_DETAILS_MAX, e->details,
                        &e->details_len);
    }
    if (ok && e->mask == 0) {
        return wallet_cli_usage(c, "give at least one of --commission, --min-self-bond, "
                                   "--moniker, --website, --details");
    }
    return ok ? WALLET_EXIT_OK : WALLET_EXIT_USAGE;
}

static int parse_positive(const wallet_cli *c, const char *s, unsigned decimals, uint64_t *out)
{
    if (s == NULL) {
        return wallet_cli_usage(c, "an amount is required");
    }
    if (!wallet_cli_parse_amount(c, "AMOUNT", s, decimals, out)) {
        return WALLET_EXIT_USAGE;
    }
    return *out == 0 ? wallet_cli_usage(c, "AMOUNT: must be more than zero") : WALLET_EXIT_OK;
}

/* The body of tx->type from a, amounts with `decimals`. */
static int parse_body(const wallet_cli *c, const stake_args *a, unsigned decimals, ledger_tx *tx)
{
    switch (tx->type) {
    case LEDGER_TX_CREATE_VALIDATOR:
        return parse_create(c, a, decimals, &tx->body.create_validator);
    case LEDGER_TX_EDIT_VALIDATOR:
        return parse_edit(c, decimals, &tx->body.edit_validator);
    case LEDGER_TX_DELEGATE:
    case LEDGER_TX_UNDELEGATE:
        if (a->validator == NULL ||
            !wallet_cli_parse_address("VALIDATOR", a->validator, tx->body.stake.validator)) {
            return wallet_cli_usage(c, "a validator's chr1... address is required");
        }
        return parse_positive(c, a->amount, decimals, &tx->body.stake.amount);
    case LEDGER_TX_WITHDRAW_REWARDS:
        /* No validator: from every one (all zero, docs/PROTOCOL.md "withdraw-rewards"). */
        if (a->validator != NULL &&
            !wallet_cli_parse_address("VALIDATOR", a->validator, tx->body.withdraw.validator)) {
            return WALLET_EXIT_USAGE;
        }
        return WALLET_EXIT_OK;
    case LEDGER_TX_UNJAIL:
        return WALLET_EXIT_OK; /* no body: the sender's validator */
    default:
        CHR_ASSERT(tx->type == LEDGER_TX_REDELEGATE);
        if (a->src == NULL || a->dst == NULL ||
            !wallet_cli_parse_address("SRC", a->src, tx->body.restake.src) ||
            !wallet_cli_parse_address("DST", a->dst, tx->body.restake.dst)) {
            return wallet_cli_usage(c, "the source and destination validators are required");
        }
        if (memcmp(tx->body.restake.src, tx->body.restake.dst, 32) == 0) {
            return wallet_cli_usage(c, "the source and destination are the same validator");
        }
        return parse_positive(c, a->amount, decimals, &tx->body.restake.amount);
    }
}

/* The fee (--fee), memo and expiry options into tx; *fee_given says whether --fee was. */
static int parse_common(const wallet_cli *c, unsigned decimals, ledger_tx *tx, int *fee_given)
{
    const char *fee = c->opt[WALLET_OPT_FEE];
    const char *memo = c->opt[WALLET_OPT_MEMO];
    const char *expiry = c->opt[WALLET_OPT_EXPIRY_HEIGHT];
    if ((fee != NULL && !wallet_cli_parse_amount(c, "--fee", fee, decimals, &tx->fee)) ||
        (expiry != NULL && !wallet_cli_parse_u64("--expiry-height", expiry, &tx->expiry_height))) {
        return WALLET_EXIT_USAGE;
    }
    size_t len = memo != NULL ? strlen(memo) : 0;
    if (len > LEDGER_MEMO_MAX || (memo != NULL && !ledger_utf8_valid((const uint8_t *)memo, len))) {
        return wallet_cli_usage(c, "--memo: at most %d bytes of UTF-8", LEDGER_MEMO_MAX);
    }
    memcpy(tx->memo, memo != NULL ? memo : "", len);
    tx->memo_len = (uint16_t)len;
    *fee_given = fee != NULL;
    return WALLET_EXIT_OK;
}

/* Parses the body and the common options with `decimals` into tx (type set). */
static int parse_all(const wallet_cli *c, const stake_args *a, unsigned decimals, ledger_tx *tx,
                     int *fee_given)
{
    uint8_t type = tx->type;
    memset(&tx->body, 0, sizeof(tx->body));
    tx->type = type;
    int rc = parse_body(c, a, decimals, tx);
    return rc ? rc : parse_common(c, decimals, tx, fee_given);
}

static void set_chain_id(ledger_tx *tx, const char *id)
{
    size_t len = strlen(id);
    CHR_ASSERT(len <= LEDGER_CHAIN_ID_MAX);
    memcpy(tx->chain_id, id, len + 1);
    tx->chain_id_len = (uint8_t)len;
}

/* Signs and submits a staking transaction made from a: the chain id, the token's decimals,
 * the minimum fee (unless --fee) and the next nonce come from the node. */
static int stake_send(wallet_cli *c, uint8_t type, const stake_args *a)
{
    ledger_tx tx;
    memset(&tx, 0, sizeof(tx));
    tx.type = type;
    int fee_given = 0;
    int rc = parse_all(c, a, LEDGER_TOKEN_DECIMALS, &tx, &fee_given);
    rc = rc ? rc : wallet_cli_key_public(c, tx.from, NULL, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    wallet_token tok;
    wallet_account acc;
    rc = wallet_cli_fetch_token(c, &tok);
    if (rc == WALLET_EXIT_OK && tok.decimals != LEDGER_TOKEN_DECIMALS &&
        parse_all(c, a, tok.decimals, &tx, &fee_given) != WALLET_EXIT_OK) {
        return WALLET_EXIT_USAGE;
    }
    rc = rc ? rc : wallet_cli_fetch_account(c, tx.from, &acc);
    if (rc != WALLET_EXIT_OK) {
        wallet_cli_err("nothing was sent");
        return rc;
    }
    set_chain_id(&tx, tok.chain_id);
    tx.fee = fee_given ? tx.fee : tok.fee_transfer;
    tx.nonce = acc.pending_nonce;
    uint8_t sk[32];
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    uint8_t hash[32];
    size_t len;
    rc = wallet_cli_sender_secret(c, tx.from, sk);
    rc = rc ? rc : wallet_cli_sign_tx(&tx, sk, buf, &len, hash);
    sodium_memzero(sk, sizeof(sk));
    return rc ? rc : wallet_cli_submit(c, buf, len, c->opt[WALLET_OPT_WAIT] != NULL);
}

int wallet_cmd_stake(wallet_cli *c)
{
    stake_args a = {.validator = c->args[0], .amount = c->args[1]};
    return stake_send(c, LEDGER_TX_DELEGATE, &a);
}

int wallet_cmd_unstake(wallet_cli *c)
{
    stake_args a = {.validator = c->args[0], .amount = c->args[1]};
    return stake_send(c, LEDGER_TX_UNDELEGATE, &a);
}

int wallet_cmd_redelegate(wallet_cli *c)
{
    stake_args a = {.src = c->args[0], .dst = c->args[1], .amount = c->args[2]};
    return stake_send(c, LEDGER_TX_REDELEGATE, &a);
}

int wallet_cmd_validator_create(wallet_cli *c)
{
    stake_args a = {.consensus_key = c->args[0], .amount = c->args[1]};
    return stake_send(c, LEDGER_TX_CREATE_VALIDATOR, &a);
}

int wallet_cmd_validator_edit(wallet_cli *c)
{
    stake_args a;
    memset(&a, 0, sizeof(a));
    return stake_send(c, LEDGER_TX_EDIT_VALIDATOR, &a);
}

int wallet_cmd_validator_unjail(wallet_cli *c)
{
    stake_args a;
    memset(&a, 0, sizeof(a));
    return stake_send(c, LEDGER_TX_UNJAIL, &a);
}

/* ---- Transaction files. ---- */

static json_t *json_u64(uint64_t v)
{
    char s[CHR_U64_DIGITS_MAX + 1];
    snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
    return json_string(s);
}

static json_t *json_addr(const uint8_t key[32])
{
    char s[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(s, key);
    return json_string(s);
}

/* The body's fields of a staking transaction file. */
static void body_json(json_t *j, const ledger_tx *tx)
{
    const ledger_staking_create *b = &tx->body.create_validator;
    const ledger_staking_edit *e = &tx->body.edit_validator;
    char hex[65];
    switch (tx->type) {
    case LEDGER_TX_CREATE_VALIDATOR:
        chr_hex_encode(hex, sizeof(hex), b->consensus_key, 32);
        json_object_set_new(j, "consensus_key", json_string(hex));
        json_object_set_new(j, "commission_ppm", json_integer(b->commission_ppm));
        json_object_set_new(j, "commission_max_ppm", json_integer(b->commission_max_ppm));
        json_object_set_new(j, "commission_change_max_ppm",
                            json_integer(b->commission_change_max_ppm));
        json_object_set_new(j, "min_self_bond", json_u64(b->min_self_bond));
        json_object_set_new(j, "amount", json_u64(b->amount));
        json_object_set_new(j, "moniker", json_stringn(b->moniker, b->moniker_len));
        json_object_set_new(j, "website", json_stringn(b->website, b->website_len));
        json_object_set_new(j, "details", json_stringn(b->details, b->details_len));
        break;
    case LEDGER_TX_EDIT_VALIDATOR:
        if (e->mask & LEDGER_EDIT_COMMISSION) {
            json_object_set_new(j, "commission_ppm", json_integer(e->commission_ppm));
        }
        if (e->mask & LEDGER_EDIT_MIN_SELF_BOND) {
            json_object_set_new(j, "min_self_bond", json_u64(e->min_self_bond));
        }
        if (e->mask & LEDGER_EDIT_MONIKER) {
            json_object_set_new(j, "moniker", json_stringn(e->moniker, e->moniker_len));
        }
        if (e->mask & LEDGER_EDIT_WEBSITE) {
            json_object_set_new(j, "website", json_stringn(e->website, e->website_len));
        }
        if (e->mask & LEDGER_EDIT_DETAILS) {
            json_object_set_new(j, "details", json_stringn(e->details, e->details_len));
        }
        break;
    case LEDGER_TX_DELEGATE:
    case LEDGER_TX_UNDELEGATE:
        json_object_set_new(j, "validator", json_addr(tx->body.stake.validator));
        json_object_set_new(j, "amount", json_u64(tx->body.stake.amount));
        break;
    case LEDGER_TX_WITHDRAW_REWARDS: {
        static const uint8_t all[32];
        json_object_set_new(j, "validator",
                            memcmp(tx->body.withdraw.validator, all, 32) == 0
                                ? json_null()
                                : json_addr(tx->body.withdraw.validator));
        break;
    }
    case LEDGER_TX_UNJAIL:
        break;
    default:
        json_object_set_new(j, "src_validator", json_addr(tx->body.restake.src));
        json_object_set_new(j, "dst_validator", json_addr(tx->body.restake.dst));
        json_object_set_new(j, "amount", json_u64(tx->body.restake.amount));
        break;
    }
}

/* An unsigned staking transaction as its file holds it (strings for amounts). */
static json_t *stake_json(const ledger_tx *tx)
{
    json_t *j = json_object();
    json_object_set_new(j, "type", json_string(stake_type_name(tx->type)));
    json_object_set_new(j, "chain_id", json_string(tx->chain_id));
    json_object_set_new(j, "from", json_addr(tx->from));
    body_json(j, tx);
    json_object_set_new(j, "fee", json_u64(tx->fee));
    json_object_set_new(j, "nonce", json_u64(tx->nonce));
    json_object_set_new(j, "expiry_height", json_u64(tx->expiry_height));
    json_object_set_new(j, "memo", json_stringn((const char *)tx->memo, tx->memo_len));
    return j;
}

/* Writes j (indented, with a newline) to --out or stdout; releases j. */
static int write_json(const wallet_cli *c, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    size_t len = text != NULL ? strlen(text) : 0;
    char *withnl = text != NULL ? realloc(text, len + 2) : NULL;
    if (withnl == NULL) {
        free(text);
        return WALLET_EXIT_LOCAL;
    }
    memcpy(withnl + len, "\n", 2);
    int rc = wallet_cli_write_out(c->opt[WALLET_OPT_OUT], withnl);
    free(withnl);
    return rc;
}

int wallet_stake_tx_build(wallet_cli *c, const char *type)
{
    ledger_tx tx;
    memset(&tx, 0, sizeof(tx));
    tx.type = stake_type_of(type);
    if (tx.type == 0) {
        return wallet_cli_usage(c, "--type: transfer, delegate, undelegate, redelegate, "
                                   "create_validator, edit_validator, withdraw_rewards or "
                                   "unjail");
    }
    const char *from = c->opt[WALLET_OPT_FROM];
    const char *chain_id = c->opt[WALLET_OPT_CHAIN_ID];
    const char *nonce = c->opt[WALLET_OPT_NONCE];
    stake_args a = {c->opt[WALLET_OPT_VALIDATOR], c->opt[WALLET_OPT_SRC], c->opt[WALLET_OPT_DST],
                    c->opt[WALLET_OPT_AMOUNT], c->opt[WALLET_OPT_CONSENSUS_KEY]};
    int fee_given = 0;
    if (from != NULL && (c->opt[WALLET_OPT_KEY] != NULL || c->opt[WALLET_OPT_KEY_FILE] != NULL)) {
        return wallet_cli_usage(c, "give --from or a key, not both");
    }
    if ((from != NULL && !wallet_cli_parse_address("--from", from, tx.from)) ||
        (nonce != NULL && !wallet_cli_parse_u64("--nonce", nonce, &tx.nonce))) {
        return WALLET_EXIT_USAGE;
    }
    if (chain_id != NULL && !ledger_chain_id_valid(chain_id, strlen(chain_id))) {
        return wallet_cli_usage(c, "--chain-id: not a chain id (" LEDGER_CHAIN_ID_RULE ")");
    }
    int rc = parse_all(c, &a, LEDGER_TOKEN_DECIMALS, &tx, &fee_given);
    rc = rc || from != NULL ? rc : wallet_cli_key_public(c, tx.from, NULL, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (chain_id != NULL) {
        set_chain_id(&tx, chain_id);
    }
    /* Offline when everything the node would tell is given. */
    if (chain_id == NULL || !fee_given || nonce == NULL) {
        wallet_token tok;
        wallet_account acc;
        rc = wallet_cli_fetch_token(c, &tok);
        if (rc == WALLET_EXIT_OK && tok.decimals != LEDGER_TOKEN_DECIMALS &&
            parse_all(c, &a, tok.decimals, &tx, &fee_given) != WALLET_EXIT_OK) {
            return WALLET_EXIT_USAGE;
        }
        rc = rc || nonce != NULL ? rc : wallet_cli_fetch_account(c, tx.from, &acc);
        if (rc != WALLET_EXIT_OK) {
            wallet_cli_err("to build offline, give --chain-id, --fee and --nonce");
            return rc;
        }
        if (chain_id == NULL) {
            set_chain_id(&tx, tok.chain_id);
        }
        tx.fee = fee_given ? tx.fee : tok.fee_transfer;
        tx.nonce = nonce != NULL ? tx.nonce : acc.pending_nonce;
    }
    return write_json(c, stake_json(&tx));
}

/* ---- tx sign of a staking file. ---- */

static int field_u64(const json_t *j, const char *key, uint64_t *out)
{
    const char *s = json_string_value(json_object_get(j, key));
    if (s == NULL || chr_u64_parse(out, s, strlen(s)) != CHR_OK) {
        wallet_cli_err("field %s: a decimal string of units is required", key);
        return 0;
    }
    return 1;
}

static int field_ppm(const json_t *j, const char *key, uint32_t *out)
{
    const json_t *v = json_object_get(j, key);
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
    if (n < 0 || n > (json_int_t)LEDGER_PPM) {
        wallet_cli_err("field %s: an integer from 0 to %u is required", key, LEDGER_PPM);
        return 0;
    }
    *out = (uint32_t)n;
    return 1;
}

static int field_addr(const json_t *j, const char *key, uint8_t out[32])
{
    const char *s = json_string_value(json_object_get(j, key));
    if (s == NULL || chr_address_decode(out, s, strlen(s)) != CHR_OK) {
        wallet_cli_err("field %s: a chr1... address is required", key);
        return 0;
    }
    return 1;
}

static int field_text(const json_t *j, const char *key, size_t max, char *out, uint8_t *out_len)
{
    const json_t *v = json_object_get(j, key);
    if (!json_is_string(v)) {
        wallet_cli_err("field %s: a string is required", key);
        return 0;
    }
    return parse_text(key, json_string_value(v), max, out, out_len) &&
           strlen(json_string_value(v)) == json_string_length(v);
}

/* The fields each type's file has besides the common ones. */
static int body_parse(const json_t *j, ledger_tx *tx)
{
    ledger_staking_create *b = &tx->body.create_validator;
    ledger_staking_edit *e = &tx->body.edit_validator;
    const char *key = json_string_value(json_object_get(j, "consensus_key"));
    switch (tx->type) {
    case LEDGER_TX_CREATE_VALIDATOR:
        return parse_consensus_key(key, b->consensus_key) &&
               field_ppm(j, "commission_ppm", &b->commission_ppm) &&
               field_ppm(j, "commission_max_ppm", &b->commission_max_ppm) &&
               field_ppm(j, "commission_change_max_ppm", &b->commission_change_max_ppm) &&
               field_u64(j, "min_self_bond", &b->min_self_bond) &&
               field_u64(j, "amount", &b->amount) &&
               field_text(j, "moniker", LEDGER_MONIKER_MAX, b->moniker, &b->moniker_len) &&
               field_text(j, "website", LEDGER_WEBSITE_MAX, b->website, &b->website_len) &&
               field_text(j, "details", LEDGER_DETAILS_MAX, b->details, &b->details_len);
    case LEDGER_TX_EDIT_VALIDATOR: {
        int ok = 1;
        e->mask = (json_object_get(j, "commission_ppm") ? LEDGER_EDIT_COMMISSION : 0) |
                  (json_object_get(j, "min_self_bond") ? LEDGER_EDIT_MIN_SELF_BOND : 0) |
                  (json_object_get(j, "moniker") ? LEDGER_EDIT_MONIKER : 0) |
                  (json_object_get(j, "website") ? LEDGER_EDIT_WEBSITE : 0) |
                  (json_object_get(j, "details") ? LEDGER_EDIT_DETAILS : 0);
        ok = ok && (!(e->mask & LEDGER_EDIT_COMMISSION) ||
                    field_ppm(j, "commission_ppm", &e->commission_ppm));
        ok = ok && (!(e->mask & LEDGER_EDIT_MIN_SELF_BOND) ||
                    field_u64(j, "min_self_bond", &e->min_self_bond));
        ok = ok && (!(e->mask & LEDGER_EDIT_MONIKER) ||
                    field_text(j, "moniker", LEDGER_MONIKER_MAX, e->moniker, &e->moniker_len));
        ok = ok && (!(e->mask & LEDGER_EDIT_WEBSITE) ||
                    field_text(j, "website", LEDGER_WEBSITE_MAX, e->website, &e->website_len));
        ok = ok && (!(e->mask & LEDGER_EDIT_DETAILS) ||
                    field_text(j, "details", LEDGER_DETAILS_MAX, e->details, &e->details_len));
        return ok;
    }
    case LEDGER_TX_DELEGATE:
    case LEDGER_TX_UNDELEGATE:
        return field_addr(j, "validator", tx->body.stake.validator) &&
               field_u64(j, "amount", &tx->body.stake.amount);
    case LEDGER_TX_WITHDRAW_REWARDS:
        /* null or absent: from every validator. */
        return json_is_null(json_object_get(j, "validator")) ||
               json_object_get(j, "validator") == NULL ||
               field_addr(j, "validator", tx->body.withdraw.validator);
    case LEDGER_TX_UNJAIL:
        return 1;
    default:
        return field_addr(j, "src_validator", tx->body.restake.src) &&
               field_addr(j, "dst_validator", tx->body.restake.dst) &&
               field_u64(j, "amount", &tx->body.restake.amount);
    }
}

/* Every field of a staking file is one its type has (a signed file's are refused). */
static int fields_known(const json_t *j, uint8_t type)
{
    static const char *const common[] = {"type",  "chain_id",      "from", "fee",
                                         "nonce", "expiry_height", "memo"};
    static const char *const create[] = {"consensus_key",
                                         "commission_ppm",
                                         "commission_max_ppm",
                                         "commission_change_max_ppm",
                                         "min_self_bond",
                                         "amount",
                                         "moniker",
                                         "website",
                                         "details"};
    static const char *const stake[] = {"validator", "amount"};
    static const char *const restake[] = {"src_validator", "dst_validator", "amount"};
    int validator = type == LEDGER_TX_CREATE_VALIDATOR || type == LEDGER_TX_EDIT_VALIDATOR;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)j, key, v) {
        int known = 0;
        for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
            known |= strcmp(common[i], key) == 0;
        }
        for (size_t i = 0; validator && i < sizeof(create) / sizeof(create[0]); i++) {
            /* An edit has only the fields it may change. */
            int editable = strcmp(create[i], "commission_ppm") == 0 ||
                           strcmp(create[i], "min_self_bond") == 0 || i >= 6;
            known |=
                (type == LEDGER_TX_CREATE_VALIDATOR || editable) && strcmp(create[i], key) == 0;
        }
        /* withdraw_rewards has a validator only; unjail nothing. */
        size_t stake_fields = type == LEDGER_TX_WITHDRAW_REWARDS ? 1
                              : type == LEDGER_TX_UNJAIL         ? 0
                                                                 : 2;
        for (size_t i = 0; !validator && type != LEDGER_TX_REDELEGATE && i < stake_fields; i++) {
            known |= strcmp(stake[i], key) == 0;
        }
        for (size_t i = 0; type == LEDGER_TX_REDELEGATE && i < 3; i++) {
            known |= strcmp(restake[i], key) == 0;
        }
        if (!known) {
            wallet_cli_err("field %s: unknown%s", key,
                           strcmp(key, "tx") == 0 ? " (this file is signed already)" : "");
            return 0;
        }
    }
    return 1;
}

/* The common fields of a file into tx. */
static int common_parse(const json_t *j, ledger_tx *tx)
{
    const char *chain_id = wallet_cli_jstr(j, "chain_id");
    const json_t *memo = json_object_get(j, "memo");
    size_t memo_len = json_string_length(memo);
    if (!ledger_chain_id_valid(chain_id, strlen(chain_id))) {
        wallet_cli_err("field chain_id: missing or not a chain id");
        return 0;
    }
    if (memo != NULL && (!json_is_string(memo) || memo_len > LEDGER_MEMO_MAX ||
                         !ledger_utf8_valid((const uint8_t *)json_string_value(memo), memo_len))) {
        wallet_cli_err("field memo: at most %d bytes of UTF-8", LEDGER_MEMO_MAX);
        return 0;
    }
    set_chain_id(tx, chain_id);
    if (memo != NULL) {
        memcpy(tx->memo, json_string_value(memo), memo_len);
        tx->memo_len = (uint16_t)memo_len;
    }
    const json_t *expiry = json_object_get(j, "expiry_height");
    return field_addr(j, "from", tx->from) && field_u64(j, "fee", &tx->fee) &&
           field_u64(j, "nonce", &tx->nonce) &&
           (expiry == NULL || field_u64(j, "expiry_height", &tx->expiry_height));
}

int wallet_stake_tx_sign(wallet_cli *c, const char *path, int *handled)
{
    *handled = 0;
    char *text;
    if (strcmp(path, "-") == 0) {
        return WALLET_EXIT_OK; /* stdin is read once: the transfer path takes it */
    }
    int rc = wallet_cli_read_input(path, &text);
    if (rc != WALLET_EXIT_OK) {
        return WALLET_EXIT_OK; /* the transfer path reports it */
    }
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    ledger_tx tx;
    memset(&tx, 0, sizeof(tx));
    tx.type = stake_type_of(json_string_value(json_object_get(j, "type")));
    if (tx.type == 0) {
        json_decref(j);
        return WALLET_EXIT_OK;
    }
    *handled = 1;
    if (!fields_known(j, tx.type) || !common_parse(j, &tx) || !body_parse(j, &tx)) {
        wallet_cli_err("%s: not an unsigned %s (docs/WALLET-CLI.md, \"Transaction files\")", path,
                       stake_type_name(tx.type));
        json_decref(j);
        return WALLET_EXIT_LOCAL;
    }
    json_decref(j);
    find_ctx f;
    wallet_cli_pick_sender_key(c, tx.from, &f);
    uint8_t sk[32];
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    uint8_t hash[32];
    size_t len;
    rc = wallet_cli_sender_secret(c, tx.from, sk);
    rc = rc ? rc : wallet_cli_sign_tx(&tx, sk, buf, &len, hash);
    sodium_memzero(sk, sizeof(sk));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    char hex[WALLET_TX_HEX_MAX];
    char hhex[65];
    chr_hex_encode(hex, sizeof(hex), buf, len);
    chr_hex_encode(hhex, sizeof(hhex), hash, sizeof(hash));
    json_t *out = stake_json(&tx);
    json_object_set_new(out, "hash", json_string(hhex));
    json_object_set_new(out, "tx", json_string(hex));
    return write_json(c, out);
}

/* ---- Reads: validator show|list, delegations. ---- */

/* "?limit=N[&cursor=C]" from --limit and --cursor. */
static int page_query(const wallet_cli *c, char *q, size_t cap)
{
    const char *limit = c->opt[WALLET_OPT_LIMIT];
    const char *cursor = c->opt[WALLET_OPT_CURSOR];
    uint64_t n = 20;
    if (limit != NULL && (!wallet_cli_parse_u64("--limit", limit, &n) || n == 0 || n > 100)) {
        return wallet_cli_usage(c, "--limit: from 1 to 100");
    }
    if (cursor != NULL &&
        (cursor[0] == '\0' || strlen(cursor) > STAKE_CURSOR_CHARS_MAX ||
         strspn(cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
             strlen(cursor))) {
        return wallet_cli_usage(c, "--cursor: not a cursor (pass back a next cursor unchanged)");
    }
    snprintf(q, cap, "?limit=%llu%s%s", (unsigned long long)n, cursor ? "&cursor=" : "",
             cursor ? cursor : "");
    return WALLET_EXIT_OK;
}

/* The address a read is about: args[0] when given, else the key's. */
static int subject(const wallet_cli *c, char addr[CHR_ADDRESS_STR_LEN + 1])
{
    uint8_t pub[32];
    if (c->args_len > 0 && !wallet_cli_parse_address("ADDRESS", c->args[0], pub)) {
        return WALLET_EXIT_USAGE;
    }
    int rc = c->args_len > 0 ? WALLET_EXIT_OK : wallet_cli_key_public(c, pub, NULL, 0);
    if (rc == WALLET_EXIT_OK) {
        chr_address_encode(addr, pub);
    }
    return rc;
}

static void validator_lines(const json_t *v)
{
    const json_t *com = json_object_get(v, "commission");
    printf("operator       %s\nmoniker        %s\nstatus         %s%s%s\nstake          %s units\n"
           "power          %s\ncommission     %lld ppm (max %lld, daily change %lld)\n"
           "min_self_bond  %s units\nconsensus_key  %s\n",
           wallet_cli_jstr(v, "operator"), wallet_cli_jstr(v, "moniker"),
           wallet_cli_jstr(v, "status"),
           json_is_true(json_object_get(v, "jailed")) ? ", jailed" : "",
           json_is_true(json_object_get(v, "tombstoned")) ? ", tombstoned" : "",
           wallet_cli_jstr(v, "stake"), wallet_cli_jstr(v, "power"),
           (long long)json_integer_value(json_object_get(com, "rate_ppm")),
           (long long)json_integer_value(json_object_get(com, "max_ppm")),
           (long long)json_integer_value(json_object_get(com, "max_change_ppm")),
           wallet_cli_jstr(v, "min_self_bond"), wallet_cli_jstr(v, "consensus_key"));
    printf("missed_blocks  %lld of a %lld-commit window\n",
           (long long)json_integer_value(json_object_get(v, "missed_blocks")),
           (long long)json_integer_value(json_object_get(v, "signed_blocks_window")));
    if (json_is_string(json_object_get(v, "jailed_until"))) {
        printf("jailed_until   %s\n", wallet_cli_jstr(v, "jailed_until"));
    }
}

int wallet_cmd_validator_show(wallet_cli *c)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char path[WALLET_PATH_MAX];
    json_t *j;
    int rc = subject(c, addr);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/api/v1/staking/validators/%s", addr);
    rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    validator_lines(j);
    json_decref(j);
    return WALLET_EXIT_OK;
}

/* Prints a page's next cursor, or the end. */
static void page_end(const json_t *j, const char *again)
{
    const char *next = json_string_value(json_object_get(j, "next_cursor"));
    if (next != NULL) {
        printf("next cursor: %s\n  (chroom-wallet %s --cursor %s)\n", next, again, next);
    } else {
        printf("(end of list)\n");
    }
}

int wallet_cmd_validator_list(wallet_cli *c)
{
    char query[STAKE_CURSOR_CHARS_MAX + 64];
    char path[WALLET_PATH_MAX];
    json_t *j;
    int rc = page_query(c, query, sizeof(query));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/api/v1/staking/validators%s", query);
    rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(j, "validators"), i, v) {
        printf("%s  %-9s power %-8s stake %s  %s%s\n", wallet_cli_jstr(v, "operator"),
               wallet_cli_jstr(v, "status"), wallet_cli_jstr(v, "power"),
               wallet_cli_jstr(v, "stake"), wallet_cli_jstr(v, "moniker"),
               json_is_true(json_object_get(v, "jailed")) ? " (jailed)" : "");
    }
    page_end(j, "validator list");
    json_decref(j);
    return WALLET_EXIT_OK;
}

/* One page of GET /api/v1/accounts/{addr}/{what} for the command's subject (ADDRESS, or
 * the key's address) with its --limit and --cursor; addr gets the subject. */
static int account_page_get(wallet_cli *c, const char *what, char addr[CHR_ADDRESS_STR_LEN + 1],
                            json_t **j)
{
    char query[STAKE_CURSOR_CHARS_MAX + 64];
    char path[WALLET_PATH_MAX];
    int rc = subject(c, addr);
    rc = rc ? rc : page_query(c, query, sizeof(query));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/api/v1/accounts/%s/%s%s", addr, what, query);
    return wallet_cli_get(c, path, j);
}

int wallet_cmd_delegations(wallet_cli *c)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    json_t *j;
    int rc = account_page_get(c, "delegations", addr, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        json_object_set_new(j, "address", json_string(addr));
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(j, "delegations"), i, d) {
        printf("%s  %s units\n", wallet_cli_jstr(d, "validator"), wallet_cli_jstr(d, "amount"));
    }
    if (json_array_size(json_object_get(j, "delegations")) == 0) {
        printf("no delegations%s\n", c->opt[WALLET_OPT_CURSOR] ? " after the cursor" : "");
    }
    page_end(j, "delegations");
    json_decref(j);
    return WALLET_EXIT_OK;
}

/* ---- rewards [ADDRESS], rewards withdraw [VALIDATOR]. ---- */

int wallet_cmd_rewards(wallet_cli *c)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    json_t *j;
    int rc = account_page_get(c, "rewards", addr, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(j, "rewards"), i, r) {
        printf("%s  %s units\n", wallet_cli_jstr(r, "validator"), wallet_cli_jstr(r, "pending"));
    }
    if (json_array_size(json_object_get(j, "rewards")) == 0) {
        printf("no delegations%s\n", c->opt[WALLET_OPT_CURSOR] ? " after the cursor" : "");
    }
    printf("total          %s units%s\n", wallet_cli_jstr(j, "total"),
           json_is_null(json_object_get(j, "next_cursor")) ? "" : " (this page)");
    if (json_is_string(json_object_get(j, "commission"))) {
        printf("commission     %s units (paid with: rewards withdraw %s)\n",
               wallet_cli_jstr(j, "commission"), addr);
    }
    page_end(j, "rewards");
    json_decref(j);
    return WALLET_EXIT_OK;
}

/* Whether the key's account delegates to more validators than one withdrawal of "all"
 * settles (LEDGER_WITHDRAW_ALL_MAX): asked of the node before anything is signed. */
static int too_many_for_all(wallet_cli *c, int *over)
{
    uint8_t pub[32];
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char path[WALLET_PATH_MAX];
    json_t *j;
    int rc = wallet_cli_key_public(c, pub, NULL, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    chr_address_encode(addr, pub);
    snprintf(path, sizeof(path), "/api/v1/accounts/%s/delegations?limit=%u", addr,
             (unsigned)LEDGER_WITHDRAW_ALL_MAX + 1);
    rc = wallet_cli_get(c, path, &j);
    if (rc == WALLET_EXIT_OK) {
        *over = json_array_size(json_object_get(j, "delegations")) > LEDGER_WITHDRAW_ALL_MAX;
        json_decref(j);
    }
    return rc;
}

int wallet_cmd_rewards_withdraw(wallet_cli *c)
{
    stake_args a;
    memset(&a, 0, sizeof(a));
    a.validator = c->args_len > 0 ? c->args[0] : NULL;
    if (a.validator == NULL) {
        int over = 0;
        int rc = too_many_for_all(c, &over);
        if (rc != WALLET_EXIT_OK) {
            wallet_cli_err("nothing was sent");
            return rc;
        }
        if (over) {
            return wallet_cli_usage(c,
                                    "the key delegates to more than %u validators, more than "
                                    "one withdrawal settles: name one (chroom-wallet rewards "
                                    "lists them)",
                                    (unsigned)LEDGER_WITHDRAW_ALL_MAX);
        }
    }
    return stake_send(c, LEDGER_TX_WITHDRAW_REWARDS, &a);
}
