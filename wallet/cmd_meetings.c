/* The wallet's media-node and meeting commands (docs/WALLET-CLI.md, "Media nodes and
 * meetings"): each transaction is built from flags, signed with the key and submitted, or,
 * with --out, written as signed hex for `tx broadcast` (offline: with --chain-id, --fee and
 * --nonce all given the node is not contacted). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "credit/credit.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "wallet/internal/cli.h"

/* The header every new transaction shares: the key's address, and the chain id, fee and
 * nonce from the flags or the node. */
int wallet_tx_header(wallet_cli *c, ledger_tx *tx, uint8_t type)
{
    uint8_t from[32];
    const char *chain_id = c->opt[WALLET_OPT_CHAIN_ID];
    const char *fee = c->opt[WALLET_OPT_FEE];
    const char *nonce = c->opt[WALLET_OPT_NONCE];
    wallet_token tok;
    wallet_account acc;
    uint64_t f = 0, n = 0;
    int rc = wallet_cli_key_public(c, from, NULL, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if ((fee != NULL && !wallet_cli_parse_amount(c, "--fee", fee, LEDGER_TOKEN_DECIMALS, &f)) ||
        (nonce != NULL && !wallet_cli_parse_u64("--nonce", nonce, &n))) {
        return WALLET_EXIT_USAGE;
    }
    memset(&tok, 0, sizeof(tok));
    if (chain_id == NULL || fee == NULL) {
        rc = wallet_cli_fetch_token(c, &tok);
    }
    if (rc == WALLET_EXIT_OK && nonce == NULL) {
        rc = wallet_cli_fetch_account(c, from, &acc);
        n = acc.pending_nonce;
    }
    if (rc != WALLET_EXIT_OK) {
        wallet_cli_err("nothing was signed");
        return rc;
    }
    f = fee != NULL ? f : tok.fee_transfer;
    if (ledger_tx_init(tx, (ledger_tx_type)type, chain_id != NULL ? chain_id : tok.chain_id, from,
                       n, f, 0, NULL, 0) != CHR_OK) {
        return wallet_cli_usage(c, "--chain-id: " LEDGER_CHAIN_ID_RULE);
    }
    return WALLET_EXIT_OK;
}

/* Checks tx as the chain will (stateless rules), signs it with the key, and submits it or
 * writes its hex to --out. */
int wallet_tx_finish(wallet_cli *c, ledger_tx *tx)
{
    ledger_params params;
    char detail[LEDGER_DETAIL_MAX] = "";
    ledger_params_default(&params);
    params.fee_transfer = 0; /* the node's minimum is the node's to enforce */
    chr_err e = ledger_tx_check(tx, tx->chain_id, &params, detail, sizeof(detail));
    if (e != CHR_OK) {
        return wallet_cli_usage(c, "%s", detail[0] ? detail : chr_err_str(e));
    }
    uint8_t sk[32], pub[32], buf[LEDGER_TX_BYTES_MAX], hash[32];
    size_t len;
    int rc = wallet_cli_key_secret(c, sk, pub);
    rc = rc ? rc : wallet_cli_sign_tx(tx, sk, buf, &len, hash);
    sodium_memzero(sk, sizeof(sk));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    const char *out = c->opt[WALLET_OPT_OUT];
    if (out == NULL) {
        return wallet_cli_submit(c, buf, len, c->opt[WALLET_OPT_WAIT] != NULL);
    }
    char hex[WALLET_TX_HEX_MAX];
    chr_hex_encode(hex, sizeof(hex), buf, len);
    FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (f == NULL || fprintf(f, "%s\n", hex) < 0 || (f != stdout && fclose(f) != 0)) {
        wallet_cli_err("cannot write %s", out);
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

/* A 32-byte key given as 64 hex characters. */
static int parse_key(const wallet_cli *c, const char *what, const char *s, uint8_t out[32])
{
    if (s == NULL) {
        return wallet_cli_usage(c, "%s is required", what);
    }
    if (strlen(s) != 64 || chr_hex_decode_exact(out, 32, s, 64) != CHR_OK) {
        return wallet_cli_usage(c, "%s: 64 hex characters", what);
    }
    return WALLET_EXIT_OK;
}

/* A text flag into a bounded field (required: an error when absent). */
static int parse_text(const wallet_cli *c, wallet_opt o, int required, size_t max, char *out,
                      uint8_t *out_len)
{
    static const char *const names[WALLET_OPT_COUNT] = {
        [WALLET_OPT_ENDPOINT] = "endpoint", [WALLET_OPT_REGION] = "region",
        [WALLET_OPT_METADATA] = "metadata", [WALLET_OPT_TITLE] = "title",
        [WALLET_OPT_HOST] = "host",
    };
    const char *s = c->opt[o];
    *out_len = 0;
    if (s == NULL) {
        return required ? wallet_cli_usage(c, "--%s is required", names[o]) : WALLET_EXIT_OK;
    }
    size_t len = strlen(s);
    if (len > max) {
        return wallet_cli_usage(c, "--%s: over %zu bytes", names[o], max);
    }
    memcpy(out, s, len);
    *out_len = (uint8_t)len;
    return WALLET_EXIT_OK;
}

static int media_body(wallet_cli *c, ledger_tx *tx)
{
    ledger_media_body *b = &tx->body.media;
    int rc = parse_key(c, "--node-key", c->opt[WALLET_OPT_NODE_KEY], b->node_key);
    if (rc != WALLET_EXIT_OK || tx->type == LEDGER_TX_MEDIA_DEREGISTER) {
        return rc;
    }
    const char *cap = c->opt[WALLET_OPT_CAPACITY];
    uint64_t capacity = 0;
    if (c->opt[WALLET_OPT_ENDPOINT] == NULL || c->opt[WALLET_OPT_REGION] == NULL || cap == NULL) {
        return wallet_cli_usage(c, "--endpoint, --region and --capacity are required");
    }
    if (!wallet_cli_parse_u64("--capacity", cap, &capacity) || capacity > UINT32_MAX) {
        return WALLET_EXIT_USAGE;
    }
    b->capacity = (uint32_t)capacity;
    rc = parse_text(c, WALLET_OPT_ENDPOINT, 1, LEDGER_MEDIA_ENDPOINT_MAX, b->endpoint,
                    &b->endpoint_len);
    rc = rc ? rc
            : parse_text(c, WALLET_OPT_REGION, 1, LEDGER_MEDIA_REGION_MAX, b->region,
                         &b->region_len);
    rc = rc ? rc
            : parse_text(c, WALLET_OPT_METADATA, 0, LEDGER_MEDIA_METADATA_MAX, (char *)b->metadata,
                         &b->metadata_len);
    if (rc == WALLET_EXIT_OK && tx->type == LEDGER_TX_MEDIA_REGISTER) {
        const char *bond = c->opt[WALLET_OPT_BOND];
        if (bond == NULL) {
            return wallet_cli_usage(c, "--bond is required");
        }
        rc = wallet_cli_parse_amount(c, "--bond", bond, LEDGER_TOKEN_DECIMALS, &b->bond)
                 ? WALLET_EXIT_OK
                 : WALLET_EXIT_USAGE;
    }
    return rc;
}

static int media_tx(wallet_cli *c, uint8_t type)
{
    ledger_tx tx;
    int rc = wallet_tx_header(c, &tx, type);
    rc = rc ? rc : media_body(c, &tx);
    return rc ? rc : wallet_tx_finish(c, &tx);
}

int wallet_cmd_media_register(wallet_cli *c)
{
    return media_tx(c, LEDGER_TX_MEDIA_REGISTER);
}

int wallet_cmd_media_update(wallet_cli *c)
{
    return media_tx(c, LEDGER_TX_MEDIA_UPDATE);
}

int wallet_cmd_media_deregister(wallet_cli *c)
{
    return media_tx(c, LEDGER_TX_MEDIA_DEREGISTER);
}

/* Splits --participants at commas into proto's meeting-create body, their encoding into ids
 * (ids_cap bytes), which proto then refers to (ledger/tx.h). */
static int parse_participants(wallet_cli *c, ledger_tx *proto, uint8_t *ids, size_t ids_cap)
{
    const char *s = c->opt[WALLET_OPT_PARTICIPANTS];
    if (s == NULL || s[0] == '\0') {
        return wallet_cli_usage(c, "--participants ID,ID,... is required");
    }
    while (*s != '\0') {
        const char *end = strchr(s, ',');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        if (ledger_meeting_participant_add(proto, ids, ids_cap, s, len) != CHR_OK) {
            return wallet_cli_usage(c, "--participants: at most %d IDs of at most %d bytes",
                                    LEDGER_MEETING_PARTICIPANTS_MAX, LEDGER_MEETING_ID_STR_MAX);
        }
        s += len + (end != NULL ? 1 : 0);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_meeting_create(wallet_cli *c)
{
    ledger_tx tx, proto;
    uint8_t ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX]; /* the IDs' encoding: outlives tx */
    memset(&proto, 0, sizeof(proto));
    proto.type = LEDGER_TX_MEETING_CREATE;
    ledger_meeting_body *b = &proto.body.meeting;
    uint64_t duration = 0;
    const char *d = c->opt[WALLET_OPT_DURATION];
    const char *start = c->opt[WALLET_OPT_START_MS];
    if (d == NULL || !wallet_cli_parse_u64("--duration", d, &duration) || duration > UINT32_MAX) {
        return d == NULL ? wallet_cli_usage(c, "--duration MIN is required") : WALLET_EXIT_USAGE;
    }
    b->duration_min = (uint32_t)duration;
    if (start != NULL && !wallet_cli_parse_u64("--start-ms", start, &b->start_ms)) {
        return WALLET_EXIT_USAGE;
    }
    int rc = parse_text(c, WALLET_OPT_TITLE, 1, LEDGER_MEETING_TITLE_MAX, (char *)b->title,
                        &b->title_len);
    rc = rc ? rc
            : parse_text(c, WALLET_OPT_HOST, 1, LEDGER_MEETING_ID_STR_MAX, b->host, &b->host_len);
    rc = rc ? rc
            : parse_text(c, WALLET_OPT_REGION, 0, LEDGER_MEDIA_REGION_MAX, b->region,
                         &b->region_len);
    rc = rc ? rc : parse_participants(c, &proto, ids, sizeof(ids));
    if (rc == WALLET_EXIT_OK && c->opt[WALLET_OPT_PREFERRED] != NULL) {
        b->has_preferred = 1;
        rc = parse_key(c, "--preferred", c->opt[WALLET_OPT_PREFERRED], b->preferred);
    }
    rc = rc ? rc : wallet_tx_header(c, &tx, LEDGER_TX_MEETING_CREATE);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    tx.body.meeting = *b;
    rc = wallet_tx_finish(c, &tx);
    if (rc == WALLET_EXIT_OK && c->opt[WALLET_OPT_OUT] == NULL) {
        uint8_t hash[32];
        char id[2 * LEDGER_MEETING_ID_LEN + 1];
        ledger_tx_hash(&tx, hash);
        chr_hex_encode(id, sizeof(id), hash, LEDGER_MEETING_ID_LEN);
        if (!c->json) {
            printf("meeting_id %s\n", id);
        }
    }
    return rc;
}

/* The meeting id of the first argument into id; an exit code. */
static int meeting_id_arg(wallet_cli *c, uint8_t id[LEDGER_MEETING_ID_LEN])
{
    const char *s = c->args[0];
    if (strlen(s) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode_exact(id, LEDGER_MEETING_ID_LEN, s, strlen(s)) != CHR_OK) {
        return wallet_cli_usage(c, "%s is not a meeting id (24 hex characters)", s);
    }
    return WALLET_EXIT_OK;
}

/* meeting end ID and meeting cancel ID: one transaction; before the start it cancels. */
int wallet_cmd_meeting_end(wallet_cli *c)
{
    ledger_tx tx;
    uint8_t id[LEDGER_MEETING_ID_LEN];
    int rc = meeting_id_arg(c, id);
    rc = rc ? rc : wallet_tx_header(c, &tx, LEDGER_TX_MEETING_END);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    memcpy(tx.body.meeting_end.id, id, sizeof(id));
    return wallet_tx_finish(c, &tx);
}

/* GETs path and prints the answer: JSON as is with --json, else its fields one a line. */
int wallet_show(wallet_cli *c, const char *path)
{
    json_t *j;
    int rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%-22s %s\n", k, text != NULL ? text : json_string_value(v));
            free(text);
        }
    }
    json_decref(j);
    return WALLET_EXIT_OK;
}

/* A path segment made only of characters that need no escaping. */
int wallet_plain_segment(const char *s, size_t max)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
              (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_')) {
            return 0;
        }
    }
    return len > 0 && len <= max;
}

