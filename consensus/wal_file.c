/* The WAL's file side (consensus/wal.h): plain POSIX calls on one file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "consensus/wal.h"

struct cons_wal {
    int fd;
    uint8_t *buf; /* the file as read at open */
    size_t buf_len;
    size_t *offs, *lens;
    size_t count, cap;
    size_t size; /* bytes in the file */
    int oom;     /* collect ran out of memory: the scan stopped early, nothing is torn */
    int broken;  /* a failed write could not be undone: every later append fails */
};

static int collect(void *ctx, const uint8_t *rec, size_t rec_len)
{
    cons_wal *w = ctx;
    if (w->count == w->cap) {
        size_t cap = w->cap == 0 ? 16 : w->cap * 2;
        size_t *offs = realloc(w->offs, cap * sizeof(*offs));
        if (offs != NULL) {
            w->offs = offs;
        }
        size_t *lens = offs != NULL ? realloc(w->lens, cap * sizeof(*lens)) : NULL;
        if (lens == NULL) {
            w->oom = 1;
            return 1;
        }
        w->lens = lens;
        w->cap = cap;
    }
    w->offs[w->count] = (size_t)(rec - w->buf);
    w->lens[w->count] = rec_len;
    w->count++;
    return 0;
}

static chr_err read_all(cons_wal *w, char *errmsg, size_t errmsg_cap)
{
    struct stat st;
    if (fstat(w->fd, &st) != 0) {
        snprintf(errmsg, errmsg_cap, "stat: %s", strerror(errno));
        return CHR_ERR_IO;
    }
    if ((uint64_t)st.st_size > CONS_WAL_BYTES_MAX) {
        snprintf(errmsg, errmsg_cap, "%lld bytes, over the %u-byte limit", (long long)st.st_size,
                 CONS_WAL_BYTES_MAX);
        return CHR_ERR_TOO_LONG;
    }
    w->buf_len = (size_t)st.st_size;
    w->buf = malloc(w->buf_len > 0 ? w->buf_len : 1);
    if (w->buf == NULL) {
        return CHR_ERR_NOMEM;
    }
    size_t got = 0;
    while (got < w->buf_len) {
        ssize_t n = pread(w->fd, w->buf + got, w->buf_len - got, (off_t)got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            snprintf(errmsg, errmsg_cap, "read: %s", n < 0 ? strerror(errno) : "file shrank");
            return CHR_ERR_IO;
        }
        got += (size_t)n;
    }
    return CHR_OK;
}

/* Makes the directory entry of path durable: fsync on a new file covers its data, not
 * the entry that names it, and a log whose name a crash loses is a log whose votes are
 * forgotten. Done at every open, which also covers a file created by a run that crashed
 * before it got here. */
static chr_err sync_dir(const char *path, char *errmsg, size_t errmsg_cap)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 0 : (size_t)(slash - path);
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (n == 0) {
        snprintf(dir, sizeof(dir), "/");
    } else if (n < sizeof(dir)) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    } else {
        snprintf(errmsg, errmsg_cap, "%s: directory name too long", path);
        return CHR_ERR_IO;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(errmsg, errmsg_cap, "%s: sync of its directory %s: %s", path, dir,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return CHR_ERR_IO;
    }
    close(fd);
    return CHR_OK;
}

