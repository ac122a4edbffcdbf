/* The test vectors of docs/PROTOCOL.md: if an encoding or a hash changes, this fails, and
 * the page must change with it. */
#include <stdio.h>
#include <string.h>

#include "common/assert.h"
#include "common/bech32.h"
#include "common/hash.h"
#include "common/hex.h"
#include "ledger/block.h"
#include "ledger/media.h"
#include "ledger/meetings.h"
#include "ledger/proof.h"
#include "ledger/sig.h"
#include "ledger/smt.h"
#include "ledger/state.h"
#include "ledger/trie_mem.h"
#include "ledger/tx.h"
#include "tests/unit/test.h"

#define V_FROM_ADDR "chr1fu64hh9hes90w2808n8tjc2ajp5yhddjef0ctx4s7zmsgp6cwx4q4vqr28"
#define V_FROM_PUB "4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"
#define V_TO_ADDR "chr1gekhljh9v0jukzdq6xrshdvqx3yqgctc0xs5jjw0yg597xaw8unsgkeh7v"
#define V_UNSIGNED                                                                                 \
    "01010d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b70"      \
    "4075871aa000000000000000700000000000003e80000000000000000000a696e766f696365203432466d7f"      \
    "cae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f2700000000002625a0"
#define V_SIGHASH "94c9eedea806753c61720e490c7cfdeae7dc69afb6e023b99fa4ea701112a6e6"
#define V_SIG                                                                                      \
    "bb01083550f75646892de6fa59a8bc1f6fd2cae4459b747069efb45cd895998d44bbac988fdf5eba4c2415"       \
    "88adaf803d20bd14be856e5c4584ec3cac92fc522d"
#define V_TXHASH "7d50b0d71d8cb93f0da7a893f7d2829fe43cc9c537c8935983f66544bb9ae803"
#define V_VOTE_SIGHASH "c56d45734315fffdf4e5bc56365e559bda40c37b700500ec3010e0ce9f93ade6"
/* The vote message of the commit example, byte by byte: version 1 first. */
#define V_VOTE_BYTES                                                                               \
    "01"                                                                                           \
    "0d6368726f6f6d2d6465766e6574"                                                                 \
    "02"                                                                                           \
    "0000000000000005"                                                                             \
    "00000000"                                                                                     \
    "abababababababababababababababababababababababababababababababab"
/* The state root example: the two keys of the transfer example with these accounts. */
#define V_TO_PUB "466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27"
#define V_FROM_ACCT "000000003b9aca000000000000000008"
#define V_TO_ACCT "00000000002625a00000000000000000"
#define V_FROM_VALUE "d83081c32dde1168cf2ac2df2707946d2bee193f79c50da2cea52f542ca51e41"
#define V_TO_VALUE "0539ecf5ef0819ad5c997dbec40f1e03236c1c0b24d6f4006f85f1a4c33902ff"
#define V_FROM_LEAF "f41fb6d3f470d539f1ec4dace68d698b6e3a4a6e83b0f7e903ae0822b6f6a073"
#define V_TO_LEAF "b0b7f2fc434974360b631c8c28ef79ce32f19480059028db345196f305960269"
#define V_STATE_ROOT "0bc76283f441eebcc1a0a5897dabcbd7198479d309dfee1f3585d5c4d2c50ee9"
/* The state proof examples: membership of `from`, non-membership of a third key that shares
 * from's first byte, and non-membership in the empty trie. */
#define V_PROOF_FROM                                                                               \
    "01"                                                                                           \
    "4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"                             \
    "01"                                                                                           \
    "4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"                             \
    "d83081c32dde1168cf2ac2df2707946d2bee193f79c50da2cea52f542ca51e41"                             \
    "0001"                                                                                         \
    "0004"                                                                                         \
    "b0b7f2fc434974360b631c8c28ef79ce32f19480059028db345196f305960269"
#define V_THIRD_KEY "4f00000000000000000000000000000000000000000000000000000000000000"
#define V_PROOF_THIRD                                                                              \
    "01"                                                                                           \
    "4f00000000000000000000000000000000000000000000000000000000000000"                             \
    "01"                                                                                           \
    "4f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"                             \
    "d83081c32dde1168cf2ac2df2707946d2bee193f79c50da2cea52f542ca51e41"                             \
    "0001"                                                                                         \
    "0004"                                                                                         \
    "b0b7f2fc434974360b631c8c28ef79ce32f19480059028db345196f305960269"
#define V_PROOF_EMPTY                                                                              \
    "01" V_THIRD_KEY "00"                                                                          \
    "0000"

#define V_MEDIA_REGISTER                                                                           \
    "01200d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0"         \
    "b704075871aa000000000000000800000000000003e8000000000000000000003c72addb4fdf09af94f0"         \
    "c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b11968747470733a2f2f6d656469612e6578616d70"         \
    "6c652e6f72670765752d77657374000001f4000000003b9aca00046f702d3146d18700f69c62ca42bb28"         \
    "9621a151cdd8bcde1cb3664af4e2ec3bb41edc1a7762b7d6c856e96208b39f03df385da9657f6490503a"         \
    "aa97e9cce69784bfc9ed88"
