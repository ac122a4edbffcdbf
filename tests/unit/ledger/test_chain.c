/* The tests of ledger/chain.c, the block state machine, over an in-memory committed state:
 * what two validators draft, check and commit agrees, bad blocks are refused without a
 * trace, failed transactions are reported, and evidence goes through the pool once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/chain.h"
#include "ledger/gov.h"
#include "ledger/gov_params.h"
#include "ledger/staking.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define CH_ID "chroom-chain"
#define CH_VALS 4
#define CH_USERS 6
#define CH_ACCOUNTS_MAX 64
#define CH_BALANCE 1000000u
#define CH_FEE 10u

/* A node's committed state: accounts and committed offences, as a store would hold them. */
typedef struct ch_db {
    size_t len;
    uint8_t addr[CH_ACCOUNTS_MAX][32];
    ledger_account acct[CH_ACCOUNTS_MAX];
    size_t ev_len;
    uint8_t ev_keys[8][LEDGER_EVIDENCE_KEY_BYTES];
    ledger_trie_mem *rows; /* the state trie's */
    int fail;              /* 1: every read fails, as a broken store would */
} ch_db;

typedef struct ch_node {
    ch_db db;
    ledger_chain *chain;
    ledger_mempool *mp;
} ch_node;

static uint8_t val_sk[CH_VALS][32], val_pk[CH_VALS][32];
static uint8_t user_sk[CH_USERS][32], user_pk[CH_USERS][32];

static chr_err db_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    ch_db *db = ctx;
    memset(out, 0, sizeof(*out));
    if (db->fail) {
        return CHR_ERR_STORE;
    }
    for (size_t i = 0; i < db->len; i++) {
        if (memcmp(db->addr[i], addr, 32) == 0) {
            *out = db->acct[i];
        }
    }
    return CHR_OK;
}

static chr_err db_evidence(void *ctx, const uint8_t key[LEDGER_EVIDENCE_KEY_BYTES], int *committed)
{
    ch_db *db = ctx;
    *committed = 0;
    for (size_t i = 0; i < db->ev_len; i++) {
        *committed |= memcmp(db->ev_keys[i], key, LEDGER_EVIDENCE_KEY_BYTES) == 0;
    }
    return db->fail ? CHR_ERR_STORE : CHR_OK;
}

static chr_err db_trie_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                            uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                            uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    ch_db *db = ctx;
    if (db->fail) {
        return CHR_ERR_STORE;
    }
    ledger_trie_source src = ledger_trie_mem_source(db->rows);
    return src.seek(src.ctx, from, id_out, val, val_len);
}

static chr_err db_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                         size_t *value_len, int *found)
{
    ch_db *db = ctx;
    if (db->fail) {
        return CHR_ERR_STORE;
    }
    return ledger_trie_mem_object(db->rows, kind, natural, natural_len, value, value_len, found);
}

static chr_err db_object_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                              size_t prefix_len, const uint8_t *after, size_t after_len,
                              ledger_object *out)
{
    ch_db *db = ctx;
    if (db->fail) {
        return CHR_ERR_STORE;
    }
    return ledger_trie_mem_object_scan(db->rows, kind, prefix, prefix_len, after, after_len, out);
}

static void db_put(ch_db *db, const uint8_t addr[32], const ledger_account *a)
{
    for (size_t i = 0; i < db->len; i++) {
        if (memcmp(db->addr[i], addr, 32) == 0) {
            db->acct[i] = *a;
            return;
        }
    }
    if (db->len == CH_ACCOUNTS_MAX) {
        abort();
    }
    memcpy(db->addr[db->len], addr, 32);
    db->acct[db->len++] = *a;
}

static uint64_t db_supply(const ch_db *db)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < db->len; i++) {
        sum += db->acct[i].balance;
    }
    return sum;
}

static void keys_init(void)
{
    for (uint32_t i = 0; i < CH_VALS; i++) {
        ltest_key(val_sk[i], val_pk[i], 500 + i);
    }
    for (uint32_t i = 0; i < CH_USERS; i++) {
        ltest_key(user_sk[i], user_pk[i], 600 + i);
    }
}

/* A node at genesis: every user funded with CH_BALANCE, the CH_VALS validators. */
static void node_init(ch_node *n)
{
    memset(n, 0, sizeof(*n));
    ledger_chain_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chain_id = CH_ID;
    ledger_params_default(&cfg.params);
    cfg.params.fee_transfer = CH_FEE;
    cfg.params.block_txs_max = 16;
    cfg.params.min_self_bond = 1000; /* staking within the users' balances */
    cfg.params.power_unit = 1000;
    ledger_valset_init(&cfg.validators);
    for (int i = 0; i < CH_VALS; i++) {
        if (ledger_valset_add(&cfg.validators, val_pk[i], 10) != CHR_OK) {
            abort();
        }
    }
    memset(cfg.genesis_hash, 0x47, 32);
    cfg.genesis_time_ms = 1000;
    cfg.view = (ledger_chain_view){&n->db,       db_account, db_evidence,
                                   db_trie_seek, db_object,  db_object_scan};
    if (ledger_chain_new(&n->chain, &cfg) != CHR_OK ||
        ledger_mempool_new(&n->mp, 64, 64 * LEDGER_TX_BYTES_MAX) != CHR_OK ||
        ledger_trie_mem_new(&n->db.rows) != CHR_OK) {
        abort();
    }
    ledger_account accts[CH_USERS];
    for (int i = 0; i < CH_USERS; i++) {
        accts[i] = (ledger_account){CH_BALANCE, 0};
        db_put(&n->db, user_pk[i], &accts[i]);
    }
    uint8_t root[32];
    if (ledger_trie_mem_accounts(n->db.rows, (const uint8_t(*)[32])user_pk, accts, CH_USERS,
                                 root) != CHR_OK ||
        ledger_chain_state_open(n->chain, root) != CHR_OK) {
        abort();
    }
}

static void node_free(ch_node *n)
{
    ledger_chain_free(n->chain);
    ledger_mempool_free(n->mp);
    ledger_trie_mem_free(n->db.rows);
}

