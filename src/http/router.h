/* router.h - maps method + path to a handler; literal segments win over {params}. */
#ifndef PARLEY_HTTP_ROUTER_H
#define PARLEY_HTTP_ROUTER_H

#include <stdbool.h>

#include "http/request.h"

typedef void (*route_handler_t)(req_t *r);

typedef struct route {
    unsigned methods;          /* http_method_t bits */
    const char *pattern;       /* "/v2/conversations/{id}/unarchive" */
    route_handler_t handler;
    bool public_;              /* true: no key needed (health check) */
    /* Non-NULL: the route streams its request body (req_sink_t) instead of
     * having it gathered (and limited by --max-body): called once the request
     * head is in, before any body byte, to set up r->sink, or to reply with an
     * error, which is then sent at once (the body unread, the connection
     * closed). Only for public routes (no key is looked up before it). The
     * handler runs when the body has ended. */
    route_handler_t open;
    /* true: the key lookup and the handler read through one store snapshot
     * (store_read_begin), which saves a transaction per request. Only for
     * handlers that neither write nor defer. */
    bool snapshot;
} route_t;

typedef enum {
    ROUTE_FOUND,
    ROUTE_NOT_FOUND,          /* no pattern matches the path */
    ROUTE_BAD_METHOD,         /* a pattern matches, not with this method */
} route_result_t;

/* Finds the route for method and path. On ROUTE_FOUND *out is the route and
 * params[] receive the decoded {param} segments (arena strings). On
 * ROUTE_BAD_METHOD *allow receives the Allow header value (arena). A segment
 * that does not percent-decode cleanly makes the path unknown (404). */
/* Every route, in one fixed order (a route's index is its place here): for
 * metrics labels and documentation checks. *n receives the count. */
const route_t *router_table(size_t *n);

route_result_t router_match(arena_t *a, http_method_t method, const char *path, const route_t **out,
                            const char *params[REQ_MAX_PARAMS], const char **allow);

#endif
