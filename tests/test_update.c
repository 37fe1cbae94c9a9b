/* test_update.c - unit tests for the conversation-change body validators (model/update.c) and the workflow-log query (model/workflow_filter.c). */
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
#include "lib/query.h"
#include "model/update.h"
#include "model/workflow_filter.h"

typedef struct fx {
    arena_t a;
    char err[512];
    conv_update_t u;
    uuid_str_t conv;
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

typedef int (*parse_fn)(arena_t *, const json_t *, conv_update_t *, char *, size_t);

/* Parses text (NULL = no body) and runs fn on it; the JSON is freed before
 * returning, so the results must not borrow from it. */
static int run(fx_t *f, parse_fn fn, const char *text)
{
    json_t *root = NULL;
    if (text) {
        json_error_t je;
        root = json_loads(text, JSON_DECODE_ANY, &je);
        if (!root)
            fail_msg("bad test JSON: %s in %s", je.text, text);
    }
    f->err[0] = '\0';
    int rc = fn(&f->a, root, &f->u, f->err, sizeof f->err);
    json_decref(root);
    return rc;
}

static int run_opp(fx_t *f, const char *text)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_DECODE_ANY, &je);
    if (!root)
        fail_msg("bad test JSON: %s in %s", je.text, text);
    f->err[0] = '\0';
    int rc = update_parse_opportunity(&f->a, root, &f->u, f->conv, f->err, sizeof f->err);
    json_decref(root);
    return rc;
}

/* fn(text) fails with an error message containing want. */
static void expect_fail(fx_t *f, parse_fn fn, const char *text, const char *want)
{
    if (run(f, fn, text) != -1)
        fail_msg("accepted %s", text ? text : "(no body)");
    if (!strstr(f->err, want))
        fail_msg("error for %s: got \"%s\", want it to contain \"%s\"", text ? text : "(no body)", f->err, want);
}

/* A JSON string of n copies of the UTF-8 character ch (1..4 bytes), arena-owned. */
static const char *repeat(fx_t *f, const char *ch, size_t n)
{
    size_t l = strlen(ch);
    char *s = arena_alloc(&f->a, n * l + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * l, ch, l);
    s[n * l] = '\0';
    return s;
}

static void test_put_conversation(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run(f, update_parse_conversation, "{\"title\":\"New\"}"), 0);
    assert_string_equal(f->u.title, "New");
    assert_null(f->u.labels_json);
    assert_int_equal(f->u.privacy, CONV_PRIVACY_KEEP);
    assert_string_equal(f->u.workflow_name, "title_changed");

    assert_int_equal(run(f, update_parse_conversation, "{\"labels\":{\"Stage\":\"Won\"},\"title\":null}"), 0);
    assert_null(f->u.title);
    assert_string_equal(f->u.labels_json, "{\"Stage\":\"Won\"}");
    assert_string_equal(f->u.workflow_name, "labels_changed");

    assert_int_equal(run(f, update_parse_conversation, "{\"title\":\"T\",\"labels\":{},\"unknown\":[1]}"), 0);
    assert_string_equal(f->u.title, "T");
    assert_string_equal(f->u.labels_json, "{}");
    assert_string_equal(f->u.workflow_name, "updated");
    assert_null(f->u.linked_crm_json);
    assert_null(f->u.confirm_intel_json);
    assert_null(f->u.external_opportunity_json);

    expect_fail(f, update_parse_conversation, "{}", "title or labels");
    expect_fail(f, update_parse_conversation, "{\"title\":null,\"labels\":null}", "title or labels");
    expect_fail(f, update_parse_conversation, "[]", "must be a JSON object");
    expect_fail(f, update_parse_conversation, NULL, "must be a JSON object");
    expect_fail(f, update_parse_conversation, "{\"title\":5}", "title must be a string");
    expect_fail(f, update_parse_conversation, "{\"title\":\"\"}", "title must be 1 to 500 characters");
    expect_fail(f, update_parse_conversation, "{\"title\":\"ok\",\"labels\":[]}", "labels must be an object");
}