#define V_MEDIA_UPDATE                                                                             \
    "01210d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0"         \
    "b704075871aa000000000000000900000000000003e8000000000000000000003c72addb4fdf09af94f0"         \
    "c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b11968747470733a2f2f6d656469612e6578616d70"         \
    "6c652e6f72670765752d77657374000001f4046f702d31b2e50ec5553903d82aecac7c3bff401f18343f"         \
    "8db3c3dc82903eb61df140f763f24c391c8914e16cdec2632f0bcbb05af24e411e0ef321f7c23a26e381"         \
    "b24aad"
#define V_MEDIA_DEREGISTER                                                                         \
    "01220d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0"         \
    "b704075871aa000000000000000a00000000000003e8000000000000000000003c72addb4fdf09af94f0"         \
    "c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b145e2efec75a87d5b6a985de54aaceac54cc5c973"         \
    "c9f4e1cfd984351db0bafd6b3d81e3c376f7bcd83fd98c4fdb7721a5d15da441ab0f3324e61869925b32"         \
    "611d"
#define V_MEETING_CREATE                                                                           \
    "01230d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0"         \
    "b704075871aa000000000000000b00000000000003e8000000000000000000000b5765656b6c79207379"         \
    "6e6305616c6963650203626f62056361726f6c0000001e00000000000000000765752d776573740077f2"         \
    "ed405536d5fdf302d14f702eccbbe6ce5083c159bbfca3108ee629dcdda5f3662c0f0fc1a701c4f339d1"         \
    "475c49f8dd411c7af0a4917d026a0e9f3030f904"
#define V_MEETING_END                                                                              \
    "01240d6368726f6f6d2d6465766e65744f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0"         \
    "b704075871aa000000000000000c00000000000003e800000000000000000000abababababababababab"         \
    "ababd83f21b4ab14a994fcaaffd6411a96a00d33e81eeae5549e4b1b91d43d84f65484b695d190823949"         \
    "00d24f245cbf978e81d79c530c9399d1d1d4effbc316824c"

static void hex_of(char *out, size_t cap, const uint8_t *b, size_t n)
{
    chr_hex_encode(out, cap, b, n);
}

/* Proves the worked transfer of docs/PROTOCOL.md: keys, addresses, bytes, hashes, signature. */
static void test_transfer_vector(void)
{
    uint8_t sk[32];
    uint8_t sk2[32];
    uint8_t pub[32];
    uint8_t pub2[32];
    uint8_t zero[32] = {0};
    char hex[2 * LEDGER_TX_BYTES_MAX + 1];
    char addr[CHR_ADDRESS_STR_LEN + 1];
    memset(sk, 0x11, 32);
    memset(sk2, 0x22, 32);
    ledger_signer *s;
    CHECK_OK(ledger_signer_new(&s, zero));
    CHECK_OK(ledger_signer_pubkey(s, pub, sk));
    CHECK_OK(ledger_signer_pubkey(s, pub2, sk2));
    hex_of(hex, sizeof(hex), pub, 32);
    CHECK(strcmp(hex, V_FROM_PUB) == 0);
    chr_address_encode(addr, pub);
    CHECK(strcmp(addr, V_FROM_ADDR) == 0);
    chr_address_encode(addr, pub2);
    CHECK(strcmp(addr, V_TO_ADDR) == 0);
    ledger_tx tx;
    CHECK_OK(ledger_tx_init(&tx, LEDGER_TX_TRANSFER, "chroom-devnet", pub, 7, 1000, 0,
                            (const uint8_t *)"invoice 42", 10));
    memcpy(tx.body.transfer.to, pub2, 32);
    tx.body.transfer.amount = 2500000;
    uint8_t msg[32];
    ledger_tx_sighash(&tx, msg);
    hex_of(hex, sizeof(hex), msg, 32);
    CHECK(strcmp(hex, V_SIGHASH) == 0);
    /* BIP-340 signing with all-zero auxiliary randomness is deterministic. */
    CHECK_OK(ledger_signer_sign(s, tx.sig, msg, sk, zero));
    ledger_signer_free(s);
    hex_of(hex, sizeof(hex), tx.sig, 64);
    CHECK(strcmp(hex, V_SIG) == 0);
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    size_t len;
    CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
    CHECK(len == 188);
    hex_of(hex, sizeof(hex), buf, len - 64);
    CHECK(strcmp(hex, V_UNSIGNED) == 0);
    uint8_t h[32];
    ledger_tx_hash(&tx, h);
    hex_of(hex, sizeof(hex), h, 32);
    CHECK(strcmp(hex, V_TXHASH) == 0);
    CHECK_OK(ledger_tx_verify(&tx));
}

