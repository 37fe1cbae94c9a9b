/* server.h - the libmicrohttpd daemon: connection handling, limits, authentication, dispatch. */
#ifndef PARLEY_HTTP_SERVER_H
#define PARLEY_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum { SERVER_LOG_NONE = 0, SERVER_LOG_TEXT, SERVER_LOG_JSON };

typedef struct server_opts {
    const char *host;          /* numeric IPv4/IPv6 address to bind */
    uint16_t port;
    unsigned threads;          /* worker threads (thread pool) */
    size_t max_body;           /* bytes; larger bodies get 413 */
    size_t max_headers;        /* bytes of all headers together; more gets 431 (0: 64 KiB, the largest allowed) */
    unsigned max_connections;  /* 0: SERVER_DEFAULT_CONNECTIONS (4096) */
    unsigned max_connections_per_ip; /* simultaneous connections from one non-loopback address; 0 = no limit */
    unsigned idle_timeout;     /* seconds */
    unsigned header_timeout;   /* seconds for a complete request head (408 past it); 0 = none */
    int log_format;            /* SERVER_LOG_NONE, _TEXT (one line per request) or _JSON (one object per request) */
    bool metrics_on_main;      /* GET /metrics on the main port, no key */
    const char *metrics_host;  /* GET /metrics on a port of its own (NULL = none) */
    uint16_t metrics_port;
    struct standin *standin;   /* the admin API's state (standin/standin.h); NULL = all off */
    struct media *media;       /* the media service (media/media.h); NULL = no media storage */
} server_opts_t;

typedef struct server server_t;

/* Starts listening. Returns NULL with a reason in err when the address can't be
 * bound. The server borrows st; st must outlive it. */
server_t *server_start(const server_opts_t *o, store_t *st, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
uint16_t server_port(const server_t *s);
/* The metrics port actually bound; 0 when there is none. */
uint16_t server_metrics_port(const server_t *s);
/* Stops accepting, lets in-flight requests finish, frees s. */
void server_stop(server_t *s);
/* The gate requests pass to use the store (a snapshot restore waits for
 * them); others that use the store (the webhook worker) pass it too. Owned
 * by s: valid until server_stop. */
struct gate *server_gate(server_t *s);

#endif
