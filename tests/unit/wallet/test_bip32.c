#include <secp256k1.h>
#include <sodium.h>

#include "common/hash.h"
#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"
#include "wallet/bip32.h"
#include "wallet/bip39.h"
#include "wallet/keystore.h"

/* An extended key as BIP-32 serialises it (section "Serialization format"). */
typedef struct ext_key {
    uint32_t version;
    uint8_t depth;
    uint32_t child_number;
    uint8_t chain_code[32];
    uint8_t key[33];
} ext_key;

/* Base58Check-decodes an xprv/xpub string (82 bytes: 78 and a 4-byte checksum, which is
 * checked, so a mistyped vector fails here rather than passing by accident). */
static int ext_key_parse(ext_key *out, const char *s)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t b[82];
    memset(b, 0, sizeof(b));
    for (const char *p = s; *p != '\0'; p++) {
        const char *at = strchr(alphabet, *p);
        if (at == NULL) {
            return 0;
        }
        unsigned carry = (unsigned)(at - alphabet);
        for (size_t j = sizeof(b); j-- > 0;) {
            carry += 58u * b[j];
            b[j] = (uint8_t)carry;
            carry >>= 8;
        }
        if (carry != 0) {
            return 0;
        }
    }
    uint8_t h[32];
    chr_sha256_hash(h, b, 78);
    chr_sha256_hash(h, h, 32);
    if (memcmp(h, b + 78, 4) != 0) {
        return 0;
    }
    out->version = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    out->depth = b[4];
    out->child_number = (uint32_t)b[9] << 24 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 8 | b[12];
    memcpy(out->chain_code, b + 13, 32);
    memcpy(out->key, b + 45, 33);
    return 1;
}

typedef struct bip32_step {
    const char *path;
    const char *xpub;
    const char *xprv;
} bip32_step;

/* BIP-32, "Test Vectors" (bip-0032.mediawiki): seed, then each chain's ext pub and prv. */
static const bip32_step vector1[] = {
    {"m",
     "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhe"
     "PY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
     "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPP"
     "qjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"},
    {"m/0H",
     "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEj"
     "WgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
     "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvU"
     "xt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7"},
    {"m/0H/1",
     "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3"
     "UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ",
     "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLn"
     "vSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs"},
    {"m/0H/1/2H",
     "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VU"
     "NgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
     "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBD"
     "ptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM"},
    {"m/0H/1/2H/2",
     "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBq"
     "aGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
     "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb"
     "2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334"},
    {"m/0H/1/2H/2/1000000000",
     "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSV"
     "qNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy",
     "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8F"
     "Ha8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76"},
};

static const bip32_step vector2[] = {
    {"m",
     "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUa"
     "pSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
     "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtAL"
     "Gdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"},
    {"m/0",
     "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9Lgpe"
     "yGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH",
     "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQ"
     "RUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt"},
    {"m/0/2147483647H",
     "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEy"
     "BLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a",
     "xprv9wSp6B7kry3Vj9m1zSnLvN3xH8RdsPP1Mh7fAaR7aRLcQMKTR2vi"
     "dYEeEg2mUCTAwCd6vnxVrcjfy2kRgVsFawNzmjuHc2YmYRmagcEPdU9"},
    {"m/0/2147483647H/1",
     "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg"
     "5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon",
     "xprv9zFnWC6h2cLgpmSA46vutJzBcfJ8yaJGg8cX1e5StJh45BBciYTR"
     "XSd25UEPVuesF9yog62tGAQtHjXajPPdbRCHuWS6T8XA2ECKADdw4Ef"},
    {"m/0/2147483647H/1/2147483646H",
     "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhg"
     "bmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
     "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS"
     "3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc"},
    {"m/0/2147483647H/1/2147483646H/2",
     "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdS"
     "nLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt",
     "xprvA2nrNbFZABcdryreWet9Ea4LvTJcGsqrMzxHx98MMrotbir7yrKC"
     "EXw7nadnHM8Dq38EGfSh6dqA9QWTyefMLEcBYJUuekgW4BYPJcr9E7j"},
};