/* Proves the precommit sign bytes of docs/PROTOCOL.md's commit example. */
static void test_vote_vector(void)
{
    uint8_t block_hash[32];
    uint8_t out[32];
    char hex[65];
    memset(block_hash, 0xab, 32);
    ledger_vote_sighash(out, "chroom-devnet", LEDGER_VOTE_PRECOMMIT, 5, 0, block_hash);
    hex_of(hex, sizeof(hex), out, 32);
    CHECK(strcmp(hex, V_VOTE_SIGHASH) == 0);
    /* The page's byte layout, version byte included, gives the same message. */
    uint8_t bytes[sizeof(V_VOTE_BYTES) / 2];
    size_t len;
    CHECK_OK(chr_hex_decode(bytes, sizeof(bytes), &len, V_VOTE_BYTES, strlen(V_VOTE_BYTES)));
    CHECK(len == 1 + 14 + 1 + 8 + 4 + 32);
    chr_tagged_hash(out, "CHROOM/vote", bytes, len);
    hex_of(hex, sizeof(hex), out, 32);
    CHECK(strcmp(hex, V_VOTE_SIGHASH) == 0);
}

/* Checks that the hex of 32 bytes is want. */
static int hex32_is(const uint8_t b[32], const char *want)
{
    char hex[65];
    hex_of(hex, sizeof(hex), b, 32);
    return strcmp(hex, want) == 0;
}

/* Proves the state root example of docs/PROTOCOL.md: account encodings, value hashes, leaf
 * hashes (each the root of its one-account trie), the two-account root from the page's
 * preimages by hand and from ledger_smt, and the empty root. */
static void test_state_root_vector(void)
{
    uint8_t from[32];
    uint8_t to[32];
    uint8_t fv[32];
    uint8_t tv[32];
    uint8_t root[32];
    uint8_t acct[LEDGER_ACCOUNT_BYTES];
    char hex[65];
    CHECK_OK(chr_hex_decode_exact(from, 32, V_FROM_PUB, 64));
    CHECK_OK(chr_hex_decode_exact(to, 32, V_TO_PUB, 64));
    ledger_account_encode(acct, &(ledger_account){.balance = 1000000000, .nonce = 8});
    hex_of(hex, sizeof(hex), acct, sizeof(acct));
    CHECK(strcmp(hex, V_FROM_ACCT) == 0);
    ledger_account_hash(fv, &(ledger_account){.balance = 1000000000, .nonce = 8});
    CHECK(hex32_is(fv, V_FROM_VALUE));
    ledger_account_encode(acct, &(ledger_account){.balance = 2500000, .nonce = 0});
    hex_of(hex, sizeof(hex), acct, sizeof(acct));
    CHECK(strcmp(hex, V_TO_ACCT) == 0);
    ledger_account_hash(tv, &(ledger_account){.balance = 2500000, .nonce = 0});
    CHECK(hex32_is(tv, V_TO_VALUE));
    /* By hand: leaf = SHA256(0x00 || key || value), node = SHA256(0x01 || u16 b || l || r);
     * the keys first differ at bit 4 (0x4f vs 0x46), where "to" has 0: it is on the left. */
    uint8_t pre[67];
    uint8_t fl[32];
    uint8_t tl[32];
    pre[0] = 0x00;
    memcpy(pre + 1, from, 32);
    memcpy(pre + 33, fv, 32);
    chr_sha256_hash(fl, pre, 65);
    CHECK(hex32_is(fl, V_FROM_LEAF));
    memcpy(pre + 1, to, 32);
    memcpy(pre + 33, tv, 32);
    chr_sha256_hash(tl, pre, 65);
    CHECK(hex32_is(tl, V_TO_LEAF));
    pre[0] = 0x01;
    pre[1] = 0x00;
    pre[2] = 0x04;
    memcpy(pre + 3, tl, 32);
    memcpy(pre + 35, fl, 32);
    chr_sha256_hash(root, pre, 67);
    CHECK(hex32_is(root, V_STATE_ROOT));
    /* The trie agrees, in either order of insertion, and for zero and one account. */
    ledger_smt *t;
    CHECK_OK(ledger_smt_new(&t, 4));
    ledger_smt_root(t, root);
    CHECK(hex32_is(root, "0000000000000000000000000000000000000000000000000000000000000000"));
    CHECK_OK(ledger_smt_set(t, to, tv));
    ledger_smt_root(t, root);
    CHECK(hex32_is(root, V_TO_LEAF));
    CHECK_OK(ledger_smt_set(t, from, fv));
    ledger_smt_root(t, root);
    CHECK(hex32_is(root, V_STATE_ROOT));
    ledger_smt_free(t);
    CHECK_OK(ledger_smt_new(&t, 4));
    CHECK_OK(ledger_smt_set(t, from, fv));
    ledger_smt_root(t, root);
    CHECK(hex32_is(root, V_FROM_LEAF));
    CHECK_OK(ledger_smt_set(t, to, tv));
    ledger_smt_root(t, root);
    CHECK(hex32_is(root, V_STATE_ROOT));
    ledger_smt_free(t);
}

