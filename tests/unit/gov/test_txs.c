/* The governance transaction types on the wire: the signed vectors of docs/PROTOCOL.md
 * ("Governance transactions"), decode/encode round trips, every decoding rejection and
 * every stateless check, in the documented order. */
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "ledger/gov.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "ledger/tx_types.h"
#include "tests/unit/gov/suite.h"
#include "tests/unit/test.h"

/* The signed vectors (hex of the whole transaction, then its hash). */
#define V_SUBMIT                                                                                   \
    "01300d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b7040758" \
    "71aa000000000000000000000000000003e800000000000000000000020010726169736520746865206665652078" \
    "32010c6665655f7472616e7366657200000000000007d000000000009896809629b93cb9d260757bed9306e33791" \
    "68aa6bdd5f40af3749b8074f2507c75bd0ee59d0098170df713f344f3339b89d71452d93a034b8c242e5939b4023" \
    "09cefc"
#define V_SUBMIT_HASH "497c2a1c8d071b548a33785658874a89a26ea96dab31966382e02108fd1aafec"
#define V_DEPOSIT                                                                                  \
    "01310d6368726f6f6d2d6465766e6574466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae" \
    "3f27000000000000000100000000000003e800000000000000000000000000000000000100000000004c4b40e9b2" \
    "e38516241af7f9d294e1af8c4b7a7321cd2e033de5ce93bc8b19b0f7e19b3ca2993d9d2af017e2a93d4af7d347bf" \
    "a397dd140ef72b03a438fa99618c2d7f"
#define V_DEPOSIT_HASH "6e0e3402c6f40f05918261e70d2b2396277957727efbffa81c1ca353f0cbc308"
#define V_VOTE                                                                                     \
    "01320d6368726f6f6d2d6465766e6574466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae" \
    "3f27000000000000000200000000000003e800000000000000000000000000000000000101b04241fd0c549ec38c" \
    "1d3c3baa54763e8131290c3829a576916e36215755dc7acc1a572a62d07d0cdb6e31aaa093ac9de98a139ed7f5be" \
    "fc8248ab52c2173d78"
#define V_VOTE_HASH "21a85179a3d0e960ca4e48a3473709bf7e4b349ff699119b9337774c292ebbfd"

/* Signs tx with 32 bytes of b (aux_rand zero: deterministic) and checks its encoding and
 * hash against the vector; 0 (printing the actual values) when they differ. */
static int tx_vector(ledger_tx *tx, uint8_t b, const char *want, const char *want_hash)
{
    uint8_t sk[32];
    uint8_t zero[32] = {0};
    uint8_t msg[32];
    ledger_signer *s;
    memset(sk, b, 32);
    CHR_ASSERT(ledger_signer_new(&s, zero) == CHR_OK);
    CHR_ASSERT(ledger_signer_pubkey(s, tx->from, sk) == CHR_OK);
    ledger_tx_sighash(tx, msg);
    CHR_ASSERT(ledger_signer_sign(s, tx->sig, msg, sk, zero) == CHR_OK);
    ledger_signer_free(s);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    char hex[2 * LEDGER_TX_BYTES_MAX + 1];
    char hhex[65];
    uint8_t h[32];
    CHR_ASSERT(ledger_tx_encode(tx, buf, sizeof(buf), &len) == CHR_OK);
    chr_hex_encode(hex, sizeof(hex), buf, len);
    ledger_tx_hash(tx, h);
    chr_hex_encode(hhex, sizeof(hhex), h, 32);
    ledger_tx back;
    uint8_t again[LEDGER_TX_BYTES_MAX];
    size_t again_len;
    int ok = strcmp(hex, want) == 0 && strcmp(hhex, want_hash) == 0 &&
             ledger_tx_decode(&back, buf, len) == CHR_OK && ledger_tx_verify(&back) == CHR_OK &&
             ledger_tx_encode(&back, again, sizeof(again), &again_len) == CHR_OK &&
             again_len == len && memcmp(again, buf, len) == 0;
    if (!ok) {
        printf("# vector type 0x%02x (%zu bytes):\n# %s\n# hash %s\n", tx->type, len, hex, hhex);
    }
    return ok;
}

static void tx_base(ledger_tx *tx, ledger_tx_type type, uint64_t nonce)
{
    uint8_t from[32] = {0};
    CHR_ASSERT(ledger_tx_init(tx, type, "chroom-devnet", from, nonce, 1000, 0, NULL, 0) == CHR_OK);
}

static void tx_submit(ledger_tx *tx)
{
    tx_base(tx, LEDGER_TX_GOV_SUBMIT, 0);
    ledger_gov_content *c = &tx->body.gov_submit.content;
    c->kind = LEDGER_GOV_PARAMS;
    c->title_len = 16;
    memcpy(c->title, "raise the fee x2", 16);
    c->changes_len = 1;
    c->changes[0].name_len = 12;
    memcpy(c->changes[0].name, "fee_transfer", 12);
    c->changes[0].value = 2000;
    tx->body.gov_submit.deposit = 10000000;
}

/* Proves the three signed vectors of docs/PROTOCOL.md, byte for byte, decode, verify and
 * encode back to the same bytes. */
void test_tx_vectors(void)
{
    ledger_tx tx;
    tx_submit(&tx);
    int ok = tx_vector(&tx, 0x11, V_SUBMIT, V_SUBMIT_HASH);
    tx_base(&tx, LEDGER_TX_GOV_DEPOSIT, 1);
    tx.body.gov_deposit.id = 1;
    tx.body.gov_deposit.amount = 5000000;
    ok &= tx_vector(&tx, 0x22, V_DEPOSIT, V_DEPOSIT_HASH);
    tx_base(&tx, LEDGER_TX_GOV_VOTE, 2);
    tx.body.gov_vote.id = 1;
    tx.body.gov_vote.option = LEDGER_GOV_YES;
    ok &= tx_vector(&tx, 0x22, V_VOTE, V_VOTE_HASH);
    CHECK(ok);
}

