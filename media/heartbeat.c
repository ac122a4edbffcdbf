/* run's heartbeat sender (docs/MEDIA-AGENT.md, "Heartbeats"): a thread that, every
 * [agent] heartbeat_interval_ms, builds a heartbeat from the agent's table and the media
 * server's last /stats report (media_heartbeat_build), signs it with the node key
 * (ledger/heartbeat.h's encoding, docs/ANALYTICS.md) and posts it to the ledger node's
 * POST /api/v1/analytics/heartbeats.
 *
 * It runs apart from the settlement round, whose transactions may wait for commits, so that
 * a long settlement never makes the node look silent. Every call is bounded by the config's
 * timeout (at most the interval), the table's mutex is held only while the heartbeat is
 * built, and a refusal is logged, at most once a minute while it repeats, never fatal. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/hex.h"
#include "common/log.h"
#include "ledger/sig.h"
#include "media/internal/agent.h"
#include "wallet/http.h"

typedef struct media_hb {
    pthread_t thread;
    pthread_mutex_t mu; /* guards stop and the counts */
    pthread_cond_t cond;
    int stop;
    uint64_t sent, accepted, refused;
    char last_refusal[64];
    /* The thread's own. */
    uint8_t sk[32];
    ledger_signer *signer;
    media_cpu_sample cpu;
    uint64_t last_time_ms;
    char logged[64]; /* the refusal last logged, "" when the last heartbeat was taken */
    uint64_t logged_ms;
    uint64_t unlogged; /* refusals since the last one logged */
} media_hb;

/* The CPU's counters now; 0 when /proc/stat cannot be read (not Linux, a container
 * without it). */
static int read_cpu(media_cpu_sample *out)
{
    char buf[MEDIA_PROC_STAT_BYTES_MAX];
    FILE *f = fopen("/proc/stat", "r");
    size_t n = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    return media_cpu_parse(out, buf, n) == CHR_OK;
}

/* Counts one answer and logs a refusal unless the same one was logged within
 * MEDIA_HEARTBEAT_LOG_MS; code is NULL when the heartbeat was taken. */
static void note(media_hb *h, const char *code, const char *detail, uint64_t now_ms)
{
    pthread_mutex_lock(&h->mu);
    h->sent++;
    h->accepted += code == NULL;
    h->refused += code != NULL;
    if (code != NULL) {
        snprintf(h->last_refusal, sizeof(h->last_refusal), "%s", code);
    }
    pthread_mutex_unlock(&h->mu);
    if (code == NULL) {
        if (h->logged[0] != '\0') {
            CHR_LOG_I("heartbeat: taken again by the node");
        }
        h->logged[0] = '\0';
        return;
    }
    if (strcmp(h->logged, code) == 0 && now_ms < h->logged_ms + MEDIA_HEARTBEAT_LOG_MS) {
        h->unlogged++;
        return;
    }
    CHR_LOG_W("heartbeat refused: %s: %.200s (%llu more refusals since the last logged)", code,
              detail, (unsigned long long)h->unlogged);
    snprintf(h->logged, sizeof(h->logged), "%s", code);
    h->logged_ms = now_ms;
    h->unlogged = 0;
}

/* Posts the heartbeat's hex; the node's answer goes to note. */
static void post(media_agent *a, media_hb *h, const char *hex, uint64_t now_ms)
{
    char url[MEDIA_URL_MAX + 64], err[256];
    snprintf(url, sizeof(url), "%s/api/v1/analytics/heartbeats", a->cfg.node);
    json_t *req = json_pack("{s:s}", "heartbeat", hex);
    char *body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    long status = 0;
    char *resp = NULL;
    /* Never longer than the interval, so a stuck node delays at most one heartbeat. */
    uint64_t timeout = a->cfg.timeout_ms < a->cfg.heartbeat_interval_ms
                           ? a->cfg.timeout_ms
                           : a->cfg.heartbeat_interval_ms;
    chr_err e = body == NULL ? CHR_ERR_NOMEM
                             : wallet_http("POST", url, body, (long)timeout, &status, &resp, NULL,
                                           err, sizeof(err));
    free(body);
    if (e != CHR_OK) {
        note(h, "node_unreachable", e == CHR_ERR_NOMEM ? "out of memory" : err, now_ms);
        return;
    }
    json_t *j = json_loads(resp, JSON_REJECT_DUPLICATES, NULL);
    free(resp);
    const json_t *je = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(je, "code"));
    const char *msg = json_string_value(json_object_get(je, "message"));
    char fallback[32];
    snprintf(fallback, sizeof(fallback), "http_%ld", status);
    note(h, status == 200 ? NULL : code != NULL ? code : fallback, msg != NULL ? msg : "", now_ms);
    json_decref(j);
}

