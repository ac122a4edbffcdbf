/* The commands that read: balance, history, tx status, node status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/hex.h"
#include "wallet/amount.h"
#include "wallet/internal/cli.h"

/* A cursor is 24 base64url characters today (docs/API.md, "Lists"); allow more, but only
 * characters that need no escaping in a query string. */
#define CURSOR_CHARS_MAX 128

/* The account a command is about: ADDRESS when given, else the key's address. */
static int account_address(const wallet_cli *c, char addr[CHR_ADDRESS_STR_LEN + 1])
{
    uint8_t pub[32];
    if (c->args_len > 0) {
        if (!wallet_cli_parse_address("ADDRESS", c->args[0], pub)) {
            return WALLET_EXIT_USAGE;
        }
    } else {
        int rc = wallet_cli_key_public(c, pub, NULL, 0);
        if (rc != WALLET_EXIT_OK) {
            return rc;
        }
    }
    chr_address_encode(addr, pub);
    return WALLET_EXIT_OK;
}

/* "1.5 CHR" for people. */
static void format_chr(char *out, size_t cap, const char *units, const wallet_token *t)
{
    uint64_t u;
    char num[WALLET_AMOUNT_STR_MAX];
    if (chr_u64_parse(&u, units, strlen(units)) != CHR_OK) {
        snprintf(out, cap, "%s units", units);
        return;
    }
    wallet_amount_format(num, sizeof(num), u, t->decimals);
    snprintf(out, cap, "%s %s", num, t->symbol[0] != '\0' ? t->symbol : "CHR");
}

int wallet_cmd_balance(wallet_cli *c)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char path[WALLET_PATH_MAX];
    wallet_token t;
    json_t *j;
    int rc = account_address(c, addr);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->opt[WALLET_OPT_VERIFY] != NULL) {
        uint8_t pub[32];
        chr_err err = chr_address_decode(pub, addr, strlen(addr));
        CHR_ASSERT(err == CHR_OK); /* account_address encoded it */
        return wallet_cmd_balance_verify(c, pub);
    }
    snprintf(path, sizeof(path), "/api/v1/accounts/%s", addr);
    rc = c->json ? WALLET_EXIT_OK : wallet_cli_fetch_token(c, &t);
    rc = rc ? rc : wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    char chr[64];
    format_chr(chr, sizeof(chr), wallet_cli_jstr(j, "balance"), &t);
    printf("address        %s\nbalance        %s (%s units)\nnonce          %s\n"
           "pending_nonce  %s\n",
           wallet_cli_jstr(j, "address"), chr, wallet_cli_jstr(j, "balance"),
           wallet_cli_jstr(j, "nonce"), wallet_cli_jstr(j, "pending_nonce"));
    json_decref(j);
    return WALLET_EXIT_OK;
}

