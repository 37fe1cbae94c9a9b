/* range.c - the Range request header (RFC 9110 §14.2) for media downloads: one byte range, or none. */
#include "media/range.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Reads decimal digits at *p (advancing it) into *v, saturating at INT64_MAX.
 * False when there is no digit. */
static bool range_number(const char **p, int64_t *v)
{
    const char *s = *p;
    int64_t n = 0;
    while (*s >= '0' && *s <= '9') {
        int d = *s - '0';
        n = n > (INT64_MAX - d) / 10 ? INT64_MAX : n * 10 + d;
        s++;
    }
    if (s == *p)
        return false;
    *p = s;
    *v = n;
    return true;
}

static const char *range_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

media_range_rc_t media_range_parse(const char *h, int64_t size, int64_t *off, int64_t *len)
{
    if (!h || strlen(h) > MEDIA_RANGE_HEADER_MAX)
        return MEDIA_RANGE_NONE;
    const char *p = range_skip_ws(h);
    if (strncasecmp(p, "bytes", 5) != 0)
        return MEDIA_RANGE_NONE;
    p = range_skip_ws(p + 5);
    if (*p != '=')
        return MEDIA_RANGE_NONE;
    p = range_skip_ws(p + 1);
    int64_t first = -1, last = -1, suffix = -1;
    if (*p == '-') {
        p++;
        if (!range_number(&p, &suffix))
            return MEDIA_RANGE_NONE;
    } else {
        if (!range_number(&p, &first) || *p != '-')
            return MEDIA_RANGE_NONE;
        p++;
        if (*p >= '0' && *p <= '9' && !range_number(&p, &last))
            return MEDIA_RANGE_NONE;
    }
    p = range_skip_ws(p);
    if (*p != '\0') /* several ranges, or trailing garbage: ignored */
        return MEDIA_RANGE_NONE;
    if (suffix >= 0) {
        if (suffix == 0)
            return MEDIA_RANGE_UNSATISFIABLE;
        if (size == 0)
            return MEDIA_RANGE_NONE;
        *len = suffix < size ? suffix : size;
        *off = size - *len;
        return MEDIA_RANGE_OK;
    }
    if (last >= 0 && last < first)
        return MEDIA_RANGE_NONE; /* invalid: the whole header is ignored */
    if (first >= size)
        return MEDIA_RANGE_UNSATISFIABLE;
    if (last < 0 || last >= size)
        last = size - 1;
    *off = first;
    *len = last - first + 1;
    return MEDIA_RANGE_OK;
}
