/* The commands that make and move transactions: send, tx build, tx sign, tx broadcast, and
 * the older sign and broadcast. The transaction files are documented in docs/WALLET-CLI.md,
 * "Transaction files". */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bech32.h"
#include "common/enc.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "common/hex.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "wallet/amount.h"
#include "wallet/internal/cli.h"
#include "wallet/keystore.h"

/* Transactions one `sign --count` makes: a script's burst, not a load generator. */
#define WALLET_SIGN_COUNT_MAX 100000

/* A transfer before signing, as the transaction files hold it. */
typedef struct transfer {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint8_t from[32];
    uint8_t to[32];
    uint64_t amount, fee, nonce, expiry;
    char memo[LEDGER_MEMO_MAX + 1];
} transfer;

/* Which of chain id, fee and nonce a command was given. */
typedef struct given {
    int chain_id, fee, nonce;
} given;

static int set_memo(const wallet_cli *c, transfer *t, const char *memo)
{
    size_t len = strlen(memo);
    if (len > LEDGER_MEMO_MAX || !ledger_utf8_valid((const uint8_t *)memo, len)) {
        return wallet_cli_usage(c, "--memo: at most %d bytes of UTF-8", LEDGER_MEMO_MAX);
    }
    memcpy(t->memo, memo, len + 1);
    return WALLET_EXIT_OK;
}

static int set_chain_id(const wallet_cli *c, transfer *t, const char *id)
{
    if (!ledger_chain_id_valid(id, strlen(id))) {
        return wallet_cli_usage(
            c, "--chain-id: \"%s\" is not a chain id (" LEDGER_CHAIN_ID_RULE ")", id);
    }
    snprintf(t->chain_id, sizeof(t->chain_id), "%s", id);
    return WALLET_EXIT_OK;
}

/* Signs t with sk into out (at most LEDGER_TX_BYTES_MAX bytes). */
static int sign_transfer(const transfer *t, const uint8_t sk[32], uint8_t *out, size_t *out_len,
                         uint8_t hash[32])
{
    ledger_tx tx;
    chr_err e = ledger_tx_init(&tx, LEDGER_TX_TRANSFER, t->chain_id, t->from, t->nonce, t->fee,
                               t->expiry, (const uint8_t *)t->memo, strlen(t->memo));
    if (e != CHR_OK) {
        wallet_cli_err("%s", e == CHR_ERR_CHAIN_ID ? "the chain id is not valid"
                                                   : "the memo is over 256 bytes or not UTF-8");
        return WALLET_EXIT_USAGE;
    }
    memcpy(tx.body.transfer.to, t->to, 32);
    tx.body.transfer.amount = t->amount;
    return wallet_cli_sign_tx(&tx, sk, out, out_len, hash);
}

int wallet_cli_sign_tx(ledger_tx *tx, const uint8_t sk[32], uint8_t *out, size_t *out_len,
                       uint8_t hash[32])
{
    uint8_t msg[32];
    uint8_t aux[32];
    uint8_t seed[32];
    ledger_signer *s;
    randombytes_buf(seed, sizeof(seed));
    randombytes_buf(aux, sizeof(aux));
    ledger_tx_sighash(tx, msg);
    chr_err e = ledger_signer_new(&s, seed);
    e = e ? e : ledger_signer_sign(s, tx->sig, msg, sk, aux);
    ledger_signer_free(s);
    e = e ? e : ledger_tx_encode(tx, out, LEDGER_TX_BYTES_MAX, out_len);
    if (e != CHR_OK) {
        wallet_cli_err("signing failed: %s", chr_err_str(e));
        return WALLET_EXIT_LOCAL;
    }
    chr_sha256_hash(hash, out, *out_len);
    return WALLET_EXIT_OK;
}

