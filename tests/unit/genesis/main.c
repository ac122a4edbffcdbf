#include "tests/unit/genesis/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"genesis_json_round_trip", test_genesis_json_round_trip},
    {"genesis_hash_stable", test_genesis_hash_stable},
    {"genesis_state_root", test_genesis_state_root},
    {"genesis_hash_layout", test_genesis_hash_layout},
    {"genesis_rejects_duplicate_key", test_genesis_rejects_duplicate_key},
    {"genesis_rejects_unknown_and_missing_keys", test_genesis_rejects_unknown_and_missing_keys},
    {"genesis_rejects_wrong_types", test_genesis_rejects_wrong_types},
    {"genesis_rejects_bad_amounts", test_genesis_rejects_bad_amounts},
    {"genesis_rejects_bad_accounts", test_genesis_rejects_bad_accounts},
    {"genesis_rejects_bad_validators", test_genesis_rejects_bad_validators},
    {"genesis_time", test_genesis_time},
    {"genesis_chain_id_rules", test_genesis_chain_id_rules},
    {"genesis_validate_needs_validator", test_genesis_validate_needs_validator},
    {"genesis_add_account", test_genesis_add_account},
    {"genesis_save_load_file", test_genesis_save_load_file},
    {"genesis_stakes_state", test_genesis_stakes_state},
    {"genesis_gov_params", test_genesis_gov_params},
    {"genesis_settle_params", test_genesis_settle_params},
    {"config_parses_good_file", test_config_parses_good_file},
    {"config_rejects_duplicate_key", test_config_rejects_duplicate_key},
    {"config_rejects_bad_lines", test_config_rejects_bad_lines},
    {"config_bounds", test_config_bounds},
    {"config_typed_values", test_config_typed_values},
    {"node_config_example_is_default", test_node_config_example_is_default},
    {"node_config_rejects_unknown", test_node_config_rejects_unknown},
    {"node_config_analytics", test_node_config_analytics},
    {"node_config_p2p", test_node_config_p2p},
    {"node_config_values", test_node_config_values},
    {"node_config_body_limit_is_rpc_limits", test_node_config_body_limit_is_rpc_limits},
    {"node_config_paths", test_node_config_paths},
};

CHR_TESTS_MAIN("genesis", tests)
