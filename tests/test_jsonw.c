/* test_jsonw.c - unit tests for the streaming JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/buf.h"
#include "lib/jsonw.h"

/* Test fixture: a buffer and a writer bound to it. */
typedef struct fx {
    buf_t b;
    jsonw_t w;
} fx_t;

static int fx_setup(void **state)
{
    static fx_t f;
    buf_init(&f.b);
    jsonw_init(&f.w, &f.b);
    *state = &f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;
    buf_free(&f->b);
    return 0;
}

/* Asserts that the output is valid JSON per jansson and equals want. */
static void expect_json(fx_t *f, const char *want)
{
    assert_false(f->w.err);
    assert_false(f->b.oom);
    assert_string_equal(f->b.data, want);
    json_error_t e;
    json_t *j = json_loads(f->b.data, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    assert_non_null(j);
    json_decref(j);
}

static const char *num(double v)
{
    static char out[64];
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    jsonw_number(&w, v);
    snprintf(out, sizeof(out), "%s", b.data);
    buf_free(&b);
    return out;
}

static void test_nesting_and_commas(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "a", "x");
    jsonw_kv_int(w, "b", -5);
    jsonw_key(w, "c");
    jsonw_arr_begin(w);
    jsonw_int(w, 1);
    jsonw_obj_begin(w);
    jsonw_obj_end(w);
    jsonw_arr_begin(w);
    jsonw_arr_end(w);
    jsonw_null(w);
    jsonw_bool(w, true);
    jsonw_bool(w, false);
    jsonw_arr_end(w);
    jsonw_key(w, "d");
    jsonw_obj_begin(w);
    jsonw_kv_bool(w, "e", false);
    jsonw_obj_end(w);
    jsonw_kv_number(w, "f", 2.5);
    jsonw_obj_end(w);
    expect_json(f, "{\"a\":\"x\",\"b\":-5,\"c\":[1,{},[],null,true,false],"
                   "\"d\":{\"e\":false},\"f\":2.5}");
    assert_int_equal(w->depth, 0);
}

static void test_escaping(void **state)
{
    fx_t *f = *state;
    jsonw_arr_begin(&f->w);
    jsonw_string(&f->w, "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f é€");
    jsonw_stringn(&f->w, "a\0b", 3);
    jsonw_string(&f->w, NULL);
    jsonw_arr_end(&f->w);
    expect_json(f, "[\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f é€\",\"a\\u0000b\",\"\"]");
}

static void test_escape_keys(void **state)
{
    fx_t *f = *state;
    jsonw_obj_begin(&f->w);
    jsonw_kv_string(&f->w, "k\"1", "v");
    jsonw_obj_end(&f->w);
    expect_json(f, "{\"k\\\"1\":\"v\"}");
}

static void test_escape_plain_fn(void **state)
{
    fx_t *f = *state;
    jsonw_escape(&f->b, "plain", 5);
    jsonw_escape(&f->b, "\"x", 1);
    assert_string_equal(f->b.data, "plain\\\"");
}

static void test_numbers(void **state)
{
    (void)state;
    assert_string_equal(num(2700), "2700");
    assert_string_equal(num(2700.0), "2700");
    assert_string_equal(num(0.5), "0.5");
    assert_string_equal(num(-0.0), "0");
    assert_string_equal(num(0), "0");
    assert_string_equal(num(-3), "-3");
    assert_string_equal(num(0.1), "0.1");
    assert_string_equal(num(1.0 / 3.0), "0.3333333333333333");
    assert_string_equal(num(9007199254740992.0), "9007199254740992");
    assert_string_equal(num(-9007199254740992.0), "-9007199254740992");
    assert_string_equal(num(1e300), "1e+300");
    assert_string_equal(num(123.456), "123.456");
    assert_string_equal(num(0.1 + 0.2), "0.30000000000000004");
    assert_string_equal(num(NAN), "0");
    assert_string_equal(num(INFINITY), "0");
    assert_string_equal(num(-INFINITY), "0");
    /* round trip of an arbitrary double */
    double v = 1234.5678901234567;
    assert_true(strtod(num(v), NULL) == v);
}

