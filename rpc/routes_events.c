/* GET /api/v1/events: Server-Sent Events of new blocks, committed transactions, the
 * validator sets blocks decide, and staking's slashes, jails and unjails.
 *
 * Events are read from the stored blocks, not from a buffer in memory: an event's id is its
 * place in the chain, "HEIGHT-N" (N = 0 for the block, i + 1 for its transaction i), so it
 * means the same on every node and across restarts (N = tx_count + 1 the set the block
 * decided, then staking's events: staking_slots), and a client that reconnects with
 * Last-Event-ID gets exactly what it missed, however long it was away: nothing is ever
 * skipped. A connection holds one bounded buffer of rendered events; a client that falls
 * more than RPC_EVENTS_LAG_BLOCKS_MAX blocks behind the tip is told (event "dropped", with
 * the id to resume from) and the stream ends. A stream that has caught up holds no
 * thread: its connection is suspended until the server's waiter resumes it for the next
 * block, for a ping, or to end it (rpc/internal/waiter.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/hash.h"
#include "ledger/slashing.h"
#include "ledger/tx_types.h"
#include "rpc/internal/auth.h"
#include "rpc/internal/events_gov.h"
#include "rpc/internal/http.h"
#include "rpc/limits.h"
#include "rpc/render.h"

/* Bytes of rendered events a connection holds before it waits for the client. */
#define RPC_EVENTS_BUFFER_BYTES (64u * 1024)
/* A comment line every 15 s keeps proxies and idle timeouts from closing a quiet stream. */
#define RPC_EVENTS_PING_MS 15000
/* How far behind the tip a stream may fall before it is dropped (it can resume). */
#define RPC_EVENTS_LAG_BLOCKS_MAX 100000
/* Blocks read under one read transaction before it is ended and a new one begun. */
#define RPC_EVENTS_FILL_BLOCKS_MAX 64
/* The largest rendered event: a create-validator whose 256-byte memo and 324 bytes of
 * moniker, website and details are all control characters (each escaped as six bytes) is
 * about 4.3 KiB with its other fields and the framing. */
#define RPC_EVENT_TEXT_MAX 8192

/* The most events of one block: itself, its transactions, its set, a slash and a jail per
 * slash record and an unjail per transaction, and its governance events. */
#define RPC_EVENTS_PER_BLOCK_MAX                                                                   \
    (2u * LEDGER_BLOCK_TXS_MAX + 2 + 2u * LEDGER_SLASH_RECORDS_MAX + RPC_GOV_EVENTS_MAX)

_Static_assert(RPC_EVENTS_BUFFER_BYTES > 2 * RPC_EVENT_TEXT_MAX, "an event always fits");
_Static_assert(RPC_EVENTS_PER_BLOCK_MAX < UINT32_MAX, "an event's N is a u32");

typedef struct sse_stream {
    rpc_server *srv;
    struct MHD_Connection *conn;
    rpc_wait wait;   /* for the next block, while the connection is suspended */
    uint64_t height; /* the next event is (height, next) */
    uint32_t next;   /* 0: the block itself; i + 1: its transaction i; tx_count + 1: the
                      * validator set it decided, if any; then staking's (staking_slots),
                      * then governance's */
    /* Where the stream is in a block's governance events. */
    rpc_gov_events gov;
    int has_account;
    uint8_t account[32];
    char buf[RPC_EVENTS_BUFFER_BYTES];
    size_t len, off; /* rendered bytes not yet handed to libmicrohttpd */
    int ended;
} sse_stream;

/* Parses "HEIGHT-N" (canonical decimals); 1 when valid. */
static int parse_event_id(const char *s, uint64_t *height, uint32_t *n)
{
    char h[24];
    const char *dash = strchr(s, '-');
    uint64_t v;
    if (dash == NULL || (size_t)(dash - s) >= sizeof(h)) {
        return 0;
    }
    memcpy(h, s, (size_t)(dash - s));
    h[dash - s] = '\0';
    if (!rpc_parse_u64(h, height) || !rpc_parse_u64(dash + 1, &v) ||
        v >= RPC_EVENTS_PER_BLOCK_MAX) {
        return 0;
    }
    *n = (uint32_t)v;
    return 1;
}

