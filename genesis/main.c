/* chroom-genesis: creates and checks a chain's genesis file (docs/GENESIS.md).
 *
 * Exit status: 0 success, 1 bad input or a genesis that fails validation, 2 usage. Every
 * error goes to stderr as one line. The file is rewritten atomically after each change, so
 * an interrupted command leaves the old genesis or the new one, never a mix. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/bech32.h"
#include "common/hash.h"
#include "common/hex.h"
#include "genesis/genesis.h"
#include "genesis/limits.h"
#include "ledger/sig.h"
#include "ledger/tx.h"

#define GENESIS_CLI_OK 0
#define GENESIS_CLI_BAD_INPUT 1
#define GENESIS_CLI_USAGE 2

static const char genesis_cli_usage_text[] =
    "usage: chroom-genesis [--file PATH] COMMAND [ARGS]\n"
    "\n"
    "Creates and checks a Chroom genesis file (default genesis.json).\n"
    "\n"
    "commands:\n"
    "  init --chain-id ID [--time RFC3339] [--force]\n"
    "                          write a genesis with default params and no accounts or\n"
    "                          validators; the time defaults to now; --force overwrites\n"
    "  add-account ADDRESS AMOUNT\n"
    "                          give a chr1... address AMOUNT smallest units (1 CHR = 1000000)\n"
    "  add-validator OPERATOR PUBKEY SELF_BOND [--moniker NAME] [--commission PPM]\n"
    "                [--commission-max PPM] [--commission-change-max PPM]\n"
    "                [--min-self-bond AMOUNT] [--website URL] [--details TEXT]\n"
    "                          bond SELF_BOND units of the genesis account OPERATOR (chr1...,\n"
    "                          added first, keeping more than SELF_BOND) to a validator with\n"
    "                          consensus key PUBKEY (64 hex or chr1); the set becomes the top\n"
    "                          validators_max by stake, power SELF_BOND / power_unit\n"
    "                          (defaults: moniker the key's first 8 hex, commission 100000,\n"
    "                          max 200000, daily change 10000 ppm, min-self-bond the chain's)\n"
    "  validate                check every rule (at least one validator is required)\n"
    "  hash                    print the genesis hash (64 hex) of a valid genesis\n"
    "  help                    print this text\n"
    "\n"
    "exit status: 0 ok, 1 bad input or invalid genesis, 2 usage error\n";

static int genesis_cli_usage(const char *why)
{
    fprintf(stderr, "chroom-genesis: %s\n", why);
    fprintf(stderr, "run 'chroom-genesis help' for usage\n");
    return GENESIS_CLI_USAGE;
}

static int genesis_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int genesis_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("chroom-genesis: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return GENESIS_CLI_BAD_INPUT;
}

static int genesis_cli_load(genesis *g, const char *path)
{
    char errmsg[GENESIS_CLI_ERRMSG_MAX];
    chr_err err = genesis_load_file(g, path, errmsg, sizeof(errmsg));
    if (err != CHR_OK) {
        return genesis_cli_fail("%s", errmsg);
    }
    return GENESIS_CLI_OK;
}

static int genesis_cli_save(const genesis *g, const char *path)
{
    chr_err err = genesis_save_file(g, path);
    if (err != CHR_OK) {
        return genesis_cli_fail("cannot write %s: %s (%s)", path, chr_err_str(err),
                                strerror(errno));
    }
    return GENESIS_CLI_OK;
}

/* Parses an amount or a power given on the command line, naming it in the error. */
static int genesis_cli_u64(uint64_t *out, const char *what, const char *s)
{
    chr_err err = chr_u64_parse(out, s, strlen(s));
    if (err == CHR_ERR_OVERFLOW) {
        return genesis_cli_fail("%s is larger than 18446744073709551615", what);
    }
    if (err != CHR_OK) {
        return genesis_cli_fail("%s must be a decimal integer without sign, spaces or leading "
                                "zeros",
                                what);
    }
    if (*out == 0) {
        return genesis_cli_fail("%s must be positive", what);
    }
    return GENESIS_CLI_OK;
}

