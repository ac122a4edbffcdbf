/* chroom-wallet's command line: options, the command table and the helpers its commands
 * share. Private to wallet/; the commands and their output are documented in
 * docs/WALLET-CLI.md.
 *
 * Every command is a function taking the parsed command line and returning the process's
 * exit code (WALLET_EXIT_*); it prints its result on stdout and any error on stderr. Not
 * thread-safe (one command per process). */
#ifndef WALLET_INTERNAL_CLI_H
#define WALLET_INTERNAL_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bech32.h"
#include "common/config.h"
#include "common/err.h"
#include "ledger/limits.h"
#include "ledger/tx.h"
#include "wallet/keystore.h"
#include "wallet/limits.h"

/* Exit codes, part of the CLI's contract (docs/WALLET-CLI.md, "Exit codes"). */
#define WALLET_EXIT_OK 0
#define WALLET_EXIT_REFUSED 1    /* the node or the chain said no; a transaction failed */
#define WALLET_EXIT_USAGE 2      /* the command line is wrong */
#define WALLET_EXIT_UNKNOWN 3    /* the node is unreachable or slow: the outcome is unknown */
#define WALLET_EXIT_LOCAL 4      /* a local file, key or config problem */
#define WALLET_EXIT_PASSPHRASE 5 /* the passphrase is wrong, missing or not confirmed */

/* Positional words on one command line: two command words and a few arguments. */
#define WALLET_WORDS_MAX 8
/* The node's URL as given ("https://host:port" and maybe a path prefix), without its NUL. */
#define WALLET_URL_MAX 480
/* A request path below the node's URL: the longest is a history page with its cursor. */
#define WALLET_PATH_MAX 512
/* A transaction file (tx build / tx sign output) is a small JSON object; 64 KiB is far
 * above the largest (a 256-byte memo and a 1 KiB transaction in hex). */
#define WALLET_TX_FILE_BYTES_MAX (64u * 1024)
/* A default --wait budget: a few blocks even on a busy chain. */
#define WALLET_WAIT_MS_DEFAULT 60000
#define WALLET_TIMEOUT_MS_DEFAULT 10000
#define WALLET_TIMEOUT_MS_MAX 600000
/* The hex of the longest transaction, with its NUL. */
#define WALLET_TX_HEX_MAX (2 * LEDGER_TX_BYTES_MAX + 1)

/* X(ID, name, takes a value, value's name, help). The first WALLET_OPT_GLOBAL_COUNT are
 * global: every command takes them. */
