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
 * On success the trusted state moves to h (and its set). When the skipping rule fails,
 * ledger_light_bisect verifies headers in between first, as CometBFT's light client does:
 * the midpoint of the gap, recursively (in a loop), each header fetched through the
 * caller's function and checked like any other before it is trusted, at most
 * LEDGER_LIGHT_FETCHES_MAX of them. Deterministic core: no I/O but the caller's fetch.
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
/* Whether trust may still be used at now_ms (the caller's clock), as CometBFT's light
 * client's trusting period rules: a trusted header older than the period proves nothing,
 * since its validators may have unbonded since and may sign anything without losing stake,
 * so the period must be shorter than the chain's unbonding time. CHR_ERR_EXPIRED when
 * now_ms >= trust->time_ms + period_ms (detail saying since when); CHR_ERR_BLOCK_INVALID
 * when h (may be NULL) is from the future: its time more than LEDGER_LIGHT_CLOCK_DRIFT_MS
 * after now_ms. CHR_OK otherwise. */
CHR_WUR chr_err ledger_light_fresh(const ledger_light_trust *trust, uint64_t period_ms,
                                   const ledger_header *h, uint64_t now_ms, char *detail,
                                   size_t detail_cap);

CHR_WUR chr_err ledger_light_verify(ledger_light_trust *trust, const ledger_header *h,
                                    const ledger_commit *c, const ledger_valset *h_vals,
                                    char *detail, size_t detail_cap);

/* One height as a source gives it: the header, the commit that finalizes it and, when
 * the header's validators_hash is not the trusted set's, the set that signs it (vals.len
 * 0 when not given). Nothing in it is trusted until ledger_light_verify says so. */
typedef struct ledger_light_block {
    ledger_header header;
    ledger_commit commit;
    ledger_valset vals;
} ledger_light_block;

/* Fetches the block of height from the caller's source into *out (zeroed first by the
 * caller): out->vals may be left empty when the header's validators_hash is
 * trusted_vals_hash. Returns CHR_OK, or any error, which ends the bisection with it (the
 * function says why to the user itself). */
typedef chr_err ledger_light_fetch_fn(void *ctx, uint64_t height,
                                      const uint8_t trusted_vals_hash[32], ledger_light_block *out);

/* Verifies target (its header, commit and set, as ledger_light_verify takes them) from
 * trust, bisecting when the skipping rule fails: it fetches the header at the midpoint
 * between the trusted height and the one that failed (fetch(ctx, ...) into *scratch),
 * verifies that first (bisecting again if it too cannot be skipped to), and then retries
 * the one above it, until target verifies. A fetched block must be of the height asked.
 * *fetched gets the number of fetches made. On success trust is target's. On failure
 * trust is the highest header verified on the way (trust as given when none was), with
 * detail saying why: ledger_light_verify's errors for a header that does not verify
 * (whatever the source gave: a wrong set, a forged commit, a header that does not link),
 * CHR_ERR_BLOCK_INVALID for a block of another height, CHR_ERR_TOO_LONG when more than
 * fetches_max (at most LEDGER_LIGHT_FETCHES_MAX) fetches would be needed, fetch's own
 * error. scratch is the caller's (a block is ~20 KiB), overwritten. */
CHR_WUR chr_err ledger_light_bisect(ledger_light_trust *trust, uint32_t *fetched,
                                    ledger_light_fetch_fn *fetch, void *ctx,
                                    ledger_light_block *scratch, const ledger_header *target,
                                    const ledger_commit *target_commit,
                                    const ledger_valset *target_vals, uint32_t fetches_max,
                                    char *detail, size_t detail_cap);

#endif
