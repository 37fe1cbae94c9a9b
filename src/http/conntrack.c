/* conntrack.c - tracks the server's TCP connections: per-address limit (loopback exempt), request-head deadline, open count. */
#include "http/conntrack.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CT_BUCKETS 1024

/* One TCP connection (libmicrohttpd's socket context). */
typedef struct ct_conn {
    conntrack_t *ct;
    MHD_socket fd;
    unsigned char addr[16];
    size_t addr_len;             /* 0: no per-address count (loopback or unknown) */
    atomic_int state;            /* CT_WAITING, CT_LINE, CT_BUSY */
    _Atomic int64_t wait_since;  /* monotonic ms when it began waiting for a request head */
    bool reaped;                 /* under ct->mu */
    struct ct_conn *prev, *next; /* ct->conns, under ct->mu */
} ct_conn_t;

enum { CT_WAITING = 0, CT_LINE = 1, CT_BUSY = 2 };

/* Connections from one non-loopback address. */
typedef struct ct_addr {
    unsigned char addr[16];
    size_t len;
    unsigned n;
    struct ct_addr *next;
} ct_addr_t;

struct conntrack {
    unsigned per_ip, timeout_s;
    pthread_mutex_t mu;          /* guards conns, addrs, stopping */
    pthread_cond_t cv;           /* wakes the reaper to stop */
    ct_conn_t *conns;            /* every open connection; nodes owned by libmicrohttpd's socket contexts */
    ct_addr_t *addrs[CT_BUCKETS]; /* owned */
    atomic_uint open;
    _Atomic uint64_t sent_408, closed_idle;
    bool stopping;
    bool reaper_running;
    pthread_t reaper;
};

static int64_t ct_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool conntrack_is_loopback(const struct sockaddr *addr)
{
    if (!addr)
        return false;
    if (addr->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127;
    if (addr->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

/* The address bytes that key the per-address count; 0 when it is not counted. */
static size_t ct_key(const struct sockaddr *addr, unsigned char out[16])
{
    if (!addr || conntrack_is_loopback(addr))
        return 0;
    if (addr->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        return 4;
    }
    if (addr->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)addr)->sin6_addr, 16);
        return 16;
    }
    return 0;
}

static size_t ct_bucket(const unsigned char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h % CT_BUCKETS;
}

/* The count entry of k (created with n = 0 when create), or NULL. Caller holds ct->mu. */
static ct_addr_t *ct_addr(conntrack_t *ct, const unsigned char *k, size_t n, bool create)
{
    ct_addr_t **pp = &ct->addrs[ct_bucket(k, n)];
    for (ct_addr_t *a = *pp; a; a = a->next)
        if (a->len == n && memcmp(a->addr, k, n) == 0)
            return a;
    if (!create)
        return NULL;
    ct_addr_t *a = calloc(1, sizeof *a); /* owner: ct->addrs, freed when its count drops to 0 */
    if (!a)
        return NULL;
    memcpy(a->addr, k, n);
    a->len = n;
    a->next = *pp;
    *pp = a;
    return a;
}

static void ct_addr_release(conntrack_t *ct, const unsigned char *k, size_t n)
{
    ct_addr_t **pp = &ct->addrs[ct_bucket(k, n)];
    for (ct_addr_t *a = *pp; a; pp = &a->next, a = a->next) {
        if (a->len != n || memcmp(a->addr, k, n) != 0)
            continue;
        if (--a->n == 0) {
            *pp = a->next;
            free(a);
        }
        return;
    }
}

enum MHD_Result conntrack_accept_cb(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    conntrack_t *ct = cls;
    unsigned char k[16];
    size_t n = ct_key(addr, k);
    if (!ct->per_ip || !n)
        return MHD_YES;
    pthread_mutex_lock(&ct->mu);
    ct_addr_t *a = ct_addr(ct, k, n, false);
    bool ok = !a || a->n < ct->per_ip;
    pthread_mutex_unlock(&ct->mu);
    return ok ? MHD_YES : MHD_NO;
}

void conntrack_notify_cb(void *cls, struct MHD_Connection *con, void **socket_context,
                         enum MHD_ConnectionNotificationCode toe)
{
    conntrack_t *ct = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        ct_conn_t *c = calloc(1, sizeof *c); /* owner: the connection's socket context, freed on CLOSED */
        if (!c)
            return;
        c->ct = ct;
        const union MHD_ConnectionInfo *fi = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ai = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        c->fd = fi ? fi->connect_fd : MHD_INVALID_SOCKET;
        c->addr_len = ct->per_ip && ai ? ct_key(ai->client_addr, c->addr) : 0;
        atomic_init(&c->state, CT_WAITING);
        atomic_init(&c->wait_since, ct_now_ms());
        pthread_mutex_lock(&ct->mu);
        if (c->addr_len) {
            ct_addr_t *a = ct_addr(ct, c->addr, c->addr_len, true);
            if (a)
                a->n++;
            else
                c->addr_len = 0;
        }
        c->next = ct->conns;
        if (ct->conns)
            ct->conns->prev = c;
        ct->conns = c;
        pthread_mutex_unlock(&ct->mu);
        atomic_fetch_add(&ct->open, 1);
        *socket_context = c;
        return;
    }
    ct_conn_t *c = *socket_context;
    if (!c)
        return;
    pthread_mutex_lock(&ct->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        ct->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->addr_len)
        ct_addr_release(ct, c->addr, c->addr_len);
    pthread_mutex_unlock(&ct->mu);
    atomic_fetch_sub(&ct->open, 1);
    free(c);
    *socket_context = NULL;
}

