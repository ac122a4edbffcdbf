#include <sodium.h>
#include <stdio.h>

#include "common/hash.h"
#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"
#include "wallet/bip32.h"
#include "wallet/bip39.h"

typedef struct bip39_vector {
    const char *entropy;
    const char *mnemonic;
    const char *seed;
    const char *xprv;
} bip39_vector;

/* The English vectors of Trezor's reference implementation (python-mnemonic, vectors.json),
 * BIP-39's official test vectors: entropy, mnemonic, seed with the passphrase "TREZOR", and
 * the BIP-32 master key of that seed. */
static const bip39_vector trezor[] = {
    {"00000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon about",
     "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d182"
     "64c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
     "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYH"
     "rEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank yellow",
     "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559"
     "a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
     "xprv9s21ZrQH143K2gA81bYFHqU68xz1cX2APaSq5tt6MFSLeXnCKV1RVUJt9FWNTbrrryem4ZckN8k4"
     "Ls1H6nwdvDTvnV7zEXs2HgPezuVccsq"},
    {"80808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
     "d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed"
     "2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8",
     "xprv9s21ZrQH143K2shfP28KM3nr5Ap1SXjz8gc2rAqqMEynmjt6o1qboCDpxckqXavCwdnYds6yBHZG"
     "KHv7ef2eTXy461PXUjBFQg6PrwY4Gzq"},
    {"ffffffffffffffffffffffffffffffff", "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
     "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a"
     "589620c6f15b11c61dee327651a14c34e18231052e48c069",
     "xprv9s21ZrQH143K2V4oox4M8Zmhi2Fjx5XK4Lf7GKRvPSgydU3mjZuKGCTg7UPiBUD7ydVPvSLtg9hj"
     "p7MQTYsW67rZHAXeccqYqrsx8LcXnyd"},
    {"000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon abandon abandon abandon abandon agent",
     "035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a56518159"
     "9b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa",
     "xprv9s21ZrQH143K3mEDrypcZ2usWqFgzKB6jBBx9B6GfC7fu26X6hPRzVjzkqkPvDqp6g5eypdk6cyh"
     "GnBngbjeHTe4LsuLG1cCmKJka5SMkmU"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave s"
     "ausage worth useful legal will",
     "f2b94508732bcbacbcc020faefecfc89feafa6649a5491b8c952cede496c214a0c7b3c392d168748"
     "f2d4a612bada0753b52a1c7ac53c1e93abd5c6320b9e95dd",
     "xprv9s21ZrQH143K3Lv9MZLj16np5GzLe7tDKQfVusBni7toqJGcnKRtHSxUwbKUyUWiwpK55g1DUSsw"
     "76TF1T93VT4gz4wt5RM23pkaQLnvBh7"},
    {"808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd"
     " amount doctor acoustic avoid letter always",
     "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841"
     "c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65",
     "xprv9s21ZrQH143K3VPCbxbUtpkh9pRG371UCLDz3BjceqP1jz7XZsQ5EnNkYAEkfeZp62cDNj13ZTEV"
     "G1TEro9sZ9grfRmcYWLBhCocViKEJae"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when",
     "0cd6e5d827bb62eb8fc1e262254223817fd068a74b5b449cc2f667c3f1f985a76379b43348d952e2"
     "265b4cd129090758b3e3c2c49103b5051aac2eaeb890a528",
     "xprv9s21ZrQH143K36Ao5jHRVhFGDbLP6FCx8BEEmpru77ef3bmA928BxsqvVM27WnvvyfWywiFN8K6y"
     "ToqMaGYfzS6Db1EHAXT5TuyCLBXUfdm"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "abandon abandon abandon art",
     "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245caf"
     "a9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
     "xprv9s21ZrQH143K32qBagUJAMU2LsHg3ka7jqMcV98Y7gVeVyNStwYS3U7yVVoDZ4btbRNf4h6ibWpY"
     "22iRmXq35qgLs79f312g2kj5539ebPM"},
    {"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave s"
     "ausage worth useful legal winner thank year wave sausage worth title",
     "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e"
     "451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87",
     "xprv9s21ZrQH143K3Y1sd2XVu9wtqxJRvybCfAetjUrMMco6r3v9qZTBeXiBZkS8JxWbcGJZyio8TrZt"
     "m6pkbzG8SYt1sxwNLh3Wx7to5pgiVFU"},
    {"8080808080808080808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd"
     " amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic b"
     "less",
     "c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09e2ef61af0aca0070"
     "96df430022f7a2b6fb91661a9589097069720d015e4e982f",
     "xprv9s21ZrQH143K3CSnQNYC3MqAAqHwxeTLhDbhF43A4ss4ciWNmCY9zQGvAKUSqVUf2vPHBTSE1rB2"
     "pg4avopqSiLVzXEU8KziNnVPauTqLRo"},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
     "zoo zoo zoo vote",
     "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407"
     "be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
     "xprv9s21ZrQH143K2WFF16X85T2QCpndrGwx6GueB72Zf3AHwHJaknRXNF37ZmDrtHrrLSHvbuRejXcn"
     "YxoZKvRquTPyp2JiNG3XcjQyzSEgqCB"},
    {"9e885d952ad362caeb4efe34a8e91bd2",
     "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
     "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd"
     "55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028",
     "xprv9s21ZrQH143K2oZ9stBYpoaZ2ktHj7jLz7iMqpgg1En8kKFTXJHsjxry1JbKH19YrDTicVwKPehF"
     "KTbmaxgVEc5TpHdS1aYhB2s9aFJBeJH"},
    {"6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "gravity machine north sort system female filter attitude volume fold club stay f"
     "eature office ecology stable narrow fog",
     "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414b"
     "c1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
     "xprv9s21ZrQH143K3uT8eQowUjsxrmsA9YUuQQK1RLqFufzybxD6DH6gPY7NjJ5G3EPHjsWDrs9iivSb"
     "mvjc9DQJbJGatfa9pv4MZ3wjr8qWPAK"},
    {"68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
     "hamster diagram private dutch cause delay private meat slide toddler razor book "
     "happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
     "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b"
     "38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440",
     "xprv9s21ZrQH143K2XTAhys3pMNcGn261Fi5Ta2Pw8PwaVPhg3D8DWkzWQwjTJfskj8ofb81i9NP2cUN"
     "KxwjueJHHMQAnxtivTA75uUFqPFeWzk"},
    {"c0ba5a8e914111210f2bd131f3d5e08d",
     "scheme spot photo card baby mountain device kick cradle pact join borrow",
     "ea725895aaae8d4c1cf682c1bfd2d358d52ed9f0f0591131b559e2724bb234fca05aa9c02c57407e"
     "04ee9dc3b454aa63fbff483a8b11de949624b9f1831a9612",
     "xprv9s21ZrQH143K3FperxDp8vFsFycKCRcJGAFmcV7umQmcnMZaLtZRt13QJDsoS5F6oYT6BB4sS6zm"
     "TmyQAEkJKxJ7yByDNtRe5asP2jFGhT6"},
    {"6d9be1ee6ebd27a258115aad99b7317b9c8d28b6d76431c3",
     "horn tenant knee talent sponsor spell gate clip pulse soap slush warm silver nep"
     "hew swap uncle crack brave",
     "fd579828af3da1d32544ce4db5c73d53fc8acc4ddb1e3b251a31179cdb71e853c56d2fcb11aed398"
     "98ce6c34b10b5382772db8796e52837b54468aeb312cfc3d",
     "xprv9s21ZrQH143K3R1SfVZZLtVbXEB9ryVxmVtVMsMwmEyEvgXN6Q84LKkLRmf4ST6QrLeBm3jQsb9g"
     "x1uo23TS7vo3vAkZGZz71uuLCcywUkt"},
    {"9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
     "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich "
     "alcohol speed nation flash devote level hobby quick inner drive ghost inside",
     "72be8e052fc4919d2adf28d5306b5474b0069df35b02303de8c1729c9538dbb6fc2d731d5f832193"
     "cd9fb6aeecbc469594a70e3dd50811b5067f3b88b28c3e8d",
     "xprv9s21ZrQH143K2WNnKmssvZYM96VAr47iHUQUTUyUXH3sAGNjhJANddnhw3i3y3pBbRAVk5M5qUGF"
     "r4rHbEWwXgX4qrvrceifCYQJbbFDems"},
    {"23db8160a31d3e0dca3688ed941adbf3",
     "cat swing flag economy stadium alone churn speed unique patch report train",
     "deb5f45449e615feff5640f2e49f933ff51895de3b4381832b3139941c57b59205a42480c52175b6"
     "efcffaa58a2503887c1e8b363a707256bdd2b587b46541f5",
     "xprv9s21ZrQH143K4G28omGMogEoYgDQuigBo8AFHAGDaJdqQ99QKMQ5J6fYTMfANTJy6xBmhvsNZ1CJ"
     "zRZ64PWbnTFUn6CDV2FxoMDLXdk95DQ"},
    {"8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
     "light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal a"
     "part sustain crack supply proud access",
     "4cbdff1ca2db800fd61cae72a57475fdc6bab03e441fd63f96dabd1f183ef5b782925f00105f3183"
     "09a7e9c3ea6967c7801e46c8a58082674c860a37b93eda02",
     "xprv9s21ZrQH143K3wtsvY8L2aZyxkiWULZH4vyQE5XkHTXkmx8gHo6RUEfH3Jyr6NwkJhvano7Xb2o6"
     "UqFKWHVo5scE31SGDCAUsgVhiUuUDyh"},
    {"066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
     "all hour make first leader extend hole alien behind guard gospel lava path outpu"
     "t census museum junior mass reopen famous sing advance salt reform",
     "26e975ec644423f4a4c4f4215ef09b4bd7ef924e85d1d17c4cf3f136c2863cf6df0a475045652c57"
     "eb5fb41513ca2a2d67722b77e954b4b3fc11f7590449191d",
     "xprv9s21ZrQH143K3rEfqSM4QZRVmiMuSWY9wugscmaCjYja3SbUD3KPEB1a7QXJoajyR2T1SiXU7rFV"
     "RXMV9XdYVSZe7JoUXdP4SRHTxsT1nzm"},
    {"f30f8c1da665478f49b001d94c5fc452",
     "vessel ladder alter error federal sibling chat ability sun glass valve picture",
     "2aaa9242daafcee6aa9d7269f17d4efe271e1b9a529178d7dc139cd18747090bf9d60295d0ce7430"
     "9a78852a9caadf0af48aae1c6253839624076224374bc63f",
     "xprv9s21ZrQH143K2QWV9Wn8Vvs6jbqfF1YbTCdURQW9dLFKDovpKaKrqS3SEWsXCu6ZNky9PSAENg6c"
     "9AQYHcg4PjopRGGKmdD313ZHszymnps"},
    {"c10ec20dc3cd9f652c7fac2f1230f7a3c828389a14392f05",
     "scissors invite lock maple supreme raw rapid void congress muscle digital elegan"
     "t little brisk hair mango congress clump",
     "7b4a10be9d98e6cba265566db7f136718e1398c71cb581e1b2f464cac1ceedf4f3e274dc270003c6"
     "70ad8d02c4558b2f8e39edea2775c9e232c7cb798b069e88",
     "xprv9s21ZrQH143K4aERa2bq7559eMCCEs2QmmqVjUuzfy5eAeDX4mqZffkYwpzGQRE2YEEeLVRoH4CS"
     "HxianrFaVnMN2RYaPUZJhJx8S5j6puX"},
    {"f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
     "void come effort suffer camp survey warrior heavy shoot primary clutch crush ope"
     "n amazing screen patrol group space point ten exist slush involve unfold",
     "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0e35524a518034ddc"
     "1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998",
     "xprv9s21ZrQH143K39rnQJknpH1WEPFJrzmAqqasiDcVrNuk926oizzJDDQkdiTvNPr2FYDYzWgiMiC6"
     "3YmfPAa2oPyNB23r2g7d1yiK6WpqaQS"},
};

