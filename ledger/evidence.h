/* Evidence of double signing: two votes of one validator, of one type, height and round,
 * for different blocks (docs/PROTOCOL.md, "Evidence"). Blocks carry it; the staking rules
 * slash for it.
 *
 * Encoding (fixed LEDGER_EVIDENCE_BYTES bytes):
 *   u8 type (1 prevote, 2 precommit) | u64 height | u32 round | raw32 validator |
 *   raw32 block_a | raw64 sig_a | raw32 block_b | raw64 sig_b
 * with block_a below block_b bytewise (a nil vote, all zeros, is always a), so a pair of
 * votes has exactly one encoding. Each signature is BIP-340 over ledger_vote_sighash.
 *
 * An evidence's key, validator | height | round | type, names the offence: a block carries
 * at most one evidence per key, and a key committed once is never committed again.
 * Thread-safe. */
#ifndef LEDGER_EVIDENCE_H
#define LEDGER_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/valset.h"

#define LEDGER_EVIDENCE_BYTES (1 + 8 + 4 + 32 + 2 * (32 + 64))
#define LEDGER_EVIDENCE_KEY_BYTES (32 + 8 + 4 + 1)
/* Evidence in one block: each costs two signature verifications to check. */
#define LEDGER_BLOCK_EVIDENCE_MAX 64
/* How many blocks back evidence may reach: an offence older than this is no longer put in
 * a block (the staking rules keep stake bonded at least this long to answer for it). */
#define LEDGER_EVIDENCE_AGE_MAX 100000

typedef struct ledger_evidence {
    uint8_t type;
    uint64_t height;
    uint32_t round;
    uint8_t validator[32];
    uint8_t block_a[32];
    uint8_t sig_a[64];
    uint8_t block_b[32];
    uint8_t sig_b[64];
} ledger_evidence;

void ledger_evidence_encode(const ledger_evidence *ev, uint8_t out[LEDGER_EVIDENCE_BYTES]);
/* CHR_ERR_TRUNCATED / CHR_ERR_TRAILING for another length; CHR_ERR_EVIDENCE for an unknown
 * vote type, height 0, or blocks not in strictly increasing order (equal: no conflict).
 * out is zeroed on failure. */
CHR_WUR chr_err ledger_evidence_decode(ledger_evidence *out, const uint8_t *in, size_t in_len);

/* The key that names the offence (validator | u64 height | u32 round | u8 type). */
void ledger_evidence_key(const ledger_evidence *ev, uint8_t out[LEDGER_EVIDENCE_KEY_BYTES]);

/* Whether ev may go in a block at block_height: its height is below block_height and at
 * most LEDGER_EVIDENCE_AGE_MAX blocks back, its validator is in vals (the set of its
 * height), and (with verify_sigs) both signatures verify for chain_id. Whether it was
 * committed before is the store's to say (ledger_store_evidence). CHR_ERR_EVIDENCE with
 * `detail` saying why. */
CHR_WUR chr_err ledger_evidence_check(const ledger_evidence *ev, const char *chain_id,
                                      const ledger_valset *vals, uint64_t block_height,
                                      int verify_sigs, char *detail, size_t detail_cap);

/* The RFC 6962 root over encoded evidence (none: SHA256("")): the header's evidence_root. */
CHR_WUR chr_err ledger_evidence_root(uint8_t out[32], const ledger_evidence *evs, size_t n);

#endif
