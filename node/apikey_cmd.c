/* chroomd apikey create | list | revoke (node/apikey_cmd.h). The key store is LMDB, which
 * several processes may open at once, so these work while the node runs and the node sees
 * each change on its next request. A key's secret is printed once and never logged. */
#include "node/apikey_cmd.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "node/config.h"
#include "rpc/apikeys.h"
#include "rpc/render.h"

#define APIKEY_EXIT_FAILED 1
#define APIKEY_EXIT_USAGE 2

typedef struct apikey_opts {
    const char *config;
    const char *tier;
    const char *scopes;
    const char *label;
    const char *id;
    int json;
} apikey_opts;

static int apikey_usage(void)
{
    fprintf(stderr,
            "usage: chroomd apikey create --config FILE --tier standard|premium\n"
            "                             --scopes read,submit,admin [--label TEXT]\n"
            "       chroomd apikey list --config FILE [--json]\n"
            "       chroomd apikey revoke --config FILE ID\n"
            "create prints the new key (chr_<id>_<secret>) on stdout, once: the node keeps\n"
            "only a keyed hash of it. ID is the 16 hex digits after chr_.\n");
    return APIKEY_EXIT_USAGE;
}

static int apikey_parse_opts(int argc, char **argv, apikey_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--config") == 0   ? &o->config
                            : strcmp(a, "--tier") == 0   ? &o->tier
                            : strcmp(a, "--scopes") == 0 ? &o->scopes
                            : strcmp(a, "--label") == 0  ? &o->label
                                                         : NULL;
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (slot != NULL && i + 1 < argc && *slot == NULL) {
            *slot = argv[++i];
        } else if (slot == NULL && strncmp(a, "--", 2) != 0 && o->id == NULL) {
            o->id = a;
        } else {
            fprintf(stderr, "chroomd apikey: %s: unknown, repeated or without its value\n", a);
            return 0;
        }
    }
    if (o->config == NULL) {
        fprintf(stderr, "chroomd apikey: --config FILE is required\n");
        return 0;
    }
    return 1;
}

/* Opens the key store of the node that config names. */
static int apikey_open(const char *config, rpc_apikeys **keys)
{
    static node_config cfg;
    char err[512];
    if (node_config_load(&cfg, config, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "chroomd apikey: %s\n", err);
        return 0;
    }
    if (rpc_apikeys_open(keys, cfg.data_dir, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "chroomd apikey: key store: %s\n", err);
        return 0;
    }
    return 1;
}

static int apikey_create(const apikey_opts *o, rpc_apikeys *keys)
{
    unsigned scopes = 0;
    rpc_tier tier = RPC_TIER_STANDARD;
    const char *label = o->label != NULL ? o->label : "";
    if (o->tier == NULL || (strcmp(o->tier, "standard") != 0 && strcmp(o->tier, "premium") != 0)) {
        fprintf(stderr, "chroomd apikey: --tier standard or --tier premium is required\n");
        return APIKEY_EXIT_USAGE;
    }
    tier = strcmp(o->tier, "premium") == 0 ? RPC_TIER_PREMIUM : RPC_TIER_STANDARD;
    if (o->scopes == NULL ||
        rpc_scopes_parse(&scopes, o->scopes, strlen(o->scopes), ',') != CHR_OK) {
        fprintf(stderr, "chroomd apikey: --scopes: one or more of read,submit,admin, "
                        "comma-separated, each once\n");
        return APIKEY_EXIT_USAGE;
    }
    char text[RPC_APIKEY_TEXT_LEN + 1];
    rpc_apikey rec;
    chr_err err = rpc_apikeys_create(keys, text, &rec, tier, scopes, label, (uint64_t)time(NULL));
    if (err == CHR_ERR_ARG) {
        fprintf(stderr, "chroomd apikey: --label: at most %d printable ASCII characters\n",
                RPC_APIKEY_LABEL_MAX);
        return APIKEY_EXIT_USAGE;
    }
    if (err != CHR_OK) {
        fprintf(stderr, "chroomd apikey: cannot store the key: %s\n", chr_err_str(err));
        return APIKEY_EXIT_FAILED;
    }
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    char names[RPC_APIKEY_SCOPES_TEXT_MAX];
    rpc_apikey_id_format(id, rec.id);
    rpc_scopes_format(names, rec.scopes, ',');
    printf("%s\n", text);
    fflush(stdout);
    sodium_memzero(text, sizeof(text));
    fprintf(stderr, "created API key %s (%s; %s). It is shown only this once: keep it secret.\n",
            id, rpc_tier_name(rec.tier), names);
    return 0;
}

