/* chroom-wallet: keys, offline signing and submission of transfers (README.md, docs/API.md).
 * Exit codes: 0 done, 1 the node or the chain said no, 2 usage, 3 node unreachable or
 * timed out (the answer is unknown: check with `tx HASH`), 4 local file or key error. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bech32.h"
#include "common/enc.h"
#include "common/hash.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "wallet/http.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_LOCAL 4
/* Transactions one `sign --count` makes: a script's burst, not a load generator. */
#define WALLET_SIGN_COUNT_MAX 100000

typedef struct wallet_opts {
    const char *node;
    long timeout_ms;
    int json;
    const char *key, *out, *to, *amount, *fee, *nonce, *count, *memo, *expiry, *chain_id;
    int wait;
    const char *args[4];
    int args_len;
} wallet_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: chroom-wallet [--node URL] [--api-key KEY] [--ca-file PEM] [--timeout-ms N] [--json]\n"
            "                     COMMAND [OPTIONS]\n"
            "commands:\n"
            "  keygen --out FILE        new secret key file (mode 0600); prints its address\n"
            "  address --key FILE       the address and public key of a key file\n"
            "  sign --key FILE --chain-id ID --to ADDRESS --amount UNITS --fee UNITS --nonce N\n"
            "       [--count N] [--memo TEXT] [--expiry-height H]\n"
            "                           signs offline; prints one hex transaction per line\n"
            "                           (--count N signs nonces N.. in a row)\n"
            "  send --key FILE --to ADDRESS --amount UNITS [--fee UNITS] [--memo TEXT]\n"
            "       [--expiry-height H] [--wait]\n"
            "                           signs with the node's chain id, fee and next nonce, submits\n"
            "  broadcast HEX [--wait]   submits a signed transaction\n"
            "  balance ADDRESS          balance and nonces of an account\n"
            "  tx HASH                  status of a transaction\n"
            "  status                   the node's chain and latest block\n"
            "The node is --node, else $CHROOM_NODE, else http://127.0.0.1:8080.\n"
            "The API key (or OAuth access token) is --api-key, else $CHROOM_API_KEY; the node's\n"
            "/api/ routes need one (`chroomd apikey create`).\n"
            "Amounts are in units: 1 CHR = 1000000 units.\n"
            "Exit codes: 0 done, 1 refused, 2 usage, 3 node unreachable or timed out, 4 local error.\n");
}

static int parse_u64_arg(const char *name, const char *s, uint64_t *out)
{
    chr_err err = s == NULL ? CHR_ERR_NONCANONICAL : chr_u64_parse(out, s, strlen(s));
    if (err != CHR_OK) {
        fprintf(stderr, "chroom-wallet: --%s: %s\n", name,
                err == CHR_ERR_OVERFLOW ? "not below 2^64" : "a whole number is required");
        return 0;
    }
    return 1;
}

static int parse_opts(int argc, char **argv, wallet_opts *o)
{
    static const char *const names[] = {"key", "out", "to", "amount", "fee", "nonce", "count",
                                        "memo", "expiry-height", "chain-id", "node", "timeout-ms",
                                        "ca-file", "api-key"};
    memset(o, 0, sizeof(*o));
    const char **slots[] = {&o->key, &o->out, &o->to, &o->amount, &o->fee, &o->nonce, &o->count,
                            &o->memo, &o->expiry, &o->chain_id, &o->node, NULL, NULL, NULL};
    const char *timeout = NULL;
    const char *ca_file = NULL;
    const char *api_key = NULL;
    slots[11] = &timeout;
    slots[12] = &ca_file;
    slots[13] = &api_key;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0 || strcmp(a, "--wait") == 0) {
            *(a[2] == 'j' ? &o->json : &o->wait) = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (o->args_len == 4) {
                fprintf(stderr, "chroom-wallet: too many arguments\n");
                return 0;
            }
            o->args[o->args_len++] = a;
            continue;
        }
        size_t k = 0;
        while (k < sizeof(names) / sizeof(names[0]) && strcmp(a + 2, names[k]) != 0) {
            k++;
        }
        if (k == sizeof(names) / sizeof(names[0]) || i + 1 == argc) {
            fprintf(stderr, "chroom-wallet: %s: %s\n", a,
                    k == sizeof(names) / sizeof(names[0]) ? "unknown option" : "needs a value");
            return 0;
        }
        *slots[k] = argv[++i];
    }
    if (o->node == NULL) {
        o->node = getenv("CHROOM_NODE");
    }
    if (o->node == NULL || o->node[0] == '\0') {
        o->node = "http://127.0.0.1:8080";
    }
    uint64_t t = 10000;
    if (timeout != NULL && (!parse_u64_arg("timeout-ms", timeout, &t) || t == 0 || t > 600000)) {
        return 0;
    }
    o->timeout_ms = (long)t;
    if (ca_file != NULL) {
        wallet_http_set_ca_file(ca_file);
    }
    api_key = api_key != NULL ? api_key : getenv("CHROOM_API_KEY");
    if (api_key != NULL && api_key[0] != '\0' && !wallet_http_set_api_key(api_key)) {
        fprintf(stderr, "chroom-wallet: --api-key: not an API key or access token\n");
        return 0;
    }
    return o->args_len > 0;
}

