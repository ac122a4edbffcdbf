#include "ledger/slashing.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "ledger/staking.h"

#define CHUNK_BITS (8u * LEDGER_SIGNING_CHUNK_BYTES)
#define INFO_BYTES 28

__extension__ typedef unsigned __int128 slash_u128;

chr_err ledger_signing_info_get(ledger_objects *t, const uint8_t operator_key[32],
                                ledger_signing_info *out)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    memset(out, 0, sizeof(*out));
    chr_err err = ledger_object_get(t, LEDGER_STATE_SIGNING, operator_key, 32, value, &len, &found);
    if (err != CHR_OK || !found) {
        return err;
    }
    if (len != INFO_BYTES) {
        return CHR_ERR_STORE;
    }
    out->counted = chr_get_u64be(value);
    out->missed = chr_get_u32be(value + 8);
    out->epoch = chr_get_u32be(value + 12);
    out->offence_height = chr_get_u64be(value + 16);
    out->offence_ppm = chr_get_u32be(value + 24);
    return CHR_OK;
}

/* ---- Records of slashes. ---- */

void ledger_slash_record_key(uint8_t out[10], uint64_t height, uint16_t index)
{
    chr_put_u64be(out, height);
    out[8] = (uint8_t)(index >> 8);
    out[9] = (uint8_t)index;
}

chr_err ledger_slash_record_decode(ledger_slash_record *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len < LEDGER_SLASH_RECORD_BYTES) {
        return CHR_ERR_TRUNCATED;
    }
    if (in_len > LEDGER_SLASH_RECORD_BYTES) {
        return CHR_ERR_TRAILING;
    }
    if ((in[0] != LEDGER_SLASH_DOUBLE_SIGN && in[0] != LEDGER_SLASH_DOWNTIME) || in[53] > 1) {
        return CHR_ERR_NONCANONICAL;
    }
    out->reason = in[0];
    memcpy(out->operator_key, in + 1, 32);
    out->fraction_ppm = chr_get_u32be(in + 33);
    out->burned = chr_get_u64be(in + 37);
    out->jailed_until_ms = chr_get_u64be(in + 45);
    out->tombstoned = in[53];
    return CHR_OK;
}

/* Where an end of block writes its records: the height and the next index. */
typedef struct slash_log {
    uint64_t height;
    uint16_t next;
} slash_log;

/* Records the slash just made of operator_key (its validator as it is now) under the next
 * index of the block. */
static chr_err record_put(ledger_objects *t, slash_log *log, uint8_t reason,
                          const uint8_t operator_key[32], uint32_t fraction_ppm, uint64_t burned)
{
    ledger_staking_validator v;
    int found;
    chr_err err = ledger_staking_validator_get(t, operator_key, &v, &found);
    if (err != CHR_OK || !found) {
        return err ? err : CHR_ERR_STORE;
    }
    /* One slash per evidence and per member of the previous set at most. */
    CHR_ASSERT(log->next < LEDGER_SLASH_RECORDS_MAX);
    uint8_t key[10];
    uint8_t value[LEDGER_SLASH_RECORD_BYTES];
    ledger_slash_record_key(key, log->height, log->next++);
    value[0] = reason;
    memcpy(value + 1, operator_key, 32);
    chr_put_u32be(value + 33, fraction_ppm);
    chr_put_u64be(value + 37, burned);
    chr_put_u64be(value + 45, v.jailed_until_ms);
    value[53] = v.tombstoned;
    return ledger_object_put(t, LEDGER_STATE_SLASH_RECORD, key, sizeof(key), value, sizeof(value));
}

static chr_err info_put(ledger_objects *t, const uint8_t operator_key[32],
                        const ledger_signing_info *s)
{
    uint8_t value[INFO_BYTES];
    chr_put_u64be(value, s->counted);
    chr_put_u32be(value + 8, s->missed);
    chr_put_u32be(value + 12, s->epoch);
    chr_put_u64be(value + 16, s->offence_height);
    chr_put_u32be(value + 24, s->offence_ppm);
    return ledger_object_put(t, LEDGER_STATE_SIGNING, operator_key, 32, value, INFO_BYTES);
}

chr_err ledger_slashing_entry_burn(ledger_objects *t, const uint8_t validator[32],
                                   uint64_t created_height, uint64_t initial, uint64_t cap,
                                   uint64_t *burn)
{
    ledger_signing_info s;
    *burn = 0;
    chr_err err = ledger_signing_info_get(t, validator, &s);
    if (err != CHR_OK || s.offence_height == 0 || created_height < s.offence_height) {
        return err;
    }
    CHR_ASSERT(s.offence_ppm <= LEDGER_PPM);
    uint64_t owed = (uint64_t)((slash_u128)initial * s.offence_ppm / LEDGER_PPM);
    *burn = owed < cap ? owed : cap;
    return CHR_OK;
}

