/* The light client: a trusted validator set and header kept in <home>/light.json, moved
 * forward by verified headers and commits (ledger/light.h), and balances verified by state
 * proofs against a verified header's state root (ledger/proof.h). docs/PROTOCOL.md, "State
 * proofs" and "Light client", is the definition; docs/WALLET.md the user's view. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "common/hex.h"
#include "genesis/genesis.h"
#include "ledger/light.h"
#include "ledger/proof.h"
#include "ledger/state.h"
#include "wallet/internal/cli.h"

#define LIGHT_FILE "light.json"
/* light.json holds a validator set in hex (at most ~10 KiB) and a few fields. */
#define LIGHT_FILE_BYTES_MAX (64u * 1024)
/* The encoded validator set: u16 count and 40 bytes a validator. */
#define LIGHT_VALSET_BYTES_MAX (2 + LEDGER_VALIDATORS_MAX * 40)
/* A page of GET /api/v1/validators: the most the API gives. */
#define LIGHT_VALIDATORS_PAGE 100

/* The trusted state lives in static storage: a validator set is ~5 KiB. */
static ledger_light_trust trust;
static ledger_valset fetched_vals;
static ledger_header header;
static ledger_commit commit;
static ledger_proof proof;
/* A header between the trusted one and the target, while bisecting (~20 KiB). */
static ledger_light_block pivot;
/* The headers the last verification fetched in between (0: it skipped straight there). */
static uint32_t light_fetched;
/* How long the trusted header is trusted (light.json's trusting_period_ms): a state saved
 * before it was kept has LEDGER_LIGHT_TRUSTING_PERIOD_DEFAULT_MS. */
static uint64_t light_period_ms;
/* The longest trusting period: the longest unbonding time a chain may have (a year). */
#define LIGHT_PERIOD_MS_MAX (365ull * 24 * 3600 * 1000)