static int load_key(const wallet_opts *o, uint8_t sk[32], uint8_t pub[32])
{
    char err[512];
    if (o->key == NULL) {
        fprintf(stderr, "chroom-wallet: --key FILE is required\n");
        return EXIT_USAGE;
    }
    if (chr_keyfile_read(o->key, sk, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "chroom-wallet: %s\n", err);
        return EXIT_LOCAL;
    }
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    ledger_signer *s;
    chr_err e = ledger_signer_new(&s, seed);
    e = e ? e : ledger_signer_pubkey(s, pub, sk);
    ledger_signer_free(s);
    if (e != CHR_OK) {
        fprintf(stderr, "chroom-wallet: %s: not a valid secret key\n", o->key);
        sodium_memzero(sk, 32);
        return EXIT_LOCAL;
    }
    return 0;
}

static int cmd_keygen(const wallet_opts *o)
{
    if (o->out == NULL) {
        fprintf(stderr, "chroom-wallet: keygen needs --out FILE\n");
        return EXIT_USAGE;
    }
    uint8_t sk[32];
    uint8_t pub[32];
    uint8_t seed[32];
    ledger_signer *s;
    randombytes_buf(seed, sizeof(seed));
    if (ledger_signer_new(&s, seed) != CHR_OK) {
        return EXIT_LOCAL;
    }
    do {
        randombytes_buf(sk, sizeof(sk));
    } while (ledger_signer_pubkey(s, pub, sk) != CHR_OK);
    ledger_signer_free(s);
    chr_err e = chr_keyfile_write(o->out, sk);
    sodium_memzero(sk, sizeof(sk));
    if (e != CHR_OK) {
        fprintf(stderr, "chroom-wallet: %s: %s\n", o->out,
                e == CHR_ERR_DUPLICATE ? "exists; not replacing a key" : "cannot write");
        return EXIT_LOCAL;
    }
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char hex[65];
    chr_address_encode(addr, pub);
    chr_hex_encode(hex, sizeof(hex), pub, 32);
    if (o->json) {
        printf("{\"address\":\"%s\",\"public_key\":\"%s\"}\n", addr, hex);
    } else {
        printf("address:    %s\npublic key: %s\nsecret key written to %s (mode 0600)\n", addr, hex, o->out);
    }
    return 0;
}

static int cmd_address(const wallet_opts *o)
{
    uint8_t sk[32];
    uint8_t pub[32];
    int rc = load_key(o, sk, pub);
    sodium_memzero(sk, sizeof(sk));
    if (rc != 0) {
        return rc;
    }
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char hex[65];
    chr_address_encode(addr, pub);
    chr_hex_encode(hex, sizeof(hex), pub, 32);
    if (o->json) {
        printf("{\"address\":\"%s\",\"public_key\":\"%s\"}\n", addr, hex);
    } else {
        printf("address:    %s\npublic key: %s\n", addr, hex);
    }
    return 0;
}

