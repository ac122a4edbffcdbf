/* httpbench: an HTTP/1.1 load generator for the API speed benchmark (tests/bench/http.sh,
 * `make bench`; issue 3, "Speed"). It measures and prints figures; it asserts nothing
 * about them.
 *
 *   httpbench --url http://HOST:PORT/PATH [--bearer-file FILE] [--header "Name: value"]
 *             [--threads T] [--conns C] [--seconds S] [--warmup W] [--server-pid PID]
 *             [--label NAME] [--bodies FILE]
 *
 * T threads (default 2) share C keep-alive connections (default 64), each thread running
 * its own epoll loop over raw sockets. Every connection keeps one GET in flight (a closed
 * loop: the next request goes out when the answer is in), so the rate measured is what the
 * server sustains at C concurrent requests. The first W seconds (default 1) warm up; the
 * next S (default 5) are measured: a response counts when it completes inside them.
 *
 * --bearer-file sends "Authorization: Bearer <first line of FILE>" (the key stays out of
 * the process list); --header adds a header, up to HTTPBENCH_HEADERS_MAX of them.
 * --server-pid samples that process's CPU time over the measured seconds.
 *
 * Requests/s counts 200 answers only; any other status is an error, counted by status and
 * printed with the first such body. Connection failures (refused, reset, closed before the
 * whole answer, malformed or oversized answers) are errors too, and the connection is
 * opened again. Latency is from writing the request to reading the last byte of the
 * answer, of 200 answers, kept in a fixed log-linear histogram (0.2% resolution).
 *
 * --bodies FILE sends POSTs instead (Content-Type: application/json), each with the next
 * line of FILE as its body: the first line is the probe's (below), and line 1 + k * C + i
 * is connection i's k-th request, so a connection sends its lines in the file's order (a
 * producer that gives each sender's requests to one connection keeps them in order: with
 * heartbeats, each media node's times increase). A connection that has sent all its lines
 * stops; one that runs out inside the measured seconds makes the run fail, as too few lines
 * were given. A request lost to a connection error is not sent again.
 *
 * Errors are counted by status and, where the answer is the API's JSON error, its code
 * ({"error": {"code": ...}}).
 *
 * Before the run, one request on a connection of its own must be answered 200. Output
 * ends with one line for scripts:
 *   result: label=NAME rps=N p50_us=N p99_us=N max_us=N errors=N responses=N body_bytes=N
 *           reconnects=N client_cpu=X server_cpu=X other_cpu=X ok=N sent=N ran_out=N
 *           refused=STATUS:CODE:N,... (or -)
 * ok counts the 200 answers, sent the requests written inside the measured seconds, ran_out
 * the connections that
 * ran out of --bodies lines inside them; refused lists the error answers by status and
 * code ("-" for an answer without a code, "other" for those past the table).
 * reconnects counts connections the server closed after an answer, each opened again (a
 * keep-alive server has none). CPU figures are in cores over the measured seconds:
 * server_cpu is - without --server-pid; other_cpu is what the rest of the machine used
 * (from /proc/stat), the figures' noise.
 *
 * Exit status: 0 measured, 1 could not measure (no connection, the probe not answered 200,
 * or no 200 answer at all), 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/fsutil.h"

#define HTTPBENCH_OK 0
#define HTTPBENCH_FAIL 1
#define HTTPBENCH_USAGE 2

/* Limits: what the command line can ask for, with room for any sensible run. */
#define HTTPBENCH_THREADS_MAX 64u
#define HTTPBENCH_CONNS_MAX 4096u
#define HTTPBENCH_SECONDS_MAX 3600u
#define HTTPBENCH_HEADERS_MAX 8u
/* --bodies: the file's size (a run of heartbeats is ~400 bytes a line), and one line (a
 * request body; the API's largest bodies are a few MB, the routes measured take ~1 KB). */
#define HTTPBENCH_BODIES_BYTES_MAX (4ull * 1024 * 1024 * 1024)
#define HTTPBENCH_BODY_BYTES_MAX (16u * 1024)
/* A URL, a header line, and the whole request built from them. */
#define HTTPBENCH_URL_BYTES_MAX 1024u
#define HTTPBENCH_HEADER_BYTES_MAX 1024u
#define HTTPBENCH_REQUEST_BYTES_MAX                                                                \
    (2u * HTTPBENCH_URL_BYTES_MAX + (HTTPBENCH_HEADERS_MAX + 1u) * HTTPBENCH_HEADER_BYTES_MAX)
/* The largest answer read (headers and body): the routes measured answer well under a KB;
 * a larger answer is an error, not a reason to grow a buffer mid-run. */
#define HTTPBENCH_RESPONSE_BYTES_MAX (64u * 1024)
/* Distinct error statuses counted one by one (the rest are summed), and the bytes of the
 * first error body shown. */
#define HTTPBENCH_STATUSES_MAX 16u
/* An error answer's code ({"error": {"code": ...}}): the API's are under 32 characters. */
#define HTTPBENCH_CODE_BYTES_MAX 48u
#define HTTPBENCH_SAMPLE_BYTES_MAX 240u
/* Events taken from epoll at once, and how long one wait may last: the bound on how late
 * a thread notices the end of the run or retries a closed connection. */
#define HTTPBENCH_EVENTS_MAX 64
#define HTTPBENCH_POLL_MS 5
/* How long the probe before the run waits for its answer. */
#define HTTPBENCH_PROBE_TIMEOUT_S 10
/* The latency histogram: one bucket per nanosecond below HTTPBENCH_HIST_LINEAR, then
 * HTTPBENCH_HIST_SUB buckets per power of two (1/512: 0.2% resolution) up to 2^37 ns
 * (137 s, past any request); slower ones land in the last bucket. */
