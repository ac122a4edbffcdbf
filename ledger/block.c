#include "ledger/block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/merkle.h"
#include "ledger/sig.h"
#include "ledger/tx.h"

/* A block's bytes beyond its transactions and their lengths. */
#define BLOCK_OVERHEAD_MAX                                                                         \
    (LEDGER_BLOCK_ENCODED_MAX - LEDGER_BLOCK_BYTES_MAX - 2u * LEDGER_BLOCK_TXS_MAX)

static void header_encode(chr_enc *enc, const ledger_header *h)
{
    CHR_ASSERT(h->chain_id_len <= LEDGER_CHAIN_ID_MAX);
    chr_enc_u8(enc, LEDGER_BLOCK_VERSION);
    chr_enc_bytes8(enc, (const uint8_t *)h->chain_id, h->chain_id_len);
    chr_enc_u64(enc, h->height);
    chr_enc_u64(enc, h->time_ms);
    chr_enc_raw(enc, h->prev_hash, 32);
    chr_enc_raw(enc, h->last_commit_hash, 32);
    chr_enc_raw(enc, h->tx_root, 32);
    chr_enc_u32(enc, h->tx_count);
    chr_enc_raw(enc, h->evidence_root, 32);
    chr_enc_raw(enc, h->state_root, 32);
    chr_enc_raw(enc, h->validators_hash, 32);
    chr_enc_raw(enc, h->next_validators_hash, 32);
    chr_enc_raw(enc, h->proposer, 32);
}

chr_err ledger_header_encode(const ledger_header *h, uint8_t *out, size_t out_cap, size_t *out_len)
{
    chr_enc enc;
    chr_enc_init(&enc, out, out_cap);
    header_encode(&enc, h);
    return chr_enc_finish(&enc, out_len);
}

static chr_err header_decode(chr_dec *dec, ledger_header *h)
{
    uint8_t version;
    const uint8_t *id;
    size_t id_len;
    chr_err err = chr_dec_u8(dec, &version);
    if (err == CHR_OK && version != LEDGER_BLOCK_VERSION) {
        return CHR_ERR_VERSION;
    }
    if (err == CHR_OK) {
        err = chr_dec_bytes8(dec, &id, &id_len, LEDGER_CHAIN_ID_MAX);
        if (err == CHR_ERR_TOO_LONG ||
            (err == CHR_OK && !ledger_chain_id_valid((const char *)id, id_len))) {
            return CHR_ERR_CHAIN_ID;
        }
    }
    if (err != CHR_OK) {
        return err;
    }
    memcpy(h->chain_id, id, id_len);
    h->chain_id_len = (uint8_t)id_len;
    err = chr_dec_u64(dec, &h->height);
    err = err == CHR_OK ? chr_dec_u64(dec, &h->time_ms) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->prev_hash, 32) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->last_commit_hash, 32) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->tx_root, 32) : err;
    err = err == CHR_OK ? chr_dec_u32(dec, &h->tx_count) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->evidence_root, 32) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->state_root, 32) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->validators_hash, 32) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->next_validators_hash, 32) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, h->proposer, 32) : err;
    if (err == CHR_OK && (h->height == 0 || h->tx_count > LEDGER_BLOCK_TXS_MAX)) {
        err = h->height == 0 ? CHR_ERR_BLOCK_INVALID : CHR_ERR_TOO_LONG;
    }
    return err;
}

