/* GET /api/v1/accounts/{address}?prove=true: the account with a state proof, the header
 * of the block it is against and the commit that finalizes it, all read in one snapshot of
 * the store (docs/API.md; docs/PROTOCOL.md, "State proofs" and "Light client"); and
 * GET /api/v1/state/{kind}/{natural_key}, any other state object, with the same proof. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "common/log.h"
#include "ledger/block.h"
#include "ledger/objects.h"
#include "ledger/proof.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "rpc/internal/http.h"
#include "rpc/render.h"

int rpc_prove_param(rpc_ctx *x, rpc_reply *r, int *prove)
{
    const char *p = rpc_query(x, "prove");
    *prove = p != NULL && strcmp(p, "true") == 0;
    if (p != NULL && !*prove && strcmp(p, "false") != 0) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "prove: true or false", "prove");
        return 0;
    }
    const char *h = rpc_query(x, "height");
    uint64_t height;
    if (h != NULL && (!rpc_parse_u64(h, &height) || height == 0)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "height: a block height, 1 or more", "height");
        return 0;
    }
    if (h != NULL && !*prove) {
        rpc_reply_error(r, 400, CHR_ERR_ARG, "height: only with prove=true", "height");
        return 0;
    }
    return 1;
}

/* Room for one proof and its encoding (~17 KiB): on the heap, not a handler's stack. */
typedef struct proof_buf {
    ledger_proof proof;
    uint8_t enc[LEDGER_PROOF_BYTES_MAX];
} proof_buf;

/* The proof object for key whose proof (at `height`, state root `root`) is in b, with the
 * header of that block and its commit, from rd's snapshot; value (value_len bytes; NULL:
 * absent) is the record the caller read in the same snapshot, which must be the one the
 * proof's leaf names (value_hash). CHR_ERR_STORE (logged) when it is not or the block is
 * damaged; the store's errors. */
static chr_err proof_json(ledger_store_read *rd, const uint8_t key[32], uint64_t height,
                          const uint8_t root[32], proof_buf *b, const uint8_t *value,
                          size_t value_len, const uint8_t value_hash[32], json_t **out)
{
    *out = NULL;
    const ledger_proof *proof = &b->proof;
    const uint8_t *block;
    const uint8_t *commit;
    size_t block_len;
    size_t commit_len;
    chr_err err = ledger_store_block(rd, height, &block, &block_len);
    err = err ? err : ledger_store_commit(rd, height, &commit, &commit_len);
    ledger_header h;
    uint8_t hbuf[LEDGER_HEADER_BYTES_MAX];
    size_t hlen;
    size_t plen;
    if (err == CHR_OK && (ledger_block_peek_header(&h, block, block_len) != CHR_OK ||
                          ledger_header_encode(&h, hbuf, sizeof(hbuf), &hlen) != CHR_OK)) {
        err = CHR_ERR_STORE;
    }
    int present = err == CHR_OK && proof->has_leaf && memcmp(proof->leaf_key, key, 32) == 0;
    /* The record must be the one the proof's leaf names, in this same snapshot. */
    if (err == CHR_OK && (present != (value != NULL) ||
                          (present && memcmp(value_hash, proof->leaf_value, 32) != 0))) {
        CHR_LOG_E("store: a record at block %llu does not match its state trie leaf",
                  (unsigned long long)height);
        err = CHR_ERR_STORE;
    }
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_proof_encode(proof, b->enc, sizeof(b->enc), &plen);
    CHR_ASSERT(err == CHR_OK); /* a proof from the store is within the encoding's limits */
    *out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "height", rpc_json_u64(height), "state_root",
                     rpc_json_hex(root, 32), "key", rpc_json_hex(key, 32), "value",
                     present ? rpc_json_hex(value, value_len) : json_null(), "proof",
                     rpc_json_hex(b->enc, plen), "header", rpc_json_hex(hbuf, hlen), "commit",
                     rpc_json_hex(commit, commit_len));
    return *out != NULL ? CHR_OK : CHR_ERR_NOMEM;
}

/* The proof object for addr at block `at` (0: rd's tip), and the account it proves, from
 * one snapshot; the store's error otherwise (CHR_ERR_NOT_FOUND before the first block, or
 * for a height whose state is not kept). */
static chr_err proof_render(ledger_store_read *rd, const uint8_t addr[32], uint64_t at,
                            proof_buf *b, ledger_account *acct, json_t **out)
{
    uint64_t height = at;
    uint8_t root[32];
    int found;
    chr_err err = at == 0 ? ledger_store_state_proof(rd, addr, &height, root, &b->proof)
                          : ledger_store_state_proof_at(rd, addr, at, root, &b->proof);
    err = err       ? err
          : at == 0 ? ledger_store_account(rd, addr, acct, &found)
                    : ledger_store_account_at(rd, addr, at, acct, &found);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t value[LEDGER_ACCOUNT_BYTES];
    uint8_t vh[32];
    ledger_account_encode(value, acct);
    ledger_account_hash(vh, acct);
    return proof_json(rd, addr, height, root, b, found ? value : NULL, sizeof(value), vh, out);
}

