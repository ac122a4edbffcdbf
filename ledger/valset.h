/* The validator set: x-only public keys with voting power, sorted by key, no duplicates.
 * Ledger state with a hash in every header (the staking issue changes it). */
#ifndef LEDGER_VALSET_H
#define LEDGER_VALSET_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "common/hash.h"
#include "ledger/limits.h"

typedef struct ledger_validator {
    uint8_t pubkey[32];
    uint64_t power;
} ledger_validator;

typedef struct ledger_valset {
    size_t len;
    uint64_t total_power;
    ledger_validator v[LEDGER_VALIDATORS_MAX];
} ledger_valset;

void ledger_valset_init(ledger_valset *set);

/* Adds a validator keeping the set sorted. CHR_ERR_DUPLICATE for a key already there,
 * CHR_ERR_FULL past LEDGER_VALIDATORS_MAX, CHR_ERR_ARG for zero power,
 * CHR_ERR_OVERFLOW if the total power would overflow. */
CHR_WUR chr_err ledger_valset_add(ledger_valset *set, const uint8_t pubkey[32], uint64_t power);

/* Index of pubkey in the set, or -1. */
int ledger_valset_find(const ledger_valset *set, const uint8_t pubkey[32]);

/* Canonical encoding: u16 count, then (raw32 pubkey, u64 power) in key order. Decoding
 * rejects unsorted or duplicate keys, zero power and an empty set. */
void ledger_valset_encode(chr_enc *enc, const ledger_valset *set);
CHR_WUR chr_err ledger_valset_decode(chr_dec *dec, ledger_valset *out);

/* SHA256 of the canonical encoding: the header's validators_hash. */
void ledger_valset_hash(const ledger_valset *set, uint8_t out[CHR_HASH_LEN]);

#endif