/* Decodes hex_proof and verifies it for key_hex under root_hex: the verifier's error, with
 * *present and value set. */
static chr_err proof_vector(const char *hex_proof, const char *root_hex, const char *key_hex,
                            int *present, uint8_t value[32])
{
    static ledger_proof p;
    uint8_t bytes[LEDGER_PROOF_BYTES_MAX];
    size_t len;
    uint8_t root[32];
    uint8_t key[32];
    chr_test_hex(root, 32, root_hex);
    chr_test_hex(key, 32, key_hex);
    if (chr_hex_decode(bytes, sizeof(bytes), &len, hex_proof, strlen(hex_proof)) != CHR_OK ||
        ledger_proof_decode(&p, bytes, len) != CHR_OK) {
        return CHR_ERR_ARG;
    }
    return ledger_proof_verify(&p, root, key, present, value);
}

/* Proves the state proof examples of docs/PROTOCOL.md: `from` is present with its value
 * hash under the two-account root, the third key is absent there, the empty trie's proof
 * shows it absent under the zero root, and each refuses the other root or key. */
static void test_state_proof_vector(void)
{
    static const char zero_root[] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    int present;
    uint8_t value[32];
    CHECK_OK(proof_vector(V_PROOF_FROM, V_STATE_ROOT, V_FROM_PUB, &present, value));
    CHECK(present == 1);
    CHECK(hex32_is(value, V_FROM_VALUE));
    CHECK_OK(proof_vector(V_PROOF_THIRD, V_STATE_ROOT, V_THIRD_KEY, &present, value));
    CHECK(present == 0);
    CHECK_OK(proof_vector(V_PROOF_EMPTY, zero_root, V_THIRD_KEY, &present, value));
    CHECK(present == 0);
    CHECK(proof_vector(V_PROOF_FROM, V_STATE_ROOT, V_TO_PUB, &present, value) == CHR_ERR_PROOF);
    CHECK(proof_vector(V_PROOF_FROM, V_FROM_LEAF, V_FROM_PUB, &present, value) == CHR_ERR_PROOF);
    CHECK(proof_vector(V_PROOF_EMPTY, V_STATE_ROOT, V_THIRD_KEY, &present, value) == CHR_ERR_PROOF);
    CHECK(strlen(V_PROOF_FROM) == 2 * 134);
}

/* Proves the state keys of docs/PROTOCOL.md, "State keys": an account's is its key as it
 * is; a validator's and a delegation's (kinds 2 and 3 over the worked example's keys) are
 * SHA256(kind || natural key). And the persisted trie (ledger/trie.h) over in-memory rows
 * gives the example's root, the same as ledger_smt. */
static void test_state_key_vector(void)
{
    uint8_t from[32];
    uint8_t to[32];
    uint8_t key[32];
    uint8_t both[64];
    CHECK_OK(chr_hex_decode_exact(from, 32, V_FROM_PUB, 64));
    CHECK_OK(chr_hex_decode_exact(to, 32, V_TO_PUB, 64));
    ledger_state_key(key, LEDGER_STATE_ACCOUNT, from, 32);
    CHECK(hex32_is(key, V_FROM_PUB));
    ledger_state_key(key, LEDGER_STATE_VALIDATOR, from, 32);
    CHECK(hex32_is(key, "3f26f5ae2661009164eaa158b8a22d5c80dc32a69d5cb1feca454d823cdbc158"));
    memcpy(both, from, 32);
    memcpy(both + 32, to, 32);
    ledger_state_key(key, LEDGER_STATE_DELEGATION, both, 64);
    CHECK(hex32_is(key, "fba761f32bfca07b0a1b5f67a3192b5a7d696f78747ece5fd50e78bb6c1b1a14"));
    ledger_trie_mem *rows;
    CHECK_OK(ledger_trie_mem_new(&rows));
    uint8_t addrs[2][32];
    memcpy(addrs[0], from, 32);
    memcpy(addrs[1], to, 32);
    ledger_account accts[2] = {{.balance = 1000000000, .nonce = 8},
                               {.balance = 2500000, .nonce = 0}};
    uint8_t root[32];
    CHECK_OK(ledger_trie_mem_accounts(rows, (const uint8_t(*)[32])addrs, accts, 2, root));
    CHECK(hex32_is(root, V_STATE_ROOT));
    CHECK(ledger_trie_mem_len(rows) == 3); /* two leaves and the node at bit 4 */
    ledger_trie_mem_free(rows);
}

static chr_err no_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    (void)ctx;
    (void)addr;
    memset(out, 0, sizeof(*out));
    return CHR_OK;
}

/* Proves the object leaf of docs/PROTOCOL.md, "Object leaves": a validator object (natural
 * key the worked example's from key, value the 8 bytes 00000000000003e8) has value hash
 * SHA256(value) and that leaf; put beside the two accounts through a block's object table,
 * the trie's root is the documented one, and deleting it gives the accounts' root back. */