/* Vector 3 tests that leading zeros of a key are kept (bitpay/bitcore-lib#47). */
static const bip32_step vector3[] = {
    {"m",
     "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiY"
     "mhRoP7mBy6gSPSCYk6SzXPTf3ND1cZAceL7SfJ1Z3GC8vBgp2epUt13",
     "xprv9s21ZrQH143K25QhxbucbDDuQ4naNntJRi4KUfWT7xo4EKsHt2QJ"
     "Du7KXp1A3u7Bi1j8ph3EGsZ9Xvz9dGuVrtHHs7pXeTzjuxBrCmmhgC6"},
    {"m/0H",
     "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQ"
     "rADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y",
     "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBA"
     "JMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L"},
};

/* Checks every step of a vector: the node reached by wallet_bip32_child along the parsed
 * path (depth, child number, chain code, key) against the ext prv, its compressed public
 * key against the ext pub, and wallet_bip32_derive against the same key. */
static int bip32_check_vector(const char *seed_hex, const bip32_step *steps, size_t n)
{
    uint8_t seed[64];
    size_t seed_len = strlen(seed_hex) / 2;
    chr_test_hex(seed, seed_len, seed_hex);
    for (size_t i = 0; i < n; i++) {
        uint32_t path[WALLET_BIP32_DEPTH_MAX];
        size_t path_len;
        ext_key prv;
        ext_key pub;
        wallet_bip32_node node;
        if (wallet_bip32_path_parse(path, WALLET_BIP32_DEPTH_MAX, &path_len, steps[i].path) !=
                CHR_OK ||
            !ext_key_parse(&prv, steps[i].xprv) || !ext_key_parse(&pub, steps[i].xpub) ||
            wallet_bip32_master(&node, seed, seed_len) != CHR_OK) {
            return 0;
        }
        for (size_t k = 0; k < path_len; k++) {
            if (wallet_bip32_child(&node, &node, path[k]) != CHR_OK) {
                return 0;
            }
        }
        uint8_t compressed[33];
        uint8_t sk[32];
        if (prv.version != 0x0488ADE4u || pub.version != 0x0488B21Eu || prv.depth != path_len ||
            node.depth != path_len || prv.child_number != node.child_number ||
            pub.child_number != node.child_number ||
            memcmp(prv.chain_code, node.chain_code, 32) != 0 ||
            memcmp(pub.chain_code, node.chain_code, 32) != 0 || prv.key[0] != 0 ||
            memcmp(prv.key + 1, node.sk, 32) != 0 ||
            wallet_bip32_pubkey(compressed, node.sk) != CHR_OK ||
            memcmp(compressed, pub.key, 33) != 0 ||
            wallet_bip32_derive(sk, seed, seed_len, path, path_len) != CHR_OK ||
            memcmp(sk, node.sk, 32) != 0) {
            printf("# vector step %s differs\n", steps[i].path);
            return 0;
        }
    }
    return 1;
}

/* Proves BIP-32 test vector 1 (seed 000102...0f): every chain's keys and chain codes. */
void test_bip32_vector1(void)
{
    CHECK(bip32_check_vector("000102030405060708090a0b0c0d0e0f", vector1,
                             sizeof(vector1) / sizeof(vector1[0])));
}

/* Proves BIP-32 test vector 2 (a 64-byte seed, indices up to 2^31 - 1 hardened). */
void test_bip32_vector2(void)
{
    CHECK(bip32_check_vector("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a2"
                             "9f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542",
                             vector2, sizeof(vector2) / sizeof(vector2[0])));
}

/* Proves BIP-32 test vector 3: a master key with a leading zero byte keeps it. */
void test_bip32_vector3(void)
{
    CHECK(bip32_check_vector("4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4ac"
                             "ba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be",
                             vector3, sizeof(vector3) / sizeof(vector3[0])));
}

