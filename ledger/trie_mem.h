/* State trie rows in memory, behind the same source interface as the node's LMDB rows
 * (ledger/store.c), and the committed state objects beside them (ledger/objects.h, as the
 * node's "objects" database): for the consensus simulator, tools and tests, which keep
 * small states and no files. Sorted arrays: a seek is a binary search, a change a memmove.
 *
 * Deterministic; one thread at a time. */
#ifndef LEDGER_TRIE_MEM_H
#define LEDGER_TRIE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/objects.h"
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
/* The committed objects: ledger_object_load_fn and ledger_object_scan_fn over m (ctx: m). */
CHR_WUR chr_err ledger_trie_mem_object(void *m, ledger_state_kind kind, const uint8_t *natural,
                                       size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                                       size_t *value_len, int *found);
CHR_WUR chr_err ledger_trie_mem_object_scan(void *m, ledger_state_kind kind, const uint8_t *prefix,
                                            size_t prefix_len, const uint8_t *after,
                                            size_t after_len, ledger_object *out);
/* Writes the object changes of objs (may be NULL: none) into m, as the node's store writes
 * them with the block. CHR_ERR_NOMEM. */
CHR_WUR chr_err ledger_trie_mem_objects_store(ledger_trie_mem *m, const ledger_objects *objs);
/* Objects held. */
size_t ledger_trie_mem_objects_len(const ledger_trie_mem *m);

/* Rows held, and row i's id and value, for tests that inspect or damage them. */
size_t ledger_trie_mem_len(const ledger_trie_mem *m);
uint8_t *ledger_trie_mem_row(ledger_trie_mem *m, size_t i, uint8_t **val, size_t *val_len);

#endif
