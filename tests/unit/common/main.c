#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"enc_integers_round_trip", test_enc_integers_round_trip},
    {"enc_overflow_reported", test_enc_overflow_reported},
    {"dec_lengths_bounded", test_dec_lengths_bounded},
    {"dec_trailing_rejected", test_dec_trailing_rejected},
    {"checked_arithmetic", test_checked_arithmetic},
    {"err_names", test_err_names},
};

CHR_TESTS_MAIN("common", tests)
