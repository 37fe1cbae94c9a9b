/* client.c - one webhook POST with libcurl: the request (headers, signature, limits) and what its answer means. */
#include "webhook/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "model/webhook.h"

#define WH_USER_AGENT "Parley-Webhooks/1"

/* CURLOPT_WRITEFUNCTION: counts and drops the answer; past the limit it
 * says "stop" (curl then ends the transfer with CURLE_WRITE_ERROR). */
static size_t wh_write_cb(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    wh_call_t *c = ctx;
    size_t bytes = size * n;
    if (c->got + bytes > WEBHOOK_BODY_LIMIT) {
        c->cut = true;
        return 0;
    }
    c->got += bytes;
    return bytes;
}

/* True when the IPv4 address a (host order) is public. */
static bool wh_v4_public(uint32_t a)
{
    static const struct { uint32_t net, mask; } deny[] = {
        {0x00000000, 0xff000000}, /* 0.0.0.0/8 */
        {0x0a000000, 0xff000000}, /* 10/8 */
        {0x64400000, 0xffc00000}, /* 100.64/10 (CGNAT) */
        {0x7f000000, 0xff000000}, /* 127/8 */
        {0xa9fe0000, 0xffff0000}, /* 169.254/16 */
        {0xac100000, 0xfff00000}, /* 172.16/12 */
        {0xc0000000, 0xffffff00}, /* 192.0.0/24 */
        {0xc0000200, 0xffffff00}, /* 192.0.2/24 (documentation) */
        {0xc0a80000, 0xffff0000}, /* 192.168/16 */
        {0xc6120000, 0xfffe0000}, /* 198.18/15 (benchmarking) */
        {0xc6336400, 0xffffff00}, /* 198.51.100/24 */
        {0xcb007100, 0xffffff00}, /* 203.0.113/24 */
        {0xe0000000, 0xe0000000}, /* 224/3: multicast, reserved, broadcast */
    };
    for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
        if ((a & deny[i].mask) == deny[i].net)
            return false;
    return true;
}

/* True when the IPv6 address b is public. */
static bool wh_v6_public(const unsigned char b[16])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, 12) == 0) /* ::ffff:a.b.c.d: judge the IPv4 address */
        return wh_v4_public((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
    if ((b[0] & 0xe0) != 0x20) /* only 2000::/3 is global unicast */
        return false;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* 2001:db8::/32 documentation */
        return false;
    if (b[0] == 0x20 && b[1] == 0x02) /* 2002::/16 6to4: may wrap a private IPv4 address */
        return false;
    return true;
}

/* The address is copied out with memcpy, not read through the sockaddr
 * casts: the optimiser's aliasing rules do not hold for those. */
bool wh_addr_public(const struct sockaddr *sa)
{
    sa_family_t family;
    memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof family);
    if (family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return wh_v4_public(ntohl(in.sin_addr.s_addr));
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        return wh_v6_public(in6.sin6_addr.s6_addr);
    }
    return false;
}

/* CURLOPT_OPENSOCKETFUNCTION with block_private: refuses to connect to a
 * non-public address, after name resolution (so a name that resolves to
 * one is refused too, whatever the URL says). */
static curl_socket_t wh_open_cb(void *ctx, curlsocktype purpose, struct curl_sockaddr *addr)
{
    wh_call_t *c = ctx;
    if (purpose != CURLSOCKTYPE_IPCXN || !wh_addr_public(&addr->addr)) {
        c->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

int wh_call_init(wh_call_t *c, int64_t timeout_ms, bool block_private)
{
    memset(c, 0, sizeof *c);
    c->block_private = block_private;
    if (!(c->easy = curl_easy_init()))
        return -1;
    CURL *e = c->easy;
    bool ok = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_USERAGENT, WH_USER_AGENT) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, wh_write_cb) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEDATA, c) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_POST, 1L) == CURLE_OK;
    if (ok && block_private)
        ok = curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, wh_open_cb) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c) == CURLE_OK;
    if (!ok) {
        wh_call_free(c);
        return -1;
    }
    return 0;
}

int wh_call_prepare(wh_call_t *c, const char *url, const char *body, size_t len, const char *event_id,
                    const char *type, const char *secret, int64_t t)
{
    curl_slist_free_all(c->headers);
    c->headers = NULL;
    c->got = 0;
    c->cut = c->blocked = false;
    c->errbuf[0] = '\0';
    char sig[WEBHOOK_SIG_LEN + 1], line[64 + WEBHOOK_SIG_LEN];
    if (webhook_signature(secret, t, body, len, sig) != 0)
        return -1;
    const char *fixed[] = {"Content-Type: application/json", "Expect:" /* no 100-continue round trip */};
    struct curl_slist *h = NULL, *n;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (!(n = curl_slist_append(h, fixed[i])))
            goto oom;
        h = n;
    }
    const char *names[] = {"Parley-Event-Id", "Parley-Event-Type", "Parley-Signature"};
    const char *values[] = {event_id, type, sig};
    for (size_t i = 0; i < 3; i++) {
        snprintf(line, sizeof line, "%s: %s", names[i], values[i]);
        if (!(n = curl_slist_append(h, line)))
            goto oom;
        h = n;
    }
    c->headers = h;
    if (curl_easy_setopt(c->easy, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK ||
        curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body) != CURLE_OK)
        return -1;
    return 0;
oom:
    curl_slist_free_all(h);
    return -1;
}

void wh_call_outcome(wh_call_t *c, CURLcode rc, int64_t timeout_ms, wh_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    long code = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    out->status = code;
    /* a 2xx whose body we cut off short is an answer all the same */
    bool answered = rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && c->cut);
    if (answered && code >= 200 && code < 300) {
        out->delivered = true;
        return;
    }
    if (answered && code >= 300 && code < 400)
        snprintf(out->error, sizeof out->error, "the receiver answered %ld; redirects are not followed", code);
    else if (answered)
        snprintf(out->error, sizeof out->error, "the receiver answered %ld", code);
    else if (c->blocked)
        snprintf(out->error, sizeof out->error,
                 "the receiver's address is not public (serve --webhook-block-private)");
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        snprintf(out->error, sizeof out->error, "no answer within %lld ms", (long long)timeout_ms);
    else
        snprintf(out->error, sizeof out->error, "%.80s%s%.160s", curl_easy_strerror(rc), c->errbuf[0] ? ": " : "",
                 c->errbuf);
}

void wh_call_free(wh_call_t *c)
{
    curl_slist_free_all(c->headers);
    c->headers = NULL;
    if (c->easy)
        curl_easy_cleanup(c->easy);
    c->easy = NULL;
}
