/* checkpointer.c - WAL checkpoints of an SQLite database in a background thread, off the writers' commits. */
#include "store/checkpointer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct checkpointer {
    sqlite3 *db;           /* the thread's own connection; owned */
    pthread_t thread;
    pthread_mutex_t mu;    /* guards pending, running, stopping, asked_at, runs */
    pthread_cond_t wake;   /* the thread waits here for work */
    pthread_cond_t idle;   /* checkpointer_wait_idle waits here */
    bool running;          /* a checkpoint is in progress */
    bool pending;          /* a commit asked for a checkpoint since the last one started */
    int asked_at;          /* the WAL's size in frames when a checkpoint was last asked for */
    bool stopping;
    unsigned long runs;
};

/* The thread: one PASSIVE checkpoint per wake-up until stopped. BUSY (an
 * inline checkpoint holds the lock) is expected and skipped. */
static void *checkpointer_main(void *arg)
{
    checkpointer_t *k = arg;
    pthread_setname_np(pthread_self(), "parley-ckpt");
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->pending && !k->stopping)
            pthread_cond_wait(&k->wake, &k->mu);
        if (k->stopping)
            break;
        k->pending = false;
        k->running = true;
        pthread_mutex_unlock(&k->mu);
        int rc = sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            fprintf(stderr, "parley: store checkpoint: %s (sqlite %d)\n", sqlite3_errmsg(k->db), rc);
        pthread_mutex_lock(&k->mu);
        k->running = false;
        k->runs++;
        pthread_cond_broadcast(&k->idle);
    }
    k->running = false;
    pthread_cond_broadcast(&k->idle);
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

checkpointer_t *checkpointer_new(const char *path, bool full_sync, char *err, size_t errlen)
{
    checkpointer_t *k = calloc(1, sizeof(*k)); /* owner: the caller, released by checkpointer_free */
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(k->db, full_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
                          NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s for checkpoints: %s", path,
                 k->db ? sqlite3_errmsg(k->db) : sqlite3_errstr(rc));
        sqlite3_close(k->db);
        free(k);
        return NULL;
    }
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->wake, NULL);
    pthread_cond_init(&k->idle, NULL);
    if (pthread_create(&k->thread, NULL, checkpointer_main, k) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        pthread_cond_destroy(&k->idle);
        pthread_cond_destroy(&k->wake);
        pthread_mutex_destroy(&k->mu);
        sqlite3_close(k->db);
        free(k);
        return NULL;
    }
    return k;
}

/* sqlite3_wal_hook: runs after every commit of an attached connection, with
 * the WAL's size in frames. Wakes the thread past the soft limit;
 * checkpoints inline past the hard one. Never fails the commit. */
static int checkpointer_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
    checkpointer_t *k = ctx;
    if (frames >= CHECKPOINTER_HARD_FRAMES) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (frames >= CHECKPOINTER_SOFT_FRAMES) {
        /* Once per CHECKPOINTER_SOFT_FRAMES of growth: until the WAL restarts
         * it stays past the limit, and asking on every commit made the thread
         * copy a few frames (and fsync) per commit. */
        pthread_mutex_lock(&k->mu);
        if (!k->pending && (frames < k->asked_at || frames - k->asked_at >= CHECKPOINTER_SOFT_FRAMES)) {
            k->pending = true;
            k->asked_at = frames;
            pthread_cond_signal(&k->wake);
        }
        pthread_mutex_unlock(&k->mu);
    }
    return SQLITE_OK;
}

void checkpointer_attach(checkpointer_t *k, sqlite3 *db)
{
    if (k && db)
        sqlite3_wal_hook(db, checkpointer_hook, k);
}

unsigned long checkpointer_runs(checkpointer_t *k)
{
    pthread_mutex_lock(&k->mu);
    unsigned long n = k->runs;
    pthread_mutex_unlock(&k->mu);
    return n;
}

void checkpointer_wait_idle(checkpointer_t *k)
{
    pthread_mutex_lock(&k->mu);
    while ((k->pending || k->running) && !k->stopping)
        pthread_cond_wait(&k->idle, &k->mu);
    pthread_mutex_unlock(&k->mu);
}

void checkpointer_free(checkpointer_t *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stopping = true;
    pthread_cond_signal(&k->wake);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->idle);
    pthread_cond_destroy(&k->wake);
    pthread_mutex_destroy(&k->mu);
    if (sqlite3_close(k->db) != SQLITE_OK)
        fprintf(stderr, "parley: store checkpoint: connection still busy at close\n");
    free(k);
}
