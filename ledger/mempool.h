/* The mempool: verified transactions waiting for a block, bounded by count and bytes.
 *
 * Several transactions per account may wait; they must carry consecutive nonces from the
 * account's committed nonce, and their amounts and fees together must fit in its committed
 * balance, so that every admitted transaction stays applicable (until it expires). Blocks
 * take them in arrival order, which is nonce order within each account. All tables are
 * sized at creation and refuse entries when full; each entry's encoding is one allocation
 * of its own size, within the bytes limit.
 *
 * Owned by the node's single writer thread; not thread-safe. */
#ifndef LEDGER_MEMPOOL_H
#define LEDGER_MEMPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/state.h"
#include "ledger/tx.h"

typedef struct ledger_mempool ledger_mempool;
typedef struct ledger_mempool_entry ledger_mempool_entry;

/* CHR_ERR_NOMEM. txs_max > 0, bytes_max >= LEDGER_TX_BYTES_MAX. */
CHR_WUR chr_err ledger_mempool_new(ledger_mempool **out, size_t txs_max, size_t bytes_max);
void ledger_mempool_free(ledger_mempool *mp);

/* Admits tx (already checked and verified, decoded from enc; hash is its id, enc its encoding of
 * tx_bytes bytes), given its sender's committed account. The mempool keeps a copy of enc, and its
 * entry's decoded transaction refers to that copy (the lifetime rule of ledger/tx.h): the
 * caller's tx and enc may go away after the call. Errors: CHR_ERR_DUPLICATE (already
 * pending), CHR_ERR_NONCE (a nonce already used, or past the next one: "nonce: expected 7,
 * got 9"), CHR_ERR_NONCE_PENDING (another pending transaction has this nonce),
 * CHR_ERR_BALANCE (with what is pending, the balance does not cover it),
 * CHR_ERR_MEMPOOL_FULL (count or bytes; `detail` says which), CHR_ERR_NOMEM (the copy). */
CHR_WUR chr_err ledger_mempool_add(ledger_mempool *mp, const ledger_tx *tx, const uint8_t hash[32],
                                   const uint8_t *enc, size_t tx_bytes,
                                   const ledger_account *committed, char *detail,
                                   size_t detail_cap);

/* The pending entry with this hash, or NULL. */
const ledger_mempool_entry *ledger_mempool_find(const ledger_mempool *mp, const uint8_t hash[32]);

/* The nonce the account's next transaction must carry, counting pending ones. */
uint64_t ledger_mempool_next_nonce(const ledger_mempool *mp, const uint8_t addr[32],
                                   uint64_t committed_nonce);

/* Arrival-order iteration: head, then next until NULL. Entries stay valid until removed. */
const ledger_mempool_entry *ledger_mempool_head(const ledger_mempool *mp);
const ledger_mempool_entry *ledger_mempool_next(const ledger_mempool *mp,
                                                const ledger_mempool_entry *e);
const ledger_tx *ledger_mempool_entry_tx(const ledger_mempool_entry *e);
/* The entry's encoding (owned by the mempool, valid until the entry is removed). */
const uint8_t *ledger_mempool_entry_bytes(const ledger_mempool_entry *e, size_t *len);
const uint8_t *ledger_mempool_entry_hash(const ledger_mempool_entry *e);

/* Removes the transaction with this hash once committed (the first pending one of its
 * account); no-op if absent. A failed one goes through ledger_mempool_evict_from. */
void ledger_mempool_remove(ledger_mempool *mp, const uint8_t hash[32]);

/* Removes every pending transaction of addr with a nonce at least `nonce`: once one fails,
 * the later ones can never apply. Calls on_evict(ctx, hash) for each before removing it. */
void ledger_mempool_evict_from(ledger_mempool *mp, const uint8_t addr[32], uint64_t nonce,
                               void (*on_evict)(void *ctx, const uint8_t hash[32]), void *ctx);

size_t ledger_mempool_count(const ledger_mempool *mp);
size_t ledger_mempool_bytes(const ledger_mempool *mp);

#endif