static void stream_append(sse_stream *st, const char *event, uint64_t height, uint32_t n,
                          json_t *data)
{
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (text != NULL) {
        int w = snprintf(st->buf + st->len, sizeof(st->buf) - st->len,
                         "id: %llu-%u\nevent: %s\ndata: %s\n\n", (unsigned long long)height, n,
                         event, text);
        /* render_block leaves RPC_EVENT_TEXT_MAX free before each event: it always fits. */
        CHR_ASSERT(w > 0 && (size_t)w < sizeof(st->buf) - st->len);
        st->len += (size_t)w;
        free(text);
    }
}

static json_t *block_event(const ledger_header *h)
{
    uint8_t hash[32];
    ledger_header_hash(h, hash);
    return json_pack("{s:o,s:o,s:o,s:i,s:o}", "height", rpc_json_u64(h->height), "hash",
                     rpc_json_hex(hash, 32), "time", rpc_json_time(h->time_ms), "tx_count",
                     (int)h->tx_count, "proposer", rpc_json_address(h->proposer));
}

static int tx_matches(const sse_stream *st, const ledger_tx *tx)
{
    uint8_t to[32];
    return !st->has_account || memcmp(tx->from, st->account, 32) == 0 ||
           (ledger_tx_kind_of(tx->type)->counterparty(tx, to) && memcmp(to, st->account, 32) == 0);
}

/* The validator set block `height` decided, if it decided one: the set stored to sign from
 * height + 2 (docs/PROTOCOL.md, "End of block"), whose head holds its size, total power and
 * hash. NULL when the block decided none. */
static json_t *set_event(ledger_store_read *rd, uint64_t height)
{
    uint8_t head[8];
    ledger_object o;
    int found = 0;
    chr_put_u64be(head, UINT64_MAX - (height + 2));
    if (height >= UINT64_MAX - 2 ||
        ledger_store_object(rd, LEDGER_STATE_VALSET, head, 8, &o, &found) != CHR_OK || !found ||
        o.value_len != 42) {
        return NULL;
    }
    return json_pack("{s:o,s:o,s:i,s:o,s:o}", "height", rpc_json_u64(height), "from_height",
                     rpc_json_u64(height + 2), "validators",
                     (int)((unsigned)o.value[0] << 8 | o.value[1]), "total_power",
                     rpc_json_u64(chr_get_u64be(o.value + 2)), "validators_hash",
                     rpc_json_hex(o.value + 10, 32));
}

/* ---- Staking's events: slashes, jails, unjails (docs/API.md, "GET /api/v1/events"). ----
 * After a block's set slot come, for each slash record the block's end wrote
 * (ledger/slashing.h: read from the state, so the same on every node and after a restart),
 * a "slash" and a "jail" event, then an "unjail" for each unjail transaction of the block
 * (a block holds only transactions that succeeded). Slot k is id N = tx_count + 2 + k. */

/* The slash records of height: their count (indexes 0 to count - 1 exist). */
static uint32_t slash_records(ledger_store_read *rd, uint64_t height)
{
    uint32_t n = 0;
    for (; n < LEDGER_SLASH_RECORDS_MAX; n++) {
        uint8_t key[10];
        ledger_object o;
        int found = 0;
        ledger_slash_record_key(key, height, (uint16_t)n);
        if (ledger_store_object(rd, LEDGER_STATE_SLASH_RECORD, key, 10, &o, &found) != CHR_OK ||
            !found) {
            break;
        }
    }
    return n;
}