/* The formatter jsonw_number used before the exact decimal path: the
 * reference the fast path must match byte for byte. */
static size_t ref_number(double v, char *out)
{
    int n;
    if (!isfinite(v)) {
        n = snprintf(out, 40, "0");
    } else if (v == trunc(v) && fabs(v) <= 9007199254740992.0) {
        n = snprintf(out, 40, "%" PRId64, (int64_t)v);
    } else {
        n = snprintf(out, 40, "%.15g", v);
        if (strtod(out, NULL) != v) {
            n = snprintf(out, 40, "%.16g", v);
            if (strtod(out, NULL) != v)
                n = snprintf(out, 40, "%.17g", v);
        }
    }
    return (size_t)n;
}

/* How many random values the comparisons try (a build may raise them). */
#ifndef NUM_RANDOM_BITS
#define NUM_RANDOM_BITS 5000
#endif
#ifndef NUM_RANDOM_DECIMALS
#define NUM_RANDOM_DECIMALS 10000
#endif

/* Deterministic xorshift64* generator for the randomized comparisons. */
static uint64_t rnd_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Asserts jsonw_format_number(v) == ref_number(v) for v, -v and both
 * neighbouring doubles of each; returns how many took the exact path. */
static size_t check_number(double v)
{
    size_t exact = 0;
    double vs[6] = {v, -v, nextafter(v, INFINITY), nextafter(v, -INFINITY), -nextafter(v, INFINITY),
                    -nextafter(v, -INFINITY)};
    for (int i = 0; i < 6; i++) {
        char got[JSONW_NUMBER_MAX + 1], want[48];
        size_t gn = jsonw_format_number(vs[i], got);
        size_t wn = ref_number(vs[i], want);
        got[gn] = '\0';
        if (gn != wn || memcmp(got, want, wn) != 0)
            fail_msg("jsonw_format_number(%a) = \"%s\", want \"%s\"", vs[i], got, want);
        if (!(vs[i] == trunc(vs[i])) && fabs(vs[i]) >= 1e-4 && !strchr(want, 'e') && strlen(want) <= 17)
            exact++;
    }
    return exact;
}

static void test_numbers_match_reference(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    /* edges: powers of ten, the 1e-4 and 1e15 boundaries, 2^53, tiny and huge */
    static const double edges[] = {0.0001, 0.001, 0.01, 0.1, 0.5, 1e14, 1e15, 99999999999999.9,
                                   999999999999999.0, 0.000123456789012345, 0.00009999, 4503599627370495.5,
                                   9007199254740991.0, 9007199254740992.0, 9007199254740994.0, 1e16, 1e22,
                                   1e23, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.3,
                                   2.675, 1.005, 0.1 + 0.2, 123456789012.345, 0.45, 12.45, 1e-5};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_number(edges[i]);
    /* arbitrary bit patterns (NaN, Inf, subnormals included) */
    for (int i = 0; i < NUM_RANDOM_BITS; i++) {
        uint64_t bits = rnd_next(&seed);
        double v;
        memcpy(&v, &bits, sizeof v);
        check_number(v);
    }
    /* decimals k / 10^d of 1 to 17 digits, as strtod reads them, and their neighbours */
    size_t exact = 0;
    for (int i = 0; i < NUM_RANDOM_DECIMALS; i++) {
        uint64_t r = rnd_next(&seed);
        int digits = 1 + (int)(r % 17), d = (int)((r >> 8) % 21);
        uint64_t k = rnd_next(&seed) % 100000000000000000ull;
        uint64_t lim = 1;
        for (int j = 0; j < digits; j++)
            lim *= 10;
        k %= lim;
        char txt[64];
        snprintf(txt, sizeof txt, "%" PRIu64 "e-%d", k, d);
        exact += check_number(strtod(txt, NULL));
    }
    /* timestamps with one to three decimals up to ten hours */
    for (int i = 0; i < NUM_RANDOM_DECIMALS; i++) {
        uint64_t r = rnd_next(&seed);
        char txt[64];
        snprintf(txt, sizeof txt, "%u.%0*u", (unsigned)(r % 36000), (int)(1 + (r >> 20) % 3),
                 (unsigned)((r >> 30) % 1000));
        exact += check_number(strtod(txt, NULL));
    }
    assert_true(exact > NUM_RANDOM_DECIMALS); /* the exact path was exercised */
}

