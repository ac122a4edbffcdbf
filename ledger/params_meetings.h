/* The parameters of the media tier and meetings (docs/PROTOCOL.md, "Meeting parameters"):
 * kept apart from ledger_params so the governance issue can change them as one state
 * object. They live under the state root as the object of kind LEDGER_STATE_MEETING_PARAMS
 * with the empty natural key; a chain without that object uses the defaults.
 *
 * Deterministic core; thread-safe (no state of its own). */
#ifndef LEDGER_PARAMS_MEETINGS_H
#define LEDGER_PARAMS_MEETINGS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/objects.h"

typedef struct ledger_meeting_params {
    uint64_t price_per_participant_minute; /* units escrowed per participant-minute */
    uint64_t media_node_min_bond;          /* the least bond a media node locks */
    uint64_t unbonding_ms;                 /* from deregistration to the bond's release */
    uint64_t grace_ms;                     /* after a meeting's end until it expires */
} ledger_meeting_params;

/* The encoding's length: four u64. */
#define LEDGER_MEETING_PARAMS_BYTES 32

/* Legal ranges (ledger_meeting_params_check). */
#define LEDGER_MEETING_PRICE_MAX 1000000000ull        /* 1,000 CHR a participant-minute */
#define LEDGER_MEDIA_MIN_BOND_MAX 1000000000000000ull /* a billion CHR */
#define LEDGER_UNBONDING_MS_MAX (90ull * 24 * 3600 * 1000)
#define LEDGER_GRACE_MS_MAX (24ull * 3600 * 1000)

/* The defaults: 100 units (0.0001 CHR) a participant-minute, a 1,000 CHR bond, 7 days of
 * unbonding, 15 minutes of grace. */
void ledger_meeting_params_default(ledger_meeting_params *out);

/* CHR_ERR_ARG when a value is outside its range (a zero bond, or over a maximum above);
 * *field names the first bad one, "" when valid. */
CHR_WUR chr_err ledger_meeting_params_check(const ledger_meeting_params *p, const char **field);

/* Canonical encoding: u64 price, u64 min bond, u64 unbonding_ms, u64 grace_ms. Decoding
 * rejects a wrong length (CHR_ERR_TRUNCATED, CHR_ERR_TRAILING) and values out of range
 * (CHR_ERR_ARG); *out zeroed on failure. */
void ledger_meeting_params_encode(uint8_t out[LEDGER_MEETING_PARAMS_BYTES],
                                  const ledger_meeting_params *p);
CHR_WUR chr_err ledger_meeting_params_decode(ledger_meeting_params *out, const uint8_t *in,
                                             size_t in_len);

/* The parameters as the table sees them: the state object, or the defaults when absent.
 * The load callback's error; a stored object that does not decode is a broken invariant
 * (only a checked encoding is ever written). */
CHR_WUR chr_err ledger_meeting_params_get(ledger_objects *t, ledger_meeting_params *out);

#endif