static void test_object_leaf_vector(void)
{
    uint8_t from[32];
    uint8_t to[32];
    CHECK_OK(chr_hex_decode_exact(from, 32, V_FROM_PUB, 64));
    CHECK_OK(chr_hex_decode_exact(to, 32, V_TO_PUB, 64));
    const uint8_t value[8] = {0, 0, 0, 0, 0, 0, 0x03, 0xe8};
    uint8_t vh[32];
    ledger_object_hash(vh, value, sizeof(value));
    CHECK(hex32_is(vh, "f652498d092acd949bad74e40683bf3824fb817980504a0c7e6722cfc5a9c0a3"));
    ledger_trie_mem *rows;
    CHECK_OK(ledger_trie_mem_new(&rows));
    uint8_t addrs[2][32];
    memcpy(addrs[0], from, 32);
    memcpy(addrs[1], to, 32);
    ledger_account accts[2] = {{.balance = 1000000000, .nonce = 8},
                               {.balance = 2500000, .nonce = 0}};
    uint8_t root[32];
    CHECK_OK(ledger_trie_mem_accounts(rows, (const uint8_t(*)[32])addrs, accts, 2, root));
    ledger_overlay *o;
    ledger_objects *objs;
    ledger_trie *t;
    CHECK_OK(ledger_overlay_new(&o, 4, no_account, NULL));
    CHECK_OK(
        ledger_objects_new(&objs, 4, ledger_trie_mem_object, ledger_trie_mem_object_scan, rows));
    ledger_overlay_attach_objects(o, objs);
    CHECK_OK(ledger_trie_new(&t, ledger_trie_mem_source(rows), 0));
    CHECK_OK(ledger_trie_open(t, root));
    CHECK_OK(ledger_object_put(objs, LEDGER_STATE_VALIDATOR, from, 32, value, sizeof(value)));
    CHECK_OK(ledger_overlay_trie_apply(t, o));
    ledger_trie_root(t, root);
    CHECK(hex32_is(root, "537878f32b257acac7189449f0c24ca5412ea92dfe36e00c338d7a5d743fd07b"));
    uint8_t key[32];
    uint8_t got[32];
    int found;
    ledger_state_key(key, LEDGER_STATE_VALIDATOR, from, 32);
    CHECK_OK(ledger_trie_get(t, key, &found, got));
    CHECK(found && memcmp(got, vh, 32) == 0);
    CHECK_OK(ledger_trie_mem_store(rows, t));
    CHECK_OK(ledger_trie_mem_objects_store(rows, objs));
    ledger_trie_release(t);
    ledger_overlay_reset(o);
    CHECK_OK(ledger_object_delete(objs, LEDGER_STATE_VALIDATOR, from, 32, &found));
    CHECK(found);
    CHECK_OK(ledger_overlay_trie_apply(t, o));
    ledger_trie_root(t, root);
    CHECK(hex32_is(root, V_STATE_ROOT));
    ledger_trie_free(t);
    ledger_objects_free(objs);
    ledger_overlay_free(o);
    ledger_trie_mem_free(rows);
}

/* The media-node and meeting vectors of docs/PROTOCOL.md ("Media nodes", "Meetings"): the
 * worked example's key signs each type (nonce 8.., fee 1000, chain chroom-devnet, no memo,
 * all-zero auxiliary randomness); the signed bytes are fixed here. */
static const char *const V_MEDIA_TXS[] = {
    "MEDIA_REGISTER", "MEDIA_UPDATE", "MEDIA_DEREGISTER", "MEETING_CREATE", "MEETING_END",
};

static void vector_tx(ledger_tx *tx, size_t k, const uint8_t from[32], const uint8_t node[32])
{
    static const uint8_t types[] = {LEDGER_TX_MEDIA_REGISTER, LEDGER_TX_MEDIA_UPDATE,
                                    LEDGER_TX_MEDIA_DEREGISTER, LEDGER_TX_MEETING_CREATE,
                                    LEDGER_TX_MEETING_END};
    CHECK_OK(ledger_tx_init(tx, (ledger_tx_type)types[k], "chroom-devnet", from, 8 + k, 1000, 0,
                            NULL, 0));
    if (k < 3) {
        ledger_media_body *b = &tx->body.media;
        memcpy(b->node_key, node, 32);
        if (k < 2) {
            b->endpoint_len = 25;
            memcpy(b->endpoint, "https://media.example.org", 25);
            b->region_len = 7;
            memcpy(b->region, "eu-west", 7);
            b->capacity = 500;
            b->bond = k == 0 ? 1000000000 : 0;
            b->metadata_len = 4;
            memcpy(b->metadata, "op-1", 4);
        }
    } else if (k == 3) {
        ledger_meeting_body *b = &tx->body.meeting;
        b->title_len = 11;
        memcpy(b->title, "Weekly sync", 11);
        b->host_len = 5;
        memcpy(b->host, "alice", 5);
        static uint8_t ids[16];
        CHR_ASSERT(ledger_meeting_participant_add(tx, ids, sizeof(ids), "bob", 3) == CHR_OK);
        CHR_ASSERT(ledger_meeting_participant_add(tx, ids, sizeof(ids), "carol", 5) == CHR_OK);
        b->duration_min = 30;
        b->region_len = 7;
        memcpy(b->region, "eu-west", 7);
    } else {
        memset(tx->body.meeting_end.id, 0xab, LEDGER_MEETING_ID_LEN);
    }
}