/* Builds, signs and sends one heartbeat. */
static void beat(media_agent *a, media_hb *h)
{
    uint64_t now = media_now_ms();
    /* time_ms is also the heartbeat's sequence number: strictly increasing, even when the
     * clock steps back. */
    h->last_time_ms = now > h->last_time_ms ? now : h->last_time_ms + 1;
    media_cpu_sample cur;
    uint16_t cpu = 0;
    if (read_cpu(&cur)) {
        cpu = media_cpu_permille(&h->cpu, &cur);
        h->cpu = cur;
    }
    ledger_heartbeat hb;
    uint8_t msg[32], aux[32], bytes[LEDGER_HEARTBEAT_BYTES_MAX];
    char hex[2 * LEDGER_HEARTBEAT_BYTES_MAX + 1];
    size_t len = 0;
    pthread_mutex_lock(&a->lock);
    media_heartbeat_build(&hb, a->state, &a->stats, a->cfg.capacity, a->node_pub, a->chain_id,
                          h->last_time_ms, cpu);
    pthread_mutex_unlock(&a->lock);
    ledger_heartbeat_sighash(msg, &hb);
    randombytes_buf(aux, sizeof(aux));
    chr_err e = ledger_signer_sign(h->signer, hb.sig, msg, h->sk, aux);
    e = e ? e : ledger_heartbeat_encode(&hb, bytes, sizeof(bytes), &len);
    if (e != CHR_OK) {
        note(h, "cannot_sign", chr_err_str(e), now);
        return;
    }
    chr_hex_encode(hex, sizeof(hex), bytes, len);
    post(a, h, hex, now);
}

static void *hb_main(void *arg)
{
    media_agent *a = arg;
    media_hb *h = a->hb;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        pthread_mutex_unlock(&h->mu);
        beat(a, h);
        pthread_mutex_lock(&h->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (a->cfg.heartbeat_interval_ms % 1000) * 1000000;
        until.tv_sec += (time_t)(a->cfg.heartbeat_interval_ms / 1000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        while (!h->stop && pthread_cond_timedwait(&h->cond, &h->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Frees h, wiping the secret. */
static void hb_free(media_hb *h)
{
    sodium_memzero(h->sk, sizeof(h->sk));
    ledger_signer_free(h->signer);
    free(h);
}

int media_heartbeat_start(media_agent *a)
{
    CHR_ASSERT(a->hb == NULL);
    CHR_ASSERT(a->chain_id[0] != '\0');
    media_hb *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        wallet_cli_err("out of memory");
        return MEDIA_EXIT_LOCAL;
    }
    uint8_t pub[32], seed[32];
    a->wc.opt[WALLET_OPT_KEY_FILE] = a->cfg.node_key_file;
    int rc = wallet_cli_key_secret(&a->wc, h->sk, pub);
    a->wc.opt[WALLET_OPT_KEY_FILE] = a->cfg.operator_key_file;
    randombytes_buf(seed, sizeof(seed));
    if (rc == MEDIA_EXIT_OK && ledger_signer_new(&h->signer, seed) != CHR_OK) {
        wallet_cli_err("cannot set up signing");
        rc = MEDIA_EXIT_LOCAL;
    }
    sodium_memzero(seed, sizeof(seed));
    pthread_condattr_t ca;
    int made = 0;
    if (rc == MEDIA_EXIT_OK && pthread_condattr_init(&ca) == 0) {
        made = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&h->cond, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (made && pthread_mutex_init(&h->mu, NULL) != 0) {
        pthread_cond_destroy(&h->cond);
        made = 0;
    }
    a->hb = made ? h : NULL;
    if (made && pthread_create(&h->thread, NULL, hb_main, a) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cond);
        a->hb = NULL;
        made = 0;
    }
    if (!made) {
        if (rc == MEDIA_EXIT_OK) {
            wallet_cli_err("cannot start the heartbeat thread");
        }
        hb_free(h);
        return rc == MEDIA_EXIT_OK ? MEDIA_EXIT_LOCAL : rc;
    }
    CHR_LOG_I("chroom-media: a heartbeat every %llu ms to %s",
              (unsigned long long)a->cfg.heartbeat_interval_ms, a->cfg.node);
    return MEDIA_EXIT_OK;
}

void media_heartbeat_stop(media_agent *a)
{
    media_hb *h = a->hb;
    if (h == NULL) {
        return;
    }
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cond);
    a->hb = NULL;
    hb_free(h);
}

json_t *media_heartbeat_status(media_agent *a)
{
    media_hb *h = a->hb;
    if (h == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&h->mu);
    json_t *o = json_pack("{s:I,s:I,s:I,s:s?}", "sent", (json_int_t)h->sent, "accepted",
                          (json_int_t)h->accepted, "refused", (json_int_t)h->refused,
                          "last_refusal", h->last_refusal[0] != '\0' ? h->last_refusal : NULL);
    pthread_mutex_unlock(&h->mu);
    return o;
}
