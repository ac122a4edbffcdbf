/* API keys: the node's own LMDB environment `<data_dir>/apikeys/`, outside the consensus
 * state, so that `chroomd apikey ...` can change keys while the node runs (LMDB serves
 * several processes; a change is visible to the next read transaction of every process).
 *
 * A key is shown once, as text: "chr_" + 16 lowercase hex digits of its id + "_" + 43
 * base64url characters (RFC 4648 section 5, no padding) of its 32-byte secret. The store
 * keeps only the id, a keyed BLAKE2b hash of id and secret, the tier, the scopes, a
 * label, the creation time, a revoked flag and, for a key bound to a sponsor account (the
 * `meetings` scope's POST /api/meetings/create), the sponsor's public key, the path of its
 * secret-key file and its daily spend limit. The hash key and the OAuth token MAC key
 * are derived (crypto_kdf) from a 32-byte node secret kept in `<data_dir>/apikey.secret`
 * (64 hex characters, mode 0600), created on first use.
 *
 * Thread-safe: every call uses its own LMDB transaction (MDB_NOTLS); the derived keys are
 * read-only after open. Secrets passed in are the caller's to wipe. Records read are kept
 * in a small table (256 slots, under a lock) for as long as the environment's last
 * committed transaction stays the same, so that checking a key usually takes no LMDB
 * transaction, and any change to the store, from any process, is seen at once. */
#ifndef RPC_APIKEYS_H
#define RPC_APIKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define RPC_APIKEY_ID_BYTES 8
#define RPC_APIKEY_SECRET_BYTES 32
/* "chr_" + 16 + "_" + 43, without the NUL. */
#define RPC_APIKEY_TEXT_LEN 64
/* A label is at most this many printable ASCII characters (0x20..0x7e). */
#define RPC_APIKEY_LABEL_MAX 64
/* A sponsor's key-file path: an absolute path as `chroomd apikey create` resolves it; 1024
 * bytes is deeper than any sensible data directory and keeps a record near 1 KiB. */
#define RPC_APIKEY_SPONSOR_PATH_MAX 1024
/* The key store's LMDB map: a record is under 128 bytes (1.2 KiB with a sponsor), so 16 MiB
 * holds ~100,000 keys, or ~10,000 bound to sponsors. */
#define RPC_APIKEYS_MAP_BYTES (16u * 1024 * 1024)
/* Concurrent readers of the key store: one per request being authenticated, in every
 * process that opens it; as many as the ledger store allows. */
#define RPC_APIKEYS_READERS_MAX 1024

/* Scope bits; the values of rpc_scope (rpc/internal/http.h). */
#define RPC_APIKEY_SCOPE_READ 1u
#define RPC_APIKEY_SCOPE_SUBMIT 2u
#define RPC_APIKEY_SCOPE_ADMIN 4u
/* POST /api/meetings/create, /end and /credits: meetings paid by the key's sponsor. */
#define RPC_APIKEY_SCOPE_MEETINGS 8u
#define RPC_APIKEY_SCOPES_ALL 15u
/* "read,submit,admin,meetings" with its NUL. */
#define RPC_APIKEY_SCOPES_TEXT_MAX 32

typedef enum rpc_tier {
    RPC_TIER_STANDARD = 0,
    RPC_TIER_PREMIUM = 1,
} rpc_tier;

typedef struct rpc_apikey {
    uint8_t id[RPC_APIKEY_ID_BYTES];
    uint8_t hash[32]; /* BLAKE2b-256 keyed with the hash key, over id || secret */
    rpc_tier tier;
    unsigned scopes; /* RPC_APIKEY_SCOPE_* bits, never 0 */
    char label[RPC_APIKEY_LABEL_MAX + 1];
    uint64_t created_unix_s;
    int revoked;
    /* The sponsor account it is bound to (has_sponsor): its public key, the path of the
     * secret-key file the node reads when it signs for the key (never the secret itself),
     * and the units of escrow and fees it may spend a UTC day of chain time (0: no limit). */
    int has_sponsor;
    uint8_t sponsor_pub[32];
    char sponsor_path[RPC_APIKEY_SPONSOR_PATH_MAX + 1];
    uint64_t spend_per_day;
} rpc_apikey;

