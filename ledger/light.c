#include "ledger/light.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/tx.h"

chr_err ledger_light_trust_genesis(ledger_light_trust *out, const char *chain_id,
                                   const uint8_t genesis_hash[32], uint64_t genesis_time_ms,
                                   const ledger_valset *vals)
{
    CHR_ASSERT(out != NULL && chain_id != NULL);
    CHR_ASSERT(genesis_hash != NULL && vals != NULL);
    memset(out, 0, sizeof(*out));
    size_t len = strlen(chain_id);
    if (!ledger_chain_id_valid(chain_id, len) || vals->len == 0) {
        return CHR_ERR_ARG;
    }
    memcpy(out->chain_id, chain_id, len + 1);
    memcpy(out->hash, genesis_hash, 32);
    out->time_ms = genesis_time_ms;
    out->vals = *vals;
    ledger_valset_hash(&out->vals, out->vals_hash);
    /* The genesis set signs block 1. */
    memcpy(out->next_vals_hash, out->vals_hash, 32);
    out->has_next = 1;
    return CHR_OK;
}

chr_err ledger_light_fresh(const ledger_light_trust *trust, uint64_t period_ms,
                           const ledger_header *h, uint64_t now_ms, char *detail, size_t detail_cap)
{
    CHR_ASSERT(trust != NULL && detail != NULL);
    uint64_t until = trust->time_ms + period_ms;
    if (until < trust->time_ms) {
        until = UINT64_MAX; /* a period past the end of time never ends */
    }
    if (now_ms >= until) {
        snprintf(detail, detail_cap,
                 "the trusted header (height %llu) is older than the trusting period of %llu ms: "
                 "trusted until %llu, now %llu (Unix ms)",
                 (unsigned long long)trust->height, (unsigned long long)period_ms,
                 (unsigned long long)until, (unsigned long long)now_ms);
        return CHR_ERR_EXPIRED;
    }
    if (h != NULL && h->time_ms > now_ms && h->time_ms - now_ms > LEDGER_LIGHT_CLOCK_DRIFT_MS) {
        snprintf(detail, detail_cap,
                 "header %llu is from the future: its time %llu is more than %u ms after now %llu",
                 (unsigned long long)h->height, (unsigned long long)h->time_ms,
                 (unsigned)LEDGER_LIGHT_CLOCK_DRIFT_MS, (unsigned long long)now_ms);
        return CHR_ERR_BLOCK_INVALID;
    }
    return CHR_OK;
}

chr_err ledger_light_trust_header(ledger_light_trust *out, const ledger_header *h,
                                  const ledger_valset *vals)
{
    CHR_ASSERT(out != NULL && h != NULL);
    CHR_ASSERT(vals != NULL);
    memset(out, 0, sizeof(*out));
    uint8_t vh[32];
    ledger_valset_hash(vals, vh);
    if (vals->len == 0 || memcmp(vh, h->validators_hash, 32) != 0) {
        return CHR_ERR_BLOCK_INVALID;
    }
    CHR_ASSERT(h->chain_id_len <= LEDGER_CHAIN_ID_MAX);
    memcpy(out->chain_id, h->chain_id, h->chain_id_len);
    out->chain_id[h->chain_id_len] = '\0';
    out->height = h->height;
    ledger_header_hash(h, out->hash);
    out->time_ms = h->time_ms;
    out->vals = *vals;
    memcpy(out->vals_hash, vh, 32);
    memcpy(out->next_vals_hash, h->next_validators_hash, 32);
    out->has_next = 1;
    return CHR_OK;
}

/* The header's place after the trusted one: same chain, a later height (or the trusted
 * header itself), a later time, and at the next height a link to the trusted hash. */
