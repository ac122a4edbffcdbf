/* baseline_server: the yardstick of the HTTP benchmark (tests/bench/http.sh, `make bench`).
 * A minimal libmicrohttpd server that answers every GET with the same 200-byte JSON body,
 * so that chroomd's request rate can be read as a share of what libmicrohttpd itself
 * serves on the same machine in the same run (issue 3, "Speed").
 *
 *   baseline_server [--port P] [--mode pool|tpc] [--threads N] [--turbo]
 *
 * --port 0 (the default) binds a free port of 127.0.0.1. The server prints
 * "baseline_server: listening on 127.0.0.1:PORT (...)" on stdout once it accepts
 * connections, then serves until SIGINT or SIGTERM.
 *
 * Modes:
 *   pool  (default) one epoll event loop per thread (MHD_USE_EPOLL_INTERNAL_THREAD with
 *         MHD_OPTION_THREAD_POOL_SIZE = N, default one per online core): libmicrohttpd's
 *         fastest simple configuration, and the fair yardstick (no strawman).
 *   tpc   a thread per connection (MHD_USE_THREAD_PER_CONNECTION), chroomd's model until
 *         issue 3 moved it to pool mode, to show what that model costs.
 * --turbo adds MHD_USE_TURBO (opportunistic reads and writes; pool mode only).
 * On the 2-core machine this was written on, with httpbench's 2 threads and 64 keep-alive
 * connections, pool served ~100,000-120,000 requests/s (~10 us of server CPU each), tpc
 * ~45,000-55,000 (~22 us: a context switch and a select() per request), a pool of one
 * thread ~75,000, and --turbo no more than without it; so http.sh takes pool, one thread
 * per core, without --turbo.
 *
 * Each request gets a response made from the static body with its Content-Type header,
 * queued and released, as libmicrohttpd's own examples do; the limits chroomd sets on
 * connections, per address, idle time and per-connection memory are set here to the
 * same defaults, so that both servers do the same bookkeeping.
 *
 * Exit status: 0 stopped by a signal, 1 could not start, 2 usage. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BASELINE_OK 0
#define BASELINE_FAIL 1
#define BASELINE_USAGE 2

/* The size of the answer, as issue 3 asks: about what GET /api/v1/status renders. */
#define BASELINE_BODY_BYTES 200
/* chroomd's defaults (chain.conf.example: connections_max, connections_per_ip_max,
 * connection_timeout_s; rpc/limits.h: RPC_CONNECTION_MEMORY_MAX). */
#define BASELINE_CONNECTIONS_MAX 256u
#define BASELINE_CONNECTIONS_PER_IP_MAX 64u
#define BASELINE_TIMEOUT_S 30u
#define BASELINE_CONNECTION_MEMORY_BYTES (32u * 1024)
/* Threads of the pool at most: a few times the cores of any machine this runs on. */
#define BASELINE_THREADS_MAX 256u

/* Exactly BASELINE_BODY_BYTES bytes of JSON: a fixed prefix and padding. */
#define BASELINE_BODY_PREFIX "{\"chain_id\":\"baseline\",\"latest_height\":\"1\",\"padding\":\""
#define BASELINE_BODY_SUFFIX "\"}"

static char baseline_body[BASELINE_BODY_BYTES + 1];

_Static_assert(sizeof(BASELINE_BODY_PREFIX) - 1 + sizeof(BASELINE_BODY_SUFFIX) - 1 <
                   BASELINE_BODY_BYTES,
               "the body's fixed parts leave room for padding");

static void baseline_body_init(void)
{
    size_t pre = strlen(BASELINE_BODY_PREFIX);
    size_t suf = strlen(BASELINE_BODY_SUFFIX);
    memcpy(baseline_body, BASELINE_BODY_PREFIX, pre);
    memset(baseline_body + pre, 'x', BASELINE_BODY_BYTES - pre - suf);
    memcpy(baseline_body + BASELINE_BODY_BYTES - suf, BASELINE_BODY_SUFFIX, suf);
    baseline_body[BASELINE_BODY_BYTES] = '\0';
}