chr_err cons_wal_open(cons_wal **out, const char *path, char *errmsg, size_t errmsg_cap)
{
    *out = NULL;
    cons_wal *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return CHR_ERR_NOMEM;
    }
    w->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        snprintf(errmsg, errmsg_cap, "%s: %s", path, strerror(errno));
        free(w);
        return CHR_ERR_IO;
    }
    chr_err err = read_all(w, errmsg, errmsg_cap);
    if (err != CHR_OK) {
        cons_wal_close(w);
        return err;
    }
    size_t valid = cons_wal_scan(w->buf, w->buf_len, collect, w);
    if (w->oom) {
        /* The records are intact; only our list of them could not grow. Cutting here would
         * lose this validator's own votes. */
        snprintf(errmsg, errmsg_cap, "%s: out of memory listing its records", path);
        cons_wal_close(w);
        return CHR_ERR_NOMEM;
    }
    size_t next = valid < w->buf_len ? cons_wal_next_intact(w->buf, w->buf_len, valid) : valid;
    if (next < w->buf_len) {
        /* Damage in the middle: the records after it were written after the damaged one,
         * and some of them may have been sent. Cutting would make this validator forget
         * votes it signed (and sign others in their place): stop, and leave the file for
         * the operator (docs/CONSENSUS.md, "WAL"). */
        snprintf(errmsg, errmsg_cap,
                 "%s: the record at offset %zu is damaged and an intact record follows at "
                 "offset %zu: the log is corrupt, not torn by a crash; refusing to start "
                 "(see docs/CONSENSUS.md, \"WAL\")",
                 path, valid, next);
        cons_wal_close(w);
        return CHR_ERR_WAL;
    }
    if (valid < w->buf_len) {
        /* A torn tail: the crash cut a write short. Nothing after it was sent (a record is
         * synced before its message goes out), so cutting it loses nothing. */
        chr_log(CHR_LOG_WARN, "wal: %s: cutting %zu bytes of torn tail after %zu records", path,
                w->buf_len - valid, w->count);
        if (ftruncate(w->fd, (off_t)valid) != 0 || fdatasync(w->fd) != 0) {
            snprintf(errmsg, errmsg_cap, "%s: truncate: %s", path, strerror(errno));
            cons_wal_close(w);
            return CHR_ERR_IO;
        }
    }
    if ((err = sync_dir(path, errmsg, errmsg_cap)) != CHR_OK) {
        cons_wal_close(w);
        return err;
    }
    w->size = valid;
    *out = w;
    return CHR_OK;
}

void cons_wal_close(cons_wal *w)
{
    if (w == NULL) {
        return;
    }
    if (w->fd >= 0) {
        close(w->fd);
    }
    free(w->buf);
    free(w->offs);
    free(w->lens);
    free(w);
}

size_t cons_wal_count(const cons_wal *w)
{
    return w->count;
}

const uint8_t *cons_wal_record(const cons_wal *w, size_t i, size_t *len)
{
    *len = i < w->count ? w->lens[i] : 0;
    return i < w->count ? w->buf + w->offs[i] : NULL;
}

static chr_err write_at(cons_wal *w, const uint8_t *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(w->fd, data + done, len - done, (off_t)(w->size + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            chr_log(CHR_LOG_ERROR, "wal: write: %s", n < 0 ? strerror(errno) : "no progress");
            return CHR_ERR_IO;
        }
        done += (size_t)n;
    }
    w->size += len;
    return CHR_OK;
}

chr_err cons_wal_append(cons_wal *w, const uint8_t *rec, size_t len)
{
    if (w->broken) {
        return CHR_ERR_IO;
    }
    if (len > CONS_WAL_RECORD_MAX || w->size + CONS_WAL_HEADER_BYTES + len > CONS_WAL_BYTES_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    uint8_t header[CONS_WAL_HEADER_BYTES];
    cons_wal_header(header, rec, len);
    size_t before = w->size;
    chr_err err = write_at(w, header, sizeof(header));
    err = err != CHR_OK ? err : write_at(w, rec, len);
    if (err != CHR_OK) {
        /* Cut the half-written record, so the next append does not land after a torn one
         * (which reopening would cut, taking the good record with it). */
        w->size = before;
        if (ftruncate(w->fd, (off_t)before) != 0) {
            chr_log(CHR_LOG_ERROR, "wal: cannot cut a failed append: %s", strerror(errno));
            w->broken = 1;
        }
    }
    return err;
}

chr_err cons_wal_sync(cons_wal *w)
{
    if (fdatasync(w->fd) != 0) {
        chr_log(CHR_LOG_ERROR, "wal: fdatasync: %s", strerror(errno));
        return CHR_ERR_IO;
    }
    return CHR_OK;
}

chr_err cons_wal_reset(cons_wal *w)
{
    if (w->size == 0 && w->count == 0) {
        return CHR_OK; /* already empty (a full node never writes): no sync to pay */
    }
    if (ftruncate(w->fd, 0) != 0 || fdatasync(w->fd) != 0) {
        chr_log(CHR_LOG_ERROR, "wal: truncate: %s", strerror(errno));
        return CHR_ERR_IO;
    }
    w->size = 0;
    free(w->buf);
    w->buf = NULL;
    w->buf_len = 0;
    w->count = 0;
    return CHR_OK;
}
