/* test_conversation.c - unit tests for the conversation renderer and status validators. */
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
#include "model/conversation.h"

static const char *const ATTR_ORDER[] = {
    "uuid", "title", "createdAt", "finishedAt", "liveStreamStartedAt", "liveStreamEndedAt", "userUUID",
    "teamUUID", "archived", "referenceable", "private", "isInternal", "isEmpty", "mediaDuration", "videoUID",
    "videoStatus", "mediaStorageStatus", "transcriptStatus", "crmExportStatus", "importStatus", "dealUUID",
    "emailTemplateID", "externalIntelligenceOpportunityID", "zoomMeetingJoinUrl", "googleMeetJoinUrl",
    "microsoftTeamsJoinUrl", "webexJoinUrl", "transcript", "participants", "attendees", "bots", "boards",
    "talktracks", "scorecardResults", "externalOpportunity", "importMetadata", "zoomMetadata",
    "linkedCrmRecords", "externalAccounts", "externalContacts", "extractedIntelligence",
    "confirmedExtractedIntelligence", "labels", "labelTagsToFilterIfNA", "deprecatedLabelCategories", "user",
};
#define N_ATTRS (sizeof ATTR_ORDER / sizeof ATTR_ORDER[0])

#define UUID1 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
#define UUID_USER "0190a1b2-c3d4-7e5f-8a9b-00000000000a"
#define UUID_TEAM "0190a1b2-c3d4-7e5f-8a9b-00000000000b"

/* Renders c with o and parses the result (rejecting duplicate keys). The
 * caller owns the returned json_t; the raw text goes to *raw (caller frees) when non-NULL. */
static json_t *render(const conv_t *c, const conv_render_opts_t *o, char **raw)
{
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    conv_render(&w, c, o);
    assert_int_equal(w.err, 0);
    assert_int_equal(b.oom, 0);
    assert_int_equal(w.depth, 0);
    json_error_t je;
    json_t *root = json_loads(b.data, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        fail_msg("renderer output does not parse: %s in %s", je.text, b.data);
    if (raw)
        *raw = buf_detach(&b, NULL);
    buf_free(&b);
    return root;
}

static json_t *attrs(json_t *root)
{
    json_t *a = json_object_get(root, "attributes");
    assert_non_null(a);
    assert_true(json_is_object(a));
    return a;
}

/* A conversation with every field set. Strings are literals. */
static conv_t full_conv(void)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    strcpy(c.uuid, UUID1);
    strcpy(c.user_uuid, UUID_USER);
    strcpy(c.team_uuid, UUID_TEAM);
    c.title = "Q1 \"Deal\" Review";
    c.created_at = 1710756000000; /* 2024-03-18T10:00:00.000Z */
    c.finished_at = 1710758700250;
    c.live_started_at = 1710756000000;
    c.live_ended_at = 1710758700250;
    c.referenceable = true;
    c.media_duration = 2700;
    c.video_uid = "vid-1";
    c.video_status = "READY";
    c.media_storage_status = "READY";
    c.transcript_status = "COMPLETED";
    c.crm_export_status = "EXPORTED";
    c.import_status = "FINISHED";
    c.deal_uuid = "deal-1";
    c.email_template_id = "tmpl-1";
    c.ext_intel_opp_id = "opp-ext-1";
    c.zoom_url = "https://zoom.us/j/1";
    c.gmeet_url = "https://meet.google.com/x";
    c.teams_url = "https://teams.microsoft.com/l/x";
    c.webex_url = "https://webex.com/x";
    c.user_email = "jane@example.com";
    c.user_first_name = "Jane";
    c.user_last_name = "Smith";
    c.user_transcript_lang = "en";
    c.participants_json = "[{\"id\":\"p1\",\"email\":\"jane@example.com\",\"name\":\"Jane Smith\",\"organizer\":true,"
                          "\"status\":\"accepted\"},{\"id\":\"p2\",\"email\":\"john@customer.com\",\"name\":\"John "
                          "Doe\",\"organizer\":false,\"status\":\"accepted\"}]";
    c.participants_ext_json = "[{\"id\":\"p2\",\"email\":\"john@customer.com\",\"name\":\"John Doe\",\"organizer\":"
                              "false,\"status\":\"accepted\"}]";
    c.attendees_json = "[{\"id\":\"p1\"}]";
    c.bots_json = "[{\"uuid\":\"b1\"}]";
    c.boards_json = "[{\"uuid\":\"cb1\"}]";
    c.talktracks_json = "[{\"uuid\":\"ct1\",\"items\":[]}]";
    c.scorecards_json = "[{\"uuid\":\"sr1\"}]";
    c.external_opportunity_json = "{\"uuid\":\"opp-1\",\"title\":\"Big\"}";
    c.import_metadata_json = "{\"applicationName\":\"gong\"}";
    c.zoom_metadata_json = "{\"calleeName\":\"x\"}";
    c.linked_crm_json = "[{\"id\":\"001\",\"code\":\"Account\"}]";
    c.external_accounts_json = "[{\"id\":\"A\",\"code\":\"Account\"}]";
    c.external_contacts_json = "[{\"id\":\"C\",\"code\":\"Contact\"}]";
    c.extracted_intel_json = "{\"budget\":{\"id\":\"i1\"}}";
    c.confirmed_intel_json = "{\"budget\":{\"id\":\"i2\"}}";
    c.labels_json = "{\"stage\":\"won\"}";
    c.label_tags_na_json = "[\"a\"]";
    c.deprecated_label_categories_json = "[\"b\"]";
    c.transcript_v1_json = "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"Jane Smith\",\"sentence\":\"hello "
                           "there\",\"startTimestamp\":0,\"endTimestamp\":1.5}]}";
    c.transcript_v2_json = "{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"Jane Smith\",\"words\":[{\"text\":"
                           "\"hello\",\"startTimestamp\":0,\"endTimestamp\":0.5},{\"text\":\"there\","
                           "\"startTimestamp\":0.6,\"endTimestamp\":1.5}]}]}";
    return c;
}

