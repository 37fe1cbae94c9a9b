/* request.h - the request a handler receives and the response it fills in, plus JSON body decoding. */
#ifndef PARLEY_HTTP_REQUEST_H
#define PARLEY_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jsonw.h"
#include "lib/query.h"
#include "store/store.h"

typedef enum {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_DELETE = 1 << 4,
    HTTP_PATCH = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
    HTTP_OTHER = 1 << 7,
} http_method_t;

#define REQ_MAX_PARAMS 2
#define REQ_MAX_HEADERS 48                 /* extra response headers a reply may carry */
#define REQ_MAX_JSON_DEPTH 64
#define REQ_MAX_JSON_STRING (1u << 20)     /* 1 MiB, transcripts aside */

/* One request. The server owns it; handlers read the input half and fill the
 * output half through the reply functions below. Everything in `arena` lives
 * until the response has been handed to libmicrohttpd. */
typedef struct req {
    /* input */
    http_method_t method;
    const char *path;                     /* raw path, without the query */
    const char *raw_query;                /* raw query string without '?', "" when none */
    query_t query;                        /* decoded query string */
    const char *params[REQ_MAX_PARAMS];   /* decoded {id} path segments */
    const char *content_type;             /* request Content-Type or NULL */
    const char *request_id;               /* X-Request-Id: the client's when sane, else a new one (arena) */
    const char *body;                     /* NULL when there was none */
    size_t body_len;
    store_t *store;
    struct standin *standin;              /* the admin API's state (standin/standin.h) */
    store_key_t key;                      /* the authenticated key (routes that need one) */
    store_scope_t scope;                  /* derived from key */
    arena_t arena;

    /* output */
    int status;                           /* 0 until a reply function ran */
    buf_t out;                            /* response body (owned; the server takes it) */
    const char *out_type;                 /* static string */
    const char *allow;                    /* Allow header for 405, static or arena */
    size_t n_headers;                     /* extra response headers (req_header) */
    const char *header_names[REQ_MAX_HEADERS];
    const char *header_values[REQ_MAX_HEADERS];
} req_t;

/* Adds a response header (name and value are copied into the arena). Beyond
 * REQ_MAX_HEADERS, or when out of memory, the header is dropped. */
void req_header(req_t *r, const char *name, const char *value);

/* Finishing later, for handlers whose store call completes on another thread
 * (group-committed writes): req_defer marks r as deferred; the handler then
 * returns without a reply, the connection waits (its worker thread serves
 * others meanwhile), and exactly one later call of req_complete(r), from any
 * thread, after status and out are filled in, sends the reply. Between the two
 * only the completing side may touch r. Implemented by the server (server.c). */
void req_defer(req_t *r);
void req_complete(req_t *r);
/* req_defer, plus work for after the completion: fn(r, ctx) runs once, on a
 * libmicrohttpd worker thread, after req_complete and before the reply is
 * sent, so the completing thread (the group-commit writer) hands the reply's
 * reading and rendering back to the workers. */
typedef void (*req_then_fn)(req_t *r, void *ctx);
void req_defer_then(req_t *r, req_then_fn fn, void *ctx);
/* req_defer, for an operation that must see no other request in flight
 * (snapshot restore): fn(r, ctx) runs on a thread of its own once every
 * request in flight has finished, while new requests wait (suspended, not
 * blocking a thread); fn fills in r's reply, then waiting requests go on and
 * r's reply is sent. On failure to start, r is answered 503 at once. */
void req_exclusive(req_t *r, req_then_fn fn, void *ctx);

/* GET /metrics on the main port: when the server was started with --metrics,
 * fills in r's reply (the Prometheus text format) and returns true; false
 * (nothing written) otherwise. Implemented by the server (server.c). */
bool req_metrics(req_t *r);

/* Room reserved for a JSON reply up front: a conversation is 2-6 KB, and
 * growing the buffer from 64 bytes by doubling copied it ~7 times. */
#define REQ_JSON_INITIAL (8u * 1024)

/* Starts a JSON response: sets status and type and returns a writer on req->out. */
void req_json_begin(req_t *r, int status, jsonw_t *w);
/* Replies 200 {"success":true}. */
void req_success(req_t *r);

/* Parses the body as one JSON value (object or array, per want_object) with
 * every limit of spec §1: Content-Type must be application/json or
 * application/vnd.api+json (else 415), nesting <= 64, strings <= 1 MiB except
 * under a top-level "transcript" key, no duplicate keys, valid UTF-8, nothing
 * after the value. On success returns the value (caller owns: json_decref;
 * its nodes live in r->arena, see json_arena_loadb, so it must not outlive
 * the request). On failure it has already replied with the problem and returns NULL.
 * `required` false lets an absent/empty body through as NULL with no reply
 * (check r->status to tell the cases apart). */
json_t *req_json_body(req_t *r, bool required);

/* Pure check used by req_json_body (and the fuzzer): returns 0 when the
 * nesting depth of the JSON text never exceeds max_depth, else -1. Strings and
 * escapes are skipped correctly; it does not validate the JSON. */
int req_json_depth_ok(const char *s, size_t n, int max_depth);

#endif
