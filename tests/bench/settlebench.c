/* settlebench: meeting-settle transactions on an in-memory state, for `make bench`
 * (tests/bench/run.sh); issue 16 asks for claims settled per second with settle
 * transactions of 100 claims. Every transaction here holds 100 claims, one per person of a
 * meeting of 100 (a settle may carry up to LEDGER_SETTLE_CLAIMS_MAX, 128), 30 of them with a
 * usage receipt. It measures and prints figures; it asserts only that every settle succeeds.
 *
 *   settlebench [meetings]
 *       Registers a media node, creates `meetings` (default 200) back-to-back meetings of 100
 *       people, signs their credits and receipts (not measured), then settles each meeting
 *       with one transaction: decode, BIP-340 check of the transaction's signature, the
 *       stateless checks and the application (every credit and receipt verified, the claim
 *       records, the settlement record, the payment), committed to the in-memory state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/enc.h"
#include "common/hash.h"
#include "credit/credit.h"
#include "ledger/meetings.h"
#include "ledger/objects.h"
#include "ledger/params.h"
#include "ledger/settle.h"
#include "ledger/state.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"

#define SB_CHAIN "chroom-bench"
#define SB_ACCOUNTS 16
#define SB_MEETINGS_MAX 1400u /* back-to-back half hours within LEDGER_MEETING_AHEAD_MAX_MS */
#define SB_ADDRESSES 30       /* participants whose ID is a chr1 address: they sign receipts */
#define SB_PEOPLE 100         /* claims per settle: the figure */
_Static_assert(SB_PEOPLE <= LEDGER_SETTLE_CLAIMS_MAX, "one settle carries every claim");
#define SB_DURATION_MIN 30u
#define SB_T0_MS 1000000ull
#define SB_MIN_MS 60000ull

typedef struct sb {
    uint8_t addr[SB_ACCOUNTS][32];
    ledger_account acct[SB_ACCOUNTS];
    size_t n;
    ledger_trie_mem *mem;
    ledger_overlay *o;
    ledger_objects *t;
    ledger_signer *signer;
    uint8_t proposer[32];
} sb;

static chr_err sb_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    sb *b = ctx;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < b->n; i++) {
        if (memcmp(b->addr[i], addr, 32) == 0) {
            *out = b->acct[i];
        }
    }
    return CHR_OK;
}

static void sb_set(sb *b, const uint8_t addr[32], const ledger_account *a)
{
    for (size_t i = 0; i < b->n; i++) {
        if (memcmp(b->addr[i], addr, 32) == 0) {
            b->acct[i] = *a;
            return;
        }
    }
    CHR_ASSERT(b->n < SB_ACCOUNTS);
    memcpy(b->addr[b->n], addr, 32);
    b->acct[b->n++] = *a;
}

static void sb_key(sb *b, uint8_t sk[32], uint8_t pk[32], uint32_t i)
{
    uint8_t seed[4];
    chr_put_u32be(seed, i);
    chr_sha256_hash(sk, seed, sizeof(seed));
    CHR_ASSERT(ledger_signer_pubkey(b->signer, pk, sk) == CHR_OK);
}

static double sb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Applies tx at time_ms as one block and commits it; aborts on failure. */
static void sb_apply(sb *b, const ledger_tx *tx, uint64_t time_ms)
{
    ledger_params params;
    char detail[LEDGER_DETAIL_MAX] = "";
    ledger_params_default(&params);
    ledger_apply_env env = {.height = 1, .proposer = b->proposer, .time_ms = time_ms};
    chr_err err = ledger_tx_check(tx, SB_CHAIN, &params, detail, sizeof(detail));
    err = err ? err : ledger_tx_apply_env(b->o, tx, &env, detail, sizeof(detail));
    if (err != CHR_OK) {
        fprintf(stderr, "settlebench: type 0x%02x failed: %s (%s)\n", tx->type, chr_err_name(err),
                detail);
        abort();
    }
    for (size_t i = 0; i < ledger_overlay_len(b->o); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(b->o, i, &addr, &a);
        sb_set(b, addr, &a);
    }
    CHR_ASSERT(ledger_trie_mem_objects_store(b->mem, b->t) == CHR_OK);
    ledger_objects_reset(b->t);
    ledger_overlay_reset(b->o);
}

static void sb_tx(sb *b, ledger_tx *tx, uint8_t type, const uint8_t from[32])
{
    ledger_account a;
    CHR_ASSERT(sb_account(b, from, &a) == CHR_OK);
    CHR_ASSERT(ledger_tx_init(tx, (ledger_tx_type)type, SB_CHAIN, from, a.nonce, 1000, 0, NULL,
                              0) == CHR_OK);
}

/* The meeting's people: the host "host", SB_ADDRESSES chr1 addresses (keys 100..), then
 * short app ids; into people, and encoded into ids, which tx's body refers to. */
