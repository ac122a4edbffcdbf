/* Limits of the REST server; each bounds what a client controls. */
#ifndef RPC_LIMITS_H
#define RPC_LIMITS_H

#include "ledger/limits.h"

/* Transactions in one POST /api/v1/txs/batch: a batch is verified and admitted as a
 * unit, and 1000 keeps one request's work near 50 ms on one core. */
#define RPC_BATCH_TXS_MAX 1000
/* Governance events of one block on the event stream (rpc/internal/events_gov.h): a status
 * change per transaction and per proposal its end of block ends, and an execution event
 * for each passed or failed one; their ids follow the block's transactions and set. */
#define RPC_GOV_EVENTS_MAX (2u * (LEDGER_BLOCK_TXS_MAX + LEDGER_GOV_ENDS_PER_BLOCK_MAX))
/* A request's path and query: our longest route with a 62-character address is ~120. */
#define RPC_URL_BYTES_MAX 512
/* HTTP event-loop threads (chain.conf [api] threads): past one per core they only take
 * turns, and 256 is more cores than a node has. */
#define RPC_THREADS_MAX 256u
/* Memory per connection for its request line and headers (libmicrohttpd's pool). */
#define RPC_CONNECTION_MEMORY_MAX (32u * 1024)
/* libmicrohttpd's parsing strictness (MHD_OPTION_CLIENT_DISCIPLINE_LVL): 1 is "more strict,
 * within the limits set by RFCs for HTTP servers", its advice for public servers: it
 * refuses obsolete line folding and bare LF line ends, which a proxy in front may read
 * otherwise (RFC 9112 sections 2.2 and 5.2). */
#define RPC_HTTP_DISCIPLINE 1
/* JSON nesting is bounded by jansson's parser (JSON_PARSER_MAX_DEPTH, 2048 in Debian's
 * build) and by the body limit; deeper input is a 400 bad_json. */
/* The body limit ([api] body_bytes_max in chain.conf; node/config.c reads it within these,
 * chain.conf.example and docs/API.md state them). A body is buffered whole, per connection:
 * the smallest limit still fits one transaction's JSON, the default a batch of
 * RPC_BATCH_TXS_MAX of the largest transactions in hex (~2 MiB), and 64 MiB times
 * [api] connections_max is already more memory than a node should spend. */
#define RPC_BODY_BYTES_MIN 4096
#define RPC_BODY_BYTES_DEFAULT (4u * 1024 * 1024)
#define RPC_BODY_BYTES_MAX (64u * 1024 * 1024)
/* A body declared over the limit is read and dropped (so the client sees its 413) up to
 * this many times the limit; past that, it is refused unread. */
#define RPC_BODY_DISCARD_FACTOR 16
/* A body over this is read only after its credential is checked: at
 * most this much is buffered per connection for a client without a key. */
#define RPC_AUTH_EARLY_BODY_BYTES (64u * 1024)

/* At the smallest body limit every transaction but a meeting-create or meeting-settle over
 * the base limit fits in hex; the default fits the largest settle too (chain.conf.example
 * says so). */
_Static_assert(RPC_BODY_BYTES_MIN > 2 * LEDGER_TX_BYTES_BASE_MAX, "a hex-encoded tx fits");
_Static_assert(RPC_BODY_BYTES_DEFAULT > 2 * LEDGER_TX_BYTES_MAX, "a hex-encoded settle fits");
_Static_assert(RPC_BATCH_TXS_MAX * (LEDGER_TX_BYTES_BASE_MAX * 2 + 4) < RPC_BODY_BYTES_DEFAULT,
               "the default body limit holds a full batch (of settles at their largest, 103)");
_Static_assert(RPC_BODY_BYTES_MIN <= RPC_BODY_BYTES_DEFAULT &&
                   RPC_BODY_BYTES_DEFAULT <= RPC_BODY_BYTES_MAX,
               "the default is a legal limit");

/* Items in one page of a list (?limit=): 100 rendered transactions are ~60 KB of JSON and
 * a few ms of work; a client wanting more follows next_cursor. */
#define RPC_LIST_LIMIT_MAX 100
#define RPC_LIST_LIMIT_DEFAULT 20
/* History entries one page of GET /api/v1/accounts/{address}/txs may read past while its
 * direction filter skips them: bounds one request's work (~10 ms) for an account with
 * very many transactions of the other direction; past it the page is shorter and its
 * next_cursor goes on from where the reading stopped. */
