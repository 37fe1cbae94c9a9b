/* test_snippet.c - unit tests for snippets and library folders: the POST /snippets body and its `reference`, share codes, folder paths, the renderers (model/snippet.c, model/library.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>

#include "model/library.h"
#include "model/snippet.h"

#define ORG "01900000-0000-7000-8000-0000000000aa"
#define USER "01900000-0000-7000-8000-0000000000bb"
#define CONV "01900000-0000-7000-8000-0000000000cc"

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return v;
}

/* A valid body with extra members spliced in before the closing brace (extra "" or ",\"k\":v…"). */
static json_t *body_with(const char *extra)
{
    static char text[220 * 1000];
    snprintf(text, sizeof text,
             "{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\","
             "\"video\":{\"start_time\":1.5,\"end_time\":12,\"duration\":10.5},\"internal\":false,"
             "\"notify_views\":true%s}",
             extra);
    return js(text);
}

/* ---- reference ---------------------------------------------------------------------- */

static void test_reference(void **state)
{
    (void)state;
    store_snippet_t s;
    char err[256];
    json_t *v = js("{\"characters\":{\"start_idx\":\"0\",\"end_idx\":\"120\"},"
                   "\"speakers\":{\"start_idx\":\"007\",\"end_idx\":\"999999999999999999\"},"
                   "\"transcript_version\":\"V2\",\"extra\":true}");
    assert_int_equal(snippet_reference_parse(v, &s, err, sizeof err), 0);
    assert_true(s.has_reference);
    assert_int_equal(s.ref_char_start, 0);
    assert_int_equal(s.ref_char_end, 120);
    assert_int_equal(s.ref_speaker_start, 7);
    assert_int_equal(s.ref_speaker_end, 999999999999999999LL);
    assert_string_equal(s.ref_version, "V2");
    json_decref(v);
    /* absent or null: no reference */
    assert_int_equal(snippet_reference_parse(NULL, &s, err, sizeof err), 0);
    assert_false(s.has_reference);
    v = js("null");
    assert_int_equal(snippet_reference_parse(v, &s, err, sizeof err), 0);
    assert_false(s.has_reference);
    json_decref(v);

    static const struct { const char *ref, *msg; } bad[] = {
        {"[]", "reference must be an object"},
        {"\"x\"", "reference must be an object"},
        {"{}", "reference.characters is required"},
        {"{\"characters\":[]}", "reference.characters must be an object"},
        {"{\"characters\":{\"end_idx\":\"1\"}}", "reference.characters.start_idx is required"},
        {"{\"characters\":{\"start_idx\":0,\"end_idx\":\"1\"}}",
         "reference.characters.start_idx must be a string of digits (\"42\"), got a number"},
        {"{\"characters\":{\"start_idx\":\"\",\"end_idx\":\"1\"}}", "must be a string of 1 to 18 digits, got \"\""},
        {"{\"characters\":{\"start_idx\":\"-1\",\"end_idx\":\"1\"}}", "got \"-1\""},
        {"{\"characters\":{\"start_idx\":\" 1\",\"end_idx\":\"1\"}}", "got \" 1\""},
        {"{\"characters\":{\"start_idx\":\"1.0\",\"end_idx\":\"1\"}}", "got \"1.0\""},
        {"{\"characters\":{\"start_idx\":\"1234567890123456789\",\"end_idx\":\"1\"}}", "1 to 18 digits"},
        {"{\"characters\":{\"start_idx\":\"1\",\"end_idx\":true}}", "reference.characters.end_idx must be a string"},
        {"{\"characters\":{\"start_idx\":\"5\",\"end_idx\":\"4\"}}", "start_idx (5) must not be after end_idx (4)"},
        {"{\"characters\":{\"start_idx\":\"1\",\"end_idx\":\"2\"}}", "reference.speakers is required"},
        {"{\"characters\":{\"start_idx\":\"1\",\"end_idx\":\"2\"},\"speakers\":{\"start_idx\":\"1\",\"end_idx\":\"x\"}}",
         "reference.speakers.end_idx must be a string of 1 to 18 digits, got \"x\""},
        {"{\"characters\":{\"start_idx\":\"1\",\"end_idx\":\"2\"},\"speakers\":{\"start_idx\":\"1\",\"end_idx\":\"1\"}}",
         "reference.transcript_version is required"},
        {"{\"characters\":{\"start_idx\":\"1\",\"end_idx\":\"2\"},\"speakers\":{\"start_idx\":\"1\",\"end_idx\":\"1\"},"
         "\"transcript_version\":\"v2\"}",
         "reference.transcript_version must be \"V1\" or \"V2\", got \"v2\""},
        {"{\"characters\":{\"start_idx\":\"1\",\"end_idx\":\"2\"},\"speakers\":{\"start_idx\":\"1\",\"end_idx\":\"1\"},"
         "\"transcript_version\":2}",
         "got a non-string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = js(bad[i].ref);
        err[0] = '\0';
        assert_int_equal(snippet_reference_parse(v, &s, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].ref, err, bad[i].msg);
        json_decref(v);
    }
}

/* ---- the body ----------------------------------------------------------------------- */

static void test_body(void **state)
{
    (void)state;
    snippet_body_t b;
    char err[512];
    json_t *v = body_with("");
    assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), 0);
    assert_string_equal(b.s.user_uuid, USER);
    assert_string_equal(b.s.conversation_uuid, CONV);
    assert_true(b.s.start_time == 1.5 && b.s.end_time == 12 && b.s.duration == 10.5);
    assert_false(b.s.internal);
    assert_true(b.s.notify_views);
    assert_false(b.s.has_reference);
    assert_string_equal(b.s.title, "Snippet");
    assert_string_equal(b.s.notes, "");
    assert_false(b.s.in_library);
    assert_false(b.s.my_library);
    assert_string_equal(b.folder_path, "/");
    json_decref(v);

    v = body_with(",\"title\":\"Nice one\",\"notes\":\"n\",\"in_library\":true,"
                  "\"library_item_info\":{\"my_library\":true,\"folder_path\":\"/Deals/Q3/\"},"
                  "\"reference\":{\"characters\":{\"start_idx\":\"1\",\"end_idx\":\"2\"},"
                  "\"speakers\":{\"start_idx\":\"0\",\"end_idx\":\"1\"},\"transcript_version\":\"V1\"},\"x\":[]");
    assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), 0);
    assert_string_equal(b.s.title, "Nice one");
    assert_string_equal(b.s.notes, "n");
    assert_true(b.s.in_library);
    assert_true(b.s.my_library);
    assert_string_equal(b.folder_path, "/Deals/Q3");
    assert_true(b.s.has_reference);
    json_decref(v);
    v = body_with(",\"title\":\"\",\"library_item_info\":null,\"reference\":null,\"notes\":null");
    assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), 0);
    assert_string_equal(b.s.title, "Snippet");
    json_decref(v);

    static const struct { const char *text, *msg; } bad[] = {
        {"[]", "JSON object"},
        {"{}", "user_uuid is required"},
        {"{\"user_uuid\":\"bob\"}", "user_uuid must be a UUID, got \"bob\""},
        {"{\"user_uuid\":\"" USER "\"}", "conversation_id is required"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":5}", "conversation_id must be a UUID string"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\"}", "video is required"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":[1]}", "video must be an object"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{}}", "video.start_time is required"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":\"1\"}}",
         "video.start_time must be a number"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":-1}}",
         "video.start_time must be from 0"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":1,\"end_time\":2}}",
         "video.duration is required"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":5,\"end_time\":5,"
         "\"duration\":0}}",
         "video.end_time (5) must be after video.start_time (5)"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":1,\"end_time\":2,"
         "\"duration\":1}}",
         "internal is required"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":1,\"end_time\":2,"
         "\"duration\":1},\"internal\":\"no\"}",
         "internal must be a boolean"},
        {"{\"user_uuid\":\"" USER "\",\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":1,\"end_time\":2,"
         "\"duration\":1},\"internal\":true}",
         "notify_views is required"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = js(bad[i].text);
        err[0] = '\0';
        assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].text, err, bad[i].msg);
        json_decref(v);
    }
    static const struct { const char *extra, *msg; } bad_extra[] = {
        {",\"reference\":{\"characters\":{}}", "reference.characters.start_idx is required"},
        {",\"title\":7", "title must be a string"},
        {",\"in_library\":1", "in_library must be a boolean"},
        {",\"library_item_info\":\"/a\"", "library_item_info must be an object"},
        {",\"library_item_info\":{\"my_library\":\"yes\"}", "library_item_info.my_library must be a boolean"},
        {",\"library_item_info\":{\"folder_path\":5}", "library_item_info.folder_path must be a string"},
        {",\"library_item_info\":{\"folder_path\":\"a/b\"}", "must start with \"/\""},
        {",\"library_item_info\":{\"folder_path\":\"/a//b\"}", "empty folder name"},
    };
    for (size_t i = 0; i < sizeof bad_extra / sizeof bad_extra[0]; i++) {
        v = body_with(bad_extra[i].extra);
        err[0] = '\0';
        assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), -1);
        if (!strstr(err, bad_extra[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad_extra[i].extra, err, bad_extra[i].msg);
        json_decref(v);
    }
}

