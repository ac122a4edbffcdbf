#include "ledger/media.h"

#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/meetings.h"
#include "ledger/params_meetings.h"
#include "ledger/staking.h"

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

int ledger_media_region_valid(const char *s, size_t len)
{
    if (len == 0 || len > LEDGER_MEDIA_REGION_MAX) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '-') {
            return 0;
        }
    }
    return 1;
}

/* An https URL without user info, query or fragment (RFC 3986 section 3, a subset): what a
 * client puts "/start/{id}" after. */
int ledger_media_endpoint_valid(const char *s, size_t len)
{
    static const char scheme[] = "https://";
    size_t i = sizeof(scheme) - 1;
    if (len > LEDGER_MEDIA_ENDPOINT_MAX || len <= i || memcmp(s, scheme, i) != 0) {
        return 0;
    }
    size_t host_start = i;
    while (i < len && (is_alnum(s[i]) || s[i] == '.' || s[i] == '-')) {
        i++;
    }
    if (i == host_start || s[host_start] == '.' || s[host_start] == '-') {
        return 0;
    }
    if (i < len && s[i] == ':') {
        size_t port_start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == port_start || i - port_start > 5) {
            return 0;
        }
    }
    if (i < len && s[i] != '/') {
        return 0;
    }
    for (; i < len; i++) {
        if (!is_alnum(s[i]) && strchr("._~/-", s[i]) == NULL) {
            return 0;
        }
    }
    return 1;
}

const char *ledger_media_status_name(uint8_t status)
{
    return status == LEDGER_MEDIA_ACTIVE      ? "active"
           : status == LEDGER_MEDIA_UNBONDING ? "unbonding"
                                              : "unknown";
}

chr_err ledger_media_node_encode(const ledger_media_node *n, uint8_t *out, size_t out_cap,
                                 size_t *out_len)
{
    chr_enc enc;
    chr_enc_init(&enc, out, out_cap);
    chr_enc_u8(&enc, n->status);
    chr_enc_raw(&enc, n->operator_key, 32);
    chr_enc_u64(&enc, n->bond);
    chr_enc_u32(&enc, n->capacity);
    chr_enc_u64(&enc, n->registered_height);
    chr_enc_u64(&enc, n->unbond_after_ms);
    chr_enc_bytes8(&enc, (const uint8_t *)n->endpoint, n->endpoint_len);
    chr_enc_bytes8(&enc, (const uint8_t *)n->region, n->region_len);
    chr_enc_bytes8(&enc, n->metadata, n->metadata_len);
    return chr_enc_finish(&enc, out_len);
}

/* A bytes8 field of at most max bytes into out (max + 1 bytes for a NUL when text). */
static chr_err dec_field(chr_dec *dec, uint8_t *out, uint8_t *out_len, size_t max)
{
    const uint8_t *p;
    size_t n;
    chr_err err = chr_dec_bytes8(dec, &p, &n, max);
    if (err == CHR_OK) {
        memcpy(out, p, n);
        *out_len = (uint8_t)n;
    }
    return err == CHR_ERR_TOO_LONG ? CHR_ERR_MEDIA_NODE : err;
}

