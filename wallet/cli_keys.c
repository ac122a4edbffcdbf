/* Which key a command uses, and getting at its secret: the keystore (a name) or a raw key
 * file (a path), the passphrase, typed confirmations, and the messages of keystore errors. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keyfile.h"
#include "wallet/bip39.h"
#include "wallet/internal/cli.h"
#include "wallet/keystore.h"
#include "wallet/passphrase.h"

/* A command's key: a keystore name, or the path of a raw key file. The rule: --key-file is
 * a file; --key (or $CHROOM_KEY, or config's key) is a name, unless its value holds a '/',
 * which no key name may: then it is a file, so `--key ./alice.key` and the older
 * `--key devnet/dev-account.key` keep working. */
typedef struct keyref {
    const char *name;
    const char *file;
} keyref;

static int resolve(const wallet_cli *c, keyref *k)
{
    const char *key = c->opt[WALLET_OPT_KEY];
    k->name = NULL;
    k->file = c->opt[WALLET_OPT_KEY_FILE];
    if (k->file != NULL && key != NULL) {
        return wallet_cli_usage(c, "give --key or --key-file, not both");
    }
    if (k->file != NULL) {
        return WALLET_EXIT_OK;
    }
    key = key != NULL ? key : c->default_key;
    if (key == NULL) {
        return wallet_cli_usage(c, "which key? Give --key NAME (chroom-wallet key list shows "
                                   "them) or --key-file FILE");
    }
    if (strchr(key, '/') != NULL) {
        k->file = key;
        return WALLET_EXIT_OK;
    }
    if (!wallet_keystore_name_valid(key)) {
        return wallet_cli_usage(c,
                                "--key: \"%s\" is not a key name (1 to %d of A-Z a-z 0-9 . _ "
                                "-, not starting with '.'; a path needs a '/', such as "
                                "./%s)",
                                key, WALLET_KEY_NAME_MAX, key);
    }
    if (c->home[0] == '\0') {
        return wallet_cli_usage(c, "no wallet directory: give --home DIR or set CHROOM_HOME "
                                   "(HOME is not set)");
    }
    k->name = key;
    return WALLET_EXIT_OK;
}

