/* test_jparse.c - unit tests for jparse: what it accepts equals jansson's tree, what it refuses goes to jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/jparse.h"
#include "lib/json_arena.h"

#define RD JSON_REJECT_DUPLICATES
#define DA JSON_DECODE_ANY
/* a string literal and its length, NULs inside included */
#define LIT(s) s, sizeof s - 1

/* Asserts that jparse accepts s[0..n) under flags with jansson's exact tree. */
static void accepts_n(const char *s, size_t n, size_t flags)
{
    json_error_t e;
    json_t *want = json_loadb(s, n, flags, &e); /* owner: this function */
    if (!want)
        fail_msg("jansson refuses %.80s: %s", s, e.text);
    json_t *got = jparse_loadb(s, n, flags); /* owner: this function */
    if (!got)
        fail_msg("jparse refuses what jansson accepts: %.80s (flags %zu)", s, flags);
    if (!jparse_same_tree(got, want))
        fail_msg("jparse's tree differs from jansson's: %.80s", s);
    json_decref(got);
    json_decref(want);
}

static void accepts(const char *s, size_t flags)
{
    accepts_n(s, strlen(s), flags);
}

/* Asserts that jparse refuses s[0..n), that jansson refuses it too, and that
 * json_arena_loadb then reports jansson's own error. */
static void refuses_n(const char *s, size_t n, size_t flags)
{
    json_t *got = jparse_loadb(s, n, flags);
    if (got)
        fail_msg("jparse accepts %.80s", s);
    json_error_t e1, e2;
    json_t *want = json_loadb(s, n, flags, &e1);
    if (want)
        fail_msg("jansson accepts %.80s", s);
    arena_t a;
    arena_init(&a);
    json_t *v = json_arena_loadb(&a, s, n, flags, &e2);
    assert_null(v);
    assert_string_equal(e1.text, e2.text);
    assert_string_equal(e1.source, e2.source);
    assert_int_equal(e1.line, e2.line);
    assert_int_equal(e1.column, e2.column);
    assert_int_equal(e1.position, e2.position);
    arena_free(&a);
}

static void refuses(const char *s, size_t flags)
{
    refuses_n(s, strlen(s), flags);
}

/* Asserts that jparse refuses s but jansson accepts it: the fall-back path,
 * through which json_arena_loadb still returns jansson's tree. */
static void falls_back_n(const char *s, size_t n, size_t flags)
{
    assert_null(jparse_loadb(s, n, flags));
    json_t *want = json_loadb(s, n, flags, NULL);
    assert_non_null(want);
    arena_t a;
    arena_init(&a);
    json_t *got = json_arena_loadb(&a, s, n, flags, NULL);
    assert_non_null(got);
    assert_true(jparse_same_tree(got, want));
    json_decref(got);
    json_decref(want);
    arena_free(&a);
}

static void falls_back(const char *s, size_t flags)
{
    falls_back_n(s, strlen(s), flags);
}

static void test_documents(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{}",
        "[]",
        " \t\r\n{ \t\r\n} \t\r\n",
        "[1, 2.5, -3, \"x\", true, false, null, {}, []]",
        "{\"a\":1,\"b\":[{\"c\":{\"d\":[[],[[]],{}]}}],\"e\":\"f\"}",
        "{\"z\":1,\"a\":2,\"m\":3,\"b\":4}",
        "{ \"a\" : [ 1 , { \"b\" : null } ] , \"c\" : \"\" }",
        "[\"\",\"a\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
        "{\"k\\u00e9y\\n\":\"v\\u00E9\",\"\\\"\":\"\\\\\"}",
        "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80\"]",
        "[\"\\ud83d\\ude00\",\"\\uD800\\uDC00\",\"\\udbff\\udfff\",\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"]",
        "[\"\x7f\"]",
        ("{\"transcript\":{\"v2\":{\"final\":[{\"speaker\":\"A\",\"words\":[{\"text\":\"hi\",\"startTimestamp\":0.0,"
         "\"endTimestamp\":0.4}]}]}}}"),
        "[\"a string long enough to take the sixteen-byte scan more than once, with an escape at the end\\n\"]",
    };
    const size_t flags[] = {0, RD, DA, RD | DA};
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        for (size_t f = 0; f < 4; f++)
            accepts(docs[i], flags[f]);
}