/* The index of b's j-th unjail transaction, or b->txs_len when it has fewer. */
static uint32_t unjail_at(const ledger_block *b, uint32_t j)
{
    for (uint32_t i = 0; i < b->txs_len; i++) {
        /* The type is the byte after the version (docs/PROTOCOL.md, "Transactions"). */
        if (b->tx_lens[i] > 1 && b->txs[i][1] == LEDGER_TX_UNJAIL && j-- == 0) {
            return i;
        }
    }
    return b->txs_len;
}

/* How many staking slots the block at height has: two per slash record, one per unjail. */
static uint32_t staking_slots(ledger_store_read *rd, const ledger_block *b, uint64_t height)
{
    uint32_t unjails = 0;
    while (unjail_at(b, unjails) < b->txs_len) {
        unjails++;
    }
    return 2 * slash_records(rd, height) + unjails;
}

/* The slash (even k) or jail (odd k) event of record k / 2; NULL when unreadable. */
static json_t *slash_event(ledger_store_read *rd, uint64_t height, uint32_t k,
                           ledger_slash_record *rec)
{
    static const char *const reasons[] = {"", "double_sign", "downtime"};
    uint8_t key[10];
    ledger_object o;
    int found = 0;
    ledger_slash_record_key(key, height, (uint16_t)(k / 2));
    if (ledger_store_object(rd, LEDGER_STATE_SLASH_RECORD, key, 10, &o, &found) != CHR_OK ||
        !found || ledger_slash_record_decode(rec, o.value, o.value_len) != CHR_OK) {
        return NULL;
    }
    json_t *j = json_pack("{s:o,s:o,s:s}", "height", rpc_json_u64(height), "validator",
                          rpc_json_address(rec->operator_key), "reason", reasons[rec->reason]);
    if (k % 2 == 0) {
        json_object_set_new(j, "fraction_ppm", json_integer((json_int_t)rec->fraction_ppm));
        json_object_set_new(j, "burned", rpc_json_u64(rec->burned));
    } else {
        json_object_set_new(j, "jailed_until",
                            rec->tombstoned ? json_null() : rpc_json_time(rec->jailed_until_ms));
        json_object_set_new(j, "tombstoned", json_boolean(rec->tombstoned));
    }
    return j;
}

/* Appends staking slot k of the block b at st->height, if it concerns the stream. */
static void staking_append(sse_stream *st, ledger_store_read *rd, const ledger_block *b, uint32_t k)
{
    uint32_t records = slash_records(rd, st->height);
    if (k < 2 * records) {
        ledger_slash_record rec;
        json_t *j = slash_event(rd, st->height, k, &rec);
        if (j != NULL && (!st->has_account || memcmp(rec.operator_key, st->account, 32) == 0)) {
            stream_append(st, k % 2 == 0 ? "slash" : "jail", st->height, st->next, j);
        } else {
            json_decref(j);
        }
        return;
    }
    ledger_tx tx;
    uint32_t i = unjail_at(b, k - 2 * records);
    if (i < b->txs_len && ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]) == CHR_OK &&
        (!st->has_account || memcmp(tx.from, st->account, 32) == 0)) {
        uint8_t hash[32];
        chr_sha256_hash(hash, b->txs[i], b->tx_lens[i]);
        stream_append(st, "unjail", st->height, st->next,
                      json_pack("{s:o,s:o,s:o,s:i}", "height", rpc_json_u64(st->height),
                                "validator", rpc_json_address(tx.from), "tx",
                                rpc_json_hex(hash, 32), "index", (int)i));
    }
}

/* Renders events of the block at st->height from st->next until the buffer is nearly
 * full; advances the position. Returns 0 when the block cannot be read. */