/* The tracking node of con, or NULL (no tracking, or out of memory at start). */
static ct_conn_t *ct_of(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *i = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return i ? (ct_conn_t *)i->socket_context : NULL;
}

void conntrack_request_line(struct MHD_Connection *con)
{
    ct_conn_t *c = ct_of(con);
    if (c)
        atomic_store(&c->state, CT_LINE);
}

void conntrack_head_done(struct MHD_Connection *con)
{
    ct_conn_t *c = ct_of(con);
    if (c)
        atomic_store(&c->state, CT_BUSY);
}

void conntrack_request_done(struct MHD_Connection *con)
{
    ct_conn_t *c = ct_of(con);
    if (!c)
        return;
    atomic_store(&c->wait_since, ct_now_ms());
    atomic_store(&c->state, CT_WAITING);
}

/* Ends c past its deadline: a 408 problem when its request line arrived,
 * then a shutdown of the socket, which libmicrohttpd sees as the client
 * closing (it then cleans up as usual). No response is queued on a
 * connection still reading its head, so nothing else writes to it. Caller
 * holds ct->mu. */
static void ct_reap(conntrack_t *ct, ct_conn_t *c, int state)
{
    c->reaped = true;
    if (c->fd == MHD_INVALID_SOCKET)
        return;
    if (state == CT_LINE) {
        char body[200], msg[420];
        int bl = snprintf(body, sizeof body,
                          "{\"type\":\"about:blank\",\"title\":\"Request Timeout\",\"status\":408,\"code\":"
                          "\"request_timeout\",\"detail\":\"the request head was not complete within %u s\"}",
                          ct->timeout_s);
        int ml = snprintf(msg, sizeof msg,
                          "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                          bl, body);
        ssize_t w = send(c->fd, msg, (size_t)ml, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)w; /* best effort: the client may be gone, or its window full */
        atomic_fetch_add(&ct->sent_408, 1);
    } else {
        atomic_fetch_add(&ct->closed_idle, 1);
    }
    shutdown(c->fd, SHUT_RDWR);
}

/* The reaper: a few times per deadline, ends the connections past theirs. */
static void *ct_reaper(void *arg)
{
    conntrack_t *ct = arg;
    int64_t period = ct->timeout_s * 1000 / 4;
    if (period > 1000)
        period = 1000;
    if (period < 50)
        period = 50;
    pthread_mutex_lock(&ct->mu);
    while (!ct->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)(period % 1000) * 1000000L;
        until.tv_sec += period / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&ct->cv, &ct->mu, &until);
        if (ct->stopping)
            break;
        int64_t now = ct_now_ms(), limit = (int64_t)ct->timeout_s * 1000;
        for (ct_conn_t *c = ct->conns; c; c = c->next) {
            int state = atomic_load(&c->state);
            if (!c->reaped && state != CT_BUSY && now - atomic_load(&c->wait_since) > limit)
                ct_reap(ct, c, state);
        }
    }
    pthread_mutex_unlock(&ct->mu);
    return NULL;
}

conntrack_t *conntrack_new(unsigned per_ip, unsigned header_timeout_s)
{
    conntrack_t *ct = calloc(1, sizeof *ct); /* owner: the caller, conntrack_free */
    if (!ct)
        return NULL;
    ct->per_ip = per_ip;
    ct->timeout_s = header_timeout_s;
    pthread_mutex_init(&ct->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ct->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (header_timeout_s) {
        if (pthread_create(&ct->reaper, NULL, ct_reaper, ct) != 0) {
            conntrack_free(ct);
            return NULL;
        }
        ct->reaper_running = true;
    }
    return ct;
}

void conntrack_free(conntrack_t *ct)
{
    if (!ct)
        return;
    pthread_mutex_lock(&ct->mu);
    ct->stopping = true;
    pthread_cond_broadcast(&ct->cv);
    pthread_mutex_unlock(&ct->mu);
    if (ct->reaper_running)
        pthread_join(ct->reaper, NULL);
    for (size_t i = 0; i < CT_BUCKETS; i++) {
        while (ct->addrs[i]) {
            ct_addr_t *next = ct->addrs[i]->next;
            free(ct->addrs[i]);
            ct->addrs[i] = next;
        }
    }
    pthread_cond_destroy(&ct->cv);
    pthread_mutex_destroy(&ct->mu);
    free(ct);
}

unsigned conntrack_open(conntrack_t *ct)
{
    return ct ? atomic_load(&ct->open) : 0;
}

void conntrack_reaped(conntrack_t *ct, uint64_t *timeouts_408, uint64_t *idle_closed)
{
    *timeouts_408 = ct ? atomic_load(&ct->sent_408) : 0;
    *idle_closed = ct ? atomic_load(&ct->closed_idle) : 0;
}
