/* chroom-media's edges: the agent's context, its calls to the ledger node (through the
 * wallet's client and transaction code), the local HTTP endpoint and the commands. Private
 * to media/; docs/MEDIA-AGENT.md documents the commands, the endpoint and the exit codes. */
#ifndef MEDIA_INTERNAL_AGENT_H
#define MEDIA_INTERNAL_AGENT_H

#include <pthread.h>
#include <stdint.h>

#include "media/agent.h"
#include "wallet/internal/cli.h"

/* Exit codes: the wallet's (the agent runs the wallet's transaction code). */
#define MEDIA_EXIT_OK WALLET_EXIT_OK
#define MEDIA_EXIT_REFUSED WALLET_EXIT_REFUSED /* a credit is invalid; the node said no */
#define MEDIA_EXIT_USAGE WALLET_EXIT_USAGE
#define MEDIA_EXIT_UNKNOWN WALLET_EXIT_UNKNOWN /* the node or the agent is unreachable */
#define MEDIA_EXIT_LOCAL WALLET_EXIT_LOCAL     /* the config, a key or the state file */

_Static_assert(MEDIA_URL_MAX == WALLET_URL_MAX, "the agent's node URL fits the wallet's");

typedef struct media_agent {
    media_config cfg;
    wallet_cli wc; /* the wallet's settings: the node, the operator's key file */
    char node_hex[65];
    uint8_t node_pub[32];
    char chain_id[LEDGER_CHAIN_ID_MAX + 1];
    int json;
    /* run only: the table, the mutex that guards it and the state file. */
    media_state *state;
    pthread_mutex_t lock;
    media_stats stats;   /* the media server's last /stats report (guarded by lock) */
    struct media_hb *hb; /* the heartbeat sender (media/heartbeat.c), NULL when not running */
} media_agent;

/* Sets up a from its config file (path): the wallet's settings and the node key's public
 * half (the node's secret is read and wiped). An exit code; errors printed. */
int media_agent_init(media_agent *a, const char *config_path, int json);

/* The meeting's record from the ledger node. MEDIA_EXIT_REFUSED when there is no such
 * meeting or the answer is malformed, MEDIA_EXIT_UNKNOWN when the node is unreachable;
 * printed unless quiet. */
int media_fetch_record(const media_agent *a, const uint8_t id[LEDGER_MEETING_ID_LEN],
                       media_record *out, int quiet);
/* The chain's id (GET /api/v1/token) into a->chain_id. An exit code. */
int media_fetch_chain_id(media_agent *a);

/* Current Unix time in ms. */
uint64_t media_now_ms(void);

/* run's one round over the tracked meetings (media/settle.c): refreshes their records,
 * settles the finished ones in batches, forgets the closed ones, saves the state. */
void media_settle_round(media_agent *a, uint64_t now_ms);
/* run's watch of the chain (media/watch.c): reads the blocks after the last one seen (at
 * most MEDIA_WATCH_BLOCKS_PER_ROUND) and tracks each new meeting allocated to this node. */
void media_watch_round(media_agent *a);
/* Writes the table to the state file (the caller holds a->lock). 0 on failure (logged). */
int media_state_save(media_agent *a);

/* The heartbeat sender (media/heartbeat.c, docs/MEDIA-AGENT.md "Heartbeats"): reads the
 * node key's secret and starts a thread that signs and sends a heartbeat every
 * cfg.heartbeat_interval_ms to the ledger node until media_heartbeat_stop; refusals are
 * logged at most once a minute while they repeat. Call after media_fetch_chain_id, before
 * the local endpoint starts. An exit code (MEDIA_EXIT_LOCAL: the key, memory, the thread). */
int media_heartbeat_start(media_agent *a);
/* Stops the thread (within the call's timeout) and wipes the secret. No-op when not
 * started. */
void media_heartbeat_stop(media_agent *a);
/* The sender's counts for GET /health: {"sent", "accepted", "refused", "last_refusal"}, a
 * new object (NULL when not started). */
json_t *media_heartbeat_status(media_agent *a);

/* The local endpoint (media/server.c): starts it on cfg.listen_addr:listen_port. NULL and
 * logged on failure. */
struct MHD_Daemon;
struct MHD_Daemon *media_server_start(media_agent *a);

/* The commands (media/cli.c, media/cmd.c). */
int media_cmd_register(media_agent *a, int update, int deregister);
int media_cmd_credit_verify(media_agent *a, const char *credit_hex, const char *meeting_hex,
                            uint64_t now_ms);
int media_cmd_run(media_agent *a);
int media_cmd_usage_add(media_agent *a, const char *meeting, const char *participant,
                        const char *minutes);
int media_cli_main(int argc, char **argv);

#endif
