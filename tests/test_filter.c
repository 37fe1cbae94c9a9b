/* test_filter.c - unit tests for list filter, paging and render option decoding (spec §4.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/arena.h"
#include "lib/query.h"
#include "model/filter.h"

#define U1 "0190a1b2-c3d4-7e5f-8a9b-00000000000a"
#define U2 "0190a1b2-c3d4-7e5f-8a9b-00000000000b"
#define U3 "0190a1b2-c3d4-7e5f-8a9b-00000000000c"

typedef struct fx {
    arena_t a;
    char err[256];
    conv_filter_t f;
    conv_render_opts_t ro;
} fx_t;

static int setup(void **state)
{
    fx_t *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    arena_init(&x->a);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx_t *x = *state;
    arena_free(&x->a);
    free(x);
    return 0;
}

/* Decodes qs (a raw query string) and runs conv_filter_parse for ep. */
static int parse(fx_t *x, const char *qs, filter_endpoint_t ep)
{
    query_t q;
    const char *why = NULL;
    if (query_parse(&x->a, qs, strlen(qs), &q, &why) != 0)
        fail_msg("bad test query %s: %s", qs, why);
    x->err[0] = '\0';
    return conv_filter_parse(&x->a, &q, ep, &x->f, &x->ro, x->err, sizeof x->err);
}

static void expect_ok(fx_t *x, const char *qs, filter_endpoint_t ep)
{
    if (parse(x, qs, ep) != 0)
        fail_msg("unexpected failure \"%s\" for %s", x->err, qs);
}

static void expect_error(fx_t *x, const char *qs, filter_endpoint_t ep, const char *msg)
{
    if (parse(x, qs, ep) != -1)
        fail_msg("expected \"%s\" for %s", msg, qs);
    assert_string_equal(x->err, msg);
}

static void test_defaults(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "", FILTER_ENDPOINT_CONVERSATIONS);
    conv_filter_t *f = &x->f;
    assert_int_equal(f->page, 1);
    assert_int_equal(f->size, 20);
    assert_false(f->has_from);
    assert_false(f->has_to);
    assert_int_equal(f->owner_ids.n, 0);
    assert_int_equal(f->owner_emails.n, 0);
    assert_int_equal(f->participant_emails.n, 0);
    assert_int_equal(f->opportunity_ids.n, 0);
    assert_int_equal(f->team_ids.n, 0);
    assert_int_equal(f->crm_values.n, 0);
    assert_null(f->title);
    assert_null(f->crm_entity_code);
    assert_null(f->crm_field_name);
    assert_false(f->hide_internal || f->hide_non_analyzed || f->hide_pending || f->hide_failed);
    assert_true(f->hide_empty);
    assert_int_equal(f->archived, CONV_ARCHIVED_EXCLUDE);
    assert_int_equal(x->ro.transcript, CONV_TRANSCRIPT_TEXT);
    assert_false(x->ro.hide_transcript || x->ro.include_internal_participants || x->ro.include_zoom_metadata ||
                 x->ro.include_import_metadata || x->ro.omit_intelligence);

    expect_ok(x, "", FILTER_ENDPOINT_LIST);
    assert_false(x->f.hide_empty);
    assert_true(x->ro.omit_intelligence);
    assert_int_equal(x->f.size, 20);
}

static void test_paging(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "page=3&size=100", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.page, 3);
    assert_int_equal(x->f.size, 100);
    expect_ok(x, "page%5Bnumber%5D=4&page%5Bsize%5D=7", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.page, 4);
    assert_int_equal(x->f.size, 7);
    /* the plain parameter wins over the alias */
    expect_ok(x, "page[number]=9&page=2&page[size]=9&size=5", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.page, 2);
    assert_int_equal(x->f.size, 5);
    expect_ok(x, "size=50", FILTER_ENDPOINT_LIST);
    assert_int_equal(x->f.size, 50);
    expect_ok(x, "page=2147483647&size=1", FILTER_ENDPOINT_LIST);
    assert_int_equal(x->f.page, 2147483647);
    assert_int_equal(x->f.size, 1);
    /* empty value: a bad value, and the plain key still wins over a good alias */
    expect_error(x, "page=&page[number]=2", FILTER_ENDPOINT_LIST,
                 "page must be an integer between 1 and 2147483647, got \"\"");
    expect_error(x, "size=", FILTER_ENDPOINT_LIST, "size must be an integer between 1 and 50, got \"\"");
}

