/* The tests of node/ (chroomd's own files, apart from chain.conf parsing, which
 * tests/unit/genesis covers); each file adds its functions here and to main.c. */
#ifndef CHR_TEST_NODE_SUITE_H
#define CHR_TEST_NODE_SUITE_H

/* test_ports.c */
void test_ports_write_format(void);
void test_ports_overwrite_and_remove(void);
void test_ports_errors(void);

#endif
