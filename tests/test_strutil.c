/* test_strutil.c - unit tests for lib/strutil.c: error formatting, quoting input, hex digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/strutil.h"

static void test_fail_formats_and_returns_minus_one(void **state)
{
    (void)state;
    char err[32] = "untouched";
    assert_int_equal(str_fail(err, sizeof err, "%s must be %d", "size", 5), -1);
    assert_string_equal(err, "size must be 5");
    assert_int_equal(str_fail(err, 4, "truncated message"), -1);
    assert_string_equal(err, "tru");
    assert_int_equal(str_fail(NULL, 0, "no buffer"), -1);
}

static void test_shown_cuts_on_utf8_boundary(void **state)
{
    (void)state;
    char out[STR_SHOWN_MAX + 4];
    char long_s[200];
    memset(long_s, 'a', 62);
    strcpy(long_s + 62, "\xc3\xa9\xc3\xa9xyz"); /* the cut falls inside a 2-byte character */
    str_shown(long_s, out, sizeof out);
    assert_int_equal(strlen(out), 62 + 2 + 3); /* cut before the second é, then "..." */
    assert_string_equal(out + 62, "\xc3\xa9...");
    assert_string_equal(str_shown("short", out, sizeof out), "short");
    memset(long_s, 'b', STR_SHOWN_MAX);
    long_s[STR_SHOWN_MAX] = '\0';
    assert_int_equal(strlen(str_shown(long_s, out, sizeof out)), STR_SHOWN_MAX); /* exactly the limit: no cut */
}

static void test_hexval(void **state)
{
    (void)state;
    assert_int_equal(str_hexval('0'), 0);
    assert_int_equal(str_hexval('9'), 9);
    assert_int_equal(str_hexval('a'), 10);
    assert_int_equal(str_hexval('F'), 15);
    assert_int_equal(str_hexval('g'), -1);
    assert_int_equal(str_hexval('/'), -1);
    assert_int_equal(str_hexval(0xC3), -1);
}

static void test_utf8_valid_and_sanitize(void **state)
{
    (void)state;
    assert_true(str_utf8_valid("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 17));
    assert_false(str_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(str_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(str_utf8_valid("\xf4\x9a\x80\x80", 4)); /* above U+10FFFF (found by the fuzzer) */
    assert_false(str_utf8_valid("\xe2\x82", 2));         /* truncated */
    char s[] = "ok \xff \xc3\xa9 \xf4\x9a\x80\x80 end";
    str_utf8_sanitize(s);
    assert_string_equal(s, "ok ? \xc3\xa9 ???? end");
    assert_true(str_utf8_valid(s, strlen(s)));
}

static void test_copy(void **state)
{
    (void)state;
    char d[5];
    assert_string_equal(str_copy(d, sizeof d, "abc"), "abc");
    assert_string_equal(str_copy(d, sizeof d, "abcdefg"), "abcd"); /* cut to fit, terminated */
    assert_string_equal(str_copy(d, sizeof d, ""), "");
    assert_string_equal(str_copy(d, sizeof d, NULL), "");
    assert_string_equal(str_copy(d, 1, "x"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_formats_and_returns_minus_one),
        cmocka_unit_test(test_shown_cuts_on_utf8_boundary),
        cmocka_unit_test(test_hexval),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_utf8_valid_and_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
