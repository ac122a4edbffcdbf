#include "tests/unit/gov/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"tx_vectors", test_tx_vectors},
    {"tx_decode_rejects", test_tx_decode_rejects},
    {"tx_checks", test_tx_checks},
    {"params_state", test_params_state},
    {"deposit_period_ends", test_deposit_period_ends},
    {"dropped_burned", test_dropped_burned},
    {"vote_rules", test_vote_rules},
    {"delegator_override", test_delegator_override},
    {"quorum_missed", test_quorum_missed},
    {"veto_burns", test_veto_burns},
    {"expedited_fallback", test_expedited_fallback},
    {"param_change_executes", test_param_change_executes},
    {"param_out_of_range", test_param_out_of_range},
    {"treasury_spend", test_treasury_spend},
    {"upgrade_plan", test_upgrade_plan},
    {"tally_slow_way", test_tally_slow_way},
    {"upgrade_known", test_upgrade_known},
    {"gov_events", test_gov_events},
};

CHR_TESTS_MAIN("gov", tests)
