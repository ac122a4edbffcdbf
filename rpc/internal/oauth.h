/* OAuth 2.0 client credentials (RFC 6749 section 4.4) and bearer tokens (RFC 6750): the
 * decoders of form bodies, HTTP Basic and Bearer credentials, and the access tokens.
 * Private to rpc/; pure functions (no I/O, no clock), fuzzed by tests/fuzz/fuzz_oauth_form.c.
 *
 * An access token is "chrt_" + base64url without padding (RFC 4648 section 5) of 50
 * bytes: version 1 (1 byte), the key id (8), the expiry in Unix seconds (8, big-endian),
 * the scope bits (1), and an HMAC-SHA-512-256 (libsodium crypto_auth) of those 18 bytes
 * followed by the key's stored hash, under a key derived from the node secret. The hash
 * in the MAC ties a token to one key record; the record is still looked up on every use,
 * so that revoking the key ends its tokens. */
#ifndef RPC_INTERNAL_OAUTH_H
#define RPC_INTERNAL_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "rpc/apikeys.h"

#define RPC_TOKEN_VERSION 1
#define RPC_TOKEN_BYTES 50
#define RPC_TOKEN_MAC_BYTES 32
/* "chrt_" + 67 base64url characters (50 bytes), without the NUL. */
#define RPC_TOKEN_TEXT_LEN 72

typedef struct rpc_token {
    uint8_t key_id[RPC_APIKEY_ID_BYTES];
    uint64_t expiry_unix_s;
    unsigned scopes; /* RPC_APIKEY_SCOPE_* bits, never 0 */
} rpc_token;

/* Writes the token text of t, with a NUL, MACed with mac_key over t and key_hash. */
void rpc_token_issue(char out[RPC_TOKEN_TEXT_LEN + 1], const uint8_t mac_key[32],
                     const uint8_t key_hash[32], const rpc_token *t);
/* Decodes token text without checking its MAC: CHR_ERR_ARG unless it is exactly a token
 * of this version in canonical base64url with valid scope bits. *t and mac are zeroed on
 * failure. */
CHR_WUR chr_err rpc_token_decode(rpc_token *t, uint8_t mac[RPC_TOKEN_MAC_BYTES], const char *text,
                                 size_t text_len);
/* 1 if mac is t's MAC under mac_key and key_hash (compared in constant time). */
int rpc_token_mac_ok(const uint8_t mac_key[32], const uint8_t key_hash[32], const rpc_token *t,
                     const uint8_t mac[RPC_TOKEN_MAC_BYTES]);

/* Decodes one application/x-www-form-urlencoded name or value (HTML's URL-encoded form
 * parser: '+' is a space, %XX a byte). CHR_ERR_ARG for a broken escape or a decoded
 * control character (below 0x20, or 0x7f) or NUL; CHR_ERR_TOO_LONG when out_cap (which
 * must leave room for the NUL) is too small. out is NUL-terminated on success, "" on
 * failure. */
CHR_WUR chr_err rpc_form_decode(char *out, size_t out_cap, size_t *out_len, const char *in,
                                size_t in_len);

typedef struct rpc_form_field {
    const char *name; /* in */
    char *value;      /* out: decoded, NUL-terminated; "" when absent */
    size_t value_cap; /* in: the capacity of value, with its NUL */
    int seen;         /* out: 1 when given with a non-empty value */
} rpc_form_field;

/* Parses a form body into the named fields; names not asked for are ignored and an empty
 * value counts as absent (RFC 6749 section 3.2). CHR_ERR_DUPLICATE when a named parameter
 * appears twice (section 3.2: "MUST NOT be included more than once"), CHR_ERR_TOO_LONG for
 * a value over its capacity, CHR_ERR_ARG for a broken encoding; *bad names the field (or
 * is NULL). Every value is "" and unseen on failure. */
CHR_WUR chr_err rpc_form_parse(rpc_form_field *fields, size_t fields_len, const char **bad,
                               const char *body, size_t body_len);

/* The one rule for an Authorization value (docs/API.md, "Access"): strips the OWS (SP,
 * HTAB) around it, as RFC 9110 section 5.5 says the field syntax does, in place of
 * *value and *value_len. CHR_ERR_ARG when what is left holds a control character other
 * than HTAB (NUL, CR, LF, DEL, ...); *value_len is the value's length as received, so a
 * NUL inside is seen. The parsers below then take the trimmed value. */
CHR_WUR chr_err rpc_auth_field(const char **value, size_t *value_len);

/* The most bytes of Basic credentials (id, ':', secret, before base64) decoded: ours are
 * 60 bytes, so this leaves room for any percent-encoding of them. */
#define RPC_BASIC_BYTES_MAX 384

/* Decodes an "Authorization: Basic" value (RFC 7617) carrying OAuth client credentials,
 * whose parts are form-encoded before base64 (RFC 6749 section 2.3.1). CHR_ERR_NOT_FOUND
 * when the scheme is not Basic, CHR_ERR_ARG when malformed (no ':', bad base64, bad
 * form encoding), CHR_ERR_TOO_LONG when the credentials are over RPC_BASIC_BYTES_MAX or a
 * part is over its capacity. Outputs are "" on failure. */
CHR_WUR chr_err rpc_basic_parse(char *user, size_t user_cap, char *pass, size_t pass_cap,
                                const char *header, size_t header_len);

/* Finds the token of an "Authorization: Bearer" value (RFC 6750 section 2.1): the scheme
 * (any case), one or more spaces (no tab), then a b64token, and nothing around it (see
 * rpc_auth_field). CHR_ERR_NOT_FOUND when the scheme is not Bearer, CHR_ERR_ARG when the
 * rest is not one b64token. *token points into header. */
CHR_WUR chr_err rpc_bearer_parse(const char **token, size_t *token_len, const char *header,
                                 size_t header_len);

#endif
