/* Fuzzes chroom-media's decoders of outside text (media/agent.h): the state file and the
 * ledger node's meeting record. No input may crash them, leak or reach undefined
 * behaviour; what they refuse leaves a zeroed output and a message; a state file they
 * accept encodes to a text that decodes to the same table, which encodes to the same text
 * again. */
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
    return 0;
}
