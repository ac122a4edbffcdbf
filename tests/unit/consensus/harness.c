/* The consensus tests' harness (harness.h). Setup failures abort the binary: they are
 * errors of the tests, not findings. */
#include "tests/unit/consensus/harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/hash.h"

static void die(const char *what)
{
    fprintf(stderr, "consensus test harness: %s\n", what);
    abort();
}

/* ---- keys ---- */

static ledger_signer *signer;
static uint8_t keys_sk[H_N][32];
static uint8_t keys_pub[H_N][32];
static ledger_valset vals4;
static int keys_ready;

ledger_signer *h_signer(void)
{
    if (signer == NULL) {
        uint8_t seed[32] = {7};
        if (chr_hash_init() != CHR_OK || ledger_signer_new(&signer, seed) != CHR_OK) {
            die("no signer");
        }
    }
    return signer;
}

void h_key(uint8_t sk[32], uint8_t pub[32], uint32_t index)
{
    uint8_t in[24];
    memcpy(in, "chroom-cons-test/v1:", 20);
    chr_put_u32be(in + 20, index);
    chr_sha256_hash(sk, in, sizeof(in));
    if (ledger_signer_pubkey(h_signer(), pub, sk) != CHR_OK) {
        die("bad test key");
    }
}

static void keys_init(void)
{
    if (keys_ready) {
        return;
    }
    for (uint32_t i = 0; i < H_N; i++) {
        h_key(keys_sk[i], keys_pub[i], i);
    }
    /* Sort by public key so that node i is the set's validator i (insertion sort). */
    for (size_t i = 1; i < H_N; i++) {
        for (size_t j = i; j > 0 && memcmp(keys_pub[j - 1], keys_pub[j], 32) > 0; j--) {
            uint8_t t[32];
            memcpy(t, keys_pub[j], 32);
            memcpy(keys_pub[j], keys_pub[j - 1], 32);
            memcpy(keys_pub[j - 1], t, 32);
            memcpy(t, keys_sk[j], 32);
            memcpy(keys_sk[j], keys_sk[j - 1], 32);
            memcpy(keys_sk[j - 1], t, 32);
        }
    }
    uint64_t ones[H_N] = {1, 1, 1, 1};
    keys_ready = 1;
    h_valset_powers(&vals4, ones, H_N);
}

const uint8_t *h_sk(int i)
{
    keys_init();
    return keys_sk[i];
}

const uint8_t *h_pub(int i)
{
    keys_init();
    return keys_pub[i];
}

const ledger_valset *h_vals(void)
{
    keys_init();
    return &vals4;
}

void h_valset_powers(ledger_valset *out, const uint64_t *powers, size_t n)
{
    keys_init();
    ledger_valset_init(out);
    for (size_t i = 0; i < n; i++) {
        if (ledger_valset_add(out, keys_pub[i], powers[i]) != CHR_OK) {
            die("valset");
        }
    }
}

/* ---- blocks and names ---- */

#define NAMES_MAX 512
static struct {
    uint8_t id[32];
    char name[16];
} names[NAMES_MAX];
static size_t names_len;

void h_block(uint8_t out[H_BLOCK_BYTES], uint64_t height, uint64_t time_ms, uint32_t tag, int valid)
{
    chr_put_u64be(out, height);
    chr_put_u64be(out + 8, time_ms);
    chr_put_u32be(out + 16, tag);
    out[20] = valid ? 1 : 0;
}

void h_block_id(uint8_t id[32], const uint8_t *block, size_t len)
{
    chr_sha256_hash(id, block, len);
}

void h_name(const uint8_t id[32], const char *name)
{
    for (size_t i = 0; i < names_len; i++) {
        if (memcmp(names[i].id, id, 32) == 0) {
            snprintf(names[i].name, sizeof(names[i].name), "%s", name);
            return;
        }
    }
    if (names_len == NAMES_MAX) {
        die("too many block names");
    }
    memcpy(names[names_len].id, id, 32);
    snprintf(names[names_len].name, sizeof(names[names_len].name), "%s", name);
    names_len++;
}

static void id_name(char *out, size_t cap, const uint8_t id[32])
{
    static const uint8_t zero[32];
    if (memcmp(id, zero, 32) == 0) {
        snprintf(out, cap, "nil");
        return;
    }
    for (size_t i = 0; i < names_len; i++) {
        if (memcmp(names[i].id, id, 32) == 0) {
            snprintf(out, cap, "%s", names[i].name);
            return;
        }
    }
    snprintf(out, cap, "#%02x%02x", id[0], id[1]);
}

/* ---- the application ---- */

