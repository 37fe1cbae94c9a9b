/* server.c - the libmicrohttpd daemon: connection handling, limits, authentication, dispatch. */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "http/conntrack.h"
#include "http/delayq.h"
#include "http/gate.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/router.h"
#include "lib/jsonw.h"
#include "lib/ptime.h"
#include "media/media.h"
#include "standin/standin.h"

#define SERVER_MAX_URI (16u * 1024)        /* path + query, spec §1 → 414 */
#define SERVER_MAX_HEADERS (64u * 1024)    /* all headers together → 431: the default and the largest allowed */
#define SERVER_MAX_DISCARD (64u << 20)   /* body bytes read past the limit before cutting the connection */
/* Per-connection pool: the header limit plus this must hold a 16 KiB target
 * and libmicrohttpd's own state, so that we, not libmicrohttpd, answer 431/414
 * (96 KiB at the spec's 64 KiB of headers; measured: a 48 KiB pool still
 * holds 28 KiB of headers with a 15 KiB target). Keep it tight: libmicrohttpd
 * 0.9.75 zeroes the whole pool after every keep-alive request
 * (MHD_pool_reset), which at 192 KiB was 27% of the CPU of GET by id. */
#define SERVER_POOL_SLACK (32u * 1024)
#define SERVER_DEFAULT_CONNECTIONS 4096u /* sockets open at once; more wait in the kernel's accept queue */
#define SERVER_LISTEN_BACKLOG 4096u      /* that queue's length (the kernel caps it at net.core.somaxconn) */
#define SERVER_MAX_ROUTES 256            /* routes router_table may have (metrics labels) */

struct server {
    struct MHD_Daemon *d;
    store_t *st;
    server_opts_t o;
    uint16_t port;
    atomic_int inflight;                   /* requests between URI and completion */
    pthread_mutex_t async_mu;              /* guards the completed/suspended handshake of parked requests */
    gate_t *gate;                          /* requests using the store vs. an exclusive restore; owned */
    delayq_t *delays;                      /* delayMs faults; owned */
    conntrack_t *conns;                    /* per-address limit, request-head deadline; owned */
    metrics_t *metrics;                    /* owned */
    const route_t *routes;                 /* router_table(), for route numbers */
    size_t nroutes;
    struct MHD_Daemon *metrics_d;          /* --metrics-listen: GET /metrics on a port of its own; NULL = none */
    uint16_t metrics_port;
    pthread_mutex_t log_mu;                /* one log line at a time */
};

/* Why a request is parked (its connection suspended until server_wake). */
typedef enum {
    SERVER_WAIT_HANDLER = 0,               /* the handler deferred (req_defer*): req_complete wakes it */
    SERVER_WAIT_GATE,                      /* held back by an exclusive operation: dispatch again */
    SERVER_WAIT_DELAY,                     /* its reply waits out a delayMs fault */
} server_wait_t;

/* Per-request state, created by the URI callback and freed by the completion
 * callback; libmicrohttpd keeps it in *con_cls. Owns r.arena, r.out and body. */
typedef struct server_req {
    req_t r;
    server_t *s;
    const char *uri;                       /* raw request target (arena) */
    const char *method;                    /* as sent (arena) */
    const route_t *route;
    buf_t body;
    size_t received;                       /* body bytes seen, kept or not */
    bool started;                          /* first access-handler call done */
    bool queued;                           /* a response has been queued */
    bool close;                            /* reply at once and close the connection (bad framing) */
    bool deferred;                         /* parked (see wait); server_wake finishes the wait */
    server_wait_t wait;
    bool completed;                        /* server_wake ran (guarded by server.async_mu) */
    bool suspended;                        /* the connection waits for server_wake (guarded by async_mu) */
    struct MHD_Connection *con;            /* for MHD_resume_connection */
    struct MHD_Connection *conn;           /* the request's connection, for req_in_header */
    req_then_fn then;                      /* req_defer_then: runs before the deferred reply; NULL = none */
    void *then_ctx;
    struct timespec t0;
    int64_t at_ms;                         /* arrival on the server's clock (journal) */
    /* stand-in controls */
    gate_waiter_t waiter;                  /* node for the gate's list of held-back requests */
    bool in_gate;                          /* counted in flight by the gate */
    bool is_api;                           /* a /v2 request: faults, rate limit and journal apply */
    bool route_error;                      /* r.status is prepare's 404/405: a fault may answer first */
    bool has_key;                          /* r.key holds the looked-up key */
    bool delayed;                          /* the reply has waited out its delay */
    bool drop;                             /* close without an answer */
    int delay_ms;
    const char *fault_id;                  /* the rule that fired (arena), NULL = none */
    bool streaming;                        /* the body goes to r.sink (route_t.open accepted it) */
    uint64_t failed_at;                    /* body bytes seen when the sink failed */
    req_then_fn exclusive_fn;              /* req_exclusive */
    void *exclusive_ctx;
} server_req_t;

/* URI log callback: the only place libmicrohttpd shows the raw, undecoded request target. */
static void *server_uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
    server_t *s = cls;
    conntrack_request_line(con);
    server_req_t *sr = calloc(1, sizeof *sr); /* owner: libmicrohttpd's con_cls, freed in server_done_cb */
    if (!sr)
        return NULL;
    sr->s = s;
    arena_init(&sr->r.arena);
    buf_init(&sr->r.out);
    buf_init(&sr->body);
    sr->uri = arena_strdup(&sr->r.arena, uri ? uri : "");
    clock_gettime(CLOCK_MONOTONIC, &sr->t0);
    sr->at_ms = ptime_now_ms();
    atomic_fetch_add(&s->inflight, 1);
    return sr;
}

