/* loadgen: the chain core's throughput benchmark, driven by tests/bench/run.sh (`make
 * bench`). It measures and prints figures; it asserts nothing about them.
 *
 *   loadgen verify-rate [--threads N] [--seconds S]
 *       BIP-340 verifications per second through ledger_tx_verify on N threads (default:
 *       one per online core), over pre-signed transfers.
 *   loadgen accounts --count N --out DIR [--genesis FILE --balance AMOUNT]
 *       N new sender keys in DIR/senders.keys (64 hex per line, mode 0600) and their
 *       addresses on stdout, one per line. With --genesis, also gives each AMOUNT in FILE,
 *       through genesis/genesis.h: `chroom-genesis add-account` would rewrite and fsync the
 *       file once per account. Check the result with `chroom-genesis validate`. With
 *       --print pubkey, prints the x-only public keys in hex instead of the addresses.
 *   loadgen heartbeats --keys FILE --chain-id ID --rounds R --out FILE [--step-ms S]
 *       Signed media-node heartbeats (ledger/heartbeat.h, docs/ANALYTICS.md), one request
 *       body {"heartbeat":"<hex>"} a line, for httpbench --bodies (heartbeats_bench.py):
 *       R rounds of one heartbeat per key of FILE (the media nodes' secret keys), round by
 *       round, times from now + S ms by S ms (default 1) per round, one meeting each.
 *   loadgen transfers --node URL[,URL...] --keys FILE --chain-id ID --fee F --txs N
 *                     --batch B --conns C [--amount A] [--new-pct P] [--timeout S]
 *                     [--api-key-file F[,F...]] [--delegate-to FILE]
 *       Signs N transfers spread over the keys (each sender's nonces in order from its next
 *       one), submits them with POST /api/v1/txs/batch over C keep-alive connections, polls
 *       GET /api/v1/status until they are committed, and prints the submit and commit
 *       rates. P percent of the transfers go to new accounts, the others to other senders.
 *       Every request carries the API key in F (`chroomd apikey create`) as a bearer token.
 *       With several nodes (the validators of one chain), connection g sends to node
 *       g % nodes, so each sender's transfers go to one node, with that node's key (one F
 *       per URL, or one for all); nonces and the commits are read from the first node.
 *       With --delegate-to (a file of validator operators' chr1 addresses, one a line),
 *       the transactions are delegations of A instead (tests/bench/staking.sh fills the
 *       state with them): transaction i goes to validator (i + i / senders) % validators,
 *       so that a sender's successive ones go to different validators.
 *   loadgen latency --node URL[,URL...] --keys FILE --chain-id ID --fee F --rate R
 *                   --seconds S [--tick-ms T] [--batch B] [--amount A] [--new-pct P]
 *                   [--timeout S] [--api-key-file F[,F...]]
 *       A paced stream: transfer i (of R * S, signed beforehand) is due i / R seconds after
 *       the start and goes to the node of its sender (sender % nodes); each node's thread
 *       posts, at most every T ms (default 5), all its transfers then due in one
 *       POST /api/v1/txs/batch (at most B). Each node's GET /api/v1/events shows when its
 *       transfers are committed. Prints p50/p90/p99/max from each transfer's due time to
 *       its commit (a client that falls behind cannot hide latency), and waits at most
 *       --timeout seconds (default 30) after the last is sent.
 *   loadgen wait-height --node URL --height H [--timeout S] [--api-key-file F]
 *       Polls GET /api/v1/status until the node is at height H or above, and prints how
 *       long that took and the blocks/s (a full node syncing), from its own start.
 *
 * Exit status: 0 measured, 1 could not measure (a file, the node, a key), 2 usage. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "common/hex.h"
#include "genesis/genesis.h"
#include "ledger/heartbeat.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "rpc/limits.h"
#include "tests/bench/args.h"

#define LOADGEN_OK 0
#define LOADGEN_FAIL 1
#define LOADGEN_USAGE 2

/* Transfers in one run: 10,000,000 keep their hex (~350 bytes each) under 4 GiB. */
#define LOADGEN_TXS_MAX 10000000u
/* Threads for verifying or signing: as many as the node's verifier may have. */
#define LOADGEN_THREADS_MAX 256
/* Concurrent connections: each is a thread and, on the node, a thread too. */
#define LOADGEN_CONNS_MAX 64
/* Distinct transfers verify-rate cycles through: enough that no cache of a result could
 * help, few enough to sign in a moment. */
#define LOADGEN_VERIFY_SET 256
/* verify-rate looks at its stop flag once per this many verifications (~2 ms). */
#define LOADGEN_VERIFY_STRIDE 64
#define LOADGEN_SECONDS_MAX 600
/* The largest answer read: a batch answer is ~150 bytes per transaction. */
#define LOADGEN_RESPONSE_BYTES_MAX (16u * 1024 * 1024)
/* The largest request body built: a full batch of the largest transactions in hex. */
#define LOADGEN_BODY_BYTES_MAX (RPC_BATCH_TXS_MAX * (2u * LEDGER_TX_BYTES_MAX + 4) + 64)
/* A node's base URL, and room for any URL built on it (the longest adds an address). */
#define LOADGEN_NODE_URL_MAX 256
/* Nodes one run spreads its transfers over: a testnet's validators. */
#define LOADGEN_NODES_MAX 16
/* --delegate-to's validators: a chain's, with room beyond the largest active set. */
#define LOADGEN_VALIDATORS_MAX 1024
#define LOADGEN_URL_MAX 512
#define LOADGEN_ERRMSG_MAX 512
/* Distinct rejection codes counted; the API has a few dozen at most. */
#define LOADGEN_CODES_MAX 32
#define LOADGEN_CODE_LEN_MAX 48
/* How often the commit watcher asks for the status: the commit time's resolution. */
#define LOADGEN_POLL_MS 10
/* A batch the node had no room for is resubmitted after LOADGEN_RETRY_MS, at most
 * LOADGEN_RETRIES_MAX times (30 s in all). */
#define LOADGEN_RETRY_MS 50
#define LOADGEN_RETRIES_MAX 600
/* How long transfers waits for the node to answer its first status request. */
#define LOADGEN_NODE_WAIT_S 30
/* Each HTTP call's own bound; a batch is answered in well under a second. */
#define LOADGEN_HTTP_TIMEOUT_MS 60000L

_Static_assert(LOADGEN_BODY_BYTES_MAX < RPC_BODY_BYTES_MAX, "a body the node may accept");
_Static_assert(LOADGEN_NODE_URL_MAX + 32 + CHR_ADDRESS_STR_LEN < LOADGEN_URL_MAX, "URLs fit");
_Static_assert(LOADGEN_TXS_MAX < SIZE_MAX / (2 * LEDGER_TX_BYTES_MAX), "hex sizes fit");

/* ---- Small helpers: time, arguments, buffers. ---- */

static double loadgen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void loadgen_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* CPU seconds (user and system) this process has used. */
static double loadgen_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return 0;
    }
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* A growable buffer that always holds a NUL after its bytes. */
typedef struct loadgen_buf {
    char *data;
    size_t len;
    size_t cap;
    int overflow;
} loadgen_buf;

static int loadgen_buf_reserve(loadgen_buf *b, size_t need)
{
    if (need <= b->cap) {
        return 1;
    }
    size_t cap = b->cap != 0 ? b->cap : 4096;
    while (cap < need) {
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (d == NULL) {
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

static size_t loadgen_curl_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    loadgen_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->overflow || n > LOADGEN_RESPONSE_BYTES_MAX - b->len ||
        !loadgen_buf_reserve(b, b->len + n + 1)) {
        b->overflow = 1;
        return 0;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* ---- Keys and signing. ---- */

static const uint8_t loadgen_memo_none[1] = {0};

static chr_err loadgen_signer_new(ledger_signer **out)
{
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    chr_err err = ledger_signer_new(out, seed);
    sodium_memzero(seed, sizeof(seed));
    return err;
}

static void loadgen_keygen(const ledger_signer *s, uint8_t sk[32], uint8_t pub[32])
{
    do {
        randombytes_buf(sk, 32);
    } while (ledger_signer_pubkey(s, pub, sk) != CHR_OK);
}

/* A valid key nobody holds the secret of: about half of all x coordinates are on the
 * curve (BIP-340 lift_x), so this takes two tries on average. */
static void loadgen_random_pubkey(uint8_t pub[32])
{
    do {
        randombytes_buf(pub, 32);
    } while (!ledger_pubkey_valid(pub));
}

/* Builds and signs a transfer (or, with type LEDGER_TX_DELEGATE, a delegation to `to`)
 * without memo or expiry. */
static chr_err loadgen_sign(const ledger_signer *s, ledger_tx *tx, uint8_t type,
                            const char *chain_id, const uint8_t sk[32], const uint8_t pub[32],
                            uint64_t nonce, uint64_t fee, const uint8_t to[32], uint64_t amount)
{
    chr_err err = ledger_tx_init(tx, type, chain_id, pub, nonce, fee, 0, loadgen_memo_none, 0);
    if (err != CHR_OK) {
        return err;
    }
    if (type == LEDGER_TX_DELEGATE) {
        memcpy(tx->body.stake.validator, to, 32);
        tx->body.stake.amount = amount;
    } else {
        memcpy(tx->body.transfer.to, to, 32);
        tx->body.transfer.amount = amount;
    }
    uint8_t msg[32];
    uint8_t aux[32];
    ledger_tx_sighash(tx, msg);
    randombytes_buf(aux, sizeof(aux));
    return ledger_signer_sign(s, tx->sig, msg, sk, aux);
}

/* ---- verify-rate. ---- */

typedef struct loadgen_verifier {
    const ledger_tx *txs;
    atomic_int *stop;
    pthread_barrier_t *start;
    uint64_t count;
    pthread_t thread;
} loadgen_verifier;

static void *loadgen_verify_main(void *arg)
{
    loadgen_verifier *v = arg;
    size_t i = 0;
    pthread_barrier_wait(v->start);
    while (!atomic_load_explicit(v->stop, memory_order_relaxed)) {
        for (int k = 0; k < LOADGEN_VERIFY_STRIDE; k++) {
            chr_err err = ledger_tx_verify(&v->txs[i]);
            CHR_ASSERT(err == CHR_OK);
            i = (i + 1) % LOADGEN_VERIFY_SET;
        }
        v->count += LOADGEN_VERIFY_STRIDE;
    }
    return NULL;
}

/* Signs LOADGEN_VERIFY_SET transfers of as many random senders. */
static int loadgen_verify_set(ledger_tx *txs)
{
    ledger_signer *s;
    if (loadgen_signer_new(&s) != CHR_OK) {
        return 0;
    }
    chr_err err = CHR_OK;
    for (size_t i = 0; i < LOADGEN_VERIFY_SET && err == CHR_OK; i++) {
        uint8_t sk[32];
        uint8_t pub[32];
        uint8_t to[32];
        loadgen_keygen(s, sk, pub);
        loadgen_random_pubkey(to);
        err = loadgen_sign(s, &txs[i], LEDGER_TX_TRANSFER, "chroom-bench", sk, pub, i, 1000, to,
                           1 + i);
        sodium_memzero(sk, sizeof(sk));
    }
    ledger_signer_free(s);
    return err == CHR_OK;
}

static int loadgen_cmd_verify_rate(int argc, char **argv)
{
    static const char *const known[] = {"--threads", "--seconds", NULL};
    static const char *const required[] = {NULL};
    uint64_t threads;
    uint64_t seconds;
    if (!bench_args_ok("loadgen", argc, argv, known, required) ||
        !bench_arg_u64("loadgen", argc, argv, "--threads", bench_cores(LOADGEN_THREADS_MAX), 1,
                       LOADGEN_THREADS_MAX, &threads) ||
        !bench_arg_u64("loadgen", argc, argv, "--seconds", 3, 1, LOADGEN_SECONDS_MAX, &seconds)) {
        return LOADGEN_USAGE;
    }
    ledger_tx *txs = calloc(LOADGEN_VERIFY_SET, sizeof(*txs));
    loadgen_verifier *v = calloc(threads, sizeof(*v));
    if (txs == NULL || v == NULL || !loadgen_verify_set(txs)) {
        fprintf(stderr, "loadgen: cannot prepare the transfers to verify\n");
        free(txs);
        free(v);
        return LOADGEN_FAIL;
    }
    atomic_int stop = 0;
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (uint64_t i = 0; i < threads; i++) {
        v[i] = (loadgen_verifier){.txs = txs, .stop = &stop, .start = &start};
        CHR_ASSERT(pthread_create(&v[i].thread, NULL, loadgen_verify_main, &v[i]) == 0);
    }
    pthread_barrier_wait(&start);
    double t0 = loadgen_now();
    loadgen_sleep_ms((unsigned)seconds * 1000);
    atomic_store(&stop, 1);
    uint64_t total = 0;
    for (uint64_t i = 0; i < threads; i++) {
        pthread_join(v[i].thread, NULL);
        total += v[i].count;
    }
    double elapsed = loadgen_now() - t0;
    pthread_barrier_destroy(&start);
    double rate = (double)total / elapsed;
    printf("verify: %" PRIu64 " thread%s, %.0f verifications/s (%.1f us each per thread, "
           "%" PRIu64 " in %.2f s)\n",
           threads, threads == 1 ? "" : "s", rate, 1e6 * (double)threads / rate, total, elapsed);
    free(txs);
    free(v);
    return LOADGEN_OK;
}

/* ---- accounts. ---- */

static int loadgen_key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static int loadgen_write_keys(const char *path, const uint8_t (*sk)[32], size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        fprintf(stderr, "loadgen: cannot write %s: %s\n", path, strerror(errno));
        return 0;
    }
    int ok = 1;
    char hex[65];
    for (size_t i = 0; i < n && ok; i++) {
        chr_hex_encode(hex, sizeof(hex), sk[i], 32);
        ok = fprintf(f, "%s\n", hex) == 65;
    }
    sodium_memzero(hex, sizeof(hex));
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "loadgen: cannot write %s\n", path);
    }
    return ok;
}