void h_app_init(h_app *a, int node)
{
    memset(a, 0, sizeof(*a));
    a->node = node;
}

static int block_parse(const uint8_t *b, size_t len, uint64_t *height, uint64_t *time_ms,
                       int *valid)
{
    if (len != H_BLOCK_BYTES || b[20] > 1) {
        return 0;
    }
    *height = chr_get_u64be(b);
    *time_ms = chr_get_u64be(b + 8);
    *valid = b[20];
    return 1;
}

static chr_err app_propose(void *ctx, uint64_t height, uint32_t round, uint64_t now_ms,
                           uint8_t **out, size_t *out_len)
{
    h_app *a = ctx;
    a->proposals++;
    uint8_t *b = malloc(H_BLOCK_BYTES);
    if (b == NULL) {
        return CHR_ERR_NOMEM;
    }
    uint64_t t = now_ms > a->last_time_ms ? now_ms : a->last_time_ms + 1;
    h_block(b, height, t, 16 * round + (uint32_t)a->node, 1);
    uint8_t id[32];
    char name[16];
    h_block_id(id, b, H_BLOCK_BYTES);
    snprintf(name, sizeof(name), "P%dr%u", a->node, round);
    h_name(id, name);
    *out = b;
    *out_len = H_BLOCK_BYTES;
    return CHR_OK;
}

static chr_err app_block_id(void *ctx, const uint8_t *block, size_t len, uint8_t id[32])
{
    (void)ctx;
    uint64_t h, t;
    int valid;
    if (!block_parse(block, len, &h, &t, &valid)) {
        return CHR_ERR_BLOCK_INVALID;
    }
    h_block_id(id, block, len);
    return CHR_OK;
}

static int app_valid(void *ctx, const uint8_t *block, size_t len)
{
    const h_app *a = ctx;
    uint64_t h, t;
    int valid;
    return block_parse(block, len, &h, &t, &valid) && valid && h == a->height + 1 &&
           t > a->last_time_ms;
}

static int app_timely(void *ctx, const uint8_t *block, size_t len, uint64_t now_ms)
{
    (void)ctx;
    uint64_t h, t;
    int valid;
    return block_parse(block, len, &h, &t, &valid) && t <= now_ms + H_DRIFT_MS;
}

cons_app h_app_callbacks(h_app *a)
{
    cons_app app = {a, app_propose, app_block_id, app_valid, app_timely};
    return app;
}

/* ---- cores ---- */

cons_core *h_core_at(h_app *app, int node, const ledger_valset *vals, uint64_t height)
{
    cons_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.chain_id = H_CHAIN;
    cfg.timeout_propose_ms = H_PROPOSE_MS;
    cfg.timeout_propose_delta_ms = H_PROPOSE_DELTA_MS;
    cfg.timeout_prevote_ms = H_PREVOTE_MS;
    cfg.timeout_prevote_delta_ms = H_PREVOTE_DELTA_MS;
    cfg.timeout_precommit_ms = H_PRECOMMIT_MS;
    cfg.timeout_precommit_delta_ms = H_PRECOMMIT_DELTA_MS;
    cfg.has_key = node >= 0;
    if (node >= 0) {
        memcpy(cfg.sk, h_sk(node), 32);
    }
    cfg.signer_seed[0] = 9;
    cons_app cb = h_app_callbacks(app);
    cons_core *c;
    if (cons_core_new(&c, &cfg, &cb) != CHR_OK) {
        die("cons_core_new");
    }
    cons_core_begin(c, height, vals);
    return c;
}

cons_core *h_core(h_app *app, int node)
{
    return h_core_at(app, node, h_vals(), 1);
}

/* ---- messages ---- */

static size_t encode_into(uint8_t *out, size_t cap, const cons_msg *m)
{
    uint8_t *buf;
    size_t len;
    if (cons_msg_encode(&buf, &len, m) != CHR_OK || len > cap) {
        die("encode");
    }
    memcpy(out, buf, len);
    free(buf);
    return len;
}

size_t h_vote_sk(uint8_t out[CONS_VOTE_BYTES], const uint8_t sk[32], int type, uint64_t height,
                 uint32_t round, const uint8_t *id)
{
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_VOTE;
    m.u.vote.type = (uint8_t)type;
    m.u.vote.height = height;
    m.u.vote.round = round;
    if (id != NULL) {
        memcpy(m.u.vote.block_id, id, 32);
    }
    if (cons_vote_sign(&m.u.vote, h_signer(), H_CHAIN, sk) != CHR_OK) {
        die("vote sign");
    }
    return encode_into(out, CONS_VOTE_BYTES, &m);
}

