/* The consensus write-ahead log: the messages this validator signed at the current height,
 * written durably before any of them is sent (docs/CONSENSUS.md, "WAL"). After a kill -9
 * the node replays them into the core (cons_core_restore), which then resumes the height
 * and round and never signs a vote that conflicts with one it sent.
 *
 * File: records back to back, each u32 length | raw8 check | payload, where check is the
 * first 8 bytes of SHA-256(u32 length | payload). A record whose length runs past the end
 * of the file or whose check fails, with no intact record after it, is a torn tail (a write
 * cut by the crash): it and everything after it are cut off when the log is opened. A
 * damaged record with an intact one after it is damage in the middle of the log: opening
 * refuses the log (CHR_ERR_WAL), since cutting there would forget votes this validator may
 * have sent. The log is emptied when a new height begins; records of another height are
 * ignored by the core.
 *
 * cons_wal_scan and cons_wal_next_intact are pure (fuzzed); the cons_wal_* file calls do
 * the I/O and are used by one thread (the node's consensus thread). */
#ifndef CONS_WAL_H
#define CONS_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "consensus/limits.h"

#define CONS_WAL_HEADER_BYTES 12
/* A record is one signed message: a proposal with its block at most. */
#define CONS_WAL_RECORD_MAX CONS_MSG_BYTES_MAX

/* Writes the 12-byte header of a record of payload into out. */
void cons_wal_header(uint8_t out[CONS_WAL_HEADER_BYTES], const uint8_t *payload, size_t len);

/* Walks the records in buf, calling cb for each whole, intact one (payload views into buf),
 * and returns the length of that valid prefix: where a torn or damaged tail starts, or
 * buf_len. cb may be NULL. A non-zero return from cb stops the walk there. */
size_t cons_wal_scan(const uint8_t *buf, size_t buf_len,
                     int (*cb)(void *ctx, const uint8_t *rec, size_t rec_len), void *ctx);

/* After cons_wal_scan stopped at `at` (< buf_len) on a record it could not read, the offset
 * of the first intact record after that one, or buf_len if there is none: the bytes from
 * `at` on are then a torn tail. Records are looked for where the log's own would be: ones
 * whose length is a vote's (CONS_VOTE_BYTES) or a proposal's whose own block length agrees
 * with it. A damaged record whose length is so confirmed is stepped over whole (its
 * payload, a block of other people's transactions, is never searched); one whose length
 * is not (its length damaged) is searched past byte by byte. A confirmed record cut by the
 * end of the file ends the search: it is the write the crash cut short. Each byte is
 * hashed at most once, so the cost is linear in buf_len whatever the bytes. */
size_t cons_wal_next_intact(const uint8_t *buf, size_t buf_len, size_t at);

typedef struct cons_wal cons_wal;

/* Opens (creating, mode 0600, and syncing its directory so the file's existence is durable)
 * the log at path, cuts a torn tail (logging how many bytes) and keeps the intact records
 * for cons_wal_records. CHR_ERR_WAL for damage in the middle of the log (a damaged record
 * with an intact one after it; errmsg names the file and both offsets; the file is left as
 * it is), CHR_ERR_IO (errmsg says why), CHR_ERR_NOMEM, CHR_ERR_TOO_LONG for a log over
 * CONS_WAL_BYTES_MAX. */
CHR_WUR chr_err cons_wal_open(cons_wal **out, const char *path, char *errmsg, size_t errmsg_cap);
void cons_wal_close(cons_wal *w);

/* The records found at open, in order; valid until cons_wal_reset or close. */
size_t cons_wal_count(const cons_wal *w);
const uint8_t *cons_wal_record(const cons_wal *w, size_t i, size_t *len);

/* Appends a record (written, not yet durable). CHR_ERR_IO, CHR_ERR_TOO_LONG. */
CHR_WUR chr_err cons_wal_append(cons_wal *w, const uint8_t *rec, size_t len);
/* Makes every append so far durable (fdatasync). CHR_ERR_IO. */
CHR_WUR chr_err cons_wal_sync(cons_wal *w);
/* Empties the log durably, for a new height. CHR_ERR_IO. */
CHR_WUR chr_err cons_wal_reset(cons_wal *w);

/* A log holds one height's own messages: at most a proposal and two votes per round. Past
 * this size something is wrong; opening refuses it rather than reading it all. */
#define CONS_WAL_BYTES_MAX (64u * 1024 * 1024)

#endif