typedef struct transfer_args {
    const char *chain_id;
    uint8_t to[32];
    uint64_t amount, fee, nonce, expiry;
    const char *memo;
} transfer_args;

/* Builds and signs one transfer; writes its hex (NUL terminated) and hash. */
static int sign_transfer(const uint8_t sk[32], const uint8_t pub[32], const transfer_args *t,
                         char hex[2 * LEDGER_TX_BYTES_MAX + 1], uint8_t hash[32])
{
    ledger_tx tx;
    const char *memo = t->memo != NULL ? t->memo : "";
    chr_err e = ledger_tx_init(&tx, LEDGER_TX_TRANSFER, t->chain_id, pub, t->nonce, t->fee,
                               t->expiry, (const uint8_t *)memo, strlen(memo));
    if (e != CHR_OK) {
        fprintf(stderr, "chroom-wallet: %s\n", e == CHR_ERR_CHAIN_ID ? "--chain-id: not a chain id"
                                                                    : "--memo: at most 256 bytes of UTF-8");
        return EXIT_USAGE;
    }
    memcpy(tx.body.transfer.to, t->to, 32);
    tx.body.transfer.amount = t->amount;
    uint8_t msg[32];
    uint8_t aux[32];
    uint8_t seed[32];
    ledger_signer *s;
    randombytes_buf(seed, sizeof(seed));
    randombytes_buf(aux, sizeof(aux));
    ledger_tx_sighash(&tx, msg);
    e = ledger_signer_new(&s, seed);
    e = e ? e : ledger_signer_sign(s, tx.sig, msg, sk, aux);
    ledger_signer_free(s);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    e = e ? e : ledger_tx_encode(&tx, buf, sizeof(buf), &len);
    if (e != CHR_OK) {
        fprintf(stderr, "chroom-wallet: signing failed: %s\n", chr_err_str(e));
        return EXIT_LOCAL;
    }
    chr_hex_encode(hex, 2 * LEDGER_TX_BYTES_MAX + 1, buf, len);
    chr_sha256_hash(hash, buf, len);
    return 0;
}

static int parse_transfer(const wallet_opts *o, transfer_args *t, int need_fee_nonce)
{
    memset(t, 0, sizeof(*t));
    t->memo = o->memo;
    if (o->to == NULL || chr_address_decode(t->to, o->to, strlen(o->to)) != CHR_OK) {
        fprintf(stderr, "chroom-wallet: --to: a chr1... address is required\n");
        return 0;
    }
    if (!parse_u64_arg("amount", o->amount, &t->amount)) {
        return 0;
    }
    if (o->expiry != NULL && !parse_u64_arg("expiry-height", o->expiry, &t->expiry)) {
        return 0;
    }
    if (need_fee_nonce && (!parse_u64_arg("fee", o->fee, &t->fee) ||
                           !parse_u64_arg("nonce", o->nonce, &t->nonce))) {
        return 0;
    }
    if (o->fee != NULL && !parse_u64_arg("fee", o->fee, &t->fee)) {
        return 0;
    }
    return 1;
}

