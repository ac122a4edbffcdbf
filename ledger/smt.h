/* The state commitment: an in-memory compressed binary Merkle trie (a crit-bit, or
 * Patricia, trie over 256-bit keys) whose root is the state root of every block header.
 *
 * Definition (the contract; enough to recompute a root, or check a proof, elsewhere; the
 * bit order and the hashes are ledger/trie_def.h's, shared with the persisted trie and proofs):
 *
 * - A key is 32 bytes (an account address). Bit i of a key (i = 0..255) is bit (7 - i % 8)
 *   of byte i / 8, so bit 0 is the most significant bit of byte 0. A value is a 32-byte
 *   value hash; the caller hashes the account record.
 * - The trie of a set of distinct keys is the unique compressed binary trie of that set:
 *   one leaf per key, and an internal node exactly where the keys below it diverge. An
 *   internal node records b (0..255), the first bit at which the keys of its two subtrees
 *   differ; all its keys agree on every bit before b, its left child holds those with
 *   bit b = 0 and its right child those with bit b = 1. Along any path from the root, b
 *   strictly increases, so a path holds at most 256 internal nodes. Prefixes skipped
 *   between nodes are not hashed: each leaf hash covers its whole key.
 * - leaf hash     = SHA256(0x00 || key (32 bytes) || value_hash (32 bytes))
 *   internal hash = SHA256(0x01 || b as u16 big-endian (2 bytes) || left hash || right hash)
 *   (65 and 67 bytes hashed; the prefixes separate leaves from nodes as in RFC 6962.)
 * - The root of the empty trie is 32 zero bytes; the root of a one-key trie is that leaf's
 *   hash; otherwise it is the hash of the top internal node.
 *
 * The root depends only on the set of (key, value_hash) pairs, never on the order they
 * were set in. An inclusion proof for key k, when one is added, is value_hash plus the
 * (b, sibling hash) pairs from the leaf up to the root: the verifier starts from the
 * leaf hash and, at each pair, hashes the sibling on the side of bit b of k opposite to
 * its running hash, checking that b strictly decreases on the way up. An exclusion
 * proof is the same for the leaf that k's bits lead to, whose key differs from k.
 *
 * Cost: ledger_smt_set walks one path (no hashing); ledger_smt_root rehashes only the
 * nodes on paths changed since the last root, each once, so k changed keys cost about
 * k x depth hashes with shared upper nodes hashed once. Nodes live in two arrays that grow
 * by doubling up to keys_max leaves and keys_max - 1 internal nodes; no recursion.
 *
 * Tentative changes: ledger_smt_checkpoint starts recording, ledger_smt_rollback undoes
 * everything since (sets and root passes alike) and ledger_smt_release keeps it, so a
 * proposed block's state root can be computed and thrown away. At most one checkpoint is
 * open at a time.
 *
 * Deterministic core: no I/O, clock or randomness. Not thread-safe: one thread (the
 * ledger's writer) owns a trie; ledger_smt_get and ledger_smt_count only read and may run
 * concurrently with each other, never with ledger_smt_set, ledger_smt_root or the
 * checkpoint calls. */
#ifndef LEDGER_SMT_H
#define LEDGER_SMT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/hash.h"

/* The most keys one trie can hold: node indices are u32 with a tag bit, and 2^30
 * accounts (some 140 GiB of trie) is far beyond what one node process holds anyway. */
#define LEDGER_SMT_KEYS_MAX (1u << 30)
/* Internal nodes on one root-to-leaf path: one per bit index at most. */
#define LEDGER_SMT_DEPTH_MAX 256

typedef struct ledger_smt ledger_smt;

/* Creates an empty trie that will hold at most keys_max keys. Memory grows with use:
 * about 140 bytes a key, up to twice that just after the arrays double. CHR_ERR_ARG if
 * keys_max is 0 or over LEDGER_SMT_KEYS_MAX, CHR_ERR_NOMEM if allocation fails; *out is
 * NULL on failure. The caller owns *out and frees it with ledger_smt_free. */
CHR_WUR chr_err ledger_smt_new(ledger_smt **out, size_t keys_max);

/* Frees t, all its nodes and its undo journal, discarding an open checkpoint's changes
 * along with everything else; NULL is a no-op. */
void ledger_smt_free(ledger_smt *t);

/* Inserts key with value_hash, or updates the key's value_hash. Setting the value a key
 * already has is a no-op (the node relies on this when it retries a block). Marks the
 * changed path dirty; hashes are recomputed by ledger_smt_root. CHR_ERR_FULL when keys_max
 * keys are present and key is new, CHR_ERR_NOMEM if the node arrays or, under a
 * checkpoint, the undo journal cannot grow; on either error the trie is unchanged and an
 * open checkpoint can still be rolled back or released. key and value_hash are copied. */
CHR_WUR chr_err ledger_smt_set(ledger_smt *t, const uint8_t key[32], const uint8_t value_hash[32]);

/* Writes the root (see the definition above) to out, first rehashing the dirty nodes
 * bottom-up with an explicit stack. Mutates only t's hash cache; cannot fail, also under
 * a checkpoint (ledger_smt_set journaled everything this pass writes to). */
void ledger_smt_root(ledger_smt *t, uint8_t out[CHR_HASH_LEN]);

/* The number of keys in t. */
size_t ledger_smt_count(const ledger_smt *t);

/* Looks key up: 1 and its value hash in value_hash_out if present, else 0 and
 * value_hash_out zeroed. */
int ledger_smt_get(const ledger_smt *t, const uint8_t key[32], uint8_t value_hash_out[32]);

/* Starts recording changes so they can be undone: from here on, ledger_smt_set copies
 * each leaf and internal node that existed at the checkpoint to an undo journal before
 * its first write, once per checkpoint: 104 bytes per changed old key and 48 per distinct
 * old internal node above them (10,000 random keys of a 1,000,000-key trie journal about
 * 71,000 nodes, 4.4 MB). The journal never holds more entries than the trie had elements
 * at the checkpoint; its memory is kept for the next checkpoint until ledger_smt_free.
 * First rehashes dirty nodes, the work the next ledger_smt_root would have done.
 * CHR_ERR_ARG if a checkpoint is already open (it stays open, unchanged). */
CHR_WUR chr_err ledger_smt_checkpoint(ledger_smt *t);

/* Undoes every set and every rehash since the checkpoint: the trie is exactly as it was
 * (same root, same count, same internal layout, so later sets behave as on a trie that
 * never saw the undone ones), and the checkpoint is closed. Costs one copy per journal
 * entry; memory the arrays grew by is kept. A checkpoint must be open (asserted). */
void ledger_smt_rollback(ledger_smt *t);

/* Keeps the changes and closes the checkpoint. Costs one write per journal entry. A
 * checkpoint must be open (asserted). */
void ledger_smt_release(ledger_smt *t);

#endif