int wallet_cmd_media_show(wallet_cli *c)
{
    char path[WALLET_PATH_MAX];
    if (!wallet_plain_segment(c->args[0], 64)) {
        return wallet_cli_usage(c, "%s is not a media node id (64 hex characters)", c->args[0]);
    }
    snprintf(path, sizeof(path), "/api/v1/media-nodes/%s", c->args[0]);
    return wallet_show(c, path);
}

int wallet_cmd_meeting_show(wallet_cli *c)
{
    char path[WALLET_PATH_MAX];
    if (!wallet_plain_segment(c->args[0], 2 * LEDGER_MEETING_ID_LEN)) {
        return wallet_cli_usage(c, "%s is not a meeting id (24 hex characters)", c->args[0]);
    }
    snprintf(path, sizeof(path), "/api/v1/meetings/%s", c->args[0]);
    return wallet_show(c, path);
}

/* GETs a list: base then the given filters as query parameters (each checked to need no
 * escaping), and prints the page (items by line, with one(item) a line each). */
int wallet_list(wallet_cli *c, const char *base, const wallet_opt *opts, const char *const *names,
                size_t n_opts, const char *items, void (*one)(const json_t *item))
{
    char path[WALLET_PATH_MAX];
    const char *limit = c->opt[WALLET_OPT_LIMIT] ? c->opt[WALLET_OPT_LIMIT] : "20";
    if (!wallet_plain_segment(limit, 3)) {
        return wallet_cli_usage(c, "--limit: 1 to 100");
    }
    int n = snprintf(path, sizeof(path), "%s?limit=%s", base, limit);
    for (size_t i = 0; i < n_opts; i++) {
        const char *v = c->opt[opts[i]];
        if (v != NULL && !wallet_plain_segment(v, 64)) {
            return wallet_cli_usage(c, "--%s: not a valid value", names[i]);
        }
        if (v != NULL) {
            n += snprintf(path + n, sizeof(path) - (size_t)n, "&%s=%s", names[i], v);
        }
    }
    json_t *j;
    int rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        wallet_cli_print_json(j); /* which releases j */
        return WALLET_EXIT_OK;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, items), i, v) {
        one(v);
    }
    const char *next = wallet_cli_jstr(j, "next_cursor");
    if (next[0] != '\0') {
        printf("next cursor: %s\n", next);
    }
    json_decref(j);
    return WALLET_EXIT_OK;
}