static void sb_people(sb *b, ledger_tx *tx, uint8_t *ids, size_t ids_cap,
                      ledger_meeting_people *people)
{
    ledger_meeting_body *m = &tx->body.meeting;
    m->host_len = 4;
    memcpy(m->host, "host", 4);
    memset(people, 0, sizeof(*people));
    for (uint32_t i = 0; i < SB_PEOPLE - 1; i++) {
        uint8_t sk[32], pk[32];
        char *id = people->participants[i];
        if (i < SB_ADDRESSES) {
            sb_key(b, sk, pk, 100 + i);
            char addr[CHR_ADDRESS_STR_LEN + 1];
            chr_address_encode(addr, pk);
            memcpy(id, addr, CHR_ADDRESS_STR_LEN);
            people->participant_lens[i] = CHR_ADDRESS_STR_LEN;
        } else {
            char name[16];
            people->participant_lens[i] = (uint8_t)snprintf(name, sizeof(name), "u%u", i);
            memcpy(id, name, people->participant_lens[i]);
        }
        CHR_ASSERT(ledger_meeting_participant_add(tx, ids, ids_cap, id,
                                                  people->participant_lens[i]) == CHR_OK);
        people->participants_len++;
    }
}

static void sb_create(sb *b, const uint8_t payer[32], uint32_t k, uint8_t id[LEDGER_MEETING_ID_LEN],
                      ledger_meeting_people *people)
{
    ledger_tx tx;
    static uint8_t ids[LEDGER_MEETING_PARTICIPANTS_BYTES_MAX];
    sb_tx(b, &tx, LEDGER_TX_MEETING_CREATE, payer);
    ledger_meeting_body *m = &tx.body.meeting;
    m->title_len = 5;
    memcpy(m->title, "bench", 5);
    sb_people(b, &tx, ids, sizeof(ids), people);
    m->duration_min = SB_DURATION_MIN;
    m->start_ms = SB_T0_MS + SB_MIN_MS + (uint64_t)k * SB_DURATION_MIN * SB_MIN_MS;
    sb_apply(b, &tx, SB_T0_MS);
    uint8_t hash[32];
    ledger_tx_hash(&tx, hash);
    ledger_meeting_id(id, hash);
}

/* Person i's claim of all SB_DURATION_MIN minutes: the payer's credit, a receipt for an
 * address. */
static void sb_claim(sb *b, ledger_claim *cl, const uint8_t id[LEDGER_MEETING_ID_LEN],
                     const ledger_meeting_people *p, uint8_t i, const uint8_t payer_sk[32],
                     const uint8_t node[32])
{
    uint8_t aux[32] = {0}, msg[32], buf[CREDIT_BYTES_MAX];
    const char *who = i == 0 ? "host" : p->participants[i - 1];
    size_t who_len = i == 0 ? 4 : p->participant_lens[i - 1];
    credit c = {.chain_id_len = sizeof(SB_CHAIN) - 1,
                .role = i == 0 ? CREDIT_ROLE_HOST : CREDIT_ROLE_PARTICIPANT,
                .participant_id_len = (uint8_t)who_len,
                .minutes_max = SB_DURATION_MIN,
                .not_before_ms = 1,
                .expiry_ms = 1ull << 50};
    memcpy(c.chain_id, SB_CHAIN, c.chain_id_len);
    memcpy(c.meeting_id, id, LEDGER_MEETING_ID_LEN);
    memcpy(c.participant_id, who, who_len);
    c.has_key = chr_address_decode(c.participant_key, who, who_len) == CHR_OK;
    memcpy(c.node_key, node, 32);
    size_t n = credit_encode(buf, sizeof(buf), &c);
    credit_sighash(msg, buf, n);
    memset(cl, 0, sizeof(*cl));
    CHR_ASSERT(ledger_signer_sign(b->signer, cl->credit_sig, msg, payer_sk, aux) == CHR_OK);
    cl->index = i;
    cl->minutes = SB_DURATION_MIN;
    cl->credit_minutes_max = c.minutes_max;
    cl->credit_not_before_ms = c.not_before_ms;
    cl->credit_expiry_ms = c.expiry_ms;
    if (c.has_key) {
        uint8_t sk[32], pk[32];
        sb_key(b, sk, pk, 100 + (uint32_t)i - 1);
        n = credit_receipt_encode(buf, sizeof(buf), SB_CHAIN, sizeof(SB_CHAIN) - 1, id, node,
                                  cl->minutes);
        credit_receipt_sighash(msg, buf, n);
        CHR_ASSERT(ledger_signer_sign(b->signer, cl->receipt_sig, msg, sk, aux) == CHR_OK);
        cl->has_receipt = 1;
    }
}

