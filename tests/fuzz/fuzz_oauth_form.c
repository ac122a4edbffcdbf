/* Fuzzes the access layer's decoders (rpc/internal/oauth.h, rpc/apikeys.h): form bodies
 * and form values, HTTP Basic and Bearer credentials, access tokens, API keys, key ids and
 * scope lists. The first byte picks the decoder; the rest is its input, exactly as long
 * as the fuzzer made it. No input may crash, leak or read out of bounds, and what a
 * decoder accepts must survive a round trip: encoded again it gives the same input (the
 * canonical forms: tokens, keys, ids) or decodes to the same values (forms, Basic). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/apikeys.h"
#include "rpc/internal/oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Percent-encodes all but unreserved characters (RFC 3986 section 2.3). */
static size_t fuzz_form_encode(char *out, size_t cap, const char *in)
{
    size_t w = 0;
    for (size_t i = 0; in[i] != '\0'; i++) {
        unsigned char c = (unsigned char)in[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        if (w + 4 > cap) {
            abort();
        }
        w += (size_t)(plain ? snprintf(out + w, cap - w, "%c", c)
                            : snprintf(out + w, cap - w, "%%%02X", c));
    }
    out[w] = '\0';
    return w;
}

#define FUZZ_VALUE_CAP 128

static void fuzz_form(const char *in, size_t len)
{
    static const char *const names[] = {"grant_type", "scope", "client_id", "client_secret"};
    char values[4][FUZZ_VALUE_CAP];
    char again[4][FUZZ_VALUE_CAP];
    rpc_form_field f[4];
    rpc_form_field g[4];
    for (size_t i = 0; i < 4; i++) {
        f[i] = (rpc_form_field){names[i], values[i], sizeof(values[i]), 0};
        g[i] = (rpc_form_field){names[i], again[i], sizeof(again[i]), 0};
    }
    const char *bad;
    if (rpc_form_parse(f, 4, &bad, in, len) != CHR_OK) {
        for (size_t i = 0; i < 4; i++) {
            if (values[i][0] != '\0' || f[i].seen) {
                abort();
            }
        }
        return;
    }
    char body[4 * (3 * FUZZ_VALUE_CAP + 32)];
    size_t w = 0;
    for (size_t i = 0; i < 4; i++) {
        if (f[i].seen != (values[i][0] != '\0') || strlen(values[i]) >= FUZZ_VALUE_CAP) {
            abort();
        }
        w += (size_t)snprintf(body + w, sizeof(body) - w, "%s%s=", i ? "&" : "", names[i]);
        w += fuzz_form_encode(body + w, sizeof(body) - w, values[i]);
    }
    if (rpc_form_parse(g, 4, &bad, body, w) != CHR_OK) {
        abort();
    }
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(values[i], again[i]) != 0) {
            abort();
        }
    }
}

static void fuzz_basic(const char *in, size_t len)
{
    char user[64];
    char pass[128];
    if (rpc_basic_parse(user, sizeof(user), pass, sizeof(pass), in, len) != CHR_OK) {
        if (user[0] != '\0' || pass[0] != '\0') {
            abort();
        }
        return;
    }
    char cred[3 * 64 + 3 * 128 + 2];
    size_t w = fuzz_form_encode(cred, sizeof(cred), user);
    cred[w++] = ':';
    w += fuzz_form_encode(cred + w, sizeof(cred) - w, pass);
    if (w > RPC_BASIC_BYTES_MAX) {
        return; /* encoded longer than the decoder takes: no round trip to check */
    }
    char header[8 + sodium_base64_ENCODED_LEN(sizeof(cred), sodium_base64_VARIANT_ORIGINAL)];
    memcpy(header, "Basic ", 6);
    sodium_bin2base64(header + 6, sizeof(header) - 6, (const unsigned char *)cred, w,
                      sodium_base64_VARIANT_ORIGINAL);
    char user2[64];
    char pass2[128];
    if (rpc_basic_parse(user2, sizeof(user2), pass2, sizeof(pass2), header, strlen(header)) !=
            CHR_OK ||
        strcmp(user, user2) != 0 || strcmp(pass, pass2) != 0) {
        abort();
    }
}

