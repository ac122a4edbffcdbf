/* Fuzzes ledger_block_decode: no input may crash it or leak, and whatever it accepts must
 * re-encode with ledger_block_encode from the decoded parts to exactly the input. An
 * accepted block's header commits to its body (count, RFC 6962 root, previous commit) and
 * carries a commit exactly when it is not block 1; its transaction views lie inside the
 * input. The transactions are fed to ledger_tx_decode too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "ledger/block.h"
#include "ledger/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_links(const ledger_block *b, const uint8_t *data, size_t size)
{
    if (b->txs_len != b->header.tx_count || (b->header.height == 1) == (b->has_last_commit != 0)) {
        abort();
    }
    uint8_t root[CHR_HASH_LEN];
    if (ledger_tx_root(root, b->txs, b->tx_lens, b->txs_len) != CHR_OK ||
        memcmp(root, b->header.tx_root, sizeof(root)) != 0) {
        abort();
    }
    uint8_t commit_hash[CHR_HASH_LEN] = {0};
    if (b->has_last_commit) {
        ledger_commit_hash(&b->last_commit, commit_hash);
    }
    if (memcmp(commit_hash, b->header.last_commit_hash, sizeof(commit_hash)) != 0) {
        abort();
    }
    for (uint32_t i = 0; i < b->txs_len; i++) {
        if (b->txs[i] < data || b->txs[i] + b->tx_lens[i] > data + size ||
            b->tx_lens[i] > LEDGER_TX_BYTES_MAX) {
            abort();
        }
        ledger_tx tx;
        chr_err err = ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]);
        (void)err;
    }
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
    /* A block holds a ~12 KiB commit: keep it off the fuzzer's stack. */
    static ledger_block b;
    if (ledger_block_decode(&b, data, size) != CHR_OK) {
        return 0;
    }
    fuzz_check_links(&b, data, size);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (ledger_block_encode(&again, &again_len, &b.header,
                            b.has_last_commit ? &b.last_commit : NULL, b.txs, b.tx_lens, b.txs_len,
                            b.evidence, b.evidence_len) != CHR_OK ||
        again_len != size || memcmp(again, data, size) != 0) {
        abort();
    }
    free(again);
    ledger_block_free(&b);
    return 0;
}
