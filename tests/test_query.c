/* test_query.c - unit tests for query-string decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/arena.h"
#include "lib/query.h"

static int ar_setup(void **state)
{
    static arena_t a;
    arena_init(&a);
    *state = &a;
    return 0;
}

static int ar_teardown(void **state)
{
    arena_free(*state);
    return 0;
}

/* Parses s (which must succeed) into q. */
static void parse(arena_t *a, const char *s, query_t *q)
{
    const char *why = NULL;
    if (query_parse(a, s, strlen(s), q, &why) != 0)
        fail_msg("parse failed for '%s': %s", s, why);
}

static void test_unescape(void **state)
{
    arena_t *a = *state;
    assert_string_equal(query_unescape(a, "a+b%20c", 7, true), "a b c");
    assert_string_equal(query_unescape(a, "a+b%20c", 7, false), "a+b c");
    assert_string_equal(query_unescape(a, "%5B%5d%2B", 9, true), "[]+");
    assert_string_equal(query_unescape(a, "%C3%A9", 6, true), "\xc3\xa9");
    assert_string_equal(query_unescape(a, "", 0, true), "");
    assert_null(query_unescape(a, "abc%41", 4, true)); /* escape cut by n */
    /* only n bytes are read */
    assert_string_equal(query_unescape(a, "abcdef", 3, true), "abc");
    assert_null(query_unescape(a, "%zz", 3, true));
    assert_null(query_unescape(a, "%4", 2, true));
    assert_null(query_unescape(a, "%", 1, true));
    assert_null(query_unescape(a, "ab%4g", 5, true));
    assert_null(query_unescape(a, "%00", 3, true));
    assert_null(query_unescape(a, "a\0b", 3, true));
    assert_null(query_unescape(a, "%41%", 4, true));
    assert_null(query_unescape(a, NULL, 0, true));
}

static void test_parse_basic(void **state)
{
    arena_t *a = *state;
    query_t q;
    parse(a, "a=1&b=two+words&c=%26%3D&d", &q);
    assert_int_equal(q.n, 4);
    assert_string_equal(query_get(&q, "a"), "1");
    assert_string_equal(query_get(&q, "b"), "two words");
    assert_string_equal(query_get(&q, "c"), "&=");
    assert_string_equal(query_get(&q, "d"), "");
    assert_true(query_has(&q, "d"));
    assert_false(query_has(&q, "e"));
    assert_null(query_get(&q, "e"));
}

static void test_parse_empty_segments(void **state)
{
    arena_t *a = *state;
    query_t q;
    parse(a, "&&a=1&&&b=&", &q);
    assert_int_equal(q.n, 2);
    assert_string_equal(query_get(&q, "a"), "1");
    assert_string_equal(query_get(&q, "b"), "");
    parse(a, "", &q);
    assert_int_equal(q.n, 0);
    parse(a, "&", &q);
    assert_int_equal(q.n, 0);
    parse(a, "=x", &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(query_get(&q, ""), "x");
    /* '=' inside the value is kept */
    parse(a, "k=a=b", &q);
    assert_string_equal(query_get(&q, "k"), "a=b");
}

static void test_brackets(void **state)
{
    arena_t *a = *state;
    query_t q;
    parse(a, "filter%5Btitle%5D=x&filter[owner.id]=u1&conversationUUIDs[]=a"
             "&conversationUUIDs%5B%5D=b&ids[][]=z&[]=e", &q);
    assert_string_equal(query_get(&q, "filter[title]"), "x");
    assert_string_equal(query_get(&q, "filter[owner.id]"), "u1");
    size_t n = 0;
    const char **v = query_get_all(a, &q, "conversationUUIDs", &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "b");
    assert_false(query_has(&q, "conversationUUIDs[]"));
    /* only one trailing [] is removed */
    assert_string_equal(query_get(&q, "ids[]"), "z");
    assert_string_equal(query_get(&q, ""), "e");
}

static void test_get_all(void **state)
{
    arena_t *a = *state;
    query_t q;
    parse(a, "filter[owner.id]=a,b&x=1&filter[owner.id]=c&filter[owner.id]=,,d,&"
             "filter[owner.id]=", &q);
    size_t n = 99;
    const char **v = query_get_all(a, &q, "filter[owner.id]", &n);
    assert_int_equal(n, 4);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "b");
    assert_string_equal(v[2], "c");
    assert_string_equal(v[3], "d");
    /* first value of a repeated key */
    assert_string_equal(query_get(&q, "filter[owner.id]"), "a,b");
    n = 99;
    assert_null(query_get_all(a, &q, "missing", &n));
    assert_int_equal(n, 0);
    parse(a, "k=&k=,", &q);
    n = 99;
    assert_null(query_get_all(a, &q, "k", &n));
    assert_int_equal(n, 0);
    /* an escaped comma is still a separator after decoding */
    parse(a, "k=a%2Cb", &q);
    v = query_get_all(a, &q, "k", &n);
    assert_int_equal(n, 2);
}

