/* statebuild: builds a large state directly in a stopped single-validator node's data
 * directory, and measures state proofs over it; driven by tests/bench/state.sh (`make bench`,
 * `make bench-state`). It measures and prints figures; it asserts nothing about them.
 *
 *   statebuild add --data DIR --genesis FILE --key FILE --count N [--first F] [--batch B]
 *                  [--cache-mb C] [--versions-kept V]
 *       Adds accounts F .. F + N - 1 (balance 1, nonce 0; address i is
 *       SHA256("chroom-statebuild/present" || u64 i), a key nobody holds) in blocks of B
 *       (default 50,000): each block is the tip's successor with no transactions, its state
 *       root the trie with the block's accounts, its commit signed by the validator key in
 *       FILE (the genesis's only validator). Only the public store, trie and block APIs are
 *       used, as the node's writer would: a ledger_trie over ledger_store_trie_seek, an
 *       overlay for the accounts, ledger_store_commit_block. Creates the genesis state
 *       first when DIR holds none. Keeps the state versions a node with [store]
 *       state_versions_kept = V would (default 1; 0 an archive, so a test grows an archive
 *       of many blocks fast). Prints the accounts per second.
 *   statebuild prove --data DIR --count N [--first F] [--seconds S] [--threads T]
 *       Proofs per second through ledger_store_state_proof on one thread, then on T
 *       (default: one per online core), half for present accounts (of the N from F) and
 *       half for absent keys, and the mean encoded size of each kind. */
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/hash.h"
#include "common/keyfile.h"
#include "genesis/genesis.h"
#include "ledger/block.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "ledger/trie.h"
#include "tests/bench/args.h"

#define STATEBUILD_OK 0
#define STATEBUILD_FAIL 1
#define STATEBUILD_USAGE 2

/* Accounts one run adds: 100,000,000 is ten times the bench's largest state. */
#define STATEBUILD_COUNT_MAX 100000000u
/* Accounts per block: the overlay and the pending trie of one block are held in memory
 * (about 1 KB per account), so 1,000,000 stays under 1 GB. */
#define STATEBUILD_BATCH_MAX 1000000u
#define STATEBUILD_BATCH_DEFAULT 50000u
/* The builder's trie cache: the upper levels every block walks. */
#define STATEBUILD_CACHE_MB_MAX 4096u
#define STATEBUILD_CACHE_MB_DEFAULT 64u
/* Versions kept: a node's bound (node/limits.h NODE_STATE_VERSIONS_MAX). */
#define STATEBUILD_VERSIONS_KEPT_MAX 1000u
/* The map the store is opened with; LMDB takes the file's size when that is larger, and
 * a full map is doubled (as the node does). */
#define STATEBUILD_MAP_BYTES_INITIAL ((size_t)1 << 30)
#define STATEBUILD_SECONDS_MAX 600u
#define STATEBUILD_THREADS_MAX 256u
/* prove checks its stop flag once per this many proofs. */
#define STATEBUILD_PROVE_STRIDE 64u
#define STATEBUILD_ERRMSG_MAX 256
/* The tags naming present and absent keys: distinct, so no absent key is ever present. */
#define STATEBUILD_TAG_PRESENT "chroom-statebuild/present"
#define STATEBUILD_TAG_ABSENT "chroom-statebuild/absent"

_Static_assert(STATEBUILD_BATCH_DEFAULT <= STATEBUILD_BATCH_MAX, "the default is allowed");
_Static_assert(STATEBUILD_CACHE_MB_DEFAULT <= STATEBUILD_CACHE_MB_MAX, "the default is allowed");

/* ---- Small helpers: time, arguments, keys. ---- */

static double statebuild_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The i-th key of a kind: SHA256(tag || u64 i). */
static void statebuild_key(uint8_t out[32], const char *tag, uint64_t i)
{
    uint8_t n[8];
    chr_put_u64be(n, i);
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    chr_sha256_update(&ctx, (const uint8_t *)tag, strlen(tag));
    chr_sha256_update(&ctx, n, sizeof(n));
    chr_sha256_final(&ctx, out);
}