/* The length limits count characters (code points), not bytes. */
static void test_body_limits(void **state)
{
    (void)state;
    snippet_body_t b;
    char err[256];
    static char extra[200 * 1000];
    char *p = extra + sprintf(extra, ",\"notes\":\"");
    for (int i = 0; i < SNIPPET_NOTES_MAX_CHARS; i++)
        p += sprintf(p, "\xc3\xa9"); /* 2 bytes, 1 character */
    sprintf(p, "\",\"title\":\"t\"");
    json_t *v = body_with(extra);
    assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), 0);
    json_decref(v);
    sprintf(p, "x\"");
    v = body_with(extra);
    assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "notes is 20001 characters; the limit is 20000"));
    json_decref(v);
    p = extra + sprintf(extra, ",\"title\":\"");
    for (int i = 0; i <= SNIPPET_TITLE_MAX_CHARS; i++)
        *p++ = 'a';
    sprintf(p, "\"");
    v = body_with(extra);
    assert_int_equal(snippet_body_parse(v, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "title is 501 characters; the limit is 500"));
    json_decref(v);
}

static void test_window(void **state)
{
    (void)state;
    store_snippet_t s = {.start_time = 1, .end_time = 30.5, .duration = 29.5};
    char err[256];
    assert_int_equal(snippet_window_check(&s, 30.5, err, sizeof err), 0);
    assert_int_equal(snippet_window_check(&s, 30, err, sizeof err), -1);
    assert_non_null(strstr(err, "video.end_time (30.5) must be within the call, which is 30 seconds long"));
    s.end_time = 2;
    s.duration = 31;
    assert_int_equal(snippet_window_check(&s, 30, err, sizeof err), -1);
    assert_non_null(strstr(err, "video.duration (31)"));
    /* a conversation without a recording length holds no snippet */
    s.duration = 1;
    assert_int_equal(snippet_window_check(&s, 0, err, sizeof err), -1);
}

