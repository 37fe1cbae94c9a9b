/* test_pathglob.c - unit tests for URL path globs, including a comparison with a recursive reference matcher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/pathglob.h"

static void test_examples(void **state)
{
    (void)state;
    assert_true(pathglob_match("/v2/conversations", "/v2/conversations"));
    assert_false(pathglob_match("/v2/conversations", "/v2/conversations/"));
    assert_true(pathglob_match("/v2/conversations/*", "/v2/conversations/abc"));
    assert_false(pathglob_match("/v2/conversations/*", "/v2/conversations/abc/title"));
    assert_true(pathglob_match("/v2/conversations/*", "/v2/conversations/")); /* * matches an empty segment */
    assert_true(pathglob_match("/v2/**", "/v2/conversations/abc/title"));
    assert_true(pathglob_match("/v2/**", "/v2"));
    assert_true(pathglob_match("/**", "/anything/at/all"));
    assert_true(pathglob_match("/**/title", "/v2/conversations/x/title"));
    assert_false(pathglob_match("/**/title", "/v2/conversations/x/labels"));
    assert_true(pathglob_match("/v2/**/title", "/v2/title"));
    assert_true(pathglob_match("/v2/conv*", "/v2/conversations"));
    assert_true(pathglob_match("/v2/*s", "/v2/conversations"));
    assert_false(pathglob_match("/v2/*s", "/v2/users/x"));
    assert_true(pathglob_match("/v2/**/x/**/y", "/v2/a/x/b/c/y"));
    assert_false(pathglob_match("/v2/**/x/**/y", "/v2/a/x/b/c/z"));
    assert_true(pathglob_match("/a*b*c", "/abbbc"));
    assert_false(pathglob_match("/a*b*c", "/abbbd"));
    assert_false(pathglob_match("/v2", "v2"));
}

static void test_check(void **state)
{
    (void)state;
    char err[128];
    assert_int_equal(pathglob_check("/v2/**", err, sizeof err), 0);
    assert_int_equal(pathglob_check("/v2/conversations/*/title", err, sizeof err), 0);
    assert_int_equal(pathglob_check("/", err, sizeof err), 0);
    assert_int_equal(pathglob_check("v2/x", err, sizeof err), -1);
    assert_non_null(strstr(err, "start"));
    assert_int_equal(pathglob_check("", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2//x", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2/a**", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2/**a", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2?x=1", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2#x", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2/a b", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2/\x01", err, sizeof err), -1);
    assert_int_equal(pathglob_check("/v2/\xff", err, sizeof err), -1);
    char big[PATHGLOB_MAX + 10];
    memset(big, 'a', sizeof big);
    big[0] = '/';
    big[sizeof big - 1] = '\0';
    assert_int_equal(pathglob_check(big, err, sizeof err), -1);
}

/* Reference: the obvious exponential recursion over segments and characters. */
static int ref_seg(const char *g, size_t gn, const char *p, size_t pn)
{
    if (gn == 0)
        return pn == 0;
    if (g[0] == '*') {
        for (size_t k = 0; k <= pn; k++)
            if (ref_seg(g + 1, gn - 1, p + k, pn - k))
                return 1;
        return 0;
    }
    return pn > 0 && g[0] == p[0] && ref_seg(g + 1, gn - 1, p + 1, pn - 1);
}

static int ref_split(const char *s, const char **segs, size_t *lens)
{
    int n = 0;
    const char *p = s + 1;
    for (;;) {
        const char *e = strchr(p, '/');
        segs[n] = p;
        lens[n] = e ? (size_t)(e - p) : strlen(p);
        n++;
        if (!e)
            return n;
        p = e + 1;
    }
}

static int ref_match(const char **gs, const size_t *gl, int gn, const char **ps, const size_t *pl, int pn)
{
    if (gn == 0)
        return pn == 0;
    if (gl[0] == 2 && gs[0][0] == '*' && gs[0][1] == '*') {
        for (int k = 0; k <= pn; k++)
            if (ref_match(gs + 1, gl + 1, gn - 1, ps + k, pl + k, pn - k))
                return 1;
        return 0;
    }
    return pn > 0 && ref_seg(gs[0], gl[0], ps[0], pl[0]) && ref_match(gs + 1, gl + 1, gn - 1, ps + 1, pl + 1, pn - 1);
}

/* Random globs and paths over a tiny alphabet, so matches are frequent. */
static void test_against_reference(void **state)
{
    (void)state;
    static const char *gparts[] = {"a", "b", "*", "**", "a*", "*b", "ab", ""};
    static const char *pparts[] = {"a", "b", "ab", "ba", "", "aab"};
    srand(12345);
    char err[64];
    for (int it = 0; it < 200000; it++) {
        char g[128] = "", p[128] = "";
        int gn = 1 + rand() % 5, pn = 1 + rand() % 6;
        for (int i = 0; i < gn; i++) {
            strcat(g, "/");
            strcat(g, gparts[rand() % 8]);
        }
        for (int i = 0; i < pn; i++) {
            strcat(p, "/");
            strcat(p, pparts[rand() % 6]);
        }
        if (pathglob_check(g, err, sizeof err) != 0)
            continue; /* "//": not a glob the API accepts */
        const char *gs[8], *ps[8];
        size_t gl[8], pl[8];
        int gc = ref_split(g, gs, gl), pc = ref_split(p, ps, pl);
        int want = ref_match(gs, gl, gc, ps, pl, pc);
        if (want != (int)pathglob_match(g, p))
            fail_msg("glob %s path %s: reference says %d", g, p, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
