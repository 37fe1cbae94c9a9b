/* test_transcript.c - unit tests for transcript validation, canonical forms, text and detailed output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/jsonw.h"
#include "model/transcript.h"
#include "unit_support.h"

typedef struct fx {
    arena_t a;
    char err[256];
    transcript_out_t out;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    arena_init(&f->a);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    arena_free(&f->a);
    free(f);
    return 0;
}

/* Parses text (a test literal) and runs transcript_build on it; returns its result. */
static int build(fx_t *f, const char *text)
{
    json_error_t je;
    json_t *t = text ? json_loads(text, JSON_DECODE_ANY, &je) : NULL;
    if (text && !t)
        fail_msg("bad test JSON: %s", je.text);
    f->err[0] = '\0';
    int rc = transcript_build(&f->a, t, NULL, &f->out, f->err, sizeof f->err);
    json_decref(t);
    return rc;
}

/* Asserts that building text fails with exactly msg. */
static void expect_error(fx_t *f, const char *text, const char *msg)
{
    if (build(f, text) != -1)
        fail_msg("expected failure \"%s\" for %s", msg, text);
    assert_string_equal(f->err, msg);
}

#define V1_ONE                                                                                                    \
    "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"Jane\",\"sentence\":\"Hi there.\",\"startTimestamp\":0,"     \
    "\"endTimestamp\":1.5},{\"speaker\":\"John\",\"sentence\":\"Hello!\",\"startTimestamp\":2,"                  \
    "\"endTimestamp\":3}]}"

static void test_none(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, NULL), 0);
    assert_null(f->out.v1_json);
    assert_null(f->out.v2_json);
    unit_assert_transcript_text(f->out.v1_json, "");
    assert_int_equal(f->out.segments, 0);
    assert_true(f->out.last_end == 0);
    assert_int_equal(build(f, "{}"), 0);
    assert_null(f->out.v1_json);
    assert_int_equal(build(f, "null"), 0);
    assert_int_equal(build(f, "{\"v1\":null,\"v2\":null,\"other\":1}"), 0);
    assert_null(f->out.v2_json);
    assert_int_equal(f->out.segments, 0);
}

static void test_v1_only(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, "{\"v1\":" V1_ONE "}"), 0);
    assert_string_equal(f->out.v1_json, V1_ONE);
    assert_null(f->out.v2_json);
    unit_assert_transcript_text(f->out.v1_json, "Jane: Hi there.\nJohn: Hello!\n");
    assert_int_equal(f->out.segments, 2);
    assert_true(f->out.last_end == 3);
}

static void test_v1_canonicalised(void **state)
{
    fx_t *f = *state;
    /* unknown keys dropped, keys reordered, pieceInFlux defaulted, compact */
    assert_int_equal(build(f, "{\"v1\": {\"final\": [ {\"endTimestamp\": 2.5, \"extra\": true, \"sentence\": \"a "
                              "\\\"b\\\"\", \"speaker\": \"S\", \"startTimestamp\": 1} ], \"junk\": 1}}"),
                     0);
    assert_string_equal(f->out.v1_json, "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"S\",\"sentence\":\"a "
                                        "\\\"b\\\"\",\"startTimestamp\":1,\"endTimestamp\":2.5}]}");
    unit_assert_transcript_text(f->out.v1_json, "S: a \"b\"\n");
    /* pieceInFlux kept when a string or an object */
    assert_int_equal(build(f, "{\"v1\":{\"pieceInFlux\":{\"speaker\":\"x\",\"n\":1},\"final\":[]}}"), 0);
    assert_string_equal(f->out.v1_json, "{\"pieceInFlux\":{\"speaker\":\"x\",\"n\":1},\"final\":[]}");
    assert_int_equal(f->out.segments, 0);
    unit_assert_transcript_text(f->out.v1_json, "");
    assert_int_equal(build(f, "{\"v1\":{\"pieceInFlux\":\"partial\"}}"), 0);
    assert_string_equal(f->out.v1_json, "{\"pieceInFlux\":\"partial\",\"final\":[]}");
}

#define V2_ONE                                                                                                    \
    "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"Jane\",\"words\":[{\"text\":\"Hi\",\"startTimestamp\":0,"    \
    "\"endTimestamp\":0.4},{\"text\":\"there.\",\"startTimestamp\":0.5,\"endTimestamp\":1.5}]},{\"speaker\":"    \
    "\"John\",\"words\":[{\"text\":\"Hello!\",\"startTimestamp\":2,\"endTimestamp\":3.25}]}]}"

