/* Fuzzes chroom-media's decoders of outside text (media/agent.h): the state file, the
 * ledger node's meeting record, the media server's /stats report and /proc/stat's line. No
 * input may crash them, leak or reach undefined behaviour; what they refuse leaves a zeroed
 * output and a message; a state file they accept encodes to a text that decodes to the
 * same table, which encodes to the same text again; a report they accept makes a heartbeat
 * that encodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        if (b[i] != 0) {
            return 0;
        }
    }
    return 1;
}

static void state_round_trip(const char *text, size_t len)
{
    media_state *s = malloc(sizeof(*s));
    media_state *t = malloc(sizeof(*t));
    char err[256] = "";
    if (s == NULL || t == NULL) {
        abort();
    }
    if (media_state_decode(s, text, len, err, sizeof(err)) != CHR_OK) {
        if (err[0] == '\0' || !all_zero(s, sizeof(*s))) {
            abort();
        }
    } else {
        char *a = media_state_encode(s);
        char *b = NULL;
        if (a == NULL || media_state_decode(t, a, strlen(a), err, sizeof(err)) != CHR_OK ||
            (b = media_state_encode(t)) == NULL || strcmp(a, b) != 0) {
            abort();
        }
        free(a);
        free(b);
    }
    free(s);
    free(t);
}

/* A /stats report: refused with a message and zeroed, or taken into a heartbeat that obeys
 * every field rule (it encodes). */
static void stats_heartbeat(const char *text, size_t len)
{
    static media_state empty;
    static const uint8_t key[32] = {1};
    media_stats st;
    ledger_heartbeat hb;
    uint8_t bytes[LEDGER_HEARTBEAT_BYTES_MAX];
    size_t out_len;
    char err[128] = "";
    if (media_stats_parse(&st, text, len, err, sizeof(err)) != CHR_OK) {
        if (err[0] == '\0' || !all_zero(&st, sizeof(st))) {
            abort();
        }
        return;
    }
    st.time_ms = 1;
    media_heartbeat_build(&hb, &empty, &st, 7, key, "fuzz-chain", 2, 0);
    if (ledger_heartbeat_encode(&hb, bytes, sizeof(bytes), &out_len) != CHR_OK) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MEDIA_STATE_BYTES_MAX) {
        return 0;
    }
    const char *text = (const char *)data;
    state_round_trip(text, size);
    media_record r;
    char err[256] = "";
    if (media_record_parse(&r, text, size, err, sizeof(err)) != CHR_OK &&
        (err[0] == '\0' || !all_zero(&r, sizeof(r)))) {
        abort();
    }
    stats_heartbeat(text, size);
    media_cpu_sample cpu;
    if (media_cpu_parse(&cpu, text, size) == CHR_OK ? cpu.busy > cpu.total
                                                    : !all_zero(&cpu, sizeof(cpu))) {
        abort();
    }
    return 0;
}
