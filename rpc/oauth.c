/* Decoders of OAuth 2.0 and bearer credentials, and access tokens (rpc/internal/oauth.h). */
#include "rpc/internal/oauth.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "common/assert.h"
#include "common/enc.h"

static const char token_prefix[] = "chrt_";
#define TOKEN_PREFIX_LEN 5
#define TOKEN_B64_LEN 67
/* version, key id, expiry, scopes: what the MAC covers before the key's hash. */
#define TOKEN_BODY_BYTES 18

_Static_assert(TOKEN_PREFIX_LEN + TOKEN_B64_LEN == RPC_TOKEN_TEXT_LEN, "token text length");
_Static_assert(TOKEN_BODY_BYTES + RPC_TOKEN_MAC_BYTES == RPC_TOKEN_BYTES, "token layout");
_Static_assert(crypto_auth_BYTES == RPC_TOKEN_MAC_BYTES, "crypto_auth gives 32 bytes");

static void token_body(uint8_t out[TOKEN_BODY_BYTES], const rpc_token *t)
{
    out[0] = RPC_TOKEN_VERSION;
    memcpy(out + 1, t->key_id, RPC_APIKEY_ID_BYTES);
    chr_put_u64be(out + 9, t->expiry_unix_s);
    out[17] = (uint8_t)t->scopes;
}

static void token_mac(uint8_t mac[RPC_TOKEN_MAC_BYTES], const uint8_t mac_key[32],
                      const uint8_t key_hash[32], const rpc_token *t)
{
    uint8_t msg[TOKEN_BODY_BYTES + 32];
    token_body(msg, t);
    memcpy(msg + TOKEN_BODY_BYTES, key_hash, 32);
    crypto_auth(mac, msg, sizeof(msg), mac_key);
}

