#include "ledger/proof.h"

#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "ledger/trie_def.h"

_Static_assert(LEDGER_SMT_DEPTH_MAX <= 65535, "steps_len is a u16");

chr_err ledger_proof_encode(const ledger_proof *p, uint8_t *out, size_t cap, size_t *out_len)
{
    CHR_ASSERT(p != NULL && out != NULL);
    CHR_ASSERT(out_len != NULL);
    *out_len = 0;
    if (p->has_leaf > 1 || p->steps_len > LEDGER_SMT_DEPTH_MAX ||
        (p->has_leaf == 0 && p->steps_len != 0)) {
        return CHR_ERR_ARG;
    }
    chr_enc enc;
    chr_enc_init(&enc, out, cap);
    chr_enc_u8(&enc, LEDGER_PROOF_VERSION);
    chr_enc_raw(&enc, p->key, 32);
    chr_enc_u8(&enc, p->has_leaf);
    if (p->has_leaf) {
        chr_enc_raw(&enc, p->leaf_key, 32);
        chr_enc_raw(&enc, p->leaf_value, 32);
    }
    chr_enc_u16(&enc, p->steps_len);
    for (size_t i = 0; i < p->steps_len; i++) {
        chr_enc_u16(&enc, p->steps[i].bit);
        chr_enc_raw(&enc, p->steps[i].sibling, 32);
    }
    size_t len;
    if (chr_enc_finish(&enc, &len) != CHR_OK) {
        return CHR_ERR_FULL;
    }
    CHR_ASSERT(len <= LEDGER_PROOF_BYTES_MAX);
    *out_len = len;
    return CHR_OK;
}

/* The fields after the version byte; ledger_proof_decode zeroes out on failure. */
static chr_err ledger_proof_decode_body(ledger_proof *out, chr_dec *dec)
{
    chr_err err = chr_dec_raw(dec, out->key, 32);
    if (err == CHR_OK) {
        err = chr_dec_u8(dec, &out->has_leaf);
    }
    if (err != CHR_OK) {
        return err;
    }
    if (out->has_leaf > 1) {
        return CHR_ERR_NONCANONICAL;
    }
    if (out->has_leaf) {
        err = chr_dec_raw(dec, out->leaf_key, 32);
        if (err == CHR_OK) {
            err = chr_dec_raw(dec, out->leaf_value, 32);
        }
    }
    if (err == CHR_OK) {
        err = chr_dec_u16(dec, &out->steps_len);
    }
    if (err != CHR_OK) {
        return err;
    }
    if (out->steps_len > LEDGER_SMT_DEPTH_MAX) {
        return CHR_ERR_TOO_LONG;
    }
    if (out->has_leaf == 0 && out->steps_len != 0) {
        return CHR_ERR_NONCANONICAL;
    }
    /* The declared count against the bytes left, before the loop (STYLE.md). */
    if (chr_dec_left(dec) < (size_t)out->steps_len * 34) {
        return CHR_ERR_TRUNCATED;
    }
    for (size_t i = 0; i < out->steps_len && err == CHR_OK; i++) {
        err = chr_dec_u16(dec, &out->steps[i].bit);
        if (err == CHR_OK) {
            err = chr_dec_raw(dec, out->steps[i].sibling, 32);
        }
    }
    if (err != CHR_OK) {
        return err;
    }
    return chr_dec_finish(dec);
}

chr_err ledger_proof_decode(ledger_proof *out, const uint8_t *in, size_t in_len)
{
    CHR_ASSERT(out != NULL);
    CHR_ASSERT(in != NULL || in_len == 0);
    memset(out, 0, sizeof(*out));
    chr_dec dec;
    chr_dec_init(&dec, in, in_len);
    uint8_t version;
    chr_err err = chr_dec_u8(&dec, &version);
    if (err == CHR_OK && version != LEDGER_PROOF_VERSION) {
        err = CHR_ERR_VERSION;
    }
    if (err == CHR_OK) {
        err = ledger_proof_decode_body(out, &dec);
    }
    if (err != CHR_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    CHR_ASSERT(out->steps_len <= LEDGER_SMT_DEPTH_MAX);
    return CHR_OK;
}

/* Folds p's steps into h, from the leaf up (docs/PROTOCOL.md, "State proofs"): 0 when a
 * step breaks the rules (bits not strictly decreasing from below 256, or one on which key
 * and the leaf's key disagree), else 1 with h the implied root. */
static int ledger_proof_fold(const ledger_proof *p, const uint8_t key[32], uint8_t h[32])
{
    unsigned prev = 256;
    for (size_t i = 0; i < p->steps_len; i++) {
        const ledger_proof_step *s = &p->steps[i];
        if (s->bit >= prev) {
            return 0;
        }
        prev = s->bit;
        unsigned side = ledger_trie_key_bit(p->leaf_key, s->bit);
        if (ledger_trie_key_bit(key, s->bit) != side) {
            return 0;
        }
        uint8_t next[32];
        ledger_trie_inner_hash(next, s->bit, side == 0 ? h : s->sibling,
                               side == 0 ? s->sibling : h);
        memcpy(h, next, 32);
    }
    return 1;
}

chr_err ledger_proof_verify(const ledger_proof *p, const uint8_t root[32], const uint8_t key[32],
                            int *present, uint8_t value_hash[32])
{
    CHR_ASSERT(p != NULL && root != NULL && key != NULL);
    CHR_ASSERT(present != NULL && value_hash != NULL);
    static const uint8_t zero[32];
    *present = 0;
    memset(value_hash, 0, 32);
    /* A hand-built proof is held to the limits the decoder enforces. */
    if (memcmp(p->key, key, 32) != 0 || p->has_leaf > 1 || p->steps_len > LEDGER_SMT_DEPTH_MAX) {
        return CHR_ERR_PROOF;
    }
    if (!p->has_leaf) {
        /* Only the empty trie has no leaf to lead to. */
        return p->steps_len == 0 && memcmp(root, zero, 32) == 0 ? CHR_OK : CHR_ERR_PROOF;
    }
    uint8_t h[32];
    ledger_trie_leaf_hash(h, p->leaf_key, p->leaf_value);
    if (!ledger_proof_fold(p, key, h) || memcmp(h, root, 32) != 0) {
        return CHR_ERR_PROOF;
    }
    if (memcmp(p->leaf_key, key, 32) == 0) {
        *present = 1;
        memcpy(value_hash, p->leaf_value, 32);
    }
    return CHR_OK;
}
