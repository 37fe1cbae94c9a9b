/* conntrack.h - the server's view of its TCP connections: per-address limit, request-head deadline, open count. */
#ifndef PARLEY_HTTP_CONNTRACK_H
#define PARLEY_HTTP_CONNTRACK_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct conntrack conntrack_t;

/* per_ip: simultaneous connections allowed from one client address (0 = no
 * limit); loopback clients (127.0.0.0/8, ::1) are never limited, since
 * every local client shares one address. header_timeout_s: a connection
 * must deliver a complete request head within this many seconds of
 * starting to wait for one (accepted, or its previous request answered);
 * past it, one whose request line has arrived gets a 408 problem and is
 * closed, an idle one is closed (0 = no deadline). Starts the reaper
 * thread. NULL when out of memory or threads. Owner: the caller
 * (conntrack_free, after the daemon stopped). */
conntrack_t *conntrack_new(unsigned per_ip, unsigned header_timeout_s);
void conntrack_free(conntrack_t *ct);

/* libmicrohttpd callbacks; cls is the conntrack_t. */
enum MHD_Result conntrack_accept_cb(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void conntrack_notify_cb(void *cls, struct MHD_Connection *con, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe);

/* Request progress on a connection, from the server's callbacks: the request
 * line has arrived (URI callback), the head is complete (first access
 * callback), the request is over (completion callback). */
void conntrack_request_line(struct MHD_Connection *con);
void conntrack_head_done(struct MHD_Connection *con);
void conntrack_request_done(struct MHD_Connection *con);

/* Connections open now; 408s sent and idle connections closed by the deadline so far. */
unsigned conntrack_open(conntrack_t *ct);
void conntrack_reaped(conntrack_t *ct, uint64_t *timeouts_408, uint64_t *idle_closed);

/* True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
bool conntrack_is_loopback(const struct sockaddr *addr);

#endif