/* Funds every key in the genesis at path. Adding in key order appends at the end of the
 * sorted accounts array, so a million accounts take no quadratic time. */
static int loadgen_fund(const char *path, uint8_t (*pub)[32], size_t n, uint64_t balance)
{
    char errmsg[LOADGEN_ERRMSG_MAX];
    genesis g;
    genesis_init(&g);
    if (genesis_load_file(&g, path, errmsg, sizeof(errmsg)) != CHR_OK) {
        fprintf(stderr, "loadgen: %s: %s\n", path, errmsg);
        return 0;
    }
    qsort(pub, n, 32, loadgen_key_cmp);
    chr_err err = CHR_OK;
    for (size_t i = 0; i < n && err == CHR_OK; i++) {
        err = genesis_add_account(&g, pub[i], balance);
    }
    uint64_t supply;
    err = err != CHR_OK ? err : genesis_supply(&g, &supply);
    err = err != CHR_OK ? err : genesis_save_file(&g, path);
    if (err != CHR_OK) {
        fprintf(stderr, "loadgen: cannot fund %zu accounts in %s: %s\n", n, path, chr_err_str(err));
    }
    genesis_free(&g);
    return err == CHR_OK;
}

static int loadgen_cmd_accounts(int argc, char **argv)
{
    static const char *const known[] = {"--count",   "--out",   "--genesis",
                                        "--balance", "--print", NULL};
    static const char *const required[] = {"--count", "--out", NULL};
    uint64_t count;
    uint64_t balance;
    if (!bench_args_ok("loadgen", argc, argv, known, required) ||
        !bench_arg_u64("loadgen", argc, argv, "--count", 1, 1, LEDGER_GENESIS_ACCOUNTS_MAX,
                       &count) ||
        !bench_arg_u64("loadgen", argc, argv, "--balance", 0, 1, UINT64_MAX, &balance)) {
        return LOADGEN_USAGE;
    }
    const char *dir = bench_arg(argc, argv, "--out");
    const char *gen = bench_arg(argc, argv, "--genesis");
    const char *print = bench_arg(argc, argv, "--print");
    int pubkeys = print != NULL && strcmp(print, "pubkey") == 0;
    if ((gen == NULL) != (balance == 0)) {
        fprintf(stderr, "loadgen: --genesis and --balance go together\n");
        return LOADGEN_USAGE;
    }
    if (print != NULL && !pubkeys && strcmp(print, "address") != 0) {
        fprintf(stderr, "loadgen: --print: address or pubkey\n");
        return LOADGEN_USAGE;
    }
    char path[LOADGEN_URL_MAX];
    if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
        (size_t)snprintf(path, sizeof(path), "%s/senders.keys", dir) >= sizeof(path)) {
        fprintf(stderr, "loadgen: cannot use %s as the output directory\n", dir);
        return LOADGEN_FAIL;
    }
    uint8_t(*sk)[32] = malloc(count * 32);
    uint8_t(*pub)[32] = malloc(count * 32);
    ledger_signer *s = NULL;
    int ok = sk != NULL && pub != NULL && loadgen_signer_new(&s) == CHR_OK;
    for (size_t i = 0; ok && i < count; i++) {
        loadgen_keygen(s, sk[i], pub[i]);
    }
    ok = ok && loadgen_write_keys(path, (const uint8_t(*)[32])sk, count);
    for (size_t i = 0; ok && i < count; i++) {
        char addr[CHR_ADDRESS_STR_LEN + 1];
        char hex[65];
        chr_address_encode(addr, pub[i]);
        chr_hex_encode(hex, sizeof(hex), pub[i], 32);
        ok = printf("%s\n", pubkeys ? hex : addr) > 0;
    }
    ok = ok && (gen == NULL || loadgen_fund(gen, pub, count, balance));
    if (ok) {
        fprintf(stderr, "loadgen: %" PRIu64 " sender keys in %s%s%s\n", count, path,
                gen != NULL ? ", funded in " : "", gen != NULL ? gen : "");
    }
    if (sk != NULL) {
        sodium_memzero(sk, count * 32);
    }
    ledger_signer_free(s);
    free(sk);
    free(pub);
    return ok ? LOADGEN_OK : LOADGEN_FAIL;
}

/* ---- HTTP. ---- */

/* One keep-alive connection to the node: libcurl reuses it between calls. One thread. */
typedef struct loadgen_http {
    CURL *curl;
    struct curl_slist *headers;
    loadgen_buf resp;
} loadgen_http;

/* "Authorization: Bearer <key>" for every request to node i (--node's i-th URL), from
 * --api-key-file; "" for none. API keys are per node. */
static char loadgen_auth_header[LOADGEN_NODES_MAX][160];

/* A connection to the node'th node of --node: its requests carry that node's API key. */
static int loadgen_http_init_for(loadgen_http *h, size_t node)
{
    CHR_ASSERT(node < LOADGEN_NODES_MAX);
    memset(h, 0, sizeof(*h));
    h->curl = curl_easy_init();
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* Without this libcurl sends "Expect: 100-continue" for bodies over 1 KiB and waits
     * for the node's go-ahead: a round trip per batch for nothing. */
    struct curl_slist *more = h->headers != NULL ? curl_slist_append(h->headers, "Expect:") : NULL;
    if (more != NULL && loadgen_auth_header[node][0] != '\0') {
        more = curl_slist_append(more, loadgen_auth_header[node]);
    }
    if (h->curl == NULL || more == NULL || !loadgen_buf_reserve(&h->resp, 1)) {
        return 0;
    }
    h->headers = more;
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, LOADGEN_HTTP_TIMEOUT_MS);
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    /* An https:// node with its own certificate (tests/bench/run.sh, BENCH_TLS=1). */
    const char *ca = getenv("LOADGEN_CA_FILE");
    if (ca != NULL && ca[0] != '\0') {
        curl_easy_setopt(h->curl, CURLOPT_CAINFO, ca);
    }
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, loadgen_curl_write);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->resp);
    return 1;
}

static int loadgen_http_init(loadgen_http *h)
{
    return loadgen_http_init_for(h, 0);
}

static void loadgen_http_deinit(loadgen_http *h)
{
    curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    free(h->resp.data);
    memset(h, 0, sizeof(*h));
}

/* GET url (body NULL) or POST body to it. On 1, *status is the HTTP status and h->resp
 * the answer, NUL terminated. On 0, errmsg says why. */
static int loadgen_http_call(loadgen_http *h, const char *url, const char *body, size_t body_len,
                             long *status, char *errmsg, size_t errmsg_cap)
{
    h->resp.len = 0;
    h->resp.overflow = 0;
    h->resp.data[0] = '\0';
    *status = 0;
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    if (body != NULL) {
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else {
        curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(h->curl);
    if (rc != CURLE_OK) {
        snprintf(errmsg, errmsg_cap, "%s: %s", url,
                 h->resp.overflow ? "answer too large" : curl_easy_strerror(rc));
        return 0;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
    return 1;
}

/* Reads a string member holding a decimal u64, as the API writes amounts and counts. */
static int loadgen_json_u64(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 1;
    }
    return json_is_string(v) &&
           chr_u64_parse(out, json_string_value(v), json_string_length(v)) == CHR_OK;
}

/* GETs url and parses the answer as a JSON object; NULL (errmsg set) unless 200. */
static json_t *loadgen_get_json(loadgen_http *h, const char *url, char *errmsg, size_t cap)
{
    long status;
    if (!loadgen_http_call(h, url, NULL, 0, &status, errmsg, cap)) {
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(h->resp.data, h->resp.len, 0, &jerr);
    if (status != 200 || !json_is_object(root)) {
        snprintf(errmsg, cap, "%s: HTTP %ld: %.200s", url, status, h->resp.data);
        json_decref(root);
        return NULL;
    }
    return root;
}

typedef struct loadgen_status {
    uint64_t height;
    uint64_t txs_total;
    uint64_t mempool_txs;
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
} loadgen_status;

static int loadgen_status_get(loadgen_http *h, const char *url, loadgen_status *out, char *errmsg,
                              size_t cap)
{
    memset(out, 0, sizeof(*out));
    json_t *root = loadgen_get_json(h, url, errmsg, cap);
    if (root == NULL) {
        return 0;
    }
    const char *id = json_string_value(json_object_get(root, "chain_id"));
    int ok = id != NULL && strlen(id) <= LEDGER_CHAIN_ID_MAX &&
             loadgen_json_u64(root, "latest_height", &out->height) &&
             loadgen_json_u64(root, "txs_total", &out->txs_total) &&
             loadgen_json_u64(root, "mempool_txs", &out->mempool_txs);
    if (ok) {
        snprintf(out->chain_id, sizeof(out->chain_id), "%s", id);
    } else {
        snprintf(errmsg, cap, "%s: the status has not the documented shape", url);
    }
    json_decref(root);
    return ok;
}

/* ---- transfers: the plan. ---- */

typedef struct loadgen_plan {
    /* Base URLs without a trailing '/'. Every status and nonce is read from nodes[0]; the
     * transfers are spread over all of them, each sender's to one node only, since a node
     * admits only an account's next nonce. */
    char nodes[LOADGEN_NODES_MAX][LOADGEN_NODE_URL_MAX];
    size_t nodes_len;
    const char *chain_id;
    uint64_t fee;
    uint64_t amount;
    uint64_t new_pct;
    size_t keys_len;
    uint8_t (*sk)[32];
    uint8_t (*pub)[32];
    uint64_t *nonce0;          /* each sender's next nonce when the run starts */
    size_t txs_len;            /* transfer i: sender i % keys_len, nonce nonce0 + i / keys_len */
    size_t tx_hex_len;         /* every transfer has the same length: same chain id, no memo */
    char *hex;                 /* txs_len * tx_hex_len characters, no separators */
    uint8_t (*hashes)[32];     /* each transfer's hash, when not NULL (latency) */
    uint8_t (*validators)[32]; /* --delegate-to: delegations to these instead */
    size_t validators_len;
    size_t batch;
    size_t conns;
    double timeout_s;
} loadgen_plan;

static int loadgen_keys_read(loadgen_plan *p, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "loadgen: cannot read %s: %s\n", path, strerror(errno));
        return 0;
    }
    char line[128];
    size_t cap = 0;
    int ok = 1;
    while (ok && fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0) {
            continue;
        }
        if (p->keys_len == cap) {
            cap = cap != 0 ? cap * 2 : 1024;
            ok = cap <= 2 * (size_t)LEDGER_GENESIS_ACCOUNTS_MAX;
            void *grown = ok ? realloc(p->sk, cap * 32) : NULL;
            ok = grown != NULL;
            p->sk = ok ? grown : p->sk;
        }
        ok = ok && chr_hex_decode_exact(p->sk[p->keys_len], 32, line, len) == CHR_OK;
        p->keys_len += ok;
    }
    sodium_memzero(line, sizeof(line));
    fclose(f);
    if (!ok || p->keys_len == 0) {
        fprintf(stderr, "loadgen: %s: want 64 hex characters per line (key %zu)\n", path,
                p->keys_len + 1);
        return 0;
    }
    return 1;
}