static void test_media_meeting_vectors(void)
{
    static const char *const want[] = {V_MEDIA_REGISTER, V_MEDIA_UPDATE, V_MEDIA_DEREGISTER,
                                       V_MEETING_CREATE, V_MEETING_END};
    uint8_t sk[32], pub[32], node_sk[32], node[32], zero[32] = {0};
    memset(sk, 0x11, 32);
    ledger_signer *s;
    CHECK_OK(ledger_signer_new(&s, zero));
    CHECK_OK(ledger_signer_pubkey(s, pub, sk));
    int all = 1;
    memset(node_sk, 0x33, 32);
    CHECK_OK(ledger_signer_pubkey(s, node, node_sk)); /* the node key: secret 3333...33 */
    for (size_t k = 0; k < 5; k++) {
        ledger_tx tx, back;
        uint8_t msg[32], buf[LEDGER_TX_BYTES_MAX];
        char hex[2 * LEDGER_TX_BYTES_MAX + 1];
        size_t len;
        vector_tx(&tx, k, pub, node);
        ledger_tx_sighash(&tx, msg);
        CHECK_OK(ledger_signer_sign(s, tx.sig, msg, sk, zero));
        CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
        hex_of(hex, sizeof(hex), buf, len);
        if (strcmp(hex, want[k]) != 0) {
            fprintf(stderr, "%s: %s\n", V_MEDIA_TXS[k], hex);
            all = 0;
        }
        CHECK_OK(ledger_tx_decode(&back, buf, len));
        CHECK_OK(ledger_tx_verify(&back));
    }
    ledger_signer_free(s);
    CHECK(all);
}

/* The settlement vectors of docs/PROTOCOL.md ("Settlement"): the worked example's key
 * signs a meeting-settle (nonce 13) of two claims carrying docs/CREDITS.md's vector
 * credits and receipt, and a meeting-dispute (nonce 14), on chain chroom-devnet-1, fee
 * 1000, no memo, all-zero auxiliary randomness. */
#define V_CREDIT_HOST_SIG                                                                          \
    "713a10ad09a04e625a826ab0c9c7e1e8fb28d8913c3f02263362cd3170efb6fd229a01df0f6c8c18ec33c23de4"   \
    "39f43c320d79c16b7a383e7841b29576a6985d"
#define V_CREDIT_PART_SIG                                                                          \
    "9ee693fe793813a6fb8b6d267a4e14546adaa1dd3f94136c7547669db1bcfd4b767c084d165ab3d097b70af37b"   \
    "95193903b1f3bdc7c2025b304d1a8f34e7a727"
#define V_RECEIPT_SIG                                                                              \
    "53045109404f0435f66dfd1456c95915853ac29304958bd5dc2dd58aa5358c01ceb78dee776a54a88cb2956d8a"   \
    "cc70ae999da1c2ec462266b0c6d394ba2da6c6"
#define V_SETTLE                                                                                   \
    "01400f6368726f6f6d2d6465766e65742d314f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859a"         \
    "b0f0b704075871aa000000000000000d00000000000003e800000000000000000000a1a2a3a4a5a6a7a8"         \
    "a9aaabac02000000002d0000003c0000018bcfe568000000018bd01c5680713a10ad09a04e625a826ab0"         \
    "c9c7e1e8fb28d8913c3f02263362cd3170efb6fd229a01df0f6c8c18ec33c23de439f43c320d79c16b7a"         \
    "383e7841b29576a6985d0001000000190000001e0000018bcfe568000000018bd01c56809ee693fe7938"         \
    "13a6fb8b6d267a4e14546adaa1dd3f94136c7547669db1bcfd4b767c084d165ab3d097b70af37b951939"         \
    "03b1f3bdc7c2025b304d1a8f34e7a7270153045109404f0435f66dfd1456c95915853ac29304958bd5dc"         \
    "2dd58aa5358c01ceb78dee776a54a88cb2956d8acc70ae999da1c2ec462266b0c6d394ba2da6c6d9aaa2"         \
    "b968ee598f9868eeecf5818b3cb55978229909b43de53c5f3ed10c976b3fbd04d23d4f5a46c91f785513"         \
    "1074e14f9407c9f49f2a366165800ee67efd1d"
#define V_DISPUTE                                                                                  \
    "01410f6368726f6f6d2d6465766e65742d314f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859a"         \
    "b0f0b704075871aa000000000000000e00000000000003e800000000000000000000a1a2a3a4a5a6a7a8"         \
    "a9aaabac000000002877c97dbbfa3f675c3642909f5544725d41d74ad2a2fdc0012328097f3f478186d0"         \
    "88ce8bbe045791aee2300c9b072481fcda39d4983fdefbd77f2b0cc21c3e69"