static uint64_t statebuild_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* The store's trie rows through the current read snapshot (ledger_trie_source). */
typedef struct statebuild_source {
    ledger_store_read *r;
} statebuild_source;

static chr_err statebuild_seek(void *ctx, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                               uint8_t id_out[LEDGER_TRIE_ID_BYTES],
                               uint8_t val[LEDGER_TRIE_VALUE_MAX], size_t *val_len)
{
    statebuild_source *src = ctx;
    CHR_ASSERT(src->r != NULL);
    return ledger_store_trie_seek(src->r, from, id_out, val, val_len);
}

/* The accounts a block adds are all new: nothing committed to load. */
static chr_err statebuild_load_none(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    (void)ctx;
    (void)addr;
    memset(out, 0, sizeof(*out));
    return CHR_OK;
}

/* ---- add ---- */

/* The chain as the builder extends it: the tip and everything a block needs. */
typedef struct statebuild_chain {
    ledger_store *store;
    genesis g;
    uint8_t genesis_hash[32];
    uint8_t validators_hash[32];
    uint8_t sk[32];
    uint8_t pub[32];
    ledger_signer *signer;
    ledger_header tip; /* height 0: only height, time_ms and state_root are set */
    uint8_t tip_hash[32];
    int has_commit;
    ledger_commit tip_commit;
} statebuild_chain;

/* Writes the genesis state, as chroomd does on its first start, when the store has none. */
static chr_err statebuild_init_genesis(statebuild_chain *c)
{
    size_t n = c->g.accounts_len;
    uint8_t(*addrs)[32] = malloc((n + 1) * 32);
    uint64_t *balances = malloc((n + 1) * sizeof(uint64_t));
    chr_err err = addrs != NULL && balances != NULL ? CHR_OK : CHR_ERR_NOMEM;
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        memcpy(addrs[i], c->g.accounts[i].address, 32);
    }
    ledger_objects *objs = NULL;
    char why[GENESIS_ERRMSG_MAX];
    err = err ? err : genesis_stakes_state(&c->g, &objs, balances, NULL, why, sizeof(why));
    while (err == CHR_OK) {
        err = ledger_store_init_genesis(c->store, c->g.chain_id, c->genesis_hash,
                                        (const uint8_t(*)[32])addrs, balances, n, objs);
        if (err != CHR_ERR_MAP_FULL) {
            break;
        }
        err = ledger_store_grow(c->store, 2 * ledger_store_map_size(c->store));
    }
    ledger_objects_free(objs);
    free(addrs);
    free(balances);
    return err;
}

/* Reads the tip: its header and commit, or the genesis state at height 0. */
static chr_err statebuild_tip(statebuild_chain *c, char *errmsg, size_t cap)
{
    ledger_store_read *r;
    chr_err err = ledger_store_read_begin(c->store, &r);
    if (err != CHR_OK) {
        return err;
    }
    ledger_store_meta meta;
    err = ledger_store_meta_get(r, &meta);
    if (err == CHR_OK && (strcmp(meta.chain_id, c->g.chain_id) != 0 ||
                          memcmp(meta.genesis_hash, c->genesis_hash, 32) != 0)) {
        snprintf(errmsg, cap, "the data directory holds chain %s with another genesis",
                 meta.chain_id);
        err = CHR_ERR_GENESIS;
    }
    memset(&c->tip, 0, sizeof(c->tip));
    c->has_commit = 0;
    if (err == CHR_OK && meta.height == 0) {
        c->tip.time_ms = c->g.genesis_time_ms;
        memcpy(c->tip_hash, c->genesis_hash, 32);
        err = genesis_state_root(&c->g, c->tip.state_root);
    } else if (err == CHR_OK) {
        const uint8_t *bytes;
        size_t len;
        err = ledger_store_block(r, meta.height, &bytes, &len);
        err = err ? err : ledger_block_peek_header(&c->tip, bytes, len);
        err = err ? err : ledger_store_commit(r, meta.height, &bytes, &len);
        err = err ? err : ledger_commit_decode(&c->tip_commit, bytes, len);
        if (err == CHR_OK) {
            ledger_header_hash(&c->tip, c->tip_hash);
            c->has_commit = 1;
        } else {
            snprintf(errmsg, cap, "tip block %" PRIu64 " or its commit: %s", meta.height,
                     chr_err_str(err));
        }
    }
    ledger_store_read_end(r);
    return err;
}