static void test_v2_only_derives_v1(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, "{\"v2\":" V2_ONE "}"), 0);
    assert_string_equal(f->out.v2_json, V2_ONE);
    assert_string_equal(f->out.v1_json,
                        "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"Jane\",\"sentence\":\"Hi there.\","
                        "\"startTimestamp\":0,\"endTimestamp\":1.5},{\"speaker\":\"John\",\"sentence\":\"Hello!\","
                        "\"startTimestamp\":2,\"endTimestamp\":3.25}]}");
    unit_assert_transcript_text(f->out.v1_json, "Jane: Hi there.\nJohn: Hello!\n");
    assert_int_equal(f->out.segments, 2);
    assert_true(f->out.last_end == 3.25);
}

static void test_both_keeps_v1(void **state)
{
    fx_t *f = *state;
    /* v1 given: kept as is (not derived), text from v1 */
    const char *v1 = "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"A\",\"sentence\":\"from v1\","
                     "\"startTimestamp\":0,\"endTimestamp\":1}]}";
    char body[2048];
    snprintf(body, sizeof body, "{\"v1\":%s,\"v2\":%s}", v1, V2_ONE);
    assert_int_equal(build(f, body), 0);
    assert_string_equal(f->out.v1_json, v1);
    assert_string_equal(f->out.v2_json, V2_ONE);
    unit_assert_transcript_text(f->out.v1_json, "A: from v1\n");
    assert_int_equal(f->out.segments, 1);
    assert_true(f->out.last_end == 3.25); /* largest end over both forms */
}

static void test_errors_with_paths(void **state)
{
    fx_t *f = *state;
    expect_error(f, "[]", "transcript must be an object");
    expect_error(f, "\"text\"", "transcript must be an object");
    expect_error(f, "{\"v1\":[]}", "transcript.v1 must be an object");
    expect_error(f, "{\"v2\":\"x\"}", "transcript.v2 must be an object");
    expect_error(f, "{\"v1\":{\"final\":{}}}", "transcript.v1.final must be an array");
    expect_error(f, "{\"v1\":{\"pieceInFlux\":3,\"final\":[]}}",
                 "transcript.v1.pieceInFlux must be a string or an object");
    expect_error(f, "{\"v1\":{\"final\":[1]}}", "transcript.v1.final[0] must be an object");
    expect_error(f,
                 "{\"v1\":{\"final\":[{\"speaker\":\"a\",\"sentence\":\"b\",\"startTimestamp\":0,\"endTimestamp\":1},"
                 "{\"speaker\":\"a\",\"sentence\":\"b\",\"startTimestamp\":0,\"endTimestamp\":1},"
                 "{\"speaker\":\"a\",\"sentence\":5,\"startTimestamp\":0,\"endTimestamp\":1}]}}",
                 "transcript.v1.final[2].sentence must be a string");
    expect_error(f, "{\"v1\":{\"final\":[{\"sentence\":\"b\",\"startTimestamp\":0,\"endTimestamp\":1}]}}",
                 "transcript.v1.final[0].speaker is required");
    expect_error(f, "{\"v1\":{\"final\":[{\"speaker\":null,\"sentence\":\"b\",\"startTimestamp\":0,\"endTimestamp\":1}]}}",
                 "transcript.v1.final[0].speaker must be a string");
    expect_error(f, "{\"v1\":{\"final\":[{\"speaker\":\"a\",\"sentence\":\"b\",\"startTimestamp\":\"0\",\"endTimestamp\":1}]}}",
                 "transcript.v1.final[0].startTimestamp must be a number");
    expect_error(f, "{\"v1\":{\"final\":[{\"speaker\":\"a\",\"sentence\":\"b\",\"startTimestamp\":0}]}}",
                 "transcript.v1.final[0].endTimestamp is required");
    expect_error(f, "{\"v1\":{\"final\":[{\"speaker\":\"a\",\"sentence\":\"b\",\"startTimestamp\":-1,\"endTimestamp\":1}]}}",
                 "transcript.v1.final[0].startTimestamp must not be negative, got -1");
    expect_error(f, "{\"v1\":{\"final\":[{\"speaker\":\"a\",\"sentence\":\"b\",\"startTimestamp\":2,\"endTimestamp\":1.5}]}}",
                 "transcript.v1.final[0].endTimestamp must be >= startTimestamp, got 1.5 < 2");
    expect_error(f, "{\"v2\":{\"final\":[{\"speaker\":\"a\"}]}}", "transcript.v2.final[0].words is required");
    expect_error(f, "{\"v2\":{\"final\":[{\"speaker\":\"a\",\"words\":{}}]}}",
                 "transcript.v2.final[0].words must be an array");
    expect_error(f, "{\"v2\":{\"final\":[{\"speaker\":\"a\",\"words\":[]}]}}",
                 "transcript.v2.final[0].words must not be empty");
    expect_error(f, "{\"v2\":{\"final\":[{\"speaker\":1,\"words\":[]}]}}", "transcript.v2.final[0].speaker must be a string");
    expect_error(f,
                 "{\"v2\":{\"final\":[{\"speaker\":\"a\",\"words\":[{\"text\":\"x\",\"startTimestamp\":0,"
                 "\"endTimestamp\":1}]},{\"speaker\":\"b\",\"words\":[{\"text\":\"y\",\"startTimestamp\":1,"
                 "\"endTimestamp\":2},{\"text\":\"z\",\"startTimestamp\":true,\"endTimestamp\":3}]}]}}",
                 "transcript.v2.final[1].words[1].startTimestamp must be a number");
    expect_error(f, "{\"v2\":{\"final\":[{\"speaker\":\"a\",\"words\":[{\"text\":[],\"startTimestamp\":0,\"endTimestamp\":1}]}]}}",
                 "transcript.v2.final[0].words[0].text must be a string");
    expect_error(f, "{\"v2\":{\"final\":[{\"speaker\":\"a\",\"words\":[\"w\"]}]}}",
                 "transcript.v2.final[0].words[0] must be an object");
    /* an error in v2 when v1 is valid still fails */
    expect_error(f, "{\"v1\":" V1_ONE ",\"v2\":{\"final\":[{\"speaker\":\"a\",\"words\":[{\"text\":\"x\","
                    "\"startTimestamp\":5,\"endTimestamp\":4}]}]}}",
                 "transcript.v2.final[0].words[0].endTimestamp must be >= startTimestamp, got 4 < 5");
}