/* Asserts that attributes has exactly the keys of ATTR_ORDER (then archivedAt when expected), in order. */
static void check_order(json_t *a, bool with_archived_at)
{
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach(a, key, v) {
        if (i < N_ATTRS) {
            if (strcmp(key, ATTR_ORDER[i]) != 0)
                fail_msg("attribute %zu is %s, expected %s", i, key, ATTR_ORDER[i]);
        } else {
            assert_true(with_archived_at);
            assert_int_equal(i, N_ATTRS);
            assert_string_equal(key, "archivedAt");
        }
        /* externalOpportunity is the one attribute that may be null (spec §0) */
        if (strcmp(key, "externalOpportunity") != 0)
            assert_false(json_is_null(v));
        i++;
    }
    assert_int_equal(i, N_ATTRS + (with_archived_at ? 1 : 0));
}

static void test_envelope_and_order(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_single();
    json_t *root = render(&c, &o, NULL);
    const char *key;
    json_t *v;
    const char *top[] = {"type", "id", "attributes", "links"};
    size_t i = 0;
    json_object_foreach(root, key, v) {
        assert_true(i < 4);
        assert_string_equal(key, top[i]);
        i++;
    }
    assert_int_equal(i, 4);
    assert_string_equal(json_string_value(json_object_get(root, "type")), "conversations");
    assert_string_equal(json_string_value(json_object_get(root, "id")), UUID1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "links"), "self")),
                        "/v2/conversations/" UUID1);
    check_order(attrs(root), false);
    json_decref(root);
}

