/* The tests of tests/unit/media/, for main.c's table. */
#ifndef TESTS_UNIT_MEDIA_SUITE_H
#define TESTS_UNIT_MEDIA_SUITE_H

void test_config_good(void);
void test_config_rejects(void);
void test_check_credit(void);
void test_record_parse(void);
void test_batches(void);
void test_table(void);
void test_state_file(void);
void test_receipts(void);
void test_stats_parse(void);
void test_cpu(void);
void test_heartbeat_build(void);

#endif
