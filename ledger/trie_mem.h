/* State trie rows in memory, behind the same source interface as the node's LMDB rows
 * (ledger/store.c): for the consensus simulator, tools and tests, which keep small states
 * and no files. A sorted array: a seek is a binary search, a change a memmove.
 *
 * Deterministic; one thread at a time. */
#ifndef LEDGER_TRIE_MEM_H
#define LEDGER_TRIE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/state.h"
#include "ledger/trie.h"

typedef struct ledger_trie_mem ledger_trie_mem;

CHR_WUR chr_err ledger_trie_mem_new(ledger_trie_mem **out);
void ledger_trie_mem_free(ledger_trie_mem *m);
/* The source that reads m; valid while m lives. */
ledger_trie_source ledger_trie_mem_source(ledger_trie_mem *m);
/* Writes t's pending changes into m (then the caller releases them). CHR_ERR_NOMEM. */
CHR_WUR chr_err ledger_trie_mem_store(ledger_trie_mem *m, ledger_trie *t);
/* Builds the rows of n accounts (addrs[i] with accounts[i]) into m, which holds none yet,
 * and gives their root: the genesis of a simulated chain. CHR_ERR_NOMEM. */
CHR_WUR chr_err ledger_trie_mem_accounts(ledger_trie_mem *m, const uint8_t (*addrs)[32],
                                         const ledger_account *accounts, size_t n,
                                         uint8_t root[32]);
/* Rows held, and row i's id and value, for tests that inspect or damage them. */
size_t ledger_trie_mem_len(const ledger_trie_mem *m);
uint8_t *ledger_trie_mem_row(ledger_trie_mem *m, size_t i, uint8_t **val, size_t *val_len);

#endif
