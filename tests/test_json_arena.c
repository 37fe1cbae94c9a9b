/* test_json_arena.c - unit tests for jansson allocating a parsed document from an arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "lib/json_arena.h"

static const char doc[] = "{\"title\":\"Intro call\",\"n\":3,\"f\":1.25,\"words\":["
                          "{\"w\":\"hello\",\"s\":0.5,\"e\":0.75},{\"w\":\"there\",\"s\":0.75,\"e\":1.0}]}";

/* Checks the parsed doc's values (the tree is intact). */
static void check_doc(const json_t *root)
{
    assert_true(json_is_object(root));
    assert_string_equal(json_string_value(json_object_get(root, "title")), "Intro call");
    assert_int_equal(json_integer_value(json_object_get(root, "n")), 3);
    assert_true(json_real_value(json_object_get(root, "f")) == 1.25);
    const json_t *w = json_array_get(json_object_get(root, "words"), 1);
    assert_string_equal(json_string_value(json_object_get(w, "w")), "there");
}

/* Runs first: before json_arena_install the arena is not touched, and the
 * tree is an ordinary malloc'd one. */
static void test_before_install_is_plain_json_loadb(void **state)
{
    (void)state;
    assert_false(json_arena_installed());
    arena_t a;
    arena_init(&a);
    json_error_t err;
    json_t *root = json_arena_loadb(&a, doc, strlen(doc), JSON_REJECT_DUPLICATES, &err);
    assert_non_null(root);
    check_doc(root);
    assert_null(a.head);
    const char *s = json_arena_dumps(&a, json_object_get(root, "words"), JSON_COMPACT);
    assert_string_equal(s, "[{\"w\":\"hello\",\"s\":0.5,\"e\":0.75},{\"w\":\"there\",\"s\":0.75,\"e\":1.0}]");
    assert_non_null(a.head); /* the copy is the arena's */
    json_decref(root);
    arena_free(&a);
}

static void test_install(void **state)
{
    (void)state;
    json_arena_install();
    json_arena_install(); /* idempotent */
    assert_true(json_arena_installed());
}

/* The document's nodes come from the arena; the tree reads the same, and
 * json_decref followed by arena_free releases everything (ASan/LSan check). */
static void test_parse_allocates_from_arena(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    json_error_t err;
    json_t *root = json_arena_loadb(&a, doc, strlen(doc), JSON_REJECT_DUPLICATES, &err);
    assert_non_null(root);
    assert_non_null(a.head);
    check_doc(root);
    json_decref(root);
    arena_free(&a);
}

/* Values added to an arena tree after the parse come from malloc (the parse is
 * over): growing the object's hashtable and adding strings, then the decref,
 * frees those and leaves the arena's to arena_free. A value created after the
 * parse lives on after arena_free. */
static void test_later_values_are_heap(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    json_error_t err;
    json_t *root = json_arena_loadb(&a, doc, strlen(doc), 0, &err);
    assert_non_null(root);
    for (int i = 0; i < 100; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(json_object_set_new(root, key, json_string(key)), 0);
    }
    json_t *outside = json_pack("{s:s}", "kept", "after the arena");
    check_doc(root);
    assert_string_equal(json_string_value(json_object_get(root, "k99")), "k99");
    assert_int_equal(json_object_del(root, "title"), 0); /* frees an arena string: a no-op */
    assert_int_equal(json_object_size(root), 103);
    json_decref(root);
    arena_free(&a);
    assert_string_equal(json_string_value(json_object_get(outside, "kept")), "after the arena");
    json_decref(outside);
}

/* json_arena_dumps after install: the string is the arena's (freed by
 * arena_free alone; free() on it would abort), and the same as json_dumps. */
static void test_dumps_into_arena(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    json_t *v = json_pack("{s:s,s:[i,f,b,n]}", "k", "v\u00e9\"", "a", 1, 0.5, 1);
    assert_non_null(v);
    assert_null(a.head);
    const char *s = json_arena_dumps(&a, v, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"a\":[1,0.5,true,null],\"k\":\"v\u00e9\\\"\"}");
    assert_non_null(a.head);
    json_t *x = json_string("x");
    assert_string_equal(json_arena_dumps(&a, x, JSON_ENCODE_ANY), "\"x\"");
    json_decref(x);
    json_decref(v);
    arena_free(&a);
}

/* A syntax error frees what the parse took (into the arena) and leaves this
 * thread's allocations on the heap again. */
static void test_error_resets(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    json_error_t err;
    json_t *bad = json_arena_loadb(&a, "{\"a\": [1, 2", 11, 0, &err);
    assert_null(bad);
    assert_non_null(strstr(err.text, "expected near end of file"));
    json_t *dup = json_arena_loadb(&a, "{\"a\":1,\"a\":2}", 13, JSON_REJECT_DUPLICATES, &err);
    assert_null(dup);
    assert_non_null(strstr(err.text, "duplicate"));
    json_t *after = json_string("heap");
    arena_free(&a);
    assert_string_equal(json_string_value(after), "heap");
    json_decref(after);
}

static void *parse_in_thread(void *arg)
{
    int *ok = arg;
    for (int i = 0; i < 200; i++) {
        arena_t a;
        arena_init(&a);
        json_error_t err;
        json_t *root = json_arena_loadb(&a, doc, strlen(doc), JSON_REJECT_DUPLICATES, &err);
        json_t *heap = json_integer(i);
        *ok &= root && a.head && json_integer_value(json_object_get(root, "n")) == 3;
        json_decref(root);
        arena_free(&a);
        *ok &= json_integer_value(heap) == i;
        json_decref(heap);
    }
    return NULL;
}

/* The arena is per thread: two threads parsing at once each use their own. */
static void test_threads(void **state)
{
    (void)state;
    pthread_t t[2];
    int ok[2] = {1, 1};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, parse_in_thread, &ok[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_true(ok[0] && ok[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_install_is_plain_json_loadb),
        cmocka_unit_test(test_install),
        cmocka_unit_test(test_parse_allocates_from_arena),
        cmocka_unit_test(test_later_values_are_heap),
        cmocka_unit_test(test_dumps_into_arena),
        cmocka_unit_test(test_error_resets),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