chr_err ledger_media_node_decode(ledger_media_node *out, const uint8_t node_key[32],
                                 const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = chr_dec_u8(&dec, &out->status);
    err = err ? err : chr_dec_raw(&dec, out->operator_key, 32);
    err = err ? err : chr_dec_u64(&dec, &out->bond);
    err = err ? err : chr_dec_u32(&dec, &out->capacity);
    err = err ? err : chr_dec_u64(&dec, &out->registered_height);
    err = err ? err : chr_dec_u64(&dec, &out->unbond_after_ms);
    err = err ? err
              : dec_field(&dec, (uint8_t *)out->endpoint, &out->endpoint_len,
                          LEDGER_MEDIA_ENDPOINT_MAX);
    err = err ? err
              : dec_field(&dec, (uint8_t *)out->region, &out->region_len, LEDGER_MEDIA_REGION_MAX);
    err = err ? err : dec_field(&dec, out->metadata, &out->metadata_len, LEDGER_MEDIA_METADATA_MAX);
    err = err ? err : chr_dec_finish(&dec);
    if (err == CHR_OK &&
        ((out->status != LEDGER_MEDIA_ACTIVE && out->status != LEDGER_MEDIA_UNBONDING) ||
         out->capacity == 0 || out->capacity > LEDGER_MEDIA_CAPACITY_MAX ||
         !ledger_media_endpoint_valid(out->endpoint, out->endpoint_len) ||
         !ledger_media_region_valid(out->region, out->region_len) ||
         !ledger_utf8_valid(out->metadata, out->metadata_len))) {
        err = CHR_ERR_MEDIA_NODE;
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    memcpy(out->node_key, node_key, 32);
    return CHR_OK;
}

chr_err ledger_media_node_get(ledger_objects *t, const uint8_t node_key[32], ledger_media_node *out,
                              int *found)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    memset(out, 0, sizeof(*out));
    chr_err err =
        ledger_object_get(t, LEDGER_STATE_MEDIA_NODE, node_key, 32, value, &value_len, found);
    if (err == CHR_OK && *found) {
        /* Only records that passed these rules are ever written. */
        CHR_ASSERT(ledger_media_node_decode(out, node_key, value, value_len) == CHR_OK);
    }
    return err;
}

static chr_err node_put(ledger_objects *t, const ledger_media_node *n)
{
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    CHR_ASSERT(ledger_media_node_encode(n, value, sizeof(value), &value_len) == CHR_OK);
    return ledger_object_put(t, LEDGER_STATE_MEDIA_NODE, n->node_key, 32, value, value_len);
}

/* The region list's natural key: region || 0x00 || node key (a region has no 0x00, so a
 * region's entries are exactly those under the prefix region || 0x00). */
static size_t region_key(uint8_t out[LEDGER_MEDIA_REGION_MAX + 33], const ledger_media_node *n)
{
    memcpy(out, n->region, n->region_len);
    out[n->region_len] = 0;
    memcpy(out + n->region_len + 1, n->node_key, 32);
    return n->region_len + 33u;
}

static chr_err region_list(ledger_objects *t, const ledger_media_node *n, int add)
{
    uint8_t key[LEDGER_MEDIA_REGION_MAX + 33];
    size_t len = region_key(key, n);
    static const uint8_t one = 1;
    int found;
    return add ? ledger_object_put(t, LEDGER_STATE_MEDIA_REGION, key, len, &one, 1)
               : ledger_object_delete(t, LEDGER_STATE_MEDIA_REGION, key, len, &found);
}

void ledger_media_encode(chr_enc *enc, const ledger_tx *tx)
{
    const ledger_media_body *b = &tx->body.media;
    chr_enc_raw(enc, b->node_key, 32);
    if (tx->type == LEDGER_TX_MEDIA_DEREGISTER) {
        return;
    }
    chr_enc_bytes8(enc, (const uint8_t *)b->endpoint, b->endpoint_len);
    chr_enc_bytes8(enc, (const uint8_t *)b->region, b->region_len);
    chr_enc_u32(enc, b->capacity);
    if (tx->type == LEDGER_TX_MEDIA_REGISTER) {
        chr_enc_u64(enc, b->bond);
    }
    chr_enc_bytes8(enc, b->metadata, b->metadata_len);
}

chr_err ledger_media_decode(chr_dec *dec, ledger_tx *tx)
{
    ledger_media_body *b = &tx->body.media;
    chr_err err = chr_dec_raw(dec, b->node_key, 32);
    if (err != CHR_OK || tx->type == LEDGER_TX_MEDIA_DEREGISTER) {
        return err;
    }
    err = dec_field(dec, (uint8_t *)b->endpoint, &b->endpoint_len, LEDGER_MEDIA_ENDPOINT_MAX);
    err = err ? err : dec_field(dec, (uint8_t *)b->region, &b->region_len, LEDGER_MEDIA_REGION_MAX);
    err = err ? err : chr_dec_u32(dec, &b->capacity);
    if (err == CHR_OK && tx->type == LEDGER_TX_MEDIA_REGISTER) {
        err = chr_dec_u64(dec, &b->bond);
    }
    return err ? err : dec_field(dec, b->metadata, &b->metadata_len, LEDGER_MEDIA_METADATA_MAX);
}