/* The block after the tip carrying the accounts in o, whose state root is the trie's root:
 * its header and encoding (*bytes, caller frees), and its commit. */
static chr_err statebuild_block(statebuild_chain *c, ledger_trie *t, ledger_header *h,
                                uint8_t hash[32], uint8_t **bytes, size_t *bytes_len,
                                uint8_t *commit, size_t commit_cap, size_t *commit_len)
{
    memset(h, 0, sizeof(*h));
    h->chain_id_len = (uint8_t)strlen(c->g.chain_id);
    memcpy(h->chain_id, c->g.chain_id, h->chain_id_len);
    h->height = c->tip.height + 1;
    h->time_ms = c->tip.time_ms + 1;
    memcpy(h->prev_hash, c->tip_hash, 32);
    if (c->has_commit) {
        ledger_commit_hash(&c->tip_commit, h->last_commit_hash);
    }
    chr_err err = ledger_tx_root(h->tx_root, NULL, NULL, 0);
    err = err ? err : ledger_evidence_root(h->evidence_root, NULL, 0);
    if (err != CHR_OK) {
        return err;
    }
    ledger_trie_root(t, h->state_root);
    memcpy(h->validators_hash, c->validators_hash, 32);
    memcpy(h->next_validators_hash, c->validators_hash, 32); /* the set is fixed */
    memcpy(h->proposer, c->pub, 32);
    ledger_header_hash(h, hash);
    err = ledger_block_encode(bytes, bytes_len, h, c->has_commit ? &c->tip_commit : NULL, NULL,
                              NULL, 0, NULL, 0);
    if (err != CHR_OK) {
        return err;
    }
    /* The validator's precommit for the block: the whole commit of a one-validator chain. */
    ledger_commit *cm = &c->tip_commit;
    memset(cm, 0, sizeof(*cm));
    cm->height = h->height;
    cm->round = 0;
    memcpy(cm->block_hash, hash, 32);
    cm->sigs_len = 1;
    memcpy(cm->sigs[0].validator, c->pub, 32);
    uint8_t msg[CHR_HASH_LEN];
    uint8_t aux[32];
    ledger_vote_sighash(msg, c->g.chain_id, LEDGER_VOTE_PRECOMMIT, h->height, 0, hash);
    randombytes_buf(aux, sizeof(aux));
    err = ledger_signer_sign(c->signer, cm->sigs[0].sig, msg, c->sk, aux);
    err = err ? err : ledger_commit_encode(cm, commit, commit_cap, commit_len);
    if (err != CHR_OK) {
        free(*bytes);
        *bytes = NULL;
    }
    return err;
}

/* One block adding accounts first .. first + n - 1: the trie and the overlay, then the
 * block written with its trie rows (growing the map when full), then the tip advanced. */
