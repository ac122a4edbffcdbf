/* Pagination of the REST lists (docs/API.md, "Lists"): the `limit` query
 * parameter and the opaque `cursor` that continues a list where its last page
 * ended. Private to rpc/.
 *
 * A cursor is the unpadded base64url (RFC 4648 section 5) of 18 bytes:
 *   u8 version = 1 | u8 kind | u64 height | u32 index | 4-byte check
 * where the check is the first four bytes of tagged_hash("CHROOM/cursor", the
 * 14 bytes before it). It names a position, never a secret: the check only
 * makes an edited or truncated cursor a 400 instead of a silent jump to another
 * place in the list. The kind keeps a cursor of one list from being used on
 * another. Thread-safe, no allocation. */
#ifndef RPC_INTERNAL_LIST_H
#define RPC_INTERNAL_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/state.h"
#include "rpc/internal/http.h"

#define RPC_CURSOR_VERSION 1
#define RPC_CURSOR_BYTES 18
/* Unpadded base64url of RPC_CURSOR_BYTES: 4 characters per 3 bytes. */
#define RPC_CURSOR_STR_LEN 24

_Static_assert(RPC_CURSOR_BYTES % 3 == 0, "a cursor's base64url has no partial group");
_Static_assert(RPC_CURSOR_STR_LEN == RPC_CURSOR_BYTES / 3 * 4, "cursor string length");

typedef enum rpc_cursor_kind {
    RPC_CURSOR_ACCOUNT_TXS = 'a', /* entries strictly older than (height, index) */
    RPC_CURSOR_BLOCKS = 'b',      /* blocks at or below height, index 0 */
    RPC_CURSOR_BLOCK_TXS = 't',   /* the block at height, from index on */
    RPC_CURSOR_VALIDATORS = 'v',  /* validators whose key's first 12 bytes are above
                                   * height (bytes 0-7) and index (bytes 8-11), big-endian */
    RPC_CURSOR_EVIDENCE = 'e',    /* evidence strictly before (height, index) of the chain */
    RPC_CURSOR_MEDIA_NODES = 'm', /* media nodes whose key's first 12 bytes are above
                                   * (height, index), as for validators */
    RPC_CURSOR_MEETINGS = 'g',    /* meetings whose 12-byte id is above (height, index) */
    /* Key cursors (below): the state objects strictly after the key, in key order. */
    RPC_CURSOR_STAKING_VALIDATORS = 'V',    /* validators, by operator */
    RPC_CURSOR_VALIDATOR_DELEGATIONS = 'D', /* delegations (any), filtered by validator */
    RPC_CURSOR_ACCOUNT_DELEGATIONS = 'd',   /* the account's delegations */
    RPC_CURSOR_ACCOUNT_UNBONDINGS = 'u',    /* unbonding entries, filtered by delegator */
    RPC_CURSOR_ACCOUNT_REDELEGATIONS = 'r', /* redelegation entries, filtered by delegator */
    RPC_CURSOR_PROPOSALS = 'p',             /* proposals whose id is above height */
    RPC_CURSOR_VOTES = 'o',                 /* votes whose voter's first 12 bytes are above
                                             * (height, index), as for validators */
} rpc_cursor_kind;

typedef struct rpc_cursor {
    rpc_cursor_kind kind;
    uint64_t height;
    uint32_t index;
} rpc_cursor;

/* Writes c's string (RPC_CURSOR_STR_LEN characters and a NUL) into out. */
void rpc_cursor_encode(char out[RPC_CURSOR_STR_LEN + 1], const rpc_cursor *c);

/* Decodes a cursor string of s_len bytes that must be of `kind`. CHR_ERR_ARG
 * for anything else: a wrong length, a character outside base64url, non-zero
 * padding bits, an unknown version, another kind, or a check that does not
 * match. *out is zeroed on failure. */
CHR_WUR chr_err rpc_cursor_decode(rpc_cursor *out, rpc_cursor_kind kind, const char *s,
                                  size_t s_len);

/* A key cursor, for lists of state objects in natural-key order: the unpadded base64url of
 *   u8 version = 2 | u8 kind | u8 key_len | key | zero bytes | 4-byte check
 * with as many zero bytes (0 to 2) as make the whole a multiple of 3 bytes, the check being
 * the first four bytes of tagged_hash("CHROOM/cursor", the bytes before it). It names the
 * natural key a page ended at (the last object read, shown or not); the next page starts
 * strictly after it, so objects added or removed meanwhile never shift the list. */
#define RPC_KEY_CURSOR_VERSION 2
#define RPC_KEY_CURSOR_KEY_MAX LEDGER_STATE_NATURAL_KEY_MAX
#define RPC_KEY_CURSOR_BYTES_MAX (3 + RPC_KEY_CURSOR_KEY_MAX + 2 + 4)
#define RPC_KEY_CURSOR_STR_MAX (RPC_KEY_CURSOR_BYTES_MAX / 3 * 4)

_Static_assert(RPC_KEY_CURSOR_KEY_MAX <= 255, "a key cursor's key length is a u8");
_Static_assert(RPC_KEY_CURSOR_BYTES_MAX % 3 == 0, "the longest key cursor is whole groups");

/* Writes the key cursor of kind naming key (key_len <= RPC_KEY_CURSOR_KEY_MAX, asserted). */
void rpc_key_cursor_encode(char out[RPC_KEY_CURSOR_STR_MAX + 1], rpc_cursor_kind kind,
                           const uint8_t *key, size_t key_len);
/* Decodes a key cursor of `kind`: CHR_ERR_ARG for anything else (length, characters, version,
 * kind, key length, padding, check); *key_len 0 then. */
CHR_WUR chr_err rpc_key_cursor_decode(rpc_cursor_kind kind, const char *s, size_t s_len,
                                      uint8_t key[RPC_KEY_CURSOR_KEY_MAX], size_t *key_len);
/* rpc_list_params for a list with key cursors. */
int rpc_key_list_params(rpc_ctx *x, rpc_reply *r, rpc_cursor_kind kind, size_t *limit,
                        uint8_t key[RPC_KEY_CURSOR_KEY_MAX], size_t *key_len, int *has_cursor);

/* Reads ?limit= (1..RPC_LIST_LIMIT_MAX, RPC_LIST_LIMIT_DEFAULT when absent) and
 * ?cursor= of `kind` (*has_cursor 0 when absent). 0 and a 400 reply naming the
 * field otherwise: invalid_argument for the limit, invalid_cursor for the
 * cursor. */
int rpc_list_params(rpc_ctx *x, rpc_reply *r, rpc_cursor_kind kind, size_t *limit,
                    rpc_cursor *cursor, int *has_cursor);

#endif