static void test_paging_errors(void **state)
{
    fx_t *x = *state;
    expect_error(x, "size=101", FILTER_ENDPOINT_CONVERSATIONS, "size must be an integer between 1 and 100, got \"101\"");
    expect_error(x, "size=51", FILTER_ENDPOINT_LIST, "size must be an integer between 1 and 50, got \"51\"");
    expect_error(x, "size=0", FILTER_ENDPOINT_LIST, "size must be an integer between 1 and 50, got \"0\"");
    expect_error(x, "page[size]=500", FILTER_ENDPOINT_CONVERSATIONS,
                 "page[size] must be an integer between 1 and 100, got \"500\"");
    expect_error(x, "page=0", FILTER_ENDPOINT_CONVERSATIONS,
                 "page must be an integer between 1 and 2147483647, got \"0\"");
    expect_error(x, "page=-1", FILTER_ENDPOINT_CONVERSATIONS,
                 "page must be an integer between 1 and 2147483647, got \"-1\"");
    expect_error(x, "page=abc", FILTER_ENDPOINT_CONVERSATIONS,
                 "page must be an integer between 1 and 2147483647, got \"abc\"");
    expect_error(x, "page=1.5", FILTER_ENDPOINT_CONVERSATIONS,
                 "page must be an integer between 1 and 2147483647, got \"1.5\"");
    expect_error(x, "page=2147483648", FILTER_ENDPOINT_CONVERSATIONS,
                 "page must be an integer between 1 and 2147483647, got \"2147483648\"");
    expect_error(x, "page=99999999999999999999999", FILTER_ENDPOINT_CONVERSATIONS,
                 "page must be an integer between 1 and 2147483647, got \"99999999999999999999999\"");
    expect_error(x, "page[number]=x", FILTER_ENDPOINT_LIST,
                 "page[number] must be an integer between 1 and 2147483647, got \"x\"");
    expect_error(x, "size=1%20", FILTER_ENDPOINT_LIST, "size must be an integer between 1 and 50, got \"1 \"");
}

static void test_dates(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "fromDateTime=2024-03-18T10:00:00Z&toDateTime=2024-03-18T12:00:00%2B02:00",
              FILTER_ENDPOINT_CONVERSATIONS);
    assert_true(x->f.has_from);
    assert_true(x->f.has_to);
    assert_int_equal(x->f.from, 1710756000000); /* milliseconds */
    assert_int_equal(x->f.to, 1710756000000);   /* equal bounds allowed */
    expect_ok(x, "toDateTime=2024-03-18T10:00:00.5Z", FILTER_ENDPOINT_LIST);
    assert_false(x->f.has_from);
    assert_true(x->f.has_to);
    assert_int_equal(x->f.to, 1710756000500); /* fractions kept to the millisecond */
    expect_error(x, "fromDateTime=yesterday", FILTER_ENDPOINT_LIST,
                 "fromDateTime must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"yesterday\"");
    expect_error(x, "toDateTime=2024-02-30T00:00:00Z", FILTER_ENDPOINT_LIST,
                 "toDateTime must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"2024-02-30T00:00:00Z\"");
    expect_error(x, "toDateTime=", FILTER_ENDPOINT_LIST,
                 "toDateTime must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"\"");
    expect_error(x, "fromDateTime=2024-03-01T25:00:00Z", FILTER_ENDPOINT_LIST,
                 "fromDateTime must be an RFC 3339 time (e.g. 2024-03-18T10:00:00Z), got \"2024-03-01T25:00:00Z\"");
    expect_error(x, "fromDateTime=2024-03-19T00:00:00Z&toDateTime=2024-03-18T00:00:00Z", FILTER_ENDPOINT_LIST,
                 "fromDateTime must not be after toDateTime");
}