void rpc_token_issue(char out[RPC_TOKEN_TEXT_LEN + 1], const uint8_t mac_key[32],
                     const uint8_t key_hash[32], const rpc_token *t)
{
    CHR_ASSERT(t->scopes != 0 && (t->scopes & ~RPC_APIKEY_SCOPES_ALL) == 0);
    uint8_t raw[RPC_TOKEN_BYTES];
    token_body(raw, t);
    token_mac(raw + TOKEN_BODY_BYTES, mac_key, key_hash, t);
    memcpy(out, token_prefix, TOKEN_PREFIX_LEN);
    sodium_bin2base64(out + TOKEN_PREFIX_LEN, TOKEN_B64_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    CHR_ASSERT(strlen(out) == RPC_TOKEN_TEXT_LEN);
}

/* Whether s holds only base64 digits of the alphabet (URL-safe or standard) and, for the
 * standard one, '=' padding at its end. libsodium 1.0.18 takes some bytes with the high
 * bit set as digits, so the alphabet is checked before it decodes. */
static int b64_chars_ok(const char *s, size_t n, int url)
{
    size_t i = 0;
    for (; i < n; i++) {
        char c = s[i];
        int digit = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    (url ? c == '-' || c == '_' : c == '+' || c == '/');
        if (!digit) {
            break;
        }
    }
    while (!url && i < n && s[i] == '=') {
        i++;
    }
    return i == n;
}

chr_err rpc_token_decode(rpc_token *t, uint8_t mac[RPC_TOKEN_MAC_BYTES], const char *text,
                         size_t text_len)
{
    memset(t, 0, sizeof(*t));
    memset(mac, 0, RPC_TOKEN_MAC_BYTES);
    if (text_len != RPC_TOKEN_TEXT_LEN || memcmp(text, token_prefix, TOKEN_PREFIX_LEN) != 0) {
        return CHR_ERR_ARG;
    }
    uint8_t raw[RPC_TOKEN_BYTES];
    size_t n = 0;
    const char *end = NULL;
    const char *b64 = text + TOKEN_PREFIX_LEN;
    /* libsodium refuses non-zero trailing bits: one text per token. */
    if (!b64_chars_ok(b64, TOKEN_B64_LEN, 1) ||
        sodium_base642bin(raw, sizeof(raw), b64, TOKEN_B64_LEN, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != RPC_TOKEN_BYTES || end != b64 + TOKEN_B64_LEN || raw[0] != RPC_TOKEN_VERSION ||
        raw[17] == 0 || (raw[17] & ~RPC_APIKEY_SCOPES_ALL) != 0) {
        return CHR_ERR_ARG;
    }
    memcpy(t->key_id, raw + 1, RPC_APIKEY_ID_BYTES);
    t->expiry_unix_s = chr_get_u64be(raw + 9);
    t->scopes = raw[17];
    memcpy(mac, raw + TOKEN_BODY_BYTES, RPC_TOKEN_MAC_BYTES);
    return CHR_OK;
}

int rpc_token_mac_ok(const uint8_t mac_key[32], const uint8_t key_hash[32], const rpc_token *t,
                     const uint8_t mac[RPC_TOKEN_MAC_BYTES])
{
    uint8_t msg[TOKEN_BODY_BYTES + 32];
    token_body(msg, t);
    memcpy(msg + TOKEN_BODY_BYTES, key_hash, 32);
    return crypto_auth_verify(mac, msg, sizeof(msg), mac_key) == 0;
}

/* ---- Forms. ---- */

static int form_nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

chr_err rpc_form_decode(char *out, size_t out_cap, size_t *out_len, const char *in, size_t in_len)
{
    CHR_ASSERT(out_cap > 0);
    size_t w = 0;
    *out_len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < in_len; i++) {
        int c = (unsigned char)in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < in_len ? form_nibble(in[i + 1]) : -1;
            int lo = hi >= 0 ? form_nibble(in[i + 2]) : -1;
            if (lo < 0) {
                out[0] = '\0';
                return CHR_ERR_ARG;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f) {
            out[0] = '\0';
            return CHR_ERR_ARG;
        }
        if (w + 1 >= out_cap) {
            out[0] = '\0';
            return CHR_ERR_TOO_LONG;
        }
        out[w++] = (char)c;
    }
    out[w] = '\0';
    *out_len = w;
    return CHR_OK;
}

static void form_clear(rpc_form_field *fields, size_t fields_len)
{
    for (size_t f = 0; f < fields_len; f++) {
        sodium_memzero(fields[f].value, fields[f].value_cap); /* it may hold a secret */
        fields[f].seen = 0;
    }
}

/* Decodes one "name=value" pair into its field, if it names one (*which; fields_len when
 * it names none). */
static chr_err form_pair(rpc_form_field *fields, size_t fields_len, size_t *which, const char *pair,
                         size_t len)
{
    const char *eq = memchr(pair, '=', len);
    size_t name_len = eq != NULL ? (size_t)(eq - pair) : len;
    char name[32];
    size_t n;
    *which = fields_len;
    chr_err err = rpc_form_decode(name, sizeof(name), &n, pair, name_len);
    if (err == CHR_ERR_TOO_LONG) {
        return CHR_OK; /* longer than any name asked for: not ours, ignored */
    }
    for (size_t f = 0; f < fields_len && err == CHR_OK; f++) {
        if (strcmp(name, fields[f].name) == 0) {
            const char *v = eq != NULL ? eq + 1 : pair + len;
            *which = f;
            err = rpc_form_decode(fields[f].value, fields[f].value_cap, &n, v,
                                  (size_t)(pair + len - v));
            fields[f].seen = err == CHR_OK && n > 0;
            return err;
        }
    }
    return err;
}

chr_err rpc_form_parse(rpc_form_field *fields, size_t fields_len, const char **bad,
                       const char *body, size_t body_len)
{
    /* A name given twice is refused even when a value is empty (empty means absent, but
     * the parameter was still included twice). */
    unsigned given = 0;
    CHR_ASSERT(fields_len < 8 * sizeof(given));
    *bad = NULL;
    form_clear(fields, fields_len);
    size_t i = 0;
    while (i < body_len) {
        const char *amp = memchr(body + i, '&', body_len - i);
        size_t len = amp != NULL ? (size_t)(amp - (body + i)) : body_len - i;
        size_t which = fields_len;
        chr_err err = len > 0 ? form_pair(fields, fields_len, &which, body + i, len) : CHR_OK;
        if (err == CHR_OK && which < fields_len) {
            err = (given & (1u << which)) != 0 ? CHR_ERR_DUPLICATE : CHR_OK;
            given |= 1u << which;
        }
        if (err != CHR_OK) {
            *bad = which < fields_len ? fields[which].name : NULL;
            form_clear(fields, fields_len);
            return err;
        }
        i += len + 1;
    }
    return CHR_OK;
}

/* ---- Authorization header values. ---- */

chr_err rpc_auth_field(const char **value, size_t *value_len)
{
    const char *v = *value;
    size_t n = *value_len;
    /* field-value = *field-content, with OWS around it not part of the value (RFC 9110
     * section 5.5); libmicrohttpd strips the leading OWS, the trailing is ours to strip. */
    while (n > 0 && (v[0] == ' ' || v[0] == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
        n--;
    }
    /* NUL, CR and LF make a field value invalid (section 5.5), and no credential of ours
     * holds any other control character either. HTAB is left to the credentials' syntax,
     * which has no place for it. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return CHR_ERR_ARG;
        }
    }
    *value = v;
    *value_len = n;
    return CHR_OK;
}

/* Splits "Scheme rest" as RFC 9110 section 11.4 reads credentials: auth-scheme (any case),
 * 1*SP, then the rest. 1 with *rest past the spaces; 0 when the scheme is `scheme` but
 * nothing or not a space follows it (a tab, say); -1 when it is another scheme. */
static int auth_scheme(const char **rest, size_t *rest_len, const char *header, size_t len,
                       const char *scheme)
{
    size_t n = strlen(scheme);
    if (len < n || strncasecmp(header, scheme, n) != 0 ||
        (len > n && header[n] != ' ' && header[n] != '\t')) {
        return -1;
    }
    if (len == n || header[n] != ' ') {
        return 0;
    }
    while (n < len && header[n] == ' ') {
        n++;
    }
    if (n == len) {
        return 0;
    }
    *rest = header + n;
    *rest_len = len - n;
    return 1;
}

static int b64token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

chr_err rpc_bearer_parse(const char **token, size_t *token_len, const char *header,
                         size_t header_len)
{
    const char *rest;
    size_t n;
    *token = NULL;
    *token_len = 0;
    int sc = auth_scheme(&rest, &n, header, header_len, "Bearer");
    if (sc <= 0) {
        return sc == 0 ? CHR_ERR_ARG : CHR_ERR_NOT_FOUND;
    }
    /* b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
    size_t i = 0;
    while (i < n && b64token_char(rest[i])) {
        i++;
    }
    size_t body = i;
    while (i < n && rest[i] == '=') {
        i++;
    }
    if (body == 0 || i != n) {
        return CHR_ERR_ARG;
    }
    *token = rest;
    *token_len = n;
    return CHR_OK;
}

/* Splits decoded Basic credentials at the first ':' (RFC 7617 section 2) and form-decodes
 * both parts (RFC 6749 section 2.3.1). */
static chr_err basic_split(char *user, size_t user_cap, char *pass, size_t pass_cap,
                           const uint8_t *raw, size_t raw_len)
{
    const uint8_t *colon = memchr(raw, ':', raw_len);
    if (colon == NULL) {
        return CHR_ERR_ARG;
    }
    size_t u_len = (size_t)(colon - raw);
    size_t n;
    chr_err err = rpc_form_decode(user, user_cap, &n, (const char *)raw, u_len);
    if (err == CHR_OK) {
        err = rpc_form_decode(pass, pass_cap, &n, (const char *)colon + 1, raw_len - u_len - 1);
    }
    return err;
}

chr_err rpc_basic_parse(char *user, size_t user_cap, char *pass, size_t pass_cap,
                        const char *header, size_t header_len)
{
    const char *rest;
    size_t n;
    user[0] = '\0';
    pass[0] = '\0';
    int sc = auth_scheme(&rest, &n, header, header_len, "Basic");
    if (sc <= 0) {
        return sc == 0 ? CHR_ERR_ARG : CHR_ERR_NOT_FOUND;
    }
    uint8_t raw[RPC_BASIC_BYTES_MAX];
    size_t raw_len = 0;
    const char *end = NULL;
    if (n > 4 * (sizeof(raw) / 3)) {
        return CHR_ERR_TOO_LONG;
    }
    if (!b64_chars_ok(rest, n, 0) ||
        sodium_base642bin(raw, sizeof(raw), rest, n, NULL, &raw_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != rest + n) {
        return CHR_ERR_ARG;
    }
    chr_err err = basic_split(user, user_cap, pass, pass_cap, raw, raw_len);
    sodium_memzero(raw, sizeof(raw));
    if (err != CHR_OK) {
        user[0] = '\0';
        sodium_memzero(pass, pass_cap);
    }
    return err;
}