#define TREZOR_LEN (sizeof(trezor) / sizeof(trezor[0]))

/* Proves the word list is BIP-39's english.txt: the SHA-256 of its words joined by "\n"
 * with a trailing "\n" is the published one; the words are sorted, unique, lowercase ASCII
 * of 3 to 8 letters and unambiguous in their first 4 letters, as BIP-39 promises. */
void test_bip39_wordlist_sha256(void)
{
    chr_sha256 ctx;
    chr_sha256_start(&ctx);
    for (size_t i = 0; i < WALLET_BIP39_WORDS; i++) {
        const char *w = wallet_bip39_english[i];
        size_t len = strlen(w);
        CHECK(len >= 3 && len <= WALLET_BIP39_WORD_CHARS_MAX);
        CHECK(strspn(w, "abcdefghijklmnopqrstuvwxyz") == len);
        CHECK(i == 0 || strcmp(wallet_bip39_english[i - 1], w) < 0);
        CHECK(i == 0 || strncmp(wallet_bip39_english[i - 1], w, 4) != 0);
        chr_sha256_update(&ctx, (const uint8_t *)w, len);
        chr_sha256_update(&ctx, (const uint8_t *)"\n", 1);
    }
    uint8_t got[32];
    uint8_t want[32];
    chr_sha256_final(&ctx, got);
    chr_test_hex(want, 32, "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
    CHECK(memcmp(got, want, 32) == 0);
}

/* Proves every Trezor vector: entropy encodes to the mnemonic, the mnemonic decodes to the
 * entropy and is already canonical, and its seed with "TREZOR" is the vector's. */
void test_bip39_trezor_vectors(void)
{
    for (size_t i = 0; i < TREZOR_LEN; i++) {
        uint8_t entropy[32];
        uint8_t back[32];
        size_t len = strlen(trezor[i].entropy) / 2;
        size_t back_len;
        char words[WALLET_MNEMONIC_CHARS_MAX];
        char norm[WALLET_MNEMONIC_CHARS_MAX];
        chr_test_hex(entropy, len, trezor[i].entropy);
        CHECK_OK(wallet_bip39_encode(words, sizeof(words), entropy, len));
        CHECK(strcmp(words, trezor[i].mnemonic) == 0);
        CHECK_OK(wallet_bip39_decode(back, sizeof(back), &back_len, trezor[i].mnemonic));
        CHECK(back_len == len && memcmp(back, entropy, len) == 0);
        CHECK_OK(wallet_bip39_normalize(norm, sizeof(norm), trezor[i].mnemonic));
        CHECK(strcmp(norm, trezor[i].mnemonic) == 0);
        uint8_t seed[WALLET_BIP39_SEED_LEN];
        uint8_t want[WALLET_BIP39_SEED_LEN];
        wallet_bip39_seed(seed, norm, "TREZOR");
        chr_test_hex(want, sizeof(want), trezor[i].seed);
        CHECK(memcmp(seed, want, sizeof(seed)) == 0);
    }
}

/* Proves the vectors' BIP-32 master keys: each seed's master node, serialised as BIP-32's
 * xprv (version, depth 0, fingerprint 0, child 0, chain code, 0x00 || key), Base58Check
 * encoded, is the vector's string. */
void test_bip39_trezor_master_keys(void)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    for (size_t i = 0; i < TREZOR_LEN; i++) {
        uint8_t seed[WALLET_BIP39_SEED_LEN];
        wallet_bip32_node node;
        chr_test_hex(seed, sizeof(seed), trezor[i].seed);
        CHECK_OK(wallet_bip32_master(&node, seed, sizeof(seed)));
        uint8_t raw[82] = {0x04, 0x88, 0xAD, 0xE4};
        memcpy(raw + 13, node.chain_code, 32);
        memcpy(raw + 46, node.sk, 32);
        uint8_t h[32];
        chr_sha256_hash(h, raw, 78);
        chr_sha256_hash(h, h, 32);
        memcpy(raw + 78, h, 4);
        /* Base58: repeated division of the big-endian number by 58. */
        char text[120];
        size_t n = 0;
        uint8_t num[82];
        memcpy(num, raw, sizeof(num));
        int nonzero = 1;
        while (nonzero) {
            unsigned rem = 0;
            nonzero = 0;
            for (size_t k = 0; k < sizeof(num); k++) {
                unsigned cur = rem * 256 + num[k];
                num[k] = (uint8_t)(cur / 58);
                rem = cur % 58;
                nonzero |= num[k] != 0;
            }
            text[n++] = alphabet[rem];
        }
        for (size_t k = 0; k < n / 2; k++) {
            char t = text[k];
            text[k] = text[n - 1 - k];
            text[n - 1 - k] = t;
        }
        text[n] = '\0';
        CHECK(strcmp(text, trezor[i].xprv) == 0);
    }
}