static json_t *apikey_json(const rpc_apikey *k)
{
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(id, k->id);
    json_t *scopes = json_array();
    for (unsigned bit = 1; bit <= RPC_APIKEY_SCOPE_ADMIN; bit <<= 1) {
        char name[RPC_APIKEY_SCOPES_TEXT_MAX];
        rpc_scopes_format(name, bit, ',');
        if ((k->scopes & bit) != 0) {
            json_array_append_new(scopes, json_string(name));
        }
    }
    return json_pack("{s:s, s:s, s:o, s:s, s:o, s:b}", "id", id, "tier", rpc_tier_name(k->tier),
                     "scopes", scopes, "label", k->label, "created",
                     rpc_json_time(k->created_unix_s * 1000), "revoked", k->revoked);
}

static int apikey_list(const apikey_opts *o, rpc_apikeys *keys)
{
    rpc_apikey *list;
    size_t n;
    if (rpc_apikeys_list(keys, &list, &n) != CHR_OK) {
        fprintf(stderr, "chroomd apikey: cannot read the key store\n");
        return APIKEY_EXIT_FAILED;
    }
    json_t *arr = o->json ? json_array() : NULL;
    if (!o->json) {
        printf("%-16s  %-8s  %-17s  %-24s  %-7s  %s\n", "ID", "TIER", "SCOPES", "CREATED",
               "REVOKED", "LABEL");
    }
    for (size_t i = 0; i < n; i++) {
        char id[2 * RPC_APIKEY_ID_BYTES + 1];
        char names[RPC_APIKEY_SCOPES_TEXT_MAX];
        char created[32];
        rpc_apikey_id_format(id, list[i].id);
        rpc_scopes_format(names, list[i].scopes, ',');
        rpc_time_format(created, sizeof(created), list[i].created_unix_s * 1000);
        if (arr != NULL) {
            json_array_append_new(arr, apikey_json(&list[i]));
        } else {
            printf("%-16s  %-8s  %-17s  %-24s  %-7s  %s\n", id, rpc_tier_name(list[i].tier), names,
                   created, list[i].revoked ? "yes" : "no", list[i].label);
        }
    }
    if (arr != NULL) {
        json_dumpf(arr, stdout, JSON_COMPACT);
        printf("\n");
        json_decref(arr);
    }
    free(list);
    return 0;
}

static int apikey_revoke(const apikey_opts *o, rpc_apikeys *keys)
{
    uint8_t id[RPC_APIKEY_ID_BYTES];
    if (o->id == NULL || rpc_apikey_id_parse(id, o->id, strlen(o->id)) != CHR_OK) {
        fprintf(stderr, "chroomd apikey: revoke needs the key's ID: 16 lowercase hex digits\n");
        return APIKEY_EXIT_USAGE;
    }
    chr_err err = rpc_apikeys_revoke(keys, id);
    if (err == CHR_ERR_NOT_FOUND) {
        fprintf(stderr, "chroomd apikey: no key %s\n", o->id);
        return APIKEY_EXIT_FAILED;
    }
    if (err != CHR_OK) {
        fprintf(stderr, "chroomd apikey: cannot revoke: %s\n", chr_err_str(err));
        return APIKEY_EXIT_FAILED;
    }
    fprintf(stderr, "revoked API key %s; its access tokens stop working now\n", o->id);
    return 0;
}

int node_apikey_main(int argc, char **argv)
{
    apikey_opts o;
    const char *cmd = argc > 1 ? argv[1] : "";
    int known =
        strcmp(cmd, "create") == 0 || strcmp(cmd, "list") == 0 || strcmp(cmd, "revoke") == 0;
    if (!known || !apikey_parse_opts(argc, argv, &o)) {
        return apikey_usage();
    }
    if ((o.id != NULL) != (strcmp(cmd, "revoke") == 0)) {
        fprintf(stderr, "chroomd apikey: %s\n",
                o.id != NULL ? "unexpected argument" : "ID missing");
        return apikey_usage();
    }
    if (chr_hash_init() != CHR_OK) {
        fprintf(stderr, "chroomd apikey: libsodium failed to start\n");
        return APIKEY_EXIT_FAILED;
    }
    rpc_apikeys *keys;
    if (!apikey_open(o.config, &keys)) {
        return APIKEY_EXIT_FAILED;
    }
    int rc = strcmp(cmd, "create") == 0 ? apikey_create(&o, keys)
             : strcmp(cmd, "list") == 0 ? apikey_list(&o, keys)
                                        : apikey_revoke(&o, keys);
    rpc_apikeys_close(keys);
    return rc;
}
