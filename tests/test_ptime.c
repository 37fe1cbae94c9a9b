/* test_ptime.c - unit tests for RFC 3339 parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/ptime.h"

static int64_t parse_ok(const char *s)
{
    int64_t t = -12345;
    assert_int_equal(ptime_parse(s, &t), 0);
    return t;
}

static void test_format(void **state)
{
    (void)state;
    char out[PTIME_STR_LEN + 1];
    ptime_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    ptime_format(1710756000, out);
    assert_string_equal(out, "2024-03-18T10:00:00Z");
    ptime_format(951782400, out); /* leap day 2000 */
    assert_string_equal(out, "2000-02-29T00:00:00Z");
    ptime_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    ptime_format(253402300799LL, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    ptime_format(-62167219200LL, out);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    ptime_format(INT64_MAX, out); /* clamped */
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    ptime_format(INT64_MIN, out);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
}

static void test_parse_basic(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-03-18T10:00:00Z"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18t10:00:00z"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18 10:00:00Z"), 1710756000);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(parse_ok("2024-03-18"), 1710720000);
    assert_int_equal(parse_ok("0000-01-01T00:00:00Z"), -62167219200LL);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799LL);
}

static void test_parse_fraction(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-03-18T10:00:00.999Z"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18T10:00:00.1Z"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18T10:00:00.123456789+00:00"), 1710756000);
}

static void test_parse_offsets(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-03-18T15:30:00+05:30"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18T02:00:00-08:00"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18T10:00:00+00:00"), 1710756000);
    assert_int_equal(parse_ok("2024-03-18T10:00:00-00:00"), 1710756000);
    /* offset crossing midnight and a year boundary */
    assert_int_equal(parse_ok("2024-01-01T01:00:00+02:00"), parse_ok("2023-12-31T23:00:00Z"));
    assert_int_equal(parse_ok("2023-12-31T20:00:00.5-05:00"), parse_ok("2024-01-01T01:00:00Z"));
}

static void test_leap_years(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(ptime_parse("2024-02-29T00:00:00Z", &t), 0);
    assert_int_equal(ptime_parse("2000-02-29", &t), 0);
    assert_int_equal(ptime_parse("2023-02-29T00:00:00Z", &t), -1);
    assert_int_equal(ptime_parse("1900-02-29T00:00:00Z", &t), -1);
    assert_int_equal(ptime_parse("2100-02-29", &t), -1);
    assert_int_equal(parse_ok("2024-03-01") - parse_ok("2024-02-28"), 2 * 86400);
    assert_int_equal(parse_ok("2023-03-01") - parse_ok("2023-02-28"), 86400);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "2024",
        "2024-03",
        "2024-13-01T00:00:00Z",
        "2024-00-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-04-31T00:00:00Z",
        "2024-03-00T00:00:00Z",
        "2024-03-18T24:00:00Z",
        "2024-03-18T10:60:00Z",
        "2024-03-18T10:00:60Z",
        "2024-03-18T10:00:00",       /* no zone */
        "2024-03-18T10:00Z",         /* no seconds */
        "2024-03-18T10:00:00.Z",     /* empty fraction */
        "2024-03-18T10:00:00+0530",  /* offset without colon */
        "2024-03-18T10:00:00+05",
        "2024-03-18T10:00:00+24:00",
        "2024-03-18T10:00:00+05:60",
        "2024-03-18T10:00:00ZZ",
        "2024-03-18T10:00:00Z ",
        " 2024-03-18T10:00:00Z",
        "2024-03-18X10:00:00Z",
        "24-03-18T10:00:00Z",
        "+2024-03-18T10:00:00Z",
        "2024-3-18T10:00:00Z",
        "2024-03-18T1:00:00Z",
        "2024/03/18",
        "2024-03-18T",
        "2024-03-18 ",
        "abcd-ef-ghTij:kl:mnZ",
        "1710756000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t t = 42;
        if (ptime_parse(bad[i], &t) != -1)
            fail_msg("accepted: '%s'", bad[i]);
        assert_int_equal(t, 42);
    }
    int64_t t = 42;
    assert_int_equal(ptime_parse(NULL, &t), -1);
}

static void test_round_trip(void **state)
{
    (void)state;
    char out[PTIME_STR_LEN + 1];
    /* every ~17 days over four centuries, plus odd seconds */
    for (int64_t t = -2208988800LL; t < 4102444800LL; t += 1471331) {
        ptime_format(t, out);
        assert_int_equal(strlen(out), PTIME_STR_LEN);
        assert_int_equal(parse_ok(out), t);
    }
}

static void test_now(void **state)
{
    (void)state;
    int64_t s = ptime_now();
    int64_t ms = ptime_now_ms();
    assert_true(s > 1700000000);
    assert_true(ms / 1000 - s <= 1 && ms / 1000 - s >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),       cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_fraction), cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_leap_years),   cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
