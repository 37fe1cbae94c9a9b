/* metrics.c - request counters and latency histograms per route, rendered in the Prometheus text format. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Latency buckets (upper bounds, microseconds), as seconds in the output. */
static const uint64_t metrics_bounds_us[] = {250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                             100000, 250000, 500000, 1000000, 2500000, 10000000};
#define METRICS_NBOUNDS (sizeof metrics_bounds_us / sizeof metrics_bounds_us[0])
#define METRICS_NSTATUS 500 /* statuses 100..599 */

/* One route's figures: requests by status, and its latency histogram. */
typedef struct metrics_route {
    _Atomic uint64_t by_status[METRICS_NSTATUS];
    _Atomic uint64_t bucket[METRICS_NBOUNDS + 1]; /* not cumulative; the last is above every bound */
    _Atomic uint64_t sum_us, count;
} metrics_route_t;

struct metrics {
    const char **names;            /* the distinct route templates (strings borrowed); owned array */
    size_t n;                      /* distinct templates; routes[n] is "unmatched" */
    size_t nroutes;                /* routes as numbered by the caller */
    size_t *slot;                  /* route number -> its template's figures; owned */
    metrics_route_t *routes;       /* n + 1; owned */
};

metrics_t *metrics_new(const char *const *routes, size_t n)
{
    metrics_t *m = calloc(1, sizeof *m); /* owner: the caller, metrics_free */
    if (!m)
        return NULL;
    m->routes = calloc(n + 1, sizeof *m->routes); /* owner: m; zeroed atomics are valid zero counters */
    m->names = calloc(n + 1, sizeof *m->names);   /* owner: m */
    m->slot = calloc(n + 1, sizeof *m->slot);     /* owner: m */
    if (!m->routes || !m->names || !m->slot) {
        metrics_free(m);
        return NULL;
    }
    /* one series per template: GET and DELETE /v2/conversations/{id} are two routes, one label */
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < m->n && strcmp(m->names[k], routes[i]) != 0)
            k++;
        if (k == m->n)
            m->names[m->n++] = routes[i];
        m->slot[i] = k;
    }
    m->nroutes = n;
    m->n = n;
    return m;
}

void metrics_free(metrics_t *m)
{
    if (!m)
        return;
    free(m->routes);
    free(m->names);
    free(m->slot);
    free(m);
}

void metrics_observe(metrics_t *m, size_t route, int status, uint64_t micros)
{
    if (!m)
        return;
    metrics_route_t *r = &m->routes[route < m->nroutes ? m->slot[route] : m->n];
    if (status >= 100 && status < 600)
        atomic_fetch_add_explicit(&r->by_status[status - 100], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < METRICS_NBOUNDS && micros > metrics_bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&r->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, micros, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

/* Writes s as a label value (backslash, quote and newline escaped). */
static void metrics_label(buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            buf_putc(b, '\\');
        if (*s == '\n') {
            buf_puts(b, "\\n");
            continue;
        }
        buf_putc(b, *s);
    }
}

static const char *metrics_name(const metrics_t *m, size_t i)
{
    return i < m->n ? m->names[i] : "unmatched";
}

/* Appends one series of a single value (HELP, TYPE, value) when the
 * backend knows it (v >= 0; -1 = unknown: nothing). */
static void metrics_known(buf_t *b, const char *name, const char *type, const char *help, int64_t v)
{
    if (v >= 0)
        buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, (long long)v);
}

