/* The staking suite's tests (tests/unit/staking). */
#ifndef TESTS_UNIT_STAKING_SUITE_H
#define TESTS_UNIT_STAKING_SUITE_H

void test_params_ranges(void);
void test_object_encodings(void);
void test_create_validator_rules(void);
void test_delegate_undelegate_rules(void);
void test_unbonding_matures_exactly(void);
void test_redelegate_no_hopping(void);
void test_edit_validator_rules(void);
void test_active_set_by_stake(void);
void test_econ_simulator(void);
void test_tx_vectors(void);
void test_tx_decode_rejects(void);
void test_tx_checks(void);
void test_rewards_split_exact(void);
void test_rewards_withdraw_and_settle(void);
void test_withdraw_rejections(void);
void test_slashing_downtime_and_unjail(void);
void test_unjail_needs_self_bond(void);
void test_slashing_double_sign(void);
void test_slash_record_decode(void);
void test_rewards_unbonded_signer(void);
void test_rewards_protocol_share(void);

#endif