static void test_key_order_and_duplicates(void **state)
{
    (void)state;
    accepts("{\"b\":1,\"a\":2,\"b\":3}", 0); /* last value wins, in the first one's place */
    const char *dup = "{\"b\":1,\"a\":2,\"b\":{\"x\":[1]}}";
    json_t *v = jparse_loadb(dup, strlen(dup), 0);
    assert_non_null(v);
    void *it = json_object_iter(v);
    assert_string_equal(json_object_iter_key(it), "b");
    assert_true(json_is_object(json_object_iter_value(it)));
    assert_string_equal(json_object_iter_key(json_object_iter_next(v, it)), "a");
    json_decref(v);
    accepts("{\"a\":{\"a\":{\"a\":1}}}", RD);   /* the same name at different levels is no duplicate */
    accepts("[{\"a\":1},{\"a\":2}]", RD);
    refuses("{\"b\":1,\"a\":2,\"b\":3}", RD);
    refuses("{\"b\":[],\"b\":[1,2]}", RD);
    refuses("{\"x\":{\"b\":1,\"\\u0062\":2}}", RD); /* the same name, once escaped */
}

static void test_numbers(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808", "1234567890123456789",
        "0.0", "-0.0", "0e0", "-0e-0", "0E+5", "0e999999999999", "-0.000e-99999",
        "1.5", "-1.5", "0.1", "0.2", "0.3", "1e22", "1e23", "1e-22", "1e-23", "123456789012345e22",
        "1234567890123456e-3", "9007199254740993", "9007199254740993.0", "0.000001", "1.7976931348623157e308",
        "1.7976931348623158e308", "4.9e-324", "2.4e-324", "1e-400", "-1e-400", "2.2250738585072011e-308",
        "3.14159265358979323846264338327950288", "100000000000000000000.0", "10000000000000000000e-1",
        "1E5", "1e+5", "1e-5", "12.34e-2", "0.5", "1.0000000000000002", "5e-324", "1.5e300",
        "0.00000000000000000000000000000000000000001", "123.456", "7.0e-10", "33.33", "98765.4321e-3",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        accepts(ok[i], DA);
        char arr[128];
        snprintf(arr, sizeof arr, "[%s]", ok[i]);
        accepts(arr, 0);
    }
    json_t *v = jparse_loadb("[-0.0, -0]", 10, 0);
    assert_true(json_is_real(json_array_get(v, 0)));
    assert_true(json_is_integer(json_array_get(v, 1)));
    assert_int_equal(json_integer_value(json_array_get(v, 1)), 0);
    json_decref(v);

    static const char *const bad[] = {
        "[9223372036854775808]", "[-9223372036854775809]", "[12345678901234567890123]", "[10000000000000000000]", "[1e400]", "[-1e400]",
        "[1.8e308]", "[01]", "[-01]", "[00]", "[1.]", "[.5]", "[1.e5]", "[1e]", "[1e+]", "[-]", "[+1]", "[- 1]",
        "[1.5.3]", "[1e5e3]", "[0x10]", "[Infinity]", "[NaN]", "[1 2]", "[1,]", "[1e5.0]", "[--1]", "[1-]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        refuses(bad[i], 0);
}

/* Random decimal texts of every shape: reals come out bit-identical to
 * jansson's (strtod), integers identical, out-of-range ones refused by both. */
