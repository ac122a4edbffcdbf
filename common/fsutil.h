/* Small file helpers shared by the edges that read files (config, genesis). */
#ifndef CHR_FSUTIL_H
#define CHR_FSUTIL_H

#include <stddef.h>

#include "common/err.h"

/* Reads a whole regular file of at most max bytes into a malloc'ed, NUL-terminated buffer
 * (*out, caller frees; *out_len excludes the NUL). CHR_ERR_IO when it cannot be opened or
 * read or is not a regular file, CHR_ERR_TOO_LONG over max, CHR_ERR_NOMEM. errmsg says why,
 * without the path (callers name the file their own way). */
CHR_WUR chr_err chr_file_read(const char *path, size_t max, char **out, size_t *out_len,
                              char *errmsg, size_t errmsg_cap);

/* Creates path holding data[0..len) with mode 0600, atomically and never replacing a file:
 * a temporary file beside it ("<path>.XXXXXX"), write, fsync, link() to path (which fails
 * rather than replace), unlink of the temporary name, fsync of the directory. A crash
 * leaves either no file at path or the whole one. CHR_ERR_DUPLICATE when path exists,
 * CHR_ERR_ARG when path is too long, CHR_ERR_IO otherwise (the temporary file is removed
 * on every failure). The caller wipes data if it is secret; no copy is made here. */
CHR_WUR chr_err chr_file_write_new(const char *path, const void *data, size_t len);

/* fsyncs the directory holding path, so that a file renamed or linked into it survives a
 * crash. CHR_ERR_IO when the directory cannot be opened or synced. */
CHR_WUR chr_err chr_sync_dir_of(const char *path);

#endif
