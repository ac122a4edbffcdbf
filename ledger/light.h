/* Light-client verification: moving trust from a verified header to a later one by its
 * commit, as docs/PROTOCOL.md "Light client" defines (the skipping rule of CometBFT's
 * light client, with its trust level of 1/3).
 *
 * A trusted state names one header (or the genesis, at height 0) and the validator set
 * whose hash that header carries. A later header h with its commit c is trusted when:
 * - h is of the trusted chain, above the trusted height, and later in time; at the next
 *   height its prev_hash is the trusted hash;
 * - c is for h: its height is h's and its block_hash is h's hash;
 * - at the next height, h's validators_hash is the trusted header's next_validators_hash
 *   (the set the trusted header named for the block after it);
 * - if h's validators_hash is the trusted set's hash, c carries valid precommits of that
 *   set holding more than 2/3 of its power;
 * - else the caller gives h's own set, whose hash must be h's validators_hash; c carries
 *   valid precommits of more than 2/3 of that set's power and, unless h is the next height
 *   (whose set the trusted header named), its signers that are in the trusted set hold
 *   more than 1/3 of the trusted power. Less than that is CHR_ERR_COMMIT with a detail
 *   saying so: the caller bisects (trusts a header in between first) or refuses.
 * On success the trusted state moves to h (and its set). Deterministic core: no I/O.
 * Thread-safe for distinct trusted states. */
#ifndef LEDGER_LIGHT_H
#define LEDGER_LIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/block.h"
#include "ledger/valset.h"

typedef struct ledger_light_trust {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    uint64_t height;  /* 0: the genesis */
    uint8_t hash[32]; /* the trusted header's hash; the genesis hash at height 0 */
    uint64_t time_ms; /* the trusted header's time; the genesis time at height 0 */
    ledger_valset vals;
    uint8_t vals_hash[32]; /* ledger_valset_hash(&vals) */
    /* The trusted header's next_validators_hash (at the genesis, the genesis set's hash);
     * has_next 0 when not known (a trusted state saved before headers carried it): then
     * the next height is verified by the rules for any later one. */
    uint8_t next_vals_hash[32];
    int has_next;
} ledger_light_trust;

/* Starts trust at the genesis: chain_id, its hash and time, its validator set (copied).
 * CHR_ERR_ARG for a chain id that is not valid or an empty set. */
CHR_WUR chr_err ledger_light_trust_genesis(ledger_light_trust *out, const char *chain_id,
                                           const uint8_t genesis_hash[32], uint64_t genesis_time_ms,
                                           const ledger_valset *vals);

/* Starts trust at header h, which the caller trusts by its hash, with h's validator set
 * vals: CHR_ERR_BLOCK_INVALID when vals does not hash to h's validators_hash. */
CHR_WUR chr_err ledger_light_trust_header(ledger_light_trust *out, const ledger_header *h,
                                          const ledger_valset *vals);

/* Verifies header h with its commit c against trust (the rules above) and, on success,
 * moves trust to h. h_vals is h's validator set, needed only when h's validators_hash
 * differs from the trusted set's (NULL otherwise). The header of the trusted height itself
 * is accepted when it is the trusted one (same hash) and its commit verifies; trust is
 * then unchanged. Errors, with detail saying why: CHR_ERR_CHAIN_ID, CHR_ERR_BLOCK_INVALID
 * (height, time, prev_hash, or a set that does not match validators_hash), CHR_ERR_COMMIT
 * (the commit is not for h, or too little power signed). trust is unchanged on failure. */
CHR_WUR chr_err ledger_light_verify(ledger_light_trust *trust, const ledger_header *h,
                                    const ledger_commit *c, const ledger_valset *h_vals,
                                    char *detail, size_t detail_cap);

#endif
