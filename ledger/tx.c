#include "ledger/tx.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "ledger/sig.h"
#include "ledger/tx_types.h"

/* version, type, chain id, from, nonce, fee, expiry, memo, transfer body, signature. */
#define TX_TRANSFER_BYTES_MAX                                                                      \
    (1 + 1 + 1 + LEDGER_CHAIN_ID_MAX + 32 + 8 + 8 + 8 + 2 + LEDGER_MEMO_MAX + 32 + 8 +             \
     LEDGER_SIG_LEN)
_Static_assert(TX_TRANSFER_BYTES_MAX <= LEDGER_TX_BYTES_BASE_MAX, "a transfer always fits");

int ledger_chain_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > LEDGER_CHAIN_ID_MAX || s[0] == '-' || s[len - 1] == '-') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* RFC 3629 section 4: the well-formed byte sequences, which excludes overlong forms,
 * surrogates (U+D800..U+DFFF) and code points above U+10FFFF. NUL is refused too, so
 * that a memo is always safe to print as a C string. */
int ledger_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint8_t lo = 0x80;
        uint8_t hi = 0xbf;
        if (c == 0) {
            return 0;
        } else if (c < 0x80) {
            n = 0;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return 0;
        }
        if (n > len - i - 1) {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            uint8_t b = s[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) {
                return 0;
            }
        }
        i += n + 1;
    }
    return 1;
}

chr_err ledger_tx_init(ledger_tx *tx, ledger_tx_type type, const char *chain_id,
                       const uint8_t from[32], uint64_t nonce, uint64_t fee, uint64_t expiry_height,
                       const uint8_t *memo, size_t memo_len)
{
    memset(tx, 0, sizeof(*tx));
    size_t id_len = strlen(chain_id);
    if (!ledger_chain_id_valid(chain_id, id_len)) {
        return CHR_ERR_CHAIN_ID;
    }
    if (memo_len > LEDGER_MEMO_MAX || !ledger_utf8_valid(memo, memo_len)) {
        return CHR_ERR_MEMO;
    }
    tx->type = (uint8_t)type;
    tx->chain_id_len = (uint8_t)id_len;
    memcpy(tx->chain_id, chain_id, id_len);
    memcpy(tx->from, from, 32);
    tx->nonce = nonce;
    tx->fee = fee;
    tx->expiry_height = expiry_height;
    tx->memo_len = (uint16_t)memo_len;
    if (memo_len > 0) {
        memcpy(tx->memo, memo, memo_len);
    }
    return CHR_OK;
}

static void tx_encode_unsigned(chr_enc *enc, const ledger_tx *tx)
{
    CHR_ASSERT(tx->chain_id_len <= LEDGER_CHAIN_ID_MAX);
    CHR_ASSERT(tx->memo_len <= LEDGER_MEMO_MAX);
    chr_enc_u8(enc, LEDGER_TX_VERSION);
    chr_enc_u8(enc, tx->type);
    chr_enc_bytes8(enc, (const uint8_t *)tx->chain_id, tx->chain_id_len);
    chr_enc_raw(enc, tx->from, 32);
    chr_enc_u64(enc, tx->nonce);
    chr_enc_u64(enc, tx->fee);
    chr_enc_u64(enc, tx->expiry_height);
    chr_enc_bytes16(enc, tx->memo, tx->memo_len);
    const ledger_tx_kind *kind = ledger_tx_kind_of(tx->type);
    CHR_ASSERT(kind != NULL);
    kind->body_encode(enc, tx);
}

chr_err ledger_tx_encode(const ledger_tx *tx, uint8_t *out, size_t out_cap, size_t *out_len)
{
    chr_enc enc;
    chr_enc_init(&enc, out, out_cap);
    tx_encode_unsigned(&enc, tx);
    chr_enc_raw(&enc, tx->sig, LEDGER_SIG_LEN);
    chr_err err = chr_enc_finish(&enc, out_len);
    CHR_ASSERT(err != CHR_OK || *out_len <= LEDGER_TX_BYTES_MAX);
    return err;
}

static chr_err tx_decode_header(chr_dec *dec, ledger_tx *tx)
{
    uint8_t version;
    chr_err err = chr_dec_u8(dec, &version);
    if (err == CHR_OK && version != LEDGER_TX_VERSION) {
        return CHR_ERR_VERSION;
    }
    if (err == CHR_OK) {
        err = chr_dec_u8(dec, &tx->type);
    }
    if (err == CHR_OK && ledger_tx_kind_of(tx->type) == NULL) {
        return CHR_ERR_TX_TYPE;
    }
    const uint8_t *p;
    size_t n;
    if (err == CHR_OK) {
        err = chr_dec_bytes8(dec, &p, &n, LEDGER_CHAIN_ID_MAX);
        if (err == CHR_ERR_TOO_LONG ||
            (err == CHR_OK && !ledger_chain_id_valid((const char *)p, n))) {
            return CHR_ERR_CHAIN_ID;
        }
    }
    if (err == CHR_OK) {
        memcpy(tx->chain_id, p, n);
        tx->chain_id_len = (uint8_t)n;
        err = chr_dec_raw(dec, tx->from, 32);
    }
    if (err == CHR_OK) {
        err = chr_dec_u64(dec, &tx->nonce);
    }
    if (err == CHR_OK) {
        err = chr_dec_u64(dec, &tx->fee);
    }
    if (err == CHR_OK) {
        err = chr_dec_u64(dec, &tx->expiry_height);
    }
    return err;
}

