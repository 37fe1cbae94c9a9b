/* test_import.c - unit tests for import body validation (spec §4.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "lib/arena.h"
#include "lib/uuid.h"
#include "model/import.h"
#include "unit_support.h"

#define NOW 1710756000000 /* 2024-03-18T10:00:00.000Z, in ms */
#define USER "0190A1B2-C3D4-7E5F-8A9B-00000000000A"
#define USER_LC "0190a1b2-c3d4-7e5f-8a9b-00000000000a"
#define MIN_BODY "\"mediaURL\":\"https://media.example.com/a.mp4\",\"userID\":\"" USER "\""

typedef struct fx {
    arena_t a;
    char err[256];
    conv_t c;
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

/* Parses text and runs import_build on it; returns its result. */
static int build(fx_t *f, const char *text)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_DECODE_ANY, &je);
    if (!root)
        fail_msg("bad test JSON: %s in %s", je.text, text);
    f->err[0] = '\0';
    int rc = import_build(&f->a, root, NOW, &f->c, f->err, sizeof f->err);
    json_decref(root);
    return rc;
}

/* Asserts that building {MIN_BODY, extra} fails with exactly msg. */
static void expect_error_with(fx_t *f, const char *extra, const char *msg)
{
    char body[8192];
    snprintf(body, sizeof body, "{" MIN_BODY "%s%s}", *extra ? "," : "", extra);
    if (build(f, body) != -1)
        fail_msg("expected \"%s\" for %s", msg, body);
    assert_string_equal(f->err, msg);
}

/* Asserts that building {MIN_BODY, extra} succeeds. */
static void expect_ok_with(fx_t *f, const char *extra)
{
    char body[8192];
    snprintf(body, sizeof body, "{" MIN_BODY "%s%s}", *extra ? "," : "", extra);
    if (build(f, body) != 0)
        fail_msg("unexpected failure \"%s\" for %s", f->err, body);
}

static void test_minimal_defaults(void **state)
{
    fx_t *f = *state;
    strcpy(f->c.org_uuid, "0190a1b2-c3d4-7e5f-8a9b-0000000000aa");
    strcpy(f->c.team_uuid, "0190a1b2-c3d4-7e5f-8a9b-0000000000bb");
    f->c.user_email = "owner@example.com";
    f->c.title = "stale"; /* overwritten */
    f->c.archived = true; /* reset */
    expect_ok_with(f, "");
    conv_t *c = &f->c;
    /* caller's fields kept */
    assert_string_equal(c->org_uuid, "0190a1b2-c3d4-7e5f-8a9b-0000000000aa");
    assert_string_equal(c->team_uuid, "0190a1b2-c3d4-7e5f-8a9b-0000000000bb");
    assert_string_equal(c->user_email, "owner@example.com");
    /* set here */
    assert_true(uuid_parse(c->uuid, NULL));
    assert_int_equal(c->uuid[14], '7');
    assert_string_equal(c->user_uuid, USER_LC);
    assert_string_equal(c->title, "Imported conversation");
    assert_int_equal(c->created_at, NOW);
    assert_false(c->archived);
    assert_true(c->referenceable);
    assert_false(c->is_private);
    assert_false(c->is_internal);
    assert_true(c->is_empty);
    assert_string_equal(c->import_status, "PENDING");
    assert_string_equal(c->transcript_status, "PENDING");
    assert_string_equal(c->video_status, "PENDING");
    assert_string_equal(c->media_storage_status, "PENDING");
    assert_string_equal(c->crm_export_status, "NONE");
    assert_true(c->media_duration == 0);
    assert_null(c->external_id);
    assert_string_equal(c->application_name, "");
    assert_string_equal(c->participants_json, "[]");
    assert_string_equal(c->participants_ext_json, "[]");
    assert_string_equal(c->attendees_json, "[]");
    assert_string_equal(c->external_opportunity_json, "{}");
    assert_string_equal(c->linked_crm_json, "[]");
    assert_string_equal(c->labels_json, "{}");
    assert_string_equal(c->zoom_metadata_json, "{}");
    assert_string_equal(c->import_metadata_json,
                        "{\"applicationName\":\"\",\"mediaURL\":\"https://media.example.com/a.mp4\"}");
    assert_null(c->transcript_v1_json);
    assert_null(c->transcript_v2_json);
    unit_assert_transcript_text(c->transcript_v1_json, "");
    assert_true(conv_import_status_valid(c->import_status));
    assert_true(conv_transcript_status_valid(c->transcript_status));
    assert_true(conv_media_status_valid(c->video_status));
    assert_true(conv_crm_export_status_valid(c->crm_export_status));
}