/* A sponsor binding for rpc_apikeys_create: NULL for a key without one. */
typedef struct rpc_apikey_sponsor {
    uint8_t pub[32];
    const char *path; /* absolute, 1..RPC_APIKEY_SPONSOR_PATH_MAX bytes, printable ASCII */
    uint64_t spend_per_day;
} rpc_apikey_sponsor;

typedef struct rpc_apikeys rpc_apikeys;

/* Opens (creating when missing) data_dir, data_dir/apikeys/ and data_dir/apikey.secret.
 * CHR_ERR_IO when a directory or the secret file cannot be made or read, CHR_ERR_CONFIG
 * when the secret file is readable by others or malformed, CHR_ERR_STORE for an LMDB
 * failure, CHR_ERR_NOMEM; errmsg says which. */
CHR_WUR chr_err rpc_apikeys_open(rpc_apikeys **out, const char *data_dir, char *errmsg,
                                 size_t errmsg_cap);
/* Closes the store and wipes the derived keys; NULL is ignored. */
void rpc_apikeys_close(rpc_apikeys *k);

/* Creates a key with a fresh random id and secret and writes its record, bound to sponsor
 * when it is not NULL (the caller checked the file; the store keeps its path). key_text gets
 * the key as text with a NUL (shown once: the store cannot give it again); *out the
 * record. CHR_ERR_ARG for scopes 0 or outside RPC_APIKEY_SCOPES_ALL, a label that is
 * too long or not printable ASCII, a sponsor path that is not absolute, too long or not
 * printable ASCII, or a sponsor on a key without the meetings scope; CHR_ERR_MAP_FULL when
 * the store is full; CHR_ERR_STORE. */
CHR_WUR chr_err rpc_apikeys_create(rpc_apikeys *k, char key_text[RPC_APIKEY_TEXT_LEN + 1],
                                   rpc_apikey *out, rpc_tier tier, unsigned scopes,
                                   const char *label, const rpc_apikey_sponsor *sponsor,
                                   uint64_t now_unix_s);

/* The record of id. CHR_ERR_NOT_FOUND; CHR_ERR_STORE (also when the readers are all in
 * use: LMDB's MDB_READERS_FULL); *out is zeroed on failure. */
CHR_WUR chr_err rpc_apikeys_get(rpc_apikeys *k, rpc_apikey *out,
                                const uint8_t id[RPC_APIKEY_ID_BYTES]);

/* Checks a secret against the record of id, comparing keyed hashes in constant time. On
 * CHR_OK *out is the record (revoked or not: the caller decides). CHR_ERR_NOT_FOUND for an
 * unknown id or a wrong secret (the two are not told apart); CHR_ERR_STORE. */
CHR_WUR chr_err rpc_apikeys_check(rpc_apikeys *k, rpc_apikey *out,
                                  const uint8_t id[RPC_APIKEY_ID_BYTES],
                                  const uint8_t secret[RPC_APIKEY_SECRET_BYTES]);

/* Marks id revoked (again is fine). CHR_ERR_NOT_FOUND; CHR_ERR_STORE. */
CHR_WUR chr_err rpc_apikeys_revoke(rpc_apikeys *k, const uint8_t id[RPC_APIKEY_ID_BYTES]);

/* Every record, in id order: *out is malloc'ed (caller frees; NULL when there are none),
 * *out_len the count. CHR_ERR_NOMEM; CHR_ERR_STORE. */
CHR_WUR chr_err rpc_apikeys_list(rpc_apikeys *k, rpc_apikey **out, size_t *out_len);

/* The most bytes of one state blob (below): the rate-limit buckets of a whole table. */
#define RPC_APIKEYS_STATE_BYTES_MAX (1u << 20)

/* Writes the node's state blob `name` (at most 31 bytes), replacing the one before in one
 * write transaction. The store keeps such blobs beside the keys, outside the consensus
 * state; the node keeps its rate-limit buckets there across restarts (rpc/auth.c).
 * CHR_ERR_ARG for a name or blob over its limit, CHR_ERR_MAP_FULL, CHR_ERR_STORE. */