static void settle_claim(ledger_claim *c, uint8_t index, uint32_t minutes, uint32_t max,
                         const char *credit_sig, const char *receipt_sig)
{
    memset(c, 0, sizeof(*c));
    c->index = index;
    c->minutes = minutes;
    c->credit_minutes_max = max;
    c->credit_not_before_ms = 1700000000000ull;
    c->credit_expiry_ms = 1700003600000ull;
    CHR_ASSERT(chr_hex_decode_exact(c->credit_sig, 64, credit_sig, 128) == CHR_OK);
    c->has_receipt = receipt_sig != NULL;
    if (receipt_sig != NULL) {
        CHR_ASSERT(chr_hex_decode_exact(c->receipt_sig, 64, receipt_sig, 128) == CHR_OK);
    }
}

/* Proves the settle and dispute vectors: their signed bytes, and that they decode back. */
static void test_settle_vectors(void)
{
    static const char *const want[] = {V_SETTLE, V_DISPUTE};
    uint8_t sk[32], pub[32], zero[32] = {0}, id[LEDGER_MEETING_ID_LEN];
    memset(sk, 0x11, 32);
    CHECK_OK(chr_hex_decode_exact(id, sizeof(id), "a1a2a3a4a5a6a7a8a9aaabac", 24));
    ledger_signer *s;
    CHECK_OK(ledger_signer_new(&s, zero));
    CHECK_OK(ledger_signer_pubkey(s, pub, sk));
    int all = 1;
    for (size_t k = 0; k < 2; k++) {
        ledger_tx tx, back;
        uint8_t msg[32], buf[LEDGER_TX_BYTES_MAX];
        char hex[2 * LEDGER_TX_BYTES_MAX + 1];
        size_t len;
        CHECK_OK(ledger_tx_init(&tx, k == 0 ? LEDGER_TX_MEETING_SETTLE : LEDGER_TX_MEETING_DISPUTE,
                                "chroom-devnet-1", pub, 13 + k, 1000, 0, NULL, 0));
        memcpy(tx.body.settle.id, id, sizeof(id));
        uint8_t enc[2 * LEDGER_CLAIM_BYTES_MAX];
        if (k == 0) {
            ledger_claim c;
            settle_claim(&c, 0, 45, 60, V_CREDIT_HOST_SIG, NULL);
            CHECK_OK(ledger_settle_claim_add(&tx, enc, sizeof(enc), &c));
            settle_claim(&c, 1, 25, 30, V_CREDIT_PART_SIG, V_RECEIPT_SIG);
            CHECK_OK(ledger_settle_claim_add(&tx, enc, sizeof(enc), &c));
        } else {
            tx.body.settle.claims_len = 1;
            tx.body.settle.dispute_index = 0;
            tx.body.settle.dispute_minutes = 40;
        }
        ledger_tx_sighash(&tx, msg);
        CHECK_OK(ledger_signer_sign(s, tx.sig, msg, sk, zero));
        CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
        hex_of(hex, sizeof(hex), buf, len);
        if (strcmp(hex, want[k]) != 0) {
            fprintf(stderr, "%s: %s\n", k == 0 ? "SETTLE" : "DISPUTE", hex);
            all = 0;
        }
        CHECK_OK(ledger_tx_decode(&back, buf, len));
        CHECK_OK(ledger_tx_verify(&back));
    }
    ledger_signer_free(s);
    CHECK(all);
}

/* The large vectors (docs/PROTOCOL.md, "Large meetings and settles"): their length, id (the
 * SHA-256 of the encoding) and signature; the encodings follow from the rules there. */
#define V_LARGE_CREATE_LEN 2210
#define V_LARGE_CREATE_ID "cdf94e1b86e3d5b4cbbd95b9d52fab68877667e84f76aa8aac614c3ef8e3352f"
#define V_LARGE_CREATE_SIG                                                                         \
    "6c3d6c4b88fbb94a269a35b4911ad04c193efc53379d3a3193975758f2351b3aa97318ef7170b43638229fcec8"   \
    "97591758aef2fb3fcd035dccd7004d34aa5b8c"
#define V_LARGE_SETTLE_LEN 15769
#define V_LARGE_SETTLE_ID "2007a1fe2d21632be370be695b1a60b011177289a31b5e0cb31d6bad632e7468"
#define V_LARGE_SETTLE_SIG                                                                         \
    "99f2add3ef5a3f2028192d3cae84a5b98d7a5a72ef3db9d5416c6661101a97d1e387ccdb5fc46d478c8fa1e3d9"   \
    "516e716c0e593a5332e2d5a7f39fdb3b19b23e"

/* The large vectors' transactions: k 0 the meeting-create of 127 participants
 * "participant-000".."participant-126",
 * k 1 the settle of a claim for each of 128 people (even indexes with a receipt). */