static void test_full_body(void **state)
{
    fx_t *f = *state;
    expect_ok_with(
        f, "\"applicationName\":\"gong\",\"applicationExternalID\":\"ext-1\",\"conversationTitle\":\"Call with "
           "Acme\",\"conversationStartedAt\":\"2024-03-18T12:00:00+02:00\",\"headers\":[{\"key\":\"Authorization\","
           "\"value\":\"secret\"}],\"opportunityID\":\"opp-9\",\"linkedCrmRecords\":[{\"id\":\"001\",\"code\":"
           "\"Account\",\"name\":\"Acme\"}],\"skipScorecardCalculation\":true,\"skipCRMFieldsCalculation\":false,"
           "\"skipOpportunitiesExport\":true,\"transcriptionSettings\":{\"language\":\"en\"},\"unknownField\":[1,2],"
           "\"transcript\":{\"v1\":{\"final\":[{\"speaker\":\"Jane\",\"sentence\":\"Hi\",\"startTimestamp\":0,"
           "\"endTimestamp\":42.5}]}},\"externalMetadata\":{\"participants\":[{\"email\":\"jane@acme.com\","
           "\"name\":\"Jane\",\"accessType\":\"INTERNAL\",\"organizer\":true},{\"email\":\"bob@customer.com\","
           "\"name\":\"Bob\",\"accessType\":\"External\"},{\"name\":\"Anon\"}],\"extra\":{\"crm\":\"sf\"}}");
    conv_t *c = &f->c;
    assert_string_equal(c->application_name, "gong");
    assert_string_equal(c->external_id, "ext-1");
    assert_string_equal(c->title, "Call with Acme");
    assert_int_equal(c->created_at, NOW);
    assert_string_equal(c->external_opportunity_json, "{\"uuid\":\"opp-9\",\"title\":\"\"}");
    assert_string_equal(c->linked_crm_json, "[{\"id\":\"001\",\"code\":\"Account\",\"name\":\"Acme\"}]");
    assert_false(c->is_empty);
    assert_string_equal(c->import_status, "FINISHED");
    assert_string_equal(c->transcript_status, "COMPLETED");
    assert_true(c->media_duration == 42.5);
    unit_assert_transcript_text(c->transcript_v1_json, "Jane: Hi\n");
    assert_non_null(c->transcript_v1_json);
    assert_null(c->transcript_v2_json);
    assert_string_equal(c->import_metadata_json, "{\"applicationName\":\"gong\",\"mediaURL\":\"https://"
                                                 "media.example.com/a.mp4\",\"extra\":{\"crm\":\"sf\"}}");
    /* headers are validated, never kept */
    assert_null(strstr(c->import_metadata_json, "secret"));

    json_t *all = json_loads(c->participants_json, 0, NULL);
    json_t *ext = json_loads(c->participants_ext_json, 0, NULL);
    assert_non_null(all);
    assert_non_null(ext);
    assert_int_equal(json_array_size(all), 3);
    assert_int_equal(json_array_size(ext), 2); /* the internal one (case-insensitive) excluded */
    json_t *p0 = json_array_get(all, 0);
    const char *keys[] = {"id", "email", "name", "organizer"}; /* no status (beyond.md §0) */
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach(p0, key, v) {
        assert_true(i < 4);
        assert_string_equal(key, keys[i]);
        i++;
    }
    assert_int_equal(i, 4);
    /* an internal participant gets an id of its own; an external one's id is its email */
    assert_true(uuid_parse(json_string_value(json_object_get(p0, "id")), NULL));
    assert_true(json_is_true(json_object_get(p0, "organizer")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ext, 0), "id")), "bob@customer.com");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ext, 0), "email")), "bob@customer.com");
    /* same participant, same id in both lists */
    assert_string_equal(json_string_value(json_object_get(json_array_get(all, 1), "id")),
                        json_string_value(json_object_get(json_array_get(ext, 0), "id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ext, 1), "email")), "");
    assert_true(json_is_false(json_object_get(json_array_get(ext, 1), "organizer")));
    json_decref(all);
    json_decref(ext);
}

static void test_required_fields(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, "{\"userID\":\"" USER "\"}"), -1);
    assert_string_equal(f->err, "mediaURL is required");
    assert_int_equal(build(f, "{\"mediaURL\":null,\"userID\":\"" USER "\"}"), -1);
    assert_string_equal(f->err, "mediaURL is required");
    assert_int_equal(build(f, "{\"mediaURL\":\"https://a.b/c\"}"), -1);
    assert_string_equal(f->err, "userID is required");
    assert_int_equal(build(f, "{}"), -1);
    assert_string_equal(f->err, "mediaURL is required");
    assert_int_equal(build(f, "[]"), -1);
    assert_string_equal(f->err, "the body must be a JSON object");
    assert_int_equal(build(f, "\"x\""), -1);
    assert_string_equal(f->err, "the body must be a JSON object");
}

