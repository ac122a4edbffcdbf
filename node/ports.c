#include "node/ports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/assert.h"
#include "node/config.h"

/* A data directory as the config holds it, a slash and the longer of the two names. */
#define NODE_PORTS_PATH_MAX (NODE_CONFIG_PATH_MAX + sizeof(NODE_PORTS_TMP_FILE) + 1)

static void ports_errf(char *errmsg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ports_errf(char *errmsg, size_t cap, const char *fmt, ...)
{
    if (cap == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, cap, fmt, ap);
    va_end(ap);
}

/* data_dir/name into out (NODE_PORTS_PATH_MAX bytes); false when it does not fit. */
static bool ports_path(char out[NODE_PORTS_PATH_MAX], const char *data_dir, const char *name)
{
    int n = snprintf(out, NODE_PORTS_PATH_MAX, "%s/%s", data_dir, name);
    return n > 0 && (size_t)n < NODE_PORTS_PATH_MAX && strlen(data_dir) < NODE_CONFIG_PATH_MAX;
}

chr_err node_ports_remove(const char *data_dir, char *errmsg, size_t errmsg_cap)
{
    ports_errf(errmsg, errmsg_cap, "%s", "");
    static const char *const names[] = {NODE_PORTS_FILE, NODE_PORTS_TMP_FILE};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[NODE_PORTS_PATH_MAX];
        if (!ports_path(path, data_dir, names[i])) {
            ports_errf(errmsg, errmsg_cap, "data directory path too long");
            return CHR_ERR_ARG;
        }
        if (unlink(path) != 0 && errno != ENOENT) {
            ports_errf(errmsg, errmsg_cap, "cannot remove %s: %s", path, strerror(errno));
            return CHR_ERR_IO;
        }
    }
    return CHR_OK;
}

/* Writes all of buf to fd, going on after short writes and EINTR. */
static bool ports_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            errno = n == 0 ? EIO : errno;
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

chr_err node_ports_write(const char *data_dir, long pid, uint16_t api_port, uint16_t p2p_port,
                         char *errmsg, size_t errmsg_cap)
{
    CHR_ASSERT(api_port != 0);
    ports_errf(errmsg, errmsg_cap, "%s", "");
    char path[NODE_PORTS_PATH_MAX];
    char tmp[NODE_PORTS_PATH_MAX];
    if (!ports_path(path, data_dir, NODE_PORTS_FILE) ||
        !ports_path(tmp, data_dir, NODE_PORTS_TMP_FILE)) {
        ports_errf(errmsg, errmsg_cap, "data directory path too long");
        return CHR_ERR_ARG;
    }
    char text[NODE_PORTS_BYTES_MAX];
    int len = snprintf(text, sizeof(text), "pid=%ld\napi=%u\n", pid, (unsigned)api_port);
    if (p2p_port != 0) {
        len += snprintf(text + len, sizeof(text) - (size_t)len, "p2p=%u\n", (unsigned)p2p_port);
    }
    CHR_ASSERT(len > 0 && (size_t)len < sizeof(text));
    /* No fsync: the file describes this run only, and the next start removes whatever a
     * crash left. The rename is what makes a reader see all of it or none. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ports_errf(errmsg, errmsg_cap, "cannot create %s: %s", tmp, strerror(errno));
        return CHR_ERR_IO;
    }
    bool ok = ports_write_all(fd, text, (size_t)len);
    int saved = ok ? 0 : errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        ports_errf(errmsg, errmsg_cap, "cannot write %s: %s", path, strerror(saved));
        return CHR_ERR_IO;
    }
    return CHR_OK;
}
