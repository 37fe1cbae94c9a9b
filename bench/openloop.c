/* openloop.c - bench/run.sh's open-loop HTTP/1.1 load generator: requests on a fixed schedule, latency from the scheduled time. */
/*
 * usage: openloop -u HOST:PORT -r RATE -f PATHS [-c CONNS] [-t THREADS] [-d SECONDS] [-w SECONDS]
 *                 [-p PREFIX] [-m METHOD] [-H 'Name: value']... [-s] [-T SECONDS]
 *
 * Request k is due at start + k / RATE (one schedule for the whole run, split evenly over the threads).
 * A due request goes out on any idle keep-alive connection at once; when none is idle it waits for one,
 * and its latency still counts from the moment it was due. Latency is the time from the scheduled send
 * to the last byte of the response, so a server that stalls is charged for every request that should
 * have been sent meanwhile (no coordinated omission: a closed-loop tool such as wrk stops sending while
 * the server stalls and records only the few requests that were in flight). Only requests scheduled
 * inside the measured window [start + warm-up, start + warm-up + duration) are recorded. When the
 * schedule ends the tool waits up to -T seconds for those still outstanding; any that never completed
 * are recorded with the time they had waited by then (a lower bound) and counted as `incomplete`.
 *
 *   -r RATE     requests per second, all threads together         -c CONNS    connections (default 64)
 *   -t THREADS  threads, each with its share of the connections   -d SECONDS  measured window (default 10)
 *   -w SECONDS  warm-up before it, scheduled but not recorded     -T SECONDS  per-request timeout (10)
 *   -f PATHS    request targets, one a line, after PREFIX (-p); drawn at random, or with -s in order
 *               (thread i of T takes lines i, i+T, ... once round: distinct ids for writes)
 *   -m METHOD   (default GET)   -H HEADER (repeatable)
 *
 * Prints one line:
 *   OPENLOOP target_rps=R rps=R requests=N duration_us=N p50_us=N p90_us=N p99_us=N p999_us=N max_us=N
 *            mean_us=N non2xx=N errors=N incomplete=N lag_p99_us=N
 * rps counts the measured requests that completed, per second of the window; lag_p99_us is the p99 of
 * (actual send - scheduled send): the generator's own lateness plus any wait for a free connection.
 * Percentiles are exact (every latency is kept, nearest-rank). Exit status 0, or 2 on bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS 16
#define HEAD_MAX 65536 /* response header block limit */
#define RBUF 65536

typedef struct opts {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char hostport[300];
    double rate;
    int conns, threads;
    double duration, warmup, timeout;
    const char *paths_file, *prefix, *method;
    const char *headers[MAX_HEADERS];
    int nheaders;
    int sequential;
} opts_t;

static opts_t O;
static char **PATHS; /* owner: main; lines of -f */
static size_t NPATHS;
static int64_t T0;   /* schedule start, ns on CLOCK_MONOTONIC */

/* A growable array of recorded latencies (µs). */
typedef struct samples {
    uint32_t *v; /* owner: the struct */
    size_t n, cap;
} samples_t;

static void samples_add(samples_t *s, int64_t ns)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 65536;
        uint32_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            fprintf(stderr, "openloop: out of memory\n");
            exit(1);
        }
        s->v = v;
        s->cap = cap;
    }
    int64_t us = (ns + 999) / 1000;
    s->v[s->n++] = us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

enum cstate { C_DOWN, C_CONNECTING, C_IDLE, C_BUSY };
enum pstate { P_HEAD, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER, P_UNTIL_CLOSE };

typedef struct conn {
    int fd;
    uint32_t mask;   /* events registered with epoll */
    enum cstate st;
    char *w;         /* owner: the conn; the request being written */
    size_t wlen, woff, wcap;
    int64_t sched;   /* scheduled send time of the request in flight (ns) */
    int64_t sent;    /* when it was handed to the kernel */
    int measured;    /* inside the measured window */
    enum pstate ps;
    char *head;      /* owner: the conn; response header bytes seen so far */
    size_t hlen;
    int64_t left;    /* body or chunk bytes still to read */
    int status, close_after;
    char line[32];   /* a chunk-size line */
    size_t llen;
} conn_t;