static void test_title(void **state)
{
    fx_t *f = *state;
    char body[4096];
    /* 500 characters of 2 bytes each: characters count, not bytes */
    snprintf(body, sizeof body, "{\"title\":\"%s\"}", repeat(f, "\xc3\xa9", 500));
    assert_int_equal(run(f, update_parse_title, body), 0);
    assert_int_equal(strlen(f->u.title), 1000);
    assert_string_equal(f->u.workflow_name, "title_changed");
    snprintf(body, sizeof body, "{\"title\":\"%s\"}", repeat(f, "x", 501));
    expect_fail(f, update_parse_title, body, "title must be 1 to 500 characters long, got 501");
    snprintf(body, sizeof body, "{\"title\":\"%s\"}", repeat(f, "\xf0\x9f\x98\x80", 500)); /* emoji, 4 bytes */
    assert_int_equal(run(f, update_parse_title, body), 0);

    assert_int_equal(run(f, update_parse_title, "{\"title\":\"  spaced \\\" quote\"}"), 0);
    assert_string_equal(f->u.title, "  spaced \" quote");
    expect_fail(f, update_parse_title, "{}", "title is required");
    expect_fail(f, update_parse_title, "{\"title\":null}", "title is required");
    expect_fail(f, update_parse_title, "{\"title\":[\"a\"]}", "title must be a string");
    expect_fail(f, update_parse_title, "\"x\"", "must be a JSON object");
}

static void test_labels(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run(f, update_parse_labels, "{\"labels\":{\"a\":\"1\",\"b\":\"\"},\"skip_analysis\":true}"), 0);
    assert_string_equal(f->u.labels_json, "{\"a\":\"1\",\"b\":\"\"}");
    assert_string_equal(f->u.workflow_name, "labels_changed");
    assert_null(f->u.title);

    expect_fail(f, update_parse_labels, "{}", "labels is required");
    expect_fail(f, update_parse_labels, "{\"labels\":\"x\"}", "labels must be an object");
    expect_fail(f, update_parse_labels, "{\"labels\":{\"a\":1}}", "labels[\"a\"] must be a string");
    expect_fail(f, update_parse_labels, "{\"labels\":{\"a\":null}}", "labels[\"a\"] must be a string");
    expect_fail(f, update_parse_labels, "{\"labels\":{\"\":\"v\"}}", "labels keys must be 1 to 200 characters");
    expect_fail(f, update_parse_labels, "{\"labels\":{},\"skip_analysis\":\"yes\"}", "skip_analysis must be a boolean");

    char body[8192];
    snprintf(body, sizeof body, "{\"labels\":{\"%s\":\"v\"}}", repeat(f, "k", 201));
    expect_fail(f, update_parse_labels, body, "labels keys must be 1 to 200 characters long, got 201");
    snprintf(body, sizeof body, "{\"labels\":{\"%s\":\"v\"}}", repeat(f, "k", 200));
    assert_int_equal(run(f, update_parse_labels, body), 0);
    snprintf(body, sizeof body, "{\"labels\":{\"k\":\"%s\"}}", repeat(f, "v", 1001));
    expect_fail(f, update_parse_labels, body, "labels[\"k\"] must be at most 1000 characters long, got 1001");
    snprintf(body, sizeof body, "{\"labels\":{\"k\":\"%s\"}}", repeat(f, "\xc3\xa9", 1000));
    assert_int_equal(run(f, update_parse_labels, body), 0);

    /* 200 categories are fine, 201 are not */
    buf_t b;
    for (int n = 200; n <= 201; n++) {
        buf_init(&b);
        buf_puts(&b, "{\"labels\":{");
        for (int i = 0; i < n; i++)
            buf_printf(&b, "%s\"c%d\":\"v\"", i ? "," : "", i);
        buf_puts(&b, "}}");
        if (n == 200)
            assert_int_equal(run(f, update_parse_labels, b.data), 0);
        else
            expect_fail(f, update_parse_labels, b.data, "labels must have at most 200 categories, got 201");
        buf_free(&b);
    }
}

