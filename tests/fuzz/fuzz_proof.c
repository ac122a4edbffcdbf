/* Fuzzes ledger_proof_decode and ledger_proof_verify: no input may crash them; whatever
 * decodes must re-encode to exactly the input; and a proof that verifies must say present
 * only for its own leaf key, with the leaf's value hash, and absent for an empty trie only
 * under the zero root; a one-leaf proof always verifies against that leaf's hash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decoded proof is ~8.8 KiB: keep it off the fuzzer's stack. */
static ledger_proof proof;
static uint8_t again[LEDGER_PROOF_BYTES_MAX];

/* Verifies proof for its own key under root and checks what an answer may say. */
static chr_err fuzz_proof_verify(const uint8_t root[32])
{
    static const uint8_t zero[32];
    int present = -1;
    uint8_t value[32];
    chr_err err = ledger_proof_verify(&proof, root, proof.key, &present, value);
    if (err != CHR_OK) {
        if (err != CHR_ERR_PROOF || present != 0 || memcmp(value, zero, 32) != 0) {
            abort();
        }
        return err;
    }
    if (present == 1) {
        if (!proof.has_leaf || memcmp(proof.leaf_key, proof.key, 32) != 0 ||
            memcmp(value, proof.leaf_value, 32) != 0) {
            abort();
        }
    } else if (present != 0 || memcmp(value, zero, 32) != 0) {
        abort();
    } else if (!proof.has_leaf && memcmp(root, zero, 32) != 0) {
        abort();
    }
    return CHR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (chr_hash_init() != CHR_OK) {
            abort();
        }
        ready = 1;
    }
    if (ledger_proof_decode(&proof, data, size) != CHR_OK) {
        return 0;
    }
    size_t again_len;
    if (ledger_proof_encode(&proof, again, sizeof(again), &again_len) != CHR_OK ||
        again_len != size || memcmp(again, data, size) != 0) {
        abort();
    }
    if (proof.steps_len > LEDGER_SMT_DEPTH_MAX || (!proof.has_leaf && proof.steps_len != 0)) {
        abort();
    }
    static const uint8_t zero[32];
    (void)fuzz_proof_verify(zero);
    /* The root of a one-leaf trie: a proof without steps verifies against it. */
    uint8_t root[32];
    uint8_t leaf[65];
    leaf[0] = 0x00;
    memcpy(leaf + 1, proof.leaf_key, 32);
    memcpy(leaf + 33, proof.leaf_value, 32);
    chr_sha256_hash(root, leaf, sizeof(leaf));
    if (fuzz_proof_verify(root) != CHR_OK && proof.has_leaf && proof.steps_len == 0) {
        abort();
    }
    return 0;
}