int wallet_cli_sender_secret(const wallet_cli *c, const uint8_t from[32], uint8_t sk[32])
{
    uint8_t pub[32];
    int rc = wallet_cli_key_secret(c, sk, pub);
    if (rc == WALLET_EXIT_OK && sodium_memcmp(pub, from, 32) != 0) {
        char a[CHR_ADDRESS_STR_LEN + 1];
        char b[CHR_ADDRESS_STR_LEN + 1];
        chr_address_encode(a, pub);
        chr_address_encode(b, from);
        wallet_cli_err("the key's address %s is not the sender %s", a, b);
        sodium_memzero(sk, 32);
        rc = WALLET_EXIT_LOCAL;
    }
    return rc;
}

static int write_out_mode(const char *path, const char *text, mode_t mode)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return WALLET_EXIT_OK;
    }
    char tmp[WALLET_KEYSTORE_PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    size_t len = strlen(text);
    int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int saved = errno;
    ok = fd >= 0 && close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        saved = ok ? errno : saved;
        if (fd >= 0) {
            unlink(tmp);
        }
        wallet_cli_err("%s: cannot write: %s", path, strerror(saved));
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

int wallet_cli_write_out(const char *path, const char *text)
{
    return write_out_mode(path, text, 0644);
}

int wallet_cli_write_private(const char *path, const char *text)
{
    return write_out_mode(path, text, 0600);
}

/* The JSON of an unsigned transfer (docs/WALLET-CLI.md): strings, so no number is
 * rounded by a reader. */
static json_t *transfer_json(const transfer *t)
{
    char from[CHR_ADDRESS_STR_LEN + 1];
    char to[CHR_ADDRESS_STR_LEN + 1];
    char amount[CHR_U64_DIGITS_MAX + 1];
    char fee[CHR_U64_DIGITS_MAX + 1];
    char nonce[CHR_U64_DIGITS_MAX + 1];
    char expiry[CHR_U64_DIGITS_MAX + 1];
    chr_address_encode(from, t->from);
    chr_address_encode(to, t->to);
    snprintf(amount, sizeof(amount), "%llu", (unsigned long long)t->amount);
    snprintf(fee, sizeof(fee), "%llu", (unsigned long long)t->fee);
    snprintf(nonce, sizeof(nonce), "%llu", (unsigned long long)t->nonce);
    snprintf(expiry, sizeof(expiry), "%llu", (unsigned long long)t->expiry);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "transfer", "chain_id",
                     t->chain_id, "from", from, "to", to, "amount", amount, "fee", fee, "nonce",
                     nonce, "expiry_height", expiry, "memo", t->memo);
}

