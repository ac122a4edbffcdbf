#include <dirent.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/hash.h"
#include "ledger/block.h"
#include "ledger/internal/store.h"
#include "ledger/objects.h"
#include "ledger/smt.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define ST_CHAIN "chroom-store"
#define ST_ACCOUNTS 8
#define ST_TXS_MAX 40
/* The archive test's chain: more than twice the distance a store that is not an archive reads
 * back (LEDGER_STORE_PAST_BLOCKS_MAX). */
#define ST_ARCHIVE_BLOCKS (2 * LEDGER_STORE_PAST_BLOCKS_MAX + 100)
#define ST_BLOCKS_MAX ST_ARCHIVE_BLOCKS
#define ST_GENESIS_BALANCE 1000000000ULL
#define ST_FEE 1000

/* One chain in a fresh temporary directory: the store, the accounts' keys, the overlay a
 * block is applied in, and what was committed so far, for reading it back. The outer test
 * function owns it and cleans up whatever the body left open. */
typedef struct st_chain {
    char dir[64];
    ledger_store *store;
    ledger_store_read *read;
    ledger_overlay *overlay;
    ledger_trie *trie; /* the state trie over the store's rows, as the node keeps it */
    uint8_t sk[ST_ACCOUNTS][32];
    uint8_t pk[ST_ACCOUNTS][32];
    uint8_t val_sk[32];
    uint8_t val_pk[32];
    uint8_t genesis_hash[32];
    uint64_t height;
    uint64_t txs_total;
    uint8_t block_hash[ST_BLOCKS_MAX + 1][32];
    uint8_t block_digest[ST_BLOCKS_MAX + 1][32]; /* SHA-256 of the stored block bytes */
    uint32_t block_txs[ST_BLOCKS_MAX + 1];
    int has_commit;
    ledger_commit last_commit; /* the commit of block `height` */
} st_chain;

/* The block being built: its transactions and everything the store is given. */
typedef struct st_block {
    ledger_header header;
    uint8_t hash[32];
    uint8_t *bytes;
    size_t bytes_len;
    ledger_commit commit;
    uint8_t commit_bytes[LEDGER_COMMIT_BYTES_MAX];
    size_t commit_len;
    uint32_t txs_len;
    uint8_t tx_buf[ST_TXS_MAX][LEDGER_TX_BYTES_MAX];
    const uint8_t *tx_ptr[ST_TXS_MAX];
    uint16_t tx_lens[ST_TXS_MAX];
    uint8_t tx_hashes[ST_TXS_MAX][32];
    uint8_t tx_from[ST_TXS_MAX][32];
    uint8_t tx_to[ST_TXS_MAX][32];
} st_block;

static st_chain chain;
static st_block blk;
/* Evidence the next st_build puts in its block (in key order); st_commit clears it. */
static ledger_evidence st_ev[4];
static uint16_t st_ev_len;

static chr_err st_load(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    st_chain *c = ctx;
    return ledger_store_account(c->read, addr, out, NULL);
}

static chr_err st_trie_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                            uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                            uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    st_chain *c = ctx;
    return ledger_store_trie_seek(c->read, from, id_out, val, val_len);
}

/* Removes dir's files, then dir. */
static void st_remove_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char path[80 + sizeof(e->d_name) + 2];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* A store's directory: its files and its index's (<dir>/index). */
static void st_remove_dir(const char *dir)
{
    char index[80];
    snprintf(index, sizeof(index), "%s/index", dir);
    st_remove_files(index);
    st_remove_files(dir);
}

static chr_err st_setup(st_chain *c, size_t map_size)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->dir, sizeof(c->dir), "/tmp/chroom-store-XXXXXX");
    if (mkdtemp(c->dir) == NULL) {
        c->dir[0] = '\0';
        return CHR_ERR_IO;
    }
    for (uint32_t i = 0; i < ST_ACCOUNTS; i++) {
        ltest_key(c->sk[i], c->pk[i], 400 + i);
    }
    ltest_key(c->val_sk, c->val_pk, 499);
    chr_sha256_hash(c->genesis_hash, (const uint8_t *)ST_CHAIN, strlen(ST_CHAIN));
    chr_err err = ledger_overlay_new(&c->overlay, 2 * ST_TXS_MAX + 1, st_load, c);
    ledger_trie_source src = {c, st_trie_seek};
    err = err ? err : ledger_trie_new(&c->trie, src, 1u << 16);
    return err != CHR_OK ? err : ledger_store_open(&c->store, c->dir, map_size);
}

static chr_err st_genesis(st_chain *c)
{
    uint64_t balances[ST_ACCOUNTS];
    for (size_t i = 0; i < ST_ACCOUNTS; i++) {
        balances[i] = ST_GENESIS_BALANCE;
    }
    chr_err err =
        ledger_store_init_genesis(c->store, ST_CHAIN, c->genesis_hash, (const uint8_t(*)[32])c->pk,
                                  balances, ST_ACCOUNTS, NULL);
    /* The trie opens on the rows genesis wrote, whose root is the accounts' root. */
    ledger_smt *ref;
    err = err ? err : ledger_smt_new(&ref, ST_ACCOUNTS);
    for (size_t i = 0; i < ST_ACCOUNTS && err == CHR_OK; i++) {
        ledger_account a = {ST_GENESIS_BALANCE, 0};
        uint8_t vh[32];
        ledger_account_hash(vh, &a);
        err = ledger_smt_set(ref, c->pk[i], vh);
    }
    if (err == CHR_OK) {
        uint8_t root[32];
        ledger_smt_root(ref, root);
        ledger_smt_free(ref);
        err = ledger_store_read_begin(c->store, &c->read);
        err = err ? err : ledger_trie_open(c->trie, root);
        ledger_store_read_end(c->read);
        c->read = NULL;
    }
    return err;
}

static void st_teardown(st_chain *c)
{
    ledger_store_read_end(c->read);
    ledger_store_close(c->store);
    ledger_overlay_free(c->overlay);
    ledger_trie_free(c->trie);
    free(blk.bytes);
    blk.bytes = NULL;
    if (c->dir[0] != '\0') {
        st_remove_dir(c->dir);
    }
    c->read = NULL;
    c->store = NULL;
    c->overlay = NULL;
    c->trie = NULL;
}

/* When set, st_build calls it after the block's transactions, before its state root: the
 * object changes of a test's block, made in c->overlay's attached table. */
static chr_err (*st_objects_step)(st_chain *c, uint64_t height);

/* Account a's i-th transfer of block `height` goes to account (a + 1) mod ST_ACCOUNTS. */
static uint32_t st_from_of(uint64_t height, uint32_t i)
{
    return (uint32_t)((height + i) % ST_ACCOUNTS);
}

/* Builds block c->height + 1 with txs_len transfers (memos of memo_len bytes), applying
 * them to the overlay against the committed state. */
static chr_err st_build(st_chain *c, uint32_t txs_len, size_t memo_len)
{
    uint64_t height = c->height + 1;
    uint8_t memo[LEDGER_MEMO_MAX];
    memset(memo, 'z', sizeof(memo));
    free(blk.bytes);
    memset(&blk, 0, sizeof(blk));
    ledger_overlay_reset(c->overlay);
    chr_err err = ledger_store_read_begin(c->store, &c->read);
    for (uint32_t i = 0; i < txs_len && err == CHR_OK; i++) {
        uint32_t from = st_from_of(height, i);
        uint32_t to = (from + 1) % ST_ACCOUNTS;
        ledger_account a;
        err = ledger_overlay_get(c->overlay, c->pk[from], &a);
        ledger_tx tx;
        err = err ? err
                  : ledger_tx_init(&tx, LEDGER_TX_TRANSFER, ST_CHAIN, c->pk[from], a.nonce, ST_FEE,
                                   0, memo, memo_len);
        if (err != CHR_OK) {
            break;
        }
        memcpy(tx.body.transfer.to, c->pk[to], 32);
        tx.body.transfer.amount = 1 + height * 100 + i;
        ltest_sign_tx(&tx, c->sk[from]);
        char detail[128];
        size_t len = 0;
        err = ledger_tx_apply(c->overlay, &tx, height, c->val_pk, detail, sizeof(detail));
        err = err ? err : ledger_tx_encode(&tx, blk.tx_buf[i], sizeof(blk.tx_buf[i]), &len);
        blk.tx_ptr[i] = blk.tx_buf[i];
        blk.tx_lens[i] = (uint16_t)len;
        ledger_tx_hash(&tx, blk.tx_hashes[i]);
        memcpy(blk.tx_from[i], c->pk[from], 32);
        memcpy(blk.tx_to[i], c->pk[to], 32);
    }
    if (err == CHR_OK && st_objects_step != NULL) {
        err = st_objects_step(c, height);
    }
    ledger_trie_rollback(c->trie); /* a block that was not stored */
    err = err ? err : ledger_overlay_trie_apply(c->trie, c->overlay);
    ledger_store_read_end(c->read);
    c->read = NULL;
    if (err != CHR_OK) {
        return err;
    }
    blk.txs_len = txs_len;
    ledger_header *h = &blk.header;
    h->chain_id_len = (uint8_t)strlen(ST_CHAIN);
    memcpy(h->chain_id, ST_CHAIN, h->chain_id_len);
    h->height = height;
    h->time_ms = 1700000000000ULL + height * 1000;
    memcpy(h->prev_hash, height == 1 ? c->genesis_hash : c->block_hash[c->height], 32);
    if (c->has_commit) {
        ledger_commit_hash(&c->last_commit, h->last_commit_hash);
    }
    h->tx_count = txs_len;
    memcpy(h->proposer, c->val_pk, 32);
    ledger_trie_root(c->trie, h->state_root); /* proofs read it */
    err = ledger_tx_root(h->tx_root, blk.tx_ptr, blk.tx_lens, txs_len);
    err = err ? err : ledger_evidence_root(h->evidence_root, st_ev, st_ev_len);
    err = err ? err
              : ledger_block_encode(&blk.bytes, &blk.bytes_len, h,
                                    c->has_commit ? &c->last_commit : NULL, blk.tx_ptr, blk.tx_lens,
                                    txs_len, st_ev, st_ev_len);
    if (err != CHR_OK) {
        return err;
    }
    ledger_header_hash(h, blk.hash);
    /* The validator's precommit is this block's commit. */
    uint8_t msg[32];
    uint8_t aux[32] = {0};
    ledger_vote_sighash(msg, ST_CHAIN, LEDGER_VOTE_PRECOMMIT, height, 0, blk.hash);
    blk.commit.height = height;
    memcpy(blk.commit.block_hash, blk.hash, 32);
    blk.commit.sigs_len = 1;
    memcpy(blk.commit.sigs[0].validator, c->val_pk, 32);
    err = ledger_signer_sign(ltest_signer(), blk.commit.sigs[0].sig, msg, c->val_sk, aux);
    return err ? err
               : ledger_commit_encode(&blk.commit, blk.commit_bytes, sizeof(blk.commit_bytes),
                                      &blk.commit_len);
}

/* Writes the built block; on success records it as the new tip. */
static chr_err st_commit(st_chain *c)
{
    ledger_store_write w = {
        .header = &blk.header,
        .hash = blk.hash,
        .bytes = blk.bytes,
        .bytes_len = blk.bytes_len,
        .commit = blk.commit_bytes,
        .commit_len = blk.commit_len,
        .txs_len = blk.txs_len,
        .tx_hashes = (const uint8_t(*)[32])blk.tx_hashes,
        .tx_from = (const uint8_t(*)[32])blk.tx_from,
        .tx_to = (const uint8_t(*)[32])blk.tx_to,
        .changes = c->overlay,
        .evidence = st_ev,
        .evidence_len = st_ev_len,
        .trie = c->trie,
    };
    chr_err err = ledger_store_commit_block(c->store, &w);
    st_ev_len = 0;
    if (err == CHR_OK) {
        ledger_trie_release(c->trie);
        c->height++;
        c->txs_total += blk.txs_len;
        memcpy(c->block_hash[c->height], blk.hash, 32);
        chr_sha256_hash(c->block_digest[c->height], blk.bytes, blk.bytes_len);
        c->block_txs[c->height] = blk.txs_len;
        c->last_commit = blk.commit;
        c->has_commit = 1;
    }
    return err;
}

/* Each test account's value hash at the store's tip, into out. */
static chr_err st_account_hashes(st_chain *c, uint8_t out[ST_ACCOUNTS][32])
{
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    for (size_t i = 0; i < ST_ACCOUNTS && err == CHR_OK; i++) {
        ledger_account a;
        err = ledger_store_account(r, c->pk[i], &a, NULL);
        ledger_account_hash(out[i], &a);
    }
    ledger_store_read_end(r);
    return err;
}

static chr_err st_sum(void *ctx, const uint8_t addr[32], const ledger_account *a)
{
    (void)addr;
    uint64_t *sum = ctx;
    return chr_add_u64(sum, *sum, a->balance);
}

