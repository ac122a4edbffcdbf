/* A reference state trie for tests: the simplest obviously-correct reading of the trie's
 * definition (ledger/smt.h, docs/PROTOCOL.md "Accounts and the state root") over a sorted
 * array of distinct keys, computing roots and state proofs (ledger/proof.h) by recursion
 * over key ranges. Slow on purpose (every call rehashes what it needs); test code only. */
#ifndef CHR_TEST_REF_TRIE_H
#define CHR_TEST_REF_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/proof.h"

typedef struct ref_trie_entry {
    uint8_t key[32];
    uint8_t value[32]; /* the value hash */
} ref_trie_entry;

/* Sorts e by key (memcmp order) in place; keys must be distinct (aborts otherwise). */
void ref_trie_sort(ref_trie_entry *e, size_t n);
/* The root of the trie of the n sorted, distinct entries e (32 zero bytes when n is 0). */
void ref_trie_root(uint8_t out[32], const ref_trie_entry *e, size_t n);
/* The proof for key in the trie of the n sorted, distinct entries e: membership when key
 * is among them, else non-membership (the leaf key's bits lead to). */
void ref_trie_prove(ledger_proof *out, const ref_trie_entry *e, size_t n, const uint8_t key[32]);

#endif