static uint64_t genesis_cli_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int genesis_cli_init(const char *path, int argc, char **argv)
{
    const char *chain_id = NULL;
    const char *time_str = NULL;
    int force = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else if (strcmp(argv[i], "--chain-id") == 0 && i + 1 < argc) {
            chain_id = argv[++i];
        } else if (strcmp(argv[i], "--time") == 0 && i + 1 < argc) {
            time_str = argv[++i];
        } else {
            return genesis_cli_usage("init: unknown argument or missing value");
        }
    }
    if (chain_id == NULL) {
        return genesis_cli_usage("init: --chain-id is required");
    }
    genesis g;
    genesis_init(&g);
    if (!ledger_chain_id_valid(chain_id, strlen(chain_id))) {
        return genesis_cli_fail("chain id must be " LEDGER_CHAIN_ID_RULE);
    }
    memcpy(g.chain_id, chain_id, strlen(chain_id) + 1);
    g.genesis_time_ms = genesis_cli_now_ms();
    if (time_str != NULL &&
        genesis_time_parse(&g.genesis_time_ms, time_str, strlen(time_str)) != CHR_OK) {
        return genesis_cli_fail("--time must be RFC 3339 UTC such as 2026-11-27T22:00:00.000Z");
    }
    struct stat st;
    if (!force && lstat(path, &st) == 0) {
        return genesis_cli_fail("%s exists; use --force to overwrite it", path);
    }
    int rc = genesis_cli_save(&g, path);
    if (rc == GENESIS_CLI_OK) {
        char when[GENESIS_TIME_STR_LEN + 1];
        if (genesis_time_format(when, g.genesis_time_ms) != CHR_OK) {
            when[0] = '\0';
        }
        printf("wrote %s: chain %s, genesis time %s\n", path, g.chain_id, when);
    }
    return rc;
}

static int genesis_cli_add_account(const char *path, int argc, char **argv)
{
    if (argc != 2) {
        return genesis_cli_usage("add-account takes ADDRESS AMOUNT");
    }
    uint8_t key[32];
    uint64_t amount;
    if (chr_address_decode(key, argv[0], strlen(argv[0])) != CHR_OK || !ledger_pubkey_valid(key)) {
        return genesis_cli_fail("not a valid chr1 address");
    }
    int rc = genesis_cli_u64(&amount, "amount", argv[1]);
    genesis g;
    genesis_init(&g);
    if (rc == GENESIS_CLI_OK) {
        rc = genesis_cli_load(&g, path);
    }
    if (rc == GENESIS_CLI_OK) {
        chr_err err = genesis_add_account(&g, key, amount);
        uint64_t supply = 0;
        if (err == CHR_ERR_DUPLICATE) {
            rc = genesis_cli_fail("%s already has an account in the genesis", argv[0]);
        } else if (err == CHR_ERR_FULL) {
            rc = genesis_cli_fail("the genesis already has %d accounts",
                                  LEDGER_GENESIS_ACCOUNTS_MAX);
        } else if (err != CHR_OK) {
            rc = genesis_cli_fail("cannot add the account: %s", chr_err_str(err));
        } else if (genesis_supply(&g, &supply) != CHR_OK) {
            rc = genesis_cli_fail("the total supply would overflow a u64");
        } else {
            rc = genesis_cli_save(&g, path);
        }
        if (rc == GENESIS_CLI_OK) {
            printf("added %s with %llu (supply %llu)\n", argv[0], (unsigned long long)amount,
                   (unsigned long long)supply);
        }
    }
    genesis_free(&g);
    return rc;
}

/* A validator key given as 64 hex characters or as a chr1 address. */
static int genesis_cli_pubkey(uint8_t key[32], const char *s)
{
    size_t len = strlen(s);
    chr_err err =
        len == 64 ? chr_hex_decode_exact(key, 32, s, len) : chr_address_decode(key, s, len);
    if (err != CHR_OK || !ledger_pubkey_valid(key)) {
        return genesis_cli_fail("not a valid x-only public key (64 hex) or chr1 address");
    }
    return GENESIS_CLI_OK;
}

