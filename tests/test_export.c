/* test_export.c - unit tests for the `parley export`/`load` line format (model/export.c): round trips and every rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "model/export.h"

/* A conversation with every field set, fragments formatted the way different
 * writers format them (spaces, 0.1, unicode escapes, key order), so a round
 * trip that re-serialised anything would show. */
static conv_t full(void)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    snprintf(c.uuid, sizeof c.uuid, "01900000-0000-7000-8000-000000000001");
    snprintf(c.user_uuid, sizeof c.user_uuid, "01900000-0000-7000-8000-0000000000bb");
    snprintf(c.team_uuid, sizeof c.team_uuid, "01900000-0000-7000-8000-0000000000cc");
    c.title = "Q3 review \"Acme\" \xc3\xa9t\xc3\xa9";
    c.created_at = 1710756000123;
    c.finished_at = 1710759600000;
    c.live_started_at = 1710756010000;
    c.live_ended_at = 1710759590999;
    c.archived = true;
    c.archived_at = 1710800000001;
    c.referenceable = true;
    c.is_private = true;
    c.is_internal = false;
    c.is_empty = false;
    c.media_duration = 3599.25;
    c.video_uid = "vid-1";
    c.video_status = "READY";
    c.media_storage_status = "READY";
    c.transcript_status = "COMPLETED";
    c.crm_export_status = "NONE";
    c.import_status = "FINISHED";
    c.deal_uuid = "deal-1";
    c.email_template_id = "";
    c.ext_intel_opp_id = NULL;
    c.zoom_url = "https://zoom.example/j/1";
    c.external_id = "ext-1";
    c.application_name = "Gong";
    c.user_email = "bob@acme.test";
    c.user_first_name = "Bob";
    c.user_last_name = "O'Neil";
    c.user_transcript_lang = "de";
    c.participants_json = "[{\"id\":\"p1\",\"email\":\"a@x.test\",\"name\":\"A\",\"organizer\":true,\"status\":\"accepted\"},"
                          "{\"id\":\"p2\",\"email\":\"in@acme.test\",\"name\":\"In\",\"organizer\":false,\"status\":\"accepted\"}]";
    c.participants_ext_json = "[{\"id\":\"p1\",\"email\":\"a@x.test\",\"name\":\"A\",\"organizer\":true,\"status\":\"accepted\"}]";
    c.attendees_json = "[]";
    c.bots_json = NULL;
    c.scorecards_json = "[{\"uuid\":\"s\",\"summary\":{\"averageScore\":0.1,\"min\":1.0,\"max\":1e2}}]";
    c.external_opportunity_json = "{\"uuid\":\"opp-1\",\"title\":\"\"}";
    c.import_metadata_json = "{\"applicationName\":\"Gong\",\"mediaURL\":\"https://m.example/1.mp4\"}";
    c.zoom_metadata_json = "{\"calleeName\":\"\\u00e9\"}";
    c.linked_crm_json = "[{\"id\":\"0061\",\"code\":\"opportunity\"}]";
    c.extracted_intel_json = "{\"b\":{\"id\":\"1\"},\"a\":{\"id\":\"2\"}}";
    c.labels_json = "{\"Stage\":\"Won\"}";
    c.label_tags_na_json = "[\"x\"]";
    c.transcript_v1_json = "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"A\",\"sentence\":\"Hi there\","
                           "\"startTimestamp\":0.5,\"endTimestamp\":1.25}]}";
    c.transcript_v2_json = "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"A\",\"words\":[{\"text\":\"Hi\","
                           "\"startTimestamp\":0.5,\"endTimestamp\":0.75},{\"text\":\"there\",\"startTimestamp\":0.75,"
                           "\"endTimestamp\":1.25}]}]}";
    return c;
}

static char *line_of(const conv_t *c, const char *team_name)
{
    buf_t b;
    buf_init(&b);
    assert_int_equal(export_line_write(&b, c, team_name), 0);
    return buf_detach(&b, NULL); /* caller frees */
}

static void assert_str_or_empty(const char *got, const char *want)
{
    assert_string_equal(got ? got : "", want ? want : "");
}

