/* The staking transaction types on the wire: the signed vectors of docs/PROTOCOL.md
 * ("Staking transactions"), decode/encode round trips, every decoding rejection and every
 * stateless check, in the documented order. */
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/hex.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "ledger/tx_types.h"
#include "tests/unit/staking/suite.h"
#include "tests/unit/test.h"

/* The signed vectors (hex of the whole transaction, then its hash). */
#define V_CREATE                                                                                   \
    "01100d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b7040758" \
    "71aa000000000000000000000000000003e8000000000000000000002c0b7cf95324a07d05398b240174dc0c2be4" \
    "44d96b159aa6c7f7b1e668680991000186a000030d400000271000000000000f424000000000004c4b4005616c69" \
    "63651568747470733a2f2f616c6963652e6578616d706c6500466fc1abd1bc6443183464ca48bac89404005b6422" \
    "4e84e9044992fde4e03ac49fe0a14a2675334899f4e059e3313a642f8b891e182d19a613ebfb349df9e430"
#define V_CREATE_HASH "a07c891735e069c7a0110d150734b560c76e111bfbf81be316c5e1d7d4656aee"
#define V_EDIT                                                                                     \
    "01110d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b7040758" \
    "71aa000000000000000100000000000003e800000000000000000000050001adb0000000000000000007616c6963" \
    "652d32000009dd7471dce7471ecca2437d451fdf8f311c4b89a17a716b3245cf9043f2c5672037abbe4b97ba8483" \
    "e2e2cd8ded0c65d84989bdafe1dd194a6abfa79c4494ef"
#define V_EDIT_HASH "7f324e614c027606fcbcb66d4de0e22ebb37422cf1edcff8fe8472c81e57679e"
#define V_DELEGATE                                                                                 \
    "01120d6368726f6f6d2d6465766e6574466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae" \
    "3f27000000000000000300000000000003e8000000000000000000004f355bdcb7cc0af728ef3cceb9615d90684b" \
    "b5b2ca5f859ab0f0b704075871aa00000000002625a03d28393ee58dcef061c494a61490c46b8c122a007bd5c2c3" \
    "2b9bff69a6e01fce11f6378b26c1971631e5c5211e42adbafe1b6e45cd9cec50c6c2177e57d5b13c"
#define V_DELEGATE_HASH "1a615842df66eac5a3a25863dd89ad70a4e06ff2bb48b24d86392c81be9df2e3"
#define V_UNDELEGATE                                                                               \
    "01130d6368726f6f6d2d6465766e6574466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae" \
    "3f27000000000000000400000000000003e8000000000000000000004f355bdcb7cc0af728ef3cceb9615d90684b" \
    "b5b2ca5f859ab0f0b704075871aa00000000000f4240bdc5baaa38170c459a906929bd5fb85e910a3a89d079932f" \
    "42cbd59b796119eed4d405e29f8cc472ed87d60d83a0d0f1c5c5ad88d6e29a123ca12663c18cfd8e"
#define V_UNDELEGATE_HASH "2affbab4836f728e24b7e842e5132fc33e7ea2b1da58f137aa134a8ff3ada7bb"
#define V_REDELEGATE                                                                               \
    "01140d6368726f6f6d2d6465766e6574466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae" \
    "3f27000000000000000500000000000003e8000000000000000000004f355bdcb7cc0af728ef3cceb9615d90684b" \
    "b5b2ca5f859ab0f0b704075871aa3c72addb4fdf09af94f0c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b1" \
    "000000000007a120c6d642879edb603c95e1a7efe268fbf0a053f0fe02727ed8b8d6882ea2349d456005522ba275" \
    "a6fe68e6c11779b2c59f467ee9864611cb59152a77152a8b6ec1"
#define V_REDELEGATE_HASH "fb678a5af37c14a7c6b1540a5160746d89aba743f1bf2ab155a1649e601c5aab"
#define V_WITHDRAW                                                                                 \
    "01150d6368726f6f6d2d6465766e6574466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae" \
    "3f27000000000000000600000000000003e8000000000000000000004f355bdcb7cc0af728ef3cceb9615d90684b" \
    "b5b2ca5f859ab0f0b704075871aa6c1158e6e1388f459d8dc594be23dd8bac9e8d7695ddc663bc80d80f2704ef51" \
    "5b75051a467462cc83a3b8c39844f3753f7c65f5f34072ace715689904facb06"
#define V_WITHDRAW_HASH "dd79c535b6acd5cb4ef7ab1114dfaed619148ffa9d0960943c65c2d095fc3fde"
#define V_UNJAIL                                                                                   \
    "01160d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b7040758" \
    "71aa000000000000000200000000000003e800000000000000000000e8cfb98836a9e96a04a24f29ac6469d382fc" \
    "e00f60b4cb50d0caca16837ebe57ee3b33422ad62dc335a575943ec7affdb315a991eeee1a5da042471f5d74ad5b"
#define V_UNJAIL_HASH "f66ca60ee31e147a26009d98d5820d14d6a2be55f7ddf014713d72cec091d6e7"