static void server_done_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    server_t *s = cls;
    conntrack_request_done(con);
    server_req_t *sr = *con_cls;
    if (!sr)
        return;
    if (sr->in_gate) /* ended without a reply (the client went away) */
        gate_leave(s->gate);
    if (sr->r.sink.ctx && sr->r.sink.abort) /* a streamed body its handler never took over */
        sr->r.sink.abort(sr->r.sink.ctx);
    req_stream_drop(&sr->r);              /* a streamed reply that was never queued */
    arena_free(&sr->r.arena);
    buf_free(&sr->r.out);
    buf_free(&sr->body);
    free(sr);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static http_method_t server_method(const char *m)
{
    static const struct { const char *name; http_method_t m; } map[] = {
        {"GET", HTTP_GET}, {"HEAD", HTTP_HEAD}, {"POST", HTTP_POST}, {"PUT", HTTP_PUT},
        {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH}, {"OPTIONS", HTTP_OPTIONS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(m, map[i].name) == 0)
            return map[i].m;
    return HTTP_OTHER;
}

static enum MHD_Result server_header_size_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    size_t *total = cls;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* Header iterator for server_framing_error: counts Content-Length and
 * Transfer-Encoding headers and keeps the last Transfer-Encoding value. */
typedef struct server_framing {
    unsigned n_cl, n_te;
    const char *te;
} server_framing_t;

static enum MHD_Result server_framing_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    server_framing_t *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->n_cl++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->n_te++;
        f->te = value ? value : "";
    }
    return MHD_YES;
}

/* Message framing (RFC 9112 §6.1, §6.3): a request with both Transfer-Encoding
 * and Content-Length, with several Content-Length or Transfer-Encoding
 * headers, or with a transfer coding other than plain "chunked" could be
 * framed differently by a proxy in front of us (request smuggling), and
 * libmicrohttpd would pick one reading silently. Replies 400 and returns true
 * for those; the caller sends it at once and closes the connection. */
static bool server_framing_error(server_req_t *sr, struct MHD_Connection *con)
{
    server_framing_t f = {0, 0, NULL};
    MHD_get_connection_values(con, MHD_HEADER_KIND, server_framing_cb, &f);
    if (f.n_te && f.n_cl)
        problem_send(&sr->r, 400, "invalid_request",
                     "the request has both Transfer-Encoding and Content-Length; send only one");
    else if (f.n_cl > 1)
        problem_send(&sr->r, 400, "invalid_request", "the request has %u Content-Length headers; send one", f.n_cl);
    else if (f.n_te > 1 || (f.n_te && strcasecmp(f.te, "chunked") != 0))
        problem_send(&sr->r, 400, "invalid_request",
                     "Transfer-Encoding \"%.60s\" is not supported; the only transfer coding accepted is chunked",
                     f.n_te > 1 ? "(several headers)" : f.te);
    else
        return false;
    sr->close = true;
    return true;
}

/* A sane client request id: 1-128 of A-Z a-z 0-9 and - _ . : / + = @. */
static bool server_request_id_ok(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++) {
        char c = v[n];
        if (n == 128 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          strchr("-_.:/+=@", c)))
            return false;
    }
    return n > 0;
}

/* The request's id (arena): the client's X-Request-Id when sane, else a new
 * UUIDv7 (so it follows --id-seed like every other id). NULL when out of memory. */
static const char *server_request_id(req_t *r, const char *given)
{
    if (given && server_request_id_ok(given))
        return arena_strdup(&r->arena, given);
    uuid_str_t id;
    uuid_v7(id);
    return arena_strdup(&r->arena, id);
}

static void server_route(server_req_t *sr, struct MHD_Connection *con, const char *method);

/* The --max-body limit on a declared Content-Length: 413 at once, before any
 * other answer prepare found (a route's 404 or 405, a bad query, the admin
 * token's 401) — except on routes that stream their body, whose open
 * function applies a limit of its own. */
static void server_check_length(server_req_t *sr, struct MHD_Connection *con)
{
    req_t *r = &sr->r;
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    bool streams = sr->route && !sr->route_error && sr->route->open;
    if (streams || !cl || strtoull(cl, NULL, 10) <= sr->s->o.max_body)
        return;
    r->allow = NULL;
    sr->route_error = false; /* a size error, not one a fault may replace */
    sr->is_api = false;      /* answered before the request is one: not journaled (as ever) */
    problem_send(r, 413, "body_too_large", "the request body is %.20s bytes; the limit is %zu", cl, sr->s->o.max_body);
}

/* First call for a request: decodes the target, applies the size limits and
 * finds the route. Any error is recorded as the reply (r.status set); the body
 * is then drained and the reply sent at the end, except 413 which is sent at once. */