static int history_query(const wallet_cli *c, char *q, size_t cap)
{
    const char *limit = c->opt[WALLET_OPT_LIMIT];
    const char *cursor = c->opt[WALLET_OPT_CURSOR];
    const char *dir = c->opt[WALLET_OPT_DIRECTION];
    uint64_t n = 20;
    if (limit != NULL && (!wallet_cli_parse_u64("--limit", limit, &n) || n == 0 || n > 100)) {
        return wallet_cli_usage(c, "--limit: from 1 to 100");
    }
    if (dir != NULL && strcmp(dir, "sent") != 0 && strcmp(dir, "received") != 0 &&
        strcmp(dir, "both") != 0) {
        return wallet_cli_usage(c, "--direction: sent, received or both");
    }
    if (cursor != NULL && (cursor[0] == '\0' || strlen(cursor) > CURSOR_CHARS_MAX ||
                           strspn(cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789-_") != strlen(cursor))) {
        return wallet_cli_usage(c, "--cursor: not a cursor (pass back a next cursor unchanged)");
    }
    snprintf(q, cap, "?limit=%llu%s%s%s%s", (unsigned long long)n, dir ? "&direction=" : "",
             dir ? dir : "", cursor ? "&cursor=" : "", cursor ? cursor : "");
    return WALLET_EXIT_OK;
}

static void history_line(const json_t *item, const wallet_token *t)
{
    const json_t *tx = json_object_get(item, "tx");
    const char *dir = wallet_cli_jstr(item, "direction");
    int sent = strcmp(dir, "sent") == 0;
    char amount[64];
    char fee[64];
    format_chr(amount, sizeof(amount), wallet_cli_jstr(tx, "amount"), t);
    format_chr(fee, sizeof(fee), wallet_cli_jstr(tx, "fee"), t);
    printf("%s:%lld  %-8s %s %s %s  fee %s  nonce %s  %s\n", wallet_cli_jstr(item, "height"),
           (long long)json_integer_value(json_object_get(item, "index")), dir, amount,
           sent ? "to" : "from", wallet_cli_jstr(tx, sent ? "to" : "from"), fee,
           wallet_cli_jstr(tx, "nonce"), wallet_cli_jstr(item, "hash"));
}

int wallet_cmd_history(wallet_cli *c)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char query[CURSOR_CHARS_MAX + 96];
    char path[WALLET_PATH_MAX];
    wallet_token t;
    json_t *j;
    int rc = account_address(c, addr);
    rc = rc ? rc : history_query(c, query, sizeof(query));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    snprintf(path, sizeof(path), "/api/v1/accounts/%s/txs%s", addr, query);
    rc = c->json ? WALLET_EXIT_OK : wallet_cli_fetch_token(c, &t);
    rc = rc ? rc : wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        json_object_set_new(j, "address", json_string(addr));
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    const json_t *txs = json_object_get(j, "txs");
    size_t i;
    const json_t *item;
    json_array_foreach(txs, i, item) {
        history_line(item, &t);
    }
    if (json_array_size(txs) == 0) {
        printf("no committed transactions%s\n",
               c->opt[WALLET_OPT_CURSOR] ? " after the cursor" : "");
    }
    const char *next = json_string_value(json_object_get(j, "next_cursor"));
    if (next != NULL) {
        const char *dir = c->opt[WALLET_OPT_DIRECTION];
        printf("next cursor: %s\n  (chroom-wallet history %s --cursor %s%s%s)\n", next, addr, next,
               dir ? " --direction " : "", dir ? dir : "");
    } else {
        printf("(end of history)\n");
    }
    json_decref(j);
    return WALLET_EXIT_OK;
}

/* Prints a transaction's status as `field value` lines, as node status does. */
static void tx_fields(const json_t *j)
{
    static const char *const fields[] = {"hash", "status", "height", "index", "error", NULL};
    for (size_t i = 0; fields[i] != NULL; i++) {
        const json_t *v = json_object_get(j, fields[i]);
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%-18s %s\n", fields[i], text != NULL ? text : wallet_cli_jstr(j, fields[i]));
        free(text);
    }
}

int wallet_cmd_tx_status(wallet_cli *c)
{
    const char *hash = c->args[0];
    uint8_t h[32];
    if (strlen(hash) != 64 || chr_hex_decode_exact(h, sizeof(h), hash, 64) != CHR_OK) {
        return wallet_cli_usage(c, "%s is not a transaction hash (64 hex characters)", hash);
    }
    char path[WALLET_PATH_MAX];
    char lower[65];
    chr_hex_encode(lower, sizeof(lower), h, sizeof(h));
    snprintf(path, sizeof(path), "/api/v1/txs/%s", lower);
    long status;
    json_t *j;
    int rc = wallet_cli_call(c, "GET", path, NULL, c->timeout_ms, &status, &j, NULL);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (status == 404) {
        /* A node from before status "unknown" answers 404 for a hash it does not know. */
        json_decref(j);
        j = json_pack("{s:s,s:s,s:n,s:n,s:n}", "hash", lower, "status", "unknown", "height",
                      "index", "error");
        status = 200;
    }
    if (status != 200) {
        rc = wallet_cli_refused(j, status);
        json_decref(j);
        return rc;
    }
    const char *st = wallet_cli_jstr(j, "status");
    if (strcmp(st, "unknown") == 0) {
        /* Exit 0 means the node knows the transaction. */
        wallet_cli_err("the node does not know transaction %s: not pending, not committed, not "
                       "a recent failure. Submitting the signed transaction (again) is safe: a "
                       "transaction is applied at most once",
                       lower);
        rc = WALLET_EXIT_REFUSED;
    } else if (strcmp(st, "failed") == 0) {
        rc = WALLET_EXIT_REFUSED;
    }
    if (c->json) {
        wallet_cli_print_json(j);
    } else {
        tx_fields(j);
        json_decref(j);
    }
    return rc;
}

int wallet_cmd_node_status(wallet_cli *c)
{
    static const char *const fields[] = {"chain_id",
                                         "latest_height",
                                         "latest_block_hash",
                                         "latest_block_time",
                                         "txs_total",
                                         "node_version",
                                         NULL};
    json_t *j;
    int rc = wallet_cli_get(c, "/api/v1/status", &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j);
        return WALLET_EXIT_OK;
    }
    printf("%-18s %s\n", "node", c->node);
    for (size_t i = 0; fields[i] != NULL; i++) {
        printf("%-18s %s\n", fields[i], wallet_cli_jstr(j, fields[i]));
    }
    json_decref(j);
    return WALLET_EXIT_OK;
}