/* Proves decoding takes any mix of case and runs of ASCII whitespace, and that normalize
 * turns such text into the canonical form. */
void test_bip39_decode_lenient(void)
{
    const char *messy = "\t  LEGAL winner\n\nthank Year  wave sausage worth useful legal\r\n"
                        "winner\vthank\fYELLOW \n";
    uint8_t e[32];
    size_t len;
    CHECK_OK(wallet_bip39_decode(e, sizeof(e), &len, messy));
    CHECK(len == 16);
    for (size_t i = 0; i < 16; i++) {
        CHECK(e[i] == 0x7f);
    }
    char norm[WALLET_MNEMONIC_CHARS_MAX];
    CHECK_OK(wallet_bip39_normalize(norm, sizeof(norm), messy));
    CHECK(strcmp(norm, "legal winner thank year wave sausage worth useful legal winner "
                       "thank yellow") == 0);
}

static chr_err bip39_detail(wallet_bip39_detail *d, const char *m)
{
    uint8_t e[32];
    size_t len = 99;
    chr_err err = wallet_bip39_decode_detail(e, sizeof(e), &len, d, m);
    if (err != CHR_OK && (len != 0 || !sodium_is_zero(e, sizeof(e)))) {
        return CHR_ERR_ARG; /* outputs not zeroed: fails the caller's check */
    }
    return err;
}

