/* Fuzzes the decoders of the media tier's state records (ledger/media.h, ledger/meetings.h,
 * ledger/params_meetings.h): the first byte picks the record, the rest is its value. No
 * input may crash them, and whatever one accepts must re-encode to exactly the input (one
 * encoding per value) and obey its rules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/params_meetings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(chr_err err, const uint8_t *out, size_t out_len, const uint8_t *in,
                       size_t in_len)
{
    if (err != CHR_OK || out_len != in_len || memcmp(out, in, in_len) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t key[32] = {1};
    static const uint8_t id[LEDGER_MEETING_ID_LEN] = {2};
    uint8_t out[LEDGER_OBJECT_VALUE_MAX];
    size_t out_len = 0;
    if (size == 0 || size - 1 > LEDGER_OBJECT_VALUE_MAX) {
        return 0;
    }
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    if (data[0] % 4 == 0) {
        ledger_media_node n;
        if (ledger_media_node_decode(&n, key, in, len) == CHR_OK) {
            if (!ledger_media_endpoint_valid(n.endpoint, n.endpoint_len) || n.capacity == 0 ||
                n.capacity > LEDGER_MEDIA_CAPACITY_MAX) {
                abort();
            }
            chr_err err = ledger_media_node_encode(&n, out, sizeof(out), &out_len);
            check_same(err, out, out_len, in, len);
        }
    } else if (data[0] % 4 == 1) {
        ledger_meeting m;
        if (ledger_meeting_decode(&m, id, in, len) == CHR_OK) {
            if (m.participants == 0 || m.participants > LEDGER_MEETING_PARTICIPANTS_MAX) {
                abort();
            }
            chr_err err = ledger_meeting_encode(&m, out, sizeof(out), &out_len);
            check_same(err, out, out_len, in, len);
        }
    } else if (data[0] % 4 == 2) {
        /* A participant list's chunk, appended to a list already half full. */
        static ledger_meeting_people p;
        memset(&p, 0, sizeof(p));
        p.participants_len = LEDGER_MEETING_PARTICIPANTS_MAX / 2;
        chr_err err = ledger_meeting_people_chunk_decode(&p, in, len);
        if (p.participants_len > LEDGER_MEETING_PARTICIPANTS_MAX ||
            (err == CHR_OK && p.participants_len == LEDGER_MEETING_PARTICIPANTS_MAX / 2)) {
            abort();
        }
    } else {
        ledger_meeting_params p;
        if (ledger_meeting_params_decode(&p, in, len) == CHR_OK) {
            const char *field;
            uint8_t enc[LEDGER_MEETING_PARAMS_BYTES];
            ledger_meeting_params_encode(enc, &p);
            chr_err err = ledger_meeting_params_check(&p, &field);
            check_same(err, enc, sizeof(enc), in, len);
        }
    }
    return 0;
}
