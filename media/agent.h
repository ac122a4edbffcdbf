/* chroom-media, the media-node operator's agent (docs/MEDIA-AGENT.md): its config file, the
 * table of meetings it tracks (the credits it admitted and the minutes the media server
 * reported), and the planning of settle transactions in batches. The pure parts (config
 * parsing, the table, batching, the state's JSON) are here; the edges (the ledger node over
 * HTTP, the local endpoint, the commands) are in media/internal/agent.h.
 *
 * Not thread-safe: the caller serialises access to a media_state (run holds a mutex). */
#ifndef MEDIA_AGENT_H
#define MEDIA_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "credit/credit.h"
#include "ledger/heartbeat.h"
#include "ledger/limits.h"
#include "ledger/tx.h"
#include "media/limits.h"

/* The config file (an INI, common/config.h's syntax; docs/MEDIA-AGENT.md lists the keys).
 * Paths are absolute: relative ones are taken from the config file's directory. */
typedef struct media_config {
    char node[MEDIA_URL_MAX + 1];           /* [node] url, without a trailing '/' */
    char api_key[257];                      /* [node] api_key, "" for none */
    char ca_file[MEDIA_PATH_MAX];           /* [node] ca_file, "" for the system's */
    uint64_t timeout_ms;                    /* [node] timeout_ms */
    char node_key_file[MEDIA_PATH_MAX];     /* [keys] node_key_file (required) */
    char operator_key_file[MEDIA_PATH_MAX]; /* [keys] operator_key_file (default the node's) */
    char endpoint[LEDGER_MEDIA_ENDPOINT_MAX + 1]; /* [registry] endpoint */
    char region[LEDGER_MEDIA_REGION_MAX + 1];     /* [registry] region */
    uint64_t capacity;                            /* [registry] capacity, 0 when absent */
    uint64_t bond_units;                          /* [registry] bond_units, 0 when absent */
    char metadata[LEDGER_MEDIA_METADATA_MAX + 1]; /* [registry] metadata */
    char listen_addr[16];                         /* [agent] listen_addr, an IPv4 address */
    uint16_t listen_port;                         /* [agent] listen_port */
    char state_file[MEDIA_PATH_MAX];              /* [agent] state_file */
    uint64_t poll_ms;                             /* [agent] poll_ms */
    uint64_t heartbeat_interval_ms;               /* [agent] heartbeat_interval_ms */
} media_config;

/* Parses a config file's text (text_len bytes) into *out; dir (the file's directory, no
 * trailing '/') anchors relative paths. CHR_ERR_CONFIG with errmsg "line N: ..." or "[s] k:
 * ..." for a bad line, an unknown section or key, a value out of its range or a missing
 * required key; CHR_ERR_NOMEM. *out is zeroed on failure. */
CHR_WUR chr_err media_config_parse(media_config *out, const char *text, size_t text_len,
                                   const char *dir, char *errmsg, size_t errmsg_cap);

/* One person of a tracked meeting, at its claim index (0 the host, i the i-th
 * participant). */
typedef struct media_person {
    uint8_t used; /* a credit was admitted for this person */
    uint16_t credit_len;
    uint8_t credit[CREDIT_BYTES_MAX]; /* the latest credit admitted, as presented */
    uint32_t minutes;                 /* minutes the media server reported, in all */
    uint32_t claimed;                 /* minutes the chain holds as claimed (final or pending) */
    /* The participant's usage receipt with the most minutes (docs/CREDITS.md, "Usage
     * receipts"), checked when taken; receipt_minutes 0: none. */
    uint32_t receipt_minutes;
    uint8_t receipt_sig[64];
} media_person;

/* A meeting's record as the ledger node answers GET /api/v1/meetings/{id}: what credits
 * are checked against and claims bounded by. */
typedef enum media_meeting_status {
    MEDIA_MEETING_OPEN = 1,      /* "created": not yet past its end */
    MEDIA_MEETING_FINISHED = 2,  /* "ended" or "expired": ready to settle */
    MEDIA_MEETING_CANCELLED = 3, /* nothing to settle */
} media_meeting_status;