#define HTTPBENCH_HIST_LINEAR_BITS 10u
#define HTTPBENCH_HIST_LINEAR (1u << HTTPBENCH_HIST_LINEAR_BITS)
#define HTTPBENCH_HIST_SUB_BITS 9u
#define HTTPBENCH_HIST_SUB (1u << HTTPBENCH_HIST_SUB_BITS)
#define HTTPBENCH_HIST_OCTAVES 27u
#define HTTPBENCH_HIST_BUCKETS (HTTPBENCH_HIST_LINEAR + HTTPBENCH_HIST_OCTAVES * HTTPBENCH_HIST_SUB)
#define HTTPBENCH_NS_PER_S 1000000000ull

_Static_assert(HTTPBENCH_HIST_SUB_BITS < HTTPBENCH_HIST_LINEAR_BITS,
               "the first octave after the linear part has a bucket per sub-bucket");
_Static_assert(HTTPBENCH_HIST_LINEAR_BITS + HTTPBENCH_HIST_OCTAVES < 64, "ns values fit");
/* The longest run, warm-up and measured seconds together. */
#define HTTPBENCH_RUN_NS_MAX (2ull * HTTPBENCH_SECONDS_MAX * HTTPBENCH_NS_PER_S)
_Static_assert(HTTPBENCH_RUN_NS_MAX < UINT64_MAX / 4, "times on CLOCK_MONOTONIC fit");

/* ---- The plan: what every thread sends where, and when the window is. ---- */

typedef struct httpbench_plan {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char url[HTTPBENCH_URL_BYTES_MAX];
    char request[HTTPBENCH_REQUEST_BYTES_MAX];
    size_t request_len; /* with --bodies: the head without Content-Length and the blank line */
    char *bodies;       /* --bodies: the file, its lines' starts and lengths; NULL: GETs */
    size_t *line_off;
    size_t *line_len;
    size_t lines;
    unsigned threads;
    unsigned conns;
    unsigned seconds;
    unsigned warmup_s;
    long server_pid; /* 0: none */
    const char *label;
    uint64_t t0_ns; /* the measured window: [t0_ns, t1_ns) of CLOCK_MONOTONIC */
    uint64_t t1_ns;
} httpbench_plan;

typedef struct httpbench_status_count {
    unsigned status;
    char code[HTTPBENCH_CODE_BYTES_MAX]; /* "" when the answer had none */
    uint64_t n;
} httpbench_status_count;

/* What one thread saw inside the window. */
typedef struct httpbench_stats {
    uint64_t ok;           /* 200 answers */
    uint64_t responses;    /* answers of any status */
    uint64_t sent;         /* requests written (started) */
    uint64_t ran_out;      /* connections out of --bodies lines */
    uint64_t body_bytes;   /* of the 200 answers */
    uint64_t io_errors;    /* connections that failed, closed early or answered garbage */
    uint64_t reconnects;   /* connections opened again (after an error or Connection: close) */
    uint64_t other_errors; /* error statuses past the table */
    httpbench_status_count statuses[HTTPBENCH_STATUSES_MAX];
    size_t statuses_len;
    unsigned sample_status;
    char sample[HTTPBENCH_SAMPLE_BYTES_MAX + 1];
    char io_sample[128];
    uint64_t max_ns;
    uint64_t hist[HTTPBENCH_HIST_BUCKETS];
} httpbench_stats;

/* One keep-alive connection with its request in flight. */
typedef struct httpbench_conn {
    int fd;          /* -1: closed, to be opened again */
    uint32_t events; /* what epoll watches for */
    size_t sent;     /* bytes of the request written */
    size_t got;      /* bytes of the answer in buf */
    size_t head_len; /* bytes of the status line and headers; 0 until all are in */
    size_t body_len; /* Content-Length */
    unsigned status;
    int close_after; /* the server said Connection: close */
    uint64_t start_ns;
    size_t index;    /* among all the connections: which --bodies lines are this one's */
    size_t next;     /* its --bodies requests sent so far */
    int done;        /* out of --bodies lines: closed for good */
    const char *req; /* the request in flight: the plan's GET or req_buf */
    size_t req_len;
    char req_buf[HTTPBENCH_REQUEST_BYTES_MAX + HTTPBENCH_BODY_BYTES_MAX + 64];
    char buf[HTTPBENCH_RESPONSE_BYTES_MAX + 1];
} httpbench_conn;

typedef struct httpbench_worker {
    const httpbench_plan *plan;
    httpbench_conn *conns;
    size_t conns_len;
    int ep;
    pthread_t thread;
    httpbench_stats st;
} httpbench_worker;

static uint64_t httpbench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * HTTPBENCH_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void httpbench_sleep_until(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / HTTPBENCH_NS_PER_S),
                          .tv_nsec = (long)(ns % HTTPBENCH_NS_PER_S)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

/* ---- The latency histogram. ---- */

static size_t httpbench_hist_index(uint64_t ns)
{
    if (ns < HTTPBENCH_HIST_LINEAR) {
        return (size_t)ns;
    }
    unsigned e = HTTPBENCH_HIST_LINEAR_BITS;
    while (e < 63 && (ns >> (e + 1)) != 0) {
        e++;
    }
    if (e >= HTTPBENCH_HIST_LINEAR_BITS + HTTPBENCH_HIST_OCTAVES) {
        return HTTPBENCH_HIST_BUCKETS - 1;
    }
    unsigned shift = e - HTTPBENCH_HIST_SUB_BITS;
    size_t idx = HTTPBENCH_HIST_LINEAR +
                 (size_t)(e - HTTPBENCH_HIST_LINEAR_BITS) * HTTPBENCH_HIST_SUB +
                 (size_t)((ns >> shift) - HTTPBENCH_HIST_SUB);
    CHR_ASSERT(idx < HTTPBENCH_HIST_BUCKETS);
    return idx;
}

/* The middle of bucket idx, in ns. */
static uint64_t httpbench_hist_value(size_t idx)
{
    CHR_ASSERT(idx < HTTPBENCH_HIST_BUCKETS);
    if (idx < HTTPBENCH_HIST_LINEAR) {
        return idx;
    }
    size_t k = idx - HTTPBENCH_HIST_LINEAR;
    unsigned shift =
        HTTPBENCH_HIST_LINEAR_BITS + (unsigned)(k / HTTPBENCH_HIST_SUB) - HTTPBENCH_HIST_SUB_BITS;
    uint64_t low = (uint64_t)(HTTPBENCH_HIST_SUB + k % HTTPBENCH_HIST_SUB) << shift;
    return low + ((1ull << shift) >> 1);
}