static int cmd_sign(const wallet_opts *o)
{
    transfer_args t;
    uint64_t count = 1;
    if (o->chain_id == NULL) {
        fprintf(stderr, "chroom-wallet: sign needs --chain-id ID\n");
        return EXIT_USAGE;
    }
    if (!parse_transfer(o, &t, 1) || (o->count != NULL && !parse_u64_arg("count", o->count, &count))) {
        return EXIT_USAGE;
    }
    if (count == 0 || count > WALLET_SIGN_COUNT_MAX || t.nonce > UINT64_MAX - count) {
        fprintf(stderr, "chroom-wallet: --count: 1 to %d\n", WALLET_SIGN_COUNT_MAX);
        return EXIT_USAGE;
    }
    t.chain_id = o->chain_id;
    uint8_t sk[32];
    uint8_t pub[32];
    int rc = load_key(o, sk, pub);
    for (uint64_t i = 0; rc == 0 && i < count; i++) {
        char hex[2 * LEDGER_TX_BYTES_MAX + 1];
        uint8_t hash[32];
        rc = sign_transfer(sk, pub, &t, hex, hash);
        if (rc == 0) {
            puts(hex);
        }
        t.nonce++;
    }
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

/* Calls the node; on success *out is the parsed JSON answer (caller decrefs). Prints why
 * on failure and returns the exit code. */
static int api(const wallet_opts *o, const char *method, const char *path, const char *body,
               long *status, json_t **out)
{
    char url[1024];
    char err[512];
    char *resp;
    *out = NULL;
    snprintf(url, sizeof(url), "%s%s", o->node, path);
    chr_err e = wallet_http(method, url, body, o->timeout_ms, status, &resp, err, sizeof(err));
    if (e != CHR_OK) {
        fprintf(stderr, "chroom-wallet: %s\n", err);
        return EXIT_UNREACHABLE;
    }
    json_error_t jerr;
    *out = json_loads(resp, JSON_REJECT_DUPLICATES, &jerr);
    free(resp);
    if (*out == NULL) {
        fprintf(stderr, "chroom-wallet: the node's answer is not JSON (HTTP %ld)\n", *status);
        return EXIT_UNREACHABLE;
    }
    return 0;
}

/* Prints a node error body and returns EXIT_REFUSED. */
static const char *jstr(json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s != NULL ? s : "";
}

static int refused(json_t *j, long status)
{
    json_t *e = json_object_get(j, "error");
    fprintf(stderr, "chroom-wallet: refused (HTTP %ld): %s: %s\n", status, jstr(e, "code"),
            jstr(e, "message"));
    return EXIT_REFUSED;
}

/* Submits one signed transaction and reports its fate. */
static int submit_hex(const wallet_opts *o, const char *hex)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/txs%s", o->wait ? "?wait=commit" : "");
    json_t *req = json_pack("{s:s}", "tx", hex);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    long status;
    json_t *j;
    int rc = api(o, "POST", path, body, &status, &j);
    free(body);
    if (rc != 0) {
        fprintf(stderr, "chroom-wallet: the outcome is unknown; the transaction may still "
                        "commit. Check with: chroom-wallet tx <hash>\n");
        return rc;
    }
    if (status >= 400) {
        rc = refused(j, status);
        json_decref(j);
        return rc;
    }
    const char *st = jstr(j, "status");
    if (o->json) {
        char *text = json_dumps(j, JSON_COMPACT);
        puts(text);
        free(text);
    } else if (strcmp(st, "committed") == 0) {
        printf("%s committed at height %s\n", jstr(j, "hash"), jstr(j, "height"));
    } else if (strcmp(st, "failed") == 0) {
        printf("%s failed: %s\n", jstr(j, "hash"), jstr(json_object_get(j, "error"), "message"));
    } else {
        printf("%s %s%s\n", jstr(j, "hash"), st,
               o->wait ? " (not committed within the timeout; check with `chroom-wallet tx HASH`)" : "");
    }
    rc = strcmp(st, "failed") == 0 ? EXIT_REFUSED : 0;
    json_decref(j);
    return rc;
}

static int cmd_broadcast(const wallet_opts *o)
{
    if (o->args_len != 2) {
        fprintf(stderr, "chroom-wallet: broadcast needs the signed transaction's hex\n");
        return EXIT_USAGE;
    }
    return submit_hex(o, o->args[1]);
}

