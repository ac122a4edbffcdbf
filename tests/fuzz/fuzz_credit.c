/* Fuzzes the credit decoder and verifier (credit/credit.h): no input may crash them,
 * whatever decodes must re-encode to exactly the input (one encoding per credit), and the
 * verifier must never call a credit valid that does not decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credit/credit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t payer[32] = {0x1b, 0x84, 0xc5, 0x56, 0x7b, 0x12, 0x64, 0x40,
                                      0x99, 0x5d, 0x3e, 0xd5, 0xaa, 0xba, 0x05, 0x65,
                                      0xd7, 0x1e, 0x18, 0x34, 0x60, 0x48, 0x19, 0xff,
                                      0x9c, 0x17, 0xf5, 0xe9, 0xd5, 0xdd, 0x07, 0x8f};
    credit c;
    credit_result r = credit_decode(&c, data, size);
    if (r == CREDIT_VALID) {
        uint8_t out[CREDIT_BYTES_MAX];
        size_t n = credit_encode(out, sizeof(out), &c);
        if (n != size || memcmp(out, data, size) != 0) {
            abort();
        }
        /* The credit's own node, chain and meeting, at its first valid millisecond: only the
         * signature is left to decide. */
        r = credit_verify(NULL, data, size, payer, c.node_key, c.chain_id, c.chain_id_len,
                          c.meeting_id, c.not_before_ms);
        if (r != CREDIT_VALID && r != CREDIT_BAD_SIGNATURE) {
            abort();
        }
    } else if (credit_verify(NULL, data, size, payer, payer, "x", 1, NULL, 0) != r) {
        abort();
    }
    return 0;
}