/* Reads a raw key file and its public key. */
static int read_key_file(const char *path, uint8_t sk[32], uint8_t pub[32])
{
    char err[512];
    if (chr_keyfile_read(path, sk, err, sizeof(err)) != CHR_OK) {
        wallet_cli_err("%s", err);
        return WALLET_EXIT_LOCAL;
    }
    if (wallet_key_pubkey(pub, sk) != CHR_OK) {
        sodium_memzero(sk, 32);
        wallet_cli_err("%s: not a valid secret key", path);
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

int wallet_cli_keystore_error(const wallet_cli *c, chr_err err, const char *name)
{
    char path[WALLET_KEYSTORE_PATH_MAX];
    if (wallet_keystore_path(path, sizeof(path), c->home, name) != CHR_OK) {
        snprintf(path, sizeof(path), "%s", name);
    }
    switch (err) {
    case CHR_ERR_NOT_FOUND:
        wallet_cli_err("no key named %s in %s/keys (chroom-wallet key list shows the keys)", name,
                       c->home);
        return WALLET_EXIT_LOCAL;
    case CHR_ERR_PASSPHRASE:
        wallet_cli_err("wrong passphrase for key %s", name);
        return WALLET_EXIT_PASSPHRASE;
    case CHR_ERR_KEYSTORE:
        wallet_cli_err("the key file %s is damaged (it fails its checksum or is not a key file); "
                       "restore the key from its mnemonic (key import %s --mnemonic) or a backup",
                       path, name);
        return WALLET_EXIT_LOCAL;
    case CHR_ERR_DUPLICATE:
        wallet_cli_err("a key named %s exists already (%s); pick another name or delete it", name,
                       path);
        return WALLET_EXIT_LOCAL;
    case CHR_ERR_ARG:
        wallet_cli_err("\"%s\" is not a key name (1 to %d of A-Z a-z 0-9 . _ -, not starting "
                       "with '.')",
                       name, WALLET_KEY_NAME_MAX);
        return WALLET_EXIT_USAGE;
    case CHR_ERR_NOMEM:
        wallet_cli_err("not enough memory to derive the key's encryption key (Argon2id)");
        return WALLET_EXIT_LOCAL;
    default:
        wallet_cli_err("%s: %s%s%s", path, chr_err_str(err), errno != 0 ? ": " : "",
                       errno != 0 ? strerror(errno) : "");
        return WALLET_EXIT_LOCAL;
    }
}

int wallet_cli_key_public(const wallet_cli *c, uint8_t pub[32], char *label, size_t label_cap)
{
    keyref k;
    int rc = resolve(c, &k);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (label != NULL) {
        snprintf(label, label_cap, "%s", k.name != NULL ? k.name : k.file);
    }
    if (k.file != NULL) {
        uint8_t sk[32];
        rc = read_key_file(k.file, sk, pub);
        sodium_memzero(sk, sizeof(sk));
        return rc;
    }
    errno = 0;
    chr_err e = wallet_keystore_info(pub, c->home, k.name);
    return e == CHR_OK ? WALLET_EXIT_OK : wallet_cli_keystore_error(c, e, k.name);
}

/* Gets a passphrase of the kind from file (may be NULL), its variable or the terminal. */
static int cli_passphrase_of(const wallet_passphrase_kind *kind, const char *file, char *out,
                             size_t out_cap, const char *prompt, int confirm)
{
    char err[256] = "";
    chr_err e =
        wallet_passphrase_get_kind(kind, out, out_cap, prompt, confirm, file, err, sizeof(err));
    if (e != CHR_OK) {
        wallet_cli_err("%s: %s", kind->what, err[0] != '\0' ? err : chr_err_str(e));
        return WALLET_EXIT_PASSPHRASE;
    }
    return WALLET_EXIT_OK;
}

int wallet_cli_passphrase(const wallet_cli *c, char *out, size_t out_cap, const char *prompt,
                          int confirm)
{
    return cli_passphrase_of(&wallet_passphrase_keystore, c->opt[WALLET_OPT_PASSPHRASE_FILE], out,
                             out_cap, prompt, confirm);
}

int wallet_cli_bip39_passphrase(const wallet_cli *c, char *out, size_t out_cap, const char *prompt,
                                int confirm)
{
    const char *file = c->opt[WALLET_OPT_BIP39_PASSPHRASE_FILE];
    memset(out, 0, out_cap);
    /* Only the flag turns the passphrase on: a variable left in the environment must not
     * silently change which key a mnemonic gives. */
    if (c->opt[WALLET_OPT_BIP39_PASSPHRASE] == NULL) {
        if (file != NULL) {
            return wallet_cli_usage(c, "--bip39-passphrase-file needs --bip39-passphrase");
        }
        if (getenv(WALLET_BIP39_PASSPHRASE_ENV) != NULL) {
            wallet_cli_err("warning: " WALLET_BIP39_PASSPHRASE_ENV " is set but not used: "
                           "without --bip39-passphrase the key has no BIP-39 passphrase");
        }
        return WALLET_EXIT_OK;
    }
    int rc = cli_passphrase_of(&wallet_passphrase_bip39, file, out, out_cap, prompt, confirm);
    if (rc == WALLET_EXIT_OK && wallet_bip39_passphrase_check(out) != CHR_OK) {
        sodium_memzero(out, out_cap);
        wallet_cli_err("BIP-39 passphrase: it holds a byte that is not ASCII. BIP-39 hashes "
                       "the passphrase in Unicode NFKD form, which this wallet does not compute, "
                       "so it takes ASCII only rather than derive another key than other "
                       "wallets would (docs/WALLET.md)");
        rc = WALLET_EXIT_PASSPHRASE;
    }
    return rc;
}

int wallet_cli_key_secret(const wallet_cli *c, uint8_t sk[32], uint8_t pub[32])
{
    keyref k;
    int rc = resolve(c, &k);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (k.file != NULL) {
        return read_key_file(k.file, sk, pub);
    }
    /* Before asking for the passphrase, make sure the key is there and whole. */
    errno = 0;
    chr_err e = wallet_keystore_info(pub, c->home, k.name);
    if (e != CHR_OK) {
        return wallet_cli_keystore_error(c, e, k.name);
    }
    char prompt[128];
    char pass[WALLET_PASSPHRASE_MAX + 1];
    snprintf(prompt, sizeof(prompt), "Passphrase of key %s: ", k.name);
    rc = wallet_cli_passphrase(c, pass, sizeof(pass), prompt, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    errno = 0;
    e = wallet_keystore_load(sk, NULL, 0, c->home, k.name, pass);
    sodium_memzero(pass, sizeof(pass));
    return e == CHR_OK ? WALLET_EXIT_OK : wallet_cli_keystore_error(c, e, k.name);
}

int wallet_cli_confirm(const wallet_cli *c, const char *question, const char *expect)
{
    if (c->opt[WALLET_OPT_YES] != NULL) {
        return WALLET_EXIT_OK;
    }
    if (!isatty(STDIN_FILENO)) {
        return wallet_cli_usage(c, "this needs a confirmation typed at a terminal; give --yes "
                                   "to skip it");
    }
    fprintf(stderr, "%s\nType \"%s\" to go on: ", question, expect);
    fflush(stderr);
    char line[256];
    if (fgets(line, sizeof(line), stdin) == NULL) {
        wallet_cli_err("not confirmed; nothing was done");
        return WALLET_EXIT_USAGE;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, expect) != 0) {
        wallet_cli_err("not confirmed (typed \"%s\"); nothing was done", line);
        return WALLET_EXIT_USAGE;
    }
    return WALLET_EXIT_OK;
}
