/* The write-ahead log: the pure scanner (records, torn tails, damage) and the file calls
 * (append, sync, reopen, cut, reset, size limit). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/hash.h"
#include "consensus/wal.h"
#include "tests/unit/consensus/harness.h"
#include "tests/unit/consensus/suite.h"
#include "tests/unit/test.h"

#define RECS 5
static const size_t rec_lens[RECS] = {0, 1, 142, 1000, 37};

/* A log of RECS records into buf (at most 2 KiB); ends[k] is where record k ends. */
static size_t build_log(uint8_t *buf, size_t *ends)
{
    size_t at = 0;
    for (size_t k = 0; k < RECS; k++) {
        uint8_t payload[1000];
        for (size_t i = 0; i < rec_lens[k]; i++) {
            payload[i] = (uint8_t)(k * 31 + i);
        }
        cons_wal_header(buf + at, payload, rec_lens[k]);
        memcpy(buf + at + CONS_WAL_HEADER_BYTES, payload, rec_lens[k]);
        at += CONS_WAL_HEADER_BYTES + rec_lens[k];
        ends[k] = at;
    }
    return at;
}

typedef struct seen {
    size_t count;
    const uint8_t *recs[RECS];
    size_t lens[RECS];
    size_t stop_at; /* return 1 at this record (RECS: never) */
} seen;

static int collect(void *ctx, const uint8_t *rec, size_t rec_len)
{
    seen *s = ctx;
    if (s->count == s->stop_at) {
        return 1;
    }
    if (s->count < RECS) {
        s->recs[s->count] = rec;
        s->lens[s->count] = rec_len;
    }
    s->count++;
    return 0;
}

void test_wal_scan_records(void)
{
    /* Proves the record format (u32 length | first 8 bytes of SHA-256(length | payload) |
     * payload) and that the scanner reports every record of an intact log, in order, as
     * views, returning the whole length; a callback's stop ends the walk before that record. */
    uint8_t buf[2048];
    size_t ends[RECS];
    size_t len = build_log(buf, ends);
    uint8_t digest[32];
    uint8_t pre[4 + 1];
    chr_put_u32be(pre, 1);
    pre[4] = buf[ends[0] + CONS_WAL_HEADER_BYTES];
    chr_sha256_hash(digest, pre, sizeof(pre));
    CHECK(chr_get_u32be(buf + ends[0]) == 1);
    CHECK(memcmp(buf + ends[0] + 4, digest, 8) == 0);

    seen s;
    memset(&s, 0, sizeof(s));
    s.stop_at = RECS;
    CHECK(cons_wal_scan(buf, len, collect, &s) == len);
    CHECK(s.count == RECS);
    size_t start = 0;
    for (size_t k = 0; k < RECS; k++) {
        CHECK(s.lens[k] == rec_lens[k]);
        CHECK(s.recs[k] == buf + start + CONS_WAL_HEADER_BYTES);
        start = ends[k];
    }
    CHECK(cons_wal_scan(buf, len, NULL, NULL) == len);
    CHECK(cons_wal_scan(buf, 0, NULL, NULL) == 0);
    memset(&s, 0, sizeof(s));
    s.stop_at = 2;
    CHECK(cons_wal_scan(buf, len, collect, &s) == ends[1]);
    CHECK(s.count == 2);
}

void test_wal_scan_torn_tail(void)
{
    /* Proves that a log cut at every byte gives exactly the whole records before the cut:
     * the valid prefix ends at the last record boundary at or before it. */
    uint8_t buf[2048];
    size_t ends[RECS];
    size_t len = build_log(buf, ends);
    for (size_t cut = 0; cut <= len; cut++) {
        size_t want = 0, whole = 0;
        for (size_t k = 0; k < RECS; k++) {
            if (ends[k] <= cut) {
                want = ends[k];
                whole = k + 1;
            }
        }
        /* An exact copy, so a read past the cut is caught by ASan. */
        uint8_t *part = malloc(cut > 0 ? cut : 1);
        CHECK(part != NULL);
        memcpy(part, buf, cut);
        seen s;
        memset(&s, 0, sizeof(s));
        s.stop_at = RECS;
        size_t got = cons_wal_scan(part, cut, collect, &s);
        free(part);
        CHECK(got == want);
        CHECK(s.count == whole);
    }
}

