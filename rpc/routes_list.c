/* Routes of lists: an account's transactions, blocks, a block's transactions,
 * committed evidence, and the validator set. Every list is newest first (a block's transactions in
 * block order, the validators in key order) and paginated by
 * rpc/internal/list.h; each request reads one LMDB snapshot, so a page is
 * consistent even while blocks are being written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/hash.h"
#include "common/log.h"
#include "rpc/internal/http.h"
#include "rpc/internal/list.h"
#include "rpc/limits.h"
#include "rpc/render.h"

/* History entries read from the store per call while filling a page. */
#define HISTORY_CHUNK 64

enum { WANT_SENT = 1, WANT_RECEIVED = 2 };

/* One page of an account's history after the direction filter. */
typedef struct history_page {
    ledger_history_entry items[RPC_LIST_LIMIT_MAX];
    size_t len;
    int more;        /* the list goes on past this page */
    rpc_cursor next; /* where it goes on from, when `more` */
} history_page;

static void reply_store_error(rpc_reply *r)
{
    rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
    r->retry_after = 1;
}

/* The store found block `height` damaged, and logged what did not match. */
static void reply_damaged(rpc_reply *r, uint64_t height)
{
    (void)height;
    rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored block is damaged", NULL);
}

static json_t *cursor_json(int more, const rpc_cursor *c)
{
    if (!more) {
        return json_null();
    }
    char s[RPC_CURSOR_STR_LEN + 1];
    rpc_cursor_encode(s, c);
    return json_string(s);
}

/* Fills a page with the entries of `want` strictly older than (height, index).
 * Filtering reads on until the page is full, so pages are full whenever the
 * list goes on, except when RPC_HISTORY_SCAN_MAX entries of the other direction
 * were skipped: then the page is shorter and its cursor continues after the
 * last entry read. */
static chr_err history_fill(ledger_store_read *rd, const uint8_t addr[32], int want,
                            uint64_t height, uint32_t index, size_t limit, history_page *p)
{
    ledger_history_entry chunk[HISTORY_CHUNK];
    size_t scanned = 0;
    CHR_ASSERT(limit > 0 && limit <= RPC_LIST_LIMIT_MAX);
    p->len = 0;
    p->more = 0;
    p->next.kind = RPC_CURSOR_ACCOUNT_TXS;
    for (;;) {
        size_t n;
        chr_err err = ledger_store_history(rd, addr, height, index, chunk, HISTORY_CHUNK, &n);
        if (err != CHR_OK) {
            return err;
        }
        for (size_t k = 0; k < n; k++) {
            if ((want & (chunk[k].sent ? WANT_SENT : WANT_RECEIVED)) == 0) {
                continue;
            }
            if (p->len == limit) {
                p->more = 1;
                p->next.height = p->items[p->len - 1].height;
                p->next.index = p->items[p->len - 1].index;
                return CHR_OK;
            }
            p->items[p->len++] = chunk[k];
        }
        scanned += n;
        if (n < HISTORY_CHUNK) {
            return CHR_OK;
        }
        height = chunk[n - 1].height;
        index = chunk[n - 1].index;
        if (scanned >= RPC_HISTORY_SCAN_MAX) {
            p->more = 1;
            p->next.height = height;
            p->next.index = index;
            return CHR_OK;
        }
    }
}

/* The transaction a history row names, read alone from its block (the index row gives its
 * place; its bytes are checked to hash to the hash), rendered; NULL if the store lacks it or
 * it is not at the row's place (our own data damaged: logged). */
static json_t *stored_tx(ledger_store_read *rd, const ledger_history_entry *e)
{
    ledger_store_txinfo info;
    const uint8_t *bytes;
    size_t len;
    ledger_tx tx;
    chr_err err = ledger_store_tx_read(rd, e->tx_hash, &info, &bytes, &len);
    if (err == CHR_ERR_STORE) {
        return NULL; /* the store logged what is damaged */
    }
    if (err != CHR_OK || info.height != e->height || info.index != e->index ||
        ledger_tx_decode(&tx, bytes, len) != CHR_OK) {
        CHR_LOG_E("store: a history row is damaged: block %llu has no transaction %u of the hash "
                  "it names",
                  (unsigned long long)e->height, e->index);
        return NULL;
    }
    return rpc_render_tx(&tx, e->tx_hash);
}