static uint64_t light_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int light_path(const wallet_cli *c, char *out, size_t cap, const char *suffix)
{
    if (c->home[0] == '\0' ||
        (size_t)snprintf(out, cap, "%s/" LIGHT_FILE "%s", c->home, suffix) >= cap) {
        wallet_cli_err("no wallet home for " LIGHT_FILE " (--home DIR or $CHROOM_HOME)");
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

/* Decodes a hex string member of j into out: exactly len bytes when exact, else at most
 * cap (*out_len). */
static int light_hex(const json_t *j, const char *key, uint8_t *out, size_t cap, size_t *out_len)
{
    const char *s = json_string_value(json_object_get(j, key));
    if (s == NULL) {
        return 0;
    }
    if (out_len == NULL) {
        return chr_hex_decode_exact(out, cap, s, strlen(s)) == CHR_OK;
    }
    return chr_hex_decode(out, cap, out_len, s, strlen(s)) == CHR_OK;
}

/* A u64 member given as a decimal string (the API's way) or a JSON integer. */
static int light_u64(const json_t *j, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(j, key);
    const char *s = json_string_value(v);
    if (s != NULL) {
        return chr_u64_parse(out, s, strlen(s)) == CHR_OK;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return 1;
    }
    return 0;
}

static int light_save(const wallet_cli *c)
{
    char path[WALLET_KEYSTORE_PATH_MAX];
    char tmp[WALLET_KEYSTORE_PATH_MAX];
    int rc = light_path(c, path, sizeof(path), "");
    rc = rc ? rc : light_path(c, tmp, sizeof(tmp), ".new");
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    static uint8_t vbuf[LIGHT_VALSET_BYTES_MAX];
    static char vhex[2 * LIGHT_VALSET_BYTES_MAX + 1];
    chr_enc enc;
    size_t vlen;
    chr_enc_init(&enc, vbuf, sizeof(vbuf));
    ledger_valset_encode(&enc, &trust.vals);
    if (chr_enc_finish(&enc, &vlen) != CHR_OK) {
        return WALLET_EXIT_LOCAL;
    }
    char hash[65];
    char height[CHR_U64_DIGITS_MAX + 1];
    char time_ms[CHR_U64_DIGITS_MAX + 1];
    chr_hex_encode(vhex, sizeof(vhex), vbuf, vlen);
    chr_hex_encode(hash, sizeof(hash), trust.hash, 32);
    snprintf(height, sizeof(height), "%llu", (unsigned long long)trust.height);
    snprintf(time_ms, sizeof(time_ms), "%llu", (unsigned long long)trust.time_ms);
    char next[65];
    char period[CHR_U64_DIGITS_MAX + 1];
    chr_hex_encode(next, sizeof(next), trust.next_vals_hash, 32);
    snprintf(period, sizeof(period), "%llu", (unsigned long long)light_period_ms);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "chain_id", trust.chain_id, "height",
                          height, "hash", hash, "time_ms", time_ms, "validators", vhex,
                          "next_validators_hash", next, "trusting_period_ms", period);
    char *text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    /* A new file beside the old (mode 0600, synced), renamed over it: a crash leaves the old
     * trusted state or the new, whole. A .new left by a crash is stale. */
    (void)mkdir(c->home, 0700);
    (void)unlink(tmp);
    chr_err err = text != NULL ? chr_file_write_new(tmp, text, strlen(text)) : CHR_ERR_NOMEM;
    free(text);
    if (err == CHR_OK && rename(tmp, path) != 0) {
        (void)unlink(tmp);
        err = CHR_ERR_IO;
    }
    if (err == CHR_OK) {
        err = chr_sync_dir_of(path);
    }
    if (err != CHR_OK) {
        wallet_cli_err("%s: cannot write the trusted state: %s", path, chr_err_str(err));
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

static int light_load(const wallet_cli *c)
{
    char path[WALLET_KEYSTORE_PATH_MAX];
    int rc = light_path(c, path, sizeof(path), "");
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    char *text;
    size_t len;
    char why[160];
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        wallet_cli_err("no trusted state in %s: run `chroom-wallet light init` first", path);
        return WALLET_EXIT_LOCAL;
    }
    if (chr_file_read(path, LIGHT_FILE_BYTES_MAX, &text, &len, why, sizeof(why)) != CHR_OK) {
        wallet_cli_err("%s: %s", path, why);
        return WALLET_EXIT_LOCAL;
    }
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    static uint8_t vbuf[LIGHT_VALSET_BYTES_MAX];
    size_t vlen = 0;
    const char *chain_id = wallet_cli_jstr(j, "chain_id");
    memset(&trust, 0, sizeof(trust));
    int ok = json_is_object(j) && strlen(chain_id) < sizeof(trust.chain_id) &&
             light_u64(j, "height", &trust.height) && light_u64(j, "time_ms", &trust.time_ms) &&
             light_hex(j, "hash", trust.hash, 32, NULL) &&
             light_hex(j, "validators", vbuf, sizeof(vbuf), &vlen);
    chr_dec dec;
    chr_dec_init(&dec, vbuf, vlen);
    ok = ok && ledger_valset_decode(&dec, &trust.vals) == CHR_OK &&
         chr_dec_finish(&dec) == CHR_OK && ledger_chain_id_valid(chain_id, strlen(chain_id));
    if (ok) {
        snprintf(trust.chain_id, sizeof(trust.chain_id), "%s", chain_id);
        ledger_valset_hash(&trust.vals, trust.vals_hash);
        /* A state saved before headers named the next set has none: the next header is
         * then verified as any later one. */
        trust.has_next = json_object_get(j, "next_validators_hash") == NULL ? 0 : 1;
        ok =
            !trust.has_next || light_hex(j, "next_validators_hash", trust.next_vals_hash, 32, NULL);
        light_period_ms = LEDGER_LIGHT_TRUSTING_PERIOD_DEFAULT_MS;
        ok = ok && (json_object_get(j, "trusting_period_ms") == NULL ||
                    (light_u64(j, "trusting_period_ms", &light_period_ms) && light_period_ms > 0 &&
                     light_period_ms <= LIGHT_PERIOD_MS_MAX));
    }
    json_decref(j);
    if (!ok) {
        wallet_cli_err("%s is damaged: run `chroom-wallet light init` again", path);
        return WALLET_EXIT_LOCAL;
    }
    return WALLET_EXIT_OK;
}

/* The validator set that signs height, every page of GET /api/v1/validators?height=, into
 * *out (what it says is only trusted once it hashes to a header's validators_hash). */
static int light_fetch_validators(const wallet_cli *c, uint64_t height, ledger_valset *out)
{
    char path[WALLET_PATH_MAX];
    char cursor[160] = "";
    ledger_valset_init(out);
    for (size_t page = 0; page <= LEDGER_VALIDATORS_MAX / LIGHT_VALIDATORS_PAGE; page++) {
        snprintf(path, sizeof(path), "/api/v1/validators?height=%llu&limit=%d%s%s",
                 (unsigned long long)height, LIGHT_VALIDATORS_PAGE,
                 cursor[0] != '\0' ? "&cursor=" : "", cursor);
        json_t *j;
        int rc = wallet_cli_get(c, path, &j);
        if (rc != WALLET_EXIT_OK) {
            return rc;
        }
        const json_t *list = json_object_get(j, "validators");
        int ok = json_is_array(list);
        for (size_t i = 0; ok && i < json_array_size(list); i++) {
            uint8_t pk[32];
            uint64_t power;
            const json_t *v = json_array_get(list, i);
            ok = light_hex(v, "public_key", pk, 32, NULL) && light_u64(v, "power", &power) &&
                 ledger_valset_add(out, pk, power) == CHR_OK;
        }
        const char *next = json_string_value(json_object_get(j, "next_cursor"));
        ok = ok && (next == NULL || strlen(next) < sizeof(cursor));
        snprintf(cursor, sizeof(cursor), "%s", ok && next != NULL ? next : "");
        json_decref(j);
        if (!ok) {
            wallet_cli_err("the node's validator list is not as documented (docs/API.md)");
            return WALLET_EXIT_REFUSED;
        }
        if (cursor[0] == '\0') {
            return WALLET_EXIT_OK;
        }
    }
    wallet_cli_err("the node's validator list is longer than %d", LEDGER_VALIDATORS_MAX);
    return WALLET_EXIT_REFUSED;
}

/* Says that the node's answer failed verification; returns WALLET_EXIT_REFUSED. */
static int light_lie(const char *what, const char *detail)
{
    wallet_cli_err("NOT VERIFIED: %s%s%s; the node's answer cannot be trusted", what,
                   detail[0] != '\0' ? ": " : "", detail);
    return WALLET_EXIT_REFUSED;
}

/* GET /api/v1/accounts/{pub}?prove=true: the answer, with *p its proof object. */
static int light_fetch_proof(const wallet_cli *c, const uint8_t pub[32], json_t **out,
                             const json_t **p)
{
    char addr[CHR_ADDRESS_STR_LEN + 1];
    char path[WALLET_PATH_MAX];
    chr_address_encode(addr, pub);
    snprintf(path, sizeof(path), "/api/v1/accounts/%s?prove=true", addr);
    int rc = wallet_cli_get(c, path, out);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    *p = json_object_get(*out, "proof");
    if (!json_is_object(*p)) {
        json_decref(*out);
        *out = NULL;
        return light_lie("the answer has no proof", "");
    }
    return WALLET_EXIT_OK;
}

/* A header from GET /api/v1/blocks/{height}'s fields (docs/API.md): what it says is only
 * trusted once its encoding hashes to the hash the user gave. */
static int light_header_from_json(const json_t *b, ledger_header *h)
{
    memset(h, 0, sizeof(*h));
    const char *chain_id = wallet_cli_jstr(b, "chain_id");
    const char *time = wallet_cli_jstr(b, "time");
    const json_t *tx_count = json_object_get(b, "tx_count");
    const char *proposer = wallet_cli_jstr(b, "proposer");
    size_t len = strlen(chain_id);
    int ok = ledger_chain_id_valid(chain_id, len) && light_u64(b, "height", &h->height) &&
             genesis_time_parse(&h->time_ms, time, strlen(time)) == CHR_OK &&
             light_hex(b, "prev_hash", h->prev_hash, 32, NULL) &&
             light_hex(b, "last_commit_hash", h->last_commit_hash, 32, NULL) &&
             light_hex(b, "tx_root", h->tx_root, 32, NULL) && json_is_integer(tx_count) &&
             json_integer_value(tx_count) >= 0 && json_integer_value(tx_count) <= UINT32_MAX &&
             light_hex(b, "evidence_root", h->evidence_root, 32, NULL) &&
             light_hex(b, "state_root", h->state_root, 32, NULL) &&
             light_hex(b, "validators_hash", h->validators_hash, 32, NULL) &&
             light_hex(b, "next_validators_hash", h->next_validators_hash, 32, NULL) &&
             chr_address_decode(h->proposer, proposer, strlen(proposer)) == CHR_OK;
    if (ok) {
        h->chain_id_len = (uint8_t)len;
        memcpy(h->chain_id, chain_id, len);
        h->tx_count = (uint32_t)json_integer_value(tx_count);
    }
    return ok;
}

/* A commit from GET /api/v1/blocks/{height}'s last_commit (docs/API.md). */
static int light_commit_from_json(const json_t *j, ledger_commit *c)
{
    memset(c, 0, sizeof(*c));
    const json_t *round = json_object_get(j, "round");
    const json_t *sigs = json_object_get(j, "signatures");
    int ok = light_u64(j, "height", &c->height) && json_is_integer(round) &&
             json_integer_value(round) >= 0 && json_integer_value(round) <= UINT32_MAX &&
             light_hex(j, "block_hash", c->block_hash, 32, NULL) && json_is_array(sigs) &&
             json_array_size(sigs) <= LEDGER_VALIDATORS_MAX;
    for (size_t i = 0; ok && i < json_array_size(sigs); i++) {
        const json_t *sig = json_array_get(sigs, i);
        const char *v = wallet_cli_jstr(sig, "validator");
        ok = chr_address_decode(c->sigs[i].validator, v, strlen(v)) == CHR_OK &&
             light_hex(sig, "signature", c->sigs[i].sig, 64, NULL);
    }
    if (ok) {
        c->round = (uint32_t)json_integer_value(round);
        c->sigs_len = (uint16_t)json_array_size(sigs);
    }
    return ok;
}

/* The commit that finalizes block height, into *out: the next block's last_commit or, when
 * height is the tip, the commit a ?prove=true answer carries with the tip's header. */
static int light_fetch_commit(const wallet_cli *c, uint64_t height, ledger_commit *out)
{
    char path[WALLET_PATH_MAX];
    long status;
    json_t *b;
    snprintf(path, sizeof(path), "/api/v1/blocks/%llu", (unsigned long long)(height + 1));
    int rc = wallet_cli_call(c, "GET", path, NULL, c->timeout_ms, &status, &b, NULL);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (status == 200) {
        int ok = light_commit_from_json(json_object_get(b, "last_commit"), out);
        json_decref(b);
        return ok ? WALLET_EXIT_OK : light_lie("the next block's last_commit is malformed", "");
    }
    if (status != 404) {
        rc = wallet_cli_refused(b, status);
        json_decref(b);
        return rc;
    }
    json_decref(b);
    const json_t *p;
    static uint8_t cbuf[LEDGER_COMMIT_BYTES_MAX];
    size_t clen;
    rc = light_fetch_proof(c, trust.vals.v[0].pubkey, &b, &p);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    int ok = light_hex(p, "commit", cbuf, sizeof(cbuf), &clen) &&
             ledger_commit_decode(out, cbuf, clen) == CHR_OK;
    json_decref(b);
    return ok ? WALLET_EXIT_OK : light_lie("the commit does not decode", "");
}

/* The node as the bisection's source (ledger_light_fetch_fn): rc is the wallet's exit code
 * of the fetch that failed, whose message is already printed. */
typedef struct light_source {
    const wallet_cli *c;
    int rc;
} light_source;

/* A block between the trusted header and the target: GET /api/v1/blocks/{height}, the next
 * block's last_commit and, when its set is not the trusted one, its validator set. */
static chr_err light_fetch_block(void *ctx, uint64_t height, const uint8_t trusted_vals_hash[32],
                                 ledger_light_block *out)
{
    light_source *src = ctx;
    char path[WALLET_PATH_MAX];
    json_t *b;
    snprintf(path, sizeof(path), "/api/v1/blocks/%llu", (unsigned long long)height);
    src->rc = wallet_cli_get(src->c, path, &b);
    if (src->rc != WALLET_EXIT_OK) {
        return CHR_ERR_IO;
    }
    int ok = light_header_from_json(b, &out->header);
    json_decref(b);
    if (!ok) {
        src->rc = light_lie("a block the wallet bisected through is malformed", "");
        return CHR_ERR_IO;
    }
    src->rc = light_fetch_commit(src->c, height, &out->commit);
    if (src->rc == WALLET_EXIT_OK &&
        memcmp(out->header.validators_hash, trusted_vals_hash, 32) != 0) {
        src->rc = light_fetch_validators(src->c, height, &out->vals);
    }
    return src->rc == WALLET_EXIT_OK ? CHR_OK : CHR_ERR_IO;
}

/* Decodes the header and commit of a `proof` object (GET ...?prove=true) and verifies
 * them from the trusted state, which moves to that header (not saved here). */
static int light_verify_header(const wallet_cli *c, const json_t *p)
{
    static uint8_t hbuf[LEDGER_HEADER_BYTES_MAX];
    static uint8_t cbuf[LEDGER_COMMIT_BYTES_MAX];
    size_t hlen;
    size_t clen;
    if (!light_hex(p, "header", hbuf, sizeof(hbuf), &hlen) ||
        ledger_header_decode(&header, hbuf, hlen) != CHR_OK) {
        return light_lie("the header does not decode", "");
    }
    if (!light_hex(p, "commit", cbuf, sizeof(cbuf), &clen) ||
        ledger_commit_decode(&commit, cbuf, clen) != CHR_OK) {
        return light_lie("the commit does not decode", "");
    }
    /* A trusted header past its trusting period proves nothing; a header from the future
     * is not one an honest chain made. */
    char detail[256];
    chr_err fresh = ledger_light_fresh(&trust, light_period_ms, &header, light_now_ms(), detail,
                                       sizeof(detail));
    if (fresh == CHR_ERR_EXPIRED) {
        wallet_cli_err("NOT VERIFIED: %s; its validators may have unbonded since: trust a recent "
                       "header again (`chroom-wallet light init --trust-hash HASH --trust-height "
                       "H`, with a hash from a source you trust)",
                       detail);
        return WALLET_EXIT_REFUSED;
    }
    if (fresh != CHR_OK) {
        return light_lie("the header", detail);
    }
    const ledger_valset *h_vals = NULL;
    if (memcmp(header.validators_hash, trust.vals_hash, 32) != 0) {
        /* The set changed since the trusted header: the header's own set, checked against
         * its validators_hash by ledger_light_verify (the skipping rule). */
        int rc = light_fetch_validators(c, header.height, &fetched_vals);
        if (rc != WALLET_EXIT_OK) {
            return rc;
        }
        h_vals = &fetched_vals;
    }
    /* When the set changed too much to skip there, the headers in between come from the
     * same node, each checked before it is trusted (docs/PROTOCOL.md "Bisection"). */
    light_source src = {c, WALLET_EXIT_OK};
    uint64_t from = trust.height;
    chr_err err =
        ledger_light_bisect(&trust, &light_fetched, light_fetch_block, &src, &pivot, &header,
                            &commit, h_vals, LEDGER_LIGHT_FETCHES_MAX, detail, sizeof(detail));
    if (err == CHR_OK) {
        return WALLET_EXIT_OK;
    }
    /* The headers verified on the way are trusted like any other: keep them. */
    if (trust.height > from && light_save(c) == WALLET_EXIT_OK) {
        wallet_cli_err("the trusted state moved to height %llu, the highest verified",
                       (unsigned long long)trust.height);
    }
    if (src.rc != WALLET_EXIT_OK) {
        return src.rc;
    }
    if (err == CHR_ERR_TOO_LONG) {
        wallet_cli_err("NOT VERIFIED: header %llu: %s", (unsigned long long)header.height, detail);
        return WALLET_EXIT_REFUSED;
    }
    char what[64];
    snprintf(what, sizeof(what), "header %llu (%s)", (unsigned long long)header.height,
             chr_err_name(err));
    return light_lie(what, detail);
}

/* Trust from a header the user names by hash and height: that header from the node,
 * hashing to the given hash, the validator set, hashing to its validators_hash, and the
 * commit finalizing it, signed by more than 2/3 of that set's power. */
static int light_init_header(const wallet_cli *c, const char *hash_hex, const char *height_s)
{
    uint8_t want[32];
    uint64_t height;
    if (chr_hex_decode_exact(want, 32, hash_hex, strlen(hash_hex)) != CHR_OK) {
        return wallet_cli_usage(c, "--trust-hash: 64 hex characters");
    }
    if (!wallet_cli_parse_u64("--trust-height", height_s, &height) || height == 0) {
        return wallet_cli_usage(c, "--trust-height: a block height, from 1");
    }
    char path[WALLET_PATH_MAX];
    snprintf(path, sizeof(path), "/api/v1/blocks/%llu", (unsigned long long)height);
    json_t *b;
    int rc = wallet_cli_get(c, path, &b);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    int ok = light_header_from_json(b, &header);
    json_decref(b);
    uint8_t got[32];
    ledger_header_hash(&header, got);
    if (!ok || header.height != height || memcmp(got, want, 32) != 0) {
        return light_lie("the node's block at that height does not hash to --trust-hash", "");
    }
    rc = light_fetch_validators(c, height, &fetched_vals);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (ledger_light_trust_header(&trust, &header, &fetched_vals) != CHR_OK) {
        return light_lie("the node's validator set does not hash to the header's "
                         "validators_hash",
                         "");
    }
    rc = light_fetch_commit(c, height, &commit);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    char detail[256];
    if (ledger_commit_verify(&commit, trust.chain_id, &trust.vals, height, got, detail,
                             sizeof(detail)) != CHR_OK) {
        return light_lie("the commit of the trusted block", detail);
    }
    return WALLET_EXIT_OK;
}

/* The trusted state, as `field value` lines or, with --json, one object; after a
 * verification (updated), with the headers it fetched in between. */
static void light_print_status(const wallet_cli *c, int updated)
{
    char hash[65];
    char vh[65];
    char height[CHR_U64_DIGITS_MAX + 1];
    char power[CHR_U64_DIGITS_MAX + 1];
    chr_hex_encode(hash, sizeof(hash), trust.hash, 32);
    chr_hex_encode(vh, sizeof(vh), trust.vals_hash, 32);
    char next[65];
    chr_hex_encode(next, sizeof(next), trust.next_vals_hash, 32);
    snprintf(height, sizeof(height), "%llu", (unsigned long long)trust.height);
    snprintf(power, sizeof(power), "%llu", (unsigned long long)trust.vals.total_power);
    char period[CHR_U64_DIGITS_MAX + 1];
    char until[CHR_U64_DIGITS_MAX + 1];
    uint64_t until_ms = trust.time_ms + light_period_ms;
    snprintf(period, sizeof(period), "%llu", (unsigned long long)light_period_ms);
    snprintf(until, sizeof(until), "%llu",
             (unsigned long long)(until_ms < trust.time_ms ? UINT64_MAX : until_ms));
    if (c->json) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s?}", "chain_id", trust.chain_id,
                              "height", height, "hash", hash, "validators",
                              (json_int_t)trust.vals.len, "total_power", power, "validators_hash",
                              vh, "next_validators_hash", trust.has_next ? next : NULL);
        if (j != NULL) {
            json_object_set_new(j, "trusting_period_ms", json_string(period));
            json_object_set_new(j, "trusted_until_ms", json_string(until));
        }
        if (updated && j != NULL) {
            json_object_set_new(j, "headers_fetched", json_integer(light_fetched));
        }
        wallet_cli_print_json(j);
        return;
    }
    printf("chain_id         %s\ntrusted_height   %s\ntrusted_hash     %s\n"
           "validators       %zu (total power %s)\nvalidators_hash  %s\n"
           "next_validators  %s\ntrusting_period  %s ms\ntrusted_until    %s (Unix ms)\n",
           trust.chain_id, height, hash, trust.vals.len, power, vh,
           trust.has_next ? next : "(not known)", period, until);
    if (updated && light_fetched > 0) {
        printf("bisection        %u headers fetched in between\n", (unsigned)light_fetched);
    }
}