/* Checks everything committed so far against what was recorded: meta, every block, its
 * hash index and commit, and the total supply. 1 when all agree. */
static int st_verify_all(st_chain *c)
{
    ledger_store_read *r;
    if (ledger_store_read_begin(c->store, &r) != CHR_OK) {
        return 0;
    }
    c->read = r;
    ledger_store_meta meta;
    int ok = ledger_store_meta_get(r, &meta) == CHR_OK && meta.height == c->height &&
             meta.txs_total == c->txs_total && strcmp(meta.chain_id, ST_CHAIN) == 0 &&
             memcmp(meta.genesis_hash, c->genesis_hash, 32) == 0;
    for (uint64_t h = 1; ok && h <= c->height; h++) {
        const uint8_t *bytes;
        size_t len;
        uint8_t digest[32];
        uint64_t at;
        ok = ledger_store_block(r, h, &bytes, &len) == CHR_OK;
        if (ok) {
            chr_sha256_hash(digest, bytes, len);
            ok = memcmp(digest, c->block_digest[h], 32) == 0;
        }
        ok = ok && ledger_store_block_height(r, c->block_hash[h], &at) == CHR_OK && at == h;
        ledger_block b;
        if (ok && ledger_block_decode(&b, bytes, len) == CHR_OK) {
            uint8_t hh[32];
            ledger_header_hash(&b.header, hh);
            ok = memcmp(hh, c->block_hash[h], 32) == 0 && b.txs_len == c->block_txs[h];
            ledger_block_free(&b);
        } else {
            ok = 0;
        }
        ledger_commit commit;
        ok = ok && ledger_store_commit(r, h, &bytes, &len) == CHR_OK &&
             ledger_commit_decode(&commit, bytes, len) == CHR_OK && commit.height == h &&
             memcmp(commit.block_hash, c->block_hash[h], 32) == 0;
    }
    uint64_t sum = 0;
    ok = ok && ledger_store_accounts_foreach(r, st_sum, &sum) == CHR_OK &&
         sum == ST_ACCOUNTS * ST_GENESIS_BALANCE;
    ledger_store_read_end(r);
    c->read = NULL;
    return ok;
}

static void store_round_trip_body(st_chain *c)
{
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    ledger_store_meta meta;
    CHECK(ledger_store_meta_get(c->read, &meta) == CHR_ERR_NOT_FOUND);
    ledger_store_read_end(c->read);
    c->read = NULL;
    CHECK_OK(st_genesis(c));
    CHECK(st_verify_all(c));
    enum { BLOCKS = 6, TXS = 4 };
    for (int i = 0; i < BLOCKS; i++) {
        CHECK_OK(st_build(c, TXS, 20));
        CHECK_OK(st_commit(c));
    }
    CHECK(st_verify_all(c));

    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    ledger_store_read *r = c->read;
    /* Every transaction of the last block is found at its position. */
    for (uint32_t i = 0; i < blk.txs_len; i++) {
        ledger_store_txinfo info;
        CHECK_OK(ledger_store_tx(r, blk.tx_hashes[i], &info));
        CHECK(info.height == BLOCKS && info.index == i);
    }
    uint8_t unknown[32];
    memset(unknown, 0x77, sizeof(unknown));
    ledger_store_txinfo info;
    CHECK(ledger_store_tx(r, unknown, &info) == CHR_ERR_NOT_FOUND);
    uint64_t at;
    CHECK(ledger_store_block_height(r, unknown, &at) == CHR_ERR_NOT_FOUND);
    const uint8_t *bytes;
    size_t len;
    CHECK(ledger_store_block(r, BLOCKS + 1, &bytes, &len) == CHR_ERR_NOT_FOUND);
    CHECK(ledger_store_commit(r, 0, &bytes, &len) == CHR_ERR_NOT_FOUND);

    /* Accounts: each sent and received BLOCKS * TXS / ST_ACCOUNTS times over; the
     * validator holds the fees; a stranger is zero and not found. */
    uint64_t balances = 0;
    uint64_t nonces = 0;
    for (uint32_t i = 0; i < ST_ACCOUNTS; i++) {
        ledger_account a;
        int found = 0;
        CHECK_OK(ledger_store_account(r, c->pk[i], &a, &found));
        CHECK(found);
        balances += a.balance;
        nonces += a.nonce;
    }
    ledger_account v;
    int found = 0;
    CHECK_OK(ledger_store_account(r, c->val_pk, &v, &found));
    CHECK(found && v.balance == (uint64_t)BLOCKS * TXS * ST_FEE && v.nonce == 0);
    CHECK(balances + v.balance == ST_ACCOUNTS * ST_GENESIS_BALANCE);
    CHECK(nonces == BLOCKS * TXS);
    CHECK_OK(ledger_store_account(r, unknown, &v, &found));
    CHECK(!found && v.balance == 0 && v.nonce == 0);

    /* History of account 0, newest first, against the schedule of st_from_of. */
    ledger_history_entry all[2 * BLOCKS * TXS];
    size_t n;
    CHECK_OK(ledger_store_history(r, c->pk[0], UINT64_MAX, 0, all, 2 * BLOCKS * TXS, &n));
    size_t want = 0;
    for (uint64_t h = BLOCKS; h >= 1; h--) {
        for (uint32_t i = TXS; i-- > 0;) {
            uint32_t from = st_from_of(h, i);
            int sent = from == 0;
            int received = (from + 1) % ST_ACCOUNTS == 0;
            if (sent || received) {
                CHECK(want < n && all[want].height == h && all[want].index == i);
                CHECK(all[want].sent == sent);
                want++;
            }
        }
    }
    CHECK(n == want && n > 4);
    /* The newest block's entries carry its transaction hashes. */
    for (size_t k = 0; k < n && all[k].height == BLOCKS; k++) {
        CHECK(memcmp(all[k].tx_hash, blk.tx_hashes[all[k].index], 32) == 0);
    }
    /* Pages of 2, each strictly older than the last entry of the one before. */
    ledger_history_entry page[2];
    size_t got = 0;
    uint64_t before_h = UINT64_MAX;
    uint32_t before_i = 0;
    for (int guard = 0; guard < 100; guard++) {
        size_t pn;
        CHECK_OK(ledger_store_history(r, c->pk[0], before_h, before_i, page, 2, &pn));
        if (pn == 0) {
            break;
        }
        for (size_t k = 0; k < pn; k++) {
            CHECK(got + k < n);
            const ledger_history_entry *w = &all[got + k];
            CHECK(page[k].height == w->height && page[k].index == w->index);
            CHECK(page[k].sent == w->sent && memcmp(page[k].tx_hash, w->tx_hash, 32) == 0);
        }
        got += pn;
        before_h = page[pn - 1].height;
        before_i = page[pn - 1].index;
    }
    CHECK(got == n);
    CHECK_OK(ledger_store_history(r, unknown, UINT64_MAX, 0, page, 2, &n));
    CHECK(n == 0);
    CHECK_OK(ledger_store_history(r, c->pk[0], 1, 0, page, 2, &n));
    CHECK(n == 0);
    ledger_store_read_end(r);
    c->read = NULL;

    /* Closed and opened again, everything is still there and the chain goes on. */
    ledger_store_close(c->store);
    c->store = NULL;
    CHECK_OK(ledger_store_open(&c->store, c->dir, 64u << 20));
    CHECK(st_verify_all(c));
    CHECK_OK(st_build(c, TXS, 0));
    CHECK_OK(st_commit(c));
    CHECK(st_verify_all(c));
}

void test_store_blocks_round_trip(void)
{
    /* In a fresh directory: genesis, then blocks built with the ledger API; meta, blocks
     * (by height and hash), commits, transactions, accounts and history (newest first,
     * paginated) read back as written, the supply is whole, and all of it survives closing
     * and reopening the store. The directory is removed afterwards. */
    CHECK_OK(chr_hash_init());
    store_round_trip_body(&chain);
    char dir[64];
    snprintf(dir, sizeof(dir), "%s", chain.dir);
    st_teardown(&chain);
    CHECK(dir[0] != '\0' && access(dir, F_OK) != 0);
}

#define ST_SMALL_MAP (256u * 1024)

static void store_map_full_body(st_chain *c)
{
    CHECK_OK(st_setup(c, ST_SMALL_MAP));
    CHECK_OK(st_genesis(c));
    size_t map = ledger_store_map_size(c->store);
    CHECK(map >= ST_SMALL_MAP);
    chr_err err = CHR_OK;
    while (c->height < ST_BLOCKS_MAX) {
        CHECK_OK(st_build(c, ST_TXS_MAX, 200));
        err = st_commit(c);
        if (err != CHR_OK) {
            break;
        }
    }
    CHECK(err == CHR_ERR_MAP_FULL);
    uint64_t full_at = c->height + 1;
    printf("# store: map of %zu bytes full at block %llu (%zu bytes in use)\n", map,
           (unsigned long long)full_at, ledger_store_used_bytes(c->store));
    CHECK(full_at > 2);
    /* Nothing of the refused block was written. */
    CHECK(st_verify_all(c));
    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    ledger_store_txinfo info;
    CHECK(ledger_store_tx(c->read, blk.tx_hashes[0], &info) == CHR_ERR_NOT_FOUND);
    CHECK(ledger_store_tx(c->read, blk.tx_hashes[blk.txs_len - 1], &info) == CHR_ERR_NOT_FOUND);
    const uint8_t *bytes;
    size_t len;
    CHECK(ledger_store_block(c->read, full_at, &bytes, &len) == CHR_ERR_NOT_FOUND);
    CHECK(ledger_store_commit(c->read, full_at, &bytes, &len) == CHR_ERR_NOT_FOUND);
    uint64_t at;
    CHECK(ledger_store_block_height(c->read, blk.hash, &at) == CHR_ERR_NOT_FOUND);
    for (size_t i = 0; i < ledger_overlay_len(c->overlay); i++) {
        const uint8_t *addr;
        ledger_account changed;
        ledger_account stored;
        ledger_overlay_at(c->overlay, i, &addr, &changed);
        CHECK_OK(ledger_store_account(c->read, addr, &stored, NULL));
        CHECK(stored.nonce != changed.nonce || stored.balance != changed.balance);
    }
    ledger_store_read_end(c->read);
    c->read = NULL;

    /* Grown to double, the same write goes through and nothing earlier is lost. */
    CHECK_OK(ledger_store_grow(c->store, 2 * map));
    CHECK(ledger_store_map_size(c->store) == 2 * map);
    CHECK_OK(st_commit(c));
    CHECK(c->height == full_at);
    CHECK(st_verify_all(c));
    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    CHECK_OK(ledger_store_tx(c->read, blk.tx_hashes[blk.txs_len - 1], &info));
    CHECK(info.height == full_at && info.index == blk.txs_len - 1);
    for (size_t i = 0; i < ledger_overlay_len(c->overlay); i++) {
        const uint8_t *addr;
        ledger_account changed;
        ledger_account stored;
        ledger_overlay_at(c->overlay, i, &addr, &changed);
        CHECK_OK(ledger_store_account(c->read, addr, &stored, NULL));
        CHECK(stored.nonce == changed.nonce && stored.balance == changed.balance);
    }
    ledger_store_read_end(c->read);
    c->read = NULL;
    CHECK(ledger_store_used_bytes(c->store) <= ledger_store_map_size(c->store));

    /* Reopened with the small size asked for again, the data is intact. */
    ledger_store_close(c->store);
    c->store = NULL;
    CHECK_OK(ledger_store_open(&c->store, c->dir, ST_SMALL_MAP));
    CHECK(ledger_store_map_size(c->store) >= ledger_store_used_bytes(c->store));
    CHECK(st_verify_all(c));
}

void test_store_map_full_then_grow(void)
{
    /* With a tiny map, committing blocks ends in CHR_ERR_MAP_FULL, and that block left no
     * trace (height, block, commit, hash index, transactions and accounts unchanged);
     * after ledger_store_grow to double the map the same write succeeds and all earlier
     * data is intact, also after reopening. The directory is removed afterwards. */
    CHECK_OK(chr_hash_init());
    store_map_full_body(&chain);
    char dir[64];
    snprintf(dir, sizeof(dir), "%s", chain.dir);
    st_teardown(&chain);
    CHECK(dir[0] != '\0' && access(dir, F_OK) != 0);
}

/* Evidence of validator key `key` at (height, round): two prevotes for blocks a < b. */
static void st_evidence(ledger_evidence *ev, uint32_t key, uint64_t height, uint32_t round,
                        uint8_t a, uint8_t b)
{
    ltest_evidence(ev, ST_CHAIN, key, LEDGER_VOTE_PREVOTE, height, round, a, b);
}