/* Proves the accepted path forms: "m" alone, "'", "h" and "H" for hardened, "M", the
 * largest index, Chroom's default path, and exactly WALLET_BIP32_DEPTH_MAX levels. */
void test_bip32_path_parse_good(void)
{
    uint32_t p[WALLET_BIP32_DEPTH_MAX];
    size_t n = 99;
    CHECK_OK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX, &n, "m"));
    CHECK(n == 0);
    CHECK_OK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX, &n, WALLET_DERIVATION_PATH));
    CHECK(n == 5 && p[0] == (44u | WALLET_BIP32_HARDENED) &&
          p[1] == (7337u | WALLET_BIP32_HARDENED) && p[2] == WALLET_BIP32_HARDENED && p[3] == 0 &&
          p[4] == 0);
    CHECK_OK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX, &n, "M/0h/1H/2'/3"));
    CHECK(n == 4 && p[0] == WALLET_BIP32_HARDENED && p[1] == (1u | WALLET_BIP32_HARDENED) &&
          p[2] == (2u | WALLET_BIP32_HARDENED) && p[3] == 3);
    CHECK_OK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX, &n, "m/2147483647'/2147483647"));
    CHECK(n == 2 && p[0] == 0xffffffffu && p[1] == 0x7fffffffu);
    CHECK_OK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX, &n,
                                     "m/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16"));
    CHECK(n == 16 && p[15] == 16);
}

/* Proves malformed and out-of-range paths are CHR_ERR_ARG with the outputs zeroed. */
void test_bip32_path_parse_bad(void)
{
    static const char *const bad[] = {
        "",
        "/",
        "44'/0",
        "m/",
        "m//1",
        "m/01",
        "m/00",
        "m/-1",
        "m/+1",
        "m/ 1",
        "m/1 ",
        " m/1",
        "m/2147483648",
        "m/4294967296",
        "m/99999999999999999999",
        "m/1''",
        "m/1'h",
        "m/1x",
        "m/a",
        "m/1/",
        "n/1",
        "m1",
        "mm",
        "m/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17",
        "m/0x10",
        "m/1\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t p[WALLET_BIP32_DEPTH_MAX + 2];
        size_t n = 99;
        memset(p, 0xab, sizeof(p));
        CHECK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX + 2, &n, bad[i]) == CHR_ERR_ARG);
        CHECK(n == 0 && p[0] == 0 && p[WALLET_BIP32_DEPTH_MAX + 1] == 0);
    }
    uint32_t small[2];
    size_t n;
    CHECK(wallet_bip32_path_parse(small, 2, &n, "m/1/2/3") == CHR_ERR_ARG);
    CHECK_OK(wallet_bip32_path_parse(small, 2, &n, "m/1/2"));
}

/* Proves path_format writes what path_parse reads back, and refuses a short buffer. */
void test_bip32_path_format(void)
{
    uint32_t p[WALLET_BIP32_DEPTH_MAX];
    uint32_t q[WALLET_BIP32_DEPTH_MAX];
    size_t n;
    size_t m;
    char text[WALLET_BIP32_PATH_CHARS_MAX + 1];
    CHECK_OK(wallet_bip32_path_parse(p, WALLET_BIP32_DEPTH_MAX, &n, "m/44h/7337H/0'/0/0"));
    CHECK_OK(wallet_bip32_path_format(text, sizeof(text), p, n));
    CHECK(strcmp(text, WALLET_DERIVATION_PATH) == 0);
    for (size_t i = 0; i < WALLET_BIP32_DEPTH_MAX; i++) {
        p[i] = 0xffffffffu;
    }
    CHECK_OK(wallet_bip32_path_format(text, sizeof(text), p, WALLET_BIP32_DEPTH_MAX));
    CHECK(strlen(text) == WALLET_BIP32_PATH_CHARS_MAX);
    CHECK_OK(wallet_bip32_path_parse(q, WALLET_BIP32_DEPTH_MAX, &m, text));
    CHECK(m == WALLET_BIP32_DEPTH_MAX && memcmp(p, q, sizeof(p)) == 0);
    CHECK(wallet_bip32_path_format(text, WALLET_BIP32_PATH_CHARS_MAX, p, WALLET_BIP32_DEPTH_MAX) ==
          CHR_ERR_TOO_LONG);
    CHECK(text[0] == '\0');
    CHECK_OK(wallet_bip32_path_format(text, 2, p, 0));
    CHECK(strcmp(text, "m") == 0);
    CHECK(wallet_bip32_path_format(text, 1, p, 0) == CHR_ERR_TOO_LONG);
    CHECK(wallet_bip32_path_format(text, sizeof(text), p, WALLET_BIP32_DEPTH_MAX + 1) ==
          CHR_ERR_ARG);
}

