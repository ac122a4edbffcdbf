/* chroomd apikey create | list | revoke (node/apikey_cmd.h). The key store is LMDB, which
 * several processes may open at once, so these work while the node runs and the node sees
 * each change on its next request. A key's secret is printed once and never logged. */
#include "node/apikey_cmd.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/bech32.h"
#include "common/enc.h"
#include "common/hash.h"
#include "common/keyfile.h"
#include "ledger/sig.h"
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
    const char *sponsor_file;
    const char *spend_limit;
    const char *id;
    int json;
} apikey_opts;

static int apikey_usage(void)
{
    fprintf(stderr,
            "usage: chroomd apikey create --config FILE --tier standard|premium\n"
            "                             --scopes read,submit,admin,meetings [--label TEXT]\n"
            "                             [--sponsor-key-file PATH --spend-limit N/day]\n"
            "       chroomd apikey list --config FILE [--json]\n"
            "       chroomd apikey revoke --config FILE ID\n"
            "create prints the new key (chr_<id>_<secret>) on stdout, once: the node keeps\n"
            "only a keyed hash of it. ID is the 16 hex digits after chr_.\n"
            "--sponsor-key-file binds a key with the meetings scope to the account whose key\n"
            "file (mode 0600) PATH is: POST /api/meetings/create signs with it, spending at most\n"
            "N units of escrow and fees a UTC day of chain time (--spend-limit unlimited: no\n"
            "limit). The node keeps the file's path and account, never the secret.\n");
    return APIKEY_EXIT_USAGE;
}

static int apikey_parse_opts(int argc, char **argv, apikey_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--config") == 0             ? &o->config
                            : strcmp(a, "--tier") == 0             ? &o->tier
                            : strcmp(a, "--scopes") == 0           ? &o->scopes
                            : strcmp(a, "--label") == 0            ? &o->label
                            : strcmp(a, "--sponsor-key-file") == 0 ? &o->sponsor_file
                            : strcmp(a, "--spend-limit") == 0      ? &o->spend_limit
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

/* "N/day" (or N), N >= 1 units, or "unlimited" (0) into *out: 0 when malformed. */
static int apikey_spend_limit(uint64_t *out, const char *text)
{
    size_t n = strlen(text);
    *out = 0;
    if (strcmp(text, "unlimited") == 0) {
        return 1;
    }
    if (n > 4 && strcmp(text + n - 4, "/day") == 0) {
        n -= 4;
    }
    return chr_u64_parse(out, text, n) == CHR_OK && *out > 0;
}

/* The sponsor binding of --sponsor-key-file and --spend-limit into *sp (its path in path_abs):
 * 0 and a message when a flag is missing, the file is not a key file of mode 0600, or the
 * key lacks the meetings scope. */
static int apikey_sponsor(const apikey_opts *o, unsigned scopes, rpc_apikey_sponsor *sp,
                          char path_abs[RPC_APIKEY_SPONSOR_PATH_MAX + 1])
{
    struct stat st;
    char err[RPC_APIKEY_SPONSOR_PATH_MAX + 128], real[4096];
    uint8_t sk[32];
    if (o->sponsor_file == NULL || o->spend_limit == NULL ||
        (scopes & RPC_APIKEY_SCOPE_MEETINGS) == 0) {
        fprintf(stderr, "chroomd apikey: --sponsor-key-file and --spend-limit go together, on a "
                        "key with the meetings scope\n");
        return 0;
    }
    if (!apikey_spend_limit(&sp->spend_per_day, o->spend_limit)) {
        fprintf(stderr, "chroomd apikey: --spend-limit: N/day with N at least 1 unit, or "
                        "unlimited\n");
        return 0;
    }
    if (realpath(o->sponsor_file, real) == NULL || stat(real, &st) != 0 || !S_ISREG(st.st_mode) ||
        strlen(real) > RPC_APIKEY_SPONSOR_PATH_MAX) {
        fprintf(stderr,
                "chroomd apikey: --sponsor-key-file %s: not a readable file (or its "
                "path is over %d bytes)\n",
                o->sponsor_file, RPC_APIKEY_SPONSOR_PATH_MAX);
        return 0;
    }
    if ((st.st_mode & 077) != 0) {
        fprintf(stderr,
                "chroomd apikey: --sponsor-key-file %s: mode %03o, must be 0600 "
                "(chmod 600 %s): anyone who reads it can spend the account\n",
                o->sponsor_file, (unsigned)(st.st_mode & 0777), o->sponsor_file);
        return 0;
    }
    ledger_signer *s = NULL;
    static const uint8_t zero[32];
    chr_err e = chr_keyfile_read(real, sk, err, sizeof(err));
    e = e ? e : ledger_signer_new(&s, zero);
    e = e ? e : ledger_signer_pubkey(s, sp->pub, sk);
    ledger_signer_free(s);
    sodium_memzero(sk, sizeof(sk));
    if (e != CHR_OK) {
        fprintf(stderr, "chroomd apikey: --sponsor-key-file: %s\n",
                e == CHR_ERR_HEX ? "not a key file (64 hex characters)" : err);
        return 0;
    }
    memcpy(path_abs, real, strlen(real) + 1);
    sp->path = path_abs;
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
        fprintf(stderr, "chroomd apikey: --scopes: one or more of read,submit,admin,meetings, "
                        "comma-separated, each once\n");
        return APIKEY_EXIT_USAGE;
    }
    static char path_abs[RPC_APIKEY_SPONSOR_PATH_MAX + 1];
    rpc_apikey_sponsor sp;
    memset(&sp, 0, sizeof(sp));
    int bind = o->sponsor_file != NULL || o->spend_limit != NULL;
    if (bind && !apikey_sponsor(o, scopes, &sp, path_abs)) {
        return APIKEY_EXIT_USAGE;
    }
    char text[RPC_APIKEY_TEXT_LEN + 1];
    static rpc_apikey rec;
    chr_err err = rpc_apikeys_create(keys, text, &rec, tier, scopes, label, bind ? &sp : NULL,
                                     (uint64_t)time(NULL));
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
    if (rec.has_sponsor) {
        char addr[CHR_ADDRESS_STR_LEN + 1];
        chr_address_encode(addr, rec.sponsor_pub);
        fprintf(stderr, "its meetings are paid by %s (key file %s, limit %llu a day%s)\n", addr,
                rec.sponsor_path, (unsigned long long)rec.spend_per_day,
                rec.spend_per_day == 0 ? ": none" : "");
    }
    return 0;
}

