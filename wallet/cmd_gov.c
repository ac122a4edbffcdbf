/* The wallet's governance commands (docs/WALLET-CLI.md, "Governance"): propose, deposit
 * and vote build a transaction from arguments and flags, sign it with the key and submit
 * it, or with --out write it as signed hex for `tx broadcast` (offline: with --chain-id,
 * --fee and --nonce all given the node is not contacted); show, list and tally read the
 * node's governance routes. A proposal comes from KIND, its arguments and flags, or whole
 * from a JSON file (--file; docs/WALLET-CLI.md, "Proposal files"); both go through the same
 * setters, so the two forms accept and refuse the same values. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/gov.h"
#include "wallet/internal/cli.h"

/* Where a proposal's fields come from: the command line (file NULL: a mistake is a usage
 * error, exit 2) or a proposal file (a mistake names the file, exit 4 as for every local
 * file). */
typedef struct {
    wallet_cli *c;
    const char *file;
} gov_src;

static const struct {
    const char *name;
    ledger_gov_kind kind;
} gov_kinds[] = {
    {"text", LEDGER_GOV_TEXT},
    {"params", LEDGER_GOV_PARAMS},
    {"spend", LEDGER_GOV_SPEND},
    {"upgrade", LEDGER_GOV_UPGRADE},
    {"cancel-upgrade", LEDGER_GOV_CANCEL_UPGRADE},
};
#define GOV_KINDS (sizeof(gov_kinds) / sizeof(gov_kinds[0]))
#define GOV_KIND_NAMES "text, params, spend, upgrade or cancel-upgrade"

/* Reports a mistake in the proposal and returns the exit code for its source. */
static int src_fail(const gov_src *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int src_fail(const gov_src *s, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (s->file == NULL) {
        return wallet_cli_usage(s->c, "%s", msg);
    }
    wallet_cli_err("%s: %s", s->file, msg);
    return WALLET_EXIT_LOCAL;
}

/* The exit code after a wallet_cli_parse_* call reported a mistake itself. */
static int src_bad(const gov_src *s)
{
    return s->file == NULL ? WALLET_EXIT_USAGE : WALLET_EXIT_LOCAL;
}

/* The name a parse error gives a field: the flag's, or "FILE: key". */
static const char *src_what(const gov_src *s, const char *flag, const char *key, char *buf,
                            size_t cap)
{
    if (s->file == NULL) {
        return flag;
    }
    snprintf(buf, cap, "%s: %s", s->file, key);
    return buf;
}

/* The kind by its wallet name; 0 when there is none. */
static uint8_t kind_of(const char *name)
{
    for (size_t k = 0; k < GOV_KINDS; k++) {
        if (strcmp(gov_kinds[k].name, name) == 0) {
            return (uint8_t)gov_kinds[k].kind;
        }
    }
    return 0;
}

static int set_title(const gov_src *s, ledger_gov_content *out, const char *title)
{
    size_t len = title != NULL ? strlen(title) : 0;
    if (len == 0) {
        return src_fail(s, s->file == NULL ? "--title is required" : "\"title\" is required");
    }
    if (len > LEDGER_GOV_TITLE_MAX || !ledger_utf8_valid((const uint8_t *)title, len)) {
        return src_fail(s, "title: 1..%d bytes of UTF-8", LEDGER_GOV_TITLE_MAX);
    }
    memcpy(out->title, title, len);
    out->title_len = (uint8_t)len;
    return WALLET_EXIT_OK;
}

/* Appends the change name = value (value in units; the chain checks names and ranges). */
static int add_change(const gov_src *s, ledger_gov_content *out, const char *name, size_t name_len,
                      const char *value)
{
    char what[WALLET_PATH_MAX];
    int shown = (int)(name_len < LEDGER_GOV_PARAM_NAME_MAX ? name_len : LEDGER_GOV_PARAM_NAME_MAX);
    if (out->changes_len == LEDGER_GOV_CHANGES_MAX) {
        return src_fail(s, "give 1 to %d parameter changes", LEDGER_GOV_CHANGES_MAX);
    }
    if (name_len == 0 || name_len > LEDGER_GOV_PARAM_NAME_MAX) {
        return src_fail(s, "%.*s: a parameter name is 1..%d bytes", shown, name,
                        LEDGER_GOV_PARAM_NAME_MAX);
    }
    ledger_gov_change *ch = &out->changes[out->changes_len];
    memcpy(ch->name, name, name_len);
    ch->name_len = (uint8_t)name_len;
    if (s->file == NULL) {
        snprintf(what, sizeof(what), "%.*s", shown, name);
    } else {
        snprintf(what, sizeof(what), "%s: params: %.*s", s->file, shown, name);
    }
    if (!wallet_cli_parse_u64(what, value, &ch->value)) {
        return src_bad(s);
    }
    out->changes_len++;
    return WALLET_EXIT_OK;
}

static int set_upgrade(const gov_src *s, ledger_gov_content *out, const char *name,
                       const char *height)
{
    char buf[WALLET_PATH_MAX];
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > LEDGER_GOV_UPGRADE_NAME_MAX || height == NULL) {
        return src_fail(s, "upgrade: give NAME (1..%d of [a-z0-9._-]) and HEIGHT",
                        LEDGER_GOV_UPGRADE_NAME_MAX);
    }
    memcpy(out->upgrade_name, name, len);
    out->upgrade_name_len = (uint8_t)len;
    return wallet_cli_parse_u64(src_what(s, "HEIGHT", "height", buf, sizeof(buf)), height,
                                &out->upgrade_height)
               ? WALLET_EXIT_OK
               : src_bad(s);
}