/* Derives the public keys and learns each sender's next nonce from the node, which also
 * lets a second run on the same chain continue where the first left off. */
static int loadgen_senders(loadgen_plan *p, loadgen_http *h)
{
    ledger_signer *s;
    p->pub = malloc(p->keys_len * 32);
    p->nonce0 = calloc(p->keys_len, sizeof(*p->nonce0));
    if (p->pub == NULL || p->nonce0 == NULL || loadgen_signer_new(&s) != CHR_OK) {
        return 0;
    }
    int ok = 1;
    uint64_t short_of_funds = 0;
    uint64_t per_sender = p->txs_len / p->keys_len + 1;
    for (size_t i = 0; i < p->keys_len && ok; i++) {
        char addr[CHR_ADDRESS_STR_LEN + 1];
        char url[LOADGEN_URL_MAX];
        char errmsg[LOADGEN_ERRMSG_MAX];
        uint64_t balance;
        ok = ledger_signer_pubkey(s, p->pub[i], p->sk[i]) == CHR_OK;
        chr_address_encode(addr, p->pub[i]);
        snprintf(url, sizeof(url), "%s/api/v1/accounts/%s", p->nodes[0], addr);
        json_t *acct = ok ? loadgen_get_json(h, url, errmsg, sizeof(errmsg)) : NULL;
        ok = acct != NULL && loadgen_json_u64(acct, "pending_nonce", &p->nonce0[i]) &&
             loadgen_json_u64(acct, "balance", &balance);
        short_of_funds += ok && balance / (p->amount + p->fee) < per_sender;
        json_decref(acct);
        if (!ok) {
            fprintf(stderr, "loadgen: sender %zu: %s\n", i + 1, acct == NULL ? errmsg : "bad key");
        }
    }
    ledger_signer_free(s);
    if (short_of_funds > 0) {
        fprintf(stderr,
                "loadgen: %" PRIu64 " senders cannot pay for %" PRIu64
                " transfers each: expect balance rejections\n",
                short_of_funds, per_sender);
    }
    return ok;
}

typedef struct loadgen_signjob {
    loadgen_plan *plan;
    size_t from;
    size_t to;
    int ok;
    pthread_t thread;
} loadgen_signjob;

/* Picks the recipient of transfer i: a new account new_pct percent of the time, else
 * another sender. */
static void loadgen_recipient(const loadgen_plan *p, size_t sender, uint8_t to[32])
{
    if (p->keys_len < 2 || randombytes_uniform(100) < p->new_pct) {
        loadgen_random_pubkey(to);
        return;
    }
    size_t other = (sender + 1 + randombytes_uniform((uint32_t)p->keys_len - 1)) % p->keys_len;
    memcpy(to, p->pub[other], 32);
}

static void *loadgen_sign_main(void *arg)
{
    loadgen_signjob *j = arg;
    loadgen_plan *p = j->plan;
    ledger_signer *s = NULL;
    j->ok = loadgen_signer_new(&s) == CHR_OK;
    for (size_t i = j->from; i < j->to && j->ok; i++) {
        size_t sender = i % p->keys_len;
        uint64_t nonce = p->nonce0[sender] + i / p->keys_len;
        uint8_t to[32];
        ledger_tx tx;
        uint8_t buf[LEDGER_TX_BYTES_MAX];
        char hex[2 * LEDGER_TX_BYTES_MAX + 1];
        size_t len;
        uint8_t type = LEDGER_TX_TRANSFER;
        if (p->validators_len > 0) {
            type = LEDGER_TX_DELEGATE;
            memcpy(to, p->validators[(i + i / p->keys_len) % p->validators_len], 32);
        } else {
            loadgen_recipient(p, sender, to);
        }
        j->ok = loadgen_sign(s, &tx, type, p->chain_id, p->sk[sender], p->pub[sender], nonce,
                             p->fee, to, p->amount) == CHR_OK &&
                ledger_tx_encode(&tx, buf, sizeof(buf), &len) == CHR_OK;
        CHR_ASSERT(!j->ok || 2 * len == p->tx_hex_len);
        chr_hex_encode(hex, sizeof(hex), buf, len);
        memcpy(p->hex + i * p->tx_hex_len, hex, p->tx_hex_len);
        if (p->hashes != NULL && j->ok) {
            ledger_tx_hash(&tx, p->hashes[i]);
        }
    }
    ledger_signer_free(s);
    return NULL;
}

/* Signs every transfer of the plan on one thread per core. */
static int loadgen_sign_all(loadgen_plan *p, unsigned threads)
{
    ledger_tx probe;
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    uint8_t type = p->validators_len > 0 ? LEDGER_TX_DELEGATE : LEDGER_TX_TRANSFER;
    if (ledger_tx_init(&probe, type, p->chain_id, p->pub[0], 0, p->fee, 0, loadgen_memo_none, 0) !=
            CHR_OK ||
        ledger_tx_encode(&probe, buf, sizeof(buf), &len) != CHR_OK) {
        fprintf(stderr, "loadgen: --chain-id: not a chain id\n");
        return 0;
    }
    p->tx_hex_len = 2 * len;
    p->hex = malloc(p->txs_len * p->tx_hex_len);
    loadgen_signjob jobs[LOADGEN_THREADS_MAX];
    if (p->hex == NULL) {
        return 0;
    }
    int ok = 1;
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (loadgen_signjob){
            .plan = p, .from = p->txs_len * t / threads, .to = p->txs_len * (t + 1) / threads};
        CHR_ASSERT(pthread_create(&jobs[t].thread, NULL, loadgen_sign_main, &jobs[t]) == 0);
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(jobs[t].thread, NULL);
        ok = ok && jobs[t].ok;
    }
    return ok;
}

/* ---- heartbeats: signed media-node heartbeats, request bodies for httpbench --bodies. ---- */

/* Heartbeats one run signs: 10,000,000 lines of ~400 bytes stay under 4 GiB. */
#define LOADGEN_HEARTBEATS_MAX 10000000u
/* The media nodes one run signs for: tests/bench/heartbeats_bench.py registers 100. */
#define LOADGEN_MEDIA_NODES_MAX 100000u
/* The step between a node's heartbeats' times: a minute at most. The caller keeps a run's
 * times (rounds x step from now) within the node's [analytics] clock_skew_ms. */
#define LOADGEN_HB_STEP_MS_MAX 60000u
/* {"heartbeat":"<hex>"} and a newline around the hex. */
#define LOADGEN_HB_LINE_EXTRA 17u

_Static_assert((uint64_t)LOADGEN_HEARTBEATS_MAX * (2u * LEDGER_HEARTBEAT_BYTES_MAX +
                                                   LOADGEN_HB_LINE_EXTRA) < SIZE_MAX,
               "the lines fit in memory's sizes");
_Static_assert((uint64_t)LOADGEN_HEARTBEATS_MAX * LOADGEN_HB_STEP_MS_MAX < UINT64_MAX / 2,
               "heartbeat times fit");

/* Heartbeats are signed with libsecp256k1 directly, from each node's keypair made once:
 * ledger_signer_sign makes the keypair and checks the signature each time, which made
 * signing a run's heartbeats take three times as long. */
typedef struct loadgen_hbjob {
    const loadgen_plan *p; /* keys_len media nodes, their secret and public keys */
    const secp256k1_context *ctx;
    const secp256k1_keypair *kp; /* keys_len of them */
    uint64_t t0_ms; /* heartbeat i: node i % keys_len, t0_ms + (i / keys_len + 1) * step */
    uint64_t step_ms;
    size_t from;
    size_t to;
    size_t line_len;
    char *lines; /* line i at i * line_len */
    pthread_t thread;
    int ok;
} loadgen_hbjob;

/* Heartbeat i of the plan (unsigned): one meeting, figures of a busy node. */
static void loadgen_hb_fill(ledger_heartbeat *hb, const loadgen_hbjob *j, size_t i)
{
    size_t node = i % j->p->keys_len;
    memset(hb, 0, sizeof(*hb));
    hb->chain_id_len = (uint8_t)strlen(j->p->chain_id);
    memcpy(hb->chain_id, j->p->chain_id, hb->chain_id_len);
    memcpy(hb->node_key, j->p->pub[node], 32);
    hb->time_ms = j->t0_ms + (uint64_t)(i / j->p->keys_len + 1) * j->step_ms;
    hb->load_permille = 400;
    hb->cpu_permille = 350;
    hb->f = (ledger_hb_figures){20, 8000, 16000, 30, 6, 45};
    hb->meetings_len = 1;
    hb->meetings[0].meeting_id[0] = 0x4d;
    chr_put_u64be(hb->meetings[0].meeting_id + 4, (uint64_t)node);
    hb->meetings[0].f = hb->f;
}

static void *loadgen_hb_main(void *arg)
{
    loadgen_hbjob *j = arg;
    j->ok = 1;
    for (size_t i = j->from; i < j->to && j->ok; i++) {
        ledger_heartbeat hb;
        uint8_t msg[32];
        uint8_t aux[32];
        uint8_t buf[LEDGER_HEARTBEAT_BYTES_MAX];
        size_t len = 0;
        char *line = j->lines + i * j->line_len;
        loadgen_hb_fill(&hb, j, i);
        ledger_heartbeat_sighash(msg, &hb);
        randombytes_buf(aux, sizeof(aux));
        j->ok = secp256k1_schnorrsig_sign32(j->ctx, hb.sig, msg, &j->kp[i % j->p->keys_len], aux) ==
                    1 &&
                ledger_heartbeat_encode(&hb, buf, sizeof(buf), &len) == CHR_OK &&
                2 * len + LOADGEN_HB_LINE_EXTRA == j->line_len;
        if (j->ok) {
            memcpy(line, "{\"heartbeat\":\"", 14);
            chr_hex_encode(line + 14, 2 * len + 1, buf, len);
            memcpy(line + 14 + 2 * len, "\"}\n", 3);
        }
    }
    return NULL;
}

/* The plan's media nodes' keypairs (kp, keys_len of them) and public keys, and the length
 * of every line (all heartbeats have one meeting and the same chain id): 0 when a key or
 * the chain id is not one. */
