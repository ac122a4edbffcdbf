#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"verifier_threads_config_limit", test_verifier_threads_config_limit},
    {"verifier_threads_pool_limit", test_verifier_threads_pool_limit},
};

CHR_TESTS_MAIN("node", tests)
