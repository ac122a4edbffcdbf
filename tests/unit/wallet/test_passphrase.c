#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"
#include "wallet/passphrase.h"

/* Writes len bytes to a fresh file under TMPDIR; path_out gets its name. */
static int pass_file(char path_out[256], const char *data, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path_out, 256, "%s/chroom-pass-XXXXXX", tmp != NULL ? tmp : "/tmp");
    int fd = mkstemp(path_out);
    if (fd < 0) {
        return 0;
    }
    int ok = write(fd, data, len) == (ssize_t)len;
    return close(fd) == 0 && ok;
}

static chr_err get_from(const char *data, size_t len, char *out, char *err)
{
    char path[256];
    if (!pass_file(path, data, len)) {
        return CHR_ERR_IO;
    }
    chr_err e = wallet_passphrase_get(out, WALLET_PASSPHRASE_MAX + 1, "P: ", 1, path, err, 256);
    unlink(path);
    return e;
}

/* Proves --passphrase-file: the first line without "\n" or "\r\n", a file without a
 * newline, the longest passphrase; an empty first line, an overlong one, a NUL byte are
 * CHR_ERR_ARG; a missing file CHR_ERR_IO; every failure explains itself in errmsg. */
void test_passphrase_file(void)
{
    char out[WALLET_PASSPHRASE_MAX + 1];
    char err[256];
    CHECK_OK(get_from("hunter2\nsecond line\n", 20, out, err));
    CHECK(strcmp(out, "hunter2") == 0);
    CHECK_OK(get_from("with spaces \r\n", 14, out, err));
    CHECK(strcmp(out, "with spaces ") == 0);
    CHECK_OK(get_from("no newline", 10, out, err));
    CHECK(strcmp(out, "no newline") == 0);
    CHECK_OK(get_from("trailing\r", 9, out, err));
    CHECK(strcmp(out, "trailing\r") == 0);
    static char big[WALLET_PASSPHRASE_MAX + 8];
    memset(big, 'x', sizeof(big));
    big[WALLET_PASSPHRASE_MAX] = '\n';
    CHECK_OK(get_from(big, WALLET_PASSPHRASE_MAX + 1, out, err));
    CHECK(strlen(out) == WALLET_PASSPHRASE_MAX);
    big[WALLET_PASSPHRASE_MAX] = 'x';
    CHECK(get_from(big, sizeof(big), out, err) == CHR_ERR_ARG);
    CHECK(strstr(err, "longer than") != NULL && out[0] == '\0');
    big[WALLET_PASSPHRASE_MAX + 1] = '\n';
    CHECK(get_from(big, sizeof(big), out, err) == CHR_ERR_ARG);
    CHECK(get_from("\nsecret\n", 8, out, err) == CHR_ERR_ARG);
    CHECK(strstr(err, "empty") != NULL);
    CHECK(get_from("", 0, out, err) == CHR_ERR_ARG);
    CHECK(get_from("a\0b\n", 4, out, err) == CHR_ERR_ARG);
    CHECK(strstr(err, "NUL") != NULL);
    CHECK(wallet_passphrase_get(out, sizeof(out), "P: ", 0, "/nonexistent/pass", err,
                                sizeof(err)) == CHR_ERR_IO);
    CHECK(strstr(err, "/nonexistent/pass") != NULL);
    CHECK(wallet_passphrase_get(out, sizeof(out) - 1, "P: ", 0, "/nonexistent/pass", err,
                                sizeof(err)) == CHR_ERR_ARG);
}

/* Proves CHROOM_PASSPHRASE is used when there is no file, that a file wins over it, and
 * that an empty one is refused rather than skipped. */
void test_passphrase_env(void)
{
    char out[WALLET_PASSPHRASE_MAX + 1];
    char err[256];
    char path[256];
    const char *was = getenv(WALLET_PASSPHRASE_ENV);
    char saved[WALLET_PASSPHRASE_MAX + 1] = "";
    if (was != NULL) {
        snprintf(saved, sizeof(saved), "%s", was);
    }
    setenv(WALLET_PASSPHRASE_ENV, "from env", 1);
    chr_err e = wallet_passphrase_get(out, sizeof(out), "P: ", 1, NULL, err, sizeof(err));
    int env_ok = e == CHR_OK && strcmp(out, "from env") == 0;
    int file_ok =
        pass_file(path, "from file\n", 10) &&
        wallet_passphrase_get(out, sizeof(out), "P: ", 1, path, err, sizeof(err)) == CHR_OK &&
        strcmp(out, "from file") == 0;
    unlink(path);
    setenv(WALLET_PASSPHRASE_ENV, "", 1);
    e = wallet_passphrase_get(out, sizeof(out), "P: ", 1, NULL, err, sizeof(err));
    unsetenv(WALLET_PASSPHRASE_ENV);
    if (was != NULL) {
        setenv(WALLET_PASSPHRASE_ENV, saved, 1);
    }
    CHECK(env_ok && file_ok);
    CHECK(e == CHR_ERR_ARG && strstr(err, WALLET_PASSPHRASE_ENV) != NULL);
}