static void server_prepare(server_req_t *sr, struct MHD_Connection *con, const char *method)
{
    req_t *r = &sr->r;
    r->store = sr->s->st;
    r->standin = sr->s->o.standin;
    r->media = sr->s->o.media;
    r->method = server_method(method);
    sr->method = arena_strdup(&r->arena, method);
    r->request_id = server_request_id(r, MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Request-Id"));
    if (!sr->method || !r->request_id) {
        problem_internal(r);
        return;
    }
    req_header(r, "X-Request-Id", r->request_id);
    r->content_type = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    r->content_length = cl && strspn(cl, "0123456789") == strlen(cl) && *cl ? (int64_t)strtoll(cl, NULL, 10) : -1;
    sr->conn = con;

    size_t hdr = 0;
    MHD_get_connection_values(con, MHD_HEADER_KIND, server_header_size_cb, &hdr);
    if (hdr > sr->s->o.max_headers) {
        problem_send(r, 431, "headers_too_large", "request headers total %zu bytes; the limit is %zu", hdr,
                     sr->s->o.max_headers);
        return;
    }
    if (server_framing_error(sr, con))
        return;
    size_t ulen = strlen(sr->uri);
    if (ulen > SERVER_MAX_URI) {
        problem_send(r, 414, "uri_too_long", "the request target is %zu bytes; the limit is %u", ulen, SERVER_MAX_URI);
        return;
    }

    server_route(sr, con, method);
    server_check_length(sr, con);
}

/* The rest of server_prepare: decodes path and query, and finds the route
 * (or the admin API's or the metrics answer). */
static void server_route(server_req_t *sr, struct MHD_Connection *con, const char *method)
{
    req_t *r = &sr->r;
    size_t plen = strcspn(sr->uri, "?#");
    r->path = arena_strndup(&r->arena, sr->uri, plen);
    const char *q = sr->uri[plen] == '?' ? sr->uri + plen + 1 : "";
    r->raw_query = arena_strndup(&r->arena, q, strcspn(q, "#"));
    if (!r->path || !r->raw_query) {
        problem_internal(r);
        return;
    }
    const char *why = NULL;
    if (query_parse(&r->arena, r->raw_query, strlen(r->raw_query), &r->query, &why) != 0) {
        problem_send(r, 400, "invalid_query", "the query string cannot be decoded: %s", why ? why : "invalid");
        return;
    }
    const standin_t *si = sr->s->o.standin;
    if (standin_is_admin_path(r->path)) {
        if (!si || !si->admin_token) {
            problem_send(r, 404, "not_found", "no resource at %.200s", r->path);
            return;
        }
        /* before routing: a wrong token learns nothing about which paths exist */
        const char *authz = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!standin_token_ok(si, authz)) {
            problem_send(r, 401, "unauthorized", "the admin API needs Authorization: Bearer <admin token>");
            return;
        }
    } else {
        sr->is_api = strncmp(r->path, "/v2", 3) == 0 && (r->path[3] == '\0' || r->path[3] == '/');
    }
    const char *allow = NULL;
    switch (router_match(&r->arena, r->method, r->path, &sr->route, r->params, &allow)) {
    case ROUTE_FOUND: break;
    case ROUTE_NOT_FOUND:
        problem_send(r, 404, "not_found", "no resource at %.200s", r->path);
        sr->route_error = true;
        break;
    case ROUTE_BAD_METHOD:
        r->allow = allow;
        problem_send(r, 405, "method_not_allowed", "%s is not allowed on %.200s; allowed: %s", method, r->path, allow);
        sr->route_error = true;
        break;
    }
}

/* Answers r with what a fired fault rule says: its status with its body (or
 * a problem for that status) and headers, Retry-After on 429/503 (default 1
 * second) or when the rule gives one. */
static void server_fault_reply(req_t *r, const fault_action_t *fa)
{
    if (fa->body) {
        buf_reset(&r->out);
        buf_puts(&r->out, fa->body);
        r->status = fa->status;
        r->out_type = "application/json; charset=utf-8";
    } else {
        problem_send(r, fa->status, problem_default_code(fa->status), "fault rule %s answered this request",
                     fa->rule_id);
    }
    r->allow = NULL;
    int retry = fa->retry_after >= 0 ? fa->retry_after : (fa->status == 429 || fa->status == 503) ? 1 : -1;
    if (retry >= 0) {
        char v[24];
        snprintf(v, sizeof v, "%d", retry);
        req_header(r, "Retry-After", v);
    }
    for (size_t i = 0; i < fa->n_headers; i++) {
        if (strcasecmp(fa->header_names[i], "Content-Type") == 0)
            r->out_type = fa->header_values[i];
        else
            req_header(r, fa->header_names[i], fa->header_values[i]);
    }
}

/* Rate limit of a /v2 request with a key: RateLimit-* headers while a limit
 * is set, and a 429 (true returned) when the key's bucket is empty. */
static bool server_rate_limited(server_req_t *sr)
{
    req_t *r = &sr->r;
    ratelimit_result_t rl;
    if (!r->standin || !ratelimit_take(r->standin->ratelimit, r->key.id, &rl))
        return false;
    if (!rl.allowed)
        problem_send(r, 429, "rate_limited", "rate limit of %ld requests exceeded for this API key; retry in %ld s",
                     rl.limit, rl.retry_after);
    char v[24];
    snprintf(v, sizeof v, "%ld", rl.limit);
    req_header(r, "RateLimit-Limit", v);
    snprintf(v, sizeof v, "%ld", rl.remaining);
    req_header(r, "RateLimit-Remaining", v);
    snprintf(v, sizeof v, "%ld", rl.reset);
    req_header(r, "RateLimit-Reset", v);
    if (!rl.allowed) {
        snprintf(v, sizeof v, "%ld", rl.retry_after);
        req_header(r, "Retry-After", v);
    }
    return !rl.allowed;
}

/* The server_req_t of a request (r is its first member). */
static server_req_t *server_req_of(req_t *r)
{
    return (server_req_t *)r;
}