static void test_numbers_random(void **state)
{
    (void)state;
    unsigned long long x = 88172645463325252ull;
    char s[96];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 0;
        if (x & 1)
            s[n++] = '-';
        int idig = 1 + (int)(x >> 8) % 22, fdig = (int)(x >> 16) % 20, ex = (int)((x >> 24) % 700) - 350;
        unsigned long long y = x;
        for (int k = 0; k < idig; k++) {
            y = y * 6364136223846793005ull + 1442695040888963407ull;
            s[n++] = (char)('0' + (k == 0 && idig > 1 ? 1 + (y >> 33) % 9 : (y >> 33) % 10));
        }
        if (fdig && (x & 2)) {
            s[n++] = '.';
            for (int k = 0; k < fdig; k++) {
                y = y * 6364136223846793005ull + 1442695040888963407ull;
                s[n++] = (char)('0' + (y >> 33) % 10);
            }
        }
        if (x & 4)
            n += (size_t)snprintf(s + n, sizeof s - n, "e%d", (x & 8) ? ex % 30 : ex);
        s[n] = '\0';
        json_t *want = json_loadb(s, n, DA, NULL), *got = jparse_loadb(s, n, DA);
        if (!want != !got || (want && !jparse_same_tree(got, want)))
            fail_msg("number %s: jansson %s, jparse %s", s, want ? "accepts" : "refuses", got ? "accepts" : "refuses");
        json_decref(want);
        json_decref(got);
    }
}

static void test_strings_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[\"\\u0000\"]",            /* jansson: \u0000 is not allowed without JSON_ALLOW_NUL */
        "{\"a\\u0000\":1}",         /* NUL byte in object key */
        "[\"\\ud800\"]",            /* lone high surrogate */
        "[\"\\ud800x\"]",
        "[\"\\ud800\\n\"]",
        "[\"\\ud800\\u0041\"]",     /* high surrogate, then no low one */
        "[\"\\ud800\\ud800\"]",
        "[\"\\udc00\"]",            /* lone low surrogate */
        "[\"\\udfff\\ud800\"]",
        "[\"\\u12\"]", "[\"\\u12g4\"]", "[\"\\uD83D\\uDE0\"]", "[\"\\x41\"]", "[\"\\a\"]", "[\"\\U0041\"]",
        "[\"\\\"]", "[\"abc]", "[\"abc", "[\"a\tb\"]", "[\"a\nb\"]", "[\"\x1f\"]",
        "[\"\xc0\xaf\"]",            /* overlong '/' */
        "[\"\xc1\xbf\"]",
        "[\"\xe0\x80\xaf\"]",        /* overlong 3-byte */
        "[\"\xe0\x9f\xbf\"]",
        "[\"\xf0\x8f\xbf\xbf\"]",    /* overlong 4-byte */
        "[\"\xed\xa0\x80\"]",        /* a surrogate in UTF-8 */
        "[\"\xed\xbf\xbf\"]",
        "[\"\xf4\x90\x80\x80\"]",    /* above U+10FFFF */
        "[\"\xf5\x80\x80\x80\"]", "[\"\xf8\x88\x80\x80\x80\"]", "[\"\xff\"]", "[\"\xfe\"]",
        "[\"\x80\"]",                /* a lone continuation byte */
        "[\"\xc3\"]", "[\"\xe2\x82\"]", "[\"\xf0\x9f\x98\"]", /* truncated by the quote */
        "[\"\xc3\x28\"]", "[\"\xe2\x28\xa1\"]", "[\"\xf0\x9f\x28\x80\"]",
        "[\xc3\xa9]", "\xef\xbb\xbf[]", /* non-ASCII outside a string; a BOM */
        "{\"a\":\"x\"\"b\":1}", "{a:1}", "{'a':1}", "{\"a\" 1}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\"}",
        "[1,,2]", "[,]", "[", "]", "{", "}", "", " ", "[]]", "[][]", "{}x", "[] ,", "[tru]", "[truee]",
        "[True]", "[nul]", "[nulll]", "[fals]", "[true false]", "[\"a\" \"b\"]", "[]\x0b", "\x0c[]", "[\xa0]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        refuses(bad[i], 0);
        refuses(bad[i], RD | DA);
    }
    /* NUL bytes anywhere */
    refuses_n("[\"a\0b\"]", 7, 0);
    refuses_n("[1]\0", 4, 0);
    refuses_n("\0[1]", 4, 0);
    refuses_n("[\"\xc3", 3, 0); /* truncated by the end of the input */
    refuses_n("[\"\\u00", 6, 0);
    refuses_n("[\"\\ud83d\\ude", 12, 0);
    refuses_n("[\"\\", 3, 0);
    refuses_n("[-", 2, 0);
    refuses_n("[1.", 3, 0);
    refuses_n("[1e", 3, 0);
}