void test_wal_scan_damage(void)
{
    /* Proves a flipped bit anywhere in a record (its length, its check or its payload) ends
     * the valid prefix at that record's start, and that a length over CONS_WAL_RECORD_MAX
     * is a damaged record however many bytes follow. */
    uint8_t buf[2048];
    size_t ends[RECS];
    size_t len = build_log(buf, ends);
    for (size_t k = 1; k < RECS; k++) {
        size_t start = ends[k - 1];
        for (size_t i = start; i < ends[k]; i++) {
            for (unsigned flip = 1; flip < 256; flip <<= 1) {
                buf[i] ^= (uint8_t)flip;
                size_t got = cons_wal_scan(buf, len, NULL, NULL);
                buf[i] ^= (uint8_t)flip;
                CHECK(got == start);
            }
        }
    }
    uint8_t header[CONS_WAL_HEADER_BYTES];
    chr_put_u32be(header, CONS_WAL_RECORD_MAX + 1);
    memset(header + 4, 0, 8);
    CHECK(cons_wal_scan(header, sizeof(header), NULL, NULL) == 0);
    /* A record of exactly the maximum length is accepted. */
    uint8_t *big = calloc(1, CONS_WAL_HEADER_BYTES + CONS_WAL_RECORD_MAX);
    CHECK(big != NULL);
    cons_wal_header(big, big + CONS_WAL_HEADER_BYTES, CONS_WAL_RECORD_MAX);
    size_t got = cons_wal_scan(big, CONS_WAL_HEADER_BYTES + CONS_WAL_RECORD_MAX, NULL, NULL);
    free(big);
    CHECK(got == CONS_WAL_HEADER_BYTES + CONS_WAL_RECORD_MAX);
}

/* ---- the file ---- */

typedef struct tmp {
    char dir[64];
    char path[96];
} tmp;

static int tmp_make(tmp *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/chroom-wal-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        return 0;
    }
    snprintf(t->path, sizeof(t->path), "%s/cons.wal", t->dir);
    return 1;
}