typedef struct thr {
    int id, nconn;
    conn_t *c;       /* owner: the thread */
    int ep;
    double interval; /* ns between this thread's scheduled requests */
    int64_t first;   /* its first scheduled time */
    uint64_t next_k; /* next request to send */
    uint64_t rng;
    size_t seq;
    int64_t win_lo, win_hi;
    samples_t lat, lag;
    uint64_t non2xx, errors, incomplete, done;
    pthread_t th;
} thr_t;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t sched_of(const thr_t *t, uint64_t k)
{
    return t->first + (int64_t)((double)k * t->interval);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void die(const char *msg)
{
    fprintf(stderr, "openloop: %s\n", msg);
    exit(2);
}

/* Reads -f into PATHS (one target a line, empty lines skipped). Exits on failure. */
static void read_paths(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "openloop: cannot open %s\n", file);
        exit(2);
    }
    size_t cap = 1024;
    PATHS = malloc(cap * sizeof *PATHS);
    char *line = NULL; /* owner: this function */
    size_t n = 0;
    ssize_t len;
    while (PATHS && (len = getline(&line, &n, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len)
            continue;
        if (NPATHS == cap) {
            cap *= 2;
            char **p = realloc(PATHS, cap * sizeof *p);
            if (!p)
                die("out of memory");
            PATHS = p;
        }
        if (!(PATHS[NPATHS++] = strdup(line)))
            die("out of memory");
    }
    free(line);
    fclose(f);
    if (!PATHS)
        die("out of memory");
    if (!NPATHS)
        die("the paths file is empty");
}

static void conn_close(thr_t *t, conn_t *c)
{
    if (c->fd >= 0) {
        epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->st = C_DOWN;
}

/* Starts a non-blocking connect; the connection is C_CONNECTING (or C_DOWN when the socket fails). */
static void conn_open(thr_t *t, conn_t *c)
{
    c->fd = socket(O.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        c->st = C_DOWN;
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&O.addr, O.addrlen) != 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        c->st = C_DOWN;
        return;
    }
    c->mask = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    struct epoll_event ev = {.events = c->mask, .data.ptr = c};
    epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->st = C_CONNECTING;
}

/* Registers interest in events (EPOLLIN, or EPOLLIN | EPOLLOUT while a request is partly written);
 * no system call when that is what is registered already. */
static void conn_want(thr_t *t, conn_t *c, uint32_t events)
{
    events |= EPOLLRDHUP;
    if (events == c->mask)
        return;
    c->mask = events;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* The request in flight on c failed (reset, timeout, bad response): count it, reconnect. */
static void conn_fail(thr_t *t, conn_t *c)
{
    if (c->st == C_BUSY && c->measured)
        t->errors++;
    conn_close(t, c);
    conn_open(t, c);
}

/* A response is complete: record it; the connection is idle again (or reopened). */
static void conn_done(thr_t *t, conn_t *c, int64_t now)
{
    if (c->measured) {
        samples_add(&t->lat, now - c->sched);
        samples_add(&t->lag, c->sent - c->sched);
        if (c->status < 200 || c->status > 299)
            t->non2xx++;
        t->done++;
    }
    c->st = C_IDLE;
    if (c->close_after) {
        conn_close(t, c);
        conn_open(t, c);
    } else {
        conn_want(t, c, EPOLLIN);
    }
}

/* Writes what is left of c's request. Returns -1 on a socket error. */
static int conn_flush(thr_t *t, conn_t *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->w + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                conn_want(t, c, EPOLLIN | EPOLLOUT);
                return 0;
            }
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->woff += (size_t)n;
    }
    conn_want(t, c, EPOLLIN);
    return 0;
}