/* Admits a signed transfer into n's mempool. */
static chr_err node_submit(ch_node *n, int from, int to, uint64_t nonce, uint64_t amount,
                           uint64_t expiry)
{
    ledger_tx tx;
    ltest_transfer(&tx, CH_ID, user_pk[from], user_pk[to], nonce, CH_FEE, amount);
    tx.expiry_height = expiry;
    ltest_sign_tx(&tx, user_sk[from]);
    uint8_t hash[32];
    ledger_tx_hash(&tx, hash);
    ledger_account committed;
    CHR_ASSERT(db_account(&n->db, tx.from, &committed) == CHR_OK);
    char detail[LEDGER_DETAIL_MAX];
    uint8_t enc[LEDGER_TX_BYTES_MAX];
    size_t enc_len;
    CHR_ASSERT(ledger_tx_encode(&tx, enc, sizeof(enc), &enc_len) == CHR_OK);
    return ledger_mempool_add(n->mp, &tx, hash, enc, enc_len, &committed, detail, sizeof(detail));
}

/* The commit of validators [0, k) for the block whose header starts bytes. */
static void commit_of(ledger_commit *c, const uint8_t *bytes, size_t len, int k)
{
    ledger_header h;
    CHR_ASSERT(ledger_block_peek_header(&h, bytes, len) == CHR_OK);
    uint8_t hash[32];
    ledger_header_hash(&h, hash);
    memset(c, 0, sizeof(*c));
    c->height = h.height;
    memcpy(c->block_hash, hash, 32);
    uint8_t msg[32], aux[32] = {0};
    ledger_vote_sighash(msg, CH_ID, LEDGER_VOTE_PRECOMMIT, h.height, 0, hash);
    /* Commits list validators in key order. */
    int order[CH_VALS];
    for (int i = 0; i < CH_VALS; i++) {
        order[i] = i;
    }
    for (int i = 0; i < CH_VALS; i++) {
        for (int j = i + 1; j < CH_VALS; j++) {
            if (memcmp(val_pk[order[j]], val_pk[order[i]], 32) < 0) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
    }
    for (int i = 0; i < CH_VALS; i++) {
        int v = order[i];
        if (v >= k) {
            continue;
        }
        ledger_commit_sig *s = &c->sigs[c->sigs_len++];
        memcpy(s->validator, val_pk[v], 32);
        CHR_ASSERT(ledger_signer_sign(ltest_signer(), s->sig, msg, val_sk[v], aux) == CHR_OK);
    }
}

/* Decides bytes on n as a store would: apply, write the changes to the db, commit_done. */
static chr_err node_decide(ch_node *n, const uint8_t *bytes, size_t len, const ledger_commit *c)
{
    char why[256] = "";
    ledger_chain_applied a;
    chr_err err = ledger_chain_apply_decided(n->chain, bytes, len, &a, why, sizeof(why));
    if (err != CHR_OK) {
        return err;
    }
    for (size_t i = 0; i < ledger_overlay_len(a.changes); i++) {
        const uint8_t *addr;
        ledger_account acct;
        ledger_overlay_at(a.changes, i, &addr, &acct);
        db_put(&n->db, addr, &acct);
    }
    for (uint16_t i = 0; i < a.evidence_len; i++) {
        ledger_evidence_key(&a.evidence[i], n->db.ev_keys[n->db.ev_len++]);
    }
    CHR_ASSERT(ledger_trie_mem_store(n->db.rows, a.trie) == CHR_OK);
    CHR_ASSERT(ledger_trie_mem_objects_store(n->db.rows, ledger_overlay_objects(a.changes)) ==
               CHR_OK);
    for (uint32_t i = 0; i < a.block->txs_len; i++) {
        ledger_mempool_remove(n->mp, a.tx_hashes[i]);
    }
    ledger_chain_commit_done(n->chain, c, 1);
    return CHR_OK;
}

static void root_of(ch_node *n, uint8_t out[32])
{
    ledger_chain_state_root(n->chain, out);
}

void test_chain_propose_check_commit(void)
{
    /* Proves: a block drafted by one validator checks on another, both commit it to the
     * same state root and tip, the supply (fees included) is conserved, and the next block
     * carries the commit. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    uint64_t supply = db_supply(&a.db);
    CHECK_OK(node_submit(&a, 0, 1, 0, 500, 0));
    CHECK_OK(node_submit(&a, 0, 2, 1, 700, 0));
    CHECK_OK(node_submit(&a, 3, 0, 0, 900, 0));
    uint8_t *blk;
    size_t len;
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 5000, val_pk[1], &blk, &len));
    CHECK(ledger_chain_prepared_txs(a.chain) == 3);
    size_t nf;
    ledger_chain_failures(a.chain, &nf);
    CHECK(nf == 0);
    char why[256] = "";
    CHECK_OK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)));
    ledger_commit c;
    commit_of(&c, blk, len, 3);
    CHECK_OK(node_decide(&a, blk, len, &c));
    CHECK_OK(node_decide(&b, blk, len, &c));
    free(blk);
    uint8_t ra[32], rb[32];
    root_of(&a, ra);
    root_of(&b, rb);
    CHECK(memcmp(ra, rb, 32) == 0);
    CHECK(memcmp(ledger_chain_tip_header(a.chain)->state_root, ra, 32) == 0);
    uint64_t ha, hb, ta, tb;
    uint8_t hasha[32], hashb[32];
    ledger_chain_tip(a.chain, &ha, hasha, &ta);
    ledger_chain_tip(b.chain, &hb, hashb, &tb);
    CHECK(ha == 1 && hb == 1 && ta == 5000 && tb == 5000);
    CHECK(memcmp(hasha, hashb, 32) == 0);
    CHECK(db_supply(&a.db) == supply && db_supply(&b.db) == supply);
    ledger_account acct;
    CHECK_OK(db_account(&a.db, val_pk[1], &acct));
    CHECK(acct.balance == 3 * CH_FEE);
    CHECK_OK(db_account(&b.db, user_pk[0], &acct));
    CHECK(acct.balance == CH_BALANCE - 1200 - 2 * CH_FEE + 900 && acct.nonce == 2);
    /* Height 2, proposed by b with a clock behind: the time still moves forward, and the
     * block carries height 1's commit. */
    CHECK_OK(ledger_chain_propose(b.chain, b.mp, 10, val_pk[2], &blk, &len));
    ledger_block dec;
    CHECK_OK(ledger_block_decode(&dec, blk, len));
    CHECK(dec.header.height == 2 && dec.header.time_ms == 5001 && dec.has_last_commit);
    CHECK(memcmp(dec.last_commit.block_hash, hasha, 32) == 0);
    ledger_block_free(&dec);
    CHECK_OK(ledger_chain_check(a.chain, blk, len, NULL, NULL, why, sizeof(why)));
    commit_of(&c, blk, len, 4);
    CHECK_OK(node_decide(&a, blk, len, &c));
    CHECK_OK(node_decide(&b, blk, len, &c));
    free(blk);
    root_of(&a, ra);
    root_of(&b, rb);
    CHECK(memcmp(ra, rb, 32) == 0);
    node_free(&a);
    node_free(&b);
}

void test_chain_commit_extend_late_precommit(void)
{
    /* Proves: a precommit that comes after the tip was decided joins the tip's commit in
     * key order, and the next block drafted carries it (and checks on a node whose own
     * commit lacks it); one of another round, height or block, by a non-member or by a
     * validator already in the commit, and one before any block, change nothing
     * (invalid_argument); a bad signature is bad_commit. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    uint8_t *blk;
    size_t len;
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 5000, val_pk[0], &blk, &len));
    ledger_commit c3, c4;
    commit_of(&c3, blk, len, 3);
    commit_of(&c4, blk, len, 4);
    const ledger_commit_sig *late = NULL;
    for (uint16_t i = 0; i < c4.sigs_len; i++) {
        if (memcmp(c4.sigs[i].validator, val_pk[3], 32) == 0) {
            late = &c4.sigs[i];
        }
    }
    CHECK(late != NULL);
    const uint8_t *h = c4.block_hash;
    CHECK(ledger_chain_commit_extend(b.chain, 1, 0, h, late->validator, late->sig) == CHR_ERR_ARG);
    CHECK_OK(node_decide(&a, blk, len, &c3));
    CHECK_OK(node_decide(&b, blk, len, &c3));
    free(blk);
    uint8_t other[32], bad[64];
    memcpy(other, h, 32);
    other[0] ^= 1;
    memcpy(bad, late->sig, 64);
    bad[5] ^= 1;
    CHECK(ledger_chain_commit_extend(a.chain, 1, 1, h, late->validator, late->sig) == CHR_ERR_ARG);
    CHECK(ledger_chain_commit_extend(a.chain, 2, 0, h, late->validator, late->sig) == CHR_ERR_ARG);
    CHECK(ledger_chain_commit_extend(a.chain, 1, 0, other, late->validator, late->sig) ==
          CHR_ERR_ARG);
    CHECK(ledger_chain_commit_extend(a.chain, 1, 0, h, user_pk[0], late->sig) == CHR_ERR_ARG);
    CHECK(ledger_chain_commit_extend(a.chain, 1, 0, h, c3.sigs[0].validator, c3.sigs[0].sig) ==
          CHR_ERR_ARG);
    CHECK(ledger_chain_commit_extend(a.chain, 1, 0, h, late->validator, bad) == CHR_ERR_COMMIT);
    CHECK_OK(ledger_chain_commit_extend(a.chain, 1, 0, h, late->validator, late->sig));
    CHECK(ledger_chain_commit_extend(a.chain, 1, 0, h, late->validator, late->sig) == CHR_ERR_ARG);
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 6000, val_pk[1], &blk, &len));
    ledger_block dec;
    CHECK_OK(ledger_block_decode(&dec, blk, len));
    CHECK(dec.has_last_commit && dec.last_commit.sigs_len == 4 && dec.last_commit.round == 0);
    for (uint16_t i = 0; i < 4; i++) {
        CHECK(memcmp(&dec.last_commit.sigs[i], &c4.sigs[i], sizeof(c4.sigs[i])) == 0);
    }
    ledger_block_free(&dec);
    char why[256] = "";
    CHECK_OK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)));
    free(blk);
    node_free(&a);
    node_free(&b);
}

/* Builds on n a valid block at its tip + 1 with one transfer, proposed by val_pk[0]. */
static void valid_block(ch_node *n, uint8_t **blk, size_t *len)
{
    CHR_ASSERT(node_submit(n, 4, 5, 0, 1, 0) == CHR_OK);
    CHR_ASSERT(ledger_chain_propose(n->chain, n->mp, 9000, val_pk[0], blk, len) == CHR_OK);
    ledger_chain_abandon(n->chain);
}

/* Re-encodes blk with its header changed by edit (and re-rooted only where the decoder
 * would otherwise refuse it), into a new malloc'ed block. */
static void reencode(uint8_t **out, size_t *out_len, const uint8_t *blk, size_t len,
                     void (*edit)(ledger_header *h, ledger_block *b))
{
    ledger_block b;
    CHR_ASSERT(ledger_block_decode(&b, blk, len) == CHR_OK);
    edit(&b.header, &b);
    CHR_ASSERT(ledger_block_encode(out, out_len, &b.header,
                                   b.has_last_commit ? &b.last_commit : NULL, b.txs, b.tx_lens,
                                   b.txs_len, b.evidence, b.evidence_len) == CHR_OK);
    ledger_block_free(&b);
}

static void edit_prev(ledger_header *h, ledger_block *b)
{
    (void)b;
    h->prev_hash[0] ^= 1;
}
static void edit_time(ledger_header *h, ledger_block *b)
{
    (void)b;
    h->time_ms = 1000; /* the genesis time: not after the tip */
}
static void edit_proposer(ledger_header *h, ledger_block *b)
{
    (void)b;
    memcpy(h->proposer, user_pk[0], 32);
}
static void edit_root(ledger_header *h, ledger_block *b)
{
    (void)b;
    h->state_root[31] ^= 1;
}
static void edit_vals(ledger_header *h, ledger_block *b)
{
    (void)b;
    h->validators_hash[0] ^= 1;
}
static void edit_chain(ledger_header *h, ledger_block *b)
{
    (void)b;
    h->chain_id[0] = 'x';
}
static void edit_sig(ledger_header *h, ledger_block *b)
{
    (void)h;
    /* The transaction's last signature byte: the tx root no longer matches, so the edit
     * changes the header's root too (the decoder checks it). */
    uint8_t *tx = (uint8_t *)(uintptr_t)b->txs[0];
    tx[b->tx_lens[0] - 1] ^= 1;
    CHR_ASSERT(ledger_tx_root(h->tx_root, b->txs, b->tx_lens, b->txs_len) == CHR_OK);
}

void test_chain_check_refuses_bad_blocks(void)
{
    /* Proves: a block that breaks one header rule, carries a bad signature or a wrong
     * state root is refused as bad_block with a reason, and leaves nothing applied (the
     * state root is unchanged and the valid block still checks and commits). */
    keys_init();
    ch_node n;
    node_init(&n);
    uint8_t root0[32];
    root_of(&n, root0);
    uint8_t *blk;
    size_t len;
    valid_block(&n, &blk, &len);
    ledger_mempool_free(n.mp);
    CHECK_OK(ledger_mempool_new(&n.mp, 64, 64 * LEDGER_TX_BYTES_MAX));
    void (*edits[])(ledger_header *, ledger_block *) = {
        edit_prev, edit_time, edit_proposer, edit_root, edit_vals, edit_chain, edit_sig,
    };
    const char *want[] = {
        "does not follow the tip",   "time not after",        "proposer is not a validator",
        "state root does not match", "another validator set", "another chain id",
        "signature does not verify",
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        uint8_t *bad;
        size_t bad_len;
        uint8_t *copy = malloc(len);
        CHECK(copy != NULL);
        memcpy(copy, blk, len);
        reencode(&bad, &bad_len, copy, len, edits[i]);
        char why[256] = "";
        chr_err err = ledger_chain_check(n.chain, bad, bad_len, NULL, NULL, why, sizeof(why));
        if (err != CHR_ERR_BLOCK_INVALID || strstr(why, want[i]) == NULL) {
            fprintf(stderr, "edit %zu: %s: %s\n", i, chr_err_name(err), why);
        }
        CHECK(err == CHR_ERR_BLOCK_INVALID);
        CHECK(strstr(why, want[i]) != NULL);
        uint8_t root[32];
        root_of(&n, root);
        CHECK(memcmp(root, root0, 32) == 0);
        free(bad);
        free(copy);
    }
    char why[256] = "";
    CHECK(ledger_chain_check(n.chain, blk, 10, NULL, NULL, why, sizeof(why)) ==
          CHR_ERR_BLOCK_INVALID);
    CHECK(strstr(why, "does not decode") != NULL);
    CHECK_OK(ledger_chain_check(n.chain, blk, len, NULL, NULL, why, sizeof(why)));
    ledger_commit c;
    commit_of(&c, blk, len, 3);
    CHECK_OK(node_decide(&n, blk, len, &c));
    free(blk);
    node_free(&n);
}

void test_chain_failures_and_view_errors(void)
{
    /* Proves: a pending transaction that no longer applies (expired) is left out of the
     * draft and listed with its reason; a block whose state cannot be read is abandoned
     * with the store's error and nothing applied. */
    keys_init();
    ch_node n;
    node_init(&n);
    uint8_t *blk;
    size_t len;
    CHECK_OK(ledger_chain_propose(n.chain, n.mp, 2000, val_pk[0], &blk, &len));
    ledger_commit c;
    commit_of(&c, blk, len, 3);
    CHECK_OK(node_decide(&n, blk, len, &c));
    free(blk);
    CHECK_OK(node_submit(&n, 1, 2, 0, 5, 1)); /* expires after height 1 */
    CHECK_OK(node_submit(&n, 2, 3, 0, 5, 0));
    CHECK_OK(ledger_chain_propose(n.chain, n.mp, 3000, val_pk[0], &blk, &len));
    CHECK(ledger_chain_prepared_txs(n.chain) == 1);
    size_t nf;
    const ledger_chain_failure *f = ledger_chain_failures(n.chain, &nf);
    CHECK(nf == 1 && f[0].err == CHR_ERR_EXPIRED);
    CHECK(memcmp(ledger_mempool_entry_tx(f[0].entry)->from, user_pk[1], 32) == 0);
    CHECK(strstr(f[0].detail, "expiry_height") != NULL);
    free(blk);
    uint8_t root0[32], root[32];
    ledger_chain_abandon(n.chain);
    root_of(&n, root0);
    n.db.fail = 1;
    CHECK(ledger_chain_propose(n.chain, n.mp, 3000, val_pk[0], &blk, &len) == CHR_ERR_STORE);
    CHECK(blk == NULL && ledger_chain_prepared_txs(n.chain) == 0);
    root_of(&n, root);
    CHECK(memcmp(root, root0, 32) == 0);
    node_free(&n);
}

void test_chain_decided_other_than_prepared(void)
{
    /* Proves: when the decided block is not the one this node prepared (another round's
     * proposal), the prepared one is rolled back and the decided one applied: both nodes
     * end on the same root. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    CHECK_OK(node_submit(&a, 0, 1, 0, 111, 0));
    CHECK_OK(node_submit(&b, 2, 3, 0, 222, 0));
    uint8_t *pa, *pb;
    size_t la, lb;
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 4000, val_pk[0], &pa, &la));
    CHECK_OK(ledger_chain_propose(b.chain, b.mp, 4000, val_pk[1], &pb, &lb));
    ledger_commit c;
    commit_of(&c, pb, lb, 3);
    CHECK_OK(node_decide(&a, pb, lb, &c));
    CHECK_OK(node_decide(&b, pb, lb, &c));
    uint8_t ra[32], rb[32];
    root_of(&a, ra);
    root_of(&b, rb);
    CHECK(memcmp(ra, rb, 32) == 0);
    ledger_account acct;
    CHECK_OK(db_account(&a.db, user_pk[0], &acct));
    CHECK(acct.balance == CH_BALANCE && acct.nonce == 0);
    free(pa);
    free(pb);
    node_free(&a);
    node_free(&b);
}

void test_chain_evidence_once(void)
{
    /* Proves: valid evidence enters the pool once, goes into the next proposal, is checked
     * by the other validator, leaves the pool when committed and is refused afterwards as
     * a duplicate; evidence from a non-validator is refused as bad_evidence. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    uint8_t *blk;
    size_t len;
    ledger_commit c;
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 2000, val_pk[0], &blk, &len));
    commit_of(&c, blk, len, 3);
    CHECK_OK(node_decide(&a, blk, len, &c));
    CHECK_OK(node_decide(&b, blk, len, &c));
    free(blk);
    ledger_evidence ev;
    ltest_evidence(&ev, CH_ID, 502, LEDGER_VOTE_PREVOTE, 1, 0, 1, 2);
    char why[256] = "";
    CHECK_OK(ledger_chain_evidence_add(a.chain, &ev, 0, why, sizeof(why)));
    CHECK(ledger_chain_evidence_add(a.chain, &ev, 0, why, sizeof(why)) == CHR_ERR_DUPLICATE);
    CHECK(ledger_chain_evidence_pool(a.chain)->len == 1);
    ledger_evidence stranger;
    ltest_evidence(&stranger, CH_ID, 9999, LEDGER_VOTE_PREVOTE, 1, 0, 1, 2);
    CHECK(ledger_chain_evidence_add(a.chain, &stranger, 0, why, sizeof(why)) == CHR_ERR_EVIDENCE);
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 3000, val_pk[0], &blk, &len));
    ledger_block dec;
    CHECK_OK(ledger_block_decode(&dec, blk, len));
    CHECK(dec.evidence_len == 1);
    ledger_block_free(&dec);
    CHECK_OK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)));
    commit_of(&c, blk, len, 3);
    CHECK_OK(node_decide(&a, blk, len, &c));
    CHECK_OK(node_decide(&b, blk, len, &c));
    free(blk);
    CHECK(ledger_chain_evidence_pool(a.chain)->len == 0);
    CHECK(ledger_chain_evidence_add(a.chain, &ev, 0, why, sizeof(why)) == CHR_ERR_DUPLICATE);
    CHECK(ledger_chain_evidence_add(b.chain, &ev, 0, why, sizeof(why)) == CHR_ERR_DUPLICATE);
    node_free(&a);
    node_free(&b);
}

void test_chain_evidence_pool_full(void)
{
    /* Proves: a full pool gives way to newer evidence by dropping the oldest, refuses
     * evidence no newer than its oldest (CHR_ERR_FULL), and keeps key order. */
    ledger_evidence_pool p;
    ledger_evidence_pool_init(&p);
    ledger_evidence ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = LEDGER_VOTE_PREVOTE;
    for (uint32_t i = 0; i < LEDGER_EVIDENCE_POOL_MAX; i++) {
        ev.height = 10 + i;
        ev.validator[0] = (uint8_t)(i * 37);
        CHECK_OK(ledger_evidence_pool_add(&p, &ev));
    }
    CHECK(ledger_evidence_pool_add(&p, &ev) == CHR_ERR_DUPLICATE);
    ev.height = 10;
    ev.validator[1] = 1;
    CHECK(ledger_evidence_pool_add(&p, &ev) == CHR_ERR_FULL);
    ev.height = 100000;
    CHECK_OK(ledger_evidence_pool_add(&p, &ev));
    CHECK(p.len == LEDGER_EVIDENCE_POOL_MAX);
    for (size_t i = 0; i < p.len; i++) {
        CHECK(p.ev[i].height != 10);
    }
    for (size_t i = 1; i < p.len; i++) {
        uint8_t k0[LEDGER_EVIDENCE_KEY_BYTES], k1[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(&p.ev[i - 1], k0);
        ledger_evidence_key(&p.ev[i], k1);
        CHECK(memcmp(k0, k1, sizeof(k0)) < 0);
    }
}

/* Signs and admits a staking transaction of user `from` into n's mempool. */
static chr_err node_submit_tx(ch_node *n, ledger_tx *tx, int from)
{
    ltest_sign_tx(tx, user_sk[from]);
    uint8_t hash[32];
    ledger_tx_hash(tx, hash);
    ledger_account committed;
    CHR_ASSERT(db_account(&n->db, tx->from, &committed) == CHR_OK);
    char detail[LEDGER_DETAIL_MAX];
    uint8_t enc[LEDGER_TX_BYTES_MAX];
    size_t enc_len;
    CHR_ASSERT(ledger_tx_encode(tx, enc, sizeof(enc), &enc_len) == CHR_OK);
    return ledger_mempool_add(n->mp, tx, hash, enc, enc_len, &committed, detail, sizeof(detail));
}

void test_chain_staking_block(void)
{
    /* Proves: staking transactions and the end of block run the same in the draft, the
     * check and the decided apply (both nodes reach the same root), the set decided at
     * block 1 is stored to sign from height 3, and liquid + bonded + unbonding is the
     * genesis supply. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    uint64_t supply = db_supply(&a.db);
    ledger_tx tx;
    CHECK_OK(
        ledger_tx_init(&tx, LEDGER_TX_CREATE_VALIDATOR, CH_ID, user_pk[0], 0, CH_FEE, 0, NULL, 0));
    memcpy(tx.body.create_validator.consensus_key, user_pk[5], 32);
    tx.body.create_validator.commission_max_ppm = 100000;
    tx.body.create_validator.min_self_bond = 1000;
    tx.body.create_validator.amount = 5000;
    tx.body.create_validator.moniker_len = 1;
    tx.body.create_validator.moniker[0] = 'v';
    CHECK_OK(node_submit_tx(&a, &tx, 0));
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_DELEGATE, CH_ID, user_pk[1], 0, CH_FEE, 0, NULL, 0));
    memcpy(tx.body.stake.validator, user_pk[0], 32);
    tx.body.stake.amount = 3000;
    CHECK_OK(node_submit_tx(&a, &tx, 1));
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_UNDELEGATE, CH_ID, user_pk[1], 1, CH_FEE, 0, NULL, 0));
    memcpy(tx.body.stake.validator, user_pk[0], 32);
    tx.body.stake.amount = 1000;
    CHECK_OK(node_submit_tx(&a, &tx, 1));
    uint8_t *blk;
    size_t len;
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, 5000, val_pk[1], &blk, &len));
    CHECK(ledger_chain_prepared_txs(a.chain) == 3);
    char why[256] = "";
    CHECK_OK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)));
    ledger_commit c;
    commit_of(&c, blk, len, 3);
    CHECK_OK(node_decide(&a, blk, len, &c));
    CHECK_OK(node_decide(&b, blk, len, &c));
    free(blk);
    uint8_t ra[32], rb[32];
    root_of(&a, ra);
    root_of(&b, rb);
    CHECK(memcmp(ra, rb, 32) == 0);
    ledger_valset set;
    uint64_t from;
    CHECK(ledger_staking_set_at(db_object_scan, &b.db, 2, &set, &from, NULL) == CHR_ERR_NOT_FOUND);
    CHECK_OK(ledger_staking_set_at(db_object_scan, &b.db, 3, &set, &from, NULL));
    CHECK(from == 3 && set.len == 1 && set.total_power == 7);
    CHECK(memcmp(set.v[0].pubkey, user_pk[5], 32) == 0);
    /* This genesis gave its validators power without stake: the chain keeps them, or the
     * first staker would be the whole set at height 3. */
    ledger_valset genesis_set;
    ledger_valset_init(&genesis_set);
    for (int i = 0; i < CH_VALS; i++) {
        CHECK_OK(ledger_valset_add(&genesis_set, val_pk[i], 10));
    }
    uint8_t gh[32], vh[32];
    ledger_valset_hash(&genesis_set, gh);
    ledger_valset_hash(ledger_chain_validators(b.chain), vh);
    CHECK(memcmp(gh, vh, 32) == 0);
    ledger_valset_hash(ledger_chain_tip_validators(b.chain), vh);
    CHECK(memcmp(gh, vh, 32) == 0);
    CHECK(memcmp(ledger_chain_tip_header(b.chain)->next_validators_hash, gh, 32) == 0);
    uint8_t value[LEDGER_OBJECT_VALUE_MAX];
    size_t value_len;
    int found;
    ledger_staking_pool pool;
    CHECK_OK(db_object(&a.db, LEDGER_STATE_GLOBAL, (const uint8_t *)"staking", 7, value, &value_len,
                       &found));
    CHECK(found);
    CHECK_OK(ledger_staking_pool_decode(&pool, value, value_len));
    CHECK(pool.bonded == 7000 && pool.unbonding == 1000);
    CHECK(db_supply(&a.db) + pool.bonded + pool.unbonding == supply);
    node_free(&a);
    node_free(&b);
}

/* Short governance periods and a small deposit, as the committed state's object (set on
 * both nodes alike before any block). */
static void gov_params_short(ch_node *n)
{
    ledger_gov_params gp;
    ledger_gov_params_default(&gp);
    gp.min_deposit = 100;
    gp.expedited_min_deposit = 100;
    gp.deposit_period_ms = 60000;
    gp.voting_period_ms = 120000;
    gp.expedited_voting_period_ms = 60000;
    uint8_t buf[LEDGER_GOV_PARAMS_BYTES];
    ledger_gov_params_encode(buf, &gp);
    ledger_objects *t;
    static const uint8_t no_key[1];
    CHR_ASSERT(ledger_objects_new(&t, 4, db_object, db_object_scan, &n->db) == CHR_OK);
    CHR_ASSERT(ledger_object_put(t, LEDGER_STATE_GOV_PARAMS, no_key, 0, buf, sizeof(buf)) ==
               CHR_OK);
    CHR_ASSERT(ledger_trie_mem_objects_store(n->db.rows, t) == CHR_OK);
    ledger_objects_free(t);
}

static chr_err submit_transfer(ch_node *n, int from, int to, uint64_t nonce, uint64_t fee)
{
    ledger_tx tx;
    ltest_transfer(&tx, CH_ID, user_pk[from], user_pk[to], nonce, fee, 100);
    return node_submit_tx(n, &tx, from);
}

/* Drafts the block on a at time_ms, checks it on b, decides it on both: the roots agree. */
static int gov_block(ch_node *a, ch_node *b, uint64_t time_ms, uint32_t *txs)
{
    uint8_t *blk;
    size_t len;
    char why[256] = "";
    ledger_commit c;
    uint8_t ra[32], rb[32];
    int ok = ledger_chain_propose(a->chain, a->mp, time_ms, val_pk[1], &blk, &len) == CHR_OK;
    *txs = ok ? ledger_chain_prepared_txs(a->chain) : 0;
    ok = ok && ledger_chain_check(b->chain, blk, len, NULL, NULL, why, sizeof(why)) == CHR_OK;
    if (ok) {
        commit_of(&c, blk, len, 3);
        ok = node_decide(a, blk, len, &c) == CHR_OK && node_decide(b, blk, len, &c) == CHR_OK;
    }
    if (why[0] != '\0') {
        printf("# %s\n", why);
    }
    free(blk);
    root_of(a, ra);
    root_of(b, rb);
    return ok && memcmp(ra, rb, 32) == 0;
}

/* Blocks 1 and 2 on a and b: user 0 bonds a validator, submits content with the minimum
 * deposit and votes yes (block 1, time 5,000); block 2 comes at the vote's end, with a
 * transfer of user 1 at the old fee before the tally. 1 when both nodes agree throughout. */
static int gov_pass(ch_node *a, ch_node *b, const ledger_gov_content *content)
{
    ledger_tx tx;
    uint32_t txs1, txs2;
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_CREATE_VALIDATOR, CH_ID, user_pk[0], 0, CH_FEE, 0,
                              NULL, 0) == CHR_OK);
    memcpy(tx.body.create_validator.consensus_key, user_pk[5], 32);
    tx.body.create_validator.commission_max_ppm = 100000;
    tx.body.create_validator.min_self_bond = 1000;
    tx.body.create_validator.amount = 5000;
    tx.body.create_validator.moniker_len = 1;
    tx.body.create_validator.moniker[0] = 'v';
    CHR_ASSERT(node_submit_tx(a, &tx, 0) == CHR_OK);
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_GOV_SUBMIT, CH_ID, user_pk[0], 1, CH_FEE, 0, NULL,
                              0) == CHR_OK);
    tx.body.gov_submit.content = *content;
    tx.body.gov_submit.deposit = 100;
    CHR_ASSERT(node_submit_tx(a, &tx, 0) == CHR_OK);
    CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_GOV_VOTE, CH_ID, user_pk[0], 2, CH_FEE, 0, NULL, 0) ==
               CHR_OK);
    tx.body.gov_vote.id = 1;
    tx.body.gov_vote.option = LEDGER_GOV_YES;
    CHR_ASSERT(node_submit_tx(a, &tx, 0) == CHR_OK);
    int ok = gov_block(a, b, 5000, &txs1) && txs1 == 3;
    CHR_ASSERT(submit_transfer(a, 1, 2, 0, CH_FEE) == CHR_OK);
    return ok && gov_block(a, b, 5000 + 120000, &txs2) && txs2 == 1;
}

