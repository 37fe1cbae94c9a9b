/* delayq.h - runs callbacks after a delay on one background thread (the admin API's delayMs faults). */
#ifndef PARLEY_HTTP_DELAYQ_H
#define PARLEY_HTTP_DELAYQ_H

typedef struct delayq delayq_t;
typedef void (*delayq_fn)(void *ctx);

/* Starts the thread. NULL when a thread or memory cannot be had. Owner: the caller (delayq_free). */
delayq_t *delayq_start(void);
/* Runs fn(ctx) on the queue's thread once delay_ms have passed (monotonic
 * clock, not the admin clock). Returns 0, or -1 when out of memory or
 * stopping (fn is then run at once, on the calling thread). */
int delayq_add(delayq_t *q, int delay_ms, delayq_fn fn, void *ctx);
/* Runs every pending callback at once, in deadline order, and stops the
 * thread; later delayq_add calls run their callback at once. NULL is fine. */
void delayq_stop(delayq_t *q);
/* delayq_stop, then frees q. NULL is fine. */
void delayq_free(delayq_t *q);

#endif