static json_t *history_render(ledger_store_read *rd, const history_page *p, uint64_t *bad)
{
    json_t *txs = json_array();
    for (size_t i = 0; i < p->len && txs != NULL; i++) {
        const ledger_history_entry *e = &p->items[i];
        json_t *tx = stored_tx(rd, e);
        if (tx == NULL) {
            *bad = e->height;
            json_decref(txs);
            txs = NULL;
            break;
        }
        json_array_append_new(txs, json_pack("{s:o,s:o,s:I,s:s,s:o}", "hash",
                                             rpc_json_hex(e->tx_hash, 32), "height",
                                             rpc_json_u64(e->height), "index", (json_int_t)e->index,
                                             "direction", e->sent ? "sent" : "received", "tx", tx));
    }
    return txs;
}

static int direction_param(rpc_ctx *x, rpc_reply *r, int *want)
{
    const char *d = rpc_query(x, "direction");
    if (d == NULL || strcmp(d, "both") == 0) {
        *want = WANT_SENT | WANT_RECEIVED;
    } else if (strcmp(d, "sent") == 0) {
        *want = WANT_SENT;
    } else if (strcmp(d, "received") == 0) {
        *want = WANT_RECEIVED;
    } else {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "direction: sent, received or both", "direction");
        return 0;
    }
    return 1;
}

void rpc_handle_account_txs(rpc_ctx *x, rpc_reply *r)
{
    uint8_t addr[32];
    const char *a = x->segs[3];
    if (chr_address_decode(addr, a, strlen(a)) != CHR_OK) {
        rpc_reply_error(r, 400, CHR_ERR_BECH32, "address: not a chr1... bech32m address",
                        "address");
        return;
    }
    int want;
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    if (!direction_param(x, r, &want) ||
        !rpc_list_params(x, r, RPC_CURSOR_ACCOUNT_TXS, &limit, &cur, &has_cursor)) {
        return;
    }
    history_page *p = malloc(sizeof(*p));
    ledger_store_read *rd;
    if (p == NULL || ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        free(p);
        reply_store_error(r);
        return;
    }
    uint64_t bad = 0;
    json_t *txs = NULL;
    chr_err err = history_fill(rd, addr, want, has_cursor ? cur.height : UINT64_MAX,
                               has_cursor ? cur.index : UINT32_MAX, limit, p);
    if (err == CHR_OK) {
        txs = history_render(rd, p, &bad);
    }
    ledger_store_read_end(rd);
    if (err != CHR_OK || txs == NULL) {
        if (bad != 0) {
            reply_damaged(r, bad);
        } else {
            reply_store_error(r);
        }
        free(p);
        return;
    }
    rpc_reply_json(
        r, 200, json_pack("{s:o,s:o}", "txs", txs, "next_cursor", cursor_json(p->more, &p->next)));
    free(p);
}

/* Renders the headers of blocks top, top-1, ... down to 1, at most limit of
 * them. */
static json_t *blocks_render(ledger_store_read *rd, uint64_t top, size_t limit, uint64_t *bad)
{
    json_t *blocks = json_array();
    ledger_block *b = malloc(sizeof(*b));
    if (blocks == NULL || b == NULL) {
        json_decref(blocks);
        free(b);
        return NULL;
    }
    for (uint64_t h = top; h >= 1 && json_array_size(blocks) < limit; h--) {
        if (ledger_store_block_decode(rd, h, b) != CHR_OK) {
            *bad = h;
            json_decref(blocks);
            blocks = NULL;
            break;
        }
        json_array_append_new(blocks, rpc_render_header(&b->header));
        ledger_block_free(b);
    }
    free(b);
    return blocks;
}

void rpc_handle_blocks(rpc_ctx *x, rpc_reply *r)
{
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    if (!rpc_list_params(x, r, RPC_CURSOR_BLOCKS, &limit, &cur, &has_cursor)) {
        return;
    }
    if (has_cursor && (cur.height == 0 || cur.index != 0)) {
        rpc_reply_error(r, 400, CHR_ERR_CURSOR, "cursor: not a cursor this list gave out",
                        "cursor");
        return;
    }
    ledger_store_read *rd;
    ledger_store_meta meta;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r);
        return;
    }
    if (ledger_store_meta_get(rd, &meta) != CHR_OK) {
        ledger_store_read_end(rd);
        reply_store_error(r);
        return;
    }
    /* A cursor above the tip (from a node further ahead) starts at the tip. */
    uint64_t top = has_cursor && cur.height < meta.height ? cur.height : meta.height;
    uint64_t bad = 0;
    json_t *blocks = blocks_render(rd, top, limit, &bad);
    ledger_store_read_end(rd);
    if (blocks == NULL) {
        if (bad != 0) {
            reply_damaged(r, bad);
        } else {
            reply_store_error(r);
        }
        return;
    }
    uint64_t shown = json_array_size(blocks);
    rpc_cursor next = {RPC_CURSOR_BLOCKS, top - shown, 0};
    rpc_reply_json(
        r, 200,
        json_pack("{s:o,s:o}", "blocks", blocks, "next_cursor", cursor_json(top > shown, &next)));
}

