/* Hard limits of the ledger's encodings. Each bounds something that arrives from outside
 * (a client, a peer, a file); a chain's parameters may set lower limits, never higher. */
#ifndef LEDGER_LIMITS_H
#define LEDGER_LIMITS_H

/* Chain ids are short names such as "chroom-devnet-1"; 32 keeps them readable in logs. */
#define LEDGER_CHAIN_ID_MAX 32
/* A memo is a short note (an invoice number, a reference), not a storage channel. */
#define LEDGER_MEMO_MAX 256
/* The largest encoded transaction of every type but meeting-create and meeting-settle: a
 * transfer with the longest chain id and memo is 417 bytes; later transaction types get
 * room up to 1 KiB. */
#define LEDGER_TX_BYTES_BASE_MAX 1024
/* The largest meeting-create: the host and LEDGER_MEETING_PARTICIPANTS_MAX participants,
 * every ID at its longest, beside the longest title, region, chain id and memo (8,861
 * bytes, asserted in ledger/tx.h); 9 KiB. */
#define LEDGER_TX_MEETING_BYTES_MAX 9216
/* The largest encoded transaction of any type: a meeting-settle carrying a claim for every
 * person of the largest meeting (128), each with its receipt, beside the longest chain id
 * and memo (20,138 bytes, asserted in ledger/tx.h). Every buffer, the mempool, gossip, the
 * API and the wallet are sized by this; ledger_tx_decode holds meeting-creates to
 * LEDGER_TX_MEETING_BYTES_MAX and the other types to LEDGER_TX_BYTES_BASE_MAX. */
#define LEDGER_TX_BYTES_MAX 20224
/* Validators in one set: commits carry a signature each, and 128 keeps a commit ~12 KiB. */
#define LEDGER_VALIDATORS_MAX 128
/* Transactions in one block, and its encoded size: what one block interval can apply. */
#define LEDGER_BLOCK_TXS_MAX 20000
#define LEDGER_BLOCK_BYTES_MAX (8u * 1024 * 1024)
/* Accounts in a genesis file: a genesis bigger than this is a snapshot, not a genesis. */
#define LEDGER_GENESIS_ACCOUNTS_MAX 1000000

/* Headers a light client fetches to bisect from its trusted header to one it cannot skip
 * to (ledger/light.h): each pivot halves the gap, so a turnover of the set costs about
 * log2(gap) pivots (some 25 for a year of one-second blocks); 96 lets a few turnovers
 * through in one run, while a node that answers with headers that never verify costs the
 * wallet at most 96 x 3 requests. Past it the wallet refuses: trust a later header. */
#define LEDGER_LIGHT_FETCHES_MAX 96
/* How far a header's time may be ahead of a light client's clock (CometBFT's default
 * max clock drift): proposers' clocks and the client's differ by seconds, not more. */
#define LEDGER_LIGHT_CLOCK_DRIFT_MS 10000u
/* A light client's trusting period when none is given and the chain's unbonding time is
 * not known (a header trusted by hash): CometBFT's default of a week, well under the
 * default unbonding time of 21 days. */
#define LEDGER_LIGHT_TRUSTING_PERIOD_DEFAULT_MS (7ull * 24 * 3600 * 1000)

/* Evidence of double signing a node holds for its next blocks: far more than an honest
 * network ever sees; when full, the oldest offence gives way (ledger/evidence_pool.h). */
#define LEDGER_EVIDENCE_POOL_MAX 256
/* A human-readable reason a transaction failed ("nonce: expected 7, got 9"). */
#define LEDGER_DETAIL_MAX 160

_Static_assert(LEDGER_TX_BYTES_BASE_MAX <= LEDGER_TX_MEETING_BYTES_MAX &&
                   LEDGER_TX_MEETING_BYTES_MAX <= LEDGER_TX_BYTES_MAX,
               "the base limit is the lowest, the settle's the highest");
