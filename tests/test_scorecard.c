/* test_scorecard.c - unit tests for the scorecard bodies, result checks and rendering, and the scorecardResults append (model/scorecard.c). */
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
#include "model/scorecard.h"
#include "model/update.h"

#define T_SC "0190aaaa-bbbb-7ccc-8ddd-000000000001"
#define T_I1 "0190aaaa-bbbb-7ccc-8ddd-000000000011"
#define T_I2 "0190aaaa-bbbb-7ccc-8ddd-000000000012"
#define T_CV "0190aaaa-bbbb-7ccc-8ddd-000000000021"

static json_t *t_json(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!j)
        fail_msg("bad test JSON: %s", text);
    return j;
}

static void test_scorecard_body(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    char err[256];
    unsigned set;
    scorecard_t s;
    memset(&s, 0, sizeof s);
    scorecard_defaults(&s);
    json_t *j = t_json("{\"title\":\"Discovery\",\"teamUUID\":\"0190AAAA-BBBB-7CCC-8DDD-000000000099\","
                       "\"criteria\":{\"conditions\":[{\"a\":1}]},\"unknown\":true}");
    assert_int_equal(scorecard_body_parse(&a, j, true, &s, &set, err, sizeof err), 0);
    assert_string_equal(s.title, "Discovery");
    assert_string_equal(s.team_uuid, "0190aaaa-bbbb-7ccc-8ddd-000000000099");
    assert_false(s.all_teams);
    assert_true(s.enabled);
    assert_string_equal(s.criteria_json, "{\"operator\":\"AND\",\"conditions\":[{\"a\":1}]}");
    assert_int_equal(set, SC_F_TITLE | SC_F_TEAM | SC_F_CRITERIA);
    json_decref(j);

    static const struct { bool create; const char *body, *msg; } bad[] = {
        {true, "{\"allTeams\":true}", "title is required (1-128 characters)"},
        {true, "{\"title\":\"t\"}", "one of teamUUID and allTeams: true is required"},
        {true, "{\"title\":\"t\",\"allTeams\":false}", "allTeams: false needs a teamUUID"},
        {true, "{\"title\":\"t\",\"allTeams\":true,\"teamUUID\":\"0190aaaa-bbbb-7ccc-8ddd-000000000099\"}",
         "give either teamUUID or allTeams: true, not both"},
        {true, "{\"title\":\"t\",\"teamUUID\":\"nope\"}", "teamUUID must be a UUID, got \"nope\""},
        {true, "{\"title\":\"t\",\"allTeams\":true,\"interactionType\":\"fax\"}",
         "interactionType must be \"conversation\", \"chat\" or \"email\""},
        {false, "{}", "give at least one of title, teamUUID, allTeams, enabled, interactionType, detailedInstructions, "
                      "scorecardPrompt, expertMode, isDefaultTemplate, criteria"},
        {false, "{\"criteria\":{\"operator\":\"NOR\"}}", "criteria.operator must be \"AND\" or \"OR\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scorecard_t t;
        memset(&t, 0, sizeof t);
        scorecard_defaults(&t);
        j = t_json(bad[i].body);
        assert_int_equal(scorecard_body_parse(&a, j, bad[i].create, &t, &set, err, sizeof err), -1);
        assert_string_equal(err, bad[i].msg);
        json_decref(j);
    }
    arena_free(&a);
}

static void test_item_body(void **state)
{
    (void)state;
    char err[256];
    unsigned set;
    scorecard_item_t it;
    memset(&it, 0, sizeof it);
    scorecard_item_defaults(&it);
    json_t *j = t_json("{\"title\":\"Budget\",\"type\":\"numeric\",\"weight\":12.5,"
                       "\"metadata\":{\"numericMetadata\":{\"min\":-10,\"max\":10}}}");
    assert_int_equal(scorecard_item_body_parse(j, true, &it, &set, err, sizeof err), 0);
    assert_true(it.weight == 12.5 && it.num_min == -10 && it.num_middle == 0 && it.num_max == 10);
    json_decref(j);
    /* a PATCH merges: the middle stays, the range must still hold it */
    j = t_json("{\"metadata\":{\"numericMetadata\":{\"min\":1}}}");
    assert_int_equal(scorecard_item_body_parse(j, false, &it, &set, err, sizeof err), -1);
    assert_string_equal(err, "metadata.numericMetadata.middle must lie within min-max, got 0");
    json_decref(j);
    j = t_json("{\"title\":\"t\",\"type\":\"numeric\"}");
    assert_int_equal(scorecard_item_body_parse(j, true, &it, &set, err, sizeof err), -1);
    assert_string_equal(err, "weight is required (a number from 0 to 100)");
    json_decref(j);
}

/* The items of the scorecard the result tests use. */
static void t_items(scorecard_item_t items[2])
{
    memset(items, 0, 2 * sizeof *items);
    for (int i = 0; i < 2; i++) {
        scorecard_item_defaults(&items[i]);
        snprintf(items[i].uuid, sizeof items[i].uuid, "%s", i ? T_I2 : T_I1);
        items[i].title = i ? "Budget" : "Pain";
    }
    items[0].weight = 30;
    items[1].weight = 10;
    items[1].num_max = 10;
}

static void test_result(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    char err[256];
    scorecard_item_t items[2];
    t_items(items);
    scorecard_result_req_t rq;
    json_t *j = t_json("{\"scorecard_uuid\":\"" T_SC "\",\"conversation_uuid\":\"" T_CV "\",\"summary\":\"ok\","
                       "\"items\":[{\"scorecard_item_uuid\":\"" T_I1 "\",\"description\":\"d\",\"numeric_result\":80},"
                       "{\"scorecard_item_uuid\":\"" T_I2 "\",\"numeric_result\":5}]}");
    assert_int_equal(scorecard_result_parse(&a, j, &rq, err, sizeof err), 0);
    assert_int_equal(scorecard_result_check(&rq, items, 2, err, sizeof err), 0);
    double lo, hi;
    assert_true(scorecard_result_score(&rq, items, 2, &lo, &hi) == 61.25);
    assert_true(lo == 5 && hi == 80);
    buf_t b;
    buf_init(&b);
    scorecard_result_render(&b, "r-1", "Card", &rq, items, 2);
    assert_string_equal(b.data, "{\"uuid\":\"r-1\",\"title\":\"Card\",\"items\":[{\"uuid\":\"" T_I1 "\",\"title\":\"Pain\","
                                "\"description\":\"d\",\"score\":80},{\"uuid\":\"" T_I2 "\",\"title\":\"Budget\","
                                "\"description\":\"\",\"score\":5}],\"summary\":{\"averageScore\":61.25,\"min\":5,"
                                "\"max\":80,\"summaryText\":\"ok\"}}");
    buf_free(&b);
    /* out of range, unknown item */
    rq.items[1].score = 11;
    assert_int_equal(scorecard_result_check(&rq, items, 2, err, sizeof err), -1);
    assert_string_equal(err, "items[1].numeric_result must lie within the item's range 0-10, got 11");
    assert_int_equal(scorecard_result_check(&rq, items, 1, err, sizeof err), -1);
    assert_string_equal(err, "items[1].scorecard_item_uuid " T_I2 " is not an item of scorecard " T_SC);
    json_decref(j);
    j = t_json("{\"scorecard_uuid\":\"" T_SC "\",\"chat_uuid\":\"" T_CV "\",\"conversation_uuid\":\"" T_CV "\","
               "\"items\":[{\"scorecard_item_uuid\":\"" T_I1 "\"}]}");
    assert_int_equal(scorecard_result_parse(&a, j, &rq, err, sizeof err), -1);
    assert_string_equal(err, "give either conversation_uuid or chat_uuid, not both");
    json_decref(j);
    arena_free(&a);
}

static void test_append(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    static const struct { const char *old, *want; } cases[] = {
        {NULL, "[{\"x\":1}]"},
        {"", "[{\"x\":1}]"},
        {"[]", "[{\"x\":1}]"},
        {" [ ] ", "[{\"x\":1}]"},
        {"[{\"a\":[1]}]", "[{\"a\":[1]},{\"x\":1}]"},
        {"[{\"a\":2}] \n", "[{\"a\":2},{\"x\":1}]"},
        {"{}", "[{\"x\":1}]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(scorecard_results_append(cases[i].old, "{\"x\":1}", &b), 0);
        assert_string_equal(b.data, cases[i].want);
    }
    buf_free(&b);
    assert_true(scorecard_round2(61.255) == 61.26 || scorecard_round2(61.255) == 61.25); /* binary: either side */
    assert_true(scorecard_round2(2.0 / 3.0) == 0.67);
}

/* A result reaches its conversation as an update (update_apply): scorecardResults grows by the entry and
 * the stored document says `analyzed` (conv_store_prepare); nothing else changes. */
static void test_result_as_update(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    conv_t c;
    memset(&c, 0, sizeof c);
    c.title = "Call";
    c.scorecards_json = "[]";
    buf_t doc;
    buf_init(&doc);
    assert_int_equal(conv_store_prepare(&a, &c, &doc), 0);
    assert_false(c.analyzed);
    conv_update_t u = {.privacy = CONV_PRIVACY_KEEP, .scorecard_entry_json = "{\"uuid\":\"r1\"}",
                       .workflow_name = "scorecard_result_created"};
    assert_int_equal(update_apply(&a, &c, &u), 0);
    assert_int_equal(update_apply(&a, &c, &u), 0); /* each call adds one, as hosted */
    assert_string_equal(c.scorecards_json, "[{\"uuid\":\"r1\"},{\"uuid\":\"r1\"}]");
    assert_string_equal(c.title, "Call");
    assert_int_equal(conv_store_prepare(&a, &c, &doc), 0);
    assert_true(c.analyzed);
    assert_non_null(strstr(doc.data, "\"scorecardResults\":[{\"uuid\":\"r1\"},{\"uuid\":\"r1\"}]"));
    buf_free(&doc);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scorecard_body),
        cmocka_unit_test(test_item_body),
        cmocka_unit_test(test_result),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_result_as_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
