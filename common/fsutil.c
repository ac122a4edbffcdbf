#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

chr_err chr_file_read(const char *path, size_t max, char **out, size_t *out_len, char *errmsg,
                      size_t errmsg_cap)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(errmsg, errmsg_cap, "%s", fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0) {
            close(fd);
        }
        return CHR_ERR_IO;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(errmsg, errmsg_cap, "larger than %zu bytes", max);
        close(fd);
        return CHR_ERR_TOO_LONG;
    }
    /* One byte more than the size, to notice a file that grew while we read it. */
    size_t want = (size_t)st.st_size + 1;
    char *buf = malloc(want + 1);
    size_t got = 0;
    while (buf != NULL && got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (buf == NULL || got != want - 1) {
        snprintf(errmsg, errmsg_cap, "%s", buf == NULL ? "out of memory" : "read failed");
        free(buf);
        return buf == NULL ? CHR_ERR_NOMEM : CHR_ERR_IO;
    }
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    return CHR_OK;
}

chr_err chr_file_write_new(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
        return CHR_ERR_ARG;
    }
    int fd = mkstemp(tmp); /* a name no one else writes */
    if (fd < 0) {
        return CHR_ERR_IO;
    }
    /* mkstemp's mode is 0600 less the umask; make it exactly 0600. */
    int ok = fchmod(fd, 0600) == 0;
    const uint8_t *p = data;
    size_t done = 0;
    while (ok && done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        ok = n > 0;
        done += ok ? (size_t)n : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    /* link() never replaces an existing file, unlike rename(): of two writers racing for
     * one path, exactly one wins and the other is told. */
    int linked = ok ? link(tmp, path) : -1;
    int exists = linked != 0 && ok && errno == EEXIST;
    unlink(tmp);
    if (linked != 0) {
        return exists ? CHR_ERR_DUPLICATE : CHR_ERR_IO;
    }
    /* The new name is durable only once its directory is. */
    return chr_sync_dir_of(path);
}

/* fsyncs the directory holding path, so that a rename into it survives a crash. */
chr_err chr_sync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return CHR_ERR_IO;
    }
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? CHR_OK : CHR_ERR_IO;
}
