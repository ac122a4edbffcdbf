/* GET /api/v1/accounts/{address}?prove=true: the account with a state proof, the header
 * of the block it is against and the commit that finalizes it, all read in one snapshot of
 * the store (docs/API.md; docs/PROTOCOL.md, "State proofs" and "Light client"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/log.h"
#include "ledger/block.h"
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

/* The proof object for addr at block `at` (0: rd's tip), and the account it proves, from
 * one snapshot; the store's error otherwise (CHR_ERR_NOT_FOUND before the first block, or
 * for a height whose state is not kept). */
static chr_err proof_render(ledger_store_read *rd, const uint8_t addr[32], uint64_t at,
                            proof_buf *b, ledger_account *acct, json_t **out)
{
    ledger_proof *proof = &b->proof;
    uint64_t height = at;
    uint8_t root[32];
    int found;
    chr_err err = at == 0 ? ledger_store_state_proof(rd, addr, &height, root, proof)
                          : ledger_store_state_proof_at(rd, addr, at, root, proof);
    err = err       ? err
          : at == 0 ? ledger_store_account(rd, addr, acct, &found)
                    : ledger_store_account_at(rd, addr, at, acct, &found);
    const uint8_t *block;
    const uint8_t *commit;
    size_t block_len;
    size_t commit_len;
    err = err ? err : ledger_store_block(rd, height, &block, &block_len);
    err = err ? err : ledger_store_commit(rd, height, &commit, &commit_len);
    ledger_header h;
    uint8_t hbuf[LEDGER_HEADER_BYTES_MAX];
    size_t hlen;
    size_t plen;
    if (err == CHR_OK && (ledger_block_peek_header(&h, block, block_len) != CHR_OK ||
                          ledger_header_encode(&h, hbuf, sizeof(hbuf), &hlen) != CHR_OK)) {
        err = CHR_ERR_STORE;
    }
    int present = err == CHR_OK && proof->has_leaf && memcmp(proof->leaf_key, addr, 32) == 0;
    /* The record must be the one the proof's leaf names, in this same snapshot. */
    uint8_t vh[32];
    ledger_account_hash(vh, acct);
    if (err == CHR_OK && (present != found || (present && memcmp(vh, proof->leaf_value, 32)))) {
        CHR_LOG_E("store: an account record at block %llu does not match its state trie leaf",
                  (unsigned long long)height);
        err = CHR_ERR_STORE;
    }
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_proof_encode(proof, b->enc, sizeof(b->enc), &plen);
    CHR_ASSERT(err == CHR_OK); /* a proof from the store is within the encoding's limits */
    uint8_t value[LEDGER_ACCOUNT_BYTES];
    ledger_account_encode(value, acct);
    *out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "height", rpc_json_u64(height), "state_root",
                     rpc_json_hex(root, 32), "key", rpc_json_hex(addr, 32), "value",
                     present ? rpc_json_hex(value, sizeof(value)) : json_null(), "proof",
                     rpc_json_hex(b->enc, plen), "header", rpc_json_hex(hbuf, hlen), "commit",
                     rpc_json_hex(commit, commit_len));
    return *out != NULL ? CHR_OK : CHR_ERR_NOMEM;
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
    if (err == CHR_ERR_NOT_FOUND) {
        rpc_reply_error(r, 404, CHR_ERR_NOT_FOUND,
                        at == 0 ? "no block yet: a proof needs a block's state root"
                                : "height: the state at that height is not kept (see "
                                  "[store] state_versions_kept) or is past the latest block",
                        at == 0 ? NULL : "height");
        return;
    }
    if (err == CHR_ERR_TOO_LONG) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "height: more than %u blocks below the latest; this node reads "
                 "past states only that far back",
                 LEDGER_STORE_PAST_BLOCKS_MAX);
        rpc_reply_error(r, 400, CHR_ERR_ARG, msg, "height");
        return;
    }
    if (err == CHR_ERR_NOMEM) {
        rpc_reply_nomem(r);
        return;
    }
    if (err != CHR_OK) {
        /* The store logged what did not match its hash. */
        rpc_reply_error(r, 500, CHR_ERR_STORE, "the stored state or block is damaged", NULL);
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
