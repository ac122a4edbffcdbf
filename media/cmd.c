/* chroom-media's setup and its one-shot commands: register (the wallet's media-node
 * transactions with the config's fields), credit verify and usage add
 * (docs/MEDIA-AGENT.md, "Commands"). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fsutil.h"
#include "common/hash.h"
#include "common/hex.h"
#include "media/internal/agent.h"
#include "wallet/http.h"

uint64_t media_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The directory of path ("." for a bare name) into out. */
static void dir_of(char *out, size_t out_cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(out, out_cap, ".");
    } else if (slash == path) {
        snprintf(out, out_cap, "/");
    } else {
        snprintf(out, out_cap, "%.*s", (int)(slash - path), path);
    }
}

static int load_config(media_agent *a, const char *path)
{
    char err[512], dir[MEDIA_PATH_MAX];
    char *text = NULL;
    size_t len = 0;
    if (chr_file_read(path, MEDIA_CONFIG_BYTES_MAX, &text, &len, err, sizeof(err)) != CHR_OK) {
        wallet_cli_err("%s: %s", path, err);
        return MEDIA_EXIT_LOCAL;
    }
    dir_of(dir, sizeof(dir), path);
    chr_err e = media_config_parse(&a->cfg, text, len, dir, err, sizeof(err));
    free(text);
    if (e != CHR_OK) {
        wallet_cli_err("%s: %s", path, err);
        return MEDIA_EXIT_LOCAL;
    }
    return MEDIA_EXIT_OK;
}

int media_agent_init(media_agent *a, const char *config_path, int json)
{
    memset(a, 0, sizeof(*a));
    a->json = json;
    int rc = load_config(a, config_path);
    if (rc != MEDIA_EXIT_OK) {
        return rc;
    }
    if (chr_hash_init() != CHR_OK) {
        wallet_cli_err("cannot initialise libsodium");
        return MEDIA_EXIT_LOCAL;
    }
    wallet_cli *c = &a->wc;
    snprintf(c->node, sizeof(c->node), "%s", a->cfg.node);
    c->timeout_ms = (long)a->cfg.timeout_ms;
    c->json = json;
    if (a->cfg.api_key[0] != '\0' && !wallet_http_set_api_key(a->cfg.api_key)) {
        wallet_cli_err("%s: [node] api_key: not an API key or access token", config_path);
        return MEDIA_EXIT_LOCAL;
    }
    if (a->cfg.ca_file[0] != '\0') {
        snprintf(c->ca_file, sizeof(c->ca_file), "%s", a->cfg.ca_file);
        wallet_http_set_ca_file(c->ca_file);
    }
    /* The node key's public half names the media node; its secret is wiped at once (run's
     * heartbeat sender reads it again, media_heartbeat_start). */
    uint8_t sk[32];
    c->opt[WALLET_OPT_KEY_FILE] = a->cfg.node_key_file;
    rc = wallet_cli_key_secret(c, sk, a->node_pub);
    sodium_memzero(sk, sizeof(sk));
    if (rc != MEDIA_EXIT_OK) {
        return rc;
    }
    chr_hex_encode(a->node_hex, sizeof(a->node_hex), a->node_pub, 32);
    c->opt[WALLET_OPT_KEY_FILE] = a->cfg.operator_key_file;
    return MEDIA_EXIT_OK;
}

int media_fetch_chain_id(media_agent *a)
{
    wallet_token tok;
    int rc = wallet_cli_fetch_token(&a->wc, &tok);
    if (rc == MEDIA_EXIT_OK) {
        snprintf(a->chain_id, sizeof(a->chain_id), "%s", tok.chain_id);
    }
    return rc;
}

int media_fetch_record(const media_agent *a, const uint8_t id[LEDGER_MEETING_ID_LEN],
                       media_record *out, int quiet)
{
    char hex[2 * LEDGER_MEETING_ID_LEN + 1], path[64], err[256];
    chr_hex_encode(hex, sizeof(hex), id, LEDGER_MEETING_ID_LEN);
    snprintf(path, sizeof(path), "/api/v1/meetings/%s", hex);
    memset(out, 0, sizeof(*out));
    long status = 0;
    json_t *j = NULL;
    int rc = wallet_cli_call(&a->wc, "GET", path, NULL, a->wc.timeout_ms, &status, &j, NULL);
    if (rc != MEDIA_EXIT_OK) {
        return rc;
    }
    char *text = status == 200 ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (status != 200) {
        if (!quiet) {
            wallet_cli_err("meeting %s: the node answered %ld", hex, status);
        }
        return status == 404 ? MEDIA_EXIT_REFUSED : MEDIA_EXIT_UNKNOWN;
    }
    chr_err e = text == NULL ? CHR_ERR_NOMEM
                             : media_record_parse(out, text, strlen(text), err, sizeof(err));
    free(text);
    if (e == CHR_OK && memcmp(out->id, id, LEDGER_MEETING_ID_LEN) != 0) {
        snprintf(err, sizeof(err), "the node answered another meeting");
        e = CHR_ERR_JSON;
    }
    if (e != CHR_OK) {
        memset(out, 0, sizeof(*out));
        if (!quiet) {
            wallet_cli_err("meeting %s: %s", hex, err);
        }
        return MEDIA_EXIT_REFUSED;
    }
    return MEDIA_EXIT_OK;
}