static void test_privacy(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run(f, update_parse_privacy, NULL), 0);
    assert_int_equal(f->u.privacy, CONV_PRIVACY_TOGGLE);
    assert_string_equal(f->u.workflow_name, "privacy_changed");
    assert_int_equal(run(f, update_parse_privacy, "{}"), 0);
    assert_int_equal(f->u.privacy, CONV_PRIVACY_TOGGLE);
    assert_int_equal(run(f, update_parse_privacy, "{\"private\":true}"), 0);
    assert_int_equal(f->u.privacy, CONV_PRIVACY_PRIVATE);
    assert_int_equal(run(f, update_parse_privacy, "{\"private\":false}"), 0);
    assert_int_equal(f->u.privacy, CONV_PRIVACY_PUBLIC);
    assert_null(f->u.title);
    expect_fail(f, update_parse_privacy, "{\"private\":\"true\"}", "private must be a boolean");
    expect_fail(f, update_parse_privacy, "{\"private\":1}", "private must be a boolean");
    expect_fail(f, update_parse_privacy, "[true]", "must be a JSON object");
}

static void test_linked_crm(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run(f, update_parse_linked_crm,
                         "{\"linkedCrmRecords\":[{\"id\":\"001\",\"code\":\"account\",\"name\":\"Acme\"}]}"),
                     0);
    assert_string_equal(f->u.linked_crm_json, "[{\"id\":\"001\",\"code\":\"account\",\"name\":\"Acme\"}]");
    assert_string_equal(f->u.workflow_name, "linked_crm_records_changed");
    assert_int_equal(run(f, update_parse_linked_crm, "[{\"id\":\"1\",\"code\":\"deal\"}]"), 0);
    assert_string_equal(f->u.linked_crm_json, "[{\"id\":\"1\",\"code\":\"deal\"}]");
    assert_int_equal(run(f, update_parse_linked_crm, "[]"), 0);
    assert_string_equal(f->u.linked_crm_json, "[]");

    expect_fail(f, update_parse_linked_crm, "{}", "linkedCrmRecords is required");
    expect_fail(f, update_parse_linked_crm, "{\"linkedCrmRecords\":{}}", "linkedCrmRecords must be an array");
    expect_fail(f, update_parse_linked_crm, "[1]", "linkedCrmRecords[0] must be an object");
    expect_fail(f, update_parse_linked_crm, "[{\"id\":\"1\",\"code\":\"a\"},{\"code\":\"a\"}]",
                "linkedCrmRecords[1].id must be a string");
    expect_fail(f, update_parse_linked_crm, "[{\"id\":\"1\",\"code\":2}]", "linkedCrmRecords[0].code must be a string");
    expect_fail(f, update_parse_linked_crm, NULL, "must be {\"linkedCrmRecords\"");

    buf_t b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (int i = 0; i < 101; i++)
        buf_printf(&b, "%s{\"id\":\"%d\",\"code\":\"c\"}", i ? "," : "", i);
    buf_putc(&b, ']');
    expect_fail(f, update_parse_linked_crm, b.data, "at most 100 records, got 101");
    buf_free(&b);
}