static void gov_title(ledger_gov_content *c, ledger_gov_kind kind)
{
    memset(c, 0, sizeof(*c));
    c->kind = (uint8_t)kind;
    c->title_len = 1;
    c->title[0] = 't';
}

void test_chain_gov_param_change(void)
{
    /* Proves the parameter change end to end on the block state machine: a staker's
     * proposal to raise fee_transfer passes at the end of its voting period and executes in
     * that block; transfers in that block still pay the old fee; from the next block the
     * chain's parameters carry the new fee, a transfer admitted with the old fee is left
     * out of the draft (fee_too_low) and one with the new fee goes in; both nodes agree. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    gov_params_short(&a);
    gov_params_short(&b);
    ledger_gov_content g;
    gov_title(&g, LEDGER_GOV_PARAMS);
    g.changes_len = 1;
    g.changes[0].name_len = 12;
    memcpy(g.changes[0].name, "fee_transfer", 12);
    g.changes[0].value = 3 * CH_FEE;
    CHECK(ledger_chain_params(a.chain)->fee_transfer == CH_FEE);
    CHECK(gov_pass(&a, &b, &g));
    ledger_account acct;
    CHECK_OK(db_account(&a.db, user_pk[1], &acct));
    CHECK(acct.balance == CH_BALANCE - 100 - CH_FEE);
    CHECK(ledger_chain_params(a.chain)->fee_transfer == 3 * CH_FEE);
    CHECK(ledger_chain_params(b.chain)->fee_transfer == 3 * CH_FEE);
    /* Block 3: the old fee is refused, the new one paid. */
    uint32_t txs;
    CHECK_OK(submit_transfer(&a, 2, 3, 0, CH_FEE));
    CHECK_OK(submit_transfer(&a, 3, 4, 0, 3 * CH_FEE));
    CHECK(gov_block(&a, &b, 130000, &txs) && txs == 1);
    CHECK_OK(db_account(&a.db, user_pk[3], &acct));
    CHECK(acct.balance == CH_BALANCE - 100 - 3 * CH_FEE && acct.nonce == 1);
    CHECK_OK(db_account(&a.db, user_pk[2], &acct));
    CHECK(acct.nonce == 0);
    node_free(&a);
    node_free(&b);
}

