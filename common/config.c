#include "common/config.h"

#include "common/enc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/errmsg.h"

typedef struct chr_config_item {
    char *section; /* one allocation: section, key and value, each NUL terminated */
    char *key;
    char *value;
    size_t line;
} chr_config_item;

struct chr_config {
    size_t len;
    chr_config_item items[CHR_CONFIG_ENTRIES_MAX];
};

void chr_config_free(chr_config *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->len; i++) {
        free(c->items[i].section);
    }
    free(c);
}

static bool chr_config_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > CHR_CONFIG_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.')) {
            return false;
        }
    }
    return true;
}

static int chr_config_find(const chr_config *c, const char *section, const char *key)
{
    for (size_t i = 0; i < c->len; i++) {
        if (strcmp(c->items[i].section, section) == 0 && strcmp(c->items[i].key, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static bool chr_config_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trims spaces and tabs from both ends of [*s, *s + *len). */
static void chr_config_trim(const char **s, size_t *len)
{
    while (*len > 0 && chr_config_blank((*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && chr_config_blank((*s)[*len - 1])) {
        (*len)--;
    }
}

static chr_err chr_config_add(chr_config *c, const char *section, const char *key, size_t key_len,
                              const char *value, size_t value_len, size_t line)
{
    size_t section_len = strlen(section);
    char *block = malloc(section_len + key_len + value_len + 3);
    if (block == NULL) {
        return CHR_ERR_NOMEM;
    }
    chr_config_item *it = &c->items[c->len];
    it->section = block;
    memcpy(it->section, section, section_len + 1);
    it->key = block + section_len + 1;
    memcpy(it->key, key, key_len);
    it->key[key_len] = '\0';
    it->value = it->key + key_len + 1;
    if (value_len > 0) {
        memcpy(it->value, value, value_len);
    }
    it->value[value_len] = '\0';
    it->line = line;
    c->len++;
    return CHR_OK;
}

/* Checks a key = value line (already trimmed, known to hold '=') and stores it. */
static chr_err chr_config_pair(chr_config *c, const char *section, const char *s, size_t len,
                               size_t line, char *errmsg, size_t cap)
{
    const char *eq = memchr(s, '=', len);
    CHR_ASSERT(eq != NULL);
    const char *key = s;
    size_t key_len = (size_t)(eq - s);
    const char *value = eq + 1;
    size_t value_len = len - key_len - 1;
    chr_config_trim(&key, &key_len);
    chr_config_trim(&value, &value_len);
    if (!chr_config_name_valid(key, key_len)) {
        chr_errmsg_set(errmsg, cap, "line %zu: a key is 1..%d characters of [a-z0-9_.]", line,
                       CHR_CONFIG_NAME_MAX);
        return CHR_ERR_CONFIG;
    }
    if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
        value++;
        value_len -= 2;
    }
    if (memchr(value, '"', value_len) != NULL) {
        chr_errmsg_set(errmsg, cap, "line %zu: '\"' may only surround the whole value", line);
        return CHR_ERR_CONFIG;
    }
    if (section[0] == '\0') {
        chr_errmsg_set(errmsg, cap, "line %zu: key outside a [section]", line);
        return CHR_ERR_CONFIG;
    }
    char name[CHR_CONFIG_NAME_MAX + 1];
    memcpy(name, key, key_len);
    name[key_len] = '\0';
    int prev = chr_config_find(c, section, name);
    if (prev >= 0) {
        chr_errmsg_set(errmsg, cap, "line %zu: duplicate key %s in [%s] (first on line %zu)", line,
                       name, section, c->items[prev].line);
        return CHR_ERR_CONFIG;
    }
    if (c->len == CHR_CONFIG_ENTRIES_MAX) {
        chr_errmsg_set(errmsg, cap, "line %zu: more than %d keys", line, CHR_CONFIG_ENTRIES_MAX);
        return CHR_ERR_CONFIG;
    }
    return chr_config_add(c, section, key, key_len, value, value_len, line);
}

/* One line without its end of line. section holds the current section name ("" before
 * the first) and is updated by a [section] line. */
static chr_err chr_config_line(chr_config *c, char section[CHR_CONFIG_NAME_MAX + 1], const char *s,
                               size_t len, size_t line, char *errmsg, size_t cap)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            chr_errmsg_set(errmsg, cap, "line %zu: control character 0x%02x", line, ch);
            return CHR_ERR_CONFIG;
        }
    }
    chr_config_trim(&s, &len);
    if (len == 0 || s[0] == '#' || s[0] == ';') {
        return CHR_OK;
    }
    if (s[0] == '[') {
        if (len < 2 || s[len - 1] != ']' || !chr_config_name_valid(s + 1, len - 2)) {
            chr_errmsg_set(errmsg, cap,
                           "line %zu: a section is [name], 1..%d characters of [a-z0-9_.]", line,
                           CHR_CONFIG_NAME_MAX);
            return CHR_ERR_CONFIG;
        }
        memcpy(section, s + 1, len - 2);
        section[len - 2] = '\0';
        return CHR_OK;
    }
    if (memchr(s, '=', len) == NULL) {
        chr_errmsg_set(errmsg, cap, "line %zu: expected [section], key = value or a comment", line);
        return CHR_ERR_CONFIG;
    }
    return chr_config_pair(c, section, s, len, line, errmsg, cap);
}

chr_err chr_config_parse(chr_config **out, const char *text, size_t text_len, char *errmsg,
                         size_t errmsg_cap)
{
    *out = NULL;
    chr_errmsg_set(errmsg, errmsg_cap, "%s", "");
    CHR_ASSERT(text != NULL || text_len == 0);
    chr_config *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        chr_errmsg_set(errmsg, errmsg_cap, "out of memory");
        return CHR_ERR_NOMEM;
    }
    char section[CHR_CONFIG_NAME_MAX + 1] = "";
    size_t pos = 0;
    size_t line = 0;
    chr_err err = CHR_OK;
    while (pos < text_len && err == CHR_OK) {
        line++;
        const char *nl = memchr(text + pos, '\n', text_len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : text_len;
        size_t len = end - pos;
        if (len > 0 && text[pos + len - 1] == '\r') {
            len--;
        }
        if (len > CHR_CONFIG_LINE_MAX) {
            chr_errmsg_set(errmsg, errmsg_cap, "line %zu: longer than %d bytes", line,
                           CHR_CONFIG_LINE_MAX);
            err = CHR_ERR_CONFIG;
        } else {
            err = chr_config_line(c, section, text + pos, len, line, errmsg, errmsg_cap);
        }
        pos = end + 1;
    }
    if (err != CHR_OK) {
        if (err == CHR_ERR_NOMEM) {
            chr_errmsg_set(errmsg, errmsg_cap, "out of memory");
        }
        chr_config_free(c);
        return err;
    }
    *out = c;
    return CHR_OK;
}

const char *chr_config_get(const chr_config *c, const char *section, const char *key)
{
    int i = chr_config_find(c, section, key);
    return i < 0 ? NULL : c->items[i].value;
}

size_t chr_config_count(const chr_config *c)
{
    return c->len;
}

void chr_config_entry(const chr_config *c, size_t i, const char **section, const char **key,
                      const char **value, size_t *line)
{
    CHR_ASSERT(i < c->len);
    if (section != NULL) {
        *section = c->items[i].section;
    }
    if (key != NULL) {
        *key = c->items[i].key;
    }
    if (value != NULL) {
        *value = c->items[i].value;
    }
    if (line != NULL) {
        *line = c->items[i].line;
    }
}

chr_err chr_config_u64(const chr_config *c, const char *section, const char *key, uint64_t def,
                       uint64_t min, uint64_t max, uint64_t *out, char *errmsg, size_t errmsg_cap)
{
    CHR_ASSERT(min <= def);
    CHR_ASSERT(def <= max);
    int i = chr_config_find(c, section, key);
    if (i < 0) {
        *out = def;
        return CHR_OK;
    }
    uint64_t v;
    if (chr_u64_parse(&v, c->items[i].value, strlen(c->items[i].value)) != CHR_OK || v < min ||
        v > max) {
        chr_errmsg_set(
            errmsg, errmsg_cap, "line %zu: [%s] %s: must be a whole number from %llu to %llu",
            c->items[i].line, section, key, (unsigned long long)min, (unsigned long long)max);
        *out = 0;
        return CHR_ERR_CONFIG;
    }
    *out = v;
    return CHR_OK;
}

chr_err chr_config_bool(const chr_config *c, const char *section, const char *key, bool def,
                        bool *out, char *errmsg, size_t errmsg_cap)
{
    int i = chr_config_find(c, section, key);
    if (i < 0) {
        *out = def;
        return CHR_OK;
    }
    const char *v = c->items[i].value;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return CHR_OK;
    }
    chr_errmsg_set(errmsg, errmsg_cap, "line %zu: [%s] %s: must be true or false", c->items[i].line,
                   section, key);
    *out = false;
    return CHR_ERR_CONFIG;
}

chr_err chr_config_str(const chr_config *c, const char *section, const char *key, const char *def,
                       char *out, size_t out_cap, char *errmsg, size_t errmsg_cap)
{
    CHR_ASSERT(out_cap > 0);
    CHR_ASSERT(strlen(def) < out_cap);
    int i = chr_config_find(c, section, key);
    const char *v = i < 0 ? def : c->items[i].value;
    size_t len = strlen(v);
    if (len >= out_cap) {
        chr_errmsg_set(errmsg, errmsg_cap, "line %zu: [%s] %s: longer than %zu bytes",
                       c->items[i].line, section, key, out_cap - 1);
        memset(out, 0, out_cap);
        return CHR_ERR_CONFIG;
    }
    memcpy(out, v, len + 1);
    return CHR_OK;
}