static size_t loadgen_hb_prepare(loadgen_plan *p, const loadgen_hbjob *probe_job,
                                 secp256k1_keypair *kp)
{
    p->pub = malloc(p->keys_len * 32);
    int ok = p->pub != NULL;
    for (size_t i = 0; i < p->keys_len && ok; i++) {
        secp256k1_xonly_pubkey pk;
        ok = secp256k1_keypair_create(probe_job->ctx, &kp[i], p->sk[i]) == 1 &&
             secp256k1_keypair_xonly_pub(probe_job->ctx, &pk, NULL, &kp[i]) == 1 &&
             secp256k1_xonly_pubkey_serialize(probe_job->ctx, p->pub[i], &pk) == 1;
    }
    ledger_heartbeat hb;
    uint8_t buf[LEDGER_HEARTBEAT_BYTES_MAX];
    size_t len = 0;
    if (!ok || strlen(p->chain_id) == 0 || strlen(p->chain_id) > LEDGER_CHAIN_ID_MAX) {
        return 0;
    }
    loadgen_hb_fill(&hb, probe_job, 0);
    if (ledger_heartbeat_encode(&hb, buf, sizeof(buf), &len) != CHR_OK) {
        return 0;
    }
    return 2 * len + LOADGEN_HB_LINE_EXTRA;
}

/* Signs --rounds heartbeats for each media node of --keys, on one thread per core, and
 * writes them to --out in the order heartbeats_bench.py sends them: round by round, the
 * nodes in key order within a round. */
static int loadgen_cmd_heartbeats(int argc, char **argv)
{
    static const char *const known[] = {"--keys",    "--chain-id", "--rounds",
                                        "--step-ms", "--out",      NULL};
    static const char *const required[] = {"--keys", "--chain-id", "--rounds", "--out", NULL};
    uint64_t rounds;
    uint64_t step_ms;
    if (!bench_args_ok("loadgen", argc, argv, known, required) ||
        !bench_arg_u64("loadgen", argc, argv, "--rounds", 1, 1, LOADGEN_HEARTBEATS_MAX, &rounds) ||
        !bench_arg_u64("loadgen", argc, argv, "--step-ms", 1, 1, LOADGEN_HB_STEP_MS_MAX,
                       &step_ms)) {
        return LOADGEN_USAGE;
    }
    static loadgen_plan p;
    p.chain_id = bench_arg(argc, argv, "--chain-id");
    if (!loadgen_keys_read(&p, bench_arg(argc, argv, "--keys"))) {
        return LOADGEN_FAIL;
    }
    if (p.keys_len > LOADGEN_MEDIA_NODES_MAX || rounds * p.keys_len > LOADGEN_HEARTBEATS_MAX) {
        fprintf(stderr, "loadgen: at most %u media nodes and %u heartbeats\n",
                LOADGEN_MEDIA_NODES_MAX, LOADGEN_HEARTBEATS_MAX);
        return LOADGEN_USAGE;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_keypair *kp = malloc(p.keys_len * sizeof(*kp));
    loadgen_hbjob base = {.p = &p,
                          .ctx = ctx,
                          .kp = kp,
                          .t0_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000,
                          .step_ms = step_ms};
    base.line_len = ctx != NULL && kp != NULL ? loadgen_hb_prepare(&p, &base, kp) : 0;
    size_t total = (size_t)(rounds * p.keys_len);
    base.lines = base.line_len > 0 ? malloc(total * base.line_len) : NULL;
    int ok = base.lines != NULL;
    unsigned threads = ok ? bench_cores(LOADGEN_THREADS_MAX) : 0;
    loadgen_hbjob jobs[LOADGEN_THREADS_MAX];
    if (!ok) {
        fprintf(stderr, "loadgen: --keys or --chain-id unusable, or out of memory\n");
    }
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = base;
        jobs[t].from = total * t / threads;
        jobs[t].to = total * (t + 1) / threads;
        CHR_ASSERT(pthread_create(&jobs[t].thread, NULL, loadgen_hb_main, &jobs[t]) == 0);
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(jobs[t].thread, NULL);
        ok = ok && jobs[t].ok;
    }
    const char *out = bench_arg(argc, argv, "--out");
    ok = ok && chr_file_write_new(out, base.lines, total * base.line_len) == CHR_OK;
    if (ok) {
        fprintf(stderr,
                "loadgen: %zu heartbeats (%zu media nodes x %" PRIu64 " rounds, times from %" PRIu64
                " ms by %" PRIu64 " ms) in %s\n",
                total, p.keys_len, rounds, base.t0_ms + step_ms, step_ms, out);
    } else if (base.lines != NULL) {
        fprintf(stderr, "loadgen: cannot sign or write the heartbeats to %s\n", out);
    }
    sodium_memzero(p.sk, p.keys_len * 32);
    if (kp != NULL) {
        sodium_memzero(kp, p.keys_len * sizeof(*kp));
    }
    if (ctx != NULL) {
        secp256k1_context_destroy(ctx);
    }
    free(p.sk);
    free(p.pub);
    free(kp);
    free(base.lines);
    return ok ? LOADGEN_OK : LOADGEN_FAIL;
}

/* ---- transfers: the connections. ---- */

typedef struct loadgen_codes {
    size_t len;
    char name[LOADGEN_CODES_MAX][LOADGEN_CODE_LEN_MAX];
    uint64_t count[LOADGEN_CODES_MAX];
} loadgen_codes;

static void loadgen_codes_add(loadgen_codes *t, const char *name, uint64_t n)
{
    size_t i = 0;
    while (i < t->len && strcmp(t->name[i], name) != 0) {
        i++;
    }
    if (i == t->len) {
        i = t->len < LOADGEN_CODES_MAX ? t->len++ : LOADGEN_CODES_MAX - 1;
        snprintf(t->name[i], LOADGEN_CODE_LEN_MAX, "%s",
                 i + 1 < LOADGEN_CODES_MAX ? name : "other");
    }
    t->count[i] += n;
}

static void loadgen_codes_print(const char *what, const loadgen_codes *t)
{
    printf("%s:", what);
    for (size_t i = 0; i < t->len; i++) {
        printf("%s %s %" PRIu64, i > 0 ? "," : "", t->name[i], t->count[i]);
    }
    printf("%s\n", t->len == 0 ? " none" : "");
}

/* One connection's thread and what it saw. */
typedef struct loadgen_conn {
    const loadgen_plan *plan;
    const size_t *idx; /* this connection's transfers, in the order they must be sent */
    size_t idx_len;
    pthread_barrier_t *start;
    atomic_size_t *finished;
    char url[LOADGEN_URL_MAX];
    loadgen_http http;
    loadgen_buf body;
    uint64_t admitted;
    uint64_t rejected;
    uint64_t requests;
    uint64_t resubmits;
    double rtt_sum;
    double rtt_max;
    double t_end;
    loadgen_codes codes;   /* final rejections */
    loadgen_codes retried; /* answers that made it resubmit */
    int failed;
    char errmsg[LOADGEN_ERRMSG_MAX];
    pthread_t thread;
} loadgen_conn;

/* {"txs":["hex",...]} for transfers idx[0..n). */
static int loadgen_batch_body(loadgen_buf *b, const loadgen_plan *p, const size_t *idx, size_t n)
{
    size_t need = 16 + n * (p->tx_hex_len + 3);
    if (need > LOADGEN_BODY_BYTES_MAX || !loadgen_buf_reserve(b, need)) {
        return 0;
    }
    char *o = b->data;
    memcpy(o, "{\"txs\":[", 8);
    o += 8;
    for (size_t k = 0; k < n; k++) {
        if (k > 0) {
            *o++ = ',';
        }
        *o++ = '"';
        memcpy(o, p->hex + idx[k] * p->tx_hex_len, p->tx_hex_len);
        o += p->tx_hex_len;
        *o++ = '"';
    }
    memcpy(o, "]}", 3);
    b->len = (size_t)(o - b->data) + 2;
    CHR_ASSERT(b->len < need);
    return 1;
}

/* The error code of one batch result, or NULL when it was admitted (pending, or already
 * committed by an earlier submission of the same bytes). */
static const char *loadgen_result_code(json_t *r)
{
    const char *status = json_string_value(json_object_get(r, "status"));
    if (status == NULL) {
        return "bad_answer";
    }
    if (strcmp(status, "pending") == 0 || strcmp(status, "committed") == 0) {
        return NULL;
    }
    const char *code = json_string_value(json_object_get(json_object_get(r, "error"), "code"));
    return code != NULL ? code : status;
}

/* The node had no room (mempool full, writer queue full): the same bytes may pass later. */
static int loadgen_retryable(const char *code)
{
    return strcmp(code, "mempool_full") == 0 || strcmp(code, "overloaded") == 0;
}

/* Gives each of the n transfers the final verdict `code`. */
static void loadgen_conn_reject(loadgen_conn *c, const char *code, size_t n)
{
    c->rejected += n;
    loadgen_codes_add(&c->codes, code, n);
}

/* Answers that are not a batch result: a whole-request error. Returns how many transfers
 * got their final verdict (0: resubmit all of them). */
static size_t loadgen_conn_http_error(loadgen_conn *c, long status, size_t n, int last_try)
{
    char code[LOADGEN_CODE_LEN_MAX];
    json_error_t jerr;
    json_t *root = json_loadb(c->http.resp.data, c->http.resp.len, 0, &jerr);
    const char *name = json_string_value(json_object_get(json_object_get(root, "error"), "code"));
    snprintf(code, sizeof(code), "http_%ld_%s", status, name != NULL ? name : "no_code");
    json_decref(root);
    if ((status == 503 || status == 429) && !last_try) {
        loadgen_codes_add(&c->retried, code, 1);
        return 0;
    }
    loadgen_conn_reject(c, code, n);
    return n;
}

/* Posts transfers idx[0..n) as one batch. Returns how many of them, from the first, got a
 * final verdict: it stops at the first that the node had no room for, since a later
 * transfer of the same sender would then fail on its nonce. */
static size_t loadgen_conn_post(loadgen_conn *c, const size_t *idx, size_t n, int last_try)
{
    long status;
    if (!loadgen_batch_body(&c->body, c->plan, idx, n)) {
        snprintf(c->errmsg, sizeof(c->errmsg), "out of memory for a batch of %zu", n);
        c->failed = 1;
        loadgen_conn_reject(c, "not_sent", n);
        return n;
    }
    double t = loadgen_now();
    if (!loadgen_http_call(&c->http, c->url, c->body.data, c->body.len, &status, c->errmsg,
                           sizeof(c->errmsg))) {
        c->failed = 1; /* the node is gone: every later call would fail the same way */
        loadgen_conn_reject(c, "unreachable", n);
        return n;
    }
    t = loadgen_now() - t;
    c->requests++;
    c->rtt_sum += t;
    c->rtt_max = t > c->rtt_max ? t : c->rtt_max;
    if (status != 200) {
        return loadgen_conn_http_error(c, status, n, last_try);
    }
    json_error_t jerr;
    json_t *root = json_loadb(c->http.resp.data, c->http.resp.len, 0, &jerr);
    json_t *results = json_object_get(root, "results");
    if (json_array_size(results) != n) {
        json_decref(root);
        loadgen_conn_reject(c, "bad_answer", n);
        return n;
    }
    size_t k = 0;
    for (; k < n; k++) {
        const char *code = loadgen_result_code(json_array_get(results, k));
        if (code != NULL && !last_try && loadgen_retryable(code)) {
            loadgen_codes_add(&c->retried, code, 1);
            break;
        }
        if (code == NULL) {
            c->admitted++;
        } else {
            loadgen_conn_reject(c, code, 1);
        }
    }
    json_decref(root);
    return k;
}

/* Sends one batch until every transfer in it has a final verdict. Resubmitting ones that
 * were admitted is harmless: the API answers the same signed bytes with the same hash and
 * "pending", so each transfer is counted once. */
static void loadgen_conn_batch(loadgen_conn *c, const size_t *idx, size_t n)
{
    unsigned tries = 0;
    while (n > 0 && !c->failed) {
        size_t done = loadgen_conn_post(c, idx, n, tries == LOADGEN_RETRIES_MAX);
        idx += done;
        n -= done;
        if (n > 0) {
            tries++;
            c->resubmits++;
            loadgen_sleep_ms(LOADGEN_RETRY_MS);
        }
    }
}