static void test_segment_limit(void **state)
{
    fx_t *f = *state;
    json_t *final = json_array();
    json_t *seg = json_pack("{s:s,s:s,s:i,s:i}", "speaker", "a", "sentence", "b", "startTimestamp", 0,
                            "endTimestamp", 1);
    for (int i = 0; i < 100001; i++)
        json_array_append(final, seg);
    json_t *t = json_pack("{s:{s:o}}", "v1", "final", final);
    assert_int_equal(transcript_build(&f->a, t, NULL, &f->out, f->err, sizeof f->err), -1);
    assert_string_equal(f->err, "transcript.v1.final has 100001 segments, more than the limit of 100000");
    /* exactly at the limit is fine */
    json_array_remove(final, 0);
    assert_int_equal(transcript_build(&f->a, t, NULL, &f->out, f->err, sizeof f->err), 0);
    assert_int_equal(f->out.segments, 100000);
    json_decref(t);
    json_decref(seg);
}

static void test_word_limit(void **state)
{
    fx_t *f = *state;
    json_t *word = json_pack("{s:s,s:i,s:i}", "text", "w", "startTimestamp", 0, "endTimestamp", 1);
    json_t *words = json_array();
    for (int i = 0; i < 100000; i++)
        json_array_append(words, word);
    json_t *final = json_array();
    json_t *seg = json_pack("{s:s,s:O}", "speaker", "a", "words", words);
    for (int i = 0; i < 11; i++) /* 1,100,000 words */
        json_array_append(final, seg);
    json_t *t = json_pack("{s:{s:o}}", "v2", "final", final);
    assert_int_equal(transcript_build(&f->a, t, NULL, &f->out, f->err, sizeof f->err), -1);
    assert_string_equal(f->err, "transcript has more than 1000000 words (the limit)");
    json_decref(t);
    json_decref(seg);
    json_decref(words);
    json_decref(word);
}