/* The latency at or below which pct percent of the n recorded ones are, in ns. */
static uint64_t httpbench_hist_pct(const uint64_t *hist, uint64_t n, unsigned pct)
{
    if (n == 0) {
        return 0;
    }
    uint64_t rank = (n * pct + 99) / 100;
    rank = rank > 0 ? rank : 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HTTPBENCH_HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) {
            return httpbench_hist_value(i);
        }
    }
    return httpbench_hist_value(HTTPBENCH_HIST_BUCKETS - 1);
}

/* ---- Counting what came back. ---- */

static void httpbench_sample(char *out, size_t cap, const char *data, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
    }
    out[n] = '\0';
}

/* The code of an API error answer ({"error": {"code": "..."}}) into out: "" when the body
 * has none, or one that is not a short word of [a-z0-9_]. */
static void httpbench_error_code(char out[HTTPBENCH_CODE_BYTES_MAX], const char *body, size_t len)
{
    const char *end = body + len;
    const char *v = memmem(body, len, "\"code\"", 6);
    size_t n = 0;
    out[0] = '\0';
    v = v != NULL ? v + 6 : end;
    while (v < end && (*v == ' ' || *v == ':')) {
        v++;
    }
    if (v >= end || *v++ != '"') {
        return;
    }
    while (v + n < end && n + 1 < HTTPBENCH_CODE_BYTES_MAX &&
           ((v[n] >= 'a' && v[n] <= 'z') || (v[n] >= '0' && v[n] <= '9') || v[n] == '_')) {
        n++;
    }
    if (v + n < end && v[n] == '"') {
        memcpy(out, v, n);
        out[n] = '\0';
    }
}

static void httpbench_count_status(httpbench_stats *st, unsigned status, const char *code,
                                   uint64_t n)
{
    for (size_t i = 0; i < st->statuses_len; i++) {
        if (st->statuses[i].status == status && strcmp(st->statuses[i].code, code) == 0) {
            st->statuses[i].n += n;
            return;
        }
    }
    if (st->statuses_len == HTTPBENCH_STATUSES_MAX) {
        st->other_errors += n;
        return;
    }
    st->statuses[st->statuses_len].status = status;
    snprintf(st->statuses[st->statuses_len].code, HTTPBENCH_CODE_BYTES_MAX, "%s", code);
    st->statuses[st->statuses_len].n = n;
    st->statuses_len++;
}

static void httpbench_record(httpbench_worker *w, const httpbench_conn *c, uint64_t now)
{
    const httpbench_plan *p = w->plan;
    if (now < p->t0_ns || now >= p->t1_ns) {
        return;
    }
    httpbench_stats *st = &w->st;
    st->responses++;
    if (c->status != 200) {
        if (st->sample_status == 0) {
            st->sample_status = c->status;
            httpbench_sample(st->sample, sizeof(st->sample), c->buf + c->head_len, c->body_len);
        }
        char code[HTTPBENCH_CODE_BYTES_MAX];
        httpbench_error_code(code, c->buf + c->head_len, c->body_len);
        httpbench_count_status(st, c->status, code, 1);
        return;
    }
    uint64_t ns = now - c->start_ns;
    st->ok++;
    st->body_bytes += c->body_len;
    st->hist[httpbench_hist_index(ns)]++;
    st->max_ns = ns > st->max_ns ? ns : st->max_ns;
}

static void httpbench_io_error(httpbench_worker *w, const char *what, int err)
{
    uint64_t now = httpbench_now_ns();
    if (now < w->plan->t0_ns || now >= w->plan->t1_ns) {
        return;
    }
    if (w->st.io_errors++ == 0) {
        snprintf(w->st.io_sample, sizeof(w->st.io_sample), "%s%s%s", what, err ? ": " : "",
                 err ? strerror(err) : "");
    }
}

/* ---- Parsing an answer: the status line, Content-Length, Connection. ---- */

/* The value of header line `line` (len bytes, no CRLF) if its name is `name`, else NULL. */
static const char *httpbench_header_value(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') {
        return NULL;
    }
    const char *v = line + n + 1;
    while (v < line + len && (*v == ' ' || *v == '\t')) {
        v++;
    }
    return v;
}

/* Parses the head of c's answer once it is all in. 1: parsed (or not yet complete, with
 * head_len still 0); 0: not an answer this program reads. */
static int httpbench_parse_head(httpbench_conn *c)
{
    c->buf[c->got] = '\0';
    const char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL) {
        return c->got < HTTPBENCH_RESPONSE_BYTES_MAX;
    }
    unsigned status = 0;
    if (strncmp(c->buf, "HTTP/1.", 7) != 0 || sscanf(c->buf + 8, " %3u", &status) != 1 ||
        status < 100 || status > 599) {
        return 0;
    }
    int have_length = 0;
    c->close_after = strncmp(c->buf, "HTTP/1.0", 8) == 0;
    for (const char *line = strstr(c->buf, "\r\n") + 2; line < end;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = (size_t)(eol - line);
        const char *v;
        if ((v = httpbench_header_value(line, len, "Content-Length")) != NULL) {
            char *stop = NULL;
            unsigned long long n = strtoull(v, &stop, 10);
            have_length = stop != v && n <= HTTPBENCH_RESPONSE_BYTES_MAX;
            c->body_len = (size_t)n;
        } else if ((v = httpbench_header_value(line, len, "Transfer-Encoding")) != NULL) {
            return 0; /* chunked: none of the routes measured answers so */
        } else if ((v = httpbench_header_value(line, len, "Connection")) != NULL) {
            c->close_after |= strncasecmp(v, "close", 5) == 0;
        }
        line = eol + 2;
    }
    c->head_len = (size_t)(end - c->buf) + 4;
    c->status = status;
    return have_length && c->head_len + c->body_len <= HTTPBENCH_RESPONSE_BYTES_MAX;
}

