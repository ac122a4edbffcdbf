#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "rpc/internal/session.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

static const uint8_t key_a[RPC_APIKEY_ID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t key_b[RPC_APIKEY_ID_BYTES] = {8, 7, 6, 5, 4, 3, 2, 1};

static int found(rpc_sessions *t, const char *cookie, uint64_t now_ms)
{
    rpc_session s;
    return rpc_sessions_find(t, &s, cookie, strlen(cookie), now_ms) == CHR_OK;
}

/* A table of cap slots with one session of key_a (scope bits 1) until 1000 ms, opened at 0;
 * NULL if either step fails. */
static rpc_sessions *one_session(size_t cap, char cookie[RPC_SESSION_TEXT_LEN + 1], rpc_session *s)
{
    rpc_sessions *t;
    if (rpc_sessions_new(&t, cap) != CHR_OK) {
        return NULL;
    }
    if (rpc_sessions_open(t, cookie, s, key_a, 1, 1000, 0) != CHR_OK) {
        rpc_sessions_free(t);
        return NULL;
    }
    return t;
}

static int contains(const uint8_t *mem, size_t len, const void *needle, size_t needle_len)
{
    for (size_t i = 0; i + needle_len <= len; i++) {
        if (memcmp(mem + i, needle, needle_len) == 0) {
            return 1;
        }
    }
    return 0;
}

static int all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        acc |= b[i];
    }
    return acc == 0;
}

/* Proves a session round trip: its cookie is 68 hex digits naming it, finding it gives the
 * key, scopes, expiry and a 64-hex-digit CSRF token the open gave; a cookie that differs
 * in any one digit of its secret, names another slot, is cut or lengthened or is not hex
 * names nothing (with the record zeroed); ending it ends it, and ending a stranger is a
 * no-op. */
void test_session_open_find_end(void)
{
    rpc_sessions *t;
    CHECK_OK(rpc_sessions_new(&t, 4));
    char cookie[RPC_SESSION_TEXT_LEN + 1];
    char other[RPC_SESSION_TEXT_LEN + 1];
    rpc_session opened, s;
    CHECK_OK(rpc_sessions_open(t, cookie, &opened, key_a, 3, 5000, 0));
    CHECK_OK(rpc_sessions_open(t, other, &s, key_b, 1, 5000, 0));
    CHECK(strlen(cookie) == RPC_SESSION_TEXT_LEN);
    CHECK(strspn(cookie, "0123456789abcdef") == RPC_SESSION_TEXT_LEN);
    CHECK(strlen(opened.csrf) == RPC_CSRF_TEXT_LEN);
    CHECK(strcmp(opened.csrf, s.csrf) != 0);
    CHECK_OK(rpc_sessions_find(t, &s, cookie, strlen(cookie), 1));
    CHECK(memcmp(s.key_id, key_a, sizeof(key_a)) == 0 && s.scopes == 3);
    CHECK(s.expires_ms == 5000 && strcmp(s.csrf, opened.csrf) == 0);
    for (size_t i = 4; i < RPC_SESSION_TEXT_LEN; i++) {
        char bad[RPC_SESSION_TEXT_LEN + 1];
        memcpy(bad, cookie, sizeof(bad));
        bad[i] = bad[i] == '0' ? '1' : '0';
        CHECK(rpc_sessions_find(t, &s, bad, strlen(bad), 1) == CHR_ERR_NOT_FOUND);
        CHECK(all_zero(&s, sizeof(s)));
    }
    char moved[RPC_SESSION_TEXT_LEN + 1];
    memcpy(moved, cookie, sizeof(moved));
    memcpy(moved, other, 4); /* the other session's slot, this one's secret */
    CHECK(!found(t, moved, 1));
    memcpy(moved, "ffff", 4); /* a slot past the table */
    CHECK(!found(t, moved, 1));
    CHECK(rpc_sessions_find(t, &s, cookie, RPC_SESSION_TEXT_LEN - 1, 1) == CHR_ERR_NOT_FOUND);
    char longer[RPC_SESSION_TEXT_LEN + 3];
    snprintf(longer, sizeof(longer), "%s00", cookie);
    CHECK(!found(t, longer, 1));
    memcpy(moved, cookie, sizeof(moved));
    moved[10] = 'g';
    CHECK(!found(t, moved, 1));
    CHECK(!found(t, "", 1));
    rpc_sessions_end(t, "nonsense", 8);
    rpc_sessions_end(t, longer, strlen(longer));
    CHECK(found(t, cookie, 1) && found(t, other, 1));
    rpc_sessions_end(t, cookie, strlen(cookie));
    CHECK(!found(t, cookie, 1));
    CHECK(found(t, other, 1));
    rpc_sessions_free(t);
}

/* Proves expiry is exact: a session is found up to the millisecond before expires_ms and
 * not from expires_ms on (the record zeroed); its slot goes to the next sign-in, whose
 * session the old cookie never names. */
void test_session_expiry(void)
{
    char cookie[RPC_SESSION_TEXT_LEN + 1];
    char next[RPC_SESSION_TEXT_LEN + 1];
    rpc_session s;
    rpc_sessions *t = one_session(1, cookie, &s);
    CHECK(t != NULL);
    CHECK(found(t, cookie, 0));
    CHECK(found(t, cookie, 999));
    CHECK(rpc_sessions_find(t, &s, cookie, strlen(cookie), 1000) == CHR_ERR_NOT_FOUND);
    CHECK(all_zero(&s, sizeof(s)));
    CHECK(!found(t, cookie, 5000));
    /* The expired session's slot goes to the next sign-in; the old cookie never names the
     * new session, even at a time the old one would have been live. */
    CHECK_OK(rpc_sessions_open(t, next, &s, key_b, 1, 9000, 1000));
    CHECK(strncmp(cookie, next, 4) == 0);
    CHECK(!found(t, cookie, 500));
    CHECK(found(t, next, 1000));
    rpc_sessions_free(t);
}