_Static_assert(LEDGER_BLOCK_TXS_MAX * (LEDGER_TX_BYTES_BASE_MAX + 2) > LEDGER_BLOCK_BYTES_MAX,
               "byte limit is the binding one for full blocks of large transactions");
_Static_assert(LEDGER_VALIDATORS_MAX <= 65535, "validator counts are encoded as u16");

/* How far back from the tip a store that is not an archive reads a past state
 * (ledger_store_account_at, ledger_store_state_proof_at): each block back costs up to two
 * reads per row of a proof's path (about 22 rows at a million accounts), so 1,000 blocks is
 * some 44,000 reads, tens of milliseconds: the most one request may cost. An archive indexes
 * its old rows by id and reads any kept height in a few seeks per row, without this bound. */
#define LEDGER_STORE_PAST_BLOCKS_MAX 1000u

/* The bytes of one state object's value (ledger/objects.h): a validator's record with its
 * moniker, website and details (each bounded well under 140 bytes) and its stake and
 * commission fields is the largest the next modules plan, under 400 bytes; 512 leaves
 * room and keeps a block's object overlay (an entry per changed object) small. */
#define LEDGER_OBJECT_VALUE_MAX 512
/* Objects a block may change outside its transactions (the per-block steps: rewards for
 * every validator, unbondings that mature, missed-block bits, slashes, jailing and their
 * records): with LEDGER_VALIDATORS_MAX validators a few changes each, 2,304 is room to
 * spare (asserted below), and costs about 1.6 MB of overlay. */
#define LEDGER_BLOCK_OBJECT_STEPS_MAX 2304

/* Unbonding (and redelegation) entries one delegator may hold per validator at once
 * (params.entries_max up to this): each costs a state object until it matures, so the
 * list must be bounded; Cosmos keeps 7 and nobody needs more than a handful. */
#define LEDGER_STAKING_ENTRIES_MAX 32
/* A validator's moniker, website and details (bytes of UTF-8): with its fixed fields
 * (about 140 bytes) they fit one object value (LEDGER_OBJECT_VALUE_MAX). */
#define LEDGER_MONIKER_MAX 64
#define LEDGER_WEBSITE_MAX 100
#define LEDGER_DETAILS_MAX 160
/* Validators one withdraw-rewards of "all" settles at most: each costs five objects of
 * the block's table (the delegation, the validator's rewards, three ratios), and every
 * staking type's share of the table is sized for the largest (a redelegation's 19); more
 * delegations are withdrawn one validator at a time. */
#define LEDGER_WITHDRAW_ALL_MAX 3
/* Unbondings and redelegations an end of block matures at most: the rest wait for the next
 * block (their completion time has passed, so they mature there); keeps the block's object
 * steps within LEDGER_BLOCK_OBJECT_STEPS_MAX beside the validator set's objects. */
#define LEDGER_STAKING_MATURE_MAX 128

/* Per end of block: two objects per matured unbonding and per matured redelegation (the
 * entry, the pair's delegation), a status change for each validator entering or leaving
 * the set and the new set's objects (3 per seat, plus its head), the global one; the
 * rewards of each signer and the proposer, and their pool; each signer's signing info and
 * bit chunk; a slash (the validator, two power rows, its record) per evidence and per
 * validator of the set, and the pool. */
_Static_assert(LEDGER_STAKING_MATURE_MAX * 2 * 2 + 3 * LEDGER_VALIDATORS_MAX + 2 +
                       (LEDGER_VALIDATORS_MAX + 2) + 2 * LEDGER_VALIDATORS_MAX +
                       4 * (64 + LEDGER_VALIDATORS_MAX) + 1 <=
                   LEDGER_BLOCK_OBJECT_STEPS_MAX,
               "an end of block's staking, reward and slashing steps fit its object steps");

/* The media tier and meetings (ledger/media.h, ledger/meetings.h). Every bound keeps the
 * largest meeting-create within LEDGER_TX_MEETING_BYTES_MAX with the longest chain id and
 * memo (asserted in ledger/tx.h) and each record within LEDGER_OBJECT_VALUE_MAX (the
 * participant list in chunks: ledger/meetings.h). */
