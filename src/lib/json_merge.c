/* json_merge.c - merges the members of one JSON object into another, on the text (json_patch of one level). */
#include "lib/json_merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* Returns p after JSON whitespace. */
static const char *pj_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* The end of the JSON value starting at p (no leading whitespace), or NULL
 * when it is malformed. Only the structure is checked: enough to walk
 * members of text that was valid JSON when it was stored. */
static const char *pj_end(const char *p, int depth)
{
    if (depth > 512)
        return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && !*++p)
                return NULL;
        return *p ? p + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = pj_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"' || !(p = pj_end(p, depth + 1)))
                    return NULL;
                p = pj_ws(p);
                if (*p != ':')
                    return NULL;
                p = pj_ws(p + 1);
            }
            if (!(p = pj_end(p, depth + 1)))
                return NULL;
            p = pj_ws(p);
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p = pj_ws(p + 1);
        }
    }
    const char *s = p;
    while (*p && strchr("+-.0123456789eEtruefalsn", *p))
        p++;
    return p > s ? p : NULL;
}

/* Appends the value [p, end) to b without whitespace outside strings (as
 * SQLite renders JSON), dropping null members of objects, recursively
 * through objects, when drop_nulls (SQLite's jsonRemoveAllNulls). */
static void pj_minify(buf_t *b, const char *p, const char *end, bool drop_nulls)
{
    if (*p != '{' || !drop_nulls) {
        while (p < end) {
            if (*p == '"') {
                const char *e = pj_end(p, 0);
                buf_append(b, p, (size_t)(e - p));
                p = e;
            } else {
                if (!strchr(" \t\n\r", *p))
                    buf_putc(b, *p);
                p++;
            }
        }
        return;
    }
    buf_putc(b, '{');
    bool first = true;
    p = pj_ws(p + 1);
    while (*p == '"') {
        const char *ke = pj_end(p, 0);
        const char *v = pj_ws(pj_ws(ke) + 1);
        const char *ve = pj_end(v, 0);
        if (!(ve - v == 4 && strncmp(v, "null", 4) == 0)) {
            if (!first)
                buf_putc(b, ',');
            first = false;
            buf_append(b, p, (size_t)(ke - p));
            buf_putc(b, ':');
            pj_minify(b, v, ve, *v == '{');
        }
        p = pj_ws(ve);
        if (*p == ',')
            p = pj_ws(p + 1);
    }
    buf_putc(b, '}');
}

/* SQLite's json_patch(json_patch(base, {each key of patch: null}), patch)
 * with base "{}" unless it is a JSON object: base's members, minus the first
 * member named like each key of patch, then patch's members with non-null
 * values, appended in patch order; minified, keys and scalars byte for byte.
 * Returns a malloc'd string (caller frees) or NULL on OOM or when patch is
 * not a JSON object. */
char *json_merge_members(const char *base, const char *patch)
{
    const char *pp = pj_ws(patch);
    const char *pe = *pp == '{' ? pj_end(pp, 0) : NULL;
    if (!pe)
        return NULL;
    const char *bp = base ? pj_ws(base) : "";
    if (*bp != '{' || !pj_end(bp, 0) || *pj_ws(pj_end(bp, 0)))
        bp = "{}";
    /* removed[i]: member i of base is dropped */
    size_t nb = 0;
    for (const char *p = pj_ws(bp + 1); *p == '"';) {
        const char *v = pj_ws(pj_ws(pj_end(p, 0)) + 1);
        p = pj_ws(pj_end(v, 0));
        nb++;
        if (*p == ',')
            p = pj_ws(p + 1);
    }
    bool *removed = calloc(nb ? nb : 1, sizeof(bool)); /* owned here */
    if (!removed)
        return NULL;
    for (const char *k = pj_ws(pp + 1); *k == '"';) {
        const char *ke = pj_end(k, 0);
        size_t i = 0;
        for (const char *p = pj_ws(bp + 1); *p == '"'; i++) {
            const char *e = pj_end(p, 0);
            if (!removed[i] && e - p == ke - k && memcmp(p, k, (size_t)(ke - k)) == 0) {
                removed[i] = true;
                break;
            }
            const char *v = pj_ws(pj_ws(e) + 1);
            p = pj_ws(pj_end(v, 0));
            if (*p == ',')
                p = pj_ws(p + 1);
        }
        const char *v = pj_ws(pj_ws(ke) + 1);
        k = pj_ws(pj_end(v, 0));
        if (*k == ',')
            k = pj_ws(k + 1);
    }
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '{');
    bool first = true;
    size_t i = 0;
    for (const char *p = pj_ws(bp + 1); *p == '"'; i++) {
        const char *ke = pj_end(p, 0);
        const char *v = pj_ws(pj_ws(ke) + 1);
        const char *ve = pj_end(v, 0);
        if (!removed[i]) {
            if (!first)
                buf_putc(&b, ',');
            first = false;
            buf_append(&b, p, (size_t)(ke - p));
            buf_putc(&b, ':');
            pj_minify(&b, v, ve, false);
        }
        p = pj_ws(ve);
        if (*p == ',')
            p = pj_ws(p + 1);
    }
    for (const char *k = pj_ws(pp + 1); *k == '"';) {
        const char *ke = pj_end(k, 0);
        const char *v = pj_ws(pj_ws(ke) + 1);
        const char *ve = pj_end(v, 0);
        if (!(ve - v == 4 && strncmp(v, "null", 4) == 0)) {
            if (!first)
                buf_putc(&b, ',');
            first = false;
            buf_append(&b, k, (size_t)(ke - k));
            buf_putc(&b, ':');
            pj_minify(&b, v, ve, true);
        }
        k = pj_ws(ve);
        if (*k == ',')
            k = pj_ws(k + 1);
    }
    buf_putc(&b, '}');
    free(removed);
    return buf_detach(&b, NULL);
}

