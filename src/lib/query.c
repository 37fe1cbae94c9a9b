/* query.c - URL query-string decoding: percent-escapes, '+', repeated keys, arrays. */
#include "lib/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/strutil.h"

enum { QUERY_OK = 0, QUERY_BAD_ESCAPE = -1, QUERY_NUL = -2, QUERY_OOM = -3, QUERY_BAD_UTF8 = -4 };

/* Decodes s[0..n) into a new arena string stored in *out. Returns QUERY_OK or
 * one of the errors above (*out untouched then). A literal NUL byte in the
 * input counts as QUERY_NUL like %00; a result that is not well-formed UTF-8
 * ("%ff", a raw 0xff byte) is QUERY_BAD_UTF8. */
static int query_decode(arena_t *a, const char *s, size_t n, bool plus_is_space, char **out)
{
    char *d = arena_alloc(a, n + 1);
    if (!d)
        return QUERY_OOM;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i < 3)
                return QUERY_BAD_ESCAPE;
            int hi = str_hexval((unsigned char)s[i + 1]);
            int lo = str_hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return QUERY_BAD_ESCAPE;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            return QUERY_NUL;
        d[j++] = (char)c;
    }
    if (!str_utf8_valid(d, j))
        return QUERY_BAD_UTF8;
    d[j] = '\0';
    *out = d;
    return QUERY_OK;
}

char *query_unescape(arena_t *a, const char *s, size_t n, bool plus_is_space)
{
    char *out = NULL;
    if (!s)
        return NULL;
    if (query_decode(a, s, n, plus_is_space, &out) != QUERY_OK)
        return NULL;
    return out;
}

static const char *query_why(int rc)
{
    switch (rc) {
    case QUERY_BAD_ESCAPE:
        return "malformed percent-escape in query string";
    case QUERY_NUL:
        return "NUL byte in query string";
    case QUERY_BAD_UTF8:
        return "query string is not valid UTF-8 once percent-decoded";
    default:
        return "out of memory";
    }
}

/* Pairs are allocated in a (array sized by counting '&'); keys lose one
 * trailing "[]" after decoding. On failure *out is set to an empty query. */
int query_parse(arena_t *a, const char *qs, size_t n, query_t *out, const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    out->pairs = NULL;
    out->n = 0;
    if (!qs || n == 0)
        return 0;
    size_t max = 1;
    for (size_t i = 0; i < n; i++)
        max += qs[i] == '&';
    query_pair_t *pairs = arena_alloc(a, max * sizeof(*pairs));
    if (!pairs) {
        *why = query_why(QUERY_OOM);
        return -1;
    }
    size_t np = 0, start = 0;
    while (start <= n) {
        const char *seg = qs + start;
        const char *amp = memchr(seg, '&', n - start);
        size_t len = amp ? (size_t)(amp - seg) : n - start;
        start += len + 1;
        if (len == 0)
            continue;
        const char *eq = memchr(seg, '=', len);
        size_t klen = eq ? (size_t)(eq - seg) : len;
        char *k = NULL, *v = NULL;
        int rc = query_decode(a, seg, klen, true, &k);
        if (rc == QUERY_OK) {
            if (eq)
                rc = query_decode(a, eq + 1, len - klen - 1, true, &v);
            else
                v = (char *)"";
        }
        if (rc != QUERY_OK) {
            *why = query_why(rc);
            return -1;
        }
        size_t kl = strlen(k);
        if (kl >= 2 && k[kl - 2] == '[' && k[kl - 1] == ']')
            k[kl - 2] = '\0';
        pairs[np].key = k;
        pairs[np].value = v;
        np++;
    }
    out->pairs = pairs;
    out->n = np;
    return 0;
}

const char *query_get(const query_t *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->pairs[i].key, key) == 0)
            return q->pairs[i].value;
    return NULL;
}

bool query_has(const query_t *q, const char *key)
{
    return query_get(q, key) != NULL;
}

/* Two passes: count items, then copy each non-empty comma-separated item into
 * the arena. The returned array and strings belong to a. */
const char **query_get_all(arena_t *a, const query_t *q, const char *key, size_t *n)
{
    size_t count = 0;
    *n = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->pairs[i].key, key) != 0)
            continue;
        for (const char *p = q->pairs[i].value;;) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            count += len > 0;
            if (!c)
                break;
            p = c + 1;
        }
    }
    if (count == 0)
        return NULL;
    const char **items = arena_alloc(a, count * sizeof(*items));
    if (!items)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->pairs[i].key, key) != 0)
            continue;
        for (const char *p = q->pairs[i].value;;) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            if (len > 0) {
                char *s = arena_strndup(a, p, len);
                if (!s)
                    return NULL;
                items[k++] = s;
            }
            if (!c)
                break;
            p = c + 1;
        }
    }
    *n = k;
    return items;
}

int query_get_bool(const query_t *q, const char *key, bool *out)
{
    const char *v = query_get(q, key);
    if (!v)
        return 1;
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    return -1;
}

/* Accepts an optional '-' then decimal digits only (no spaces, no '+', no
 * hex); anything else, overflow, or a value outside [min, max] is -1. */
int query_get_int(const query_t *q, const char *key, long long min, long long max, long long *out)
{
    const char *v = query_get(q, key);
    if (!v)
        return 1;
    const char *p = v[0] == '-' ? v + 1 : v;
    if (*p < '0' || *p > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (errno == ERANGE || !end || *end != '\0')
        return -1;
    if (x < min || x > max)
        return -1;
    *out = x;
    return 0;
}
