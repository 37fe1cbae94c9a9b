/* delayq.c - runs callbacks after a delay on one background thread, kept in deadline order. */
#include "http/delayq.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

typedef struct delayq_item {
    struct timespec at;            /* CLOCK_MONOTONIC deadline */
    delayq_fn fn;
    void *ctx;
    struct delayq_item *next;
} delayq_item_t;

struct delayq {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;             /* on the monotonic clock */
    delayq_item_t *head;           /* sorted by at; owned */
    bool stopping;
};

static bool delayq_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The thread: waits for the earliest deadline, runs what is due outside the
 * lock; when stopping, runs everything left at once. */
static void *delayq_main(void *arg)
{
    delayq_t *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (!q->head) {
            if (q->stopping)
                break;
            pthread_cond_wait(&q->cv, &q->mu);
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!q->stopping && delayq_before(&now, &q->head->at)) {
            pthread_cond_timedwait(&q->cv, &q->mu, &q->head->at);
            continue;
        }
        delayq_item_t *it = q->head;
        q->head = it->next;
        pthread_mutex_unlock(&q->mu);
        it->fn(it->ctx);
        free(it);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

delayq_t *delayq_start(void)
{
    delayq_t *q = calloc(1, sizeof *q); /* owner: the caller, delayq_stop */
    if (!q)
        return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&q->mu, NULL);
    if (pthread_create(&q->thread, NULL, delayq_main, q) != 0) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        free(q);
        return NULL;
    }
    return q;
}

int delayq_add(delayq_t *q, int delay_ms, delayq_fn fn, void *ctx)
{
    delayq_item_t *it = malloc(sizeof *it); /* owner: q until it runs, then delayq_main frees it */
    if (!it) {
        fn(ctx);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &it->at);
    it->at.tv_sec += delay_ms / 1000;
    it->at.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
    if (it->at.tv_nsec >= 1000000000L) {
        it->at.tv_sec++;
        it->at.tv_nsec -= 1000000000L;
    }
    it->fn = fn;
    it->ctx = ctx;
    pthread_mutex_lock(&q->mu);
    if (q->stopping) {
        pthread_mutex_unlock(&q->mu);
        free(it);
        fn(ctx);
        return -1;
    }
    delayq_item_t **pp = &q->head;
    while (*pp && !delayq_before(&it->at, &(*pp)->at))
        pp = &(*pp)->next;
    it->next = *pp;
    *pp = it;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

void delayq_stop(delayq_t *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    bool was = q->stopping;
    q->stopping = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (!was)
        pthread_join(q->thread, NULL);
}

void delayq_free(delayq_t *q)
{
    if (!q)
        return;
    delayq_stop(q);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}
