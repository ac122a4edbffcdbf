/* Hard limits of the consensus module. Each bounds something a peer controls (a round
 * number, a message's size, how far ahead a vote may be) or a table sized at start-up. */
#ifndef CONS_LIMITS_H
#define CONS_LIMITS_H

#include "ledger/block.h"
#include "ledger/limits.h"

/* Rounds of one height kept in memory (vote sets and proposals). Past this, the oldest
 * round that holds neither the lock nor the valid value is forgotten: a height that needs
 * more than 32 rounds has a network problem that old rounds' votes do not solve. */
#define CONS_ROUNDS_KEPT 32
/* A vote or proposal for a round further than this beyond ours is not stored (it still
 * counts towards skipping rounds, L55 of the paper): an honest
 * validator is never that far ahead (rounds end by timeouts that grow with the round), and
 * the bound keeps a byzantine validator from filling the round table with empty rounds. */
#define CONS_ROUND_AHEAD_MAX 8
/* The largest round number accepted at all; with timeouts growing per round, round one
 * million is days of failed rounds. Keeps round arithmetic far from overflow. */
#define CONS_ROUND_MAX 1000000u
/* A proposal carries a whole block: the largest one the ledger encodes (a block whose
 * transactions fill LEDGER_BLOCK_BYTES_MAX, with its commit and evidence). */
#define CONS_BLOCK_BYTES_MAX LEDGER_BLOCK_ENCODED_MAX
/* The largest consensus message: a proposal or a committed block with its commit. */
#define CONS_MSG_BYTES_MAX (CONS_BLOCK_BYTES_MAX + 64 * 1024)
/* Actions one input may produce. A status answer sends the proposal and votes (up to
 * three per validator and type when validators equivocate) of two rounds and a
 * proof-of-lock round; it stops short of the end (consensus/core_peers.c, room()), keeping
 * CONS_ACTIONS_RESERVE for the rules, which fire a handful (a proposal, votes, timeouts,
 * each with its record, a decision, evidence). */
#define CONS_ACTIONS_RESERVE 64
/* Evidence of rounds the core does not store, remembered so gossiped copies are reported
 * once: more than the validators that can equivocate in the rounds a height sees. */
#define CONS_EVIDENCE_SEEN 64
/* Peers whose latest status is kept, with what was sent them of proofs of lock and when
 * they last delivered a block (slot = peer id mod this; a collision only forgets a peer,
 * whose next status brings it back). */
#define CONS_PEERS_TRACKED 64
/* A status is unsigned, so a peer's claim to be more than one height ahead of us counts
 * towards cons_core_peer_height (which makes a node say it is syncing) only while it is
 * credible: within this long of the peer's last block that decided a height here (a
 * COMMITTED answering our status), or, before it has delivered any, within this long of
 * the start of the current stretch of unproven claims. An honest peer ahead answers our
 * next status (every 250 ms in chroomd) with blocks, one round trip away; ten seconds
 * also covers a slow link and a large block's checks. */
#define CONS_SYNC_PROOF_MS 10000u
/* A stretch of unproven claims (above) ends only after this long without any: so a liar
 * that reconnects under a new peer id gets no fresh grace, and at most one stretch in
 * this many milliseconds reports syncing on its word alone. */
#define CONS_SYNC_DOUBT_QUIET_MS 60000u
#define CONS_ACTIONS_MAX (CONS_ACTIONS_RESERVE + 3 * (1 + 2 * 3 * LEDGER_VALIDATORS_MAX))
/* Slots of the proposer schedule (docs/CONSENSUS.md, "Proposer"): powers are scaled so
 * their sum is about this, each validator getting at least one slot. */
#define CONS_PROPOSER_SLOTS 4096

_Static_assert(CONS_ROUND_AHEAD_MAX < CONS_ROUNDS_KEPT, "the round window fits the table");
_Static_assert(CONS_PROPOSER_SLOTS >= LEDGER_VALIDATORS_MAX, "every validator gets slots");
_Static_assert(CONS_SYNC_DOUBT_QUIET_MS > CONS_SYNC_PROOF_MS, "a stretch outlasts its grace");

#endif