/* The reply for a proof's store error (not CHR_OK) at `at` (0: the tip). */
static void proof_error(rpc_reply *r, chr_err err, uint64_t at)
{
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND,
                        at == 0 ? "no block yet: a proof needs a block's state root"
                                : "height: the state at that height is not kept (see "
                                  "[store] state_versions_kept) or is past the latest block",
                        at == 0 ? NULL : "height");
    } else if (err == CHR_ERR_TOO_LONG) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "height: more than %u blocks below the latest; this node (not an "
                 "archive) reads past states only that far back",
                 LEDGER_STORE_PAST_BLOCKS_MAX);
        rpc_reply_error(r, 400, CHR_ERR_ARG, msg, "height");
    } else if (err == CHR_ERR_NOMEM) {
        rpc_reply_nomem(r);
    } else {
        /* The store logged what did not match its hash. */
        rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored state or block is damaged", NULL);
    }
}

void rpc_handle_account_proof(rpc_ctx *x, rpc_reply *r, const uint8_t addr[32],
                              uint64_t pending_nonce)
{
    proof_buf *b = malloc(sizeof(*b));
    if (b == NULL) {
        rpc_reply_nomem(r);
        return;
    }
    ledger_store_read *rd;
    if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        free(b);
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
        r->retry_after = 1;
        return;
    }
    ledger_account acct;
    json_t *proof = NULL;
    const char *h = rpc_query(x, "height");
    uint64_t at = 0;
    if (h != NULL && !rpc_parse_u64(h, &at)) {
        at = 0; /* checked by rpc_prove_param */
    }
    chr_err err = proof_render(rd, addr, at, b, &acct, &proof);
    ledger_store_read_end(rd);
    free(b);
    if (err != CHR_OK) {
        proof_error(r, err, at);
        return;
    }
    /* pending_nonce counts the mempool, which no proof covers; never below the proven
     * nonce of this snapshot. */
    if (pending_nonce < acct.nonce) {
        pending_nonce = acct.nonce;
    }
    rpc_reply_json(r, 200,
                   json_pack("{s:o,s:o,s:o,s:o,s:o}", "address", rpc_json_address(addr), "balance",
                             rpc_json_u64(acct.balance), "nonce", rpc_json_u64(acct.nonce),
                             "pending_nonce", rpc_json_u64(pending_nonce), "proof", proof));
}

/* ---- GET /api/v1/state/{kind}/{natural_key}: any state object by its name. ---- */

/* The kind segment: an object kind's name ("validator") or its number ("2"). 0 and an
 * error reply when it names none (accounts have their own route). */
static uint8_t state_kind_param(const char *seg, rpc_reply *r)
{
    uint64_t n;
    uint8_t kind = 0;
    if (rpc_parse_u64(seg, &n)) {
        kind = n <= UINT8_MAX ? (uint8_t)n : 0;
    } else {
        for (unsigned k = 1; k <= UINT8_MAX && kind == 0; k++) {
            const char *name = ledger_object_kind_name((uint8_t)k);
            kind = name != NULL && strcmp(name, seg) == 0 ? (uint8_t)k : 0;
        }
    }
    if (kind == LEDGER_STATE_ACCOUNT) {
        rpc_reply_error(r, 400, CHR_ERR_ARG,
                        "kind: accounts are read at /api/v1/accounts/{address}", "kind");
        return 0;
    }
    if (!ledger_object_kind_valid(kind)) {
        rpc_reply_error(r, 400, CHR_ERR_ARG,
                        "kind: a state object kind (validator, delegation, unbonding, "
                        "media_node, meeting, proposal, vote) or its number",
                        "kind");
        return 0;
    }
    return kind;
}

/* The object's JSON for /api/v1/state: kind, natural key and value (hex). */
static json_t *state_render(void *ctx, ledger_store_read *rd, uint8_t kind, const uint8_t *natural,
                            size_t natural_len, const ledger_object *o)
{
    (void)ctx;
    (void)rd;
    return json_pack("{s:s,s:i,s:o,s:o}", "kind", ledger_object_kind_name(kind), "kind_id",
                     (int)kind, "natural_key", rpc_json_hex(natural, natural_len), "value",
                     rpc_json_hex(o->value, o->value_len));
}

/* Reads the object and, with prove, its proof, at block `at` (0: the tip; only with prove),
 * in one snapshot: *found, *o and *proof (NULL without prove). The store's errors. */
