#include "wallet/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/errmsg.h"

/* A line read with room to notice that it is too long: the passphrase, "\r", one more. */
#define PASS_LINE_CAP (WALLET_PASSPHRASE_MAX + 2)

const wallet_passphrase_kind wallet_passphrase_keystore = {
    "passphrase", "--passphrase-file", WALLET_PASSPHRASE_ENV, WALLET_PASSPHRASE_MAX};
const wallet_passphrase_kind wallet_passphrase_bip39 = {
    "BIP-39 passphrase", "--bip39-passphrase-file", WALLET_BIP39_PASSPHRASE_ENV,
    WALLET_BIP39_PASSPHRASE_MAX};

/* Checks the line in buf[0..len) (without its newline) and copies it to out. */
static chr_err pass_accept(const wallet_passphrase_kind *kind, char *out, const char *buf,
                           size_t len, const char *source, char *errmsg, size_t errmsg_cap)
{
    if (len == 0) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: the %s is empty", source, kind->what);
        return CHR_ERR_ARG;
    }
    if (len > kind->len_max) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: the %s is longer than %zu bytes", source,
                       kind->what, kind->len_max);
        return CHR_ERR_ARG;
    }
    if (memchr(buf, '\0', len) != NULL) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: the %s holds a NUL byte", source, kind->what);
        return CHR_ERR_ARG;
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    return CHR_OK;
}

/* The first line of a file: up to PASS_LINE_CAP bytes are read, enough to tell a line that
 * is too long. */
static chr_err pass_from_file(const wallet_passphrase_kind *kind, char *out, const char *path,
                              char *errmsg, size_t errmsg_cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: %s", path, strerror(errno));
        return CHR_ERR_IO;
    }
    char buf[PASS_LINE_CAP];
    sodium_mlock(buf, sizeof(buf));
    size_t got = 0;
    int failed = 0;
    while (got < sizeof(buf) && memchr(buf, '\n', got) == NULL) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            failed = errno;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    chr_err err;
    if (failed != 0) {
        chr_errmsg_set(errmsg, errmsg_cap, "%s: %s", path, strerror(failed));
        err = CHR_ERR_IO;
    } else {
        const char *nl = memchr(buf, '\n', got);
        size_t len = nl != NULL ? (size_t)(nl - buf) : got;
        if (nl != NULL && len > 0 && buf[len - 1] == '\r') {
            len--;
        }
        err = pass_accept(kind, out, buf, len, path, errmsg, errmsg_cap);
    }
    sodium_munlock(buf, sizeof(buf));
    return err;
}

/* The signal that interrupted the terminal read, or 0. */
static volatile sig_atomic_t pass_signal;

static void pass_on_signal(int sig)
{
    pass_signal = sig;
}

static const int pass_signals[] = {SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
#define PASS_SIGNALS (sizeof(pass_signals) / sizeof(pass_signals[0]))

/* Reads one line from the terminal with echo off into buf (NUL terminated, at most
 * WALLET_PASSPHRASE_MAX bytes kept, *len the full length read). Returns 0 and sets *sig to a
 * caught signal after putting the terminal and the handlers back; -1 on a read error or end
 * of input; 1 on a line. */
static int pass_tty_line(int fd, const char *prompt, char buf[PASS_LINE_CAP], size_t *len, int *sig)
{
    struct termios old;
    struct termios quiet;
    struct sigaction act;
    struct sigaction saved[PASS_SIGNALS];
    *len = 0;
    *sig = 0;
    if (tcgetattr(fd, &old) != 0) {
        return -1;
    }
    memset(&act, 0, sizeof(act));
    act.sa_handler = pass_on_signal; /* no SA_RESTART: read() returns EINTR */
    sigemptyset(&act.sa_mask);
    pass_signal = 0;
    for (size_t i = 0; i < PASS_SIGNALS; i++) {
        sigaction(pass_signals[i], &act, &saved[i]);
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    /* A background process gets SIGTTOU here: caught, it is delivered after the cleanup
     * below, and the prompt starts again once the process is in the foreground. */
    int rc = tcsetattr(fd, TCSAFLUSH, &quiet) == 0 ? 1 : pass_signal != 0 ? 0 : -1;
    if (rc == 1 && write(fd, prompt, strlen(prompt)) < 0) {
        rc = -1;
    }
    while (rc == 1) {
        char c;
        ssize_t n = pass_signal != 0 ? -1 : read(fd, &c, 1);
        if (n < 0 && errno == EINTR && pass_signal == 0) {
            continue;
        }
        if (n <= 0) {
            rc = pass_signal != 0 ? 0 : -1;
            break;
        }
        if (c == '\n') {
            break;
        }
        if (*len < PASS_LINE_CAP - 1) {
            buf[*len] = c;
        }
        (*len)++;
    }
    buf[*len < PASS_LINE_CAP - 1 ? *len : PASS_LINE_CAP - 1] = '\0';
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        rc = rc == 1 ? -1 : rc;
    }
    for (size_t i = 0; i < PASS_SIGNALS; i++) {
        sigaction(pass_signals[i], &saved[i], NULL);
    }
    *sig = (int)pass_signal;
    return rc;
}

/* One prompt on the terminal, repeated after the process was stopped (Ctrl-Z) and
 * continued. Another signal is delivered as if we had not caught it; if the process lives
 * on (it ignores the signal), the read counts as interrupted. */
static chr_err pass_tty_prompt(const wallet_passphrase_kind *kind, int fd, const char *prompt,
                               char buf[PASS_LINE_CAP], size_t *len, char *errmsg,
                               size_t errmsg_cap)
{
    while (1) {
        int sig;
        int rc = pass_tty_line(fd, prompt, buf, len, &sig);
        if (rc == 1) {
            return CHR_OK;
        }
        if (rc < 0) {
            chr_errmsg_set(errmsg, errmsg_cap, "no %s read from the terminal (end of input)",
                           kind->what);
            return CHR_ERR_ARG;
        }
        raise(sig);
        if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) {
            chr_errmsg_set(errmsg, errmsg_cap, "interrupted while reading the %s", kind->what);
            return CHR_ERR_IO;
        }
    }
}

