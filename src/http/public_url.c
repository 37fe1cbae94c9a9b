/* public_url.c - the base of the absolute URLs the server hands out (snippet links): `serve --public-url`, else http://<listen address>. */
#include "http/public_url.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t public_url_mu = PTHREAD_MUTEX_INITIALIZER;
static char public_url_base[PUBLIC_URL_MAX + 1]; /* guarded by public_url_mu */

bool public_url_ok(const char *s)
{
    size_t n = strlen(s);
    size_t scheme = strncmp(s, "http://", 7) == 0 ? 7 : strncmp(s, "https://", 8) == 0 ? 8 : 0;
    if (!scheme || n > PUBLIC_URL_MAX || n == scheme || s[scheme] == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '?' || *p == '#')
            return false;
    return true;
}

void public_url_set(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    if (n > PUBLIC_URL_MAX)
        n = PUBLIC_URL_MAX;
    pthread_mutex_lock(&public_url_mu);
    memcpy(public_url_base, s, n);
    public_url_base[n] = '\0';
    pthread_mutex_unlock(&public_url_mu);
}

const char *public_url_get(char *out, size_t n)
{
    pthread_mutex_lock(&public_url_mu);
    snprintf(out, n, "%s", public_url_base);
    pthread_mutex_unlock(&public_url_mu);
    return out;
}