static void test_top_level_and_flags(void **state)
{
    (void)state;
    static const char *const scalars[] = {"1", "-2.5", "\"s\"", "true", "false", "null", " 7 ", "\"\\u00e9\""};
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++) {
        accepts(scalars[i], DA);
        accepts(scalars[i], DA | RD);
        refuses(scalars[i], 0); /* '[' or '{' expected */
        refuses(scalars[i], RD);
    }
    refuses("1 2", DA);
    refuses("\"a\" \"b\"", DA);
    refuses("", DA);
    refuses("  ", DA);
    /* jansson's other flags are left to jansson */
    falls_back("[\"a\\u0000b\"]", JSON_ALLOW_NUL);
    falls_back("[1] x", JSON_DISABLE_EOF_CHECK);
    falls_back("[1]", JSON_DECODE_INT_AS_REAL);
    /* jansson drops one raw NUL right after a number or literal; jparse does the same */
    accepts_n(LIT("[1\0]"), 0);
    accepts_n(LIT("[1.5\0, true\0 ,null\0]"), 0);
    accepts_n(LIT("[false\0,0\0,-0\0,1e5\0]"), RD);
    accepts_n(LIT("{\"a\":1\0,\"b\":null\0}"), 0);
    accepts_n(LIT("-2\0 "), DA);
    accepts_n(LIT("true\0"), DA);
    refuses_n("[1.5\0, true\0 ,null\0]", sizeof "[1.5\0, true\0 ,null\0]", 0); /* and a NUL after ']' */
    refuses_n(LIT("[1\0\0]"), 0);
    refuses_n(LIT("[1 \0]"), 0);
    refuses_n(LIT("[\"a\"\0]"), 0);
    refuses_n(LIT("[[]\0]"), 0);
    refuses_n(LIT("{\"a\"\0:1}"), 0);
    refuses_n(LIT("[1.\0]"), 0);
    refuses_n(LIT("[tr\0ue]"), 0);
    refuses_n(LIT("true\0"), 0); /* a scalar at the top without JSON_DECODE_ANY */
    assert_null(jparse_loadb(NULL, 0, 0));
}

/* Nesting: jansson counts every value as a level and refuses more than
 * JSON_PARSER_MAX_DEPTH; jparse matches it at the edge. */
static void test_depth(void **state)
{
    (void)state;
    size_t max = JSON_PARSER_MAX_DEPTH;
    char *s = malloc(8 * max + 16); /* owner: this test */
    assert_non_null(s);
    for (int obj = 0; obj < 2; obj++) {
        for (size_t depth = max - 1; depth <= max + 1; depth++) {
            size_t n = 0;
            for (size_t i = 0; i < depth; i++) {
                if (obj) {
                    memcpy(s + n, "{\"k\":", 5);
                    n += 5;
                } else {
                    s[n++] = '[';
                }
            }
            if (obj) { /* the innermost is an empty object */
                n -= 5;
                s[n++] = '{';
            }
            for (size_t i = 0; i < depth; i++)
                s[n++] = obj ? '}' : ']';
            if (depth <= max)
                accepts_n(s, n, 0);
            else
                refuses_n(s, n, 0);
        }
    }
    /* a scalar inside max containers is level max + 1 */
    size_t n = 0;
    for (size_t i = 0; i < max; i++)
        s[n++] = '[';
    s[n++] = '1';
    for (size_t i = 0; i < max; i++)
        s[n++] = ']';
    refuses_n(s, n, 0);
    memmove(s, s + 1, n - 2); /* one level fewer */
    accepts_n(s, n - 2, 0);
    free(s);
}