static chr_err ledger_light_check_place(const ledger_light_trust *trust, const ledger_header *h,
                                        const uint8_t hash[32], char *detail, size_t detail_cap)
{
    if (strlen(trust->chain_id) != h->chain_id_len ||
        memcmp(trust->chain_id, h->chain_id, h->chain_id_len) != 0) {
        snprintf(detail, detail_cap, "header is of chain %s, not %s", h->chain_id, trust->chain_id);
        return CHR_ERR_CHAIN_ID;
    }
    if (h->height == trust->height) {
        if (memcmp(hash, trust->hash, 32) != 0) {
            snprintf(detail, detail_cap, "header at the trusted height %llu is another block",
                     (unsigned long long)h->height);
            return CHR_ERR_BLOCK_INVALID;
        }
        return CHR_OK;
    }
    if (h->height < trust->height) {
        snprintf(detail, detail_cap, "header height %llu is below the trusted height %llu",
                 (unsigned long long)h->height, (unsigned long long)trust->height);
        return CHR_ERR_BLOCK_INVALID;
    }
    /* Block 1's time may equal the genesis time; every later block's is strictly later. */
    if (h->time_ms < trust->time_ms || (trust->height > 0 && h->time_ms == trust->time_ms)) {
        snprintf(detail, detail_cap, "header time is not after the trusted header's");
        return CHR_ERR_BLOCK_INVALID;
    }
    if (h->height == trust->height + 1 && memcmp(h->prev_hash, trust->hash, 32) != 0) {
        snprintf(detail, detail_cap, "header %llu does not link to the trusted header",
                 (unsigned long long)h->height);
        return CHR_ERR_BLOCK_INVALID;
    }
    return CHR_OK;
}

/* Whether the signers of c (all checked against another set by the caller) that are in
 * the trusted set hold more than 1/3 of its power. */
static int ledger_light_third(const ledger_light_trust *trust, const ledger_commit *c)
{
    uint64_t power = 0;
    for (size_t i = 0; i < c->sigs_len; i++) {
        int at = ledger_valset_find(&trust->vals, c->sigs[i].validator);
        if (at >= 0) {
            power += trust->vals.v[at].power; /* each once: the set's total fits a u64 */
        }
    }
    CHR_ASSERT(power <= trust->vals.total_power);
    return (__uint128_t)power * 3 > (__uint128_t)trust->vals.total_power;
}

/* ledger_light_verify, with *skip_failed set when the one failure is the skipping rule's
 * (too little of the trusted power signed a header otherwise valid): the failure that
 * bisection can overcome, and the only one. */
static chr_err ledger_light_verify_at(ledger_light_trust *trust, int *skip_failed,
                                      const ledger_header *h, const ledger_commit *c,
                                      const ledger_valset *h_vals, char *detail, size_t detail_cap)
{
    CHR_ASSERT(trust != NULL && h != NULL && c != NULL);
    CHR_ASSERT(detail != NULL && detail_cap > 0);
    detail[0] = '\0';
    *skip_failed = 0;
    uint8_t hash[32];
    ledger_header_hash(h, hash);
    chr_err err = ledger_light_check_place(trust, h, hash, detail, detail_cap);
    if (err != CHR_OK) {
        return err;
    }
    /* The next header: its set is the one the trusted header named. */
    int adjacent = h->height == trust->height + 1 && trust->has_next;
    if (adjacent && memcmp(h->validators_hash, trust->next_vals_hash, 32) != 0) {
        snprintf(detail, detail_cap,
                 "header %llu's validators_hash is not the trusted header's "
                 "next_validators_hash",
                 (unsigned long long)h->height);
        return CHR_ERR_BLOCK_INVALID;
    }
    if (memcmp(h->validators_hash, trust->vals_hash, 32) == 0) {
        err = ledger_commit_verify(c, trust->chain_id, &trust->vals, h->height, hash, detail,
                                   detail_cap);
        if (err == CHR_OK && h->height != trust->height) {
            trust->height = h->height;
            memcpy(trust->hash, hash, 32);
            trust->time_ms = h->time_ms;
            memcpy(trust->next_vals_hash, h->next_validators_hash, 32);
            trust->has_next = 1;
        }
        return err;
    }
    uint8_t vh[32];
    if (h_vals != NULL) {
        ledger_valset_hash(h_vals, vh);
    }
    if (h_vals == NULL || h_vals->len == 0 || memcmp(vh, h->validators_hash, 32) != 0) {
        snprintf(detail, detail_cap,
                 "the header's validator set is missing or does not match "
                 "its validators_hash");
        return CHR_ERR_BLOCK_INVALID;
    }
    err = ledger_commit_verify(c, trust->chain_id, h_vals, h->height, hash, detail, detail_cap);
    if (err != CHR_OK) {
        return err;
    }
    if (!adjacent && !ledger_light_third(trust, c)) {
        *skip_failed = 1;
        snprintf(detail, detail_cap,
                 "validators holding at most 1/3 of the trusted power signed "
                 "header %llu: verify a header in between first",
                 (unsigned long long)h->height);
        return CHR_ERR_COMMIT;
    }
    ledger_light_trust next;
    err = ledger_light_trust_header(&next, h, h_vals);
    CHR_ASSERT(err == CHR_OK);
    *trust = next;
    return CHR_OK;
}