static void tmp_remove(tmp *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static const uint8_t payload_a[] = "the first record";
static const uint8_t payload_b[] = {2, 0, 0, 0, 9};
static const uint8_t payload_c[] = "third";

static int record_is(const cons_wal *w, size_t i, const uint8_t *want, size_t want_len)
{
    size_t len;
    const uint8_t *rec = cons_wal_record(w, i, &len);
    return rec != NULL && len == want_len && memcmp(rec, want, len) == 0;
}

static void wal_file_round_trip(tmp *t)
{
    char err[256] = "";
    cons_wal *w;
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    struct stat st;
    CHECK(stat(t->path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(cons_wal_count(w) == 0);
    CHECK_OK(cons_wal_append(w, payload_a, sizeof(payload_a)));
    CHECK_OK(cons_wal_append(w, payload_b, sizeof(payload_b)));
    CHECK_OK(cons_wal_sync(w));
    cons_wal_close(w);
    CHECK(file_size(t->path) ==
          (long long)(2 * CONS_WAL_HEADER_BYTES + sizeof(payload_a) + sizeof(payload_b)));

    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK(cons_wal_count(w) == 2);
    CHECK(record_is(w, 0, payload_a, sizeof(payload_a)));
    CHECK(record_is(w, 1, payload_b, sizeof(payload_b)));
    size_t len = 99;
    CHECK(cons_wal_record(w, 2, &len) == NULL && len == 0);
    /* Appends after a reopen go after the records found. */
    CHECK_OK(cons_wal_append(w, payload_c, sizeof(payload_c)));
    CHECK_OK(cons_wal_sync(w));
    cons_wal_close(w);
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK(cons_wal_count(w) == 3);
    CHECK(record_is(w, 2, payload_c, sizeof(payload_c)));
    cons_wal_close(w);
}

void test_wal_file_round_trip(void)
{
    /* Proves the file calls: open creates the log (mode 0600), appends are found in order
     * after sync, close and reopen, and appends after a reopen follow the old records. */
    tmp t;
    CHECK(tmp_make(&t));
    wal_file_round_trip(&t);
    tmp_remove(&t);
}

static void wal_file_torn(tmp *t)
{
    char err[256] = "";
    cons_wal *w;
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK_OK(cons_wal_append(w, payload_a, sizeof(payload_a)));
    CHECK_OK(cons_wal_append(w, payload_b, sizeof(payload_b)));
    CHECK_OK(cons_wal_sync(w));
    cons_wal_close(w);
    long long valid = file_size(t->path);
    /* A crash in the middle of a third record: its header and part of its payload. */
    uint8_t torn[CONS_WAL_HEADER_BYTES + 3];
    cons_wal_header(torn, payload_c, sizeof(payload_c));
    memcpy(torn + CONS_WAL_HEADER_BYTES, payload_c, 3);
    for (size_t cut = 1; cut <= sizeof(torn); cut++) {
        int fd = open(t->path, O_WRONLY | O_APPEND);
        CHECK(fd >= 0);
        CHECK(write(fd, torn, cut) == (ssize_t)cut);
        close(fd);
        CHECK(file_size(t->path) == valid + (long long)cut);
        CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
        CHECK(cons_wal_count(w) == 2);
        CHECK(file_size(t->path) == valid); /* cut on open */
        cons_wal_close(w);
    }
    /* Damage inside the second record cuts it and everything after it. */
    int fd = open(t->path, O_RDWR);
    CHECK(fd >= 0);
    uint8_t byte = 0x77;
    off_t at = (off_t)(CONS_WAL_HEADER_BYTES + sizeof(payload_a) + CONS_WAL_HEADER_BYTES + 1);
    CHECK(pwrite(fd, &byte, 1, at) == 1);
    close(fd);
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK(cons_wal_count(w) == 1);
    CHECK(record_is(w, 0, payload_a, sizeof(payload_a)));
    cons_wal_close(w);
    CHECK(file_size(t->path) == (long long)(CONS_WAL_HEADER_BYTES + sizeof(payload_a)));
}

void test_wal_file_torn_tail(void)
{
    /* Proves a torn tail (a record cut at any byte) is found and cut on open: the file
     * shrinks to the valid prefix and the intact records are kept; damage in a record cuts
     * the log at that record. */
    tmp t;
    CHECK(tmp_make(&t));
    wal_file_torn(&t);
    tmp_remove(&t);
}

static void wal_file_reset(tmp *t)
{
    char err[256] = "";
    cons_wal *w;
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK_OK(cons_wal_append(w, payload_a, sizeof(payload_a)));
    CHECK_OK(cons_wal_sync(w));
    cons_wal_close(w);
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK(cons_wal_count(w) == 1);
    CHECK_OK(cons_wal_reset(w));
    CHECK(cons_wal_count(w) == 0);
    size_t len;
    CHECK(cons_wal_record(w, 0, &len) == NULL);
    CHECK(file_size(t->path) == 0);
    CHECK_OK(cons_wal_append(w, payload_c, sizeof(payload_c)));
    CHECK_OK(cons_wal_sync(w));
    cons_wal_close(w);
    CHECK(file_size(t->path) == (long long)(CONS_WAL_HEADER_BYTES + sizeof(payload_c)));
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK(cons_wal_count(w) == 1);
    CHECK(record_is(w, 0, payload_c, sizeof(payload_c)));
    cons_wal_close(w);
}

void test_wal_file_reset(void)
{
    /* Proves reset empties the log durably (size 0) and that appends after it start at
     * the beginning of the file. */
    tmp t;
    CHECK(tmp_make(&t));
    wal_file_reset(&t);
    tmp_remove(&t);
}

static void wal_file_limits(tmp *t)
{
    char err[256] = "";
    cons_wal *w;
    int fd = open(t->path, O_RDWR | O_CREAT, 0600);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, (off_t)CONS_WAL_BYTES_MAX + 1) == 0); /* sparse: no disk used */
    close(fd);
    CHECK(cons_wal_open(&w, t->path, err, sizeof(err)) == CHR_ERR_TOO_LONG);
    CHECK(w == NULL);
    CHECK(err[0] != '\0');
    CHECK(file_size(t->path) == (long long)CONS_WAL_BYTES_MAX + 1); /* left alone */

    CHECK(truncate(t->path, 0) == 0);
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    /* A record over CONS_WAL_RECORD_MAX is refused before anything is written. */
    uint8_t *big = calloc(1, CONS_WAL_RECORD_MAX + 1);
    CHECK(big != NULL);
    CHECK(cons_wal_append(w, big, CONS_WAL_RECORD_MAX + 1) == CHR_ERR_TOO_LONG);
    CHECK(file_size(t->path) == 0);
    /* Appends stop at CONS_WAL_BYTES_MAX: seven of the largest records fit, an eighth not. */
    for (int k = 0; k < 7; k++) {
        CHECK_OK(cons_wal_append(w, big, CONS_WAL_RECORD_MAX));
    }
    long long size = file_size(t->path);
    CHECK(cons_wal_append(w, big, CONS_WAL_RECORD_MAX) == CHR_ERR_TOO_LONG);
    CHECK(file_size(t->path) == size);
    free(big);
    cons_wal_close(w);
}

void test_wal_file_limits(void)
{
    /* Proves a log over CONS_WAL_BYTES_MAX is refused at open (a sparse file, left as it
     * is), a record over CONS_WAL_RECORD_MAX is refused, and appends stop at the log's
     * maximum size. */
    tmp t;
    CHECK(tmp_make(&t));
    wal_file_limits(&t);
    tmp_remove(&t);
}

static tmp fail_tmp;

/* In a child: an append that fails half-way (the file size limit hit in its payload), then
 * a successful append and sync. Exits 0 if the reopened log holds the record of every
 * append that returned CHR_OK. */
static void append_after_failure_child(void)
{
    char err[256] = "";
    cons_wal *w;
    uint8_t rec1[100], rec2[100], rec3[20];
    memset(rec1, 1, sizeof(rec1));
    memset(rec2, 2, sizeof(rec2));
    memset(rec3, 3, sizeof(rec3));
    signal(SIGXFSZ, SIG_IGN);
    if (cons_wal_open(&w, fail_tmp.path, err, sizeof(err)) != CHR_OK ||
        cons_wal_append(w, rec1, sizeof(rec1)) != CHR_OK) {
        _exit(2);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) != 0) {
        _exit(2);
    }
    struct rlimit low = rl;
    low.rlim_cur = 112 + 12 + 50; /* record 1, record 2's header, half its payload */
    if (setrlimit(RLIMIT_FSIZE, &low) != 0) {
        _exit(2);
    }
    if (cons_wal_append(w, rec2, sizeof(rec2)) == CHR_OK) {
        _exit(2); /* the limit did not bite: nothing to test */
    }
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
        _exit(2);
    }
    chr_err e3 = cons_wal_append(w, rec3, sizeof(rec3));
    if (e3 == CHR_OK && cons_wal_sync(w) != CHR_OK) {
        _exit(2);
    }
    cons_wal_close(w);
    if (cons_wal_open(&w, fail_tmp.path, err, sizeof(err)) != CHR_OK) {
        _exit(1);
    }
    size_t n = cons_wal_count(w);
    int ok = n >= 1 && record_is(w, 0, rec1, sizeof(rec1));
    if (e3 == CHR_OK) {
        ok = ok && n == 2 && record_is(w, 1, rec3, sizeof(rec3));
    }
    cons_wal_close(w);
    _exit(ok ? 0 : 1);
}