typedef struct media_record {
    uint8_t id[LEDGER_MEETING_ID_LEN];
    uint8_t payer[32];
    uint8_t node_key[32];
    uint32_t duration_min;
    uint64_t end_ms;
    uint8_t status; /* media_meeting_status */
    uint8_t host_len;
    char host[LEDGER_MEETING_ID_STR_MAX];
    uint8_t participants_len;
    uint8_t participant_lens[LEDGER_MEETING_PARTICIPANTS_MAX];
    char participants[LEDGER_MEETING_PARTICIPANTS_MAX][LEDGER_MEETING_ID_STR_MAX];
} media_record;

/* Parses a meeting's JSON (text_len bytes; the node is not trusted to send the right shape).
 * CHR_ERR_JSON naming the field that is missing or malformed; *out zeroed on failure. */
CHR_WUR chr_err media_record_parse(media_record *out, const char *text, size_t text_len,
                                   char *errmsg, size_t errmsg_cap);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (the node's times) into Unix ms; 0 for anything else. */
uint64_t media_time_parse(const char *s);

/* Why a credit is refused, beyond the verifier's answers (credit_result_name). */
#define MEDIA_DENY_NOT_ON_NODE "meeting_not_on_this_node"
#define MEDIA_DENY_CANCELLED "meeting_cancelled"
#define MEDIA_DENY_NOT_IN_MEETING "not_in_meeting"

/* Checks a credit (credit_len bytes) for the meeting of record r on the media node node_key
 * at now_ms, for chain_id: NULL when it admits, with *index the person's claim index (0 the
 * host), else the reason, a stable snake_case name: the verifier's (credit_result_name:
 * "expired", "wrong_node", "wrong_meeting", "bad_signature", ...) or MEDIA_DENY_*. The
 * credit must be for r's meeting (so a credit of another meeting is "wrong_meeting"). */
const char *media_check_credit(const media_record *r, const uint8_t node_key[32],
                               const char *chain_id, const uint8_t *credit_bytes, size_t credit_len,
                               uint64_t now_ms, uint8_t *index);

/* A tracked meeting: its record and its people. */
typedef struct media_meeting {
    uint8_t used;
    uint8_t id[LEDGER_MEETING_ID_LEN];
    uint8_t has_record; /* rec is filled (the ledger node was asked) */
    media_record rec;
    uint64_t claims_until_ms; /* end + settlement window, 0 until the payments are read */
    media_person persons[MEDIA_PERSONS_MAX];
} media_meeting;

typedef struct media_state {
    media_meeting meetings[MEDIA_MEETINGS_MAX];
    uint64_t watched_height; /* the last block run looked at for new meetings; 0: none yet */
} media_state;

/* The meeting with id, or NULL. */
media_meeting *media_state_find(media_state *s, const uint8_t id[LEDGER_MEETING_ID_LEN]);
/* The meeting with id, added empty when absent. CHR_ERR_FULL when the table is. */
CHR_WUR chr_err media_state_add(media_state *s, const uint8_t id[LEDGER_MEETING_ID_LEN],
                                media_meeting **out);
/* Records an admitted credit (credit_len bytes, at most CREDIT_BYTES_MAX) for the person at
 * index (< MEDIA_PERSONS_MAX); a later credit replaces an earlier one. */
void media_meeting_credit(media_meeting *m, uint8_t index, const uint8_t *bytes, size_t credit_len);
/* The index of the person whose admitted credit names participant (id_len bytes), or -1. */
int media_meeting_person(const media_meeting *m, const char *participant, size_t id_len);
/* Takes the usage receipt sig of the person at index for minutes (1..), when it verifies
 * for the key of the person's credit, chain_id, m's meeting and node_key; it replaces a
 * receipt of fewer minutes. CREDIT_VALID, CREDIT_BAD_FIELD when the credit carries no key
 * (the person's ID is not a chr1 address) or minutes is 0, or credit_receipt_verify's
 * answer. */
credit_result media_meeting_receipt(media_meeting *m, uint8_t index, uint32_t minutes,
                                    const uint8_t sig[64], const char *chain_id,
                                    const uint8_t node_key[32]);
/* Adds minutes to the person at index; the total stops at UINT32_MAX. */
void media_meeting_usage(media_meeting *m, uint8_t index, uint32_t minutes);
/* The minutes the person at index may claim now: the reported ones, bounded by the credit's
 * minutes_max and the meeting's duration, or the receipt's when it is within that bound and
 * not below the reported ones (the participant signed them: such a claim is final at
 * once); 0 when none are above what is claimed. */
uint32_t media_person_claimable(const media_meeting *m, uint8_t index);

/* One settle transaction's claims. */
typedef struct media_batch {
    size_t claims_len;
    ledger_claim claims[LEDGER_SETTLE_CLAIMS_MAX];
} media_batch;

/* Plans m's settlement: the claims of every person with claimable minutes (by index, so
 * indexes increase as the chain requires) in batches of up to LEDGER_SETTLE_CLAIMS_MAX,
 * each claim carrying the credit's signed fields, and the receipt when it is for exactly
 * the claim's minutes. *n_out is the number of batches (0: nothing to claim). */
void media_plan_batches(const media_meeting *m, media_batch out[MEDIA_BATCHES_MAX], size_t *n_out);

/* The table as a NUL-terminated JSON text (docs/MEDIA-AGENT.md, "State file"); malloc'ed,
 * the caller frees. NULL when out of memory. */
char *media_state_encode(const media_state *s);
/* Loads a state file's text into s (zeroed first). CHR_ERR_JSON for text that is not the
 * state's shape, CHR_ERR_FULL for more meetings than the table holds; s is zeroed on
 * failure. */
CHR_WUR chr_err media_state_decode(media_state *s, const char *text, size_t text_len, char *errmsg,
                                   size_t errmsg_cap);

/* The media server's own figures (POST /stats, docs/MEDIA-AGENT.md): each report replaces
 * the one before. A figure the report leaves out (participants) is the agent's own. */
typedef struct media_stats_meeting {
    uint8_t id[LEDGER_MEETING_ID_LEN];
    uint8_t has_participants;
    ledger_hb_figures f;
} media_stats_meeting;

typedef struct media_stats {
    uint64_t time_ms; /* when it was reported (the caller sets it); 0: never */
    uint8_t has_participants;
    ledger_hb_figures f;
    uint8_t meetings_len;
    media_stats_meeting meetings[LEDGER_HEARTBEAT_MEETINGS_MAX];
} media_stats;

/* Parses a POST /stats body (text_len bytes, hostile): a JSON object with exactly the
 * fields docs/MEDIA-AGENT.md lists, each figure an integer within the heartbeat's bounds
 * (ledger/heartbeat.h), at most LEDGER_HEARTBEAT_MEETINGS_MAX meetings, none twice.
 * CHR_ERR_JSON with errmsg naming the field; *out zeroed on failure (time_ms is left 0). */
CHR_WUR chr_err media_stats_parse(media_stats *out, const char *text, size_t text_len, char *errmsg,
                                  size_t errmsg_cap);

/* The CPU's time counters (/proc/stat's "cpu" line, in clock ticks since boot). */
typedef struct media_cpu_sample {
    uint64_t busy;
    uint64_t total;
} media_cpu_sample;

/* Parses the first line of /proc/stat's text (text_len bytes): "cpu" then at least four
 * counters (user nice system idle [iowait irq softirq steal ...]); busy is every counter
 * of the first eight but idle and iowait. CHR_ERR_PARSE otherwise; *out zeroed on failure. */
CHR_WUR chr_err media_cpu_parse(media_cpu_sample *out, const char *text, size_t text_len);
/* The CPU's use between two samples in permille (0 when no time passed or the counters went
 * back). */
uint16_t media_cpu_permille(const media_cpu_sample *prev, const media_cpu_sample *cur);

/* Fills *hb, all but its signature, for the media node node_key on chain_id at time_ms:
 * the media server's figures from st unless older than MEDIA_STATS_STALE_MS (else zero),
 * and from the table s the participants the agent admitted in its open meetings (record
 * read, not past its end) wherever st gives none; load is the participants over capacity
 * (0 when capacity is 0). The meetings are those of st and the open ones with an admitted
 * person, st's first, at most LEDGER_HEARTBEAT_MEETINGS_MAX, by increasing id. The result
 * obeys the heartbeat's field rules (asserted) when chain_id is 1..LEDGER_CHAIN_ID_MAX bytes
 * and time_ms is positive. */
void media_heartbeat_build(ledger_heartbeat *hb, const media_state *s, const media_stats *st,
                           uint64_t capacity, const uint8_t node_key[32], const char *chain_id,
                           uint64_t time_ms, uint16_t cpu_permille);

#endif
