/* The bodies of the validator transactions (ledger/tx_staking.h), apart from ledger/staking.h
 * so that ledger/tx.h can hold them without the object layer. Plain data; thread-safe. */
#ifndef LEDGER_STAKING_TYPES_H
#define LEDGER_STAKING_TYPES_H

#include <stdint.h>

#include "ledger/limits.h"

typedef struct ledger_staking_create {
    uint8_t consensus_key[32];
    uint32_t commission_ppm;
    uint32_t commission_max_ppm;
    uint32_t commission_change_max_ppm;
    uint64_t min_self_bond;
    uint64_t amount; /* the self-bond */
    uint8_t moniker_len;
    uint8_t website_len;
    uint8_t details_len;
    char moniker[LEDGER_MONIKER_MAX];
    char website[LEDGER_WEBSITE_MAX];
    char details[LEDGER_DETAILS_MAX];
} ledger_staking_create;

/* Bits of ledger_staking_edit.mask: the fields an edit changes. */
#define LEDGER_EDIT_COMMISSION 0x01u
#define LEDGER_EDIT_MIN_SELF_BOND 0x02u
#define LEDGER_EDIT_MONIKER 0x04u
#define LEDGER_EDIT_WEBSITE 0x08u
#define LEDGER_EDIT_DETAILS 0x10u
#define LEDGER_EDIT_ALL 0x1fu

typedef struct ledger_staking_edit {
    uint8_t mask;
    uint32_t commission_ppm;
    uint64_t min_self_bond;
    uint8_t moniker_len;
    uint8_t website_len;
    uint8_t details_len;
    char moniker[LEDGER_MONIKER_MAX];
    char website[LEDGER_WEBSITE_MAX];
    char details[LEDGER_DETAILS_MAX];
} ledger_staking_edit;

#endif