/* ---- Connections. ---- */

static void httpbench_conn_close(httpbench_worker *w, httpbench_conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->events = 0;
}

static int httpbench_conn_watch(httpbench_worker *w, httpbench_conn *c, uint32_t events)
{
    if (c->events == events) {
        return 1;
    }
    struct epoll_event ev = {.events = events, .data.ptr = c};
    int op = c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(w->ep, op, c->fd, &ev) != 0) {
        return 0;
    }
    c->events = events;
    return 1;
}

/* Writes what is left of the request; watches for the answer once it is all out. */
static void httpbench_conn_send(httpbench_worker *w, httpbench_conn *c)
{
    while (c->sent < c->req_len) {
        ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!httpbench_conn_watch(w, c, EPOLLOUT)) {
                httpbench_io_error(w, "epoll_ctl", errno);
                httpbench_conn_close(w, c);
            }
            return;
        }
        if (n <= 0) {
            httpbench_io_error(w, "send", errno);
            httpbench_conn_close(w, c);
            return;
        }
        c->sent += (size_t)n;
    }
    if (!httpbench_conn_watch(w, c, EPOLLIN)) {
        httpbench_io_error(w, "epoll_ctl", errno);
        httpbench_conn_close(w, c);
    }
}

/* The POST of --bodies line `line` with head (the plan's request head) into out: its length,
 * or 0 when it does not fit. extra is a header line with its CRLF, or "". */
static size_t httpbench_post(char *out, size_t cap, const httpbench_plan *p, size_t line,
                             const char *extra)
{
    CHR_ASSERT(line < p->lines);
    size_t len = p->line_len[line];
    int n = snprintf(out, cap, "%.*sContent-Length: %zu\r\n%s\r\n", (int)p->request_len, p->request,
                     len, extra);
    if (n < 0 || (size_t)n >= cap || len > cap - (size_t)n) {
        return 0;
    }
    memcpy(out + n, p->bodies + p->line_off[line], len);
    return (size_t)n + len;
}

/* Sends c's next request: the plan's GET, or c's next --bodies line (closing c for good
 * when it has none left). */
static void httpbench_conn_request(httpbench_worker *w, httpbench_conn *c)
{
    const httpbench_plan *p = w->plan;
    uint64_t now = httpbench_now_ns();
    c->req = p->request;
    c->req_len = p->request_len;
    if (p->bodies != NULL) {
        size_t line = 1 + c->index + c->next * p->conns;
        if (line >= p->lines) {
            w->st.ran_out += now >= p->t0_ns && now < p->t1_ns;
            c->done = 1;
            httpbench_conn_close(w, c);
            return;
        }
        c->next++;
        c->req = c->req_buf;
        c->req_len = httpbench_post(c->req_buf, sizeof(c->req_buf), p, line, "");
        CHR_ASSERT(c->req_len > 0); /* every line's length was checked when read */
    }
    w->st.sent += now >= p->t0_ns && now < p->t1_ns;
    c->sent = 0;
    c->got = 0;
    c->head_len = 0;
    c->body_len = 0;
    c->status = 0;
    c->close_after = 0;
    c->start_ns = now;
    httpbench_conn_send(w, c);
}

/* Opens c and sends its first request; on failure c stays closed, to be tried again. */
static void httpbench_conn_open(httpbench_worker *w, httpbench_conn *c, int again)
{
    const httpbench_plan *p = w->plan;
    int one = 1;
    c->fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        httpbench_io_error(w, "socket", errno);
        return;
    }
    /* A blocking connect (the server is near), then non-blocking I/O. */
    if (connect(c->fd, (const struct sockaddr *)&p->addr, p->addr_len) != 0 ||
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0) {
        httpbench_io_error(w, "connect", errno);
        close(c->fd);
        c->fd = -1;
        return;
    }
    if (again && httpbench_now_ns() >= p->t0_ns) {
        w->st.reconnects++;
    }
    httpbench_conn_request(w, c);
}

/* Reads what has arrived on c; on a whole answer, records it and sends the next request. */
static void httpbench_conn_recv(httpbench_worker *w, httpbench_conn *c)
{
    ssize_t n = recv(c->fd, c->buf + c->got, HTTPBENCH_RESPONSE_BYTES_MAX - c->got, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        httpbench_io_error(w, n == 0 ? "closed by the server before the whole answer" : "recv",
                           n == 0 ? 0 : errno);
        httpbench_conn_close(w, c);
        return;
    }
    c->got += (size_t)n;
    if (c->head_len == 0 && !httpbench_parse_head(c)) {
        httpbench_io_error(w, "an answer that is not HTTP/1.x with a Content-Length, or too large",
                           0);
        httpbench_conn_close(w, c);
        return;
    }
    if (c->head_len == 0 || c->got < c->head_len + c->body_len) {
        return;
    }
    uint64_t now = httpbench_now_ns();
    if (c->got > c->head_len + c->body_len) {
        httpbench_io_error(w, "bytes after the answer", 0);
        httpbench_conn_close(w, c);
        return;
    }
    httpbench_record(w, c, now);
    if (c->close_after) {
        httpbench_conn_close(w, c);
        return;
    }
    if (now < w->plan->t1_ns) {
        httpbench_conn_request(w, c);
    }
}

