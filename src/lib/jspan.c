/* jspan.c - finds where values start and end in JSON text already known to be valid (no parse, no copy). */
#include "lib/jspan.h"

#include <string.h>

size_t jspan_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

size_t jspan_skip(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return n;
    if (s[i] == '"') {
        for (i++; i < n; i++) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                return i + 1;
        }
        return n;
    }
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        for (; i < n; i++) {
            char c = s[i];
            if (c == '"') {
                i = jspan_skip(s, n, i) - 1;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
        }
        return n;
    }
    while (i < n && !strchr(",}] \t\r\n", s[i]))
        i++;
    return i;
}

bool jspan_open(jspan_iter_t *it, const char *s, size_t n, size_t pos)
{
    size_t i = jspan_ws(s, n, pos);
    if (i >= n || (s[i] != '[' && s[i] != '{'))
        return false;
    *it = (jspan_iter_t){s, n, i + 1, s[i] == '{', false};
    size_t j = jspan_ws(s, n, it->i);
    if (j < n && (s[j] == ']' || s[j] == '}'))
        it->done = true;
    return true;
}

bool jspan_next(jspan_iter_t *it, size_t *ks, size_t *ke, size_t *vs, size_t *ve)
{
    const char *s = it->s;
    size_t n = it->n, i = jspan_ws(s, n, it->i);
    if (it->done || i >= n)
        return false;
    if (it->object) {
        if (s[i] != '"') {
            it->done = true;
            return false;
        }
        size_t kend = jspan_skip(s, n, i); /* just after the closing quote */
        if (ks)
            *ks = i + 1;
        if (ke)
            *ke = kend > i + 1 ? kend - 1 : i + 1;
        i = jspan_ws(s, n, kend);
        if (i >= n || s[i] != ':') {
            it->done = true;
            return false;
        }
        i = jspan_ws(s, n, i + 1);
    }
    *vs = i;
    *ve = jspan_skip(s, n, i);
    i = jspan_ws(s, n, *ve);
    if (i < n && s[i] == ',')
        it->i = i + 1;
    else
        it->done = true;
    return true;
}

bool jspan_member(const char *s, size_t n, size_t *pos, size_t *end, const char *key)
{
    jspan_iter_t it;
    if (!jspan_open(&it, s, n, *pos) || !it.object)
        return false;
    size_t klen = strlen(key), ks, ke, vs, ve;
    while (jspan_next(&it, &ks, &ke, &vs, &ve)) {
        if (ke - ks == klen && memcmp(s + ks, key, klen) == 0) {
            *pos = vs;
            *end = ve;
            return true;
        }
    }
    return false;
}
