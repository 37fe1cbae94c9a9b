/* test_ask.c - unit tests for Ask Attention's words, transcript segments, request body and BM25 ranking (model/ask.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "model/ask.h"

/* The words of s joined by '|'. */
static void t_words(const char *s, char *out, size_t cap)
{
    char w[ASK_TERM_MAX + 1];
    size_t pos = 0, n = strlen(s), len;
    out[0] = '\0';
    while ((len = ask_next_word(s, n, &pos, w)) > 0) {
        size_t have = strlen(out);
        snprintf(out + have, cap - have, "%s%s", have ? "|" : "", w);
    }
}

static void test_words(void **state)
{
    (void)state;
    char got[512];
    t_words("Hello, World! it's 3.5 e-mail don't", got, sizeof got);
    assert_string_equal(got, "hello|world|it|s|3|5|e|mail|don|t");
    /* non-ASCII letters are word characters (ASCII alone lowercased); punctuation and symbols separate */
    t_words("Zürich café it\xe2\x80\x99s \xc3\x97\xc3\xb7 \xc3\x9c" "BER \xc2\xabquoted\xc2\xbb x\xe2\x80\x94y na\xc3\xafve "
            "\xc3\xa9moji\xf0\x9f\x8e\x89yes", got, sizeof got);
    assert_string_equal(got, "zürich|café|it|s|Über|quoted|x|y|naïve|émoji|yes");
    /* bytes that are not UTF-8 separate, never join */
    t_words("ab\xff" "cd\xc3", got, sizeof got);
    assert_string_equal(got, "ab|cd");
    t_words("", got, sizeof got);
    assert_string_equal(got, "");
    /* a word longer than ASK_TERM_MAX bytes is skipped whole */
    char longw[600];
    memset(longw, 'a', 300);
    snprintf(longw + 300, sizeof longw - 300, " short");
    t_words(longw, got, sizeof got);
    assert_string_equal(got, "short");
}

static void test_length_and_tsvector(void **state)
{
    (void)state;
    assert_int_equal(ask_length(""), 0);
    assert_int_equal(ask_length(NULL), 0);
    assert_int_equal(ask_length("one"), 1);
    assert_int_equal(ask_length("one two  three"), 4); /* spaces + 1, as the migrations count */
    buf_t b;
    buf_init(&b);
    assert_int_equal(ask_tsvector("It's a Test, it's", &b), 0);
    assert_string_equal(b.data, "'it' 's' 'a' 'test'");
    /* distinct words only, the first ASK_TSVECTOR_WORDS_MAX of them: a tsvector holds at most 1 MB */
    buf_t big;
    buf_init(&big);
    for (int i = 0; i < 300000; i++)
        buf_puts(&big, i % 2 ? "word " : "Word ");
    for (int i = 0; i < ASK_TSVECTOR_WORDS_MAX + 10; i++)
        buf_printf(&big, "w%d ", i);
    buf_reset(&b);
    assert_int_equal(ask_tsvector(big.data, &b), 0);
    assert_int_equal(strncmp(b.data, "'word' 'w0' 'w1' ", 17), 0);
    size_t quotes = 0;
    for (size_t i = 0; i < b.len; i++)
        quotes += b.data[i] == '\'';
    assert_int_equal(quotes, 2 * ASK_TSVECTOR_WORDS_MAX);
    assert_true(b.len < 1000000);
    buf_free(&big);
    buf_free(&b);
}

/* ask_segment_cb: records "seq:start-end:text;" into the buf_t ctx. */
static int t_seg_cb(void *ctx, const ask_segment_t *s)
{
    buf_printf(ctx, "%d:%g-%g:%s;", s->seq, s->start_sec, s->end_sec, s->text);
    return 0;
}

static int t_stop_cb(void *ctx, const ask_segment_t *s)
{
    (void)ctx;
    return s->seq == 1;
}

static void test_segments(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    const char *v1 = "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"A\",\"sentence\":\"Hi there\",\"startTimestamp\":0,"
                     "\"endTimestamp\":1.5},{\"speaker\":\"B\",\"sentence\":\"Bye\",\"startTimestamp\":2,\"endTimestamp\":3}]}";
    assert_int_equal(ask_segments_each(v1, t_seg_cb, &b), 2);
    assert_string_equal(b.data, "0:0-1.5:Hi there;1:2-3:Bye;");
    assert_int_equal(ask_segments_each(NULL, t_seg_cb, &b), 0);
    assert_int_equal(ask_segments_each("", t_seg_cb, &b), 0);
    assert_int_equal(ask_segments_each("{\"final\":[]}", t_seg_cb, &b), 0);
    assert_int_equal(ask_segments_each("not json", t_seg_cb, &b), -1);
    assert_int_equal(ask_segments_each("{\"final\":3}", t_seg_cb, &b), -1);
    assert_int_equal(ask_segments_each(v1, t_stop_cb, NULL), -1);
    buf_free(&b);
}

/* Parses text as an ask body; returns ask_body_parse's answer with the message in err. */
static int t_parse(arena_t *a, const char *text, ask_request_t *rq, char *err, size_t n)
{
    json_t *root = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(root);
    err[0] = '\0';
    int rc = ask_body_parse(a, root, rq, err, n);
    json_decref(root); /* rq's strings are copies in a */
    return rc;
}

