/* Fuzzes the chain.conf parsers: no input may crash chr_config_parse or node_config_parse
 * or leak. What chr_config_parse accepts must hold only valid names and bounded values,
 * find each entry by name, and survive a round trip: written back as "[section]" and
 * `key = "value"` lines and parsed again, it gives the same entries in the same order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "node/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for any message of the parsers. */
#define FUZZ_ERRMSG_MAX 256
/* One written entry: "[section]\n" and `key = "value"\n` with the longest names. */
#define FUZZ_ENTRY_BYTES (2 * CHR_CONFIG_NAME_MAX + CHR_CONFIG_LINE_MAX + 16)

static void fuzz_names_valid(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > CHR_CONFIG_NAME_MAX ||
        strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") != len) {
        abort();
    }
}

/* Writes c back as INI text, one section header per entry; the caller frees. */
static char *fuzz_write(const chr_config *c, size_t *len)
{
    size_t n = chr_config_count(c);
    size_t cap = 1 + n * FUZZ_ENTRY_BYTES;
    char *out = malloc(cap);
    if (out == NULL) {
        abort();
    }
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s;
        const char *k;
        const char *v;
        chr_config_entry(c, i, &s, &k, &v, NULL);
        int w = snprintf(out + *len, cap - *len, "[%s]\n%s = \"%s\"\n", s, k, v);
        if (w < 0 || (size_t)w >= cap - *len) {
            abort();
        }
        *len += (size_t)w;
    }
    out[*len] = '\0';
    return out;
}

static void fuzz_check(const chr_config *c)
{
    size_t n = chr_config_count(c);
    if (n > CHR_CONFIG_ENTRIES_MAX) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const char *s;
        const char *k;
        const char *v;
        size_t line;
        chr_config_entry(c, i, &s, &k, &v, &line);
        fuzz_names_valid(s);
        fuzz_names_valid(k);
        if (strlen(v) > CHR_CONFIG_LINE_MAX || line == 0 || chr_config_get(c, s, k) != v) {
            abort();
        }
    }
}

static void fuzz_round_trip(const chr_config *c)
{
    size_t len;
    char *text = fuzz_write(c, &len);
    chr_config *again = NULL;
    char err[FUZZ_ERRMSG_MAX];
    /* A value of more than LINE_MAX - 2 - names bytes would not fit on one line again. */
    chr_err e = chr_config_parse(&again, text, len, err, sizeof(err));
    free(text);
    if (e == CHR_ERR_CONFIG && strstr(err, "longer than") != NULL) {
        return;
    }
    if (e != CHR_OK || chr_config_count(again) != chr_config_count(c)) {
        abort();
    }
    for (size_t i = 0; i < chr_config_count(c); i++) {
        const char *s1;
        const char *k1;
        const char *v1;
        const char *s2;
        const char *k2;
        const char *v2;
        chr_config_entry(c, i, &s1, &k1, &v1, NULL);
        chr_config_entry(again, i, &s2, &k2, &v2, NULL);
        if (strcmp(s1, s2) != 0 || strcmp(k1, k2) != 0 || strcmp(v1, v2) != 0) {
            abort();
        }
    }
    chr_config_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    chr_config *c = NULL;
    char err[FUZZ_ERRMSG_MAX];
    if (chr_config_parse(&c, (const char *)data, size, err, sizeof(err)) == CHR_OK) {
        fuzz_check(c);
        fuzz_round_trip(c);
        chr_config_free(c);
    } else if (c != NULL) {
        abort();
    }
    node_config cfg;
    if (node_config_parse(&cfg, (const char *)data, size, "/base", err, sizeof(err)) == CHR_OK) {
        if (cfg.api_port == 0 || cfg.consensus_block_interval_ms == 0 || cfg.data_dir[0] != '/' ||
            cfg.genesis_file[0] != '/') {
            abort();
        }
    }
    return 0;
}