static void store_evidence_body(st_chain *c)
{
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    CHECK_OK(st_build(c, 2, 0));
    CHECK_OK(st_commit(c));
    /* Block 2 carries two offences of validator 600 and one of validator 601. */
    ledger_evidence evs[3];
    st_evidence(&evs[0], 600, 1, 0, 0x00, 0x11);
    st_evidence(&evs[1], 600, 1, 3, 0x22, 0x33);
    st_evidence(&evs[2], 601, 1, 0, 0x44, 0x55);
    uint8_t k0[LEDGER_EVIDENCE_KEY_BYTES], k1[LEDGER_EVIDENCE_KEY_BYTES],
        k2[LEDGER_EVIDENCE_KEY_BYTES];
    ledger_evidence_key(&evs[0], k0);
    ledger_evidence_key(&evs[1], k1);
    ledger_evidence_key(&evs[2], k2);
    /* Keys in order: sort the three by key for the block. */
    ledger_evidence sorted[3];
    const uint8_t *keys[3] = {k0, k1, k2};
    size_t order[3] = {0, 1, 2};
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = i + 1; j < 3; j++) {
            if (memcmp(keys[order[j]], keys[order[i]], LEDGER_EVIDENCE_KEY_BYTES) < 0) {
                size_t t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
    }
    for (size_t i = 0; i < 3; i++) {
        sorted[i] = evs[order[i]];
        st_ev[i] = sorted[i];
    }
    st_ev_len = 3;
    CHECK_OK(st_build(c, 1, 0));
    CHECK_OK(st_commit(c));

    /* The stored block decodes with its evidence, in order. */
    ledger_store_read *r;
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    const uint8_t *bytes;
    size_t len;
    CHECK_OK(ledger_store_block(r, 2, &bytes, &len));
    ledger_block b;
    CHECK_OK(ledger_block_decode(&b, bytes, len));
    int same = b.evidence_len == 3;
    for (size_t i = 0; same && i < 3; i++) {
        same = memcmp(&b.evidence[i], &sorted[i], sizeof(sorted[i])) == 0;
    }
    ledger_block_free(&b);
    CHECK(same);

    /* Each offence is found by its key, with the block and place that carry it. */
    ledger_store_evidence_row row;
    for (size_t i = 0; i < 3; i++) {
        uint8_t k[LEDGER_EVIDENCE_KEY_BYTES];
        ledger_evidence_key(&sorted[i], k);
        CHECK_OK(ledger_store_evidence(r, k, &row));
        CHECK(row.height == 2 && row.index == i);
        CHECK(memcmp(&row.evidence, &sorted[i], sizeof(row.evidence)) == 0);
    }
    /* Another round, type or height of the same validator is another offence. */
    uint8_t other[LEDGER_EVIDENCE_KEY_BYTES];
    memcpy(other, k0, sizeof(other));
    other[44] = LEDGER_VOTE_PRECOMMIT;
    CHECK(ledger_store_evidence(r, other, &row) == CHR_ERR_NOT_FOUND);
    other[44] = LEDGER_VOTE_PREVOTE;
    other[39] ^= 1; /* height 1 -> 0 */
    CHECK(ledger_store_evidence(r, other, &row) == CHR_ERR_NOT_FOUND);

    /* Listing newest first by place: block 2's three from the last, by pages. */
    ledger_store_evidence_row rows[4];
    size_t n;
    CHECK_OK(ledger_store_evidence_recent(r, UINT64_MAX, UINT32_MAX, rows, 4, &n));
    CHECK(n == 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK(rows[i].height == 2 && rows[i].index == 2 - i);
        CHECK(memcmp(&rows[i].evidence, &sorted[2 - i], sizeof(sorted[0])) == 0);
    }
    CHECK_OK(ledger_store_evidence_recent(r, UINT64_MAX, UINT32_MAX, rows, 2, &n));
    CHECK(n == 2 && rows[1].index == 1);
    CHECK_OK(ledger_store_evidence_recent(r, 2, 1, rows, 4, &n));
    CHECK(n == 1 && rows[0].index == 0);
    CHECK_OK(ledger_store_evidence_recent(r, 2, 0, rows, 4, &n));
    CHECK(n == 0);
    CHECK_OK(ledger_store_evidence_recent(r, 1, 5, rows, 4, &n));
    CHECK(n == 0);
    ledger_store_read_end(r);
    c->read = NULL;
}

void test_store_evidence_rows(void)
{
    /* Evidence in a committed block is stored by the offence's key (validator, height,
     * round, type), found again with the block and index that carry it, and listed newest
     * first by its place in the chain, by pages. */
    CHECK_OK(chr_hash_init());
    store_evidence_body(&chain);
    st_teardown(&chain);
    st_ev_len = 0;
}

/* ---- The index: rows in memory (the tail) and in <dir>/index. ---- */

/* Every committed transaction's hash, by height and index, for the index tests. */
static uint8_t st_hashes[ST_BLOCKS_MAX + 1][ST_TXS_MAX][32];

static chr_err st_commit_kept(st_chain *c)
{
    chr_err err = st_commit(c);
    if (err == CHR_OK) {
        memcpy(st_hashes[c->height], blk.tx_hashes, sizeof(st_hashes[0]));
    }
    return err;
}

/* Account acct's history up to height `upto`, newest first, from the schedule of
 * st_from_of: what ledger_store_history must answer. */
static size_t st_expected_history(const st_chain *c, uint32_t acct, uint64_t upto,
                                  ledger_history_entry *out, size_t cap)
{
    size_t n = 0;
    for (uint64_t h = upto; h >= 1; h--) {
        for (uint32_t i = c->block_txs[h]; i-- > 0;) {
            uint32_t from = st_from_of(h, i);
            for (int sent = 1; sent >= 0; sent--) {
                int mine = sent ? from == acct : (from + 1) % ST_ACCOUNTS == acct;
                if (mine && n < cap) {
                    out[n] = (ledger_history_entry){.height = h, .index = i, .sent = (uint8_t)sent};
                    memcpy(out[n].tx_hash, st_hashes[h][i], 32);
                    n++;
                }
            }
        }
    }
    return n;
}

static int st_entry_eq(const ledger_history_entry *a, const ledger_history_entry *b)
{
    return a->height == b->height && a->index == b->index && a->sent == b->sent &&
           memcmp(a->tx_hash, b->tx_hash, 32) == 0;
}

/* 1 when r answers account acct's history up to `upto` exactly, whole and in pages of
 * `page` entries, and finds every transaction up to `upto` and none above it. */
static int st_index_agrees(const st_chain *c, ledger_store_read *r, uint32_t acct, uint64_t upto,
                           size_t page)
{
    enum { CAP = 2 * ST_BLOCKS_MAX * ST_TXS_MAX };
    static ledger_history_entry want[CAP], got[CAP];
    size_t wn = st_expected_history(c, acct, upto, want, CAP);
    size_t gn = 0;
    int ok =
        ledger_store_history(r, c->pk[acct], UINT64_MAX, 0, got, CAP, &gn) == CHR_OK && gn == wn;
    for (size_t k = 0; ok && k < wn; k++) {
        ok = st_entry_eq(&want[k], &got[k]);
    }
    /* Paged: each page strictly older than the last entry of the one before. */
    size_t seen = 0;
    uint64_t bh = UINT64_MAX;
    uint32_t bi = 0;
    for (int guard = 0; ok && guard < CAP; guard++) {
        size_t pn;
        ok = ledger_store_history(r, c->pk[acct], bh, bi, got, page, &pn) == CHR_OK;
        if (!ok || pn == 0) {
            break;
        }
        for (size_t k = 0; ok && k < pn; k++) {
            ok = seen + k < wn && st_entry_eq(&want[seen + k], &got[k]);
        }
        seen += pn;
        bh = got[pn - 1].height;
        bi = got[pn - 1].index;
    }
    ok = ok && seen == wn;
    for (uint64_t h = 1; ok && h <= c->height; h++) {
        for (uint32_t i = 0; ok && i < c->block_txs[h]; i++) {
            ledger_store_txinfo info;
            chr_err err = ledger_store_tx(r, st_hashes[h][i], &info);
            ok = h <= upto ? err == CHR_OK && info.height == h && info.index == i
                           : err == CHR_ERR_NOT_FOUND;
        }
    }
    return ok;
}

static void store_index_body(st_chain *c)
{
    enum { TXS = 6 };
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    for (int i = 0; i < 3; i++) {
        CHECK_OK(st_build(c, TXS, 0));
        CHECK_OK(st_commit_kept(c));
    }
    /* Nothing indexed yet: the rows are answered from memory. */
    CHECK(ledger_store_indexed_height(c->store) == 0);
    ledger_store_read *old;
    CHECK_OK(ledger_store_read_begin(c->store, &old));
    c->read = old;
    CHECK(st_index_agrees(c, old, 0, 3, 2));
    CHECK_OK(ledger_store_index(c->store));
    CHECK(ledger_store_indexed_height(c->store) == 3);
    CHECK(st_index_agrees(c, old, 0, 3, 3));
    for (int i = 0; i < 3; i++) {
        CHECK_OK(st_build(c, TXS, 0));
        CHECK_OK(st_commit_kept(c));
    }
    /* Three blocks indexed, three in memory: one answer, whatever the page size; the
     * older reader still sees its own height only. */
    ledger_store_read *r;
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    for (uint32_t acct = 0; acct < 3; acct++) {
        for (size_t page = 1; page <= 4; page++) {
            CHECK(st_index_agrees(c, r, acct, 6, page));
        }
    }
    CHECK(st_index_agrees(c, old, 1, 3, 1));
    /* Indexed while both readers are open: nothing moves, nothing doubles. */
    CHECK_OK(ledger_store_index(c->store));
    CHECK(ledger_store_indexed_height(c->store) == 6);
    CHECK(st_index_agrees(c, r, 2, 6, 3));
    CHECK(st_index_agrees(c, old, 2, 3, 3));
    ledger_store_read_end(r);
    ledger_store_read_end(old);
    c->read = NULL;

    /* The indexer thread keeps up with blocks while readers look; closing lets it finish,
     * so the reopened store needs no indexing. */
    CHECK_OK(ledger_store_indexer_start(c->store));
    for (int i = 0; i < 12; i++) {
        CHECK_OK(st_build(c, TXS, 0));
        CHECK_OK(st_commit_kept(c));
        CHECK_OK(ledger_store_read_begin(c->store, &r));
        c->read = r;
        CHECK(st_index_agrees(c, r, (uint32_t)i % ST_ACCOUNTS, c->height, 5));
        ledger_store_read_end(r);
        c->read = NULL;
    }
    ledger_store_close(c->store);
    c->store = NULL;
    CHECK_OK(ledger_store_open(&c->store, c->dir, 64u << 20));
    CHECK(ledger_store_indexed_height(c->store) == c->height);

    /* Blocks committed and never indexed (a crash before the indexer's commit) are
     * indexed when the store opens. */
    CHECK_OK(st_build(c, TXS, 0));
    CHECK_OK(st_commit_kept(c));
    ledger_store_close(c->store);
    c->store = NULL;
    CHECK_OK(ledger_store_open(&c->store, c->dir, 64u << 20));
    CHECK(ledger_store_indexed_height(c->store) == c->height);
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    CHECK(st_index_agrees(c, r, 3, c->height, 4));
    ledger_store_read_end(r);
    c->read = NULL;

    /* A lost index is rebuilt from the blocks. */
    ledger_store_close(c->store);
    c->store = NULL;
    char index[80];
    snprintf(index, sizeof(index), "%s/index", c->dir);
    st_remove_files(index);
    CHECK(access(index, F_OK) != 0);
    CHECK_OK(ledger_store_open(&c->store, c->dir, 64u << 20));
    CHECK(ledger_store_indexed_height(c->store) == c->height);
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    CHECK(st_index_agrees(c, r, 4, c->height, 7));
    ledger_store_read_end(r);
    c->read = NULL;
}

void test_store_index_tail_and_rebuild(void)
{
    /* Transactions by hash and history come from memory before the index has them and
     * from <dir>/index after, with one answer either way: whole, paged by 1 to 7, for a
     * reader opened before later blocks (which sees none of them) and across an indexing
     * that happens while readers are open. The indexer thread keeps up; a store closed
     * with blocks not indexed, or with its index deleted, is indexed on opening. */
    CHECK_OK(chr_hash_init());
    store_index_body(&chain);
    st_teardown(&chain);
}

/* 1 when dbi of c's index environment holds under key (klen bytes) the raw row of block
 * h's transaction i: pre_len bytes of pre, then the place of its bytes with the sent bit. */