/* A ppm fraction or an amount given as an option's value. */
static int genesis_cli_u32(uint32_t *out, const char *what, const char *s)
{
    uint64_t v = 0;
    chr_err err = chr_u64_parse(&v, s, strlen(s));
    if (err != CHR_OK || v > LEDGER_PPM) {
        return genesis_cli_fail("%s must be an integer from 0 to %u", what, LEDGER_PPM);
    }
    *out = (uint32_t)v;
    return GENESIS_CLI_OK;
}

/* A moniker, website or details option: at most max bytes. */
static int genesis_cli_text(char *out, uint8_t *out_len, size_t max, const char *what,
                            const char *s)
{
    size_t len = strlen(s);
    if (len > max || !ledger_utf8_valid((const uint8_t *)s, len)) {
        return genesis_cli_fail("%s must be at most %zu bytes of UTF-8", what, max);
    }
    memcpy(out, s, len);
    *out_len = (uint8_t)len;
    return GENESIS_CLI_OK;
}

/* The options after OPERATOR PUBKEY SELF_BOND. */
static int genesis_cli_stake_options(genesis_stake *st, int argc, char **argv)
{
    int rc = GENESIS_CLI_OK;
    ledger_staking_create *c = &st->c;
    for (int i = 0; i < argc && rc == GENESIS_CLI_OK; i += 2) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) {
            rc = genesis_cli_usage("add-validator: an option lacks its value");
        } else if (strcmp(o, "--moniker") == 0) {
            rc = genesis_cli_text(c->moniker, &c->moniker_len, LEDGER_MONIKER_MAX, "moniker", v);
        } else if (strcmp(o, "--website") == 0) {
            rc = genesis_cli_text(c->website, &c->website_len, LEDGER_WEBSITE_MAX, "website", v);
        } else if (strcmp(o, "--details") == 0) {
            rc = genesis_cli_text(c->details, &c->details_len, LEDGER_DETAILS_MAX, "details", v);
        } else if (strcmp(o, "--commission") == 0) {
            rc = genesis_cli_u32(&c->commission_ppm, "commission", v);
        } else if (strcmp(o, "--commission-max") == 0) {
            rc = genesis_cli_u32(&c->commission_max_ppm, "commission-max", v);
        } else if (strcmp(o, "--commission-change-max") == 0) {
            rc = genesis_cli_u32(&c->commission_change_max_ppm, "commission-change-max", v);
        } else if (strcmp(o, "--min-self-bond") == 0) {
            rc = genesis_cli_u64(&c->min_self_bond, "min-self-bond", v);
        } else {
            rc = genesis_cli_usage("add-validator: unknown option");
        }
    }
    return rc;
}

static int genesis_cli_add_validator(const char *path, int argc, char **argv)
{
    if (argc < 3) {
        return genesis_cli_usage("add-validator takes OPERATOR PUBKEY SELF_BOND [options]");
    }
    genesis_stake st;
    memset(&st, 0, sizeof(st));
    int rc = GENESIS_CLI_OK;
    if (chr_address_decode(st.operator_key, argv[0], strlen(argv[0])) != CHR_OK ||
        !ledger_pubkey_valid(st.operator_key)) {
        rc = genesis_cli_fail("OPERATOR is not a valid chr1 address");
    }
    rc = rc ? rc : genesis_cli_pubkey(st.c.consensus_key, argv[1]);
    rc = rc ? rc : genesis_cli_u64(&st.c.amount, "self-bond", argv[2]);
    genesis g;
    genesis_init(&g);
    rc = rc ? rc : genesis_cli_load(&g, path);
    if (rc == GENESIS_CLI_OK) {
        char hex[65];
        chr_hex_encode(hex, sizeof(hex), st.c.consensus_key, 32);
        memcpy(st.c.moniker, hex, 8);
        st.c.moniker_len = 8;
        st.c.commission_ppm = 100000;
        st.c.commission_max_ppm = 200000;
        st.c.commission_change_max_ppm = 10000;
        st.c.min_self_bond = g.params.min_self_bond;
        rc = genesis_cli_stake_options(&st, argc - 3, argv + 3);
    }
    if (rc == GENESIS_CLI_OK) {
        char errmsg[GENESIS_CLI_ERRMSG_MAX];
        chr_err err = genesis_add_stake(&g, &st, errmsg, sizeof(errmsg));
        if (err == CHR_ERR_DUPLICATE) {
            rc = genesis_cli_fail("that operator already has a validator");
        } else if (err == CHR_ERR_FULL) {
            rc = genesis_cli_fail("the genesis already has %d validators", GENESIS_STAKES_MAX);
        } else if (err != CHR_OK) {
            rc = genesis_cli_fail("%s", err == CHR_ERR_GENESIS ? errmsg : chr_err_str(err));
        } else {
            rc = genesis_cli_save(&g, path);
        }
        if (rc == GENESIS_CLI_OK) {
            int at = ledger_valset_find(&g.validators, st.c.consensus_key);
            printf("added validator %s of %s with self-bond %llu (power %llu)\n", argv[1], argv[0],
                   (unsigned long long)st.c.amount,
                   at >= 0 ? (unsigned long long)g.validators.v[at].power : 0ull);
        }
    }
    genesis_free(&g);
    return rc;
}