static enum MHD_Result baseline_answer(struct MHD_Connection *conn, unsigned status,
                                       const char *body, size_t len)
{
    /* PERSISTENT: the body is static; libmicrohttpd neither copies nor frees it. */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        return MHD_NO;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
        MHD_YES) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result baseline_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                           const char *method, const char *version,
                                           const char *upload_data, size_t *upload_data_size,
                                           void **con_cls)
{
    static const char not_allowed[] = "{\"error\":{\"code\":\"method_not_allowed\"}}";
    (void)cls;
    (void)url;
    (void)version;
    (void)upload_data;
    /* The first call only marks the request as seen: libmicrohttpd 0.9.75 closes the
     * connection after a response queued in the first call (it has not read the body
     * yet), which would turn every keep-alive connection into one request each. chroomd
     * answers in a later call too (rpc/server.c, on_request). */
    if (*con_cls == NULL) {
        *con_cls = conn;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0; /* a body is dropped: the answer is the same whatever it holds */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
        return baseline_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed,
                               sizeof(not_allowed) - 1);
    }
    return baseline_answer(conn, MHD_HTTP_OK, baseline_body, BASELINE_BODY_BYTES);
}

static int baseline_usage(void)
{
    fprintf(stderr,
            "usage: baseline_server [--port P] [--mode pool|tpc] [--threads N] [--turbo]\n");
    return BASELINE_USAGE;
}

/* A decimal argument within [min, max]; 0 when it is not one. */
static int baseline_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
    char *end = NULL;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return 0;
    }
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v < min || v > max) {
        return 0;
    }
    *out = (unsigned)v;
    return 1;
}

typedef struct baseline_opts {
    unsigned port;
    unsigned threads;
    int tpc;
    int turbo;
} baseline_opts;

static int baseline_parse_opts(baseline_opts *o, int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof(*o));
    o->threads = cores > 0 && cores <= (long)BASELINE_THREADS_MAX ? (unsigned)cores : 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--turbo") == 0) {
            o->turbo = 1;
            continue;
        }
        if (strcmp(a, "--port") == 0 && baseline_parse_uint(v, 0, 65535, &o->port)) {
            i++;
        } else if (strcmp(a, "--threads") == 0 &&
                   baseline_parse_uint(v, 1, BASELINE_THREADS_MAX, &o->threads)) {
            i++;
        } else if (strcmp(a, "--mode") == 0 && v != NULL &&
                   (strcmp(v, "pool") == 0 || strcmp(v, "tpc") == 0)) {
            o->tpc = strcmp(v, "tpc") == 0;
            i++;
        } else {
            fprintf(stderr, "baseline_server: %s: unknown or without a valid value\n", a);
            return 0;
        }
    }
    if (o->tpc && o->turbo) {
        fprintf(stderr, "baseline_server: --turbo is for --mode pool\n");
        return 0;
    }
    return 1;
}

static struct MHD_Daemon *baseline_start(const baseline_opts *o, struct sockaddr_in *addr)
{
    unsigned flags = MHD_USE_ERROR_LOG;
    if (o->tpc) {
        flags |= MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC;
    } else {
        flags |= MHD_USE_EPOLL_INTERNAL_THREAD | (o->turbo ? MHD_USE_TURBO : 0);
    }
    /* A pool size of 1 is libmicrohttpd's one internal thread, which the option must not
     * name; tpc mode takes no pool at all. */
    unsigned pool = o->tpc || o->threads < 2 ? 0 : o->threads;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, baseline_on_request, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)addr, MHD_OPTION_CONNECTION_LIMIT, BASELINE_CONNECTIONS_MAX,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, BASELINE_CONNECTIONS_PER_IP_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, BASELINE_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)BASELINE_CONNECTION_MEMORY_BYTES,
        /* Without a pool the list ends here (MHD_OPTION_END), as the option must be absent. */
        pool > 0 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, pool, MHD_OPTION_END);
}

int main(int argc, char **argv)
{
    baseline_opts o;
    if (!baseline_parse_opts(&o, argc, argv)) {
        return baseline_usage();
    }
    baseline_body_init();
    /* The signals that stop the server are taken with sigwait, so block them in every
     * thread (libmicrohttpd's threads inherit this mask). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)o.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = baseline_start(&o, &addr);
    if (d == NULL) {
        fprintf(stderr, "baseline_server: libmicrohttpd did not start on port %u\n", o.port);
        return BASELINE_FAIL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info != NULL ? info->port : 0;
    if (port == 0) {
        fprintf(stderr, "baseline_server: cannot tell the port it listens on\n");
        MHD_stop_daemon(d);
        return BASELINE_FAIL;
    }
    if (o.tpc) {
        printf("baseline_server: listening on 127.0.0.1:%u (thread per connection)\n", port);
    } else {
        printf("baseline_server: listening on 127.0.0.1:%u (epoll, %u thread%s%s)\n", port,
               o.threads, o.threads == 1 ? "" : "s", o.turbo ? ", turbo" : "");
    }
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return BASELINE_OK;
}