static chr_err statebuild_add_block(statebuild_chain *c, ledger_trie *t, statebuild_source *src,
                                    ledger_overlay *o, uint64_t first, uint64_t n)
{
    ledger_overlay_reset(o);
    chr_err err = ledger_store_read_begin(c->store, &src->r);
    if (err != CHR_OK) {
        return err;
    }
    ledger_account a = {.balance = 1, .nonce = 0};
    uint8_t value[CHR_HASH_LEN];
    ledger_account_hash(value, &a);
    for (uint64_t i = 0; i < n && err == CHR_OK; i++) {
        uint8_t addr[32];
        statebuild_key(addr, STATEBUILD_TAG_PRESENT, first + i);
        err = ledger_trie_set(t, addr, value);
        err = err ? err : ledger_overlay_put(o, addr, &a);
    }
    ledger_header h;
    uint8_t hash[32];
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    uint8_t commit[LEDGER_COMMIT_BYTES_MAX];
    size_t commit_len = 0;
    err = err ? err
              : statebuild_block(c, t, &h, hash, &bytes, &bytes_len, commit, sizeof(commit),
                                 &commit_len);
    /* The rows are read within the snapshot; the writes need none, and growing the map
     * waits for every reader. */
    ledger_store_read_end(src->r);
    src->r = NULL;
    ledger_store_write w = {
        .header = &h,
        .hash = hash,
        .bytes = bytes,
        .bytes_len = bytes_len,
        .commit = commit,
        .commit_len = commit_len,
        .changes = o,
        .trie = t,
    };
    while (err == CHR_OK) {
        err = ledger_store_commit_block(c->store, &w);
        if (err != CHR_ERR_MAP_FULL) {
            break;
        }
        err = ledger_store_grow(c->store, 2 * ledger_store_map_size(c->store));
    }
    free(bytes);
    if (err != CHR_OK) {
        ledger_trie_rollback(t);
        return err;
    }
    ledger_trie_release(t);
    c->tip = h;
    memcpy(c->tip_hash, hash, 32);
    c->has_commit = 1;
    return CHR_OK;
}

/* Loads the genesis and the validator key, opens the store and reads its tip. */
static chr_err statebuild_open(statebuild_chain *c, const char *dir, const char *genesis_path,
                               const char *key_path, char *errmsg, size_t cap)
{
    genesis_init(&c->g);
    chr_err err = genesis_load_file(&c->g, genesis_path, errmsg, cap);
    err = err ? err : genesis_hash(&c->g, c->genesis_hash);
    err = err ? err : chr_keyfile_read(key_path, c->sk, errmsg, cap);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    err = ledger_signer_new(&c->signer, seed);
    err = err ? err : ledger_signer_pubkey(c->signer, c->pub, c->sk);
    if (err != CHR_OK) {
        return err;
    }
    if (c->g.validators.len != 1 || ledger_valset_find(&c->g.validators, c->pub) != 0) {
        snprintf(errmsg, cap, "the key is not the genesis's only validator");
        return CHR_ERR_ARG;
    }
    ledger_valset_hash(&c->g.validators, c->validators_hash);
    err = ledger_store_open(&c->store, dir, STATEBUILD_MAP_BYTES_INITIAL);
    if (err != CHR_OK) {
        snprintf(errmsg, cap, "cannot open the store in %s", dir);
        return err;
    }
    ledger_store_read *r;
    ledger_store_meta meta;
    err = ledger_store_read_begin(c->store, &r);
    if (err == CHR_OK) {
        err = ledger_store_meta_get(r, &meta);
        ledger_store_read_end(r);
    }
    if (err == CHR_ERR_NOT_FOUND) {
        err = statebuild_init_genesis(c);
    }
    return err ? err : statebuild_tip(c, errmsg, cap);
}

static void statebuild_close(statebuild_chain *c)
{
    if (c->store != NULL) {
        ledger_store_close(c->store);
    }
    ledger_signer_free(c->signer);
    genesis_free(&c->g);
    sodium_memzero(c->sk, sizeof(c->sk));
}

