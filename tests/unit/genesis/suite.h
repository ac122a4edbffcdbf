/* The tests of the genesis module and of chain.conf parsing (common/config, node/config);
 * each file adds its functions here and to main.c. */
#ifndef CHR_TEST_GENESIS_SUITE_H
#define CHR_TEST_GENESIS_SUITE_H

/* test_genesis.c */
void test_genesis_json_round_trip(void);
void test_genesis_hash_stable(void);
void test_genesis_state_root(void);
void test_genesis_hash_layout(void);
void test_genesis_rejects_duplicate_key(void);
void test_genesis_rejects_unknown_and_missing_keys(void);
void test_genesis_rejects_wrong_types(void);
void test_genesis_rejects_bad_amounts(void);
void test_genesis_rejects_bad_accounts(void);
void test_genesis_rejects_bad_validators(void);
void test_genesis_time(void);
void test_genesis_chain_id_rules(void);
void test_genesis_validate_needs_validator(void);
void test_genesis_add_account(void);
void test_genesis_save_load_file(void);
void test_genesis_stakes_state(void);
void test_genesis_gov_params(void);
void test_genesis_settle_params(void);

/* test_config.c */
void test_config_parses_good_file(void);
void test_config_rejects_duplicate_key(void);
void test_config_rejects_bad_lines(void);
void test_config_bounds(void);
void test_config_typed_values(void);
void test_node_config_example_is_default(void);
void test_node_config_rejects_unknown(void);
void test_node_config_analytics(void);
void test_node_config_p2p(void);
void test_node_config_values(void);
void test_node_config_body_limit_is_rpc_limits(void);
void test_node_config_paths(void);

#endif