static int render_block(sse_stream *st, ledger_store_read *rd)
{
    ledger_block b;
    if (ledger_store_block_decode(rd, st->height, &b) != CHR_OK) {
        return 0;
    }
    uint32_t staking = staking_slots(rd, &b, st->height);
    uint32_t last = b.txs_len + 1 + staking + rpc_gov_events_count(rd, st->height);
    while (st->next <= last && sizeof(st->buf) - st->len > RPC_EVENT_TEXT_MAX) {
        if (st->next > b.txs_len + 1 + staking) {
            /* Governance's events concern no one account: not sent with ?account=. */
            const char *name;
            json_t *ev = st->has_account ? NULL
                                         : rpc_gov_event(rd, &st->gov, st->height,
                                                         st->next - b.txs_len - 2 - staking, &name);
            if (ev != NULL) {
                stream_append(st, name, st->height, st->next, ev);
            }
        } else if (st->next > b.txs_len + 1) {
            staking_append(st, rd, &b, st->next - b.txs_len - 2);
        } else if (st->next == b.txs_len + 1) {
            json_t *set = st->has_account ? NULL : set_event(rd, st->height);
            if (set != NULL) {
                stream_append(st, "validator_set", st->height, st->next, set);
            }
        } else if (st->next == 0) {
            if (!st->has_account) {
                stream_append(st, "block", st->height, 0, block_event(&b.header));
            }
        } else {
            ledger_tx tx;
            uint32_t i = st->next - 1;
            if (ledger_tx_decode(&tx, b.txs[i], b.tx_lens[i]) == CHR_OK && tx_matches(st, &tx)) {
                uint8_t hash[32];
                chr_sha256_hash(hash, b.txs[i], b.tx_lens[i]);
                json_t *o = rpc_render_tx(&tx, hash);
                json_object_set_new(o, "height", rpc_json_u64(st->height));
                json_object_set_new(o, "index", json_integer(i));
                stream_append(st, "tx", st->height, st->next, o);
            }
        }
        st->next++;
    }
    if (st->next > last) {
        st->height++;
        st->next = 0;
    }
    ledger_block_free(&b);
    return 1;
}

/* Waits for the next block without a thread: suspends the connection until the waiter
 * resumes it (a block, the ping's deadline, or the server stopping). */
static void stream_wait(sse_stream *st)
{
    st->wait = (rpc_wait){
        .conn = st->conn,
        .kind = RPC_WAIT_HEIGHT,
        .height = st->height,
        .deadline_ms = rpc_clock_ms() + RPC_EVENTS_PING_MS,
    };
    rpc_suspend(st->srv, st->conn);
    rpc_waiter_add(st->srv->waiter, &st->wait);
}

/* Fills the buffer with the events after the position, or a ping after a quiet spell;
 * ends the stream when the node stops or the client lags too far. Returns 0 when there is
 * nothing to send yet: the connection is then suspended until the next block. */