static void test_body(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    ask_request_t *rq = arena_alloc(&a, sizeof *rq);
    char err[256];
    assert_int_equal(t_parse(&a, "{\"conversations_ids\":[\"0190AAAA-BBBB-7CCC-8DDD-EEEEEEEEEEEE\",\"x\","
                                 "\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"x\"],\"deal_id\":\"\","
                                 "\"prompt\":\"Pricing? pricing, PRICING and budget\",\"extra\":1}",
                             rq, err, sizeof err),
                     0);
    assert_int_equal(rq->n_conversations, 2);
    assert_string_equal(rq->conversation_ids[0], "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee");
    assert_string_equal(rq->conversation_ids[1], "x");
    assert_null(rq->deal_id);
    assert_int_equal(rq->n_terms, 3);
    assert_string_equal(rq->terms[0], "pricing");
    assert_string_equal(rq->terms[2], "budget");
    assert_int_equal(t_parse(&a, "{\"deal_id\":\"d-1\",\"prompt\":\"x\"}", rq, err, sizeof err), 0);
    assert_string_equal(rq->deal_id, "d-1");

    static const struct { const char *body, *msg; } bad[] = {
        {"{\"conversations_ids\":[\"a\"],\"deal_id\":\"d\",\"prompt\":\"x\"}",
         "you must provide either a deal ID or conversation IDs, not both"},
        {"{\"conversations_ids\":[],\"deal_id\":\"\",\"prompt\":\"x\"}",
         "at least one of deal_id or conversations_ids is required"},
        {"{\"prompt\":\"x\"}", "at least one of deal_id or conversations_ids is required"},
        {"{\"deal_id\":\"d\"}", "prompt is required (a non-empty string)"},
        {"{\"deal_id\":\"d\",\"prompt\":\"...\"}", "prompt has no words to search for (letters or digits)"},
        {"{\"deal_id\":\"d\",\"prompt\":[]}", "prompt must be a string, got an array"},
        {"{\"conversations_ids\":\"a\",\"prompt\":\"x\"}", "conversations_ids must be an array of strings"},
        {"{\"conversations_ids\":[null],\"prompt\":\"x\"}", "conversations_ids[0] must be a string"},
        {"[]", "the body must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (t_parse(&a, bad[i].body, rq, err, sizeof err) != -1)
            fail_msg("accepted %s", bad[i].body);
        assert_string_equal(err, bad[i].msg);
    }
    arena_free(&a);
}

/* The ranking: BM25 by hand for a small collection. */
static void test_rank(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    ask_request_t *rq = arena_alloc(&a, sizeof *rq);
    char err[256];
    assert_int_equal(t_parse(&a, "{\"deal_id\":\"d\",\"prompt\":\"the rare word\"}", rq, err, sizeof err), 0);
    /* a collection of 10 segments of 4 words each (length 40); the hits hold a term */
    ask_hit_t hits[] = {
        {.seq = 3, .start_sec = 30, .end_sec = 31, .text = "the cat sat down"},
        {.seq = 1, .start_sec = 10, .end_sec = 11, .text = "the the the dog"},
        {.seq = 7, .start_sec = 70, .end_sec = 71, .text = "one rare word here"},
        {.seq = 5, .start_sec = 50, .end_sec = 51, .text = "the word of god"},
    };
    ask_stats_t st = {.segments = 10, .length = 40};
    size_t n = ask_rank(rq, hits, 4, &st, 2);
    assert_int_equal(n, 2);
    /* idf(the) = ln(1 + 7.5/3.5), idf(rare) = ln(1 + 9.5/1.5), idf(word) = ln(1 + 8.5/2.5); norm = 1.2 (length 4 = avg) */
    double idf_the = log(1 + 7.5 / 3.5), idf_rare = log(1 + 9.5 / 1.5), idf_word = log(1 + 8.5 / 2.5);
    double s7 = idf_rare * 2.2 / 2.2 + idf_word * 2.2 / 2.2;
    double s5 = idf_the * 2.2 / 2.2 + idf_word * 2.2 / 2.2;
    double s1 = idf_the * 3 * 2.2 / (3 + 1.2);
    assert_true(s7 > s5 && s5 > s1);
    /* the best two, in time order */
    assert_int_equal(hits[0].seq, 5);
    assert_int_equal(hits[1].seq, 7);
    assert_true(hits[0].score > s5 - 1e-12 && hits[0].score < s5 + 1e-12);
    assert_true(hits[1].score > s7 - 1e-12 && hits[1].score < s7 + 1e-12);
    assert_int_equal(st.df[0], 3);
    assert_int_equal(st.df[1], 1);
    assert_int_equal(st.df[2], 2);

    /* ties go to the lower seq; hits without a term are never picked */
    ask_hit_t ties[] = {
        {.seq = 9, .start_sec = 9, .end_sec = 10, .text = "rare"},
        {.seq = 2, .start_sec = 2, .end_sec = 3, .text = "rare"},
        {.seq = 4, .start_sec = 1, .end_sec = 2, .text = "nothing here"},
    };
    ask_stats_t st2 = {.segments = 3, .length = 4};
    n = ask_rank(rq, ties, 3, &st2, 5);
    assert_int_equal(n, 2);
    assert_int_equal(ties[0].seq, 2);
    assert_int_equal(ties[1].seq, 9);
    /* given frequencies are used as they are */
    ask_hit_t one[] = {{.seq = 0, .start_sec = 0, .end_sec = 1, .text = "rare"}};
    ask_stats_t st3 = {.segments = 100, .length = 100, .have_df = true, .df = {0, 50, 0}};
    assert_int_equal(ask_rank(rq, one, 1, &st3, 5), 1);
    double want = log(1 + 50.5 / 50.5) * 2.2 / (1 + 1.2);
    assert_true(one[0].score > want - 1e-12 && one[0].score < want + 1e-12);
    assert_int_equal(ask_rank(rq, one, 0, &st3, 5), 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_length_and_tsvector),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
