#include "node/verify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/log.h"
#include "common/thread.h"

/* Work is handed out in chunks, so threads take turns on one batch without a lock per
 * transaction. */
#define VERIFY_CHUNK 16

typedef struct verify_job {
    const ledger_tx *txs;
    chr_err *errs;
    size_t n;
    size_t next; /* next index to hand out */
    size_t done; /* indexes finished */
    pthread_cond_t finished;
    struct verify_job *queue_next;
} verify_job;

struct node_verifier {
    pthread_mutex_t mu;
    pthread_cond_t work;
    verify_job *head, *tail;
    int stop;
    unsigned threads_len;
    unsigned nice; /* set before the threads start */
    pthread_t threads[NODE_VERIFIER_THREADS_MAX];
};

static void verify_range(ledger_key_cache *kc, const ledger_tx *txs, chr_err *errs, size_t from,
                         size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (errs[i] == CHR_OK) {
            errs[i] = ledger_tx_verify_cached(&txs[i], kc);
        }
    }
}

/* Takes the next chunk of the first queued job; called with the mutex held. Returns the
 * job, or NULL when nothing is left to hand out. */
static verify_job *take_chunk(node_verifier *v, size_t *from, size_t *to)
{
    verify_job *j = v->head;
    if (j == NULL) {
        return NULL;
    }
    *from = j->next;
    *to = j->next + VERIFY_CHUNK < j->n ? j->next + VERIFY_CHUNK : j->n;
    j->next = *to;
    if (j->next == j->n) {
        v->head = j->queue_next;
        if (v->head == NULL) {
            v->tail = NULL;
        }
    }
    return j;
}

static void finish_chunk(verify_job *j, size_t count)
{
    j->done += count;
    CHR_ASSERT(j->done <= j->n);
    if (j->done == j->n) {
        pthread_cond_signal(&j->finished);
    }
}

/* Lowers the calling thread's priority by nice steps (node/verify.h). */
static void verify_yield(unsigned nice)
{
    if (nice == 0) {
        return;
    }
    pid_t tid = gettid();
    errno = 0;
    int nice_now = getpriority(PRIO_PROCESS, (id_t)tid);
    int want = nice_now + (int)nice > NODE_VERIFIER_NICE_MAX ? NODE_VERIFIER_NICE_MAX
                                                             : nice_now + (int)nice;
    if ((nice_now == -1 && errno != 0) || setpriority(PRIO_PROCESS, (id_t)tid, want) != 0) {
        CHR_LOG_W("verifier: cannot lower the priority of a verifier thread (%s): submissions "
                  "compete with the writer for the cores",
                  strerror(errno));
    }
}

static void *verify_thread(void *arg)
{
    node_verifier *v = arg;
    chr_thread_name("chroomd-verify");
    verify_yield(v->nice);
    /* Each thread keeps its own key cache: senders and recipients repeat, and a cached key
     * saves the square root of parsing it (about a tenth of a verification). */
    ledger_key_cache *kc = NULL;
    if (ledger_key_cache_new(&kc) != CHR_OK) {
        kc = NULL; /* verification works without it, only slower */
    }
    pthread_mutex_lock(&v->mu);
    for (;;) {
        size_t from;
        size_t to;
        verify_job *j = take_chunk(v, &from, &to);
        if (j == NULL) {
            if (v->stop) {
                break;
            }
            pthread_cond_wait(&v->work, &v->mu);
            continue;
        }
        pthread_mutex_unlock(&v->mu);
        verify_range(kc, j->txs, j->errs, from, to);
        pthread_mutex_lock(&v->mu);
        finish_chunk(j, to - from);
    }
    pthread_mutex_unlock(&v->mu);
    ledger_key_cache_free(kc);
    return NULL;
}

chr_err node_verifier_new(node_verifier **out, unsigned threads, unsigned nice)
{
    *out = NULL;
    if (threads > NODE_VERIFIER_THREADS_MAX || nice > NODE_VERIFIER_NICE_MAX) {
        return CHR_ERR_ARG;
    }
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned)cores : 1;
        threads = threads > NODE_VERIFIER_THREADS_MAX ? NODE_VERIFIER_THREADS_MAX : threads;
    }
    node_verifier *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return CHR_ERR_NOMEM;
    }
    v->nice = nice;
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->work, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&v->threads[i], NULL, verify_thread, v) != 0) {
            node_verifier_free(v);
            return CHR_ERR_NOMEM;
        }
        v->threads_len++;
    }
    *out = v;
    return CHR_OK;
}

void node_verifier_free(node_verifier *v)
{
    if (v == NULL) {
        return;
    }
    pthread_mutex_lock(&v->mu);
    v->stop = 1;
    pthread_cond_broadcast(&v->work);
    pthread_mutex_unlock(&v->mu);
    for (unsigned i = 0; i < v->threads_len; i++) {
        pthread_join(v->threads[i], NULL);
    }
    pthread_cond_destroy(&v->work);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

void node_verifier_run(node_verifier *v, const ledger_tx *txs, chr_err *errs, size_t n)
{
    if (n < NODE_VERIFY_INLINE_MAX) {
        verify_range(NULL, txs, errs, 0, n);
        return;
    }
    verify_job j = {.txs = txs, .errs = errs, .n = n};
    pthread_cond_init(&j.finished, NULL);
    pthread_mutex_lock(&v->mu);
    if (v->tail != NULL) {
        v->tail->queue_next = &j;
    } else {
        v->head = &j;
    }
    v->tail = &j;
    /* The pool has a thread per core; the caller waits rather than compete with them. */
    pthread_cond_broadcast(&v->work);
    while (j.done < j.n) {
        pthread_cond_wait(&j.finished, &v->mu);
    }
    pthread_mutex_unlock(&v->mu);
    pthread_cond_destroy(&j.finished);
}