static chr_err state_read(ledger_store_read *rd, uint8_t kind, const uint8_t *natural,
                          size_t natural_len, int prove, uint64_t at, proof_buf *b,
                          ledger_object *o, int *found, json_t **proof)
{
    *proof = NULL;
    uint8_t key[32];
    ledger_state_key(key, kind, natural, natural_len);
    uint64_t height = at;
    uint8_t root[32];
    chr_err err = !prove    ? CHR_OK
                  : at == 0 ? ledger_store_state_proof(rd, key, &height, root, &b->proof)
                            : ledger_store_state_proof_at(rd, key, at, root, &b->proof);
    err = err       ? err
          : at == 0 ? ledger_store_object(rd, kind, natural, natural_len, o, found)
                    : ledger_store_object_at(rd, kind, natural, natural_len, at, o, found);
    if (err == CHR_ERR_STATE_ROOT) {
        return CHR_ERR_STORE; /* logged: the row and its leaf differ */
    }
    if (err != CHR_OK || !prove) {
        return err;
    }
    uint8_t vh[32] = {0};
    if (*found) {
        ledger_object_hash(vh, o->value, o->value_len);
    }
    return proof_json(rd, key, height, root, b, *found ? o->value : NULL, o->value_len, vh, proof);
}

void rpc_reply_object(rpc_ctx *x, rpc_reply *r, uint8_t kind, const uint8_t *natural,
                      size_t natural_len, rpc_object_render_fn render, void *ctx)
{
    int prove;
    if (!rpc_prove_param(x, r, &prove)) {
        return;
    }
    const char *h = rpc_query(x, "height");
    uint64_t at = 0;
    if (h != NULL && !rpc_parse_u64(h, &at)) {
        at = 0; /* checked by rpc_prove_param */
    }
    proof_buf *b = malloc(sizeof(*b));
    ledger_object *o = malloc(sizeof(*o));
    ledger_store_read *rd = NULL;
    chr_err err = CHR_OK;
    if (b == NULL || o == NULL) {
        err = CHR_ERR_NOMEM;
    } else if (ledger_store_read_begin(x->srv->be.store, &rd) != CHR_OK) {
        err = CHR_ERR_IO;
    }
    int found = 0;
    json_t *proof = NULL;
    json_t *j = NULL;
    if (err == CHR_OK) {
        err = state_read(rd, kind, natural, natural_len, prove, at, b, o, &found, &proof);
        /* The object's own fields, read in the same snapshot (render may read more). */
        if (err == CHR_OK && found) {
            j = render(ctx, rd, kind, natural, natural_len, o);
            err = j == NULL ? CHR_ERR_STORE : CHR_OK;
        }
        ledger_store_read_end(rd);
    }
    free(b);
    free(o);
    if (err == CHR_ERR_IO) {
        rpc_reply_error(r, 503, CHR_ERR_STORE, "cannot read the chain now", NULL);
    } else if (err != CHR_OK) {
        json_decref(proof);
        proof_error(r, err, at);
    } else if (!found) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND, "no such object", NULL);
        /* With prove=true the 404 carries the proof that the key is absent. */
        if (proof != NULL && (r->body == NULL || json_object_set_new(r->body, "proof", proof))) {
            rpc_reply_nomem(r);
        }
    } else if (proof != NULL && json_object_set_new(j, "proof", proof) != 0) {
        json_decref(j);
        rpc_reply_nomem(r);
    } else {
        rpc_reply_json(r, 200, j);
    }
}

chr_err rpc_state_object_read(ledger_store_read *rd, uint8_t kind, const uint8_t *natural,
                              size_t natural_len, int prove, ledger_object *o, int *found,
                              json_t **proof)
{
    *proof = NULL;
    proof_buf *b = prove ? malloc(sizeof(*b)) : NULL;
    if (prove && b == NULL) {
        return CHR_ERR_NOMEM;
    }
    chr_err err = state_read(rd, kind, natural, natural_len, prove, 0, b, o, found, proof);
    free(b);
    return err;
}

void rpc_handle_state(rpc_ctx *x, rpc_reply *r)
{
    uint8_t kind = state_kind_param(x->segs[3], r);
    if (kind == 0) {
        return;
    }
    const char *hex = x->segs[4];
    uint8_t natural[LEDGER_STATE_NATURAL_KEY_MAX];
    size_t natural_len = 0;
    chr_err err = strcmp(hex, "-") == 0
                      ? CHR_OK
                      : chr_hex_decode(natural, sizeof(natural), &natural_len, hex, strlen(hex));
    if (err != CHR_OK) {
        rpc_reply_error(r, 400, err,
                        "natural_key: hex of at most 96 bytes, or \"-\" for the empty key",
                        "natural_key");
        return;
    }
    rpc_reply_object(x, r, kind, natural, natural_len, state_render, NULL);
}
