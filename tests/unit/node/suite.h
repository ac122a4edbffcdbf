/* The tests of chroomd's own module (node/); each file adds its functions here and to
 * main.c. (chain.conf parsing is tested in tests/unit/genesis/test_config.c.) */
#ifndef CHR_TEST_NODE_SUITE_H
#define CHR_TEST_NODE_SUITE_H

/* test_verify.c */
void test_verifier_threads_config_limit(void);
void test_verifier_threads_pool_limit(void);
void test_verifier_threads_yield(void);

/* test_ports.c */
void test_ports_write_format(void);
void test_ports_overwrite_and_remove(void);
void test_ports_errors(void);

/* test_engine.c */
void test_node_solo_commits_and_reopens(void);

#endif