/* A media node's HTTPS endpoint: a host name (DNS names are at most 253 characters but real
 * endpoints are far shorter), an optional port and a short path. */
#define LEDGER_MEDIA_ENDPOINT_MAX 128
/* A region code such as "eu-west" or "us-east-2". */
#define LEDGER_MEDIA_REGION_MAX 16
/* A node's free-form metadata (operator name, contact): a label, not storage. */
#define LEDGER_MEDIA_METADATA_MAX 128
/* Concurrent participants one media node may claim: a large SFU carries a few thousand. */
#define LEDGER_MEDIA_CAPACITY_MAX 100000u
/* A meeting's title (bytes of UTF-8) and its host and participant IDs (the seed's "Host ID":
 * an app's user id or a 62-character chr1 address). */
#define LEDGER_MEETING_TITLE_MAX 64
#define LEDGER_MEETING_ID_STR_MAX 64
/* Participants of one meeting besides its host: 128 people in all, room for an all-hands,
 * a class or a webinar, while a settle of one claim per person (each up to 154 bytes) stays
 * near 20 KB and a meeting's close at the end of a block within its object steps (asserted
 * below). Larger audiences are a broadcast, not a meeting. The IDs are bounded one by one
 * (LEDGER_MEETING_ID_STR_MAX): all of them at their longest fit LEDGER_TX_MEETING_BYTES_MAX. */
#define LEDGER_MEETING_PARTICIPANTS_MAX 127
/* A meeting lasts at most a day; a longer one is a series. */
#define LEDGER_MEETING_DURATION_MAX_MIN 1440u
/* How far ahead a meeting may be scheduled: 30 days. */
#define LEDGER_MEETING_AHEAD_MAX_MS (30ull * 24 * 3600 * 1000)
/* Media nodes one allocation looks at: a seeded window of this many, so that allocation
 * costs the same with 100 or 10,000 nodes registered. */
#define LEDGER_MEETING_CANDIDATES_MAX 16
/* Allocations of one node one capacity check reads; a node with more in the meeting's
 * span is counted full (deterministically), which bounds a check's cost. */
#define LEDGER_MEETING_LOAD_SCAN_MAX 64

/* Settlement (ledger/settle.h). Claims in one meeting-settle: one per person of the meeting
 * (its host and every participant, 128), so a meeting settles in one transaction; a claim
 * carries the payer's credit signature and a receipt's (154 bytes at most), which sets
 * LEDGER_TX_BYTES_MAX (asserted in ledger/tx.h). */
#define LEDGER_SETTLE_CLAIMS_MAX (LEDGER_MEETING_PARTICIPANTS_MAX + 1)
/* Meetings one end of block closes: each changes up to 130 objects (its due entry, its
 * settlement record, 128 claim records) and 3 accounts (the operator, the payer, and the fee
 * collector for the protocol share, which the block's table counts once as the proposer);
 * the rest wait for the next block (their due time has passed, so they close there). */
#define LEDGER_SETTLE_DUE_PER_BLOCK 4
/* The + 1 after the settlements: the meetings' totals (escrowed), one object per block. */
_Static_assert(LEDGER_STAKING_MATURE_MAX * 2 * 2 + 3 * LEDGER_VALIDATORS_MAX + 2 +
                       LEDGER_SETTLE_DUE_PER_BLOCK * (3 + LEDGER_MEETING_PARTICIPANTS_MAX + 1) +
                       1 <=
                   LEDGER_BLOCK_OBJECT_STEPS_MAX,
               "an end of block's staking and settlement steps fit its object steps");
/* Governance (ledger/gov.h). Each bound keeps a proposal's record within
 * LEDGER_OBJECT_VALUE_MAX and the longest submit within LEDGER_TX_BYTES_MAX (asserted in
 * ledger/gov_types.h), and an end of block's work bounded. */
