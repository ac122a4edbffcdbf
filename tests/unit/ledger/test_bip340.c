#include <stdio.h>
#include <stdlib.h>

#include "ledger/sig.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

/* The official BIP-340 test vectors, bip-0340/test-vectors.csv of github.com/bitcoin/bips
 * (rows 15 to 18, with messages that are not 32 bytes long, were added in 2022-12), kept
 * exactly as published: index, secret key, public key, aux_rand, message, signature,
 * verification result, comment. */
static const char *const bip340_csv[] = {
    "0,"
    "0000000000000000000000000000000000000000000000000000000000000003,"
    "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9,"
    "0000000000000000000000000000000000000000000000000000000000000000,"
    "0000000000000000000000000000000000000000000000000000000000000000,"
    "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215"
    "25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0,"
    "TRUE,",
    "1,"
    "B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF,"
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    "0000000000000000000000000000000000000000000000000000000000000001,"
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341"
    "8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A,"
    "TRUE,",
    "2,"
    "C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9,"
    "DD308AFEC5777E13121FA72B9CC1B7CC0139715309B086C960E18FD969774EB8,"
    "C87AA53824B4D7AE2EB035A2B5BBBCCC080E76CDC6D1692C4B0B62D798E6D906,"
    "7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C,"
    "5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1B"
    "AB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7,"
    "TRUE,",
    "3,"
    "0B432B2677937381AEF05BB02A66ECD012773062CF3FA2549E44F58ED2401710,"
    "25D1DFF95105F5253C4022F628A996AD3A0D95FBF21D468A1B33F8C160D8F517,"
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF,"
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF,"
    "7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC"
    "97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3,"
    "TRUE,"
    "test fails if msg is reduced modulo p or n",
    "4,"
    ","
    "D69C3509BB99E412E68B0FE8544E72837DFA30746D8BE2AA65975F29D22DC7B9,"
    ","
    "4DF3C3F68FCC83B27E9D42C90431A72499F17875C81A599B566C9889B9696703,"
    "00000000000000000000003B78CE563F89A0ED9414F5AA28AD0D96D6795F9C63"
    "76AFB1548AF603B3EB45C9F8207DEE1060CB71C04E80F593060B07D28308D7F4,"
    "TRUE,",
    "5,"
    ","
    "EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
    "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B,"
    "FALSE,"
    "public key not on the curve",
    "6,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "FFF97BD5755EEEA420453A14355235D382F6472F8568A18B2F057A1460297556"
    "3CC27944640AC607CD107AE10923D9EF7A73C643E166BE5EBEAFA34B1AC553E2,"
    "FALSE,"
    "has_even_y(R) is false",
    "7,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "1FA62E331EDBC21C394792D2AB1100A7B432B013DF3F6FF4F99FCB33E0E1515F"
    "28890B3EDB6E7189B630448B515CE4F8622A954CFE545735AAEA5134FCCDB2BD,"
    "FALSE,"
    "negated message",
    "8,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
    "961764B3AA9B2FFCB6EF947B6887A226E8D7C93E00C5ED0C1834FF0D0C2E6DA6,"
    "FALSE,"
    "negated s value",
    "9,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "123DDA8328AF9C23A94C1FEECFD123BA4FB73476F0D594DCB65C6425BD186051,"
    "FALSE,"
    "sG - eP is infinite. Test fails in single verification if has_ev"
    "en_y(inf) is defined as true and x(inf) as 0",
    "10,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "7615FBAF5AE28864013C099742DEADB4DBA87F11AC6754F93780D5A1837CF197,"
    "FALSE,"
    "sG - eP is infinite. Test fails in single verification if has_ev"
    "en_y(inf) is defined as true and x(inf) as 1",
    "11,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "4A298DACAE57395A15D0795DDBFD1DCB564DA82B0F269BC70A74F8220429BA1D"
    "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B,"
    "FALSE,"
    "sig[0:32] is not an X coordinate on the curve",
    "12,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"
    "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B,"
    "FALSE,"
    "sig[0:32] is equal to field size",
    "13,"
    ","
    "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,"
    "FALSE,"
    "sig[32:64] is equal to curve order",
    "14,"
    ","
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30,"
    ","
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89,"
    "6CFF5C3BA86C69EA4B7376F31A9BCB4F74C1976089B2D9963DA2E5543E177769"
    "69E89B4C5564D00349106B8497785DD7D1D713A8AE82B32FA79D5F7FC407D39B,"
    "FALSE,"
    "public key is not a valid X coordinate because it exceeds the fi"
    "eld size",
    "15,"
    "0340034003400340034003400340034003400340034003400340034003400340,"
    "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117,"
    "0000000000000000000000000000000000000000000000000000000000000000,"
    ","
    "71535DB165ECD9FBBC046E5FFAEA61186BB6AD436732FCCC25291A55895464CF"
    "6069CE26BF03466228F19A3A62DB8A649F2D560FAC652827D1AF0574E427AB63,"
    "TRUE,"
    "message of size 0 (added 2022-12)",
    "16,"
    "0340034003400340034003400340034003400340034003400340034003400340,"
    "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117,"
    "0000000000000000000000000000000000000000000000000000000000000000,"
    "11,"
    "08A20A0AFEF64124649232E0693C583AB1B9934AE63B4C3511F3AE1134C6A303"
    "EA3173BFEA6683BD101FA5AA5DBC1996FE7CACFC5A577D33EC14564CEC2BACBF,"
    "TRUE,"
    "message of size 1 (added 2022-12)",
    "17,"
    "0340034003400340034003400340034003400340034003400340034003400340,"
    "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117,"
    "0000000000000000000000000000000000000000000000000000000000000000,"
    "0102030405060708090A0B0C0D0E0F1011,"
    "5130F39A4059B43BC7CAC09A19ECE52B5D8699D1A71E3C52DA9AFDB6B50AC370"
    "C4A482B77BF960F8681540E25B6771ECE1E5A37FD80E5A51897C5566A97EA5A5,"
    "TRUE,"
    "message of size 17 (added 2022-12)",
    "18,"
    "0340034003400340034003400340034003400340034003400340034003400340,"
    "778CAA53B4393AC467774D09497A87224BF9FAB6F6E68B23086497324D6FD117,"
    "0000000000000000000000000000000000000000000000000000000000000000,"
    "9999999999999999999999999999999999999999999999999999999999999999"
    "9999999999999999999999999999999999999999999999999999999999999999"
    "9999999999999999999999999999999999999999999999999999999999999999"
    "99999999,"
    "403B12B0D8555A344175EA7EC746566303321E5DBFA8BE6F091635163ECA79A8"
    "585ED3E3170807E7C03B720FC54C7B23897FCBA0E9D0B4A06894CFD249F22367,"
    "TRUE,"
    "message of size 100 (added 2022-12)",
};