static int set_spend(const gov_src *s, ledger_gov_content *out, const char *recipient,
                     const char *amount)
{
    char buf[WALLET_PATH_MAX];
    if (recipient == NULL || amount == NULL ||
        chr_address_decode(out->recipient, recipient, strlen(recipient)) != CHR_OK) {
        return src_fail(s, "spend: give RECIPIENT (a chr1 address) and AMOUNT");
    }
    return wallet_cli_parse_amount(s->c, src_what(s, "AMOUNT", "amount", buf, sizeof(buf)), amount,
                                   LEDGER_TOKEN_DECIMALS, &out->amount)
               ? WALLET_EXIT_OK
               : src_bad(s);
}

static int set_deposit(const gov_src *s, const char *d, uint64_t *deposit)
{
    char buf[WALLET_PATH_MAX];
    const char *what = src_what(s, "--deposit", "deposit", buf, sizeof(buf));
    *deposit = 0;
    if (d != NULL && !wallet_cli_parse_amount(s->c, what, d, LEDGER_TOKEN_DECIMALS, deposit)) {
        return src_bad(s);
    }
    return WALLET_EXIT_OK;
}

/* The flags form: KIND [ARGS] --title T [--deposit X] [--expedited]. */
static int flags_proposal(wallet_cli *c, ledger_gov_content *out, uint64_t *deposit)
{
    const gov_src s = {c, NULL};
    size_t extra = c->args_len - 1;
    out->kind = kind_of(c->args[0]);
    out->expedited = c->opt[WALLET_OPT_EXPEDITED] != NULL;
    if (out->kind == 0) {
        return wallet_cli_usage(c, "%s: " GOV_KIND_NAMES, c->args[0]);
    }
    int rc = set_deposit(&s, c->opt[WALLET_OPT_DEPOSIT], deposit);
    rc = rc ? rc : set_title(&s, out, c->opt[WALLET_OPT_TITLE]);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    switch (out->kind) {
    case LEDGER_GOV_PARAMS:
        if (extra == 0) {
            return wallet_cli_usage(c, "give 1 to %d NAME=VALUE changes", LEDGER_GOV_CHANGES_MAX);
        }
        for (size_t i = 1; i < c->args_len && rc == WALLET_EXIT_OK; i++) {
            const char *eq = strchr(c->args[i], '=');
            if (eq == NULL) {
                return wallet_cli_usage(c, "%s: not NAME=VALUE", c->args[i]);
            }
            rc = add_change(&s, out, c->args[i], (size_t)(eq - c->args[i]), eq + 1);
        }
        return rc;
    case LEDGER_GOV_UPGRADE:
        return set_upgrade(&s, out, extra == 2 ? c->args[1] : NULL, extra == 2 ? c->args[2] : NULL);
    case LEDGER_GOV_SPEND:
        return set_spend(&s, out, extra == 2 ? c->args[1] : NULL, extra == 2 ? c->args[2] : NULL);
    default:
        return extra == 0 ? WALLET_EXIT_OK
                          : wallet_cli_usage(c, "%s takes no arguments", c->args[0]);
    }
}