static int statebuild_cmd_add(int argc, char **argv)
{
    static const char *const known[] = {"--data",     "--genesis",       "--key",
                                        "--count",    "--first",         "--batch",
                                        "--cache-mb", "--versions-kept", NULL};
    static const char *const required[] = {"--data", "--genesis", "--key", "--count", NULL};
    uint64_t count;
    uint64_t first;
    uint64_t batch;
    uint64_t cache_mb;
    uint64_t versions_kept;
    if (!bench_args_ok("statebuild", argc, argv, known, required) ||
        !bench_arg_u64("statebuild", argc, argv, "--count", 0, 1, STATEBUILD_COUNT_MAX, &count) ||
        !bench_arg_u64("statebuild", argc, argv, "--first", 0, 0, UINT64_MAX - STATEBUILD_COUNT_MAX,
                       &first) ||
        !bench_arg_u64("statebuild", argc, argv, "--batch", STATEBUILD_BATCH_DEFAULT, 1,
                       STATEBUILD_BATCH_MAX, &batch) ||
        !bench_arg_u64("statebuild", argc, argv, "--cache-mb", STATEBUILD_CACHE_MB_DEFAULT, 0,
                       STATEBUILD_CACHE_MB_MAX, &cache_mb) ||
        !bench_arg_u64("statebuild", argc, argv, "--versions-kept", 1, 0,
                       STATEBUILD_VERSIONS_KEPT_MAX, &versions_kept)) {
        return STATEBUILD_USAGE;
    }
    statebuild_chain *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        fprintf(stderr, "statebuild: out of memory\n");
        return STATEBUILD_FAIL;
    }
    char errmsg[STATEBUILD_ERRMSG_MAX] = "";
    statebuild_source src = {NULL};
    ledger_trie *t = NULL;
    ledger_overlay *o = NULL;
    chr_err err =
        statebuild_open(c, bench_arg(argc, argv, "--data"), bench_arg(argc, argv, "--genesis"),
                        bench_arg(argc, argv, "--key"), errmsg, sizeof(errmsg));
    err = err ? err : ledger_store_set_versions_kept(c->store, versions_kept);
    ledger_trie_source ts = {&src, statebuild_seek};
    err = err ? err : ledger_trie_new(&t, ts, (size_t)cache_mb << 20);
    err = err ? err : ledger_overlay_new(&o, (size_t)batch, statebuild_load_none, NULL);
    if (err == CHR_OK) {
        err = ledger_store_read_begin(c->store, &src.r);
        err = err ? err : ledger_trie_open(t, c->tip.state_root);
        ledger_store_read_end(src.r);
        src.r = NULL;
    }
    uint64_t start_height = c->tip.height;
    double t0 = statebuild_now();
    for (uint64_t done = 0; done < count && err == CHR_OK;) {
        uint64_t n = count - done < batch ? count - done : batch;
        err = statebuild_add_block(c, t, &src, o, first + done, n);
        done += n;
        if (err == CHR_OK) {
            double s = statebuild_now() - t0;
            fprintf(stderr, "statebuild: %" PRIu64 " accounts, height %" PRIu64 ", %.1f s\n", done,
                    c->tip.height, s);
        }
    }
    double s = statebuild_now() - t0;
    /* No block carries transactions, but the index follows every block's height. */
    err = err ? err : ledger_store_index(c->store);
    if (err == CHR_OK) {
        printf("statebuild: %" PRIu64 " accounts in %" PRIu64 " blocks (heights %" PRIu64
               "..%" PRIu64 ") in %.1f s, %.0f accounts/s\n",
               count, c->tip.height - start_height, start_height + 1, c->tip.height, s,
               s > 0 ? (double)count / s : 0);
    } else {
        fprintf(stderr, "statebuild: add failed: %s%s%s\n", chr_err_str(err), errmsg[0] ? ": " : "",
                errmsg);
    }
    ledger_overlay_free(o);
    ledger_trie_free(t);
    statebuild_close(c);
    free(c);
    return err == CHR_OK ? STATEBUILD_OK : STATEBUILD_FAIL;
}

