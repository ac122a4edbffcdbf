/* Dashboard sessions (docs/API.md, "Sessions"): a table, sized at start, of the sessions that
 * signing in with an API key or access token opened. A session is named by a cookie value
 * that only its browser holds (the table keeps a hash of its secret), carries the scopes of
 * the credential it was opened with and a CSRF token that every state-changing request must
 * repeat, and expires after [api] session_ttl_s. Private to rpc/.
 *
 * Thread-safe: one lock over the table. */
#ifndef RPC_INTERNAL_SESSION_H
#define RPC_INTERNAL_SESSION_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "rpc/apikeys.h"

/* The cookie's name, and its value: 4 hex digits of the slot and 64 of a 32-byte secret. */
#define RPC_SESSION_COOKIE "chroom_session"
#define RPC_SESSION_TEXT_LEN 68
/* A CSRF token as text: 64 hex digits of 32 random bytes. */
#define RPC_CSRF_TEXT_LEN 64

typedef struct rpc_session {
    uint8_t key_id[RPC_APIKEY_ID_BYTES]; /* the key it stands for (a token's key) */
    unsigned scopes;                     /* the credential's scopes when it signed in */
    uint64_t expires_ms;                 /* rpc_clock_ms() */
    char csrf[RPC_CSRF_TEXT_LEN + 1];
} rpc_session;

/* The bytes of a cookie's secret (its last 64 hex digits). */
#define RPC_SESSION_SECRET_BYTES 32

/* The table, here rather than in rpc/session.c so that its unit tests can check what it
 * keeps (a hash of each secret, never the secret); only rpc/session.c touches it. */
typedef struct rpc_session_slot {
    int used;
    uint8_t secret_hash[32]; /* BLAKE2b-256 of the cookie's secret */
    rpc_session s;
} rpc_session_slot;

typedef struct rpc_sessions {
    pthread_mutex_t mu;
    size_t cap;
    rpc_session_slot *slots; /* cap of them */
} rpc_sessions;

/* A table of cap sessions (1..65535). CHR_ERR_NOMEM. */
CHR_WUR chr_err rpc_sessions_new(rpc_sessions **out, size_t cap);
/* Frees, wiping every secret; NULL is ignored. */
void rpc_sessions_free(rpc_sessions *t);

/* Opens a session for key_id with scopes until expires_ms: cookie gets its value (with a
 * NUL), *out its record. Takes a free slot or an expired session's. CHR_ERR_FULL when every
 * slot holds a live session; CHR_ERR_CRYPTO never (randombytes cannot fail). */
CHR_WUR chr_err rpc_sessions_open(rpc_sessions *t, char cookie[RPC_SESSION_TEXT_LEN + 1],
                                  rpc_session *out, const uint8_t key_id[RPC_APIKEY_ID_BYTES],
                                  unsigned scopes, uint64_t expires_ms, uint64_t now_ms);
/* The live session a cookie value names: CHR_ERR_NOT_FOUND for a value of another form, an
 * empty or expired slot, or a wrong secret (told apart from none); *out zeroed then. */
CHR_WUR chr_err rpc_sessions_find(rpc_sessions *t, rpc_session *out, const char *cookie,
                                  size_t cookie_len, uint64_t now_ms);
/* Ends the session a cookie value names, if it is one; anything else is ignored. */
void rpc_sessions_end(rpc_sessions *t, const char *cookie, size_t cookie_len);
/* Whether text (len bytes, untrusted) is the session's CSRF token; constant time. */
int rpc_session_csrf_ok(const rpc_session *s, const char *text, size_t len);

#endif
