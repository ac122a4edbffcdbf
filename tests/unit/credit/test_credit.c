/* The credit verifier (credit/credit.h) against the vectors of docs/CREDITS.md, and one
 * test per answer it can give. */
#include <stdio.h>
#include <string.h>

#include "credit/credit.h"
#include "ledger/sig.h"
#include "tests/unit/test.h"

/* docs/CREDITS.md, "Vectors": secret keys 0x01..01 (payer), 0x02..02 (node), 0x03..03
 * (participant), signed with zero auxiliary randomness. */
#define V_PAYER "1b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f"
#define V_NODE "4d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766"
#define V_PART "531fe6068134503d2723133227c867ac8fa6c83c537e9a44c3c5bdbdcb1fe337"
#define V_HOST                                                                                     \
    "010f6368726f6f6d2d6465766e65742d31a1a2a3a4a5a6a7a8a9aaabac0105616c696365004d4b6cd1361032ca9b" \
    "d2aeb9d900aa4d45d9ead80ac9423374c451a7254d07660000003c0000018bcfe568000000018bd01c5680713a10" \
    "ad09a04e625a826ab0c9c7e1e8fb28d8913c3f02263362cd3170efb6fd229a01df0f6c8c18ec33c23de439f43c32" \
    "0d79c16b7a383e7841b29576a6985d"
#define V_PARTC                                                                                    \
    "010f6368726f6f6d2d6465766e65742d31a1a2a3a4a5a6a7a8a9aaabac020f636872317061727469636970616e74" \
    "01531fe6068134503d2723133227c867ac8fa6c83c537e9a44c3c5bdbdcb1fe3374d4b6cd1361032ca9bd2aeb9d9" \
    "00aa4d45d9ead80ac9423374c451a7254d07660000001e0000018bcfe568000000018bd01c56809ee693fe793813" \
    "a6fb8b6d267a4e14546adaa1dd3f94136c7547669db1bcfd4b767c084d165ab3d097b70af37b95193903b1f3bdc7" \
    "c2025b304d1a8f34e7a727"
#define V_RECEIPT_MSG                                                                              \
    "010f6368726f6f6d2d6465766e65742d31a1a2a3a4a5a6a7a8a9aaabac4d4b6cd1361032ca9bd2aeb9d900aa4d45" \
    "d9ead80ac9423374c451a7254d076600000019"
#define V_RECEIPT_SIG                                                                              \
    "53045109404f0435f66dfd1456c95915853ac29304958bd5dc2dd58aa5358c01ceb78dee776a54a88cb2956d8acc" \
    "70ae999da1c2ec462266b0c6d394ba2da6c6"

static const char chain[] = "chroom-devnet-1";
static const uint64_t t0 = 1700000000000ull; /* the vectors' not_before */
static uint8_t payer[32], node[32], part[32], mid[12];
static uint8_t host_c[CREDIT_BYTES_MAX], part_c[CREDIT_BYTES_MAX];
static size_t host_len, part_len;

static void setup(void)
{
    chr_test_hex(payer, 32, V_PAYER);
    chr_test_hex(node, 32, V_NODE);
    chr_test_hex(part, 32, V_PART);
    chr_test_hex(mid, 12, "a1a2a3a4a5a6a7a8a9aaabac");
    host_len = (sizeof(V_HOST) - 1) / 2;
    part_len = (sizeof(V_PARTC) - 1) / 2;
    chr_test_hex(host_c, host_len, V_HOST);
    chr_test_hex(part_c, part_len, V_PARTC);
}

static credit_result verify_at(const uint8_t *c, size_t len, uint64_t now)
{
    return credit_verify(NULL, c, len, payer, node, chain, sizeof(chain) - 1, mid, now);
}

/* Re-signs an edited credit with the payer's secret key (0x01..01). */
static void resign(uint8_t *c, size_t len)
{
    uint8_t sk[32], seed[32] = {0}, aux[32] = {0}, msg[32];
    memset(sk, 1, 32);
    ledger_signer *s;
    if (ledger_signer_new(&s, seed) != CHR_OK) {
        return;
    }
    credit_sighash(msg, c, len);
    if (ledger_signer_sign(s, c + len - 64, msg, sk, aux) != CHR_OK) {
        memset(c + len - 64, 0, 64);
    }
    ledger_signer_free(s);
}

