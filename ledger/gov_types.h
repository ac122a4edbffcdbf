/* The bodies of the governance transactions (ledger/tx_gov.h): plain data, kept apart so
 * that ledger/tx.h can hold them in its union without the governance rules. */
#ifndef LEDGER_GOV_TYPES_H
#define LEDGER_GOV_TYPES_H

#include <stdint.h>

#include "ledger/limits.h"

typedef enum ledger_gov_kind {
    LEDGER_GOV_TEXT = 1,
    LEDGER_GOV_PARAMS = 2,
    LEDGER_GOV_SPEND = 3,
    LEDGER_GOV_UPGRADE = 4,
    LEDGER_GOV_CANCEL_UPGRADE = 5,
} ledger_gov_kind;

typedef enum ledger_gov_option {
    LEDGER_GOV_YES = 1,
    LEDGER_GOV_ABSTAIN = 2,
    LEDGER_GOV_NO = 3,
    LEDGER_GOV_VETO = 4,
} ledger_gov_option;

/* One parameter set to value (names: ledger/gov_params.h). */
typedef struct ledger_gov_change {
    uint8_t name_len;
    char name[LEDGER_GOV_PARAM_NAME_MAX];
    uint64_t value;
} ledger_gov_change;

/* What a proposal proposes; the fields of other kinds are zero or empty. */
typedef struct ledger_gov_content {
    uint8_t kind;      /* ledger_gov_kind */
    uint8_t expedited; /* 0 or 1 */
    uint8_t title_len;
    uint8_t title[LEDGER_GOV_TITLE_MAX]; /* UTF-8 */
    uint8_t changes_len;                 /* params */
    ledger_gov_change changes[LEDGER_GOV_CHANGES_MAX];
    uint8_t recipient[32]; /* spend */
    uint64_t amount;       /* spend */
    uint8_t upgrade_name_len;
    char upgrade_name[LEDGER_GOV_UPGRADE_NAME_MAX]; /* upgrade */
    uint64_t upgrade_height;                        /* upgrade */
} ledger_gov_content;

/* The largest encoded content: kind, expedited, title, the changes, then the longest
 * kind-specific part (an upgrade's name and height are shorter than the changes). */
#define LEDGER_GOV_CONTENT_BYTES_MAX                                                               \
    (2 + 1 + LEDGER_GOV_TITLE_MAX + 1 +                                                            \
     LEDGER_GOV_CHANGES_MAX * (1 + LEDGER_GOV_PARAM_NAME_MAX + 8))

typedef struct ledger_gov_submit_body {
    ledger_gov_content content;
    uint64_t deposit; /* the proposer's initial deposit, may be 0 */
} ledger_gov_submit_body;

typedef struct ledger_gov_deposit_body {
    uint64_t id;
    uint64_t amount;
} ledger_gov_deposit_body;

typedef struct ledger_gov_vote_body {
    uint64_t id;
    uint8_t option; /* ledger_gov_option */
} ledger_gov_vote_body;

#endif
