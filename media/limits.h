/* chroom-media's limits on what comes from outside: its config file, its state file, the
 * local endpoint's requests and the meetings it keeps track of (docs/MEDIA-AGENT.md). */
#ifndef MEDIA_LIMITS_H
#define MEDIA_LIMITS_H

#include "ledger/limits.h"

/* Meetings tracked at once (credits seen, usage not yet settled): a media node carries at
 * most LEDGER_MEDIA_CAPACITY_MAX participants, but its meetings leave the table when
 * settled, and a settlement window is a day; 512 meetings is far above what one media
 * server runs in a day. Each has room for 128 people (about 51 KiB), so the table takes
 * about 26 MiB. */
#define MEDIA_MEETINGS_MAX 512
/* The people of one meeting: its host (claim index 0) and its participants. */
#define MEDIA_PERSONS_MAX (1 + LEDGER_MEETING_PARTICIPANTS_MAX)
/* The config file is a hand-written INI of about 20 lines. */
#define MEDIA_CONFIG_BYTES_MAX (64u * 1024)
/* The state file: every tracked meeting with every person's credit in hex (~600 bytes)
 * is about 40 MiB at the table's limit (512 meetings of 128 people). */
#define MEDIA_STATE_BYTES_MAX (64u * 1024 * 1024)
/* A path in the config (a key file, the state file), with its NUL: PATH_MAX. */
#define MEDIA_PATH_MAX 4096
/* The ledger node's URL, as the wallet's (WALLET_URL_MAX): the agent calls the node
 * through the wallet's client. */
#define MEDIA_URL_MAX 480
/* A request body of the local endpoint: a credit's hex is at most 2 x CREDIT_BYTES_MAX
 * (about 560) characters, a usage report far less; a /stats report of 32 meetings with
 * every figure at its longest is about 5.5 KiB. */
#define MEDIA_BODY_BYTES_MAX 8192
/* The local endpoint serves one media server beside it: a few connections suffice, and
 * these bound what a runaway client can hold. */
#define MEDIA_CONNECTIONS_MAX 64
#define MEDIA_CONNECTIONS_PER_IP_MAX 32
#define MEDIA_CONNECTION_TIMEOUT_S 10
/* Threads answering the local endpoint (a /verify may wait on the ledger node). */
#define MEDIA_HTTP_THREADS 4
/* Minutes in one usage report: at most the longest meeting. */
#define MEDIA_USAGE_MINUTES_MAX LEDGER_MEETING_DURATION_MAX_MIN
/* How often `run` looks at its meetings: 100 ms to an hour (default 5 s). */
#define MEDIA_POLL_MS_MIN 100u
#define MEDIA_POLL_MS_MAX 3600000u
#define MEDIA_POLL_MS_DEFAULT 5000u
/* How often `run` sends a heartbeat: at least the ledger node's per-node minimum ([analytics]
 * interval_min_ms, 1 s by default), at most ten minutes (default 10 s, well inside the 30 s
 * after which a silent node is degraded). */
#define MEDIA_HEARTBEAT_MS_MIN 1000u
#define MEDIA_HEARTBEAT_MS_MAX 600000u
#define MEDIA_HEARTBEAT_MS_DEFAULT 10000u
/* The media server's figures go into heartbeats for a minute after its last /stats report:
 * older ones describe a media server that has stopped reporting, not the present. */
#define MEDIA_STATS_STALE_MS 60000u
/* A heartbeat refusal is logged at most once a minute while it repeats. */
#define MEDIA_HEARTBEAT_LOG_MS 60000u
/* /proc/stat's first line: "cpu" and ten counters of at most 20 digits. */
#define MEDIA_PROC_STAT_BYTES_MAX 512
/* Blocks `run` reads for new meetings in one round: it catches up after a long stop
 * without holding up settlement for long. */
#define MEDIA_WATCH_BLOCKS_PER_ROUND 100
/* Pages of a block's transactions (100 each): the largest block holds 20,000. */
#define MEDIA_WATCH_PAGES_MAX 200
/* A claim batch is one settle transaction; a meeting's claims need at most this many. */
#define MEDIA_BATCHES_MAX                                                                          \
    ((MEDIA_PERSONS_MAX + LEDGER_SETTLE_CLAIMS_MAX - 1) / LEDGER_SETTLE_CLAIMS_MAX)

_Static_assert(MEDIA_PERSONS_MAX <= 255, "a claim's index is a u8");
_Static_assert(MEDIA_BATCHES_MAX * LEDGER_SETTLE_CLAIMS_MAX >= MEDIA_PERSONS_MAX,
               "the batches hold every person's claim");

#endif
