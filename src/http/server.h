/* server.h - the libmicrohttpd daemon: connection handling, limits, authentication, dispatch. */
#ifndef PARLEY_HTTP_SERVER_H
#define PARLEY_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct server_opts {
    const char *host;          /* numeric IPv4/IPv6 address to bind */
    uint16_t port;
    unsigned threads;          /* worker threads (thread pool) */
    size_t max_body;           /* bytes; larger bodies get 413 */
    size_t max_headers;        /* bytes of all headers together; more gets 431 (0: the spec's 64 KiB) */
    unsigned max_connections;
    unsigned max_connections_per_ip; /* simultaneous connections from one client address; 0 = no limit */
    unsigned idle_timeout;     /* seconds */
    int log_requests;          /* one line per request on stderr (never headers) */
    struct standin *standin;   /* the admin API's state (standin/standin.h); NULL = all off */
} server_opts_t;

typedef struct server server_t;

/* Starts listening. Returns NULL with a reason in err when the address can't be
 * bound. The server borrows st; st must outlive it. */
server_t *server_start(const server_opts_t *o, store_t *st, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
uint16_t server_port(const server_t *s);
/* Stops accepting, lets in-flight requests finish, frees s. */
void server_stop(server_t *s);

#endif
