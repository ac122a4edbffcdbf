#include "credit/credit.h"

#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

/* A bounded reader over the credit's bytes. */
typedef struct rd {
    const uint8_t *p;
    size_t left;
    int short_read;
} rd;

static const uint8_t *take(rd *r, size_t n)
{
    if (r->short_read || n > r->left) {
        r->short_read = 1;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    r->left -= n;
    return at;
}

static uint64_t take_be(rd *r, size_t n)
{
    const uint8_t *at = take(r, n);
    uint64_t v = 0;
    for (size_t i = 0; at != NULL && i < n; i++) {
        v = (v << 8) | at[i];
    }
    return v;
}

/* A bytes8 field of 1..max bytes into out; 0 when its length breaks that (or is short). */
static int take_str(rd *r, char *out, uint8_t *out_len, size_t max)
{
    size_t n = (size_t)take_be(r, 1);
    const uint8_t *at = take(r, n);
    if (r->short_read || n == 0 || n > max) {
        return 0;
    }
    memcpy(out, at, n);
    *out_len = (uint8_t)n;
    return 1;
}

static void put_be(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[n - 1 - i] = (uint8_t)(v >> (8 * i));
    }
}

/* The ledger's chain id rule: 1..32 of [a-z0-9-], not starting or ending with '-'. */
static int chain_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > CREDIT_CHAIN_ID_MAX || s[0] == '-' || s[len - 1] == '-') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) {
            return 0;
        }
    }
    return 1;
}

/* A meeting's host or participant ID: printable ASCII without spaces (ledger/meetings.h). */
static int id_valid(const char *s, size_t len)
{
    if (len == 0 || len > CREDIT_PARTICIPANT_ID_MAX) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

static int fields_valid(const credit *c)
{
    return chain_id_valid(c->chain_id, c->chain_id_len) &&
           (c->role == CREDIT_ROLE_HOST || c->role == CREDIT_ROLE_PARTICIPANT) &&
           id_valid(c->participant_id, c->participant_id_len) && c->has_key <= 1 &&
           c->minutes_max > 0 && c->expiry_ms > c->not_before_ms;
}

const char *credit_result_name(credit_result r)
{
    static const char *const names[] = {
        "valid",         "truncated",   "trailing_bytes", "bad_version",
        "bad_field",     "wrong_chain", "wrong_meeting",  "wrong_node",
        "not_yet_valid", "expired",     "bad_payer_key",  "bad_signature",
    };
    if ((unsigned)r >= sizeof(names) / sizeof(names[0])) {
        return "unknown";
    }
    return names[r];
}

credit_result credit_decode(credit *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    rd r = {in, in_len, 0};
    uint64_t version = take_be(&r, 1);
    if (!r.short_read && version != CREDIT_VERSION) {
        return CREDIT_BAD_VERSION;
    }
    int ok = take_str(&r, out->chain_id, &out->chain_id_len, CREDIT_CHAIN_ID_MAX);
    const uint8_t *mid = take(&r, CREDIT_MEETING_ID_LEN);
    out->role = (uint8_t)take_be(&r, 1);
    ok &= take_str(&r, out->participant_id, &out->participant_id_len, CREDIT_PARTICIPANT_ID_MAX);
    out->has_key = (uint8_t)take_be(&r, 1);
    const uint8_t *key = out->has_key == 1 ? take(&r, 32) : NULL;
    const uint8_t *node = take(&r, 32);
    out->minutes_max = (uint32_t)take_be(&r, 4);
    out->not_before_ms = take_be(&r, 8);
    out->expiry_ms = take_be(&r, 8);
    const uint8_t *sig = take(&r, 64);
    credit_result res = CREDIT_VALID;
    if (r.short_read) {
        res = CREDIT_TRUNCATED;
    } else if (r.left != 0) {
        res = CREDIT_TRAILING;
    } else if (!ok || !fields_valid(out)) {
        res = CREDIT_BAD_FIELD;
    }
    if (res != CREDIT_VALID) {
        memset(out, 0, sizeof(*out));
        return res;
    }
    memcpy(out->meeting_id, mid, CREDIT_MEETING_ID_LEN);
    if (key != NULL) {
        memcpy(out->participant_key, key, 32);
    }
    memcpy(out->node_key, node, 32);
    memcpy(out->sig, sig, 64);
    return CREDIT_VALID;
}

size_t credit_encode(uint8_t *out, size_t out_cap, const credit *c)
{
    if (!fields_valid(c) || out_cap < CREDIT_BYTES_MAX) {
        return 0;
    }
    size_t n = 0;
    out[n++] = CREDIT_VERSION;
    out[n++] = c->chain_id_len;
    memcpy(out + n, c->chain_id, c->chain_id_len);
    n += c->chain_id_len;
    memcpy(out + n, c->meeting_id, CREDIT_MEETING_ID_LEN);
    n += CREDIT_MEETING_ID_LEN;
    out[n++] = c->role;
    out[n++] = c->participant_id_len;
    memcpy(out + n, c->participant_id, c->participant_id_len);
    n += c->participant_id_len;
    out[n++] = c->has_key;
    if (c->has_key) {
        memcpy(out + n, c->participant_key, 32);
        n += 32;
    }
    memcpy(out + n, c->node_key, 32);
    n += 32;
    put_be(out + n, c->minutes_max, 4);
    put_be(out + n + 4, c->not_before_ms, 8);
    put_be(out + n + 12, c->expiry_ms, 8);
    n += 20;
    memcpy(out + n, c->sig, 64);
    return n + 64;
}

static void tagged(uint8_t out[32], const char *tag, const uint8_t *msg, size_t msg_len)
{
    /* BIP-340 "Design": SHA256(SHA256(tag) || SHA256(tag) || msg). It cannot fail with
     * non-NULL arguments. */
    int ok = secp256k1_tagged_sha256(secp256k1_context_static, out, (const unsigned char *)tag,
                                     strlen(tag), msg, msg_len);
    (void)ok;
}

void credit_sighash(uint8_t out[32], const uint8_t *in, size_t in_len)
{
    tagged(out, CREDIT_TAG, in, in_len > 64 ? in_len - 64 : 0);
}

static credit_result sig_check(const uint8_t sig[64], const uint8_t msg[32], const uint8_t key[32])
{
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(secp256k1_context_static, &pk, key)) {
        return CREDIT_BAD_PAYER_KEY;
    }
    if (!secp256k1_schnorrsig_verify(secp256k1_context_static, sig, msg, 32, &pk)) {
        return CREDIT_BAD_SIGNATURE;
    }
    return CREDIT_VALID;
}