static void media_line(const json_t *v)
{
    printf("%s %-9s %-10s cap %lld %s\n", wallet_cli_jstr(v, "id"), wallet_cli_jstr(v, "status"),
           wallet_cli_jstr(v, "region"), json_integer_value(json_object_get(v, "capacity")),
           wallet_cli_jstr(v, "endpoint"));
}

static void meeting_line(const json_t *v)
{
    printf("%s %-9s %s %s\n", wallet_cli_jstr(v, "meeting_id"), wallet_cli_jstr(v, "status"),
           wallet_cli_jstr(v, "start_time"), wallet_cli_jstr(v, "title"));
}

int wallet_cmd_media_list(wallet_cli *c)
{
    static const wallet_opt opts[] = {WALLET_OPT_REGION, WALLET_OPT_STATUS, WALLET_OPT_CURSOR};
    static const char *const names[] = {"region", "status", "cursor"};
    return wallet_list(c, "/api/v1/media-nodes", opts, names, 3, "media_nodes", media_line);
}

int wallet_cmd_meeting_list(wallet_cli *c)
{
    static const wallet_opt opts[] = {WALLET_OPT_PAYER, WALLET_OPT_HOST, WALLET_OPT_STATUS,
                                      WALLET_OPT_CURSOR};
    static const char *const names[] = {"payer", "host", "status", "cursor"};
    if ((c->opt[WALLET_OPT_PAYER] == NULL) == (c->opt[WALLET_OPT_HOST] == NULL)) {
        return wallet_cli_usage(c, "give --payer ADDRESS or --host ID");
    }
    return wallet_list(c, "/api/v1/meetings", opts, names, 4, "meetings", meeting_line);
}