static void test_full_values(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_single();
    o.include_import_metadata = true;
    o.include_zoom_metadata = true;
    json_t *root = render(&c, &o, NULL);
    json_t *a = attrs(root);
    assert_string_equal(json_string_value(json_object_get(a, "uuid")), UUID1);
    assert_string_equal(json_string_value(json_object_get(a, "title")), "Q1 \"Deal\" Review");
    assert_string_equal(json_string_value(json_object_get(a, "createdAt")), "2024-03-18T10:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(a, "finishedAt")), "2024-03-18T10:45:00.250Z");
    assert_string_equal(json_string_value(json_object_get(a, "userUUID")), UUID_USER);
    assert_string_equal(json_string_value(json_object_get(a, "teamUUID")), UUID_TEAM);
    assert_true(json_is_false(json_object_get(a, "archived")));
    assert_true(json_is_true(json_object_get(a, "referenceable")));
    assert_true(json_is_integer(json_object_get(a, "mediaDuration")));
    assert_int_equal(json_integer_value(json_object_get(a, "mediaDuration")), 2700);
    assert_string_equal(json_string_value(json_object_get(a, "crmExportStatus")), "EXPORTED");
    assert_string_equal(json_string_value(json_object_get(a, "webexJoinUrl")), "https://webex.com/x");
    assert_string_equal(json_string_value(json_object_get(a, "externalIntelligenceOpportunityID")), "opp-ext-1");
    /* default participants view: without internal ones */
    assert_int_equal(json_array_size(json_object_get(a, "participants")), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "externalOpportunity"), "title")),
                        "Big");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(a, "importMetadata"), "applicationName")), "gong");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "zoomMetadata"), "calleeName")), "x");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "labels"), "stage")), "won");
    assert_non_null(json_object_get(json_object_get(a, "extractedIntelligence"), "budget"));
    json_t *u = json_object_get(a, "user");
    assert_int_equal(json_object_size(u), 5);
    assert_string_equal(json_string_value(json_object_get(u, "uuid")), UUID_USER);
    assert_string_equal(json_string_value(json_object_get(u, "email")), "jane@example.com");
    assert_string_equal(json_string_value(json_object_get(u, "firstName")), "Jane");
    assert_string_equal(json_string_value(json_object_get(u, "lastName")), "Smith");
    assert_string_equal(json_string_value(json_object_get(u, "transcriptLang")), "en");
    json_t *t = json_object_get(a, "transcript");
    assert_true(json_is_object(t));
    assert_int_equal(json_object_size(t), 2);
    assert_non_null(json_object_get(t, "v1"));
    assert_non_null(json_object_get(t, "v2"));
    json_decref(root);
}

static void test_defaults_for_null_fields(void **state)
{
    (void)state;
    conv_t c;
    memset(&c, 0, sizeof c);
    strcpy(c.uuid, UUID1);
    conv_render_opts_t o = conv_render_opts_single();
    o.include_import_metadata = o.include_zoom_metadata = o.include_internal_participants = true;
    json_t *root = render(&c, &o, NULL);
    json_t *a = attrs(root);
    check_order(a, false);
    const char *strings[] = {"title", "createdAt", "finishedAt", "liveStreamStartedAt", "liveStreamEndedAt",
                             "userUUID", "teamUUID", "videoUID", "videoStatus", "mediaStorageStatus",
                             "transcriptStatus", "crmExportStatus", "importStatus", "dealUUID", "emailTemplateID",
                             "externalIntelligenceOpportunityID", "zoomMeetingJoinUrl", "googleMeetJoinUrl",
                             "microsoftTeamsJoinUrl", "webexJoinUrl"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        json_t *v = json_object_get(a, strings[i]);
        if (!json_is_string(v) || strcmp(json_string_value(v), "") != 0)
            fail_msg("%s should default to \"\"", strings[i]);
    }
    const char *arrays[] = {"participants", "attendees", "bots", "boards", "talktracks", "scorecardResults",
                            "linkedCrmRecords", "externalAccounts", "externalContacts", "labelTagsToFilterIfNA",
                            "deprecatedLabelCategories"};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        json_t *v = json_object_get(a, arrays[i]);
        if (!json_is_array(v) || json_array_size(v) != 0)
            fail_msg("%s should default to []", arrays[i]);
    }
    assert_true(json_is_null(json_object_get(a, "externalOpportunity")));
    const char *objects[] = {"importMetadata", "zoomMetadata", "extractedIntelligence",
                             "confirmedExtractedIntelligence", "labels", "transcript"};
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
        json_t *v = json_object_get(a, objects[i]);
        if (!json_is_object(v) || json_object_size(v) != 0)
            fail_msg("%s should default to {}", objects[i]);
    }
    assert_true(json_is_number(json_object_get(a, "mediaDuration")));
    assert_true(json_number_value(json_object_get(a, "mediaDuration")) == 0);
    const char *bools[] = {"archived", "referenceable", "private", "isInternal", "isEmpty"};
    for (size_t i = 0; i < 5; i++)
        assert_true(json_is_false(json_object_get(a, bools[i])));
    json_t *u = json_object_get(a, "user");
    assert_string_equal(json_string_value(json_object_get(u, "email")), "");
    json_decref(root);

    /* text form of a NULL transcript is "" */
    o = conv_render_opts_list();
    root = render(&c, &o, NULL);
    assert_string_equal(json_string_value(json_object_get(attrs(root), "transcript")), "");
    json_decref(root);
    /* detailed form of a NULL transcript is [] */
    o.transcript = CONV_TRANSCRIPT_DETAILED;
    root = render(&c, &o, NULL);
    assert_true(json_is_array(json_object_get(attrs(root), "transcript")));
    assert_int_equal(json_array_size(json_object_get(attrs(root), "transcript")), 0);
    json_decref(root);
}

