/* test_problem.c - unit tests for problem+json replies: details quoting client bytes stay valid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/problem.h"

/* Sends a 400 whose detail quotes raw, and returns the decoded detail (caller: json_decref *root). */
static const char *detail_of(const char *raw, json_t **root)
{
    req_t r;
    memset(&r, 0, sizeof r);
    arena_init(&r.arena);
    buf_init(&r.out);
    problem_send(&r, 400, "invalid_query", "got \"%s\"", raw);
    assert_int_equal(r.status, 400);
    json_error_t e;
    *root = json_loadb(r.out.data, r.out.len, JSON_REJECT_DUPLICATES, &e);
    if (!*root)
        fail_msg("problem body for %s is not valid JSON: %s: %s", raw, e.text, r.out.data);
    buf_free(&r.out);
    arena_free(&r.arena);
    json_t *d = json_object_get(*root, "detail");
    assert_non_null(d);
    return json_string_value(d);
}

/* Ill-formed UTF-8 becomes '?' per byte; well-formed sequences pass unchanged. */
static void test_utf8_sanitized(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } cases[] = {
        {"caf\xc3\xa9", "got \"caf\xc3\xa9\""},                /* é */
        {"\xf0\x9f\x98\x80", "got \"\xf0\x9f\x98\x80\""},       /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", "got \"\xf4\x8f\xbf\xbf\""},       /* U+10FFFF, the last code point */
        {"\xf4\x9a\xab\xae", "got \"????\""},                   /* above U+10FFFF (fuzz regression) */
        {"\xf4\xf4\xf4\xf4\x9a\xab\xae", "got \"???????\""},
        {"\xc0\xaf", "got \"??\""},                             /* overlong '/' */
        {"\xe0\x80\xaf", "got \"???\""},                        /* overlong 3-byte */
        {"\xf0\x80\x80\xaf", "got \"????\""},                   /* overlong 4-byte */
        {"\xed\xa0\x80", "got \"???\""},                        /* UTF-16 surrogate */
        {"\xf5\x80\x80\x80", "got \"????\""},
        {"a\xff" "b\xc3", "got \"a?b?\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *root;
        const char *d = detail_of(cases[i].in, &root);
        assert_string_equal(d, cases[i].want);
        json_decref(root);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_sanitized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