chr_err ledger_media_check(const ledger_tx *tx, const ledger_params *params, char *detail,
                           size_t detail_cap)
{
    const ledger_media_body *b = &tx->body.media;
    if (tx->fee < params->fee_transfer) {
        snprintf(detail, detail_cap, "fee: minimum %llu, got %llu",
                 (unsigned long long)params->fee_transfer, (unsigned long long)tx->fee);
        return CHR_ERR_FEE;
    }
    if (tx->type == LEDGER_TX_MEDIA_DEREGISTER) {
        return CHR_OK;
    }
    const char *bad = NULL;
    if (!ledger_media_endpoint_valid(b->endpoint, b->endpoint_len)) {
        bad = "endpoint: an https:// URL with a host, optional port and path";
    } else if (!ledger_media_region_valid(b->region, b->region_len)) {
        bad = "region: 1..16 characters of [a-z0-9-]";
    } else if (b->capacity == 0 || b->capacity > LEDGER_MEDIA_CAPACITY_MAX) {
        bad = "capacity: 1..100000 concurrent participants";
    } else if (!ledger_utf8_valid(b->metadata, b->metadata_len)) {
        bad = "metadata: not UTF-8";
    }
    if (bad != NULL) {
        snprintf(detail, detail_cap, "%s", bad);
        return CHR_ERR_MEDIA_NODE;
    }
    return CHR_OK;
}

chr_err ledger_media_verify_keys(const ledger_tx *tx, ledger_key_cache *kc)
{
    return ledger_pubkey_valid_cached(kc, tx->body.media.node_key) ? CHR_OK : CHR_ERR_PUBKEY;
}

/* The one place a media node's bond moves in. Takes bond + fee from the sender and pays the
 * fee; the caller checked room. It moves out on staking's unbonding queue (media_deregister,
 * ledger_staking_unbond_media). */
static chr_err media_bond_lock(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                               const ledger_apply_env *env, uint64_t bond)
{
    ledger_account sender = *from;
    sender.balance -= bond + tx->fee; /* the caller checked the balance covers both */
    sender.nonce += 1;
    chr_err err = ledger_overlay_put(o, tx->from, &sender);
    if (err == CHR_OK && tx->fee > 0) {
        err = ledger_overlay_credit(o, env->proposer, tx->fee);
    }
    return err;
}

/* Room for the sender, the proposer and `objects` object changes: CHR_ERR_FULL before any
 * change. Shared with ledger/meetings.c through ledger_meetings_room. */
chr_err ledger_tx_room(ledger_overlay *o, const ledger_tx *tx, const ledger_apply_env *env,
                       size_t objects)
{
    const uint8_t *touched[2] = {tx->from, env->proposer};
    ledger_objects *t = ledger_overlay_objects(o);
    CHR_ASSERT(t != NULL);
    if (ledger_overlay_missing(o, touched, tx->fee > 0 ? 2 : 1) > ledger_overlay_room(o) ||
        objects > ledger_objects_room(t)) {
        return CHR_ERR_FULL;
    }
    return CHR_OK;
}