/* ---- share codes and rendering -------------------------------------------------------- */

static void test_share_code(void **state)
{
    (void)state;
    uint8_t rnd[SNIPPET_SHARE_CODE_BYTES];
    memset(rnd, 0xff, sizeof rnd);
    char code[48];
    snippet_share_code(rnd, code, sizeof code);
    assert_int_equal(strlen(code), SNIPPET_SHARE_CODE_LEN);
    assert_string_equal(code, "_____________________w");
    assert_true(snippet_share_code_ok(code));
    randombytes_buf(rnd, sizeof rnd);
    snippet_share_code(rnd, code, sizeof code);
    assert_true(snippet_share_code_ok(code));
    assert_false(snippet_share_code_ok(""));
    assert_false(snippet_share_code_ok("_____________________"));   /* 21 */
    assert_false(snippet_share_code_ok("______________________w")); /* 23 */
    assert_false(snippet_share_code_ok("____________________+w"));  /* not base64url */
    assert_false(snippet_share_code_ok("____________________/w"));
}

static void test_render(void **state)
{
    (void)state;
    store_snippet_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.uuid, sizeof s.uuid, "01900000-0000-7000-8000-0000000000dd");
    snprintf(s.conversation_uuid, sizeof s.conversation_uuid, CONV);
    s.title = "A \"quote\"";
    s.notes = "n";
    s.start_time = 1.5;
    s.end_time = 3;
    s.duration = 1.5;
    s.created_at = 1710756000123;
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    snippet_render(&w, &s);
    assert_string_equal(b.data, "{\"id\":\"01900000-0000-7000-8000-0000000000dd\",\"title\":\"A \\\"quote\\\"\","
                                "\"conversation_id\":\"" CONV "\",\"video\":{\"start_time\":1.5,\"end_time\":3,"
                                "\"duration\":1.5},\"notes\":\"n\",\"createdAt\":\"2024-03-18T10:00:00.123Z\"}");
    buf_free(&b);
}