/* The public key of 32 bytes of b. */
static void tx_pub(uint8_t out[32], uint8_t b)
{
    uint8_t sk[32];
    uint8_t zero[32] = {0};
    ledger_signer *s;
    memset(sk, b, 32);
    CHR_ASSERT(ledger_signer_new(&s, zero) == CHR_OK);
    CHR_ASSERT(ledger_signer_pubkey(s, out, sk) == CHR_OK);
    ledger_signer_free(s);
}

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

static void tx_base(ledger_tx *tx, ledger_tx_type type, uint8_t signer, uint64_t nonce)
{
    uint8_t from[32];
    tx_pub(from, signer);
    CHR_ASSERT(ledger_tx_init(tx, type, "chroom-devnet", from, nonce, 1000, 0, NULL, 0) == CHR_OK);
}

static void tx_create(ledger_tx *tx)
{
    tx_base(tx, LEDGER_TX_CREATE_VALIDATOR, 0x11, 0);
    ledger_staking_create *c = &tx->body.create_validator;
    tx_pub(c->consensus_key, 0x44);
    c->commission_ppm = 100000;
    c->commission_max_ppm = 200000;
    c->commission_change_max_ppm = 10000;
    c->min_self_bond = 1000000;
    c->amount = 5000000;
    c->moniker_len = 5;
    memcpy(c->moniker, "alice", 5);
    c->website_len = 21;
    memcpy(c->website, "https://alice.example", 21);
}

/* Proves the seven signed vectors of docs/PROTOCOL.md, byte for byte, decode, verify and
 * encode back to the same bytes. */
void test_tx_vectors(void)
{
    ledger_tx tx;
    tx_create(&tx);
    CHECK(tx_vector(&tx, 0x11, V_CREATE, V_CREATE_HASH));

    tx_base(&tx, LEDGER_TX_EDIT_VALIDATOR, 0x11, 1);
    tx.body.edit_validator.mask = LEDGER_EDIT_COMMISSION | LEDGER_EDIT_MONIKER;
    tx.body.edit_validator.commission_ppm = 110000;
    tx.body.edit_validator.moniker_len = 7;
    memcpy(tx.body.edit_validator.moniker, "alice-2", 7);
    CHECK(tx_vector(&tx, 0x11, V_EDIT, V_EDIT_HASH));

    tx_base(&tx, LEDGER_TX_DELEGATE, 0x22, 3);
    tx_pub(tx.body.stake.validator, 0x11);
    tx.body.stake.amount = 2500000;
    CHECK(tx_vector(&tx, 0x22, V_DELEGATE, V_DELEGATE_HASH));

    tx_base(&tx, LEDGER_TX_UNDELEGATE, 0x22, 4);
    tx_pub(tx.body.stake.validator, 0x11);
    tx.body.stake.amount = 1000000;
    CHECK(tx_vector(&tx, 0x22, V_UNDELEGATE, V_UNDELEGATE_HASH));

    tx_base(&tx, LEDGER_TX_REDELEGATE, 0x22, 5);
    tx_pub(tx.body.restake.src, 0x11);
    tx_pub(tx.body.restake.dst, 0x33);
    tx.body.restake.amount = 500000;
    CHECK(tx_vector(&tx, 0x22, V_REDELEGATE, V_REDELEGATE_HASH));

    tx_base(&tx, LEDGER_TX_WITHDRAW_REWARDS, 0x22, 6);
    tx_pub(tx.body.withdraw.validator, 0x11);
    CHECK(tx_vector(&tx, 0x22, V_WITHDRAW, V_WITHDRAW_HASH));

    tx_base(&tx, LEDGER_TX_UNJAIL, 0x11, 2);
    CHECK(tx_vector(&tx, 0x11, V_UNJAIL, V_UNJAIL_HASH));
}

/* Encodes tx (unsigned) for the decoding tests. */
static size_t tx_bytes(const ledger_tx *tx, uint8_t *buf)
{
    size_t len;
    CHR_ASSERT(ledger_tx_encode(tx, buf, LEDGER_TX_BYTES_MAX, &len) == CHR_OK);
    return len;
}

/* Proves decoding refuses texts over their limits or not UTF-8, edit masks outside the
 * known bits and fields outside the mask, truncation everywhere, and the reserved types. */