static int st_raw_row(st_chain *c, MDB_txn *txn, MDB_dbi dbi, const uint8_t *k, size_t klen,
                      const uint8_t *pre, size_t pre_len, uint64_t h, uint32_t i, uint8_t sent)
{
    const uint8_t *block;
    size_t len;
    ledger_block b;
    if (ledger_store_block(c->read, h, &block, &len) != CHR_OK ||
        ledger_block_decode(&b, block, len) != CHR_OK) {
        return 0;
    }
    uint8_t hb[8];
    uint8_t ob[4];
    uint8_t want[8 + 10];
    uint8_t *row = want + pre_len;
    if (pre_len > 0) {
        memcpy(want, pre, pre_len);
    }
    chr_put_u64be(hb, h);
    memcpy(row, hb + 3, 5);
    row[5] = (uint8_t)((i << 1 | sent) >> 8);
    row[6] = (uint8_t)(i << 1 | sent);
    uint32_t offset = (uint32_t)(b.txs[i] - block);
    chr_put_u32be(ob, offset);
    memcpy(row + 7, ob + 1, 3);
    /* The block holds the length the row leaves out right before the bytes. */
    int len_before = offset >= 2 && (block[offset - 2] << 8 | block[offset - 1]) == b.tx_lens[i];
    ledger_block_free(&b);
    MDB_cursor *cur;
    MDB_val key = {klen, (void *)(uintptr_t)k};
    MDB_val val = {pre_len + 10, want};
    if (mdb_cursor_open(txn, dbi, &cur) != 0) {
        return 0;
    }
    int rc = mdb_cursor_get(cur, &key, &val, MDB_GET_BOTH);
    mdb_cursor_close(cur);
    return len_before && rc == 0 && val.mv_size == pre_len + 10 &&
           memcmp(val.mv_data, want, pre_len + 10) == 0;
}

static void store_index_rows_body(st_chain *c)
{
    enum { TXS = 6 };
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    for (int i = 0; i < 2; i++) {
        CHECK_OK(st_build(c, TXS, 0));
        CHECK_OK(st_commit_kept(c));
    }
    CHECK_OK(ledger_store_index(c->store));
    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    ledger_store *s = c->store;
    MDB_txn *txn;
    CHECK(mdb_txn_begin(s->ienv, NULL, MDB_RDONLY, &txn) == 0);
    unsigned flags = 0;
    CHECK(mdb_dbi_flags(txn, s->itxs, &flags) == 0 && flags == (MDB_DUPSORT | MDB_DUPFIXED));
    CHECK(mdb_dbi_flags(txn, s->ihistory, &flags) == 0 && flags == (MDB_DUPSORT | MDB_DUPFIXED));
    uint8_t format[8];
    chr_put_u64be(format, 4);
    MDB_val key = {6, (void *)(uintptr_t) "format"};
    MDB_val val;
    CHECK(mdb_get(txn, s->imeta, &key, &val) == 0 && val.mv_size == 8 &&
          memcmp(val.mv_data, format, 8) == 0);
    MDB_stat st;
    CHECK(mdb_stat(txn, s->itxs, &st) == 0 && st.ms_entries == 2 * TXS);
    CHECK(mdb_stat(txn, s->ihistory, &st) == 0 && st.ms_entries == 2 * 2 * TXS);
    for (uint64_t h = 1; h <= 2; h++) {
        for (uint32_t i = 0; i < TXS; i++) {
            uint32_t from = st_from_of(h, i);
            uint8_t zero = 0;
            CHECK(st_raw_row(c, txn, s->itxs, &zero, 1, st_hashes[h][i], 8, h, i, 0));
            CHECK(st_raw_row(c, txn, s->ihistory, c->pk[from], 8, NULL, 0, h, i, 1));
            uint32_t to = (from + 1) % ST_ACCOUNTS;
            CHECK(st_raw_row(c, txn, s->ihistory, c->pk[to], 8, NULL, 0, h, i, 0));
        }
    }
    mdb_txn_abort(txn);
    ledger_store_read_end(c->read);
    c->read = NULL;
}

void test_store_index_row_format(void)
{
    /* The index's rows (format 4): the 10 bytes u40 height | u16 index << 1 | sent | u24
     * offset that name a transaction's bytes in its block (which holds their length in
     * the two bytes before them), one for each party under its address's first 8 bytes,
     * and one after the hash's first 8 bytes in the transactions' one sorted set (key 0),
     * in tables of fixed-size duplicates; the index's metadata says format 4. */
    CHECK_OK(chr_hash_init());
    store_index_rows_body(&chain);
    st_teardown(&chain);
}

static void store_index_collide_body(st_chain *c)
{
    enum { TXS = 7 };
    CHECK_OK(st_setup(c, 64u << 20));
    c->store->index_key_bytes = 0; /* every row of either table under one key */
    CHECK_OK(st_genesis(c));
    ledger_store_read *old = NULL;
    for (int i = 0; i < 6; i++) {
        CHECK_OK(st_build(c, TXS, 0));
        CHECK_OK(st_commit_kept(c));
        if (i == 2) {
            CHECK_OK(ledger_store_index(c->store));
            CHECK_OK(ledger_store_read_begin(c->store, &old));
        }
    }
    CHECK_OK(ledger_store_index(c->store));
    ledger_store_read *r;
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    for (uint32_t acct = 0; acct < ST_ACCOUNTS; acct++) {
        CHECK(st_index_agrees(c, r, acct, 6, 1 + acct % 4));
    }
    if (old != NULL) {
        CHECK(st_index_agrees(c, old, 1, 3, 2));
        ledger_store_read_end(old);
    }
    /* Neither a transaction nor an address the chain never saw is answered from rows of
     * their key. */
    uint8_t unknown[32];
    memset(unknown, 0x77, sizeof(unknown));
    ledger_store_txinfo info;
    CHECK(ledger_store_tx(r, unknown, &info) == CHR_ERR_NOT_FOUND);
    const uint8_t *bytes;
    size_t len;
    CHECK(ledger_store_tx_read(r, unknown, &info, &bytes, &len) == CHR_ERR_NOT_FOUND);
    ledger_history_entry e[4];
    size_t n = 1;
    CHECK_OK(ledger_store_history(r, unknown, UINT64_MAX, 0, e, 4, &n));
    CHECK(n == 0);
    CHECK_OK(ledger_store_tx_read(r, st_hashes[5][3], &info, &bytes, &len));
    CHECK(info.height == 5 && info.index == 3);
    ledger_store_read_end(r);
    c->read = NULL;
}

void test_store_index_prefix_collisions(void)
{
    /* With every transaction and every address sharing one key (prefix collisions forced),
     * each lookup by hash and each history, whole or paged, is still exactly right, for a
     * current and an older reader; an unknown hash or address gets nothing. */
    CHECK_OK(chr_hash_init());
    store_index_collide_body(&chain);
    st_teardown(&chain);
}

static void store_index_parts_crash_body(st_chain *c)
{
    enum { TXS = 9 };
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    for (int i = 0; i < 6; i++) {
        CHECK_OK(st_build(c, TXS, 0));
        CHECK_OK(st_commit_kept(c));
        if (i == 2) {
            CHECK_OK(ledger_store_index(c->store));
        }
    }
    /* The write of blocks 4..6 stops after three of its parts: their rows are in the index
     * above its stored height, and in the tail. */
    c->store->index_parts_crash = 3;
    CHECK(ledger_store_index(c->store) == CHR_ERR_IO);
    CHECK(ledger_store_indexed_height(c->store) == 3);
    ledger_store_read *r;
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    for (uint32_t acct = 0; acct < ST_ACCOUNTS; acct++) {
        CHECK(st_index_agrees(c, r, acct, 6, 1 + acct % 5));
    }
    ledger_store_read_end(r);
    c->read = NULL;
    /* Reopened (the tail is lost, as in a crash), the blocks are indexed again over the
     * rows already written: each answer once. */
    c->store->index_parts_crash = 0;
    ledger_store_close(c->store);
    c->store = NULL;
    CHECK_OK(ledger_store_open(&c->store, c->dir, 64u << 20));
    CHECK(ledger_store_indexed_height(c->store) == 6);
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    for (uint32_t acct = 0; acct < ST_ACCOUNTS; acct++) {
        CHECK(st_index_agrees(c, r, acct, 6, 1 + acct % 5));
    }
    ledger_store_read_end(r);
    c->read = NULL;
    MDB_txn *txn;
    MDB_stat st;
    CHECK(mdb_txn_begin(c->store->ienv, NULL, MDB_RDONLY, &txn) == 0);
    CHECK(mdb_stat(txn, c->store->itxs, &st) == 0 && st.ms_entries == 6 * TXS);
    CHECK(mdb_stat(txn, c->store->ihistory, &st) == 0 && st.ms_entries == 2 * 6 * TXS);
    mdb_txn_abort(txn);
}

void test_store_index_parts_crash(void)
{
    /* The indexer commits a batch's rows part by part: stopped between two parts, every
     * lookup and history is still exactly right, from the tail; after a restart the batch
     * is indexed again over the rows already there, and nothing is doubled or missed. */
    CHECK_OK(chr_hash_init());
    store_index_parts_crash_body(&chain);
    st_teardown(&chain);
}

/* Blocks of ST_BIG_TXS made-up rows: the tail holds six such blocks, not seven. */
#define ST_BIG_TXS 20000u

static void st_big_row(uint64_t height, uint32_t i, uint8_t hash[32])
{
    uint8_t in[12];
    chr_put_u64be(in, height);
    chr_put_u32be(in + 8, i);
    chr_sha256_hash(hash, in, sizeof(in));
}

static void store_tail_full_body(st_chain *c)
{
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    uint8_t(*hashes)[32] = malloc(ST_BIG_TXS * 32);
    uint8_t(*from)[32] = malloc(ST_BIG_TXS * 32);
    uint8_t(*to)[32] = malloc(ST_BIG_TXS * 32);
    CHECK(hashes != NULL && from != NULL && to != NULL);
    enum { BLOCKS = 8 };
    for (uint64_t h = 1; h <= BLOCKS && hashes != NULL && from != NULL && to != NULL; h++) {
        CHECK_OK(st_build(c, 0, 0)); /* a real empty block carries the made-up rows */
        for (uint32_t i = 0; i < ST_BIG_TXS; i++) {
            st_big_row(h, i, hashes[i]);
            memcpy(from[i], c->pk[i % ST_ACCOUNTS], 32);
            memcpy(to[i], c->pk[(i + 1) % ST_ACCOUNTS], 32);
        }
        ledger_store_write w = {
            .header = &blk.header,
            .hash = blk.hash,
            .bytes = blk.bytes,
            .bytes_len = blk.bytes_len,
            .commit = blk.commit_bytes,
            .commit_len = blk.commit_len,
            .txs_len = ST_BIG_TXS,
            .tx_hashes = (const uint8_t(*)[32])hashes,
            .tx_from = (const uint8_t(*)[32])from,
            .tx_to = (const uint8_t(*)[32])to,
            .changes = c->overlay,
            .trie = c->trie,
        };
        CHECK_OK(ledger_store_commit_block(c->store, &w));
        c->height = h;
        memcpy(c->block_hash[h], blk.hash, 32);
        c->last_commit = blk.commit;
        c->has_commit = 1;
        /* With no indexer thread, the writer indexed inline once the tail was full. */
        uint64_t indexed = ledger_store_indexed_height(c->store);
        CHECK(h * ST_BIG_TXS <= LEDGER_STORE_TAIL_TXS_MAX ? indexed == 0 : indexed >= h - 2);
    }
    free(hashes);
    free(from);
    free(to);
    ledger_store_read *r;
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    c->read = r;
    /* Rows of the tail answer from memory, indexed ones from the index: these made-up rows
     * name no bytes in their blocks, so they are the damaged rows under their prefixes,
     * which ledger_store_tx answers (and ledger_store_tx_read would refuse). */
    uint64_t indexed = ledger_store_indexed_height(c->store);
    CHECK(indexed >= BLOCKS - 2 && indexed < BLOCKS);
    int found = 1;
    for (uint64_t h = 1; h <= BLOCKS && found; h++) {
        for (uint32_t i = 0; i < ST_BIG_TXS && found; i += 997) {
            uint8_t hash[32];
            ledger_store_txinfo info;
            st_big_row(h, i, hash);
            found =
                ledger_store_tx(r, hash, &info) == CHR_OK && info.height == h && info.index == i;
        }
    }
    CHECK(found);
    /* Account 0 sent every eighth row and received every eighth: newest first from the
     * tail, then the index's rows (refused, as above) right after the tail's last. */
    size_t want = 2 * (BLOCKS - indexed) * ST_BIG_TXS / ST_ACCOUNTS;
    ledger_history_entry *all = malloc((want + 1) * sizeof(*all));
    size_t n = 0;
    CHECK(all != NULL);
    if (all != NULL) {
        CHECK_OK(ledger_store_history(r, c->pk[0], UINT64_MAX, 0, all, want, &n));
        CHECK(n == want);
        int ordered = all[0].height == BLOCKS && all[n - 1].height == indexed + 1;
        for (size_t k = 1; k < n && ordered; k++) {
            ordered = all[k].height < all[k - 1].height ||
                      (all[k].height == all[k - 1].height && all[k].index < all[k - 1].index);
        }
        CHECK(ordered);
        CHECK(ledger_store_history(r, c->pk[0], all[n - 1].height, all[n - 1].index, all, 1, &n) ==
              CHR_ERR_STORE);
        free(all);
    }
    ledger_store_read_end(r);
    c->read = NULL;
}