/* ---- library ------------------------------------------------------------------------ */

static void test_paths(void **state)
{
    (void)state;
    char out[LIBRARY_PATH_MAX + 1], err[256];
    static const struct { const char *in, *want; } ok[] = {
        {"", "/"}, {"/", "/"}, {"/a", "/a"}, {"/a/", "/a"}, {"/a b/c.d/é", "/a b/c.d/é"}, {"/...", "/..."},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(library_path_parse(ok[i].in, "p", out, sizeof out, err, sizeof err), 0);
        assert_string_equal(out, ok[i].want);
    }
    static const struct { const char *in, *msg; } bad[] = {
        {"a", "p must start with \"/\""},     {"//", "empty folder name"}, {"/a//b", "empty folder name"},
        {"/a/./b", "\".\" or \"..\""},        {"/..", "\".\" or \"..\""},  {"/a\tb", "control characters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(library_path_parse(bad[i].in, "p", out, sizeof out, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].in, err, bad[i].msg);
    }
    /* limits: a name of 100 characters, 16 levels, 1000 bytes */
    char p[2048];
    p[0] = '/';
    memset(p + 1, 'n', 100);
    p[101] = '\0';
    assert_int_equal(library_path_parse(p, "p", out, sizeof out, err, sizeof err), 0);
    strcat(p, "n");
    assert_int_equal(library_path_parse(p, "p", out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "a folder name is 101 characters; the limit is 100"));
    p[0] = '\0';
    for (int i = 0; i < 16; i++)
        strcat(p, "/x");
    assert_int_equal(library_path_parse(p, "p", out, sizeof out, err, sizeof err), 0);
    strcat(p, "/x");
    assert_int_equal(library_path_parse(p, "p", out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 16 folders deep"));
    p[0] = '/';
    memset(p + 1, 'n', 1000);
    p[1001] = '\0';
    assert_int_equal(library_path_parse(p, "p", out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "1001 bytes; the limit is 1000"));
}

static void test_roots_and_render(void **state)
{
    (void)state;
    uuid_str_t a, b, c;
    library_root_uuid(ORG, "", a);
    library_root_uuid(ORG, "", b);
    library_root_uuid(ORG, USER, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_true(uuid_parse(a, b));
    store_folder_t root, sub;
    library_root(ORG, USER, &root);
    assert_string_equal(root.uuid, c);
    assert_string_equal(root.name, "My Library");
    assert_string_equal(root.path, "/");
    memset(&sub, 0, sizeof sub);
    snprintf(sub.uuid, sizeof sub.uuid, "01900000-0000-7000-8000-0000000000ee");
    snprintf(sub.org_uuid, sizeof sub.org_uuid, ORG);
    snprintf(sub.owner_uuid, sizeof sub.owner_uuid, USER);
    snprintf(sub.name, sizeof sub.name, "Deals");
    snprintf(sub.path, sizeof sub.path, "/Deals");
    sub.total_elements = 3;
    sub.total_folders = 1;
    buf_t out;
    buf_init(&out);
    jsonw_t w;
    jsonw_init(&w, &out);
    library_folder_render(&w, &root, &sub, 1);
    char want[2048];
    snprintf(want, sizeof want,
             "{\"uuid\":\"%s\",\"name\":\"My Library\",\"organizationUUID\":\"" ORG "\",\"parentUUID\":\"\","
             "\"path\":\"/\",\"hidden\":false,\"userUUID\":\"" USER "\",\"subFolders\":[{\"uuid\":"
             "\"01900000-0000-7000-8000-0000000000ee\",\"name\":\"Deals\",\"parentUUID\":\"%s\",\"hidden\":false,"
             "\"totalElements\":3,\"totalFolders\":1}],\"subFoldersTotal\":1}",
             c, c);
    assert_string_equal(out.data, want);
    buf_free(&out);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference),   cmocka_unit_test(test_body),  cmocka_unit_test(test_body_limits),
        cmocka_unit_test(test_window),      cmocka_unit_test(test_share_code), cmocka_unit_test(test_render),
        cmocka_unit_test(test_paths),       cmocka_unit_test(test_roots_and_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