void test_wal_append_after_failed_append(void)
{
    /* Proves an append that failed half-way (here: the file size limit hit inside its
     * payload) does not make a later successful, synced append disappear on reopen: either
     * the later append is refused, or the reopened log holds it. (A regression test: the
     * orphan header once stayed, and reopening cut the later record.) */
    CHECK(tmp_make(&fail_tmp));
    int ok = h_survives(append_after_failure_child);
    tmp_remove(&fail_tmp);
    CHECK(ok);
}

/* ASan reserves terabytes of address space, so RLIMIT_AS cannot be used under it. */
#if defined(__SANITIZE_ADDRESS__)
static const int wal_asan = 1;
#else
static const int wal_asan = 0;
#endif

#define OOM_RECORDS (1u << 20)

static tmp oom_tmp;

static long vm_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = -1;
    if (f != NULL) {
        if (fscanf(f, "%ld", &pages) != 1) {
            pages = -1;
        }
        fclose(f);
    }
    return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/* In a child: opens a log of OOM_RECORDS empty records with little address space to
 * spare. Exits 0 unless the open cut intact records off the file. */
static void open_low_memory_child(void)
{
    long vm = vm_bytes();
    if (vm < 0) {
        _exit(2);
    }
    struct rlimit rl;
    rl.rlim_cur = (rlim_t)vm + (rlim_t)OOM_RECORDS * CONS_WAL_HEADER_BYTES + (6u << 20);
    rl.rlim_max = RLIM_INFINITY;
    if (setrlimit(RLIMIT_AS, &rl) != 0) {
        _exit(2);
    }
    char err[256] = "";
    cons_wal *w;
    chr_err e = cons_wal_open(&w, oom_tmp.path, err, sizeof(err));
    size_t n = e == CHR_OK ? cons_wal_count(w) : 0;
    if (e == CHR_OK) {
        cons_wal_close(w);
    }
    long long size = file_size(oom_tmp.path);
    /* Either it failed and left the file whole, or it found every record. */
    int ok =
        size == (long long)OOM_RECORDS * CONS_WAL_HEADER_BYTES && (e != CHR_OK || n == OOM_RECORDS);
    if (!ok) {
        fprintf(stderr, "  open under memory pressure: %s, %zu records, file %lld of %lld bytes\n",
                chr_err_name(e), n, size, (long long)OOM_RECORDS * CONS_WAL_HEADER_BYTES);
    }
    _exit(ok ? 0 : 1);
}