/* One claim of --claims, "INDEX:MINUTES:CREDIT_HEX[:RECEIPT_SIG_HEX]", into cl: the credit's
 * signed fields and signature ride in the claim (docs/PROTOCOL.md, "Settlement"). */
static int parse_claim(const wallet_cli *c, char *s, ledger_claim *cl)
{
    char *parts[5] = {0};
    char *save = NULL;
    size_t n = 0;
    for (char *tok = strtok_r(s, ":", &save); tok != NULL && n < 5;
         tok = strtok_r(NULL, ":", &save)) {
        parts[n++] = tok;
    }
    uint64_t index, minutes;
    uint8_t buf[CREDIT_BYTES_MAX];
    size_t len = 0;
    credit cr;
    if (n < 3 || n > 4 || !wallet_cli_parse_u64("--claims index", parts[0], &index) ||
        !wallet_cli_parse_u64("--claims minutes", parts[1], &minutes) ||
        index > LEDGER_MEETING_PARTICIPANTS_MAX || minutes > UINT32_MAX ||
        chr_hex_decode(buf, sizeof(buf), &len, parts[2], strlen(parts[2])) != CHR_OK ||
        credit_decode(&cr, buf, len) != CREDIT_VALID ||
        (n == 4 && (strlen(parts[3]) != 128 ||
                    chr_hex_decode_exact(cl->receipt_sig, 64, parts[3], 128) != CHR_OK))) {
        return wallet_cli_usage(c, "--claims: INDEX:MINUTES:CREDIT_HEX[:RECEIPT_SIG_HEX], "
                                   "comma-separated");
    }
    cl->index = (uint8_t)index;
    cl->minutes = (uint32_t)minutes;
    cl->credit_minutes_max = cr.minutes_max;
    cl->credit_not_before_ms = cr.not_before_ms;
    cl->credit_expiry_ms = cr.expiry_ms;
    memcpy(cl->credit_sig, cr.sig, 64);
    cl->has_receipt = n == 4;
    return WALLET_EXIT_OK;
}