static void test_format_int(void **state)
{
    (void)state;
    uint64_t seed = 42;
    static const int64_t edges[] = {0, 1, -1, 9, 10, -10, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (int i = 0; i < 100000 + (int)(sizeof edges / sizeof edges[0]); i++) {
        int64_t v = i < (int)(sizeof edges / sizeof edges[0]) ? edges[i] : (int64_t)rnd_next(&seed) >> (i % 64);
        char got[24], want[24];
        size_t n = jsonw_format_int(v, got);
        got[n] = '\0';
        snprintf(want, sizeof want, "%" PRId64, v);
        assert_string_equal(got, want);
    }
}

static void test_ints(void **state)
{
    fx_t *f = *state;
    jsonw_arr_begin(&f->w);
    jsonw_int(&f->w, INT64_MIN);
    jsonw_int(&f->w, INT64_MAX);
    jsonw_int(&f->w, 0);
    jsonw_arr_end(&f->w);
    expect_json(f, "[-9223372036854775808,9223372036854775807,0]");
}

static void test_raw(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    jsonw_obj_begin(w);
    jsonw_kv_raw(w, "a", "{\"x\":[1,2]}", "{}");
    jsonw_kv_raw(w, "b", NULL, "[]");
    jsonw_kv_raw(w, "c", "", "{}");
    jsonw_kv_raw(w, "d", NULL, NULL);
    jsonw_key(w, "e");
    jsonw_rawn(w, "123456", 3);
    jsonw_key(w, "f");
    jsonw_rawn(w, "", 0);
    jsonw_obj_end(w);
    expect_json(f, "{\"a\":{\"x\":[1,2]},\"b\":[],\"c\":{},\"d\":null,\"e\":123,\"f\":null}");
}

static void test_time(void **state)
{
    fx_t *f = *state;
    jsonw_obj_begin(&f->w);
    jsonw_kv_time(&f->w, "t", 1710756000042);
    jsonw_kv_time(&f->w, "zero", 0);
    jsonw_kv_time(&f->w, "neg", -1);
    jsonw_obj_end(&f->w);
    expect_json(f, "{\"t\":\"2024-03-18T10:00:00.042Z\",\"zero\":\"\",\"neg\":\"1969-12-31T23:59:59.999Z\"}");
}

static void test_top_level_scalar(void **state)
{
    fx_t *f = *state;
    jsonw_string(&f->w, "x");
    expect_json(f, "\"x\"");
}

static void test_depth_limit(void **state)
{
    fx_t *f = *state;
    for (int i = 0; i < JSONW_MAX_DEPTH; i++)
        jsonw_arr_begin(&f->w);
    assert_false(f->w.err);
    jsonw_arr_begin(&f->w);
    assert_true(f->w.err);
    for (int i = 0; i <= JSONW_MAX_DEPTH; i++)
        jsonw_arr_end(&f->w);
    assert_int_equal(f->w.depth, 0);
}

static void test_unbalanced_close(void **state)
{
    fx_t *f = *state;
    jsonw_obj_end(&f->w);
    assert_true(f->w.err);
}

static void test_many_members(void **state)
{
    fx_t *f = *state;
    jsonw_arr_begin(&f->w);
    for (int i = 0; i < 10000; i++)
        jsonw_int(&f->w, i);
    jsonw_arr_end(&f->w);
    json_t *j = json_loads(f->b.data, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_array_size(j), 10000);
    assert_int_equal(json_integer_value(json_array_get(j, 9999)), 9999);
    json_decref(j);
}

/* Keys and values of every length up to 300 bytes, plain or with one byte to
 * escape at any position, written into buffers that start empty (so growth
 * lands everywhere): jansson must read back exactly the bytes written. */
static void test_escape_positions(void **state)
{
    (void)state;
    static const char specials[] = {'"', '\\', '\n', '\x01', 'x'};
    char s[301];
    for (size_t n = 0; n <= 300; n += (n < 40 ? 1 : 7)) {
        for (size_t k = 0; k <= n; k += (n < 40 ? 1 : 13)) {
            for (size_t c = 0; c < sizeof(specials); c++) {
                for (size_t i = 0; i < n; i++)
                    s[i] = (char)('a' + i % 26);
                if (k < n)
                    s[k] = specials[c];
                s[n] = '\0';
                buf_t b;
                jsonw_t w;
                buf_init(&b);
                jsonw_init(&w, &b);
                jsonw_obj_begin(&w);
                jsonw_kv_string(&w, s, s);
                jsonw_obj_end(&w);
                assert_false(b.oom);
                assert_int_equal(strlen(b.data), b.len);
                json_t *j = json_loadb(b.data, b.len, 0, NULL);
                assert_non_null(j);
                json_t *v = json_object_get(j, s);
                assert_non_null(v);
                assert_string_equal(json_string_value(v), s);
                json_decref(j);
                buf_free(&b);
            }
        }
    }
}

/* The JSON escape of one byte, the obvious way: the reference for jsonw_escape. */
static void ref_escape_byte(buf_t *b, unsigned char c)
{
    char t[8];
    switch (c) {
    case '"': buf_append(b, "\\\"", 2); return;
    case '\\': buf_append(b, "\\\\", 2); return;
    case '\b': buf_append(b, "\\b", 2); return;
    case '\f': buf_append(b, "\\f", 2); return;
    case '\n': buf_append(b, "\\n", 2); return;
    case '\r': buf_append(b, "\\r", 2); return;
    case '\t': buf_append(b, "\\t", 2); return;
    default:
        if (c < 0x20) {
            snprintf(t, sizeof t, "\\u%04x", c);
            buf_append(b, t, 6);
        } else {
            buf_putc(b, (char)c);
        }
    }
}

/* Every byte value (0..255), alone or twice, at every position of strings of
 * 0..40 bytes - across the word boundaries of jsonw_plain_len - escapes
 * exactly as the bytewise reference, through jsonw_escape and jsonw_stringn. */
static void test_escape_every_byte_everywhere(void **state)
{
    (void)state;
    unsigned char s[41];
    buf_t got, want;
    buf_init(&got);
    buf_init(&want);
    for (int c = 0; c < 256; c++) {
        for (size_t n = 1; n <= 40; n++) {
            for (size_t k = 0; k < n; k++) {
                for (size_t i = 0; i < n; i++)
                    s[i] = (unsigned char)((i * 7) % 64 < 32 ? 'a' + i % 26 : 0xc3 + (i & 1)); /* ASCII and UTF-8 lead bytes */
                s[k] = (unsigned char)c;
                if (c != 'z' && k + 9 < n)
                    s[k + 9] = (unsigned char)c; /* the same byte again, in the next word */
                buf_reset(&want);
                for (size_t i = 0; i < n; i++)
                    ref_escape_byte(&want, s[i]);
                buf_reset(&got);
                jsonw_escape(&got, (const char *)s, n);
                assert_false(got.oom);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.data, want.data, want.len);
                jsonw_t w;
                buf_reset(&got);
                jsonw_init(&w, &got);
                jsonw_stringn(&w, (const char *)s, n);
                assert_int_equal(got.len, want.len + 2);
                assert_memory_equal(got.data + 1, want.data, want.len);
            }
        }
    }
    buf_free(&got);
    buf_free(&want);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_nesting_and_commas), T(test_escaping), T(test_escape_keys),
        T(test_escape_plain_fn),    T(test_numbers),  T(test_ints),
        T(test_raw),                T(test_time),     T(test_top_level_scalar),
        T(test_depth_limit),        T(test_unbalanced_close), T(test_many_members),
        T(test_numbers_match_reference), T(test_format_int), T(test_escape_positions),
        T(test_escape_every_byte_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