/* The encoded submit of tx_submit with its content bytes changed by edit. */
static chr_err decode_edited(void (*edit)(ledger_gov_content *c))
{
    ledger_tx tx;
    tx_submit(&tx);
    edit(&tx.body.gov_submit.content);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_tx_encode(&tx, buf, sizeof(buf), &len) == CHR_OK);
    ledger_tx back;
    return ledger_tx_decode(&back, buf, len);
}

static void edit_kind(ledger_gov_content *c)
{
    c->kind = 9;
}
static void edit_expedited(ledger_gov_content *c)
{
    c->expedited = 2;
}
static void edit_no_title(ledger_gov_content *c)
{
    c->title_len = 0;
}
static void edit_bad_title(ledger_gov_content *c)
{
    c->title[0] = 0xff;
}
static void edit_name(ledger_gov_content *c)
{
    c->changes[0].name[0] = 'F';
}
static void edit_no_changes(ledger_gov_content *c)
{
    c->changes_len = 0;
}
/* Proves every decoding rejection of a submit's content: an unknown kind, expedited not
 * 0/1, an empty or non-UTF-8 title, a parameter name outside [a-z0-9_], no changes or too
 * many, and truncated bodies of all three types. */
void test_tx_decode_rejects(void)
{
    CHECK(decode_edited(edit_kind) == CHR_ERR_PROPOSAL);
    CHECK(decode_edited(edit_expedited) == CHR_ERR_NONCANONICAL);
    CHECK(decode_edited(edit_no_title) == CHR_ERR_PROPOSAL);
    CHECK(decode_edited(edit_bad_title) == CHR_ERR_PROPOSAL);
    CHECK(decode_edited(edit_name) == CHR_ERR_PROPOSAL);
    CHECK(decode_edited(edit_no_changes) == CHR_ERR_PROPOSAL);
    ledger_tx tx;
    tx_submit(&tx);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHR_ASSERT(ledger_tx_encode(&tx, buf, sizeof(buf), &len) == CHR_OK);
    ledger_tx back;
    for (size_t cut = 1; cut < 40; cut++) {
        CHECK(ledger_tx_decode(&back, buf, len - cut) != CHR_OK);
    }
    /* The changes count byte sits after kind, expedited, the title's length and bytes, at
     * a fixed place from the body's start: set it to 7. */
    size_t body = len - 64 - 8 - (1 + 12 + 8) - 1 - (1 + 16) - 2;
    CHECK(buf[body] == LEDGER_GOV_PARAMS && buf[body + 2] == 16 && buf[body + 19] == 1);
    buf[body + 19] = LEDGER_GOV_CHANGES_MAX + 1;
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_PROPOSAL);
}

/* Proves the stateless checks in their order: the fee, a spend of nothing, a
 * parameter that does not exist or does not fit its field, a name changed twice, an
 * upgrade name the decoder would refuse (empty, or outside [a-z0-9._-]), an upgrade at
 * height 0, a zero deposit and an option outside 1..4. */
void test_tx_checks(void)
{
    ledger_params params;
    ledger_params_default(&params);
    char detail[LEDGER_DETAIL_MAX];
    ledger_tx tx;
    tx_submit(&tx);
    CHECK_OK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)));
    tx.fee = 999;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) == CHR_ERR_FEE);
    tx_submit(&tx);
    ledger_gov_content *c = &tx.body.gov_submit.content;
    c->changes[0].name_len = 3;
    memcpy(c->changes[0].name, "fee", 3);
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PARAM_RANGE);
    tx_submit(&tx);
    c->changes[0].name_len = 14;
    memcpy(c->changes[0].name, "validators_max", 14);
    c->changes[0].value = 1ull << 32;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PARAM_RANGE);
    tx_submit(&tx);
    c->changes_len = 2;
    c->changes[1] = c->changes[0];
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PROPOSAL);
    CHECK(strstr(detail, "twice") != NULL);
    tx_submit(&tx);
    c->kind = LEDGER_GOV_SPEND;
    c->amount = 0;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PROPOSAL);
    CHECK(strstr(detail, "amount") != NULL);
    c->kind = LEDGER_GOV_UPGRADE;
    c->upgrade_name_len = 2;
    memcpy(c->upgrade_name, "v2", 2);
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PROPOSAL);
    CHECK(strstr(detail, "upgrade_height") != NULL);
    c->upgrade_height = 100;
    CHECK_OK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)));
    memcpy(c->upgrade_name, "V2", 2); /* the decoder's alphabet is [a-z0-9._-] */
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PROPOSAL);
    CHECK(strstr(detail, "upgrade_name") != NULL);
    c->upgrade_name_len = 0;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PROPOSAL);
    tx_base(&tx, LEDGER_TX_GOV_DEPOSIT, 0);
    tx.body.gov_deposit.id = 1;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) == CHR_ERR_AMOUNT);
    tx_base(&tx, LEDGER_TX_GOV_VOTE, 0);
    tx.body.gov_vote.option = 5;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)) ==
          CHR_ERR_PROPOSAL);
    tx.body.gov_vote.option = LEDGER_GOV_VETO;
    CHECK_OK(ledger_tx_check(&tx, "chroom-devnet", &params, detail, sizeof(detail)));
}
