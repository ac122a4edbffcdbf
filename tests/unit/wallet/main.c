#include <stdio.h>
#include <stdlib.h>

#include "common/hash.h"
#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"

static const chr_test tests[] = {
    {"amount_parse_good", test_amount_parse_good},
    {"amount_parse_rejects", test_amount_parse_rejects},
    {"amount_format_round_trip", test_amount_format_round_trip},
    {"bip39_wordlist_sha256", test_bip39_wordlist_sha256},
    {"bip39_trezor_vectors", test_bip39_trezor_vectors},
    {"bip39_trezor_master_keys", test_bip39_trezor_master_keys},
    {"bip39_decode_lenient", test_bip39_decode_lenient},
    {"bip39_decode_rejects", test_bip39_decode_rejects},
    {"bip39_sizes", test_bip39_sizes},
    {"bip39_random_round_trip", test_bip39_random_round_trip},
    {"bip39_passphrase_and_seed", test_bip39_passphrase_and_seed},
    {"bip32_vector1", test_bip32_vector1},
    {"bip32_vector2", test_bip32_vector2},
    {"bip32_vector3", test_bip32_vector3},
    {"bip32_path_parse_good", test_bip32_path_parse_good},
    {"bip32_path_parse_bad", test_bip32_path_parse_bad},
    {"bip32_path_format", test_bip32_path_format},
    {"bip32_limits", test_bip32_limits},
    {"bip32_chroom_default_path", test_bip32_chroom_default_path},
    {"bip32_mnemonic_key", test_bip32_mnemonic_key},
    {"keystore_round_trip", test_keystore_round_trip},
    {"keystore_round_trip_no_mnemonic", test_keystore_round_trip_no_mnemonic},
    {"keystore_wrong_passphrase", test_keystore_wrong_passphrase},
    {"keystore_damage", test_keystore_damage},
    {"keystore_forged_fields", test_keystore_forged_fields},
    {"keystore_no_replace", test_keystore_no_replace},
    {"keystore_not_found", test_keystore_not_found},
    {"keystore_names", test_keystore_names},
    {"keystore_list_order", test_keystore_list_order},
    {"keystore_delete", test_keystore_delete},
    {"keystore_bad_args", test_keystore_bad_args},
    {"keystore_default_limits", test_keystore_default_limits},
    {"keyfile_encode_decode", test_keyfile_encode_decode},
    {"passphrase_file", test_passphrase_file},
    {"passphrase_env", test_passphrase_env},
    {"passphrase_no_terminal", test_passphrase_no_terminal},
    {"passphrase_terminal", test_passphrase_terminal},
    {"passphrase_bip39_kind", test_passphrase_bip39_kind},
    {"passphrase_bip39_file_limit", test_passphrase_bip39_file_limit},
    {"stake_build_sign_offline", test_stake_build_sign_offline},
};

int main(int argc, char **argv)
{
    if (chr_hash_init() != CHR_OK) {
        fprintf(stderr, "libsodium failed to start\n");
        return 1;
    }
    return chr_test_main(argc, argv, "wallet", tests, sizeof(tests) / sizeof(tests[0]));
}
