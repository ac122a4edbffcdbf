/* The key commands: key new, import, export, list, show, delete; keygen and address. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "wallet/bip32.h"
#include "wallet/bip39.h"
#include "wallet/internal/cli.h"
#include "wallet/keystore.h"

/* What `key import --mnemonic` reads from stdin: a mnemonic with generous whitespace. */
#define MNEMONIC_INPUT_MAX 1024

static void key_json(json_t *o, const char *name, const uint8_t pub[32])
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char hex[65];
    chr_address_encode(addr, pub);
    chr_hex_encode(hex, sizeof(hex), pub, 32);
    if (name != NULL) {
        json_object_set_new(o, "name", json_string(name));
    }
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "public_key", json_string(hex));
}

static void key_print(const char *name, const uint8_t pub[32])
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char hex[65];
    chr_address_encode(addr, pub);
    chr_hex_encode(hex, sizeof(hex), pub, 32);
    if (name != NULL) {
        printf("name:       %s\n", name);
    }
    printf("address:    %s\npublic key: %s\n", addr, hex);
}

/* Fails unless name is a valid name that does not exist yet, before any secret is asked. */
static int check_new_name(const wallet_cli *c, const char *name)
{
    if (!wallet_keystore_name_valid(name)) {
        return wallet_cli_keystore_error(c, CHR_ERR_ARG, name);
    }
    if (c->home[0] == '\0') {
        return wallet_cli_usage(c, "no wallet directory: give --home DIR or set CHROOM_HOME");
    }
    uint8_t pub[32];
    errno = 0;
    chr_err e = wallet_keystore_info(pub, c->home, name);
    if (e == CHR_ERR_NOT_FOUND) {
        return WALLET_EXIT_OK;
    }
    return wallet_cli_keystore_error(c, e == CHR_OK ? CHR_ERR_DUPLICATE : e, name);
}

/* The key at Chroom's path below a normalised mnemonic and a BIP-39 passphrase ("" for
 * none), checked by wallet_cli_bip39_passphrase. */