void metrics_render(metrics_t *m, const metrics_gauges_t *g, buf_t *b)
{
    buf_puts(b, "# HELP parley_http_requests_total HTTP requests answered, by route template and status.\n"
                "# TYPE parley_http_requests_total counter\n");
    for (size_t i = 0; i <= m->n; i++) {
        for (int s = 0; s < METRICS_NSTATUS; s++) {
            uint64_t v = atomic_load_explicit(&m->routes[i].by_status[s], memory_order_relaxed);
            if (!v)
                continue;
            buf_puts(b, "parley_http_requests_total{route=\"");
            metrics_label(b, metrics_name(m, i));
            buf_printf(b, "\",status=\"%d\"} %llu\n", s + 100, (unsigned long long)v);
        }
    }
    buf_puts(b, "# HELP parley_http_request_duration_seconds Time from the request line to the answer, by route.\n"
                "# TYPE parley_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->n; i++) {
        metrics_route_t *r = &m->routes[i];
        uint64_t count = atomic_load_explicit(&r->count, memory_order_relaxed);
        if (!count)
            continue;
        uint64_t cum = 0;
        for (size_t k = 0; k <= METRICS_NBOUNDS; k++) {
            cum += atomic_load_explicit(&r->bucket[k], memory_order_relaxed);
            buf_puts(b, "parley_http_request_duration_seconds_bucket{route=\"");
            metrics_label(b, metrics_name(m, i));
            if (k < METRICS_NBOUNDS)
                buf_printf(b, "\",le=\"%g\"} %llu\n", (double)metrics_bounds_us[k] / 1e6, (unsigned long long)cum);
            else
                buf_printf(b, "\",le=\"+Inf\"} %llu\n", (unsigned long long)(cum > count ? cum : count));
        }
        buf_puts(b, "parley_http_request_duration_seconds_sum{route=\"");
        metrics_label(b, metrics_name(m, i));
        buf_printf(b, "\"} %.6f\n",
                   (double)atomic_load_explicit(&r->sum_us, memory_order_relaxed) / 1e6);
        buf_puts(b, "parley_http_request_duration_seconds_count{route=\"");
        metrics_label(b, metrics_name(m, i));
        buf_printf(b, "\"} %llu\n", (unsigned long long)(cum > count ? cum : count));
    }
    buf_printf(b,
               "# HELP parley_http_requests_in_flight Requests being handled now.\n"
               "# TYPE parley_http_requests_in_flight gauge\nparley_http_requests_in_flight %lld\n"
               "# HELP parley_http_connections_open TCP connections open now.\n"
               "# TYPE parley_http_connections_open gauge\nparley_http_connections_open %lld\n"
               "# HELP parley_http_header_timeouts_total Connections answered 408 for an incomplete request head.\n"
               "# TYPE parley_http_header_timeouts_total counter\nparley_http_header_timeouts_total %llu\n"
               "# HELP parley_http_idle_closed_total Idle connections closed at the request-head deadline.\n"
               "# TYPE parley_http_idle_closed_total counter\nparley_http_idle_closed_total %llu\n",
               (long long)g->in_flight, (long long)g->connections, (unsigned long long)g->header_timeouts,
               (unsigned long long)g->idle_closed);
    metrics_known(b, "parley_database_size_bytes", "gauge", "Size of the database (SQLite: file and WAL).",
                  g->db_bytes);
    metrics_known(b, "parley_webhook_backlog", "gauge",
                  "Webhook deliveries not made yet, every endpoint's: pending, retries waiting included, "
                  "given-up ones not.",
                  g->webhook_backlog);
    metrics_known(b, "parley_webhook_payloads_reused_total", "counter",
                  "Webhook payloads a delivery took from the archive reply's render instead of reading and "
                  "rendering the conversation again (SQLite).",
                  g->webhook_reused);
    if (g->have_group) {
        static const unsigned bounds[] = METRICS_GROUP_BOUNDS;
        buf_puts(b, "# HELP parley_group_commit_batch_size Write jobs committed together in one transaction.\n"
                    "# TYPE parley_group_commit_batch_size histogram\n");
        for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++)
            buf_printf(b, "parley_group_commit_batch_size_bucket{le=\"%u\"} %llu\n", bounds[k],
                       (unsigned long long)g->group_batch_le[k]);
        buf_printf(b,
                   "parley_group_commit_batch_size_bucket{le=\"+Inf\"} %llu\n"
                   "parley_group_commit_batch_size_sum %llu\nparley_group_commit_batch_size_count %llu\n",
                   (unsigned long long)g->group_batches, (unsigned long long)g->group_jobs,
                   (unsigned long long)g->group_batches);
    }
    if (g->have_media)
        buf_printf(b,
                   "# HELP parley_media_uploaded_bytes_total Bytes of media objects stored by uploads (PUT answered 200).\n"
                   "# TYPE parley_media_uploaded_bytes_total counter\nparley_media_uploaded_bytes_total %llu\n"
                   "# HELP parley_media_uploads_total Media uploads stored (PUT answered 200).\n"
                   "# TYPE parley_media_uploads_total counter\nparley_media_uploads_total %llu\n"
                   "# HELP parley_media_downloaded_bytes_total Object bytes of media GET replies (200 and 206), "
                   "counted as each reply starts.\n"
                   "# TYPE parley_media_downloaded_bytes_total counter\nparley_media_downloaded_bytes_total %llu\n",
                   (unsigned long long)g->media_uploaded_bytes, (unsigned long long)g->media_uploads,
                   (unsigned long long)g->media_downloaded_bytes);
}
