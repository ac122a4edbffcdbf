#include "ledger/tx_types.h"

#include "common/assert.h"

#include "ledger/distribution.h"
#include "ledger/gov.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/settle.h"
#include "ledger/staking.h"
#include "ledger/tx_gov.h"
#include "ledger/tx_staking.h"
#include "ledger/tx_transfer.h"

/* A settle of every person of a meeting and a meeting-create of 128 people change objects in
 * proportion to their bytes (a claim record per claim, a list chunk per ~450 bytes of IDs):
 * their rows count the fixed part, and the block's object table adds one object per
 * LEDGER_TX_BYTES_PER_OBJECT of the block (ledger/chain.c), so it grows with neither. */
_Static_assert(LEDGER_SETTLE_OBJECTS_BASE + 1 <= LEDGER_STAKING_OBJECTS_MAX +
                                                     LEDGER_DISTRIBUTION_TX_OBJECTS,
               "a meeting-settle's fixed objects are within the largest type's");
_Static_assert(LEDGER_TX_BYTES_PER_OBJECT <= LEDGER_CLAIM_BYTES_MIN,
               "each claim past the first brings the bytes of its object");
_Static_assert(LEDGER_TX_BYTES_PER_OBJECT <= LEDGER_OBJECT_VALUE_MAX - 1 -
                                                 (1 + LEDGER_MEETING_ID_STR_MAX),
               "each participant chunk past the first brings the bytes of its object");

static uint64_t spend_transfer(const ledger_tx *tx)
{
    return tx->body.transfer.amount;
}

static uint64_t spend_create(const ledger_tx *tx)
{
    return tx->body.create_validator.amount;
}

static uint64_t spend_stake(const ledger_tx *tx)
{
    return tx->body.stake.amount;
}

/* A media node's bond is locked from the operator's balance (ledger/media.h). */
static uint64_t spend_media(const ledger_tx *tx)
{
    return tx->type == LEDGER_TX_MEDIA_REGISTER ? tx->body.media.bond : 0;
}

