/* chroom-wallet's command line: the option and command tables, parsing, settings (flag,
 * environment, <home>/config, default), help, and the dispatch to a command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/enc.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "wallet/amount.h"
#include "wallet/http.h"
#include "wallet/internal/cli.h"
#include "wallet/keystore.h"

/* <home>/config is a handful of lines. */
#define WALLET_CONFIG_BYTES_MAX (64u * 1024)

typedef struct wallet_opt_spec {
    const char *name;
    int takes_value;
    const char *meta;
    const char *help;
} wallet_opt_spec;

static const wallet_opt_spec opt_specs[WALLET_OPT_COUNT] = {
#define WALLET_OPT_SPEC(id, name, val, meta, help) {name, val, meta, help},
    WALLET_OPT_LIST(WALLET_OPT_SPEC)
#undef WALLET_OPT_SPEC
};

#define KEY_OPTS (WALLET_O(KEY) | WALLET_O(KEY_FILE))
#define SEND_OPTS (WALLET_O(RAW) | WALLET_O(FEE) | WALLET_O(MEMO) | WALLET_O(EXPIRY_HEIGHT))
#define WAIT_OPTS (WALLET_O(WAIT) | WALLET_O(WAIT_MS))
/* A new transaction's header from flags (offline when all three are given) and its fate. */
#define TXH_OPTS                                                                                   \
    (KEY_OPTS | WAIT_OPTS | WALLET_O(RAW) | WALLET_O(FEE) | WALLET_O(NONCE) | WALLET_O(CHAIN_ID) | \
     WALLET_O(OUT))
#define MEDIA_OPTS                                                                                 \
    (TXH_OPTS | WALLET_O(NODE_KEY) | WALLET_O(ENDPOINT) | WALLET_O(REGION) | WALLET_O(CAPACITY) |  \
     WALLET_O(METADATA))
#define VALIDATOR_OPTS                                                                             \
    (WALLET_O(MONIKER) | WALLET_O(WEBSITE) | WALLET_O(DETAILS) | WALLET_O(COMMISSION) |            \
     WALLET_O(MIN_SELF_BOND))
#define PAGE_OPTS (WALLET_O(LIMIT) | WALLET_O(CURSOR))

static const char G_KEYS[] = "Keys (encrypted in <home>/keys; docs/WALLET.md)";
static const char G_ACCOUNTS[] = "Accounts and transfers";
static const char G_STAKING[] = "Staking (docs/WALLET-CLI.md, \"Staking\")";
static const char G_TX[] = "Transactions step by step (build and sign offline, broadcast online)";
static const char G_NODE[] = "The node";
static const char G_LIGHT[] = "Light client (verify the node's answers; docs/WALLET.md)";
static const char G_MEDIA[] = "Media nodes and meetings (docs/WALLET-CLI.md)";
static const char G_GOV[] = "Governance (docs/WALLET-CLI.md)";
static const char G_OLD[] = "Older forms (kept for scripts)";

