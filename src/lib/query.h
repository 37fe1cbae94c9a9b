/* query.h - URL query-string and path-segment decoding (percent-decoding, '+', repeated keys, arrays). */
#ifndef PARLEY_QUERY_H
#define PARLEY_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"

typedef struct query_pair {
    const char *key;   /* decoded; a trailing "[]" is removed */
    const char *value; /* decoded; "" when the pair had no '=' */
} query_pair_t;

/* A decoded query string. Pairs and strings live in the arena given to
 * query_parse; the struct is valid until that arena is freed. */
typedef struct query {
    query_pair_t *pairs;
    size_t n;
} query_t;

/* Percent-decodes s[0..n) into a NUL-terminated arena string; '+' becomes a
 * space when plus_is_space. Returns NULL on OOM, on a malformed escape ("%zz",
 * "%4"), when the result contains a NUL byte (%00), or when it is not
 * well-formed UTF-8 ("%ff", "%C0%AF"). */
char *query_unescape(arena_t *a, const char *s, size_t n, bool plus_is_space);
/* Splits "k=v&k2=v2" (without the leading '?') into pairs. Empty segments are
 * skipped. Returns 0, or -1 on a malformed escape / NUL / OOM, with a short
 * reason in *why (static string). */
int query_parse(arena_t *a, const char *qs, size_t n, query_t *out, const char **why);
/* First value of key, or NULL. */
const char *query_get(const query_t *q, const char *key);
/* True when key occurs at all. */
bool query_has(const query_t *q, const char *key);
/* Every value of key, repeated keys and comma-separated values flattened, empty
 * items dropped, into an arena array; *n receives the count. Returns NULL (and
 * *n = 0) when absent or on OOM. */
const char **query_get_all(arena_t *a, const query_t *q, const char *key, size_t *n);
/* Booleans: "true"/"1" → 1, "false"/"0" → 0 (case-insensitive). Returns 0 and
 * sets *out, 1 when key is absent (*out untouched), -1 when the value is not a boolean. */
int query_get_bool(const query_t *q, const char *key, bool *out);
/* Decimal integers in [min, max]. Returns 0 / 1 (absent) / -1 (bad or out of range). */
int query_get_int(const query_t *q, const char *key, long long min, long long max, long long *out);

#endif