void test_tx_decode_rejects(void)
{
    ledger_tx tx, back;
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    tx_create(&tx);
    tx.body.create_validator.moniker[1] = (char)0xff;
    size_t len = tx_bytes(&tx, buf);
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_DESCRIPTION);
    tx_create(&tx);
    len = tx_bytes(&tx, buf);
    for (size_t cut = 0; cut < len; cut++) {
        chr_err err = ledger_tx_decode(&back, buf, cut);
        CHECK(err == CHR_ERR_TRUNCATED);
    }
    /* A moniker declared one byte over its limit. */
    size_t at = 1 + 1 + 1 + 13 + 32 + 24 + 2 + 32 + 12 + 16;
    CHECK(buf[at] == 5);
    buf[at] = LEDGER_MONIKER_MAX + 1;
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_DESCRIPTION);

    tx_base(&tx, LEDGER_TX_EDIT_VALIDATOR, 0x11, 1);
    tx.body.edit_validator.mask = LEDGER_EDIT_WEBSITE;
    len = tx_bytes(&tx, buf);
    CHECK_OK(ledger_tx_decode(&back, buf, len));
    tx.body.edit_validator.commission_ppm = 1; /* outside the mask */
    len = tx_bytes(&tx, buf);
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_NONCANONICAL);
    tx.body.edit_validator.commission_ppm = 0;
    tx.body.edit_validator.mask = 0x20;
    len = tx_bytes(&tx, buf);
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_NONCANONICAL);

    tx_base(&tx, LEDGER_TX_DELEGATE, 0x22, 0);
    len = tx_bytes(&tx, buf);
    buf[1] = 0x17; /* the first type no row knows */
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_TX_TYPE);
    buf[1] = LEDGER_TX_WITHDRAW_REWARDS; /* a delegate's 40 bytes where 32 belong */
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_TRAILING);
    buf[1] = LEDGER_TX_UNJAIL; /* an empty body */
    CHECK(ledger_tx_decode(&back, buf, len) == CHR_ERR_TRAILING);
}

/* Proves each type's stateless checks and their order: fee first, then the type's own. */
void test_tx_checks(void)
{
    ledger_params p;
    ledger_params_default(&p);
    char d[LEDGER_DETAIL_MAX];
    ledger_tx tx;
    tx_create(&tx);
    CHECK_OK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)));
    tx.fee = 999;
    tx.body.create_validator.commission_ppm = 300000;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_FEE);
    tx.fee = 1000;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_COMMISSION);
    tx_create(&tx);
    tx.body.create_validator.commission_max_ppm = 1000001;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_COMMISSION);
    tx_create(&tx);
    tx.body.create_validator.commission_change_max_ppm = 200001;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_COMMISSION);
    tx_create(&tx);
    tx.body.create_validator.moniker_len = 0;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_DESCRIPTION);
    tx_create(&tx);
    tx.body.create_validator.amount = 999999;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_SELF_BOND);
    tx.body.create_validator.min_self_bond = 0;
    tx.body.create_validator.amount = 0;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_SELF_BOND);
    tx_create(&tx);
    memset(tx.body.create_validator.consensus_key, 0xff, 32); /* not an x coordinate */
    CHECK(ledger_tx_verify(&tx) == CHR_ERR_PUBKEY);

    tx_base(&tx, LEDGER_TX_EDIT_VALIDATOR, 0x11, 1);
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_ARG);
    tx.body.edit_validator.mask = LEDGER_EDIT_COMMISSION;
    tx.body.edit_validator.commission_ppm = 1000001;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_COMMISSION);
    tx.body.edit_validator.mask = LEDGER_EDIT_MONIKER;
    tx.body.edit_validator.commission_ppm = 0;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_DESCRIPTION);

    ledger_tx_type stake_types[2] = {LEDGER_TX_DELEGATE, LEDGER_TX_UNDELEGATE};
    for (size_t i = 0; i < 2; i++) {
        tx_base(&tx, stake_types[i], 0x22, 0);
        CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_AMOUNT);
        tx.fee = 0;
        CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_FEE);
    }
    tx_base(&tx, LEDGER_TX_REDELEGATE, 0x22, 0);
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_AMOUNT);
    tx.body.restake.amount = 1;
    CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_SAME_VALIDATOR);
    tx.body.restake.dst[0] = 1;
    CHECK_OK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)));
    /* What each type takes from the liquid balance besides the fee. */
    CHECK(ledger_tx_spend(&tx) == 0);
    tx_create(&tx);
    CHECK(ledger_tx_spend(&tx) == 5000000);

    /* withdraw-rewards and unjail: the fee is their only stateless rule; "all" (a zero
     * validator) is filed under no counterparty. */
    ledger_tx_type fee_only[2] = {LEDGER_TX_WITHDRAW_REWARDS, LEDGER_TX_UNJAIL};
    for (size_t i = 0; i < 2; i++) {
        tx_base(&tx, fee_only[i], 0x22, 0);
        CHECK_OK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)));
        CHECK(ledger_tx_spend(&tx) == 0);
        tx.fee = 999;
        CHECK(ledger_tx_check(&tx, "chroom-devnet", &p, d, sizeof(d)) == CHR_ERR_FEE);
    }
    uint8_t cp[32];
    tx_base(&tx, LEDGER_TX_WITHDRAW_REWARDS, 0x22, 0);
    CHECK(ledger_tx_kind_of(LEDGER_TX_WITHDRAW_REWARDS)->counterparty(&tx, cp) == 0);
    tx.body.withdraw.validator[5] = 1;
    CHECK(ledger_tx_kind_of(LEDGER_TX_WITHDRAW_REWARDS)->counterparty(&tx, cp) == 1 && cp[5] == 1);
}