void test_store_tail_full_indexes_inline(void)
{
    /* Blocks of 20,000 rows fill the in-memory tail after three; with no indexer thread
     * the writer then indexes inline, and every row is still found by hash, and in order in
     * the history up to the index's made-up rows (which name no bytes: refused). */
    CHECK_OK(chr_hash_init());
    store_tail_full_body(&chain);
    st_teardown(&chain);
}

/* As st_flip, for the row of transaction hash in the index's set of transactions (byte
 * `at` of prefix | row, at 8 or more so that the row stays in its place in the set). */
static void st_flip_tx_row(ledger_store *s, const uint8_t hash[32], size_t at)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    uint8_t key0 = 0;
    uint8_t row[8 + 10] = {0};
    memcpy(row, hash, 8);
    CHECK(at >= 8 && at < sizeof(row));
    CHECK(mdb_txn_begin(s->ienv, NULL, 0, &txn) == 0);
    CHECK(mdb_cursor_open(txn, s->itxs, &cur) == 0);
    MDB_val k = {1, &key0};
    MDB_val v = {sizeof(row), row};
    CHECK(mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE) == 0);
    CHECK(v.mv_size == sizeof(row) && memcmp(v.mv_data, hash, 8) == 0);
    memcpy(row, v.mv_data, sizeof(row));
    row[at] ^= 0x01;
    CHECK(mdb_cursor_del(cur, 0) == 0);
    mdb_cursor_close(cur);
    v = (MDB_val){sizeof(row), row};
    CHECK(mdb_put(txn, s->itxs, &k, &v, 0) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
}

/* Flips one bit of byte `at` of the record under key in dbi of env (the store's or its
 * index's), as a damaged disk would; flipping it again restores the record. */
static void st_flip(MDB_env *env, MDB_dbi dbi, const void *key, size_t klen, size_t at)
{
    MDB_txn *txn;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    MDB_val k = {klen, (void *)(uintptr_t)key};
    MDB_val v;
    CHECK(mdb_get(txn, dbi, &k, &v) == 0);
    uint8_t *copy = malloc(v.mv_size);
    CHECK(copy != NULL && at < v.mv_size);
    if (copy != NULL && at < v.mv_size) {
        memcpy(copy, v.mv_data, v.mv_size);
        copy[at] ^= 0x01;
        MDB_val nv = {v.mv_size, copy};
        CHECK(mdb_put(txn, dbi, &k, &nv, 0) == 0);
    }
    CHECK(mdb_txn_commit(txn) == 0);
    free(copy);
}

/* Turns the closed store in dir back into the layout before account records moved into their
 * trie leaves: each account leaf row's record goes to "accounts" (the leaf keeps its value
 * hash), each trie_old leaf row's to "accounts_old" under (height, address), empty for a new
 * account; with drop_trie, the trie rows and their versions go too (the layout before the trie
 * was persisted). */