static void test_bad_urls(void **state)
{
    fx_t *f = *state;
    const char *bad[] = {"ftp://example.com/a.mp4", "javascript:alert(1)", "http://", "https:///path",
                         "example.com/a.mp4", "", "http://host/with space", "https://:80/x", "http://user@/x",
                         "file:///etc/passwd", "data:text/plain,hi", "http:/example.com", "https://[]/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[512], msg[256];
        snprintf(body, sizeof body, "{\"mediaURL\":\"%s\",\"userID\":\"" USER "\"}", bad[i]);
        snprintf(msg, sizeof msg, "mediaURL must be an http or https URL with a host, got \"%s\"", bad[i]);
        if (build(f, body) != -1)
            fail_msg("accepted %s", bad[i]);
        assert_string_equal(f->err, msg);
    }
    const char *good[] = {"http://a", "HTTPS://Example.COM/x.mp4?sig=1#t", "https://u:p@host:8443/x",
                          "http://[::1]:8080/a", "http://10.0.0.1/a.wav"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char body[512];
        snprintf(body, sizeof body, "{\"mediaURL\":\"%s\",\"userID\":\"" USER "\"}", good[i]);
        if (build(f, body) != 0)
            fail_msg("rejected %s: %s", good[i], f->err);
    }
    /* wrong type */
    assert_int_equal(build(f, "{\"mediaURL\":5,\"userID\":\"" USER "\"}"), -1);
    assert_string_equal(f->err, "mediaURL must be a string");
    /* length limit: 2048 ok, 2049 not */
    char *body = malloc(4096), *url = malloc(2100);
    assert_non_null(body);
    assert_non_null(url);
    strcpy(url, "https://example.com/");
    size_t l = strlen(url);
    memset(url + l, 'a', 2048 - l);
    url[2048] = '\0';
    snprintf(body, 4096, "{\"mediaURL\":\"%s\",\"userID\":\"" USER "\"}", url);
    assert_int_equal(build(f, body), 0);
    strcat(url, "b");
    snprintf(body, 4096, "{\"mediaURL\":\"%s\",\"userID\":\"" USER "\"}", url);
    assert_int_equal(build(f, body), -1);
    assert_string_equal(f->err, "mediaURL must be at most 2048 characters");
    free(body);
    free(url);
    /* long bad values are truncated in messages */
    char longbad[300];
    memset(longbad, 'x', 200);
    longbad[200] = '\0';
    char b2[512];
    snprintf(b2, sizeof b2, "{\"mediaURL\":\"ftp://%s\",\"userID\":\"" USER "\"}", longbad);
    assert_int_equal(build(f, b2), -1);
    assert_true(strlen(f->err) < 140);
    assert_non_null(strstr(f->err, "...\""));
}