#define WALLET_OPT_LIST(X)                                                                         \
    X(HOME, "home", 1, "DIR",                                                                      \
      "the wallet's directory, holding keys/ and config (else $CHROOM_HOME, else ~/.chroom)")      \
    X(NODE, "node", 1, "URL",                                                                      \
      "the node's API (else $CHROOM_NODE, else config's node, else http://127.0.0.1:8080)")        \
    X(API_KEY, "api-key", 1, "KEY",                                                                \
      "API key or OAuth access token (else $CHROOM_API_KEY, else config's api_key)")               \
    X(CA_FILE, "ca-file", 1, "PEM",                                                                \
      "trust these CA certificates for HTTPS instead of the system's (config: ca_file)")           \
    X(TIMEOUT_MS, "timeout-ms", 1, "N",                                                            \
      "bound of every network call, 1 to 600000 ms (config: timeout_ms; default 10000)")           \
    X(JSON, "json", 0, NULL, "print JSON for scripts (shapes in docs/WALLET-CLI.md)")              \
    X(PASSPHRASE_FILE, "passphrase-file", 1, "FILE",                                               \
      "the key's passphrase is FILE's first line (else $CHROOM_PASSPHRASE, else asked)")           \
    X(KEY, "key", 1, "NAME",                                                                       \
      "the keystore key to use (else $CHROOM_KEY, else config's key); a value with a '/' "         \
      "names a raw key file, as --key-file")                                                       \
    X(KEY_FILE, "key-file", 1, "FILE",                                                             \
      "use a raw key file (64 hex characters, mode 0600) instead of the keystore")                 \
    X(FROM, "from", 1, "ADDRESS", "the sender, when no key is given")                              \
    X(TO, "to", 1, "ADDRESS", "the recipient, a chr1... address")                                  \
    X(AMOUNT, "amount", 1, "X", "the amount in CHR, such as 1.5 (units with --raw)")               \
    X(RAW, "raw", 0, NULL, "amounts and fees are whole units (1 CHR = 10^decimals units)")         \
    X(FEE, "fee", 1, "X", "the fee, in CHR (units with --raw); default the chain's minimum fee")   \
    X(NONCE, "nonce", 1, "N", "the sender's nonce; default the next one, pending included")        \
    X(MEMO, "memo", 1, "TEXT", "a memo of at most 256 bytes of UTF-8")                             \
    X(EXPIRY_HEIGHT, "expiry-height", 1, "H",                                                      \
      "the transaction fails unless committed by block H (default 0: never)")                      \
    X(CHAIN_ID, "chain-id", 1, "ID", "the chain the transaction is for")                           \
    X(SIGN_COUNT, "count", 1, "N", "sign N transactions with nonces N.., N+1, ... (1 to 100000)")  \
    X(OUT, "out", 1, "FILE", "write to FILE instead of stdout")                                    \
    X(WAIT, "wait", 0, NULL, "wait until the transaction is committed or failed")                  \
    X(WAIT_MS, "wait-ms", 1, "N", "how long --wait waits, in ms (default 60000)")                  \
    X(WORDS, "words", 1, "N", "mnemonic length: 12 or 24 words (default 24)")                      \
    X(MNEMONIC, "mnemonic", 0, NULL, "the BIP-39 mnemonic (read from the terminal or stdin)")      \
    X(BIP39_PASSPHRASE, "bip39-passphrase", 0, NULL,                                               \
      "derive with a BIP-39 passphrase (never stored: the mnemonic needs it to restore the key)")  \
    X(BIP39_PASSPHRASE_FILE, "bip39-passphrase-file", 1, "FILE",                                   \
      "with --bip39-passphrase: it is FILE's first line (else $CHROOM_BIP39_PASSPHRASE, else "     \
      "asked)")                                                                                    \
    X(SECRET_FILE, "secret-file", 1, "FILE",                                                       \
      "a raw secret key file: 64 hex characters, mode 0600")                                       \
    X(YES, "yes", 0, NULL, "skip the typed confirmation (for scripts)")                            \
    X(LIMIT, "limit", 1, "N", "items per page, 1 to 100 (default 20)")                             \
    X(CURSOR, "cursor", 1, "C", "the page after a previous page's next cursor")                    \
    X(DIRECTION, "direction", 1, "D", "sent, received or both (default both)")                     \
    X(VERIFY, "verify", 0, NULL,                                                                   \
      "check the answer by a state proof and the trusted validators (light init first)")           \
    X(GENESIS, "genesis", 1, "FILE", "trust the validator set of this genesis file")               \
    X(TRUST_HASH, "trust-hash", 1, "HASH", "trust the block with this header hash (64 hex)")       \
    X(TRUST_HEIGHT, "trust-height", 1, "H", "the height of the --trust-hash block")                \
    X(TRUSTING_PERIOD_MS, "trusting-period-ms", 1, "MS",                                           \
      "how long a trusted header is trusted, under the chain's unbonding time (light init)")       \
    X(NODE_KEY, "node-key", 1, "HEX", "a media node's public key (64 hex characters)")             \
    X(ENDPOINT, "endpoint", 1, "URL", "a media node's https:// endpoint")                          \
    X(REGION, "region", 1, "CODE", "a region code, 1..16 characters of [a-z0-9-]")                 \
    X(CAPACITY, "capacity", 1, "N", "concurrent participants a media node carries")                \
    X(BOND, "bond", 1, "X", "the bond a media node locks, in CHR (units with --raw)")              \
    X(METADATA, "metadata", 1, "TEXT", "a media node's label, at most 128 bytes of UTF-8")         \
    X(TITLE, "title", 1, "TEXT", "the meeting's or proposal's title, 1..64 bytes of UTF-8")        \
    X(HOST, "host", 1, "ID", "the meeting's host ID (an app's user id or a chr1 address)")         \
    X(PARTICIPANTS, "participants", 1, "ID,ID", "the meeting's participant IDs, comma-separated")  \
    X(DURATION, "duration", 1, "MIN", "the meeting's length in minutes, 1..1440")                  \
    X(START_MS, "start-ms", 1, "MS", "when the meeting starts, Unix ms (default: when committed)") \
    X(PREFERRED, "preferred", 1, "HEX", "a media node to take the meeting if it has room")         \
    X(STATUS, "status", 1, "S", "list only those in this status (media-node, meeting, gov list)")  \
    X(PAYER, "payer", 1, "ADDRESS", "list the meetings this address paid for")                     \
    X(TYPE, "type", 1, "T",                                                                        \
      "tx build's type: transfer (default), delegate, undelegate, redelegate, create_validator, "  \
      "edit_validator")                                                                            \
    X(VALIDATOR, "validator", 1, "ADDRESS", "the validator (its operator's chr1... address)")      \
    X(SRC, "src", 1, "ADDRESS", "the validator a redelegation moves stake from")                   \
    X(DST, "dst", 1, "ADDRESS", "the validator a redelegation moves stake to")                     \
    X(CONSENSUS_KEY, "consensus-key", 1, "KEY",                                                    \
      "the validator's consensus key: 64 hex or a chr1... address")                                \
    X(MONIKER, "moniker", 1, "NAME", "the validator's name, 1 to 64 bytes of UTF-8")               \
    X(WEBSITE, "website", 1, "URL", "the validator's website, at most 100 bytes")                  \
    X(DETAILS, "details", 1, "TEXT", "the validator's description, at most 160 bytes")             \
    X(COMMISSION, "commission", 1, "PPM",                                                          \
      "the commission rate in parts per million (100000 = 10%)")                                   \
    X(COMMISSION_MAX, "commission-max", 1, "PPM", "the highest commission rate, ever, in ppm")     \
    X(COMMISSION_CHANGE_MAX, "commission-change-max", 1, "PPM",                                    \
      "the most the rate may change in a day, in ppm")                                             \
    X(MIN_SELF_BOND, "min-self-bond", 1, "X",                                                      \
      "the operator's least self-bond, in CHR (units with --raw)")                                 \
    X(PERSON, "person", 1, "ID", "the meeting's host or participant a credit admits")              \
    X(MINUTES, "minutes", 1, "N",                                                                  \
      "a credit's most minutes (default: the duration); a dispute's reduced minutes")              \
    X(CLAIM, "claim", 1, "I", "the disputed claim's person index (0 the host)")                    \
    X(VALID_MS, "valid-ms", 1, "MS", "how long a credit is valid from now (default a day)")        \
    X(CLAIMS, "claims", 1, "I:M:CREDIT[:RECEIPT],...",                                             \
      "a settlement's claims: person index, cumulative minutes, credit hex, receipt signature")    \
    X(DEPOSIT, "deposit", 1, "X", "a proposal's first deposit, in CHR (units with --raw)")         \
    X(EXPEDITED, "expedited", 0, NULL, "an expedited proposal: shorter vote, higher threshold")    \
    X(FILE, "file", 1, "FILE",                                                                     \
      "the whole proposal as one JSON document (- for stdin; docs/WALLET-CLI.md)")