void test_chain_gov_upgrade_stops(void)
{
    /* Proves a passed upgrade proposal stops a build that does not know the upgrade at its
     * height: the block before it is made and agreed, the block at it cannot be drafted
     * (unknown_upgrade, with the message naming it) and the tip stays below it. */
    keys_init();
    ch_node a, b;
    node_init(&a);
    node_init(&b);
    gov_params_short(&a);
    gov_params_short(&b);
    ledger_gov_content g;
    gov_title(&g, LEDGER_GOV_UPGRADE);
    g.upgrade_name_len = 2;
    memcpy(g.upgrade_name, "v9", 2);
    g.upgrade_height = 4;
    CHECK(gov_pass(&a, &b, &g));
    uint32_t txs;
    CHECK(gov_block(&a, &b, 130000, &txs) && txs == 0); /* height 3 */
    uint8_t *blk = NULL;
    size_t len;
    CHECK(ledger_chain_propose(a.chain, a.mp, 140000, val_pk[1], &blk, &len) == CHR_ERR_UPGRADE);
    CHECK(blk == NULL);
    /* The node's stop message names the upgrade to run. */
    CHECK(strstr(ledger_chain_upgrade_why(a.chain), "software upgrade \"v9\"") != NULL);
    uint64_t h, t;
    uint8_t hash[32];
    ledger_chain_tip(a.chain, &h, hash, &t);
    CHECK(h == 3);
    node_free(&a);
    node_free(&b);
}

