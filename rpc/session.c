/* Dashboard sessions (rpc/internal/session.h). A cookie value names its slot, so a lookup
 * reads one slot; its secret is compared by hash in constant time, as API keys are. */
#include "rpc/internal/session.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"

#define SESSION_SLOTS_MAX 65535u

chr_err rpc_sessions_new(rpc_sessions **out, size_t cap)
{
    CHR_ASSERT(cap > 0 && cap <= SESSION_SLOTS_MAX);
    *out = NULL;
    rpc_sessions *t = calloc(1, sizeof(*t));
    rpc_session_slot *slots = calloc(cap, sizeof(*slots));
    if (t == NULL || slots == NULL) {
        free(t);
        free(slots);
        return CHR_ERR_NOMEM;
    }
    pthread_mutex_init(&t->mu, NULL);
    t->cap = cap;
    t->slots = slots;
    *out = t;
    return CHR_OK;
}

void rpc_sessions_free(rpc_sessions *t)
{
    if (t == NULL) {
        return;
    }
    sodium_memzero(t->slots, t->cap * sizeof(*t->slots));
    free(t->slots);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* The slot and secret of a cookie value; 0 when it is not of the form. */
static int session_parse(const rpc_sessions *t, size_t *slot,
                         uint8_t secret[RPC_SESSION_SECRET_BYTES], const char *cookie, size_t len)
{
    uint8_t idx[2];
    if (len != RPC_SESSION_TEXT_LEN ||
        chr_hex_decode_exact(idx, sizeof(idx), cookie, 4) != CHR_OK ||
        chr_hex_decode_exact(secret, RPC_SESSION_SECRET_BYTES, cookie + 4, len - 4) != CHR_OK) {
        return 0;
    }
    *slot = (size_t)idx[0] << 8 | idx[1];
    return *slot < t->cap;
}

chr_err rpc_sessions_open(rpc_sessions *t, char cookie[RPC_SESSION_TEXT_LEN + 1], rpc_session *out,
                          const uint8_t key_id[RPC_APIKEY_ID_BYTES], unsigned scopes,
                          uint64_t expires_ms, uint64_t now_ms)
{
    CHR_ASSERT(scopes != 0);
    memset(out, 0, sizeof(*out));
    cookie[0] = '\0';
    pthread_mutex_lock(&t->mu);
    size_t i = 0;
    while (i < t->cap && t->slots[i].used && t->slots[i].s.expires_ms > now_ms) {
        i++;
    }
    if (i == t->cap) {
        pthread_mutex_unlock(&t->mu);
        return CHR_ERR_FULL;
    }
    rpc_session_slot *sl = &t->slots[i];
    uint8_t secret[RPC_SESSION_SECRET_BYTES];
    uint8_t csrf[32];
    randombytes_buf(secret, sizeof(secret));
    randombytes_buf(csrf, sizeof(csrf));
    crypto_generichash(sl->secret_hash, sizeof(sl->secret_hash), secret, sizeof(secret), NULL, 0);
    memcpy(sl->s.key_id, key_id, RPC_APIKEY_ID_BYTES);
    sl->s.scopes = scopes;
    sl->s.expires_ms = expires_ms;
    chr_hex_encode(sl->s.csrf, sizeof(sl->s.csrf), csrf, sizeof(csrf));
    sl->used = 1;
    *out = sl->s;
    pthread_mutex_unlock(&t->mu);
    uint8_t idx[2] = {(uint8_t)(i >> 8), (uint8_t)i};
    chr_hex_encode(cookie, 5, idx, sizeof(idx));
    chr_hex_encode(cookie + 4, RPC_SESSION_TEXT_LEN - 4 + 1, secret, sizeof(secret));
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(csrf, sizeof(csrf));
    CHR_ASSERT(strlen(cookie) == RPC_SESSION_TEXT_LEN);
    return CHR_OK;
}

/* The slot a cookie value names, locked, if it holds a session with that secret; else
 * SESSION_SLOTS_MAX and unlocked. */
static size_t session_lock(rpc_sessions *t, const char *cookie, size_t len)
{
    size_t i;
    uint8_t secret[RPC_SESSION_SECRET_BYTES];
    uint8_t h[32];
    if (!session_parse(t, &i, secret, cookie, len)) {
        return SESSION_SLOTS_MAX;
    }
    crypto_generichash(h, sizeof(h), secret, sizeof(secret), NULL, 0);
    sodium_memzero(secret, sizeof(secret));
    pthread_mutex_lock(&t->mu);
    if (t->slots[i].used && sodium_memcmp(t->slots[i].secret_hash, h, sizeof(h)) == 0) {
        return i;
    }
    pthread_mutex_unlock(&t->mu);
    return SESSION_SLOTS_MAX;
}

chr_err rpc_sessions_find(rpc_sessions *t, rpc_session *out, const char *cookie, size_t len,
                          uint64_t now_ms)
{
    memset(out, 0, sizeof(*out));
    size_t i = session_lock(t, cookie, len);
    if (i == SESSION_SLOTS_MAX) {
        return CHR_ERR_NOT_FOUND;
    }
    int live = t->slots[i].s.expires_ms > now_ms;
    if (live) {
        *out = t->slots[i].s;
    }
    pthread_mutex_unlock(&t->mu);
    return live ? CHR_OK : CHR_ERR_NOT_FOUND;
}

void rpc_sessions_end(rpc_sessions *t, const char *cookie, size_t len)
{
    size_t i = session_lock(t, cookie, len);
    if (i == SESSION_SLOTS_MAX) {
        return;
    }
    sodium_memzero(&t->slots[i], sizeof(t->slots[i]));
    pthread_mutex_unlock(&t->mu);
}

int rpc_session_csrf_ok(const rpc_session *s, const char *text, size_t len)
{
    CHR_ASSERT(strlen(s->csrf) == RPC_CSRF_TEXT_LEN);
    return text != NULL && len == RPC_CSRF_TEXT_LEN &&
           sodium_memcmp(s->csrf, text, RPC_CSRF_TEXT_LEN) == 0;
}