typedef enum wallet_opt {
#define WALLET_OPT_ENUM(id, name, val, meta, help) WALLET_OPT_##id,
    WALLET_OPT_LIST(WALLET_OPT_ENUM)
#undef WALLET_OPT_ENUM
        WALLET_OPT_COUNT
} wallet_opt;

#define WALLET_OPT_GLOBAL_COUNT (WALLET_OPT_PASSPHRASE_FILE + 1)
/* A set of options: one bit per wallet_opt. */
typedef __uint128_t wallet_optset;
#define WALLET_O(id) ((wallet_optset)1 << WALLET_OPT_##id)
_Static_assert(WALLET_OPT_COUNT <= 128, "option sets are 128-bit masks");

typedef struct wallet_cli wallet_cli;

typedef struct wallet_command {
    const char *group;    /* the heading it is listed under in `help` */
    const char *name;     /* "send", "key new" */
    const char *synopsis; /* the arguments and options after the name */
    const char *summary;  /* one line for the command list */
    const char *help;     /* paragraphs for `help COMMAND` */
    wallet_optset opts;   /* the options it takes besides the global ones */
    uint8_t args_min, args_max;
    int hidden; /* an older form: works, listed under "older forms" */
    int (*fn)(wallet_cli *c);
} wallet_command;

