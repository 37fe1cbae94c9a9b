/* test_buf.c - unit tests for the growable byte buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"

static void test_empty(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    size_t len = 99;
    assert_null(buf_detach(&b, &len));
    assert_int_equal(len, 0);
    buf_free(&b);
    buf_free(&b); /* idempotent */
    assert_null(b.data);
}

static void test_append_and_terminate(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    assert_int_equal(buf_puts(&b, "hello"), 0);
    assert_int_equal(buf_putc(&b, ' '), 0);
    assert_int_equal(buf_append(&b, "world!!", 5), 0);
    assert_int_equal(b.len, 11);
    assert_string_equal(b.data, "hello world");
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_string_equal(b.data, "hello world");
    buf_free(&b);
}

static void test_growth(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[10000], '\0');
    assert_int_equal(b.data[9999], 'a' + 9999 % 26);
    assert_int_equal(strlen(b.data), 10000);
    buf_free(&b);
}

static void test_printf(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.data, "42-x");
    /* longer than the spare capacity: forces the second format pass */
    char big[1000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, 4 + 2 + 999);
    assert_int_equal(b.data[4], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(strlen(b.data), b.len);
    buf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_puts(&b, "some text");
    char *p = b.data;
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, p);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.data, "");
    buf_puts(&b, "ab");
    assert_string_equal(b.data, "ab");
    buf_free(&b);
}

static void test_detach(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_puts(&b, "owned");
    size_t len = 0;
    char *s = buf_detach(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "owned");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
    /* empty-but-allocated buffer detaches to NULL and is freed */
    buf_puts(&b, "x");
    buf_reset(&b);
    assert_null(buf_detach(&b, NULL));
    assert_null(b.data);
}

static void test_oom_is_sticky(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_puts(&b, "abc");
    assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), -1);
    assert_true(b.oom);
    assert_int_equal(buf_puts(&b, "more"), -1);
    assert_int_equal(buf_putc(&b, 'x'), -1);
    assert_int_equal(buf_printf(&b, "%d", 1), -1);
    assert_string_equal(b.data, "abc"); /* old content intact */
    assert_null(buf_detach(&b, NULL));  /* oom: NULL, memory freed */
    assert_null(b.data);
    assert_false(b.oom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_append_and_terminate),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_oom_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