/* Proves each kind of bad mnemonic is CHR_ERR_MNEMONIC with the right detail: wrong word
 * counts, an unknown word (its position and text), a bad checksum, non-ASCII text. */
void test_bip39_decode_rejects(void)
{
    wallet_bip39_detail d;
    static const char *const counts[] = {
        "",
        "   \n",
        "abandon",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon about",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
        "zoo zoo vote zoo zoo zoo",
    };
    static const size_t count_of[] = {0, 0, 1, 11, 13, 27};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        CHECK(bip39_detail(&d, counts[i]) == CHR_ERR_MNEMONIC);
        CHECK(d.problem == WALLET_BIP39_WORD_COUNT && d.word_count == count_of[i]);
    }
    CHECK(bip39_detail(&d, "legal winner thank year wave sausage worth usefull legal winner "
                           "thank yellow") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_UNKNOWN_WORD && d.word_index == 8);
    CHECK(strcmp(d.word, "usefull") == 0);
    CHECK(bip39_detail(&d, "LEGAL winner thank year wave sausage worth useful legal winner "
                           "thank Yellowish") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_UNKNOWN_WORD && d.word_index == 12);
    CHECK(strcmp(d.word, "yellowish") == 0);
    CHECK(bip39_detail(&d, "aban abandon abandon abandon abandon abandon abandon abandon "
                           "abandon abandon abandon about") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_UNKNOWN_WORD && d.word_index == 1);
    CHECK(bip39_detail(&d, "abandon abandon abandon1 abandon abandon abandon abandon abandon "
                           "abandon abandon abandon about") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_UNKNOWN_WORD && d.word_index == 3);
    CHECK(bip39_detail(&d, "abandon abandon abandon abandon abandon abandon abandon abandon "
                           "abandon abandon abandon abandonnnnnnnnnnnn") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_UNKNOWN_WORD && d.word_index == 12);
    CHECK(strcmp(d.word, "abandonnn") == 0);
    /* The last word carries the checksum: "abandon" x 12 has the wrong one. */
    CHECK(bip39_detail(&d, "abandon abandon abandon abandon abandon abandon abandon abandon "
                           "abandon abandon abandon abandon") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_CHECKSUM);
    /* Two words swapped. */
    CHECK(bip39_detail(&d, "winner legal thank year wave sausage worth useful legal winner "
                           "thank yellow") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_CHECKSUM);
    CHECK(bip39_detail(&d, "abandon abandon abandon abandon abandon abandon abandon abandon "
                           "abandon abandon abandon ab\xc3\xa9out") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_BAD_TEXT && d.word_index == 12);
    CHECK(bip39_detail(&d, "abandon\x01 abandon") == CHR_ERR_MNEMONIC);
    CHECK(d.problem == WALLET_BIP39_BAD_TEXT && d.word_index == 1);
    CHECK(bip39_detail(&d, trezor[0].mnemonic) == CHR_OK);
    CHECK(d.problem == WALLET_BIP39_VALID && d.word_count == 12);
}