/* ---- A chain whose genesis bonded its validators: the set follows the stake. ---- */

/* A node at a genesis where users 0..CH_VALS-1 bonded 10,000 each with the validator keys
 * as consensus keys (power 10 each, the set node_init gives for free), as chroom-genesis
 * writes it: the validators' objects, the pools and the set from height 1. */
static void node_init_staked(ch_node *n)
{
    node_init(n);
    ledger_params params = *ledger_chain_params(n->chain);
    ledger_objects *t;
    CHECK_OK(ledger_objects_new(&t, 256, db_object, db_object_scan, &n->db));
    for (int i = 0; i < CH_VALS; i++) {
        ledger_staking_create c;
        memset(&c, 0, sizeof(c));
        memcpy(c.consensus_key, val_pk[i], 32);
        c.commission_max_ppm = 100000;
        c.min_self_bond = 1000;
        c.amount = 10000;
        c.moniker_len = 1;
        c.moniker[0] = (char)('a' + i);
        char detail[LEDGER_DETAIL_MAX];
        CHECK_OK(ledger_staking_create_validator(t, &params, user_pk[i], &c, 0, 1000, detail,
                                                 sizeof(detail)));
        ledger_account acct;
        CHECK_OK(db_account(&n->db, user_pk[i], &acct));
        acct.balance -= c.amount;
        db_put(&n->db, user_pk[i], &acct);
    }
    ledger_valset set;
    CHECK_OK(ledger_staking_genesis_set(t, &params, &set));
    CHECK(set.len == CH_VALS && set.total_power == 10u * CH_VALS);
    /* The genesis state: every account and object under one root. */
    ledger_overlay *o;
    CHECK_OK(ledger_overlay_new(&o, CH_ACCOUNTS_MAX, db_account, &n->db));
    for (size_t i = 0; i < n->db.len; i++) {
        CHECK_OK(ledger_overlay_put(o, n->db.addr[i], &n->db.acct[i]));
    }
    ledger_overlay_attach_objects(o, t);
    ledger_trie *trie;
    uint8_t base[32];
    ledger_chain_state_root(n->chain, base);
    CHECK_OK(ledger_trie_new(&trie, ledger_trie_mem_source(n->db.rows), 0));
    CHECK_OK(ledger_trie_open(trie, base));
    CHECK_OK(ledger_overlay_trie_apply(trie, o));
    uint8_t root[32];
    ledger_trie_root(trie, root);
    CHECK_OK(ledger_trie_mem_store(n->db.rows, trie));
    CHECK_OK(ledger_trie_mem_objects_store(n->db.rows, t));
    ledger_trie_release(trie);
    ledger_trie_free(trie);
    ledger_overlay_free(o);
    ledger_objects_free(t);
    CHECK_OK(ledger_chain_state_open(n->chain, root));
}