static void st_legacy_layout(const char *dir, int drop_trie)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi trie;
    MDB_dbi trie_old;
    MDB_dbi accounts;
    MDB_dbi accounts_old;
    CHECK(mdb_env_create(&env) == 0);
    CHECK(mdb_env_set_maxdbs(env, 16) == 0);
    CHECK(mdb_env_open(env, dir, 0, 0600) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    CHECK(mdb_dbi_open(txn, "trie", 0, &trie) == 0);
    CHECK(mdb_dbi_open(txn, "trie_old", 0, &trie_old) == 0);
    CHECK(mdb_dbi_open(txn, "accounts", MDB_CREATE, &accounts) == 0);
    CHECK(mdb_dbi_open(txn, "accounts_old", MDB_CREATE, &accounts_old) == 0);
    MDB_dbi from[2] = {trie, trie_old};
    MDB_dbi to[2] = {accounts, accounts_old};
    for (int d = 0; d < 2; d++) {
        MDB_cursor *cur;
        MDB_val k;
        MDB_val v;
        CHECK(mdb_cursor_open(txn, from[d], &cur) == 0);
        int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        while (got == 0) {
            size_t at = d == 0 ? 0 : 8; /* trie_old keys: u64 height || id */
            const uint8_t *id = (const uint8_t *)k.mv_data + at;
            int leaf = k.mv_size == at + LEDGER_TRIE_ID_BYTES && id[33] == 1 && id[34] == 0;
            if (leaf && (v.mv_size == STORE_LEAF_ACCOUNT_BYTES || (d == 1 && v.mv_size == 0))) {
                uint8_t key[8 + 32];
                uint8_t row[STORE_LEAF_ACCOUNT_BYTES];
                memcpy(key, k.mv_data, at);
                memcpy(key + at, id + 1, 32);
                memcpy(row, v.mv_data, v.mv_size);
                MDB_val ak = {at + 32, key};
                MDB_val av = {v.mv_size == 0 ? 0 : LEDGER_ACCOUNT_BYTES,
                              row + LEDGER_TRIE_LEAF_BYTES};
                CHECK(mdb_put(txn, to[d], &ak, &av, 0) == 0);
                /* A put of another size moves the row: its key must not point into it. */
                uint8_t own[8 + LEDGER_TRIE_ID_BYTES];
                memcpy(own, k.mv_data, k.mv_size);
                MDB_val ok = {k.mv_size, own};
                MDB_val lv = {v.mv_size == 0 ? 0 : LEDGER_TRIE_LEAF_BYTES, row};
                CHECK(mdb_cursor_put(cur, &ok, &lv, MDB_CURRENT) == 0);
            }
            got = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        CHECK(got == MDB_NOTFOUND);
        mdb_cursor_close(cur);
    }
    if (drop_trie) {
        CHECK(mdb_drop(txn, trie, 0) == 0);
        CHECK(mdb_drop(txn, trie_old, 0) == 0);
    }
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

/* Whether the open store c answers every account as want (hashes of the records at each
 * height from `from` to the tip; 0 for the tip alone) and has no "accounts" database left. */
static int st_accounts_are(st_chain *c, uint8_t want[][ST_ACCOUNTS][32], uint64_t from,
                           uint64_t tip)
{
    int ok = ledger_store_read_begin(c->store, &c->read) == CHR_OK;
    for (uint64_t h = from; ok && h <= tip; h++) {
        for (size_t i = 0; i < ST_ACCOUNTS && ok; i++) {
            ledger_account a;
            int found = 0;
            uint8_t got[32];
            ok = (h == tip ? ledger_store_account(c->read, c->pk[i], &a, &found)
                           : ledger_store_account_at(c->read, c->pk[i], h, &a, &found)) == CHR_OK;
            ledger_account_hash(got, &a);
            ok = ok && found && memcmp(got, want[h][i], 32) == 0;
        }
    }
    MDB_dbi dbi;
    ok = ok && mdb_dbi_open(c->read->txn, "accounts", 0, &dbi) == MDB_NOTFOUND;
    ok = ok && mdb_dbi_open(c->read->txn, "accounts_old", 0, &dbi) == MDB_NOTFOUND;
    ledger_store_read_end(c->read);
    c->read = NULL;
    return ok;
}

void test_store_trie_migrates_and_checks_accounts(void)
{
    /* A store of an earlier layout is migrated once when opened, with the same root the
     * chain had: with its records in an "accounts" database (and their versions in
     * "accounts_old"), they move into their trie leaves, and every account reads back at the
     * tip and at each kept height; with no trie rows, or rows of an earlier layout, the rows
     * are built from the accounts. A flipped byte in an account's leaf row, in its record or
     * in its value hash, makes reading that account fail with CHR_ERR_STATE_ROOT instead of
     * answering a wrong balance; one in a past record, reading it at that height. */
    enum { BLOCKS = 3 };
    static uint8_t want[BLOCKS + 1][ST_ACCOUNTS][32];
    st_chain *c = &chain;
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(ledger_store_set_versions_kept(c->store, 0));
    CHECK_OK(st_genesis(c));
    for (uint64_t h = 1; h <= BLOCKS; h++) {
        CHECK_OK(st_build(c, 5, 0));
        CHECK_OK(st_commit(c));
        CHECK_OK(st_account_hashes(c, want[h]));
    }
    uint8_t root[32];
    ledger_trie_root(c->trie, root);
    for (int layout = 0; layout < 3; layout++) {
        ledger_store_close(c->store);
        c->store = NULL;
        st_legacy_layout(c->dir, layout == 1);
        if (layout == 2) {
            /* A row of an earlier layout (a 34-byte id) makes the rows be built again. */
            MDB_env *env;
            MDB_txn *txn;
            MDB_dbi dbi;
            uint8_t old_id[34] = {0};
            uint8_t val[32] = {0};
            CHECK(mdb_env_create(&env) == 0);
            CHECK(mdb_env_set_maxdbs(env, 16) == 0);
            CHECK(mdb_env_open(env, c->dir, 0, 0600) == 0);
            CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
            CHECK(mdb_dbi_open(txn, "trie", 0, &dbi) == 0);
            MDB_val k = {sizeof(old_id), old_id};
            MDB_val v = {sizeof(val), val};
            CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
            CHECK(mdb_txn_commit(txn) == 0);
            mdb_env_close(env);
        }
        CHECK_OK(ledger_store_open(&c->store, c->dir, 64u << 20));
        /* Not an archive any more (its rows by id go): past reads go through trie_old, which
         * the migration rewrote. */
        CHECK_OK(ledger_store_set_versions_kept(c->store, 16));
        CHECK_OK(ledger_store_read_begin(c->store, &c->read));
        CHECK_OK(ledger_trie_open(c->trie, root));
        ledger_store_read_end(c->read);
        c->read = NULL;
        /* Moved records keep the past versions; rebuilt rows start from the tip. */
        CHECK(st_accounts_are(c, want, layout == 0 ? 1 : BLOCKS, BLOCKS));
        if (layout == 0) {
            /* A flipped byte of a record block 3 replaced: the account at height 2 is
             * refused (CHR_ERR_STORE), and reads again once the byte is back. */
            uint8_t key[8 + LEDGER_TRIE_ID_BYTES];
            chr_put_u64be(key, BLOCKS);
            ledger_trie_leaf_id(key + 8, c->pk[0]);
            for (int flipped = 1; flipped >= 0; flipped--) {
                st_flip(c->store->env, c->store->trie_old, key, sizeof(key),
                        LEDGER_TRIE_LEAF_BYTES + 3);
                ledger_account a;
                int found;
                CHECK_OK(ledger_store_read_begin(c->store, &c->read));
                CHECK(ledger_store_account_at(c->read, c->pk[0], BLOCKS - 1, &a, &found) ==
                      (flipped ? CHR_ERR_STORE : CHR_OK));
                ledger_store_read_end(c->read);
                c->read = NULL;
            }
        }
    }
    for (int d = 0; d < 2; d++) {
        uint8_t leaf_id[LEDGER_TRIE_ID_BYTES];
        ledger_trie_leaf_id(leaf_id, c->pk[3 + d]);
        st_flip(c->store->env, c->store->trie, leaf_id, sizeof(leaf_id),
                d == 0 ? LEDGER_TRIE_LEAF_BYTES + 3 : 5);
        CHECK_OK(ledger_store_read_begin(c->store, &c->read));
        int refused = 0;
        for (size_t i = 0; i < ST_ACCOUNTS; i++) {
            ledger_account a;
            chr_err err = ledger_store_account(c->read, c->pk[i], &a, NULL);
            CHECK(err == CHR_OK || err == CHR_ERR_STATE_ROOT);
            refused += err == CHR_ERR_STATE_ROOT;
        }
        CHECK(refused == d + 1); /* the damaged accounts so far */
        ledger_store_read_end(c->read);
        c->read = NULL;
    }
    st_teardown(c);
}

/* Block 2 of st_checked_body's chain, and one of its transactions, read through the
 * store's checks: 1 if every read answers as `want` says (CHR_OK or CHR_ERR_STORE). */
static int st_reads(st_chain *c, const uint8_t tx_hash[32], chr_err want_header, chr_err want_body,
                    chr_err want_commit, chr_err want_tx)
{
    ledger_store_read *r;
    if (ledger_store_read_begin(c->store, &r) != CHR_OK) {
        return 0;
    }
    const uint8_t *bytes;
    size_t len;
    ledger_block b;
    ledger_store_txinfo info;
    int ok = ledger_store_block(r, 2, &bytes, &len) == want_header;
    chr_err err = ledger_store_block_decode(r, 2, &b);
    ok = ok && err == want_body;
    if (err == CHR_OK) {
        ledger_block_free(&b);
    }
    ok = ok && ledger_store_commit(r, 2, &bytes, &len) == want_commit;
    err = ledger_store_tx_read(r, tx_hash, &info, &bytes, &len);
    ok = ok && err == want_tx;
    if (err == CHR_OK) {
        uint8_t got[32];
        chr_sha256_hash(got, bytes, len);
        ok = ok && memcmp(got, tx_hash, 32) == 0 && info.height == 2;
    } else {
        ok = ok && bytes == NULL && len == 0 && info.height == 0;
    }
    /* The blocks around it are never affected. */
    ok = ok && ledger_store_block_decode(r, 1, &b) == CHR_OK;
    ledger_block_free(&b);
    ok = ok && ledger_store_block_decode(r, 3, &b) == CHR_OK;
    ledger_block_free(&b);
    ok = ok && ledger_store_commit(r, 3, &bytes, &len) == CHR_OK;
    ledger_store_read_end(r);
    return ok;
}

static void store_checked_body(st_chain *c)
{
    enum { TXS = 5 };
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    uint8_t hashes[TXS][32];
    for (int h = 1; h <= 3; h++) {
        CHECK_OK(st_build(c, TXS, 16));
        CHECK_OK(st_commit(c));
        if (h == 2) {
            memcpy(hashes, blk.tx_hashes, sizeof(hashes));
        }
    }
    /* Each transaction is read alone, by the place its row gives, from the tail (not yet
     * indexed) and then from the index, and hashes to its hash. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < TXS; i++) {
            CHECK(st_reads(c, hashes[i], CHR_OK, CHR_OK, CHR_OK, CHR_OK));
        }
        CHECK(pass == 1 || ledger_store_indexed_height(c->store) == 0);
        CHECK_OK(ledger_store_index(c->store));
    }
    CHECK(ledger_store_indexed_height(c->store) == 3);
    ledger_store *s = c->store;
    const uint8_t *t = hashes[3];
    uint8_t k2[8];
    chr_put_u64be(k2, 2);
    /* A header byte (prev_hash): the header no longer hashes to block 2's stored hash. */
    size_t header_at = 1 + 1 + strlen(ST_CHAIN) + 8 + 8 + 5;
    st_flip(s->env, s->blocks, k2, 8, header_at);
    CHECK(st_reads(c, t, CHR_ERR_STORE, CHR_ERR_STORE, CHR_OK, CHR_ERR_STORE));
    st_flip(s->env, s->blocks, k2, 8, header_at);
    CHECK(st_reads(c, t, CHR_OK, CHR_OK, CHR_OK, CHR_OK));
    /* A byte of the transaction in the body: the header stands, its tx_root does not match
     * the body, and the transaction does not hash to its hash. */
    ledger_store_read *r;
    ledger_store_txinfo info;
    const uint8_t *bytes;
    size_t len;
    CHECK_OK(ledger_store_read_begin(s, &r));
    CHECK_OK(ledger_store_tx_read(r, t, &info, &bytes, &len));
    ledger_store_read_end(r);
    size_t body_at = info.offset + info.len / 2;
    st_flip(s->env, s->blocks, k2, 8, body_at);
    CHECK(st_reads(c, t, CHR_OK, CHR_ERR_STORE, CHR_OK, CHR_ERR_STORE));
    st_flip(s->env, s->blocks, k2, 8, body_at);
    /* The commit's height, then the block hash it names. */
    st_flip(s->env, s->commits, k2, 8, 7);
    CHECK(st_reads(c, t, CHR_OK, CHR_OK, CHR_ERR_STORE, CHR_OK));
    st_flip(s->env, s->commits, k2, 8, 7);
    st_flip(s->env, s->commits, k2, 8, 12 + 31);
    CHECK(st_reads(c, t, CHR_OK, CHR_OK, CHR_ERR_STORE, CHR_OK));
    st_flip(s->env, s->commits, k2, 8, 12 + 31);
    /* The by-hash row of block 2: neither its header nor its commit is named by it. */
    st_flip(s->env, s->hashes, c->block_hash[2], 32, 7);
    CHECK(st_reads(c, t, CHR_ERR_STORE, CHR_ERR_STORE, CHR_ERR_STORE, CHR_ERR_STORE));
    st_flip(s->env, s->hashes, c->block_hash[2], 32, 7);
    /* The transaction's length in its block, which its index row leaves out. */
    st_flip(s->env, s->blocks, k2, 8, info.offset - 1);
    CHECK(st_reads(c, t, CHR_OK, CHR_ERR_STORE, CHR_OK, CHR_ERR_STORE));
    st_flip(s->env, s->blocks, k2, 8, info.offset - 1);
    /* The transaction's index row (the one in the set, after its 8-byte prefix): its
     * height (to block 3) and offset. */
    size_t row_at[] = {8 + 4, 8 + 9};
    for (size_t i = 0; i < sizeof(row_at) / sizeof(row_at[0]); i++) {
        st_flip_tx_row(s, t, row_at[i]);
        CHECK(st_reads(c, t, CHR_OK, CHR_OK, CHR_OK, CHR_ERR_STORE));
        st_flip_tx_row(s, t, row_at[i]);
    }
    CHECK(st_reads(c, t, CHR_OK, CHR_OK, CHR_OK, CHR_OK));
}

void test_store_reads_are_checked(void)
{
    /* Every block, commit and transaction read from the store is checked against the hash
     * that names it: one bit flipped in a block's header, a transaction in its body, its
     * commit's height or block hash, its by-hash row, or a transaction's index row (height,
     * offset, length) makes exactly the reads that depend on it CHR_ERR_STORE, never a
     * wrong answer, and the blocks around it read as before; a transaction is read alone,
     * from the tail and from the index, and hashes to its hash. */
    CHECK_OK(chr_hash_init());
    store_checked_body(&chain);
    st_teardown(&chain);
}

/* The root a proof leads to for key (the verification's arithmetic, docs/PROTOCOL.md "State
 * proofs"), 0 when its steps are not in order or leave key's path. */
static int st_proof_root(const ledger_proof *p, const uint8_t key[32], uint8_t root[32])
{
    if (!p->has_leaf) {
        memset(root, 0, 32);
        return p->steps_len == 0;
    }
    uint8_t buf[67];
    buf[0] = 0x00;
    memcpy(buf + 1, p->leaf_key, 32);
    memcpy(buf + 33, p->leaf_value, 32);
    chr_sha256_hash(root, buf, 65);
    unsigned prev = 256;
    for (uint16_t i = 0; i < p->steps_len; i++) {
        unsigned b = p->steps[i].bit;
        unsigned side = (p->leaf_key[b / 8] >> (7 - b % 8)) & 1u;
        if (b >= prev || side != ((key[b / 8] >> (7 - b % 8)) & 1u)) {
            return 0;
        }
        buf[0] = 0x01;
        buf[1] = (uint8_t)(b >> 8);
        buf[2] = (uint8_t)b;
        memcpy(buf + 3, side ? p->steps[i].sibling : root, 32);
        memcpy(buf + 35, side ? root : p->steps[i].sibling, 32);
        chr_sha256_hash(root, buf, 67);
        prev = b;
    }
    return 1;
}

#define ST_VERSIONS_KEPT 4
#define ST_VERSION_BLOCKS 12

void test_store_trie_versions_kept_and_pruned(void)
{
    /* With 4 versions kept, after 12 blocks: a proof at each of the last 4 heights, for
     * every account and for absent keys, leads to that block's state root with the value
     * the account had then, and the account read at that height is that value; older
     * heights (pruned), height 0 and heights past the tip are CHR_ERR_NOT_FOUND. Then with
     * 1 kept, the next block leaves the tip alone. */
    static uint8_t want[ST_VERSION_BLOCKS + 1][ST_ACCOUNTS][32];
    static uint8_t roots[ST_VERSION_BLOCKS + 1][32];
    st_chain *c = &chain;
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(ledger_store_set_versions_kept(c->store, ST_VERSIONS_KEPT));
    CHECK_OK(st_genesis(c));
    for (uint64_t h = 1; h <= ST_VERSION_BLOCKS; h++) {
        CHECK_OK(st_build(c, 1 + (uint32_t)(h % 5), 0));
        CHECK_OK(st_commit(c));
        memcpy(roots[h], blk.header.state_root, 32);
        CHECK_OK(st_account_hashes(c, want[h]));
    }
    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    uint64_t oldest;
    uint64_t tip;
    CHECK_OK(ledger_store_versions(c->read, &oldest, &tip));
    CHECK(tip == ST_VERSION_BLOCKS && oldest == tip - ST_VERSIONS_KEPT + 1);
    static ledger_proof p;
    uint8_t root[32];
    uint8_t got[32];
    for (uint64_t v = oldest; v <= tip; v++) {
        for (size_t i = 0; i < ST_ACCOUNTS; i++) {
            CHECK_OK(ledger_store_state_proof_at(c->read, c->pk[i], v, root, &p));
            CHECK(memcmp(root, roots[v], 32) == 0);
            CHECK(memcmp(p.leaf_key, c->pk[i], 32) == 0);
            CHECK(memcmp(p.leaf_value, want[v][i], 32) == 0);
            CHECK(st_proof_root(&p, c->pk[i], got) && memcmp(got, roots[v], 32) == 0);
            ledger_account a;
            int found;
            uint8_t vh[32];
            CHECK_OK(ledger_store_account_at(c->read, c->pk[i], v, &a, &found));
            ledger_account_hash(vh, &a);
            CHECK(found && memcmp(vh, want[v][i], 32) == 0);
        }
        for (int k = 0; k < 8; k++) {
            uint8_t absent[32];
            memset(absent, 0x11 * k, 32);
            absent[31] ^= 0x5a;
            CHECK_OK(ledger_store_state_proof_at(c->read, absent, v, root, &p));
            CHECK(p.has_leaf && memcmp(p.leaf_key, absent, 32) != 0);
            CHECK(st_proof_root(&p, absent, got) && memcmp(got, roots[v], 32) == 0);
        }
    }
    CHECK(ledger_store_state_proof_at(c->read, c->pk[0], oldest - 1, root, &p) ==
          CHR_ERR_NOT_FOUND);
    CHECK(ledger_store_state_proof_at(c->read, c->pk[0], 0, root, &p) == CHR_ERR_NOT_FOUND);
    CHECK(ledger_store_state_proof_at(c->read, c->pk[0], tip + 1, root, &p) == CHR_ERR_NOT_FOUND);
    ledger_account gone;
    int found;
    CHECK(ledger_store_account_at(c->read, c->pk[0], oldest - 1, &gone, &found) ==
          CHR_ERR_NOT_FOUND);
    ledger_store_read_end(c->read);
    c->read = NULL;
    CHECK_OK(ledger_store_set_versions_kept(c->store, 1));
    CHECK_OK(st_build(c, 2, 0));
    CHECK_OK(st_commit(c));
    CHECK_OK(ledger_store_read_begin(c->store, &c->read));
    CHECK_OK(ledger_store_versions(c->read, &oldest, &tip));
    CHECK(oldest == tip && tip == ST_VERSION_BLOCKS + 1);
    CHECK(ledger_store_state_proof_at(c->read, c->pk[0], tip - 1, root, &p) == CHR_ERR_NOT_FOUND);
    CHECK_OK(ledger_store_state_proof_at(c->read, c->pk[0], tip, root, &p));
    ledger_store_read_end(c->read);
    c->read = NULL;
    st_teardown(c);
}

void test_store_trie_past_reads_bounded(void)
{
    /* A store that is not an archive (here LEDGER_STORE_PAST_BLOCKS_MAX + 2 versions kept,
     * more than a node's config allows) reads a past state at most
     * LEDGER_STORE_PAST_BLOCKS_MAX blocks back: one more is CHR_ERR_TOO_LONG for the proof and
     * the account, an older, pruned one CHR_ERR_NOT_FOUND, where the bound itself proves. Made an
     * archive, it indexes its kept rows by id once and then reads the kept height beyond the
     * bound too, the pruned one still not. */
    enum { KEPT = LEDGER_STORE_PAST_BLOCKS_MAX + 2, TIP = LEDGER_STORE_PAST_BLOCKS_MAX + 4 };
    st_chain *c = &chain;
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(ledger_store_set_versions_kept(c->store, KEPT));
    CHECK_OK(st_genesis(c));
    CHECK_OK(st_build(c, 2, 0));
    CHECK_OK(st_commit(c));
    for (uint32_t h = 2; h <= TIP; h++) {
        CHECK_OK(st_build(c, h % 97 == 0 ? 1 : 0, 0));
        CHECK_OK(st_commit(c));
    }
    static ledger_proof p;
    uint8_t root[32];
    ledger_account a;
    int found;
    for (int archive = 0; archive < 2; archive++) {
        if (archive) {
            CHECK_OK(ledger_store_set_versions_kept(c->store, 0));
        }
        CHECK_OK(ledger_store_read_begin(c->store, &c->read));
        uint64_t oldest;
        uint64_t tip;
        CHECK_OK(ledger_store_versions(c->read, &oldest, &tip));
        CHECK(oldest == TIP - KEPT + 1 && tip == TIP);
        chr_err beyond = archive ? CHR_OK : CHR_ERR_TOO_LONG;
        CHECK(ledger_store_state_proof_at(c->read, c->pk[0], oldest, root, &p) == beyond);
        CHECK(ledger_store_account_at(c->read, c->pk[0], oldest, &a, &found) == beyond);
        CHECK(ledger_store_state_proof_at(c->read, c->pk[0], oldest - 1, root, &p) ==
              CHR_ERR_NOT_FOUND);
        CHECK(ledger_store_account_at(c->read, c->pk[0], oldest - 1, &a, &found) ==
              CHR_ERR_NOT_FOUND);
        CHECK_OK(ledger_store_state_proof_at(c->read, c->pk[0], oldest + 1, root, &p));
        CHECK_OK(ledger_store_account_at(c->read, c->pk[0], oldest + 1, &a, &found));
        CHECK(found);
        ledger_store_read_end(c->read);
        c->read = NULL;
    }
    st_teardown(c);
}

/* ---- State objects. ---- */

static chr_err st_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                         size_t *value_len, int *found)
{
    st_chain *c = ctx;
    ledger_object o;
    chr_err err = ledger_store_object(c->read, kind, natural, natural_len, &o, found);
    memcpy(value, o.value, o.value_len);
    *value_len = o.value_len;
    return err;
}

static chr_err st_object_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                              size_t prefix_len, const uint8_t *after, size_t after_len,
                              ledger_object *out)
{
    st_chain *c = ctx;
    return ledger_store_object_next(c->read, kind, prefix, prefix_len, after, after_len, out);
}