/* ---- The proposal file (docs/WALLET-CLI.md, "Proposal files"). ---- */

/* The members a file of each kind may hold beyond kind, title, deposit and expedited. */
static int key_known(uint8_t kind, const char *key)
{
    static const char *const common[] = {"kind", "title", "deposit", "expedited"};
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        if (strcmp(key, common[i]) == 0) {
            return 1;
        }
    }
    switch (kind) {
    case LEDGER_GOV_PARAMS:
        return strcmp(key, "params") == 0;
    case LEDGER_GOV_SPEND:
        return strcmp(key, "recipient") == 0 || strcmp(key, "amount") == 0;
    case LEDGER_GOV_UPGRADE:
        return strcmp(key, "name") == 0 || strcmp(key, "height") == 0;
    default:
        return 0;
    }
}

/* A number member as the flags' text: a JSON string as it is, a JSON integer in decimal
 * (a negative one then fails the parsers); NULL when absent. Other types are refused. */
static int file_number(const gov_src *s, const json_t *j, const char *key, char *buf, size_t cap,
                       const char **out)
{
    const json_t *v = json_object_get(j, key);
    *out = NULL;
    if (v == NULL) {
        return WALLET_EXIT_OK;
    }
    if (json_is_string(v)) {
        *out = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = buf;
    } else {
        return src_fail(s, "\"%s\": a string such as \"1.5\" or a whole number", key);
    }
    return WALLET_EXIT_OK;
}

/* A string member, or NULL when absent; another type is refused (json_loads refuses a
 * string holding NUL without JSON_ALLOW_NUL). */
static int file_string(const gov_src *s, const json_t *j, const char *key, const char **out)
{
    const json_t *v = json_object_get(j, key);
    *out = json_string_value(v);
    if (v != NULL && *out == NULL) {
        return src_fail(s, "\"%s\": a string is required", key);
    }
    return WALLET_EXIT_OK;
}

/* The params object: 1 to LEDGER_GOV_CHANGES_MAX "name": value members, in file order. */
static int file_changes(const gov_src *s, json_t *j, ledger_gov_content *out)
{
    json_t *params = json_object_get(j, "params");
    size_t n = json_object_size(params);
    if (!json_is_object(params) || n == 0 || n > LEDGER_GOV_CHANGES_MAX) {
        return src_fail(s, "\"params\": an object of 1 to %d \"name\": value changes",
                        LEDGER_GOV_CHANGES_MAX);
    }
    const char *name;
    json_t *v;
    char buf[CHR_U64_DIGITS_MAX + 2];
    int rc = WALLET_EXIT_OK;
    json_object_foreach(params, name, v) {
        const char *text = json_string_value(v);
        if (json_is_integer(v)) {
            snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            text = buf;
        }
        if (text == NULL) {
            return src_fail(s, "\"params\": %s: a whole number of units is required", name);
        }
        rc = rc ? rc : add_change(s, out, name, strlen(name), text);
    }
    return rc;
}