static void *httpbench_worker_main(void *arg)
{
    httpbench_worker *w = arg;
    struct epoll_event ev[HTTPBENCH_EVENTS_MAX];
    for (size_t i = 0; i < w->conns_len; i++) {
        httpbench_conn_open(w, &w->conns[i], 0);
    }
    for (;;) {
        if (httpbench_now_ns() >= w->plan->t1_ns) {
            break;
        }
        for (size_t i = 0; i < w->conns_len; i++) {
            if (w->conns[i].fd < 0 && !w->conns[i].done) {
                httpbench_conn_open(w, &w->conns[i], 1);
            }
        }
        int n = epoll_wait(w->ep, ev, HTTPBENCH_EVENTS_MAX, HTTPBENCH_POLL_MS);
        for (int i = 0; i < n; i++) {
            httpbench_conn *c = ev[i].data.ptr;
            if (c->fd >= 0 && (ev[i].events & EPOLLOUT) != 0) {
                httpbench_conn_send(w, c);
            } else if (c->fd >= 0 && (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
                httpbench_conn_recv(w, c);
            }
        }
    }
    for (size_t i = 0; i < w->conns_len; i++) {
        httpbench_conn_close(w, &w->conns[i]);
    }
    return NULL;
}

/* ---- The command line. ---- */

typedef struct httpbench_args {
    const char *url;
    const char *bearer_file;
    const char *bodies;
    const char *headers[HTTPBENCH_HEADERS_MAX];
    size_t headers_len;
} httpbench_args;

static int httpbench_usage(void)
{
    fprintf(stderr,
            "usage: httpbench --url http://HOST:PORT/PATH [--bearer-file FILE]\n"
            "                 [--header \"Name: value\"]... [--threads T] [--conns C]\n"
            "                 [--seconds S] [--warmup W] [--server-pid PID] [--label NAME]\n"
            "                 [--bodies FILE]\n");
    return HTTPBENCH_USAGE;
}

static int httpbench_uint(const char *name, const char *s, unsigned long min, unsigned long max,
                          unsigned *out)
{
    char *end = NULL;
    unsigned long v = s != NULL && s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
    if (end == NULL || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "httpbench: %s: a whole number from %lu to %lu\n", name, min, max);
        return 0;
    }
    *out = (unsigned)v;
    return 1;
}

static int httpbench_parse_opt(httpbench_plan *p, httpbench_args *a, const char *name,
                               const char *v)
{
    unsigned pid = 0;
    int ok = 1;
    if (strcmp(name, "--url") == 0) {
        a->url = v;
    } else if (strcmp(name, "--bearer-file") == 0) {
        a->bearer_file = v;
    } else if (strcmp(name, "--bodies") == 0) {
        a->bodies = v;
    } else if (strcmp(name, "--label") == 0) {
        p->label = v;
    } else if (strcmp(name, "--header") == 0 && a->headers_len < HTTPBENCH_HEADERS_MAX) {
        a->headers[a->headers_len++] = v;
    } else if (strcmp(name, "--threads") == 0) {
        ok = httpbench_uint(name, v, 1, HTTPBENCH_THREADS_MAX, &p->threads);
    } else if (strcmp(name, "--conns") == 0) {
        ok = httpbench_uint(name, v, 1, HTTPBENCH_CONNS_MAX, &p->conns);
    } else if (strcmp(name, "--seconds") == 0) {
        ok = httpbench_uint(name, v, 1, HTTPBENCH_SECONDS_MAX, &p->seconds);
    } else if (strcmp(name, "--warmup") == 0) {
        ok = httpbench_uint(name, v, 0, HTTPBENCH_SECONDS_MAX, &p->warmup_s);
    } else if (strcmp(name, "--server-pid") == 0) {
        ok = httpbench_uint(name, v, 1, 0x7fffffffL, &pid);
        p->server_pid = (long)pid;
    } else {
        fprintf(stderr, "httpbench: %s: unknown option (or too many --header)\n", name);
        ok = 0;
    }
    return ok;
}

/* Splits http://HOST:PORT/PATH and resolves HOST (IPv4, [IPv6] or a name). */
static int httpbench_resolve(httpbench_plan *p, const char *url, char *host, size_t host_cap,
                             const char **path)
{
    if (strncmp(url, "http://", 7) != 0 || strlen(url) >= HTTPBENCH_URL_BYTES_MAX) {
        fprintf(stderr, "httpbench: --url: http://HOST:PORT/PATH, under %u bytes\n",
                HTTPBENCH_URL_BYTES_MAX);
        return 0;
    }
    const char *hp = url + 7;
    const char *slash = strchr(hp, '/');
    *path = slash != NULL ? slash : "/";
    size_t hp_len = slash != NULL ? (size_t)(slash - hp) : strlen(hp);
    const char *colon = memrchr(hp, ':', hp_len);
    const char *bracket = memrchr(hp, ']', hp_len);
    if (colon == NULL || (bracket != NULL && colon < bracket) || (size_t)(colon - hp) >= host_cap) {
        fprintf(stderr, "httpbench: --url: the port is required (http://HOST:PORT/PATH)\n");
        return 0;
    }
    char port[8];
    size_t port_len = hp_len - (size_t)(colon - hp) - 1;
    if (port_len == 0 || port_len >= sizeof(port)) {
        fprintf(stderr, "httpbench: --url: a bad port\n");
        return 0;
    }
    memcpy(port, colon + 1, port_len);
    port[port_len] = '\0';
    size_t host_len = (size_t)(colon - hp);
    int v6 = host_len >= 2 && hp[0] == '[' && hp[host_len - 1] == ']';
    memcpy(host, hp + v6, host_len - 2 * (size_t)v6);
    host[host_len - 2 * (size_t)v6] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(p->addr)) {
        fprintf(stderr, "httpbench: %s: %s\n", host, rc != 0 ? gai_strerror(rc) : "no address");
        if (res != NULL) {
            freeaddrinfo(res);
        }
        return 0;
    }
    memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
    p->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    memcpy(host, hp, host_len); /* the Host header keeps the brackets and the port */
    snprintf(host + host_len, host_cap - host_len, ":%s", port);
    return 1;
}

/* "Authorization: Bearer <first line of path>" into out. */
static int httpbench_bearer(char *out, size_t cap, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[HTTPBENCH_HEADER_BYTES_MAX];
    int ok = f != NULL && fgets(line, sizeof(line), f) != NULL;
    if (f != NULL) {
        fclose(f);
    }
    if (ok) {
        line[strcspn(line, "\r\n")] = '\0';
        ok = line[0] != '\0' && (size_t)snprintf(out, cap, "Authorization: Bearer %s", line) < cap;
    }
    memset(line, 0, sizeof(line));
    if (!ok) {
        fprintf(stderr, "httpbench: --bearer-file %s: cannot read a key from it\n", path);
    }
    return ok;
}

