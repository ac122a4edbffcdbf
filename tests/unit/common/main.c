#include "tests/unit/common/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"enc_integers_round_trip", test_enc_integers_round_trip},
    {"enc_overflow_reported", test_enc_overflow_reported},
    {"dec_lengths_bounded", test_dec_lengths_bounded},
    {"dec_trailing_rejected", test_dec_trailing_rejected},
    {"checked_arithmetic", test_checked_arithmetic},
    {"err_names", test_err_names},
    {"hex_encode_round_trip", test_hex_encode_round_trip},
    {"hex_upper_case_accepted", test_hex_upper_case_accepted},
    {"hex_bad_input_rejected", test_hex_bad_input_rejected},
    {"hex_too_long", test_hex_too_long},
    {"hex_decode_exact", test_hex_decode_exact},
    {"bech32m_bip350_valid", test_bech32m_bip350_valid},
    {"bech32m_bip350_padded_vector", test_bech32m_bip350_padded_vector},
    {"bech32m_bip350_invalid", test_bech32m_bip350_invalid},
    {"bech32m_rejects_bech32", test_bech32m_rejects_bech32},
    {"bech32m_bip173_invalid", test_bech32m_bip173_invalid},
    {"bech32m_padding_rules", test_bech32m_padding_rules},
    {"bech32m_encode_limits", test_bech32m_encode_limits},
    {"bech32m_decode_bounds", test_bech32m_decode_bounds},
    {"bech32m_random_round_trip", test_bech32m_random_round_trip},
    {"address_round_trip", test_address_round_trip},
    {"address_rejects", test_address_rejects},
    {"merkle_rfc6962_vectors", test_merkle_rfc6962_vectors},
    {"merkle_matches_recursive", test_merkle_matches_recursive},
    {"merkle_no_duplication", test_merkle_no_duplication},
    {"sha256_fips_vectors", test_sha256_fips_vectors},
    {"sha256_matches_libsodium", test_sha256_matches_libsodium},
    {"lmdb_err_mapping", test_lmdb_err_mapping},
    {"errmsg_set", test_errmsg_set},
};

CHR_TESTS_MAIN("common", tests)
