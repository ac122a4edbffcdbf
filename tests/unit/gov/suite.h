/* The governance suite's tests (tests/unit/gov). */
#ifndef TESTS_UNIT_GOV_SUITE_H
#define TESTS_UNIT_GOV_SUITE_H

void test_tx_vectors(void);
void test_tx_decode_rejects(void);
void test_tx_checks(void);
void test_params_state(void);
void test_deposit_period_ends(void);
void test_dropped_burned(void);
void test_vote_rules(void);
void test_delegator_override(void);
void test_quorum_missed(void);
void test_veto_burns(void);
void test_expedited_fallback(void);
void test_param_change_executes(void);
void test_param_out_of_range(void);
void test_treasury_spend(void);
void test_upgrade_plan(void);
void test_tally_slow_way(void);
void test_upgrade_known(void);
void test_gov_events(void);

#endif