/* The document's members into out and deposit (the root is an object). */
static int file_fields(const gov_src *s, json_t *j, ledger_gov_content *out, uint64_t *deposit)
{
    const char *kind;
    const char *title;
    const char *a;
    const char *b;
    const char *key;
    char abuf[CHR_U64_DIGITS_MAX + 2];
    char bbuf[CHR_U64_DIGITS_MAX + 2];
    json_t *v;
    int rc = file_string(s, j, "kind", &kind);
    out->kind = rc == WALLET_EXIT_OK && kind != NULL ? kind_of(kind) : 0;
    if (rc == WALLET_EXIT_OK && out->kind == 0) {
        return src_fail(s, "\"kind\": one of " GOV_KIND_NAMES);
    }
    json_object_foreach(j, key, v) {
        if (rc == WALLET_EXIT_OK && !key_known(out->kind, key)) {
            rc = src_fail(s, "\"%s\": unknown key for a %s proposal", key, kind);
        }
    }
    const json_t *e = json_object_get(j, "expedited");
    if (rc == WALLET_EXIT_OK && e != NULL && !json_is_boolean(e)) {
        rc = src_fail(s, "\"expedited\": true or false");
    }
    out->expedited = json_is_true(e);
    rc = rc ? rc : file_string(s, j, "title", &title);
    rc = rc ? rc : set_title(s, out, title);
    rc = rc ? rc : file_number(s, j, "deposit", abuf, sizeof(abuf), &a);
    rc = rc ? rc : set_deposit(s, a, deposit);
    if (rc != WALLET_EXIT_OK || out->kind == LEDGER_GOV_TEXT ||
        out->kind == LEDGER_GOV_CANCEL_UPGRADE) {
        return rc;
    }
    if (out->kind == LEDGER_GOV_PARAMS) {
        return file_changes(s, j, out);
    }
    int spend = out->kind == LEDGER_GOV_SPEND;
    rc = spend ? file_string(s, j, "recipient", &a) : file_string(s, j, "name", &a);
    rc = rc ? rc : file_number(s, j, spend ? "amount" : "height", bbuf, sizeof(bbuf), &b);
    rc = rc ? rc : (spend ? set_spend(s, out, a, b) : set_upgrade(s, out, a, b));
    return rc;
}

/* The file form: --file FILE (or - for stdin), at most WALLET_TX_FILE_BYTES_MAX bytes of
 * one JSON object. */
static int file_proposal(wallet_cli *c, ledger_gov_content *out, uint64_t *deposit)
{
    const gov_src s = {c, c->opt[WALLET_OPT_FILE]};
    char *text;
    int rc = wallet_cli_read_input(s.file, &text);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (j == NULL) {
        return src_fail(&s, "not JSON (line %d: %s)", jerr.line, jerr.text);
    }
    rc = json_is_object(j) ? file_fields(&s, j, out, deposit)
                           : src_fail(&s, "a proposal is a JSON object");
    json_decref(j);
    return rc;
}

int wallet_cmd_gov_propose(wallet_cli *c)
{
    ledger_gov_content content;
    uint64_t deposit = 0;
    int rc;
    memset(&content, 0, sizeof(content));
    if (c->opt[WALLET_OPT_FILE] != NULL) {
        if (c->args_len != 0 || c->opt[WALLET_OPT_TITLE] != NULL ||
            c->opt[WALLET_OPT_DEPOSIT] != NULL || c->opt[WALLET_OPT_EXPEDITED] != NULL) {
            return wallet_cli_usage(c, "--file holds the whole proposal: give no KIND, "
                                       "arguments, --title, --deposit or --expedited with it");
        }
        rc = file_proposal(c, &content, &deposit);
    } else if (c->args_len == 0) {
        return wallet_cli_usage(c, "give KIND (" GOV_KIND_NAMES ") or --file FILE");
    } else {
        rc = flags_proposal(c, &content, &deposit);
    }
    ledger_tx tx;
    rc = rc ? rc : wallet_tx_header(c, &tx, LEDGER_TX_GOV_SUBMIT);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    tx.body.gov_submit.content = content;
    tx.body.gov_submit.deposit = deposit;
    return wallet_tx_finish(c, &tx);
}

