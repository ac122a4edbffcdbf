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