int main(int argc, char **argv)
{
    uint32_t meetings = argc > 1 ? (uint32_t)atoi(argv[1]) : 200;
    if (meetings == 0 || meetings > SB_MEETINGS_MAX) {
        fprintf(stderr, "usage: settlebench [meetings: 1..%u]\n", SB_MEETINGS_MAX);
        return 2;
    }
    static sb b;
    uint8_t seed[32] = {0}, payer_sk[32], payer[32], op_sk[32], op[32], node_sk[32], node[32];
    CHR_ASSERT(chr_hash_init() == CHR_OK);
    CHR_ASSERT(ledger_signer_new(&b.signer, seed) == CHR_OK);
    CHR_ASSERT(ledger_trie_mem_new(&b.mem) == CHR_OK);
    CHR_ASSERT(ledger_overlay_new(&b.o, 64, sb_account, &b) == CHR_OK);
    CHR_ASSERT(ledger_objects_new(&b.t, 256, ledger_trie_mem_object, ledger_trie_mem_object_scan,
                                  b.mem) == CHR_OK);
    ledger_overlay_attach_objects(b.o, b.t);
    memset(b.proposer, 0xee, 32);
    sb_key(&b, payer_sk, payer, 1);
    sb_key(&b, op_sk, op, 2);
    sb_key(&b, node_sk, node, 3);
    ledger_account rich = {.balance = 1ull << 60, .nonce = 0};
    sb_set(&b, payer, &rich);
    sb_set(&b, op, &rich);

    ledger_tx tx;
    sb_tx(&b, &tx, LEDGER_TX_MEDIA_REGISTER, op);
    ledger_media_body *mb = &tx.body.media;
    memcpy(mb->node_key, node, 32);
    mb->endpoint_len = 19;
    memcpy(mb->endpoint, "https://m.bench.org", 19);
    mb->region_len = 2;
    memcpy(mb->region, "eu", 2);
    mb->capacity = SB_PEOPLE;
    mb->bond = 1000ull * 1000000;
    sb_apply(&b, &tx, SB_T0_MS);

    /* Setup, not measured: the meetings and every settle transaction, signed and encoded. */
    uint8_t(*bytes)[LEDGER_TX_BYTES_MAX] = malloc((size_t)meetings * LEDGER_TX_BYTES_MAX);
    size_t *lens = malloc(meetings * sizeof(size_t));
    CHR_ASSERT(bytes != NULL && lens != NULL);
    ledger_account opa;
    CHR_ASSERT(sb_account(&b, op, &opa) == CHR_OK);
    for (uint32_t k = 0; k < meetings; k++) {
        uint8_t id[LEDGER_MEETING_ID_LEN], hash[32], aux[32] = {0};
        static ledger_meeting_people people;
        static uint8_t enc[LEDGER_SETTLE_CLAIMS_BYTES_MAX];
        sb_create(&b, payer, k, id, &people);
        CHR_ASSERT(ledger_tx_init(&tx, LEDGER_TX_MEETING_SETTLE, SB_CHAIN, op, opa.nonce + k, 1000,
                                  0, NULL, 0) == CHR_OK);
        memcpy(tx.body.settle.id, id, LEDGER_MEETING_ID_LEN);
        for (uint8_t i = 0; i < SB_PEOPLE; i++) {
            ledger_claim cl;
            sb_claim(&b, &cl, id, &people, i, payer_sk, node);
            CHR_ASSERT(ledger_settle_claim_add(&tx, enc, sizeof(enc), &cl) == CHR_OK);
        }
        ledger_tx_sighash(&tx, hash);
        CHR_ASSERT(ledger_signer_sign(b.signer, tx.sig, hash, op_sk, aux) == CHR_OK);
        CHR_ASSERT(ledger_tx_encode(&tx, bytes[k], LEDGER_TX_BYTES_MAX, &lens[k]) == CHR_OK);
    }

    /* Measured: each settle as a block would take it from the wire. */
    static ledger_tx in;
    double start = sb_now();
    for (uint32_t k = 0; k < meetings; k++) {
        CHR_ASSERT(ledger_tx_decode(&in, bytes[k], lens[k]) == CHR_OK);
        CHR_ASSERT(ledger_tx_verify(&in) == CHR_OK);
        uint64_t end_ms = SB_T0_MS + SB_MIN_MS + (uint64_t)(k + 1) * SB_DURATION_MIN * SB_MIN_MS;
        sb_apply(&b, &in, end_ms);
    }
    double dt = sb_now() - start;
    double claims = (double)meetings * SB_PEOPLE;
    printf("settle: %u transactions of %u claims (%u with receipts, %zu bytes each) in %.3f s\n",
           meetings, (unsigned)SB_PEOPLE, (unsigned)SB_ADDRESSES, lens[0], dt);
    printf("settle: %.0f claims settled/s on one core (decode, signature, checks, every credit "
           "and receipt verified, state written); one settle of 100 claims in %.2f ms\n",
           claims / dt, 100.0 / (claims / dt) * 1000.0);
    ledger_settlement s;
    CHR_ASSERT(ledger_settlement_get(b.t, in.body.settle.id, &s) == CHR_OK);
    CHR_ASSERT(s.paid > 0);
    free(bytes);
    free(lens);
    ledger_objects_free(b.t);
    ledger_overlay_free(b.o);
    ledger_trie_mem_free(b.mem);
    ledger_signer_free(b.signer);
    return 0;
}