/* Sends request k (scheduled at sched) on the idle connection c. */
static void conn_send(thr_t *t, conn_t *c, int64_t sched)
{
    const char *path;
    if (O.sequential) {
        size_t i = (size_t)t->id + t->seq * (size_t)O.threads;
        if (i >= NPATHS) {
            t->seq = 0;
            i = (size_t)t->id % NPATHS;
        }
        t->seq++;
        path = PATHS[i];
    } else {
        path = PATHS[rng_next(&t->rng) % NPATHS];
    }
    size_t need = strlen(O.method) + strlen(O.prefix) + strlen(path) + strlen(O.hostport) + 64;
    for (int i = 0; i < O.nheaders; i++)
        need += strlen(O.headers[i]) + 2;
    if (need > c->wcap) {
        free(c->w);
        c->wcap = need * 2;
        if (!(c->w = malloc(c->wcap)))
            die("out of memory");
    }
    size_t n = (size_t)sprintf(c->w, "%s %s%s HTTP/1.1\r\nHost: %s\r\n", O.method, O.prefix, path, O.hostport);
    for (int i = 0; i < O.nheaders; i++)
        n += (size_t)sprintf(c->w + n, "%s\r\n", O.headers[i]);
    n += (size_t)sprintf(c->w + n, "\r\n");
    c->wlen = n;
    c->woff = 0;
    c->sched = sched;
    c->measured = sched >= t->win_lo && sched < t->win_hi;
    c->st = C_BUSY;
    c->ps = P_HEAD;
    c->hlen = 0;
    c->status = 0;
    c->close_after = 0;
    c->sent = now_ns();
    if (conn_flush(t, c) != 0)
        conn_fail(t, c);
}

/* Parses the header block in c->head (hlen bytes, ending with CRLFCRLF). Returns -1 when malformed. */
static int parse_head(conn_t *c)
{
    c->head[c->hlen] = 0;
    if (strncmp(c->head, "HTTP/1.", 7) != 0 || c->hlen < 12)
        return -1;
    c->status = atoi(c->head + 9);
    int chunked = 0;
    int64_t clen = -1;
    for (char *l = strstr(c->head, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
        char *h = l + 2;
        if (!strncasecmp(h, "content-length:", 15))
            clen = strtoll(h + 15, NULL, 10);
        else if (!strncasecmp(h, "transfer-encoding:", 18) && strcasestr(h, "chunked") &&
                 strcasestr(h, "chunked") < strstr(h, "\r\n"))
            chunked = 1;
        else if (!strncasecmp(h, "connection:", 11) && strcasestr(h, "close") && strcasestr(h, "close") < strstr(h, "\r\n"))
            c->close_after = 1;
    }
    if (c->status == 204 || c->status == 304 || (c->status >= 100 && c->status < 200)) {
        c->left = 0;
        c->ps = P_BODY;
    } else if (chunked) {
        c->ps = P_CHUNK_SIZE;
        c->llen = 0;
    } else if (clen >= 0) {
        c->left = clen;
        c->ps = P_BODY;
    } else {
        c->ps = P_UNTIL_CLOSE;
        c->close_after = 1;
    }
    return 0;
}

/* Feeds n received bytes to c's response parser. Returns 1 when the response is complete, 0 when more
 * is needed, -1 when it is malformed. Bytes past the response are an error (nothing was pipelined). */
static int feed(conn_t *c, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        switch (c->ps) {
        case P_HEAD: {
            size_t take = n - i < HEAD_MAX - c->hlen ? n - i : HEAD_MAX - c->hlen;
            if (take == 0)
                return -1; /* a header block over HEAD_MAX */
            memcpy(c->head + c->hlen, p + i, take);
            size_t from = c->hlen >= 3 ? c->hlen - 3 : 0;
            c->hlen += take;
            char *end = memmem(c->head + from, c->hlen - from, "\r\n\r\n", 4);
            if (!end) {
                i = n;
                break;
            }
            size_t used = (size_t)(end + 4 - c->head) - (c->hlen - take);
            c->hlen = (size_t)(end + 4 - c->head);
            i += used;
            if (parse_head(c) != 0)
                return -1;
            if (c->ps == P_BODY && c->left == 0)
                return i == n ? 1 : -1;
            break;
        }
        case P_BODY: {
            size_t take = (size_t)c->left < n - i ? (size_t)c->left : n - i;
            c->left -= (int64_t)take;
            i += take;
            if (c->left == 0)
                return i == n ? 1 : -1;
            break;
        }
        case P_CHUNK_SIZE:
            if (p[i] == '\n') {
                c->line[c->llen] = 0;
                c->left = strtoll(c->line, NULL, 16);
                c->llen = 0;
                c->ps = c->left ? P_CHUNK_DATA : P_TRAILER;
            } else if (c->llen < sizeof c->line - 1) {
                c->line[c->llen++] = p[i];
            }
            i++;
            break;
        case P_CHUNK_DATA: {
            size_t take = (size_t)c->left < n - i ? (size_t)c->left : n - i;
            c->left -= (int64_t)take;
            i += take;
            if (c->left == 0) {
                c->ps = P_CHUNK_CRLF;
                c->left = 2;
            }
            break;
        }
        case P_CHUNK_CRLF:
            i++;
            if (--c->left == 0)
                c->ps = P_CHUNK_SIZE;
            break;
        case P_TRAILER: /* lines until an empty one */
            if (p[i] == '\n') {
                if (c->llen == 0 || (c->llen == 1 && c->line[0] == '\r'))
                    return i + 1 == n ? 1 : -1;
                c->llen = 0;
            } else if (c->llen < sizeof c->line - 1) {
                c->line[c->llen++] = p[i];
            }
            i++;
            break;
        case P_UNTIL_CLOSE:
            i = n;
            break;
        }
    }
    return 0;
}

