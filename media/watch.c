/* run's watch of the chain for meetings allocated to this node (docs/MEDIA-AGENT.md,
 * "Watching the chain"): every block after the last one seen is read
 * (GET /api/v1/blocks/{h}/txs), each meeting-create in it looked up (its meeting id is the
 * first 12 bytes of its hash; a failed one has no meeting), and a meeting the chain put on
 * this node is tracked from then on. The chain has no index of meetings by media node,
 * so the blocks are the one complete source. The table's mutex is never held across a
 * network call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "media/internal/agent.h"

/* The node's latest height (GET /api/v1/status). An exit code. */
static int tip_height(const media_agent *a, uint64_t *out)
{
    json_t *j = NULL;
    long status = 0;
    int rc =
        wallet_cli_call(&a->wc, "GET", "/api/v1/status", NULL, a->wc.timeout_ms, &status, &j, NULL);
    const char *h = rc == MEDIA_EXIT_OK ? wallet_cli_jstr(j, "latest_height") : "";
    rc = rc                                                                ? rc
         : status != 200 || !wallet_cli_parse_u64("latest_height", h, out) ? MEDIA_EXIT_REFUSED
                                                                           : MEDIA_EXIT_OK;
    json_decref(j);
    return rc;
}

/* Tracks meeting id if the chain put it on this node. */
static void consider(media_agent *a, const uint8_t id[LEDGER_MEETING_ID_LEN])
{
    media_record r;
    if (media_fetch_record(a, id, &r, 1) != MEDIA_EXIT_OK ||
        memcmp(r.node_key, a->node_pub, 32) != 0) {
        return;
    }
    media_meeting *m;
    pthread_mutex_lock(&a->lock);
    int known = media_state_find(a->state, id) != NULL;
    chr_err e = media_state_add(a->state, id, &m);
    if (e == CHR_OK && !known) {
        m->rec = r;
        m->has_record = 1;
    }
    pthread_mutex_unlock(&a->lock);
    char hex[2 * LEDGER_MEETING_ID_LEN + 1];
    chr_hex_encode(hex, sizeof(hex), id, LEDGER_MEETING_ID_LEN);
    if (e != CHR_OK) {
        CHR_LOG_W("meeting %s is on this node, but the table of %d meetings is full", hex,
                  MEDIA_MEETINGS_MAX);
    } else if (!known) {
        CHR_LOG_I("meeting %s is allocated to this node: tracked", hex);
    }
}

/* Whether a cursor from the node needs no escaping in a query. */
static int plain_cursor(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_')) {
            return 0;
        }
    }
    return len > 0 && len <= 128;
}

/* Reads block h's transactions, page by page, and considers each meeting-create. An exit
 * code: the block is done only on MEDIA_EXIT_OK. */
static int watch_block(media_agent *a, uint64_t h)
{
    char cursor[129] = "";
    for (size_t page = 0; page < MEDIA_WATCH_PAGES_MAX; page++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/blocks/%llu/txs?limit=100%s%s", (unsigned long long)h,
                 cursor[0] ? "&cursor=" : "", cursor);
        json_t *j = NULL;
        long status = 0;
        int rc = wallet_cli_call(&a->wc, "GET", path, NULL, a->wc.timeout_ms, &status, &j, NULL);
        if (rc != MEDIA_EXIT_OK || status != 200) {
            json_decref(j);
            return rc ? rc : MEDIA_EXIT_REFUSED;
        }
        size_t i;
        const json_t *tx;
        json_array_foreach(json_object_get(j, "txs"), i, tx) {
            const char *hash = wallet_cli_jstr(tx, "hash");
            uint8_t id[LEDGER_MEETING_ID_LEN];
            if (strcmp(wallet_cli_jstr(tx, "type"), "meeting-create") == 0 && strlen(hash) == 64 &&
                chr_hex_decode_exact(id, sizeof(id), hash, 2 * LEDGER_MEETING_ID_LEN) == CHR_OK) {
                consider(a, id);
            }
        }
        const char *next = wallet_cli_jstr(j, "next_cursor");
        int more = plain_cursor(next);
        snprintf(cursor, sizeof(cursor), "%s", more ? next : "");
        json_decref(j);
        if (!more) {
            return MEDIA_EXIT_OK;
        }
    }
    return MEDIA_EXIT_OK;
}

void media_watch_round(media_agent *a)
{
    uint64_t tip;
    if (tip_height(a, &tip) != MEDIA_EXIT_OK) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    uint64_t from = a->state->watched_height;
    pthread_mutex_unlock(&a->lock);
    /* A first run starts at the tip: meetings allocated before it are learnt from the
     * credits POST /verify admits. */
    uint64_t h = from == 0 ? tip : from;
    for (size_t n = 0; h < tip && n < MEDIA_WATCH_BLOCKS_PER_ROUND; n++) {
        if (watch_block(a, h + 1) != MEDIA_EXIT_OK) {
            break;
        }
        h++;
    }
    if (h != from) {
        pthread_mutex_lock(&a->lock);
        a->state->watched_height = h;
        (void)media_state_save(a);
        pthread_mutex_unlock(&a->lock);
    }
}