/* Writes every metric of s (Prometheus text format) into out. */
static void server_metrics_text(server_t *s, buf_t *out)
{
    metrics_gauges_t g = {0};
    g.in_flight = atomic_load(&s->inflight);
    g.connections = conntrack_open(s->conns);
    conntrack_reaped(s->conns, &g.header_timeouts, &g.idle_closed);
    store_stats_t st;
    store_stats(s->st, &st);
    g.db_bytes = st.db_bytes;
    g.webhook_backlog = st.webhook_backlog;
    g.webhook_reused = st.webhook_reused;
    g.have_group = st.have_group;
    g.group_batches = st.group_batches;
    g.group_jobs = st.group_jobs;
    memcpy(g.group_batch_le, st.group_batch_le, sizeof st.group_batch_le);
    if (s->o.media) {
        media_counts_t mc;
        media_counts(s->o.media, &mc);
        g.have_media = 1;
        g.media_uploaded_bytes = mc.uploaded_bytes;
        g.media_uploads = mc.uploads;
        g.media_downloaded_bytes = mc.downloaded_bytes;
    }
    metrics_render(s->metrics, &g, out);
}

bool req_metrics(req_t *r)
{
    server_t *s = server_req_of(r)->s;
    if (!s->o.metrics_on_main)
        return false;
    buf_reset(&r->out);
    server_metrics_text(s, &r->out);
    r->status = 200;
    r->out_type = "text/plain; version=0.0.4; charset=utf-8";
    return true;
}

/* Looks the key up (when the route or a fault rule needs it), applies fault
 * rules, authorization and the rate limit, then runs the handler. Returns
 * true when the key's lastSeenAt is still to be refreshed from *touch (a
 * snapshot route's accepted key: server_dispatch writes it after the
 * snapshot); other routes refresh it before their handler. */
static bool server_authorize_run(server_req_t *sr, struct MHD_Connection *con, store_key_t *touch)
{
    req_t *r = &sr->r;
    bool late_touch = false;
    const standin_t *si = r->standin;
    bool needs_key = sr->route && !sr->route->public_;
    bool faults = sr->is_api && si && faults_any(si->faults);
    const char *authz = NULL;
    if (needs_key || faults) {
        authz = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        switch (auth_lookup(r->store, authz, &r->key)) {
        case AUTH_OK: sr->has_key = true; break;
        case AUTH_DENIED: break;
        case AUTH_ERROR: problem_internal(r); return false;
        }
    }
    fault_action_t fa;
    if (faults && faults_decide(si->faults, sr->method, r->path, sr->has_key ? r->key.id : NULL, &r->arena, &fa)) {
        sr->fault_id = arena_strdup(&r->arena, fa.rule_id);
        sr->delay_ms = fa.delay_ms;
        if (fa.drop) {
            sr->drop = true;
            r->status = 0;
            return false;
        }
        if (fa.status) {
            server_fault_reply(r, &fa);
            return false;
        }
    }
    if (sr->route_error)
        return false;
    if (needs_key) {
        if (!sr->has_key) {
            problem_unauthorized(r);
            return false;
        }
        auth_scope(&r->key, &r->scope);
        if (sr->route->snapshot) {
            *touch = r->key;
            late_touch = true;
        } else {
            auth_touch(r->store, &r->key);
        }
    } else if (!standin_is_admin_path(r->path)) {
        r->authorization = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    }
    if (sr->is_api && sr->has_key && server_rate_limited(sr))
        return late_touch;
    sr->route->handler(r);
    if (sr->deferred)
        return late_touch; /* r belongs to whoever calls req_complete until then */
    if (!r->status || r->out.oom)
        problem_internal(r);
    return late_touch;
}

/* Last call: holds the request back while an exclusive operation runs, then
 * (for /v2) lets a fault rule answer, authenticates, applies the rate limit
 * and runs the handler (server_authorize_run) — unless prepare already set an
 * error. A request the gate holds back is parked (SERVER_WAIT_GATE) and comes
 * back here. A snapshot route runs inside one store read snapshot, and its
 * key's lastSeenAt is written after the snapshot ends. */
static void server_dispatch(server_req_t *sr, struct MHD_Connection *con)
{
    req_t *r = &sr->r;
    if (r->status && !sr->route_error)
        return;
    if (sr->body.oom) {
        problem_send(r, 503, "unavailable", "the server is out of memory for this request body; retry later");
        return;
    }
    if (!sr->in_gate) {
        if (!gate_enter(sr->s->gate, &sr->waiter)) {
            sr->deferred = true;
            sr->wait = SERVER_WAIT_GATE;
            return;
        }
        sr->in_gate = true;
    }
    r->body = sr->body.len ? sr->body.data : NULL;
    r->body_len = sr->body.len;
    /* r may belong to another thread once the handler has deferred it: what
     * is needed after it is copied first */
    store_t *st = r->store;
    bool snap = sr->route && sr->route->snapshot && store_read_begin(st);
    store_key_t touch;
    bool must_touch = server_authorize_run(sr, con, &touch);
    store_read_end(st, snap);
    if (must_touch)
        auth_touch(st, &touch);
}

const char *req_in_header(req_t *r, const char *name)
{
    server_req_t *sr = server_req_of(r);
    return sr->conn ? MHD_lookup_connection_value(sr->conn, MHD_HEADER_KIND, name) : NULL;
}

void req_defer(req_t *r)
{
    server_req_t *sr = server_req_of(r);
    sr->deferred = true;
    sr->wait = SERVER_WAIT_HANDLER;
}

void req_defer_then(req_t *r, req_then_fn fn, void *ctx)
{
    server_req_t *sr = server_req_of(r);
    req_defer(r);
    sr->then = fn;
    sr->then_ctx = ctx;
}

/* Ends a parked request's wait, from any thread: marks it completed and, when
 * its connection is already suspended, resumes it (libmicrohttpd then calls
 * server_access_cb again, which carries on after the wait). */