void test_wal_open_out_of_memory(void)
{
    /* Proves running out of memory while opening a log never cuts intact records off the
     * file (they are the votes the node must not contradict after a restart): the open
     * fails, or finds them all. Not run under ASan, which needs the address space. (A
     * regression test: the open once took the failure for a torn tail and cut the file.) */
    if (wal_asan) {
        return;
    }
    CHECK(tmp_make(&oom_tmp));
    uint8_t *log = malloc((size_t)OOM_RECORDS * CONS_WAL_HEADER_BYTES);
    CHECK(log != NULL);
    for (size_t k = 0; k < OOM_RECORDS; k++) {
        cons_wal_header(log + k * CONS_WAL_HEADER_BYTES, log, 0);
    }
    int fd = open(oom_tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ssize_t wrote = fd >= 0 ? write(fd, log, (size_t)OOM_RECORDS * CONS_WAL_HEADER_BYTES) : -1;
    if (fd >= 0) {
        close(fd);
    }
    free(log);
    int ok =
        wrote == (ssize_t)OOM_RECORDS * CONS_WAL_HEADER_BYTES && h_survives(open_low_memory_child);
    tmp_remove(&oom_tmp);
    CHECK(ok);
}

/* ---- damage in the middle vs a torn tail ---- */

#define SHAPED 5

/* A log of SHAPED records of the shapes a validator writes (votes and proposals, the third
 * a proposal whose block holds an intact vote record, as a transaction could) into buf
 * (at most 4 KiB); ends[k] is where record k ends. */
static size_t build_shaped_log(uint8_t *buf, size_t *ends)
{
    uint8_t id[32];
    memset(id, 0xab, 32);
    size_t at = 0;
    for (size_t k = 0; k < SHAPED; k++) {
        uint8_t vote[CONS_VOTE_BYTES];
        uint8_t block[CONS_WAL_HEADER_BYTES + CONS_VOTE_BYTES + 21];
        uint8_t *rec;
        size_t len;
        if (k % 2 == 0) {
            /* A block with a whole, intact WAL record of a vote inside it. */
            memset(block, 0x42, sizeof(block));
            h_vote(vote, 2, LEDGER_VOTE_PREVOTE, 1, (uint32_t)k, id);
            cons_wal_header(block + 10, vote, CONS_VOTE_BYTES);
            memcpy(block + 10 + CONS_WAL_HEADER_BYTES, vote, CONS_VOTE_BYTES);
            rec = h_proposal(&len, 1, 1, (uint32_t)k, CONS_ROUND_NONE, block, sizeof(block));
        } else {
            len = h_vote(vote, 0, LEDGER_VOTE_PREVOTE, 1, (uint32_t)k, id);
            rec = malloc(len);
            if (rec != NULL) {
                memcpy(rec, vote, len);
            }
        }
        if (rec == NULL) {
            abort();
        }
        cons_wal_header(buf + at, rec, len);
        memcpy(buf + at + CONS_WAL_HEADER_BYTES, rec, len);
        free(rec);
        at += CONS_WAL_HEADER_BYTES + len;
        ends[k] = at;
    }
    return at;
}

void test_wal_next_intact(void)
{
    /* Proves cons_wal_next_intact tells damage in the middle from a torn tail: a record cut
     * at any byte, a last record damaged in its check or payload, a tail of zeros after the
     * records and a proposal cut short that carries an intact record inside its block are
     * torn tails (the end is returned); a flipped bit anywhere in a record with records
     * after it (its length, its check or its payload) names an intact record after it. */
    static uint8_t buf[8192];
    size_t ends[SHAPED];
    size_t len = build_shaped_log(buf, ends);
    CHECK(len < 4096);
    CHECK(cons_wal_scan(buf, len, NULL, NULL) == len);
    for (size_t cut = ends[SHAPED - 2] + 1; cut < len; cut++) {
        CHECK(cons_wal_scan(buf, cut, NULL, NULL) == ends[SHAPED - 2]);
        CHECK(cons_wal_next_intact(buf, cut, ends[SHAPED - 2]) == cut);
    }
    /* The last record is a proposal with a vote record in its block: cut just after that
     * inner record, the scan of the tail alone would find it, yet it is a torn tail. */
    size_t inner_end = ends[SHAPED - 2] + CONS_WAL_HEADER_BYTES + CONS_PROPOSAL_FIXED_BYTES + 10 +
                       CONS_WAL_HEADER_BYTES + CONS_VOTE_BYTES;
    size_t inner = inner_end - CONS_WAL_HEADER_BYTES - CONS_VOTE_BYTES;
    CHECK(cons_wal_scan(buf + inner, inner_end - inner, NULL, NULL) == inner_end - inner);
    CHECK(cons_wal_next_intact(buf, inner_end, ends[SHAPED - 2]) == inner_end);
    for (size_t k = 0; k < SHAPED; k++) {
        size_t start = k == 0 ? 0 : ends[k - 1];
        /* The vote record inside a proposal's block, and its block length field. */
        size_t inner_k = start + CONS_WAL_HEADER_BYTES + CONS_PROPOSAL_FIXED_BYTES + 10;
        size_t block_len_at = start + CONS_WAL_HEADER_BYTES + CONS_PROPOSAL_FIXED_BYTES - 4;
        for (size_t i = start; i < ends[k]; i++) {
            /* Damage to what tells the record's length (its length field, and a
             * proposal's block length) leaves nothing to trust: the bytes after the
             * header are searched, which finds the record inside a proposal's block (the
             * log is taken for corrupt, even when the damaged record is the last one). */
            int proposal = k % 2 == 0;
            int length = i < start + 4 || (proposal && i >= block_len_at && i < block_len_at + 4);
            size_t want = length && proposal ? inner_k : k + 1 < SHAPED ? ends[k] : len;
            for (unsigned flip = 1; flip < 256; flip <<= 1) {
                buf[i] ^= (uint8_t)flip;
                size_t valid = cons_wal_scan(buf, len, NULL, NULL);
                size_t next = cons_wal_next_intact(buf, len, valid);
                buf[i] ^= (uint8_t)flip;
                CHECK(valid == start);
                CHECK(next == want);
            }
        }
    }
    /* Zeros after the records (a file extended by a crash, its data never written). */
    memset(buf + len, 0, 1000);
    CHECK(cons_wal_scan(buf, len + 1000, NULL, NULL) == len);
    CHECK(cons_wal_next_intact(buf, len + 1000, len) == len + 1000);
}

static void wal_write_raw(const char *path, const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
        abort();
    }
    close(fd);
}

