#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"ports_write_format", test_ports_write_format},
    {"ports_overwrite_and_remove", test_ports_overwrite_and_remove},
    {"ports_errors", test_ports_errors},
};

CHR_TESTS_MAIN("node", tests)
