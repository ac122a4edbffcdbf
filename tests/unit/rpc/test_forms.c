#include <sodium.h>
#include <string.h>

#include "rpc/internal/oauth.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

typedef struct form {
    char grant[32];
    char scope[16];
    rpc_form_field f[2];
} form;

static void form_init(form *x)
{
    memset(x, 0, sizeof(*x));
    x->f[0] = (rpc_form_field){"grant_type", x->grant, sizeof(x->grant), 0};
    x->f[1] = (rpc_form_field){"scope", x->scope, sizeof(x->scope), 0};
}

static chr_err parse(form *x, const char *body, const char **bad)
{
    form_init(x);
    return rpc_form_parse(x->f, 2, bad, body, strlen(body));
}

/* Proves the form rules of RFC 6749 section 3.2 and HTML's urlencoded parser: '+' and %XX
 * decode, unknown names are ignored, an empty value is absent, a name twice is refused
 * (even when one value is empty), and broken escapes, control characters and values over
 * their capacity are refused with every value cleared. */
void test_form_parse_rules(void)
{
    form x;
    const char *bad;
    CHECK_OK(parse(&x, "grant_type=client_credentials&scope=read+sub%6dit&x=1&&y", &bad));
    CHECK(strcmp(x.grant, "client_credentials") == 0 && x.f[0].seen);
    CHECK(strcmp(x.scope, "read submit") == 0 && x.f[1].seen);
    CHECK_OK(parse(&x, "scope=&grant_type", &bad));
    CHECK(!x.f[0].seen && !x.f[1].seen && x.scope[0] == '\0');
    CHECK(parse(&x, "scope=read&scope=read", &bad) == CHR_ERR_DUPLICATE);
    CHECK(bad != NULL && strcmp(bad, "scope") == 0);
    CHECK(parse(&x, "scope=&scope=read", &bad) == CHR_ERR_DUPLICATE);
    CHECK(parse(&x, "grant_type=a&scope=%zz", &bad) == CHR_ERR_ARG);
    CHECK(x.grant[0] == '\0' && !x.f[0].seen);
    CHECK(parse(&x, "scope=a%0ab", &bad) == CHR_ERR_ARG);
    CHECK(parse(&x, "scope=%00", &bad) == CHR_ERR_ARG);
    CHECK(parse(&x, "scope=%4", &bad) == CHR_ERR_ARG);
    CHECK(parse(&x, "scope=0123456789abcdef", &bad) == CHR_ERR_TOO_LONG);
    CHECK_OK(parse(&x, "scope=0123456789abcde", &bad));
    /* A name too long to be one asked for is ignored; an encoded name is decoded. */
    CHECK_OK(parse(&x, "a_name_longer_than_any_name_asked_for=1&gr%61nt_type=x", &bad));
    CHECK(strcmp(x.grant, "x") == 0);
    char out[8];
    size_t n;
    CHECK_OK(rpc_form_decode(out, sizeof(out), &n, "a%2Bb+c", 7));
    CHECK(n == 5 && strcmp(out, "a+b c") == 0);
}

/* Proves HTTP Basic credentials decode (any case of the scheme, form-decoded parts, a
 * colon in the password kept) and that other schemes, a missing colon, bad base64 and
 * text after the padding are refused. */
void test_basic_parse(void)
{
    char user[32];
    char pass[64];
    /* base64("aa84312baaa8f3bb:s%3Acret") */
    const char *ok = "Basic YWE4NDMxMmJhYWE4ZjNiYjpzJTNBY3JldA==";
    CHECK_OK(rpc_basic_parse(user, sizeof(user), pass, sizeof(pass), ok, strlen(ok)));
    CHECK(strcmp(user, "aa84312baaa8f3bb") == 0 && strcmp(pass, "s:cret") == 0);
    const char *lower = "basic   YTpiOmM="; /* "a:b:c" */
    CHECK_OK(rpc_basic_parse(user, sizeof(user), pass, sizeof(pass), lower, strlen(lower)));
    CHECK(strcmp(user, "a") == 0 && strcmp(pass, "b:c") == 0);
    static const struct {
        const char *h;
        chr_err want;
    } bad[] = {
        {"Bearer YWE6Yg==", CHR_ERR_NOT_FOUND},
        {"Basicx YWE6Yg==", CHR_ERR_NOT_FOUND},
        {"Basic", CHR_ERR_ARG},
        {"Basic YWFi", CHR_ERR_ARG},
        {"Basic YWE6Yg", CHR_ERR_ARG},
        {"Basic YWE6Yg==x", CHR_ERR_ARG},
        {"Basic YW\xd5\x36Yg==", CHR_ERR_ARG},
        {"Basic YSUwMDpi", CHR_ERR_ARG},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(rpc_basic_parse(user, sizeof(user), pass, sizeof(pass), bad[i].h, strlen(bad[i].h)) ==
              bad[i].want);
        CHECK(user[0] == '\0' && pass[0] == '\0');
    }
}