/* Fetches what signing needs from the node: chain id, minimum fee and next nonce. */
static int fetch_signing_inputs(const wallet_opts *o, const uint8_t pub[32], transfer_args *t,
                                char chain_id[LEDGER_CHAIN_ID_MAX + 1])
{
    long status;
    json_t *j;
    int rc = api(o, "GET", "/api/v1/token", NULL, &status, &j);
    if (rc != 0 || status != 200) {
        return rc != 0 ? rc : refused(j, status);
    }
    snprintf(chain_id, LEDGER_CHAIN_ID_MAX + 1, "%s", jstr(j, "chain_id"));
    uint64_t fee;
    int ok = parse_u64_arg("fee", jstr(json_object_get(j, "params"), "fee_transfer"), &fee);
    json_decref(j);
    if (!ok) {
        return EXIT_UNREACHABLE;
    }
    if (o->fee == NULL) {
        t->fee = fee;
    }
    char path[128];
    char addr[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(addr, pub);
    snprintf(path, sizeof(path), "/api/v1/accounts/%s", addr);
    rc = api(o, "GET", path, NULL, &status, &j);
    if (rc != 0 || status != 200) {
        return rc != 0 ? rc : refused(j, status);
    }
    ok = parse_u64_arg("nonce", jstr(j, "pending_nonce"), &t->nonce);
    json_decref(j);
    return ok ? 0 : EXIT_UNREACHABLE;
}

static int cmd_send(const wallet_opts *o)
{
    transfer_args t;
    if (!parse_transfer(o, &t, 0)) {
        return EXIT_USAGE;
    }
    uint8_t sk[32];
    uint8_t pub[32];
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    int rc = load_key(o, sk, pub);
    rc = rc ? rc : fetch_signing_inputs(o, pub, &t, chain_id);
    char hex[2 * LEDGER_TX_BYTES_MAX + 1];
    uint8_t hash[32];
    t.chain_id = chain_id;
    rc = rc ? rc : sign_transfer(sk, pub, &t, hex, hash);
    sodium_memzero(sk, sizeof(sk));
    return rc ? rc : submit_hex(o, hex);
}

/* GETs path and prints the answer: JSON as is with --json, else the listed fields. */
static int show(const wallet_opts *o, const char *path, const char *const *fields)
{
    long status;
    json_t *j;
    int rc = api(o, "GET", path, NULL, &status, &j);
    if (rc != 0) {
        return rc;
    }
    if (status != 200) {
        rc = refused(j, status);
    } else if (o->json) {
        char *text = json_dumps(j, JSON_COMPACT);
        puts(text);
        free(text);
    } else {
        for (size_t i = 0; fields[i] != NULL; i++) {
            json_t *v = json_object_get(j, fields[i]);
            char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            printf("%-18s %s\n", fields[i], text != NULL ? text : jstr(j, fields[i]));
            free(text);
        }
    }
    json_decref(j);
    return rc;
}

static int cmd_get(const wallet_opts *o, const char *prefix, const char *const *fields)
{
    char path[256];
    if (o->args_len != 2 || strlen(o->args[1]) > 128) {
        fprintf(stderr, "chroom-wallet: %s needs one argument\n", o->args[0]);
        return EXIT_USAGE;
    }
    snprintf(path, sizeof(path), "%s%s", prefix, o->args[1]);
    return show(o, path, fields);
}

int main(int argc, char **argv)
{
    static const char *const balance_fields[] = {"address", "balance", "nonce", "pending_nonce", NULL};
    static const char *const tx_fields[] = {"hash", "status", "height", "index", "error", NULL};
    static const char *const status_fields[] = {"chain_id", "latest_height", "latest_block_hash",
                                                "latest_block_time", "txs_total", NULL};
    wallet_opts o;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (parse_opts(argc, argv, &o) && strcmp(o.args[0], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (!parse_opts(argc, argv, &o)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (chr_hash_init() != CHR_OK) {
        return EXIT_LOCAL;
    }
    const char *cmd = o.args[0];
    if (strcmp(cmd, "keygen") == 0) {
        return cmd_keygen(&o);
    } else if (strcmp(cmd, "address") == 0) {
        return cmd_address(&o);
    } else if (strcmp(cmd, "sign") == 0) {
        return cmd_sign(&o);
    } else if (strcmp(cmd, "send") == 0) {
        return cmd_send(&o);
    } else if (strcmp(cmd, "broadcast") == 0) {
        return cmd_broadcast(&o);
    } else if (strcmp(cmd, "balance") == 0) {
        return cmd_get(&o, "/api/v1/accounts/", balance_fields);
    } else if (strcmp(cmd, "tx") == 0) {
        return cmd_get(&o, "/api/v1/txs/", tx_fields);
    } else if (strcmp(cmd, "status") == 0 && o.args_len == 1) {
        return show(&o, "/api/v1/status", status_fields);
    }
    fprintf(stderr, "chroom-wallet: unknown command %s\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
