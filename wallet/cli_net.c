/* Talking to the node: calls with a timeout, the node's errors, the token and account
 * figures signing needs, and submitting a transaction until its outcome is known. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/enc.h"
#include "common/hash.h"
#include "common/hex.h"
#include "ledger/tx.h"
#include "wallet/amount.h"
#include "wallet/http.h"
#include "wallet/internal/cli.h"

/* Polling a pending transaction: the first look soon (blocks may come every 100 ms), then
 * slower, so that a long wait spends few of the key's rate-limited requests. */
#define POLL_DELAY_MS_FIRST 50
#define POLL_DELAY_MS_MAX 1000
/* The least time a poll is given, even at the end of --wait-ms. */
#define POLL_TIMEOUT_MS_MIN 100

static int call(const wallet_cli *c, const char *method, const char *path, const char *body,
                long timeout_ms, long *status, json_t **out, int *sent, char *err, size_t err_cap)
{
    char url[WALLET_URL_MAX + WALLET_PATH_MAX];
    char *resp;
    *out = NULL;
    snprintf(url, sizeof(url), "%s%s", c->node, path);
    chr_err e = wallet_http(method, url, body, timeout_ms, status, &resp, sent, err, err_cap);
    if (e != CHR_OK) {
        char why[512];
        snprintf(why, sizeof(why), "%s", err);
        if (e == CHR_ERR_TIMEOUT) {
            snprintf(err, err_cap, "no answer from the node within %ld ms (%s)", timeout_ms, why);
        } else {
            snprintf(err, err_cap, "cannot reach the node (%s)", why);
        }
        return WALLET_EXIT_UNKNOWN;
    }
    json_error_t jerr;
    *out = json_loads(resp, JSON_REJECT_DUPLICATES, &jerr);
    free(resp);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        snprintf(err, err_cap, "the node's answer to %s %s is not a JSON object (HTTP %ld)", method,
                 path, *status);
        return WALLET_EXIT_UNKNOWN;
    }
    return WALLET_EXIT_OK;
}

int wallet_cli_call(const wallet_cli *c, const char *method, const char *path, const char *body,
                    long timeout_ms, long *status, json_t **out, int *sent)
{
    char err[1024];
    int rc = call(c, method, path, body, timeout_ms, status, out, sent, err, sizeof(err));
    if (rc != WALLET_EXIT_OK) {
        wallet_cli_err("%s", err);
    }
    return rc;
}

int wallet_cli_refused(const json_t *j, long status)
{
    const json_t *e = json_object_get(j, "error");
    const char *code = wallet_cli_jstr(e, "code");
    wallet_cli_err("refused (HTTP %ld): %s: %s", status, code, wallet_cli_jstr(e, "message"));
    if (status == 401) {
        wallet_cli_err("the node needs an API key: --api-key KEY, $CHROOM_API_KEY or config's "
                       "api_key (chroomd apikey create makes one)");
    } else if (status == 429 || status == 503) {
        wallet_cli_err("the node is busy or rate-limiting this key; try again shortly");
    }
    return WALLET_EXIT_REFUSED;
}

