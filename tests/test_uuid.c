/* test_uuid.c - unit tests for UUIDv7 generation and UUID parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "lib/uuid.h"

/* Checks the 8-4-4-4-12 lowercase shape, version 7 and variant 10. */
static void assert_v7_shape(const char *s)
{
    assert_int_equal(strlen(s), UUID_STR_LEN);
    for (int i = 0; i < UUID_STR_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(s[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", s[i]));
    }
    assert_int_equal(s[14], '7');
    assert_non_null(strchr("89ab", s[19]));
}

static void test_v7_format(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        uuid_str_t u;
        uuid_v7(u);
        assert_v7_shape(u);
        assert_true(uuid_parse(u, NULL));
    }
}

static void test_v7_monotonic_unique(void **state)
{
    (void)state;
    uuid_str_t prev, cur;
    uuid_v7(prev);
    for (int i = 0; i < 20000; i++) {
        uuid_v7(cur);
        assert_true(strcmp(prev, cur) < 0);
        memcpy(prev, cur, sizeof(cur));
    }
}

static void test_v7_from_layout(void **state)
{
    (void)state;
    uint8_t rnd[16];
    memset(rnd, 0xff, sizeof(rnd));
    uuid_str_t u;
    uuid_v7_from(u, 0x0123456789abLL, rnd);
    assert_string_equal(u, "01234567-89ab-7fff-bfff-ffffffffffff");
    memset(rnd, 0, sizeof(rnd));
    uuid_v7_from(u, 0, rnd);
    assert_string_equal(u, "00000000-0000-7000-8000-000000000000");
    /* only the low 48 bits of the timestamp are used */
    uuid_v7_from(u, 0x10000000000000LL + 1, rnd);
    assert_string_equal(u, "00000000-0001-7000-8000-000000000000");
}

static void test_v7_from_orders_by_ms(void **state)
{
    (void)state;
    uint8_t hi[16], lo[16];
    memset(hi, 0xff, sizeof(hi));
    memset(lo, 0x00, sizeof(lo));
    uuid_str_t a, b;
    /* a later ms sorts after, whatever the random part */
    for (int64_t ms = 1710756000000LL; ms < 1710756000000LL + 300; ms++) {
        uuid_v7_from(a, ms, hi);
        uuid_v7_from(b, ms + 1, lo);
        assert_true(strcmp(a, b) < 0);
        assert_v7_shape(a);
    }
    /* the timestamp is readable back from the first 12 hex digits */
    uuid_v7_from(a, 1710756000123LL, lo);
    char hex[13];
    memcpy(hex, a, 8);
    memcpy(hex + 8, a + 9, 4);
    hex[12] = '\0';
    assert_int_equal(strtoll(hex, NULL, 16), 1710756000123LL);
}

static void test_parse_valid(void **state)
{
    (void)state;
    uuid_str_t out;
    assert_true(uuid_parse("0190c8b2-3f4e-7a1b-9c2d-0123456789ab", out));
    assert_string_equal(out, "0190c8b2-3f4e-7a1b-9c2d-0123456789ab");
    assert_true(uuid_parse("0190C8B2-3F4E-7A1B-9C2D-0123456789AB", out));
    assert_string_equal(out, "0190c8b2-3f4e-7a1b-9c2d-0123456789ab");
    /* any version is accepted, only the shape matters */
    assert_true(uuid_parse("00000000-0000-0000-0000-000000000000", NULL));
    /* in place */
    char buf[37] = "ABCDEF00-0000-4000-8000-00000000000F";
    assert_true(uuid_parse(buf, buf));
    assert_string_equal(buf, "abcdef00-0000-4000-8000-00000000000f");
}

static void test_parse_invalid(void **state)
{
    (void)state;
    uuid_str_t out;
    strcpy(out, "untouched");
    static const char *bad[] = {
        "",
        "0190c8b2-3f4e-7a1b-9c2d-0123456789a",     /* short */
        "0190c8b2-3f4e-7a1b-9c2d-0123456789abc",   /* long */
        "0190c8b2-3f4e-7a1b-9c2d-0123456789ab ",   /* trailing space */
        " 0190c8b2-3f4e-7a1b-9c2d-0123456789a",    /* leading space */
        "0190c8b23-f4e-7a1b-9c2d-0123456789ab",    /* dash moved */
        "0190c8b2-3f4e7-a1b-9c2d-0123456789ab",
        "0190c8b2-3f4e-7a1b-9c2d0-123456789ab",
        "0190c8b2_3f4e_7a1b_9c2d_0123456789ab",    /* wrong separators */
        "0190c8b2-3f4e-7a1b-9c2d-0123456789ag",    /* non-hex */
        "g190c8b2-3f4e-7a1b-9c2d-0123456789ab",
        "0190c8b2-3f4e-7a1b-9c2d-01234567-9ab",
        "0190c8b23f4e7a1b9c2d0123456789ab",        /* no dashes */
        "{0190c8b2-3f4e-7a1b-9c2d-0123456789ab}",
        "../../etc/passwd",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(uuid_parse(bad[i], out));
        assert_string_equal(out, "untouched");
    }
    assert_false(uuid_parse(NULL, out));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v7_format),
        cmocka_unit_test(test_v7_monotonic_unique),
        cmocka_unit_test(test_v7_from_layout),
        cmocka_unit_test(test_v7_from_orders_by_ms),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