static int file_is(const char *path, const uint8_t *want, size_t want_len)
{
    static uint8_t got[8192];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, got, sizeof(got)) : -1;
    if (fd >= 0) {
        close(fd);
    }
    return n == (ssize_t)want_len && memcmp(got, want, want_len) == 0;
}

static void wal_file_corrupt(tmp *t)
{
    static uint8_t buf[8192];
    size_t ends[SHAPED];
    size_t len = build_shaped_log(buf, ends);
    char err[512] = "";
    cons_wal *w;
    /* A flipped byte in the second record's payload, three intact records after it. */
    buf[ends[0] + CONS_WAL_HEADER_BYTES + 20] ^= 0x04;
    wal_write_raw(t->path, buf, len);
    CHECK(cons_wal_open(&w, t->path, err, sizeof(err)) == CHR_ERR_WAL);
    CHECK(w == NULL);
    char want[128];
    snprintf(want, sizeof(want), "record at offset %zu is damaged", ends[0]);
    CHECK(strstr(err, t->path) != NULL && strstr(err, want) != NULL);
    snprintf(want, sizeof(want), "follows at offset %zu", ends[1]);
    CHECK(strstr(err, want) != NULL);
    CHECK(file_is(t->path, buf, len)); /* left for the operator, not a byte cut */
    buf[ends[0] + CONS_WAL_HEADER_BYTES + 20] ^= 0x04;
    /* A damaged length in the first record: the same. */
    buf[1] ^= 0x10;
    wal_write_raw(t->path, buf, len);
    CHECK(cons_wal_open(&w, t->path, err, sizeof(err)) == CHR_ERR_WAL);
    CHECK(file_is(t->path, buf, len));
    buf[1] ^= 0x10;
    /* The same flip in the last record is a torn tail: cut, the others kept. */
    buf[ends[SHAPED - 2] + CONS_WAL_HEADER_BYTES + 20] ^= 0x04;
    wal_write_raw(t->path, buf, len);
    CHECK_OK(cons_wal_open(&w, t->path, err, sizeof(err)));
    CHECK(cons_wal_count(w) == SHAPED - 1);
    cons_wal_close(w);
    CHECK(file_is(t->path, buf, ends[SHAPED - 2]));
}