static int stream_fill(sse_stream *st)
{
    const rpc_backend *be = &st->srv->be;
    rpc_tip tip;
    be->tip(be->ctx, &tip);
    if (tip.height > st->height && tip.height - st->height > RPC_EVENTS_LAG_BLOCKS_MAX) {
        json_t *d = json_pack("{s:s,s:s}", "reason", "the stream fell too far behind the chain",
                              "resume", "reconnect with Last-Event-ID to continue");
        stream_append(st, "dropped", st->height, st->next, d);
        st->ended = 1;
        return 1;
    }
    if (st->height > tip.height) {
        rpc_wait_outcome waited = st->wait.outcome;
        st->wait.outcome = RPC_WAIT_NONE;
        if (waited == RPC_WAIT_STOPPED) {
            /* The server stops, or the client left (rpc/internal/conns.h): the stream ends
             * and its connection with it. */
            st->ended = 1;
            return 1;
        }
        if (waited != RPC_WAIT_TIMEOUT) {
            stream_wait(st);
            return 0;
        }
        /* A quiet spell: a comment keeps the connection open. */
        int w = snprintf(st->buf, sizeof(st->buf), ": ping\n\n");
        st->len = (size_t)w;
        st->ended = !tip.healthy;
        return 1;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(be->store, &rd) != CHR_OK) {
        st->ended = 1;
        return 1;
    }
    /* Several blocks per fill when they are small (many blocks of an idle account), but a
     * bounded number, so that no read transaction stays open long (a long one keeps LMDB
     * from reusing pages). */
    for (unsigned blocks = 0; blocks < RPC_EVENTS_FILL_BLOCKS_MAX && st->height <= tip.height &&
                              sizeof(st->buf) - st->len > RPC_EVENT_TEXT_MAX;
         blocks++) {
        if (!render_block(st, rd)) {
            st->ended = 1;
            break;
        }
    }
    ledger_store_read_end(rd);
    return 1;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse_stream *st = cls;
    (void)pos;
    while (st->off == st->len) {
        if (st->ended || atomic_load(&st->srv->stopping)) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        st->len = 0;
        st->off = 0;
        if (!stream_fill(st)) {
            /* Suspended: libmicrohttpd calls again once the waiter resumes it, and never
             * in between (returning 0 without suspending would spin). */
            return 0;
        }
    }
    size_t n = st->len - st->off < max ? st->len - st->off : max;
    memcpy(buf, st->buf + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    free(cls);
}

/* The last event id N of the stored block at height (its transactions, its set, its
 * staking slots, its governance events), or 0 when it cannot be read; ids N = 0 (the block)
 * to that are valid. */
static uint32_t block_last_event(rpc_server *srv, uint64_t height)
{
    ledger_store_read *rd;
    uint32_t last = 0;
    if (ledger_store_read_begin(srv->be.store, &rd) != CHR_OK) {
        return 0;
    }
    ledger_block b;
    if (ledger_store_block_decode(rd, height, &b) == CHR_OK) {
        last = b.txs_len + 1 + staking_slots(rd, &b, height) + rpc_gov_events_count(rd, height);
        ledger_block_free(&b);
    }
    ledger_store_read_end(rd);
    return last;
}

/* Where the stream starts: after Last-Event-ID, at ?from_height, or at the next block. */
static int stream_start(rpc_ctx *x, rpc_reply *r, sse_stream *st)
{
    rpc_tip tip;
    x->srv->be.tip(x->srv->be.ctx, &tip);
    const char *last = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Last-Event-ID");
    const char *from = rpc_query(x, "from_height");
    st->height = tip.height + 1;
    if (last != NULL) {
        uint64_t h;
        uint32_t n;
        if (!parse_event_id(last, &h, &n) || h == 0 || h > tip.height ||
            n > block_last_event(x->srv, h)) {
            rpc_reply_error(r, 400, CHR_ERR_ARG, "Last-Event-ID: an id this node sent, HEIGHT-N",
                            "Last-Event-ID");
            return 0;
        }
        st->height = h;
        st->next = n + 1;
    } else if (from != NULL) {
        if (!rpc_parse_u64(from, &st->height) || st->height == 0 || st->height > tip.height + 1) {
            rpc_reply_error(r, 400, CHR_ERR_ARG, "from_height: a height from 1 to the next block's",
                            "from_height");
            return 0;
        }
    }
    const char *account = rpc_query(x, "account");
    if (account != NULL) {
        if (chr_address_decode(st->account, account, strlen(account)) != CHR_OK) {
            rpc_reply_error(r, 400, CHR_ERR_BECH32, "account: not a chr1... address", "account");
            return 0;
        }
        st->has_account = 1;
    }
    return 1;
}

void rpc_handle_events(rpc_ctx *x, rpc_reply *r)
{
    sse_stream *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    st->srv = x->srv;
    st->conn = x->conn;
    if (!stream_start(x, r, st)) {
        free(st);
        return;
    }
    /* A comment first, so the client knows the stream is open before the next block. */
    st->len = (size_t)snprintf(st->buf, sizeof(st->buf), ": chroom events from height %llu\n\n",
                               (unsigned long long)st->height);
    r->raw =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
    if (r->raw == NULL) {
        free(st);
        rpc_reply_nomem(r);
        return;
    }
    r->status = 200;
    MHD_add_response_header(r->raw, "Content-Type", "text/event-stream");
    MHD_add_response_header(r->raw, "Cache-Control", "no-store");
}
