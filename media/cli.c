/* chroom-media's command line and its daemon (docs/MEDIA-AGENT.md): global options, the
 * command words, and `run`'s loop. */
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "media/internal/agent.h"

static const char usage_text[] =
    "usage: chroom-media [--config FILE] [--json] COMMAND [ARGUMENTS]\n"
    "\n"
    "  register [--update | --deregister]\n"
    "        register the media node of the config's [keys] with its [registry] fields\n"
    "        (the operator's key signs; --update changes them, --deregister unbonds)\n"
    "  credit verify CREDIT --meeting ID [--now-ms MS]\n"
    "        check a credit for a meeting on this node: prints valid, or why not\n"
    "  run   serve the local endpoint, track meetings, settle them (until SIGTERM)\n"
    "  usage add MEETING PARTICIPANT MINUTES\n"
    "        report a participant's minutes to the running agent\n"
    "\n"
    "--config defaults to $CHROOM_MEDIA_CONFIG, else ./media.conf (docs/MEDIA-AGENT.md).\n"
    "Exit codes: 0 ok, 1 refused or invalid, 2 usage, 3 node or agent unreachable, 4 local.\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Loads the state file when it exists. An exit code. */
static int load_state(media_agent *a)
{
    char err[512];
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(a->cfg.state_file, "r");
    if (f == NULL && errno == ENOENT) {
        return MEDIA_EXIT_OK;
    }
    if (f != NULL) {
        fclose(f);
    }
    chr_err e =
        chr_file_read(a->cfg.state_file, MEDIA_STATE_BYTES_MAX, &text, &len, err, sizeof(err));
    e = e ? e : media_state_decode(a->state, text, len, err, sizeof(err));
    free(text);
    if (e != CHR_OK) {
        wallet_cli_err("%s: %s (move it away to start empty)", a->cfg.state_file, err);
        return MEDIA_EXIT_LOCAL;
    }
    return MEDIA_EXIT_OK;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested) {
    }
}

int media_cmd_run(media_agent *a)
{
    a->state = calloc(1, sizeof(*a->state));
    if (a->state == NULL || pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a->state);
        wallet_cli_err("out of memory");
        return MEDIA_EXIT_LOCAL;
    }
    int rc = load_state(a);
    /* The chain id is read once; the first call also sets up libcurl before any thread. */
    rc = rc ? rc : media_fetch_chain_id(a);
    rc = rc ? rc : media_heartbeat_start(a);
    struct MHD_Daemon *d = rc == MEDIA_EXIT_OK ? media_server_start(a) : NULL;
    if (rc == MEDIA_EXIT_OK && d == NULL) {
        rc = MEDIA_EXIT_LOCAL;
    }
    if (rc == MEDIA_EXIT_OK) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        a->wc.opt[WALLET_OPT_WAIT] = "";
        CHR_LOG_I("chroom-media: node %s, chain %s, listening on %s:%u", a->node_hex, a->chain_id,
                  a->cfg.listen_addr, (unsigned)a->cfg.listen_port);
    }
    while (rc == MEDIA_EXIT_OK && !stop_requested) {
        uint64_t now = media_now_ms();
        media_watch_round(a);
        media_settle_round(a, now);
        fflush(stdout);
        sleep_ms(a->cfg.poll_ms);
    }
    /* The endpoint first: GET /health reads the heartbeat sender's counts. */
    if (d != NULL) {
        MHD_stop_daemon(d);
    }
    media_heartbeat_stop(a);
    if (d != NULL) {
        pthread_mutex_lock(&a->lock);
        rc = media_state_save(a) ? rc : MEDIA_EXIT_LOCAL;
        pthread_mutex_unlock(&a->lock);
        CHR_LOG_I("chroom-media: stopped, state saved to %s", a->cfg.state_file);
    }
    pthread_mutex_destroy(&a->lock);
    free(a->state);
    return rc;
}

/* Takes "--name VALUE" or "--name" at argv[*i] into *out; 1 when it matched. */
static int take(int argc, char **argv, int *i, const char *name, int has_value, const char **out)
{
    if (strcmp(argv[*i], name) != 0) {
        return 0;
    }
    if (has_value && *i + 1 >= argc) {
        *out = NULL;
        return -1;
    }
    *out = has_value ? argv[++*i] : "";
    return 1;
}

