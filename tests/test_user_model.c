/* test_user_model.c - unit tests for the User, Team and API-key resources: rendering, bodies, filters (model/user.c, model/apikey.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>

#include "model/apikey.h"
#include "model/user.h"

#define ORG "01900000-0000-7000-8000-0000000000aa"

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return v;
}

static store_team_t team(const char *uuid, const char *name, const char *parent)
{
    store_team_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.uuid, sizeof t.uuid, "%s", uuid);
    snprintf(t.org_uuid, sizeof t.org_uuid, "%s", ORG);
    snprintf(t.parent_uuid, sizeof t.parent_uuid, "%s", parent ? parent : "");
    snprintf(t.name, sizeof t.name, "%s", name);
    return t;
}

/* ---- rendering ------------------------------------------------------------------- */

static void test_team_render(void **state)
{
    (void)state;
    store_team_t v[3] = {
        team("01900000-0000-7000-8000-000000000001", "Root", NULL),
        team("01900000-0000-7000-8000-000000000002", "Child \"A\"", "01900000-0000-7000-8000-000000000001"),
        team("01900000-0000-7000-8000-000000000003", "Grandchild", "01900000-0000-7000-8000-000000000002"),
    };
    team_set_t all = {v, 3};
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    team_render(&w, &v[0], &all);
    assert_string_equal(b.data, "{\"uuid\":\"01900000-0000-7000-8000-000000000001\",\"name\":\"Root\",\"domain\":\"\","
                                "\"parentTeamUUID\":\"\",\"organizationUUID\":\"" ORG "\","
                                "\"children\":[\"01900000-0000-7000-8000-000000000002\"]}");
    buf_reset(&b);
    jsonw_init(&w, &b);
    team_render(&w, &v[2], NULL);
    assert_non_null(strstr(b.data, "\"children\":[]"));
    assert_non_null(strstr(b.data, "\"parentTeamUUID\":\"01900000-0000-7000-8000-000000000002\""));
    buf_reset(&b);
    jsonw_init(&w, &b);
    team_render(&w, &v[1], &all);
    assert_non_null(strstr(b.data, "\"name\":\"Child \\\"A\\\"\""));
    buf_free(&b);
}

static void test_user_render(void **state)
{
    (void)state;
    store_team_t v[1] = {team("01900000-0000-7000-8000-000000000001", "Sales", NULL)};
    team_set_t all = {v, 1};
    store_user_t u;
    memset(&u, 0, sizeof u);
    snprintf(u.uuid, sizeof u.uuid, "01900000-0000-7000-8000-0000000000bb");
    snprintf(u.org_uuid, sizeof u.org_uuid, ORG);
    snprintf(u.primary_team_uuid, sizeof u.primary_team_uuid, "%s", v[0].uuid);
    snprintf(u.email, sizeof u.email, "bob@acme.test");
    snprintf(u.first_name, sizeof u.first_name, "Bob");
    snprintf(u.transcript_lang, sizeof u.transcript_lang, "en");
    snprintf(u.role, sizeof u.role, "member");
    u.created_at = 1710756000000;
    uuid_str_t rid;
    user_role_uuid(ORG, "member", rid);

    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    user_render(&w, &u, &all, &all);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"uuid\":\"01900000-0000-7000-8000-0000000000bb\",\"email\":\"bob@acme.test\",\"firstName\":\"Bob\","
             "\"lastName\":\"\",\"createdAt\":\"2024-03-18T10:00:00.000Z\",\"transcriptLang\":\"en\","
             "\"primaryTeamUUID\":\"01900000-0000-7000-8000-000000000001\","
             "\"roles\":[{\"uuid\":\"%s\",\"name\":\"Member\",\"type\":\"member\"}],"
             "\"teams\":[{\"uuid\":\"01900000-0000-7000-8000-000000000001\",\"name\":\"Sales\",\"domain\":\"\","
             "\"parentTeamUUID\":\"\",\"organizationUUID\":\"" ORG "\",\"children\":[]}]}",
             rid);
    assert_string_equal(b.data, want);

    snprintf(u.role, sizeof u.role, "admin");
    buf_reset(&b);
    jsonw_init(&w, &b);
    user_render(&w, &u, NULL, NULL);
    assert_non_null(strstr(b.data, "\"name\":\"Admin\",\"type\":\"admin\""));
    assert_non_null(strstr(b.data, "\"teams\":[]"));
    buf_free(&b);
}