#define ST_OBJ(kind, natural, value)                                                               \
    ledger_object_put(t, kind, (const uint8_t *)(natural), sizeof(natural) - 1,                    \
                      (const uint8_t *)(value), sizeof(value) - 1)

/* Block 1 puts a validator and three delegations; block 2 deletes the validator, changes
 * one delegation and scans the committed ones through the table. */
static chr_err st_objects_blocks(st_chain *c, uint64_t height)
{
    ledger_objects *t = ledger_overlay_objects(c->overlay);
    int found;
    if (height == 1) {
        chr_err err = ST_OBJ(LEDGER_STATE_VALIDATOR, "v1", "alpha");
        err = err ? err
                  : ST_OBJ(LEDGER_STATE_DELEGATION,
                           "\x01"
                           "a",
                           "d1a");
        err = err ? err
                  : ST_OBJ(LEDGER_STATE_DELEGATION,
                           "\x01"
                           "b",
                           "d1b");
        return err ? err
                   : ST_OBJ(LEDGER_STATE_DELEGATION,
                            "\x02"
                            "a",
                            "d2a");
    }
    chr_err err = ledger_object_delete(t, LEDGER_STATE_VALIDATOR, (const uint8_t *)"v1", 2, &found);
    err = err ? err : found ? CHR_OK : CHR_ERR_NOT_FOUND;
    err = err ? err
              : ST_OBJ(LEDGER_STATE_DELEGATION,
                       "\x01"
                       "a",
                       "changed");
    ledger_object res[4];
    size_t n;
    err = err ? err
              : ledger_object_scan(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"\x01", 1, NULL, 0,
                                   res, 4, &n);
    if (err == CHR_OK && (n != 2 || res[0].value_len != 7 || res[1].value_len != 3)) {
        err = CHR_ERR_ARG; /* not the merged view: the test fails at st_build */
    }
    return err;
}

/* The proof for object (kind, natural) at the tip: its leaf's value hash is SHA256(value)
 * (present) or there is no leaf for it (absent). */
static int st_object_proved(st_chain *c, ledger_state_kind kind, const char *natural,
                            const char *value)
{
    uint8_t key[32];
    ledger_state_key(key, kind, (const uint8_t *)natural, strlen(natural));
    ledger_store_read *r;
    ledger_proof p;
    uint64_t height;
    uint8_t root[32];
    uint8_t got[32];
    int ok = ledger_store_read_begin(c->store, &r) == CHR_OK &&
             ledger_store_state_proof(r, key, &height, root, &p) == CHR_OK &&
             st_proof_root(&p, key, got) && memcmp(got, root, 32) == 0 &&
             memcmp(root, blk.header.state_root, 32) == 0;
    ledger_store_read_end(r);
    int present = p.has_leaf && memcmp(p.leaf_key, key, 32) == 0;
    if (value == NULL) {
        return ok && !present;
    }
    uint8_t vh[32];
    chr_sha256_hash(vh, (const uint8_t *)value, strlen(value));
    return ok && present && memcmp(p.leaf_value, vh, 32) == 0;
}

/* Whether ledger_store_object_at gives (kind, natural) at `height` as `value` (NULL:
 * absent) and a proof at that height leads to that block's state root with the leaf
 * SHA256(value), or none for it. */
static int st_object_at(st_chain *c, ledger_state_kind kind, const char *natural, uint64_t height,
                        const char *value)
{
    uint8_t key[32];
    ledger_state_key(key, kind, (const uint8_t *)natural, strlen(natural));
    ledger_store_read *r;
    ledger_proof p;
    ledger_object o;
    int found = 0;
    uint8_t root[32];
    uint8_t got[32];
    int ok = ledger_store_read_begin(c->store, &r) == CHR_OK &&
             ledger_store_object_at(r, kind, (const uint8_t *)natural, strlen(natural), height, &o,
                                    &found) == CHR_OK &&
             ledger_store_state_proof_at(r, key, height, root, &p) == CHR_OK &&
             st_proof_root(&p, key, got) && memcmp(got, root, 32) == 0;
    ledger_store_read_end(r);
    int present = ok && p.has_leaf && memcmp(p.leaf_key, key, 32) == 0;
    if (value == NULL) {
        return ok && !found && !present;
    }
    uint8_t vh[32];
    chr_sha256_hash(vh, (const uint8_t *)value, strlen(value));
    return ok && found && present && memcmp(p.leaf_value, vh, 32) == 0 &&
           o.value_len == strlen(value) && memcmp(o.value, value, o.value_len) == 0;
}

/* What ledger_store_object answers for (kind, natural): the error, and the value when found
 * equals `value` (NULL: absent). */
static chr_err st_object_read(st_chain *c, ledger_state_kind kind, const char *natural,
                              const char *value)
{
    ledger_store_read *r;
    ledger_object o;
    int found = 0;
    chr_err err = ledger_store_read_begin(c->store, &r);
    err = err ? err
              : ledger_store_object(r, kind, (const uint8_t *)natural, strlen(natural), &o, &found);
    ledger_store_read_end(r);
    if (err == CHR_OK && (value == NULL ? found
                                        : !found || o.value_len != strlen(value) ||
                                              memcmp(o.value, value, o.value_len) != 0)) {
        return CHR_ERR_ARG; /* another answer than expected */
    }
    return err;
}

static void store_objects_body(st_chain *c)
{
    CHECK_OK(st_setup(c, 64u << 20));
    CHECK_OK(st_genesis(c));
    CHECK_OK(ledger_store_set_versions_kept(c->store, 4));
    ledger_objects *t;
    CHECK_OK(ledger_objects_new(&t, 16, st_object, st_object_scan, c));
    ledger_overlay_attach_objects(c->overlay, t);
    st_objects_step = st_objects_blocks;
    CHECK_OK(st_build(c, 3, 0));
    CHECK_OK(st_commit(c));
    CHECK_OK(st_object_read(c, LEDGER_STATE_VALIDATOR, "v1", "alpha"));
    CHECK_OK(st_object_read(c, LEDGER_STATE_DELEGATION,
                            "\x01"
                            "b",
                            "d1b"));
    CHECK_OK(st_object_read(c, LEDGER_STATE_DELEGATION, "v1", NULL));
    CHECK(st_object_proved(c, LEDGER_STATE_VALIDATOR, "v1", "alpha"));
    CHECK(st_object_proved(c, LEDGER_STATE_DELEGATION,
                           "\x02"
                           "a",
                           "d2a"));
    CHECK_OK(st_build(c, 3, 0));
    CHECK_OK(st_commit(c));
    st_objects_step = NULL;
    /* The delete removed the row and the leaf; the put replaced both. */
    CHECK_OK(st_object_read(c, LEDGER_STATE_VALIDATOR, "v1", NULL));
    CHECK(st_object_proved(c, LEDGER_STATE_VALIDATOR, "v1", NULL));
    CHECK_OK(st_object_read(c, LEDGER_STATE_DELEGATION,
                            "\x01"
                            "a",
                            "changed"));
    CHECK(st_object_proved(c, LEDGER_STATE_DELEGATION,
                           "\x01"
                           "a",
                           "changed"));
    /* Past heights: block 1's objects as they were, proved against block 1's root. */
    CHECK(st_object_at(c, LEDGER_STATE_VALIDATOR, "v1", 1, "alpha"));
    CHECK(st_object_at(c, LEDGER_STATE_DELEGATION,
                       "\x01"
                       "a",
                       1, "d1a"));
    CHECK(st_object_at(c, LEDGER_STATE_DELEGATION,
                       "\x01"
                       "b",
                       1, "d1b"));
    CHECK(st_object_at(c, LEDGER_STATE_VALIDATOR, "v1", 2, NULL));
    CHECK(st_object_at(c, LEDGER_STATE_DELEGATION,
                       "\x01"
                       "a",
                       2, "changed"));
    CHECK(st_object_at(c, LEDGER_STATE_MEETING, "none", 1, NULL));
    /* The store's scan: in order, within the prefix, strictly after. */
    ledger_store_read *r;
    ledger_object o;
    CHECK_OK(ledger_store_read_begin(c->store, &r));
    CHECK_OK(ledger_store_object_next(r, LEDGER_STATE_DELEGATION, NULL, 0, NULL, 0, &o));
    CHECK(o.natural_len == 2 && memcmp(o.natural,
                                       "\x01"
                                       "a",
                                       2) == 0);
    CHECK_OK(ledger_store_object_next(r, LEDGER_STATE_DELEGATION, (const uint8_t *)"\x01", 1,
                                      o.natural, o.natural_len, &o));
    CHECK(o.natural_len == 2 && memcmp(o.natural,
                                       "\x01"
                                       "b",
                                       2) == 0);
    CHECK(ledger_store_object_next(r, LEDGER_STATE_DELEGATION, (const uint8_t *)"\x01", 1,
                                   o.natural, o.natural_len, &o) == CHR_ERR_NOT_FOUND);
    CHECK(ledger_store_object_next(r, LEDGER_STATE_VALIDATOR, NULL, 0, NULL, 0, &o) ==
          CHR_ERR_NOT_FOUND);
    ledger_store_read_end(r);
    /* A flipped byte in a row's value, then in its leaf: refused, never served. */
    ledger_store *s = c->store;
    const uint8_t name[] = {LEDGER_STATE_DELEGATION, 0x01, 'b'};
    st_flip(s->env, s->objects, name, sizeof(name), 1);
    CHECK(st_object_read(c, LEDGER_STATE_DELEGATION,
                         "\x01"
                         "b",
                         "d1b") == CHR_ERR_STATE_ROOT);
    CHECK_OK(ledger_store_read_begin(s, &r));
    CHECK(ledger_store_object_next(r, LEDGER_STATE_DELEGATION, (const uint8_t *)"\x01", 1,
                                   (const uint8_t *)"\x01"
                                                    "a",
                                   2, &o) == CHR_ERR_STATE_ROOT);
    ledger_store_read_end(r);
    st_flip(s->env, s->objects, name, sizeof(name), 1);
    CHECK_OK(st_object_read(c, LEDGER_STATE_DELEGATION,
                            "\x01"
                            "b",
                            "d1b"));
    uint8_t key[32];
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    ledger_state_key(key, LEDGER_STATE_DELEGATION, name + 1, 2);
    ledger_trie_leaf_id(id, key);
    st_flip(s->env, s->trie, id, sizeof(id), 31);
    CHECK(st_object_read(c, LEDGER_STATE_DELEGATION,
                         "\x01"
                         "b",
                         "d1b") == CHR_ERR_STATE_ROOT);
    st_flip(s->env, s->trie, id, sizeof(id), 31);
    CHECK_OK(st_object_read(c, LEDGER_STATE_DELEGATION,
                            "\x01"
                            "b",
                            "d1b"));
    ledger_overlay_attach_objects(c->overlay, NULL);
    ledger_objects_free(t);
}

void test_store_objects(void)
{
    /* Objects go to the store in the block's own transaction, beside accounts and trie rows:
     * read back by name and in prefix order, a delete removes row and leaf, a proof at the
     * tip shows the leaf SHA256(value) or its absence, with versions kept an earlier
     * height's objects read as they were and proved against that height's root, and a flipped byte
     * in an object's row or its leaf is refused (CHR_ERR_STATE_ROOT), never served. */
    CHECK_OK(chr_hash_init());
    store_objects_body(&chain);
    st_objects_step = NULL;
    st_teardown(&chain);
}

