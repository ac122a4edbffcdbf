/* The tests of the ledger module; each file adds its functions here and to main.c. */
#ifndef CHR_TEST_LEDGER_SUITE_H
#define CHR_TEST_LEDGER_SUITE_H

void test_smt_empty_and_one_key(void);
void test_smt_two_keys_by_hand(void);
void test_smt_known_vector(void);
void test_smt_matches_reference(void);
void test_smt_deepest_path(void);
void test_smt_order_independent(void);
void test_smt_idempotent_set(void);
void test_smt_full_at_keys_max(void);
void test_smt_new_rejects_bad_keys_max(void);

#endif