static void test_role_uuid(void **state)
{
    (void)state;
    uuid_str_t a, b, c, d;
    user_role_uuid(ORG, "admin", a);
    user_role_uuid(ORG, "admin", b);
    user_role_uuid(ORG, "member", c);
    user_role_uuid("01900000-0000-7000-8000-0000000000cc", "admin", d);
    assert_string_equal(a, b);          /* stable */
    assert_string_not_equal(a, c);      /* per role */
    assert_string_not_equal(a, d);      /* per organization */
    assert_true(uuid_parse(a, b));
    assert_int_equal(a[14], '8');       /* version 8 */
    assert_non_null(strchr("89ab", a[19]));
}

static void test_apikey_render(void **state)
{
    (void)state;
    store_key_info_t k;
    memset(&k, 0, sizeof k);
    snprintf(k.id, sizeof k.id, "01900000-0000-7000-8000-0000000000dd");
    snprintf(k.org_uuid, sizeof k.org_uuid, ORG);
    snprintf(k.user_uuid, sizeof k.user_uuid, "01900000-0000-7000-8000-0000000000bb");
    snprintf(k.name, sizeof k.name, "ci");
    snprintf(k.last4, sizeof k.last4, "WXYZ");
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    apikey_render(&w, &k, NULL);
    assert_string_equal(b.data, "{\"id\":\"01900000-0000-7000-8000-0000000000dd\",\"name\":\"ci\","
                                "\"organizationUUID\":\"" ORG "\",\"userUUID\":\"01900000-0000-7000-8000-0000000000bb\","
                                "\"value\":\"\xe2\x80\xa6WXYZ\",\"lastSeenAt\":\"\"}");
    buf_reset(&b);
    k.last_seen_at = 1710756000007;
    jsonw_init(&w, &b);
    apikey_render(&w, &k, "prl_full");
    assert_non_null(strstr(b.data, "\"value\":\"prl_full\",\"lastSeenAt\":\"2024-03-18T10:00:00.007Z\""));
    buf_free(&b);
}

/* ---- bodies ------------------------------------------------------------------------- */

/* Runs user_body_parse on text; returns its result, message in err. The
 * parsed value goes to *hold (caller decrefs: out borrows from it). */
static int user_body(const char *text, user_body_t *out, char *err, size_t errlen, json_t **hold)
{
    *hold = js(text);
    return user_body_parse(*hold, out, err, errlen);
}

static void test_user_body(void **state)
{
    (void)state;
    user_body_t b;
    char err[256];
    json_t *h;
    assert_int_equal(user_body("{\"email\":\"Bob@Acme.test\",\"firstName\":\"Bob\",\"lastName\":null,"
                               "\"teamUUID\":\"01900000-0000-7000-8000-0000000000AA\",\"role\":\"Admin\",\"x\":1}",
                               &b, err, sizeof err, &h),
                     0);
    assert_string_equal(b.email, "Bob@Acme.test");
    assert_string_equal(b.first_name, "Bob");
    assert_null(b.last_name);
    assert_string_equal(b.team_uuid, "01900000-0000-7000-8000-0000000000aa");
    assert_string_equal(b.role, "admin");
    json_decref(h);
    assert_int_equal(user_body("{\"email\":\"a@b\"}", &b, err, sizeof err, &h), 0);
    assert_null(b.role);
    assert_null(b.team_uuid);
    json_decref(h);

    static const struct { const char *body, *msg; } bad[] = {
        {"[]", "JSON object"},
        {"{}", "email is required"},
        {"{\"email\":null}", "email is required"},
        {"{\"email\":5}", "email must be a string"},
        {"{\"email\":\"nope\"}", "email must be an email address"},
        {"{\"email\":\"a b@c\"}", "got \"a b@c\""},
        {"{\"email\":\"a@b@c\"}", "email must be an email address"},
        {"{\"email\":\"@b\"}", "email must be an email address"},
        {"{\"email\":\"a@b\",\"firstName\":3}", "firstName must be a string"},
        {"{\"email\":\"a@b\",\"teamUUID\":\"t1\"}", "teamUUID must be a UUID, got \"t1\""},
        {"{\"email\":\"a@b\",\"teamUUID\":7}", "teamUUID must be a string"},
        {"{\"email\":\"a@b\",\"role\":\"owner\"}", "role must be \"member\" or \"admin\", got \"owner\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(user_body(bad[i].body, &b, err, sizeof err, &h), -1);
        json_decref(h);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].body, err, bad[i].msg);
    }
    /* a long last name is refused with its length */
    char big[400];
    memset(big, 'x', 300);
    big[300] = '\0';
    char text[512];
    snprintf(text, sizeof text, "{\"email\":\"a@b\",\"lastName\":\"%s\"}", big);
    assert_int_equal(user_body(text, &b, err, sizeof err, &h), -1);
    json_decref(h);
    assert_non_null(strstr(err, "lastName must be at most 255 bytes long, got 300"));
}