static void test_bad_user_id(void **state)
{
    fx_t *f = *state;
    assert_int_equal(build(f, "{\"mediaURL\":\"https://a.b\",\"userID\":\"not-a-uuid\"}"), -1);
    assert_string_equal(f->err, "userID must be a UUID, got \"not-a-uuid\"");
    assert_int_equal(build(f, "{\"mediaURL\":\"https://a.b\",\"userID\":42}"), -1);
    assert_string_equal(f->err, "userID must be a string");
}

static void test_wrong_types(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *extra, *msg;
    } cases[] = {
        {"\"applicationName\":1", "applicationName must be a string"},
        {"\"applicationExternalID\":123", "applicationExternalID must be a string"},
        {"\"conversationTitle\":true", "conversationTitle must be a string"},
        {"\"conversationStartedAt\":1710756000", "conversationStartedAt must be a string"},
        {"\"headers\":{}", "headers must be an array"},
        {"\"headers\":[\"a\"]", "headers[0] must be an object"},
        {"\"headers\":[{\"key\":\"a\",\"value\":\"b\"},{\"key\":\"a\"}]", "headers[1].value must be a string"},
        {"\"headers\":[{\"key\":1,\"value\":\"b\"}]", "headers[0].key must be a string"},
        {"\"opportunityID\":7", "opportunityID must be a string"},
        {"\"linkedCrmRecords\":{}", "linkedCrmRecords must be an array"},
        {"\"linkedCrmRecords\":[1]", "linkedCrmRecords[0] must be an object"},
        {"\"linkedCrmRecords\":[{\"id\":\"1\"}]", "linkedCrmRecords[0].code must be a string"},
        {"\"linkedCrmRecords\":[{\"id\":1,\"code\":\"A\"}]", "linkedCrmRecords[0].id must be a string"},
        {"\"skipScorecardCalculation\":\"yes\"", "skipScorecardCalculation must be a boolean"},
        {"\"skipCRMFieldsCalculation\":1", "skipCRMFieldsCalculation must be a boolean"},
        {"\"skipOpportunitiesExport\":[]", "skipOpportunitiesExport must be a boolean"},
        {"\"transcriptionSettings\":\"fast\"", "transcriptionSettings must be an object"},
        {"\"transcript\":[]", "transcript must be an object"},
        {"\"transcript\":{\"v1\":{\"final\":[{\"speaker\":\"a\",\"sentence\":1}]}}",
         "transcript.v1.final[0].sentence must be a string"},
        {"\"externalMetadata\":[]", "externalMetadata must be an object"},
        {"\"externalMetadata\":{\"participants\":{}}", "externalMetadata.participants must be an array"},
        {"\"externalMetadata\":{\"participants\":[3]}", "externalMetadata.participants[0] must be an object"},
        {"\"externalMetadata\":{\"participants\":[{\"email\":1}]}",
         "externalMetadata.participants[0].email must be a string"},
        {"\"externalMetadata\":{\"participants\":[{},{\"name\":[]}]}",
         "externalMetadata.participants[1].name must be a string"},
        {"\"externalMetadata\":{\"participants\":[{\"accessType\":true}]}",
         "externalMetadata.participants[0].accessType must be a string"},
        {"\"externalMetadata\":{\"participants\":[{\"organizer\":\"true\"}]}",
         "externalMetadata.participants[0].organizer must be a boolean"},
        {"\"externalMetadata\":{\"extra\":\"x\"}", "externalMetadata.extra must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error_with(f, cases[i].extra, cases[i].msg);
}

static void test_null_optional_fields_are_absent(void **state)
{
    fx_t *f = *state;
    expect_ok_with(f, "\"applicationName\":null,\"applicationExternalID\":null,\"conversationTitle\":null,"
                      "\"conversationStartedAt\":null,\"headers\":null,\"opportunityID\":null,\"linkedCrmRecords\":"
                      "null,\"skipScorecardCalculation\":null,\"transcript\":null,\"externalMetadata\":null");
    assert_string_equal(f->c.title, "Imported conversation");
    assert_int_equal(f->c.created_at, NOW);
    assert_true(f->c.is_empty);
    /* empty strings: default title, no external id, no opportunity */
    expect_ok_with(f, "\"conversationTitle\":\"\",\"applicationExternalID\":\"\",\"opportunityID\":\"\"");
    assert_string_equal(f->c.title, "Imported conversation");
    assert_null(f->c.external_id);
    assert_string_equal(f->c.external_opportunity_json, "{}");
}

static void test_times(void **state)
{
    fx_t *f = *state;
    expect_ok_with(f, "\"conversationStartedAt\":\"2024-03-18T10:00:00.750Z\"");
    assert_int_equal(f->c.created_at, NOW + 750); /* milliseconds kept */
    expect_ok_with(f, "\"conversationStartedAt\":\"2024-03-18T05:00:00-05:00\"");
    assert_int_equal(f->c.created_at, NOW);
    expect_error_with(f, "\"conversationStartedAt\":\"yesterday\"",
                      "conversationStartedAt must be an RFC 3339 time, got \"yesterday\"");
    expect_error_with(f, "\"conversationStartedAt\":\"2024-13-01T00:00:00Z\"",
                      "conversationStartedAt must be an RFC 3339 time, got \"2024-13-01T00:00:00Z\"");
    expect_error_with(f, "\"conversationStartedAt\":\"\"", "conversationStartedAt must be an RFC 3339 time, got \"\"");
    expect_error_with(f, "\"conversationStartedAt\":\"1970-01-01T00:00:00Z\"",
                      "conversationStartedAt must be after 1970-01-01T00:00:00Z, got \"1970-01-01T00:00:00Z\"");
}

static void test_length_limits(void **state)
{
    fx_t *f = *state;
    char extra[2048], s[600];
    /* 500 characters (multi-byte) fit, 501 do not */
    s[0] = '\0';
    for (int i = 0; i < 250; i++)
        strcat(s, "é");
    strcat(s, "");
    char t500[1200] = "";
    strcat(t500, s);
    strcat(t500, s); /* 500 code points, 1000 bytes */
    snprintf(extra, sizeof extra, "\"conversationTitle\":\"%s\"", t500);
    expect_ok_with(f, extra);
    assert_int_equal(strlen(f->c.title), 1000);
    snprintf(extra, sizeof extra, "\"conversationTitle\":\"%sx\"", t500);
    expect_error_with(f, extra, "conversationTitle must be at most 500 characters");

    memset(s, 'a', 255);
    s[255] = '\0';
    snprintf(extra, sizeof extra, "\"applicationExternalID\":\"%s\"", s);
    expect_ok_with(f, extra);
    assert_int_equal(strlen(f->c.external_id), 255);
    snprintf(extra, sizeof extra, "\"applicationExternalID\":\"%sa\"", s);
    expect_error_with(f, extra, "applicationExternalID must be at most 255 characters");
}

static void test_transcript_v2_import(void **state)
{
    fx_t *f = *state;
    expect_ok_with(f, "\"transcript\":{\"v2\":{\"final\":[{\"speaker\":\"A\",\"words\":[{\"text\":\"one\","
                      "\"startTimestamp\":1,\"endTimestamp\":2},{\"text\":\"two\",\"startTimestamp\":2,"
                      "\"endTimestamp\":7}]}]}}");
    assert_false(f->c.is_empty);
    assert_string_equal(f->c.import_status, "FINISHED");
    assert_true(f->c.media_duration == 7);
    unit_assert_transcript_text(f->c.transcript_v1_json, "A: one two\n");
    assert_non_null(f->c.transcript_v1_json);
    assert_non_null(f->c.transcript_v2_json);
    /* a transcript with no segments counts as none */
    expect_ok_with(f, "\"transcript\":{\"v1\":{\"final\":[]}}");
    assert_true(f->c.is_empty);
    assert_string_equal(f->c.import_status, "PENDING");
    assert_string_equal(f->c.transcript_status, "PENDING");
}

static void test_uuids_are_fresh(void **state)
{
    fx_t *f = *state;
    expect_ok_with(f, "");
    uuid_str_t first;
    strcpy(first, f->c.uuid);
    expect_ok_with(f, "");
    assert_string_not_equal(first, f->c.uuid);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_minimal_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_required_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_user_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_optional_fields_are_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transcript_v2_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uuids_are_fresh, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