/* Sets bit i of the window to missed; *was gets its old value (0 in another epoch). */
static chr_err bit_swap(ledger_objects *t, const uint8_t operator_key[32], uint32_t epoch,
                        uint64_t i, int missed, int *was)
{
    uint8_t key[36];
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    int found;
    memcpy(key, operator_key, 32);
    chr_put_u32be(key + 32, (uint32_t)(i / CHUNK_BITS));
    chr_err err = ledger_object_get(t, LEDGER_STATE_SIGNING, key, 36, value, &len, &found);
    if (err != CHR_OK) {
        return err;
    }
    if (found && len != 4 + LEDGER_SIGNING_CHUNK_BYTES) {
        return CHR_ERR_STORE;
    }
    if (!found || chr_get_u32be(value) != epoch) {
        memset(value, 0, 4 + LEDGER_SIGNING_CHUNK_BYTES);
        chr_put_u32be(value, epoch);
    }
    uint8_t *byte = value + 4 + (i % CHUNK_BITS) / 8;
    uint8_t mask = (uint8_t)(1u << (i % 8));
    *was = (*byte & mask) != 0;
    if (*was == missed && found) {
        return CHR_OK;
    }
    *byte = missed ? (uint8_t)(*byte | mask) : (uint8_t)(*byte & ~mask);
    return ledger_object_put(t, LEDGER_STATE_SIGNING, key, 36, value,
                             4 + LEDGER_SIGNING_CHUNK_BYTES);
}

/* The operator of consensus key `key` and its validator: *found 0 when none. */
static chr_err validator_of(ledger_objects *t, const uint8_t key[32], ledger_staking_validator *v,
                            int *found)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t len;
    chr_err err = ledger_object_get(t, LEDGER_STATE_CONS_KEY, key, 32, value, &len, found);
    if (err != CHR_OK || !*found) {
        return err;
    }
    if (len != 32) {
        return CHR_ERR_STORE;
    }
    err = ledger_staking_validator_get(t, value, v, found);
    return err == CHR_OK && !*found ? CHR_ERR_STORE : err;
}

static int commit_has(const ledger_commit *c, const uint8_t key[32])
{
    for (uint16_t i = 0; c != NULL && i < c->sigs_len; i++) {
        if (memcmp(c->sigs[i].validator, key, 32) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Counts one commit for v: its bit, its missed count, and the downtime rule. */
static chr_err count_one(ledger_objects *t, const ledger_params *params, slash_log *log,
                         const ledger_staking_validator *v, int missed, uint64_t time_ms)
{
    ledger_signing_info s;
    uint64_t window = params->signed_blocks_window;
    int was = 0;
    chr_err err = ledger_signing_info_get(t, v->operator_key, &s);
    err = err ? err : bit_swap(t, v->operator_key, s.epoch, s.counted % window, missed, &was);
    if (err != CHR_OK) {
        return err;
    }
    s.missed = s.missed + (uint32_t)missed - (uint32_t)was;
    s.counted++;
    uint64_t allowed = window - window * params->min_signed_ppm / LEDGER_PPM;
    if (s.counted >= window && s.missed > allowed) {
        uint64_t until, burned;
        if (chr_add_u64(&until, time_ms, params->downtime_jail_ms) != CHR_OK) {
            until = UINT64_MAX;
        }
        err =
            ledger_staking_slash(t, v->operator_key, params->slash_downtime_ppm, until, 0, &burned);
        err = err ? err
                  : record_put(t, log, LEDGER_SLASH_DOWNTIME, v->operator_key,
                               params->slash_downtime_ppm, burned);
        s.counted = 0;
        s.missed = 0;
        s.epoch++;
    }
    return err ? err : info_put(t, v->operator_key, &s);
}

chr_err ledger_slashing_end_block(ledger_objects *t, const ledger_params *params,
                                  const ledger_valset *prev, const ledger_commit *last_commit,
                                  const ledger_evidence *ev, size_t ev_len, uint64_t height,
                                  uint64_t time_ms)
{
    CHR_ASSERT(ev_len <= LEDGER_BLOCK_EVIDENCE_MAX);
    CHR_ASSERT(params->signed_blocks_window > 0);
    chr_err err = CHR_OK;
    slash_log log = {height, 0};
    for (size_t i = 0; i < ev_len && err == CHR_OK; i++) {
        ledger_staking_validator v;
        int found;
        uint64_t burned;
        err = validator_of(t, ev[i].validator, &v, &found);
        if (err == CHR_OK && found && !v.tombstoned) {
            ledger_signing_info s;
            err = ledger_signing_info_get(t, v.operator_key, &s);
            s.offence_height = ev[i].height;
            s.offence_ppm = params->slash_double_sign_ppm;
            err = err ? err : info_put(t, v.operator_key, &s);
            err = err ? err
                      : ledger_staking_slash(t, v.operator_key, params->slash_double_sign_ppm,
                                             UINT64_MAX, 1, &burned);
            err = err ? err
                      : record_put(t, &log, LEDGER_SLASH_DOUBLE_SIGN, v.operator_key,
                                   params->slash_double_sign_ppm, burned);
        }
    }
    for (size_t i = 0; i < prev->len && err == CHR_OK && last_commit != NULL; i++) {
        ledger_staking_validator v;
        int found;
        err = validator_of(t, prev->v[i].pubkey, &v, &found);
        if (err == CHR_OK && found && !v.jailed && !v.tombstoned) {
            err = count_one(t, params, &log, &v, !commit_has(last_commit, prev->v[i].pubkey),
                            time_ms);
        }
    }
    return err;
}
