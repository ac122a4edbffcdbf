/* chroom-media's config file (docs/MEDIA-AGENT.md, "Config file"): common/config.h's INI,
 * every section and key known, every value in its range. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "media/agent.h"

/* Every key the file may hold, as "section.key". */
static const char *const known_keys[] = {
    "node.url",           "node.api_key",
    "node.ca_file",       "node.timeout_ms",
    "keys.node_key_file", "keys.operator_key_file",
    "registry.endpoint",  "registry.region",
    "registry.capacity",  "registry.bond_units",
    "registry.metadata",  "agent.listen_addr",
    "agent.listen_port",  "agent.state_file",
    "agent.poll_ms",      "agent.heartbeat_interval_ms",
};

static chr_err check_known(const chr_config *c, char *errmsg, size_t errmsg_cap)
{
    for (size_t i = 0; i < chr_config_count(c); i++) {
        const char *section;
        const char *key;
        size_t line;
        char name[2 * CHR_CONFIG_NAME_MAX + 2];
        chr_config_entry(c, i, &section, &key, NULL, &line);
        snprintf(name, sizeof(name), "%s.%s", section, key);
        size_t k = 0;
        while (k < sizeof(known_keys) / sizeof(known_keys[0]) && strcmp(name, known_keys[k])) {
            k++;
        }
        if (k == sizeof(known_keys) / sizeof(known_keys[0])) {
            snprintf(errmsg, errmsg_cap, "line %zu: unknown key [%s] %s", line, section, key);
            return CHR_ERR_CONFIG;
        }
    }
    return CHR_OK;
}

/* A path key: copied, and a relative one put under dir. "" when absent and def is "". */
static chr_err path_key(const chr_config *c, const char *section, const char *key, const char *def,
                        const char *dir, char *out, size_t out_cap, char *errmsg, size_t errmsg_cap)
{
    char v[MEDIA_PATH_MAX];
    chr_err e = chr_config_str(c, section, key, def, v, sizeof(v), errmsg, errmsg_cap);
    if (e != CHR_OK || v[0] == '\0' || v[0] == '/') {
        snprintf(out, out_cap, "%s", e == CHR_OK ? v : "");
        return e;
    }
    if ((size_t)snprintf(out, out_cap, "%s/%s", dir, v) >= out_cap) {
        snprintf(errmsg, errmsg_cap, "[%s] %s: the path is too long", section, key);
        return CHR_ERR_CONFIG;
    }
    return CHR_OK;
}

static chr_err node_section(media_config *o, const chr_config *c, const char *dir, char *errmsg,
                            size_t errmsg_cap)
{
    chr_err e = chr_config_str(c, "node", "url", "http://127.0.0.1:8080", o->node, sizeof(o->node),
                               errmsg, errmsg_cap);
    size_t len = strlen(o->node);
    while (e == CHR_OK && len > 0 && o->node[len - 1] == '/') {
        o->node[--len] = '\0';
    }
    if (e == CHR_OK &&
        ((strncmp(o->node, "http://", 7) != 0 && strncmp(o->node, "https://", 8) != 0) ||
         len <= 8)) {
        snprintf(errmsg, errmsg_cap, "[node] url: http://HOST:PORT or https://HOST:PORT");
        e = CHR_ERR_CONFIG;
    }
    e = e ? e
          : chr_config_str(c, "node", "api_key", "", o->api_key, sizeof(o->api_key), errmsg,
                           errmsg_cap);
    e = e ? e
          : path_key(c, "node", "ca_file", "", dir, o->ca_file, sizeof(o->ca_file), errmsg,
                     errmsg_cap);
    return e ? e
             : chr_config_u64(c, "node", "timeout_ms", 10000, 1, 600000, &o->timeout_ms, errmsg,
                              errmsg_cap);
}

static chr_err registry_section(media_config *o, const chr_config *c, char *errmsg,
                                size_t errmsg_cap)
{
    chr_err e = chr_config_str(c, "registry", "endpoint", "", o->endpoint, sizeof(o->endpoint),
                               errmsg, errmsg_cap);
    e = e ? e
          : chr_config_str(c, "registry", "region", "", o->region, sizeof(o->region), errmsg,
                           errmsg_cap);
    e = e ? e
          : chr_config_u64(c, "registry", "capacity", 0, 0, LEDGER_MEDIA_CAPACITY_MAX, &o->capacity,
                           errmsg, errmsg_cap);
    e = e ? e
          : chr_config_u64(c, "registry", "bond_units", 0, 0, UINT64_MAX, &o->bond_units, errmsg,
                           errmsg_cap);
    return e ? e
             : chr_config_str(c, "registry", "metadata", "", o->metadata, sizeof(o->metadata),
                              errmsg, errmsg_cap);
}

static chr_err agent_section(media_config *o, const chr_config *c, const char *dir, char *errmsg,
                             size_t errmsg_cap)
{
    uint64_t port;
    struct in_addr a;
    chr_err e = chr_config_str(c, "agent", "listen_addr", "127.0.0.1", o->listen_addr,
                               sizeof(o->listen_addr), errmsg, errmsg_cap);
    if (e == CHR_OK && inet_pton(AF_INET, o->listen_addr, &a) != 1) {
        snprintf(errmsg, errmsg_cap, "[agent] listen_addr: an IPv4 address such as 127.0.0.1");
        e = CHR_ERR_CONFIG;
    }
    e = e ? e
          : chr_config_u64(c, "agent", "listen_port", 7070, 1, 65535, &port, errmsg, errmsg_cap);
    o->listen_port = (uint16_t)port;
    e = e ? e
          : path_key(c, "agent", "state_file", "media-state.json", dir, o->state_file,
                     sizeof(o->state_file), errmsg, errmsg_cap);
    e = e ? e
          : chr_config_u64(c, "agent", "poll_ms", MEDIA_POLL_MS_DEFAULT, MEDIA_POLL_MS_MIN,
                           MEDIA_POLL_MS_MAX, &o->poll_ms, errmsg, errmsg_cap);
    return e ? e
             : chr_config_u64(c, "agent", "heartbeat_interval_ms", MEDIA_HEARTBEAT_MS_DEFAULT,
                              MEDIA_HEARTBEAT_MS_MIN, MEDIA_HEARTBEAT_MS_MAX,
                              &o->heartbeat_interval_ms, errmsg, errmsg_cap);
}

chr_err media_config_parse(media_config *out, const char *text, size_t text_len, const char *dir,
                           char *errmsg, size_t errmsg_cap)
{
    chr_config *c = NULL;
    memset(out, 0, sizeof(*out));
    chr_err e = chr_config_parse(&c, text, text_len, errmsg, errmsg_cap);
    e = e ? e : check_known(c, errmsg, errmsg_cap);
    e = e ? e : node_section(out, c, dir, errmsg, errmsg_cap);
    e = e ? e
          : path_key(c, "keys", "node_key_file", "", dir, out->node_key_file,
                     sizeof(out->node_key_file), errmsg, errmsg_cap);
    if (e == CHR_OK && out->node_key_file[0] == '\0') {
        snprintf(errmsg, errmsg_cap, "[keys] node_key_file is required");
        e = CHR_ERR_CONFIG;
    }
    e = e ? e
          : path_key(c, "keys", "operator_key_file", out->node_key_file, dir,
                     out->operator_key_file, sizeof(out->operator_key_file), errmsg, errmsg_cap);
    e = e ? e : registry_section(out, c, errmsg, errmsg_cap);
    e = e ? e : agent_section(out, c, dir, errmsg, errmsg_cap);
    chr_config_free(c);
    if (e != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return e;
}
