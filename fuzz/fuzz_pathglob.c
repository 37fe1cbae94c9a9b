/* fuzz_pathglob.c - libFuzzer target: path globs (pathglob_check, pathglob_match) against a recursive reference. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "lib/pathglob.h"

/* Reference: the obvious recursion, memoized on (glob offset, path offset)
 * (an offset fixes the segment's end, so it fixes the lengths too); without
 * the memos twenty `**` or `*` took longer than libFuzzer's timeout. */
static const char *memo_g0, *memo_p0;
static signed char seg_memo[97][97]; /* 0 unknown, 1 false, 2 true */

static bool ref_seg(const char *g, size_t gn, const char *p, size_t pn)
{
    signed char *m = &seg_memo[g - memo_g0][p - memo_p0];
    if (*m)
        return *m == 2;
    bool r;
    if (gn == 0) {
        r = pn == 0;
    } else if (g[0] == '*') {
        r = false;
        for (size_t k = 0; k <= pn && !r; k++)
            r = ref_seg(g + 1, gn - 1, p + k, pn - k);
    } else {
        r = pn > 0 && g[0] == p[0] && ref_seg(g + 1, gn - 1, p + 1, pn - 1);
    }
    *m = r ? 2 : 1;
    return r;
}

static size_t seg_len(const char *s)
{
    const char *e = strchr(s, '/');
    return e ? (size_t)(e - s) : strlen(s);
}

static signed char memo[98][98]; /* as seg_memo; index 97 is NULL */

static bool ref_match_raw(const char *g, const char *p);

static bool ref_match(const char *g, const char *p)
{
    size_t gi = g ? (size_t)(g - memo_g0) : 97, pi = p ? (size_t)(p - memo_p0) : 97;
    if (!memo[gi][pi])
        memo[gi][pi] = ref_match_raw(g, p) ? 2 : 1;
    return memo[gi][pi] == 2;
}

/* g and p point just after a '/'; NULL is "no more segments". */
static bool ref_match_raw(const char *g, const char *p)
{
    if (!g)
        return !p;
    size_t gl = seg_len(g);
    const char *gnext = g[gl] == '/' ? g + gl + 1 : NULL;
    if (gl == 2 && g[0] == '*' && g[1] == '*') {
        for (const char *q = p;; ) {
            if (ref_match(gnext, q))
                return true;
            if (!q)
                return false;
            size_t ql = seg_len(q);
            q = q[ql] == '/' ? q + ql + 1 : NULL;
        }
    }
    if (!p)
        return false;
    size_t pl = seg_len(p);
    const char *pnext = p[pl] == '/' ? p + pl + 1 : NULL;
    return ref_seg(g, gl, p, pl) && ref_match(gnext, pnext);
}

/* Input: glob '\n' path. Whatever pathglob_check accepts must match exactly
 * like the reference; pathglob_match must never crash on anything. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n > 96)
        return 0; /* the memo tables hold 96 bytes of offsets */
    char *s = fuzz_strndup(data, n); /* owner: this function */
    char *nl = memchr(s, '\n', n);
    if (nl && strlen(s) >= (size_t)(nl - s)) { /* no NUL inside the glob */
        *nl = '\0';
        const char *glob = s, *path = nl + 1;
        bool got = pathglob_match(glob, path);
        char err[128];
        if (pathglob_check(glob, err, sizeof err) == 0 && path[0] == '/') {
            memo_g0 = glob;
            memo_p0 = path;
            memset(memo, 0, sizeof memo);
            memset(seg_memo, 0, sizeof seg_memo);
            bool want = ref_match(glob + 1, path + 1);
            FUZZ_CHECK(got == want, "pathglob_match agrees with the reference");
        } else if (glob[0] == '/' && pathglob_check(glob, err, sizeof err) != 0) {
            fuzz_assert_text(err, "pathglob_check message");
        }
    }
    free(s);
    return 0;
}
