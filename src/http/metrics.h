/* metrics.h - request counters and latency histograms per route, rendered in the Prometheus text format. */
#ifndef PARLEY_HTTP_METRICS_H
#define PARLEY_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

typedef struct metrics metrics_t;

/* Gauges and counters the server reads from elsewhere when rendering. */
typedef struct metrics_gauges {
    int64_t in_flight;            /* requests being handled */
    int64_t connections;          /* TCP connections open */
    uint64_t header_timeouts;     /* 408s sent by the request-head deadline */
    uint64_t idle_closed;         /* idle connections closed by it */
    int64_t db_bytes;             /* database size; -1 = unknown */
    int64_t webhook_backlog;      /* webhook deliveries not made yet; -1 = unknown */
    int64_t webhook_reused;       /* payloads a delivery took from a reply's render; -1 = unknown */
    int have_group;               /* group-commit figures below are set */
    uint64_t group_batches, group_jobs;
    uint64_t group_batch_le[10];  /* cumulative counts of batches of <= 1,2,4,…,256 jobs, then all */
    int have_media;               /* the server keeps media: the counters below are set */
    uint64_t media_uploaded_bytes, media_uploads, media_downloaded_bytes;
} metrics_gauges_t;
#define METRICS_GROUP_BOUNDS {1, 2, 4, 8, 16, 32, 64, 128, 256}

/* routes: the route templates ("/v2/conversations/{id}"), index = route
 * number; requests matching none are counted under "unmatched". The array
 * is copied; the strings must outlive m. NULL when out of memory. Owner:
 * the caller (metrics_free). */
metrics_t *metrics_new(const char *const *routes, size_t n);
void metrics_free(metrics_t *m);

/* Counts one finished request: route number (n or more = unmatched),
 * status, latency in microseconds. Lock-free. */
void metrics_observe(metrics_t *m, size_t route, int status, uint64_t micros);

/* Writes every metric in the Prometheus text exposition format (version
 * 0.0.4) into out. */
void metrics_render(metrics_t *m, const metrics_gauges_t *g, buf_t *out);

#endif
