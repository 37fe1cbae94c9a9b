/* test_arena.c - unit tests for the bump allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/arena.h"

static void test_alloc_aligned(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    for (size_t n = 0; n < 50; n++) {
        unsigned char *p = arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        memset(p, 0xab, n);
    }
    arena_free(&a);
    assert_null(a.head);
    arena_free(&a); /* idempotent */
}

static void test_distinct_and_intact(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    char *ptrs[2000];
    for (int i = 0; i < 2000; i++) {
        ptrs[i] = arena_printf(&a, "item-%d", i);
        assert_non_null(ptrs[i]);
    }
    for (int i = 0; i < 2000; i++) {
        char want[32];
        snprintf(want, sizeof(want), "item-%d", i);
        assert_string_equal(ptrs[i], want);
    }
    arena_free(&a);
}

static void test_large_blocks(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    char *small1 = arena_strdup(&a, "small");
    char *big = arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 'x', 100000);
    char *small2 = arena_strdup(&a, "after");
    assert_string_equal(small1, "small");
    assert_string_equal(small2, "after");
    /* the small allocations still share a block: the big one went aside */
    assert_true(small2 > small1 && small2 - small1 < 4096);
    assert_int_equal(big[99999], 'x');
    arena_free(&a);
}

static void test_strdup(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    assert_null(arena_strdup(&a, NULL));
    assert_null(arena_strndup(&a, NULL, 3));
    char *s = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    char *e = arena_strdup(&a, "");
    assert_non_null(e);
    assert_string_equal(e, "");
    char src[] = "mutable";
    char *c = arena_strdup(&a, src);
    src[0] = 'X';
    assert_string_equal(c, "mutable");
    assert_null(arena_alloc(&a, SIZE_MAX - 4));
    assert_null(arena_strndup(&a, "x", SIZE_MAX));
    arena_free(&a);
}

static void test_printf_long(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    char big[6000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char *s = arena_printf(&a, "<%s>%d", big, 7);
    assert_non_null(s);
    assert_int_equal(strlen(s), 5999 + 3);
    assert_int_equal(s[0], '<');
    assert_string_equal(s + 6000, ">7");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned),
        cmocka_unit_test(test_distinct_and_intact),
        cmocka_unit_test(test_large_blocks),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_printf_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
