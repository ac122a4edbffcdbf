#include "common/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/hex.h"

chr_err chr_keyfile_read(const char *path, uint8_t sk[32], char *errmsg, size_t errmsg_cap)
{
    memset(sk, 0, 32);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errmsg, errmsg_cap, "%s: %s", path, strerror(errno));
        return CHR_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        close(fd);
        snprintf(errmsg, errmsg_cap, "%s: must be readable by its owner only (chmod 600)", path);
        return CHR_ERR_CONFIG;
    }
    char buf[80];
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    size_t len = n > 0 ? (size_t)n : 0;
    if (len > 0 && buf[len - 1] == '\n') {
        len--;
    }
    chr_err err = len == 64 ? chr_hex_decode_exact(sk, 32, buf, 64) : CHR_ERR_HEX;
    sodium_memzero(buf, sizeof(buf));
    if (err != CHR_OK) {
        snprintf(errmsg, errmsg_cap, "%s: must hold 64 hex characters of a secret key", path);
        return CHR_ERR_HEX;
    }
    return CHR_OK;
}

chr_err chr_keyfile_write(const char *path, const uint8_t sk[32])
{
    char hex[66];
    chr_hex_encode(hex, sizeof(hex), sk, 32);
    hex[64] = '\n';
    chr_err err = chr_file_write_new(path, hex, 65);
    sodium_memzero(hex, sizeof(hex));
    return err;
}