static int httpbench_build_request(httpbench_plan *p, const httpbench_args *a)
{
    char host[HTTPBENCH_URL_BYTES_MAX + 8];
    const char *path;
    if (!httpbench_resolve(p, a->url, host, sizeof(host), &path)) {
        return 0;
    }
    snprintf(p->url, sizeof(p->url), "%s", a->url);
    size_t cap = sizeof(p->request);
    size_t n = (size_t)snprintf(p->request, cap,
                                "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: httpbench\r\n"
                                "Accept: application/json\r\n%s",
                                a->bodies != NULL ? "POST" : "GET", path, host,
                                a->bodies != NULL ? "Content-Type: application/json\r\n" : "");
    char auth[HTTPBENCH_HEADER_BYTES_MAX + 32];
    if (a->bearer_file != NULL && !httpbench_bearer(auth, sizeof(auth), a->bearer_file)) {
        return 0;
    }
    for (size_t i = 0; i <= a->headers_len && n < cap; i++) {
        const char *h = i < a->headers_len ? a->headers[i] : a->bearer_file != NULL ? auth : NULL;
        if (h != NULL && (strlen(h) >= HTTPBENCH_HEADER_BYTES_MAX || strchr(h, ':') == NULL ||
                          strpbrk(h, "\r\n") != NULL)) {
            fprintf(stderr, "httpbench: --header: \"Name: value\" on one line, under %u bytes\n",
                    HTTPBENCH_HEADER_BYTES_MAX);
            return 0;
        }
        n += h != NULL ? (size_t)snprintf(p->request + n, cap - n, "%s\r\n", h) : 0;
    }
    /* A POST's head ends with its Content-Length and the blank line, per request. */
    n += n < cap && a->bodies == NULL ? (size_t)snprintf(p->request + n, cap - n, "\r\n") : 0;
    memset(auth, 0, sizeof(auth));
    CHR_ASSERT(n < cap);
    p->request_len = n;
    return 1;
}

/* Reads --bodies FILE: one request body a line, each non-empty and at most
 * HTTPBENCH_BODY_BYTES_MAX bytes, at least two (the probe's and one to measure). */
static int httpbench_bodies(httpbench_plan *p, const char *path)
{
    char errmsg[128];
    size_t len = 0;
    if (chr_file_read(path, HTTPBENCH_BODIES_BYTES_MAX, &p->bodies, &len, errmsg, sizeof(errmsg)) !=
        CHR_OK) {
        fprintf(stderr, "httpbench: --bodies %s: %s\n", path, errmsg);
        return 0;
    }
    size_t lines = 0;
    for (const char *c = p->bodies; (c = memchr(c, '\n', len - (size_t)(c - p->bodies))) != NULL;
         c++) {
        lines++;
    }
    p->line_off = malloc((lines + 1) * sizeof(*p->line_off));
    p->line_len = malloc((lines + 1) * sizeof(*p->line_len));
    if (p->line_off == NULL || p->line_len == NULL) {
        fprintf(stderr, "httpbench: --bodies %s: out of memory\n", path);
        return 0;
    }
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(p->bodies + off, '\n', len - off);
        size_t n = nl != NULL ? (size_t)(nl - (p->bodies + off)) : len - off;
        if (n == 0 || n > HTTPBENCH_BODY_BYTES_MAX) {
            fprintf(stderr, "httpbench: --bodies %s: line %zu is empty or over %u bytes\n", path,
                    p->lines + 1, HTTPBENCH_BODY_BYTES_MAX);
            return 0;
        }
        p->line_off[p->lines] = off;
        p->line_len[p->lines++] = n;
        off += n + 1;
    }
    if (p->lines < 2) {
        fprintf(stderr, "httpbench: --bodies %s: two lines at least\n", path);
        return 0;
    }
    return 1;
}

static int httpbench_parse(httpbench_plan *p, int argc, char **argv)
{
    httpbench_args a;
    memset(&a, 0, sizeof(a));
    memset(p, 0, sizeof(*p));
    p->threads = 2;
    p->conns = 64;
    p->seconds = 5;
    p->warmup_s = 1;
    p->label = "-";
    if (argc % 2 != 1) {
        fprintf(stderr, "httpbench: %s needs a value\n", argv[argc - 1]);
        return 0;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!httpbench_parse_opt(p, &a, argv[i], argv[i + 1])) {
            return 0;
        }
    }
    if (a.url == NULL || p->conns < p->threads) {
        fprintf(stderr, "httpbench: --url is required, and --conns at least --threads\n");
        return 0;
    }
    return httpbench_build_request(p, &a) && (a.bodies == NULL || httpbench_bodies(p, a.bodies));
}

/* ---- Running and reporting. ---- */

/* CPU seconds (user and system) of this process, or of process pid from /proc; -1 when
 * it cannot be read. */
static double httpbench_cpu_s(long pid)
{
    if (pid == 0) {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) != 0) {
            return -1;
        }
        return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    }
    char path[64];
    char line[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(line, 1, sizeof(line) - 1, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    line[n] = '\0';
    /* Fields 14 and 15 (utime, stime) count from after the command's closing ')'. */
    const char *s = strrchr(line, ')');
    unsigned long long ut = 0;
    unsigned long long stt = 0;
    if (s == NULL ||
        sscanf(s + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) != 2) {
        return -1;
    }
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds every core of the machine has spent busy (not idle, not waiting for I/O),
 * from /proc/stat; -1 when it cannot be read. What neither the client nor the server used
 * of it is other processes: the figures' noise. */
static double httpbench_machine_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    int n = f != NULL ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7])
                      : 0;
    if (f != NULL) {
        fclose(f);
    }
    if (n != 8) {
        return -1;
    }
    /* user nice system idle iowait irq softirq steal: all but idle and iowait. */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static void httpbench_merge(httpbench_stats *all, const httpbench_stats *st)
{
    all->ok += st->ok;
    all->responses += st->responses;
    all->sent += st->sent;
    all->ran_out += st->ran_out;
    all->body_bytes += st->body_bytes;
    all->io_errors += st->io_errors;
    all->reconnects += st->reconnects;
    all->other_errors += st->other_errors;
    all->max_ns = st->max_ns > all->max_ns ? st->max_ns : all->max_ns;
    for (size_t i = 0; i < HTTPBENCH_HIST_BUCKETS; i++) {
        all->hist[i] += st->hist[i];
    }
    for (size_t i = 0; i < st->statuses_len; i++) {
        httpbench_count_status(all, st->statuses[i].status, st->statuses[i].code,
                               st->statuses[i].n);
    }
    if (all->sample_status == 0 && st->sample_status != 0) {
        all->sample_status = st->sample_status;
        memcpy(all->sample, st->sample, sizeof(all->sample));
    }
    if (all->io_sample[0] == '\0') {
        memcpy(all->io_sample, st->io_sample, sizeof(all->io_sample));
    }
}

