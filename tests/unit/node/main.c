#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"verifier_threads_config_limit", test_verifier_threads_config_limit},
    {"verifier_threads_pool_limit", test_verifier_threads_pool_limit},
    {"verifier_threads_yield", test_verifier_threads_yield},
    {"ports_write_format", test_ports_write_format},
    {"ports_overwrite_and_remove", test_ports_overwrite_and_remove},
    {"ports_errors", test_ports_errors},
    {"node_solo_commits_and_reopens", test_node_solo_commits_and_reopens},
};

CHR_TESTS_MAIN("node", tests)
