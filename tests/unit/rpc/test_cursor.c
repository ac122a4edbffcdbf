#include <string.h>

#include "rpc/internal/list.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

/* Proves key cursors: every key length from 0 to the maximum round-trips through its
 * string (whole base64url groups, at most RPC_KEY_CURSOR_STR_MAX characters), and a cursor
 * of another list, a changed character, a cut or lengthened string and a
 * plain (height, index) cursor are all refused with the key length left 0. */
void test_key_cursor_round_trip_and_tamper(void)
{
    uint8_t key[RPC_KEY_CURSOR_KEY_MAX];
    uint8_t back[RPC_KEY_CURSOR_KEY_MAX];
    size_t back_len;
    char s[RPC_KEY_CURSOR_STR_MAX + 1];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(i * 37 + 11);
    }
    for (size_t len = 0; len <= RPC_KEY_CURSOR_KEY_MAX; len++) {
        rpc_key_cursor_encode(s, RPC_CURSOR_ACCOUNT_DELEGATIONS, key, len);
        CHECK(strlen(s) % 4 == 0 && strlen(s) <= RPC_KEY_CURSOR_STR_MAX);
        CHECK_OK(
            rpc_key_cursor_decode(RPC_CURSOR_ACCOUNT_DELEGATIONS, s, strlen(s), back, &back_len));
        CHECK(back_len == len && memcmp(back, key, len) == 0);
        CHECK(rpc_key_cursor_decode(RPC_CURSOR_ACCOUNT_UNBONDINGS, s, strlen(s), back, &back_len) ==
                  CHR_ERR_ARG &&
              back_len == 0);
    }
    rpc_key_cursor_encode(s, RPC_CURSOR_STAKING_VALIDATORS, key, 32);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        char t[RPC_KEY_CURSOR_STR_MAX + 1];
        memcpy(t, s, n + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        CHECK(rpc_key_cursor_decode(RPC_CURSOR_STAKING_VALIDATORS, t, n, back, &back_len) ==
              CHR_ERR_ARG);
    }
    CHECK(rpc_key_cursor_decode(RPC_CURSOR_STAKING_VALIDATORS, s, n - 4, back, &back_len) ==
          CHR_ERR_ARG);
    char longer[RPC_KEY_CURSOR_STR_MAX + 8];
    memcpy(longer, s, n);
    memcpy(longer + n, "AAAA", 5);
    CHECK(rpc_key_cursor_decode(RPC_CURSOR_STAKING_VALIDATORS, longer, n + 4, back, &back_len) ==
          CHR_ERR_ARG);
    char plain[RPC_CURSOR_STR_LEN + 1];
    rpc_cursor c = {RPC_CURSOR_STAKING_VALIDATORS, 1, 2};
    rpc_cursor_encode(plain, &c);
    CHECK(rpc_key_cursor_decode(RPC_CURSOR_STAKING_VALIDATORS, plain, strlen(plain), back,
                                &back_len) == CHR_ERR_ARG);
    CHECK(rpc_key_cursor_decode(RPC_CURSOR_STAKING_VALIDATORS, "", 0, back, &back_len) ==
          CHR_ERR_ARG);
}