static void httpbench_print_errors(const httpbench_stats *all)
{
    if (all->responses == all->ok && all->io_errors == 0) {
        return;
    }
    printf("httpbench: errors:");
    for (size_t i = 0; i < all->statuses_len; i++) {
        printf(" %" PRIu64 " x HTTP %u%s%s;", all->statuses[i].n, all->statuses[i].status,
               all->statuses[i].code[0] != '\0' ? " " : "", all->statuses[i].code);
    }
    if (all->other_errors > 0) {
        printf(" %" PRIu64 " x other statuses;", all->other_errors);
    }
    printf(" %" PRIu64 " x connection\n", all->io_errors);
    if (all->sample_status != 0) {
        printf("httpbench: first error answer: HTTP %u %s\n", all->sample_status, all->sample);
    }
    if (all->io_sample[0] != '\0') {
        printf("httpbench: first connection error: %s\n", all->io_sample);
    }
}

/* CPU seconds over the window: this process, the server (-1: unknown), the machine. */
typedef struct httpbench_cpu {
    double client_s;
    double server_s;
    double machine_s;
} httpbench_cpu;

static void httpbench_report(const httpbench_plan *p, const httpbench_stats *all,
                             const httpbench_cpu *cpu, double window_s)
{
    double client_cpu_s = cpu->client_s;
    double server_cpu_s = cpu->server_s;
    double other = cpu->machine_s < 0
                       ? -1
                       : cpu->machine_s - client_cpu_s - (server_cpu_s > 0 ? server_cpu_s : 0);
    char others[32] = "-";
    if (other > -window_s) {
        snprintf(others, sizeof(others), "%.2f", (other > 0 ? other : 0) / window_s);
    }
    uint64_t errors = all->responses - all->ok + all->io_errors;
    double rps = (double)all->ok / window_s;
    uint64_t p50 = httpbench_hist_pct(all->hist, all->ok, 50);
    uint64_t p99 = httpbench_hist_pct(all->hist, all->ok, 99);
    uint64_t body = all->ok > 0 ? all->body_bytes / all->ok : 0;
    printf("httpbench: %" PRIu64 " answers 200 in %.2f s: %.0f requests/s; latency p50 %.3f ms, "
           "p99 %.3f ms, max %.3f ms; %" PRIu64 " errors; body %" PRIu64 " bytes; %" PRIu64
           " connections reopened\n",
           all->ok, window_s, rps, (double)p50 / 1e6, (double)p99 / 1e6, (double)all->max_ns / 1e6,
           errors, body, all->reconnects);
    httpbench_print_errors(all);
    char server[64] = "-";
    if (server_cpu_s >= 0) {
        snprintf(server, sizeof(server), "%.2f", server_cpu_s / window_s);
        printf("httpbench: CPU: client %.2f cores, server %.2f cores (%.1f us per 200 answer), "
               "other processes %s cores\n",
               client_cpu_s / window_s, server_cpu_s / window_s,
               all->ok > 0 ? 1e6 * server_cpu_s / (double)all->ok : 0.0, others);
    } else {
        printf("httpbench: CPU: client %.2f cores, everything else %s cores\n",
               client_cpu_s / window_s, others);
    }
    if (all->ran_out > 0) {
        printf("httpbench: %" PRIu64 " connections ran out of --bodies lines inside the measured "
               "seconds: give more lines\n",
               all->ran_out);
    }
    printf("result: label=%s rps=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f errors=%" PRIu64
           " responses=%" PRIu64 " body_bytes=%" PRIu64 " reconnects=%" PRIu64
           " client_cpu=%.2f server_cpu=%s other_cpu=%s ok=%" PRIu64 " sent=%" PRIu64
           " ran_out=%" PRIu64 " refused=",
           p->label, rps, (double)p50 / 1e3, (double)p99 / 1e3, (double)all->max_ns / 1e3, errors,
           all->responses, body, all->reconnects, client_cpu_s / window_s, server, others, all->ok,
           all->sent, all->ran_out);
    for (size_t i = 0; i < all->statuses_len; i++) {
        printf("%s%u:%s:%" PRIu64, i > 0 ? "," : "", all->statuses[i].status,
               all->statuses[i].code[0] != '\0' ? all->statuses[i].code : "-", all->statuses[i].n);
    }
    if (all->other_errors > 0) {
        printf("%sother:-:%" PRIu64, all->statuses_len > 0 ? "," : "", all->other_errors);
    }
    printf("%s\n", all->statuses_len == 0 && all->other_errors == 0 ? "-" : "");
}

/* Sends the request once on a connection of its own, with Connection: close, and reads
 * the answer to its end: 1 when it is a 200. Saves a run of nothing but errors (a server
 * that is down, a key it refuses). The server closes that connection itself before the
 * run opens its own, so that it never counts against the server's per-address limit. */
