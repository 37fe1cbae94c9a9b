/* group.h - group commit: one writer thread runs the write jobs of many threads in one transaction per batch. */
#ifndef PARLEY_STORE_GROUP_H
#define PARLEY_STORE_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* A job runs inside the batch's open transaction on the writer's connection
 * (conn, from ops->writer_conn) and returns its result; it must undo its own
 * partial work on failure (a savepoint) so the other jobs of the batch commit. */
typedef store_rc_t (*store_group_fn)(void *conn, void *arg);

/* What the backend provides. All are called on the writer thread only. */
typedef struct store_group_ops {
    void *(*writer_conn)(void *ctx);        /* the writer thread's connection; NULL = cannot write */
    store_rc_t (*begin)(void *conn);        /* opens the batch transaction */
    store_rc_t (*commit)(void *conn);       /* commits it (acknowledged = durable per the store's settings) */
    void (*rollback)(void *conn);           /* abandons it after a failed begin or commit */
} store_group_ops_t;

typedef struct store_group_job store_group_job_t;
/* Called on the writer thread once the job's batch has committed (or failed);
 * job->rc holds the result. The job may be freed from here. */
typedef void (*store_group_done_fn)(store_group_job_t *job);

/* One submitted write. The submitter owns it (stack or heap) and keeps it,
 * and whatever arg points to, alive until it is done. */
struct store_group_job {
    store_group_fn fn;
    void *arg;
    store_group_done_fn done;               /* NULL for store_group_run (the submitter waits) */
    void *done_ctx;                         /* for done's use */
    store_rc_t rc;                          /* result, valid once done */
    bool finished;                          /* set under the group's lock when rc is final */
    store_group_job_t *next;                /* queue link (the group's) */
};

typedef struct store_group store_group_t;

/* Creates a group whose writer thread starts on the first submitted job.
 * max_batch bounds the jobs of one transaction (0 = 256). Returns NULL when
 * out of memory. ops and ctx must outlive the group. */
store_group_t *store_group_new(const store_group_ops_t *ops, void *ctx, unsigned max_batch);
/* Runs every job still queued, stops the writer thread and frees g. NULL is fine. */
void store_group_free(store_group_t *g);
/* Runs fn(conn, arg) in the next batch and waits until that batch has
 * committed: returns fn's result, or STORE_ERROR when the batch failed to
 * begin or commit (then nothing of it is stored). Must not be called on the
 * writer thread (use store_group_is_writer and run inline there). */
store_rc_t store_group_run(store_group_t *g, store_group_fn fn, void *arg);
/* Queues job (fn, arg, done set by the caller) and returns at once; done runs
 * on the writer thread after the batch. Returns STORE_ERROR (and never calls
 * done) when the writer thread cannot be started. */
store_rc_t store_group_submit(store_group_t *g, store_group_job_t *job);
/* True on g's writer thread (a job's callback calling back into the store). */
bool store_group_is_writer(const store_group_t *g);
/* Batches committed and jobs run so far (for tests and benchmarks). */
void store_group_stats(store_group_t *g, unsigned long long *batches, unsigned long long *jobs);
/* Batches committed so far by size: by_size[k] counts those of more than
 * 2^(k-1) and at most 2^k jobs (k = 0: one job); the last counts the rest. */
#define STORE_GROUP_SIZE_BUCKETS 10
void store_group_sizes(store_group_t *g, unsigned long long by_size[STORE_GROUP_SIZE_BUCKETS]);

#endif