static json_t *apikey_json(const rpc_apikey *k)
{
    char id[2 * RPC_APIKEY_ID_BYTES + 1];
    rpc_apikey_id_format(id, k->id);
    json_t *scopes = json_array();
    for (unsigned bit = 1; bit <= RPC_APIKEY_SCOPE_MEETINGS; bit <<= 1) {
        char name[RPC_APIKEY_SCOPES_TEXT_MAX];
        rpc_scopes_format(name, bit, ',');
        if ((k->scopes & bit) != 0) {
            json_array_append_new(scopes, json_string(name));
        }
    }
    return json_pack("{s:s, s:s, s:o, s:s, s:o, s:b, s:o*}", "id", id, "tier",
                     rpc_tier_name(k->tier), "scopes", scopes, "label", k->label, "created",
                     rpc_json_time(k->created_unix_s * 1000), "revoked", k->revoked, "sponsor",
                     rpc_render_key_sponsor(k));
}

/* A bound key's sponsor, on a line of its own under the key's. */
static void apikey_print_sponsor(const rpc_apikey *k)
{
    if (k->has_sponsor) {
        char addr[CHR_ADDRESS_STR_LEN + 1];
        chr_address_encode(addr, k->sponsor_pub);
        printf("  sponsor %s  limit %llu/day  key file %s\n", addr,
               (unsigned long long)k->spend_per_day, k->sponsor_path);
    }
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
        printf("%-16s  %-8s  %-26s  %-24s  %-7s  %s\n", "ID", "TIER", "SCOPES", "CREATED",
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
            printf("%-16s  %-8s  %-26s  %-24s  %-7s  %s\n", id, rpc_tier_name(list[i].tier), names,
                   created, list[i].revoked ? "yes" : "no", list[i].label);
            apikey_print_sponsor(&list[i]);
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