/* Proves the limits: seeds of 16..64 bytes only, no child below WALLET_BIP32_DEPTH_MAX,
 * no path longer than it, outputs zeroed on failure. */
void test_bip32_limits(void)
{
    uint8_t seed[65];
    memset(seed, 7, sizeof(seed));
    wallet_bip32_node node;
    CHECK(wallet_bip32_master(&node, seed, 15) == CHR_ERR_ARG);
    CHECK(wallet_bip32_master(&node, seed, 65) == CHR_ERR_ARG);
    CHECK_OK(wallet_bip32_master(&node, seed, 16));
    CHECK_OK(wallet_bip32_master(&node, seed, 64));
    for (uint32_t i = 0; i < WALLET_BIP32_DEPTH_MAX; i++) {
        CHECK_OK(wallet_bip32_child(&node, &node, i));
    }
    CHECK(node.depth == WALLET_BIP32_DEPTH_MAX);
    CHECK(wallet_bip32_child(&node, &node, 0) == CHR_ERR_ARG);
    static const uint8_t zero[sizeof(node)];
    CHECK(memcmp(&node, zero, sizeof(node)) == 0);
    uint32_t path[WALLET_BIP32_DEPTH_MAX + 1] = {0};
    uint8_t sk[32];
    memset(sk, 1, sizeof(sk));
    CHECK(wallet_bip32_derive(sk, seed, 64, path, WALLET_BIP32_DEPTH_MAX + 1) == CHR_ERR_ARG);
    CHECK(sodium_is_zero(sk, 32));
    CHECK_OK(wallet_bip32_derive(sk, seed, 64, path, WALLET_BIP32_DEPTH_MAX));
    uint8_t pub[33];
    static const uint8_t zero_sk[32];
    CHECK(wallet_bip32_pubkey(pub, zero_sk) == CHR_ERR_ARG);
    CHECK(sodium_is_zero(pub, 33));
}

/* Proves Chroom's default key: the BIP-39 mnemonic "abandon x 11, about" with no BIP-39
 * passphrase, on m/44'/7337'/0'/0/0, gives this secret and x-only key (computed also by an
 * independent Python implementation of BIP-32; docs/WALLET.md lists the vector), and the
 * x-only key is the BIP-340 key of the secret. */
void test_bip32_chroom_default_path(void)
{
    const char *m = "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                    "abandon abandon about";
    uint8_t seed[WALLET_BIP39_SEED_LEN];
    wallet_bip39_seed(seed, m, "");
    uint32_t path[WALLET_BIP32_DEPTH_MAX];
    size_t n;
    CHECK_OK(wallet_bip32_path_parse(path, WALLET_BIP32_DEPTH_MAX, &n, WALLET_DERIVATION_PATH));
    uint8_t sk[32];
    uint8_t want[32];
    CHECK_OK(wallet_bip32_derive(sk, seed, sizeof(seed), path, n));
    chr_test_hex(want, 32, "7610c987f8a2f7c335f86923c24e48379abe42ee280d8725fa1548276236c821");
    CHECK(memcmp(sk, want, 32) == 0);
    uint8_t xonly[32];
    uint8_t compressed[33];
    CHECK_OK(wallet_key_pubkey(xonly, sk));
    CHECK_OK(wallet_bip32_pubkey(compressed, sk));
    chr_test_hex(want, 32, "195e49e90f3237bf1cd694445694e6ee6c7c92f88824d25d46b6a03ed7218dc1");
    CHECK(memcmp(xonly, want, 32) == 0 && memcmp(compressed + 1, want, 32) == 0);
}