chr_err ledger_header_decode(ledger_header *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = header_decode(&dec, out);
    if (err == CHR_OK) {
        err = chr_dec_finish(&dec);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

chr_err ledger_block_peek_header(ledger_header *out, const uint8_t *block, size_t len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, block, len);
    chr_err err = header_decode(&dec, out);
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

void ledger_header_hash(const ledger_header *h, uint8_t out[CHR_HASH_LEN])
{
    uint8_t buf[LEDGER_HEADER_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_header_encode(h, buf, sizeof(buf), &len) == CHR_OK);
    chr_sha256_hash(out, buf, len);
}

static void commit_encode(chr_enc *enc, const ledger_commit *c)
{
    CHR_ASSERT(c->sigs_len <= LEDGER_VALIDATORS_MAX);
    chr_enc_u64(enc, c->height);
    chr_enc_u32(enc, c->round);
    chr_enc_raw(enc, c->block_hash, 32);
    chr_enc_u16(enc, c->sigs_len);
    for (size_t i = 0; i < c->sigs_len; i++) {
        chr_enc_raw(enc, c->sigs[i].validator, 32);
        chr_enc_raw(enc, c->sigs[i].sig, 64);
    }
}

chr_err ledger_commit_encode(const ledger_commit *c, uint8_t *out, size_t out_cap, size_t *out_len)
{
    chr_enc enc;
    chr_enc_init(&enc, out, out_cap);
    commit_encode(&enc, c);
    return chr_enc_finish(&enc, out_len);
}

static chr_err commit_decode(chr_dec *dec, ledger_commit *c)
{
    chr_err err = chr_dec_u64(dec, &c->height);
    err = err == CHR_OK ? chr_dec_u32(dec, &c->round) : err;
    err = err == CHR_OK ? chr_dec_raw(dec, c->block_hash, 32) : err;
    err = err == CHR_OK ? chr_dec_u16(dec, &c->sigs_len) : err;
    if (err == CHR_OK && c->sigs_len > LEDGER_VALIDATORS_MAX) {
        err = CHR_ERR_TOO_LONG;
    }
    for (size_t i = 0; err == CHR_OK && i < c->sigs_len; i++) {
        err = chr_dec_raw(dec, c->sigs[i].validator, 32);
        err = err == CHR_OK ? chr_dec_raw(dec, c->sigs[i].sig, 64) : err;
        if (err == CHR_OK && i > 0 &&
            memcmp(c->sigs[i - 1].validator, c->sigs[i].validator, 32) >= 0) {
            err = CHR_ERR_NONCANONICAL;
        }
    }
    return err;
}

chr_err ledger_commit_decode(ledger_commit *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = commit_decode(&dec, out);
    if (err == CHR_OK) {
        err = chr_dec_finish(&dec);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

void ledger_commit_hash(const ledger_commit *c, uint8_t out[CHR_HASH_LEN])
{
    uint8_t buf[LEDGER_COMMIT_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_commit_encode(c, buf, sizeof(buf), &len) == CHR_OK);
    chr_sha256_hash(out, buf, len);
}

void ledger_vote_sighash(uint8_t out[CHR_HASH_LEN], const char *chain_id, uint8_t type,
                         uint64_t height, uint32_t round, const uint8_t block_hash[32])
{
    uint8_t buf[1 + 1 + LEDGER_CHAIN_ID_MAX + 1 + 8 + 4 + 32];
    size_t id_len = strlen(chain_id);
    CHR_ASSERT(id_len <= LEDGER_CHAIN_ID_MAX);
    chr_enc enc;
    chr_enc_init(&enc, buf, sizeof(buf));
    chr_enc_u8(&enc, LEDGER_VOTE_VERSION);
    chr_enc_bytes8(&enc, (const uint8_t *)chain_id, id_len);
    chr_enc_u8(&enc, type);
    chr_enc_u64(&enc, height);
    chr_enc_u32(&enc, round);
    chr_enc_raw(&enc, block_hash, 32);
    size_t len;
    CHR_ASSERT(chr_enc_finish(&enc, &len) == CHR_OK);
    chr_tagged_hash(out, LEDGER_VOTE_TAG, buf, len);
}

chr_err ledger_commit_verify(const ledger_commit *c, const char *chain_id,
                             const ledger_valset *vals, uint64_t height,
                             const uint8_t block_hash[32], char *detail, size_t detail_cap)
{
    if (c->height != height || memcmp(c->block_hash, block_hash, 32) != 0) {
        snprintf(detail, detail_cap, "commit is for another block (height %llu)",
                 (unsigned long long)c->height);
        return CHR_ERR_COMMIT;
    }
    uint8_t msg[CHR_HASH_LEN];
    ledger_vote_sighash(msg, chain_id, LEDGER_VOTE_PRECOMMIT, c->height, c->round, block_hash);
    uint64_t power = 0;
    for (size_t i = 0; i < c->sigs_len; i++) {
        /* Each validator's power counts once: the canonical order (strictly increasing
         * keys, as ledger_commit_decode enforces) also holds a commit built in memory. */
        if (i > 0 && memcmp(c->sigs[i - 1].validator, c->sigs[i].validator, 32) >= 0) {
            snprintf(detail, detail_cap, "commit signature %zu: repeated or out of key order", i);
            return CHR_ERR_COMMIT;
        }
        int at = ledger_valset_find(vals, c->sigs[i].validator);
        if (at < 0) {
            snprintf(detail, detail_cap, "commit signature %zu: not a validator", i);
            return CHR_ERR_COMMIT;
        }
        if (ledger_sig_verify(c->sigs[i].sig, msg, c->sigs[i].validator) != CHR_OK) {
            snprintf(detail, detail_cap, "commit signature %zu: does not verify", i);
            return CHR_ERR_COMMIT;
        }
        power += vals->v[at].power; /* cannot overflow: the set's total fits in a u64 */
    }
    /* More than 2/3 of the power, computed without overflow: 3 * power > 2 * total. */
    __uint128_t have = (__uint128_t)power * 3;
    __uint128_t need = (__uint128_t)vals->total_power * 2;
    if (have <= need) {
        snprintf(detail, detail_cap, "commit has %llu of %llu power, needs more than 2/3",
                 (unsigned long long)power, (unsigned long long)vals->total_power);
        return CHR_ERR_COMMIT;
    }
    return CHR_OK;
}

chr_err ledger_tx_root(uint8_t out[CHR_HASH_LEN], const uint8_t *const *txs,
                       const uint16_t *tx_lens, uint32_t txs_len)
{
    uint8_t(*leaves)[CHR_HASH_LEN] = malloc((txs_len > 0 ? txs_len : 1) * sizeof(*leaves));
    if (leaves == NULL) {
        memset(out, 0, CHR_HASH_LEN);
        return CHR_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < txs_len; i++) {
        chr_merkle_leaf(leaves[i], txs[i], tx_lens[i]);
    }
    chr_merkle_root(out, leaves, txs_len);
    free(leaves);
    return CHR_OK;
}

chr_err ledger_block_encode(uint8_t **out, size_t *out_len, const ledger_header *h,
                            const ledger_commit *last_commit, const uint8_t *const *txs,
                            const uint16_t *tx_lens, uint32_t txs_len,
                            const ledger_evidence *evidence, uint16_t evidence_len)
{
    *out = NULL;
    *out_len = 0;
    CHR_ASSERT(txs_len == h->tx_count);
    CHR_ASSERT(evidence_len <= LEDGER_BLOCK_EVIDENCE_MAX);
    size_t cap = BLOCK_OVERHEAD_MAX;
    for (uint32_t i = 0; i < txs_len; i++) {
        cap += 2 + (size_t)tx_lens[i];
    }
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        return CHR_ERR_NOMEM;
    }
    chr_enc enc;
    chr_enc_init(&enc, buf, cap);
    header_encode(&enc, h);
    chr_enc_u8(&enc, last_commit != NULL ? 1 : 0);
    if (last_commit != NULL) {
        commit_encode(&enc, last_commit);
    }
    chr_enc_u32(&enc, txs_len);
    for (uint32_t i = 0; i < txs_len; i++) {
        chr_enc_bytes16(&enc, txs[i], tx_lens[i]);
    }
    chr_enc_u16(&enc, evidence_len);
    uint8_t prev_key[LEDGER_EVIDENCE_KEY_BYTES];
    for (uint16_t i = 0; i < evidence_len; i++) {
        uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
        uint8_t ev[LEDGER_EVIDENCE_BYTES];
        ledger_evidence_key(&evidence[i], key);
        CHR_ASSERT(i == 0 || memcmp(prev_key, key, sizeof(key)) < 0);
        memcpy(prev_key, key, sizeof(key));
        ledger_evidence_encode(&evidence[i], ev);
        chr_enc_raw(&enc, ev, sizeof(ev));
    }
    chr_err err = chr_enc_finish(&enc, out_len);
    CHR_ASSERT(err == CHR_OK);
    *out = buf;
    return CHR_OK;
}

void ledger_block_free(ledger_block *b)
{
    free(b->txs);
    free(b->tx_lens);
    free(b->evidence);
    memset(b, 0, sizeof(*b));
}

static chr_err block_decode_evidence(chr_dec *dec, ledger_block *b)
{
    chr_err err = chr_dec_u16(dec, &b->evidence_len);
    if (err == CHR_OK && b->evidence_len > LEDGER_BLOCK_EVIDENCE_MAX) {
        err = CHR_ERR_TOO_LONG;
    }
    if (err != CHR_OK) {
        return err;
    }
    b->evidence = malloc((b->evidence_len + 1u) * sizeof(*b->evidence));
    if (b->evidence == NULL) {
        return CHR_ERR_NOMEM;
    }
    uint8_t prev_key[LEDGER_EVIDENCE_KEY_BYTES];
    for (uint16_t i = 0; i < b->evidence_len && err == CHR_OK; i++) {
        const uint8_t *raw;
        err = chr_dec_view(dec, &raw, LEDGER_EVIDENCE_BYTES);
        err = err ? err : ledger_evidence_decode(&b->evidence[i], raw, LEDGER_EVIDENCE_BYTES);
        if (err == CHR_OK) {
            uint8_t key[LEDGER_EVIDENCE_KEY_BYTES];
            ledger_evidence_key(&b->evidence[i], key);
            if (i > 0 && memcmp(prev_key, key, sizeof(key)) >= 0) {
                err = CHR_ERR_EVIDENCE; /* repeated or out of order */
            }
            memcpy(prev_key, key, sizeof(key));
        }
    }
    return err;
}

static chr_err block_decode_body(chr_dec *dec, ledger_block *b)
{
    uint8_t has_commit;
    chr_err err = chr_dec_u8(dec, &has_commit);
    if (err == CHR_OK && has_commit > 1) {
        return CHR_ERR_NONCANONICAL;
    }
    b->has_last_commit = has_commit;
    if (err == CHR_OK && has_commit) {
        err = commit_decode(dec, &b->last_commit);
    }
    err = err == CHR_OK ? chr_dec_u32(dec, &b->txs_len) : err;
    if (err != CHR_OK) {
        return err;
    }
    /* Each transaction takes at least its 2-byte length: bound the count by the input
     * before allocating for it. */
    if (b->txs_len != b->header.tx_count || b->txs_len > chr_dec_left(dec) / 2) {
        return b->txs_len != b->header.tx_count ? CHR_ERR_BLOCK_INVALID : CHR_ERR_TRUNCATED;
    }
    b->txs = malloc((b->txs_len + 1) * sizeof(*b->txs));
    b->tx_lens = malloc((b->txs_len + 1) * sizeof(*b->tx_lens));
    if (b->txs == NULL || b->tx_lens == NULL) {
        return CHR_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < b->txs_len && err == CHR_OK; i++) {
        size_t n;
        err = chr_dec_bytes16(dec, &b->txs[i], &n, LEDGER_TX_BYTES_MAX);
        b->tx_lens[i] = (uint16_t)n;
    }
    err = err == CHR_OK ? block_decode_evidence(dec, b) : err;
    return err == CHR_OK ? chr_dec_finish(dec) : err;
}

/* The header must commit to the body: its count, Merkle root and previous commit. */
static chr_err block_check_links(const ledger_block *b)
{
    uint8_t root[CHR_HASH_LEN];
    chr_err err = ledger_tx_root(root, b->txs, b->tx_lens, b->txs_len);
    if (err != CHR_OK) {
        return err;
    }
    if (memcmp(root, b->header.tx_root, 32) != 0) {
        return CHR_ERR_BLOCK_INVALID;
    }
    err = ledger_evidence_root(root, b->evidence, b->evidence_len);
    if (err != CHR_OK) {
        return err;
    }
    if (memcmp(root, b->header.evidence_root, 32) != 0) {
        return CHR_ERR_BLOCK_INVALID;
    }
    uint8_t commit_hash[CHR_HASH_LEN] = {0};
    if (b->has_last_commit) {
        ledger_commit_hash(&b->last_commit, commit_hash);
    }
    if (memcmp(commit_hash, b->header.last_commit_hash, 32) != 0) {
        return CHR_ERR_BLOCK_INVALID;
    }
    /* Block 1 has no previous commit; every later block carries one. */
    if ((b->header.height == 1) == (b->has_last_commit != 0)) {
        return CHR_ERR_BLOCK_INVALID;
    }
    return CHR_OK;
}

chr_err ledger_block_decode_layout(ledger_block *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    if (in_len > LEDGER_BLOCK_ENCODED_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    chr_err err = header_decode(&dec, &out->header);
    err = err == CHR_OK ? block_decode_body(&dec, out) : err;
    if (err != CHR_OK) {
        ledger_block_free(out);
    }
    return err;
}

chr_err ledger_block_decode(ledger_block *out, const uint8_t *in, size_t in_len)
{
    chr_err err = ledger_block_decode_layout(out, in, in_len);
    err = err == CHR_OK ? block_check_links(out) : err;
    if (err != CHR_OK) {
        ledger_block_free(out);
    }
    return err;
}

chr_err ledger_block_id(uint8_t id[CHR_HASH_LEN], const uint8_t *in, size_t in_len)
{
    ledger_block b;
    chr_err err = ledger_block_decode(&b, in, in_len);
    if (err != CHR_OK) {
        memset(id, 0, CHR_HASH_LEN);
        return err;
    }
    ledger_header_hash(&b.header, id);
    ledger_block_free(&b);
    return CHR_OK;
}
