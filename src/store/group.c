/* group.c - group commit: a writer thread batches the write jobs of concurrent callers into one transaction. */
#include "store/group.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define GROUP_DEFAULT_BATCH 256u

struct store_group {
    const store_group_ops_t *ops;
    void *ctx;
    unsigned max_batch;
    pthread_mutex_t mu;            /* guards everything below */
    pthread_cond_t work;           /* the writer waits here for jobs */
    pthread_cond_t done;           /* store_group_run callers wait here for their job */
    store_group_job_t *head, *tail; /* queued jobs, oldest first; owned by their submitters */
    atomic_bool started;           /* set once, under mu, when the writer thread exists */
    bool stopping;
    pthread_t writer;
    unsigned long long batches, jobs;
    unsigned long long by_size[STORE_GROUP_SIZE_BUCKETS]; /* batches of <= 1, 2, 4, …, 256 jobs, then more */
    double job_s, commit_s;        /* writer time in jobs and in begin+commit (PARLEY_GROUP_STATS) */
};

/* Seconds on the monotonic clock. */
static double group_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

store_group_t *store_group_new(const store_group_ops_t *ops, void *ctx, unsigned max_batch)
{
    store_group_t *g = calloc(1, sizeof(*g)); /* owner: the caller, released by store_group_free */
    if (!g)
        return NULL;
    g->ops = ops;
    g->ctx = ctx;
    g->max_batch = max_batch ? max_batch : GROUP_DEFAULT_BATCH;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->work, NULL);
    pthread_cond_init(&g->done, NULL);
    return g;
}

/* Runs one batch (a list linked by next, n jobs) on conn: begin, every job,
 * commit. Sets each job's rc; a failed begin or commit fails every job. */
static void group_run_batch(store_group_t *g, void *conn, store_group_job_t *batch)
{
    double t0 = group_now();
    if (!conn || g->ops->begin(conn) != STORE_OK) {
        for (store_group_job_t *j = batch; j; j = j->next)
            j->rc = STORE_ERROR;
        return;
    }
    for (store_group_job_t *j = batch; j; j = j->next)
        j->rc = j->fn(conn, j->arg);
    double t1 = group_now();
    store_rc_t committed = g->ops->commit(conn);
    g->job_s += t1 - t0; /* only the writer thread touches these two */
    g->commit_s += group_now() - t1;
    if (committed != STORE_OK) {
        g->ops->rollback(conn);
        for (store_group_job_t *j = batch; j; j = j->next)
            if (j->rc == STORE_OK)
                j->rc = STORE_ERROR;
    }
}

/* The writer thread: takes up to max_batch queued jobs, runs them as one
 * transaction, then releases their submitters; exits once stopping and idle. */
static void *group_main(void *arg)
{
    store_group_t *g = arg;
    pthread_setname_np(pthread_self(), "parley-writer"); /* else it inherits its creator's name (profiles) */
    void *conn = g->ops->writer_conn(g->ctx);
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->head && !g->stopping)
            pthread_cond_wait(&g->work, &g->mu);
        if (!g->head)
            break;
        store_group_job_t *batch = g->head, *last = batch;
        unsigned n = 1;
        while (last->next && n < g->max_batch) {
            last = last->next;
            n++;
        }
        g->head = last->next;
        if (!g->head)
            g->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&g->mu);

        group_run_batch(g, conn, batch);

        /* Release the waiters. A finished synchronous job may vanish at once
         * (its submitter's stack), so read next before marking it. */
        store_group_job_t *async = NULL;
        pthread_mutex_lock(&g->mu);
        g->batches++;
        g->jobs += n;
        size_t k = 0;
        while (k + 1 < STORE_GROUP_SIZE_BUCKETS && (1ull << k) < (unsigned long long)n)
            k++;
        g->by_size[k]++;
        for (store_group_job_t *j = batch, *next; j; j = next) {
            next = j->next;
            if (j->done) {
                j->next = async;
                async = j;
            }
            j->finished = true;
        }
        pthread_cond_broadcast(&g->done);
        pthread_mutex_unlock(&g->mu);
        for (store_group_job_t *j = async, *next; j; j = next) {
            next = j->next;
            j->done(j);
        }
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* Appends job to the queue and wakes the writer, starting it on first use.
 * Called with g->mu held. STORE_ERROR when the thread cannot be started. */
static store_rc_t group_enqueue(store_group_t *g, store_group_job_t *job)
{
    if (!g->started) {
        if (pthread_create(&g->writer, NULL, group_main, g) != 0) {
            fprintf(stderr, "parley: store: cannot start the writer thread\n");
            return STORE_ERROR;
        }
        g->started = true;
    }
    job->next = NULL;
    job->finished = false;
    if (g->tail)
        g->tail->next = job;
    else
        g->head = job;
    g->tail = job;
    pthread_cond_signal(&g->work);
    return STORE_OK;
}

store_rc_t store_group_run(store_group_t *g, store_group_fn fn, void *arg)
{
    store_group_job_t job = {.fn = fn, .arg = arg, .rc = STORE_ERROR};
    pthread_mutex_lock(&g->mu);
    store_rc_t rc = group_enqueue(g, &job);
    if (rc == STORE_OK) {
        while (!job.finished)
            pthread_cond_wait(&g->done, &g->mu);
        rc = job.rc;
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

store_rc_t store_group_submit(store_group_t *g, store_group_job_t *job)
{
    pthread_mutex_lock(&g->mu);
    store_rc_t rc = group_enqueue(g, job);
    pthread_mutex_unlock(&g->mu);
    return rc;
}

bool store_group_is_writer(const store_group_t *g)
{
    return g && g->started && pthread_equal(pthread_self(), g->writer);
}

void store_group_stats(store_group_t *g, unsigned long long *batches, unsigned long long *jobs)
{
    pthread_mutex_lock(&g->mu);
    if (batches)
        *batches = g->batches;
    if (jobs)
        *jobs = g->jobs;
    pthread_mutex_unlock(&g->mu);
}

void store_group_sizes(store_group_t *g, unsigned long long by_size[STORE_GROUP_SIZE_BUCKETS])
{
    pthread_mutex_lock(&g->mu);
    for (size_t k = 0; k < STORE_GROUP_SIZE_BUCKETS; k++)
        by_size[k] = g->by_size[k];
    pthread_mutex_unlock(&g->mu);
}

void store_group_free(store_group_t *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stopping = true;
    pthread_cond_signal(&g->work);
    bool started = g->started;
    pthread_mutex_unlock(&g->mu);
    if (started)
        pthread_join(g->writer, NULL);
    const char *stats = getenv("PARLEY_GROUP_STATS");
    if (stats && *stats && g->batches) /* a profiling aid, documented in BENCHMARKS.md */
        fprintf(stderr, "parley: group commit: %llu batches, %llu writes (%.1f a batch), %.3f s in writes, %.3f s in commits (%.2f ms a commit)\n",
                g->batches, g->jobs, (double)g->jobs / (double)g->batches, g->job_s, g->commit_s,
                g->commit_s * 1e3 / (double)g->batches);
    pthread_cond_destroy(&g->work);
    pthread_cond_destroy(&g->done);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
