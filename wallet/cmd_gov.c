/* The wallet's governance commands (docs/WALLET-CLI.md, "Governance"): propose, deposit
 * and vote build a transaction from arguments and flags, sign it with the key and submit
 * it, or with --out write it as signed hex for `tx broadcast` (offline: with --chain-id,
 * --fee and --nonce all given the node is not contacted); show, list and tally read the
 * node's governance routes. */
#include <stdio.h>
#include <string.h>

#include "ledger/gov.h"
#include "wallet/internal/cli.h"

/* The title and expedited flag of every proposal. */
static int content_common(wallet_cli *c, ledger_gov_content *out, ledger_gov_kind kind)
{
    const char *title = c->opt[WALLET_OPT_TITLE];
    memset(out, 0, sizeof(*out));
    out->kind = (uint8_t)kind;
    out->expedited = c->opt[WALLET_OPT_EXPEDITED] != NULL;
    if (title == NULL || title[0] == '\0') {
        return wallet_cli_usage(c, "--title is required");
    }
    size_t len = strlen(title);
    if (len > LEDGER_GOV_TITLE_MAX || !ledger_utf8_valid((const uint8_t *)title, len)) {
        return wallet_cli_usage(c, "--title: 1..%d bytes of UTF-8", LEDGER_GOV_TITLE_MAX);
    }
    memcpy(out->title, title, len);
    out->title_len = (uint8_t)len;
    return WALLET_EXIT_OK;
}

/* NAME=VALUE arguments into the changes (the chain checks the names and ranges). */
static int parse_changes(wallet_cli *c, ledger_gov_content *out)
{
    if (c->args_len < 2 || c->args_len - 1 > LEDGER_GOV_CHANGES_MAX) {
        return wallet_cli_usage(c, "give 1 to %d NAME=VALUE changes", LEDGER_GOV_CHANGES_MAX);
    }
    for (size_t i = 1; i < c->args_len; i++) {
        const char *eq = strchr(c->args[i], '=');
        size_t name_len = eq != NULL ? (size_t)(eq - c->args[i]) : 0;
        ledger_gov_change *ch = &out->changes[out->changes_len];
        if (name_len == 0 || name_len > LEDGER_GOV_PARAM_NAME_MAX) {
            return wallet_cli_usage(c, "%s: not NAME=VALUE", c->args[i]);
        }
        if (!wallet_cli_parse_u64(c->args[i], eq + 1, &ch->value)) {
            return WALLET_EXIT_USAGE;
        }
        memcpy(ch->name, c->args[i], name_len);
        ch->name_len = (uint8_t)name_len;
        out->changes_len++;
    }
    return WALLET_EXIT_OK;
}

/* The kind-specific arguments after KIND. */
static int content_args(wallet_cli *c, ledger_gov_content *out)
{
    const char *kind = c->args[0];
    size_t extra = c->args_len - 1;
    if (strcmp(kind, "params") == 0) {
        return parse_changes(c, out);
    }
    if (strcmp(kind, "upgrade") == 0) {
        size_t len = extra == 2 ? strlen(c->args[1]) : 0;
        if (len == 0 || len > LEDGER_GOV_UPGRADE_NAME_MAX) {
            return wallet_cli_usage(c, "upgrade: give NAME (1..32 of [a-z0-9._-]) and HEIGHT");
        }
        memcpy(out->upgrade_name, c->args[1], len);
        out->upgrade_name_len = (uint8_t)len;
        return wallet_cli_parse_u64("HEIGHT", c->args[2], &out->upgrade_height) ? WALLET_EXIT_OK
                                                                                : WALLET_EXIT_USAGE;
    }
    if (strcmp(kind, "spend") == 0) {
        if (extra != 2 || chr_address_decode(out->recipient, c->args[1], strlen(c->args[1]))) {
            return wallet_cli_usage(c, "spend: give RECIPIENT (a chr1 address) and AMOUNT");
        }
        return wallet_cli_parse_amount(c, "AMOUNT", c->args[2], LEDGER_TOKEN_DECIMALS, &out->amount)
                   ? WALLET_EXIT_OK
                   : WALLET_EXIT_USAGE;
    }
    if (extra != 0) {
        return wallet_cli_usage(c, "%s takes no arguments", kind);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_gov_propose(wallet_cli *c)
{
    static const struct {
        const char *name;
        ledger_gov_kind kind;
    } kinds[] = {
        {"text", LEDGER_GOV_TEXT},
        {"params", LEDGER_GOV_PARAMS},
        {"spend", LEDGER_GOV_SPEND},
        {"upgrade", LEDGER_GOV_UPGRADE},
        {"cancel-upgrade", LEDGER_GOV_CANCEL_UPGRADE},
    };
    size_t k = 0;
    while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k].name, c->args[0]) != 0) {
        k++;
    }
    if (k == sizeof(kinds) / sizeof(kinds[0])) {
        return wallet_cli_usage(c, "%s: text, params, spend, upgrade or cancel-upgrade",
                                c->args[0]);
    }
    ledger_tx tx;
    uint64_t deposit = 0;
    const char *d = c->opt[WALLET_OPT_DEPOSIT];
    if (d != NULL && !wallet_cli_parse_amount(c, "--deposit", d, LEDGER_TOKEN_DECIMALS, &deposit)) {
        return WALLET_EXIT_USAGE;
    }
    int rc = content_common(c, &tx.body.gov_submit.content, kinds[k].kind);
    ledger_gov_content content = tx.body.gov_submit.content;
    rc = rc ? rc : content_args(c, &content);
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