static uint64_t spend_none(const ledger_tx *tx)
{
    (void)tx;
    return 0;
}

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
        .spend = spend_transfer,
        .accounts_changed_max = LEDGER_TRANSFER_ACCOUNTS_MAX,
        .objects_changed_max = 0,
    },
    {
        .type = LEDGER_TX_CREATE_VALIDATOR,
        .name = "create_validator",
        .body_encode = ledger_create_validator_encode,
        .body_decode = ledger_create_validator_decode,
        .check = ledger_create_validator_check,
        .verify_keys = ledger_create_validator_verify_keys,
        .apply = ledger_create_validator_apply,
        .counterparty = ledger_staking_no_counterparty,
        .spend = spend_create,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
    },
    {
        .type = LEDGER_TX_EDIT_VALIDATOR,
        .name = "edit_validator",
        .body_encode = ledger_edit_validator_encode,
        .body_decode = ledger_edit_validator_decode,
        .check = ledger_edit_validator_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_edit_validator_apply,
        .counterparty = ledger_staking_no_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
    },
    {
        .type = LEDGER_TX_DELEGATE,
        .name = "delegate",
        .body_encode = ledger_stake_encode,
        .body_decode = ledger_stake_decode,
        .check = ledger_stake_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_delegate_apply,
        .counterparty = ledger_stake_counterparty,
        .spend = spend_stake,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
    },
    {
        .type = LEDGER_TX_UNDELEGATE,
        .name = "undelegate",
        .body_encode = ledger_stake_encode,
        .body_decode = ledger_stake_decode,
        .check = ledger_stake_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_undelegate_apply,
        .counterparty = ledger_stake_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
    },
    {
        .type = LEDGER_TX_REDELEGATE,
        .name = "redelegate",
        .body_encode = ledger_redelegate_encode,
        .body_decode = ledger_redelegate_decode,
        .check = ledger_redelegate_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_redelegate_apply,
        .counterparty = ledger_redelegate_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
    },
    {
        .type = LEDGER_TX_WITHDRAW_REWARDS,
        .name = "withdraw_rewards",
        .body_encode = ledger_withdraw_encode,
        .body_decode = ledger_withdraw_decode,
        .check = ledger_staking_fee_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_withdraw_apply,
        .counterparty = ledger_withdraw_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
    },
    {
        .type = LEDGER_TX_UNJAIL,
        .name = "unjail",
        .body_encode = ledger_unjail_encode,
        .body_decode = ledger_unjail_decode,
        .check = ledger_staking_fee_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_unjail_apply,
        .counterparty = ledger_staking_no_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_STAKING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_STAKING_OBJECTS_MAX + LEDGER_DISTRIBUTION_TX_OBJECTS,
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
        .spend = spend_media,
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
        .spend = spend_media,
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
        .spend = spend_media,
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
        .spend = spend_none,
        .accounts_changed_max = LEDGER_MEETING_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_MEETING_OBJECTS_BASE + 1, /* + chunks past the first */
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
        .spend = spend_none,
        .accounts_changed_max = LEDGER_MEETING_END_ACCOUNTS_MAX,
        .objects_changed_max = 3, /* the load entry, the record, the totals */
    },
    {
        .type = LEDGER_TX_MEETING_SETTLE,
        .name = "meeting-settle",
        .body_encode = ledger_settle_tx_encode,
        .body_decode = ledger_settle_tx_decode,
        .check = ledger_settle_tx_check,
        .verify_keys = ledger_settle_tx_verify_keys,
        .apply = ledger_settle_tx_apply,
        .counterparty = ledger_settle_tx_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_SETTLE_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_SETTLE_OBJECTS_BASE, /* + claims past the first */
    },
    {
        .type = LEDGER_TX_MEETING_DISPUTE,
        .name = "meeting-dispute",
        .body_encode = ledger_settle_tx_encode,
        .body_decode = ledger_settle_tx_decode,
        .check = ledger_settle_tx_check,
        .verify_keys = ledger_settle_tx_verify_keys,
        .apply = ledger_settle_tx_apply,
        .counterparty = ledger_settle_tx_counterparty,
        .spend = spend_none,
        .accounts_changed_max = LEDGER_SETTLE_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_SETTLE_OBJECTS_BASE, /* + claims past the first */
    },
    {
        .type = LEDGER_TX_GOV_SUBMIT,
        .name = "submit-proposal",
        .body_encode = ledger_gov_tx_encode,
        .body_decode = ledger_gov_tx_decode,
        .check = ledger_gov_tx_check,
        .verify_keys = ledger_gov_tx_verify_keys,
        .apply = ledger_gov_tx_apply,
        .counterparty = ledger_staking_no_counterparty,
        .spend = ledger_gov_tx_spend,
        .accounts_changed_max = LEDGER_GOV_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_GOV_OBJECTS_MAX,
    },
    {
        .type = LEDGER_TX_GOV_DEPOSIT,
        .name = "deposit",
        .body_encode = ledger_gov_tx_encode,
        .body_decode = ledger_gov_tx_decode,
        .check = ledger_gov_tx_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_gov_tx_apply,
        .counterparty = ledger_staking_no_counterparty,
        .spend = ledger_gov_tx_spend,
        .accounts_changed_max = LEDGER_GOV_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_GOV_OBJECTS_MAX,
    },
    {
        .type = LEDGER_TX_GOV_VOTE,
        .name = "vote",
        .body_encode = ledger_gov_tx_encode,
        .body_decode = ledger_gov_tx_decode,
        .check = ledger_gov_tx_check,
        .verify_keys = ledger_staking_no_keys,
        .apply = ledger_gov_tx_apply,
        .counterparty = ledger_staking_no_counterparty,
        .spend = ledger_gov_tx_spend,
        .accounts_changed_max = LEDGER_GOV_ACCOUNTS_MAX,
        .objects_changed_max = LEDGER_GOV_OBJECTS_MAX,
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

uint64_t ledger_tx_spend(const ledger_tx *tx)
{
    const ledger_tx_kind *kind = ledger_tx_kind_of(tx->type);
    CHR_ASSERT(kind != NULL);
    return kind->spend(tx);
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