static void test_team_body(void **state)
{
    (void)state;
    team_body_t b;
    char err[256];
    json_t *v = js("{\"name\":\"Sales\",\"parentTeamUUID\":\"01900000-0000-7000-8000-0000000000AA\"}");
    assert_int_equal(team_body_parse(v, &b, err, sizeof err), 0);
    assert_string_equal(b.name, "Sales");
    assert_string_equal(b.parent_uuid, "01900000-0000-7000-8000-0000000000aa");
    json_decref(v);

    /* 200 characters (multi-byte) are fine as long as they fit 255 bytes; 201 are not */
    char name[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(name, "a");
    char text[1200];
    snprintf(text, sizeof text, "{\"name\":\"%s\"}", name);
    v = js(text);
    assert_int_equal(team_body_parse(v, &b, err, sizeof err), 0);
    json_decref(v);
    strcat(name, "a");
    snprintf(text, sizeof text, "{\"name\":\"%s\"}", name);
    v = js(text);
    assert_int_equal(team_body_parse(v, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "name must be 1 to 200 characters (at most 255 bytes) long, got 201 characters"));
    json_decref(v);
    name[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(name, "\xc3\xa9"); /* 100 characters, 200 bytes */
    snprintf(text, sizeof text, "{\"name\":\"%s\"}", name);
    v = js(text);
    assert_int_equal(team_body_parse(v, &b, err, sizeof err), 0);
    json_decref(v);
    for (int i = 0; i < 30; i++)
        strcat(name, "\xc3\xa9"); /* 130 characters, 260 bytes */
    snprintf(text, sizeof text, "{\"name\":\"%s\"}", name);
    v = js(text);
    assert_int_equal(team_body_parse(v, &b, err, sizeof err), -1);
    json_decref(v);

    static const struct { const char *body, *msg; } bad[] = {
        {"\"x\"", "JSON object"},
        {"{}", "name is required"},
        {"{\"name\":\"\"}", "name must be 1 to 200 characters"},
        {"{\"name\":[]}", "name must be a string"},
        {"{\"name\":\"a\",\"parentTeamUUID\":\"zz\"}", "parentTeamUUID must be a UUID, got \"zz\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = js(bad[i].body);
        assert_int_equal(team_body_parse(v, &b, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].body, err, bad[i].msg);
        json_decref(v);
    }
}

static void test_apikey_bodies(void **state)
{
    (void)state;
    apikey_body_t b;
    char err[256];
    json_t *v = js("{\"name\":\"ci\",\"orgLevel\":true,\"userUUID\":\"01900000-0000-7000-8000-0000000000BB\"}");
    assert_int_equal(apikey_body_parse(v, &b, err, sizeof err), 0);
    assert_string_equal(b.name, "ci");
    assert_true(b.org_level);
    assert_string_equal(b.user_uuid, "01900000-0000-7000-8000-0000000000bb");
    json_decref(v);
    v = js("{\"name\":\"ci\",\"orgLevel\":null}");
    assert_int_equal(apikey_body_parse(v, &b, err, sizeof err), 0);
    assert_false(b.org_level);
    assert_null(b.user_uuid);
    json_decref(v);

    static const struct { const char *body, *msg; } bad[] = {
        {"[1]", "JSON object"},
        {"{\"orgLevel\":true}", "name is required"},
        {"{\"name\":\"ci\",\"orgLevel\":\"yes\"}", "orgLevel must be a boolean"},
        {"{\"name\":\"ci\",\"userUUID\":1}", "userUUID must be a string"},
        {"{\"name\":\"ci\",\"userUUID\":\"bob\"}", "userUUID must be a UUID, got \"bob\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = js(bad[i].body);
        assert_int_equal(apikey_body_parse(v, &b, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].body, err, bad[i].msg);
        json_decref(v);
    }

    const char *id;
    assert_int_equal(apikey_delete_id("k1", NULL, &id, err, sizeof err), 0);
    assert_string_equal(id, "k1");
    v = js("{\"id\":\"k2\"}");
    assert_int_equal(apikey_delete_id(NULL, v, &id, err, sizeof err), 0);
    assert_string_equal(id, "k2");
    assert_int_equal(apikey_delete_id("k2", v, &id, err, sizeof err), 0);
    assert_int_equal(apikey_delete_id("k1", v, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "differ"));
    json_decref(v);
    assert_int_equal(apikey_delete_id(NULL, NULL, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "id is required"));
    assert_int_equal(apikey_delete_id("", NULL, &id, err, sizeof err), -1);
    v = js("{\"id\":5}");
    assert_int_equal(apikey_delete_id(NULL, v, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "id must be a string"));
    json_decref(v);
    v = js("[\"k1\"]");
    assert_int_equal(apikey_delete_id("k1", v, &id, err, sizeof err), -1);
    json_decref(v);
}

/* ---- filters ---------------------------------------------------------------------------- */

static void test_user_filter(void **state)
{
    (void)state;
    arena_t a;
    arena_init(&a);
    query_t q;
    const char *why;
    const char *qs = "filter%5Bid%5D=01900000-0000-7000-8000-0000000000BB,01900000-0000-7000-8000-0000000000cc"
                     "&filter[email]=BOB@acme.test&teamUUID=01900000-0000-7000-8000-000000000001&other=1";
    assert_int_equal(query_parse(&a, qs, strlen(qs), &q, &why), 0);
    user_filter_t f;
    char err[256];
    assert_int_equal(user_filter_parse(&a, &q, &f, err, sizeof err), 0);
    assert_int_equal(f.nids, 2);
    assert_string_equal(f.ids[0], "01900000-0000-7000-8000-0000000000bb");
    assert_int_equal(f.nemails, 1);
    assert_int_equal(f.nteams, 1);

    store_team_t v[1] = {team("01900000-0000-7000-8000-000000000001", "Sales", NULL)};
    team_set_t teams = {v, 1}, none = {NULL, 0};
    store_user_t u;
    memset(&u, 0, sizeof u);
    snprintf(u.uuid, sizeof u.uuid, "01900000-0000-7000-8000-0000000000bb");
    snprintf(u.email, sizeof u.email, "bob@acme.test");
    assert_true(user_filter_match(&f, &u, &teams));
    assert_false(user_filter_match(&f, &u, &none)); /* not in the team */
    snprintf(u.email, sizeof u.email, "eve@acme.test");
    assert_false(user_filter_match(&f, &u, &teams));
    snprintf(u.email, sizeof u.email, "bob@acme.test");
    snprintf(u.uuid, sizeof u.uuid, "01900000-0000-7000-8000-0000000000dd");
    assert_false(user_filter_match(&f, &u, &teams));

    user_filter_t empty;
    query_t q0 = {0};
    assert_int_equal(user_filter_parse(&a, &q0, &empty, err, sizeof err), 0);
    assert_true(user_filter_match(&empty, &u, &none));

    const char *bad = "teamUUID=sales";
    assert_int_equal(query_parse(&a, bad, strlen(bad), &q, &why), 0);
    assert_int_equal(user_filter_parse(&a, &q, &f, err, sizeof err), -1);
    assert_string_equal(err, "teamUUID must be UUIDs, got \"sales\"");
    const char *bad2 = "filter[id]=01900000-0000-7000-8000-0000000000bb,x";
    assert_int_equal(query_parse(&a, bad2, strlen(bad2), &q, &why), 0);
    assert_int_equal(user_filter_parse(&a, &q, &f, err, sizeof err), -1);
    assert_string_equal(err, "filter[id] must be UUIDs, got \"x\"");
    arena_free(&a);
}

static void test_email(void **state)
{
    (void)state;
    assert_true(user_email_ok("a@b"));
    assert_false(user_email_ok("a\x01@b"));
    assert_false(user_email_ok("a@"));
    assert_false(user_email_ok("<a>@b"));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_team_render),   cmocka_unit_test(test_user_render),
        cmocka_unit_test(test_role_uuid),     cmocka_unit_test(test_apikey_render),
        cmocka_unit_test(test_user_body),     cmocka_unit_test(test_team_body),
        cmocka_unit_test(test_apikey_bodies), cmocka_unit_test(test_user_filter),
        cmocka_unit_test(test_email),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