static void fuzz_token(const char *in, size_t len)
{
    rpc_token t;
    uint8_t mac[RPC_TOKEN_MAC_BYTES];
    if (rpc_token_decode(&t, mac, in, len) != CHR_OK) {
        return;
    }
    /* The layout of rpc/internal/oauth.h, encoded again, is the input itself. */
    uint8_t raw[RPC_TOKEN_BYTES];
    raw[0] = RPC_TOKEN_VERSION;
    memcpy(raw + 1, t.key_id, 8);
    for (int i = 0; i < 8; i++) {
        raw[9 + i] = (uint8_t)(t.expiry_unix_s >> (56 - 8 * i));
    }
    raw[17] = (uint8_t)t.scopes;
    memcpy(raw + 18, mac, sizeof(mac));
    char text[RPC_TOKEN_TEXT_LEN + 1];
    memcpy(text, "chrt_", 5);
    sodium_bin2base64(text + 5, sizeof(text) - 5, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (len != RPC_TOKEN_TEXT_LEN || memcmp(text, in, len) != 0) {
        abort();
    }
    /* A token issued for the decoded fields decodes to them, and its MAC checks. */
    static const uint8_t key[32] = {1};
    static const uint8_t hash[32] = {2};
    rpc_token t2;
    rpc_token_issue(text, key, hash, &t);
    if (rpc_token_decode(&t2, mac, text, strlen(text)) != CHR_OK ||
        memcmp(&t2.key_id, &t.key_id, 8) != 0 || t2.expiry_unix_s != t.expiry_unix_s ||
        t2.scopes != t.scopes || !rpc_token_mac_ok(key, hash, &t2, mac)) {
        abort();
    }
}

static void fuzz_key(const char *in, size_t len)
{
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint8_t secret[RPC_APIKEY_SECRET_BYTES];
    char text[RPC_APIKEY_TEXT_LEN + 1];
    if (rpc_apikey_parse(id, secret, in, len) == CHR_OK) {
        rpc_apikey_format(text, id, secret);
        if (len != RPC_APIKEY_TEXT_LEN || memcmp(text, in, len) != 0) {
            abort();
        }
    }
    char idtext[2 * RPC_APIKEY_ID_BYTES + 1];
    if (rpc_apikey_id_parse(id, in, len) == CHR_OK) {
        rpc_apikey_id_format(idtext, id);
        if (len != 2 * RPC_APIKEY_ID_BYTES || memcmp(idtext, in, len) != 0) {
            abort();
        }
    }
}

static void fuzz_scopes_bearer(const char *in, size_t len)
{
    static const char seps[] = {' ', ','};
    for (size_t s = 0; s < sizeof(seps); s++) {
        unsigned scopes;
        unsigned again;
        char text[RPC_APIKEY_SCOPES_TEXT_MAX];
        if (rpc_scopes_parse(&scopes, in, len, seps[s]) == CHR_OK) {
            rpc_scopes_format(text, scopes, seps[s]);
            if (scopes == 0 || (scopes & ~RPC_APIKEY_SCOPES_ALL) != 0 ||
                rpc_scopes_parse(&again, text, strlen(text), seps[s]) != CHR_OK ||
                again != scopes) {
                abort();
            }
        }
    }
    const char *tok;
    size_t tok_len;
    if (rpc_bearer_parse(&tok, &tok_len, in, len) == CHR_OK &&
        (tok < in || tok_len == 0 || tok + tok_len != in + len)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || sodium_init() < 0) {
        return 0;
    }
    /* An exact-size copy, so that any read past the input is caught. */
    size_t len = size - 1;
    char *in = malloc(len > 0 ? len : 1);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data + 1, len);
    char out[64];
    size_t out_len;
    switch (data[0] % 6) {
    case 0:
        fuzz_form(in, len);
        break;
    case 1:
        if (rpc_form_decode(out, sizeof(out), &out_len, in, len) == CHR_OK &&
            (strlen(out) != out_len || out_len >= sizeof(out))) {
            abort();
        }
        break;
    case 2:
        fuzz_basic(in, len);
        break;
    case 3:
        fuzz_token(in, len);
        break;
    case 4:
        fuzz_key(in, len);
        break;
    default:
        fuzz_scopes_bearer(in, len);
        break;
    }
    free(in);
    return 0;
}