#define BIP340_ROWS (sizeof(bip340_csv) / sizeof(bip340_csv[0]))
#define BIP340_FIELDS 8
#define BIP340_FIELD_MAX 256

/* One CSV row split into its fields (none of the published fields holds a comma). */
typedef struct bip340_row {
    char f[BIP340_FIELDS][BIP340_FIELD_MAX];
} bip340_row;

static int bip340_split(bip340_row *row, const char *line)
{
    memset(row, 0, sizeof(*row));
    for (size_t i = 0; i < BIP340_FIELDS; i++) {
        const char *end = strchr(line, ',');
        size_t n = end != NULL && i + 1 < BIP340_FIELDS ? (size_t)(end - line) : strlen(line);
        if (n >= BIP340_FIELD_MAX || (end == NULL && i + 1 < BIP340_FIELDS)) {
            return 0;
        }
        memcpy(row->f[i], line, n);
        line += n + (i + 1 < BIP340_FIELDS ? 1 : 0);
    }
    return 1;
}

void test_bip340_vectors(void)
{
    /* Every official BIP-340 row: a given secret key gives the public key; with a 32-byte
     * message it signs to exactly the given signature (with the given aux_rand), and
     * ledger_sig_verify gives the expected result, CHR_ERR_PUBKEY for keys off the curve.
     * Rows with other message lengths (which our 32-byte API cannot take) are counted. */
    CHECK(BIP340_ROWS == 19);
    ledger_signer *signer = ltest_signer();
    size_t verified = 0;
    size_t signed_rows = 0;
    size_t keyed = 0;
    size_t skipped = 0;
    for (size_t r = 0; r < BIP340_ROWS; r++) {
        bip340_row row;
        CHECK(bip340_split(&row, bip340_csv[r]));
        CHECK((size_t)atoi(row.f[0]) == r);
        const char *msg_hex = row.f[4];
        size_t msg_len = strlen(msg_hex) / 2;
        uint8_t pk[32];
        uint8_t sig[64];
        uint8_t msg[BIP340_FIELD_MAX / 2];
        chr_test_hex(pk, 32, row.f[2]);
        chr_test_hex(sig, 64, row.f[5]);
        chr_test_hex(msg, msg_len, msg_hex);
        int expect = strcmp(row.f[6], "TRUE") == 0;
        CHECK(expect || strcmp(row.f[6], "FALSE") == 0);
        if (row.f[1][0] != '\0') {
            uint8_t sk[32];
            uint8_t got[32];
            chr_test_hex(sk, 32, row.f[1]);
            CHECK_OK(ledger_signer_pubkey(signer, got, sk));
            CHECK(memcmp(got, pk, 32) == 0);
            keyed++;
            if (msg_len == 32) {
                uint8_t aux[32];
                uint8_t out[64];
                chr_test_hex(aux, 32, row.f[3]);
                CHECK_OK(ledger_signer_sign(signer, out, msg, sk, aux));
                CHECK(memcmp(out, sig, 64) == 0);
                signed_rows++;
            }
        }
        if (msg_len != 32) {
            skipped++;
            continue;
        }
        chr_err err = ledger_sig_verify(sig, msg, pk);
        if (expect) {
            CHECK(err == CHR_OK);
        } else if (!ledger_pubkey_valid(pk)) {
            CHECK(err == CHR_ERR_PUBKEY);
        } else {
            CHECK(err == CHR_ERR_SIGNATURE);
        }
        verified++;
    }
    printf("# bip340: %zu rows verified, %zu signed, %zu keys derived, %zu skipped "
           "(messages not 32 bytes)\n",
           verified, signed_rows, keyed, skipped);
    CHECK(verified == 15 && signed_rows == 4 && keyed == 8 && skipped == 4);
    /* Rows 5 and 14 are the keys off the curve. */
    uint8_t pk5[32];
    uint8_t pk14[32];
    chr_test_hex(pk5, 32, "EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34");
    chr_test_hex(pk14, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30");
    CHECK(!ledger_pubkey_valid(pk5) && !ledger_pubkey_valid(pk14));
}

void test_bip340_bad_secret_keys(void)
{
    /* Zero, the curve order n and values above it are not secret keys: CHR_ERR_ARG, with
     * the outputs zeroed; n - 1 is the largest valid one. */
    static const char *const bad[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364142",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    };
    ledger_signer *signer = ltest_signer();
    uint8_t msg[32] = {1};
    uint8_t aux[32] = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t sk[32];
        uint8_t pk[32];
        uint8_t sig[64];
        uint8_t zero[64] = {0};
        chr_test_hex(sk, 32, bad[i]);
        memset(pk, 0xee, sizeof(pk));
        memset(sig, 0xee, sizeof(sig));
        CHECK(ledger_signer_pubkey(signer, pk, sk) == CHR_ERR_ARG);
        CHECK(ledger_signer_sign(signer, sig, msg, sk, aux) == CHR_ERR_ARG);
        CHECK(memcmp(pk, zero, 32) == 0 && memcmp(sig, zero, 64) == 0);
    }
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t sig[64];
    chr_test_hex(sk, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
    CHECK_OK(ledger_signer_pubkey(signer, pk, sk));
    CHECK_OK(ledger_signer_sign(signer, sig, msg, sk, aux));
    CHECK_OK(ledger_sig_verify(sig, msg, pk));
}

void test_bip340_random_sign_verify(void)
{
    /* Random keys, messages and aux_rand: signatures verify, differ with aux_rand, and
     * fail for another message or key. */
    uint64_t rng = chr_test_seed() ^ 0x626970333430ULL;
    ledger_signer *signer = ltest_signer();
    for (int round = 0; round < 64; round++) {
        uint8_t sk[32];
        uint8_t pk[32];
        uint8_t other[32];
        uint8_t msg[32];
        uint8_t aux1[32];
        uint8_t aux2[32];
        for (size_t i = 0; i < 32; i++) {
            sk[i] = (uint8_t)(chr_test_rand(&rng) >> 56);
            msg[i] = (uint8_t)(chr_test_rand(&rng) >> 56);
            aux1[i] = (uint8_t)(chr_test_rand(&rng) >> 56);
            aux2[i] = (uint8_t)(chr_test_rand(&rng) >> 56);
        }
        sk[0] &= 0x7f; /* below the curve order */
        sk[31] |= 1;   /* not zero */
        aux2[0] = (uint8_t)(aux1[0] ^ 1);
        CHECK_OK(ledger_signer_pubkey(signer, pk, sk));
        CHECK(ledger_pubkey_valid(pk));
        uint8_t s1[64];
        uint8_t s2[64];
        CHECK_OK(ledger_signer_sign(signer, s1, msg, sk, aux1));
        CHECK_OK(ledger_signer_sign(signer, s2, msg, sk, aux2));
        CHECK(memcmp(s1, s2, 64) != 0);
        CHECK_OK(ledger_sig_verify(s1, msg, pk));
        CHECK_OK(ledger_sig_verify(s2, msg, pk));
        msg[round % 32] ^= 0x01;
        CHECK(ledger_sig_verify(s1, msg, pk) == CHR_ERR_SIGNATURE);
        msg[round % 32] ^= 0x01;
        sk[31] ^= 2;
        CHECK_OK(ledger_signer_pubkey(signer, other, sk));
        CHECK(ledger_sig_verify(s1, msg, other) == CHR_ERR_SIGNATURE);
    }
}
