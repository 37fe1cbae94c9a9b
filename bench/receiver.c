/* receiver.c - the webhooks benchmark's loopback receiver (libmicrohttpd, one thread): answers every POST /hook 204 at once, or holds them while paused; counts what arrives. */
/*
 * usage: receiver PORT
 *   POST /hook      a delivery: counted, answered 204 (or held while paused)
 *   POST /pause     hold every delivery unanswered from now on (a backlog builds up behind the first)
 *   POST /release   answer the held ones and every later one at once; restarts the counts
 *   GET  /stats     {"count", "firstMs", "lastMs", "releasedMs"}: deliveries since the last release (or the
 *                   start), with the wall-clock times of the first and last (ms)
 *
 * Why C and not node:http (bench/node/receiver.mjs until 2026-12-06): the receiver shares the machine's two
 * cores with the server it measures. Node's HTTP server spent ~45 us of CPU per delivery, which the archive
 * runs with an endpoint subscribed paid for as if it were Parley's own cost; this one spends a fraction of
 * that (BENCHMARKS.md, webhooks). Nothing here checks the deliveries: tests/api/test_webhooks.py does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define HELD_MAX 65536 /* held deliveries at most (the backlog scenario holds one per endpoint) */

static bool paused;
static long long count, first_ms, last_ms, released_ms;
static struct MHD_Connection *held[HELD_MAX];
static size_t nheld;
static struct MHD_Response *no_content; /* the shared empty 204 */

/* Wall-clock milliseconds since the epoch. */
static long long now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Per-request state kept in MHD's *req_cls: 1 once the request is in (counted), 2 once held. */
static int state_in = 1, state_held = 2;

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status, const char *type, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    bool post = strcmp(method, "POST") == 0;
    if (*req_cls == &state_held) /* resumed by /release */
        return MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, no_content);
    if (!*req_cls) { /* the headers are in; the body (if any) follows */
        *req_cls = &state_in;
        return MHD_YES;
    }
    if (*upload_size) { /* a piece of the body: dropped */
        *upload_size = 0;
        return MHD_YES;
    }
    if (post && strcmp(url, "/hook") == 0) {
        long long t = now_ms();
        count++;
        if (!first_ms)
            first_ms = t;
        last_ms = t;
        if (paused && nheld < HELD_MAX) {
            *req_cls = &state_held;
            held[nheld++] = conn;
            MHD_suspend_connection(conn);
            return MHD_YES;
        }
        return MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, no_content);
    }
    if (post && strcmp(url, "/pause") == 0) {
        paused = true;
        return MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, no_content);
    }
    if (post && strcmp(url, "/release") == 0) {
        paused = false;
        count = first_ms = last_ms = 0;
        released_ms = now_ms();
        for (size_t i = 0; i < nheld; i++)
            MHD_resume_connection(held[i]);
        nheld = 0;
        return MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, no_content);
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/stats") == 0) {
        char body[160];
        snprintf(body, sizeof body, "{\"count\":%lld,\"firstMs\":%lld,\"lastMs\":%lld,\"releasedMs\":%lld}", count,
                 first_ms, last_ms, released_ms);
        return answer_text(conn, MHD_HTTP_OK, "application/json", body);
    }
    return answer_text(conn, MHD_HTTP_NOT_FOUND, NULL, "");
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 18084;
    if (argc != 2 || port <= 0 || port > 65535) {
        fprintf(stderr, "usage: receiver PORT\n");
        return 2;
    }
    /* blocked before MHD's thread starts (it inherits the mask): only sigwait below takes them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    no_content = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* one thread: every callback runs on it, so the counters need no lock */
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME,
                                            (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                                            MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
    if (!d || !no_content) {
        fprintf(stderr, "receiver: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(no_content);
    return 0;
}