/* Renders transactions [from, from + limit) of a decoded block. */
static json_t *block_txs_render(const ledger_block *b, uint32_t from, size_t limit)
{
    json_t *txs = json_array();
    for (uint32_t i = from; i < b->txs_len && json_array_size(txs) < limit; i++) {
        ledger_tx tx;
        uint8_t hash[32];
        if (ledger_tx_decode(&tx, b->txs[i], b->tx_lens[i]) != CHR_OK) {
            json_decref(txs);
            return NULL;
        }
        chr_sha256_hash(hash, b->txs[i], b->tx_lens[i]);
        json_t *o = rpc_render_tx(&tx, hash);
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        json_array_append_new(txs, o);
    }
    return txs;
}

/* Checks the height in the path and the cursor against the stored chain; 0 and
 * a reply when they do not fit. */
static int block_txs_args(rpc_ctx *x, rpc_reply *r, uint64_t tip, uint64_t *height, size_t *limit,
                          rpc_cursor *cur, int *has_cursor)
{
    const char *h = x->segs[3];
    if (!rpc_parse_u64(h, height)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "height: a block height", "height");
        return 0;
    }
    if (!rpc_list_params(x, r, RPC_CURSOR_BLOCK_TXS, limit, cur, has_cursor)) {
        return 0;
    }
    if (*has_cursor && cur->height != *height) {
        rpc_reply_error(r, 400, CHR_ERR_CURSOR, "cursor: given out for another block", "cursor");
        return 0;
    }
    if (*height == 0 || *height > tip) {
        char msg[96];
        snprintf(msg, sizeof(msg), "no block at height %llu; the latest is %llu",
                 (unsigned long long)*height, (unsigned long long)tip);
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, msg, "height");
        return 0;
    }
    return 1;
}

static void block_txs_reply(rpc_reply *r, const ledger_block *b, uint64_t height,
                            const rpc_cursor *cur, int has_cursor, size_t limit)
{
    uint32_t from = has_cursor ? cur->index : 0;
    if (has_cursor && (from == 0 || from >= b->txs_len)) {
        rpc_reply_error(r, 400, CHR_ERR_CURSOR, "cursor: not a cursor this list gave out",
                        "cursor");
        return;
    }
    json_t *txs = block_txs_render(b, from, limit);
    if (txs == NULL) {
        reply_damaged(r, height);
        return;
    }
    uint64_t end = (uint64_t)from + json_array_size(txs);
    rpc_cursor next = {RPC_CURSOR_BLOCK_TXS, height, (uint32_t)end};
    rpc_reply_json(r, 200,
                   json_pack("{s:o,s:I,s:o,s:o}", "height", rpc_json_u64(height), "tx_count",
                             (json_int_t)b->txs_len, "txs", txs, "next_cursor",
                             cursor_json(end < b->txs_len, &next)));
}

void rpc_handle_block_txs(rpc_ctx *x, rpc_reply *r)
{
    ledger_store_read *rd;
    ledger_store_meta meta;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        reply_store_error(r);
        return;
    }
    if (ledger_store_meta_get(rd, &meta) != CHR_OK) {
        ledger_store_read_end(rd);
        reply_store_error(r);
        return;
    }
    uint64_t height;
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    ledger_block *b = malloc(sizeof(*b));
    if (b == NULL) {
        reply_store_error(r);
    } else if (block_txs_args(x, r, meta.height, &height, &limit, &cur, &has_cursor)) {
        if (ledger_store_block_decode(rd, height, b) != CHR_OK) {
            reply_damaged(r, height);
        } else {
            block_txs_reply(r, b, height, &cur, has_cursor, limit);
            ledger_block_free(b);
        }
    }
    /* The block's transaction views point into the snapshot: end it only now. */
    ledger_store_read_end(rd);
    free(b);
}