static void test_crm_confirm(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run(f, update_parse_crm_confirm,
                         "{\"intelligence\":[{\"id\":\"i1\",\"key\":\"budget\",\"value\":\"10k\",\"title\":\"Budget\"},"
                         "{\"key\":\"seats\",\"value\":12,\"category\":\"deal\",\"source\":\"ai\"},"
                         "{\"id\":\"i3\",\"key\":\"budget\",\"value\":\"20k\",\"title\":\"Budget\"}]}"),
                     0);
    assert_string_equal(f->u.confirm_intel_json,
                        "{\"budget\":{\"id\":\"i3\",\"key\":\"budget\",\"value\":\"20k\",\"title\":\"Budget\","
                        "\"category\":\"\",\"source\":\"\"},"
                        "\"seats\":{\"id\":\"\",\"key\":\"seats\",\"value\":12,\"title\":\"\",\"category\":\"deal\","
                        "\"source\":\"ai\"}}");
    assert_null(f->u.external_opportunity_json);
    assert_string_equal(f->u.workflow_name, "crm_confirmed");

    assert_int_equal(run(f, update_parse_crm_confirm, "{\"intelligence\":[],\"opportunity_id\":\"opp-1\"}"), 0);
    assert_string_equal(f->u.confirm_intel_json, "{}");
    assert_string_equal(f->u.external_opportunity_json, "{\"uuid\":\"opp-1\",\"title\":\"\"}");

    expect_fail(f, update_parse_crm_confirm, "{}", "intelligence is required");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":{}}", "intelligence must be an array");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[\"x\"]}", "intelligence[0] must be an object");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[{\"value\":\"v\"}]}", "intelligence[0].key is required");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[{\"key\":\"\",\"value\":\"v\"}]}",
                "intelligence[0].key is required");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[{\"key\":\"k\"}]}", "intelligence[0].value is required");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[{\"key\":\"k\",\"value\":{}}]}",
                "intelligence[0].value is required and must be a string, number or boolean");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[{\"key\":\"k\",\"value\":\"v\",\"title\":3}]}",
                "intelligence[0].title must be a string");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[],\"opportunity_id\":7}",
                "opportunity_id must be a string");
    expect_fail(f, update_parse_crm_confirm, "{\"intelligence\":[],\"opportunity_id\":\"\"}",
                "opportunity_id must be 1 to 255 characters");
}

static void test_opportunity(void **state)
{
    fx_t *f = *state;
    assert_int_equal(run_opp(f, "{\"conversation_id\":\"0190A1B2-C3D4-7E5F-8A9B-00000000000A\","
                                "\"opportunity_id\":\"opp-9\",\"entity_code\":\"deal\"}"),
                     0);
    assert_string_equal(f->conv, "0190a1b2-c3d4-7e5f-8a9b-00000000000a");
    assert_string_equal(f->u.external_opportunity_json, "{\"uuid\":\"opp-9\",\"title\":\"\"}");
    assert_string_equal(f->u.workflow_name, "opportunity_changed");
    assert_int_equal(run_opp(f, "{\"conversation_id\":\"0190a1b2-c3d4-7e5f-8a9b-00000000000a\","
                                "\"remove_opportunity\":true}"),
                     0);
    assert_string_equal(f->u.external_opportunity_json, "{}");

    static const struct { const char *body, *want; } bad[] = {
        {"{}", "conversation_id is required"},
        {"{\"conversation_id\":5,\"opportunity_id\":\"o\"}", "conversation_id must be a string"},
        {"{\"conversation_id\":\"nope\",\"opportunity_id\":\"o\"}", "conversation_id must be a UUID, got \"nope\""},
        {"{\"conversation_id\":\"0190a1b2-c3d4-7e5f-8a9b-00000000000a\"}", "opportunity_id is required unless"},
        {"{\"conversation_id\":\"0190a1b2-c3d4-7e5f-8a9b-00000000000a\",\"remove_opportunity\":false}",
         "opportunity_id is required unless"},
        {"{\"conversation_id\":\"0190a1b2-c3d4-7e5f-8a9b-00000000000a\",\"remove_opportunity\":\"yes\"}",
         "remove_opportunity must be a boolean"},
        {"{\"conversation_id\":\"0190a1b2-c3d4-7e5f-8a9b-00000000000a\",\"remove_opportunity\":true,"
         "\"opportunity_id\":\"o\"}",
         "not both"},
        {"{\"conversation_id\":\"0190a1b2-c3d4-7e5f-8a9b-00000000000a\",\"opportunity_id\":\"o\",\"entity_code\":1}",
         "entity_code must be a string"},
        {"[]", "must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (run_opp(f, bad[i].body) != -1)
            fail_msg("accepted %s", bad[i].body);
        if (!strstr(f->err, bad[i].want))
            fail_msg("error for %s: got \"%s\", want \"%s\"", bad[i].body, f->err, bad[i].want);
    }
}

/* Parses the query string qs into f's arena and runs workflow_filter_parse. */
static int wf(fx_t *f, const char *qs, store_workflow_filter_t *out)
{
    query_t q;
    const char *why = NULL;
    assert_int_equal(query_parse(&f->a, qs, strlen(qs), &q, &why), 0);
    f->err[0] = '\0';
    return workflow_filter_parse(&f->a, &q, out, f->err, sizeof f->err);
}

static void test_workflow_filter(void **state)
{
    fx_t *f = *state;
    store_workflow_filter_t w;
    assert_int_equal(wf(f, "", &w), 0);
    assert_int_equal(w.limit, 100);
    assert_int_equal(w.offset, 0);
    assert_int_equal(w.success, -1);
    assert_false(w.has_from);
    assert_false(w.has_to);
    assert_int_equal(w.conversation_uuids.n, 0);

    assert_int_equal(wf(f,
                        "limit=1000&offset=5&success=false&fromDateTime=2024-03-18T10:00:00Z"
                        "&toDateTime=2024-03-18T12:00:00%2B02:00"
                        "&conversationUUIDs=0190A1B2-C3D4-7E5F-8A9B-00000000000A,0190a1b2-c3d4-7e5f-8a9b-00000000000b"
                        "&conversationUUIDs%5B%5D=0190a1b2-c3d4-7e5f-8a9b-00000000000c&other=x",
                        &w),
                     0);
    assert_int_equal(w.limit, 1000);
    assert_int_equal(w.offset, 5);
    assert_int_equal(w.success, 0);
    assert_true(w.has_from && w.has_to);
    assert_int_equal(w.from, 1710756000000);
    assert_int_equal(w.to, 1710756000000);
    assert_int_equal(w.conversation_uuids.n, 3);
    assert_string_equal(w.conversation_uuids.v[0], "0190a1b2-c3d4-7e5f-8a9b-00000000000a");
    assert_string_equal(w.conversation_uuids.v[2], "0190a1b2-c3d4-7e5f-8a9b-00000000000c");
    assert_int_equal(wf(f, "success=1", &w), 0);
    assert_int_equal(w.success, 1);

    static const struct { const char *qs, *want; } bad[] = {
        {"limit=0", "limit must be an integer between 1 and 1000, got \"0\""},
        {"limit=1001", "limit must be an integer between 1 and 1000"},
        {"limit=", "limit must be an integer"},
        {"limit=ten", "got \"ten\""},
        {"offset=-1", "offset must be an integer between 0 and"},
        {"success=maybe", "success must be a boolean"},
        {"fromDateTime=yesterday", "fromDateTime must be an RFC 3339 time"},
        {"toDateTime=", "toDateTime must be an RFC 3339 time"},
        {"fromDateTime=2024-03-19T00:00:00Z&toDateTime=2024-03-18T00:00:00Z", "fromDateTime must not be after"},
        {"conversationUUIDs=abc", "conversationUUIDs values must be UUIDs, got \"abc\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (wf(f, bad[i].qs, &w) != -1)
            fail_msg("accepted %s", bad[i].qs);
        if (!strstr(f->err, bad[i].want))
            fail_msg("error for %s: got \"%s\", want \"%s\"", bad[i].qs, f->err, bad[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_conversation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_title, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privacy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linked_crm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crm_confirm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opportunity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workflow_filter, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