size_t h_vote(uint8_t out[CONS_VOTE_BYTES], int i, int type, uint64_t height, uint32_t round,
              const uint8_t *id)
{
    return h_vote_sk(out, h_sk(i), type, height, round, id);
}

uint8_t *h_proposal(size_t *len, int i, uint64_t height, uint32_t round, uint32_t pol_round,
                    const uint8_t *block, size_t block_len)
{
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_PROPOSAL;
    m.u.proposal.height = height;
    m.u.proposal.round = round;
    m.u.proposal.pol_round = pol_round;
    m.u.proposal.block = block;
    m.u.proposal.block_len = block_len;
    uint8_t id[32];
    h_block_id(id, block, block_len);
    if (cons_proposal_sign(&m.u.proposal, h_signer(), H_CHAIN, h_sk(i), id) != CHR_OK) {
        die("proposal sign");
    }
    uint8_t *buf;
    if (cons_msg_encode(&buf, len, &m) != CHR_OK) {
        die("proposal encode");
    }
    return buf;
}

void h_commit(ledger_commit *out, unsigned signers, uint64_t height, uint32_t round,
              const uint8_t id[32])
{
    memset(out, 0, sizeof(*out));
    out->height = height;
    out->round = round;
    memcpy(out->block_hash, id, 32);
    for (int i = 0; i < H_N; i++) {
        if ((signers >> i) & 1u) {
            cons_vote v;
            memset(&v, 0, sizeof(v));
            v.type = LEDGER_VOTE_PRECOMMIT;
            v.height = height;
            v.round = round;
            memcpy(v.block_id, id, 32);
            if (cons_vote_sign(&v, h_signer(), H_CHAIN, h_sk(i)) != CHR_OK) {
                die("commit sign");
            }
            memcpy(out->sigs[out->sigs_len].validator, v.validator, 32);
            memcpy(out->sigs[out->sigs_len].sig, v.sig, 64);
            out->sigs_len++;
        }
    }
}

/* ---- action summaries ---- */

static int validator_of(const uint8_t pub[32])
{
    for (int i = 0; i < H_N; i++) {
        if (memcmp(h_pub(i), pub, 32) == 0) {
            return i;
        }
    }
    return -1;
}

static const char *type_name(int type)
{
    return type == LEDGER_VOTE_PREVOTE     ? "prevote"
           : type == LEDGER_VOTE_PRECOMMIT ? "precommit"
                                           : "badvote";
}

static int describe_msg(char *out, size_t cap, const uint8_t *msg, size_t len)
{
    cons_msg m;
    char id[24];
    if (cons_msg_decode(&m, msg, len) != CHR_OK) {
        return snprintf(out, cap, "undecodable");
    }
    switch (m.kind) {
    case CONS_MSG_VOTE:
        id_name(id, sizeof(id), m.u.vote.block_id);
        return snprintf(out, cap, "%s h%" PRIu64 "r%u %s v%d", type_name(m.u.vote.type),
                        m.u.vote.height, m.u.vote.round, id, validator_of(m.u.vote.validator));
    case CONS_MSG_PROPOSAL: {
        uint8_t bid[32];
        h_block_id(bid, m.u.proposal.block, m.u.proposal.block_len);
        id_name(id, sizeof(id), bid);
        char pol[16];
        if (m.u.proposal.pol_round == CONS_ROUND_NONE) {
            snprintf(pol, sizeof(pol), "-");
        } else {
            snprintf(pol, sizeof(pol), "%u", m.u.proposal.pol_round);
        }
        return snprintf(out, cap, "proposal h%" PRIu64 "r%u %s pol%s v%d", m.u.proposal.height,
                        m.u.proposal.round, id, pol, validator_of(m.u.proposal.proposer));
    }
    case CONS_MSG_STATUS:
        return snprintf(out, cap, "status h%" PRIu64 "r%u s%u", m.u.status.height, m.u.status.round,
                        m.u.status.step);
    case CONS_MSG_COMMITTED:
        id_name(id, sizeof(id), m.u.committed.commit.block_hash);
        return snprintf(out, cap, "committed h%" PRIu64 " %s", m.u.committed.commit.height, id);
    case CONS_MSG_EVIDENCE:
        return snprintf(out, cap, "evidence v%d %s h%" PRIu64 "r%u",
                        validator_of(m.u.evidence.a.validator), type_name(m.u.evidence.a.type),
                        m.u.evidence.a.height, m.u.evidence.a.round);
    default:
        return snprintf(out, cap, "kind%u", m.kind);
    }
}