static void test_vectors_valid(void)
{
    /* Both credits of the page verify inside their span, and decode to the fields the page
     * lists. */
    setup();
    credit c;
    CHECK(credit_verify(&c, host_c, host_len, payer, node, chain, 15, mid, t0) == CREDIT_VALID);
    CHECK(c.role == CREDIT_ROLE_HOST && c.minutes_max == 60 && c.has_key == 0);
    CHECK(c.participant_id_len == 5 && memcmp(c.participant_id, "alice", 5) == 0);
    CHECK(c.expiry_ms == t0 + 3600000);
    CHECK(credit_verify(&c, part_c, part_len, payer, node, chain, 15, NULL, t0 + 3599999) ==
          CREDIT_VALID);
    CHECK(c.role == CREDIT_ROLE_PARTICIPANT && c.minutes_max == 30 && c.has_key == 1);
    CHECK(memcmp(c.participant_key, part, 32) == 0);
}

static void test_encode_roundtrip(void)
{
    /* Decoding then encoding gives the vector's bytes back. */
    setup();
    credit c;
    uint8_t out[CREDIT_BYTES_MAX];
    CHECK(credit_decode(&c, part_c, part_len) == CREDIT_VALID);
    CHECK(credit_encode(out, sizeof(out), &c) == part_len);
    CHECK(memcmp(out, part_c, part_len) == 0);
    CHECK(credit_encode(out, 10, &c) == 0);
    c.role = 3;
    CHECK(credit_encode(out, sizeof(out), &c) == 0);
}

static void test_times(void)
{
    /* not_before is inclusive and expiry exclusive. */
    setup();
    CHECK(verify_at(host_c, host_len, t0 - 1) == CREDIT_NOT_YET_VALID);
    CHECK(verify_at(host_c, host_len, t0 + 3600000) == CREDIT_EXPIRED);
    CHECK(verify_at(host_c, host_len, 0) == CREDIT_NOT_YET_VALID);
}

static void test_wrong_context(void)
{
    /* Another chain, meeting, node or payer key is each named. */
    setup();
    uint8_t other[32], mid2[12];
    memcpy(other, part, 32);
    memcpy(mid2, mid, 12);
    mid2[11] ^= 1;
    CHECK(credit_verify(NULL, host_c, host_len, payer, node, "chroom-devnet-2", 15, mid, t0) ==
          CREDIT_WRONG_CHAIN);
    CHECK(credit_verify(NULL, host_c, host_len, payer, node, chain, 14, mid, t0) ==
          CREDIT_WRONG_CHAIN);
    CHECK(credit_verify(NULL, host_c, host_len, payer, node, chain, 15, mid2, t0) ==
          CREDIT_WRONG_MEETING);
    CHECK(credit_verify(NULL, host_c, host_len, payer, other, chain, 15, mid, t0) ==
          CREDIT_WRONG_NODE);
    CHECK(credit_verify(NULL, host_c, host_len, part, node, chain, 15, mid, t0) ==
          CREDIT_BAD_SIGNATURE);
    uint8_t off_curve[32];
    memset(off_curve, 0xff, 32);
    CHECK(credit_verify(NULL, host_c, host_len, off_curve, node, chain, 15, mid, t0) ==
          CREDIT_BAD_PAYER_KEY);
}

static void test_forged(void)
{
    /* Any changed signed byte (here the minutes) or signature byte fails the signature. */
    setup();
    uint8_t c[CREDIT_BYTES_MAX];
    memcpy(c, host_c, host_len);
    c[host_len - 64 - 20 + 3] ^= 1; /* minutes_max 60 -> 61 */
    CHECK(verify_at(c, host_len, t0) == CREDIT_BAD_SIGNATURE);
    memcpy(c, host_c, host_len);
    c[host_len - 1] ^= 0x80;
    CHECK(verify_at(c, host_len, t0) == CREDIT_BAD_SIGNATURE);
    resign(c, host_len);
    CHECK(verify_at(c, host_len, t0) == CREDIT_VALID);
}