/* ---- prove ---- */

typedef struct statebuild_prover {
    ledger_store *store;
    uint64_t first;
    uint64_t count;
    uint64_t seed;
    atomic_int *stop;
    /* results */
    uint64_t proofs;
    uint64_t present_bytes;
    uint64_t present_n;
    uint64_t absent_bytes;
    uint64_t absent_n;
    chr_err err;
} statebuild_prover;

/* The proof's encoded size by its definition (ledger/proof.h): version, key, has_leaf,
 * the leaf's key and value, the step count and 34 bytes a step. */
static size_t statebuild_proof_bytes(const ledger_proof *p)
{
    return 1 + 32 + 1 + (p->has_leaf ? 64u : 0u) + 2 + 34u * p->steps_len;
}

/* Proves alternately a random present account and a random absent key until stopped. */
static void *statebuild_prove_main(void *arg)
{
    statebuild_prover *p = arg;
    ledger_proof *proof = malloc(sizeof(*proof));
    ledger_store_read *r = NULL;
    p->err = proof != NULL ? ledger_store_read_begin(p->store, &r) : CHR_ERR_NOMEM;
    uint64_t rng = p->seed | 1;
    while (p->err == CHR_OK && !atomic_load(p->stop)) {
        for (unsigned i = 0; i < STATEBUILD_PROVE_STRIDE && p->err == CHR_OK; i++) {
            uint8_t key[32];
            uint64_t k = statebuild_rand(&rng);
            int present = (p->proofs & 1) == 0;
            statebuild_key(key, present ? STATEBUILD_TAG_PRESENT : STATEBUILD_TAG_ABSENT,
                           present ? p->first + k % p->count : k);
            uint64_t height;
            uint8_t root[32];
            p->err = ledger_store_state_proof(r, key, &height, root, proof);
            if (p->err != CHR_OK) {
                break;
            }
            int is_member = proof->has_leaf && memcmp(proof->leaf_key, key, 32) == 0;
            if (is_member != present) {
                fprintf(stderr,
                        "statebuild: the proof of a %s key says otherwise (is --count right?)\n",
                        present ? "present" : "absent");
                p->err = CHR_ERR_STATE_ROOT;
                break;
            }
            size_t bytes = statebuild_proof_bytes(proof);
            if (present) {
                p->present_bytes += bytes;
                p->present_n++;
            } else {
                p->absent_bytes += bytes;
                p->absent_n++;
            }
            p->proofs++;
        }
    }
    ledger_store_read_end(r);
    free(proof);
    return NULL;
}

/* Runs `threads` provers for `seconds` and prints their rate and the proofs' sizes. */
static chr_err statebuild_prove_run(ledger_store *s, uint64_t first, uint64_t count,
                                    unsigned threads, unsigned seconds)
{
    statebuild_prover *ps = calloc(threads, sizeof(*ps));
    pthread_t *tids = calloc(threads, sizeof(*tids));
    if (ps == NULL || tids == NULL) {
        free(ps);
        free(tids);
        return CHR_ERR_NOMEM;
    }
    atomic_int stop = 0;
    unsigned started = 0;
    double t0 = statebuild_now();
    for (unsigned i = 0; i < threads; i++) {
        ps[i] = (statebuild_prover){.store = s,
                                    .first = first,
                                    .count = count,
                                    .seed = 0x9E3779B97F4A7C15ULL * (i + 1),
                                    .stop = &stop};
        if (pthread_create(&tids[i], NULL, statebuild_prove_main, &ps[i]) != 0) {
            break;
        }
        started++;
    }
    struct timespec ts = {.tv_sec = seconds, .tv_nsec = 0};
    while (started == threads && nanosleep(&ts, &ts) != 0) {
    }
    atomic_store(&stop, 1);
    statebuild_prover sum = {.err = started == threads ? CHR_OK : CHR_ERR_NOMEM};
    for (unsigned i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
        sum.proofs += ps[i].proofs;
        sum.present_bytes += ps[i].present_bytes;
        sum.present_n += ps[i].present_n;
        sum.absent_bytes += ps[i].absent_bytes;
        sum.absent_n += ps[i].absent_n;
        sum.err = sum.err ? sum.err : ps[i].err;
    }
    double elapsed = statebuild_now() - t0;
    if (sum.err == CHR_OK) {
        printf("prove: %u thread%s, %" PRIu64 " proofs in %.2f s, %.0f proofs/s; mean size "
               "%.0f bytes present, %.0f bytes absent\n",
               threads, threads == 1 ? "" : "s", sum.proofs, elapsed, (double)sum.proofs / elapsed,
               sum.present_n ? (double)sum.present_bytes / (double)sum.present_n : 0,
               sum.absent_n ? (double)sum.absent_bytes / (double)sum.absent_n : 0);
    }
    free(ps);
    free(tids);
    return sum.err;
}