int wallet_cli_get(const wallet_cli *c, const char *path, json_t **out)
{
    long status;
    int rc = wallet_cli_call(c, "GET", path, NULL, c->timeout_ms, &status, out, NULL);
    if (rc == WALLET_EXIT_OK && status != 200) {
        rc = wallet_cli_refused(*out, status);
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static int malformed(const char *what)
{
    wallet_cli_err("the node's answer to %s is not as documented (docs/API.md)", what);
    return WALLET_EXIT_UNKNOWN;
}

static int get_u64(const json_t *j, const char *key, uint64_t *out)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s != NULL && chr_u64_parse(out, s, strlen(s)) == CHR_OK;
}

int wallet_cli_fetch_token(const wallet_cli *c, wallet_token *t)
{
    json_t *j;
    int rc = wallet_cli_get(c, "/api/v1/token", &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    memset(t, 0, sizeof(*t));
    const char *chain_id = wallet_cli_jstr(j, "chain_id");
    json_int_t decimals = json_integer_value(json_object_get(j, "decimals"));
    int ok = ledger_chain_id_valid(chain_id, strlen(chain_id)) &&
             json_is_integer(json_object_get(j, "decimals")) && decimals >= 0 &&
             decimals <= WALLET_AMOUNT_DECIMALS_MAX &&
             get_u64(json_object_get(j, "params"), "fee_transfer", &t->fee_transfer);
    if (ok) {
        snprintf(t->chain_id, sizeof(t->chain_id), "%s", chain_id);
        snprintf(t->symbol, sizeof(t->symbol), "%s", wallet_cli_jstr(j, "symbol"));
        t->decimals = (unsigned)decimals;
    }
    json_decref(j);
    return ok ? WALLET_EXIT_OK : malformed("GET /api/v1/token");
}

int wallet_cli_fetch_account(const wallet_cli *c, const uint8_t pub[32], wallet_account *a)
{
    char path[WALLET_PATH_MAX];
    char addr[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(addr, pub);
    snprintf(path, sizeof(path), "/api/v1/accounts/%s", addr);
    json_t *j;
    int rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    int ok = get_u64(j, "balance", &a->balance) && get_u64(j, "nonce", &a->nonce) &&
             get_u64(j, "pending_nonce", &a->pending_nonce);
    json_decref(j);
    return ok ? WALLET_EXIT_OK : malformed("GET /api/v1/accounts/{address}");
}

/* ---- Submitting. ---- */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Follows a pending transaction until it is committed or failed, or wait_ms passes.
 * Returns the node's final answer (caller decrefs), or NULL when it did not end in time. */
static json_t *follow(const wallet_cli *c, const char *hash, long wait_ms)
{
    char path[WALLET_PATH_MAX];
    char err[1024];
    snprintf(path, sizeof(path), "/api/v1/txs/%s", hash);
    long deadline = now_ms() + wait_ms;
    long delay = POLL_DELAY_MS_FIRST;
    for (long left = wait_ms; left > 0; left = deadline - now_ms()) {
        sleep_ms(delay < left ? delay : left);
        delay = delay * 2 < POLL_DELAY_MS_MAX ? delay * 2 : POLL_DELAY_MS_MAX;
        left = deadline - now_ms();
        long t = left < c->timeout_ms ? left : c->timeout_ms;
        long status;
        json_t *j;
        if (call(c, "GET", path, NULL, t > POLL_TIMEOUT_MS_MIN ? t : POLL_TIMEOUT_MS_MIN, &status,
                 &j, NULL, err, sizeof(err)) != WALLET_EXIT_OK) {
            continue; /* a lost poll is retried: the transaction's fate does not depend on it */
        }
        const char *st = wallet_cli_jstr(j, "status");
        if (status == 200 && (strcmp(st, "committed") == 0 || strcmp(st, "failed") == 0)) {
            return j;
        }
        json_decref(j);
    }
    return NULL;
}

typedef struct outcome {
    const char *hash;
    const char *hex;
    const char *status;   /* committed, pending, failed, rejected, unknown, unsent */
    const json_t *answer; /* the node's answer, or NULL */
    const char *why;      /* for unknown and unsent: what happened */
} outcome;

static void print_check_commands(const wallet_cli *c, const outcome *o)
{
    fprintf(stderr,
            "  check it with:  chroom-wallet --node %s tx status %s\n"
            "  or submit it again; that is safe, the node never applies a transaction twice:\n"
            "                  chroom-wallet --node %s broadcast %s\n",
            c->node, o->hash, c->node, o->hex);
}

/* Prints the outcome (JSON on stdout with --json; people's text otherwise) and returns
 * its exit code. */
static int report(const wallet_cli *c, const outcome *o, int duplicate)
{
    const json_t *a = o->answer;
    const char *st = o->status;
    if (c->json) {
        json_t *r = json_object();
        json_t *height = json_object_get(a, "height");
        json_t *index = json_object_get(a, "index");
        json_t *error = json_object_get(a, "error");
        json_object_set_new(r, "hash", json_string(o->hash));
        json_object_set_new(r, "status", json_string(st));
        json_object_set_new(r, "height", json_is_string(height) ? json_copy(height) : json_null());
        json_object_set_new(r, "index", json_is_integer(index) ? json_copy(index) : json_null());
        if (o->why != NULL) {
            error =
                json_pack("{s:s,s:s}", "code",
                          strcmp(st, "unsent") == 0 ? "unreachable" : "timeout", "message", o->why);
            json_object_set_new(r, "error", error);
        } else {
            json_object_set_new(r, "error", json_is_object(error) ? json_copy(error) : json_null());
        }
        json_object_set_new(r, "tx", json_string(o->hex));
        wallet_cli_print_json(r);
    }
    if (strcmp(st, "committed") == 0) {
        if (!c->json) {
            printf("%s committed at height %s\n", o->hash, wallet_cli_jstr(a, "height"));
        }
        if (duplicate) {
            fprintf(stderr, "chroom-wallet: the node knew this transaction already; submitting "
                            "it again changed nothing (a transaction is applied once)\n");
        }
        return WALLET_EXIT_OK;
    }
    if (strcmp(st, "pending") == 0 && o->why == NULL) {
        if (!c->json) {
            printf("%s pending (admitted; `chroom-wallet tx status %s` shows when it commits)\n",
                   o->hash, o->hash);
        }
        return WALLET_EXIT_OK;
    }
    if (strcmp(st, "failed") == 0) {
        const json_t *e = json_object_get(a, "error");
        wallet_cli_err("transaction %s failed: %s: %s", o->hash, wallet_cli_jstr(e, "code"),
                       wallet_cli_jstr(e, "message"));
        return WALLET_EXIT_REFUSED;
    }
    if (strcmp(st, "unsent") == 0) {
        wallet_cli_err("%s", o->why);
        wallet_cli_err("transaction %s was not sent; nothing happened", o->hash);
        return WALLET_EXIT_UNKNOWN;
    }
    wallet_cli_err("%s", o->why);
    wallet_cli_err("the outcome of transaction %s is unknown: it may still commit", o->hash);
    print_check_commands(c, o);
    return WALLET_EXIT_UNKNOWN;
}

static int parse_wait_ms(const wallet_cli *c, long *wait_ms)
{
    uint64_t w = WALLET_WAIT_MS_DEFAULT;
    const char *v = c->opt[WALLET_OPT_WAIT_MS];
    if (v != NULL && (!wallet_cli_parse_u64("--wait-ms", v, &w) || w == 0 || w > 86400000)) {
        wallet_cli_usage(c, "--wait-ms: from 1 to 86400000 (a day)");
        return 0;
    }
    *wait_ms = (long)w;
    return 1;
}

int wallet_cli_submit(const wallet_cli *c, const uint8_t *tx, size_t tx_len, int wait)
{
    long wait_ms = 0;
    if (wait && !parse_wait_ms(c, &wait_ms)) {
        return WALLET_EXIT_USAGE;
    }
    uint8_t h[CHR_HASH_LEN];
    char hash[2 * CHR_HASH_LEN + 1];
    char hex[WALLET_TX_HEX_MAX];
    chr_sha256_hash(h, tx, tx_len);
    chr_hex_encode(hash, sizeof(hash), h, sizeof(h));
    chr_hex_encode(hex, sizeof(hex), tx, tx_len);
    json_t *req = json_pack("{s:s}", "tx", hex);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    long status;
    json_t *j = NULL;
    int sent = 1;
    char err[1024];
    outcome o = {hash, hex, "unknown", NULL, NULL};
    int rc = body == NULL ? WALLET_EXIT_LOCAL
                          : call(c, "POST", "/api/v1/txs", body, c->timeout_ms, &status, &j, &sent,
                                 err, sizeof(err));
    free(body);
    if (rc != WALLET_EXIT_OK) {
        o.status = sent ? "unknown" : "unsent";
        o.why = err;
        return report(c, &o, 0);
    }
    if (status >= 400) {
        rc = wallet_cli_refused(j, status);
        wallet_cli_err("transaction %s was not admitted; nothing happened", hash);
        if (c->json) {
            json_t *e = json_object_get(j, "error");
            wallet_cli_print_json(json_pack("{s:s,s:s,s:n,s:n,s:O,s:s}", "hash", hash, "status",
                                            "rejected", "height", "index", "error",
                                            json_is_object(e) ? e : json_null(), "tx", hex));
        }
        json_decref(j);
        return rc;
    }
    o.status = wallet_cli_jstr(j, "status");
    o.answer = j;
    /* A fresh admission is "pending"; an answer of committed or failed to a submission
     * means the node had this very transaction already. */
    int duplicate = strcmp(o.status, "pending") != 0;
    json_t *final = NULL;
    if (wait && strcmp(o.status, "pending") == 0) {
        final = follow(c, hash, wait_ms);
        if (final != NULL) {
            o.status = wallet_cli_jstr(final, "status");
            o.answer = final;
        } else {
            snprintf(err, sizeof(err), "transaction %s is still pending after --wait-ms %ld", hash,
                     wait_ms);
            o.why = err;
        }
    }
    if (strcmp(o.status, "committed") != 0 && strcmp(o.status, "pending") != 0 &&
        strcmp(o.status, "failed") != 0) {
        snprintf(err, sizeof(err), "the node's answer has an unknown status \"%s\"", o.status);
        o.status = "unknown";
        o.why = err;
    }
    rc = report(c, &o, duplicate);
    json_decref(final);
    json_decref(j);
    return rc;
}
