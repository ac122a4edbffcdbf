#include <sodium.h>
#include <string.h>

#include "rpc/apikeys.h"
#include "rpc/internal/oauth.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

static const char key_text[] = "chr_aa84312baaa8f3bb_svJYYHguyR3tzgLUKDGO5gtr-CykKdAzRpl9TlhFFuk";

/* Proves key text parses to its id and secret and formats back to the same text. */
void test_apikey_text_round_trip(void)
{
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint8_t secret[RPC_APIKEY_SECRET_BYTES];
    char out[RPC_APIKEY_TEXT_LEN + 1];
    CHECK(strlen(key_text) == RPC_APIKEY_TEXT_LEN);
    CHECK_OK(rpc_apikey_parse(id, secret, key_text, strlen(key_text)));
    CHECK(id[0] == 0xaa && id[7] == 0xbb);
    rpc_apikey_format(out, id, secret);
    CHECK(strcmp(out, key_text) == 0);
    char idtext[17];
    rpc_apikey_id_format(idtext, id);
    CHECK(strcmp(idtext, "aa84312baaa8f3bb") == 0);
    uint8_t id2[RPC_APIKEY_ID_BYTES];
    CHECK_OK(rpc_apikey_id_parse(id2, idtext, 16));
    CHECK(memcmp(id, id2, sizeof(id)) == 0);
}

/* Proves every non-canonical or malformed key text is refused with id and secret zeroed:
 * upper-case hex, a wrong prefix or separator, a short or long text, a secret with padding,
 * a character outside base64url, and non-zero trailing bits. */
void test_apikey_text_rejects(void)
{
    char bad[8][RPC_APIKEY_TEXT_LEN + 2];
    for (size_t i = 0; i < 8; i++) {
        memcpy(bad[i], key_text, sizeof(key_text));
    }
    bad[0][4] = 'A';     /* upper-case id */
    bad[1][2] = 'x';     /* prefix */
    bad[2][20] = '-';    /* separator */
    bad[3][63] = '\0';   /* short */
    strcat(bad[4], "A"); /* long */
    bad[5][63] = '=';    /* padding */
    bad[6][30] = '+';    /* not base64url */
    bad[7][63] = 'l';    /* 'k' -> 'l': a trailing bit set */
    for (size_t i = 0; i < 8; i++) {
        uint8_t id[RPC_APIKEY_ID_BYTES];
        uint8_t secret[RPC_APIKEY_SECRET_BYTES];
        static const uint8_t zero[RPC_APIKEY_SECRET_BYTES];
        CHECK(rpc_apikey_parse(id, secret, bad[i], strlen(bad[i])) == CHR_ERR_ARG);
        CHECK(memcmp(id, zero, sizeof(id)) == 0 && memcmp(secret, zero, sizeof(secret)) == 0);
    }
    uint8_t id[RPC_APIKEY_ID_BYTES];
    CHECK(rpc_apikey_id_parse(id, "AA84312BAAA8F3BB", 16) == CHR_ERR_ARG);
    CHECK(rpc_apikey_id_parse(id, "aa84312baaa8f3b", 15) == CHR_ERR_ARG);
    CHECK(rpc_apikey_id_parse(id, "aa84312baaa8f3bg", 16) == CHR_ERR_ARG);
}

/* Proves scope lists parse by name with their separator, refuse unknown, repeated and
 * empty names, and format in the order read, submit, admin, meetings. */
void test_scopes_parse_and_format(void)
{
    unsigned s;
    char text[RPC_APIKEY_SCOPES_TEXT_MAX];
    CHECK_OK(rpc_scopes_parse(&s, "admin,read", 10, ','));
    CHECK(s == (RPC_APIKEY_SCOPE_ADMIN | RPC_APIKEY_SCOPE_READ));
    rpc_scopes_format(text, s, ' ');
    CHECK(strcmp(text, "read admin") == 0);
    CHECK_OK(rpc_scopes_parse(&s, "read submit admin", 17, ' '));
    CHECK(s == (RPC_APIKEY_SCOPES_ALL & ~RPC_APIKEY_SCOPE_MEETINGS));
    CHECK_OK(rpc_scopes_parse(&s, "meetings,read,submit,admin", 26, ','));
    CHECK(s == RPC_APIKEY_SCOPES_ALL);
    rpc_scopes_format(text, s, ',');
    CHECK(strcmp(text, "read,submit,admin,meetings") == 0);
    static const char *const bad[] = {
        "",     "read,", ",read",       "read,,submit", "read,read",
        "Read", "write", "read submit", "meeting",      "meetings,meetings"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(rpc_scopes_parse(&s, bad[i], strlen(bad[i]), ',') == CHR_ERR_ARG);
        CHECK(s == 0);
    }
}

static const uint8_t mac_key[32] = {7, 7, 7};
static const uint8_t key_hash[32] = {9, 9, 9};

static void issue(char out[RPC_TOKEN_TEXT_LEN + 1], rpc_token *t)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->key_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    t->expiry_unix_s = 1795000000;
    t->scopes = RPC_APIKEY_SCOPE_READ | RPC_APIKEY_SCOPE_SUBMIT;
    rpc_token_issue(out, mac_key, key_hash, t);
}

/* Proves an issued token decodes to its key id, expiry and scopes, and its MAC checks
 * under the key and key hash it was made with, not under others. */
void test_token_round_trip(void)
{
    char text[RPC_TOKEN_TEXT_LEN + 1];
    rpc_token t;
    rpc_token d;
    uint8_t mac[RPC_TOKEN_MAC_BYTES];
    issue(text, &t);
    CHECK(strlen(text) == RPC_TOKEN_TEXT_LEN && memcmp(text, "chrt_", 5) == 0);
    CHECK_OK(rpc_token_decode(&d, mac, text, strlen(text)));
    CHECK(memcmp(d.key_id, t.key_id, 8) == 0);
    CHECK(d.expiry_unix_s == t.expiry_unix_s && d.scopes == t.scopes);
    CHECK(rpc_token_mac_ok(mac_key, key_hash, &d, mac));
    uint8_t other[32] = {1};
    CHECK(!rpc_token_mac_ok(other, key_hash, &d, mac));
    CHECK(!rpc_token_mac_ok(mac_key, other, &d, mac));
}

/* Proves that changing any one character of a token makes it either undecodable or a
 * token whose MAC fails: no change is ever accepted. */
void test_token_tamper_rejected(void)
{
    char text[RPC_TOKEN_TEXT_LEN + 1];
    rpc_token t;
    issue(text, &t);
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < RPC_TOKEN_TEXT_LEN; i++) {
        for (size_t a = 0; a < sizeof(alphabet) - 1; a += 7) {
            char copy[RPC_TOKEN_TEXT_LEN + 1];
            memcpy(copy, text, sizeof(copy));
            if (copy[i] == alphabet[a]) {
                continue;
            }
            copy[i] = alphabet[a];
            rpc_token d;
            uint8_t mac[RPC_TOKEN_MAC_BYTES];
            if (rpc_token_decode(&d, mac, copy, RPC_TOKEN_TEXT_LEN) == CHR_OK) {
                CHECK(!rpc_token_mac_ok(mac_key, key_hash, &d, mac));
            }
        }
    }
    rpc_token d;
    uint8_t mac[RPC_TOKEN_MAC_BYTES];
    CHECK(rpc_token_decode(&d, mac, text, RPC_TOKEN_TEXT_LEN - 1) == CHR_ERR_ARG);
}