static void server_wake(server_req_t *sr)
{
    server_t *s = sr->s;
    pthread_mutex_lock(&s->async_mu);
    sr->completed = true;
    struct MHD_Connection *con = sr->suspended ? sr->con : NULL;
    pthread_mutex_unlock(&s->async_mu);
    if (con)
        MHD_resume_connection(con);
}

void req_complete(req_t *r)
{
    server_wake(server_req_of(r));
}

/* gate_waiter_t.resume: the exclusive operation is over; dispatch again. */
static void server_gate_resume(gate_waiter_t *w)
{
    server_wake((server_req_t *)((char *)w - offsetof(server_req_t, waiter)));
}

static void server_delay_done(void *ctx)
{
    server_wake(ctx);
}

/* req_exclusive's two halves, on the gate's thread. */
static void server_exclusive_run(void *ctx)
{
    server_req_t *sr = ctx;
    sr->exclusive_fn(&sr->r, sr->exclusive_ctx);
}

static void server_exclusive_done(void *ctx)
{
    server_wake(ctx);
}

void req_exclusive(req_t *r, req_then_fn fn, void *ctx)
{
    server_req_t *sr = server_req_of(r);
    sr->exclusive_fn = fn;
    sr->exclusive_ctx = ctx;
    if (sr->in_gate) { /* it must not wait for itself */
        sr->in_gate = false;
        gate_leave(sr->s->gate);
    }
    req_defer(r);
    if (gate_exclusive(sr->s->gate, server_exclusive_run, server_exclusive_done, sr) != 0) {
        problem_send(r, 503, "unavailable", "the server cannot start the operation now; retry later");
        server_wake(sr);
    }
}

/* After the request was parked: true when its wait has ended already (carry
 * on now); otherwise suspends the connection until server_wake resumes it. */
static bool server_park(server_req_t *sr, struct MHD_Connection *con)
{
    server_t *s = sr->s;
    pthread_mutex_lock(&s->async_mu);
    bool done = sr->completed;
    if (!done) {
        sr->con = con;
        sr->suspended = true;
        MHD_suspend_connection(con);
    }
    pthread_mutex_unlock(&s->async_mu);
    return done;
}

/* Clears the parked state once its wait has ended. */
static void server_unpark(server_req_t *sr)
{
    pthread_mutex_lock(&sr->s->async_mu);
    sr->deferred = false;
    sr->completed = false;
    sr->suspended = false;
    pthread_mutex_unlock(&sr->s->async_mu);
}

/* A deferred request's reply once it completed (on a worker thread): its
 * req_defer_then work, then the same check as for synchronous handlers. */
static void server_finish_deferred(server_req_t *sr)
{
    req_then_fn then = sr->then;
    sr->then = NULL; /* once */
    if (then)
        then(&sr->r, sr->then_ctx);
    if (!sr->r.status || sr->r.out.oom)
        problem_internal(&sr->r);
}

