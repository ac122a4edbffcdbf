/* Where the wallet's passphrases come from: a file named by an option, an environment
 * variable, or the terminal without echo; never the command line. Two kinds are read this
 * way: the keystore passphrase (--passphrase-file, CHROOM_PASSPHRASE) and the BIP-39
 * passphrase (--bip39-passphrase-file, CHROOM_BIP39_PASSPHRASE). Not thread-safe while it
 * reads the terminal (it changes the terminal's modes and the process's signal handlers for
 * that time). */
#ifndef WALLET_PASSPHRASE_H
#define WALLET_PASSPHRASE_H

#include <stddef.h>

#include "common/err.h"
#include "wallet/limits.h"

/* The environment variables a script may set instead of giving a file. */
#define WALLET_PASSPHRASE_ENV "CHROOM_PASSPHRASE"
#define WALLET_BIP39_PASSPHRASE_ENV "CHROOM_BIP39_PASSPHRASE"

/* One kind of passphrase: where it may come from and how messages name it. */
typedef struct wallet_passphrase_kind {
    const char *what;     /* "passphrase", "BIP-39 passphrase" */
    const char *file_opt; /* the option naming its file, "--passphrase-file" */
    const char *env;      /* its environment variable, WALLET_PASSPHRASE_ENV */
    size_t len_max;       /* its longest, in bytes: at most WALLET_PASSPHRASE_MAX */
} wallet_passphrase_kind;

/* The keystore's passphrase: --passphrase-file, CHROOM_PASSPHRASE, WALLET_PASSPHRASE_MAX. */
extern const wallet_passphrase_kind wallet_passphrase_keystore;
/* The BIP-39 passphrase: --bip39-passphrase-file, CHROOM_BIP39_PASSPHRASE,
 * WALLET_BIP39_PASSPHRASE_MAX. */
extern const wallet_passphrase_kind wallet_passphrase_bip39;

/* Gets a passphrase into out (NUL terminated; out_cap must be at least
 * WALLET_PASSPHRASE_MAX + 1, else CHR_ERR_ARG), from the first source that applies:
 *   1. file_or_null, when not NULL: the file's first line, without its "\n" or "\r\n"
 *      (a file without a newline is one line). The file must be readable; it may hold
 *      more lines, which are ignored.
 *   2. the environment variable CHROOM_PASSPHRASE, when set (even if empty, which is then
 *      refused as empty).
 *   3. the terminal (/dev/tty, not stdin), with echo off: prompt is written to it and a
 *      line read; when confirm != 0 a second prompt ("Repeat to confirm: ") asks for it
 *      again and the two must match. Ctrl-C or another terminating signal while
 *      reading restores the terminal and then delivers the signal as usual.
 * confirm applies to the terminal only: a file or the environment is taken as given.
 * Errors, with errmsg (NUL terminated, may be NULL when errmsg_cap is 0) saying what
 * happened in a sentence for the user:
 *   CHR_ERR_IO   the file cannot be opened or read, or the terminal fails;
 *   CHR_ERR_ARG  nothing to read from (no file, no CHROOM_PASSPHRASE, no terminal), an
 *                empty passphrase, one longer than WALLET_PASSPHRASE_MAX bytes, one holding
 *                a NUL byte, the two entries not matching, or end of input at the prompt.
 * On failure out is zeroed. The caller wipes out with sodium_memzero after use; the copies
 * made here are wiped. */
CHR_WUR chr_err wallet_passphrase_get(char *out, size_t out_cap, const char *prompt, int confirm,
                                      const char *file_or_null, char *errmsg, size_t errmsg_cap);

/* wallet_passphrase_get for another kind of passphrase: its environment variable instead
 * of CHROOM_PASSPHRASE, its len_max instead of WALLET_PASSPHRASE_MAX (out_cap must still be
 * at least WALLET_PASSPHRASE_MAX + 1), and messages naming its `what` and `file_opt`.
 * Errors and ownership as wallet_passphrase_get's; wallet_passphrase_get is this with
 * &wallet_passphrase_keystore. */
CHR_WUR chr_err wallet_passphrase_get_kind(const wallet_passphrase_kind *kind, char *out,
                                           size_t out_cap, const char *prompt, int confirm,
                                           const char *file_or_null, char *errmsg,
                                           size_t errmsg_cap);

#endif
