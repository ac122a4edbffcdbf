/* An INI parser for chain.conf (chain.conf.example is its documentation).
 *
 * Format, one item a line:
 *   [section]          names of 1..CHR_CONFIG_NAME_MAX characters of [a-z0-9_.]
 *   key = value        key names as section names; the value runs to the end of the line,
 *                      spaces around it trimmed; it may be empty
 *   key = "value"      a quoted value keeps its spaces; it may not contain '"' (no escapes)
 *   # comment          '#' or ';' first on the line; there are no comments after a value
 *   (blank line)
 * Lines end with "\n" or "\r\n". A key before the first section, a key twice in one
 * section, a NUL or other control character (but tab), a line over CHR_CONFIG_LINE_MAX
 * bytes or more than CHR_CONFIG_ENTRIES_MAX keys are errors, reported with the line
 * number. A section may appear more than once; its keys add up.
 *
 * A chr_config owns copies of every string; pointers it returns live until
 * chr_config_free. Read-only after parsing, so it may be shared between threads. */
#ifndef CHR_CONFIG_H
#define CHR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* A line of a hand-written config file is short; 1024 bytes holds any path we accept. */
#define CHR_CONFIG_LINE_MAX 1024
/* Keys in one file: chain.conf has under 30, so 512 only stops a runaway file. */
#define CHR_CONFIG_ENTRIES_MAX 512
/* Section and key names are short identifiers such as "empty_block_interval_ms". */
#define CHR_CONFIG_NAME_MAX 64

_Static_assert(CHR_CONFIG_NAME_MAX < CHR_CONFIG_LINE_MAX, "a name fits on a line");

typedef struct chr_config chr_config;

/* Parses text (text_len bytes, no NUL needed). On success *out is a new config the caller
 * frees with chr_config_free. CHR_ERR_CONFIG with errmsg "line N: what" for a bad line,
 * CHR_ERR_NOMEM; *out is NULL on failure. errmsg may be NULL when errmsg_cap is 0. */
CHR_WUR chr_err chr_config_parse(chr_config **out, const char *text, size_t text_len, char *errmsg,
                                 size_t errmsg_cap);
/* Frees c and every string it handed out; NULL is allowed. */
void chr_config_free(chr_config *c);

/* The value of key in section, or NULL when absent. */
const char *chr_config_get(const chr_config *c, const char *section, const char *key);

/* The number of key = value entries, and entry i (i < count) in file order, with the line
 * it came from; outputs may be NULL when not wanted. */
size_t chr_config_count(const chr_config *c);
void chr_config_entry(const chr_config *c, size_t i, const char **section, const char **key,
                      const char **value, size_t *line);

/* Typed reads. Each gives def when the key is absent, else parses the value; on a bad
 * value it returns CHR_ERR_CONFIG, writes "line N: [section] key: what" to errmsg and
 * zeroes the output. */

/* A decimal integer (digits only, no sign, no leading zeros) in min..max. */
CHR_WUR chr_err chr_config_u64(const chr_config *c, const char *section, const char *key,
                               uint64_t def, uint64_t min, uint64_t max, uint64_t *out,
                               char *errmsg, size_t errmsg_cap);
/* "true" or "false". */
CHR_WUR chr_err chr_config_bool(const chr_config *c, const char *section, const char *key, bool def,
                                bool *out, char *errmsg, size_t errmsg_cap);
/* A string copied into out (out_cap bytes with the NUL); longer is an error. def must fit. */
CHR_WUR chr_err chr_config_str(const chr_config *c, const char *section, const char *key,
                               const char *def, char *out, size_t out_cap, char *errmsg,
                               size_t errmsg_cap);

#endif