static void test_parse_errors(void **state)
{
    arena_t *a = *state;
    static const char *bad[] = {"a=%zz", "a=%4", "a=%", "%GG=1", "a=1&b=%00", "a%00=1", "x=%e"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        query_t q = {(query_pair_t *)1, 77};
        const char *why = NULL;
        if (query_parse(a, bad[i], strlen(bad[i]), &q, &why) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_non_null(why);
        assert_int_equal(q.n, 0);
    }
    const char *why = NULL;
    query_t q;
    assert_int_equal(query_parse(a, "a=b\0c", 5, &q, &why), -1);
    assert_non_null(strstr(why, "NUL"));
    assert_int_equal(query_parse(a, "a=%zz", 5, &q, &why), -1);
    assert_non_null(strstr(why, "escape"));
    /* why may be NULL */
    assert_int_equal(query_parse(a, "a=%zz", 5, &q, NULL), -1);
}

static void test_parse_respects_length(void **state)
{
    arena_t *a = *state;
    query_t q;
    const char *why = NULL;
    assert_int_equal(query_parse(a, "a=1&b=2", 3, &q, &why), 0);
    assert_int_equal(q.n, 1);
    assert_string_equal(query_get(&q, "a"), "1");
}

static void test_bool(void **state)
{
    arena_t *a = *state;
    query_t q;
    parse(a, "a=true&b=FALSE&c=1&d=0&e=TrUe&f=yes&g=&h=2&i=true1", &q);
    bool v = false;
    assert_int_equal(query_get_bool(&q, "a", &v), 0);
    assert_true(v);
    assert_int_equal(query_get_bool(&q, "b", &v), 0);
    assert_false(v);
    assert_int_equal(query_get_bool(&q, "c", &v), 0);
    assert_true(v);
    assert_int_equal(query_get_bool(&q, "d", &v), 0);
    assert_false(v);
    assert_int_equal(query_get_bool(&q, "e", &v), 0);
    assert_true(v);
    v = false;
    assert_int_equal(query_get_bool(&q, "f", &v), -1);
    assert_int_equal(query_get_bool(&q, "g", &v), -1);
    assert_int_equal(query_get_bool(&q, "h", &v), -1);
    assert_int_equal(query_get_bool(&q, "i", &v), -1);
    assert_int_equal(query_get_bool(&q, "zz", &v), 1);
    assert_false(v);
}

static void test_int(void **state)
{
    arena_t *a = *state;
    query_t q;
    parse(a, "a=100&b=0&c=-5&d=1001&e=abc&f=&g=10x&h=+5&i=%205&j=99999999999999999999999"
             "&k=-&l=007&m=0x10&n=1.5", &q);
    long long v = -1;
    assert_int_equal(query_get_int(&q, "a", 1, 1000, &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(query_get_int(&q, "b", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(query_get_int(&q, "b", 1, 10, &v), -1);
    assert_int_equal(query_get_int(&q, "c", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(query_get_int(&q, "c", 0, 10, &v), -1);
    assert_int_equal(query_get_int(&q, "d", 1, 1000, &v), -1);
    assert_int_equal(query_get_int(&q, "l", 0, 10, &v), 0);
    assert_int_equal(v, 7);
    v = 123;
    const char *bad[] = {"e", "f", "g", "h", "i", "j", "k", "m", "n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (query_get_int(&q, bad[i], LLONG_MIN, LLONG_MAX, &v) != -1)
            fail_msg("accepted %s=%s", bad[i], query_get(&q, bad[i]));
    }
    assert_int_equal(v, 123);
    assert_int_equal(query_get_int(&q, "absent", 0, 10, &v), 1);
    assert_int_equal(v, 123);
}

static void test_garbage_bytes(void **state)
{
    arena_t *a = *state;
    /* deterministic pseudo-random bytes must never crash */
    unsigned x = 12345;
    char s[64];
    for (int round = 0; round < 5000; round++) {
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            static const char alpha[] = "a=&%+[],0F\x01\xff";
            s[i] = alpha[(x >> 16) % (sizeof(alpha) - 1)];
        }
        query_t q;
        const char *why = NULL;
        if (query_parse(a, s, n, &q, &why) == 0) {
            for (size_t i = 0; i < q.n; i++) {
                assert_non_null(q.pairs[i].key);
                assert_non_null(q.pairs[i].value);
                size_t m;
                query_get_all(a, &q, q.pairs[i].key, &m);
            }
        } else {
            assert_non_null(why);
        }
    }
}

/* Decoded keys and values must be well-formed UTF-8 (issue 6: invalid UTF-8 in a query is a 400). */
static void test_invalid_utf8(void **state)
{
    arena_t *a = *state;
    static const char *bad[] = {"a=%ff", "a=\xff", "%C0%AF=1", "t=%ED%A0%80", "t=%F4%90%80%80", "t=%E2%82", "x=1&y=%fe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        query_t q;
        const char *why = NULL;
        assert_int_equal(query_parse(a, bad[i], strlen(bad[i]), &q, &why), -1);
        assert_non_null(strstr(why, "UTF-8"));
        assert_int_equal(q.n, 0);
    }
    assert_null(query_unescape(a, "%ff", 3, false));
    query_t q;
    parse(a, "t=%E2%82%AC&u=%F0%9F%98%80&v=\xc3\xa9", &q);
    assert_string_equal(query_get(&q, "t"), "\xe2\x82\xac");
    assert_string_equal(query_get(&q, "u"), "\xf0\x9f\x98\x80");
    assert_string_equal(query_get(&q, "v"), "\xc3\xa9");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, ar_setup, ar_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_unescape), T(test_parse_basic), T(test_parse_empty_segments), T(test_brackets),
        T(test_get_all),  T(test_parse_errors), T(test_parse_respects_length), T(test_bool),
        T(test_int),      T(test_garbage_bytes), T(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