int media_cmd_register(media_agent *a, int update, int deregister)
{
    wallet_cli *c = &a->wc;
    char capacity[24], bond[24];
    snprintf(capacity, sizeof(capacity), "%llu", (unsigned long long)a->cfg.capacity);
    snprintf(bond, sizeof(bond), "%llu", (unsigned long long)a->cfg.bond_units);
    if (!deregister && (a->cfg.endpoint[0] == '\0' || a->cfg.region[0] == '\0' ||
                        a->cfg.capacity == 0 || (!update && a->cfg.bond_units == 0))) {
        wallet_cli_err("the config's [registry] needs endpoint, region, capacity%s",
                       update ? "" : " and bond_units");
        return MEDIA_EXIT_LOCAL;
    }
    c->opt[WALLET_OPT_NODE_KEY] = a->node_hex;
    c->opt[WALLET_OPT_ENDPOINT] = a->cfg.endpoint;
    c->opt[WALLET_OPT_REGION] = a->cfg.region;
    c->opt[WALLET_OPT_CAPACITY] = capacity;
    c->opt[WALLET_OPT_BOND] = bond;
    c->opt[WALLET_OPT_RAW] = "";
    c->opt[WALLET_OPT_METADATA] = a->cfg.metadata[0] != '\0' ? a->cfg.metadata : NULL;
    c->opt[WALLET_OPT_WAIT] = "";
    if (!a->json) {
        printf("media node %s\n", a->node_hex);
    }
    return deregister ? wallet_cmd_media_deregister(c)
           : update   ? wallet_cmd_media_update(c)
                      : wallet_cmd_media_register(c);
}

int media_cmd_credit_verify(media_agent *a, const char *credit_hex, const char *meeting_hex,
                            uint64_t now_ms)
{
    uint8_t cr[CREDIT_BYTES_MAX], id[LEDGER_MEETING_ID_LEN];
    size_t len = 0;
    if (strlen(credit_hex) > 2 * CREDIT_BYTES_MAX ||
        chr_hex_decode(cr, sizeof(cr), &len, credit_hex, strlen(credit_hex)) != CHR_OK) {
        return wallet_cli_usage(NULL, "CREDIT: the credit's hex (at most %d characters)",
                                2 * CREDIT_BYTES_MAX);
    }
    if (strlen(meeting_hex) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode_exact(id, sizeof(id), meeting_hex, strlen(meeting_hex)) != CHR_OK) {
        return wallet_cli_usage(NULL, "--meeting: a meeting id (24 hex characters)");
    }
    media_record r;
    int rc = media_fetch_chain_id(a);
    rc = rc ? rc : media_fetch_record(a, id, &r, 0);
    if (rc != MEDIA_EXIT_OK) {
        return rc;
    }
    uint8_t index;
    const char *why = media_check_credit(&r, a->node_pub, a->chain_id, cr, len, now_ms, &index);
    if (a->json) {
        json_t *o = why == NULL ? json_pack("{s:b,s:i}", "valid", 1, "index", (int)index)
                                : json_pack("{s:b,s:s}", "valid", 0, "reason", why);
        wallet_cli_print_json(o);
    } else if (why == NULL) {
        printf("valid (claim index %u)\n", (unsigned)index);
    } else {
        printf("invalid: %s\n", why);
    }
    return why == NULL ? MEDIA_EXIT_OK : MEDIA_EXIT_REFUSED;
}

int media_cmd_usage_add(media_agent *a, const char *meeting, const char *participant,
                        const char *minutes)
{
    uint64_t n;
    if (!wallet_cli_parse_u64("MINUTES", minutes, &n) || n == 0 || n > MEDIA_USAGE_MINUTES_MAX) {
        return wallet_cli_usage(NULL, "MINUTES: 1 to %u", MEDIA_USAGE_MINUTES_MAX);
    }
    char url[64], err[512];
    snprintf(url, sizeof(url), "http://%s:%u/usage", a->cfg.listen_addr,
             (unsigned)a->cfg.listen_port);
    json_t *req = json_pack("{s:s,s:s,s:I}", "meeting_id", meeting, "participant", participant,
                            "minutes", (json_int_t)n);
    char *body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    long status = 0;
    char *resp = NULL;
    chr_err e = body == NULL ? CHR_ERR_NOMEM
                             : wallet_http("POST", url, body, a->wc.timeout_ms, &status, &resp,
                                           NULL, err, sizeof(err));
    free(body);
    if (e != CHR_OK) {
        wallet_cli_err("the agent at %s: %s (is `chroom-media run` running?)", url,
                       e == CHR_ERR_NOMEM ? "out of memory" : err);
        return MEDIA_EXIT_UNKNOWN;
    }
    json_t *j = json_loads(resp, JSON_REJECT_DUPLICATES, NULL);
    free(resp);
    if (a->json && j != NULL) {
        wallet_cli_print_json(json_incref(j));
    } else if (status == 200) {
        printf("%s %s: %lld minutes, %lld claimable\n", meeting, participant,
               json_integer_value(json_object_get(j, "minutes")),
               json_integer_value(json_object_get(j, "claimable")));
    }
    if (status != 200 && !a->json) {
        wallet_cli_err("the agent refused: %s", wallet_cli_jstr(j, "reason"));
    }
    json_decref(j);
    return status == 200 ? MEDIA_EXIT_OK : MEDIA_EXIT_REFUSED;
}