static void test_archived_at_only_when_archived(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_list();
    c.archived_at = 1710760000000; /* set but not archived: not rendered */
    json_t *root = render(&c, &o, NULL);
    assert_null(json_object_get(attrs(root), "archivedAt"));
    check_order(attrs(root), false);
    json_decref(root);

    c.archived = true;
    c.archived_at = 1710759600001;
    root = render(&c, &o, NULL);
    check_order(attrs(root), true);
    assert_true(json_is_true(json_object_get(attrs(root), "archived")));
    assert_string_equal(json_string_value(json_object_get(attrs(root), "archivedAt")), "2024-03-18T11:00:00.001Z");
    json_decref(root);
}

static void test_transcript_forms(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_list();
    json_t *root = render(&c, &o, NULL);
    assert_string_equal(json_string_value(json_object_get(attrs(root), "transcript")), "Jane Smith: hello there\n");
    json_decref(root);

    /* object form with only v1 */
    o = conv_render_opts_single();
    c.transcript_v2_json = NULL;
    root = render(&c, &o, NULL);
    json_t *t = json_object_get(attrs(root), "transcript");
    assert_int_equal(json_object_size(t), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(json_object_get(t, "v1"), "final"), 0), "sentence")),
                        "hello there");
    json_decref(root);

    /* detailed: v2 preferred, emails from all participants */
    c = full_conv();
    o.transcript = CONV_TRANSCRIPT_DETAILED;
    root = render(&c, &o, NULL);
    t = json_object_get(attrs(root), "transcript");
    assert_true(json_is_array(t));
    assert_int_equal(json_array_size(t), 1);
    json_t *seg = json_array_get(t, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(seg, "speaker"), "email")),
                        "jane@example.com");
    assert_int_equal(json_array_size(json_object_get(seg, "words")), 2);
    check_order(attrs(root), false);
    json_decref(root);
}

static void test_hide_transcript(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_list();
    o.hide_transcript = true;
    json_t *root = render(&c, &o, NULL);
    assert_string_equal(json_string_value(json_object_get(attrs(root), "transcript")), "");
    json_decref(root);

    const conv_transcript_form_t forms[] = {CONV_TRANSCRIPT_OBJECT, CONV_TRANSCRIPT_DETAILED};
    for (int i = 0; i < 2; i++) {
        o.transcript = forms[i];
        root = render(&c, &o, NULL);
        json_t *t = json_object_get(attrs(root), "transcript");
        assert_true(json_is_object(t));
        assert_int_equal(json_object_size(t), 0);
        check_order(attrs(root), false);
        json_decref(root);
    }
}

static void test_participants_option(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_list();
    o.include_internal_participants = true;
    json_t *root = render(&c, &o, NULL);
    json_t *p = json_object_get(attrs(root), "participants");
    assert_int_equal(json_array_size(p), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p, 0), "email")), "jane@example.com");
    json_decref(root);

    /* the external list being NULL renders [] even if the full list is set */
    o.include_internal_participants = false;
    c.participants_ext_json = NULL;
    root = render(&c, &o, NULL);
    assert_int_equal(json_array_size(json_object_get(attrs(root), "participants")), 0);
    json_decref(root);
}

static void test_metadata_options(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_list();
    json_t *root = render(&c, &o, NULL);
    assert_int_equal(json_object_size(json_object_get(attrs(root), "importMetadata")), 0);
    assert_int_equal(json_object_size(json_object_get(attrs(root), "zoomMetadata")), 0);
    json_decref(root);

    o.include_zoom_metadata = true;
    root = render(&c, &o, NULL);
    assert_int_equal(json_object_size(json_object_get(attrs(root), "importMetadata")), 0);
    assert_int_equal(json_object_size(json_object_get(attrs(root), "zoomMetadata")), 1);
    json_decref(root);

    o.include_zoom_metadata = false;
    o.include_import_metadata = true;
    root = render(&c, &o, NULL);
    assert_int_equal(json_object_size(json_object_get(attrs(root), "importMetadata")), 1);
    assert_int_equal(json_object_size(json_object_get(attrs(root), "zoomMetadata")), 0);
    json_decref(root);
}