int wallet_cmd_light_init(wallet_cli *c)
{
    const char *file = c->opt[WALLET_OPT_GENESIS];
    const char *hash_hex = c->opt[WALLET_OPT_TRUST_HASH];
    const char *height_s = c->opt[WALLET_OPT_TRUST_HEIGHT];
    const char *period_s = c->opt[WALLET_OPT_TRUSTING_PERIOD_MS];
    if ((file != NULL) == (hash_hex != NULL) || (hash_hex != NULL) != (height_s != NULL)) {
        return wallet_cli_usage(c, "give --genesis FILE, or --trust-hash and --trust-height");
    }
    light_period_ms = LEDGER_LIGHT_TRUSTING_PERIOD_DEFAULT_MS;
    if (period_s != NULL &&
        !wallet_cli_parse_u64("--trusting-period-ms", period_s, &light_period_ms)) {
        return WALLET_EXIT_USAGE;
    }
    if (light_period_ms == 0 || light_period_ms > LIGHT_PERIOD_MS_MAX) {
        return wallet_cli_usage(c, "--trusting-period-ms: 1 to 31536000000 (a year), under the "
                                   "chain's unbonding time");
    }
    if (file != NULL) {
        static genesis g;
        char why[256];
        uint8_t gh[32];
        if (genesis_load_file(&g, file, why, sizeof(why)) != CHR_OK) {
            wallet_cli_err("%s: %s", file, why);
            return WALLET_EXIT_LOCAL;
        }
        chr_err err = genesis_hash(&g, gh);
        if (period_s == NULL) {
            /* CometBFT's advice: well inside the unbonding time, whose validators' stake is
             * still slashable for what they sign. */
            light_period_ms = g.params.unbonding_time_ms / 3 * 2;
            light_period_ms = light_period_ms > 0 ? light_period_ms : 1;
        }
        if (err == CHR_OK) {
            err = ledger_light_trust_genesis(&trust, g.chain_id, gh, g.genesis_time_ms,
                                             &g.validators);
        }
        genesis_free(&g);
        if (err != CHR_OK) {
            wallet_cli_err("%s: %s", file, chr_err_str(err));
            return WALLET_EXIT_LOCAL;
        }
    } else {
        int rc = light_init_header(c, hash_hex, height_s);
        if (rc != WALLET_EXIT_OK) {
            return rc;
        }
    }
    int rc = light_save(c);
    if (rc == WALLET_EXIT_OK) {
        light_print_status(c, 0);
    }
    return rc;
}