/* A commit of the block bytes by the given validators (secret and public keys), in key
 * order. */
static void commit_by(ledger_commit *c, const uint8_t *bytes, size_t len, const uint8_t (*sks)[32],
                      const uint8_t (*pks)[32], int n)
{
    ledger_header h;
    CHR_ASSERT(ledger_block_peek_header(&h, bytes, len) == CHR_OK);
    uint8_t hash[32];
    ledger_header_hash(&h, hash);
    memset(c, 0, sizeof(*c));
    c->height = h.height;
    memcpy(c->block_hash, hash, 32);
    uint8_t msg[32], aux[32] = {0};
    ledger_vote_sighash(msg, CH_ID, LEDGER_VOTE_PRECOMMIT, h.height, 0, hash);
    int used[CH_VALS + 2] = {0};
    CHR_ASSERT(n <= CH_VALS + 2);
    for (int k = 0; k < n; k++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (!used[i] && (best < 0 || memcmp(pks[i], pks[best], 32) < 0)) {
                best = i;
            }
        }
        used[best] = 1;
        ledger_commit_sig *s = &c->sigs[c->sigs_len++];
        memcpy(s->validator, pks[best], 32);
        CHR_ASSERT(ledger_signer_sign(ltest_signer(), s->sig, msg, sks[best], aux) == CHR_OK);
    }
}