/* A proposal's title: a headline; the discussion lives off chain. */
#define LEDGER_GOV_TITLE_MAX 64
/* Parameter changes in one proposal: a coherent change touches a few fields. */
#define LEDGER_GOV_CHANGES_MAX 6
/* A parameter's name ("price_per_participant_minute", 28, is the longest). */
#define LEDGER_GOV_PARAM_NAME_MAX 32
/* A software upgrade's name ("v2.0.0-rc1"). */
#define LEDGER_GOV_UPGRADE_NAME_MAX 32
/* Depositors of one proposal: each is refunded in the block that ends it. */
#define LEDGER_GOV_DEPOSITORS_MAX 32
/* Votes on one proposal: the tally reads each once in the block that ends the vote (a few
 * thousand reads); a voter must hold stake, so the bound is reached only by stakers. */
#define LEDGER_GOV_VOTES_MAX 4096
/* A voter's delegations the tally reads: stake spread over more validators counts for the
 * first ones in key order only (documented in docs/PROTOCOL.md, "Tally"). */
#define LEDGER_GOV_VOTER_DELEGATIONS_MAX 16
/* Proposals one end of block ends; the rest end in the next blocks (their time passed). */
#define LEDGER_GOV_ENDS_PER_BLOCK_MAX 4
/* Objects and accounts the governance step of one end of block changes at most: per ended
 * proposal its record, its event, two queue entries, its deposits, and the three parameter
 * objects and the upgrade plan; the global once. Accounts: a refund per deposit. */
#define LEDGER_GOV_OBJECT_STEPS_MAX                                                                \
    (LEDGER_GOV_ENDS_PER_BLOCK_MAX * (4 + LEDGER_GOV_DEPOSITORS_MAX + 4) + 1)
#define LEDGER_GOV_ACCOUNT_STEPS_MAX                                                               \
    (LEDGER_GOV_ENDS_PER_BLOCK_MAX * (LEDGER_GOV_DEPOSITORS_MAX + 1)) /* + a spend's recipient */

/* ---- Media-node heartbeats (ledger/heartbeat.h, docs/ANALYTICS.md). ---- */
/* Meetings one heartbeat reports on: a media node carries many, but a heartbeat is a sample
 * every few seconds, and 32 keeps the largest one under 2 KB of JSON. */
#define LEDGER_HEARTBEAT_MEETINGS_MAX 32u
/* Bandwidth in kbit/s: 100 Gbit/s is past any one media server's network interface. */
#define LEDGER_HEARTBEAT_KBPS_MAX 100000000u
/* Jitter and round-trip time in ms: a minute is no longer real-time media. */
#define LEDGER_HEARTBEAT_MS_MAX 60000u
/* Load and CPU in per-mille of the node's capacity; packet loss in basis points. */
#define LEDGER_HEARTBEAT_PERMILLE_MAX 1000u
#define LEDGER_HEARTBEAT_LOSS_BP_MAX 10000u
/* One meeting's entry: raw12 id | u32 participants | u32 in | u32 out | u16 loss | u32 jitter
 * | u32 rtt. */
#define LEDGER_HEARTBEAT_MEETING_BYTES (12 + 4 + 4 + 4 + 2 + 4 + 4)
/* The longest heartbeat: version, chain id, node key, time, the node's figures, the count,
 * every meeting, the signature. */
#define LEDGER_HEARTBEAT_BYTES_MAX                                                                 \
    (1 + 1 + LEDGER_CHAIN_ID_MAX + 32 + 8 + 2 + 4 + 4 + 4 + 2 + 4 + 4 + 2 + 1 +                    \
     LEDGER_HEARTBEAT_MEETINGS_MAX * LEDGER_HEARTBEAT_MEETING_BYTES + 64)
_Static_assert(LEDGER_HEARTBEAT_MEETINGS_MAX <= 255, "the count is a u8");
_Static_assert(LEDGER_HEARTBEAT_PERMILLE_MAX <= 65535u && LEDGER_HEARTBEAT_LOSS_BP_MAX <=
               65535u, "u16 fields");

#endif
