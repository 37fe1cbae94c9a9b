/* worker.h - the webhook delivery worker: a thread of `parley serve` that sends the outbox's events to their endpoints with libcurl. */
#ifndef PARLEY_WEBHOOK_WORKER_H
#define PARLEY_WEBHOOK_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/gate.h"
#include "store/store.h"

#define WEBHOOK_TIMEOUT_MS_DEFAULT 10000               /* one attempt, connection included */
#define WEBHOOK_MAX_AGE_MS_DEFAULT (24LL * 3600 * 1000) /* retried this long after the event, then failed */
#define WEBHOOK_RETENTION_MS (7LL * 24 * 3600 * 1000)  /* finished events are kept this long */
#define WEBHOOK_LANES_DEFAULT 16                        /* endpoints delivered to at once */

typedef struct webhook_opts {
    int64_t timeout_ms;        /* <= 0: WEBHOOK_TIMEOUT_MS_DEFAULT */
    int64_t max_age_ms;        /* <= 0: WEBHOOK_MAX_AGE_MS_DEFAULT */
    int lanes;                 /* <= 0: WEBHOOK_LANES_DEFAULT */
    bool block_private;        /* refuse receivers at loopback, private, link-local and other non-public addresses */
    gate_t *gate;              /* the server's gate (a snapshot restore waits for the worker's store calls); may be NULL */
} webhook_opts_t;

typedef struct webhook_worker webhook_worker_t;

/* Counters since the start (for metrics and tests). */
typedef struct webhook_stats {
    uint64_t attempts, delivered, failed, retries;
} webhook_stats_t;

/* Starts the worker thread on st (which must outlive it) and hooks it to
 * the store's commits (store_set_events_hook). Call curl_global_init
 * before (webhook_global_init). Returns NULL with why in err. Owner: the
 * caller, webhook_worker_stop. */
webhook_worker_t *webhook_worker_start(store_t *st, const webhook_opts_t *o, char *err, size_t errlen);
/* Stops the thread: transfers in flight are abandoned (their deliveries stay
 * pending and are sent again later: at least once), finished ones are
 * recorded; unhooks the store and frees w. NULL is fine. */
void webhook_worker_stop(webhook_worker_t *w);
/* Asks the worker to look at the outbox now (any thread). */
void webhook_worker_wake(webhook_worker_t *w);
void webhook_worker_stats(webhook_worker_t *w, webhook_stats_t *out);

/* libcurl's process-wide setup; once, before any thread that uses it. 0 or -1. */
int webhook_global_init(void);
void webhook_global_cleanup(void);

#endif