static chr_err media_register(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                              const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    const ledger_media_body *b = &tx->body.media;
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_meeting_params mp;
    ledger_media_node n;
    int found;
    chr_err err = ledger_meeting_params_get(t, &mp);
    err = err ? err : ledger_media_node_get(t, b->node_key, &n, &found);
    if (err != CHR_OK) {
        return err;
    }
    uint64_t spend;
    if (found) {
        snprintf(detail, detail_cap, "node_key: already registered");
        return CHR_ERR_DUPLICATE;
    }
    if (b->bond < mp.media_node_min_bond) {
        snprintf(detail, detail_cap, "bond: minimum %llu, got %llu",
                 (unsigned long long)mp.media_node_min_bond, (unsigned long long)b->bond);
        return CHR_ERR_BOND;
    }
    if (chr_add_u64(&spend, b->bond, tx->fee) != CHR_OK || spend > from->balance) {
        snprintf(detail, detail_cap, "balance: %llu does not cover bond %llu + fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)b->bond,
                 (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    err = ledger_tx_room(o, tx, env, 3); /* the record, its region entry, the totals */
    if (err != CHR_OK) {
        return err;
    }
    memcpy(n.node_key, b->node_key, 32);
    n.status = LEDGER_MEDIA_ACTIVE;
    memcpy(n.operator_key, tx->from, 32);
    n.bond = b->bond;
    n.capacity = b->capacity;
    n.registered_height = env->height;
    n.endpoint_len = b->endpoint_len;
    memcpy(n.endpoint, b->endpoint, b->endpoint_len);
    n.region_len = b->region_len;
    memcpy(n.region, b->region, b->region_len);
    n.metadata_len = b->metadata_len;
    memcpy(n.metadata, b->metadata, b->metadata_len);
    err = node_put(t, &n);
    err = err ? err : region_list(t, &n, 1);
    err = err ? err : ledger_meetings_totals_move(t, 0, 0, b->bond, 0);
    return err ? err : media_bond_lock(o, tx, from, env, b->bond);
}

/* The record of the transaction's node, owned by the sender: CHR_ERR_UNKNOWN_OBJECT,
 * CHR_ERR_NOT_OWNER, or a load error. */
static chr_err own_node(ledger_objects *t, const ledger_tx *tx, ledger_media_node *n, char *detail,
                        size_t detail_cap)
{
    int found;
    chr_err err = ledger_media_node_get(t, tx->body.media.node_key, n, &found);
    if (err == CHR_OK && !found) {
        snprintf(detail, detail_cap, "node_key: no such media node");
        err = CHR_ERR_UNKNOWN_OBJECT;
    } else if (err == CHR_OK && memcmp(n->operator_key, tx->from, 32) != 0) {
        snprintf(detail, detail_cap, "node_key: registered by another operator");
        err = CHR_ERR_NOT_OWNER;
    }
    return err;
}

/* Takes the fee for a transaction that moves no funds of its own. */
static chr_err pay_fee(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                       const ledger_apply_env *env)
{
    return media_bond_lock(o, tx, from, env, 0);
}

static chr_err media_update(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                            const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    const ledger_media_body *b = &tx->body.media;
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_media_node n;
    chr_err err = own_node(t, tx, &n, detail, detail_cap);
    if (err != CHR_OK) {
        return err;
    }
    if (n.status != LEDGER_MEDIA_ACTIVE) {
        snprintf(detail, detail_cap, "node_key: deregistered, unbonding");
        return CHR_ERR_WRONG_STATE;
    }
    if (tx->fee > from->balance) {
        snprintf(detail, detail_cap, "balance: %llu does not cover fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    err = ledger_tx_room(o, tx, env, LEDGER_MEDIA_OBJECTS_MAX);
    err = err ? err : region_list(t, &n, 0);
    if (err != CHR_OK) {
        return err;
    }
    n.capacity = b->capacity;
    n.endpoint_len = b->endpoint_len;
    memset(n.endpoint, 0, sizeof(n.endpoint));
    memcpy(n.endpoint, b->endpoint, b->endpoint_len);
    n.region_len = b->region_len;
    memset(n.region, 0, sizeof(n.region));
    memcpy(n.region, b->region, b->region_len);
    n.metadata_len = b->metadata_len;
    memcpy(n.metadata, b->metadata, b->metadata_len);
    err = node_put(t, &n);
    err = err ? err : region_list(t, &n, 1);
    return err ? err : pay_fee(o, tx, from, env);
}

/* Deregistration: the node leaves its region's list (no meeting is allocated to it again)
 * and its bond goes on staking's unbonding queue, completing at the block time +
 * unbonding_ms or, when later, once the last meeting allocated to it stops being open; the
 * end of block that matures the entry pays the operator and deletes the record. */
static chr_err media_deregister(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                                const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    ledger_objects *t = ledger_overlay_objects(o);
    ledger_media_node n;
    ledger_meeting_params mp;
    chr_err err = own_node(t, tx, &n, detail, detail_cap);
    err = err ? err : ledger_meeting_params_get(t, &mp);
    if (err != CHR_OK) {
        return err;
    }
    if (tx->fee > from->balance) {
        snprintf(detail, detail_cap, "balance: %llu does not cover fee %llu",
                 (unsigned long long)from->balance, (unsigned long long)tx->fee);
        return CHR_ERR_BALANCE;
    }
    if (n.status != LEDGER_MEDIA_ACTIVE) {
        snprintf(detail, detail_cap, "node_key: already deregistered, unbonding until %llu ms",
                 (unsigned long long)n.unbond_after_ms);
        return CHR_ERR_WRONG_STATE;
    }
    uint64_t open_until = 0;
    /* The record, its region entry, the unbonding entry, the staking pool and the totals. */
    err = ledger_tx_room(o, tx, env, 5);
    err = err ? err
              : ledger_meetings_node_open_until(t, n.node_key, env->time_ms, mp.grace_ms,
                                                &open_until);
    err = err ? err : region_list(t, &n, 0);
    if (err != CHR_OK) {
        return err;
    }
    n.status = LEDGER_MEDIA_UNBONDING;
    n.unbond_after_ms = env->time_ms + mp.unbonding_ms; /* both bounded: no overflow */
    n.unbond_after_ms = open_until > n.unbond_after_ms ? open_until : n.unbond_after_ms;
    err = node_put(t, &n);
    err = err ? err
              : ledger_staking_unbond_media(t, n.operator_key, n.node_key, n.bond, env->height,
                                            n.unbond_after_ms);
    /* The bond leaves media_bonded as it enters the staking pool's unbonding. */
    err = err ? err : ledger_meetings_totals_move(t, 0, 0, 0, n.bond);
    return err ? err : pay_fee(o, tx, from, env);
}

chr_err ledger_media_bond_entry(ledger_objects *t, const uint8_t operator_key[32],
                                const uint8_t node_key[32], uint64_t completion_ms, uint64_t amount,
                                int matured, int *is)
{
    ledger_media_node n;
    int found;
    *is = 0;
    chr_err err = ledger_media_node_get(t, node_key, &n, &found);
    if (err != CHR_OK || !found || n.status != LEDGER_MEDIA_UNBONDING ||
        memcmp(n.operator_key, operator_key, 32) != 0 || n.bond != amount ||
        n.unbond_after_ms != completion_ms) {
        return err;
    }
    *is = 1;
    return matured ? ledger_object_delete(t, LEDGER_STATE_MEDIA_NODE, node_key, 32, &found)
                   : CHR_OK;
}

chr_err ledger_media_apply(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                           const ledger_apply_env *env, char *detail, size_t detail_cap)
{
    switch (tx->type) {
    case LEDGER_TX_MEDIA_REGISTER:
        return media_register(o, tx, from, env, detail, detail_cap);
    case LEDGER_TX_MEDIA_UPDATE:
        return media_update(o, tx, from, env, detail, detail_cap);
    default:
        CHR_ASSERT(tx->type == LEDGER_TX_MEDIA_DEREGISTER);
        return media_deregister(o, tx, from, env, detail, detail_cap);
    }
}

int ledger_media_counterparty(const ledger_tx *tx, uint8_t out[32])
{
    (void)tx;
    memset(out, 0, 32);
    return 0;
}
