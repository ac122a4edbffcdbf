/* chroom-wallet meeting credit: the payer signs a session credit locally (docs/CREDITS.md).
 * The meeting's record (its node, host, participants and duration) comes from the node;
 * the key must be the meeting's payer, or media nodes will refuse the credit. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/bech32.h"
#include "common/hex.h"
#include "credit/credit.h"
#include "ledger/meetings.h"
#include "wallet/internal/cli.h"

/* A credit is valid from a minute before now (clocks differ) for --valid-ms, by default a
 * day. */
#define CREDIT_SKEW_MS 60000ull
#define CREDIT_VALID_MS_DEFAULT (24ull * 3600 * 1000)

/* The person's role in meeting j: host, participant, or 0 when not in it. */
static uint8_t person_role(const json_t *j, const char *person)
{
    const char *host = json_string_value(json_object_get(j, "host"));
    if (host != NULL && strcmp(host, person) == 0) {
        return CREDIT_ROLE_HOST;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "participants"), i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), person) == 0) {
            return CREDIT_ROLE_PARTICIPANT;
        }
    }
    return 0;
}

/* Fills c from the meeting's JSON and the flags; a usage or node error code. */
static int credit_fill(wallet_cli *c, credit *cr, const json_t *j, const char *person)
{
    const char *node = json_string_value(json_object_get(j, "media_node"));
    json_int_t duration = json_integer_value(json_object_get(j, "duration"));
    uint64_t minutes = (uint64_t)duration, valid = CREDIT_VALID_MS_DEFAULT;
    if (node == NULL || strlen(node) != 64 || chr_hex_decode_exact(cr->node_key, 32, node, 64) ||
        duration <= 0) {
        wallet_cli_err("the node's answer is not a meeting record");
        return WALLET_EXIT_REFUSED;
    }
    cr->role = person_role(j, person);
    if (cr->role == 0) {
        return wallet_cli_usage(c, "--person: %s is neither the host nor a participant", person);
    }
    if ((c->opt[WALLET_OPT_MINUTES] != NULL &&
         !wallet_cli_parse_u64("--minutes", c->opt[WALLET_OPT_MINUTES], &minutes)) ||
        (c->opt[WALLET_OPT_VALID_MS] != NULL &&
         !wallet_cli_parse_u64("--valid-ms", c->opt[WALLET_OPT_VALID_MS], &valid))) {
        return WALLET_EXIT_USAGE;
    }
    if (minutes == 0 || minutes > (uint64_t)duration || valid == 0 ||
        valid > 30ull * 24 * 3600 * 1000) {
        return wallet_cli_usage(c, "--minutes: 1 to the meeting's duration; --valid-ms: up to "
                                   "30 days");
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    cr->minutes_max = (uint32_t)minutes;
    cr->not_before_ms = now - CREDIT_SKEW_MS;
    cr->expiry_ms = now + valid;
    cr->participant_id_len = (uint8_t)strlen(person);
    memcpy(cr->participant_id, person, cr->participant_id_len);
    cr->has_key = chr_address_decode(cr->participant_key, person, strlen(person)) == CHR_OK;
    return WALLET_EXIT_OK;
}

/* Signs cr with the command's key into out (CREDIT_BYTES_MAX bytes). */
static int credit_sign(const wallet_cli *c, credit *cr, uint8_t *out, size_t *out_len)
{
    uint8_t sk[32], pub[32], seed[32], aux[32], msg[32];
    ledger_signer *s = NULL;
    int rc = wallet_cli_key_secret(c, sk, pub);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    randombytes_buf(seed, sizeof(seed));
    randombytes_buf(aux, sizeof(aux));
    *out_len = credit_encode(out, CREDIT_BYTES_MAX, cr);
    credit_sighash(msg, out, *out_len);
    chr_err e = *out_len == 0 ? CHR_ERR_ARG : ledger_signer_new(&s, seed);
    e = e ? e : ledger_signer_sign(s, cr->sig, msg, sk, aux);
    ledger_signer_free(s);
    sodium_memzero(sk, sizeof(sk));
    if (e != CHR_OK) {
        wallet_cli_err("signing failed: %s", chr_err_str(e));
        return WALLET_EXIT_LOCAL;
    }
    memcpy(out + *out_len - 64, cr->sig, 64);
    return WALLET_EXIT_OK;
}

int wallet_cmd_meeting_credit(wallet_cli *c)
{
    const char *id = c->args[0];
    const char *person = c->opt[WALLET_OPT_PERSON];
    uint8_t mid[LEDGER_MEETING_ID_LEN];
    if (strlen(id) != 2 * LEDGER_MEETING_ID_LEN ||
        chr_hex_decode_exact(mid, sizeof(mid), id, strlen(id)) != CHR_OK) {
        return wallet_cli_usage(c, "%s is not a meeting id (24 hex characters)", id);
    }
    if (person == NULL || strlen(person) == 0 || strlen(person) > LEDGER_MEETING_ID_STR_MAX) {
        return wallet_cli_usage(c, "--person: the host's or a participant's ID is required");
    }
    credit cr;
    memset(&cr, 0, sizeof(cr));
    memcpy(cr.meeting_id, mid, sizeof(mid));
    wallet_token tok;
    const char *chain_id = c->opt[WALLET_OPT_CHAIN_ID];
    int rc = chain_id == NULL ? wallet_cli_fetch_token(c, &tok) : WALLET_EXIT_OK;
    chain_id = chain_id != NULL ? chain_id : tok.chain_id;
    if (rc != WALLET_EXIT_OK || strlen(chain_id) > CREDIT_CHAIN_ID_MAX) {
        return rc != WALLET_EXIT_OK ? rc : wallet_cli_usage(c, "--chain-id: too long");
    }
    cr.chain_id_len = (uint8_t)strlen(chain_id);
    memcpy(cr.chain_id, chain_id, cr.chain_id_len);
    char path[WALLET_PATH_MAX];
    snprintf(path, sizeof(path), "/api/v1/meetings/%s", id);
    json_t *j;
    rc = wallet_cli_get(c, path, &j);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    rc = credit_fill(c, &cr, j, person);
    json_decref(j);
    uint8_t out[CREDIT_BYTES_MAX];
    size_t len = 0;
    rc = rc ? rc : credit_sign(c, &cr, out, &len);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    char hex[2 * CREDIT_BYTES_MAX + 1];
    chr_hex_encode(hex, sizeof(hex), out, len);
    if (c->json) {
        json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I}", "credit", hex, "role",
                              cr.role == CREDIT_ROLE_HOST ? "host" : "participant", "minutes_max",
                              (json_int_t)cr.minutes_max, "not_before_ms",
                              (json_int_t)cr.not_before_ms, "expiry_ms", (json_int_t)cr.expiry_ms);
        wallet_cli_print_json(o); /* releases o */
    } else {
        printf("%s\n", hex);
    }
    return WALLET_EXIT_OK;
}