typedef struct media_args {
    const char *config, *json, *update, *deregister, *meeting, *now_ms, *help;
    const char *words[6];
    int words_len;
} media_args;

static int parse_args(int argc, char **argv, media_args *g)
{
    memset(g, 0, sizeof(*g));
    for (int i = 1; i < argc; i++) {
        int t = take(argc, argv, &i, "--config", 1, &g->config);
        t = t ? t : take(argc, argv, &i, "--json", 0, &g->json);
        t = t ? t : take(argc, argv, &i, "--update", 0, &g->update);
        t = t ? t : take(argc, argv, &i, "--deregister", 0, &g->deregister);
        t = t ? t : take(argc, argv, &i, "--meeting", 1, &g->meeting);
        t = t ? t : take(argc, argv, &i, "--now-ms", 1, &g->now_ms);
        t = t ? t : take(argc, argv, &i, "--help", 0, &g->help);
        if (t < 0 || (t == 0 && argv[i][0] == '-' && argv[i][1] == '-')) {
            fprintf(stderr, "chroom-media: %s %s\n%s", argv[i],
                    t < 0 ? "needs a value" : "is not an option", usage_text);
            return 0;
        }
        if (t == 0 && g->words_len == (int)(sizeof(g->words) / sizeof(g->words[0]))) {
            fprintf(stderr, "chroom-media: too many arguments\n%s", usage_text);
            return 0;
        }
        if (t == 0) {
            g->words[g->words_len++] = argv[i];
        }
    }
    return 1;
}

/* The command of g's words: 1 register, 2 credit verify, 3 run, 4 usage add; 0 none. */
static int pick(const media_args *g)
{
    const char *w0 = g->words_len > 0 ? g->words[0] : "";
    const char *w1 = g->words_len > 1 ? g->words[1] : "";
    if (strcmp(w0, "register") == 0 && g->words_len == 1 && !(g->update && g->deregister)) {
        return 1;
    }
    if (strcmp(w0, "credit") == 0 && strcmp(w1, "verify") == 0 && g->words_len == 3 &&
        g->meeting != NULL) {
        return 2;
    }
    if (strcmp(w0, "run") == 0 && g->words_len == 1) {
        return 3;
    }
    if (strcmp(w0, "usage") == 0 && strcmp(w1, "add") == 0 && g->words_len == 5) {
        return 4;
    }
    return 0;
}

int media_cli_main(int argc, char **argv)
{
    static media_agent agent;
    media_args g;
    wallet_cli_prog = "chroom-media";
    if (!parse_args(argc, argv, &g)) {
        return MEDIA_EXIT_USAGE;
    }
    if (g.help != NULL || (g.words_len >= 1 && strcmp(g.words[0], "help") == 0)) {
        fputs(usage_text, stdout);
        return MEDIA_EXIT_OK;
    }
    int cmd = pick(&g);
    uint64_t now = media_now_ms();
    if (cmd == 0 || (g.now_ms != NULL && !wallet_cli_parse_u64("--now-ms", g.now_ms, &now))) {
        fprintf(stderr, "chroom-media: %s\n%s",
                cmd == 0 ? "no such command or a missing argument" : "bad --now-ms", usage_text);
        return MEDIA_EXIT_USAGE;
    }
    const char *config = g.config != NULL ? g.config : getenv("CHROOM_MEDIA_CONFIG");
    int rc = media_agent_init(&agent, config != NULL && config[0] ? config : "media.conf",
                              g.json != NULL);
    if (rc != MEDIA_EXIT_OK) {
        return rc;
    }
    switch (cmd) {
    case 1:
        return media_cmd_register(&agent, g.update != NULL, g.deregister != NULL);
    case 2:
        return media_cmd_credit_verify(&agent, g.words[2], g.meeting, now);
    case 3:
        return media_cmd_run(&agent);
    default:
        return media_cmd_usage_add(&agent, g.words[2], g.words[3], g.words[4]);
    }
}