void ledger_tx_rebase(ledger_tx *tx, const uint8_t *from, size_t from_len, const uint8_t *to)
{
    const uint8_t **p = NULL;
    if (tx->type == LEDGER_TX_MEETING_CREATE) {
        p = &tx->body.meeting.participants;
    } else if (tx->type == LEDGER_TX_MEETING_SETTLE) {
        p = &tx->body.settle.claims;
    }
    if (p != NULL && *p != NULL) {
        CHR_ASSERT(*p >= from && *p <= from + from_len); /* decoded from `from` */
        *p = to + (*p - from);
    }
}

size_t ledger_tx_bytes_max(uint8_t type)
{
    /* Only the types whose lists grow with a meeting pass the base limit (ledger/limits.h):
     * a meeting-create's participants, a meeting-settle's claims, one per person. */
    switch (type) {
    case LEDGER_TX_MEETING_SETTLE:
        return LEDGER_TX_BYTES_MAX;
    case LEDGER_TX_MEETING_CREATE:
        return LEDGER_TX_MEETING_BYTES_MAX;
    default:
        return LEDGER_TX_BYTES_BASE_MAX;
    }
}

chr_err ledger_tx_decode(ledger_tx *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len > ledger_tx_bytes_max(in_len > 1 ? in[1] : 0)) {
        return CHR_ERR_TX_SIZE;
    }
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = tx_decode_header(&dec, out);
    const uint8_t *memo;
    size_t memo_len;
    if (err == CHR_OK) {
        err = chr_dec_bytes16(&dec, &memo, &memo_len, LEDGER_MEMO_MAX);
        if (err == CHR_ERR_TOO_LONG || (err == CHR_OK && !ledger_utf8_valid(memo, memo_len))) {
            err = CHR_ERR_MEMO;
        }
    }
    if (err == CHR_OK) {
        memcpy(out->memo, memo, memo_len);
        out->memo_len = (uint16_t)memo_len;
        err = ledger_tx_kind_of(out->type)->body_decode(&dec, out);
    }
    if (err == CHR_OK) {
        err = chr_dec_raw(&dec, out->sig, LEDGER_SIG_LEN);
    }
    if (err == CHR_OK) {
        err = chr_dec_finish(&dec);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

void ledger_tx_sighash(const ledger_tx *tx, uint8_t out[CHR_HASH_LEN])
{
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    tx_encode_unsigned(&enc, tx);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    chr_tagged_hash(out, LEDGER_TX_TAG, buf, len);
}

void ledger_tx_hash(const ledger_tx *tx, uint8_t out[CHR_HASH_LEN])
{
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_tx_encode(tx, buf, sizeof(buf), &len) == CHR_OK);
    chr_sha256_hash(out, buf, len);
}

chr_err ledger_tx_check(const ledger_tx *tx, const char *chain_id, const ledger_params *params,
                        char *detail, size_t detail_cap)
{
    char scratch[8];
    if (detail == NULL) {
        detail = scratch;
        detail_cap = sizeof(scratch);
    }
    detail[0] = '\0';
    if (strcmp(tx->chain_id, chain_id) != 0) {
        snprintf(detail, detail_cap, "chain_id: expected %s, got %s", chain_id, tx->chain_id);
        return CHR_ERR_CHAIN_ID;
    }
    const ledger_tx_kind *kind = ledger_tx_kind_of(tx->type);
    if (kind == NULL) {
        snprintf(detail, detail_cap, "type: unknown transaction type %u", tx->type);
        return CHR_ERR_TX_TYPE;
    }
    return kind->check(tx, params, detail, detail_cap);
}

chr_err ledger_tx_verify(const ledger_tx *tx)
{
    return ledger_tx_verify_cached(tx, NULL);
}

chr_err ledger_tx_verify_cached(const ledger_tx *tx, ledger_key_cache *kc)
{
    const ledger_tx_kind *kind = ledger_tx_kind_of(tx->type);
    CHR_ASSERT(kind != NULL);
    if (kind->verify_keys(tx, kc) != CHR_OK) {
        return CHR_ERR_PUBKEY;
    }
    uint8_t msg[CHR_HASH_LEN];
    ledger_tx_sighash(tx, msg);
    chr_err err = ledger_sig_verify_cached(kc, tx->sig, msg, tx->from);
    /* A sender key off the curve can sign nothing: that is a bad signature. */
    return err == CHR_ERR_PUBKEY ? CHR_ERR_SIGNATURE : err;
}