/* Proves a Bearer value yields its b64token (scheme in any case, spaces after it) and
 * that other schemes are told apart from a malformed Bearer value. */
void test_bearer_parse(void)
{
    const char *tok;
    size_t n;
    const char *h = "bEaReR  abc-._~+/09==";
    CHECK_OK(rpc_bearer_parse(&tok, &n, h, strlen(h)));
    CHECK(n == 13 && memcmp(tok, "abc-._~+/09==", n) == 0);
    CHECK(rpc_bearer_parse(&tok, &n, "Basic abc", 9) == CHR_ERR_NOT_FOUND);
    CHECK(rpc_bearer_parse(&tok, &n, "Bearerabc", 9) == CHR_ERR_NOT_FOUND);
    static const char *const bad[] = {"Bearer",    "Bearer ",    "Bearer a b", "Bearer a=b",
                                      "Bearer ==", "Bearer a\"", "Bearer a,"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(rpc_bearer_parse(&tok, &n, bad[i], strlen(bad[i])) == CHR_ERR_ARG);
        CHECK(tok == NULL && n == 0);
    }
}

/* Proves the one Authorization rule: OWS around the value is stripped, a control character
 * left in it (a NUL inside the reported length, CR, LF, DEL) is refused, and after the
 * scheme only spaces separate it from the credentials (a tab is malformed). */
void test_auth_field_rule(void)
{
    static const struct {
        const char *v;
        size_t len;
        const char *want; /* the trimmed value, or NULL for CHR_ERR_ARG */
    } cases[] = {
        {"Bearer abc", 10, "Bearer abc"},
        {" \tBearer abc \t", 14, "Bearer abc"},
        {"Bearer  abc", 11, "Bearer  abc"},
        {"Bearer\tabc", 10, "Bearer\tabc"},
        {"Bearer abc\0junk", 15, NULL},
        {"Bearer a\rbc", 11, NULL},
        {"Bearer a\nbc", 11, NULL},
        {"Bearer abc\x7f", 11, NULL},
        {"Bearer \x01"
         "abc",
         11, NULL},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *v = cases[i].v;
        size_t n = cases[i].len;
        chr_err err = rpc_auth_field(&v, &n);
        if (cases[i].want == NULL) {
            CHECK(err == CHR_ERR_ARG);
            CHECK(v == cases[i].v && n == cases[i].len);
        } else {
            CHECK_OK(err);
            CHECK(n == strlen(cases[i].want) && memcmp(v, cases[i].want, n) == 0);
        }
    }
    const char *tok;
    size_t n;
    CHECK(rpc_bearer_parse(&tok, &n, "Bearer\tabc", 10) == CHR_ERR_ARG);
    CHECK(rpc_bearer_parse(&tok, &n, "Bearer \tabc", 11) == CHR_ERR_ARG);
    CHECK(rpc_bearer_parse(&tok, &n, "Bearer\t", 7) == CHR_ERR_ARG);
    CHECK(rpc_bearer_parse(&tok, &n, "Bearerx abc", 11) == CHR_ERR_NOT_FOUND);
    char user[32];
    char pass[64];
    CHECK(rpc_basic_parse(user, sizeof(user), pass, sizeof(pass), "Basic\tYTpi", 10) ==
          CHR_ERR_ARG);
    CHECK_OK(rpc_basic_parse(user, sizeof(user), pass, sizeof(pass), "BASIC  YTpi", 11));
    CHECK(strcmp(user, "a") == 0 && strcmp(pass, "b") == 0);
}
