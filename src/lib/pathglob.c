/* pathglob.c - URL path globs: `*` matches within one segment, `**` any number of whole segments. */
#include "lib/pathglob.h"

#include <string.h>

#include "lib/strutil.h"

int pathglob_check(const char *glob, char *err, size_t errlen)
{
    size_t n = strlen(glob);
    if (n == 0 || glob[0] != '/')
        return str_fail(err, errlen, "must start with \"/\"");
    if (n > PATHGLOB_MAX)
        return str_fail(err, errlen, "is %zu bytes; the limit is %d", n, PATHGLOB_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)glob[i];
        if (c <= 0x20 || c == 0x7f || c == '?' || c == '#')
            return str_fail(err, errlen, "has a character a request path never contains at byte %zu", i);
        if (c == '/' && glob[i + 1] == '/')
            return str_fail(err, errlen, "has an empty segment (\"//\")");
        if (c == '*' && glob[i + 1] == '*') {
            bool whole = glob[i - 1] == '/' && (glob[i + 2] == '/' || glob[i + 2] == '\0');
            if (!whole)
                return str_fail(err, errlen, "uses \"**\" inside a segment; it must be a whole segment");
            i++;
        }
    }
    if (!str_utf8_valid(glob, n))
        return str_fail(err, errlen, "is not valid UTF-8");
    return 0;
}

/* Matching works on segments with the classic two-pointer backtracking of
 * wildcard matching, twice over: within a segment for `*`, and across
 * segments for `**` (remember the last `**` and where the path stood; on a
 * mismatch, let that `**` swallow one more segment). Each level is linear in
 * its input times the backtracks, with no recursion. */

/* True when the segment text p[0..pn) matches the segment glob g[0..gn) (`*` = any run). */
static bool pathglob_segment(const char *g, size_t gn, const char *p, size_t pn)
{
    size_t gi = 0, pi = 0, star = (size_t)-1, mark = 0;
    while (pi < pn) {
        if (gi < gn && g[gi] == '*') {
            star = gi++;
            mark = pi;
        } else if (gi < gn && g[gi] == p[pi]) {
            gi++;
            pi++;
        } else if (star != (size_t)-1) {
            gi = star + 1;
            pi = ++mark;
        } else {
            return false;
        }
    }
    while (gi < gn && g[gi] == '*')
        gi++;
    return gi == gn;
}

/* Segments are walked as pointers just after a '/': seg_len is the length
 * up to the next '/' or the end, seg_next the following segment or NULL
 * after the last one. "/" is one empty segment; "/a/" is "a" and "". */
static size_t pathglob_seg_len(const char *s)
{
    const char *e = strchr(s, '/');
    return e ? (size_t)(e - s) : strlen(s);
}

static const char *pathglob_seg_next(const char *s)
{
    size_t n = pathglob_seg_len(s);
    return s[n] == '/' ? s + n + 1 : NULL;
}

static bool pathglob_is_globstar(const char *g)
{
    return pathglob_seg_len(g) == 2 && g[0] == '*' && g[1] == '*';
}

bool pathglob_match(const char *glob, const char *path)
{
    if (glob[0] != '/' || path[0] != '/')
        return false;
    const char *g = glob + 1, *p = path + 1;
    bool star = false;                     /* a `**` was passed */
    const char *star_g = NULL, *mark = NULL; /* the glob segment after it (NULL: it was last), and the
                                              * path segment it resumes at */
    while (p) {
        if (g && pathglob_is_globstar(g)) {
            g = pathglob_seg_next(g);
            star = true;
            star_g = g;
            mark = p;
        } else if (g && pathglob_segment(g, pathglob_seg_len(g), p, pathglob_seg_len(p))) {
            g = pathglob_seg_next(g);
            p = pathglob_seg_next(p);
        } else if (star) {
            g = star_g;
            mark = pathglob_seg_next(mark);
            p = mark;
        } else {
            return false;
        }
    }
    while (g && pathglob_is_globstar(g))
        g = pathglob_seg_next(g);
    return g == NULL;
}