static void test_decode_rejections(void)
{
    /* Every short prefix is truncated, an extra byte trailing, version 2 unknown, and each
     * field rule is a bad field even when the payer signed it. */
    setup();
    credit c;
    for (size_t n = 0; n < host_len; n++) {
        CHECK(credit_decode(&c, host_c, n) == CREDIT_TRUNCATED);
    }
    uint8_t b[CREDIT_BYTES_MAX + 1];
    memcpy(b, host_c, host_len);
    b[host_len] = 0;
    CHECK(credit_decode(&c, b, host_len + 1) == CREDIT_TRAILING);
    b[0] = 2;
    CHECK(credit_decode(&c, b, host_len) == CREDIT_BAD_VERSION);
    /* role at 1 + 1 + 15 + 12 = 29; has_key after "alice" at 36. */
    static const struct {
        size_t at;
        uint8_t v;
    } edits[] = {{2, '-'}, {2, 'A'}, {29, 0}, {29, 3}, {31, ' '}, {36, 2}};
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        memcpy(b, host_c, host_len);
        b[edits[i].at] = edits[i].v;
        resign(b, host_len);
        CHECK(verify_at(b, host_len, t0) == CREDIT_BAD_FIELD);
    }
    memcpy(b, host_c, host_len);
    memset(b + host_len - 64 - 20, 0, 4); /* minutes_max 0 */
    resign(b, host_len);
    CHECK(verify_at(b, host_len, t0) == CREDIT_BAD_FIELD);
    memcpy(b, host_c, host_len);
    memcpy(b + host_len - 64 - 8, b + host_len - 64 - 16, 8); /* expiry = not_before */
    resign(b, host_len);
    CHECK(verify_at(b, host_len, t0) == CREDIT_BAD_FIELD);
}

static void test_result_names(void)
{
    /* Every answer has its own name and values outside the enum read "unknown". */
    CHECK(strcmp(credit_result_name(CREDIT_VALID), "valid") == 0);
    CHECK(strcmp(credit_result_name(CREDIT_EXPIRED), "expired") == 0);
    CHECK(strcmp(credit_result_name(CREDIT_BAD_SIGNATURE), "bad_signature") == 0);
    CHECK(strcmp(credit_result_name((credit_result)12), "unknown") == 0);
    for (int i = 0; i < 12; i++) {
        for (int k = 0; k < i; k++) {
            CHECK(strcmp(credit_result_name((credit_result)i),
                         credit_result_name((credit_result)k)) != 0);
        }
    }
}

static void test_receipt_vector(void)
{
    /* The page's receipt (25 minutes) encodes to its bytes and verifies for the
     * participant's key, and for nothing else. */
    setup();
    uint8_t msg[CREDIT_RECEIPT_BYTES_MAX], want[CREDIT_RECEIPT_BYTES_MAX], sig[64];
    size_t want_len = (sizeof(V_RECEIPT_MSG) - 1) / 2;
    chr_test_hex(want, want_len, V_RECEIPT_MSG);
    chr_test_hex(sig, 64, V_RECEIPT_SIG);
    CHECK(credit_receipt_encode(msg, sizeof(msg), chain, 15, mid, node, 25) == want_len);
    CHECK(memcmp(msg, want, want_len) == 0);
    CHECK(credit_receipt_verify(sig, part, chain, 15, mid, node, 25) == CREDIT_VALID);
    CHECK(credit_receipt_verify(sig, part, chain, 15, mid, node, 26) == CREDIT_BAD_SIGNATURE);
    CHECK(credit_receipt_verify(sig, payer, chain, 15, mid, node, 25) == CREDIT_BAD_SIGNATURE);
    CHECK(credit_receipt_verify(sig, part, "Bad", 3, mid, node, 25) == CREDIT_BAD_FIELD);
}

static const chr_test tests[] = {
    {"vectors_valid", test_vectors_valid},
    {"encode_roundtrip", test_encode_roundtrip},
    {"times", test_times},
    {"wrong_context", test_wrong_context},
    {"forged", test_forged},
    {"decode_rejections", test_decode_rejections},
    {"result_names", test_result_names},
    {"receipt_vector", test_receipt_vector},
};

CHR_TESTS_MAIN("credit", tests)
