#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bech32.h"
#include "common/fsutil.h"
#include "common/hex.h"
#include "ledger/sig.h"
#include "ledger/tx.h"
#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"
#include "wallet/internal/cli.h"

/* Writes the raw key file of secret 0x11.. (mode 0600) in dir; its public key in pub. */
static void stake_key(const char *dir, char *path, size_t cap, uint8_t pub[32])
{
    uint8_t sk[32];
    uint8_t seed[32] = {0};
    memset(sk, 0x11, sizeof(sk));
    snprintf(path, cap, "%s/k.key", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char hex[65];
    chr_hex_encode(hex, sizeof(hex), sk, 32);
    CHECK(fd >= 0 && write(fd, hex, 64) == 64 && close(fd) == 0);
    ledger_signer *s;
    CHECK_OK(ledger_signer_new(&s, seed));
    CHECK_OK(ledger_signer_pubkey(s, pub, sk));
    ledger_signer_free(s);
}

/* The transaction in a signed file's "tx" field, decoded. */
static chr_err signed_tx(const char *path, ledger_tx *tx)
{
    char *text;
    size_t len;
    char why[128];
    chr_err err = chr_file_read(path, 65536, &text, &len, why, sizeof(why));
    if (err != CHR_OK) {
        return err;
    }
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    const char *hex = json_string_value(json_object_get(j, "tx"));
    uint8_t buf[LEDGER_TX_BYTES_MAX];
    err = hex != NULL ? chr_hex_decode(buf, sizeof(buf), &len, hex, strlen(hex)) : CHR_ERR_ARG;
    err = err ? err : ledger_tx_decode(tx, buf, len);
    json_decref(j);
    return err;
}

/* Proves tx build --type and tx sign for staking types, offline: a redelegation and a
 * create-validator built from options sign into transactions that decode to the same body,
 * with a valid signature of the key; a file with a field its type lacks is refused, and a
 * transfer file is left to the transfer path. */
void test_stake_build_sign_offline(void)
{
    char dir[] = "/tmp/chroom-stake-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char key[96];
    uint8_t pub[32];
    stake_key(dir, key, sizeof(key), pub);
    char from[CHR_ADDRESS_STR_LEN + 1];
    char other[CHR_ADDRESS_STR_LEN + 1];
    uint8_t other_key[32];
    memset(other_key, 0, sizeof(other_key));
    memcpy(other_key, pub, 32);
    other_key[31] ^= 1; /* any 32 bytes make an address; the chain checks validators */
    chr_address_encode(from, pub);
    chr_address_encode(other, other_key);
    char unsigned_path[128];
    char signed_path[128];
    snprintf(unsigned_path, sizeof(unsigned_path), "%s/u.json", dir);
    snprintf(signed_path, sizeof(signed_path), "%s/s.json", dir);

    wallet_cli c;
    memset(&c, 0, sizeof(c));
    c.opt[WALLET_OPT_FROM] = from;
    c.opt[WALLET_OPT_CHAIN_ID] = "chroom-devnet";
    c.opt[WALLET_OPT_FEE] = "0.001";
    c.opt[WALLET_OPT_NONCE] = "7";
    c.opt[WALLET_OPT_SRC] = from;
    c.opt[WALLET_OPT_DST] = other;
    c.opt[WALLET_OPT_AMOUNT] = "1.5";
    c.opt[WALLET_OPT_OUT] = unsigned_path;
    CHECK(wallet_stake_tx_build(&c, "redelegate") == WALLET_EXIT_OK);
    wallet_cli s;
    memset(&s, 0, sizeof(s));
    s.opt[WALLET_OPT_KEY_FILE] = key;
    s.opt[WALLET_OPT_OUT] = signed_path;
    int handled = 0;
    CHECK(wallet_stake_tx_sign(&s, unsigned_path, &handled) == WALLET_EXIT_OK && handled);
    ledger_tx tx;
    CHECK_OK(signed_tx(signed_path, &tx));
    CHECK(tx.type == LEDGER_TX_REDELEGATE && tx.nonce == 7 && tx.fee == 1000);
    CHECK(memcmp(tx.from, pub, 32) == 0 && memcmp(tx.body.restake.src, pub, 32) == 0);
    CHECK(memcmp(tx.body.restake.dst, other_key, 32) == 0 && tx.body.restake.amount == 1500000);
    CHECK_OK(ledger_tx_verify(&tx));

    /* A create-validator with every field, by the key's own address. */
    char cons[65];
    chr_hex_encode(cons, sizeof(cons), pub, 32);
    c.opt[WALLET_OPT_SRC] = c.opt[WALLET_OPT_DST] = NULL;
    c.opt[WALLET_OPT_CONSENSUS_KEY] = cons;
    c.opt[WALLET_OPT_AMOUNT] = "2";
    c.opt[WALLET_OPT_MONIKER] = "m\xc3\xa9";
    c.opt[WALLET_OPT_DETAILS] = "d";
    c.opt[WALLET_OPT_COMMISSION] = "5";
    CHECK(wallet_stake_tx_build(&c, "create_validator") == WALLET_EXIT_OK);
    CHECK(wallet_stake_tx_sign(&s, unsigned_path, &handled) == WALLET_EXIT_OK && handled);
    CHECK_OK(signed_tx(signed_path, &tx));
    const ledger_staking_create *b = &tx.body.create_validator;
    CHECK(tx.type == LEDGER_TX_CREATE_VALIDATOR && b->amount == 2000000 && b->commission_ppm == 5 &&
          b->commission_max_ppm == 200000 && b->min_self_bond == 1000000 &&
          memcmp(b->consensus_key, pub, 32) == 0);
    CHECK(b->moniker_len == 3 && memcmp(b->moniker, "m\xc3\xa9", 3) == 0 && b->details_len == 1 &&
          b->website_len == 0);
    CHECK_OK(ledger_tx_verify(&tx));

    /* An unknown type is a usage error; a stray field is refused; a transfer is not ours. */
    CHECK(wallet_stake_tx_build(&c, "stake") == WALLET_EXIT_USAGE);
    FILE *f = fopen(unsigned_path, "w");
    CHECK(f != NULL);
    fprintf(f,
            "{\"type\": \"delegate\", \"chain_id\": \"chroom-devnet\", \"from\": \"%s\", "
            "\"validator\": \"%s\", \"amount\": \"1\", \"fee\": \"1\", \"nonce\": \"0\", "
            "\"src_validator\": \"%s\"}",
            from, other, other);
    fclose(f);
    CHECK(wallet_stake_tx_sign(&s, unsigned_path, &handled) == WALLET_EXIT_LOCAL && handled);
    f = fopen(unsigned_path, "w");
    CHECK(f != NULL);
    fprintf(f, "{\"type\": \"transfer\"}");
    fclose(f);
    CHECK(wallet_stake_tx_sign(&s, unsigned_path, &handled) == WALLET_EXIT_OK && !handled);
    CHECK(unlink(unsigned_path) == 0 && unlink(signed_path) == 0 && unlink(key) == 0);
    CHECK(rmdir(dir) == 0);
}
