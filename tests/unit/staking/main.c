#include "tests/unit/staking/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"tx_vectors", test_tx_vectors},
    {"tx_decode_rejects", test_tx_decode_rejects},
    {"tx_checks", test_tx_checks},
    {"params_ranges", test_params_ranges},
    {"object_encodings", test_object_encodings},
    {"create_validator_rules", test_create_validator_rules},
    {"delegate_undelegate_rules", test_delegate_undelegate_rules},
    {"unbonding_matures_exactly", test_unbonding_matures_exactly},
    {"redelegate_no_hopping", test_redelegate_no_hopping},
    {"edit_validator_rules", test_edit_validator_rules},
    {"active_set_by_stake", test_active_set_by_stake},
    {"rewards_split_exact", test_rewards_split_exact},
    {"rewards_withdraw_and_settle", test_rewards_withdraw_and_settle},
    {"rewards_unbonded_signer", test_rewards_unbonded_signer},
    {"rewards_protocol_share", test_rewards_protocol_share},
    {"withdraw_rejections", test_withdraw_rejections},
    {"slashing_downtime_and_unjail", test_slashing_downtime_and_unjail},
    {"unjail_needs_self_bond", test_unjail_needs_self_bond},
    {"slashing_double_sign", test_slashing_double_sign},
    {"slash_record_decode", test_slash_record_decode},
    {"econ_simulator", test_econ_simulator},
};

CHR_TESTS_MAIN("staking", tests)
