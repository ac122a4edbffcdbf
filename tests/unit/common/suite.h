/* The tests of the common module; each file adds its functions here and to main.c. */
#ifndef CHR_TEST_COMMON_SUITE_H
#define CHR_TEST_COMMON_SUITE_H

void test_enc_integers_round_trip(void);
void test_enc_overflow_reported(void);
void test_dec_lengths_bounded(void);
void test_dec_trailing_rejected(void);
void test_checked_arithmetic(void);
void test_err_names(void);

#endif