static void test_owner_ids(void **state)
{
    fx_t *x = *state;
    /* repeated keys, commas, [] suffix, upper case → lowercase */
    expect_ok(x, "filter[owner.id]=" U1 ",0190A1B2-C3D4-7E5F-8A9B-00000000000B&filter%5Bowner.id%5D%5B%5D=" U3,
              FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.owner_ids.n, 3);
    assert_string_equal(x->f.owner_ids.v[0], U1);
    assert_string_equal(x->f.owner_ids.v[1], U2);
    assert_string_equal(x->f.owner_ids.v[2], U3);
    expect_error(x, "filter[owner.id]=" U1 ",bob", FILTER_ENDPOINT_CONVERSATIONS,
                 "filter[owner.id] values must be UUIDs, got \"bob\"");
    /* empty items are dropped */
    expect_ok(x, "filter[owner.id]=," U1 ",,", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.owner_ids.n, 1);
}

static void test_string_lists(void **state)
{
    fx_t *x = *state;
    expect_ok(x,
              "filter[owner.email]=Jane@Example.COM,bob@x.io&filter[participants.email]=A@B.c&filter[participants."
              "email]=d@e.f&filter[external_opportunity.id]=Opp-1,Opp-2&filter[team.id]=0190A1B2-C3D4-7E5F-8A9B-"
              "00000000000A,Team-X&filter[title]=Q1+Review%21",
              FILTER_ENDPOINT_CONVERSATIONS);
    conv_filter_t *f = &x->f;
    assert_int_equal(f->owner_emails.n, 2);
    assert_string_equal(f->owner_emails.v[0], "jane@example.com");
    assert_string_equal(f->owner_emails.v[1], "bob@x.io");
    assert_int_equal(f->participant_emails.n, 2);
    assert_string_equal(f->participant_emails.v[0], "a@b.c");
    assert_string_equal(f->participant_emails.v[1], "d@e.f");
    assert_int_equal(f->opportunity_ids.n, 2);
    assert_string_equal(f->opportunity_ids.v[0], "Opp-1"); /* external ids keep their case */
    assert_int_equal(f->team_ids.n, 2);
    assert_string_equal(f->team_ids.v[0], U1);
    assert_string_equal(f->team_ids.v[1], "Team-X");
    assert_string_equal(f->title, "Q1 Review!");
    expect_ok(x, "filter[title]=", FILTER_ENDPOINT_CONVERSATIONS);
    assert_null(x->f.title);
}

static void test_crm_field(void **state)
{
    fx_t *x = *state;
    expect_ok(x,
              "filter[crm_field.entity_code]=Opportunity&filter[crm_field.field_name]=StageName&filter[crm_field."
              "values]=Won,Lost&filter[crm_field.values]=Open",
              FILTER_ENDPOINT_LIST);
    assert_string_equal(x->f.crm_entity_code, "Opportunity");
    assert_string_equal(x->f.crm_field_name, "StageName");
    assert_int_equal(x->f.crm_values.n, 3);
    assert_string_equal(x->f.crm_values.v[2], "Open");
    expect_ok(x, "filter[crm_field.field_name]=F&filter[crm_field.values]=1,2,3,4,5,6,7,8,9,10", FILTER_ENDPOINT_LIST);
    assert_int_equal(x->f.crm_values.n, 10);
    expect_error(x, "filter[crm_field.field_name]=F&filter[crm_field.values]=1,2,3,4,5,6,7,8,9,10,11",
                 FILTER_ENDPOINT_LIST, "filter[crm_field.values] accepts at most 10 values, got 11");
    expect_error(x, "filter[crm_field.values]=a", FILTER_ENDPOINT_LIST,
                 "filter[crm_field.field_name] is required when filter[crm_field.values] is given");
}