/* Microseconds since the request line arrived. */
static uint64_t server_elapsed_us(const server_req_t *sr)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t us = (int64_t)(t1.tv_sec - sr->t0.tv_sec) * 1000000 + (t1.tv_nsec - sr->t0.tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

/* One log line for a finished request (--log-format text or json; status 0:
 * dropped). Never a header, key, token, query string or body: the path,
 * the route template and the key's id at most. */
static void server_log(server_req_t *sr, int status, size_t bytes_out, uint64_t us)
{
    server_t *s = sr->s;
    req_t *r = &sr->r;
    if (s->o.log_format == SERVER_LOG_TEXT) {
        pthread_mutex_lock(&s->log_mu);
        fprintf(stderr, "%s %.200s %d %.3fms\n", sr->method ? sr->method : "-", r->path ? r->path : "-", status,
                (double)us / 1000.0);
        pthread_mutex_unlock(&s->log_mu);
        return;
    }
    if (s->o.log_format != SERVER_LOG_JSON)
        return;
    char at[PTIME_MS_STR_LEN + 1];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* logs keep real time, whatever the admin clock says */
    ptime_format_ms((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, at);
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "time", at);
    jsonw_key(&w, "requestId");
    if (r->request_id)
        jsonw_string(&w, r->request_id);
    else
        jsonw_null(&w);
    jsonw_kv_string(&w, "method", sr->method ? sr->method : "");
    jsonw_key(&w, "route");
    if (sr->route && !sr->route_error)
        jsonw_string(&w, sr->route->pattern);
    else
        jsonw_null(&w);
    jsonw_kv_string(&w, "path", r->path ? r->path : "");
    jsonw_key(&w, "status");
    if (status > 0)
        jsonw_int(&w, status);
    else
        jsonw_null(&w);
    jsonw_kv_int(&w, "durationUs", (int64_t)us);
    jsonw_kv_int(&w, "bytesOut", (int64_t)bytes_out);
    jsonw_key(&w, "keyId");
    if (sr->has_key)
        jsonw_string(&w, r->key.id);
    else
        jsonw_null(&w);
    if (sr->fault_id)
        jsonw_kv_string(&w, "fault", sr->fault_id);
    jsonw_obj_end(&w);
    buf_putc(&b, '\n');
    if (!b.oom) {
        pthread_mutex_lock(&s->log_mu);
        fwrite(b.data, 1, b.len, stderr);
        pthread_mutex_unlock(&s->log_mu);
    }
    buf_free(&b);
}

/* Records a finished /v2 request in the journal (status 0: dropped). */
static void server_journal(server_req_t *sr, int status, uint64_t us)
{
    const standin_t *si = sr->r.standin;
    if (!sr->is_api || !si || !si->journal)
        return;
    req_t *r = &sr->r;
    journal_in_t in = {
        .at_ms = sr->at_ms,
        .method = sr->method ? sr->method : "",
        .path = r->path ? r->path : "",
        .query = r->raw_query ? r->raw_query : "",
        .status = status,
        .duration_ms = (double)us / 1000.0,
        .key_id = sr->has_key ? r->key.id : NULL,
        .body = sr->body.len ? sr->body.data : NULL,
        .body_len = sr->body.len,
        .fault_id = sr->fault_id,
    };
    journal_add(si->journal, &in);
}

/* Everything recorded of a finished request: metrics, the log line, the
 * journal (status 0: dropped without an answer). */
static void server_account(server_req_t *sr, int status, size_t bytes_out)
{
    uint64_t us = server_elapsed_us(sr);
    server_t *s = sr->s;
    size_t route = sr->route && !sr->route_error ? (size_t)(sr->route - s->routes) : s->nroutes;
    metrics_observe(s->metrics, route, status, us);
    server_log(sr, status, bytes_out, us);
    server_journal(sr, status, us);
}

/* libmicrohttpd's reader of a streamed body (a byte source without an fd). */
static ssize_t server_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    bytesrc_t *src = cls;
    ssize_t n = src->read ? src->read(src->ctx, buf, max) : -1;
    if (n > 0)
        return n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void server_stream_free(void *cls)
{
    bytesrc_release(cls);
    free(cls);
}

/* A response of r's streamed body; its source belongs to the response from
 * now on (released here when it cannot be made: NULL). */
static struct MHD_Response *server_stream_response(req_t *r)
{
    bytesrc_t *src = &r->stream;
    struct MHD_Response *resp = NULL;
    if (src->fd >= 0) {
        resp = MHD_create_response_from_fd_at_offset64((uint64_t)src->size, src->fd, (uint64_t)src->offset);
        if (resp)
            src->fd = -1; /* the response closes it */
    } else {
        bytesrc_t *cls = malloc(sizeof *cls); /* owner: the response, freed by server_stream_free */
        if (cls) {
            *cls = *src;
            bytesrc_init(src);
            resp = MHD_create_response_from_callback((uint64_t)cls->size, 64 * 1024, server_stream_read, cls,
                                                     server_stream_free);
            if (!resp)
                server_stream_free(cls);
        }
    }
    req_stream_drop(r); /* whatever it still holds */
    return resp;
}

static enum MHD_Result server_queue(server_req_t *sr, struct MHD_Connection *con, const char *method)
{
    (void)method;
    req_t *r = &sr->r;
    struct MHD_Response *resp;
    if (r->streamed) {
        server_account(sr, r->status, r->method == HTTP_HEAD ? 0 : (size_t)r->stream.size);
        resp = server_stream_response(r);
    } else {
        server_account(sr, r->status, r->method == HTTP_HEAD ? 0 : r->out.len);
        size_t len = 0;
        char *data = buf_detach(&r->out, &len); /* owner: the response (MUST_FREE) */
        resp = MHD_create_response_from_buffer(len, data ? data : (char *)"",
                                               data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!resp)
            free(data);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->out_type ? r->out_type : "application/json; charset=utf-8");
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    for (size_t i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->header_names[i], r->header_values[i]);
    if (sr->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    sr->queued = true;
    return ret;
}

/* The reply is ready (or the request is to be dropped): the request leaves
 * the gate, waits out a delayMs fault (parked, SERVER_WAIT_DELAY), then is
 * sent, or its connection closed without an answer. */
static enum MHD_Result server_reply(server_req_t *sr, struct MHD_Connection *con, const char *method)
{
    if (sr->in_gate) {
        sr->in_gate = false;
        gate_leave(sr->s->gate);
    }
    if (sr->delay_ms > 0 && !sr->delayed) {
        sr->delayed = true;
        sr->deferred = true;
        sr->wait = SERVER_WAIT_DELAY;
        delayq_add(sr->s->delays, sr->delay_ms, server_delay_done, sr);
        if (!server_park(sr, con))
            return MHD_YES; /* suspended until the delay is over */
        server_unpark(sr);
    }
    if (sr->drop) {
        server_account(sr, 0, 0);
        return MHD_NO; /* libmicrohttpd closes the connection */
    }
    return server_queue(sr, con, method);
}

/* Dispatches (again, after a gate wait), then parks a deferred handler or replies. */
static enum MHD_Result server_run(server_req_t *sr, struct MHD_Connection *con, const char *method)
{
    for (;;) {
        server_dispatch(sr, con);
        if (!sr->deferred)
            return server_reply(sr, con, method);
        if (!server_park(sr, con))
            return MHD_YES; /* suspended; server_wake resumes it */
        server_wait_t w = sr->wait;
        server_unpark(sr);
        if (w != SERVER_WAIT_GATE) {
            server_finish_deferred(sr);
            return server_reply(sr, con, method);
        }
        /* the exclusive operation ended before we could park: dispatch again */
    }
}

/* A parked request whose wait has ended, on a worker thread. */
static enum MHD_Result server_resumed(server_req_t *sr, struct MHD_Connection *con, const char *method)
{
    server_wait_t w = sr->wait;
    server_unpark(sr);
    switch (w) {
    case SERVER_WAIT_GATE: return server_run(sr, con, method);
    case SERVER_WAIT_DELAY: return server_reply(sr, con, method);
    case SERVER_WAIT_HANDLER: break;
    }
    server_finish_deferred(sr);
    return server_reply(sr, con, method);
}

/* A route that streams its body (route_t.open): its open function sets up
 * r.sink, or replies, and that reply goes out at once, the body unread (the
 * connection is then closed: a client that sent Expect: 100-continue never
 * sends it). */
static void server_open_sink(server_req_t *sr)
{
    req_t *r = &sr->r;
    sr->route->open(r);
    if (r->status) {
        sr->close = true;
        return;
    }
    if (!r->sink.write) {
        problem_internal(r);
        sr->close = true;
        return;
    }
    sr->streaming = true;
}

/* A piece of a streamed body: to the sink, until a write fails; then the rest
 * is read and dropped (the handler answers once it ended), and past
 * SERVER_MAX_DISCARD more bytes the connection is cut. */
static enum MHD_Result server_sink_data(server_req_t *sr, const char *data, size_t *size)
{
    req_sink_t *k = &sr->r.sink;
    size_t n = *size;
    *size = 0;
    sr->received += n;
    if (!k->failed) {
        if (k->write(k->ctx, data, n) == 0) {
            k->received += n;
            return MHD_YES;
        }
        k->failed = true;
        sr->failed_at = sr->received;
    }
    return sr->received - sr->failed_at > SERVER_MAX_DISCARD ? MHD_NO : MHD_YES;
}

static enum MHD_Result server_access_cb(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                                        const char *version, const char *upload_data, size_t *upload_data_size,
                                        void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    server_req_t *sr = *con_cls;
    if (!sr)
        return MHD_NO; /* out of memory in the URI callback: drop the connection */
    if (sr->queued) {
        *upload_data_size = 0; /* a reply went out early (413): discard the rest */
        return MHD_YES;
    }
    if (sr->deferred) { /* resumed by server_wake, or a spurious call while parked */
        pthread_mutex_lock(&sr->s->async_mu);
        bool done = sr->completed;
        pthread_mutex_unlock(&sr->s->async_mu);
        if (!done)
            return MHD_YES;
        return server_resumed(sr, con, method);
    }
    if (!sr->started) {
        sr->started = true;
        conntrack_head_done(con);
        sr->waiter.resume = server_gate_resume;
        server_prepare(sr, con, method);
        if (!sr->r.status && sr->route && sr->route->open)
            server_open_sink(sr);
        if (sr->r.status == 413 || sr->close)
            return server_queue(sr, con, method);
        return MHD_YES;
    }
    if (*upload_data_size && sr->streaming)
        return server_sink_data(sr, upload_data, upload_data_size);
    if (*upload_data_size) {
        /* libmicrohttpd accepts no reply while a body is arriving, so an
         * oversized (chunked) body is read and dropped, and the 413 goes out
         * once it ends; past SERVER_MAX_DISCARD the connection is cut instead. */
        sr->received += *upload_data_size;
        if ((!sr->r.status || sr->route_error) && sr->received > sr->s->o.max_body) {
            buf_free(&sr->body);
            problem_send(&sr->r, 413, "body_too_large", "the request body is larger than the limit of %zu bytes",
                         sr->s->o.max_body);
            sr->route_error = false; /* a size error, not one a fault may replace */
        }
        if (!sr->r.status || sr->route_error)
            buf_append(&sr->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return sr->received > sr->s->o.max_body + SERVER_MAX_DISCARD ? MHD_NO : MHD_YES;
    }
    return server_run(sr, con, method);
}

/* Fills a socket address from host:port; returns its length or 0 when host is not numeric. */
static socklen_t server_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, bool *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *v6 = false;
        return sizeof *a4;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *v6 = true;
        return sizeof *a6;
    }
    return 0;
}

/* libmicrohttpd's own errors (bad requests it rejects before us) go to stderr. */
static void server_log_cb(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* Frees what server_start made (any of it may be missing). */
static void server_free(server_t *s)
{
    if (s->metrics_d)
        MHD_stop_daemon(s->metrics_d);
    conntrack_free(s->conns);
    metrics_free(s->metrics);
    gate_free(s->gate);
    delayq_free(s->delays);
    pthread_mutex_destroy(&s->log_mu);
    pthread_mutex_destroy(&s->async_mu);
    free(s);
}

/* The metrics port's only handler: GET or HEAD /metrics, no key; anything
 * else is a 404 or 405 problem. Replies on the second call (libmicrohttpd
 * keeps the connection alive that way). */
static enum MHD_Result server_metrics_cb(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                                         const char *version, const char *upload_data, size_t *upload_data_size,
                                         void **con_cls)
{
    (void)version;
    (void)upload_data;
    server_t *s = cls;
    static int started;
    if (!*con_cls) {
        *con_cls = &started;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* a body is read and ignored */
        return MHD_YES;
    }
    buf_t b;
    buf_init(&b);
    int status = 200;
    const char *type = "text/plain; version=0.0.4; charset=utf-8";
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(url, "/metrics") != 0 || !get) {
        status = strcmp(url, "/metrics") != 0 ? 404 : 405;
        problem_write(&b, status, status == 404 ? "not_found" : "method_not_allowed",
                      status == 404 ? "this port serves only GET /metrics" : "only GET and HEAD are allowed on /metrics");
        type = "application/problem+json";
    } else {
        server_metrics_text(s, &b);
    }
    size_t len = 0;
    char *data = buf_detach(&b, &len); /* owner: the response (MUST_FREE) */
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data ? data : (char *)"",
                                                                data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Raises the soft limit on open files towards the hard one, so that
 * max_connections sockets (plus the database's and a margin) fit; the
 * connection limit is lowered to what fits when the hard limit is lower. */
static unsigned server_fit_fds(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    rlim_t need = (rlim_t)want + 256;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
        return rl.rlim_cur > 512 ? (unsigned)(rl.rlim_cur - 256) : 256;
    return want;
}

server_t *server_start(const server_opts_t *o, store_t *st, char *err, size_t errlen)
{
    struct sockaddr_storage ss, ms;
    bool v6 = false, mv6 = false;
    if (!server_addr(o->host, o->port, &ss, &v6)) {
        snprintf(err, errlen, "listen address \"%s\" is not a numeric IPv4 or IPv6 address", o->host);
        return NULL;
    }
    if (o->metrics_host && !server_addr(o->metrics_host, o->metrics_port, &ms, &mv6)) {
        snprintf(err, errlen, "metrics address \"%s\" is not a numeric IPv4 or IPv6 address", o->metrics_host);
        return NULL;
    }
    server_t *s = calloc(1, sizeof *s); /* owner: the caller, released by server_stop */
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->st = st;
    s->o = *o;
    if (!s->o.max_headers || s->o.max_headers > SERVER_MAX_HEADERS)
        s->o.max_headers = SERVER_MAX_HEADERS;
    unsigned max_conns = server_fit_fds(o->max_connections ? o->max_connections : SERVER_DEFAULT_CONNECTIONS);
    atomic_init(&s->inflight, 0);
    pthread_mutex_init(&s->async_mu, NULL);
    pthread_mutex_init(&s->log_mu, NULL);
    s->routes = router_table(&s->nroutes);
    const char *names[SERVER_MAX_ROUTES]; /* copied by metrics_new; the strings are the static table's */
    for (size_t i = 0; i < s->nroutes && i < SERVER_MAX_ROUTES; i++)
        names[i] = s->routes[i].pattern;
    s->gate = gate_new();
    s->delays = delayq_start();
    s->conns = conntrack_new(o->max_connections_per_ip, o->header_timeout);
    s->metrics = s->nroutes <= SERVER_MAX_ROUTES ? metrics_new(names, s->nroutes) : NULL;
    if (!s->gate || !s->delays || !s->conns || !s->metrics) {
        snprintf(err, errlen, "out of memory or threads");
        server_free(s);
        return NULL;
    }
    /* poll(), not epoll: libmicrohttpd 0.9.75's epoll loop takes at most 128
     * events per epoll_wait and, when it got exactly 128, calls epoll_wait again
     * with the blocking timeout before handling them, so 128 (or 256, ...)
     * connections that became readable together waited for the next event or
     * the idle timeout (tests/api/test_http.py, test_128_requests_ready_at_once).
     * Measured on the 1M bench, poll costs no more CPU per GET or list and
     * archives went faster; the list p99 at 64 connections is higher (BENCHMARKS.md).
     * At the connection limit a poll() daemon stops polling its listening
     * socket: further clients wait in the kernel's accept queue (back-pressure)
     * instead of being closed. The per-address limit is conntrack's (loopback
     * clients exempt), not libmicrohttpd's. */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (v6 ? MHD_USE_IPv6 : 0);
    s->d = MHD_start_daemon(flags, o->port, conntrack_accept_cb, s->conns, server_access_cb, s,
                            MHD_OPTION_EXTERNAL_LOGGER, server_log_cb, NULL, /* must come first */
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads ? o->threads : 1),
                            MHD_OPTION_URI_LOG_CALLBACK, server_uri_cb, s,
                            MHD_OPTION_NOTIFY_COMPLETED, server_done_cb, s,
                            MHD_OPTION_NOTIFY_CONNECTION, conntrack_notify_cb, s->conns,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->o.max_headers + SERVER_POOL_SLACK,
                            MHD_OPTION_CONNECTION_LIMIT, max_conns,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)SERVER_LISTEN_BACKLOG,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->idle_timeout ? o->idle_timeout : 60),
                            /* no MHD_OPTION_LISTENING_ADDRESS_REUSE: 1 means SO_REUSEPORT, which let a
                             * second server bind the same port and silently share its connections;
                             * the default (SO_REUSEADDR) already allows a restart over TIME_WAIT */
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%u (address in use or not available)", o->host, o->port);
        server_free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : o->port;
    if (o->metrics_host) {
        s->metrics_d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (mv6 ? MHD_USE_IPv6 : 0),
                                        o->metrics_port, NULL, NULL, server_metrics_cb, s,
                                        MHD_OPTION_EXTERNAL_LOGGER, server_log_cb, NULL,
                                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ms,
                                        MHD_OPTION_CONNECTION_LIMIT, 64u,
                                        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
        if (!s->metrics_d) {
            snprintf(err, errlen, "cannot listen for metrics on %s:%u (address in use or not available)",
                     o->metrics_host, o->metrics_port);
            MHD_stop_daemon(s->d);
            server_free(s);
            return NULL;
        }
        info = MHD_get_daemon_info(s->metrics_d, MHD_DAEMON_INFO_BIND_PORT);
        s->metrics_port = info ? info->port : o->metrics_port;
    }
    return s;
}

gate_t *server_gate(server_t *s)
{
    return s->gate;
}

uint16_t server_port(const server_t *s)
{
    return s->port;
}

uint16_t server_metrics_port(const server_t *s)
{
    return s->metrics_d ? s->metrics_port : 0;
}

void server_stop(server_t *s)
{
    if (!s)
        return;
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    delayq_stop(s->delays); /* delayed replies go out now */
    /* let requests already being handled finish (bounded: 10 s) */
    for (int i = 0; i < 1000 && atomic_load(&s->inflight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    server_free(s);
}