/* The ID argument: a proposal id, 1 or more. */
static int parse_id(wallet_cli *c, uint64_t *id)
{
    if (!wallet_cli_parse_u64("ID", c->args[0], id)) {
        return WALLET_EXIT_USAGE;
    }
    return *id == 0 ? wallet_cli_usage(c, "ID: a proposal id, 1 or more") : WALLET_EXIT_OK;
}

int wallet_cmd_gov_deposit(wallet_cli *c)
{
    uint64_t id;
    uint64_t amount = 0;
    const char *a = c->opt[WALLET_OPT_AMOUNT];
    int rc = parse_id(c, &id);
    if (rc == WALLET_EXIT_OK &&
        (a == NULL || !wallet_cli_parse_amount(c, "--amount", a, LEDGER_TOKEN_DECIMALS, &amount))) {
        rc = a == NULL ? wallet_cli_usage(c, "--amount is required") : WALLET_EXIT_USAGE;
    }
    ledger_tx tx;
    rc = rc ? rc : wallet_tx_header(c, &tx, LEDGER_TX_GOV_DEPOSIT);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    tx.body.gov_deposit.id = id;
    tx.body.gov_deposit.amount = amount;
    return wallet_tx_finish(c, &tx);
}

int wallet_cmd_gov_vote(wallet_cli *c)
{
    uint64_t id;
    uint8_t option = 0;
    for (uint8_t o = 1; ledger_gov_option_name(o) != NULL; o++) {
        if (strcmp(ledger_gov_option_name(o), c->args[1]) == 0) {
            option = o;
        }
    }
    int rc = parse_id(c, &id);
    if (rc == WALLET_EXIT_OK && option == 0) {
        rc = wallet_cli_usage(c, "%s: yes, no, abstain or veto", c->args[1]);
    }
    ledger_tx tx;
    rc = rc ? rc : wallet_tx_header(c, &tx, LEDGER_TX_GOV_VOTE);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    tx.body.gov_vote.id = id;
    tx.body.gov_vote.option = option;
    return wallet_tx_finish(c, &tx);
}

int wallet_cmd_gov_show(wallet_cli *c)
{
    uint64_t id;
    char path[WALLET_PATH_MAX];
    int rc = parse_id(c, &id);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/api/v1/gov/proposals/%llu", (unsigned long long)id);
    return wallet_show(c, path);
}

static void proposal_line(const json_t *v)
{
    printf("%-6s %-14s %-8s %s\n", wallet_cli_jstr(v, "id"), wallet_cli_jstr(v, "status"),
           wallet_cli_jstr(v, "kind"), wallet_cli_jstr(v, "title"));
}

int wallet_cmd_gov_list(wallet_cli *c)
{
    static const wallet_opt opts[] = {WALLET_OPT_STATUS, WALLET_OPT_CURSOR};
    static const char *const names[] = {"status", "cursor"};
    return wallet_list(c, "/api/v1/gov/proposals", opts, names, 2, "proposals", proposal_line);
}

int wallet_cmd_gov_tally(wallet_cli *c)
{
    uint64_t id;
    char path[WALLET_PATH_MAX];
    json_t *j;
    int rc = parse_id(c, &id);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/api/v1/gov/proposals/%llu", (unsigned long long)id);
    rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    /* The tally so far while the vote is open, else the final one. */
    json_t *t = json_object_get(j, "tally");
    if (!json_is_object(t)) {
        t = json_object_get(json_object_get(j, "proposal"), "final_tally");
    }
    json_t *out = json_is_object(t) ? json_incref(t) : json_null();
    json_decref(j);
    if (c->json) {
        wallet_cli_print_json(out);
        return WALLET_EXIT_OK;
    }
    const char *k;
    json_t *v;
    json_object_foreach(out, k, v) {
        printf("%-8s %s\n", k, json_string_value(v));
    }
    if (json_is_null(out)) {
        printf("no votes counted (the vote has not opened)\n");
    }
    json_decref(out);
    return WALLET_EXIT_OK;
}