/* Handles readiness on c. */
static void conn_event(thr_t *t, conn_t *c, uint32_t ev, char *buf)
{
    if (c->st == C_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        if ((ev & (EPOLLERR | EPOLLHUP)) || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0 || err) {
            t->errors++;
            conn_close(t, c);
            return; /* reopened by the main loop after a pause */
        }
        c->st = C_IDLE;
        conn_want(t, c, EPOLLIN);
        return;
    }
    if (c->st == C_BUSY && (ev & EPOLLOUT) && c->woff < c->wlen) {
        if (conn_flush(t, c) != 0) {
            conn_fail(t, c);
            return;
        }
    }
    if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        return;
    for (;;) {
        ssize_t n = recv(c->fd, buf, RBUF, 0);
        if (n > 0) {
            if (c->st != C_BUSY) { /* bytes nobody asked for */
                conn_fail(t, c);
                return;
            }
            int r = feed(c, buf, (size_t)n);
            if (r < 0) {
                conn_fail(t, c);
                return;
            }
            if (r > 0) {
                conn_done(t, c, now_ns());
                return;
            }
            continue;
        }
        if (n == 0) { /* closed by the server */
            if (c->st == C_BUSY && c->ps == P_UNTIL_CLOSE) {
                c->close_after = 1;
                conn_done(t, c, now_ns());
            } else {
                conn_fail(t, c);
            }
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            conn_fail(t, c);
        return;
    }
}

static void *thr_main(void *arg)
{
    thr_t *t = arg;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake on time, not up to 50 µs late */
    char *buf = malloc(RBUF); /* owner: this function */
    if (!buf)
        die("out of memory");
    struct epoll_event evs[256];
    int64_t sched_end = t->win_hi;
    int64_t timeout = (int64_t)(O.timeout * 1e9);
    int64_t last_check = now_ns();
    for (;;) {
        int64_t now = now_ns();
        /* dispatch every due request while there is an idle connection */
        int idle = 0;
        for (int i = 0; i < t->nconn; i++) {
            conn_t *c = &t->c[i];
            if (c->st != C_IDLE)
                continue;
            int64_t s = sched_of(t, t->next_k);
            if (s >= sched_end || s > now) {
                idle = 1;
                break;
            }
            conn_send(t, c, s);
            t->next_k++;
            now = now_ns();
            i = -1; /* look again from the start: c may have failed, others become usable */
        }
        int64_t next = sched_of(t, t->next_k);
        int busy = 0;
        for (int i = 0; i < t->nconn; i++)
            busy += t->c[i].st == C_BUSY;
        if (next >= sched_end && !busy)
            break; /* schedule over, nothing outstanding */
        if (next >= sched_end && now - sched_end > timeout)
            break; /* drain limit */
        if (now - last_check > 100000000) { /* timeouts and reconnects, ten times a second */
            last_check = now;
            for (int i = 0; i < t->nconn; i++) {
                conn_t *c = &t->c[i];
                if (c->st == C_BUSY && now - c->sent > timeout)
                    conn_fail(t, c);
                else if (c->st == C_DOWN)
                    conn_open(t, c);
            }
        }
        /* sleep until the next request is due (when a connection is free to send it), an event, or
         * 100 ms; epoll_pwait2 takes nanoseconds, and the thread's timer slack is 1 ns */
        int64_t wait = 100000000;
        if (idle && next < sched_end && next - now < wait)
            wait = next - now > 0 ? next - now : 0;
        struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
        int n = epoll_pwait2(t->ep, evs, 256, &ts, NULL);
        for (int i = 0; i < n; i++)
            conn_event(t, evs[i].data.ptr, evs[i].events, buf);
    }
    /* what was scheduled in the window and never completed: in flight, or never sent */
    int64_t stop = now_ns();
    for (int i = 0; i < t->nconn; i++) {
        conn_t *c = &t->c[i];
        if (c->st == C_BUSY && c->measured) {
            samples_add(&t->lat, stop - c->sched);
            t->incomplete++;
        }
        conn_close(t, c);
    }
    for (uint64_t k = t->next_k;; k++) {
        int64_t s = sched_of(t, k);
        if (s >= t->win_hi)
            break;
        if (s >= t->win_lo) {
            samples_add(&t->lat, stop - s);
            t->incomplete++;
        }
    }
    free(buf);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile q (0-100] of sorted v[n]; 0 when empty. */
static uint32_t pct(const uint32_t *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t r = (size_t)ceil(q / 100.0 * (double)n);
    if (r < 1)
        r = 1;
    return v[r - 1 < n ? r - 1 : n - 1];
}

static void merge(samples_t *all, const samples_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (all->n == all->cap) {
            size_t cap = all->cap ? all->cap * 2 : 65536;
            uint32_t *v = realloc(all->v, cap * sizeof *v);
            if (!v)
                die("out of memory");
            all->v = v;
            all->cap = cap;
        }
        all->v[all->n++] = s->v[i];
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: openloop -u HOST:PORT -r RATE -f PATHS [-c CONNS] [-t THREADS] [-d SECONDS] [-w SECONDS]\n"
                    "                [-p PREFIX] [-m METHOD] [-H 'Name: value']... [-s] [-T SECONDS]\n");
    exit(2);
}

static void parse_url(const char *u)
{
    if (!strncmp(u, "http://", 7))
        u += 7;
    snprintf(O.hostport, sizeof O.hostport, "%s", u);
    char *slash = strchr(O.hostport, '/');
    if (slash)
        *slash = 0;
    char host[300];
    snprintf(host, sizeof host, "%s", O.hostport);
    char *colon = strrchr(host, ':');
    if (!colon)
        die("-u needs HOST:PORT");
    *colon = 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        die("cannot resolve -u");
    memcpy(&O.addr, res->ai_addr, res->ai_addrlen);
    O.addrlen = res->ai_addrlen;
    freeaddrinfo(res);
}

int main(int argc, char **argv)
{
    O.conns = 64;
    O.threads = 1;
    O.duration = 10;
    O.warmup = 0;
    O.timeout = 10;
    O.prefix = "";
    O.method = "GET";
    int opt, have_url = 0;
    while ((opt = getopt(argc, argv, "u:r:f:c:t:d:w:p:m:H:sT:")) != -1) {
        switch (opt) {
        case 'u': parse_url(optarg); have_url = 1; break;
        case 'r': O.rate = atof(optarg); break;
        case 'f': O.paths_file = optarg; break;
        case 'c': O.conns = atoi(optarg); break;
        case 't': O.threads = atoi(optarg); break;
        case 'd': O.duration = atof(optarg); break;
        case 'w': O.warmup = atof(optarg); break;
        case 'p': O.prefix = optarg; break;
        case 'm': O.method = optarg; break;
        case 'H':
            if (O.nheaders == MAX_HEADERS)
                die("too many -H");
            O.headers[O.nheaders++] = optarg;
            break;
        case 's': O.sequential = 1; break;
        case 'T': O.timeout = atof(optarg); break;
        default: usage();
        }
    }
    if (!have_url || !O.paths_file || O.rate <= 0 || O.conns < 1 || O.threads < 1 || O.duration <= 0 ||
        O.warmup < 0 || O.timeout <= 0)
        usage();
    if (O.threads > O.conns)
        O.threads = O.conns;
    signal(SIGPIPE, SIG_IGN);
    read_paths(O.paths_file);

    thr_t *ts = calloc((size_t)O.threads, sizeof *ts); /* owner: main */
    if (!ts)
        die("out of memory");
    for (int i = 0; i < O.threads; i++) {
        thr_t *t = &ts[i];
        t->id = i;
        t->nconn = O.conns / O.threads + (i < O.conns % O.threads);
        t->c = calloc((size_t)t->nconn, sizeof *t->c);
        t->ep = epoll_create1(EPOLL_CLOEXEC);
        if (!t->c || t->ep < 0)
            die("cannot set up a thread");
        t->rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1) ^ (uint64_t)now_ns();
        for (int j = 0; j < t->nconn; j++) {
            t->c[j].fd = -1;
            if (!(t->c[j].head = malloc(HEAD_MAX + 1)))
                die("out of memory");
            conn_open(t, &t->c[j]);
        }
    }
    /* connections get ~100 ms to come up before the schedule starts */
    T0 = now_ns() + 100000000;
    for (int i = 0; i < O.threads; i++) {
        thr_t *t = &ts[i];
        t->interval = 1e9 * O.threads / O.rate;
        t->first = T0 + (int64_t)(1e9 * i / O.rate);
        t->win_lo = T0 + (int64_t)(O.warmup * 1e9);
        t->win_hi = t->win_lo + (int64_t)(O.duration * 1e9);
        if (pthread_create(&t->th, NULL, thr_main, t) != 0)
            die("cannot start a thread");
    }
    samples_t lat = {0}, lag = {0};
    uint64_t non2xx = 0, errors = 0, incomplete = 0, done = 0;
    for (int i = 0; i < O.threads; i++) {
        thr_t *t = &ts[i];
        pthread_join(t->th, NULL);
        merge(&lat, &t->lat);
        merge(&lag, &t->lag);
        non2xx += t->non2xx;
        errors += t->errors;
        incomplete += t->incomplete;
        done += t->done;
        for (int j = 0; j < t->nconn; j++) {
            free(t->c[j].w);
            free(t->c[j].head);
        }
        free(t->c);
        free(t->lat.v);
        free(t->lag.v);
        close(t->ep);
    }
    free(ts);
    qsort(lat.v, lat.n, sizeof *lat.v, cmp_u32);
    qsort(lag.v, lag.n, sizeof *lag.v, cmp_u32);
    double sum = 0;
    for (size_t i = 0; i < lat.n; i++)
        sum += lat.v[i];
    printf("OPENLOOP target_rps=%.1f rps=%.1f requests=%llu duration_us=%lld p50_us=%u p90_us=%u p99_us=%u "
           "p999_us=%u max_us=%u mean_us=%.0f non2xx=%llu errors=%llu incomplete=%llu lag_p99_us=%u\n",
           O.rate, (double)done / O.duration, (unsigned long long)done, (long long)(O.duration * 1e6),
           pct(lat.v, lat.n, 50), pct(lat.v, lat.n, 90), pct(lat.v, lat.n, 99), pct(lat.v, lat.n, 99.9),
           lat.n ? lat.v[lat.n - 1] : 0, lat.n ? sum / (double)lat.n : 0.0, (unsigned long long)non2xx,
           (unsigned long long)errors, (unsigned long long)incomplete, pct(lag.v, lag.n, 99));
    free(lat.v);
    free(lag.v);
    for (size_t i = 0; i < NPATHS; i++)
        free(PATHS[i]);
    free(PATHS);
    return 0;
}
