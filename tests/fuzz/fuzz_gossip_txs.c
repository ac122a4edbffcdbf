/* Fuzzes node_gossip_decode, the decoder of a peer's gossiped transactions: no input may
 * crash it, and what it accepts re-encodes to exactly the input (u16 count, then each
 * transaction with a u16 length), within its limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/consensus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *txs[NODE_GOSSIP_TXS_MAX];
    size_t lens[NODE_GOSSIP_TXS_MAX];
    size_t count;
    if (node_gossip_decode(txs, lens, &count, data, size) != CHR_OK) {
        if (count != 0) {
            abort();
        }
        return 0;
    }
    if (count == 0 || count > NODE_GOSSIP_TXS_MAX) {
        abort();
    }
    size_t at = 2;
    if (((size_t)data[0] << 8 | data[1]) != count) {
        abort();
    }
    for (size_t i = 0; i < count; i++) {
        if (lens[i] > LEDGER_TX_BYTES_MAX || txs[i] != data + at + 2 ||
            ((size_t)data[at] << 8 | data[at + 1]) != lens[i]) {
            abort();
        }
        at += 2 + lens[i];
    }
    if (at != size) {
        abort();
    }
    return 0;
}