int wallet_cmd_light_status(wallet_cli *c)
{
    int rc = light_load(c);
    if (rc == WALLET_EXIT_OK) {
        light_print_status(c, 0);
    }
    return rc;
}

int wallet_cmd_light_update(wallet_cli *c)
{
    int rc = light_load(c);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    /* Any key's proof answer carries the tip's header and the commit that finalizes it;
     * the first trusted validator's account is one that surely exists on the chain. */
    json_t *j;
    const json_t *p;
    rc = light_fetch_proof(c, trust.vals.v[0].pubkey, &j, &p);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    rc = light_verify_header(c, p);
    json_decref(j);
    rc = rc ? rc : light_save(c);
    if (rc == WALLET_EXIT_OK) {
        light_print_status(c, 1);
    }
    return rc;
}

/* Checks the proof object p for key against the verified header: its height, root and
 * key, the proof itself, and the value it carries. *acct gets the verified account. */
static int light_check_proof(const json_t *p, const uint8_t key[32], ledger_account *acct)
{
    static uint8_t pbuf[LEDGER_PROOF_BYTES_MAX];
    size_t plen;
    uint64_t height;
    uint8_t root[32];
    uint8_t pkey[32];
    if (!light_u64(p, "height", &height) || height != header.height ||
        !light_hex(p, "state_root", root, 32, NULL) || memcmp(root, header.state_root, 32) != 0) {
        return light_lie("the proof's height or state_root is not the verified header's", "");
    }
    if (!light_hex(p, "key", pkey, 32, NULL) || memcmp(pkey, key, 32) != 0) {
        return light_lie("the proof is about another key", "");
    }
    if (!light_hex(p, "proof", pbuf, sizeof(pbuf), &plen) ||
        ledger_proof_decode(&proof, pbuf, plen) != CHR_OK) {
        return light_lie("the proof does not decode", "");
    }
    int present;
    uint8_t vh[32];
    if (ledger_proof_verify(&proof, header.state_root, key, &present, vh) != CHR_OK) {
        return light_lie("the proof does not verify against the header's state_root", "");
    }
    memset(acct, 0, sizeof(*acct));
    const json_t *value = json_object_get(p, "value");
    if (!present) {
        return json_is_null(value) ? WALLET_EXIT_OK
                                   : light_lie("a value is given for an absent key", "");
    }
    uint8_t v[LEDGER_ACCOUNT_BYTES];
    uint8_t got[32];
    if (!light_hex(p, "value", v, sizeof(v), NULL)) {
        return light_lie("the value is missing or not an account encoding", "");
    }
    chr_sha256_hash(got, v, sizeof(v));
    if (memcmp(got, vh, 32) != 0) {
        return light_lie("the value does not hash to the proven value hash", "");
    }
    acct->balance = chr_get_u64be(v);
    acct->nonce = chr_get_u64be(v + 8);
    return WALLET_EXIT_OK;
}

