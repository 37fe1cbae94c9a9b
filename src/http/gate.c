/* gate.c - lets one operation run while no request is in flight; held-back requests are resumed after it. */
#include "http/gate.h"

#include <pthread.h>
#include <stdlib.h>

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t idle;           /* signalled when inflight drops to 0 */
    pthread_cond_t free_;          /* signalled when an exclusive operation ends */
    int inflight;
    bool exclusive;                /* an exclusive operation is waiting or running */
    gate_waiter_t *waiters;        /* held-back requests (borrowed nodes) */
};

typedef struct gate_job {
    gate_t *g;
    gate_fn fn, done;
    void *ctx;
} gate_job_t;

gate_t *gate_new(void)
{
    gate_t *g = calloc(1, sizeof *g); /* owner: the caller, gate_free */
    if (!g)
        return NULL;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->idle, NULL);
    pthread_cond_init(&g->free_, NULL);
    return g;
}

void gate_free(gate_t *g)
{
    if (!g)
        return;
    pthread_cond_destroy(&g->idle);
    pthread_cond_destroy(&g->free_);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

bool gate_enter(gate_t *g, gate_waiter_t *w)
{
    pthread_mutex_lock(&g->mu);
    bool ok = !g->exclusive;
    if (ok) {
        g->inflight++;
    } else {
        w->next = g->waiters;
        g->waiters = w;
    }
    pthread_mutex_unlock(&g->mu);
    return ok;
}

void gate_leave(gate_t *g)
{
    pthread_mutex_lock(&g->mu);
    if (--g->inflight == 0)
        pthread_cond_broadcast(&g->idle);
    pthread_mutex_unlock(&g->mu);
}

/* The exclusive operation's thread: claim the gate, drain, run, release, resume. */
static void *gate_main(void *arg)
{
    gate_job_t *job = arg; /* owned by this thread */
    gate_t *g = job->g;
    pthread_mutex_lock(&g->mu);
    while (g->exclusive)
        pthread_cond_wait(&g->free_, &g->mu);
    g->exclusive = true;
    while (g->inflight > 0)
        pthread_cond_wait(&g->idle, &g->mu);
    pthread_mutex_unlock(&g->mu);

    job->fn(job->ctx);

    pthread_mutex_lock(&g->mu);
    g->exclusive = false;
    gate_waiter_t *w = g->waiters;
    g->waiters = NULL;
    pthread_cond_broadcast(&g->free_);
    pthread_mutex_unlock(&g->mu);
    while (w) {
        gate_waiter_t *next = w->next; /* read first: resume may reuse the node */
        w->resume(w);
        w = next;
    }
    job->done(job->ctx);
    free(job);
    return NULL;
}

int gate_exclusive(gate_t *g, gate_fn fn, gate_fn done, void *ctx)
{
    gate_job_t *job = malloc(sizeof *job); /* owner: gate_main */
    if (!job)
        return -1;
    *job = (gate_job_t){g, fn, done, ctx};
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &at, gate_main, job);
    pthread_attr_destroy(&at);
    if (rc != 0) {
        free(job);
        return -1;
    }
    return 0;
}
