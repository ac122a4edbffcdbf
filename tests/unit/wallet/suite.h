/* The tests of the wallet module's key library; each file adds its functions here and to
 * main.c. */
#ifndef CHR_TEST_WALLET_SUITE_H
#define CHR_TEST_WALLET_SUITE_H

void test_bip39_wordlist_sha256(void);
void test_bip39_trezor_vectors(void);
void test_bip39_trezor_master_keys(void);
void test_bip39_decode_lenient(void);
void test_bip39_decode_rejects(void);
void test_bip39_sizes(void);
void test_bip39_random_round_trip(void);
void test_bip39_passphrase_and_seed(void);
void test_bip32_vector1(void);
void test_bip32_vector2(void);
void test_bip32_vector3(void);
void test_bip32_path_parse_good(void);
void test_bip32_path_parse_bad(void);
void test_bip32_path_format(void);
void test_bip32_limits(void);
void test_bip32_chroom_default_path(void);
void test_bip32_mnemonic_key(void);
void test_keystore_round_trip(void);
void test_keystore_round_trip_no_mnemonic(void);
void test_keystore_wrong_passphrase(void);
void test_keystore_damage(void);
void test_keystore_forged_fields(void);
void test_keystore_no_replace(void);
void test_keystore_not_found(void);
void test_keystore_names(void);
void test_keystore_list_order(void);
void test_keystore_delete(void);
void test_keystore_bad_args(void);
void test_keystore_default_limits(void);
void test_keyfile_encode_decode(void);
void test_passphrase_file(void);
void test_passphrase_env(void);
void test_passphrase_no_terminal(void);
void test_passphrase_terminal(void);
void test_passphrase_bip39_kind(void);
void test_passphrase_bip39_file_limit(void);
void test_amount_parse_good(void);
void test_amount_parse_rejects(void);
void test_amount_format_round_trip(void);
void test_stake_build_sign_offline(void);

#endif