void test_wal_file_corrupt_middle(void)
{
    /* Proves opening refuses a log damaged in the middle (a damaged record, in its payload
     * or its length, with intact records after it): CHR_ERR_WAL, a message naming the file,
     * the damaged record's offset and the next intact one's, and the file left untouched;
     * while the same damage in the last record is a torn tail, cut on open. (A regression
     * test: any damage was cut like a torn tail, dropping the records after it.) */
    tmp t;
    CHECK(tmp_make(&t));
    wal_file_corrupt(&t);
    tmp_remove(&t);
}

void test_wal_file_relative_path(void)
{
    /* Proves the log opens, appends and reopens by a path without a directory part (its
     * directory, synced at open, is then the working directory). */
    tmp t;
    CHECK(tmp_make(&t));
    char cwd[512];
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    CHECK(chdir(t.dir) == 0);
    char err[256] = "";
    cons_wal *w = NULL;
    chr_err e1 = cons_wal_open(&w, "cons.wal", err, sizeof(err));
    chr_err e2 = e1 == CHR_OK ? cons_wal_append(w, payload_a, sizeof(payload_a)) : e1;
    chr_err e3 = e2 == CHR_OK ? cons_wal_sync(w) : e2;
    cons_wal_close(w);
    w = NULL;
    chr_err e4 = e3 == CHR_OK ? cons_wal_open(&w, "cons.wal", err, sizeof(err)) : e3;
    size_t n = e4 == CHR_OK ? cons_wal_count(w) : 0;
    cons_wal_close(w);
    CHECK(chdir(cwd) == 0);
    tmp_remove(&t);
    CHECK_OK(e4);
    CHECK(n == 1);
}