static int statebuild_cmd_prove(int argc, char **argv)
{
    static const char *const known[] = {"--data",    "--count",   "--first",
                                        "--seconds", "--threads", NULL};
    static const char *const required[] = {"--data", "--count", NULL};
    uint64_t count;
    uint64_t first;
    uint64_t seconds;
    uint64_t threads;
    if (!bench_args_ok("statebuild", argc, argv, known, required) ||
        !bench_arg_u64("statebuild", argc, argv, "--count", 0, 1, STATEBUILD_COUNT_MAX, &count) ||
        !bench_arg_u64("statebuild", argc, argv, "--first", 0, 0, UINT64_MAX - STATEBUILD_COUNT_MAX,
                       &first) ||
        !bench_arg_u64("statebuild", argc, argv, "--seconds", 3, 1, STATEBUILD_SECONDS_MAX,
                       &seconds) ||
        !bench_arg_u64("statebuild", argc, argv, "--threads", bench_cores(STATEBUILD_THREADS_MAX),
                       1, STATEBUILD_THREADS_MAX, &threads)) {
        return STATEBUILD_USAGE;
    }
    ledger_store *s;
    const char *dir = bench_arg(argc, argv, "--data");
    chr_err err = ledger_store_open(&s, dir, STATEBUILD_MAP_BYTES_INITIAL);
    if (err != CHR_OK) {
        fprintf(stderr, "statebuild: cannot open the store in %s: %s\n", dir, chr_err_str(err));
        return STATEBUILD_FAIL;
    }
    err = statebuild_prove_run(s, first, count, 1, (unsigned)seconds);
    if (err == CHR_OK && threads > 1) {
        err = statebuild_prove_run(s, first, count, (unsigned)threads, (unsigned)seconds);
    }
    if (err != CHR_OK) {
        fprintf(stderr, "statebuild: prove failed: %s\n", chr_err_str(err));
    }
    ledger_store_close(s);
    return err == CHR_OK ? STATEBUILD_OK : STATEBUILD_FAIL;
}

static int statebuild_usage(void)
{
    fprintf(stderr, "usage: statebuild add --data DIR --genesis FILE --key FILE --count N\n"
                    "                      [--first F] [--batch B] [--cache-mb C]\n"
                    "                      [--versions-kept V]\n"
                    "       statebuild prove --data DIR --count N [--first F] [--seconds S]\n"
                    "                        [--threads T]\n");
    return STATEBUILD_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return statebuild_usage();
    }
    if (chr_hash_init() != CHR_OK) {
        fprintf(stderr, "statebuild: libsodium failed to start\n");
        return STATEBUILD_FAIL;
    }
    if (strcmp(argv[1], "add") == 0) {
        return statebuild_cmd_add(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "prove") == 0) {
        return statebuild_cmd_prove(argc - 2, argv + 2);
    }
    return statebuild_usage();
}