/* Proves the size rules: entropy of other lengths is CHR_ERR_ARG, a short output buffer
 * CHR_ERR_TOO_LONG with the buffer zeroed, a short entropy buffer CHR_ERR_ARG, and the
 * longest mnemonic fits WALLET_MNEMONIC_CHARS_MAX. */
void test_bip39_sizes(void)
{
    uint8_t e[33];
    memset(e, 0xff, sizeof(e));
    char out[WALLET_MNEMONIC_CHARS_MAX];
    static const size_t bad[] = {0, 4, 12, 15, 17, 18, 30, 33};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(out, 'x', sizeof(out));
        CHECK(wallet_bip39_encode(out, sizeof(out), e, bad[i]) == CHR_ERR_ARG);
        CHECK(out[0] == '\0');
    }
    CHECK_OK(wallet_bip39_encode(out, sizeof(out), e, 32));
    size_t len = strlen(out);
    CHECK(wallet_bip39_encode(out, len, e, 32) == CHR_ERR_TOO_LONG);
    CHECK(sodium_is_zero((const uint8_t *)out, len));
    CHECK_OK(wallet_bip39_encode(out, len + 1, e, 32));
    CHECK(wallet_bip39_normalize(out, 10, trezor[0].mnemonic) == CHR_ERR_TOO_LONG);
    CHECK(sodium_is_zero((const uint8_t *)out, 10));
    size_t n;
    CHECK(wallet_bip39_decode(e, 31, &n, trezor[11].mnemonic) == CHR_ERR_ARG);
    CHECK(n == 0 && sodium_is_zero(e, 31));
    /* The longest words: 24 eight-letter words with 23 spaces fit with room to spare. */
    size_t longest = 0;
    for (size_t i = 0; i < WALLET_BIP39_WORDS; i++) {
        size_t l = strlen(wallet_bip39_english[i]);
        longest = l > longest ? l : longest;
    }
    CHECK(longest == WALLET_BIP39_WORD_CHARS_MAX);
}