/* ---- An archive: every kept height, at any distance. ---- */

#define ST_ARCHIVE_OBJECTS 6
#define ST_ARCHIVE_VALUE_MAX 24

/* Validators, then delegations named (u8 validator, u8 delegator) as in st_objects_blocks. */
static const char *const st_archive_names[ST_ARCHIVE_OBJECTS] = {"v1",    "v2",    "v3",
                                                                 "\001a", "\001b", "\002a"};
/* The objects' values after each block ("" for none), the accounts' record hashes and the
 * state roots: the model the archive is read against. */
static char st_archive_model[ST_ARCHIVE_BLOCKS + 1][ST_ARCHIVE_OBJECTS][ST_ARCHIVE_VALUE_MAX];
static uint8_t st_archive_want[ST_ARCHIVE_BLOCKS + 1][ST_ACCOUNTS][32];
static uint8_t st_archive_roots[ST_ARCHIVE_BLOCKS + 1][32];
static uint64_t st_archive_rng;

static ledger_state_kind st_archive_kind(size_t j)
{
    return j < 3 ? LEDGER_STATE_VALIDATOR : LEDGER_STATE_DELEGATION;
}

/* A block's object changes: up to two random puts or deletes, recorded in the model. */
static chr_err st_archive_objects(st_chain *c, uint64_t height)
{
    ledger_objects *t = ledger_overlay_objects(c->overlay);
    memcpy(st_archive_model[height], st_archive_model[height - 1], sizeof(st_archive_model[0]));
    uint32_t changes = (uint32_t)(chr_test_rand(&st_archive_rng) % 3);
    chr_err err = CHR_OK;
    for (uint32_t i = 0; i < changes && err == CHR_OK; i++) {
        uint64_t r = chr_test_rand(&st_archive_rng);
        size_t j = (size_t)(r % ST_ARCHIVE_OBJECTS);
        const char *name = st_archive_names[j];
        char *value = st_archive_model[height][j];
        if ((r >> 8) % 4 == 0) {
            int found;
            err = ledger_object_delete(t, st_archive_kind(j), (const uint8_t *)name, strlen(name),
                                       &found);
            value[0] = '\0';
        } else {
            snprintf(value, ST_ARCHIVE_VALUE_MAX, "%llu-%u", (unsigned long long)height,
                     (unsigned)(r >> 16) % 1000u);
            err = ledger_object_put(t, st_archive_kind(j), (const uint8_t *)name, strlen(name),
                                    (const uint8_t *)value, strlen(value));
        }
    }
    return err;
}

/* Whether every account and object of the archive c reads at every height from 1 to the tip
 * as the model says, with a proof that leads to that height's root. */
static int st_archive_matches(st_chain *c)
{
    static ledger_proof p;
    int ok = ledger_store_read_begin(c->store, &c->read) == CHR_OK;
    for (uint64_t h = 1; ok && h <= c->height; h++) {
        for (size_t i = 0; i < ST_ACCOUNTS && ok; i++) {
            ledger_account a;
            int found = 0;
            uint8_t root[32];
            uint8_t got[32];
            ok = ledger_store_account_at(c->read, c->pk[i], h, &a, &found) == CHR_OK && found;
            ledger_account_hash(got, &a);
            ok = ok && memcmp(got, st_archive_want[h][i], 32) == 0;
            ok = ok && ledger_store_state_proof_at(c->read, c->pk[i], h, root, &p) == CHR_OK;
            ok = ok && memcmp(root, st_archive_roots[h], 32) == 0 &&
                 memcmp(p.leaf_value, got, 32) == 0 && st_proof_root(&p, c->pk[i], got) &&
                 memcmp(got, root, 32) == 0;
        }
    }
    ledger_store_read_end(c->read);
    c->read = NULL;
    for (uint64_t h = 1; ok && h <= c->height; h++) {
        for (size_t j = 0; j < ST_ARCHIVE_OBJECTS && ok; j++) {
            const char *v = st_archive_model[h][j];
            ok = st_object_at(c, st_archive_kind(j), st_archive_names[j], h, v[0] ? v : NULL);
        }
    }
    return ok;
}

/* The first id (or state key) in an archive's index dbi, with a height above 1 under it,
 * whose row then was: an account leaf's (kind 1), a branch's (kind 0), an object's (kind 2);
 * 1 when there is one. For an object, the last height under its key: with that one moved
 * past the tip, no other height of the index answers for the height before it, so a read
 * there must be refused. (An earlier height would leave a later one to answer, with the
 * value the object had then, which can be the right answer: a put of the value it had,
 * or a delete of an absent object, are changes the index lists too.) */
static int st_archive_index_pick(ledger_store *s, MDB_dbi dbi, int kind, uint8_t *key,
                                 uint64_t *height)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k;
    MDB_val v;
    int found = 0;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
        return 0;
    }
    if (mdb_cursor_open(txn, dbi, &cur) != 0) {
        mdb_txn_abort(txn);
        return 0;
    }
    int got = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (got == 0 && !found) {
        if (kind == 2 && (got = mdb_cursor_get(cur, &k, &v, MDB_LAST_DUP)) != 0) {
            break;
        }
        uint64_t h = chr_get_u64be(v.mv_data);
        int is = kind == 2 ? k.mv_size == 32
                           : k.mv_size == LEDGER_TRIE_ID_BYTES && store_row_leaf(k.mv_data) == kind;
        /* A row's old value must be there (not a row the block made). */
        int before = kind == 2;
        if (is && !before) {
            uint8_t old_key[8 + LEDGER_TRIE_ID_BYTES];
            MDB_val ok = {sizeof(old_key), old_key};
            MDB_val ov;
            chr_put_u64be(old_key, h);
            memcpy(old_key + 8, k.mv_data, LEDGER_TRIE_ID_BYTES);
            before = mdb_get(txn, s->trie_old, &ok, &ov) == 0 && ov.mv_size > 0;
        }
        if (is && h > 1 && before) {
            memcpy(key, k.mv_data, k.mv_size);
            *height = h;
            found = 1;
        }
        got = mdb_cursor_get(cur, &k, &v, kind == 2 ? MDB_NEXT_NODUP : MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return found;
}

/* Moves height h under key in an archive's index dbi to h with byte 2 flipped (a height no
 * block has), with flip; back again without. */
static void st_flip_height(MDB_env *env, MDB_dbi dbi, const uint8_t *key, size_t klen, uint64_t h,
                           int flip)
{
    uint8_t from[8];
    uint8_t to[8];
    chr_put_u64be(from, flip ? h : h ^ (1ULL << 40));
    chr_put_u64be(to, flip ? h ^ (1ULL << 40) : h);
    MDB_txn *txn;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    MDB_val k = {klen, (void *)(uintptr_t)key};
    MDB_val v = {8, from};
    CHECK(mdb_del(txn, dbi, &k, &v) == 0);
    v = (MDB_val){8, to};
    CHECK(mdb_put(txn, dbi, &k, &v, 0) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
}

/* Closes c's store and takes it back to the layout of a build before archives indexed rows
 * by id: no trie_hist or objects_hist rows, no "trie_hist" meta row. */
static void st_archive_strip(st_chain *c)
{
    ledger_store_close(c->store);
    c->store = NULL;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    CHECK(mdb_env_create(&env) == 0);
    CHECK(mdb_env_set_maxdbs(env, 18) == 0);
    CHECK(mdb_env_open(env, c->dir, 0, 0600) == 0);
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0);
    const char *names[] = {"trie_hist", "objects_hist"};
    for (int d = 0; d < 2; d++) {
        CHECK(mdb_dbi_open(txn, names[d], 0, &dbi) == 0);
        CHECK(mdb_drop(txn, dbi, 1) == 0);
    }
    CHECK(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
    MDB_val k = {9, (void *)(uintptr_t) "trie_hist"};
    CHECK(mdb_del(txn, dbi, &k, NULL) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
}

static void store_archive_body(st_chain *c)
{
    st_archive_rng = chr_test_seed() ^ 0x61726368ULL;
    CHECK_OK(st_setup(c, 256u << 20));
    CHECK_OK(ledger_store_set_versions_kept(c->store, 0));
    CHECK_OK(st_genesis(c));
    ledger_objects *t;
    CHECK_OK(ledger_objects_new(&t, 16, st_object, st_object_scan, c));
    ledger_overlay_attach_objects(c->overlay, t);
    st_objects_step = st_archive_objects;
    for (uint64_t h = 1; h <= ST_ARCHIVE_BLOCKS; h++) {
        CHECK_OK(st_build(c, (uint32_t)(chr_test_rand(&st_archive_rng) % 4), 0));
        CHECK_OK(st_commit(c));
        memcpy(st_archive_roots[h], blk.header.state_root, 32);
        CHECK_OK(st_account_hashes(c, st_archive_want[h]));
    }
    st_objects_step = NULL;
    ledger_overlay_attach_objects(c->overlay, NULL);
    ledger_objects_free(t);
    CHECK(st_archive_matches(c));
    /* A flipped byte in the index by id (a height under a row's id, here one that names no
     * block) is refused: every proof through that row at the height before the change it
     * lost (CHR_ERR_STORE: the row read is another version's, or none), and an object's
     * value there (its SHA-256 is not the leaf the proof shows, or it is not read). */
    ledger_store *s = c->store;
    uint8_t leaf_id[LEDGER_TRIE_ID_BYTES];
    uint8_t branch_id[LEDGER_TRIE_ID_BYTES];
    uint8_t object_key[32];
    uint64_t leaf_h = 0;
    uint64_t branch_h = 0;
    uint64_t object_h = 0;
    CHECK(st_archive_index_pick(s, s->trie_hist, 1, leaf_id, &leaf_h));
    CHECK(st_archive_index_pick(s, s->trie_hist, 0, branch_id, &branch_h));
    CHECK(st_archive_index_pick(s, s->objects_hist, 2, object_key, &object_h));
    size_t oj = ST_ARCHIVE_OBJECTS;
    for (size_t j = 0; j < ST_ARCHIVE_OBJECTS; j++) {
        uint8_t key[32];
        const char *name = st_archive_names[j];
        ledger_state_key(key, st_archive_kind(j), (const uint8_t *)name, strlen(name));
        oj = memcmp(key, object_key, 32) == 0 ? j : oj;
    }
    CHECK(oj < ST_ARCHIVE_OBJECTS);
    static ledger_proof p;
    uint8_t root[32];
    for (int flipped = 1; flipped >= 0; flipped--) {
        st_flip_height(s->env, s->trie_hist, leaf_id, sizeof(leaf_id), leaf_h, flipped);
        st_flip_height(s->env, s->trie_hist, branch_id, sizeof(branch_id), branch_h, flipped);
        st_flip_height(s->env, s->objects_hist, object_key, sizeof(object_key), object_h, flipped);
        CHECK_OK(ledger_store_read_begin(s, &c->read));
        CHECK(ledger_store_state_proof_at(c->read, leaf_id + 1, leaf_h - 1, root, &p) ==
              (flipped ? CHR_ERR_STORE : CHR_OK));
        int refused = 0;
        for (size_t i = 0; i < ST_ACCOUNTS; i++) {
            chr_err err = ledger_store_state_proof_at(c->read, c->pk[i], branch_h - 1, root, &p);
            CHECK(err == CHR_OK || (flipped && err == CHR_ERR_STORE));
            refused += err != CHR_OK;
        }
        CHECK(flipped ? refused > 0 : refused == 0);
        ledger_store_read_end(c->read);
        c->read = NULL;
        if (oj < ST_ARCHIVE_OBJECTS) {
            const char *v = st_archive_model[object_h - 1][oj];
            CHECK(st_object_at(c, st_archive_kind(oj), st_archive_names[oj], object_h - 1,
                               v[0] ? v : NULL) == !flipped);
        }
    }
    /* An archive written before rows were indexed by id gets them built once when opened as
     * one, and then answers the same. */
    st_archive_strip(c);
    CHECK_OK(ledger_store_open(&c->store, c->dir, 256u << 20));
    CHECK_OK(ledger_store_set_versions_kept(c->store, 0));
    CHECK(st_archive_matches(c));
}

void test_store_trie_archive_reads_any_height(void)
{
    /* An archive of more than twice LEDGER_STORE_PAST_BLOCKS_MAX blocks with random transfers
     * and object puts and deletes answers every account and object at every height as a
     * model says, with proofs that lead to that height's state root, at any distance below
     * the tip; a flipped byte in a row indexed by id is refused; an archive written before
     * that index gets it built once at open and answers the same. */
    CHECK_OK(chr_hash_init());
    store_archive_body(&chain);
    st_objects_step = NULL;
    st_teardown(&chain);
}
