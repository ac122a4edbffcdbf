#include <stdio.h>

#include "common/hash.h"
#include "tests/unit/media/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"config_good", test_config_good},
    {"config_rejects", test_config_rejects},
    {"check_credit", test_check_credit},
    {"record_parse", test_record_parse},
    {"batches", test_batches},
    {"table", test_table},
    {"state_file", test_state_file},
    {"receipts", test_receipts},
    {"stats_parse", test_stats_parse},
    {"cpu", test_cpu},
    {"heartbeat_build", test_heartbeat_build},
};

int main(int argc, char **argv)
{
    if (chr_hash_init() != CHR_OK) {
        fprintf(stderr, "libsodium failed to start\n");
        return 1;
    }
    return chr_test_main(argc, argv, "media", tests, sizeof(tests) / sizeof(tests[0]));
}
