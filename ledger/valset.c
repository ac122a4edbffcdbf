#include "ledger/valset.h"

#include <string.h>

#include "common/assert.h"

void ledger_valset_init(ledger_valset *set)
{
    memset(set, 0, sizeof(*set));
}

int ledger_valset_find(const ledger_valset *set, const uint8_t pubkey[32])
{
    size_t lo = 0;
    size_t hi = set->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(set->v[mid].pubkey, pubkey, 32);
        if (c == 0) {
            return (int)mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

chr_err ledger_valset_add(ledger_valset *set, const uint8_t pubkey[32], uint64_t power)
{
    CHR_ASSERT(set->len <= LEDGER_VALIDATORS_MAX);
    if (power == 0) {
        return CHR_ERR_ARG;
    }
    if (ledger_valset_find(set, pubkey) >= 0) {
        return CHR_ERR_DUPLICATE;
    }
    if (set->len == LEDGER_VALIDATORS_MAX) {
        return CHR_ERR_FULL;
    }
    uint64_t total;
    if (chr_add_u64(&total, set->total_power, power) != CHR_OK) {
        return CHR_ERR_OVERFLOW;
    }
    size_t at = 0;
    while (at < set->len && memcmp(set->v[at].pubkey, pubkey, 32) < 0) {
        at++;
    }
    memmove(&set->v[at + 1], &set->v[at], (set->len - at) * sizeof(set->v[0]));
    memcpy(set->v[at].pubkey, pubkey, 32);
    set->v[at].power = power;
    set->len++;
    set->total_power = total;
    return CHR_OK;
}

void ledger_valset_encode(chr_enc *enc, const ledger_valset *set)
{
    CHR_ASSERT(set->len <= LEDGER_VALIDATORS_MAX);
    chr_enc_u16(enc, (uint16_t)set->len);
    for (size_t i = 0; i < set->len; i++) {
        chr_enc_raw(enc, set->v[i].pubkey, 32);
        chr_enc_u64(enc, set->v[i].power);
    }
}

chr_err ledger_valset_decode(chr_dec *dec, ledger_valset *out)
{
    ledger_valset_init(out);
    uint16_t n;
    chr_err err = chr_dec_u16(dec, &n);
    if (err != CHR_OK) {
        return err;
    }
    if (n == 0 || n > LEDGER_VALIDATORS_MAX) {
        return n == 0 ? CHR_ERR_NONCANONICAL : CHR_ERR_TOO_LONG;
    }
    for (uint16_t i = 0; i < n && err == CHR_OK; i++) {
        uint8_t key[32];
        uint64_t power;
        err = chr_dec_raw(dec, key, 32);
        if (err == CHR_OK) {
            err = chr_dec_u64(dec, &power);
        }
        if (err == CHR_OK && out->len > 0 && memcmp(out->v[out->len - 1].pubkey, key, 32) >= 0) {
            err = CHR_ERR_NONCANONICAL;
        }
        if (err == CHR_OK) {
            err = ledger_valset_add(out, key, power);
            err = err == CHR_ERR_ARG ? CHR_ERR_NONCANONICAL : err;
        }
    }
    if (err != CHR_OK) {
        ledger_valset_init(out);
    }
    return err;
}

void ledger_valset_hash(const ledger_valset *set, uint8_t out[CHR_HASH_LEN])
{
    uint8_t buf[2 + LEDGER_VALIDATORS_MAX * 40];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    ledger_valset_encode(&enc, set);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    chr_sha256_hash(out, buf, len);
}