static void *loadgen_conn_main(void *arg)
{
    loadgen_conn *c = arg;
    size_t at = 0;
    pthread_barrier_wait(c->start);
    while (at < c->idx_len && !c->failed) {
        size_t n = c->idx_len - at < c->plan->batch ? c->idx_len - at : c->plan->batch;
        loadgen_conn_batch(c, c->idx + at, n);
        at += n;
    }
    if (at < c->idx_len) {
        loadgen_conn_reject(c, "not_sent", c->idx_len - at);
    }
    c->t_end = loadgen_now();
    atomic_fetch_add(c->finished, 1);
    return NULL;
}

/* Orders the transfers by connection: connection g sends those of the senders s with
 * s % conns == g, in index order, which is each sender's nonce order. Fills start[g] and
 * len[g]; the caller frees the array. */
static size_t *loadgen_groups(const loadgen_plan *p, size_t *start, size_t *len)
{
    size_t *order = malloc(p->txs_len * sizeof(*order));
    size_t fill[LOADGEN_CONNS_MAX];
    if (order == NULL) {
        return NULL;
    }
    memset(len, 0, p->conns * sizeof(*len));
    for (size_t i = 0; i < p->txs_len; i++) {
        len[(i % p->keys_len) % p->conns]++;
    }
    for (size_t g = 0; g < p->conns; g++) {
        start[g] = g == 0 ? 0 : start[g - 1] + len[g - 1];
        fill[g] = start[g];
    }
    for (size_t i = 0; i < p->txs_len; i++) {
        order[fill[(i % p->keys_len) % p->conns]++] = i;
    }
    CHR_ASSERT(fill[p->conns - 1] == p->txs_len);
    return order;
}

/* ---- transfers: the run. ---- */

/* What the commit watcher saw; times are seconds after the first submission. */
typedef struct loadgen_watch {
    loadgen_status base;
    loadgen_status last;
    double t_first_commit;
    double t_last_commit;
    double t_height;   /* when the poller last saw the height move */
    double height_gap; /* the longest wait between two new heights, per block */
    int timed_out;
} loadgen_watch;

static uint64_t loadgen_admitted(const loadgen_conn *cs, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += cs[i].admitted;
    }
    return sum;
}

/* Polls the status until every connection has finished and every admitted transfer has
 * been committed (or has left the mempool some other way), or the timeout passes. A
 * commit's time is when the poll that first saw it returned: at most LOADGEN_POLL_MS and
 * a round trip late. */
static void loadgen_watch_commits(loadgen_http *h, const loadgen_plan *p, const loadgen_conn *cs,
                                  atomic_size_t *finished, double t0, loadgen_watch *w)
{
    char url[LOADGEN_URL_MAX];
    char errmsg[LOADGEN_ERRMSG_MAX];
    snprintf(url, sizeof(url), "%s/api/v1/status", p->nodes[0]);
    w->last = w->base;
    unsigned idle = 0;
    for (;;) {
        /* Read before the poll, so that the poll sees every admission of a finished run. */
        int all_sent = atomic_load(finished) == p->conns;
        loadgen_status s;
        if (loadgen_status_get(h, url, &s, errmsg, sizeof(errmsg))) {
            double now = loadgen_now() - t0;
            int moved = s.txs_total != w->last.txs_total;
            if (s.height > w->last.height) {
                double gap = (now - w->t_height) / (double)(s.height - w->last.height);
                w->height_gap = gap > w->height_gap ? gap : w->height_gap;
                w->t_height = now;
            }
            if (moved) {
                w->t_first_commit = w->t_first_commit > 0 ? w->t_first_commit : now;
                w->t_last_commit = now;
            }
            w->last = s;
            /* The node empties its mempool of a block's transfers a moment before it
             * publishes the block's count, so one empty mempool alone proves nothing: the
             * run is over when two polls in a row see it empty and no new commits. */
            idle = all_sent && s.mempool_txs == 0 && !moved ? idle + 1 : 0;
            if (all_sent &&
                (s.txs_total - w->base.txs_total >= loadgen_admitted(cs, p->conns) || idle >= 2)) {
                return;
            }
        }
        if (loadgen_now() - t0 > p->timeout_s) {
            w->timed_out = 1;
            return;
        }
        loadgen_sleep_ms(LOADGEN_POLL_MS);
    }
}

static void loadgen_report(const loadgen_plan *p, const loadgen_conn *cs, const loadgen_watch *w,
                           double t0, double cpu_s)
{
    loadgen_codes rejected = {0};
    loadgen_codes retried = {0};
    uint64_t admitted = 0, nrejected = 0, requests = 0, resubmits = 0;
    double t_sent = 0, rtt_sum = 0, rtt_max = 0;
    for (size_t i = 0; i < p->conns; i++) {
        const loadgen_conn *c = &cs[i];
        admitted += c->admitted;
        nrejected += c->rejected;
        requests += c->requests;
        resubmits += c->resubmits;
        rtt_sum += c->rtt_sum;
        rtt_max = c->rtt_max > rtt_max ? c->rtt_max : rtt_max;
        t_sent = c->t_end - t0 > t_sent ? c->t_end - t0 : t_sent;
        for (size_t k = 0; k < c->codes.len; k++) {
            loadgen_codes_add(&rejected, c->codes.name[k], c->codes.count[k]);
        }
        for (size_t k = 0; k < c->retried.len; k++) {
            loadgen_codes_add(&retried, c->retried.name[k], c->retried.count[k]);
        }
        if (c->failed) {
            printf("connection %zu failed: %s\n", i + 1, c->errmsg);
        }
    }
    uint64_t committed = w->last.txs_total - w->base.txs_total;
    uint64_t blocks = w->last.height - w->base.height;
    double t_commit = w->t_last_commit;
    printf("submit: %" PRIu64 " admitted, %" PRIu64 " rejected in %.3f s = %.0f transfers/s "
           "(%" PRIu64 " requests, round trip avg %.1f ms, max %.1f ms, %" PRIu64
           " resubmissions)\n",
           admitted, nrejected, t_sent, (double)admitted / t_sent, requests,
           requests > 0 ? 1e3 * rtt_sum / (double)requests : 0.0, 1e3 * rtt_max, resubmits);
    loadgen_codes_print("rejected", &rejected);
    loadgen_codes_print("resubmitted after", &retried);
    printf("commit: %" PRIu64 " committed in %.3f s = %.0f transfers/s (first commit after "
           "%.3f s; %" PRIu64 " blocks, %.0f transfers per block, one per %.0f ms, longest "
           "wait for the next %.0f ms)%s\n",
           committed, t_commit, t_commit > 0 ? (double)committed / t_commit : 0.0,
           w->t_first_commit, blocks, blocks > 0 ? (double)committed / (double)blocks : 0.0,
           blocks > 0 ? 1e3 * w->t_height / (double)blocks : 0.0, 1e3 * w->height_gap,
           w->timed_out ? " TIMED OUT before all were committed" : "");
    printf("cpu: loadgen used %.2f s of CPU while submitting and waiting (%.0f%% of one core)\n",
           cpu_s, t_commit > 0 ? 100 * cpu_s / t_commit : 0.0);
    printf("result: committed_tps=%.0f submit_tps=%.0f admitted=%" PRIu64 " rejected=%" PRIu64
           " committed=%" PRIu64 " elapsed_s=%.3f\n",
           t_commit > 0 ? (double)committed / t_commit : 0.0, (double)admitted / t_sent, admitted,
           nrejected, committed, t_commit);
}

/* Starts the connections together, watches the commits, reports. */
static int loadgen_run(const loadgen_plan *p, loadgen_http *watcher, const loadgen_status *base)
{
    size_t start[LOADGEN_CONNS_MAX];
    size_t len[LOADGEN_CONNS_MAX];
    size_t *order = loadgen_groups(p, start, len);
    loadgen_conn *cs = calloc(p->conns, sizeof(*cs));
    if (order == NULL || cs == NULL) {
        free(order);
        free(cs);
        return 0;
    }
    pthread_barrier_t barrier;
    atomic_size_t finished = 0;
    int ok = 1;
    pthread_barrier_init(&barrier, NULL, (unsigned)p->conns + 1);
    for (size_t g = 0; g < p->conns; g++) {
        loadgen_conn *c = &cs[g];
        *c = (loadgen_conn){.plan = p,
                            .idx = order + start[g],
                            .idx_len = len[g],
                            .start = &barrier,
                            .finished = &finished};
        /* Connection g carries the senders s with s % conns == g: one node per sender. */
        snprintf(c->url, sizeof(c->url), "%s/api/v1/txs/batch", p->nodes[g % p->nodes_len]);
        CHR_ASSERT(loadgen_http_init_for(&c->http, g % p->nodes_len));
        CHR_ASSERT(pthread_create(&c->thread, NULL, loadgen_conn_main, c) == 0);
    }
    loadgen_watch w = {.base = *base};
    pthread_barrier_wait(&barrier);
    double t0 = loadgen_now();
    double cpu0 = loadgen_cpu_s();
    loadgen_watch_commits(watcher, p, cs, &finished, t0, &w);
    double cpu_s = loadgen_cpu_s() - cpu0;
    for (size_t g = 0; g < p->conns; g++) {
        pthread_join(cs[g].thread, NULL);
    }
    pthread_barrier_destroy(&barrier);
    loadgen_report(p, cs, &w, t0, cpu_s);
    for (size_t g = 0; g < p->conns; g++) {
        ok = ok && !cs[g].failed;
        loadgen_http_deinit(&cs[g].http);
        free(cs[g].body.data);
    }
    free(order);
    free(cs);
    return ok;
}

/* Waits for every node to answer its status, and checks that each runs the expected
 * chain. *out is the status of nodes[0]. */
static int loadgen_node_ready(const loadgen_plan *p, loadgen_http *h, loadgen_status *out)
{
    char url[LOADGEN_URL_MAX];
    char errmsg[LOADGEN_ERRMSG_MAX];
    for (size_t i = p->nodes_len; i-- > 0;) {
        /* Each node with its own API key; nodes[0] through the caller's connection. */
        loadgen_http own;
        loadgen_http *hi = i == 0 ? h : &own;
        if (i != 0 && !loadgen_http_init_for(&own, i)) {
            return 0;
        }
        snprintf(url, sizeof(url), "%s/api/v1/status", p->nodes[i]);
        double deadline = loadgen_now() + LOADGEN_NODE_WAIT_S;
        int up;
        while (!(up = loadgen_status_get(hi, url, out, errmsg, sizeof(errmsg))) &&
               loadgen_now() <= deadline) {
            loadgen_sleep_ms(100);
        }
        if (i != 0) {
            loadgen_http_deinit(&own);
        }
        if (!up) {
            fprintf(stderr, "loadgen: the node did not answer: %s\n", errmsg);
            return 0;
        }
        if (strcmp(out->chain_id, p->chain_id) != 0) {
            fprintf(stderr, "loadgen: %s runs chain %s, not %s\n", p->nodes[i], out->chain_id,
                    p->chain_id);
            return 0;
        }
    }
    return 1;
}

/* Reads --node: one base URL, or several separated by commas. */
static int loadgen_nodes_parse(loadgen_plan *p, const char *list)
{
    p->nodes_len = 0;
    while (*list != '\0') {
        size_t n = strcspn(list, ",");
        const char *next = list[n] == ',' ? list + n + 1 : list + n;
        while (n > 0 && list[n - 1] == '/') {
            n--;
        }
        if (n == 0 || n >= LOADGEN_NODE_URL_MAX || p->nodes_len == LOADGEN_NODES_MAX) {
            fprintf(stderr, "loadgen: --node: 1 to %d URLs of fewer than %d characters\n",
                    LOADGEN_NODES_MAX, LOADGEN_NODE_URL_MAX);
            return 0;
        }
        memcpy(p->nodes[p->nodes_len], list, n);
        p->nodes[p->nodes_len][n] = '\0';
        p->nodes_len++;
        list = next;
    }
    if (p->nodes_len == 0) {
        fprintf(stderr, "loadgen: --node: no URL\n");
    }
    return p->nodes_len > 0;
}