static void test_round_trip(void **state)
{
    (void)state;
    conv_t c = full();
    char *l1 = line_of(&c, "Sales");
    assert_null(strchr(l1, '\n'));
    /* the "conversation" member is exactly the GET body */
    buf_t get;
    buf_init(&get);
    jsonw_t w;
    jsonw_init(&w, &get);
    conv_render_opts_t ro = conv_render_opts_single();
    conv_render(&w, &c, &ro);
    assert_int_equal(strncmp(l1, "{\"conversation\":", 16), 0);
    assert_int_equal(strncmp(l1 + 16, get.data, get.len), 0);
    assert_int_equal(strncmp(l1 + 16 + get.len, ",\"stored\":{", 11), 0);
    buf_free(&get);

    arena_t a;
    arena_init(&a);
    export_line_t el;
    char err[256] = "";
    if (export_line_parse(&a, l1, strlen(l1), &el, err, sizeof err) != 0)
        fail_msg("parse: %s", err);
    const conv_t *p = &el.conv;
    assert_string_equal(el.team_name, "Sales");
    assert_string_equal(p->uuid, c.uuid);
    assert_string_equal(p->org_uuid, "");
    assert_string_equal(p->user_uuid, c.user_uuid);
    assert_string_equal(p->team_uuid, c.team_uuid);
    assert_string_equal(p->title, c.title);
    assert_int_equal(p->created_at, c.created_at);
    assert_int_equal(p->finished_at, c.finished_at);
    assert_int_equal(p->live_started_at, c.live_started_at);
    assert_int_equal(p->live_ended_at, c.live_ended_at);
    assert_true(p->archived && p->referenceable && p->is_private && !p->is_internal && !p->is_empty);
    assert_int_equal(p->archived_at, c.archived_at);
    assert_true(p->media_duration == c.media_duration);
    assert_string_equal(p->external_id, "ext-1");
    assert_string_equal(p->application_name, "Gong");
    assert_string_equal(p->user_email, "bob@acme.test");
    assert_string_equal(p->user_last_name, "O'Neil");
    assert_string_equal(p->user_transcript_lang, "de");
    assert_string_equal(p->participants_json, c.participants_json);
    assert_string_equal(p->participants_ext_json, c.participants_ext_json);
    assert_string_equal(p->scorecards_json, c.scorecards_json); /* 0.1, 1.0 and 1e2 kept as written */
    assert_string_equal(p->zoom_metadata_json, c.zoom_metadata_json);
    assert_string_equal(p->import_metadata_json, c.import_metadata_json);
    assert_string_equal(p->extracted_intel_json, c.extracted_intel_json);
    assert_string_equal(p->transcript_v1_json, c.transcript_v1_json);
    assert_string_equal(p->transcript_v2_json, c.transcript_v2_json);
    assert_str_or_empty(p->email_template_id, "");
    assert_str_or_empty(p->ext_intel_opp_id, "");
    assert_string_equal(p->bots_json, "[]"); /* NULL rendered as [] and read back as [] */

    /* the decoded conversation writes the same line again */
    conv_t again = *p;
    char *l2 = line_of(&again, el.team_name);
    assert_string_equal(l1, l2);
    free(l2);
    free(l1);
    arena_free(&a);
}

static void test_minimal_and_whitespace(void **state)
{
    (void)state;
    /* hand-written: spaces, no stored/team, no transcript; fragments keep their bytes */
    const char *l = "{ \"conversation\" : {\"type\":\"conversations\",\"id\":\"01900000-0000-7000-8000-000000000001\","
                    " \"attributes\": {\"uuid\":\"01900000-0000-7000-8000-000000000001\", \"title\":\"t\","
                    "\"createdAt\":\"2024-03-18T11:00:00+01:00\",\"userUUID\":\"01900000-0000-7000-8000-0000000000bb\","
                    "\"teamUUID\":\"\",\"labels\": { \"k\" : [1, 2.50] },"
                    "\"user\":{\"uuid\":\"01900000-0000-7000-8000-0000000000BB\",\"email\":\"b@x\"}}} }";
    arena_t a;
    arena_init(&a);
    export_line_t el;
    char err[256] = "";
    if (export_line_parse(&a, l, strlen(l), &el, err, sizeof err) != 0)
        fail_msg("parse: %s", err);
    assert_int_equal(el.conv.created_at, 1710756000000);
    assert_string_equal(el.conv.labels_json, "{ \"k\" : [1, 2.50] }");
    assert_null(el.conv.participants_json);
    assert_null(el.conv.transcript_v1_json);
    assert_null(el.conv.external_id);
    assert_null(el.team_name);
    assert_string_equal(el.conv.team_uuid, "");
    arena_free(&a);
}

