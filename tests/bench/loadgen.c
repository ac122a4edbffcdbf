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
 *       file once per account. Check the result with `chroom-genesis validate`.
 *   loadgen transfers --node URL --keys FILE --chain-id ID --fee F --txs N --batch B
 *                     --conns C [--amount A] [--new-pct P] [--timeout S] [--api-key-file F]
 *       Signs N transfers spread over the keys (each sender's nonces in order from its next
 *       one), submits them with POST /api/v1/txs/batch over C keep-alive connections, polls
 *       GET /api/v1/status until they are committed, and prints the submit and commit
 *       rates. P percent of the transfers go to new accounts, the others to other senders.
 *       Every request carries the API key in F (`chroomd apikey create`) as a bearer token.
 *   loadgen free-port
 *       Prints a TCP port of 127.0.0.1 that was free a moment ago.
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
#include "common/hash.h"
#include "common/fsutil.h"
#include "common/hex.h"
#include "genesis/genesis.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "rpc/limits.h"

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

static unsigned loadgen_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) {
        return 1;
    }
    return n > LOADGEN_THREADS_MAX ? LOADGEN_THREADS_MAX : (unsigned)n;
}

/* The value given for option `name`, or NULL. Options come in "--name value" pairs. */
static const char *loadgen_arg(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], name) == 0) {
            return argv[i + 1];
        }
    }
    return NULL;
}

/* True when every argument is a known option with a value, none given twice, and every
 * option in `required` is there. */
static int loadgen_args_ok(int argc, char **argv, const char *const *known,
                           const char *const *required)
{
    if (argc % 2 != 0) {
        fprintf(stderr, "loadgen: %s needs a value\n", argv[argc - 1]);
        return 0;
    }
    for (int i = 0; i < argc; i += 2) {
        int found = 0;
        for (size_t k = 0; known[k] != NULL && !found; k++) {
            found = strcmp(argv[i], known[k]) == 0;
        }
        for (int j = 0; j < i && found; j += 2) {
            found = strcmp(argv[j], argv[i]) != 0;
        }
        if (!found) {
            fprintf(stderr, "loadgen: unknown or repeated option %s\n", argv[i]);
            return 0;
        }
    }
    for (size_t k = 0; required[k] != NULL; k++) {
        if (loadgen_arg(argc, argv, required[k]) == NULL) {
            fprintf(stderr, "loadgen: %s is required\n", required[k]);
            return 0;
        }
    }
    return 1;
}