static const char *timeout_name(int kind)
{
    return kind == CONS_TIMEOUT_PROPOSE     ? "propose"
           : kind == CONS_TIMEOUT_PREVOTE   ? "prevote"
           : kind == CONS_TIMEOUT_PRECOMMIT ? "precommit"
                                            : "?";
}

static void describe_action(char *out, size_t cap, const cons_action *a)
{
    char body[160];
    char id[24];
    switch (a->kind) {
    case CONS_ACT_WAL:
    case CONS_ACT_BROADCAST:
    case CONS_ACT_EVIDENCE:
        describe_msg(body, sizeof(body), a->msg, a->msg_len);
        snprintf(out, cap, "%s %s",
                 a->kind == CONS_ACT_WAL         ? "WAL"
                 : a->kind == CONS_ACT_BROADCAST ? "BCAST"
                                                 : "EVIDENCE",
                 body);
        break;
    case CONS_ACT_SEND:
        describe_msg(body, sizeof(body), a->msg, a->msg_len);
        snprintf(out, cap, "SEND p%u %s", a->peer, body);
        break;
    case CONS_ACT_TIMEOUT:
        snprintf(out, cap, "TIMEOUT %s h%" PRIu64 "r%u %" PRIu64, timeout_name(a->timeout),
                 a->height, a->round, a->delay_ms);
        break;
    case CONS_ACT_COMMIT: {
        uint8_t bid[32];
        h_block_id(bid, a->block, a->block_len);
        id_name(id, sizeof(id), bid);
        snprintf(out, cap, "COMMIT h%" PRIu64 " %s", a->height, id);
        break;
    }
    case CONS_ACT_SYNC:
        snprintf(out, cap, "SYNC p%u h%" PRIu64, a->peer, a->height);
        break;
    default:
        snprintf(out, cap, "ACTION%d", a->kind);
        break;
    }
}

const char *h_acts(const cons_core *c)
{
    static char buf[1 << 16];
    size_t n;
    const cons_action *acts = cons_core_actions(c, &n);
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < sizeof(buf) - 256; i++) {
        char one[224];
        describe_action(one, sizeof(one), &acts[i]);
        at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i > 0 ? "; " : "", one);
    }
    return buf;
}

int h_expect(const cons_core *c, const char *want)
{
    const char *got = h_acts(c);
    if (strcmp(got, want) == 0) {
        return 1;
    }
    fprintf(stderr, "  actions: %s\n  wanted:  %s\n", got, want);
    return 0;
}

const cons_action *h_find(const cons_core *c, int kind)
{
    size_t n;
    const cons_action *acts = cons_core_actions(c, &n);
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == kind) {
            return &acts[i];
        }
    }
    return NULL;
}

chr_err h_deliver(cons_core *c, uint32_t peer, const uint8_t *msg, size_t len, uint64_t now)
{
    return cons_core_on_message(c, peer, msg, len, now);
}

/* ---- the network ---- */

void h_net_init(h_net *net, int n)
{
    memset(net, 0, sizeof(*net));
    net->n = n;
    net->now = 10000;
    for (int i = 0; i < n; i++) {
        h_app_init(&net->app[i], i);
        net->core[i] = h_core(&net->app[i], i < H_N ? i : -1);
    }
}

static void wal_clear(h_net *net, int i)
{
    for (size_t k = 0; k < net->wal_len[i]; k++) {
        free(net->wal[i][k]);
    }
    net->wal_len[i] = 0;
}

void h_net_free(h_net *net)
{
    for (int i = 0; i < net->n; i++) {
        cons_core_free(net->core[i]);
        wal_clear(net, i);
    }
    for (size_t k = net->queue_head; k < net->queue_len; k++) {
        free(net->queue[k].msg);
    }
    free(net->queue);
    memset(net, 0, sizeof(*net));
}

static void enqueue(h_net *net, int from, int to, const uint8_t *msg, size_t len)
{
    if (net->down[to] || (net->drop != NULL && net->drop(from, to, msg, len))) {
        return;
    }
    if (net->queue_len == net->queue_cap) {
        net->queue_cap = net->queue_cap == 0 ? 256 : net->queue_cap * 2;
        net->queue = realloc(net->queue, net->queue_cap * sizeof(*net->queue));
        if (net->queue == NULL) {
            die("queue");
        }
    }
    h_packet *p = &net->queue[net->queue_len++];
    p->from = from;
    p->to = to;
    p->msg = malloc(len);
    if (p->msg == NULL) {
        die("queue");
    }
    memcpy(p->msg, msg, len);
    p->len = len;
}

