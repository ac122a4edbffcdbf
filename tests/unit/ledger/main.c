#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"smt_empty_and_one_key", test_smt_empty_and_one_key},
    {"smt_two_keys_by_hand", test_smt_two_keys_by_hand},
    {"smt_known_vector", test_smt_known_vector},
    {"smt_matches_reference", test_smt_matches_reference},
    {"smt_deepest_path", test_smt_deepest_path},
    {"smt_order_independent", test_smt_order_independent},
    {"smt_idempotent_set", test_smt_idempotent_set},
    {"smt_full_at_keys_max", test_smt_full_at_keys_max},
    {"smt_new_rejects_bad_keys_max", test_smt_new_rejects_bad_keys_max},
};

CHR_TESTS_MAIN("ledger", tests)