int wallet_cmd_balance_verify(wallet_cli *c, const uint8_t pub[32])
{
    int rc = light_load(c);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    json_t *j;
    const json_t *p;
    rc = light_fetch_proof(c, pub, &j, &p);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    ledger_account acct;
    uint64_t balance;
    uint64_t nonce;
    rc = light_verify_header(c, p);
    rc = rc ? rc : light_check_proof(p, pub, &acct);
    if (rc == WALLET_EXIT_OK &&
        (!light_u64(j, "balance", &balance) || !light_u64(j, "nonce", &nonce) ||
         balance != acct.balance || nonce != acct.nonce)) {
        rc = light_lie("the balance or nonce shown is not the proven one", "");
    }
    json_decref(j);
    rc = rc ? rc : light_save(c);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    char addr[CHR_ADDRESS_STR_LEN + 1];
    chr_address_encode(addr, pub);
    if (c->json) {
        char b[CHR_U64_DIGITS_MAX + 1];
        char n[CHR_U64_DIGITS_MAX + 1];
        char h[CHR_U64_DIGITS_MAX + 1];
        snprintf(b, sizeof(b), "%llu", (unsigned long long)acct.balance);
        snprintf(n, sizeof(n), "%llu", (unsigned long long)acct.nonce);
        snprintf(h, sizeof(h), "%llu", (unsigned long long)header.height);
        wallet_cli_print_json(json_pack("{s:s,s:s,s:s,s:s,s:b,s:I}", "address", addr, "balance", b,
                                        "nonce", n, "height", h, "verified", 1, "headers_fetched",
                                        (json_int_t)light_fetched));
        return WALLET_EXIT_OK;
    }
    printf("address        %s\nbalance        %llu units\nnonce          %llu\n"
           "verified       at height %llu, by a state proof and the commit of the trusted "
           "validators\n",
           addr, (unsigned long long)acct.balance, (unsigned long long)acct.nonce,
           (unsigned long long)header.height);
    if (light_fetched > 0) {
        printf("bisection      %u headers fetched in between (the validator set changed)\n",
               (unsigned)light_fetched);
    }
    return WALLET_EXIT_OK;
}
