/* client.h - one webhook POST with libcurl: the request (headers, signature, limits) and what its answer means. */
#ifndef PARLEY_WEBHOOK_CLIENT_H
#define PARLEY_WEBHOOK_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* One reusable transfer (a curl easy handle and the state of its current
 * request). Owner: whoever calls wh_call_init, released by wh_call_free. */
typedef struct wh_call {
    CURL *easy;
    struct curl_slist *headers;  /* the current request's; owned */
    size_t got;                  /* answer body bytes seen */
    bool cut;                    /* the body passed WEBHOOK_BODY_LIMIT: the transfer was cut there */
    bool blocked;                /* the receiver's address was refused (block_private) */
    bool block_private;
    char errbuf[CURL_ERROR_SIZE];
} wh_call_t;

/* What an attempt came to. */
typedef struct wh_outcome {
    bool delivered;              /* a 2xx answer */
    long status;                 /* the answer's status, 0 when none came */
    char error[256];             /* why it was not delivered ("" when it was) */
} wh_outcome_t;

/* Makes the handle with the options every request shares: POST, no
 * redirects, http and https only, timeout_ms for the whole attempt, no
 * signals, the answer read up to WEBHOOK_BODY_LIMIT and dropped;
 * block_private refuses non-public addresses. 0, or -1 (out of memory). */
int wh_call_init(wh_call_t *c, int64_t timeout_ms, bool block_private);
/* Sets up the next request: POST body (len bytes; it must stay alive and
 * unchanged until the transfer is done) to url with Content-Type,
 * Parley-Event-Id, Parley-Event-Type and Parley-Signature (signed with
 * secret at unix time t). 0, or -1 (out of memory). */
int wh_call_prepare(wh_call_t *c, const char *url, const char *body, size_t len, const char *event_id,
                    const char *type, const char *secret, int64_t t);
/* Reads the outcome of the finished transfer, whose result was rc. */
void wh_call_outcome(wh_call_t *c, CURLcode rc, int64_t timeout_ms, wh_outcome_t *out);
void wh_call_free(wh_call_t *c);

/* True when sa is a public unicast address: not loopback, private
 * (RFC 1918, fc00::/7), link-local, carrier-grade NAT, unspecified,
 * multicast, broadcast, documentation or reserved ranges, nor an IPv4
 * address mapped into IPv6 that is one of those. */
bool wh_addr_public(const struct sockaddr *sa);

#endif