/* Proves random entropy of every length survives encode, decode and normalize (seeded:
 * CHROOM_SEED replays). */
void test_bip39_random_round_trip(void)
{
    uint64_t state = chr_test_seed();
    for (int round = 0; round < 500; round++) {
        size_t len = 16 + 4 * (size_t)(chr_test_rand(&state) % 5);
        uint8_t e[32];
        for (size_t i = 0; i < len; i++) {
            e[i] = (uint8_t)chr_test_rand(&state);
        }
        char words[WALLET_MNEMONIC_CHARS_MAX];
        char norm[WALLET_MNEMONIC_CHARS_MAX];
        uint8_t back[32];
        size_t back_len;
        CHECK_OK(wallet_bip39_encode(words, sizeof(words), e, len));
        CHECK_OK(wallet_bip39_decode(back, sizeof(back), &back_len, words));
        CHECK(back_len == len && memcmp(back, e, len) == 0);
        CHECK_OK(wallet_bip39_normalize(norm, sizeof(norm), words));
        CHECK(strcmp(norm, words) == 0);
        /* Changing one word breaks the checksum or the entropy, never silently. */
        char *space = strchr(words, ' ');
        CHECK(space != NULL);
        memmove(words, space + 1, strlen(space + 1) + 1);
        CHECK(wallet_bip39_decode(back, sizeof(back), &back_len, words) == CHR_ERR_MNEMONIC);
    }
}

/* Proves the BIP-39 passphrase rule: ASCII up to WALLET_BIP39_PASSPHRASE_MAX bytes (NFKD
 * leaves it as it is), nothing else; and the seed without a passphrase is the well-known
 * one of "abandon ... about" (NULL is the empty passphrase). */
void test_bip39_passphrase_and_seed(void)
{
    CHECK_OK(wallet_bip39_passphrase_check(""));
    CHECK_OK(wallet_bip39_passphrase_check("TREZOR ~!@#$%^&*()_+ 0123456789"));
    CHECK(wallet_bip39_passphrase_check("caf\xc3\xa9") == CHR_ERR_ARG);
    CHECK(wallet_bip39_passphrase_check("\xff") == CHR_ERR_ARG);
    char long_pass[WALLET_BIP39_PASSPHRASE_MAX + 2];
    memset(long_pass, 'a', sizeof(long_pass));
    long_pass[WALLET_BIP39_PASSPHRASE_MAX] = '\0';
    CHECK_OK(wallet_bip39_passphrase_check(long_pass));
    long_pass[WALLET_BIP39_PASSPHRASE_MAX] = 'a';
    long_pass[WALLET_BIP39_PASSPHRASE_MAX + 1] = '\0';
    CHECK(wallet_bip39_passphrase_check(long_pass) == CHR_ERR_ARG);
    uint8_t seed[WALLET_BIP39_SEED_LEN];
    uint8_t seed_null[WALLET_BIP39_SEED_LEN];
    uint8_t want[WALLET_BIP39_SEED_LEN];
    wallet_bip39_seed(seed, trezor[0].mnemonic, "");
    wallet_bip39_seed(seed_null, trezor[0].mnemonic, NULL);
    chr_test_hex(want, sizeof(want),
                 "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"
                 "9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4");
    CHECK(memcmp(seed, want, sizeof(seed)) == 0);
    CHECK(memcmp(seed_null, want, sizeof(seed)) == 0);
}