static void test_omit_intelligence(void **state)
{
    (void)state;
    conv_t c = full_conv();
    conv_render_opts_t o = conv_render_opts_list();
    o.omit_intelligence = true;
    json_t *root = render(&c, &o, NULL);
    json_t *a = attrs(root);
    check_order(a, false);
    assert_int_equal(json_object_size(json_object_get(a, "extractedIntelligence")), 0);
    assert_int_equal(json_object_size(json_object_get(a, "confirmedExtractedIntelligence")), 0);
    /* other attributes unaffected */
    assert_int_equal(json_array_size(json_object_get(a, "scorecardResults")), 1);
    json_decref(root);
}

static void test_fraction_and_escaping(void **state)
{
    (void)state;
    conv_t c = full_conv();
    c.media_duration = 12.25;
    c.title = "line\nbreak \\ \"q\" \x01 é";
    conv_render_opts_t o = conv_render_opts_list();
    json_t *root = render(&c, &o, NULL);
    json_t *a = attrs(root);
    assert_true(json_number_value(json_object_get(a, "mediaDuration")) == 12.25);
    assert_string_equal(json_string_value(json_object_get(a, "title")), "line\nbreak \\ \"q\" \x01 é");
    json_decref(root);
}

static void test_render_inside_array(void **state)
{
    (void)state;
    conv_t c1 = full_conv(), c2 = full_conv();
    strcpy(c2.uuid, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c");
    conv_render_opts_t o = conv_render_opts_list();
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    conv_render(&w, &c1, &o);
    conv_render(&w, &c2, &o);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    json_t *root = json_loads(b.data, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    json_t *d = json_object_get(root, "data");
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "id")), c2.uuid);
    json_decref(root);
    buf_free(&b);
}

/* Renders c to a string (caller frees). */
static char *render_text(const conv_t *c, const conv_render_opts_t *o)
{
    char *raw = NULL;
    json_decref(render(c, o, &raw));
    return raw;
}

/* Stores c the way a store does (conv_store_prepare, then the stored text read
 * back into a second conv that holds only what a row holds) and checks that
 * every combination of render options gives the same bytes both ways. */
static void check_doc_matches_fields(conv_t c)
{
    arena_t a;
    arena_init(&a);
    buf_t stored;
    buf_init(&stored);
    conv_t fields = c;
    assert_int_equal(conv_store_prepare(&a, &fields, &stored), 0);

    conv_t row;
    memset(&row, 0, sizeof row);
    strcpy(row.uuid, c.uuid);
    strcpy(row.user_uuid, c.user_uuid);
    strcpy(row.team_uuid, c.team_uuid);
    row.created_at = c.created_at; /* the row's columns */
    row.is_private = c.is_private;
    row.is_internal = c.is_internal;
    row.is_empty = c.is_empty;
    row.archived = c.archived;
    row.archived_at = c.archived_at;
    row.user_email = c.user_email;
    row.user_first_name = c.user_first_name;
    row.user_last_name = c.user_last_name;
    row.user_transcript_lang = c.user_transcript_lang;
    row.participants_json = fields.participants_json; /* NULL when only the external ones exist */
    row.import_metadata_json = c.import_metadata_json;
    row.zoom_metadata_json = c.zoom_metadata_json;
    conv_stored_doc_read(&row, stored.data, stored.len);
    assert_non_null(row.doc);

    for (unsigned bits = 0; bits < 96; bits++) {
        conv_render_opts_t o = conv_render_opts_single();
        o.transcript = (conv_transcript_form_t)(bits % 3);
        o.hide_transcript = bits & 4;
        o.include_internal_participants = bits & 8;
        o.include_zoom_metadata = bits & 16;
        o.include_import_metadata = (bits / 32) & 1;
        o.omit_intelligence = (bits / 64) & 1;
        char *x = render_text(&c, &o), *y = render_text(&row, &o);
        if (strcmp(x, y) != 0) {
            fprintf(stderr, "options %u: from the fields\n%s\nfrom the document\n%s\n", bits, x, y);
            fail();
        }
        free(x);
        free(y);
    }

    /* the document parses back into the same fields: rendering them again gives the same bytes */
    conv_t back = row;
    assert_int_equal(conv_doc_parse(&a, &back), 0);
    back.doc = NULL;
    conv_render_opts_t o = conv_render_opts_single();
    o.include_internal_participants = o.include_import_metadata = o.include_zoom_metadata = true;
    char *x = render_text(&c, &o), *y = render_text(&back, &o);
    if (strcmp(x, y) != 0) {
        fprintf(stderr, "rendered from the fields\n%s\nfrom the parsed document\n%s\n", x, y);
        fail();
    }
    free(x);
    free(y);
    buf_free(&stored);
    arena_free(&a);
}