static void test_booleans(void **state)
{
    fx_t *x = *state;
    expect_ok(x,
              "filter[hide_internal]=true&filter[hide_non_analyzed]=1&filter[hide_pending]=TRUE&filter[hide_failed]="
              "True&filter[hide_transcript]=true&filter[include_internal_participants]=1&filter[include_zoom_"
              "metadata]=true&filter[include_import_metadata]=true",
              FILTER_ENDPOINT_CONVERSATIONS);
    assert_true(x->f.hide_internal);
    assert_true(x->f.hide_non_analyzed);
    assert_true(x->f.hide_pending);
    assert_true(x->f.hide_failed);
    assert_true(x->ro.hide_transcript);
    assert_true(x->ro.include_internal_participants);
    assert_true(x->ro.include_zoom_metadata);
    assert_true(x->ro.include_import_metadata);
    expect_ok(x, "filter[hide_internal]=false&filter[hide_pending]=0", FILTER_ENDPOINT_CONVERSATIONS);
    assert_false(x->f.hide_internal);
    assert_false(x->f.hide_pending);

    static const char *const names[] = {
        "filter[hide_internal]", "filter[hide_non_analyzed]", "filter[analyzed]", "filter[hide_pending]",
        "filter[hide_failed]", "filter[hide_transcript]", "filter[include_internal_participants]",
        "filter[include_zoom_metadata]", "filter[include_import_metadata]", "filter[include_archived]",
        "filter[archived]", "detailedTranscript", "withCrmRecords"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char qs[128], msg[256];
        snprintf(qs, sizeof qs, "%s=yes", names[i]);
        snprintf(msg, sizeof msg, "%s must be a boolean (true, false, 1 or 0), got \"yes\"", names[i]);
        expect_error(x, qs, FILTER_ENDPOINT_LIST, msg);
        snprintf(qs, sizeof qs, "%s=", names[i]);
        snprintf(msg, sizeof msg, "%s must be a boolean (true, false, 1 or 0), got \"\"", names[i]);
        expect_error(x, qs, FILTER_ENDPOINT_CONVERSATIONS, msg);
    }
}

static void test_analyzed_alias(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "filter[analyzed]=true", FILTER_ENDPOINT_CONVERSATIONS);
    assert_true(x->f.hide_non_analyzed);
    expect_ok(x, "filter[analyzed]=true&filter[hide_non_analyzed]=false", FILTER_ENDPOINT_CONVERSATIONS);
    assert_false(x->f.hide_non_analyzed);
    expect_ok(x, "filter[analyzed]=false", FILTER_ENDPOINT_CONVERSATIONS);
    assert_false(x->f.hide_non_analyzed);
}

static void test_archived_modes(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "filter[include_archived]=true", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.archived, CONV_ARCHIVED_INCLUDE);
    expect_ok(x, "filter[archived]=true", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->f.archived, CONV_ARCHIVED_ONLY);
    expect_ok(x, "filter[archived]=true&filter[include_archived]=true", FILTER_ENDPOINT_LIST);
    assert_int_equal(x->f.archived, CONV_ARCHIVED_ONLY);
    expect_ok(x, "filter[archived]=false&filter[include_archived]=false", FILTER_ENDPOINT_LIST);
    assert_int_equal(x->f.archived, CONV_ARCHIVED_EXCLUDE);
}

static void test_render_options(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "detailedTranscript=true", FILTER_ENDPOINT_CONVERSATIONS);
    assert_int_equal(x->ro.transcript, CONV_TRANSCRIPT_DETAILED);
    assert_false(x->ro.omit_intelligence);
    expect_ok(x, "withCrmRecords=true", FILTER_ENDPOINT_LIST);
    assert_false(x->ro.omit_intelligence);
    assert_int_equal(x->ro.transcript, CONV_TRANSCRIPT_TEXT);
    expect_ok(x, "withCrmRecords=false", FILTER_ENDPOINT_LIST);
    assert_true(x->ro.omit_intelligence);
    expect_ok(x, "withCrmRecords=false", FILTER_ENDPOINT_CONVERSATIONS);
    assert_false(x->ro.omit_intelligence);
}

static void test_unknown_ignored_and_value_truncated(void **state)
{
    fx_t *x = *state;
    expect_ok(x, "foo=bar&filter[nope]=1&sort=-createdAt", FILTER_ENDPOINT_CONVERSATIONS);
    char qs[512];
    char v[201];
    memset(v, 'z', 200);
    v[200] = '\0';
    snprintf(qs, sizeof qs, "filter[hide_failed]=%s", v);
    assert_int_equal(parse(x, qs, FILTER_ENDPOINT_CONVERSATIONS), -1);
    assert_non_null(strstr(x->err, "filter[hide_failed]"));
    assert_non_null(strstr(x->err, "...\""));
    assert_true(strlen(x->err) < 160);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crm_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analyzed_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_archived_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_ignored_and_value_truncated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