/* Reads the API key that requests to node i carry from path into its header. */
static int loadgen_api_key_one(const char *path, size_t i)
{
    char *text;
    size_t len;
    char err[128];
    if (chr_file_read(path, 1024, &text, &len, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "loadgen: --api-key-file %s: %s\n", path, err);
        return 0;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        text[--len] = '\0';
    }
    int n = snprintf(loadgen_auth_header[i], sizeof(loadgen_auth_header[i]),
                     "Authorization: Bearer %s", text);
    sodium_memzero(text, len);
    free(text);
    if (len == 0 || n < 0 || (size_t)n >= sizeof(loadgen_auth_header[i])) {
        fprintf(stderr, "loadgen: --api-key-file %s: not an API key\n", path);
        return 0;
    }
    return 1;
}

/* Reads --api-key-file (NULL: none): one file for every node, or one per --node URL,
 * separated by commas, in the same order. */
static int loadgen_api_key(const char *list)
{
    char path[LOADGEN_URL_MAX];
    size_t i = 0;
    if (list == NULL) {
        return 1;
    }
    while (*list != '\0') {
        size_t n = strcspn(list, ",");
        if (n == 0 || n >= sizeof(path) || i == LOADGEN_NODES_MAX) {
            fprintf(stderr, "loadgen: --api-key-file: at most %d paths\n", LOADGEN_NODES_MAX);
            return 0;
        }
        memcpy(path, list, n);
        path[n] = '\0';
        if (!loadgen_api_key_one(path, i++)) {
            return 0;
        }
        list += list[n] == ',' ? n + 1 : n;
    }
    for (size_t k = i; i == 1 && k < LOADGEN_NODES_MAX; k++) {
        memcpy(loadgen_auth_header[k], loadgen_auth_header[0], sizeof(loadgen_auth_header[0]));
    }
    return i > 0;
}

/* --delegate-to FILE: the validators' operator addresses, one a line. */
static int loadgen_validators_read(loadgen_plan *p, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "loadgen: cannot read %s: %s\n", path, strerror(errno));
        return 0;
    }
    p->validators = malloc(LOADGEN_VALIDATORS_MAX * 32);
    char line[128];
    int ok = p->validators != NULL;
    while (ok && fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0) {
            continue;
        }
        ok = p->validators_len < LOADGEN_VALIDATORS_MAX &&
             chr_address_decode(p->validators[p->validators_len], line, len) == CHR_OK;
        p->validators_len += ok;
    }
    fclose(f);
    if (!ok || p->validators_len == 0) {
        fprintf(stderr, "loadgen: %s: want 1 to %d chr1 addresses, one a line (line %zu)\n", path,
                LOADGEN_VALIDATORS_MAX, p->validators_len + 1);
        return 0;
    }
    return 1;
}

static int loadgen_transfers_args(loadgen_plan *p, int argc, char **argv)
{
    static const char *const known[] = {"--node",    "--keys",    "--chain-id",     "--fee",
                                        "--txs",     "--batch",   "--conns",        "--amount",
                                        "--new-pct", "--timeout", "--api-key-file", "--delegate-to",
                                        NULL};
    static const char *const required[] = {"--node", "--keys",  "--chain-id", "--fee",
                                           "--txs",  "--batch", "--conns",    NULL};
    uint64_t txs, batch, conns, timeout;
    if (!bench_args_ok("loadgen", argc, argv, known, required) ||
        !bench_arg_u64("loadgen", argc, argv, "--fee", 0, 0, UINT64_MAX / 2, &p->fee) ||
        !bench_arg_u64("loadgen", argc, argv, "--amount", 1, 1, UINT64_MAX / 2, &p->amount) ||
        !bench_arg_u64("loadgen", argc, argv, "--txs", 0, 1, LOADGEN_TXS_MAX, &txs) ||
        !bench_arg_u64("loadgen", argc, argv, "--batch", 0, 1, RPC_BATCH_TXS_MAX, &batch) ||
        !bench_arg_u64("loadgen", argc, argv, "--conns", 0, 1, LOADGEN_CONNS_MAX, &conns) ||
        !bench_arg_u64("loadgen", argc, argv, "--new-pct", 50, 0, 100, &p->new_pct) ||
        !bench_arg_u64("loadgen", argc, argv, "--timeout", 120, 1, 3600, &timeout)) {
        return 0;
    }
    if (!loadgen_nodes_parse(p, bench_arg(argc, argv, "--node"))) {
        return 0;
    }
    p->chain_id = bench_arg(argc, argv, "--chain-id");
    if (!loadgen_api_key(bench_arg(argc, argv, "--api-key-file"))) {
        return 0;
    }
    const char *validators = bench_arg(argc, argv, "--delegate-to");
    if (validators != NULL && !loadgen_validators_read(p, validators)) {
        return 0;
    }
    p->txs_len = txs;
    p->batch = batch;
    p->conns = conns;
    p->timeout_s = (double)timeout;
    return 1;
}

static int loadgen_cmd_transfers(int argc, char **argv)
{
    loadgen_plan p;
    memset(&p, 0, sizeof(p));
    if (!loadgen_transfers_args(&p, argc, argv)) {
        return LOADGEN_USAGE;
    }
    loadgen_http h;
    loadgen_status base;
    int ok = loadgen_http_init(&h) && loadgen_keys_read(&p, bench_arg(argc, argv, "--keys"));
    ok = ok && loadgen_node_ready(&p, &h, &base);
    double t = loadgen_now();
    ok = ok && loadgen_senders(&p, &h);
    if (ok && p.conns > p.keys_len) {
        fprintf(stderr, "loadgen: %zu senders: using %zu connections, one per sender\n", p.keys_len,
                p.keys_len);
        p.conns = p.keys_len;
    }
    if (ok && p.conns < p.nodes_len) {
        fprintf(stderr, "loadgen: %zu connections reach only %zu of the %zu nodes\n", p.conns,
                p.conns, p.nodes_len);
    }
    if (ok) {
        printf("node: chain %s at height %" PRIu64 ", %zu senders ready in %.2f s\n", base.chain_id,
               base.height, p.keys_len, loadgen_now() - t);
        t = loadgen_now();
    }
    unsigned threads = bench_cores(LOADGEN_THREADS_MAX);
    ok = ok && loadgen_sign_all(&p, threads);
    if (ok) {
        printf("transfers: %zu signed in %.2f s on %u threads (%zu senders, ~%zu each, %" PRIu64
               "%% to new accounts), submitting in batches of %zu over %zu connections to %zu "
               "node%s\n",
               p.txs_len, loadgen_now() - t, threads, p.keys_len,
               (p.txs_len + p.keys_len - 1) / p.keys_len, p.new_pct, p.batch, p.conns, p.nodes_len,
               p.nodes_len == 1 ? "" : "s");
        fflush(stdout);
        /* The status may have moved while signing (another client): start from now. */
        ok = loadgen_node_ready(&p, &h, &base) && loadgen_run(&p, &h, &base);
    }
    if (p.sk != NULL) {
        sodium_memzero(p.sk, p.keys_len * 32);
    }
    free(p.sk);
    free(p.pub);
    free(p.nonce0);
    free(p.hex);
    free(p.validators);
    loadgen_http_deinit(&h);
    return ok ? LOADGEN_OK : LOADGEN_FAIL;
}

/* ---- latency: a paced stream, each transfer's time from submission to commit. ---- */

/* Bytes of one event-stream line kept: a transaction's hash comes first in its data. */
#define LOADGEN_SSE_LINE_MAX 1024
/* How long latency waits for every node's event stream to show its first block. */
#define LOADGEN_SSE_READY_S 30

/* Open addressing over the transfers' hashes: filled before the run, only read during it.
 * A slot holds a transfer's index + 1 (0: empty). */
typedef struct loadgen_index {
    uint32_t *slots;
    size_t mask;
    const uint8_t (*hashes)[32];
} loadgen_index;

_Static_assert(LOADGEN_TXS_MAX < UINT32_MAX, "a transfer's index + 1 fits a slot");

static size_t loadgen_index_key(const uint8_t h[32])
{
    uint64_t k;
    memcpy(&k, h, sizeof(k)); /* hashes are uniform: their first bytes are a fine key */
    return (size_t)k;
}

static int loadgen_index_build(loadgen_index *x, const uint8_t (*hashes)[32], size_t n)
{
    size_t cap = 1024;
    while (cap < 2 * n) {
        cap *= 2;
    }
    x->slots = calloc(cap, sizeof(*x->slots));
    x->mask = cap - 1;
    x->hashes = hashes;
    if (x->slots == NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = loadgen_index_key(hashes[i]) & x->mask;
        while (x->slots[at] != 0) {
            at = (at + 1) & x->mask;
        }
        x->slots[at] = (uint32_t)(i + 1);
    }
    return 1;
}

/* The index of the transfer with hash h, or -1. */
static long loadgen_index_find(const loadgen_index *x, const uint8_t h[32])
{
    size_t at = loadgen_index_key(h) & x->mask;
    while (x->slots[at] != 0) {
        size_t i = x->slots[at] - 1;
        if (memcmp(x->hashes[i], h, 32) == 0) {
            return (long)i;
        }
        at = (at + 1) & x->mask;
    }
    return -1;
}

/* One latency run. Transfer i is due rate * i seconds after t0 and goes to the node of its
 * sender; its commit counts when that node's event stream shows it. */
typedef struct loadgen_lat {
    const loadgen_plan *plan;
    loadgen_index index;
    double rate;
    double tick_s;
    double t0;         /* written before the submitters start */
    double *sent;      /* when transfer i's request was posted, absolute */
    double *done;      /* when its node's event stream showed it committed, absolute */
    uint8_t *admitted; /* 1 when its node admitted it */
    atomic_uint_fast64_t n_done;
    atomic_int stop;
} loadgen_lat;

static size_t loadgen_lat_node(const loadgen_plan *p, size_t i)
{
    return (i % p->keys_len) % p->nodes_len;
}

/* A node's submitter: posts its transfers as they fall due, all that are due in one batch. */
typedef struct loadgen_latsub {
    loadgen_lat *run;
    size_t *idx; /* this node's transfers in index order: each sender's nonce order */
    size_t idx_len;
    pthread_barrier_t *start;
    char url[LOADGEN_URL_MAX];
    loadgen_http http;
    loadgen_buf body;
    uint64_t requests, admitted, rejected;
    double rtt_sum, rtt_max, lag_max;
    loadgen_codes codes;
    int failed;
    char errmsg[LOADGEN_ERRMSG_MAX];
    pthread_t thread;
} loadgen_latsub;