/* Runs body in a child in a new session, without a controlling terminal, so that nothing
 * can be asked; msg gets the message body wrote into err. Returns the child's exit code
 * (body's answer), or -1 when it did not exit normally. */
static int detached(int (*body)(char *err, size_t err_cap), char *msg, size_t msg_cap)
{
    int fds[2];
    msg[0] = '\0';
    if (pipe(fds) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        setsid();
        char err[256] = "";
        int rc = body(err, sizeof(err));
        ssize_t w = write(fds[1], err, strlen(err));
        (void)w;
        _exit(rc);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], msg, msg_cap - 1);
    close(fds[0]);
    msg[n > 0 ? n : 0] = '\0';
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

static int no_terminal_body(char *err, size_t err_cap)
{
    char out[WALLET_PASSPHRASE_MAX + 1];
    unsetenv(WALLET_PASSPHRASE_ENV);
    chr_err e = wallet_passphrase_get(out, sizeof(out), "P: ", 0, NULL, err, err_cap);
    return e == CHR_ERR_ARG ? 0 : 1;
}

/* Proves that with no file, no CHROOM_PASSPHRASE and no controlling terminal (a new
 * session), the answer is CHR_ERR_ARG with a message naming the other two sources. */
void test_passphrase_no_terminal(void)
{
    char msg[256];
    CHECK(detached(no_terminal_body, msg, sizeof(msg)) == 0);
    CHECK(strstr(msg, "--passphrase-file") != NULL && strstr(msg, "CHROOM_PASSPHRASE") != NULL);
}

/* Reads what the child writes on the terminal until `want` appears (or 5 s pass); appends
 * it to seen. */
static int pty_wait_for(int master, const char *want, char *seen, size_t seen_cap)
{
    size_t len = strlen(seen);
    for (int spins = 0; spins < 50 && strstr(seen, want) == NULL; spins++) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) {
            continue;
        }
        ssize_t n = read(master, seen + len, seen_cap - 1 - len);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        seen[len] = '\0';
    }
    return strstr(seen, want) != NULL;
}

/* Runs wallet_passphrase_get with confirm in a child whose controlling terminal is a new
 * pseudo-terminal, types first and second, and returns the child's exit status: 0 when
 * it read "typed secret", 1 on CHR_ERR_ARG, 2 otherwise. seen gets the terminal's text. */