chr_err ledger_light_verify(ledger_light_trust *trust, const ledger_header *h,
                            const ledger_commit *c, const ledger_valset *h_vals, char *detail,
                            size_t detail_cap)
{
    int skip_failed;
    return ledger_light_verify_at(trust, &skip_failed, h, c, h_vals, detail, detail_cap);
}

/* Fetches the block of height want, a height between the trusted one and target's, into
 * scratch, within the budget of fetches_max fetches. */
static chr_err ledger_light_fetch_pivot(const ledger_light_trust *trust, uint32_t *fetched,
                                        ledger_light_fetch_fn *fetch, void *ctx,
                                        ledger_light_block *scratch, uint64_t want, uint64_t target,
                                        uint32_t fetches_max, char *detail, size_t detail_cap)
{
    CHR_ASSERT(want > trust->height && want < target);
    if (*fetched >= fetches_max) {
        snprintf(detail, detail_cap,
                 "reaching header %llu needs more than %u headers in between: trust a later "
                 "header (light init --trust-hash)",
                 (unsigned long long)target, (unsigned)fetches_max);
        return CHR_ERR_TOO_LONG;
    }
    memset(scratch, 0, sizeof(*scratch));
    (*fetched)++;
    chr_err err = fetch(ctx, want, trust->vals_hash, scratch);
    if (err != CHR_OK) {
        snprintf(detail, detail_cap, "fetching header %llu failed", (unsigned long long)want);
        return err;
    }
    if (scratch->header.height != want) {
        snprintf(detail, detail_cap, "asked for header %llu, the source gave another",
                 (unsigned long long)want);
        return CHR_ERR_BLOCK_INVALID;
    }
    return CHR_OK;
}

chr_err ledger_light_bisect(ledger_light_trust *trust, uint32_t *fetched,
                            ledger_light_fetch_fn *fetch, void *ctx, ledger_light_block *scratch,
                            const ledger_header *target, const ledger_commit *target_commit,
                            const ledger_valset *target_vals, uint32_t fetches_max, char *detail,
                            size_t detail_cap)
{
    CHR_ASSERT(trust != NULL && fetched != NULL && fetch != NULL && scratch != NULL);
    CHR_ASSERT(target != NULL && target_commit != NULL);
    CHR_ASSERT(fetches_max <= LEDGER_LIGHT_FETCHES_MAX);
    /* The heights still to verify, the target at the bottom, the one tried now on top:
     * CometBFT's light client (light/client.go, verifySkipping) in a loop. Every push but
     * the last is followed by a fetch, so the stack holds at most fetches_max + 2. */
    uint64_t pending[LEDGER_LIGHT_FETCHES_MAX + 2];
    size_t depth = 1;
    pending[0] = target->height;
    *fetched = 0;
    const ledger_header *h = target;
    const ledger_commit *c = target_commit;
    const ledger_valset *v = target_vals;
    for (;;) {
        int skip_failed;
        chr_err err = ledger_light_verify_at(trust, &skip_failed, h, c, v, detail, detail_cap);
        if (err == CHR_OK) {
            depth--;
            if (depth == 0) {
                return CHR_OK;
            }
        } else if (!skip_failed) {
            return err;
        } else {
            /* Nothing lies between at the next height (only a trusted state without the
             * next set's hash fails there). */
            if (h->height <= trust->height + 1) {
                return err;
            }
            uint64_t pivot = trust->height + (h->height - trust->height) / 2;
            CHR_ASSERT(depth < sizeof(pending) / sizeof(pending[0]));
            pending[depth++] = pivot;
        }
        /* The top of the stack: the target (given) or a height between (fetched, again
         * when it is one that failed before and must now be tried from a later trust). */
        if (depth == 1) {
            h = target;
            c = target_commit;
            v = target_vals;
            continue;
        }
        err = ledger_light_fetch_pivot(trust, fetched, fetch, ctx, scratch, pending[depth - 1],
                                       target->height, fetches_max, detail, detail_cap);
        if (err != CHR_OK) {
            return err;
        }
        h = &scratch->header;
        c = &scratch->commit;
        v = scratch->vals.len > 0 ? &scratch->vals : NULL;
    }
}