static credit_result credit_rules(const credit *c, const uint8_t node_key[32], const char *chain_id,
                                  size_t chain_id_len, const uint8_t *meeting_id, uint64_t now_ms)
{
    if (c->chain_id_len != chain_id_len || memcmp(c->chain_id, chain_id, chain_id_len) != 0) {
        return CREDIT_WRONG_CHAIN;
    }
    if (meeting_id != NULL && memcmp(c->meeting_id, meeting_id, CREDIT_MEETING_ID_LEN) != 0) {
        return CREDIT_WRONG_MEETING;
    }
    if (memcmp(c->node_key, node_key, 32) != 0) {
        return CREDIT_WRONG_NODE;
    }
    if (now_ms < c->not_before_ms) {
        return CREDIT_NOT_YET_VALID;
    }
    return now_ms >= c->expiry_ms ? CREDIT_EXPIRED : CREDIT_VALID;
}

credit_result credit_verify(credit *out, const uint8_t *in, size_t in_len,
                            const uint8_t payer_key[32], const uint8_t node_key[32],
                            const char *chain_id, size_t chain_id_len, const uint8_t *meeting_id,
                            uint64_t now_ms)
{
    credit c;
    credit_result res = credit_decode(&c, in, in_len);
    res = res ? res : credit_rules(&c, node_key, chain_id, chain_id_len, meeting_id, now_ms);
    if (res == CREDIT_VALID) {
        uint8_t msg[32];
        credit_sighash(msg, in, in_len);
        res = sig_check(c.sig, msg, payer_key);
    }
    if (out != NULL) {
        if (res == CREDIT_VALID) {
            *out = c;
        } else {
            memset(out, 0, sizeof(*out));
        }
    }
    return res;
}

size_t credit_receipt_encode(uint8_t *out, size_t out_cap, const char *chain_id,
                             size_t chain_id_len, const uint8_t meeting_id[CREDIT_MEETING_ID_LEN],
                             const uint8_t node_key[32], uint32_t minutes)
{
    if (!chain_id_valid(chain_id, chain_id_len) || out_cap < CREDIT_RECEIPT_BYTES_MAX) {
        return 0;
    }
    size_t n = 0;
    out[n++] = CREDIT_VERSION;
    out[n++] = (uint8_t)chain_id_len;
    memcpy(out + n, chain_id, chain_id_len);
    n += chain_id_len;
    memcpy(out + n, meeting_id, CREDIT_MEETING_ID_LEN);
    n += CREDIT_MEETING_ID_LEN;
    memcpy(out + n, node_key, 32);
    n += 32;
    put_be(out + n, minutes, 4);
    return n + 4;
}

void credit_receipt_sighash(uint8_t out[32], const uint8_t *msg, size_t msg_len)
{
    tagged(out, CREDIT_RECEIPT_TAG, msg, msg_len);
}

credit_result credit_receipt_verify(const uint8_t sig[64], const uint8_t participant_key[32],
                                    const char *chain_id, size_t chain_id_len,
                                    const uint8_t meeting_id[CREDIT_MEETING_ID_LEN],
                                    const uint8_t node_key[32], uint32_t minutes)
{
    uint8_t msg[CREDIT_RECEIPT_BYTES_MAX], hash[32];
    size_t n = credit_receipt_encode(msg, sizeof(msg), chain_id, chain_id_len, meeting_id, node_key,
                                     minutes);
    if (n == 0) {
        return CREDIT_BAD_FIELD;
    }
    credit_receipt_sighash(hash, msg, n);
    return sig_check(sig, hash, participant_key);
}
