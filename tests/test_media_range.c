/* test_media_range.c - unit tests for the Range header of media downloads (RFC 9110 §14.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "media/range.h"

static void ok(const char *h, int64_t size, int64_t off, int64_t len)
{
    int64_t o = -1, l = -1;
    assert_int_equal(media_range_parse(h, size, &o, &l), MEDIA_RANGE_OK);
    assert_int_equal(o, off);
    assert_int_equal(l, len);
}

static void is(const char *h, int64_t size, media_range_rc_t want)
{
    int64_t o = -1, l = -1;
    assert_int_equal(media_range_parse(h, size, &o, &l), want);
}

static void test_satisfiable(void **state)
{
    (void)state;
    ok("bytes=0-0", 100, 0, 1);            /* first byte */
    ok("bytes=99-99", 100, 99, 1);         /* last byte */
    ok("bytes=10-19", 100, 10, 10);        /* middle */
    ok("bytes=-1", 100, 99, 1);            /* suffix */
    ok("bytes=-100", 100, 0, 100);
    ok("bytes=-1000", 100, 0, 100);        /* longer than the object: all of it */
    ok("bytes=50-", 100, 50, 50);          /* open end */
    ok("bytes=50-1000", 100, 50, 50);      /* past the end: cut */
    ok("bytes=0-99999999999999999999999", 100, 0, 100); /* saturates */
    ok("BYTES=1-2", 100, 1, 2);            /* the unit is case-insensitive */
    ok(" bytes = 1-2 ", 100, 1, 2);
    ok("bytes=0-", 1, 0, 1);
}

static void test_unsatisfiable(void **state)
{
    (void)state;
    is("bytes=100-", 100, MEDIA_RANGE_UNSATISFIABLE);
    is("bytes=100-200", 100, MEDIA_RANGE_UNSATISFIABLE);
    is("bytes=99999999999999999999999-", 100, MEDIA_RANGE_UNSATISFIABLE);
    is("bytes=-0", 100, MEDIA_RANGE_UNSATISFIABLE);
    is("bytes=0-", 0, MEDIA_RANGE_UNSATISFIABLE);  /* nothing to send */
    is("bytes=0-0", 0, MEDIA_RANGE_UNSATISFIABLE);
}

static void test_ignored(void **state)
{
    (void)state;
    static const char *const none[] = {
        NULL, "", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=1-a", "bytes=5-3", "items=0-1",
        "bytes=0-1,3-4", "bytes=0-1, 3-4", "bytes=--1", "bytes=1--2", "bytes=0x1-2", "bytes=1 2-3", "bytes 0-1",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        is(none[i], 100, MEDIA_RANGE_NONE);
    is("bytes=-5", 0, MEDIA_RANGE_NONE); /* a suffix of an empty object: a 206 cannot say it */
    char longer[MEDIA_RANGE_HEADER_MAX + 20];
    for (size_t i = 0; i < sizeof longer - 1; i++)
        longer[i] = ' ';
    longer[sizeof longer - 1] = '\0';
    longer[0] = 'b';
    is(longer, 100, MEDIA_RANGE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_satisfiable),
        cmocka_unit_test(test_unsatisfiable),
        cmocka_unit_test(test_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