#define RPC_HISTORY_SCAN_MAX 10000
/* Meetings one GET /api/v1/meetings reads while its status filter skips them: each costs
 * four object reads, so 1,000 bound a request to a few milliseconds; past it the page is
 * shorter and its next_cursor goes on from where the reading stopped. */
#define RPC_MEETINGS_SCAN_MAX 1000
/* State objects one page of a filtered staking list reads at most (rpc/routes_staking.c):
 * like the history's scan, a bound on the work one request costs. */
#define RPC_STAKING_SCAN_MAX 10000
/* A POST /api/v1/analytics/heartbeats body: {"heartbeat": "<hex>"} of the longest heartbeat
 * is ~2,530 bytes; the open route parses nothing longer (413 body_too_large). */
#define RPC_HEARTBEAT_BODY_BYTES_MAX 4096u
_Static_assert(2 * LEDGER_HEARTBEAT_BYTES_MAX + 64 < RPC_HEARTBEAT_BODY_BYTES_MAX,
               "the longest heartbeat's body fits");
/* Sponsor accounts whose next nonce the server remembers at once (rpc_sponsor_nonce): one
 * per API key bound to a sponsor that is creating meetings at the same time; past it a
 * sponsor's slot is taken over and it starts again from its account's pending nonce. */
#define RPC_SPONSOR_NONCE_SLOTS 64
/* Routes in the table: GET /metrics keeps counters for each (rpc/internal/metrics.h). */
#define RPC_ROUTES_MAX 128

_Static_assert(RPC_LIST_LIMIT_DEFAULT <= RPC_LIST_LIMIT_MAX, "the default page fits a page");
_Static_assert(RPC_LIST_LIMIT_MAX < RPC_HISTORY_SCAN_MAX, "a full page is within the scan");
_Static_assert(RPC_LIST_LIMIT_MAX < RPC_STAKING_SCAN_MAX, "a full page is within the scan");

/* ---- Access (rpc/auth.h, docs/API.md "Access"). ---- */
/* Requests a minute a chain.conf rate limit may allow: a million is past what one node
 * serves, and keeps every bucket's arithmetic far inside 64 bits. */
#define RPC_RATE_PER_MIN_MAX 1000000u
/* Rate-limit buckets per table (one table for keys, one for client addresses), in sets of
 * RPC_RATE_WAYS: ~64 bytes each, so half a MiB a table. A bucket frees its slot once it has
 * refilled, so the table holds only clients seen within the last minute. */
#define RPC_RATE_BUCKETS 8192u
#define RPC_RATE_WAYS 8u
/* How often the key buckets still refilling are saved in the key store (and once more at
 * a clean stop), so that a restart gives no key a fresh minute: a crash forgets at most
 * this much spending, one LMDB write transaction every 10 s while keys are busy. */
#define RPC_RATE_SAVE_INTERVAL_MS 10000u
/* An access token's lifetime a chain.conf may set: at most a day, so that a leaked token
 * dies on its own even if its key is never revoked. */
#define RPC_TOKEN_TTL_S_MAX 86400u
/* A dashboard session's lifetime ([api] session_ttl_s): short, since its cookie is as good
 * as its key within its scopes; at most a day, like an access token. */
#define RPC_SESSION_TTL_S_DEFAULT 900u
#define RPC_SESSION_TTL_S_MAX 86400u
/* Sessions open at once: one per person signed in to the dashboard, so a few; sized at start
 * (about 100 bytes each). When full, a sign-in takes the slot of an expired session or is
 * refused with 503. */
#define RPC_SESSIONS_MAX 1024u
/* The per-key usage figures (GET /api/v1/usage) are kept for this many keys, sized at start
 * (about 700 bytes each); requests of keys past it count in no key's figures. */
#define RPC_USAGE_KEYS_MAX 1024u
/* Minutes of per-key request counts kept for the usage chart: the last hour. */
#define RPC_USAGE_MINUTES 60u
/* A POST /oauth/token body: four short parameters; more is not a token request. */
#define RPC_OAUTH_BODY_BYTES_MAX 2048u
/* One Authorization header value: "Basic " and base64 of a 16-character id, ':' and a
 * 43-character secret (each percent-encoded at most threefold), with room to spare. */
#define RPC_AUTH_HEADER_BYTES_MAX 512u

/* ---- TLS and libmicrohttpd's own messages (rpc/server.h). ---- */
/* The HTTPS API's GnuTLS priority string ([api] tls_priorities): TLS 1.2 and 1.3 only, as
 * RFC 8996 deprecates 1.0 and 1.1. A priority string is a few keywords; 256 bytes holds any
 * sensible one. */