/* Long strings (the 16-byte scan, escapes across buffer growth, UTF-8 at
 * every alignment) and long number texts. */
static void test_long_values(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *s = malloc(2 * big + 64); /* owner: this test */
    assert_non_null(s);
    for (int kind = 0; kind < 4; kind++) {
        size_t n = 0;
        s[n++] = '[';
        s[n++] = '"';
        for (size_t i = 0; i < big / 8; i++) {
            const char *piece = kind == 0   ? "abcdefgh"
                                : kind == 1 ? "abc\\ndef"
                                : kind == 2 ? "ab\xc3\xa9"
                                              "\xe2\x82\xac"
                                            : "\\u00e9xyz";
            size_t k = strlen(piece);
            memcpy(s + n, piece, k);
            n += k;
            if (kind == 2 && i % 7 == 0)
                s[n++] = 'x'; /* shifts the multi-byte sequences across 16-byte boundaries */
        }
        s[n++] = '"';
        s[n++] = ']';
        accepts_n(s, n, 0);
        s[n - 3] = '\x01'; /* a control byte at the very end */
        refuses_n(s, n, 0);
    }
    /* a 3000-digit integer (too big) and real (strtod) */
    size_t n = 0;
    s[n++] = '[';
    s[n++] = '1';
    for (int i = 0; i < 3000; i++)
        s[n++] = (char)('0' + i % 10);
    s[n++] = ']';
    refuses_n(s, n, 0);
    memmove(s + 3, s + 2, n - 2);
    s[2] = '.';
    accepts_n(s, n + 1, 0);
    free(s);
}

/* Strings at every offset near the end of the input, where the 16-byte scan
 * hands over to the byte loop. */
static void test_alignment(void **state)
{
    (void)state;
    char s[128];
    for (size_t pad = 0; pad < 40; pad++) {
        for (size_t len = 0; len < 40; len++) {
            size_t n = 0;
            s[n++] = '[';
            for (size_t i = 0; i < pad; i++)
                s[n++] = ' ';
            s[n++] = '"';
            for (size_t i = 0; i < len; i++)
                s[n++] = (char)('a' + i % 26);
            s[n++] = '"';
            s[n++] = ']';
            accepts_n(s, n, 0);
            refuses_n(s, n - 2, 0); /* no closing quote */
        }
    }
}

/* Through json_arena_loadb: the tree comes from the arena, and on success err
 * reads as jansson leaves it. */
static void test_arena_loadb(void **state)
{
    (void)state;
    json_arena_install();
    const char *doc = "{\"a\":[1,2.5,\"x\\ny\",{\"b\":null}]} \n";
    size_t n = strlen(doc);
    json_error_t e1, e2;
    json_t *want = json_loadb(doc, n, RD, &e1);
    arena_t a;
    arena_init(&a);
    json_t *got = json_arena_loadb(&a, doc, n, RD, &e2);
    assert_non_null(got);
    assert_non_null(a.head); /* the nodes are the arena's */
    assert_true(jparse_same_tree(got, want));
    assert_string_equal(e1.text, e2.text);
    assert_string_equal(e1.source, e2.source);
    assert_int_equal(e1.line, e2.line);
    assert_int_equal(e1.column, e2.column);
    assert_int_equal(e1.position, e2.position);
    json_decref(got);
    json_decref(want);
    arena_free(&a);
    refuses("{\"a\":[1,2.5,\"x\\ny\",{\"b\":nul}]}", RD); /* the error comes from jansson */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_key_order_and_duplicates),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_random),
        cmocka_unit_test(test_strings_refused),
        cmocka_unit_test(test_top_level_and_flags),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_long_values),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_arena_loadb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