static int derive(uint8_t sk[32], uint8_t pub[32], const char *mnemonic, const char *bip39_pass)
{
    chr_err e = wallet_bip32_mnemonic_key(sk, mnemonic, bip39_pass);
    e = e ? e : wallet_key_pubkey(pub, sk);
    if (e != CHR_OK) {
        sodium_memzero(sk, 32);
        wallet_cli_err("cannot derive the key from the mnemonic: %s", chr_err_str(e));
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

/* Asks for a new passphrase (twice at a terminal) and saves the key. */
static int save_key(const wallet_cli *c, const char *name, const uint8_t sk[32],
                    const char *mnemonic)
{
    char pass[WALLET_PASSPHRASE_MAX + 1];
    char prompt[128];
    snprintf(prompt, sizeof(prompt), "New passphrase for key %s: ", name);
    int rc = wallet_cli_passphrase(c, pass, sizeof(pass), prompt, 1);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    errno = 0;
    chr_err e = wallet_keystore_save(c->home, name, sk, mnemonic, pass);
    sodium_memzero(pass, sizeof(pass));
    return e == CHR_OK ? WALLET_EXIT_OK : wallet_cli_keystore_error(c, e, name);
}

static void print_mnemonic(const char *m)
{
    char w[WALLET_BIP39_WORD_CHARS_MAX + 1];
    int i = 0;
    for (const char *p = m; *p != '\0';) {
        size_t n = strcspn(p, " ");
        snprintf(w, sizeof(w), "%.*s", (int)n, p);
        p += n + (p[n] == ' ');
        int last = i % 4 == 3 || *p == '\0';
        printf("%s%2d. %-*s", i % 4 == 0 ? "  " : " ", i + 1, last ? 0 : 9, w);
        if (++i % 4 == 0) {
            putchar('\n');
        }
    }
    if (i % 4 != 0) {
        putchar('\n');
    }
    sodium_memzero(w, sizeof(w));
}

int wallet_cmd_key_new(wallet_cli *c)
{
    const char *name = c->args[0];
    uint64_t words = 24;
    const char *wv = c->opt[WALLET_OPT_WORDS];
    if (wv != NULL &&
        (!wallet_cli_parse_u64("--words", wv, &words) || (words != 12 && words != 24))) {
        return wallet_cli_usage(c, "--words: 12 or 24");
    }
    int rc = check_new_name(c, name);
    char bip39_pass[WALLET_PASSPHRASE_MAX + 1];
    rc = rc ? rc
            : wallet_cli_bip39_passphrase(c, bip39_pass, sizeof(bip39_pass),
                                          "BIP-39 passphrase (never stored: without it the "
                                          "mnemonic does not restore this key): ",
                                          1);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    int with_bip39 = bip39_pass[0] != '\0';
    uint8_t entropy[32];
    char mnemonic[WALLET_MNEMONIC_CHARS_MAX];
    uint8_t sk[32];
    uint8_t pub[32];
    /* BIP-39: 32 bits of entropy per 3 words. */
    size_t entropy_len = words == 24 ? 32 : 16;
    randombytes_buf(entropy, entropy_len);
    chr_err e = wallet_bip39_encode(mnemonic, sizeof(mnemonic), entropy, entropy_len);
    sodium_memzero(entropy, sizeof(entropy));
    CHR_ASSERT(e == CHR_OK);
    rc = derive(sk, pub, mnemonic, bip39_pass);
    sodium_memzero(bip39_pass, sizeof(bip39_pass));
    rc = rc ? rc : save_key(c, name, sk, mnemonic);
    sodium_memzero(sk, sizeof(sk));
    if (rc == WALLET_EXIT_OK && c->json) {
        json_t *o = json_object();
        key_json(o, name, pub);
        json_object_set_new(o, "path", json_string(WALLET_DERIVATION_PATH));
        json_object_set_new(o, "mnemonic", json_string(mnemonic));
        json_object_set_new(o, "bip39_passphrase", json_boolean(with_bip39));
        wallet_cli_print_json(o);
    } else if (rc == WALLET_EXIT_OK) {
        printf("Key %s saved in %s/keys/%s.key\n", name, c->home, name);
        key_print(NULL, pub);
        printf("path:       %s\n\nMnemonic (%u words), shown this once:\n\n",
               WALLET_DERIVATION_PATH, (unsigned)words);
        print_mnemonic(mnemonic);
        printf("\nWrite these words down, in order, and keep them offline. They restore this "
               "key\n(chroom-wallet key import %s --mnemonic); anyone who has them can spend "
               "from it.\n",
               name);
        if (with_bip39) {
            printf("\nThis key was derived with a BIP-39 passphrase, which is not stored "
                   "anywhere.\nThe words restore it only with that passphrase (key import "
                   "%s --mnemonic\n--bip39-passphrase); lose the passphrase and the key is "
                   "lost.\n",
                   name);
        }
    }
    sodium_memzero(mnemonic, sizeof(mnemonic));
    return rc;
}

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty(int sig)
{
    if (tty_changed) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads the mnemonic: at a terminal one line without echo, else the whole of stdin. */
static int read_mnemonic(char *buf, size_t cap)
{
    int tty = isatty(STDIN_FILENO);
    struct sigaction sa;
    struct sigaction old_int;
    struct sigaction old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = restore_tty;
    if (tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
        fprintf(stderr, "Mnemonic (the words separated by spaces; not shown): ");
        fflush(stderr);
        struct termios t = saved_tty;
        t.c_lflag &= ~(tcflag_t)ECHO;
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        tty_changed = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
    }
    size_t len = 0;
    int c;
    while ((c = getchar()) != EOF && !(tty && c == '\n') && len + 1 < cap) {
        buf[len++] = (char)c;
    }
    int too_long = c != EOF && !(tty && c == '\n');
    buf[len] = '\0';
    if (tty && tty_changed) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_changed = 0;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        fputc('\n', stderr);
    }
    if (too_long) {
        sodium_memzero(buf, cap);
        wallet_cli_err("the mnemonic read is over %zu characters", cap - 1);
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

static int mnemonic_problem(const wallet_bip39_detail *d)
{
    switch (d->problem) {
    case WALLET_BIP39_WORD_COUNT:
        wallet_cli_err("the mnemonic has %zu words; a BIP-39 mnemonic has 12, 15, 18, 21 or 24",
                       d->word_count);
        break;
    case WALLET_BIP39_UNKNOWN_WORD:
        wallet_cli_err("word %zu of the mnemonic, \"%s\", is not in the BIP-39 English list",
                       d->word_index, d->word);
        break;
    case WALLET_BIP39_CHECKSUM:
        wallet_cli_err("the mnemonic's checksum does not match: a word is wrong or out of order");
        break;
    default:
        wallet_cli_err("the mnemonic holds characters other than letters and spaces");
        break;
    }
    return WALLET_EXIT_LOCAL;
}

static int import_mnemonic(wallet_cli *c, const char *name, uint8_t pub[32], int *with_bip39)
{
    char input[MNEMONIC_INPUT_MAX];
    char mnemonic[WALLET_MNEMONIC_CHARS_MAX];
    uint8_t entropy[WALLET_BIP39_ENTROPY_MAX];
    size_t entropy_len;
    wallet_bip39_detail d;
    uint8_t sk[32];
    int rc = read_mnemonic(input, sizeof(input));
    if (rc == WALLET_EXIT_OK &&
        wallet_bip39_decode_detail(entropy, sizeof(entropy), &entropy_len, &d, input) != CHR_OK) {
        rc = mnemonic_problem(&d);
    }
    if (rc == WALLET_EXIT_OK &&
        wallet_bip39_normalize(mnemonic, sizeof(mnemonic), input) != CHR_OK) {
        wallet_cli_err("the mnemonic is not valid");
        rc = WALLET_EXIT_LOCAL;
    }
    sodium_memzero(input, sizeof(input));
    sodium_memzero(entropy, sizeof(entropy));
    sodium_memzero(&d, sizeof(d));
    /* Asked after the mnemonic is known to be valid, once: the address printed at the end
     * shows whether it was typed right. */
    char bip39_pass[WALLET_PASSPHRASE_MAX + 1];
    rc = rc ? rc
            : wallet_cli_bip39_passphrase(c, bip39_pass, sizeof(bip39_pass),
                                          "BIP-39 passphrase of the mnemonic: ", 0);
    *with_bip39 = rc == WALLET_EXIT_OK && bip39_pass[0] != '\0';
    rc = rc ? rc : derive(sk, pub, mnemonic, bip39_pass);
    sodium_memzero(bip39_pass, sizeof(bip39_pass));
    rc = rc ? rc : save_key(c, name, sk, mnemonic);
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(mnemonic, sizeof(mnemonic));
    return rc;
}

int wallet_cmd_key_import(wallet_cli *c)
{
    const char *name = c->args[0];
    const char *file = c->opt[WALLET_OPT_SECRET_FILE];
    int with_mnemonic = c->opt[WALLET_OPT_MNEMONIC] != NULL;
    if (with_mnemonic == (file != NULL)) {
        return wallet_cli_usage(c, "give --mnemonic or --secret-file FILE (one of them)");
    }
    if (!with_mnemonic && (c->opt[WALLET_OPT_BIP39_PASSPHRASE] != NULL ||
                           c->opt[WALLET_OPT_BIP39_PASSPHRASE_FILE] != NULL)) {
        return wallet_cli_usage(c, "a BIP-39 passphrase goes with --mnemonic, not with a raw "
                                   "secret");
    }
    int rc = check_new_name(c, name);
    uint8_t pub[32];
    int with_bip39 = 0;
    if (rc == WALLET_EXIT_OK && with_mnemonic) {
        rc = import_mnemonic(c, name, pub, &with_bip39);
    } else if (rc == WALLET_EXIT_OK) {
        uint8_t sk[32];
        char err[512];
        if (chr_keyfile_read(file, sk, err, sizeof(err)) != CHR_OK) {
            wallet_cli_err("%s", err);
            rc = WALLET_EXIT_LOCAL;
        } else if (wallet_key_pubkey(pub, sk) != CHR_OK) {
            wallet_cli_err("%s: not a valid secret key", file);
            rc = WALLET_EXIT_LOCAL;
        }
        rc = rc ? rc : save_key(c, name, sk, NULL);
        sodium_memzero(sk, sizeof(sk));
    }
    if (rc == WALLET_EXIT_OK && c->json) {
        json_t *o = json_object();
        key_json(o, name, pub);
        json_object_set_new(o, "bip39_passphrase", json_boolean(with_bip39));
        wallet_cli_print_json(o);
    } else if (rc == WALLET_EXIT_OK) {
        printf("Key %s saved in %s/keys/%s.key\n", name, c->home, name);
        key_print(NULL, pub);
        if (with_bip39) {
            printf("Derived with the BIP-39 passphrase given, which is not stored: check "
                   "that the\naddress is the one you expect (a typo gives another key).\n");
        }
    }
    return rc;
}

/* The BIP-39 passphrase is not stored, but whether one was used can be told: a key the
 * mnemonic alone does not give was derived with one. Says so on stderr, so that nobody
 * takes the exported words for a complete backup. Returns an exit code. */
static int note_bip39(const char *name, const uint8_t sk[32], const char *mnemonic)
{
    uint8_t plain[32];
    chr_err e = wallet_bip32_mnemonic_key(plain, mnemonic, "");
    int differs = e != CHR_OK || sodium_memcmp(plain, sk, sizeof(plain)) != 0;
    sodium_memzero(plain, sizeof(plain));
    if (e != CHR_OK) {
        wallet_cli_err("cannot derive the key from the mnemonic: %s", chr_err_str(e));
        return WALLET_EXIT_LOCAL;
    }
    if (differs) {
        wallet_cli_err("note: key %s was derived with a BIP-39 passphrase, which is not "
                       "stored; these words restore it only together with that passphrase "
                       "(key import NAME --mnemonic --bip39-passphrase)",
                       name);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_key_export(wallet_cli *c)
{
    const char *name = c->args[0];
    int want_mnemonic = c->opt[WALLET_OPT_MNEMONIC] != NULL;
    if (!wallet_keystore_name_valid(name)) {
        return wallet_cli_keystore_error(c, CHR_ERR_ARG, name);
    }
    uint8_t pub[32];
    errno = 0;
    chr_err e = wallet_keystore_info(pub, c->home, name);
    if (e != CHR_OK) {
        return wallet_cli_keystore_error(c, e, name);
    }
    char pass[WALLET_PASSPHRASE_MAX + 1];
    char prompt[128];
    snprintf(prompt, sizeof(prompt), "Passphrase of key %s: ", name);
    int rc = wallet_cli_passphrase(c, pass, sizeof(pass), prompt, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    uint8_t sk[32];
    char mnemonic[WALLET_MNEMONIC_CHARS_MAX];
    errno = 0;
    e = wallet_keystore_load(sk, mnemonic, sizeof(mnemonic), c->home, name, pass);
    sodium_memzero(pass, sizeof(pass));
    rc = e == CHR_OK ? WALLET_EXIT_OK : wallet_cli_keystore_error(c, e, name);
    if (rc == WALLET_EXIT_OK && want_mnemonic && mnemonic[0] == '\0') {
        wallet_cli_err("key %s holds no mnemonic (it was imported from a raw secret); export "
                       "its secret instead",
                       name);
        rc = WALLET_EXIT_LOCAL;
    }
    if (rc == WALLET_EXIT_OK && want_mnemonic) {
        rc = note_bip39(name, sk, mnemonic);
    }
    rc = rc ? rc
            : wallet_cli_confirm(c,
                                 want_mnemonic ? "This shows the key's mnemonic: anyone who "
                                                 "sees it can spend from the key."
                                               : "This shows the key's secret: anyone who "
                                                 "sees it can spend from the key.",
                                 name);
    char hex[65];
    chr_hex_encode(hex, sizeof(hex), sk, sizeof(sk));
    sodium_memzero(sk, sizeof(sk));
    if (rc == WALLET_EXIT_OK && c->json) {
        json_t *o = json_object();
        key_json(o, name, pub);
        json_object_set_new(o, want_mnemonic ? "mnemonic" : "secret_key",
                            json_string(want_mnemonic ? mnemonic : hex));
        wallet_cli_print_json(o);
    } else if (rc == WALLET_EXIT_OK) {
        printf("%s\n", want_mnemonic ? mnemonic : hex);
    }
    sodium_memzero(hex, sizeof(hex));
    sodium_memzero(mnemonic, sizeof(mnemonic));
    return rc;
}

typedef struct list_ctx {
    const wallet_cli *c;
    json_t *keys;
    size_t count;
} list_ctx;

static void list_one(void *ctx, const char *name, const uint8_t pubkey[32])
{
    list_ctx *l = ctx;
    l->count++;
    chr_err e = CHR_OK;
    uint8_t pub[32];
    if (pubkey == NULL) {
        e = wallet_keystore_info(pub, l->c->home, name);
    }
    if (l->keys != NULL) {
        json_t *o = json_object();
        if (pubkey != NULL) {
            key_json(o, name, pubkey);
        } else {
            json_object_set_new(o, "name", json_string(name));
            json_object_set_new(o, "address", json_null());
            json_object_set_new(o, "public_key", json_null());
            json_object_set_new(o, "error", json_string(chr_err_name(e ? e : CHR_ERR_IO)));
        }
        json_array_append_new(l->keys, o);
        return;
    }
    char addr[CHR_ADDRESS_STR_LEN + 1];
    if (pubkey != NULL) {
        chr_address_encode(addr, pubkey);
    }
    printf("%-20s %s\n", name,
           pubkey != NULL ? addr
                          : (e == CHR_ERR_KEYSTORE ? "(damaged key file)" : "(cannot be read)"));
}

int wallet_cmd_key_list(wallet_cli *c)
{
    if (c->home[0] == '\0') {
        return wallet_cli_usage(c, "no wallet directory: give --home DIR or set CHROOM_HOME");
    }
    list_ctx l = {c, c->json ? json_array() : NULL, 0};
    errno = 0;
    chr_err e = wallet_keystore_list(c->home, list_one, &l);
    if (e != CHR_OK) {
        json_decref(l.keys);
        wallet_cli_err("%s/keys: %s", c->home,
                       e == CHR_ERR_FULL ? "too many keys to list" : chr_err_str(e));
        return WALLET_EXIT_LOCAL;
    }
    if (c->json) {
        wallet_cli_print_json(json_pack("{s:o}", "keys", l.keys));
    } else if (l.count == 0) {
        printf("no keys in %s/keys (chroom-wallet key new NAME makes one)\n", c->home);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_key_show(wallet_cli *c)
{
    const char *name = c->args[0];
    if (!wallet_keystore_name_valid(name)) {
        return wallet_cli_keystore_error(c, CHR_ERR_ARG, name);
    }
    wallet_keyfile kf;
    errno = 0;
    chr_err e = wallet_keystore_read(&kf, c->home, name);
    if (e != CHR_OK) {
        return wallet_cli_keystore_error(c, e, name);
    }
    int has_mnemonic = (kf.flags & WALLET_KEYFILE_FLAG_MNEMONIC) != 0;
    if (c->json) {
        json_t *o = json_object();
        key_json(o, name, kf.pubkey);
        json_object_set_new(o, "has_mnemonic", json_boolean(has_mnemonic));
        wallet_cli_print_json(o);
    } else {
        key_print(name, kf.pubkey);
        printf("mnemonic:   %s\n", has_mnemonic ? "kept in the key file (key export --mnemonic)"
                                                : "none (imported from a raw secret)");
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_key_delete(wallet_cli *c)
{
    const char *name = c->args[0];
    if (!wallet_keystore_name_valid(name)) {
        return wallet_cli_keystore_error(c, CHR_ERR_ARG, name);
    }
    uint8_t pub[32];
    errno = 0;
    chr_err e = wallet_keystore_info(pub, c->home, name);
    /* A damaged file may be deleted too: that is often why one deletes it. */
    if (e != CHR_OK && e != CHR_ERR_KEYSTORE) {
        return wallet_cli_keystore_error(c, e, name);
    }
    char question[256];
    char addr[CHR_ADDRESS_STR_LEN + 1] = "(damaged key file)";
    if (e == CHR_OK) {
        chr_address_encode(addr, pub);
    }
    snprintf(question, sizeof(question),
             "This deletes key %s (%s) for good; only its mnemonic or a backup brings it back.",
             name, addr);
    int rc = wallet_cli_confirm(c, question, name);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    errno = 0;
    e = wallet_keystore_delete(c->home, name);
    if (e != CHR_OK) {
        return wallet_cli_keystore_error(c, e, name);
    }
    if (c->json) {
        wallet_cli_print_json(json_pack("{s:s,s:b}", "name", name, "deleted", 1));
    } else {
        printf("deleted key %s\n", name);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_keygen(wallet_cli *c)
{
    const char *out = c->opt[WALLET_OPT_OUT];
    if (out == NULL) {
        return wallet_cli_usage(c, "keygen needs --out FILE");
    }
    uint8_t sk[32];
    uint8_t pub[32];
    do {
        randombytes_buf(sk, sizeof(sk));
    } while (wallet_key_pubkey(pub, sk) != CHR_OK);
    chr_err e = chr_keyfile_write(out, sk);
    sodium_memzero(sk, sizeof(sk));
    if (e != CHR_OK) {
        wallet_cli_err("%s: %s", out,
                       e == CHR_ERR_DUPLICATE ? "exists; not replacing a key" : "cannot write");
        return WALLET_EXIT_LOCAL;
    }
    if (c->json) {
        json_t *o = json_object();
        key_json(o, NULL, pub);
        wallet_cli_print_json(o);
    } else {
        key_print(NULL, pub);
        printf("secret key written to %s (mode 0600)\n", out);
    }
    return WALLET_EXIT_OK;
}

int wallet_cmd_address(wallet_cli *c)
{
    uint8_t pub[32];
    int rc = wallet_cli_key_public(c, pub, NULL, 0);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (c->json) {
        json_t *o = json_object();
        key_json(o, NULL, pub);
        wallet_cli_print_json(o);
    } else {
        key_print(NULL, pub);
    }
    return WALLET_EXIT_OK;
}