static void test_stored_document(void **state)
{
    (void)state;
    conv_t c = full_conv();
    check_doc_matches_fields(c);
    c.archived = true;
    c.archived_at = 1710759600001;
    check_doc_matches_fields(c);

    /* the empty conversation, and one whose participants are all external */
    conv_t e;
    memset(&e, 0, sizeof e);
    strcpy(e.uuid, UUID1);
    check_doc_matches_fields(e);
    c = full_conv();
    c.participants_json = c.participants_ext_json;
    check_doc_matches_fields(c);
}

static void test_store_prepare_derived(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    buf_t out;
    buf_init(&out);
    conv_t c = full_conv();
    assert_int_equal(conv_store_prepare(&a, &c, &out), 0);
    assert_string_equal(c.opportunity_uuid, "opp-1");
    assert_true(c.analyzed);
    assert_non_null(c.participants_json); /* an internal participant: kept */

    c = full_conv();
    c.participants_json = c.participants_ext_json;
    c.external_opportunity_json = "{}";
    c.scorecards_json = "[]";
    c.extracted_intel_json = "{}";
    buf_reset(&out);
    assert_int_equal(conv_store_prepare(&a, &c, &out), 0);
    assert_null(c.opportunity_uuid);
    assert_false(c.analyzed);
    assert_null(c.participants_json); /* the document holds them all */
    buf_free(&out);
    arena_free(&a);
}

static void test_slots_text(void **state)
{
    (void)state;
    conv_doc_slots_t s, t;
    for (int i = 0; i < CONV_NSLOTS; i++) {
        s.start[i] = 10 * i + 1;
        s.end[i] = 10 * i + 5;
    }
    s.tail = 100;
    char text[CONV_SLOTS_TEXT_MAX];
    conv_slots_format(&s, text);
    assert_int_equal(conv_slots_parse(text, 200, &t), 0);
    assert_memory_equal(&s, &t, sizeof s);
    assert_int_equal(conv_slots_parse(text, 99, &t), -1);     /* tail beyond the document */
    assert_int_equal(conv_slots_parse("1,2,3", 200, &t), -1); /* too few */
    assert_int_equal(conv_slots_parse("x", 200, &t), -1);
    s.start[2] = 2; /* out of order */
    conv_slots_format(&s, text);
    assert_int_equal(conv_slots_parse(text, 200, &t), -1);
}

/* The list text of a conversation whose transcript v1 is v1 (rendered from a stored document). */
static char *text_of(const char *v1)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    strcpy(c.uuid, UUID1);
    c.transcript_v1_json = v1;
    arena_t a;
    arena_init(&a);
    buf_t stored;
    buf_init(&stored);
    assert_int_equal(conv_store_prepare(&a, &c, &stored), 0);
    conv_t row;
    memset(&row, 0, sizeof row);
    strcpy(row.uuid, UUID1);
    conv_stored_doc_read(&row, stored.data, stored.len);
    conv_render_opts_t o = conv_render_opts_list();
    json_t *root = render(&row, &o, NULL);
    char *t = strdup(json_string_value(json_object_get(attrs(root), "transcript")));
    json_decref(root);
    buf_free(&stored);
    arena_free(&a);
    return t;
}

/* The text form from the canonical layout (one pass) and from any other
 * layout (the generic walk) is "<speaker>: <sentence>\n" a segment either way. */