/* Asks on /dev/tty (not stdin, which may carry data), twice when confirm is set. */
static chr_err pass_from_tty(const wallet_passphrase_kind *kind, char *out, const char *prompt,
                             int confirm, char *errmsg, size_t errmsg_cap)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        chr_errmsg_set(errmsg, errmsg_cap,
                       "no %s: there is no terminal to ask on; use %s FILE or set %s", kind->what,
                       kind->file_opt, kind->env);
        return CHR_ERR_ARG;
    }
    char first[PASS_LINE_CAP];
    char second[PASS_LINE_CAP];
    sodium_mlock(first, sizeof(first));
    sodium_mlock(second, sizeof(second));
    memset(first, 0, sizeof(first));
    memset(second, 0, sizeof(second));
    size_t len1 = 0;
    size_t len2 = 0;
    chr_err err = pass_tty_prompt(kind, fd, prompt, first, &len1, errmsg, errmsg_cap);
    if (err == CHR_OK) {
        err = pass_accept(kind, out, first, len1, "terminal", errmsg, errmsg_cap);
    }
    if (err == CHR_OK && confirm) {
        err = pass_tty_prompt(kind, fd, "Repeat to confirm: ", second, &len2, errmsg, errmsg_cap);
        /* Both buffers are NUL-padded to their end: comparing them whole compares the
         * lines, in time that does not depend on where they differ. */
        if (err == CHR_OK && (len1 != len2 || sodium_memcmp(first, second, sizeof(first)) != 0)) {
            chr_errmsg_set(errmsg, errmsg_cap, "the two %ss do not match", kind->what);
            err = CHR_ERR_ARG;
        }
    }
    close(fd);
    sodium_munlock(first, sizeof(first));
    sodium_munlock(second, sizeof(second));
    return err;
}

chr_err wallet_passphrase_get(char *out, size_t out_cap, const char *prompt, int confirm,
                              const char *file_or_null, char *errmsg, size_t errmsg_cap)
{
    return wallet_passphrase_get_kind(&wallet_passphrase_keystore, out, out_cap, prompt, confirm,
                                      file_or_null, errmsg, errmsg_cap);
}

chr_err wallet_passphrase_get_kind(const wallet_passphrase_kind *kind, char *out, size_t out_cap,
                                   const char *prompt, int confirm, const char *file_or_null,
                                   char *errmsg, size_t errmsg_cap)
{
    CHR_ASSERT(kind->len_max <= WALLET_PASSPHRASE_MAX);
    if (errmsg != NULL && errmsg_cap > 0) {
        errmsg[0] = '\0';
    }
    if (out_cap > 0) {
        memset(out, 0, out_cap);
    }
    if (out_cap < WALLET_PASSPHRASE_MAX + 1) {
        chr_errmsg_set(errmsg, errmsg_cap, "passphrase buffer too small");
        return CHR_ERR_ARG;
    }
    chr_err err;
    const char *env = getenv(kind->env);
    if (file_or_null != NULL) {
        err = pass_from_file(kind, out, file_or_null, errmsg, errmsg_cap);
    } else if (env != NULL) {
        err = pass_accept(kind, out, env, strlen(env), kind->env, errmsg, errmsg_cap);
    } else {
        err = pass_from_tty(kind, out, prompt, confirm, errmsg, errmsg_cap);
    }
    if (err != CHR_OK) {
        sodium_memzero(out, out_cap);
    }
    CHR_ASSERT(err != CHR_OK || strlen(out) <= kind->len_max);
    return err;
}