const wallet_command wallet_commands[] = {
    {G_KEYS, "key new", "NAME [--words 12|24] [--bip39-passphrase]",
     "make a key from a new BIP-39 mnemonic, shown once",
     "Makes a new key: a new BIP-39 mnemonic (24 words, or 12 with --words 12) and the key\n"
     "derived from it on the path m/44'/7337'/0'/0/0 (BIP-32). Asks for a passphrase twice\n"
     "and saves the key encrypted under it as <home>/keys/NAME.key. The mnemonic is printed\n"
     "this once: write it down, it restores the key anywhere (`key import NAME --mnemonic`).\n"
     "NAME: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'. An existing name is never\n"
     "replaced.\n"
     "With --bip39-passphrase the key is derived with a BIP-39 passphrase (the \"25th\n"
     "word\", ASCII, 1 to 1024 bytes): from --bip39-passphrase-file FILE, else\n"
     "$CHROOM_BIP39_PASSPHRASE, else asked twice at the terminal. It is stored nowhere, not\n"
     "even in the key file: the mnemonic restores the key only with it, and losing it loses\n"
     "the key.",
     WALLET_O(WORDS) | WALLET_O(BIP39_PASSPHRASE) | WALLET_O(BIP39_PASSPHRASE_FILE), 1, 1, 0,
     wallet_cmd_key_new},
    {G_KEYS, "key import", "NAME --mnemonic [--bip39-passphrase] | --secret-file FILE",
     "restore a key from its mnemonic, or import a raw secret",
     "With --mnemonic: reads a BIP-39 mnemonic (12 to 24 words) from the terminal, without\n"
     "echo, or from stdin when stdin is not a terminal (never from the command line, where\n"
     "other users and the shell history would see it), and derives the same key as\n"
     "`key new` did. With --secret-file FILE: takes the secret from a raw key file (64 hex\n"
     "characters, mode 0600, as `keygen` writes). Then asks for a passphrase twice and saves\n"
     "the key as NAME.\n"
     "A mnemonic made with a BIP-39 passphrase (by `key new --bip39-passphrase` or another\n"
     "BIP-39 wallet) needs --bip39-passphrase: the passphrase comes from\n"
     "--bip39-passphrase-file FILE, else $CHROOM_BIP39_PASSPHRASE, else the terminal (asked\n"
     "once: check the address printed). Without it, or with a typo, the words give another\n"
     "key, with another address.",
     WALLET_O(MNEMONIC) | WALLET_O(SECRET_FILE) | WALLET_O(BIP39_PASSPHRASE) |
         WALLET_O(BIP39_PASSPHRASE_FILE),
     1, 1, 0, wallet_cmd_key_import},
    {G_KEYS, "key export", "NAME [--mnemonic] [--yes]", "show a key's secret (or its mnemonic)",
     "Shows the key's secret (64 hex characters), or with --mnemonic its mnemonic, after the\n"
     "key's passphrase and a confirmation typed at the terminal (the key's name); --yes\n"
     "skips the confirmation. Anyone who sees the output can spend from the key.",
     WALLET_O(MNEMONIC) | WALLET_O(YES), 1, 1, 0, wallet_cmd_key_export},
    {G_KEYS, "key list", "", "the keystore's keys and their addresses",
     "Lists every key in <home>/keys with its address; a file that cannot be read or is\n"
     "damaged is listed with the reason. Needs no passphrase.",
     0, 0, 0, 0, wallet_cmd_key_list},
    {G_KEYS, "key show", "NAME", "a key's address and public key",
     "Shows a key's address, public key and whether its file holds a mnemonic. Needs no\n"
     "passphrase.",
     0, 1, 1, 0, wallet_cmd_key_show},
    {G_KEYS, "key delete", "NAME [--yes]", "delete a key for good",
     "Deletes the key's file after a confirmation typed at the terminal (the key's name);\n"
     "--yes skips it. Without its mnemonic or a copy of the file the key is gone.",
     WALLET_O(YES), 1, 1, 0, wallet_cmd_key_delete},
    {G_ACCOUNTS, "address", "[--key NAME | --key-file FILE]", "the key's address",
     "Prints the address and public key of the key.", KEY_OPTS, 0, 0, 0, wallet_cmd_address},
    {G_ACCOUNTS, "balance", "[ADDRESS] [--verify]", "an account's balance and nonces",
     "Shows the account's balance (in CHR and in units) and its nonces; without ADDRESS,\n"
     "the key's account (--key, --key-file, $CHROOM_KEY or config's key).\n"
     "With --verify the node is not trusted: its answer must carry a state proof, the\n"
     "block header it is against and the commit finalizing it, and the wallet checks them\n"
     "from its trusted state (`light init`), moving that state forward. It prints the\n"
     "verified balance (units) and height, or fails (exit 1) naming what did not verify.",
     KEY_OPTS | WALLET_O(VERIFY), 0, 1, 0, wallet_cmd_balance},
    {G_ACCOUNTS, "history", "[ADDRESS] [--limit N] [--cursor C] [--direction sent|received|both]",
     "an account's committed transactions, newest first",
     "Lists one page of the account's committed transactions, newest first (default the\n"
     "key's account). When there are more, prints the cursor of the next page: pass it back\n"
     "with --cursor (and the same --direction).",
     KEY_OPTS | WALLET_O(LIMIT) | WALLET_O(CURSOR) | WALLET_O(DIRECTION), 0, 1, 0,
     wallet_cmd_history},
    {G_ACCOUNTS, "send", "TO AMOUNT [--raw] [--fee X] [--memo TEXT] [--wait]",
     "sign a transfer with the node's figures and submit it",
     "Sends AMOUNT CHR (\"1.5\"; at most as many decimals as the token has) or with --raw\n"
     "AMOUNT units to the address TO. Asks the node for the chain id, the token's decimals,\n"
     "the minimum fee (unless --fee) and the key's next nonce counting its pending\n"
     "transactions, so several sends in a row need no waiting. Then asks for the key's\n"
     "passphrase, signs and submits. --wait follows the transaction until it is committed\n"
     "or failed (for --wait-ms). A lost answer is reported with the hash and the command\n"
     "that checks it (exit 3); submitting the same signed transaction again is safe.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS, 2, 2, 0, wallet_cmd_send},
    {G_STAKING, "stake", "VALIDATOR AMOUNT [--raw] [--fee X] [--wait]",
     "delegate AMOUNT to a validator",
     "Bonds AMOUNT CHR (units with --raw) of the key's account to the validator whose\n"
     "operator is VALIDATOR (a delegate transaction), with the node's chain id, minimum fee\n"
     "(unless --fee) and next nonce, as send does.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS, 2, 2, 0, wallet_cmd_stake},
    {G_STAKING, "unstake", "VALIDATOR AMOUNT [--raw] [--fee X] [--wait]",
     "start unbonding AMOUNT from a validator",
     "Starts unbonding AMOUNT of the key's stake with VALIDATOR (an undelegate transaction);\n"
     "it returns to the account when the chain's unbonding time has passed.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS, 2, 2, 0, wallet_cmd_unstake},
    {G_STAKING, "redelegate", "SRC DST AMOUNT [--raw] [--fee X] [--wait]",
     "move bonded stake to another validator",
     "Moves AMOUNT of the key's stake from validator SRC to validator DST at once (a\n"
     "redelegate transaction). Stake moved into SRC within the unbonding time cannot move\n"
     "again until it matures (no hopping).",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS, 3, 3, 0, wallet_cmd_redelegate},
    {G_STAKING, "validator create", "CONSENSUS_KEY SELF_BOND --moniker NAME [--commission PPM] ...",
     "make the key's account a validator",
     "Makes the key's account the operator of a new validator signing with CONSENSUS_KEY\n"
     "(64 hex or a chr1... address: the node's validator key), bonding SELF_BOND CHR from the\n"
     "account. --commission (default 100000 ppm = 10%), --commission-max (200000),\n"
     "--commission-change-max (10000 a day), --min-self-bond (default 1 CHR; at least the\n"
     "chain's), --moniker (required), --website, --details.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS | VALIDATOR_OPTS | WALLET_O(COMMISSION_MAX) |
         WALLET_O(COMMISSION_CHANGE_MAX),
     2, 2, 0, wallet_cmd_validator_create},
    {G_STAKING, "validator edit", "[--commission PPM] [--min-self-bond X] [--moniker NAME] ...",
     "change the key's validator",
     "Changes the given fields of the validator the key operates: the commission rate\n"
     "(within its max and daily change, once a day), the least self-bond (only upwards),\n"
     "moniker, website, details.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS | VALIDATOR_OPTS, 0, 0, 0, wallet_cmd_validator_edit},
    {G_STAKING, "validator unjail", "[--fee X] [--wait]", "bring the key's validator out of jail",
     "Brings the validator the key operates out of jail (an unjail transaction) once its\n"
     "jail time has passed (validator show tells until when) and its self-bond is at least\n"
     "its min_self_bond; a tombstoned validator never returns.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS, 0, 0, 0, wallet_cmd_validator_unjail},
    {G_STAKING, "validator show", "[ADDRESS]", "a validator's stake, power and status",
     "Shows the validator operated by ADDRESS (default the key's address): status,\n"
     "stake, power, commission, jailed (until when) and tombstoned, and the commits it\n"
     "missed in its signing window.",
     KEY_OPTS, 0, 1, 0, wallet_cmd_validator_show},
    {G_STAKING, "validator list", "[--limit N] [--cursor C]", "every validator, by operator",
     "Lists one page of the chain's validators in operator order, bonded or not; when\n"
     "there are more, prints the cursor of the next page.",
     PAGE_OPTS, 0, 0, 0, wallet_cmd_validator_list},
    {G_STAKING, "delegations", "[ADDRESS] [--limit N] [--cursor C]", "an account's delegations",
     "Lists one page of the delegations of ADDRESS (default the key's account): each\n"
     "validator and the amount bonded to it.",
     KEY_OPTS | PAGE_OPTS, 0, 1, 0, wallet_cmd_delegations},
    {G_STAKING, "rewards", "[ADDRESS] [--limit N] [--cursor C]", "an account's pending rewards",
     "Lists one page of the rewards ADDRESS (default the key's account) would be paid now by\n"
     "each validator it delegates to, their total and, for a validator's operator, its\n"
     "commission not yet withdrawn.",
     KEY_OPTS | PAGE_OPTS, 0, 1, 0, wallet_cmd_rewards},
    {G_STAKING, "rewards withdraw", "[VALIDATOR] [--fee X] [--wait]", "withdraw pending rewards",
     "Pays the key's pending rewards from VALIDATOR (a withdraw-rewards transaction; from\n"
     "the operator's own validator its commission too), or from every validator it\n"
     "delegates to when none is given: at most 3 in one transaction (the ledger's limit),\n"
     "so with more, name them one at a time.",
     KEY_OPTS | SEND_OPTS | WAIT_OPTS, 0, 1, 0, wallet_cmd_rewards_withdraw},
    {G_TX, "tx build", "[--type T] --to ADDRESS --amount X [--fee X] [--nonce N] ...",
     "an unsigned transaction as JSON",
     "Writes an unsigned transaction as JSON (docs/WALLET-CLI.md): by default a transfer,\n"
     "the body POST /api/v1/txs/quote takes, plus chain_id. --type delegate or undelegate\n"
     "(--validator ADDRESS --amount X), redelegate (--src, --dst, --amount),\n"
     "create_validator (--consensus-key KEY --amount SELF_BOND --moniker ... as validator\n"
     "create), edit_validator (the validator edit options), withdraw_rewards ([--validator\n"
     "ADDRESS]; none: every one) or unjail builds a staking one. The\n"
     "sender is --from ADDRESS, or the key's address (no passphrase needed). What is not\n"
     "given (chain id, fee, nonce) comes from the node; with --chain-id, --fee and --nonce\n"
     "all given, the node is not contacted. Offline, amounts in CHR use the protocol's 6\n"
     "decimals.",
     KEY_OPTS | WALLET_O(FROM) | WALLET_O(TO) | WALLET_O(AMOUNT) | SEND_OPTS | WALLET_O(NONCE) |
         WALLET_O(CHAIN_ID) | WALLET_O(OUT) | WALLET_O(TYPE) | WALLET_O(VALIDATOR) | WALLET_O(SRC) |
         WALLET_O(DST) | WALLET_O(CONSENSUS_KEY) | VALIDATOR_OPTS | WALLET_O(COMMISSION_MAX) |
         WALLET_O(COMMISSION_CHANGE_MAX),
     0, 0, 0, wallet_cmd_tx_build},
    {G_TX, "tx sign", "FILE [--out FILE]", "sign an unsigned transaction, offline",
     "Signs the unsigned transaction in FILE (\"-\": stdin) with the key, which must be its\n"
     "sender, and writes the signed transaction as JSON. Touches no network: run it on a\n"
     "machine that never goes online.",
     KEY_OPTS | WALLET_O(OUT), 1, 1, 0, wallet_cmd_tx_sign},
    {G_TX, "tx broadcast", "FILE [--wait]", "submit a signed transaction",
     "Submits the signed transaction in FILE (tx sign's JSON, or its hex; \"-\": stdin) and\n"
     "reports its fate as send does. Broadcasting it again is safe: the node answers with\n"
     "the transaction's status and never applies it twice.",
     WAIT_OPTS, 1, 1, 0, wallet_cmd_tx_broadcast},
    {G_TX, "tx status", "HASH", "what the node knows of a transaction",
     "Shows a transaction's status: pending, committed (height and index) or failed (why);\n"
     "a hash the node does not know is reported as unknown (exit 1).",
     0, 1, 1, 0, wallet_cmd_tx_status},
    {G_LIGHT, "light init",
     "--genesis FILE | --trust-hash HASH --trust-height H [--trusting-period-ms MS]",
     "start trusting a validator set (the light client)",
     "Saves the light client's trusted state in <home>/light.json (mode 0600, replaced\n"
     "atomically): the validator set of a genesis file (its chain id, hash and time), or\n"
     "the block with header hash HASH at height H, fetched from the node with the current\n"
     "validator set; the header must hash to HASH and the set to its validators_hash.\n"
     "The trusted header is trusted for the trusting period (default 2/3 of the genesis\n"
     "file's unbonding time, or a week with --trust-hash; it must be shorter than the\n"
     "chain's unbonding time); once older, the wallet refuses to verify from it: init again\n"
     "from a recent header. Replaces an earlier trusted state. docs/WALLET.md, \"Verified\n"
     "balances\".",
     WALLET_O(GENESIS) | WALLET_O(TRUST_HASH) | WALLET_O(TRUST_HEIGHT) |
         WALLET_O(TRUSTING_PERIOD_MS),
     0, 0, 0, wallet_cmd_light_init},
    {G_LIGHT, "light status", "", "the trusted chain, height, hash and validators",
     "Prints the light client's trusted state (<home>/light.json).", 0, 0, 0, 0,
     wallet_cmd_light_status},
    {G_LIGHT, "light update", "", "verify the node's latest block and trust it",
     "Fetches the latest block header and the commit that finalizes it, verifies them from\n"
     "the trusted state (more than 2/3 of the trusted power signed, or, when the validator\n"
     "set changed, more than 1/3 of it and more than 2/3 of the new set; when less than\n"
     "1/3 signed, it bisects: verifies headers in between first, at most 96) and moves the\n"
     "trusted state to that block. Fails (exit 1) when they do not verify.",
     0, 0, 0, 0, wallet_cmd_light_update},
    {G_NODE, "node status", "", "the node's chain and latest block",
     "Shows the node's chain id, latest height, block hash and time, and transaction count.", 0, 0,
     0, 0, wallet_cmd_node_status},
    {G_MEDIA, "media-node register",
     "--node-key HEX --endpoint URL --region R --capacity N --bond X [--metadata T] ...",
     "register a media node, locking its bond",
     "Registers a media node operated by the key: its public key, https:// endpoint, region\n"
     "code, capacity in concurrent participants and label. --bond (CHR) moves from the key's\n"
     "balance into the node's record until deregistration unbonds it. The chain id, fee and\n"
     "nonce come from the node unless --chain-id, --fee and --nonce are given; --out FILE\n"
     "writes the signed transaction's hex for `tx broadcast` instead of submitting it.",
     MEDIA_OPTS | WALLET_O(BOND), 0, 0, 0, wallet_cmd_media_register},
    {G_MEDIA, "media-node update",
     "--node-key HEX --endpoint URL --region R --capacity N [--metadata T] ...",
     "change a media node's endpoint, region, capacity or label",
     "Replaces the node's endpoint, region, capacity and label (the key must be its\n"
     "operator). Options as for media-node register.",
     MEDIA_OPTS, 0, 0, 0, wallet_cmd_media_update},
    {G_MEDIA, "media-node deregister", "--node-key HEX ...", "unbond a media node",
     "Stops new meetings on the node and puts its bond on the unbonding queue: once the\n"
     "unbonding period has passed and no meeting allocated to the node is open, the bond\n"
     "returns to the operator and the node is removed, with no transaction more.",
     TXH_OPTS | WALLET_O(NODE_KEY), 0, 0, 0, wallet_cmd_media_deregister},
    {G_MEDIA, "media-node show", "ID", "a media node's record",
     "Shows the media node with public key ID (64 hex).", 0, 1, 1, 0, wallet_cmd_media_show},
    {G_MEDIA, "media-node list", "[--region R] [--status S] [--limit N] [--cursor C]",
     "registered media nodes, by key",
     "Lists one page of media nodes, filtered by region and status (active, unbonding).",
     WALLET_O(REGION) | WALLET_O(STATUS) | WALLET_O(LIMIT) | WALLET_O(CURSOR), 0, 0, 0,
     wallet_cmd_media_list},
    {G_MEDIA, "meeting create",
     "--title T --host ID --participants ID,ID --duration MIN [--region R] ...",
     "create a meeting, escrowing its price",
     "Creates a meeting paid by the key: it escrows price x (participants + 1) x duration\n"
     "and the chain picks its media node (--region first, --preferred if it has room).\n"
     "--start-ms schedules it (Unix ms); a meeting cancelled before its start is refunded.\n"
     "Prints the meeting id. Options for the transaction as for media-node register.",
     TXH_OPTS | WALLET_O(TITLE) | WALLET_O(HOST) | WALLET_O(PARTICIPANTS) | WALLET_O(DURATION) |
         WALLET_O(START_MS) | WALLET_O(REGION) | WALLET_O(PREFERRED),
     0, 0, 0, wallet_cmd_meeting_create},
    {G_MEDIA, "meeting show", "ID", "a meeting's record, in the seed's shape",
     "Shows the meeting: status, start and join URLs, node, escrow and times.", 0, 1, 1, 0,
     wallet_cmd_meeting_show},
    {G_MEDIA, "meeting list", "--payer ADDRESS | --host ID [--status S] [--limit N] [--cursor C]",
     "a payer's or a host's meetings",
     "Lists one page of the meetings ADDRESS paid for, or ID hosts, optionally only those in\n"
     "status created, ended, cancelled or expired.",
     WALLET_O(PAYER) | WALLET_O(HOST) | WALLET_O(STATUS) | WALLET_O(LIMIT) | WALLET_O(CURSOR), 0, 0,
     0, wallet_cmd_meeting_list},
    {G_MEDIA, "meeting end", "ID ...", "end a meeting (its payer or host)",
     "Ends the meeting; before its start this cancels it and refunds the whole escrow.", TXH_OPTS,
     1, 1, 0, wallet_cmd_meeting_end},
    {G_MEDIA, "meeting credit", "ID --person ID [--minutes N] [--valid-ms MS]",
     "sign a session credit for a meeting's host or participant (the payer's key)",
     "Signs, with the key (the meeting's payer), a credit that admits --person to the\n"
     "meeting on its media node for at most --minutes (default: the duration), valid from\n"
     "a minute ago for --valid-ms (default a day) (docs/CREDITS.md). Prints its hex; hand\n"
     "it out in the join link's fragment, #credit=HEX. Nothing is sent to the chain.",
     KEY_OPTS | WALLET_O(PERSON) | WALLET_O(MINUTES) | WALLET_O(VALID_MS) | WALLET_O(CHAIN_ID), 1,
     1, 0, wallet_cmd_meeting_credit},
    {G_MEDIA, "meeting settle", "ID --claims I:M:CREDIT[:RECEIPT],...",
     "claim a meeting's minutes from its escrow (the media node's operator)",
     "Signs a meeting-settle with the key (the operator of the meeting's media node): a\n"
     "claim per person at most (17), each the person's index (0 the host), the minutes served,\n"
     "the person's credit (hex) and optionally the person's usage receipt signature (hex):\n"
     "with one the minutes are paid at once, without they wait for the meeting's due time.",
     TXH_OPTS | WALLET_O(CLAIMS), 1, 1, 0, wallet_cmd_meeting_settle},
    {G_MEDIA, "meeting dispute", "ID --claim I --minutes M",
     "reduce a pending claim of a meeting (its payer or its host's address)",
     "Signs a meeting-dispute with the key (the meeting's payer, or the chr1 address that is\n"
     "its host's ID): person I's claim without a receipt, pending until the meeting's due\n"
     "time, becomes M minutes (from what was paid to below the pending minutes; 0 when\n"
     "nothing was paid drops it). Options for the transaction as for media-node register\n"
     "(offline with --chain-id, --fee, --nonce).",
     TXH_OPTS | WALLET_O(CLAIM) | WALLET_O(MINUTES), 1, 1, 0, wallet_cmd_meeting_dispute},
    {G_MEDIA, "meeting cancel", "ID ...", "cancel a meeting before its start (full refund)",
     "The same transaction as meeting end: before the meeting's start it is cancelled and\n"
     "the escrow returns to the payer.",
     TXH_OPTS, 1, 1, 0, wallet_cmd_meeting_end},
    {G_GOV, "gov propose",
     "text|params|spend|upgrade|cancel-upgrade [ARGS] --title T [--deposit X] ... | --file FILE",
     "submit a proposal, with a first deposit",
     "Submits a proposal titled T: `text`; `params NAME=VALUE...` (up to 6 parameters,\n"
     "applied together or not at all: names as GET /api/v1/gov/params lists them, values\n"
     "in units); `spend RECIPIENT AMOUNT` (paid from the rewards' treasury if it passes);\n"
     "`upgrade NAME HEIGHT`; `cancel-upgrade`. --deposit is the first deposit; the vote\n"
     "opens at the minimum. --expedited asks for the shorter, stricter vote. Options for\n"
     "the transaction as for media-node register (offline with --chain-id, --fee, --nonce).\n"
     "--file FILE instead gives the kind, title, content, deposit and expedited flag in one\n"
     "JSON document (docs/WALLET-CLI.md, \"Proposal files\").",
     TXH_OPTS | WALLET_O(TITLE) | WALLET_O(DEPOSIT) | WALLET_O(EXPEDITED) | WALLET_O(FILE), 0, 7, 0,
     wallet_cmd_gov_propose},
    {G_GOV, "gov deposit", "ID --amount X ...", "add to a proposal's deposit",
     "Adds --amount to proposal ID's deposit (anyone may, during its deposit or voting\n"
     "period). Options for the transaction as for media-node register.",
     TXH_OPTS | WALLET_O(AMOUNT), 1, 1, 0, wallet_cmd_gov_deposit},
    {G_GOV, "gov vote", "ID yes|no|abstain|veto ...", "vote on a proposal (changeable)",
     "Votes on proposal ID with the key's stake (a validator's vote counts for its\n"
     "delegators unless they vote themselves). A later vote replaces the earlier one.",
     TXH_OPTS, 2, 2, 0, wallet_cmd_gov_vote},
    {G_GOV, "gov show", "ID", "a proposal with its deposits and tally",
     "Shows proposal ID, its deposits and the tally so far.", 0, 1, 1, 0, wallet_cmd_gov_show},
    {G_GOV, "gov list", "[--status S] [--limit N] [--cursor C]", "proposals, by id",
     "Lists one page of proposals, optionally only those in status deposit_period,\n"
     "voting_period, passed, rejected, vetoed, failed or dropped.",
     WALLET_O(STATUS) | WALLET_O(LIMIT) | WALLET_O(CURSOR), 0, 0, 0, wallet_cmd_gov_list},
    {G_GOV, "gov tally", "ID", "a proposal's tally (so far, or final)",
     "Prints the votes by option, weighed by bonded stake: so far while the vote is open\n"
     "(with the bonded total), else the final tally.",
     0, 1, 1, 0, wallet_cmd_gov_tally},
    {G_OLD, "keygen", "--out FILE", "a new raw key file (mode 0600)",
     "Writes a new random secret key to FILE as 64 hex characters (mode 0600), never\n"
     "replacing a file, and prints its address. Raw key files serve validators, devnets\n"
     "and scripts; use them with --key-file FILE (or --key PATH-WITH-A-SLASH).",
     WALLET_O(OUT), 0, 0, 1, wallet_cmd_keygen},
    {G_OLD, "sign", "--chain-id ID --to ADDRESS --amount UNITS --fee UNITS --nonce N ...",
     "sign transfers offline, one hex per line",
     "Signs transfers offline from flags alone and prints each as hex on its own line.\n"
     "Amounts and fees are units. --count N signs N transfers with nonces N.., for scripts\n"
     "and benchmarks. `tx build` and `tx sign` are the step-by-step form.",
     KEY_OPTS | WALLET_O(CHAIN_ID) | WALLET_O(TO) | WALLET_O(AMOUNT) | WALLET_O(FEE) |
         WALLET_O(NONCE) | WALLET_O(SIGN_COUNT) | WALLET_O(MEMO) | WALLET_O(EXPIRY_HEIGHT),
     0, 0, 1, wallet_cmd_sign},
    {G_OLD, "broadcast", "HEX [--wait]", "tx broadcast of a hex transaction",
     "Submits a signed transaction given as hex on the command line, as tx broadcast does.",
     WAIT_OPTS, 1, 1, 1, wallet_cmd_broadcast},
    {G_OLD, "tx", "HASH", "tx status HASH", "The same as tx status HASH.", 0, 1, 1, 1,
     wallet_cmd_tx_status},
    {G_OLD, "status", "", "node status", "The same as node status.", 0, 0, 0, 1,
     wallet_cmd_node_status},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL},
};

static const char *const groups[] = {"key",        "tx",      "node",     "light",
                                     "media-node", "meeting", "validator"};

/* ---- Output helpers. ---- */

const char *wallet_cli_prog = "chroom-wallet";

void wallet_cli_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", wallet_cli_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int wallet_cli_usage(const wallet_cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", wallet_cli_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (c != NULL && c->cmd != NULL) {
        fprintf(stderr, "usage: chroom-wallet %s%s%s\n(chroom-wallet help %s explains it)\n",
                c->cmd->name, c->cmd->synopsis[0] != '\0' ? " " : "", c->cmd->synopsis,
                c->cmd->name);
    }
    return WALLET_EXIT_USAGE;
}

void wallet_cli_print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text != NULL) {
        puts(text);
        /* A line at once: a settle's (40 KB of hex) is longer than stdout's buffer, and the
         * agent's log lines on stderr would otherwise land inside it in a shared file. */
        fflush(stdout);
        free(text);
    }
    json_decref(j);
}

const char *wallet_cli_jstr(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s != NULL ? s : "";
}

int wallet_cli_parse_u64(const char *what, const char *s, uint64_t *out)
{
    chr_err err = s == NULL ? CHR_ERR_NONCANONICAL : chr_u64_parse(out, s, strlen(s));
    if (err != CHR_OK) {
        wallet_cli_err("%s: %s", what,
                       err == CHR_ERR_OVERFLOW ? "not below 2^64" : "a whole number is required");
        return 0;
    }
    return 1;
}

int wallet_cli_parse_amount(const wallet_cli *c, const char *what, const char *s, unsigned decimals,
                            uint64_t *out)
{
    if (c->opt[WALLET_OPT_RAW] != NULL) {
        return wallet_cli_parse_u64(what, s, out);
    }
    chr_err err = wallet_amount_parse(out, s, decimals);
    if (err == CHR_ERR_TOO_LONG) {
        wallet_cli_err("%s: %s has more decimals than the token's %u", what, s, decimals);
    } else if (err == CHR_ERR_OVERFLOW) {
        wallet_cli_err("%s: %s is too large (over 2^64-1 units)", what, s);
    } else if (err != CHR_OK) {
        wallet_cli_err("%s: %s is not an amount: write digits with an optional point, such as "
                       "1.5 or 0.001 (or whole units with --raw)",
                       what, s);
    }
    return err == CHR_OK;
}

int wallet_cli_parse_address(const char *what, const char *s, uint8_t pub[32])
{
    if (chr_address_decode(pub, s, strlen(s)) != CHR_OK) {
        wallet_cli_err("%s: %s is not a chr1... address", what, s);
        return 0;
    }
    return 1;
}

/* ---- Help. ---- */

/* Prints text from column `indent` (the cursor is there already), wrapped at column 92. */
static void print_wrapped(FILE *f, const char *text, int indent)
{
    int col = indent;
    for (const char *p = text; *p != '\0';) {
        int n = (int)strcspn(p, " ");
        if (col > indent && col + 1 + n > 92) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", n, p);
        col += n;
        p += n + (p[n] == ' ');
    }
    fputc('\n', f);
}

static void print_opt(FILE *f, wallet_opt o)
{
    const wallet_opt_spec *s = &opt_specs[o];
    char left[48];
    snprintf(left, sizeof(left), "--%s%s%s", s->name, s->takes_value ? " " : "",
             s->takes_value ? s->meta : "");
    fprintf(f, "  %-24s ", left);
    print_wrapped(f, s->help, 27);
}

static void print_overview(FILE *f)
{
    fprintf(f, "usage: chroom-wallet [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]\n");
    const char *group = NULL;
    for (const wallet_command *w = wallet_commands; w->name != NULL; w++) {
        if (group == NULL || strcmp(group, w->group) != 0) {
            group = w->group;
            fprintf(f, "\n%s:\n", group);
        }
        char left[160];
        snprintf(left, sizeof(left), "%s%s%s", w->name, w->synopsis[0] != '\0' ? " " : "",
                 w->synopsis);
        if (strlen(left) > 38) {
            fprintf(f, "  %s\n  %-38s %s\n", left, "", w->summary);
        } else {
            fprintf(f, "  %-38s %s\n", left, w->summary);
        }
    }
    fprintf(f, "\nGlobal options (anywhere on the line):\n");
    for (int o = 0; o < WALLET_OPT_GLOBAL_COUNT; o++) {
        print_opt(f, (wallet_opt)o);
    }
    fprintf(f, "\nSettings come from the flag, else the environment, else <home>/config (lines of\n"
               "`key = value`: node, api_key, ca_file, timeout_ms, key), else the default.\n"
               "Amounts are in CHR with up to 6 decimals (1 CHR = 1000000 units), or units with "
               "--raw.\n"
               "Exit codes: 0 done, 1 refused by the node or failed on chain, 2 usage error,\n"
               "3 node unreachable, timed out or outcome unknown, 4 local file or key error,\n"
               "5 wrong or missing passphrase.\n"
               "`chroom-wallet help COMMAND` explains a command and each of its options.\n");
}

static void print_command_help(FILE *f, const wallet_command *w)
{
    fprintf(f, "usage: chroom-wallet %s%s%s\n\n%s\n", w->name, w->synopsis[0] != '\0' ? " " : "",
            w->synopsis, w->help);
    if (w->opts != 0) {
        fprintf(f, "\nOptions:\n");
        for (int o = WALLET_OPT_GLOBAL_COUNT; o < WALLET_OPT_COUNT; o++) {
            if (w->opts & ((wallet_optset)1 << o)) {
                print_opt(f, (wallet_opt)o);
            }
        }
    }
    fprintf(f, "\nGlobal options: --home, --node, --api-key, --ca-file, --timeout-ms, --json,\n"
               "--passphrase-file (chroom-wallet help lists them).\n");
}

static int is_group(const char *w)
{
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (strcmp(w, groups[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The entry named by words (two words first, then one); NULL when none. *used is how
 * many words the name took. */
static const wallet_command *find_command(const char *const *words, size_t n, size_t *used)
{
    for (const wallet_command *w = wallet_commands; n >= 2 && w->name != NULL; w++) {
        size_t l0 = strlen(words[0]);
        if (strncmp(w->name, words[0], l0) == 0 && w->name[l0] == ' ' &&
            strcmp(w->name + l0 + 1, words[1]) == 0) {
            *used = 2;
            return w;
        }
    }
    for (const wallet_command *w = wallet_commands; n >= 1 && w->name != NULL; w++) {
        if (strcmp(w->name, words[0]) == 0) {
            *used = 1;
            return w;
        }
    }
    return NULL;
}

static void print_group(FILE *f, const char *group)
{
    size_t l = strlen(group);
    fprintf(f, "the %s commands:", group);
    for (const wallet_command *w = wallet_commands; w->name != NULL; w++) {
        if (strncmp(w->name, group, l) == 0 && w->name[l] == ' ') {
            fprintf(f, " %s", w->name + l + 1);
        }
    }
    fputc('\n', f);
}

int wallet_cmd_help(wallet_cli *c)
{
    if (c->args_len == 0) {
        print_overview(stdout);
        return WALLET_EXIT_OK;
    }
    if (c->args_len == 1 && is_group(c->args[0])) {
        size_t l = strlen(c->args[0]);
        for (const wallet_command *w = wallet_commands; w->name != NULL; w++) {
            if (strncmp(w->name, c->args[0], l) == 0 && w->name[l] == ' ') {
                fprintf(stdout, "chroom-wallet %s%s%s\n    %s\n", w->name,
                        w->synopsis[0] != '\0' ? " " : "", w->synopsis, w->summary);
            }
        }
        fprintf(stdout, "`chroom-wallet help %s COMMAND` explains one.\n", c->args[0]);
        return WALLET_EXIT_OK;
    }
    size_t used = 0;
    const wallet_command *w = find_command(c->args, c->args_len, &used);
    if (w == NULL || used != c->args_len) {
        wallet_cli_err("help: no command named \"%s%s%s\" (chroom-wallet help lists them)",
                       c->args[0], c->args_len > 1 ? " " : "", c->args_len > 1 ? c->args[1] : "");
        return WALLET_EXIT_USAGE;
    }
    print_command_help(stdout, w);
    return WALLET_EXIT_OK;
}

/* ---- Parsing the command line. ---- */

static int find_opt(const char *name, size_t len)
{
    for (int o = 0; o < WALLET_OPT_COUNT; o++) {
        if (strlen(opt_specs[o].name) == len && strncmp(opt_specs[o].name, name, len) == 0) {
            return o;
        }
    }
    return -1;
}

/* Splits argv into options and words. Returns an exit code; *help is set for --help/-h. */
static int parse_argv(wallet_cli *c, int argc, char **argv, const char **words, size_t *n,
                      int *help)
{
    int only_words = 0;
    *n = 0;
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_words && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            *help = 1;
            continue;
        }
        if (!only_words && strcmp(a, "--") == 0) {
            only_words = 1;
            continue;
        }
        if (only_words || strncmp(a, "--", 2) != 0) {
            if (*n == WALLET_WORDS_MAX) {
                return wallet_cli_usage(NULL, "too many arguments (from \"%s\" on)", a);
            }
            words[(*n)++] = a;
            continue;
        }
        const char *eq = strchr(a + 2, '=');
        size_t len = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
        int o = find_opt(a + 2, len);
        if (o < 0) {
            return wallet_cli_usage(NULL, "%.*s: unknown option (chroom-wallet help lists them)",
                                    (int)(len + 2), a);
        }
        const char *val = "";
        if (opt_specs[o].takes_value) {
            if (eq == NULL && i + 1 == argc) {
                return wallet_cli_usage(NULL, "%s needs a value (%s)", a, opt_specs[o].meta);
            }
            val = eq != NULL ? eq + 1 : argv[++i];
        } else if (eq != NULL) {
            return wallet_cli_usage(NULL, "--%s takes no value", opt_specs[o].name);
        }
        if (c->opt[o] != NULL) {
            return wallet_cli_usage(NULL, "--%s given twice", opt_specs[o].name);
        }
        c->opt[o] = val;
    }
    return WALLET_EXIT_OK;
}

/* Finds the command and checks its options and arguments. */
static int pick_command(wallet_cli *c, const char *const *words, size_t n)
{
    size_t used = 0;
    const wallet_command *w = find_command(words, n, &used);
    if (w == NULL || (w->hidden && is_group(words[0]) && n - used != w->args_min)) {
        if (n >= 1 && is_group(words[0])) {
            wallet_cli_err("unknown command: %s%s%s", words[0], n > 1 ? " " : "",
                           n > 1 ? words[1] : "");
            fprintf(stderr, "%s: ", wallet_cli_prog);
            print_group(stderr, words[0]);
        } else {
            wallet_cli_err("unknown command: %s (chroom-wallet help lists them)", words[0]);
        }
        return WALLET_EXIT_USAGE;
    }
    c->cmd = w;
    for (size_t i = used; i < n; i++) {
        c->args[c->args_len++] = words[i];
    }
    for (int o = WALLET_OPT_GLOBAL_COUNT; o < WALLET_OPT_COUNT; o++) {
        if (c->opt[o] != NULL && !(w->opts & ((wallet_optset)1 << o))) {
            return wallet_cli_usage(c, "--%s: unknown option for %s", opt_specs[o].name, w->name);
        }
    }
    if (c->args_len < w->args_min) {
        return wallet_cli_usage(c, "%s: missing arguments", w->name);
    }
    if (c->args_len > w->args_max) {
        return wallet_cli_usage(c,
                                "%s: unexpected argument \"%s\" (unknown command or extra "
                                "argument)",
                                w->name, c->args[w->args_max]);
    }
    return WALLET_EXIT_OK;
}

/* ---- Settings. ---- */

static const char *const config_keys[] = {"node", "api_key", "ca_file", "timeout_ms", "key"};

/* Reports chr_config's "line N: what" about <home>/config, whose line numbers are one
 * more than the file's (load_config adds a first line). */
static void config_error(const char *path, const char *err)
{
    unsigned long line = 0;
    const char *rest = strchr(err, ':');
    if (sscanf(err, "line %lu", &line) == 1 && rest != NULL && line > 1) {
        wallet_cli_err("%s: line %lu%s", path, line - 1, rest);
    } else {
        wallet_cli_err("%s: %s", path, err);
    }
}

/* Reads <home>/config when it exists: lines of `key = value` (chain.conf's syntax without
 * sections; an optional [wallet] heading is allowed). */
static int load_config(wallet_cli *c, char *path, size_t path_cap)
{
    snprintf(path, path_cap, "%s/config", c->home);
    struct stat st;
    if (c->home[0] == '\0' || (stat(path, &st) != 0 && errno == ENOENT)) {
        return WALLET_EXIT_OK;
    }
    char err[256];
    char *text = NULL;
    size_t len = 0;
    if (chr_file_read(path, WALLET_CONFIG_BYTES_MAX, &text, &len, err, sizeof(err)) != CHR_OK) {
        wallet_cli_err("%s: %s", path, err);
        return WALLET_EXIT_LOCAL;
    }
    /* chr_config wants a section before the first key: give it one, and take the line
     * numbers it reports back by one. */
    static const char head[] = "[wallet]\n";
    char *all = malloc(sizeof(head) + len);
    if (all == NULL) {
        free(text);
        return WALLET_EXIT_LOCAL;
    }
    memcpy(all, head, sizeof(head) - 1);
    memcpy(all + sizeof(head) - 1, text, len + 1);
    free(text);
    chr_err e = chr_config_parse(&c->config, all, sizeof(head) - 1 + len, err, sizeof(err));
    free(all);
    if (e != CHR_OK) {
        config_error(path, err);
        return WALLET_EXIT_LOCAL;
    }
    for (size_t i = 0; i < chr_config_count(c->config); i++) {
        const char *section;
        const char *key;
        size_t l;
        chr_config_entry(c->config, i, &section, &key, NULL, &l);
        size_t k = 0;
        while (k < sizeof(config_keys) / sizeof(config_keys[0]) &&
               strcmp(key, config_keys[k]) != 0) {
            k++;
        }
        if (strcmp(section, "wallet") != 0 || k == sizeof(config_keys) / sizeof(config_keys[0])) {
            wallet_cli_err("%s: line %zu: unknown %s \"%s\" (the keys are node, api_key, "
                           "ca_file, timeout_ms, key)",
                           path, l - 1, strcmp(section, "wallet") != 0 ? "section" : "key",
                           strcmp(section, "wallet") != 0 ? section : key);
            return WALLET_EXIT_LOCAL;
        }
    }
    if (chr_config_get(c->config, "wallet", "api_key") != NULL && (st.st_mode & 077) != 0) {
        wallet_cli_err("warning: %s holds an API key and others may read it (chmod 600 %s)", path,
                       path);
    }
    return WALLET_EXIT_OK;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static const char *cfg(const wallet_cli *c, const char *key)
{
    return c->config != NULL ? chr_config_get(c->config, "wallet", key) : NULL;
}

static int set_node(wallet_cli *c, const char *node, const char *from)
{
    size_t len = strlen(node);
    while (len > 0 && node[len - 1] == '/') {
        len--;
    }
    if ((strncmp(node, "http://", 7) != 0 && strncmp(node, "https://", 8) != 0) ||
        len > WALLET_URL_MAX || len <= 8) {
        wallet_cli_err("%s: %s is not a node URL (http://HOST:PORT or https://HOST:PORT)", from,
                       node);
        return strcmp(from, "config") == 0 ? WALLET_EXIT_LOCAL : WALLET_EXIT_USAGE;
    }
    snprintf(c->node, sizeof(c->node), "%.*s", (int)len, node);
    return WALLET_EXIT_OK;
}

static int resolve_network(wallet_cli *c)
{
    const char *v;
    int rc = WALLET_EXIT_OK;
    if ((v = c->opt[WALLET_OPT_NODE]) != NULL) {
        rc = set_node(c, v, "--node");
    } else if ((v = env("CHROOM_NODE")) != NULL) {
        rc = set_node(c, v, "$CHROOM_NODE");
    } else if ((v = cfg(c, "node")) != NULL) {
        rc = set_node(c, v, "config");
    } else {
        rc = set_node(c, "http://127.0.0.1:8080", "default");
    }
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    uint64_t t = WALLET_TIMEOUT_MS_DEFAULT;
    v = c->opt[WALLET_OPT_TIMEOUT_MS];
    if (v != NULL &&
        (!wallet_cli_parse_u64("--timeout-ms", v, &t) || t == 0 || t > WALLET_TIMEOUT_MS_MAX)) {
        return wallet_cli_usage(NULL, "--timeout-ms: from 1 to %d", WALLET_TIMEOUT_MS_MAX);
    }
    char err[256];
    if (v == NULL && c->config != NULL &&
        chr_config_u64(c->config, "wallet", "timeout_ms", WALLET_TIMEOUT_MS_DEFAULT, 1,
                       WALLET_TIMEOUT_MS_MAX, &t, err, sizeof(err)) != CHR_OK) {
        char path[WALLET_KEYSTORE_PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/config", c->home);
        config_error(path, err);
        return WALLET_EXIT_LOCAL;
    }
    c->timeout_ms = (long)t;
    const char *key = c->opt[WALLET_OPT_API_KEY];
    key = key != NULL ? key : env("CHROOM_API_KEY");
    key = key != NULL ? key : cfg(c, "api_key");
    if (key != NULL && key[0] != '\0' && !wallet_http_set_api_key(key)) {
        return wallet_cli_usage(NULL, "--api-key: not an API key or access token");
    }
    v = c->opt[WALLET_OPT_CA_FILE];
    if (v != NULL) {
        snprintf(c->ca_file, sizeof(c->ca_file), "%s", v);
    } else if ((v = cfg(c, "ca_file")) != NULL) {
        /* A relative path in the config is relative to the wallet's home. */
        snprintf(c->ca_file, sizeof(c->ca_file), "%s%s%s", v[0] == '/' ? "" : c->home,
                 v[0] == '/' ? "" : "/", v);
    }
    if (c->ca_file[0] != '\0') {
        wallet_http_set_ca_file(c->ca_file);
    }
    return WALLET_EXIT_OK;
}

static int resolve_settings(wallet_cli *c)
{
    const char *home = c->opt[WALLET_OPT_HOME];
    home = home != NULL ? home : env("CHROOM_HOME");
    if (home != NULL) {
        if (home[0] == '\0' || strlen(home) >= sizeof(c->home) - 128) {
            return wallet_cli_usage(NULL, "--home: not a usable directory name");
        }
        snprintf(c->home, sizeof(c->home), "%s", home);
    } else if (wallet_keystore_default_home(c->home, sizeof(c->home)) != CHR_OK) {
        c->home[0] = '\0';
    }
    char path[WALLET_KEYSTORE_PATH_MAX + 16];
    int rc = load_config(c, path, sizeof(path));
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    c->json = c->opt[WALLET_OPT_JSON] != NULL;
    c->default_key = env("CHROOM_KEY");
    c->default_key = c->default_key != NULL ? c->default_key : cfg(c, "key");
    return resolve_network(c);
}

int wallet_cli_main(int argc, char **argv)
{
    static wallet_cli cli;
    wallet_cli *c = &cli;
    const char *words[WALLET_WORDS_MAX];
    size_t n;
    int help;
    int rc = parse_argv(c, argc, argv, words, &n, &help);
    if (rc != WALLET_EXIT_OK) {
        return rc;
    }
    if (help || (n > 0 && strcmp(words[0], "help") == 0)) {
        size_t skip = n > 0 && strcmp(words[0], "help") == 0;
        for (size_t i = skip; i < n; i++) {
            c->args[c->args_len++] = words[i];
        }
        return wallet_cmd_help(c);
    }
    if (n == 0) {
        wallet_cli_err("no command given; `chroom-wallet help` lists the commands");
        return WALLET_EXIT_USAGE;
    }
    rc = pick_command(c, words, n);
    rc = rc ? rc : resolve_settings(c);
    if (rc == WALLET_EXIT_OK && chr_hash_init() != CHR_OK) {
        wallet_cli_err("cannot initialise libsodium");
        rc = WALLET_EXIT_LOCAL;
    }
    rc = rc ? rc : c->cmd->fn(c);
    chr_config_free(c->config);
    return rc;
}