/* Reads option `name` as a whole number in [min, max]; def when it is absent. */
static int loadgen_arg_u64(int argc, char **argv, const char *name, uint64_t def, uint64_t min,
                           uint64_t max, uint64_t *out)
{
    const char *s = loadgen_arg(argc, argv, name);
    *out = def;
    if (s == NULL) {
        return 1;
    }
    if (chr_u64_parse(out, s, strlen(s)) != CHR_OK || *out < min || *out > max) {
        fprintf(stderr, "loadgen: %s: a whole number from %" PRIu64 " to %" PRIu64 "\n", name, min,
                max);
        return 0;
    }
    return 1;
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

/* Builds and signs a transfer without memo or expiry. */
static chr_err loadgen_sign(const ledger_signer *s, ledger_tx *tx, const char *chain_id,
                            const uint8_t sk[32], const uint8_t pub[32], uint64_t nonce,
                            uint64_t fee, const uint8_t to[32], uint64_t amount)
{
    chr_err err =
        ledger_tx_init(tx, LEDGER_TX_TRANSFER, chain_id, pub, nonce, fee, 0, loadgen_memo_none, 0);
    if (err != CHR_OK) {
        return err;
    }
    memcpy(tx->body.transfer.to, to, 32);
    tx->body.transfer.amount = amount;
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
        err = loadgen_sign(s, &txs[i], "chroom-bench", sk, pub, i, 1000, to, 1 + i);
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
    if (!loadgen_args_ok(argc, argv, known, required) ||
        !loadgen_arg_u64(argc, argv, "--threads", loadgen_cores(), 1, LOADGEN_THREADS_MAX,
                         &threads) ||
        !loadgen_arg_u64(argc, argv, "--seconds", 3, 1, LOADGEN_SECONDS_MAX, &seconds)) {
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
    static const char *const known[] = {"--count", "--out", "--genesis", "--balance", NULL};
    static const char *const required[] = {"--count", "--out", NULL};
    uint64_t count;
    uint64_t balance;
    if (!loadgen_args_ok(argc, argv, known, required) ||
        !loadgen_arg_u64(argc, argv, "--count", 1, 1, LEDGER_GENESIS_ACCOUNTS_MAX, &count) ||
        !loadgen_arg_u64(argc, argv, "--balance", 0, 1, UINT64_MAX, &balance)) {
        return LOADGEN_USAGE;
    }
    const char *dir = loadgen_arg(argc, argv, "--out");
    const char *gen = loadgen_arg(argc, argv, "--genesis");
    if ((gen == NULL) != (balance == 0)) {
        fprintf(stderr, "loadgen: --genesis and --balance go together\n");
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
        chr_address_encode(addr, pub[i]);
        ok = printf("%s\n", addr) > 0;
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

/* "Authorization: Bearer <key>" for every request, from --api-key-file; "" for none. */
static char loadgen_auth_header[160];

static int loadgen_http_init(loadgen_http *h)
{
    memset(h, 0, sizeof(*h));
    h->curl = curl_easy_init();
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* Without this libcurl sends "Expect: 100-continue" for bodies over 1 KiB and waits
     * for the node's go-ahead: a round trip per batch for nothing. */
    struct curl_slist *more = h->headers != NULL ? curl_slist_append(h->headers, "Expect:") : NULL;
    if (more != NULL && loadgen_auth_header[0] != '\0') {
        more = curl_slist_append(more, loadgen_auth_header);
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
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, loadgen_curl_write);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->resp);
    return 1;
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
    char node[LOADGEN_NODE_URL_MAX]; /* base URL without a trailing '/' */
    const char *chain_id;
    uint64_t fee;
    uint64_t amount;
    uint64_t new_pct;
    size_t keys_len;
    uint8_t (*sk)[32];
    uint8_t (*pub)[32];
    uint64_t *nonce0;  /* each sender's next nonce when the run starts */
    size_t txs_len;    /* transfer i: sender i % keys_len, nonce nonce0 + i / keys_len */
    size_t tx_hex_len; /* every transfer has the same length: same chain id, no memo */
    char *hex;         /* txs_len * tx_hex_len characters, no separators */
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
        snprintf(url, sizeof(url), "%s/api/v1/accounts/%s", p->node, addr);
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
        loadgen_recipient(p, sender, to);
        j->ok = loadgen_sign(s, &tx, p->chain_id, p->sk[sender], p->pub[sender], nonce, p->fee, to,
                             p->amount) == CHR_OK &&
                ledger_tx_encode(&tx, buf, sizeof(buf), &len) == CHR_OK;
        CHR_ASSERT(!j->ok || 2 * len == p->tx_hex_len);
        chr_hex_encode(hex, sizeof(hex), buf, len);
        memcpy(p->hex + i * p->tx_hex_len, hex, p->tx_hex_len);
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
    if (ledger_tx_init(&probe, LEDGER_TX_TRANSFER, p->chain_id, p->pub[0], 0, p->fee, 0,
                       loadgen_memo_none, 0) != CHR_OK ||
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
    snprintf(url, sizeof(url), "%s/api/v1/status", p->node);
    w->last = w->base;
    unsigned idle = 0;
    for (;;) {
        /* Read before the poll, so that the poll sees every admission of a finished run. */
        int all_sent = atomic_load(finished) == p->conns;
        loadgen_status s;
        if (loadgen_status_get(h, url, &s, errmsg, sizeof(errmsg))) {
            double now = loadgen_now() - t0;
            int moved = s.txs_total != w->last.txs_total;
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
           "%.3f s; %" PRIu64 " blocks, %.0f transfers per block)%s\n",
           committed, t_commit, t_commit > 0 ? (double)committed / t_commit : 0.0,
           w->t_first_commit, blocks, blocks > 0 ? (double)committed / (double)blocks : 0.0,
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
        snprintf(c->url, sizeof(c->url), "%s/api/v1/txs/batch", p->node);
        CHR_ASSERT(loadgen_http_init(&c->http));
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

/* Waits for the node to answer its status, and checks that it runs the expected chain. */
static int loadgen_node_ready(const loadgen_plan *p, loadgen_http *h, loadgen_status *out)
{
    char url[LOADGEN_URL_MAX];
    char errmsg[LOADGEN_ERRMSG_MAX];
    snprintf(url, sizeof(url), "%s/api/v1/status", p->node);
    double deadline = loadgen_now() + LOADGEN_NODE_WAIT_S;
    while (!loadgen_status_get(h, url, out, errmsg, sizeof(errmsg))) {
        if (loadgen_now() > deadline) {
            fprintf(stderr, "loadgen: the node did not answer: %s\n", errmsg);
            return 0;
        }
        loadgen_sleep_ms(100);
    }
    if (strcmp(out->chain_id, p->chain_id) != 0) {
        fprintf(stderr, "loadgen: the node runs chain %s, not %s\n", out->chain_id, p->chain_id);
        return 0;
    }
    return 1;
}

/* Reads the API key the requests carry from path (NULL: none). */
static int loadgen_api_key(const char *path)
{
    char *text;
    size_t len;
    char err[128];
    if (path == NULL) {
        return 1;
    }
    if (chr_file_read(path, 1024, &text, &len, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "loadgen: --api-key-file %s: %s\n", path, err);
        return 0;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        text[--len] = '\0';
    }
    int n = snprintf(loadgen_auth_header, sizeof(loadgen_auth_header), "Authorization: Bearer %s",
                     text);
    sodium_memzero(text, len);
    free(text);
    if (len == 0 || n < 0 || (size_t)n >= sizeof(loadgen_auth_header)) {
        fprintf(stderr, "loadgen: --api-key-file %s: not an API key\n", path);
        return 0;
    }
    return 1;
}

static int loadgen_transfers_args(loadgen_plan *p, int argc, char **argv)
{
    static const char *const known[] = {"--node",    "--keys",    "--chain-id",     "--fee",
                                        "--txs",     "--batch",   "--conns",        "--amount",
                                        "--new-pct", "--timeout", "--api-key-file", NULL};
    static const char *const required[] = {"--node", "--keys",  "--chain-id", "--fee",
                                           "--txs",  "--batch", "--conns",    NULL};
    uint64_t txs, batch, conns, timeout;
    if (!loadgen_args_ok(argc, argv, known, required) ||
        !loadgen_arg_u64(argc, argv, "--fee", 0, 0, UINT64_MAX / 2, &p->fee) ||
        !loadgen_arg_u64(argc, argv, "--amount", 1, 1, UINT64_MAX / 2, &p->amount) ||
        !loadgen_arg_u64(argc, argv, "--txs", 0, 1, LOADGEN_TXS_MAX, &txs) ||
        !loadgen_arg_u64(argc, argv, "--batch", 0, 1, RPC_BATCH_TXS_MAX, &batch) ||
        !loadgen_arg_u64(argc, argv, "--conns", 0, 1, LOADGEN_CONNS_MAX, &conns) ||
        !loadgen_arg_u64(argc, argv, "--new-pct", 50, 0, 100, &p->new_pct) ||
        !loadgen_arg_u64(argc, argv, "--timeout", 120, 1, 3600, &timeout)) {
        return 0;
    }
    const char *node = loadgen_arg(argc, argv, "--node");
    size_t n = strlen(node);
    while (n > 0 && node[n - 1] == '/') {
        n--;
    }
    if (n >= sizeof(p->node)) {
        fprintf(stderr, "loadgen: --node: URL too long\n");
        return 0;
    }
    memcpy(p->node, node, n);
    p->node[n] = '\0';
    p->chain_id = loadgen_arg(argc, argv, "--chain-id");
    if (!loadgen_api_key(loadgen_arg(argc, argv, "--api-key-file"))) {
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
    int ok = loadgen_http_init(&h) && loadgen_keys_read(&p, loadgen_arg(argc, argv, "--keys"));
    ok = ok && loadgen_node_ready(&p, &h, &base);
    double t = loadgen_now();
    ok = ok && loadgen_senders(&p, &h);
    if (ok && p.conns > p.keys_len) {
        fprintf(stderr, "loadgen: %zu senders: using %zu connections, one per sender\n", p.keys_len,
                p.keys_len);
        p.conns = p.keys_len;
    }
    if (ok) {
        printf("node: chain %s at height %" PRIu64 ", %zu senders ready in %.2f s\n", base.chain_id,
               base.height, p.keys_len, loadgen_now() - t);
        t = loadgen_now();
    }
    unsigned threads = loadgen_cores();
    ok = ok && loadgen_sign_all(&p, threads);
    if (ok) {
        printf("transfers: %zu signed in %.2f s on %u threads (%zu senders, ~%zu each, %" PRIu64
               "%% to new accounts), submitting in batches of %zu over %zu connections\n",
               p.txs_len, loadgen_now() - t, threads, p.keys_len,
               (p.txs_len + p.keys_len - 1) / p.keys_len, p.new_pct, p.batch, p.conns);
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
    loadgen_http_deinit(&h);
    return ok ? LOADGEN_OK : LOADGEN_FAIL;
}

/* ---- free-port and main. ---- */

static int loadgen_cmd_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
             getsockname(fd, (struct sockaddr *)&a, &len) == 0;
    if (fd >= 0) {
        close(fd);
    }
    if (!ok) {
        fprintf(stderr, "loadgen: no free port: %s\n", strerror(errno));
        return LOADGEN_FAIL;
    }
    printf("%u\n", (unsigned)ntohs(a.sin_port));
    return LOADGEN_OK;
}

static int loadgen_usage(void)
{
    fprintf(stderr,
            "usage: loadgen verify-rate [--threads N] [--seconds S]\n"
            "       loadgen accounts --count N --out DIR [--genesis FILE --balance AMOUNT]\n"
            "       loadgen transfers --node URL --keys FILE --chain-id ID --fee F --txs N\n"
            "                         --batch B --conns C [--amount A] [--new-pct P] "
            "[--timeout S]\n"
            "                         [--api-key-file FILE]\n"
            "       loadgen free-port\n");
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
    } else if (strcmp(cmd, "transfers") == 0) {
        rc = loadgen_cmd_transfers(argc - 2, argv + 2);
    } else if (strcmp(cmd, "free-port") == 0 && argc == 2) {
        rc = loadgen_cmd_free_port();
    } else {
        rc = loadgen_usage();
    }
    curl_global_cleanup();
    return rc;
}
