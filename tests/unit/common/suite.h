/* The tests of the common module; each file adds its functions here and to main.c. */
#ifndef CHR_TEST_COMMON_SUITE_H
#define CHR_TEST_COMMON_SUITE_H

void test_enc_integers_round_trip(void);
void test_enc_overflow_reported(void);
void test_dec_lengths_bounded(void);
void test_dec_trailing_rejected(void);
void test_checked_arithmetic(void);
void test_err_names(void);
void test_hex_encode_round_trip(void);
void test_hex_upper_case_accepted(void);
void test_hex_bad_input_rejected(void);
void test_hex_too_long(void);
void test_hex_decode_exact(void);
void test_bech32m_bip350_valid(void);
void test_bech32m_bip350_padded_vector(void);
void test_bech32m_bip350_invalid(void);
void test_bech32m_rejects_bech32(void);
void test_bech32m_bip173_invalid(void);
void test_bech32m_padding_rules(void);
void test_bech32m_encode_limits(void);
void test_bech32m_decode_bounds(void);
void test_bech32m_random_round_trip(void);
void test_address_round_trip(void);
void test_address_rejects(void);
void test_merkle_rfc6962_vectors(void);
void test_merkle_matches_recursive(void);
void test_merkle_no_duplication(void);
void test_sha256_fips_vectors(void);
void test_sha256_matches_libsodium(void);

/* test_errors.c */
void test_lmdb_err_mapping(void);
void test_errmsg_set(void);

#endif