/* Proves the table's bound: cap live sessions fill it, the next sign-in is CHR_ERR_FULL
 * (with an empty cookie and a zeroed record) and leaves the others alone; a session that
 * ends or expires frees its slot for exactly one more. */
void test_session_capacity(void)
{
    enum { CAP = 3 };
    rpc_sessions *t;
    CHECK_OK(rpc_sessions_new(&t, CAP));
    char cookies[CAP][RPC_SESSION_TEXT_LEN + 1];
    char extra[RPC_SESSION_TEXT_LEN + 1];
    rpc_session s;
    for (unsigned i = 0; i < CAP; i++) {
        CHECK_OK(rpc_sessions_open(t, cookies[i], &s, key_a, 1, 1000 * (i + 1), 0));
    }
    CHECK(rpc_sessions_open(t, extra, &s, key_b, 1, 9000, 0) == CHR_ERR_FULL);
    CHECK(extra[0] == '\0' && all_zero(&s, sizeof(s)));
    for (unsigned i = 0; i < CAP; i++) {
        CHECK(found(t, cookies[i], 0));
    }
    /* At 1000 the first has expired: one sign-in gets in, the next does not. */
    CHECK_OK(rpc_sessions_open(t, extra, &s, key_b, 1, 9000, 1000));
    CHECK(rpc_sessions_open(t, extra, &s, key_b, 1, 9000, 1000) == CHR_ERR_FULL);
    rpc_sessions_end(t, cookies[1], strlen(cookies[1]));
    CHECK_OK(rpc_sessions_open(t, extra, &s, key_b, 1, 9000, 1000));
    CHECK(found(t, extra, 1000) && found(t, cookies[2], 1000));
    CHECK(rpc_sessions_open(t, extra, &s, key_b, 1, 9000, 1000) == CHR_ERR_FULL);
    rpc_sessions_free(t);
}

/* Proves the table keeps only a hash of each cookie's secret: the secret's bytes are
 * nowhere in the table's memory, the slot holds BLAKE2b-256 of them, and ending a session
 * wipes its slot whole. */
void test_session_hash_only(void)
{
    char cookie[RPC_SESSION_TEXT_LEN + 1];
    rpc_session s;
    rpc_sessions *t = one_session(2, cookie, &s);
    CHECK(t != NULL);
    uint8_t secret[RPC_SESSION_SECRET_BYTES];
    CHECK_OK(chr_hex_decode_exact(secret, sizeof(secret), cookie + 4, RPC_SESSION_TEXT_LEN - 4));
    const uint8_t *mem = (const uint8_t *)t->slots;
    size_t len = t->cap * sizeof(t->slots[0]);
    CHECK(!contains(mem, len, secret, sizeof(secret)));
    CHECK(!contains(mem, len, cookie + 4, RPC_SESSION_TEXT_LEN - 4));
    uint8_t h[32];
    crypto_generichash(h, sizeof(h), secret, sizeof(secret), NULL, 0);
    CHECK(t->slots[0].used && memcmp(t->slots[0].secret_hash, h, sizeof(h)) == 0);
    rpc_sessions_end(t, cookie, strlen(cookie));
    CHECK(all_zero(&t->slots[0], sizeof(t->slots[0])));
    rpc_sessions_free(t);
}

/* Proves the CSRF check takes exactly the session's token: the token itself passes; none,
 * a prefix, the token with more after it, another case, and the token with its first or
 * last digit changed are refused. (The comparison is sodium_memcmp's, constant time for the
 * token's length; the length itself is public.) */
void test_session_csrf_compare(void)
{
    char cookie[RPC_SESSION_TEXT_LEN + 1];
    rpc_session s;
    rpc_sessions *t = one_session(1, cookie, &s);
    CHECK(t != NULL);
    const char *tok = s.csrf;
    CHECK(rpc_session_csrf_ok(&s, tok, strlen(tok)));
    CHECK(!rpc_session_csrf_ok(&s, NULL, 0));
    CHECK(!rpc_session_csrf_ok(&s, "", 0));
    CHECK(!rpc_session_csrf_ok(&s, tok, RPC_CSRF_TEXT_LEN - 1));
    char buf[RPC_CSRF_TEXT_LEN + 2];
    snprintf(buf, sizeof(buf), "%s0", tok);
    CHECK(!rpc_session_csrf_ok(&s, buf, strlen(buf)));
    size_t ends[] = {0, RPC_CSRF_TEXT_LEN - 1};
    for (size_t k = 0; k < 2; k++) {
        memcpy(buf, tok, RPC_CSRF_TEXT_LEN + 1);
        buf[ends[k]] = buf[ends[k]] == 'a' ? 'b' : 'a';
        CHECK(!rpc_session_csrf_ok(&s, buf, RPC_CSRF_TEXT_LEN));
    }
    memcpy(buf, tok, RPC_CSRF_TEXT_LEN + 1);
    int upper = 0;
    for (size_t i = 0; i < RPC_CSRF_TEXT_LEN; i++) {
        if (buf[i] >= 'a' && buf[i] <= 'f') {
            buf[i] = (char)(buf[i] - 'a' + 'A');
            upper = 1;
        }
    }
    CHECK(!upper || !rpc_session_csrf_ok(&s, buf, RPC_CSRF_TEXT_LEN));
    rpc_sessions_free(t);
}