static void loadgen_sleep_s(double s)
{
    if (s <= 0) {
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Posts idx[0..n) as one batch and records each one's verdict. */
static void loadgen_latsub_post(loadgen_latsub *c, const size_t *idx, size_t n)
{
    loadgen_lat *run = c->run;
    long status;
    if (!loadgen_batch_body(&c->body, run->plan, idx, n)) {
        snprintf(c->errmsg, sizeof(c->errmsg), "out of memory for a batch of %zu", n);
        c->failed = 1;
        return;
    }
    double t = loadgen_now();
    for (size_t k = 0; k < n; k++) {
        run->sent[idx[k]] = t;
    }
    if (!loadgen_http_call(&c->http, c->url, c->body.data, c->body.len, &status, c->errmsg,
                           sizeof(c->errmsg))) {
        c->failed = 1;
        return;
    }
    double rtt = loadgen_now() - t;
    c->requests++;
    c->rtt_sum += rtt;
    c->rtt_max = rtt > c->rtt_max ? rtt : c->rtt_max;
    json_error_t jerr;
    json_t *root = status == 200 ? json_loadb(c->http.resp.data, c->http.resp.len, 0, &jerr) : NULL;
    json_t *results = json_object_get(root, "results");
    for (size_t k = 0; k < n; k++) {
        char code[LOADGEN_CODE_LEN_MAX];
        const char *why = NULL;
        if (json_array_size(results) != n) {
            snprintf(code, sizeof(code), "http_%ld", status);
            why = code;
        } else {
            why = loadgen_result_code(json_array_get(results, k));
        }
        if (why == NULL) {
            run->admitted[idx[k]] = 1;
            c->admitted++;
        } else {
            c->rejected++;
            loadgen_codes_add(&c->codes, why, 1);
        }
    }
    json_decref(root);
}

static void *loadgen_latsub_main(void *arg)
{
    loadgen_latsub *c = arg;
    loadgen_lat *run = c->run;
    size_t at = 0;
    double last = -1e9;
    pthread_barrier_wait(c->start);
    while (at < c->idx_len && !c->failed) {
        double due = run->t0 + (double)c->idx[at] / run->rate;
        double when = due > last + run->tick_s ? due : last + run->tick_s;
        loadgen_sleep_s(when - loadgen_now());
        double now = loadgen_now();
        size_t n = 1; /* the first is due by now */
        while (at + n < c->idx_len && n < run->plan->batch &&
               run->t0 + (double)c->idx[at + n] / run->rate <= now) {
            n++;
        }
        c->lag_max = now - due > c->lag_max ? now - due : c->lag_max;
        last = now;
        loadgen_latsub_post(c, c->idx + at, n);
        at += n;
    }
    return NULL;
}

/* A node's event stream: notes when each of this node's transfers is committed. */
typedef struct loadgen_latsse {
    loadgen_lat *run;
    size_t node;
    loadgen_http http;
    char line[LOADGEN_SSE_LINE_MAX];
    size_t line_len;
    int in_tx;
    atomic_int ready; /* saw a block: the stream is live */
    uint64_t txs_seen;
    CURLcode rc;
    pthread_t thread;
} loadgen_latsse;

static void loadgen_latsse_line(loadgen_latsse *e, const char *line, size_t len)
{
    static const char tag[] = "\"hash\":\"";
    if (len == 0) {
        e->in_tx = 0;
    } else if (len > 7 && memcmp(line, "event: ", 7) == 0) {
        e->in_tx = len == 9 && memcmp(line + 7, "tx", 2) == 0;
        if (len == 12 && memcmp(line + 7, "block", 5) == 0) {
            atomic_store(&e->ready, 1);
        }
    } else if (e->in_tx && len > 6 && memcmp(line, "data: ", 6) == 0) {
        const char *h = strstr(line, tag);
        uint8_t hash[32];
        if (h == NULL || (size_t)(h - line) + sizeof(tag) - 1 + 64 > len ||
            chr_hex_decode_exact(hash, 32, h + sizeof(tag) - 1, 64) != CHR_OK) {
            return;
        }
        e->txs_seen++;
        long i = loadgen_index_find(&e->run->index, hash);
        if (i >= 0 && loadgen_lat_node(e->run->plan, (size_t)i) == e->node &&
            e->run->done[i] == 0) {
            e->run->done[i] = loadgen_now();
            atomic_fetch_add(&e->run->n_done, 1);
        }
    }
}

static size_t loadgen_latsse_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    loadgen_latsse *e = userdata;
    size_t n = size * nmemb;
    if (atomic_load(&e->run->stop)) {
        return 0; /* ends the transfer */
    }
    for (size_t k = 0; k < n; k++) {
        char ch = ptr[k];
        if (ch == '\n') {
            e->line[e->line_len] = '\0';
            loadgen_latsse_line(e, e->line, e->line_len);
            e->line_len = 0;
        } else if (ch != '\r' && e->line_len + 1 < sizeof(e->line)) {
            e->line[e->line_len++] = ch; /* a longer line keeps its start, where the hash is */
        }
    }
    return n;
}

static int loadgen_latsse_progress(void *userdata, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                                   curl_off_t un)
{
    loadgen_latsse *e = userdata;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return atomic_load(&e->run->stop) ? 1 : 0;
}

static void *loadgen_latsse_main(void *arg)
{
    loadgen_latsse *e = arg;
    char url[LOADGEN_URL_MAX];
    snprintf(url, sizeof(url), "%s/api/v1/events", e->run->plan->nodes[e->node]);
    CURL *curl = e->http.curl;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, loadgen_latsse_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, e);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, loadgen_latsse_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, e);
    e->rc = curl_easy_perform(curl);
    return NULL;
}

static int loadgen_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-th quantile (0..1) of n sorted values, by the nearest rank. */
static double loadgen_quantile(const double *v, size_t n, double q)
{
    if (n == 0) {
        return 0;
    }
    size_t r = (size_t)(q * (double)n + 0.999999);
    r = r == 0 ? 1 : r > n ? n : r;
    return v[r - 1];
}

/* Prints what the submitters sent and how the nodes answered; returns the rejections. */
static uint64_t loadgen_lat_sent(const loadgen_lat *run, const loadgen_latsub *subs,
                                 const loadgen_latsse *sse, double t_sent)
{
    const loadgen_plan *p = run->plan;
    uint64_t admitted = 0, rejected = 0, requests = 0;
    double rtt_sum = 0, rtt_max = 0, lag_max = 0;
    loadgen_codes codes = {0};
    for (size_t g = 0; g < p->nodes_len; g++) {
        const loadgen_latsub *c = &subs[g];
        admitted += c->admitted;
        rejected += c->rejected;
        requests += c->requests;
        rtt_sum += c->rtt_sum;
        rtt_max = c->rtt_max > rtt_max ? c->rtt_max : rtt_max;
        lag_max = c->lag_max > lag_max ? c->lag_max : lag_max;
        for (size_t k = 0; k < c->codes.len; k++) {
            loadgen_codes_add(&codes, c->codes.name[k], c->codes.count[k]);
        }
        if (c->failed) {
            printf("node %zu: submitting failed: %s\n", g + 1, c->errmsg);
        }
        if (sse[g].rc != CURLE_OK && sse[g].rc != CURLE_WRITE_ERROR &&
            sse[g].rc != CURLE_ABORTED_BY_CALLBACK) {
            printf("node %zu: event stream ended: %s\n", g + 1, curl_easy_strerror(sse[g].rc));
        }
    }
    size_t n = p->txs_len;
    printf("sent: %zu transfers in %.3f s = %.0f transfers/s (due %.0f/s) to %zu nodes: %" PRIu64
           " admitted, %" PRIu64 " rejected; %" PRIu64 " requests (%.1f transfers each, round "
           "trip avg %.1f ms, max %.1f ms); most behind schedule %.1f ms\n",
           n, t_sent, t_sent > 0 ? (double)n / t_sent : 0.0, run->rate, p->nodes_len, admitted,
           rejected, requests, requests > 0 ? (double)n / (double)requests : 0.0,
           requests > 0 ? 1e3 * rtt_sum / (double)requests : 0.0, 1e3 * rtt_max, 1e3 * lag_max);
    loadgen_codes_print("rejected", &codes);
    return rejected;
}

static void loadgen_lat_report(const loadgen_lat *run, const loadgen_latsub *subs,
                               const loadgen_latsse *sse, double t_end, double cpu_s)
{
    size_t n = run->plan->txs_len;
    double *lat = malloc((n > 0 ? n : 1) * sizeof(*lat));
    double *post = malloc((n > 0 ? n : 1) * sizeof(*post));
    if (lat == NULL || post == NULL) {
        fprintf(stderr, "loadgen: no memory for %zu latencies\n", n);
        free(lat);
        free(post);
        return;
    }
    uint64_t missing = 0;
    double t_sent = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        t_sent = run->sent[i] - run->t0 > t_sent ? run->sent[i] - run->t0 : t_sent;
        if (!run->admitted[i]) {
            continue;
        }
        if (run->done[i] == 0) {
            missing++;
            continue;
        }
        lat[m] = 1e3 * (run->done[i] - (run->t0 + (double)i / run->rate));
        post[m] = 1e3 * (run->done[i] - run->sent[i]);
        m++;
    }
    qsort(lat, m, sizeof(*lat), loadgen_dbl_cmp);
    qsort(post, m, sizeof(*post), loadgen_dbl_cmp);
    double sum = 0;
    for (size_t k = 0; k < m; k++) {
        sum += lat[k];
    }
    uint64_t rejected = loadgen_lat_sent(run, subs, sse, t_sent);
    printf("committed: %zu seen on their node's event stream, %" PRIu64 " admitted never seen "
           "(waited %.1f s after the last was sent)\n",
           m, missing, t_end - run->t0 - t_sent);
    printf("latency from due time to commit (ms): p50 %.0f, p90 %.0f, p99 %.0f, max %.0f, mean "
           "%.0f; from the request's start: p50 %.0f, p99 %.0f\n",
           loadgen_quantile(lat, m, 0.5), loadgen_quantile(lat, m, 0.9),
           loadgen_quantile(lat, m, 0.99), m > 0 ? lat[m - 1] : 0.0, m > 0 ? sum / (double)m : 0.0,
           loadgen_quantile(post, m, 0.5), loadgen_quantile(post, m, 0.99));
    printf("cpu: loadgen used %.2f s of CPU while sending and waiting (%.0f%% of one core)\n",
           cpu_s, t_end > run->t0 ? 100 * cpu_s / (t_end - run->t0) : 0.0);
    printf("result: p50_ms=%.0f p99_ms=%.0f max_ms=%.0f rate=%.0f committed=%zu missing=%" PRIu64
           " rejected=%" PRIu64 "\n",
           loadgen_quantile(lat, m, 0.5), loadgen_quantile(lat, m, 0.99), m > 0 ? lat[m - 1] : 0.0,
           t_sent > 0 ? (double)n / t_sent : 0.0, m, missing, rejected);
    free(lat);
    free(post);
}

/* Opens every node's event stream and waits until each has shown a block. */
static int loadgen_lat_streams(loadgen_lat *run, loadgen_latsse *sse)
{
    const loadgen_plan *p = run->plan;
    for (size_t g = 0; g < p->nodes_len; g++) {
        sse[g].run = run;
        sse[g].node = g;
        CHR_ASSERT(loadgen_http_init_for(&sse[g].http, g));
        CHR_ASSERT(pthread_create(&sse[g].thread, NULL, loadgen_latsse_main, &sse[g]) == 0);
    }
    double deadline = loadgen_now() + LOADGEN_SSE_READY_S;
    for (size_t g = 0; g < p->nodes_len; g++) {
        while (!atomic_load(&sse[g].ready) && loadgen_now() < deadline) {
            loadgen_sleep_ms(5);
        }
        if (!atomic_load(&sse[g].ready)) {
            fprintf(stderr, "loadgen: %s: no block on its event stream in %d s\n", p->nodes[g],
                    LOADGEN_SSE_READY_S);
            return 0;
        }
    }
    return 1;
}