static int httpbench_probe(const httpbench_plan *p)
{
    static char buf[HTTPBENCH_RESPONSE_BYTES_MAX + 1];
    static char req[HTTPBENCH_REQUEST_BYTES_MAX + HTTPBENCH_BODY_BYTES_MAX + 64];
    struct timeval tv = {.tv_sec = HTTPBENCH_PROBE_TIMEOUT_S, .tv_usec = 0};
    size_t len = p->request_len - 2; /* without the blank line that ends the headers */
    if (p->bodies != NULL) {
        len = httpbench_post(req, sizeof(req), p, 0, "Connection: close\r\n");
        CHR_ASSERT(len > 0);
    } else {
        memcpy(req, p->request, len);
        len += (size_t)snprintf(req + len, sizeof(req) - len, "Connection: close\r\n\r\n");
    }
    int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
             connect(fd, (const struct sockaddr *)&p->addr, p->addr_len) == 0 &&
             send(fd, req, len, MSG_NOSIGNAL) == (ssize_t)len;
    size_t got = 0;
    ssize_t n = 0;
    while (ok && got < sizeof(buf) - 1 && (n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0) {
        got += (size_t)n;
    }
    if (!ok || n < 0) {
        fprintf(stderr, "httpbench: %s: %s\n", p->url, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    buf[got] = '\0';
    unsigned status = 0;
    if (ok && n == 0 &&
        (strncmp(buf, "HTTP/1.", 7) != 0 || sscanf(buf + 8, " %3u", &status) != 1)) {
        fprintf(stderr, "httpbench: %s: not an HTTP/1.x answer\n", p->url);
    } else if (ok && n == 0 && status != 200) {
        const char *body = strstr(buf, "\r\n\r\n");
        char sample[HTTPBENCH_SAMPLE_BYTES_MAX + 1];
        httpbench_sample(sample, sizeof(sample), body != NULL ? body + 4 : "",
                         body != NULL ? strlen(body + 4) : 0);
        fprintf(stderr, "httpbench: %s answers HTTP %u: %s\n", p->url, status, sample);
    }
    return ok && n == 0 && status == 200;
}

static httpbench_worker *httpbench_workers_new(const httpbench_plan *p)
{
    httpbench_worker *ws = calloc(p->threads, sizeof(*ws));
    httpbench_conn *cs = calloc(p->conns, sizeof(*cs));
    if (ws == NULL || cs == NULL) {
        free(ws);
        free(cs);
        return NULL;
    }
    for (unsigned i = 0, first = 0; i < p->threads; i++) {
        unsigned n = p->conns / p->threads + (i < p->conns % p->threads);
        ws[i].plan = p;
        ws[i].conns = cs + first;
        ws[i].conns_len = n;
        ws[i].ep = -1;
        for (unsigned k = 0; k < n; k++) {
            cs[first + k].fd = -1;
            cs[first + k].index = first + k;
        }
        first += n;
    }
    return ws;
}

static int httpbench_run(httpbench_plan *p)
{
    httpbench_worker *ws = httpbench_workers_new(p);
    static httpbench_stats all; /* ~120 KB: not on the stack */
    if (ws == NULL) {
        fprintf(stderr, "httpbench: out of memory\n");
        return HTTPBENCH_FAIL;
    }
    uint64_t start = httpbench_now_ns();
    p->t0_ns = start + p->warmup_s * HTTPBENCH_NS_PER_S;
    p->t1_ns = p->t0_ns + p->seconds * HTTPBENCH_NS_PER_S;
    unsigned started = 0;
    for (; started < p->threads; started++) {
        ws[started].ep = epoll_create1(EPOLL_CLOEXEC);
        if (ws[started].ep < 0 ||
            pthread_create(&ws[started].thread, NULL, httpbench_worker_main, &ws[started]) != 0) {
            fprintf(stderr, "httpbench: cannot start thread %u\n", started);
            break;
        }
    }
    httpbench_sleep_until(p->t0_ns);
    double c0 = httpbench_cpu_s(0);
    double s0 = p->server_pid != 0 ? httpbench_cpu_s(p->server_pid) : -1;
    double m0 = httpbench_machine_busy_s();
    httpbench_sleep_until(p->t1_ns);
    double c1 = httpbench_cpu_s(0);
    double s1 = p->server_pid != 0 ? httpbench_cpu_s(p->server_pid) : -1;
    double m1 = httpbench_machine_busy_s();
    for (unsigned i = 0; i < started; i++) {
        pthread_join(ws[i].thread, NULL);
    }
    for (unsigned i = 0; i < p->threads; i++) {
        if (ws[i].ep >= 0) {
            close(ws[i].ep);
        }
        httpbench_merge(&all, &ws[i].st);
    }
    free(ws[0].conns);
    free(ws);
    if (started < p->threads) {
        return HTTPBENCH_FAIL;
    }
    httpbench_cpu cpu = {.client_s = c1 - c0,
                         .server_s = s0 >= 0 && s1 >= 0 ? s1 - s0 : -1,
                         .machine_s = m0 >= 0 && m1 >= 0 ? m1 - m0 : -1};
    httpbench_report(p, &all, &cpu, (double)p->seconds);
    return all.ok > 0 && all.ran_out == 0 ? HTTPBENCH_OK : HTTPBENCH_FAIL;
}

static void httpbench_plan_free(httpbench_plan *p)
{
    free(p->bodies);
    free(p->line_off);
    free(p->line_len);
}

int main(int argc, char **argv)
{
    static httpbench_plan plan;
    if (!httpbench_parse(&plan, argc, argv)) {
        httpbench_plan_free(&plan);
        return httpbench_usage();
    }
    signal(SIGPIPE, SIG_IGN);
    if (!httpbench_probe(&plan)) {
        httpbench_plan_free(&plan);
        return HTTPBENCH_FAIL;
    }
    printf("httpbench: %s %s: %u threads, %u keep-alive connections, %u s warm-up, %u s "
           "measured\n",
           plan.bodies != NULL ? "POST" : "GET", plan.url, plan.threads, plan.conns, plan.warmup_s,
           plan.seconds);
    fflush(stdout);
    int rc = httpbench_run(&plan);
    httpbench_plan_free(&plan);
    return rc;
}