static void test_text_layouts(void **state)
{
    (void)state;
    static const struct { const char *v1, *want; } cases[] = {
        {"{\"pieceInFlux\":\"\",\"final\":[]}", ""},
        {"{\"pieceInFlux\":\"\",\"final\":[{\"speaker\":\"A \\\"q\\\" \\\\\",\"sentence\":\"x}]\\n\",\"startTimestamp\":0,"
         "\"endTimestamp\":1.5e2}]}",
         "A \"q\" \\: x}]\n\n"},
        {"{\"pieceInFlux\":{\"speaker\":\"z\",\"final\":[]},\"final\":[{\"speaker\":\"B\",\"sentence\":\"\\u00e9t\\u00e9\","
         "\"startTimestamp\":1,\"endTimestamp\":2},{\"speaker\":\"\",\"sentence\":\"\",\"startTimestamp\":2,"
         "\"endTimestamp\":3}]}",
         "B: \xc3\xa9t\xc3\xa9\n: \n"},
        /* not the canonical layout (a load file may hold anything valid): the generic walk */
        {"{\"final\":[{\"sentence\":\"hi\",\"speaker\":\"C\"},{\"speaker\":\"D\",\"sentence\":\"yo\",\"note\":\"}]\"}],"
         "\"pieceInFlux\":\"\"}",
         "C: hi\nD: yo\n"},
        {"{ \"pieceInFlux\" : \"\" , \"final\" : [ { \"speaker\" : \"E\" , \"sentence\" : \"s\" } ] }", "E: s\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = text_of(cases[i].v1);
        if (strcmp(t, cases[i].want) != 0)
            fail_msg("case %zu: got [%s], want [%s]", i, t, cases[i].want);
        free(t);
    }
}

static void test_opts_defaults(void **state)
{
    (void)state;
    conv_render_opts_t s = conv_render_opts_single(), l = conv_render_opts_list();
    assert_int_equal(s.transcript, CONV_TRANSCRIPT_OBJECT);
    assert_int_equal(l.transcript, CONV_TRANSCRIPT_TEXT);
    assert_false(s.hide_transcript || s.include_internal_participants || s.include_zoom_metadata ||
                 s.include_import_metadata || s.omit_intelligence);
    assert_false(l.hide_transcript || l.include_internal_participants || l.include_zoom_metadata ||
                 l.include_import_metadata || l.omit_intelligence);
}

static void test_status_validators(void **state)
{
    (void)state;
    assert_true(conv_media_status_valid("PENDING"));
    assert_true(conv_media_status_valid("UNAVAILABLE"));
    assert_true(conv_media_status_valid("IMPORTING"));
    assert_true(conv_media_status_valid("READY"));
    assert_false(conv_media_status_valid("ready"));
    assert_false(conv_media_status_valid(""));
    assert_false(conv_media_status_valid(NULL));
    assert_false(conv_media_status_valid("FINISHED"));

    const char *imp[] = {"NONE", "PENDING", "IN_PROGRESS", "FINISHED", "DISCARDED", "FAILED"};
    for (int i = 0; i < 6; i++)
        assert_true(conv_import_status_valid(imp[i]));
    assert_false(conv_import_status_valid("COMPLETED"));
    assert_false(conv_import_status_valid("finished"));

    const char *tr[] = {"PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"};
    for (int i = 0; i < 4; i++)
        assert_true(conv_transcript_status_valid(tr[i]));
    assert_false(conv_transcript_status_valid("FINISHED"));
    assert_false(conv_transcript_status_valid("NONE"));

    const char *crm[] = {"NONE", "PENDING", "EXPORTED", "FAILED"};
    for (int i = 0; i < 4; i++)
        assert_true(conv_crm_export_status_valid(crm[i]));
    assert_false(conv_crm_export_status_valid("READY"));
    assert_false(conv_crm_export_status_valid("NONE "));
    assert_false(conv_crm_export_status_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_and_order),
        cmocka_unit_test(test_full_values),
        cmocka_unit_test(test_defaults_for_null_fields),
        cmocka_unit_test(test_archived_at_only_when_archived),
        cmocka_unit_test(test_transcript_forms),
        cmocka_unit_test(test_hide_transcript),
        cmocka_unit_test(test_participants_option),
        cmocka_unit_test(test_metadata_options),
        cmocka_unit_test(test_omit_intelligence),
        cmocka_unit_test(test_fraction_and_escaping),
        cmocka_unit_test(test_render_inside_array),
        cmocka_unit_test(test_stored_document),
        cmocka_unit_test(test_store_prepare_derived),
        cmocka_unit_test(test_slots_text),
        cmocka_unit_test(test_text_layouts),
        cmocka_unit_test(test_opts_defaults),
        cmocka_unit_test(test_status_validators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