static int loadgen_lat_run(loadgen_lat *run, double wait_s)
{
    const loadgen_plan *p = run->plan;
    loadgen_latsub *subs = calloc(p->nodes_len, sizeof(*subs));
    loadgen_latsse *sse = calloc(p->nodes_len, sizeof(*sse));
    size_t *order = malloc(p->txs_len * sizeof(*order));
    if (subs == NULL || sse == NULL || order == NULL) {
        free(subs);
        free(sse);
        free(order);
        return 0;
    }
    size_t fill = 0;
    for (size_t g = 0; g < p->nodes_len; g++) {
        subs[g].idx = order + fill;
        for (size_t i = 0; i < p->txs_len; i++) {
            if (loadgen_lat_node(p, i) == g) {
                order[fill++] = i;
            }
        }
        subs[g].idx_len = (size_t)(order + fill - subs[g].idx);
    }
    int ok = loadgen_lat_streams(run, sse);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)p->nodes_len + 1);
    for (size_t g = 0; g < p->nodes_len; g++) {
        subs[g].run = run;
        subs[g].start = &barrier;
        snprintf(subs[g].url, sizeof(subs[g].url), "%s/api/v1/txs/batch", p->nodes[g]);
        CHR_ASSERT(loadgen_http_init_for(&subs[g].http, g));
        subs[g].failed = !ok; /* streams not ready: release the threads, send nothing */
        CHR_ASSERT(pthread_create(&subs[g].thread, NULL, loadgen_latsub_main, &subs[g]) == 0);
    }
    run->t0 = loadgen_now() + 0.01;
    double cpu0 = loadgen_cpu_s();
    pthread_barrier_wait(&barrier);
    uint64_t admitted = 0;
    for (size_t g = 0; g < p->nodes_len; g++) {
        pthread_join(subs[g].thread, NULL);
        admitted += subs[g].admitted;
        ok = ok && !subs[g].failed;
    }
    double deadline = loadgen_now() + wait_s;
    while (ok && atomic_load(&run->n_done) < admitted && loadgen_now() < deadline) {
        loadgen_sleep_ms(5);
    }
    double t_end = loadgen_now();
    double cpu_s = loadgen_cpu_s() - cpu0;
    atomic_store(&run->stop, 1);
    for (size_t g = 0; g < p->nodes_len; g++) {
        pthread_join(sse[g].thread, NULL);
    }
    pthread_barrier_destroy(&barrier);
    if (ok) {
        loadgen_lat_report(run, subs, sse, t_end, cpu_s);
    }
    for (size_t g = 0; g < p->nodes_len; g++) {
        loadgen_http_deinit(&subs[g].http);
        loadgen_http_deinit(&sse[g].http);
        free(subs[g].body.data);
    }
    free(subs);
    free(sse);
    free(order);
    return ok;
}

static int loadgen_latency_args(loadgen_plan *p, loadgen_lat *run, double *wait_s, int argc,
                                char **argv)
{
    static const char *const known[] = {"--node",   "--keys",    "--chain-id", "--fee",
                                        "--rate",   "--seconds", "--tick-ms",  "--batch",
                                        "--amount", "--new-pct", "--timeout",  "--api-key-file",
                                        NULL};
    static const char *const required[] = {"--node", "--keys",    "--chain-id", "--fee",
                                           "--rate", "--seconds", NULL};
    uint64_t rate, seconds, tick, batch, timeout;
    if (!bench_args_ok("loadgen", argc, argv, known, required) ||
        !bench_arg_u64("loadgen", argc, argv, "--fee", 0, 0, UINT64_MAX / 2, &p->fee) ||
        !bench_arg_u64("loadgen", argc, argv, "--amount", 1, 1, UINT64_MAX / 2, &p->amount) ||
        !bench_arg_u64("loadgen", argc, argv, "--rate", 0, 1, 1000000, &rate) ||
        !bench_arg_u64("loadgen", argc, argv, "--seconds", 0, 1, LOADGEN_SECONDS_MAX, &seconds) ||
        !bench_arg_u64("loadgen", argc, argv, "--tick-ms", 5, 0, 1000, &tick) ||
        !bench_arg_u64("loadgen", argc, argv, "--batch", RPC_BATCH_TXS_MAX, 1, RPC_BATCH_TXS_MAX,
                       &batch) ||
        !bench_arg_u64("loadgen", argc, argv, "--new-pct", 50, 0, 100, &p->new_pct) ||
        !bench_arg_u64("loadgen", argc, argv, "--timeout", 30, 1, 3600, &timeout) ||
        !loadgen_nodes_parse(p, bench_arg(argc, argv, "--node")) ||
        !loadgen_api_key(bench_arg(argc, argv, "--api-key-file"))) {
        return 0;
    }
    if (rate * seconds > LOADGEN_TXS_MAX) {
        fprintf(stderr, "loadgen: --rate times --seconds: at most %u transfers\n", LOADGEN_TXS_MAX);
        return 0;
    }
    p->chain_id = bench_arg(argc, argv, "--chain-id");
    p->txs_len = (size_t)(rate * seconds);
    p->batch = batch;
    run->rate = (double)rate;
    run->tick_s = (double)tick / 1e3;
    *wait_s = (double)timeout;
    return 1;
}

static int loadgen_cmd_latency(int argc, char **argv)
{
    loadgen_plan p;
    loadgen_lat run;
    double wait_s;
    memset(&p, 0, sizeof(p));
    memset(&run, 0, sizeof(run));
    run.plan = &p;
    if (!loadgen_latency_args(&p, &run, &wait_s, argc, argv)) {
        return LOADGEN_USAGE;
    }
    loadgen_http h;
    loadgen_status base;
    int ok = loadgen_http_init(&h) && loadgen_keys_read(&p, bench_arg(argc, argv, "--keys"));
    ok = ok && loadgen_node_ready(&p, &h, &base) && loadgen_senders(&p, &h);
    if (ok && p.keys_len < p.nodes_len) {
        fprintf(stderr, "loadgen: %zu senders reach only %zu of the %zu nodes\n", p.keys_len,
                p.keys_len, p.nodes_len);
    }
    p.hashes = ok ? malloc(p.txs_len * 32) : NULL;
    run.sent = calloc(p.txs_len, sizeof(*run.sent));
    run.done = calloc(p.txs_len, sizeof(*run.done));
    run.admitted = calloc(p.txs_len, 1);
    ok = ok && p.hashes != NULL && run.sent != NULL && run.done != NULL && run.admitted != NULL;
    double t = loadgen_now();
    ok = ok && loadgen_sign_all(&p, bench_cores(LOADGEN_THREADS_MAX)) &&
         loadgen_index_build(&run.index, (const uint8_t(*)[32])p.hashes, p.txs_len);
    if (ok) {
        printf("latency: %zu transfers signed in %.2f s (%zu senders); sending %.0f/s for %.0f s "
               "to %zu node%s, every %.0f ms all that are due; commits from each node's "
               "GET /api/v1/events\n",
               p.txs_len, loadgen_now() - t, p.keys_len, run.rate, (double)p.txs_len / run.rate,
               p.nodes_len, p.nodes_len == 1 ? "" : "s", 1e3 * run.tick_s);
        fflush(stdout);
        ok = loadgen_lat_run(&run, wait_s);
    }
    if (p.sk != NULL) {
        sodium_memzero(p.sk, p.keys_len * 32);
    }
    free(p.sk);
    free(p.pub);
    free(p.nonce0);
    free(p.hex);
    free(p.validators);
    free(p.hashes);
    free(run.index.slots);
    free(run.sent);
    free(run.done);
    free(run.admitted);
    loadgen_http_deinit(&h);
    return ok ? LOADGEN_OK : LOADGEN_FAIL;
}

/* ---- wait-height: how fast a node reaches a height (a full node syncing). ---- */

static int loadgen_cmd_wait_height(int argc, char **argv)
{
    static const char *const known[] = {"--node", "--height", "--timeout", "--api-key-file", NULL};
    static const char *const required[] = {"--node", "--height", NULL};
    uint64_t target, timeout;
    loadgen_plan p;
    memset(&p, 0, sizeof(p));
    if (!bench_args_ok("loadgen", argc, argv, known, required) ||
        !bench_arg_u64("loadgen", argc, argv, "--height", 0, 1, UINT64_MAX / 2, &target) ||
        !bench_arg_u64("loadgen", argc, argv, "--timeout", 600, 1, 86400, &timeout) ||
        !loadgen_nodes_parse(&p, bench_arg(argc, argv, "--node")) ||
        !loadgen_api_key(bench_arg(argc, argv, "--api-key-file"))) {
        return LOADGEN_USAGE;
    }
    char url[LOADGEN_URL_MAX];
    char errmsg[LOADGEN_ERRMSG_MAX] = "no answer yet";
    snprintf(url, sizeof(url), "%s/api/v1/status", p.nodes[0]);
    loadgen_http h;
    if (!loadgen_http_init(&h)) {
        return LOADGEN_FAIL;
    }
    double t_start = loadgen_now(), t_first = 0, t_report = t_start;
    double cpu0 = loadgen_cpu_s();
    uint64_t h_first = 0;
    loadgen_status s = {0};
    int reached = 0;
    while (!reached && loadgen_now() - t_start < (double)timeout) {
        if (loadgen_status_get(&h, url, &s, errmsg, sizeof(errmsg))) {
            double now = loadgen_now();
            if (t_first == 0) {
                t_first = now;
                h_first = s.height;
            }
            reached = s.height >= target;
            if (now - t_report >= 10) {
                printf("wait-height: %" PRIu64 " after %.1f s\n", s.height, now - t_start);
                fflush(stdout);
                t_report = now;
            }
        }
        if (!reached) {
            loadgen_sleep_ms(LOADGEN_POLL_MS);
        }
    }
    double t_end = loadgen_now();
    loadgen_http_deinit(&h);
    if (!reached) {
        fprintf(stderr,
                "loadgen: %s at height %" PRIu64 ", not %" PRIu64 ", after %" PRIu64 " s (%s)\n",
                p.nodes[0], s.height, target, timeout, t_first == 0 ? errmsg : "too slow");
        return LOADGEN_FAIL;
    }
    double span = t_end - t_first;
    printf("wait-height: %" PRIu64 " reached %.3f s after the start (the API answered after "
           "%.3f s, at height %" PRIu64 "): %.0f blocks/s overall, %.0f blocks/s once it "
           "answered; loadgen CPU %.2f s\n",
           s.height, t_end - t_start, t_first - t_start, h_first,
           (double)s.height / (t_end - t_start),
           span > 0 ? (double)(s.height - h_first) / span : 0.0, loadgen_cpu_s() - cpu0);
    printf("result: blocks=%" PRIu64 " seconds=%.3f blocks_per_s=%.0f\n", s.height, t_end - t_start,
           (double)s.height / (t_end - t_start));
    return LOADGEN_OK;
}

/* ---- main. ---- */

static int loadgen_usage(void)
{
    fprintf(stderr,
            "usage: loadgen verify-rate [--threads N] [--seconds S]\n"
            "       loadgen accounts --count N --out DIR [--genesis FILE --balance AMOUNT]\n"
            "                        [--print address|pubkey]\n"
            "       loadgen heartbeats --keys FILE --chain-id ID --rounds R --out FILE\n"
            "                          [--step-ms S]\n"
            "       loadgen transfers --node URL[,URL...] --keys FILE --chain-id ID --fee F\n"
            "                         --txs N --batch B --conns C [--amount A] [--new-pct P]\n"
            "                         [--timeout S] [--api-key-file FILE[,FILE...]]\n"
            "       loadgen latency --node URL[,URL...] --keys FILE --chain-id ID --fee F\n"
            "                       --rate R --seconds S [--tick-ms T] [--batch B] [--amount A]\n"
            "                       [--new-pct P] [--timeout S] [--api-key-file FILE[,FILE...]]\n"
            "       loadgen wait-height --node URL --height H [--timeout S] "
            "[--api-key-file FILE]\n");
    return LOADGEN_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return loadgen_usage();
    }
    if (chr_hash_init() != CHR_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "loadgen: libsodium or libcurl failed to start\n");
        return LOADGEN_FAIL;
    }
    const char *cmd = argv[1];
    int rc;
    if (strcmp(cmd, "verify-rate") == 0) {
        rc = loadgen_cmd_verify_rate(argc - 2, argv + 2);
    } else if (strcmp(cmd, "accounts") == 0) {
        rc = loadgen_cmd_accounts(argc - 2, argv + 2);
    } else if (strcmp(cmd, "heartbeats") == 0) {
        rc = loadgen_cmd_heartbeats(argc - 2, argv + 2);
    } else if (strcmp(cmd, "transfers") == 0) {
        rc = loadgen_cmd_transfers(argc - 2, argv + 2);
    } else if (strcmp(cmd, "latency") == 0) {
        rc = loadgen_cmd_latency(argc - 2, argv + 2);
    } else if (strcmp(cmd, "wait-height") == 0) {
        rc = loadgen_cmd_wait_height(argc - 2, argv + 2);
    } else {
        rc = loadgen_usage();
    }
    curl_global_cleanup();
    return rc;
}