static void valset_hash_of(const ledger_valset *v, uint8_t out[32])
{
    ledger_valset_hash(v, out);
}

void test_chain_set_follows_stake(void)
{
    /* Proves, on a chain whose genesis bonded its validators: a validator created in block
     * 1 is in the set decided there, which signs from height 3; header 2 names it as the
     * next set and header 3 as its set; block 3's commit needs the new set's 2/3 (the
     * genesis validators alone no longer suffice), and a block carrying such a commit as
     * its last commit is refused. */
    keys_init();
    ch_node a, b;
    node_init_staked(&a);
    node_init_staked(&b);
    uint8_t genesis_hash[32];
    valset_hash_of(ledger_chain_validators(a.chain), genesis_hash);
    ledger_tx tx;
    CHECK_OK(
        ledger_tx_init(&tx, LEDGER_TX_CREATE_VALIDATOR, CH_ID, user_pk[4], 0, CH_FEE, 0, NULL, 0));
    memcpy(tx.body.create_validator.consensus_key, user_pk[5], 32);
    tx.body.create_validator.commission_max_ppm = 100000;
    tx.body.create_validator.min_self_bond = 1000;
    tx.body.create_validator.amount = 50000;
    tx.body.create_validator.moniker_len = 1;
    tx.body.create_validator.moniker[0] = 'n';
    CHECK_OK(node_submit_tx(&a, &tx, 4));
    /* The genesis set and its keys; the new set adds user 5 with power 50. */
    uint8_t gsk[CH_VALS + 1][32], gpk[CH_VALS + 1][32];
    for (int i = 0; i < CH_VALS; i++) {
        memcpy(gsk[i], val_sk[i], 32);
        memcpy(gpk[i], val_pk[i], 32);
    }
    memcpy(gsk[CH_VALS], user_sk[5], 32);
    memcpy(gpk[CH_VALS], user_pk[5], 32);
    uint8_t *blk;
    size_t len;
    char why[256] = "";
    ledger_commit c;
    uint64_t now = 5000;
    for (uint64_t h = 1; h <= 2; h++) {
        CHECK_OK(ledger_chain_propose(a.chain, a.mp, now += 1000, val_pk[0], &blk, &len));
        CHECK_OK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)));
        commit_by(&c, blk, len, (const uint8_t(*)[32])gsk, (const uint8_t(*)[32])gpk, CH_VALS);
        CHECK_OK(node_decide(&a, blk, len, &c));
        CHECK_OK(node_decide(&b, blk, len, &c));
        free(blk);
        const ledger_header *tip = ledger_chain_tip_header(b.chain);
        CHECK(memcmp(tip->validators_hash, genesis_hash, 32) == 0);
        if (h == 1) {
            CHECK(memcmp(tip->next_validators_hash, genesis_hash, 32) == 0);
        } else {
            CHECK(memcmp(tip->next_validators_hash, genesis_hash, 32) != 0);
        }
    }
    /* Tip 2: the set of height 3 holds the new validator. */
    const ledger_valset *next = ledger_chain_validators(b.chain);
    CHECK(next->len == CH_VALS + 1 && next->total_power == 10u * CH_VALS + 50);
    CHECK(ledger_valset_find(next, user_pk[5]) >= 0);
    uint8_t new_hash[32];
    valset_hash_of(next, new_hash);
    CHECK(memcmp(ledger_chain_tip_header(b.chain)->next_validators_hash, new_hash, 32) == 0);
    /* Block 3, proposed by the new validator. */
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, now += 1000, user_pk[5], &blk, &len));
    CHECK_OK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)));
    ledger_header h3;
    CHECK_OK(ledger_block_peek_header(&h3, blk, len));
    CHECK(memcmp(h3.validators_hash, new_hash, 32) == 0);
    uint8_t h3_hash[32];
    ledger_header_hash(&h3, h3_hash);
    /* The genesis validators alone hold 40 of 90: not a commit of height 3. */
    ledger_commit weak, strong;
    commit_by(&weak, blk, len, (const uint8_t(*)[32])gsk, (const uint8_t(*)[32])gpk, CH_VALS);
    CHECK(ledger_commit_verify(&weak, CH_ID, ledger_chain_validators(b.chain), 3, h3_hash, why,
                               sizeof(why)) == CHR_ERR_COMMIT);
    /* The new validator with two others: 70 of 90. */
    const uint8_t(*tail_sk)[32] = (const uint8_t(*)[32])gsk + 2;
    const uint8_t(*tail_pk)[32] = (const uint8_t(*)[32])gpk + 2;
    commit_by(&strong, blk, len, tail_sk, tail_pk, 3);
    CHECK_OK(ledger_commit_verify(&strong, CH_ID, ledger_chain_validators(b.chain), 3, h3_hash, why,
                                  sizeof(why)));
    /* a decides block 3 with the weak commit as its record, b with the strong one: a's
     * block 4 carries the weak commit, which b refuses. */
    CHECK_OK(node_decide(&a, blk, len, &weak));
    CHECK_OK(node_decide(&b, blk, len, &strong));
    free(blk);
    CHECK_OK(ledger_chain_propose(a.chain, a.mp, now += 1000, val_pk[1], &blk, &len));
    CHECK(ledger_chain_check(b.chain, blk, len, NULL, NULL, why, sizeof(why)) ==
          CHR_ERR_BLOCK_INVALID);
    free(blk);
    node_free(&a);
    node_free(&b);
}