static int pty_session(const char *first, const char *second, char *seen, size_t seen_cap)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        return -1;
    }
    const char *slave_name = ptsname(master);
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        alarm(10);
        setsid();
        int slave = open(slave_name, O_RDWR); /* becomes the controlling terminal */
        if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) != 0) {
            _exit(3);
        }
        unsetenv(WALLET_PASSPHRASE_ENV);
        char out[WALLET_PASSPHRASE_MAX + 1];
        char err[256];
        chr_err e =
            wallet_passphrase_get(out, sizeof(out), "Passphrase: ", 1, NULL, err, sizeof(err));
        /* The terminal must have its echo back. */
        struct termios t;
        if (tcgetattr(slave, &t) != 0 || !(t.c_lflag & ECHO)) {
            _exit(4);
        }
        _exit(e == CHR_OK && strcmp(out, "typed secret") == 0 ? 0 : e == CHR_ERR_ARG ? 1 : 2);
    }
    seen[0] = '\0';
    int ok = pty_wait_for(master, "Passphrase: ", seen, seen_cap) &&
             write(master, first, strlen(first)) == (ssize_t)strlen(first) &&
             pty_wait_for(master, "Repeat to confirm: ", seen, seen_cap) &&
             write(master, second, strlen(second)) == (ssize_t)strlen(second);
    pty_wait_for(master, "\n\n", seen, seen_cap); /* the newline after each entry */
    int status;
    waitpid(pid, &status, 0);
    close(master);
    return ok && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Proves the terminal path on a pseudo-terminal: both prompts shown, the passphrase read
 * without echo (it never appears in the terminal's output), echo restored afterwards, and
 * a confirmation that differs is CHR_ERR_ARG. */
void test_passphrase_terminal(void)
{
    char seen[1024];
    CHECK(pty_session("typed secret\n", "typed secret\n", seen, sizeof(seen)) == 0);
    CHECK(strstr(seen, "Passphrase: ") != NULL && strstr(seen, "secret") == NULL);
    CHECK(pty_session("typed secret\n", "typed secreT\n", seen, sizeof(seen)) == 1);
    CHECK(strstr(seen, "secre") == NULL);
}

/* Counts what goes wrong when the two kinds read their variables; err gets the message of
 * the last read, with neither the BIP-39 variable nor a terminal to read from. */
static int bip39_kind_body(char *err, size_t err_cap)
{
    char out[WALLET_PASSPHRASE_MAX + 1];
    const wallet_passphrase_kind *bip39 = &wallet_passphrase_bip39;
    int fails = 0;
    setenv(WALLET_PASSPHRASE_ENV, "keystore secret", 1);
    setenv(WALLET_BIP39_PASSPHRASE_ENV, "TREZOR", 1);
    chr_err e = wallet_passphrase_get_kind(bip39, out, sizeof(out), "P: ", 1, NULL, err, err_cap);
    fails += e != CHR_OK || strcmp(out, "TREZOR") != 0;
    e = wallet_passphrase_get(out, sizeof(out), "P: ", 1, NULL, err, err_cap);
    fails += e != CHR_OK || strcmp(out, "keystore secret") != 0;
    setenv(WALLET_BIP39_PASSPHRASE_ENV, "", 1);
    e = wallet_passphrase_get_kind(bip39, out, sizeof(out), "P: ", 1, NULL, err, err_cap);
    fails += e != CHR_ERR_ARG || strstr(err, "BIP-39 passphrase is empty") == NULL;
    unsetenv(WALLET_BIP39_PASSPHRASE_ENV);
    e = wallet_passphrase_get_kind(bip39, out, sizeof(out), "P: ", 1, NULL, err, err_cap);
    fails += e != CHR_ERR_ARG || out[0] != '\0';
    return fails;
}

/* Proves the BIP-39 kind reads its own variable, CHROOM_BIP39_PASSPHRASE, and never the
 * keystore's CHROOM_PASSPHRASE (nor the keystore's the BIP-39 one): with only the keystore's
 * set and no terminal it fails naming --bip39-passphrase-file and CHROOM_BIP39_PASSPHRASE;
 * an empty one is refused naming the BIP-39 passphrase. */
void test_passphrase_bip39_kind(void)
{
    char msg[256];
    CHECK(detached(bip39_kind_body, msg, sizeof(msg)) == 0);
    CHECK(strstr(msg, "--bip39-passphrase-file") != NULL &&
          strstr(msg, WALLET_BIP39_PASSPHRASE_ENV) != NULL);
    CHECK(strstr(msg, "--passphrase-file") == NULL);
}

/* Proves a BIP-39 passphrase file's first line is taken up to WALLET_BIP39_PASSPHRASE_MAX
 * bytes and one byte more is refused, naming the BIP-39 passphrase. */
void test_passphrase_bip39_file_limit(void)
{
    char out[WALLET_PASSPHRASE_MAX + 1];
    char err[256];
    char path[256];
    static char big[WALLET_BIP39_PASSPHRASE_MAX + 2];
    memset(big, 'x', sizeof(big));
    big[WALLET_BIP39_PASSPHRASE_MAX] = '\n';
    CHECK(pass_file(path, big, WALLET_BIP39_PASSPHRASE_MAX + 1));
    chr_err e = wallet_passphrase_get_kind(&wallet_passphrase_bip39, out, sizeof(out), "P: ", 0,
                                           path, err, sizeof(err));
    unlink(path);
    CHECK_OK(e);
    CHECK(strlen(out) == WALLET_BIP39_PASSPHRASE_MAX);
    big[WALLET_BIP39_PASSPHRASE_MAX] = 'x';
    big[WALLET_BIP39_PASSPHRASE_MAX + 1] = '\n';
    CHECK(pass_file(path, big, sizeof(big)));
    e = wallet_passphrase_get_kind(&wallet_passphrase_bip39, out, sizeof(out), "P: ", 0, path, err,
                                   sizeof(err));
    unlink(path);
    CHECK(e == CHR_ERR_ARG && out[0] == '\0');
    CHECK(strstr(err, "BIP-39 passphrase is longer than") != NULL);
}