static void test_unicode_and_specials(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, "{\"v2\":{\"final\":[{\"speaker\":\"Zoë\",\"words\":[{\"text\":\"naïve\\n\","
                              "\"startTimestamp\":1e2,\"endTimestamp\":100.5}]}]}}"),
                     0);
    unit_assert_transcript_text(f->out.v1_json, "Zoë: naïve\n\n");
    assert_non_null(strstr(f->out.v2_json, "\"text\":\"naïve\\n\""));
    assert_non_null(strstr(f->out.v1_json, "\"startTimestamp\":100,\"endTimestamp\":100.5"));
    assert_true(f->out.last_end == 100.5);
}

/* Writes the detailed form and parses it; caller owns the json_t. */
static json_t *detailed(const char *v1, const char *v2, const char *parts, int expect_rc)
{
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    assert_int_equal(transcript_write_detailed(&w, v1, v2, parts), expect_rc);
    assert_int_equal(w.err, 0);
    json_t *root = json_loads(b.data, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    assert_true(json_is_array(root));
    buf_free(&b);
    return root;
}

#define PARTS                                                                                                     \
    "[{\"id\":\"1\",\"email\":\"jane@example.com\",\"name\":\"jane\",\"organizer\":true,\"status\":\"accepted\"}," \
    "{\"id\":\"2\",\"email\":\"john@x.com\",\"name\":\"John\",\"organizer\":false,\"status\":\"accepted\"}]"

static void test_detailed_from_v2(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, "{\"v2\":" V2_ONE "}"), 0);
    json_t *d = detailed(f->out.v1_json, f->out.v2_json, PARTS, 0);
    assert_int_equal(json_array_size(d), 2);
    json_t *s0 = json_array_get(d, 0);
    json_t *sp = json_object_get(s0, "speaker");
    assert_string_equal(json_string_value(json_object_get(sp, "name")), "Jane");
    assert_string_equal(json_string_value(json_object_get(sp, "email")), "jane@example.com"); /* case-insensitive */
    json_t *words = json_object_get(s0, "words");
    assert_int_equal(json_array_size(words), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(words, 1), "text")), "there.");
    assert_true(json_number_value(json_object_get(json_array_get(words, 1), "endTimestamp")) == 1.5);
    assert_int_equal(json_object_size(json_array_get(words, 1)), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(d, 1), "speaker"), "email")),
                        "john@x.com");
    json_decref(d);
}

static void test_detailed_from_v1(void **state)
{
    (void)state;
    json_t *d = detailed(V1_ONE, NULL, NULL, 0);
    assert_int_equal(json_array_size(d), 2);
    json_t *s1 = json_array_get(d, 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(s1, "speaker"), "name")), "John");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s1, "speaker"), "email")), "");
    json_t *words = json_object_get(s1, "words");
    assert_int_equal(json_array_size(words), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(words, 0), "text")), "Hello!");
    assert_true(json_number_value(json_object_get(json_array_get(words, 0), "startTimestamp")) == 2);
    json_decref(d);
}

static void test_detailed_edge_cases(void **state)
{
    (void)state;
    json_t *d = detailed(NULL, NULL, PARTS, 0);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    d = detailed("", "", NULL, 0);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    /* unparsable stored JSON: [] and -1 */
    d = detailed("{not json", NULL, NULL, -1);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    /* unparsable v2 falls back to v1 */
    d = detailed(V1_ONE, "[oops", "garbage", 0);
    assert_int_equal(json_array_size(d), 2);
    json_decref(d);
    /* no name match: email "" */
    d = detailed(V1_ONE, NULL, "[{\"name\":\"Other\",\"email\":\"o@x\"}]", 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(d, 0), "speaker"), "email")), "");
    json_decref(d);
}

static void test_detailed_inside_object(void **state)
{
    (void)state;
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "a", "x");
    jsonw_key(&w, "transcript");
    assert_int_equal(transcript_write_detailed(&w, "{bad", NULL, NULL), -1);
    jsonw_kv_int(&w, "b", 1);
    jsonw_obj_end(&w);
    assert_string_equal(b.data, "{\"a\":\"x\",\"transcript\":[],\"b\":1}");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_canonicalised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_only_derives_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_keeps_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_with_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_word_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicode_and_specials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detailed_from_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detailed_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detailed_edge_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detailed_inside_object, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