CHR_WUR chr_err rpc_apikeys_state_put(rpc_apikeys *k, const char *name, const uint8_t *data,
                                      size_t len);
/* Reads the state blob `name`: *out a malloc'ed copy (caller frees; NULL on failure) of
 * *out_len bytes. CHR_ERR_NOT_FOUND, CHR_ERR_ARG for a name over its limit, CHR_ERR_NOMEM,
 * CHR_ERR_STORE (also for a blob over RPC_APIKEYS_STATE_BYTES_MAX). */
CHR_WUR chr_err rpc_apikeys_state_get(rpc_apikeys *k, const char *name, uint8_t **out,
                                      size_t *out_len);

/* Spends cost from the daily allowance `name` (a state blob holding the UTC day of chain
 * time and what was spent that day; a new day starts from 0) in one write transaction, so
 * concurrent requests and processes count each spend once. limit 0 is no limit (the spend is
 * still counted). give_back returns cost to day's count instead (a refused transaction);
 * a day that has passed is left alone. CHR_ERR_SPEND_LIMIT (nothing taken) when the day's
 * spend plus cost is over limit; CHR_ERR_ARG for a bad name; CHR_ERR_MAP_FULL; CHR_ERR_STORE. */
CHR_WUR chr_err rpc_apikeys_spend(rpc_apikeys *k, const char *name, uint64_t day, uint64_t limit,
                                  uint64_t cost, int give_back);
/* The name of key id's daily allowance (rpc_apikeys_spend): "spend/" and its 16 hex digits. */
#define RPC_APIKEY_SPEND_NAME_MAX 24
void rpc_apikey_spend_name(char out[RPC_APIKEY_SPEND_NAME_MAX],
                           const uint8_t id[RPC_APIKEY_ID_BYTES]);

/* The 32-byte key that MACs OAuth access tokens (rpc/internal/oauth.h); lives as long as k. */
const uint8_t *rpc_apikeys_token_key(const rpc_apikeys *k);

/* Parses key text: exactly RPC_APIKEY_TEXT_LEN characters of the form above, canonical
 * (lowercase hex, base64url without padding and with zero trailing bits). CHR_ERR_ARG
 * otherwise; id and secret are zeroed on failure. */
CHR_WUR chr_err rpc_apikey_parse(uint8_t id[RPC_APIKEY_ID_BYTES],
                                 uint8_t secret[RPC_APIKEY_SECRET_BYTES], const char *text,
                                 size_t text_len);
/* Writes the key text of id and secret, with a NUL. */
void rpc_apikey_format(char out[RPC_APIKEY_TEXT_LEN + 1], const uint8_t id[RPC_APIKEY_ID_BYTES],
                       const uint8_t secret[RPC_APIKEY_SECRET_BYTES]);
/* Parses 16 lowercase hex digits of an id. CHR_ERR_ARG otherwise. */
CHR_WUR chr_err rpc_apikey_id_parse(uint8_t id[RPC_APIKEY_ID_BYTES], const char *text,
                                    size_t text_len);
/* The id as 16 lowercase hex digits and a NUL. */
void rpc_apikey_id_format(char out[2 * RPC_APIKEY_ID_BYTES + 1],
                          const uint8_t id[RPC_APIKEY_ID_BYTES]);

/* Parses scope names separated by sep (',' on the command line, ' ' in OAuth): "read",
 * "submit", "admin", "meetings", each at most once, none empty. CHR_ERR_ARG otherwise; *out is 0 on
 * failure. */
CHR_WUR chr_err rpc_scopes_parse(unsigned *out, const char *text, size_t text_len, char sep);
/* Writes the names of the bits of scopes in the order read, submit, admin, meetings, joined
 * by sep. */
void rpc_scopes_format(char out[RPC_APIKEY_SCOPES_TEXT_MAX], unsigned scopes, char sep);
/* "standard" or "premium". */
const char *rpc_tier_name(rpc_tier tier);

#endif