/* Replaces the first occurrence of from in line with to (result malloc'd). */
static char *subst(const char *line, const char *from, const char *to)
{
    const char *at = strstr(line, from);
    if (!at)
        fail_msg("test bug: %s not in the line", from);
    size_t n = strlen(line) - strlen(from) + strlen(to) + 1;
    char *r = malloc(n);
    assert_non_null(r);
    snprintf(r, n, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
    return r;
}

static void test_errors(void **state)
{
    (void)state;
    conv_t c = full();
    char *good = line_of(&c, "Sales");
    static const struct { const char *from, *to, *msg; } cases[] = {
        {"{\"conversation\":", "[{\"conversation\":", "not valid JSON"},
        {"\"type\":\"conversations\"", "\"type\":\"calls\"", "conversation.type must be \"conversations\""},
        {"\"id\":\"01900000-0000-7000-8000-000000000001\"", "\"id\":\"x\"", "conversation.id must be a UUID"},
        {"\"uuid\":\"01900000-0000-7000-8000-000000000001\"", "\"uuid\":\"01900000-0000-7000-8000-000000000009\"",
         "conversation.attributes.uuid must equal conversation.id"},
        {"\"createdAt\":\"2024-03-18T10:00:00.123Z\"", "\"createdAt\":\"yesterday\"",
         "conversation.attributes.createdAt must be an RFC 3339 time, got \"yesterday\""},
        {"\"createdAt\":\"2024-03-18T10:00:00.123Z\"", "\"createdAt\":\"\"", "conversation.attributes.createdAt is required"},
        {"\"finishedAt\":\"2024-03-18T11:00:00.000Z\"", "\"finishedAt\":5", "conversation.attributes.finishedAt must be a string"},
        {"\"archived\":true", "\"archived\":\"yes\"", "conversation.attributes.archived must be a boolean"},
        {"\"mediaDuration\":3599.25", "\"mediaDuration\":-1", "mediaDuration must be a number >= 0"},
        {"\"videoStatus\":\"READY\"", "\"videoStatus\":\"DONE\"", "videoStatus is not a known status: \"DONE\""},
        {"\"labels\":{\"Stage\":\"Won\"}", "\"labels\":[]", "conversation.attributes.labels must be a JSON object"},
        {"\"attendees\":[]", "\"attendees\":{}", "conversation.attributes.attendees must be a JSON array"},
        {"\"userUUID\":\"01900000-0000-7000-8000-0000000000bb\"", "\"userUUID\":\"bob\"", "userUUID must be a UUID"},
        {"\"email\":\"bob@acme.test\"", "\"email\":\"bob\"", "user.email must be an email address, got \"bob\""},
        {"\"user\":{\"uuid\":\"01900000-0000-7000-8000-0000000000bb\"",
         "\"user\":{\"uuid\":\"01900000-0000-7000-8000-0000000000bc\"", "user.uuid must equal userUUID"},
        {"\"team\":{\"uuid\":\"01900000-0000-7000-8000-0000000000cc\"",
         "\"team\":{\"uuid\":\"01900000-0000-7000-8000-0000000000cd\"", "team.uuid must equal"},
        {"\"name\":\"Sales\"", "\"name\":\"\"", "team.name must be 1 to 200 characters"},
        {"\"stored\":{", "\"stored\":7,\"x\":{", "stored must be an object"},
        {"\"stored\":{\"participants\":[", "\"stored\":{\"participants\":{\"a\":1},\"p2\":[", "stored.participants must be a JSON array"},
        {"\"transcript\":{", "\"transcript\":\"text\",\"x\":{", "transcript must be an object"},
        {"\"transcriptText\":\"", "\"transcriptText\":1,\"y\":\"", "stored.transcriptText must be a string"},
        {"{\"conversation\":{", "{\"conversation\":{\"type\":1,\"type\":2,", "not valid JSON"}, /* duplicate key */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *bad = subst(good, cases[i].from, cases[i].to);
        arena_t a;
        arena_init(&a);
        export_line_t el;
        char err[512] = "";
        int rc = export_line_parse(&a, bad, strlen(bad), &el, err, sizeof err);
        arena_free(&a);
        free(bad);
        if (rc != -1 || !strstr(err, cases[i].msg))
            fail_msg("case %zu (%s): rc %d, got \"%s\", want \"%s\"", i, cases[i].to, rc, err, cases[i].msg);
    }
    /* not an object, and no conversation */
    static const char *const whole[][2] = {
        {"[]", "the line must be a JSON object"},
        {"{}", "conversation is required"},
        {"{\"conversation\":{\"type\":\"conversations\"}}", "conversation.attributes must be an object"},
        {"", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        arena_t a;
        arena_init(&a);
        export_line_t el;
        char err[512] = "";
        assert_int_equal(export_line_parse(&a, whole[i][0], strlen(whole[i][0]), &el, err, sizeof err), -1);
        if (!strstr(err, whole[i][1]))
            fail_msg("%s: got \"%s\"", whole[i][0], err);
        arena_free(&a);
    }
    free(good);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_minimal_and_whitespace),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
