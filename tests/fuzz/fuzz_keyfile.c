/* Fuzzes wallet_keystore_decode, the key-file decoder: no input may crash it, a refusal
 * is always CHR_ERR_KEYSTORE with the output zeroed, and what it accepts re-encodes to
 * exactly the input and obeys the format's rules (docs/WALLET.md, "Key files"). Since a
 * mutated file almost never carries a valid SHA-256 checksum, each input is also tried with
 * its last 32 bytes replaced by the right checksum, so the fuzzer reaches the field checks
 * behind it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/sig.h"
#include "wallet/keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(const uint8_t *data, size_t size)
{
    wallet_keyfile kf;
    chr_err err = wallet_keystore_decode(&kf, data, size);
    if (err != CHR_OK) {
        static const wallet_keyfile zero;
        if (err != CHR_ERR_KEYSTORE || memcmp(&kf, &zero, sizeof(kf)) != 0) {
            abort();
        }
        return;
    }
    if (kf.version != WALLET_KEYFILE_VERSION || kf.kdf != WALLET_KEYFILE_KDF_ARGON2ID13 ||
        (kf.flags & ~WALLET_KEYFILE_FLAG_MNEMONIC) != 0 || kf.opslimit < WALLET_KDF_OPSLIMIT_MIN ||
        kf.opslimit > WALLET_KDF_OPSLIMIT_MAX || kf.memlimit < WALLET_KDF_MEMLIMIT_MIN ||
        kf.memlimit > WALLET_KDF_MEMLIMIT_MAX || kf.ciphertext_len > sizeof(kf.ciphertext) ||
        !ledger_pubkey_valid(kf.pubkey)) {
        abort();
    }
    uint8_t again[WALLET_KEYFILE_BYTES_MAX];
    size_t again_len;
    if (wallet_keystore_encode(again, sizeof(again), &again_len, &kf) != CHR_OK ||
        again_len != size || memcmp(again, data, size) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check(data, size);
    if (size < CHR_HASH_LEN || size > WALLET_KEYFILE_BYTES_MAX) {
        return 0;
    }
    uint8_t fixed[WALLET_KEYFILE_BYTES_MAX];
    memcpy(fixed, data, size);
    chr_sha256_hash(fixed + size - CHR_HASH_LEN, fixed, size - CHR_HASH_LEN);
    fuzz_check(fixed, size);
    return 0;
}