/* Loads and fully validates; the caller frees g in every case. */
static int genesis_cli_load_valid(genesis *g, const char *path)
{
    int rc = genesis_cli_load(g, path);
    if (rc != GENESIS_CLI_OK) {
        return rc;
    }
    char errmsg[GENESIS_CLI_ERRMSG_MAX];
    if (genesis_validate(g, errmsg, sizeof(errmsg)) != CHR_OK) {
        return genesis_cli_fail("%s: %s", path, errmsg);
    }
    return GENESIS_CLI_OK;
}

static int genesis_cli_validate(const char *path, int argc)
{
    if (argc != 0) {
        return genesis_cli_usage("validate takes no arguments");
    }
    genesis g;
    genesis_init(&g);
    int rc = genesis_cli_load_valid(&g, path);
    uint64_t supply = 0;
    if (rc == GENESIS_CLI_OK && genesis_supply(&g, &supply) == CHR_OK) {
        printf("genesis OK: chain %s, %zu accounts, supply %llu, %zu validators\n", g.chain_id,
               g.accounts_len, (unsigned long long)supply, g.validators.len);
    }
    genesis_free(&g);
    return rc;
}

static int genesis_cli_hash(const char *path, int argc)
{
    if (argc != 0) {
        return genesis_cli_usage("hash takes no arguments");
    }
    genesis g;
    genesis_init(&g);
    int rc = genesis_cli_load_valid(&g, path);
    uint8_t hash[CHR_HASH_LEN];
    if (rc == GENESIS_CLI_OK && genesis_hash(&g, hash) != CHR_OK) {
        rc = genesis_cli_fail("%s: cannot encode the genesis", path);
    }
    if (rc == GENESIS_CLI_OK) {
        char hex[2 * CHR_HASH_LEN + 1];
        chr_hex_encode(hex, sizeof(hex), hash, sizeof(hash));
        printf("%s\n", hex);
    }
    genesis_free(&g);
    return rc;
}

static int genesis_cli_run(const char *path, const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "init") == 0) {
        return genesis_cli_init(path, argc, argv);
    }
    if (strcmp(cmd, "add-account") == 0) {
        return genesis_cli_add_account(path, argc, argv);
    }
    if (strcmp(cmd, "add-validator") == 0) {
        return genesis_cli_add_validator(path, argc, argv);
    }
    if (strcmp(cmd, "validate") == 0) {
        return genesis_cli_validate(path, argc);
    }
    if (strcmp(cmd, "hash") == 0) {
        return genesis_cli_hash(path, argc);
    }
    if (strcmp(cmd, "help") == 0 && argc == 0) {
        fputs(genesis_cli_usage_text, stdout);
        return GENESIS_CLI_OK;
    }
    return genesis_cli_usage("unknown command or extra arguments");
}

int main(int argc, char **argv)
{
    const char *path = "genesis.json";
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--file") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
            path = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(genesis_cli_usage_text, stdout);
            return GENESIS_CLI_OK;
        } else {
            return genesis_cli_usage("unknown option or missing value");
        }
    }
    if (i >= argc) {
        return genesis_cli_usage("no command given");
    }
    if (chr_hash_init() != CHR_OK) {
        return genesis_cli_fail("libsodium failed to start");
    }
    return genesis_cli_run(path, argv[i], argc - i - 1, argv + i + 1);
}