void h_net_act(h_net *net, int i)
{
    size_t n;
    const cons_action *acts = cons_core_actions(net->core[i], &n);
    for (size_t k = 0; k < n; k++) {
        const cons_action *a = &acts[k];
        switch (a->kind) {
        case CONS_ACT_WAL:
            net->signed_votes[i]++;
            if (net->wal_len[i] == H_WAL_MAX) {
                die("wal");
            }
            net->wal[i][net->wal_len[i]] = malloc(a->msg_len);
            if (net->wal[i][net->wal_len[i]] == NULL) {
                die("wal");
            }
            memcpy(net->wal[i][net->wal_len[i]], a->msg, a->msg_len);
            net->wal_lens[i][net->wal_len[i]++] = a->msg_len;
            break;
        case CONS_ACT_BROADCAST: {
            cons_msg m;
            if (cons_msg_decode(&m, a->msg, a->msg_len) == CHR_OK && m.kind == CONS_MSG_VOTE &&
                validator_of(m.u.vote.validator) == i) {
                net->signed_votes[i]++;
            }
            for (int to = 0; to < net->n; to++) {
                if (to != i) {
                    enqueue(net, i, to, a->msg, a->msg_len);
                }
            }
            break;
        }
        case CONS_ACT_SEND:
            enqueue(net, i, (int)a->peer - 1, a->msg, a->msg_len);
            break;
        case CONS_ACT_TIMEOUT: {
            /* A node's newer timer of a kind replaces the older: the core ignores timers of
             * rounds it has left. */
            size_t at = 0;
            while (at < net->timers_len &&
                   !(net->timers[at].node == i && net->timers[at].kind == a->timeout)) {
                at++;
            }
            if (at == H_TIMERS_MAX) {
                die("timers");
            }
            if (at == net->timers_len) {
                net->timers_len++;
            }
            net->timers[at].node = i;
            net->timers[at].kind = a->timeout;
            net->timers[at].height = a->height;
            net->timers[at].round = a->round;
            break;
        }
        case CONS_ACT_COMMIT:
            wal_clear(net, i);
            net->committed[i] = 1;
            h_block_id(net->committed_id[i], a->block, a->block_len);
            net->commit[i] = *a->commit;
            break;
        default:
            break;
        }
    }
}

void h_net_run(h_net *net, int i)
{
    cons_core_run(net->core[i], net->now);
    h_net_act(net, i);
}

void h_net_pump(h_net *net)
{
    while (net->queue_head < net->queue_len) {
        h_packet p = net->queue[net->queue_head++];
        net->now++;
        if (!net->down[p.to]) {
            chr_err err = h_deliver(net->core[p.to], (uint32_t)p.from + 1, p.msg, p.len, net->now);
            if (err != CHR_OK) {
                fprintf(stderr, "  node %d refused a message of node %d: %s\n", p.to, p.from,
                        chr_err_name(err));
            }
            h_net_act(net, p.to);
        }
        free(p.msg);
    }
}

int h_net_fire(h_net *net, int i, int kind)
{
    for (size_t k = net->timers_len; k-- > 0;) {
        if (net->timers[k].node == i && net->timers[k].kind == kind) {
            uint64_t h = net->timers[k].height;
            uint32_t r = net->timers[k].round;
            memmove(&net->timers[k], &net->timers[k + 1],
                    (net->timers_len - k - 1) * sizeof(net->timers[0]));
            net->timers_len--;
            cons_core_on_timeout(net->core[i], kind, h, r, net->now);
            h_net_act(net, i);
            return 1;
        }
    }
    return 0;
}

void h_net_restart(h_net *net, int i)
{
    uint64_t height = cons_core_height(net->core[i]);
    cons_core_free(net->core[i]);
    size_t kept = 0;
    for (size_t k = 0; k < net->timers_len; k++) {
        if (net->timers[k].node != i) {
            net->timers[kept++] = net->timers[k];
        }
    }
    net->timers_len = kept;
    net->core[i] = h_core_at(&net->app[i], i < H_N ? i : -1, h_vals(), height);
    for (size_t k = 0; k < net->wal_len[i]; k++) {
        if (cons_core_restore(net->core[i], net->wal[i][k], net->wal_lens[i][k]) != CHR_OK) {
            die("restore");
        }
    }
    /* The restored records stay in the log; run appends what it signs after them. */
    h_net_run(net, i);
}

void h_net_inject(h_net *net, int from, int to, const uint8_t *msg, size_t len)
{
    enqueue(net, from, to, msg, len);
}

int h_survives(void (*fn)(void))
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        die("fork");
    }
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        die("waitpid");
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