struct wallet_cli {
    const char *opt[WALLET_OPT_COUNT];  /* a value; "" for a flag given; NULL when absent */
    const char *args[WALLET_WORDS_MAX]; /* the arguments after the command's words */
    size_t args_len;
    const wallet_command *cmd;
    /* Settings, each from its flag, else the environment, else <home>/config, else the
     * default. home is "" when there is none (no --home, CHROOM_HOME or HOME). */
    char home[WALLET_KEYSTORE_PATH_MAX];
    char node[WALLET_URL_MAX + 1];
    char ca_file[WALLET_KEYSTORE_PATH_MAX];
    long timeout_ms;
    int json;
    const char *default_key; /* $CHROOM_KEY or config's key; NULL when neither */
    chr_config *config;
};

/* The command table, ended by an entry whose name is NULL. */
extern const wallet_command wallet_commands[];

/* The entry point: parses argv, resolves settings, runs the command. */
int wallet_cli_main(int argc, char **argv);

/* ---- Output. ---- */

/* The program named in error messages: "chroom-wallet", or the program that runs the
 * wallet's commands for its own (chroom-media). Set before any command runs. */
extern const char *wallet_cli_prog;

/* Prints "chroom-wallet: " and the message on stderr. */
void wallet_cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error and the command's synopsis on stderr; returns WALLET_EXIT_USAGE. */
int wallet_cli_usage(const wallet_cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints j compactly on one line of stdout and releases it. */
void wallet_cli_print_json(json_t *j);
/* A string member of j, or "" when absent or not a string. */
const char *wallet_cli_jstr(const json_t *j, const char *key);

/* ---- Parsing arguments (each prints the error and returns 0 on bad input). ---- */

int wallet_cli_parse_u64(const char *what, const char *s, uint64_t *out);
/* An amount in CHR with at most decimals places, or whole units when --raw is set. */
int wallet_cli_parse_amount(const wallet_cli *c, const char *what, const char *s, unsigned decimals,
                            uint64_t *out);
int wallet_cli_parse_address(const char *what, const char *s, uint8_t pub[32]);

/* ---- Keys (wallet/cli_keys.c). ---- */

/* The public key of the command's key (--key, --key-file, $CHROOM_KEY, config's key);
 * label (may be NULL) gets its name or path for messages. Never asks for the passphrase.
 * Returns an exit code. */
int wallet_cli_key_public(const wallet_cli *c, uint8_t pub[32], char *label, size_t label_cap);
/* The secret and public key of the command's key; asks for the passphrase of a keystore
 * key. Returns an exit code; on success sk is the caller's to wipe. */
int wallet_cli_key_secret(const wallet_cli *c, uint8_t sk[32], uint8_t pub[32]);
/* Reports a keystore error about key name; returns its exit code. */
int wallet_cli_keystore_error(const wallet_cli *c, chr_err err, const char *name);
/* Gets a passphrase (--passphrase-file, $CHROOM_PASSPHRASE or the terminal). Returns an
 * exit code; out is the caller's to wipe. */
int wallet_cli_passphrase(const wallet_cli *c, char *out, size_t out_cap, const char *prompt,
                          int confirm);
/* Gets the BIP-39 passphrase of a command that derives a key from a mnemonic: "" without
 * --bip39-passphrase; with it, from --bip39-passphrase-file, $CHROOM_BIP39_PASSPHRASE or the
 * terminal (twice when confirm is set), 1 to WALLET_BIP39_PASSPHRASE_MAX bytes of ASCII
 * (BIP-39's NFKD is not computed; docs/WALLET.md). out_cap is at least WALLET_PASSPHRASE_MAX
 * + 1. Returns an exit code; out is the caller's to wipe. */
int wallet_cli_bip39_passphrase(const wallet_cli *c, char *out, size_t out_cap, const char *prompt,
                                int confirm);
/* Asks the person at the terminal to type `expect` (skipped with --yes); returns an exit
 * code: WALLET_EXIT_USAGE when stdin is not a terminal and --yes is absent, or the typed
 * text differs. */
int wallet_cli_confirm(const wallet_cli *c, const char *question, const char *expect);

/* ---- The node (wallet/cli_net.c). ---- */

/* The token's figures and the chain's parameters (GET /api/v1/token). */
typedef struct wallet_token {
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    char symbol[16];
    unsigned decimals;
    uint64_t fee_transfer;
} wallet_token;

typedef struct wallet_account {
    uint64_t balance, nonce, pending_nonce;
} wallet_account;

/* Calls the node. On WALLET_EXIT_OK, *status is the HTTP status and *out the parsed answer
 * (caller decrefs). Prints why on failure (WALLET_EXIT_UNKNOWN: unreachable, timed out, or
 * an answer that is not JSON). *sent (may be NULL) as wallet_http's. */
int wallet_cli_call(const wallet_cli *c, const char *method, const char *path, const char *body,
                    long timeout_ms, long *status, json_t **out, int *sent);
/* GET path expecting 200: prints the node's error and returns WALLET_EXIT_REFUSED for
 * another status. */
int wallet_cli_get(const wallet_cli *c, const char *path, json_t **out);
/* Prints a node's error answer; returns WALLET_EXIT_REFUSED. */
int wallet_cli_refused(const json_t *j, long status);
int wallet_cli_fetch_token(const wallet_cli *c, wallet_token *t);
int wallet_cli_fetch_account(const wallet_cli *c, const uint8_t pub[32], wallet_account *a);
/* Submits one signed transaction (its bytes) and reports its fate; with wait, follows it
 * until committed or failed, for --wait-ms. Returns the exit code. */
int wallet_cli_submit(const wallet_cli *c, const uint8_t *tx, size_t tx_len, int wait);

/* ---- Transactions (wallet/cmd_tx.c, wallet/cmd_stake.c). ---- */

/* Signs tx (every field but the signature set) with sk and encodes it into out (at least
 * LEDGER_TX_BYTES_MAX bytes); hash is its hash. Returns an exit code. */
int wallet_cli_sign_tx(ledger_tx *tx, const uint8_t sk[32], uint8_t *out, size_t *out_len,
                       uint8_t hash[32]);
/* The secret of the command's key, which must be the sender `from`; sk is the caller's to
 * wipe. Returns an exit code. */
int wallet_cli_sender_secret(const wallet_cli *c, const uint8_t from[32], uint8_t sk[32]);
/* Writes text to path atomically (a temporary file renamed over it), or to stdout for NULL
 * or "-". Returns an exit code. */
int wallet_cli_write_out(const char *path, const char *text);
/* As wallet_cli_write_out, for a file that holds what others must not read (mode 0600:
 * chroom-media's state, whose credits admit people to meetings). */
int wallet_cli_write_private(const char *path, const char *text);
/* Reads a transaction file (or stdin for "-") into a NUL-terminated buffer (caller frees).
 * Returns an exit code. */
int wallet_cli_read_input(const char *path, char **text);
typedef struct find_ctx {
    const uint8_t *pub;
    char name[WALLET_KEY_NAME_MAX + 1];
    int found;
} find_ctx;
/* Without --key, tx sign uses the default key, else the keystore's key of the sender from
 * (f holds the name it sets). */
void wallet_cli_pick_sender_key(wallet_cli *c, const uint8_t from[32], find_ctx *f);
/* tx build --type T for a staking type (docs/WALLET-CLI.md, "Transaction files"). */
int wallet_stake_tx_build(wallet_cli *c, const char *type);
/* tx sign of a staking transaction file: *handled 0 (nothing done) when FILE's type is
 * "transfer" or unreadable as a staking file, so that the transfer path reports on it. */
int wallet_stake_tx_sign(wallet_cli *c, const char *path, int *handled);

/* ---- Commands. ---- */

int wallet_cmd_key_new(wallet_cli *c);
int wallet_cmd_key_import(wallet_cli *c);
int wallet_cmd_key_export(wallet_cli *c);
int wallet_cmd_key_list(wallet_cli *c);
int wallet_cmd_key_show(wallet_cli *c);
int wallet_cmd_key_delete(wallet_cli *c);
int wallet_cmd_keygen(wallet_cli *c);
int wallet_cmd_address(wallet_cli *c);
int wallet_cmd_balance(wallet_cli *c);
int wallet_cmd_history(wallet_cli *c);
int wallet_cmd_send(wallet_cli *c);
int wallet_cmd_tx_build(wallet_cli *c);
int wallet_cmd_tx_sign(wallet_cli *c);
int wallet_cmd_tx_broadcast(wallet_cli *c);
int wallet_cmd_tx_status(wallet_cli *c);
int wallet_cmd_node_status(wallet_cli *c);
int wallet_cmd_stake(wallet_cli *c);
int wallet_cmd_unstake(wallet_cli *c);
int wallet_cmd_redelegate(wallet_cli *c);
int wallet_cmd_validator_create(wallet_cli *c);
int wallet_cmd_validator_edit(wallet_cli *c);
int wallet_cmd_validator_show(wallet_cli *c);
int wallet_cmd_validator_list(wallet_cli *c);
int wallet_cmd_delegations(wallet_cli *c);
int wallet_cmd_rewards(wallet_cli *c);
int wallet_cmd_rewards_withdraw(wallet_cli *c);
int wallet_cmd_validator_unjail(wallet_cli *c);
int wallet_cmd_sign(wallet_cli *c);
int wallet_cmd_broadcast(wallet_cli *c);
int wallet_cmd_help(wallet_cli *c);
int wallet_cmd_light_init(wallet_cli *c);
/* Shared by the transaction commands of wallet/cmd_meetings.c and wallet/cmd_gov.c. */
/* Fills tx's header for type: the key's address, and the chain id, fee and nonce from the
 * flags or the node. An exit code. */
int wallet_tx_header(wallet_cli *c, ledger_tx *tx, uint8_t type);
/* Checks tx as the chain will (stateless rules), signs it with the key, and submits it or
 * writes its hex to --out. An exit code. */
int wallet_tx_finish(wallet_cli *c, ledger_tx *tx);
/* GETs path and prints the object (key by line; --json as it is). An exit code. */
int wallet_show(wallet_cli *c, const char *path);
/* Whether s is 1..max characters of [A-Za-z0-9_-] (needs no escaping in a URL). */
int wallet_plain_segment(const char *s, size_t max);
/* GETs a list (base, then the given filters as query parameters) and prints the page, a
 * line per item with one(item). An exit code. */
int wallet_list(wallet_cli *c, const char *base, const wallet_opt *opts, const char *const *names,
                size_t n_opts, const char *items, void (*one)(const json_t *item));

int wallet_cmd_gov_propose(wallet_cli *c);
int wallet_cmd_gov_deposit(wallet_cli *c);
int wallet_cmd_gov_vote(wallet_cli *c);
int wallet_cmd_gov_show(wallet_cli *c);
int wallet_cmd_gov_list(wallet_cli *c);
int wallet_cmd_gov_tally(wallet_cli *c);
int wallet_cmd_media_register(wallet_cli *c);
int wallet_cmd_media_update(wallet_cli *c);
int wallet_cmd_media_deregister(wallet_cli *c);
int wallet_cmd_media_show(wallet_cli *c);
int wallet_cmd_media_list(wallet_cli *c);
int wallet_cmd_meeting_create(wallet_cli *c);
int wallet_cmd_meeting_show(wallet_cli *c);
int wallet_cmd_meeting_list(wallet_cli *c);
int wallet_cmd_meeting_end(wallet_cli *c);
/* meeting credit (wallet/cmd_credits.c). */
int wallet_cmd_meeting_credit(wallet_cli *c);
/* meeting settle and meeting dispute (wallet/cmd_meetings.c). */
int wallet_cmd_meeting_settle(wallet_cli *c);
int wallet_cmd_meeting_dispute(wallet_cli *c);
/* --claims: a claim per person of a meeting, each of index and minutes (at most 16
 * characters with their colons), a credit's hex, a receipt's signature and a comma. */
#define WALLET_CLAIMS_ARG_MAX (LEDGER_SETTLE_CLAIMS_MAX * (16 + 2 * CREDIT_BYTES_MAX + 130))
int wallet_cmd_light_status(wallet_cli *c);
int wallet_cmd_light_update(wallet_cli *c);
/* balance --verify: the account of pub, verified from the trusted state (wallet/cmd_light.c). */
int wallet_cmd_balance_verify(wallet_cli *c, const uint8_t pub[32]);

#endif
