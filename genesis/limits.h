/* Hard limits of the genesis module (genesis/genesis.h, chroom-genesis). Each bounds
 * something read from outside (a genesis file, a command line) or a message about it. */
#ifndef GENESIS_LIMITS_H
#define GENESIS_LIMITS_H

#include <stdint.h>

#include "ledger/limits.h"

/* The largest genesis file read: 1,000,000 accounts at ~110 bytes of JSON each. */
#define GENESIS_FILE_BYTES_MAX (128u * 1024 * 1024)
/* "YYYY-MM-DDTHH:MM:SS.mmmZ": the only form genesis_time_format writes. */
#define GENESIS_TIME_STR_LEN 24
/* 9999-12-31T23:59:59.999Z: RFC 3339 has four-digit years, so no later time is written. */
#define GENESIS_TIME_MS_MAX 253402300799999ULL
/* Genesis validators (stakes): as many as the largest set holds; more would be a typo. */
#define GENESIS_STAKES_MAX LEDGER_VALIDATORS_MAX
/* Room for a quoted piece of hostile input (a key, a token) inside an error message. */
#define GENESIS_QUOTE_MAX 48
/* Room for any message genesis_from_json writes (the longest is under 200 bytes). */
#define GENESIS_ERRMSG_MAX 256
/* Room for any message genesis_from_json or genesis_validate writes, with the file's path
 * in front (chroom-genesis). */
#define GENESIS_CLI_ERRMSG_MAX 512

/* genesis_to_json writes an account or a validator line of at most 118 bytes (a 62-character
 * address or 64 hex, a 20-digit amount) and under 400 bytes besides. */
_Static_assert((LEDGER_GENESIS_ACCOUNTS_MAX + LEDGER_VALIDATORS_MAX) * 118ULL + 400 <=
                   GENESIS_FILE_BYTES_MAX,
               "a genesis chroom-genesis writes can be read back");
_Static_assert(LEDGER_GENESIS_ACCOUNTS_MAX <= UINT32_MAX, "accounts count is encoded as u32");
_Static_assert(LEDGER_CHAIN_ID_MAX <= 255, "chain id is encoded with a u8 length");
_Static_assert(2 * GENESIS_QUOTE_MAX < GENESIS_ERRMSG_MAX, "a quoted piece fits a message");
_Static_assert(GENESIS_ERRMSG_MAX < GENESIS_CLI_ERRMSG_MAX, "the CLI's message holds a path too");

#endif