/* Proves wallet_bip32_mnemonic_key, the wallet's one way from words to a key: with the
 * empty (or NULL) BIP-39 passphrase it gives, bit for bit, the key of the seed with no
 * passphrase on Chroom's path (today's keys, Chroom's vector above); with "TREZOR" the
 * key an independent Python implementation (hashlib PBKDF2, BIP-32, tests/functional/
 * bip340.py's curve) gives, listed in docs/WALLET.md; a passphrase that is not ASCII or is
 * over WALLET_BIP39_PASSPHRASE_MAX bytes is CHR_ERR_ARG with sk zeroed. */
void test_bip32_mnemonic_key(void)
{
    const char *m = "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                    "abandon abandon about";
    uint8_t sk[32];
    uint8_t sk_null[32];
    uint8_t want[32];
    CHECK_OK(wallet_bip32_mnemonic_key(sk, m, ""));
    CHECK_OK(wallet_bip32_mnemonic_key(sk_null, m, NULL));
    chr_test_hex(want, 32, "7610c987f8a2f7c335f86923c24e48379abe42ee280d8725fa1548276236c821");
    CHECK(memcmp(sk, want, 32) == 0 && memcmp(sk_null, want, 32) == 0);
    /* Against the seed-then-derive steps themselves, for a mnemonic of every length. */
    static const uint8_t lens[] = {16, 20, 24, 28, 32};
    uint32_t path[WALLET_BIP32_DEPTH_MAX];
    size_t n;
    CHECK_OK(wallet_bip32_path_parse(path, WALLET_BIP32_DEPTH_MAX, &n, WALLET_DERIVATION_PATH));
    for (size_t i = 0; i < sizeof(lens); i++) {
        uint8_t entropy[32];
        char words[WALLET_MNEMONIC_CHARS_MAX];
        uint8_t seed[WALLET_BIP39_SEED_LEN];
        memset(entropy, (int)(0x11 * (i + 1)), sizeof(entropy));
        CHECK_OK(wallet_bip39_encode(words, sizeof(words), entropy, lens[i]));
        wallet_bip39_seed(seed, words, "");
        CHECK_OK(wallet_bip32_derive(want, seed, sizeof(seed), path, n));
        CHECK_OK(wallet_bip32_mnemonic_key(sk, words, ""));
        CHECK(memcmp(sk, want, 32) == 0);
    }
    CHECK_OK(wallet_bip32_mnemonic_key(sk, m, "TREZOR"));
    chr_test_hex(want, 32, "8311ed26d7aa100c2cb82e1ef2a6bb6c77e367679848f1eed8d63b485398d011");
    CHECK(memcmp(sk, want, 32) == 0);
    uint8_t xonly[32];
    CHECK_OK(wallet_key_pubkey(xonly, sk));
    chr_test_hex(want, 32, "25d36e434d80ae790dd84a46535bbbe6e67cb8affb2eb75f54a7c4932c881e27");
    CHECK(memcmp(xonly, want, 32) == 0);
    CHECK(wallet_bip32_mnemonic_key(sk, m, "caf\xc3\xa9") == CHR_ERR_ARG);
    CHECK(sodium_is_zero(sk, 32));
    static char long_pass[WALLET_BIP39_PASSPHRASE_MAX + 2];
    memset(long_pass, 'a', WALLET_BIP39_PASSPHRASE_MAX + 1);
    CHECK_OK(wallet_bip32_mnemonic_key(sk, m, long_pass + 1));
    CHECK(wallet_bip32_mnemonic_key(sk, m, long_pass) == CHR_ERR_ARG);
    CHECK(sodium_is_zero(sk, 32));
}
