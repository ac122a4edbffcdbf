/* Fuzzes the list cursor decoder (rpc/internal/list.h): no input may crash it
 * or reach undefined behaviour; a cursor it accepts is of exactly one kind and
 * encodes back to the very same characters (one string per position); and any
 * position, encoded, decodes back to itself. The same for key cursors (the staking
 * lists'). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/enc.h"
#include "common/hash.h"
#include "rpc/internal/list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const rpc_cursor_kind kinds[] = {RPC_CURSOR_ACCOUNT_TXS, RPC_CURSOR_BLOCKS,
                                        RPC_CURSOR_BLOCK_TXS, RPC_CURSOR_VALIDATORS};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

static void check_decode(const uint8_t *data, size_t size)
{
    static const rpc_cursor zero;
    size_t accepted = 0;
    for (size_t k = 0; k < KINDS; k++) {
        rpc_cursor c;
        if (rpc_cursor_decode(&c, kinds[k], (const char *)data, size) != CHR_OK) {
            if (memcmp(&c, &zero, sizeof(c)) != 0) {
                abort();
            }
            continue;
        }
        accepted++;
        char s[RPC_CURSOR_STR_LEN + 1];
        rpc_cursor_encode(s, &c);
        if (c.kind != kinds[k] || size != RPC_CURSOR_STR_LEN || memcmp(s, data, size) != 0) {
            abort();
        }
    }
    if (accepted > 1) {
        abort();
    }
}

/* A key cursor accepted for a kind encodes back to the same characters. */
static void check_key_decode(const uint8_t *data, size_t size)
{
    static const rpc_cursor_kind key_kinds[] = {
        RPC_CURSOR_STAKING_VALIDATORS, RPC_CURSOR_VALIDATOR_DELEGATIONS,
        RPC_CURSOR_ACCOUNT_DELEGATIONS, RPC_CURSOR_ACCOUNT_UNBONDINGS,
        RPC_CURSOR_ACCOUNT_REDELEGATIONS};
    for (size_t k = 0; k < sizeof(key_kinds) / sizeof(key_kinds[0]); k++) {
        uint8_t key[RPC_KEY_CURSOR_KEY_MAX];
        size_t len;
        if (rpc_key_cursor_decode(key_kinds[k], (const char *)data, size, key, &len) != CHR_OK) {
            if (len != 0) {
                abort();
            }
            continue;
        }
        char s[RPC_KEY_CURSOR_STR_MAX + 1];
        rpc_key_cursor_encode(s, key_kinds[k], key, len);
        if (strlen(s) != size || memcmp(s, data, size) != 0) {
            abort();
        }
    }
}

/* The input's first 13 bytes as a position: encode, decode, compare. */
static void check_round_trip(const uint8_t *data, size_t size)
{
    if (size < 13) {
        return;
    }
    rpc_cursor c = {kinds[data[12] % KINDS], chr_get_u64be(data), chr_get_u32be(data + 8)};
    rpc_cursor back;
    char s[RPC_CURSOR_STR_LEN + 1];
    rpc_cursor_encode(s, &c);
    if (rpc_cursor_decode(&back, c.kind, s, strlen(s)) != CHR_OK || back.kind != c.kind ||
        back.height != c.height || back.index != c.index) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int started;
    if (!started) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        started = 1;
    }
    check_decode(data, size);
    check_key_decode(data, size);
    check_round_trip(data, size);
    return 0;
}