#define RPC_TLS_PRIORITIES_DEFAULT "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define RPC_TLS_PRIORITIES_BYTES_MAX 256u
/* libmicrohttpd logs a line for each malformed request or dropped connection, which any
 * client can cause: at most this many of its lines reach the log in each window, then one
 * line says how many were left out. */
#define RPC_MHD_LOG_LINES_MAX 20u
#define RPC_MHD_LOG_WINDOW_MS 10000u

_Static_assert(sizeof(RPC_TLS_PRIORITIES_DEFAULT) <= RPC_TLS_PRIORITIES_BYTES_MAX,
               "the default priority string fits");
_Static_assert(RPC_RATE_BUCKETS % RPC_RATE_WAYS == 0, "whole sets");
_Static_assert(RPC_OAUTH_BODY_BYTES_MAX < RPC_BODY_BYTES_MIN, "the body limit never cuts a form");

/* ---- Connections and bodies in flight (rpc/internal/conns.h, docs/API.md "Connections").
 * ---- */
/* [api] connections_max 0 (the default) sizes the slots from the open-files limit: all of
 * it but RPC_FDS_RESERVED descriptors (the store, the WAL, peers, logs), up to this many.
 * An idle connection costs a descriptor and at most RPC_CONNECTION_MEMORY_MAX, so 4096 is
 * at most 128 MiB of header buffers, and sixteen times the 256 slots of before. */
#define RPC_CONNECTIONS_AUTO_MAX 4096u
#define RPC_FDS_RESERVED 256u
/* Past the high-water mark (all slots but an eighth) connections that wait for a request
 * are evicted down to the low-water mark (all but a quarter): a new client finds a slot. */
#define RPC_CONNS_HIGH_WATER(cap) ((cap) - (cap) / 8)
#define RPC_CONNS_LOW_WATER(cap) ((cap) - (cap) / 4)
/* How often the reaper looks at every connection for its deadline and a departed client:
 * a closed event stream frees its slot within this. */
#define RPC_CONNS_SCAN_MS 200u
/* A connection waiting for a request whose peer has closed is shut down once two scans in
 * a row saw it so: libmicrohttpd may be reading its last bytes in between. */
#define RPC_CONNS_GONE_SCANS 2u
/* [api] request_timeout_s: the deadline for a request's headers and body, counted from
 * when the connection began waiting for it (so it also bounds an idle keep-alive). */
#define RPC_REQUEST_TIMEOUT_S_DEFAULT 15u
#define RPC_REQUEST_TIMEOUT_S_MAX 3600u
/* [api] bodies_open_bytes_max and bodies_keyed_bytes_max: the total bytes of request
 * bodies in flight without and with a credential checked before the body was read. Open
 * bodies are at most RPC_AUTH_EARLY_BODY_BYTES on routes that need a key: 16 MiB holds 256
 * of them. 256 MiB holds 64 bodies at the default limit, where 256 x 4 MiB once took
 * 1.1 GiB. */
#define RPC_BODIES_OPEN_BYTES_DEFAULT (16u * 1024 * 1024)
#define RPC_BODIES_KEYED_BYTES_DEFAULT (256u * 1024 * 1024)
#define RPC_BODIES_BYTES_MAX (64ull * 1024 * 1024 * 1024)
/* A body (or any block) past this is its own mapping, given back to the system when freed
 * (glibc's default threshold grows up to 32 MiB after the first frees, and then bodies
 * stay in the heap after a burst). */
#define RPC_MMAP_THRESHOLD_BYTES (128u * 1024)
/* After a body this large is freed, what the heap holds free is given back (malloc_trim),
 * at most once per RPC_TRIM_INTERVAL_MS. */
#define RPC_TRIM_BODY_BYTES (1024u * 1024)
#define RPC_TRIM_INTERVAL_MS 1000u

_Static_assert(RPC_BODIES_OPEN_BYTES_DEFAULT >= RPC_BODY_BYTES_MIN, "a legal open budget");
_Static_assert(RPC_BODIES_KEYED_BYTES_DEFAULT >= RPC_BODY_BYTES_DEFAULT,
               "the keyed budget holds a body at the default limit");
_Static_assert(RPC_CONNS_LOW_WATER(8u) < RPC_CONNS_HIGH_WATER(8u), "marks apart");

#endif
