/* Secret-key files for validators and the development account: 64 hex characters and an
 * optional newline, mode 0600. (The wallet's encrypted keystore is wallet/keystore.h.)
 * Secrets read are the caller's to wipe with sodium_memzero. */
#ifndef CHR_KEYFILE_H
#define CHR_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Reads a secret key. CHR_ERR_IO when the file cannot be read, CHR_ERR_HEX when it does
 * not hold exactly 64 hex characters (and a newline). errmsg says which and why; a file
 * that others may read is refused (CHR_ERR_CONFIG), as ssh refuses such keys. */
CHR_WUR chr_err chr_keyfile_read(const char *path, uint8_t sk[32], char *errmsg, size_t errmsg_cap);

/* Writes a secret key atomically (temporary file, fsync, rename) with mode 0600; refuses
 * to replace an existing file (CHR_ERR_DUPLICATE). */
CHR_WUR chr_err chr_keyfile_write(const char *path, const uint8_t sk[32]);

#endif
