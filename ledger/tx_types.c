#include "ledger/tx_types.h"

#include "ledger/tx_transfer.h"

static const ledger_tx_kind kinds[] = {
    {
        .type = LEDGER_TX_TRANSFER,
        .name = "transfer",
        .body_encode = ledger_transfer_encode,
        .body_decode = ledger_transfer_decode,
        .check = ledger_transfer_check,
        .verify_keys = ledger_transfer_verify_keys,
        .apply = ledger_transfer_apply,
        .counterparty = ledger_transfer_counterparty,
        .accounts_changed_max = LEDGER_TRANSFER_ACCOUNTS_MAX,
        .objects_changed_max = 0,
    },
};

const ledger_tx_kind *ledger_tx_kind_of(uint8_t type)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i].type == type) {
            return &kinds[i];
        }
    }
    return NULL;
}

size_t ledger_tx_accounts_changed_max(void)
{
    size_t most = 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        most = kinds[i].accounts_changed_max > most ? kinds[i].accounts_changed_max : most;
    }
    return most;
}

size_t ledger_tx_objects_changed_max(void)
{
    size_t most = 0;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        most = kinds[i].objects_changed_max > most ? kinds[i].objects_changed_max : most;
    }
    return most;
}