static void large_tx(ledger_tx *tx, size_t k, const uint8_t pub[32], uint8_t *enc, size_t cap)
{
    CHR_ASSERT(ledger_tx_init(tx, k == 0 ? LEDGER_TX_MEETING_CREATE : LEDGER_TX_MEETING_SETTLE,
                              "chroom-devnet-1", pub, 14 + k, 1000, 0, NULL, 0) == CHR_OK);
    if (k == 0) {
        ledger_meeting_body *b = &tx->body.meeting;
        b->title_len = 9;
        memcpy(b->title, "All hands", 9);
        b->host_len = 5;
        memcpy(b->host, "alice", 5);
        for (size_t i = 0; i < LEDGER_MEETING_PARTICIPANTS_MAX; i++) {
            char id[16];
            int n = snprintf(id, sizeof(id), "participant-%03zu", i);
            CHR_ASSERT(ledger_meeting_participant_add(tx, enc, cap, id, (size_t)n) == CHR_OK);
        }
        b->duration_min = 60;
        b->region_len = 7;
        memcpy(b->region, "eu-west", 7);
        return;
    }
    CHR_ASSERT(chr_hex_decode_exact(tx->body.settle.id, LEDGER_MEETING_ID_LEN,
                                    "a1a2a3a4a5a6a7a8a9aaabac", 24) == CHR_OK);
    for (size_t i = 0; i < LEDGER_SETTLE_CLAIMS_MAX; i++) {
        ledger_claim c;
        memset(&c, 0, sizeof(c));
        c.index = (uint8_t)i;
        c.minutes = 30;
        c.credit_minutes_max = 60;
        c.credit_not_before_ms = 1700000000000ull;
        c.credit_expiry_ms = 1700003600000ull;
        memset(c.credit_sig, (int)i, 64);
        c.has_receipt = i % 2 == 0;
        memset(c.receipt_sig, (int)(0xff - i), 64);
        CHR_ASSERT(ledger_settle_claim_add(tx, enc, cap, &c) == CHR_OK);
    }
}

/* Proves the large vectors: a meeting-create of 128 people and a settle of 128 claims encode,
 * sign (BIP-340, aux zero) and hash to the published length, id and signature, and decode
 * back to the same bytes. */
static void test_large_vectors(void)
{
    static const size_t want_len[] = {V_LARGE_CREATE_LEN, V_LARGE_SETTLE_LEN};
    static const char *const want_id[] = {V_LARGE_CREATE_ID, V_LARGE_SETTLE_ID};
    static const char *const want_sig[] = {V_LARGE_CREATE_SIG, V_LARGE_SETTLE_SIG};
    uint8_t sk[32], pub[32], zero[32] = {0};
    memset(sk, 0x11, 32);
    ledger_signer *s;
    CHECK_OK(ledger_signer_new(&s, zero));
    CHECK_OK(ledger_signer_pubkey(s, pub, sk));
    int all = 1;
    for (size_t k = 0; k < 2; k++) {
        static ledger_tx tx, back;
        static uint8_t enc[LEDGER_SETTLE_CLAIMS_BYTES_MAX], buf[LEDGER_TX_BYTES_MAX],
            again[LEDGER_TX_BYTES_MAX];
        uint8_t msg[32], hash[32];
        char id[65], sig[129];
        size_t len, len2;
        large_tx(&tx, k, pub, enc, sizeof(enc));
        ledger_tx_sighash(&tx, msg);
        CHECK_OK(ledger_signer_sign(s, tx.sig, msg, sk, zero));
        CHECK_OK(ledger_tx_encode(&tx, buf, sizeof(buf), &len));
        ledger_tx_hash(&tx, hash);
        hex_of(id, sizeof(id), hash, 32);
        hex_of(sig, sizeof(sig), tx.sig, 64);
        if (len != want_len[k] || strcmp(id, want_id[k]) != 0 || strcmp(sig, want_sig[k]) != 0) {
            fprintf(stderr, "LARGE %zu: len %zu id %s sig %s\n", k, len, id, sig);
            all = 0;
        }
        CHECK(len > LEDGER_TX_BYTES_BASE_MAX && len <= ledger_tx_bytes_max(tx.type));
        CHECK_OK(ledger_tx_decode(&back, buf, len));
        CHECK_OK(ledger_tx_verify(&back));
        CHECK_OK(ledger_tx_encode(&back, again, sizeof(again), &len2));
        CHECK(len2 == len && memcmp(again, buf, len) == 0);
    }
    ledger_signer_free(s);
    CHECK(all);
}

static const chr_test tests[] = {
    {"large_vectors", test_large_vectors},
    {"media_meeting_vectors", test_media_meeting_vectors},
    {"settle_vectors", test_settle_vectors},
    {"transfer_vector", test_transfer_vector},
    {"vote_vector", test_vote_vector},
    {"state_root_vector", test_state_root_vector},
    {"state_proof_vector", test_state_proof_vector},
    {"state_key_vector", test_state_key_vector},
    {"object_leaf_vector", test_object_leaf_vector},
};

CHR_TESTS_MAIN("protocol", tests)
