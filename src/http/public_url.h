/* public_url.h - the base of the absolute URLs the server hands out (snippet links): `serve --public-url`, else http://<listen address>. */
#ifndef PARLEY_HTTP_PUBLIC_URL_H
#define PARLEY_HTTP_PUBLIC_URL_H

#include <stdbool.h>
#include <stddef.h>

#define PUBLIC_URL_MAX 1024 /* bytes of a base URL */

/* True when s can be a public base URL: http:// or https:// with a host,
 * at most PUBLIC_URL_MAX bytes, no whitespace, control characters, query or
 * fragment. */
bool public_url_ok(const char *s);
/* Sets the process's public base URL to s (copied; a trailing "/" dropped).
 * `parley serve` calls it before it serves (thread-safe anyway). */
void public_url_set(const char *s);
/* Writes the public base URL into out (capacity n; "" until set) and returns out. */
const char *public_url_get(char *out, size_t n);

#endif