/* A validator's place in the key-ordered set as a cursor position: the first 12 bytes of
 * its key (the cursor has no room for all 32). A page continues with the first key whose
 * 12 bytes are above the position, so validators added or removed meanwhile never shift
 * the list. Two keys that share 12 bytes (2^48 work to make, and only among one's own
 * keys) would let a page boundary between them skip the second. */
static rpc_cursor validator_position(const uint8_t pubkey[32])
{
    rpc_cursor c = {RPC_CURSOR_VALIDATORS, chr_get_u64be(pubkey), chr_get_u32be(pubkey + 8)};
    return c;
}

static int position_above(const rpc_cursor *a, const rpc_cursor *b)
{
    return a->height != b->height ? a->height > b->height : a->index > b->index;
}

void rpc_handle_validators(rpc_ctx *x, rpc_reply *r)
{
    /* The set of one height: the next block's unless ?height= names another (a light
     * client follows a change of set with the set of the header it verifies). */
    uint64_t height = 0;
    const char *hq = rpc_query(x, "height");
    if (hq != NULL && (!rpc_parse_u64(hq, &height) || height == 0)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "height: a block height, 1 or more", "height");
        return;
    }
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    if (!rpc_list_params(x, r, RPC_CURSOR_VALIDATORS, &limit, &cur, &has_cursor)) {
        return;
    }
    static _Thread_local ledger_valset set;
    const ledger_valset *vs = &set;
    uint64_t set_height = 0;
    chr_err err = x->srv->be.validators(x->srv->be.ctx, height, &set, &set_height);
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND,
                        "height: its validator set is not decided yet (at most the tip + 2)",
                        "height");
        return;
    }
    if (err != CHR_OK) {
        reply_store_error(r);
        return;
    }
    size_t i = 0;
    while (has_cursor && i < vs->len) {
        rpc_cursor at = validator_position(vs->v[i].pubkey);
        if (position_above(&at, &cur)) {
            break;
        }
        i++;
    }
    json_t *arr = json_array();
    rpc_cursor last = {RPC_CURSOR_VALIDATORS, 0, 0};
    for (; i < vs->len && json_array_size(arr) < limit; i++) {
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o}", "address",
                                             rpc_json_address(vs->v[i].pubkey), "public_key",
                                             rpc_json_hex(vs->v[i].pubkey, 32), "power",
                                             rpc_json_u64(vs->v[i].power)));
        last = validator_position(vs->v[i].pubkey);
    }
    CHR_ASSERT(json_array_size(arr) <= limit);
    rpc_reply_json(r, 200,
                   json_pack("{s:o,s:o,s:o,s:o}", "height", rpc_json_u64(set_height), "validators",
                             arr, "total_power", rpc_json_u64(vs->total_power), "next_cursor",
                             cursor_json(i < vs->len, &last)));
}

void rpc_handle_evidence(rpc_ctx *x, rpc_reply *r)
{
    size_t limit;
    rpc_cursor cur;
    int has_cursor;
    if (!rpc_list_params(x, r, RPC_CURSOR_EVIDENCE, &limit, &cur, &has_cursor)) {
        return;
    }
    ledger_store_evidence_row *rows = malloc((limit + 1) * sizeof(*rows));
    ledger_store_read *rd;
    if (rows == NULL || ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        free(rows);
        reply_store_error(r);
        return;
    }
    /* One row more than the page says whether the list goes on. */
    size_t n = 0;
    chr_err err =
        ledger_store_evidence_recent(rd, has_cursor ? cur.height : UINT64_MAX,
                                     has_cursor ? cur.index : UINT32_MAX, rows, limit + 1, &n);
    ledger_store_read_end(rd);
    if (err != CHR_OK) {
        free(rows);
        reply_store_error(r);
        return;
    }
    json_t *arr = json_array();
    size_t shown = n < limit ? n : limit;
    for (size_t i = 0; i < shown; i++) {
        json_t *o = rpc_render_evidence(&rows[i].evidence);
        json_object_set_new(o, "committed_height", rpc_json_u64(rows[i].height));
        json_object_set_new(o, "index", json_integer(rows[i].index));
        json_array_append_new(arr, o);
    }
    rpc_cursor next = {RPC_CURSOR_EVIDENCE, shown > 0 ? rows[shown - 1].height : 0,
                       shown > 0 ? rows[shown - 1].index : 0};
    free(rows);
    rpc_reply_json(
        r, 200,
        json_pack("{s:o,s:o}", "evidence", arr, "next_cursor", cursor_json(n > limit, &next)));
}