int wallet_cmd_meeting_settle(wallet_cli *c)
{
    ledger_tx tx;
    uint8_t claims_enc[LEDGER_SETTLE_CLAIMS_BYTES_MAX]; /* the claims' encoding: outlives tx */
    uint8_t id[LEDGER_MEETING_ID_LEN];
    const char *claims = c->opt[WALLET_OPT_CLAIMS];
    char copy[WALLET_CLAIMS_ARG_MAX + 1];
    int rc = meeting_id_arg(c, id);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (claims == NULL || strlen(claims) > WALLET_CLAIMS_ARG_MAX) {
        return wallet_cli_usage(c, "--claims: 1 to %d claims", LEDGER_SETTLE_CLAIMS_MAX);
    }
    rc = wallet_tx_header(c, &tx, LEDGER_TX_MEETING_SETTLE);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    memcpy(tx.body.settle.id, id, sizeof(id));
    memcpy(copy, claims, strlen(claims) + 1);
    char *next = copy;
    while (next != NULL && rc == WALLET_EXIT_OK) {
        char *one = next;
        next = strchr(next, ',');
        if (next != NULL) {
            *next++ = '\0';
        }
        ledger_claim cl;
        memset(&cl, 0, sizeof(cl));
        rc = parse_claim(c, one, &cl);
        if (rc == WALLET_EXIT_OK &&
            ledger_settle_claim_add(&tx, claims_enc, sizeof(claims_enc), &cl) != CHR_OK) {
            return wallet_cli_usage(c, "--claims: at most %d", LEDGER_SETTLE_CLAIMS_MAX);
        }
    }
    return rc ? rc : wallet_tx_finish(c, &tx);
}

int wallet_cmd_meeting_dispute(wallet_cli *c)
{
    ledger_tx tx;
    uint8_t id[LEDGER_MEETING_ID_LEN];
    uint64_t index, minutes;
    int rc = meeting_id_arg(c, id);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    const char *claim = c->opt[WALLET_OPT_CLAIM], *mins = c->opt[WALLET_OPT_MINUTES];
    if (claim == NULL || mins == NULL) {
        return wallet_cli_usage(c, "give --claim I and --minutes M");
    }
    if (!wallet_cli_parse_u64("--claim", claim, &index) ||
        index > LEDGER_MEETING_PARTICIPANTS_MAX) {
        return wallet_cli_usage(c, "--claim: a person index, 0 (the host) to %d",
                                LEDGER_MEETING_PARTICIPANTS_MAX);
    }
    if (!wallet_cli_parse_u64("--minutes", mins, &minutes) ||
        minutes > LEDGER_MEETING_DURATION_MAX_MIN) {
        return wallet_cli_usage(c, "--minutes: 0 to %u", LEDGER_MEETING_DURATION_MAX_MIN);
    }
    rc = wallet_tx_header(c, &tx, LEDGER_TX_MEETING_DISPUTE);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    memcpy(tx.body.settle.id, id, sizeof(id));
    tx.body.settle.claims_len = 1;
    tx.body.settle.dispute_index = (uint8_t)index;
    tx.body.settle.dispute_minutes = (uint32_t)minutes;
    return wallet_tx_finish(c, &tx);
}
