/* The parameters governance changes (docs/PROTOCOL.md, "Governance parameters" and
 * "Parameters as state"): the chain's (ledger/params.h), the meetings' (ledger/
 * params_meetings.h) and governance's own, each a state object under the state root.
 *
 * The chain's parameters are the object of kind LEDGER_STATE_CHAIN_PARAMS (empty natural
 * key); while it is absent they are the genesis ones. Governance's are the object of kind
 * LEDGER_STATE_GOV_PARAMS, the defaults while absent. A passed parameter-change proposal
 * writes them; a block reads them as its previous block left them.
 *
 * Deterministic core; thread-safe (no state of its own). */
#ifndef LEDGER_GOV_PARAMS_H
#define LEDGER_GOV_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/params_meetings.h"

typedef struct ledger_gov_params {
    uint64_t min_deposit;                /* total deposit that opens the vote */
    uint64_t expedited_min_deposit;      /* the same for an expedited proposal */
    uint64_t deposit_period_ms;          /* from submission to being dropped */
    uint64_t voting_period_ms;           /* a normal vote's length */
    uint64_t expedited_voting_period_ms; /* an expedited vote's, below voting_period_ms */
    uint64_t quorum_ppm;                 /* of the bonded stake, the least that must vote */
    uint64_t threshold_ppm;              /* of yes + no + veto, yes must be more than this */
    uint64_t expedited_threshold_ppm;    /* the same when expedited, at least threshold_ppm */
    uint64_t veto_ppm;                   /* of every vote, veto above this vetoes (and burns) */
    uint64_t burn_dropped;               /* 1: a dropped proposal's deposits are burned */
    uint64_t burn_no_quorum;             /* 1: a vote without quorum burns the deposits */
} ledger_gov_params;

/* The encoding: the eleven fields as u64 in the struct's order. */
#define LEDGER_GOV_PARAMS_BYTES (11 * 8)

/* The defaults: 10 CHR to open a vote (50 expedited), two days of deposits, two days of
 * voting (one expedited), quorum 33.4%, threshold 50% (66.7% expedited), veto 33.4%,
 * deposits refunded when dropped or without quorum. */
void ledger_gov_params_default(ledger_gov_params *out);
/* CHR_ERR_PARAM_RANGE when a field is outside its range (the table in gov_params.c) or
 * the expedited ones are not stricter; *field names the first bad one, "" when valid. */
CHR_WUR chr_err ledger_gov_params_check(const ledger_gov_params *p, const char **field);
void ledger_gov_params_encode(uint8_t out[LEDGER_GOV_PARAMS_BYTES], const ledger_gov_params *p);
/* CHR_ERR_TRUNCATED, CHR_ERR_TRAILING, CHR_ERR_PARAM_RANGE; *out zeroed on failure. */
CHR_WUR chr_err ledger_gov_params_decode(ledger_gov_params *out, const uint8_t *in, size_t in_len);
/* The object, or the defaults when absent. The load's error; a stored value that does not
 * decode is a broken invariant (only checked values are written). */
CHR_WUR chr_err ledger_gov_params_get(ledger_objects *t, ledger_gov_params *out);

/* Governance's fields in the encoding's order, for the JSON of a genesis's "gov_params":
 * the name of field i (NULL from LEDGER_GOV_PARAMS_BYTES / 8 on), its value in p, and
 * setting it in p (i below LEDGER_GOV_PARAMS_BYTES / 8; no range check). */
const char *ledger_gov_params_name(size_t i);
uint64_t ledger_gov_params_value(const ledger_gov_params *p, size_t i);
void ledger_gov_params_set(ledger_gov_params *p, size_t i, uint64_t value);

/* The chain's parameters as t sees them: the object, or *genesis when absent. */
CHR_WUR chr_err ledger_chain_params_get(ledger_objects *t, const ledger_params *genesis,
                                        ledger_params *out);

/* Every parameter a proposal may change, in its three groups. */
typedef struct ledger_gov_param_set {
    ledger_params chain;
    ledger_meeting_params meetings;
    ledger_gov_params gov;
} ledger_gov_param_set;

/* All three as t sees them (the chain's defaulting to *genesis). The load's error. */
CHR_WUR chr_err ledger_gov_param_set_get(ledger_objects *t, const ledger_params *genesis,
                                         ledger_gov_param_set *out);
/* Sets the parameter named name (len bytes) to value: CHR_ERR_PARAM_RANGE for a name no
 * group has, or a value too wide for its field (the ranges are the groups' checks). */
CHR_WUR chr_err ledger_gov_param_assign(ledger_gov_param_set *s, const char *name, size_t len,
                                        uint64_t value);
/* Every group's range check (the chain's: ledger_params_check_change): CHR_ERR_PARAM_RANGE,
 * *field the first bad field. */
CHR_WUR chr_err ledger_gov_param_set_check(const ledger_gov_param_set *s, const char **field);
/* Writes the groups that differ from before into t: CHR_ERR_FULL (nothing written) when
 * t lacks room for three objects. */
CHR_WUR chr_err ledger_gov_param_set_put(ledger_objects *t, const ledger_gov_param_set *before,
                                         const ledger_gov_param_set *after);

#endif
