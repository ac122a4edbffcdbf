#include "ledger/tx_types.h"

#include "ledger/media.h"
#include "ledger/meetings.h"
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
    {
        .type = LEDGER_TX_MEDIA_REGISTER,
        .name = "media-node-register",
        .body_encode = ledger_media_encode,
        .body_decode = ledger_media_decode,
        .check = ledger_media_check,
        .verify_keys = ledger_media_verify_keys,
        .apply = ledger_media_apply,
        .counterparty = ledger_media_counterparty,
        .accounts_changed_max = LEDGER_MEDIA_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_MEDIA_OBJECTS_MAX,
    },
    {
        .type = LEDGER_TX_MEDIA_UPDATE,
        .name = "media-node-update",
        .body_encode = ledger_media_encode,
        .body_decode = ledger_media_decode,
        .check = ledger_media_check,
        .verify_keys = ledger_media_verify_keys,
        .apply = ledger_media_apply,
        .counterparty = ledger_media_counterparty,
        .accounts_changed_max = LEDGER_MEDIA_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_MEDIA_OBJECTS_MAX,
    },
    {
        .type = LEDGER_TX_MEDIA_DEREGISTER,
        .name = "media-node-deregister",
        .body_encode = ledger_media_encode,
        .body_decode = ledger_media_decode,
        .check = ledger_media_check,
        .verify_keys = ledger_media_verify_keys,
        .apply = ledger_media_apply,
        .counterparty = ledger_media_counterparty,
        .accounts_changed_max = LEDGER_MEDIA_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_MEDIA_OBJECTS_MAX,
    },
    {
        .type = LEDGER_TX_MEETING_CREATE,
        .name = "meeting-create",
        .body_encode = ledger_meeting_tx_encode,
        .body_decode = ledger_meeting_tx_decode,
        .check = ledger_meeting_tx_check,
        .verify_keys = ledger_meeting_tx_verify_keys,
        .apply = ledger_meeting_tx_apply,
        .counterparty = ledger_meeting_tx_counterparty,
        .accounts_changed_max = LEDGER_MEETING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_MEETING_OBJECTS_MAX,
    },
    {
        .type = LEDGER_TX_MEETING_END,
        .name = "meeting-end",
        .body_encode = ledger_meeting_tx_encode,
        .body_decode = ledger_meeting_tx_decode,
        .check = ledger_meeting_tx_check,
        .verify_keys = ledger_meeting_tx_verify_keys,
        .apply = ledger_meeting_tx_apply,
        .counterparty = ledger_meeting_tx_counterparty,
        .accounts_changed_max = LEDGER_MEETING_END_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_MEETING_OBJECTS_MAX,
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
