/* Slashing: double signing (evidence committed in a block) and downtime (docs/PROTOCOL.md,
 * "Slashing"; issue 13, part 2).
 *
 * Double signing: the offender's bonded stake is slashed slash_double_sign_ppm, it is
 * jailed and tombstoned (it never signs again); the stake that began unbonding or
 * redelegating from it at or after the offence's height is slashed as much when its entry
 * matures (ledger_slashing_entry_burn; with the default 21-day unbonding time an entry
 * outlives LEDGER_EVIDENCE_AGE_MAX blocks under 18 s; one already matured is not). Downtime: each
 * validator of the set that signed the previous block has a missed-block bit array over the last
 * signed_blocks_window commits; one that has been counted for a whole window and missed
 * more than window - window * min_signed_ppm / 10^6 of them is slashed
 * slash_downtime_ppm and jailed for downtime_jail_ms of block time (it may unjail after:
 * ledger_staking_unjail); its window starts again. Slashed amounts are burned (the staking
 * pool's burned: the supply check sees it).
 *
 * State (ledger/objects.h kind 0x10, signing):
 *   raw32 operator            -> u64 counted | u32 missed | u32 epoch | u64 offence_height |
 *                                u32 offence_ppm
 *   raw32 operator || u32 n   -> u32 epoch | raw LEDGER_SIGNING_CHUNK_BYTES bits
 * Bit i of the window (counted modulo the window) is bit i % 8 of byte i / 8 of chunk
 * i / (8 * LEDGER_SIGNING_CHUNK_BYTES); a chunk of another epoch reads as all zero (a
 * window that starts again does not clear its chunks: O(1) per block per validator).
 *
 * Records (kind 0x17, slash_record): every slash an end of block makes is recorded under
 *   u64 height || u16 index  -> ledger_slash_record
 * index counting from 0 in the order the slashes were made (evidence first, then
 * downtime), so that what happened at a height can be read back from the state on every
 * node, after any restart (the API's slash and jail events). A record is never deleted:
 * each costs a slash of some stake, so they stay few.
 *
 * Deterministic core: no I/O, clock or randomness; works on the block's object table. */
#ifndef LEDGER_SLASHING_H
#define LEDGER_SLASHING_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/block.h"
#include "ledger/evidence.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/state.h"
#include "ledger/valset.h"

/* Bytes of missed-block bits per object: 2,048 blocks a chunk, so the largest window
 * (1,000,000) takes 489 objects and a block touches one per validator. */
#define LEDGER_SIGNING_CHUNK_BYTES 256

typedef struct ledger_signing_info {
    uint64_t counted;        /* commits counted since the window (re)started */
    uint32_t missed;         /* missed among the last min(counted, window) */
    uint32_t epoch;          /* bumped when the window starts again */
    uint64_t offence_height; /* the double signing's height (0: none) */
    uint32_t offence_ppm;    /* the fraction slashed for it */
} ledger_signing_info;

typedef enum ledger_slash_reason {
    LEDGER_SLASH_DOUBLE_SIGN = 1,
    LEDGER_SLASH_DOWNTIME = 2
} ledger_slash_reason;

typedef struct ledger_slash_record {
    uint8_t reason; /* ledger_slash_reason */
    uint8_t operator_key[32];
    uint32_t fraction_ppm;
    uint64_t burned;
    uint64_t jailed_until_ms; /* UINT64_MAX: tombstoned, never */
    uint8_t tombstoned;
} ledger_slash_record;

/* The most slashes one end of block records: one per evidence and one per member of the
 * set that signed the previous block. */
#define LEDGER_SLASH_RECORDS_MAX (LEDGER_BLOCK_EVIDENCE_MAX + LEDGER_VALIDATORS_MAX)
/* A record's value: u8 reason | raw32 operator | u32 fraction_ppm | u64 burned |
 * u64 jailed_until_ms | u8 tombstoned. */
#define LEDGER_SLASH_RECORD_BYTES 54

/* The natural key of record index of height: u64 height || u16 index. */
void ledger_slash_record_key(uint8_t out[10], uint64_t height, uint16_t index);
/* Decodes a record's value: CHR_ERR_TRUNCATED, CHR_ERR_TRAILING, CHR_ERR_NONCANONICAL (a
 * reason other than 1 or 2, tombstoned other than 0 or 1); *out zeroed on failure. */
CHR_WUR chr_err ledger_slash_record_decode(ledger_slash_record *out, const uint8_t *in,
                                           size_t in_len);

/* The signing info of operator_key (zeros when none). The loads' errors, CHR_ERR_STORE. */
CHR_WUR chr_err ledger_signing_info_get(ledger_objects *t, const uint8_t operator_key[32],
                                        ledger_signing_info *out);

/* What a maturing entry (an unbonding from validator, or a redelegation out of it) created
 * at created_height with `initial` owes a double-sign slash of validator: initial *
 * offence_ppm / 10^6 (rounded down) when the offence's height is at most created_height,
 * else 0; never above cap. The loads' errors, CHR_ERR_STORE. */
CHR_WUR chr_err ledger_slashing_entry_burn(ledger_objects *t, const uint8_t validator[32],
                                           uint64_t created_height, uint64_t initial, uint64_t cap,
                                           uint64_t *burn);

/* End of block (ledger/chain.c, after the rewards, before ledger_staking_end_block):
 * slashes the validators of ev (ev_len entries, the block's evidence, each checked by the
 * chain), then counts last_commit (NULL at height 1: nothing to count) for every member
 * of prev that has a validator object not jailed, slashing and jailing those over the
 * downtime limit; records each slash under height (see above). height and time_ms are the
 * block's. Errors: the loads', CHR_ERR_FULL (a broken bound
 * of the block's table), CHR_ERR_STORE. */
CHR_WUR chr_err ledger_slashing_end_block(ledger_objects *t, const ledger_params *params,
                                          const ledger_valset *prev,
                                          const ledger_commit *last_commit,
                                          const ledger_evidence *ev, size_t ev_len, uint64_t height,
                                          uint64_t time_ms);

#endif