int wallet_cli_read_input(const char *path, char **text)
{
    char err[256];
    size_t len;
    *text = NULL;
    if (strcmp(path, "-") == 0) {
        char *buf = malloc(WALLET_TX_FILE_BYTES_MAX + 1);
        len = buf != NULL ? fread(buf, 1, WALLET_TX_FILE_BYTES_MAX + 1, stdin) : 0;
        if (buf == NULL || len > WALLET_TX_FILE_BYTES_MAX || ferror(stdin)) {
            free(buf);
            wallet_cli_err("stdin: cannot read, or over %u bytes", WALLET_TX_FILE_BYTES_MAX);
            return WALLET_EXIT_LOCAL;
        }
        buf[len] = '\0';
        *text = buf;
        return WALLET_EXIT_OK;
    }
    if (chr_file_read(path, WALLET_TX_FILE_BYTES_MAX, text, &len, err, sizeof(err)) != CHR_OK) {
        wallet_cli_err("%s: %s", path, err);
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

/* ---- send. ---- */

/* The amount and fee of send and tx build, in units. Without decimals known yet, parse
 * with the protocol's, so that a typo is a usage error before any network call. */
static int parse_amount_fee(const wallet_cli *c, const char *amount, unsigned decimals, transfer *t,
                            int *fee_given)
{
    const char *fee = c->opt[WALLET_OPT_FEE];
    if (!wallet_cli_parse_amount(c, "AMOUNT", amount, decimals, &t->amount) ||
        (fee != NULL && !wallet_cli_parse_amount(c, "--fee", fee, decimals, &t->fee))) {
        return WALLET_EXIT_USAGE;
    }
    if (t->amount == 0) {
        return wallet_cli_usage(c, "AMOUNT: must be more than zero");
    }
    *fee_given = fee != NULL;
    return WALLET_EXIT_OK;
}

static int parse_common(const wallet_cli *c, transfer *t)
{
    const char *memo = c->opt[WALLET_OPT_MEMO];
    const char *expiry = c->opt[WALLET_OPT_EXPIRY_HEIGHT];
    if (memo != NULL && set_memo(c, t, memo) != WALLET_EXIT_OK) {
        return WALLET_EXIT_USAGE;
    }
    if (expiry != NULL && !wallet_cli_parse_u64("--expiry-height", expiry, &t->expiry)) {
        return WALLET_EXIT_USAGE;
    }
    return WALLET_EXIT_OK;
}

/* Shows a person at a terminal what is about to be signed, before the passphrase prompt;
 * scripts (stderr not a terminal) see nothing. */
static void print_summary(const transfer *t, const wallet_token *tok)
{
    if (!isatty(STDERR_FILENO)) {
        return;
    }
    char amount[WALLET_AMOUNT_STR_MAX];
    char fee[WALLET_AMOUNT_STR_MAX];
    char to[CHR_ADDRESS_STR_LEN + 1];
    wallet_amount_format(amount, sizeof(amount), t->amount, tok->decimals);
    wallet_amount_format(fee, sizeof(fee), t->fee, tok->decimals);
    chr_address_encode(to, t->to);
    fprintf(stderr, "Sending %s %s to %s, fee %s %s, nonce %llu, on chain %s\n", amount,
            tok->symbol, to, fee, tok->symbol, (unsigned long long)t->nonce, t->chain_id);
}

int wallet_cmd_send(wallet_cli *c)
{
    transfer t;
    memset(&t, 0, sizeof(t));
    int fee_given;
    if (!wallet_cli_parse_address("TO", c->args[0], t.to) ||
        parse_amount_fee(c, c->args[1], LEDGER_TOKEN_DECIMALS, &t, &fee_given) ||
        parse_common(c, &t)) {
        return WALLET_EXIT_USAGE;
    }
    int rc = wallet_cli_key_public(c, t.from, NULL, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (memcmp(t.from, t.to, 32) == 0) {
        return wallet_cli_usage(c, "TO is the key's own address: a transfer to oneself is "
                                   "never valid");
    }
    wallet_token tok;
    wallet_account acc;
    rc = wallet_cli_fetch_token(c, &tok);
    if (rc == WALLET_EXIT_OK && tok.decimals != LEDGER_TOKEN_DECIMALS &&
        parse_amount_fee(c, c->args[1], tok.decimals, &t, &fee_given) != WALLET_EXIT_OK) {
        return WALLET_EXIT_USAGE;
    }
    rc = rc ? rc : wallet_cli_fetch_account(c, t.from, &acc);
    if (rc != WALLET_EXIT_OK) {
        wallet_cli_err("nothing was sent");
        return rc;
    }
    memcpy(t.chain_id, tok.chain_id, sizeof(t.chain_id));
    t.fee = fee_given ? t.fee : tok.fee_transfer;
    /* The next nonce counting the account's pending transactions, so that a second send
     * right after a first one follows it instead of conflicting with it. */
    t.nonce = acc.pending_nonce;
    print_summary(&t, &tok);
    uint8_t sk[32];
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    uint8_t hash[32];
    size_t len;
    rc = wallet_cli_sender_secret(c, t.from, sk);
    rc = rc ? rc : sign_transfer(&t, sk, buf, &len, hash);
    sodium_memzero(sk, sizeof(sk));
    return rc ? rc : wallet_cli_submit(c, buf, len, c->opt[WALLET_OPT_WAIT] != NULL);
}

/* ---- tx build. ---- */

static int build_inputs(wallet_cli *c, transfer *t, given *g)
{
    const char *to = c->opt[WALLET_OPT_TO];
    const char *from = c->opt[WALLET_OPT_FROM];
    const char *chain_id = c->opt[WALLET_OPT_CHAIN_ID];
    const char *nonce = c->opt[WALLET_OPT_NONCE];
    if (to == NULL || c->opt[WALLET_OPT_AMOUNT] == NULL) {
        return wallet_cli_usage(c, "tx build needs --to ADDRESS and --amount X");
    }
    if (from != NULL && (c->opt[WALLET_OPT_KEY] != NULL || c->opt[WALLET_OPT_KEY_FILE] != NULL)) {
        return wallet_cli_usage(c, "give --from or a key, not both");
    }
    if (!wallet_cli_parse_address("--to", to, t->to) ||
        (from != NULL && !wallet_cli_parse_address("--from", from, t->from)) ||
        parse_amount_fee(c, c->opt[WALLET_OPT_AMOUNT], LEDGER_TOKEN_DECIMALS, t, &g->fee) ||
        parse_common(c, t) ||
        (nonce != NULL && !wallet_cli_parse_u64("--nonce", nonce, &t->nonce)) ||
        (chain_id != NULL && set_chain_id(c, t, chain_id))) {
        return WALLET_EXIT_USAGE;
    }
    g->nonce = nonce != NULL;
    g->chain_id = chain_id != NULL;
    int rc = from != NULL ? WALLET_EXIT_OK : wallet_cli_key_public(c, t->from, NULL, 0);
    if (rc == WALLET_EXIT_OK && memcmp(t->from, t->to, 32) == 0) {
        return wallet_cli_usage(c, "--to is the sender: a transfer to oneself is never valid");
    }
    return rc;
}

int wallet_cmd_tx_build(wallet_cli *c)
{
    const char *type = c->opt[WALLET_OPT_TYPE];
    if (type != NULL && strcmp(type, "transfer") != 0) {
        return wallet_stake_tx_build(c, type);
    }
    transfer t;
    given g;
    memset(&t, 0, sizeof(t));
    memset(&g, 0, sizeof(g));
    int rc = build_inputs(c, &t, &g);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    /* Offline when everything the node would tell is given. */
    if (!g.chain_id || !g.fee || !g.nonce) {
        wallet_token tok;
        rc = wallet_cli_fetch_token(c, &tok);
        if (rc == WALLET_EXIT_OK && tok.decimals != LEDGER_TOKEN_DECIMALS &&
            parse_amount_fee(c, c->opt[WALLET_OPT_AMOUNT], tok.decimals, &t, &g.fee)) {
            return WALLET_EXIT_USAGE;
        }
        wallet_account acc;
        rc = rc || g.nonce ? rc : wallet_cli_fetch_account(c, t.from, &acc);
        if (rc != WALLET_EXIT_OK) {
            wallet_cli_err("to build offline, give --chain-id, --fee and --nonce");
            return rc;
        }
        if (!g.chain_id) {
            memcpy(t.chain_id, tok.chain_id, sizeof(t.chain_id));
        }
        t.fee = g.fee ? t.fee : tok.fee_transfer;
        t.nonce = g.nonce ? t.nonce : acc.pending_nonce;
    }
    json_t *j = transfer_json(&t);
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (text == NULL) {
        return WALLET_EXIT_LOCAL;
    }
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (withnl == NULL) {
        free(text);
        return WALLET_EXIT_LOCAL;
    }
    memcpy(withnl + len, "\n", 2);
    const char *out = c->opt[WALLET_OPT_OUT];
    rc = wallet_cli_write_out(out, withnl);
    free(withnl);
    if (rc == WALLET_EXIT_OK && out != NULL && strcmp(out, "-") != 0 && !c->json) {
        printf("unsigned transfer written to %s; sign it with: chroom-wallet tx sign %s\n", out,
               out);
    }
    return rc;
}

/* ---- tx sign. ---- */

static int field_u64(const json_t *j, const char *key, int required, uint64_t *out)
{
    const json_t *v = json_object_get(j, key);
    if (v == NULL && !required) {
        *out = 0;
        return 1;
    }
    const char *s = json_string_value(v);
    if (s == NULL || chr_u64_parse(out, s, strlen(s)) != CHR_OK) {
        wallet_cli_err("field %s: %s", key,
                       v == NULL ? "missing" : "a decimal string of units is required");
        return 0;
    }
    return 1;
}

static int field_address(const json_t *j, const char *key, uint8_t pub[32])
{
    const char *s = json_string_value(json_object_get(j, key));
    if (s == NULL || chr_address_decode(pub, s, strlen(s)) != CHR_OK) {
        wallet_cli_err("field %s: %s", key, s == NULL ? "missing" : "not a chr1... address");
        return 0;
    }
    return 1;
}

/* Reads an unsigned transfer (tx build's output): every field known, each well formed. */
static int parse_unsigned(const char *path, transfer *t)
{
    static const char *const fields[] = {"type", "chain_id", "from",          "to",   "amount",
                                         "fee",  "nonce",    "expiry_height", "memo", NULL};
    char *text;
    int rc = wallet_cli_read_input(path, &text);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!json_is_object(j)) {
        wallet_cli_err("%s: not a JSON object (%s, line %d)", path, jerr.text, jerr.line);
        json_decref(j);
        return WALLET_EXIT_LOCAL;
    }
    const char *key;
    json_t *v;
    int ok = 1;
    json_object_foreach(j, key, v) {
        size_t i = 0;
        while (fields[i] != NULL && strcmp(fields[i], key) != 0) {
            i++;
        }
        if (fields[i] == NULL) {
            wallet_cli_err("field %s: unknown%s", key,
                           strcmp(key, "tx") == 0 ? " (this file is signed already)" : "");
            ok = 0;
        }
    }
    const char *type = wallet_cli_jstr(j, "type");
    const char *chain_id = wallet_cli_jstr(j, "chain_id");
    const json_t *memo = json_object_get(j, "memo");
    size_t memo_len = json_string_length(memo);
    if (ok && strcmp(type, "transfer") != 0) {
        wallet_cli_err("field type: \"transfer\" is the only type");
        ok = 0;
    }
    if (ok && !ledger_chain_id_valid(chain_id, strlen(chain_id))) {
        wallet_cli_err("field chain_id: missing or not a chain id");
        ok = 0;
    }
    ok = ok && field_address(j, "from", t->from) && field_address(j, "to", t->to) &&
         field_u64(j, "amount", 1, &t->amount) && field_u64(j, "fee", 1, &t->fee) &&
         field_u64(j, "nonce", 1, &t->nonce) && field_u64(j, "expiry_height", 0, &t->expiry);
    if (ok && memo != NULL &&
        (!json_is_string(memo) || memo_len > LEDGER_MEMO_MAX ||
         !ledger_utf8_valid((const uint8_t *)json_string_value(memo), memo_len))) {
        wallet_cli_err("field memo: at most %d bytes of UTF-8", LEDGER_MEMO_MAX);
        ok = 0;
    }
    if (ok) {
        snprintf(t->chain_id, sizeof(t->chain_id), "%s", chain_id);
        memcpy(t->memo, memo != NULL ? json_string_value(memo) : "", memo != NULL ? memo_len : 0);
        t->memo[memo != NULL ? memo_len : 0] = '\0';
    } else {
        wallet_cli_err("%s: not an unsigned transfer (docs/WALLET-CLI.md, \"Transaction files\")",
                       path);
    }
    json_decref(j);
    return ok ? WALLET_EXIT_OK : WALLET_EXIT_LOCAL;
}

static void find_one(void *ctx, const char *name, const uint8_t pubkey[32])
{
    find_ctx *f = ctx;
    if (pubkey != NULL && !f->found && memcmp(pubkey, f->pub, 32) == 0) {
        snprintf(f->name, sizeof(f->name), "%s", name);
        f->found = 1;
    }
}

void wallet_cli_pick_sender_key(wallet_cli *c, const uint8_t from[32], find_ctx *f)
{
    if (c->opt[WALLET_OPT_KEY] != NULL || c->opt[WALLET_OPT_KEY_FILE] != NULL ||
        c->default_key != NULL || c->home[0] == '\0') {
        return;
    }
    f->pub = from;
    f->found = 0;
    if (wallet_keystore_list(c->home, find_one, f) == CHR_OK && f->found) {
        c->opt[WALLET_OPT_KEY] = f->name;
    }
}

int wallet_cmd_tx_sign(wallet_cli *c)
{
    const char *path = c->args[0];
    int handled = 0;
    int rc = wallet_stake_tx_sign(c, path, &handled);
    if (handled) {
        return rc;
    }
    transfer t;
    memset(&t, 0, sizeof(t));
    rc = parse_unsigned(path, &t);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    find_ctx f;
    wallet_cli_pick_sender_key(c, t.from, &f);
    uint8_t sk[32];
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    uint8_t hash[32];
    size_t len;
    rc = wallet_cli_sender_secret(c, t.from, sk);
    rc = rc ? rc : sign_transfer(&t, sk, buf, &len, hash);
    sodium_memzero(sk, sizeof(sk));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    char hex[WALLET_TX_HEX_MAX];
    char hhex[65];
    chr_hex_encode(hex, sizeof(hex), buf, len);
    chr_hex_encode(hhex, sizeof(hhex), hash, sizeof(hash));
    json_t *j = transfer_json(&t);
    json_object_set_new(j, "hash", json_string(hhex));
    json_object_set_new(j, "tx", json_string(hex));
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    if (text == NULL) {
        return WALLET_EXIT_LOCAL;
    }
    char *withnl = realloc(text, strlen(text) + 2);
    if (withnl == NULL) {
        free(text);
        return WALLET_EXIT_LOCAL;
    }
    strcat(withnl, "\n");
    const char *out = c->opt[WALLET_OPT_OUT];
    rc = wallet_cli_write_out(out, withnl);
    free(withnl);
    if (rc == WALLET_EXIT_OK && out != NULL && strcmp(out, "-") != 0 && !c->json) {
        printf("signed transaction %s written to %s\nsubmit it with: chroom-wallet tx broadcast "
               "%s\n",
               hhex, out, out);
    }
    return rc;
}

/* ---- tx broadcast and broadcast. ---- */

/* Decodes a signed transaction's hex and checks that it is one. */
static int decode_signed(const char *hex, size_t hex_len, uint8_t *buf, size_t *len)
{
    ledger_tx tx;
    chr_err e = chr_hex_decode(buf, LEDGER_TX_BYTES_MAX, len, hex, hex_len);
    e = e ? e : ledger_tx_decode(&tx, buf, *len);
    if (e != CHR_OK) {
        wallet_cli_err("not a signed transaction: %s", chr_err_str(e));
        return 0;
    }
    return 1;
}

int wallet_cmd_tx_broadcast(wallet_cli *c)
{
    const char *path = c->args[0];
    char *text;
    int rc = wallet_cli_read_input(path, &text);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    /* tx sign's JSON, or the bare hex with whitespace around it. */
    const char *p = text + strspn(text, " \t\r\n");
    json_t *j = NULL;
    const char *hex = p;
    size_t hex_len = strcspn(p, " \t\r\n");
    if (p[0] == '{') {
        json_error_t jerr;
        j = json_loads(p, JSON_REJECT_DUPLICATES, &jerr);
        hex = json_string_value(json_object_get(j, "tx"));
        hex_len = hex != NULL ? strlen(hex) : 0;
        if (hex == NULL) {
            wallet_cli_err("%s: not a signed transaction file (no field tx)", path);
            rc = WALLET_EXIT_LOCAL;
        }
    } else if (p[hex_len + strspn(p + hex_len, " \t\r\n")] != '\0') {
        wallet_cli_err("%s: not one signed transaction (tx sign's JSON, or its hex)", path);
        rc = WALLET_EXIT_LOCAL;
    }
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len = 0;
    if (rc == WALLET_EXIT_OK && !decode_signed(hex, hex_len, buf, &len)) {
        rc = WALLET_EXIT_LOCAL;
    }
    const char *want = wallet_cli_jstr(j, "hash");
    if (rc == WALLET_EXIT_OK && want[0] != '\0') {
        uint8_t h[32];
        char hh[65];
        chr_sha256_hash(h, buf, len);
        chr_hex_encode(hh, sizeof(hh), h, sizeof(h));
        if (strcmp(hh, want) != 0) {
            wallet_cli_err("%s: its hash field does not match its transaction: the file is "
                           "damaged or edited",
                           path);
            rc = WALLET_EXIT_LOCAL;
        }
    }
    json_decref(j);
    free(text);
    return rc ? rc : wallet_cli_submit(c, buf, len, c->opt[WALLET_OPT_WAIT] != NULL);
}

int wallet_cmd_broadcast(wallet_cli *c)
{
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    if (!decode_signed(c->args[0], strlen(c->args[0]), buf, &len)) {
        return wallet_cli_usage(c, "HEX: give a signed transaction's hex");
    }
    return wallet_cli_submit(c, buf, len, c->opt[WALLET_OPT_WAIT] != NULL);
}

/* ---- sign (the older, flag-only offline signer). ---- */

static int sign_inputs(const wallet_cli *c, transfer *t, uint64_t *count)
{
    const char *chain_id = c->opt[WALLET_OPT_CHAIN_ID];
    const char *to = c->opt[WALLET_OPT_TO];
    const char *n = c->opt[WALLET_OPT_SIGN_COUNT];
    if (chain_id == NULL) {
        return wallet_cli_usage(c, "sign needs --chain-id ID");
    }
    if (to == NULL) {
        return wallet_cli_usage(c, "--to: a chr1... address is required");
    }
    if (!wallet_cli_parse_address("--to", to, t->to) ||
        !wallet_cli_parse_u64("--amount", c->opt[WALLET_OPT_AMOUNT], &t->amount) ||
        !wallet_cli_parse_u64("--fee", c->opt[WALLET_OPT_FEE], &t->fee) ||
        !wallet_cli_parse_u64("--nonce", c->opt[WALLET_OPT_NONCE], &t->nonce) ||
        parse_common(c, t) != WALLET_EXIT_OK || set_chain_id(c, t, chain_id) != WALLET_EXIT_OK ||
        (n != NULL && !wallet_cli_parse_u64("--count", n, count))) {
        return WALLET_EXIT_USAGE;
    }
    if (*count == 0 || *count > WALLET_SIGN_COUNT_MAX || t->nonce > UINT64_MAX - *count) {
        return wallet_cli_usage(c, "--count: 1 to %d", WALLET_SIGN_COUNT_MAX);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_sign(wallet_cli *c)
{
    transfer t;
    uint64_t count = 1;
    memset(&t, 0, sizeof(t));
    int rc = sign_inputs(c, &t, &count);
    uint8_t sk[32];
    rc = rc ? rc : wallet_cli_key_secret(c, sk, t.from);
    for (uint64_t i = 0; rc == WALLET_EXIT_OK && i < count; i++) {
        uint8_t buf[LEDGER_TX_BYTES_MAX];
        uint8_t hash[32];
        char hex[WALLET_TX_HEX_MAX];
        size_t len;
        rc = sign_transfer(&t, sk, buf, &len, hash);
        if (rc == WALLET_EXIT_OK) {
            chr_hex_encode(hex, sizeof(hex), buf, len);
            puts(hex);
        }
        t.nonce++;
    }
    sodium_memzero(sk, sizeof(sk));
    return rc;
}
